//! The graph: entities as petgraph nodes, claims as petgraph edges, plus the indexes that
//! queries and checks rely on (by id, by name or alias, by label, by relationship type, by
//! attesting source).
//!
//! Invariant: every index agrees with the petgraph storage. All mutation goes through
//! [`Graph`]'s methods, which update the indexes; readers may walk [`Graph::petgraph`].

use std::collections::{BTreeSet, HashMap};

use lasso::{Key, Rodeo};
use petgraph::stable_graph::StableDiGraph;
use petgraph::visit::{EdgeIndexable, EdgeRef, NodeIndexable};
use petgraph::Direction;

use super::claim::{Claim, ClaimIx, ClaimKind, Constraint, Denial, EntityIx, Props, SourceRef};
use super::documents::{DeclSite, DeclaredAt, DocumentText};
use super::resolution::Resolution;
use super::undo::Undo;
use super::value::Value;
use super::Sym;

mod adjacency;
mod batch;
mod canonical;
mod denied;

pub(crate) use batch::ClaimBatch;
use batch::ClaimIndexes;

/// A node: an actor, place, event, source or document.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// The stable id (`wagner`); generated (`_n12`) for nodes created without one.
    pub id: Sym,
    pub labels: Vec<Sym>,
    pub props: Props,
    /// A source's default attribution chain, nearest relay first.
    pub via: Vec<EntityIx>,
    /// The institutions this entity speaks for (`SPEAKS FOR`): a spokeswoman for her
    /// ministry, a ministry for its government. See [`Graph::institutions`].
    pub speaks_for: Vec<EntityIx>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error("an entity with id '{0}' already exists")]
    DuplicateEntity(String),
    #[error("a claim with id '{0}' already exists")]
    DuplicateClaim(String),
    #[error("entity '{0}' still has relationships; delete them first or use DETACH DELETE")]
    StillConnected(String),
    #[error("no such entity")]
    NoSuchEntity,
    #[error("no such claim")]
    NoSuchClaim,
}

/// How many claims an entity has: leaving it, entering it, and from it to itself (a
/// self-loop counts in all three). Kept with the claims, so counting relationships around
/// every entity reads one small array instead of every claim.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Degree {
    pub out: u32,
    pub inc: u32,
    pub loops: u32,
}

/// The string interner. Interning hashes short ids millions of times while loading, where
/// SipHash's DoS resistance buys nothing: foldhash's fast, fixed-seed hasher instead.
#[derive(Debug)]
struct Strings(Rodeo<Sym, foldhash::fast::FixedState>);

impl Default for Strings {
    fn default() -> Self {
        Strings(Rodeo::with_hasher(foldhash::fast::FixedState::default()))
    }
}

/// Entities by id: symbols are dense small integers, so a vector indexed by symbol.
#[derive(Debug, Default)]
struct IdIndex(Vec<Option<EntityIx>>);

impl IdIndex {
    fn get(&self, id: Sym) -> Option<EntityIx> {
        self.0.get(id.into_usize()).copied().flatten()
    }

    fn insert(&mut self, id: Sym, ix: EntityIx) {
        let i = id.into_usize();
        if self.0.len() <= i {
            self.0.resize(i + 1, None);
        }
        self.0[i] = Some(ix);
    }

    fn remove(&mut self, id: Sym) {
        if let Some(slot) = self.0.get_mut(id.into_usize()) {
            *slot = None;
        }
    }
}

/// An entity's display name and aliases as written (the name index keeps them lower-cased).
fn entity_names<'a>(strings: &'a Strings, e: &'a Entity) -> impl Iterator<Item = &'a str> {
    e.props.iter().flat_map(|(k, v)| {
        let (one, many) = match (strings.0.resolve(k), v) {
            ("name", Value::String(s)) => (Some(s.as_str()), None),
            ("aliases", Value::List(items)) => (None, Some(items.iter().filter_map(Value::as_str))),
            _ => (None, None),
        };
        one.into_iter().chain(many.into_iter().flatten())
    })
}

