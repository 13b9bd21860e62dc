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
use crate::syntax::records::ClaimRecord;
use crate::syntax::Span;

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
///
/// An id of up to [`INLINE_ID`] bytes (nearly all: `e92610`, `wagner`) is its own key, in
/// a slot of an open-addressed table: a key behind a pointer, and hashbrown's control bytes
/// apart from its slots, cost a cache miss or two more per lookup (the table is several
/// MiB at a million claims), and a lookup was a tenth of a parsing thread's time. (Reading
/// a chunk's slots ahead of its lookups, with `black_box`, cost more than it saved.)
///
/// Ids that are a word and a number (`e92610`, `s7`: what generated and exported data
/// files write) are found by their number in an array per word ([`Numbered`]) instead: at
/// a million claims the table of slots was 6 MiB, read at random for each end of each
/// claim, and the array of the same ids is 0.8 MiB, most of which stays in the caches
/// (docs/performance.md, "The load, tenth round").
pub(crate) struct EntityIds {
    numbered: Vec<Numbered>,
    /// Linear probing from a key's hash; a power of two long, at most 4/5 full.
    slots: Vec<IdSlot>,
    long: HashMap<Box<str>, EntityIx, foldhash::fast::FixedState>,
}

/// The entities whose ids are one word followed by a number: each one's index plus one
/// (0: none) at its number. Every id of that word and a number below the array's length is
/// here, so a miss here is a miss: none is also in the slots.
struct Numbered {
    /// The word, zero-padded ([`numbered_id`]).
    word: u64,
    ix_plus_one: Vec<u32>,
}

/// Words with an array of their own, at most: a lookup compares its word with each.
const NUMBERED_WORDS: usize = 4;

/// An id written as a word of ASCII letters and `_` (one to eight bytes) and a number in
/// decimal, without leading zeros (`e0`, `e92610`; not `e01`, which is another id than
/// `e1`): the word zero-padded (its bytes are never zero, so words of different lengths
/// differ) and the number.
fn numbered_id(id: &[u8]) -> Option<(u64, usize)> {
    let word_len = id.iter().take_while(|c| c.is_ascii_alphabetic() || **c == b'_').count();
    let (word, digits) = id.split_at(word_len);
    if !(1..=8).contains(&word.len())
        || !(1..=9).contains(&digits.len())
        || (digits[0] == b'0' && digits.len() > 1)
        || !digits.iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let mut key = [0u8; 8];
    key[..word.len()].copy_from_slice(word);
    let number = digits.iter().fold(0usize, |n, d| n * 10 + usize::from(d - b'0'));
    Some((u64::from_le_bytes(key), number))
}

/// An inline id and its entity's index plus one (0: an empty slot).
#[derive(Clone, Copy, Default)]
struct IdSlot {
    key: (u64, u64),
    ix_plus_one: u32,
}

/// The longest id kept inline in [`EntityIds`]: 15 bytes, and its length in the 16th.
const INLINE_ID: usize = 15;

/// An id of at most [`INLINE_ID`] bytes as a key: its bytes, zero-padded, and its length
/// (so that ids ending in NUL bytes stay apart from shorter ones).
fn inline_id(id: &str) -> Option<(u64, u64)> {
    let bytes = id.as_bytes();
    if bytes.len() > INLINE_ID {
        return None;
    }
    let mut key = [0u8; 16];
    key[..bytes.len()].copy_from_slice(bytes);
    key[15] = bytes.len() as u8;
    let (lo, hi) = key.split_at(8);
    Some((u64::from_le_bytes(lo.try_into().ok()?), u64::from_le_bytes(hi.try_into().ok()?)))
}

