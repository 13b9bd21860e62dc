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
pub(crate) struct ClaimBatch(ClaimIndexes<Vec<ClaimIx>, Vec<(i64, ClaimIx)>, FixedState>);

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
        let (to, from) = (&mut self.indexed, batch.0);
        merge(&mut to.by_type, from.by_type);
        merge(&mut to.by_source, from.by_source);
        merge(&mut to.by_prop, from.by_prop);
        merge(&mut to.by_int_prop, from.by_int_prop);
        self.recount_degrees();
        self.adjacency = super::adjacency::Adjacency::build(self);
    }
}

impl ClaimBatch {
    /// Lists the claim under its type, sources and properties.
    pub(super) fn add(&mut self, claim: &Claim, ix: ClaimIx) {
        self.0.add(claim, ix);
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
