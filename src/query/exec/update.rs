//! The updating clauses: CREATE, MERGE, SET, REMOVE and DELETE, counting what they change
//! in [`super::WriteStats`]. A relationship created by a query is a claim attested by the
//! session's user.

use std::collections::BTreeMap;

use petgraph::Direction;

use super::{unsupported, Exec, Row};
use crate::model::{Attestation, Claim, ClaimIx, ClaimKind, EntityIx, Graph, SourceRef, Status};
use crate::query::error::{runtime_error, semantic_error, type_error, ErrorClass, ErrorDetail, EvalResult};
use crate::query::ops;
use crate::query::value::Value;
use crate::syntax::query::*;

impl Exec<'_> {
    fn eval_props(&self, g: &Graph, props: &Option<Expr>, row: &Row) -> EvalResult<Vec<(String, Value)>> {
        match props {
            None => Ok(Vec::new()),
            Some(e) => match self.eval(g, e, row)? {
                Value::Map(m) => Ok(m.into_iter().filter(|(_, v)| !v.is_null()).collect()),
                Value::Null => Ok(Vec::new()),
                other => Err(type_error(
                    ErrorDetail::InvalidArgumentType,
                    format!("property map expected, got {}", other.type_name()),
                )),
            },
        }
    }

    fn create_node(&mut self, graph: &mut Graph, node: &NodePattern, row: &mut Row) -> EvalResult<EntityIx> {
        if let Some(v) = &node.var {
            if let Some(bound) = row.get(v) {
                return match bound {
                    Value::Node(ix) => Ok(*ix),
                    other => Err(type_error(
                        ErrorDetail::InvalidArgumentType,
                        format!("`{v}` is a {}, not a node", other.type_name()),
                    )),
                };
            }
        }
        let props = self.eval_props(graph, &node.props, row)?;
        let mut model_props = Vec::with_capacity(props.len());
        for (k, v) in props {
            model_props.push((graph.intern(&k), v.to_model()?));
        }
        let labels = node.labels.iter().map(|l| graph.intern(l)).collect();
        let n_props = model_props.len();
        let ix = graph.add_entity(None, labels, model_props).map_err(|e| {
            runtime_error(ErrorClass::ConstraintVerificationFailed, ErrorDetail::CreateFailed, e.to_string())
        })?;
        self.stats.nodes_created += 1;
        self.stats.properties_set += n_props;
        self.stats.labels_added += graph.entity(ix).map_or(0, |e| e.labels.len());
        if let Some(v) = &node.var {
            row.insert(v.clone(), Value::Node(ix));
        }
        Ok(ix)
    }

    fn create_part(&mut self, graph: &mut Graph, part: &PatternPart, row: &mut Row) -> EvalResult<()> {
        let el = &part.element;
        let mut prev = self.create_node(graph, &el.start, row)?;
        let mut nodes = vec![prev];
        let mut rels = Vec::new();
        for (rel, node) in &el.chain {
            let next = self.create_node(graph, node, row)?;
            let Some(t) = rel.types.first() else {
                return Err(semantic_error(
                    ErrorDetail::NoSingleRelationshipType,
                    "a relationship to create needs exactly one type",
                    rel.span,
                ));
            };
            let (s, o) = if rel.direction == RelDirection::Left { (next, prev) } else { (prev, next) };
            let props = self.eval_props(graph, &rel.props, row)?;
            let mut model_props = Vec::with_capacity(props.len());
            for (k, v) in props {
                model_props.push((graph.intern(&k), v.to_model()?));
            }
            let n_props = model_props.len();
            let user = graph.intern(self.user);
            let claim = Claim {
                id: None,
                rel_type: graph.intern(t),
                props: model_props,
                attestations: vec![Attestation::new(SourceRef::User(user), Status::Asserted)],
                kind: ClaimKind::Stated,
            };
            let c = graph.add_claim(s, o, claim).map_err(|e| {
                runtime_error(ErrorClass::EntityNotFound, ErrorDetail::DeletedEntityAccess, e.to_string())
            })?;
            self.stats.relationships_created += 1;
            self.stats.properties_set += n_props;
            if let Some(v) = &rel.var {
                row.insert(v.clone(), Value::Relationship(c));
            }
            nodes.push(next);
            rels.push(c);
            prev = next;
        }
        if let Some(v) = &part.var {
            row.insert(v.clone(), Value::Path { nodes, rels });
        }
        Ok(())
    }

    /// `MERGE (n {p: null})` can never match what it would create.
    fn no_null_merge_properties(&self, g: &Graph, part: &PatternPart, row: &Row) -> EvalResult<()> {
        let el = &part.element;
        for m in el.property_maps() {
            if let Value::Map(entries) = self.eval(g, m, row)? {
                if let Some((k, _)) = entries.iter().find(|(_, v)| v.is_null()) {
                    return Err(runtime_error(
                        ErrorClass::SemanticError,
                        ErrorDetail::MergeReadOwnWrites,
                        format!("cannot MERGE with a null property value ('{k}')"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn set_prop(&mut self, graph: &mut Graph, target: &Value, key: &str, value: Value) -> EvalResult<()> {
        if let Value::List(items) = &value {
            if items.iter().any(|i| {
                matches!(
                    i,
                    Value::List(_)
                        | Value::Map(_)
                        | Value::Node(_)
                        | Value::Relationship(_)
                        | Value::Path { .. }
                )
            }) {
                return Err(type_error(
                    ErrorDetail::InvalidPropertyType,
                    "a property can hold a list of simple values only",
                ));
            }
        }
        let model = value.to_model()?;
        let k = graph.intern(key);
        let changed = match target {
            Value::Null => return Ok(()),
            Value::Node(ix) => graph.set_entity_prop(*ix, k, model),
            Value::Relationship(ix) => graph.set_claim_prop(*ix, k, model),
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
                self.stats.properties_removed += 1;
            }
        } else {
            self.stats.properties_set += 1;
        }
        Ok(())
    }

    fn set_items(&mut self, graph: &mut Graph, items: &[SetItem], row: &Row) -> EvalResult<()> {
        for item in items {
            match item {
                SetItem::Property { target, value } => {
                    let ExprKind::Property(base, key) = &target.kind else {
                        return Err(unsupported("this SET target"));
                    };
                    let t = self.eval(graph, base, row)?;
                    let v = self.eval(graph, value, row)?;
                    self.set_prop(graph, &t, key, v)?;
                }
                SetItem::Merge { var, value, .. } | SetItem::Replace { var, value, .. } => {
                    let replace = matches!(item, SetItem::Replace { .. });
                    let t = row.get(var).cloned().unwrap_or(Value::Null);
                    let v = self.eval(graph, value, row)?;
                    let map = match v {
                        Value::Map(m) => m,
                        Value::Node(_) | Value::Relationship(_) => {
                            ops::properties_of(graph, &v).unwrap_or_default()
                        }
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
                    if replace {
                        let existing: Vec<String> =
                            ops::properties_of(graph, &t).unwrap_or_default().into_keys().collect();
                        for k in existing {
                            if !map.contains_key(&k) {
                                self.set_prop(graph, &t, &k, Value::Null)?;
                            }
                        }
                    }
                    for (k, val) in map {
                        self.set_prop(graph, &t, &k, val)?;
                    }
                }
                SetItem::Labels { var, labels, .. } => {
                    if let Some(Value::Node(ix)) = row.get(var) {
                        for l in labels {
                            let s = graph.intern(l);
                            if graph.add_label(*ix, s).unwrap_or(false) {
                                self.stats.labels_added += 1;
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn remove_item(&mut self, graph: &mut Graph, item: &RemoveItem, row: &Row) -> EvalResult<()> {
        match item {
            RemoveItem::Labels { var, labels, .. } => {
                if let Some(Value::Node(ix)) = row.get(var) {
                    for l in labels {
                        if let Some(s) = graph.sym(l) {
                            if graph.remove_label(*ix, s).unwrap_or(false) {
                                self.stats.labels_removed += 1;
                            }
                        }
                    }
                }
            }
            RemoveItem::Property(e) => {
                let ExprKind::Property(base, key) = &e.kind else {
                    return Err(unsupported("this REMOVE target"));
                };
                let t = self.eval(graph, base, row)?;
                if let Some(k) = graph.sym(key) {
                    let removed = match t {
                        Value::Node(ix) => graph.set_entity_prop(ix, k, crate::model::Value::Null),
                        Value::Relationship(ix) => graph.set_claim_prop(ix, k, crate::model::Value::Null),
                        _ => Ok(false),
                    };
                    if removed.unwrap_or(false) {
                        self.stats.properties_removed += 1;
                    }
                }
            }
        }
        Ok(())
    }

    /// CREATE: every part of the pattern, on every row.
    pub(super) fn create(
        &mut self,
        graph: &mut Graph,
        pattern: &Pattern,
        rows: Vec<Row>,
    ) -> EvalResult<Vec<Row>> {
        let mut out = Vec::with_capacity(rows.len());
        for mut row in rows {
            self.tick()?;
            for part in &pattern.parts {
                self.create_part(graph, part, &mut row)?;
            }
            out.push(row);
        }
        Ok(out)
    }

    /// MERGE: the part's matches, or the part created when there are none; then the
    /// ON MATCH or ON CREATE actions.
    pub(super) fn merge(
        &mut self,
        graph: &mut Graph,
        part: &PatternPart,
        actions: &[MergeAction],
        rows: Vec<Row>,
    ) -> EvalResult<Vec<Row>> {
        let mut out = Vec::new();
        for row in rows {
            self.tick()?;
            self.no_null_merge_properties(graph, part, &row)?;
            let mut found = Vec::new();
            self.match_pattern(graph, std::slice::from_ref(part), &row, &mut found)?;
            if found.is_empty() {
                let mut r = row.clone();
                self.create_part(graph, part, &mut r)?;
                for a in actions.iter().filter(|a| a.on_create) {
                    self.set_items(graph, &a.items, &r)?;
                }
                out.push(r);
            } else {
                for r in found {
                    for a in actions.iter().filter(|a| !a.on_create) {
                        self.set_items(graph, &a.items, &r)?;
                    }
                    out.push(r);
                }
            }
        }
        Ok(out)
    }

    /// SET, on every row.
    pub(super) fn set(
        &mut self,
        graph: &mut Graph,
        items: &[SetItem],
        rows: Vec<Row>,
    ) -> EvalResult<Vec<Row>> {
        for row in &rows {
            self.tick()?;
            self.set_items(graph, items, row)?;
        }
        Ok(rows)
    }

    /// REMOVE, on every row.
    pub(super) fn remove(
        &mut self,
        graph: &mut Graph,
        items: &[RemoveItem],
        rows: Vec<Row>,
    ) -> EvalResult<Vec<Row>> {
        for row in &rows {
            self.tick()?;
            for item in items {
                self.remove_item(graph, item, row)?;
            }
        }
        Ok(rows)
    }

    /// [DETACH] DELETE: what every row names, relationships first; a node that still has
    /// relationships needs DETACH.
    pub(super) fn delete(
        &mut self,
        graph: &mut Graph,
        detach: bool,
        exprs: &[Expr],
        rows: Vec<Row>,
    ) -> EvalResult<Vec<Row>> {
        let mut nodes = Vec::new();
        let mut rels = Vec::new();
        for row in &rows {
            self.tick()?;
            for e in exprs {
                let v = self.eval(graph, e, row)?;
                collect_deletions(&v, &mut nodes, &mut rels)?;
            }
        }
        for r in rels {
            if graph.remove_claim(r).is_ok() {
                self.stats.relationships_deleted += 1;
            }
        }
        for n in nodes {
            if graph.entity(n).is_none() {
                continue;
            }
            let connected = graph.claims_at(n, Direction::Outgoing).next().is_some()
                || graph.claims_at(n, Direction::Incoming).next().is_some();
            if connected && !detach {
                return Err(runtime_error(
                    ErrorClass::ConstraintVerificationFailed,
                    ErrorDetail::DeleteConnectedNode,
                    "cannot delete a node that still has relationships; use DETACH DELETE",
                ));
            }
            let removed = graph.remove_entity(n, true).map_err(|e| {
                runtime_error(ErrorClass::EntityNotFound, ErrorDetail::DeletedEntityAccess, e.to_string())
            })?;
            self.stats.relationships_deleted += removed;
            self.stats.nodes_deleted += 1;
        }
        Ok(rows)
    }
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
