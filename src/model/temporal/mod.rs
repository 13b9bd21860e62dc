//! openCypher's temporal values (date, local time, time, local date-time, date-time with a
//! time zone, duration), built on jiff for calendars and the time-zone database.
//!
//! Dates of day precision are the same values as claimgraph's dates with precision
//! ([`super::date::PartialDate`]): a stored date is always a `PartialDate`, and
//! [`Temporal::Date`] exists only while a computation needs the calendar.
//!
//! - [`parse`]: the string forms the constructors accept;
//! - [`duration`]: durations, with fractions carried down and the ISO string form;
//! - [`calc`]: arithmetic with durations, `duration.between`, truncation, and building a
//!   value from named fields (`{year: 1984, week: 10}`).

pub mod calc;
pub mod duration;
pub mod parse;

use std::cmp::Ordering;
use std::fmt;

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{Offset, TimeZone};
use jiff::ZonedDateTime;

pub use duration::{Amount, Duration, DurationParts};

use super::date::{DateValue, PartialDate};
use super::value::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemporalError {
    #[error("{0}")]
    Invalid(String),
    #[error("'{0}' is outside the supported range of dates (years -9999 to 9999)")]
    Range(String),
    #[error("unknown time zone '{0}'")]
    UnknownZone(String),
    #[error("the result of this temporal arithmetic is out of range")]
    Overflow,
    #[error("a duration cannot be divided by zero")]
    DivisionByZero,
}

/// A temporal value.
#[derive(Debug, Clone)]
pub enum Temporal {
    Date(Date),
    LocalTime(Time),
    Time(Time, Offset),
    LocalDateTime(DateTime),
    /// A date-time in a time zone: a fixed offset, or a named zone (`Europe/Stockholm`).
    DateTime(ZonedDateTime),
    Duration(Duration),
}

/// The openCypher type of a temporal value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TemporalKind {
    DateTime,
    LocalDateTime,
    Date,
    Time,
    LocalTime,
    Duration,
}

impl TemporalKind {
    pub fn name(self) -> &'static str {
        match self {
            TemporalKind::Date => "Date",
            TemporalKind::LocalTime => "LocalTime",
            TemporalKind::Time => "Time",
            TemporalKind::LocalDateTime => "LocalDateTime",
            TemporalKind::DateTime => "DateTime",
            TemporalKind::Duration => "Duration",
        }
    }
}

/// A component read with `t.year`, `t.timezone`, ...
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Int(i64),
    Str(String),
}

/// `Z`, `+01:00`, `-02:05:07`.
pub fn offset_string(o: Offset) -> String {
    let s = o.seconds();
    if s == 0 {
        return "Z".to_string();
    }
    let sign = if s < 0 { '-' } else { '+' };
    let a = s.unsigned_abs();
    let (h, m, sec) = (a / 3600, (a / 60) % 60, a % 60);
    if sec == 0 {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}:{m:02}:{sec:02}")
    }
}

/// The IANA name of a zone that has one. jiff names the UTC offset "UTC", which openCypher
/// writes as the offset `Z` alone.
pub fn zone_name(tz: &TimeZone) -> Option<&str> {
    tz.iana_name().filter(|n| *n != "UTC")
}

/// A time zone as the constructors and `@` literals name it: an offset (`+01:00`, `Z`) or
/// an IANA name (`Europe/Stockholm`).
pub fn time_zone(name: &str) -> Result<TimeZone, TemporalError> {
    if name.starts_with(['+', '-', 'Z', 'z']) {
        let p = parse::parse_time(&format!("00{name}"))
            .map_err(|_| TemporalError::UnknownZone(name.to_string()))?;
        return p.offset.map(TimeZone::fixed).ok_or_else(|| TemporalError::UnknownZone(name.to_string()));
    }
    TimeZone::get(name).map_err(|_| TemporalError::UnknownZone(name.to_string()))
}

