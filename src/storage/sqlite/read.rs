//! Reading a workspace back into a graph, fast.
//!
//! Opening a large workspace is SQLite stepping through rows and decoding them, and building
//! the graph (interning, petgraph, indexes). Two readers, each on its own connection and in
//! its own read transaction, decode half of the claims each (the first one the entities too,
//! the second one what follows the claims) and hand rows over in batches; the caller's thread
//! builds. Every commit appends to the journal, so two readers that saw the same last journal
//! entry read the same state (else the load starts again).

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::{err, Kind, SqliteStore};
use crate::model::{Attestation, DocumentText, Graph};
use crate::storage::codec;
use crate::storage::restore::{
    self, build, Batch, RawAttestations, RawClaim, RawDenial, RawEntity, RawResolution, BATCH,
};
use crate::storage::StorageError;

/// The value of a decoding step, or (from a function returning
/// `rusqlite::Result<Result<_, String>>`) its error as a value: SQLite's errors and the
/// workspace's undecodable rows stay apart.
macro_rules! decoded {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        }
    };
}

type Sender = std::sync::mpsc::SyncSender<Batch>;

/// How many batches a reader decodes ahead of the builder. The second reader waits while
/// the builder takes the first half: unbounded, it decoded its whole half meanwhile, and
/// that half waited in memory (52 MiB of the peak opening the 1M workspace). One in unit
/// tests: their workspaces are small, and every reader then waits on the builder as a
/// large workspace's do.
const READ_AHEAD: usize = if cfg!(test) { 1 } else { 16 };

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
    let bound = |table: &str| -> rusqlite::Result<usize> {
        conn.query_row(&format!("SELECT coalesce(max(key) + 1, 0) FROM {table}"), [], |r| r.get::<_, i64>(0))
            .map(|n| n as usize)
    };
    let (entities, claims) = (bound("entities")?, bound("claims")?);
    decoded!(send(tx, Batch::Sizes { entities, claims }));
    // A version 1 file that no writer has migrated yet has no `speaks_for` column.
    let sql = if schema_version(conn)? >= 2 {
        "SELECT key, id, labels, properties, via, speaks_for FROM entities ORDER BY key"
    } else {
        "SELECT key, id, labels, properties, via, NULL FROM entities ORDER BY key"
    };
    let mut stmt = conn.prepare(sql)?;
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
            speaks_for: decoded!(codec::keys_from_json(r.get_ref(5)?.as_str_or_null()?)),
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
    let mut read = Vec::new();
    while let Some(r) = rows.next()? {
        let key = r.get::<_, i64>(0)? as usize;
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
                    read.push(pending.take().expect("pending attestation").1);
                }
                _ => break,
            }
        }
        let attestations = RawAttestations::gathered(&mut read);
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

fn schema_version(conn: &Connection) -> rusqlite::Result<i32> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

fn read_rest(conn: &Connection, tx: &Sender, seq: i64) -> rusqlite::Result<Result<(), String>> {
    let mut texts = Vec::new();
    if schema_version(conn)? >= 2 {
        let mut stmt = conn.prepare("SELECT entity, path, verified FROM document_texts ORDER BY entity")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let path = decoded!(codec::path_from_column(r.get_ref(1)?));
            texts.push((r.get::<_, i64>(0)? as usize, DocumentText { path, verified: r.get(2)? }));
        }
    }
    let mut denials = Vec::new();
    let mut stmt = conn.prepare("SELECT key, claim, pattern FROM denials ORDER BY key")?;
    let mut atts = conn.prepare(
        "SELECT denial, source, user, via, status, quote, document, position, date
         FROM denial_attestations WHERE denial = ?1 ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut read = Vec::new();
    while let Some(r) = rows.next()? {
        let key: i64 = r.get(0)?;
        let mut arows = atts.query([key])?;
        while let Some(a) = arows.next()? {
            read.push(decoded!(raw_attestation(a)?));
        }
        let attestations = RawAttestations::gathered(&mut read);
        denials.push(RawDenial {
            key: key as u64,
            claim: r.get::<_, Option<i64>>(1)?.map(|c| c as usize),
            pattern: r.get(2)?,
            attestations,
        });
    }
    let mut stmt = conn.prepare("SELECT statement FROM constraints ORDER BY key")?;
    let mut constraints = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
    if schema_version(conn)? < 2 {
        // Read as the migration to version 2 will write them.
        for c in &mut constraints {
            if let Some(new) = super::without_tolerance(c) {
                *c = new;
            }
        }
    }
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
    Ok(send(tx, Batch::Rest { texts, denials, constraints, resolutions, seq }))
}

/// An attestation row (`owner, source, user, via, status, quote, document, position, date`).
fn raw_attestation(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<(Attestation, Option<String>), String>> {
    Ok(restore::attestation(
        r.get(1)?,
        r.get(2)?,
        r.get_ref(3)?.as_str_or_null()?,
        r.get_ref(4)?.as_str()?,
        r.get_ref(5)?.as_str_or_null()?,
        r.get(6)?,
        r.get_ref(7)?.as_str_or_null()?,
        r.get_ref(8)?.as_str_or_null()?,
    ))
}

impl SqliteStore {
    pub(super) fn load_in_transaction(&mut self) -> Result<Graph, StorageError> {
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
                    let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(READ_AHEAD);
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
