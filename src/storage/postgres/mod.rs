//! The shared workspace: a PostgreSQL database (the `postgres` crate, synchronous like the
//! [`Store`] trait), for a team that writes one graph from several machines.
//!
//! The tables are the SQLite workspace's, column for column (`rows` writes both), in the
//! database the URL names (`postgres://alice@server/inquiry`). What differs is how writers
//! share it:
//! * a statement's rows and journal entry are one transaction, at `READ COMMITTED`, that
//!   first takes a transaction-scoped advisory lock ([`WRITER_LOCK`]): writers commit one
//!   at a time, each in milliseconds, and nobody waits while another analyst types;
//! * a session writes only on the state it read: inside the lock it checks that the journal
//!   still ends where its graph does, else nothing is written and the commit fails with
//!   [`Kind::Changed`], naming the other entries; the session then takes the same lock for
//!   its session (`hold_writer_lock`), reads the fresh state and runs the statement again
//!   on it (`Session::transact`), so a statement loses a race at most once;
//! * reading is one `REPEATABLE READ, READ ONLY` transaction: a consistent snapshot while
//!   others write;
//! * who wrote is the role the server authenticated (`session_user`), not `$USER`, which
//!   anyone can set; permissions are PostgreSQL's grants (docs/storage.md).
//!
//! docs/storage.md describes the isolation and the conflict rule.

use std::collections::HashMap;

use postgres::types::Type;
use postgres::{Client, NoTls};

mod read;

use super::lock;
use super::rows::{self, Cell, Table};
use super::{JournalEntry, JournalRecord, StorageError, StorageErrorKind as Kind, Store};
use crate::model::{Changes, Graph};

/// The schema version, kept in `meta` (`schema_version`).
pub const SCHEMA_VERSION: i32 = 3;

/// The advisory lock every writer takes for its transaction ("CGWS" as a number: any
/// other application's advisory locks in the same database are very unlikely to collide).
pub const WRITER_LOCK: i64 = 0x4347_5753;

/// The SQLite schema with PostgreSQL's types: `bigint` for integers, `text` for text. No
/// foreign keys: as on SQLite, the in-memory model is the integrity check, and a statement
/// deletes and rewrites rows that others refer to.
const SCHEMA: &str = r#"
CREATE TABLE meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
CREATE TABLE journal (
    seq       bigint PRIMARY KEY,
    at        text NOT NULL,
    "user"    text NOT NULL,
    host      text NOT NULL,
    pid       bigint NOT NULL,
    origin    text NOT NULL,
    statement text NOT NULL
);
CREATE TABLE entities (
    key        bigint PRIMARY KEY,
    id         text NOT NULL,
    labels     text NOT NULL,
    properties text NOT NULL,
    via        text,
    journal    bigint NOT NULL,
    speaks_for text
);
CREATE TABLE document_texts (
    entity   bigint PRIMARY KEY,
    path     text NOT NULL,
    verified bigint NOT NULL
);
CREATE TABLE claims (
    key        bigint PRIMARY KEY,
    id         text,
    subject    bigint NOT NULL,
    type       text NOT NULL,
    object     bigint NOT NULL,
    properties text NOT NULL,
    chain_link bigint NOT NULL DEFAULT 0,
    journal    bigint NOT NULL
);
CREATE TABLE attestations (
    claim    bigint NOT NULL,
    seq      bigint NOT NULL,
    source   bigint,
    "user"   text,
    via      text,
    status   text NOT NULL,
    quote    text,
    document bigint,
    position text,
    date     text,
    journal  bigint,
    PRIMARY KEY (claim, seq)
);
CREATE TABLE denials (
    key     bigint PRIMARY KEY,
    claim   bigint,
    pattern text,
    journal bigint NOT NULL
);
CREATE TABLE denial_attestations (
    denial   bigint NOT NULL,
    seq      bigint NOT NULL,
    source   bigint,
    "user"   text,
    via      text,
    status   text NOT NULL,
    quote    text,
    document bigint,
    position text,
    date     text,
    journal  bigint,
    PRIMARY KEY (denial, seq)
);
CREATE TABLE constraints (
    key       bigint PRIMARY KEY,
    id        text NOT NULL,
    statement text NOT NULL,
    journal   bigint NOT NULL
);
CREATE TABLE resolutions (
    key     bigint PRIMARY KEY,
    finding text,
    claims  text,
    status  text NOT NULL,
    reason  text NOT NULL,
    journal bigint NOT NULL
);
"#;

const INDEXES: &str = "
CREATE UNIQUE INDEX entities_id ON entities(id);
CREATE UNIQUE INDEX claims_id ON claims(id);
CREATE UNIQUE INDEX constraints_id ON constraints(id);
CREATE VIEW sources AS SELECT * FROM entities WHERE labels::jsonb ? 'Source';
CREATE VIEW documents AS SELECT * FROM entities WHERE labels::jsonb ? 'Document';
";

/// Whether a workspace name is a PostgreSQL connection URL.
pub fn is_url(name: &str) -> bool {
    name.starts_with("postgres://") || name.starts_with("postgresql://")
}

