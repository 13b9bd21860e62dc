//! Who independently stands behind a claim.
//!
//! Two attestations are one *voice* when they have the same source, or when one's
//! attribution chain contains the other's source (Reuters quoting a doctor and Reuters
//! itself). The document an attestation appears in is not part of its chain: an article
//! that quotes a source and disagrees with it is two voices. A voice is never flagged as
//! contradicting itself through a chain.
//!
//! Corroboration counts *institutions*, not mouths: sources that speak for one institution
//! (`SPEAKS FOR`: a spokeswoman and her ministry's officials) count once, as the
//! institution. Their disagreement is still flagged, and is a finding of its own ("one
//! side, two stories", see `check`).

use crate::model::{Attestation, ClaimIx, Graph, SourceRef, Status};

/// True when the two attestations reach us as one voice (same source, or one relays the
/// other).
pub fn same_voice(a: &Attestation, b: &Attestation) -> bool {
    if a.source == b.source {
        return true;
    }
    let in_chain = |chain: &[crate::model::EntityIx], s: SourceRef| match s {
        SourceRef::Entity(e) => chain.contains(&e),
        SourceRef::User(_) => false,
    };
    in_chain(&a.via, b.source) || in_chain(&b.via, a.source)
}

/// The same speaker through the same chain: a statement that disagrees with such a twin is
/// a source contradicting itself, not a chain artefact.
pub(crate) fn identical_voice(a: &Attestation, b: &Attestation) -> bool {
    a.source == b.source && a.via == b.via
}

/// The institutions an attestation's source speaks for (itself when none); a user speaks for
/// nobody else.
pub fn institutions_of(graph: &Graph, source: SourceRef) -> Vec<SourceRef> {
    match source {
        // Most sources speak for nobody: their own institution.
        SourceRef::Entity(e) if graph.entity(e).is_none_or(|x| x.speaks_for.is_empty()) => vec![source],
        SourceRef::Entity(e) => graph.institutions(e).into_iter().map(SourceRef::Entity).collect(),
        user => vec![user],
    }
}

/// Groups attestations into independent voices; returns one representative per voice, in
/// order of first appearance: the institution its sources speak for, else the original
/// speaker of its chain. Attestations with status DENIED do not support anything and are
/// skipped.
pub fn independent_voices<'a>(
    graph: &Graph,
    atts: impl IntoIterator<Item = &'a Attestation>,
) -> Vec<SourceRef> {
    let atts: Vec<&Attestation> = atts.into_iter().filter(|a| a.status != Status::Denied).collect();
    // Union-find over a handful of attestations: quadratic in the attestations of one claim,
    // which are few.
    let mut parent: Vec<usize> = (0..atts.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for i in 0..atts.len() {
        for j in (i + 1)..atts.len() {
            if same_voice(atts[i], atts[j]) {
                let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                if ri != rj {
                    parent[rj.max(ri)] = ri.min(rj);
                }
            }
        }
    }
    let mut out = Vec::new();
    for i in 0..atts.len() {
        if root(&mut parent, i) == i {
            // The representative is the voice's original speaker: of its attestations, the
            // one with the longest chain (the doctor rather than Reuters).
            let best = (0..atts.len())
                .filter(|&j| root(&mut parent, j) == i)
                .max_by_key(|&j| (atts[j].via.len(), std::cmp::Reverse(j)))
                .unwrap_or(i);
            // A voice of an institution is counted (and shown) as the institution: the
            // mouths of one institution are one voice.
            let institution = institutions_of(graph, atts[best].source);
            let voice = if institution == [atts[best].source] { atts[best].source } else { institution[0] };
            if !out.contains(&voice) {
                out.push(voice);
            }
        }
    }
    out
}

/// The independent sources of a claim: attestation chains collapsed to their primary
/// source; two attestations through the same chain count once.
pub fn independent_sources(graph: &Graph, claim: ClaimIx) -> Vec<SourceRef> {
    let Some(c) = graph.claim(claim) else { return Vec::new() };
    // The loader gives every attestation its chain; attestations made by other means may
    // rely on the source's declared default chain, which counts just the same.
    let with_chains: Vec<Attestation> = c
        .attestations
        .iter()
        .map(|a| {
            let mut a = a.clone();
            if let (true, SourceRef::Entity(e)) = (a.via.is_empty(), a.source) {
                a.via = graph.entity(e).map(|ent| ent.via.clone()).unwrap_or_default();
            }
            a
        })
        .collect();
    independent_voices(graph, &with_chains)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EntityIx;

    fn att(source: u32, via: &[u32]) -> Attestation {
        let mut a = Attestation::new(SourceRef::Entity(EntityIx::new(source as usize)), Status::Asserted);
        a.via = via.iter().map(|v| EntityIx::new(*v as usize)).collect();
        a
    }

    /// Entities 0..=6: 0 government, 1 doctor, 2 Reuters, 3 Zakharova, 4 five sources,
    /// 5 officials, 6 state media.
    fn graph() -> Graph {
        let mut g = Graph::new();
        for i in 0..=6 {
            g.add_entity(Some(&format!("e{i}")), Vec::new(), Vec::new()).expect("entity");
        }
        g
    }

    #[test]
    fn a_relay_and_its_source_are_one_voice() {
        let g = graph();
        let doctor = att(1, &[2]);
        let reuters = att(2, &[]);
        let zakharova = att(3, &[]);
        assert!(same_voice(&doctor, &reuters));
        assert!(!same_voice(&doctor, &zakharova));
        let voices = independent_voices(&g, [&reuters, &doctor, &zakharova]);
        assert_eq!(voices, vec![doctor.source, zakharova.source]);
    }

    #[test]
    fn two_sources_relayed_by_one_agency_are_independent() {
        let g = graph();
        let doctor = att(1, &[2]);
        let five = att(4, &[2]);
        assert!(!same_voice(&doctor, &five));
        assert_eq!(independent_voices(&g, [&doctor, &five]).len(), 2);
    }

    #[test]
    fn voices_of_one_institution_count_once_as_the_institution() {
        let mut g = graph();
        let gov = EntityIx::new(0);
        for speaker in [3, 5] {
            g.add_speaks_for(EntityIx::new(speaker), &[gov]).expect("speaks for");
        }
        let (zakharova, officials, doctor) = (att(3, &[]), att(5, &[]), att(1, &[2]));
        assert!(!same_voice(&zakharova, &officials), "still two mouths: they can disagree");
        let voices = independent_voices(&g, [&zakharova, &officials, &doctor]);
        assert_eq!(voices, vec![SourceRef::Entity(gov), doctor.source]);
    }
}
