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

use super::codec;
use super::lock::{self, TryLock, WriterLock};
use super::{JournalEntry, JournalRecord, StorageError, StorageErrorKind as Kind, Store};
use crate::model::{Attestation, Changes, ClaimKind, DenialTarget, Graph, ResolutionTarget, SourceRef};

/// `PRAGMA application_id`: "CGWS". Marks the file as a claimgraph workspace.
pub const APPLICATION_ID: i32 = 0x4347_5753;
/// `PRAGMA user_version`: the schema's version. Older files are migrated on open for
/// writing; newer ones are refused.
pub const SCHEMA_VERSION: i32 = 2;

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
const MIGRATIONS: &[fn(&Connection) -> rusqlite::Result<()>] = &[migrate_1_to_2];

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

/// Rewrites the rows `changes` names: deletes them all first (ids are unique, and one may
/// pass from a deleted row to a new one in the same statement), then inserts what lives.
fn write_rows(tx: &Connection, g: &Graph, changes: &Changes, seq: i64, fresh: bool) -> rusqlite::Result<()> {
    if !fresh {
        let mut del_entity = tx.prepare_cached("DELETE FROM entities WHERE key = ?1")?;
        let mut del_text = tx.prepare_cached("DELETE FROM document_texts WHERE entity = ?1")?;
        for ix in &changes.entities {
            del_entity.execute([ix.index() as i64])?;
            del_text.execute([ix.index() as i64])?;
        }
        let mut del_claim = tx.prepare_cached("DELETE FROM claims WHERE key = ?1")?;
        let mut del_atts = tx.prepare_cached("DELETE FROM attestations WHERE claim = ?1")?;
        for ix in &changes.claims {
            del_claim.execute([ix.index() as i64])?;
            del_atts.execute([ix.index() as i64])?;
        }
        let mut del_denial = tx.prepare_cached("DELETE FROM denials WHERE key = ?1")?;
        let mut del_datts = tx.prepare_cached("DELETE FROM denial_attestations WHERE denial = ?1")?;
        for key in &changes.denials {
            del_denial.execute([*key as i64])?;
            del_datts.execute([*key as i64])?;
        }
    }
    let mut ins_entity = tx.prepare_cached(
        "INSERT INTO entities (key, id, labels, properties, via, journal, speaks_for)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut ins_text =
        tx.prepare_cached("INSERT INTO document_texts (entity, path, verified) VALUES (?1, ?2, ?3)")?;
    for ix in &changes.entities {
        let Some(e) = g.entity(*ix) else { continue };
        let labels: Vec<&str> = e.labels.iter().map(|l| g.str(*l)).collect();
        ins_entity.execute(params![
            ix.index() as i64,
            g.str(e.id),
            serde_json::to_string(&labels).unwrap_or_default(),
            codec::props_json(g, &e.props),
            codec::keys_json(e.via.iter().map(|v| v.index())),
            seq,
            codec::keys_json(e.speaks_for.iter().map(|v| v.index())),
        ])?;
        if let Some(text) = g.document_text(*ix) {
            ins_text.execute(params![ix.index() as i64, codec::path_column(&text.path), text.verified])?;
        }
    }
    let mut ins_claim = tx.prepare_cached(
        "INSERT INTO claims (key, id, subject, type, object, properties, chain_link, journal)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    let mut ins_att = tx.prepare_cached(
        "INSERT INTO attestations (claim, seq, source, user, via, status, quote, document, position, date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for ix in &changes.claims {
        let (Some(c), Some((s, o))) = (g.claim(*ix), g.endpoints(*ix)) else { continue };
        ins_claim.execute(params![
            ix.index() as i64,
            c.id.map(|id| g.str(id)),
            s.index() as i64,
            g.str(c.rel_type),
            o.index() as i64,
            codec::props_json(g, &c.props),
            i64::from(c.kind == ClaimKind::ChainLink),
            seq
        ])?;
        for (i, a) in c.attestations.iter().enumerate() {
            write_attestation(&mut ins_att, g, ix.index() as i64, i, a)?;
        }
    }
    let mut ins_denial =
        tx.prepare_cached("INSERT INTO denials (key, claim, pattern, journal) VALUES (?1, ?2, ?3, ?4)")?;
    let mut ins_datt = tx.prepare_cached(
        "INSERT INTO denial_attestations (denial, seq, source, user, via, status, quote, document, position, date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for key in &changes.denials {
        let Some(d) = g.denial_by_key(*key) else { continue };
        let (claim, pattern) = match &d.target {
            DenialTarget::Claim(c) => (Some(c.index() as i64), None),
            DenialTarget::Class { pattern, conditions } => {
                (None, Some(crate::load::print::rel_pattern(g, pattern, conditions).to_string()))
            }
        };
        ins_denial.execute(params![*key as i64, claim, pattern, seq])?;
        for (i, a) in d.attestations.iter().enumerate() {
            write_attestation(&mut ins_datt, g, *key as i64, i, a)?;
        }
    }
    let mut ins_constraint =
        tx.prepare_cached("INSERT INTO constraints (key, id, statement, journal) VALUES (?1, ?2, ?3, ?4)")?;
    for i in changes.constraints.clone() {
        let Some(c) = g.constraints().get(i) else { continue };
        let statement = crate::load::print::constraint_text(g, c);
        ins_constraint.execute(params![i as i64, g.str(c.id), statement, seq])?;
    }
    let mut ins_resolution = tx.prepare_cached(
        "INSERT INTO resolutions (key, finding, claims, status, reason, journal) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for i in changes.resolutions.clone() {
        let Some(r) = g.resolutions().get(i) else { continue };
        let (finding, claims) = match &r.target {
            ResolutionTarget::Finding(f) => (Some(f.to_string()), None),
            ResolutionTarget::Claims(cs) => (
                None,
                Some(
                    serde_json::to_string(&cs.iter().map(|c| c.index()).collect::<Vec<_>>())
                        .unwrap_or_default(),
                ),
            ),
        };
        ins_resolution.execute(params![i as i64, finding, claims, r.status.as_str(), &*r.reason, seq])?;
    }
    Ok(())
}

fn write_attestation(
    stmt: &mut rusqlite::CachedStatement<'_>,
    g: &Graph,
    owner: i64,
    i: usize,
    a: &Attestation,
) -> rusqlite::Result<usize> {
    let (source, user) = match a.source {
        SourceRef::Entity(e) => (Some(e.index() as i64), None),
        SourceRef::User(u) => (None, Some(g.str(u))),
    };
    stmt.execute(params![
        owner,
        i as i64,
        source,
        user,
        codec::keys_json(a.via.iter().map(|v| v.index())),
        a.status.as_str(),
        a.quote.as_deref(),
        a.document.map(|d| d.index() as i64),
        a.position.as_deref(),
        a.date.as_ref().map(|d| d.to_string()),
    ])
}

/// Creates a workspace file holding `graph` (see [`super::create`]).
pub fn create(path: &Path, graph: &Graph, entry: &JournalEntry) -> Result<(), StorageError> {
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
            let mut meta = conn.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2)")?;
            meta.execute(["format", "claimgraph workspace"])?;
            meta.execute(["claimgraph_version", env!("CARGO_PKG_VERSION")])?;
            meta.execute(["created_at", &lock::now_utc()])?;
            meta.execute(["created_by", &entry.user])?;
            let seq = write_journal(&conn, std::slice::from_ref(entry))?;
            write_rows(&conn, graph, &everything(graph), seq, true)?;
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

/// Every row of a graph, as [`Changes`].
fn everything(g: &Graph) -> Changes {
    Changes {
        entities: g.entities().collect(),
        claims: g.claims().collect(),
        denials: g.denials_with_keys().map(|(k, _)| k).collect(),
        constraints: 0..g.constraints().len(),
        resolutions: 0..g.resolutions().len(),
    }
}
