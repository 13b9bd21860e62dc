//! What the contradiction engine reports: [`Finding`]s, each with its [`Side`]s and their
//! provenance, detached from the graph so front ends can print them as they like.

use std::fmt::{self, Write as _};

use serde_json::{json, Value as Json};

use crate::model::corroboration::same_voice;
use crate::model::{
    Attestation, Claim, ClaimIx, EntityIx, Graph, ResolutionStatus, Severity, SourceRef, Status,
};

/// The kinds of contradiction, one per constraint kind plus denials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContradictionKind {
    /// A `SINGLE` property (or relationship) with incompatible values.
    SingleValue,
    /// A `SUM` constraint: parts that cannot add up to a total.
    CategorySum,
    /// An `EXCLUSIVE` constraint: relationships that cannot hold together.
    Exclusive,
    /// A `DENY` statement, or a DENIED attestation, against what others assert.
    Denial,
    /// A `TEMPORAL` constraint: the same fact dated differently.
    Temporal,
    /// A `PARTS` constraint: a part's figure above its whole's.
    PartWhole,
    /// A `BOUND` constraint: a figure above the figure that bounds it (casualties above
    /// the force's strength).
    Bound,
    /// One institution's voices give incompatible answers to one question ("one side, two
    /// stories"): `SPEAKS FOR`.
    TwoStories,
}

impl ContradictionKind {
    pub const ALL: [ContradictionKind; 8] = [
        ContradictionKind::SingleValue,
        ContradictionKind::CategorySum,
        ContradictionKind::Exclusive,
        ContradictionKind::Denial,
        ContradictionKind::Temporal,
        ContradictionKind::PartWhole,
        ContradictionKind::Bound,
        ContradictionKind::TwoStories,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContradictionKind::SingleValue => "single_value",
            ContradictionKind::CategorySum => "category_sum",
            ContradictionKind::Exclusive => "exclusive",
            ContradictionKind::Denial => "denial",
            ContradictionKind::Temporal => "temporal",
            ContradictionKind::PartWhole => "part_whole",
            ContradictionKind::Bound => "bound",
            ContradictionKind::TwoStories => "two_stories",
        }
    }

    pub fn parse(word: &str) -> Option<ContradictionKind> {
        ContradictionKind::ALL.into_iter().find(|k| k.as_str().eq_ignore_ascii_case(word))
    }
}

impl fmt::Display for ContradictionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An entity (or a user source) as findings show it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityRef {
    pub id: String,
    pub name: String,
}

impl EntityRef {
    pub(crate) fn json(&self) -> Json {
        json!({"id": self.id, "name": self.name})
    }
}

/// Where an attestation is kept in the graph: on a claim (its index among the claim's
/// attestations), or on a `DENY` statement (the denial's key, which stays when other
/// denials go).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttestationAt {
    Claim(ClaimIx, u32),
    Denial(u64, u32),
}

/// One attestation behind a side: where it is in the graph, and the claim the side names
/// it on. Its text (source, relays, quote, document, …) is written only when a finding is
/// printed, from the graph the finding is of: most findings of a large check are counted or
/// summed up, never printed.
#[derive(Debug, Clone, PartialEq)]
pub struct AttestationView {
    pub at: AttestationAt,
    pub status: Status,
    /// The claim this attestation is on (shown as its id, or a description of an unnamed
    /// claim).
    pub claim: Option<ClaimIx>,
}

