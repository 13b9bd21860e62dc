//! Semantic checks: what a query must satisfy before it runs, with the openCypher TCK's
//! error names (`SyntaxError` / `UndefinedVariable`, `VariableTypeConflict`, ...).
//!
//! This module owns variable scoping across clauses (which variables each clause sees and
//! what kind of value each holds), aggregation rules, clause composition, the restrictions
//! on patterns that create, and mapping parser errors to the TCK's detail names. Checks
//! that need values (a negative `LIMIT $n`) happen at runtime in the executor.

use std::collections::HashMap;

use super::aggregate::{contains_aggregate, is_aggregate_call, AggregateKind};
use super::error::{semantic_error, ErrorClass, ErrorDetail, ErrorPhase, QueryError};
use super::functions;
use crate::syntax::query::*;
use crate::syntax::{Span, SyntaxError, SyntaxErrorKind};

/// What a variable is known to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Node,
    Rel,
    /// A variable-length relationship variable: a list of relationships.
    RelList,
    Path,
    /// Known not to be a graph element (a literal, arithmetic, a list or map).
    Value,
    /// A literal without properties (number, string, boolean, list), with its type name.
    Scalar(&'static str),
    Any,
}

type Scope = HashMap<String, Kind>;

type Check = Result<(), QueryError>;

/// Maps a parse error to the TCK's error class and detail.
pub(crate) fn from_syntax_error(e: &SyntaxError, text: &str) -> QueryError {
    // The word the error is in: a word starting with a digit is a malformed number.
    let before = text.get(..e.span.start).unwrap_or("");
    let word_start = before.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_').len();
    let in_number = text.get(word_start..).is_some_and(|w| w.starts_with(|c: char| c.is_ascii_digit()));
    let only_ident = e.expected.iter().all(|x| x == "identifier");
    let detail = match e.kind {
        SyntaxErrorKind::IntegerTooLarge => ErrorDetail::IntegerOverflow,
        SyntaxErrorKind::FloatTooLarge => ErrorDetail::FloatingPointOverflow,
        SyntaxErrorKind::UnbalancedBracket => ErrorDetail::UnexpectedSyntax,
        _ if text.get(e.span.start..).and_then(|t| t.chars().next()).is_some_and(|c| !c.is_ascii()) => {
            ErrorDetail::InvalidUnicodeCharacter
        }
        _ if e.expected.iter().any(|x| x == "range" || x == "range dots") => {
            ErrorDetail::InvalidRelationshipPattern
        }
        SyntaxErrorKind::InvalidUnicodeEscape => ErrorDetail::InvalidUnicodeLiteral,
        _ if in_number && (word_start < e.span.start || !only_ident) => ErrorDetail::InvalidNumberLiteral,
        _ => ErrorDetail::UnexpectedSyntax,
    };
    semantic_error(detail, &e.message, e.span)
}

/// Checks a whole statement.
pub(crate) fn check(q: &Query) -> Check {
    let mut all_flags = Vec::new();
    let cols = check_single(&q.first, Scope::new(), true)?;
    for (all, part) in &q.unions {
        all_flags.push(*all);
        let c = check_single(part, Scope::new(), true)?;
        if c != cols {
            return Err(semantic_error(
                ErrorDetail::DifferentColumnsInUnion,
                "all sub queries in a UNION must return the same columns",
                part.span,
            ));
        }
    }
    if all_flags.iter().any(|a| *a) && all_flags.iter().any(|a| !*a) {
        return Err(semantic_error(
            ErrorDetail::InvalidClauseComposition,
            "UNION and UNION ALL cannot be mixed",
            q.span,
        ));
    }
    Ok(())
}

