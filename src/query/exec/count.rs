//! Counted hops ([`CountStep`]): how many relationships a node has for a hop (in its
//! direction, with one of its types, whose far end has its labels), less those the MATCH
//! bound already; for a chain of two counted at its middle node, the product of both hops'
//! degrees less the relationships either hop could take. Degrees of plain hops (any type,
//! any far end) are the graph's own counts ([`Graph::degree`]); others come from one
//! sequential pass over every claim when the MATCH reads the whole graph, else from each
//! node's own relationships when first met.

use std::collections::HashMap;

use petgraph::stable_graph::EdgeIndex;
use petgraph::visit::{EdgeIndexable, NodeIndexable};

use super::matching::{edges_of, label_syms, labels_ok, type_syms};
use super::Ctx;
use crate::model::{ClaimIx, Degree, EntityIx, Graph, Sym};
use crate::query::error::EvalResult;
use crate::query::plan::{CountHop, CountStep};
use crate::query::value::Value;
use crate::syntax::query::RelDirection;

/// Entities per window of the degree count (2^15 × 8 bytes: a quarter of a megabyte).
const WINDOW: usize = 15;

/// A hop's names, resolved.
struct Hop<'p> {
    plan: &'p CountHop,
    types: Option<Vec<Sym>>,
    /// `None`: a label no entity has, so the hop has no relationships.
    labels: Option<Vec<Sym>>,
}

impl Hop<'_> {
    fn far_ok(&self, g: &Graph, ix: EntityIx) -> bool {
        match self.labels.as_deref() {
            Some([]) => true,
            labels => labels_ok(g, labels, ix),
        }
    }

    /// The hop's degree at an entity with degree `d`, when it is plain ([`CountHop::plain`]).
    fn plain_degree(&self, d: Degree) -> u32 {
        match self.plan.dir {
            RelDirection::Right => d.out,
            RelDirection::Left => d.inc,
            RelDirection::Both => (d.out + d.inc).saturating_sub(d.loops),
        }
    }

    fn type_ok(&self, rel_type: Sym) -> bool {
        self.types.as_ref().is_none_or(|t| t.contains(&rel_type))
    }

    /// Whether claim `c` (from `s` to `o`, of type `t`) is one of the hop's at `x`.
    fn takes(&self, g: &Graph, x: EntityIx, s: EntityIx, o: EntityIx, t: Sym) -> bool {
        if !self.type_ok(t) {
            return false;
        }
        let out = s == x && self.far_ok(g, o);
        let inc = o == x && self.far_ok(g, s);
        match self.plan.dir {
            RelDirection::Right => out,
            RelDirection::Left => inc,
            RelDirection::Both => out || inc,
        }
    }

    /// The hop's relationships at `x`.
    fn at(&self, g: &Graph, x: EntityIx, edges: &mut Vec<(ClaimIx, EntityIx)>) {
        edges.clear();
        if self.labels.is_some() {
            edges_of(g, x, self.plan.dir, self.types.as_deref(), edges);
            edges.retain(|(_, far)| self.far_ok(g, *far));
        }
    }
}

/// The counts at one node: the last hop's degree, the first hop's, and how many
/// relationships both could take.
#[derive(Clone, Copy, Default)]
struct Degrees {
    last: u32,
    first: u32,
    both: u32,
}

pub(crate) struct Counter<'p> {
    step: &'p CountStep,
    /// Every hop is plain: degrees come from the graph's own counts ([`Graph::degree`]).
    plain: bool,
    revision: Option<u64>,
    last: Hop<'p>,
    first: Option<Hop<'p>>,
    /// Every entity's degrees, by index (whole-graph MATCHes); relationships both hops take
    /// are rare (self-loops, or undirected hops), so they are kept apart.
    dense: Vec<(u32, u32)>,
    dense_both: HashMap<EntityIx, u32>,
    /// Degrees of the entities met so far.
    memo: HashMap<EntityIx, Degrees>,
    edges: Vec<(ClaimIx, EntityIx)>,
    edges_first: Vec<(ClaimIx, EntityIx)>,
}

impl<'p> Counter<'p> {
    pub(crate) fn new(step: &'p CountStep) -> Self {
        let hop = |plan| Hop { plan, types: None, labels: None };
        Counter {
            step,
            plain: step.plain(),
            revision: None,
            last: hop(&step.last),
            first: step.first.as_ref().map(hop),
            dense: Vec::new(),
            dense_both: HashMap::new(),
            memo: HashMap::new(),
            edges: Vec::new(),
            edges_first: Vec::new(),
        }
    }

