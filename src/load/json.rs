//! The JSON form of a graph (`claimgraph export json`), and reading it back.
//!
//! Export walks the same declaration ASTs as the text printer; import turns JSON back into
//! declaration ASTs and loads them like any data file, so both forms obey the same checks.
//! The schema is documented in README ("JSON export").

use serde_json::{json, Map, Value as Json};

use crate::model::{Graph, Number, Status, Value};
use crate::syntax::decl::{
    parse_value, AttestationDecl, DeclStatement, DenyTarget, EndPattern, EntityDecl, EntityKind, Name, Prop,
    RelPatternDecl, SourceName,
};
use crate::syntax::{parse_script, Span, Statement};

use super::print::graph_to_decls_at;
use super::{LoadError, LoadErrorKind};

pub const FORMAT_VERSION: u64 = 1;

/// The graph as one JSON document. Document texts are written as loaded; see
/// [`export_json_at`].
pub fn export_json(graph: &Graph) -> Json {
    export_json_at(graph, None)
}

/// [`export_json`] for a file written in the folder `dir`: document texts relative to it.
pub fn export_json_at(graph: &Graph, dir: Option<&std::path::Path>) -> Json {
    let decls = graph_to_decls_at(graph, dir);
    // Whether each document's quotes were checked against its text (informational: a load
    // checks them again).
    let verified: std::collections::HashMap<String, bool> = graph
        .entities()
        .filter_map(|ix| graph.document_text(ix).map(|t| (graph.entity_id(ix).to_string(), t.verified)))
        .collect();
    let mut chains: std::collections::HashMap<String, Vec<Name>> = std::collections::HashMap::new();
    let (mut entities, mut claims, mut denials, mut constraints) = (vec![], vec![], vec![], vec![]);
    let mut resolutions = vec![];
    for d in &decls {
        if let DeclStatement::Entity(e) = d {
            chains.insert(e.id.text.clone(), e.via.clone());
        }
    }
    for d in &decls {
        match d {
            DeclStatement::Entity(e) => {
                let kind = match e.kind {
                    EntityKind::Entity => "entity",
                    EntityKind::Source => "source",
                    EntityKind::Document => "document",
                };
                entities.push(json!({
                    "id": e.id.text,
                    "kind": kind,
                    "labels": e.labels.iter().map(|l| l.text.clone()).collect::<Vec<_>>(),
                    "properties": props_json(&e.props),
                    "via": e.via.iter().map(|l| l.text.clone()).collect::<Vec<_>>(),
                    "speaks_for": e.speaks_for.iter().map(|l| l.text.clone()).collect::<Vec<_>>(),
                }));
            }
            DeclStatement::Claim { pattern, attestations } => {
                let mut c = Map::new();
                if let Some(id) = &pattern.claim_id {
                    c.insert("id".into(), json!(id.text));
                }
                c.insert("subject".into(), json!(end_text(&pattern.subject)));
                c.insert("type".into(), json!(pattern.rel_type.text));
                c.insert("object".into(), json!(end_text(&pattern.object)));
                c.insert("properties".into(), props_json(&pattern.props));
                c.insert("attestations".into(), atts_json(attestations, &chains, &verified));
                claims.push(Json::Object(c));
            }
            DeclStatement::Deny { target, attestations } => {
                let target = match target {
                    DenyTarget::Claim(c) => json!({"claim": c.text}),
                    DenyTarget::Class(p) => json!({"pattern": p.to_string()}),
                };
                denials.push(
                    json!({"target": target, "attestations": atts_json(attestations, &chains, &verified)}),
                );
            }
            DeclStatement::Constraint(c) => {
                constraints.push(json!({"id": c.id.text, "statement": d.to_string()}));
            }
            DeclStatement::Attest { .. }
            | DeclStatement::UseDocument(_)
            | DeclStatement::Voice { .. }
            | DeclStatement::Denials { .. }
            | DeclStatement::Contradictions { .. } => {}
            DeclStatement::Resolve(_) => resolutions.push(Json::String(d.to_string())),
        }
    }
    json!({
        "format": "claimgraph",
        "version": FORMAT_VERSION,
        "entities": entities,
        "claims": claims,
        "denials": denials,
        "constraints": constraints,
        "resolutions": resolutions,
    })
}

fn end_text(e: &EndPattern) -> String {
    e.id.as_ref().map(|n| n.text.clone()).unwrap_or_default()
}

fn props_json(props: &[Prop]) -> Json {
    Json::Object(props.iter().map(|p| (p.key.text.clone(), value_json(&p.value))).collect())
}

