//! Execution: runs a checked query AST over a [`Graph`], clause by clause, on materialised
//! rows.
//!
//! This module owns expression evaluation (delegating values, operators, functions and
//! aggregates to the value layer), pattern matching with openCypher's relationship
//! isomorphism (a relationship is bound at most once per MATCH), shortest paths (BFS),
//! projections (grouping, DISTINCT, ORDER BY, SKIP, LIMIT), UNION, and the updating
//! clauses. Where a pattern starts is decided by [`super::plan`]. Every loop that can grow
//! with the graph ticks [`Exec::tick`], which checks the cancel flag.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::Arc;

use petgraph::Direction;

use super::aggregate::{contains_aggregate, is_aggregate_call, Accumulator, AggregateKind};
use super::error::{
    runtime_error, semantic_error, type_error, ErrorClass, ErrorDetail, ErrorPhase, EvalResult, QueryError,
};
use super::functions;
use super::ops::{self, CmpOp, GroupKey, StringOp};
use super::plan::{self, Anchor};
use super::value::{Params, Value};
use crate::model::result::QueryValue;
use crate::model::{Attestation, Claim, ClaimIx, ClaimKind, EntityIx, Graph, SourceRef, Status};
use crate::syntax::query::*;

/// One row: variable name → value. Ordered so `RETURN *` lists columns by name.
pub(crate) use super::row::{self, Row};

/// What a statement returned and changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryOutput {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<QueryValue>>,
    pub stats: WriteStats,
}

/// Side effects of a statement, as the TCK counts them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    pub nodes_created: usize,
    pub nodes_deleted: usize,
    pub relationships_created: usize,
    pub relationships_deleted: usize,
    pub properties_set: usize,
    /// Properties removed (`REMOVE n.p`, `SET n.p = null`, replaced by `SET n = {...}`).
    pub properties_removed: usize,
    pub labels_added: usize,
    pub labels_removed: usize,
}

/// A cancellation flag checked while a query runs (set by Ctrl-C).
pub type CancelFlag = AtomicBool;

/// How often (in rows or candidates) the cancel flag is checked.
const TICK_EVERY: u32 = 1024;

pub(crate) struct Exec<'a> {
    pub(crate) params: &'a Params,
    pub(crate) cancel: &'a CancelFlag,
    pub(crate) text: &'a str,
    pub(crate) user: &'a str,
    pub(crate) stats: WriteStats,
    ticks: std::cell::Cell<u32>,
    /// Variables in scope before the clause being run.
    scope: Vec<String>,
    /// `key(n) = '...'` conjuncts of the MATCH being run (see [`plan::key_hints`]).
    key_hints: std::cell::RefCell<Vec<(String, String)>>,
    /// `'s7' IN sources(r)` conjuncts of the MATCH being run (see [`plan::source_hints`]).
    source_hints: std::cell::RefCell<Vec<(String, String)>>,
    /// Source hints for the next MATCH from the clauses after it
    /// (see [`plan::pushed_source_hints`]).
    pushed_source_hints: Vec<(String, String)>,
    /// `n.p = e` conjuncts of the MATCH being run (see [`plan::equality_hints`]).
    eq_hints: std::cell::RefCell<Vec<(String, String, Expr)>>,
    /// Per (variable, property): candidates by value, built on first use in a MATCH.
    eq_index: std::cell::RefCell<HashMap<(String, String), ValueIndex>>,
}

fn cancelled() -> QueryError {
    runtime_error(ErrorClass::Cancelled, ErrorDetail::Cancelled, "query cancelled")
}

fn unsupported(what: &str) -> QueryError {
    runtime_error(
        ErrorClass::UnsupportedOperation,
        ErrorDetail::NotImplemented,
        format!("{what} is not supported"),
    )
}

impl<'a> Exec<'a> {
    pub(crate) fn new(params: &'a Params, cancel: &'a CancelFlag, text: &'a str, user: &'a str) -> Self {
        Exec {
            params,
            cancel,
            text,
            user,
            stats: WriteStats::default(),
            ticks: std::cell::Cell::new(0),
            key_hints: Default::default(),
            source_hints: Default::default(),
            pushed_source_hints: Vec::new(),
            eq_hints: Default::default(),
            eq_index: Default::default(),
            scope: Vec::new(),
        }
    }

    /// Counts work and checks the cancel flag every [`TICK_EVERY`] calls.
    fn tick(&self) -> EvalResult<()> {
        let n = self.ticks.get().wrapping_add(1);
        self.ticks.set(n);
        if n % TICK_EVERY == 0 && self.cancel.load(AtomicOrdering::Relaxed) {
            return Err(cancelled());
        }
        Ok(())
    }

    // ========================================================================
    // Queries and clauses
    // ========================================================================

    pub(crate) fn run_query(&mut self, graph: &mut Graph, q: &Query) -> EvalResult<QueryOutput> {
        let (columns, mut rows) = self.run_single(graph, &q.first, vec![Row::new()])?;
        let mut distinct = false;
        for (all, part) in &q.unions {
            let (cols, more) = self.run_single(graph, part, vec![Row::new()])?;
            if cols != columns {
                return Err(QueryError::new(
                    ErrorClass::SyntaxError,
                    ErrorDetail::DifferentColumnsInUnion,
                    ErrorPhase::CompileTime,
                    "all sub queries in a UNION must have the same column names",
                )
                .at(part.span));
            }
            rows.extend(more);
            distinct |= !all;
        }
        if distinct {
            rows = dedup_rows(rows, &columns);
        }
        let out_rows = rows
            .iter()
            .map(|r| columns.iter().map(|c| r.get(c).unwrap_or(&Value::Null).to_result(graph)).collect())
            .collect();
        Ok(QueryOutput { columns, rows: out_rows, stats: self.stats })
    }

    /// Runs a single query on input rows; returns its columns (empty when it does not end
    /// in RETURN) and rows.
    fn run_single(
        &mut self,
        graph: &mut Graph,
        q: &SingleQuery,
        input: Vec<Row>,
    ) -> EvalResult<(Vec<String>, Vec<Row>)> {
        let mut rows = input;
        let mut columns = Vec::new();
        // Variables in scope, for `RETURN *` over no rows (WITH replaces them).
        self.scope = rows.first().map(|r| r.keys().map(|k| k.to_string()).collect()).unwrap_or_default();
        for (i, clause) in q.clauses.iter().enumerate() {
            if matches!(clause.kind, ClauseKind::Match { .. }) {
                self.pushed_source_hints = plan::pushed_source_hints(&q.clauses[i + 1..], self.params);
            }
            match &clause.kind {
                ClauseKind::Match { pattern, .. } | ClauseKind::Create { pattern } => {
                    self.scope.extend(pattern_vars(&pattern.parts))
                }
                ClauseKind::Merge { part, .. } => self.scope.extend(pattern_vars(std::slice::from_ref(part))),
                ClauseKind::Unwind { var, .. } => self.scope.push(var.clone()),
                _ => {}
            }
            self.scope.sort();
            self.scope.dedup();
            rows = self.run_clause(graph, clause, rows, &mut columns).map_err(|mut e| {
                if e.span.is_none() {
                    e.span = Some(clause.span);
                }
                e
            })?;
        }
        let returns = matches!(q.clauses.last().map(|c| &c.kind), Some(ClauseKind::Return { .. }));
        if !returns {
            columns.clear();
            rows.clear();
        }
        Ok((columns, rows))
    }

