//! The query AST: built from the pest pairs of `grammar/query.pest`, printed back as
//! canonical query text by `Display`.
//!
//! Every clause and expression carries the [`Span`] it was parsed from, so later stages can
//! point at the offending text and so unaliased projections get their column name from the
//! original text (openCypher names a column `n.name` exactly as written). Parentheses leave
//! no trace in the AST; the printer adds back only those that precedence requires, so
//! parse → print → parse yields the same AST (spans aside).

mod build;
mod print;

pub(crate) use build::build_query;
use build::internal;

use super::{Rule, Span, SyntaxError};
use crate::model::Uncertain;

// ============================================================================
// AST
// ============================================================================

/// A statement: one or more single queries joined by UNION [ALL].
#[derive(Debug, Clone)]
pub struct Query {
    pub first: SingleQuery,
    /// `(all, query)` for each `UNION [ALL] query`.
    pub unions: Vec<(bool, SingleQuery)>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct SingleQuery {
    pub clauses: Vec<Clause>,
    pub span: Span,
}

#[derive(Debug, Clone)]
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

#[derive(Debug, Clone)]
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

#[derive(Debug, Clone)]
pub struct ProjItem {
    pub expr: Expr,
    pub alias: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct SortItem {
    pub expr: Expr,
    pub descending: bool,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct MergeAction {
    /// `ON CREATE` (else `ON MATCH`).
    pub on_create: bool,
    pub items: Vec<SetItem>,
    pub span: Span,
}

#[derive(Debug, Clone)]
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

#[derive(Debug, Clone)]
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

#[derive(Debug, Clone)]
pub struct Pattern {
    pub parts: Vec<PatternPart>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShortestKind {
    Shortest,
    All,
}

#[derive(Debug, Clone)]
pub struct PatternPart {
    /// `p = ...`.
    pub var: Option<String>,
    pub shortest: Option<ShortestKind>,
    pub element: PatternElement,
    pub span: Span,
}

/// `(a)-[r]->(b)<-[s]-(c)`: a start node and (relationship, node) hops.
#[derive(Debug, Clone)]
pub struct PatternElement {
    pub start: NodePattern,
    pub chain: Vec<(RelPattern, NodePattern)>,
    pub span: Span,
}

#[derive(Debug, Clone)]
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

#[derive(Debug, Clone)]
pub struct RelPattern {
    pub var: Option<String>,
    pub types: Vec<String>,
    /// `*`, `*2`, `*1..3`, `*..3`, `*1..`: `Some((min, max))`; `*2` is `(Some(2), Some(2))`.
    pub range: Option<(Option<u64>, Option<u64>)>,
    pub props: Option<Expr>,
    pub direction: RelDirection,
    pub span: Span,
}

#[derive(Debug, Clone)]
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
    /// `@2018-02-07`, `@-4months`, `@22:00`, `@P1D` (claimgraph extension): a date or
    /// another temporal value as the declarations write it.
    Temporal(crate::model::Value),
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
    /// `reduce(acc = init, var IN list | expr)`.
    Reduce {
        acc: String,
        init: Box<Expr>,
        var: String,
        list: Box<Expr>,
        expr: Box<Expr>,
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
// Equality
// ============================================================================

/// `PartialEq` comparing every field but `span`: a span says where a node was written, not
/// what it is, so a printed and re-parsed query compares equal to the original (as
/// declarations do). The fields are listed, so adding one without comparing it does not
/// compile.
macro_rules! eq_except_span {
    ($($ty:ident { $($field:ident),* })*) => {$(
        impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                let $ty { $($field,)* span: _ } = self;
                $(*$field == other.$field)&&*
            }
        }
    )*};
}

eq_except_span! {
    Query { first, unions }
    SingleQuery { clauses }
    Clause { kind }
    Projection { distinct, star, items, order, skip, limit }
    ProjItem { expr, alias }
    SortItem { expr, descending }
    MergeAction { on_create, items }
    Pattern { parts }
    PatternPart { var, shortest, element }
    PatternElement { start, chain }
    NodePattern { var, labels, props }
    RelPattern { var, types, range, props, direction }
    Expr { kind }
}

impl PartialEq for SetItem {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (SetItem::Property { target: a, value: b }, SetItem::Property { target: c, value: d }) => {
                a == c && b == d
            }
            (SetItem::Merge { var: a, value: b, .. }, SetItem::Merge { var: c, value: d, .. })
            | (SetItem::Replace { var: a, value: b, .. }, SetItem::Replace { var: c, value: d, .. }) => {
                a == c && b == d
            }
            (SetItem::Labels { var: a, labels: b, .. }, SetItem::Labels { var: c, labels: d, .. }) => {
                a == c && b == d
            }
            _ => false,
        }
    }
}

impl PartialEq for RemoveItem {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (RemoveItem::Labels { var: a, labels: b, .. }, RemoveItem::Labels { var: c, labels: d, .. }) => {
                a == c && b == d
            }
            (RemoveItem::Property(a), RemoveItem::Property(b)) => a == b,
            _ => false,
        }
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
            ExprKind::Reduce { init, list, expr, .. } => {
                $out.push(init);
                $out.push(list);
                $out.push(expr);
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

/// Parses one query statement (the whole text).
pub fn parse_query(text: &str) -> Result<Query, SyntaxError> {
    super::lexer::check_nesting(text)?;
    let mut pairs = super::parse_bounded(Rule::query_only, text)?;
    let top = pairs.next().ok_or_else(|| internal(Span::default(), "query"))?;
    let q = top.into_inner().find(|p| p.as_rule() == Rule::query_statement);
    build_query(q.ok_or_else(|| internal(Span::default(), "query"))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_ignores_spans_and_nothing_else() {
        let parse = |text: &str| parse_query(text).expect(text);
        let compact = parse("MATCH (n:A {k: 1})-[r*1..2]->(m) SET n.x = 1 RETURN n.name AS x ORDER BY x");
        let spread =
            parse("MATCH  (n:A {k: 1})-[r*1..2]->(m)\n  SET n.x = 1\n  RETURN  n.name  AS x\n  ORDER BY x");
        assert_ne!(compact.span, spread.span);
        assert_eq!(compact, spread);
        for other in [
            "MATCH (n:A {k: 2})-[r*1..2]->(m) SET n.x = 1 RETURN n.name AS x ORDER BY x",
            "MATCH (n:A {k: 1})-[r*1..3]->(m) SET n.x = 1 RETURN n.name AS x ORDER BY x",
            "MATCH (n:A {k: 1})-[r*1..2]->(m) SET n.y = 1 RETURN n.name AS x ORDER BY x",
            "MATCH (n:A {k: 1})-[r*1..2]->(m) SET n.x = 1 RETURN n.name AS x ORDER BY x DESC",
        ] {
            assert_ne!(compact, parse(other), "{other}");
        }
    }
}
