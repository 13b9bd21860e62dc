//! Questions and disputes: the engine records, for each question its findings answer, the
//! values given and which of them conflict; at the end every question with findings
//! becomes a [`Dispute`] with its positions and voices, and institutions whose voices
//! disagree get their `two_stories` finding.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::HashMap;

use foldhash::fast::FixedState;

use super::{
    apply_resolutions, dispute, id_text, institutions_of, on_two_threads, on_two_threads_owned, same_voice,
    short_id, Analysis, ContradictionKind, Dispute, Engine, EntityRef, Explanation, Finding, FindingKey,
    Fnv1a, Position, Question, QuestionValue, SideInput, Statement, Views, Voice, VoiceStatement,
};
use crate::model::{Attestation, Claim, ClaimIx, ConstraintKind, EntityIx, Graph, Severity, SourceRef, Sym};

/// The order findings are reported in: severity, kind, subject, about, id (ids are unique,
/// so the order is total).
pub(super) fn report_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    (a.severity, a.kind, &a.subject.id, &a.about, &a.id).cmp(&(
        b.severity,
        b.kind,
        &b.subject.id,
        &b.about,
        &b.id,
    ))
}

/// The order disputes are reported in: severity, subject, about, id.
pub(super) fn dispute_order(a: &Dispute, b: &Dispute) -> std::cmp::Ordering {
    (a.severity, &a.subject.id, &a.about, &a.id).cmp(&(b.severity, &b.subject.id, &b.about, &b.id))
}

impl<'g> Engine<'g> {
    /// The findings in report order, resolutions applied, and their disputes.
    pub(super) fn finish(mut self) -> Analysis {
        // The findings' sides and the disputes' positions are written last, on two threads;
        // they keep where their attestations are, not their text.
        let pending = std::mem::take(&mut self.pending_sides);
        let at: Vec<usize> = pending.iter().map(|(fi, _)| *fi).collect();
        let this = &self;
        let sides = on_two_threads_owned(pending, |(_, sides)| {
            sides.into_iter().map(|(v, claims, atts)| this.side(v, claims, &atts)).collect::<Vec<_>>()
        });
        for (fi, sides) in at.into_iter().zip(sides) {
            self.findings[fi].sides = sides;
        }
        apply_resolutions(self.graph, &mut self.findings);
        // Report order compares subjects' ids: the distinct subjects are ranked by id once,
        // and findings and disputes sorted by numbers (`report_order`, `dispute_order`).
        let ranks = self.subject_ranks();
        let rank = |s: EntityIx| ranks.get(&s).copied().unwrap_or(u32::MAX);
        // The questions are taken out of the engine: their disputes take their text rather
        // than copy it, and drop their values on the threads that write them.
        let mut questions = std::mem::take(&mut self.questions);
        // What the findings and questions are about, ranked likewise (a handful of
        // properties).
        let abouts: Vec<String> = {
            let mut abouts: Vec<&str> = (self.findings.iter().map(|f| f.about.as_str()))
                .chain(questions.iter().map(|q| q.about.as_str()))
                .collect();
            abouts.sort_unstable();
            abouts.dedup();
            abouts.into_iter().map(str::to_string).collect()
        };
        let about_rank =
            |about: &str| abouts.binary_search_by(|a| a.as_str().cmp(about)).unwrap_or(usize::MAX);
        let mut keyed: Vec<_> = (self.findings.iter().zip(&self.finding_keys).enumerate())
            .map(|(i, (f, k))| (f.severity, f.kind, rank(k.subject), about_rank(&f.about), k.id, i))
            .collect();
        keyed.sort_unstable();
        let order: Vec<usize> = keyed.into_iter().map(|k| k.5).collect();
        let mut place = vec![0; order.len()];
        for (r, &i) in order.iter().enumerate() {
            place[i] = r;
        }
        // A question's dispute (positions, voices, members in report order) reads only the
        // engine and its question: two threads write them.
        let asked: Vec<&mut Question<'g>> = questions.iter_mut().filter(|q| !q.findings.is_empty()).collect();
        let subjects: Vec<EntityIx> = asked.iter().map(|q| q.subject).collect();
        let this = &self;
        let mut disputes = on_two_threads_owned(asked, |q| this.dispute(q, &place));
        let mut keyed: Vec<_> = (disputes.iter().zip(subjects).enumerate())
            .map(|(i, (d, s))| (d.severity, rank(s), about_rank(&d.about), super::id_number(&d.id), i))
            .collect();
        keyed.sort_unstable();
        let by_order: Vec<usize> = keyed.into_iter().map(|k| k.4).collect();
        drop(abouts);
        drop(ranks);
        // Moved into place cycle by cycle: no second vector of findings or disputes is
        // written. Meanwhile the engine (what is left of its questions, their index, the
        // ids seen) is dropped on another thread.
        let mut findings = std::mem::take(&mut self.findings);
        let mut put_in_order = || {
            permute(&mut disputes, &by_order);
            permute(&mut findings, &order);
        };
        if questions.len() < 1024 || super::cores() < 2 {
            put_in_order();
        } else {
            std::thread::scope(|scope| {
                scope.spawn(move || {
                    drop(questions);
                    drop(self);
                });
                put_in_order();
            });
        }
        Analysis { findings, disputes }
    }

