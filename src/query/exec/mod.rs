//! Execution: runs a checked query AST over a [`Graph`], clause by clause, on materialised
//! rows.
//!
//! This file owns the executor's state ([`Exec`]), clause dispatch, UNION and what a
//! statement returns; the work is split by concern, each an `impl Exec` of its own:
//! expression evaluation (`eval.rs`), pattern matching (`matching.rs`, starting where
//! [`super::plan`] says), shortest paths (`paths.rs`), projections (`project.rs`: grouping,
//! DISTINCT, ORDER BY, SKIP, LIMIT) and the updating clauses (`update.rs`). Every loop that
//! can grow with the graph ticks [`Exec::tick`], which checks the cancel flag.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

use super::error::{runtime_error, ErrorClass, ErrorDetail, ErrorPhase, EvalResult, QueryError};
use super::ops;
use super::plan;
use super::procedures::Procedures;
use super::value::{Params, Value};
use crate::model::result::QueryValue;
use crate::model::Graph;
use crate::syntax::query::*;

mod call;
mod eval;
mod matching;
mod paths;
mod project;
mod update;

pub(crate) use eval::check_constants;
use matching::ValueIndex;

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
    /// The statement's clock: `date()`, `datetime()`, ... all read this one instant.
    pub(crate) now: jiff::Timestamp,
    /// The procedures `CALL` can run.
    pub(crate) procedures: &'a Procedures,
    /// Whether the query being run is a `CALL` on its own (its outputs are the result).
    standalone_call: bool,
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
    pub(crate) fn new(
        params: &'a Params,
        cancel: &'a CancelFlag,
        text: &'a str,
        user: &'a str,
        procedures: &'a Procedures,
    ) -> Self {
        Exec {
            procedures,
            standalone_call: false,
            params,
            cancel,
            text,
            user,
            stats: WriteStats::default(),
            now: jiff::Timestamp::now(),
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
        if n.is_multiple_of(TICK_EVERY) && self.cancel.load(AtomicOrdering::Relaxed) {
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
        self.standalone_call =
            matches!(q.clauses.as_slice(), [c] if matches!(c.kind, ClauseKind::Call { .. }));
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
                ClauseKind::Call { yields: Some(y), .. } => {
                    self.scope.extend(y.items.iter().map(|(f, a)| a.clone().unwrap_or_else(|| f.clone())))
                }
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
        let returns = matches!(q.clauses.last().map(|c| &c.kind), Some(ClauseKind::Return { .. }))
            || self.standalone_call;
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
            ClauseKind::Create { pattern } => self.create(graph, pattern, rows),
            ClauseKind::Merge { part, actions } => self.merge(graph, part, actions, rows),
            ClauseKind::Set { items } => self.set(graph, items, rows),
            ClauseKind::Remove { items } => self.remove(graph, items, rows),
            ClauseKind::Delete { detach, exprs } => self.delete(graph, *detach, exprs, rows),
            ClauseKind::Call { name, args, yields } => {
                let standalone = self.standalone_call;
                self.call(graph, name, args.as_deref(), yields.as_ref(), rows, standalone.then_some(columns))
            }
        }
    }
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
