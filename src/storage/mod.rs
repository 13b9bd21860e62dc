//! Workspaces: where a graph is kept between sessions. The in-memory [`Graph`] is what
//! queries run on; a [`Store`] makes it durable and fast to reopen.
//!
//! [`Store`] is the one interface the rest of the program sees (no SQLite type crosses
//! it), so a server database can sit behind it later. [`sqlite`] is the embedded
//! implementation: one file, normalised tables, an append-only journal, one writer and any
//! number of readers. The schema, the settings and what they guarantee are documented in
//! docs/storage.md.
//!
//! Invariants:
//! * a statement's rows and its journal entry are written in one transaction, after the
//!   statement succeeded in memory and before its result is shown;
//! * rows are keyed by the in-memory index of their entity or claim, and reopening puts
//!   every entity and claim back at its index, so a reopened graph is the graph that was
//!   written (exports compare equal);
//! * only the process holding the writer lock writes, and only if nothing was committed
//!   since it read the graph.

pub(crate) mod codec;
mod lock;
pub mod postgres;
mod restore;
mod rows;
pub mod sqlite;

use std::path::{Path, PathBuf};

use crate::model::{Changes, Graph};

pub use lock::{user_name, LockHolder};

/// Who entered a statement, and what it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    pub statement: String,
    /// Where it came from: a script's name, `<input 3>` in the shell, `init`.
    pub origin: String,
    pub user: String,
}

/// A journal entry as stored: numbered, dated, with the process that wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalRecord {
    pub seq: i64,
    /// UTC, RFC 3339 with milliseconds.
    pub at: String,
    pub user: String,
    pub host: String,
    pub pid: i64,
    pub origin: String,
    pub statement: String,
}

/// A durable home for a graph.
pub trait Store {
    /// Where the workspace is, for messages (a path; never a password).
    fn location(&self) -> String;

    /// Reads the whole graph as of one consistent moment.
    fn load(&mut self) -> Result<Graph, StorageError>;

    /// Becomes the one writer. Idempotent. Fails when another process writes (naming it),
    /// when the workspace cannot be written, or when someone committed since it was loaded.
    fn acquire_writer(&mut self) -> Result<(), StorageError>;

    fn is_writer(&self) -> bool;

    /// Writes the rows `changes` touched, as they are in `graph` now (or their deletion),
    /// and the journal entries, in one durable transaction. Acquires the writer lock first
    /// if needed. On error nothing was written.
    fn commit(
        &mut self,
        graph: &Graph,
        changes: &Changes,
        entries: &[JournalEntry],
    ) -> Result<(), StorageError>;

    /// The last `limit` journal entries, oldest first.
    fn journal(&mut self, limit: usize) -> Result<Vec<JournalRecord>, StorageError>;

    /// The graph as others left it, when someone else committed since this session read
    /// or wrote it (`None`: nothing new). A shared workspace reads it again; a workspace
    /// with one writer has nothing to offer (its readers reopen).
    fn refresh(&mut self) -> Result<Option<Graph>, StorageError> {
        Ok(None)
    }

    /// Who the workspace says writes, when it knows better than `$USER` (the role a
    /// server authenticated).
    fn user(&self) -> Option<String> {
        None
    }

    /// Holds (`true`) or releases the right to commit, beyond one transaction: a statement
    /// that lost a race to other writers runs again holding it, so it cannot lose twice. A
    /// workspace with one writer holds it anyway.
    fn hold_writer_lock(&mut self, _hold: bool) -> Result<(), StorageError> {
        Ok(())
    }
}

/// A workspace's address: a SQLite file, or a PostgreSQL database's URL.
enum Address<'a> {
    File(&'a Path),
    Server(&'a str),
}

fn address(path: &Path) -> Address<'_> {
    match path.to_str() {
        Some(url) if postgres::is_url(url) => Address::Server(url),
        _ => Address::File(path),
    }
}

/// A workspace's name for messages: its path, or its URL without the password.
pub fn describe(path: &Path) -> String {
    match address(path) {
        Address::File(p) => p.display().to_string(),
        Address::Server(url) => postgres::redact(url),
    }
}

