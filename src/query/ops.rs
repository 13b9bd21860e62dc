//! Operators on runtime values, with openCypher's semantics as the TCK tests them.
//!
//! This module owns:
//! - ternary equality `=` / `<>` ([`equals`]) and ordering comparison `< <= > >=`
//!   ([`compare`]), both returning `None` for null ("unknown");
//! - the total order ORDER BY, `min` and `max` use ([`order_cmp`]), and the equivalence
//!   DISTINCT and grouping use ([`group_key`]);
//! - three-valued logic ([`and`], [`or`], [`xor`], [`not`]);
//! - arithmetic with checked integers ([`add`], [`sub`], [`mul`], [`div`], [`rem`], [`pow`],
//!   [`neg`]), string and list concatenation;
//! - string predicates, regular expressions, `IN`, indexing, slicing and property access.
//!
//! Uncertain numbers (`~100`, `<12`, `65..200`) and dates with precision are our
//! extensions. They stand for an interval of possible exact values
//! ([`Uncertain::interval`], the model's one tolerance rule), and:
//! - an ordering comparison is true or false when every possible value agrees, and null
//!   when the answer depends on the unknown exact value (`65..200 > 100` is null);
//! - `=` means *compatible*: true when the intervals overlap (`~100 = 105` is true,
//!   `~100 = 300` false), the same test the contradiction checker uses, so a query finds the
//!   claims the checker would not flag;
//! - arithmetic with an exact number shifts or scales the value (`~100 + 5` is `~105`).

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use regex::Regex;

use super::error::{argument_error, arithmetic_error, type_error, ErrorDetail, EvalResult, QueryError};
use super::temporal;
use super::value::{claim_props, entity_props, Value};
use crate::model::{DateUnit, DateValue, Graph, Interval, Number, PartialDate, Uncertain};

// ---- numbers ---------------------------------------------------------------------------

/// Exact comparison of an integer with a (non-NaN) float: converting the integer to `f64`
/// would make `2^53 + 1` equal `2^53`, and the TCK checks large-integer equality.
fn cmp_int_float(i: i64, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    // 2^63 is exactly representable; every float at or beyond it is outside i64.
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if f >= TWO_63 {
        return Some(Ordering::Less);
    }
    if f < -TWO_63 {
        return Some(Ordering::Greater);
    }
    let t = f.trunc();
    // In range, so the conversion is exact.
    let ti = t as i64;
    match i.cmp(&ti) {
        Ordering::Equal => 0.0f64.partial_cmp(&(f - t)),
        o => Some(o),
    }
}

/// Numeric comparison of two exact numbers; `None` when a NaN is involved.
fn cmp_exact(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Int(x), Value::Float(y)) => cmp_int_float(*x, *y),
        (Value::Float(x), Value::Int(y)) => cmp_int_float(*y, *x).map(Ordering::reverse),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y),
        _ => None,
    }
}

fn is_exact_number(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Float(_))
}

fn is_nan(v: &Value) -> bool {
    matches!(v, Value::Float(x) if x.is_nan())
}

/// The interval of possible values of a number-like value.
fn interval_of(v: &Value) -> Option<Interval> {
    match v {
        Value::Int(i) => Some(Interval::point(*i as f64)),
        Value::Float(x) => Some(Interval::point(*x)),
        Value::Uncertain(u) => Some(u.interval()),
        _ => None,
    }
}

/// A number-like value as the model's value, to apply the model's comparison rules.
fn model_number(v: &Value) -> Option<crate::model::Value> {
    match v {
        Value::Int(i) => Some(crate::model::Value::Int(*i)),
        Value::Float(x) => Some(crate::model::Value::Float(*x)),
        Value::Uncertain(u) => Some(crate::model::Value::Uncertain(*u)),
        _ => None,
    }
}

/// The interval of days an absolute date stands for (`@2018-02` is all of February).
fn date_interval(d: &DateValue) -> Option<Interval> {
    match d {
        DateValue::Absolute(p) => {
            let (lo, hi) = p.day_range();
            Some(Interval { lo: lo as f64, lo_inclusive: true, hi: hi as f64, hi_inclusive: true })
        }
        // Relative to a document we do not know here.
        DateValue::Relative { .. } => None,
    }
}

/// `a < b` (or `a <= b` with `or_equal`) over intervals: certain, or `None`.
fn interval_lt(a: &Interval, b: &Interval, or_equal: bool) -> Option<bool> {
    if [a.lo, a.hi, b.lo, b.hi].iter().any(|x| x.is_nan()) {
        return None;
    }
    if or_equal {
        if a.hi <= b.lo {
            return Some(true);
        }
        if a.lo > b.hi || (a.lo == b.hi && !(a.lo_inclusive && b.hi_inclusive)) {
            return Some(false);
        }
    } else {
        if a.hi < b.lo || (a.hi == b.lo && !(a.hi_inclusive && b.lo_inclusive)) {
            return Some(true);
        }
        if a.lo >= b.hi {
            return Some(false);
        }
    }
    None
}

// ---- equality --------------------------------------------------------------------------

/// Ternary equality (`=`): `None` is null.
///
/// Lists and maps compare element-wise: a definite difference anywhere makes them unequal
/// even when other elements are null (`[1, 2] = [null, 3]` is false), otherwise a null
/// element makes the answer null. Values of different types are unequal, except that
/// integers and floats compare numerically (`1 = 1.0`). NaN equals nothing.
pub(crate) fn equals(a: &Value, b: &Value) -> Option<bool> {
    use Value::*;
    match (a, b) {
        (Null, _) | (_, Null) => None,
        (Int(_) | Float(_), Int(_) | Float(_)) => Some(cmp_exact(a, b) == Some(Ordering::Equal)),
        (Uncertain(_), Int(_) | Float(_) | Uncertain(_)) | (Int(_) | Float(_), Uncertain(_)) => {
            // The model's one tolerance rule, the same `check` applies.
            match (model_number(a), model_number(b)) {
                (Some(x), Some(y)) => Some(x.agrees_with(&y) == Some(true)),
                _ => Some(false),
            }
        }
        (Bool(x), Bool(y)) => Some(x == y),
        (String(x), String(y)) => Some(x == y),
        (Date(x), Date(y)) => match (date_interval(x), date_interval(y)) {
            (Some(i), Some(j)) => Some(i.overlaps(&j)),
            _ if x == y => Some(true),
            _ => None,
        },
        (Temporal(x), Temporal(y)) => Some(x.same(y)),
        (List(x), List(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            all_equal(x.iter().zip(y.iter()))
        }
        (Map(x), Map(y)) => {
            if x.len() != y.len() || x.keys().zip(y.keys()).any(|(k, l)| k != l) {
                return Some(false);
            }
            all_equal(x.values().zip(y.values()))
        }
        (Node(x), Node(y)) => Some(x == y),
        (Relationship(x), Relationship(y)) => Some(x == y),
        (Path { nodes: n1, rels: r1 }, Path { nodes: n2, rels: r2 }) => Some(n1 == n2 && r1 == r2),
        _ => Some(false),
    }
}

/// Any definite `false` wins over nulls.
fn all_equal<'a>(pairs: impl Iterator<Item = (&'a Value, &'a Value)>) -> Option<bool> {
    let mut unknown = false;
    for (x, y) in pairs {
        match equals(x, y) {
            Some(false) => return Some(false),
            None => unknown = true,
            Some(true) => {}
        }
    }
    if unknown {
        None
    } else {
        Some(true)
    }
}

/// `<>`.
pub(crate) fn not_equals(a: &Value, b: &Value) -> Option<bool> {
    equals(a, b).map(|e| !e)
}

// ---- ordering comparison ---------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
}

