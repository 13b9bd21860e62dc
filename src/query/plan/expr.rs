//! Compiled expressions: the AST's expressions with every variable resolved to a slot,
//! parameters and constant lists folded, functions looked up once, and the patterns and
//! subqueries inside them planned. Mistakes that openCypher reports only when an
//! expression is evaluated (a variable not in scope, a missing parameter, an aggregate
//! outside a projection) compile to [`CKind::Fail`], which reports them then.

use std::cell::Cell;
use std::collections::BTreeMap;

use super::{MatchPlan, Op, Planner, Slot, Width};
use crate::model::{Graph, Sym};
use crate::query::aggregate::AggregateKind;
use crate::query::error::{ErrorClass, ErrorDetail, ErrorPhase, QueryError};
use crate::query::functions;
use crate::query::temporal_functions;
use crate::query::value::Value;
use crate::syntax::query::*;
use crate::syntax::Span;

/// Variables in scope: name → slot.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    names: BTreeMap<String, Slot>,
}

impl Scope {
    pub(crate) fn get(&self, name: &str) -> Option<Slot> {
        self.names.get(name).copied()
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        self.names.contains_key(name)
    }

    pub(crate) fn insert(&mut self, name: &str, slot: Slot) {
        self.names.insert(name.to_string(), slot);
    }

    /// Names in order (as `RETURN *` lists them) with their slots.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, Slot)> + '_ {
        self.names.iter().map(|(n, s)| (n.as_str(), *s))
    }
}

/// A property key, its interned symbol looked up on first use and kept (symbols are never
/// freed). A key the graph does not know yet is looked up again after the graph changes.
#[derive(Debug)]
pub(crate) struct PropKey {
    pub(crate) name: String,
    sym: Cell<Option<Sym>>,
    /// `revision + 1` of the graph when the key was last found missing (0: never).
    missing_at: Cell<u64>,
}

impl PropKey {
    pub(crate) fn new(name: &str) -> PropKey {
        PropKey { name: name.to_string(), sym: Cell::new(None), missing_at: Cell::new(0) }
    }

    pub(crate) fn sym(&self, g: &Graph) -> Option<Sym> {
        if let Some(s) = self.sym.get() {
            return Some(s);
        }
        if self.missing_at.get() == g.revision() + 1 {
            return None;
        }
        let found = g.sym(&self.name);
        self.sym.set(found);
        if found.is_none() {
            self.missing_at.set(g.revision() + 1);
        }
        found
    }
}

#[derive(Debug)]
pub(crate) struct CExpr {
    pub(crate) kind: CKind,
    pub(crate) span: Span,
}

