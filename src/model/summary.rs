//! The graph's counts, for `claimgraph check` and the shell's banner: entities, sources,
//! documents, claims and attestations by status, and which quotes were checked against a
//! document's text.

use std::collections::BTreeSet;

use super::graph::Graph;

/// Counts for `claimgraph check` and the REPL banner.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Entities that are neither sources nor documents.
    pub entities: usize,
    pub sources: usize,
    pub documents: usize,
    /// Claims stated by sources (attribution-chain hops are not counted).
    pub claims: usize,
    pub attestations: usize,
    /// Attestations per status, in [`Status::ALL`](super::Status::ALL) order.
    pub by_status: [usize; 6],
    /// Attestations (of claims and denials) with a quote, and of those, how many were not
    /// checked against a document's text.
    pub quotes: usize,
    pub unverified_quotes: usize,
    /// Documents with quotes that no text was checked against (no `text`, or a text that
    /// could not be read), by id.
    pub documents_without_text: Vec<String>,
    pub denials: usize,
    pub constraints: usize,
}

impl Summary {
    /// `12 entities, 3 sources, 1 claim, 1 attestation`: the banner's counts, each noun
    /// in the number it takes.
    pub fn counts(&self) -> String {
        let n = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        [
            n(self.entities, "entity", "entities"),
            n(self.sources, "source", "sources"),
            n(self.claims, "claim", "claims"),
            n(self.attestations, "attestation", "attestations"),
        ]
        .join(", ")
    }
}

impl Graph {
    pub fn summary(&self) -> Summary {
        let source = self.sym("Source");
        let document = self.sym("Document");
        let mut s = Summary::default();
        for ix in self.entities() {
            if document.is_some_and(|l| self.has_label(ix, l)) {
                s.documents += 1;
            } else if source.is_some_and(|l| self.has_label(ix, l)) {
                s.sources += 1;
            } else {
                s.entities += 1;
            }
        }
        let mut unverified_docs = BTreeSet::new();
        let mut quote = |a: &super::claim::Attestation, s: &mut Summary| {
            if a.quote.is_some() {
                s.quotes += 1;
                if !self.quote_verified(a.document) {
                    s.unverified_quotes += 1;
                    if let Some(d) = a.document {
                        unverified_docs.insert(self.entity_id(d).to_string());
                    }
                }
            }
        };
        for c in self.stated_claims() {
            s.claims += 1;
            for a in self.claim(c).map_or(&[][..], |c| c.attestations.as_slice()) {
                s.attestations += 1;
                s.by_status[a.status as usize] += 1;
                quote(a, &mut s);
            }
        }
        for d in self.denials() {
            for a in &d.attestations {
                quote(a, &mut s);
            }
        }
        s.documents_without_text = unverified_docs.into_iter().collect();
        s.denials = self.denials().len();
        s.constraints = self.constraints().len();
        s
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "entities      {:>7}", self.entities)?;
        writeln!(f, "sources       {:>7}", self.sources)?;
        writeln!(f, "documents     {:>7}", self.documents)?;
        writeln!(f, "claims        {:>7}", self.claims)?;
        writeln!(f, "attestations  {:>7}", self.attestations)?;
        for (status, n) in super::Status::ALL.iter().zip(self.by_status) {
            writeln!(f, "  {:<11} {:>7}", status.as_str(), n)?;
        }
        write!(f, "quotes        {:>7}", self.quotes)?;
        if self.unverified_quotes > 0 {
            write!(f, "   ({} unverified", self.unverified_quotes)?;
            if !self.documents_without_text.is_empty() {
                write!(f, ": no text checked for {}", self.documents_without_text.join(", "))?;
            }
            f.write_str(")")?;
        }
        writeln!(f)?;
        writeln!(f, "denials       {:>7}", self.denials)?;
        write!(f, "constraints   {:>7}", self.constraints)
    }
}

#[cfg(test)]
mod tests {
    use super::Summary;

    #[test]
    fn counts_take_the_number_of_their_noun() {
        let one = Summary { entities: 1, sources: 1, claims: 1, attestations: 1, ..Summary::default() };
        assert_eq!(one.counts(), "1 entity, 1 source, 1 claim, 1 attestation");
        let many = Summary { entities: 0, sources: 2, claims: 103, attestations: 5, ..Summary::default() };
        assert_eq!(many.counts(), "0 entities, 2 sources, 103 claims, 5 attestations");
    }
}
