//! The runtime value of the query engine: what expressions evaluate to while a query runs.
//!
//! This module owns the [`Value`] enum and its conversions:
//! - from and to [`model::Value`] (reading properties, and writing them with `SET`),
//! - to the detached [`QueryValue`] a query returns (graph elements are resolved against the
//!   [`Graph`] so the result needs nothing else to be shown),
//! - from [`QueryValue`] (query parameters).
//!
//! Graph elements are held as petgraph indexes, not copies: a `MATCH` binds thousands of
//! them and most are only compared or followed, so they are resolved only when returned.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use petgraph::stable_graph::{EdgeIndex, NodeIndex};

use super::error::{type_error, ErrorDetail, EvalResult};
use crate::model::result::{NodeValue, PathValue, QueryValue, RelValue};
use crate::model::{self, Attestation, ClaimIx, DateValue, EntityIx, Graph, SourceRef, Temporal, Uncertain};

/// Query parameters (`$name`): values given from outside, as results carry them.
pub type Params = BTreeMap<String, QueryValue>;

/// A value during query execution.
///
/// The derived `PartialEq` is structural (NaN ≠ NaN, `1 ≠ 1.0`) and meant for tests; query
/// semantics use [`super::ops::equals`] (`=`), [`super::ops::group_key`] (DISTINCT) and
/// [`super::ops::order_cmp`] (ORDER BY).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Shared so that copying rows (which happens at every clause) does not copy text.
    String(Arc<str>),
    List(Vec<Value>),
    Map(BTreeMap<String, Value>),
    /// An uncertain number (`~100`, `<12`, `65..200`): our extension.
    Uncertain(Uncertain),
    /// A date with precision (`@2018-02`): openCypher's DATE when of day precision.
    Date(DateValue),
    /// openCypher's other temporal values: times, date-times, durations. Never a
    /// day-precision date (see [`Value::from_temporal`]).
    Temporal(Temporal),
    Node(EntityIx),
    Relationship(ClaimIx),
    /// `nodes.len() == rels.len() + 1`; `rels[i]` joins `nodes[i]` and `nodes[i + 1]`.
    Path {
        nodes: Vec<EntityIx>,
        rels: Vec<ClaimIx>,
    },
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Float(x)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(Arc::from(s))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(Arc::from(s))
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::List(items)
    }
}

impl From<Option<bool>> for Value {
    /// Three-valued logic: `None` is null.
    fn from(b: Option<bool>) -> Self {
        b.map_or(Value::Null, Value::Bool)
    }
}

