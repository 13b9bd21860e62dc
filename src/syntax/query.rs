//! The query AST: built from the pest pairs of `grammar/query.pest`, printed back as
//! canonical query text by `Display`.
//!
//! Every clause and expression carries the [`Span`] it was parsed from, so later stages can
//! point at the offending text and so unaliased projections get their column name from the
//! original text (openCypher names a column `n.name` exactly as written). Parentheses leave
//! no trace in the AST; the printer adds back only those that precedence requires, so
//! parse → print → parse yields the same AST (spans aside).

use std::fmt::{self, Write as _};

use std::sync::OnceLock;

use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::{ident_text, parse_int, unescape, Rule, Span, SyntaxError};
use crate::model::value::{write_float, write_string_literal};
use crate::model::{Number, Uncertain};

/// Deepest bracket nesting accepted before parsing: pest recurses per bracket level (through
/// every precedence layer), so very deep input would overflow the stack.
pub(crate) const MAX_NESTING: usize = 64;
/// Most operators in one expression (between brackets): the AST nests up to one level per
/// operator and every later stage walks it recursively.
const MAX_OPS: usize = 1000;

// ============================================================================
// AST
// ============================================================================

/// A statement: one or more single queries joined by UNION [ALL].
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub first: SingleQuery,
    /// `(all, query)` for each `UNION [ALL] query`.
    pub unions: Vec<(bool, SingleQuery)>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SingleQuery {
    pub clauses: Vec<Clause>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub kind: ClauseKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ClauseKind {
    Match { optional: bool, pattern: Pattern, where_: Option<Expr> },
    Unwind { expr: Expr, var: String },
    With { proj: Projection, where_: Option<Expr> },
    Return { proj: Projection },
    Create { pattern: Pattern },
    Merge { part: PatternPart, actions: Vec<MergeAction> },
    Set { items: Vec<SetItem> },
    Remove { items: Vec<RemoveItem> },
    Delete { detach: bool, exprs: Vec<Expr> },
    Call { name: String, args: Option<Vec<Expr>>, yields: Option<YieldSpec> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    pub distinct: bool,
    /// `*`: every variable in scope (then `items` are extra columns).
    pub star: bool,
    pub items: Vec<ProjItem>,
    pub order: Vec<SortItem>,
    pub skip: Option<Expr>,
    pub limit: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProjItem {
    pub expr: Expr,
    pub alias: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SortItem {
    pub expr: Expr,
    pub descending: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MergeAction {
    /// `ON CREATE` (else `ON MATCH`).
    pub on_create: bool,
    pub items: Vec<SetItem>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SetItem {
    /// `a.b = e`; `target` is a property-lookup expression.
    Property {
        target: Expr,
        value: Expr,
    },
    /// `n += {map}`.
    Merge {
        var: String,
        value: Expr,
        span: Span,
    },
    /// `n = {map}`.
    Replace {
        var: String,
        value: Expr,
        span: Span,
    },
    Labels {
        var: String,
        labels: Vec<String>,
        span: Span,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum RemoveItem {
    Labels { var: String, labels: Vec<String>, span: Span },
    Property(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub struct YieldSpec {
    pub star: bool,
    /// `(field, alias)`.
    pub items: Vec<(String, Option<String>)>,
    pub where_: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub parts: Vec<PatternPart>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShortestKind {
    Shortest,
    All,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PatternPart {
    /// `p = ...`.
    pub var: Option<String>,
    pub shortest: Option<ShortestKind>,
    pub element: PatternElement,
    pub span: Span,
}

/// `(a)-[r]->(b)<-[s]-(c)`: a start node and (relationship, node) hops.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternElement {
    pub start: NodePattern,
    pub chain: Vec<(RelPattern, NodePattern)>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodePattern {
    pub var: Option<String>,
    pub labels: Vec<String>,
    /// A map literal or a parameter.
    pub props: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelDirection {
    /// `-->`
    Right,
    /// `<--`
    Left,
    /// `--` (and `<-->`)
    Both,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RelPattern {
    pub var: Option<String>,
    pub types: Vec<String>,
    /// `*`, `*2`, `*1..3`, `*..3`, `*1..`: `Some((min, max))`; `*2` is `(Some(2), Some(2))`.
    pub range: Option<(Option<u64>, Option<u64>)>,
    pub props: Option<Expr>,
    pub direction: RelDirection,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    /// `~100` (claimgraph extension).
    Uncertain(Uncertain),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
    Plus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Or,
    Xor,
    And,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    In,
    StartsWith,
    EndsWith,
    Contains,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Regex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantKind {
    All,
    Any,
    None,
    Single,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExistsBody {
    Query(SingleQuery),
    Pattern(Pattern, Option<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Literal(Literal),
    Param(String),
    Var(String),
    List(Vec<Expr>),
    Map(Vec<(String, Expr)>),
    Property(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
    Slice(Box<Expr>, Option<Box<Expr>>, Option<Box<Expr>>),
    HasLabels(Box<Expr>, Vec<String>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `a < b <= c`: the first operand and each (operator, operand) after it.
    Comparison(Box<Expr>, Vec<(CompOp, Expr)>),
    /// `e IS NULL` (`negated`: `IS NOT NULL`).
    IsNull(Box<Expr>, bool),
    Case {
        input: Option<Box<Expr>>,
        whens: Vec<(Expr, Expr)>,
        else_: Option<Box<Expr>>,
    },
    CountStar,
    Call {
        name: String,
        distinct: bool,
        args: Vec<Expr>,
    },
    ListComprehension {
        var: String,
        list: Box<Expr>,
        filter: Option<Box<Expr>>,
        map: Option<Box<Expr>>,
    },
    PatternComprehension {
        path_var: Option<String>,
        pattern: Box<PatternElement>,
        filter: Option<Box<Expr>>,
        map: Box<Expr>,
    },
    Quantifier {
        kind: QuantKind,
        var: String,
        list: Box<Expr>,
        filter: Option<Box<Expr>>,
    },
    Pattern(Box<PatternElement>),
    Exists(Box<ExistsBody>),
    ShortestPath(Box<PatternPart>),
}

impl Expr {
    fn new(kind: ExprKind, span: Span) -> Self {
        Expr { kind, span }
    }
}

// ============================================================================
// Walkers
// ============================================================================

/// Pushes the direct sub-expressions of an expression kind onto `$out`: one list of cases
/// for [`Expr::children`] (by reference) and [`Expr::children_mut`] (by mutable reference).
macro_rules! push_children {
    ($kind:expr, $out:ident) => {
        match $kind {
            ExprKind::Literal(_) | ExprKind::Param(_) | ExprKind::Var(_) | ExprKind::CountStar => {}
            ExprKind::List(items) | ExprKind::Call { args: items, .. } => $out.extend(items),
            ExprKind::Map(entries) => $out.extend(entries.into_iter().map(|(_, x)| x)),
            ExprKind::Property(b, _)
            | ExprKind::HasLabels(b, _)
            | ExprKind::Unary(_, b)
            | ExprKind::IsNull(b, _) => $out.push(b),
            ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
                $out.push(a);
                $out.push(b);
            }
            ExprKind::Slice(a, from, to) => {
                $out.push(a);
                if let Some(x) = from {
                    $out.push(x);
                }
                if let Some(x) = to {
                    $out.push(x);
                }
            }
            ExprKind::Comparison(first, rest) => {
                $out.push(first);
                $out.extend(rest.into_iter().map(|(_, x)| x));
            }
            ExprKind::Case { input, whens, else_ } => {
                if let Some(x) = input {
                    $out.push(x);
                }
                for (w, t) in whens {
                    $out.push(w);
                    $out.push(t);
                }
                if let Some(x) = else_ {
                    $out.push(x);
                }
            }
            ExprKind::ListComprehension { list, filter, map, .. } => {
                $out.push(list);
                if let Some(x) = filter {
                    $out.push(x);
                }
                if let Some(x) = map {
                    $out.push(x);
                }
            }
            ExprKind::Quantifier { list, filter, .. } => {
                $out.push(list);
                if let Some(x) = filter {
                    $out.push(x);
                }
            }
            ExprKind::PatternComprehension { filter, map, .. } => {
                if let Some(x) = filter {
                    $out.push(x);
                }
                $out.push(map);
            }
            ExprKind::Pattern(_) | ExprKind::Exists(_) | ExprKind::ShortestPath(_) => {}
        }
    };
}

impl Expr {
    /// The direct sub-expressions, not those inside patterns and subqueries (which have
    /// scopes of their own).
    pub fn children(&self) -> Vec<&Expr> {
        let mut out: Vec<&Expr> = Vec::new();
        push_children!(&self.kind, out);
        out
    }

    /// [`Expr::children`], mutably.
    pub fn children_mut(&mut self) -> Vec<&mut Expr> {
        let mut out: Vec<&mut Expr> = Vec::new();
        push_children!(&mut self.kind, out);
        out
    }

    /// Calls `f` on this expression and every expression inside it, outer before inner,
    /// including those in patterns and subqueries.
    pub fn walk(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        for c in self.children() {
            c.walk(f);
        }
        match &self.kind {
            ExprKind::Pattern(el) | ExprKind::PatternComprehension { pattern: el, .. } => el.walk_exprs(f),
            ExprKind::ShortestPath(part) => part.element.walk_exprs(f),
            ExprKind::Exists(body) => match body.as_ref() {
                ExistsBody::Query(q) => q.walk_exprs(f),
                ExistsBody::Pattern(p, w) => {
                    p.parts.iter().for_each(|part| part.element.walk_exprs(f));
                    w.iter().for_each(|w| w.walk(f));
                }
            },
            _ => {}
        }
    }
}

impl Query {
    /// Calls `f` on every expression of the statement (see [`Expr::walk`]).
    pub fn walk_exprs(&self, f: &mut dyn FnMut(&Expr)) {
        self.first.walk_exprs(f);
        for (_, q) in &self.unions {
            q.walk_exprs(f);
        }
    }
}

impl SingleQuery {
    /// Calls `f` on every expression of the query, clause by clause (see [`Expr::walk`]).
    pub fn walk_exprs(&self, f: &mut dyn FnMut(&Expr)) {
        for c in &self.clauses {
            c.walk_exprs(f);
        }
    }
}

impl Clause {
    fn walk_exprs(&self, f: &mut dyn FnMut(&Expr)) {
        let set_items = |items: &[SetItem], f: &mut dyn FnMut(&Expr)| {
            for item in items {
                match item {
                    SetItem::Property { target, value } => {
                        target.walk(f);
                        value.walk(f);
                    }
                    SetItem::Merge { value, .. } | SetItem::Replace { value, .. } => value.walk(f),
                    SetItem::Labels { .. } => {}
                }
            }
        };
        match &self.kind {
            ClauseKind::Match { pattern, where_, .. } => {
                pattern.parts.iter().for_each(|p| p.element.walk_exprs(f));
                where_.iter().for_each(|w| w.walk(f));
            }
            ClauseKind::Unwind { expr, .. } => expr.walk(f),
            ClauseKind::With { proj, where_ } => {
                proj.walk_exprs(f);
                where_.iter().for_each(|w| w.walk(f));
            }
            ClauseKind::Return { proj } => proj.walk_exprs(f),
            ClauseKind::Create { pattern } => pattern.parts.iter().for_each(|p| p.element.walk_exprs(f)),
            ClauseKind::Merge { part, actions } => {
                part.element.walk_exprs(f);
                actions.iter().for_each(|a| set_items(&a.items, f));
            }
            ClauseKind::Set { items } => set_items(items, f),
            ClauseKind::Remove { items } => {
                for item in items {
                    if let RemoveItem::Property(e) = item {
                        e.walk(f);
                    }
                }
            }
            ClauseKind::Delete { exprs, .. } => exprs.iter().for_each(|e| e.walk(f)),
            ClauseKind::Call { args, yields, .. } => {
                args.iter().flatten().for_each(|e| e.walk(f));
                yields.iter().filter_map(|y| y.where_.as_ref()).for_each(|w| w.walk(f));
            }
        }
    }
}

impl Projection {
    fn walk_exprs(&self, f: &mut dyn FnMut(&Expr)) {
        self.items.iter().for_each(|i| i.expr.walk(f));
        self.order.iter().for_each(|s| s.expr.walk(f));
        self.skip.iter().chain(&self.limit).for_each(|e| e.walk(f));
    }
}

impl PatternElement {
    /// The property maps of its nodes and relationships, in order.
    pub fn property_maps(&self) -> impl Iterator<Item = &Expr> {
        std::iter::once(&self.start.props)
            .chain(self.chain.iter().flat_map(|(r, n)| [&r.props, &n.props]))
            .flatten()
    }

    fn walk_exprs(&self, f: &mut dyn FnMut(&Expr)) {
        self.property_maps().for_each(|m| m.walk(f));
    }
}

/// Variables a pattern binds, in order: each part's path, nodes and relationships.
pub fn pattern_vars(parts: &[PatternPart]) -> Vec<String> {
    let mut out = Vec::new();
    for p in parts {
        out.extend(p.var.clone());
        out.extend(p.element.start.var.clone());
        for (r, n) in &p.element.chain {
            out.extend(r.var.clone());
            out.extend(n.var.clone());
        }
    }
    out
}

// ============================================================================
// Pre-parse guard
// ============================================================================

/// Rejects input nested deeper than [`MAX_NESTING`] brackets before pest sees it. Brackets
/// inside string literals, quoted identifiers and comments do not count.
pub(crate) fn check_nesting(text: &str) -> Result<(), SyntaxError> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\'' | b'"' | b'`' => {
                i += 1;
                while i < bytes.len() && bytes[i] != c {
                    if bytes[i] == b'\\' && c != b'`' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(SyntaxError::at(
                        Span::new(i, i + 1),
                        format!("brackets nested more than {MAX_NESTING} deep"),
                    ));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

// ============================================================================
// Builder: pest pairs → AST
// ============================================================================

fn internal(span: Span, what: &str) -> SyntaxError {
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
                Rule::index => {
                    let i = build_expr(next(&mut p.into_inner(), pspan, "index")?)?;
                    ExprKind::Index(Box::new(e), Box::new(i))
                }
                Rule::slice => {
                    let mut from = None;
                    let mut to = None;
                    for s in p.into_inner() {
                        let inner = next(&mut s.clone().into_inner(), pspan, "slice")?;
                        let x = Some(Box::new(build_expr(inner)?));
                        if s.as_rule() == Rule::slice_from {
                            from = x;
                        } else {
                            to = x;
                        }
                    }
                    ExprKind::Slice(Box::new(e), from, to)
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
                    .with_kind(super::SyntaxErrorKind::FloatTooLarge));
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
            let num = build_number(next(&mut pair.into_inner(), span, "number")?, false)?;
            let n = match num {
                Literal::Int(i) => Number::Int(i),
                Literal::Float(f) => Number::Float(f),
                _ => return Err(internal(span, "uncertain number")),
            };
            ExprKind::Literal(Literal::Uncertain(Uncertain::Approx(n)))
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

// ============================================================================
// Printer: canonical query text
// ============================================================================

/// Words a variable may not be spelled as without backticks (mirrors `reserved` in
/// `grammar/query.pest`).
const RESERVED: &[&str] = &[
    "match",
    "optional",
    "where",
    "return",
    "distinct",
    "as",
    "with",
    "unwind",
    "order",
    "by",
    "ascending",
    "asc",
    "descending",
    "desc",
    "skip",
    "limit",
    "union",
    "create",
    "merge",
    "on",
    "set",
    "remove",
    "delete",
    "detach",
    "and",
    "or",
    "xor",
    "not",
    "is",
    "null",
    "true",
    "false",
    "starts",
    "ends",
    "contains",
    "in",
    "case",
    "when",
    "then",
    "else",
    "end",
    "call",
    "yield",
];

fn is_plain(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A name (label, type, key): bare when plain, else backticked.
struct Name<'a>(&'a str);

impl fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_plain(self.0) {
            f.write_str(self.0)
        } else {
            write!(f, "`{}`", self.0.replace('`', "``"))
        }
    }
}

/// A variable: also backticked when it is a reserved word.
struct Var<'a>(&'a str);

impl fmt::Display for Var<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_plain(self.0) && !RESERVED.contains(&self.0.to_ascii_lowercase().as_str()) {
            f.write_str(self.0)
        } else {
            write!(f, "`{}`", self.0.replace('`', "``"))
        }
    }
}

fn comma_list<T>(
    f: &mut fmt::Formatter<'_>,
    items: &[T],
    mut each: impl FnMut(&mut fmt::Formatter<'_>, &T) -> fmt::Result,
) -> fmt::Result {
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        each(f, x)?;
    }
    Ok(())
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.first)?;
        for (all, q) in &self.unions {
            write!(f, " UNION {}{q}", if *all { "ALL " } else { "" })?;
        }
        Ok(())
    }
}

impl fmt::Display for SingleQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.clauses.iter().enumerate() {
            if i > 0 {
                f.write_char(' ')?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Clause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ClauseKind::Match { optional, pattern, where_ } => {
                write!(f, "{}MATCH {pattern}", if *optional { "OPTIONAL " } else { "" })?;
                if let Some(w) = where_ {
                    write!(f, " WHERE {w}")?;
                }
                Ok(())
            }
            ClauseKind::Unwind { expr, var } => write!(f, "UNWIND {expr} AS {}", Var(var)),
            ClauseKind::With { proj, where_ } => {
                write!(f, "WITH {proj}")?;
                if let Some(w) = where_ {
                    write!(f, " WHERE {w}")?;
                }
                Ok(())
            }
            ClauseKind::Return { proj } => write!(f, "RETURN {proj}"),
            ClauseKind::Create { pattern } => write!(f, "CREATE {pattern}"),
            ClauseKind::Merge { part, actions } => {
                write!(f, "MERGE {part}")?;
                for a in actions {
                    write!(f, " ON {} SET ", if a.on_create { "CREATE" } else { "MATCH" })?;
                    comma_list(f, &a.items, |f, i| write!(f, "{i}"))?;
                }
                Ok(())
            }
            ClauseKind::Set { items } => {
                f.write_str("SET ")?;
                comma_list(f, items, |f, i| write!(f, "{i}"))
            }
            ClauseKind::Remove { items } => {
                f.write_str("REMOVE ")?;
                comma_list(f, items, |f, i| match i {
                    RemoveItem::Labels { var, labels, .. } => {
                        write!(f, "{}", Var(var))?;
                        labels.iter().try_for_each(|l| write!(f, ":{}", Name(l)))
                    }
                    RemoveItem::Property(e) => write!(f, "{e}"),
                })
            }
            ClauseKind::Delete { detach, exprs } => {
                write!(f, "{}DELETE ", if *detach { "DETACH " } else { "" })?;
                comma_list(f, exprs, |f, e| write!(f, "{e}"))
            }
            ClauseKind::Call { name, args, yields } => {
                f.write_str("CALL ")?;
                write_dotted(f, name)?;
                if let Some(args) = args {
                    f.write_char('(')?;
                    comma_list(f, args, |f, e| write!(f, "{e}"))?;
                    f.write_char(')')?;
                }
                if let Some(y) = yields {
                    f.write_str(" YIELD ")?;
                    if y.star {
                        f.write_char('*')?;
                    } else {
                        comma_list(f, &y.items, |f, (field, alias)| {
                            write!(f, "{}", Var(field))?;
                            match alias {
                                Some(a) => write!(f, " AS {}", Var(a)),
                                None => Ok(()),
                            }
                        })?;
                    }
                    if let Some(w) = &y.where_ {
                        write!(f, " WHERE {w}")?;
                    }
                }
                Ok(())
            }
        }
    }
}

fn write_dotted(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    for (i, part) in name.split('.').enumerate() {
        if i > 0 {
            f.write_char('.')?;
        }
        write!(f, "{}", Name(part))?;
    }
    Ok(())
}

impl fmt::Display for SetItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetItem::Property { target, value } => write!(f, "{target} = {value}"),
            SetItem::Merge { var, value, .. } => write!(f, "{} += {value}", Var(var)),
            SetItem::Replace { var, value, .. } => write!(f, "{} = {value}", Var(var)),
            SetItem::Labels { var, labels, .. } => {
                write!(f, "{}", Var(var))?;
                labels.iter().try_for_each(|l| write!(f, ":{}", Name(l)))
            }
        }
    }
}

impl fmt::Display for Projection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.distinct {
            f.write_str("DISTINCT ")?;
        }
        if self.star {
            f.write_char('*')?;
            if !self.items.is_empty() {
                f.write_str(", ")?;
            }
        }
        comma_list(f, &self.items, |f, i| {
            write!(f, "{}", i.expr)?;
            match &i.alias {
                Some(a) => write!(f, " AS {}", Var(a)),
                None => Ok(()),
            }
        })?;
        if !self.order.is_empty() {
            f.write_str(" ORDER BY ")?;
            comma_list(f, &self.order, |f, s| {
                write!(f, "{}{}", s.expr, if s.descending { " DESC" } else { "" })
            })?;
        }
        if let Some(s) = &self.skip {
            write!(f, " SKIP {s}")?;
        }
        if let Some(l) = &self.limit {
            write!(f, " LIMIT {l}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        comma_list(f, &self.parts, |f, p| write!(f, "{p}"))
    }
}

impl fmt::Display for PatternPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(v) = &self.var {
            write!(f, "{} = ", Var(v))?;
        }
        match self.shortest {
            Some(ShortestKind::Shortest) => write!(f, "shortestPath({})", self.element),
            Some(ShortestKind::All) => write!(f, "allShortestPaths({})", self.element),
            None => write!(f, "{}", self.element),
        }
    }
}

impl fmt::Display for PatternElement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.start)?;
        for (r, n) in &self.chain {
            write!(f, "{r}{n}")?;
        }
        Ok(())
    }
}

impl fmt::Display for NodePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('(')?;
        if let Some(v) = &self.var {
            write!(f, "{}", Var(v))?;
        }
        for l in &self.labels {
            write!(f, ":{}", Name(l))?;
        }
        if let Some(p) = &self.props {
            if self.var.is_some() || !self.labels.is_empty() {
                f.write_char(' ')?;
            }
            write!(f, "{p}")?;
        }
        f.write_char(')')
    }
}

impl fmt::Display for RelPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.direction == RelDirection::Left { "<-" } else { "-" })?;
        let detail =
            self.var.is_some() || !self.types.is_empty() || self.range.is_some() || self.props.is_some();
        if detail {
            f.write_char('[')?;
            if let Some(v) = &self.var {
                write!(f, "{}", Var(v))?;
            }
            for (i, t) in self.types.iter().enumerate() {
                write!(f, "{}{}", if i == 0 { ":" } else { "|" }, Name(t))?;
            }
            if let Some((lo, hi)) = self.range {
                f.write_char('*')?;
                match (lo, hi) {
                    (None, None) => {}
                    (Some(l), None) => write!(f, "{l}..")?,
                    (None, Some(h)) => write!(f, "..{h}")?,
                    (Some(l), Some(h)) => write!(f, "{l}..{h}")?,
                }
            }
            if let Some(p) = &self.props {
                if self.var.is_some() || !self.types.is_empty() || self.range.is_some() {
                    f.write_char(' ')?;
                }
                write!(f, "{p}")?;
            }
            f.write_char(']')?;
        }
        f.write_str(if self.direction == RelDirection::Right { "->" } else { "-" })
    }
}

