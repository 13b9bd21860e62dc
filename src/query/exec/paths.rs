//! Variable-length hops and shortest paths, as resumable steps of a MATCH.
//!
//! A variable-length hop walks trails depth-first with an explicit stack, so a MATCH can
//! stop after any trail and resume; `shortestPath` and `allShortestPaths` search breadth-
//! first between each pair of end nodes, bidirectionally when one shortest path is enough.

use std::collections::{HashMap, VecDeque};

use super::matching::{edges_of, node_ok, props_match, used};
use super::Ctx;
use crate::model::{ClaimIx, EntityIx, Graph, Sym};
use crate::query::error::EvalResult;
use crate::query::plan::{Shortest, VarExpand};
use crate::query::value::Value;
use crate::syntax::query::RelDirection;

type Edges = Vec<(ClaimIx, EntityIx)>;

/// One node on the trail being walked.
struct Frame {
    at: EntityIx,
    /// Its relationships, listed when first needed.
    edges: Option<Edges>,
    pos: usize,
    /// Whether the trail ending here was offered as a match yet.
    offered: bool,
}

/// The depth-first walk of a variable-length hop from one node.
#[derive(Default)]
pub(crate) struct VarState {
    frames: Vec<Frame>,
    trail: Vec<ClaimIx>,
    nodes: Vec<EntityIx>,
    /// Edge lists of popped frames, reused.
    pool: Vec<Edges>,
}

impl VarState {
    pub(crate) fn start(&mut self, from: EntityIx) {
        self.clear();
        self.frames.push(Frame { at: from, edges: None, pos: 0, offered: false });
        self.nodes.push(from);
    }

    pub(crate) fn clear(&mut self) {
        while let Some(f) = self.frames.pop() {
            self.pool.extend(f.edges);
        }
        self.trail.clear();
        self.nodes.clear();
    }

    fn pop(&mut self) {
        if let Some(f) = self.frames.pop() {
            self.pool.extend(f.edges);
            if !self.frames.is_empty() {
                self.trail.pop();
                self.nodes.pop();
            }
        }
    }

    /// Whether the trail is the list a bound relationship variable holds.
    fn matches_bound(&self, x: &VarExpand, row: &[Value]) -> bool {
        let Some(b) = x.rel_test.bound else { return true };
        let Value::List(items) = &row[b] else { return false };
        let ordered: Box<dyn Iterator<Item = &ClaimIx>> =
            if x.reversed { Box::new(self.trail.iter().rev()) } else { Box::new(self.trail.iter()) };
        items.len() == self.trail.len()
            && items.iter().zip(ordered).all(|(v, c)| matches!(v, Value::Relationship(x) if x == c))
    }

    /// Moves to the next trail of `min..=max` relationships; binds the list, the end node
    /// and (for a named path) the nodes.
    pub(crate) fn advance(
        &mut self,
        ctx: &Ctx<'_>,
        g: &Graph,
        x: &VarExpand,
        types: Option<&[Sym]>,
        labels: Option<&[Sym]>,
        row: &mut [Value],
    ) -> EvalResult<bool> {
        loop {
            let depth = self.trail.len();
            let Some(top) = self.frames.last_mut() else { return Ok(false) };
            if !top.offered {
                top.offered = true;
                let at = top.at;
                if depth >= x.min
                    && node_ok(ctx, g, &x.to_test, labels, at, row)?
                    && self.matches_bound(x, row)
                {
                    let rels = self.trail.iter().map(|c| Value::Relationship(*c));
                    let nodes = self.nodes.iter().map(|n| Value::Node(*n));
                    row[x.rel] = Value::List(if x.reversed { rels.rev().collect() } else { rels.collect() });
                    if let Some(ns) = x.nodes {
                        row[ns] =
                            Value::List(if x.reversed { nodes.rev().collect() } else { nodes.collect() });
                    }
                    row[x.to] = Value::Node(at);
                    return Ok(true);
                }
                continue;
            }
            if depth >= x.max {
                self.pop();
                continue;
            }
            if top.edges.is_none() {
                let mut edges = self.pool.pop().unwrap_or_default();
                edges.clear();
                edges_of(g, top.at, x.dir, types, &mut edges);
                top.edges = Some(edges);
            }
            let next = top.edges.as_ref().and_then(|e| e.get(top.pos)).copied();
            let Some((c, to)) = next else {
                self.pop();
                continue;
            };
            top.pos += 1;
            ctx.tick()?;
            if !bound_allows(x, row, depth, c)
                || used(row, &x.rel_test.distinct_from, c)
                || self.trail.contains(&c)
            {
                continue;
            }
            if let Some(p) = &x.rel_test.props {
                if !props_match(ctx, g, p, &Value::Relationship(c), row)? {
                    continue;
                }
            }
            self.trail.push(c);
            self.nodes.push(to);
            self.frames.push(Frame { at: to, edges: None, pos: 0, offered: false });
        }
    }
}

