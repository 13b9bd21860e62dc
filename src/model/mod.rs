//! The domain model: entities, sources and documents as nodes; claims with attestations as
//! edges; values with uncertainty; dates with precision; denials and constraints; who
//! independently stands behind a claim (`corroboration`); and the values statements return,
//! detached from the graph (`result`).

pub mod claim;
pub mod corroboration;
pub mod date;
pub mod documents;
pub mod graph;
pub mod resolution;
pub mod restore;
pub mod result;
pub mod summary;
pub mod temporal;
pub mod undo;
pub mod value;

pub use claim::*;
pub use date::{DateUnit, DateValue, PartialDate, Precision};
pub use documents::{DeclSite, DocumentText};
pub(crate) use graph::ClaimBatch;
pub use graph::{Degree, Entity, Graph, GraphError};
pub use resolution::{Resolution, ResolutionStatus, ResolutionTarget};
pub use restore::RestoreHoles;
pub use summary::Summary;
pub use temporal::{Temporal, TemporalError, TemporalKind};
pub use undo::{Changes, Savepoint, Touched};
pub use value::{Interval, Number, Uncertain, Value};

/// An interned string: labels, relationship types, ids and property keys repeat millions of
/// times in a large graph and are stored once.
pub type Sym = lasso::Spur;
