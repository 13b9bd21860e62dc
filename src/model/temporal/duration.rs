//! openCypher's DURATION: months, days, seconds and nanoseconds kept apart, because a month
//! and a day have no fixed length until they are added to a date.
//!
//! Construction from components that may have fractions (`{months: 0.75}`, `'P2.5W'`)
//! carries each fraction down to the next unit by the average Gregorian month (30.436875
//! days) and the 86,400-second day, as openCypher defines it.

use std::cmp::Ordering;
use std::fmt;

use super::TemporalError;

pub(crate) const NANOS_PER_SECOND: i64 = 1_000_000_000;
pub(crate) const SECONDS_PER_DAY: i64 = 86_400;
/// The average Gregorian month: 365.2425 days / 12.
const AVG_SECONDS_PER_MONTH: i64 = 2_629_746;

/// A duration: `months`, `days` and `seconds` are independent; `nanos` is always in
/// `0..1_000_000_000` (so `-0.5s` is `seconds: -1, nanos: 500_000_000`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Duration {
    pub months: i64,
    pub days: i64,
    pub seconds: i64,
    pub nanos: i32,
}

/// A component as given: integers stay exact, floats carry fractions down.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Amount {
    Int(i64),
    Float(f64),
}

impl Amount {
    fn as_f64(self) -> f64 {
        match self {
            Amount::Int(i) => i as f64,
            Amount::Float(x) => x,
        }
    }
}

/// The components of a duration map or string; absent ones are zero.
#[derive(Debug, Clone, Copy, Default)]
pub struct DurationParts {
    pub years: Option<Amount>,
    pub quarters: Option<Amount>,
    pub months: Option<Amount>,
    pub weeks: Option<Amount>,
    pub days: Option<Amount>,
    pub hours: Option<Amount>,
    pub minutes: Option<Amount>,
    pub seconds: Option<Amount>,
    pub milliseconds: Option<Amount>,
    pub microseconds: Option<Amount>,
    pub nanoseconds: Option<Amount>,
}

fn overflow() -> TemporalError {
    TemporalError::Overflow
}

/// `(long) x` with a range check.
fn to_i64(x: f64) -> Result<i64, TemporalError> {
    if (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&x) {
        Ok(x as i64)
    } else {
        Err(overflow())
    }
}

impl Duration {
    pub const ZERO: Duration = Duration { months: 0, days: 0, seconds: 0, nanos: 0 };

    /// Normalises `nanos` into `seconds`.
    pub fn new(months: i64, days: i64, seconds: i64, nanos: i64) -> Result<Duration, TemporalError> {
        let seconds = seconds.checked_add(nanos.div_euclid(NANOS_PER_SECOND)).ok_or_else(overflow)?;
        let d = Duration { months, days, seconds, nanos: nanos.rem_euclid(NANOS_PER_SECOND) as i32 };
        // Every duration must have an average length in seconds that fits (the ordering).
        d.average_seconds().ok_or_else(overflow)?;
        Ok(d)
    }

    /// From parts that may carry fractions, each cascading to the next smaller unit.
    pub fn from_parts(p: &DurationParts) -> Result<Duration, TemporalError> {
        let all = [
            p.years,
            p.quarters,
            p.months,
            p.weeks,
            p.days,
            p.hours,
            p.minutes,
            p.seconds,
            p.milliseconds,
            p.microseconds,
            p.nanoseconds,
        ];
        let int = |a: Option<Amount>| match a {
            None => Some(0),
            Some(Amount::Int(i)) => Some(i),
            Some(Amount::Float(_)) => None,
        };
        if all.iter().all(|a| !matches!(a, Some(Amount::Float(_)))) {
            let (y, q, mo, w, d) = (int(p.years), int(p.quarters), int(p.months), int(p.weeks), int(p.days));
            let (h, mi, s) = (int(p.hours), int(p.minutes), int(p.seconds));
            let (ms, us, ns) = (int(p.milliseconds), int(p.microseconds), int(p.nanoseconds));
            let exact = || -> Option<Duration> {
                let months = y?.checked_mul(12)?.checked_add(q?.checked_mul(3)?)?.checked_add(mo?)?;
                let days = w?.checked_mul(7)?.checked_add(d?)?;
                let seconds = h?.checked_mul(3600)?.checked_add(mi?.checked_mul(60)?)?.checked_add(s?)?;
                let nanos =
                    ms?.checked_mul(1_000_000)?.checked_add(us?.checked_mul(1000)?)?.checked_add(ns?)?;
                Duration::new(months, days, seconds, nanos).ok()
            };
            return exact().ok_or_else(overflow);
        }
        let f = |a: Option<Amount>| a.map_or(0.0, Amount::as_f64);
        Duration::approximate(
            f(p.years) * 12.0 + f(p.quarters) * 3.0 + f(p.months),
            f(p.weeks) * 7.0 + f(p.days),
            f(p.hours) * 3600.0 + f(p.minutes) * 60.0 + f(p.seconds),
            f(p.milliseconds) * 1_000_000.0 + f(p.microseconds) * 1000.0 + f(p.nanoseconds),
        )
    }

