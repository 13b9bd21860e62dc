//! The temporal functions: the constructors `date`, `localtime`, `time`, `localdatetime`,
//! `datetime` and `duration` (from nothing (now), a string, a map of fields, or another
//! temporal value), their `.transaction`, `.statement` and `.realtime` clocks, `.truncate`,
//! `datetime.fromepoch`/`fromepochmillis`, `duration.between`/`inMonths`/`inDays`/
//! `inSeconds`, `timestamp()`, and our `resolve(date, anchor)` for relative dates.
//!
//! "Now" is the statement's clock: every call in one statement sees the same instant, so
//! `duration.inSeconds(time(), time())` is `PT0S`. `.realtime` reads the system clock.
//! Values without a zone of their own are in UTC.

use std::collections::BTreeMap;

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{Offset, TimeZone};
use jiff::Timestamp;

use super::error::{type_error, ErrorDetail, EvalResult, QueryError};
use super::temporal::{as_temporal, temporal_error};
use super::value::Value;
use crate::model::temporal::calc::{self, DateFields, TimeFields};
use crate::model::temporal::{
    parse, time_zone, Amount, Duration, DurationParts, TemporalError, TemporalKind,
};
use crate::model::{DateValue, PartialDate, Temporal};

/// Every temporal function: name, least and most arguments.
pub(crate) const FUNCTIONS: &[(&str, usize, usize)] = &[
    ("date", 0, 1),
    ("date.transaction", 0, 1),
    ("date.statement", 0, 1),
    ("date.realtime", 0, 1),
    ("date.truncate", 2, 3),
    ("localtime", 0, 1),
    ("localtime.transaction", 0, 1),
    ("localtime.statement", 0, 1),
    ("localtime.realtime", 0, 1),
    ("localtime.truncate", 2, 3),
    ("time", 0, 1),
    ("time.transaction", 0, 1),
    ("time.statement", 0, 1),
    ("time.realtime", 0, 1),
    ("time.truncate", 2, 3),
    ("localdatetime", 0, 1),
    ("localdatetime.transaction", 0, 1),
    ("localdatetime.statement", 0, 1),
    ("localdatetime.realtime", 0, 1),
    ("localdatetime.truncate", 2, 3),
    ("datetime", 0, 1),
    ("datetime.transaction", 0, 1),
    ("datetime.statement", 0, 1),
    ("datetime.realtime", 0, 1),
    ("datetime.truncate", 2, 3),
    ("datetime.fromepoch", 2, 2),
    ("datetime.fromepochmillis", 1, 1),
    ("duration", 1, 1),
    ("duration.between", 2, 2),
    ("duration.inMonths", 2, 2),
    ("duration.inDays", 2, 2),
    ("duration.inSeconds", 2, 2),
    // Milliseconds since 1970-01-01T00:00Z at the statement's clock.
    ("timestamp", 0, 0),
    // Implementation extension: a relative date (`@-4months`) resolved against a date.
    ("resolve", 2, 2),
];

/// The name of a temporal function as spelt in [`FUNCTIONS`], if `name` (any case) is one.
pub(crate) fn canonical(name: &str) -> Option<&'static str> {
    FUNCTIONS.iter().map(|(n, ..)| *n).find(|n| n.eq_ignore_ascii_case(name))
}

fn bad(func: &str, v: &Value) -> QueryError {
    type_error(ErrorDetail::InvalidArgumentValue, format!("{func}() cannot take a {} ({v})", v.type_name()))
}

fn invalid(message: impl Into<String>) -> QueryError {
    type_error(ErrorDetail::InvalidArgumentValue, message)
}

fn target_kind(base: &str) -> Option<TemporalKind> {
    Some(match base {
        "date" => TemporalKind::Date,
        "localtime" => TemporalKind::LocalTime,
        "time" => TemporalKind::Time,
        "localdatetime" => TemporalKind::LocalDateTime,
        "datetime" => TemporalKind::DateTime,
        _ => return None,
    })
}

