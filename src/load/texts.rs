//! Where declarations come from: a document's text file (found from the data file's folder,
//! read, and normalised for quote checks, or a load error when it is missing), the check
//! that each quote is verbatim in it, and the line and column each entity is declared at
//! (for `duplicate id` errors).

use std::path::PathBuf;

use super::{LoadError, LoadErrorKind, Loader};
use crate::model::EntityIx;
use crate::syntax::decl::Prop;
use crate::syntax::Span;

impl Loader<'_> {
    pub(super) fn verify_quote(&mut self, doc: EntityIx, quote: &str, span: Span) -> Result<(), LoadError> {
        if !self.document_texts.contains_key(&doc) {
            // A document of an earlier load (the shell): its text as recorded then.
            let text = self
                .graph
                .document_text(doc)
                .filter(|t| t.verified)
                .and_then(|t| std::fs::read_to_string(&t.path).ok())
                .map(|t| normalise_for_quotes(&t));
            self.document_texts.insert(doc, text);
        }
        let Some(Some(text)) = self.document_texts.get(&doc) else { return Ok(()) };
        if text.contains(&normalise_for_quotes(quote)) {
            return Ok(());
        }
        // The path as the data file wrote it: stable across machines and checkouts.
        let text_key = self.graph.sym("text");
        let path = text_key
            .and_then(|k| self.graph.entity_prop(doc, k))
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        Err(LoadError::new(
            LoadErrorKind::QuoteNotVerbatim,
            span,
            format!("quote is not verbatim in document '{}' ({path})", self.graph.entity_id(doc)),
        )
        .with_label("not found in the document's text")
        .with_help(
            "quotes must appear in the text word for word; whitespace, quote marks and dashes may differ",
        ))
    }

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

/// Folds what may differ between a quote and its document: runs of whitespace, curly and
/// straight quote marks, dashes and ellipses.
pub fn normalise_for_quotes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        let c = match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' => '"',
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            '\u{2026}' => {
                out.push_str("...");
                space = false;
                continue;
            }
            c if c.is_whitespace() => {
                space = true;
                continue;
            }
            c => c,
        };
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
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
