//! Pattern matching with openCypher's relationship isomorphism (a relationship is bound at
//! most once per MATCH): each pattern element is a chain of expands from the end node or
//! relationship [`crate::query::plan`] picks, with `n.p = e` conjuncts served by a hash join.

use std::collections::HashMap;

use super::{Exec, Row};
use crate::model::{ClaimIx, EntityIx, Graph};
use crate::query::error::{type_error, ErrorDetail, EvalResult};
use crate::query::ops::{self, GroupKey};
use crate::query::plan::{self, Anchor};
use crate::query::value::Value;
use crate::syntax::query::*;
use petgraph::Direction;

impl Exec<'_> {
    /// All extensions of `row` that match every part (relationships distinct across parts).
    pub(crate) fn match_pattern(
        &self,
        g: &Graph,
        parts: &[PatternPart],
        row: &Row,
        out: &mut Vec<Row>,
    ) -> EvalResult<()> {
        let mut used = Vec::new();
        self.match_parts(g, parts, row.clone(), &mut used, None, out)
    }

    pub(super) fn match_parts(
        &self,
        g: &Graph,
        parts: &[PatternPart],
        row: Row,
        used: &mut Vec<ClaimIx>,
        filter: Option<&Expr>,
        out: &mut Vec<Row>,
    ) -> EvalResult<()> {
        let Some((part, rest)) = parts.split_first() else {
            if let Some(w) = filter {
                if !ops::is_true(&self.eval(g, w, &row)?) {
                    return Ok(());
                }
            }
            out.push(row);
            return Ok(());
        };
        let mut partial = Vec::new();
        if part.shortest.is_some() {
            self.match_shortest(g, part, &row, &mut partial)?;
            for (r, _) in partial {
                self.match_parts(g, rest, r, used, filter, out)?;
            }
            return Ok(());
        }
        // Start from the more selective end or relationship (see plan::choose_start).
        let start = {
            let keys = self.key_hints.borrow();
            let sources = self.source_hints.borrow();
            let eq = self.eq_hints.borrow();
            let hints = plan::Hints {
                keys: &keys,
                sources: &sources,
                eq_vars: eq.iter().map(|(v, _, _)| v.as_str()).collect(),
            };
            plan::choose_start(g, &part.element, &row, &hints, self.params)
        };
        let reversed = start.reversed;
        let el = if reversed { reverse_element(&part.element) } else { part.element.clone() };
        // Copying the path and the relationships used for every match is linear in the
        // path's length: only do it when a path variable or a later part needs them.
        let mut state = MatchState {
            nodes: Vec::new(),
            rels: Vec::new(),
            want_path: part.var.is_some(),
            want_used: !rest.is_empty(),
        };
        let mut results: Vec<ElementMatch> = Vec::new();
        match &start.rel {
            Some(anchor) => {
                self.match_element_from_rel(g, &el, anchor, row, used, &mut state, &mut results)?
            }
            None => self.match_element(g, &el, row, used, &mut state, &mut results)?,
        }
        for (mut r, mut nodes, mut rels, used_here) in results {
            if reversed {
                // Variable-length lists were collected walking backwards.
                for (rel, _) in &part.element.chain {
                    if let (Some(v), Some(_)) = (&rel.var, rel.range) {
                        if let Some(Value::List(items)) = r.get_mut(v) {
                            items.reverse();
                        }
                    }
                }
            }
            if let Some(pv) = &part.var {
                if reversed {
                    nodes.reverse();
                    rels.reverse();
                }
                r.insert(pv, Value::Path { nodes, rels });
            }
            let n = used.len();
            used.extend(used_here);
            self.match_parts(g, rest, r, used, filter, out)?;
            used.truncate(n);
        }
        Ok(())
    }

    pub(super) fn node_candidates(
        &self,
        g: &Graph,
        node: &NodePattern,
        row: &Row,
    ) -> EvalResult<Vec<EntityIx>> {
        if let Some(v) = &node.var {
            if let Some(bound) = row.get(v) {
                return Ok(match bound {
                    Value::Node(ix) if g.entity(*ix).is_some() => vec![*ix],
                    Value::Null => Vec::new(),
                    Value::Node(_) => Vec::new(),
                    other => {
                        return Err(type_error(
                            ErrorDetail::InvalidArgumentType,
                            format!("variable `{v}` is a {}, not a node", other.type_name()),
                        ))
                    }
                });
            }
        }
        if let Some(found) = self.candidates_by_value(g, node, row)? {
            return Ok(found);
        }
        Ok(self.anchor_candidates(g, node))
    }

    fn anchor_candidates(&self, g: &Graph, node: &NodePattern) -> Vec<EntityIx> {
        let anchor = plan::choose_anchor(g, node, &self.key_hints.borrow(), self.params);
        match anchor {
            Anchor::Key(ix) => ix.into_iter().collect(),
            Anchor::Name(list) => list,
            Anchor::Label(sym) => g.entities_with_label(sym).collect(),
            Anchor::Nothing => Vec::new(),
            Anchor::All => g.entities().collect(),
        }
    }

    /// Candidates for `n` from a `n.p = e` conjunct whose `e` can be evaluated on `row`: a
    /// superset of the entities where `n.p = e` holds (the WHERE still checks each match).
    fn candidates_by_value(
        &self,
        g: &Graph,
        node: &NodePattern,
        row: &Row,
    ) -> EvalResult<Option<Vec<EntityIx>>> {
        let Some(var) = &node.var else { return Ok(None) };
        let hints: Vec<(String, Expr)> = self
            .eq_hints
            .borrow()
            .iter()
            .filter(|(v, _, _)| v == var)
            .map(|(_, p, e)| (p.clone(), e.clone()))
            .collect();
        for (prop, probe) in hints {
            let Ok(value) = self.eval(g, &probe, row) else { continue };
            if value.is_null() {
                // `n.p = null` is never true.
                return Ok(Some(Vec::new()));
            }
            if !indexable(&value) {
                continue;
            }
            let key = (var.clone(), prop.clone());
            if !self.eq_index.borrow().contains_key(&key) {
                let mut index = ValueIndex::default();
                let prop_sym = g.sym(&prop);
                for ix in self.anchor_candidates(g, node) {
                    self.tick()?;
                    let v = prop_sym
                        .and_then(|k| g.entity_prop(ix, k))
                        .map(Value::from_model)
                        .unwrap_or(Value::Null);
                    if v.is_null() {
                        continue;
                    }
                    if indexable(&v) {
                        index.by_value.entry(ops::group_key(&v)).or_default().push(ix);
                    } else {
                        index.always.push(ix);
                    }
                }
                self.eq_index.borrow_mut().insert(key.clone(), index);
            }
            let indexes = self.eq_index.borrow();
            let Some(index) = indexes.get(&key) else { continue };
            let mut found = index.by_value.get(&ops::group_key(&value)).cloned().unwrap_or_default();
            found.extend(index.always.iter().copied());
            return Ok(Some(found));
        }
        Ok(None)
    }

    pub(super) fn node_matches(
        &self,
        g: &Graph,
        node: &NodePattern,
        ix: EntityIx,
        row: &Row,
    ) -> EvalResult<bool> {
        for l in &node.labels {
            if !g.sym(l).is_some_and(|s| g.has_label(ix, s)) {
                return Ok(false);
            }
        }
        if let Some(props) = &node.props {
            if !self.props_match(g, props, &Value::Node(ix), row)? {
                return Ok(false);
            }
        }
        if let Some(v) = &node.var {
            if let Some(bound) = row.get(v) {
                return Ok(matches!(bound, Value::Node(b) if *b == ix));
            }
        }
        Ok(true)
    }

    fn props_match(&self, g: &Graph, props: &Expr, element: &Value, row: &Row) -> EvalResult<bool> {
        let want = match self.eval(g, props, row)? {
            Value::Map(m) => m,
            Value::Null => return Ok(true),
            other => {
                return Err(type_error(
                    ErrorDetail::InvalidArgumentType,
                    format!("property map expected, got {}", other.type_name()),
                ))
            }
        };
        for (k, v) in &want {
            let have = ops::property(g, element, k)?;
            if ops::equals(&have, v) != Some(true) && !alias_matches(g, element, k, v)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn match_element(
        &self,
        g: &Graph,
        el: &PatternElement,
        row: Row,
        used: &[ClaimIx],
        state: &mut MatchState,
        out: &mut Vec<ElementMatch>,
    ) -> EvalResult<()> {
        for ix in self.node_candidates(g, &el.start, &row)? {
            self.tick()?;
            if !self.node_matches(g, &el.start, ix, &row)? {
                continue;
            }
            let mut r = row.clone();
            if let Some(v) = &el.start.var {
                r.insert(v, Value::Node(ix));
            }
            state.nodes.clear();
            state.rels.clear();
            state.nodes.push(ix);
            let mut local_used = Vec::new();
            self.hop(g, el, 0, ix, r, used, &mut local_used, state, out)?;
        }
        Ok(())
    }

    /// Matches an element from candidates for its first relationship: each claim binds
    /// the start node, the relationship and the next node (both ways round for an
    /// undirected pattern), then the chain expands from there as [`Self::hop`] does.
    #[allow(clippy::too_many_arguments)]
    fn match_element_from_rel(
        &self,
        g: &Graph,
        el: &PatternElement,
        anchor: &plan::RelAnchor,
        row: Row,
        used: &[ClaimIx],
        state: &mut MatchState,
        out: &mut Vec<ElementMatch>,
    ) -> EvalResult<()> {
        let Some((rel, next)) = el.chain.first() else { return Ok(()) };
        for c in anchor.claims(g) {
            self.tick()?;
            if used.contains(&c) {
                continue;
            }
            let Some((s, o)) = g.endpoints(c) else { continue };
            let ways: &[(EntityIx, EntityIx)] = match rel.direction {
                RelDirection::Right => &[(s, o)],
                RelDirection::Left => &[(o, s)],
                RelDirection::Both if s == o => &[(s, o)],
                RelDirection::Both => &[(s, o), (o, s)],
            };
            for &(from, to) in ways {
                if !self.node_matches(g, &el.start, from, &row)? {
                    continue;
                }
                let mut r = row.clone();
                if let Some(v) = &el.start.var {
                    r.insert(v, Value::Node(from));
                }
                if !self.rel_matches(g, rel, c, &r)? || !self.node_matches(g, next, to, &r)? {
                    continue;
                }
                if let Some(v) = &rel.var {
                    r.insert(v, Value::Relationship(c));
                }
                if let Some(v) = &next.var {
                    r.insert(v, Value::Node(to));
                }
                state.nodes.clear();
                state.rels.clear();
                state.nodes.extend([from, to]);
                state.rels.push(c);
                let mut local = vec![c];
                self.hop(g, el, 1, to, r, used, &mut local, state, out)?;
            }
        }
        Ok(())
    }

    /// Extends a partial match across relationship `i` of the element.
    #[allow(clippy::too_many_arguments)]
    fn hop(
        &self,
        g: &Graph,
        el: &PatternElement,
        i: usize,
        from: EntityIx,
        row: Row,
        used: &[ClaimIx],
        local: &mut Vec<ClaimIx>,
        state: &mut MatchState,
        out: &mut Vec<ElementMatch>,
    ) -> EvalResult<()> {
        let Some((rel, node)) = el.chain.get(i) else {
            let (nodes, rels) = if state.want_path {
                (state.nodes.clone(), state.rels.clone())
            } else {
                (Vec::new(), Vec::new())
            };
            let used_here = if state.want_used { local.clone() } else { Vec::new() };
            out.push((row, nodes, rels, used_here));
            return Ok(());
        };
        self.tick()?;
        if let Some((lo, hi)) = rel.range {
            let lo = lo.unwrap_or(1) as usize;
            let hi = hi.map_or(usize::MAX, |h| h as usize);
            let mut trail: Vec<ClaimIx> = Vec::new();
            return self.var_hop(g, el, i, from, row, used, local, state, out, lo, hi, &mut trail);
        }
        for (c, to) in self.edges(g, rel, from) {
            self.tick()?;
            if used.contains(&c) || local.contains(&c) {
                continue;
            }
            if !self.rel_matches(g, rel, c, &row)? || !self.node_matches(g, node, to, &row)? {
                continue;
            }
            let mut r = row.clone();
            if let Some(v) = &rel.var {
                r.insert(v, Value::Relationship(c));
            }
            if let Some(v) = &node.var {
                r.insert(v, Value::Node(to));
            }
            local.push(c);
            state.nodes.push(to);
            state.rels.push(c);
            self.hop(g, el, i + 1, to, r, used, local, state, out)?;
            state.rels.pop();
            state.nodes.pop();
            local.pop();
        }
        Ok(())
    }

    /// A variable-length hop: depth-first over trails of `lo..=hi` relationships.
    #[allow(clippy::too_many_arguments)]
    fn var_hop(
        &self,
        g: &Graph,
        el: &PatternElement,
        i: usize,
        at: EntityIx,
        row: Row,
        used: &[ClaimIx],
        local: &mut Vec<ClaimIx>,
        state: &mut MatchState,
        out: &mut Vec<ElementMatch>,
        lo: usize,
        hi: usize,
        trail: &mut Vec<ClaimIx>,
    ) -> EvalResult<()> {
        let Some((rel, node)) = el.chain.get(i) else { return Ok(()) };
        if trail.len() >= lo && self.node_matches(g, node, at, &row)? {
            let bound_ok = match rel.var.as_ref().and_then(|v| row.get(v)) {
                Some(Value::List(items)) => {
                    items.len() == trail.len()
                        && items
                            .iter()
                            .zip(trail.iter())
                            .all(|(v, c)| matches!(v, Value::Relationship(x) if x == c))
                }
                Some(_) => false,
                None => true,
            };
            if bound_ok {
                let mut r = row.clone();
                if let Some(v) = &rel.var {
                    r.insert(v, Value::List(trail.iter().map(|c| Value::Relationship(*c)).collect()));
                }
                if let Some(v) = &node.var {
                    r.insert(v, Value::Node(at));
                }
                self.hop(g, el, i + 1, at, r, used, local, state, out)?;
            }
        }
        if trail.len() >= hi {
            return Ok(());
        }
        for (c, to) in self.edges(g, rel, at) {
            self.tick()?;
            if used.contains(&c) || local.contains(&c) || !self.rel_matches(g, rel, c, &row)? {
                continue;
            }
            trail.push(c);
            local.push(c);
            state.nodes.push(to);
            state.rels.push(c);
            self.var_hop(g, el, i, to, row.clone(), used, local, state, out, lo, hi, trail)?;
            state.rels.pop();
            state.nodes.pop();
            local.pop();
            trail.pop();
        }
        Ok(())
    }

    pub(super) fn rel_matches(&self, g: &Graph, rel: &RelPattern, c: ClaimIx, row: &Row) -> EvalResult<bool> {
        if !rel.types.is_empty() {
            let Some(claim) = g.claim(c) else { return Ok(false) };
            let t = g.str(claim.rel_type);
            if !rel.types.iter().any(|x| x == t) {
                return Ok(false);
            }
        }
        if let Some(props) = &rel.props {
            if !self.props_match(g, props, &Value::Relationship(c), row)? {
                return Ok(false);
            }
        }
        if rel.range.is_none() {
            if let Some(v) = &rel.var {
                if let Some(bound) = row.get(v) {
                    return Ok(matches!(bound, Value::Relationship(b) if *b == c));
                }
            }
        }
        Ok(true)
    }

    /// Relationships leaving `from` in the pattern's direction, with the node each reaches.
    pub(super) fn edges(&self, g: &Graph, rel: &RelPattern, from: EntityIx) -> Vec<(ClaimIx, EntityIx)> {
        let mut out = Vec::new();
        let other = |c: ClaimIx| g.endpoints(c).map(|(s, o)| if s == from { o } else { s });
        if matches!(rel.direction, RelDirection::Right | RelDirection::Both) {
            for c in g.claims_at(from, Direction::Outgoing) {
                if let Some((_, o)) = g.endpoints(c) {
                    out.push((c, o));
                }
            }
        }
        if matches!(rel.direction, RelDirection::Left | RelDirection::Both) {
            for c in g.claims_at(from, Direction::Incoming) {
                // A self-loop was already listed as outgoing when undirected.
                if rel.direction == RelDirection::Both && g.endpoints(c).is_some_and(|(s, o)| s == o) {
                    continue;
                }
                if let Some(s) = other(c) {
                    out.push((c, s));
                }
            }
        }
        out
    }
}

/// Implementation extension: in a node pattern, `{name: 'Wagner'}` also matches an entity
/// whose `aliases` list holds exactly `'Wagner'` (an alias is another name of the same
/// entity). Entities without `aliases` (all of the TCK's) match as in openCypher.
fn alias_matches(g: &Graph, element: &Value, key: &str, want: &Value) -> EvalResult<bool> {
    if key != "name" || !matches!(element, Value::Node(_)) || !matches!(want, Value::String(_)) {
        return Ok(false);
    }
    Ok(match ops::property(g, element, "aliases")? {
        Value::List(items) => items.iter().any(|a| ops::equals(a, want) == Some(true)),
        _ => false,
    })
}

/// Entities by the value of one property, for hash joins on `n.p = e`.
#[derive(Debug, Default)]
pub(super) struct ValueIndex {
    by_value: HashMap<GroupKey, Vec<EntityIx>>,
    /// Entities whose value compares by more than identity (uncertain numbers, dates,
    /// lists, maps): always candidates.
    always: Vec<EntityIx>,
}

/// Values whose `=` is exactly "same group key": booleans, strings, integers and finite
/// floats (an integral float groups with the equal integer).
fn indexable(v: &Value) -> bool {
    match v {
        Value::Bool(_) | Value::String(_) | Value::Int(_) => true,
        Value::Float(x) => x.is_finite(),
        _ => false,
    }
}

/// One match of a pattern element: the extended row, the path's nodes and relationships,
/// and the relationships it bound (for isomorphism across the MATCH's other parts).
type ElementMatch = (Row, Vec<EntityIx>, Vec<ClaimIx>, Vec<ClaimIx>);

struct MatchState {
    nodes: Vec<EntityIx>,
    rels: Vec<ClaimIx>,
    want_path: bool,
    want_used: bool,
}

fn reverse_element(el: &PatternElement) -> PatternElement {
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