impl AttestationView {
    /// The attestation itself; `None` only if the graph is not the one the finding is of.
    pub fn attestation<'g>(&self, graph: &'g Graph) -> Option<&'g Attestation> {
        let (list, i) = match self.at {
            AttestationAt::Claim(c, i) => (&graph.claim(c)?.attestations, i),
            AttestationAt::Denial(key, i) => (&graph.denial_by_key(key)?.attestations, i),
        };
        list.get(usize::try_from(i).ok()?)
    }

    /// Who said it.
    pub fn source(&self, graph: &Graph) -> EntityRef {
        self.attestation(graph).map_or_else(
            || EntityRef { id: String::new(), name: String::new() },
            |a| source_ref(graph, a.source),
        )
    }

    /// The verbatim quote, if any.
    pub fn quote<'g>(&self, graph: &'g Graph) -> Option<&'g str> {
        self.attestation(graph)?.quote.as_deref()
    }

    /// Whether the quote was checked against its document's text: false when there is no
    /// quote, no document, or a document without a readable text.
    pub fn verified(&self, graph: &Graph) -> bool {
        self.attestation(graph).is_some_and(|a| a.quote.is_some() && graph.quote_verified(a.document))
    }

    fn via(&self, graph: &Graph) -> Vec<String> {
        self.attestation(graph)
            .map(|a| a.via.iter().map(|v| graph.entity_id(*v).to_string()).collect())
            .unwrap_or_default()
    }

    fn document<'g>(&self, graph: &'g Graph) -> Option<&'g str> {
        self.attestation(graph)?.document.map(|d| graph.entity_id(d))
    }

    fn position<'g>(&self, graph: &'g Graph) -> Option<&'g str> {
        self.attestation(graph)?.position.as_deref()
    }

    fn date(&self, graph: &Graph) -> Option<String> {
        self.attestation(graph)?.date.as_ref().map(|d| d.to_string())
    }

    fn claim_key(&self, graph: &Graph) -> Option<String> {
        self.claim.map(|c| describe_claim(graph, c))
    }

    pub(crate) fn json(&self, graph: &Graph) -> Json {
        json!({
            "source": self.source(graph).json(),
            "via": self.via(graph),
            "quote": self.quote(graph),
            "status": self.status.as_str(),
            "document": self.document(graph),
            "position": self.position(graph),
            "date": self.date(graph),
            "verified": self.verified(graph),
            "claim": self.claim_key(graph),
        })
    }

    /// One line: `Moscow officials (moscow_officials) asserted in article at para 21 [c_official_toll]`.
    pub(crate) fn line(&self, graph: &Graph) -> String {
        let source = self.source(graph);
        let mut line = format!("{} ({}) {}", source.name, source.id, self.status.as_str());
        let via = self.via(graph);
        if !via.is_empty() {
            let _ = write!(line, " via {}", via.join(", "));
        }
        if let Some(d) = self.document(graph) {
            let _ = write!(line, " in {d}");
            if let Some(p) = self.position(graph) {
                let _ = write!(line, " at {p}");
            }
        }
        if let Some(d) = self.date(graph) {
            let _ = write!(line, " on {d}");
        }
        if let Some(c) = self.claim_key(graph) {
            let _ = write!(line, " [{c}]");
        }
        line
    }

    /// The quote as shown under the line, marked when it was not checked.
    pub(crate) fn quote_line(&self, graph: &Graph) -> Option<String> {
        let q = self.quote(graph)?;
        Some(if self.verified(graph) { format!("\"{q}\"") } else { format!("\"{q}\" (unverified)") })
    }
}

/// An entity as findings show it.
pub(crate) fn entity_ref(graph: &Graph, ix: EntityIx) -> EntityRef {
    EntityRef { id: graph.entity_id(ix).to_string(), name: graph.display_name(ix).to_string() }
}

/// A source (an entity, or a user) as findings show it.
pub(crate) fn source_ref(graph: &Graph, s: SourceRef) -> EntityRef {
    match s {
        SourceRef::Entity(ix) => entity_ref(graph, ix),
        SourceRef::User(u) => {
            let name = graph.str(u).to_string();
            EntityRef { id: format!("user:{name}"), name }
        }
    }
}

/// The claim's id, or a description of an unnamed claim (stable: it goes into finding ids).
pub(crate) fn describe_claim(graph: &Graph, c: ClaimIx) -> String {
    let mut out = String::new();
    write_claim_key(graph, c, &mut out);
    out
}