    /// How many rows the current match stands for.
    pub(crate) fn weight(&mut self, ctx: &Ctx<'_>, g: &Graph, row: &[Value]) -> EvalResult<u64> {
        if self.revision != Some(g.revision()) {
            self.prepare(ctx, g)?;
        }
        let Value::Node(from) = row[self.step.from] else { return Ok(0) };
        let d = self.degrees(g, from);
        let w = match &self.first {
            Some(_) => (u64::from(d.last) * u64::from(d.first)).saturating_sub(u64::from(d.both)),
            None => {
                let mut taken = 0u32;
                let mut count = |c: ClaimIx| {
                    let (Some((s, o)), Some(claim)) = (g.endpoints(c), g.claim(c)) else { return };
                    taken += u32::from(self.last.takes(g, from, s, o, claim.rel_type));
                };
                for slot in &self.step.distinct_from {
                    match &row[*slot] {
                        Value::Relationship(c) => count(*c),
                        Value::List(items) => items.iter().for_each(|v| {
                            if let Value::Relationship(c) = v {
                                count(*c)
                            }
                        }),
                        _ => {}
                    }
                }
                u64::from(d.last.saturating_sub(taken))
            }
        };
        ctx.count(self.step.id, w);
        Ok(w)
    }

    fn degrees(&mut self, g: &Graph, x: EntityIx) -> Degrees {
        if self.plain {
            let d = g.degree(x);
            let last = self.last.plain_degree(d);
            let Some(first) = &self.first else { return Degrees { last, ..Degrees::default() } };
            let first_degree = first.plain_degree(d);
            // The relationships both hops take: all of one hop's when the other hop's
            // direction includes it, else (opposite directions) the self-loops.
            let both = match (first.plan.dir, self.last.plan.dir) {
                (RelDirection::Both, _) => last,
                (_, RelDirection::Both) => first_degree,
                (f, l) if f == l => last,
                _ => d.loops,
            };
            return Degrees { last, first: first_degree, both };
        }
        if self.step.whole_graph {
            let (last, first) = self.dense.get(x.index()).copied().unwrap_or_default();
            let both =
                if self.dense_both.is_empty() { 0 } else { self.dense_both.get(&x).copied().unwrap_or(0) };
            return Degrees { last, first, both };
        }
        if let Some(d) = self.memo.get(&x) {
            return *d;
        }
        self.last.at(g, x, &mut self.edges);
        let mut d = Degrees { last: self.edges.len() as u32, ..Degrees::default() };
        if let Some(first) = &self.first {
            first.at(g, x, &mut self.edges_first);
            d.first = self.edges_first.len() as u32;
            let mut taken: Vec<ClaimIx> = self.edges.iter().map(|(c, _)| *c).collect();
            taken.sort_unstable();
            d.both = self.edges_first.iter().filter(|(c, _)| taken.binary_search(c).is_ok()).count() as u32;
        }
        self.memo.insert(x, d);
        d
    }

