//! Neo4j and Memgraph: CSV files in `neo4j-admin database import`'s header format (with the
//! command that loads them, `import.sh`), and a script of parameterised statements that
//! `cypher-shell` runs (`:param {rows: [...]}` then `UNWIND $rows AS row ...`).
//!
//! Both write one model. Entities are `:Entity` nodes keyed by `id` with their own labels;
//! a claim is a relationship of its own type with `key`, `status`, `sources`, `contested`,
//! `contradiction`, `findings`, its properties and the lossless `properties` and
//! `attestations` JSON. A relationship cannot point at a relationship, so each attestation
//! is an `:Attestation` node (`claim` = the claim's `key`) linked `-[:BY]->` its source,
//! `-[:IN_DOCUMENT]->` its document and `-[:VIA {hop}]->` each relay.

use std::collections::BTreeMap;
use std::path::Path;

use crate::model::{Graph, Value};

use super::view::{
    attestations_json, props_json, typed_columns, value_text, write_csv, ColumnType, GraphView,
    ATTESTATION_COLUMNS, CLAIM_FIELDS,
};

const ENTITY_KEYS: [&str; 5] = ["id", "name", "kind", "labels", "properties"];

/// Rows per `:param` in the script: big enough to be quick, small enough for one transaction.
const BATCH: usize = 500;

fn admin_type(t: ColumnType) -> &'static str {
    match t {
        ColumnType::Int => "long",
        ColumnType::Float => "double",
        ColumnType::Bool => "boolean",
        ColumnType::Text => "string",
    }
}

/// The array delimiter: `;` unless a label, source or finding id holds one.
fn array_delimiter(view: &GraphView<'_>) -> Option<char> {
    let mut used = String::new();
    for e in &view.entities {
        used.extend(e.labels.iter().copied());
    }
    for c in &view.claims {
        used.extend(c.sources());
    }
    [';', '|', '¦', '\u{1F}'].into_iter().find(|d| !used.contains(*d))
}

