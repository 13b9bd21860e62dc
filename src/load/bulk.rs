//! What loading many statements at once does that applying one does not need: the
//! entities a claim names, looked up on the threads that parse it ([`EntityIds`]), and the
//! pairs of entities no claim joins yet, so that a new claim skips the search for one to
//! merge into ([`PairFilter`]); and a loader that indexes the claims it added in bulk once
//! it is done, however the load ends ([`BatchingLoader`]). See docs/performance.md, "The
//! load, third round" and "The load, fourth round".

use std::collections::HashMap;

use super::Loader;
use crate::model::{EntityIx, Graph};
use crate::syntax::decl::{DeclStatement, EndPattern, SourceName};

/// The entities a claim's subject, object and first source name, looked up by the thread
/// that parsed it ([`EntityIds`]); `None` where not looked up or not found (the loader then
/// looks it up itself, and reports it if it is unknown).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Known {
    pub subject: Option<EntityIx>,
    pub object: Option<EntityIx>,
    pub first_source: Option<EntityIx>,
}

/// Entities by id, copied out of the graph once every entity of a load is in (claims add
/// none), so that the threads parsing claims find the entities they name while the main
/// thread applies claims to the graph: the lookups were a fifth of applying a claim.
pub(crate) struct EntityIds(HashMap<Box<str>, EntityIx, foldhash::fast::FixedState>);

impl EntityIds {
    pub(crate) fn of(graph: &Graph) -> Self {
        let mut ids = HashMap::with_capacity_and_hasher(graph.entity_count(), Default::default());
        for ix in graph.entities() {
            ids.insert(graph.entity_id(ix).into(), ix);
        }
        EntityIds(ids)
    }

    /// What a claim's ids name, as the loader would find it.
    pub(crate) fn known(&self, decl: &DeclStatement) -> Known {
        let DeclStatement::Claim { pattern, attestations } = decl else { return Known::default() };
        let end = |e: &EndPattern| e.id.as_ref().and_then(|n| self.0.get(n.text.as_str()).copied());
        let first_source = match attestations.first().map(|a| &a.source) {
            Some(SourceName::Declared(n)) => self.0.get(n.text.as_str()).copied(),
            _ => None,
        };
        Known { subject: end(&pattern.subject), object: end(&pattern.object), first_source }
    }
}

/// Which (subject, object) pairs may already have a claim, as bits of a hashed table.
///
/// A claim declared again merges into the one already there, so every new claim used to
/// walk its subject's claims for one to the same object: a cache miss per claim walked,
/// the largest part of applying a claim at a million claims. A clear bit means no claim
/// joins the pair, and nearly all claims of a load are new: the walk is left for the few
/// whose bit is set. One bit per pair is set as claims are added, so the filter answers
/// only for a graph whose every claim this loader added (it starts on one without claims).
pub(crate) struct PairFilter {
    bits: Vec<u64>,
}

impl PairFilter {
    /// Room for about `claims` pairs at one set bit in eight.
    pub(crate) fn new(claims: usize) -> Self {
        let words = (claims.max(1024) / 8).next_power_of_two();
        PairFilter { bits: vec![0; words] }
    }

    fn slot(&self, subject: EntityIx, object: EntityIx) -> (usize, u64) {
        let key = (subject.index() as u64) << 32 | object.index() as u64;
        let hash = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let bit = (hash >> 58) as u32; // the top 6 bits pick the bit in the word
        let word = (hash >> 16) as usize & (self.bits.len() - 1);
        (word, 1 << bit)
    }

    /// False when no claim this loader added joins the pair.
    pub(crate) fn may_have(&self, subject: EntityIx, object: EntityIx) -> bool {
        let (word, bit) = self.slot(subject, object);
        self.bits[word] & bit != 0
    }

    pub(crate) fn insert(&mut self, subject: EntityIx, object: EntityIx) {
        let (word, bit) = self.slot(subject, object);
        self.bits[word] |= bit;
    }
}

/// A loader that indexes its batch of claims when it is dropped, however the load ends.
pub(super) struct BatchingLoader<'g>(pub Loader<'g>);

impl Drop for BatchingLoader<'_> {
    fn drop(&mut self) {
        self.0.finish_batch();
    }
}

impl<'g> std::ops::Deref for BatchingLoader<'g> {
    type Target = Loader<'g>;
    fn deref(&self) -> &Loader<'g> {
        &self.0
    }
}

impl std::ops::DerefMut for BatchingLoader<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}
