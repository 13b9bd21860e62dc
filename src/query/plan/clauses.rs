//! Clause by clause: a single query becomes a chain of operators, each clause adding its
//! own on top of the previous ones; updating clauses become the writing operators.

use super::anchor;
use super::expr::Scope;
use super::pattern::Counting;
use super::{
    CExpr, CKind, CallPlan, CreateNode, CreatePart, CreateRel, MergePlan, Op, OpKind, Planner, RemovePlan,
    SetPlan, SinglePlan, Width,
};
use crate::query::aggregate::{contains_aggregate, AggregateKind};
use crate::query::error::{ErrorClass, ErrorDetail, ErrorPhase, QueryError};
use crate::query::procedures;
use crate::query::value::Value;
use crate::syntax::query::*;

impl Planner<'_> {
    /// Plans a single query from the statement's empty row.
    pub(crate) fn single(&mut self, q: &SingleQuery) -> Result<SinglePlan, QueryError> {
        let width = Width::default();
        let start = Op {
            id: self.id(),
            kind: OpKind::Start(width.clone()),
            input: None,
            span: q.span,
            detail: String::new(),
        };
        let (root, columns) = self.clauses(&q.clauses, start, Scope::default(), width)?;
        Ok(SinglePlan { root, columns })
    }

    /// Plans an `EXISTS { ... }` subquery, run on the row of the expression around it.
    pub(crate) fn subquery(&mut self, q: &SingleQuery, scope: &Scope, w: &Width) -> Result<Op, QueryError> {
        for c in &q.clauses {
            if !matches!(
                c.kind,
                ClauseKind::Match { .. }
                    | ClauseKind::With { .. }
                    | ClauseKind::Unwind { .. }
                    | ClauseKind::Return { .. }
            ) {
                return Err(unsupported("an updating clause inside EXISTS").at(c.span));
            }
        }
        let start =
            Op { id: self.id(), kind: OpKind::Argument, input: None, span: q.span, detail: String::new() };
        Ok(self.clauses(&q.clauses, start, scope.clone(), w.clone())?.0)
    }

    fn clauses(
        &mut self,
        clauses: &[Clause],
        start: Op,
        mut scope: Scope,
        mut w: Width,
    ) -> Result<(Op, Vec<(String, usize)>), QueryError> {
        let mut op = start;
        let mut columns = Vec::new();
        // Variables of a hop the last MATCH counted instead of matching.
        let mut counted: Vec<String> = Vec::new();
        for (i, clause) in clauses.iter().enumerate() {
            let span = clause.span;
            let after = &clauses[i + 1..];
            match &clause.kind {
                ClauseKind::Match { optional, pattern, where_ } => {
                    let pushed = anchor::pushed_source_hints(after, self.params);
                    let read = if *optional { None } else { read_by_count(after) };
                    let counting = read.as_ref().map(|r| Counting { read: r });
                    let before = scope.clone();
                    let plan = self.match_plan_counting(
                        &pattern.parts,
                        where_.as_ref(),
                        *optional,
                        &mut scope,
                        &w,
                        &pushed,
                        counting,
                    );
                    counted = match &plan.count {
                        Some(_) => pattern_vars(&pattern.parts)
                            .into_iter()
                            .filter(|v| !scope.contains(v) && !before.contains(v))
                            .collect(),
                        None => Vec::new(),
                    };
                    let detail = if *optional {
                        "Optional (a row of nulls when nothing matches)".to_string()
                    } else {
                        String::new()
                    };
                    op = self.op(OpKind::Match(Box::new(plan)), op, span, detail);
                    continue;
                }
                ClauseKind::Unwind { expr, var } => {
                    let list = self.expr(expr, &scope, &w);
                    let slot = w.alloc();
                    scope.insert(var, slot);
                    let detail = self.detail(|| format!("{expr} AS {var}"));
                    op = self.op(OpKind::Unwind { list, slot }, op, span, detail);
                }
                ClauseKind::With { proj, where_ } => {
                    let p = self.projection(op, proj, where_.as_ref(), &scope, &w, span, true, &counted);
                    (op, scope, w) = (p.op, p.scope, p.width);
                }
                ClauseKind::Return { proj } => {
                    let p = self.projection(op, proj, None, &scope, &w, span, false, &counted);
                    (op, scope, w, columns) = (p.op, p.scope, p.width, p.columns);
                }
                ClauseKind::Create { pattern } => {
                    let parts =
                        pattern.parts.iter().map(|p| self.create_part(p, &mut scope, &w, None)).collect();
                    let detail = self.detail(|| pattern.to_string());
                    op = self.op(OpKind::Create(parts), op, span, detail);
                }
                ClauseKind::Merge { part, actions } => {
                    let before = scope.clone();
                    let prop_maps = part.element.property_maps().map(|m| self.expr(m, &before, &w)).collect();
                    let pattern =
                        self.match_plan(std::slice::from_ref(part), None, false, &mut scope, &w, &[]);
                    let create = self.create_part(part, &mut scope, &w, Some(&before));
                    let mut on_create = Vec::new();
                    let mut on_match = Vec::new();
                    for a in actions {
                        let items = self.set_items(&a.items, &mut scope, &w);
                        if a.on_create {
                            on_create.extend(items);
                        } else {
                            on_match.extend(items);
                        }
                    }
                    let merge = MergePlan { pattern, create, prop_maps, on_create, on_match };
                    let detail = self.detail(|| format!("{part} (match, else create)"));
                    op = self.op(OpKind::Merge(Box::new(merge)), op, span, detail);
                }
                ClauseKind::Set { items } => {
                    let items = self.set_items(items, &mut scope, &w);
                    op = self.op(OpKind::Set(items), op, span, String::new());
                }
                ClauseKind::Remove { items } => {
                    let items = items.iter().map(|i| self.remove_item(i, &mut scope, &w)).collect();
                    op = self.op(OpKind::Remove(items), op, span, String::new());
                }
                ClauseKind::Delete { detach, exprs } => {
                    let text =
                        self.detail(|| exprs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join(", "));
                    let exprs = exprs.iter().map(|e| self.expr(e, &scope, &w)).collect();
                    op = self.op(OpKind::Delete { detach: *detach, exprs }, op, span, text);
                }
                ClauseKind::Call { name, args, yields } => {
                    let standalone = clauses.len() == 1;
                    let (plan, bound) =
                        self.call(name, args.as_deref(), yields.as_ref(), &mut scope, &w, span)?;
                    if standalone {
                        columns = bound;
                    }
                    let text = self.detail(|| {
                        let text = clause.to_string();
                        text.strip_prefix("CALL ").unwrap_or(&text).to_string()
                    });
                    op = self.op(OpKind::ProcedureCall(Box::new(plan)), op, span, text);
                }
            }
            counted.clear();
        }
        // A CALL on its own returns what it yields.
        let standalone_call = matches!(clauses, [c] if matches!(c.kind, ClauseKind::Call { .. }));
        if !standalone_call && !matches!(clauses.last().map(|c| &c.kind), Some(ClauseKind::Return { .. })) {
            columns.clear();
        }
        Ok((op, columns))
    }

    /// A `CALL`: the procedure, its arguments, and a slot for each output it yields (in
    /// scope from here on); with the yielded variables as (name, slot) columns.
    fn call(
        &mut self,
        name: &str,
        args: Option<&[Expr]>,
        yields: Option<&YieldSpec>,
        scope: &mut Scope,
        w: &Width,
        span: crate::syntax::Span,
    ) -> Result<(CallPlan, Vec<(String, usize)>), QueryError> {
        let procedures = self.procedures;
        let Some(p) = procedures.get(name) else {
            return Err(QueryError::new(
                ErrorClass::ProcedureError,
                ErrorDetail::ProcedureNotFound,
                ErrorPhase::CompileTime,
                format!("there is no procedure named '{name}'"),
            )
            .at(span));
        };
        let args = match args {
            Some(args) => args.iter().map(|a| self.expr(a, scope, w)).collect(),
            None => p
                .inputs
                .iter()
                .map(|(n, _)| {
                    let v = self.params.get(n).map(Value::from_query_value).unwrap_or_default();
                    CExpr { kind: CKind::Const(v), span }
                })
                .collect(),
        };
        let mut yielded = Vec::new();
        let mut columns = Vec::new();
        for (field, var) in procedures::bindings(p, yields.map(|y| y.items.as_slice())) {
            let Some(i) = p.outputs.iter().position(|(o, _)| *o == field) else { continue };
            let slot = w.alloc();
            scope.insert(&var, slot);
            yielded.push((i, slot));
            columns.push((var, slot));
        }
        let where_ = yields.and_then(|y| y.where_.as_ref()).map(|e| self.expr(e, scope, w));
        Ok((CallPlan { procedure: p.clone(), args, yields: yielded, where_ }, columns))
    }

    /// A part of a CREATE pattern, or what a MERGE creates (`before`: the scope before the
    /// MERGE, whose variables are used rather than created; the MERGE's match already gave
    /// the others their slots).
    fn create_part(
        &mut self,
        part: &PatternPart,
        scope: &mut Scope,
        w: &Width,
        before: Option<&Scope>,
    ) -> CreatePart {
        let el = &part.element;
        let start = self.create_node(&el.start, scope, w, before);
        let mut chain = Vec::new();
        for (rel, node) in &el.chain {
            let next = self.create_node(node, scope, w, before);
            let props = rel.props.as_ref().map(|p| self.expr(p, scope, w));
            let slot = rel.var.as_ref().map(|v| slot_of(v, scope, w));
            chain.push((
                CreateRel {
                    slot,
                    rel_type: rel.types.first().cloned(),
                    left: rel.direction == RelDirection::Left,
                    props,
                    span: rel.span,
                },
                next,
            ));
        }
        let path = part.var.as_ref().map(|v| slot_of(v, scope, w));
        CreatePart { path, start, chain }
    }

    fn create_node(
        &mut self,
        node: &NodePattern,
        scope: &mut Scope,
        w: &Width,
        before: Option<&Scope>,
    ) -> CreateNode {
        let bound = match (&node.var, before) {
            (Some(v), Some(b)) => b.contains(v),
            (Some(v), None) => scope.contains(v),
            (None, _) => false,
        };
        let props = node.props.as_ref().map(|p| self.expr(p, scope, w));
        let slot = node.var.as_ref().map(|v| slot_of(v, scope, w));
        CreateNode { slot, bound, var: node.var.clone(), labels: node.labels.clone(), props }
    }

    fn set_items(&mut self, items: &[SetItem], scope: &mut Scope, w: &Width) -> Vec<SetPlan> {
        items
            .iter()
            .map(|item| match item {
                SetItem::Property { target, value } => match &target.kind {
                    ExprKind::Property(base, key) => SetPlan::Property {
                        target: self.expr(base, scope, w),
                        key: key.clone(),
                        value: self.expr(value, scope, w),
                    },
                    _ => SetPlan::Unsupported("this SET target"),
                },
                SetItem::Merge { var, value, .. } | SetItem::Replace { var, value, .. } => SetPlan::Map {
                    var: slot_of(var, scope, w),
                    value: self.expr(value, scope, w),
                    replace: matches!(item, SetItem::Replace { .. }),
                },
                SetItem::Labels { var, labels, .. } => {
                    SetPlan::Labels { var: slot_of(var, scope, w), labels: labels.clone() }
                }
            })
            .collect()
    }

    fn remove_item(&mut self, item: &RemoveItem, scope: &mut Scope, w: &Width) -> RemovePlan {
        match item {
            RemoveItem::Labels { var, labels, .. } => {
                RemovePlan::Labels { var: slot_of(var, scope, w), labels: labels.clone() }
            }
            RemoveItem::Property(e) => match &e.kind {
                ExprKind::Property(base, key) => {
                    RemovePlan::Property { target: self.expr(base, scope, w), key: key.clone() }
                }
                _ => RemovePlan::Unsupported("this REMOVE target"),
            },
        }
    }
}

