//! The string forms openCypher's temporal constructors accept: ISO 8601 in its extended
//! (`2015-07-21T21:40:32.142+01:00`) and basic (`20150721T214032.142+0100`) forms, week
//! dates (`2015-W30-2`), ordinal dates (`2015-202`), named zones (`[Europe/Stockholm]`) and
//! durations (`P14DT16H12M`, `P2012-02-02T14:37:21.545`).
//!
//! This is the lexical part only; calendars and zones are jiff's.

use jiff::civil::{Date, ISOWeekDate, Time, Weekday};
use jiff::tz::Offset;

use super::duration::{Amount, Duration, DurationParts};
use super::TemporalError;

fn invalid(what: &str, text: &str) -> TemporalError {
    TemporalError::Invalid(format!("'{text}' is not a valid {what}"))
}

/// A cursor over ASCII text.
struct Scan<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    fn new(s: &'a str) -> Self {
        Scan { s: s.as_bytes(), i: 0 }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn eat_ci(&mut self, c: u8) -> bool {
        if self.peek().is_some_and(|p| p.eq_ignore_ascii_case(&c)) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    /// A run of digits (at most `max`).
    fn digits(&mut self, max: usize) -> &'a [u8] {
        let start = self.i;
        while self.i - start < max && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        &self.s[start..self.i]
    }
    fn done(&self) -> bool {
        self.i == self.s.len()
    }
    fn rest(&self) -> &'a [u8] {
        &self.s[self.i..]
    }
}

fn num(d: &[u8]) -> i64 {
    d.iter().fold(0i64, |n, c| n.saturating_mul(10).saturating_add(i64::from(c - b'0')))
}

fn small<T: TryFrom<i64>>(n: i64, what: &str, text: &str) -> Result<T, TemporalError> {
    T::try_from(n).map_err(|_| invalid(what, text))
}

/// A date: `2015-07-21`, `20150721`, `2015-07`, `201507`, `2015-W30-2`, `2015W302`,
/// `2015-W30`, `2015-202`, `2015202`, `2015`.
pub fn parse_date(text: &str) -> Result<Date, TemporalError> {
    let mut sc = Scan::new(text);
    let d = date(&mut sc, text)?;
    if !sc.done() {
        return Err(invalid("date", text));
    }
    Ok(d)
}

fn date(sc: &mut Scan<'_>, text: &str) -> Result<Date, TemporalError> {
    let bad = || invalid("date", text);
    let sign = if sc.eat(b'-') {
        -1
    } else {
        sc.eat(b'+');
        1
    };
    let signed = sc.i > 0;
    // An unsigned year has four digits (`201507` is July 2015); a signed one up to nine.
    let y = sc.digits(if signed { 9 } else { 4 });
    if y.len() < 4 {
        return Err(bad());
    }
    let year: i16 = small(sign * num(y), "date", text).map_err(|_| TemporalError::Range(text.to_string()))?;
    let extended = sc.eat(b'-');
    if sc.eat(b'W') {
        let w = sc.digits(2);
        if w.len() != 2 {
            return Err(bad());
        }
        let mut day = 1;
        if (!extended || sc.eat(b'-')) && sc.peek().is_some_and(|c| c.is_ascii_digit()) {
            let d = sc.digits(1);
            day = num(d);
        } else if extended && sc.s.get(sc.i.wrapping_sub(1)) == Some(&b'-') {
            return Err(bad());
        }
        let weekday = Weekday::from_monday_one_offset(small(day, "date", text)?).map_err(|_| bad())?;
        let wd = ISOWeekDate::new(year, small(num(w), "date", text)?, weekday).map_err(|_| bad())?;
        return Ok(wd.date());
    }
    let rest = sc.digits(if extended { 3 } else { 4 });
    match (extended, rest.len()) {
        (_, 0) if !extended => Ok(Date::new(year, 1, 1).map_err(|_| bad())?),
        (true, 2) => {
            let month: i8 = small(num(rest), "date", text)?;
            let day: i8 = if sc.eat(b'-') {
                let d = sc.digits(2);
                if d.len() != 2 {
                    return Err(bad());
                }
                small(num(d), "date", text)?
            } else {
                1
            };
            Date::new(year, month, day).map_err(|_| bad())
        }
        (false, 2) => Date::new(year, small(num(rest), "date", text)?, 1).map_err(|_| bad()),
        (false, 4) => {
            Date::new(year, small(num(&rest[..2]), "date", text)?, small(num(&rest[2..]), "date", text)?)
                .map_err(|_| bad())
        }
        (_, 3) => {
            let start = Date::new(year, 1, 1).map_err(|_| bad())?;
            start.with().day_of_year(small(num(rest), "date", text)?).build().map_err(|_| bad())
        }
        _ => Err(bad()),
    }
}

