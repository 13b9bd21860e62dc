//! FollowTheMoney (the Aleph and OpenSanctions format): one JSON entity per line.
//!
//! What maps: entities by label to `Person`, `Organization`, `PublicBody`, `Company`,
//! `Event`, `Address` (places) or `LegalEntity` (anything else), documents to `Article`;
//! `name` and `aliases` to `name` and `alias`; each claim to an `UnknownLink` (`role` = the
//! relationship type, `status` = the strongest status); each attestation to a
//! `Documentation` of its document (`role` = source and chain, `status`, `summary` = the
//! quote, `date`) or, without a document, to a `Note` on the link.
//! What does not map is written as text or left out; docs/interop.md lists it.

use std::collections::HashMap;

use serde_json::{json, Map, Value as Json};

use crate::model::{Graph, Value};

use super::view::{value_text, AttestationView, EntityView, GraphView, Kind, Speaker};

/// The FtM schema for an entity, from its labels (first match wins) and kind.
fn schema(e: &EntityView<'_>) -> &'static str {
    if e.kind == Kind::Document {
        return "Article";
    }
    for l in &e.labels {
        let l = l.to_ascii_lowercase();
        let s = match l.as_str() {
            "person" | "people" | "official" | "spokesperson" | "journalist" => "Person",
            "company" | "business" | "contractor" => "Company",
            "government" | "ministry" | "publicbody" | "agency" | "military" | "army" => "PublicBody",
            "event" | "battle" | "attack" | "incident" | "meeting" => "Event",
            "location" | "place" | "city" | "town" | "village" | "region" | "country" | "area" | "site" => {
                "Address"
            }
            _ if l.contains("organi") || l.contains("group") || l.contains("unit") || l.contains("force") => {
                "Organization"
            }
            _ if l.contains("news") || l.contains("media") || l.contains("agency") => "Organization",
            _ => continue,
        };
        return s;
    }
    "LegalEntity"
}

/// A stable FtM id for a claimgraph id. FtM ids hold only letters, digits, `.` and `-`, so
/// ASCII letters and digits stay and every other byte becomes `.` and two hex digits
/// (which keeps distinct ids distinct); very long ids become a hash.
fn ftm_id(kind: &str, id: &str) -> String {
    let mut enc = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() {
            enc.push(b as char);
        } else {
            enc.push_str(&format!(".{b:02x}"));
        }
    }
    if enc.len() <= 200 {
        format!("cg-{kind}-{enc}")
    } else {
        format!("cg-{kind}-h{:016x}", crate::check::fnv1a(id))
    }
}

/// FtM dates are ISO prefixes; relative dates (`@-4months`) have no place there.
fn iso_date(written: &str) -> Option<String> {
    let d = written.strip_prefix('@')?;
    (d.chars().next()?.is_ascii_digit()).then(|| d.to_string())
}

fn entity(id: String, schema: &str, props: Map<String, Json>) -> Json {
    json!({"id": id, "schema": schema, "properties": props})
}

/// The longest value FtM's type for a property takes (its `max_length`).
fn max_length(key: &str) -> usize {
    match key {
        "name" | "alias" => 384,
        "full" => 250,
        "notes" | "summary" | "description" => 65_000,
        "sourceUrl" => 4096,
        _ => 1024,
    }
}

/// Adds a value to a property (FtM properties are lists), once. A value longer than the
/// property's type takes is cut with `…`, and the whole of it goes to `notes` (or
/// `description`, for schemata without notes) where it fits.
fn put(props: &mut Map<String, Json>, key: &str, value: impl Into<String>) {
    let value: String = value.into();
    if value.trim().is_empty() {
        return;
    }
    let max = max_length(key);
    let value = if value.chars().count() > max {
        if !matches!(key, "notes" | "summary" | "description") {
            let overflow =
                if props.contains_key("description") || !props.contains_key("notes") && key == "role" {
                    "description"
                } else {
                    "notes"
                };
            put(props, overflow, format!("{key}: {value}"));
        }
        let cut: String = value.chars().take(max - 1).collect();
        cut + "…"
    } else {
        value
    };
    let entry = props.entry(key.to_string()).or_insert_with(|| Json::Array(Vec::new()));
    if let Json::Array(items) = entry {
        if !items.iter().any(|v| v.as_str() == Some(value.as_str())) {
            items.push(Json::String(value));
        }
    }
}