/// Checks one single query starting with `scope`; returns its RETURN columns.
fn check_single(q: &SingleQuery, mut scope: Scope, top: bool) -> Result<Vec<String>, QueryError> {
    let mut columns = Vec::new();
    let n = q.clauses.len();
    for (i, c) in q.clauses.iter().enumerate() {
        let last = i + 1 == n;
        match &c.kind {
            ClauseKind::Match { pattern, where_, .. } => {
                for part in &pattern.parts {
                    no_parameter_maps(part)?;
                }
                bind_pattern(&mut scope, pattern, false)?;
                if let Some(w) = where_ {
                    let kind = kind_of(w, &scope);
                    if matches!(kind, Kind::Node | Kind::Rel | Kind::Path)
                        || matches!(kind, Kind::Scalar(t) if t != "Boolean")
                    {
                        return Err(semantic_error(
                            ErrorDetail::InvalidArgumentType,
                            "WHERE needs a boolean",
                            w.span,
                        ));
                    }
                    check_expr(w, &scope, false)?;
                    no_aggregate(w, "WHERE")?;
                }
            }
            ClauseKind::Unwind { expr, var } => {
                check_expr(expr, &scope, false)?;
                no_aggregate(expr, "UNWIND")?;
                if scope.contains_key(var) {
                    return Err(already_bound(var, c.span));
                }
                scope.insert(var.clone(), Kind::Any);
            }
            ClauseKind::With { proj, where_ } => {
                let next = check_projection(proj, &scope, true, c.span)?.1;
                if let Some(w) = where_ {
                    // WHERE sees the projected variables and those from before WITH.
                    let mut seen = scope.clone();
                    seen.extend(next.iter().map(|(k, v)| (k.clone(), *v)));
                    check_expr(w, &seen, false)?;
                    no_aggregate(w, "WHERE")?;
                }
                scope = next;
            }
            ClauseKind::Return { proj } => {
                if !last {
                    return Err(semantic_error(
                        ErrorDetail::InvalidClauseComposition,
                        "RETURN can only be used at the end of a query",
                        c.span,
                    ));
                }
                columns = check_projection(proj, &scope, false, c.span)?.0;
            }
            ClauseKind::Create { pattern } => {
                // Part by part: a later part sees the variables an earlier one created.
                for part in &pattern.parts {
                    check_creatable(part, &scope, true)?;
                    let p = Pattern { parts: vec![part.clone()], span: part.span };
                    bind_pattern(&mut scope, &p, true)?;
                }
            }
            ClauseKind::Merge { part, actions } => {
                no_parameter_maps(part)?;
                check_creatable(part, &scope, false)?;
                let p = Pattern { parts: vec![part.clone()], span: part.span };
                bind_pattern(&mut scope, &p, true)?;
                for a in actions {
                    check_set_items(&a.items, &scope)?;
                }
            }
            ClauseKind::Set { items } => check_set_items(items, &scope)?,
            ClauseKind::Remove { items } => {
                for item in items {
                    match item {
                        RemoveItem::Labels { var, span, .. } => need_var(var, &scope, *span)?,
                        RemoveItem::Property(e) => check_expr(e, &scope, false)?,
                    }
                }
            }
            ClauseKind::Delete { exprs, .. } => {
                for e in exprs {
                    check_expr(e, &scope, false)?;
                    if matches!(e.kind, ExprKind::HasLabels(..)) {
                        return Err(semantic_error(
                            ErrorDetail::InvalidDelete,
                            "only nodes, relationships and paths can be deleted",
                            e.span,
                        ));
                    }
                    if non_map_literal(e).is_some()
                        || matches!(
                            e.kind,
                            ExprKind::Map(_)
                                | ExprKind::Binary(..)
                                | ExprKind::Comparison(..)
                                | ExprKind::Unary(..)
                        )
                    {
                        return Err(semantic_error(
                            ErrorDetail::InvalidArgumentType,
                            "only nodes, relationships and paths can be deleted",
                            e.span,
                        ));
                    }
                    if let ExprKind::Var(v) = &e.kind {
                        if scope.get(v).is_some_and(|k| *k == Kind::RelList) {
                            continue;
                        }
                    }
                }
            }
            ClauseKind::Call { args, yields, .. } => {
                for a in args.iter().flatten() {
                    no_aggregate(a, "procedure arguments")?;
                    check_expr(a, &scope, false)?;
                }
                if let Some(y) = yields {
                    if y.star && n > 1 {
                        return Err(semantic_error(
                            ErrorDetail::UnexpectedSyntax,
                            "YIELD * is only allowed in a CALL on its own",
                            c.span,
                        ));
                    }
                    let mut seen = std::collections::HashSet::new();
                    for (field, alias) in &y.items {
                        let var = alias.as_ref().unwrap_or(field);
                        if scope.contains_key(var) || !seen.insert(var) {
                            return Err(semantic_error(
                                ErrorDetail::VariableAlreadyBound,
                                &format!("variable `{var}` already defined"),
                                c.span,
                            ));
                        }
                    }
                    for var in seen {
                        scope.insert(var.clone(), Kind::Any);
                    }
                    if let Some(w) = &y.where_ {
                        check_expr(w, &scope, false)?;
                    }
                }
            }
        }
    }
    let ends_ok = matches!(
        q.clauses.last().map(|c| &c.kind),
        Some(ClauseKind::Return { .. })
            | Some(ClauseKind::Create { .. })
            | Some(ClauseKind::Merge { .. })
            | Some(ClauseKind::Set { .. })
            | Some(ClauseKind::Remove { .. })
            | Some(ClauseKind::Delete { .. })
            | Some(ClauseKind::Call { .. })
    );
    if top && !ends_ok {
        return Err(semantic_error(
            ErrorDetail::InvalidClauseComposition,
            "a query must end with RETURN or an updating clause",
            q.span,
        ));
    }
    Ok(columns)
}

