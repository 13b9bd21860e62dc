//! The contradiction engine: declared constraints and denials checked against the claims,
//! reporting every disagreement between sources with its evidence. It flags, it never
//! rejects (Wikidata's constraint checks are the model).
//!
//! [`analyse`] makes one pass over the claims of each constrained relationship type,
//! grouping them by (constraint, subject, object, scope values) in hash maps, so the work is
//! linear in the claims; only the distinct values *within* one group are compared pairwise
//! (a handful in practice). Class denials make one pass over the claims of their type each.
//!
//! Every finding answers one *question* (subject, property or relationship, object, scope);
//! the findings of a question make one [`Dispute`], whose positions are the maximal sets of
//! values that can all be true together (`dispute.rs`). Rules (tolerance, severity, voices,
//! bounds) are documented in `docs/contradictions.md`.

mod bounds;
pub mod dispute;
pub mod finding;
mod incremental;
mod questions;
mod rows;
mod rules;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use foldhash::fast::FixedState;
use std::fmt::Write as _;

// Voices are defined in the model, below both this engine and the query engine's
// `corroboration(r)`; they stay reachable here as `check::corroboration`.
pub use crate::model::corroboration;
pub use corroboration::{independent_sources, independent_voices, institutions_of, same_voice};
pub use dispute::{disputes_table, Dispute, Position, Voice, VoiceStatement};
use finding::VoiceNames;
pub use finding::{
    findings_json, findings_table, AttestationAt, AttestationView, ContradictionKind, EntityRef, Explanation,
    Finding, Side,
};
pub use incremental::Tracked;
pub use rows::{
    about_target, contradiction_rows, denial_rows, filter_disputes, filter_findings, finding_is_about,
    report_json, report_table, About,
};

use corroboration::identical_voice;

use crate::model::{
    Attestation, Claim, ClaimIx, ClaimKind, Constraint, ConstraintKind, DateValue, DenialTarget, EndSelector,
    EntityIx, Graph, Interval, PartialDate, RelPattern, ResolutionTarget, Severity, SourceRef, Status, Sym,
    Value,
};

/// What the engine found: the findings, and the disputes they are the evidence of.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Analysis {
    pub findings: Vec<Finding>,
    pub disputes: Vec<Dispute>,
}

/// Checks every constraint and denial: the findings in a deterministic order (severity,
/// kind, subject, about, id), with analysts' resolutions applied, grouped into disputes.
pub fn analyse(graph: &Graph) -> Analysis {
    analyse_in(graph, None)
}

/// [`analyse`], or with a focus only the findings and disputes whose subject is one of its
/// entities: exactly those of the full check (`incremental.rs`).
fn analyse_in(graph: &Graph, focus: Option<Focus>) -> Analysis {
    let mut engine = Engine::new(graph, focus);
    for c in graph.constraints() {
        match &c.kind {
            ConstraintKind::Single { pattern, properties } if properties.is_empty() => {
                engine.single_object(c, pattern)
            }
            ConstraintKind::Single { pattern, properties } => {
                for p in properties {
                    engine.single_value(c, pattern, *p, ContradictionKind::SingleValue);
                }
            }
            ConstraintKind::Temporal { pattern, property } => {
                engine.single_value(c, pattern, *property, ContradictionKind::Temporal)
            }
            ConstraintKind::Sum { pattern, parts, total } => engine.sum(c, pattern, parts, *total),
            ConstraintKind::Exclusive { patterns } => engine.exclusive(c, patterns),
            ConstraintKind::Parts { pattern, properties, part_of } => {
                engine.parts(c, pattern, properties, *part_of)
            }
            ConstraintKind::Bound { pattern, properties, by, part_of } => {
                engine.bound(c, pattern, properties, by, *part_of)
            }
        }
    }
    engine.denials();
    engine.denied_attestations();
    engine.two_stories();
    engine.finish()
}

/// The findings of [`analyse`].
pub fn check(graph: &Graph) -> Vec<Finding> {
    analyse(graph).findings
}

/// The ids of the findings of [`analyse`]: what `RESOLVE F-…` may name
/// (`load::load_files_checked`).
pub fn finding_ids(graph: &Graph) -> Vec<String> {
    check(graph).into_iter().map(|f| f.id).collect()
}

/// Findings that are in `after` but not in `before` (by id): what a declaration just
/// introduced, for the REPL to warn about.
pub fn new_findings<'a>(before: &[Finding], after: &'a [Finding]) -> Vec<&'a Finding> {
    let old: HashSet<&str> = before.iter().map(|f| f.id.as_str()).collect();
    after.iter().filter(|f| !old.contains(f.id.as_str())).collect()
}