/// Writes the CSV files and `import.sh` into `dir`.
pub(crate) fn write_neo4j_csv(graph: &Graph, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let view = GraphView::new(graph);
    let delim = array_delimiter(&view).ok_or_else(|| {
        std::io::Error::other("every candidate array delimiter occurs in a label or source id")
    })?;
    let d = delim.to_string();

    let node_typed = typed_columns(view.entities.iter().map(|e| e.props.as_slice()), &ENTITY_KEYS);
    let mut header =
        vec!["id:ID(Entity)".to_string(), ":LABEL".into(), "name".into(), "kind".into(), "properties".into()];
    header.extend(node_typed.iter().map(|(k, t)| format!("{k}:{}", admin_type(*t))));
    let rows: Vec<Vec<String>> = view
        .entities
        .iter()
        .map(|e| {
            let mut labels = vec!["Entity"];
            labels.extend(e.labels.iter().copied());
            match e.kind {
                super::view::Kind::Source => labels.push("Source"),
                super::view::Kind::Document => labels.push("Document"),
                super::view::Kind::Entity => {}
            }
            let mut row = vec![
                e.id.to_string(),
                labels.join(&d),
                e.name.to_string(),
                e.kind.as_str().into(),
                props_json(&e.props),
            ];
            row.extend(node_typed.iter().map(|(k, t)| cell(&e.props, k, *t)));
            row
        })
        .collect();
    write_csv(&dir.join("entities.csv"), &header.iter().map(String::as_str).collect::<Vec<_>>(), &rows)?;

    let claim_typed = typed_columns(view.claims.iter().map(|c| c.props.as_slice()), &CLAIM_FIELDS);
    let mut header: Vec<String> = [
        ":START_ID(Entity)",
        ":END_ID(Entity)",
        ":TYPE",
        "key",
        "status",
        "sources:string[]",
        "contested:boolean",
        "contradiction",
        "findings:string[]",
        "properties",
        "attestations",
    ]
    .map(String::from)
    .to_vec();
    header.extend(claim_typed.iter().map(|(k, t)| format!("{k}:{}", admin_type(*t))));
    let mut claims = Vec::new();
    for c in &view.claims {
        let findings: Vec<&str> = c.contests.iter().map(|f| f.finding.as_str()).collect();
        let mut row = vec![
            c.subject.to_string(),
            c.object.to_string(),
            c.rel_type.to_string(),
            c.key.clone(),
            c.strongest_status().to_string(),
            c.sources().join(&d),
            (!c.contests.is_empty()).to_string(),
            c.contradiction_kinds(),
            findings.join(&d),
            props_json(&c.props),
            attestations_json(&c.attestations),
        ];
        row.extend(claim_typed.iter().map(|(k, t)| cell(&c.props, k, *t)));
        claims.push(row);
    }
    let nodes = view.attestation_nodes();
    let atts: Vec<Vec<String>> = nodes
        .iter()
        .map(|n| {
            let mut row = n.columns();
            row.insert(1, "Attestation".into());
            row
        })
        .collect();
    let link = |a: &str, e: &str, t: &str| vec![a.to_string(), e.to_string(), t.to_string()];
    let by: Vec<Vec<String>> = nodes.iter().filter_map(|n| Some(link(&n.id, n.source()?, "BY"))).collect();
    let in_doc: Vec<Vec<String>> =
        nodes.iter().filter_map(|n| Some(link(&n.id, n.attestation.document?, "IN_DOCUMENT"))).collect();
    let via: Vec<Vec<String>> = nodes
        .iter()
        .flat_map(|n| n.via_links())
        .map(|(a, relay, hop)| {
            let mut row = link(a, relay, "VIA");
            row.push(hop.to_string());
            row
        })
        .collect();
    write_csv(&dir.join("claims.csv"), &header.iter().map(String::as_str).collect::<Vec<_>>(), &claims)?;
    // ATTESTATION_COLUMNS with neo4j-admin's field types, and the label after the id.
    let mut att_header: Vec<&str> = ATTESTATION_COLUMNS
        .iter()
        .map(|c| match *c {
            "id" => "id:ID(Attestation)",
            "ordinal" => "ordinal:long",
            other => other,
        })
        .collect();
    att_header.insert(1, ":LABEL");
    write_csv(&dir.join("attestations.csv"), &att_header, &atts)?;
    let link = [":START_ID(Attestation)", ":END_ID(Entity)", ":TYPE"];
    write_csv(&dir.join("by.csv"), &link, &by)?;
    write_csv(&dir.join("in_document.csv"), &link, &in_doc)?;
    write_csv(
        &dir.join("via.csv"),
        &[":START_ID(Attestation)", ":END_ID(Entity)", ":TYPE", "hop:long"],
        &via,
    )?;
    let script = format!(
        "#!/bin/sh\n\
         # Loads this folder into a new Neo4j database (run from this folder; DATABASE defaults to neo4j).\n\
         # Quoted fields may hold line breaks, hence --multiline-fields.\n\
         exec neo4j-admin database import full \"${{1:-neo4j}}\" --overwrite-destination \\\n  \
         --nodes=entities.csv --nodes=attestations.csv \\\n  \
         --relationships=claims.csv --relationships=by.csv --relationships=in_document.csv --relationships=via.csv \\\n  \
         --array-delimiter='{}' --multiline-fields=true\n",
        if delim == '\u{1F}' { "\\037".to_string() } else { delim.to_string() }
    );
    std::fs::write(dir.join("import.sh"), script)
}

fn cell(props: &[(&str, &Value)], key: &str, t: ColumnType) -> String {
    props.iter().find(|(k, _)| *k == key).map_or(String::new(), |(_, v)| t.cell(v))
}

