//! WITH and RETURN become operators: grouping and aggregation (hashed by interned ids
//! where the key allows), the projection itself, DISTINCT, ORDER BY (a top-k when a LIMIT
//! follows), SKIP, LIMIT and WITH's WHERE, then a new segment holding only the projected
//! columns.
//!
//! Scoping follows openCypher and the checks in `query::semantic`: ORDER BY sees the
//! projected names and, unless the projection aggregates or is DISTINCT, the variables
//! before it; an aggregate in ORDER BY is computed per group like the projected ones;
//! WITH's WHERE sees the projected names over the variables before.

use super::expr::{AggSink, Scope};
use super::{
    AggPlan, AggregatePlan, CExpr, CKind, GroupKeyPlan, KeyShape, NodeTest, Op, OpKind, Planner,
    RelCountPlan, RelSource, Slot, SortKey, Step, StepKind, Width,
};
use crate::query::aggregate::{contains_aggregate, AggregateKind};
use crate::syntax::query::*;
use crate::syntax::Span;

/// A projection planned: its last operator, the new segment and its names, and the
/// columns in order with their slots in the last operator's rows.
pub(crate) struct Projected {
    pub(crate) op: Op,
    pub(crate) scope: Scope,
    pub(crate) width: Width,
    pub(crate) columns: Vec<(String, Slot)>,
}

