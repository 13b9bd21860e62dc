//! Kùzu: a folder with the schema (`schema.cypher`), CSV files and the `COPY FROM`
//! statements that load them (`copy.cypher`, paths relative to the folder).
//!
//! Kùzu's tables are typed, and a relationship cannot point at a relationship, so
//! attestations are nodes: `(:Attestation)-[:BY]->(:Entity)` names the source,
//! `-[:IN_DOCUMENT]->` the document and `-[:VIA {hop}]->` each relay; `Attestation.claim`
//! holds the key of its claim, the `key` of the `Claim` relationship. Claim properties
//! whose values agree on a type get a typed column; every property is also in the
//! lossless `properties` JSON. Lists (labels, sources, chains, findings) are JSON text.

use std::path::Path;

use crate::model::Graph;

use super::view::{
    attestations_json, props_json, typed_columns, write_csv, ColumnType, GraphView, ATTESTATION_COLUMNS,
    CLAIM_FIELDS,
};

fn kuzu_type(t: ColumnType) -> &'static str {
    match t {
        ColumnType::Int => "INT64",
        ColumnType::Float => "DOUBLE",
        ColumnType::Bool => "BOOLEAN",
        ColumnType::Text => "STRING",
    }
}

fn json_list<S: AsRef<str>>(items: &[S]) -> String {
    serde_json::Value::Array(items.iter().map(|s| s.as_ref().into()).collect()).to_string()
}

/// Writes the folder.
pub(crate) fn write_kuzu(graph: &Graph, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let view = GraphView::new(graph);
    let typed = typed_columns(view.claims.iter().map(|c| c.props.as_slice()), &CLAIM_FIELDS);

    let mut schema = String::from(
        "// Kùzu schema for a claimgraph export; then run copy.cypher from this folder.\n\
         CREATE NODE TABLE Entity(id STRING, kind STRING, labels STRING, name STRING, via STRING, properties STRING, PRIMARY KEY (id));\n\
         CREATE NODE TABLE Attestation(id STRING, claim STRING, ordinal INT64, speaker STRING, speaker_kind STRING, status STRING, quote STRING, document STRING, position STRING, date STRING, via STRING, PRIMARY KEY (id));\n",
    );
    schema.push_str("CREATE REL TABLE Claim(FROM Entity TO Entity, key STRING, type STRING, status STRING, sources STRING, contested BOOLEAN, contradiction STRING, findings STRING, properties STRING, attestations STRING");
    for (name, ty) in &typed {
        schema.push_str(&format!(", `{name}` {}", kuzu_type(*ty)));
    }
    schema.push_str(");\n");
    schema.push_str(
        "CREATE REL TABLE BY(FROM Attestation TO Entity);\n\
         CREATE REL TABLE IN_DOCUMENT(FROM Attestation TO Entity);\n\
         CREATE REL TABLE VIA(FROM Attestation TO Entity, hop INT64);\n",
    );
    std::fs::write(dir.join("schema.cypher"), schema)?;

    // Quoted fields may span lines, which Kùzu's parallel reader cannot split.
    let opts = "(HEADER=true, PARALLEL=false)";
    let copy: String = [
        ("Entity", "entities.csv"),
        ("Attestation", "attestations.csv"),
        ("Claim", "claims.csv"),
        ("BY", "by.csv"),
        ("IN_DOCUMENT", "in_document.csv"),
        ("VIA", "via.csv"),
    ]
    .iter()
    .map(|(table, file)| format!("COPY {table} FROM '{file}' {opts};\n"))
    .collect();
    std::fs::write(dir.join("copy.cypher"), copy)?;

    let entities: Vec<Vec<String>> = view
        .entities
        .iter()
        .map(|e| {
            vec![
                e.id.to_string(),
                e.kind.as_str().to_string(),
                json_list(&e.labels),
                e.name.to_string(),
                json_list(&e.via),
                props_json(&e.props),
            ]
        })
        .collect();
    write_csv(&dir.join("entities.csv"), &["id", "kind", "labels", "name", "via", "properties"], &entities)?;

    let mut claims = Vec::new();
    for c in &view.claims {
        let mut row = vec![
            c.subject.to_string(),
            c.object.to_string(),
            c.key.clone(),
            c.rel_type.to_string(),
            c.strongest_status().to_string(),
            json_list(&c.sources()),
            (!c.contests.is_empty()).to_string(),
            c.contradiction_kinds(),
            json_list(&c.contests.iter().map(|f| f.finding.as_str()).collect::<Vec<_>>()),
            props_json(&c.props),
            attestations_json(&c.attestations),
        ];
        for (name, ty) in &typed {
            row.push(c.props.iter().find(|(k, _)| k == name).map_or(String::new(), |(_, v)| ty.cell(v)));
        }
        claims.push(row);
    }
    let nodes = view.attestation_nodes();
    let atts: Vec<Vec<String>> = nodes
        .iter()
        .map(|n| {
            let mut row = n.columns();
            row.push(json_list(&n.attestation.via));
            row
        })
        .collect();
    let by: Vec<Vec<String>> =
        nodes.iter().filter_map(|n| Some(vec![n.id.clone(), n.source()?.to_string()])).collect();
    let in_doc: Vec<Vec<String>> =
        nodes.iter().filter_map(|n| Some(vec![n.id.clone(), n.attestation.document?.to_string()])).collect();
    let via: Vec<Vec<String>> = nodes
        .iter()
        .flat_map(|n| n.via_links())
        .map(|(a, relay, hop)| vec![a.to_string(), relay.to_string(), hop.to_string()])
        .collect();
    let mut claim_header: Vec<&str> = vec!["from", "to"];
    claim_header.extend(CLAIM_FIELDS);
    claim_header.extend(typed.iter().map(|(n, _)| *n));
    write_csv(&dir.join("claims.csv"), &claim_header, &claims)?;
    let mut att_header = ATTESTATION_COLUMNS.to_vec();
    att_header.push("via");
    write_csv(&dir.join("attestations.csv"), &att_header, &atts)?;
    write_csv(&dir.join("by.csv"), &["from", "to"], &by)?;
    write_csv(&dir.join("in_document.csv"), &["from", "to"], &in_doc)?;
    write_csv(&dir.join("via.csv"), &["from", "to", "hop"], &via)?;
    Ok(())
}
