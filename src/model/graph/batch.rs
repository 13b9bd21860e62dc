//! Claims added in bulk (a load into a graph that never held a claim, a workspace's
//! restore): their type, source and property indexes are built once the last of them is
//! in, from lists in claim order, instead of one ordered-set insertion per claim and index.
//! Degrees are counted again, from every claim, at the end too, and every entity's claim
//! lists laid out as arrays (`adjacency.rs`). The rest of `index_claim`
//! (claim ids, denied claims) is kept claim by claim, as the loader needs it. What a claim is indexed under is written once ([`ClaimIndexes::add`]),
//! for the graph's sets and a batch's lists alike.
//!
//! Invariant: from the first claim indexed into a batch ([`Graph::add_claim_batched`],
//! `Graph::restore_claim`) to [`Graph::finish_batch`] the type, source and property indexes
//! and the degrees lack the batch's claims; nothing may read them in between (the loader finishes its batch
//! after its last claim and when it is dropped; a restore in `finish_restore`).

use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasher, Hash};

use foldhash::fast::FixedState;

use super::{Graph, GraphError, Undo};
use crate::model::claim::{Claim, ClaimIx, EntityIx, SourceRef};
use crate::model::value::Value;
use crate::model::Sym;

/// The index entries of the claims of a batch, in the order they were added.
#[derive(Debug, Default)]
pub(crate) struct ClaimBatch(BatchLists);

/// A batch's lists, in claim order.
type BatchLists = ClaimIndexes<Vec<ClaimIx>, Vec<(i64, ClaimIx)>, FixedState>;

/// What claims are indexed under, with `C` (and `P`, for integer values) the entries under
/// one key: the graph's ordered sets, or a batch's lists in claim order.
#[derive(Debug, Default)]
pub(super) struct ClaimIndexes<C, P, S> {
    pub(super) by_type: HashMap<Sym, C, S>,
    /// Claims each source attests itself (not as a `VIA` hop).
    pub(super) by_source: HashMap<SourceRef, C, S>,
    /// Claims holding each property key: every claim on which `r.p <op> value` can hold.
    pub(super) by_prop: HashMap<Sym, C, S>,
    /// The integer values of each property key, with their claims, in value order: a
    /// comparison with an integer is a range of it (see [`Graph::int_prop_values`]).
    pub(super) by_int_prop: HashMap<Sym, P, S>,
}

impl Graph {
    /// [`Graph::add_claim`], with the claim's type, sources and properties kept in `batch`
    /// until [`Graph::finish_batch`].
    pub(crate) fn add_claim_batched(
        &mut self,
        subject: EntityIx,
        object: EntityIx,
        claim: Claim,
        batch: &mut ClaimBatch,
    ) -> Result<ClaimIx, GraphError> {
        let ix = self.insert_claim(subject, object, claim)?;
        self.index_claim(ix, Some(batch));
        Ok(ix)
    }

    /// Adds a claim's edge, unindexed, after checking its ends and its id.
    pub(super) fn insert_claim(
        &mut self,
        subject: EntityIx,
        object: EntityIx,
        claim: Claim,
    ) -> Result<ClaimIx, GraphError> {
        self.revision += 1;
        if self.graph.node_weight(subject).is_none() || self.graph.node_weight(object).is_none() {
            return Err(GraphError::NoSuchEntity);
        }
        if let Some(id) = claim.id {
            if self.claim_ids.contains_key(&id) {
                return Err(GraphError::DuplicateClaim(self.str(id).to_string()));
            }
        }
        let ix = self.graph.add_edge(subject, object, claim);
        self.claims_changed_at(subject, object);
        self.note_edge_slot(ix);
        self.record(Undo::ClaimAdded(ix));
        Ok(ix)
    }

    /// Puts the claims of `batch` into the type, source and property indexes, counts
    /// every claim's ends' degrees again and lays out every entity's claim lists as arrays. Placeholder claims of a restore must be gone by
    /// then: they would be counted.
    pub(crate) fn finish_batch(&mut self, batch: ClaimBatch) {
        let on_a_thread = batch.claims() >= INDEXES_ON_A_THREAD_FROM;
        self.finish_batch_with(batch, on_a_thread);
    }

    /// [`Graph::finish_batch`], with the type, source and property indexes built on a thread
    /// of their own while this one counts degrees and lays out the arrays, when
    /// `on_a_thread` (and a thread is to be had): the three read and write nothing of each
    /// other's, and after a large load this is the only thing running, on one core.
    fn finish_batch_with(&mut self, batch: ClaimBatch, on_a_thread: bool) {
        let mut indexed = std::mem::take(&mut self.indexed);
        let mut lists = Some(batch.0);
        std::thread::scope(|scope| {
            let merging = on_a_thread
                .then(|| {
                    let thread = std::thread::Builder::new().name("claimgraph-index".into());
                    thread.spawn_scoped(scope, || merge_all(&mut indexed, &mut lists)).ok()
                })
                .flatten();
            self.recount_degrees();
            self.adjacency = super::adjacency::Adjacency::build(self);
            if let Some(Err(panic)) = merging.map(|m| m.join()) {
                std::panic::resume_unwind(panic);
            }
        });
        // Here when no thread did it (or none was to be had).
        merge_all(&mut indexed, &mut lists);
        self.indexed = indexed;
    }
}

/// Claims in a batch from which [`Graph::finish_batch`] builds the claim indexes on a
/// thread of their own: a few milliseconds of work and more (a thread costs some tens of
/// microseconds to start).
const INDEXES_ON_A_THREAD_FROM: usize = 20_000;

/// The graph's claim indexes.
type GraphIndexes = ClaimIndexes<BTreeSet<ClaimIx>, BTreeSet<(i64, ClaimIx)>, std::hash::RandomState>;

