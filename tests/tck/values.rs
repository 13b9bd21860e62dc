//! TCK values: parsing the TCK's value notation (grammar/tck_values.pest) into a normalized,
//! comparable form, converting the engine's [`QueryValue`]s and the model's stored
//! [`Value`]s into the same form, and comparing the two the way the TCK does.
//!
//! Shared by the `tck` test target and its unit tests in `tck_values`; each target uses a
//! different subset, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use claimgraph::model::{DateValue, Value};
use claimgraph::query::{NodeValue, QueryValue, RelValue};
use pest::iterators::Pair;
use pest::Parser;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/tck_values.pest"]
struct TckValueParser;

/// A node as the TCK sees it: identity does not matter, labels are a set.
#[derive(Debug, Clone, PartialEq)]
pub struct TNode {
    pub labels: BTreeSet<String>,
    pub props: BTreeMap<String, TVal>,
}

/// A relationship as the TCK sees it: type and properties, no identity or endpoints.
#[derive(Debug, Clone, PartialEq)]
pub struct TRel {
    pub rel_type: String,
    pub props: BTreeMap<String, TVal>,
}

/// One hop of a path: the relationship, whether it points along the path, and the node
/// reached. `forward` is `None` for a self-loop, whose direction cannot be observed.
#[derive(Debug, Clone, PartialEq)]
pub struct TStep {
    pub forward: Option<bool>,
    pub rel: TRel,
    pub node: TNode,
}

/// The normalized value both sides of a comparison are turned into.
#[derive(Debug, Clone, PartialEq)]
pub enum TVal {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<TVal>),
    Map(BTreeMap<String, TVal>),
    Node(TNode),
    Rel(TRel),
    Path {
        start: TNode,
        steps: Vec<TStep>,
    },
    /// A claimgraph value the TCK has no notation for (uncertain numbers, dates): shown in
    /// failure reports, never equal to an expected value.
    Other(String),
}

// ---- parsing ----------------------------------------------------------------------------

