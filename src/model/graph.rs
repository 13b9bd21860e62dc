//! The graph: entities as petgraph nodes, claims as petgraph edges, plus the indexes that
//! queries and checks rely on (by id, by name or alias, by label, by relationship type, by
//! attesting source).
//!
//! Invariant: every index agrees with the petgraph storage. All mutation goes through
//! [`Graph`]'s methods, which update the indexes; readers may walk [`Graph::petgraph`].

use std::collections::{BTreeSet, HashMap};

use lasso::{Key, Rodeo};
use petgraph::stable_graph::StableDiGraph;
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use super::claim::{Attestation, Claim, ClaimIx, ClaimKind, Constraint, Denial, EntityIx, Props, SourceRef};
use super::date::{DateValue, PartialDate};
use super::documents::{DeclSite, DeclaredAt, DocumentText};
use super::resolution::Resolution;
use super::value::Value;
use super::Sym;

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

/// The whole knowledge graph.
#[derive(Debug, Default)]
pub struct Graph {
    strings: Strings,
    graph: StableDiGraph<Entity, Claim>,
    by_id: IdIndex,
    /// Lower-cased display names and aliases.
    by_name: HashMap<String, Vec<EntityIx>>,
    by_label: HashMap<Sym, BTreeSet<EntityIx>>,
    by_type: HashMap<Sym, BTreeSet<ClaimIx>>,
    claim_ids: HashMap<Sym, ClaimIx>,
    /// Claims each source attests itself (not as a `VIA` hop).
    by_source: HashMap<SourceRef, BTreeSet<ClaimIx>>,
    denials: Vec<Denial>,
    constraints: Vec<Constraint>,
    /// Verdicts on contradiction findings (see `resolution.rs`).
    resolutions: Vec<Resolution>,
    /// Documents' text files as loaded (see `documents.rs`).
    texts: HashMap<EntityIx, DocumentText>,
    /// Where entities were declared, for error messages (see `documents.rs`).
    declared_at: DeclaredAt,
    /// How many entities have a `speaks_for` list, so deleting an entity scans them only
    /// when there are any.
    speakers: usize,
    next_generated_id: u64,
    /// Bumped by every change (see [`Graph::revision`]).
    revision: u64,
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
        self.by_id.insert(id, ix);
        let entity = &self.graph[ix];
        for l in &entity.labels {
            self.by_label.entry(*l).or_default().insert(ix);
        }
        self.index_names(ix);
        Ok(ix)
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
        let mut names = Vec::new();
        let Some(e) = self.graph.node_weight(ix) else { return names };
        for (k, v) in &e.props {
            match (self.str(*k), v) {
                ("name", Value::String(s)) => names.push(s.to_lowercase()),
                ("aliases", Value::List(items)) => {
                    names.extend(items.iter().filter_map(Value::as_str).map(str::to_lowercase))
                }
                _ => {}
            }
        }
        names
    }

    fn index_names(&mut self, ix: EntityIx) {
        for name in self.names_of(ix) {
            let list = self.by_name.entry(name).or_default();
            if !list.contains(&ix) {
                list.push(ix);
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

    /// A document's `published` date as the day range relative dates resolve against (a
    /// published date-time counts as the day it fell on in its zone).
    pub fn published_date(&self, doc: EntityIx) -> Option<PartialDate> {
        match self.entity_prop(doc, self.sym("published")?)? {
            Value::Date(DateValue::Absolute(p)) => Some(*p),
            Value::Temporal(t) => t.date().map(PartialDate::from_civil),
            _ => None,
        }
    }

    /// When an attestation was made, as far as the graph tells: its own date (a relative one
    /// resolved against its document's `published` date), else its document's `published`
    /// value; `None` when neither is known.
    pub fn attestation_when(&self, a: &Attestation) -> Option<Value> {
        match &a.date {
            Some(Value::Date(d @ DateValue::Relative { .. })) => {
                let anchor = self.published_date(a.document?);
                d.resolve(anchor.as_ref()).map(|p| Value::Date(DateValue::Absolute(p)))
            }
            Some(v) => Some(v.clone()),
            None => {
                let published = self.entity_prop(a.document?, self.sym("published")?)?;
                matches!(published, Value::Date(DateValue::Absolute(_)) | Value::Temporal(_))
                    .then(|| published.clone())
            }
        }
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
        let e = self.graph.node_weight_mut(ix).ok_or(GraphError::NoSuchEntity)?;
        if e.labels.contains(&label) {
            return Ok(false);
        }
        e.labels.push(label);
        self.by_label.entry(label).or_default().insert(ix);
        Ok(true)
    }

    pub fn remove_label(&mut self, ix: EntityIx, label: Sym) -> Result<bool, GraphError> {
        self.revision += 1;
        let e = self.graph.node_weight_mut(ix).ok_or(GraphError::NoSuchEntity)?;
        let before = e.labels.len();
        e.labels.retain(|l| *l != label);
        if e.labels.len() == before {
            return Ok(false);
        }
        if let Some(set) = self.by_label.get_mut(&label) {
            set.remove(&ix);
        }
        Ok(true)
    }

    pub fn set_via(&mut self, ix: EntityIx, via: Vec<EntityIx>) -> Result<(), GraphError> {
        self.revision += 1;
        self.graph.node_weight_mut(ix).ok_or(GraphError::NoSuchEntity)?.via = via;
        Ok(())
    }

    /// Adds institutions an entity speaks for (`SPEAKS FOR`). An entity cannot speak for
    /// itself; institutions already listed are kept once.
    pub fn add_speaks_for(&mut self, ix: EntityIx, institutions: &[EntityIx]) -> Result<(), GraphError> {
        self.revision += 1;
        if institutions.iter().any(|i| self.graph.node_weight(*i).is_none()) {
            return Err(GraphError::NoSuchEntity);
        }
        let e = self.graph.node_weight_mut(ix).ok_or(GraphError::NoSuchEntity)?;
        let had = !e.speaks_for.is_empty();
        for i in institutions {
            if *i != ix && !e.speaks_for.contains(i) {
                e.speaks_for.push(*i);
            }
        }
        if !had && !e.speaks_for.is_empty() {
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

    /// Records where an entity was declared.
    pub fn set_declared_at(&mut self, ix: EntityIx, site: DeclSite) {
        self.declared_at.set(ix, site);
    }

    /// Where an entity was declared, if it was declared from a file or the shell.
    pub fn declared_at(&self, ix: EntityIx) -> Option<DeclSite> {
        self.declared_at.get(ix)
    }

    /// Records a document's text file.
    pub fn set_document_text(&mut self, ix: EntityIx, text: DocumentText) {
        self.revision += 1;
        self.texts.insert(ix, text);
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
        self.unindex_names(ix);
        if self.speakers > 0 {
            // Petgraph reuses freed indexes: no list may keep pointing at this one.
            let nodes: Vec<EntityIx> = self.graph.node_indices().collect();
            for n in nodes {
                let e = &mut self.graph[n];
                let had = !e.speaks_for.is_empty();
                e.speaks_for.retain(|i| *i != ix);
                if had && (e.speaks_for.is_empty() || n == ix) {
                    self.speakers -= 1;
                }
            }
        }
        self.texts.remove(&ix);
        self.declared_at.remove(ix);
        let e = self.graph.remove_node(ix).ok_or(GraphError::NoSuchEntity)?;
        self.by_id.remove(e.id);
        for l in &e.labels {
            if let Some(set) = self.by_label.get_mut(l) {
                set.remove(&ix);
            }
        }
        Ok(edges.len())
    }

    // ---- claims ------------------------------------------------------------------------

    pub fn add_claim(
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
        let (id, rel_type) = (claim.id, claim.rel_type);
        let ix = self.graph.add_edge(subject, object, claim);
        for a in &self.graph[ix].attestations {
            self.by_source.entry(a.source).or_default().insert(ix);
        }
        if let Some(id) = id {
            self.claim_ids.insert(id, ix);
        }
        self.by_type.entry(rel_type).or_default().insert(ix);
        Ok(ix)
    }

    pub fn claim(&self, ix: ClaimIx) -> Option<&Claim> {
        self.graph.edge_weight(ix)
    }

    /// Changes a claim's attestations or properties through `change`, then re-indexes its
    /// sources. The type and id are indexed too, so they must not be changed through this.
    pub fn update_claim<R>(&mut self, ix: ClaimIx, change: impl FnOnce(&mut Claim) -> R) -> Option<R> {
        self.revision += 1;
        let claim = self.graph.edge_weight_mut(ix)?;
        let before: Vec<SourceRef> = claim.attestations.iter().map(|a| a.source).collect();
        let result = change(claim);
        let after: Vec<SourceRef> = claim.attestations.iter().map(|a| a.source).collect();
        for s in before.iter().filter(|s| !after.contains(s)) {
            if let Some(set) = self.by_source.get_mut(s) {
                set.remove(&ix);
            }
        }
        for s in after {
            self.by_source.entry(s).or_default().insert(ix);
        }
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
        let c = self.graph.edge_weight_mut(ix).ok_or(GraphError::NoSuchClaim)?;
        if let Some(old) = c.id.replace(id) {
            self.claim_ids.remove(&old);
        }
        self.claim_ids.insert(id, ix);
        Ok(())
    }

    pub fn set_claim_prop(&mut self, ix: ClaimIx, key: Sym, value: Value) -> Result<bool, GraphError> {
        self.revision += 1;
        let c = self.graph.edge_weight_mut(ix).ok_or(GraphError::NoSuchClaim)?;
        Ok(set_prop(&mut c.props, key, value))
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
        self.by_type.get(&rel_type).into_iter().flatten().copied()
    }

    /// How many claims have this relationship type.
    pub fn type_count(&self, rel_type: Sym) -> usize {
        self.by_type.get(&rel_type).map_or(0, BTreeSet::len)
    }

    /// Claims with at least one attestation by `source` itself (not as a `VIA` hop), in
    /// index order.
    pub fn claims_by_source(&self, source: SourceRef) -> impl Iterator<Item = ClaimIx> + '_ {
        self.by_source.get(&source).into_iter().flatten().copied()
    }

    /// How many claims `source` attests itself.
    pub fn source_claim_count(&self, source: SourceRef) -> usize {
        self.by_source.get(&source).map_or(0, BTreeSet::len)
    }

    /// Relationship types in use, with how many claims have each.
    pub fn rel_types(&self) -> impl Iterator<Item = (Sym, usize)> + '_ {
        self.by_type.iter().filter(|(_, s)| !s.is_empty()).map(|(t, s)| (*t, s.len()))
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
        let c = self.graph.remove_edge(ix).ok_or(GraphError::NoSuchClaim)?;
        for a in &c.attestations {
            if let Some(set) = self.by_source.get_mut(&a.source) {
                set.remove(&ix);
            }
        }
        if let Some(id) = c.id {
            self.claim_ids.remove(&id);
        }
        if let Some(set) = self.by_type.get_mut(&c.rel_type) {
            set.remove(&ix);
        }
        // Denials of a removed claim have nothing left to deny.
        self.denials.retain(|d| d.target != super::claim::DenialTarget::Claim(ix));
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
        Ok(())
    }

    pub fn constraints(&self) -> &[Constraint] {
        &self.constraints
    }

    pub fn add_resolution(&mut self, resolution: Resolution) {
        self.revision += 1;
        self.resolutions.push(resolution);
    }

    /// Resolutions in declaration order; a later one overrides an earlier one.
    pub fn resolutions(&self) -> &[Resolution] {
        &self.resolutions
    }

    /// The underlying petgraph, for traversals. Mutate only through [`Graph`].
    pub fn petgraph(&self) -> &StableDiGraph<Entity, Claim> {
        &self.graph
    }
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

/// Counts for `claimgraph check` and the REPL banner.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Entities that are neither sources nor documents.
    pub entities: usize,
    pub sources: usize,
    pub documents: usize,
    /// Claims stated by sources (attribution-chain hops are not counted).
    pub claims: usize,
    pub attestations: usize,
    /// Attestations per status, in [`Status::ALL`](super::Status::ALL) order.
    pub by_status: [usize; 6],
    /// Attestations (of claims and denials) with a quote, and of those, how many were not
    /// checked against a document's text.
    pub quotes: usize,
    pub unverified_quotes: usize,
    /// Documents with quotes that no text was checked against (no `text`, or a text that
    /// could not be read), by id.
    pub documents_without_text: Vec<String>,
    pub denials: usize,
    pub constraints: usize,
}

impl Graph {
    pub fn summary(&self) -> Summary {
        let source = self.sym("Source");
        let document = self.sym("Document");
        let mut s = Summary::default();
        for ix in self.entities() {
            if document.is_some_and(|l| self.has_label(ix, l)) {
                s.documents += 1;
            } else if source.is_some_and(|l| self.has_label(ix, l)) {
                s.sources += 1;
            } else {
                s.entities += 1;
            }
        }
        let mut unverified_docs = BTreeSet::new();
        let mut quote = |a: &super::claim::Attestation, s: &mut Summary| {
            if a.quote.is_some() {
                s.quotes += 1;
                if !self.quote_verified(a.document) {
                    s.unverified_quotes += 1;
                    if let Some(d) = a.document {
                        unverified_docs.insert(self.entity_id(d).to_string());
                    }
                }
            }
        };
        for c in self.stated_claims() {
            s.claims += 1;
            for a in &self.graph[c].attestations {
                s.attestations += 1;
                s.by_status[a.status as usize] += 1;
                quote(a, &mut s);
            }
        }
        for d in &self.denials {
            for a in &d.attestations {
                quote(a, &mut s);
            }
        }
        s.documents_without_text = unverified_docs.into_iter().collect();
        s.denials = self.denials.len();
        s.constraints = self.constraints.len();
        s
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "entities      {:>7}", self.entities)?;
        writeln!(f, "sources       {:>7}", self.sources)?;
        writeln!(f, "documents     {:>7}", self.documents)?;
        writeln!(f, "claims        {:>7}", self.claims)?;
        writeln!(f, "attestations  {:>7}", self.attestations)?;
        for (status, n) in super::Status::ALL.iter().zip(self.by_status) {
            writeln!(f, "  {:<11} {:>7}", status.as_str(), n)?;
        }
        write!(f, "quotes        {:>7}", self.quotes)?;
        if self.unverified_quotes > 0 {
            write!(f, "   ({} unverified", self.unverified_quotes)?;
            if !self.documents_without_text.is_empty() {
                write!(f, ": no text checked for {}", self.documents_without_text.join(", "))?;
            }
            f.write_str(")")?;
        }
        writeln!(f)?;
        writeln!(f, "denials       {:>7}", self.denials)?;
        write!(f, "constraints   {:>7}", self.constraints)
    }
}
