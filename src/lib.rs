//! claimgraph: a knowledge graph in which every edge is a sourced claim.
//!
//! See README.md, "Architecture", for how the modules fit together.

pub mod bundled;
pub mod check;
pub mod cli;
pub mod diagnostics;
pub mod draft;
pub mod export;
pub(crate) mod findings;
pub mod gen;
pub mod load;
pub mod model;
pub mod output;
pub mod query;
pub(crate) mod repl;
pub mod save;
pub(crate) mod session;
pub(crate) mod statements;
pub mod storage;
pub mod syntax;