/// Evaluates temporal function `name` (already known to be one, see [`signature`]) at the
/// statement's clock `now`.
pub(crate) fn call(name: &str, args: &[Value], now: Timestamp) -> EvalResult<Value> {
    let f = canonical(name).unwrap_or(name);
    if args.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    if f == "resolve" {
        return resolve(&args[0], &args[1]);
    }
    if f == "timestamp" {
        return Ok(Value::Int(now.as_millisecond()));
    }
    let (base, variant) = f.split_once('.').unwrap_or((f, ""));
    if base == "duration" {
        return match variant {
            "" => duration(&args[0]).map(|d| Value::Temporal(Temporal::Duration(d))),
            _ => {
                let (a, b) = (temporal_arg(f, &args[0])?, temporal_arg(f, &args[1])?);
                let d = match variant {
                    "between" => calc::between(&a, &b),
                    "inMonths" => calc::between_in(&a, &b, "months"),
                    "inDays" => calc::between_in(&a, &b, "days"),
                    _ => calc::between_in(&a, &b, "seconds"),
                };
                d.map(|d| Value::Temporal(Temporal::Duration(d))).map_err(temporal_error)
            }
        };
    }
    let kind = target_kind(base).ok_or_else(|| invalid(format!("unknown temporal function {f}")))?;
    let result = match variant {
        "truncate" => truncate(kind, &args[0], &args[1], args.get(2))?,
        "fromepoch" => {
            let (Value::Int(s), Value::Int(n)) = (&args[0], &args[1]) else { return Err(bad(f, &args[0])) };
            let n = i32::try_from(*n).map_err(|_| bad(f, &args[1]))?;
            let ts = Timestamp::new(*s, n).map_err(|e| invalid(e.to_string()))?;
            Temporal::DateTime(ts.to_zoned_datetime(TimeZone::fixed(Offset::UTC)))
        }
        "fromepochmillis" => {
            let Value::Int(ms) = &args[0] else { return Err(bad(f, &args[0])) };
            let ts = Timestamp::from_millisecond(*ms).map_err(|e| invalid(e.to_string()))?;
            Temporal::DateTime(ts.to_zoned_datetime(TimeZone::fixed(Offset::UTC)))
        }
        _ => {
            let clock = if variant == "realtime" { Timestamp::now() } else { now };
            match args.first() {
                None => at(kind, clock, None)?,
                Some(Value::String(s)) if !variant.is_empty() => at(kind, clock, Some(s))?,
                Some(v) => construct(kind, v, clock)?,
            }
        }
    };
    Ok(Value::from_temporal(result))
}

fn temporal_arg(f: &str, v: &Value) -> EvalResult<Temporal> {
    as_temporal(v).ok_or_else(|| bad(f, v))
}

/// The value of kind `kind` at instant `clock`, in `zone` (UTC by default).
fn at(kind: TemporalKind, clock: Timestamp, zone: Option<&str>) -> EvalResult<Temporal> {
    let tz = match zone {
        Some(z) => time_zone(z).map_err(temporal_error)?,
        None => TimeZone::fixed(Offset::UTC),
    };
    let z = clock.to_zoned_datetime(tz);
    Ok(match kind {
        TemporalKind::Date => Temporal::Date(z.date()),
        TemporalKind::LocalTime => Temporal::LocalTime(z.time()),
        TemporalKind::Time => Temporal::Time(z.time(), z.offset()),
        TemporalKind::LocalDateTime => Temporal::LocalDateTime(z.datetime()),
        _ => Temporal::DateTime(z),
    })
}

/// `date('2015-07-21')`, `date({year: 1984, week: 10})`, `date(aDateTime)`.
fn construct(kind: TemporalKind, v: &Value, clock: Timestamp) -> EvalResult<Temporal> {
    match v {
        Value::String(s) => from_string(kind, s).map_err(temporal_error),
        Value::Map(m) => from_map(kind, m, clock),
        other => {
            let key = match kind {
                TemporalKind::Date => "date",
                TemporalKind::LocalTime | TemporalKind::Time => "time",
                _ => "datetime",
            };
            if as_temporal(other).is_none() {
                return Err(bad(&kind.name().to_lowercase(), other));
            }
            from_map(kind, &BTreeMap::from([(key.to_string(), other.clone())]), clock)
        }
    }
}

