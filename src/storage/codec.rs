//! How model values are written into the workspace's columns, and read back fast.
//!
//! Properties are a JSON object in the JSON export's encoding (`{"killed": {"$uncertain":
//! "~100"}}`), so `sqlite3` and `json_extract` read them; attestation dates are their
//! literal (`@2018-02-07`). Reading a large workspace decodes millions of these, so the
//! common literals (`~100`, `<12`, `65..200`, `~100..200`, `@2018-02`) are parsed here directly; anything
//! else goes through the language's own value parser, which is the reference (tested).

use std::path::PathBuf;

use serde_json::Value as Json;

use crate::load::json::value_json;
use crate::model::{DateValue, Graph, Number, PartialDate, Props, Uncertain, Value};

/// Properties as a JSON object, in declaration order.
pub(crate) fn props_json(graph: &Graph, props: &Props) -> String {
    if props.is_empty() {
        return "{}".to_string();
    }
    let map: serde_json::Map<String, Json> =
        props.iter().map(|(k, v)| (graph.str(*k).to_string(), value_json(v))).collect();
    Json::Object(map).to_string()
}

/// Reads a properties column back.
#[cfg(test)]
pub(crate) fn props_from_json(graph: &mut Graph, text: &str) -> Result<Props, String> {
    Ok(props_values(text)?.into_iter().map(|(k, v)| (graph.intern(&k), v)).collect())
}

/// Reads a properties column back, keys not yet interned.
pub(crate) fn props_values(text: &str) -> Result<Vec<(String, Value)>, String> {
    if text == "{}" || text.is_empty() {
        return Ok(Vec::new());
    }
    let json: Json = serde_json::from_str(text).map_err(|e| format!("properties are not JSON: {e}"))?;
    let Json::Object(map) = json else { return Err("properties are not a JSON object".into()) };
    map.into_iter().map(|(k, v)| Ok((k, value_from_json(v)?))).collect()
}

fn value_from_json(j: Json) -> Result<Value, String> {
    Ok(match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().ok_or_else(|| format!("number {n} is out of range"))?),
        },
        Json::String(s) => Value::String(s),
        Json::Array(items) => Value::List(items.into_iter().map(value_from_json).collect::<Result<_, _>>()?),
        Json::Object(m) => {
            if m.len() == 1 {
                if let Some((k, Json::String(text))) = m.iter().next() {
                    if matches!(k.as_str(), "$uncertain" | "$date" | "$float" | "$temporal") {
                        return literal(text);
                    }
                }
            }
            Value::Map(
                m.into_iter().map(|(k, v)| Ok((k, value_from_json(v)?))).collect::<Result<_, String>>()?,
            )
        }
    })
}

/// A value literal: the fast path for the usual forms, else the language's parser.
pub(crate) fn literal(text: &str) -> Result<Value, String> {
    if let Some(v) = fast_literal(text) {
        return Ok(v);
    }
    crate::syntax::decl::parse_value(text).map_err(|e| format!("{text:?}: {}", e.message))
}

/// An attestation's date column: a date (with its precision, or relative to the document)
/// or a temporal value such as a date-time.
pub(crate) fn date(text: &str) -> Result<Value, String> {
    match literal(text)? {
        v @ (Value::Date(_) | Value::Temporal(_)) => Ok(v),
        _ => Err(format!("{text:?} is not a date")),
    }
}

fn fast_literal(text: &str) -> Option<Value> {
    if let Some(rest) = text.strip_prefix('@') {
        return fast_date(rest).map(|d| Value::Date(DateValue::Absolute(d)));
    }
    let u = if let Some(n) = text.strip_prefix('~') {
        match n.split_once("..") {
            Some((a, b)) => {
                let (a, b) = ordered(number(a)?, number(b)?)?;
                Uncertain::ApproxBetween(a, b)
            }
            None => Uncertain::Approx(number(n)?),
        }
    } else if let Some(n) = text.strip_prefix("<=") {
        Uncertain::Below { bound: number(n)?, inclusive: true }
    } else if let Some(n) = text.strip_prefix('<') {
        Uncertain::Below { bound: number(n)?, inclusive: false }
    } else if let Some(n) = text.strip_prefix(">=") {
        Uncertain::Above { bound: number(n)?, inclusive: true }
    } else if let Some(n) = text.strip_prefix('>') {
        Uncertain::Above { bound: number(n)?, inclusive: false }
    } else {
        let (a, b) = text.split_once("..")?;
        let (a, b) = ordered(number(a)?, number(b)?)?;
        Uncertain::Between(a, b)
    };
    Some(Value::Uncertain(u))
}

