//! The builder: pest pairs of `grammar/query.pest` → the query AST, with spans.

use std::sync::OnceLock;

use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::*;
use crate::model::Number;
use crate::syntax::{ident_text, parse_int, unescape, Rule, Span, SyntaxError};

/// Most operators in one expression (between brackets): the AST nests up to one level per
/// operator and every later stage walks it recursively.
const MAX_OPS: usize = 1000;

pub(super) fn internal(span: Span, what: &str) -> SyntaxError {
    SyntaxError::at(span, format!("internal parser error: unexpected shape of {what}"))
}

/// The next child pair, or an internal error (the grammar guarantees it exists).
fn next<'a>(it: &mut Pairs<'a, Rule>, span: Span, what: &str) -> Result<Pair<'a, Rule>, SyntaxError> {
    it.next().ok_or_else(|| internal(span, what))
}

pub(crate) fn build_query(pair: Pair<'_, Rule>) -> Result<Query, SyntaxError> {
    let span = Span::of(&pair);
    let mut inner = pair.into_inner();
    let first = build_single(next(&mut inner, span, "query")?)?;
    let mut unions = Vec::new();
    while let Some(op) = inner.next() {
        let all = op.into_inner().any(|p| p.as_rule() == Rule::ALL);
        let q = build_single(next(&mut inner, span, "union")?)?;
        unions.push((all, q));
    }
    Ok(Query { first, unions, span })
}

fn build_single(pair: Pair<'_, Rule>) -> Result<SingleQuery, SyntaxError> {
    let span = Span::of(&pair);
    let clauses = pair.into_inner().map(build_clause).collect::<Result<_, _>>()?;
    Ok(SingleQuery { clauses, span })
}

fn build_clause(pair: Pair<'_, Rule>) -> Result<Clause, SyntaxError> {
    let span = Span::of(&pair);
    let rule = pair.as_rule();
    let mut inner = pair.into_inner().filter(|p| !is_keyword(p.as_rule())).peekable();
    let kind = match rule {
        Rule::match_clause => {
            let optional = inner.peek().is_some_and(|p| p.as_rule() == Rule::optional_kw);
            if optional {
                inner.next();
            }
            let pattern = build_pattern(inner.next().ok_or_else(|| internal(span, "MATCH"))?)?;
            let where_ = inner.next().map(build_where).transpose()?;
            ClauseKind::Match { optional, pattern, where_ }
        }
        Rule::unwind_clause => {
            let expr = build_expr(inner.next().ok_or_else(|| internal(span, "UNWIND"))?)?;
            let var = ident_of(&inner.next().ok_or_else(|| internal(span, "UNWIND"))?)?;
            ClauseKind::Unwind { expr, var }
        }
        Rule::with_clause => {
            let proj = build_projection(inner.next().ok_or_else(|| internal(span, "WITH"))?)?;
            let where_ = inner.next().map(build_where).transpose()?;
            ClauseKind::With { proj, where_ }
        }
        Rule::return_clause => ClauseKind::Return {
            proj: build_projection(inner.next().ok_or_else(|| internal(span, "RETURN"))?)?,
        },
        Rule::create_clause => ClauseKind::Create {
            pattern: build_pattern(inner.next().ok_or_else(|| internal(span, "CREATE"))?)?,
        },
        Rule::merge_clause => {
            let part = build_pattern_part(inner.next().ok_or_else(|| internal(span, "MERGE"))?)?;
            let actions = inner.map(build_merge_action).collect::<Result<_, _>>()?;
            ClauseKind::Merge { part, actions }
        }
        Rule::set_clause => ClauseKind::Set { items: inner.map(build_set_item).collect::<Result<_, _>>()? },
        Rule::remove_clause => {
            ClauseKind::Remove { items: inner.map(build_remove_item).collect::<Result<_, _>>()? }
        }
        Rule::delete_clause => {
            let detach = inner.peek().is_some_and(|p| p.as_rule() == Rule::detach_kw);
            if detach {
                inner.next();
            }
            ClauseKind::Delete { detach, exprs: inner.map(build_expr).collect::<Result<_, _>>()? }
        }
        Rule::call_clause => {
            let name_pair = inner.next().ok_or_else(|| internal(span, "CALL"))?;
            let name = dotted_name(&name_pair);
            let mut args = None;
            let mut yields = None;
            for p in inner {
                match p.as_rule() {
                    Rule::proc_args => args = Some(p.into_inner().map(build_expr).collect::<Result<_, _>>()?),
                    Rule::yield_items => yields = Some(build_yield(p)?),
                    _ => return Err(internal(span, "CALL")),
                }
            }
            ClauseKind::Call { name, args, yields }
        }
        _ => return Err(internal(span, "clause")),
    };
    Ok(Clause { kind, span })
}