/// Whether step `depth` of the trail may take relationship `c`: any, unless the
/// relationship variable is bound to a list, whose item at that step (counted from the far
/// end when the pattern is walked backwards) it must be. Walking only the bound list's own
/// relationships keeps `MATCH (a)-[rs*]->(b)` with `rs` bound as cheap as the list is long,
/// instead of trying every trail in the graph and comparing each with the list.
fn bound_allows(x: &VarExpand, row: &[Value], depth: usize, c: ClaimIx) -> bool {
    let Some(b) = x.rel_test.bound else { return true };
    match &row[b] {
        Value::List(items) if depth < items.len() => {
            let i = if x.reversed { items.len() - 1 - depth } else { depth };
            matches!(&items[i], Value::Relationship(want) if *want == c)
        }
        _ => false,
    }
}

type Path = (Vec<EntityIx>, Vec<ClaimIx>);

/// Shortest paths between every pair of candidates for the two ends.
pub(crate) struct ShortestState {
    starts: Vec<EntityIx>,
    ends: Vec<EntityIx>,
    si: usize,
    ti: usize,
    /// Whether the current start passes its test (checked once per start).
    start_ok: Option<bool>,
    pair: (EntityIx, EntityIx),
    paths: Vec<Path>,
    pi: usize,
}

