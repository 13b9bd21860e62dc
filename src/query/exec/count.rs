//! Counted hops ([`CountStep`]): how many relationships a node has for a hop (in its
//! direction, with one of its types, whose far end has its labels), less those the MATCH
//! bound already; for a chain of two counted at its middle node, the product of both hops'
//! degrees less the relationships either hop could take. Degrees come from one sequential
//! pass over every claim when the MATCH reads the whole graph, else from each node's own
//! relationships when first met.

use std::collections::HashMap;

use petgraph::stable_graph::EdgeIndex;
use petgraph::visit::{EdgeIndexable, NodeIndexable};

use super::matching::{edges_of, label_syms, labels_ok, type_syms};
use super::Ctx;
use crate::model::{ClaimIx, EntityIx, Graph, Sym};
use crate::query::error::EvalResult;
use crate::query::plan::{CountHop, CountStep};
use crate::query::value::Value;
use crate::syntax::query::RelDirection;

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
        if !self.step.whole_graph {
            return Ok(());
        }
        let pg = g.petgraph();
        self.dense.resize(pg.node_bound(), (0, 0));
        for i in 0..pg.edge_bound() {
            ctx.tick()?;
            let c = EdgeIndex::new(i);
            let (Some((s, o)), Some(claim)) = (g.endpoints(c), g.claim(c)) else { continue };
            let t = claim.rel_type;
            let ends: &[EntityIx] = if s == o { &[s] } else { &[s, o] };
            for &x in ends {
                let last = self.last.takes(g, x, s, o, t);
                let first = self.first.as_ref().is_some_and(|h| h.takes(g, x, s, o, t));
                let d = &mut self.dense[x.index()];
                d.0 += u32::from(last);
                d.1 += u32::from(first);
                if last && first {
                    *self.dense_both.entry(x).or_default() += 1;
                }
            }
        }
        Ok(())
    }
}
