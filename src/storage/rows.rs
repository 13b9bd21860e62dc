//! The workspace's tables as rows of plain cells, shared by every backend: which columns
//! each table has, which rows a statement's [`Changes`] rewrite and what they hold. A
//! backend only executes them ([`RowSink`]), so SQLite and PostgreSQL store the same rows,
//! and copying a workspace from one to the other is a copy of rows.

use std::borrow::Cow;

use super::codec;
use crate::model::{Attestation, Changes, ClaimKind, DenialTarget, Graph, ResolutionTarget, SourceRef};

/// One column's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cell<'a> {
    Null,
    Int(i64),
    Text(Cow<'a, str>),
    /// Bytes: only a document's path that is not UTF-8 (SQLite keeps it; PostgreSQL cannot).
    Bytes(Cow<'a, [u8]>),
}

fn text(s: &str) -> Cell<'_> {
    Cell::Text(Cow::Borrowed(s))
}

fn opt_text<'a>(s: Option<impl Into<Cow<'a, str>>>) -> Cell<'a> {
    s.map_or(Cell::Null, |s| Cell::Text(s.into()))
}

fn opt_int(i: Option<i64>) -> Cell<'static> {
    i.map_or(Cell::Null, Cell::Int)
}

/// A workspace table: its name and columns in the order of `CREATE TABLE`. The first column
/// is the one rows are deleted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Table {
    Meta,
    Journal,
    Entities,
    DocumentTexts,
    Claims,
    Attestations,
    Denials,
    DenialAttestations,
    Constraints,
    Resolutions,
}

const ATTESTATION_COLUMNS: &[&str] =
    &["seq", "source", "user", "via", "status", "quote", "document", "position", "date", "journal"];

impl Table {
    /// Every table, in the order a copy writes them (what a row refers to comes first).
    pub(crate) const ALL: [Table; 10] = [
        Table::Meta,
        Table::Journal,
        Table::Entities,
        Table::DocumentTexts,
        Table::Claims,
        Table::Attestations,
        Table::Denials,
        Table::DenialAttestations,
        Table::Constraints,
        Table::Resolutions,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Table::Meta => "meta",
            Table::Journal => "journal",
            Table::Entities => "entities",
            Table::DocumentTexts => "document_texts",
            Table::Claims => "claims",
            Table::Attestations => "attestations",
            Table::Denials => "denials",
            Table::DenialAttestations => "denial_attestations",
            Table::Constraints => "constraints",
            Table::Resolutions => "resolutions",
        }
    }

    /// The columns, first the owner for the two attestation tables.
    pub(crate) fn columns(self) -> Vec<&'static str> {
        let fixed: &[&str] = match self {
            Table::Meta => &["key", "value"],
            Table::Journal => &["seq", "at", "user", "host", "pid", "origin", "statement"],
            Table::Entities => &["key", "id", "labels", "properties", "via", "journal", "speaks_for"],
            Table::DocumentTexts => &["entity", "path", "verified"],
            Table::Claims => {
                &["key", "id", "subject", "type", "object", "properties", "chain_link", "journal"]
            }
            Table::Attestations => return [&["claim"], ATTESTATION_COLUMNS].concat(),
            Table::Denials => &["key", "claim", "pattern", "journal"],
            Table::DenialAttestations => return [&["denial"], ATTESTATION_COLUMNS].concat(),
            Table::Constraints => &["key", "id", "statement", "journal"],
            Table::Resolutions => &["key", "finding", "claims", "status", "reason", "journal"],
        };
        fixed.to_vec()
    }

    /// The primary key's columns: rows are read and copied in this order.
    pub(crate) fn order(self) -> &'static str {
        match self {
            Table::Attestations => "claim, seq",
            Table::DenialAttestations => "denial, seq",
            Table::Journal => "seq",
            Table::DocumentTexts => "entity",
            _ => "key",
        }
    }
}

