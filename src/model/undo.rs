//! Transactions on the in-memory graph: an undo log that [`Graph`]'s mutators fill while a
//! transaction is open, so a statement's changes are all kept or all undone, and the record
//! of what a statement touched, which tells a workspace what to write.
//!
//! Every mutator records the inverse of what it did before or after doing it: an added
//! entity or claim by its index, a removed one with its whole weight (and the denials its
//! removal pruned, with their positions), a changed one with its weight as it was before the
//! first change since the last savepoint. Rolling back replays the log backwards.
//!
//! Indexes are restored exactly: petgraph's `StableGraph` hands out the most recently freed
//! slot first, and undoing strictly in reverse order returns each freed slot to the head of
//! its free list before the removal that freed it is undone, so re-adding a removed entity
//! or claim lands on its old index. (Slots that an undone addition had appended stay vacant
//! at the tail of the free list.) [`Graph`]'s `add_node_at`/`add_edge_at` check the index
//! they get and walk the free list should it ever differ. What is not restored is the
//! order in which a node lists its claims: a restored claim comes first, as it would after
//! reopening a workspace; results without ORDER BY have no defined order.

use std::collections::{BTreeSet, HashSet};

use petgraph::visit::{EdgeIndexable, NodeIndexable};

use super::claim::{Claim, ClaimIx, ClaimKind, Denial, EntityIx};
use super::documents::{DeclSite, DocumentText};
use super::graph::{Entity, Graph};

/// One inverse operation.
#[derive(Debug)]
pub(crate) enum Undo {
    EntityAdded(EntityIx),
    EntityRemoved(EntityIx, Entity),
    /// The entity as it was before its first change since the last savepoint.
    EntityChanged(EntityIx, Entity),
    ClaimAdded(ClaimIx),
    ClaimRemoved {
        ix: ClaimIx,
        subject: EntityIx,
        object: EntityIx,
        claim: Claim,
        /// Denials of the claim that went with it: (position, key, denial), ascending.
        denials: Vec<(usize, u64, Denial)>,
    },
    ClaimChanged(ClaimIx, Claim),
    /// A document's text as it was before it was set or removed.
    TextSet(EntityIx, Option<DocumentText>),
    /// An entity's declaration site as it was before it was set or removed (not stored by
    /// a workspace, but a rolled-back declaration must not leave its site behind).
    SiteSet(EntityIx, Option<DeclSite>),
    /// A denial appended, by key.
    DenialAdded(u64),
    ConstraintAdded,
    ResolutionAdded,
}

/// The open transaction's log.
#[derive(Debug, Default)]
pub(crate) struct UndoLog {
    entries: Vec<Undo>,
    /// Entities and claims whose before-image since the last savepoint is recorded already.
    changed_entities: HashSet<EntityIx>,
    changed_claims: HashSet<ClaimIx>,
    /// Lengths of the constraint and resolution lists when the log was last taken.
    constraints_at: usize,
    resolutions_at: usize,
}

/// A point to roll back to (see [`Graph::savepoint`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Savepoint {
    len: usize,
    next_generated_id: u64,
}

/// What a transaction touched: the keys whose rows a workspace rewrites (or deletes, when
/// the entity, claim or denial is gone now). Entities and claims are keyed by index,
/// denials by their stable key, constraints and resolutions by position (they are only
/// ever appended).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub entities: BTreeSet<EntityIx>,
    pub claims: BTreeSet<ClaimIx>,
    pub denials: BTreeSet<u64>,
    pub constraints: std::ops::Range<usize>,
    pub resolutions: std::ops::Range<usize>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
            && self.claims.is_empty()
            && self.denials.is_empty()
            && self.constraints.is_empty()
            && self.resolutions.is_empty()
    }
}