    /// Each subject's place among the findings' subjects ordered by id (subjects with one id
    /// share it), for sorting by subject without comparing ids again and again.
    fn subject_ranks(&self) -> HashMap<EntityIx, u32, FixedState> {
        let graph = self.graph;
        let mut subjects: Vec<EntityIx> = self.finding_keys.iter().map(|k| k.subject).collect();
        subjects.sort_unstable();
        subjects.dedup();
        // Each id read once: comparing through the graph would read two entities (a cache
        // miss each at a million claims) per comparison.
        let mut ids: Vec<(&str, EntityIx)> = subjects.into_iter().map(|s| (graph.entity_id(s), s)).collect();
        ids.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut ranks: HashMap<EntityIx, u32, FixedState> = HashMap::default();
        ranks.reserve(ids.len());
        let mut rank = 0u32;
        for (i, &(id, s)) in ids.iter().enumerate() {
            if i > 0 && ids[i - 1].0 != id {
                rank += 1;
            }
            ranks.insert(s, rank);
        }
        ranks
    }

    /// The dispute of a question with findings; `rank` is each finding's place in report
    /// order.
    fn dispute(&self, q: &mut Question<'g>, rank: &[usize]) -> Dispute {
        let positions = self.positions(q);
        // Its values are read no more: freed here, on the thread that writes the dispute,
        // not after all of them on one.
        drop(std::mem::take(&mut q.values));
        let mut members = q.findings.clone();
        members.sort_by_key(|&i| rank[i]);
        let open: Vec<&Finding> =
            members.iter().map(|&i| &self.findings[i]).filter(|f| f.is_open()).collect();
        let severity = if open.is_empty() {
            members.iter().map(|&i| self.findings[i].severity).min()
        } else {
            open.iter().map(|f| f.severity).min()
        }
        .unwrap_or(Severity::Suggestion);
        // Every finding of a question is between its ends, written alike: a member's are
        // copied, not looked up again.
        let first = &self.findings[members[0]];
        debug_assert!(
            first.subject == self.entity_ref(q.subject)
                && first.object == q.object.map(|o| self.entity_ref(o)),
            "a finding's ends are its question's"
        );
        Dispute {
            id: std::mem::take(&mut q.id),
            subject: first.subject.clone(),
            object: first.object.clone(),
            about: std::mem::take(&mut q.about),
            scope: std::mem::take(&mut q.scope),
            positions,
            findings: members.iter().map(|&i| self.findings[i].id.clone()).collect(),
            severity,
            open: open.len(),
        }
    }

    // ---- questions -----------------------------------------------------------------------

