//! Dates with precision (`@2018-02-07`, `@2018-W07`, `@2017-09`, `@2018`) and dates
//! relative to the document that reports them (`@-4months`).
//!
//! A date of month precision stands for every day of that month (a week for every day of
//! that ISO week): two dates conflict only when their day intervals do not overlap. The
//! calendar is jiff's.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Precision {
    Year,
    Month,
    Week,
    Day,
}

/// A calendar date known to year, month, ISO week or day precision. A week-precision date
/// has `week` set, `year` its ISO week-based year, and no month or day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
    pub week: Option<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateUnit {
    Day,
    Week,
    Month,
    Year,
}

impl DateUnit {
    pub fn parse(word: &str) -> Option<DateUnit> {
        match word.to_ascii_lowercase().as_str() {
            "day" | "days" => Some(DateUnit::Day),
            "week" | "weeks" => Some(DateUnit::Week),
            "month" | "months" => Some(DateUnit::Month),
            "year" | "years" => Some(DateUnit::Year),
            _ => None,
        }
    }

    fn word(self, amount: i64) -> &'static str {
        let one = amount.unsigned_abs() == 1;
        match self {
            DateUnit::Day if one => "day",
            DateUnit::Day => "days",
            DateUnit::Week if one => "week",
            DateUnit::Week => "weeks",
            DateUnit::Month if one => "month",
            DateUnit::Month => "months",
            DateUnit::Year if one => "year",
            DateUnit::Year => "years",
        }
    }
}

/// A date as written: absolute, or relative to the date of the document reporting it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateValue {
    Absolute(PartialDate),
    Relative { amount: i64, unit: DateUnit },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("month {0} is not between 1 and 12")]
    Month(u32),
    #[error("day {day} does not exist in {year}-{month:02}")]
    Day { year: i32, month: u32, day: u32 },
    #[error("the date is outside the years -9999 to 9999")]
    OutOfRange,
    #[error("{year} has no ISO week {week}")]
    Week { year: i32, week: u32 },
}

/// The civil date of a year, month and day already checked to exist.
fn civil(y: i32, m: u8, d: u8) -> Option<jiff::civil::Date> {
    jiff::civil::Date::new(i16::try_from(y).ok()?, m as i8, d as i8).ok()
}

/// Days in a month of a year (jiff's calendar).
pub fn days_in_month(year: i32, month: u8) -> u8 {
    civil(year, month, 1).map_or(0, |d| d.days_in_month() as u8)
}

/// Days since 1970-01-01 of a date (0 for one outside the supported years).
pub fn days_from_civil(y: i32, m: u8, d: u8) -> i64 {
    civil(y, m, d).map_or(0, |d| d.duration_since(jiff::civil::Date::constant(1970, 1, 1)).as_secs() / 86_400)
}

impl PartialDate {
    pub fn new(year: i32, month: Option<u32>, day: Option<u32>) -> Result<Self, DateError> {
        if !(-9999..=9999).contains(&year) {
            return Err(DateError::OutOfRange);
        }
        let month = match month {
            None => None,
            Some(m @ 1..=12) => Some(m as u8),
            Some(m) => return Err(DateError::Month(m)),
        };
        let day = match (month, day) {
            (_, None) => None,
            (Some(m), Some(d)) if d >= 1 && d <= u32::from(days_in_month(year, m)) => Some(d as u8),
            (m, Some(d)) => return Err(DateError::Day { year, month: m.map_or(0, u32::from), day: d }),
        };
        Ok(PartialDate { year, month, day, week: None })
    }

    /// ISO week `week` of week-based year `year` (`@2018-W07`: 12 to 18 February 2018).
    pub fn iso_week(year: i32, week: u32) -> Result<Self, DateError> {
        let y = i16::try_from(year).map_err(|_| DateError::OutOfRange)?;
        let w = i8::try_from(week).map_err(|_| DateError::Week { year, week })?;
        jiff::civil::ISOWeekDate::new(y, w, jiff::civil::Weekday::Monday)
            .map_err(|_| DateError::Week { year, week })?;
        Ok(PartialDate { year, month: None, day: None, week: Some(w as u8) })
    }