/// Claims on a side of an open finding, with the ids of those findings, so query results
/// can mark contested relationships.
pub fn contested_claims(graph: &Graph) -> HashMap<ClaimIx, Vec<String>> {
    contested_in(&check(graph))
}

/// [`contested_claims`] for findings already computed.
pub fn contested_in(findings: &[Finding]) -> HashMap<ClaimIx, Vec<String>> {
    let mut out: HashMap<ClaimIx, Vec<String>> = HashMap::new();
    for f in findings.iter().filter(|f| f.is_open()) {
        for c in f.claims() {
            let ids = out.entry(c).or_default();
            if !ids.contains(&f.id) {
                ids.push(f.id.clone());
            }
        }
    }
    out
}

fn apply_resolutions(graph: &Graph, findings: &mut [Finding]) {
    for r in graph.resolutions() {
        for f in findings.iter_mut() {
            let applies = match &r.target {
                ResolutionTarget::Finding(id) => f.id.eq_ignore_ascii_case(id),
                ResolutionTarget::Claims(cs) => {
                    !cs.is_empty() && cs.iter().all(|c| f.claims().any(|x| x == *c))
                }
            };
            if applies {
                f.resolution = Some((r.status, r.reason.to_string()));
            }
        }
    }
}

/// How many cores the machine has, asked once: the standard library reads the cgroup's
/// quota from files at each call, and a check shares work between threads a dozen times.
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// `f` of every item, in order. Two threads share the items when the machine has two cores
/// and there are enough items to pay for a thread.
fn on_two_threads<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    on_two_threads_owned(items.iter().collect(), f)
}

