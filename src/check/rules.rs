//! The constraint kinds compared value by value: `SINGLE` (one value, or one object),
//! `TEMPORAL`, `SUM`, `EXCLUSIVE`, and denials (`DENY` and `DENIED` attestations). Bounds
//! between claims are in `bounds.rs`.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use foldhash::fast::FixedState;

use super::{
    on_two_halves, on_two_threads_in_parts, same_voice, short_id, Attestations, Bucket, Comparable,
    ContradictionKind, Engine, Explain, Finding, FindingKey, GroupKey, Prepared, Question, QuestionRef, Side,
    Views, VoiceNames,
};
use crate::model::claim::within;
use crate::model::{
    Attestation, Claim, ClaimIx, ClaimKind, Constraint, Denial, DenialTarget, EntityIx, Interval, RelPattern,
    Status, Sym, Value,
};

/// What [`Engine::check_group`] found in a group, for [`Engine::pairwise`] to record.
struct CheckedGroup<'g> {
    question_key: String,
    /// The group's question, its values, and conflicts written (its findings are recorded
    /// with it): what registering its values one by one on a new question gives.
    question: Question<'g>,
    /// The findings, their sides and dispute written ([`Prepared`] without sides).
    findings: Vec<(Finding, FindingKey)>,
}

/// Claims grouped by (subject, object, scope): every group is compared, in key order, so the
/// hasher's order never shows.
type Groups<V> = HashMap<GroupKey, V, FixedState>;

/// How many groups ahead [`Engine::read_ahead`] asks for claims and entities, and for what
/// they point to.
const CLAIMS_AHEAD: usize = 8;
const POINTED_AHEAD: usize = 4;

/// Asks for every cache line of `item` (a claim spans two).
fn prefetch_span<T>(item: &T) {
    let at: *const u8 = std::ptr::from_ref(item).cast();
    crate::alloc::prefetch_at(at);
    crate::alloc::prefetch_at(at.wrapping_add(std::mem::size_of::<T>().saturating_sub(1)));
}

/// A group of a `SINGLE ... ON` pass: its claims in the first sorted half, and in the second.
type Runs = (Range<usize>, Range<usize>);

/// A claim of a `SINGLE ... ON` constraint's pattern as its half of the pass keeps it: its
/// group (its ends, and its scope: an index into the half's scopes) and the claim. Sixteen
/// bytes: a pass writes and sorts one per claim, most of them alone in their group, and
/// fresh memory is dear; a group's values are read from its claims when it is compared.
#[derive(Debug, Clone, Copy)]
struct Valued {
    s: EntityIx,
    o: EntityIx,
    scope: u32,
    ix: ClaimIx,
}

/// One half of a `SINGLE ... ON` pass: its claims sorted by group (the claim index breaks
/// ties), and the scopes they are grouped by (the first one empty: a pass without `PER`
/// writes no other).
struct Half {
    claims: Vec<Valued>,
    scopes: Vec<Vec<String>>,
}

impl Half {
    /// What a claim is grouped by: its group's key, as [`GroupKey`] orders it.
    fn key(&self, v: &Valued) -> (EntityIx, EntityIx, &[String]) {
        let scope = usize::try_from(v.scope).ok().and_then(|i| self.scopes.get(i));
        (v.s, v.o, scope.map_or(&[][..], Vec::as_slice))
    }
}