/// `a < b`, `a <= b`, `a > b`, `a >= b`: `None` (null) when either is null, when the types
/// are not comparable (only numbers, strings, booleans, lists and dates are), or when an
/// uncertain value makes the answer depend on what it really is. Comparisons with NaN are
/// false.
pub(crate) fn compare(op: CmpOp, a: &Value, b: &Value) -> Option<bool> {
    // Swap so that only `<` and `<=` need implementing.
    let (a, b, or_equal) = match op {
        CmpOp::Lt => (a, b, false),
        CmpOp::Le => (a, b, true),
        CmpOp::Gt => (b, a, false),
        CmpOp::Ge => (b, a, true),
    };
    let numeric = |v: &Value| matches!(v, Value::Int(_) | Value::Float(_) | Value::Uncertain(_));
    if numeric(a) && numeric(b) {
        if (is_nan(a) || is_nan(b)) && is_exact_number(a) && is_exact_number(b) {
            return Some(false);
        }
        if is_exact_number(a) && is_exact_number(b) {
            return cmp_exact(a, b).map(|o| o == Ordering::Less || (or_equal && o == Ordering::Equal));
        }
        return interval_lt(&interval_of(a)?, &interval_of(b)?, or_equal);
    }
    if let (Value::Date(x), Value::Date(y)) = (a, b) {
        return interval_lt(&date_interval(x)?, &date_interval(y)?, or_equal);
    }
    let o = cmp3(a, b)?;
    Some(o == Ordering::Less || (or_equal && o == Ordering::Equal))
}

/// Three-way comparison for comparable values; `None` for null, incomparable types, NaN,
/// or uncertain values whose order is not certain. Lists compare lexicographically.
fn cmp3(a: &Value, b: &Value) -> Option<Ordering> {
    use Value::*;
    match (a, b) {
        (Int(_) | Float(_), Int(_) | Float(_)) => cmp_exact(a, b),
        (Uncertain(_), Int(_) | Float(_) | Uncertain(_)) | (Int(_) | Float(_), Uncertain(_)) => {
            let (x, y) = (interval_of(a)?, interval_of(b)?);
            certain_order(&x, &y)
        }
        (String(x), String(y)) => Some(x.cmp(y)),
        (Bool(x), Bool(y)) => Some(x.cmp(y)),
        (Date(x), Date(y)) => certain_order(&date_interval(x)?, &date_interval(y)?),
        (Temporal(x), Temporal(y)) => x.compare(y),
        (List(x), List(y)) => {
            for (p, q) in x.iter().zip(y.iter()) {
                match cmp3(p, q)? {
                    Ordering::Equal => {}
                    o => return Some(o),
                }
            }
            Some(x.len().cmp(&y.len()))
        }
        _ => None,
    }
}

fn certain_order(x: &Interval, y: &Interval) -> Option<Ordering> {
    if interval_lt(x, y, false) == Some(true) {
        Some(Ordering::Less)
    } else if interval_lt(y, x, false) == Some(true) {
        Some(Ordering::Greater)
    } else if x == y && x.lo == x.hi {
        Some(Ordering::Equal)
    } else {
        None
    }
}

// ---- ORDER BY ---------------------------------------------------------------------------

/// Rank of a value's type in the global sort order (openCypher's orderability):
/// Map < Node < Relationship < List < Path < Date < String < Boolean < Number < NaN < null.
/// Dates sit where openCypher puts temporal values; uncertain numbers sort with numbers.
fn order_rank(v: &Value) -> u8 {
    match v {
        Value::Map(_) => 0,
        Value::Node(_) => 1,
        Value::Relationship(_) => 2,
        Value::List(_) => 3,
        Value::Path { .. } => 4,
        Value::Date(_) | Value::Temporal(_) => 5,
        Value::String(_) => 6,
        Value::Bool(_) => 7,
        Value::Float(x) if x.is_nan() => 9,
        Value::Uncertain(u) if u.central().is_nan() => 9,
        Value::Int(_) | Value::Float(_) | Value::Uncertain(_) => 8,
        Value::Null => 10,
    }
}

/// The total order of ORDER BY (ascending), `min` and `max`. Unlike [`compare`] it orders
/// every pair of values, so sorting is well defined on mixed data. Uncertain numbers sort
/// by their central value (`65..200` as 132.5), after an exact number with the same value.
pub(crate) fn order_cmp(a: &Value, b: &Value) -> Ordering {
    let (ra, rb) = (order_rank(a), order_rank(b));
    if ra != rb {
        return ra.cmp(&rb);
    }
    use Value::*;
    match (a, b) {
        (Map(x), Map(y)) => {
            for ((k1, v1), (k2, v2)) in x.iter().zip(y.iter()) {
                let o = k1.cmp(k2).then_with(|| order_cmp(v1, v2));
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Node(x), Node(y)) => x.index().cmp(&y.index()),
        (Relationship(x), Relationship(y)) => x.index().cmp(&y.index()),
        (List(x), List(y)) => order_lists(x, y),
        (Path { nodes: n1, rels: r1 }, Path { nodes: n2, rels: r2 }) => {
            let k1 = n1.iter().map(|n| n.index()).chain(r1.iter().map(|r| r.index()));
            let k2 = n2.iter().map(|n| n.index()).chain(r2.iter().map(|r| r.index()));
            n1.len().cmp(&n2.len()).then_with(|| k1.cmp(k2))
        }
        (Date(x), Date(y)) => order_dates(x, y),
        (Date(_) | Temporal(_), Date(_) | Temporal(_)) => {
            temporal::kind_rank(a).cmp(&temporal::kind_rank(b)).then_with(|| match (a, b) {
                (Temporal(x), Temporal(y)) => x.order_within_kind(y),
                _ => Ordering::Equal,
            })
        }
        (String(x), String(y)) => x.cmp(y),
        (Bool(x), Bool(y)) => x.cmp(y),
        _ if ra == 8 => order_numbers(a, b),
        // NaNs, nulls.
        _ => number_kind(a).cmp(&number_kind(b)),
    }
}

fn order_lists(x: &[Value], y: &[Value]) -> Ordering {
    for (p, q) in x.iter().zip(y.iter()) {
        let o = order_cmp(p, q);
        if o != Ordering::Equal {
            return o;
        }
    }
    x.len().cmp(&y.len())
}

fn order_dates(x: &DateValue, y: &DateValue) -> Ordering {
    fn unit_rank(u: DateUnit) -> u8 {
        match u {
            DateUnit::Day => 0,
            DateUnit::Week => 1,
            DateUnit::Month => 2,
            DateUnit::Year => 3,
        }
    }
    match (x, y) {
        (DateValue::Absolute(p), DateValue::Absolute(q)) => p.day_range().cmp(&q.day_range()),
        (DateValue::Absolute(_), DateValue::Relative { .. }) => Ordering::Less,
        (DateValue::Relative { .. }, DateValue::Absolute(_)) => Ordering::Greater,
        (DateValue::Relative { amount: a, unit: u }, DateValue::Relative { amount: b, unit: v }) => {
            unit_rank(*u).cmp(&unit_rank(*v)).then(a.cmp(b))
        }
    }
}

/// 0 integer, 1 float, 2 uncertain: the tie-break among numbers of equal value.
fn number_kind(v: &Value) -> u8 {
    match v {
        Value::Int(_) => 0,
        Value::Float(_) => 1,
        _ => 2,
    }
}

/// Numbers (no NaN) by value, then by kind, then uncertain ones by interval: every step is
/// an exact comparison of real numbers, so the order is transitive.
fn order_numbers(a: &Value, b: &Value) -> Ordering {
    let central = |v: &Value| match v {
        Value::Uncertain(u) => Value::Float(u.central()),
        other => other.clone(),
    };
    let (ca, cb) = (central(a), central(b));
    cmp_exact(&ca, &cb)
        .unwrap_or(Ordering::Equal)
        .then_with(|| number_kind(a).cmp(&number_kind(b)))
        .then_with(|| match (a, b) {
            (Value::Uncertain(x), Value::Uncertain(y)) => {
                let (i, j) = (x.interval(), y.interval());
                i.lo.total_cmp(&j.lo)
                    .then(i.hi.total_cmp(&j.hi))
                    .then(uncertain_tag(x).cmp(&uncertain_tag(y)))
                    .then(i.lo_inclusive.cmp(&j.lo_inclusive))
                    .then(i.hi_inclusive.cmp(&j.hi_inclusive))
            }
            _ => Ordering::Equal,
        })
}

fn uncertain_tag(u: &Uncertain) -> u8 {
    match u {
        Uncertain::Approx(_) => 0,
        Uncertain::Below { .. } => 1,
        Uncertain::Above { .. } => 2,
        Uncertain::Between(..) => 3,
        Uncertain::ApproxBetween(..) => 4,
    }
}

// ---- equivalence (DISTINCT, grouping) --------------------------------------------------

/// A hashable stand-in for a value under *equivalence*, the relation DISTINCT, grouping
/// keys and `collect(DISTINCT ...)` use: like `=`, except that null is equivalent to null
/// and NaN to NaN, and uncertain values are equivalent only when written the same way.
/// Integral floats become integers so that `1` and `1.0` land in one group.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum GroupKey {
    Null,
    Bool(bool),
    Int(i64),
    /// Bits of a non-integral float; every NaN has the same bits here.
    Float(u64),
    String(Arc<str>),
    List(Vec<GroupKey>),
    Map(Vec<(String, GroupKey)>),
    Uncertain(u8, Vec<GroupKey>, bool),
    Date(DateKey),
    /// A temporal value's kind and string form.
    Temporal(u8, String),
    Node(usize),
    Relationship(usize),
    Path(Vec<usize>, Vec<usize>),
}

