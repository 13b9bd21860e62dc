//! Expression evaluation over a row of slots: literals, variables, operators, function
//! calls, CASE, list comprehensions, quantifiers, and the expressions that match patterns
//! (pattern predicates, pattern comprehensions, EXISTS, shortestPath). Values, operators,
//! functions and aggregates come from the value layer ([`crate::query::value`],
//! [`crate::query::ops`], [`crate::query::functions`]).

use std::collections::BTreeMap;

use super::matching::Matcher;
use super::{build, Access, CancelFlag, Ctx};
use crate::model::{Graph, Value as Stored};
use crate::query::error::{runtime_error, semantic_error, type_error, ErrorClass, ErrorDetail, EvalResult};
use crate::query::functions;
use crate::query::ops::{self, CmpOp, StringOp};
use crate::query::plan::{self, CExpr, CKind, PropKey};
use crate::query::temporal_functions;
use crate::query::value::{attestation_fields, Params, Value};
use crate::syntax::query::*;

/// Evaluates an expression on a row; an error without a place gets the expression's.
pub(crate) fn eval(ctx: &Ctx<'_>, g: &Graph, e: &CExpr, row: &[Value]) -> EvalResult<Value> {
    eval_inner(ctx, g, e, row).map_err(|mut err| {
        if err.span.is_none() {
            err.span = Some(e.span);
        }
        err
    })
}

/// Whether a predicate keeps the row (only `true` does).
pub(crate) fn holds(ctx: &Ctx<'_>, g: &Graph, e: &CExpr, row: &[Value]) -> EvalResult<bool> {
    Ok(ops::is_true(&eval(ctx, g, e, row)?))
}

/// Reads a property of an element or a map by key.
pub(crate) fn property(g: &Graph, base: &Value, key: &PropKey) -> EvalResult<Value> {
    match base {
        Value::Node(ix) => match g.entity(*ix) {
            None => Err(deleted(&key.name)),
            Some(e) => Ok(key
                .sym(g)
                .and_then(|k| e.props.iter().find(|(p, _)| *p == k))
                .map_or(Value::Null, |(_, v)| Value::from_model(v))),
        },
        Value::Relationship(ix) => match g.claim(*ix) {
            None => Err(deleted(&key.name)),
            Some(c) => Ok(key.sym(g).and_then(|k| c.prop(k)).map_or(Value::Null, Value::from_model)),
        },
        other => ops::property(g, other, &key.name),
    }
}

/// Reads what [`property`] of a node will read (the entity's slot, its property list and a
/// string value's first bytes) without building the value. [`Project`](super::rows::Project)
/// calls it over a batch's rows first: each row's reads are cache misses on a large graph,
/// independent of the other rows', so the processor has several in flight, where building
/// the values row by row waits for each in turn.
pub(crate) fn warm_property(g: &Graph, base: &Value, key: &PropKey) {
    let Value::Node(ix) = base else { return };
    let Some(k) = key.sym(g) else { return };
    let found = g.entity(*ix).and_then(|e| e.props.iter().find(|(p, _)| *p == k));
    if let Some((_, Stored::String(s))) = found {
        std::hint::black_box(s.as_bytes().first());
    }
}

/// `x.key <op> value` (or `value <op> x.key` when `flipped`): integers and string
/// equality straight from the stored value, anything else through the value layer.
fn property_compare(
    g: &Graph,
    base: &Value,
    key: &PropKey,
    op: CompOp,
    value: &Value,
    flipped: bool,
) -> EvalResult<Option<bool>> {
    let stored = match base {
        Value::Node(ix) => match g.entity(*ix) {
            None => return Err(deleted(&key.name)),
            Some(e) => key.sym(g).and_then(|k| e.props.iter().find(|(p, _)| *p == k)).map(|(_, v)| v),
        },
        Value::Relationship(c) => match g.claim(*c) {
            None => return Err(deleted(&key.name)),
            Some(claim) => key.sym(g).and_then(|k| claim.prop(k)),
        },
        other => return compare(op, flipped, &property(g, other, key)?, value),
    };
    Ok(match (stored, value) {
        (None, _) => None,
        (Some(Stored::Int(a)), Value::Int(b)) => {
            let (l, r) = if flipped { (*b, *a) } else { (*a, *b) };
            Some(match op {
                CompOp::Eq => l == r,
                CompOp::Ne => l != r,
                CompOp::Lt => l < r,
                CompOp::Le => l <= r,
                CompOp::Gt => l > r,
                CompOp::Ge => l >= r,
                CompOp::Regex => return compare(op, flipped, &Value::Int(*a), value),
            })
        }
        (Some(Stored::String(a)), Value::String(b)) if matches!(op, CompOp::Eq | CompOp::Ne) => {
            Some((a.as_str() == &**b) == (op == CompOp::Eq))
        }
        (Some(v), _) => return compare(op, flipped, &Value::from_model(v), value),
    })
}