/// Keyword tokens appear as pairs (they are non-silent atomic rules); builders skip them.
fn is_keyword(rule: Rule) -> bool {
    let name = format!("{rule:?}");
    name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
}

fn dotted_name(pair: &Pair<'_, Rule>) -> String {
    pair.clone().into_inner().map(|p| ident_text(&p)).collect::<Vec<_>>().join(".")
}

fn ident_of(pair: &Pair<'_, Rule>) -> Result<String, SyntaxError> {
    // `variable`, `label_name`, `prop_key`, ... all wrap one `ident`.
    match pair.as_rule() {
        Rule::ident => Ok(ident_text(pair)),
        _ => {
            let inner = pair.clone().into_inner().find(|p| p.as_rule() == Rule::ident);
            inner.map(|p| ident_text(&p)).ok_or_else(|| internal(Span::of(pair), "identifier"))
        }
    }
}

fn build_where(pair: Pair<'_, Rule>) -> Result<Expr, SyntaxError> {
    let span = Span::of(&pair);
    let e = pair.into_inner().find(|p| p.as_rule() == Rule::expr).ok_or_else(|| internal(span, "WHERE"))?;
    build_expr(e)
}

fn build_yield(pair: Pair<'_, Rule>) -> Result<YieldSpec, SyntaxError> {
    let mut spec = YieldSpec { star: false, items: Vec::new(), where_: None };
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::star => spec.star = true,
            Rule::yield_item => {
                let vars: Vec<String> = p
                    .into_inner()
                    .filter(|v| v.as_rule() == Rule::variable)
                    .map(|v| ident_of(&v))
                    .collect::<Result<_, _>>()?;
                let mut it = vars.into_iter();
                let field = it.next().unwrap_or_default();
                spec.items.push((field, it.next()));
            }
            Rule::where_clause => spec.where_ = Some(build_where(p)?),
            _ => {}
        }
    }
    Ok(spec)
}

fn build_projection(pair: Pair<'_, Rule>) -> Result<Projection, SyntaxError> {
    let span = Span::of(&pair);
    let mut proj = Projection {
        distinct: false,
        star: false,
        items: Vec::new(),
        order: Vec::new(),
        skip: None,
        limit: None,
        span,
    };
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::distinct_kw => proj.distinct = true,
            Rule::projection_items => {
                for item in p.into_inner() {
                    match item.as_rule() {
                        Rule::star => proj.star = true,
                        Rule::projection_item => {
                            let ispan = Span::of(&item);
                            let mut it = item.into_inner().filter(|x| !is_keyword(x.as_rule()));
                            let expr = build_expr(next_filtered(&mut it, ispan)?)?;
                            let alias = it.next().map(|a| ident_of(&a)).transpose()?;
                            proj.items.push(ProjItem { expr, alias, span: ispan });
                        }
                        _ => return Err(internal(span, "projection")),
                    }
                }
            }
            Rule::order_by => {
                for s in p.into_inner().filter(|x| x.as_rule() == Rule::sort_item) {
                    let sspan = Span::of(&s);
                    let mut it = s.into_inner();
                    let expr = build_expr(next(&mut it, sspan, "sort item")?)?;
                    let descending =
                        it.next().is_some_and(|d| d.as_str().to_ascii_lowercase().starts_with("desc"));
                    proj.order.push(SortItem { expr, descending, span: sspan });
                }
            }
            Rule::skip => proj.skip = Some(build_where(p)?),
            Rule::limit => proj.limit = Some(build_where(p)?),
            _ => return Err(internal(span, "projection")),
        }
    }
    Ok(proj)
}

