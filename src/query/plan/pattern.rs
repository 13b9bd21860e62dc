//! Patterns become match steps: for each pattern part, a start ([`super::anchor`]) and one
//! expand per relationship, in the order the chain is walked; each WHERE conjunct runs as
//! soon as the variables it reads are bound; a named path is built last. Relationship
//! isomorphism (a relationship is bound at most once per MATCH) is each relationship step's
//! `distinct_from`.
//!
//! A chain's last hop may be *counted* instead of matched ([`super::CountStep`]): when the
//! MATCH feeds an aggregation that only counts and nothing reads the hop's variables, each
//! match of the other steps stands for as many rows as the hop has relationships, so
//! `MATCH (a)-[r]->(b)-[r2]->(c) RETURN count(*)` adds up degrees instead of listing every
//! pair, as Kùzu's factorised execution does.

use std::collections::HashMap;

use super::anchor::{self, Anchor, CountedEnd, Hints, RelAnchor};
use super::expr::Scope;
use super::{
    CountStep, Expand, MatchPlan, NodeSource, NodeStep, NodeTest, PathHop, Planner, PropKey, RelScan,
    RelSource, RelTest, Shortest, Slot, Step, StepKind, VarExpand, Width,
};
use crate::query::error::{runtime_error, ErrorClass, ErrorDetail};
use crate::syntax::query::*;

/// What comes after a MATCH, for the factorised count: the variables the aggregation that
/// only counts, right after the MATCH, reads.
pub(crate) struct Counting<'a> {
    pub(crate) read: &'a [String],
}

