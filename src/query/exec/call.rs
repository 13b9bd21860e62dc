//! `CALL`: runs a procedure once per input row and joins its result rows to that row (a
//! procedure without outputs passes each row through once); a `CALL` on its own returns
//! the procedure's rows as the result (the plan makes its yields the columns).

use super::eval::{eval, holds};
use super::{Access, Batch, Ctx, Operator};
use crate::query::error::EvalResult;
use crate::query::plan::CallPlan;
use crate::query::procedures;
use crate::query::value::Value;

pub(crate) struct ProcedureCall<'p> {
    input: Box<dyn Operator + 'p>,
    plan: &'p CallPlan,
}

impl<'p> ProcedureCall<'p> {
    pub(crate) fn new(input: Box<dyn Operator + 'p>, plan: &'p CallPlan) -> Self {
        ProcedureCall { input, plan }
    }
}

impl Operator for ProcedureCall<'_> {
    fn next(&mut self, ctx: &Ctx<'_>, g: &mut Access<'_>) -> EvalResult<Option<Batch>> {
        let p = &self.plan.procedure;
        while let Some(b) = self.input.next(ctx, g)? {
            let g = g.read();
            let mut out = Batch::new(b.width);
            for i in 0..b.len {
                ctx.tick()?;
                let row = b.row(i);
                let args = self.plan.args.iter().map(|a| eval(ctx, g, a, row)).collect::<EvalResult<_>>()?;
                let results = procedures::invoke(p, g, args)?;
                if p.outputs.is_empty() {
                    out.push(row);
                    continue;
                }
                let mut joined = row.to_vec();
                for result in results {
                    ctx.tick()?;
                    for (o, slot) in &self.plan.yields {
                        joined[*slot] = result.get(*o).cloned().unwrap_or(Value::Null);
                    }
                    if let Some(w) = &self.plan.where_ {
                        if !holds(ctx, g, w, &joined)? {
                            continue;
                        }
                    }
                    out.push(&joined);
                }
            }
            if out.len > 0 {
                return Ok(Some(out));
            }
        }
        Ok(None)
    }
}