#[derive(Debug)]
pub(crate) enum CKind {
    Const(Value),
    Slot(Slot),
    List(Vec<CExpr>),
    Map(Vec<(String, CExpr)>),
    Property(Box<CExpr>, PropKey),
    Index(Box<CExpr>, Box<CExpr>),
    Slice(Box<CExpr>, Option<Box<CExpr>>, Option<Box<CExpr>>),
    HasLabels(Box<CExpr>, Vec<String>),
    Unary(UnaryOp, Box<CExpr>),
    Binary(BinOp, Box<CExpr>, Box<CExpr>),
    Comparison(Box<CExpr>, Vec<(CompOp, CExpr)>),
    /// `x.key <op> value` (`flipped`: `value <op> x.key`) for a variable `x` and a constant:
    /// the stored property is compared without building a value where the types allow.
    PropertyCompare {
        slot: Slot,
        key: PropKey,
        op: CompOp,
        value: Value,
        flipped: bool,
    },
    IsNull(Box<CExpr>, bool),
    Case {
        input: Option<Box<CExpr>>,
        whens: Vec<(CExpr, CExpr)>,
        else_: Option<Box<CExpr>>,
    },
    /// A scalar function, by its name as the catalogue spells it.
    Call {
        name: &'static str,
        args: Vec<CExpr>,
    },
    /// A temporal function (`date()`, `duration.between()`, ...), read at the statement's
    /// clock.
    TemporalCall {
        name: &'static str,
        args: Vec<CExpr>,
    },
    /// `reduce(acc = init, var IN list | expr)`: `acc` and `var` are slots of the row.
    Reduce {
        acc: Slot,
        init: Box<CExpr>,
        var: Slot,
        list: Box<CExpr>,
        expr: Box<CExpr>,
    },
    /// `exists(x)` of something that is not a pattern: whether it is not null.
    NotNull(Box<CExpr>),
    /// `attestations(r)` as the list of a comprehension or quantifier whose variable is
    /// read only by key (`at.source`): each attestation's map holds only `keys`, so the
    /// others are not written per row. Anything but a relationship goes to the function.
    Attestations {
        claim: Box<CExpr>,
        keys: Vec<String>,
    },
    ListComprehension {
        slot: Slot,
        list: Box<CExpr>,
        filter: Option<Box<CExpr>>,
        map: Option<Box<CExpr>>,
    },
    Quantifier {
        kind: QuantKind,
        slot: Slot,
        list: Box<CExpr>,
        filter: Option<Box<CExpr>>,
    },
    /// A pattern, with its WHERE as a last step: whether it matches.
    PatternExists(Box<MatchPlan>),
    PatternComprehension {
        pattern: Box<MatchPlan>,
        filter: Option<Box<CExpr>>,
        map: Box<CExpr>,
    },
    /// `EXISTS { MATCH ... }`: whether the subquery, run on the row, returns a row.
    ExistsQuery(Box<Op>),
    /// `shortestPath(...)` as an expression: the first path found, or null.
    ShortestPath {
        pattern: Box<MatchPlan>,
        path: Slot,
    },
    /// Fails with this error when evaluated.
    Fail(Box<QueryError>),
}

impl CExpr {
    fn new(kind: CKind, span: Span) -> CExpr {
        CExpr { kind, span }
    }
}

/// Where aggregate calls go while compiling a projection: each becomes a slot the
/// aggregation fills, its arguments compiled in the scope before the projection.
pub(crate) struct AggSink<'s> {
    pub(crate) input: &'s Scope,
    pub(crate) aggs: &'s mut Vec<super::AggPlan>,
    /// Variables of a hop counted instead of matched (they are never bound): `count(x)` of
    /// one of them counts the rows, each of which stands for its matches.
    pub(crate) counted: &'s [String],
}

/// When `list` is `attestations(x)` and `var`, bound to each of its items, is read in
/// `uses` only as the base of a property (`var.source`): `x` and the keys read, sorted and
/// without repeats. A bare `var`, or a pattern or subquery anywhere in `uses` (whose
/// variables are not expressions), keeps the whole map.
fn attestation_keys<'e>(
    list: &'e Expr,
    var: &str,
    uses: [Option<&Expr>; 2],
) -> Option<(&'e Expr, Vec<String>)> {
    let ExprKind::Call { name, distinct: false, args } = &list.kind else { return None };
    let [claim] = args.as_slice() else { return None };
    if !name.eq_ignore_ascii_case("attestations") {
        return None;
    }
    let (mut bare, mut keys, mut opaque) = (0isize, Vec::new(), false);
    for e in uses.into_iter().flatten() {
        e.walk(&mut |x| match &x.kind {
            ExprKind::Var(v) if v == var => bare += 1,
            ExprKind::Property(base, key) if matches!(&base.kind, ExprKind::Var(v) if v == var) => {
                // Its base is visited next, as a bare use: counted back here.
                bare -= 1;
                keys.push(key.clone());
            }
            ExprKind::Pattern(_)
            | ExprKind::PatternComprehension { .. }
            | ExprKind::ShortestPath(_)
            | ExprKind::Exists(_) => opaque = true,
            _ => {}
        });
    }
    if opaque || bare != 0 {
        return None;
    }
    keys.sort_unstable();
    keys.dedup();
    Some((claim, keys))
}

