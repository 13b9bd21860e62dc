//! Planning: where pattern matching starts.
//!
//! The executor walks each pattern element as a chain of expands from one end node. This
//! module picks that node and how to find its candidates, most selective first:
//!
//! 1. a variable already bound by an earlier clause or pattern part (one candidate);
//! 2. the entity's stable id, from a `WHERE key(n) = 'wagner'` conjunct: one lookup in the
//!    id index ([`Graph::find_entity`]); `n.id` / `{id: ...}` stay ordinary user properties,
//!    as the openCypher TCK requires;
//! 3. a `{name: 'Wagner'}` property map: the case-insensitive name-and-alias index gives a
//!    small superset, filtered by exact equality afterwards;
//! 4. the label with the fewest members (label index);
//! 5. every entity.
//!
//! If the far end of a chain is cheaper than the near end, the chain is matched reversed
//! (directions flipped) and named paths are turned back afterwards. Starting in the middle
//! of a chain is not attempted.
//!
//! When neither end is anchored well, the chain may start from its first (or last)
//! relationship instead ([`RelAnchor`]): one already bound, the claims of the source named
//! by a `'s7' IN sources(r)` or `any(a IN attestations(r) WHERE a.source = 's7' ...)`
//! conjunct ([`source_hints`], the graph's source index), or the claims of its types. Each
//! claim found binds both end nodes; the rest of the chain expands from there.
//!
//! Within a MATCH, `n.p = e` conjuncts of its WHERE ([`equality_hints`]) let the executor
//! look `n` up by value in a table built once per MATCH: a hash join. [`explain`] names
//! the operators the executor will run with these choices (EXPLAIN in the REPL).

use crate::model::{ClaimIx, EntityIx, Graph, SourceRef, Sym};
use crate::syntax::query::{
    BinOp, Clause, ClauseKind, CompOp, Expr, ExprKind, Literal, NodePattern, PatternElement, QuantKind,
    RelPattern,
};

use super::aggregate::contains_aggregate;
use super::row::Row;
use super::value::Params;
use super::value::Value;

/// How a node pattern's candidates are found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Anchor {
    /// By stable id (at most one entity).
    Key(Option<EntityIx>),
    /// By the name/alias index: a superset of the entities with that exact name.
    Name(Vec<EntityIx>),
    Label(Sym),
    /// A label no entity has: nothing can match.
    Nothing,
    All,
}

/// `key(n) = 'wagner'` conjuncts of a WHERE clause: (variable, stable id).
pub(crate) fn key_hints(where_: Option<&Expr>, params: &Params) -> Vec<(String, String)> {
    conjuncts(where_)
        .into_iter()
        .filter_map(equality)
        .filter_map(|(a, b)| key_hint(a, b, params).or_else(|| key_hint(b, a, params)))
        .collect()
}

/// The operands of a WHERE clause's top-level `AND`s (the whole clause when it has none).
fn conjuncts(where_: Option<&Expr>) -> Vec<&Expr> {
    fn walk<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
        match &e.kind {
            ExprKind::Binary(BinOp::And, a, b) => {
                walk(a, out);
                walk(b, out);
            }
            _ => out.push(e),
        }
    }
    let mut out = Vec::new();
    if let Some(w) = where_ {
        walk(w, &mut out);
    }
    out
}

/// The two sides of `a = b`.
fn equality(e: &Expr) -> Option<(&Expr, &Expr)> {
    match &e.kind {
        ExprKind::Comparison(first, rest) if rest.len() == 1 && rest[0].0 == CompOp::Eq => {
            Some((first.as_ref(), &rest[0].1))
        }
        _ => None,
    }
}

fn key_hint(call: &Expr, value: &Expr, params: &Params) -> Option<(String, String)> {
    let ExprKind::Call { name, args, distinct: false } = &call.kind else { return None };
    if !name.eq_ignore_ascii_case("key") {
        return None;
    }
    let [Expr { kind: ExprKind::Var(var), .. }] = args.as_slice() else { return None };
    let id = constant_string(value, params)?;
    Some((var.clone(), id))
}

