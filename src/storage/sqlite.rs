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

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OpenFlags};

use super::codec;
use super::lock::{self, TryLock, WriterLock};
use super::{JournalEntry, JournalRecord, StorageError, StorageErrorKind as Kind, Store};
use crate::model::{
    Attestation, Changes, Claim, ClaimIx, ClaimKind, Denial, DenialTarget, Entity, EntityIx, Graph,
    Resolution, ResolutionStatus, ResolutionTarget, SourceRef, Status, Value,
};

/// `PRAGMA application_id`: "CGWS". Marks the file as a claimgraph workspace.
pub const APPLICATION_ID: i32 = 0x4347_5753;
/// `PRAGMA user_version`: the schema's version. Older files are migrated on open for
/// writing; newer ones are refused.
pub const SCHEMA_VERSION: i32 = 1;

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
    journal    INTEGER NOT NULL REFERENCES journal(seq)
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
        self.seen = Some(last);
        migrate(&self.conn).map_err(|e| self.sql(e))?;
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

/// Brings an older schema up to [`SCHEMA_VERSION`] (nothing yet: version 1 is the first).
/// Each future version adds one step here, run inside the writer lock.
fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let version: i32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version < SCHEMA_VERSION {
        conn.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))?;
    }
    Ok(())
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
        for ix in &changes.entities {
            del_entity.execute([ix.index() as i64])?;
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
        "INSERT INTO entities (key, id, labels, properties, via, journal) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for ix in &changes.entities {
        let Some(e) = g.entity(*ix) else { continue };
        let labels: Vec<&str> = e.labels.iter().map(|l| g.str(*l)).collect();
        ins_entity.execute(params![
            ix.index() as i64,
            g.str(e.id),
            serde_json::to_string(&labels).unwrap_or_default(),
            codec::props_json(g, &e.props),
            codec::keys_json(e.via.iter().map(|v| v.index())),
            seq
        ])?;
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
        let statement = crate::load::print::constraint_decl(g, c).to_string();
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
        a.date.map(|d| d.to_string()),
    ])
}

// ---- reading ---------------------------------------------------------------------------
//
// Opening a large workspace is SQLite stepping through rows and decoding them, and building
// the graph (interning, petgraph, indexes). Two readers, each on its own connection and in
// its own read transaction, decode half of the claims each (the first one the entities too,
// the second one what follows the claims) and hand rows over in batches; the caller's thread
// builds. Every commit appends to the journal, so two readers that saw the same last journal
// entry read the same state (else the load starts again).

/// Rows per batch handed from the reader to the builder.
const BATCH: usize = 4096;

/// Attestations as the graph keeps them, decoded by the reader, and the user names among
/// their sources (by position), which only the builder can intern.
#[derive(Default)]
struct RawAttestations {
    list: Vec<Attestation>,
    users: Vec<(usize, String)>,
}

impl RawAttestations {
    fn push(&mut self, (a, user): (Attestation, Option<String>)) {
        if let Some(u) = user {
            self.users.push((self.list.len(), u));
        }
        self.list.push(a);
    }

    fn into_attestations(self, g: &mut Graph) -> Vec<Attestation> {
        let mut list = self.list;
        for (i, u) in self.users {
            list[i].source = SourceRef::User(g.intern(&u));
        }
        list
    }
}

struct RawEntity {
    key: usize,
    id: String,
    labels: Vec<String>,
    props: Vec<(String, Value)>,
    via: Vec<usize>,
}

struct RawClaim {
    key: usize,
    id: Option<String>,
    subject: usize,
    object: usize,
    /// Index into the reader's relationship types (sent once each, with the batch that first
    /// uses them): a million claims share a dozen types.
    rel_type: u32,
    props: Vec<(String, Value)>,
    chain_link: bool,
    attestations: RawAttestations,
}

struct RawDenial {
    key: u64,
    claim: Option<usize>,
    pattern: Option<String>,
    attestations: RawAttestations,
}

struct RawResolution {
    finding: Option<String>,
    claims: Vec<usize>,
    status: String,
    reason: String,
}

enum Batch {
    Sizes {
        entities: usize,
        claims: usize,
    },
    Entities(Vec<RawEntity>),
    Claims {
        rows: Vec<RawClaim>,
        new_types: Vec<String>,
    },
    /// The end of a reader's part: the last journal entry it saw.
    End {
        seq: i64,
    },
    Rest {
        denials: Vec<RawDenial>,
        constraints: Vec<String>,
        resolutions: Vec<RawResolution>,
        seq: i64,
    },
}

type Sender = std::sync::mpsc::Sender<Batch>;

/// What one reader reads: the claims with keys in `claims`, and the entities before them
/// (`first`) or the denials, constraints and resolutions after them (`last`).
#[derive(Debug, Clone, Copy)]
struct Part {
    first: bool,
    claims: (i64, i64),
    last: bool,
}

