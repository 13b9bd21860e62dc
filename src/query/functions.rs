//! Scalar functions, looked up by case-insensitive name.
//!
//! This module owns the catalogue of scalar functions ([`signature`], for the semantic
//! checker: is the name known, how many arguments) and their evaluation ([`call`]). It
//! covers openCypher's scalar, list, string, numeric and graph functions, and our
//! provenance extensions: `sources`, `attestations`, `status`, `quotes`, `corroboration`,
//! `name`, `key` (documented in `docs/query-functions.md`).
//!
//! Errors follow the TCK: an argument of the wrong type at runtime is `TypeError` /
//! `InvalidArgumentValue`; `range` reports `ArgumentError` (`InvalidArgumentType`,
//! `NumberOutOfRange`); a wrong argument count is the compile-time `SyntaxError` /
//! `InvalidNumberOfArguments` and an unknown name `SyntaxError` / `UnknownFunction`
//! (raised by `call` too, in case the checker let one through). Aggregating functions
//! (`count`, `collect`, ...) live in [`super::aggregate`], not here.

use std::cell::Cell;
use std::collections::HashSet;

use super::budget;
use super::error::{argument_error, syntax_error, type_error, ErrorDetail, EvalResult, QueryError};
use super::ops;
use super::temporal_functions;
use super::value::{attestation_value, claim_id_number, entity_id_number, entity_labels, source_name, Value};
use crate::model::value::write_float;
use crate::model::{DateValue, Graph, Status};

/// Name (as openCypher spells it; calls match it in any case) and the accepted number of
/// arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Signature {
    pub(crate) name: &'static str,
    pub(crate) min_args: usize,
    pub(crate) max_args: usize,
}

const fn sig(name: &'static str, min_args: usize, max_args: usize) -> Signature {
    Signature { name, min_args, max_args }
}

/// Every scalar function. `usize::MAX` means "any number".
const FUNCTIONS: &[Signature] = &[
    // Graph elements.
    sig("id", 1, 1),
    sig("labels", 1, 1),
    sig("type", 1, 1),
    sig("properties", 1, 1),
    sig("keys", 1, 1),
    sig("startNode", 1, 1),
    sig("endNode", 1, 1),
    sig("nodes", 1, 1),
    sig("relationships", 1, 1),
    sig("length", 1, 1),
    sig("exists", 1, 1),
    // Lists and general.
    sig("size", 1, 1),
    sig("coalesce", 1, usize::MAX),
    sig("head", 1, 1),
    sig("last", 1, 1),
    sig("tail", 1, 1),
    sig("range", 2, 3),
    sig("reverse", 1, 1),
    // Conversion.
    sig("toString", 1, 1),
    sig("toStringOrNull", 1, 1),
    sig("toInteger", 1, 1),
    sig("toIntegerOrNull", 1, 1),
    sig("toFloat", 1, 1),
    sig("toFloatOrNull", 1, 1),
    sig("toBoolean", 1, 1),
    sig("toBooleanOrNull", 1, 1),
    // Numbers.
    sig("abs", 1, 1),
    sig("sign", 1, 1),
    sig("round", 1, 3),
    sig("floor", 1, 1),
    sig("ceil", 1, 1),
    sig("sqrt", 1, 1),
    sig("exp", 1, 1),
    sig("log", 1, 1),
    sig("log10", 1, 1),
    sig("sin", 1, 1),
    sig("cos", 1, 1),
    sig("tan", 1, 1),
    sig("cot", 1, 1),
    sig("asin", 1, 1),
    sig("acos", 1, 1),
    sig("atan", 1, 1),
    sig("atan2", 2, 2),
    sig("degrees", 1, 1),
    sig("radians", 1, 1),
    sig("haversin", 1, 1),
    sig("pi", 0, 0),
    sig("e", 0, 0),
    sig("rand", 0, 0),
    // Strings.
    sig("toUpper", 1, 1),
    sig("toLower", 1, 1),
    sig("trim", 1, 1),
    sig("ltrim", 1, 1),
    sig("rtrim", 1, 1),
    sig("replace", 3, 3),
    sig("substring", 2, 3),
    sig("left", 2, 2),
    sig("right", 2, 2),
    sig("split", 2, 2),
    // Provenance (implementation extensions).
    sig("sources", 1, 1),
    sig("attestations", 1, 1),
    sig("denials", 1, 1),
    sig("status", 1, 1),
    sig("quotes", 1, 1),
    sig("corroboration", 1, 1),
    sig("name", 1, 1),
    sig("key", 1, 1),
];

/// The signature of a scalar function (the temporal ones included), if `name` (any case)
/// is one.
pub(crate) fn signature(name: &str) -> Option<Signature> {
    FUNCTIONS.iter().copied().find(|s| s.name.eq_ignore_ascii_case(name)).or_else(|| {
        let (name, min_args, max_args) =
            *temporal_functions::FUNCTIONS.iter().find(|(n, ..)| n.eq_ignore_ascii_case(name))?;
        Some(Signature { name, min_args, max_args })
    })
}

/// All scalar function names, for the shell's completion.
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.iter().map(|s| s.name).chain(temporal_functions::FUNCTIONS.iter().map(|(n, ..)| *n))
}

/// Checks a call's argument count; the semantic checker calls this at compile time.
pub(crate) fn check_arity(name: &str, nargs: usize) -> Result<Signature, QueryError> {
    let sig = signature(name)
        .ok_or_else(|| syntax_error(ErrorDetail::UnknownFunction, format!("unknown function '{name}'")))?;
    if nargs < sig.min_args || nargs > sig.max_args {
        let expected = match (sig.min_args, sig.max_args) {
            (a, b) if a == b => format!("{a}"),
            (a, usize::MAX) => format!("at least {a}"),
            (a, b) => format!("{a} to {b}"),
        };
        return Err(syntax_error(
            ErrorDetail::InvalidNumberOfArguments,
            format!("{name}() takes {expected} argument(s), got {nargs}"),
        ));
    }
    Ok(sig)
}