    /// The question (subject, about, object, scope), created on first use.
    pub(super) fn question(
        &mut self,
        subject: EntityIx,
        object: Option<EntityIx>,
        about: &str,
        scope: Vec<(String, String)>,
    ) -> usize {
        let key = self.question_key(subject, object, about, &scope);
        self.question_keyed(key, None, subject, object, about, scope)
    }

    /// What identifies a question: its dispute's id is a hash of it.
    pub(super) fn question_key(
        &self,
        subject: EntityIx,
        object: Option<EntityIx>,
        about: &str,
        scope: &[(String, String)],
    ) -> String {
        let (subject, object) =
            (self.graph.entity_id(subject), object.map_or("", |o| self.graph.entity_id(o)));
        let mut key = String::with_capacity(subject.len() + object.len() + about.len() + 3);
        for piece in [subject, "|", object, "|", about, "|"] {
            key.push_str(piece);
        }
        for (i, (k, v)) in scope.iter().enumerate() {
            if i > 0 {
                key.push(',');
            }
            for piece in [k, "=", v] {
                key.push_str(piece);
            }
        }
        key
    }

    /// [`Engine::question`] with its key written already (and its dispute's id, when
    /// written on another thread).
    pub(super) fn question_keyed(
        &mut self,
        key: String,
        id: Option<String>,
        subject: EntityIx,
        object: Option<EntityIx>,
        about: &str,
        scope: Vec<(String, String)>,
    ) -> usize {
        if let Some(&i) = self.question_ids.get(&key) {
            return i;
        }
        let id = id.unwrap_or_else(|| short_id("D", &key));
        self.questions.push(Question::new(id, subject, object, about.to_string(), scope));
        self.question_ids.insert(key, self.questions.len() - 1);
        self.questions.len() - 1
    }

    /// The question of a group, written on another thread with its values and conflicts
    /// ([`Engine::check_group`]): taken as it is when it is new, else its values and
    /// conflicts are added to the question with its key.
    pub(super) fn question_checked(&mut self, key: String, question: Question<'g>) -> usize {
        let qi = match self.question_ids.entry(key) {
            Entry::Vacant(entry) => {
                entry.insert(self.questions.len());
                self.questions.push(question);
                return self.questions.len() - 1;
            }
            Entry::Occupied(entry) => *entry.get(),
        };
        let Question { values, conflicts, .. } = question;
        let index: Vec<usize> = values
            .into_iter()
            .map(|v| self.question_value_with(qi, v.written, v.order, || (v.atts, v.views)))
            .collect();
        for (i, j) in conflicts {
            self.conflict(qi, index[i], index[j]);
        }
        qi
    }