/// Dates keyed structurally (a month and a day in it are different groups).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum DateKey {
    Absolute(PartialDate),
    Relative(i64, u8),
}

fn float_key(x: f64) -> GroupKey {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if x.is_nan() {
        GroupKey::Float(f64::NAN.to_bits())
    } else if x == x.trunc() && (-TWO_63..TWO_63).contains(&x) {
        // Exact conversion; -0.0 becomes 0.
        GroupKey::Int(x as i64)
    } else {
        GroupKey::Float(x.to_bits())
    }
}

fn number_key(n: Number) -> GroupKey {
    match n {
        Number::Int(i) => GroupKey::Int(i),
        Number::Float(x) => float_key(x),
    }
}

/// The grouping key of a value.
pub(crate) fn group_key(v: &Value) -> GroupKey {
    match v {
        Value::Null => GroupKey::Null,
        Value::Bool(b) => GroupKey::Bool(*b),
        Value::Int(i) => GroupKey::Int(*i),
        Value::Float(x) => float_key(*x),
        Value::String(s) => GroupKey::String(s.clone()),
        Value::List(items) => GroupKey::List(items.iter().map(group_key).collect()),
        Value::Map(m) => GroupKey::Map(m.iter().map(|(k, v)| (k.clone(), group_key(v))).collect()),
        Value::Uncertain(u) => match *u {
            Uncertain::Approx(n) => GroupKey::Uncertain(0, vec![number_key(n)], false),
            Uncertain::Below { bound, inclusive } => {
                GroupKey::Uncertain(1, vec![number_key(bound)], inclusive)
            }
            Uncertain::Above { bound, inclusive } => {
                GroupKey::Uncertain(2, vec![number_key(bound)], inclusive)
            }
            Uncertain::Between(a, b) => GroupKey::Uncertain(3, vec![number_key(a), number_key(b)], true),
            Uncertain::ApproxBetween(a, b) => {
                GroupKey::Uncertain(4, vec![number_key(a), number_key(b)], true)
            }
        },
        Value::Date(DateValue::Absolute(p)) => GroupKey::Date(DateKey::Absolute(*p)),
        Value::Date(DateValue::Relative { amount, unit }) => {
            let u = match unit {
                DateUnit::Day => 0,
                DateUnit::Week => 1,
                DateUnit::Month => 2,
                DateUnit::Year => 3,
            };
            GroupKey::Date(DateKey::Relative(*amount, u))
        }
        Value::Temporal(t) => {
            let (kind, text) = temporal::group_key(t);
            GroupKey::Temporal(kind, text)
        }
        Value::Node(ix) => GroupKey::Node(ix.index()),
        Value::Relationship(ix) => GroupKey::Relationship(ix.index()),
        Value::Path { nodes, rels } => GroupKey::Path(
            nodes.iter().map(|n| n.index()).collect(),
            rels.iter().map(|r| r.index()).collect(),
        ),
    }
}

// ---- boolean logic -----------------------------------------------------------------------

/// Reads an operand of a boolean operator: booleans and null only.
pub(crate) fn truth(v: &Value) -> EvalResult<Option<bool>> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        other => Err(type_error(
            ErrorDetail::InvalidArgumentType,
            format!("expected a Boolean, got {} ({other})", other.type_name()),
        )),
    }
}

/// Whether a WHERE predicate keeps the row: only `true` does (null and false drop it).
pub(crate) fn is_true(v: &Value) -> bool {
    matches!(v, Value::Bool(true))
}

pub(crate) fn and3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

pub(crate) fn or3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

pub(crate) fn xor3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    Some(a? != b?)
}

pub(crate) fn and(a: &Value, b: &Value) -> EvalResult<Value> {
    Ok(and3(truth(a)?, truth(b)?).into())
}

pub(crate) fn or(a: &Value, b: &Value) -> EvalResult<Value> {
    Ok(or3(truth(a)?, truth(b)?).into())
}

pub(crate) fn xor(a: &Value, b: &Value) -> EvalResult<Value> {
    Ok(xor3(truth(a)?, truth(b)?).into())
}

pub(crate) fn not(a: &Value) -> EvalResult<Value> {
    Ok(truth(a)?.map(|b| !b).into())
}

// ---- arithmetic --------------------------------------------------------------------------

fn overflow(op: &str, a: &Value, b: &Value) -> QueryError {
    arithmetic_error(ErrorDetail::IntegerOverflow, format!("integer overflow in {a} {op} {b}"))
}

fn bad_operands(op: &str, a: &Value, b: &Value) -> QueryError {
    type_error(
        ErrorDetail::InvalidArgumentType,
        format!("cannot apply {op} to {} and {}", a.type_name(), b.type_name()),
    )
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(x) => Some(*x),
        _ => None,
    }
}

/// `a + b`: numbers, string concatenation (a string with a number concatenates the
/// number's text, as Neo4j does), list concatenation and appending/prepending an element.
/// A null operand gives null, even with a list: null means "unknown", and appending an
/// unknown is not the same as appending nothing.
pub(crate) fn add(a: &Value, b: &Value) -> EvalResult<Value> {
    use Value::*;
    Ok(match (a, b) {
        (Null, _) | (_, Null) => Null,
        (Int(x), Int(y)) => Int(x.checked_add(*y).ok_or_else(|| overflow("+", a, b))?),
        (Int(_) | Float(_), Int(_) | Float(_)) => {
            Float(as_f64(a).unwrap_or(f64::NAN) + as_f64(b).unwrap_or(f64::NAN))
        }
        (String(x), String(y)) => Value::from(format!("{x}{y}")),
        (String(x), Int(_) | Float(_)) => Value::from(format!("{x}{b}")),
        (Int(_) | Float(_), String(y)) => Value::from(format!("{a}{y}")),
        (List(x), List(y)) => List(x.iter().chain(y.iter()).cloned().collect()),
        (List(x), y) => List(x.iter().cloned().chain(std::iter::once(y.clone())).collect()),
        (x, List(y)) => List(std::iter::once(x.clone()).chain(y.iter().cloned()).collect()),
        (Uncertain(_), _) | (_, Uncertain(_)) => {
            uncertain_arith(ArithOp::Add, a, b)?.ok_or_else(|| bad_operands("+", a, b))?
        }
        _ => temporal::add_sub(a, b, 1)?.ok_or_else(|| bad_operands("+", a, b))?,
    })
}

pub(crate) fn sub(a: &Value, b: &Value) -> EvalResult<Value> {
    use Value::*;
    Ok(match (a, b) {
        (Null, _) | (_, Null) => Null,
        (Int(x), Int(y)) => Int(x.checked_sub(*y).ok_or_else(|| overflow("-", a, b))?),
        (Int(_) | Float(_), Int(_) | Float(_)) => {
            Float(as_f64(a).unwrap_or(f64::NAN) - as_f64(b).unwrap_or(f64::NAN))
        }
        (Uncertain(_), _) | (_, Uncertain(_)) => {
            uncertain_arith(ArithOp::Sub, a, b)?.ok_or_else(|| bad_operands("-", a, b))?
        }
        _ => temporal::add_sub(a, b, -1)?.ok_or_else(|| bad_operands("-", a, b))?,
    })
}

pub(crate) fn mul(a: &Value, b: &Value) -> EvalResult<Value> {
    use Value::*;
    Ok(match (a, b) {
        (Null, _) | (_, Null) => Null,
        (Int(x), Int(y)) => Int(x.checked_mul(*y).ok_or_else(|| overflow("*", a, b))?),
        (Int(_) | Float(_), Int(_) | Float(_)) => {
            Float(as_f64(a).unwrap_or(f64::NAN) * as_f64(b).unwrap_or(f64::NAN))
        }
        (Uncertain(_), _) | (_, Uncertain(_)) => {
            uncertain_arith(ArithOp::Mul, a, b)?.ok_or_else(|| bad_operands("*", a, b))?
        }
        _ => temporal::scale(a, b, false)?.ok_or_else(|| bad_operands("*", a, b))?,
    })
}