fn need_var(var: &str, scope: &Scope, span: Span) -> Check {
    if scope.contains_key(var) {
        Ok(())
    } else {
        Err(semantic_error(ErrorDetail::UndefinedVariable, &format!("variable `{var}` not defined"), span))
    }
}

fn check_set_items(items: &[SetItem], scope: &Scope) -> Check {
    for item in items {
        match item {
            SetItem::Property { target, value } => {
                check_expr(target, scope, false)?;
                check_expr(value, scope, false)?;
            }
            SetItem::Merge { var, value, span } | SetItem::Replace { var, value, span } => {
                need_var(var, scope, *span)?;
                check_expr(value, scope, false)?;
            }
            SetItem::Labels { var, span, .. } => need_var(var, scope, *span)?,
        }
    }
    Ok(())
}

fn no_aggregate(e: &Expr, where_: &str) -> Check {
    if contains_aggregate(e) {
        return Err(semantic_error(
            ErrorDetail::InvalidAggregation,
            &format!("aggregate functions are not allowed in {where_}"),
            e.span,
        ));
    }
    Ok(())
}

/// Binds a pattern's variables, checking kinds against earlier bindings.
fn bind_pattern(scope: &mut Scope, pattern: &Pattern, creating: bool) -> Check {
    let mut rels_here: Vec<&str> = Vec::new();
    for part in &pattern.parts {
        let el = &part.element;
        let mut nodes = vec![&el.start];
        nodes.extend(el.chain.iter().map(|(_, n)| n));
        for n in &nodes {
            if let Some(p) = &n.props {
                check_expr(p, scope, false)?;
            }
            if let Some(v) = &n.var {
                match scope.get(v) {
                    Some(Kind::Node) | Some(Kind::Any) | None => {
                        scope.insert(v.clone(), Kind::Node);
                    }
                    Some(Kind::Value) | Some(Kind::Scalar(_)) => {
                        return Err(semantic_error(
                            ErrorDetail::VariableTypeConflict,
                            &format!("`{v}` is not a node"),
                            n.span,
                        ))
                    }
                    Some(_) => {
                        return Err(semantic_error(
                            ErrorDetail::VariableTypeConflict,
                            &format!("`{v}` is not a node"),
                            n.span,
                        ))
                    }
                }
            }
        }
        for (r, _) in &el.chain {
            if let Some(p) = &r.props {
                check_expr(p, scope, false)?;
            }
            if let Some(v) = &r.var {
                let kind = if r.range.is_some() { Kind::RelList } else { Kind::Rel };
                if rels_here.contains(&v.as_str()) {
                    return Err(semantic_error(
                        ErrorDetail::RelationshipUniquenessViolation,
                        &format!("relationship `{v}` appears twice in one pattern"),
                        r.span,
                    ));
                }
                rels_here.push(v);
                match scope.get(v) {
                    None | Some(Kind::Any) => {
                        scope.insert(v.clone(), kind);
                    }
                    Some(k) if *k == kind && !creating => {}
                    // A list of relationships bound earlier can drive a variable-length pattern.
                    Some(Kind::Value) | Some(Kind::Scalar("List")) if kind == Kind::RelList => {}
                    Some(Kind::Value) | Some(Kind::Scalar(_)) => {
                        return Err(semantic_error(
                            ErrorDetail::VariableTypeConflict,
                            &format!("`{v}` is not a relationship"),
                            r.span,
                        ))
                    }
                    Some(Kind::Rel) | Some(Kind::RelList) if !creating => {
                        return Err(semantic_error(
                            ErrorDetail::VariableTypeConflict,
                            &format!("`{v}` changes kind"),
                            r.span,
                        ))
                    }
                    Some(Kind::Rel) if creating => return Err(already_bound(v, r.span)),
                    Some(_) => {
                        return Err(semantic_error(
                            ErrorDetail::VariableTypeConflict,
                            &format!("`{v}` is not a relationship"),
                            r.span,
                        ))
                    }
                }
            }
        }
        if let Some(v) = &part.var {
            if scope.contains_key(v) {
                return Err(already_bound(v, part.span));
            }
            scope.insert(v.clone(), Kind::Path);
        }
    }
    Ok(())
}

