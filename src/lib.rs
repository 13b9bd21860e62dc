//! claimgraph: a knowledge graph in which every edge is a sourced claim.
//!
//! See README.md, "Architecture", for how the modules fit together.

pub mod bundled;
pub mod cli;
pub mod diagnostics;
pub mod load;
pub mod model;
pub mod query;
pub mod save;
pub mod syntax;