fn bad_arg(func: &str, v: &Value) -> QueryError {
    type_error(ErrorDetail::InvalidArgumentValue, format!("{func}() cannot take a {} ({v})", v.type_name()))
}

/// Evaluates scalar function `name` on already evaluated `args`.
pub(crate) fn call(graph: &Graph, name: &str, args: &[Value]) -> EvalResult<Value> {
    let sig = check_arity(name, args.len())?;
    let arg = |i: usize| args.get(i).unwrap_or(&Value::Null);
    let a = arg(0);
    let f = sig.name;
    // Functions of one argument return null for a null argument (except the few that
    // say otherwise: coalesce, exists).
    let null_in = a.is_null() && !matches!(f, "coalesce" | "exists" | "pi" | "e" | "rand");
    if null_in {
        return Ok(Value::Null);
    }
    match f {
        "id" => match a {
            Value::Node(ix) => Ok(Value::Int(entity_id_number(*ix))),
            Value::Relationship(ix) => Ok(Value::Int(claim_id_number(*ix))),
            _ => Err(bad_arg(f, a)),
        },
        "labels" => match a {
            Value::Node(ix) => {
                Ok(Value::List(entity_labels(graph, *ix).into_iter().map(Value::from).collect()))
            }
            _ => Err(bad_arg(f, a)),
        },
        "type" => match a {
            Value::Relationship(ix) => {
                Ok(graph.claim(*ix).map_or(Value::Null, |c| Value::from(graph.str(c.rel_type))))
            }
            _ => Err(bad_arg(f, a)),
        },
        "properties" => ops::properties_of(graph, a).map(Value::Map).ok_or_else(|| bad_arg(f, a)),
        "keys" => ops::properties_of(graph, a)
            .map(|m| Value::List(m.into_keys().map(Value::from).collect()))
            .ok_or_else(|| bad_arg(f, a)),
        "startNode" | "endNode" => match a {
            Value::Relationship(ix) => Ok(graph
                .endpoints(*ix)
                .map_or(Value::Null, |(s, e)| Value::Node(if f == "startNode" { s } else { e }))),
            _ => Err(bad_arg(f, a)),
        },
        "nodes" => match a {
            Value::Path { nodes, .. } => Ok(Value::List(nodes.iter().map(|n| Value::Node(*n)).collect())),
            _ => Err(bad_arg(f, a)),
        },
        "relationships" => match a {
            Value::Path { rels, .. } => {
                Ok(Value::List(rels.iter().map(|r| Value::Relationship(*r)).collect()))
            }
            _ => Err(bad_arg(f, a)),
        },
        "length" => match a {
            Value::Path { rels, .. } => Ok(len_value(rels.len())),
            _ => Err(bad_arg(f, a)),
        },
        "exists" => Ok(Value::Bool(!a.is_null())),
        "size" => match a {
            Value::List(items) => Ok(len_value(items.len())),
            Value::String(s) => Ok(len_value(s.chars().count())),
            _ => Err(bad_arg(f, a)),
        },
        "coalesce" => Ok(args.iter().find(|v| !v.is_null()).cloned().unwrap_or(Value::Null)),
        "head" => match a {
            Value::List(items) => Ok(items.first().cloned().unwrap_or(Value::Null)),
            _ => Err(bad_arg(f, a)),
        },
        "last" => match a {
            Value::List(items) => Ok(items.last().cloned().unwrap_or(Value::Null)),
            _ => Err(bad_arg(f, a)),
        },
        "tail" => match a {
            Value::List(items) => Ok(Value::List(items.iter().skip(1).cloned().collect())),
            _ => Err(bad_arg(f, a)),
        },
        "range" => range(a, arg(1), args.get(2)),
        "reverse" => match a {
            Value::List(items) => Ok(Value::List(items.iter().rev().cloned().collect())),
            Value::String(s) => Ok(Value::from(s.chars().rev().collect::<String>())),
            _ => Err(bad_arg(f, a)),
        },
        "toString" => to_string(a).ok_or_else(|| bad_arg(f, a)),
        "toStringOrNull" => Ok(to_string(a).unwrap_or(Value::Null)),
        "toInteger" => to_integer(a).ok_or_else(|| bad_arg(f, a)),
        "toIntegerOrNull" => Ok(to_integer(a).unwrap_or(Value::Null)),
        "toFloat" => to_float(a).ok_or_else(|| bad_arg(f, a)),
        "toFloatOrNull" => Ok(to_float(a).unwrap_or(Value::Null)),
        "toBoolean" => to_boolean(a).ok_or_else(|| bad_arg(f, a)),
        "toBooleanOrNull" => Ok(to_boolean(a).unwrap_or(Value::Null)),
        "abs" => match a {
            Value::Int(i) => i.checked_abs().map(Value::Int).ok_or_else(|| {
                super::error::arithmetic_error(
                    ErrorDetail::IntegerOverflow,
                    format!("integer overflow in abs({i})"),
                )
            }),
            Value::Float(x) => Ok(Value::Float(x.abs())),
            _ => Err(bad_arg(f, a)),
        },
        "sign" => match a {
            Value::Int(i) => Ok(Value::Int(i.signum())),
            Value::Float(x) if x.is_nan() => Ok(Value::Float(f64::NAN)),
            Value::Float(x) => Ok(Value::Int(if *x > 0.0 {
                1
            } else if *x < 0.0 {
                -1
            } else {
                0
            })),
            _ => Err(bad_arg(f, a)),
        },
        "round" => round(a, args.get(1), args.get(2)),
        "pi" => Ok(Value::Float(std::f64::consts::PI)),
        "e" => Ok(Value::Float(std::f64::consts::E)),
        "rand" => Ok(Value::Float(rand_f64())),
        "atan2" => {
            let b = arg(1);
            if b.is_null() {
                return Ok(Value::Null);
            }
            let (y, x) = (number(f, a)?, number(f, b)?);
            Ok(Value::Float(y.atan2(x)))
        }
        "floor" | "ceil" | "sqrt" | "exp" | "log" | "log10" | "sin" | "cos" | "tan" | "cot" | "asin"
        | "acos" | "atan" | "degrees" | "radians" | "haversin" => {
            let x = number(f, a)?;
            Ok(Value::Float(match f {
                "floor" => x.floor(),
                "ceil" => x.ceil(),
                "sqrt" => x.sqrt(),
                "exp" => x.exp(),
                "log" => x.ln(),
                "log10" => x.log10(),
                "sin" => x.sin(),
                "cos" => x.cos(),
                "tan" => x.tan(),
                "cot" => 1.0 / x.tan(),
                "asin" => x.asin(),
                "acos" => x.acos(),
                "atan" => x.atan(),
                "degrees" => x.to_degrees(),
                "radians" => x.to_radians(),
                _ => (1.0 - x.cos()) / 2.0,
            }))
        }
        "toUpper" => Ok(Value::from(string(f, a)?.to_uppercase())),
        "toLower" => Ok(Value::from(string(f, a)?.to_lowercase())),
        "trim" => Ok(Value::from(string(f, a)?.trim())),
        "ltrim" => Ok(Value::from(string(f, a)?.trim_start())),
        "rtrim" => Ok(Value::from(string(f, a)?.trim_end())),
        "replace" => {
            let (search, repl) = (arg(1), arg(2));
            if search.is_null() || repl.is_null() {
                return Ok(Value::Null);
            }
            let (s, search, repl) = (string(f, a)?, string(f, search)?, string(f, repl)?);
            if repl.len() > search.len() {
                // Each match grows the text: ask the budget for the result first.
                let matches =
                    if search.is_empty() { s.chars().count() + 1 } else { s.matches(search).count() };
                let grown = (matches as u64).saturating_mul((repl.len() - search.len()) as u64);
                budget::reserve(grown.saturating_add(s.len() as u64), "replace()")?;
            }
            Ok(Value::from(s.replace(search, repl)))
        }
        "substring" => substring(a, arg(1), args.get(2)),
        "left" | "right" => {
            let n = arg(1);
            if n.is_null() {
                return Ok(Value::Null);
            }
            let s = string(f, a)?;
            let n = non_negative(f, n)?;
            // Slice at a character boundary: copying the characters out first would take 4
            // bytes per character, more than the string itself and unasked of the budget.
            let part = if f == "left" {
                s.char_indices().nth(n).map_or(s, |(at, _)| &s[..at])
            } else {
                s.char_indices()
                    .nth_back(n.saturating_sub(1))
                    .map_or(s, |(at, _)| if n == 0 { "" } else { &s[at..] })
            };
            Ok(Value::from(part))
        }
        "split" => {
            let d = arg(1);
            if d.is_null() {
                return Ok(Value::Null);
            }
            let (s, d) = (string(f, a)?, string(f, d)?);
            let pieces = if d.is_empty() { s.chars().count() } else { s.matches(d).count() + 1 };
            // A list of short strings takes far more than the text it was split from.
            budget::reserve(ops::list_bytes(pieces).saturating_mul(2), "split()")?;
            let parts: Vec<Value> = if d.is_empty() {
                s.chars().map(|c| Value::from(c.to_string())).collect()
            } else {
                s.split(d).map(Value::from).collect()
            };
            Ok(Value::List(parts))
        }
        "sources" => with_claim(graph, f, a, |c| {
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            for att in &c.attestations {
                if seen.insert(att.source) {
                    out.push(Value::from(source_name(graph, att.source)));
                }
            }
            Value::List(out)
        }),
        "attestations" => with_claim(graph, f, a, |c| {
            Value::List(c.attestations.iter().map(|x| attestation_value(graph, x)).collect())
        }),
        "denials" => match a {
            Value::Relationship(ix) => Ok(Value::List(crate::query::value::claim_denials(graph, *ix))),
            _ => Err(bad_arg(f, a)),
        },
        "status" => with_claim(graph, f, a, |c| {
            c.attestations
                .iter()
                .map(|x| x.status)
                .max_by_key(|s| status_strength(*s))
                .map_or(Value::Null, |s| Value::from(s.as_str()))
        }),
        "quotes" => with_claim(graph, f, a, |c| {
            Value::List(c.attestations.iter().filter_map(|x| x.quote.as_deref()).map(Value::from).collect())
        }),
        "corroboration" => match a {
            Value::Relationship(ix) => Ok(Value::Int(corroboration(graph, *ix))),
            _ => Err(bad_arg(f, a)),
        },
        "name" => match a {
            Value::Node(ix) if graph.entity(*ix).is_some() => Ok(Value::from(graph.display_name(*ix))),
            Value::Node(_) => Ok(Value::Null),
            _ => Err(bad_arg(f, a)),
        },
        "key" => match a {
            Value::Node(ix) if graph.entity(*ix).is_some() => Ok(Value::from(graph.entity_id(*ix))),
            Value::Node(_) => Ok(Value::Null),
            Value::Relationship(ix) => {
                Ok(graph.claim(*ix).and_then(|c| c.id).map_or(Value::Null, |s| Value::from(graph.str(s))))
            }
            _ => Err(bad_arg(f, a)),
        },
        // The catalogue and this match are kept in step by the `every_function_is_implemented`
        // test; reaching here would be a bug, reported rather than panicking.
        other => {
            Err(syntax_error(ErrorDetail::UnknownFunction, format!("function '{other}' is not implemented")))
        }
    }
}

