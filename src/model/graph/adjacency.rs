//! Every entity's claim lists as contiguous arrays, built once at the end of a batch (a
//! load into a graph that never held a claim, a workspace's restore).
//!
//! Petgraph keeps an entity's claims as linked lists threaded through the claims: each
//! step of a walk is a read at the address the step before found, a cache miss on a large
//! graph. Here an entity's outgoing claims, then its incoming ones, sit side by side (each
//! with the entity at its other end), so a cold walk of an entity's lists is a miss or
//! two, not one per claim.
//!
//! Invariant: for every entity the arrays call fresh ([`Adjacency::lists`] gives `Some`),
//! each array is the petgraph list of that direction, in petgraph's order. A change to an
//! entity's claims after the build makes both ends stale ([`Adjacency::touch`]), and a
//! stale entity's claims are walked in petgraph again until the next build. A restore
//! changes petgraph only before its build, so it marks nothing. Debug builds compare every
//! list handed out with petgraph's (`Graph::claim_list`).

use petgraph::visit::{EdgeRef, IntoEdgeReferences, NodeIndexable};
use petgraph::Direction;

use super::Graph;
use crate::model::claim::{ClaimIx, EntityIx};
use crate::model::Claim;

/// A claim at an entity and the entity at its other end (the entity itself for a
/// self-loop).
pub(crate) type Hop = (ClaimIx, EntityIx);

#[derive(Debug, Default)]
pub(super) struct Adjacency {
    /// Entity `n`'s outgoing claims are `hops[starts[2n]..starts[2n + 1]]` and its incoming
    /// ones `hops[starts[2n + 1]..starts[2n + 2]]`; entities from `starts.len() / 2` on
    /// came after the build.
    starts: Vec<u32>,
    hops: Vec<Hop>,
    /// One bit per entity below the build's bound: its claims changed since.
    stale: Vec<u64>,
}

impl Adjacency {
    /// The arrays for `graph`, with its degrees counted. Petgraph puts a new claim at the
    /// head of its ends' lists, so while every claim went in at the end of the claims
    /// (none into a freed slot), each list holds its claims newest first by index; once
    /// one did, the arrays are left empty and every walk is petgraph's.
    pub(super) fn build(graph: &Graph) -> Adjacency {
        let (pg, degrees) = (&graph.graph, &graph.degrees);
        if graph.edge_slot_reused {
            return Adjacency::default();
        }
        let bound = NodeIndexable::node_bound(pg);
        let mut starts = Vec::with_capacity(2 * bound + 1);
        let mut at: u64 = 0;
        starts.push(0);
        for n in 0..bound {
            let d = degrees.get(n).copied().unwrap_or_default();
            for len in [d.out, d.inc] {
                at += u64::from(len);
                // More than u32::MAX claim ends cannot be indexed by petgraph's u32 indices.
                let Ok(end) = u32::try_from(at) else { return Adjacency::default() };
                starts.push(end);
            }
        }
        // Each list is filled from its end: claims come in ascending index order, and
        // petgraph's lists hold the newest (highest) first.
        let mut cursor: Vec<u32> = starts[1..].to_vec();
        let placeholder = (ClaimIx::end(), EntityIx::end());
        let mut hops = vec![placeholder; at as usize];
        for e in pg.edge_references() {
            let (s, t) = (e.source().index(), e.target().index());
            let out = &mut cursor[2 * s];
            *out -= 1;
            hops[*out as usize] = (e.id(), e.target());
            let inc = &mut cursor[2 * t + 1];
            *inc -= 1;
            hops[*inc as usize] = (e.id(), e.source());
        }
        Adjacency { starts, hops, stale: vec![0; bound.div_ceil(64)] }
    }

    /// Entity `n`'s claims in direction `dir` with their far ends, or `None` when the
    /// arrays do not know them (stale, or added after the build).
    pub(super) fn lists(&self, n: EntityIx, dir: Direction) -> Option<&[Hop]> {
        let i = n.index();
        if 2 * i + 2 >= self.starts.len() || self.stale[i / 64] & (1 << (i % 64)) != 0 {
            return None;
        }
        let k = 2 * i + usize::from(dir == Direction::Incoming);
        Some(&self.hops[self.starts[k] as usize..self.starts[k + 1] as usize])
    }

