//! Bounds between claims: `PARTS` (a part's figure is at most its whole's, over a declared
//! part-of relationship) and `BOUND` (a figure is at most another relationship's figure
//! between the same entities: casualties at most the strength of the force).
//!
//! Both flag only what cannot be: the bounded value lies *entirely* above the bound (80
//! against 55; `~300`, 270..330, against 257). Overlapping values (`~300` against `~550`,
//! `>200` against 257) are compatible.

use std::collections::HashMap;

use super::{ContradictionKind, Engine, QuestionRef};
use crate::model::{
    BoundBy, BoundEnd, ClaimIx, ClaimKind, Constraint, EntityIx, Interval, RelPattern, Sym, Value,
};

/// A claim of a PARTS group: the end that may be a part or a whole, and the claim.
type Member = (EntityIx, ClaimIx);

/// Whether `a` lies entirely above `b`: every value `a` allows exceeds every value of `b`.
fn entirely_above(a: &Interval, b: &Interval) -> bool {
    a.lo > b.hi || (a.lo == b.hi && !(a.lo_inclusive && b.hi_inclusive))
}

fn interval(v: &Value) -> Option<Interval> {
    v.interval().filter(|i| !i.lo.is_nan() && !i.hi.is_nan())
}

impl<'g> Engine<'g> {
    /// The wholes an entity is part of: targets of stated, supported `part_of` claims,
    /// followed transitively (cycles cut), nearest first.
    fn wholes(
        &self,
        part_of: Sym,
        ix: EntityIx,
        cache: &mut HashMap<EntityIx, Vec<EntityIx>>,
    ) -> Vec<EntityIx> {
        if let Some(w) = cache.get(&ix) {
            return w.clone();
        }
        let graph = self.graph;
        let mut out: Vec<EntityIx> = Vec::new();
        let mut frontier = vec![ix];
        while let Some(e) = frontier.pop() {
            for c in graph.claims_at(e, petgraph::Direction::Outgoing) {
                let Some(claim) = graph.claim(c) else { continue };
                if claim.rel_type != part_of || claim.kind != ClaimKind::Stated || !self.supported(c) {
                    continue;
                }
                let Some((_, whole)) = graph.endpoints(c) else { continue };
                if whole != ix && !out.contains(&whole) {
                    out.push(whole);
                    frontier.push(whole);
                }
            }
        }
        cache.insert(ix, out.clone());
        out
    }

