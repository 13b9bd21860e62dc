//! `CALL`: runs a procedure once per input row and joins its result rows to that row
//! (a procedure without outputs passes each row through once); a `CALL` on its own returns
//! the procedure's rows as the result.

use super::{Exec, Row};
use crate::model::Graph;
use crate::query::error::{ErrorClass, ErrorDetail, ErrorPhase, EvalResult, QueryError};
use crate::query::ops;
use crate::query::procedures;
use crate::query::value::Value;
use crate::syntax::query::{Expr, YieldSpec};

impl Exec<'_> {
    /// `CALL name(args) YIELD ...`; with `columns`, the call stands alone and its yielded
    /// outputs become the statement's columns.
    pub(super) fn call(
        &mut self,
        graph: &mut Graph,
        name: &str,
        args: Option<&[Expr]>,
        yields: Option<&YieldSpec>,
        rows: Vec<Row>,
        columns: Option<&mut Vec<String>>,
    ) -> EvalResult<Vec<Row>> {
        let procs = self.procedures;
        let p = procs.get(name).ok_or_else(|| {
            QueryError::new(
                ErrorClass::ProcedureError,
                ErrorDetail::ProcedureNotFound,
                ErrorPhase::CompileTime,
                format!("there is no procedure named '{name}'"),
            )
        })?;
        let bound = procedures::bindings(p, yields.map(|y| y.items.as_slice()));
        if let Some(cols) = columns {
            *cols = bound.iter().map(|(_, var)| var.clone()).collect();
            if p.outputs.is_empty() {
                // A void procedure on its own returns nothing.
                for row in &rows {
                    let values = self.arguments(graph, p, args, row)?;
                    procedures::invoke(p, graph, values)?;
                }
                return Ok(Vec::new());
            }
        }
        let mut out = Vec::new();
        for row in rows {
            self.tick()?;
            let values = self.arguments(graph, p, args, &row)?;
            let results = procedures::invoke(p, graph, values)?;
            if p.outputs.is_empty() {
                out.push(row);
                continue;
            }
            for result in results {
                let mut r = row.clone();
                for (field, var) in &bound {
                    let i = p.outputs.iter().position(|(o, _)| o == field).unwrap_or(usize::MAX);
                    r.insert(var, result.get(i).cloned().unwrap_or_default());
                }
                if let Some(w) = yields.and_then(|y| y.where_.as_ref()) {
                    if !ops::is_true(&self.eval(graph, w, &r)?) {
                        continue;
                    }
                }
                out.push(r);
            }
        }
        Ok(out)
    }

    /// The arguments of a call: the expressions given, or (`CALL p` without parentheses)
    /// the parameters named like the procedure's inputs.
    fn arguments(
        &self,
        graph: &Graph,
        p: &procedures::Procedure,
        args: Option<&[Expr]>,
        row: &Row,
    ) -> EvalResult<Vec<Value>> {
        match args {
            Some(args) => args.iter().map(|a| self.eval(graph, a, row)).collect(),
            None => Ok(p
                .inputs
                .iter()
                .map(|(n, _)| self.params.get(n).map(Value::from_query_value).unwrap_or_default())
                .collect()),
        }
    }
}
