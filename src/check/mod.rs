//! The contradiction engine: declared constraints and denials checked against the claims,
//! reporting every disagreement between sources with its evidence. It flags, it never
//! rejects (Wikidata's constraint checks are the model).
//!
//! [`check`] makes one pass over the claims of each constrained relationship type, grouping
//! them by (constraint, subject, object, scope values) in hash maps, so the work is linear
//! in the claims; only the distinct values *within* one group are compared pairwise (a
//! handful in practice). Class denials make one pass over the claims of their type each.
//! Rules (tolerance, severity, voices) are documented in `docs/contradictions.md`.

pub mod finding;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

// Voices are defined in the model, below both this engine and the query engine's
// `corroboration(r)`; they stay reachable here as `check::corroboration`.
pub use crate::model::corroboration;
pub use corroboration::{independent_sources, independent_voices, same_voice};
pub use finding::{
    findings_json, findings_table, AttestationView, ContradictionKind, EntityRef, Finding, Side,
};

use corroboration::identical_voice;

use crate::model::result::QueryValue;
use crate::model::value::DEFAULT_APPROX_TOLERANCE;
use crate::model::{
    Attestation, Claim, ClaimIx, ClaimKind, Constraint, ConstraintKind, DateValue, DenialTarget, EndSelector,
    EntityIx, Graph, Interval, PartialDate, RelPattern, ResolutionTarget, Severity, SourceRef, Status, Sym,
    Value,
};

/// Checks every constraint and denial; returns the findings in a deterministic order
/// (severity, kind, subject, about, id), with analysts' resolutions applied.
pub fn check(graph: &Graph) -> Vec<Finding> {
    let mut engine = Engine { graph, findings: Vec::new(), seen: HashSet::new() };
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
        }
    }
    engine.denials();
    engine.denied_attestations();
    let mut findings = engine.findings;
    apply_resolutions(graph, &mut findings);
    findings.sort_by(|a, b| {
        (a.severity, a.kind, &a.subject.id, &a.about, &a.id).cmp(&(
            b.severity,
            b.kind,
            &b.subject.id,
            &b.about,
            &b.id,
        ))
    });
    findings
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

/// Findings about an entity or claim id (`about`: subject, object or a claim on a side) and
/// of one kind, as `CONTRADICTIONS [ABOUT id] [KIND kind]` filters them.
pub fn filter_findings<'a>(
    graph: &Graph,
    findings: &'a [Finding],
    about: Option<&str>,
    kind: Option<ContradictionKind>,
) -> Vec<&'a Finding> {
    let claim = about.and_then(|a| graph.find_claim(a));
    findings
        .iter()
        .filter(|f| kind.is_none_or(|k| f.kind == k))
        .filter(|f| match about {
            None => true,
            Some(a) => {
                f.subject.id == a
                    || f.object.as_ref().is_some_and(|o| o.id == a)
                    || claim.is_some_and(|c| f.claims().any(|x| x == c))
            }
        })
        .collect()
}

/// The rows of `CONTRADICTIONS [ABOUT id] [KIND kind]`: columns id, kind, severity, subject,
/// about, sides, sources, explanation, status.
pub fn contradictions_rows(
    graph: &Graph,
    about: Option<&str>,
    kind: Option<ContradictionKind>,
) -> (Vec<String>, Vec<Vec<QueryValue>>) {
    let columns = ["id", "kind", "severity", "subject", "about", "sides", "sources", "explanation", "status"]
        .map(String::from)
        .to_vec();
    let findings = check(graph);
    let rows = filter_findings(graph, &findings, about, kind)
        .into_iter()
        .map(|f| {
            let s = |x: &str| QueryValue::String(x.to_string());
            let sides = f.sides.iter().map(|side| s(&side.value)).collect();
            let sources = f
                .sides
                .iter()
                .map(|side| {
                    QueryValue::List(side.attestations.iter().map(|a| s(&a.source.id)).collect::<Vec<_>>())
                })
                .collect();
            vec![
                s(&f.id),
                s(f.kind.as_str()),
                s(f.severity.as_str()),
                s(&f.subject.id),
                s(&f.about),
                QueryValue::List(sides),
                QueryValue::List(sources),
                s(&f.explanation),
                s(f.status()),
            ]
        })
        .collect();
    (columns, rows)
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

// ---- the engine ------------------------------------------------------------------------

/// A value reduced to what comparisons need.
#[derive(Debug, Clone, PartialEq)]
enum Comparable {
    Number(Interval),
    Date(PartialDate),
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
            (Comparable::Other(a), Comparable::Other(b)) => Some(a == b),
            _ => None,
        }
    }
}

