//! The embedded workspace: one SQLite file (rusqlite, bundled SQLite).
//!
//! Settings: WAL journal (readers see the last commit while the writer writes), and
//! `synchronous=FULL`, so a statement acknowledged to the user has been fsynced and
//! survives a crash of the process, of the operating system or of the power. Each
//! statement is one `BEGIN IMMEDIATE ... COMMIT`. docs/storage.md explains the choice.
//!
//! Every table row is keyed by the in-memory index of its entity or claim (denials by
//! their stable key, constraints and resolutions by position), so writing a statement means
//! rewriting exactly the rows its [`Changes`] name, and reading puts everything back where
//! it was.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OpenFlags};

mod read;

use super::lock::{self, TryLock, WriterLock};
use super::rows::{self, Cell, Table};
use super::{JournalEntry, JournalRecord, StorageError, StorageErrorKind as Kind, Store};
use crate::model::{Changes, Graph};

/// `PRAGMA application_id`: "CGWS". Marks the file as a claimgraph workspace.
pub const APPLICATION_ID: i32 = 0x4347_5753;
/// `PRAGMA user_version`: the schema's version. Older files are migrated on open for
/// writing; newer ones are refused.
pub const SCHEMA_VERSION: i32 = 3;

const SCHEMA: &str = "
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE journal (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    user      TEXT NOT NULL,
    host      TEXT NOT NULL,
    pid       INTEGER NOT NULL,
    origin    TEXT NOT NULL,
    statement TEXT NOT NULL
);
CREATE TABLE entities (
    key        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL,
    labels     TEXT NOT NULL,
    properties TEXT NOT NULL,
    via        TEXT,
    journal    INTEGER NOT NULL REFERENCES journal(seq),
    speaks_for TEXT
);
CREATE TABLE document_texts (
    entity   INTEGER PRIMARY KEY REFERENCES entities(key),
    path     TEXT NOT NULL,
    verified INTEGER NOT NULL
);
CREATE TABLE claims (
    key        INTEGER PRIMARY KEY,
    id         TEXT,
    subject    INTEGER NOT NULL REFERENCES entities(key),
    type       TEXT NOT NULL,
    object     INTEGER NOT NULL REFERENCES entities(key),
    properties TEXT NOT NULL,
    chain_link INTEGER NOT NULL DEFAULT 0,
    journal    INTEGER NOT NULL REFERENCES journal(seq)
);
CREATE TABLE attestations (
    claim    INTEGER NOT NULL REFERENCES claims(key),
    seq      INTEGER NOT NULL,
    source   INTEGER REFERENCES entities(key),
    user     TEXT,
    via      TEXT,
    status   TEXT NOT NULL,
    quote    TEXT,
    document INTEGER REFERENCES entities(key),
    position TEXT,
    date     TEXT,
    journal  INTEGER REFERENCES journal(seq),
    PRIMARY KEY (claim, seq)
) WITHOUT ROWID;
CREATE TABLE denials (
    key     INTEGER PRIMARY KEY,
    claim   INTEGER REFERENCES claims(key),
    pattern TEXT,
    journal INTEGER NOT NULL REFERENCES journal(seq)
);
CREATE TABLE denial_attestations (
    denial   INTEGER NOT NULL REFERENCES denials(key),
    seq      INTEGER NOT NULL,
    source   INTEGER REFERENCES entities(key),
    user     TEXT,
    via      TEXT,
    status   TEXT NOT NULL,
    quote    TEXT,
    document INTEGER REFERENCES entities(key),
    position TEXT,
    date     TEXT,
    journal  INTEGER REFERENCES journal(seq),
    PRIMARY KEY (denial, seq)
) WITHOUT ROWID;
CREATE TABLE constraints (
    key       INTEGER PRIMARY KEY,
    id        TEXT NOT NULL,
    statement TEXT NOT NULL,
    journal   INTEGER NOT NULL REFERENCES journal(seq)
);
CREATE TABLE resolutions (
    key     INTEGER PRIMARY KEY,
    finding TEXT,
    claims  TEXT,
    status  TEXT NOT NULL,
    reason  TEXT NOT NULL,
    journal INTEGER NOT NULL REFERENCES journal(seq)
);
";