impl Value {
    /// A computed temporal value: a day-precision date becomes a claimgraph date, so that
    /// `date('2018-02-07')` and `@2018-02-07` are one value.
    pub(crate) fn from_temporal(t: Temporal) -> Value {
        match t.to_date_value() {
            Some(d) => Value::Date(d),
            None => Value::Temporal(t),
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The type name used in error messages (openCypher's names where they exist).
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "Null",
            Value::Bool(_) => "Boolean",
            Value::Int(_) => "Integer",
            Value::Float(_) => "Float",
            Value::String(_) => "String",
            Value::List(_) => "List",
            Value::Map(_) => "Map",
            Value::Uncertain(_) => "Uncertain",
            Value::Date(_) => "Date",
            Value::Temporal(t) => t.kind().name(),
            Value::Node(_) => "Node",
            Value::Relationship(_) => "Relationship",
            Value::Path { .. } => "Path",
        }
    }

    /// Reads a stored property.
    pub(crate) fn from_model(v: &model::Value) -> Value {
        match v {
            model::Value::Null => Value::Null,
            model::Value::Bool(b) => Value::Bool(*b),
            model::Value::Int(i) => Value::Int(*i),
            model::Value::Float(x) => Value::Float(*x),
            model::Value::String(s) => Value::from(s.as_str()),
            model::Value::List(items) => Value::List(items.iter().map(Value::from_model).collect()),
            model::Value::Map(m) => {
                Value::Map(m.iter().map(|(k, v)| (k.clone(), Value::from_model(v))).collect())
            }
            model::Value::Uncertain(u) => Value::Uncertain(*u),
            model::Value::Date(d) => Value::Date(*d),
            model::Value::Temporal(t) => Value::Temporal(t.clone()),
        }
    }

    /// Converts for storing as a property (`SET n.p = v`, `CREATE (n {p: v})`).
    ///
    /// Graph elements cannot be stored: a property holding a node would be a hidden edge
    /// that no index and no contradiction check knows about. `Null` converts to `Null`,
    /// which the graph treats as "remove the property".
    pub(crate) fn to_model(&self) -> EvalResult<model::Value> {
        Ok(match self {
            Value::Null => model::Value::Null,
            Value::Bool(b) => model::Value::Bool(*b),
            Value::Int(i) => model::Value::Int(*i),
            Value::Float(x) => model::Value::Float(*x),
            Value::String(s) => model::Value::String(s.to_string()),
            Value::List(items) => {
                model::Value::List(items.iter().map(Value::to_model).collect::<EvalResult<_>>()?)
            }
            Value::Map(m) => model::Value::Map(
                m.iter().map(|(k, v)| Ok((k.clone(), v.to_model()?))).collect::<EvalResult<_>>()?,
            ),
            Value::Uncertain(u) => model::Value::Uncertain(*u),
            Value::Date(d) => model::Value::Date(*d),
            Value::Temporal(t) => model::Value::Temporal(t.clone()),
            Value::Node(_) | Value::Relationship(_) | Value::Path { .. } => {
                return Err(type_error(
                    ErrorDetail::InvalidPropertyType,
                    format!("a {} cannot be stored as a property value", self.type_name()),
                ))
            }
        })
    }

    /// The detached form a query returns.
    pub(crate) fn to_result(&self, graph: &Graph) -> QueryValue {
        match self {
            Value::Null => QueryValue::Null,
            Value::Bool(b) => QueryValue::Bool(*b),
            Value::Int(i) => QueryValue::Int(*i),
            Value::Float(x) => QueryValue::Float(*x),
            Value::String(s) => QueryValue::String(s.to_string()),
            Value::List(items) => QueryValue::List(items.iter().map(|v| v.to_result(graph)).collect()),
            Value::Map(m) => {
                QueryValue::Map(m.iter().map(|(k, v)| (k.clone(), v.to_result(graph))).collect())
            }
            Value::Uncertain(u) => QueryValue::Uncertain(*u),
            Value::Date(d) => QueryValue::Date(*d),
            Value::Temporal(t) => QueryValue::Temporal(t.clone()),
            Value::Node(ix) => QueryValue::Node(Box::new(node_result(graph, *ix))),
            Value::Relationship(ix) => QueryValue::Relationship(Box::new(rel_result(graph, *ix))),
            Value::Path { nodes, rels } => QueryValue::Path(PathValue {
                nodes: nodes.iter().map(|n| node_result(graph, *n)).collect(),
                rels: rels.iter().map(|r| rel_result(graph, *r)).collect(),
            }),
        }
    }

    /// Reads a query parameter. Nodes and relationships passed back in are re-attached by
    /// their internal id (`id(n)`), which is what the detached form carries.
    pub(crate) fn from_query_value(v: &QueryValue) -> Value {
        match v {
            QueryValue::Null => Value::Null,
            QueryValue::Bool(b) => Value::Bool(*b),
            QueryValue::Int(i) => Value::Int(*i),
            QueryValue::Float(x) => Value::Float(*x),
            QueryValue::String(s) => Value::from(s.as_str()),
            QueryValue::List(items) => Value::List(items.iter().map(Value::from_query_value).collect()),
            QueryValue::Map(m) => {
                Value::Map(m.iter().map(|(k, v)| (k.clone(), Value::from_query_value(v))).collect())
            }
            QueryValue::Uncertain(u) => Value::Uncertain(*u),
            QueryValue::Date(d) => Value::Date(*d),
            QueryValue::Temporal(t) => Value::from_temporal(t.clone()),
            QueryValue::Node(n) => Value::Node(entity_ix(n.id)),
            QueryValue::Relationship(r) => Value::Relationship(claim_ix(r.id)),
            QueryValue::Path(p) => Value::Path {
                nodes: p.nodes.iter().map(|n| entity_ix(n.id)).collect(),
                rels: p.rels.iter().map(|r| claim_ix(r.id)).collect(),
            },
        }
    }
}

/// An id beyond `u32` cannot name an entity; it maps to an index that never exists, so
/// lookups fail softly instead of wrapping around to a real entity.
fn entity_ix(id: u64) -> EntityIx {
    NodeIndex::new(u32::try_from(id).unwrap_or(u32::MAX) as usize)
}

fn claim_ix(id: u64) -> ClaimIx {
    EdgeIndex::new(u32::try_from(id).unwrap_or(u32::MAX) as usize)
}

/// The internal id `id(n)` returns.
pub(crate) fn entity_id_number(ix: EntityIx) -> i64 {
    ix.index() as i64
}

pub(crate) fn claim_id_number(ix: ClaimIx) -> i64 {
    ix.index() as i64
}

/// The properties of an entity as runtime values (empty when it no longer exists).
pub(crate) fn entity_props(graph: &Graph, ix: EntityIx) -> BTreeMap<String, Value> {
    graph
        .entity(ix)
        .map(|e| e.props.iter().map(|(k, v)| (graph.str(*k).to_string(), Value::from_model(v))).collect())
        .unwrap_or_default()
}

/// The properties of a claim as runtime values (empty when it no longer exists).
pub(crate) fn claim_props(graph: &Graph, ix: ClaimIx) -> BTreeMap<String, Value> {
    graph
        .claim(ix)
        .map(|c| c.props.iter().map(|(k, v)| (graph.str(*k).to_string(), Value::from_model(v))).collect())
        .unwrap_or_default()
}

/// The labels of an entity, in the order they were given.
pub(crate) fn entity_labels(graph: &Graph, ix: EntityIx) -> Vec<String> {
    graph.entity(ix).map(|e| e.labels.iter().map(|l| graph.str(*l).to_string()).collect()).unwrap_or_default()
}

/// How an attestation's source is named: the source entity's stable id, or the user's name
/// for statements typed in a session.
pub(crate) fn source_name(graph: &Graph, source: SourceRef) -> String {
    match source {
        SourceRef::Entity(ix) => graph.entity_id(ix).to_string(),
        SourceRef::User(sym) => graph.str(sym).to_string(),
    }
}

/// One attestation as a map: `source`, `via` (always a list), `status`, and `quote`,
/// `document`, `position`, `date` (as written) and `when` (that date resolved against the
/// document's `published` date, or the `published` date itself) only when known. Missing keys read as null anyway, and
/// leaving them out keeps printed results short.
pub(crate) fn attestation_value(graph: &Graph, att: &Attestation) -> Value {
    attestation_fields(graph, att, &ATTESTATION_KEYS)
}

/// Every key an attestation's map may hold ([`attestation_value`]).
pub(crate) const ATTESTATION_KEYS: [&str; 9] =
    ["source", "via", "status", "quote", "document", "position", "date", "when", "verified"];

/// An attestation's map with only `keys` of [`attestation_value`]'s (those that are known):
/// for a list whose items are only read by key, so the rest are not written per row.
pub(crate) fn attestation_fields<K: AsRef<str>>(graph: &Graph, att: &Attestation, keys: &[K]) -> Value {
    let mut m = BTreeMap::new();
    for key in keys {
        let key = key.as_ref();
        if let Some(v) = attestation_field(graph, att, key) {
            m.insert(key.to_string(), v);
        }
    }
    Value::Map(m)
}

/// One key of an attestation's map, `None` when the attestation has no value for it.
fn attestation_field(graph: &Graph, att: &Attestation, key: &str) -> Option<Value> {
    Some(match key {
        "source" => Value::from(source_name(graph, att.source)),
        "via" => Value::List(att.via.iter().map(|v| Value::from(graph.entity_id(*v))).collect()),
        "status" => Value::from(att.status.as_str()),
        "quote" => Value::from(&**att.quote.as_ref()?),
        "document" => Value::from(graph.entity_id(att.document?)),
        "position" => Value::from(&**att.position.as_ref()?),
        "date" => Value::from_model(att.date.as_ref()?),
        "when" => Value::from_model(&graph.attestation_when(att)?),
        // Whether the quote was checked against its document's text when loaded.
        "verified" => Value::Bool(att.quote.is_some() && graph.quote_verified(att.document)),
        _ => return None,
    })
}

/// Every denial of a claim as maps: its own DENIED attestations, then the attestations of
/// each `DENY` that covers it (with `denies`: the claim id or the pattern denied).
pub(crate) fn claim_denials(graph: &Graph, ix: ClaimIx) -> Vec<Value> {
    let Some(claim) = graph.claim(ix) else { return Vec::new() };
    let mut out: Vec<Value> = claim
        .attestations
        .iter()
        .filter(|a| a.status == model::Status::Denied)
        .map(|a| attestation_value(graph, a))
        .collect();
    for d in graph.denials().iter().filter(|d| d.covers(graph, ix)) {
        for a in &d.attestations {
            let mut v = attestation_value(graph, a);
            if let Value::Map(m) = &mut v {
                m.insert("status".to_string(), Value::from(model::Status::Denied.as_str()));
                m.insert("denies".to_string(), Value::from(d.target_text(graph)));
            }
            out.push(v);
        }
    }
    out
}

/// All attestations of a claim as maps (empty when it no longer exists).
pub(crate) fn claim_attestations(graph: &Graph, ix: ClaimIx) -> Vec<Value> {
    graph
        .claim(ix)
        .map(|c| c.attestations.iter().map(|a| attestation_value(graph, a)).collect())
        .unwrap_or_default()
}

fn detach_map(graph: &Graph, m: BTreeMap<String, Value>) -> BTreeMap<String, QueryValue> {
    m.into_iter().map(|(k, v)| (k, v.to_result(graph))).collect()
}

fn node_result(graph: &Graph, ix: EntityIx) -> NodeValue {
    NodeValue {
        id: ix.index() as u64,
        key: graph.entity_id(ix).to_string(),
        labels: entity_labels(graph, ix),
        props: detach_map(graph, entity_props(graph, ix)),
    }
}

fn rel_result(graph: &Graph, ix: ClaimIx) -> RelValue {
    let claim = graph.claim(ix);
    let (start, end) =
        graph.endpoints(ix).map_or((u64::MAX, u64::MAX), |(s, e)| (s.index() as u64, e.index() as u64));
    RelValue {
        id: ix.index() as u64,
        key: claim.and_then(|c| c.id).map(|s| graph.str(s).to_string()),
        rel_type: claim.map(|c| graph.str(c.rel_type).to_string()).unwrap_or_default(),
        start,
        end,
        props: detach_map(graph, claim_props(graph, ix)),
        attestations: claim_attestations(graph, ix)
            .into_iter()
            .filter_map(|a| match a.to_result(graph) {
                QueryValue::Map(m) => Some(m),
                _ => None,
            })
            .collect(),
        contested: Vec::new(),
    }
}

/// A compact rendering for messages and `toString` of lists/maps: openCypher literal style.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => model::value::write_float(f, *x),
            Value::String(s) => model::value::write_string_literal(f, s),
            Value::List(items) => model::value::write_list(f, items),
            Value::Map(m) => model::value::write_map(f, m),
            Value::Uncertain(u) => write!(f, "{u}"),
            Value::Date(d) => write!(f, "{d}"),
            Value::Temporal(t) => write!(f, "@{t}"),
            Value::Node(ix) => write!(f, "(#{})", ix.index()),
            Value::Relationship(ix) => write!(f, "[#{}]", ix.index()),
            Value::Path { nodes, rels } => {
                for (i, n) in nodes.iter().enumerate() {
                    if i > 0 {
                        if let Some(r) = rels.get(i - 1) {
                            write!(f, "-[#{}]-", r.index())?;
                        }
                    }
                    write!(f, "(#{})", n.index())?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{Claim, ClaimKind, Number, PartialDate, Status};

    // Short constructors for the value layer's tests.
    pub(crate) fn s(x: &str) -> Value {
        Value::from(x)
    }
    pub(crate) fn i(x: i64) -> Value {
        Value::Int(x)
    }
    pub(crate) fn f(x: f64) -> Value {
        Value::Float(x)
    }
    pub(crate) fn l(items: Vec<Value>) -> Value {
        Value::List(items)
    }
    pub(crate) const N: Value = Value::Null;

    /// A small graph: reuters, a doctor quoted via reuters, wagner, battle, and one claim
    /// `wagner -[:FOUGHT_IN]-> battle` attested by the doctor (via reuters) and by reuters.
    pub(crate) fn sample_graph() -> (Graph, Vec<EntityIx>, ClaimIx) {
        let mut g = Graph::new();
        let name = g.intern("name");
        let agency = g.intern("NewsAgency");
        let person = g.intern("Person");
        let org = g.intern("Organization");
        let reuters = g
            .add_entity(Some("reuters"), vec![agency], vec![(name, model::Value::String("Reuters".into()))])
            .unwrap();
        let doctor = g.add_entity(Some("doctor"), vec![person], vec![]).unwrap();
        g.set_via(doctor, vec![reuters]).unwrap();
        let wagner = g
            .add_entity(Some("wagner"), vec![org], vec![(name, model::Value::String("Wagner".into()))])
            .unwrap();
        let battle = g.add_entity(Some("battle"), vec![], vec![]).unwrap();
        let fought = g.intern("FOUGHT_IN");
        let killed = g.intern("killed");
        let c1 = g.intern("c1");
        let mut a1 = Attestation::new(SourceRef::Entity(doctor), Status::Reported);
        a1.via = vec![reuters];
        a1.quote = Some("about 100 killed".into());
        a1.date =
            Some(model::Value::Date(DateValue::Absolute(PartialDate::new(2018, Some(2), None).unwrap())));
        let a2 = Attestation::new(SourceRef::Entity(reuters), Status::Asserted);
        let claim = Claim {
            id: Some(c1),
            rel_type: fought,
            props: vec![(killed, model::Value::Uncertain(Uncertain::Approx(Number::Int(100))))],
            attestations: vec![a1, a2],
            kind: ClaimKind::Stated,
        };
        let c = g.add_claim(wagner, battle, claim).unwrap();
        (g, vec![reuters, doctor, wagner, battle], c)
    }

    #[test]
    fn model_values_round_trip() {
        let cases = vec![
            model::Value::Null,
            model::Value::Bool(true),
            model::Value::Int(-3),
            model::Value::Float(2.5),
            model::Value::String("x".into()),
            model::Value::List(vec![model::Value::Int(1), model::Value::String("a".into())]),
            model::Value::Map([("k".to_string(), model::Value::Int(1))].into_iter().collect()),
            model::Value::Uncertain(Uncertain::Between(Number::Int(65), Number::Int(200))),
        ];
        for v in cases {
            assert_eq!(Value::from_model(&v).to_model().unwrap(), v);
        }
    }

    #[test]
    fn graph_elements_are_not_properties() {
        let (_, nodes, c) = sample_graph();
        for v in [
            Value::Node(nodes[0]),
            Value::Relationship(c),
            Value::List(vec![Value::Node(nodes[0])]),
            Value::Path { nodes: vec![nodes[0]], rels: vec![] },
        ] {
            let err = v.to_model().unwrap_err();
            assert_eq!((err.class.as_str(), err.detail.as_str()), ("TypeError", "InvalidPropertyType"));
        }
    }

    #[test]
    fn nodes_and_relationships_detach_with_provenance() {
        let (g, nodes, c) = sample_graph();
        let QueryValue::Node(n) = Value::Node(nodes[2]).to_result(&g) else { panic!() };
        assert_eq!(n.key, "wagner");
        assert_eq!(n.labels, vec!["Organization".to_string()]);
        assert_eq!(n.props.get("name"), Some(&QueryValue::String("Wagner".into())));

        let QueryValue::Relationship(r) = Value::Relationship(c).to_result(&g) else { panic!() };
        assert_eq!(r.key.as_deref(), Some("c1"));
        assert_eq!(r.rel_type, "FOUGHT_IN");
        assert_eq!((r.start, r.end), (nodes[2].index() as u64, nodes[3].index() as u64));
        assert_eq!(r.attestations.len(), 2);
        let a = &r.attestations[0];
        assert_eq!(a.get("source"), Some(&QueryValue::String("doctor".into())));
        assert_eq!(a.get("via"), Some(&QueryValue::List(vec![QueryValue::String("reuters".into())])));
        assert_eq!(a.get("status"), Some(&QueryValue::String("reported".into())));
        assert_eq!(a.get("quote"), Some(&QueryValue::String("about 100 killed".into())));
        assert!(!a.contains_key("document"));
        assert!(!r.attestations[1].contains_key("quote"));
    }

    #[test]
    fn parameters_reattach_by_id() {
        let (g, nodes, c) = sample_graph();
        for v in [
            Value::Node(nodes[1]),
            Value::Relationship(c),
            Value::Path { nodes: vec![nodes[2], nodes[3]], rels: vec![c] },
            Value::List(vec![Value::Int(1), Value::from("a"), Value::Null]),
        ] {
            assert_eq!(Value::from_query_value(&v.to_result(&g)), v);
        }
        // An id no entity can have does not wrap around to a real one.
        let bogus = QueryValue::Node(Box::new(NodeValue {
            id: u64::MAX,
            key: String::new(),
            labels: vec![],
            props: BTreeMap::new(),
        }));
        let Value::Node(ix) = Value::from_query_value(&bogus) else { panic!() };
        assert!(g.entity(ix).is_none());
    }

    #[test]
    fn deleted_elements_detach_without_panicking() {
        let (mut g, nodes, c) = sample_graph();
        g.remove_claim(c).unwrap();
        let QueryValue::Relationship(r) = Value::Relationship(c).to_result(&g) else { panic!() };
        assert!(r.attestations.is_empty());
        g.remove_entity(nodes[0], true).unwrap();
        let QueryValue::Node(n) = Value::Node(nodes[0]).to_result(&g) else { panic!() };
        assert!(n.labels.is_empty());
    }

    #[test]
    fn display_is_literal_like() {
        let v = Value::List(vec![Value::Int(1), Value::Float(2.0), Value::from("it's"), Value::Null]);
        assert_eq!(v.to_string(), "[1, 2.0, 'it\\'s', null]");
    }
}