impl Temporal {
    pub fn kind(&self) -> TemporalKind {
        match self {
            Temporal::Date(_) => TemporalKind::Date,
            Temporal::LocalTime(_) => TemporalKind::LocalTime,
            Temporal::Time(..) => TemporalKind::Time,
            Temporal::LocalDateTime(_) => TemporalKind::LocalDateTime,
            Temporal::DateTime(_) => TemporalKind::DateTime,
            Temporal::Duration(_) => TemporalKind::Duration,
        }
    }

    /// The calendar date it falls on (in its own zone), if it has one.
    pub fn date(&self) -> Option<Date> {
        match self {
            Temporal::Date(d) => Some(*d),
            Temporal::LocalDateTime(dt) => Some(dt.date()),
            Temporal::DateTime(z) => Some(z.date()),
            _ => None,
        }
    }

    /// The wall-clock time of day, if it has one.
    pub fn time(&self) -> Option<Time> {
        match self {
            Temporal::LocalTime(t) | Temporal::Time(t, _) => Some(*t),
            Temporal::LocalDateTime(dt) => Some(dt.time()),
            Temporal::DateTime(z) => Some(z.time()),
            _ => None,
        }
    }

    /// The zone of a time or date-time (a time's zone is its fixed offset).
    pub fn zone(&self) -> Option<TimeZone> {
        match self {
            Temporal::Time(_, o) => Some(TimeZone::fixed(*o)),
            Temporal::DateTime(z) => Some(z.time_zone().clone()),
            _ => None,
        }
    }

    /// The offset from UTC in force, for times and date-times.
    pub fn offset(&self) -> Option<Offset> {
        match self {
            Temporal::Time(_, o) => Some(*o),
            Temporal::DateTime(z) => Some(z.offset()),
            _ => None,
        }
    }

    /// A day-precision date as claimgraph stores it.
    pub fn to_date_value(&self) -> Option<DateValue> {
        let d = match self {
            Temporal::Date(d) => *d,
            _ => return None,
        };
        Some(DateValue::Absolute(PartialDate::from_civil(d)))
    }

    /// Equality of values of one kind (values of different kinds are never equal). A time
    /// or date-time equals another only at the same instant in the same zone.
    pub fn same(&self, other: &Temporal) -> bool {
        match (self, other) {
            (Temporal::Date(a), Temporal::Date(b)) => a == b,
            (Temporal::LocalTime(a), Temporal::LocalTime(b)) => a == b,
            (Temporal::Time(a, o), Temporal::Time(b, p)) => a == b && o == p,
            (Temporal::LocalDateTime(a), Temporal::LocalDateTime(b)) => a == b,
            (Temporal::DateTime(a), Temporal::DateTime(b)) => {
                a.timestamp() == b.timestamp()
                    && a.offset() == b.offset()
                    && zone_name(a.time_zone()) == zone_name(b.time_zone())
            }
            (Temporal::Duration(a), Temporal::Duration(b)) => a == b,
            _ => false,
        }
    }

    /// `<` and friends: values of one kind that have an order (not durations).
    pub fn compare(&self, other: &Temporal) -> Option<Ordering> {
        match (self, other) {
            (Temporal::Duration(_), _) | (_, Temporal::Duration(_)) => None,
            _ if self.kind() == other.kind() => Some(self.order_within_kind(other)),
            _ => None,
        }
    }

