//! GraphML for Gephi, yEd and networkx, written with `quick-xml` (which escapes markup).
//!
//! Nodes are the entities (sources and documents too, told apart by `kind`); edges are the
//! stated claims, each with its type, its properties (typed attributes where the values
//! agree on a type, plus the lossless JSON), its sources, strongest status and the full
//! provenance of every attestation as JSON. `contested` (a boolean), `contradiction` (the
//! kinds of finding) and `findings` (their ids) come from the contradiction engine, so a
//! user can colour or filter by them. XML ids are generated (`n0`, `e0`); claimgraph's
//! ids travel as data, so no name has to be a valid XML id.

use std::io::Write as _;

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

use crate::model::{Graph, Value};

use super::view::{attestations_json, props_json, typed_columns, value_text, ColumnType, GraphView};

/// Node attributes: (key id, name, type).
const NODE_KEYS: [(&str, &str, &str); 6] = [
    ("n_id", "id", "string"),
    ("n_name", "name", "string"),
    ("n_kind", "kind", "string"),
    ("n_labels", "labels", "string"),
    ("n_via", "via", "string"),
    ("n_properties", "properties", "string"),
];

/// Edge attributes: (key id, name, type).
const EDGE_KEYS: [(&str, &str, &str); 12] = [
    ("e_key", "key", "string"),
    ("e_type", "type", "string"),
    ("e_sources", "sources", "string"),
    ("e_status", "status", "string"),
    ("e_attestation_count", "attestation_count", "int"),
    ("e_quotes", "quotes", "string"),
    ("e_contested", "contested", "boolean"),
    ("e_contradiction", "contradiction", "string"),
    ("e_severity", "severity", "string"),
    ("e_findings", "findings", "string"),
    ("e_properties", "properties", "string"),
    ("e_attestations", "attestations", "string"),
];

/// The graph as GraphML.
pub(crate) fn graph_to_graphml(graph: &Graph) -> std::io::Result<Vec<u8>> {
    let view = GraphView::new(graph);
    let reserved: Vec<&str> = EDGE_KEYS.iter().map(|(_, name, _)| *name).collect();
    let typed = typed_columns(view.claims.iter().map(|c| c.props.as_slice()), &reserved);
    let node_reserved: Vec<&str> = NODE_KEYS.iter().map(|(_, name, _)| *name).collect();
    let node_typed = typed_columns(view.entities.iter().map(|e| e.props.as_slice()), &node_reserved);

    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("graphml")
        .with_attribute(("xmlns", "http://graphml.graphdrawing.org/xmlns"))
        .with_attribute(("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"))
        .with_attribute((
            "xsi:schemaLocation",
            "http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd",
        ))
        .write_inner_content(|w| {
            for (id, name, ty) in NODE_KEYS {
                key(w, id, "node", name, ty)?;
            }
            for (i, (name, ty)) in node_typed.iter().enumerate() {
                key(w, &format!("np{i}"), "node", name, graphml_type(*ty))?;
            }
            for (id, name, ty) in EDGE_KEYS {
                key(w, id, "edge", name, ty)?;
            }
            for (i, (name, ty)) in typed.iter().enumerate() {
                key(w, &format!("ep{i}"), "edge", name, graphml_type(*ty))?;
            }
            w.create_element("graph")
                .with_attribute(("id", "claimgraph"))
                .with_attribute(("edgedefault", "directed"))
                .write_inner_content(|w| {
                    let mut xml_id = std::collections::HashMap::new();
                    for (i, e) in view.entities.iter().enumerate() {
                        xml_id.insert(e.id, format!("n{i}"));
                        w.create_element("node")
                            .with_attribute(("id", format!("n{i}").as_str()))
                            .write_inner_content(|w| {
                                data(w, "n_id", e.id)?;
                                data(w, "n_name", e.name)?;
                                data(w, "n_kind", e.kind.as_str())?;
                                let labels: String = e.labels.iter().map(|l| format!(":{l}")).collect();
                                data(w, "n_labels", &labels)?;
                                if !e.via.is_empty() {
                                    data(w, "n_via", &e.via.join(", "))?;
                                }
                                data(w, "n_properties", &props_json(&e.props))?;
                                typed_data(w, "np", &node_typed, &e.props)?;
                                Ok(())
                            })?;
                    }
                    for (i, c) in view.claims.iter().enumerate() {
                        let (Some(s), Some(o)) = (xml_id.get(c.subject), xml_id.get(c.object)) else {
                            continue;
                        };
                        w.create_element("edge")
                            .with_attribute(("id", format!("e{i}").as_str()))
                            .with_attribute(("source", s.as_str()))
                            .with_attribute(("target", o.as_str()))
                            .write_inner_content(|w| {
                                data(w, "e_key", &c.key)?;
                                data(w, "e_type", c.rel_type)?;
                                data(w, "e_sources", &c.sources().join(", "))?;
                                data(w, "e_status", c.strongest_status())?;
                                data(w, "e_attestation_count", &c.attestations.len().to_string())?;
                                let quotes: Vec<&str> =
                                    c.attestations.iter().filter_map(|a| a.quote).collect();
                                data(w, "e_quotes", &quotes.join("\n"))?;
                                data(w, "e_contested", if c.contests.is_empty() { "false" } else { "true" })?;
                                data(w, "e_contradiction", &c.contradiction_kinds())?;
                                data(w, "e_severity", c.severity())?;
                                let ids: Vec<&str> = c.contests.iter().map(|f| f.finding.as_str()).collect();
                                data(w, "e_findings", &ids.join(", "))?;
                                data(w, "e_properties", &props_json(&c.props))?;
                                data(w, "e_attestations", &attestations_json(&c.attestations))?;
                                typed_data(w, "ep", &typed, &c.props)?;
                                Ok(())
                            })?;
                    }
                    Ok(())
                })?;
            Ok(())
        })?;
    let mut out = w.into_inner();
    out.write_all(b"\n")?;
    Ok(out)
}