    /// PARTS pattern ON p OVER PART_OF: two claims of the pattern sharing one end, whose
    /// other ends are part and whole: the part's `p` cannot lie above the whole's.
    pub(super) fn parts(&mut self, c: &Constraint, pattern: &RelPattern, properties: &[Sym], part_of: Sym) {
        let graph = self.graph;
        let claims: Vec<_> =
            self.matching(pattern).into_iter().filter(|(ix, ..)| self.supported(*ix)).collect();
        let mut cache = HashMap::new();
        let per: Vec<String> = c.per.iter().map(|k| graph.str(*k).to_string()).collect();
        // Under a focus, the groups of a shared object take every claim into it: a part in
        // focus is compared with wholes that may not be.
        let into_objects = match &self.focus {
            None => None,
            Some(_) => {
                let objects: Vec<EntityIx> = claims.iter().map(|(_, _, o, _)| *o).collect();
                let into = self.claims_at(objects, petgraph::Direction::Incoming, Some(pattern.rel_type));
                let n = into.len();
                let into = self.matching_of(pattern, into, n);
                Some(into.into_iter().filter(|(ix, ..)| self.supported(*ix)).collect::<Vec<_>>())
            }
        };
        // Either the subject is shared (the objects are part and whole) or the object is.
        for shared_subject in [true, false] {
            let mut by_shared: HashMap<(EntityIx, Vec<String>), Vec<Member>> = HashMap::new();
            let members = match &into_objects {
                Some(into) if !shared_subject => into,
                _ => &claims,
            };
            for (ix, s, o, claim) in members {
                let (shared, other) = if shared_subject { (*s, *o) } else { (*o, *s) };
                by_shared.entry((shared, self.scope(claim, &c.per))).or_default().push((other, *ix));
            }
            let mut groups: Vec<_> = by_shared.into_iter().collect();
            groups.sort_by(|a, b| a.0.cmp(&b.0));
            for ((shared, scope), members) in groups {
                for &(part, pc) in &members {
                    let wholes = self.wholes(part_of, part, &mut cache);
                    for &(whole, wc) in members.iter().filter(|(w, _)| wholes.contains(w)) {
                        for &p in properties {
                            self.part_whole_pair(
                                c,
                                (shared, shared_subject),
                                (part, pc),
                                (whole, wc),
                                p,
                                &per,
                                &scope,
                            );
                        }
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn part_whole_pair(
        &mut self,
        c: &Constraint,
        (shared, shared_subject): (EntityIx, bool),
        (part, pc): (EntityIx, ClaimIx),
        (whole, wc): (EntityIx, ClaimIx),
        p: Sym,
        per: &[String],
        scope: &[String],
    ) {
        let graph = self.graph;
        let subject = if shared_subject { shared } else { part };
        if !self.in_focus(subject) {
            return;
        }
        let (Some(pv), Some(wv)) =
            (graph.claim(pc).and_then(|x| x.prop(p)), graph.claim(wc).and_then(|x| x.prop(p)))
        else {
            return;
        };
        let (Some(pi), Some(wi)) = (interval(pv), interval(wv)) else { return };
        if !entirely_above(&pi, &wi) {
            return;
        }
        let key = graph.str(p).to_string();
        let whole_id = graph.entity_id(whole).to_string();
        let (part_name, whole_name) =
            (graph.display_name(part).to_string(), graph.display_name(whole).to_string());
        let about = format!("{key} (part of {whole_id})");
        let ends = if shared_subject { (shared, Some(part)) } else { (part, Some(shared)) };
        let scope_pairs: Vec<(String, String)> = per.iter().cloned().zip(scope.iter().cloned()).collect();
        let qi = self.question(ends.0, ends.1, &about, scope_pairs);
        let (v1, v2) = (format!("{key} {pv}"), format!("{key} {wv} of {whole_id}"));
        let sides = [(v1, vec![pc], self.bucket_atts(&[pc])), (v2, vec![wc], self.bucket_atts(&[wc]))];
        let (pv, wv) = (pv.to_string(), wv.to_string());
        self.emit(ContradictionKind::PartWhole, Some(c), ends, about, QuestionRef::Sides(qi), sides, move |n1, n2| {
            let (g1, g2) = (n1.verb("gives", "give"), n2.verb("gives", "give"));
            format!(
                "{n1} {g1} {key} of {part_name} as {pv}, more than the {wv} {n2} {g2} for {whole_name}, which {part_name} is part of."
            )
        });
    }

    /// BOUND pattern ON p AT MOST (SUBJECT|OBJECT)-[:T]->(OBJECT|SUBJECT) ON q [OVER PART_OF]:
    /// a claim's `p` cannot lie above `q` of a `T` claim between its ends (or, with
    /// `OVER`, between wholes they are part of).
    pub(super) fn bound(
        &mut self,
        c: &Constraint,
        pattern: &RelPattern,
        properties: &[Sym],
        by: &BoundBy,
        part_of: Option<Sym>,
    ) {
        let graph = self.graph;
        let mut cache = HashMap::new();
        for (ix, s, o, claim) in self.matching(pattern) {
            if !self.supported(ix) {
                continue;
            }
            let end = |e: BoundEnd| if e == BoundEnd::Subject { s } else { o };
            let mut with_wholes = |e: EntityIx| {
                let mut v = vec![e];
                if let Some(p) = part_of {
                    v.extend(self.wholes(p, e, &mut cache));
                }
                v
            };
            let (subjects, objects) = (with_wholes(end(by.subject)), with_wholes(end(by.object)));
            let mut bounding: Vec<ClaimIx> = Vec::new();
            for &bs in &subjects {
                for &bo in &objects {
                    bounding.extend(graph.claims_between(bs, bo).filter(|b| {
                        graph
                            .claim(*b)
                            .is_some_and(|x| x.rel_type == by.rel_type && x.kind == ClaimKind::Stated)
                            && self.supported(*b)
                    }));
                }
            }
            bounding.sort();
            for &p in properties {
                let Some(v) = claim.prop(p) else { continue };
                let Some(vi) = interval(v) else { continue };
                for &b in &bounding {
                    let Some(bv) = graph.claim(b).and_then(|x| x.prop(by.property)) else { continue };
                    let Some(bi) = interval(bv) else { continue };
                    if entirely_above(&vi, &bi) {
                        self.bound_pair(c, (ix, s, o), p, v, b, by, bv);
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn bound_pair(
        &mut self,
        c: &Constraint,
        (ix, s, o): (ClaimIx, EntityIx, EntityIx),
        p: Sym,
        v: &Value,
        b: ClaimIx,
        by: &BoundBy,
        bv: &Value,
    ) {
        let graph = self.graph;
        let Some((bs, bo)) = graph.endpoints(b) else { return };
        let (key, bkey) = (graph.str(p).to_string(), graph.str(by.property).to_string());
        let bounded_by = match (by.subject, by.object) {
            (BoundEnd::Object, _) => bs,
            _ => bo,
        };
        let about = format!("{key} (at most {bkey} of {})", graph.entity_id(bounded_by));
        let qi = self.question(s, Some(o), &about, Vec::new());
        let sides = [
            (format!("{key} {v}"), vec![ix], self.bucket_atts(&[ix])),
            (format!("{bkey} {bv} of {}", graph.entity_id(bounded_by)), vec![b], self.bucket_atts(&[b])),
        ];
        let ends = self.ends_text(s, Some(o));
        let rel = format!("{} {} {}", graph.display_name(bs), graph.str(by.rel_type), graph.display_name(bo));
        let (v, bv) = (v.to_string(), bv.to_string());
        self.emit(
            ContradictionKind::Bound,
            Some(c),
            (s, Some(o)),
            about,
            QuestionRef::Sides(qi),
            sides,
            move |n1, n2| {
                let (g1, g2) = (n1.verb("gives", "give"), n2.verb("gives", "give"));
                format!("{n1} {g1} {key} of {ends} as {v}, more than the {bkey} {bv} {n2} {g2} for {rel}.")
            },
        );
    }
}
