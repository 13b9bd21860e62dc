//! Disputes: the findings about one question (subject, property or relationship, object,
//! scope) taken together. A dispute lists its *positions*, the maximal sets of values that
//! can all be true together, and under each position its *voices*: institutions (or
//! independent sources) with the attestations behind each value. The pairwise findings
//! stay, with their ids, as the evidence.

use std::fmt::Write as _;

use serde_json::{json, Value as Json};

use super::finding::{push_line, AttestationView, EntityRef, Finding};
use crate::model::{Graph, Severity};

/// One value of a position, with the attestations that give it.
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceStatement {
    /// The value as written (`~100`, `denied: killed >=10`).
    pub value: String,
    pub attestation: AttestationView,
}

/// Who stands behind a position: an institution (the sources that speak for it), or a
/// source that speaks for nobody else.
#[derive(Debug, Clone, PartialEq)]
pub struct Voice {
    pub institution: EntityRef,
    /// The sources (mouths) of this voice, as their statements name them.
    pub sources: Vec<EntityRef>,
    pub statements: Vec<VoiceStatement>,
}

/// A maximal set of mutually compatible values, and the voices that give them.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    pub values: Vec<String>,
    pub voices: Vec<Voice>,
}

/// All findings about one question.
#[derive(Debug, Clone, PartialEq)]
pub struct Dispute {
    /// Stable: `D-` and ten hex digits, a hash of the question.
    pub id: String,
    pub subject: EntityRef,
    pub object: Option<EntityRef>,
    /// The property, relationship type, sum or bound in question.
    pub about: String,
    /// Scope qualifiers (`PER`) and their values, as written.
    pub scope: Vec<(String, String)>,
    pub positions: Vec<Position>,
    /// The findings (ids) that are the evidence, in report order.
    pub findings: Vec<String>,
    /// The most severe open finding's severity (of all findings once none is open).
    pub severity: Severity,
    /// How many of its findings are open.
    pub open: usize,
}

