//! What every interchange export writes, read once from the graph: entities with their kind,
//! stated claims with a stable key, their attestations as plain text (source, chain,
//! status, quote, document, position, date), and which claims the contradiction engine
//! contests. The exporters (`kuzu`, `neo4j`, `graphml`, `rdf`, `ftm`, `table`) differ only
//! in how they write this down.

use std::collections::{BTreeMap, HashSet};

use crate::load::{DOCUMENT_LABEL, SOURCE_LABEL};
use crate::model::{Attestation, Claim, ClaimIx, ClaimKind, EntityIx, Graph, SourceRef, Value};

/// An entity's kind, as the JSON export names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Entity,
    Source,
    Document,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Entity => "entity",
            Kind::Source => "source",
            Kind::Document => "document",
        }
    }
}

pub(crate) struct EntityView<'g> {
    pub id: &'g str,
    pub kind: Kind,
    /// Labels as declared, without the `Source`/`Document` the kind implies.
    pub labels: Vec<&'g str>,
    /// The display name: `name` when it is a string, else the id.
    pub name: &'g str,
    pub props: Vec<(&'g str, &'g Value)>,
    /// A source's default attribution chain, nearest relay first.
    pub via: Vec<&'g str>,
}

/// Who stands behind an attestation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Speaker<'g> {
    /// A declared source (or document), by id.
    Source(&'g str),
    /// A person at the keyboard (`BY USER 'alice'`), by name.
    User(&'g str),
}

pub(crate) struct AttestationView<'g> {
    pub speaker: Speaker<'g>,
    /// The full chain, nearest relay first.
    pub via: Vec<&'g str>,
    pub status: &'static str,
    pub quote: Option<&'g str>,
    pub document: Option<&'g str>,
    pub position: Option<&'g str>,
    /// The date as written (`@2018-02-07`, `@-4months`).
    pub date: Option<String>,
}

impl AttestationView<'_> {
    /// The source id, or the user's name.
    pub fn speaker_text(&self) -> &str {
        match self.speaker {
            Speaker::Source(s) | Speaker::User(s) => s,
        }
    }
}

/// A finding of the contradiction engine that contests a claim.
pub(crate) struct Contest {
    pub finding: String,
    pub kind: &'static str,
    pub severity: &'static str,
}

pub(crate) struct ClaimView<'g> {
    /// The claim id when it was named, else `c-` and a hash of what the claim says, so the
    /// same data exports under the same keys.
    pub key: String,
    pub subject: &'g str,
    pub object: &'g str,
    pub rel_type: &'g str,
    pub props: Vec<(&'g str, &'g Value)>,
    pub attestations: Vec<AttestationView<'g>>,
    /// The open findings this claim is on a side of, in the engine's order.
    pub contests: Vec<Contest>,
}

impl ClaimView<'_> {
    /// The strongest status (asserted > reported > … > denied), as `status(r)` answers.
    pub fn strongest_status(&self) -> &'static str {
        self.attestations.iter().map(|a| status_rank(a.status)).min().map_or("asserted", |i| STATUS_ORDER[i])
    }

    /// Source ids in attestation order, each once (users by name).
    pub fn sources(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for a in &self.attestations {
            let s = a.speaker_text();
            if !out.contains(&s) {
                out.push(s);
            }
        }
        out
    }
}

const STATUS_ORDER: [&str; 6] = ["asserted", "reported", "believed", "alleged", "unconfirmed", "denied"];

fn status_rank(s: &str) -> usize {
    STATUS_ORDER.iter().position(|x| *x == s).unwrap_or(STATUS_ORDER.len() - 1)
}

/// The graph as the exporters see it.
pub(crate) struct GraphView<'g> {
    pub entities: Vec<EntityView<'g>>,
    pub claims: Vec<ClaimView<'g>>,
}