/// Undoes Gherkin's table-cell escapes (`\\` → `\`, `\|` → `|`, `\n` → newline). The
/// `gherkin` crate hands cells over raw; the TCK writes cells for a standard Gherkin reader
/// (see Literals6 [5]: "backslashes are an escape character for vertical bar").
pub fn unescape_cell(cell: &str) -> String {
    let mut out = String::with_capacity(cell.len());
    let mut chars = cell.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('|') => out.push('|'),
            Some('n') => out.push('\n'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Parses one table cell (already cell-unescaped) in TCK value notation.
pub fn parse_value(text: &str) -> Result<TVal, String> {
    let mut pairs =
        TckValueParser::parse(Rule::cell, text).map_err(|e| format!("bad TCK value {text:?}: {e}"))?;
    let cell = pairs.next().ok_or_else(|| format!("bad TCK value {text:?}"))?;
    let value = cell
        .into_inner()
        .find(|p| p.as_rule() != Rule::EOI)
        .ok_or_else(|| format!("empty TCK value {text:?}"))?;
    build(value)
}

/// Parses a raw Gherkin cell: cell escapes first, then value notation.
pub fn parse_cell(raw: &str) -> Result<TVal, String> {
    parse_value(&unescape_cell(raw))
}

fn build(pair: Pair<'_, Rule>) -> Result<TVal, String> {
    let text = pair.as_str();
    Ok(match pair.as_rule() {
        Rule::null => TVal::Null,
        Rule::boolean => TVal::Bool(text == "true"),
        Rule::nan => TVal::Float(f64::NAN),
        Rule::inf => TVal::Float(if text.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY }),
        Rule::float => TVal::Float(text.parse().map_err(|e| format!("bad float {text}: {e}"))?),
        Rule::integer => TVal::Int(text.parse().map_err(|e| format!("bad integer {text}: {e}"))?),
        Rule::string => TVal::Str(unescape_string(&text[1..text.len() - 1])?),
        Rule::list => TVal::List(pair.into_inner().map(build).collect::<Result<_, _>>()?),
        Rule::map => TVal::Map(build_map(pair)?),
        Rule::node => TVal::Node(build_node(pair)?),
        Rule::relationship => TVal::Rel(build_rel(pair)?),
        Rule::path => build_path(pair)?,
        other => return Err(format!("unexpected {other:?} in TCK value {text:?}")),
    })
}

fn build_name(pair: Pair<'_, Rule>) -> String {
    // name = plain_name | quoted_name(quoted_inner)
    let inner = pair.into_inner().next();
    match inner {
        Some(p) if p.as_rule() == Rule::quoted_name => {
            p.into_inner().next().map(|q| q.as_str().replace("``", "`")).unwrap_or_default()
        }
        Some(p) => p.as_str().to_string(),
        None => String::new(),
    }
}

fn build_map(pair: Pair<'_, Rule>) -> Result<BTreeMap<String, TVal>, String> {
    let mut map = BTreeMap::new();
    for entry in pair.into_inner() {
        let mut parts = entry.into_inner();
        let (Some(key), Some(value)) = (parts.next(), parts.next()) else {
            return Err("malformed map entry".into());
        };
        map.insert(build_name(key), build(value)?);
    }
    Ok(map)
}

fn label_name(pair: Pair<'_, Rule>) -> String {
    pair.into_inner().next().map(build_name).unwrap_or_default()
}

fn build_node(pair: Pair<'_, Rule>) -> Result<TNode, String> {
    let mut node = TNode { labels: BTreeSet::new(), props: BTreeMap::new() };
    for part in pair.into_inner() {
        match part.as_rule() {
            Rule::label => {
                node.labels.insert(label_name(part));
            }
            Rule::map => node.props = build_map(part)?,
            other => return Err(format!("unexpected {other:?} in node")),
        }
    }
    Ok(node)
}

fn build_rel(pair: Pair<'_, Rule>) -> Result<TRel, String> {
    let mut rel = TRel { rel_type: String::new(), props: BTreeMap::new() };
    for part in pair.into_inner() {
        match part.as_rule() {
            Rule::label => rel.rel_type = label_name(part),
            Rule::map => rel.props = build_map(part)?,
            other => return Err(format!("unexpected {other:?} in relationship")),
        }
    }
    Ok(rel)
}

fn build_path(pair: Pair<'_, Rule>) -> Result<TVal, String> {
    let mut parts = pair.into_inner();
    let start = build_node(parts.next().ok_or("path without a start node")?)?;
    let mut steps = Vec::new();
    for step in parts {
        let forward = step.as_rule() == Rule::outgoing_step;
        let mut inner = step.into_inner();
        let (Some(rel), Some(node)) = (inner.next(), inner.next()) else {
            return Err("malformed path step".into());
        };
        steps.push(TStep { forward: Some(forward), rel: build_rel(rel)?, node: build_node(node)? });
    }
    Ok(TVal::Path { start, steps })
}

/// Undoes Cypher string-literal escapes inside a TCK string (quotes already stripped), the
/// way the query language's own string literals are decoded.
pub fn unescape_string(s: &str) -> Result<String, String> {
    claimgraph::syntax::unescape(&format!("'{s}'"), claimgraph::syntax::Span::default())
        .map_err(|e| e.message)
}

// ---- conversions ------------------------------------------------------------------------

fn props_of(props: &BTreeMap<String, QueryValue>) -> BTreeMap<String, TVal> {
    props.iter().map(|(k, v)| (k.clone(), from_query(v))).collect()
}

fn node_of(n: &NodeValue) -> TNode {
    TNode { labels: n.labels.iter().cloned().collect(), props: props_of(&n.props) }
}

fn rel_of(r: &RelValue) -> TRel {
    TRel { rel_type: r.rel_type.clone(), props: props_of(&r.props) }
}

/// The normalized form of a value the engine returned.
pub fn from_query(v: &QueryValue) -> TVal {
    match v {
        QueryValue::Null => TVal::Null,
        QueryValue::Bool(b) => TVal::Bool(*b),
        QueryValue::Int(i) => TVal::Int(*i),
        QueryValue::Float(f) => TVal::Float(*f),
        QueryValue::String(s) => TVal::Str(s.clone()),
        QueryValue::List(items) => TVal::List(items.iter().map(from_query).collect()),
        QueryValue::Map(m) => TVal::Map(props_of(m)),
        QueryValue::Uncertain(u) => TVal::Other(format!("{u:?}")),
        // The TCK writes temporal results as their ISO string (`'1910-05-06'`, see
        // WithOrderBy1 [11]), so an absolute date compares as that string. Relative dates
        // have no TCK counterpart.
        QueryValue::Date(DateValue::Absolute(d)) => TVal::Str(d.to_string()),
        QueryValue::Date(d) => TVal::Other(format!("{d}")),
        QueryValue::Temporal(t) => TVal::Str(t.to_string()),
        QueryValue::Node(n) => TVal::Node(node_of(n)),
        QueryValue::Relationship(r) => TVal::Rel(rel_of(r)),
        QueryValue::Path(p) => {
            let Some(first) = p.nodes.first() else {
                return TVal::Other("<empty path>".into());
            };
            let steps = p
                .rels
                .iter()
                .zip(p.nodes.iter().skip(1))
                .zip(p.nodes.iter())
                .map(|((r, next), prev)| {
                    let forward =
                        if r.start == r.end { None } else { Some(r.start == prev.id && r.end == next.id) };
                    TStep { forward, rel: rel_of(r), node: node_of(next) }
                })
                .collect();
            TVal::Path { start: node_of(first), steps }
        }
    }
}

/// The normalized form of a property value stored in the model (for side-effect diffs).
pub fn from_model(v: &Value) -> TVal {
    match v {
        Value::Null => TVal::Null,
        Value::Bool(b) => TVal::Bool(*b),
        Value::Int(i) => TVal::Int(*i),
        Value::Float(f) => TVal::Float(*f),
        Value::String(s) => TVal::Str(s.clone()),
        Value::List(items) => TVal::List(items.iter().map(from_model).collect()),
        Value::Map(m) => TVal::Map(m.iter().map(|(k, v)| (k.clone(), from_model(v))).collect()),
        Value::Uncertain(u) => TVal::Other(format!("{u:?}")),
        // Kept apart from strings so that replacing a string by a date is a side effect.
        Value::Date(d) => TVal::Other(format!("date {d}")),
        Value::Temporal(t) => TVal::Other(format!("temporal {t}")),
    }
}

/// The engine-side value of a `parameters are:` entry.
pub fn to_query(v: &TVal) -> Result<QueryValue, String> {
    Ok(match v {
        TVal::Null => QueryValue::Null,
        TVal::Bool(b) => QueryValue::Bool(*b),
        TVal::Int(i) => QueryValue::Int(*i),
        TVal::Float(f) => QueryValue::Float(*f),
        TVal::Str(s) => QueryValue::String(s.clone()),
        TVal::List(items) => QueryValue::List(items.iter().map(to_query).collect::<Result<_, _>>()?),
        TVal::Map(m) => QueryValue::Map(
            m.iter().map(|(k, v)| Ok((k.clone(), to_query(v)?))).collect::<Result<_, String>>()?,
        ),
        other => return Err(format!("a parameter cannot be a graph element: {other}")),
    })
}

// ---- comparison -------------------------------------------------------------------------

/// Float equality for result comparison. The TCK writes floats with enough digits to
/// round-trip, so engines agreeing bit-for-bit is the norm; a relative tolerance of 1e-12
/// only forgives last-digit differences from a different (but correct) order of
/// floating-point operations, e.g. in `avg` or `stDev`. NaN equals NaN (TCK `NaN` cells).
pub fn float_eq(a: f64, b: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    if a == b {
        return true;
    }
    if a.is_infinite() || b.is_infinite() {
        return false;
    }
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

fn maps_match(e: &BTreeMap<String, TVal>, a: &BTreeMap<String, TVal>, unordered: bool) -> bool {
    e.len() == a.len() && e.iter().all(|(k, ev)| a.get(k).is_some_and(|av| values_match(ev, av, unordered)))
}

fn nodes_match(e: &TNode, a: &TNode, unordered: bool) -> bool {
    e.labels == a.labels && maps_match(&e.props, &a.props, unordered)
}

fn rels_match(e: &TRel, a: &TRel, unordered: bool) -> bool {
    e.rel_type == a.rel_type && maps_match(&e.props, &a.props, unordered)
}

/// Whether an actual value matches an expected one. Types are strict (`1` ≠ `1.0`), as in
/// the TCK. With `unordered_lists` ("ignoring element order for lists"), lists at any depth
/// compare as multisets.
pub fn values_match(expected: &TVal, actual: &TVal, unordered_lists: bool) -> bool {
    use TVal::*;
    match (expected, actual) {
        (Null, Null) => true,
        (Bool(x), Bool(y)) => x == y,
        (Int(x), Int(y)) => x == y,
        (Float(x), Float(y)) => float_eq(*x, *y),
        (Str(x), Str(y)) => x == y,
        (List(xs), List(ys)) => {
            if unordered_lists {
                multiset_match(xs, ys, |x, y| values_match(x, y, true))
            } else {
                xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| values_match(x, y, false))
            }
        }
        (Map(x), Map(y)) => maps_match(x, y, unordered_lists),
        (Node(x), Node(y)) => nodes_match(x, y, unordered_lists),
        (Rel(x), Rel(y)) => rels_match(x, y, unordered_lists),
        (Path { start: s1, steps: t1 }, Path { start: s2, steps: t2 }) => {
            nodes_match(s1, s2, unordered_lists)
                && t1.len() == t2.len()
                && t1.iter().zip(t2).all(|(x, y)| {
                    let dir_ok = match (x.forward, y.forward) {
                        (Some(a), Some(b)) => a == b,
                        _ => true,
                    };
                    dir_ok
                        && rels_match(&x.rel, &y.rel, unordered_lists)
                        && nodes_match(&x.node, &y.node, unordered_lists)
                })
        }
        _ => false,
    }
}

/// Whether two sequences are equal as multisets under `eq`. Greedy matching: each expected
/// item takes the first unused actual item it matches. `eq` is an equivalence up to float
/// tolerance, so greedy choice cannot strand a later item in practice.
pub fn multiset_match<T>(expected: &[T], actual: &[T], eq: impl Fn(&T, &T) -> bool) -> bool {
    if expected.len() != actual.len() {
        return false;
    }
    let mut used = vec![false; actual.len()];
    expected.iter().all(|e| {
        let hit = actual.iter().enumerate().find(|(i, a)| !used[*i] && eq(e, a)).map(|(i, _)| i);
        match hit {
            Some(i) => {
                used[i] = true;
                true
            }
            None => false,
        }
    })
}

/// Compares result rows: as multisets for "in any order", as sequences for "in order".
pub fn rows_match(
    expected: &[Vec<TVal>],
    actual: &[Vec<TVal>],
    ordered: bool,
    unordered_lists: bool,
) -> bool {
    let row_eq = |e: &Vec<TVal>, a: &Vec<TVal>| {
        e.len() == a.len() && e.iter().zip(a).all(|(x, y)| values_match(x, y, unordered_lists))
    };
    if ordered {
        expected.len() == actual.len() && expected.iter().zip(actual).all(|(e, a)| row_eq(e, a))
    } else {
        multiset_match(expected, actual, row_eq)
    }
}

// ---- display (TCK notation, for failure reports) ----------------------------------------

fn write_name(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        write!(f, "{name}")
    } else {
        write!(f, "`{}`", name.replace('`', "``"))
    }
}