impl Dispute {
    pub fn status(&self) -> &'static str {
        if self.open > 0 {
            "open"
        } else {
            "closed"
        }
    }

    /// `killed of Battle at Khusham -> Russian contractors / mercenaries (group: 'Russians')`.
    pub fn question(&self) -> String {
        let mut q = match &self.object {
            Some(o) if o != &self.subject => format!("{} of {} -> {}", self.about, self.subject.name, o.name),
            _ => format!("{} of {}", self.about, self.subject.name),
        };
        if !self.scope.is_empty() {
            let scope: Vec<String> = self.scope.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            let _ = write!(q, " ({})", scope.join(", "));
        }
        q
    }

    /// The dispute as JSON; `graph` is the graph it was found in.
    pub fn to_json(&self, graph: &Graph) -> Json {
        json!({
            "id": self.id,
            "severity": self.severity.as_str(),
            "status": self.status(),
            "subject": self.subject.json(),
            "object": self.object.as_ref().map(EntityRef::json),
            "about": self.about,
            "scope": self.scope.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
            "positions": self.positions.iter().map(|p| json!({
                "values": p.values,
                "voices": p.voices.iter().map(|v| json!({
                    "institution": v.institution.json(),
                    "sources": v.sources.iter().map(EntityRef::json).collect::<Vec<_>>(),
                    "statements": v.statements.iter().map(|s| {
                        let mut a = s.attestation.json(graph);
                        a["value"] = json!(s.value);
                        a
                    }).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "findings": self.findings,
        })
    }
}

/// The disputes as text: one block per dispute with its positions and voices.
/// `findings` are looked up for the kinds of the evidence.
pub fn disputes_table(disputes: &[&Dispute], findings: &[Finding]) -> String {
    let mut out = String::new();
    let open = disputes.iter().filter(|d| d.open > 0).count();
    let evidence: usize = disputes.iter().map(|d| d.findings.len()).sum();
    push_line(
        &mut out,
        &format!(
            "{} dispute{} ({open} open) from {} finding{}",
            disputes.len(),
            if disputes.len() == 1 { "" } else { "s" },
            evidence,
            if evidence == 1 { "" } else { "s" },
        ),
    );
    for d in disputes {
        out.push('\n');
        push_line(
            &mut out,
            &format!("{}  {}  [{}]  {}", d.id, d.severity.as_str(), d.status(), d.question()),
        );
        for (i, p) in d.positions.iter().enumerate() {
            push_line(&mut out, &format!("  position {}: {}", i + 1, p.values.join(" · ")));
            for v in &p.voices {
                let mouths: Vec<&str> = v.sources.iter().map(|s| s.name.as_str()).collect();
                let who = if v.sources.len() == 1 && v.sources[0] == v.institution {
                    v.institution.name.clone()
                } else {
                    format!("{} ({})", v.institution.name, mouths.join(", "))
                };
                let values: Vec<String> = v
                    .statements
                    .iter()
                    .map(|s| format!("{} {}", s.value, s.attestation.status.as_str()))
                    .collect();
                push_line(&mut out, &format!("    - {who}: {}", dedup(values).join("; ")));
            }
        }
        let kinds: Vec<String> = d
            .findings
            .iter()
            .filter_map(|id| findings.iter().find(|f| &f.id == id))
            .map(|f| format!("{} {}", f.id, f.kind.as_str()))
            .collect();
        push_line(&mut out, &format!("  evidence:   {}", kinds.join(", ")));
    }
    out
}

fn dedup(mut items: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    items.retain(|x| seen.insert(x.clone()));
    items
}

/// The maximal sets of pairwise compatible items among `n` (maximal cliques of the
/// compatibility graph), each sorted, in order of their first item.
///
/// Bron–Kerbosch with pivoting: values of one question are few, and for intervals (numbers
/// and dates, most questions) the compatibility graph is an interval graph with at most `n`
/// maximal cliques. A step budget guards against pathological inputs; past it, every item
/// gets a greedy maximal set of its own (still maximal, not necessarily all of them).
pub(crate) fn positions(n: usize, conflict: &dyn Fn(usize, usize) -> bool) -> Vec<Vec<usize>> {
    let compatible = |i: usize, j: usize| i != j && !conflict(i.min(j), i.max(j));
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut budget: usize = 200_000;
    let complete =
        bron_kerbosch(&compatible, Vec::new(), (0..n).collect(), Vec::new(), &mut out, &mut budget);
    if !complete {
        out.clear();
        for i in 0..n {
            let mut set = vec![i];
            for j in 0..n {
                if j != i && set.iter().all(|&k| compatible(j, k)) {
                    set.push(j);
                }
            }
            set.sort_unstable();
            if !out.contains(&set) {
                out.push(set);
            }
        }
    }
    for p in &mut out {
        p.sort_unstable();
    }
    out.sort();
    out
}

/// Returns false when the budget ran out.
fn bron_kerbosch(
    compatible: &dyn Fn(usize, usize) -> bool,
    r: Vec<usize>,
    mut p: Vec<usize>,
    mut x: Vec<usize>,
    out: &mut Vec<Vec<usize>>,
    budget: &mut usize,
) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    if p.is_empty() && x.is_empty() {
        out.push(r);
        return true;
    }
    // Pivot: the vertex of P ∪ X with the most neighbours in P.
    let pivot = p.iter().chain(&x).copied().max_by_key(|&u| p.iter().filter(|&&v| compatible(u, v)).count());
    let candidates: Vec<usize> = match pivot {
        Some(u) => p.iter().copied().filter(|&v| !compatible(u, v)).collect(),
        None => p.clone(),
    };
    for v in candidates {
        let mut r2 = r.clone();
        r2.push(v);
        let p2 = p.iter().copied().filter(|&w| compatible(v, w)).collect();
        let x2 = x.iter().copied().filter(|&w| compatible(v, w)).collect();
        if !bron_kerbosch(compatible, r2, p2, x2, out, budget) {
            return false;
        }
        p.retain(|&w| w != v);
        x.push(v);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_the_maximal_compatible_sets() {
        // The Russian dead at Khusham: 0 `5`, 1 `<12`, 2 `~100`, 3 `>100`, 4 `~300`.
        let conflicts = [(0, 2), (0, 3), (0, 4), (1, 2), (1, 3), (1, 4), (2, 4)];
        let conflict = |i: usize, j: usize| conflicts.contains(&(i, j));
        assert_eq!(positions(5, &conflict), vec![vec![0, 1], vec![2, 3], vec![3, 4]]);
        assert_eq!(positions(3, &|_, _| false), vec![vec![0, 1, 2]]);
        assert_eq!(positions(3, &|_, _| true), vec![vec![0], vec![1], vec![2]]);
        assert!(
            positions(0, &|_, _| true).is_empty() || positions(0, &|_, _| true) == vec![Vec::<usize>::new()]
        );
    }

    #[test]
    fn the_budget_gives_maximal_sets_for_every_item() {
        // 60 items in conflict only pairwise (2i, 2i+1): 2^30 maximal cliques.
        let conflict = |i: usize, j: usize| i / 2 == j / 2;
        let got = positions(60, &conflict);
        assert!(!got.is_empty() && got.len() <= 60);
        for p in &got {
            assert_eq!(p.len(), 30, "each greedy set is maximal");
        }
        for i in 0..60 {
            assert!(got.iter().any(|p| p.contains(&i)), "item {i} has a position");
        }
    }
}