fn next_filtered<'a>(
    it: &mut impl Iterator<Item = Pair<'a, Rule>>,
    span: Span,
) -> Result<Pair<'a, Rule>, SyntaxError> {
    it.next().ok_or_else(|| internal(span, "item"))
}

fn build_merge_action(pair: Pair<'_, Rule>) -> Result<MergeAction, SyntaxError> {
    let span = Span::of(&pair);
    let mut on_create = false;
    let mut items = Vec::new();
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::CREATE => on_create = true,
            Rule::set_clause => {
                items = p
                    .into_inner()
                    .filter(|x| !is_keyword(x.as_rule()))
                    .map(build_set_item)
                    .collect::<Result<_, _>>()?
            }
            _ => {}
        }
    }
    Ok(MergeAction { on_create, items, span })
}

fn build_set_item(pair: Pair<'_, Rule>) -> Result<SetItem, SyntaxError> {
    let span = Span::of(&pair);
    let rule = pair.as_rule();
    let mut it = pair.into_inner();
    let first = next(&mut it, span, "SET item")?;
    Ok(match rule {
        Rule::set_property => {
            let target = build_property_target(first)?;
            let value = build_expr(next(&mut it, span, "SET item")?)?;
            SetItem::Property { target, value }
        }
        Rule::set_merge => SetItem::Merge {
            var: ident_of(&first)?,
            value: build_expr(next(&mut it, span, "SET item")?)?,
            span,
        },
        Rule::set_replace => SetItem::Replace {
            var: ident_of(&first)?,
            value: build_expr(next(&mut it, span, "SET item")?)?,
            span,
        },
        Rule::set_labels => SetItem::Labels {
            var: ident_of(&first)?,
            labels: build_labels(next(&mut it, span, "SET item")?)?,
            span,
        },
        _ => return Err(internal(span, "SET item")),
    })
}

fn build_remove_item(pair: Pair<'_, Rule>) -> Result<RemoveItem, SyntaxError> {
    let span = Span::of(&pair);
    let rule = pair.as_rule();
    let mut it = pair.into_inner();
    let first = next(&mut it, span, "REMOVE item")?;
    Ok(match rule {
        Rule::remove_labels => RemoveItem::Labels {
            var: ident_of(&first)?,
            labels: build_labels(next(&mut it, span, "REMOVE item")?)?,
            span,
        },
        Rule::remove_property => RemoveItem::Property(build_property_target(first)?),
        _ => return Err(internal(span, "REMOVE item")),
    })
}

fn build_property_target(pair: Pair<'_, Rule>) -> Result<Expr, SyntaxError> {
    let mut it = pair.into_inner();
    let span0 = Span::default();
    let atom = next(&mut it, span0, "property")?;
    let start = atom.as_span().start();
    let mut e = build_atom(atom)?;
    for lookup in it {
        let end = lookup.as_span().end();
        let key = ident_of(&next(&mut lookup.into_inner(), span0, "property")?)?;
        e = Expr::new(ExprKind::Property(Box::new(e), key), Span::new(start, end));
    }
    Ok(e)
}

fn build_labels(pair: Pair<'_, Rule>) -> Result<Vec<String>, SyntaxError> {
    pair.into_inner().map(|l| ident_of(&l)).collect()
}

// ---- patterns ------------------------------------------------------------------------

fn build_pattern(pair: Pair<'_, Rule>) -> Result<Pattern, SyntaxError> {
    let span = Span::of(&pair);
    let parts = pair.into_inner().map(build_pattern_part).collect::<Result<_, _>>()?;
    Ok(Pattern { parts, span })
}

fn build_pattern_part(pair: Pair<'_, Rule>) -> Result<PatternPart, SyntaxError> {
    let span = Span::of(&pair);
    let mut var = None;
    let mut shortest = None;
    let mut element = None;
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::variable => var = Some(ident_of(&p)?),
            Rule::shortest_path => {
                let (kind, el) = build_shortest(p)?;
                shortest = Some(kind);
                element = Some(el);
            }
            Rule::pattern_element => element = Some(build_element(p)?),
            _ => return Err(internal(span, "pattern part")),
        }
    }
    let element = element.ok_or_else(|| internal(span, "pattern part"))?;
    Ok(PatternPart { var, shortest, element, span })
}

