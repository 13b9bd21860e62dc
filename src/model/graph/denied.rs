//! The claims that carry a `DENIED` attestation (a source denying the very claim it is
//! quoted on): the contradiction check and `DENIALS` read them without walking every
//! claim. Kept by `index_claim` / `unindex_claim` (so by undo and rollback),
//! `update_claim`, and batched loads and restores (`index_claim` into a `ClaimBatch`).

use super::Graph;
use crate::model::claim::ClaimIx;
use crate::model::Status;

impl Graph {
    /// Claims with at least one `DENIED` attestation, in index order (the order a scan of
    /// every claim meets them in).
    pub fn claims_with_denied_attestations(&self) -> impl Iterator<Item = ClaimIx> + '_ {
        self.denied.iter().copied()
    }

    /// Adds the claim to the set if one of its attestations is `DENIED`.
    pub(super) fn index_denied(&mut self, ix: ClaimIx) {
        let denied = self
            .graph
            .edge_weight(ix)
            .is_some_and(|c| c.attestations.iter().any(|a| a.status == Status::Denied));
        if denied {
            self.denied.insert(ix);
        }
    }
}