    fn prepare(&mut self, ctx: &Ctx<'_>, g: &Graph) -> EvalResult<()> {
        self.revision = Some(g.revision());
        for hop in std::iter::once(&mut self.last).chain(self.first.as_mut()) {
            hop.types = type_syms(g, &hop.plan.types);
            hop.labels = label_syms(g, &hop.plan.labels);
        }
        self.memo.clear();
        self.dense.clear();
        self.dense_both.clear();
        if self.plain || !self.step.whole_graph {
            return Ok(());
        }
        let pg = g.petgraph();
        let nodes = pg.node_bound();
        self.dense.resize(nodes, (0, 0));
        // Claims' ends are in no order, so counting straight into the array jumps around
        // it; past a cache's worth of entities, the increments are first sorted into
        // ranges of entities, each then counted within a window that stays in cache.
        let direct = nodes <= 1 << WINDOW;
        let mut ranges: Vec<Vec<u32>> =
            if direct { Vec::new() } else { vec![Vec::new(); (nodes >> WINDOW) + 1] };
        for i in 0..pg.edge_bound() {
            ctx.tick()?;
            let c = EdgeIndex::new(i);
            let (Some((s, o)), Some(claim)) = (g.endpoints(c), g.claim(c)) else { continue };
            let t = claim.rel_type;
            let ends: &[EntityIx] = if s == o { &[s] } else { &[s, o] };
            for &x in ends {
                let last = self.last.takes(g, x, s, o, t);
                let first = self.first.as_ref().is_some_and(|h| h.takes(g, x, s, o, t));
                if last && first {
                    *self.dense_both.entry(x).or_default() += 1;
                }
                let i = x.index();
                if direct {
                    self.dense[i].0 += u32::from(last);
                    self.dense[i].1 += u32::from(first);
                    continue;
                }
                // The entity's index and which hop takes the claim, in one number.
                let range = &mut ranges[i >> WINDOW];
                if last {
                    range.push((i as u32) << 1);
                }
                if first {
                    range.push((i as u32) << 1 | 1);
                }
            }
        }
        for range in ranges {
            ctx.tick()?;
            for v in range {
                let d = &mut self.dense[(v >> 1) as usize];
                if v & 1 == 0 {
                    d.0 += 1;
                } else {
                    d.1 += 1;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Attestation, Claim, ClaimKind, Graph, SourceRef, Status};
    use crate::query::{execute, Params, QueryValue};

    /// More entities than one window holds (so the degrees are counted by ranges): each
    /// entity `i` claims something of `i + 1` and, for every third, of `i * 7 % n`, under
    /// two types, with a few self-loops.
    fn graph() -> Graph {
        let mut g = Graph::new();
        let n = (1 << super::WINDOW) + 5_000;
        let labels = [g.intern("A"), g.intern("B")];
        let nodes: Vec<_> =
            (0..n).map(|i| g.add_entity(None, vec![labels[i % 2]], Vec::new()).expect("fresh")).collect();
        let types = [g.intern("R"), g.intern("S")];
        let user = g.intern("tester");
        let claim = |g: &mut Graph, i: usize, j: usize, t| {
            let attestation = Attestation::new(SourceRef::User(user), Status::Asserted);
            let c = Claim {
                id: None,
                rel_type: t,
                props: Vec::new(),
                attestations: vec![attestation],
                kind: ClaimKind::Stated,
            };
            g.add_claim(nodes[i], nodes[j], c).expect("both exist");
        };
        for i in 0..n {
            claim(&mut g, i, (i + 1) % n, types[i % 2]);
            if i % 3 == 0 {
                claim(&mut g, i, i * 7 % n, types[(i / 3) % 2]);
            }
        }
        g
    }

    fn count(g: &mut Graph, q: &str) -> QueryValue {
        let out = execute(g, q, &Params::new(), &std::sync::atomic::AtomicBool::new(false)).expect(q);
        out.rows[0][0].clone()
    }

    /// Counted chains of plain hops (any type, any far end), in every direction, against
    /// the same chains matched; again after claims are removed (self-loops among them),
    /// added, and a removal rolled back.
    #[test]
    fn degree_counts_agree_with_matching() {
        let mut g = graph();
        let check = |g: &mut Graph| {
            for hops in [
                "(a)-[r]->(b)-[s]->(c)",
                "(a)<-[r]-(b)-[s]->(c)",
                "(a)-[r]->(b)<-[s]-(c)",
                "(a)-[r]-(b)-[s]->(c)",
                "(a)<-[r]-(b)-[s]-(c)",
                "(a)-[r]-(b)-[s]-(c)",
            ] {
                let counted = format!("MATCH {hops} RETURN count(*)");
                let matched = format!("MATCH {hops} WITH r, s RETURN count(*)");
                assert_eq!(count(g, &counted), count(g, &matched), "{counted}");
            }
            for (counted, matched) in [
                ("MATCH (a)-[r]-(b) RETURN count(b)", "MATCH (a)-[r]-(b) WITH b RETURN count(b)"),
                ("MATCH (a)<-[r]-(b) RETURN count(*)", "MATCH (a)<-[r]-(b) WITH r RETURN count(*)"),
            ] {
                assert_eq!(count(g, counted), count(g, matched), "{counted}");
            }
        };
        let loops: Vec<_> = g.entities().step_by(997).collect();
        let t = g.intern("R");
        for &x in &loops {
            let c = Claim {
                id: None,
                rel_type: t,
                props: Vec::new(),
                attestations: vec![Attestation::new(SourceRef::User(t), Status::Asserted)],
                kind: ClaimKind::Stated,
            };
            g.add_claim(x, x, c).expect("exists");
        }
        check(&mut g);
        let gone: Vec<_> = g.claims().step_by(13).collect();
        let start = g.savepoint();
        for c in &gone {
            g.remove_claim(*c).expect("exists");
        }
        check(&mut g);
        g.rollback_to(start);
        g.end_transaction();
        check(&mut g);
    }

    #[test]
    fn counting_by_ranges_agrees_with_matching() {
        let mut g = graph();
        for (counted, matched) in [
            (
                "MATCH (a)-[r]->(b)-[s]->(c) RETURN count(*)",
                "MATCH (a)-[r]->(b)-[s]->(c) WITH r, s RETURN count(*)",
            ),
            (
                "MATCH (a)-[r:R]->(b:B)-[s]-(c:A) RETURN count(*)",
                "MATCH (a)-[r:R]->(b:B)-[s]-(c:A) WITH r, s RETURN count(*)",
            ),
            ("MATCH (a:A)<-[r:S]-(b) RETURN count(b)", "MATCH (a:A)<-[r:S]-(b) WITH b RETURN count(b)"),
        ] {
            assert_eq!(count(&mut g, counted), count(&mut g, matched), "{counted}");
        }
    }
}