/// A comparison of two values (`flipped`: the operands the other way round).
fn compare(op: CompOp, flipped: bool, a: &Value, b: &Value) -> EvalResult<Option<bool>> {
    let (l, r) = if flipped { (b, a) } else { (a, b) };
    Ok(match op {
        CompOp::Eq => ops::equals(l, r),
        CompOp::Ne => ops::not_equals(l, r),
        CompOp::Lt => ops::compare(CmpOp::Lt, l, r),
        CompOp::Le => ops::compare(CmpOp::Le, l, r),
        CompOp::Gt => ops::compare(CmpOp::Gt, l, r),
        CompOp::Ge => ops::compare(CmpOp::Ge, l, r),
        CompOp::Regex => ops::truth(&ops::regex_match(l, r)?)?,
    })
}

fn deleted(key: &str) -> crate::query::error::QueryError {
    runtime_error(
        ErrorClass::EntityNotFound,
        ErrorDetail::DeletedEntityAccess,
        format!("cannot read property '{key}' of a deleted entity"),
    )
}

fn eval_inner(ctx: &Ctx<'_>, g: &Graph, e: &CExpr, row: &[Value]) -> EvalResult<Value> {
    let ev = |x: &CExpr| eval(ctx, g, x, row);
    Ok(match &e.kind {
        CKind::Const(v) => v.clone(),
        CKind::Slot(s) => row.get(*s).cloned().unwrap_or(Value::Null),
        CKind::List(items) => Value::List(items.iter().map(ev).collect::<EvalResult<_>>()?),
        CKind::Map(entries) => {
            let mut m = BTreeMap::new();
            for (k, v) in entries {
                m.insert(k.clone(), ev(v)?);
            }
            Value::Map(m)
        }
        CKind::Property(base, key) => match &base.kind {
            CKind::Slot(s) => property(g, row.get(*s).unwrap_or(&Value::Null), key)?,
            _ => property(g, &ev(base)?, key)?,
        },
        CKind::Index(base, i) => ops::index(g, &ev(base)?, &ev(i)?)?,
        CKind::Slice(base, from, to) => {
            let b = ev(base)?;
            let f = from.as_ref().map(|x| ev(x)).transpose()?;
            let t = to.as_ref().map(|x| ev(x)).transpose()?;
            ops::slice(&b, f.as_ref(), t.as_ref())?
        }
        CKind::HasLabels(base, labels) => {
            let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
            ops::has_labels(g, &ev(base)?, &labels)?
        }
        CKind::Unary(op, x) => {
            let v = ev(x)?;
            match op {
                UnaryOp::Not => ops::not(&v)?,
                UnaryOp::Neg => ops::neg(&v)?,
                UnaryOp::Plus => match v {
                    Value::Null | Value::Int(_) | Value::Float(_) | Value::Uncertain(_) => v,
                    other => {
                        return Err(type_error(
                            ErrorDetail::InvalidArgumentType,
                            format!("cannot apply unary + to a {}", other.type_name()),
                        ))
                    }
                },
            }
        }
        CKind::Binary(op, l, r) => {
            match op {
                // Short-circuit where three-valued logic allows it.
                BinOp::And => {
                    let a = ev(l)?;
                    if ops::truth(&a)? == Some(false) {
                        return Ok(Value::Bool(false));
                    }
                    return ops::and(&a, &ev(r)?);
                }
                BinOp::Or => {
                    let a = ev(l)?;
                    if ops::truth(&a)? == Some(true) {
                        return Ok(Value::Bool(true));
                    }
                    return ops::or(&a, &ev(r)?);
                }
                _ => {}
            }
            let a = ev(l)?;
            let b = ev(r)?;
            match op {
                BinOp::Xor => ops::xor(&a, &b)?,
                BinOp::Add => ops::add(&a, &b)?,
                BinOp::Sub => ops::sub(&a, &b)?,
                BinOp::Mul => ops::mul(&a, &b)?,
                BinOp::Div => ops::div(&a, &b)?,
                BinOp::Mod => ops::rem(&a, &b)?,
                BinOp::Pow => ops::pow(&a, &b)?,
                BinOp::In => ops::in_list(&a, &b)?,
                BinOp::StartsWith => ops::string_predicate(StringOp::StartsWith, &a, &b).into(),
                BinOp::EndsWith => ops::string_predicate(StringOp::EndsWith, &a, &b).into(),
                BinOp::Contains => ops::string_predicate(StringOp::Contains, &a, &b).into(),
                BinOp::And | BinOp::Or => Value::Null,
            }
        }
        CKind::Comparison(first, rest) => {
            let mut left = ev(first)?;
            let mut result = Some(true);
            for (op, re) in rest {
                let right = ev(re)?;
                let r = match op {
                    CompOp::Eq => ops::equals(&left, &right),
                    CompOp::Ne => ops::not_equals(&left, &right),
                    CompOp::Lt => ops::compare(CmpOp::Lt, &left, &right),
                    CompOp::Le => ops::compare(CmpOp::Le, &left, &right),
                    CompOp::Gt => ops::compare(CmpOp::Gt, &left, &right),
                    CompOp::Ge => ops::compare(CmpOp::Ge, &left, &right),
                    CompOp::Regex => ops::truth(&ops::regex_match(&left, &right)?)?,
                };
                result = ops::and3(result, r);
                left = right;
            }
            result.into()
        }
        CKind::PropertyCompare { slot, key, op, value, flipped } => {
            property_compare(g, row.get(*slot).unwrap_or(&Value::Null), key, *op, value, *flipped)?.into()
        }
        CKind::IsNull(x, negated) => Value::Bool(ev(x)?.is_null() != *negated),
        CKind::NotNull(x) => Value::Bool(!ev(x)?.is_null()),
        CKind::Case { input, whens, else_ } => {
            let input = input.as_ref().map(|i| ev(i)).transpose()?;
            for (w, t) in whens {
                let hit = match &input {
                    Some(iv) => ops::equals(iv, &ev(w)?) == Some(true),
                    None => ops::is_true(&ev(w)?),
                };
                if hit {
                    return ev(t);
                }
            }
            match else_ {
                Some(x) => ev(x)?,
                None => Value::Null,
            }
        }
        CKind::Call { name, args } => {
            let vals = args.iter().map(ev).collect::<EvalResult<Vec<_>>>()?;
            if *name == "labels" && matches!(vals.first(), Some(Value::Node(ix)) if g.entity(*ix).is_none()) {
                return Err(runtime_error(
                    ErrorClass::EntityNotFound,
                    ErrorDetail::DeletedEntityAccess,
                    "cannot read the labels of a deleted node",
                ));
            }
            functions::call(g, name, &vals)?
        }
        CKind::TemporalCall { name, args } => {
            let vals = args.iter().map(ev).collect::<EvalResult<Vec<_>>>()?;
            temporal_functions::call(name, &vals, ctx.now)?
        }
        CKind::Reduce { acc, init, var, list, expr } => {
            let start = ev(init)?;
            let Some(items) = list_operand(ev(list)?)? else { return Ok(Value::Null) };
            let mut scope = row.to_vec();
            scope[*acc] = start;
            for item in items {
                ctx.tick()?;
                scope[*var] = item;
                scope[*acc] = eval(ctx, g, expr, &scope)?;
            }
            std::mem::take(&mut scope[*acc])
        }
        CKind::Attestations { claim, keys } => match ev(claim)? {
            Value::Relationship(ix) => match g.claim(ix) {
                Some(c) => {
                    Value::List(c.attestations.iter().map(|a| attestation_fields(g, a, keys)).collect())
                }
                None => Value::Null,
            },
            other => functions::call(g, "attestations", &[other])?,
        },
        CKind::ListComprehension { slot, list, filter, map } => {
            let Some(items) = list_operand(ev(list)?)? else { return Ok(Value::Null) };
            let mut out = Vec::new();
            let mut scope = row.to_vec();
            for item in items {
                ctx.tick()?;
                scope[*slot] = item;
                if let Some(f) = filter {
                    if !holds(ctx, g, f, &scope)? {
                        continue;
                    }
                }
                out.push(match map {
                    Some(m) => eval(ctx, g, m, &scope)?,
                    None => std::mem::take(&mut scope[*slot]),
                });
            }
            Value::List(out)
        }
        CKind::Quantifier { kind, slot, list, filter } => {
            let Some(items) = list_operand(ev(list)?)? else { return Ok(Value::Null) };
            let (mut trues, mut nulls) = (0usize, 0usize);
            let mut scope = row.to_vec();
            let n = items.len();
            for item in items {
                ctx.tick()?;
                scope[*slot] = item;
                let t = match filter {
                    Some(f) => ops::truth(&eval(ctx, g, f, &scope)?)?,
                    None => Some(true),
                };
                match t {
                    Some(true) => trues += 1,
                    None => nulls += 1,
                    Some(false) => {}
                }
            }
            let falses = n - trues - nulls;
            let r = match kind {
                // Decided whatever the nulls would have been...
                QuantKind::All if falses > 0 => Some(false),
                QuantKind::Any if trues > 0 => Some(true),
                QuantKind::None if trues > 0 => Some(false),
                QuantKind::Single if trues > 1 => Some(false),
                // ...or not: unknown.
                _ if nulls > 0 => None,
                QuantKind::All | QuantKind::None => Some(true),
                QuantKind::Any => Some(false),
                QuantKind::Single => Some(trues == 1),
            };
            r.into()
        }
        CKind::PatternExists(pattern) => {
            let mut m = Matcher::new(pattern);
            m.reset(row);
            Value::Bool(m.next(ctx, g)?)
        }
        CKind::PatternComprehension { pattern, filter, map } => {
            let mut m = Matcher::new(pattern);
            m.reset(row);
            let mut out = Vec::new();
            while m.next(ctx, g)? {
                if let Some(f) = filter {
                    if !holds(ctx, g, f, m.row())? {
                        continue;
                    }
                }
                out.push(eval(ctx, g, map, m.row())?);
            }
            Value::List(out)
        }
        CKind::ShortestPath { pattern, path } => {
            let mut m = Matcher::new(pattern);
            m.reset(row);
            if m.next(ctx, g)? {
                m.row()[*path].clone()
            } else {
                Value::Null
            }
        }
        CKind::ExistsQuery(op) => Value::Bool(exists(ctx, g, op, row)?),
        CKind::Fail(err) => return Err((**err).clone()),
    })
}