/// A connection URL without its password, for messages: `postgres://alice@host/db`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}@{host}"),
            None => authority.to_string(),
        },
        None => authority.to_string(),
    };
    // A password may also come as a parameter (`?password=...`).
    let tail: String = match tail.split_once('?') {
        Some((path, query)) => {
            let kept: Vec<&str> = query.split('&').filter(|p| !p.starts_with("password=")).collect();
            if kept.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", kept.join("&"))
            }
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// A shared workspace opened by this process.
pub struct PgStore {
    /// The URL as given, to reconnect; never shown (see `shown`).
    url: String,
    shown: String,
    client: Client,
    /// The journal's last entry in the graph this session holds.
    seen: Option<i64>,
    writer: bool,
    role: String,
    statements: HashMap<String, postgres::Statement>,
    /// An error said the connection was lost. The client notices the closed socket only
    /// when its connection task reads it, which may be after the next statement starts,
    /// so the next statement reconnects on this, not on `is_closed` alone.
    lost: std::cell::Cell<bool>,
}

fn err(shown: &str, kind: Kind, message: impl Into<String>) -> StorageError {
    StorageError::new(kind, shown, message)
}

/// Maps the server's and the connection's errors to ours. The server's messages name
/// tables and roles, never the connection's password.
fn pg_err(shown: &str, e: &postgres::Error) -> StorageError {
    use postgres::error::SqlState;
    if e.is_closed() || (e.as_db_error().is_none() && e.code().is_none() && is_connection_error(e)) {
        return err(shown, Kind::Io, format!("the connection to the server was lost: {e}"))
            .with_help("the statement was undone here; the next statement reconnects (if the server had already committed it, it is in the journal: `:history`)");
    }
    let Some(db) = e.as_db_error() else { return err(shown, Kind::Io, e.to_string()) };
    let code = db.code();
    if *code == SqlState::INSUFFICIENT_PRIVILEGE {
        err(shown, Kind::Permission, format!("permission denied: {}", db.message())).with_help(
            "the database role you connect as may not make this change; nothing was written (docs/storage.md, \"Roles\")",
        )
    } else if *code == SqlState::DISK_FULL {
        err(shown, Kind::Full, format!("the server's disk is full: {}", db.message()))
            .with_help("nothing was written; try again once the server has room")
    } else if *code == SqlState::INVALID_CATALOG_NAME {
        err(shown, Kind::Missing, db.message().to_string())
            .with_help("create the database first (`createdb NAME`), then `claimgraph init URL`")
    } else if *code == SqlState::UNDEFINED_TABLE {
        err(shown, Kind::NotAWorkspace, format!("not a claimgraph workspace: {}", db.message()))
            .with_help("create one with `claimgraph init URL [--from DATA.kg]`")
    } else if code.code().starts_with("08") || *code == SqlState::ADMIN_SHUTDOWN {
        err(shown, Kind::Io, format!("the connection to the server was lost: {}", db.message()))
            .with_help("the statement was undone here; the next statement reconnects")
    } else {
        err(shown, Kind::Io, format!("{}: {}", code.code(), db.message()))
    }
}

/// Whether `e` says the connection is gone (the cases `pg_err` reports as lost).
fn connection_lost(e: &postgres::Error) -> bool {
    use postgres::error::SqlState;
    e.is_closed()
        || (e.as_db_error().is_none() && e.code().is_none() && is_connection_error(e))
        || e.code().is_some_and(|c| c.code().starts_with("08") || *c == SqlState::ADMIN_SHUTDOWN)
}

fn is_connection_error(e: &postgres::Error) -> bool {
    let text = e.to_string();
    text.contains("connection") || text.contains("connecting") || text.contains("communicating")
}

/// Connects; a password may come from the URL or, as for `psql`, from `$PGPASSWORD`.
fn connect(url: &str, shown: &str) -> Result<Client, StorageError> {
    let mut config: postgres::Config =
        url.parse().map_err(|e| err(shown, Kind::Io, format!("not a valid connection URL: {e}")))?;
    if config.get_password().is_none() {
        if let Some(p) = std::env::var_os("PGPASSWORD").filter(|p| !p.is_empty()) {
            config.password(p.as_encoded_bytes());
        }
    }
    if config.get_application_name().is_none() {
        config.application_name("claimgraph");
    }
    config.connect_timeout(std::time::Duration::from_secs(10));
    config.connect(NoTls).map_err(|e| match e.as_db_error() {
        Some(_) => pg_err(shown, &e),
        None => err(shown, Kind::Io, format!("cannot connect to the server: {e}"))
            .with_help("is the server running, and is the URL's host and port right?"),
    })
}

impl PgStore {
    /// Opens an existing workspace, checking that the database holds one we can read.
    pub fn open(url: &str) -> Result<Self, StorageError> {
        let shown = redact(url);
        let mut client = connect(url, &shown)?;
        let version = schema_version(&mut client, &shown)?;
        if version > SCHEMA_VERSION {
            return Err(err(
                &shown,
                Kind::NewerVersion,
                format!("written by a newer claimgraph (schema version {version}; this one reads up to {SCHEMA_VERSION})"),
            ));
        }
        let role: String =
            client.query_one("SELECT session_user::text", &[]).map_err(|e| pg_err(&shown, &e))?.get(0);
        Ok(PgStore {
            url: url.to_string(),
            shown,
            client,
            seen: None,
            writer: false,
            role,
            statements: HashMap::new(),
            lost: std::cell::Cell::new(false),
        })
    }

    fn pg(&self, e: postgres::Error) -> StorageError {
        if connection_lost(&e) {
            self.lost.set(true);
        }
        pg_err(&self.shown, &e)
    }

    /// A connection that a server restart or a network failure closed is opened again:
    /// the session goes on, on whatever the server kept.
    fn reconnect_if_closed(&mut self) -> Result<(), StorageError> {
        if !self.client.is_closed() && !self.lost.get() {
            return Ok(());
        }
        self.client = connect(&self.url, &self.shown)?;
        self.statements.clear();
        self.lost.set(false);
        Ok(())
    }

    fn last_seq(&mut self) -> Result<i64, StorageError> {
        self.reconnect_if_closed()?;
        let row = self
            .client
            .query_one("SELECT coalesce(max(seq), 0) FROM journal", &[])
            .map_err(|e| self.pg(e))?;
        Ok(row.get(0))
    }

    /// The journal entries after `seq`, as "#12 by bob (<input 3>): CLAIM ..." lines.
    fn entries_after(&mut self, seq: i64) -> Vec<String> {
        let rows = self
            .client
            .query(
                r#"SELECT seq, "user", origin, statement FROM journal WHERE seq > $1 ORDER BY seq LIMIT 5"#,
                &[&seq],
            )
            .unwrap_or_default();
        rows.iter()
            .map(|r| {
                let statement: String = r.get(3);
                let short: String = statement.chars().take(120).collect();
                format!(
                    "#{} by {} ({}): {}",
                    r.get::<_, i64>(0),
                    r.get::<_, String>(1),
                    r.get::<_, String>(2),
                    short
                )
            })
            .collect()
    }
}

fn schema_version(client: &mut Client, shown: &str) -> Result<i32, StorageError> {
    let row = client
        .query_opt("SELECT value FROM meta WHERE key = 'schema_version'", &[])
        .map_err(|e| pg_err(shown, &e))?;
    let format = client
        .query_opt("SELECT value FROM meta WHERE key = 'format'", &[])
        .map_err(|e| pg_err(shown, &e))?
        .map(|r| r.get::<_, String>(0));
    if format.as_deref() != Some("claimgraph workspace") {
        return Err(err(shown, Kind::NotAWorkspace, "a database, but not a claimgraph workspace")
            .with_help("create a workspace with `claimgraph init URL [--from DATA.kg]`"));
    }
    row.and_then(|r| r.get::<_, String>(0).parse().ok())
        .ok_or_else(|| err(shown, Kind::Corrupt, "the workspace has no schema version"))
}

impl Store for PgStore {
    fn location(&self) -> String {
        self.shown.clone()
    }

    fn load(&mut self) -> Result<Graph, StorageError> {
        self.reconnect_if_closed()?;
        let (graph, seq) = read::load(&mut self.client).map_err(|e| match e {
            read::ReadError::Sql(e) => self.pg(e),
            read::ReadError::Row(m) => {
                err(&self.shown, Kind::Corrupt, format!("cannot read the workspace: {m}"))
            }
        })?;
        self.seen = Some(seq);
        Ok(graph)
    }

    fn acquire_writer(&mut self) -> Result<(), StorageError> {
        if self.writer {
            return Ok(());
        }
        self.reconnect_if_closed()?;
        let may: bool = self
            .client
            .query_one(
                "SELECT has_table_privilege('claims', 'INSERT') AND has_table_privilege('journal', 'INSERT')",
                &[],
            )
            .map_err(|e| self.pg(e))?
            .get(0);
        if !may {
            return Err(err(
                &self.shown,
                Kind::Permission,
                format!("role {} may read this workspace but not change it", self.role),
            )
            .with_help("ask the workspace's owner for the writer role (docs/storage.md, \"Roles\")"));
        }
        self.writer = true;
        Ok(())
    }

    fn is_writer(&self) -> bool {
        self.writer
    }

    fn commit(
        &mut self,
        graph: &Graph,
        changes: &Changes,
        entries: &[JournalEntry],
    ) -> Result<(), StorageError> {
        self.acquire_writer()?;
        self.reconnect_if_closed()?;
        let seen = self.seen.unwrap_or(0);
        let mut statements = std::mem::take(&mut self.statements);
        let written = (|| -> Result<Result<i64, i64>, postgres::Error> {
            let mut tx = self.client.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITER_LOCK])?;
            let last: i64 = tx.query_one("SELECT coalesce(max(seq), 0) FROM journal", &[])?.get(0);
            if last != seen {
                tx.rollback()?;
                return Ok(Err(last));
            }
            let seq = write_journal(&mut tx, entries, last)?;
            let mut sink = InsertSink { tx: &mut tx, statements: &mut statements };
            rows::write_rows(&mut sink, graph, changes, seq, false)?;
            tx.commit()?;
            Ok(Ok(seq))
        })();
        self.statements = statements;
        match written {
            Ok(Ok(seq)) => {
                self.seen = Some(seq);
                Ok(())
            }
            Ok(Err(last)) => {
                let others = self.entries_after(seen);
                Err(err(
                    &self.shown,
                    Kind::Changed,
                    format!(
                        "{} other change{} committed since this session read the workspace: {}",
                        last - seen,
                        if last - seen == 1 { " was" } else { "s were" },
                        others.join("; ")
                    ),
                )
                .with_help("nothing was written; the statement runs again on the fresh state"))
            }
            Err(e) => Err(self.pg(e)),
        }
    }

    fn journal(&mut self, limit: usize) -> Result<Vec<JournalRecord>, StorageError> {
        self.reconnect_if_closed()?;
        let rows = self
            .client
            .query(
                r#"SELECT seq, at, "user", host, pid, origin, statement FROM
                   (SELECT * FROM journal ORDER BY seq DESC LIMIT $1) j ORDER BY seq"#,
                &[&(limit as i64)],
            )
            .map_err(|e| self.pg(e))?;
        Ok(rows
            .iter()
            .map(|r| JournalRecord {
                seq: r.get(0),
                at: r.get(1),
                user: r.get(2),
                host: r.get(3),
                pid: r.get(4),
                origin: r.get(5),
                statement: r.get(6),
            })
            .collect())
    }

    fn refresh(&mut self) -> Result<Option<Graph>, StorageError> {
        let last = self.last_seq()?;
        if Some(last) == self.seen {
            return Ok(None);
        }
        self.load().map(Some)
    }

    fn user(&self) -> Option<String> {
        Some(self.role.clone())
    }

    fn hold_writer_lock(&mut self, hold: bool) -> Result<(), StorageError> {
        self.reconnect_if_closed()?;
        let sql = if hold { "SELECT pg_advisory_lock($1)" } else { "SELECT pg_advisory_unlock($1)" };
        self.client.execute(sql, &[&WRITER_LOCK]).map(|_| ()).map_err(|e| self.pg(e))
    }
}

