//! The printer: the query AST as canonical query text (`Display`), adding back only the
//! parentheses that precedence requires, so parse → print → parse gives the same AST.

use std::fmt::{self, Write as _};

use super::*;
use crate::model::value::{write_float, write_string_literal};

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

/// A number literal that prints without a sign: after a minus it would fold into the literal.
fn is_unsigned_number(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Literal(Literal::Int(i)) => *i >= 0,
        ExprKind::Literal(Literal::Float(x)) => !x.is_sign_negative(),
        _ => false,
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
            Literal::Temporal(v) => write!(f, "{v}"),
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Literal(l) => write!(f, "{l}"),
            ExprKind::Param(p) => {
                // `$0` is a parameter index; an empty name is only spelt `$```.
                if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) {
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
                    // `-(5)` is a minus applied to 5; written `-5` it would read back as the
                    // literal -5, so a minus keeps its parentheses around an unsigned number.
                    if *op == UnaryOp::Neg && is_unsigned_number(e) {
                        return write!(f, "({e})");
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
            ExprKind::Reduce { acc, init, var, list, expr } => {
                write!(f, "reduce({} = {init}, {} IN {list} | {expr})", Var(acc), Var(var))
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