/// Every row of every table of a workspace, table by table (what `storage::copy` carries).
pub(crate) type Dump = Vec<(Table, Vec<Vec<Cell<'static>>>)>;

/// Where a statement's rows go: a backend's open transaction.
pub(crate) trait RowSink {
    type Error;

    /// Deletes the rows of `table` whose first column is `key`.
    fn delete(&mut self, table: Table, key: i64) -> Result<(), Self::Error>;

    fn insert(&mut self, table: Table, row: &[Cell<'_>]) -> Result<(), Self::Error>;

    /// The attestation rows (without their owner) of one claim or denial as stored, in
    /// order, each with the journal entry that entered it.
    fn attestations(&mut self, table: Table, owner: i64) -> Result<Vec<Vec<Cell<'static>>>, Self::Error>;
}

/// Rewrites the rows `changes` names: deletes them all first (ids are unique, and one may
/// pass from a deleted row to a new one in the same statement), then inserts what lives.
/// `fresh`: the tables are empty (a new workspace), nothing to delete.
///
/// An attestation that was stored before, unchanged at the same place, keeps the journal
/// entry that entered it: who entered an attestation survives later changes to its claim.
pub(crate) fn write_rows<S: RowSink>(
    sink: &mut S,
    g: &Graph,
    changes: &Changes,
    seq: i64,
    fresh: bool,
) -> Result<(), S::Error> {
    let mut entered: std::collections::HashMap<(bool, i64), Vec<Vec<Cell<'static>>>> =
        std::collections::HashMap::new();
    if !fresh {
        for ix in &changes.entities {
            sink.delete(Table::Entities, ix.index() as i64)?;
            sink.delete(Table::DocumentTexts, ix.index() as i64)?;
        }
        for ix in &changes.claims {
            let key = ix.index() as i64;
            let old = sink.attestations(Table::Attestations, key)?;
            if !old.is_empty() {
                entered.insert((false, key), old);
            }
            sink.delete(Table::Claims, key)?;
            sink.delete(Table::Attestations, key)?;
        }
        for key in &changes.denials {
            let key = *key as i64;
            let old = sink.attestations(Table::DenialAttestations, key)?;
            if !old.is_empty() {
                entered.insert((true, key), old);
            }
            sink.delete(Table::Denials, key)?;
            sink.delete(Table::DenialAttestations, key)?;
        }
    }
    for ix in &changes.entities {
        let Some(e) = g.entity(*ix) else { continue };
        let labels: Vec<&str> = e.labels.iter().map(|l| g.str(*l)).collect();
        sink.insert(
            Table::Entities,
            &[
                Cell::Int(ix.index() as i64),
                text(g.str(e.id)),
                Cell::Text(serde_json::to_string(&labels).unwrap_or_default().into()),
                Cell::Text(codec::props_json(g, &e.props).into()),
                opt_text(codec::keys_json(e.via.iter().map(|v| v.index()))),
                Cell::Int(seq),
                opt_text(codec::keys_json(e.speaks_for.iter().map(|v| v.index()))),
            ],
        )?;
        if let Some(t) = g.document_text(*ix) {
            let path = match t.path.to_str() {
                Some(s) => text(s),
                None => Cell::Bytes(Cow::Borrowed(t.path.as_os_str().as_encoded_bytes())),
            };
            sink.insert(
                Table::DocumentTexts,
                &[Cell::Int(ix.index() as i64), path, Cell::Int(i64::from(t.verified))],
            )?;
        }
    }
    for ix in &changes.claims {
        let (Some(c), Some((s, o))) = (g.claim(*ix), g.endpoints(*ix)) else { continue };
        let key = ix.index() as i64;
        sink.insert(
            Table::Claims,
            &[
                Cell::Int(key),
                opt_text(c.id.map(|id| g.str(id))),
                Cell::Int(s.index() as i64),
                text(g.str(c.rel_type)),
                Cell::Int(o.index() as i64),
                Cell::Text(codec::props_json(g, &c.props).into()),
                Cell::Int(i64::from(c.kind == ClaimKind::ChainLink)),
                Cell::Int(seq),
            ],
        )?;
        let old = entered.get(&(false, key));
        for (i, a) in c.attestations.iter().enumerate() {
            let row = attestation_row(g, key, i, a, seq, old.and_then(|o| o.get(i)));
            sink.insert(Table::Attestations, &row)?;
        }
    }
    for key in &changes.denials {
        let Some(d) = g.denial_by_key(*key) else { continue };
        let (claim, pattern) = match &d.target {
            DenialTarget::Claim(c) => (Some(c.index() as i64), None),
            DenialTarget::Class { pattern, conditions } => {
                (None, Some(crate::load::print::rel_pattern(g, pattern, conditions).to_string()))
            }
        };
        let key = *key as i64;
        sink.insert(Table::Denials, &[Cell::Int(key), opt_int(claim), opt_text(pattern), Cell::Int(seq)])?;
        let old = entered.get(&(true, key));
        for (i, a) in d.attestations.iter().enumerate() {
            let row = attestation_row(g, key, i, a, seq, old.and_then(|o| o.get(i)));
            sink.insert(Table::DenialAttestations, &row)?;
        }
    }
    for i in changes.constraints.clone() {
        let Some(c) = g.constraints().get(i) else { continue };
        let statement = crate::load::print::constraint_text(g, c);
        sink.insert(
            Table::Constraints,
            &[Cell::Int(i as i64), text(g.str(c.id)), Cell::Text(statement.into()), Cell::Int(seq)],
        )?;
    }
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
        sink.insert(
            Table::Resolutions,
            &[
                Cell::Int(i as i64),
                opt_text(finding),
                opt_text(claims),
                text(r.status.as_str()),
                text(&r.reason),
                Cell::Int(seq),
            ],
        )?;
    }
    Ok(())
}

/// An attestation's row: `owner, seq, source, user, via, status, quote, document, position,
/// date, journal`. `journal` is `seq`, the entry writing it, unless `stored` (the row that
/// was at its place, without its owner) held the same attestation: then the entry that
/// entered it first.
fn attestation_row<'g>(
    g: &'g Graph,
    owner: i64,
    i: usize,
    a: &'g Attestation,
    seq: i64,
    stored: Option<&Vec<Cell<'static>>>,
) -> Vec<Cell<'g>> {
    let (source, user) = match a.source {
        SourceRef::Entity(e) => (Some(e.index() as i64), None),
        SourceRef::User(u) => (None, Some(g.str(u))),
    };
    let mut row = vec![
        Cell::Int(owner),
        Cell::Int(i as i64),
        opt_int(source),
        opt_text(user),
        opt_text(codec::keys_json(a.via.iter().map(|v| v.index()))),
        text(a.status.as_str()),
        opt_text(a.quote.as_deref()),
        opt_int(a.document.map(|d| d.index() as i64)),
        opt_text(a.position.as_deref()),
        opt_text(a.date.as_ref().map(|d| d.to_string())),
    ];
    let journal = match stored {
        Some(old) if old.len() == row.len() && old[..old.len() - 1] == row[1..] => {
            old.last().cloned().unwrap_or(Cell::Int(seq))
        }
        _ => Cell::Int(seq),
    };
    row.push(journal);
    row
}

/// Every row of a graph, as [`Changes`].
pub(crate) fn everything(g: &Graph) -> Changes {
    Changes {
        entities: g.entities().collect(),
        claims: g.claims().collect(),
        denials: g.denials_with_keys().map(|(k, _)| k).collect(),
        constraints: 0..g.constraints().len(),
        resolutions: 0..g.resolutions().len(),
    }
}
