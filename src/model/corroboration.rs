//! Who independently stands behind a claim.
//!
//! Two attestations are one *voice* when they have the same source, or when one's
//! attribution chain contains the other's source (Reuters quoting a doctor and Reuters
//! itself). The document an attestation appears in is not part of its chain: an article
//! that quotes a source and disagrees with it is two voices. Voices, not attestations, count
//! as corroboration, and a voice is never flagged as contradicting itself through a chain.

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

/// Groups attestations into voices; returns one representative source per voice, in order
/// of first appearance. Attestations with status DENIED do not support anything and are
/// skipped.
pub fn independent_voices<'a>(atts: impl IntoIterator<Item = &'a Attestation>) -> Vec<SourceRef> {
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
            if !out.contains(&atts[best].source) {
                out.push(atts[best].source);
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
    independent_voices(&with_chains)
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

    #[test]
    fn a_relay_and_its_source_are_one_voice() {
        let doctor = att(1, &[2]);
        let reuters = att(2, &[]);
        let zakharova = att(3, &[]);
        assert!(same_voice(&doctor, &reuters));
        assert!(!same_voice(&doctor, &zakharova));
        let voices = independent_voices([&reuters, &doctor, &zakharova]);
        assert_eq!(voices, vec![doctor.source, zakharova.source]);
    }

    #[test]
    fn two_sources_relayed_by_one_agency_are_independent() {
        let doctor = att(1, &[2]);
        let five = att(4, &[2]);
        assert!(!same_voice(&doctor, &five));
        assert_eq!(independent_voices([&doctor, &five]).len(), 2);
    }
}
