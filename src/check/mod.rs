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
pub mod corroboration;
pub mod dispute;
pub mod finding;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

pub use corroboration::{independent_sources, independent_voices, institutions_of, same_voice};
pub use dispute::{disputes_table, Dispute, Position, Voice, VoiceStatement};
pub use finding::{
    findings_json, findings_table, AttestationView, ContradictionKind, EntityRef, Finding, Side,
};

use corroboration::identical_voice;

use crate::model::claim::within;
use crate::model::{
    Attestation, Claim, ClaimIx, ClaimKind, Constraint, ConstraintKind, DateValue, Denial, DenialTarget,
    EndSelector, EntityIx, Graph, Interval, PartialDate, RelPattern, ResolutionTarget, Severity, SourceRef,
    Status, Sym, Value,
};
use crate::query::QueryValue;

/// What the engine found: the findings, and the disputes they are the evidence of.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Analysis {
    pub findings: Vec<Finding>,
    pub disputes: Vec<Dispute>,
}

/// Checks every constraint and denial: the findings in a deterministic order (severity,
/// kind, subject, about, id), with analysts' resolutions applied, grouped into disputes.
pub fn analyse(graph: &Graph) -> Analysis {
    let mut engine = Engine::new(graph);
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

/// What `CONTRADICTIONS ABOUT id` names: any entity (actor, place, source, document) or a
/// claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum About {
    Entity(EntityIx),
    Claim(ClaimIx),
}

/// Resolves the id of `CONTRADICTIONS ABOUT id`; the error says what is unknown, with the
/// closest id when there is one.
pub fn about_target(graph: &Graph, id: &str) -> Result<About, String> {
    if let Some(e) = graph.find_entity(id) {
        return Ok(About::Entity(e));
    }
    if let Some(c) = graph.find_claim(id) {
        return Ok(About::Claim(c));
    }
    let candidates = graph.entity_ids().chain(graph.claim_ids());
    Err(match crate::load::did_you_mean(id, candidates) {
        Some(s) => format!("no entity, source, document or claim '{id}' (did you mean '{s}'?)"),
        None => format!("no entity, source, document or claim '{id}'"),
    })
}

/// Whether a finding involves `about`: for an entity, as the subject or object, as an end
/// of a claim on a side, as the source, a relay, the document or the institution of an
/// attestation; for a claim, as a claim on a side.
pub fn finding_is_about(graph: &Graph, f: &Finding, about: About) -> bool {
    match about {
        About::Claim(c) => f.claims().any(|x| x == c),
        About::Entity(e) => {
            let id = graph.entity_id(e);
            f.subject.id == id
                || f.object.as_ref().is_some_and(|o| o.id == id)
                || f.claims().any(|c| graph.endpoints(c).is_some_and(|(s, o)| s == e || o == e))
                || f.sides.iter().flat_map(|s| &s.attestations).any(|a| {
                    a.source.id == id
                        || a.via.iter().any(|v| v == id)
                        || a.document.as_deref() == Some(id)
                        || graph
                            .find_entity(&a.source.id)
                            .is_some_and(|s| s != e && graph.institutions(s).contains(&e))
                })
        }
    }
}

/// Findings about an entity or claim (see [`finding_is_about`]) and of one kind, as
/// `FINDINGS [ABOUT id] [KIND kind]` filters them.
pub fn filter_findings<'a>(
    graph: &Graph,
    findings: &'a [Finding],
    about: Option<About>,
    kind: Option<ContradictionKind>,
) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| kind.is_none_or(|k| f.kind == k))
        .filter(|f| about.is_none_or(|a| finding_is_about(graph, f, a)))
        .collect()
}

/// Disputes with at least one finding that passes [`filter_findings`].
pub fn filter_disputes<'a>(
    graph: &Graph,
    analysis: &'a Analysis,
    about: Option<About>,
    kind: Option<ContradictionKind>,
) -> Vec<&'a Dispute> {
    let ids: HashSet<&str> = filter_findings(graph, &analysis.findings, about, kind)
        .into_iter()
        .map(|f| f.dispute.as_str())
        .collect();
    analysis.disputes.iter().filter(|d| ids.contains(d.id.as_str())).collect()
}

