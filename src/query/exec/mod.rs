//! Execution: runs a plan ([`super::plan`]) over a [`Graph`] as a pipeline of operators
//! that pull batches of rows from the operators below them.
//!
//! A row is a vector of values addressed by slot; a [`Batch`] holds up to [`BATCH`] rows
//! of one width, flat, and may carry a weight per row (a row standing for several matches,
//! from a counted hop, which only the aggregation reads). This file owns the context every
//! operator shares ([`Ctx`]: cancellation, write counts, per-operator row counts for
//! `:profile`), the operator interface and the building of operators from the plan, and
//! what a statement returns. The operators are split by concern: expressions (`eval.rs`),
//! pattern matching (`matching.rs`, the steps of a MATCH; `paths.rs`, variable-length hops
//! and shortest paths; `count.rs`, counted hops), row operators (`rows.rs`: filter,
//! unwind, projection, paging), aggregation and sorting (`aggregate.rs`), counts of one
//! relationship read without matching it (`rel_counts.rs`) and the updating
//! clauses (`update.rs`).
//!
//! Cancellation is checked per batch of work, not per row: every [`TICK_EVERY`] candidates
//! a matcher looks at, rows an operator reads, or items a list expression walks. An
//! operator that writes does not start writing before it has read all of its input, so
//! no operator reading the graph ever sees it change under it.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

use super::budget::{self, TimeLimit};
use super::error::{runtime_error, ErrorClass, ErrorDetail, EvalResult};
use super::ops::{self, GroupKey};
use super::plan::{Op, OpKind, QueryPlan, SinglePlan};
use super::value::Value;
use crate::model::result::QueryValue;
use crate::model::Graph;

mod aggregate;
mod call;
mod count;
mod eval;
mod matching;
mod paths;
mod rel_counts;
mod rows;
mod update;

pub(crate) use eval::check_constants;

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

/// Rows per batch.
pub(crate) const BATCH: usize = 1024;

/// How much work (candidates, rows, list items) passes between two looks at the cancel
/// flag.
const TICK_EVERY: u32 = 1024;

/// What every operator of a statement shares.
pub(crate) struct Ctx<'a> {
    cancel: &'a CancelFlag,
    /// The user `CREATE` attests relationships to.
    pub(crate) user: &'a str,
    pub(crate) stats: Cell<WriteStats>,
    /// The statement's clock: `date()`, `datetime()`, ... all read this one instant.
    pub(crate) now: jiff::Timestamp,
    ticks: Cell<u32>,
    /// When the statement must end, and its time limit (for the message); none without one.
    deadline: Option<(std::time::Instant, std::time::Duration)>,
    /// Rows per operator and step id, when profiling.
    counts: Option<RefCell<Vec<u64>>>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(cancel: &'a CancelFlag, user: &'a str, time_limit: TimeLimit, profile: bool) -> Self {
        let started = std::time::Instant::now();
        Ctx {
            deadline: time_limit.duration().and_then(|d| Some((started.checked_add(d)?, d))),
            cancel,
            user,
            stats: Cell::new(WriteStats::default()),
            now: jiff::Timestamp::now(),
            ticks: Cell::new(0),
            counts: profile.then(|| RefCell::new(Vec::new())),
        }
    }

    /// Counts a unit of work; every [`TICK_EVERY`] units, looks at the cancel flag. The
    /// memory budget is looked at every time (a thread-local compare: rows can be large).
    #[inline]
    pub(crate) fn tick(&self) -> EvalResult<()> {
        budget::check(None)?;
        let n = self.ticks.get().wrapping_add(1);
        self.ticks.set(n);
        if n.is_multiple_of(TICK_EVERY) {
            self.check()?;
        }
        Ok(())
    }

    /// Looks at the cancel flag and the clock now (once per batch an operator produces).
    pub(crate) fn check(&self) -> EvalResult<()> {
        if self.cancel.load(AtomicOrdering::Relaxed) {
            return Err(runtime_error(ErrorClass::Cancelled, ErrorDetail::Cancelled, "query cancelled"));
        }
        if let Some((deadline, limit)) = self.deadline {
            if std::time::Instant::now() >= deadline {
                return Err(budget::time_limit_exceeded(limit));
            }
        }
        Ok(())
    }

    /// Adds to the rows an operator or step produced (when profiling).
    #[inline]
    pub(crate) fn count(&self, id: usize, n: u64) {
        if let Some(c) = &self.counts {
            let mut c = c.borrow_mut();
            if c.len() <= id {
                c.resize(id + 1, 0);
            }
            c[id] += n;
        }
    }

    pub(crate) fn update_stats(&self, f: impl FnOnce(&mut WriteStats)) {
        let mut s = self.stats.get();
        f(&mut s);
        self.stats.set(s);
    }

    /// The rows counted per id (`:profile`).
    pub(crate) fn counts(&self) -> Vec<u64> {
        self.counts.as_ref().map(|c| c.borrow().clone()).unwrap_or_default()
    }
}