fn len_value(n: usize) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

fn number(func: &str, v: &Value) -> EvalResult<f64> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Float(x) => Ok(*x),
        Value::Uncertain(u) => Ok(u.central()),
        _ => Err(bad_arg(func, v)),
    }
}

fn string<'a>(func: &str, v: &'a Value) -> EvalResult<&'a str> {
    v.as_str().ok_or_else(|| bad_arg(func, v))
}

fn non_negative(func: &str, v: &Value) -> EvalResult<usize> {
    match v {
        Value::Int(i) if *i >= 0 => Ok(usize::try_from(*i).unwrap_or(usize::MAX)),
        Value::Int(i) => Err(argument_error(
            ErrorDetail::NumberOutOfRange,
            format!("{func}() needs a non-negative length, got {i}"),
        )),
        other => Err(bad_arg(func, other)),
    }
}

fn with_claim(
    graph: &Graph,
    func: &str,
    v: &Value,
    f: impl FnOnce(&crate::model::Claim) -> Value,
) -> EvalResult<Value> {
    match v {
        Value::Relationship(ix) => Ok(graph.claim(*ix).map_or(Value::Null, f)),
        other => Err(bad_arg(func, other)),
    }
}

/// The largest list `range` builds: a typo such as `range(0, 1e12)` should fail, not
/// exhaust memory.
// A list is built whole and every row it unwinds to is materialised, so the cap keeps one
// call from taking gigabytes (10M integers unwound cost about 2 GB).
const RANGE_LIMIT: i128 = 10_000_000;