/// What changed since a savepoint, as the contradiction engine needs to know it to
/// re-check only what a statement touched (`check::Tracked`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    /// Claims added, changed or removed: (claim, subject, object, relationship type), a
    /// removed claim with the ends and type it had.
    pub claims: Vec<(ClaimIx, EntityIx, EntityIx, super::Sym)>,
    /// Whether an entity that existed before changed (labels, properties, chains,
    /// institutions, text) or was removed: what findings anywhere may depend on.
    pub entities_changed: bool,
    /// Denials added, by key.
    pub denials: Vec<u64>,
    /// Positions of the constraints and resolutions added.
    pub constraints: std::ops::Range<usize>,
    pub resolutions: std::ops::Range<usize>,
}

impl Graph {
    /// Starts recording changes (a no-op when a transaction is open already).
    pub fn begin(&mut self) {
        if self.undo.is_none() {
            self.undo = Some(UndoLog {
                constraints_at: self.constraints().len(),
                resolutions_at: self.resolutions().len(),
                ..UndoLog::default()
            });
        }
    }

    pub fn in_transaction(&self) -> bool {
        self.undo.is_some()
    }

    /// Marks where a statement starts, to roll back to (opens a transaction if none is).
    pub fn savepoint(&mut self) -> Savepoint {
        self.begin();
        let log = self.undo.as_mut().expect("transaction open");
        log.changed_entities.clear();
        log.changed_claims.clear();
        Savepoint { len: log.entries.len(), next_generated_id: self.next_generated_id }
    }

    /// Where the open transaction's log stands, to ask later what changed since
    /// ([`Graph::touched_since`]); unlike [`Graph::savepoint`] it opens no transaction and
    /// changes nothing. `None` when no transaction is open.
    pub fn log_mark(&self) -> Option<Savepoint> {
        let log = self.undo.as_ref()?;
        Some(Savepoint { len: log.entries.len(), next_generated_id: self.next_generated_id })
    }

    /// What the transaction touched since it began or since [`Graph::clear_log`].
    pub fn pending_changes(&self) -> Changes {
        let (constraints_now, resolutions_now) = (self.constraints().len(), self.resolutions().len());
        let Some(log) = self.undo.as_ref() else { return Changes::default() };
        let mut changes = Changes {
            constraints: log.constraints_at..constraints_now,
            resolutions: log.resolutions_at..resolutions_now,
            ..Changes::default()
        };
        for e in &log.entries {
            match e {
                Undo::EntityAdded(ix)
                | Undo::EntityRemoved(ix, _)
                | Undo::EntityChanged(ix, _)
                | Undo::TextSet(ix, _) => {
                    changes.entities.insert(*ix);
                }
                Undo::ClaimAdded(ix) | Undo::ClaimChanged(ix, _) => {
                    changes.claims.insert(*ix);
                }
                Undo::ClaimRemoved { ix, denials, .. } => {
                    changes.claims.insert(*ix);
                    changes.denials.extend(denials.iter().map(|(_, key, _)| *key));
                }
                Undo::DenialAdded(key) => {
                    changes.denials.insert(*key);
                }
                Undo::SiteSet(..) | Undo::ConstraintAdded | Undo::ResolutionAdded => {}
            }
        }
        changes
    }

