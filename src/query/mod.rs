//! The query engine: a language modelled on openCypher with provenance extensions.
//!
//! Pipeline: [`crate::syntax::query`] (pest → AST) → semantic checks → logical plan →
//! execution over [`crate::model::Graph`] → [`QueryOutput`] of detached [`QueryValue`]s.
//! This file is the engine's public contract; the stages live in submodules.

pub(crate) mod aggregate;
pub(crate) mod functions;
pub(crate) mod ops;
pub mod result;
pub(crate) mod value;

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

pub use result::{NodeValue, PathValue, QueryValue, RelValue};

use crate::model::Graph;
use crate::syntax::Span;

/// Query parameters (`$name`).
pub type Params = BTreeMap<String, QueryValue>;

/// What a statement returned and changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryOutput {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<QueryValue>>,
    pub stats: WriteStats,
}

/// Side effects of a statement, as the TCK counts them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    pub nodes_created: usize,
    pub nodes_deleted: usize,
    pub relationships_created: usize,
    pub relationships_deleted: usize,
    pub properties_set: usize,
    pub labels_added: usize,
    pub labels_removed: usize,
}

/// When an error is detected, as the TCK distinguishes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorPhase {
    CompileTime,
    Runtime,
}

/// A query error. `class` and `detail` follow the openCypher TCK's error names
/// (`SyntaxError` / `UnboundVariable`, `TypeError` / `InvalidArgumentType`, ...).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct QueryError {
    pub class: &'static str,
    pub detail: &'static str,
    pub phase: ErrorPhase,
    pub message: String,
    /// Where in the statement text, when known.
    pub span: Option<Span>,
}

/// A cancellation flag checked while a query runs (set by Ctrl-C).
pub type CancelFlag = AtomicBool;

/// Runs one statement against the graph. Placeholder until the engine lands.
pub fn execute(
    _graph: &mut Graph,
    _text: &str,
    _params: &Params,
    _cancel: &CancelFlag,
) -> Result<QueryOutput, QueryError> {
    Err(QueryError {
        class: "SyntaxError",
        detail: "NotImplemented",
        phase: ErrorPhase::CompileTime,
        message: "the query engine is not built yet".into(),
        span: None,
    })
}