/// Binding strength, higher binds tighter (mirrors the layers of `grammar/query.pest`).
fn precedence(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary(op, ..) => match op {
            BinOp::Or => 1,
            BinOp::Xor => 2,
            BinOp::And => 3,
            BinOp::In | BinOp::StartsWith | BinOp::EndsWith | BinOp::Contains => 6,
            BinOp::Add | BinOp::Sub => 7,
            BinOp::Mul | BinOp::Div | BinOp::Mod => 8,
            BinOp::Pow => 9,
        },
        ExprKind::Unary(UnaryOp::Not, _) => 4,
        ExprKind::Comparison(..) => 5,
        ExprKind::IsNull(..) => 6,
        ExprKind::Unary(..) => 10,
        // A negative literal prints with its sign, like a unary minus.
        ExprKind::Literal(Literal::Int(i)) if *i < 0 => 10,
        ExprKind::Literal(Literal::Float(x)) if x.is_sign_negative() => 10,
        _ => 11,
    }
}

/// Writes `e`, parenthesised when it binds looser than `min`.
fn write_operand(f: &mut fmt::Formatter<'_>, e: &Expr, min: u8) -> fmt::Result {
    if precedence(e) < min {
        write!(f, "({e})")
    } else {
        write!(f, "{e}")
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("null"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Int(i) => write!(f, "{i}"),
            Literal::Float(x) => write_float(f, *x),
            Literal::String(s) => write_string_literal(f, s),
            Literal::Uncertain(u) => write!(f, "{u}"),
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Literal(l) => write!(f, "{l}"),
            ExprKind::Param(p) => {
                if p.chars().all(|c| c.is_ascii_digit()) {
                    write!(f, "${p}")
                } else {
                    write!(f, "${}", Name(p))
                }
            }
            ExprKind::Var(v) => write!(f, "{}", Var(v)),
            ExprKind::List(items) => {
                f.write_char('[')?;
                comma_list(f, items, |f, e| write!(f, "{e}"))?;
                f.write_char(']')
            }
            ExprKind::Map(entries) => {
                f.write_char('{')?;
                comma_list(f, entries, |f, (k, v)| write!(f, "{}: {v}", Name(k)))?;
                f.write_char('}')
            }
            ExprKind::Property(base, key) => {
                write_operand(f, base, 11)?;
                write!(f, ".{}", Name(key))
            }
            ExprKind::Index(base, i) => {
                write_operand(f, base, 11)?;
                write!(f, "[{i}]")
            }
            ExprKind::Slice(base, from, to) => {
                write_operand(f, base, 11)?;
                f.write_char('[')?;
                if let Some(x) = from {
                    write!(f, "{x}")?;
                }
                f.write_str("..")?;
                if let Some(x) = to {
                    write!(f, "{x}")?;
                }
                f.write_char(']')
            }
            ExprKind::HasLabels(base, labels) => {
                write_operand(f, base, 11)?;
                labels.iter().try_for_each(|l| write!(f, ":{}", Name(l)))
            }
            ExprKind::Unary(op, e) => match op {
                UnaryOp::Not => {
                    f.write_str("NOT ")?;
                    write_operand(f, e, 4)
                }
                UnaryOp::Neg | UnaryOp::Plus => {
                    f.write_str(if *op == UnaryOp::Neg { "-" } else { "+" })?;
                    // A space keeps `- -1` from reading as a comment or a decrement.
                    if precedence(e) == 10 {
                        f.write_char(' ')?;
                    }
                    write_operand(f, e, 10)
                }
            },
            ExprKind::Binary(op, l, r) => {
                let p = precedence(self);
                let word = match op {
                    BinOp::Or => "OR",
                    BinOp::Xor => "XOR",
                    BinOp::And => "AND",
                    BinOp::Add => "+",
                    BinOp::Sub => "-",
                    BinOp::Mul => "*",
                    BinOp::Div => "/",
                    BinOp::Mod => "%",
                    BinOp::Pow => "^",
                    BinOp::In => "IN",
                    BinOp::StartsWith => "STARTS WITH",
                    BinOp::EndsWith => "ENDS WITH",
                    BinOp::Contains => "CONTAINS",
                };
                // Predicates take an additive right operand; the rest are left-associative.
                let right_min = if p == 6 { 7 } else { p + 1 };
                write_operand(f, l, p)?;
                write!(f, " {word} ")?;
                write_operand(f, r, right_min)
            }
            ExprKind::Comparison(first, rest) => {
                write_operand(f, first, 6)?;
                for (op, e) in rest {
                    let word = match op {
                        CompOp::Eq => "=",
                        CompOp::Ne => "<>",
                        CompOp::Lt => "<",
                        CompOp::Le => "<=",
                        CompOp::Gt => ">",
                        CompOp::Ge => ">=",
                        CompOp::Regex => "=~",
                    };
                    write!(f, " {word} ")?;
                    write_operand(f, e, 6)?;
                }
                Ok(())
            }
            ExprKind::IsNull(e, negated) => {
                write_operand(f, e, 6)?;
                f.write_str(if *negated { " IS NOT NULL" } else { " IS NULL" })
            }
            ExprKind::Case { input, whens, else_ } => {
                f.write_str("CASE")?;
                if let Some(i) = input {
                    write!(f, " {i}")?;
                }
                for (w, t) in whens {
                    write!(f, " WHEN {w} THEN {t}")?;
                }
                if let Some(e) = else_ {
                    write!(f, " ELSE {e}")?;
                }
                f.write_str(" END")
            }
            ExprKind::CountStar => f.write_str("count(*)"),
            ExprKind::Call { name, distinct, args } => {
                write_dotted(f, name)?;
                f.write_char('(')?;
                if *distinct {
                    f.write_str("DISTINCT ")?;
                }
                comma_list(f, args, |f, e| write!(f, "{e}"))?;
                f.write_char(')')
            }
            ExprKind::ListComprehension { var, list, filter, map } => {
                write!(f, "[{} IN {list}", Var(var))?;
                if let Some(w) = filter {
                    write!(f, " WHERE {w}")?;
                }
                if let Some(m) = map {
                    write!(f, " | {m}")?;
                }
                f.write_char(']')
            }
            ExprKind::PatternComprehension { path_var, pattern, filter, map } => {
                f.write_char('[')?;
                if let Some(v) = path_var {
                    write!(f, "{} = ", Var(v))?;
                }
                write!(f, "{pattern}")?;
                if let Some(w) = filter {
                    write!(f, " WHERE {w}")?;
                }
                write!(f, " | {map}]")
            }
            ExprKind::Quantifier { kind, var, list, filter } => {
                let word = match kind {
                    QuantKind::All => "all",
                    QuantKind::Any => "any",
                    QuantKind::None => "none",
                    QuantKind::Single => "single",
                };
                write!(f, "{word}({} IN {list}", Var(var))?;
                if let Some(w) = filter {
                    write!(f, " WHERE {w}")?;
                }
                f.write_char(')')
            }
            ExprKind::Pattern(p) => write!(f, "{p}"),
            ExprKind::Exists(body) => match body.as_ref() {
                ExistsBody::Query(q) => write!(f, "EXISTS {{ {q} }}"),
                ExistsBody::Pattern(p, w) => {
                    write!(f, "EXISTS {{ {p}")?;
                    if let Some(w) = w {
                        write!(f, " WHERE {w}")?;
                    }
                    f.write_str(" }")
                }
            },
            ExprKind::ShortestPath(part) => write!(f, "{part}"),
        }
    }
}

/// Parses one query statement (the whole text).
pub fn parse_query(text: &str) -> Result<Query, SyntaxError> {
    use pest::Parser as _;
    check_nesting(text)?;
    let mut pairs =
        super::LangParser::parse(Rule::query_only, text).map_err(|e| SyntaxError::from_pest(e, text))?;
    let top = pairs.next().ok_or_else(|| internal(Span::default(), "query"))?;
    let q = top.into_inner().find(|p| p.as_rule() == Rule::query_statement);
    build_query(q.ok_or_else(|| internal(Span::default(), "query"))?)
}