/// [`describe_claim`] written to `out` (a finding's id hashes it without writing it out).
pub(crate) fn write_claim_key(graph: &Graph, c: ClaimIx, out: &mut impl fmt::Write) {
    let Some(claim) = graph.claim(c) else { return };
    if let Some(id) = claim.id {
        let _ = out.write_str(graph.str(id));
        return;
    }
    let (s, o) = graph.endpoints(c).map_or(("?", "?"), |(s, o)| (graph.entity_id(s), graph.entity_id(o)));
    let _ = write!(out, "({s})-[:{}", graph.str(claim.rel_type));
    write_props(graph, claim, out);
    let _ = write!(out, "]->({o})");
}

/// A claim's properties as written in a pattern (` {killed: 5}`), or nothing.
pub(crate) fn props_text(graph: &Graph, claim: &Claim) -> String {
    let mut out = String::new();
    write_props(graph, claim, &mut out);
    out
}

fn write_props(graph: &Graph, claim: &Claim, out: &mut impl fmt::Write) {
    for (i, (k, v)) in claim.props.iter().enumerate() {
        let _ = write!(out, "{}{}: {v}", if i == 0 { " {" } else { ", " }, graph.str(*k));
    }
    if !claim.props.is_empty() {
        let _ = out.write_char('}');
    }
}

/// Why a finding's sides disagree: written out, or kept as the parts it is written from
/// when printed (most findings of a large check are counted, never printed).
#[derive(Debug, Clone, PartialEq)]
pub enum Explanation {
    Text(String),
    /// Two values of one property that cannot both be true (`dates`: that do not overlap):
    /// written from the finding's ends, property and sides (their values, and the names of
    /// the sources that give them); `same_source` when one source is on both sides.
    Values {
        dates: bool,
        same_source: bool,
    },
}

/// The mouths behind some attestations, as an explanation names them (`Reuters, TASS and
/// Moscow officials`), and whether they are several: the verb after them agrees
/// (`Reuters gives`, `Reuters and TASS give`).
pub(crate) struct VoiceNames {
    text: String,
    several: bool,
}

impl VoiceNames {
    /// `one` after a single voice, `several` after more.
    pub(crate) fn verb(&self, one: &'static str, several: &'static str) -> &'static str {
        if self.several {
            several
        } else {
            one
        }
    }
}

impl std::fmt::Display for VoiceNames {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// The mouths behind some attestations (the chains' original speakers, not their
/// institutions), as an explanation names them.
pub(crate) fn voice_names(graph: &Graph, atts: &[&Attestation]) -> VoiceNames {
    let mut voices: Vec<SourceRef> = Vec::new();
    for a in atts.iter().filter(|a| a.status != Status::Denied) {
        let relayed = voices.iter().position(|v| atts.iter().any(|b| b.source == *v && same_voice(a, b)));
        match relayed {
            // Keep the original speaker (the longest chain) of a relayed voice.
            Some(i) => {
                let current = atts.iter().find(|b| b.source == voices[i]).map_or(0, |b| b.via.len());
                if a.via.len() > current {
                    voices[i] = a.source;
                }
            }
            None => voices.push(a.source),
        }
    }
    if voices.is_empty() {
        // Only DENIED attestations: name them anyway.
        for a in atts {
            if !voices.contains(&a.source) {
                voices.push(a.source);
            }
        }
    }
    let names: Vec<&str> = voices
        .iter()
        .map(|s| match *s {
            SourceRef::Entity(ix) => graph.display_name(ix),
            SourceRef::User(u) => graph.str(u),
        })
        .collect();
    let text = match names.len() {
        0 => "nobody".into(),
        1 => names[0].to_string(),
        _ => format!("{} and {}", names[..names.len() - 1].join(", "), names[names.len() - 1]),
    };
    VoiceNames { text, several: names.len() > 1 }
}

/// One position in a disagreement: a value as written and everyone who states it.
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    /// The value as written (`~300`, `killed ~100 + wounded ~200`, `PRESENT_IN`, `denied`).
    pub value: String,
    /// The claims this side rests on (for a denial side: none).
    pub claims: Vec<ClaimIx>,
    pub attestations: Vec<AttestationView>,
}