fn atts_json(
    atts: &[AttestationDecl],
    chains: &std::collections::HashMap<String, Vec<Name>>,
    verified: &std::collections::HashMap<String, bool>,
) -> Json {
    Json::Array(
        atts.iter()
            .map(|a| {
                let mut m = Map::new();
                let default_via = match &a.source {
                    SourceName::Declared(n) => {
                        m.insert("source".into(), json!(n.text));
                        chains.get(&n.text).cloned().unwrap_or_default()
                    }
                    SourceName::User(u) => {
                        m.insert("user".into(), json!(u));
                        Vec::new()
                    }
                };
                let via = a.via.clone().unwrap_or(default_via);
                m.insert("via".into(), json!(via.iter().map(|v| v.text.clone()).collect::<Vec<_>>()));
                m.insert("status".into(), json!(a.status.unwrap_or(Status::Asserted).as_str()));
                let opt = |s: &Option<String>| s.as_ref().map_or(Json::Null, |s| json!(s));
                m.insert("quote".into(), opt(&a.quote));
                m.insert("document".into(), a.document.as_ref().map_or(Json::Null, |d| json!(d.text)));
                m.insert("position".into(), opt(&a.position));
                m.insert("date".into(), a.date.as_ref().map_or(Json::Null, |d| json!(d.to_string())));
                // A quote is verified when its document's text was read at load.
                let checked = a.document.as_ref().is_some_and(|d| verified.get(&d.text) == Some(&true));
                m.insert("verified".into(), json!(a.quote.is_some() && checked));
                Json::Object(m)
            })
            .collect(),
    )
}

/// A property value in JSON. Plain JSON where it is lossless; uncertain numbers, dates and
/// non-finite floats as one-key objects holding their literal syntax.
pub fn value_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Float(x) if x.is_finite() => json!(x),
        Value::Float(x) => json!({"$float": Number::Float(*x).to_string()}),
        Value::String(s) => json!(s),
        Value::List(items) => Json::Array(items.iter().map(value_json).collect()),
        Value::Map(m) => Json::Object(m.iter().map(|(k, v)| (k.clone(), value_json(v))).collect()),
        Value::Uncertain(u) => json!({"$uncertain": u.to_string()}),
        Value::Date(d) => json!({"$date": d.to_string()}),
        Value::Temporal(t) => json!({"$temporal": format!("@{t}")}),
    }
}

fn json_err(msg: impl Into<String>) -> LoadError {
    LoadError::new(LoadErrorKind::InvalidJson, Span::default(), msg)
}

fn json_value(j: &Json) -> Result<Value, LoadError> {
    Ok(match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().ok_or_else(|| json_err(format!("number {n} is out of range")))?),
        },
        Json::String(s) => Value::String(s.clone()),
        Json::Array(items) => Value::List(items.iter().map(json_value).collect::<Result<_, _>>()?),
        Json::Object(m) => {
            if m.len() == 1 {
                if let Some((k, Json::String(text))) = m.iter().next() {
                    if matches!(k.as_str(), "$uncertain" | "$date" | "$temporal" | "$float") {
                        return parse_value(text)
                            .map_err(|e| json_err(format!("{k} {text:?}: {}", e.message)));
                    }
                }
            }
            Value::Map(
                m.iter().map(|(k, v)| Ok((k.clone(), json_value(v)?))).collect::<Result<_, LoadError>>()?,
            )
        }
    })
}

fn field<'a>(o: &'a Map<String, Json>, key: &str, what: &str) -> Result<&'a Json, LoadError> {
    o.get(key).ok_or_else(|| json_err(format!("{what} has no \"{key}\"")))
}

fn str_field(o: &Map<String, Json>, key: &str, what: &str) -> Result<String, LoadError> {
    field(o, key, what)?
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| json_err(format!("{what} \"{key}\" is not a string")))
}

fn opt_str(o: &Map<String, Json>, key: &str) -> Option<String> {
    o.get(key).and_then(Json::as_str).map(str::to_string)
}

fn names(j: Option<&Json>) -> Vec<Name> {
    j.and_then(Json::as_array)
        .map_or(Vec::new(), |a| a.iter().filter_map(Json::as_str).map(Name::new).collect())
}

fn props_from(j: Option<&Json>) -> Result<Vec<Prop>, LoadError> {
    match j {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::Object(m)) => {
            m.iter().map(|(k, v)| Ok(Prop { key: Name::new(k.clone()), value: json_value(v)? })).collect()
        }
        Some(_) => Err(json_err("\"properties\" must be an object")),
    }
}

fn object<'a>(j: &'a Json, what: &str) -> Result<&'a Map<String, Json>, LoadError> {
    j.as_object().ok_or_else(|| json_err(format!("{what} must be an object")))
}

fn array<'a>(o: &'a Map<String, Json>, key: &str) -> Result<&'a [Json], LoadError> {
    match o.get(key) {
        None => Ok(&[]),
        Some(Json::Array(a)) => Ok(a),
        Some(_) => Err(json_err(format!("\"{key}\" must be an array"))),
    }
}