    /// Asks the caches for where entity `n`'s lists start, without waiting for it.
    pub(super) fn prefetch_start(&self, n: EntityIx) {
        if let Some(start) = self.starts.get(2 * n.index()) {
            crate::alloc::prefetch(start);
        }
    }

    /// Asks the caches for entity `n`'s lists, without waiting for them; false when the
    /// arrays do not know them (as for [`Adjacency::lists`]). Reads where they start, so
    /// [`Adjacency::prefetch_start`] of `n` a while before keeps this from waiting.
    pub(super) fn prefetch_lists(&self, n: EntityIx) -> bool {
        let i = n.index();
        if 2 * i + 2 >= self.starts.len() || self.stale[i / 64] & (1 << (i % 64)) != 0 {
            return false;
        }
        let (start, end) = (self.starts[2 * i] as usize, self.starts[2 * i + 2] as usize);
        if start < end {
            crate::alloc::prefetch(&self.hops[start]);
            crate::alloc::prefetch(&self.hops[end - 1]);
        }
        true
    }

    /// Marks an entity whose claims changed: its lists are petgraph's alone from now on.
    pub(super) fn touch(&mut self, n: EntityIx) {
        let i = n.index();
        if let Some(word) = self.stale.get_mut(i / 64) {
            *word |= 1 << (i % 64);
        }
    }
}

impl Graph {
    /// Entity `ix`'s claims in direction `dir`, each with the entity at its other end, in
    /// petgraph's order, read from one array; `None` when the arrays do not hold them (the
    /// entity's claims changed since the last batch): walk [`Graph::petgraph`] instead.
    pub(crate) fn claim_list(&self, ix: EntityIx, dir: Direction) -> Option<&[Hop]> {
        let list = self.adjacency.lists(ix, dir)?;
        debug_assert_eq!(list, self.petgraph_list(ix, dir), "the arrays of {ix:?} {dir:?}");
        Some(list)
    }

    /// Asks the caches for the claim lists of the first of `ends`, to be walked soon,
    /// without waiting for them: many misses in flight at once, where walking the lists
    /// one entity after another waits for each in turn. Ends whose lists the arrays do not
    /// hold have the start of their petgraph lists read instead.
    pub(crate) fn warm_claim_lists(&self, ends: &[Hop]) {
        for &(_, n) in ends {
            self.adjacency.prefetch_start(n);
        }
        for &(_, n) in ends {
            if !self.adjacency.prefetch_lists(n) {
                let first = |d: Direction| self.graph.edges_directed(n, d).next().map(|e| e.id());
                std::hint::black_box((first(Direction::Outgoing), first(Direction::Incoming)));
            }
        }
    }

    /// Entity `ix`'s petgraph list in direction `dir`, as [`Graph::claim_list`] gives it.
    fn petgraph_list(&self, ix: EntityIx, dir: Direction) -> Vec<Hop> {
        let far = |e: petgraph::stable_graph::EdgeReference<'_, Claim>| {
            (e.id(), if dir == Direction::Outgoing { e.target() } else { e.source() })
        };
        self.graph.edges_directed(ix, dir).map(far).collect()
    }

    /// Notes a claim just put into the graph at `ix`: whether it took a freed slot.
    pub(in crate::model) fn note_edge_slot(&mut self, ix: ClaimIx) {
        if ix.index() + 1 < petgraph::visit::EdgeIndexable::edge_bound(&self.graph) {
            self.edge_slot_reused = true;
        }
    }

    /// Marks both ends of a claim just added or removed: their claim lists are no longer
    /// the arrays' (`graph/adjacency.rs`). Every change to petgraph's edges calls it.
    pub(in crate::model) fn claims_changed_at(&mut self, subject: EntityIx, object: EntityIx) {
        self.adjacency.touch(subject);
        self.adjacency.touch(object);
    }
}