fn from_string(kind: TemporalKind, s: &str) -> Result<Temporal, TemporalError> {
    let utc = TimeZone::fixed(Offset::UTC);
    Ok(match kind {
        TemporalKind::Duration => Temporal::Duration(parse::parse_duration(s)?),
        TemporalKind::Date => Temporal::Date(parse::parse_date(s)?),
        TemporalKind::LocalTime => {
            Temporal::LocalTime(parse::parse_time(s)?.time.unwrap_or(Time::midnight()))
        }
        TemporalKind::Time => {
            let p = parse::parse_time(s)?;
            let t = p.time.unwrap_or(Time::midnight());
            let offset = match (p.offset, p.zone) {
                (Some(o), _) => o,
                (None, Some(z)) => time_zone(&z)?.to_offset(Timestamp::now()),
                (None, None) => Offset::UTC,
            };
            Temporal::Time(t, offset)
        }
        TemporalKind::LocalDateTime => {
            let p = parse::parse_datetime(s)?;
            Temporal::LocalDateTime(DateTime::from_parts(
                p.date.unwrap_or_default(),
                p.time.unwrap_or(Time::midnight()),
            ))
        }
        _ => {
            let p = parse::parse_datetime(s)?;
            let dt = DateTime::from_parts(p.date.unwrap_or_default(), p.time.unwrap_or(Time::midnight()));
            if p.offset.is_none() && p.zone.is_none() {
                Temporal::DateTime(utc.to_zoned_datetime(dt).map_err(|_| TemporalError::Overflow)?)
            } else {
                Temporal::DateTime(calc::zoned(dt, p.offset, p.zone.as_deref())?)
            }
        }
    })
}

fn int_field(m: &BTreeMap<String, Value>, key: &str) -> EvalResult<Option<i64>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Int(i)) => Ok(Some(*i)),
        Some(other) => Err(invalid(format!("{key} must be an integer, not {}", other.type_name()))),
    }
}

fn date_fields(m: &BTreeMap<String, Value>) -> EvalResult<DateFields> {
    Ok(DateFields {
        year: int_field(m, "year")?,
        month: int_field(m, "month")?,
        day: int_field(m, "day")?,
        week: int_field(m, "week")?,
        day_of_week: int_field(m, "dayOfWeek")?,
        ordinal_day: int_field(m, "ordinalDay")?,
        quarter: int_field(m, "quarter")?,
        day_of_quarter: int_field(m, "dayOfQuarter")?,
    })
}

fn time_fields(m: &BTreeMap<String, Value>) -> EvalResult<TimeFields> {
    Ok(TimeFields {
        hour: int_field(m, "hour")?,
        minute: int_field(m, "minute")?,
        second: int_field(m, "second")?,
        millisecond: int_field(m, "millisecond")?,
        microsecond: int_field(m, "microsecond")?,
        nanosecond: int_field(m, "nanosecond")?,
    })
}

const MAP_KEYS: &[&str] = &[
    "date",
    "time",
    "datetime",
    "timezone",
    "year",
    "month",
    "day",
    "week",
    "dayOfWeek",
    "ordinalDay",
    "quarter",
    "dayOfQuarter",
    "hour",
    "minute",
    "second",
    "millisecond",
    "microsecond",
    "nanosecond",
];

fn timezone_field(m: &BTreeMap<String, Value>) -> EvalResult<Option<TimeZone>> {
    match m.get("timezone") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => time_zone(s).map(Some).map_err(temporal_error),
        Some(other) => Err(invalid(format!("timezone must be a string, not {}", other.type_name()))),
    }
}

fn base(m: &BTreeMap<String, Value>, key: &str) -> EvalResult<Option<Temporal>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => as_temporal(v).map(Some).ok_or_else(|| invalid(format!("{key} must be a temporal value"))),
    }
}

