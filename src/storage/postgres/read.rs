//! Reading a shared workspace back into a graph: one `REPEATABLE READ, READ ONLY`
//! transaction (a snapshot, while others write), rows in key order, built by the builder
//! the SQLite reader uses.

use std::collections::HashMap;

use postgres::Client;

use crate::model::{Attestation, DocumentText, Graph};
use crate::storage::codec;
use crate::storage::restore::{
    self, build, Batch, RawAttestations, RawClaim, RawDenial, RawEntity, RawResolution, BATCH,
};

pub(super) enum ReadError {
    Sql(postgres::Error),
    Row(String),
}

impl From<postgres::Error> for ReadError {
    fn from(e: postgres::Error) -> Self {
        ReadError::Sql(e)
    }
}

impl From<String> for ReadError {
    fn from(e: String) -> Self {
        ReadError::Row(e)
    }
}

const ATTESTATION: &str = r#"source, "user", via, status, quote, document, position, date"#;

fn attestation(r: &postgres::Row, at: usize) -> Result<(crate::model::Attestation, Option<String>), String> {
    restore::attestation(
        r.get(at),
        r.get(at + 1),
        r.get(at + 2),
        r.get(at + 3),
        r.get(at + 4),
        r.get(at + 5),
        r.get(at + 6),
        r.get(at + 7),
    )
}

/// The attestations of the claim or denial `key`, from rows `(owner, attestation...)`
/// in owner order (rows of owners before `key` that no longer exist are passed over),
/// gathered in `read` (see [`RawAttestations::gathered`]).
fn owned_by<'r>(
    rows: &mut std::iter::Peekable<impl Iterator<Item = &'r postgres::Row>>,
    key: i64,
    read: &mut Vec<(Attestation, Option<String>)>,
) -> Result<RawAttestations, String> {
    while let Some(a) = rows.peek() {
        let owner: i64 = a.get(0);
        if owner > key {
            break;
        }
        if owner == key {
            read.push(attestation(a, 1)?);
        }
        rows.next();
    }
    Ok(RawAttestations::gathered(read))
}

/// The graph as of one snapshot, and the journal entry it is at.
pub(super) fn load(client: &mut Client) -> Result<(Graph, i64), ReadError> {
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let (sender, receiver) = std::sync::mpsc::channel::<Batch>();
    let send = |b: Batch| {
        // The receiver lives until `build` below.
        let _ = sender.send(b);
    };
    let bounds = tx.query_one(
        "SELECT coalesce((SELECT max(key) + 1 FROM entities), 0), coalesce((SELECT max(key) + 1 FROM claims), 0),
                coalesce((SELECT max(seq) FROM journal), 0)",
        &[],
    )?;
    let seq: i64 = bounds.get(2);
    send(Batch::Sizes {
        entities: bounds.get::<_, i64>(0) as usize,
        claims: bounds.get::<_, i64>(1) as usize,
    });

    let mut batch = Vec::with_capacity(BATCH);
    for r in
        tx.query("SELECT key, id, labels, properties, via, speaks_for FROM entities ORDER BY key", &[])?
    {
        let labels: Vec<String> =
            serde_json::from_str(r.get::<_, &str>(2)).map_err(|e| format!("labels: {e}"))?;
        batch.push(RawEntity {
            key: r.get::<_, i64>(0) as usize,
            id: r.get(1),
            labels,
            props: codec::props_values(r.get(3))?,
            via: codec::keys_from_json(r.get(4))?,
            speaks_for: codec::keys_from_json(r.get(5))?,
        });
        if batch.len() == BATCH {
            send(Batch::Entities(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))));
        }
    }
    send(Batch::Entities(batch));

    let atts =
        tx.query(&format!("SELECT claim, {ATTESTATION} FROM attestations ORDER BY claim, seq"), &[])?;
    let mut atts = atts.iter().peekable();
    let mut types: HashMap<String, u32> = HashMap::new();
    let mut new_types = Vec::new();
    let mut batch = Vec::with_capacity(BATCH);
    let mut read = Vec::new();
    for r in tx.query(
        "SELECT key, id, subject, type, object, properties, chain_link FROM claims ORDER BY key",
        &[],
    )? {
        let key: i64 = r.get(0);
        let attestations = owned_by(&mut atts, key, &mut read)?;
        let t: String = r.get(3);
        let rel_type = match types.get(&t) {
            Some(i) => *i,
            None => {
                let i = types.len() as u32;
                types.insert(t.clone(), i);
                new_types.push(t);
                i
            }
        };
        batch.push(RawClaim {
            key: key as usize,
            id: r.get(1),
            subject: r.get::<_, i64>(2) as usize,
            rel_type,
            object: r.get::<_, i64>(4) as usize,
            props: codec::props_values(r.get(5))?,
            chain_link: r.get::<_, i64>(6) != 0,
            attestations,
        });
        if batch.len() == BATCH {
            let rows = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            send(Batch::Claims { rows, new_types: std::mem::take(&mut new_types) });
        }
    }
    send(Batch::Claims { rows: batch, new_types });

    let mut texts = Vec::new();
    for r in tx.query("SELECT entity, path, verified FROM document_texts ORDER BY entity", &[])? {
        let path = std::path::PathBuf::from(r.get::<_, String>(1));
        texts.push((r.get::<_, i64>(0) as usize, DocumentText { path, verified: r.get::<_, i64>(2) != 0 }));
    }
    let datts = tx
        .query(&format!("SELECT denial, {ATTESTATION} FROM denial_attestations ORDER BY denial, seq"), &[])?;
    let mut datts = datts.iter().peekable();
    let mut denials = Vec::new();
    for r in tx.query("SELECT key, claim, pattern FROM denials ORDER BY key", &[])? {
        let key: i64 = r.get(0);
        let attestations = owned_by(&mut datts, key, &mut read)?;
        denials.push(RawDenial {
            key: key as u64,
            claim: r.get::<_, Option<i64>>(1).map(|c| c as usize),
            pattern: r.get(2),
            attestations,
        });
    }
    let constraints: Vec<String> =
        tx.query("SELECT statement FROM constraints ORDER BY key", &[])?.iter().map(|r| r.get(0)).collect();
    let mut resolutions = Vec::new();
    for r in tx.query("SELECT finding, claims, status, reason FROM resolutions ORDER BY key", &[])? {
        resolutions.push(RawResolution {
            finding: r.get(0),
            claims: codec::keys_from_json(r.get(1))?,
            status: r.get(2),
            reason: r.get(3),
        });
    }
    tx.commit()?;
    send(Batch::Rest { texts, denials, constraints, resolutions, seq });
    drop(sender);
    match build(vec![receiver])? {
        Some((graph, seq)) => Ok((graph, seq)),
        None => Err(ReadError::Row("the snapshot was inconsistent".into())),
    }
}