/// Indexes and views, created after `init` has filled the tables (faster than keeping the
/// indexes up to date row by row).
const INDEXES: &str = "
CREATE UNIQUE INDEX entities_id ON entities(id);
CREATE UNIQUE INDEX claims_id ON claims(id);
CREATE UNIQUE INDEX constraints_id ON constraints(id);
CREATE VIEW sources AS
    SELECT * FROM entities WHERE EXISTS (SELECT 1 FROM json_each(entities.labels) WHERE value = 'Source');
CREATE VIEW documents AS
    SELECT * FROM entities WHERE EXISTS (SELECT 1 FROM json_each(entities.labels) WHERE value = 'Document');
";

/// A workspace file opened by this process.
pub struct SqliteStore {
    path: PathBuf,
    conn: Connection,
    lock: Option<WriterLock>,
    /// The journal's last entry when the graph was read or last written by us: if another
    /// process committed after it, our graph is stale and we must not write.
    seen: Option<i64>,
}

fn err(path: &Path, kind: Kind, message: impl Into<String>) -> StorageError {
    StorageError::new(kind, path.display().to_string(), message)
}

/// Maps SQLite's errors to ours; `conn` gives the operating system's error number.
fn sql_err(path: &Path, conn: &Connection, e: rusqlite::Error) -> StorageError {
    use rusqlite::ErrorCode as C;
    let errno = {
        // SAFETY: the handle is valid while `conn` lives; the call only reads a field.
        unsafe { rusqlite::ffi::sqlite3_system_errno(conn.handle()) }
    };
    let full_errno = errno == libc::ENOSPC || errno == libc::EFBIG || errno == libc::EDQUOT;
    match &e {
        rusqlite::Error::SqliteFailure(f, _) => match f.code {
            C::DiskFull => err(path, Kind::Full, "the disk is full: nothing was written")
                .with_help("free some space and try again; the statement was undone"),
            C::SystemIoFailure if full_errno => err(
                path,
                Kind::Full,
                "the disk is full or the file size limit is reached: nothing was written",
            )
            .with_help("free some space and try again; the statement was undone"),
            C::ReadOnly => {
                err(path, Kind::ReadOnly, "the workspace cannot be written (read-only file or folder)")
                    .with_help("check the file's permissions, or copy it somewhere writable")
            }
            C::NotADatabase => {
                err(path, Kind::NotAWorkspace, "not a claimgraph workspace (not a SQLite database)")
            }
            C::DatabaseBusy | C::DatabaseLocked => {
                err(path, Kind::Locked, format!("the workspace is busy: {e}"))
            }
            _ => err(path, Kind::Io, e.to_string()),
        },
        _ => err(path, Kind::Io, e.to_string()),
    }
}

impl SqliteStore {
    /// Opens an existing workspace, checking that it is one and that we can read its schema.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        check_header(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(path, flags).map_err(|e| err(path, Kind::Io, e.to_string()))?;
        let q = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i32>(0));
        let app = q("PRAGMA application_id").map_err(|e| sql_err(path, &conn, e))?;
        if app != APPLICATION_ID {
            return Err(err(path, Kind::NotAWorkspace, "a SQLite database, but not a claimgraph workspace")
                .with_help("create a workspace with `claimgraph init FILE [--from DATA.kg]`"));
        }
        let version = q("PRAGMA user_version").map_err(|e| sql_err(path, &conn, e))?;
        if version > SCHEMA_VERSION {
            return Err(err(
                path,
                Kind::NewerVersion,
                format!(
                    "written by a newer claimgraph (schema version {version}; this one reads up to {SCHEMA_VERSION})"
                ),
            )
            .with_help("open it with a newer claimgraph, or export it there (`export kg`) and load the text here"));
        }
        // A writer checkpointing holds the file briefly; readers and writers wait for it.
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(|e| sql_err(path, &conn, e))?;
        conn.execute_batch(
            "PRAGMA synchronous = FULL; PRAGMA foreign_keys = OFF; PRAGMA cache_size = -16384;",
        )
        .map_err(|e| sql_err(path, &conn, e))?;
        Ok(SqliteStore { path: path.to_path_buf(), conn, lock: None, seen: None })
    }

    fn sql(&self, e: rusqlite::Error) -> StorageError {
        sql_err(&self.path, &self.conn, e)
    }

    fn last_seq(&self) -> Result<i64, StorageError> {
        self.conn
            .query_row("SELECT coalesce(max(seq), 0) FROM journal", [], |r| r.get(0))
            .map_err(|e| self.sql(e))
    }

    fn corrupt(&self, what: impl std::fmt::Display) -> StorageError {
        err(&self.path, Kind::Corrupt, format!("cannot read the workspace: {what}"))
    }
}