impl Planner<'_> {
    /// Plans a pattern (a MATCH's, or one inside an expression) in `scope`, which gains
    /// its variables; `pushed_sources` are source hints from the clauses after it.
    pub(crate) fn match_plan(
        &mut self,
        parts: &[PatternPart],
        where_: Option<&Expr>,
        optional: bool,
        scope: &mut Scope,
        w: &Width,
        pushed_sources: &[(String, String)],
    ) -> MatchPlan {
        self.match_plan_counting(parts, where_, optional, scope, w, pushed_sources, None)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn match_plan_counting(
        &mut self,
        parts: &[PatternPart],
        where_: Option<&Expr>,
        optional: bool,
        scope: &mut Scope,
        w: &Width,
        pushed_sources: &[(String, String)],
        counting: Option<Counting<'_>>,
    ) -> MatchPlan {
        let keys = anchor::key_hints(where_, self.params);
        let mut sources = anchor::source_hints(where_, self.params);
        sources.extend(pushed_sources.iter().cloned());
        let eq = anchor::equality_hints(where_);
        let props = anchor::prop_hints(where_);
        let hints = Hints {
            keys: &keys,
            sources: &sources,
            props: &props,
            eq_vars: eq.iter().map(|(v, _, _)| v.as_str()).collect(),
        };
        let before = scope.clone();
        let mut m = MatchBuilder {
            steps: Vec::new(),
            bound_at: HashMap::new(),
            rels: Vec::new(),
            nulls: Vec::new(),
            scope,
            w,
        };
        let counted = counting.and_then(|c| self.counted_end(parts, where_, &before, c.read, &hints));
        let mut count = None;
        for (i, part) in parts.iter().enumerate() {
            let counted_here = if i + 1 == parts.len() { counted } else { None };
            if part.shortest.is_some() {
                let step = self.shortest(part, &mut m, &keys);
                m.steps.push(step);
                continue;
            }
            count = self.part(part, &mut m, &hints, &eq, counted_here);
        }
        // Each conjunct runs after the step that binds the last variable it reads, and
        // never before an earlier conjunct (so they run in the order written).
        let mut filters: Vec<(usize, Step)> = Vec::new();
        let mut at_least = 0;
        for c in anchor::conjuncts(where_) {
            let mut names = Vec::new();
            collect_names(c, &mut names);
            let level =
                names.iter().filter_map(|n| m.bound_at.get(n.as_str())).map(|l| l + 1).max().unwrap_or(0);
            let level = level.max(at_least);
            at_least = level;
            let expr = self.expr(c, m.scope, w);
            let id = self.id();
            filters.push((
                level,
                Step { id, kind: StepKind::Filter(expr), detail: self.detail(|| format!("Filter {c}")) },
            ));
        }
        let mut steps = Vec::with_capacity(m.steps.len() + filters.len());
        let mut filters = filters.into_iter().peekable();
        for (i, step) in m.steps.into_iter().enumerate() {
            while let Some((_, f)) = filters.next_if(|(l, _)| *l <= i) {
                steps.push(f);
            }
            steps.push(step);
        }
        steps.extend(filters.map(|(_, f)| f));
        if let Some(c) = &mut count {
            c.whole_graph = steps.first().is_some_and(|s| scans_whole_graph(&s.kind));
        }
        MatchPlan { optional, steps, nulls: m.nulls, count }
    }

    /// Which end of the last part may be counted, if any.
    fn counted_end(
        &self,
        parts: &[PatternPart],
        where_: Option<&Expr>,
        before: &Scope,
        read: &[String],
        hints: &Hints<'_>,
    ) -> Option<CountedEnd> {
        let part = parts.last()?;
        if part.shortest.is_some() || part.var.is_some() || part.element.chain.is_empty() {
            return None;
        }
        let all_vars = pattern_vars(parts);
        let mut uses: HashMap<&str, usize> = HashMap::new();
        for v in &all_vars {
            *uses.entry(v.as_str()).or_default() += 1;
        }
        let mut in_where = Vec::new();
        if let Some(w) = where_ {
            collect_names(w, &mut in_where);
        }
        let free = |var: &Option<String>| match var {
            None => true,
            Some(v) => {
                !read.contains(v)
                    && !before.contains(v)
                    && uses.get(v.as_str()) == Some(&1)
                    && !in_where.contains(v)
                    && !hints.eq_vars.contains(&v.as_str())
            }
        };
        let countable = |rel: &RelPattern, node: &NodePattern| {
            rel.range.is_none()
                && rel.props.is_none()
                && node.props.is_none()
                && free(&rel.var)
                && free(&node.var)
        };
        let el = &part.element;
        let (last_rel, last_node) = el.chain.last()?;
        let last = countable(last_rel, last_node);
        let first = countable(&el.chain[0].0, &el.start);
        if last && first && el.chain.len() == 2 && parts.len() == 1 && el.chain[1].0.range.is_none() {
            return Some(CountedEnd::Both);
        }
        let bound = |v: &str| before.contains(v);
        let natural = anchor::choose_start(self.g, el, &bound, hints, self.params, None);
        match (last, first) {
            (true, true) if natural.reversed => Some(CountedEnd::First),
            (true, _) => Some(CountedEnd::Last),
            (false, true) => Some(CountedEnd::First),
            (false, false) => None,
        }
    }

    /// Steps for one pattern part; the counted last hop, if it was counted.
    fn part(
        &mut self,
        part: &PatternPart,
        m: &mut MatchBuilder<'_, '_>,
        hints: &Hints<'_>,
        eq: &[(String, String, Expr)],
        counted: Option<CountedEnd>,
    ) -> Option<CountStep> {
        let el = &part.element;
        if counted == Some(CountedEnd::Both) {
            return Some(self.middle(el, m, hints, eq));
        }
        let scope_before = m.scope.clone();
        let bound = |v: &str| scope_before.contains(v);
        let start = anchor::choose_start(self.g, el, &bound, hints, self.params, counted);
        let walk = if start.reversed { reverse_element(el) } else { el.clone() };
        let n = el.chain.len();
        // Pattern position of each node the walk meets.
        let pos = |i: usize| if start.reversed { n - i } else { i };
        let mut node_slots = vec![0; n + 1];
        let mut rel_slots: Vec<Slot> = vec![0; n];
        let mut var_nodes: Vec<Option<Slot>> = vec![None; n];
        let (first_slot, first_bound) = m.bind(&walk.start.var);
        node_slots[pos(0)] = first_slot;
        let mut hop_from = 0;
        let mut count = None;
        if let (Some(rel_anchor), Some((rel, next))) = (&start.rel, walk.chain.first()) {
            let from_test = self.node_test(&walk.start, first_bound.then_some(first_slot), m);
            let (rel_slot, rel_bound) = m.bind(&rel.var);
            let rel_test = self.rel_test(rel, rel_bound.then_some(rel_slot), m);
            let (to_slot, to_bound) = m.bind(&next.var);
            let to_test = self.node_test(next, to_bound.then_some(to_slot), m);
            let source = match rel_anchor {
                RelAnchor::Bound => RelSource::Bound(rel_slot),
                RelAnchor::Source(id) => RelSource::Source(id.clone()),
                RelAnchor::Types(_) => RelSource::Types,
                RelAnchor::Prop(key) => RelSource::Prop(key.clone()),
                RelAnchor::All => RelSource::All,
            };
            let detail = self.detail(|| self.rel_scan_detail(rel_anchor, &walk.start, rel, next));
            let id = self.id();
            let scan = RelScan {
                source,
                from: first_slot,
                rel: rel_slot,
                to: to_slot,
                dir: rel.direction,
                from_test,
                rel_test,
                to_test,
            };
            m.push(
                Step { id, kind: StepKind::Rels(Box::new(scan)), detail },
                [&walk.start.var, &rel.var, &next.var],
            );
            m.rels.push(rel_slot);
            rel_slots[pos(0).min(pos(1))] = rel_slot;
            node_slots[pos(1)] = to_slot;
            hop_from = 1;
        } else {
            let test = self.node_test(&walk.start, None, m);
            let (source, detail) = if first_bound {
                (
                    NodeSource::Bound(first_slot),
                    self.detail(|| format!("Argument {} (bound)", name(&walk.start.var))),
                )
            } else {
                self.node_source(&walk.start, hints, eq, m)
            };
            let id = self.id();
            m.push(
                Step {
                    id,
                    kind: StepKind::Nodes(Box::new(NodeStep { slot: first_slot, source, test })),
                    detail,
                },
                [&walk.start.var],
            );
        }
        for i in hop_from..n {
            let (rel, node) = &walk.chain[i];
            let from = node_slots[pos(i)];
            if counted.is_some() && i + 1 == n {
                let id = self.id();
                let prev = if i == 0 { &walk.start } else { &walk.chain[i - 1].1 };
                let detail =
                    self.detail(|| format!("ExpandCount ({}){}", name(&prev.var), hop_text(rel, node)));
                count = Some(CountStep {
                    id,
                    from,
                    last: count_hop(rel, node, false),
                    first: None,
                    distinct_from: m.rels.clone(),
                    whole_graph: false,
                    detail,
                });
                break;
            }
            let (rel_slot, rel_bound) = m.bind(&rel.var);
            let rel_test = self.rel_test(rel, rel_bound.then_some(rel_slot), m);
            let (to_slot, to_bound) = m.bind(&node.var);
            let to_test = self.node_test(node, to_bound.then_some(to_slot), m);
            let id = self.id();
            let kind = if let Some((lo, hi)) = rel.range {
                let nodes = part.var.as_ref().map(|_| m.w.alloc());
                var_nodes[pos(i).min(pos(i + 1))] = nodes;
                let detail = self.detail(|| format!("VarLengthExpand {}", hop_text(rel, node)));
                (
                    StepKind::VarExpand(Box::new(VarExpand {
                        from,
                        rel: rel_slot,
                        to: to_slot,
                        dir: rel.direction,
                        min: lo.unwrap_or(1) as usize,
                        max: hi.map_or(usize::MAX, |h| h as usize),
                        rel_test,
                        to_test,
                        nodes,
                        reversed: start.reversed,
                    })),
                    detail,
                )
            } else {
                let detail = self.detail(|| format!("Expand {}", hop_text(rel, node)));
                (
                    StepKind::Expand(Box::new(Expand {
                        from,
                        rel: rel_slot,
                        to: to_slot,
                        dir: rel.direction,
                        rel_test,
                        to_test,
                    })),
                    detail,
                )
            };
            m.push(Step { id, kind: kind.0, detail: kind.1 }, [&rel.var, &node.var]);
            m.rels.push(rel_slot);
            rel_slots[pos(i).min(pos(i + 1))] = rel_slot;
            node_slots[pos(i + 1)] = to_slot;
        }
        if let Some(pv) = &part.var {
            let (slot, _) = m.bind(&Some(pv.clone()));
            let hops = (0..n)
                .map(|i| match var_nodes[i] {
                    Some(nodes) => PathHop::Var { rels: rel_slots[i], nodes },
                    None => PathHop::One { rel: rel_slots[i], node: node_slots[i + 1] },
                })
                .collect();
            let id = self.id();
            let step = Step {
                id,
                kind: StepKind::Path { slot, start: node_slots[0], hops },
                detail: self.detail(|| format!("ProjectPath {pv}")),
            };
            m.push(step, [&part.var]);
        }
        count
    }

    /// A chain of two relationships, both counted: its middle node is matched, and each
    /// of its matches stands for the pairs of relationships at it.
    fn middle(
        &mut self,
        el: &PatternElement,
        m: &mut MatchBuilder<'_, '_>,
        hints: &Hints<'_>,
        eq: &[(String, String, Expr)],
    ) -> CountStep {
        let ((r1, mid), (r2, end)) = (&el.chain[0], &el.chain[1]);
        let (slot, bound) = m.bind(&mid.var);
        let test = self.node_test(mid, None, m);
        let (source, detail) = if bound {
            (NodeSource::Bound(slot), self.detail(|| format!("Argument {} (bound)", name(&mid.var))))
        } else {
            self.node_source(mid, hints, eq, m)
        };
        let id = self.id();
        m.push(
            Step { id, kind: StepKind::Nodes(Box::new(NodeStep { slot, source, test })), detail },
            [&mid.var],
        );
        let id = self.id();
        let (l, r) = dir_text(r1.direction);
        let detail = self.detail(|| {
            format!(
                "ExpandCount ({}){l}[{}{}]{r}({}){}",
                name(&el.start.var),
                r1.var.clone().unwrap_or_default(),
                types_text(r1),
                name(&mid.var),
                hop_text(r2, end)
            )
        });
        CountStep {
            id,
            from: slot,
            last: count_hop(r2, end, false),
            first: Some(count_hop(r1, &el.start, true)),
            distinct_from: Vec::new(),
            whole_graph: false,
            detail,
        }
    }

    fn shortest(
        &mut self,
        part: &PatternPart,
        m: &mut MatchBuilder<'_, '_>,
        keys: &[(String, String)],
    ) -> Step {
        let el = &part.element;
        let id = self.id();
        let detail = self.detail(|| {
            format!(
                "ShortestPath ({}, bidirectional BFS when single) {part}",
                if part.shortest == Some(ShortestKind::All) { "all" } else { "one" }
            )
        });
        let Some((rel, end)) = el.chain.first().filter(|_| el.chain.len() == 1) else {
            let err = runtime_error(
                ErrorClass::UnsupportedOperation,
                ErrorDetail::NotImplemented,
                "shortestPath over more than one relationship is not supported",
            );
            let fail =
                super::CExpr { kind: super::CKind::Fail(Box::new(err.at(part.span))), span: part.span };
            return Step { id, kind: StepKind::Filter(fail), detail };
        };
        let (start_slot, start_bound) = m.bind(&el.start.var);
        let start_test = self.node_test(&el.start, None, m);
        let start_source = if start_bound {
            NodeSource::Bound(start_slot)
        } else {
            NodeSource::Anchor(anchor::choose_anchor(self.g, &el.start, keys, self.params))
        };
        let (end_slot, end_bound) = m.bind(&end.var);
        let end_test = self.node_test(end, None, m);
        let end_source = if end_bound {
            NodeSource::Bound(end_slot)
        } else {
            NodeSource::Anchor(anchor::choose_anchor(self.g, end, keys, self.params))
        };
        let rel_slot = rel.var.as_ref().map(|_| m.bind(&rel.var).0);
        let rel_test = self.rel_test(rel, None, m);
        let path = part.var.as_ref().map(|_| m.bind(&part.var).0);
        let (lo, hi) = rel.range.unwrap_or((Some(1), Some(1)));
        let shortest = Shortest {
            all: part.shortest == Some(ShortestKind::All),
            start: start_slot,
            start_source,
            start_test,
            end: end_slot,
            end_source,
            end_test,
            rel: rel_slot,
            dir: rel.direction,
            rel_test,
            min: lo.unwrap_or(1) as usize,
            max: hi.map_or(usize::MAX, |h| h as usize),
            path,
        };
        let step = Step { id, kind: StepKind::Shortest(Box::new(shortest)), detail };
        for v in [&el.start.var, &end.var, &rel.var, &part.var].into_iter().flatten() {
            m.bound_at.entry(v.clone()).or_insert(m.steps.len());
        }
        step
    }

    fn node_test(&mut self, node: &NodePattern, bound: Option<Slot>, m: &MatchBuilder<'_, '_>) -> NodeTest {
        let props = node.props.as_ref().map(|p| self.expr(p, m.scope, m.w));
        NodeTest { labels: node.labels.clone(), props, bound }
    }

    fn rel_test(&mut self, rel: &RelPattern, bound: Option<Slot>, m: &MatchBuilder<'_, '_>) -> RelTest {
        let props = rel.props.as_ref().map(|p| self.expr(p, m.scope, m.w));
        let mut types = rel.types.clone();
        types.dedup();
        RelTest { types, props, bound, distinct_from: m.rels.clone() }
    }

    /// Where an unbound start node's candidates come from, and how `:explain` says it.
    fn node_source(
        &mut self,
        node: &NodePattern,
        hints: &Hints<'_>,
        eq: &[(String, String, Expr)],
        m: &MatchBuilder<'_, '_>,
    ) -> (NodeSource, String) {
        let n = name(&node.var);
        let anchor = anchor::choose_anchor(self.g, node, hints.keys, self.params);
        if let (Some(v), false) = (&node.var, matches!(anchor, Anchor::Key(_))) {
            if let Some((_, prop, probe)) = eq.iter().find(|(x, _, _)| x == v) {
                let detail = self.detail(|| format!("NodeHashLookup {n}.{prop} = {probe}"));
                let probe = self.expr(probe, m.scope, m.w);
                return (NodeSource::Hash { prop: PropKey::new(prop), probe, anchor }, detail);
            }
        }
        let detail = self.detail(|| match &anchor {
            Anchor::Key(id) => format!("NodeByKey {n} ('{id}')"),
            Anchor::Name(name) => {
                format!(
                    "NodeByName {n} ({} for '{name}')",
                    counted(self.g.find_by_name(name).len(), "candidate")
                )
            }
            Anchor::Label(l) => {
                format!(
                    "NodeByLabelScan {n}:{l} ({} entities)",
                    self.g.sym(l).map_or(0, |s| self.g.label_count(s))
                )
            }
            Anchor::All => format!("AllNodesScan {n} ({} entities)", self.g.entity_count()),
        });
        (NodeSource::Anchor(anchor), detail)
    }

    fn rel_scan_detail(
        &self,
        anchor: &RelAnchor,
        from: &NodePattern,
        rel: &RelPattern,
        to: &NodePattern,
    ) -> String {
        let (l, r) = dir_text(rel.direction);
        let ends = format!("({}){l}[{}]{r}({})", name(&from.var), name(&rel.var), name(&to.var));
        match anchor {
            RelAnchor::Bound => format!("Argument {} (bound) {ends}", name(&rel.var)),
            RelAnchor::Source(id) => {
                let n: usize =
                    anchor::source_refs(self.g, id).iter().map(|s| self.g.source_claim_count(*s)).sum();
                format!("RelationshipsBySource {id} ({}) {ends}", counted(n, "claim"))
            }
            RelAnchor::Types(types) => {
                let n: usize = types.iter().filter_map(|t| self.g.sym(t)).map(|t| self.g.type_count(t)).sum();
                format!("RelationshipsByType :{} ({}) {ends}", types.join("|"), counted(n, "claim"))
            }
            RelAnchor::Prop(key) => {
                let n = self.g.sym(key).map_or(0, |k| self.g.prop_claim_count(k));
                format!("RelationshipsByProperty {}.{key} ({}) {ends}", name(&rel.var), counted(n, "claim"))
            }
            RelAnchor::All => {
                format!("AllRelationshipsScan {ends} ({})", counted(self.g.claim_count(), "claim"))
            }
        }
    }
}