impl Side {
    /// The side's independent voices: chains collapsed to their original speaker, and the
    /// voices of one institution (`SPEAKS FOR`) counted once, as the institution. Written
    /// when printed, from the graph the finding was found in.
    pub fn corroboration(&self, graph: &Graph) -> Vec<EntityRef> {
        let atts = self.attestations.iter().filter_map(|a| a.attestation(graph));
        crate::model::corroboration::independent_voices(graph, atts)
            .into_iter()
            .map(|s| source_ref(graph, s))
            .collect()
    }
}

/// A contradiction found by the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Stable id: a hash of the constraint, the ends, the property and the sides' values
    /// and claims (`F-` and ten hex digits). The same data gives the same id in every run.
    pub id: String,
    pub kind: ContradictionKind,
    pub severity: Severity,
    /// The constraint id, or `None` for denials.
    pub constraint: Option<String>,
    pub subject: EntityRef,
    pub object: Option<EntityRef>,
    /// The property, relationship type or category sum the sides disagree on.
    pub about: String,
    pub sides: Vec<Side>,
    /// Why the sides disagree, in words: [`Finding::explanation_text`].
    pub explanation: Explanation,
    /// An analyst's verdict (`RESOLVE`); `None` while the finding is open.
    pub resolution: Option<(ResolutionStatus, String)>,
    /// The dispute (one question) this finding is evidence in: `D-` and ten hex digits.
    pub dispute: String,
}

impl Finding {
    /// `open`, `resolved` or `dismissed`.
    pub fn status(&self) -> &'static str {
        self.resolution.as_ref().map_or("open", |(s, _)| s.as_str())
    }

    pub fn is_open(&self) -> bool {
        self.resolution.is_none()
    }

    /// Why the sides disagree, in words (`Moscow officials give killed of … as 5 and Reuters
    /// as ~100; the values cannot both be true.`); `graph` is the graph it was found in.
    pub fn explanation_text(&self, graph: &Graph) -> std::borrow::Cow<'_, str> {
        let Explanation::Values { dates, same_source } = self.explanation else {
            let Explanation::Text(text) = &self.explanation else { unreachable!() };
            return std::borrow::Cow::Borrowed(text);
        };
        let [a, b] = self.sides.as_slice() else { return std::borrow::Cow::Borrowed("") };
        let names = |side: &Side| {
            let atts: Vec<&Attestation> =
                side.attestations.iter().filter_map(|a| a.attestation(graph)).collect();
            voice_names(graph, &atts)
        };
        let ends = match &self.object {
            Some(o) if o != &self.subject => format!("{} -> {}", self.subject.name, o.name),
            _ => self.subject.name.clone(),
        };
        let (what, tail) = if dates {
            ("dates", "do not overlap even at their precision")
        } else {
            ("values", "cannot both be true")
        };
        let (first, second) = (names(a), names(b));
        let mut text = format!(
            "{first} {} {} of {ends} as {} and {second} as {}; the {what} {tail}.",
            first.verb("gives", "give"),
            self.about,
            a.value,
            b.value
        );
        if same_source {
            text.push_str(" (the same source on both sides)");
        }
        std::borrow::Cow::Owned(text)
    }

    /// Every claim the finding's sides rest on.
    pub fn claims(&self) -> impl Iterator<Item = ClaimIx> + '_ {
        self.sides.iter().flat_map(|s| s.claims.iter().copied())
    }

    /// The finding as the JSON object of `claimgraph check --format json`; `graph` is the
    /// graph it was found in.
    pub fn to_json(&self, graph: &Graph) -> Json {
        let sides: Vec<Json> = self
            .sides
            .iter()
            .map(|s| {
                json!({
                    "value": s.value,
                    "attestations": s.attestations.iter().map(|a| a.json(graph)).collect::<Vec<_>>(),
                    "corroboration": s.corroboration(graph).iter().map(EntityRef::json).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "id": self.id,
            "kind": self.kind.as_str(),
            "severity": self.severity.as_str(),
            "subject": self.subject.json(),
            "object": self.object.as_ref().map(EntityRef::json),
            "about": self.about,
            "sides": sides,
            "explanation": self.explanation_text(graph),
            "constraint": self.constraint,
            "status": self.status(),
            "reason": self.resolution.as_ref().map(|(_, r)| r.clone()),
            "dispute": self.dispute,
        })
    }

    /// A short line for REPL warnings: `F-… violation single_value: <explanation>`.
    /// `graph` is the graph it was found in.
    pub fn one_line(&self, graph: &Graph) -> String {
        format!(
            "{} {} {}: {}",
            self.id,
            self.severity.as_str(),
            self.kind.as_str(),
            self.explanation_text(graph)
        )
    }
}

/// Text with control characters escaped (`\n`), for the human-readable reports: a name or
/// quote cannot break a report's layout.
pub(crate) fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
            .collect(),
    )
}