    /// Everything changed since `savepoint`, or `None` when no transaction records changes
    /// (or the log no longer reaches back to it).
    pub fn touched_since(&self, savepoint: Savepoint) -> Option<Touched> {
        let log = self.undo.as_ref()?;
        let entries = log.entries.get(savepoint.len..)?;
        let mut touched = Touched::default();
        let mut added: HashSet<EntityIx> = HashSet::new();
        let (mut constraints, mut resolutions) = (0, 0);
        for e in entries {
            match e {
                Undo::EntityAdded(ix) => {
                    added.insert(*ix);
                }
                Undo::EntityRemoved(..) | Undo::EntityChanged(..) => touched.entities_changed = true,
                Undo::TextSet(ix, _) => touched.entities_changed |= !added.contains(ix),
                Undo::ClaimAdded(ix) => {
                    // A claim added and removed again is listed by its removal.
                    if let (Some(c), Some((s, o))) = (self.claim(*ix), self.endpoints(*ix)) {
                        touched.claims.push((*ix, s, o, c.rel_type));
                    }
                }
                Undo::ClaimChanged(ix, before) => {
                    if let Some((s, o)) = self.endpoints(*ix) {
                        touched.claims.push((*ix, s, o, before.rel_type));
                    }
                }
                Undo::ClaimRemoved { ix, subject, object, claim, denials } => {
                    touched.claims.push((*ix, *subject, *object, claim.rel_type));
                    touched.denials.extend(denials.iter().map(|(_, key, _)| *key));
                }
                Undo::DenialAdded(key) => touched.denials.push(*key),
                Undo::ConstraintAdded => constraints += 1,
                Undo::ResolutionAdded => resolutions += 1,
                Undo::SiteSet(..) => {}
            }
        }
        let (c, r) = (self.constraints().len(), self.resolutions().len());
        touched.constraints = c.saturating_sub(constraints)..c;
        touched.resolutions = r.saturating_sub(resolutions)..r;
        Some(touched)
    }

    /// Whether anything changed since `savepoint`.
    pub fn changed_since(&self, savepoint: Savepoint) -> bool {
        self.undo.as_ref().is_some_and(|log| log.entries.len() > savepoint.len)
    }

    /// Keeps everything recorded so far (it was saved): the log empties, earlier savepoints
    /// can no longer be rolled back to, and recording goes on.
    pub fn clear_log(&mut self) {
        let (constraints_now, resolutions_now) = (self.constraints().len(), self.resolutions().len());
        if let Some(log) = self.undo.as_mut() {
            log.entries.clear();
            log.changed_entities.clear();
            log.changed_claims.clear();
            log.constraints_at = constraints_now;
            log.resolutions_at = resolutions_now;
        }
    }

    /// Stops recording; whatever was not taken is forgotten (kept in the graph).
    pub fn end_transaction(&mut self) {
        self.undo = None;
    }

    /// Undoes every change since `savepoint`, in reverse order. The revision moves on, so
    /// nothing derived in between is mistaken for current.
    pub fn rollback_to(&mut self, savepoint: Savepoint) {
        let Some(mut log) = self.undo.take() else { return };
        while log.entries.len() > savepoint.len {
            let Some(entry) = log.entries.pop() else { break };
            self.undo_one(entry);
        }
        log.changed_entities.clear();
        log.changed_claims.clear();
        self.undo = Some(log);
        self.next_generated_id = savepoint.next_generated_id;
        self.revision += 1;
    }

    pub(super) fn record(&mut self, entry: Undo) {
        if let Some(log) = self.undo.as_mut() {
            // Undoing an addition removes the whole thing: later changes need no record.
            match entry {
                Undo::EntityAdded(ix) => {
                    log.changed_entities.insert(ix);
                }
                Undo::ClaimAdded(ix) => {
                    log.changed_claims.insert(ix);
                }
                _ => {}
            }
            log.entries.push(entry);
        }
    }

    /// Records an entity's before-image unless one is recorded since the last savepoint.
    pub(super) fn record_entity_change(&mut self, ix: EntityIx) {
        let Some(log) = self.undo.as_mut() else { return };
        if !log.changed_entities.insert(ix) {
            return;
        }
        if let Some(e) = self.petgraph().node_weight(ix) {
            let before = e.clone();
            self.record(Undo::EntityChanged(ix, before));
        }
    }

    pub(super) fn record_claim_change(&mut self, ix: ClaimIx) {
        let Some(log) = self.undo.as_mut() else { return };
        if !log.changed_claims.insert(ix) {
            return;
        }
        if let Some(c) = self.petgraph().edge_weight(ix) {
            let before = c.clone();
            self.record(Undo::ClaimChanged(ix, before));
        }
    }