/// The ends of a range that does not run backwards (the parser rejects those, with a
/// message the slow path gives).
fn ordered(a: Number, b: Number) -> Option<(Number, Number)> {
    (a.as_f64() <= b.as_f64()).then_some((a, b))
}

/// Plain digits, optionally with one decimal point and a leading minus: what the printers
/// write for finite numbers. Anything fancier takes the slow path.
fn number(s: &str) -> Option<Number> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || digits.starts_with('.') || digits.ends_with('.') {
        return None;
    }
    if !digits.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    match digits.bytes().filter(|b| *b == b'.').count() {
        0 => s.parse().ok().map(Number::Int),
        // Floats print with enough digits to read back exactly (`{x:?}`).
        1 if digits.len() < 16 => s.parse().ok().map(Number::Float),
        _ => None,
    }
}

fn fast_date(s: &str) -> Option<PartialDate> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(r)?;
        part.iter().all(u8::is_ascii_digit).then(|| part.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let year = i32::try_from(digits(0..4)?).ok()?;
    match b.len() {
        4 => PartialDate::new(year, None, None).ok(),
        7 if b[4] == b'-' => PartialDate::new(year, Some(digits(5..7)?), None).ok(),
        10 if b[4] == b'-' && b[7] == b'-' => {
            PartialDate::new(year, Some(digits(5..7)?), Some(digits(8..10)?)).ok()
        }
        _ => None,
    }
}

/// A list of entity keys (`[3,17]`), or nothing for an empty list.
pub(crate) fn keys_json(keys: impl Iterator<Item = usize>) -> Option<String> {
    let keys: Vec<usize> = keys.collect();
    (!keys.is_empty()).then(|| serde_json::to_string(&keys).unwrap_or_default())
}

pub(crate) fn keys_from_json(text: Option<&str>) -> Result<Vec<usize>, String> {
    match text {
        None | Some("") | Some("[]") => Ok(Vec::new()),
        Some(t) => serde_json::from_str(t).map_err(|e| format!("{t:?} is not a list of keys: {e}")),
    }
}

/// A path column read back.
pub(crate) fn path_from_column(v: rusqlite::types::ValueRef<'_>) -> Result<PathBuf, String> {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Text(b) => Ok(PathBuf::from(std::str::from_utf8(b).map_err(|e| format!("path: {e}"))?)),
        #[cfg(unix)]
        ValueRef::Blob(b) => {
            Ok(PathBuf::from(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b)))
        }
        _ => Err("a path that is neither text nor bytes".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path reads every literal exactly as the language's parser does.
    #[test]
    fn fast_literals_agree_with_the_parser() {
        for text in [
            "~100",
            "~100.5",
            "<12",
            "<=12",
            ">100",
            ">=100",
            "65..200",
            "-5..5",
            "~-3",
            "~0.1",
            "@2018",
            "@2018-02",
            "@2018-02-07",
            "@2016-02-29",
            "~1e5",
            "@2018-13",
            "@2017-02-29",
            "@-4months",
            "~1.0",
            ">=0.30000000000000004",
            "1..2.5",
            "~9223372036854775807",
            "~100..200",
            "~-5..5",
            "~1.5..2.5",
            "~100..100",
            "~200..100",
            "200..65",
            "~100..",
            "~..200",
            "~100..200..300",
            "~~100",
        ] {
            let slow = crate::syntax::decl::parse_value(text).map_err(|e| e.message);
            let fast = fast_literal(text);
            match (&slow, fast) {
                (Ok(s), Some(f)) => assert_eq!(s, &f, "{text}"),
                (Err(_), Some(f)) => panic!("{text}: the parser rejects it, the fast path reads {f:?}"),
                (_, None) => {}
            }
            assert_eq!(literal(text).ok(), slow.ok(), "{text}");
        }
        // The forms a large workspace is full of never take the slow path.
        for text in ["~100", "<12", ">=100", "65..200", "~100..200", "@2018-02-07"] {
            assert!(fast_literal(text).is_some(), "{text} takes the slow path");
        }
    }

    #[test]
    fn properties_round_trip() {
        let mut g = Graph::new();
        let k = g.intern("killed");
        let d = g.intern("when");
        let n = g.intern("note");
        let props = vec![
            (k, literal("~100").expect("literal")),
            (d, literal("@2018-02").expect("literal")),
            (n, Value::List(vec![Value::String("a".into()), Value::Float(f64::NAN)])),
        ];
        let text = props_json(&g, &props);
        assert_eq!(props_from_json(&mut g, &text).expect("reads"), props);
    }
}