#[cfg(test)]
mod tests {
    use petgraph::Direction;

    use crate::model::{Attestation, Claim, ClaimKind, Graph, SourceRef, Status};

    fn claim(g: &mut Graph, t: &str) -> Claim {
        let user = g.intern("tester");
        Claim {
            id: None,
            rel_type: g.intern(t),
            props: Vec::new(),
            attestations: vec![Attestation::new(SourceRef::User(user), Status::Asserted)],
            kind: ClaimKind::Stated,
        }
    }

    /// The arrays agree with petgraph after a batch, and stop answering for the ends of a
    /// claim added or removed after it, while the other entities keep theirs.
    #[test]
    fn the_arrays_are_petgraphs_lists_until_an_entity_changes() {
        let mut g = Graph::new();
        let n: Vec<_> = (0..6).map(|_| g.add_entity(None, Vec::new(), Vec::new()).expect("fresh")).collect();
        let mut batch = crate::model::graph::ClaimBatch::default();
        for (i, j) in [(0, 1), (1, 2), (0, 2), (2, 0), (3, 3), (0, 1), (4, 0)] {
            let c = claim(&mut g, "R");
            g.add_claim_batched(n[i], n[j], c, &mut batch).expect("both exist");
        }
        g.finish_batch(batch);
        for &e in &n {
            for dir in [Direction::Outgoing, Direction::Incoming] {
                let want = g.petgraph_list(e, dir);
                assert_eq!(g.adjacency.lists(e, dir).map(<[_]>::to_vec), Some(want), "{e:?} {dir:?}");
            }
        }
        let c = claim(&mut g, "S");
        let added = g.add_claim(n[1], n[4], c).expect("both exist");
        assert!(g.adjacency.lists(n[1], Direction::Outgoing).is_none());
        assert!(g.adjacency.lists(n[4], Direction::Incoming).is_none());
        assert!(g.adjacency.lists(n[0], Direction::Outgoing).is_some());
        g.remove_claim(added).expect("there");
        let first = g.claims_at(n[3], Direction::Outgoing).next().expect("a self-loop");
        g.remove_claim(first).expect("there");
        assert!(g.adjacency.lists(n[3], Direction::Incoming).is_none());
        assert!(g.adjacency.lists(n[2], Direction::Incoming).is_some());
        let fresh = g.add_entity(None, Vec::new(), Vec::new()).expect("fresh");
        assert!(g.adjacency.lists(fresh, Direction::Outgoing).is_none());
        for &e in n.iter().chain([&fresh]) {
            for dir in [Direction::Outgoing, Direction::Incoming] {
                if let Some(list) = g.adjacency.lists(e, dir) {
                    assert_eq!(list, g.petgraph_list(e, dir), "{e:?} {dir:?}");
                }
            }
        }
    }