/// A time of day: `21:40:32.142`, `214032.142`, `21:40`, `2140`, `21`.
fn time(sc: &mut Scan<'_>, text: &str) -> Result<Time, TemporalError> {
    let bad = || invalid("time", text);
    let h = sc.digits(2);
    if h.len() != 2 {
        return Err(bad());
    }
    let (mut m, mut s, mut nanos) = (0, 0, 0);
    let extended = sc.eat(b':');
    let mm = sc.digits(2);
    if mm.len() == 2 {
        m = num(mm);
        if (!extended || sc.eat(b':')) && sc.peek().is_some_and(|c| c.is_ascii_digit()) {
            let ss = sc.digits(2);
            if ss.len() != 2 {
                return Err(bad());
            }
            s = num(ss);
            if sc.eat(b'.') || sc.eat(b',') {
                let f = sc.digits(9);
                if f.is_empty() {
                    return Err(bad());
                }
                nanos = num(f) * 10i64.pow(9 - f.len() as u32);
            }
        }
    } else if extended || !mm.is_empty() {
        return Err(bad());
    }
    Time::new(small(num(h), "time", text)?, small(m, "time", text)?, small(s, "time", text)?, nanos as i32)
        .map_err(|_| bad())
}

/// `Z`, `+01:00`, `+0100`, `-02`, `+02:05:59`; `None` when there is no offset here.
fn offset(sc: &mut Scan<'_>, text: &str) -> Result<Option<Offset>, TemporalError> {
    let bad = || invalid("time zone offset", text);
    if sc.eat_ci(b'Z') {
        return Ok(Some(Offset::UTC));
    }
    let sign = if sc.eat(b'+') {
        1
    } else if sc.eat(b'-') {
        -1
    } else {
        return Ok(None);
    };
    let h = sc.digits(2);
    if h.len() != 2 {
        return Err(bad());
    }
    let mut secs = num(h) * 3600;
    let colon = sc.eat(b':');
    let m = sc.digits(2);
    if m.len() == 2 {
        secs += num(m) * 60;
        if (!colon || sc.eat(b':')) && sc.peek().is_some_and(|c| c.is_ascii_digit()) {
            let s = sc.digits(2);
            if s.len() != 2 {
                return Err(bad());
            }
            secs += num(s);
        }
    } else if colon {
        return Err(bad());
    }
    Offset::from_seconds(small(sign * secs, "time zone offset", text)?).map(Some).map_err(|_| bad())
}

/// `[Europe/Stockholm]`.
fn zone_name(sc: &mut Scan<'_>, text: &str) -> Result<Option<String>, TemporalError> {
    if !sc.eat(b'[') {
        return Ok(None);
    }
    let rest = sc.rest();
    let end = rest.iter().position(|c| *c == b']').ok_or_else(|| invalid("time zone", text))?;
    let name = std::str::from_utf8(&rest[..end]).map_err(|_| invalid("time zone", text))?.to_string();
    sc.i += end + 1;
    Ok(Some(name))
}

/// What a time or date-time string holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub date: Option<Date>,
    pub time: Option<Time>,
    pub offset: Option<Offset>,
    pub zone: Option<String>,
}

/// A time with an optional offset: `21:40:32.142+0100`, `2140-02`, `22+18:00`.
pub fn parse_time(text: &str) -> Result<Parsed, TemporalError> {
    let mut sc = Scan::new(text);
    let t = time(&mut sc, text)?;
    let offset = offset(&mut sc, text)?;
    let zone = zone_name(&mut sc, text)?;
    if !sc.done() {
        return Err(invalid("time", text));
    }
    Ok(Parsed { date: None, time: Some(t), offset, zone })
}

/// A date, optionally followed by `T` and a time, an offset and a zone name.
pub fn parse_datetime(text: &str) -> Result<Parsed, TemporalError> {
    let mut sc = Scan::new(text);
    let d = date(&mut sc, text)?;
    let mut p = Parsed { date: Some(d), time: None, offset: None, zone: None };
    if sc.eat_ci(b'T') {
        p.time = Some(time(&mut sc, text)?);
        p.offset = offset(&mut sc, text)?;
        p.zone = zone_name(&mut sc, text)?;
    }
    if !sc.done() {
        return Err(invalid("date and time", text));
    }
    Ok(p)
}

/// `P14DT16H12M`, `P5M1.5D`, `PT0.75M`, `-P1D`, `P12Y5M-14D`, `P2012-02-02T14:37:21.545`.
pub fn parse_duration(text: &str) -> Result<Duration, TemporalError> {
    let bad = || invalid("duration", text);
    let mut sc = Scan::new(text);
    let negate = if sc.eat(b'-') {
        true
    } else {
        sc.eat(b'+');
        false
    };
    if !sc.eat_ci(b'P') {
        return Err(bad());
    }
    let d = if sc.rest().len() >= 5 && sc.rest()[..4].iter().all(u8::is_ascii_digit) && sc.rest()[4] == b'-' {
        date_based(&mut sc, text)?
    } else {
        unit_based(&mut sc, text)?
    };
    if !sc.done() {
        return Err(bad());
    }
    if negate {
        d.checked_neg()
    } else {
        Ok(d)
    }
}

