//! Where declarations come from: a document's text file (found from the data file's folder,
//! read, and normalised for quote checks, or a load error when it is missing) and the line
//! and column each entity is declared at (for `duplicate id` errors).

use std::path::PathBuf;

use super::{normalise_for_quotes, LoadError, LoadErrorKind, Loader};
use crate::syntax::decl::Prop;

impl Loader<'_> {
    /// Line and column (1-based, in characters) of a byte offset in the current file.
    /// Declarations come in file order, so the cursor only moves forward: a file's sites
    /// cost one pass over its text, however long its lines.
    pub(super) fn line_col(&mut self, offset: usize) -> (u32, u32) {
        let Some(file) = &self.file else { return (1, 1) };
        let text: &str = &file.text;
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        if offset < self.line_cursor.0 {
            self.line_cursor = (0, 1, 1);
        }
        let (from, mut line, mut column) = self.line_cursor;
        let seg = &text[from..offset];
        match seg.rfind('\n') {
            Some(i) => {
                line += u32::try_from(seg.bytes().filter(|b| *b == b'\n').count()).unwrap_or(u32::MAX);
                column = 1 + u32::try_from(seg[i + 1..].chars().count()).unwrap_or(u32::MAX);
            }
            None => column += u32::try_from(seg.chars().count()).unwrap_or(u32::MAX),
        }
        self.line_cursor = (offset, line, column);
        (line, column)
    }

    /// A document's `text` file, resolved from the data file's folder and read: a missing
    /// file is an error (unless the file allows it, see [`DataFile::optional_texts`], when
    /// the text is `None` and the document's quotes load unverified).
    pub(super) fn document_text_path(&self, p: &Prop) -> Result<(PathBuf, Option<String>), LoadError> {
        let Some(text) = p.value.as_str() else {
            return Err(LoadError::new(
                LoadErrorKind::InvalidValue,
                p.key.span,
                "a document's text must be a path",
            ));
        };
        let path = match &self.base_dir {
            Some(base) => base.join(text),
            None => PathBuf::from(text),
        };
        match std::fs::read_to_string(&path) {
            Ok(content) => {
                let absolute = std::fs::canonicalize(&path).unwrap_or(path);
                Ok((absolute, Some(normalise_for_quotes(&content))))
            }
            Err(_) if self.optional_texts => {
                let absolute = std::path::absolute(&path).unwrap_or(path);
                Ok((absolute, None))
            }
            Err(e) => Err(LoadError::new(
                LoadErrorKind::MissingText,
                p.key.span,
                format!("cannot read the document's text '{text}': {e}"),
            )
            .with_label("no such text")
            .with_help("`text` is a path relative to the data file's folder; without the text the document's quotes cannot be checked (leave `text` out to load them unverified)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::load::{load_files, DataFile};
    use crate::model::Graph;

    fn file(name: &str, text: &str) -> DataFile {
        DataFile::new(name, text.to_string(), None)
    }

    /// A load rolled back takes its declaration sites with it: a new entity in a freed slot
    /// has no site, the id can be declared again, and a later duplicate names the
    /// declaration that stayed.
    #[test]
    fn a_rolled_back_declaration_leaves_no_site() {
        let mut g = Graph::new();
        let empty = g.canonical_state();
        let savepoint = g.savepoint();
        let failed = load_files(
            &mut g,
            &[file("first.kg", "ENTITY (x);\nENTITY (y);\nCLAIM (x)-[:R]->(nobody) BY x;")],
        );
        assert!(failed.is_err(), "the claim names nobody");
        assert!(g.declared_at(g.find_entity("x").expect("x is in, for now")).is_some());
        g.rollback_to(savepoint);
        assert_eq!(g.canonical_state(), empty);
        let z = g.add_entity(Some("z"), Vec::new(), Vec::new()).expect("z");
        assert_eq!(g.declared_at(z), None, "z took a freed slot, not its site");
        load_files(&mut g, &[file("second.kg", "\n\nENTITY (x);")]).expect("x is not declared any more");
        let again = load_files(&mut g, &[file("third.kg", "ENTITY (x);")]).expect_err("x is declared");
        let text = again.to_string();
        assert!(text.contains("second.kg:3:9") && !text.contains("first.kg"), "{text}");
    }
}