    fn undo_one(&mut self, entry: Undo) {
        match entry {
            Undo::EntityAdded(ix) => {
                self.unindex_entity(ix);
                self.graph_mut().remove_node(ix);
            }
            Undo::EntityRemoved(ix, entity) => {
                self.add_node_at(ix, entity);
                self.index_entity(ix);
            }
            Undo::EntityChanged(ix, before) => {
                self.unindex_entity(ix);
                if let Some(e) = self.graph_mut().node_weight_mut(ix) {
                    *e = before;
                }
                self.index_entity(ix);
            }
            Undo::ClaimAdded(ix) => {
                self.unindex_claim(ix);
                // A claim added by a batch is undone after the batch laid out the arrays
                // (a failed load rolls back after its loader finished the batch).
                if let Some((subject, object)) = self.petgraph().edge_endpoints(ix) {
                    self.claims_changed_at(subject, object);
                }
                self.graph_mut().remove_edge(ix);
            }
            Undo::ClaimRemoved { ix, subject, object, claim, denials } => {
                self.add_edge_at(ix, subject, object, claim);
                self.index_claim(ix, None);
                for (pos, key, d) in denials {
                    self.restore_denial(pos, key, d);
                }
            }
            Undo::ClaimChanged(ix, before) => {
                self.unindex_claim(ix);
                if let Some(c) = self.graph_mut().edge_weight_mut(ix) {
                    *c = before;
                }
                self.index_claim(ix, None);
            }
            Undo::TextSet(ix, before) => match before {
                Some(text) => {
                    self.texts.insert(ix, text);
                }
                None => {
                    self.texts.remove(&ix);
                }
            },
            Undo::SiteSet(ix, before) => match before {
                Some(site) => self.declared_at.set(ix, site),
                None => self.declared_at.remove(ix),
            },
            Undo::DenialAdded(key) => self.forget_denial(key),
            Undo::ConstraintAdded => self.pop_constraint(),
            Undo::ResolutionAdded => self.pop_resolution(),
        }
    }

    /// Puts `entity` back at `ix`, which must be vacant.
    fn add_node_at(&mut self, ix: EntityIx, entity: Entity) {
        let placeholder = || Entity {
            id: entity.id,
            labels: Vec::new(),
            props: Vec::new(),
            via: Vec::new(),
            speaks_for: Vec::new(),
        };
        let mut others = Vec::new();
        let bound = self.petgraph().node_bound();
        let g = self.graph_mut();
        loop {
            let got = g.add_node(placeholder());
            if got == ix {
                g[ix] = entity;
                break;
            }
            // An appended slot: `ix` was not free after all. Keep the entity rather than lose it.
            if got.index() >= bound {
                debug_assert!(false, "slot {} was not free", ix.index());
                g[got] = entity;
                break;
            }
            others.push(got);
        }
        for o in others.into_iter().rev() {
            g.remove_node(o);
        }
    }

    /// Puts `claim` back at `ix` between `subject` and `object`; `ix` must be vacant.
    fn add_edge_at(&mut self, ix: ClaimIx, subject: EntityIx, object: EntityIx, claim: Claim) {
        let placeholder = || Claim {
            id: None,
            rel_type: claim.rel_type,
            props: Vec::new(),
            attestations: Vec::new(),
            kind: ClaimKind::ChainLink,
        };
        let mut others = Vec::new();
        let bound = self.petgraph().edge_bound();
        // No need to mark the ends as changed (`Graph::claims_changed_at`): removing the
        // claim did, and the marks stay until a batch, which a graph that held a claim
        // never has.
        let g = self.graph_mut();
        loop {
            let got = g.add_edge(subject, object, placeholder());
            if got == ix {
                g[ix] = claim;
                break;
            }
            if got.index() >= bound {
                debug_assert!(false, "slot {} was not free", ix.index());
                g[got] = claim;
                break;
            }
            others.push(got);
        }
        for o in others.into_iter().rev() {
            g.remove_edge(o);
        }
        self.note_edge_slot(ix);
    }
}