fn write_props(f: &mut fmt::Formatter<'_>, props: &BTreeMap<String, TVal>) -> fmt::Result {
    write!(f, "{{")?;
    for (i, (k, v)) in props.iter().enumerate() {
        if i > 0 {
            write!(f, ", ")?;
        }
        write_name(f, k)?;
        write!(f, ": {v}")?;
    }
    write!(f, "}}")
}

impl fmt::Display for TNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(")?;
        for l in &self.labels {
            write!(f, ":")?;
            write_name(f, l)?;
        }
        if !self.props.is_empty() {
            if !self.labels.is_empty() {
                write!(f, " ")?;
            }
            write_props(f, &self.props)?;
        }
        write!(f, ")")
    }
}

impl fmt::Display for TRel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[:")?;
        write_name(f, &self.rel_type)?;
        if !self.props.is_empty() {
            write!(f, " ")?;
            write_props(f, &self.props)?;
        }
        write!(f, "]")
    }
}

impl fmt::Display for TVal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TVal::Null => write!(f, "null"),
            TVal::Bool(b) => write!(f, "{b}"),
            TVal::Int(i) => write!(f, "{i}"),
            TVal::Float(x) if x.is_nan() => write!(f, "NaN"),
            TVal::Float(x) if x.is_infinite() => {
                write!(f, "{}", if *x > 0.0 { "Inf" } else { "-Inf" })
            }
            // `{:?}` is the shortest round-tripping form and always shows a `.` or exponent.
            TVal::Float(x) => write!(f, "{x:?}"),
            TVal::Str(s) => {
                write!(f, "'")?;
                for c in s.chars() {
                    match c {
                        '\'' => write!(f, "\\'")?,
                        '\\' => write!(f, "\\\\")?,
                        '\n' => write!(f, "\\n")?,
                        '\t' => write!(f, "\\t")?,
                        '\r' => write!(f, "\\r")?,
                        c => write!(f, "{c}")?,
                    }
                }
                write!(f, "'")
            }
            TVal::List(items) => {
                write!(f, "[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{v}")?;
                }
                write!(f, "]")
            }
            TVal::Map(m) => write_props(f, m),
            TVal::Node(n) => write!(f, "{n}"),
            TVal::Rel(r) => write!(f, "{r}"),
            TVal::Path { start, steps } => {
                write!(f, "<{start}")?;
                for s in steps {
                    match s.forward {
                        Some(false) => write!(f, "<-{}-{}", s.rel, s.node)?,
                        _ => write!(f, "-{}->{}", s.rel, s.node)?,
                    }
                }
                write!(f, ">")
            }
            TVal::Other(s) => write!(f, "«{s}»"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qnode(id: u64, labels: &[&str], props: &[(&str, QueryValue)]) -> NodeValue {
        NodeValue {
            id,
            key: format!("_n{id}"),
            labels: labels.iter().map(|s| s.to_string()).collect(),
            props: props.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
        }
    }

    fn qrel(id: u64, t: &str, start: u64, end: u64) -> RelValue {
        RelValue {
            id,
            key: None,
            rel_type: t.into(),
            start,
            end,
            props: BTreeMap::new(),
            attestations: Vec::new(),
            contested: Vec::new(),
        }
    }

    fn m(e: &str, actual: &QueryValue) -> bool {
        values_match(&parse_value(e).expect("parses"), &from_query(actual), false)
    }

    #[test]
    fn scalars() {
        assert_eq!(parse_value("1").unwrap(), TVal::Int(1));
        assert_eq!(parse_value("-1").unwrap(), TVal::Int(-1));
        assert_eq!(parse_value("-1.5").unwrap(), TVal::Float(-1.5));
        assert_eq!(parse_value("1e10").unwrap(), TVal::Float(1e10));
        assert_eq!(parse_value("-1e-305").unwrap(), TVal::Float(-1e-305));
        assert_eq!(parse_value(".5").unwrap(), TVal::Float(0.5));
        assert_eq!(parse_value("Inf").unwrap(), TVal::Float(f64::INFINITY));
        assert_eq!(parse_value("-Inf").unwrap(), TVal::Float(f64::NEG_INFINITY));
        assert!(matches!(parse_value("NaN").unwrap(), TVal::Float(x) if x.is_nan()));
        assert_eq!(parse_value("true").unwrap(), TVal::Bool(true));
        assert_eq!(parse_value("null").unwrap(), TVal::Null);
        assert_eq!(parse_value("-9223372036854775808").unwrap(), TVal::Int(i64::MIN));
        assert!(parse_value("1 2").is_err());
        assert!(parse_value("").is_err());
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(parse_value("'str'").unwrap(), TVal::Str("str".into()));
        assert_eq!(parse_value("''").unwrap(), TVal::Str(String::new()));
        assert_eq!(parse_cell(r"'\''").unwrap(), TVal::Str("'".into()));
        // Literals6 [5]: the cell escapes backslashes for Gherkin, then for Cypher.
        assert_eq!(
            parse_cell(r#"'a\\\\bcn5t\'"\\\\//\\\\"\''"#).unwrap(),
            TVal::Str(r#"a\bcn5t'"\//\"'"#.into())
        );
        assert_eq!(parse_cell(r"'\nFoo\n'").unwrap(), TVal::Str("\nFoo\n".into()));
        assert_eq!(parse_value(r"'\u00e9'").unwrap(), TVal::Str("é".into()));
        assert_eq!(parse_value("'🧐🍌❖⋙⚐'").unwrap(), TVal::Str("🧐🍌❖⋙⚐".into()));
    }

    #[test]
    fn collections() {
        assert_eq!(parse_value("[1, 2]").unwrap(), TVal::List(vec![TVal::Int(1), TVal::Int(2)]));
        assert_eq!(parse_value("[]").unwrap(), TVal::List(vec![]));
        let map = parse_value("{a: 1, `b c`: 'x', ``: null}").unwrap();
        let TVal::Map(map) = map else { panic!("not a map") };
        assert_eq!(map.get("a"), Some(&TVal::Int(1)));
        assert_eq!(map.get("b c"), Some(&TVal::Str("x".into())));
        assert_eq!(map.get(""), Some(&TVal::Null));
        assert_eq!(parse_value("{}").unwrap(), TVal::Map(BTreeMap::new()));
        assert!(matches!(parse_value("[[1], {a: [2]}]").unwrap(), TVal::List(v) if v.len() == 2));
    }

    #[test]
    fn graph_elements() {
        let n = QueryValue::Node(Box::new(qnode(
            1,
            &["B", "A"],
            &[("k", QueryValue::Int(1)), ("s", QueryValue::String("x".into()))],
        )));
        assert!(m("(:A:B {k: 1, s: 'x'})", &n));
        assert!(m("(:B:A {s: 'x', k: 1})", &n), "labels are a set, props a map");
        assert!(!m("(:A {k: 1, s: 'x'})", &n));
        assert!(!m("(:A:B {k: 1})", &n));
        assert!(m("()", &QueryValue::Node(Box::new(qnode(2, &[], &[])))));

        let mut r = qrel(7, "T", 1, 2);
        r.props.insert("k".into(), QueryValue::Int(1));
        assert!(m("[:T {k: 1}]", &QueryValue::Relationship(Box::new(r.clone()))));
        assert!(!m("[:S {k: 1}]", &QueryValue::Relationship(Box::new(r.clone()))));
        assert!(!m("[:T]", &QueryValue::Relationship(Box::new(r))));
        assert!(!m("[]", &QueryValue::List(vec![QueryValue::Int(1)])));
    }

    #[test]
    fn paths() {
        let a = qnode(1, &["A"], &[("x", QueryValue::Int(1))]);
        let b = qnode(2, &[], &[]);
        let c = qnode(3, &["C"], &[]);
        let p = QueryValue::Path(claimgraph::query::PathValue {
            nodes: vec![a.clone(), b.clone()],
            rels: vec![qrel(10, "T", 1, 2)],
        });
        assert!(m("<(:A {x: 1})-[:T]->()>", &p));
        assert!(!m("<(:A {x: 1})<-[:T]-()>", &p), "direction matters");
        assert!(!m("<(:A)-[:T]->()>", &p));
        assert!(!m("<(:A {x: 1})>", &p));

        let p2 = QueryValue::Path(claimgraph::query::PathValue {
            nodes: vec![a.clone(), b, c],
            rels: vec![qrel(10, "T", 1, 2), qrel(11, "S", 3, 2)],
        });
        assert!(m("<(:A {x: 1})-[:T]->()<-[:S]-(:C)>", &p2));
        assert!(!m("<(:A {x: 1})-[:T]->()-[:S]->(:C)>", &p2));

        let single = QueryValue::Path(claimgraph::query::PathValue { nodes: vec![a], rels: vec![] });
        assert!(m("<(:A {x: 1})>", &single));
        let shown = from_query(&p2).to_string();
        assert_eq!(shown, "<(:A {x: 1})-[:T]->()<-[:S]-(:C)>");
    }

    #[test]
    fn numbers_compare_strictly_by_type() {
        assert!(m("1", &QueryValue::Int(1)));
        assert!(!m("1", &QueryValue::Float(1.0)));
        assert!(!m("1.0", &QueryValue::Int(1)));
        assert!(m("0.30000000000000004", &QueryValue::Float(0.1 + 0.2)));
        assert!(m("NaN", &QueryValue::Float(f64::NAN)));
        assert!(m("-Inf", &QueryValue::Float(f64::NEG_INFINITY)));
        assert!(!m("Inf", &QueryValue::Float(f64::NEG_INFINITY)));
        assert!(!m("1.5", &QueryValue::Float(1.5000001)));
    }

    #[test]
    fn dates_compare_as_iso_strings() {
        let d = claimgraph::model::PartialDate::new(1910, Some(5), Some(6)).expect("valid date");
        assert!(m("'1910-05-06'", &QueryValue::Date(DateValue::Absolute(d))));
        assert!(!m("'1910-05-07'", &QueryValue::Date(DateValue::Absolute(d))));
    }

    #[test]
    fn list_order() {
        let l = QueryValue::List(vec![QueryValue::Int(2), QueryValue::Int(1)]);
        assert!(!m("[1, 2]", &l));
        assert!(values_match(&parse_value("[1, 2]").unwrap(), &from_query(&l), true));
        assert!(!values_match(&parse_value("[1, 1]").unwrap(), &from_query(&l), true));
    }

    #[test]
    fn rows() {
        let e = vec![vec![TVal::Int(1)], vec![TVal::Int(2)], vec![TVal::Int(2)]];
        let a = vec![vec![TVal::Int(2)], vec![TVal::Int(1)], vec![TVal::Int(2)]];
        assert!(rows_match(&e, &a, false, false));
        assert!(!rows_match(&e, &a, true, false));
        assert!(!rows_match(&e, &a[..2], false, false));
        let b = vec![vec![TVal::Int(1)], vec![TVal::Int(1)], vec![TVal::Int(2)]];
        assert!(!rows_match(&e, &b, false, false), "multiplicity counts");
    }

    #[test]
    fn params_round_trip() {
        let v = parse_value("{a: [1, 'x', null], b: 2.5}").unwrap();
        let q = to_query(&v).unwrap();
        assert!(values_match(&v, &from_query(&q), false));
        assert!(to_query(&parse_value("(:A)").unwrap()).is_err());
    }

    #[test]
    fn display_round_trips() {
        for s in ["[1, 'a\\'b', null, {`a b`: -1.5}]", "(:A:B {k: 1})", "[:T {k: [1]}]", "NaN", "1e300"] {
            let v = parse_value(s).unwrap();
            let again = parse_value(&v.to_string()).unwrap();
            assert!(values_match(&v, &again, false), "{s} -> {v}");
        }
    }
}