/// CREATE and MERGE restrictions on a pattern part.
fn check_creatable(part: &PatternPart, scope: &Scope, create: bool) -> Check {
    let el = &part.element;
    let lone = el.chain.is_empty();
    let mut nodes = vec![&el.start];
    nodes.extend(el.chain.iter().map(|(_, n)| n));
    for n in nodes {
        if let Some(v) = &n.var {
            if let Some(k) = scope.get(v) {
                if *k != Kind::Node && *k != Kind::Any {
                    return Err(semantic_error(
                        ErrorDetail::VariableTypeConflict,
                        &format!("`{v}` is not a node"),
                        n.span,
                    ));
                }
                if lone || !n.labels.is_empty() || n.props.is_some() {
                    return Err(already_bound(v, n.span));
                }
            }
        }
    }
    for (r, _) in &el.chain {
        if let Some(v) = &r.var {
            if scope.contains_key(v) {
                return Err(already_bound(v, r.span));
            }
        }
        if r.types.len() != 1 {
            return Err(semantic_error(
                ErrorDetail::NoSingleRelationshipType,
                "a relationship to create needs exactly one type",
                r.span,
            ));
        }
        if r.range.is_some() {
            return Err(semantic_error(
                ErrorDetail::CreatingVarLength,
                "variable-length relationships cannot be created",
                r.span,
            ));
        }
        if create && r.direction == RelDirection::Both {
            return Err(semantic_error(
                ErrorDetail::RequiresDirectedRelationship,
                "a relationship to create needs a direction",
                r.span,
            ));
        }
        if let Some(v) = &r.var {
            if scope.contains_key(v) {
                return Err(already_bound(v, r.span));
            }
        }
    }
    Ok(())
}

/// Checks a WITH / RETURN projection; returns its columns and the scope after it.
fn check_projection(
    proj: &Projection,
    scope: &Scope,
    is_with: bool,
    span: Span,
) -> Result<(Vec<String>, Scope), QueryError> {
    if proj.star && scope.is_empty() && !is_with {
        return Err(semantic_error(
            ErrorDetail::NoVariablesInScope,
            "RETURN * is not allowed when there are no variables in scope",
            span,
        ));
    }
    let mut columns: Vec<String> = Vec::new();
    let mut next = Scope::new();
    if proj.star {
        for (k, v) in scope {
            columns.push(k.clone());
            next.insert(k.clone(), *v);
        }
        columns.sort();
    }
    // Grouping keys: the texts of the projection's non-aggregate expressions.
    let keys: Vec<String> =
        proj.items.iter().filter(|i| !contains_aggregate(&i.expr)).map(|i| i.expr.to_string()).collect();
    let mut missing_alias = None;
    for item in &proj.items {
        if matches!(item.expr.kind, ExprKind::Pattern(_)) {
            return Err(semantic_error(
                ErrorDetail::UnexpectedSyntax,
                "a pattern cannot be projected; use a pattern comprehension",
                item.expr.span,
            ));
        }
        check_expr(&item.expr, scope, true)?;
        if contains_aggregate(&item.expr) {
            check_grouped(&item.expr, &keys)?;
        }
        let name = match (&item.alias, &item.expr.kind) {
            (Some(a), _) => a.clone(),
            (None, ExprKind::Var(v)) => v.clone(),
            (None, _) => {
                if is_with && missing_alias.is_none() {
                    missing_alias = Some(item.expr.span);
                }
                item.expr.to_string()
            }
        };
        if columns.contains(&name) && !(proj.star && scope.contains_key(&name) && item.alias.is_none()) {
            return Err(semantic_error(
                ErrorDetail::ColumnNameConflict,
                &format!("multiple result columns with the same name `{name}`"),
                item.span,
            ));
        }
        let kind = kind_of(&item.expr, scope);
        columns.push(name.clone());
        next.insert(name, kind);
    }
    let aggregating = proj.items.iter().any(|i| contains_aggregate(&i.expr));
    // ORDER BY sees the projected names, and (without aggregation or DISTINCT) the
    // variables of the incoming scope too.
    let mut order_scope = next.clone();
    if !aggregating && !proj.distinct {
        for (k, v) in scope {
            order_scope.entry(k.clone()).or_insert(*v);
        }
    }
    let projected: Vec<String> = proj.items.iter().map(|i| i.expr.to_string()).collect();
    for s in &proj.order {
        if projected.contains(&s.expr.to_string()) {
            continue;
        }
        if aggregating && contains_aggregate(&s.expr) {
            check_order_aggregate(&s.expr, &projected, &order_scope)?;
        } else {
            check_expr(&s.expr, &order_scope, aggregating)?;
        }
    }
    if let Some(span) = missing_alias {
        return Err(semantic_error(
            ErrorDetail::NoExpressionAlias,
            "expressions in WITH must be aliased (use AS)",
            span,
        ));
    }
    for (e, what) in [(&proj.skip, "SKIP"), (&proj.limit, "LIMIT")] {
        if let Some(e) = e {
            check_count_arg(e, what)?;
        }
    }
    Ok((columns, next))
}

