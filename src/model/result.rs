//! Values as statements return them (query rows, `CONTRADICTIONS` rows): detached from the
//! graph, so formatters, JSON output and the TCK runner need nothing else to show them. They
//! live in the model because both the query engine and the contradiction engine produce them.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use crate::model::value::{write_float, write_key, write_list, write_map, write_string_literal};
use crate::model::{DateValue, Temporal, Uncertain, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum QueryValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    List(Vec<QueryValue>),
    Map(BTreeMap<String, QueryValue>),
    /// An uncertain number (`~100`), printed as written.
    Uncertain(Uncertain),
    Date(DateValue),
    /// A time, date-time or duration; printed in its string form after `@`.
    Temporal(Temporal),
    Node(Box<NodeValue>),
    Relationship(Box<RelValue>),
    Path(PathValue),
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeValue {
    /// The internal id `id(n)` returns.
    pub id: u64,
    /// The entity's stable id (`wagner`).
    pub key: String,
    pub labels: Vec<String>,
    pub props: BTreeMap<String, QueryValue>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RelValue {
    pub id: u64,
    /// The claim id, when the claim was named.
    pub key: Option<String>,
    pub rel_type: String,
    pub start: u64,
    pub end: u64,
    pub props: BTreeMap<String, QueryValue>,
    /// One map per attestation: source, via, status, quote, document, position, date.
    pub attestations: Vec<BTreeMap<String, QueryValue>>,
    /// Ids of the open contradiction findings this claim is on a side of; filled in by the
    /// session after a query (empty when nobody asked).
    pub contested: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PathValue {
    /// `nodes.len() == rels.len() + 1`; `rels[i]` joins `nodes[i]` and `nodes[i + 1]`.
    pub nodes: Vec<NodeValue>,
    pub rels: Vec<RelValue>,
}

/// A stored value as a result value (query parameters given as literals).
impl From<Value> for QueryValue {
    fn from(v: Value) -> Self {
        match v {
            Value::Null => QueryValue::Null,
            Value::Bool(b) => QueryValue::Bool(b),
            Value::Int(i) => QueryValue::Int(i),
            Value::Float(x) => QueryValue::Float(x),
            Value::String(s) => QueryValue::String(s),
            Value::List(items) => QueryValue::List(items.into_iter().map(QueryValue::from).collect()),
            Value::Map(m) => QueryValue::Map(m.into_iter().map(|(k, v)| (k, QueryValue::from(v))).collect()),
            Value::Uncertain(u) => QueryValue::Uncertain(u),
            Value::Date(d) => QueryValue::Date(d),
            Value::Temporal(t) => QueryValue::Temporal(t),
        }
    }
}

/// A value in the language's literal syntax, as the user wrote it (`~100`, `@2018-02`,
/// `(wagner:Organization {name: 'Wagner'})`), through the model's one literal printer.
impl fmt::Display for QueryValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryValue::Null => f.write_str("null"),
            QueryValue::Bool(b) => write!(f, "{b}"),
            QueryValue::Int(i) => write!(f, "{i}"),
            QueryValue::Float(x) => write_float(f, *x),
            QueryValue::String(s) => write_string_literal(f, s),
            QueryValue::List(items) => write_list(f, items),
            QueryValue::Map(m) => write_map(f, m),
            QueryValue::Uncertain(u) => write!(f, "{u}"),
            QueryValue::Date(d) => write!(f, "{d}"),
            QueryValue::Temporal(t) => write!(f, "@{t}"),
            QueryValue::Node(n) => write!(f, "{n}"),
            QueryValue::Relationship(r) => write!(f, "{r}"),
            QueryValue::Path(p) => write!(f, "{p}"),
        }
    }
}

/// `(key:Label {props})`.
impl fmt::Display for NodeValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('(')?;
        write_key(f, &self.key)?;
        for l in &self.labels {
            f.write_char(':')?;
            write_key(f, l)?;
        }
        if !self.props.is_empty() {
            f.write_char(' ')?;
            write_map(f, &self.props)?;
        }
        f.write_char(')')
    }
}

/// `[key:TYPE {props}]`, marked when contested.
impl fmt::Display for RelValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('[')?;
        if let Some(k) = &self.key {
            write_key(f, k)?;
        }
        f.write_char(':')?;
        write_key(f, &self.rel_type)?;
        if !self.props.is_empty() {
            f.write_char(' ')?;
            write_map(f, &self.props)?;
        }
        f.write_char(']')?;
        // Contested claims are marked wherever a relationship prints, so no format hides them.
        if !self.contested.is_empty() {
            write!(f, " ⚠contested({})", self.contested.join(", "))?;
        }
        Ok(())
    }
}

/// Nodes joined by their relationships, each pointing the way it runs.
impl fmt::Display for PathValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, node) in self.nodes.iter().enumerate() {
            write!(f, "{node}")?;
            if let Some(rel) = self.rels.get(i) {
                if rel.start == node.id {
                    write!(f, "-{rel}->")?;
                } else {
                    write!(f, "<-{rel}-")?;
                }
            }
        }
        Ok(())
    }
}