/// `f` of the first half of the items and of the second, on two threads when the machine
/// has two cores and there are enough items to pay for a thread (else one call of all).
fn on_two_halves<T: Sync, R: Send>(items: &[T], f: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    let cores = cores();
    if cores < 2 || items.len() < 1024 {
        return vec![f(items)];
    }
    let (first, second) = items.split_at(items.len() / 2);
    std::thread::scope(|scope| {
        let later = scope.spawn(|| f(second));
        let first = f(first);
        match later.join() {
            Ok(second) => vec![first, second],
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// How many items [`on_two_threads_owned`] deals to a thread at a time.
const SHARED_CHUNK: usize = 256;

/// [`on_two_threads`] for items given away: `f` takes each item. The items are dealt in
/// chunks to whichever thread is free, so when one half of the items costs more than the
/// other, neither thread waits for the other; the results come back in the items' order.
fn on_two_threads_owned<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let parts = on_two_threads_in_parts(items, f);
    if parts.len() == 1 {
        return parts.into_iter().flatten().collect();
    }
    let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for part in parts {
        out.extend(part);
    }
    out
}

/// [`on_two_threads_owned`] as the chunks' results, in the items' order: for results large
/// to move, read where they are instead of moved into one vector.
fn on_two_threads_in_parts<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<Vec<R>> {
    let cores = cores();
    if cores < 2 || items.len() < 1024 {
        return vec![items.into_iter().map(&f).collect()];
    }
    let mut rest = items.into_iter();
    let chunks: Vec<Mutex<Vec<T>>> = std::iter::from_fn(|| {
        let chunk: Vec<T> = rest.by_ref().take(SHARED_CHUNK).collect();
        (!chunk.is_empty()).then(|| Mutex::new(chunk))
    })
    .collect();
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done: Vec<(usize, Vec<R>)> = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(chunk) = chunks.get(i) else { return done };
            let chunk = std::mem::take(&mut *chunk.lock().unwrap_or_else(PoisonError::into_inner));
            done.push((i, chunk.into_iter().map(&f).collect()));
        }
    };
    let (mine, theirs) = std::thread::scope(|scope| {
        let later = scope.spawn(work);
        let mine = work();
        match later.join() {
            Ok(theirs) => (mine, theirs),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    let mut parts: Vec<(usize, Vec<R>)> = mine.into_iter().chain(theirs).collect();
    parts.sort_unstable_by_key(|(i, _)| *i);
    parts.into_iter().map(|(_, part)| part).collect()
}

// ---- the engine ------------------------------------------------------------------------

/// A value reduced to what comparisons need.
#[derive(Debug, Clone, PartialEq)]
enum Comparable {
    Number(Interval),
    Date(PartialDate),
    /// A local or zoned date-time.
    Moment(crate::model::Temporal),
    /// Anything else compares by its written form.
    Other(String),
}

impl Comparable {
    /// `None` when the two are of different kinds: the engine cannot tell, so it does not
    /// flag.
    fn compatible(&self, other: &Comparable) -> Option<bool> {
        match (self, other) {
            (Comparable::Number(a), Comparable::Number(b)) => Some(a.overlaps(b)),
            (Comparable::Date(a), Comparable::Date(b)) => Some(a.compatible(b)),
            (Comparable::Date(d), Comparable::Moment(t)) | (Comparable::Moment(t), Comparable::Date(d)) => {
                crate::model::temporal::date_compatible(d, t)
            }
            (Comparable::Moment(a), Comparable::Moment(b)) => crate::model::temporal::compatible(a, b),
            (Comparable::Other(a), Comparable::Other(b)) => Some(a == b),
            _ => None,
        }
    }

    /// Where the value sorts among a question's values (low end first).
    fn order(&self) -> f64 {
        match self {
            Comparable::Number(i) => i.lo,
            Comparable::Date(d) => d.day_range().0 as f64,
            Comparable::Moment(t) => {
                t.date().map_or(f64::INFINITY, |d| PartialDate::from_civil(d).day_range().0 as f64)
            }
            Comparable::Other(_) => f64::INFINITY,
        }
    }
}

/// Claims that share one value within a group: one side of a potential finding.
#[derive(Debug)]
struct Bucket {
    written: String,
    comparable: Option<Comparable>,
    /// The value of the first claim (all claims of a bucket are written alike).
    value: Value,
    claims: Vec<ClaimIx>,
}

/// A side before rendering: its value as written, its claims, its attestations (with the
/// claim each is on).
type SideInput<'g> = (String, Vec<ClaimIx>, Attestations<'g>);

/// A side's value, claims and attestations, borrowed ([`Engine::prepare`]).
type SideParts<'a, 'g> = (&'a str, &'a [ClaimIx], &'a Attestations<'g>);

/// Attestations with the claim each is on (none for a denial's).
type Attestations<'g> = Vec<(Option<ClaimIx>, &'g Attestation)>;

type GroupKey = (EntityIx, Option<EntityIx>, Vec<String>);

/// One attestation of a question's value: (value index, claim, attestation).
type Statement<'g> = (usize, Option<ClaimIx>, &'g Attestation);

/// One answer to a question, as a dispute lists it.
struct QuestionValue<'g> {
    written: String,
    order: f64,
    atts: Vec<(Option<ClaimIx>, &'g Attestation)>,
    /// Each attestation's source and view, in step with `atts`, when they were read where
    /// the attestations were found ([`Engine::bucket_views`]): the dispute's voices then
    /// read no attestation again (one cache miss each at a million claims).
    views: Option<Views>,
}

/// Attestations' sources and views ([`Engine::view`]), in step with their [`Attestations`].
type Views = Vec<(SourceRef, AttestationView)>;

/// One question (subject, about, object, scope): its values and which pairs conflict.
struct Question<'g> {
    id: String,
    subject: EntityIx,
    object: Option<EntityIx>,
    about: String,
    scope: Vec<(String, String)>,
    values: Vec<QuestionValue<'g>>,
    /// The pairs of values (lower index first) that cannot both be true, sorted: a question
    /// has a handful, and a table each would be a block per question to write and free.
    conflicts: Vec<(usize, usize)>,
    /// Indexes into the engine's findings.
    findings: Vec<usize>,
}

/// How [`Engine::prepare`] explains a finding: written now from the names of the sides'
/// sources, or kept as parts ([`Explanation::Values`]).
enum Explain<F> {
    Text(F),
    Values { dates: bool },
}

/// A finding written but not yet recorded under its question ([`Engine::prepare`]).
struct Prepared<'g> {
    finding: Finding,
    /// What the finding is sorted by besides its text ([`FindingKey`]).
    key: FindingKey,
    /// The sides' inputs, or `None` when the finding's sides are written already (a
    /// group's findings, from the attestations' views read with the group's claims).
    sides: Option<[SideInput<'g>; 2]>,
}

/// What a finding's place in report order is decided by, besides its severity, kind and
/// `about`: its subject (ranked by id once for all findings) and the number its id writes
/// (ten hex digits: as numbers they sort as the ids do).
#[derive(Debug, Clone, Copy)]
struct FindingKey {
    subject: EntityIx,
    id: u64,
}

/// Which question a finding answers, and whether its sides are the question's values.
#[derive(Debug, Clone, Copy)]
enum QuestionRef {
    /// A question whose values and conflicts were registered from the values themselves.
    Values(usize),
    /// A question known through its findings: each finding's sides become its values.
    Sides(usize),
}

