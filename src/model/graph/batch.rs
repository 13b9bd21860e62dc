//! Claims added in bulk (a load into a graph that never held a claim): their type, source
//! and property indexes are built once the last of them is in, from lists in claim order,
//! instead of one ordered-set insertion per claim and index. The rest of `index_claim`
//! (claim ids, denied claims, degrees) is kept claim by claim, as the loader needs it.
//!
//! Invariant: from [`Graph::add_claim_batched`] to [`Graph::finish_batch`] the type,
//! source and property indexes lack the batch's claims; nothing may read them in between
//! (the loader finishes its batch after its last claim, and when it is dropped).

use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;

use foldhash::fast::FixedState;

use super::{Graph, GraphError, Undo};
use crate::model::claim::{Claim, ClaimIx, EntityIx, SourceRef};
use crate::model::value::Value;
use crate::model::Sym;

/// The index entries of the claims of a batch, in the order they were added.
#[derive(Debug, Default)]
pub(crate) struct ClaimBatch {
    by_type: HashMap<Sym, Vec<ClaimIx>, FixedState>,
    by_source: HashMap<SourceRef, Vec<ClaimIx>, FixedState>,
    by_prop: HashMap<Sym, Vec<ClaimIx>, FixedState>,
    by_int_prop: HashMap<Sym, Vec<(i64, ClaimIx)>, FixedState>,
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
        let Some(claim) = self.graph.edge_weight(ix) else { return Ok(ix) };
        for a in &claim.attestations {
            let list = batch.by_source.entry(a.source).or_default();
            if list.last() != Some(&ix) {
                list.push(ix);
            }
        }
        if let Some(id) = claim.id {
            self.claim_ids.insert(id, ix);
        }
        batch.by_type.entry(claim.rel_type).or_default().push(ix);
        for (k, v) in &claim.props {
            batch.by_prop.entry(*k).or_default().push(ix);
            if let Value::Int(i) = v {
                batch.by_int_prop.entry(*k).or_default().push((*i, ix));
            }
        }
        self.index_denied(ix);
        self.count_degree(ix, true);
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
        self.record(Undo::ClaimAdded(ix));
        Ok(ix)
    }

    /// Puts the claims of `batch` into the type, source and property indexes.
    pub(crate) fn finish_batch(&mut self, batch: ClaimBatch) {
        merge(&mut self.by_type, batch.by_type);
        merge(&mut self.by_source, batch.by_source);
        merge(&mut self.by_prop, batch.by_prop);
        merge(&mut self.by_int_prop, batch.by_int_prop);
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