/// A value as a Cypher literal: what Cypher has no literal for (uncertain numbers, dates,
/// non-finite floats, maps as property values) becomes its text.
fn cypher_value(v: &Value) -> Value {
    match v {
        Value::Null | Value::Bool(_) | Value::Int(_) | Value::String(_) => v.clone(),
        Value::Float(x) if x.is_finite() => v.clone(),
        // Property values are primitives or homogeneous lists of them.
        Value::List(items) if items.iter().all(|i| matches!(i, Value::String(_))) => v.clone(),
        Value::List(items) if items.iter().all(|i| matches!(i, Value::Int(_))) => v.clone(),
        Value::List(items) if items.iter().all(|i| matches!(i, Value::Bool(_))) => v.clone(),
        Value::List(items) if items.iter().all(|i| matches!(i, Value::Float(x) if x.is_finite())) => {
            v.clone()
        }
        other => Value::String(value_text(other)),
    }
}

fn s(text: &str) -> Value {
    Value::String(text.to_string())
}

fn strings<S: AsRef<str>>(items: &[S]) -> Value {
    Value::List(items.iter().map(|i| s(i.as_ref())).collect())
}

fn opt(text: Option<&str>) -> Value {
    text.map_or(Value::Null, s)
}

/// Cypher names in backticks where they are not plain identifiers.
fn name(n: &str) -> String {
    let mut out = String::new();
    let _ = crate::model::value::write_key(&mut out, n);
    out
}

