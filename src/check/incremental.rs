//! The findings of a graph kept up to date statement by statement: after a statement, only
//! the subjects it touched are checked again, and the result is exactly what a full check
//! of the new graph gives.
//!
//! Why that holds: every finding and every dispute is about one subject (a question's
//! subject, which goes into every finding's id), and what the engine finds about a subject
//! is read from a few things only: the claims whose subject it is (their groups, values,
//! denials and DENIED attestations, bounds); for `PARTS` between a shared object's claims,
//! the other claims into that object; the `PART_OF` claims above an entity and the claims
//! that bound a figure; the constraints, denials, resolutions, and entities' labels, chains
//! and institutions. So a statement that
//!
//! * adds, changes or removes a claim `s -[T]-> o` affects subject `s`; with a `PARTS`
//!   constraint on `T`, also the subjects of every `T` claim into `o` (a whole's figure is
//!   compared with its parts'); with a `BOUND` by `T`, also `o`, and with `OVER PART_OF`
//!   the entities below `s` and `o` and the subjects of the claims into them; a claim of a
//!   `PART_OF` relationship that a constraint follows, the entities below `s` and the
//!   subjects of the claims into them (their wholes changed);
//! * adds a denial of a claim affects that claim's subject; of a class, the subjects of the
//!   claims of its pattern;
//! * adds a constraint affects the subjects of the claims of its patterns;
//! * adds a resolution affects the subjects of the findings it applies to;
//! * changes or removes an entity that was there before (labels, chains, `SPEAKS FOR`, a
//!   document's text): everything.
//!
//! Adding entities touches nothing. The engine is run with the affected subjects as its
//! focus ([`super::analyse_in`]): each pass reads complete groups for them, in the order a
//! full pass meets their claims, and the findings and disputes of those subjects replace
//! the old ones in report order. `tests/contradictions.rs` replays every test case
//! statement by statement and compares with the full check after each.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use petgraph::Direction;

use super::questions::{dispute_order, report_order};
use super::{analyse, analyse_in, new_findings, Analysis, Dispute, Finding, Focus};
use crate::model::{ConstraintKind, DenialTarget, EntityIx, Graph, RelPattern, ResolutionTarget, Touched};

/// The findings and disputes of a graph at a revision, brought forward by [`Tracked::update`].
///
/// An update costs what its subjects' findings cost, not what the whole graph's do: the
/// findings it replaces and adds wait in [`Pending`] and are folded into the report-ordered
/// lists when those are next read ([`Tracked::analysis`]), once for any number of updates.
/// A script of declarations on a large graph is followed statement by statement (the
/// shell's warnings) without re-sorting every finding after each one.
#[derive(Debug, Clone)]
pub struct Tracked {
    revision: u64,
    /// The findings and disputes as last folded: those about a subject of
    /// `pending.replaced` no longer hold.
    analysis: Arc<Analysis>,
    pending: Pending,
    /// The ids of each subject's (entity id's) findings now, pending ones included: a
    /// statement about subjects without findings that finds none leaves the analysis as it
    /// is. Made at the first [`Tracked::update`]: a check whose findings are only read
    /// never needs it.
    by_subject: Option<HashMap<String, Vec<String>>>,
}

/// What updates changed since the findings were last folded into report order.
#[derive(Debug, Clone, Default)]
struct Pending {
    /// Subjects whose findings and disputes in the folded analysis no longer hold.
    replaced: HashSet<String>,
    /// Their findings and disputes now, in no order (a focused check finds only its
    /// subjects', so each is about a subject of `replaced`).
    findings: Vec<Finding>,
    disputes: Vec<Dispute>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.replaced.is_empty() && self.findings.is_empty() && self.disputes.is_empty()
    }
}

impl Tracked {
    /// The full check of the graph as it is.
    pub fn new(graph: &Graph) -> Self {
        let analysis = analyse(graph);
        Tracked {
            revision: graph.revision(),
            analysis: Arc::new(analysis),
            pending: Pending::default(),
            by_subject: None,
        }
    }

    /// The graph revision the findings are of.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The findings and disputes, in report order (what updates left pending is folded in
    /// first).
    pub fn analysis(&mut self) -> &Arc<Analysis> {
        self.fold();
        &self.analysis
    }