/// Refuses anything that is not a SQLite file before SQLite sees it, with a message that
/// says what to do with a data file.
fn check_header(path: &Path) -> Result<(), StorageError> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => err(path, Kind::Missing, "no such workspace")
            .with_help(format!("create it with `claimgraph init {}`", path.display())),
        _ => err(path, Kind::Io, e.to_string()),
    })?;
    let mut header = [0u8; 16];
    let n = file.read(&mut header).map_err(|e| err(path, Kind::Io, e.to_string()))?;
    if n < 16 || &header != b"SQLite format 3\0" {
        return Err(err(path, Kind::NotAWorkspace, "not a claimgraph workspace").with_help(format!(
            "a data file opens with `--data {0}`; to keep work in a workspace, `claimgraph init WORKSPACE --from {0}`",
            path.display()
        )));
    }
    Ok(())
}

impl Store for SqliteStore {
    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn load(&mut self) -> Result<Graph, StorageError> {
        // One read transaction (on the reader's connection): a consistent snapshot while a
        // writer goes on.
        self.load_in_transaction()
    }

    fn acquire_writer(&mut self) -> Result<(), StorageError> {
        if self.lock.is_some() {
            return Ok(());
        }
        if self.conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
            return Err(err(
                &self.path,
                Kind::ReadOnly,
                "the workspace file is read-only: nothing can be saved",
            )
            .with_help("check the file's permissions, or copy it somewhere writable"));
        }
        let lock = match lock::try_lock(&self.path) {
            Ok(TryLock::Acquired(l)) => l,
            Ok(TryLock::Held(holder)) => {
                let who = holder.map_or_else(|| "another process".to_string(), |h| h.to_string());
                return Err(err(
                    &self.path,
                    Kind::Locked,
                    format!("the workspace is being written by {who}"),
                )
                .with_help(
                    "one process writes at a time; others may read it (`claimgraph query --workspace FILE`)",
                ));
            }
            Err(e)
                if e.kind() == std::io::ErrorKind::PermissionDenied
                    || e.raw_os_error() == Some(libc::EROFS) =>
            {
                return Err(err(&self.path, Kind::ReadOnly, format!("cannot take the writer lock: {e}")))
            }
            Err(e) => return Err(err(&self.path, Kind::Io, format!("cannot take the writer lock: {e}"))),
        };
        let last = self.last_seq()?;
        if let Some(seen) = self.seen {
            if last != seen {
                return Err(err(
                    &self.path,
                    Kind::Changed,
                    format!(
                        "the workspace changed since this session read it ({} new journal entries)",
                        last - seen
                    ),
                )
                .with_help("open it again to see the changes"));
            }
        }
        migrate(&self.conn).map_err(|e| self.sql(e))?;
        // A migration may have journalled what it changed.
        self.seen = Some(self.last_seq()?);
        self.lock = Some(lock);
        Ok(())
    }

    fn is_writer(&self) -> bool {
        self.lock.is_some()
    }

    fn commit(
        &mut self,
        graph: &Graph,
        changes: &Changes,
        entries: &[JournalEntry],
    ) -> Result<(), StorageError> {
        self.acquire_writer()?;
        let conn = &self.conn;
        let written = (|| {
            conn.execute_batch("BEGIN IMMEDIATE")?;
            let seq = write_journal(conn, entries)?;
            write_rows(conn, graph, changes, seq, false)?;
            conn.execute_batch("COMMIT")?;
            Ok::<_, rusqlite::Error>(seq)
        })();
        let seq = match written {
            Ok(seq) => seq,
            Err(e) => {
                let e = sql_err(&self.path, conn, e);
                if !conn.is_autocommit() {
                    let _ = conn.execute_batch("ROLLBACK");
                }
                return Err(e);
            }
        };
        self.seen = Some(seq);
        Ok(())
    }

    fn journal(&mut self, limit: usize) -> Result<Vec<JournalRecord>, StorageError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT seq, at, user, host, pid, origin, statement FROM
                 (SELECT * FROM journal ORDER BY seq DESC LIMIT ?1) ORDER BY seq",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([limit as i64], |r| {
                Ok(JournalRecord {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    user: r.get(2)?,
                    host: r.get(3)?,
                    pid: r.get(4)?,
                    origin: r.get(5)?,
                    statement: r.get(6)?,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>());
        rows.map_err(|e| sql_err(&self.path, &self.conn, e))
    }
}