impl Planner<'_> {
    fn column_name(&self, item: &ProjItem) -> String {
        match &item.alias {
            Some(a) => a.clone(),
            None => self
                .text
                .get(item.span.start..item.span.end)
                .map_or_else(|| item.expr.to_string(), |t| t.trim().to_string()),
        }
    }

    /// Plans a WITH (`narrow`: start a new segment) or a RETURN (the columns are read from
    /// the last operator's rows). `counted` names the variables of a MATCH whose last hop
    /// was counted: `count(x)` of one of them counts rows.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn projection(
        &mut self,
        input: Op,
        proj: &Projection,
        where_: Option<&Expr>,
        scope: &Scope,
        w: &Width,
        span: Span,
        narrow: bool,
        counted: &[String],
    ) -> Projected {
        let names: Vec<String> = proj.items.iter().map(|i| self.column_name(i)).collect();
        let aggregating = proj.items.iter().any(|i| contains_aggregate(&i.expr));
        let mut op = input;
        // Slots of the projected items.
        let mut item_slots: Vec<Slot> = Vec::with_capacity(proj.items.len());
        let mut aggs: Vec<AggPlan> = Vec::new();
        let mut keys: Vec<GroupKeyPlan> = Vec::new();
        let mut computed: Vec<(CExpr, Slot)> = Vec::new();
        for item in &proj.items {
            if aggregating && contains_aggregate(&item.expr) {
                let mut sink = AggSink { input: scope, aggs: &mut aggs, counted };
                let e = self.expr_agg(&item.expr, scope, w, Some(&mut sink));
                let slot = match e.kind {
                    CKind::Slot(s) => s,
                    _ => {
                        let s = w.alloc();
                        computed.push((e, s));
                        s
                    }
                };
                item_slots.push(slot);
            } else if aggregating {
                let expr = self.expr(&item.expr, scope, w);
                let slot = w.alloc();
                let shape = key_shape(&item.expr, scope);
                keys.push(GroupKeyPlan { expr, slot, shape });
                item_slots.push(slot);
            } else if let ExprKind::Var(v) = &item.expr.kind {
                match scope.get(v) {
                    Some(s) => item_slots.push(s),
                    None => {
                        let s = w.alloc();
                        computed.push((self.expr(&item.expr, scope, w), s));
                        item_slots.push(s);
                    }
                }
            } else {
                let s = w.alloc();
                computed.push((self.expr(&item.expr, scope, w), s));
                item_slots.push(s);
            }
        }
        // `*` (every variable in scope, by name) first, then the items; an item named like
        // a variable takes its place.
        let mut columns: Vec<(String, Slot)> = Vec::new();
        if proj.star {
            for (n, s) in scope.iter() {
                let slot = names.iter().position(|x| x == n).map_or(s, |i| item_slots[i]);
                columns.push((n.to_string(), slot));
            }
            if aggregating {
                // Every variable of `*` is a grouping key.
                for (n, s) in scope.iter() {
                    if names.iter().all(|x| x != n) {
                        let var = Expr { kind: ExprKind::Var(n.to_string()), span };
                        let slot = w.alloc();
                        keys.push(GroupKeyPlan {
                            expr: self.expr(&var, scope, w),
                            slot,
                            shape: KeyShape::Slot(s),
                        });
                        if let Some(c) = columns.iter_mut().find(|(c, _)| c == n) {
                            c.1 = slot;
                        }
                    }
                }
            }
        }
        for (n, s) in names.iter().zip(&item_slots) {
            if !columns.iter().any(|(c, _)| c == n) {
                columns.push((n.clone(), *s));
            }
        }
        // The projected names, over the variables before where they stay visible.
        let mut projected = Scope::default();
        let mut over_input = scope.clone();
        for (n, s) in &columns {
            projected.insert(n, *s);
            over_input.insert(n, *s);
        }
        let mut sort = Vec::new();
        for s in &proj.order {
            let text = s.expr.to_string();
            let expr = match proj.items.iter().position(|i| i.expr.to_string() == text) {
                Some(i) => CExpr { kind: CKind::Slot(item_slots[i]), span: s.expr.span },
                None if aggregating && contains_aggregate(&s.expr) => {
                    let mut sink = AggSink { input: scope, aggs: &mut aggs, counted };
                    self.expr_agg(&s.expr, &over_input, w, Some(&mut sink))
                }
                None if aggregating || proj.distinct => self.expr(&s.expr, &projected, w),
                None => self.expr(&s.expr, &over_input, w),
            };
            sort.push(SortKey { expr, descending: s.descending });
        }
        if aggregating {
            let detail = self.detail(|| aggregate_detail(proj, &names));
            op = match rel_counts(&mut op, &keys, &aggs, w) {
                Some((plan, replaced)) => {
                    let (name, how) = if plan.reads_type_index() {
                        ("TypeCounts", "the type index")
                    } else if plan.int_comparison().is_some() {
                        ("RelationshipCounts", "a range of the property's integer values where all are integers, else each candidate tested; no rows built")
                    } else {
                        ("RelationshipCounts", "each candidate tested, no rows built")
                    };
                    let detail = self.detail(|| format!("{name} {detail} ({how}, in place of {replaced})"));
                    // The MATCH is left out: its input (the statement's start) feeds this.
                    let input = match op.input.take() {
                        Some(start) => *start,
                        None => op,
                    };
                    self.op(OpKind::RelCounts(Box::new(plan)), input, span, detail)
                }
                None => self.op(
                    OpKind::Aggregate(Box::new(AggregatePlan { keys, aggs, width: w.clone() })),
                    op,
                    span,
                    detail,
                ),
            };
        }
        if !computed.is_empty() {
            let detail = self.detail(|| {
                proj.items
                    .iter()
                    .zip(&names)
                    .filter(|(i, _)| !matches!(i.expr.kind, ExprKind::Var(_)))
                    .map(
                        |(i, n)| {
                            if i.expr.to_string() == *n {
                                n.clone()
                            } else {
                                format!("{} AS {n}", i.expr)
                            }
                        },
                    )
                    .collect::<Vec<_>>()
                    .join(", ")
            });
            op = self.op(OpKind::Project(computed), op, span, detail);
        }
        if proj.distinct {
            let detail =
                self.detail(|| columns.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", "));
            op = self.op(OpKind::Distinct(columns.iter().map(|(_, s)| *s).collect()), op, span, detail);
        }
        let empty = Scope::default();
        let skip = proj.skip.as_ref().map(|e| (self.expr(e, &empty, w), self.detail(|| e.to_string())));
        let limit = proj.limit.as_ref().map(|e| (self.expr(e, &empty, w), self.detail(|| e.to_string())));
        if !sort.is_empty() {
            let keys_text = || {
                proj.order
                    .iter()
                    .map(|s| format!("{}{}", s.expr, if s.descending { " DESC" } else { "" }))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            // With a LIMIT, only the first SKIP + LIMIT rows need keeping while sorting.
            let top = proj
                .limit
                .as_ref()
                .map(|l| (proj.skip.as_ref().map(|e| self.expr(e, &empty, w)), self.expr(l, &empty, w)));
            let detail = self.detail(|| match (&proj.skip, &proj.limit) {
                (Some(s), Some(l)) => format!("Top {s} + {l} by {}", keys_text()),
                (None, Some(l)) => format!("Top {l} by {}", keys_text()),
                _ => format!("Sort by {}", keys_text()),
            });
            op = self.op(OpKind::Sort { keys: sort, top }, op, span, detail);
        }
        if let Some((e, text)) = skip {
            op = self.op(OpKind::Skip(e), op, span, text);
        }
        if let Some((e, text)) = limit {
            op = self.op(OpKind::Limit(e), op, span, text);
        }
        if let Some(wh) = where_ {
            let e = self.expr(wh, &over_input, w);
            let detail = self.detail(|| wh.to_string());
            op = self.op(OpKind::Filter(e), op, span, detail);
        }
        if !narrow {
            return Projected { op, scope: projected, width: w.clone(), columns };
        }
        let width = Width::default();
        let mut next = Scope::default();
        let mut slots = Vec::with_capacity(columns.len());
        for (n, s) in &columns {
            next.insert(n, width.alloc());
            slots.push(*s);
        }
        let detail = self.detail(|| columns.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", "));
        let op = self.op(OpKind::Narrow { width: width.clone(), slots }, op, span, detail);
        let columns = next.iter().map(|(n, s)| (n.to_string(), s)).collect();
        Projected { op, scope: next, width, columns }
    }
}