fn range(start: &Value, end: &Value, step: Option<&Value>) -> EvalResult<Value> {
    let int = |v: &Value| match v {
        Value::Int(i) => Ok(Some(*i)),
        Value::Null => Ok(None),
        other => Err(argument_error(
            ErrorDetail::InvalidArgumentType,
            format!("range() takes integers, got {} ({other})", other.type_name()),
        )),
    };
    let (Some(s), Some(e)) = (int(start)?, int(end)?) else {
        return Ok(Value::Null);
    };
    let st = match step {
        None => 1,
        Some(v) => match int(v)? {
            Some(st) => st,
            None => return Ok(Value::Null),
        },
    };
    if st == 0 {
        return Err(argument_error(ErrorDetail::NumberOutOfRange, "range() step must not be 0"));
    }
    let (s, e, st) = (i128::from(s), i128::from(e), i128::from(st));
    let count = if (st > 0 && s > e) || (st < 0 && s < e) { 0 } else { (e - s) / st + 1 };
    if count > RANGE_LIMIT {
        return Err(argument_error(
            ErrorDetail::NumberOutOfRange,
            format!("range() would build {count} elements; the limit is {RANGE_LIMIT}"),
        ));
    }
    budget::reserve(ops::list_bytes(count as usize), "range()")?;
    // Every element lies between start and end, so it fits in i64.
    Ok(Value::List((0..count).map(|k| Value::Int((s + k * st) as i64)).collect()))
}

/// `None` means "wrong type" (an error, or null for the `OrNull` variant).
fn to_string(v: &Value) -> Option<Value> {
    Some(match v {
        Value::Null => Value::Null,
        Value::String(_) => v.clone(),
        Value::Int(i) => Value::from(i.to_string()),
        Value::Float(x) => {
            let mut s = String::new();
            write_float(&mut s, *x).ok()?;
            Value::from(s)
        }
        Value::Bool(b) => Value::from(b.to_string()),
        Value::Uncertain(u) => Value::from(u.to_string()),
        // ISO form, without the literal's `@`.
        Value::Date(DateValue::Absolute(d)) => Value::from(d.to_string()),
        Value::Date(d) => Value::from(d.to_string().trim_start_matches('@')),
        Value::Temporal(t) => Value::from(t.to_string()),
        _ => return None,
    })
}

/// `toInteger`: floats truncate toward zero; strings parse as integers or, failing that,
/// as floats that truncate; unparsable strings and out-of-range floats give null.
fn to_integer(v: &Value) -> Option<Value> {
    fn from_float(x: f64) -> Value {
        const TWO_63: f64 = 9_223_372_036_854_775_808.0;
        let t = x.trunc();
        if t.is_finite() && (-TWO_63..TWO_63).contains(&t) {
            Value::Int(t as i64)
        } else {
            Value::Null
        }
    }
    Some(match v {
        Value::Null => Value::Null,
        Value::Int(_) => v.clone(),
        Value::Float(x) => from_float(*x),
        Value::Bool(b) => Value::Int(i64::from(*b)),
        Value::Uncertain(u) => from_float(u.central()),
        Value::String(s) => match s.parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => parse_float(s).map_or(Value::Null, from_float),
        },
        _ => return None,
    })
}

/// Rust also parses `inf` and `nan`; Cypher follows Java, which spells them `Infinity` and
/// `NaN`, so only those spellings (plus ordinary numbers) are accepted.
fn parse_float(s: &str) -> Option<f64> {
    let body = s.trim_start_matches(['+', '-']);
    if body.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && body != "Infinity" && body != "NaN" {
        return None;
    }
    let normalized = s.replace("Infinity", "inf");
    normalized.parse::<f64>().ok()
}

fn to_float(v: &Value) -> Option<Value> {
    Some(match v {
        Value::Null => Value::Null,
        Value::Float(_) => v.clone(),
        Value::Int(i) => Value::Float(*i as f64),
        Value::Uncertain(u) => Value::Float(u.central()),
        Value::String(s) => parse_float(s).map_or(Value::Null, Value::Float),
        _ => return None,
    })
}

fn to_boolean(v: &Value) -> Option<Value> {
    Some(match v {
        Value::Null => Value::Null,
        Value::Bool(_) => v.clone(),
        Value::Int(i) => Value::Bool(*i != 0),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::Null,
        },
        _ => return None,
    })
}