/// The whole knowledge graph.
#[derive(Debug, Default)]
pub struct Graph {
    strings: Strings,
    graph: StableDiGraph<Entity, Claim>,
    by_id: IdIndex,
    /// Lower-cased display names and aliases. Hashed with foldhash, seeded per process:
    /// SipHash was ~1% of a large load, and a random seed keeps names chosen to collide
    /// from degrading the table.
    by_name: HashMap<String, Vec<EntityIx>, foldhash::fast::RandomState>,
    by_label: HashMap<Sym, BTreeSet<EntityIx>>,
    /// Claims by type, source, property key and integer value, as ordered sets.
    indexed: ClaimIndexes<BTreeSet<ClaimIx>, BTreeSet<(i64, ClaimIx)>, std::hash::RandomState>,
    claim_ids: HashMap<Sym, ClaimIx>,
    /// Claims with a `DENIED` attestation (see `graph/denied.rs`).
    denied: BTreeSet<ClaimIx>,
    /// Each entity's claims counted by direction, by entity index (see [`Degree`]).
    degrees: Vec<Degree>,
    /// Each entity's claim lists as arrays, as of the last batch (see `graph/adjacency.rs`).
    adjacency: adjacency::Adjacency,
    /// Whether a claim ever went into a freed slot rather than at the end: until one does,
    /// every petgraph list holds its claims newest first by index, which is what laying
    /// out the arrays counts on (see `graph/adjacency.rs`).
    edge_slot_reused: bool,
    denials: Vec<Denial>,
    /// A stable key per denial, parallel to `denials` and ascending (see `undo.rs`).
    pub(super) denial_keys: Vec<u64>,
    pub(super) next_denial_key: u64,
    constraints: Vec<Constraint>,
    /// Verdicts on contradiction findings (see `resolution.rs`).
    resolutions: Vec<Resolution>,
    /// Documents' text files as loaded (see `documents.rs`).
    pub(super) texts: HashMap<EntityIx, DocumentText>,
    /// Where entities were declared, for error messages (see `documents.rs`).
    pub(super) declared_at: DeclaredAt,
    /// How many entities have a `speaks_for` list, so deleting an entity scans them only
    /// when there are any. Kept by `index_entity` and `unindex_entity`, so undo and
    /// restore keep it too.
    speakers: usize,
    pub(super) next_generated_id: u64,
    /// Bumped by every change (see [`Graph::revision`]).
    pub(super) revision: u64,
    /// What the open transaction changed, for rollback and for the workspace (`undo.rs`).
    pub(super) undo: Option<super::undo::UndoLog>,
}

impl Graph {
    pub fn new() -> Self {
        Self::default()
    }

    // ---- strings -----------------------------------------------------------------------

