//! Operators that work a row at a time: the first row, WHERE filters, UNWIND, projection,
//! DISTINCT, SKIP, LIMIT and the start of a new segment.

use std::collections::HashSet;

use super::eval::{eval, holds, warm_property};
use super::{Access, Batch, Ctx, Operator};
use crate::query::budget;
use crate::query::error::{runtime_error, ErrorClass, ErrorDetail, EvalResult};
use crate::query::ops::{self, GroupKey};
use crate::query::plan::{CExpr, CKind, Slot, Width};
use crate::query::value::Value;

/// One row, once.
pub(crate) struct Once(Option<Vec<Value>>);

impl Once {
    pub(crate) fn new(row: Vec<Value>) -> Self {
        Once(Some(row))
    }
}

impl Operator for Once {
    fn next(&mut self, _: &Ctx<'_>, _: &mut Access<'_>) -> EvalResult<Option<Batch>> {
        Ok(self.0.take().map(|row| {
            let mut b = Batch::new(row.len());
            b.push_owned(row);
            b
        }))
    }
}

pub(crate) struct Filter<'p> {
    pub(crate) input: Box<dyn Operator + 'p>,
    pub(crate) expr: &'p CExpr,
}

impl Operator for Filter<'_> {
    fn next(&mut self, ctx: &Ctx<'_>, g: &mut Access<'_>) -> EvalResult<Option<Batch>> {
        while let Some(b) = self.input.next(ctx, g)? {
            let g = g.read();
            let mut out = Batch::new(b.width);
            for i in 0..b.len {
                ctx.tick()?;
                if holds(ctx, g, self.expr, b.row(i))? {
                    out.push(b.row(i));
                    if let Some(w) = &b.weights {
                        out.weights.get_or_insert_with(Vec::new).push(w[i]);
                    }
                }
            }
            if out.len > 0 {
                return Ok(Some(out));
            }
        }
        Ok(None)
    }
}

/// UNWIND: each input row once per item of its list.
pub(crate) struct Unwind<'p> {
    input: Box<dyn Operator + 'p>,
    list: &'p CExpr,
    slot: Slot,
    batch: Option<Batch>,
    next_row: usize,
    /// The row being unwound and the items left.
    current: Option<(Vec<Value>, std::vec::IntoIter<Value>)>,
}

impl<'p> Unwind<'p> {
    pub(crate) fn new(input: Box<dyn Operator + 'p>, list: &'p CExpr, slot: Slot) -> Self {
        Unwind { input, list, slot, batch: None, next_row: 0, current: None }
    }
}

impl Operator for Unwind<'_> {
    fn next(&mut self, ctx: &Ctx<'_>, g: &mut Access<'_>) -> EvalResult<Option<Batch>> {
        let mut out: Option<Batch> = None;
        loop {
            if let Some((row, items)) = &mut self.current {
                let out = out.get_or_insert_with(|| Batch::new(row.len()));
                for item in items.by_ref() {
                    ctx.tick()?;
                    row[self.slot] = item;
                    out.push(row);
                    if out.is_full() {
                        return Ok(Some(std::mem::take(out)));
                    }
                }
                self.current = None;
            }
            match &self.batch {
                Some(b) if self.next_row < b.len => {
                    let row = b.row(self.next_row).to_vec();
                    self.next_row += 1;
                    ctx.tick()?;
                    match eval(ctx, g.read(), self.list, &row)? {
                        Value::Null => {}
                        Value::List(items) => self.current = Some((row, items.into_iter())),
                        other => self.current = Some((row, vec![other].into_iter())),
                    }
                }
                _ => match self.input.next(ctx, g)? {
                    Some(b) => {
                        self.batch = Some(b);
                        self.next_row = 0;
                    }
                    None => return Ok(out.filter(|b| b.len > 0)),
                },
            }
        }
    }
}

/// Evaluates each item into its slot.
pub(crate) struct Project<'p> {
    pub(crate) input: Box<dyn Operator + 'p>,
    pub(crate) items: &'p [(CExpr, Slot)],
}

impl Operator for Project<'_> {
    fn next(&mut self, ctx: &Ctx<'_>, g: &mut Access<'_>) -> EvalResult<Option<Batch>> {
        let Some(mut b) = self.input.next(ctx, g)? else { return Ok(None) };
        let g = g.read();
        if b.len > 1 {
            for (e, _) in self.items {
                if let CKind::Property(base, key) = &e.kind {
                    if let CKind::Slot(s) = base.kind {
                        for i in 0..b.len {
                            if let Some(v) = b.row(i).get(s) {
                                warm_property(g, v, key);
                            }
                        }
                    }
                }
            }
        }
        for i in 0..b.len {
            ctx.tick()?;
            for (e, slot) in self.items {
                let v = eval(ctx, g, e, b.row(i))?;
                b.row_mut(i)[*slot] = v;
            }
        }
        Ok(Some(b))
    }
}