fn atts_from(j: &[Json]) -> Result<Vec<AttestationDecl>, LoadError> {
    j.iter()
        .map(|a| {
            let a = object(a, "an attestation")?;
            let source = match (opt_str(a, "source"), opt_str(a, "user")) {
                (Some(s), _) => SourceName::Declared(Name::new(s)),
                (None, Some(u)) => SourceName::User(u),
                (None, None) => return Err(json_err("an attestation has neither \"source\" nor \"user\"")),
            };
            let status = match opt_str(a, "status") {
                Some(s) => {
                    Some(Status::parse(&s).ok_or_else(|| json_err(format!("unknown status \"{s}\"")))?)
                }
                None => None,
            };
            let date = match opt_str(a, "date") {
                Some(d) => match parse_value(&d) {
                    Ok(v @ Value::Date(_)) => Some(v),
                    Ok(Value::Temporal(t)) if t.date().is_some() => Some(Value::Temporal(t)),
                    _ => return Err(json_err(format!("invalid date \"{d}\""))),
                },
                None => None,
            };
            Ok(AttestationDecl {
                source,
                via: a.get("via").map(|v| names(Some(v))),
                status,
                document: opt_str(a, "document").map(Name::new),
                position: opt_str(a, "position"),
                date,
                quote: opt_str(a, "quote"),
                span: Span::default(),
                quote_span: None,
            })
        })
        .collect()
}

fn one_decl(text: &str) -> Result<DeclStatement, LoadError> {
    let mut stmts = parse_script(text).map_err(|e| json_err(format!("in {text:?}: {}", e.message)))?;
    match (stmts.pop(), stmts.is_empty()) {
        (Some(s), true) => match s.statement {
            Statement::Decl(d) => Ok(d),
            Statement::Query(_) => Err(json_err(format!("{text:?} is not a declaration"))),
        },
        _ => Err(json_err(format!("{text:?} is not one statement"))),
    }
}

fn id_end(id: String) -> EndPattern {
    EndPattern { id: Some(Name::new(id)), labels: Vec::new(), span: Span::default() }
}

/// Reads a JSON export back as declarations.
pub fn decls_from_json(text: &str) -> Result<Vec<(DeclStatement, Span)>, LoadError> {
    let doc: Json = serde_json::from_str(text).map_err(|e| {
        let offset = crate::syntax::offset_of(text, e.line(), e.column());
        LoadError::new(LoadErrorKind::InvalidJson, Span::new(offset, offset), format!("invalid JSON: {e}"))
    })?;
    let doc = object(&doc, "the document")?;
    if doc.get("format").and_then(Json::as_str) != Some("claimgraph") {
        return Err(json_err("not a claimgraph export (\"format\" is not \"claimgraph\")"));
    }
    let mut out = Vec::new();
    let span = Span::default();
    for e in array(doc, "entities")? {
        let e = object(e, "an entity")?;
        let kind = match str_field(e, "kind", "an entity")?.as_str() {
            "entity" => EntityKind::Entity,
            "source" => EntityKind::Source,
            "document" => EntityKind::Document,
            other => return Err(json_err(format!("unknown entity kind \"{other}\""))),
        };
        out.push((
            DeclStatement::Entity(EntityDecl {
                kind,
                id: Name::new(str_field(e, "id", "an entity")?),
                labels: names(e.get("labels")),
                props: props_from(e.get("properties"))?,
                via: names(e.get("via")),
                speaks_for: names(e.get("speaks_for")),
            }),
            span,
        ));
    }
    for c in array(doc, "claims")? {
        let c = object(c, "a claim")?;
        let pattern = RelPatternDecl {
            subject: id_end(str_field(c, "subject", "a claim")?),
            claim_id: opt_str(c, "id").map(Name::new),
            rel_type: Name::new(str_field(c, "type", "a claim")?),
            props: props_from(c.get("properties"))?,
            object: id_end(str_field(c, "object", "a claim")?),
        };
        out.push((
            DeclStatement::Claim { pattern, attestations: atts_from(array(c, "attestations")?)? },
            span,
        ));
    }
    for d in array(doc, "denials")? {
        let d = object(d, "a denial")?;
        let target = object(field(d, "target", "a denial")?, "a denial's target")?;
        let target = match (opt_str(target, "claim"), opt_str(target, "pattern")) {
            (Some(c), _) => DenyTarget::Claim(Name::new(c)),
            (None, Some(p)) => match one_decl(&format!("DENY {p}"))? {
                DeclStatement::Deny { target, .. } => target,
                _ => return Err(json_err(format!("invalid denial pattern {p:?}"))),
            },
            _ => return Err(json_err("a denial's target has neither \"claim\" nor \"pattern\"")),
        };
        out.push((DeclStatement::Deny { target, attestations: atts_from(array(d, "attestations")?)? }, span));
    }
    for c in array(doc, "constraints")? {
        let c = object(c, "a constraint")?;
        out.push((one_decl(&str_field(c, "statement", "a constraint")?)?, span));
    }
    // Older exports have no resolutions.
    if let Some(Json::Array(rs)) = doc.get("resolutions") {
        for r in rs {
            let text = r.as_str().ok_or_else(|| json_err("a resolution is not a string"))?;
            out.push((one_decl(text)?, span));
        }
    }
    Ok(out)
}