/// When the aggregation only counts the matches of one directed relationship, ungrouped
/// or by its type ([`RelCountPlan`]), with the MATCH as its input: the plan and the
/// `:explain` text of what it replaces. Otherwise none, to aggregate as usual.
fn rel_counts(
    input: &mut Op,
    keys: &[GroupKeyPlan],
    aggs: &[AggPlan],
    w: &Width,
) -> Option<(RelCountPlan, String)> {
    let OpKind::Match(m) = &input.kind else { return None };
    let starts = input.input.as_deref().is_some_and(|i| matches!(i.kind, OpKind::Start(_)));
    let (Step { kind: StepKind::Rels(scan), detail, .. }, rest) = m.steps.split_first()? else { return None };
    let mut replaced = detail.clone();
    for step in rest {
        let StepKind::Filter(e) = &step.kind else { return None };
        if !reads_only(e, scan.rel) {
            return None;
        }
        replaced.push_str(", ");
        replaced.push_str(&step.detail);
    }
    let key = match keys {
        [] => None,
        [k] if k.shape == KeyShape::RelType(scan.rel) => Some(k.slot),
        _ => return None,
    };
    let plain = |t: &NodeTest| t.labels.is_empty() && t.props.is_none() && t.bound.is_none();
    let ends = [scan.from, scan.rel, scan.to];
    let counts_matches = |a: &AggPlan| match (a.kind, a.args.as_slice()) {
        (AggregateKind::CountStar, _) => true,
        (AggregateKind::Count, [CExpr { kind: CKind::Slot(s), .. }]) => !a.distinct && ends.contains(s),
        _ => false,
    };
    let source = match &scan.source {
        RelSource::All => RelSource::All,
        RelSource::Types => RelSource::Types,
        RelSource::Prop(k) => RelSource::Prop(k.clone()),
        RelSource::Bound(_) | RelSource::Source(_) => return None,
    };
    let fits = starts
        && !m.optional
        && m.count.is_none()
        && scan.dir != RelDirection::Both
        && plain(&scan.from_test)
        && plain(&scan.to_test)
        && scan.rel_test.props.is_none()
        && scan.rel_test.bound.is_none()
        && scan.rel_test.distinct_from.is_empty()
        && !aggs.is_empty()
        && aggs.iter().all(counts_matches);
    if !fits {
        return None;
    }
    let mut plan = RelCountPlan {
        source,
        types: scan.rel_test.types.clone(),
        filters: Vec::new(),
        from: scan.from,
        rel: scan.rel,
        to: scan.to,
        left: scan.dir == RelDirection::Left,
        key,
        keep_first: key.is_some() || aggs.iter().any(|a| a.kind != AggregateKind::CountStar),
        counts: aggs.iter().map(|a| a.slot).collect(),
        width: w.clone(),
    };
    // The MATCH is replaced: its conjuncts move here.
    if let OpKind::Match(m) = &mut input.kind {
        for step in m.steps.drain(1..) {
            if let StepKind::Filter(e) = step.kind {
                plan.filters.push(e);
            }
        }
    }
    Some((plan, replaced))
}