fn constant_string(e: &Expr, params: &Params) -> Option<String> {
    match &e.kind {
        ExprKind::Literal(Literal::String(s)) => Some(s.clone()),
        ExprKind::Param(p) => match params.get(p) {
            Some(crate::model::result::QueryValue::String(s)) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// Picks how to find candidates for an unbound node pattern.
pub(crate) fn choose_anchor(
    g: &Graph,
    node: &NodePattern,
    hints: &[(String, String)],
    params: &Params,
) -> Anchor {
    if let Some(v) = &node.var {
        if let Some((_, id)) = hints.iter().find(|(h, _)| h == v) {
            return Anchor::Key(g.find_entity(id));
        }
    }
    let mut best: Option<Anchor> = None;
    let mut best_cost = usize::MAX;
    if let Some(Expr { kind: ExprKind::Map(entries), .. }) = &node.props {
        if let Some((_, v)) = entries.iter().find(|(k, _)| k == "name") {
            if let Some(name) = constant_string(v, params) {
                let list = g.find_by_name(&name).to_vec();
                best_cost = list.len();
                best = Some(Anchor::Name(list));
            }
        }
    }
    for l in &node.labels {
        match g.sym(l) {
            None => return Anchor::Nothing,
            Some(s) => {
                let n = g.label_count(s);
                if n < best_cost {
                    best_cost = n;
                    best = Some(Anchor::Label(s));
                }
            }
        }
    }
    best.unwrap_or(Anchor::All)
}

/// Estimated number of candidates for a node pattern.
fn cost(g: &Graph, node: &NodePattern, row: &Row, hints: &[(String, String)], params: &Params) -> usize {
    if node.var.as_ref().is_some_and(|v| row.contains_key(v)) {
        return match node.var.as_ref().and_then(|v| row.get(v)) {
            Some(Value::Node(_)) | Some(Value::Null) => 1,
            _ => usize::MAX,
        };
    }
    match choose_anchor(g, node, hints, params) {
        Anchor::Key(_) => 1,
        Anchor::Name(l) => l.len(),
        Anchor::Label(s) => g.label_count(s),
        Anchor::Nothing => 0,
        Anchor::All => g.entity_count(),
    }
}

/// How a relationship pattern's candidates are found directly, without its end nodes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RelAnchor {
    /// Bound by an earlier clause or pattern (`None`: bound to null, nothing matches).
    Bound(Option<ClaimIx>),
    /// The claims a source attests, from a [`source_hints`] conjunct.
    Source { id: String, sources: Vec<SourceRef> },
    /// The claims of the pattern's relationship types.
    Types(Vec<Sym>),
}

impl RelAnchor {
    /// The candidate claims, in claim order (a claim listed once per source or type).
    pub(crate) fn claims(&self, g: &Graph) -> Vec<ClaimIx> {
        match self {
            RelAnchor::Bound(c) => c.iter().copied().collect(),
            RelAnchor::Source { sources, .. } => {
                let mut out: Vec<ClaimIx> = sources.iter().flat_map(|s| g.claims_by_source(*s)).collect();
                if sources.len() > 1 {
                    out.sort_unstable();
                    out.dedup();
                }
                out
            }
            RelAnchor::Types(types) => types.iter().flat_map(|t| g.claims_of_type(*t)).collect(),
        }
    }

    fn cost(&self, g: &Graph) -> usize {
        match self {
            RelAnchor::Bound(c) => usize::from(c.is_some()),
            RelAnchor::Source { sources, .. } => sources.iter().map(|s| g.source_claim_count(*s)).sum(),
            RelAnchor::Types(types) => types.iter().map(|t| g.type_count(*t)).sum(),
        }
    }
}

/// Relationship-first anchors for a relationship pattern, cheapest first.
pub(crate) fn choose_rel_anchor(
    g: &Graph,
    rel: &RelPattern,
    row: &Row,
    source_hints: &[(String, String)],
) -> Option<(RelAnchor, usize)> {
    if rel.range.is_some() {
        return None;
    }
    let mut options = Vec::new();
    if let Some(v) = &rel.var {
        match row.get(v) {
            Some(Value::Relationship(c)) => options.push(RelAnchor::Bound(Some(*c))),
            Some(Value::Null) => options.push(RelAnchor::Bound(None)),
            // A bound value of another type is an error the ordinary expansion reports.
            Some(_) => return None,
            None => {}
        }
        for (_, id) in source_hints.iter().filter(|(h, _)| h == v) {
            let mut sources = Vec::new();
            if let Some(ix) = g.find_entity(id) {
                sources.push(SourceRef::Entity(ix));
            }
            if let Some(sym) = g.sym(id) {
                sources.push(SourceRef::User(sym));
            }
            options.push(RelAnchor::Source { id: id.clone(), sources });
        }
    }
    if !rel.types.is_empty() {
        // An unknown type has no claims: it adds nothing to the candidates. `[:A|A]` lists
        // each claim once.
        let mut types: Vec<Sym> = rel.types.iter().filter_map(|t| g.sym(t)).collect();
        types.sort_unstable();
        types.dedup();
        options.push(RelAnchor::Types(types));
    }
    options.into_iter().map(|a| (a.cost(g), a)).min_by_key(|(c, _)| *c).map(|(c, a)| (a, c))
}

/// Where a chain starts: from which end, and whether from its first relationship.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Start {
    /// Match the chain reversed (from its last node or relationship).
    pub(crate) reversed: bool,
    /// Start from the (possibly reversed) chain's first relationship instead of its node.
    pub(crate) rel: Option<RelAnchor>,
}

/// Picks where to start matching a chain. Starting from a relationship pays off when its
/// candidates are fewer than the relationships the cheapest end node would expand
/// (candidates × average degree); a node found by id or already bound always wins, and
/// so does a node with an `n.p = e` hash-join hint (its size is unknown here).
pub(crate) fn choose_start(
    g: &Graph,
    el: &PatternElement,
    row: &Row,
    hints: &Hints<'_>,
    params: &Params,
) -> Start {
    let (Some((first, _)), Some((last, _)), Some((start_cost, last_cost))) =
        (el.chain.first(), el.chain.last(), end_costs(g, el, row, hints.keys, params))
    else {
        return Start { reversed: false, rel: None };
    };
    let reversed = last_cost < start_cost;
    let node_cost = start_cost.min(last_cost);
    let hashed = |n: &NodePattern| n.var.as_ref().is_some_and(|v| hints.eq_vars.contains(&v.as_str()));
    if node_cost <= 1 || hashed(&el.start) || el.chain.iter().any(|(_, n)| hashed(n)) {
        return Start { reversed, rel: None };
    }
    let degree = (g.claim_count() / g.entity_count().max(1)).max(1);
    let node_edges = node_cost.saturating_mul(degree);
    let front = choose_rel_anchor(g, first, row, hints.sources);
    let back = if el.chain.len() > 1 { choose_rel_anchor(g, last, row, hints.sources) } else { None };
    let best = match (front, back) {
        (Some(f), Some(b)) if b.1 < f.1 => Some((true, b)),
        (Some(f), _) => Some((false, f)),
        (None, Some(b)) => Some((true, b)),
        (None, None) => None,
    };
    match best {
        Some((rev, (anchor, c))) if c < node_edges => Start { reversed: rev, rel: Some(anchor) },
        _ => Start { reversed, rel: None },
    }
}

/// The WHERE-derived hints of the MATCH being planned.
pub(crate) struct Hints<'h> {
    pub(crate) keys: &'h [(String, String)],
    pub(crate) sources: &'h [(String, String)],
    /// Variables with an `n.p = e` hash-join hint.
    pub(crate) eq_vars: Vec<&'h str>,
}