/// Up to [`BATCH`] rows of one width, flat; with a weight per row when each stands for
/// several matches.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub(crate) width: usize,
    pub(crate) len: usize,
    pub(crate) values: Vec<Value>,
    pub(crate) weights: Option<Vec<u64>>,
}

impl Batch {
    pub(crate) fn new(width: usize) -> Batch {
        Batch { width, len: 0, values: Vec::with_capacity(width * 64), weights: None }
    }

    pub(crate) fn row(&self, i: usize) -> &[Value] {
        &self.values[i * self.width..(i + 1) * self.width]
    }

    pub(crate) fn row_mut(&mut self, i: usize) -> &mut [Value] {
        &mut self.values[i * self.width..(i + 1) * self.width]
    }

    pub(crate) fn push(&mut self, row: &[Value]) {
        self.values.extend_from_slice(row);
        self.len += 1;
    }

    /// Appends a row, moving its values.
    pub(crate) fn push_owned(&mut self, row: impl IntoIterator<Item = Value>) {
        self.values.extend(row);
        self.len += 1;
    }

    pub(crate) fn is_full(&self) -> bool {
        self.len >= BATCH
    }

    /// The weight of row `i` (1 unless the rows were counted).
    pub(crate) fn weight(&self, i: usize) -> u64 {
        self.weights.as_ref().map_or(1, |w| w[i])
    }

    /// The rows, each moved out as a vector.
    pub(crate) fn into_rows(self) -> Vec<Vec<Value>> {
        let width = self.width;
        let mut values = self.values.into_iter();
        (0..self.len).map(|_| values.by_ref().take(width).collect()).collect()
    }
}

/// The next batch of rows made already (by an operator that reads all of its input
/// before producing a row); none when there are no more.
pub(crate) fn next_batch(rows: &mut impl Iterator<Item = Vec<Value>>) -> Option<Batch> {
    let mut out: Option<Batch> = None;
    for row in rows.take(BATCH) {
        out.get_or_insert_with(|| Batch::new(row.len())).push_owned(row);
    }
    out
}

/// The graph as operators get it: writable for a statement, read-only for a subquery
/// inside an expression.
pub(crate) enum Access<'g> {
    Read(&'g Graph),
    Write(&'g mut Graph),
}

impl Access<'_> {
    pub(crate) fn read(&self) -> &Graph {
        match self {
            Access::Read(g) => g,
            Access::Write(g) => g,
        }
    }

    /// The graph to change; an updating clause where only reading is allowed is an error
    /// (the checks keep them out of subqueries).
    pub(crate) fn write(&mut self) -> EvalResult<&mut Graph> {
        match self {
            Access::Write(g) => Ok(g),
            Access::Read(_) => Err(runtime_error(
                ErrorClass::UnsupportedOperation,
                ErrorDetail::NotImplemented,
                "an updating clause inside a subquery is not supported",
            )),
        }
    }
}

/// An operator: each call returns its next batch, `None` when it has no more rows.
pub(crate) trait Operator {
    fn next(&mut self, ctx: &Ctx<'_>, g: &mut Access<'_>) -> EvalResult<Option<Batch>>;