/// Steps and bookkeeping of the MATCH being planned.
struct MatchBuilder<'s, 'w> {
    steps: Vec<Step>,
    /// Step index that binds each variable new in this MATCH.
    bound_at: HashMap<String, usize>,
    /// Relationship slots bound so far in this MATCH (for isomorphism).
    rels: Vec<Slot>,
    /// Slots this MATCH binds (nulls of an OPTIONAL MATCH that finds nothing).
    nulls: Vec<Slot>,
    scope: &'s mut Scope,
    w: &'w Width,
}

impl MatchBuilder<'_, '_> {
    /// The slot of a pattern variable (a new one when it is not bound yet, a hidden one
    /// when anonymous), and whether it was bound before.
    fn bind(&mut self, var: &Option<String>) -> (Slot, bool) {
        if let Some(v) = var {
            if let Some(s) = self.scope.get(v) {
                return (s, true);
            }
        }
        let s = self.w.alloc();
        if let Some(v) = var {
            self.scope.insert(v, s);
        }
        self.nulls.push(s);
        (s, false)
    }

    fn push<const N: usize>(&mut self, step: Step, vars: [&Option<String>; N]) {
        let level = self.steps.len();
        for v in vars.into_iter().flatten() {
            self.bound_at.entry(v.clone()).or_insert(level);
        }
        self.steps.push(step);
    }
}