/// `'s7' IN sources(r)` and `any(a IN attestations(r) WHERE a.source = 's7' ...)`
/// conjuncts of a WHERE clause: (relationship variable, source id). Each implies that the
/// source attests `r` itself, so its claims are a superset of the matches.
pub(crate) fn source_hints(where_: Option<&Expr>, params: &Params) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in conjuncts(where_) {
        match &e.kind {
            ExprKind::Binary(BinOp::In, item, list) => {
                if let (Some(id), Some(r)) = (constant_string(item, params), provenance_call(list, "sources"))
                {
                    out.push((r, id));
                }
            }
            ExprKind::Quantifier {
                kind: QuantKind::Any | QuantKind::Single,
                var,
                list,
                filter: Some(filter),
            } => {
                if let Some(r) = provenance_call(list, "attestations") {
                    out.extend(
                        attestation_sources(filter, var, params).into_iter().map(|id| (r.clone(), id)),
                    );
                }
            }
            _ => {}
        }
    }
    out
}

/// Source hints a MATCH may take from the clauses right after it: in
/// `MATCH ... UNWIND attestations(r) AS at WITH ..., at, ... WHERE at.source = 's7' AND ...`
/// every row whose `r` the source does not attest is dropped by that `WHERE`, so the MATCH
/// may start from the source's claims. Only when the `WITH` passes `at` through unchanged
/// and neither aggregates nor skips or limits (its `WHERE` runs after those).
pub(crate) fn pushed_source_hints(after: &[Clause], params: &Params) -> Vec<(String, String)> {
    let [Clause { kind: ClauseKind::Unwind { expr, var }, .. }, Clause { kind: ClauseKind::With { proj, where_: Some(w) }, .. }, ..] =
        after
    else {
        return Vec::new();
    };
    let Some(r) = provenance_call(expr, "attestations") else { return Vec::new() };
    if proj.skip.is_some() || proj.limit.is_some() || proj.items.iter().any(|i| contains_aggregate(&i.expr)) {
        return Vec::new();
    }
    let renamed = proj.items.iter().any(|i| {
        let name_is_var = i.alias.as_deref() == Some(var.as_str());
        name_is_var && !matches!(&i.expr.kind, ExprKind::Var(v) if v == var)
    });
    let passed = proj.star
        || proj.items.iter().any(|i| {
            matches!(&i.expr.kind, ExprKind::Var(v) if v == var)
                && i.alias.as_deref().is_none_or(|a| a == var)
        });
    if renamed || !passed {
        return Vec::new();
    }
    attestation_sources(w, var, params).into_iter().map(|id| (r.clone(), id)).collect()
}