    /// Whole units, each fraction carried down to the next (the order of operations is the
    /// reference implementation's, so the rounding is too).
    pub fn approximate(months: f64, days: f64, seconds: f64, nanos: f64) -> Result<Duration, TemporalError> {
        const NANOS_PER_MONTH: f64 = (AVG_SECONDS_PER_MONTH * NANOS_PER_SECOND) as f64;
        const NANOS_PER_DAY: f64 = (SECONDS_PER_DAY * NANOS_PER_SECOND) as f64;
        const NANOS_PER_SEC: f64 = NANOS_PER_SECOND as f64;
        let m = to_i64(months)?;
        let days = days + (NANOS_PER_MONTH * months - NANOS_PER_MONTH * m as f64) / NANOS_PER_DAY;
        let d = to_i64(days)?;
        let seconds = seconds + (NANOS_PER_DAY * days - NANOS_PER_DAY * d as f64) / NANOS_PER_SEC;
        let s = to_i64(seconds)?;
        let nanos = nanos + (NANOS_PER_SEC * seconds - NANOS_PER_SEC * s as f64);
        let n = to_i64(nanos)?;
        Duration::new(m, d, s, n)
    }

    /// The length in seconds with a month of 30.436875 days (for ordering).
    fn average_seconds(&self) -> Option<i64> {
        self.months
            .checked_mul(AVG_SECONDS_PER_MONTH)?
            .checked_add(self.days.checked_mul(SECONDS_PER_DAY)?)?
            .checked_add(self.seconds)
    }

    /// All nanoseconds below a day's worth of seconds, as one signed count.
    pub fn total_nanos_of_seconds(&self) -> i128 {
        i128::from(self.seconds) * i128::from(NANOS_PER_SECOND) + i128::from(self.nanos)
    }

    pub fn checked_add(&self, o: &Duration) -> Result<Duration, TemporalError> {
        let add = |a: i64, b: i64| a.checked_add(b).ok_or_else(overflow);
        Duration::new(
            add(self.months, o.months)?,
            add(self.days, o.days)?,
            add(self.seconds, o.seconds)?,
            i64::from(self.nanos) + i64::from(o.nanos),
        )
    }

    pub fn checked_neg(&self) -> Result<Duration, TemporalError> {
        let neg = |a: i64| a.checked_neg().ok_or_else(overflow);
        Duration::new(neg(self.months)?, neg(self.days)?, neg(self.seconds)?, -i64::from(self.nanos))
    }

    pub fn checked_sub(&self, o: &Duration) -> Result<Duration, TemporalError> {
        self.checked_add(&o.checked_neg()?)
    }

    /// `d * 2` is exact; `d * 0.5` carries fractions down.
    pub fn mul_int(&self, k: i64) -> Result<Duration, TemporalError> {
        let mul = |a: i64| a.checked_mul(k).ok_or_else(overflow);
        Duration::new(mul(self.months)?, mul(self.days)?, mul(self.seconds)?, mul(i64::from(self.nanos))?)
    }

    pub fn mul_float(&self, k: f64) -> Result<Duration, TemporalError> {
        Duration::approximate(
            self.months as f64 * k,
            self.days as f64 * k,
            self.seconds as f64 * k,
            f64::from(self.nanos) * k,
        )
    }

    pub fn div(&self, k: f64) -> Result<Duration, TemporalError> {
        if k == 0.0 {
            return Err(TemporalError::DivisionByZero);
        }
        Duration::approximate(
            self.months as f64 / k,
            self.days as f64 / k,
            self.seconds as f64 / k,
            f64::from(self.nanos) / k,
        )
    }

