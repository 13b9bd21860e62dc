//! Property values, including the uncertain numbers analysts copy out of articles.
//!
//! A value remembers how it was written (`~100`, `<12`, `65..200`, `@2017-09`) so it prints
//! back the same way; [`Value::interval`] gives the numeric interval it stands for, which is
//! what comparisons and the contradiction engine reason about.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use super::date::DateValue;
use super::temporal::Temporal;

/// The relative tolerance of an approximate number: `~100` stands for 90..=110 and
/// `~100..200` for 90..=220.
///
/// This is the one tolerance rule. Queries (`~100 = 105`, `r.killed > 50`) and the
/// contradiction engine (`check`) both reduce a value to [`Value::interval`] and call two
/// values compatible when their intervals overlap ([`Value::agrees_with`]); nothing else
/// stretches a value. Examples are tabled in `docs/language.md` ("Values").
pub const APPROX_TOLERANCE: f64 = 0.10;

/// A number as written: integers stay integers so they print back without a decimal point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => write_float(f, *x),
        }
    }
}

/// Writes a float so that it reads back as a float (`5.0`, not `5`).
pub fn write_float(f: &mut impl fmt::Write, x: f64) -> fmt::Result {
    if x.is_nan() {
        f.write_str("NaN")
    } else if x.is_infinite() {
        f.write_str(if x > 0.0 { "Infinity" } else { "-Infinity" })
    } else if x == x.trunc() && x.abs() < 1e15 {
        write!(f, "{x:.1}")
    } else {
        write!(f, "{x:?}")
    }
}

/// A number known only approximately or within bounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Uncertain {
    /// `~100`: about 100.
    Approx(Number),
    /// `<12` (`inclusive: false`) or `<=12`.
    Below { bound: Number, inclusive: bool },
    /// `>100` or `>=100`.
    Above { bound: Number, inclusive: bool },
    /// `65..200`, both ends included.
    Between(Number, Number),
    /// `~100..200`: approximately 100 to 200 ("approx. 100–200"); each end stretches by
    /// [`APPROX_TOLERANCE`].
    ApproxBetween(Number, Number),
}

/// A closed or half-open numeric interval; `f64::INFINITY` stands for "no bound".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub lo: f64,
    pub lo_inclusive: bool,
    pub hi: f64,
    pub hi_inclusive: bool,
}

impl Interval {
    pub fn point(x: f64) -> Self {
        Interval { lo: x, lo_inclusive: true, hi: x, hi_inclusive: true }
    }

    /// True when some number lies in both intervals.
    pub fn overlaps(&self, other: &Interval) -> bool {
        let lo_ok = match self.lo.partial_cmp(&other.hi) {
            Some(Ordering::Less) => true,
            Some(Ordering::Equal) => self.lo_inclusive && other.hi_inclusive,
            _ => false,
        };
        let hi_ok = match other.lo.partial_cmp(&self.hi) {
            Some(Ordering::Less) => true,
            Some(Ordering::Equal) => other.lo_inclusive && self.hi_inclusive,
            _ => false,
        };
        lo_ok && hi_ok
    }

    /// True when every number of `self` lies in `other`.
    pub fn within(&self, other: &Interval) -> bool {
        let lo_ok = self.lo > other.lo || (self.lo == other.lo && (other.lo_inclusive || !self.lo_inclusive));
        let hi_ok = self.hi < other.hi || (self.hi == other.hi && (other.hi_inclusive || !self.hi_inclusive));
        lo_ok && hi_ok
    }

    pub fn add(&self, other: &Interval) -> Interval {
        Interval {
            lo: self.lo + other.lo,
            lo_inclusive: self.lo_inclusive && other.lo_inclusive,
            hi: self.hi + other.hi,
            hi_inclusive: self.hi_inclusive && other.hi_inclusive,
        }
    }

    /// Entirely below `x` (every member is smaller).
    pub fn entirely_below(&self, x: f64) -> bool {
        self.hi < x || (self.hi == x && !self.hi_inclusive)
    }

    /// Entirely above `x`.
    pub fn entirely_above(&self, x: f64) -> bool {
        self.lo > x || (self.lo == x && !self.lo_inclusive)
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let open = if self.lo_inclusive { '[' } else { '(' };
        let close = if self.hi_inclusive { ']' } else { ')' };
        write!(f, "{open}{}, {}{close}", self.lo, self.hi)
    }
}

/// `x` stretched down (`sign` -1) or up (+1) by the tolerance.
fn stretch(x: f64, sign: f64) -> f64 {
    x + sign * (x * APPROX_TOLERANCE).abs()
}

