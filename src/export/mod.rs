//! Exports for other tools: Graphviz DOT ([`dot`]); claims as a spreadsheet ([`table`]);
//! Kùzu ([`kuzu`]); Neo4j and Memgraph ([`neo4j`]); GraphML ([`graphml`]); RDF 1.2 with
//! PROV-O ([`rdf`]); FollowTheMoney ([`ftm`]). All but DOT read the graph through one
//! provenance view ([`view`]). JSON and data-file exports live with the loader
//! (`crate::load::json`, `crate::load::print`). How each tool loads its export, and what
//! each format loses: docs/interop.md.

pub mod dot;
pub(crate) mod ftm;
pub(crate) mod graphml;
pub(crate) mod kuzu;
pub(crate) mod neo4j;
pub(crate) mod rdf;
pub(crate) mod table;
pub(crate) mod view;