/// The steps that bring a schema from one version to the next: `MIGRATIONS[i]` takes
/// version `i + 1` to `i + 2`. A step leaves the tables exactly as a new workspace has them
/// (column order included; tested), so nothing downstream knows how a file began.
const MIGRATIONS: &[fn(&Connection) -> rusqlite::Result<()>] = &[migrate_1_to_2, migrate_2_to_3];

/// Version 3 keeps who entered each attestation: the journal entry that added it (its
/// `user` is who). Before, only the claim's last writer was kept, so that is what an
/// older attestation gets.
fn migrate_2_to_3(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "ALTER TABLE attestations ADD COLUMN journal INTEGER REFERENCES journal(seq);
         ALTER TABLE denial_attestations ADD COLUMN journal INTEGER REFERENCES journal(seq);
         UPDATE attestations SET journal = (SELECT c.journal FROM claims c WHERE c.key = attestations.claim);
         UPDATE denial_attestations
             SET journal = (SELECT d.journal FROM denials d WHERE d.key = denial_attestations.denial);",
    )
}

/// Version 2 keeps who speaks for whom (`SPEAKS FOR`) and documents' text files with
/// whether their quotes were checked. A document of version 1 has no text row: its quotes
/// read as unverified until the document is loaded again. Constraints lose their
/// `TOLERANCE` option, which the language no longer has (one tolerance rule for all); the
/// journal says which ones.
fn migrate_1_to_2(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "ALTER TABLE entities ADD COLUMN speaks_for TEXT;
         CREATE TABLE document_texts (
             entity   INTEGER PRIMARY KEY REFERENCES entities(key),
             path     TEXT NOT NULL,
             verified INTEGER NOT NULL
         );",
    )?;
    let mut rewritten = Vec::new();
    {
        let mut stmt = conn.prepare("SELECT key, statement FROM constraints ORDER BY key")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (key, statement) = row?;
            if let Some(new) = without_tolerance(&statement) {
                rewritten.push((key, statement, new));
            }
        }
    }
    if rewritten.is_empty() {
        return Ok(());
    }
    let mut note = String::from(
        "// Schema version 2: TOLERANCE is no longer a constraint option (`~n` is n ± 10% everywhere); dropped from:",
    );
    for (_, old, _) in &rewritten {
        note.push_str(&format!("\n// {old}"));
    }
    let entry = JournalEntry { statement: note, origin: "migrate".into(), user: lock::user_name() };
    let seq = write_journal(conn, &[entry])?;
    let mut update = conn.prepare("UPDATE constraints SET statement = ?1, journal = ?2 WHERE key = ?3")?;
    for (key, _, new) in rewritten {
        update.execute(params![new, seq, key])?;
    }
    Ok(())
}

/// A version 1 constraint statement without its `TOLERANCE` option (as version 1 printed it:
/// ` TOLERANCE 0.25`), or `None` when it has none.
pub(super) fn without_tolerance(statement: &str) -> Option<String> {
    static OPTION: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = OPTION.get_or_init(|| regex::Regex::new(r"\s+TOLERANCE\s+[^\s;]+").expect("valid pattern"));
    re.is_match(statement).then(|| re.replace_all(statement, "").into_owned())
}