    /// A number that changes whenever the graph does: what was derived from the graph at one
    /// revision (the contested claims of a session, say) is still true at the same revision.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    pub fn intern(&mut self, s: &str) -> Sym {
        self.strings.0.get_or_intern(s)
    }

    /// The symbol of a string if it was ever interned (so nothing can match it otherwise).
    pub fn sym(&self, s: &str) -> Option<Sym> {
        self.strings.0.get(s)
    }

    pub fn str(&self, sym: Sym) -> &str {
        self.strings.0.resolve(&sym)
    }

    // ---- entities ----------------------------------------------------------------------

    /// Adds an entity; `id: None` generates one.
    pub fn add_entity(
        &mut self,
        id: Option<&str>,
        labels: Vec<Sym>,
        props: Props,
    ) -> Result<EntityIx, GraphError> {
        self.revision += 1;
        let id = match id {
            Some(id) => {
                let sym = self.intern(id);
                if self.by_id.get(sym).is_some() {
                    return Err(GraphError::DuplicateEntity(id.to_string()));
                }
                sym
            }
            None => self.generate_id(),
        };
        let mut unique_labels: Vec<Sym> = Vec::with_capacity(labels.len());
        for l in labels {
            if !unique_labels.contains(&l) {
                unique_labels.push(l);
            }
        }
        let ix = self.graph.add_node(Entity {
            id,
            labels: unique_labels,
            props,
            via: Vec::new(),
            speaks_for: Vec::new(),
        });
        self.index_entity(ix);
        self.record(Undo::EntityAdded(ix));
        Ok(ix)
    }

    /// Adds an entity's id, labels and names to the indexes (and counts it among the
    /// speakers when it speaks for anyone).
    pub(super) fn index_entity(&mut self, ix: EntityIx) {
        let Some(entity) = self.graph.node_weight(ix) else { return };
        self.by_id.insert(entity.id, ix);
        if !entity.speaks_for.is_empty() {
            self.speakers += 1;
        }
        for l in &entity.labels {
            self.by_label.entry(*l).or_default().insert(ix);
        }
        self.index_names(ix);
    }

    /// Removes an entity's id, labels and names from the indexes (and from the count of
    /// speakers).
    pub(super) fn unindex_entity(&mut self, ix: EntityIx) {
        self.unindex_names(ix);
        let Some(entity) = self.graph.node_weight(ix) else { return };
        let (id, labels) = (entity.id, entity.labels.clone());
        if !entity.speaks_for.is_empty() {
            self.speakers -= 1;
        }
        self.by_id.remove(id);
        for l in &labels {
            if let Some(set) = self.by_label.get_mut(l) {
                set.remove(&ix);
            }
        }
    }

    fn generate_id(&mut self) -> Sym {
        loop {
            self.next_generated_id += 1;
            let candidate = format!("_n{}", self.next_generated_id);
            if self.sym(&candidate).is_none_or(|s| self.by_id.get(s).is_none()) {
                return self.intern(&candidate);
            }
        }
    }

    fn names_of(&self, ix: EntityIx) -> Vec<String> {
        let Some(e) = self.graph.node_weight(ix) else { return Vec::new() };
        entity_names(&self.strings, e).map(str::to_lowercase).collect()
    }

    fn index_names(&mut self, ix: EntityIx) {
        let Some(e) = self.graph.node_weight(ix) else { return };
        // Read in place (every entity of a load comes here), not collected by `names_of`.
        for name in entity_names(&self.strings, e) {
            // Kept in index order, so the order does not depend on the history of edits
            // (a rolled-back removal or a reopened workspace gives the same lists).
            let list = self.by_name.entry(name.to_lowercase()).or_default();
            if let Err(at) = list.binary_search(&ix) {
                list.insert(at, ix);
            }
        }
    }

    fn unindex_names(&mut self, ix: EntityIx) {
        for name in self.names_of(ix) {
            if let Some(list) = self.by_name.get_mut(&name) {
                list.retain(|x| *x != ix);
                if list.is_empty() {
                    self.by_name.remove(&name);
                }
            }
        }
    }

    /// Asks for the memory of an entity's node, which adding a claim at it reads and
    /// writes (its weight, and its links to its first claims): `Loader::read_ahead` asks
    /// a few claims early, as each is a cache miss at a million claims. Only a hint.
    pub(crate) fn prefetch_entity(&self, ix: EntityIx) {
        if let Some((at, len)) = self.node_place(ix) {
            crate::alloc::prefetch_at(at);
            crate::alloc::prefetch_at(at.wrapping_add(len - 1));
        }
    }

    /// Where entity `ix`'s node would be, and how long a node is, found without reading
    /// it (a read would hold the processor up until it arrived): petgraph keeps nodes in
    /// one vector, so from where the first two are. `None` with fewer than two nodes or
    /// the first two vacant.
    fn node_place(&self, ix: EntityIx) -> Option<(*const u8, usize)> {
        let at =
            |i: usize| self.graph.node_weight(EntityIx::new(i)).map(|e| std::ptr::from_ref(e).cast::<u8>());
        let (first, second) = (at(0)?, at(1)?);
        let len = second.addr().checked_sub(first.addr()).filter(|&len| len > 0)?;
        Some((first.wrapping_add(len.wrapping_mul(ix.index())), len))
    }

    pub fn entity(&self, ix: EntityIx) -> Option<&Entity> {
        self.graph.node_weight(ix)
    }

    pub fn entity_count(&self) -> usize {
        self.graph.node_count()
    }

    /// Entities in index order (the order they were added, gaps left by deletions skipped).
    pub fn entities(&self) -> impl Iterator<Item = EntityIx> + '_ {
        self.graph.node_indices()
    }

    pub fn find_entity(&self, id: &str) -> Option<EntityIx> {
        self.by_id.get(self.sym(id)?)
    }

    /// Entities whose display name or one of whose aliases is `name` (case-insensitive).
    pub fn find_by_name(&self, name: &str) -> &[EntityIx] {
        self.by_name.get(&name.to_lowercase()).map_or(&[], Vec::as_slice)
    }

    /// All entity ids, for suggestions and completion.
    pub fn entity_ids(&self) -> impl Iterator<Item = &str> + '_ {
        self.graph.node_weights().map(|e| self.str(e.id))
    }

    pub fn entities_with_label(&self, label: Sym) -> impl Iterator<Item = EntityIx> + '_ {
        self.by_label.get(&label).into_iter().flatten().copied()
    }

    pub fn label_count(&self, label: Sym) -> usize {
        self.by_label.get(&label).map_or(0, BTreeSet::len)
    }

    /// Labels in use, with how many entities carry each.
    pub fn labels(&self) -> impl Iterator<Item = (Sym, usize)> + '_ {
        self.by_label.iter().filter(|(_, s)| !s.is_empty()).map(|(l, s)| (*l, s.len()))
    }

    pub fn has_label(&self, ix: EntityIx, label: Sym) -> bool {
        self.entity(ix).is_some_and(|e| e.labels.contains(&label))
    }

    pub fn entity_prop(&self, ix: EntityIx, key: Sym) -> Option<&Value> {
        self.entity(ix)?.props.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// The display name: the `name` property when it is a string, else the id.
    pub fn display_name(&self, ix: EntityIx) -> &str {
        let Some(e) = self.entity(ix) else { return "" };
        e.props
            .iter()
            .find_map(|(k, v)| (self.str(*k) == "name").then(|| v.as_str()).flatten())
            .unwrap_or_else(|| self.str(e.id))
    }

    pub fn entity_id(&self, ix: EntityIx) -> &str {
        self.entity(ix).map_or("", |e| self.str(e.id))
    }

    /// Sets a property (`Value::Null` removes it). Returns whether anything changed.
    pub fn set_entity_prop(&mut self, ix: EntityIx, key: Sym, value: Value) -> Result<bool, GraphError> {
        self.revision += 1;
        if self.graph.node_weight(ix).is_none() {
            return Err(GraphError::NoSuchEntity);
        }
        self.record_entity_change(ix);
        let indexes_names = matches!(self.str(key), "name" | "aliases");
        if indexes_names {
            self.unindex_names(ix);
        }
        let changed = set_prop(&mut self.graph[ix].props, key, value);
        if indexes_names {
            self.index_names(ix);
        }
        Ok(changed)
    }

    pub fn add_label(&mut self, ix: EntityIx, label: Sym) -> Result<bool, GraphError> {
        self.revision += 1;
        let e = self.graph.node_weight(ix).ok_or(GraphError::NoSuchEntity)?;
        if e.labels.contains(&label) {
            return Ok(false);
        }
        self.record_entity_change(ix);
        self.graph[ix].labels.push(label);
        self.by_label.entry(label).or_default().insert(ix);
        Ok(true)
    }

    pub fn remove_label(&mut self, ix: EntityIx, label: Sym) -> Result<bool, GraphError> {
        self.revision += 1;
        let e = self.graph.node_weight(ix).ok_or(GraphError::NoSuchEntity)?;
        if !e.labels.contains(&label) {
            return Ok(false);
        }
        self.record_entity_change(ix);
        self.graph[ix].labels.retain(|l| *l != label);
        if let Some(set) = self.by_label.get_mut(&label) {
            set.remove(&ix);
        }
        Ok(true)
    }

    pub fn set_via(&mut self, ix: EntityIx, via: Vec<EntityIx>) -> Result<(), GraphError> {
        self.revision += 1;
        if self.graph.node_weight(ix).is_none() {
            return Err(GraphError::NoSuchEntity);
        }
        self.record_entity_change(ix);
        self.graph[ix].via = via;
        Ok(())
    }

    /// Adds institutions an entity speaks for (`SPEAKS FOR`). An entity cannot speak for
    /// itself; institutions already listed are kept once.
    pub fn add_speaks_for(&mut self, ix: EntityIx, institutions: &[EntityIx]) -> Result<(), GraphError> {
        self.revision += 1;
        if institutions.iter().any(|i| self.graph.node_weight(*i).is_none()) {
            return Err(GraphError::NoSuchEntity);
        }
        let e = self.graph.node_weight(ix).ok_or(GraphError::NoSuchEntity)?;
        if institutions.iter().all(|i| *i == ix || e.speaks_for.contains(i)) {
            return Ok(());
        }
        self.record_entity_change(ix);
        let e = &mut self.graph[ix];
        let had = !e.speaks_for.is_empty();
        for i in institutions {
            if *i != ix && !e.speaks_for.contains(i) {
                e.speaks_for.push(*i);
            }
        }
        if !had {
            self.speakers += 1;
        }
        Ok(())
    }

    /// The institutions an entity's words count for: the ends of its `SPEAKS FOR` chains
    /// (Zakharova → Foreign Ministry → Russian government gives the government), or the
    /// entity itself when it speaks for nobody. Cycles are cut where they close.
    pub fn institutions(&self, ix: EntityIx) -> Vec<EntityIx> {
        let mut out = Vec::new();
        let mut seen = vec![ix];
        let mut stack = vec![ix];
        while let Some(e) = stack.pop() {
            let up = self.entity(e).map_or(&[][..], |x| x.speaks_for.as_slice());
            if up.is_empty() {
                out.push(e);
            }
            for i in up {
                if !seen.contains(i) {
                    seen.push(*i);
                    stack.push(*i);
                }
            }
        }
        if out.is_empty() {
            // Only cycles above it: one institution, named by its first member.
            out.extend(seen.iter().min());
        }
        out.sort();
        out
    }

    // ---- documents' texts and declaration sites (types in `documents.rs`) ---------------

    /// Records where an entity was declared. (Not data: a workspace does not keep it. A
    /// transaction's log does, so a rolled-back declaration leaves no site behind.)
    pub fn set_declared_at(&mut self, ix: EntityIx, site: DeclSite) {
        let before = self.declared_at.get(ix);
        self.declared_at.set(ix, site);
        self.record(Undo::SiteSet(ix, before));
    }

    /// Where an entity was declared, if it was declared from a file or the shell.
    pub fn declared_at(&self, ix: EntityIx) -> Option<DeclSite> {
        self.declared_at.get(ix)
    }

    /// Records a document's text file.
    pub fn set_document_text(&mut self, ix: EntityIx, text: DocumentText) {
        self.revision += 1;
        let before = self.texts.insert(ix, text);
        self.record(Undo::TextSet(ix, before));
    }

    pub fn document_text(&self, ix: EntityIx) -> Option<&DocumentText> {
        self.texts.get(&ix)
    }

    /// Whether a quote in this document (if any) was checked against the document's text:
    /// false for a quote without a document, or in a document without a readable text.
    pub fn quote_verified(&self, document: Option<EntityIx>) -> bool {
        document.and_then(|d| self.texts.get(&d)).is_some_and(|t| t.verified)
    }

    /// Removes an entity; with `detach`, its claims go too, else it must have none.
    /// Returns the number of claims removed.
    pub fn remove_entity(&mut self, ix: EntityIx, detach: bool) -> Result<usize, GraphError> {
        self.revision += 1;
        let Some(e) = self.graph.node_weight(ix) else { return Err(GraphError::NoSuchEntity) };
        let edges: Vec<ClaimIx> = self
            .graph
            .edges_directed(ix, Direction::Outgoing)
            .chain(self.graph.edges_directed(ix, Direction::Incoming))
            .map(|e| e.id())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if !edges.is_empty() && !detach {
            return Err(GraphError::StillConnected(self.str(e.id).to_string()));
        }
        for c in &edges {
            self.remove_claim(*c)?;
        }
        if self.speakers > 0 {
            // Petgraph reuses freed indexes: no list may keep pointing at this one.
            let speakers: Vec<EntityIx> = self
                .graph
                .node_indices()
                .filter(|n| *n != ix && self.graph[*n].speaks_for.contains(&ix))
                .collect();
            for n in speakers {
                self.record_entity_change(n);
                let e = &mut self.graph[n];
                e.speaks_for.retain(|i| *i != ix);
                if e.speaks_for.is_empty() {
                    self.speakers -= 1;
                }
            }
        }
        self.unindex_entity(ix);
        if let Some(text) = self.texts.remove(&ix) {
            self.record(Undo::TextSet(ix, Some(text)));
        }
        if let Some(site) = self.declared_at.get(ix) {
            self.declared_at.remove(ix);
            self.record(Undo::SiteSet(ix, Some(site)));
        }
        let e = self.graph.remove_node(ix).ok_or(GraphError::NoSuchEntity)?;
        self.record(Undo::EntityRemoved(ix, e));
        Ok(edges.len())
    }

    // ---- claims ------------------------------------------------------------------------

    pub fn add_claim(
        &mut self,
        subject: EntityIx,
        object: EntityIx,
        claim: Claim,
    ) -> Result<ClaimIx, GraphError> {
        let ix = self.insert_claim(subject, object, claim)?;
        self.index_claim(ix, None);
        Ok(ix)
    }

    /// Adds a claim to the indexes: its type, sources and properties to the graph's sets,
    /// or to `batch`'s lists until [`Graph::finish_batch`] builds the sets from them; its
    /// id and `DENIED` attestations at once (loads and restores read them). Its ends'
    /// degrees are counted at once too, or for a batch by [`Graph::finish_batch`].
    pub(super) fn index_claim(&mut self, ix: ClaimIx, batch: Option<&mut ClaimBatch>) {
        let Some(claim) = self.graph.edge_weight(ix) else { return };
        let batched = batch.is_some();
        match batch {
            None => self.indexed.add(claim, ix),
            Some(b) => b.add(claim, ix),
        }
        if let Some(id) = claim.id {
            self.claim_ids.insert(id, ix);
        }
        self.index_denied(ix);
        if !batched {
            self.count_degree(ix, true);
        }
    }

    /// Every entity's degrees counted again from the claims there are, in one pass over
    /// them. Claims of a batch are counted here rather than as each comes in: on a large
    /// load, two degrees read and written per claim among everything else the loader
    /// touches were two cache misses a claim (8% of a 1M load's samples); a pass that
    /// does nothing else overlaps the misses.
    fn recount_degrees(&mut self) {
        let mut degrees = vec![Degree::default(); NodeIndexable::node_bound(&self.graph)];
        for e in petgraph::visit::IntoEdgeReferences::edge_references(&self.graph) {
            let (s, o) = (e.source().index(), e.target().index());
            degrees[s].out += 1;
            degrees[o].inc += 1;
            if s == o {
                degrees[s].loops += 1;
            }
        }
        self.degrees = degrees;
    }

    /// Adds (or, with `add` false, takes away) a claim from its ends' degrees.
    fn count_degree(&mut self, ix: ClaimIx, add: bool) {
        let Some((s, o)) = self.graph.edge_endpoints(ix) else { return };
        let need = s.index().max(o.index()) + 1;
        if self.degrees.len() < need {
            self.degrees.resize(need, Degree::default());
        }
        let step = |n: &mut u32| *n = if add { *n + 1 } else { n.saturating_sub(1) };
        step(&mut self.degrees[s.index()].out);
        step(&mut self.degrees[o.index()].inc);
        if s == o {
            step(&mut self.degrees[s.index()].loops);
        }
    }

    /// Moves a claim between the property-key sets and the integer values, from the keys
    /// and integers it had (`before`, as [`int_props`] gives them) to those it has.
    fn reindex_props(&mut self, ix: ClaimIx, before: &[(Sym, Option<i64>)]) {
        let Some(claim) = self.graph.edge_weight(ix) else { return };
        let after = int_props(&claim.props);
        let has = |list: &[(Sym, Option<i64>)], k: &Sym| list.iter().any(|(x, _)| x == k);
        for (k, _) in before.iter().filter(|(k, _)| !has(&after, k)) {
            if let Some(set) = self.indexed.by_prop.get_mut(k) {
                set.remove(&ix);
            }
        }
        for (k, _) in after.iter().filter(|(k, _)| !has(before, k)) {
            self.indexed.by_prop.entry(*k).or_default().insert(ix);
        }
        for (k, i) in before.iter().filter(|p| !after.contains(p)) {
            if let (Some(i), Some(set)) = (i, self.indexed.by_int_prop.get_mut(k)) {
                set.remove(&(*i, ix));
            }
        }
        for (k, i) in after.iter().filter(|p| !before.contains(p)) {
            if let Some(i) = i {
                self.indexed.by_int_prop.entry(*k).or_default().insert((*i, ix));
            }
        }
    }

    /// Removes a claim's sources, id and type from the indexes.
    pub(super) fn unindex_claim(&mut self, ix: ClaimIx) {
        let Some(c) = self.graph.edge_weight(ix) else { return };
        for a in &c.attestations {
            if let Some(set) = self.indexed.by_source.get_mut(&a.source) {
                set.remove(&ix);
            }
        }
        if let Some(id) = c.id {
            if self.claim_ids.get(&id) == Some(&ix) {
                self.claim_ids.remove(&id);
            }
        }
        if let Some(set) = self.indexed.by_type.get_mut(&c.rel_type) {
            set.remove(&ix);
        }
        self.denied.remove(&ix);
        for (k, v) in &c.props {
            if let Some(set) = self.indexed.by_prop.get_mut(k) {
                set.remove(&ix);
            }
            if let (Value::Int(i), Some(set)) = (v, self.indexed.by_int_prop.get_mut(k)) {
                set.remove(&(*i, ix));
            }
        }
        self.count_degree(ix, false);
    }

    pub fn claim(&self, ix: ClaimIx) -> Option<&Claim> {
        self.graph.edge_weight(ix)
    }

    /// Changes a claim's attestations or properties through `change`, then re-indexes its
    /// sources. The type and id are indexed too, so they must not be changed through this.
    pub fn update_claim<R>(&mut self, ix: ClaimIx, change: impl FnOnce(&mut Claim) -> R) -> Option<R> {
        self.revision += 1;
        self.graph.edge_weight(ix)?;
        self.record_claim_change(ix);
        let claim = self.graph.edge_weight_mut(ix)?;
        let before: Vec<SourceRef> = claim.attestations.iter().map(|a| a.source).collect();
        let keys_before = int_props(&claim.props);
        let result = change(claim);
        let after: Vec<SourceRef> = claim.attestations.iter().map(|a| a.source).collect();
        for s in before.iter().filter(|s| !after.contains(s)) {
            if let Some(set) = self.indexed.by_source.get_mut(s) {
                set.remove(&ix);
            }
        }
        for s in after {
            self.indexed.by_source.entry(s).or_default().insert(ix);
        }
        self.denied.remove(&ix);
        self.index_denied(ix);
        self.reindex_props(ix, &keys_before);
        Some(result)
    }

    /// Gives an unnamed claim an id.
    pub fn name_claim(&mut self, ix: ClaimIx, id: Sym) -> Result<(), GraphError> {
        self.revision += 1;
        if let Some(other) = self.claim_ids.get(&id) {
            if *other == ix {
                return Ok(());
            }
            return Err(GraphError::DuplicateClaim(self.str(id).to_string()));
        }
        self.graph.edge_weight(ix).ok_or(GraphError::NoSuchClaim)?;
        self.record_claim_change(ix);
        let c = self.graph.edge_weight_mut(ix).ok_or(GraphError::NoSuchClaim)?;
        if let Some(old) = c.id.replace(id) {
            self.claim_ids.remove(&old);
        }
        self.claim_ids.insert(id, ix);
        Ok(())
    }

    pub fn set_claim_prop(&mut self, ix: ClaimIx, key: Sym, value: Value) -> Result<bool, GraphError> {
        self.revision += 1;
        self.graph.edge_weight(ix).ok_or(GraphError::NoSuchClaim)?;
        self.record_claim_change(ix);
        let c = self.graph.edge_weight_mut(ix).ok_or(GraphError::NoSuchClaim)?;
        let keys_before = int_props(&c.props);
        let changed = set_prop(&mut c.props, key, value);
        self.reindex_props(ix, &keys_before);
        Ok(changed)
    }

    /// (subject, object) of a claim.
    pub fn endpoints(&self, ix: ClaimIx) -> Option<(EntityIx, EntityIx)> {
        self.graph.edge_endpoints(ix)
    }

    pub fn find_claim(&self, id: &str) -> Option<ClaimIx> {
        self.claim_ids.get(&self.sym(id)?).copied()
    }

    pub fn claim_ids(&self) -> impl Iterator<Item = &str> + '_ {
        self.claim_ids.keys().map(|s| self.str(*s))
    }

    pub fn claim_count(&self) -> usize {
        self.graph.edge_count()
    }

    pub fn claims(&self) -> impl Iterator<Item = ClaimIx> + '_ {
        self.graph.edge_indices()
    }

    pub fn claims_of_type(&self, rel_type: Sym) -> impl Iterator<Item = ClaimIx> + '_ {
        self.indexed.by_type.get(&rel_type).into_iter().flatten().copied()
    }

    /// The claim of this type with the lowest index (the first a scan of all claims meets).
    pub fn first_claim_of_type(&self, rel_type: Sym) -> Option<ClaimIx> {
        self.indexed.by_type.get(&rel_type).and_then(|s| s.first().copied())
    }

    /// How many claims have this relationship type.
    pub fn type_count(&self, rel_type: Sym) -> usize {
        self.indexed.by_type.get(&rel_type).map_or(0, BTreeSet::len)
    }

    /// Claims with at least one attestation by `source` itself (not as a `VIA` hop), in
    /// index order.
    pub fn claims_by_source(&self, source: SourceRef) -> impl Iterator<Item = ClaimIx> + '_ {
        self.indexed.by_source.get(&source).into_iter().flatten().copied()
    }

    /// How many claims `source` attests itself.
    pub fn source_claim_count(&self, source: SourceRef) -> usize {
        self.indexed.by_source.get(&source).map_or(0, BTreeSet::len)
    }

    /// Claims that hold the property `key`, in index order.
    pub fn claims_with_prop(&self, key: Sym) -> impl Iterator<Item = ClaimIx> + '_ {
        self.indexed.by_prop.get(&key).into_iter().flatten().copied()
    }

    /// The claims whose property `key` is an integer, by value (then claim): a comparison
    /// of the property with an integer holds on a range of it.
    pub fn int_prop_values(&self, key: Sym) -> Option<&BTreeSet<(i64, ClaimIx)>> {
        self.indexed.by_int_prop.get(&key)
    }

    /// How many claims hold the property `key`.
    pub fn prop_claim_count(&self, key: Sym) -> usize {
        self.indexed.by_prop.get(&key).map_or(0, BTreeSet::len)
    }

    /// How many claims leave, enter and loop at an entity.
    pub fn degree(&self, ix: EntityIx) -> Degree {
        self.degrees.get(ix.index()).copied().unwrap_or_default()
    }

    /// Relationship types in use, with how many claims have each.
    pub fn rel_types(&self) -> impl Iterator<Item = (Sym, usize)> + '_ {
        self.indexed.by_type.iter().filter(|(_, s)| !s.is_empty()).map(|(t, s)| (*t, s.len()))
    }

    /// Claims leaving (`Outgoing`) or entering (`Incoming`) an entity.
    pub fn claims_at(&self, ix: EntityIx, dir: Direction) -> impl Iterator<Item = ClaimIx> + '_ {
        self.graph.edges_directed(ix, dir).map(|e| e.id())
    }

    /// Claims from `subject` to `object`.
    pub fn claims_between(&self, subject: EntityIx, object: EntityIx) -> impl Iterator<Item = ClaimIx> + '_ {
        self.graph.edges_connecting(subject, object).map(|e| e.id())
    }

    pub fn remove_claim(&mut self, ix: ClaimIx) -> Result<Claim, GraphError> {
        self.revision += 1;
        let (subject, object) = self.graph.edge_endpoints(ix).ok_or(GraphError::NoSuchClaim)?;
        self.unindex_claim(ix);
        let c = self.graph.remove_edge(ix).ok_or(GraphError::NoSuchClaim)?;
        self.claims_changed_at(subject, object);
        // Denials of a removed claim have nothing left to deny.
        let mut denials = Vec::new();
        let mut i = 0;
        while i < self.denials.len() {
            if self.denials[i].target == super::claim::DenialTarget::Claim(ix) {
                let d = self.denials.remove(i);
                let key = self.denial_keys.remove(i);
                denials.push((i + denials.len(), key, d));
            } else {
                i += 1;
            }
        }
        if self.undo.is_some() {
            self.record(Undo::ClaimRemoved { ix, subject, object, claim: c.clone(), denials });
        }
        Ok(c)
    }

    /// Claims stated by sources, leaving out the `VIA` hops of attribution chains.
    pub fn stated_claims(&self) -> impl Iterator<Item = ClaimIx> + '_ {
        self.graph.edge_indices().filter(|c| self.graph[*c].kind == ClaimKind::Stated)
    }

    // ---- denials and constraints -------------------------------------------------------

    pub fn add_denial(&mut self, denial: Denial) {
        self.revision += 1;
        self.denials.push(denial);
        self.denial_keys.push(self.next_denial_key);
        self.record(Undo::DenialAdded(self.next_denial_key));
        self.next_denial_key += 1;
    }

    pub fn denials(&self) -> &[Denial] {
        &self.denials
    }

    pub fn add_constraint(&mut self, constraint: Constraint) -> Result<(), GraphError> {
        self.revision += 1;
        if self.constraints.iter().any(|c| c.id == constraint.id) {
            return Err(GraphError::DuplicateClaim(self.str(constraint.id).to_string()));
        }
        self.constraints.push(constraint);
        self.record(Undo::ConstraintAdded);
        Ok(())
    }

    pub fn constraints(&self) -> &[Constraint] {
        &self.constraints
    }

    pub fn add_resolution(&mut self, resolution: Resolution) {
        self.revision += 1;
        self.resolutions.push(resolution);
        self.record(Undo::ResolutionAdded);
    }

    /// Resolutions in declaration order; a later one overrides an earlier one.
    pub fn resolutions(&self) -> &[Resolution] {
        &self.resolutions
    }

    /// The underlying petgraph, for traversals. Mutate only through [`Graph`].
    pub fn petgraph(&self) -> &StableDiGraph<Entity, Claim> {
        &self.graph
    }

    pub(super) fn graph_mut(&mut self) -> &mut StableDiGraph<Entity, Claim> {
        &mut self.graph
    }

    /// Makes room for a graph about to be restored or loaded (only while the graph is empty).
    ///
    /// Vectors that grow by doubling while a million claims go in copy what they hold at
    /// every step and fault in fresh memory for each copy; sized once, they do neither.
    pub(crate) fn reserve_empty(&mut self, nodes: usize, edges: usize) {
        // Only a graph that never held an entity or a claim is replaced: one emptied by
        // deletes still has its free slots, and indices handed out before.
        if NodeIndexable::node_bound(&self.graph) == 0 && EdgeIndexable::edge_bound(&self.graph) == 0 {
            self.graph = StableDiGraph::with_capacity(nodes, edges);
            self.degrees.reserve(nodes);
            self.by_id.0.reserve(nodes);
            if self.strings.0.is_empty() {
                let capacity = lasso::Capacity::for_strings(nodes);
                let hasher = foldhash::fast::FixedState::default();
                self.strings = Strings(Rodeo::with_capacity_and_hasher(capacity, hasher));
            }
        }
    }

    /// Denials with their stable keys, in order (keys ascend).
    pub fn denials_with_keys(&self) -> impl Iterator<Item = (u64, &Denial)> + '_ {
        self.denial_keys.iter().copied().zip(&self.denials)
    }

    pub fn denial_by_key(&self, key: u64) -> Option<&Denial> {
        self.denial_keys.binary_search(&key).ok().map(|i| &self.denials[i])
    }

    pub(super) fn restore_denial(&mut self, pos: usize, key: u64, denial: Denial) {
        let pos = pos.min(self.denials.len());
        self.denials.insert(pos, denial);
        self.denial_keys.insert(pos, key);
    }

    pub(super) fn forget_denial(&mut self, key: u64) {
        if let Ok(i) = self.denial_keys.binary_search(&key) {
            self.denials.remove(i);
            self.denial_keys.remove(i);
        }
    }

    pub(super) fn pop_constraint(&mut self) {
        self.constraints.pop();
    }

    pub(super) fn pop_resolution(&mut self) {
        self.resolutions.pop();
    }
}