/// SKIP / LIMIT must be constant non-negative integers.
fn check_count_arg(e: &Expr, what: &str) -> Check {
    if has_variables(e) {
        return Err(semantic_error(
            ErrorDetail::NonConstantExpression,
            &format!("{what} cannot depend on variables"),
            e.span,
        ));
    }
    match &e.kind {
        ExprKind::Literal(Literal::Int(i)) if *i < 0 => Err(QueryError {
            class: ErrorClass::SyntaxError,
            detail: ErrorDetail::NegativeIntegerArgument,
            phase: ErrorPhase::CompileTime,
            message: format!("{what} must not be negative"),
            span: Some(e.span),
        }),
        ExprKind::Literal(Literal::Float(_))
        | ExprKind::Literal(Literal::String(_))
        | ExprKind::Literal(Literal::Bool(_)) => Err(semantic_error(
            ErrorDetail::InvalidArgumentType,
            &format!("{what} must be an integer"),
            e.span,
        )),
        _ => Ok(()),
    }
}

fn has_variables(e: &Expr) -> bool {
    matches!(e.kind, ExprKind::Var(_)) || e.children().into_iter().any(has_variables)
}

/// Checks variables, functions and aggregation in an expression. `agg_ok`: aggregates are
/// allowed here (a projection item) — but never nested.
fn check_expr(e: &Expr, scope: &Scope, agg_ok: bool) -> Check {
    match &e.kind {
        ExprKind::Var(v) => need_var(v, scope, e.span),
        ExprKind::Property(base, key) if non_map_literal(base).is_some() => Err(QueryError {
            class: ErrorClass::TypeError,
            detail: ErrorDetail::InvalidArgumentType,
            phase: ErrorPhase::CompileTime,
            message: format!(
                "cannot read property '{key}' of a {}",
                non_map_literal(base).unwrap_or("value")
            ),
            span: Some(e.span),
        }),
        ExprKind::Property(base, key) if matches!(&base.kind, ExprKind::Var(v) if matches!(scope.get(v), Some(Kind::Scalar(_)))) =>
        {
            let t = match &base.kind {
                ExprKind::Var(v) => match scope.get(v) {
                    Some(Kind::Scalar(t)) => *t,
                    _ => "value",
                },
                _ => "value",
            };
            Err(QueryError {
                class: ErrorClass::TypeError,
                detail: ErrorDetail::InvalidArgumentType,
                phase: ErrorPhase::CompileTime,
                message: format!("cannot read property '{key}' of a {t}"),
                span: Some(e.span),
            })
        }
        ExprKind::Property(base, key) if matches!(&base.kind, ExprKind::Var(v) if scope.get(v) == Some(&Kind::Path)) => {
            Err(semantic_error(
                ErrorDetail::InvalidArgumentType,
                &format!("a path has no property '{key}'"),
                e.span,
            ))
        }
        ExprKind::Binary(BinOp::In, a, b)
            if matches!(non_map_literal(b), Some(t) if t != "List") || matches!(b.kind, ExprKind::Map(_)) =>
        {
            let _ = a;
            Err(semantic_error(ErrorDetail::InvalidArgumentType, "IN needs a list on its right", b.span))
        }
        ExprKind::Binary(BinOp::And | BinOp::Or | BinOp::Xor, a, b) => {
            check_boolean_operand(a)?;
            check_boolean_operand(b)?;
            check_expr(a, scope, agg_ok)?;
            check_expr(b, scope, agg_ok)
        }
        ExprKind::Unary(UnaryOp::Not, a) => {
            check_boolean_operand(a)?;
            check_expr(a, scope, agg_ok)
        }
        ExprKind::CountStar => {
            if agg_ok {
                Ok(())
            } else {
                Err(semantic_error(
                    ErrorDetail::InvalidAggregation,
                    "aggregate functions are only allowed in projections",
                    e.span,
                ))
            }
        }
        ExprKind::Call { name, args, distinct } => {
            if AggregateKind::from_name(name).is_some() {
                if !agg_ok {
                    return Err(semantic_error(
                        ErrorDetail::InvalidAggregation,
                        "aggregate functions are only allowed in projections",
                        e.span,
                    ));
                }
                for a in args {
                    if contains_aggregate(a) {
                        return Err(semantic_error(
                            ErrorDetail::NestedAggregation,
                            "aggregate functions cannot be nested",
                            a.span,
                        ));
                    }
                    if calls(a, "rand") {
                        return Err(semantic_error(
                            ErrorDetail::NonConstantExpression,
                            "aggregates cannot take non-deterministic arguments",
                            a.span,
                        ));
                    }
                    check_expr(a, scope, false)?;
                }
                return Ok(());
            }
            if name.eq_ignore_ascii_case("exists") && args.len() == 1 {
                return check_expr(&args[0], scope, agg_ok);
            }
            check_graph_function_argument(name, args, scope)?;
            // Pattern expressions are predicates only: `size((a)-->())` is not a list.
            if let Some(p) = args.iter().find(|a| matches!(a.kind, ExprKind::Pattern(_))) {
                return Err(semantic_error(
                    ErrorDetail::UnexpectedSyntax,
                    "a pattern can only be used as a predicate; use a pattern comprehension",
                    p.span,
                ));
            }
            if *distinct {
                return Err(semantic_error(
                    ErrorDetail::InvalidAggregation,
                    "DISTINCT is only allowed in aggregate functions",
                    e.span,
                ));
            }
            functions::check_arity(name, args.len()).map_err(|mut err| {
                err.span = Some(e.span);
                err
            })?;
            for a in args {
                check_expr(a, scope, agg_ok)?;
            }
            Ok(())
        }
        ExprKind::Reduce { acc, init, var, list, expr } => {
            check_expr(init, scope, agg_ok)?;
            check_expr(list, scope, agg_ok)?;
            let mut inner = scope.clone();
            inner.insert(acc.clone(), Kind::Any);
            inner.insert(var.clone(), Kind::Any);
            check_expr(expr, &inner, false)
        }
        ExprKind::ListComprehension { var, list, filter, map } => {
            check_expr(list, scope, agg_ok)?;
            let mut inner = scope.clone();
            inner.insert(var.clone(), Kind::Any);
            if let Some(f) = filter {
                check_expr(f, &inner, false)?;
            }
            if let Some(m) = map {
                check_expr(m, &inner, false)?;
            }
            Ok(())
        }
        ExprKind::Quantifier { var, list, filter, .. } => {
            check_expr(list, scope, agg_ok)?;
            let mut inner = scope.clone();
            inner.insert(var.clone(), Kind::Any);
            if let Some(f) = filter {
                check_expr(f, &inner, false)?;
            }
            Ok(())
        }
        ExprKind::Pattern(el) => {
            // A pattern used as a predicate cannot introduce variables.
            let mut vars: Vec<(&String, Span)> = el.start.var.iter().map(|v| (v, el.start.span)).collect();
            for (r, n) in &el.chain {
                vars.extend(r.var.iter().map(|v| (v, r.span)));
                vars.extend(n.var.iter().map(|v| (v, n.span)));
            }
            for (v, span) in vars {
                need_var(v, scope, span)?;
            }
            Ok(())
        }
        ExprKind::PatternComprehension { path_var, pattern, filter, map } => {
            let mut inner = scope.clone();
            let p = Pattern {
                parts: vec![PatternPart {
                    var: path_var.clone(),
                    shortest: None,
                    element: (**pattern).clone(),
                    span: pattern.span,
                }],
                span: pattern.span,
            };
            bind_pattern(&mut inner, &p, false)?;
            if let Some(f) = filter {
                check_expr(f, &inner, false)?;
            }
            check_expr(map, &inner, false)
        }
        ExprKind::Exists(body) => match body.as_ref() {
            ExistsBody::Pattern(p, w) => {
                let mut inner = scope.clone();
                bind_pattern(&mut inner, p, false)?;
                if let Some(w) = w {
                    check_expr(w, &inner, false)?;
                }
                Ok(())
            }
            ExistsBody::Query(q) => {
                if q.clauses.iter().any(|c| {
                    matches!(
                        c.kind,
                        ClauseKind::Create { .. }
                            | ClauseKind::Merge { .. }
                            | ClauseKind::Set { .. }
                            | ClauseKind::Remove { .. }
                            | ClauseKind::Delete { .. }
                    )
                }) {
                    return Err(semantic_error(
                        ErrorDetail::InvalidClauseComposition,
                        "EXISTS subqueries cannot update the graph",
                        e.span,
                    ));
                }
                check_single(q, scope.clone(), false).map(|_| ())
            }
        },
        ExprKind::ShortestPath(part) => {
            let mut inner = scope.clone();
            let p = Pattern { parts: vec![(**part).clone()], span: part.span };
            bind_pattern(&mut inner, &p, false)
        }
        _ => {
            for c in e.children() {
                check_expr(c, scope, agg_ok)?;
            }
            Ok(())
        }
    }
}