pub(crate) struct Distinct<'p> {
    pub(crate) input: Box<dyn Operator + 'p>,
    pub(crate) slots: &'p [Slot],
    pub(crate) seen: HashSet<Vec<GroupKey>>,
    pub(crate) holding: budget::Holding,
}

impl Operator for Distinct<'_> {
    fn next(&mut self, ctx: &Ctx<'_>, g: &mut Access<'_>) -> EvalResult<Option<Batch>> {
        while let Some(b) = self.input.next(ctx, g)? {
            let mut out = Batch::new(b.width);
            for i in 0..b.len {
                ctx.tick()?;
                let row = b.row(i);
                let mark = budget::mark();
                let new = self.seen.insert(self.slots.iter().map(|s| ops::group_key(&row[*s])).collect());
                self.holding.grew_since(mark)?;
                if new {
                    out.push(row);
                }
            }
            if out.len > 0 {
                return Ok(Some(out));
            }
        }
        Ok(None)
    }
}

/// SKIP and LIMIT take a non-negative integer.
pub(crate) fn count_arg(ctx: &Ctx<'_>, g: &Access<'_>, e: &CExpr, what: &str) -> EvalResult<usize> {
    match eval(ctx, g.read(), e, &[])? {
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

pub(crate) struct Skip<'p> {
    pub(crate) input: Box<dyn Operator + 'p>,
    pub(crate) count: &'p CExpr,
    pub(crate) left: Option<usize>,
}

impl Operator for Skip<'_> {
    fn next(&mut self, ctx: &Ctx<'_>, g: &mut Access<'_>) -> EvalResult<Option<Batch>> {
        if self.left.is_none() {
            self.left = Some(count_arg(ctx, g, self.count, "SKIP")?);
        }
        while let Some(b) = self.input.next(ctx, g)? {
            let left = self.left.unwrap_or(0);
            if left == 0 {
                self.left = Some(0);
                return Ok(Some(b));
            }
            let skipped = left.min(b.len);
            self.left = Some(left - skipped);
            if skipped < b.len {
                let mut out = Batch::new(b.width);
                for i in skipped..b.len {
                    out.push(b.row(i));
                }
                return Ok(Some(out));
            }
        }
        Ok(None)
    }
}

/// LIMIT: stops pulling once it has its rows (updating clauses below it have done all
/// their writes by their first batch).
pub(crate) struct Limit<'p> {
    pub(crate) input: Box<dyn Operator + 'p>,
    pub(crate) count: &'p CExpr,
    pub(crate) left: Option<usize>,
}

impl Operator for Limit<'_> {
    fn next(&mut self, ctx: &Ctx<'_>, g: &mut Access<'_>) -> EvalResult<Option<Batch>> {
        let first = self.left.is_none();
        let left = match self.left {
            Some(n) => n,
            None => count_arg(ctx, g, self.count, "LIMIT")?,
        };
        self.left = Some(left);
        // `LIMIT 0` still pulls once, so that the updating clauses below it write.
        if left == 0 && !first {
            return Ok(None);
        }
        let Some(b) = self.input.next(ctx, g)? else { return Ok(None) };
        if b.len <= left {
            self.left = Some(left - b.len);
            return Ok(Some(b));
        }
        self.left = Some(0);
        let mut out = Batch::new(b.width);
        for i in 0..left {
            out.push(b.row(i));
        }
        Ok(Some(out).filter(|b| b.len > 0))
    }
}

/// Starts a new segment: rows of the projected columns only.
pub(crate) struct Narrow<'p> {
    pub(crate) input: Box<dyn Operator + 'p>,
    pub(crate) width: Width,
    pub(crate) slots: &'p [Slot],
}

impl Operator for Narrow<'_> {
    fn next(&mut self, ctx: &Ctx<'_>, g: &mut Access<'_>) -> EvalResult<Option<Batch>> {
        let Some(b) = self.input.next(ctx, g)? else { return Ok(None) };
        let width = self.width.get();
        let mut out = Batch::new(width);
        for i in 0..b.len {
            let row = b.row(i);
            let mut values: Vec<Value> = self.slots.iter().map(|s| row[*s].clone()).collect();
            values.resize(width, Value::Null);
            out.push_owned(values);
        }
        Ok(Some(out))
    }
}
