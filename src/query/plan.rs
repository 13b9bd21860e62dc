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

use crate::model::{EntityIx, Graph, Sym};
use crate::syntax::query::{CompOp, Expr, ExprKind, Literal, NodePattern, PatternElement};

use super::exec::Row;
use super::value::Value;
use super::Params;

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
    let mut out = Vec::new();
    if let Some(w) = where_ {
        collect_key_hints(w, params, &mut out);
    }
    out
}

fn collect_key_hints(e: &Expr, params: &Params, out: &mut Vec<(String, String)>) {
    match &e.kind {
        ExprKind::Binary(crate::syntax::query::BinOp::And, a, b) => {
            collect_key_hints(a, params, out);
            collect_key_hints(b, params, out);
        }
        ExprKind::Comparison(first, rest) if rest.len() == 1 && rest[0].0 == CompOp::Eq => {
            let (a, b) = (first.as_ref(), &rest[0].1);
            if let Some(h) = key_hint(a, b, params).or_else(|| key_hint(b, a, params)) {
                out.push(h);
            }
        }
        _ => {}
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
            Some(super::QueryValue::String(s)) => Some(s.clone()),
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

/// Whether to match a chain from its last node rather than its first.
pub(crate) fn start_from_end(
    g: &Graph,
    el: &PatternElement,
    row: &Row,
    hints: &[(String, String)],
    params: &Params,
) -> bool {
    let Some((_, last)) = el.chain.last() else { return false };
    cost(g, last, row, hints, params) < cost(g, &el.start, row, hints, params)
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
        assert!(start_from_end(&g, &el, &Row::new(), &[], &params));
        let b = g.sym("B").expect("interned");
        assert_eq!(choose_anchor(&g, &el.chain[0].1, &[], &params), Anchor::Label(b));
        let (el, _) = first_match("MATCH (y:B)<--(x:A) RETURN x");
        assert!(!start_from_end(&g, &el, &Row::new(), &[], &params));
    }

    #[test]
    fn a_stable_id_in_where_is_one_lookup() {
        let g = graph();
        let params = Params::new();
        let (el, where_) = first_match("MATCH (x)-->(w) WHERE key(w) = 'wagner' AND x.n > 1 RETURN x");
        let hints = key_hints(where_.as_ref(), &params);
        assert_eq!(hints, vec![("w".to_string(), "wagner".to_string())]);
        assert_eq!(choose_anchor(&g, &el.chain[0].1, &hints, &params), Anchor::Key(g.find_entity("wagner")));
        assert!(start_from_end(&g, &el, &Row::new(), &hints, &params));
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
}
