//! Projection (WITH, RETURN): grouping and aggregation, DISTINCT, ORDER BY, SKIP and
//! LIMIT. Aggregates are computed per group by [`crate::query::aggregate`]'s accumulators.

use super::{unsupported, Exec, Row};
use crate::model::Graph;
use crate::query::aggregate::{contains_aggregate, is_aggregate_call, Accumulator, AggregateKind};
use crate::query::error::{runtime_error, ErrorClass, ErrorDetail, ErrorPhase, EvalResult, QueryError};
use crate::query::ops::{self, GroupKey};
use crate::query::row;
use crate::query::value::Value;
use crate::syntax::query::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

impl Exec<'_> {
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
    pub(super) fn project(
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
}