    /// The graph was rolled back to the state these findings are of (at revision
    /// `restored`): they hold for it again.
    pub fn restored(&mut self, restored: u64) {
        self.revision = restored;
    }

    /// Puts the pending findings and disputes in place of the replaced subjects' and
    /// restores report order: one pass and one sort of two-or-more sorted runs.
    fn fold(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let Pending { replaced, mut findings, mut disputes, .. } = std::mem::take(&mut self.pending);
        let analysis = Arc::make_mut(&mut self.analysis);
        analysis.findings.retain(|f| !replaced.contains(f.subject.id.as_str()));
        analysis.disputes.retain(|d| !replaced.contains(d.subject.id.as_str()));
        findings.sort_by(report_order);
        disputes.sort_by(dispute_order);
        analysis.findings.extend(findings);
        analysis.findings.sort_by(report_order);
        analysis.disputes.extend(disputes);
        analysis.disputes.sort_by(dispute_order);
    }

    /// The findings now, in no particular order: the folded ones that still hold, then the
    /// pending ones.
    fn findings_now(&self) -> impl Iterator<Item = &Finding> {
        let replaced = &self.pending.replaced;
        let folded = self.analysis.findings.iter().filter(|f| !replaced.contains(f.subject.id.as_str()));
        folded.chain(&self.pending.findings)
    }

    /// Brings the findings forward to `graph`, which differs from the graph they were of by
    /// `touched` (`None` when that is not known), and returns the findings that were not
    /// there before, in report order: what [`new_findings`] of the full checks before and
    /// after gives. When the changes may reach any finding, the graph is checked in full if
    /// `check_all`, and otherwise `None` is returned: these findings no longer hold.
    pub fn update(
        &mut self,
        graph: &Graph,
        touched: Option<&Touched>,
        check_all: bool,
    ) -> Option<Vec<Finding>> {
        let Some(focus) = touched.and_then(|t| self.focus(graph, t)) else {
            if !check_all {
                return None;
            }
            let after = Tracked::new(graph);
            self.fold();
            let new = new_findings(&self.analysis.findings, &after.analysis.findings)
                .into_iter()
                .cloned()
                .collect();
            *self = after;
            return Some(new);
        };
        self.revision = graph.revision();
        if focus.is_empty() {
            return Some(Vec::new());
        }
        let ids: HashSet<&str> = focus.iter().map(|e| graph.entity_id(*e)).collect();
        let focused = analyse_in(graph, Some(focus));
        let findings = &self.analysis.findings;
        let by_subject = self.by_subject.get_or_insert_with(|| {
            let mut ids: HashMap<String, Vec<String>> = HashMap::new();
            for f in findings {
                ids.entry(f.subject.id.clone()).or_default().push(f.id.clone());
            }
            ids
        });
        if focused.findings.is_empty() && ids.iter().all(|id| !by_subject.contains_key(*id)) {
            return Some(Vec::new());
        }
        let mut before: HashSet<String> = HashSet::new();
        for id in &ids {
            before.extend(by_subject.remove(*id).unwrap_or_default());
        }
        for f in &focused.findings {
            by_subject.entry(f.subject.id.clone()).or_default().push(f.id.clone());
        }
        // In report order, as the focused check gives them.
        let new: Vec<Finding> =
            focused.findings.iter().filter(|f| !before.contains(&f.id)).cloned().collect();
        let pending = &mut self.pending;
        // Only a subject replaced before since the last fold can have pending findings to drop.
        if ids.iter().any(|id| pending.replaced.contains(*id)) {
            pending.findings.retain(|f| !ids.contains(f.subject.id.as_str()));
            pending.disputes.retain(|d| !ids.contains(d.subject.id.as_str()));
        }
        pending.replaced.extend(ids.iter().map(|id| id.to_string()));
        pending.findings.extend(focused.findings);
        pending.disputes.extend(focused.disputes);
        Some(new)
    }

