//! The one place the front ends ask which claims are contested. The contradiction engine
//! (`crate::check`) is written elsewhere; when it is merged, rewire [`contested_claims`] to
//! `crate::check::contested_claims(graph)` and everything else (DOT colours, `check`'s exit
//! code 3, the REPL's `:contradictions`) follows.

use std::collections::BTreeMap;

use crate::model::{ClaimIx, Graph};

/// Claims that take part in a contradiction, with the finding's kind (`single`, `denial`, …).
pub(crate) fn contested_claims(_graph: &Graph) -> BTreeMap<ClaimIx, String> {
    BTreeMap::new()
}