    fn run_clause(
        &mut self,
        graph: &mut Graph,
        clause: &Clause,
        rows: Vec<Row>,
        columns: &mut Vec<String>,
    ) -> EvalResult<Vec<Row>> {
        match &clause.kind {
            ClauseKind::Match { optional, pattern, where_ } => {
                let mut out = Vec::new();
                *self.key_hints.borrow_mut() = plan::key_hints(where_.as_ref(), self.params);
                let mut sources = plan::source_hints(where_.as_ref(), self.params);
                sources.append(&mut self.pushed_source_hints);
                *self.source_hints.borrow_mut() = sources;
                *self.eq_hints.borrow_mut() = plan::equality_hints(where_.as_ref());
                self.eq_index.borrow_mut().clear();
                for row in rows {
                    self.tick()?;
                    let before = out.len();
                    // WHERE filters each complete match as it is found, so a cross product
                    // of pattern parts is never held in memory.
                    let mut used = Vec::new();
                    // Only OPTIONAL MATCH needs the row again afterwards.
                    let (input, kept) = if *optional { (row.clone(), Some(row)) } else { (row, None) };
                    self.match_parts(graph, &pattern.parts, input, &mut used, where_.as_ref(), &mut out)?;
                    if let Some(mut r) = kept.filter(|_| out.len() == before) {
                        for v in pattern_vars(&pattern.parts) {
                            r.entry(v).or_insert(Value::Null);
                        }
                        out.push(r);
                    }
                }
                self.key_hints.borrow_mut().clear();
                self.source_hints.borrow_mut().clear();
                self.eq_hints.borrow_mut().clear();
                self.eq_index.borrow_mut().clear();
                Ok(out)
            }
            ClauseKind::Unwind { expr, var } => {
                let var = row::intern(var);
                let mut out = Vec::new();
                for row in rows {
                    self.tick()?;
                    match self.eval(graph, expr, &row)? {
                        Value::Null => {}
                        Value::List(items) => {
                            out.reserve(items.len());
                            for item in items {
                                self.tick()?;
                                let mut r = row.clone();
                                r.insert(&var, item);
                                out.push(r);
                            }
                        }
                        other => {
                            let mut r = row;
                            r.insert(&var, other);
                            out.push(r);
                        }
                    }
                }
                Ok(out)
            }
            ClauseKind::With { proj, where_ } => {
                let (cols, out) = self.project(graph, proj, rows, where_.as_ref())?;
                self.scope = cols;
                Ok(out)
            }
            ClauseKind::Return { proj } => {
                let (cols, out) = self.project(graph, proj, rows, None)?;
                *columns = cols;
                Ok(out)
            }
            ClauseKind::Create { pattern } => {
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
            ClauseKind::Merge { part, actions } => {
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
            ClauseKind::Set { items } => {
                for row in &rows {
                    self.tick()?;
                    self.set_items(graph, items, row)?;
                }
                Ok(rows)
            }
            ClauseKind::Remove { items } => {
                for row in &rows {
                    self.tick()?;
                    for item in items {
                        self.remove_item(graph, item, row)?;
                    }
                }
                Ok(rows)
            }
            ClauseKind::Delete { detach, exprs } => {
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
                        runtime_error(
                            ErrorClass::EntityNotFound,
                            ErrorDetail::DeletedEntityAccess,
                            e.to_string(),
                        )
                    })?;
                    self.stats.relationships_deleted += removed;
                    self.stats.nodes_deleted += 1;
                }
                Ok(rows)
            }
            ClauseKind::Call { name, .. } => Err(QueryError::new(
                ErrorClass::ProcedureError,
                ErrorDetail::ProcedureNotFound,
                ErrorPhase::CompileTime,
                format!("there is no procedure named '{name}'"),
            )),
        }
    }

    // ========================================================================
    // Projection: grouping, DISTINCT, ORDER BY, SKIP, LIMIT
    // ========================================================================

    fn column_name(&self, item: &ProjItem) -> String {
        match &item.alias {
            Some(a) => a.clone(),
            None => self
                .text
                .get(item.span.start..item.span.end)
                .map_or_else(|| item.expr.to_string(), |t| t.trim().to_string()),
        }
    }

    /// Projects rows, keeping those that pass `filter` (a WITH's WHERE, which sees the
    /// projected variables and, beneath them, those before WITH); returns the columns and
    /// the projected rows.
    fn project(
        &self,
        graph: &Graph,
        proj: &Projection,
        rows: Vec<Row>,
        filter: Option<&Expr>,
    ) -> EvalResult<(Vec<String>, Vec<Row>)> {
        let g: &Graph = graph;
        // Columns: `*` first (variables in scope, by name), then the items.
        let mut columns: Vec<String> = Vec::new();
        if proj.star {
            columns.extend(self.scope.iter().filter(|k| !k.starts_with("  ")).cloned());
        }
        let names: Vec<String> = proj.items.iter().map(|i| self.column_name(i)).collect();
        let keys_of: Vec<Arc<str>> = names.iter().map(|n| row::intern(n)).collect();
        for n in &names {
            if !columns.contains(n) {
                columns.push(n.clone());
            }
        }
        let aggregating = proj.items.iter().any(|i| contains_aggregate(&i.expr));
        // Each output row keeps the input row underneath (for ORDER BY on variables that
        // are not projected), projected values on top.
        let mut out: Vec<(Row, Row)> = Vec::new();
        // Each aggregated output row's group, for ORDER BY items that aggregate.
        let mut groups_of: Vec<Vec<Row>> = Vec::new();
        if aggregating {
            let keys: Vec<usize> =
                (0..proj.items.len()).filter(|i| !contains_aggregate(&proj.items[*i].expr)).collect();
            let mut groups: Vec<(Row, Vec<Row>)> = Vec::new();
            let mut index: HashMap<Vec<GroupKey>, usize> = HashMap::new();
            for row in rows {
                self.tick()?;
                let mut key_vals = Row::new();
                let mut gk = Vec::with_capacity(keys.len());
                for &k in &keys {
                    let v = self.eval(g, &proj.items[k].expr, &row)?;
                    gk.push(ops::group_key(&v));
                    key_vals.insert(&keys_of[k], v);
                }
                match index.get(&gk) {
                    Some(&i) => groups[i].1.push(row),
                    None => {
                        index.insert(gk, groups.len());
                        groups.push((key_vals, vec![row]));
                    }
                }
            }
            // Aggregating with no grouping keys yields one row even over no input.
            if groups.is_empty() && keys.is_empty() {
                groups.push((Row::new(), Vec::new()));
            }
            for (key_vals, members) in groups {
                let mut projected = key_vals;
                let base = members.first().cloned().unwrap_or_default();
                for (i, item) in proj.items.iter().enumerate() {
                    if contains_aggregate(&item.expr) {
                        let v = self.eval_aggregate(g, &item.expr, &members, &base)?;
                        projected.insert(&keys_of[i], v);
                    }
                }
                out.push((base, projected));
                groups_of.push(members);
            }
        } else {
            // Without DISTINCT, ORDER BY, SKIP or LIMIT, WHERE can filter each row as it is
            // projected, and no row before projection need be kept.
            let streaming =
                !proj.distinct && proj.order.is_empty() && proj.skip.is_none() && proj.limit.is_none();
            for row in rows {
                self.tick()?;
                let mut projected = if proj.star { row.clone() } else { Row::new() };
                for (i, item) in proj.items.iter().enumerate() {
                    let v = self.eval(g, &item.expr, &row)?;
                    projected.insert(&keys_of[i], v);
                }
                if !streaming {
                    out.push((row, projected));
                } else if let Some(w) = filter {
                    if self.where_holds(g, w, row, &projected)? {
                        out.push((Row::new(), projected));
                    }
                } else {
                    out.push((Row::new(), projected));
                }
            }
            if streaming {
                return Ok((columns, out.into_iter().map(|(_, p)| p).collect()));
            }
        }
        if proj.distinct {
            let mut seen = HashSet::new();
            groups_of.clear();
            out.retain(|(_, p)| {
                seen.insert(
                    columns
                        .iter()
                        .map(|c| ops::group_key(p.get(c).unwrap_or(&Value::Null)))
                        .collect::<Vec<_>>(),
                )
            });
        }
        if !proj.order.is_empty() {
            let mut keyed = Vec::with_capacity(out.len());
            for (i, (base, projected)) in out.into_iter().enumerate() {
                self.tick()?;
                let mut keys = Vec::with_capacity(proj.order.len());
                for s in &proj.order {
                    let members = groups_of.get(i).map(Vec::as_slice);
                    keys.push(self.sort_key(g, proj, &names, s, &base, &projected, aggregating, members)?);
                }
                keyed.push((keys, base, projected));
            }
            keyed.sort_by(|a, b| {
                for (i, s) in proj.order.iter().enumerate() {
                    let o = ops::order_cmp(&a.0[i], &b.0[i]);
                    let o = if s.descending { o.reverse() } else { o };
                    if o != std::cmp::Ordering::Equal {
                        return o;
                    }
                }
                std::cmp::Ordering::Equal
            });
            out = keyed.into_iter().map(|(_, b, p)| (b, p)).collect();
        }
        let empty = Row::new();
        let skip = match &proj.skip {
            Some(e) => self.count_arg(g, e, "SKIP", &empty)?,
            None => 0,
        };
        let limit = match &proj.limit {
            Some(e) => Some(self.count_arg(g, e, "LIMIT", &empty)?),
            None => None,
        };
        let out = out.into_iter().skip(skip).take(limit.unwrap_or(usize::MAX));
        let Some(w) = filter else {
            return Ok((columns, out.map(|(_, p)| p).collect()));
        };
        let mut kept = Vec::new();
        for (base, projected) in out {
            if self.where_holds(g, w, base, &projected)? {
                kept.push(projected);
            }
        }
        Ok((columns, kept))
    }

    /// Whether a WITH's WHERE holds for `projected` over `base`, the row before WITH.
    fn where_holds(&self, g: &Graph, w: &Expr, base: Row, projected: &Row) -> EvalResult<bool> {
        let mut scope = base;
        scope.extend(projected.iter().map(|(k, v)| (k, v.clone())));
        Ok(ops::is_true(&self.eval(g, w, &scope)?))
    }

    #[allow(clippy::too_many_arguments)]
    fn sort_key(
        &self,
        g: &Graph,
        proj: &Projection,
        names: &[String],
        s: &SortItem,
        base: &Row,
        projected: &Row,
        aggregating: bool,
        members: Option<&[Row]>,
    ) -> EvalResult<Value> {
        // An ORDER BY expression that repeats a projected expression reads its column.
        let text = s.expr.to_string();
        for (i, item) in proj.items.iter().enumerate() {
            if item.expr.to_string() == text {
                return Ok(projected.get(&names[i]).cloned().unwrap_or(Value::Null));
            }
        }
        let mut scope = if aggregating || proj.distinct { Row::new() } else { base.clone() };
        scope.extend(projected.iter().map(|(k, v)| (k.clone(), v.clone())));
        if contains_aggregate(&s.expr) {
            if let Some(members) = members {
                // Aggregate over the group; the rest reads the group's keys and aliases.
                let mut group_scope = base.clone();
                group_scope.extend(projected.iter().map(|(k, v)| (k.clone(), v.clone())));
                return self.eval_aggregate(g, &s.expr, members, &group_scope);
            }
            return Err(QueryError::new(
                ErrorClass::SyntaxError,
                ErrorDetail::InvalidAggregation,
                ErrorPhase::CompileTime,
                "aggregations in ORDER BY must also be projected",
            )
            .at(s.expr.span));
        }
        self.eval(g, &s.expr, &scope)
    }

    /// SKIP / LIMIT: a non-negative integer.
    fn count_arg(&self, g: &Graph, e: &Expr, what: &str, row: &Row) -> EvalResult<usize> {
        match self.eval(g, e, row)? {
            Value::Int(i) if i >= 0 => Ok(usize::try_from(i).unwrap_or(usize::MAX)),
            Value::Int(_) => Err(runtime_error(
                ErrorClass::SyntaxError,
                ErrorDetail::NegativeIntegerArgument,
                format!("{what} must not be negative"),
            )),
            other => Err(runtime_error(
                ErrorClass::SyntaxError,
                ErrorDetail::InvalidArgumentType,
                format!("{what} must be an integer, got {}", other.type_name()),
            )),
        }
    }

    /// Evaluates an expression containing aggregates over a group's rows.
    fn eval_aggregate(&self, g: &Graph, e: &Expr, rows: &[Row], base: &Row) -> EvalResult<Value> {
        match &e.kind {
            ExprKind::CountStar => Ok(Value::Int(rows.len() as i64)),
            ExprKind::Call { name, distinct, args } if AggregateKind::from_name(name).is_some() => {
                let kind = AggregateKind::from_name(name).ok_or_else(|| unsupported(name))?;
                let mut acc = Accumulator::new(kind, *distinct);
                for r in rows {
                    self.tick()?;
                    let vals = args.iter().map(|a| self.eval(g, a, r)).collect::<EvalResult<Vec<_>>>()?;
                    acc.update(&vals)?;
                }
                acc.finish()
            }
            _ if !contains_aggregate(e) => self.eval(g, e, base),
            _ => {
                // Replace each aggregate by its value, then evaluate the rest on the group.
                let mut scope = base.clone();
                let mut rewritten = e.clone();
                let mut n = 0;
                self.substitute_aggregates(g, &mut rewritten, rows, base, &mut scope, &mut n)?;
                self.eval(g, &rewritten, &scope)
            }
        }
    }

    fn substitute_aggregates(
        &self,
        g: &Graph,
        e: &mut Expr,
        rows: &[Row],
        base: &Row,
        scope: &mut Row,
        n: &mut usize,
    ) -> EvalResult<()> {
        if is_aggregate_call(e) {
            let v = self.eval_aggregate(g, e, rows, base)?;
            let var = format!("  agg{n}");
            *n += 1;
            scope.insert(var.clone(), v);
            e.kind = ExprKind::Var(var);
            return Ok(());
        }
        for child in e.children_mut() {
            self.substitute_aggregates(g, child, rows, base, scope, n)?;
        }
        Ok(())
    }

    // ========================================================================
    // Expressions
    // ========================================================================

    pub(crate) fn eval(&self, g: &Graph, e: &Expr, row: &Row) -> EvalResult<Value> {
        self.eval_inner(g, e, row).map_err(|mut err| {
            if err.span.is_none() {
                err.span = Some(e.span);
            }
            err
        })
    }

    fn eval_inner(&self, g: &Graph, e: &Expr, row: &Row) -> EvalResult<Value> {
        Ok(match &e.kind {
            ExprKind::Literal(l) => match l {
                Literal::Null => Value::Null,
                Literal::Bool(b) => Value::Bool(*b),
                Literal::Int(i) => Value::Int(*i),
                Literal::Float(x) => Value::Float(*x),
                Literal::String(s) => Value::from(s.as_str()),
                Literal::Uncertain(u) => Value::Uncertain(*u),
            },
            ExprKind::Param(p) => match self.params.get(p) {
                Some(v) => Value::from_query_value(v),
                None => {
                    return Err(QueryError::new(
                        ErrorClass::ParameterMissing,
                        ErrorDetail::MissingParameter,
                        ErrorPhase::CompileTime,
                        format!("expected parameter ${p}"),
                    )
                    .at(e.span))
                }
            },
            ExprKind::Var(v) => match row.get(v) {
                Some(x) => x.clone(),
                None => {
                    return Err(QueryError::new(
                        ErrorClass::SyntaxError,
                        ErrorDetail::UndefinedVariable,
                        ErrorPhase::CompileTime,
                        format!("variable `{v}` not defined"),
                    )
                    .at(e.span))
                }
            },
            ExprKind::List(items) => {
                Value::List(items.iter().map(|i| self.eval(g, i, row)).collect::<EvalResult<_>>()?)
            }
            ExprKind::Map(entries) => {
                let mut m = BTreeMap::new();
                for (k, v) in entries {
                    m.insert(k.clone(), self.eval(g, v, row)?);
                }
                Value::Map(m)
            }
            ExprKind::Property(base, key) => {
                let b = self.eval(g, base, row)?;
                let deleted = match &b {
                    Value::Node(ix) => g.entity(*ix).is_none(),
                    Value::Relationship(ix) => g.claim(*ix).is_none(),
                    _ => false,
                };
                if deleted {
                    return Err(runtime_error(
                        ErrorClass::EntityNotFound,
                        ErrorDetail::DeletedEntityAccess,
                        format!("cannot read property '{key}' of a deleted entity"),
                    ));
                }
                ops::property(g, &b, key)?
            }
            ExprKind::Index(base, i) => ops::index(g, &self.eval(g, base, row)?, &self.eval(g, i, row)?)?,
            ExprKind::Slice(base, from, to) => {
                let b = self.eval(g, base, row)?;
                let f = from.as_ref().map(|x| self.eval(g, x, row)).transpose()?;
                let t = to.as_ref().map(|x| self.eval(g, x, row)).transpose()?;
                ops::slice(&b, f.as_ref(), t.as_ref())?
            }
            ExprKind::HasLabels(base, labels) => {
                let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
                ops::has_labels(g, &self.eval(g, base, row)?, &labels)?
            }
            ExprKind::Unary(op, x) => {
                let v = self.eval(g, x, row)?;
                match op {
                    UnaryOp::Not => ops::not(&v)?,
                    UnaryOp::Neg => ops::neg(&v)?,
                    UnaryOp::Plus => match v {
                        Value::Null | Value::Int(_) | Value::Float(_) | Value::Uncertain(_) => v,
                        other => {
                            return Err(type_error(
                                ErrorDetail::InvalidArgumentType,
                                format!("cannot apply unary + to a {}", other.type_name()),
                            ))
                        }
                    },
                }
            }
            ExprKind::Binary(op, l, r) => {
                match op {
                    // Short-circuit where three-valued logic allows it.
                    BinOp::And => {
                        let a = self.eval(g, l, row)?;
                        if ops::truth(&a)? == Some(false) {
                            return Ok(Value::Bool(false));
                        }
                        return ops::and(&a, &self.eval(g, r, row)?);
                    }
                    BinOp::Or => {
                        let a = self.eval(g, l, row)?;
                        if ops::truth(&a)? == Some(true) {
                            return Ok(Value::Bool(true));
                        }
                        return ops::or(&a, &self.eval(g, r, row)?);
                    }
                    _ => {}
                }
                let a = self.eval(g, l, row)?;
                let b = self.eval(g, r, row)?;
                match op {
                    BinOp::Xor => ops::xor(&a, &b)?,
                    BinOp::Add => ops::add(&a, &b)?,
                    BinOp::Sub => ops::sub(&a, &b)?,
                    BinOp::Mul => ops::mul(&a, &b)?,
                    BinOp::Div => ops::div(&a, &b)?,
                    BinOp::Mod => ops::rem(&a, &b)?,
                    BinOp::Pow => ops::pow(&a, &b)?,
                    BinOp::In => ops::in_list(&a, &b)?,
                    BinOp::StartsWith => ops::string_predicate(StringOp::StartsWith, &a, &b).into(),
                    BinOp::EndsWith => ops::string_predicate(StringOp::EndsWith, &a, &b).into(),
                    BinOp::Contains => ops::string_predicate(StringOp::Contains, &a, &b).into(),
                    BinOp::And | BinOp::Or => Value::Null,
                }
            }
            ExprKind::Comparison(first, rest) => {
                let mut left = self.eval(g, first, row)?;
                let mut result = Some(true);
                for (op, re) in rest {
                    let right = self.eval(g, re, row)?;
                    let r = match op {
                        CompOp::Eq => ops::equals(&left, &right),
                        CompOp::Ne => ops::not_equals(&left, &right),
                        CompOp::Lt => ops::compare(CmpOp::Lt, &left, &right),
                        CompOp::Le => ops::compare(CmpOp::Le, &left, &right),
                        CompOp::Gt => ops::compare(CmpOp::Gt, &left, &right),
                        CompOp::Ge => ops::compare(CmpOp::Ge, &left, &right),
                        CompOp::Regex => ops::truth(&ops::regex_match(&left, &right)?)?,
                    };
                    result = ops::and3(result, r);
                    left = right;
                }
                result.into()
            }
            ExprKind::IsNull(x, negated) => Value::Bool(self.eval(g, x, row)?.is_null() != *negated),
            ExprKind::Case { input, whens, else_ } => {
                let input = input.as_ref().map(|i| self.eval(g, i, row)).transpose()?;
                for (w, t) in whens {
                    let hit = match &input {
                        Some(iv) => ops::equals(iv, &self.eval(g, w, row)?) == Some(true),
                        None => ops::is_true(&self.eval(g, w, row)?),
                    };
                    if hit {
                        return self.eval(g, t, row);
                    }
                }
                match else_ {
                    Some(x) => self.eval(g, x, row)?,
                    None => Value::Null,
                }
            }
            ExprKind::CountStar => return Err(misplaced_aggregate(e.span)),
            ExprKind::Call { name, args, .. } => {
                if AggregateKind::from_name(name).is_some() {
                    return Err(misplaced_aggregate(e.span));
                }
                if name.eq_ignore_ascii_case("exists") && args.len() == 1 {
                    return match &args[0].kind {
                        ExprKind::Pattern(_) => self.eval(g, &args[0], row),
                        _ => Ok(Value::Bool(!self.eval(g, &args[0], row)?.is_null())),
                    };
                }
                let vals = args.iter().map(|a| self.eval(g, a, row)).collect::<EvalResult<Vec<_>>>()?;
                if name.eq_ignore_ascii_case("labels")
                    && matches!(vals.first(), Some(Value::Node(ix)) if g.entity(*ix).is_none())
                {
                    return Err(runtime_error(
                        ErrorClass::EntityNotFound,
                        ErrorDetail::DeletedEntityAccess,
                        "cannot read the labels of a deleted node",
                    ));
                }
                functions::call(g, name, &vals)?
            }
            ExprKind::ListComprehension { var, list, filter, map } => {
                let items = match self.eval(g, list, row)? {
                    Value::Null => return Ok(Value::Null),
                    Value::List(items) => items,
                    other => {
                        return Err(type_error(
                            ErrorDetail::InvalidArgumentType,
                            format!("expected a list, got {}", other.type_name()),
                        ))
                    }
                };
                let mut out = Vec::new();
                let mut scope = row.clone();
                for item in items {
                    self.tick()?;
                    scope.insert(var.clone(), item.clone());
                    if let Some(f) = filter {
                        if !ops::is_true(&self.eval(g, f, &scope)?) {
                            continue;
                        }
                    }
                    out.push(match map {
                        Some(m) => self.eval(g, m, &scope)?,
                        None => item,
                    });
                }
                Value::List(out)
            }
            ExprKind::Quantifier { kind, var, list, filter } => {
                let items = match self.eval(g, list, row)? {
                    Value::Null => return Ok(Value::Null),
                    Value::List(items) => items,
                    other => {
                        return Err(type_error(
                            ErrorDetail::InvalidArgumentType,
                            format!("expected a list, got {}", other.type_name()),
                        ))
                    }
                };
                let (mut trues, mut nulls) = (0usize, 0usize);
                let mut scope = row.clone();
                let n = items.len();
                for item in items {
                    self.tick()?;
                    scope.insert(var.clone(), item);
                    let t = match filter {
                        Some(f) => ops::truth(&self.eval(g, f, &scope)?)?,
                        None => Some(true),
                    };
                    match t {
                        Some(true) => trues += 1,
                        None => nulls += 1,
                        Some(false) => {}
                    }
                }
                let falses = n - trues - nulls;
                let r = match kind {
                    QuantKind::All => {
                        if falses > 0 {
                            Some(false)
                        } else if nulls > 0 {
                            None
                        } else {
                            Some(true)
                        }
                    }
                    QuantKind::Any => {
                        if trues > 0 {
                            Some(true)
                        } else if nulls > 0 {
                            None
                        } else {
                            Some(false)
                        }
                    }
                    QuantKind::None => {
                        if trues > 0 {
                            Some(false)
                        } else if nulls > 0 {
                            None
                        } else {
                            Some(true)
                        }
                    }
                    QuantKind::Single => {
                        if trues > 1 {
                            Some(false)
                        } else if nulls > 0 {
                            None
                        } else {
                            Some(trues == 1)
                        }
                    }
                };
                r.into()
            }
            ExprKind::Pattern(el) => {
                let part = PatternPart { var: None, shortest: None, element: (**el).clone(), span: el.span };
                let mut found = Vec::new();
                self.match_pattern(g, std::slice::from_ref(&part), row, &mut found)?;
                Value::Bool(!found.is_empty())
            }
            ExprKind::PatternComprehension { path_var, pattern, filter, map } => {
                let part = PatternPart {
                    var: path_var.clone(),
                    shortest: None,
                    element: (**pattern).clone(),
                    span: pattern.span,
                };
                let mut found = Vec::new();
                self.match_pattern(g, std::slice::from_ref(&part), row, &mut found)?;
                let mut out = Vec::new();
                for r in found {
                    if let Some(f) = filter {
                        if !ops::is_true(&self.eval(g, f, &r)?) {
                            continue;
                        }
                    }
                    out.push(self.eval(g, map, &r)?);
                }
                Value::List(out)
            }
            ExprKind::Exists(body) => match body.as_ref() {
                ExistsBody::Pattern(p, w) => {
                    let mut found = Vec::new();
                    self.match_pattern(g, &p.parts, row, &mut found)?;
                    let mut any = false;
                    for r in found {
                        if w.as_ref().map_or(Ok(true), |w| self.eval(g, w, &r).map(|v| ops::is_true(&v)))? {
                            any = true;
                            break;
                        }
                    }
                    Value::Bool(any)
                }
                ExistsBody::Query(q) => Value::Bool(self.exists_query(g, q, row)?),
            },
            ExprKind::ShortestPath(part) => {
                let mut found = Vec::new();
                let mut named = (**part).clone();
                named.var = Some("  path".into());
                self.match_pattern(g, std::slice::from_ref(&named), row, &mut found)?;
                found.into_iter().next().and_then(|mut r| r.remove("  path")).unwrap_or(Value::Null)
            }
        })
    }

    /// `EXISTS { MATCH ... }`: read-only clauses run on the current row.
    fn exists_query(&self, g: &Graph, q: &SingleQuery, row: &Row) -> EvalResult<bool> {
        let mut rows = vec![row.clone()];
        for c in &q.clauses {
            match &c.kind {
                ClauseKind::Match { optional, pattern, where_ } => {
                    let mut out = Vec::new();
                    for r in &rows {
                        let mut found = Vec::new();
                        self.match_pattern(g, &pattern.parts, r, &mut found)?;
                        let before = out.len();
                        for f in found {
                            if where_
                                .as_ref()
                                .map_or(Ok(true), |w| self.eval(g, w, &f).map(|v| ops::is_true(&v)))?
                            {
                                out.push(f);
                            }
                        }
                        if *optional && out.len() == before {
                            out.push(r.clone());
                        }
                    }
                    rows = out;
                }
                ClauseKind::With { proj, where_ } => {
                    let (_, out) = self.project(g, proj, rows, where_.as_ref())?;
                    rows = out;
                }
                ClauseKind::Unwind { .. } | ClauseKind::Return { .. } => {}
                _ => return Err(unsupported("an updating clause inside EXISTS")),
            }
        }
        Ok(!rows.is_empty())
    }

    // ========================================================================
    // Pattern matching
    // ========================================================================

    /// All extensions of `row` that match every part (relationships distinct across parts).
    pub(crate) fn match_pattern(
        &self,
        g: &Graph,
        parts: &[PatternPart],
        row: &Row,
        out: &mut Vec<Row>,
    ) -> EvalResult<()> {
        let mut used = Vec::new();
        self.match_parts(g, parts, row.clone(), &mut used, None, out)
    }

    fn match_parts(
        &self,
        g: &Graph,
        parts: &[PatternPart],
        row: Row,
        used: &mut Vec<ClaimIx>,
        filter: Option<&Expr>,
        out: &mut Vec<Row>,
    ) -> EvalResult<()> {
        let Some((part, rest)) = parts.split_first() else {
            if let Some(w) = filter {
                if !ops::is_true(&self.eval(g, w, &row)?) {
                    return Ok(());
                }
            }
            out.push(row);
            return Ok(());
        };
        let mut partial = Vec::new();
        if part.shortest.is_some() {
            self.match_shortest(g, part, &row, &mut partial)?;
            for (r, _) in partial {
                self.match_parts(g, rest, r, used, filter, out)?;
            }
            return Ok(());
        }
        // Start from the more selective end or relationship (see plan::choose_start).
        let start = {
            let keys = self.key_hints.borrow();
            let sources = self.source_hints.borrow();
            let eq = self.eq_hints.borrow();
            let hints = plan::Hints {
                keys: &keys,
                sources: &sources,
                eq_vars: eq.iter().map(|(v, _, _)| v.as_str()).collect(),
            };
            plan::choose_start(g, &part.element, &row, &hints, self.params)
        };
        let reversed = start.reversed;
        let el = if reversed { reverse_element(&part.element) } else { part.element.clone() };
        // Copying the path and the relationships used for every match is linear in the
        // path's length: only do it when a path variable or a later part needs them.
        let mut state = MatchState {
            nodes: Vec::new(),
            rels: Vec::new(),
            want_path: part.var.is_some(),
            want_used: !rest.is_empty(),
        };
        let mut results: Vec<ElementMatch> = Vec::new();
        match &start.rel {
            Some(anchor) => {
                self.match_element_from_rel(g, &el, anchor, row, used, &mut state, &mut results)?
            }
            None => self.match_element(g, &el, row, used, &mut state, &mut results)?,
        }
        for (mut r, mut nodes, mut rels, used_here) in results {
            if reversed {
                // Variable-length lists were collected walking backwards.
                for (rel, _) in &part.element.chain {
                    if let (Some(v), Some(_)) = (&rel.var, rel.range) {
                        if let Some(Value::List(items)) = r.get_mut(v) {
                            items.reverse();
                        }
                    }
                }
            }
            if let Some(pv) = &part.var {
                if reversed {
                    nodes.reverse();
                    rels.reverse();
                }
                r.insert(pv, Value::Path { nodes, rels });
            }
            let n = used.len();
            used.extend(used_here);
            self.match_parts(g, rest, r, used, filter, out)?;
            used.truncate(n);
        }
        Ok(())
    }

    fn node_candidates(&self, g: &Graph, node: &NodePattern, row: &Row) -> EvalResult<Vec<EntityIx>> {
        if let Some(v) = &node.var {
            if let Some(bound) = row.get(v) {
                return Ok(match bound {
                    Value::Node(ix) if g.entity(*ix).is_some() => vec![*ix],
                    Value::Null => Vec::new(),
                    Value::Node(_) => Vec::new(),
                    other => {
                        return Err(type_error(
                            ErrorDetail::InvalidArgumentType,
                            format!("variable `{v}` is a {}, not a node", other.type_name()),
                        ))
                    }
                });
            }
        }
        if let Some(found) = self.candidates_by_value(g, node, row)? {
            return Ok(found);
        }
        Ok(self.anchor_candidates(g, node))
    }

    fn anchor_candidates(&self, g: &Graph, node: &NodePattern) -> Vec<EntityIx> {
        let anchor = plan::choose_anchor(g, node, &self.key_hints.borrow(), self.params);
        match anchor {
            Anchor::Key(ix) => ix.into_iter().collect(),
            Anchor::Name(list) => list,
            Anchor::Label(sym) => g.entities_with_label(sym).collect(),
            Anchor::Nothing => Vec::new(),
            Anchor::All => g.entities().collect(),
        }
    }

    /// Candidates for `n` from a `n.p = e` conjunct whose `e` can be evaluated on `row`: a
    /// superset of the entities where `n.p = e` holds (the WHERE still checks each match).
    fn candidates_by_value(
        &self,
        g: &Graph,
        node: &NodePattern,
        row: &Row,
    ) -> EvalResult<Option<Vec<EntityIx>>> {
        let Some(var) = &node.var else { return Ok(None) };
        let hints: Vec<(String, Expr)> = self
            .eq_hints
            .borrow()
            .iter()
            .filter(|(v, _, _)| v == var)
            .map(|(_, p, e)| (p.clone(), e.clone()))
            .collect();
        for (prop, probe) in hints {
            let Ok(value) = self.eval(g, &probe, row) else { continue };
            if value.is_null() {
                // `n.p = null` is never true.
                return Ok(Some(Vec::new()));
            }
            if !indexable(&value) {
                continue;
            }
            let key = (var.clone(), prop.clone());
            if !self.eq_index.borrow().contains_key(&key) {
                let mut index = ValueIndex::default();
                let prop_sym = g.sym(&prop);
                for ix in self.anchor_candidates(g, node) {
                    self.tick()?;
                    let v = prop_sym
                        .and_then(|k| g.entity_prop(ix, k))
                        .map(Value::from_model)
                        .unwrap_or(Value::Null);
                    if v.is_null() {
                        continue;
                    }
                    if indexable(&v) {
                        index.by_value.entry(ops::group_key(&v)).or_default().push(ix);
                    } else {
                        index.always.push(ix);
                    }
                }
                self.eq_index.borrow_mut().insert(key.clone(), index);
            }
            let indexes = self.eq_index.borrow();
            let Some(index) = indexes.get(&key) else { continue };
            let mut found = index.by_value.get(&ops::group_key(&value)).cloned().unwrap_or_default();
            found.extend(index.always.iter().copied());
            return Ok(Some(found));
        }
        Ok(None)
    }

    fn node_matches(&self, g: &Graph, node: &NodePattern, ix: EntityIx, row: &Row) -> EvalResult<bool> {
        for l in &node.labels {
            if !g.sym(l).is_some_and(|s| g.has_label(ix, s)) {
                return Ok(false);
            }
        }
        if let Some(props) = &node.props {
            if !self.props_match(g, props, &Value::Node(ix), row)? {
                return Ok(false);
            }
        }
        if let Some(v) = &node.var {
            if let Some(bound) = row.get(v) {
                return Ok(matches!(bound, Value::Node(b) if *b == ix));
            }
        }
        Ok(true)
    }

    fn props_match(&self, g: &Graph, props: &Expr, element: &Value, row: &Row) -> EvalResult<bool> {
        let want = match self.eval(g, props, row)? {
            Value::Map(m) => m,
            Value::Null => return Ok(true),
            other => {
                return Err(type_error(
                    ErrorDetail::InvalidArgumentType,
                    format!("property map expected, got {}", other.type_name()),
                ))
            }
        };
        for (k, v) in &want {
            let have = ops::property(g, element, k)?;
            if ops::equals(&have, v) != Some(true) && !alias_matches(g, element, k, v)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn match_element(
        &self,
        g: &Graph,
        el: &PatternElement,
        row: Row,
        used: &[ClaimIx],
        state: &mut MatchState,
        out: &mut Vec<ElementMatch>,
    ) -> EvalResult<()> {
        for ix in self.node_candidates(g, &el.start, &row)? {
            self.tick()?;
            if !self.node_matches(g, &el.start, ix, &row)? {
                continue;
            }
            let mut r = row.clone();
            if let Some(v) = &el.start.var {
                r.insert(v, Value::Node(ix));
            }
            state.nodes.clear();
            state.rels.clear();
            state.nodes.push(ix);
            let mut local_used = Vec::new();
            self.hop(g, el, 0, ix, r, used, &mut local_used, state, out)?;
        }
        Ok(())
    }

    /// Matches an element from candidates for its first relationship: each claim binds
    /// the start node, the relationship and the next node (both ways round for an
    /// undirected pattern), then the chain expands from there as [`Self::hop`] does.
    #[allow(clippy::too_many_arguments)]
    fn match_element_from_rel(
        &self,
        g: &Graph,
        el: &PatternElement,
        anchor: &plan::RelAnchor,
        row: Row,
        used: &[ClaimIx],
        state: &mut MatchState,
        out: &mut Vec<ElementMatch>,
    ) -> EvalResult<()> {
        let Some((rel, next)) = el.chain.first() else { return Ok(()) };
        for c in anchor.claims(g) {
            self.tick()?;
            if used.contains(&c) {
                continue;
            }
            let Some((s, o)) = g.endpoints(c) else { continue };
            let ways: &[(EntityIx, EntityIx)] = match rel.direction {
                RelDirection::Right => &[(s, o)],
                RelDirection::Left => &[(o, s)],
                RelDirection::Both if s == o => &[(s, o)],
                RelDirection::Both => &[(s, o), (o, s)],
            };
            for &(from, to) in ways {
                if !self.node_matches(g, &el.start, from, &row)? {
                    continue;
                }
                let mut r = row.clone();
                if let Some(v) = &el.start.var {
                    r.insert(v, Value::Node(from));
                }
                if !self.rel_matches(g, rel, c, &r)? || !self.node_matches(g, next, to, &r)? {
                    continue;
                }
                if let Some(v) = &rel.var {
                    r.insert(v, Value::Relationship(c));
                }
                if let Some(v) = &next.var {
                    r.insert(v, Value::Node(to));
                }
                state.nodes.clear();
                state.rels.clear();
                state.nodes.extend([from, to]);
                state.rels.push(c);
                let mut local = vec![c];
                self.hop(g, el, 1, to, r, used, &mut local, state, out)?;
            }
        }
        Ok(())
    }

    /// Extends a partial match across relationship `i` of the element.
    #[allow(clippy::too_many_arguments)]
    fn hop(
        &self,
        g: &Graph,
        el: &PatternElement,
        i: usize,
        from: EntityIx,
        row: Row,
        used: &[ClaimIx],
        local: &mut Vec<ClaimIx>,
        state: &mut MatchState,
        out: &mut Vec<ElementMatch>,
    ) -> EvalResult<()> {
        let Some((rel, node)) = el.chain.get(i) else {
            let (nodes, rels) = if state.want_path {
                (state.nodes.clone(), state.rels.clone())
            } else {
                (Vec::new(), Vec::new())
            };
            let used_here = if state.want_used { local.clone() } else { Vec::new() };
            out.push((row, nodes, rels, used_here));
            return Ok(());
        };
        self.tick()?;
        if let Some((lo, hi)) = rel.range {
            let lo = lo.unwrap_or(1) as usize;
            let hi = hi.map_or(usize::MAX, |h| h as usize);
            let mut trail: Vec<ClaimIx> = Vec::new();
            return self.var_hop(g, el, i, from, row, used, local, state, out, lo, hi, &mut trail);
        }
        for (c, to) in self.edges(g, rel, from) {
            self.tick()?;
            if used.contains(&c) || local.contains(&c) {
                continue;
            }
            if !self.rel_matches(g, rel, c, &row)? || !self.node_matches(g, node, to, &row)? {
                continue;
            }
            let mut r = row.clone();
            if let Some(v) = &rel.var {
                r.insert(v, Value::Relationship(c));
            }
            if let Some(v) = &node.var {
                r.insert(v, Value::Node(to));
            }
            local.push(c);
            state.nodes.push(to);
            state.rels.push(c);
            self.hop(g, el, i + 1, to, r, used, local, state, out)?;
            state.rels.pop();
            state.nodes.pop();
            local.pop();
        }
        Ok(())
    }

    /// A variable-length hop: depth-first over trails of `lo..=hi` relationships.
    #[allow(clippy::too_many_arguments)]
    fn var_hop(
        &self,
        g: &Graph,
        el: &PatternElement,
        i: usize,
        at: EntityIx,
        row: Row,
        used: &[ClaimIx],
        local: &mut Vec<ClaimIx>,
        state: &mut MatchState,
        out: &mut Vec<ElementMatch>,
        lo: usize,
        hi: usize,
        trail: &mut Vec<ClaimIx>,
    ) -> EvalResult<()> {
        let Some((rel, node)) = el.chain.get(i) else { return Ok(()) };
        if trail.len() >= lo && self.node_matches(g, node, at, &row)? {
            let bound_ok = match rel.var.as_ref().and_then(|v| row.get(v)) {
                Some(Value::List(items)) => {
                    items.len() == trail.len()
                        && items
                            .iter()
                            .zip(trail.iter())
                            .all(|(v, c)| matches!(v, Value::Relationship(x) if x == c))
                }
                Some(_) => false,
                None => true,
            };
            if bound_ok {
                let mut r = row.clone();
                if let Some(v) = &rel.var {
                    r.insert(v, Value::List(trail.iter().map(|c| Value::Relationship(*c)).collect()));
                }
                if let Some(v) = &node.var {
                    r.insert(v, Value::Node(at));
                }
                self.hop(g, el, i + 1, at, r, used, local, state, out)?;
            }
        }
        if trail.len() >= hi {
            return Ok(());
        }
        for (c, to) in self.edges(g, rel, at) {
            self.tick()?;
            if used.contains(&c) || local.contains(&c) || !self.rel_matches(g, rel, c, &row)? {
                continue;
            }
            trail.push(c);
            local.push(c);
            state.nodes.push(to);
            state.rels.push(c);
            self.var_hop(g, el, i, to, row.clone(), used, local, state, out, lo, hi, trail)?;
            state.rels.pop();
            state.nodes.pop();
            local.pop();
            trail.pop();
        }
        Ok(())
    }

    fn rel_matches(&self, g: &Graph, rel: &RelPattern, c: ClaimIx, row: &Row) -> EvalResult<bool> {
        if !rel.types.is_empty() {
            let Some(claim) = g.claim(c) else { return Ok(false) };
            let t = g.str(claim.rel_type);
            if !rel.types.iter().any(|x| x == t) {
                return Ok(false);
            }
        }
        if let Some(props) = &rel.props {
            if !self.props_match(g, props, &Value::Relationship(c), row)? {
                return Ok(false);
            }
        }
        if rel.range.is_none() {
            if let Some(v) = &rel.var {
                if let Some(bound) = row.get(v) {
                    return Ok(matches!(bound, Value::Relationship(b) if *b == c));
                }
            }
        }
        Ok(true)
    }

    /// Relationships leaving `from` in the pattern's direction, with the node each reaches.
    fn edges(&self, g: &Graph, rel: &RelPattern, from: EntityIx) -> Vec<(ClaimIx, EntityIx)> {
        let mut out = Vec::new();
        let other = |c: ClaimIx| g.endpoints(c).map(|(s, o)| if s == from { o } else { s });
        if matches!(rel.direction, RelDirection::Right | RelDirection::Both) {
            for c in g.claims_at(from, Direction::Outgoing) {
                if let Some((_, o)) = g.endpoints(c) {
                    out.push((c, o));
                }
            }
        }
        if matches!(rel.direction, RelDirection::Left | RelDirection::Both) {
            for c in g.claims_at(from, Direction::Incoming) {
                // A self-loop was already listed as outgoing when undirected.
                if rel.direction == RelDirection::Both && g.endpoints(c).is_some_and(|(s, o)| s == o) {
                    continue;
                }
                if let Some(s) = other(c) {
                    out.push((c, s));
                }
            }
        }
        out
    }

    /// `shortestPath(...)` / `allShortestPaths(...)`: breadth-first search between every
    /// matching pair of end nodes.
    fn match_shortest(
        &self,
        g: &Graph,
        part: &PatternPart,
        row: &Row,
        out: &mut Vec<(Row, ())>,
    ) -> EvalResult<()> {
        let el = &part.element;
        let [(rel, end)] = el.chain.as_slice() else {
            return Err(unsupported("shortestPath over more than one relationship"));
        };
        let all = part.shortest == Some(ShortestKind::All);
        let (lo, hi) = rel.range.unwrap_or((Some(1), Some(1)));
        let lo = lo.unwrap_or(1) as usize;
        let hi = hi.map_or(usize::MAX, |h| h as usize);
        let starts = self.node_candidates(g, &el.start, row)?;
        let ends = self.node_candidates(g, end, row)?;
        for &s in &starts {
            if !self.node_matches(g, &el.start, s, row)? {
                continue;
            }
            for &t in &ends {
                self.tick()?;
                if !self.node_matches(g, end, t, row)? {
                    continue;
                }
                let paths = if !all && lo <= 1 && s != t {
                    self.bfs_bidirectional(g, rel, s, t, hi, row)?.into_iter().collect()
                } else {
                    self.bfs(g, rel, s, t, lo, hi, all, row)?
                };
                for (nodes, rels) in paths {
                    let mut r = row.clone();
                    if let Some(v) = &el.start.var {
                        r.insert(v, Value::Node(s));
                    }
                    if let Some(v) = &end.var {
                        r.insert(v, Value::Node(t));
                    }
                    if let Some(v) = &rel.var {
                        r.insert(v, Value::List(rels.iter().map(|c| Value::Relationship(*c)).collect()));
                    }
                    if let Some(v) = &part.var {
                        r.insert(v, Value::Path { nodes, rels });
                    }
                    out.push((r, ()));
                }
            }
        }
        Ok(())
    }

    /// One shortest path from `s` to `t` (`s != t`) by bidirectional breadth-first search:
    /// the smaller frontier grows a level at a time until the two searches meet, so the
    /// visited area is about twice the square root of a one-sided search's.
    fn bfs_bidirectional(
        &self,
        g: &Graph,
        rel: &RelPattern,
        s: EntityIx,
        t: EntityIx,
        hi: usize,
        row: &Row,
    ) -> EvalResult<Option<(Vec<EntityIx>, Vec<ClaimIx>)>> {
        let mut back = rel.clone();
        back.direction = match rel.direction {
            RelDirection::Left => RelDirection::Right,
            RelDirection::Right => RelDirection::Left,
            RelDirection::Both => RelDirection::Both,
        };
        // node -> (the node it was reached from and the relationship, depth).
        type Seen = HashMap<EntityIx, (Option<(EntityIx, ClaimIx)>, usize)>;
        let mut fwd: Seen = HashMap::from([(s, (None, 0))]);
        let mut bwd: Seen = HashMap::from([(t, (None, 0))]);
        let (mut fq, mut bq) = (vec![s], vec![t]);
        let (mut df, mut db) = (0usize, 0usize);
        let meet = loop {
            if fq.is_empty() || bq.is_empty() || df + db >= hi {
                return Ok(None);
            }
            let forward = fq.len() <= bq.len();
            let (frontier, seen, other, pattern, depth) = if forward {
                (&mut fq, &mut fwd, &bwd, rel, &mut df)
            } else {
                (&mut bq, &mut bwd, &fwd, &back, &mut db)
            };
            *depth += 1;
            let mut next = Vec::new();
            // Meetings in this level: the one with the shortest total is a shortest path.
            let mut best: Option<(usize, EntityIx)> = None;
            for n in std::mem::take(frontier) {
                for (c, to) in self.edges(g, pattern, n) {
                    self.tick()?;
                    if seen.contains_key(&to) || !self.rel_matches(g, rel, c, row)? {
                        continue;
                    }
                    seen.insert(to, (Some((n, c)), *depth));
                    if let Some((_, d_other)) = other.get(&to) {
                        let total = *depth + d_other;
                        if total <= hi && best.is_none_or(|(b, _)| total < b) {
                            best = Some((total, to));
                        }
                    }
                    next.push(to);
                }
            }
            if let Some((_, m)) = best {
                break m;
            }
            *frontier = next;
        };
        // Walk from the meeting node back to s, then on to t.
        let mut nodes = vec![meet];
        let mut rels = Vec::new();
        let mut at = meet;
        while let Some((Some((p, c)), _)) = fwd.get(&at) {
            nodes.push(*p);
            rels.push(*c);
            at = *p;
        }
        nodes.reverse();
        rels.reverse();
        let mut at = meet;
        while let Some((Some((p, c)), _)) = bwd.get(&at) {
            nodes.push(*p);
            rels.push(*c);
            at = *p;
        }
        Ok(Some((nodes, rels)))
    }

    /// Shortest paths from `s` to `t` by breadth-first search, keeping every predecessor at
    /// the shortest depth so all shortest paths can be rebuilt.
    #[allow(clippy::too_many_arguments)]
    fn bfs(
        &self,
        g: &Graph,
        rel: &RelPattern,
        s: EntityIx,
        t: EntityIx,
        lo: usize,
        hi: usize,
        all: bool,
        row: &Row,
    ) -> EvalResult<Vec<(Vec<EntityIx>, Vec<ClaimIx>)>> {
        if s == t {
            return Ok(if lo == 0 { vec![(vec![s], Vec::new())] } else { Vec::new() });
        }
        let mut depth: HashMap<EntityIx, usize> = HashMap::new();
        let mut preds: HashMap<EntityIx, Vec<(EntityIx, ClaimIx)>> = HashMap::new();
        let mut queue = VecDeque::new();
        depth.insert(s, 0);
        queue.push_back(s);
        let mut found_at = None;
        while let Some(n) = queue.pop_front() {
            self.tick()?;
            let Some(&d) = depth.get(&n) else { continue };
            if found_at.is_some_and(|f| d >= f) || d >= hi {
                continue;
            }
            for (c, to) in self.edges(g, rel, n) {
                if !self.rel_matches(g, rel, c, row)? {
                    continue;
                }
                match depth.get(&to) {
                    None => {
                        depth.insert(to, d + 1);
                        preds.entry(to).or_default().push((n, c));
                        if to == t {
                            found_at = Some(d + 1);
                        } else {
                            queue.push_back(to);
                        }
                    }
                    Some(&dt) if dt == d + 1 => preds.entry(to).or_default().push((n, c)),
                    Some(_) => {}
                }
            }
        }
        let Some(len) = found_at else { return Ok(Vec::new()) };
        if len < lo {
            return Ok(Vec::new());
        }
        // Rebuild paths backwards from t.
        let mut paths: Vec<(Vec<EntityIx>, Vec<ClaimIx>)> = vec![(vec![t], Vec::new())];
        for _ in 0..len {
            let mut next = Vec::new();
            for (nodes, rels) in paths {
                let head = *nodes.last().unwrap_or(&t);
                for (p, c) in preds.get(&head).into_iter().flatten() {
                    if depth.get(p).is_some_and(|&dp| Some(dp + 1) == depth.get(&head).copied()) {
                        let mut n2 = nodes.clone();
                        n2.push(*p);
                        let mut r2 = rels.clone();
                        r2.push(*c);
                        next.push((n2, r2));
                        if !all {
                            break;
                        }
                    }
                }
            }
            paths = next;
        }
        for (n, r) in &mut paths {
            n.reverse();
            r.reverse();
        }
        if !all {
            paths.truncate(1);
        }
        Ok(paths)
    }

    // ========================================================================
    // Updates
    // ========================================================================

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
}

/// Implementation extension: in a node pattern, `{name: 'Wagner'}` also matches an entity
/// whose `aliases` list holds exactly `'Wagner'` (an alias is another name of the same
/// entity). Entities without `aliases` (all of the TCK's) match as in openCypher.
fn alias_matches(g: &Graph, element: &Value, key: &str, want: &Value) -> EvalResult<bool> {
    if key != "name" || !matches!(element, Value::Node(_)) || !matches!(want, Value::String(_)) {
        return Ok(false);
    }
    Ok(match ops::property(g, element, "aliases")? {
        Value::List(items) => items.iter().any(|a| ops::equals(a, want) == Some(true)),
        _ => false,
    })
}

/// Entities by the value of one property, for hash joins on `n.p = e`.
#[derive(Debug, Default)]
struct ValueIndex {
    by_value: HashMap<GroupKey, Vec<EntityIx>>,
    /// Entities whose value compares by more than identity (uncertain numbers, dates,
    /// lists, maps): always candidates.
    always: Vec<EntityIx>,
}

/// Values whose `=` is exactly "same group key": booleans, strings, integers and finite
/// floats (an integral float groups with the equal integer).
fn indexable(v: &Value) -> bool {
    match v {
        Value::Bool(_) | Value::String(_) | Value::Int(_) => true,
        Value::Float(x) => x.is_finite(),
        _ => false,
    }
}

/// One match of a pattern element: the extended row, the path's nodes and relationships,
/// and the relationships it bound (for isomorphism across the MATCH's other parts).
type ElementMatch = (Row, Vec<EntityIx>, Vec<ClaimIx>, Vec<ClaimIx>);

struct MatchState {
    nodes: Vec<EntityIx>,
    rels: Vec<ClaimIx>,
    want_path: bool,
    want_used: bool,
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

/// A quantifier over a literal list is evaluated once before the query runs, so a type
/// error in its predicate is reported as the TCK expects (a compile-time `SyntaxError`), even
/// when no row would ever reach it.
pub(crate) fn check_constants(query: &Query) -> EvalResult<()> {
    let mut found = Ok(());
    query.walk_exprs(&mut |e| {
        if found.is_ok() {
            if let ExprKind::Quantifier { list, .. } = &e.kind {
                found = constant_type_error(e, list);
            }
        }
    });
    found
}

fn constant_type_error(e: &Expr, list: &Expr) -> EvalResult<()> {
    let ExprKind::List(items) = &list.kind else { return Ok(()) };
    if !items.iter().all(|i| matches!(i.kind, ExprKind::Literal(_) | ExprKind::List(_) | ExprKind::Map(_))) {
        return Ok(());
    }
    if e.to_string().contains('$') {
        return Ok(());
    }
    let graph = Graph::new();
    let params = Params::new();
    let cancel = CancelFlag::new(false);
    let exec = Exec::new(&params, &cancel, "", "");
    match exec.eval(&graph, e, &Row::new()) {
        Err(err) if err.class == ErrorClass::TypeError => {
            Err(semantic_error(ErrorDetail::InvalidArgumentType, &err.message, e.span))
        }
        _ => Ok(()),
    }
}

fn misplaced_aggregate(span: crate::syntax::Span) -> QueryError {
    QueryError::new(
        ErrorClass::SyntaxError,
        ErrorDetail::InvalidAggregation,
        ErrorPhase::CompileTime,
        "aggregate functions are only allowed in RETURN and WITH projections",
    )
    .at(span)
}

fn dedup_rows(rows: Vec<Row>, columns: &[String]) -> Vec<Row> {
    let mut seen = HashSet::new();
    rows.into_iter()
        .filter(|r| {
            seen.insert(
                columns.iter().map(|c| ops::group_key(r.get(c).unwrap_or(&Value::Null))).collect::<Vec<_>>(),
            )
        })
        .collect()
}

fn reverse_element(el: &PatternElement) -> PatternElement {
    let mut nodes = vec![el.start.clone()];
    let mut rels = Vec::new();
    for (r, n) in &el.chain {
        rels.push(r.clone());
        nodes.push(n.clone());
    }
    nodes.reverse();
    rels.reverse();
    let mut it = nodes.into_iter();
    let start = it.next().unwrap_or_else(|| el.start.clone());
    let chain = rels
        .into_iter()
        .map(|mut r| {
            r.direction = match r.direction {
                RelDirection::Left => RelDirection::Right,
                RelDirection::Right => RelDirection::Left,
                RelDirection::Both => RelDirection::Both,
            };
            r
        })
        .zip(it)
        .collect();
    PatternElement { start, chain, span: el.span }
}