/// A class denial of one property, as a value of that property's question.
struct DenialValue<'g> {
    pattern: &'g RelPattern,
    property: Sym,
    condition: &'g Value,
    written: String,
    atts: Vec<(Option<ClaimIx>, &'g Attestation)>,
}

/// The subjects a focused check is about (`incremental.rs`).
type Focus = HashSet<EntityIx, FixedState>;

struct Engine<'g> {
    graph: &'g Graph,
    /// Only findings about these subjects are looked for (all when `None`).
    focus: Option<Focus>,
    findings: Vec<Finding>,
    /// Each finding's [`FindingKey`], in step with `findings`.
    finding_keys: Vec<FindingKey>,
    /// The ids of the findings recorded, as the numbers their text is written from.
    seen: HashSet<u64, FixedState>,
    questions: Vec<Question<'g>>,
    question_ids: HashMap<String, usize, FixedState>,
    /// Class denials with exactly one condition: they are answers to that property's
    /// question (`killed: >=10` denied is a position on how many were killed).
    denial_values: Vec<DenialValue<'g>>,
    /// [`Engine::claim_key`] of the claims on findings' sides and questions' values, each
    /// written once (a claim's key goes into finding ids, sides and voices alike).
    claim_keys: HashMap<ClaimIx, String, FixedState>,
    /// Findings whose sides are still to be written (index into `findings`, the sides'
    /// inputs): [`Engine::finish`] writes them all at once, on two threads.
    pending_sides: Vec<(usize, Vec<SideInput<'g>>)>,
    /// Where each attestation of a `DENY` statement is, by its address: a finding keeps
    /// where its attestations are, not their text ([`Engine::view`]).
    denial_attestations: HashMap<usize, AttestationAt, FixedState>,
}

/// How a finding's sides relate, for severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Voices {
    /// Independent voices; the number of sides whose only independent support is hedged
    /// (0, 1 or 2).
    Independent(u8),
    /// The same speaker through the same chain on both sides.
    SelfContradiction,
    /// Only related through a chain (a relay against its source): not flagged.
    Chain,
}

fn voices(a: &Attestations<'_>, b: &Attestations<'_>) -> Voices {
    let mut best: Option<u8> = None;
    let mut identical = false;
    for (_, x) in a {
        for (_, y) in b {
            if !same_voice(x, y) {
                let level = u8::from(x.status.is_hedged()) + u8::from(y.status.is_hedged());
                best = Some(best.map_or(level, |b: u8| b.min(level)));
            } else if identical_voice(x, y) {
                identical = true;
            }
        }
    }
    match best {
        Some(l) => Voices::Independent(l),
        None if identical => Voices::SelfContradiction,
        None => Voices::Chain,
    }
}

fn demote(s: Severity, steps: u8) -> Severity {
    let mut s = s;
    for _ in 0..steps {
        s = match s {
            Severity::Violation => Severity::Warning,
            _ => Severity::Suggestion,
        };
    }
    s
}

/// FNV-1a, 64 bits: stable across runs, platforms and Rust versions (unlike `DefaultHasher`).
pub(crate) fn fnv1a(text: &str) -> u64 {
    Fnv1a::default().text(text).0
}

/// [`fnv1a`] fed piece by piece: hashing the pieces of a key in turn gives the hash of the
/// key written out, without writing it.
#[derive(Debug, Clone, Copy)]
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    fn text(mut self, text: &str) -> Self {
        for b in text.bytes() {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self
    }

    /// The id's number: the hash's top 40 bits (what its ten hex digits write).
    fn id_number(self) -> u64 {
        self.0 >> 24
    }
}

impl std::fmt::Write for Fnv1a {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        *self = self.text(s);
        Ok(())
    }
}

/// How two sides' keys (`value|claims…`) sort, when their values alone decide it: the
/// keys differ before either value's `|` ends. `None` when one is a prefix of the other
/// there.
fn order_by_values(v1: &str, v2: &str) -> Option<std::cmp::Ordering> {
    let a = v1.bytes().chain(std::iter::once(b'|'));
    let b = v2.bytes().chain(std::iter::once(b'|'));
    a.zip(b).find(|(x, y)| x != y).map(|(x, y)| x.cmp(&y))
}

fn short_id(prefix: &str, key: &str) -> String {
    id_text(prefix, Fnv1a::default().text(key).id_number())
}

fn id_text(prefix: &str, number: u64) -> String {
    format!("{prefix}-{number:010x}")
}

/// The number a finding's id writes (`F-` and ten hex digits), for the set of ids seen.
fn id_number(id: &str) -> u64 {
    id.get(2..).and_then(|hex| u64::from_str_radix(hex, 16).ok()).unwrap_or(u64::MAX)
}

