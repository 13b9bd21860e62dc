//! Procedures that `CALL` runs: the built-in catalogue (`db.labels()`,
//! `db.relationshipTypes()`, `db.propertyKeys()`, `db.sources()`) and procedures a caller
//! registers as a table of rows (what the openCypher TCK declares with "there exists a
//! procedure").
//!
//! This module owns the registry ([`Procedures`]), the compile-time checks of a `CALL`
//! against it ([`check`]: the procedure exists, argument count and literal types, implicit
//! arguments from parameters) and running one ([`invoke`]).

use std::collections::BTreeSet;

use super::error::{ErrorClass, ErrorDetail, ErrorPhase, EvalResult, QueryError};
use super::ops;
use super::value::{Params, Value};
use crate::model::result::QueryValue;
use crate::model::Graph;
use crate::syntax::query::{ClauseKind, Expr, ExprKind, Literal, Query, SingleQuery};

/// The type of a procedure's input or output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcType {
    Any,
    Boolean,
    Integer,
    Float,
    Number,
    String,
    List,
    Map,
    Node,
    Relationship,
    Path,
}

impl ProcType {
    /// `INTEGER`, `INTEGER?` (nullability is not checked: every type accepts null), ...
    pub fn parse(text: &str) -> Option<ProcType> {
        Some(match text.trim().trim_end_matches('?').to_ascii_uppercase().as_str() {
            "ANY" => ProcType::Any,
            "BOOLEAN" => ProcType::Boolean,
            "INTEGER" => ProcType::Integer,
            "FLOAT" => ProcType::Float,
            "NUMBER" => ProcType::Number,
            "STRING" => ProcType::String,
            "MAP" => ProcType::Map,
            "NODE" => ProcType::Node,
            "RELATIONSHIP" => ProcType::Relationship,
            "PATH" => ProcType::Path,
            t if t.starts_with("LIST") => ProcType::List,
            _ => return None,
        })
    }

    fn accepts(self, v: &Value) -> bool {
        matches!(
            (self, v),
            (_, Value::Null)
                | (ProcType::Any, _)
                | (ProcType::Boolean, Value::Bool(_))
                | (ProcType::Integer, Value::Int(_))
                | (ProcType::Float | ProcType::Number, Value::Int(_) | Value::Float(_))
                | (ProcType::String, Value::String(_))
                | (ProcType::List, Value::List(_))
                | (ProcType::Map, Value::Map(_))
                | (ProcType::Node, Value::Node(_))
                | (ProcType::Relationship, Value::Relationship(_))
                | (ProcType::Path, Value::Path { .. })
        )
    }

    /// An integer passed where a float is declared becomes a float.
    fn coerce(self, v: Value) -> Value {
        match (self, v) {
            (ProcType::Float, Value::Int(i)) => Value::Float(i as f64),
            (_, v) => v,
        }
    }
}

#[derive(Debug, Clone)]
enum Body {
    /// Rows of inputs followed by outputs; a call yields the outputs of the rows whose
    /// inputs equal its arguments.
    Table(Vec<Vec<QueryValue>>),
    Labels,
    RelationshipTypes,
    PropertyKeys,
    Sources,
}

/// One procedure: its name, typed inputs and outputs, and what it does.
#[derive(Debug, Clone)]
pub struct Procedure {
    pub name: String,
    pub inputs: Vec<(String, ProcType)>,
    pub outputs: Vec<(String, ProcType)>,
    body: Body,
}

/// The procedures a statement can `CALL`.
#[derive(Debug, Clone)]
pub struct Procedures {
    list: Vec<Procedure>,
}

impl Default for Procedures {
    fn default() -> Self {
        Procedures::builtin()
    }
}