/// Reads a part in one read transaction, sending decoded rows to `tx`.
fn read_snapshot(path: &Path, tx: &Sender, part: Part) -> Result<(), String> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| e.to_string())?;
    conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(|e| e.to_string())?;
    conn.execute_batch("PRAGMA cache_size = -16384; BEGIN").map_err(|e| e.to_string())?;
    let result = read_rows(&conn, tx, part).map_err(|e| e.to_string());
    let _ = conn.execute_batch("COMMIT");
    result?
}

/// A reader's error when the builder stopped first (the builder's error is the one to show).
const STOPPED: &str = "stopped reading";

fn send(tx: &Sender, batch: Batch) -> Result<(), String> {
    // The builder hung up: it failed and says why.
    tx.send(batch).map_err(|_| STOPPED.to_string())
}

fn read_rows(conn: &Connection, tx: &Sender, part: Part) -> rusqlite::Result<Result<(), String>> {
    macro_rules! decoded {
        ($e:expr) => {
            match $e {
                Ok(v) => v,
                Err(e) => return Ok(Err(e)),
            }
        };
    }
    if part.first {
        decoded!(read_entities(conn, tx)?);
    }
    decoded!(read_claims(conn, tx, part.claims)?);
    let seq = conn.query_row("SELECT coalesce(max(seq), 0) FROM journal", [], |r| r.get(0))?;
    if !part.last {
        return Ok(send(tx, Batch::End { seq }));
    }
    read_rest(conn, tx, seq)
}

fn read_entities(conn: &Connection, tx: &Sender) -> rusqlite::Result<Result<(), String>> {
    macro_rules! decoded {
        ($e:expr) => {
            match $e {
                Ok(v) => v,
                Err(e) => return Ok(Err(e)),
            }
        };
    }
    let bound = |table: &str| -> rusqlite::Result<usize> {
        conn.query_row(&format!("SELECT coalesce(max(key) + 1, 0) FROM {table}"), [], |r| r.get::<_, i64>(0))
            .map(|n| n as usize)
    };
    let (entities, claims) = (bound("entities")?, bound("claims")?);
    decoded!(send(tx, Batch::Sizes { entities, claims }));
    let mut stmt = conn.prepare("SELECT key, id, labels, properties, via FROM entities ORDER BY key")?;
    let mut rows = stmt.query([])?;
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(r) = rows.next()? {
        let labels: Vec<String> =
            decoded!(serde_json::from_str(r.get_ref(2)?.as_str()?).map_err(|e| format!("labels: {e}")));
        batch.push(RawEntity {
            key: r.get::<_, i64>(0)? as usize,
            id: r.get_ref(1)?.as_str()?.to_string(),
            labels,
            props: decoded!(codec::props_values(r.get_ref(3)?.as_str()?)),
            via: decoded!(codec::keys_from_json(r.get_ref(4)?.as_str_or_null()?)),
        });
        if batch.len() == BATCH {
            decoded!(send(tx, Batch::Entities(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))));
        }
    }
    Ok(send(tx, Batch::Entities(std::mem::take(&mut batch))))
}

fn read_claims(
    conn: &Connection,
    tx: &Sender,
    (from, to): (i64, i64),
) -> rusqlite::Result<Result<(), String>> {
    macro_rules! decoded {
        ($e:expr) => {
            match $e {
                Ok(v) => v,
                Err(e) => return Ok(Err(e)),
            }
        };
    }
    let mut claims_stmt = conn.prepare(
        "SELECT key, id, subject, type, object, properties, chain_link FROM claims
         WHERE key >= ?1 AND key < ?2 ORDER BY key",
    )?;
    let mut atts_stmt = conn.prepare(
        "SELECT claim, source, user, via, status, quote, document, position, date FROM attestations
         WHERE claim >= ?1 AND claim < ?2 ORDER BY claim, seq",
    )?;
    let mut att_rows = atts_stmt.query([from, to])?;
    let mut pending: Option<(usize, (Attestation, Option<String>))> = None;
    let mut rows = claims_stmt.query([from, to])?;
    let mut batch = Vec::with_capacity(BATCH);
    let mut types: HashMap<String, u32> = HashMap::new();
    let mut new_types = Vec::new();
    while let Some(r) = rows.next()? {
        let key = r.get::<_, i64>(0)? as usize;
        let mut attestations = RawAttestations::default();
        loop {
            if pending.is_none() {
                pending = match att_rows.next()? {
                    Some(a) => Some((a.get::<_, i64>(0)? as usize, decoded!(raw_attestation(a)?))),
                    None => None,
                };
            }
            match &pending {
                Some((owner, _)) if *owner < key => pending = None,
                Some((owner, _)) if *owner == key => {
                    attestations.push(pending.take().expect("pending attestation").1);
                }
                _ => break,
            }
        }
        batch.push(RawClaim {
            key,
            id: r.get(1)?,
            subject: r.get::<_, i64>(2)? as usize,
            rel_type: {
                let t = r.get_ref(3)?.as_str()?;
                match types.get(t) {
                    Some(i) => *i,
                    None => {
                        let i = types.len() as u32;
                        types.insert(t.to_string(), i);
                        new_types.push(t.to_string());
                        i
                    }
                }
            },
            object: r.get::<_, i64>(4)? as usize,
            props: decoded!(codec::props_values(r.get_ref(5)?.as_str()?)),
            chain_link: r.get::<_, i64>(6)? != 0,
            attestations,
        });
        if batch.len() == BATCH {
            let rows = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            decoded!(send(tx, Batch::Claims { rows, new_types: std::mem::take(&mut new_types) }));
        }
    }
    Ok(send(tx, Batch::Claims { rows: batch, new_types }))
}

