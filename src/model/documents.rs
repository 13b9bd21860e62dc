//! What the graph remembers about where its data came from: each document's text file (as
//! resolved when it was loaded, and whether its quotes were checked against it), and where
//! each entity was declared, for error messages that point at the first declaration; and when
//! a document was published and an attestation made, which relative dates resolve against.
//!
//! The text path is data (printers write it relative to where their output goes, so the
//! printed file finds the same text); declaration sites are not: they describe the files
//! of this session and are neither printed nor exported.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::claim::Attestation;
use super::claim::EntityIx;
use super::date::{DateValue, PartialDate};
use super::graph::Graph;
use super::value::Value;

/// A document's text file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentText {
    /// The file, absolute, as found when the document was declared.
    pub path: PathBuf,
    /// Whether the file was read, so that every quote in the document was checked against
    /// it. False when it could not be (the bundled dataset without its source tree).
    pub verified: bool,
}

/// Where an entity was declared: file, line and column (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclSite {
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
}

impl std::fmt::Display for DeclSite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Declaration sites by entity, compactly: a large load declares millions of entities, and
/// each costs 12 bytes here.
#[derive(Debug, Default)]
pub struct DeclaredAt {
    files: Vec<Arc<str>>,
    /// By entity index: (file index + 1, line, column); file index 0 means unknown.
    sites: Vec<(u32, u32, u32)>,
}

impl DeclaredAt {
    pub(super) fn remove(&mut self, ix: EntityIx) {
        if let Some(slot) = self.sites.get_mut(ix.index()) {
            *slot = (0, 0, 0);
        }
    }

    pub(super) fn set(&mut self, ix: EntityIx, site: DeclSite) {
        let file = match self.files.iter().rposition(|f| *f == site.file) {
            Some(i) => i,
            None => {
                self.files.push(site.file);
                self.files.len() - 1
            }
        };
        let i = ix.index();
        if self.sites.len() <= i {
            self.sites.resize(i + 1, (0, 0, 0));
        }
        self.sites[i] = (u32::try_from(file + 1).unwrap_or(0), site.line, site.column);
    }

    pub(super) fn get(&self, ix: EntityIx) -> Option<DeclSite> {
        let &(file, line, column) = self.sites.get(ix.index())?;
        let file = self.files.get(usize::try_from(file).ok()?.checked_sub(1)?)?;
        Some(DeclSite { file: Arc::clone(file), line, column })
    }
}

/// `path` written relative to the folder `base` (both absolute), or `path` itself when they
/// share no root (another drive). `a/b/text.txt` from `a/c` is `../b/text.txt`.
pub fn relative_path(path: &Path, base: &Path) -> PathBuf {
    let (p, b): (Vec<_>, Vec<_>) = (path.components().collect(), base.components().collect());
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return path.to_path_buf();
    }
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c);
    }
    out
}

/// When documents were published and attestations made: the anchors relative dates resolve
/// against.
impl Graph {
    /// A document's `published` date as the day range relative dates resolve against (a
    /// published date-time counts as the day it fell on in its zone).
    pub fn published_date(&self, doc: EntityIx) -> Option<PartialDate> {
        match self.entity_prop(doc, self.sym("published")?)? {
            Value::Date(DateValue::Absolute(p)) => Some(*p),
            Value::Temporal(t) => t.date().map(PartialDate::from_civil),
            _ => None,
        }
    }

    /// When an attestation was made, as far as the graph tells: its own date (a relative one
    /// resolved against its document's `published` date), else its document's `published`
    /// value; `None` when neither is known.
    pub fn attestation_when(&self, a: &Attestation) -> Option<Value> {
        match &a.date {
            Some(Value::Date(d @ DateValue::Relative { .. })) => {
                let anchor = self.published_date(a.document?);
                d.resolve(anchor.as_ref()).map(|p| Value::Date(DateValue::Absolute(p)))
            }
            Some(v) => Some(v.clone()),
            None => {
                let published = self.entity_prop(a.document?, self.sym("published")?)?;
                matches!(published, Value::Date(DateValue::Absolute(_)) | Value::Temporal(_))
                    .then(|| published.clone())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        let rel = |p: &str, b: &str| relative_path(Path::new(p), Path::new(b)).display().to_string();
        assert_eq!(rel("/w/shared/seeds/a.txt", "/w/repo/data"), "../../shared/seeds/a.txt");
        assert_eq!(rel("/w/repo/data/a.txt", "/w/repo/data"), "a.txt");
        assert_eq!(rel("/w/a.txt", "/w/x/y"), "../../a.txt");
    }

    #[test]
    fn declaration_sites_are_kept_per_entity() {
        let mut g = Graph::new();
        let a = g.add_entity(Some("a"), Vec::new(), Vec::new()).expect("a");
        let b = g.add_entity(Some("b"), Vec::new(), Vec::new()).expect("b");
        g.set_declared_at(b, DeclSite { file: "x.kg".into(), line: 3, column: 9 });
        assert_eq!(g.declared_at(a), None);
        assert_eq!(g.declared_at(b).map(|s| s.to_string()).as_deref(), Some("x.kg:3:9"));
    }

    #[test]
    fn institutions_follow_speaks_for_to_the_top() {
        let mut g = Graph::new();
        let mut e = |id: &str| g.add_entity(Some(id), Vec::new(), Vec::new()).expect(id);
        let (z, mfa, gov, media, lone) = (e("z"), e("mfa"), e("gov"), e("media"), e("lone"));
        g.add_speaks_for(z, &[mfa]).expect("z");
        g.add_speaks_for(mfa, &[gov]).expect("mfa");
        g.add_speaks_for(media, &[gov, mfa]).expect("media");
        assert_eq!(g.institutions(z), vec![gov]);
        assert_eq!(g.institutions(media), vec![gov], "a diamond has one top");
        assert_eq!(g.institutions(lone), vec![lone]);
        g.add_speaks_for(gov, &[z]).expect("a cycle");
        assert_eq!(g.institutions(z).len(), 1);
        g.remove_entity(mfa, true).expect("remove");
        assert!(g.entity(z).is_some_and(|x| x.speaks_for.is_empty()));
    }
}
