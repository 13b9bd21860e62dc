//! The JSON form of a graph (`claimgraph export json`), and reading it back.
//!
//! Export walks the same declaration ASTs as the text printer; import turns JSON back into
//! declaration ASTs and loads them like any data file, so both forms obey the same checks.
//! The schema is documented in README ("JSON export").
//!
//! Import reads strict JSON with the byte range of every value, so that every error, the
//! loader's included, points at the value it is about. Values nest at most as deep as a
//! declaration can write them ([`MAX_VALUE_DEPTH`]), so whatever imports also prints back
//! to statements that load.

use jsonc_parser::common::Ranged;
use serde_json::{json, Map, Value as Json};

use crate::model::{Graph, Number, Status, Value};
use crate::syntax::decl::{
    parse_value, AttestationDecl, DeclStatement, DenyTarget, EndPattern, EntityDecl, EntityKind, Name, Prop,
    RelPatternDecl, SourceName,
};
use crate::syntax::lexer::MAX_NESTING;
use crate::syntax::{parse_script, Span, Statement};

use super::print::graph_to_decls_at;
use super::{LoadError, LoadErrorKind};

pub const FORMAT_VERSION: u64 = 1;

/// Deepest list or map nesting of a property value: a declaration puts two brackets around
/// it (`[:T {p: …}]`, `(x {p: …})`), and a statement nests at most [`MAX_NESTING`] deep.
pub const MAX_VALUE_DEPTH: usize = MAX_NESTING - 2;

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

type JsonValue<'a> = jsonc_parser::ast::Value<'a>;
type JsonObject<'a> = jsonc_parser::ast::Object<'a>;

fn span_of(node: &impl Ranged) -> Span {
    let r = node.range();
    Span::new(r.start, r.end)
}

fn json_err(at: &impl Ranged, msg: impl Into<String>) -> LoadError {
    LoadError::new(LoadErrorKind::InvalidJson, span_of(at), msg)
}

/// A string value and where it is.
fn name_of(s: &jsonc_parser::ast::StringLit<'_>) -> Name {
    Name { text: s.value.to_string(), span: span_of(s) }
}

/// Reads a JSON number exactly: an integer that does not fit in 64 bits, or a float out of
/// range, is an error rather than a silently different number.
fn json_number(n: &jsonc_parser::ast::NumberLit<'_>) -> Result<Value, LoadError> {
    let raw = n.value;
    if !raw.contains(['.', 'e', 'E']) {
        return raw.parse::<i64>().map(Value::Int).map_err(|_| {
            json_err(n, format!("integer {raw} does not fit in 64 bits (write it as a string)"))
        });
    }
    match raw.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(Value::Float(x)),
        _ => Err(json_err(
            n,
            format!("number {raw} is out of range (write {{\"$float\": \"Infinity\"}} if that is meant)"),
        )),
    }
}

fn json_value(j: &JsonValue<'_>, depth: usize) -> Result<Value, LoadError> {
    Ok(match j {
        JsonValue::NullKeyword(_) => Value::Null,
        JsonValue::BooleanLit(b) => Value::Bool(b.value),
        JsonValue::NumberLit(n) => json_number(n)?,
        JsonValue::StringLit(s) => Value::String(s.value.to_string()),
        JsonValue::Array(_) | JsonValue::Object(_) if depth >= MAX_VALUE_DEPTH => {
            return Err(json_err(j, format!("value nested more than {MAX_VALUE_DEPTH} deep")));
        }
        JsonValue::Array(a) => {
            Value::List(a.elements.iter().map(|v| json_value(v, depth + 1)).collect::<Result<_, _>>()?)
        }
        JsonValue::Object(o) => {
            if let [prop] = o.properties.as_slice() {
                let key = prop.name.as_str();
                if let Some(want) = tagged_kind(key) {
                    let JsonValue::StringLit(text) = &prop.value else {
                        return Err(json_err(&prop.value, format!("\"{key}\" holds a string")));
                    };
                    let value = parse_value(&text.value)
                        .map_err(|e| json_err(text, format!("{key} {:?}: {}", text.value, e.message)))?;
                    if value_kind(&value) != Some(want) {
                        return Err(json_err(text, format!("{key} {:?} is not {want}", text.value)));
                    }
                    return Ok(value);
                }
            }
            let mut map = std::collections::BTreeMap::new();
            for prop in &o.properties {
                let key = prop.name.as_str().to_string();
                if map.insert(key, json_value(&prop.value, depth + 1)?).is_some() {
                    return Err(json_err(
                        &prop.name,
                        format!("key \"{}\" appears twice", prop.name.as_str()),
                    ));
                }
            }
            Value::Map(map)
        }
    })
}