fn graphml_type(t: ColumnType) -> &'static str {
    match t {
        ColumnType::Int => "long",
        ColumnType::Float => "double",
        ColumnType::Bool => "boolean",
        ColumnType::Text => "string",
    }
}

fn key(w: &mut Writer<Vec<u8>>, id: &str, for_: &str, name: &str, ty: &str) -> std::io::Result<()> {
    w.create_element("key")
        .with_attribute(("id", id))
        .with_attribute(("for", for_))
        .with_attribute(("attr.name", name))
        .with_attribute(("attr.type", ty))
        .write_empty()?;
    Ok(())
}

fn typed_data(
    w: &mut Writer<Vec<u8>>,
    prefix: &str,
    columns: &[(&str, ColumnType)],
    props: &[(&str, &Value)],
) -> std::io::Result<()> {
    for (i, (name, ty)) in columns.iter().enumerate() {
        if let Some((_, v)) = props.iter().find(|(k, _)| k == name) {
            if !matches!(v, Value::Null) {
                let text = if *ty == ColumnType::Text { value_text(v) } else { ty.cell(v) };
                data(w, &format!("{prefix}{i}"), &text)?;
            }
        }
    }
    Ok(())
}

/// `<data key="…">text</data>`. The crate escapes markup; what XML 1.0 cannot hold at all
/// (control characters other than tab, line feed and carriage return; U+FFFE, U+FFFF) is
/// replaced by U+FFFD, and a carriage return is written as a character reference so that
/// parsers do not fold it into a line feed.
fn data(w: &mut Writer<Vec<u8>>, key: &str, text: &str) -> std::io::Result<()> {
    let clean: String = text
        .chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect();
    let escaped = quick_xml::escape::escape(clean.as_str()).replace('\r', "&#13;");
    w.create_element("data")
        .with_attribute(("key", key))
        .write_text_content(BytesText::from_escaped(escaped))?;
    Ok(())
}