/// The SQL `at` of a journal entry: UTC with milliseconds, as SQLite writes it.
const NOW: &str = r#"to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"#;

fn write_journal(
    tx: &mut postgres::Transaction<'_>,
    entries: &[JournalEntry],
    last: i64,
) -> Result<i64, postgres::Error> {
    let (host, pid) = (lock::host_name(), i64::from(std::process::id()));
    let stmt = tx.prepare(&format!(
        r#"INSERT INTO journal (seq, at, "user", host, pid, origin, statement)
           VALUES ($1, {NOW}, session_user, $2, $3, $4, $5)"#
    ))?;
    let mut seq = last;
    for e in entries {
        seq += 1;
        tx.execute(&stmt, &[&seq, &host, &pid, &e.origin, &e.statement])?;
    }
    Ok(seq)
}

fn quoted(columns: &[&str]) -> String {
    columns.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ")
}

/// A statement's rows as prepared `DELETE` and `INSERT`s in the commit's transaction.
struct InsertSink<'t, 'c> {
    tx: &'t mut postgres::Transaction<'c>,
    /// Prepared statements by text, kept for the connection's life.
    statements: &'t mut HashMap<String, postgres::Statement>,
}

impl InsertSink<'_, '_> {
    fn prepared(&mut self, sql: String) -> Result<postgres::Statement, postgres::Error> {
        if let Some(s) = self.statements.get(&sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(&sql)?;
        self.statements.insert(sql, s.clone());
        Ok(s)
    }
}

/// A cell as a parameter of the type the statement expects.
fn param(cell: &Cell<'_>, ty: &Type) -> Box<dyn postgres::types::ToSql + Sync> {
    match cell {
        Cell::Null if *ty == Type::INT8 => Box::new(None::<i64>),
        Cell::Null => Box::new(None::<String>),
        Cell::Int(i) => Box::new(*i),
        Cell::Text(t) => Box::new(t.to_string()),
        // A path that is not UTF-8: kept as its bytes read as UTF-8 (PostgreSQL's text
        // cannot hold other bytes; docs/storage.md).
        Cell::Bytes(b) => Box::new(String::from_utf8_lossy(b).into_owned()),
    }
}

impl rows::RowSink for InsertSink<'_, '_> {
    type Error = postgres::Error;

