//! claimgraph: a knowledge graph in which every edge is a sourced claim.
//!
//! See README.md, "Architecture", for how the modules fit together.

pub mod model;
pub mod query;
pub mod syntax;