/// Whether an expression reads no slot but `slot` (conservatively: expressions that
/// could reach further, such as patterns and subqueries, do not qualify).
fn reads_only(e: &CExpr, slot: Slot) -> bool {
    let all = |es: &[CExpr]| es.iter().all(|x| reads_only(x, slot));
    match &e.kind {
        CKind::Const(_) => true,
        CKind::Slot(s) | CKind::PropertyCompare { slot: s, .. } => *s == slot,
        CKind::List(items) | CKind::Call { args: items, .. } => all(items),
        CKind::Map(entries) => entries.iter().all(|(_, x)| reads_only(x, slot)),
        CKind::Property(x, _) | CKind::Unary(_, x) | CKind::IsNull(x, _) | CKind::NotNull(x) => {
            reads_only(x, slot)
        }
        CKind::Index(a, b) | CKind::Binary(_, a, b) => reads_only(a, slot) && reads_only(b, slot),
        CKind::Comparison(first, rest) => {
            reads_only(first, slot) && rest.iter().all(|(_, x)| reads_only(x, slot))
        }
        _ => false,
    }
}

/// How a grouping key hashes.
fn key_shape(e: &Expr, scope: &Scope) -> KeyShape {
    let var = |args: &[Expr]| match args {
        [Expr { kind: ExprKind::Var(v), .. }] => scope.get(v),
        _ => None,
    };
    match &e.kind {
        ExprKind::Var(v) => scope.get(v).map_or(KeyShape::Value, KeyShape::Slot),
        ExprKind::Call { name, args, distinct: false } if name.eq_ignore_ascii_case("type") => {
            var(args).map_or(KeyShape::Value, KeyShape::RelType)
        }
        ExprKind::Call { name, args, distinct: false } if name.eq_ignore_ascii_case("labels") => {
            var(args).map_or(KeyShape::Value, KeyShape::Labels)
        }
        _ => KeyShape::Value,
    }
}

fn aggregate_detail(proj: &Projection, names: &[String]) -> String {
    let mut keys = Vec::new();
    let mut aggs = Vec::new();
    for (i, n) in proj.items.iter().zip(names) {
        let text = if i.expr.to_string() == *n { n.clone() } else { format!("{} AS {n}", i.expr) };
        if contains_aggregate(&i.expr) {
            aggs.push(text);
        } else {
            keys.push(text);
        }
    }
    if keys.is_empty() {
        aggs.join(", ")
    } else {
        format!("{} BY {}", aggs.join(", "), keys.join(", "))
    }
}
