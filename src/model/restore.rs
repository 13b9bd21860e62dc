//! Building a graph from stored rows (a workspace): every entity and claim goes back to the
//! index it had, with vacant slots where rows were deleted, so that everything referring to
//! an index (chains, attestations, denials, resolutions, the rows' own keys) still holds.

use petgraph::visit::{EdgeIndexable, NodeIndexable};

use super::claim::{Claim, ClaimIx, ClaimKind, Denial, EntityIx};
use super::graph::{ClaimBatch, Entity, Graph};

/// A restore in progress: placeholders standing in vacant slots until
/// [`Graph::finish_restore`] frees them, and the claim indexes it builds in bulk.
#[derive(Debug, Default)]
pub struct RestoreHoles {
    nodes: Vec<EntityIx>,
    edges: Vec<ClaimIx>,
    claims: ClaimBatch,
}

impl Graph {
    /// Makes room for `entities` and `claims` before restoring into an empty graph.
    pub fn reserve_for_restore(&mut self, entities: usize, claims: usize) {
        self.reserve_empty(entities, claims);
    }

    /// Adds `entity` at `index`, which must be past every index restored so far.
    pub fn restore_entity(
        &mut self,
        index: usize,
        entity: Entity,
        holes: &mut RestoreHoles,
    ) -> Result<EntityIx, String> {
        let bound = self.petgraph().node_bound();
        if index < bound {
            return Err(format!("entity key {index} is out of order"));
        }
        for _ in bound..index {
            let placeholder = Entity {
                id: entity.id,
                labels: Vec::new(),
                props: Vec::new(),
                via: Vec::new(),
                speaks_for: Vec::new(),
            };
            holes.nodes.push(self.graph_mut().add_node(placeholder));
        }
        let ix = self.graph_mut().add_node(entity);
        self.index_entity(ix);
        self.revision += 1;
        Ok(ix)
    }

    /// Adds `claim` at `index` between two restored entities.
    pub fn restore_claim(
        &mut self,
        index: usize,
        subject: EntityIx,
        object: EntityIx,
        claim: Claim,
        holes: &mut RestoreHoles,
    ) -> Result<ClaimIx, String> {
        let bound = self.petgraph().edge_bound();
        if index < bound {
            return Err(format!("claim key {index} is out of order"));
        }
        let live = |g: &Graph, e: EntityIx| g.entity(e).is_some() && holes.nodes.binary_search(&e).is_err();
        if !live(self, subject) || !live(self, object) {
            return Err(format!("claim {index} joins entities that do not exist"));
        }
        for _ in bound..index {
            let placeholder = Claim {
                id: None,
                rel_type: claim.rel_type,
                props: Vec::new(),
                attestations: Vec::new(),
                kind: ClaimKind::ChainLink,
            };
            holes.edges.push(self.graph_mut().add_edge(subject, object, placeholder));
        }
        let ix = self.graph_mut().add_edge(subject, object, claim);
        self.index_claim(ix, Some(&mut holes.claims));
        self.revision += 1;
        Ok(ix)
    }

    /// Appends a stored denial with its key.
    pub fn restore_denial_row(&mut self, key: u64, denial: Denial) {
        let at = self.denials().len();
        self.restore_denial(at, key, denial);
        self.next_denial_key = self.next_denial_key.max(key + 1);
        self.revision += 1;
    }

    /// Frees the placeholders: their slots become vacant, as they were when written.
    pub fn finish_restore(&mut self, holes: RestoreHoles) {
        for e in holes.edges.into_iter().rev() {
            self.graph_mut().remove_edge(e);
        }
        // After the placeholder claims are gone: it counts degrees from the claims there are.
        self.finish_batch(holes.claims);
        for n in holes.nodes.into_iter().rev() {
            self.graph_mut().remove_node(n);
        }
    }
}