/// `f(r)` for the provenance function `f` and a variable `r`: the variable.
fn provenance_call(e: &Expr, function: &str) -> Option<String> {
    let ExprKind::Call { name, args, distinct: false } = &e.kind else { return None };
    if !name.eq_ignore_ascii_case(function) {
        return None;
    }
    match args.as_slice() {
        [Expr { kind: ExprKind::Var(v), .. }] => Some(v.clone()),
        _ => None,
    }
}

/// `x.source = 's7'` conjuncts (either side) of a filter over attestations `x`.
fn attestation_sources(filter: &Expr, var: &str, params: &Params) -> Vec<String> {
    let mut out = Vec::new();
    for (a, b) in conjuncts(Some(filter)).into_iter().filter_map(equality) {
        for (prop, value) in [(a, b), (b, a)] {
            if let ExprKind::Property(base, key) = &prop.kind {
                if key == "source" && matches!(&base.kind, ExprKind::Var(v) if v == var) {
                    out.extend(constant_string(value, params));
                }
            }
        }
    }
    out
}

/// Estimated candidates for a chain's first and last node (`None` without a relationship).
fn end_costs(
    g: &Graph,
    el: &PatternElement,
    row: &Row,
    hints: &[(String, String)],
    params: &Params,
) -> Option<(usize, usize)> {
    let (_, last) = el.chain.last()?;
    Some((cost(g, &el.start, row, hints, params), cost(g, last, row, hints, params)))
}

/// `n.p = e` conjuncts of a WHERE clause where `e` does not mention `n`: while matching,
/// `n`'s candidates can be looked up by value (a hash join) instead of scanned.
pub(crate) fn equality_hints(where_: Option<&Expr>) -> Vec<(String, String, Expr)> {
    let mut out = Vec::new();
    for (a, b) in conjuncts(where_).into_iter().filter_map(equality) {
        for (prop, probe) in [(a, b), (b, a)] {
            if let ExprKind::Property(base, key) = &prop.kind {
                if let ExprKind::Var(v) = &base.kind {
                    if simple_probe(probe, v) {
                        out.push((v.clone(), key.clone(), probe.clone()));
                    }
                }
            }
        }
    }
    out
}

/// A probe the executor can evaluate on a partial row: variables other than `var`,
/// literals, parameters, property reads, arithmetic and function calls.
fn simple_probe(e: &Expr, var: &str) -> bool {
    match &e.kind {
        ExprKind::Var(v) => v != var,
        ExprKind::Literal(_) | ExprKind::Param(_) => true,
        ExprKind::Property(b, _) | ExprKind::Unary(_, b) => simple_probe(b, var),
        ExprKind::Binary(_, a, b) => simple_probe(a, var) && simple_probe(b, var),
        ExprKind::Call { args, distinct: false, name } => {
            super::aggregate::AggregateKind::from_name(name).is_none()
                && args.iter().all(|a| simple_probe(a, var))
        }
        ExprKind::List(items) => items.iter().all(|a| simple_probe(a, var)),
        _ => false,
    }
}