    /// The total order within one kind, for ORDER BY: instants by when they happen (times by
    /// their UTC time of day), then by offset and zone so that the order is total.
    pub fn order_within_kind(&self, other: &Temporal) -> Ordering {
        match (self, other) {
            (Temporal::Date(a), Temporal::Date(b)) => a.cmp(b),
            (Temporal::LocalTime(a), Temporal::LocalTime(b)) => a.cmp(b),
            (Temporal::Time(a, o), Temporal::Time(b, p)) => {
                utc_nanos_of_day(*a, *o).cmp(&utc_nanos_of_day(*b, *p)).then(o.seconds().cmp(&p.seconds()))
            }
            (Temporal::LocalDateTime(a), Temporal::LocalDateTime(b)) => a.cmp(b),
            (Temporal::DateTime(a), Temporal::DateTime(b)) => a
                .timestamp()
                .cmp(&b.timestamp())
                .then(a.offset().seconds().cmp(&b.offset().seconds()))
                .then(zone_name(a.time_zone()).cmp(&zone_name(b.time_zone()))),
            (Temporal::Duration(a), Temporal::Duration(b)) => a.order(b),
            _ => self.kind().cmp(&other.kind()),
        }
    }

    /// A component by its openCypher name; `None` when this kind has no such component.
    pub fn field(&self, name: &str) -> Option<Field> {
        if let Temporal::Duration(d) = self {
            return d.field(name).map(Field::Int);
        }
        if let Some(d) = self.date() {
            if let Some(v) = date_field(d, name) {
                return Some(Field::Int(v));
            }
        }
        if let Some(t) = self.time() {
            if let Some(v) = time_field(t, name) {
                return Some(Field::Int(v));
            }
        }
        let offset = self.offset()?;
        Some(match name {
            "timezone" => Field::Str(match self {
                Temporal::DateTime(z) => {
                    zone_name(z.time_zone()).map_or_else(|| offset_string(offset), str::to_string)
                }
                _ => offset_string(offset),
            }),
            "offset" => Field::Str(offset_string(offset)),
            "offsetMinutes" => Field::Int(i64::from(offset.seconds()) / 60),
            "offsetSeconds" => Field::Int(i64::from(offset.seconds())),
            "epochSeconds" | "epochMillis" => {
                let Temporal::DateTime(z) = self else { return None };
                let ts = z.timestamp();
                Field::Int(if name == "epochSeconds" { ts.as_second() } else { ts.as_millisecond() })
            }
            _ => return None,
        })
    }
}

/// The contradiction engine's rule for dated values: whether two values can describe the
/// same moment. A date of any precision stands for every instant of its days, so it agrees
/// with a date-time on one of them (read on that date-time's own wall clock); two
/// date-times agree only at the same instant, two local ones at the same wall-clock time.
pub fn compatible(a: &Temporal, b: &Temporal) -> Option<bool> {
    match (a, b) {
        (Temporal::Date(x), Temporal::Date(y)) => Some(x == y),
        (Temporal::Date(d), other) | (other, Temporal::Date(d)) => Some(other.date()? == *d),
        (Temporal::DateTime(x), Temporal::DateTime(y)) => Some(x.timestamp() == y.timestamp()),
        (
            Temporal::LocalDateTime(_) | Temporal::DateTime(_),
            Temporal::LocalDateTime(_) | Temporal::DateTime(_),
        ) => Some(a.date()? == b.date()? && a.time()? == b.time()?),
        _ => None,
    }
}

/// Whether a date with precision can fall on the same day as a dated value.
pub fn date_compatible(d: &PartialDate, t: &Temporal) -> Option<bool> {
    let day = PartialDate::from_civil(t.date()?);
    Some(d.compatible(&day))
}

impl PartialEq for Temporal {
    fn eq(&self, other: &Temporal) -> bool {
        self.same(other)
    }
}

fn utc_nanos_of_day(t: Time, o: Offset) -> i64 {
    let day = 86_400 * 1_000_000_000i64;
    (nanos_of_day(t) - i64::from(o.seconds()) * 1_000_000_000).rem_euclid(day)
}

pub(crate) fn nanos_of_day(t: Time) -> i64 {
    (i64::from(t.hour()) * 3600 + i64::from(t.minute()) * 60 + i64::from(t.second())) * 1_000_000_000
        + i64::from(t.subsec_nanosecond())
}