fn read_rest(conn: &Connection, tx: &Sender, seq: i64) -> rusqlite::Result<Result<(), String>> {
    macro_rules! decoded {
        ($e:expr) => {
            match $e {
                Ok(v) => v,
                Err(e) => return Ok(Err(e)),
            }
        };
    }

    let mut denials = Vec::new();
    let mut stmt = conn.prepare("SELECT key, claim, pattern FROM denials ORDER BY key")?;
    let mut atts = conn.prepare(
        "SELECT denial, source, user, via, status, quote, document, position, date
         FROM denial_attestations WHERE denial = ?1 ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let key: i64 = r.get(0)?;
        let mut attestations = RawAttestations::default();
        let mut arows = atts.query([key])?;
        while let Some(a) = arows.next()? {
            attestations.push(decoded!(raw_attestation(a)?));
        }
        denials.push(RawDenial {
            key: key as u64,
            claim: r.get::<_, Option<i64>>(1)?.map(|c| c as usize),
            pattern: r.get(2)?,
            attestations,
        });
    }
    let mut stmt = conn.prepare("SELECT statement FROM constraints ORDER BY key")?;
    let constraints = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
    let mut stmt = conn.prepare("SELECT finding, claims, status, reason FROM resolutions ORDER BY key")?;
    let mut resolutions = Vec::new();
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        resolutions.push(RawResolution {
            finding: r.get(0)?,
            claims: decoded!(codec::keys_from_json(r.get_ref(1)?.as_str_or_null()?)),
            status: r.get(2)?,
            reason: r.get(3)?,
        });
    }
    Ok(send(tx, Batch::Rest { denials, constraints, resolutions, seq }))
}

