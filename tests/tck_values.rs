//! Unit tests of the TCK runner's value parser and comparer (tests/tck/values.rs). They
//! live in their own target because `tests/tck.rs` runs without libtest's harness.

#[path = "tck/values.rs"]
mod values;
