//! Where pattern matching starts, and the WHERE conjuncts that help it.
//!
//! Each pattern element is matched as a chain of expands from one end node. This module
//! picks that node and how to find its candidates, most selective first:
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
//! conjunct ([`source_hints`], the graph's source index), the claims of its types, or every
//! claim when both ends would be scanned whole. Each claim found binds both end nodes; the
//! rest of the chain expands from there.
//!
//! Within a MATCH, `n.p = e` conjuncts of its WHERE ([`equality_hints`]) let the executor
//! look `n` up by value in a table built once per MATCH: a hash join.
//!
//! The choice is made once, when the statement is planned, from the graph's counts at that
//! moment and from which variables are bound (not their values). Names are resolved again
//! when the operators run, so a label or an entity created earlier in the same statement is
//! found.

use crate::model::{Graph, SourceRef};
use crate::syntax::query::{
    BinOp, Clause, ClauseKind, CompOp, Expr, ExprKind, Literal, NodePattern, PatternElement, QuantKind,
    RelPattern,
};

use super::super::aggregate::contains_aggregate;
use super::super::value::Params;

/// How a node pattern's candidates are found (before the hash join of [`equality_hints`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Anchor {
    /// By stable id (at most one entity).
    Key(String),
    /// By the name/alias index: a superset of the entities with that exact name.
    Name(String),
    /// The members of a label (none when no entity has it).
    Label(String),
    All,
}

impl Anchor {
    /// Candidates on the graph as it is now.
    fn cost(&self, g: &Graph) -> usize {
        match self {
            Anchor::Key(_) => 1,
            Anchor::Name(name) => g.find_by_name(name).len(),
            Anchor::Label(l) => g.sym(l).map_or(0, |s| g.label_count(s)),
            Anchor::All => g.entity_count(),
        }
    }
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
pub(crate) fn conjuncts(where_: Option<&Expr>) -> Vec<&Expr> {
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
            return Anchor::Key(id.clone());
        }
    }
    let mut best: Option<Anchor> = None;
    let mut best_cost = usize::MAX;
    if let Some(Expr { kind: ExprKind::Map(entries), .. }) = &node.props {
        if let Some((_, v)) = entries.iter().find(|(k, _)| k == "name") {
            if let Some(name) = constant_string(v, params) {
                best_cost = g.find_by_name(&name).len();
                best = Some(Anchor::Name(name));
            }
        }
    }
    for l in &node.labels {
        let n = g.sym(l).map_or(0, |s| g.label_count(s));
        if n < best_cost {
            best_cost = n;
            best = Some(Anchor::Label(l.clone()));
        }
    }
    best.unwrap_or(Anchor::All)
}

/// Estimated number of candidates for a node pattern.
fn cost(
    g: &Graph,
    node: &NodePattern,
    bound: &dyn Fn(&str) -> bool,
    hints: &[(String, String)],
    params: &Params,
) -> usize {
    if node.var.as_deref().is_some_and(bound) {
        return 1;
    }
    choose_anchor(g, node, hints, params).cost(g)
}

/// How a relationship pattern's candidates are found directly, without its end nodes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RelAnchor {
    /// Bound by an earlier clause or pattern.
    Bound,
    /// The claims a source attests, from a [`source_hints`] conjunct.
    Source(String),
    /// The claims of the pattern's relationship types.
    Types(Vec<String>),
    /// The claims holding a property, from a [`prop_hints`] conjunct.
    Prop(String),
    /// Every claim.
    All,
}

impl RelAnchor {
    fn cost(&self, g: &Graph) -> usize {
        match self {
            RelAnchor::Bound => 1,
            RelAnchor::Source(id) => source_refs(g, id).iter().map(|s| g.source_claim_count(*s)).sum(),
            RelAnchor::Types(types) => {
                let mut syms: Vec<_> = types.iter().filter_map(|t| g.sym(t)).collect();
                syms.sort_unstable();
                syms.dedup();
                syms.iter().map(|t| g.type_count(*t)).sum()
            }
            RelAnchor::Prop(key) => g.sym(key).map_or(0, |k| g.prop_claim_count(k)),
            RelAnchor::All => g.claim_count(),
        }
    }
}

