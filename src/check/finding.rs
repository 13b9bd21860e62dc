//! What the contradiction engine reports: [`Finding`]s, each with its [`Side`]s and their
//! provenance, detached from the graph so front ends can print them as they like.

use std::fmt::{self, Write as _};

use serde_json::{json, Value as Json};

use crate::model::{ClaimIx, ResolutionStatus, Severity, Status};

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
}

impl ContradictionKind {
    pub const ALL: [ContradictionKind; 5] = [
        ContradictionKind::SingleValue,
        ContradictionKind::CategorySum,
        ContradictionKind::Exclusive,
        ContradictionKind::Denial,
        ContradictionKind::Temporal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContradictionKind::SingleValue => "single_value",
            ContradictionKind::CategorySum => "category_sum",
            ContradictionKind::Exclusive => "exclusive",
            ContradictionKind::Denial => "denial",
            ContradictionKind::Temporal => "temporal",
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
    fn json(&self) -> Json {
        json!({"id": self.id, "name": self.name})
    }
}

/// One attestation behind a side, with its provenance.
#[derive(Debug, Clone, PartialEq)]
pub struct AttestationView {
    pub source: EntityRef,
    /// The relays, nearest first (ids).
    pub via: Vec<String>,
    pub quote: Option<String>,
    pub status: Status,
    /// The document id.
    pub document: Option<String>,
    /// Where in the document.
    pub position: Option<String>,
    /// The claim id (or a description of an unnamed claim) this attestation is on.
    pub claim: Option<String>,
}

/// One position in a disagreement: a value as written and everyone who states it.
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    /// The value as written (`~300`, `killed ~100 + wounded ~200`, `PRESENT_IN`, `denied`).
    pub value: String,
    /// The claims this side rests on (for a denial side: none).
    pub claims: Vec<ClaimIx>,
    pub attestations: Vec<AttestationView>,
    /// The side's independent sources (chains collapsed to their original speaker).
    pub corroboration: Vec<EntityRef>,
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
    pub explanation: String,
    /// An analyst's verdict (`RESOLVE`); `None` while the finding is open.
    pub resolution: Option<(ResolutionStatus, String)>,
}

impl Finding {
    /// `open`, `resolved` or `dismissed`.
    pub fn status(&self) -> &'static str {
        self.resolution.as_ref().map_or("open", |(s, _)| s.as_str())
    }

    pub fn is_open(&self) -> bool {
        self.resolution.is_none()
    }

    /// Every claim the finding's sides rest on.
    pub fn claims(&self) -> impl Iterator<Item = ClaimIx> + '_ {
        self.sides.iter().flat_map(|s| s.claims.iter().copied())
    }

    /// The finding as the JSON object of `claimgraph check --format json`.
    pub fn to_json(&self) -> Json {
        let sides: Vec<Json> = self
            .sides
            .iter()
            .map(|s| {
                json!({
                    "value": s.value,
                    "attestations": s.attestations.iter().map(|a| json!({
                        "source": a.source.json(),
                        "via": a.via,
                        "quote": a.quote,
                        "status": a.status.as_str(),
                        "document": a.document,
                        "position": a.position,
                        "claim": a.claim,
                    })).collect::<Vec<_>>(),
                    "corroboration": s.corroboration.iter().map(EntityRef::json).collect::<Vec<_>>(),
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
            "explanation": self.explanation,
            "constraint": self.constraint,
            "status": self.status(),
            "reason": self.resolution.as_ref().map(|(_, r)| r.clone()),
        })
    }

    /// A short line for REPL warnings: `F-… violation single_value: <explanation>`.
    pub fn one_line(&self) -> String {
        format!("{} {} {}: {}", self.id, self.severity.as_str(), self.kind.as_str(), self.explanation)
    }
}

/// The findings as `{"contradictions": [...]}`.
pub fn findings_json(findings: &[Finding]) -> Json {
    json!({ "contradictions": findings.iter().map(Finding::to_json).collect::<Vec<_>>() })
}

/// The findings as text: a count line, then one block per finding with its sides and their
/// provenance.
pub fn findings_table(findings: &[Finding]) -> String {
    let mut out = String::new();
    let open = findings.iter().filter(|f| f.is_open()).count();
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let _ = writeln!(
        out,
        "{} contradiction{} ({open} open): {} violation, {} warning, {} suggestion",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        count(Severity::Violation),
        count(Severity::Warning),
        count(Severity::Suggestion),
    );
    for f in findings {
        out.push('\n');
        let _ = writeln!(out, "{}  {}  {}  [{}]", f.id, f.severity.as_str(), f.kind.as_str(), f.status());
        let ends = match &f.object {
            Some(o) if o != &f.subject => {
                format!("{} ({}) -> {} ({})", f.subject.name, f.subject.id, o.name, o.id)
            }
            _ => format!("{} ({})", f.subject.name, f.subject.id),
        };
        let _ = writeln!(out, "  about:      {} of {ends}", f.about);
        if let Some(c) = &f.constraint {
            let _ = writeln!(out, "  constraint: {c}");
        }
        for (i, s) in f.sides.iter().enumerate() {
            let _ = writeln!(out, "  side {}:     {}", i + 1, s.value);
            for a in &s.attestations {
                let mut line = format!("    - {} ({}) {}", a.source.name, a.source.id, a.status.as_str());
                if !a.via.is_empty() {
                    let _ = write!(line, " via {}", a.via.join(", "));
                }
                if let Some(d) = &a.document {
                    let _ = write!(line, " in {d}");
                    if let Some(p) = &a.position {
                        let _ = write!(line, " at {p}");
                    }
                }
                if let Some(c) = &a.claim {
                    let _ = write!(line, " [{c}]");
                }
                let _ = writeln!(out, "{line}");
                if let Some(q) = &a.quote {
                    let _ = writeln!(out, "      \"{q}\"");
                }
            }
            if !s.corroboration.is_empty() {
                let names: Vec<&str> = s.corroboration.iter().map(|e| e.name.as_str()).collect();
                let _ = writeln!(
                    out,
                    "    independent sources: {} ({})",
                    s.corroboration.len(),
                    names.join("; ")
                );
            }
        }
        let _ = writeln!(out, "  why:        {}", f.explanation);
        if let Some((status, reason)) = &f.resolution {
            let _ = writeln!(out, "  {}:  {reason}", status.as_str());
        }
    }
    out
}