impl EntityIds {
    pub(crate) fn of(graph: &Graph) -> Self {
        // Each word's array is at most four entries an id long (and 64 more): a number past
        // that (an outlier, `e123456789` among `e1` … `e200000`) goes to the slots. The words
        // with most ids in their arrays get them, when at least half their ids are in it.
        let mut words: HashMap<u64, (usize, usize, usize), foldhash::fast::FixedState> = HashMap::default();
        let numbered = || graph.entities().filter_map(|ix| numbered_id(graph.entity_id(ix).as_bytes()));
        for (word, _) in numbered() {
            words.entry(word).or_default().0 += 1;
        }
        for (word, number) in numbered() {
            let (count, within, len) = words.entry(word).or_default();
            if number < *count * 4 + 64 {
                *within += 1;
                *len = (*len).max(number + 1);
            }
        }
        let mut words: Vec<(u64, usize, usize)> = words
            .into_iter()
            .filter(|(_, (count, within, _))| *within > 0 && within * 2 >= *count)
            .map(|(word, (_, within, len))| (word, within, len))
            .collect();
        words.sort_by_key(|&(word, within, _)| (std::cmp::Reverse(within), word));
        words.truncate(NUMBERED_WORDS);
        let numbered: Vec<Numbered> =
            words.iter().map(|&(word, _, len)| Numbered { word, ix_plus_one: vec![0; len] }).collect();
        let in_slots = graph.entity_count() - words.iter().map(|(_, within, _)| within).sum::<usize>();
        let len = (in_slots * 5 / 4).max(16).next_power_of_two();
        let mut ids = EntityIds { numbered, slots: vec![IdSlot::default(); len], long: HashMap::default() };
        for ix in graph.entities() {
            let id = graph.entity_id(ix);
            if let Some(place) = ids.numbered_place(id) {
                *place = ix.index() as u32 + 1;
                continue;
            }
            match inline_id(id) {
                Some(key) => {
                    let mut at = ids.home(key);
                    while ids.slots[at].ix_plus_one != 0 {
                        at = (at + 1) & (len - 1);
                    }
                    ids.slots[at] = IdSlot { key, ix_plus_one: ix.index() as u32 + 1 };
                }
                None => {
                    ids.long.insert(id.into(), ix);
                }
            }
        }
        ids
    }

    /// The slot a key's probe starts at.
    fn home(&self, key: (u64, u64)) -> usize {
        let mut h = key.0 ^ key.1.rotate_left(29);
        h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (h ^ (h >> 31)) as usize & (self.slots.len() - 1)
    }

    /// The array entry of a numbered id whose word has an array, when its number is
    /// within it (see [`Numbered`]).
    fn numbered(&self, id: &str) -> Option<&u32> {
        let (word, number) = numbered_id(id.as_bytes())?;
        self.numbered.iter().find(|n| n.word == word)?.ix_plus_one.get(number)
    }

    /// [`EntityIds::numbered`], to fill in.
    fn numbered_place(&mut self, id: &str) -> Option<&mut u32> {
        let (word, number) = numbered_id(id.as_bytes())?;
        self.numbered.iter_mut().find(|n| n.word == word)?.ix_plus_one.get_mut(number)
    }

    /// The entity `id` names, as `Graph::find_entity` would find it.
    fn get(&self, id: &str) -> Option<EntityIx> {
        if let Some(&ix_plus_one) = self.numbered(id) {
            return ix_plus_one.checked_sub(1).map(|ix| EntityIx::new(ix as usize));
        }
        let Some(key) = inline_id(id) else { return self.long.get(id).copied() };
        let mut at = self.home(key);
        loop {
            let slot = self.slots[at];
            if slot.ix_plus_one == 0 {
                return None;
            }
            if slot.key == key {
                return Some(EntityIx::new(slot.ix_plus_one as usize - 1));
            }
            at = (at + 1) & (self.slots.len() - 1);
        }
    }