/// The attesting sources an id may name: a declared source, or a session user.
pub(crate) fn source_refs(g: &Graph, id: &str) -> Vec<SourceRef> {
    let mut sources = Vec::new();
    if let Some(ix) = g.find_entity(id) {
        sources.push(SourceRef::Entity(ix));
    }
    if let Some(sym) = g.sym(id) {
        sources.push(SourceRef::User(sym));
    }
    sources
}

/// Relationship-first anchors for a relationship pattern, cheapest first.
fn choose_rel_anchor(
    g: &Graph,
    rel: &RelPattern,
    bound: &dyn Fn(&str) -> bool,
    hints: &Hints<'_>,
) -> Option<(RelAnchor, usize)> {
    if rel.range.is_some() {
        return None;
    }
    let mut options = Vec::new();
    if let Some(v) = &rel.var {
        if bound(v) {
            options.push(RelAnchor::Bound);
        }
        for (_, id) in hints.sources.iter().filter(|(h, _)| h == v) {
            options.push(RelAnchor::Source(id.clone()));
        }
        for (_, key) in hints.props.iter().filter(|(h, _)| h == v) {
            options.push(RelAnchor::Prop(key.clone()));
        }
    }
    if !rel.types.is_empty() {
        // An unknown type has no claims: it adds nothing to the candidates. `[:A|A]` lists
        // each claim once.
        options.push(RelAnchor::Types(rel.types.clone()));
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

/// The WHERE-derived hints of the MATCH being planned.
pub(crate) struct Hints<'h> {
    pub(crate) keys: &'h [(String, String)],
    pub(crate) sources: &'h [(String, String)],
    /// `r.p <op> value` conjuncts: (variable, property key).
    pub(crate) props: &'h [(String, String)],
    /// Variables with an `n.p = e` hash-join hint.
    pub(crate) eq_vars: Vec<&'h str>,
}

/// Which end of a chain the executor may count rather than match (see
/// `plan::pattern`'s factorised count): the chain must end there. (Counting both ends of
/// a chain of two starts from its middle node; no start is chosen then.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CountedEnd {
    Last,
    First,
    Both,
}