/// The rows of `CONTRADICTIONS [ABOUT id] [KIND kind]` (one per position of each dispute:
/// dispute, severity, question, position, values, voices, findings (how many), status) or,
/// with `findings`, of
/// `FINDINGS [ABOUT id] [KIND kind]` (one per finding: id, kind, severity, subject, about,
/// sides, sources, explanation, status, dispute). An unknown `about` id is an error.
pub fn contradiction_rows(
    graph: &Graph,
    analysis: &Analysis,
    about: Option<&str>,
    kind: Option<ContradictionKind>,
    findings: bool,
) -> Result<(Vec<String>, Vec<Vec<QueryValue>>), String> {
    let about = about.map(|a| about_target(graph, a)).transpose()?;
    let s = |x: &str| QueryValue::String(x.to_string());
    let list = |items: Vec<QueryValue>| QueryValue::List(items);
    if !findings {
        // One row per position: a dispute's positions read down the table.
        let columns =
            ["dispute", "severity", "question", "position", "values", "voices", "findings", "status"]
                .map(String::from)
                .to_vec();
        let mut rows = Vec::new();
        for d in filter_disputes(graph, analysis, about, kind) {
            for (i, p) in d.positions.iter().enumerate() {
                let voices = p
                    .voices
                    .iter()
                    .map(|v| {
                        if v.sources.len() == 1 && v.sources[0] == v.institution {
                            s(&v.institution.name)
                        } else {
                            let mouths: Vec<&str> = v.sources.iter().map(|m| m.name.as_str()).collect();
                            s(&format!("{} ({})", v.institution.name, mouths.join(", ")))
                        }
                    })
                    .collect();
                rows.push(vec![
                    s(&d.id),
                    s(d.severity.as_str()),
                    s(&d.question()),
                    QueryValue::Int(i64::try_from(i + 1).unwrap_or(i64::MAX)),
                    list(p.values.iter().map(|v| s(v)).collect()),
                    list(voices),
                    QueryValue::Int(i64::try_from(d.findings.len()).unwrap_or(i64::MAX)),
                    s(d.status()),
                ]);
            }
        }
        return Ok((columns, rows));
    }
    let columns = [
        "id",
        "kind",
        "severity",
        "subject",
        "about",
        "sides",
        "sources",
        "explanation",
        "status",
        "dispute",
    ]
    .map(String::from)
    .to_vec();
    let rows = filter_findings(graph, &analysis.findings, about, kind)
        .into_iter()
        .map(|f| {
            let sides = f.sides.iter().map(|side| s(&side.value)).collect();
            let sources = f
                .sides
                .iter()
                .map(|side| list(side.attestations.iter().map(|a| s(&a.source.id)).collect::<Vec<_>>()))
                .collect();
            vec![
                s(&f.id),
                s(f.kind.as_str()),
                s(f.severity.as_str()),
                s(&f.subject.id),
                s(&f.about),
                list(sides),
                list(sources),
                s(&f.explanation),
                s(f.status()),
                s(&f.dispute),
            ]
        })
        .collect();
    Ok((columns, rows))
}

/// The rows of `DENIALS [BY source] [ABOUT id]`: one per denying attestation (a `DENY`
/// statement's, or a claim's own `DENIED` one), with what it denies and the claims it covers
/// (none, for a class that meets no claim). Columns: source, denies, covers, quote, document,
/// position, date, verified. An unknown id is an error.
pub fn denial_rows(
    graph: &Graph,
    by: Option<&str>,
    about: Option<&str>,
) -> Result<(Vec<String>, Vec<Vec<QueryValue>>), String> {
    let by = by
        .map(|b| match about_target(graph, b)? {
            About::Entity(e) => Ok(SourceRef::Entity(e)),
            About::Claim(_) => Err(format!("'{b}' is a claim, not a source")),
        })
        .transpose()?;
    let about = about.map(|a| about_target(graph, a)).transpose()?;
    let columns = ["source", "denies", "covers", "quote", "document", "position", "date", "verified"]
        .map(String::from)
        .to_vec();
    let s = |x: &str| QueryValue::String(x.to_string());
    let claim_text = |c: ClaimIx| {
        let Some(claim) = graph.claim(c) else { return String::new() };
        match claim.id {
            Some(id) => graph.str(id).to_string(),
            None => Denial { target: DenialTarget::Claim(c), attestations: Vec::new() }.target_text(graph),
        }
    };
    let involves = |claims: &[ClaimIx], selectors: &[&EndSelector]| match about {
        None => true,
        Some(About::Claim(c)) => claims.contains(&c),
        Some(About::Entity(e)) => {
            selectors.iter().any(|sel| sel.entity == Some(e))
                || claims.iter().any(|c| graph.endpoints(*c).is_some_and(|(x, y)| x == e || y == e))
        }
    };
    let mut rows = Vec::new();
    let mut row = |a: &Attestation, denies: String, covers: &[ClaimIx]| {
        if by.is_some_and(|b| a.source != b) {
            return;
        }
        let opt = |v: Option<String>| v.map_or(QueryValue::Null, QueryValue::String);
        rows.push(vec![
            s(&match a.source {
                SourceRef::Entity(e) => graph.entity_id(e).to_string(),
                SourceRef::User(u) => graph.str(u).to_string(),
            }),
            s(&denies),
            QueryValue::List(covers.iter().map(|c| s(&claim_text(*c))).collect()),
            opt(a.quote.as_deref().map(str::to_string)),
            opt(a.document.map(|d| graph.entity_id(d).to_string())),
            opt(a.position.as_deref().map(str::to_string)),
            opt(a.date.map(|d| d.to_string())),
            QueryValue::Bool(a.quote.is_some() && graph.quote_verified(a.document)),
        ]);
    };
    for d in graph.denials() {
        let covers: Vec<ClaimIx> = match &d.target {
            DenialTarget::Claim(c) => vec![*c],
            DenialTarget::Class { pattern, .. } => {
                graph.claims_of_type(pattern.rel_type).filter(|c| d.covers(graph, *c)).collect()
            }
        };
        let selectors: Vec<&EndSelector> = match &d.target {
            DenialTarget::Class { pattern, .. } => vec![&pattern.subject, &pattern.object],
            DenialTarget::Claim(_) => Vec::new(),
        };
        if !involves(&covers, &selectors) {
            continue;
        }
        for a in &d.attestations {
            row(a, d.target_text(graph), &covers);
        }
    }
    for c in graph.stated_claims() {
        let Some(claim) = graph.claim(c) else { continue };
        if !claim.attestations.iter().any(|a| a.status == Status::Denied) || !involves(&[c], &[]) {
            continue;
        }
        for a in claim.attestations.iter().filter(|a| a.status == Status::Denied) {
            row(a, claim_text(c), &[c]);
        }
    }
    Ok((columns, rows))
}