impl Procedures {
    /// The built-in procedures: `db.labels()`, `db.relationshipTypes()`,
    /// `db.propertyKeys()` and `db.sources()` (our extension: every declared source, and
    /// any other entity that attests a claim, with its name, its relay chain and how many
    /// claims it attests).
    pub fn builtin() -> Procedures {
        let out = |cols: &[(&str, ProcType)]| cols.iter().map(|(n, t)| (n.to_string(), *t)).collect();
        let p = |name: &str, outputs, body| Procedure {
            name: name.to_string(),
            inputs: Vec::new(),
            outputs,
            body,
        };
        Procedures {
            list: vec![
                p("db.labels", out(&[("label", ProcType::String)]), Body::Labels),
                p(
                    "db.relationshipTypes",
                    out(&[("relationshipType", ProcType::String)]),
                    Body::RelationshipTypes,
                ),
                p("db.propertyKeys", out(&[("propertyKey", ProcType::String)]), Body::PropertyKeys),
                p(
                    "db.sources",
                    out(&[
                        ("source", ProcType::String),
                        ("name", ProcType::String),
                        ("via", ProcType::List),
                        ("claims", ProcType::Integer),
                    ]),
                    Body::Sources,
                ),
            ],
        }
    }

    /// Registers (or replaces) a procedure given as a table: each row holds values for the
    /// inputs, then for the outputs.
    pub fn add_table(
        &mut self,
        name: &str,
        inputs: Vec<(String, ProcType)>,
        outputs: Vec<(String, ProcType)>,
        rows: Vec<Vec<QueryValue>>,
    ) {
        self.list.retain(|p| p.name != name);
        self.list.push(Procedure { name: name.to_string(), inputs, outputs, body: Body::Table(rows) });
    }

    /// The procedure called `name` (names are case-sensitive, as in openCypher).
    pub fn get(&self, name: &str) -> Option<&Procedure> {
        self.list.iter().find(|p| p.name == name)
    }

    /// Every procedure's name, for completion and `:help`.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(|p| p.name.as_str())
    }
}

fn compile_error(class: ErrorClass, detail: ErrorDetail, message: String) -> QueryError {
    QueryError::new(class, detail, ErrorPhase::CompileTime, message)
}

fn not_found(name: &str) -> QueryError {
    compile_error(
        ErrorClass::ProcedureError,
        ErrorDetail::ProcedureNotFound,
        format!("there is no procedure named '{name}'"),
    )
}

/// The literal value of an argument that is a literal, to check its type before running.
fn literal_value(e: &Expr) -> Option<Value> {
    match &e.kind {
        ExprKind::Literal(Literal::Bool(b)) => Some(Value::Bool(*b)),
        ExprKind::Literal(Literal::Int(i)) => Some(Value::Int(*i)),
        ExprKind::Literal(Literal::Float(x)) => Some(Value::Float(*x)),
        ExprKind::Literal(Literal::String(s)) => Some(Value::from(s.as_str())),
        _ => None,
    }
}

/// Checks every `CALL` of a statement against the registry before it runs.
pub(crate) fn check(q: &Query, procs: &Procedures, params: &Params) -> Result<(), QueryError> {
    std::iter::once(&q.first)
        .chain(q.unions.iter().map(|(_, s)| s))
        .try_for_each(|s| check_single(s, procs, params))
}

fn check_single(q: &SingleQuery, procs: &Procedures, params: &Params) -> Result<(), QueryError> {
    let standalone = q.clauses.len() == 1;
    for c in &q.clauses {
        let ClauseKind::Call { name, args, yields } = &c.kind else { continue };
        let p = procs.get(name).ok_or_else(|| not_found(name).at(c.span))?;
        match args {
            None if !p.inputs.is_empty() && !standalone => {
                return Err(compile_error(
                    ErrorClass::SyntaxError,
                    ErrorDetail::InvalidArgumentPassingMode,
                    format!("{name} takes arguments: in a query they must be given in parentheses"),
                )
                .at(c.span))
            }
            None => {
                if let Some((missing, _)) = p.inputs.iter().find(|(n, _)| !params.contains_key(n)) {
                    return Err(compile_error(
                        ErrorClass::ParameterMissing,
                        ErrorDetail::MissingParameter,
                        format!("{name} needs the parameter ${missing}"),
                    )
                    .at(c.span));
                }
            }
            Some(args) => {
                if args.len() != p.inputs.len() {
                    return Err(compile_error(
                        ErrorClass::SyntaxError,
                        ErrorDetail::InvalidNumberOfArguments,
                        format!("{name} takes {} argument(s), got {}", p.inputs.len(), args.len()),
                    )
                    .at(c.span));
                }
                for (a, (input, ty)) in args.iter().zip(&p.inputs) {
                    if literal_value(a).is_some_and(|v| !ty.accepts(&v)) {
                        return Err(compile_error(
                            ErrorClass::SyntaxError,
                            ErrorDetail::InvalidArgumentType,
                            format!("{name}'s argument {input} must be {ty:?}"),
                        )
                        .at(a.span));
                    }
                }
            }
        }
        if let Some(y) = yields {
            if let Some((field, _)) = y.items.iter().find(|(f, _)| !p.outputs.iter().any(|(o, _)| o == f)) {
                return Err(compile_error(
                    ErrorClass::SyntaxError,
                    ErrorDetail::UndefinedVariable,
                    format!("{name} yields no '{field}'"),
                )
                .at(c.span));
            }
        }
    }
    Ok(())
}

