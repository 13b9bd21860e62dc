//! Operators on temporal values: `+` and `-` with durations, `*` and `/` of durations,
//! component access (`d.year`, `t.timezone`, `dur.minutesOfHour`) and the key equivalence
//! uses. Comparison and ordering are [`crate::model::Temporal`]'s; [`super::ops`] calls in
//! here for anything temporal.
//!
//! A date is either a claimgraph date with precision (`Value::Date`) or, while computing,
//! a [`Temporal::Date`]: a day-precision date converts both ways, so `date('2018-02-07')`
//! is `@2018-02-07`. Dates of month or year precision keep their precision under
//! arithmetic: `@2017-09 + duration('P1M')` is `@2017-10`, and days do not move them.

use super::error::{arithmetic_error, type_error, ErrorDetail, EvalResult, QueryError};
use super::value::Value;
use crate::model::temporal::{calc, Duration, Field, TemporalError};
use crate::model::{DateUnit, DateValue, PartialDate, Temporal};

/// The temporal view of a value: a day-precision date or another temporal value.
pub(crate) fn as_temporal(v: &Value) -> Option<Temporal> {
    match v {
        Value::Date(DateValue::Absolute(p)) => p.to_civil().map(Temporal::Date),
        Value::Temporal(t) => Some(t.clone()),
        _ => None,
    }
}

/// A model error as a query error: bad text or fields are `InvalidArgumentValue`, results
/// out of range `ArithmeticError`.
pub(crate) fn temporal_error(e: TemporalError) -> QueryError {
    match e {
        TemporalError::Overflow => arithmetic_error(ErrorDetail::IntegerOverflow, e.to_string()),
        TemporalError::DivisionByZero => arithmetic_error(ErrorDetail::DivisionByZero, e.to_string()),
        _ => type_error(ErrorDetail::InvalidArgumentValue, e.to_string()),
    }
}

fn duration_of(v: &Value) -> Option<&Duration> {
    match v {
        Value::Temporal(Temporal::Duration(d)) => Some(d),
        _ => None,
    }
}

/// A coarse date moved by a duration: whole months (and years) only.
fn shift_partial(p: &PartialDate, d: &Duration, sign: i64) -> EvalResult<Value> {
    let months = d.months.checked_mul(sign).ok_or_else(|| temporal_error(TemporalError::Overflow))?;
    let shifted = p
        .shift(months, DateUnit::Month)
        .map_err(|e| temporal_error(TemporalError::Invalid(e.to_string())))?;
    Ok(Value::Date(DateValue::Absolute(shifted)))
}

/// `a + b` or `a - b` (`sign` -1) when a temporal value is involved: `Some` with the
/// result, `None` when these operands are not temporal arithmetic.
pub(crate) fn add_sub(a: &Value, b: &Value, sign: i64) -> EvalResult<Option<Value>> {
    // A duration on the left of `+` commutes; on the left of `-` only a duration may follow.
    let (point, d) = match (duration_of(a), duration_of(b)) {
        (_, Some(d)) => (a, d),
        (Some(d), None) if sign == 1 => (b, d),
        _ => return Ok(None),
    };
    if let Value::Date(DateValue::Absolute(p)) = point {
        if p.to_civil().is_none() {
            return shift_partial(p, d, sign).map(Some);
        }
    }
    let Some(t) = as_temporal(point) else { return Ok(None) };
    calc::add(&t, d, sign).map(|r| Some(Value::from_temporal(r))).map_err(temporal_error)
}

/// `duration * number`, `number * duration`, `duration / number`.
pub(crate) fn scale(a: &Value, b: &Value, divide: bool) -> EvalResult<Option<Value>> {
    let (d, k) = match (duration_of(a), duration_of(b)) {
        (Some(d), None) => (d, b),
        (None, Some(d)) if !divide => (d, a),
        _ => return Ok(None),
    };
    let r = match (k, divide) {
        (Value::Int(i), false) => d.mul_int(*i),
        (Value::Float(x), false) => d.mul_float(*x),
        (Value::Int(i), true) => d.div(*i as f64),
        (Value::Float(x), true) => d.div(*x),
        _ => return Ok(None),
    };
    r.map(|d| Some(Value::Temporal(Temporal::Duration(d)))).map_err(temporal_error)
}

/// `v.key` of a date or temporal value: its components, null for a component it does not
/// have. Dates of coarser precision answer what they know (`year`, `quarter` and `month`;
/// a week `weekYear` and `week`); every date answers `precision` (`'year'`, `'month'`,
/// `'week'` or `'day'`).
pub(crate) fn property(v: &Value, key: &str) -> Option<Value> {
    match v {
        Value::Date(DateValue::Absolute(p)) => {
            if key == "precision" {
                return Some(Value::from(precision_name(p)));
            }
            if p.to_civil().is_none() {
                return Some(match key {
                    "year" if p.week.is_none() => Value::Int(i64::from(p.year)),
                    "weekYear" if p.week.is_some() => Value::Int(i64::from(p.year)),
                    "week" => p.week.map_or(Value::Null, |w| Value::Int(i64::from(w))),
                    "month" => p.month.map_or(Value::Null, |m| Value::Int(i64::from(m))),
                    "quarter" => p.month.map_or(Value::Null, |m| Value::Int(i64::from((m - 1) / 3 + 1))),
                    _ => Value::Null,
                });
            }
        }
        Value::Date(DateValue::Relative { .. }) => return Some(Value::Null),
        Value::Temporal(_) => {}
        _ => return None,
    }
    let t = as_temporal(v)?;
    Some(match t.field(key) {
        Some(Field::Int(i)) => Value::Int(i),
        Some(Field::Str(s)) => Value::from(s),
        None => Value::Null,
    })
}

/// `'year'`, `'month'` or `'day'`.
pub(crate) fn precision_name(p: &PartialDate) -> &'static str {
    match p.precision() {
        crate::model::Precision::Year => "year",
        crate::model::Precision::Month => "month",
        crate::model::Precision::Week => "week",
        crate::model::Precision::Day => "day",
    }
}

/// What DISTINCT and grouping compare: the kind and the string form (which differs
/// exactly when [`Temporal::same`] says the values differ).
pub(crate) fn group_key(t: &Temporal) -> (u8, String) {
    (t.kind() as u8, t.to_string())
}

/// The rank of a temporal kind in ORDER BY among temporal values; dates of any precision
/// rank as dates.
pub(crate) fn kind_rank(v: &Value) -> u8 {
    match v {
        Value::Temporal(t) => t.kind() as u8,
        _ => crate::model::TemporalKind::Date as u8,
    }
}