    /// Lends the rows of its next batch to `f`, one at a time with their weights; false
    /// when it has no more. An operator that can lends rows of its own without building a
    /// batch (a MATCH lends its scratch row), so a consumer that reads each row once
    /// (aggregation, sorting) streams.
    fn next_rows(&mut self, ctx: &Ctx<'_>, g: &mut Access<'_>, f: &mut RowFn<'_>) -> EvalResult<bool> {
        let Some(b) = self.next(ctx, g)? else { return Ok(false) };
        let graph = g.read();
        for i in 0..b.len {
            f(graph, b.row(i), b.weight(i))?;
        }
        Ok(true)
    }
}

/// What [`Operator::next_rows`] lends each row to: the graph, the row, its weight.
pub(crate) type RowFn<'f> = dyn FnMut(&Graph, &[Value], u64) -> EvalResult<()> + 'f;

/// Counts an operator's rows for `:profile` and points its errors without a place of
/// their own at its clause.
struct Counted<'p> {
    op: &'p Op,
    inner: Box<dyn Operator + 'p>,
}

impl Counted<'_> {
    fn place<T>(&self, r: EvalResult<T>) -> EvalResult<T> {
        r.map_err(|e| {
            let mut e = budget::blame(e, operator_name(self.op));
            if e.span.is_none() {
                e.span = Some(self.op.span);
            }
            e
        })
    }
}

impl Operator for Counted<'_> {
    fn next(&mut self, ctx: &Ctx<'_>, g: &mut Access<'_>) -> EvalResult<Option<Batch>> {
        let b = self.inner.next(ctx, g);
        let b = self.place(b)?;
        if let Some(b) = &b {
            ctx.count(self.op.id, b.len as u64);
        }
        Ok(b)
    }

    fn next_rows(&mut self, ctx: &Ctx<'_>, g: &mut Access<'_>, f: &mut RowFn<'_>) -> EvalResult<bool> {
        let mut n = 0;
        let more = self.inner.next_rows(ctx, g, &mut |g, row, w| {
            n += 1;
            f(g, row, w)
        });
        ctx.count(self.op.id, n);
        self.place(more)
    }
}

/// The operators of a plan, ready to pull from; `argument` is the row a subquery runs on.
pub(crate) fn build<'p>(op: &'p Op, argument: Option<&[Value]>) -> Box<dyn Operator + 'p> {
    let input = || build(op.input.as_deref().expect("every operator but the first has an input"), argument);
    let inner: Box<dyn Operator + 'p> = match &op.kind {
        OpKind::Start(width) => Box::new(rows::Once::new(vec![Value::Null; width.get()])),
        OpKind::Argument => Box::new(rows::Once::new(argument.map(<[Value]>::to_vec).unwrap_or_default())),
        OpKind::Match(m) => Box::new(matching::MatchOp::new(m, input())),
        OpKind::Filter(e) => Box::new(rows::Filter { input: input(), expr: e }),
        OpKind::Unwind { list, slot } => Box::new(rows::Unwind::new(input(), list, *slot)),
        OpKind::Project(items) => Box::new(rows::Project { input: input(), items }),
        OpKind::Aggregate(a) => Box::new(aggregate::Aggregate::new(input(), a)),
        OpKind::RelCounts(c) => Box::new(rel_counts::RelCounts::new(input(), c)),
        OpKind::Distinct(slots) => Box::new(rows::Distinct {
            input: input(),
            slots,
            seen: HashSet::new(),
            holding: budget::Holding::new("Distinct"),
        }),
        OpKind::Sort { keys, top } => Box::new(aggregate::Sort::new(input(), keys, top.as_ref())),
        OpKind::Skip(e) => Box::new(rows::Skip { input: input(), count: e, left: None }),
        OpKind::Limit(e) => Box::new(rows::Limit { input: input(), count: e, left: None }),
        OpKind::Narrow { width, slots } => {
            Box::new(rows::Narrow { input: input(), width: width.clone(), slots })
        }
        OpKind::Create(parts) => Box::new(update::Writer::new(input(), update::Write::Create(parts))),
        OpKind::Merge(m) => Box::new(update::Writer::new(input(), update::Write::Merge(m))),
        OpKind::Set(items) => Box::new(update::Writer::new(input(), update::Write::Set(items))),
        OpKind::Remove(items) => Box::new(update::Writer::new(input(), update::Write::Remove(items))),
        OpKind::Delete { detach, exprs } => {
            Box::new(update::Writer::new(input(), update::Write::Delete { detach: *detach, exprs }))
        }
        OpKind::ProcedureCall(c) => Box::new(call::ProcedureCall::new(input(), c)),
    };
    Box::new(Counted { op, inner })
}