impl<'g> Engine<'g> {
    /// Compares every pair of buckets of every group; each group with a conflict (or a
    /// class denial of one of its values) becomes a question whose values are its buckets
    /// and the denials of `prop`. A group's buckets are made by `buckets_of`, on the thread
    /// that compares them, with the group's key (`None`: no group).
    #[allow(clippy::too_many_arguments)]
    fn pairwise<G: Send>(
        &mut self,
        kind: ContradictionKind,
        c: &Constraint,
        about: &str,
        prop: Option<Sym>,
        rel_type: Sym,
        groups: Vec<G>,
        buckets_of: impl Fn(&Self, G) -> Option<(GroupKey, Vec<Bucket>)> + Sync,
    ) {
        let per: Vec<String> = c.per.iter().map(|k| self.graph.str(*k).to_string()).collect();
        // Comparing a group's values and writing its findings reads the graph only: two
        // threads share the groups, and their findings are recorded in the groups' order.
        let this = &*self;
        let checked = on_two_threads_in_parts(groups, |group| {
            let (key, buckets) = buckets_of(this, group)?;
            // One value and no class denial to answer it: nothing to compare (most groups).
            if buckets.is_empty() || (buckets.len() < 2 && this.denial_values.is_empty()) {
                return None;
            }
            this.check_group(kind, c, about, prop, rel_type, key, &per, buckets)
        });
        let found: usize = checked.iter().flatten().flatten().map(|g| g.findings.len()).sum();
        let asked: usize = checked.iter().flatten().flatten().count();
        // Reserved at once: vectors and tables grown by doubling copy and touch fresh
        // memory again at each step.
        self.findings.reserve(found);
        self.finding_keys.reserve(found);
        self.seen.reserve(found);
        self.questions.reserve(asked);
        self.question_ids.reserve(asked);
        for group in checked.into_iter().flatten().flatten() {
            let qi = self.question_checked(group.question_key, group.question);
            for (finding, key) in group.findings {
                self.record(Prepared { finding, key, sides: None }, QuestionRef::Values(qi));
            }
        }
    }