fn build_shortest(pair: Pair<'_, Rule>) -> Result<(ShortestKind, PatternElement), SyntaxError> {
    let span = Span::of(&pair);
    let mut kind = ShortestKind::Shortest;
    let mut element = None;
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::ALLSHORTESTPATHS => kind = ShortestKind::All,
            Rule::SHORTESTPATH => kind = ShortestKind::Shortest,
            Rule::pattern_element => element = Some(build_element(p)?),
            _ => {}
        }
    }
    Ok((kind, element.ok_or_else(|| internal(span, "shortestPath"))?))
}

/// Builds a `pattern_element` or a `pattern_predicate` (same shape, never parenthesised).
fn build_element(pair: Pair<'_, Rule>) -> Result<PatternElement, SyntaxError> {
    let mut span = Span::of(&pair);
    let mut pair = pair;
    // `((a)-->(b))`: parentheses around a whole element leave no trace.
    loop {
        let first = pair.clone().into_inner().next();
        match first {
            Some(p) if p.as_rule() == Rule::pattern_element => {
                span = Span::of(&p);
                pair = p;
            }
            _ => break,
        }
    }
    let mut it = pair.into_inner();
    let start = build_node(next(&mut it, span, "pattern")?)?;
    let mut chain = Vec::new();
    while let Some(rel) = it.next() {
        let rel = build_rel(rel)?;
        let node = build_node(next(&mut it, span, "pattern")?)?;
        chain.push((rel, node));
    }
    Ok(PatternElement { start, chain, span })
}

fn build_node(pair: Pair<'_, Rule>) -> Result<NodePattern, SyntaxError> {
    let span = Span::of(&pair);
    let mut node = NodePattern { var: None, labels: Vec::new(), props: None, span };
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::variable => node.var = Some(ident_of(&p)?),
            Rule::node_labels => node.labels = build_labels(p)?,
            _ => node.props = Some(build_atom(p)?),
        }
    }
    Ok(node)
}

fn build_rel(pair: Pair<'_, Rule>) -> Result<RelPattern, SyntaxError> {
    let span = Span::of(&pair);
    let mut left = false;
    let mut right = false;
    let mut rel = RelPattern {
        var: None,
        types: Vec::new(),
        range: None,
        props: None,
        direction: RelDirection::Both,
        span,
    };
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::left_arrow => left = true,
            Rule::right_arrow => right = true,
            Rule::rel_detail => {
                for d in p.into_inner() {
                    match d.as_rule() {
                        Rule::variable => rel.var = Some(ident_of(&d)?),
                        Rule::rel_types => {
                            rel.types = d.into_inner().map(|t| ident_of(&t)).collect::<Result<_, _>>()?
                        }
                        Rule::range => rel.range = Some(build_range(d)?),
                        _ => rel.props = Some(build_atom(d)?),
                    }
                }
            }
            _ => return Err(internal(span, "relationship pattern")),
        }
    }
    rel.direction = match (left, right) {
        (true, false) => RelDirection::Left,
        (false, true) => RelDirection::Right,
        _ => RelDirection::Both,
    };
    Ok(rel)
}

fn build_range(pair: Pair<'_, Rule>) -> Result<(Option<u64>, Option<u64>), SyntaxError> {
    let mut lower = None;
    let mut upper = None;
    let mut dots = false;
    for p in pair.into_inner() {
        let span = Span::of(&p);
        let num = |p: &Pair<'_, Rule>| {
            p.as_str()
                .trim()
                .parse::<u64>()
                .map_err(|_| SyntaxError::at(span, "variable-length bound is too large"))
        };
        match p.as_rule() {
            Rule::range_lower => lower = Some(num(&p)?),
            Rule::range_upper => upper = Some(num(&p)?),
            Rule::range_dots => dots = true,
            _ => {}
        }
    }
    if !dots && lower.is_some() {
        upper = lower;
    }
    Ok((lower, upper))
}

// ---- expressions ---------------------------------------------------------------------

fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::or_op, Assoc::Left))
            .op(Op::infix(Rule::xor_op, Assoc::Left))
            .op(Op::infix(Rule::and_op, Assoc::Left))
            .op(Op::prefix(Rule::not_op))
            .op(Op::infix(Rule::eq_op, Assoc::Left)
                | Op::infix(Rule::ne_op, Assoc::Left)
                | Op::infix(Rule::lt_op, Assoc::Left)
                | Op::infix(Rule::le_op, Assoc::Left)
                | Op::infix(Rule::gt_op, Assoc::Left)
                | Op::infix(Rule::ge_op, Assoc::Left)
                | Op::infix(Rule::regex_op, Assoc::Left))
            .op(Op::postfix(Rule::is_null)
                | Op::postfix(Rule::is_not_null)
                | Op::infix(Rule::in_op, Assoc::Left)
                | Op::infix(Rule::starts_with_op, Assoc::Left)
                | Op::infix(Rule::ends_with_op, Assoc::Left)
                | Op::infix(Rule::contains_op, Assoc::Left))
            .op(Op::infix(Rule::add_op, Assoc::Left) | Op::infix(Rule::sub_op, Assoc::Left))
            .op(Op::infix(Rule::mul_op, Assoc::Left)
                | Op::infix(Rule::div_op, Assoc::Left)
                | Op::infix(Rule::mod_op, Assoc::Left))
            .op(Op::infix(Rule::pow_op, Assoc::Left))
    })
}

/// A Pratt result: the expression, and whether it is a comparison chain still open to
/// extension (`a < b` followed by `<= c`), as opposed to one closed by parentheses.
type Built = Result<(Expr, bool), SyntaxError>;

pub(crate) fn build_expr(pair: Pair<'_, Rule>) -> Result<Expr, SyntaxError> {
    let span = Span::of(&pair);
    if pair.as_rule() != Rule::expr {
        return build_atom(pair);
    }
    let pairs = pair.into_inner();
    // Operators nest the AST one level each and every later stage walks it recursively.
    let ops = pairs.clone().filter(|p| p.as_rule() != Rule::term).count();
    if ops > MAX_OPS {
        return Err(SyntaxError::at(span, format!("expression has more than {MAX_OPS} operators")));
    }
    pratt()
        .map_primary(|p| build_term(p).map(|e| (e, false)))
        .map_prefix(|op, rhs: Built| {
            let (rhs, _) = rhs?;
            let s = Span::new(op.as_span().start(), rhs.span.end);
            Ok((Expr::new(ExprKind::Unary(UnaryOp::Not, Box::new(rhs)), s), false))
        })
        .map_postfix(|lhs: Built, op| {
            let (lhs, _) = lhs?;
            let s = Span::new(lhs.span.start, op.as_span().end());
            let negated = op.as_rule() == Rule::is_not_null;
            Ok((Expr::new(ExprKind::IsNull(Box::new(lhs), negated), s), false))
        })
        .map_infix(|lhs: Built, op, rhs: Built| {
            let (lhs, open) = lhs?;
            let (rhs, _) = rhs?;
            let s = Span::new(lhs.span.start, rhs.span.end);
            let comp = match op.as_rule() {
                Rule::eq_op => Some(CompOp::Eq),
                Rule::ne_op => Some(CompOp::Ne),
                Rule::lt_op => Some(CompOp::Lt),
                Rule::le_op => Some(CompOp::Le),
                Rule::gt_op => Some(CompOp::Gt),
                Rule::ge_op => Some(CompOp::Ge),
                Rule::regex_op => Some(CompOp::Regex),
                _ => None,
            };
            if let Some(c) = comp {
                return Ok(match lhs.kind {
                    ExprKind::Comparison(first, mut rest) if open => {
                        rest.push((c, rhs));
                        (Expr::new(ExprKind::Comparison(first, rest), s), true)
                    }
                    kind => {
                        let lhs = Expr::new(kind, lhs.span);
                        (Expr::new(ExprKind::Comparison(Box::new(lhs), vec![(c, rhs)]), s), true)
                    }
                });
            }
            let bin = match op.as_rule() {
                Rule::or_op => BinOp::Or,
                Rule::xor_op => BinOp::Xor,
                Rule::and_op => BinOp::And,
                Rule::in_op => BinOp::In,
                Rule::starts_with_op => BinOp::StartsWith,
                Rule::ends_with_op => BinOp::EndsWith,
                Rule::contains_op => BinOp::Contains,
                Rule::add_op => BinOp::Add,
                Rule::sub_op => BinOp::Sub,
                Rule::mul_op => BinOp::Mul,
                Rule::div_op => BinOp::Div,
                Rule::mod_op => BinOp::Mod,
                Rule::pow_op => BinOp::Pow,
                _ => return Err(internal(s, "operator")),
            };
            Ok((Expr::new(ExprKind::Binary(bin, Box::new(lhs), Box::new(rhs)), s), false))
        })
        .parse(pairs)
        .map(|(e, _)| e)
}