    /// Starts bringing in what the lookup of `id` reads first: its entry in its word's
    /// array, or else the slot where its probe begins ([`crate::alloc::prefetch`]).
    fn prefetch(&self, id: &str) {
        if let Some(entry) = self.numbered(id) {
            crate::alloc::prefetch(entry);
        } else if let Some(key) = inline_id(id) {
            crate::alloc::prefetch(&self.slots[self.home(key)]);
        }
    }

    /// [`EntityIds::prefetch`] for the ends of a claim read into a record from `stmt`
    /// (its source is one of a few, in the caches already).
    pub(crate) fn prefetch_record(&self, stmt: &str, r: &ClaimRecord) {
        for id in [r.subject.1, r.object.1] {
            if let Some(id) = stmt.get(id.start..id.end) {
                self.prefetch(id);
            }
        }
    }

    /// What a claim's ids name, as the loader would find it.
    pub(crate) fn known(&self, decl: &DeclStatement) -> Known {
        let DeclStatement::Claim { pattern, attestations } = decl else { return Known::default() };
        let end = |e: &EndPattern| e.id.as_ref().and_then(|n| self.get(&n.text));
        let first_source = match attestations.first().map(|a| &a.source) {
            Some(SourceName::Declared(n)) => self.get(&n.text),
            _ => None,
        };
        Known { subject: end(&pattern.subject), object: end(&pattern.object), first_source }
    }

