//! What front ends ask of the engine's results: which findings and disputes are about an
//! id (`ABOUT`), the rows of `CONTRADICTIONS`, `FINDINGS` and `DENIALS`, and the reports of
//! `claimgraph check`.

use std::collections::HashSet;

use super::{
    disputes_table, findings_json, findings_table, on_two_threads, Analysis, ContradictionKind, Dispute,
    Finding,
};
use crate::model::result::QueryValue;
use crate::model::{
    Attestation, ClaimIx, ClaimKind, Denial, DenialTarget, EndSelector, EntityIx, Graph, SourceRef, Status,
};

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
    Err(match crate::diagnostics::did_you_mean(id, candidates) {
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
                    a.attestation(graph).is_some_and(|a| {
                        let source = match a.source {
                            SourceRef::Entity(s) => Some(s),
                            SourceRef::User(_) => None,
                        };
                        source == Some(e)
                            || a.via.contains(&e)
                            || a.document == Some(e)
                            || source.is_some_and(|s| s != e && graph.institutions(s).contains(&e))
                    })
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
    if about.is_none() && kind.is_none() {
        // Every dispute has a finding.
        return analysis.disputes.iter().collect();
    }
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
        // The rows of each dispute are independent: two threads write them, in order.
        let disputes = filter_disputes(graph, analysis, about, kind);
        let rows = on_two_threads(&disputes, |d| position_rows(d)).into_iter().flatten().collect();
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
                .map(|side| {
                    list(side.attestations.iter().map(|a| s(&a.source(graph).id)).collect::<Vec<_>>())
                })
                .collect();
            vec![
                s(&f.id),
                s(f.kind.as_str()),
                s(f.severity.as_str()),
                s(&f.subject.id),
                s(&f.about),
                list(sides),
                list(sources),
                s(&f.explanation_text(graph)),
                s(f.status()),
                s(&f.dispute),
            ]
        })
        .collect();
    Ok((columns, rows))
}

/// The rows of `CONTRADICTIONS` for one dispute: one per position.
fn position_rows(d: &Dispute) -> Vec<Vec<QueryValue>> {
    let s = |x: &str| QueryValue::String(x.to_string());
    let count = |n: usize| QueryValue::Int(i64::try_from(n).unwrap_or(i64::MAX));
    // The columns every position repeats: written once, cloned for all rows but the last,
    // which takes them (at a million claims, four blocks fewer to write for each of some
    // twenty thousand disputes).
    let mut shared = Some([
        s(&d.id),
        s(d.severity.as_str()),
        QueryValue::String(d.question()),
        count(d.findings.len()),
        s(d.status()),
    ]);
    let last = d.positions.len().saturating_sub(1);
    let mut rows = Vec::with_capacity(d.positions.len());
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
        let repeated = if i == last { shared.take() } else { shared.clone() };
        let Some([id, severity, question, findings, status]) = repeated else { break };
        rows.push(vec![
            id,
            severity,
            question,
            count(i + 1),
            QueryValue::List(p.values.iter().map(|v| s(v)).collect()),
            QueryValue::List(voices),
            findings,
            status,
        ]);
    }
    rows
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
            opt(a.date.as_ref().map(|d| d.to_string())),
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
    for c in graph.claims_with_denied_attestations() {
        let Some(claim) = graph.claim(c) else { continue };
        if claim.kind != ClaimKind::Stated
            || !claim.attestations.iter().any(|a| a.status == Status::Denied)
            || !involves(&[c], &[])
        {
            continue;
        }
        for a in claim.attestations.iter().filter(|a| a.status == Status::Denied) {
            row(a, claim_text(c), &[c]);
        }
    }
    Ok((columns, rows))
}

/// `claimgraph check`'s report: the disputes, then every finding with its provenance.
pub fn report_table(graph: &Graph, analysis: &Analysis) -> String {
    format!(
        "{}\n{}",
        disputes_table(&analysis.disputes.iter().collect::<Vec<_>>(), &analysis.findings),
        findings_table(graph, &analysis.findings)
    )
}

/// `claimgraph check --format json`: `{"disputes": [...], "contradictions": [...]}`.
pub fn report_json(graph: &Graph, analysis: &Analysis) -> serde_json::Value {
    let mut j = findings_json(graph, &analysis.findings);
    j["disputes"] = serde_json::Value::Array(analysis.disputes.iter().map(|d| d.to_json(graph)).collect());
    j
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{EntityRef, Position};
    use crate::model::Severity;

    /// A dispute's columns repeat on every position's row, the last row's taken rather than
    /// cloned: each row has them all, with its own position and values.
    #[test]
    fn every_position_row_repeats_the_disputes_columns() {
        let who = EntityRef { id: "e".to_string(), name: "E".to_string() };
        let d = Dispute {
            id: "D-0000000001".to_string(),
            subject: who.clone(),
            object: None,
            about: "killed".to_string(),
            scope: Vec::new(),
            positions: ["5", "50", "500"]
                .map(|v| Position { values: vec![v.to_string()], voices: Vec::new() })
                .to_vec(),
            findings: vec!["F-1".to_string(), "F-2".to_string()],
            severity: Severity::Violation,
            open: 1,
        };
        let rows = position_rows(&d);
        let text = |x: &str| QueryValue::String(x.to_string());
        let expected: Vec<Vec<QueryValue>> = ["5", "50", "500"]
            .iter()
            .enumerate()
            .map(|(i, v)| {
                vec![
                    text("D-0000000001"),
                    text(Severity::Violation.as_str()),
                    text("killed of E"),
                    QueryValue::Int(i64::try_from(i + 1).expect("small")),
                    QueryValue::List(vec![text(v)]),
                    QueryValue::List(Vec::new()),
                    QueryValue::Int(2),
                    text("open"),
                ]
            })
            .collect();
        assert_eq!(rows, expected);
    }
}