    pub fn precision(&self) -> Precision {
        match (self.month, self.day, self.week) {
            (_, Some(_), _) => Precision::Day,
            (Some(_), None, _) => Precision::Month,
            (None, None, Some(_)) => Precision::Week,
            _ => Precision::Year,
        }
    }

    /// Monday and Sunday of a week-precision date.
    fn week_days(&self) -> Option<(jiff::civil::Date, jiff::civil::Date)> {
        let monday = jiff::civil::ISOWeekDate::new(
            i16::try_from(self.year).ok()?,
            self.week? as i8,
            jiff::civil::Weekday::Monday,
        )
        .ok()?
        .date();
        Some((monday, monday.checked_add(jiff::Span::new().days(6)).ok()?))
    }

    /// First and last day (days since the epoch) this date may stand for.
    pub fn day_range(&self) -> (i64, i64) {
        if let Some((monday, sunday)) = self.week_days() {
            let day =
                |d: jiff::civil::Date| days_from_civil(i32::from(d.year()), d.month() as u8, d.day() as u8);
            return (day(monday), day(sunday));
        }
        match (self.month, self.day) {
            (Some(m), Some(d)) => {
                let x = days_from_civil(self.year, m, d);
                (x, x)
            }
            (Some(m), None) => {
                (days_from_civil(self.year, m, 1), days_from_civil(self.year, m, days_in_month(self.year, m)))
            }
            _ => (days_from_civil(self.year, 1, 1), days_from_civil(self.year, 12, 31)),
        }
    }

    /// True when the two dates can denote the same day.
    pub fn compatible(&self, other: &PartialDate) -> bool {
        let (a0, a1) = self.day_range();
        let (b0, b1) = other.day_range();
        a0 <= b1 && b0 <= a1
    }

    /// Moves the date by `amount` units, keeping its precision no finer than the anchor's
    /// and no finer than the unit (four months before 2018-02-15 is 2017-10).
    pub fn shift(&self, amount: i64, unit: DateUnit) -> Result<PartialDate, DateError> {
        let in_range = |y: i64| i32::try_from(y).ok().filter(|y| (-9999..=9999).contains(y));
        if let Some((monday, _)) = self.week_days() {
            return match unit {
                DateUnit::Week => {
                    let span = jiff::Span::new().try_weeks(amount).map_err(|_| DateError::OutOfRange)?;
                    let w = monday.checked_add(span).map_err(|_| DateError::OutOfRange)?.iso_week_date();
                    Ok(PartialDate {
                        year: i32::from(w.year()),
                        month: None,
                        day: None,
                        week: Some(w.week() as u8),
                    })
                }
                DateUnit::Day => Ok(*self),
                // Months and years count from the month the week's Thursday falls in.
                _ => {
                    let thursday =
                        monday.checked_add(jiff::Span::new().days(3)).map_err(|_| DateError::OutOfRange)?;
                    let month =
                        PartialDate::new(i32::from(thursday.year()), Some(thursday.month() as u32), None)?;
                    month.shift(amount, unit)
                }
            };
        }
        match unit {
            DateUnit::Year => {
                let y = in_range(i64::from(self.year) + amount).ok_or(DateError::OutOfRange)?;
                Ok(PartialDate { year: y, month: None, day: None, week: None })
            }
            DateUnit::Month => {
                let Some(m) = self.month else {
                    return Ok(PartialDate { year: self.year, month: None, day: None, week: None });
                };
                let total = i64::from(self.year) * 12 + i64::from(m) - 1 + amount;
                let y = in_range(total.div_euclid(12)).ok_or(DateError::OutOfRange)?;
                Ok(PartialDate {
                    year: y,
                    month: Some(total.rem_euclid(12) as u8 + 1),
                    day: None,
                    week: None,
                })
            }
            DateUnit::Week | DateUnit::Day => {
                let Some(date) = self.to_civil() else {
                    return Ok(*self);
                };
                let step = if unit == DateUnit::Week { 7 } else { 1 };
                let delta = amount.checked_mul(step).ok_or(DateError::OutOfRange)?;
                let span = jiff::Span::new().try_days(delta).map_err(|_| DateError::OutOfRange)?;
                let shifted = date.checked_add(span).map_err(|_| DateError::OutOfRange)?;
                Ok(PartialDate::from_civil(shifted))
            }
        }
    }

