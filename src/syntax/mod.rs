//! Syntax: the pest grammar family in `grammar/` and the AST builders.
//!
//! One pest parser ([`LangParser`]) is derived from all grammar files, so declarations and
//! queries share tokens and can be mixed in one script. Builders turn pest pairs into ASTs
//! that carry byte [`Span`]s into the statement text; nothing here looks at the graph.

pub(crate) mod autoparam;
pub mod decl;
pub(crate) mod lexer;
pub mod query;
pub(crate) mod records;
pub mod script;
pub(crate) mod shapes;

use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;
use pest_derive::Parser;

pub use script::{parse_script, Statement};

#[derive(Parser)]
#[grammar = "../grammar/lexical.pest"]
#[grammar = "../grammar/decl.pest"]
#[grammar = "../grammar/query.pest"]
#[grammar = "../grammar/script.pest"]
pub struct LangParser;

/// pest's work allowed per parse: this many rule calls, plus [`PARSE_CALLS_PER_BYTE`] per
/// byte of text. A parse of the project's data, scripts and the TCK stays far below it; a
/// statement whose brackets each allow two readings (a list comprehension or a list, a node
/// pattern or a parenthesised map, a quantifier or a function call) makes pest try both at
/// every level, and 20 such levels in 100 bytes took minutes before this bound ended them.
const PARSE_CALLS_BASE: usize = 2_000_000;
const PARSE_CALLS_PER_BYTE: usize = 2_000;

/// Parses `text` as `rule` within pest's call limit (see [`PARSE_CALLS_BASE`]). The limit is
/// process-wide in pest and read when a parse starts, so parses through here take turns.
fn parse_bounded(rule: Rule, text: &str) -> Result<pest::iterators::Pairs<'_, Rule>, SyntaxError> {
    use pest::Parser as _;
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let limit = PARSE_CALLS_BASE.saturating_add(PARSE_CALLS_PER_BYTE.saturating_mul(text.len()));
    pest::set_call_limit(std::num::NonZeroUsize::new(limit));
    let parsed = LangParser::parse(rule, text);
    pest::set_call_limit(None);
    parsed.map_err(|e| match &e.variant {
        ErrorVariant::CustomError { message } if message == "call limit reached" => {
            let (_, span) = token_at(text, text.len() - text.trim_start().len());
            SyntaxError::at(
                span,
                "this statement is too costly to parse: its brackets nest in ways that each \
                 allow several readings; nest them less deeply or split the statement",
            )
        }
        _ => {
            let pest = SyntaxError::from_pest(e, text);
            // Where brackets do not pair up, pest reports whichever alternative got furthest,
            // often a literal before the stray bracket (`expected number, found '5'` for
            // `{name: 5)`); the bracket is the error the writer made, so it is the one shown.
            match lexer::unbalanced_bracket(text) {
                Some((bracket, statement)) if statement.contains(&pest.span.start) => bracket,
                _ => pest,
            }
        }
    })
}

/// A byte range in the text a statement was parsed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    pub fn of(pair: &Pair<'_, Rule>) -> Self {
        let s = pair.as_span();
        Span { start: s.start(), end: s.end() }
    }

    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(s: Span) -> Self {
        (s.start, s.len()).into()
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let mut offset = offset;
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// A statement that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(code(claimgraph::syntax))]
pub struct SyntaxError {
    pub message: String,
    #[label("{label}")]
    pub span: Span,
    pub label: String,
    /// What the parser would have accepted here, for completion and messages.
    pub expected: Vec<String>,
    pub kind: SyntaxErrorKind,
}

/// What a syntax error is about, for callers that classify errors (the query engine maps
/// them to the TCK's detail names) without reading the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SyntaxErrorKind {
    /// Text the grammar does not accept, or a literal out of its bounds.
    #[default]
    Unexpected,
    /// An integer literal that does not fit in 64 bits.
    IntegerTooLarge,
    /// A floating-point literal too large for a 64-bit float.
    FloatTooLarge,
    /// A `\u` escape that names no character.
    InvalidUnicodeEscape,
    /// A bracket closed by one of another kind, or never closed before its statement ends
    /// ([`lexer::unbalanced_bracket`]).
    UnbalancedBracket,
}

impl SyntaxError {
    pub fn at(span: Span, message: impl Into<String>) -> Self {
        let message = message.into();
        SyntaxError {
            label: message.clone(),
            message,
            span,
            expected: Vec::new(),
            kind: SyntaxErrorKind::Unexpected,
        }
    }

    pub(crate) fn with_kind(self, kind: SyntaxErrorKind) -> Self {
        SyntaxError { kind, ..self }
    }

    /// The error with `label` under its caret instead of its message.
    pub(crate) fn labelled(self, label: impl Into<String>) -> Self {
        SyntaxError { label: label.into(), ..self }
    }