/// Adds a batch's lists, if not taken yet, to the graph's indexes.
fn merge_all(to: &mut GraphIndexes, lists: &mut Option<BatchLists>) {
    if let Some(from) = lists.take() {
        merge(&mut to.by_type, from.by_type);
        merge(&mut to.by_source, from.by_source);
        merge(&mut to.by_prop, from.by_prop);
        merge(&mut to.by_int_prop, from.by_int_prop);
    }
}

impl ClaimBatch {
    /// Lists the claim under its type, sources and properties.
    pub(super) fn add(&mut self, claim: &Claim, ix: ClaimIx) {
        self.0.add(claim, ix);
    }

    /// How many claims are in the batch (each is listed under its type once).
    fn claims(&self) -> usize {
        self.0.by_type.values().map(Vec::len).sum()
    }
}

/// The entries under one key of a claim index: the graph's ordered set, or a batch's list
/// in claim order (a set once the batch is finished).
pub(super) trait Entries<T>: Default {
    fn add(&mut self, item: T);
}

impl<T: Ord> Entries<T> for BTreeSet<T> {
    fn add(&mut self, item: T) {
        self.insert(item);
    }
}

impl<T: PartialEq> Entries<T> for Vec<T> {
    /// A claim comes once under a key: its attestations may name one source twice, and the
    /// claims come in order, so a repeat is the last entry.
    fn add(&mut self, item: T) {
        if self.last() != Some(&item) {
            self.push(item);
        }
    }
}

impl<C, P, S> ClaimIndexes<C, P, S>
where
    C: Entries<ClaimIx>,
    P: Entries<(i64, ClaimIx)>,
    S: BuildHasher,
{
    /// Puts claim `ix` under its type, each of its sources, each property key and each
    /// integer value: the one description of what the claim indexes hold, whether they are
    /// the graph's sets ([`Graph::index_claim`]) or a batch's lists.
    pub(super) fn add(&mut self, claim: &Claim, ix: ClaimIx) {
        self.by_type.entry(claim.rel_type).or_default().add(ix);
        for a in &claim.attestations {
            self.by_source.entry(a.source).or_default().add(ix);
        }
        for (k, v) in &claim.props {
            self.by_prop.entry(*k).or_default().add(ix);
            if let Value::Int(i) = v {
                self.by_int_prop.entry(*k).or_default().add((*i, ix));
            }
        }
    }
}

/// Adds each list to its key's set: a set built from a whole list at once (sorted first,
/// which a list in claim order already is) rather than element by element.
fn merge<K: Hash + Eq, T: Ord>(sets: &mut HashMap<K, BTreeSet<T>>, lists: HashMap<K, Vec<T>, FixedState>) {
    for (key, list) in lists {
        let set = sets.entry(key).or_default();
        if set.is_empty() {
            *set = list.into_iter().collect();
        } else {
            set.extend(list);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Attestation, ClaimKind, Status};

    /// The graph's claim indexes, each entry as text, sorted (hash maps' orders differ).
    fn indexes(g: &Graph) -> Vec<String> {
        let i = &g.indexed;
        let mut out: Vec<String> = Vec::new();
        out.extend(i.by_type.iter().map(|(k, v)| format!("type {k:?} {v:?}")));
        out.extend(i.by_source.iter().map(|(k, v)| format!("source {k:?} {v:?}")));
        out.extend(i.by_prop.iter().map(|(k, v)| format!("prop {k:?} {v:?}")));
        out.extend(i.by_int_prop.iter().map(|(k, v)| format!("int {k:?} {v:?}")));
        out.sort();
        out
    }

    /// 3,000 claims among 50 entities, with three types, five sources and an integer
    /// property on every fourth: in a batch finished `on_a_thread` or not, or (`None`)
    /// each claim indexed as it is added.
    fn graph(batched: Option<bool>) -> Graph {
        let mut g = Graph::new();
        let ents: Vec<EntityIx> =
            (0..50).map(|i| g.add_entity(Some(&format!("e{i}")), Vec::new(), Vec::new()).unwrap()).collect();
        let mut batch = ClaimBatch::default();
        for i in 0..3000 {
            let rel_type = g.intern(["A", "B", "C"][i % 3]);
            let props = if i % 4 == 0 { vec![(g.intern("n"), Value::Int(i as i64 % 7))] } else { Vec::new() };
            let source = SourceRef::Entity(ents[i % 5]);
            let attestations = vec![Attestation::new(source, Status::Asserted)];
            let claim = Claim { id: None, rel_type, props, attestations, kind: ClaimKind::Stated };
            let (s, o) = (ents[i * 7 % 50], ents[i * 13 % 50]);
            match batched {
                Some(_) => g.add_claim_batched(s, o, claim, &mut batch).unwrap(),
                None => g.add_claim(s, o, claim).unwrap(),
            };
        }
        if let Some(on_a_thread) = batched {
            g.finish_batch_with(batch, on_a_thread);
        }
        g
    }

    #[test]
    fn a_batch_indexed_on_a_thread_is_indexed_as_claim_by_claim() {
        let one_by_one = graph(None);
        let want = indexes(&one_by_one);
        assert_eq!(want.len(), 3 + 5 + 1 + 1);
        for on_a_thread in [true, false] {
            let g = graph(Some(on_a_thread));
            assert_eq!(indexes(&g), want, "on a thread: {on_a_thread}");
            assert_eq!(g.degrees, one_by_one.degrees, "on a thread: {on_a_thread}");
            for e in g.entities() {
                for dir in [petgraph::Direction::Outgoing, petgraph::Direction::Incoming] {
                    assert!(g.adjacency.lists(e, dir).is_some(), "laid out as arrays");
                }
            }
        }
    }
}