/// Runs a planned statement.
pub(crate) fn run(plan: &QueryPlan, ctx: &Ctx<'_>, g: &mut Graph) -> EvalResult<QueryOutput> {
    let (columns, mut rows) = run_single(&plan.first, ctx, g)?;
    let mut distinct = false;
    for (all, part) in &plan.unions {
        let (_, more) = run_single(part, ctx, g)?;
        rows.extend(more);
        distinct |= !all;
    }
    if distinct {
        let mut seen = HashSet::new();
        rows.retain(|r| seen.insert(r.iter().map(ops::group_key).collect::<Vec<GroupKey>>()));
    }
    let mut results = Vec::with_capacity(rows.len());
    for r in &rows {
        budget::check(Some("the result"))?;
        results.push(r.iter().map(|v| v.to_result(g)).collect());
    }
    Ok(QueryOutput { columns, rows: results, stats: ctx.stats.get() })
}

/// A single query's columns and rows (the columns' values, in order).
fn run_single(plan: &SinglePlan, ctx: &Ctx<'_>, g: &mut Graph) -> EvalResult<(Vec<String>, Vec<Vec<Value>>)> {
    let mut root = build(&plan.root, None);
    let mut out = Vec::new();
    let mut holding = budget::Holding::new("the result");
    let mut access = Access::Write(g);
    while let Some(batch) = root.next(ctx, &mut access)? {
        ctx.check()?;
        if plan.columns.is_empty() {
            continue;
        }
        let mark = budget::mark();
        for i in 0..batch.len {
            let row = batch.row(i);
            out.push(plan.columns.iter().map(|(_, s)| row[*s].clone()).collect());
        }
        holding.grew_since(mark)?;
    }
    Ok((plan.columns.iter().map(|(n, _)| n.clone()).collect(), out))
}

/// The operator as `:explain` names it (`Sort`, `HashAggregate`; a MATCH by its clause),
/// for errors that say what was running.
fn operator_name(op: &Op) -> &'static str {
    match &op.kind {
        OpKind::Start(_) | OpKind::Argument => "the start",
        OpKind::Match(m) if m.optional => "OPTIONAL MATCH",
        OpKind::Match(_) => "MATCH",
        OpKind::Filter(_) => "Filter",
        OpKind::Unwind { .. } => "Unwind",
        OpKind::Project(_) => "Project",
        OpKind::Aggregate(a) if a.keys.is_empty() => "Aggregate",
        OpKind::Aggregate(_) => "HashAggregate",
        OpKind::RelCounts(c) if c.reads_type_index() => "TypeCounts",
        OpKind::RelCounts(_) => "RelationshipCounts",
        OpKind::Distinct(_) => "Distinct",
        OpKind::Sort { .. } => "Sort",
        OpKind::Skip(_) => "Skip",
        OpKind::Limit(_) => "Limit",
        OpKind::Narrow { .. } => "With",
        OpKind::Create(_) => "Create",
        OpKind::Merge(_) => "Merge",
        OpKind::Set(_) => "Set",
        OpKind::Remove(_) => "Remove",
        OpKind::Delete { .. } => "Delete",
        OpKind::ProcedureCall(_) => "ProcedureCall",
    }
}