/// What kind of value an expression certainly yields, as far as it can be told statically.
fn kind_of(e: &Expr, scope: &Scope) -> Kind {
    match &e.kind {
        ExprKind::Var(v) => scope.get(v).copied().unwrap_or(Kind::Any),
        ExprKind::Literal(Literal::Null) => Kind::Any,
        _ if non_map_literal(e).is_some() => Kind::Scalar(non_map_literal(e).unwrap_or("value")),
        ExprKind::Literal(_)
        | ExprKind::List(_)
        | ExprKind::Map(_)
        | ExprKind::Binary(..)
        | ExprKind::Comparison(..)
        | ExprKind::IsNull(..)
        | ExprKind::Unary(..)
        | ExprKind::ListComprehension { .. }
        | ExprKind::Quantifier { .. }
        | ExprKind::CountStar => Kind::Value,
        _ => Kind::Any,
    }
}

/// The type name of an expression that is certainly not boolean or null, for operators
/// that need booleans (checked at compile time, as the TCK expects).
fn non_boolean_literal(e: &Expr) -> Option<&'static str> {
    match &e.kind {
        ExprKind::Literal(Literal::Int(_)) => Some("Integer"),
        ExprKind::Literal(Literal::Float(_)) => Some("Float"),
        ExprKind::Literal(Literal::String(_)) => Some("String"),
        ExprKind::Literal(Literal::Uncertain(_)) => Some("Number"),
        ExprKind::List(_) => Some("List"),
        ExprKind::Map(_) => Some("Map"),
        _ => None,
    }
}