impl<'g> Engine<'g> {
    fn new(graph: &'g Graph, focus: Option<Focus>) -> Self {
        let mut denial_values = Vec::new();
        for d in graph.denials() {
            if let DenialTarget::Class { pattern, conditions } = &d.target {
                if let [(property, condition)] = conditions.as_slice() {
                    denial_values.push(DenialValue {
                        pattern,
                        property: *property,
                        condition,
                        written: format!("denied: {} {condition}", graph.str(*property)),
                        atts: d.attestations.iter().map(|a| (None, a)).collect(),
                    });
                }
            }
        }
        Engine {
            graph,
            focus,
            findings: Vec::new(),
            finding_keys: Vec::new(),
            seen: HashSet::default(),
            questions: Vec::new(),
            question_ids: HashMap::default(),
            denial_values,
            claim_keys: HashMap::default(),
            pending_sides: Vec::new(),
            denial_attestations: graph
                .denials_with_keys()
                .flat_map(|(key, d)| {
                    d.attestations.iter().enumerate().filter_map(move |(i, a)| {
                        Some((
                            std::ptr::from_ref(a).addr(),
                            AttestationAt::Denial(key, u32::try_from(i).ok()?),
                        ))
                    })
                })
                .collect(),
        }
    }

    // ---- claims and values ---------------------------------------------------------------

    fn matches_end(&self, sel: &EndSelector, ix: EntityIx) -> bool {
        sel.matches(self.graph, ix)
    }

    /// Whether findings about this subject are looked for.
    fn in_focus(&self, subject: EntityIx) -> bool {
        self.focus.as_ref().is_none_or(|f| f.contains(&subject))
    }

    /// The claims of a type (`None`: every claim) at these entities (`Outgoing`: whose
    /// subject they are), in index order: the order a full pass meets them in.
    fn claims_at(
        &self,
        ends: impl IntoIterator<Item = EntityIx>,
        dir: petgraph::Direction,
        rel_type: Option<Sym>,
    ) -> Vec<ClaimIx> {
        let graph = self.graph;
        let mut claims: Vec<ClaimIx> = ends
            .into_iter()
            .flat_map(|e| graph.claims_at(e, dir))
            .filter(|c| rel_type.is_none_or(|t| graph.claim(*c).is_some_and(|cl| cl.rel_type == t)))
            .collect();
        claims.sort_unstable();
        claims.dedup();
        claims
    }

    /// Stated claims matching a pattern, with their ends: one pass over the type's claims,
    /// or over the focus's subjects' claims.
    fn matching(&self, pattern: &RelPattern) -> Vec<(ClaimIx, EntityIx, EntityIx, &'g Claim)> {
        let claims = self.candidates(pattern);
        let n = claims.len();
        self.matching_of(pattern, claims, n)
    }

    /// The claims [`Engine::matching`] looks at: the type's, or the focus's subjects'.
    fn candidates(&self, pattern: &RelPattern) -> Vec<ClaimIx> {
        match &self.focus {
            None => {
                let mut out = Vec::with_capacity(self.graph.type_count(pattern.rel_type));
                out.extend(self.graph.claims_of_type(pattern.rel_type));
                out
            }
            Some(focus) => {
                self.claims_at(focus.iter().copied(), petgraph::Direction::Outgoing, Some(pattern.rel_type))
            }
        }
    }

    /// The claim with its ends, if it is stated and matches the pattern.
    fn matched(&self, pattern: &RelPattern, c: ClaimIx) -> Option<(ClaimIx, EntityIx, EntityIx, &'g Claim)> {
        let graph = self.graph;
        let claim = graph.claim(c)?;
        let (s, o) = graph.endpoints(c)?;
        (claim.kind == ClaimKind::Stated
            && claim.rel_type == pattern.rel_type
            && self.matches_end(&pattern.subject, s)
            && self.matches_end(&pattern.object, o))
        .then_some((c, s, o, claim))
    }

    /// Those of `claims` that are stated and match the pattern, with their ends.
    fn matching_of(
        &self,
        pattern: &RelPattern,
        claims: impl IntoIterator<Item = ClaimIx>,
        at_most: usize,
    ) -> Vec<(ClaimIx, EntityIx, EntityIx, &'g Claim)> {
        // Reserved at once: a vector grown by doubling touches twice the fresh memory.
        let mut out = Vec::with_capacity(at_most);
        out.extend(claims.into_iter().filter_map(|c| self.matched(pattern, c)));
        out
    }