    fn delete(&mut self, table: Table, key: i64) -> Result<(), postgres::Error> {
        let stmt =
            self.prepared(format!("DELETE FROM {} WHERE \"{}\" = $1", table.name(), table.columns()[0]))?;
        self.tx.execute(&stmt, &[&key]).map(|_| ())
    }

    fn insert(&mut self, table: Table, row: &[Cell<'_>]) -> Result<(), postgres::Error> {
        let columns = table.columns();
        let marks: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
        let stmt = self.prepared(format!(
            "INSERT INTO {} ({}) VALUES ({})",
            table.name(),
            quoted(&columns),
            marks.join(", ")
        ))?;
        let params: Vec<Box<dyn postgres::types::ToSql + Sync>> =
            row.iter().zip(stmt.params()).map(|(c, ty)| param(c, ty)).collect();
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = params.iter().map(|p| p.as_ref()).collect();
        self.tx.execute(&stmt, &refs).map(|_| ())
    }

    fn attestations(&mut self, table: Table, owner: i64) -> Result<Vec<Vec<Cell<'static>>>, postgres::Error> {
        let columns = table.columns();
        let stmt = self.prepared(format!(
            "SELECT {} FROM {} WHERE \"{}\" = $1 ORDER BY seq",
            quoted(&columns[1..]),
            table.name(),
            columns[0]
        ))?;
        let rows = self.tx.query(&stmt, &[&owner])?;
        Ok(rows.iter().map(row_cells).collect())
    }
}

/// A row's columns as cells (every column is `bigint` or `text`).
pub(crate) fn row_cells(r: &postgres::Row) -> Vec<Cell<'static>> {
    (0..r.len())
        .map(|i| {
            if *r.columns()[i].type_() == Type::INT8 {
                r.get::<_, Option<i64>>(i).map_or(Cell::Null, Cell::Int)
            } else {
                r.get::<_, Option<String>>(i).map_or(Cell::Null, |t| Cell::Text(t.into()))
            }
        })
        .collect()
}