/// `year`, `quarter`, `month`, `week`, `weekYear`, `day`, `ordinalDay`, `weekDay` (or
/// `dayOfWeek`), `dayOfQuarter`.
pub fn date_field(d: Date, name: &str) -> Option<i64> {
    let iso = d.iso_week_date();
    Some(match name {
        "year" => d.year().into(),
        "quarter" => ((d.month() - 1) / 3 + 1).into(),
        "month" => d.month().into(),
        "week" => iso.week().into(),
        "weekYear" => iso.year().into(),
        "day" => d.day().into(),
        "ordinalDay" => d.day_of_year().into(),
        "weekDay" | "dayOfWeek" => d.weekday().to_monday_one_offset().into(),
        "dayOfQuarter" => {
            let first = Date::new(d.year(), (d.month() - 1) / 3 * 3 + 1, 1).ok()?;
            i64::from(d.day_of_year()) - i64::from(first.day_of_year()) + 1
        }
        _ => return None,
    })
}

/// `hour`, `minute`, `second`, `millisecond`, `microsecond`, `nanosecond` (the last three
/// each include the coarser ones: `microsecond` of 12:00:00.645876 is 645876).
pub fn time_field(t: Time, name: &str) -> Option<i64> {
    let ns = i64::from(t.subsec_nanosecond());
    Some(match name {
        "hour" => t.hour().into(),
        "minute" => t.minute().into(),
        "second" => t.second().into(),
        "millisecond" => ns / 1_000_000,
        "microsecond" => ns / 1000,
        "nanosecond" => ns,
        _ => return None,
    })
}

/// `2018-02-07`; years outside 0..=9999 carry a sign.
pub fn write_date(f: &mut impl fmt::Write, d: Date) -> fmt::Result {
    let y = d.year();
    if (0..=9999).contains(&y) {
        write!(f, "{y:04}")?;
    } else {
        write!(f, "{}{:04}", if y < 0 { '-' } else { '+' }, y.unsigned_abs())?;
    }
    write!(f, "-{:02}-{:02}", d.month(), d.day())
}

/// `12:31`, `12:31:14`, `12:31:14.645`, `12:31:14.645876`, `12:31:14.000000003`: the
/// fraction in groups of three digits.
pub fn write_time(f: &mut impl fmt::Write, t: Time) -> fmt::Result {
    write!(f, "{:02}:{:02}", t.hour(), t.minute())?;
    let ns = t.subsec_nanosecond();
    if t.second() != 0 || ns != 0 {
        write!(f, ":{:02}", t.second())?;
        if ns != 0 {
            if ns % 1_000_000 == 0 {
                write!(f, ".{:03}", ns / 1_000_000)?;
            } else if ns % 1000 == 0 {
                write!(f, ".{:06}", ns / 1000)?;
            } else {
                write!(f, ".{ns:09}")?;
            }
        }
    }
    Ok(())
}

/// The openCypher string form (`toString`): `1984-10-11T12:31:14.645+01:00[Europe/Stockholm]`.
impl fmt::Display for Temporal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Temporal::Date(d) => write_date(f, *d),
            Temporal::LocalTime(t) => write_time(f, *t),
            Temporal::Time(t, o) => {
                write_time(f, *t)?;
                f.write_str(&offset_string(*o))
            }
            Temporal::LocalDateTime(dt) => {
                write_date(f, dt.date())?;
                f.write_str("T")?;
                write_time(f, dt.time())
            }
            Temporal::DateTime(z) => {
                write_date(f, z.date())?;
                f.write_str("T")?;
                write_time(f, z.time())?;
                f.write_str(&offset_string(z.offset()))?;
                if let Some(name) = zone_name(z.time_zone()) {
                    write!(f, "[{name}]")?;
                }
                Ok(())
            }
            Temporal::Duration(d) => write!(f, "{d}"),
        }
    }
}