impl<'g> GraphView<'g> {
    pub fn new(graph: &'g Graph) -> Self {
        let entities = graph.entities().filter_map(|ix| entity_view(graph, ix)).collect();
        let mut contests: BTreeMap<ClaimIx, Vec<Contest>> = BTreeMap::new();
        for f in crate::check::check(graph).iter().filter(|f| f.is_open()) {
            let mut seen = HashSet::new();
            for c in f.claims().filter(|c| seen.insert(*c)) {
                contests.entry(c).or_default().push(Contest {
                    finding: f.id.clone(),
                    kind: f.kind.as_str(),
                    severity: f.severity.as_str(),
                });
            }
        }
        let mut keys = HashSet::new();
        let mut claims = Vec::new();
        for ix in graph.claims() {
            let Some(claim) = graph.claim(ix) else { continue };
            if claim.kind == ClaimKind::ChainLink {
                continue;
            }
            let Some((s, o)) = graph.endpoints(ix) else { continue };
            let mut view = claim_view(graph, claim, s, o);
            // Two unnamed claims can say the same thing (CREATE twice): number the repeats.
            let base = view.key.clone();
            let mut n = 1;
            while !keys.insert(view.key.clone()) {
                n += 1;
                view.key = format!("{base}-{n}");
            }
            view.contests = contests.remove(&ix).unwrap_or_default();
            claims.push(view);
        }
        GraphView { entities, claims }
    }
}

pub(crate) fn kind_of(graph: &Graph, ix: EntityIx) -> Kind {
    let has = |label: &str| graph.sym(label).is_some_and(|l| graph.has_label(ix, l));
    if has(DOCUMENT_LABEL) {
        Kind::Document
    } else if has(SOURCE_LABEL) {
        Kind::Source
    } else {
        Kind::Entity
    }
}

fn entity_view(graph: &Graph, ix: EntityIx) -> Option<EntityView<'_>> {
    let e = graph.entity(ix)?;
    let kind = kind_of(graph, ix);
    let implied = match kind {
        Kind::Document => graph.sym(DOCUMENT_LABEL),
        Kind::Source => graph.sym(SOURCE_LABEL),
        Kind::Entity => None,
    };
    Some(EntityView {
        id: graph.str(e.id),
        kind,
        labels: e.labels.iter().filter(|l| Some(**l) != implied).map(|l| graph.str(*l)).collect(),
        name: graph.display_name(ix),
        props: e.props.iter().map(|(k, v)| (graph.str(*k), v)).collect(),
        via: e.via.iter().map(|v| graph.entity_id(*v)).collect(),
    })
}

fn claim_view<'g>(graph: &'g Graph, claim: &'g Claim, s: EntityIx, o: EntityIx) -> ClaimView<'g> {
    let subject = graph.entity_id(s);
    let object = graph.entity_id(o);
    let rel_type = graph.str(claim.rel_type);
    let props: Vec<(&str, &Value)> = claim.props.iter().map(|(k, v)| (graph.str(*k), v)).collect();
    let key = match claim.id {
        Some(id) => graph.str(id).to_string(),
        None => {
            let mut text = format!("{subject}\u{0}{rel_type}\u{0}{object}");
            for (k, v) in &props {
                text.push_str(&format!("\u{0}{k}={v}"));
            }
            format!("c-{:010x}", crate::check::fnv1a(&text) >> 24)
        }
    };
    ClaimView {
        key,
        subject,
        object,
        rel_type,
        props,
        attestations: claim.attestations.iter().map(|a| attestation_view(graph, a)).collect(),
        contests: Vec::new(),
    }
}

fn attestation_view<'g>(graph: &'g Graph, a: &'g Attestation) -> AttestationView<'g> {
    AttestationView {
        speaker: match a.source {
            SourceRef::Entity(ix) => Speaker::Source(graph.entity_id(ix)),
            SourceRef::User(u) => Speaker::User(graph.str(u)),
        },
        via: a.via.iter().map(|v| graph.entity_id(*v)).collect(),
        status: a.status.as_str(),
        quote: a.quote.as_deref(),
        document: a.document.map(|d| graph.entity_id(d)),
        position: a.position.as_deref(),
        date: a.date.as_ref().map(|d| d.to_string()),
    }
}