/// `round(x)` rounds half up (toward positive infinity, as Java's `Math.round` and Neo4j
/// do); `round(x, precision)` rounds half away from zero at that many decimals;
/// `round(x, precision, mode)` takes a mode: UP, DOWN, CEILING, FLOOR, HALF_UP,
/// HALF_DOWN, HALF_EVEN. The result is a float.
fn round(x: &Value, precision: Option<&Value>, mode: Option<&Value>) -> EvalResult<Value> {
    if precision.is_some_and(Value::is_null) || mode.is_some_and(Value::is_null) {
        return Ok(Value::Null);
    }
    let v = number("round", x)?;
    let Some(p) = precision else {
        return Ok(Value::Float((v + 0.5).floor()));
    };
    let p = match p {
        Value::Int(p) => *p,
        other => return Err(bad_arg("round", other)),
    };
    let mode = match mode {
        None => "HALF_UP".to_string(),
        Some(m) => string("round", m)?.to_ascii_uppercase(),
    };
    if !v.is_finite() {
        return Ok(Value::Float(v));
    }
    let scale = 10f64.powi(i32::try_from(p.clamp(-300, 300)).unwrap_or(0));
    let y = v * scale;
    let (fl, ce) = (y.floor(), y.ceil());
    let frac = y - fl;
    let away = if y >= 0.0 { ce } else { fl };
    let toward = if y >= 0.0 { fl } else { ce };
    let r = match mode.as_str() {
        "UP" => away,
        "DOWN" => toward,
        "CEILING" => ce,
        "FLOOR" => fl,
        "HALF_UP" | "HALF_DOWN" | "HALF_EVEN" => {
            if (frac - 0.5).abs() > f64::EPSILON * y.abs().max(1.0) {
                y.round()
            } else {
                match mode.as_str() {
                    "HALF_UP" => away,
                    "HALF_DOWN" => toward,
                    _ if fl.rem_euclid(2.0) == 0.0 => fl,
                    _ => ce,
                }
            }
        }
        _ => {
            return Err(argument_error(ErrorDetail::InvalidArgumentValue,
                format!("round() mode must be one of UP, DOWN, CEILING, FLOOR, HALF_UP, HALF_DOWN, HALF_EVEN, got '{mode}'"),
            ))
        }
    };
    Ok(Value::Float(r / scale))
}

fn substring(s: &Value, start: &Value, len: Option<&Value>) -> EvalResult<Value> {
    if start.is_null() || len.is_some_and(Value::is_null) {
        return Ok(Value::Null);
    }
    let chars: Vec<char> = string("substring", s)?.chars().collect();
    let start = non_negative("substring", start)?.min(chars.len());
    let end = match len {
        None => chars.len(),
        Some(l) => start.saturating_add(non_negative("substring", l)?).min(chars.len()),
    };
    Ok(Value::from(chars[start..end].iter().collect::<String>()))
}

thread_local! {
    static RAND_STATE: Cell<u64> = const { Cell::new(0) };
}

/// A uniform float in [0, 1) from xorshift64*, seeded from the clock: `rand()` needs no
/// cryptographic quality, and this avoids a dependency.
fn rand_f64() -> f64 {
    RAND_STATE.with(|state| {
        let mut x = state.get();
        if x == 0 {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0x9E37_79B9_7F4A_7C15, |d| d.as_nanos() as u64);
            x = nanos | 1;
        }
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state.set(x);
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    })
}

// ---- provenance ---------------------------------------------------------------------------

/// How strongly a status commits the source, for `status(r)`:
/// asserted > reported > believed > alleged > unconfirmed > denied.
pub(crate) fn status_strength(s: Status) -> u8 {
    match s {
        Status::Asserted => 5,
        Status::Reported => 4,
        Status::Believed => 3,
        Status::Alleged => 2,
        Status::Unconfirmed => 1,
        Status::Denied => 0,
    }
}