/// A comparison, or [`CKind::PropertyCompare`] when it is one of a variable's property
/// with a constant.
fn property_compare(first: Box<CExpr>, mut rest: Vec<(CompOp, CExpr)>) -> CKind {
    let simple = rest.len() == 1 && rest[0].0 != CompOp::Regex;
    if simple {
        let (op, second) = rest.remove(0);
        let prop = |e: &CExpr| matches!(&e.kind, CKind::Property(b, _) if matches!(b.kind, CKind::Slot(_)));
        let constant = |e: &CExpr| matches!(e.kind, CKind::Const(_));
        let (p, c, flipped) = match (first, second) {
            (p, c) if prop(&p) && constant(&c) => (*p, c, false),
            (c, p) if prop(&p) && constant(&c) => (p, *c, true),
            (first, second) => return CKind::Comparison(first, vec![(op, second)]),
        };
        if let (CKind::Property(base, key), CKind::Const(value)) = (p.kind, c.kind) {
            if let CKind::Slot(slot) = base.kind {
                return CKind::PropertyCompare { slot, key, op, value, flipped };
            }
        }
        return CKind::Fail(Box::new(QueryError::new(
            ErrorClass::InternalError,
            ErrorDetail::Panic,
            ErrorPhase::CompileTime,
            "a property comparison lost its operands",
        )));
    }
    CKind::Comparison(first, rest)
}

fn fail(class: ErrorClass, detail: ErrorDetail, message: String, span: Span) -> CKind {
    CKind::Fail(Box::new(QueryError::new(class, detail, ErrorPhase::CompileTime, message).at(span)))
}

pub(crate) fn misplaced_aggregate(span: Span) -> CKind {
    fail(
        ErrorClass::SyntaxError,
        ErrorDetail::InvalidAggregation,
        "aggregate functions are only allowed in RETURN and WITH projections".into(),
        span,
    )
}

