//! The one place the front ends ask which claims are contested (DOT colours, query result
//! markers): a view of [`crate::check`]'s open findings by claim.

use std::collections::BTreeMap;

use crate::model::{ClaimIx, Graph};

/// Claims on a side of an open finding, with the kind of the first such finding
/// (`single_value`, `denial`, …).
pub(crate) fn contested_claims(graph: &Graph) -> BTreeMap<ClaimIx, String> {
    let mut out = BTreeMap::new();
    for f in crate::check::check(graph).iter().filter(|f| f.is_open()) {
        for c in f.claims() {
            out.entry(c).or_insert_with(|| f.kind.as_str().to_string());
        }
    }
    out
}