/// The value of `kind` from a map of fields. Fields not given come from the `date`,
/// `time` or `datetime` entries (a `datetime` serves as both), else from the start of the
/// period. A zone comes from `timezone`, else from the `time` or `datetime` entry, else
/// UTC; a value with a zone of its own given a new `timezone` is converted to it (same
/// instant), a local one is placed in it.
fn from_map(kind: TemporalKind, m: &BTreeMap<String, Value>, clock: Timestamp) -> EvalResult<Temporal> {
    if let Some(k) = m.keys().find(|k| !MAP_KEYS.contains(&k.as_str())) {
        return Err(invalid(format!("'{k}' is not a field of a {}", kind.name())));
    }
    let (df, tf) = (date_fields(m)?, time_fields(m)?);
    let tz = timezone_field(m)?;
    let datetime_base = base(m, "datetime")?;
    let date_src = datetime_base.clone().or(base(m, "date")?);
    let time_src = datetime_base.or(base(m, "time")?);
    let only_zone = m.len() == 1 && tz.is_some();
    if only_zone {
        let name = match m.get("timezone") {
            Some(Value::String(s)) => s.to_string(),
            _ => String::new(),
        };
        return at(kind, clock, Some(&name));
    }
    let needs_date =
        matches!(kind, TemporalKind::Date | TemporalKind::LocalDateTime | TemporalKind::DateTime);
    let date = if needs_date {
        let base_date = date_src.as_ref().and_then(Temporal::date);
        if base_date.is_none() && !df.any() {
            return Err(invalid(format!("a {} needs a date: give year or date", kind.name())));
        }
        Some(calc::resolve_date(base_date, &df).map_err(temporal_error)?)
    } else {
        None
    };
    if kind == TemporalKind::Date {
        return Ok(Temporal::Date(date.unwrap_or_default()));
    }
    let base_time = time_src.as_ref().and_then(Temporal::time);
    if kind == TemporalKind::LocalTime && base_time.is_none() && !tf.any() {
        return Err(invalid("a LocalTime needs a time: give hour or time"));
    }
    let time = calc::resolve_time(base_time, &tf, false).map_err(temporal_error)?;
    let src_zone = time_src.as_ref().and_then(Temporal::zone);
    match kind {
        TemporalKind::LocalTime => Ok(Temporal::LocalTime(time)),
        TemporalKind::LocalDateTime => {
            Ok(Temporal::LocalDateTime(DateTime::from_parts(date.unwrap_or_default(), time)))
        }
        TemporalKind::Time => {
            let src_offset = time_src.as_ref().and_then(Temporal::offset);
            Ok(zone_time(time, src_offset, tz.as_ref(), clock))
        }
        _ => {
            let dt = DateTime::from_parts(date.unwrap_or_default(), time);
            let zone = src_zone.clone().or_else(|| tz.clone()).unwrap_or(TimeZone::fixed(Offset::UTC));
            let z = zone.to_zoned_datetime(dt).map_err(|e| invalid(e.to_string()))?;
            Ok(Temporal::DateTime(match (src_zone, tz) {
                (Some(_), Some(new)) => z.with_time_zone(new),
                _ => z,
            }))
        }
    }
}

/// A time of day with an offset: its source's offset (converted to `tz` when one is given),
/// else `tz`'s offset, else UTC.
fn zone_time(time: Time, src: Option<Offset>, tz: Option<&TimeZone>, clock: Timestamp) -> Temporal {
    let target = tz.map(|z| z.to_offset(clock));
    match (src, target) {
        (Some(from), Some(to)) => {
            let shift = jiff::SignedDuration::from_secs(i64::from(to.seconds()) - i64::from(from.seconds()));
            Temporal::Time(time.wrapping_add(shift), to)
        }
        (Some(o), None) | (None, Some(o)) => Temporal::Time(time, o),
        (None, None) => Temporal::Time(time, Offset::UTC),
    }
}