fn check_boolean_operand(e: &Expr) -> Check {
    if let Some(t) = non_boolean_literal(e) {
        return Err(semantic_error(
            ErrorDetail::InvalidArgumentType,
            &format!("expected a Boolean, got a {t}"),
            e.span,
        ));
    }
    Ok(())
}

/// The type name of a literal that has no properties.
fn non_map_literal(e: &Expr) -> Option<&'static str> {
    match &e.kind {
        ExprKind::Literal(Literal::Bool(_)) => Some("Boolean"),
        ExprKind::Map(_) => None,
        _ => non_boolean_literal(e),
    }
}

/// In an aggregating projection item, what lies outside the aggregates must be a grouping
/// key, a constant or a parameter: anything else has no single value per group.
fn check_grouped(e: &Expr, keys: &[String]) -> Check {
    if is_aggregate_call(e) {
        return Ok(());
    }
    let simple = matches!(e.kind, ExprKind::Var(_) | ExprKind::Property(..));
    if keys.contains(&e.to_string()) {
        if simple {
            return Ok(());
        }
        return Err(semantic_error(
            ErrorDetail::AmbiguousAggregationExpression,
            "complex grouping expressions cannot be combined with an aggregation",
            e.span,
        ));
    }
    match &e.kind {
        ExprKind::Literal(_) | ExprKind::Param(_) => Ok(()),
        // The filter and mapping see the comprehension's own variable; check the list.
        ExprKind::ListComprehension { list, .. } | ExprKind::Quantifier { list, .. } => {
            check_grouped(list, keys)
        }
        ExprKind::Reduce { init, list, .. } => {
            check_grouped(init, keys)?;
            check_grouped(list, keys)
        }
        ExprKind::Var(_) | ExprKind::Property(..) => Err(semantic_error(
            ErrorDetail::AmbiguousAggregationExpression,
            "expressions beside an aggregate must be grouping keys",
            e.span,
        )),
        _ => e.children().into_iter().try_for_each(|c| check_grouped(c, keys)),
    }
}