/// The slot of a variable, given one if it has none yet (a variable the checks let
/// through unbound reads as null).
fn slot_of(var: &str, scope: &mut Scope, w: &Width) -> usize {
    match scope.get(var) {
        Some(s) => s,
        None => {
            let s = w.alloc();
            scope.insert(var, s);
            s
        }
    }
}

fn unsupported(what: &str) -> QueryError {
    QueryError::new(
        ErrorClass::UnsupportedOperation,
        ErrorDetail::NotImplemented,
        ErrorPhase::Runtime,
        format!("{what} is not supported"),
    )
}

/// When the clause after a MATCH is a projection that aggregates and only counts (so a
/// row may stand for many: `count`, `min`, `max`, and DISTINCT aggregates), the variables
/// it reads; `count(x)` does not read `x` (it counts rows where `x` is bound, which every
/// match of a MATCH is). `None` otherwise.
fn read_by_count(after: &[Clause]) -> Option<Vec<String>> {
    let (proj, where_) = match &after.first()?.kind {
        ClauseKind::With { proj, where_ } => (proj, where_.as_ref()),
        ClauseKind::Return { proj } => (proj, None),
        _ => return None,
    };
    if proj.star || !proj.items.iter().any(|i| contains_aggregate(&i.expr)) {
        return None;
    }
    let mut ok = true;
    let mut read = Vec::new();
    let exprs = proj.items.iter().map(|i| &i.expr).chain(proj.order.iter().map(|s| &s.expr));
    for e in exprs.chain(&proj.skip).chain(&proj.limit).chain(where_) {
        reads(e, &mut read, &mut ok);
    }
    ok.then_some(read)
}

fn reads(e: &Expr, out: &mut Vec<String>, ok: &mut bool) {
    match &e.kind {
        ExprKind::Var(v) => out.push(v.clone()),
        ExprKind::Call { name, distinct, args } if AggregateKind::from_name(name).is_some() => {
            let kind = AggregateKind::from_name(name);
            *ok &= *distinct
                || matches!(kind, Some(AggregateKind::Count | AggregateKind::Min | AggregateKind::Max));
            let counts_var = kind == Some(AggregateKind::Count)
                && !*distinct
                && matches!(args.as_slice(), [Expr { kind: ExprKind::Var(_), .. }]);
            if !counts_var {
                args.iter().for_each(|a| reads(a, out, ok));
            }
        }
        // Patterns and subqueries read the row in ways not tracked here.
        ExprKind::Pattern(_)
        | ExprKind::PatternComprehension { .. }
        | ExprKind::Exists(_)
        | ExprKind::ShortestPath(_) => *ok = false,
        _ => e.children().into_iter().for_each(|c| reads(c, out, ok)),
    }
}