impl Planner<'_> {
    /// Compiles an expression in `scope`; new slots (comprehension variables, the
    /// variables of patterns inside) come from the segment `w`.
    pub(crate) fn expr(&mut self, e: &Expr, scope: &Scope, w: &Width) -> CExpr {
        self.expr_agg(e, scope, w, None)
    }

    /// [`Self::expr`] inside a projection: aggregate calls go to `aggs`.
    pub(crate) fn expr_agg(
        &mut self,
        e: &Expr,
        scope: &Scope,
        w: &Width,
        mut aggs: Option<&mut AggSink<'_>>,
    ) -> CExpr {
        let span = e.span;
        macro_rules! sub {
            ($x:expr) => {
                Box::new(self.expr_agg($x, scope, w, aggs.as_deref_mut()))
            };
        }
        let kind = match &e.kind {
            ExprKind::Literal(l) => CKind::Const(match l {
                Literal::Null => Value::Null,
                Literal::Bool(b) => Value::Bool(*b),
                Literal::Int(i) => Value::Int(*i),
                Literal::Float(x) => Value::Float(*x),
                Literal::String(s) => Value::from(s.as_str()),
                Literal::Uncertain(u) => Value::Uncertain(*u),
                Literal::Temporal(v) => Value::from_model(v),
            }),
            ExprKind::Param(p) => match self.params.get(p) {
                Some(v) => CKind::Const(Value::from_query_value(v)),
                None => fail(
                    ErrorClass::ParameterMissing,
                    ErrorDetail::MissingParameter,
                    format!("expected parameter ${p}"),
                    span,
                ),
            },
            ExprKind::Var(v) => match scope.get(v) {
                Some(s) => CKind::Slot(s),
                None => fail(
                    ErrorClass::SyntaxError,
                    ErrorDetail::UndefinedVariable,
                    format!("variable `{v}` not defined"),
                    span,
                ),
            },
            ExprKind::List(items) => {
                let items: Vec<CExpr> = items.iter().map(|i| *sub!(i)).collect();
                if items.iter().all(|i| matches!(i.kind, CKind::Const(_))) {
                    let values = items
                        .into_iter()
                        .map(|i| match i.kind {
                            CKind::Const(v) => v,
                            _ => Value::Null,
                        })
                        .collect();
                    CKind::Const(Value::List(values))
                } else {
                    CKind::List(items)
                }
            }
            ExprKind::Map(entries) => {
                CKind::Map(entries.iter().map(|(k, v)| (k.clone(), *sub!(v))).collect())
            }
            ExprKind::Property(base, key) => CKind::Property(sub!(base), PropKey::new(key)),
            ExprKind::Index(a, b) => CKind::Index(sub!(a), sub!(b)),
            ExprKind::Slice(a, f, t) => {
                let a = sub!(a);
                let f = f.as_ref().map(|x| sub!(x));
                let t = t.as_ref().map(|x| sub!(x));
                CKind::Slice(a, f, t)
            }
            ExprKind::HasLabels(b, labels) => CKind::HasLabels(sub!(b), labels.clone()),
            ExprKind::Unary(op, x) => CKind::Unary(*op, sub!(x)),
            ExprKind::Binary(op, a, b) => CKind::Binary(*op, sub!(a), sub!(b)),
            ExprKind::Comparison(first, rest) => {
                let first = sub!(first);
                let rest: Vec<(CompOp, CExpr)> = rest.iter().map(|(op, x)| (*op, *sub!(x))).collect();
                property_compare(first, rest)
            }
            ExprKind::IsNull(x, negated) => CKind::IsNull(sub!(x), *negated),
            ExprKind::Case { input, whens, else_ } => {
                let input = input.as_ref().map(|x| sub!(x));
                let whens = whens.iter().map(|(a, b)| (*sub!(a), *sub!(b))).collect();
                let else_ = else_.as_ref().map(|x| sub!(x));
                CKind::Case { input, whens, else_ }
            }
            ExprKind::CountStar => match aggs.as_deref_mut() {
                Some(sink) => self.aggregate(AggregateKind::CountStar, false, &[], w, sink),
                None => misplaced_aggregate(span),
            },
            ExprKind::Call { name, distinct, args } => {
                if let Some(kind) = AggregateKind::from_name(name) {
                    match aggs.as_deref_mut() {
                        Some(sink) => self.aggregate(kind, *distinct, args, w, sink),
                        None => misplaced_aggregate(span),
                    }
                } else if name.eq_ignore_ascii_case("exists") && args.len() == 1 {
                    match &args[0].kind {
                        ExprKind::Pattern(el) => self.pattern_exists(el, None, scope, w),
                        _ => CKind::NotNull(sub!(&args[0])),
                    }
                } else {
                    let args: Vec<CExpr> = args.iter().map(|a| *sub!(a)).collect();
                    match (temporal_functions::canonical(name), functions::check_arity(name, args.len())) {
                        (_, Err(err)) => CKind::Fail(Box::new(err.at(span))),
                        (Some(name), Ok(_)) => CKind::TemporalCall { name, args },
                        (None, Ok(sig)) => CKind::Call { name: sig.name, args },
                    }
                }
            }
            ExprKind::ListComprehension { var, list, filter, map } => {
                let list = match attestation_keys(list, var, [filter.as_deref(), map.as_deref()]) {
                    Some((claim, keys)) => {
                        Box::new(CExpr::new(CKind::Attestations { claim: sub!(claim), keys }, list.span))
                    }
                    None => sub!(list),
                };
                let slot = w.alloc();
                let mut inner = scope.clone();
                inner.insert(var, slot);
                let filter = filter.as_ref().map(|f| Box::new(self.expr(f, &inner, w)));
                let map = map.as_ref().map(|m| Box::new(self.expr(m, &inner, w)));
                CKind::ListComprehension { slot, list, filter, map }
            }
            ExprKind::Reduce { acc, init, var, list, expr } => {
                let init = sub!(init);
                let list = sub!(list);
                let (acc_slot, var_slot) = (w.alloc(), w.alloc());
                let mut inner = scope.clone();
                inner.insert(acc, acc_slot);
                inner.insert(var, var_slot);
                let expr = Box::new(self.expr(expr, &inner, w));
                CKind::Reduce { acc: acc_slot, init, var: var_slot, list, expr }
            }
            ExprKind::Quantifier { kind, var, list, filter } => {
                let list = match attestation_keys(list, var, [filter.as_deref(), None]) {
                    Some((claim, keys)) => {
                        Box::new(CExpr::new(CKind::Attestations { claim: sub!(claim), keys }, list.span))
                    }
                    None => sub!(list),
                };
                let slot = w.alloc();
                let mut inner = scope.clone();
                inner.insert(var, slot);
                let filter = filter.as_ref().map(|f| Box::new(self.expr(f, &inner, w)));
                CKind::Quantifier { kind: *kind, slot, list, filter }
            }
            ExprKind::Pattern(el) => self.pattern_exists(el, None, scope, w),
            ExprKind::PatternComprehension { path_var, pattern, filter, map } => {
                let part =
                    PatternPart { var: path_var.clone(), shortest: None, element: (**pattern).clone(), span };
                let mut inner = scope.clone();
                let plan = self.match_plan(std::slice::from_ref(&part), None, false, &mut inner, w, &[]);
                let filter = filter.as_ref().map(|f| Box::new(self.expr(f, &inner, w)));
                let map = Box::new(self.expr(map, &inner, w));
                CKind::PatternComprehension { pattern: Box::new(plan), filter, map }
            }
            ExprKind::Exists(body) => match body.as_ref() {
                ExistsBody::Pattern(p, where_) => {
                    let mut inner = scope.clone();
                    let plan = self.match_plan(&p.parts, where_.as_ref(), false, &mut inner, w, &[]);
                    CKind::PatternExists(Box::new(plan))
                }
                ExistsBody::Query(q) => match self.subquery(q, scope, w) {
                    Ok(op) => CKind::ExistsQuery(Box::new(op)),
                    Err(err) => CKind::Fail(Box::new(err)),
                },
            },
            ExprKind::ShortestPath(part) => {
                let mut named = (**part).clone();
                // A name no query can write: the path's slot is all the expression reads.
                named.var = Some("  path".into());
                let mut inner = scope.clone();
                let plan = self.match_plan(std::slice::from_ref(&named), None, false, &mut inner, w, &[]);
                match inner.get("  path") {
                    Some(path) => CKind::ShortestPath { pattern: Box::new(plan), path },
                    None => fail(
                        ErrorClass::InternalError,
                        ErrorDetail::Panic,
                        "a path without a slot".into(),
                        span,
                    ),
                }
            }
        };
        CExpr::new(kind, span)
    }

    fn pattern_exists(
        &mut self,
        el: &PatternElement,
        where_: Option<&Expr>,
        scope: &Scope,
        w: &Width,
    ) -> CKind {
        let part = PatternPart { var: None, shortest: None, element: el.clone(), span: el.span };
        let mut inner = scope.clone();
        CKind::PatternExists(Box::new(self.match_plan(
            std::slice::from_ref(&part),
            where_,
            false,
            &mut inner,
            w,
            &[],
        )))
    }

    /// An aggregate call inside a projection: a new aggregation slot.
    fn aggregate(
        &mut self,
        kind: AggregateKind,
        distinct: bool,
        args: &[Expr],
        w: &Width,
        sink: &mut AggSink<'_>,
    ) -> CKind {
        let input = sink.input.clone();
        let counted_var = |a: &Expr| matches!(&a.kind, ExprKind::Var(v) if sink.counted.contains(v));
        let (kind, args) = match args {
            [a] if kind == AggregateKind::Count && !distinct && counted_var(a) => {
                (AggregateKind::CountStar, Vec::new())
            }
            _ => (kind, args.iter().map(|a| self.expr(a, &input, w)).collect()),
        };
        let slot = w.alloc();
        sink.aggs.push(super::AggPlan { kind, distinct, args, slot });
        CKind::Slot(slot)
    }
}