/// `claimgraph check`'s report: the disputes, then every finding with its provenance.
pub fn report_table(analysis: &Analysis) -> String {
    format!(
        "{}\n{}",
        disputes_table(&analysis.disputes.iter().collect::<Vec<_>>(), &analysis.findings),
        findings_table(&analysis.findings)
    )
}

/// `claimgraph check --format json`: `{"disputes": [...], "contradictions": [...]}`.
pub fn report_json(analysis: &Analysis) -> serde_json::Value {
    let mut j = findings_json(&analysis.findings);
    j["disputes"] = serde_json::Value::Array(analysis.disputes.iter().map(Dispute::to_json).collect());
    j
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

    /// Where the value sorts among a question's values (low end first).
    fn order(&self) -> f64 {
        match self {
            Comparable::Number(i) => i.lo,
            Comparable::Date(d) => d.day_range().0 as f64,
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
type SideInput<'g> = (String, Vec<ClaimIx>, Vec<(Option<ClaimIx>, &'g Attestation)>);

type GroupKey = (EntityIx, Option<EntityIx>, Vec<String>);

/// One attestation of a question's value: (value index, claim, attestation).
type Statement<'g> = (usize, Option<ClaimIx>, &'g Attestation);

/// One answer to a question, as a dispute lists it.
struct QuestionValue<'g> {
    written: String,
    order: f64,
    atts: Vec<(Option<ClaimIx>, &'g Attestation)>,
}

/// One question (subject, about, object, scope): its values and which pairs conflict.
struct Question<'g> {
    id: String,
    subject: EntityIx,
    object: Option<EntityIx>,
    about: String,
    scope: Vec<(String, String)>,
    values: Vec<QuestionValue<'g>>,
    conflicts: HashSet<(usize, usize)>,
    /// Indexes into the engine's findings.
    findings: Vec<usize>,
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