/// Picks where to start matching a chain. Starting from a relationship pays off when its
/// candidates are fewer than the relationships the cheapest end node would expand
/// (candidates × average degree), or, for every claim, when both ends would be scanned
/// whole anyway; a node found by id or already bound always wins, and so does a node with
/// an `n.p = e` hash-join hint (its size is unknown here). When the executor will count
/// the chain's last hop instead of matching it (`counted`), the chain ends at that end.
pub(crate) fn choose_start(
    g: &Graph,
    el: &PatternElement,
    bound: &dyn Fn(&str) -> bool,
    hints: &Hints<'_>,
    params: &Params,
    counted: Option<CountedEnd>,
) -> Start {
    let (Some((first, _)), Some((last, last_node))) = (el.chain.first(), el.chain.last()) else {
        return Start { reversed: false, rel: None };
    };
    let start_cost = cost(g, &el.start, bound, hints.keys, params);
    let last_cost = cost(g, last_node, bound, hints.keys, params);
    let reversed = match counted {
        Some(CountedEnd::Last | CountedEnd::Both) => false,
        Some(CountedEnd::First) => true,
        None => last_cost < start_cost,
    };
    let node_cost = if reversed { last_cost } else { start_cost };
    let hashed = |n: &NodePattern| n.var.as_ref().is_some_and(|v| hints.eq_vars.contains(&v.as_str()));
    if node_cost <= 1 || hashed(&el.start) || el.chain.iter().any(|(_, n)| hashed(n)) {
        return Start { reversed, rel: None };
    }
    let degree = (g.claim_count() / g.entity_count().max(1)).max(1);
    let node_edges = node_cost.saturating_mul(degree);
    // With a counted end, the relationship at the counted end must stay an expand, and a
    // chain of one relationship is all counted end.
    let (front_ok, back_ok) = match counted {
        None => (true, el.chain.len() > 1),
        Some(_) => (el.chain.len() > 1, false),
    };
    let (near, far) = if reversed { (last, first) } else { (first, last) };
    let front = if front_ok { choose_rel_anchor(g, near, bound, hints) } else { None };
    let back = if back_ok { choose_rel_anchor(g, far, bound, hints) } else { None };
    let best = match (front, back) {
        (Some(f), Some(b)) if b.1 < f.1 => Some((!reversed, b)),
        (Some(f), _) => Some((reversed, f)),
        (None, Some(b)) => Some((!reversed, b)),
        (None, None) => None,
    };
    match best {
        Some((rev, (anchor, c))) if c < node_edges => return Start { reversed: rev, rel: Some(anchor) },
        _ => {}
    }
    // The start node would be scanned whole: every claim once, in storage order, instead of
    // every entity's list of claims.
    let near_node = if reversed { last_node } else { &el.start };
    if front_ok && near.range.is_none() && choose_anchor(g, near_node, hints.keys, params) == Anchor::All {
        return Start { reversed, rel: Some(RelAnchor::All) };
    }
    Start { reversed, rel: None }
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

/// `x.p <op> e` comparisons (either side, any of `=`, `<>`, `<`, `<=`, `>`, `>=`) among the
/// conjuncts of a WHERE clause: (variable, property key). A comparison with a missing
/// property is null, never true, so only elements that hold the property can pass: for a
/// relationship, the graph's property index gives a superset of the matches.
pub(crate) fn prop_hints(where_: Option<&Expr>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in conjuncts(where_) {
        let ExprKind::Comparison(first, rest) = &e.kind else { continue };
        if rest.iter().any(|(op, _)| *op == CompOp::Regex) {
            continue;
        }
        for operand in std::iter::once(first.as_ref()).chain(rest.iter().map(|(_, x)| x)) {
            if let ExprKind::Property(base, key) = &operand.kind {
                if let ExprKind::Var(v) = &base.kind {
                    out.push((v.clone(), key.clone()));
                }
            }
        }
    }
    out
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
            super::super::aggregate::AggregateKind::from_name(name).is_none()
                && args.iter().all(|a| simple_probe(a, var))
        }
        ExprKind::List(items) => items.iter().all(|a| simple_probe(a, var)),
        _ => false,
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
        let hints = Hints { keys, sources: &[], props: &[], eq_vars: Vec::new() };
        choose_start(g, el, &|_| false, &hints, params, None).reversed
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
        assert_eq!(choose_anchor(&g, &el.chain[0].1, &[], &params), Anchor::Label("B".into()));
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
        assert_eq!(choose_anchor(&g, &el.chain[0].1, &hints, &params), Anchor::Key("wagner".into()));
        assert!(reversed(&g, &el, &hints, &params));
    }

    #[test]
    fn names_and_unknown_labels_narrow_the_start() {
        let g = graph();
        let params = Params::new();
        let (el, _) = first_match("MATCH (w {name: 'wagner group'}) RETURN w");
        let anchor = choose_anchor(&g, &el.start, &[], &params);
        assert_eq!(anchor, Anchor::Name("wagner group".into()));
        assert_eq!(anchor.cost(&g), 1);
        let (el, _) = first_match("MATCH (w:Nope) RETURN w");
        let anchor = choose_anchor(&g, &el.start, &[], &params);
        assert_eq!((anchor.clone(), anchor.cost(&g)), (Anchor::Label("Nope".into()), 0));
        let (el, _) = first_match("MATCH (w) RETURN w");
        assert_eq!(choose_anchor(&g, &el.start, &[], &params), Anchor::All);
    }

    #[test]
    fn a_counted_end_decides_the_direction() {
        let g = graph();
        let params = Params::new();
        let hints = Hints { keys: &[], sources: &[], props: &[], eq_vars: Vec::new() };
        // Left alone, the smaller label (B) starts; counting the B end turns the chain round.
        let (el, _) = first_match("MATCH (x:A)-->(y:B) RETURN x");
        assert!(!choose_start(&g, &el, &|_| false, &hints, &params, Some(CountedEnd::Last)).reversed);
        // Unanchored ends scan every claim, unless the only relationship is the counted one.
        let (el, _) = first_match("MATCH (x)-->(y) RETURN x");
        let start = choose_start(&g, &el, &|_| false, &hints, &params, None);
        assert_eq!(start.rel, Some(RelAnchor::All));
        let start = choose_start(&g, &el, &|_| false, &hints, &params, Some(CountedEnd::First));
        assert_eq!(start, Start { reversed: true, rel: None });
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
