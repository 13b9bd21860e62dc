//! The updating clauses: CREATE, MERGE, SET, REMOVE and DELETE, counting what they change
//! in [`super::WriteStats`]. A relationship created by a query is a claim attested by the
//! session's user. Each reads all of its input before its first write, so no operator
//! reading the graph sees it change while it runs.

use std::collections::BTreeMap;

use petgraph::Direction;

use super::eval::eval;
use super::matching::Matcher;
use super::{Access, Batch, Ctx, Operator, BATCH};
use crate::model::{Attestation, Claim, ClaimIx, ClaimKind, EntityIx, Graph, SourceRef, Status};
use crate::query::error::{runtime_error, semantic_error, type_error, ErrorClass, ErrorDetail, EvalResult};
use crate::query::ops;
use crate::query::plan::{CExpr, CreateNode, CreatePart, MergePlan, RemovePlan, SetPlan};
use crate::query::value::Value;

pub(crate) enum Write<'p> {
    Create(&'p [CreatePart]),
    Merge(&'p MergePlan),
    Set(&'p [SetPlan]),
    Remove(&'p [RemovePlan]),
    Delete { detach: bool, exprs: &'p [CExpr] },
}

/// An updating clause: reads every input row, writes, then passes the rows on.
pub(crate) struct Writer<'p> {
    input: Box<dyn Operator + 'p>,
    write: Write<'p>,
    output: Option<std::vec::IntoIter<Vec<Value>>>,
}

impl<'p> Writer<'p> {
    pub(crate) fn new(input: Box<dyn Operator + 'p>, write: Write<'p>) -> Self {
        Writer { input, write, output: None }
    }
}

impl Operator for Writer<'_> {
    fn next(&mut self, ctx: &Ctx<'_>, g: &mut Access<'_>) -> EvalResult<Option<Batch>> {
        if self.output.is_none() {
            let mut rows = Vec::new();
            while let Some(b) = self.input.next(ctx, g)? {
                rows.extend(b.into_rows());
            }
            let g = g.write()?;
            let rows = match &self.write {
                Write::Create(parts) => {
                    for row in &mut rows {
                        ctx.tick()?;
                        for part in *parts {
                            create_part(ctx, g, part, row)?;
                        }
                    }
                    rows
                }
                Write::Merge(m) => merge(ctx, g, m, rows)?,
                Write::Set(items) => {
                    for row in &rows {
                        ctx.tick()?;
                        set_items(ctx, g, items, row)?;
                    }
                    rows
                }
                Write::Remove(items) => {
                    for row in &rows {
                        ctx.tick()?;
                        for item in *items {
                            remove_item(ctx, g, item, row)?;
                        }
                    }
                    rows
                }
                Write::Delete { detach, exprs } => {
                    delete(ctx, g, *detach, exprs, &rows)?;
                    rows
                }
            };
            self.output = Some(rows.into_iter());
        }
        let Some(rows) = &mut self.output else { return Ok(None) };
        let mut out: Option<Batch> = None;
        for row in rows.by_ref().take(BATCH) {
            out.get_or_insert_with(|| Batch::new(row.len())).push_owned(row);
        }
        Ok(out)
    }
}

fn eval_props(
    ctx: &Ctx<'_>,
    g: &Graph,
    props: &Option<CExpr>,
    row: &[Value],
) -> EvalResult<Vec<(String, Value)>> {
    match props {
        None => Ok(Vec::new()),
        Some(e) => match eval(ctx, g, e, row)? {
            Value::Map(m) => Ok(m.into_iter().filter(|(_, v)| !v.is_null()).collect()),
            Value::Null => Ok(Vec::new()),
            other => Err(type_error(
                ErrorDetail::InvalidArgumentType,
                format!("property map expected, got {}", other.type_name()),
            )),
        },
    }
}

fn create_node(ctx: &Ctx<'_>, g: &mut Graph, node: &CreateNode, row: &mut [Value]) -> EvalResult<EntityIx> {
    if let (true, Some(slot)) = (node.bound, node.slot) {
        return match &row[slot] {
            Value::Node(ix) => Ok(*ix),
            other => Err(type_error(
                ErrorDetail::InvalidArgumentType,
                format!("`{}` is a {}, not a node", node.var.as_deref().unwrap_or(""), other.type_name()),
            )),
        };
    }
    let props = eval_props(ctx, g, &node.props, row)?;
    let mut model_props = Vec::with_capacity(props.len());
    for (k, v) in props {
        model_props.push((g.intern(&k), v.to_model()?));
    }
    let labels = node.labels.iter().map(|l| g.intern(l)).collect();
    let n_props = model_props.len();
    let ix = g.add_entity(None, labels, model_props).map_err(|e| {
        runtime_error(ErrorClass::ConstraintVerificationFailed, ErrorDetail::CreateFailed, e.to_string())
    })?;
    let labels_added = g.entity(ix).map_or(0, |e| e.labels.len());
    ctx.update_stats(|s| {
        s.nodes_created += 1;
        s.properties_set += n_props;
        s.labels_added += labels_added;
    });
    if let Some(slot) = node.slot {
        row[slot] = Value::Node(ix);
    }
    Ok(ix)
}

fn create_part(ctx: &Ctx<'_>, g: &mut Graph, part: &CreatePart, row: &mut [Value]) -> EvalResult<()> {
    let mut prev = create_node(ctx, g, &part.start, row)?;
    let mut nodes = vec![prev];
    let mut rels = Vec::new();
    for (rel, node) in &part.chain {
        let next = create_node(ctx, g, node, row)?;
        let Some(t) = &rel.rel_type else {
            return Err(semantic_error(
                ErrorDetail::NoSingleRelationshipType,
                "a relationship to create needs exactly one type",
                rel.span,
            ));
        };
        let (s, o) = if rel.left { (next, prev) } else { (prev, next) };
        let props = eval_props(ctx, g, &rel.props, row)?;
        let mut model_props = Vec::with_capacity(props.len());
        for (k, v) in props {
            model_props.push((g.intern(&k), v.to_model()?));
        }
        let n_props = model_props.len();
        let user = g.intern(ctx.user);
        let claim = Claim {
            id: None,
            rel_type: g.intern(t),
            props: model_props,
            attestations: vec![Attestation::new(SourceRef::User(user), Status::Asserted)],
            kind: ClaimKind::Stated,
        };
        let c = g.add_claim(s, o, claim).map_err(|e| {
            runtime_error(ErrorClass::EntityNotFound, ErrorDetail::DeletedEntityAccess, e.to_string())
        })?;
        ctx.update_stats(|s| {
            s.relationships_created += 1;
            s.properties_set += n_props;
        });
        if let Some(slot) = rel.slot {
            row[slot] = Value::Relationship(c);
        }
        nodes.push(next);
        rels.push(c);
        prev = next;
    }
    if let Some(slot) = part.path {
        row[slot] = Value::Path { nodes, rels };
    }
    Ok(())
}

/// MERGE: each row's matches, or the pattern created when there are none; then the ON
/// MATCH or ON CREATE actions. Each row sees what the rows before it created.
fn merge(ctx: &Ctx<'_>, g: &mut Graph, m: &MergePlan, rows: Vec<Vec<Value>>) -> EvalResult<Vec<Vec<Value>>> {
    let mut out = Vec::new();
    let mut matcher = Matcher::new(&m.pattern);
    for row in rows {
        ctx.tick()?;
        // `MERGE (n {p: null})` can never match what it would create.
        for map in &m.prop_maps {
            if let Value::Map(entries) = eval(ctx, g, map, &row)? {
                if let Some((k, _)) = entries.iter().find(|(_, v)| v.is_null()) {
                    return Err(runtime_error(
                        ErrorClass::SemanticError,
                        ErrorDetail::MergeReadOwnWrites,
                        format!("cannot MERGE with a null property value ('{k}')"),
                    ));
                }
            }
        }
        let mut found = Vec::new();
        matcher.reset(&row);
        while matcher.next(ctx, g)? {
            found.push(matcher.row().to_vec());
        }
        if found.is_empty() {
            let mut r = row;
            create_part(ctx, g, &m.create, &mut r)?;
            set_items(ctx, g, &m.on_create, &r)?;
            out.push(r);
        } else {
            for r in found {
                set_items(ctx, g, &m.on_match, &r)?;
                out.push(r);
            }
        }
    }
    Ok(out)
}

fn set_prop(ctx: &Ctx<'_>, g: &mut Graph, target: &Value, key: &str, value: Value) -> EvalResult<()> {
    if let Value::List(items) = &value {
        if items.iter().any(|i| {
            matches!(
                i,
                Value::List(_) | Value::Map(_) | Value::Node(_) | Value::Relationship(_) | Value::Path { .. }
            )
        }) {
            return Err(type_error(
                ErrorDetail::InvalidPropertyType,
                "a property can hold a list of simple values only",
            ));
        }
    }
    let model = value.to_model()?;
    let k = g.intern(key);
    let changed = match target {
        Value::Null => return Ok(()),
        Value::Node(ix) => g.set_entity_prop(*ix, k, model),
        Value::Relationship(ix) => g.set_claim_prop(*ix, k, model),
        other => {
            return Err(type_error(
                ErrorDetail::InvalidArgumentType,
                format!("cannot set a property on a {}", other.type_name()),
            ))
        }
    }
    .map_err(|e| {
        runtime_error(ErrorClass::EntityNotFound, ErrorDetail::DeletedEntityAccess, e.to_string())
    })?;
    if value.is_null() {
        if changed {
            ctx.update_stats(|s| s.properties_removed += 1);
        }
    } else {
        ctx.update_stats(|s| s.properties_set += 1);
    }
    Ok(())
}

fn set_items(ctx: &Ctx<'_>, g: &mut Graph, items: &[SetPlan], row: &[Value]) -> EvalResult<()> {
    for item in items {
        match item {
            SetPlan::Property { target, key, value } => {
                let t = eval(ctx, g, target, row)?;
                let v = eval(ctx, g, value, row)?;
                set_prop(ctx, g, &t, key, v)?;
            }
            SetPlan::Map { var, value, replace } => {
                let t = row[*var].clone();
                let v = eval(ctx, g, value, row)?;
                let map = match v {
                    Value::Map(m) => m,
                    Value::Node(_) | Value::Relationship(_) => ops::properties_of(g, &v).unwrap_or_default(),
                    Value::Null => BTreeMap::new(),
                    other => {
                        return Err(type_error(
                            ErrorDetail::InvalidArgumentType,
                            format!("expected a map, got {}", other.type_name()),
                        ))
                    }
                };
                if t.is_null() {
                    continue;
                }
                if *replace {
                    let existing: Vec<String> =
                        ops::properties_of(g, &t).unwrap_or_default().into_keys().collect();
                    for k in existing {
                        if !map.contains_key(&k) {
                            set_prop(ctx, g, &t, &k, Value::Null)?;
                        }
                    }
                }
                for (k, val) in map {
                    set_prop(ctx, g, &t, &k, val)?;
                }
            }
            SetPlan::Labels { var, labels } => {
                if let Value::Node(ix) = row[*var] {
                    for l in labels {
                        let s = g.intern(l);
                        if g.add_label(ix, s).unwrap_or(false) {
                            ctx.update_stats(|s| s.labels_added += 1);
                        }
                    }
                }
            }
            SetPlan::Unsupported(what) => return Err(unsupported(what)),
        }
    }
    Ok(())
}

fn remove_item(ctx: &Ctx<'_>, g: &mut Graph, item: &RemovePlan, row: &[Value]) -> EvalResult<()> {
    match item {
        RemovePlan::Labels { var, labels } => {
            if let Value::Node(ix) = row[*var] {
                for l in labels {
                    if let Some(s) = g.sym(l) {
                        if g.remove_label(ix, s).unwrap_or(false) {
                            ctx.update_stats(|s| s.labels_removed += 1);
                        }
                    }
                }
            }
        }
        RemovePlan::Property { target, key } => {
            let t = eval(ctx, g, target, row)?;
            if let Some(k) = g.sym(key) {
                let removed = match t {
                    Value::Node(ix) => g.set_entity_prop(ix, k, crate::model::Value::Null),
                    Value::Relationship(ix) => g.set_claim_prop(ix, k, crate::model::Value::Null),
                    _ => Ok(false),
                };
                if removed.unwrap_or(false) {
                    ctx.update_stats(|s| s.properties_removed += 1);
                }
            }
        }
        RemovePlan::Unsupported(what) => return Err(unsupported(what)),
    }
    Ok(())
}

fn unsupported(what: &str) -> crate::query::error::QueryError {
    runtime_error(
        ErrorClass::UnsupportedOperation,
        ErrorDetail::NotImplemented,
        format!("{what} is not supported"),
    )
}

/// [DETACH] DELETE: what every row names, relationships first; a node that still has
/// relationships needs DETACH.
fn delete(
    ctx: &Ctx<'_>,
    g: &mut Graph,
    detach: bool,
    exprs: &[CExpr],
    rows: &[Vec<Value>],
) -> EvalResult<()> {
    let mut nodes = Vec::new();
    let mut rels = Vec::new();
    for row in rows {
        ctx.tick()?;
        for e in exprs {
            let v = eval(ctx, g, e, row)?;
            collect_deletions(&v, &mut nodes, &mut rels)?;
        }
    }
    for r in rels {
        if g.remove_claim(r).is_ok() {
            ctx.update_stats(|s| s.relationships_deleted += 1);
        }
    }
    for n in nodes {
        if g.entity(n).is_none() {
            continue;
        }
        let connected = g.claims_at(n, Direction::Outgoing).next().is_some()
            || g.claims_at(n, Direction::Incoming).next().is_some();
        if connected && !detach {
            return Err(runtime_error(
                ErrorClass::ConstraintVerificationFailed,
                ErrorDetail::DeleteConnectedNode,
                "cannot delete a node that still has relationships; use DETACH DELETE",
            ));
        }
        let removed = g.remove_entity(n, true).map_err(|e| {
            runtime_error(ErrorClass::EntityNotFound, ErrorDetail::DeletedEntityAccess, e.to_string())
        })?;
        ctx.update_stats(|s| {
            s.relationships_deleted += removed;
            s.nodes_deleted += 1;
        });
    }
    Ok(())
}

fn collect_deletions(v: &Value, nodes: &mut Vec<EntityIx>, rels: &mut Vec<ClaimIx>) -> EvalResult<()> {
    match v {
        Value::Null => {}
        Value::Node(n) => nodes.push(*n),
        Value::Relationship(r) => rels.push(*r),
        Value::Path { nodes: ns, rels: rs } => {
            nodes.extend(ns);
            rels.extend(rs);
        }
        Value::List(items) => {
            for i in items {
                collect_deletions(i, nodes, rels)?;
            }
        }
        other => {
            return Err(type_error(
                ErrorDetail::InvalidArgumentType,
                format!("cannot delete a {}", other.type_name()),
            ))
        }
    }
    Ok(())
}
