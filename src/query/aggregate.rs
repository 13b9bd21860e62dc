//! Aggregating functions: `count`, `collect`, `sum`, `avg`, `min`, `max`,
//! `percentileCont`, `percentileDisc`, `stDev`, `stDevP`, each with optional DISTINCT.
//!
//! This module owns their semantics; the executor owns grouping. For each group and each
//! aggregate in the projection it makes an [`Accumulator`], feeds it the evaluated
//! arguments of every row with [`Accumulator::update`], and reads the result with
//! [`Accumulator::finish`]. `count(*)` is [`AggregateKind::CountStar`] and takes no
//! arguments.
//!
//! As in openCypher, nulls are skipped by every aggregate (and so never count as distinct
//! values), an aggregate over no rows is `0` for `count` and `sum`, `[]` for `collect`,
//! `0.0` for the standard deviations and null otherwise.

use std::collections::HashSet;

use super::error::{argument_error, type_error, ErrorDetail, EvalResult, QueryError};
use super::ops::{self, group_key, order_cmp, GroupKey};
use super::value::Value;
use crate::syntax::query::{Expr, ExprKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AggregateKind {
    /// `count(*)`: counts rows, nulls included.
    CountStar,
    Count,
    Collect,
    Sum,
    Avg,
    Min,
    Max,
    /// `percentileCont(value, percentile)`: linear interpolation, a float.
    PercentileCont,
    /// `percentileDisc(value, percentile)`: the nearest value at or above, as it was.
    PercentileDisc,
    /// Sample standard deviation.
    StDev,
    /// Population standard deviation.
    StDevP,
}

impl AggregateKind {
    /// The aggregate named `name` (any case). `count` means `count(x)`; the parser knows
    /// `count(*)` by its star.
    pub(crate) fn from_name(name: &str) -> Option<AggregateKind> {
        AGGREGATES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, k)| *k)
    }

    /// Whether `name` is an aggregating function (for the semantic checks).
    pub(crate) fn is_aggregate(name: &str) -> bool {
        Self::from_name(name).is_some()
    }
}

/// Every aggregating function, named as openCypher spells it.
const AGGREGATES: [(&str, AggregateKind); 10] = [
    ("count", AggregateKind::Count),
    ("collect", AggregateKind::Collect),
    ("sum", AggregateKind::Sum),
    ("avg", AggregateKind::Avg),
    ("min", AggregateKind::Min),
    ("max", AggregateKind::Max),
    ("percentileCont", AggregateKind::PercentileCont),
    ("percentileDisc", AggregateKind::PercentileDisc),
    ("stDev", AggregateKind::StDev),
    ("stDevP", AggregateKind::StDevP),
];

/// All aggregating function names, for the shell's completion.
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    AGGREGATES.iter().map(|(n, _)| *n)
}

/// Whether the expression is an aggregate call (`count(*)`, `sum(x)`, ...).
pub(crate) fn is_aggregate_call(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::CountStar => true,
        ExprKind::Call { name, .. } => AggregateKind::is_aggregate(name),
        _ => false,
    }
}

/// Whether an expression contains an aggregate outside nested scopes.
pub(crate) fn contains_aggregate(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::CountStar => true,
        ExprKind::Call { name, args, .. } => {
            AggregateKind::is_aggregate(name) || args.iter().any(contains_aggregate)
        }
        _ => e.children().into_iter().any(contains_aggregate),
    }
}

#[derive(Debug, Clone)]
enum State {
    Count(i64),
    Collect(Vec<Value>),
    /// `None` until the first value; then an integer or float (or uncertain) running sum.
    Sum(Value),
    Avg {
        sum: f64,
        count: u64,
    },
    Extreme(Option<Value>),
    Percentile {
        values: Vec<Value>,
        percentile: Option<f64>,
    },
    /// Welford's running mean and sum of squared deviations: stable in one pass.
    Deviation {
        count: u64,
        mean: f64,
        m2: f64,
    },
}

/// The running state of one aggregate in one group.
#[derive(Debug, Clone)]
pub(crate) struct Accumulator {
    kind: AggregateKind,
    /// The values seen so far, when DISTINCT (hashed as the grouping keys are: the
    /// fixed-seed fast hasher, since SipHash cost a 2-hop `count(DISTINCT c)` a fifth of
    /// its time).
    seen: Option<HashSet<GroupKey, foldhash::fast::FixedState>>,
    state: State,
}