    /// One group of [`Engine::pairwise`]: which of its values conflict, which class denials
    /// answer it, and its findings; `None` when it holds no disagreement.
    #[allow(clippy::too_many_arguments)]
    fn check_group(
        &self,
        kind: ContradictionKind,
        c: &Constraint,
        about: &str,
        prop: Option<Sym>,
        rel_type: Sym,
        key: GroupKey,
        per: &[String],
        buckets: Vec<Bucket>,
    ) -> Option<CheckedGroup<'g>> {
        let (s, o, scope) = &key;
        let (s, o) = (*s, *o);
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
            return None;
        }
        let scope: Vec<(String, String)> = per.iter().cloned().zip(scope.iter().cloned()).collect();
        let question_key = self.question_key(s, o, about, &scope);
        let question_id = short_id("D", &question_key);
        let values: Vec<(f64, Attestations<'g>, Views)> = buckets
            .iter()
            .map(|b| {
                let (atts, views) = self.bucket_views(&b.claims);
                (b.comparable.as_ref().map_or(f64::INFINITY, Comparable::order), atts, views)
            })
            .collect();
        let dates = kind == ContradictionKind::Temporal;
        let refs = self.ends_refs((s, o));
        let mut findings = Vec::with_capacity(conflicts.len());
        findings.extend(conflicts.iter().filter_map(|&(i, j)| {
            let (a, b) = (&buckets[i], &buckets[j]);
            let sides = [
                (a.written.as_str(), a.claims.as_slice(), &values[i].1),
                (b.written.as_str(), b.claims.as_slice(), &values[j].1),
            ];
            // The explanation is written when the finding is printed
            // (`Finding::explanation_text`).
            let explain: Explain<fn(&VoiceNames, &VoiceNames) -> String> = Explain::Values { dates };
            let (mut finding, key) =
                self.prepare(kind, Some(c), (s, o), &refs, about.to_string(), sides, explain)?;
            // The sides are written here, on the thread that read the claims, from the
            // attestations' views read with them ([`Engine::bucket_views`], what
            // `Engine::view` gives), and the dispute is this group's question's.
            let views = |k: usize| values[k].2.iter().map(|(_, view)| view.clone()).collect();
            finding.sides = vec![
                Side { value: a.written.clone(), claims: a.claims.clone(), attestations: views(i) },
                Side { value: b.written.clone(), claims: b.claims.clone(), attestations: views(j) },
            ];
            finding.dispute = question_id.clone();
            Some((finding, key))
        }));
        // The question as `pairwise` registered it on a new question: the buckets' values,
        // then the denials', each added once by how it is written, and the conflicts.
        let mut question = Question::new(question_id, s, o, about.to_string(), scope);
        let mut index = Vec::with_capacity(buckets.len());
        for (b, (order, atts, views)) in buckets.into_iter().zip(values) {
            index.push(question.value_with(b.written, order, || (atts, Some(views))));
        }
        for &d in &denials {
            let dv = &self.denial_values[d];
            question.value_with(dv.written.as_str(), f64::INFINITY, || (dv.atts.clone(), None));
        }
        for &(i, j) in &conflicts {
            question.conflict(index[i], index[j]);
        }
        Some(CheckedGroup { question_key, question, findings })
    }

    /// SINGLE ... ON p (and TEMPORAL ... ON p): one value per (subject, object, scope).
    pub(super) fn single_value(
        &mut self,
        c: &Constraint,
        pattern: &RelPattern,
        prop: Sym,
        kind: ContradictionKind,
    ) {
        // Claims are grouped first; values are written out only in groups that can hold a
        // disagreement: two claims or more, or any group when a class denial may answer it
        // (most groups have one claim, and `pairwise` drops a group of one value anyway).
        // The claims are read (pattern, value, support, scope) on two threads, each sorting
        // its half by group; the claim index breaks ties, so the order is total. The groups
        // are found by walking the two sorted halves side by side (a group is a run in
        // each), in key order, each group's claims in index order: the order one sorted pass
        // would give, without writing the claims into one vector (fresh memory, a page
        // fault every few dozen claims).
        let candidates = self.candidates(pattern);
        let this = &*self;
        let mut halves = on_two_halves(&candidates, |part| {
            let mut claims: Vec<Valued> = Vec::with_capacity(part.len());
            let mut scopes: Vec<Vec<String>> = vec![Vec::new()];
            for &c0 in part {
                let Some((ix, s, o, claim)) = this.matched(pattern, c0) else { continue };
                if claim.prop(prop).is_none() || !this.supported(ix) {
                    continue;
                }
                let scope = if c.per.is_empty() {
                    0
                } else {
                    scopes.push(this.scope(claim, &c.per));
                    // A half holds fewer claims than a claim index counts.
                    let Ok(i) = u32::try_from(scopes.len() - 1) else { continue };
                    i
                };
                claims.push(Valued { s, o, scope, ix });
            }
            let half = Half { claims: Vec::new(), scopes };
            claims.sort_unstable_by(|a, b| half.key(a).cmp(&half.key(b)).then(a.ix.cmp(&b.ix)));
            Half { claims, ..half }
        });
        let empty = || Half { claims: Vec::new(), scopes: Vec::new() };
        let (second, first) = (halves.pop().unwrap_or_else(empty), halves.pop().unwrap_or_else(empty));
        let one_is_enough = !self.denial_values.is_empty();
        let at_least = if one_is_enough { 1 } else { 2 };
        // Reserved at most once: a vector grown by doubling touches twice the fresh memory.
        // The groups are their claims' ranges only: the key is cloned on the thread that
        // checks the group.
        let mut groups: Vec<Runs> = Vec::with_capacity((first.claims.len() + second.claims.len()) / at_least);
        group_runs(
            &first.claims,
            &second.claims,
            |x| first.key(x),
            |y| second.key(y),
            at_least,
            |a, b| groups.push((a, b)),
        );
        let about = self.graph.str(prop).to_string();
        let (first, second, runs) = (&first, &second, &groups);
        // The groups go by their places, so that each can ask for the memory of the groups
        // after it (`read_ahead`).
        let places: Vec<usize> = (0..runs.len()).collect();
        self.pairwise(kind, c, &about, Some(prop), pattern.rel_type, places, |this, g| {
            this.read_ahead(first, second, runs, g);
            let (a, b) = runs.get(g)?.clone();
            let (x, y) = (&first.claims[a], &second.claims[b]);
            let (s, o, scope) = match (x.first(), y.first()) {
                (Some(v), _) => first.key(v),
                (None, Some(v)) => second.key(v),
                (None, None) => return None,
            };
            Some(((s, Some(o), scope.to_vec()), this.value_buckets(kind, prop, x, y)))
        });
    }

    /// Asks for the memory that comparing the groups after group `g` of a `SINGLE ... ON`
    /// pass reads: their claims are read in group order, not in index order, and each
    /// claim, its properties, its attestations and its ends' entities are a cache miss at a
    /// million claims, waited for one after the other when read when needed. The claims
    /// and entities of the group [`CLAIMS_AHEAD`] on are asked for first; what they point
    /// to (properties, attestations, entity properties) when the group is
    /// [`POINTED_AHEAD`] on, by when their own memory has come. Only hints: the groups of
    /// a chunk are compared in order on one thread (`on_two_threads_in_parts`), and a
    /// hint past a chunk's end is a read wasted, nothing more.
    fn read_ahead(&self, first: &Half, second: &Half, runs: &[Runs], g: usize) {
        let claims = |g: usize| {
            let (a, b) = runs.get(g).cloned().unwrap_or_default();
            let (a, b) = (first.claims.get(a).unwrap_or_default(), second.claims.get(b).unwrap_or_default());
            a.iter().chain(b)
        };
        for v in claims(g + CLAIMS_AHEAD) {
            if let Some(claim) = self.graph.claim(v.ix) {
                prefetch_span(claim);
            }
        }
        if let Some(v) = claims(g + CLAIMS_AHEAD).next() {
            self.graph.prefetch_entity(v.s);
            self.graph.prefetch_entity(v.o);
        }
        for v in claims(g + POINTED_AHEAD) {
            if let Some(claim) = self.graph.claim(v.ix) {
                crate::alloc::prefetch_at(claim.props.as_ptr().cast());
                crate::alloc::prefetch_at(claim.attestations.as_ptr().cast());
            }
        }
        if let Some(v) = claims(g + POINTED_AHEAD).next() {
            for e in [v.s, v.o] {
                if let Some(entity) = self.graph.entity(e) {
                    crate::alloc::prefetch_at(entity.props.as_ptr().cast());
                }
            }
        }
    }

    /// The buckets of one group of [`Engine::single_value`]: its claims by their values of
    /// `prop` as written. The group is a run of each sorted half; its claims are taken in
    /// index order.
    fn value_buckets(
        &self,
        kind: ContradictionKind,
        prop: Sym,
        first: &[Valued],
        second: &[Valued],
    ) -> Vec<Bucket> {
        let mut buckets: Vec<Bucket> = Vec::new();
        let (mut a, mut b) = (first.iter().peekable(), second.iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if y.ix < x.ix => b.next(),
                (Some(_), _) => a.next(),
                (None, _) => b.next(),
            };
            let Some(&Valued { ix, .. }) = next else { return buckets };
            let Some((claim, v)) = self.graph.claim(ix).and_then(|claim| Some((claim, claim.prop(prop)?)))
            else {
                continue;
            };
            let Some((written, comparable)) = self.comparable(claim, v) else { continue };
            if kind == ContradictionKind::Temporal
                && !matches!(comparable, Comparable::Date(_) | Comparable::Moment(_))
            {
                continue;
            }
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
    }

    /// SINGLE without ON: one object per subject (and scope).
    pub(super) fn single_object(&mut self, c: &Constraint, pattern: &RelPattern) {
        let mut groups: Groups<Vec<Bucket>> = Groups::default();
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
        let groups = groups.into_iter().collect::<BTreeMap<_, _>>().into_iter().collect();
        self.pairwise(
            ContradictionKind::SingleValue,
            c,
            &about,
            None,
            pattern.rel_type,
            groups,
            |_, group| Some(group),
        );
    }

    /// SUM a + b = total: the parts a claim gives imply an interval for the total (a missing
    /// part adds anything from 0 up); it must meet every total given for the same group.
    pub(super) fn sum(&mut self, c: &Constraint, pattern: &RelPattern, parts: &[Sym], total: Sym) {
        // Per group: implied totals and stated totals, bucketed by how they are written.
        type SumGroups = Groups<(Vec<(Bucket, Interval)>, Vec<(Bucket, Interval)>)>;
        let mut groups: SumGroups = Groups::default();
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
                        format!("For {ends}, {n1} {} {vp}, adding up to {range}, which cannot match {n2}'s {vt}.", n1.verb("gives", "give"))
                    });
                }
            }
        }
    }

    /// EXCLUSIVE p1, p2, ...: claims of different patterns between the same ends (and
    /// scope) conflict, unless both carry a date under the same key and the dates cannot
    /// overlap.
    pub(super) fn exclusive(&mut self, c: &Constraint, patterns: &[RelPattern]) {
        let mut groups: Groups<Vec<(usize, ClaimIx)>> = Groups::default();
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
                            let (s1, s2) = (n1.verb("says", "say"), n2.verb("says", "say"));
                            format!(
                                "{n1} {s1} {va} and {n2} {s2} {vb} for {ends}; the two cannot hold together."
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
    pub(super) fn denials(&mut self) {
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
                if !self.in_focus(s) {
                    continue;
                }
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
                    move |n1, n2| denial_text(n1, n2, &ends, &v),
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
    pub(super) fn denied_attestations(&mut self) {
        let graph = self.graph;
        let claims: Vec<ClaimIx> = match &self.focus {
            None => graph.claims_with_denied_attestations().collect(),
            Some(focus) => self.claims_at(focus.iter().copied(), petgraph::Direction::Outgoing, None),
        };
        for c in claims {
            let Some(claim) = graph.claim(c) else { continue };
            if claim.kind != ClaimKind::Stated
                || !claim.attestations.iter().any(|a| a.status == Status::Denied)
            {
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
                move |n1, n2| denial_text(n1, n2, &ends, &v),
            );
        }
    }
}

/// Why a denial and a claim disagree: `TASS and RIA Novosti deny what Reuters states about
/// the force -> the town: PRESENT_IN.`
fn denial_text(stating: &VoiceNames, denying: &VoiceNames, ends: &str, value: &str) -> String {
    let (denies, states) = (denying.verb("denies", "deny"), stating.verb("states", "state"));
    format!("{denying} {denies} what {stating} {states} about {ends}: {value}.")
}

/// The groups of two sorted runs, in key order: for each distinct key (`key_first` of an
/// item of `first`, `key_second` of one of `second`), `each` is given the range of the items
/// with that key in `first` and in `second` (either may be empty), when they are at least
/// `at_least` items together. What grouping the runs merged into one gives, without merging
/// them.
pub(super) fn group_runs<T, K: Ord>(
    first: &[T],
    second: &[T],
    key_first: impl Fn(&T) -> K,
    key_second: impl Fn(&T) -> K,
    at_least: usize,
    mut each: impl FnMut(Range<usize>, Range<usize>),
) {
    let (mut i, mut j) = (0, 0);
    loop {
        let k = match (first.get(i), second.get(j)) {
            (Some(x), Some(y)) => std::cmp::min(key_first(x), key_second(y)),
            (Some(x), None) => key_first(x),
            (None, Some(y)) => key_second(y),
            (None, None) => return,
        };
        let n = first[i..].iter().take_while(|x| key_first(x) == k).count();
        let m = second[j..].iter().take_while(|y| key_second(y) == k).count();
        if n + m >= at_least {
            each(i..i + n, j..j + m);
        }
        i += n;
        j += m;
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use crate::check::analyse;
    use crate::load::{load_files, DataFile};
    use crate::model::Graph;

    /// More groups than a thread's share of a `SINGLE ... ON` pass (chunks of 256, two
    /// threads from 1,024 groups on), each of two events told two tolls, and a last event
    /// with one claim only: every group is compared as the group it is, and the hints for
    /// the groups past the last (`read_ahead`) ask for nothing that is not there.
    #[test]
    fn every_group_of_a_long_pass_is_compared_as_itself() {
        let events = 1100;
        let mut text = String::from(
            "SOURCE (a:X); SOURCE (b:X); ENTITY (g:Group);
            CONSTRAINT toll: SINGLE (:Event)-[:CASUALTIES]->() ON killed;",
        );
        for e in 0..events {
            let _ = write!(
                text,
                "ENTITY (e{e}:Event); CLAIM (e{e})-[:CASUALTIES {{killed: {e}}}]->(g) BY a;
                CLAIM (e{e})-[:CASUALTIES {{killed: {}}}]->(g) BY b;",
                e + 100_000
            );
        }
        text.push_str("ENTITY (last:Event); CLAIM (last)-[:CASUALTIES {killed: 1}]->(g) BY a;");
        let mut g = Graph::new();
        load_files(&mut g, &[DataFile::new("t.kg", text.as_str(), None)]).expect("loads");
        let a = analyse(&g);
        assert_eq!(a.findings.len(), events);
        for f in &a.findings {
            let e: usize = f.subject.id.trim_start_matches('e').parse().expect("an event");
            let mut values: Vec<&str> = f.sides.iter().map(|s| s.value.as_str()).collect();
            values.sort_unstable();
            let mut expected = [e.to_string(), (e + 100_000).to_string()];
            expected.sort_unstable();
            assert_eq!(values, expected, "{f:?}");
        }
    }
}