/// The output columns a `CALL ... [YIELD ...]` binds, as (output, variable) pairs: the
/// yielded ones, or every output when there is no YIELD list (standalone calls) or `*`.
pub(crate) fn bindings(p: &Procedure, items: Option<&[(String, Option<String>)]>) -> Vec<(String, String)> {
    match items {
        Some(items) if !items.is_empty() => {
            items.iter().map(|(f, a)| (f.clone(), a.clone().unwrap_or_else(|| f.clone()))).collect()
        }
        _ => p.outputs.iter().map(|(n, _)| (n.clone(), n.clone())).collect(),
    }
}

/// Runs a procedure on evaluated arguments: its result rows, one value per output.
pub(crate) fn invoke(p: &Procedure, graph: &Graph, args: Vec<Value>) -> EvalResult<Vec<Vec<Value>>> {
    let mut checked = Vec::with_capacity(args.len());
    for (v, (input, ty)) in args.into_iter().zip(&p.inputs) {
        if !ty.accepts(&v) {
            return Err(QueryError::new(
                ErrorClass::TypeError,
                ErrorDetail::InvalidArgumentType,
                ErrorPhase::Runtime,
                format!("{}'s argument {input} must be {ty:?}, not {}", p.name, v.type_name()),
            ));
        }
        checked.push(ty.coerce(v));
    }
    let strings = |set: BTreeSet<String>| set.into_iter().map(|s| vec![Value::from(s)]).collect();
    Ok(match &p.body {
        Body::Table(rows) => {
            let n = p.inputs.len();
            rows.iter()
                .filter(|row| {
                    row.len() == n + p.outputs.len()
                        && row[..n].iter().zip(&checked).all(|(want, got)| {
                            ops::group_key(&Value::from_query_value(want)) == ops::group_key(got)
                        })
                })
                .map(|row| row[n..].iter().map(Value::from_query_value).collect())
                .collect()
        }
        Body::Labels => {
            strings(graph.labels().filter(|(_, n)| *n > 0).map(|(l, _)| graph.str(l).to_string()).collect())
        }
        Body::RelationshipTypes => strings(
            graph.rel_types().filter(|(_, n)| *n > 0).map(|(t, _)| graph.str(t).to_string()).collect(),
        ),
        Body::PropertyKeys => {
            let mut keys = BTreeSet::new();
            for e in graph.entities().filter_map(|e| graph.entity(e)) {
                keys.extend(e.props.iter().map(|(k, _)| graph.str(*k).to_string()));
            }
            for c in graph.claims().filter_map(|c| graph.claim(c)) {
                keys.extend(c.props.iter().map(|(k, _)| graph.str(*k).to_string()));
            }
            strings(keys)
        }
        Body::Sources => {
            // Declared sources, and any entity (a document, an actor) that attests a claim.
            let label = graph.sym("Source");
            let claims = |s| graph.source_claim_count(crate::model::SourceRef::Entity(s));
            let mut rows: Vec<Vec<Value>> = graph
                .entities()
                .filter(|s| label.is_some_and(|l| graph.has_label(*s, l)) || claims(*s) > 0)
                .map(|s| {
                    let via = graph.entity(s).map(|e| e.via.clone()).unwrap_or_default();
                    vec![
                        Value::from(graph.entity_id(s)),
                        Value::from(graph.display_name(s)),
                        Value::List(via.iter().map(|v| Value::from(graph.entity_id(*v))).collect()),
                        Value::Int(claims(s) as i64),
                    ]
                })
                .collect();
            rows.sort_by(|a, b| ops::order_cmp(&a[0], &b[0]));
            rows
        }
    })
}