/// Each property key, with its value when that is an integer (what the property indexes
/// hold of a claim).
fn int_props(props: &Props) -> Vec<(Sym, Option<i64>)> {
    props.iter().map(|(k, v)| (*k, if let Value::Int(i) = v { Some(*i) } else { None })).collect()
}

/// Sets `key` to `value` in `props` (`Null` removes); returns whether anything changed.
pub fn set_prop(props: &mut Props, key: Sym, value: Value) -> bool {
    let pos = props.iter().position(|(k, _)| *k == key);
    match (pos, value) {
        (None, Value::Null) => false,
        (Some(i), Value::Null) => {
            props.remove(i);
            true
        }
        (Some(i), v) => {
            let changed = props[i].1 != v;
            props[i].1 = v;
            changed
        }
        (None, v) => {
            props.push((key, v));
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nodes_place_is_found_without_reading_it() {
        // The loader's read-ahead relies on it: a wrong place would only cost speed, so
        // nothing else would notice petgraph keeping its nodes otherwise.
        let mut g = Graph::new();
        for i in 0..300 {
            g.add_entity(Some(&format!("e{i}")), Vec::new(), Vec::new()).unwrap();
        }
        for ix in g.entities().collect::<Vec<_>>() {
            let (at, len) = g.node_place(ix).unwrap();
            let node = std::ptr::from_ref(g.entity(ix).unwrap()).cast::<u8>();
            assert_eq!(at, node, "entity {}", ix.index());
            assert!(len >= std::mem::size_of::<Entity>(), "{len}");
        }
    }
}