impl Accumulator {
    pub(crate) fn new(kind: AggregateKind, distinct: bool) -> Accumulator {
        use AggregateKind::*;
        let state = match kind {
            CountStar | Count => State::Count(0),
            Collect => State::Collect(Vec::new()),
            Sum => State::Sum(Value::Int(0)),
            Avg => State::Avg { sum: 0.0, count: 0 },
            Min | Max => State::Extreme(None),
            PercentileCont | PercentileDisc => State::Percentile { values: Vec::new(), percentile: None },
            StDev | StDevP => State::Deviation { count: 0, mean: 0.0, m2: 0.0 },
        };
        Accumulator { kind, seen: distinct.then(HashSet::default), state }
    }

    /// Feeds one row's evaluated arguments (none for `count(*)`; value and percentile for
    /// the percentiles; one value otherwise).
    pub(crate) fn update(&mut self, args: &[Value]) -> EvalResult<()> {
        if self.kind == AggregateKind::CountStar {
            if let State::Count(n) = &mut self.state {
                *n = n.saturating_add(1);
            }
            return Ok(());
        }
        let v = args.first().unwrap_or(&Value::Null);
        if v.is_null() {
            return Ok(());
        }
        if let Some(seen) = &mut self.seen {
            if !seen.insert(group_key(v)) {
                return Ok(());
            }
        }
        let name = self.kind;
        match &mut self.state {
            State::Count(n) => *n = n.saturating_add(1),
            State::Collect(items) => items.push(v.clone()),
            State::Sum(total) => {
                if !matches!(v, Value::Int(_) | Value::Float(_) | Value::Uncertain(_)) {
                    return Err(not_a_number(name, v));
                }
                *total = ops::add(total, v)?;
            }
            State::Avg { sum, count } => {
                *sum += number(name, v)?;
                *count += 1;
            }
            State::Extreme(best) => {
                let replace = match best {
                    None => true,
                    Some(b) => {
                        let o = order_cmp(v, b);
                        if self.kind == AggregateKind::Min {
                            o.is_lt()
                        } else {
                            o.is_gt()
                        }
                    }
                };
                if replace {
                    *best = Some(v.clone());
                }
            }
            State::Percentile { values, percentile } => {
                number(name, v)?;
                let p = match args.get(1) {
                    Some(Value::Int(i)) => *i as f64,
                    Some(Value::Float(x)) => *x,
                    Some(other) => {
                        return Err(argument_error(
                            ErrorDetail::NumberOutOfRange,
                            format!("the percentile must be a number between 0.0 and 1.0, got {other}"),
                        ))
                    }
                    None => {
                        return Err(argument_error(
                            ErrorDetail::NumberOutOfRange,
                            "the percentile is missing",
                        ))
                    }
                };
                if !(0.0..=1.0).contains(&p) {
                    return Err(argument_error(
                        ErrorDetail::NumberOutOfRange,
                        format!("the percentile must be between 0.0 and 1.0, got {p}"),
                    ));
                }
                percentile.get_or_insert(p);
                values.push(v.clone());
            }
            State::Deviation { count, mean, m2 } => {
                let x = number(name, v)?;
                *count += 1;
                let delta = x - *mean;
                *mean += delta / *count as f64;
                *m2 += delta * (x - *mean);
            }
        }
        Ok(())
    }

    /// Feeds one row that stands for `times` rows (a counted hop's matches): counts add
    /// `times` at once; DISTINCT aggregates, `min` and `max` see the value once, which is
    /// all repeating it would do; the others see it `times` times.
    pub(crate) fn update_times(&mut self, args: &[Value], times: u64) -> EvalResult<()> {
        let counted = match self.kind {
            AggregateKind::CountStar => true,
            AggregateKind::Count => self.seen.is_none() && !args.first().unwrap_or(&Value::Null).is_null(),
            _ => false,
        };
        if counted {
            if let State::Count(n) = &mut self.state {
                *n = n.saturating_add(i64::try_from(times).unwrap_or(i64::MAX));
            }
            return Ok(());
        }
        if self.seen.is_some()
            || matches!(self.kind, AggregateKind::Min | AggregateKind::Max | AggregateKind::Count)
        {
            return self.update(args);
        }
        for _ in 0..times {
            self.update(args)?;
        }
        Ok(())
    }

    /// The aggregate's value for the group.
    pub(crate) fn finish(self) -> EvalResult<Value> {
        Ok(match self.state {
            State::Count(n) => Value::Int(n),
            State::Collect(items) => Value::List(items),
            State::Sum(total) => total,
            State::Avg { count: 0, .. } => Value::Null,
            State::Avg { sum, count } => Value::Float(sum / count as f64),
            State::Extreme(best) => best.unwrap_or(Value::Null),
            State::Percentile { mut values, percentile } => {
                let Some(p) = percentile else {
                    return Ok(Value::Null);
                };
                values.sort_by(order_cmp);
                percentile_of(self.kind, &values, p)
            }
            State::Deviation { count, m2, .. } => {
                let n = match self.kind {
                    AggregateKind::StDev => count.saturating_sub(1),
                    _ => count,
                };
                if n == 0 {
                    Value::Float(0.0)
                } else {
                    Value::Float((m2 / n as f64).max(0.0).sqrt())
                }
            }
        })
    }
}