/// Opens a workspace (it must exist; see [`create`]): a file, or a `postgres://` URL.
pub fn open(path: &Path) -> Result<Box<dyn Store>, StorageError> {
    match address(path) {
        Address::File(p) => Ok(Box::new(sqlite::SqliteStore::open(p)?)),
        Address::Server(url) => Ok(Box::new(postgres::PgStore::open(url)?)),
    }
}

/// Creates a workspace holding `graph`. Fails if `path` exists (or the database holds a
/// workspace). It appears whole or not at all: a file is written beside its final name and
/// linked into place when complete; a database is filled in one transaction.
pub fn create(path: &Path, graph: &Graph, entry: &JournalEntry) -> Result<(), StorageError> {
    match address(path) {
        Address::File(p) => sqlite::create(p, graph, entry),
        Address::Server(url) => postgres::create(url, graph, entry),
    }
}

/// How much a copy copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopySummary {
    pub rows: usize,
    pub journal: usize,
}

/// Copies a workspace row for row, journal included, into a new one (a file or an empty
/// database): SQLite to PostgreSQL, back, or to the same kind. The copy reads the source
/// as one snapshot and creates the target whole or not at all.
pub fn copy(from: &Path, to: &Path) -> Result<CopySummary, StorageError> {
    let tables = match address(from) {
        Address::File(p) => sqlite::dump(p)?,
        Address::Server(url) => postgres::dump(url)?,
    };
    match address(to) {
        Address::File(p) => sqlite::restore(p, &tables)?,
        Address::Server(url) => postgres::restore(url, &tables)?,
    }
    Ok(CopySummary {
        rows: tables.iter().map(|(_, rows)| rows.len()).sum(),
        journal: tables.iter().find(|(t, _)| *t == rows::Table::Journal).map_or(0, |(_, r)| r.len()),
    })
}

/// Where the shell keeps its default workspace: `$CLAIMGRAPH_HOME`, else the user's data
/// folder (`~/.local/share/claimgraph` on Linux).
pub fn home() -> Option<PathBuf> {
    if let Some(h) = std::env::var_os("CLAIMGRAPH_HOME").filter(|h| !h.is_empty()) {
        return Some(PathBuf::from(h));
    }
    dirs::data_dir().map(|d| d.join("claimgraph"))
}

/// The default workspace's file.
pub fn default_workspace() -> Option<PathBuf> {
    home().map(|h| h.join("workspace.claimgraph"))
}

/// What went wrong with a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageErrorKind {
    /// The file is not a claimgraph workspace.
    NotAWorkspace,
    /// The workspace was written by a newer claimgraph.
    NewerVersion,
    /// Another process is the writer.
    Locked,
    /// Someone committed since this session read the workspace.
    Changed,
    /// The file or its folder cannot be written.
    ReadOnly,
    /// The database role may not do this (a reader's `CLAIM`, a writer's `CONSTRAINT`).
    Permission,
    /// The disk (or the file size limit) is full.
    Full,
    /// `init` onto a file that exists.
    Exists,
    /// The file does not exist.
    Missing,
    /// A row that cannot be read back.
    Corrupt,
    /// Anything else the database or the file system reported.
    Io,
}

impl StorageErrorKind {
    pub fn code(self) -> &'static str {
        match self {
            StorageErrorKind::NotAWorkspace => "claimgraph::storage::not_a_workspace",
            StorageErrorKind::NewerVersion => "claimgraph::storage::newer_version",
            StorageErrorKind::Locked => "claimgraph::storage::locked",
            StorageErrorKind::Changed => "claimgraph::storage::changed",
            StorageErrorKind::ReadOnly => "claimgraph::storage::read_only",
            StorageErrorKind::Permission => "claimgraph::storage::permission",
            StorageErrorKind::Full => "claimgraph::storage::full",
            StorageErrorKind::Exists => "claimgraph::storage::exists",
            StorageErrorKind::Missing => "claimgraph::storage::missing",
            StorageErrorKind::Corrupt => "claimgraph::storage::corrupt",
            StorageErrorKind::Io => "claimgraph::storage::io",
        }
    }
}