/// An attestation row (`owner, source, user, via, status, quote, document, position, date`).
fn raw_attestation(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<(Attestation, Option<String>), String>> {
    let status = r.get_ref(4)?.as_str()?;
    let Some(status) = Status::parse(status) else { return Ok(Err(format!("unknown status {status:?}"))) };
    let via = match codec::keys_from_json(r.get_ref(3)?.as_str_or_null()?) {
        Ok(v) => v.into_iter().map(EntityIx::new).collect(),
        Err(e) => return Ok(Err(e)),
    };
    let (source, user) = match (r.get::<_, Option<i64>>(1)?, r.get::<_, Option<String>>(2)?) {
        (Some(s), _) => (SourceRef::Entity(EntityIx::new(s as usize)), None),
        // Interned by the builder.
        (None, Some(u)) => (SourceRef::Entity(EntityIx::end()), Some(u)),
        (None, None) => return Ok(Err("an attestation has neither source nor user".into())),
    };
    let date = match r.get_ref(8)?.as_str_or_null()? {
        Some(d) => match codec::date(d) {
            Ok(d) => Some(d),
            Err(e) => return Ok(Err(e)),
        },
        None => None,
    };
    let attestation = Attestation {
        source,
        via,
        status,
        quote: r.get_ref(5)?.as_str_or_null()?.map(Into::into),
        document: r.get::<_, Option<i64>>(6)?.map(|d| EntityIx::new(d as usize)),
        position: r.get_ref(7)?.as_str_or_null()?.map(Into::into),
        date,
    };
    Ok(Ok((attestation, user)))
}

fn props(g: &mut Graph, props: Vec<(String, Value)>) -> crate::model::Props {
    props.into_iter().map(|(k, v)| (g.intern(&k), v)).collect()
}

impl SqliteStore {
    fn load_in_transaction(&mut self) -> Result<Graph, StorageError> {
        let claims: i64 = self
            .conn
            .query_row("SELECT coalesce(max(key) + 1, 0) FROM claims", [], |r| r.get(0))
            .map_err(|e| self.sql(e))?;
        let middle = claims / 2;
        // A commit between the two readers' snapshots: read again (a writer commits in
        // milliseconds, so this ends).
        for _ in 0..10 {
            let parts = [
                Part { first: true, claims: (0, middle), last: false },
                Part { first: false, claims: (middle, i64::MAX), last: true },
            ];
            let (built, read) = std::thread::scope(|scope| {
                let mut receivers = Vec::new();
                let mut readers = Vec::new();
                for part in parts {
                    let (tx, rx) = std::sync::mpsc::channel::<Batch>();
                    let path = self.path.clone();
                    readers.push(scope.spawn(move || read_snapshot(&path, &tx, part)));
                    receivers.push(rx);
                }
                let built = build(receivers);
                let mut read = Ok(());
                for r in readers {
                    let result = r.join().unwrap_or_else(|_| Err("a reader panicked".into()));
                    if read.is_ok() {
                        read = result;
                    }
                }
                (built, read)
            });
            match (built, read) {
                (Ok(Some((graph, seq))), Ok(())) => {
                    self.seen = Some(seq);
                    return Ok(graph);
                }
                (Ok(None), Ok(())) => continue,
                (Err(e), Err(r)) if r == STOPPED => return Err(self.corrupt(e)),
                (_, Err(e)) | (Err(e), _) => return Err(self.corrupt(e)),
            }
        }
        Err(err(&self.path, Kind::Io, "the workspace kept changing while it was read"))
    }
}

/// Builds the graph from the readers' batches, in order; returns it with the journal entry
/// it is at, or `None` when the readers saw different states.
fn build(receivers: Vec<std::sync::mpsc::Receiver<Batch>>) -> Result<Option<(Graph, i64)>, String> {
    let mut g = Graph::new();
    let mut holes = crate::model::RestoreHoles::default();
    let mut seen: Option<i64> = None;
    for rx in receivers {
        let mut types: Vec<crate::model::Sym> = Vec::new();
        for batch in rx {
            match batch {
                Batch::Sizes { entities, claims } => g.reserve_for_restore(entities, claims),
                Batch::Entities(rows) => {
                    for e in rows {
                        let entity = Entity {
                            id: g.intern(&e.id),
                            labels: e.labels.iter().map(|l| g.intern(l)).collect(),
                            props: props(&mut g, e.props),
                            via: e.via.into_iter().map(EntityIx::new).collect(),
                        };
                        g.restore_entity(e.key, entity, &mut holes)?;
                    }
                }
                Batch::End { seq } => seen = Some(seq),
                Batch::Claims { rows, new_types } => {
                    types.extend(new_types.iter().map(|t| g.intern(t)));
                    for c in rows {
                        let rel_type = *types
                            .get(c.rel_type as usize)
                            .ok_or_else(|| format!("claim {}: no type", c.key))?;
                        let attestations = c.attestations.into_attestations(&mut g);
                        let claim = Claim {
                            id: c.id.map(|i| g.intern(&i)),
                            rel_type,
                            props: props(&mut g, c.props),
                            attestations,
                            kind: if c.chain_link { ClaimKind::ChainLink } else { ClaimKind::Stated },
                        };
                        g.restore_claim(
                            c.key,
                            EntityIx::new(c.subject),
                            EntityIx::new(c.object),
                            claim,
                            &mut holes,
                        )?;
                    }
                }
                Batch::Rest { denials, constraints, resolutions, seq } => {
                    if seen.is_some_and(|s| s != seq) {
                        return Ok(None);
                    }
                    for d in denials {
                        let attestations = d.attestations.into_attestations(&mut g);
                        let target = match (d.claim, d.pattern) {
                            (Some(c), _) => DenialTarget::Claim(ClaimIx::new(c)),
                            (None, Some(p)) => crate::load::denial_target_from_text(&mut g, &p)
                                .map_err(|e| format!("denial {}: {e}", d.key))?,
                            (None, None) => return Err(format!("denial {} has no target", d.key)),
                        };
                        g.restore_denial_row(d.key, Denial { target, attestations });
                    }
                    g.finish_restore(std::mem::take(&mut holes));
                    for c in constraints {
                        crate::load::constraint_from_text(&mut g, &c)
                            .map_err(|e| format!("constraint {c:?}: {e}"))?;
                    }
                    for r in resolutions {
                        let target = match r.finding {
                            Some(f) => ResolutionTarget::Finding(f.into()),
                            None => {
                                ResolutionTarget::Claims(r.claims.into_iter().map(ClaimIx::new).collect())
                            }
                        };
                        let status = ResolutionStatus::parse(&r.status)
                            .ok_or_else(|| format!("unknown resolution status {:?}", r.status))?;
                        g.add_resolution(Resolution { target, status, reason: r.reason.into() });
                    }
                    return Ok(Some((g, seq)));
                }
            }
        }
    }
    Err("the workspace could not be read to the end".into())
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