/// What a one-key `{"$…": "…"}` object must hold.
fn tagged_kind(key: &str) -> Option<&'static str> {
    match key {
        "$uncertain" => Some("an uncertain number (`~100`, `<12`, `>=5`, `65..200`)"),
        "$date" => Some("a date (`@2018-02-07`, `@-4months`)"),
        "$float" => Some("a float (`NaN`, `Infinity`, `-Infinity`)"),
        "$temporal" => Some("a temporal value, as `@` and its literal"),
        _ => None,
    }
}

fn value_kind(v: &Value) -> Option<&'static str> {
    match v {
        Value::Uncertain(_) => tagged_kind("$uncertain"),
        Value::Date(_) => tagged_kind("$date"),
        Value::Float(_) => tagged_kind("$float"),
        Value::Temporal(_) => tagged_kind("$temporal"),
        _ => None,
    }
}

fn object<'b, 'a>(j: &'b JsonValue<'a>, what: &str) -> Result<&'b JsonObject<'a>, LoadError> {
    j.as_object().ok_or_else(|| json_err(j, format!("{what} must be an object")))
}

/// The one value of `key`; a key given twice is an error (which one would win is a guess).
fn get<'b, 'a>(o: &'b JsonObject<'a>, key: &str) -> Result<Option<&'b JsonValue<'a>>, LoadError> {
    let mut found = o.properties.iter().filter(|p| p.name.as_str() == key);
    let first = found.next();
    if let Some(again) = found.next() {
        return Err(json_err(&again.name, format!("key \"{key}\" appears twice")));
    }
    Ok(first.map(|p| &p.value))
}

fn required<'b, 'a>(o: &'b JsonObject<'a>, key: &str, what: &str) -> Result<&'b JsonValue<'a>, LoadError> {
    get(o, key)?.ok_or_else(|| json_err(o, format!("{what} has no \"{key}\"")))
}

fn str_field(o: &JsonObject<'_>, key: &str, what: &str) -> Result<Name, LoadError> {
    match required(o, key, what)? {
        JsonValue::StringLit(s) => Ok(name_of(s)),
        other => Err(json_err(other, format!("{what}'s \"{key}\" is not a string"))),
    }
}

/// An optional string: absent or `null` is `None`, anything but a string an error.
fn opt_str(o: &JsonObject<'_>, key: &str) -> Result<Option<Name>, LoadError> {
    match get(o, key)? {
        None | Some(JsonValue::NullKeyword(_)) => Ok(None),
        Some(JsonValue::StringLit(s)) => Ok(Some(name_of(s))),
        Some(other) => Err(json_err(other, format!("\"{key}\" must be a string or null"))),
    }
}

fn names(o: &JsonObject<'_>, key: &str) -> Result<Option<Vec<Name>>, LoadError> {
    match get(o, key)? {
        None | Some(JsonValue::NullKeyword(_)) => Ok(None),
        Some(JsonValue::Array(a)) => a
            .elements
            .iter()
            .map(|v| match v {
                JsonValue::StringLit(s) => Ok(name_of(s)),
                other => Err(json_err(other, format!("\"{key}\" holds strings only"))),
            })
            .collect::<Result<_, _>>()
            .map(Some),
        Some(other) => Err(json_err(other, format!("\"{key}\" must be an array of strings"))),
    }
}

fn props_from(o: &JsonObject<'_>) -> Result<Vec<Prop>, LoadError> {
    match get(o, "properties")? {
        None | Some(JsonValue::NullKeyword(_)) => Ok(Vec::new()),
        Some(JsonValue::Object(m)) => {
            let mut seen = std::collections::HashSet::new();
            m.properties
                .iter()
                .map(|p| {
                    let key = Name { text: p.name.as_str().to_string(), span: span_of(&p.name) };
                    if !seen.insert(key.text.clone()) {
                        return Err(json_err(&p.name, format!("property \"{}\" appears twice", key.text)));
                    }
                    Ok(Prop { key, value: json_value(&p.value, 0)? })
                })
                .collect()
        }
        Some(other) => Err(json_err(other, "\"properties\" must be an object")),
    }
}