    /// After a batch, any sequence of changes (claims added and removed, entities removed
    /// with their claims, statements rolled back) leaves every list the arrays still hand
    /// out equal to petgraph's, and some still handed out.
    #[test]
    fn changes_and_rollbacks_never_leave_a_stale_list_handed_out() {
        let mut g = Graph::new();
        let mut nodes: Vec<_> =
            (0..200).map(|_| g.add_entity(None, Vec::new(), Vec::new()).expect("fresh")).collect();
        // A fixed-seed linear congruential generator: the same sequence on every run.
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as usize % n
        };
        let mut batch = crate::model::graph::ClaimBatch::default();
        for _ in 0..1200 {
            let (i, j) = (next(nodes.len()), next(nodes.len()));
            let c = claim(&mut g, "R");
            g.add_claim_batched(nodes[i], nodes[j], c, &mut batch).expect("both exist");
        }
        g.finish_batch(batch);
        let mut handed_out = 0;
        for step in 0..300 {
            let rollback = step % 7 == 0;
            let savepoint = rollback.then(|| g.savepoint());
            for _ in 0..1 + usize::from(rollback) * 3 {
                match next(10) {
                    0..=3 => {
                        let (i, j) = (next(nodes.len()), next(nodes.len()));
                        let c = claim(&mut g, "S");
                        g.add_claim(nodes[i], nodes[j], c).expect("both exist");
                    }
                    4..=7 => {
                        let claims: Vec<_> = g.petgraph().edge_indices().collect();
                        if !claims.is_empty() {
                            g.remove_claim(claims[next(claims.len())]).expect("there");
                        }
                    }
                    8 if nodes.len() > 10 => {
                        let gone = nodes.swap_remove(next(nodes.len()));
                        g.remove_entity(gone, true).expect("there");
                    }
                    _ => nodes.push(g.add_entity(None, Vec::new(), Vec::new()).expect("fresh")),
                }
            }
            if let Some(savepoint) = savepoint {
                g.rollback_to(savepoint);
                g.end_transaction();
                nodes = g.petgraph().node_indices().collect();
            }
            for n in g.petgraph().node_indices() {
                for dir in [Direction::Outgoing, Direction::Incoming] {
                    if let Some(list) = g.adjacency.lists(n, dir) {
                        assert_eq!(list, g.petgraph_list(n, dir), "step {step}: {n:?} {dir:?}");
                        handed_out += 1;
                    }
                }
            }
        }
        assert!(handed_out > 10_000, "only {handed_out} lists handed out: the test checks too little");
    }

    /// A batch rolled back after it was finished (a load that fails is rolled back after
    /// its loader finishes the batch) leaves no list handed out that holds its claims.
    #[test]
    fn a_batch_rolled_back_leaves_no_list_of_its_claims() {
        let mut g = Graph::new();
        let n: Vec<_> = (0..4).map(|_| g.add_entity(None, Vec::new(), Vec::new()).expect("fresh")).collect();
        let savepoint = g.savepoint();
        let mut batch = crate::model::graph::ClaimBatch::default();
        for (i, j) in [(0, 1), (1, 2), (2, 2)] {
            let c = claim(&mut g, "R");
            g.add_claim_batched(n[i], n[j], c, &mut batch).expect("both exist");
        }
        g.finish_batch(batch);
        assert_eq!(g.adjacency.lists(n[0], Direction::Outgoing).map(<[_]>::len), Some(1));
        g.rollback_to(savepoint);
        for &e in &n {
            for dir in [Direction::Outgoing, Direction::Incoming] {
                assert!(g.adjacency.lists(e, dir).is_none_or(<[_]>::is_empty), "{e:?} {dir:?}");
            }
        }
    }

    /// A claim put into a freed slot goes to the head of its ends' lists, out of index
    /// order: a batch finished after that lays out no arrays, rather than wrong ones.
    #[test]
    fn after_a_freed_slot_is_reused_a_batch_lays_out_no_arrays() {
        let three_claims = || {
            let mut g = Graph::new();
            let n: Vec<_> =
                (0..3).map(|_| g.add_entity(None, Vec::new(), Vec::new()).expect("fresh")).collect();
            let mut claims = Vec::new();
            for (i, j) in [(0, 1), (0, 2), (0, 1)] {
                let c = claim(&mut g, "R");
                claims.push(g.add_claim(n[i], n[j], c).expect("both exist"));
            }
            (g, n, claims)
        };
        let (mut added, n, claims) = three_claims();
        added.remove_claim(claims[0]).expect("there");
        let c = claim(&mut added, "R");
        assert_eq!(added.add_claim(n[0], n[2], c), Ok(claims[0]), "the freed slot is taken");
        // A rollback puts a removed claim back into its slot, at the head of the lists too.
        let (mut undone, _, _) = three_claims();
        let savepoint = undone.savepoint();
        undone.remove_claim(claims[0]).expect("there");
        undone.rollback_to(savepoint);
        for g in [&mut added, &mut undone] {
            g.finish_batch(crate::model::graph::ClaimBatch::default());
            for &e in &n {
                for dir in [Direction::Outgoing, Direction::Incoming] {
                    if let Some(list) = g.adjacency.lists(e, dir) {
                        assert_eq!(list, g.petgraph_list(e, dir), "{e:?} {dir:?}");
                    }
                }
            }
        }
    }
}