/// A value as text: strings as they are, everything else in the language's literal syntax
/// (`~100`, `@2018-02`, `[1, 2]`). For columns that hold one text per value.
pub(crate) fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The lossless JSON of a property map (the JSON export's value encoding).
pub(crate) fn props_json(props: &[(&str, &Value)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> =
        props.iter().map(|(k, v)| (k.to_string(), crate::load::json::value_json(v))).collect();
    serde_json::Value::Object(map).to_string()
}

/// Attestations as one JSON array (the JSON export's attestation objects), for formats
/// that hold one text per claim.
pub(crate) fn attestations_json(atts: &[AttestationView<'_>]) -> String {
    let items: Vec<serde_json::Value> = atts
        .iter()
        .map(|a| {
            let mut m = serde_json::Map::new();
            match a.speaker {
                Speaker::Source(s) => m.insert("source".into(), s.into()),
                Speaker::User(u) => m.insert("user".into(), u.into()),
            };
            m.insert("via".into(), a.via.clone().into());
            m.insert("status".into(), a.status.into());
            m.insert("quote".into(), a.quote.into());
            m.insert("document".into(), a.document.into());
            m.insert("position".into(), a.position.into());
            m.insert("date".into(), a.date.clone().into());
            serde_json::Value::Object(m)
        })
        .collect();
    serde_json::Value::Array(items).to_string()
}

/// The column type a set of values fits, for typed tables (Kùzu, neo4j-admin).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnType {
    Int,
    Float,
    Bool,
    /// Text: strings as they are, other values as written.
    Text,
}

impl ColumnType {
    /// The narrowest type that holds every value (`None` for no values).
    pub fn of<'v>(values: impl IntoIterator<Item = &'v Value>) -> ColumnType {
        let mut t: Option<ColumnType> = None;
        for v in values {
            let this = match v {
                Value::Int(_) => ColumnType::Int,
                Value::Float(x) if x.is_finite() => ColumnType::Float,
                Value::Bool(_) => ColumnType::Bool,
                _ => ColumnType::Text,
            };
            t = Some(match (t, this) {
                (None, x) => x,
                (Some(a), b) if a == b => a,
                (Some(ColumnType::Int), ColumnType::Float) | (Some(ColumnType::Float), ColumnType::Int) => {
                    ColumnType::Float
                }
                _ => ColumnType::Text,
            });
        }
        t.unwrap_or(ColumnType::Text)
    }

    /// A value in a column of this type.
    pub fn cell(self, v: &Value) -> String {
        match (self, v) {
            (ColumnType::Float, Value::Int(i)) => (*i as f64).to_string(),
            (ColumnType::Float, Value::Float(x)) => x.to_string(),
            (_, v) => value_text(v),
        }
    }
}

/// Property keys of a set of property lists, in first-seen order, with the type each fits;
/// keys that clash (case-insensitively) with `reserved` or with each other are left to the
/// lossless JSON column.
pub(crate) fn typed_columns<'g>(
    rows: impl Iterator<Item = &'g [(&'g str, &'g Value)]>,
    reserved: &[&str],
) -> Vec<(&'g str, ColumnType)> {
    let mut order: Vec<&str> = Vec::new();
    let mut values: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for props in rows {
        for (k, v) in props {
            if !values.contains_key(k) {
                order.push(k);
            }
            values.entry(k).or_default().push(v);
        }
    }
    let mut lower_seen: BTreeMap<String, usize> = BTreeMap::new();
    for k in &order {
        *lower_seen.entry(k.to_lowercase()).or_default() += 1;
    }
    order
        .into_iter()
        .filter(|k| {
            let plain = k.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            plain
                && lower_seen.get(&k.to_lowercase()) == Some(&1)
                && !reserved.iter().any(|r| r.eq_ignore_ascii_case(k))
        })
        .map(|k| (k, ColumnType::of(values[k].iter().copied())))
        .collect()
}