/// `a / b`: integer division truncates toward zero and fails on zero; float division
/// follows IEEE 754 (`1.0 / 0` is infinity, `0.0 / 0` NaN).
pub(crate) fn div(a: &Value, b: &Value) -> EvalResult<Value> {
    use Value::*;
    Ok(match (a, b) {
        (Null, _) | (_, Null) => Null,
        (Int(_), Int(0)) => return Err(arithmetic_error(ErrorDetail::DivisionByZero, "division by zero")),
        (Int(x), Int(y)) => Int(x.checked_div(*y).ok_or_else(|| overflow("/", a, b))?),
        (Int(_) | Float(_), Int(_) | Float(_)) => {
            Float(as_f64(a).unwrap_or(f64::NAN) / as_f64(b).unwrap_or(f64::NAN))
        }
        (Uncertain(_), _) | (_, Uncertain(_)) => {
            uncertain_arith(ArithOp::Div, a, b)?.ok_or_else(|| bad_operands("/", a, b))?
        }
        _ => temporal::scale(a, b, true)?.ok_or_else(|| bad_operands("/", a, b))?,
    })
}

/// `a % b`: the remainder takes the sign of the dividend, as in Java and Neo4j.
pub(crate) fn rem(a: &Value, b: &Value) -> EvalResult<Value> {
    use Value::*;
    Ok(match (a, b) {
        (Null, _) | (_, Null) => Null,
        (Int(_), Int(0)) => return Err(arithmetic_error(ErrorDetail::DivisionByZero, "modulo by zero")),
        // i64::MIN % -1 overflows in the hardware instruction; its value is 0.
        (Int(x), Int(y)) => Int(x.checked_rem(*y).unwrap_or(0)),
        (Int(_) | Float(_), Int(_) | Float(_)) => {
            Float(as_f64(a).unwrap_or(f64::NAN) % as_f64(b).unwrap_or(f64::NAN))
        }
        (Uncertain(_), Int(_) | Float(_) | Uncertain(_)) | (Int(_) | Float(_), Uncertain(_)) => Null,
        _ => return Err(bad_operands("%", a, b)),
    })
}

/// `a ^ b`: always a float, as in openCypher.
pub(crate) fn pow(a: &Value, b: &Value) -> EvalResult<Value> {
    use Value::*;
    Ok(match (a, b) {
        (Null, _) | (_, Null) => Null,
        (Int(_) | Float(_), Int(_) | Float(_)) => {
            Float(as_f64(a).unwrap_or(f64::NAN).powf(as_f64(b).unwrap_or(f64::NAN)))
        }
        (Uncertain(_), Int(_) | Float(_) | Uncertain(_)) | (Int(_) | Float(_), Uncertain(_)) => Null,
        _ => return Err(bad_operands("^", a, b)),
    })
}

/// Unary minus.
pub(crate) fn neg(a: &Value) -> EvalResult<Value> {
    Ok(match a {
        Value::Null => Value::Null,
        Value::Int(i) => Value::Int(i.checked_neg().ok_or_else(|| {
            arithmetic_error(ErrorDetail::IntegerOverflow, format!("integer overflow in -({i})"))
        })?),
        Value::Float(x) => Value::Float(-*x),
        Value::Uncertain(u) => Value::Uncertain(map_uncertain(u, neg_number, true)?),
        other => {
            return Err(type_error(
                ErrorDetail::InvalidArgumentType,
                format!("cannot negate a {}", other.type_name()),
            ))
        }
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

fn neg_number(n: Number) -> EvalResult<Number> {
    Ok(match n {
        Number::Int(i) => Number::Int(i.checked_neg().ok_or_else(|| {
            arithmetic_error(ErrorDetail::IntegerOverflow, format!("integer overflow in -({i})"))
        })?),
        Number::Float(x) => Number::Float(-x),
    })
}

fn number_of(v: &Value) -> Option<Number> {
    match v {
        Value::Int(i) => Some(Number::Int(*i)),
        Value::Float(x) => Some(Number::Float(*x)),
        _ => None,
    }
}

/// `x op y` on written numbers; division is always in floats (`~100 / 3` is `~33.3…`, not
/// `~33`).
fn number_op(op: ArithOp, x: Number, y: Number) -> EvalResult<Number> {
    let of = || arithmetic_error(ErrorDetail::IntegerOverflow, format!("integer overflow in {x} {op:?} {y}"));
    Ok(match (op, x, y) {
        (ArithOp::Add, Number::Int(a), Number::Int(b)) => Number::Int(a.checked_add(b).ok_or_else(of)?),
        (ArithOp::Sub, Number::Int(a), Number::Int(b)) => Number::Int(a.checked_sub(b).ok_or_else(of)?),
        (ArithOp::Mul, Number::Int(a), Number::Int(b)) => Number::Int(a.checked_mul(b).ok_or_else(of)?),
        (ArithOp::Add, a, b) => Number::Float(a.as_f64() + b.as_f64()),
        (ArithOp::Sub, a, b) => Number::Float(a.as_f64() - b.as_f64()),
        (ArithOp::Mul, a, b) => Number::Float(a.as_f64() * b.as_f64()),
        (ArithOp::Div, a, b) => Number::Float(a.as_f64() / b.as_f64()),
    })
}

/// Applies `f` to every written number of `u`. `decreasing` says `f` reverses order, so a
/// bound changes side (`-(<12)` is `>-12`).
fn map_uncertain(
    u: &Uncertain,
    f: impl Fn(Number) -> EvalResult<Number>,
    decreasing: bool,
) -> EvalResult<Uncertain> {
    Ok(match *u {
        Uncertain::Approx(n) => Uncertain::Approx(f(n)?),
        Uncertain::Between(a, b) | Uncertain::ApproxBetween(a, b) => {
            let (x, y) = (f(a)?, f(b)?);
            let (lo, hi) = if x.as_f64() <= y.as_f64() { (x, y) } else { (y, x) };
            if matches!(u, Uncertain::ApproxBetween(..)) {
                Uncertain::ApproxBetween(lo, hi)
            } else {
                Uncertain::Between(lo, hi)
            }
        }
        Uncertain::Below { bound, inclusive } if !decreasing => {
            Uncertain::Below { bound: f(bound)?, inclusive }
        }
        Uncertain::Below { bound, inclusive } => Uncertain::Above { bound: f(bound)?, inclusive },
        Uncertain::Above { bound, inclusive } if !decreasing => {
            Uncertain::Above { bound: f(bound)?, inclusive }
        }
        Uncertain::Above { bound, inclusive } => Uncertain::Below { bound: f(bound)?, inclusive },
    })
}

/// Arithmetic involving an uncertain number. `Ok(None)` when the other operand is not a
/// number (the caller reports the type error); `Ok(Some(Null))` when the result is not a
/// value we can write down (`1 / ~100`, `~100 * <12`).
fn uncertain_arith(op: ArithOp, a: &Value, b: &Value) -> EvalResult<Option<Value>> {
    let numeric = |v: &Value| matches!(v, Value::Int(_) | Value::Float(_) | Value::Uncertain(_));
    if !numeric(a) || !numeric(b) {
        return Ok(None);
    }
    let result = match (a, b, op) {
        (Value::Uncertain(u), _, _) if number_of(b).is_some() => {
            let n = number_of(b).unwrap_or(Number::Int(0));
            let decreasing = matches!(op, ArithOp::Mul | ArithOp::Div) && n.as_f64() < 0.0;
            if op == ArithOp::Div && n.as_f64() == 0.0 {
                return Ok(Some(Value::Null));
            }
            Some(map_uncertain(u, |x| number_op(op, x, n), decreasing)?)
        }
        (_, Value::Uncertain(u), ArithOp::Add | ArithOp::Mul) if number_of(a).is_some() => {
            let n = number_of(a).unwrap_or(Number::Int(0));
            let decreasing = op == ArithOp::Mul && n.as_f64() < 0.0;
            Some(map_uncertain(u, |x| number_op(op, n, x), decreasing)?)
        }
        (_, Value::Uncertain(u), ArithOp::Sub) if number_of(a).is_some() => {
            let n = number_of(a).unwrap_or(Number::Int(0));
            Some(map_uncertain(u, |x| number_op(ArithOp::Sub, n, x), true)?)
        }
        (Value::Uncertain(Uncertain::Approx(x)), Value::Uncertain(Uncertain::Approx(y)), ArithOp::Add)
            if x.as_f64().signum() == y.as_f64().signum() =>
        {
            // Same-sign approximations add with the same relative tolerance.
            Some(Uncertain::Approx(number_op(ArithOp::Add, *x, *y)?))
        }
        (Value::Uncertain(x), Value::Uncertain(y), ArithOp::Add | ArithOp::Sub) => {
            let i = x.interval();
            let mut j = y.interval();
            if op == ArithOp::Sub {
                j = Interval {
                    lo: -j.hi,
                    lo_inclusive: j.hi_inclusive,
                    hi: -j.lo,
                    hi_inclusive: j.lo_inclusive,
                };
            }
            uncertain_from_interval(&i.add(&j))
        }
        _ => None,
    };
    Ok(Some(result.map_or(Value::Null, Value::Uncertain)))
}

fn uncertain_from_interval(i: &Interval) -> Option<Uncertain> {
    let num = |x: f64| {
        if x == x.trunc() && x.abs() < 9.0e15 {
            Number::Int(x as i64)
        } else {
            Number::Float(x)
        }
    };
    match (i.lo.is_finite(), i.hi.is_finite()) {
        (true, true) => Some(Uncertain::Between(num(i.lo), num(i.hi))),
        (false, true) => Some(Uncertain::Below { bound: num(i.hi), inclusive: i.hi_inclusive }),
        (true, false) => Some(Uncertain::Above { bound: num(i.lo), inclusive: i.lo_inclusive }),
        (false, false) => None,
    }
}

// ---- strings -----------------------------------------------------------------------------

/// `STARTS WITH`, `ENDS WITH`, `CONTAINS`: null unless both sides are strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StringOp {
    StartsWith,
    EndsWith,
    Contains,
}

pub(crate) fn string_predicate(op: StringOp, a: &Value, b: &Value) -> Option<bool> {
    let (Value::String(s), Value::String(p)) = (a, b) else {
        return None;
    };
    Some(match op {
        StringOp::StartsWith => s.starts_with(&**p),
        StringOp::EndsWith => s.ends_with(&**p),
        StringOp::Contains => s.contains(&**p),
    })
}

thread_local! {
    /// Compiled patterns: a `WHERE x =~ 'pattern'` evaluates the same pattern on every row.
    static REGEX_CACHE: RefCell<HashMap<String, Regex>> = RefCell::new(HashMap::new());
}

const REGEX_CACHE_LIMIT: usize = 128;
/// Bounds the memory a user-supplied pattern can make the regex engine use.
const REGEX_SIZE_LIMIT: usize = 10 * (1 << 20);

/// `a =~ b`: the whole string must match (Java's `matches`, which Cypher follows). Null
/// unless both are strings; an invalid pattern is an error.
pub(crate) fn regex_match(a: &Value, b: &Value) -> EvalResult<Value> {
    let (Value::String(s), Value::String(p)) = (a, b) else {
        return Ok(Value::Null);
    };
    REGEX_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(re) = cache.get(&**p) {
            return Ok(Value::Bool(re.is_match(s)));
        }
        // Validate the pattern on its own first: only then is wrapping it in a group safe
        // (`a)|(b` would otherwise escape the anchors).
        let invalid = |e: regex::Error| {
            argument_error(
                ErrorDetail::InvalidArgumentValue,
                format!("invalid regular expression '{p}': {e}"),
            )
        };
        regex::RegexBuilder::new(p).size_limit(REGEX_SIZE_LIMIT).build().map_err(invalid)?;
        let re = regex::RegexBuilder::new(&format!(r"\A(?:{p})\z"))
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(invalid)?;
        let matched = re.is_match(s);
        if cache.len() >= REGEX_CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(p.to_string(), re);
        Ok(Value::Bool(matched))
    })
}