/// A storage error: its kind, the workspace it concerns and what happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct StorageError {
    pub kind: StorageErrorKind,
    pub location: String,
    pub message: String,
    pub help: Option<String>,
}

impl StorageError {
    pub fn new(kind: StorageErrorKind, location: impl Into<String>, message: impl Into<String>) -> Self {
        StorageError { kind, location: location.into(), message: message.into(), help: None }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl miette::Diagnostic for StorageError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.kind.code()))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
}

/// Process-wide settings a writer needs: a write past the file size limit (`ulimit -f`)
/// must fail with an error we can report, not kill the process with SIGXFSZ.
pub fn prepare_process() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to "ignore" involves no handler code.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

#[cfg(test)]
mod tests {
    // Statements against a workspace, from the scripts in `tests/workspace/` (`.kg` and
    // `.cypher`): every statement that fails leaves the graph exactly as it was (indexes and
    // declaration sites included), and the workspace, reopened after the script, holds
    // exactly the graph in memory. A script's `.outcomes` file, when there is one, says how
    // each statement ends: `ok`, or the code of its error.

    use std::path::PathBuf;

    use crate::diagnostics::SourceFile;
    use crate::load::print::print_graph;
    use crate::session::Session;
    use crate::statements::split_statements;

    use super::{create, open, JournalEntry};

    fn bundled_graph() -> crate::model::Graph {
        let mut g = crate::model::Graph::new();
        crate::load::load_files(&mut g, &[crate::bundled::bundled_dataset()]).expect("bundled dataset loads");
        g
    }

    fn entry(statement: &str) -> JournalEntry {
        JournalEntry { statement: statement.into(), origin: "test".into(), user: "tester".into() }
    }