/// `-1`, `n.x[0]`, `-(a)`: unary signs, an atom and postfix operators.
fn build_term(pair: Pair<'_, Rule>) -> Result<Expr, SyntaxError> {
    let span = Span::of(&pair);
    let parts: Vec<Pair<'_, Rule>> = pair.into_inner().collect();
    if parts.len() > MAX_OPS {
        return Err(SyntaxError::at(span, format!("expression has more than {MAX_OPS} operators")));
    }
    let atom_at =
        parts.iter().position(|p| p.as_rule() != Rule::unary_op).ok_or_else(|| internal(span, "term"))?;
    let (signs, rest) = parts.split_at(atom_at);
    let (atom, postfixes) = rest.split_first().ok_or_else(|| internal(span, "term"))?;
    let mut signs: Vec<&Pair<'_, Rule>> = signs.iter().collect();
    // `-9223372036854775808` only fits as a negative literal, so a minus directly in front
    // of a bare number literal folds into it.
    let mut e = if postfixes.is_empty()
        && atom.as_rule() == Rule::number_literal
        && signs.last().is_some_and(|s| s.as_str() == "-")
    {
        let sign = signs.pop().ok_or_else(|| internal(span, "term"))?;
        let nspan = Span::new(sign.as_span().start(), atom.as_span().end());
        Expr::new(ExprKind::Literal(build_number(atom.clone(), true)?), nspan)
    } else {
        let start = atom.as_span().start();
        let mut e = build_atom(atom.clone())?;
        for p in postfixes {
            let pspan = Span::new(start, p.as_span().end());
            let p = p.clone();
            let kind = match p.as_rule() {
                Rule::property_lookup => {
                    let key = ident_of(&next(&mut p.into_inner(), pspan, "property")?)?;
                    ExprKind::Property(Box::new(e), key)
                }
                Rule::node_labels => ExprKind::HasLabels(Box::new(e), build_labels(p)?),
                Rule::index_or_slice => {
                    let mut from = None;
                    let mut to = None;
                    let mut dots = false;
                    for s in p.into_inner() {
                        if s.as_rule() == Rule::slice_dots {
                            dots = true;
                            continue;
                        }
                        let inner = next(&mut s.clone().into_inner(), pspan, "slice")?;
                        let x = Some(Box::new(build_expr(inner)?));
                        if s.as_rule() == Rule::slice_from {
                            from = x;
                        } else {
                            to = x;
                        }
                    }
                    match (dots, from) {
                        (false, Some(i)) => ExprKind::Index(Box::new(e), i),
                        (false, None) => return Err(internal(pspan, "index")),
                        (true, from) => ExprKind::Slice(Box::new(e), from, to),
                    }
                }
                _ => return Err(internal(pspan, "postfix")),
            };
            e = Expr::new(kind, pspan);
        }
        e
    };
    for sign in signs.into_iter().rev() {
        let o = if sign.as_str() == "-" { UnaryOp::Neg } else { UnaryOp::Plus };
        e = Expr::new(ExprKind::Unary(o, Box::new(e)), Span::new(sign.as_span().start(), span.end));
    }
    Ok(e)
}