    /// Whether any source states the claim (an attestation other than a denial).
    fn supported(&self, c: ClaimIx) -> bool {
        self.graph.claim(c).is_some_and(|cl| cl.attestations.iter().any(|a| a.status != Status::Denied))
    }

    fn supporting(&self, c: ClaimIx) -> Vec<&'g Attestation> {
        self.graph
            .claim(c)
            .map(|cl| cl.attestations.iter().filter(|a| a.status != Status::Denied).collect())
            .unwrap_or_default()
    }

    fn scope(&self, claim: &Claim, per: &[Sym]) -> Vec<String> {
        per.iter().map(|k| claim.prop(*k).map_or_else(|| "null".to_string(), Value::to_string)).collect()
    }

    /// The date relative dates of a claim are resolved against: the `published` date of the
    /// document of its first attestation that has one.
    fn anchor(&self, claim: &Claim) -> Option<PartialDate> {
        claim.attestations.iter().filter_map(|a| a.document).find_map(|d| self.graph.published_date(d))
    }

    fn comparable(&self, claim: &Claim, v: &Value) -> Option<(String, Comparable)> {
        if let Some(i) = v.interval() {
            if i.lo.is_nan() || i.hi.is_nan() {
                return None;
            }
            return Some((v.to_string(), Comparable::Number(i)));
        }
        match v {
            Value::Null => None,
            Value::Date(d @ DateValue::Relative { .. }) => {
                let resolved = d.resolve(self.anchor(claim).as_ref())?;
                Some((format!("{d} (= {resolved})"), Comparable::Date(resolved)))
            }
            Value::Date(DateValue::Absolute(p)) => Some((v.to_string(), Comparable::Date(*p))),
            Value::Temporal(t) if t.date().is_some() => Some((v.to_string(), Comparable::Moment(t.clone()))),
            other => Some((other.to_string(), Comparable::Other(other.to_string()))),
        }
    }

    fn entity_ref(&self, ix: EntityIx) -> EntityRef {
        finding::entity_ref(self.graph, ix)
    }

    fn source_ref(&self, s: SourceRef) -> EntityRef {
        finding::source_ref(self.graph, s)
    }

    /// The claim's id, or a description of an unnamed claim (stable: used in finding ids):
    /// remembered by [`Engine::remember_claim_keys`], else written now.
    fn claim_key(&self, c: ClaimIx) -> Cow<'_, str> {
        match self.claim_keys.get(&c) {
            Some(key) => Cow::Borrowed(key),
            None => Cow::Owned(self.describe_claim(c)),
        }
    }

    /// Writes the keys of these claims once, for [`Engine::claim_key`].
    fn remember_claim_keys(&mut self, claims: impl IntoIterator<Item = ClaimIx>) {
        for c in claims {
            if !self.claim_keys.contains_key(&c) {
                let key = self.describe_claim(c);
                self.claim_keys.insert(c, key);
            }
        }
    }

    fn describe_claim(&self, c: ClaimIx) -> String {
        finding::describe_claim(self.graph, c)
    }

    fn props_text(&self, claim: &Claim) -> String {
        finding::props_text(self.graph, claim)
    }

    /// The attestation `a` as a finding keeps it: where it is in the graph. `claim` is the
    /// claim a side names it on, which holds it unless it is a denial's.
    fn view(&self, a: &Attestation, claim: Option<ClaimIx>) -> AttestationView {
        let on_claim = claim.and_then(|c| {
            let list = &self.graph.claim(c)?.attestations;
            let i = list.iter().position(|x| std::ptr::eq(x, a))?;
            Some(AttestationAt::Claim(c, u32::try_from(i).ok()?))
        });
        let at = on_claim
            .or_else(|| self.denial_attestations.get(&std::ptr::from_ref(a).addr()).copied())
            .or_else(|| self.anywhere(a))
            .unwrap_or(AttestationAt::Denial(u64::MAX, u32::MAX));
        AttestationView { at, status: a.status, claim }
    }

    /// Where an attestation that is neither on its side's claim nor on a denial is: looked
    /// for on every claim (no rule makes such a side; this keeps a new one correct).
    fn anywhere(&self, a: &Attestation) -> Option<AttestationAt> {
        self.graph.stated_claims().find_map(|c| {
            let i = self.graph.claim(c)?.attestations.iter().position(|x| std::ptr::eq(x, a))?;
            Some(AttestationAt::Claim(c, u32::try_from(i).ok()?))
        })
    }

    fn side(&self, value: String, claims: Vec<ClaimIx>, atts: &[(Option<ClaimIx>, &Attestation)]) -> Side {
        Side { value, claims, attestations: atts.iter().map(|(c, a)| self.view(a, *c)).collect() }
    }

    fn names(&self, atts: &[(Option<ClaimIx>, &Attestation)]) -> VoiceNames {
        let atts: Vec<&Attestation> = atts.iter().map(|(_, a)| *a).collect();
        finding::voice_names(self.graph, &atts)
    }

    /// Builds and records a two-sided finding, unless the sides are one voice through a
    /// chain. `base` is the severity of a conflict between independent, unhedged sources.
    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        kind: ContradictionKind,
        constraint: Option<&Constraint>,
        ends: (EntityIx, Option<EntityIx>),
        about: String,
        question: QuestionRef,
        sides: [SideInput<'g>; 2],
        explain: impl FnOnce(&VoiceNames, &VoiceNames) -> String,
    ) {
        self.remember_claim_keys(sides.iter().flat_map(|(_, cs, _)| cs.iter().copied()).collect::<Vec<_>>());
        let refs = self.ends_refs(ends);
        let [(v1, c1, a1), (v2, c2, a2)] = &sides;
        let parts = [(v1.as_str(), c1.as_slice(), a1), (v2.as_str(), c2.as_slice(), a2)];
        if let Some((finding, key)) =
            self.prepare(kind, constraint, ends, &refs, about, parts, Explain::Text(explain))
        {
            self.record(Prepared { finding, key, sides: Some(sides) }, question);
        }
    }

    /// The ends of a finding as it shows them ([`Engine::entity_ref`]).
    fn ends_refs(&self, (s, o): (EntityIx, Option<EntityIx>)) -> (EntityRef, Option<EntityRef>) {
        (self.entity_ref(s), o.map(|o| self.entity_ref(o)))
    }

    /// The finding a group ([`Engine::check_group`]) or [`Engine::emit`] records, with its
    /// key, written from the graph alone (so two threads can write findings at once), or
    /// `None` when the sides are one voice through a chain. `refs` are the ends as
    /// [`Engine::ends_refs`] writes them (once for all the findings between two ends). The
    /// sides are read borrowed: a group writes its findings' sides from what it read, and
    /// would only drop copies of their attestations.
    #[allow(clippy::too_many_arguments)]
    fn prepare(
        &self,
        kind: ContradictionKind,
        constraint: Option<&Constraint>,
        ends: (EntityIx, Option<EntityIx>),
        refs: &(EntityRef, Option<EntityRef>),
        about: String,
        sides: [SideParts<'_, 'g>; 2],
        explain: Explain<impl FnOnce(&VoiceNames, &VoiceNames) -> String>,
    ) -> Option<(Finding, FindingKey)> {
        let [(v1, c1, a1), (v2, c2, a2)] = sides;
        let base = constraint.and_then(|c| c.severity).unwrap_or(Severity::Violation);
        let voiced = voices(a1, a2);
        let severity = match voiced {
            Voices::Chain => return None,
            Voices::SelfContradiction => Severity::Suggestion,
            Voices::Independent(hedged) => demote(base, hedged),
        };
        let constraint_id = constraint.map(|c| self.graph.str(c.id));
        // The hash of `kind|constraint|subject|object|about|key||key`, fed in pieces.
        let mut key = Fnv1a::default();
        for piece in [
            kind.as_str(),
            constraint_id.unwrap_or("deny"),
            self.graph.entity_id(ends.0),
            ends.1.map_or("", |o| self.graph.entity_id(o)),
            &about,
        ] {
            key = key.text(piece).text("|");
        }
        let number = match (c1, c2, order_by_values(v1, v2)) {
            // One claim a side, and the values decide the sides' order (most findings):
            // the claims' keys are hashed as they are written, not written out.
            ([x], [y], Some(order)) => {
                let (first, second) = if order.is_lt() { ((v1, *x), (v2, *y)) } else { ((v2, *y), (v1, *x)) };
                key = key.text(first.0).text("|");
                self.hash_claim_key(&mut key, first.1);
                key = key.text("||").text(second.0).text("|");
                self.hash_claim_key(&mut key, second.1);
                key.id_number()
            }
            _ => self.sides_key(key, [(v1, c1, a1), (v2, c2, a2)]),
        };
        let id = id_text("F", number);
        let same_source = severity == Severity::Suggestion && matches!(voiced, Voices::SelfContradiction);
        let explanation = match explain {
            Explain::Text(explain) => {
                let explanation = explain(&self.names(a1), &self.names(a2));
                Explanation::Text(if same_source {
                    format!("{explanation} (the same source on both sides)")
                } else {
                    explanation
                })
            }
            Explain::Values { dates } => Explanation::Values { dates, same_source },
        };
        let finding = Finding {
            id,
            kind,
            severity,
            constraint: constraint_id.map(str::to_string),
            subject: refs.0.clone(),
            object: refs.1.clone(),
            about,
            sides: Vec::new(),
            explanation,
            resolution: None,
            // Set when it is recorded under its question.
            dispute: String::new(),
        };
        Some((finding, FindingKey { subject: ends.0, id: number }))
    }

    /// The rest of a finding id's hash ([`Engine::prepare`]): the sides' keys
    /// (`value|claims` sorted, and the sources of a side without claims), sorted.
    fn sides_key(&self, key: Fnv1a, sides: [SideParts<'_, 'g>; 2]) -> u64 {
        let mut keys: [String; 2] = sides.map(|(v, cs, atts)| {
            let mut k = format!("{v}|");
            if let [one] = cs {
                k.push_str(&self.claim_key(*one));
            } else {
                let mut claims: Vec<Cow<'_, str>> = cs.iter().map(|c| self.claim_key(*c)).collect();
                claims.sort();
                k.push_str(&claims.join(","));
            }
            if cs.is_empty() {
                let mut srcs: Vec<String> = atts.iter().map(|(_, a)| self.source_ref(a.source).id).collect();
                srcs.sort();
                let _ = write!(k, "|{}", srcs.join(","));
            }
            k
        });
        keys.sort();
        key.text(&keys[0]).text("||").text(&keys[1]).id_number()
    }

    /// Feeds a claim's key ([`Engine::claim_key`]) to a finding id's hash.
    fn hash_claim_key(&self, key: &mut Fnv1a, c: ClaimIx) {
        match self.claim_keys.get(&c) {
            Some(text) => *key = key.text(text),
            None => finding::write_claim_key(self.graph, c, key),
        }
    }
    /// Records a finding under its question, unless one with its id is recorded already.
    fn record(&mut self, prepared: Prepared<'g>, question: QuestionRef) {
        let Prepared { mut finding, key, sides } = prepared;
        if !self.seen.insert(key.id) {
            return;
        }
        let qi = match (question, &sides) {
            (QuestionRef::Values(qi), _) | (QuestionRef::Sides(qi), None) => qi,
            (QuestionRef::Sides(qi), Some([(v1, _, a1), (v2, _, a2)])) => {
                // Descriptions, not numbers: they sort as written.
                let i = self.question_value(qi, v1, f64::INFINITY, a1);
                let j = self.question_value(qi, v2, f64::INFINITY, a2);
                self.conflict(qi, i, j);
                qi
            }
        };
        // A group's finding knows its dispute already (the question's id is a hash of its
        // key, so the same text).
        if finding.dispute.is_empty() {
            finding.dispute = self.questions[qi].id.clone();
        }
        self.findings.push(finding);
        self.finding_keys.push(key);
        let fi = self.findings.len() - 1;
        if let Some(sides) = sides {
            self.pending_sides.push((fi, Vec::from(sides)));
        }
        self.questions[qi].findings.push(fi);
    }

    /// [`Engine::bucket_atts`] with each attestation's source and view, read while the
    /// claims are at hand (the view's place is the attestation's index on its claim).
    fn bucket_views(&self, claims: &[ClaimIx]) -> (Attestations<'g>, Views) {
        let (mut atts, mut views) = (Vec::new(), Vec::new());
        for &c in claims {
            let Some(claim) = self.graph.claim(c) else { continue };
            for (i, a) in claim.attestations.iter().enumerate().filter(|(_, a)| a.status != Status::Denied) {
                let at = u32::try_from(i)
                    .map_or_else(|_| self.view(a, Some(c)).at, |i| AttestationAt::Claim(c, i));
                atts.push((Some(c), a));
                views.push((a.source, AttestationView { at, status: a.status, claim: Some(c) }));
            }
        }
        (atts, views)
    }

    fn bucket_atts(&self, claims: &[ClaimIx]) -> Vec<(Option<ClaimIx>, &'g Attestation)> {
        let mut out = Vec::new();
        for &c in claims {
            if let Some(claim) = self.graph.claim(c) {
                out.extend(
                    claim.attestations.iter().filter(|a| a.status != Status::Denied).map(|a| (Some(c), a)),
                );
            }
        }
        out
    }

    fn ends_text(&self, s: EntityIx, o: Option<EntityIx>) -> String {
        match o {
            Some(o) if o != s => format!("{} -> {}", self.graph.display_name(s), self.graph.display_name(o)),
            _ => self.graph.display_name(s).to_string(),
        }
    }
}

#[cfg(test)]
mod tests;