impl Uncertain {
    /// The interval of exact numbers this value stands for: approximate values stretch by
    /// [`APPROX_TOLERANCE`] (`~100` is 90..=110).
    pub fn interval(&self) -> Interval {
        match *self {
            Uncertain::Approx(n) => {
                let x = n.as_f64();
                Interval { lo: stretch(x, -1.0), lo_inclusive: true, hi: stretch(x, 1.0), hi_inclusive: true }
            }
            Uncertain::ApproxBetween(a, b) => {
                let (a, b) = (a.as_f64(), b.as_f64());
                let (lo, hi) = (a.min(b), a.max(b));
                Interval {
                    lo: stretch(lo, -1.0),
                    lo_inclusive: true,
                    hi: stretch(hi, 1.0),
                    hi_inclusive: true,
                }
            }
            Uncertain::Below { bound, inclusive } => Interval {
                lo: f64::NEG_INFINITY,
                lo_inclusive: false,
                hi: bound.as_f64(),
                hi_inclusive: inclusive,
            },
            Uncertain::Above { bound, inclusive } => Interval {
                lo: bound.as_f64(),
                lo_inclusive: inclusive,
                hi: f64::INFINITY,
                hi_inclusive: false,
            },
            Uncertain::Between(a, b) => {
                let (a, b) = (a.as_f64(), b.as_f64());
                Interval { lo: a.min(b), lo_inclusive: true, hi: a.max(b), hi_inclusive: true }
            }
        }
    }

    /// The single number that best stands for this value, for sorting and arithmetic.
    pub fn central(&self) -> f64 {
        match *self {
            Uncertain::Approx(n) => n.as_f64(),
            Uncertain::Below { bound, .. } | Uncertain::Above { bound, .. } => bound.as_f64(),
            Uncertain::Between(a, b) | Uncertain::ApproxBetween(a, b) => (a.as_f64() + b.as_f64()) / 2.0,
        }
    }
}

impl fmt::Display for Uncertain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Uncertain::Approx(n) => write!(f, "~{n}"),
            Uncertain::Below { bound, inclusive } => {
                write!(f, "{}{bound}", if *inclusive { "<=" } else { "<" })
            }
            Uncertain::Above { bound, inclusive } => {
                write!(f, "{}{bound}", if *inclusive { ">=" } else { ">" })
            }
            Uncertain::Between(a, b) => write!(f, "{a}..{b}"),
            Uncertain::ApproxBetween(a, b) => write!(f, "~{a}..{b}"),
        }
    }
}

/// A property value of an entity or a claim.
#[derive(Debug, Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    List(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Uncertain(Uncertain),
    Date(DateValue),
    /// A time, date-time or duration (`@22:00+03:00`, `@P3D`); dates are `Date`.
    Temporal(Temporal),
}

/// Equality of stored data: a NaN property equals a NaN property (unlike query `=`, which
/// follows openCypher's rules and lives in the query engine).
impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b || (a.is_nan() && b.is_nan()),
            (Value::String(a), Value::String(b)) => a == b,
            (Value::List(a), Value::List(b)) => a == b,
            (Value::Map(a), Value::Map(b)) => a == b,
            (Value::Uncertain(a), Value::Uncertain(b)) => a == b,
            (Value::Date(a), Value::Date(b)) => a == b,
            (Value::Temporal(a), Value::Temporal(b)) => a.same(b),
            _ => false,
        }
    }
}

impl Value {
    /// A temporal value as stored: a day-precision date becomes a claimgraph date.
    pub fn from_temporal(t: Temporal) -> Value {
        match t.to_date_value() {
            Some(d) => Value::Date(d),
            None => Value::Temporal(t),
        }
    }

    /// The numeric interval of a number-like value: exact numbers are points, uncertain
    /// ones stand for [`Uncertain::interval`].
    pub fn interval(&self) -> Option<Interval> {
        match self {
            Value::Int(i) => Some(Interval::point(*i as f64)),
            Value::Float(x) => Some(Interval::point(*x)),
            Value::Uncertain(u) => Some(u.interval()),
            _ => None,
        }
    }

    /// Whether two number-like values can both be true, by the one tolerance rule: their
    /// intervals overlap. `None` when either is not a number (or is NaN). Query `=` on
    /// uncertain numbers and `check` both answer with this.
    pub fn agrees_with(&self, other: &Value) -> Option<bool> {
        let (a, b) = (self.interval()?, other.interval()?);
        if [a.lo, a.hi, b.lo, b.hi].iter().any(|x| x.is_nan()) {
            return None;
        }
        Some(a.overlaps(&b))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) => "map",
            Value::Uncertain(_) => "uncertain number",
            Value::Date(_) => "date",
            Value::Temporal(t) => match t.kind() {
                super::TemporalKind::Duration => "duration",
                super::TemporalKind::Time | super::TemporalKind::LocalTime => "time",
                _ => "date-time",
            },
        }
    }
}