    fn scripts() -> Vec<PathBuf> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/workspace");
        let mut scripts: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("tests/workspace")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "kg" || e == "cypher"))
            .collect();
        scripts.sort();
        assert!(!scripts.is_empty());
        scripts
    }

    #[test]
    fn failed_statements_leave_no_trace_and_the_workspace_reopens_as_it_was() {
        for script in scripts() {
            let tmp = tempfile::tempdir().expect("temporary folder");
            run_script(&script, &tmp.path().join("w.claimgraph"));
        }
    }

    /// The same scripts on a PostgreSQL workspace (see `postgres::testing`).
    #[test]
    fn the_scripts_run_the_same_on_postgres() {
        let Some(server) = super::postgres::testing::server("the_scripts_run_the_same_on_postgres") else {
            return;
        };
        for script in scripts() {
            let db = super::postgres::testing::TestDatabase::new(&server);
            run_script(&script, &PathBuf::from(&db.url));
        }
    }

    /// What a reopened workspace's graph keeps, it keeps without room to spare: the readers
    /// gather a claim's attestations, and the builder its properties, into vectors of exactly
    /// their number. Grown by pushing, each claim's attestations had room for four, most of it
    /// unused: 3M empty slots, ~370 MB, of a workspace of 1M claims.
    #[test]
    fn a_reopened_workspace_keeps_no_room_to_spare() {
        let tmp = tempfile::tempdir().expect("temporary folder");
        let path = tmp.path().join("w.claimgraph");
        create(&path, &bundled_graph(), &entry("init")).expect("creates");
        let g = open(&path).expect("opens").load().expect("loads");
        check_no_room_to_spare(&g);
        if let Some(server) = super::postgres::testing::server("a_reopened_workspace_keeps_no_room_to_spare")
        {
            let db = super::postgres::testing::TestDatabase::new(&server);
            let url = PathBuf::from(&db.url);
            create(&url, &bundled_graph(), &entry("init")).expect("creates");
            check_no_room_to_spare(&open(&url).expect("opens").load().expect("loads"));
        }
    }

    fn check_no_room_to_spare(g: &crate::model::Graph) {
        let (mut attested, mut with_props, mut entities_with_props) = (0, 0, 0);
        for ix in g.claims() {
            let c = g.claim(ix).expect("claim");
            let (a, p) = (&c.attestations, &c.props);
            assert_eq!(a.capacity(), a.len(), "claim {ix:?}: room for {} attestations", a.capacity());
            assert_eq!(p.capacity(), p.len(), "claim {ix:?}: room for {} properties", p.capacity());
            attested += usize::from(!a.is_empty());
            with_props += usize::from(!p.is_empty());
        }
        for ix in g.entities() {
            let p = &g.entity(ix).expect("entity").props;
            assert_eq!(p.capacity(), p.len(), "entity {ix:?}: room for {} properties", p.capacity());
            entities_with_props += usize::from(!p.is_empty());
        }
        assert!(attested > 100 && with_props > 10 && entities_with_props > 10, "nothing to check");
    }

    /// Runs a script on a new workspace at `path` (a file or a URL) made from the bundled
    /// dataset, checking each failed statement and the reopened workspace.
    fn run_script(script: &std::path::Path, path: &std::path::Path) {
        {
            let name = script.display().to_string();
            let text = std::fs::read_to_string(script).expect("script");
            let bundled = bundled_graph();
            create(path, &bundled, &entry("init")).expect("creates");
            let mut store = open(path).expect("opens");
            let graph = store.load().expect("loads");
            let (data, created) = (bundled.canonical_stored_state(), graph.canonical_stored_state());
            assert!(
                data == created,
                "{name}: the new workspace differs from its data:\n{}",
                diff(&data, &created)
            );
            let user = store.user().unwrap_or_else(|| "tester".into());
            let mut session = Session::new(graph);
            session.workspace = Some(store);
            session.user = user.clone();
            let file = SourceFile::new(name.clone(), text.clone());
            let mut failures = 0;
            let mut outcomes = Vec::new();
            for span in split_statements(&text) {
                let statement = text[span.start..span.end].trim();
                let before = session.graph.canonical_state();
                match session.execute_statement(&file, span, None) {
                    Ok(_) => outcomes.push("ok".to_string()),
                    Err(failure) => {
                        outcomes.push(failure.report.code().map_or("error".to_string(), |c| c.to_string()));
                        failures += 1;
                        let after = session.graph.canonical_state();
                        assert!(
                            before == after,
                            "{name}: `{statement}` failed but changed the graph:\n{}",
                            diff(&before, &after)
                        );
                    }
                }
            }
            assert!(failures > 0, "{name}: no statement failed, so nothing was tested");
            if let Ok(expected) = std::fs::read_to_string(script.with_extension("outcomes")) {
                let expected: Vec<&str> = expected.lines().filter(|l| !l.trim().is_empty()).collect();
                assert_eq!(outcomes, expected, "{name}: how its statements ended");
            }
            let mut reopened_store = open(path).expect("reopens");
            let reopened = reopened_store.load().expect("reloads");
            let (memory, disk) = (session.graph.canonical_stored_state(), reopened.canonical_stored_state());
            assert!(
                memory == disk,
                "{name}: the reopened workspace differs from the graph in memory:\n{}",
                diff(&memory, &disk)
            );
            assert_eq!(print_graph(&session.graph), print_graph(&reopened), "{name}: exports differ");
            let journal = reopened_store.journal(1000).expect("journal");
            assert!(journal.len() > 1, "{name}: statements were journaled");
            assert!(journal.iter().all(|j| j.user == user || j.statement == "init"), "{name}: journal users");
        }
    }

    /// The lines of `a` and `b` that differ.
    fn diff(a: &str, b: &str) -> String {
        let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
        let mut out = String::new();
        for l in la.iter().filter(|l| !lb.contains(l)) {
            out.push_str(&format!("- {}\n", truncate(l)));
        }
        for l in lb.iter().filter(|l| !la.contains(l)) {
            out.push_str(&format!("+ {}\n", truncate(l)));
        }
        out
    }

    fn truncate(s: &str) -> &str {
        match s.char_indices().nth(600) {
            Some((i, _)) => &s[..i],
            None => s,
        }
    }
}
