//! The counted hop ([`CountStep`]): how many relationships a node has in the hop's
//! direction, with one of its types, whose far end has its labels, less those the MATCH
//! bound already. Degrees come from one sequential pass over every claim when the MATCH
//! reads the whole graph, else from each node's own relationships when first met.

use std::collections::HashMap;

use petgraph::stable_graph::EdgeIndex;
use petgraph::visit::{EdgeIndexable, NodeIndexable};

use super::matching::{edges_of, label_syms, labels_ok, type_ok, type_syms};
use super::Ctx;
use crate::model::{ClaimIx, EntityIx, Graph, Sym};
use crate::query::error::EvalResult;
use crate::query::plan::CountStep;
use crate::query::value::Value;
use crate::syntax::query::RelDirection;

pub(crate) struct Counter<'p> {
    step: &'p CountStep,
    revision: Option<u64>,
    types: Option<Vec<Sym>>,
    /// `None`: a label no entity has, so nothing is counted.
    labels: Option<Vec<Sym>>,
    /// Every entity's degree, by index (whole-graph MATCHes).
    dense: Vec<u32>,
    /// Degrees of the entities met so far.
    memo: HashMap<EntityIx, u32>,
    edges: Vec<(ClaimIx, EntityIx)>,
}

impl<'p> Counter<'p> {
    pub(crate) fn new(step: &'p CountStep) -> Self {
        Counter {
            step,
            revision: None,
            types: None,
            labels: None,
            dense: Vec::new(),
            memo: HashMap::new(),
            edges: Vec::new(),
        }
    }

    /// How many rows the current match stands for.
    pub(crate) fn weight(&mut self, ctx: &Ctx<'_>, g: &Graph, row: &[Value]) -> EvalResult<u64> {
        if self.revision != Some(g.revision()) {
            self.prepare(ctx, g)?;
        }
        let Value::Node(from) = row[self.step.from] else { return Ok(0) };
        if self.labels.is_none() {
            return Ok(0);
        }
        let degree = if self.step.whole_graph {
            self.dense.get(from.index()).copied().unwrap_or(0)
        } else if let Some(d) = self.memo.get(&from) {
            *d
        } else {
            self.edges.clear();
            edges_of(g, from, self.step.dir, self.types.as_deref(), &mut self.edges);
            let d = self.edges.iter().filter(|(_, to)| self.far_ok(g, *to)).count() as u32;
            self.memo.insert(from, d);
            d
        };
        let mut overlap = 0u32;
        for s in &self.step.distinct_from {
            match &row[*s] {
                Value::Relationship(c) => overlap += u32::from(self.counts(g, from, *c)),
                Value::List(items) => {
                    for v in items {
                        if let Value::Relationship(c) = v {
                            overlap += u32::from(self.counts(g, from, *c));
                        }
                    }
                }
                _ => {}
            }
        }
        let w = u64::from(degree.saturating_sub(overlap));
        ctx.count(self.step.id, w);
        Ok(w)
    }

    fn far_ok(&self, g: &Graph, ix: EntityIx) -> bool {
        match self.labels.as_deref() {
            Some([]) => true,
            labels => labels_ok(g, labels, ix),
        }
    }

    /// Whether claim `c` is among those counted at `from`.
    fn counts(&self, g: &Graph, from: EntityIx, c: ClaimIx) -> bool {
        let Some((s, o)) = g.endpoints(c) else { return false };
        if !type_ok(g, self.types.as_deref(), c) {
            return false;
        }
        let out = s == from && self.far_ok(g, o);
        let inc = o == from && self.far_ok(g, s);
        match self.step.dir {
            RelDirection::Right => out,
            RelDirection::Left => inc,
            RelDirection::Both => out || inc,
        }
    }

    fn prepare(&mut self, ctx: &Ctx<'_>, g: &Graph) -> EvalResult<()> {
        self.revision = Some(g.revision());
        self.types = type_syms(g, &self.step.types);
        self.labels = label_syms(g, &self.step.labels);
        self.memo.clear();
        self.dense.clear();
        if !self.step.whole_graph || self.labels.is_none() {
            return Ok(());
        }
        let pg = g.petgraph();
        self.dense.resize(pg.node_bound(), 0);
        for i in 0..pg.edge_bound() {
            ctx.tick()?;
            let c = EdgeIndex::new(i);
            let (Some((s, o)), Some(claim)) = (g.endpoints(c), g.claim(c)) else { continue };
            if self.types.as_ref().is_some_and(|t| !t.contains(&claim.rel_type)) {
                continue;
            }
            let dir = self.step.dir;
            if matches!(dir, RelDirection::Right | RelDirection::Both) && self.far_ok(g, o) {
                self.dense[s.index()] += 1;
            }
            let listed = dir == RelDirection::Both && s == o;
            if matches!(dir, RelDirection::Left | RelDirection::Both) && !listed && self.far_ok(g, s) {
                self.dense[o.index()] += 1;
            }
        }
        Ok(())
    }
}