/// Brings an older schema up to [`SCHEMA_VERSION`], one step per version, in one
/// transaction (a failed migration leaves the file as it was). Run by the writer, inside
/// the writer lock, so readers never change a file.
pub(super) fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let version: i32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version >= SCHEMA_VERSION {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let steps = (|| {
        for step in &MIGRATIONS[usize::try_from(version.max(1) - 1).unwrap_or(0)..] {
            step(conn)?;
        }
        conn.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))?;
        conn.execute_batch("COMMIT")
    })();
    if steps.is_err() && !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    steps
}

fn write_journal(tx: &Connection, entries: &[JournalEntry]) -> rusqlite::Result<i64> {
    let (host, pid) = (lock::host_name(), i64::from(std::process::id()));
    let mut stmt = tx.prepare_cached(
        "INSERT INTO journal (at, user, host, pid, origin, statement)
         VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut seq = 0;
    for e in entries {
        stmt.execute(params![e.user, host, pid, e.origin, e.statement])?;
        seq = tx.last_insert_rowid();
    }
    Ok(seq)
}

/// Executes the shared row writer's rows on a SQLite transaction.
struct SqliteSink<'c> {
    conn: &'c Connection,
}

impl rows::RowSink for SqliteSink<'_> {
    type Error = rusqlite::Error;

    fn delete(&mut self, table: Table, key: i64) -> rusqlite::Result<()> {
        let first = table.columns()[0];
        let mut stmt =
            self.conn.prepare_cached(&format!("DELETE FROM {} WHERE {first} = ?1", table.name()))?;
        stmt.execute([key]).map(|_| ())
    }

    fn insert(&mut self, table: Table, row: &[Cell<'_>]) -> rusqlite::Result<()> {
        let mut stmt = self.conn.prepare_cached(&insert_sql(table))?;
        stmt.execute(rusqlite::params_from_iter(row.iter().map(cell_value))).map(|_| ())
    }

    fn attestations(&mut self, table: Table, owner: i64) -> rusqlite::Result<Vec<Vec<Cell<'static>>>> {
        let columns = table.columns();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {} FROM {} WHERE {} = ?1 ORDER BY seq",
            columns[1..].join(", "),
            table.name(),
            columns[0]
        ))?;
        let n = columns.len() - 1;
        let rows = stmt.query_map([owner], |r| (0..n).map(|i| cell_from(r.get_ref(i)?)).collect())?;
        rows.collect()
    }
}

fn insert_sql(table: Table) -> String {
    let columns = table.columns();
    let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    format!("INSERT INTO {} ({}) VALUES ({})", table.name(), columns.join(", "), marks.join(", "))
}

fn cell_value<'a>(c: &'a Cell<'_>) -> rusqlite::types::ToSqlOutput<'a> {
    use rusqlite::types::{ToSqlOutput, ValueRef};
    ToSqlOutput::Borrowed(match c {
        Cell::Null => ValueRef::Null,
        Cell::Int(i) => ValueRef::Integer(*i),
        Cell::Text(t) => ValueRef::Text(t.as_bytes()),
        Cell::Bytes(b) => ValueRef::Blob(b),
    })
}

/// A column as a cell (a real number, which no column holds, as its text).
pub(crate) fn cell_from(v: rusqlite::types::ValueRef<'_>) -> rusqlite::Result<Cell<'static>> {
    use rusqlite::types::ValueRef;
    Ok(match v {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(i) => Cell::Int(i),
        ValueRef::Real(f) => Cell::Text(f.to_string().into()),
        ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned().into()),
        ValueRef::Blob(b) => Cell::Bytes(b.to_vec().into()),
    })
}

fn write_rows(
    conn: &Connection,
    g: &Graph,
    changes: &Changes,
    seq: i64,
    fresh: bool,
) -> rusqlite::Result<()> {
    rows::write_rows(&mut SqliteSink { conn }, g, changes, seq, fresh)
}