    /// The calendar date of a day-precision date.
    pub fn to_civil(&self) -> Option<jiff::civil::Date> {
        civil(self.year, self.month?, self.day?)
    }

    /// A day-precision date.
    pub fn from_civil(d: jiff::civil::Date) -> PartialDate {
        PartialDate {
            year: i32::from(d.year()),
            month: Some(d.month() as u8),
            day: Some(d.day() as u8),
            week: None,
        }
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if (0..=9999).contains(&self.year) {
            write!(f, "{:04}", self.year)?;
        } else {
            write!(f, "{}{:04}", if self.year < 0 { '-' } else { '+' }, self.year.unsigned_abs())?;
        }
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        if let Some(w) = self.week {
            write!(f, "-W{w:02}")?;
        }
        Ok(())
    }
}

impl DateValue {
    /// The absolute date, resolving a relative one against `anchor` (the document's date).
    pub fn resolve(&self, anchor: Option<&PartialDate>) -> Option<PartialDate> {
        match self {
            DateValue::Absolute(d) => Some(*d),
            DateValue::Relative { amount, unit } => anchor?.shift(*amount, *unit).ok(),
        }
    }
}

/// Prints in the literal syntax: `@2018-02-07`, `@-4months`.
impl fmt::Display for DateValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DateValue::Absolute(d) => write!(f, "@{d}"),
            DateValue::Relative { amount, unit } => {
                let sign = if *amount < 0 { '-' } else { '+' };
                write!(f, "@{sign}{}{}", amount.unsigned_abs(), unit.word(*amount))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_since_the_epoch() {
        assert_eq!(days_from_civil(2018, 2, 7), 17_569);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_in_month(2016, 2), 29);
    }

    #[test]
    fn four_months_before_mid_february_is_october() {
        let doc = PartialDate::new(2018, Some(2), Some(15)).unwrap();
        let rel = DateValue::Relative { amount: -4, unit: DateUnit::Month };
        let resolved = rel.resolve(Some(&doc)).unwrap();
        assert_eq!(resolved.to_string(), "2017-10");
        let september = PartialDate::new(2017, Some(9), None).unwrap();
        assert!(!resolved.compatible(&september));
        assert!(PartialDate::new(2017, None, None).unwrap().compatible(&september));
    }

    #[test]
    fn a_week_stands_for_its_seven_days() {
        let w = PartialDate::iso_week(2018, 7).unwrap();
        assert_eq!(w.to_string(), "2018-W07");
        assert!(w.compatible(&PartialDate::new(2018, Some(2), Some(12)).unwrap()));
        assert!(w.compatible(&PartialDate::new(2018, Some(2), Some(18)).unwrap()));
        assert!(!w.compatible(&PartialDate::new(2018, Some(2), Some(11)).unwrap()));
        let last = DateValue::Relative { amount: -1, unit: DateUnit::Week }.resolve(Some(&w)).unwrap();
        assert_eq!(last.to_string(), "2018-W06");
        assert!(last.compatible(&PartialDate::new(2018, Some(2), Some(7)).unwrap()));
        assert!(PartialDate::iso_week(2018, 53).is_err());
    }

    #[test]
    fn invalid_days_are_rejected() {
        assert!(PartialDate::new(2018, Some(2), Some(29)).is_err());
        assert!(PartialDate::new(2016, Some(2), Some(29)).is_ok());
        assert!(PartialDate::new(2016, Some(13), None).is_err());
    }
}