/// Whether a read-only subquery returns a row when run on `row`.
fn exists(ctx: &Ctx<'_>, g: &Graph, op: &plan::Op, row: &[Value]) -> EvalResult<bool> {
    let mut root = build(op, Some(row));
    let mut access = Access::Read(g);
    while let Some(b) = root.next(ctx, &mut access)? {
        if b.len > 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The list a comprehension or quantifier ranges over; `None` for null.
fn list_operand(v: Value) -> EvalResult<Option<Vec<Value>>> {
    match v {
        Value::Null => Ok(None),
        Value::List(items) => Ok(Some(items)),
        other => Err(type_error(
            ErrorDetail::InvalidArgumentType,
            format!("expected a list, got {}", other.type_name()),
        )),
    }
}

/// A quantifier over a literal list is evaluated once before the query runs, so a type
/// error in its predicate is reported as the TCK expects (a compile-time `SyntaxError`), even
/// when no row would ever reach it.
pub(crate) fn check_constants(query: &Query) -> EvalResult<()> {
    let mut found = Ok(());
    query.walk_exprs(&mut |e| {
        if found.is_ok() {
            if let ExprKind::Quantifier { list, .. } = &e.kind {
                found = constant_type_error(e, list);
            }
        }
    });
    found
}

fn constant_type_error(e: &Expr, list: &Expr) -> EvalResult<()> {
    let ExprKind::List(items) = &list.kind else { return Ok(()) };
    if !items.iter().all(|i| matches!(i.kind, ExprKind::Literal(_) | ExprKind::List(_) | ExprKind::Map(_))) {
        return Ok(());
    }
    if e.to_string().contains('$') {
        return Ok(());
    }
    let graph = Graph::new();
    let params = Params::new();
    let (compiled, width) = plan::compile_alone(&graph, &params, e);
    let cancel = CancelFlag::new(false);
    let ctx = Ctx::new(&cancel, "", crate::query::budget::TimeLimit::NONE, false);
    match eval(&ctx, &graph, &compiled, &vec![Value::Null; width]) {
        Err(err) if err.class == ErrorClass::TypeError => {
            Err(semantic_error(ErrorDetail::InvalidArgumentType, &err.message, e.span))
        }
        _ => Ok(()),
    }
}