/// The script for `cypher-shell -f FILE` (and for `claimgraph run`).
pub(crate) fn cypher_script(graph: &Graph) -> String {
    let view = GraphView::new(graph);
    let mut out = String::from(
        "// Written by claimgraph: run with `cypher-shell -f FILE` (Neo4j) or `claimgraph run FILE`.\n\
         // For large graphs first: CREATE CONSTRAINT FOR (n:Entity) REQUIRE n.id IS UNIQUE;\n\
         //                         CREATE CONSTRAINT FOR (n:Attestation) REQUIRE n.id IS UNIQUE;\n",
    );
    // Entities, grouped by label set (labels cannot be parameters).
    let mut by_labels: BTreeMap<Vec<String>, Vec<Value>> = BTreeMap::new();
    for e in &view.entities {
        let mut labels: Vec<String> = e.labels.iter().map(|l| l.to_string()).collect();
        match e.kind {
            super::view::Kind::Source => labels.push("Source".into()),
            super::view::Kind::Document => labels.push("Document".into()),
            super::view::Kind::Entity => {}
        }
        let props: BTreeMap<String, Value> = e
            .props
            .iter()
            .filter(|(k, _)| !ENTITY_KEYS.contains(k))
            .map(|(k, v)| (k.to_string(), cypher_value(v)))
            .collect();
        let row = BTreeMap::from([
            ("id".to_string(), s(e.id)),
            ("name".to_string(), s(e.name)),
            ("kind".to_string(), s(e.kind.as_str())),
            ("properties".to_string(), s(&props_json(&e.props))),
            ("props".to_string(), Value::Map(props)),
        ]);
        by_labels.entry(labels).or_default().push(Value::Map(row));
    }
    for (labels, rows) in &by_labels {
        let set_labels: String = labels.iter().map(|l| format!(":{}", name(l))).collect();
        let set_labels = if set_labels.is_empty() { String::new() } else { format!(", n{set_labels}") };
        batches(&mut out, rows, &format!(
            "UNWIND $rows AS row MERGE (n:Entity {{id: row.id}}) SET n += row.props, n.name = row.name, n.kind = row.kind, n.properties = row.properties{set_labels};"
        ));
    }
    // Claims, grouped by type (types cannot be parameters either).
    let mut by_type: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for c in &view.claims {
        let props: BTreeMap<String, Value> = c
            .props
            .iter()
            .filter(|(k, _)| !CLAIM_FIELDS.contains(k))
            .map(|(k, v)| (k.to_string(), cypher_value(v)))
            .collect();
        let row = BTreeMap::from([
            ("s".to_string(), s(c.subject)),
            ("o".to_string(), s(c.object)),
            ("key".to_string(), s(&c.key)),
            ("status".to_string(), s(c.strongest_status())),
            ("sources".to_string(), strings(&c.sources())),
            ("contested".to_string(), Value::Bool(!c.contests.is_empty())),
            ("contradiction".to_string(), s(&c.contradiction_kinds())),
            (
                "findings".to_string(),
                strings(&c.contests.iter().map(|f| f.finding.as_str()).collect::<Vec<_>>()),
            ),
            ("properties".to_string(), s(&props_json(&c.props))),
            ("attestations".to_string(), s(&attestations_json(&c.attestations))),
            ("props".to_string(), Value::Map(props)),
        ]);
        by_type.entry(c.rel_type).or_default().push(Value::Map(row));
    }
    let nodes = view.attestation_nodes();
    let mut atts = Vec::new();
    let (mut by, mut in_doc, mut via) = (Vec::new(), Vec::new(), Vec::new());
    for n in &nodes {
        let a = n.attestation;
        atts.push(Value::Map(BTreeMap::from([
            ("id".to_string(), s(&n.id)),
            ("claim".to_string(), s(&n.claim.key)),
            ("ordinal".to_string(), Value::Int(n.ordinal as i64)),
            ("speaker".to_string(), s(a.speaker_text())),
            ("speaker_kind".to_string(), s(n.speaker_kind())),
            ("status".to_string(), s(a.status)),
            ("quote".to_string(), opt(a.quote)),
            ("document".to_string(), opt(a.document)),
            ("position".to_string(), opt(a.position)),
            ("date".to_string(), opt(a.date.as_deref())),
        ])));
        by.extend(n.source().map(|src| link(&n.id, src, None)));
        in_doc.extend(a.document.map(|doc| link(&n.id, doc, None)));
        via.extend(n.via_links().map(|(id, relay, hop)| link(id, relay, Some(hop as i64))));
    }
    for (t, rows) in &by_type {
        batches(&mut out, rows, &format!(
            "UNWIND $rows AS row MATCH (a:Entity {{id: row.s}}), (b:Entity {{id: row.o}}) CREATE (a)-[r:{}]->(b) SET r += row.props, r.key = row.key, r.status = row.status, r.sources = row.sources, r.contested = row.contested, r.contradiction = row.contradiction, r.findings = row.findings, r.properties = row.properties, r.attestations = row.attestations;",
            name(t)
        ));
    }
    batches(&mut out, &atts, "UNWIND $rows AS row CREATE (t:Attestation {id: row.id}) SET t.claim = row.claim, t.ordinal = row.ordinal, t.speaker = row.speaker, t.speaker_kind = row.speaker_kind, t.status = row.status, t.quote = row.quote, t.document = row.document, t.position = row.position, t.date = row.date;");
    batches(&mut out, &by, "UNWIND $rows AS row MATCH (t:Attestation {id: row.a}), (e:Entity {id: row.e}) CREATE (t)-[:BY]->(e);");
    batches(&mut out, &in_doc, "UNWIND $rows AS row MATCH (t:Attestation {id: row.a}), (e:Entity {id: row.e}) CREATE (t)-[:IN_DOCUMENT]->(e);");
    batches(&mut out, &via, "UNWIND $rows AS row MATCH (t:Attestation {id: row.a}), (e:Entity {id: row.e}) CREATE (t)-[:VIA {hop: row.hop}]->(e);");
    out
}

fn link(attestation: &str, entity: &str, hop: Option<i64>) -> Value {
    let mut m = BTreeMap::from([("a".to_string(), s(attestation)), ("e".to_string(), s(entity))]);
    if let Some(h) = hop {
        m.insert("hop".to_string(), Value::Int(h));
    }
    Value::Map(m)
}

/// `:param {rows: [...]}` (one line: string literals escape line breaks) then the statement,
/// once per batch of rows.
fn batches(out: &mut String, rows: &[Value], statement: &str) {
    for chunk in rows.chunks(BATCH) {
        let param = Value::Map(BTreeMap::from([("rows".to_string(), Value::List(chunk.to_vec()))]));
        out.push_str(&format!(":param {param}\n{statement}\n"));
    }
}