/// Creates a workspace file holding `graph` (see [`super::create`]).
pub fn create(path: &Path, graph: &Graph, entry: &JournalEntry) -> Result<(), StorageError> {
    create_with(path, |conn| {
        let mut meta = conn.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2)")?;
        meta.execute(["format", "claimgraph workspace"])?;
        meta.execute(["claimgraph_version", env!("CARGO_PKG_VERSION")])?;
        meta.execute(["created_at", &lock::now_utc()])?;
        meta.execute(["created_by", &entry.user])?;
        let seq = write_journal(conn, std::slice::from_ref(entry))?;
        write_rows(conn, graph, &rows::everything(graph), seq, true)
    })
}

/// Creates a workspace file from another workspace's rows (see `storage::copy`).
pub(crate) fn restore(path: &Path, tables: &rows::Dump) -> Result<(), StorageError> {
    create_with(path, |conn| {
        let mut sink = SqliteSink { conn };
        for (table, rows) in tables {
            for row in rows {
                rows::RowSink::insert(&mut sink, *table, row)?;
            }
        }
        Ok(())
    })
}

/// Every row of every table, in one read transaction. Only the current schema is copied.
pub(crate) fn dump(path: &Path) -> Result<rows::Dump, StorageError> {
    let store = SqliteStore::open(path)?;
    let conn = &store.conn;
    let version: i32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| store.sql(e))?;
    if version != SCHEMA_VERSION {
        return Err(err(
            path,
            Kind::NewerVersion,
            format!("schema version {version}; copy takes version {SCHEMA_VERSION}"),
        )
        .with_help(
            "open it for writing once (any statement that changes it) to bring it up to date, then copy it",
        ));
    }
    let read = || -> rusqlite::Result<rows::Dump> {
        conn.execute_batch("BEGIN")?;
        let mut tables = Vec::new();
        for table in Table::ALL {
            let columns = table.columns();
            let mut stmt = conn.prepare(&format!(
                "SELECT {} FROM {} ORDER BY {}",
                columns.join(", "),
                table.name(),
                table.order()
            ))?;
            let rows = stmt
                .query_map([], |r| (0..columns.len()).map(|i| cell_from(r.get_ref(i)?)).collect())?
                .collect::<rusqlite::Result<Vec<Vec<Cell<'static>>>>>()?;
            tables.push((table, rows));
        }
        conn.execute_batch("COMMIT")?;
        Ok(tables)
    };
    read().map_err(|e| store.sql(e))
}

/// Creates a workspace file whose rows `fill` writes (see [`super::create`]).
fn create_with(
    path: &Path,
    fill_rows: impl FnOnce(&Connection) -> rusqlite::Result<()>,
) -> Result<(), StorageError> {
    if path.exists() {
        return Err(err(path, Kind::Exists, "a file of that name exists already")
            .with_help("open it with --workspace, or choose another name"));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.creating", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let result = (|| {
        let conn = Connection::open(&tmp).map_err(|e| err(path, Kind::Io, e.to_string()))?;
        let fill = || -> rusqlite::Result<()> {
            // The file is not the workspace yet: no journal, no syncing until it is whole.
            conn.execute_batch(&format!(
                "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA page_size = 8192; PRAGMA foreign_keys = OFF;
                 PRAGMA cache_size = -65536;
                 PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA_VERSION};"
            ))?;
            conn.execute_batch("BEGIN")?;
            conn.execute_batch(SCHEMA)?;
            fill_rows(&conn)?;
            conn.execute_batch(INDEXES)?;
            conn.execute_batch("COMMIT")?;
            conn.execute_batch("PRAGMA journal_mode = WAL")?;
            Ok(())
        };
        fill().map_err(|e| sql_err(path, &conn, e))?;
        conn.close().map_err(|(c, e)| sql_err(path, &c, e))?;
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| err(path, Kind::Io, e.to_string()))?;
        // A link, not a rename: it fails rather than replace a workspace created meanwhile.
        std::fs::hard_link(&tmp, path).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => {
                err(path, Kind::Exists, "a file of that name exists already")
            }
            _ => err(path, Kind::Io, e.to_string()),
        })?;
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    let _ = std::fs::remove_file(&tmp);
    let _ = std::fs::remove_file(dir.join(format!(".{name}.{}.creating-journal", std::process::id())));
    result
}