// ============================================================================
// EXPLAIN: the operators the executor will run, one line per operator
// ============================================================================

/// Describes how a query will run: one line per operator, in execution order, with the
/// anchors chosen for each pattern on the current graph. Variables bound by earlier
/// clauses count as bound (one candidate).
pub(crate) fn explain(g: &Graph, q: &crate::syntax::query::Query, params: &Params) -> Vec<String> {
    let mut out = Vec::new();
    explain_single(g, &q.first, params, &mut out);
    for (all, part) in &q.unions {
        out.push(if *all { "UnionAll".into() } else { "Union (distinct)".into() });
        explain_single(g, part, params, &mut out);
    }
    out
}

fn explain_single(g: &Graph, q: &crate::syntax::query::SingleQuery, params: &Params, out: &mut Vec<String>) {
    let mut bound = Row::new();
    for (i, c) in q.clauses.iter().enumerate() {
        match &c.kind {
            ClauseKind::Match { optional, pattern, where_ } => {
                if *optional {
                    out.push("Optional (null row when nothing matches)".into());
                }
                let keys = key_hints(where_.as_ref(), params);
                let mut sources = source_hints(where_.as_ref(), params);
                sources.extend(pushed_source_hints(&q.clauses[i + 1..], params));
                let eq = equality_hints(where_.as_ref());
                let hints = Hints {
                    keys: &keys,
                    sources: &sources,
                    eq_vars: eq.iter().map(|(v, _, _)| v.as_str()).collect(),
                };
                for part in &pattern.parts {
                    explain_part(g, part, &bound, &hints, &eq, params, out);
                    for v in crate::syntax::query::pattern_vars(std::slice::from_ref(part)) {
                        bound.insert(v, Value::Null);
                    }
                }
                if let Some(w) = where_ {
                    out.push(format!("Filter {w}"));
                }
            }
            ClauseKind::Unwind { expr, var } => {
                out.push(format!("Unwind {expr} AS {var}"));
                bound.insert(var.clone(), Value::Null);
            }
            ClauseKind::With { proj, where_ } => {
                explain_projection(proj, true, out);
                if !proj.star {
                    bound.clear();
                }
                for i in &proj.items {
                    bound.insert(i.alias.clone().unwrap_or_else(|| i.expr.to_string()), Value::Null);
                }
                if let Some(w) = where_ {
                    out.push(format!("Filter {w}"));
                }
            }
            ClauseKind::Return { proj } => explain_projection(proj, false, out),
            ClauseKind::Create { pattern } => out.push(format!("Create {pattern}")),
            ClauseKind::Merge { part, .. } => out.push(format!("Merge {part} (match, else create)")),
            ClauseKind::Set { .. } => out.push("SetProperties".into()),
            ClauseKind::Remove { .. } => out.push("Remove".into()),
            ClauseKind::Delete { detach, .. } => {
                out.push(if *detach { "DetachDelete".into() } else { "Delete".into() })
            }
            ClauseKind::Call { name, .. } => out.push(format!("ProcedureCall {name}")),
        }
    }
}

fn explain_projection(proj: &crate::syntax::query::Projection, is_with: bool, out: &mut Vec<String>) {
    let items: Vec<String> = proj.items.iter().map(|i| i.expr.to_string()).collect();
    let aggregating = proj.items.iter().any(|i| contains_aggregate(&i.expr));
    let what = if aggregating { "Aggregate" } else { "Project" };
    let star = if proj.star { "*, " } else { "" };
    out.push(format!("{what} {star}{}", items.join(", ")));
    if proj.distinct {
        out.push("Distinct".into());
    }
    if !proj.order.is_empty() {
        let keys: Vec<String> = proj
            .order
            .iter()
            .map(|s| format!("{}{}", s.expr, if s.descending { " DESC" } else { "" }))
            .collect();
        out.push(format!("Sort {}", keys.join(", ")));
    }
    if let Some(s) = &proj.skip {
        out.push(format!("Skip {s}"));
    }
    if let Some(l) = &proj.limit {
        out.push(format!("Limit {l}"));
    }
    if !is_with {
        out.push("Produce results".into());
    }
}