    /// The total order ORDER BY uses: average length, then each component.
    pub fn order(&self, o: &Duration) -> Ordering {
        let len = |d: &Duration| d.average_seconds().unwrap_or(0);
        len(self)
            .cmp(&len(o))
            .then(self.nanos.cmp(&o.nanos))
            .then(self.months.cmp(&o.months))
            .then(self.days.cmp(&o.days))
            .then(self.seconds.cmp(&o.seconds))
    }

    /// A component by its openCypher name (`d.years`, `d.minutesOfHour`, ...).
    pub fn field(&self, name: &str) -> Option<i64> {
        let (m, d, s, n) = (self.months, self.days, self.seconds, i64::from(self.nanos));
        Some(match name {
            "years" => m / 12,
            "quarters" => m / 3,
            "months" => m,
            "weeks" => d / 7,
            "days" => d,
            "hours" => s / 3600,
            "minutes" => s / 60,
            "seconds" => s,
            "milliseconds" => s.checked_mul(1000)?.checked_add(n / 1_000_000)?,
            "microseconds" => s.checked_mul(1_000_000)?.checked_add(n / 1000)?,
            "nanoseconds" => s.checked_mul(NANOS_PER_SECOND)?.checked_add(n)?,
            "quartersOfYear" => (m % 12) / 3,
            "monthsOfQuarter" => m % 3,
            "monthsOfYear" => m % 12,
            "daysOfWeek" => d % 7,
            "minutesOfHour" => (s / 60) % 60,
            "secondsOfMinute" => s % 60,
            "millisecondsOfSecond" => n / 1_000_000,
            "microsecondsOfSecond" => n / 1000,
            "nanosecondsOfSecond" => n,
            _ => return None,
        })
    }
}

/// Writes `.fff`: the nine-digit fraction without trailing zeros.
pub(crate) fn write_fraction(f: &mut fmt::Formatter<'_>, nanos: i64) -> fmt::Result {
    let digits = format!("{:09}", nanos.unsigned_abs());
    write!(f, ".{}", digits.trim_end_matches('0'))
}

/// ISO 8601 as openCypher prints it: `P12Y5M14DT16H13M10.000000001S`, `PT-1M-0.001S`,
/// `PT0S`.
impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Duration::ZERO {
            return f.write_str("PT0S");
        }
        f.write_str("P")?;
        for (v, unit) in [(self.months / 12, 'Y'), (self.months % 12, 'M'), (self.days, 'D')] {
            if v != 0 {
                write!(f, "{v}{unit}")?;
            }
        }
        if self.seconds != 0 || self.nanos != 0 {
            let (mut s, mut n) = (self.seconds, i64::from(self.nanos));
            // Print seconds and their fraction with one sign.
            if s < 0 && n != 0 {
                s += 1;
                n -= NANOS_PER_SECOND;
            }
            f.write_str("T")?;
            if s / 3600 != 0 {
                write!(f, "{}H", s / 3600)?;
            }
            s %= 3600;
            if s / 60 != 0 {
                write!(f, "{}M", s / 60)?;
            }
            s %= 60;
            if s != 0 {
                write!(f, "{s}")?;
                if n != 0 {
                    write_fraction(f, n)?;
                }
                f.write_str("S")?;
            } else if n != 0 {
                if n < 0 {
                    f.write_str("-")?;
                }
                f.write_str("0")?;
                write_fraction(f, n)?;
                f.write_str("S")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(f: impl FnOnce(&mut DurationParts)) -> Duration {
        let mut p = DurationParts::default();
        f(&mut p);
        Duration::from_parts(&p).unwrap()
    }

    #[test]
    fn fractions_cascade_and_print_as_opencypher_does() {
        assert_eq!(parts(|p| p.months = Some(Amount::Float(0.75))).to_string(), "P22DT19H51M49.5S");
        assert_eq!(parts(|p| p.weeks = Some(Amount::Float(2.5))).to_string(), "P17DT12H");
        assert_eq!(
            parts(|p| {
                p.seconds = Some(Amount::Int(-60));
                p.milliseconds = Some(Amount::Int(-1));
            })
            .to_string(),
            "PT-1M-0.001S"
        );
        assert_eq!(
            parts(|p| {
                p.seconds = Some(Amount::Int(-2));
                p.milliseconds = Some(Amount::Int(1));
            })
            .to_string(),
            "PT-1.999S"
        );
    }
}