struct Engine<'g> {
    graph: &'g Graph,
    findings: Vec<Finding>,
    seen: HashSet<String>,
    questions: Vec<Question<'g>>,
    question_ids: HashMap<String, usize>,
    /// Class denials with exactly one condition: they are answers to that property's
    /// question (`killed: >=10` denied is a position on how many were killed).
    denial_values: Vec<DenialValue<'g>>,
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
fn fnv1a(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn short_id(prefix: &str, key: &str) -> String {
    format!("{prefix}-{:010x}", fnv1a(key) >> 24)
}

impl<'g> Engine<'g> {
    fn new(graph: &'g Graph) -> Self {
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
            findings: Vec::new(),
            seen: HashSet::new(),
            questions: Vec::new(),
            question_ids: HashMap::new(),
            denial_values,
        }
    }

    /// The findings in report order, resolutions applied, and their disputes.
    fn finish(mut self) -> Analysis {
        apply_resolutions(self.graph, &mut self.findings);
        let mut order: Vec<usize> = (0..self.findings.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&self.findings[a], &self.findings[b]);
            (a.severity, a.kind, &a.subject.id, &a.about, &a.id).cmp(&(
                b.severity,
                b.kind,
                &b.subject.id,
                &b.about,
                &b.id,
            ))
        });
        let mut rank = vec![0; order.len()];
        for (r, &i) in order.iter().enumerate() {
            rank[i] = r;
        }
        let mut disputes: Vec<Dispute> = Vec::new();
        for qi in 0..self.questions.len() {
            if self.questions[qi].findings.is_empty() {
                continue;
            }
            let mut members = self.questions[qi].findings.clone();
            members.sort_by_key(|&i| rank[i]);
            let open: Vec<&Finding> =
                members.iter().map(|&i| &self.findings[i]).filter(|f| f.is_open()).collect();
            let severity = if open.is_empty() {
                members.iter().map(|&i| self.findings[i].severity).min()
            } else {
                open.iter().map(|f| f.severity).min()
            }
            .unwrap_or(Severity::Suggestion);
            let q = &self.questions[qi];
            disputes.push(Dispute {
                id: q.id.clone(),
                subject: self.entity_ref(q.subject),
                object: q.object.map(|o| self.entity_ref(o)),
                about: q.about.clone(),
                scope: q.scope.clone(),
                positions: self.positions(q),
                findings: members.iter().map(|&i| self.findings[i].id.clone()).collect(),
                severity,
                open: open.len(),
            });
        }
        disputes.sort_by(|a, b| {
            (a.severity, &a.subject.id, &a.about, &a.id).cmp(&(b.severity, &b.subject.id, &b.about, &b.id))
        });
        let mut findings: Vec<Option<Finding>> = self.findings.into_iter().map(Some).collect();
        let findings = order.into_iter().filter_map(|i| findings[i].take()).collect();
        Analysis { findings, disputes }
    }

    // ---- questions -----------------------------------------------------------------------

    /// The question (subject, about, object, scope), created on first use.
    fn question(
        &mut self,
        subject: EntityIx,
        object: Option<EntityIx>,
        about: &str,
        scope: Vec<(String, String)>,
    ) -> usize {
        let scope_text: Vec<String> = scope.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let key = format!(
            "{}|{}|{about}|{}",
            self.graph.entity_id(subject),
            object.map_or("", |o| self.graph.entity_id(o)),
            scope_text.join(",")
        );
        if let Some(&i) = self.question_ids.get(&key) {
            return i;
        }
        let id = short_id("D", &key);
        self.questions.push(Question {
            id,
            subject,
            object,
            about: about.to_string(),
            scope,
            values: Vec::new(),
            conflicts: HashSet::new(),
            findings: Vec::new(),
        });
        self.question_ids.insert(key, self.questions.len() - 1);
        self.questions.len() - 1
    }

    /// A value of a question, added on first use (by how it is written).
    fn question_value(
        &mut self,
        qi: usize,
        written: &str,
        order: f64,
        atts: &[(Option<ClaimIx>, &'g Attestation)],
    ) -> usize {
        let values = &mut self.questions[qi].values;
        if let Some(i) = values.iter().position(|v| v.written == written) {
            return i;
        }
        values.push(QuestionValue { written: written.to_string(), order, atts: atts.to_vec() });
        values.len() - 1
    }

    fn conflict(&mut self, qi: usize, a: usize, b: usize) {
        if a != b {
            self.questions[qi].conflicts.insert((a.min(b), a.max(b)));
        }
    }

    /// The scope of a claim's value of `property` under the first SINGLE or TEMPORAL
    /// constraint that compares it: where that constraint groups it.
    fn scope_of(&self, claim: ClaimIx, property: Sym) -> Vec<(String, String)> {
        let graph = self.graph;
        let (Some(c), Some((s, o))) = (graph.claim(claim), graph.endpoints(claim)) else { return Vec::new() };
        for k in graph.constraints() {
            let pattern = match &k.kind {
                ConstraintKind::Single { pattern, properties } if properties.contains(&property) => pattern,
                ConstraintKind::Temporal { pattern, property: p } if *p == property => pattern,
                _ => continue,
            };
            if pattern.matches(graph, c.rel_type, s, o) {
                return self.scope_pairs(c, &k.per);
            }
        }
        Vec::new()
    }

    fn scope_pairs(&self, claim: &Claim, per: &[Sym]) -> Vec<(String, String)> {
        per.iter().zip(self.scope(claim, per)).map(|(k, v)| (self.graph.str(*k).to_string(), v)).collect()
    }

    /// The positions of a question: its values' maximal compatible sets, each with the
    /// voices behind it.
    fn positions(&self, q: &Question<'g>) -> Vec<Position> {
        let mut order: Vec<usize> = (0..q.values.len()).collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (&q.values[a], &q.values[b]);
            x.order.total_cmp(&y.order).then_with(|| x.written.cmp(&y.written))
        });
        let conflict = |i: usize, j: usize| {
            let (a, b) = (order[i], order[j]);
            q.conflicts.contains(&(a.min(b), a.max(b)))
        };
        dispute::positions(order.len(), &conflict)
            .into_iter()
            .map(|members| {
                let values: Vec<&QuestionValue> = members.iter().map(|&i| &q.values[order[i]]).collect();
                Position {
                    values: values.iter().map(|v| v.written.clone()).collect(),
                    voices: self.voices_of(&values),
                }
            })
            .collect()
    }

    /// The voices behind some values: attestations grouped by the institutions their
    /// sources speak for, in order of first appearance.
    fn voices_of(&self, values: &[&QuestionValue<'g>]) -> Vec<Voice> {
        let mut out: Vec<(Vec<SourceRef>, Voice)> = Vec::new();
        let mut keys: Vec<(ClaimIx, String)> = Vec::new();
        for v in values {
            for (c, a) in &v.atts {
                let institutions = institutions_of(self.graph, a.source);
                let claim = c.map(|c| self.cached_claim_key(&mut keys, c));
                let statement =
                    VoiceStatement { value: v.written.clone(), attestation: self.view(a, claim.as_deref()) };
                let source = self.source_ref(a.source);
                match out.iter_mut().find(|(k, _)| *k == institutions) {
                    Some((_, voice)) => {
                        if !voice.sources.contains(&source) {
                            voice.sources.push(source);
                        }
                        voice.statements.push(statement);
                    }
                    None => {
                        let names: Vec<EntityRef> =
                            institutions.iter().map(|i| self.source_ref(*i)).collect();
                        let institution = EntityRef {
                            id: names.iter().map(|n| n.id.as_str()).collect::<Vec<_>>().join("+"),
                            name: names.iter().map(|n| n.name.as_str()).collect::<Vec<_>>().join(" / "),
                        };
                        out.push((
                            institutions,
                            Voice { institution, sources: vec![source], statements: vec![statement] },
                        ));
                    }
                }
            }
        }
        out.into_iter().map(|(_, v)| v).collect()
    }

    fn cached_claim_key(&self, keys: &mut Vec<(ClaimIx, String)>, c: ClaimIx) -> String {
        match keys.iter().find(|(k, _)| *k == c) {
            Some((_, key)) => key.clone(),
            None => {
                let key = self.claim_key(c);
                keys.push((c, key.clone()));
                key
            }
        }
    }

    /// "One side, two stories": per question, an institution whose voices (different
    /// sources speaking for it) give values that cannot both be true.
    fn two_stories(&mut self) {
        for qi in 0..self.questions.len() {
            let q = &self.questions[qi];
            if q.conflicts.is_empty() {
                continue;
            }
            // Institution -> (value index, attestation) of its voices.
            let mut by_institution: Vec<(Vec<SourceRef>, Vec<Statement<'g>>)> = Vec::new();
            for (vi, v) in q.values.iter().enumerate() {
                for (c, a) in &v.atts {
                    let inst = institutions_of(self.graph, a.source);
                    match by_institution.iter_mut().find(|(k, _)| *k == inst) {
                        Some((_, list)) => list.push((vi, *c, a)),
                        None => by_institution.push((inst, vec![(vi, *c, a)])),
                    }
                }
            }
            let mut emits = Vec::new();
            for (inst, stated) in by_institution {
                let mut involved: Vec<usize> = Vec::new();
                for &(vi, _, x) in &stated {
                    for &(vj, _, y) in &stated {
                        if vi < vj
                            && q.conflicts.contains(&(vi, vj))
                            && x.source != y.source
                            && !same_voice(x, y)
                        {
                            for v in [vi, vj] {
                                if !involved.contains(&v) {
                                    involved.push(v);
                                }
                            }
                        }
                    }
                }
                if involved.is_empty() {
                    continue;
                }
                involved.sort_by(|&a, &b| q.values[a].order.total_cmp(&q.values[b].order));
                let sides: Vec<SideInput<'g>> = involved
                    .iter()
                    .map(|&vi| {
                        let atts: Vec<(Option<ClaimIx>, &'g Attestation)> =
                            stated.iter().filter(|(v, ..)| *v == vi).map(|(_, c, a)| (*c, *a)).collect();
                        let mut claims: Vec<ClaimIx> = atts.iter().filter_map(|(c, _)| *c).collect();
                        claims.dedup();
                        (q.values[vi].written.clone(), claims, atts)
                    })
                    .collect();
                emits.push((inst, sides));
            }
            for (inst, sides) in emits {
                self.emit_two_stories(qi, &inst, sides);
            }
        }
    }

    fn emit_two_stories(&mut self, qi: usize, institution: &[SourceRef], sides: Vec<SideInput<'g>>) {
        let q = &self.questions[qi];
        let inst: Vec<EntityRef> = institution.iter().map(|i| self.source_ref(*i)).collect();
        let inst_id = inst.iter().map(|e| e.id.as_str()).collect::<Vec<_>>().join("+");
        let inst_name = inst.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join(" / ");
        let mut keys: Vec<String> = sides
            .iter()
            .map(|(v, cs, _)| {
                let mut claims: Vec<String> = cs.iter().map(|c| self.claim_key(*c)).collect();
                claims.sort();
                format!("{v}|{}", claims.join(","))
            })
            .collect();
        keys.sort();
        let id = short_id("F", &format!("two_stories|{inst_id}|{}|{}", q.id, keys.join("||")));
        if !self.seen.insert(id.clone()) {
            return;
        }
        let all_hedged = sides.iter().flat_map(|(_, _, a)| a).all(|(_, a)| a.status.is_hedged());
        let severity = if all_hedged { Severity::Suggestion } else { Severity::Warning };
        let told: Vec<String> = sides
            .iter()
            .map(|(v, _, atts)| {
                let mut who: Vec<String> = Vec::new();
                for (_, a) in atts {
                    let n = self.source_ref(a.source).name;
                    if !who.contains(&n) {
                        who.push(n);
                    }
                }
                format!("{}: {v}", who.join(" and "))
            })
            .collect();
        let ends = self.ends_text(q.subject, q.object);
        let explanation = format!(
            "{inst_name} speaks with more than one voice on {} of {ends}, and they disagree: {}.",
            q.about,
            told.join("; ")
        );
        let finding = Finding {
            id,
            kind: ContradictionKind::TwoStories,
            severity,
            constraint: None,
            subject: self.entity_ref(q.subject),
            object: q.object.map(|o| self.entity_ref(o)),
            about: q.about.clone(),
            sides: sides.iter().map(|(v, c, a)| self.side(v.clone(), c, a)).collect(),
            explanation,
            resolution: None,
            dispute: q.id.clone(),
        };
        self.findings.push(finding);
        let fi = self.findings.len() - 1;
        self.questions[qi].findings.push(fi);
    }

    // ---- claims and values ---------------------------------------------------------------

    fn matches_end(&self, sel: &EndSelector, ix: EntityIx) -> bool {
        sel.matches(self.graph, ix)
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
            date: a.date.map(|d| d.to_string()),
            verified: a.quote.is_some() && self.graph.quote_verified(a.document),
        }
    }

    fn side(&self, value: String, claims: &[ClaimIx], atts: &[(Option<ClaimIx>, &Attestation)]) -> Side {
        // A side's attestations are mostly of a few claims: describe each claim once.
        let mut keys: Vec<(ClaimIx, String)> = Vec::new();
        Side {
            value,
            claims: claims.to_vec(),
            attestations: atts
                .iter()
                .map(|(c, a)| {
                    let claim = c.map(|c| self.cached_claim_key(&mut keys, c));
                    self.view(a, claim.as_deref())
                })
                .collect(),
            corroboration: independent_voices(self.graph, atts.iter().map(|(_, a)| *a))
                .into_iter()
                .map(|s| self.source_ref(s))
                .collect(),
        }
    }

    fn names(&self, atts: &[(Option<ClaimIx>, &Attestation)]) -> String {
        // Name the mouths (the chain's original speakers), not their institutions: the
        // explanation says who said what.
        let mut voices: Vec<SourceRef> = Vec::new();
        for (_, a) in atts.iter().filter(|(_, a)| a.status != Status::Denied) {
            let relayed =
                voices.iter().position(|v| atts.iter().any(|(_, b)| b.source == *v && same_voice(a, b)));
            match relayed {
                // Keep the original speaker (the longest chain) of a relayed voice.
                Some(i) => {
                    let current =
                        atts.iter().find(|(_, b)| b.source == voices[i]).map_or(0, |(_, b)| b.via.len());
                    if a.via.len() > current {
                        voices[i] = a.source;
                    }
                }
                None => voices.push(a.source),
            }
        }
        if voices.is_empty() {
            // Only DENIED attestations: name them anyway.
            for (_, a) in atts {
                if !voices.contains(&a.source) {
                    voices.push(a.source);
                }
            }
        }
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
        question: QuestionRef,
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
        let id = short_id("F", &key);
        if !self.seen.insert(id.clone()) {
            return;
        }
        let qi = match question {
            QuestionRef::Values(qi) => qi,
            QuestionRef::Sides(qi) => {
                // Descriptions, not numbers: they sort as written.
                let i = self.question_value(qi, &v1, f64::INFINITY, &a1);
                let j = self.question_value(qi, &v2, f64::INFINITY, &a2);
                self.conflict(qi, i, j);
                qi
            }
        };
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
            dispute: self.questions[qi].id.clone(),
        };
        self.findings.push(finding);
        let fi = self.findings.len() - 1;
        self.questions[qi].findings.push(fi);
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

    /// Compares every pair of buckets of every group; each group with a conflict (or a
    /// class denial of one of its values) becomes a question whose values are its buckets
    /// and the denials of `prop`.
    #[allow(clippy::too_many_arguments)]
    fn pairwise(
        &mut self,
        kind: ContradictionKind,
        c: &Constraint,
        about: &str,
        prop: Option<Sym>,
        rel_type: Sym,
        groups: BTreeMap<GroupKey, Vec<Bucket>>,
    ) {
        let per: Vec<String> = c.per.iter().map(|k| self.graph.str(*k).to_string()).collect();
        for ((s, o, scope), buckets) in groups {
            let mut conflicts: Vec<(usize, usize)> = Vec::new();
            for i in 0..buckets.len() {
                for j in (i + 1)..buckets.len() {
                    if let (Some(x), Some(y)) = (&buckets[i].comparable, &buckets[j].comparable) {
                        if x.compatible(y) == Some(false) {
                            conflicts.push((i, j));
                        }
                    }
                }
            }
            // Class denials of this property between these ends: answers of their own.
            let denials: Vec<usize> = match (prop, o) {
                (Some(p), Some(o)) => (0..self.denial_values.len())
                    .filter(|&d| {
                        let dv = &self.denial_values[d];
                        dv.property == p && dv.pattern.matches(self.graph, rel_type, s, o)
                    })
                    .collect(),
                _ => Vec::new(),
            };
            // A denial covering one of the values makes a question even without a conflict.
            let denied = denials
                .iter()
                .any(|&d| buckets.iter().any(|b| within(&b.value, self.denial_values[d].condition)));
            if conflicts.is_empty() && !denied {
                continue;
            }
            let scope_pairs: Vec<(String, String)> = per.iter().cloned().zip(scope.iter().cloned()).collect();
            let qi = self.question(s, o, about, scope_pairs);
            let mut index = Vec::new();
            for b in &buckets {
                let order = b.comparable.as_ref().map_or(f64::INFINITY, Comparable::order);
                let atts = self.bucket_atts(&b.claims);
                index.push(self.question_value(qi, &b.written, order, &atts));
            }
            let mut denial_index = Vec::new();
            for &d in &denials {
                let (written, atts) =
                    (self.denial_values[d].written.clone(), self.denial_values[d].atts.clone());
                denial_index.push(self.question_value(qi, &written, f64::INFINITY, &atts));
            }
            for &(i, j) in &conflicts {
                self.conflict(qi, index[i], index[j]);
            }
            // The denials' conflicts are registered with their findings (`denial_question`).
            let ends = self.ends_text(s, o);
            for (i, j) in conflicts {
                let (a, b) = (&buckets[i], &buckets[j]);
                let (va, vb) = (a.written.clone(), b.written.clone());
                let what = if kind == ContradictionKind::Temporal { "dates" } else { "values" };
                let about_text = about.to_string();
                let ends = ends.clone();
                let sides = [
                    (va.clone(), a.claims.clone(), self.bucket_atts(&a.claims)),
                    (vb.clone(), b.claims.clone(), self.bucket_atts(&b.claims)),
                ];
                self.emit(
                    kind,
                    Some(c),
                    (s, o),
                    about.to_string(),
                    QuestionRef::Values(qi),
                    sides,
                    move |n1, n2| {
                        let tail = if kind == ContradictionKind::Temporal {
                            "do not overlap even at their precision"
                        } else {
                            "cannot both be true"
                        };
                        format!(
                            "{n1} gives {about_text} of {ends} as {va} and {n2} as {vb}; the {what} {tail}."
                        )
                    },
                );
            }
        }
    }

    /// SINGLE ... ON p (and TEMPORAL ... ON p): one value per (subject, object, scope).
    fn single_value(&mut self, c: &Constraint, pattern: &RelPattern, prop: Sym, kind: ContradictionKind) {
        let mut groups: HashMap<GroupKey, Vec<Bucket>> = HashMap::new();
        for (ix, s, o, claim) in self.matching(pattern) {
            if !self.supported(ix) {
                continue;
            }
            let Some(v) = claim.prop(prop) else { continue };
            let Some((written, comparable)) = self.comparable(claim, v) else { continue };
            if kind == ContradictionKind::Temporal && !matches!(comparable, Comparable::Date(_)) {
                continue;
            }
            let buckets = groups.entry((s, Some(o), self.scope(claim, &c.per))).or_default();
            match buckets.iter_mut().find(|b| b.written == written) {
                Some(b) => b.claims.push(ix),
                None => buckets.push(Bucket {
                    written,
                    comparable: Some(comparable),
                    value: v.clone(),
                    claims: vec![ix],
                }),
            }
        }
        let about = self.graph.str(prop).to_string();
        self.pairwise(kind, c, &about, Some(prop), pattern.rel_type, groups.into_iter().collect());
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
                    value: Value::String(written.clone()),
                    written,
                    claims: vec![ix],
                }),
            }
        }
        let about = self.graph.str(pattern.rel_type).to_string();
        self.pairwise(
            ContradictionKind::SingleValue,
            c,
            &about,
            None,
            pattern.rel_type,
            groups.into_iter().collect(),
        );
    }

    /// SUM a + b = total: the parts a claim gives imply an interval for the total (a missing
    /// part adds anything from 0 up); it must meet every total given for the same group.
    fn sum(&mut self, c: &Constraint, pattern: &RelPattern, parts: &[Sym], total: Sym) {
        // Per group: implied totals and stated totals, bucketed by how they are written.
        type SumGroups = HashMap<GroupKey, (Vec<(Bucket, Interval)>, Vec<(Bucket, Interval)>)>;
        let mut groups: SumGroups = HashMap::new();
        let push = |list: &mut Vec<(Bucket, Interval)>, written: String, i: Interval, ix: ClaimIx| match list
            .iter_mut()
            .find(|(b, _)| b.written == written)
        {
            Some((b, _)) => b.claims.push(ix),
            None => {
                list.push((Bucket { written, comparable: None, value: Value::Null, claims: vec![ix] }, i))
            }
        };
        for (ix, s, o, claim) in self.matching(pattern) {
            if !self.supported(ix) {
                continue;
            }
            let entry = groups.entry((s, Some(o), self.scope(claim, &c.per))).or_default();
            let mut implied = Interval::point(0.0);
            let mut written = Vec::new();
            for p in parts {
                let part = match claim.prop(*p).and_then(|v| v.interval().map(|i| (v, i))) {
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
                if let Some(i) = v.interval().filter(|i| !i.lo.is_nan() && !i.hi.is_nan()) {
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
        let per: Vec<String> = c.per.iter().map(|k| self.graph.str(*k).to_string()).collect();
        for ((s, o, scope), (implied, totals)) in groups {
            let scope: Vec<(String, String)> = per.iter().cloned().zip(scope).collect();
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
                    let qi = self.question(s, o, &about, scope.clone());
                    self.emit(ContradictionKind::CategorySum, Some(c), (s, o), about.clone(), QuestionRef::Sides(qi), sides, move |n1, n2| {
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
        let per: Vec<String> = c.per.iter().map(|k| self.graph.str(*k).to_string()).collect();
        for ((s, o, scope), members) in groups {
            let scope: Vec<(String, String)> = per.iter().cloned().zip(scope).collect();
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
                    let qi = self.question(s, o, &about, scope.clone());
                    self.emit(
                        ContradictionKind::Exclusive,
                        Some(c),
                        (s, o),
                        about.clone(),
                        QuestionRef::Sides(qi),
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
    /// *within* the denial's conditions ([`Denial::covers`]). A class denial of one
    /// property answers that property's question; any other answers the relationship's.
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
                        .map(|(c, ..)| c)
                        .filter(|c| d.covers(graph, *c))
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
                let question = self.denial_question(d, c, claim, (s, o), &atts, &denial_atts);
                let v = value.clone();
                let sides = [(value, vec![c], atts), (denied, Vec::new(), denial_atts.clone())];
                let about = graph.str(claim.rel_type).to_string();
                let ends = self.ends_text(s, Some(o));
                self.emit(
                    ContradictionKind::Denial,
                    None,
                    (s, Some(o)),
                    about,
                    question,
                    sides,
                    move |n1, n2| format!("{n2} denies what {n1} states about {ends}: {v}."),
                );
            }
        }
    }

    /// The question a denial of `c` answers: for a class denial of one property, that
    /// property's (with the claim's value and the denial as two of its values); otherwise
    /// the relationship's.
    fn denial_question(
        &mut self,
        d: &'g Denial,
        c: ClaimIx,
        claim: &'g Claim,
        (s, o): (EntityIx, EntityIx),
        atts: &[(Option<ClaimIx>, &'g Attestation)],
        denial_atts: &[(Option<ClaimIx>, &'g Attestation)],
    ) -> QuestionRef {
        let DenialTarget::Class { conditions, .. } = &d.target else {
            let about = self.graph.str(claim.rel_type).to_string();
            return QuestionRef::Sides(self.question(s, Some(o), &about, Vec::new()));
        };
        let [(property, condition)] = conditions.as_slice() else {
            let about = self.graph.str(claim.rel_type).to_string();
            return QuestionRef::Sides(self.question(s, Some(o), &about, Vec::new()));
        };
        let Some(value) = claim.prop(*property) else {
            return QuestionRef::Sides(self.question(s, Some(o), self.graph.str(claim.rel_type), Vec::new()));
        };
        let scope = self.scope_of(c, *property);
        let qi = self.question(s, Some(o), self.graph.str(*property), scope);
        let order = self.comparable(claim, value).map_or(f64::INFINITY, |(_, k)| k.order());
        let i = self.question_value(qi, &value.to_string(), order, atts);
        let written = format!("denied: {} {condition}", self.graph.str(*property));
        let j = self.question_value(qi, &written, f64::INFINITY, denial_atts);
        self.conflict(qi, i, j);
        QuestionRef::Values(qi)
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
            let qi = self.question(s, Some(o), &about, Vec::new());
            self.emit(
                ContradictionKind::Denial,
                None,
                (s, Some(o)),
                about,
                QuestionRef::Sides(qi),
                sides,
                move |n1, n2| format!("{n2} denies what {n1} states about {ends}: {v}."),
            );
        }
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
            Statement::Decl(DeclStatement::Contradictions { about: Some(a), kind: None, .. }) if a.text == "battle"
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
        let a = analyse(&g);
        let rows = |about, kind, findings| contradiction_rows(&g, &a, about, kind, findings);
        let (cols, found) = rows(Some("e"), None, true).expect("e exists");
        assert_eq!(cols.len(), 10);
        assert_eq!(found.len(), 1);
        assert_eq!(rows(Some("c1"), None, true).expect("c1").1.len(), 1);
        assert_eq!(rows(Some("a"), None, true).expect("a source").1.len(), 1);
        assert_eq!(rows(Some("g"), None, false).expect("g").1.len(), 2, "one dispute, two positions");
        assert!(rows(Some("nobody"), None, true).unwrap_err().contains("'nobody'"));
        assert_eq!(rows(None, Some(ContradictionKind::Denial), false).expect("all").1.len(), 0);
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