fn explain_part(
    g: &Graph,
    part: &crate::syntax::query::PatternPart,
    bound: &Row,
    hints: &Hints<'_>,
    eq: &[(String, String, Expr)],
    params: &Params,
    out: &mut Vec<String>,
) {
    use crate::syntax::query::RelDirection;
    let el = &part.element;
    if let Some(kind) = part.shortest {
        out.push(format!("ShortestPath ({kind:?}, bidirectional BFS when single) {part}"));
        return;
    }
    let start = choose_start(g, el, bound, hints, params);
    let reversed = start.reversed;
    let mut nodes = vec![&el.start];
    let mut rels = Vec::new();
    for (r, n) in &el.chain {
        rels.push(r);
        nodes.push(n);
    }
    if reversed {
        nodes.reverse();
        rels.reverse();
    }
    let name = |n: &NodePattern| n.var.clone().unwrap_or_else(|| "_".into());
    let dir = |r: &RelPattern| match (r.direction, reversed) {
        (RelDirection::Both, _) => "--",
        (RelDirection::Right, false) | (RelDirection::Left, true) => "->",
        _ => "<-",
    };
    let rel_name = |r: &RelPattern| r.var.clone().unwrap_or_else(|| "_".into());
    let first_node = nodes[0];
    let by_value = first_node.var.as_ref().and_then(|v| eq.iter().find(|(x, _, _)| x == v));
    let mut skip = 1;
    let first = if let Some(anchor) = &start.rel {
        // The first relationship binds both of its end nodes at once.
        skip = 2;
        let r = rels[0];
        let (left, right) = match dir(r) {
            "->" => ("-", "->"),
            "<-" => ("<-", "-"),
            _ => ("-", "-"),
        };
        let ends = format!("({}){left}[{}]{right}({})", name(nodes[0]), rel_name(r), name(nodes[1]));
        match anchor {
            RelAnchor::Bound(_) => format!("Argument {} (bound) {ends}", rel_name(r)),
            RelAnchor::Source { id, .. } => {
                format!("RelationshipsBySource {id} ({} claims) {ends}", anchor.cost(g))
            }
            RelAnchor::Types(_) => {
                format!("RelationshipsByType :{} ({} claims) {ends}", r.types.join("|"), anchor.cost(g))
            }
        }
    } else if first_node.var.as_ref().is_some_and(|v| bound.contains_key(v)) {
        format!("Argument {} (bound)", name(first_node))
    } else if let Some((v, p, e)) = by_value {
        format!("NodeHashLookup {v}.{p} = {e}")
    } else {
        let start = first_node;
        match choose_anchor(g, start, hints.keys, params) {
            Anchor::Key(_) => format!("NodeByKey {}", name(start)),
            Anchor::Name(l) => format!("NodeByName {} ({} candidates)", name(start), l.len()),
            Anchor::Label(s) => {
                format!("NodeByLabelScan {}:{} ({} entities)", name(start), g.str(s), g.label_count(s))
            }
            Anchor::Nothing => format!("Empty {} (unknown label)", name(start)),
            Anchor::All => format!("AllNodesScan {} ({} entities)", name(start), g.entity_count()),
        }
    };
    out.push(first);
    for (r, n) in rels.iter().zip(nodes.iter().skip(1)).skip(skip - 1) {
        let dir = dir(r);
        let types = if r.types.is_empty() { String::new() } else { format!(":{}", r.types.join("|")) };
        let op = if r.range.is_some() { "VarLengthExpand" } else { "Expand" };
        out.push(format!("{op} {dir}[{}{types}] {}", r.var.clone().unwrap_or_default(), name(n)));
    }
    if let Some(v) = &part.var {
        out.push(format!("ProjectPath {v}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::query::{parse_query, ClauseKind};

    fn graph() -> Graph {
        let mut g = Graph::new();
        let a = g.intern("A");
        let b = g.intern("B");
        let name = g.intern("name");
        for i in 0..50 {
            g.add_entity(Some(&format!("a{i}")), vec![a], Vec::new()).expect("fresh id");
        }
        g.add_entity(
            Some("wagner"),
            vec![b],
            vec![(name, crate::model::Value::String("Wagner Group".into()))],
        )
        .expect("fresh id");
        g
    }

    /// Whether the chain is matched from its last node.
    fn reversed(g: &Graph, el: &PatternElement, keys: &[(String, String)], params: &Params) -> bool {
        let hints = Hints { keys, sources: &[], eq_vars: Vec::new() };
        choose_start(g, el, &Row::new(), &hints, params).reversed
    }

    /// The first MATCH of a query: its first pattern element and WHERE.
    fn first_match(q: &str) -> (PatternElement, Option<Expr>) {
        let q = parse_query(q).expect("parses");
        match q.first.clauses.into_iter().next().map(|c| c.kind) {
            Some(ClauseKind::Match { pattern, where_, .. }) => {
                (pattern.parts.into_iter().next().expect("a part").element, where_)
            }
            _ => panic!("not a MATCH"),
        }
    }

    #[test]
    fn the_smaller_label_anchors_and_reverses_the_chain() {
        let g = graph();
        let (el, _) = first_match("MATCH (x:A)-->(y:B) RETURN x");
        let params = Params::new();
        assert!(reversed(&g, &el, &[], &params));
        let b = g.sym("B").expect("interned");
        assert_eq!(choose_anchor(&g, &el.chain[0].1, &[], &params), Anchor::Label(b));
        let (el, _) = first_match("MATCH (y:B)<--(x:A) RETURN x");
        assert!(!reversed(&g, &el, &[], &params));
    }

    #[test]
    fn a_stable_id_in_where_is_one_lookup() {
        let g = graph();
        let params = Params::new();
        let (el, where_) = first_match("MATCH (x)-->(w) WHERE key(w) = 'wagner' AND x.n > 1 RETURN x");
        let hints = key_hints(where_.as_ref(), &params);
        assert_eq!(hints, vec![("w".to_string(), "wagner".to_string())]);
        assert_eq!(choose_anchor(&g, &el.chain[0].1, &hints, &params), Anchor::Key(g.find_entity("wagner")));
        assert!(reversed(&g, &el, &hints, &params));
    }

    #[test]
    fn names_and_unknown_labels_narrow_the_start() {
        let g = graph();
        let params = Params::new();
        let (el, _) = first_match("MATCH (w {name: 'wagner group'}) RETURN w");
        assert_eq!(
            choose_anchor(&g, &el.start, &[], &params),
            Anchor::Name(vec![g.find_entity("wagner").expect("exists")])
        );
        let (el, _) = first_match("MATCH (w:Nope) RETURN w");
        assert_eq!(choose_anchor(&g, &el.start, &[], &params), Anchor::Nothing);
        let (el, _) = first_match("MATCH (w) RETURN w");
        assert_eq!(choose_anchor(&g, &el.start, &[], &params), Anchor::All);
    }

    #[test]
    fn source_hints_come_from_sources_and_attestations() {
        let params = Params::new();
        let hints = |q: &str| source_hints(first_match(q).1.as_ref(), &params);
        assert_eq!(
            hints("MATCH (a)-[r]->(b) WHERE 's7' IN sources(r) AND status(r) = 'reported' RETURN a"),
            vec![("r".to_string(), "s7".to_string())]
        );
        assert_eq!(
            hints("MATCH (a)-[r]->(b) WHERE ANY(x IN attestations(r) WHERE x.status = 'reported' AND 's2' = x.source) RETURN a"),
            vec![("r".to_string(), "s2".to_string())]
        );
        // Neither says that the source attests `r`: `all` holds on no attestations, `OR`
        // may hold without the source, and `a` is not a relationship's source list.
        for q in [
            "MATCH (a)-[r]->(b) WHERE all(x IN attestations(r) WHERE x.source = 's7') RETURN a",
            "MATCH (a)-[r]->(b) WHERE 's7' IN sources(r) OR true RETURN a",
            "MATCH (a)-[r]->(b) WHERE NOT 's7' IN sources(r) RETURN a",
            "MATCH (a)-[r]->(b) WHERE 's7' IN [x IN sources(r) | x] RETURN a",
            "MATCH (a)-[r]->(b) WHERE any(x IN attestations(r) WHERE x.source = 's7' OR true) RETURN a",
        ] {
            assert_eq!(hints(q), vec![], "{q}");
        }
    }
}