// ---- lists, maps, properties -------------------------------------------------------------

/// `x IN list`: true if some element equals `x`; otherwise null if some comparison was
/// null (or `x` is null and the list is not empty); otherwise false.
pub(crate) fn in_list(x: &Value, list: &Value) -> EvalResult<Value> {
    match list {
        Value::Null => Ok(Value::Null),
        Value::List(items) => {
            let mut unknown = false;
            for item in items {
                match equals(x, item) {
                    Some(true) => return Ok(Value::Bool(true)),
                    None => unknown = true,
                    Some(false) => {}
                }
            }
            Ok(if unknown { Value::Null } else { Value::Bool(false) })
        }
        other => Err(type_error(
            ErrorDetail::InvalidArgumentType,
            format!("IN expects a list, got {}", other.type_name()),
        )),
    }
}

/// Reads a property by name (`n.name`, `r.killed`, `map.key`); null when absent.
/// Dates and temporal values expose their components (`year`, `timezone`, ...; see
/// [`temporal::property`]); uncertain numbers expose `low`, `high` (the interval
/// bounds, null when unbounded) and `value` (the central value).
pub(crate) fn property(graph: &Graph, v: &Value, key: &str) -> EvalResult<Value> {
    Ok(match v {
        Value::Null => Value::Null,
        Value::Map(m) => m.get(key).cloned().unwrap_or(Value::Null),
        Value::Node(ix) => {
            graph.sym(key).and_then(|k| graph.entity_prop(*ix, k)).map_or(Value::Null, Value::from_model)
        }
        Value::Relationship(ix) => graph
            .sym(key)
            .and_then(|k| graph.claim(*ix).and_then(|c| c.prop(k)))
            .map_or(Value::Null, Value::from_model),
        Value::Date(_) | Value::Temporal(_) => temporal::property(v, key).unwrap_or(Value::Null),
        Value::Uncertain(u) => {
            let i = u.interval();
            let finite = |x: f64| {
                if x.is_finite() {
                    Value::Float(x)
                } else {
                    Value::Null
                }
            };
            match key {
                "low" => finite(i.lo),
                "high" => finite(i.hi),
                "value" => Value::Float(u.central()),
                _ => Value::Null,
            }
        }
        other => {
            return Err(type_error(
                ErrorDetail::InvalidArgumentType,
                format!("cannot read property '{key}' of a {}", other.type_name()),
            ))
        }
    })
}

/// `x:A:B`: whether a node carries every label, or a relationship has one of the types
/// (openCypher allows `r:T` on relationships); null for null.
pub(crate) fn has_labels(graph: &Graph, v: &Value, labels: &[&str]) -> EvalResult<Value> {
    match v {
        Value::Null => Ok(Value::Null),
        Value::Node(ix) => {
            Ok(Value::Bool(labels.iter().all(|l| graph.sym(l).is_some_and(|s| graph.has_label(*ix, s)))))
        }
        Value::Relationship(ix) => {
            let t = graph.claim(*ix).map(|c| graph.str(c.rel_type));
            Ok(Value::Bool(labels.iter().all(|l| Some(*l) == t)))
        }
        other => Err(type_error(
            ErrorDetail::InvalidArgumentType,
            format!("only nodes and relationships have labels, not a {}", other.type_name()),
        )),
    }
}

/// All properties of a node, relationship or map, as `properties(x)` returns them.
pub(crate) fn properties_of(graph: &Graph, v: &Value) -> Option<std::collections::BTreeMap<String, Value>> {
    match v {
        Value::Node(ix) => Some(entity_props(graph, *ix)),
        Value::Relationship(ix) => Some(claim_props(graph, *ix)),
        Value::Map(m) => Some(m.clone()),
        _ => None,
    }
}