/// An ORDER BY item with an aggregate after an aggregating projection: aggregates and
/// simple projected terms (variables, property reads) are fine; a complex projected
/// expression is ambiguous; anything else must be in the projected scope.
fn check_order_aggregate(e: &Expr, projected: &[String], scope: &Scope) -> Check {
    let text = e.to_string();
    if is_aggregate_call(e) {
        if projected.contains(&text) {
            return Ok(());
        }
        return e.children().into_iter().try_for_each(|c| check_expr(c, scope, false));
    }
    match &e.kind {
        ExprKind::Literal(_) | ExprKind::Param(_) => Ok(()),
        ExprKind::Var(_) | ExprKind::Property(..) if projected.contains(&text) => Ok(()),
        ExprKind::Var(_) | ExprKind::Property(..) => check_expr(e, scope, false),
        _ if projected.contains(&text) => Err(semantic_error(
            ErrorDetail::AmbiguousAggregationExpression,
            "complex projected expressions cannot be combined with an aggregation in ORDER BY",
            e.span,
        )),
        _ => e.children().into_iter().try_for_each(|c| check_order_aggregate(c, projected, scope)),
    }
}

/// `MATCH (n $props)`: openCypher allows a parameter map only where a pattern creates.
fn no_parameter_maps(part: &PatternPart) -> Check {
    for p in part.element.property_maps() {
        if matches!(p.kind, ExprKind::Param(_)) {
            return Err(semantic_error(
                ErrorDetail::InvalidParameterUse,
                "parameter maps cannot be used in MATCH or MERGE patterns",
                p.span,
            ));
        }
    }
    Ok(())
}

/// Graph functions given something that is certainly not a graph element.
fn check_graph_function_argument(name: &str, args: &[Expr], scope: &Scope) -> Check {
    let Some(arg) = args.first() else { return Ok(()) };
    let kind = kind_of(arg, scope);
    let lower = name.to_ascii_lowercase();
    let bad = match lower.as_str() {
        "properties" => matches!(kind, Kind::Scalar(_)) || matches!(arg.kind, ExprKind::List(_)),
        "labels" => matches!(kind, Kind::Scalar(_) | Kind::Path | Kind::Rel | Kind::RelList),
        "type" => matches!(kind, Kind::Scalar(_) | Kind::Node | Kind::Path),
        "length" => matches!(kind, Kind::Scalar(_) | Kind::Node | Kind::Rel),
        "size" => matches!(kind, Kind::Node | Kind::Rel | Kind::Path),
        _ => false,
    };
    if bad {
        return Err(semantic_error(
            ErrorDetail::InvalidArgumentType,
            &format!("{name}() cannot take this argument"),
            arg.span,
        ));
    }
    Ok(())
}

/// Whether an expression calls function `name` anywhere.
fn calls(e: &Expr, name: &str) -> bool {
    matches!(&e.kind, ExprKind::Call { name: n, .. } if n.eq_ignore_ascii_case(name))
        || e.children().into_iter().any(|c| calls(c, name))
}

/// `VariableAlreadyBound`: a pattern declares a variable that is already in scope.
fn already_bound(var: &str, span: crate::syntax::Span) -> QueryError {
    semantic_error(ErrorDetail::VariableAlreadyBound, &format!("variable `{var}` already declared"), span)
}