/// Writes a CSV file (RFC 4180 quoting by the `csv` crate) with a header row.
pub(crate) fn write_csv(
    path: &std::path::Path,
    header: &[&str],
    rows: &[Vec<String>],
) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(std::fs::File::create(path)?));
    w.write_record(header)?;
    for r in rows {
        w.write_record(r)?;
    }
    w.flush()
}

impl ClaimView<'_> {
    /// The gravest severity of the findings that contest the claim (`""` when none).
    pub fn severity(&self) -> &'static str {
        ["violation", "warning", "suggestion"]
            .into_iter()
            .find(|s| self.contests.iter().any(|f| f.severity == *s))
            .unwrap_or("")
    }

    /// The kinds of finding that contest the claim, each once, comma-separated.
    pub fn contradiction_kinds(&self) -> String {
        let mut kinds: Vec<&str> = Vec::new();
        for f in &self.contests {
            if !kinds.contains(&f.kind) {
                kinds.push(f.kind);
            }
        }
        kinds.join(", ")
    }
}

/// An attestation as a node of the property-graph exports (Kùzu, Neo4j, the Cypher
/// script), with the id `KEY#N` its links start from.
pub(crate) struct AttestationNode<'v, 'g> {
    pub id: String,
    pub claim: &'v ClaimView<'g>,
    /// 1 for a claim's first attestation.
    pub ordinal: usize,
    pub attestation: &'v AttestationView<'g>,
}

impl AttestationNode<'_, '_> {
    /// `source` or `user`.
    pub fn speaker_kind(&self) -> &'static str {
        match self.attestation.speaker {
            Speaker::Source(_) => "source",
            Speaker::User(_) => "user",
        }
    }

    /// The source entity a `BY` link points at (none for a user).
    pub fn source(&self) -> Option<&str> {
        match self.attestation.speaker {
            Speaker::Source(s) => Some(s),
            Speaker::User(_) => None,
        }
    }

    /// The columns both CSV exports write: id, claim, ordinal, speaker, speaker_kind,
    /// status, quote, document, position, date (absent values empty).
    pub fn columns(&self) -> Vec<String> {
        let a = self.attestation;
        vec![
            self.id.clone(),
            self.claim.key.clone(),
            self.ordinal.to_string(),
            a.speaker_text().to_string(),
            self.speaker_kind().to_string(),
            a.status.to_string(),
            a.quote.unwrap_or("").to_string(),
            a.document.unwrap_or("").to_string(),
            a.position.unwrap_or("").to_string(),
            a.date.clone().unwrap_or_default(),
        ]
    }

    /// `(attestation, relay, hop)` for each relay of the chain, nearest first (hop 1).
    pub fn via_links(&self) -> impl Iterator<Item = (&str, &str, usize)> + '_ {
        self.attestation.via.iter().enumerate().map(|(hop, relay)| (self.id.as_str(), *relay, hop + 1))
    }
}

/// What the property-graph exports write on a claim before its own properties (which
/// cannot take these names): Kùzu's `Claim` columns in this order.
pub(crate) const CLAIM_FIELDS: [&str; 9] = [
    "key",
    "type",
    "status",
    "sources",
    "contested",
    "contradiction",
    "findings",
    "properties",
    "attestations",
];

/// The header of [`AttestationNode::columns`].
pub(crate) const ATTESTATION_COLUMNS: [&str; 10] =
    ["id", "claim", "ordinal", "speaker", "speaker_kind", "status", "quote", "document", "position", "date"];

impl<'g> GraphView<'g> {
    /// Every attestation of every claim, in claim order.
    pub fn attestation_nodes(&self) -> Vec<AttestationNode<'_, 'g>> {
        let mut out = Vec::new();
        for c in &self.claims {
            for (n, a) in c.attestations.iter().enumerate() {
                out.push(AttestationNode {
                    id: format!("{}#{}", c.key, n + 1),
                    claim: c,
                    ordinal: n + 1,
                    attestation: a,
                });
            }
        }
        out
    }
}