/// The number of independent primary sources behind a claim.
///
/// Only attestations that support the claim count (status other than `denied`). Two
/// attestations depend on each other when they come from the same source, or when one's
/// source appears in the other's chain of relays — its attestation's `via`, or, for a
/// source entity, the source's own default `via`. (`doctor VIA reuters` and `reuters`
/// itself: Reuters is only repeating the doctor, so they count once.) Dependence is
/// transitive; the result is the number of groups. Two different primary sources relayed
/// by the same outlet remain two primary sources.
pub(crate) fn corroboration(graph: &Graph, ix: crate::model::ClaimIx) -> i64 {
    // One definition of independence for queries and the contradiction engine alike.
    crate::model::corroboration::independent_sources(graph, ix).len() as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    use crate::model::{Attestation, Number, SourceRef, Uncertain};
    use crate::query::value::tests::{f, i, l, s, sample_graph, N};

    fn run(g: &Graph, name: &str, args: Vec<Value>) -> EvalResult<Value> {
        call(g, name, &args)
    }

    #[test]
    fn every_function_is_implemented() {
        let (g, _, _) = sample_graph();
        for sig in FUNCTIONS {
            let args = vec![Value::Int(1); sig.min_args];
            if let Err(e) = call(&g, sig.name, &args) {
                assert_ne!(e.detail.as_str(), "UnknownFunction", "{}", sig.name);
            }
        }
    }

    #[test]
    fn scalar_functions() {
        let (g, nodes, c) = sample_graph();
        let path = Value::Path { nodes: vec![nodes[2], nodes[3]], rels: vec![c] };
        let cases: Vec<(&str, Vec<Value>, Value)> = vec![
            ("id", vec![Value::Node(nodes[1])], i(nodes[1].index() as i64)),
            ("ID", vec![N], N),
            ("labels", vec![Value::Node(nodes[2])], l(vec![s("Organization")])),
            ("type", vec![Value::Relationship(c)], s("FOUGHT_IN")),
            ("startNode", vec![Value::Relationship(c)], Value::Node(nodes[2])),
            ("endNode", vec![Value::Relationship(c)], Value::Node(nodes[3])),
            ("keys", vec![Value::Node(nodes[2])], l(vec![s("name")])),
            ("length", vec![path.clone()], i(1)),
            ("nodes", vec![path.clone()], l(vec![Value::Node(nodes[2]), Value::Node(nodes[3])])),
            ("relationships", vec![path], l(vec![Value::Relationship(c)])),
            ("size", vec![l(vec![i(1), N])], i(2)),
            ("size", vec![s("héllo")], i(5)),
            ("size", vec![N], N),
            ("coalesce", vec![N, N, i(3), i(4)], i(3)),
            ("coalesce", vec![N], N),
            ("head", vec![l(vec![i(1), i(2)])], i(1)),
            ("head", vec![l(vec![])], N),
            ("last", vec![l(vec![i(1), i(2)])], i(2)),
            ("tail", vec![l(vec![i(1), i(2), i(3)])], l(vec![i(2), i(3)])),
            ("tail", vec![l(vec![])], l(vec![])),
            ("reverse", vec![s("raksO")], s("Oskar")),
            ("reverse", vec![l(vec![i(1), i(2)])], l(vec![i(2), i(1)])),
            ("exists", vec![N], Value::Bool(false)),
            ("exists", vec![i(0)], Value::Bool(true)),
            ("range", vec![i(0), i(3)], l(vec![i(0), i(1), i(2), i(3)])),
            ("range", vec![i(1381), i(-3412), i(-1298)], l(vec![i(1381), i(83), i(-1215), i(-2513)])),
            ("range", vec![i(0), i(-123)], l(vec![])),
            ("range", vec![i(0), i(1), i(-1)], l(vec![])),
            ("range", vec![i(i64::MAX - 1), i(i64::MAX)], l(vec![i(i64::MAX - 1), i(i64::MAX)])),
            ("toString", vec![i(42)], s("42")),
            ("toString", vec![f(2.3)], s("2.3")),
            ("toString", vec![f(1.0)], s("1.0")),
            ("toString", vec![Value::Bool(true)], s("true")),
            ("toString", vec![s("x")], s("x")),
            ("toString", vec![Value::Uncertain(Uncertain::Approx(Number::Int(100)))], s("~100")),
            ("toStringOrNull", vec![l(vec![])], N),
            ("toInteger", vec![f(82.9)], i(82)),
            ("toInteger", vec![f(-82.9)], i(-82)),
            ("toInteger", vec![s("42")], i(42)),
            ("toInteger", vec![s("42.9")], i(42)),
            ("toInteger", vec![s("foo")], N),
            ("toInteger", vec![s("")], N),
            ("toInteger", vec![f(1e300)], N),
            ("toInteger", vec![Value::Bool(true)], i(1)),
            ("toIntegerOrNull", vec![l(vec![])], N),
            ("toFloat", vec![i(3)], f(3.0)),
            ("toFloat", vec![s("3.4")], f(3.4)),
            ("toFloat", vec![s("foo")], N),
            ("toFloat", vec![s("inf")], N),
            ("toFloatOrNull", vec![Value::Bool(true)], N),
            ("toBoolean", vec![s("true")], Value::Bool(true)),
            ("toBoolean", vec![s("FALSE")], Value::Bool(false)),
            ("toBoolean", vec![s("yes")], N),
            ("toBoolean", vec![i(0)], Value::Bool(false)),
            ("toBooleanOrNull", vec![f(1.0)], N),
            ("abs", vec![i(-1)], i(1)),
            ("abs", vec![f(-1.5)], f(1.5)),
            ("sign", vec![f(-0.5)], i(-1)),
            ("sign", vec![i(0)], i(0)),
            ("round", vec![f(2.5)], f(3.0)),
            ("round", vec![f(-2.5)], f(-2.0)),
            ("round", vec![f(1.23456), i(2)], f(1.23)),
            ("round", vec![f(-2.5), i(0)], f(-3.0)),
            ("round", vec![f(2.5), i(0), s("HALF_EVEN")], f(2.0)),
            ("round", vec![f(3.5), i(0), s("half_even")], f(4.0)),
            ("round", vec![f(2.5), i(0), s("HALF_DOWN")], f(2.0)),
            ("round", vec![f(2.1), i(0), s("UP")], f(3.0)),
            ("floor", vec![f(1.5)], f(1.0)),
            ("ceil", vec![i(1)], f(1.0)),
            ("sqrt", vec![f(12.96)], f(3.6)),
            ("atan2", vec![i(0), i(1)], f(0.0)),
            ("toUpper", vec![s("abc")], s("ABC")),
            ("toLower", vec![s("ABC")], s("abc")),
            ("trim", vec![s("  a b  ")], s("a b")),
            ("ltrim", vec![s("  a ")], s("a ")),
            ("rtrim", vec![s(" a  ")], s(" a")),
            ("replace", vec![s("hello"), s("l"), s("L")], s("heLLo")),
            ("replace", vec![s("hello"), N, s("L")], N),
            ("substring", vec![s("0123456789"), i(1)], s("123456789")),
            ("substring", vec![s("0123456789"), i(1), i(3)], s("123")),
            ("substring", vec![s("01"), i(5), i(3)], s("")),
            ("left", vec![s("hello"), i(2)], s("he")),
            ("left", vec![s("hello"), i(20)], s("hello")),
            ("right", vec![s("hello"), i(2)], s("lo")),
            ("right", vec![s("hello"), i(20)], s("hello")),
            ("right", vec![s("hello"), i(0)], s("")),
            ("left", vec![s("hello"), i(0)], s("")),
            ("left", vec![s("héllo"), i(2)], s("hé")),
            ("right", vec![s("héllo"), i(4)], s("éllo")),
            ("right", vec![s("héllo"), i(5)], s("héllo")),
            ("split", vec![s("a,b,,c"), s(",")], l(vec![s("a"), s("b"), s(""), s("c")])),
            ("split", vec![s("ab"), s("")], l(vec![s("a"), s("b")])),
            ("name", vec![Value::Node(nodes[2])], s("Wagner")),
            ("name", vec![Value::Node(nodes[1])], s("doctor")),
            ("key", vec![Value::Node(nodes[2])], s("wagner")),
            ("key", vec![Value::Relationship(c)], s("c1")),
        ];
        for (name, args, want) in cases {
            let got = run(&g, name, args.clone()).unwrap_or_else(|e| panic!("{name}{args:?}: {e}"));
            match (&got, &want) {
                (Value::Float(x), Value::Float(y)) => {
                    assert!((x - y).abs() < 1e-9, "{name}{args:?} = {got}")
                }
                _ => assert_eq!(got, want, "{name}{args:?}"),
            }
        }
        assert!(matches!(run(&g, "rand", vec![]).unwrap(), Value::Float(x) if (0.0..1.0).contains(&x)));
        assert!(matches!(run(&g, "pi", vec![]).unwrap(), Value::Float(x) if x > 3.0));
    }

    #[test]
    fn function_errors_follow_the_tck() {
        let (g, nodes, c) = sample_graph();
        let path = Value::Path { nodes: vec![nodes[2]], rels: vec![] };
        let cases: Vec<(&str, Vec<Value>, &str, &str)> = vec![
            ("labels", vec![i(1)], "TypeError", "InvalidArgumentValue"),
            ("type", vec![Value::Node(nodes[0])], "TypeError", "InvalidArgumentValue"),
            ("toString", vec![l(vec![])], "TypeError", "InvalidArgumentValue"),
            ("toString", vec![Value::Node(nodes[0])], "TypeError", "InvalidArgumentValue"),
            ("toInteger", vec![Value::Map(BTreeMap::new())], "TypeError", "InvalidArgumentValue"),
            ("toInteger", vec![path.clone()], "TypeError", "InvalidArgumentValue"),
            ("toFloat", vec![Value::Bool(true)], "TypeError", "InvalidArgumentValue"),
            ("toBoolean", vec![f(1.0)], "TypeError", "InvalidArgumentValue"),
            ("toBoolean", vec![Value::Relationship(c)], "TypeError", "InvalidArgumentValue"),
            ("properties", vec![s("Cypher")], "TypeError", "InvalidArgumentValue"),
            ("size", vec![path], "TypeError", "InvalidArgumentValue"),
            ("range", vec![i(2), i(8), i(0)], "ArgumentError", "NumberOutOfRange"),
            ("range", vec![i(0), i(0), i(0)], "ArgumentError", "NumberOutOfRange"),
            ("range", vec![Value::Bool(true), i(1), i(1)], "ArgumentError", "InvalidArgumentType"),
            ("range", vec![f(-0.0), i(1), i(1)], "ArgumentError", "InvalidArgumentType"),
            ("range", vec![i(0), i(1), f(1.1)], "ArgumentError", "InvalidArgumentType"),
            ("range", vec![i(i64::MIN), i(i64::MAX)], "ArgumentError", "NumberOutOfRange"),
            ("abs", vec![i(i64::MIN)], "ArithmeticError", "IntegerOverflow"),
            ("abs", vec![s("x")], "TypeError", "InvalidArgumentValue"),
            ("substring", vec![s("abc"), i(-1)], "ArgumentError", "NumberOutOfRange"),
            ("round", vec![f(1.5), i(0), s("SIDEWAYS")], "ArgumentError", "InvalidArgumentValue"),
            ("sources", vec![Value::Node(nodes[0])], "TypeError", "InvalidArgumentValue"),
            ("nosuchfunction", vec![], "SyntaxError", "UnknownFunction"),
            ("size", vec![], "SyntaxError", "InvalidNumberOfArguments"),
            ("range", vec![i(1)], "SyntaxError", "InvalidNumberOfArguments"),
        ];
        for (name, args, class, detail) in cases {
            let e = run(&g, name, args.clone()).unwrap_err();
            assert_eq!((e.class.as_str(), e.detail.as_str()), (class, detail), "{name}{args:?}");
        }
    }

    #[test]
    fn provenance_functions() {
        let (mut g, nodes, c) = sample_graph();
        let rel = Value::Relationship(c);
        assert_eq!(run(&g, "sources", vec![rel.clone()]).unwrap(), l(vec![s("doctor"), s("reuters")]));
        assert_eq!(run(&g, "status", vec![rel.clone()]).unwrap(), s("asserted"));
        assert_eq!(run(&g, "quotes", vec![rel.clone()]).unwrap(), l(vec![s("about 100 killed")]));
        let Value::List(atts) = run(&g, "attestations", vec![rel.clone()]).unwrap() else { panic!() };
        assert_eq!(atts.len(), 2);
        // The doctor speaks via Reuters, which also attests: one independent source.
        assert_eq!(run(&g, "corroboration", vec![rel.clone()]).unwrap(), i(1));
        assert_eq!(run(&g, "sources", vec![N]).unwrap(), N);

        // An independent witness and a denial.
        let witness = g.add_entity(Some("witness"), vec![], vec![]).unwrap();
        let tass = g.add_entity(Some("tass"), vec![], vec![]).unwrap();
        g.update_claim(c, |claim| {
            claim.attestations.push(Attestation::new(SourceRef::Entity(witness), Status::Alleged));
            claim.attestations.push(Attestation::new(SourceRef::Entity(tass), Status::Denied));
            claim.attestations.push(Attestation::new(SourceRef::Entity(witness), Status::Believed));
        })
        .unwrap();
        assert_eq!(run(&g, "corroboration", vec![rel.clone()]).unwrap(), i(2));
        assert_eq!(
            run(&g, "sources", vec![rel.clone()]).unwrap(),
            l(vec![s("doctor"), s("reuters"), s("witness"), s("tass")])
        );

        // A source relayed through the doctor's default chain is dependent on Reuters too.
        let nurse = g.add_entity(Some("nurse"), vec![], vec![]).unwrap();
        g.set_via(nurse, vec![nodes[0]]).unwrap();
        g.update_claim(c, |claim| {
            claim.attestations.push(Attestation::new(SourceRef::Entity(nurse), Status::Reported))
        })
        .unwrap();
        assert_eq!(run(&g, "corroboration", vec![rel.clone()]).unwrap(), i(2));

        // status: the strongest wins; only denials leave `denied`.
        g.update_claim(c, |claim| {
            claim.attestations.retain(|a| a.status != Status::Asserted && a.status != Status::Reported)
        })
        .unwrap();
        assert_eq!(run(&g, "status", vec![rel.clone()]).unwrap(), s("believed"));
        g.update_claim(c, |claim| claim.attestations.retain(|a| a.status == Status::Denied)).unwrap();
        assert_eq!(run(&g, "status", vec![rel.clone()]).unwrap(), s("denied"));
        assert_eq!(run(&g, "corroboration", vec![rel.clone()]).unwrap(), i(0));
        g.update_claim(c, |claim| claim.attestations.clear()).unwrap();
        assert_eq!(run(&g, "status", vec![rel]).unwrap(), N);
    }

    /// Every function, operator and aggregate on every combination of awkward values:
    /// errors are fine, panics are not.
    #[test]
    fn nothing_panics_on_awkward_input() {
        use crate::query::aggregate::{Accumulator, AggregateKind};
        use crate::query::ops;
        let (mut g, nodes, c) = sample_graph();
        let gone = g.add_entity(Some("gone"), vec![], vec![]).unwrap();
        g.remove_entity(gone, true).unwrap();
        let vals = vec![
            N,
            Value::Bool(true),
            i(0),
            i(-1),
            i(i64::MAX),
            i(i64::MIN),
            f(f64::NAN),
            f(f64::INFINITY),
            f(-0.0),
            f(1e300),
            s(""),
            s("héllo"),
            s("("),
            l(vec![]),
            l(vec![N, i(1)]),
            Value::Map(BTreeMap::new()),
            Value::Uncertain(Uncertain::Below { bound: Number::Int(i64::MIN), inclusive: true }),
            Value::Uncertain(Uncertain::Approx(Number::Float(f64::NAN))),
            Value::Uncertain(Uncertain::Between(Number::Int(i64::MAX), Number::Int(i64::MIN))),
            Value::Date(DateValue::Relative { amount: i64::MIN, unit: crate::model::DateUnit::Day }),
            Value::Node(nodes[0]),
            Value::Node(gone),
            Value::Relationship(c),
            Value::Path { nodes: vec![nodes[2], nodes[3]], rels: vec![c] },
            Value::Path { nodes: vec![], rels: vec![] },
        ];
        let small = &vals[..12];
        for sig in FUNCTIONS {
            for n in sig.min_args..=sig.max_args.min(3) {
                let pool = if n == 3 { small } else { &vals[..] };
                let mut idx = vec![0usize; n];
                loop {
                    let args: Vec<Value> = idx.iter().map(|k| pool[*k].clone()).collect();
                    let _ = call(&g, sig.name, &args);
                    // Next combination.
                    let mut pos = 0;
                    while pos < n {
                        idx[pos] += 1;
                        if idx[pos] < pool.len() {
                            break;
                        }
                        idx[pos] = 0;
                        pos += 1;
                    }
                    if pos == n {
                        break;
                    }
                }
            }
        }
        type Op = fn(&Value, &Value) -> EvalResult<Value>;
        let binary: [Op; 10] = [
            ops::add,
            ops::sub,
            ops::mul,
            ops::div,
            ops::rem,
            ops::pow,
            ops::and,
            ops::or,
            ops::in_list,
            ops::regex_match,
        ];
        for a in &vals {
            let _ = ops::neg(a);
            let _ = ops::not(a);
            let _ = a.to_model();
            let _ = a.to_result(&g);
            for b in &vals {
                for op in binary {
                    let _ = op(a, b);
                }
                let _ = ops::equals(a, b);
                let _ = ops::order_cmp(a, b);
                let _ = ops::group_key(a);
                for op in [ops::CmpOp::Lt, ops::CmpOp::Le, ops::CmpOp::Gt, ops::CmpOp::Ge] {
                    let _ = ops::compare(op, a, b);
                }
                let _ = ops::index(&g, a, b);
                let _ = ops::slice(a, Some(b), Some(b));
                let _ = ops::property(&g, a, "x");
            }
        }
        let mut sorted = vals.clone();
        sorted.sort_by(ops::order_cmp);
        for kind in [
            AggregateKind::CountStar,
            AggregateKind::Count,
            AggregateKind::Collect,
            AggregateKind::Sum,
            AggregateKind::Avg,
            AggregateKind::Min,
            AggregateKind::Max,
            AggregateKind::PercentileCont,
            AggregateKind::PercentileDisc,
            AggregateKind::StDev,
            AggregateKind::StDevP,
        ] {
            for distinct in [false, true] {
                let mut acc = Accumulator::new(kind, distinct);
                for v in &vals {
                    let _ = acc.update(&[v.clone(), f(0.5)]);
                }
                let _ = acc.finish();
            }
        }
    }

    #[test]
    fn status_order_is_total() {
        let mut all = Status::ALL.to_vec();
        all.sort_by_key(|s| std::cmp::Reverse(status_strength(*s)));
        let names: Vec<_> = all.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["asserted", "reported", "believed", "alleged", "unconfirmed", "denied"]);
    }
}