    pub(crate) fn from_pest(err: pest::error::Error<Rule>, text: &str) -> Self {
        let pos = match err.location {
            InputLocation::Pos(p) => p,
            InputLocation::Span((s, _)) => s,
        };
        let (found, span) = token_at(text, pos);
        let mut expected: Vec<String> = match &err.variant {
            ErrorVariant::ParsingError { positives, .. } => positives.iter().map(describe_rule).collect(),
            ErrorVariant::CustomError { message } => vec![message.clone()],
        };
        expected.sort();
        expected.dedup();
        let message = match expected.as_slice() {
            [] => format!("unexpected {found}"),
            [one] => format!("expected {one}, found {found}"),
            many => format!("expected one of {}, found {found}", many.join(", ")),
        };
        SyntaxError {
            message,
            span,
            label: format!("unexpected {found}"),
            expected,
            kind: SyntaxErrorKind::Unexpected,
        }
    }
}

/// Describes the token at `pos` and spans it: a word, a quoted string's first char, or EOF.
fn token_at(text: &str, pos: usize) -> (String, Span) {
    let pos = pos.min(text.len());
    let rest = &text[pos..];
    let Some(first) = rest.chars().next() else {
        return ("end of input".to_string(), Span::new(pos, pos));
    };
    let len = if first.is_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len())
    } else {
        first.len_utf8()
    };
    let word = &rest[..len];
    // A 100,000-character identifier is named by its start, not repeated in full.
    let shown = match word.char_indices().nth(40) {
        Some((cut, _)) => format!("'{}…' ({} characters)", word[..cut].escape_debug(), word.chars().count()),
        None => format!("'{}'", word.escape_debug()),
    };
    (shown, Span::new(pos, pos + len))
}

/// How a grammar rule is named in "expected ..." messages.
fn describe_rule(rule: &Rule) -> String {
    match rule {
        Rule::EOI => return "end of input".into(),
        Rule::semicolon => return "';'".into(),
        Rule::slice_dots => return "'..'".into(),
        _ => {}
    }
    let name = format!("{rule:?}");
    if name.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
        return name.trim_end_matches('_').to_string();
    }
    match rule {
        Rule::ident | Rule::plain_ident | Rule::quoted_ident => "identifier".into(),
        Rule::string_literal | Rule::single_quoted | Rule::double_quoted => "string".into(),
        Rule::integer_literal | Rule::float_literal | Rule::hex_literal | Rule::octal_literal => {
            "number".into()
        }
        _ => name.replace('_', " "),
    }
}

/// The text of an identifier, without backticks.
pub(crate) fn ident_text(pair: &Pair<'_, Rule>) -> String {
    ident_text_of(pair.as_str())
}

/// The text of an identifier as written (backticks and all).
pub(crate) fn ident_text_of(raw: &str) -> String {
    if let Some(inner) = raw.strip_prefix('`').and_then(|s| s.strip_suffix('`')) {
        inner.replace("``", "`")
    } else {
        raw.to_string()
    }
}

/// Decodes a quoted string literal (with its quotes).
pub fn unescape(raw: &str, span: Span) -> Result<String, SyntaxError> {
    let inner = &raw[1..raw.len() - 1];
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else { break };
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            '0' => out.push('\0'),
            'u' | 'U' => {
                let n = if e == 'u' { 4 } else { 8 };
                let hex: String = chars.by_ref().take(n).collect();
                let ch = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                match ch {
                    Some(ch) => out.push(ch),
                    None => {
                        return Err(SyntaxError::at(span, format!("invalid unicode escape \\{e}{hex}"))
                            .with_kind(SyntaxErrorKind::InvalidUnicodeEscape))
                    }
                }
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

/// Parses an unsigned integer literal (decimal, `0x` hex or `0o` octal).
pub(crate) fn parse_int(raw: &str, negative: bool, span: Span) -> Result<i64, SyntaxError> {
    let (digits, radix) = if let Some(h) = raw.strip_prefix("0x") {
        (h, 16)
    } else if let Some(o) = raw.strip_prefix("0o") {
        (o, 8)
    } else {
        (raw, 10)
    };
    let text = if negative { format!("-{digits}") } else { digits.to_string() };
    i64::from_str_radix(&text, radix).map_err(|_| {
        SyntaxError::at(span, format!("integer {raw} is too large"))
            .with_kind(SyntaxErrorKind::IntegerTooLarge)
    })
}

/// The byte offset of a 1-based line and column (clamped to the text).
pub fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset + l.char_indices().nth(col.saturating_sub(1)).map_or(l.len(), |(b, _)| b);
        }
        offset += l.len();
    }
    text.len()
}