fn build_number(pair: Pair<'_, Rule>, negative: bool) -> Result<Literal, SyntaxError> {
    let span = Span::of(&pair);
    let inner = next(&mut pair.into_inner(), span, "number")?;
    let raw = inner.as_str();
    match inner.as_rule() {
        Rule::float_literal => {
            let x: f64 = raw.parse().map_err(|_| SyntaxError::at(span, format!("invalid number {raw}")))?;
            if !x.is_finite() {
                return Err(SyntaxError::at(span, format!("floating point number {raw} is too large"))
                    .with_kind(crate::syntax::SyntaxErrorKind::FloatTooLarge));
            }
            Ok(Literal::Float(if negative { -x } else { x }))
        }
        _ => Ok(Literal::Int(parse_int(raw, negative, span)?)),
    }
}

fn build_atom(pair: Pair<'_, Rule>) -> Result<Expr, SyntaxError> {
    let span = Span::of(&pair);
    let kind = match pair.as_rule() {
        Rule::number_literal => ExprKind::Literal(build_number(pair, false)?),
        Rule::uncertain_literal => {
            let number = |num: Literal| match num {
                Literal::Int(i) => Ok(Number::Int(i)),
                Literal::Float(f) => Ok(Number::Float(f)),
                _ => Err(internal(span, "uncertain number")),
            };
            let mut inner = pair.into_inner();
            let low = number(build_number(next(&mut inner, span, "number")?, false)?)?;
            let value = match inner.next() {
                None => Uncertain::Approx(low),
                Some(high) => {
                    let high = number(build_number(high, false)?)?;
                    // The declarations refuse a reversed range for the same reason: it
                    // names no number.
                    if high.as_f64() < low.as_f64() {
                        return Err(SyntaxError::at(span, format!("range ~{low}..{high} runs backwards")));
                    }
                    Uncertain::ApproxBetween(low, high)
                }
            };
            ExprKind::Literal(Literal::Uncertain(value))
        }
        Rule::date_literal => {
            ExprKind::Literal(Literal::Temporal(crate::syntax::decl::build_time_value(pair)?))
        }
        Rule::string_lit => ExprKind::Literal(Literal::String(unescape(pair.as_str().trim(), span)?)),
        Rule::true_lit => ExprKind::Literal(Literal::Bool(true)),
        Rule::false_lit => ExprKind::Literal(Literal::Bool(false)),
        Rule::null_lit => ExprKind::Literal(Literal::Null),
        Rule::list_literal => ExprKind::List(pair.into_inner().map(build_expr).collect::<Result<_, _>>()?),
        Rule::map_literal => {
            let mut entries = Vec::new();
            for e in pair.into_inner() {
                let espan = Span::of(&e);
                let mut it = e.into_inner();
                let key = ident_of(&next(&mut it, espan, "map entry")?)?;
                let value = build_expr(next(&mut it, espan, "map entry")?)?;
                entries.push((key, value));
            }
            ExprKind::Map(entries)
        }
        Rule::parameter => {
            let p = next(&mut pair.into_inner(), span, "parameter")?;
            ExprKind::Param(if p.as_rule() == Rule::ident { ident_text(&p) } else { p.as_str().to_string() })
        }
        Rule::case_expr => {
            let mut input = None;
            let mut whens = Vec::new();
            let mut else_ = None;
            for p in pair.into_inner() {
                match p.as_rule() {
                    Rule::case_input => input = Some(Box::new(build_where(p)?)),
                    Rule::case_when => {
                        let wspan = Span::of(&p);
                        let mut it = p.into_inner().filter(|x| x.as_rule() == Rule::expr);
                        let w = build_expr(next_filtered(&mut it, wspan)?)?;
                        let t = build_expr(next_filtered(&mut it, wspan)?)?;
                        whens.push((w, t));
                    }
                    Rule::case_else => else_ = Some(Box::new(build_where(p)?)),
                    _ => {}
                }
            }
            ExprKind::Case { input, whens, else_ }
        }
        Rule::count_star => ExprKind::CountStar,
        Rule::reduce_expr => {
            let parts: Vec<_> =
                pair.into_inner().filter(|p| matches!(p.as_rule(), Rule::variable | Rule::expr)).collect();
            let [acc, init, var, list, expr] =
                <[_; 5]>::try_from(parts).map_err(|_| internal(span, "reduce"))?;
            ExprKind::Reduce {
                acc: ident_of(&acc)?,
                init: Box::new(build_expr(init)?),
                var: ident_of(&var)?,
                list: Box::new(build_expr(list)?),
                expr: Box::new(build_expr(expr)?),
            }
        }
        Rule::list_comprehension => {
            let mut it = pair.into_inner();
            let (var, list, filter) = build_filter(next(&mut it, span, "list comprehension")?)?;
            let map = it.next().map(build_expr).transpose()?.map(Box::new);
            ExprKind::ListComprehension { var, list, filter, map }
        }
        Rule::pattern_comprehension => {
            let mut path_var = None;
            let mut pattern = None;
            let mut filter = None;
            let mut map = None;
            for p in pair.into_inner() {
                match p.as_rule() {
                    Rule::variable => path_var = Some(ident_of(&p)?),
                    Rule::pattern_predicate => pattern = Some(Box::new(build_element(p)?)),
                    Rule::where_clause => filter = Some(Box::new(build_where(p)?)),
                    _ => map = Some(Box::new(build_expr(p)?)),
                }
            }
            let pattern = pattern.ok_or_else(|| internal(span, "pattern comprehension"))?;
            let map = map.ok_or_else(|| internal(span, "pattern comprehension"))?;
            ExprKind::PatternComprehension { path_var, pattern, filter, map }
        }
        Rule::quantifier => {
            let mut it = pair.into_inner();
            let kw = next(&mut it, span, "quantifier")?.as_str().to_ascii_lowercase();
            let kind = match kw.as_str() {
                "all" => QuantKind::All,
                "any" => QuantKind::Any,
                "none" => QuantKind::None,
                _ => QuantKind::Single,
            };
            let (var, list, filter) = build_filter(next(&mut it, span, "quantifier")?)?;
            ExprKind::Quantifier { kind, var, list, filter }
        }
        Rule::exists_subquery => {
            let mut it = pair.into_inner().filter(|p| !is_keyword(p.as_rule()));
            let first = next_filtered(&mut it, span)?;
            let body = if first.as_rule() == Rule::single_query {
                ExistsBody::Query(build_single(first)?)
            } else {
                let pattern = build_pattern(first)?;
                ExistsBody::Pattern(pattern, it.next().map(build_where).transpose()?)
            };
            ExprKind::Exists(Box::new(body))
        }
        Rule::shortest_path_expr => {
            let sp = next(&mut pair.into_inner(), span, "shortestPath")?;
            let sspan = Span::of(&sp);
            let (kind, element) = build_shortest(sp)?;
            ExprKind::ShortestPath(Box::new(PatternPart {
                var: None,
                shortest: Some(kind),
                element,
                span: sspan,
            }))
        }
        Rule::pattern_predicate => ExprKind::Pattern(Box::new(build_element(pair)?)),
        Rule::function_call => {
            let mut name = String::new();
            let mut distinct = false;
            let mut args = Vec::new();
            for p in pair.into_inner() {
                match p.as_rule() {
                    Rule::function_name => name = dotted_name(&p),
                    Rule::distinct_kw => distinct = true,
                    _ => args.push(build_expr(p)?),
                }
            }
            ExprKind::Call { name, distinct, args }
        }
        Rule::paren_expr => return build_expr(next(&mut pair.into_inner(), span, "parenthesis")?),
        Rule::variable => ExprKind::Var(ident_of(&pair)?),
        Rule::expr => return build_expr(pair),
        _ => return Err(internal(span, "expression")),
    };
    Ok(Expr::new(kind, span))
}

type Filter = (String, Box<Expr>, Option<Box<Expr>>);

fn build_filter(pair: Pair<'_, Rule>) -> Result<Filter, SyntaxError> {
    let span = Span::of(&pair);
    let mut it = pair.into_inner().filter(|p| !is_keyword(p.as_rule()));
    let var = ident_of(&next_filtered(&mut it, span)?)?;
    let list = Box::new(build_expr(next_filtered(&mut it, span)?)?);
    let filter = it.next().map(build_where).transpose()?.map(Box::new);
    Ok((var, list, filter))
}