/// Claims that share one value within a group: one side of a potential finding.
#[derive(Debug, Default)]
struct Bucket {
    written: String,
    comparable: Option<Comparable>,
    claims: Vec<ClaimIx>,
}

/// A side before rendering: its value as written, its claims, its attestations (with the
/// claim each is on).
type SideInput<'g> = (String, Vec<ClaimIx>, Vec<(Option<ClaimIx>, &'g Attestation)>);

type GroupKey = (EntityIx, Option<EntityIx>, Vec<String>);

struct Engine<'g> {
    graph: &'g Graph,
    findings: Vec<Finding>,
    seen: HashSet<String>,
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

fn voices(a: &[&Attestation], b: &[&Attestation]) -> Voices {
    let mut best: Option<u8> = None;
    let mut identical = false;
    for x in a {
        for y in b {
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
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl<'g> Engine<'g> {
    fn matches_end(&self, sel: &EndSelector, ix: EntityIx) -> bool {
        sel.entity.is_none_or(|e| e == ix) && sel.labels.iter().all(|l| self.graph.has_label(ix, *l))
    }

    /// Stated claims matching a pattern, with their ends: one pass over the type's claims.
    fn matching(&self, pattern: &RelPattern) -> Vec<(ClaimIx, EntityIx, EntityIx, &'g Claim)> {
        let graph = self.graph;
        graph
            .claims_of_type(pattern.rel_type)
            .filter_map(|c| {
                let claim = graph.claim(c)?;
                let (s, o) = graph.endpoints(c)?;
                (claim.kind == ClaimKind::Stated
                    && self.matches_end(&pattern.subject, s)
                    && self.matches_end(&pattern.object, o))
                .then_some((c, s, o, claim))
            })
            .collect()
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
        let published = self.graph.sym("published")?;
        claim.attestations.iter().filter_map(|a| a.document).find_map(|d| {
            match self.graph.entity_prop(d, published) {
                Some(Value::Date(DateValue::Absolute(p))) => Some(*p),
                _ => None,
            }
        })
    }

    fn comparable(&self, claim: &Claim, v: &Value, tolerance: f64) -> Option<(String, Comparable)> {
        if let Some(i) = v.interval(tolerance) {
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
            other => Some((other.to_string(), Comparable::Other(other.to_string()))),
        }
    }

    fn entity_ref(&self, ix: EntityIx) -> EntityRef {
        EntityRef { id: self.graph.entity_id(ix).to_string(), name: self.graph.display_name(ix).to_string() }
    }

    fn source_ref(&self, s: SourceRef) -> EntityRef {
        match s {
            SourceRef::Entity(ix) => self.entity_ref(ix),
            SourceRef::User(u) => {
                let name = self.graph.str(u).to_string();
                EntityRef { id: format!("user:{name}"), name }
            }
        }
    }

    /// The claim's id, or a description of an unnamed claim (stable: used in finding ids).
    fn claim_key(&self, c: ClaimIx) -> String {
        let Some(claim) = self.graph.claim(c) else { return String::new() };
        if let Some(id) = claim.id {
            return self.graph.str(id).to_string();
        }
        let (s, o) = self
            .graph
            .endpoints(c)
            .map_or(("?", "?"), |(s, o)| (self.graph.entity_id(s), self.graph.entity_id(o)));
        format!("({s})-[:{}{}]->({o})", self.graph.str(claim.rel_type), self.props_text(claim))
    }

    fn props_text(&self, claim: &Claim) -> String {
        if claim.props.is_empty() {
            return String::new();
        }
        let parts: Vec<String> =
            claim.props.iter().map(|(k, v)| format!("{}: {v}", self.graph.str(*k))).collect();
        format!(" {{{}}}", parts.join(", "))
    }

    /// `claim` is the attested claim's [`Self::claim_key`].
    fn view(&self, a: &Attestation, claim: Option<&str>) -> AttestationView {
        AttestationView {
            source: self.source_ref(a.source),
            via: a.via.iter().map(|v| self.graph.entity_id(*v).to_string()).collect(),
            quote: a.quote.as_deref().map(str::to_string),
            status: a.status,
            document: a.document.map(|d| self.graph.entity_id(d).to_string()),
            position: a.position.as_deref().map(str::to_string),
            claim: claim.map(str::to_string),
        }
    }

    fn side(&self, value: String, claims: &[ClaimIx], atts: &[(Option<ClaimIx>, &Attestation)]) -> Side {
        Side {
            value,
            claims: claims.to_vec(),
            attestations: {
                // A side's attestations are mostly of a few claims: describe each claim once.
                let mut keys: Vec<(ClaimIx, String)> = Vec::new();
                atts.iter()
                    .map(|(c, a)| {
                        let claim = c.map(|c| match keys.iter().position(|(k, _)| *k == c) {
                            Some(i) => i,
                            None => {
                                keys.push((c, self.claim_key(c)));
                                keys.len() - 1
                            }
                        });
                        self.view(a, claim.map(|i| keys[i].1.as_str()))
                    })
                    .collect()
            },
            corroboration: independent_voices(atts.iter().map(|(_, a)| *a))
                .into_iter()
                .map(|s| self.source_ref(s))
                .collect(),
        }
    }

    fn names(&self, atts: &[(Option<ClaimIx>, &Attestation)]) -> String {
        let voices = independent_voices(atts.iter().map(|(_, a)| *a));
        let voices = if voices.is_empty() {
            // Only DENIED attestations: name them anyway.
            let mut v: Vec<SourceRef> = Vec::new();
            for (_, a) in atts {
                if !v.contains(&a.source) {
                    v.push(a.source);
                }
            }
            v
        } else {
            voices
        };
        let names: Vec<String> = voices.iter().map(|s| self.source_ref(*s).name).collect();
        match names.len() {
            0 => "nobody".into(),
            1 => names[0].clone(),
            _ => format!("{} and {}", names[..names.len() - 1].join(", "), names[names.len() - 1]),
        }
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
        sides: [SideInput<'g>; 2],
        explain: impl FnOnce(&str, &str) -> String,
    ) {
        let [(v1, c1, a1), (v2, c2, a2)] = sides;
        let x: Vec<&Attestation> = a1.iter().map(|(_, a)| *a).collect();
        let y: Vec<&Attestation> = a2.iter().map(|(_, a)| *a).collect();
        let base = constraint.and_then(|c| c.severity).unwrap_or(Severity::Violation);
        let severity = match voices(&x, &y) {
            Voices::Chain => return,
            Voices::SelfContradiction => Severity::Suggestion,
            Voices::Independent(hedged) => demote(base, hedged),
        };
        let constraint_id = constraint.map(|c| self.graph.str(c.id).to_string());
        // The id: everything that identifies the disagreement, sides in sorted order.
        let mut keys: Vec<String> = [(&v1, &c1, &a1), (&v2, &c2, &a2)]
            .iter()
            .map(|(v, cs, atts)| {
                let mut k = format!("{v}|");
                let mut claims: Vec<String> = cs.iter().map(|c| self.claim_key(*c)).collect();
                claims.sort();
                k.push_str(&claims.join(","));
                if cs.is_empty() {
                    let mut srcs: Vec<String> =
                        atts.iter().map(|(_, a)| self.source_ref(a.source).id).collect();
                    srcs.sort();
                    let _ = write!(k, "|{}", srcs.join(","));
                }
                k
            })
            .collect();
        keys.sort();
        let key = format!(
            "{}|{}|{}|{}|{}|{}",
            kind.as_str(),
            constraint_id.as_deref().unwrap_or("deny"),
            self.graph.entity_id(ends.0),
            ends.1.map_or("", |o| self.graph.entity_id(o)),
            about,
            keys.join("||"),
        );
        let id = format!("F-{:010x}", fnv1a(&key) >> 24);
        if !self.seen.insert(id.clone()) {
            return;
        }
        let explanation = explain(&self.names(&a1), &self.names(&a2));
        let explanation =
            if severity == Severity::Suggestion && matches!(voices(&x, &y), Voices::SelfContradiction) {
                format!("{explanation} (the same source on both sides)")
            } else {
                explanation
            };
        let finding = Finding {
            id,
            kind,
            severity,
            constraint: constraint_id,
            subject: self.entity_ref(ends.0),
            object: ends.1.map(|o| self.entity_ref(o)),
            about,
            sides: vec![self.side(v1, &c1, &a1), self.side(v2, &c2, &a2)],
            explanation,
            resolution: None,
        };
        self.findings.push(finding);
    }

    fn bucket_atts(&self, claims: &[ClaimIx]) -> Vec<(Option<ClaimIx>, &'g Attestation)> {
        claims.iter().flat_map(|c| self.supporting(*c).into_iter().map(move |a| (Some(*c), a))).collect()
    }

    fn ends_text(&self, s: EntityIx, o: Option<EntityIx>) -> String {
        match o {
            Some(o) if o != s => format!("{} -> {}", self.graph.display_name(s), self.graph.display_name(o)),
            _ => self.graph.display_name(s).to_string(),
        }
    }

    /// Compares every pair of buckets of every group; `conflict` says whether two
    /// comparables cannot both be true.
    fn pairwise(
        &mut self,
        kind: ContradictionKind,
        c: &Constraint,
        about: &str,
        groups: BTreeMap<GroupKey, Vec<Bucket>>,
        tolerance_note: &str,
    ) {
        for ((s, o, _scope), buckets) in groups {
            for i in 0..buckets.len() {
                for j in (i + 1)..buckets.len() {
                    let (a, b) = (&buckets[i], &buckets[j]);
                    let conflict = match (&a.comparable, &b.comparable) {
                        (Some(x), Some(y)) => x.compatible(y) == Some(false),
                        _ => false,
                    };
                    if !conflict {
                        continue;
                    }
                    let ends = self.ends_text(s, o);
                    let (va, vb) = (a.written.clone(), b.written.clone());
                    let what = if kind == ContradictionKind::Temporal { "dates" } else { "values" };
                    let about_text = about.to_string();
                    let note = tolerance_note.to_string();
                    let sides = [
                        (va.clone(), a.claims.clone(), self.bucket_atts(&a.claims)),
                        (vb.clone(), b.claims.clone(), self.bucket_atts(&b.claims)),
                    ];
                    self.emit(kind, Some(c), (s, o), about.to_string(), sides, move |n1, n2| {
                        let tail = if kind == ContradictionKind::Temporal {
                            "do not overlap even at their precision"
                        } else {
                            "cannot both be true"
                        };
                        format!("{n1} gives {about_text} of {ends} as {va} and {n2} as {vb}; the {what} {tail}{note}.")
                    });
                }
            }
        }
    }

    fn tolerance(c: &Constraint) -> f64 {
        c.tolerance.unwrap_or(DEFAULT_APPROX_TOLERANCE)
    }

    /// SINGLE ... ON p (and TEMPORAL ... ON p): one value per (subject, object, scope).
    fn single_value(&mut self, c: &Constraint, pattern: &RelPattern, prop: Sym, kind: ContradictionKind) {
        let tol = Self::tolerance(c);
        let mut groups: HashMap<GroupKey, Vec<Bucket>> = HashMap::new();
        for (ix, s, o, claim) in self.matching(pattern) {
            if !self.supported(ix) {
                continue;
            }
            let Some(v) = claim.prop(prop) else { continue };
            let Some((written, comparable)) = self.comparable(claim, v, tol) else { continue };
            if kind == ContradictionKind::Temporal && !matches!(comparable, Comparable::Date(_)) {
                continue;
            }
            let buckets = groups.entry((s, Some(o), self.scope(claim, &c.per))).or_default();
            match buckets.iter_mut().find(|b| b.written == written) {
                Some(b) => b.claims.push(ix),
                None => buckets.push(Bucket { written, comparable: Some(comparable), claims: vec![ix] }),
            }
        }
        let note = match (kind, c.tolerance) {
            (ContradictionKind::Temporal, _) => String::new(),
            (_, Some(t)) => format!(" (approximate values stretched by {}%)", t * 100.0),
            _ => String::new(),
        };
        let about = self.graph.str(prop).to_string();
        self.pairwise(kind, c, &about, groups.into_iter().collect(), &note);
    }

    /// SINGLE without ON: one object per subject (and scope).
    fn single_object(&mut self, c: &Constraint, pattern: &RelPattern) {
        let mut groups: HashMap<GroupKey, Vec<Bucket>> = HashMap::new();
        for (ix, s, o, claim) in self.matching(pattern) {
            if !self.supported(ix) {
                continue;
            }
            let written = self.graph.entity_id(o).to_string();
            let buckets = groups.entry((s, None, self.scope(claim, &c.per))).or_default();
            match buckets.iter_mut().find(|b| b.written == written) {
                Some(b) => b.claims.push(ix),
                None => buckets.push(Bucket {
                    comparable: Some(Comparable::Other(written.clone())),
                    written,
                    claims: vec![ix],
                }),
            }
        }
        let about = self.graph.str(pattern.rel_type).to_string();
        self.pairwise(ContradictionKind::SingleValue, c, &about, groups.into_iter().collect(), "");
    }

    /// SUM a + b = total: the parts a claim gives imply an interval for the total (a missing
    /// part adds anything from 0 up); it must meet every total given for the same group.
    fn sum(&mut self, c: &Constraint, pattern: &RelPattern, parts: &[Sym], total: Sym) {
        let tol = Self::tolerance(c);
        // Per group: implied totals and stated totals, bucketed by how they are written.
        type SumGroups = HashMap<GroupKey, (Vec<(Bucket, Interval)>, Vec<(Bucket, Interval)>)>;
        let mut groups: SumGroups = HashMap::new();
        let push = |list: &mut Vec<(Bucket, Interval)>, written: String, i: Interval, ix: ClaimIx| match list
            .iter_mut()
            .find(|(b, _)| b.written == written)
        {
            Some((b, _)) => b.claims.push(ix),
            None => list.push((Bucket { written, comparable: None, claims: vec![ix] }, i)),
        };
        for (ix, s, o, claim) in self.matching(pattern) {
            if !self.supported(ix) {
                continue;
            }
            let entry = groups.entry((s, Some(o), self.scope(claim, &c.per))).or_default();
            let mut implied = Interval::point(0.0);
            let mut written = Vec::new();
            for p in parts {
                let part = match claim.prop(*p).and_then(|v| v.interval(tol).map(|i| (v, i))) {
                    Some((v, i)) if !i.lo.is_nan() && !i.hi.is_nan() => {
                        written.push(format!("{} {v}", self.graph.str(*p)));
                        // Counts are not negative.
                        if i.lo < 0.0 {
                            Interval { lo: 0.0, lo_inclusive: true, ..i }
                        } else {
                            i
                        }
                    }
                    _ => Interval { lo: 0.0, lo_inclusive: true, hi: f64::INFINITY, hi_inclusive: false },
                };
                implied = implied.add(&part);
            }
            if !written.is_empty() {
                let missing = parts.len() - written.len();
                let mut w = written.join(" + ");
                if missing > 0 {
                    w.push_str(" + (the rest unknown)");
                }
                push(&mut entry.0, w, implied, ix);
            }
            if let Some(v) = claim.prop(total) {
                if let Some(i) = v.interval(tol).filter(|i| !i.lo.is_nan() && !i.hi.is_nan()) {
                    push(&mut entry.1, format!("{} {v}", self.graph.str(total)), i, ix);
                }
            }
        }
        let about = format!(
            "{} = {}",
            parts.iter().map(|p| self.graph.str(*p)).collect::<Vec<_>>().join(" + "),
            self.graph.str(total)
        );
        let mut groups: Vec<_> = groups.into_iter().collect();
        groups.sort_by(|a, b| a.0.cmp(&b.0));
        for ((s, o, _), (implied, totals)) in groups {
            for (p, pi) in &implied {
                for (t, ti) in &totals {
                    if pi.overlaps(ti) {
                        continue;
                    }
                    let ends = self.ends_text(s, o);
                    let (vp, vt) = (p.written.clone(), t.written.clone());
                    let range =
                        if pi.hi.is_infinite() { format!("at least {}", pi.lo) } else { format!("{pi}") };
                    let sides = [
                        (vp.clone(), p.claims.clone(), self.bucket_atts(&p.claims)),
                        (vt.clone(), t.claims.clone(), self.bucket_atts(&t.claims)),
                    ];
                    self.emit(ContradictionKind::CategorySum, Some(c), (s, o), about.clone(), sides, move |n1, n2| {
                        format!("For {ends}, {n1} gives {vp}, adding up to {range}, which cannot match {n2}'s {vt}.")
                    });
                }
            }
        }
    }

    /// EXCLUSIVE p1, p2, ...: claims of different patterns between the same ends (and
    /// scope) conflict, unless both carry a date under the same key and the dates cannot
    /// overlap.
    fn exclusive(&mut self, c: &Constraint, patterns: &[RelPattern]) {
        let mut groups: HashMap<GroupKey, Vec<(usize, ClaimIx)>> = HashMap::new();
        for (pi, p) in patterns.iter().enumerate() {
            for (ix, s, o, claim) in self.matching(p) {
                if !self.supported(ix) {
                    continue;
                }
                groups.entry((s, Some(o), self.scope(claim, &c.per))).or_default().push((pi, ix));
            }
        }
        let about = patterns.iter().map(|p| self.graph.str(p.rel_type)).collect::<Vec<_>>().join(" / ");
        let mut groups: Vec<_> = groups.into_iter().collect();
        groups.sort_by(|a, b| a.0.cmp(&b.0));
        for ((s, o, _), members) in groups {
            for i in 0..members.len() {
                for j in (i + 1)..members.len() {
                    let ((pa, a), (pb, b)) = (members[i], members[j]);
                    if pa == pb || a == b || !self.overlapping_in_time(a, b) || self.already_denied(a, b) {
                        continue;
                    }
                    let describe = |ix: ClaimIx| {
                        self.graph
                            .claim(ix)
                            .map(|cl| format!("{}{}", self.graph.str(cl.rel_type), self.props_text(cl)))
                            .unwrap_or_default()
                    };
                    let (va, vb) = (describe(a), describe(b));
                    let ends = self.ends_text(s, o);
                    let sides = [
                        (va.clone(), vec![a], self.bucket_atts(&[a])),
                        (vb.clone(), vec![b], self.bucket_atts(&[b])),
                    ];
                    self.emit(
                        ContradictionKind::Exclusive,
                        Some(c),
                        (s, o),
                        about.clone(),
                        sides,
                        move |n1, n2| {
                            format!(
                                "{n1} says {va} and {n2} says {vb} for {ends}; the two cannot hold together."
                            )
                        },
                    );
                }
            }
        }
    }

    /// True when one claim is explicitly denied (`DENY claim`) by a voice of the other: the
    /// denial finding already reports this disagreement, so the exclusivity one would be an
    /// echo of it.
    fn already_denied(&self, a: ClaimIx, b: ClaimIx) -> bool {
        let denied_by_other = |target: ClaimIx, other: ClaimIx| {
            let other_atts = self.supporting(other);
            self.graph.denials().iter().any(|d| {
                matches!(d.target, DenialTarget::Claim(c) if c == target)
                    && d.attestations.iter().any(|x| other_atts.iter().any(|y| same_voice(x, y)))
            })
        };
        denied_by_other(a, b) || denied_by_other(b, a)
    }

    /// True unless both claims carry a date under the same key and those dates cannot be
    /// the same day.
    fn overlapping_in_time(&self, a: ClaimIx, b: ClaimIx) -> bool {
        let (Some(ca), Some(cb)) = (self.graph.claim(a), self.graph.claim(b)) else { return true };
        for (k, va) in &ca.props {
            let (Value::Date(da), Some(Value::Date(db))) = (va, cb.prop(*k)) else { continue };
            if let (Some(x), Some(y)) =
                (da.resolve(self.anchor(ca).as_ref()), db.resolve(self.anchor(cb).as_ref()))
            {
                if !x.compatible(&y) {
                    return false;
                }
            }
        }
        true
    }

    /// DENY statements: against one claim, or every claim of a class whose values lie
    /// *within* the denial's conditions.
    fn denials(&mut self) {
        let graph = self.graph;
        for d in graph.denials() {
            let denial_atts: Vec<(Option<ClaimIx>, &'g Attestation)> =
                d.attestations.iter().map(|a| (None, a)).collect();
            let (targets, condition): (Vec<ClaimIx>, String) = match &d.target {
                DenialTarget::Claim(c) => (vec![*c], String::new()),
                DenialTarget::Class { pattern, conditions } => {
                    let covered = self
                        .matching(pattern)
                        .into_iter()
                        .filter(|(_, _, _, claim)| {
                            conditions.iter().all(|(k, cond)| match claim.prop(*k) {
                                Some(v) => covered_by(v, cond),
                                None => false,
                            })
                        })
                        .map(|(c, ..)| c)
                        .collect();
                    let text: Vec<String> =
                        conditions.iter().map(|(k, v)| format!("{}: {v}", graph.str(*k))).collect();
                    let cond =
                        if text.is_empty() { String::new() } else { format!(" {{{}}}", text.join(", ")) };
                    (covered, cond)
                }
            };
            for c in targets {
                let Some(claim) = graph.claim(c) else { continue };
                let Some((s, o)) = graph.endpoints(c) else { continue };
                let atts = self.bucket_atts(&[c]);
                if atts.is_empty() {
                    continue;
                }
                let value = format!("{}{}", graph.str(claim.rel_type), self.props_text(claim));
                let denied = format!("denied: {}{}", graph.str(claim.rel_type), condition);
                let v = value.clone();
                let sides = [(value, vec![c], atts), (denied, Vec::new(), denial_atts.clone())];
                let about = graph.str(claim.rel_type).to_string();
                let ends = self.ends_text(s, Some(o));
                self.emit(ContradictionKind::Denial, None, (s, Some(o)), about, sides, move |n1, n2| {
                    format!("{n2} denies what {n1} states about {ends}: {v}.")
                });
            }
        }
    }

    /// Attestations with status DENIED on a claim that other sources assert.
    fn denied_attestations(&mut self) {
        let graph = self.graph;
        for c in graph.stated_claims() {
            let Some(claim) = graph.claim(c) else { continue };
            if !claim.attestations.iter().any(|a| a.status == Status::Denied) {
                continue;
            }
            let Some((s, o)) = graph.endpoints(c) else { continue };
            let (deny, support): (Vec<&Attestation>, Vec<&Attestation>) =
                claim.attestations.iter().partition(|a| a.status == Status::Denied);
            if support.is_empty() {
                continue;
            }
            let value = format!("{}{}", graph.str(claim.rel_type), self.props_text(claim));
            let v = value.clone();
            let sides = [
                (value, vec![c], support.iter().map(|a| (Some(c), *a)).collect()),
                ("denied".to_string(), Vec::new(), deny.iter().map(|a| (Some(c), *a)).collect()),
            ];
            let ends = self.ends_text(s, Some(o));
            let about = graph.str(claim.rel_type).to_string();
            self.emit(ContradictionKind::Denial, None, (s, Some(o)), about, sides, move |n1, n2| {
                format!("{n2} denies what {n1} states about {ends}: {v}.")
            });
        }
    }
}

/// Whether a claim's value falls under a class denial's condition: numbers must lie
/// entirely within the condition's interval (a denial of "tens or hundreds", `>=10`, covers
/// `~100` and `>100` but not `5` or `<12`); dates must lie within the condition's date;
/// anything else must be equal.
fn covered_by(value: &Value, condition: &Value) -> bool {
    let tol = DEFAULT_APPROX_TOLERANCE;
    if let (Some(v), Some(c)) = (value.interval(tol), condition.interval(tol)) {
        return v.within(&c);
    }
    match (value, condition) {
        (Value::Date(DateValue::Absolute(v)), Value::Date(DateValue::Absolute(c))) => {
            let ((v0, v1), (c0, c1)) = (v.day_range(), c.day_range());
            c0 <= v0 && v1 <= c1
        }
        _ => value == condition,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{load_files, DataFile};
    use crate::syntax::decl::DeclStatement;
    use crate::syntax::{parse_script, Statement};

    fn graph(text: &str) -> Graph {
        let mut g = Graph::new();
        load_files(&mut g, &[DataFile::new("t.kg", text, None)]).expect("loads");
        g
    }

    const TWO_TOLLS: &str = "SOURCE (a:X); SOURCE (b:X); ENTITY (e:Event); ENTITY (g:Group);
        CONSTRAINT toll: SINGLE (:Event)-[:CASUALTIES]->() ON killed;
        CLAIM (e)-[c1:CASUALTIES {killed: 5}]->(g) BY a;
        CLAIM (e)-[c2:CASUALTIES {killed: 50}]->(g) BY b;";

    #[test]
    fn resolve_and_contradictions_statements_print_and_parse_back() {
        for text in [
            "RESOLVE F-3a9c01d2e4 AS dismissed BECAUSE 'same people, different dates'",
            "RESOLVE c1, c2 AS resolved BECAUSE 'it\\'s settled'",
            "CONTRADICTIONS",
            "CONTRADICTIONS ABOUT battle KIND single_value",
            "CONTRADICTIONS KIND denial",
        ] {
            let parsed = parse_script(text).expect(text);
            let Statement::Decl(d) = &parsed[0].statement else { panic!("{text}: not a declaration") };
            let printed = d.to_string();
            let again = parse_script(&printed).expect(&printed);
            assert_eq!(parsed[0].statement, again[0].statement, "{text} -> {printed}");
        }
        let parsed = parse_script("CONTRADICTIONS ABOUT battle").expect("parses");
        assert!(matches!(
            &parsed[0].statement,
            Statement::Decl(DeclStatement::Contradictions { about: Some(a), kind: None }) if a.text == "battle"
        ));
        assert!(parse_script("RESOLVE c1 AS maybe BECAUSE 'x'").is_err());
    }

    #[test]
    fn finding_ids_are_stable_and_resolution_by_id_applies() {
        let findings = check(&graph(TWO_TOLLS));
        assert_eq!(findings.len(), 1);
        let id = findings[0].id.clone();
        assert!(id.starts_with("F-") && id.len() == 12, "{id}");
        assert_eq!(check(&graph(TWO_TOLLS))[0].id, id, "same data, same id");
        let resolved =
            graph(&format!("{TWO_TOLLS} RESOLVE {id} AS resolved BECAUSE 'official figure revised';"));
        let f = &check(&resolved)[0];
        assert_eq!(f.status(), "resolved");
        assert!(contested_claims(&resolved).is_empty());
        assert_eq!(contested_claims(&graph(TWO_TOLLS)).len(), 2);
    }

    #[test]
    fn rows_filter_by_about_and_kind_and_new_findings_are_reported() {
        let g = graph(TWO_TOLLS);
        let (cols, rows) = contradictions_rows(&g, Some("e"), None);
        assert_eq!(cols.len(), 9);
        assert_eq!(rows.len(), 1);
        assert_eq!(contradictions_rows(&g, Some("c1"), None).1.len(), 1);
        assert_eq!(contradictions_rows(&g, Some("nobody"), None).1.len(), 0);
        assert_eq!(contradictions_rows(&g, None, Some(ContradictionKind::Denial)).1.len(), 0);
        let before = check(&graph("SOURCE (a:X); ENTITY (e:Event);"));
        let after = check(&g);
        assert_eq!(new_findings(&before, &after).len(), 1);
        assert_eq!(new_findings(&after, &after).len(), 0);
    }

    #[test]
    fn json_has_the_documented_shape() {
        let j = findings_json(&check(&graph(TWO_TOLLS)));
        let f = &j["contradictions"][0];
        for key in ["id", "kind", "severity", "subject", "about", "sides", "explanation", "status"] {
            assert!(!f[key].is_null(), "missing {key}");
        }
        let a = &f["sides"][0]["attestations"][0];
        for key in ["source", "via", "quote", "status", "document"] {
            assert!(a.get(key).is_some(), "missing attestation {key}");
        }
        assert_eq!(f["subject"]["id"], "e");
    }

    #[test]
    fn the_printed_graph_keeps_its_resolutions() {
        let g = graph(&format!("{TWO_TOLLS} RESOLVE c1, c2 AS dismissed BECAUSE 'why';"));
        let text = crate::load::print::print_graph(&g);
        assert!(text.contains("RESOLVE c1, c2 AS dismissed BECAUSE 'why'"), "{text}");
        let again = graph(&text);
        assert_eq!(check(&again)[0].status(), "dismissed");
        let json = serde_json::to_string(&crate::load::json::export_json(&g)).expect("json");
        let mut from_json = Graph::new();
        load_files(&mut from_json, &[DataFile::new("t.json", json, None)]).expect("json loads");
        assert_eq!(check(&from_json)[0].status(), "dismissed");
    }
}
