//! A draft file read back as a review queue: each statement with what `claimgraph draft`
//! noted about it (its kind, the sentence it quotes, the cues), the article it was drafted
//! from, and the rejections remembered beside it (`DRAFT.kg.rejected`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::{DraftError, DraftErrorKind, ItemKind};
use crate::statements::{first_token, split_statements};
use crate::syntax::decl::{DeclStatement, DenyTarget, SourceName};
use crate::syntax::{parse_script, Span, Statement};

/// One statement of a draft file.
#[derive(Debug, Clone)]
pub struct ReviewItem {
    pub number: usize,
    pub kind: Option<ItemKind>,
    /// The sentence it comes from, in characters of the article.
    pub sentence: Option<(usize, usize)>,
    pub notes: Vec<String>,
    /// The statement, without its `;`.
    pub statement: String,
    pub parsed: DeclStatement,
}

/// A draft file: its items and the article they quote.
#[derive(Debug, Clone)]
pub struct DraftFile {
    pub path: PathBuf,
    pub items: Vec<ReviewItem>,
    /// The article's text, when the draft's DOCUMENT names a readable file.
    pub article: Option<String>,
}

impl DraftFile {
    pub fn read(path: &Path) -> Result<DraftFile, (String, DraftError)> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            (
                String::new(),
                DraftError::new(
                    DraftErrorKind::DraftFile,
                    Span::default(),
                    format!("cannot read {}: {e}", path.display()),
                ),
            )
        })?;
        let items = parse_items(&text).map_err(|e| (text.clone(), e))?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let article = items.iter().find_map(|i| match &i.parsed {
            DeclStatement::Entity(e) if e.kind == crate::syntax::decl::EntityKind::Document => e
                .props
                .iter()
                .find(|p| p.key.text == "text")
                .and_then(|p| p.value.as_str())
                .and_then(|t| std::fs::read_to_string(base.join(t)).ok()),
            _ => None,
        });
        Ok(DraftFile { path: path.to_path_buf(), items, article })
    }

    /// Where rejections of this draft are remembered.
    pub fn rejected_path(&self) -> PathBuf {
        rejected_path(&self.path)
    }
}

/// `DRAFT.kg` -> `DRAFT.kg.rejected`.
pub fn rejected_path(draft: &Path) -> PathBuf {
    let mut name = draft.as_os_str().to_os_string();
    name.push(".rejected");
    PathBuf::from(name)
}

/// The statements of a draft file with their `//@` headers and `//` notes.
pub fn parse_items(text: &str) -> Result<Vec<ReviewItem>, DraftError> {
    let mut items = Vec::new();
    for span in split_statements(text) {
        let chunk = &text[span.start..span.end];
        let Some(at) = first_token(chunk) else { continue };
        let statement = chunk[at..].trim_end().to_string();
        let mut kind = None;
        let mut sentence = None;
        let mut notes = Vec::new();
        for line in chunk[..at].lines().map(str::trim) {
            // Only the comment block next to the statement is about it.
            if line.is_empty() {
                kind = None;
                sentence = None;
                notes.clear();
            } else if let Some(header) = line.strip_prefix("//@") {
                let words: Vec<&str> = header.split_whitespace().collect();
                kind = words.get(2).and_then(|k| ItemKind::parse(k));
                if let Some(i) = words.iter().position(|w| *w == "chars") {
                    sentence = words.get(i + 1).and_then(|r| {
                        let (a, b) = r.split_once('-')?;
                        Some((a.parse().ok()?, b.parse().ok()?))
                    });
                }
            } else if let Some(note) = line.strip_prefix("//") {
                notes.push(note.trim().to_string());
            }
        }
        let parsed = parse_script(&format!("{statement};")).map_err(|e| {
            DraftError::new(
                DraftErrorKind::DraftFile,
                Span::new(
                    span.start + at + e.span.start.min(statement.len()),
                    span.start + at + e.span.end.min(statement.len()),
                ),
                e.message,
            )
        })?;
        let parsed = match parsed.into_iter().next().map(|s| s.statement) {
            Some(Statement::Decl(d)) => d,
            _ => {
                return Err(DraftError::new(
                    DraftErrorKind::DraftFile,
                    Span::new(span.start + at, span.end),
                    "a draft holds declarations, not queries",
                ))
            }
        };
        items.push(ReviewItem { number: items.len() + 1, kind, sentence, notes, statement, parsed });
    }
    Ok(items)
}

/// A statement on one line, as rejections are remembered and compared.
pub fn one_line(statement: &str) -> String {
    statement.trim().trim_end_matches(';').split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The rejections remembered in a file (none when it does not exist).
pub fn load_rejected(path: &Path) -> HashSet<String> {
    std::fs::read_to_string(path)
        .map(|t| {
            t.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).map(str::to_string).collect()
        })
        .unwrap_or_default()
}

/// Remembers a rejection: one statement a line, appended.
pub fn remember_rejection(path: &Path, statement: &str) -> std::io::Result<()> {
    use std::io::Write;
    let new = !path.exists();
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    if new {
        writeln!(f, "# Drafts rejected in review, one statement a line; `claimgraph draft` does not propose them again.")?;
    }
    writeln!(f, "{}", one_line(statement))?;
    f.sync_all()
}

/// The ids a statement refers to (besides the one it declares).
pub fn references(statement: &DeclStatement) -> Vec<String> {
    let mut out = Vec::new();
    let atts = |atts: &[crate::syntax::decl::AttestationDecl], out: &mut Vec<String>| {
        for a in atts {
            if let SourceName::Declared(n) = &a.source {
                out.push(n.text.clone());
            }
            out.extend(a.via.iter().flatten().map(|n| n.text.clone()));
            out.extend(a.document.iter().map(|n| n.text.clone()));
        }
    };
    match statement {
        DeclStatement::Entity(e) => out.extend(e.via.iter().map(|n| n.text.clone())),
        DeclStatement::Claim { pattern, attestations } => {
            out.extend(pattern.subject.id.iter().chain(pattern.object.id.iter()).map(|n| n.text.clone()));
            atts(attestations, &mut out);
        }
        DeclStatement::Deny { target, attestations } => {
            if let DenyTarget::Class(p) = target {
                out.extend(p.subject.id.iter().chain(p.object.id.iter()).map(|n| n.text.clone()));
            }
            atts(attestations, &mut out);
        }
        DeclStatement::Attest { attestations, .. } => atts(attestations, &mut out),
        _ => {}
    }
    out
}

/// The id a statement declares, if it declares an entity, source or document.
pub fn declared_id(statement: &DeclStatement) -> Option<&str> {
    match statement {
        DeclStatement::Entity(e) => Some(&e.id.text),
        _ => None,
    }
}

/// The article's text with a sentence's characters (`start..end`) marked by `mark`, within
/// its paragraph: what the reviewer sees.
pub fn paragraph_around(article: &str, start: usize, end: usize) -> Option<(String, String, String)> {
    let byte = |c: usize| article.char_indices().nth(c).map_or(article.len(), |(b, _)| b);
    let (bs, be) = (byte(start), byte(end));
    if bs > be || be > article.len() {
        return None;
    }
    let para_start = article[..bs].rfind("\n\n").map_or(0, |i| i + 2);
    let para_end = article[be..].find("\n\n").map_or(article.len(), |i| be + i);
    Some((
        article[para_start..bs].to_string(),
        article[bs..be].to_string(),
        article[be..para_end].trim_end().to_string(),
    ))
}