fn unit_based(sc: &mut Scan<'_>, text: &str) -> Result<Duration, TemporalError> {
    let bad = || invalid("duration", text);
    let mut p = DurationParts::default();
    let mut in_time = false;
    let mut any = false;
    let mut last_rank = 0;
    loop {
        if !in_time && sc.eat_ci(b'T') {
            in_time = true;
            if sc.done() {
                return Err(bad());
            }
            continue;
        }
        if sc.done() {
            break;
        }
        let neg = if sc.eat(b'-') {
            true
        } else {
            sc.eat(b'+');
            false
        };
        let whole = sc.digits(19);
        if whole.is_empty() {
            return Err(bad());
        }
        let mut amount = Amount::Int(num(whole));
        if sc.eat(b'.') || sc.eat(b',') {
            let f = sc.digits(9);
            if f.is_empty() {
                return Err(bad());
            }
            let s = format!(
                "{}.{}",
                std::str::from_utf8(whole).unwrap_or("0"),
                std::str::from_utf8(f).unwrap_or("0")
            );
            amount = Amount::Float(s.parse::<f64>().map_err(|_| bad())?);
        }
        if neg {
            amount = match amount {
                Amount::Int(i) => Amount::Int(-i),
                Amount::Float(x) => Amount::Float(-x),
            };
        }
        let unit = sc.peek().map(|c| c.to_ascii_uppercase()).ok_or_else(bad)?;
        sc.i += 1;
        let (slot, rank) = match (in_time, unit) {
            (false, b'Y') => (&mut p.years, 1),
            (false, b'M') => (&mut p.months, 2),
            (false, b'W') => (&mut p.weeks, 3),
            (false, b'D') => (&mut p.days, 4),
            (true, b'H') => (&mut p.hours, 5),
            (true, b'M') => (&mut p.minutes, 6),
            (true, b'S') => (&mut p.seconds, 7),
            _ => return Err(bad()),
        };
        if rank <= last_rank {
            return Err(bad());
        }
        last_rank = rank;
        *slot = Some(amount);
        any = true;
    }
    if !any {
        return Err(bad());
    }
    Duration::from_parts(&p)
}

/// `P2012-02-02T14:37:21.545`: a duration written like a date and time.
fn date_based(sc: &mut Scan<'_>, text: &str) -> Result<Duration, TemporalError> {
    let bad = || invalid("duration", text);
    let y = num(sc.digits(4));
    if !sc.eat(b'-') {
        return Err(bad());
    }
    let m = num(sc.digits(2));
    if !sc.eat(b'-') {
        return Err(bad());
    }
    let d = num(sc.digits(2));
    if m > 12 || d > 31 {
        return Err(bad());
    }
    let (mut secs, mut nanos) = (0, 0);
    if sc.eat_ci(b'T') {
        let t = time(sc, text)?;
        secs = i64::from(t.hour()) * 3600 + i64::from(t.minute()) * 60 + i64::from(t.second());
        nanos = i64::from(t.subsec_nanosecond());
    }
    Duration::new(y * 12 + m, d, secs, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_iso_form() {
        for (text, want) in [
            ("2015-07-21", "2015-07-21"),
            ("20150721", "2015-07-21"),
            ("2015-07", "2015-07-01"),
            ("201507", "2015-07-01"),
            ("2015-W30-2", "2015-07-21"),
            ("2015W302", "2015-07-21"),
            ("2015-W30", "2015-07-20"),
            ("2015W30", "2015-07-20"),
            ("2015-202", "2015-07-21"),
            ("2015202", "2015-07-21"),
            ("2015", "2015-01-01"),
        ] {
            assert_eq!(parse_date(text).unwrap().to_string(), want, "{text}");
        }
        for bad in ["2015-13-01", "2015-02-30", "15-01-01", "2015-07-21x", ""] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_offsets_and_zones() {
        let p = parse_time("214032.142-0100").unwrap();
        assert_eq!(p.time.unwrap().to_string(), "21:40:32.142");
        assert_eq!(p.offset.unwrap().seconds(), -3600);
        assert_eq!(parse_time("2140-02").unwrap().offset.unwrap().seconds(), -7200);
        let p = parse_datetime("2015-07-21T21:40:32.142[Europe/London]").unwrap();
        assert_eq!(p.zone.as_deref(), Some("Europe/London"));
        assert!(parse_time("21:4").is_err());
    }

    #[test]
    fn durations_in_both_forms() {
        for (text, want) in [
            ("P14DT16H12M", "P14DT16H12M"),
            ("P5M1.5D", "P5M1DT12H"),
            ("PT0.75M", "PT45S"),
            ("P12Y5M14DT16H12M70S", "P12Y5M14DT16H13M10S"),
            ("P2012-02-02T14:37:21.545", "P2012Y2M2DT14H37M21.545S"),
            ("P12Y5M-14DT16H", "P12Y5M-14DT16H"),
        ] {
            assert_eq!(parse_duration(text).unwrap().to_string(), want, "{text}");
        }
        for bad in ["P", "PT", "P1H", "PT1D", "P1D2Y", "1D"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