    /// [`EntityIds::known`] of a claim read into a record from the statement `stmt`.
    pub(crate) fn known_record(&self, stmt: &str, r: &ClaimRecord) -> Known {
        let get = |s: Span| stmt.get(s.start..s.end).and_then(|id| self.get(id));
        Known {
            subject: get(r.subject.1),
            object: get(r.object.1),
            first_source: r.attestations.first().and_then(|a| get(a.source)),
        }
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
    /// Room for about `claims` pairs, about eight to a 64-bit word.
    pub(crate) fn new(claims: usize) -> Self {
        let words = (claims.max(1024) / 8).next_power_of_two();
        PairFilter { bits: vec![0; words] }
    }

    /// The word of a pair and its three bits in it. Three bits in one word (one cache
    /// line) rather than one: a walk for a pair no claim joins (a false positive, ~11% of
    /// new claims with one bit) cost a cache miss per claim of the subject; with three
    /// ~3%. The hash is mixed through (splitmix64's finaliser) so that the word depends
    /// on both entities, not on the object alone.
    fn slot(&self, subject: EntityIx, object: EntityIx) -> (usize, u64) {
        let mut h = (subject.index() as u64) << 32 | object.index() as u64;
        h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        h ^= h >> 31;
        let word = h as usize & (self.bits.len() - 1);
        let bits = 1 << (h >> 58) | 1 << ((h >> 52) & 63) | 1 << ((h >> 46) & 63);
        (word, bits)
    }

    /// False when no claim this loader added joins the pair.
    pub(crate) fn may_have(&self, subject: EntityIx, object: EntityIx) -> bool {
        let (word, bit) = self.slot(subject, object);
        self.bits[word] & bit == bit
    }

    /// Starts bringing in the word [`PairFilter::may_have`] will read for the pair
    /// ([`crate::alloc::prefetch`]).
    pub(crate) fn prefetch(&self, subject: EntityIx, object: EntityIx) {
        crate::alloc::prefetch(&self.bits[self.slot(subject, object).0]);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_ids_find_what_the_graph_finds() {
        // Ids either side of the inline length, ids that are prefixes of others, ids that
        // differ only in a trailing NUL byte, and ids not in the graph.
        let ids = [
            "",
            "a",
            "a\0",
            "a\0\0",
            "e1",
            "e12",
            "e123456789012",
            "abcdefghijklmn",
            "abcdefghijklmno",
            "abcdefghijklmnop",
            "abcdefghijklmnopq",
            "ünïcödé",
            "x y",
            "`",
        ];
        let mut graph = Graph::new();
        for id in ids.iter().step_by(2) {
            graph.add_entity(Some(id), Vec::new(), Default::default()).unwrap();
        }
        // And enough of them for probes to run into each other.
        for i in 0..3000 {
            graph.add_entity(Some(&format!("n{i}")), Vec::new(), Default::default()).unwrap();
        }
        let found = EntityIds::of(&graph);
        let numbered: Vec<String> = (0..3100).map(|i| format!("n{i}")).collect();
        let others = ["b", "abcdefghijklmnopqr", "e1234567890123"];
        for id in ids.iter().chain(&others).copied().chain(numbered.iter().map(String::as_str)) {
            assert_eq!(found.get(id), graph.find_entity(id), "{id:?}");
        }
    }

    #[test]
    fn numbered_ids_are_found_by_their_number() {
        // Ids of a word and a number, in arrays: numbers with gaps, `0`, leading zeros (other
        // ids than without them), numbers past the array, words too long or with too few ids
        // for an array of their own, more words than get arrays, and ids of those words in
        // other forms; each must be found as the graph finds it.
        let mut ids: Vec<String> = Vec::new();
        ids.extend((0..2000).filter(|i| i % 3 != 1).map(|i| format!("e{i}")));
        ids.extend(["e01", "e00", "e007", "e1e", "e_1", "E5", "ee5", "e5_", "e 5"].map(String::from));
        ids.extend((0..50).map(|i| format!("s{i}")));
        ids.extend((0..40).map(|i| format!("_x_{i}")));
        ids.extend((0..30).map(|i| format!("abcdefgh{i}")));
        ids.extend((0..30).map(|i| format!("abcdefghi{i}")));
        ids.extend((0..10).map(|i| format!("w{}", i * 100_000)));
        ids.extend(["e123456789", "e1234567890", "z0", "y0", "x0"].map(String::from));
        let mut graph = Graph::new();
        for id in &ids {
            graph.add_entity(Some(id), Vec::new(), Default::default()).unwrap();
        }
        let found = EntityIds::of(&graph);
        let words: Vec<u64> = found.numbered.iter().map(|n| n.word).collect();
        let word = |w: &str| numbered_id(format!("{w}0").as_bytes()).unwrap().0;
        assert_eq!(words, [word("e"), word("s"), word("_x_"), word("abcdefgh")], "the words with most ids");
        assert!(found.slots.len() < 256, "numbered ids are not in the slots too: {}", found.slots.len());
        let mut asked: Vec<String> = ids.clone();
        asked.extend((0..2100).map(|i| format!("e{i}")));
        asked.extend(
            ["e02", "e0000000001", "e999999999", "s50", "s05", "w5", "w100000", "e", "", "5"]
                .map(String::from),
        );
        for id in &asked {
            assert_eq!(found.get(id), graph.find_entity(id), "{id:?}");
        }
        assert_eq!(numbered_id(b"e92610"), Some((word("e"), 92610)));
        for id in ["e01", "e", "5", "e1234567890", "abcdefghi1", "e1x", "é1", "e-1"] {
            assert_eq!(numbered_id(id.as_bytes()), None, "{id:?}");
        }
    }

    #[test]
    fn the_pair_filter_never_forgets_a_pair() {
        // No false negatives (a claim declared again must find the one it merges into),
        // and few false positives at its designed load.
        let n = 100_000;
        let mut filter = PairFilter::new(n);
        let pair = |i: u32| {
            let i = i as usize;
            (EntityIx::new(i * 7919 % 20_000), EntityIx::new(i * 104_729 % 20_011))
        };
        for i in 0..n as u32 {
            let (s, o) = pair(i);
            filter.insert(s, o);
        }
        assert!((0..n as u32).all(|i| filter.may_have(pair(i).0, pair(i).1)));
        let false_positives = (0..n as u32).filter(|&i| filter.may_have(pair(i).1, pair(i).0)).count();
        assert!(false_positives < n / 20, "{false_positives} false positives of {n}");
    }
}
