//! Expression evaluation: literals, variables, operators, function calls, CASE, list
//! comprehensions, quantifiers, and the expressions that match patterns (pattern
//! predicates, pattern comprehensions, EXISTS, shortestPath). Values, operators, functions
//! and aggregates come from the value layer ([`crate::query::value`], [`crate::query::ops`],
//! [`crate::query::functions`]).

use super::{unsupported, CancelFlag, Exec, Row};
use crate::model::Graph;
use crate::query::aggregate::AggregateKind;
use crate::query::error::{
    runtime_error, semantic_error, type_error, ErrorClass, ErrorDetail, ErrorPhase, EvalResult, QueryError,
};
use crate::query::functions;
use crate::query::ops::{self, CmpOp, StringOp};
use crate::query::temporal_functions;
use crate::query::value::Params;
use crate::query::value::Value;
use crate::syntax::query::*;
use std::collections::BTreeMap;

impl Exec<'_> {
    pub(crate) fn eval(&self, g: &Graph, e: &Expr, row: &Row) -> EvalResult<Value> {
        self.eval_inner(g, e, row).map_err(|mut err| {
            if err.span.is_none() {
                err.span = Some(e.span);
            }
            err
        })
    }

    fn eval_inner(&self, g: &Graph, e: &Expr, row: &Row) -> EvalResult<Value> {
        Ok(match &e.kind {
            ExprKind::Literal(l) => match l {
                Literal::Null => Value::Null,
                Literal::Bool(b) => Value::Bool(*b),
                Literal::Int(i) => Value::Int(*i),
                Literal::Float(x) => Value::Float(*x),
                Literal::String(s) => Value::from(s.as_str()),
                Literal::Uncertain(u) => Value::Uncertain(*u),
                Literal::Temporal(v) => Value::from_model(v),
            },
            ExprKind::Param(p) => match self.params.get(p) {
                Some(v) => Value::from_query_value(v),
                None => {
                    return Err(QueryError::new(
                        ErrorClass::ParameterMissing,
                        ErrorDetail::MissingParameter,
                        ErrorPhase::CompileTime,
                        format!("expected parameter ${p}"),
                    )
                    .at(e.span))
                }
            },
            ExprKind::Var(v) => match row.get(v) {
                Some(x) => x.clone(),
                None => {
                    return Err(QueryError::new(
                        ErrorClass::SyntaxError,
                        ErrorDetail::UndefinedVariable,
                        ErrorPhase::CompileTime,
                        format!("variable `{v}` not defined"),
                    )
                    .at(e.span))
                }
            },
            ExprKind::List(items) => {
                Value::List(items.iter().map(|i| self.eval(g, i, row)).collect::<EvalResult<_>>()?)
            }
            ExprKind::Map(entries) => {
                let mut m = BTreeMap::new();
                for (k, v) in entries {
                    m.insert(k.clone(), self.eval(g, v, row)?);
                }
                Value::Map(m)
            }
            ExprKind::Property(base, key) => {
                let b = self.eval(g, base, row)?;
                let deleted = match &b {
                    Value::Node(ix) => g.entity(*ix).is_none(),
                    Value::Relationship(ix) => g.claim(*ix).is_none(),
                    _ => false,
                };
                if deleted {
                    return Err(runtime_error(
                        ErrorClass::EntityNotFound,
                        ErrorDetail::DeletedEntityAccess,
                        format!("cannot read property '{key}' of a deleted entity"),
                    ));
                }
                ops::property(g, &b, key)?
            }
            ExprKind::Index(base, i) => ops::index(g, &self.eval(g, base, row)?, &self.eval(g, i, row)?)?,
            ExprKind::Slice(base, from, to) => {
                let b = self.eval(g, base, row)?;
                let f = from.as_ref().map(|x| self.eval(g, x, row)).transpose()?;
                let t = to.as_ref().map(|x| self.eval(g, x, row)).transpose()?;
                ops::slice(&b, f.as_ref(), t.as_ref())?
            }
            ExprKind::HasLabels(base, labels) => {
                let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
                ops::has_labels(g, &self.eval(g, base, row)?, &labels)?
            }
            ExprKind::Unary(op, x) => {
                let v = self.eval(g, x, row)?;
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
            ExprKind::Binary(op, l, r) => {
                match op {
                    // Short-circuit where three-valued logic allows it.
                    BinOp::And => {
                        let a = self.eval(g, l, row)?;
                        if ops::truth(&a)? == Some(false) {
                            return Ok(Value::Bool(false));
                        }
                        return ops::and(&a, &self.eval(g, r, row)?);
                    }
                    BinOp::Or => {
                        let a = self.eval(g, l, row)?;
                        if ops::truth(&a)? == Some(true) {
                            return Ok(Value::Bool(true));
                        }
                        return ops::or(&a, &self.eval(g, r, row)?);
                    }
                    _ => {}
                }
                let a = self.eval(g, l, row)?;
                let b = self.eval(g, r, row)?;
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
            ExprKind::Comparison(first, rest) => {
                let mut left = self.eval(g, first, row)?;
                let mut result = Some(true);
                for (op, re) in rest {
                    let right = self.eval(g, re, row)?;
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
            ExprKind::IsNull(x, negated) => Value::Bool(self.eval(g, x, row)?.is_null() != *negated),
            ExprKind::Case { input, whens, else_ } => {
                let input = input.as_ref().map(|i| self.eval(g, i, row)).transpose()?;
                for (w, t) in whens {
                    let hit = match &input {
                        Some(iv) => ops::equals(iv, &self.eval(g, w, row)?) == Some(true),
                        None => ops::is_true(&self.eval(g, w, row)?),
                    };
                    if hit {
                        return self.eval(g, t, row);
                    }
                }
                match else_ {
                    Some(x) => self.eval(g, x, row)?,
                    None => Value::Null,
                }
            }
            ExprKind::CountStar => return Err(misplaced_aggregate(e.span)),
            ExprKind::Call { name, args, .. } => {
                if AggregateKind::from_name(name).is_some() {
                    return Err(misplaced_aggregate(e.span));
                }
                if name.eq_ignore_ascii_case("exists") && args.len() == 1 {
                    return match &args[0].kind {
                        ExprKind::Pattern(_) => self.eval(g, &args[0], row),
                        _ => Ok(Value::Bool(!self.eval(g, &args[0], row)?.is_null())),
                    };
                }
                let vals = args.iter().map(|a| self.eval(g, a, row)).collect::<EvalResult<Vec<_>>>()?;
                if name.eq_ignore_ascii_case("labels")
                    && matches!(vals.first(), Some(Value::Node(ix)) if g.entity(*ix).is_none())
                {
                    return Err(runtime_error(
                        ErrorClass::EntityNotFound,
                        ErrorDetail::DeletedEntityAccess,
                        "cannot read the labels of a deleted node",
                    ));
                }
                match temporal_functions::canonical(name) {
                    Some(f) => temporal_functions::call(f, &vals, self.now)?,
                    None => functions::call(g, name, &vals)?,
                }
            }
            ExprKind::Reduce { acc, init, var, list, expr } => {
                let start = self.eval(g, init, row)?;
                let Some(items) = self.list_operand(g, list, row)? else { return Ok(Value::Null) };
                let mut scope = row.clone();
                scope.insert(acc.clone(), start);
                for item in items {
                    self.tick()?;
                    scope.insert(var.clone(), item);
                    let next = self.eval(g, expr, &scope)?;
                    scope.insert(acc.clone(), next);
                }
                scope.get(acc).cloned().unwrap_or_default()
            }
            ExprKind::ListComprehension { var, list, filter, map } => {
                let Some(items) = self.list_operand(g, list, row)? else { return Ok(Value::Null) };
                let mut out = Vec::new();
                let mut scope = row.clone();
                for item in items {
                    self.tick()?;
                    scope.insert(var.clone(), item.clone());
                    if let Some(f) = filter {
                        if !ops::is_true(&self.eval(g, f, &scope)?) {
                            continue;
                        }
                    }
                    out.push(match map {
                        Some(m) => self.eval(g, m, &scope)?,
                        None => item,
                    });
                }
                Value::List(out)
            }
            ExprKind::Quantifier { kind, var, list, filter } => {
                let Some(items) = self.list_operand(g, list, row)? else { return Ok(Value::Null) };
                let (mut trues, mut nulls) = (0usize, 0usize);
                let mut scope = row.clone();
                let n = items.len();
                for item in items {
                    self.tick()?;
                    scope.insert(var.clone(), item);
                    let t = match filter {
                        Some(f) => ops::truth(&self.eval(g, f, &scope)?)?,
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
            ExprKind::Pattern(el) => {
                let part = PatternPart { var: None, shortest: None, element: (**el).clone(), span: el.span };
                let mut found = Vec::new();
                self.match_pattern(g, std::slice::from_ref(&part), row, &mut found)?;
                Value::Bool(!found.is_empty())
            }
            ExprKind::PatternComprehension { path_var, pattern, filter, map } => {
                let part = PatternPart {
                    var: path_var.clone(),
                    shortest: None,
                    element: (**pattern).clone(),
                    span: pattern.span,
                };
                let mut found = Vec::new();
                self.match_pattern(g, std::slice::from_ref(&part), row, &mut found)?;
                let mut out = Vec::new();
                for r in found {
                    if let Some(f) = filter {
                        if !ops::is_true(&self.eval(g, f, &r)?) {
                            continue;
                        }
                    }
                    out.push(self.eval(g, map, &r)?);
                }
                Value::List(out)
            }
            ExprKind::Exists(body) => match body.as_ref() {
                ExistsBody::Pattern(p, w) => {
                    let mut found = Vec::new();
                    self.match_pattern(g, &p.parts, row, &mut found)?;
                    let mut any = false;
                    for r in found {
                        if w.as_ref().map_or(Ok(true), |w| self.eval(g, w, &r).map(|v| ops::is_true(&v)))? {
                            any = true;
                            break;
                        }
                    }
                    Value::Bool(any)
                }
                ExistsBody::Query(q) => Value::Bool(self.exists_query(g, q, row)?),
            },
            ExprKind::ShortestPath(part) => {
                let mut found = Vec::new();
                let mut named = (**part).clone();
                named.var = Some("  path".into());
                self.match_pattern(g, std::slice::from_ref(&named), row, &mut found)?;
                found.into_iter().next().and_then(|mut r| r.remove("  path")).unwrap_or(Value::Null)
            }
        })
    }

    /// The list a comprehension or quantifier ranges over; `None` for null.
    fn list_operand(&self, g: &Graph, list: &Expr, row: &Row) -> EvalResult<Option<Vec<Value>>> {
        match self.eval(g, list, row)? {
            Value::Null => Ok(None),
            Value::List(items) => Ok(Some(items)),
            other => Err(type_error(
                ErrorDetail::InvalidArgumentType,
                format!("expected a list, got {}", other.type_name()),
            )),
        }
    }

    /// `EXISTS { MATCH ... }`: read-only clauses run on the current row.
    fn exists_query(&self, g: &Graph, q: &SingleQuery, row: &Row) -> EvalResult<bool> {
        let mut rows = vec![row.clone()];
        for c in &q.clauses {
            match &c.kind {
                ClauseKind::Match { optional, pattern, where_ } => {
                    let mut out = Vec::new();
                    for r in &rows {
                        let mut found = Vec::new();
                        self.match_pattern(g, &pattern.parts, r, &mut found)?;
                        let before = out.len();
                        for f in found {
                            if where_
                                .as_ref()
                                .map_or(Ok(true), |w| self.eval(g, w, &f).map(|v| ops::is_true(&v)))?
                            {
                                out.push(f);
                            }
                        }
                        if *optional && out.len() == before {
                            out.push(r.clone());
                        }
                    }
                    rows = out;
                }
                ClauseKind::With { proj, where_ } => {
                    let (_, out) = self.project(g, proj, rows, where_.as_ref())?;
                    rows = out;
                }
                ClauseKind::Unwind { .. } | ClauseKind::Return { .. } => {}
                _ => return Err(unsupported("an updating clause inside EXISTS")),
            }
        }
        Ok(!rows.is_empty())
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
    let cancel = CancelFlag::new(false);
    let procedures = crate::query::procedures::Procedures::builtin();
    let exec = Exec::new(&params, &cancel, "", "", &procedures);
    match exec.eval(&graph, e, &Row::new()) {
        Err(err) if err.class == ErrorClass::TypeError => {
            Err(semantic_error(ErrorDetail::InvalidArgumentType, &err.message, e.span))
        }
        _ => Ok(()),
    }
}

fn misplaced_aggregate(span: crate::syntax::Span) -> QueryError {
    QueryError::new(
        ErrorClass::SyntaxError,
        ErrorDetail::InvalidAggregation,
        ErrorPhase::CompileTime,
        "aggregate functions are only allowed in RETURN and WITH projections",
    )
    .at(span)
}