    /// A value of a question, added on first use (by how it is written).
    pub(super) fn question_value(
        &mut self,
        qi: usize,
        written: &str,
        order: f64,
        atts: &[(Option<ClaimIx>, &'g Attestation)],
    ) -> usize {
        self.question_value_with(qi, written, order, || (atts.to_vec(), None))
    }

    /// [`Engine::question_value`] with the value's text and attestations made only when
    /// they are new.
    pub(super) fn question_value_with(
        &mut self,
        qi: usize,
        written: impl AsRef<str> + Into<String>,
        order: f64,
        atts: impl FnOnce() -> (Vec<(Option<ClaimIx>, &'g Attestation)>, Option<Views>),
    ) -> usize {
        self.questions[qi].value_with(written, order, atts)
    }

    pub(super) fn conflict(&mut self, qi: usize, a: usize, b: usize) {
        self.questions[qi].conflict(a, b);
    }

    /// The scope of a claim's value of `property` under the first SINGLE or TEMPORAL
    /// constraint that compares it: where that constraint groups it.
    pub(super) fn scope_of(&self, claim: ClaimIx, property: Sym) -> Vec<(String, String)> {
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

    pub(super) fn scope_pairs(&self, claim: &Claim, per: &[Sym]) -> Vec<(String, String)> {
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
            q.conflicts_at(a, b)
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
        // (institutions, mouths, voice): sources are compared before they are written out.
        let mut out: Vec<(Institutions, Vec<SourceRef>, Voice)> = Vec::new();
        for v in values {
            for (k, (c, a)) in v.atts.iter().enumerate() {
                let (from, attestation) = match v.views.as_ref().and_then(|views| views.get(k)) {
                    Some((from, view)) => (*from, view.clone()),
                    None => (a.source, self.view(a, *c)),
                };
                let institutions = Institutions::of(self.graph, from);
                let statement = VoiceStatement { value: v.written.clone(), attestation };
                match out.iter_mut().find(|(k, ..)| k.as_slice() == institutions.as_slice()) {
                    Some((_, mouths, voice)) => {
                        if !mouths.contains(&from) {
                            mouths.push(from);
                            voice.sources.push(self.source_ref(from));
                        }
                        voice.statements.push(statement);
                    }
                    None => {
                        let source = self.source_ref(from);
                        let institution = match institutions.as_slice() {
                            [one] if *one == from => source.clone(),
                            [one] => self.source_ref(*one),
                            _ => {
                                let names: Vec<EntityRef> =
                                    institutions.as_slice().iter().map(|i| self.source_ref(*i)).collect();
                                EntityRef {
                                    id: names.iter().map(|n| n.id.as_str()).collect::<Vec<_>>().join("+"),
                                    name: names
                                        .iter()
                                        .map(|n| n.name.as_str())
                                        .collect::<Vec<_>>()
                                        .join(" / "),
                                }
                            }
                        };
                        out.push((
                            institutions,
                            vec![from],
                            Voice { institution, sources: vec![source], statements: vec![statement] },
                        ));
                    }
                }
            }
        }
        out.into_iter().map(|(.., v)| v).collect()
    }

    /// "One side, two stories": per question, an institution whose voices (different
    /// sources speaking for it) give values that cannot both be true.
    pub(super) fn two_stories(&mut self) {
        // Which institutions tell two stories reads only the questions: two threads look,
        // and the findings are recorded in the questions' order.
        let this = &*self;
        let found = on_two_threads(&self.questions, |q| this.two_stories_of(q));
        for (qi, emits) in found.into_iter().enumerate() {
            for (inst, sides) in emits {
                self.emit_two_stories(qi, &inst, sides);
            }
        }
    }

    /// The institutions of one question that tell two stories, with the sides of each.
    #[allow(clippy::type_complexity)]
    fn two_stories_of(&self, q: &Question<'g>) -> Vec<(Vec<SourceRef>, Vec<SideInput<'g>>)> {
        let mut emits = Vec::new();
        if q.conflicts.is_empty() {
            return emits;
        }
        // Institution -> (value index, attestation) of its voices.
        let mut by_institution: Vec<(Institutions, Vec<Statement<'g>>)> = Vec::new();
        for (vi, v) in q.values.iter().enumerate() {
            for (k, (c, a)) in v.atts.iter().enumerate() {
                // The source as read where the value was found, if it was (no cache miss).
                let from =
                    v.views.as_ref().and_then(|views| views.get(k)).map_or_else(|| a.source, |(s, _)| *s);
                let inst = Institutions::of(self.graph, from);
                match by_institution.iter_mut().find(|(k, _)| k.as_slice() == inst.as_slice()) {
                    Some((_, list)) => list.push((vi, *c, a)),
                    None => by_institution.push((inst, vec![(vi, *c, a)])),
                }
            }
        }
        for (inst, stated) in by_institution {
            let mut involved: Vec<usize> = Vec::new();
            for &(vi, _, x) in &stated {
                for &(vj, _, y) in &stated {
                    if vi < vj && q.conflicts_at(vi, vj) && x.source != y.source && !same_voice(x, y) {
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
            emits.push((inst.as_slice().to_vec(), sides));
        }
        emits
    }

    fn emit_two_stories(&mut self, qi: usize, institution: &[SourceRef], sides: Vec<SideInput<'g>>) {
        let q = &self.questions[qi];
        let inst: Vec<EntityRef> = institution.iter().map(|i| self.source_ref(*i)).collect();
        let inst_id = inst.iter().map(|e| e.id.as_str()).collect::<Vec<_>>().join("+");
        let inst_name = inst.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join(" / ");
        let mut keys: Vec<String> = sides
            .iter()
            .map(|(v, cs, _)| {
                let mut claims: Vec<Cow<'_, str>> = cs.iter().map(|c| self.claim_key(*c)).collect();
                claims.sort();
                format!("{v}|{}", claims.join(","))
            })
            .collect();
        keys.sort();
        let number =
            Fnv1a::default().text(&format!("two_stories|{inst_id}|{}|{}", q.id, keys.join("||"))).id_number();
        if !self.seen.insert(number) {
            return;
        }
        let id = id_text("F", number);
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
            sides: Vec::new(),
            explanation: Explanation::Text(explanation),
            resolution: None,
            dispute: q.id.clone(),
        };
        self.findings.push(finding);
        self.finding_keys.push(FindingKey { subject: q.subject, id: number });
        let fi = self.findings.len() - 1;
        self.pending_sides.push((fi, sides));
        self.questions[qi].findings.push(fi);
    }
}

/// The institutions a source speaks for, as [`institutions_of`] gives them, without a
/// vector for a source that speaks for nobody (nearly every one): voices are grouped by
/// them attestation by attestation. Compared as slices: a source that speaks for nobody is
/// the institution of those that speak for it.
enum Institutions {
    Own(SourceRef),
    Several(Vec<SourceRef>),
}

impl Institutions {
    fn of(graph: &Graph, source: SourceRef) -> Self {
        match source {
            SourceRef::Entity(e) if graph.entity(e).is_none_or(|x| x.speaks_for.is_empty()) => {
                Institutions::Own(source)
            }
            SourceRef::User(_) => Institutions::Own(source),
            SourceRef::Entity(_) => Institutions::Several(institutions_of(graph, source)),
        }
    }

    fn as_slice(&self) -> &[SourceRef] {
        match self {
            Institutions::Own(source) => std::slice::from_ref(source),
            Institutions::Several(list) => list,
        }
    }
}

impl<'g> Question<'g> {
    pub(super) fn new(
        id: String,
        subject: EntityIx,
        object: Option<EntityIx>,
        about: String,
        scope: Vec<(String, String)>,
    ) -> Self {
        Question {
            id,
            subject,
            object,
            about,
            scope,
            values: Vec::new(),
            conflicts: Vec::new(),
            findings: Vec::new(),
        }
    }

    /// A value of the question, added on first use (by how it is written), its text and
    /// attestations made only when it is new.
    pub(super) fn value_with(
        &mut self,
        written: impl AsRef<str> + Into<String>,
        order: f64,
        atts: impl FnOnce() -> (Vec<(Option<ClaimIx>, &'g Attestation)>, Option<Views>),
    ) -> usize {
        if let Some(i) = self.values.iter().position(|v| v.written == written.as_ref()) {
            return i;
        }
        let (atts, views) = atts();
        self.values.push(QuestionValue { written: written.into(), order, atts, views });
        self.values.len() - 1
    }

    /// Registers that values `a` and `b` cannot both be true (once).
    pub(super) fn conflict(&mut self, a: usize, b: usize) {
        if a == b {
            return;
        }
        let pair = (a.min(b), a.max(b));
        if let Err(at) = self.conflicts.binary_search(&pair) {
            self.conflicts.insert(at, pair);
        }
    }

    /// Whether values `a` and `b` cannot both be true.
    pub(super) fn conflicts_at(&self, a: usize, b: usize) -> bool {
        self.conflicts.binary_search(&(a.min(b), a.max(b))).is_ok()
    }
}

/// Puts `items[order[r]]` at `r`, for every `r` (`order` is a permutation), swapping items
/// cycle by cycle in place.
pub(super) fn permute<T>(items: &mut [T], order: &[usize]) {
    let mut done = vec![false; items.len()];
    for start in 0..items.len() {
        if done[start] {
            continue;
        }
        let mut at = start;
        loop {
            done[at] = true;
            let from = order[at];
            if from == start {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}