impl ShortestState {
    pub(crate) fn new(starts: Vec<EntityIx>, ends: Vec<EntityIx>) -> Self {
        let none = petgraph::stable_graph::NodeIndex::end();
        ShortestState {
            starts,
            ends,
            si: 0,
            ti: 0,
            start_ok: None,
            pair: (none, none),
            paths: Vec::new(),
            pi: 0,
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn advance(
        &mut self,
        ctx: &Ctx<'_>,
        g: &Graph,
        s: &Shortest,
        start_labels: Option<&[Sym]>,
        end_labels: Option<&[Sym]>,
        types: Option<&[Sym]>,
        row: &mut [Value],
    ) -> EvalResult<bool> {
        loop {
            if let Some((nodes, rels)) = self.paths.get(self.pi) {
                self.pi += 1;
                row[s.start] = Value::Node(self.pair.0);
                row[s.end] = Value::Node(self.pair.1);
                if let Some(r) = s.rel {
                    row[r] = Value::List(rels.iter().map(|c| Value::Relationship(*c)).collect());
                }
                if let Some(p) = s.path {
                    row[p] = Value::Path { nodes: nodes.clone(), rels: rels.clone() };
                }
                return Ok(true);
            }
            let Some(&start) = self.starts.get(self.si) else { return Ok(false) };
            let ok = match self.start_ok {
                Some(ok) => ok,
                None => {
                    let ok = node_ok(ctx, g, &s.start_test, start_labels, start, row)?;
                    self.start_ok = Some(ok);
                    ok
                }
            };
            let Some(&end) = self.ends.get(self.ti).filter(|_| ok) else {
                self.si += 1;
                self.ti = 0;
                self.start_ok = None;
                continue;
            };
            self.ti += 1;
            ctx.tick()?;
            if !node_ok(ctx, g, &s.end_test, end_labels, end, row)? {
                continue;
            }
            let search = Search { ctx, g, s, types, row };
            self.paths = if !s.all && s.min <= 1 && start != end {
                search.bidirectional(start, end)?.into_iter().collect()
            } else {
                search.breadth_first(start, end)?
            };
            self.pi = 0;
            self.pair = (start, end);
        }
    }
}

struct Search<'a, 'c> {
    ctx: &'a Ctx<'c>,
    g: &'a Graph,
    s: &'a Shortest,
    types: Option<&'a [Sym]>,
    row: &'a [Value],
}

impl Search<'_, '_> {
    /// Relationships from `n` that the pattern allows, walking in `dir`.
    fn edges(&self, n: EntityIx, dir: RelDirection) -> EvalResult<Edges> {
        let mut out = Vec::new();
        edges_of(self.g, n, dir, self.types, &mut out);
        if let Some(p) = &self.s.rel_test.props {
            let mut kept = Vec::with_capacity(out.len());
            for (c, to) in out {
                if props_match(self.ctx, self.g, p, &Value::Relationship(c), self.row)? {
                    kept.push((c, to));
                }
            }
            out = kept;
        }
        Ok(out)
    }

    /// One shortest path from `s` to `t` (`s != t`) by bidirectional breadth-first search:
    /// the smaller frontier grows a level at a time until the two searches meet, so the
    /// visited area is about twice the square root of a one-sided search's.
    fn bidirectional(&self, s: EntityIx, t: EntityIx) -> EvalResult<Option<Path>> {
        let hi = self.s.max;
        let forward_dir = self.s.dir;
        let backward_dir = match forward_dir {
            RelDirection::Left => RelDirection::Right,
            RelDirection::Right => RelDirection::Left,
            RelDirection::Both => RelDirection::Both,
        };
        // node -> (the node it was reached from and the relationship, depth).
        type Seen = HashMap<EntityIx, (Option<(EntityIx, ClaimIx)>, usize)>;
        let mut fwd: Seen = HashMap::from([(s, (None, 0))]);
        let mut bwd: Seen = HashMap::from([(t, (None, 0))]);
        let (mut fq, mut bq) = (vec![s], vec![t]);
        let (mut df, mut db) = (0usize, 0usize);
        let meet = loop {
            if fq.is_empty() || bq.is_empty() || df + db >= hi {
                return Ok(None);
            }
            let forward = fq.len() <= bq.len();
            let (frontier, seen, other, dir, depth) = if forward {
                (&mut fq, &mut fwd, &bwd, forward_dir, &mut df)
            } else {
                (&mut bq, &mut bwd, &fwd, backward_dir, &mut db)
            };
            *depth += 1;
            let mut next = Vec::new();
            // Meetings in this level: the one with the shortest total is a shortest path.
            let mut best: Option<(usize, EntityIx)> = None;
            for n in std::mem::take(frontier) {
                for (c, to) in self.edges(n, dir)? {
                    self.ctx.tick()?;
                    if seen.contains_key(&to) {
                        continue;
                    }
                    seen.insert(to, (Some((n, c)), *depth));
                    if let Some((_, d_other)) = other.get(&to) {
                        let total = *depth + d_other;
                        if total <= hi && best.is_none_or(|(b, _)| total < b) {
                            best = Some((total, to));
                        }
                    }
                    next.push(to);
                }
            }
            if let Some((_, m)) = best {
                break m;
            }
            *frontier = next;
        };
        // Walk from the meeting node back to s, then on to t.
        let mut nodes = vec![meet];
        let mut rels = Vec::new();
        let mut at = meet;
        while let Some((Some((p, c)), _)) = fwd.get(&at) {
            nodes.push(*p);
            rels.push(*c);
            at = *p;
        }
        nodes.reverse();
        rels.reverse();
        let mut at = meet;
        while let Some((Some((p, c)), _)) = bwd.get(&at) {
            nodes.push(*p);
            rels.push(*c);
            at = *p;
        }
        Ok(Some((nodes, rels)))
    }

    /// Shortest paths from `s` to `t` by breadth-first search, keeping every predecessor at
    /// the shortest depth so all shortest paths can be rebuilt.
    fn breadth_first(&self, s: EntityIx, t: EntityIx) -> EvalResult<Vec<Path>> {
        let (lo, hi, all) = (self.s.min, self.s.max, self.s.all);
        if s == t {
            return Ok(if lo == 0 { vec![(vec![s], Vec::new())] } else { Vec::new() });
        }
        let mut depth: HashMap<EntityIx, usize> = HashMap::new();
        let mut preds: HashMap<EntityIx, Vec<(EntityIx, ClaimIx)>> = HashMap::new();
        let mut queue = VecDeque::new();
        depth.insert(s, 0);
        queue.push_back(s);
        let mut found_at = None;
        while let Some(n) = queue.pop_front() {
            self.ctx.tick()?;
            let Some(&d) = depth.get(&n) else { continue };
            if found_at.is_some_and(|f| d >= f) || d >= hi {
                continue;
            }
            for (c, to) in self.edges(n, self.s.dir)? {
                match depth.get(&to) {
                    None => {
                        depth.insert(to, d + 1);
                        preds.entry(to).or_default().push((n, c));
                        if to == t {
                            found_at = Some(d + 1);
                        } else {
                            queue.push_back(to);
                        }
                    }
                    Some(&dt) if dt == d + 1 => preds.entry(to).or_default().push((n, c)),
                    Some(_) => {}
                }
            }
        }
        let Some(len) = found_at else { return Ok(Vec::new()) };
        if len < lo {
            return Ok(Vec::new());
        }
        // Rebuild paths backwards from t.
        let mut paths: Vec<Path> = vec![(vec![t], Vec::new())];
        for _ in 0..len {
            let mut next = Vec::new();
            for (nodes, rels) in paths {
                let head = *nodes.last().unwrap_or(&t);
                for (p, c) in preds.get(&head).into_iter().flatten() {
                    if depth.get(p).is_some_and(|&dp| Some(dp + 1) == depth.get(&head).copied()) {
                        let mut n2 = nodes.clone();
                        n2.push(*p);
                        let mut r2 = rels.clone();
                        r2.push(*c);
                        next.push((n2, r2));
                        if !all {
                            break;
                        }
                    }
                }
            }
            paths = next;
        }
        for (n, r) in &mut paths {
            n.reverse();
            r.reverse();
        }
        if !all {
            paths.truncate(1);
        }
        Ok(paths)
    }
}