/// `container[index]`: list element (negative counts from the end; out of range is null),
/// map entry, or node/relationship property by a string key.
pub(crate) fn index(graph: &Graph, container: &Value, idx: &Value) -> EvalResult<Value> {
    match (container, idx) {
        (Value::Null, _) | (_, Value::Null) => Ok(Value::Null),
        (Value::List(items), Value::Int(i)) => {
            Ok(list_position(items.len(), *i).and_then(|p| items.get(p)).cloned().unwrap_or(Value::Null))
        }
        (Value::List(_), other) => Err(type_error(
            ErrorDetail::InvalidArgumentType,
            format!("a list index must be an Integer, got {}", other.type_name()),
        )),
        (Value::Map(_) | Value::Node(_) | Value::Relationship(_), Value::String(k)) => {
            property(graph, container, k)
        }
        (Value::Map(_) | Value::Node(_) | Value::Relationship(_), other) => Err(type_error(
            ErrorDetail::MapElementAccessByNonString,
            format!("a map key must be a String, got {}", other.type_name()),
        )),
        (other, _) => Err(type_error(
            ErrorDetail::InvalidArgumentType,
            format!("cannot index into a {}", other.type_name()),
        )),
    }
}

/// Position of index `i` in a list of `len`, counting negative indexes from the end.
fn list_position(len: usize, i: i64) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let p = if i < 0 { len.checked_add(i)? } else { i };
    if (0..len).contains(&p) {
        usize::try_from(p).ok()
    } else {
        None
    }
}