/// Whether a MATCH starting with this step reads the whole graph (so counting every
/// entity's relationships at once is cheaper than one entity at a time).
fn scans_whole_graph(kind: &StepKind) -> bool {
    match kind {
        StepKind::Nodes(n) => matches!(n.source, NodeSource::Anchor(Anchor::All | Anchor::Label(_))),
        StepKind::Rels(scan) => matches!(scan.source, RelSource::All | RelSource::Types),
        _ => false,
    }
}

/// Every variable name an expression mentions, inside patterns and subqueries too (a
/// superset of what it reads, which only delays a filter).
fn collect_names(e: &Expr, out: &mut Vec<String>) {
    e.walk(&mut |x| match &x.kind {
        ExprKind::Var(v) => out.push(v.clone()),
        ExprKind::Pattern(el) | ExprKind::PatternComprehension { pattern: el, .. } => element_names(el, out),
        ExprKind::ShortestPath(part) => element_names(&part.element, out),
        ExprKind::Exists(body) => {
            if let ExistsBody::Pattern(p, _) = body.as_ref() {
                out.extend(pattern_vars(&p.parts));
            }
            if let ExistsBody::Query(q) = body.as_ref() {
                for c in &q.clauses {
                    if let ClauseKind::Match { pattern, .. } = &c.kind {
                        out.extend(pattern_vars(&pattern.parts));
                    }
                }
            }
        }
        _ => {}
    });
}