/// `X.truncate(unit, value, fields)`: the start of the `unit` that `value` falls in, as a
/// value of kind `kind`, then `fields` set (sub-second fields added) and `timezone`
/// attached.
fn truncate(kind: TemporalKind, unit: &Value, value: &Value, fields: Option<&Value>) -> EvalResult<Temporal> {
    let Value::String(unit) = unit else { return Err(bad("truncate", unit)) };
    let unit = calc::TRUNCATION_UNITS
        .iter()
        .find(|u| u.eq_ignore_ascii_case(unit))
        .ok_or_else(|| invalid(format!("'{unit}' is not a unit to truncate to")))?;
    let t = as_temporal(value).ok_or_else(|| bad("truncate", value))?;
    let empty = BTreeMap::new();
    let m = match fields {
        None => &empty,
        Some(Value::Map(m)) => m,
        Some(other) => return Err(bad("truncate", other)),
    };
    let has_date = matches!(kind, TemporalKind::Date | TemporalKind::LocalDateTime | TemporalKind::DateTime);
    let time_unit = calc::is_time_unit(unit);
    if kind == TemporalKind::Date && time_unit || !has_date && !time_unit && *unit != "day" {
        return Err(invalid(format!("a {} cannot be truncated to the {unit}", kind.name())));
    }
    let date: Option<Date> = match (has_date, t.date()) {
        (false, _) => None,
        (true, Some(d)) => {
            let d = if time_unit { d } else { calc::truncate_date(unit, d).map_err(temporal_error)? };
            Some(calc::resolve_date(Some(d), &date_fields(m)?).map_err(temporal_error)?)
        }
        (true, None) => return Err(bad("truncate", value)),
    };
    let time = calc::truncate_time(unit, t.time().unwrap_or(Time::midnight()));
    let time = calc::resolve_time(Some(time), &time_fields(m)?, true).map_err(temporal_error)?;
    let zone = timezone_field(m)?.or_else(|| t.zone()).unwrap_or(TimeZone::fixed(Offset::UTC));
    Ok(match kind {
        TemporalKind::Date => Temporal::Date(date.unwrap_or_default()),
        TemporalKind::LocalTime => Temporal::LocalTime(time),
        TemporalKind::Time => {
            let offset = match t.offset() {
                Some(o) if m.get("timezone").is_none() => o,
                _ => zone.to_offset(Timestamp::now()),
            };
            Temporal::Time(time, offset)
        }
        TemporalKind::LocalDateTime => {
            Temporal::LocalDateTime(DateTime::from_parts(date.unwrap_or_default(), time))
        }
        _ => {
            let dt = DateTime::from_parts(date.unwrap_or_default(), time);
            Temporal::DateTime(zone.to_zoned_datetime(dt).map_err(|e| invalid(e.to_string()))?)
        }
    })
}

/// `resolve(@-1week, @2018-W07)` is `@2018-W06`: a relative date moved from `anchor` (a
/// date, or a date-time's day), keeping no finer precision than the anchor's. Any other
/// date or date-time is returned as it is.
fn resolve(d: &Value, anchor: &Value) -> EvalResult<Value> {
    let Value::Date(rel @ DateValue::Relative { .. }) = d else {
        return match d {
            Value::Date(_) | Value::Temporal(_) => Ok(d.clone()),
            other => Err(bad("resolve", other)),
        };
    };
    let anchor = match anchor {
        Value::Date(DateValue::Absolute(p)) => *p,
        Value::Temporal(t) => PartialDate::from_civil(t.date().ok_or_else(|| bad("resolve", anchor))?),
        other => return Err(bad("resolve", other)),
    };
    Ok(rel.resolve(Some(&anchor)).map_or(Value::Null, |p| Value::Date(DateValue::Absolute(p))))
}

/// `duration('P1D')`, `duration({days: 1.5})`.
fn duration(v: &Value) -> EvalResult<Duration> {
    match v {
        Value::String(s) => parse::parse_duration(s).map_err(temporal_error),
        Value::Map(m) => {
            let mut p = DurationParts::default();
            for (k, v) in m {
                let amount = match v {
                    Value::Int(i) => Amount::Int(*i),
                    Value::Float(x) => Amount::Float(*x),
                    Value::Null => continue,
                    other => return Err(invalid(format!("{k} must be a number, not {}", other.type_name()))),
                };
                let slot = match k.as_str() {
                    "years" => &mut p.years,
                    "quarters" => &mut p.quarters,
                    "months" => &mut p.months,
                    "weeks" => &mut p.weeks,
                    "days" => &mut p.days,
                    "hours" => &mut p.hours,
                    "minutes" => &mut p.minutes,
                    "seconds" => &mut p.seconds,
                    "milliseconds" => &mut p.milliseconds,
                    "microseconds" => &mut p.microseconds,
                    "nanoseconds" => &mut p.nanoseconds,
                    _ => return Err(invalid(format!("'{k}' is not a field of a duration"))),
                };
                *slot = Some(amount);
            }
            Duration::from_parts(&p).map_err(temporal_error)
        }
        other => match as_temporal(other) {
            Some(Temporal::Duration(d)) => Ok(d),
            _ => Err(bad("duration", other)),
        },
    }
}