/// Writes a string literal in the declaration language, escaping what must be escaped.
pub fn write_string_literal(f: &mut impl fmt::Write, s: &str) -> fmt::Result {
    f.write_char('\'')?;
    for c in s.chars() {
        match c {
            '\'' => f.write_str("\\'")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if c.is_control() => write!(f, "\\u{:04x}", c as u32)?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('\'')
}

/// Writes `[a, b]` in literal syntax.
pub fn write_list<T: fmt::Display>(f: &mut impl fmt::Write, items: &[T]) -> fmt::Result {
    f.write_char('[')?;
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{v}")?;
    }
    f.write_char(']')
}

/// Writes `{k: v}` in literal syntax.
pub fn write_map<T: fmt::Display>(f: &mut impl fmt::Write, map: &BTreeMap<String, T>) -> fmt::Result {
    f.write_char('{')?;
    for (i, (k, v)) in map.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write_key(f, k)?;
        write!(f, ": {v}")?;
    }
    f.write_char('}')
}

/// Writes a map key: bare when it is a plain identifier, backticked otherwise.
pub fn write_key(f: &mut impl fmt::Write, k: &str) -> fmt::Result {
    let plain = k.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        f.write_str(k)
    } else {
        write!(f, "`{}`", k.replace('`', "``"))
    }
}

/// Prints values in the declaration language's literal syntax, so that printing and parsing
/// again gives the same value.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write_float(f, *x),
            Value::String(s) => write_string_literal(f, s),
            Value::List(items) => write_list(f, items),
            Value::Map(m) => write_map(f, m),
            Value::Uncertain(u) => write!(f, "{u}"),
            Value::Date(d) => write!(f, "{d}"),
            Value::Temporal(t) => write!(f, "@{t}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Value {
        crate::syntax::decl::parse_value(text).expect(text)
    }

    /// The table of `docs/language.md` ("Values: the tolerance rule"): each pair, and
    /// whether the two values agree. Query `=` is tested against the same table in
    /// `tests/query_engine.rs`, and `check` in `tests/contradictions/tolerance/`.
    pub(crate) const TOLERANCE_TABLE: &[(&str, &str, bool)] = &[
        ("~100", "105", true),
        ("~100", "110", true),
        ("~100", "111", false),
        ("~100", "80", false),
        ("~100", "~120", true),
        ("~100", "~125", false),
        ("~100", "~300", false),
        ("~100..200", "215", true),
        ("~100..200", "230", false),
        ("~100..200", "~240", true),
        ("~100..200", "~250", false),
        ("<12", "5", true),
        ("<12", "12", false),
        ("<=12", "12", true),
        (">100", "~100", true),
        ("65..200", "~300", false),
        ("5", "5.0", true),
    ];

    #[test]
    fn the_tolerance_table_holds() {
        for (a, b, agree) in TOLERANCE_TABLE {
            let (x, y) = (parse(a), parse(b));
            assert_eq!(x.agrees_with(&y), Some(*agree), "{a} vs {b}");
            assert_eq!(y.agrees_with(&x), Some(*agree), "{b} vs {a}");
        }
        assert_eq!(parse("'x'").agrees_with(&parse("5")), None);
    }

    #[test]
    fn open_bounds_do_not_touch() {
        let below = Uncertain::Below { bound: Number::Int(12), inclusive: false }.interval();
        assert!(!below.overlaps(&Interval::point(12.0)));
        let at_most = Uncertain::Below { bound: Number::Int(12), inclusive: true }.interval();
        assert!(at_most.overlaps(&Interval::point(12.0)));
    }

    #[test]
    fn approximate_ranges_stretch_both_ends() {
        let r = Uncertain::ApproxBetween(Number::Int(100), Number::Int(200)).interval();
        assert_eq!((r.lo, r.hi), (90.0, 220.0));
        assert_eq!(parse("~100..200").to_string(), "~100..200");
        assert_eq!(parse("~-5..5").to_string(), "~-5..5");
    }

    #[test]
    fn values_print_as_written() {
        assert_eq!(
            Value::Uncertain(Uncertain::Between(Number::Int(65), Number::Int(200))).to_string(),
            "65..200"
        );
        assert_eq!(Value::Float(5.0).to_string(), "5.0");
        assert_eq!(Value::String("it's\n".into()).to_string(), "'it\\'s\\n'");
    }
}