/// `list[from..to]` (either bound may be omitted: `None`). Bounds are clamped to the list;
/// negative bounds count from the end; a null bound gives null.
pub(crate) fn slice(list: &Value, from: Option<&Value>, to: Option<&Value>) -> EvalResult<Value> {
    let bound = |b: Option<&Value>| -> EvalResult<Option<Option<i64>>> {
        match b {
            None => Ok(Some(None)),
            Some(Value::Null) => Ok(None),
            Some(Value::Int(i)) => Ok(Some(Some(*i))),
            Some(other) => Err(type_error(
                ErrorDetail::InvalidArgumentType,
                format!("a slice bound must be an Integer, got {}", other.type_name()),
            )),
        }
    };
    let items = match list {
        Value::Null => return Ok(Value::Null),
        Value::List(items) => items,
        other => {
            return Err(type_error(
                ErrorDetail::InvalidArgumentType,
                format!("cannot slice a {}", other.type_name()),
            ))
        }
    };
    let (Some(from), Some(to)) = (bound(from)?, bound(to)?) else {
        return Ok(Value::Null);
    };
    let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
    let clamp = |i: i64| -> usize {
        let p = if i < 0 { len.saturating_add(i) } else { i };
        usize::try_from(p.clamp(0, len)).unwrap_or(0)
    };
    let start = from.map_or(0, clamp);
    let end = to.map_or(items.len(), clamp);
    Ok(Value::List(if start < end { items[start..end].to_vec() } else { Vec::new() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Equivalence: `=` where null ≡ null and NaN ≡ NaN, as grouping keys decide it.
    fn equivalent(a: &Value, b: &Value) -> bool {
        group_key(a) == group_key(b)
    }
    use crate::query::value::tests::{f, i, l, s, sample_graph, N};

    fn m(entries: &[(&str, Value)]) -> Value {
        Value::Map(entries.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }
    fn nan() -> Value {
        Value::Float(f64::NAN)
    }
    fn approx(x: i64) -> Value {
        Value::Uncertain(Uncertain::Approx(Number::Int(x)))
    }
    fn below(x: i64) -> Value {
        Value::Uncertain(Uncertain::Below { bound: Number::Int(x), inclusive: false })
    }
    fn between(a: i64, b: i64) -> Value {
        Value::Uncertain(Uncertain::Between(Number::Int(a), Number::Int(b)))
    }
    fn date(y: i32, mo: Option<u32>, d: Option<u32>) -> Value {
        Value::Date(DateValue::Absolute(PartialDate::new(y, mo, d).unwrap()))
    }

    #[test]
    fn equality_follows_the_tck() {
        let cases: Vec<(Value, Value, Option<bool>)> = vec![
            (i(1), f(1.0), Some(true)),
            (f(1.0), f(1.0), Some(true)),
            (s("1.0"), f(1.0), Some(false)),
            (s("1"), i(1), Some(false)),
            (N, N, None),
            (i(1), N, None),
            (nan(), i(1), Some(false)),
            (nan(), nan(), Some(false)),
            (nan(), s("a"), Some(false)),
            (i(4611686018427387905), i(4611686018427387905), Some(true)),
            (i(4611686018427387905), i(4611686018427387900), Some(false)),
            (i(9007199254740993), f(9007199254740992.0), Some(false)),
            (l(vec![i(1), i(2)]), l(vec![i(1)]), Some(false)),
            (l(vec![N]), l(vec![i(1)]), None),
            (l(vec![s("a")]), l(vec![i(1)]), Some(false)),
            (l(vec![l(vec![i(1)])]), l(vec![l(vec![i(1)]), l(vec![N])]), Some(false)),
            (l(vec![l(vec![i(1)]), l(vec![i(2)])]), l(vec![l(vec![i(1)]), l(vec![N])]), None),
            (l(vec![l(vec![i(1)]), l(vec![i(2), i(3)])]), l(vec![l(vec![i(1)]), l(vec![N])]), Some(false)),
            (m(&[]), m(&[]), Some(true)),
            (m(&[("k", i(1))]), m(&[("k", f(1.0))]), Some(true)),
            (m(&[]), m(&[("k", N)]), Some(false)),
            (m(&[("k", i(1))]), m(&[("k", i(1)), ("l", N)]), Some(false)),
            (m(&[("k", N)]), m(&[("k", N)]), None),
            (m(&[("k", i(1)), ("l", N)]), m(&[("k", N), ("l", i(1))]), None),
            (m(&[("k", i(1)), ("l", N)]), m(&[("k", i(1)), ("l", i(1))]), None),
            (Value::Bool(true), i(1), Some(false)),
            // Uncertain numbers: compatible means equal.
            (approx(100), i(100), Some(true)),
            (approx(100), i(300), Some(false)),
            (approx(100), i(105), Some(true)),
            (below(12), i(12), Some(false)),
            (below(12), i(5), Some(true)),
            (between(65, 200), approx(100), Some(true)),
            // Dates with precision: compatible means equal.
            (date(2018, Some(2), None), date(2018, Some(2), Some(7)), Some(true)),
            (date(2017, Some(9), None), date(2017, Some(10), None), Some(false)),
        ];
        for (a, b, want) in cases {
            assert_eq!(equals(&a, &b), want, "{a} = {b}");
            assert_eq!(equals(&b, &a), want, "{b} = {a}");
            assert_eq!(not_equals(&a, &b), want.map(|x| !x), "{a} <> {b}");
        }
    }

    #[test]
    fn comparison_follows_the_tck() {
        use CmpOp::*;
        let cases: Vec<(Value, CmpOp, Value, Option<bool>)> = vec![
            (i(1), Lt, f(3.25), Some(true)),
            (i(1), Le, f(3.25), Some(true)),
            (f(3.25), Ge, i(1), Some(true)),
            (f(3.25), Gt, i(1), Some(true)),
            (f(1.0), Lt, f(1.0), Some(false)),
            (i(1), Lt, f(1.0), Some(false)),
            (i(1), Le, f(1.0), Some(true)),
            (s("1.0"), Lt, f(1.0), None),
            (s("1"), Lt, i(1), None),
            (s("a"), Lt, s("b"), Some(true)),
            (s("b"), Le, s("a"), Some(false)),
            (Value::Bool(false), Lt, Value::Bool(true), Some(true)),
            (l(vec![i(1), i(0)]), Ge, l(vec![i(1)]), Some(true)),
            (l(vec![i(1), N]), Ge, l(vec![i(1)]), Some(true)),
            (l(vec![i(1), i(2)]), Ge, l(vec![i(1), N]), None),
            (l(vec![i(1), s("a")]), Ge, l(vec![i(1), N]), None),
            (l(vec![i(1), i(2)]), Ge, l(vec![i(3), N]), Some(false)),
            (m(&[]), Lt, m(&[]), None),
            (l(vec![]), Lt, m(&[]), None),
            (N, Lt, i(1), None),
            (i(1), Gt, Value::Bool(true), None),
            (i(i64::MAX), Gt, f(9.2e18), Some(true)),
            // Uncertain numbers: certain or null.
            (approx(100), Gt, i(50), Some(true)),
            (approx(100), Lt, i(50), Some(false)),
            (below(12), Gt, i(20), Some(false)),
            (below(12), Lt, i(20), Some(true)),
            (below(12), Lt, i(12), Some(true)),
            (below(12), Lt, i(5), None),
            (between(65, 200), Gt, i(100), None),
            (between(65, 200), Ge, i(65), Some(true)),
            (between(65, 200), Gt, i(65), None),
            (between(65, 200), Le, i(200), Some(true)),
            (approx(100), Lt, approx(300), Some(true)),
            (l(vec![approx(100)]), Lt, l(vec![i(300)]), Some(true)),
            (l(vec![between(1, 9)]), Lt, l(vec![i(5)]), None),
            // Dates.
            (date(2017, Some(9), None), Lt, date(2018, None, None), Some(true)),
            (date(2018, None, None), Lt, date(2018, Some(2), Some(7)), None),
            (date(2018, Some(2), None), Le, date(2018, Some(2), Some(28)), Some(true)),
        ];
        for (a, op, b, want) in cases {
            assert_eq!(compare(op, &a, &b), want, "{a} {op:?} {b}");
        }
        for op in [Lt, Le, Gt, Ge] {
            assert_eq!(compare(op, &nan(), &i(1)), Some(false));
            assert_eq!(compare(op, &nan(), &f(1.0)), Some(false));
            assert_eq!(compare(op, &nan(), &nan()), Some(false));
            assert_eq!(compare(op, &nan(), &s("a")), None);
        }
    }

    #[test]
    fn order_by_matches_the_tck() {
        let (_, nodes, c) = sample_graph();
        let path = Value::Path { nodes: vec![nodes[2], nodes[3]], rels: vec![c] };
        let mut mixed = vec![
            Value::Node(nodes[2]),
            Value::Relationship(c),
            path.clone(),
            f(1.5),
            l(vec![s("list")]),
            s("text"),
            N,
            Value::Bool(false),
            nan(),
            m(&[("a", s("map"))]),
        ];
        mixed.sort_by(order_cmp);
        let want = vec![
            m(&[("a", s("map"))]),
            Value::Node(nodes[2]),
            Value::Relationship(c),
            l(vec![s("list")]),
            path,
            s("text"),
            Value::Bool(false),
            f(1.5),
            nan(),
            N,
        ];
        assert_eq!(format!("{mixed:?}"), format!("{want:?}"));

        let mut lists = vec![
            l(vec![]),
            l(vec![s("a")]),
            l(vec![s("a"), i(1)]),
            l(vec![i(1)]),
            l(vec![i(1), s("a")]),
            l(vec![i(1), N]),
            l(vec![N, i(1)]),
            l(vec![N, i(2)]),
        ];
        let want = lists.clone();
        lists.reverse();
        lists.sort_by(order_cmp);
        assert_eq!(lists, want);

        let mut nums =
            vec![f(999.99), i(3), approx(2), f(1.3), i(-7), between(1, 3), f(f64::INFINITY), i(i64::MAX)];
        nums.sort_by(order_cmp);
        // Uncertain values sort by central value after exact ones, then by interval.
        let want =
            vec![i(-7), f(1.3), between(1, 3), approx(2), i(3), f(999.99), i(i64::MAX), f(f64::INFINITY)];
        assert_eq!(nums, want);
    }

    #[test]
    fn order_is_total_on_awkward_values() {
        // Sorting panics on an inconsistent comparator in recent Rust; check transitivity
        // on a mix of values that compare equal numerically.
        let vals = vec![
            i(1),
            f(1.0),
            f(-0.0),
            i(0),
            approx(1),
            Value::Uncertain(Uncertain::Approx(Number::Float(1.0))),
            between(0, 2),
            nan(),
            N,
            Value::Uncertain(Uncertain::Approx(Number::Float(f64::NAN))),
            i(9007199254740993),
            f(9007199254740992.0),
            date(2018, None, None),
            date(2018, Some(1), None),
            Value::Date(DateValue::Relative { amount: -4, unit: DateUnit::Month }),
        ];
        for a in &vals {
            for b in &vals {
                assert_eq!(order_cmp(a, b), order_cmp(b, a).reverse(), "{a} vs {b}");
                for c in &vals {
                    if order_cmp(a, b) != Ordering::Greater && order_cmp(b, c) != Ordering::Greater {
                        assert_ne!(order_cmp(a, c), Ordering::Greater, "{a} <= {b} <= {c}");
                    }
                }
            }
        }
    }

    #[test]
    fn equivalence_groups_null_nan_and_numbers() {
        assert!(equivalent(&N, &N));
        assert!(equivalent(&nan(), &nan()));
        assert!(equivalent(&i(1), &f(1.0)));
        assert!(equivalent(&f(-0.0), &i(0)));
        assert!(equivalent(&l(vec![N, i(1)]), &l(vec![N, f(1.0)])));
        assert!(!equivalent(&i(1), &s("1")));
        assert!(!equivalent(&approx(100), &i(100)));
        assert!(!equivalent(&f(1.5), &i(1)));
        assert!(!equivalent(&i(9007199254740993), &f(9007199254740992.0)));
        assert!(!equivalent(&m(&[("a", i(1))]), &m(&[("b", i(1))])));
    }

    #[test]
    fn three_valued_logic() {
        let t = Some(true);
        let fa = Some(false);
        let cases = [
            (t, t, t, t, fa),
            (t, fa, fa, t, t),
            (t, None, None, t, None),
            (fa, fa, fa, fa, fa),
            (fa, None, fa, None, None),
            (None, None, None, None, None),
        ];
        for (a, b, and_, or_, xor_) in cases {
            assert_eq!(and3(a, b), and_);
            assert_eq!(and3(b, a), and_);
            assert_eq!(or3(a, b), or_);
            assert_eq!(or3(b, a), or_);
            assert_eq!(xor3(a, b), xor_);
        }
        assert_eq!(not(&N).unwrap(), N);
        assert_eq!(not(&Value::Bool(true)).unwrap(), Value::Bool(false));
        let err = and(&i(1), &Value::Bool(true)).unwrap_err();
        assert_eq!((err.class.as_str(), err.detail.as_str()), ("TypeError", "InvalidArgumentType"));
    }

    #[test]
    fn arithmetic() {
        type Op = fn(&Value, &Value) -> EvalResult<Value>;
        let cases: Vec<(Op, Value, Value, Value)> = vec![
            (add, i(1), i(2), i(3)),
            (add, i(1), f(0.5), f(1.5)),
            (add, s("a"), s("b"), s("ab")),
            (add, s("a"), i(1), s("a1")),
            (add, f(1.5), s("x"), s("1.5x")),
            (add, l(vec![i(1)]), l(vec![i(2)]), l(vec![i(1), i(2)])),
            (add, l(vec![i(1)]), i(2), l(vec![i(1), i(2)])),
            (add, i(0), l(vec![i(1)]), l(vec![i(0), i(1)])),
            (add, N, i(1), N),
            (add, l(vec![]), N, N),
            (sub, i(1), i(3), i(-2)),
            (mul, i(4), f(0.5), f(2.0)),
            (div, i(7), i(2), i(3)),
            (div, i(-7), i(2), i(-3)),
            (div, f(1.0), i(0), f(f64::INFINITY)),
            (rem, i(-7), i(2), i(-1)),
            (rem, i(i64::MIN), i(-1), i(0)),
            (rem, f(7.5), i(2), f(1.5)),
            (pow, i(2), i(3), f(8.0)),
            (div, i(12), i(4), i(3)),
            // Uncertain numbers.
            (add, approx(100), i(5), approx(105)),
            (add, i(5), below(12), below(17)),
            (
                sub,
                i(0),
                below(12),
                Value::Uncertain(Uncertain::Above { bound: Number::Int(-12), inclusive: false }),
            ),
            (mul, between(65, 200), i(-1), between(-200, -65)),
            (add, approx(100), approx(200), approx(300)),
            (add, between(1, 2), between(10, 20), between(11, 22)),
            (mul, approx(100), approx(2), N),
            (div, approx(100), i(0), N),
        ];
        for (op, a, b, want) in cases {
            let got = op(&a, &b).unwrap();
            assert_eq!(format!("{got:?}"), format!("{want:?}"), "{a} op {b}");
        }
        assert!(matches!(div(&f(0.0), &i(0)).unwrap(), Value::Float(x) if x.is_nan()));
        let errors: Vec<(Op, Value, Value, &str, &str)> = vec![
            (add, i(i64::MAX), i(1), "ArithmeticError", "IntegerOverflow"),
            (sub, i(i64::MIN), i(1), "ArithmeticError", "IntegerOverflow"),
            (mul, i(i64::MAX), i(2), "ArithmeticError", "IntegerOverflow"),
            (div, i(i64::MIN), i(-1), "ArithmeticError", "IntegerOverflow"),
            (div, i(1), i(0), "ArithmeticError", "DivisionByZero"),
            (rem, i(1), i(0), "ArithmeticError", "DivisionByZero"),
            (add, Value::Bool(true), i(1), "TypeError", "InvalidArgumentType"),
            (sub, s("a"), s("b"), "TypeError", "InvalidArgumentType"),
            (add, m(&[]), i(1), "TypeError", "InvalidArgumentType"),
            (add, approx(1), s("x"), "TypeError", "InvalidArgumentType"),
        ];
        for (op, a, b, class, detail) in errors {
            let e = op(&a, &b).unwrap_err();
            assert_eq!((e.class.as_str(), e.detail.as_str()), (class, detail), "{a} op {b}");
        }
        assert_eq!(neg(&i(5)).unwrap(), i(-5));
        assert!(neg(&i(i64::MIN)).is_err());
        assert_eq!(
            neg(&below(12)).unwrap(),
            Value::Uncertain(Uncertain::Above { bound: Number::Int(-12), inclusive: false })
        );
        assert!(neg(&s("x")).is_err());
    }

    #[test]
    fn string_predicates_and_regex() {
        use StringOp::*;
        assert_eq!(string_predicate(StartsWith, &s("ABCDEF"), &s("ABC")), Some(true));
        assert_eq!(string_predicate(EndsWith, &s("ABCDEF"), &s("DEF")), Some(true));
        assert_eq!(string_predicate(Contains, &s("ABCDEF"), &s("")), Some(true));
        assert_eq!(string_predicate(Contains, &s("ABCDEF"), &s("x")), Some(false));
        for a in [i(1), f(3.25), Value::Bool(true), l(vec![]), m(&[]), N] {
            for b in [i(1), s("a"), N] {
                assert_eq!(string_predicate(StartsWith, &a, &b), None);
                assert_eq!(string_predicate(StartsWith, &b, &a), None);
            }
        }
        assert_eq!(regex_match(&s("abc"), &s("a.c")).unwrap(), Value::Bool(true));
        assert_eq!(regex_match(&s("xabc"), &s("a.c")).unwrap(), Value::Bool(false));
        assert_eq!(regex_match(&s("abc\n"), &s("abc")).unwrap(), Value::Bool(false));
        assert_eq!(regex_match(&s("a|b"), &s("a|b")).unwrap(), Value::Bool(false));
        assert_eq!(regex_match(&s("b"), &s("a|b")).unwrap(), Value::Bool(true));
        assert_eq!(regex_match(&i(1), &s("1")).unwrap(), N);
        assert!(regex_match(&s("a"), &s("(")).is_err());
        assert!(regex_match(&s("a"), &s("a)|(b")).is_err());
        assert_eq!(regex_match(&s("ABC"), &s("(?i)abc")).unwrap(), Value::Bool(true));
    }

    #[test]
    fn in_semantics() {
        let cases: Vec<(Value, Value, Value)> = vec![
            (i(1), l(vec![i(1), i(2)]), Value::Bool(true)),
            (i(1), l(vec![s("1")]), Value::Bool(false)),
            (i(3), l(vec![i(1), N]), N),
            (i(1), l(vec![N, i(1)]), Value::Bool(true)),
            (N, l(vec![]), Value::Bool(false)),
            (N, l(vec![i(1)]), N),
            (N, N, N),
            (l(vec![i(1), i(2)]), l(vec![l(vec![i(1), i(2)]), i(3)]), Value::Bool(true)),
            (l(vec![i(1), N]), l(vec![l(vec![i(1), N])]), N),
            (l(vec![i(1), N]), l(vec![l(vec![i(1)])]), Value::Bool(false)),
            (l(vec![]), l(vec![l(vec![])]), Value::Bool(true)),
        ];
        for (x, list, want) in cases {
            assert_eq!(in_list(&x, &list).unwrap(), want, "{x} IN {list}");
        }
        let e = in_list(&i(1), &i(123)).unwrap_err();
        assert_eq!((e.class.as_str(), e.detail.as_str()), ("TypeError", "InvalidArgumentType"));
    }

    #[test]
    fn indexing_and_slicing() {
        let (g, nodes, c) = sample_graph();
        let list = l(vec![i(1), i(2), i(3)]);
        let cases: Vec<(Value, Value, Value)> = vec![
            (list.clone(), i(0), i(1)),
            (list.clone(), i(-1), i(3)),
            (list.clone(), i(3), N),
            (list.clone(), i(-4), N),
            (list.clone(), i(i64::MIN), N),
            (list.clone(), N, N),
            (N, i(0), N),
            (m(&[("a", i(1))]), s("a"), i(1)),
            (m(&[("a", i(1))]), s("b"), N),
            (Value::Node(nodes[2]), s("name"), s("Wagner")),
            (Value::Relationship(c), s("killed"), approx(100)),
            (Value::Node(nodes[2]), s("never-interned"), N),
        ];
        for (container, idx, want) in cases {
            assert_eq!(index(&g, &container, &idx).unwrap(), want, "{container}[{idx}]");
        }
        let errors: Vec<(Value, Value, &str)> = vec![
            (list.clone(), s("a"), "InvalidArgumentType"),
            (list.clone(), f(1.0), "InvalidArgumentType"),
            (m(&[]), i(0), "MapElementAccessByNonString"),
            (i(1), i(0), "InvalidArgumentType"),
            (s("abc"), i(0), "InvalidArgumentType"),
        ];
        for (container, idx, detail) in errors {
            let e = index(&g, &container, &idx).unwrap_err();
            assert_eq!((e.class.as_str(), e.detail.as_str()), ("TypeError", detail), "{container}[{idx}]");
        }

        let sl = |a: Option<Value>, b: Option<Value>| slice(&list, a.as_ref(), b.as_ref()).unwrap();
        assert_eq!(sl(Some(i(1)), Some(i(3))), l(vec![i(2), i(3)]));
        assert_eq!(sl(Some(i(1)), None), l(vec![i(2), i(3)]));
        assert_eq!(sl(None, Some(i(2))), l(vec![i(1), i(2)]));
        assert_eq!(sl(Some(i(0)), Some(i(1))), l(vec![i(1)]));
        assert_eq!(sl(Some(i(0)), Some(i(0))), l(vec![]));
        assert_eq!(sl(Some(i(-3)), Some(i(-1))), l(vec![i(1), i(2)]));
        assert_eq!(sl(Some(i(3)), Some(i(1))), l(vec![]));
        assert_eq!(sl(Some(i(-5)), Some(i(5))), list);
        assert_eq!(sl(Some(N), Some(i(1))), N);
        assert_eq!(sl(Some(i(i64::MIN)), Some(i(i64::MAX))), list);
        assert!(slice(&list, Some(&s("a")), None).is_err());
    }

    #[test]
    fn label_predicates() {
        let (g, nodes, c) = sample_graph();
        let n = Value::Node(nodes[2]);
        assert_eq!(has_labels(&g, &n, &["Organization"]).unwrap(), Value::Bool(true));
        assert_eq!(has_labels(&g, &n, &["Organization", "Person"]).unwrap(), Value::Bool(false));
        assert_eq!(has_labels(&g, &n, &["NeverSeen"]).unwrap(), Value::Bool(false));
        assert_eq!(has_labels(&g, &Value::Relationship(c), &["FOUGHT_IN"]).unwrap(), Value::Bool(true));
        assert_eq!(has_labels(&g, &N, &["X"]).unwrap(), N);
        assert!(has_labels(&g, &i(1), &["X"]).is_err());
    }

    #[test]
    fn properties_of_values() {
        let (g, _, _) = sample_graph();
        assert_eq!(property(&g, &N, "x").unwrap(), N);
        assert_eq!(property(&g, &date(2018, Some(2), None), "month").unwrap(), i(2));
        assert_eq!(property(&g, &date(2018, Some(2), None), "day").unwrap(), N);
        assert_eq!(property(&g, &below(12), "high").unwrap(), f(12.0));
        assert_eq!(property(&g, &below(12), "low").unwrap(), N);
        assert_eq!(property(&g, &between(65, 200), "value").unwrap(), f(132.5));
        assert!(property(&g, &i(1), "x").is_err());
    }
}