/// `values` sorted ascending and not empty when `p` is known.
fn percentile_of(kind: AggregateKind, values: &[Value], p: f64) -> Value {
    let n = values.len();
    if n == 0 {
        return Value::Null;
    }
    let as_f64 = |v: &Value| match v {
        Value::Int(i) => *i as f64,
        Value::Float(x) => *x,
        Value::Uncertain(u) => u.central(),
        _ => f64::NAN,
    };
    if kind == AggregateKind::PercentileDisc {
        // The smallest value with at least p of the values at or below it.
        let rank = (p * n as f64).ceil() as usize;
        let i = rank.saturating_sub(1).min(n - 1);
        return values[i].clone();
    }
    let pos = p * (n - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let (a, b) = (as_f64(&values[lo.min(n - 1)]), as_f64(&values[hi.min(n - 1)]));
    Value::Float(a + (b - a) * (pos - lo as f64))
}

fn number(kind: AggregateKind, v: &Value) -> EvalResult<f64> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Float(x) => Ok(*x),
        // An uncertain number counts as its central value (`65..200` as 132.5).
        Value::Uncertain(u) => Ok(u.central()),
        other => Err(not_a_number(kind, other)),
    }
}

fn not_a_number(kind: AggregateKind, v: &Value) -> QueryError {
    type_error(
        ErrorDetail::InvalidArgumentType,
        format!("{kind:?} needs numbers, got {} ({v})", v.type_name()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Number, Uncertain};
    use crate::query::value::tests::{f, i, l, s, N};
    use AggregateKind::*;

    fn agg(kind: AggregateKind, distinct: bool, rows: &[Value]) -> EvalResult<Value> {
        let mut acc = Accumulator::new(kind, distinct);
        for r in rows {
            acc.update(std::slice::from_ref(r))?;
        }
        acc.finish()
    }

    fn pct(kind: AggregateKind, rows: &[Value], p: Value) -> EvalResult<Value> {
        let mut acc = Accumulator::new(kind, false);
        for r in rows {
            acc.update(&[r.clone(), p.clone()])?;
        }
        acc.finish()
    }

    #[test]
    fn aggregates_follow_the_tck() {
        let mixed = [i(1), s("a"), N, l(vec![i(1), i(2)]), f(0.2), s("b")];
        let cases: Vec<(AggregateKind, bool, Vec<Value>, Value)> = vec![
            (CountStar, false, vec![N, i(1), N], i(3)),
            (Count, false, vec![N, i(1), i(1)], i(2)),
            (Count, true, vec![N, i(1), f(1.0), i(2)], i(2)),
            (Count, true, vec![N, N], i(0)),
            (Collect, false, vec![i(1), N, i(1)], l(vec![i(1), i(1)])),
            (Collect, true, vec![i(1), N, i(1), N], l(vec![i(1)])),
            (Collect, true, vec![], l(vec![])),
            (Sum, false, vec![], i(0)),
            (Sum, false, vec![i(1), i(2), N], i(3)),
            (Sum, false, vec![i(1), f(0.5)], f(1.5)),
            (Sum, false, vec![i(1_000_000_000), i(2_004_498_500)], i(3_004_498_500)),
            (Sum, true, vec![i(1), i(1), i(2)], i(3)),
            (Avg, false, vec![], N),
            (Avg, false, vec![i(1), i(2), N], f(1.5)),
            (Max, false, vec![i(1), i(2), i(0), N, i(-1)], i(2)),
            (Min, false, vec![i(1), i(2), i(0), N, i(-1)], i(-1)),
            (Max, false, vec![f(1.0), f(2.0), f(0.5), N], f(2.0)),
            (Max, false, vec![i(1), f(2.0), i(5), N, f(3.2), f(0.1)], i(5)),
            (Min, false, vec![i(1), f(2.0), i(5), N, f(3.2), f(0.1)], f(0.1)),
            (Max, false, vec![s("a"), s("b"), s("B"), N, s("abc"), s("abc1")], s("b")),
            (Min, false, vec![s("a"), s("b"), s("B"), N, s("abc"), s("abc1")], s("B")),
            (Max, false, vec![l(vec![i(1)]), l(vec![i(2)]), l(vec![i(2), i(1)])], l(vec![i(2), i(1)])),
            (Min, false, vec![l(vec![i(1)]), l(vec![i(2)]), l(vec![i(2), i(1)])], l(vec![i(1)])),
            (Max, false, mixed.to_vec(), i(1)),
            (Min, false, mixed.to_vec(), l(vec![i(1), i(2)])),
            (Min, false, vec![], N),
            (StDev, false, vec![i(2), i(4), i(4), i(4), i(5), i(5), i(7), i(9)], f(2.138089935299395)),
            (StDevP, false, vec![i(2), i(4), i(4), i(4), i(5), i(5), i(7), i(9)], f(2.0)),
            (StDev, false, vec![i(1)], f(0.0)),
            (StDevP, false, vec![], f(0.0)),
        ];
        for (kind, distinct, rows, want) in cases {
            let got = agg(kind, distinct, &rows).unwrap();
            match (&got, &want) {
                (Value::Float(x), Value::Float(y)) => {
                    assert!((x - y).abs() < 1e-9, "{kind:?} {rows:?} = {got}")
                }
                _ => assert_eq!(got, want, "{kind:?} distinct={distinct} {rows:?}"),
            }
        }
    }

    #[test]
    fn a_row_standing_for_many_counts_as_many() {
        for (kind, distinct, rows, want) in [
            (CountStar, false, vec![(N, 3), (i(1), 2)], i(5)),
            (Count, false, vec![(N, 3), (i(1), 2), (i(1), 4)], i(6)),
            (Count, true, vec![(i(1), 3), (i(1), 2), (i(2), 4)], i(2)),
            (Sum, false, vec![(i(2), 3), (i(1), 2)], i(8)),
            (Collect, false, vec![(i(2), 2)], l(vec![i(2), i(2)])),
            (Max, false, vec![(i(2), 3), (i(7), 2)], i(7)),
            (Avg, false, vec![(i(1), 3), (i(5), 1)], f(2.0)),
        ] {
            let mut acc = Accumulator::new(kind, distinct);
            for (v, times) in &rows {
                acc.update_times(std::slice::from_ref(v), *times).unwrap();
            }
            assert_eq!(acc.finish().unwrap(), want, "{kind:?} distinct={distinct} {rows:?}");
        }
    }

    #[test]
    fn sum_overflow_and_types() {
        let e = agg(Sum, false, &[i(i64::MAX), i(1)]).unwrap_err();
        assert_eq!((e.class.as_str(), e.detail.as_str()), ("ArithmeticError", "IntegerOverflow"));
        let e = agg(Sum, false, &[i(1), s("a")]).unwrap_err();
        assert_eq!((e.class.as_str(), e.detail.as_str()), ("TypeError", "InvalidArgumentType"));
        let e = agg(Avg, false, &[Value::Bool(true)]).unwrap_err();
        assert_eq!(e.class.as_str(), "TypeError");
        // Uncertain numbers sum to an uncertain number.
        let approx = |x| Value::Uncertain(Uncertain::Approx(Number::Int(x)));
        assert_eq!(agg(Sum, false, &[approx(100), approx(200)]).unwrap(), approx(300));
    }

    #[test]
    fn percentiles() {
        let prices = [f(10.0), f(20.0), f(30.0)];
        for (p, want) in [(0.0, 10.0), (0.5, 20.0), (1.0, 30.0)] {
            assert_eq!(pct(PercentileDisc, &prices, f(p)).unwrap(), f(want));
            assert_eq!(pct(PercentileCont, &prices, f(p)).unwrap(), f(want));
        }
        assert_eq!(pct(PercentileCont, &[i(1), i(2)], f(0.5)).unwrap(), f(1.5));
        assert_eq!(pct(PercentileDisc, &[i(3), i(1), i(2)], f(0.5)).unwrap(), i(2));
        assert_eq!(pct(PercentileDisc, &[], f(0.5)).unwrap(), N);
        for bad in [i(1000), i(-1), f(1.1), s("x")] {
            for kind in [PercentileCont, PercentileDisc] {
                let e = pct(kind, &prices, bad.clone()).unwrap_err();
                assert_eq!(
                    (e.class.as_str(), e.detail.as_str()),
                    ("ArgumentError", "NumberOutOfRange"),
                    "{kind:?} {bad}"
                );
            }
        }
    }

    #[test]
    fn named_in_any_case() {
        assert_eq!(AggregateKind::from_name("COUNT"), Some(Count));
        assert_eq!(AggregateKind::from_name("percentileDisc"), Some(PercentileDisc));
        assert_eq!(AggregateKind::from_name("stDevP"), Some(StDevP));
        assert!(!AggregateKind::is_aggregate("size"));
    }
}
