//! Exports for other tools: Graphviz DOT ([`dot`]). JSON and data-file exports live with
//! the loader (`crate::load::json`, `crate::load::print`).

pub mod dot;