/// The graph as FtM entities, one JSON object per line.
pub(crate) fn graph_to_ftm(graph: &Graph) -> String {
    let view = GraphView::new(graph);
    let mut out = String::new();
    let mut ids: HashMap<&str, (String, &'static str)> = HashMap::new();
    for e in &view.entities {
        let schema = schema(e);
        let id = ftm_id("e", e.id);
        ids.insert(e.id, (id.clone(), schema));
        let mut props = Map::new();
        let name_key = if schema == "Article" {
            "title"
        } else if schema == "Address" {
            "full"
        } else {
            "name"
        };
        put(&mut props, name_key, e.name);
        if schema == "Article" || schema == "Address" {
            put(&mut props, "name", e.name);
        }
        for (k, v) in &e.props {
            match (*k, v) {
                ("name", _) => {}
                ("aliases", Value::List(items)) => {
                    for a in items {
                        put(&mut props, "alias", value_text(a));
                    }
                }
                ("url", Value::String(u)) | ("sourceUrl", Value::String(u)) => {
                    put(&mut props, "sourceUrl", u.clone())
                }
                (k, v) => put(&mut props, "notes", format!("{k}: {}", value_text(v))),
            }
        }
        out.push_str(&entity(id, schema, props).to_string());
        out.push('\n');
    }
    let name_of = |id: &str| view.entities.iter().find(|e| e.id == id).map_or(id, |e| e.name).to_string();
    for c in &view.claims {
        let (Some((s, _)), Some((o, _))) = (ids.get(c.subject), ids.get(c.object)) else { continue };
        let link_id = ftm_id("c", &c.key);
        let mut props = Map::new();
        props.insert("subject".into(), json!([s]));
        props.insert("object".into(), json!([o]));
        put(&mut props, "role", c.rel_type);
        put(&mut props, "status", c.strongest_status());
        if !c.props.is_empty() {
            let text: Vec<String> = c.props.iter().map(|(k, v)| format!("{k}: {}", value_text(v))).collect();
            put(&mut props, "description", text.join("; "));
        }
        for a in &c.attestations {
            if let Some(d) = a.date.as_deref().and_then(iso_date) {
                put(&mut props, "date", d);
            }
            put(&mut props, "publisher", speaker_name(a, &name_of));
        }
        put(&mut props, "recordId", c.key.clone());
        if !c.contests.is_empty() {
            let f: Vec<String> =
                c.contests.iter().map(|f| format!("contested: {} {}", f.kind, f.finding)).collect();
            put(&mut props, "summary", f.join("; "));
        }
        out.push_str(&entity(link_id.clone(), "UnknownLink", props).to_string());
        out.push('\n');
        for (n, a) in c.attestations.iter().enumerate() {
            let mut props = Map::new();
            let role = role_text(a, &name_of);
            let doc = a.document.and_then(|d| ids.get(d)).filter(|(_, s)| *s == "Article");
            let schema = match doc {
                Some((doc_id, _)) => {
                    props.insert("document".into(), json!([doc_id]));
                    props.insert("entity".into(), json!([link_id]));
                    put(&mut props, "role", role);
                    put(&mut props, "status", a.status);
                    if let Some(d) = a.date.as_deref().and_then(iso_date) {
                        put(&mut props, "date", d);
                    }
                    "Documentation"
                }
                None => {
                    props.insert("entity".into(), json!([link_id]));
                    put(&mut props, "description", format!("{} ({})", role, a.status));
                    "Note"
                }
            };
            if let Some(q) = a.quote {
                put(&mut props, "summary", q);
            }
            put(&mut props, "publisher", speaker_name(a, &name_of));
            out.push_str(&entity(format!("{link_id}.a{}", n + 1), schema, props).to_string());
            out.push('\n');
        }
    }
    out
}

fn speaker_name(a: &AttestationView<'_>, name_of: &impl Fn(&str) -> String) -> String {
    match a.speaker {
        Speaker::Source(s) => name_of(s),
        Speaker::User(u) => u.to_string(),
    }
}

/// "anonymous Russian military doctor via Reuters, position para 3".
fn role_text(a: &AttestationView<'_>, name_of: &impl Fn(&str) -> String) -> String {
    let mut text = speaker_name(a, name_of);
    if !a.via.is_empty() {
        let chain: Vec<String> = a.via.iter().map(|v| name_of(v)).collect();
        text.push_str(&format!(" via {}", chain.join(", ")));
    }
    if let Some(p) = a.position {
        text.push_str(&format!(", at {p}"));
    }
    if let Some(d) = a.date.as_deref().filter(|d| iso_date(d).is_none()) {
        text.push_str(&format!(", dated {d}"));
    }
    text
}