/// The findings as `{"contradictions": [...]}`.
pub fn findings_json(graph: &Graph, findings: &[Finding]) -> Json {
    json!({ "contradictions": findings.iter().map(|f| f.to_json(graph)).collect::<Vec<_>>() })
}

/// The findings as text: a count line, then one block per finding with its sides and their
/// provenance.
pub fn findings_table(graph: &Graph, findings: &[Finding]) -> String {
    let mut out = String::new();
    let open = findings.iter().filter(|f| f.is_open()).count();
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    push_line(
        &mut out,
        &format!(
            "{} contradiction{} ({open} open): {} violation, {} warning, {} suggestion",
            findings.len(),
            if findings.len() == 1 { "" } else { "s" },
            count(Severity::Violation),
            count(Severity::Warning),
            count(Severity::Suggestion),
        ),
    );
    for f in findings {
        out.push('\n');
        push_line(
            &mut out,
            &format!("{}  {}  {}  [{}]", f.id, f.severity.as_str(), f.kind.as_str(), f.status()),
        );
        let ends = match &f.object {
            Some(o) if o != &f.subject => {
                format!("{} ({}) -> {} ({})", f.subject.name, f.subject.id, o.name, o.id)
            }
            _ => format!("{} ({})", f.subject.name, f.subject.id),
        };
        push_line(&mut out, &format!("  about:      {} of {ends}", f.about));
        push_line(&mut out, &format!("  dispute:    {}", f.dispute));
        if let Some(c) = &f.constraint {
            push_line(&mut out, &format!("  constraint: {c}"));
        }
        for (i, s) in f.sides.iter().enumerate() {
            push_line(&mut out, &format!("  side {}:     {}", i + 1, s.value));
            for a in &s.attestations {
                push_line(&mut out, &format!("    - {}", a.line(graph)));
                if let Some(q) = a.quote_line(graph) {
                    push_line(&mut out, &format!("      {q}"));
                }
            }
            let corroboration = s.corroboration(graph);
            if !corroboration.is_empty() {
                let names: Vec<&str> = corroboration.iter().map(|e| e.name.as_str()).collect();
                push_line(
                    &mut out,
                    &format!("    independent voices: {} ({})", corroboration.len(), names.join("; ")),
                );
            }
        }
        push_line(&mut out, &format!("  why:        {}", f.explanation_text(graph)));
        if let Some((status, reason)) = &f.resolution {
            push_line(&mut out, &format!("  {}:  {reason}", status.as_str()));
        }
    }
    out
}

/// Appends one line of a human-readable report, control characters escaped so that no name,
/// value or quote can break its layout.
pub(crate) fn push_line(out: &mut String, line: &str) {
    out.push_str(&printable(line));
    out.push('\n');
}