/// Reads any temporal string form: a duration (`P…`), a date-time (`…T…`, with an offset
/// or zone making it a date-time and none a local one), a time (`hh:mm…`, likewise) or a
/// date. `@` literals use this after their `@`.
pub fn parse_any(text: &str) -> Result<Temporal, TemporalError> {
    if text.starts_with(['P', 'p']) || text.starts_with("-P") || text.starts_with("+P") {
        return parse::parse_duration(text).map(Temporal::Duration);
    }
    let looks_like_time = text.len() >= 3 && text.as_bytes()[2] == b':' && !text.contains(['T', 't']);
    if looks_like_time {
        let p = parse::parse_time(text)?;
        let t = p.time.unwrap_or(Time::midnight());
        return Ok(match (p.offset, p.zone) {
            (None, None) => Temporal::LocalTime(t),
            (Some(o), None) => Temporal::Time(t, o),
            (_, Some(z)) => Temporal::Time(t, time_zone(&z)?.to_offset(jiff::Timestamp::now())),
        });
    }
    let p = parse::parse_datetime(text)?;
    let date = p.date.ok_or_else(|| TemporalError::Invalid(format!("'{text}' is not a date")))?;
    let Some(time) = p.time else { return Ok(Temporal::Date(date)) };
    let dt = DateTime::from_parts(date, time);
    if p.offset.is_none() && p.zone.is_none() {
        return Ok(Temporal::LocalDateTime(dt));
    }
    calc::zoned(dt, p.offset, p.zone.as_deref()).map(Temporal::DateTime)
}

/// The text after a literal's `@`: a date with precision (`2018`, `2018-02`, `2018-W07`,
/// `2018-02-07`) or any temporal string form. Dates of day precision become claimgraph dates, so
/// `@2018-02-07` and `@20180207` are one value.
pub fn parse_literal(text: &str) -> Result<Value, TemporalError> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    let partial = digits(0..4)
        && (b.len() == 4
            || (b.len() == 7 && b[4] == b'-' && digits(5..7))
            || (b.len() == 10 && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10)));
    let week = digits(0..4) && b.len() == 8 && &b[4..6] == b"-W" && digits(6..8);
    if week {
        let d = PartialDate::iso_week(text[..4].parse().unwrap_or(0), text[6..].parse().unwrap_or(0))
            .map_err(|e| TemporalError::Invalid(e.to_string()))?;
        return Ok(Value::Date(DateValue::Absolute(d)));
    }
    if partial {
        let mut it = text.split('-').map(|s| s.parse::<u32>().unwrap_or(0));
        let year = it.next().unwrap_or(0) as i32;
        let d = PartialDate::new(year, it.next(), it.next())
            .map_err(|e| TemporalError::Invalid(e.to_string()))?;
        return Ok(Value::Date(DateValue::Absolute(d)));
    }
    Ok(Value::from_temporal(parse_any(text)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_forms_round_trip() {
        for text in [
            "1984-10-11",
            "12:31:14.645876123",
            "12:31:14.645+01:00",
            "12:00Z",
            "1984-10-11T12:31",
            "1984-10-11T12:31:14.645876+02:05:59",
            "2015-07-21T21:40:32.142+01:00[Europe/London]",
            "1818-07-21T21:40:32.142+00:53:28[Europe/Stockholm]",
            "P1Y2M3DT4H5M6.7S",
        ] {
            assert_eq!(parse_any(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn accessors() {
        let d = parse_any("1984-10-11").unwrap();
        let get = |n| d.field(n).unwrap();
        assert_eq!(
            [get("quarter"), get("week"), get("ordinalDay"), get("weekDay"), get("dayOfQuarter")],
            [Field::Int(4), Field::Int(41), Field::Int(285), Field::Int(4), Field::Int(11)]
        );
        let z = parse_any("1984-11-11T12:31:14.645876123+01:00[Europe/Stockholm]").unwrap();
        assert_eq!(z.field("epochMillis"), Some(Field::Int(469_020_674_645)));
        assert_eq!(z.field("timezone"), Some(Field::Str("Europe/Stockholm".into())));
    }
}