fn array<'b, 'a>(o: &'b JsonObject<'a>, key: &str) -> Result<&'b [JsonValue<'a>], LoadError> {
    match get(o, key)? {
        None => Ok(&[]),
        Some(JsonValue::Array(a)) => Ok(&a.elements),
        Some(other) => Err(json_err(other, format!("\"{key}\" must be an array"))),
    }
}

fn atts_from(j: &[JsonValue<'_>]) -> Result<Vec<AttestationDecl>, LoadError> {
    j.iter()
        .map(|a| {
            let obj = object(a, "an attestation")?;
            let source = match (opt_str(obj, "source")?, opt_str(obj, "user")?) {
                (Some(s), _) => SourceName::Declared(s),
                (None, Some(u)) => SourceName::User(u.text),
                (None, None) => {
                    return Err(json_err(a, "an attestation has neither \"source\" nor \"user\""))
                }
            };
            let status = match opt_str(obj, "status")? {
                Some(s) => Some(Status::parse(&s.text).ok_or_else(|| {
                    LoadError::new(
                        LoadErrorKind::InvalidJson,
                        s.span,
                        format!("unknown status \"{}\"", s.text),
                    )
                })?),
                None => None,
            };
            let date = match opt_str(obj, "date")? {
                Some(d) => match parse_value(&d.text) {
                    Ok(v @ Value::Date(_)) => Some(v),
                    Ok(Value::Temporal(t)) if t.date().is_some() => Some(Value::Temporal(t)),
                    _ => {
                        return Err(LoadError::new(
                            LoadErrorKind::InvalidJson,
                            d.span,
                            format!("invalid date \"{}\"", d.text),
                        ))
                    }
                },
                None => None,
            };
            let quote = match get(obj, "quote")? {
                Some(JsonValue::StringLit(q)) => Some(q),
                None | Some(JsonValue::NullKeyword(_)) => None,
                Some(other) => return Err(json_err(other, "\"quote\" must be a string or null")),
            };
            Ok(AttestationDecl {
                source,
                via: names(obj, "via")?,
                status,
                document: opt_str(obj, "document")?,
                position: opt_str(obj, "position")?.map(|p| p.text),
                date,
                quote: quote.map(|q| q.value.to_string()),
                span: span_of(a),
                quote_span: quote.map(span_of),
            })
        })
        .collect()
}

/// A declaration written as a statement inside a JSON string (denial patterns,
/// constraints, resolutions). Its spans are relative to the string's text: the offset to
/// add is returned with it (exact when the string has no escapes before the error).
fn one_decl(
    s: &jsonc_parser::ast::StringLit<'_>,
    prefix: &str,
) -> Result<(DeclStatement, Span, usize), LoadError> {
    let text = format!("{prefix}{}", s.value);
    let at = |msg: String| json_err(s, msg);
    let mut stmts = parse_script(&text).map_err(|e| at(format!("in {text:?}: {}", e.message)))?;
    let offset = (span_of(s).start + 1).saturating_sub(prefix.len());
    match (stmts.pop(), stmts.is_empty()) {
        (Some(st), true) => match st.statement {
            Statement::Decl(d) => Ok((d, st.span, offset)),
            Statement::Query(_) => Err(at(format!("{text:?} is not a declaration"))),
        },
        _ => Err(at(format!("{text:?} is not one statement"))),
    }
}

fn string_value<'b, 'a>(
    j: &'b JsonValue<'a>,
    what: &str,
) -> Result<&'b jsonc_parser::ast::StringLit<'a>, LoadError> {
    j.as_string_lit().ok_or_else(|| json_err(j, format!("{what} is not a string")))
}

/// Points every name of a pattern at `span`.
fn relocate(p: &mut RelPatternDecl, span: Span) {
    let ends = [&mut p.subject, &mut p.object];
    for end in ends {
        end.span = span;
        end.id.iter_mut().chain(end.labels.iter_mut()).for_each(|n| n.span = span);
    }
    p.claim_id.iter_mut().chain([&mut p.rel_type]).for_each(|n| n.span = span);
    p.props.iter_mut().for_each(|prop| prop.key.span = span);
}

fn id_end(id: Name) -> EndPattern {
    let span = id.span;
    EndPattern { id: Some(id), labels: Vec::new(), span }
}

/// Strict JSON: no comments, trailing commas, single quotes or other JSON5 forms.
fn strict() -> jsonc_parser::ParseOptions {
    jsonc_parser::ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// A declaration read from JSON: the statement, its span, and the offset its inner spans
/// are relative to (0 for all but statements written inside strings, see [`one_decl`]).
pub(crate) type JsonDecl = (DeclStatement, Span, usize);

/// The first control character written raw inside a string: JSON requires them escaped
/// (the reader used here would let them through).
fn raw_control_in_string(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let (mut in_string, mut i) = (false, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'"' => in_string = !in_string,
            b'\\' if in_string => i += 1,
            b if in_string && b < 0x20 => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Reads a JSON export back as declarations.
pub fn decls_from_json(text: &str) -> Result<Vec<JsonDecl>, LoadError> {
    if let Some(at) = raw_control_in_string(text) {
        let c = text.as_bytes()[at];
        return Err(LoadError::new(
            LoadErrorKind::InvalidJson,
            Span::new(at, at + 1),
            format!(
                "invalid JSON: control character U+{c:04X} inside a string (write it escaped, as \\u{c:04x})"
            ),
        ));
    }
    let parsed = jsonc_parser::parse_to_ast(text, &Default::default(), &strict()).map_err(|e| {
        let r = e.range();
        LoadError::new(
            LoadErrorKind::InvalidJson,
            Span::new(r.start, r.end.max(r.start)),
            format!("invalid JSON: {}", e.kind()),
        )
    })?;
    let Some(doc) = parsed.value else {
        return Err(LoadError::new(
            LoadErrorKind::InvalidJson,
            Span::new(0, 0),
            "the file holds no JSON value",
        ));
    };
    let doc = object(&doc, "the document")?;
    match get(doc, "format")? {
        Some(JsonValue::StringLit(f)) if f.value == "claimgraph" => {}
        Some(other) => {
            return Err(json_err(other, "not a claimgraph export (\"format\" is not \"claimgraph\")"))
        }
        None => return Err(json_err(doc, "not a claimgraph export (no \"format\": \"claimgraph\")")),
    }
    match get(doc, "version")? {
        None => {}
        Some(JsonValue::NumberLit(n)) if n.value == FORMAT_VERSION.to_string() => {}
        Some(other) => {
            return Err(json_err(
                other,
                format!("unsupported version (this claimgraph reads version {FORMAT_VERSION})"),
            ))
        }
    }
    let mut out = Vec::new();
    for e in array(doc, "entities")? {
        let obj = object(e, "an entity")?;
        let kind_name = str_field(obj, "kind", "an entity")?;
        let kind = match kind_name.text.as_str() {
            "entity" => EntityKind::Entity,
            "source" => EntityKind::Source,
            "document" => EntityKind::Document,
            other => {
                return Err(LoadError::new(
                    LoadErrorKind::InvalidJson,
                    kind_name.span,
                    format!("unknown entity kind \"{other}\" (entity, source or document)"),
                ))
            }
        };
        let decl = EntityDecl {
            kind,
            id: str_field(obj, "id", "an entity")?,
            labels: names(obj, "labels")?.unwrap_or_default(),
            props: props_from(obj)?,
            via: names(obj, "via")?.unwrap_or_default(),
            speaks_for: names(obj, "speaks_for")?.unwrap_or_default(),
        };
        out.push((DeclStatement::Entity(decl), span_of(e), 0));
    }
    for c in array(doc, "claims")? {
        let obj = object(c, "a claim")?;
        let pattern = RelPatternDecl {
            subject: id_end(str_field(obj, "subject", "a claim")?),
            claim_id: opt_str(obj, "id")?,
            rel_type: str_field(obj, "type", "a claim")?,
            props: props_from(obj)?,
            object: id_end(str_field(obj, "object", "a claim")?),
        };
        let attestations = atts_from(array(obj, "attestations")?)?;
        out.push((DeclStatement::Claim { pattern, attestations }, span_of(c), 0));
    }
    for d in array(doc, "denials")? {
        let obj = object(d, "a denial")?;
        let target_json = required(obj, "target", "a denial")?;
        let target = object(target_json, "a denial's target")?;
        let attestations = atts_from(array(obj, "attestations")?)?;
        match (opt_str(target, "claim")?, get(target, "pattern")?) {
            (Some(c), _) => {
                out.push((DeclStatement::Deny { target: DenyTarget::Claim(c), attestations }, span_of(d), 0))
            }
            (None, Some(p)) => {
                let p = string_value(p, "a denial's pattern")?;
                let (decl, _, _) = one_decl(p, "DENY ")?;
                let DeclStatement::Deny { target: DenyTarget::Class(mut pattern), .. } = decl else {
                    return Err(json_err(p, format!("invalid denial pattern {:?}", p.value)));
                };
                // The attestations are located in the JSON itself: the pattern's names are
                // located at its string as a whole.
                relocate(&mut pattern, span_of(p));
                out.push((
                    DeclStatement::Deny { target: DenyTarget::Class(pattern), attestations },
                    span_of(d),
                    0,
                ));
            }
            (None, None) => {
                return Err(json_err(target_json, "a denial's target has neither \"claim\" nor \"pattern\""))
            }
        }
    }
    for c in array(doc, "constraints")? {
        let obj = object(c, "a constraint")?;
        let statement =
            string_value(required(obj, "statement", "a constraint")?, "a constraint's statement")?;
        out.push(one_decl(statement, "")?);
    }
    // Older exports have no resolutions.
    for r in array(doc, "resolutions")? {
        out.push(one_decl(string_value(r, "a resolution")?, "")?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_at(text: &str) -> (String, String) {
        let e = decls_from_json(text).unwrap_err();
        (text[e.span.start..e.span.end].to_string(), e.message)
    }

    #[test]
    fn errors_point_at_the_offending_value() {
        let doc = |entity: &str| {
            format!("{{\"format\": \"claimgraph\", \"version\": 1,\n \"entities\": [{entity}]}}")
        };
        let cases = [
            (r#"{"id": "a", "kind": "thing"}"#, "\"thing\"", "unknown entity kind"),
            (r#"{"id": 5, "kind": "entity"}"#, "5", "not a string"),
            (r#"{"id": "a", "kind": "entity", "properties": {"p": 1e999}}"#, "1e999", "out of range"),
            (
                r#"{"id": "a", "kind": "entity", "properties": {"p": 100000000000000000000}}"#,
                "100000000000000000000",
                "64 bits",
            ),
            (
                r#"{"id": "a", "kind": "entity", "properties": {"p": {"$uncertain": "[1, 2]"}}}"#,
                "\"[1, 2]\"",
                "not an uncertain",
            ),
            (
                r#"{"id": "a", "kind": "entity", "properties": {"p": {"$date": "~5"}}}"#,
                "\"~5\"",
                "not a date",
            ),
            (r#"{"id": "a", "kind": "entity", "labels": ["L", 3]}"#, "3", "strings only"),
            (r#"{"id": "a", "id": "b", "kind": "entity"}"#, "\"id\"", "appears twice"),
        ];
        for (entity, at, msg) in cases {
            let (found, message) = error_at(&doc(entity));
            assert_eq!(found, at, "{message}");
            assert!(message.contains(msg), "{message}");
        }
        let (found, message) = error_at(r#"{"format": "claimgraph", "version": 99}"#);
        assert_eq!(found, "99", "{message}");
        let (found, message) = error_at("{\"format\": \"claimgraph\",\n \"entities\": [,]}");
        assert_eq!(found, ",", "{message}");
        let (found, message) = error_at("{\"format\": \"claim\tgraph\"}");
        assert_eq!(found, "\t", "{message}");
        assert!(message.contains("control character"), "{message}");
    }

    #[test]
    fn values_nest_as_deep_as_a_statement_can_write_them_and_no_deeper() {
        let nested = |d: usize| format!("{}1{}", "[".repeat(d), "]".repeat(d));
        let doc = |d: usize| {
            format!(
                r#"{{"format": "claimgraph", "entities": [{{"id": "a", "kind": "entity", "properties": {{"p": {}}}}}]}}"#,
                nested(d)
            )
        };
        assert!(decls_from_json(&doc(MAX_VALUE_DEPTH)).is_ok());
        let (found, message) = error_at(&doc(MAX_VALUE_DEPTH + 1));
        assert!(found.starts_with('[') && message.contains("nested"), "{message}");
        // Far past it, the JSON reader's own limit answers, still located.
        let e = decls_from_json(&doc(100_000)).unwrap_err();
        assert!(e.span.start > 0, "{}", e.message);
    }
}
