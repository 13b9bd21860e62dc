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

/// Writes the whole graph in an interchange format to `path` (a folder for `kuzu` and
/// `neo4j`), for the shell's `:export`; `None` when `format` is not one of them. RDF uses the
/// default base and TriG.
pub(crate) fn write_whole_graph(
    format: &str,
    graph: &crate::model::Graph,
    path: &std::path::Path,
) -> Option<std::io::Result<()>> {
    let bytes = match format {
        "csv" => table::claims_table(graph, b',').into_bytes(),
        "graphml" => match graphml::graph_to_graphml(graph) {
            Ok(b) => b,
            Err(e) => return Some(Err(e)),
        },
        "rdf" => match rdf::graph_to_rdf(graph, rdf::DEFAULT_BASE, rdf::RdfSyntax::Trig) {
            Ok(b) => b,
            Err(e) => return Some(Err(e)),
        },
        "ftm" => ftm::graph_to_ftm(graph).into_bytes(),
        "cypher" => neo4j::cypher_script(graph).into_bytes(),
        "kuzu" => return Some(kuzu::write_kuzu(graph, path)),
        "neo4j" => return Some(neo4j::write_neo4j_csv(graph, path)),
        _ => return None,
    };
    Some(crate::save::write_atomically(path, &bytes))
}