fn element_names(el: &PatternElement, out: &mut Vec<String>) {
    out.extend(el.start.var.clone());
    for (r, n) in &el.chain {
        out.extend(r.var.clone());
        out.extend(n.var.clone());
    }
}

/// A counted hop to `far` over `rel`; `backwards`: walked against the pattern's order.
fn count_hop(rel: &RelPattern, far: &NodePattern, backwards: bool) -> super::CountHop {
    let dir = match (rel.direction, backwards) {
        (RelDirection::Right, true) => RelDirection::Left,
        (RelDirection::Left, true) => RelDirection::Right,
        (d, _) => d,
    };
    super::CountHop { dir, types: rel.types.clone(), labels: far.labels.clone() }
}

/// `1 claim`, `3 claims`: a count with its noun in the number it takes.
fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn name(var: &Option<String>) -> String {
    var.clone().unwrap_or_else(|| "_".into())
}

fn dir_text(d: RelDirection) -> (&'static str, &'static str) {
    match d {
        RelDirection::Right => ("-", "->"),
        RelDirection::Left => ("<-", "-"),
        RelDirection::Both => ("-", "-"),
    }
}

fn types_text(rel: &RelPattern) -> String {
    if rel.types.is_empty() {
        String::new()
    } else {
        format!(":{}", rel.types.join("|"))
    }
}

/// `-[r:T]->(b)` as walked.
fn hop_text(rel: &RelPattern, node: &NodePattern) -> String {
    let (l, r) = dir_text(rel.direction);
    let labels: String = node.labels.iter().map(|l| format!(":{l}")).collect();
    let range = match rel.range {
        None => String::new(),
        Some((lo, hi)) => format!(
            "*{}..{}",
            lo.map_or(String::new(), |x| x.to_string()),
            hi.map_or(String::new(), |x| x.to_string())
        ),
    };
    format!(
        "{l}[{}{}{range}]{r}({}{labels})",
        rel.var.clone().unwrap_or_default(),
        types_text(rel),
        name(&node.var)
    )
}

/// The element walked from its far end: nodes and relationships in reverse order,
/// directions flipped.
pub(crate) fn reverse_element(el: &PatternElement) -> PatternElement {
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