/// Rows for a new workspace, as `COPY ... FROM STDIN` (text format): one round trip per
/// table instead of one per row.
struct CopySink {
    buffers: HashMap<&'static str, Vec<u8>>,
}

impl CopySink {
    fn flush(self, tx: &mut postgres::Transaction<'_>) -> Result<(), postgres::Error> {
        use std::io::Write;
        for table in Table::ALL {
            let Some(data) = self.buffers.get(table.name()) else { continue };
            let mut writer =
                tx.copy_in(&format!("COPY {} ({}) FROM STDIN", table.name(), quoted(&table.columns())))?;
            // The writer reports the server's errors at `finish`.
            let _ = writer.write_all(data);
            writer.finish()?;
        }
        Ok(())
    }
}

/// A value in `COPY`'s text format.
fn copy_field(out: &mut Vec<u8>, cell: &Cell<'_>) {
    let text: std::borrow::Cow<'_, str> = match cell {
        Cell::Null => {
            out.extend_from_slice(b"\\N");
            return;
        }
        Cell::Int(i) => {
            out.extend_from_slice(i.to_string().as_bytes());
            return;
        }
        Cell::Text(t) => std::borrow::Cow::Borrowed(t),
        Cell::Bytes(b) => String::from_utf8_lossy(b),
    };
    for b in text.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => out.push(b),
        }
    }
}

impl CopySink {
    fn row(&mut self, table: Table, row: &[Cell<'_>]) {
        let out = self.buffers.entry(table.name()).or_default();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                out.push(b'\t');
            }
            copy_field(out, cell);
        }
        out.push(b'\n');
    }
}

impl rows::RowSink for CopySink {
    type Error = postgres::Error;

    fn delete(&mut self, _: Table, _: i64) -> Result<(), postgres::Error> {
        Ok(())
    }

    fn insert(&mut self, table: Table, row: &[Cell<'_>]) -> Result<(), postgres::Error> {
        self.row(table, row);
        Ok(())
    }

    fn attestations(&mut self, _: Table, _: i64) -> Result<Vec<Vec<Cell<'static>>>, postgres::Error> {
        Ok(Vec::new())
    }
}