    /// The subjects whose findings the changes may alter, or `None` when they may alter any
    /// (see the module's comment).
    fn focus(&self, graph: &Graph, touched: &Touched) -> Option<Focus> {
        if touched.entities_changed {
            return None;
        }
        let mut focus = Focus::default();
        for &(_, s, o, rel_type) in &touched.claims {
            focus.insert(s);
            for k in graph.constraints() {
                match &k.kind {
                    ConstraintKind::Parts { pattern, part_of, .. } => {
                        if rel_type == *part_of {
                            below_and_into(graph, *part_of, s, &mut focus);
                        }
                        if rel_type == pattern.rel_type {
                            focus.extend(subjects(graph, graph.claims_at(o, Direction::Incoming), |t| {
                                t == rel_type
                            }));
                        }
                    }
                    ConstraintKind::Bound { by, part_of, .. } => {
                        if Some(rel_type) == *part_of {
                            below_and_into(graph, rel_type, s, &mut focus);
                        }
                        if rel_type == by.rel_type {
                            match part_of {
                                None => {
                                    focus.insert(o);
                                }
                                Some(p) => {
                                    below_and_into(graph, *p, s, &mut focus);
                                    below_and_into(graph, *p, o, &mut focus);
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        for key in &touched.denials {
            match graph.denial_by_key(*key).map(|d| &d.target) {
                Some(DenialTarget::Claim(c)) => focus.extend(graph.endpoints(*c).map(|(s, _)| s)),
                Some(DenialTarget::Class { pattern, .. }) => focus.extend(of_pattern(graph, pattern)),
                // Gone with its claim, whose subject is in the focus.
                None => {}
            }
        }
        for k in graph.constraints().get(touched.constraints.clone()).unwrap_or_default() {
            let patterns: Vec<&RelPattern> = match &k.kind {
                ConstraintKind::Single { pattern, .. }
                | ConstraintKind::Sum { pattern, .. }
                | ConstraintKind::Temporal { pattern, .. }
                | ConstraintKind::Parts { pattern, .. }
                | ConstraintKind::Bound { pattern, .. } => vec![pattern],
                ConstraintKind::Exclusive { patterns } => patterns.iter().collect(),
            };
            for p in patterns {
                focus.extend(of_pattern(graph, p));
            }
        }
        for r in graph.resolutions().get(touched.resolutions.clone()).unwrap_or_default() {
            for f in self.findings_now() {
                let applies = match &r.target {
                    ResolutionTarget::Finding(id) => f.id.eq_ignore_ascii_case(id),
                    ResolutionTarget::Claims(cs) => {
                        !cs.is_empty() && cs.iter().all(|c| f.claims().any(|x| x == *c))
                    }
                };
                if applies {
                    focus.insert(graph.find_entity(&f.subject.id)?);
                }
            }
        }
        Some(focus)
    }
}

/// `x`, the entities below it through `part_of` claims (followed transitively, whatever
/// their support: a superset of those the engine follows), and the subjects of every claim
/// into any of them: the subjects whose findings a change to what is part of what below
/// `x`, or to a figure bounding `x`, may alter.
fn below_and_into(graph: &Graph, part_of: crate::model::Sym, x: EntityIx, focus: &mut Focus) {
    let mut below = vec![x];
    let mut seen: HashSet<EntityIx> = HashSet::from([x]);
    while let Some(e) = below.pop() {
        focus.insert(e);
        for c in graph.claims_at(e, Direction::Incoming) {
            let Some((s, _)) = graph.endpoints(c) else { continue };
            focus.insert(s);
            if graph.claim(c).is_some_and(|cl| cl.rel_type == part_of) && seen.insert(s) {
                below.push(s);
            }
        }
    }
}

/// The subjects of the claims of `pattern`.
fn of_pattern(graph: &Graph, pattern: &RelPattern) -> Vec<EntityIx> {
    graph
        .claims_of_type(pattern.rel_type)
        .filter_map(|c| graph.endpoints(c))
        .filter(|(s, o)| pattern.matches(graph, pattern.rel_type, *s, *o))
        .map(|(s, _)| s)
        .collect()
}

/// The subjects of those `claims` whose type passes `of_type`.
fn subjects(
    graph: &Graph,
    claims: impl Iterator<Item = crate::model::ClaimIx>,
    of_type: impl Fn(crate::model::Sym) -> bool,
) -> Vec<EntityIx> {
    claims
        .filter(|c| graph.claim(*c).is_some_and(|cl| of_type(cl.rel_type)))
        .filter_map(|c| graph.endpoints(c).map(|(s, _)| s))
        .collect()
}