/// Creates the tables in an empty database and fills them (`fill` adds rows to the sink),
/// all in one transaction: the workspace appears whole or not at all.
fn create_with(
    url: &str,
    fill: impl FnOnce(&mut postgres::Transaction<'_>, &mut CopySink) -> Result<(), postgres::Error>,
) -> Result<(), StorageError> {
    let shown = redact(url);
    let mut client = connect(url, &shown)?;
    let exists: bool = client
        .query_one("SELECT to_regclass('meta') IS NOT NULL OR to_regclass('journal') IS NOT NULL", &[])
        .map_err(|e| pg_err(&shown, &e))?
        .get(0);
    if exists {
        return Err(err(&shown, Kind::Exists, "the database holds a workspace already")
            .with_help("open it with --workspace, or create another database (`createdb NAME`)"));
    }
    let result = (|| {
        let mut tx = client.transaction()?;
        tx.batch_execute(SCHEMA)?;
        let mut sink = CopySink { buffers: HashMap::new() };
        fill(&mut tx, &mut sink)?;
        sink.flush(&mut tx)?;
        tx.batch_execute(INDEXES)?;
        tx.commit()
    })();
    result.map_err(|e| pg_err(&shown, &e))
}

/// Creates a workspace holding `graph` in the (empty) database `url` names. The journal's
/// `user` is the role that connected (so `entry.user` is not used).
pub fn create(url: &str, graph: &Graph, entry: &JournalEntry) -> Result<(), StorageError> {
    create_with(url, |tx, sink| {
        let role: String = tx.query_one("SELECT session_user::text", &[])?.get(0);
        for (key, value) in meta_rows(&role) {
            sink.row(Table::Meta, &[Cell::Text(key.into()), Cell::Text(value.into())]);
        }
        let seq = write_journal(tx, std::slice::from_ref(entry), 0)?;
        rows::write_rows(sink, graph, &rows::everything(graph), seq, true)
    })
}

fn meta_rows(user: &str) -> Vec<(&'static str, String)> {
    vec![
        ("format", "claimgraph workspace".to_string()),
        ("claimgraph_version", env!("CARGO_PKG_VERSION").to_string()),
        ("created_at", lock::now_utc()),
        ("created_by", user.to_string()),
        ("schema_version", SCHEMA_VERSION.to_string()),
    ]
}

/// Every row of every table of the workspace `url` names, in one snapshot; `meta` without
/// `schema_version`, which belongs to the backend.
pub(crate) fn dump(url: &str) -> Result<rows::Dump, StorageError> {
    let shown = redact(url);
    let mut client = connect(url, &shown)?;
    let version = schema_version(&mut client, &shown)?;
    if version != SCHEMA_VERSION {
        return Err(err(
            &shown,
            Kind::NewerVersion,
            format!("schema version {version}; this claimgraph copies version {SCHEMA_VERSION}"),
        ));
    }
    let result = (|| {
        let mut tx = client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let mut tables = Vec::new();
        for table in Table::ALL {
            let rows = tx.query(
                &format!(
                    "SELECT {} FROM {} ORDER BY {}",
                    quoted(&table.columns()),
                    table.name(),
                    table.order()
                ),
                &[],
            )?;
            let mut cells: Vec<Vec<Cell<'static>>> = rows.iter().map(row_cells).collect();
            if table == Table::Meta {
                cells.retain(|r| r.first() != Some(&Cell::Text("schema_version".into())));
            }
            tables.push((table, cells));
        }
        tx.commit()?;
        Ok(tables)
    })();
    result.map_err(|e: postgres::Error| pg_err(&shown, &e))
}

/// Creates a workspace in the empty database `url` names from another workspace's rows.
pub(crate) fn restore(url: &str, tables: &rows::Dump) -> Result<(), StorageError> {
    create_with(url, |_, sink| {
        sink.row(
            Table::Meta,
            &[Cell::Text("schema_version".into()), Cell::Text(SCHEMA_VERSION.to_string().into())],
        );
        for (table, rows) in tables {
            for row in rows {
                sink.row(*table, row);
            }
        }
        Ok(())
    })
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    // Several sessions on one shared workspace, in one process: each on its own connection,
    // as two analysts' shells are. Needs a server (see `testing`).

    use std::path::PathBuf;

    use super::testing::{server, with_user, TestDatabase};
    use crate::diagnostics::SourceFile;
    use crate::load::{load_files, DataFile};
    use crate::model::Graph;
    use crate::session::Session;
    use crate::storage::{create, open, JournalEntry, StorageErrorKind};

    const BASE: &str = "
    SOURCE (reuters:NewsAgency {name: 'Reuters'});
    SOURCE (tass:NewsAgency {name: 'TASS'});
    SOURCE (sohr:Organization {name: 'SOHR'});
    ENTITY (wagner:Organization {name: 'Wagner'});
    ENTITY (khusham:Location {name: 'Khusham'});
    CLAIM (wagner)-[c1:PRESENT_IN {strength: ~100}]->(khusham) BY reuters QUOTE 'about 100 Wagner men';
    ";

    fn base_graph() -> Graph {
        let mut g = Graph::new();
        load_files(&mut g, &[DataFile::new("base.kg", BASE, None)]).expect("the base loads");
        g
    }

    /// A session on the workspace `url`, as the CLI opens one.
    fn session(url: &str) -> Session {
        let mut store = open(&PathBuf::from(url)).expect("opens");
        let graph = store.load().expect("loads");
        let mut session = Session::new(graph);
        session.user = store.user().expect("the server names the role");
        session.workspace = Some(store);
        session
    }

    fn run(session: &mut Session, statement: &str) -> Result<(), String> {
        let file = SourceFile::new("<test>", statement.to_string());
        let span = crate::syntax::Span::new(0, statement.trim_end_matches(';').len());
        session
            .execute_statement(&file, span, None)
            .map(|_| ())
            .map_err(|f| format!("{:?}: {}", f.report.code().map(|c| c.to_string()), f.report))
    }

    fn workspace(test: &str) -> Option<(TestDatabase, String)> {
        let server = server(test)?;
        let db = TestDatabase::new(&server);
        let entry = JournalEntry { statement: "init".into(), origin: "init".into(), user: "tester".into() };
        create(&PathBuf::from(&db.url), &base_graph(), &entry).expect("creates");
        let url = db.url.clone();
        Some((db, url))
    }

    /// The conflict rule: a commit made on a graph read before someone else's commit writes
    /// nothing and names the other change.
    #[test]
    fn a_commit_on_a_stale_state_writes_nothing_and_names_the_other_change() {
        let Some((_db, url)) =
            workspace("a_commit_on_a_stale_state_writes_nothing_and_names_the_other_change")
        else {
            return;
        };
        let mut alice = session(&url);
        let mut bob_store = open(&PathBuf::from(&url)).expect("opens");
        let mut bob_graph = bob_store.load().expect("loads");
        run(&mut alice, "ATTEST c1 BY tass DENIED QUOTE 'no Russians there'").expect("alice attests");

        // Bob changes the graph he read before Alice's statement, and commits it directly.
        let savepoint = bob_graph.savepoint();
        load_files(&mut bob_graph, &[DataFile::new("bob.kg", "ATTEST c1 BY sohr QUOTE 'dozens';", None)])
            .expect("bob's statement applies in memory");
        assert!(bob_graph.changed_since(savepoint));
        let changes = bob_graph.pending_changes();
        let entry =
            JournalEntry { statement: "ATTEST c1 BY sohr;".into(), origin: "bob".into(), user: "bob".into() };
        let e = bob_store.commit(&bob_graph, &changes, &[entry]).expect_err("a stale commit is refused");
        assert_eq!(e.kind, StorageErrorKind::Changed, "{e}");
        assert!(
            e.message.contains("#2 by") && e.message.contains("ATTEST c1 BY tass"),
            "names the other change: {e}"
        );
        let journal = bob_store.journal(10).expect("journal");
        assert_eq!(journal.len(), 2, "nothing of bob's was written: {journal:?}");
    }

    /// Two sessions, one statement each, the second losing the race (the first commits while
    /// the second runs): the second runs again on the fresh state, and both changes are kept.
    #[test]
    fn a_statement_that_loses_the_race_runs_again_on_the_fresh_state() {
        let Some((_db, url)) = workspace("a_statement_that_loses_the_race_runs_again_on_the_fresh_state")
        else {
            return;
        };
        let mut alice = session(&url);
        let mut bob = session(&url);
        let mut runs = 0;
        let statement = "ATTEST c1 BY sohr QUOTE 'dozens';";
        let file = SourceFile::new("<bob>", statement.to_string());
        let span = crate::syntax::Span::new(0, statement.len() - 1);
        bob.transact("<bob>", statement, |s| {
            runs += 1;
            if runs == 1 {
                // Alice commits after Bob read the workspace and before he writes.
                run(&mut alice, "ATTEST c1 BY tass DENIED QUOTE 'no Russians there'").expect("alice attests");
            }
            s.run_statement(&file, span, None)
        })
        .expect("bob's statement is kept");
        assert_eq!(runs, 2, "bob's statement ran again on the fresh state");

        let mut store = open(&PathBuf::from(&url)).expect("opens");
        let stored = store.load().expect("loads");
        assert_eq!(
            stored.canonical_stored_state(),
            bob.graph.canonical_stored_state(),
            "bob holds what is stored"
        );
        let kg = crate::load::print::print_graph(&stored);
        assert!(kg.contains("no Russians there") && kg.contains("dozens"), "both changes are kept:\n{kg}");
        let journal: Vec<String> =
            store.journal(10).expect("journal").into_iter().map(|j| j.origin).collect();
        assert_eq!(journal, ["init", "<test>", "<bob>"]);
        // Alice sees Bob's attestation at her next statement.
        run(&mut alice, "MATCH (n) RETURN count(n)").expect("alice queries");
        assert_eq!(alice.graph.canonical_stored_state(), stored.canonical_stored_state());
    }

    /// A shell sees what others committed at its next statement, and is warned of the
    /// contradictions their statements created.
    #[test]
    fn others_statements_and_their_contradictions_show_at_the_next_statement() {
        let Some((_db, url)) =
            workspace("others_statements_and_their_contradictions_show_at_the_next_statement")
        else {
            return;
        };
        let mut alice = session(&url);
        let mut bob = session(&url);
        run(&mut bob, "CONTRADICTIONS").expect("bob looks at the contradictions");
        assert!(bob.take_notices().is_empty());
        run(&mut alice, "CLAIM (wagner)-[:PRESENT_IN {strength: ~100}]->(khusham) BY tass DENIED QUOTE 'no'")
            .expect("alice denies");
        run(&mut bob, "MATCH (n) RETURN count(n)").expect("bob queries");
        let notices = bob.take_notices();
        assert!(notices.iter().any(|n| n.contains("others' statements are now in the graph")), "{notices:?}");
        assert!(
            notices.iter().any(|n| n.starts_with("warning: ")
                && n.contains("TASS denies")
                && n.contains("from others")),
            "{notices:?}"
        );
        // A name with a line break stays on its warning's line, escaped as in a table.
        run(&mut alice, "ENTITY (forger:Organization {name: 'Forger\\nwarning: forged'})")
            .expect("alice names");
        run(&mut alice, "CLAIM (forger)-[:PRESENT_IN]->(khusham) BY reuters REPORTED").expect("alice claims");
        run(&mut alice, "CLAIM (forger)-[:PRESENT_IN]->(khusham) BY tass DENIED").expect("alice denies");
        run(&mut bob, "MATCH (n) RETURN count(n)").expect("bob queries");
        let notices = bob.take_notices();
        assert!(notices.iter().any(|n| n.contains("Forger\\nwarning: forged")), "{notices:?}");
        assert!(notices.iter().all(|n| !n.contains('\n')), "{notices:?}");
    }

    /// Who entered each attestation is the journal entry that added it, and stays so when
    /// others add to the same claim later; the entry names the role that wrote it.
    #[test]
    fn each_attestation_keeps_who_entered_it() {
        let Some(server) = server("each_attestation_keeps_who_entered_it") else { return };
        let db = TestDatabase::new(&server);
        let roles = [format!("cg_alice_{}", std::process::id()), format!("cg_bob_{}", std::process::id())];
        let mut admin = postgres::Client::connect(&db.url, postgres::NoTls).expect("connects");
        for role in &roles {
            admin
                .batch_execute(&format!("DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN"))
                .expect("creates the role");
        }
        let entry = JournalEntry { statement: "init".into(), origin: "init".into(), user: "tester".into() };
        create(&PathBuf::from(&db.url), &base_graph(), &entry).expect("creates");
        admin
            .batch_execute(&format!(
                "GRANT SELECT, INSERT, DELETE ON ALL TABLES IN SCHEMA public TO {0}, {1};",
                roles[0], roles[1]
            ))
            .expect("grants");
        let mut alice = session(&with_user(&db.url, &roles[0]));
        let mut bob = session(&with_user(&db.url, &roles[1]));
        assert_eq!(alice.user, roles[0]);
        run(&mut alice, "ATTEST c1 BY tass DENIED QUOTE 'no Russians there'").expect("alice attests");
        run(&mut bob, "ATTEST c1 BY sohr QUOTE 'dozens'").expect("bob attests");
        let rows = admin
            .query(
                r#"SELECT a.seq, j."user", coalesce(s.id, a."user") FROM attestations a JOIN claims c ON c.key = a.claim
                   JOIN journal j ON j.seq = a.journal LEFT JOIN entities s ON s.key = a.source
                   WHERE c.id = 'c1' ORDER BY a.seq"#,
                &[],
            )
            .expect("reads");
        let who: Vec<(String, String)> = rows.iter().map(|r| (r.get(1), r.get(2))).collect();
        let init_role: String =
            admin.query_one("SELECT value FROM meta WHERE key = 'created_by'", &[]).expect("meta").get(0);
        assert_eq!(
            who,
            [
                (init_role, "reuters".to_string()),
                (roles[0].clone(), "tass".to_string()),
                (roles[1].clone(), "sohr".to_string())
            ]
        );
        drop((alice, bob));
        drop(admin);
        drop(db);
        if let Ok(mut c) = postgres::Client::connect(&server, postgres::NoTls) {
            for role in &roles {
                let _ = c.batch_execute(&format!("DROP ROLE IF EXISTS {role}"));
            }
        }
    }

    /// A connection the server ends (as on a restart) fails the statement under way cleanly:
    /// an error that says so, nothing of it in memory; the next statement connects again, and
    /// the session goes on with everything that was acknowledged.
    #[test]
    fn a_lost_connection_fails_one_statement_and_the_session_goes_on() {
        let Some((db, url)) = workspace("a_lost_connection_fails_one_statement_and_the_session_goes_on")
        else {
            return;
        };
        let mut alice = session(&url);
        run(&mut alice, "ATTEST c1 BY tass DENIED QUOTE 'no Russians there'").expect("alice attests");
        let before = alice.graph.canonical_stored_state();
        let mut admin = postgres::Client::connect(&db.url, postgres::NoTls).expect("connects");
        let ended: i64 = admin
            .query_one(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
                &[],
            )
            .expect("ends the other connections")
            .get(0);
        assert!(ended >= 1, "alice's connection was ended");
        let e = run(&mut alice, "ATTEST c1 BY sohr QUOTE 'dozens'").expect_err("the statement fails");
        assert!(e.contains("claimgraph::storage::io") && e.contains("connection"), "{e}");
        assert_eq!(alice.graph.canonical_stored_state(), before, "nothing of the failed statement remains");
        run(&mut alice, "ATTEST c1 BY sohr QUOTE 'dozens, again'").expect("the next statement reconnects");
        let mut store = open(&PathBuf::from(&url)).expect("opens");
        let stored = store.load().expect("loads");
        assert_eq!(stored.canonical_stored_state(), alice.graph.canonical_stored_state());
        let kg = crate::load::print::print_graph(&stored);
        assert!(
            kg.contains("no Russians there") && kg.contains("dozens, again") && !kg.contains("'dozens'"),
            "{kg}"
        );
    }

    /// Passwords are cut from every form of URL a message may show; the rest stays.
    #[test]
    fn urls_are_shown_without_their_password() {
        for (url, shown) in [
            ("postgres://alice:pw@db:5432/inquiry", "postgres://alice@db:5432/inquiry"),
            (
                "postgresql://alice:p%40ss@db/inquiry?sslmode=disable",
                "postgresql://alice@db/inquiry?sslmode=disable",
            ),
            (
                "postgres://alice@db/inquiry?password=pw&application_name=x",
                "postgres://alice@db/inquiry?application_name=x",
            ),
            ("postgres://db/inquiry?password=pw", "postgres://db/inquiry"),
            ("postgres://alice@db/inquiry", "postgres://alice@db/inquiry"),
            ("postgres://alice:pw@db", "postgres://alice@db"),
        ] {
            assert_eq!(super::redact(url), shown, "{url}");
        }
    }
}
