//! Declarations of a shape seen before, built without running pest again.
//!
//! A data file holds a million statements of a dozen shapes: `CLAIM (e1)-[:T]->(e2) BY s7
//! REPORTED ON @2018-02-07 QUOTE '...'` differs from the next claim only in its literals.
//! The first statement of each shape is parsed by pest as always, and its declaration
//! becomes a template whose literals (identifiers, strings, values, dates) are tied to the
//! [`super::lexer`] tokens they were written with. A later statement of the same shape is
//! the template with each literal rebuilt from its own tokens by the builders pest's pairs
//! go through (`ident_text_of`, `unescape`, `parse_value`, `parse_date`), and every span
//! moved to where its tokens are.
//!
//! A shape is the sequence of token kinds, with the text of keywords, punctuation and
//! brackets, and whether blanks come before each token: two statements of one shape differ
//! only inside their literal tokens (words that are not keywords, numbers, strings,
//! backticked names), so pest takes the same path through both. Only claims and entity
//! declarations become templates, and only when every literal token lies inside a literal
//! of the declaration and the template rebuilds its own statement exactly. Statements with
//! comments or blanks other than ASCII ones, and whatever a literal's builder refuses (an
//! identifier the grammar does not allow, a property given twice), are parsed by pest, so
//! errors are always pest's. Where claims are read into records, a claim of a shape whose
//! template has a [`ClaimPlan`] is first matched byte by byte
//! ([`super::records::KnownShapes`]); what does not match goes the lexer's way as above.

use std::collections::HashMap;
use std::rc::Rc;

use foldhash::fast::FixedState;
use pest::iterators::Pair;
use pest::Parser;

use super::decl::{
    build_decl, parse_date, parse_value, AttestationDecl, DeclStatement, EndPattern, Name, Prop,
    RelPatternDecl, SourceName,
};
use super::lexer::{tokens, TokenKind};
use super::records::{ClaimPlan, ClaimRecord, KnownShapes, ShapeToken};
use super::{ident_text_of, unescape, LangParser, Rule, Span};
use crate::model::Value;

/// Shapes remembered per parser; a file with more distinct shapes parses the rest with pest.
const MAX_SHAPES: usize = 1024;
/// Values and dates remembered by their text (numbers and dates repeat across a file).
const MAX_LITERALS: usize = 8192;

/// Parses declaration statements one at a time, reusing the parse of each shape. One per
/// thread: it holds the templates of the shapes it has seen.
#[derive(Default)]
pub(crate) struct DeclShapes {
    templates: HashMap<Box<[u8]>, Option<Rc<Template>>, FixedState>,
    /// The templates with a [`ClaimPlan`], by number, and their shapes matched byte by
    /// byte (a statement of one of them is read without the lexer's tokens and its shape
    /// key).
    claims: Vec<Rc<Template>>,
    known: KnownShapes,
    values: HashMap<Box<str>, Value, FixedState>,
    dates: HashMap<Box<str>, Value, FixedState>,
    /// The shape of the statement being parsed, and where its tokens start and end.
    shape: Vec<u8>,
    starts: Vec<usize>,
    ends: Vec<usize>,
    /// Each token's code in the shape (its kind, and 0x80 when blanks come before it).
    codes: Vec<u8>,
    /// Statements rebuilt from a template (for tests to see that they were).
    #[cfg(test)]
    rebuilt: usize,
    /// Claims read into records.
    #[cfg(test)]
    records: usize,
    /// Of those, claims whose shape was matched byte by byte.
    #[cfg(test)]
    matched: usize,
}

/// A declaration and, in the order [`visit`] meets them, the tokens each of its spans and
/// literals covers (first and last token).
struct Template {
    decl: DeclStatement,
    span: (usize, usize),
    slots: Vec<(usize, usize)>,
    /// How a claim of this shape reads into a record, when one can stand for it.
    plan: Option<ClaimPlan>,
}

/// A statement read by [`DeclShapes::read`] (consumed where it is returned: not boxed).
#[allow(clippy::large_enum_variant)]
pub(crate) enum Read {
    Decl(DeclStatement),
    /// A claim read straight into a record (see [`super::records`]).
    Claim(ClaimRecord),
}

impl DeclShapes {
    /// Parses one statement that should be a declaration: the declaration and its span in
    /// `text`, or `None` when it is not one (a query, or text that does not parse).
    #[cfg(test)]
    pub(crate) fn parse(&mut self, text: &str) -> Option<(DeclStatement, Span)> {
        match self.read(text, false)? {
            (Read::Decl(decl), span) => Some((decl, span)),
            (Read::Claim(r), span) => Some((r.to_decl(text), span)),
        }
    }

    /// [`DeclShapes::parse`], and with `records` a claim of a shape a [`ClaimPlan`] reads
    /// is given as a record rather than a declaration.
    pub(crate) fn read(&mut self, text: &str, records: bool) -> Option<(Read, Span)> {
        let pest = |text: &str| parse_with_pest(text).map(|(d, s, _)| (Read::Decl(d), s));
        if records {
            // A claim of a shape a record reads, matched byte by byte; should its literals
            // not read, the lexer's way below finds the same template and decides.
            let found = self.known.find(text, &mut self.starts, &mut self.ends, is_keyword);
            if let Some(t) = found.and_then(|i| self.claims.get(i)).cloned() {
                if let Some(read) = self.read_record(t, text) {
                    #[cfg(test)]
                    {
                        self.matched += 1;
                    }
                    return Some(read);
                }
            }
        }
        if !self.read_shape(text) {
            return pest(text);
        }
        match self.templates.get(self.shape.as_slice()) {
            Some(Some(t)) => {
                let t = t.clone();
                if records {
                    if let Some(read) = self.read_record(t.clone(), text) {
                        return Some(read);
                    }
                }
                let mut literals = Literals { values: Some(&mut self.values), dates: Some(&mut self.dates) };
                if let Some((decl, span)) = instantiate(&t, text, &self.starts, &self.ends, &mut literals) {
                    #[cfg(test)]
                    {
                        self.rebuilt += 1;
                    }
                    return Some((Read::Decl(decl), span));
                }
                return pest(text);
            }
            Some(None) => return pest(text),
            None => {}
        }
        let (decl, span, located) = parse_with_pest(text)?;
        if self.templates.len() < MAX_SHAPES {
            let template = self.template(text, &decl, span, &located).map(Rc::new);
            if let Some(t) = template.as_ref().filter(|t| t.plan.is_some()) {
                let tokens =
                    self.codes.iter().zip(self.starts.iter().zip(&self.ends)).map(|(&code, (&s, &e))| {
                        let raw = text.as_bytes().get(s..e).unwrap_or_default();
                        let token = match code & 0x7f {
                            1 => ShapeToken::Keyword(raw.into()),
                            2 => ShapeToken::Word,
                            3 => ShapeToken::Number,
                            4 => ShapeToken::Str(raw.first().copied().unwrap_or_default()),
                            5 => ShapeToken::QuotedName,
                            _ => ShapeToken::Punct(raw.into()),
                        };
                        (code & 0x80 != 0, token)
                    });
                self.known.insert(tokens, self.claims.len());
                self.claims.push(t.clone());
            }
            self.templates.insert(self.shape.as_slice().into(), template);
        }
        Some((Read::Decl(decl), span))
    }

    /// A claim of template `t`'s shape read into a record, when it has a [`ClaimPlan`] and
    /// the statement's literals read; `starts` and `ends` are the statement's tokens.
    fn read_record(&mut self, t: Rc<Template>, text: &str) -> Option<(Read, Span)> {
        let plan = t.plan.as_ref()?;
        let span = Span::new(*self.starts.get(t.span.0)?, *self.ends.get(t.span.1)?);
        let (values, dates) = (&mut self.values, &mut self.dates);
        let mut value = |raw: &str, span: Span| value(Some(&mut *values), raw, span);
        let mut date = |raw: &str| day(raw).or_else(|| memo(Some(&mut *dates), raw, || parse_date(raw).ok()));
        let record = plan.read(text, &t.slots, &self.starts, &self.ends, &mut value, &mut date)?;
        #[cfg(test)]
        {
            self.records += 1;
        }
        Some((Read::Claim(record), span))
    }

    /// Lexes `text` into its shape; false when it is not one a template can serve.
    fn read_shape(&mut self, text: &str) -> bool {
        self.shape.clear();
        self.starts.clear();
        self.ends.clear();
        self.codes.clear();
        let mut blank = false;
        for t in tokens(text) {
            let raw = &text[t.span.start..t.span.end];
            let code = match t.kind {
                TokenKind::Blank if raw.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) => {
                    blank = true;
                    continue;
                }
                // Comments, and blanks pest does not skip, go to pest.
                TokenKind::Blank | TokenKind::LineComment | TokenKind::BlockComment { .. } => return false,
                kind if kind.is_unclosed() => return false,
                TokenKind::Word if is_keyword(raw) => 1,
                TokenKind::Word => 2,
                TokenKind::Number => 3,
                TokenKind::String { .. } => 4,
                TokenKind::QuotedName { .. } => 5,
                TokenKind::Open | TokenKind::Close | TokenKind::Semicolon | TokenKind::Other => 6,
            };
            let code = code | if blank { 0x80 } else { 0 };
            self.shape.push(code);
            match code & 0x7f {
                // Keywords as written: `claim` and `CLAIM` are two shapes, which is safe.
                1 => {
                    self.shape.extend_from_slice(raw.as_bytes());
                    self.shape.push(0);
                }
                // Which quote a string has.
                4 => self.shape.push(raw.as_bytes()[0]),
                6 => self.shape.extend_from_slice(raw.as_bytes()),
                _ => {}
            }
            self.starts.push(t.span.start);
            self.ends.push(t.span.end);
            self.codes.push(code);
            blank = false;
        }
        !self.starts.is_empty()
    }

    /// The template of a statement just parsed by pest, if it can be one.
    fn template(&self, text: &str, decl: &DeclStatement, span: Span, located: &Located) -> Option<Template> {
        let range = |s: Span| {
            let first = self.starts.binary_search(&s.start).ok()?;
            let last = self.ends.binary_search(&s.end).ok()?;
            (first <= last).then_some((first, last))
        };
        let mut decl = decl.clone();
        let mut slots = Vec::new();
        let mut covered = vec![false; self.starts.len()];
        let complete = visit(&mut decl, &mut |slot| {
            let (found, literal) = match slot {
                Slot::Span(s) => (range(*s), false),
                Slot::Name(n) => (range(n.span), true),
                Slot::Text(_, at) | Slot::Value(_, at) | Slot::Date(_, at) => {
                    (located.find(at).and_then(range), true)
                }
            };
            let Some((first, last)) = found else { return false };
            if literal {
                covered[first..=last].fill(true);
            }
            slots.push((first, last));
            true
        });
        // Words that are not keywords, numbers, strings and backticked names.
        let literal = |code: &u8| matches!(code & 0x7f, 2..=5);
        let literals_covered = self.codes.iter().zip(&covered).all(|(code, is)| !literal(code) || *is);
        if !complete || !literals_covered {
            return None;
        }
        let plan = ClaimPlan::of(&decl);
        let template = Template { decl, span: range(span)?, slots, plan };
        // The template must give back the very statement it was made from, spans included.
        let again = instantiate(&template, text, &self.starts, &self.ends, &mut Literals::none())?;
        let same = format!("{:?}", (&again.0, again.1)) == format!("{:?}", (&template.decl, span));
        same.then(|| blank_literals(template))
    }
}

/// `t` with its literals emptied: [`instantiate`] overwrites every one of them, so a
/// template's clone need not copy (allocate) the text of the statement it was made from.
fn blank_literals(mut t: Template) -> Template {
    visit(&mut t.decl, &mut |slot| {
        match slot {
            Slot::Span(_) => {}
            Slot::Name(n) => n.text = String::new(),
            Slot::Text(s, _) => *s = String::new(),
            Slot::Value(v, _) | Slot::Date(v, _) => *v = Value::Null,
        }
        true
    });
    t
}

/// The memos of values and dates by their text (absent while a template checks itself).
struct Literals<'a> {
    values: Option<&'a mut HashMap<Box<str>, Value, FixedState>>,
    dates: Option<&'a mut HashMap<Box<str>, Value, FixedState>>,
}

impl Literals<'_> {
    fn none() -> Self {
        Literals { values: None, dates: None }
    }

    fn value(&mut self, raw: &str, span: Span) -> Option<Value> {
        value(self.values.as_deref_mut(), raw, span)
    }

    fn date(&mut self, raw: &str) -> Option<Value> {
        memo(self.dates.as_deref_mut(), raw, || parse_date(raw).ok())
    }
}

/// A property's value (through the memo of values by their text, when given).
fn value(memos: Option<&mut HashMap<Box<str>, Value, FixedState>>, raw: &str, span: Span) -> Option<Value> {
    // Nothing else a value can be starts with a quote.
    if raw.starts_with(['\'', '"']) {
        return unescape(raw, span).ok().map(Value::String);
    }
    memo(memos, raw, || parse_value(raw).ok())
}

/// A day literal as data files write them (`@2019-03-13`: `@`, four digits, `-`, two, `-`,
/// two), read straight into the value [`parse_date`] gives it; `None` for any other text
/// and for a day that does not exist, which then go the memo's way.
///
/// Dates were memoised by their text, which hashed and compared eleven bytes per
/// attestation to find a value this builds from them at less cost (docs/performance.md,
/// "The load, eighth round").
fn day(raw: &str) -> Option<Value> {
    let &[b'@', y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = raw.as_bytes() else { return None };
    let digits = [y0, y1, y2, y3, m0, m1, d0, d1];
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |ds: &[u8]| ds.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    let date =
        crate::model::PartialDate::new(n(&digits[..4]) as i32, Some(n(&digits[4..6])), Some(n(&digits[6..])));
    Some(Value::Date(crate::model::DateValue::Absolute(date.ok()?)))
}

fn memo<T: Clone>(
    map: Option<&mut HashMap<Box<str>, T, FixedState>>,
    raw: &str,
    build: impl FnOnce() -> Option<T>,
) -> Option<T> {
    let Some(map) = map else { return build() };
    if let Some(v) = map.get(raw) {
        return Some(v.clone());
    }
    let v = build()?;
    if map.len() < MAX_LITERALS {
        map.insert(raw.into(), v.clone());
    }
    Some(v)
}

/// The template with every slot rebuilt from the tokens of `text` (whose token boundaries
/// are `starts` and `ends`); `None` when a literal does not rebuild.
fn instantiate(
    t: &Template,
    text: &str,
    starts: &[usize],
    ends: &[usize],
    literals: &mut Literals<'_>,
) -> Option<(DeclStatement, Span)> {
    let mut decl = t.decl.clone();
    let mut slots = t.slots.iter();
    let complete = visit(&mut decl, &mut |slot| {
        let Some(&(first, last)) = slots.next() else { return false };
        let span = Span::new(starts[first], ends[last]);
        let raw = &text[span.start..span.end];
        match slot {
            Slot::Span(s) => *s = span,
            Slot::Name(n) => match identifier(raw) {
                Some(id) => *n = Name { text: id, span },
                None => return false,
            },
            Slot::Text(s, _) => match unescape(raw, span) {
                Ok(u) => *s = u,
                Err(_) => return false,
            },
            Slot::Value(v, _) => match literals.value(raw, span) {
                Some(x) => *v = x,
                None => return false,
            },
            Slot::Date(d, _) => match literals.date(raw) {
                Some(x) => *d = x,
                None => return false,
            },
        }
        true
    });
    if !complete || slots.next().is_some() || gives_a_property_twice(&decl) {
        return None;
    }
    Some((decl, Span::new(starts[t.span.0], ends[t.span.1])))
}

/// The grammar's `ident`: ASCII letters, digits and `_` not starting with a digit, or a
/// backticked name (the lexer's closed quoted-name tokens, side by side).
fn identifier(raw: &str) -> Option<String> {
    if raw.starts_with('`') {
        return (raw.len() >= 2 && raw.ends_with('`')).then(|| ident_text_of(raw));
    }
    let b = raw.as_bytes();
    let plain = b.first().is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_');
    plain.then(|| raw.to_string())
}

/// What `build_props` refuses whatever the shape: a property given twice.
fn gives_a_property_twice(decl: &DeclStatement) -> bool {
    let twice =
        |props: &[Prop]| props.iter().enumerate().any(|(i, p)| props[..i].iter().any(|q| q.key == p.key));
    match decl {
        DeclStatement::Claim { pattern, .. } => twice(&pattern.props),
        DeclStatement::Entity(e) => twice(&e.props),
        _ => false,
    }
}

/// Words the grammar has keyword rules for (`MATCH`, `CLAIM`, `ANY_` as `ANY`, …),
/// upper-cased.
fn is_keyword(word: &str) -> bool {
    // Called for every word of every statement a million times over: upper-cased on the
    // stack and hashed with foldhash, not allocated and hashed with SipHash.
    static KEYWORDS: std::sync::OnceLock<std::collections::HashSet<Box<[u8]>, FixedState>> =
        std::sync::OnceLock::new();
    let keywords = KEYWORDS.get_or_init(|| {
        Rule::all_rules()
            .iter()
            .map(|r| format!("{r:?}"))
            .filter(|name| name.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
            .map(|name| name.trim_end_matches('_').as_bytes().into())
            .collect()
    });
    // Keywords are letters and `_`: the ids and numbered names that make up most words
    // of a data file (`e92610`, `s7`) are told apart without hashing.
    if !word.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_') {
        return false;
    }
    let mut upper = [0u8; 32];
    let Some(upper) = upper.get_mut(..word.len()) else { return false };
    upper.copy_from_slice(word.as_bytes());
    upper.make_ascii_uppercase();
    keywords.contains(&*upper)
}

// ---- the parts of a declaration a template rebuilds -----------------------------------

/// A span or a literal of a declaration, met by [`visit`].
enum Slot<'a> {
    /// A span that is not a literal's: moved, not rebuilt.
    Span(&'a mut Span),
    Name(&'a mut Name),
    /// A quote, a position or a user's name.
    Text(&'a mut String, At),
    /// A property's value.
    Value(&'a mut Value, At),
    /// When an attestation was reported.
    Date(&'a mut Value, At),
}

/// Where a literal without a span of its own was written: found through the pest pairs of
/// the statement a template is made from ([`Located`]).
#[derive(Debug, Clone, Copy)]
enum At {
    Span(Span),
    /// The value of the property whose key is written here.
    PropValue(Span),
    /// The date, position or user of the attestation written here.
    Date(Span),
    Position(Span),
    User(Span),
}

/// Every span and literal of a claim or entity declaration, in a fixed order; false for
/// other declarations, or as soon as `f` says stop.
fn visit(decl: &mut DeclStatement, f: &mut dyn FnMut(Slot<'_>) -> bool) -> bool {
    match decl {
        DeclStatement::Claim { pattern, attestations } => {
            visit_pattern(pattern, f) && attestations.iter_mut().all(|a| visit_attestation(a, f))
        }
        DeclStatement::Entity(e) => {
            f(Slot::Name(&mut e.id))
                && e.labels.iter_mut().all(|n| f(Slot::Name(n)))
                && visit_props(&mut e.props, f)
                && e.via.iter_mut().all(|n| f(Slot::Name(n)))
                && e.speaks_for.iter_mut().all(|n| f(Slot::Name(n)))
        }
        _ => false,
    }
}

fn visit_pattern(p: &mut RelPatternDecl, f: &mut dyn FnMut(Slot<'_>) -> bool) -> bool {
    visit_end(&mut p.subject, f)
        && p.claim_id.as_mut().is_none_or(|n| f(Slot::Name(n)))
        && f(Slot::Name(&mut p.rel_type))
        && visit_props(&mut p.props, f)
        && visit_end(&mut p.object, f)
}

fn visit_end(e: &mut EndPattern, f: &mut dyn FnMut(Slot<'_>) -> bool) -> bool {
    f(Slot::Span(&mut e.span))
        && e.id.as_mut().is_none_or(|n| f(Slot::Name(n)))
        && e.labels.iter_mut().all(|n| f(Slot::Name(n)))
}

fn visit_props(props: &mut [Prop], f: &mut dyn FnMut(Slot<'_>) -> bool) -> bool {
    props.iter_mut().all(|p| {
        let at = At::PropValue(p.key.span);
        f(Slot::Name(&mut p.key)) && f(Slot::Value(&mut p.value, at))
    })
}

fn visit_attestation(a: &mut AttestationDecl, f: &mut dyn FnMut(Slot<'_>) -> bool) -> bool {
    let at = a.span;
    let quote_at = a.quote_span;
    f(Slot::Span(&mut a.span))
        && match &mut a.source {
            SourceName::Declared(n) => f(Slot::Name(n)),
            SourceName::User(u) => f(Slot::Text(u, At::User(at))),
        }
        && a.via.iter_mut().flatten().all(|n| f(Slot::Name(n)))
        && a.document.as_mut().is_none_or(|n| f(Slot::Name(n)))
        && a.position.as_mut().is_none_or(|p| f(Slot::Text(p, At::Position(at))))
        && a.date.as_mut().is_none_or(|d| f(Slot::Date(d, At::Date(at))))
        && a.quote_span.as_mut().is_none_or(|s| f(Slot::Span(s)))
        && match (&mut a.quote, quote_at) {
            (Some(q), Some(s)) => f(Slot::Text(q, At::Span(s))),
            (Some(_), None) => false,
            (None, _) => true,
        }
}

/// Where the literals without spans of their own were written, read from pest's pairs.
#[derive(Debug, Default)]
struct Located {
    /// (the key's span, its value's span)
    props: Vec<(Span, Span)>,
    /// (the attestation's span, the literal's span)
    dates: Vec<(Span, Span)>,
    positions: Vec<(Span, Span)>,
    users: Vec<(Span, Span)>,
}

impl Located {
    fn find(&self, at: At) -> Option<Span> {
        let look = |list: &[(Span, Span)], key: Span| list.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        match at {
            At::Span(s) => Some(s),
            At::PropValue(key) => look(&self.props, key),
            At::Date(a) => look(&self.dates, a),
            At::Position(a) => look(&self.positions, a),
            At::User(a) => look(&self.users, a),
        }
    }

    fn read(&mut self, pair: Pair<'_, Rule>) {
        for p in pair.into_inner() {
            match p.as_rule() {
                // prop = { ident ~ ":" ~ value }: the value's pair follows the key's.
                Rule::prop => {
                    let mut kv = p.clone().into_inner();
                    if let (Some(k), Some(v)) = (kv.next(), kv.next()) {
                        self.props.push((Span::of(&k), Span::of(&v)));
                    }
                }
                Rule::attestation => {
                    let at = Span::of(&p);
                    for part in p.clone().into_inner() {
                        let (list, inner) = match part.as_rule() {
                            Rule::reported_on => (&mut self.dates, Rule::date_literal),
                            Rule::in_document => (&mut self.positions, Rule::string_literal),
                            Rule::user_source => (&mut self.users, Rule::string_literal),
                            _ => continue,
                        };
                        if let Some(x) = part.into_inner().find(|x| x.as_rule() == inner) {
                            list.push((at, Span::of(&x)));
                        }
                    }
                }
                _ => {}
            }
            self.read(p);
        }
    }
}

/// Parses one statement with pest (a claim or entity with its own rule, as no other
/// statement starts with their keyword): the declaration, its span, and where its
/// span-less literals were written. `None` for a query or text that does not parse.
fn parse_with_pest(text: &str) -> Option<(DeclStatement, Span, Located)> {
    // Bounded before pest recurses; the whole-file parse then reports where. (A template
    // serves only statements of a shape pest has parsed, so of the same nesting.)
    crate::syntax::lexer::check_nesting(text).ok()?;
    let first = crate::syntax::lexer::tokens(text).find(|t| !t.kind.is_trivia())?;
    let word = &text[first.span.start..first.span.end];
    let rule = if word.eq_ignore_ascii_case("CLAIM") {
        Rule::single_claim
    } else if word.eq_ignore_ascii_case("ENTITY") {
        Rule::single_entity
    } else {
        Rule::single_statement
    };
    let mut pairs = LangParser::parse(rule, text).ok()?;
    let mut inner = pairs.next()?.into_inner().find(|p| p.as_rule() != Rule::EOI)?;
    if inner.as_rule() == Rule::statement {
        inner = inner.into_inner().next()?;
    }
    // A statement's span is its declaration's: `statement` and `decl_statement` add nothing.
    let span = Span::of(&inner);
    if inner.as_rule() == Rule::query_statement {
        return None;
    }
    let mut located = Located::default();
    located.read(inner.clone());
    let decl = build_decl(inner).ok()?;
    Some((decl, span, located))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both ways of parsing, side by side: spans included (`Debug`), errors alike. And the
    /// same with claims read into records (each record's declaration, `to_decl`).
    fn same_as_pest(shapes: &mut DeclShapes, text: &str) {
        let pest = parse_with_pest(text).map(|(d, s, _)| format!("{:?}", (d, s)));
        let got = shapes.parse(text).map(|(d, s)| format!("{:?}", (d, s)));
        assert_eq!(got, pest, "{text:?}");
        let read = shapes.read(text, true).map(|(read, s)| match read {
            Read::Decl(d) => format!("{:?}", (d, s)),
            Read::Claim(r) => format!("{:?}", (r.to_decl(text), s)),
        });
        assert_eq!(read, pest, "read into a record: {text:?}");
        matched_as_lexed(shapes, text);
    }

    /// A statement the known shapes match has the lexer's tokens and the shape key of the
    /// template they give.
    fn matched_as_lexed(shapes: &mut DeclShapes, text: &str) {
        let (mut starts, mut ends) = (Vec::new(), Vec::new());
        let Some(i) = shapes.known.find(text, &mut starts, &mut ends, is_keyword) else { return };
        assert!(shapes.read_shape(text), "matched, but not a shape: {text:?}");
        assert_eq!((&starts, &ends), (&shapes.starts, &shapes.ends), "tokens of {text:?}");
        let lexed = shapes.templates.get(shapes.shape.as_slice()).cloned().flatten();
        assert!(lexed.is_some_and(|t| Rc::ptr_eq(&t, &shapes.claims[i])), "template of {text:?}");
    }

    #[test]
    fn statements_of_a_known_shape_parse_as_pest_parses_them() {
        let mut shapes = DeclShapes::default();
        let claim = "CLAIM (e1)-[:CASUALTIES {killed: 5}]->(e2) BY s7 REPORTED ON @2018-02-07 QUOTE 'a b'";
        same_as_pest(&mut shapes, claim);
        assert!(matches!(shapes.templates.values().next(), Some(Some(_))), "a template");
        // The same tokens with other literals: rebuilt from the template.
        let records = shapes.records;
        for text in [
            "CLAIM (e123)-[:FOUGHT {wounded: 12345}]->(x_y) BY s REPORTED ON @2019-01-01 QUOTE 'it\\'s'",
            "CLAIM (e1)-[:R {killed: 1..3}]->(e2) BY s7 REPORTED ON @2018-02-28 QUOTE '\\u00e9'",
            "CLAIM (e1)-[:R {killed: 0x1F}]->(e2) BY s7 REPORTED ON @1999-12-31 QUOTE 'd'",
            "CLAIM (e1)-[:R {killed: 1.5e3}]->(e2) BY s7 REPORTED ON @2020-02-29 QUOTE 'a\n b'",
            "CLAIM (e1)-[:R {killed: 5}]->(e2)\tBY s7\r\nREPORTED  ON @2018-02-07 QUOTE 'é \"(;\\\\' \n",
        ] {
            let (before, records, matched) = (shapes.rebuilt, shapes.records, shapes.matched);
            same_as_pest(&mut shapes, text);
            assert_eq!(shapes.rebuilt, before + 1, "rebuilt: {text}");
            assert_eq!(shapes.records, records + 1, "read into a record: {text}");
            assert_eq!(shapes.matched, matched + 1, "matched byte by byte: {text}");
        }
        // Not matched byte by byte (a blank other than space, tab, CR or LF, a word going on
        // outside ASCII, blanks elsewhere, another shape): the lexer's way, then pest's, decide.
        for text in [
            "CLAIM (e1)-[:R {killed: 5}]->(e2)\x0cBY s7 REPORTED ON @2018-02-07 QUOTE 'form feed'",
            "CLAIM (e1)-[:R {killed: 5}]->(e2)\x0bBY s7 REPORTED ON @2018-02-07 QUOTE 'vertical tab'",
            "CLAIM (e1)-[:R {killed: 5}]->(e2)\u{2003}BY s7 REPORTED ON @2018-02-07 QUOTE 'em space'",
            "CLAIM (e1)-[:R {killed: 5}]->(e2é) BY s7 REPORTED ON @2018-02-07 QUOTE 'word goes on'",
            "CLAIM (e1)-[:R {killed: 5}]->(e2) BY s7 REPORTED ON @2018-02-07 QUOTE 'x'\u{feff}",
            "CLAIM (e1)-[:R {killed: 5}]- >(e2) BY s7 REPORTED ON @2018-02-07 QUOTE 'blank inside ->'",
            "CLAIM (e1) -[:R {killed: 5}]->(e2) BY s7 REPORTED ON @2018-02-07 QUOTE 'blank before -'",
            "CLAIM(e1)-[:R {killed: 5}]->(e2) BY s7 REPORTED ON @2018-02-07 QUOTE 'no blank'",
            "CLAIM (e1)-[:CLAIM {killed: 5}]->(e2) BY s7 REPORTED ON @2018-02-07 QUOTE 'a keyword'",
            "CLAIM (e1)-[:R {killed: 5}]->(e2) BY s7 REPORTED ON @2018-02-07 QUOTE 'x' QUOTE 'two'",
            "CLAIM (e1)-[:R {killed: 5}]->(e2) BY s7 REPORTED ON @2018-02-07 QUOTE 'unclosed\\'",
            "CLAIM (e1)-[:R {killed: 5}]->(e2) BY s7 REPORTED ON @2018-02-07 QUOTE \"other quote\"",
            "CLAIM (e1)-[:R {killed: 5}]->(e2) BY s7 REPORTED ON @2018-02-07 // QUOTE 'comment'",
            "CLAIM (e1)-[:R {killed: 5}]->(e2) BY s7 REPORTED ON @2018-02-07 QUOTE 'x' /",
            "CLAIM (e1)-[:R {killed: 5}]->(e2) BY s7 REPORTED ON @2018-02-07 QUOTE 'x'\0",
            "CLAIM (e1)-[:R {killed: 5}]->(e2) BY s7 REPORTED ON @2018-02-07",
            "CLAIM (e1)-[:R {killed: `5`}]->(e2) BY s7 REPORTED ON @2018-02-07 QUOTE 'name'",
        ] {
            let (mut starts, mut ends) = (Vec::new(), Vec::new());
            assert_eq!(shapes.known.find(text, &mut starts, &mut ends, is_keyword), None, "{text:?}");
            same_as_pest(&mut shapes, text);
        }
        assert!(shapes.records > records);
        // The same tokens with literals pest refuses: pest's answer (none).
        for text in [
            "CLAIM (e1)-[:R {killed: 5}]->(e2) BY s7 REPORTED ON @2018-13-01 QUOTE 'bad month'",
            "CLAIM (e1)-[:R {killed: 5}]->(e2) BY s7 REPORTED ON @2019-02-29 QUOTE 'no such day'",
            "CLAIM (e1)-[:R {killed: 99999999999999999999}]->(e2) BY s7 REPORTED ON @2018-01-01 QUOTE 'big'",
            "CLAIM (e1)-[:R {killed: 5}]->(e2) BY s7 REPORTED ON @2018-01-01 QUOTE '\\uZZZZ'",
            "CLAIM (e1)-[:R {killed: 5}]->(é2) BY s7 REPORTED ON @2018-01-01 QUOTE 'not an ident'",
            "CLAIM (e1)-[:R {killed: 5x}]->(e2) BY s7 REPORTED ON @2018-01-01 QUOTE 'not a number'",
            "CLAIM (e1)-[:R {killed: 3..1}]->(e2) BY s7 REPORTED ON @2018-01-01 QUOTE 'backwards'",
            "CLAIM (e1)-[:R {killed: 5}]->(e2) BY s7 REPORTED ON @2018-01-1x QUOTE 'not a date'",
            "CLAIM (e1)-[:R {killed: 5}]->(e2) BY s7 REPORTED ON @22:00 QUOTE 'a time, not a date'",
            "CLAIM (e1)-[:R {killed: 5}]->(e2) BY s7 REPORTED ON @P1D QUOTE 'a duration'",
        ] {
            same_as_pest(&mut shapes, text);
            assert!(shapes.parse(text).is_none(), "{text}");
        }
        let two = "CLAIM (e1)-[:R {a: 5, b: 6}]->(e2) BY s7 QUOTE 'two properties'";
        same_as_pest(&mut shapes, two);
        same_as_pest(&mut shapes, "CLAIM (e1)-[:R {a: 5, a: 6}]->(e2) BY s7 QUOTE 'one property twice'");
        // Other shapes: blanks elsewhere, blanks pest does not skip, comments, another
        // keyword or its case, other statements.
        for text in [
            "CLAIM (e1) -[:R {killed: 5}]->(e2) BY s7 REPORTED ON @2018 QUOTE 'q'",
            "CLAIM (e1)-[:R {killed: 5}]- >(e2) BY s7 REPORTED ON @2018 QUOTE 'q'",
            "CLAIM (e1)-[:R {killed: 5}]->(e2)\u{a0}BY s7 REPORTED ON @2018 QUOTE 'q'",
            "CLAIM (e1)-[:R {killed: 5}]->(e2) /* c */ BY s7 REPORTED ON @2018 QUOTE 'q'",
            "claim (e1)-[:R {killed: 5}]->(e2) by s7 reported on @2018 quote 'q'",
            "CLAIM (e1)-[:R {killed: 5}]->(e2) BY s7 ALLEGED ON @2018 QUOTE 'q'",
            "CLAIM (e1)-[:R {killed: 5}]->(e2) BY s7 REPORTED ON @ 2018 QUOTE 'q'",
            "CLAIM (e1)-[:R {killed: 5}]->(`x``y`) BY s7 REPORTED ON @2018 QUOTE 'q'",
            "CLAIM (e1)-[:R {killed: 5}]->(`a``b`) BY s7 REPORTED ON @2018 QUOTE 'q'",
            "CLAIM (e1)-[:R {killed: 2}]->(e2) BY s7 REPORTED ON @2018-02-07T22:00+03:00 QUOTE 'a date-time'",
            "CLAIM (e1)-[:R {killed: 2}]->(e2) BY s7 REPORTED ON @2018-02-08T01:30Z QUOTE 'another'",
            "CLAIM (e1)-[:R {killed: 2}]->(e2) BY s7 REPORTED ON @2018-W07 QUOTE 'a week'",
            "ENTITY (e1:Person {name: 'Person 1'})",
            "ENTITY (e2:Unit {name: 'it\\'s'})",
            "ENTITY (e3:Unit {name: 5})",
            "ENTITY (e4:Unit {name: 'a', name: 'b'})",
            "ENTITY (e5:Unit {name: 'a', alias: 'b'})",
            "SOURCE (s1:NewsAgency {name: 'Source 1'}) VIA s2",
            "SOURCE (s3:NewsAgency {name: 'Source 3'}) VIA s4",
            "CLAIM (a)-[c1:R]->(b) BY USER 'ann' IN doc AT 'para 3' QUOTE 'x' BY s QUOTE 'y'",
            "CLAIM (a)-[c2:R]->(b) BY USER 'bob' IN doc AT 'p. 4' QUOTE 'z' BY t QUOTE 'w'",
            "CLAIM (a)<-[:R {k: [1, 'two', {three: 3}]}]-(b) BY s VIA r1, r2 QUOTE 'left'",
            "CLAIM (x)<-[:Q {k: [4, 'five', {six: 6}]}]-(y) BY t VIA r3, r4 QUOTE 'left again'",
            "CLAIM (a)-[c3:R {k: ~100, m: >=5, n: -3, o: 1..2, s: 'x\\'y', l: [1, 'z']}]->(b) BY s VIA r1, r2 ALLEGED ON @2018 QUOTE 'q' BY t QUOTE 'w'",
            "CLAIM (c)-[c4:Q {k: ~7..9, m: <2, n: -0.5, o: 0x1F, s: \"\\u00e9\", l: []}]->(d) BY u VIA r3, r4 DENIED ON @2019-02 QUOTE '\\n' BY v QUOTE ''",
            "CLAIM (c)-[c4:Q {k: 1, m: 2, n: 3, o: 4, s: 5, s: 6}]->(d) BY u VIA r3, r4 DENIED ON @2019-02 QUOTE 'twice' BY v QUOTE ''",
            "CLAIM (c)-[c4:Q {k: 1, m: 2, n: 3, o: 4, s: 5, l: 6}]->(`d`) BY u VIA r3, r4 DENIED ON @2019-02 QUOTE 'tick' BY v QUOTE ''",
            "CLAIM (a)-[:R]->(b) BY s IN doc QUOTE 'a document'",
            "CLAIM (a)-[:R]->(b) BY s IN doc2 QUOTE 'another'",
            "CLAIM (:L)-[:R]->(b) BY s QUOTE 'a label'",
            "CLAIM (:M)-[:R]->(b) BY s QUOTE 'a label'",
            "MATCH (n) RETURN n",
            "DENY (a)-[:R {k: >=10}]->(b) BY s QUOTE 'no'",
        ] {
            same_as_pest(&mut shapes, text);
            same_as_pest(&mut shapes, text);
        }
    }

    /// Every statement of every data file in the repository, parsed twice (the second time
    /// from templates), and with each literal token swapped for another of its kind.
    #[test]
    fn every_statement_of_the_test_data_parses_as_pest_parses_it() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![root.join("data/khusham_2018.kg")];
        for dir in ["tests/roundtrip", "tests/load_errors", "tests/contradictions"] {
            for entry in walk(&root.join(dir)) {
                if entry.extension().is_some_and(|e| e == "kg") {
                    files.push(entry);
                }
            }
        }
        let swaps: [(TokenKind, &[&str]); 4] = [
            (TokenKind::Word, &["e1", "_x", "é", "CLAIM", "true"]),
            (
                TokenKind::Number,
                &["7", "1..3", "0x1F", "2.5", "1e400", "99999999999999999999", "0o8", "12ab"],
            ),
            (TokenKind::String { closed: true }, &["'x'", "'\\u12'", "\"a'b\"", "'\\''"]),
            (TokenKind::QuotedName { closed: true }, &["`q`", "``"]),
        ];
        let (mut statements, mut rebuilt, mut records, mut matched) = (0, 0, 0, 0);
        for file in &files {
            let text = std::fs::read_to_string(file).expect("test data");
            let mut shapes = DeclShapes::default();
            for span in crate::statements::split_statements(&text) {
                let stmt = &text[span.start..span.end];
                same_as_pest(&mut shapes, stmt);
                same_as_pest(&mut shapes, stmt);
                statements += 1;
                for t in tokens(stmt) {
                    for (kind, others) in &swaps {
                        if t.kind != *kind {
                            continue;
                        }
                        for other in *others {
                            let swapped = format!("{}{other}{}", &stmt[..t.span.start], &stmt[t.span.end..]);
                            same_as_pest(&mut shapes, &swapped);
                        }
                    }
                }
            }
            rebuilt += shapes.rebuilt;
            records += shapes.records;
            matched += shapes.matched;
        }
        assert!(statements > 500 && rebuilt > statements, "{statements} statements, {rebuilt} rebuilt");
        assert!(records > statements / 2, "{statements} statements, {records} read into records");
        assert!(matched > records / 2, "{records} read into records, {matched} matched byte by byte");
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
        out.sort();
        out
    }

    #[test]
    fn a_day_reads_as_pest_reads_it() {
        // Every day of leap years and others, and the days that do not exist: in this form
        // `day` gives what `parse_date` gives, nothing for a day that does not exist.
        let mut read = 0;
        for year in ["0000", "1900", "2000", "2019", "2020", "9999"] {
            for month in 0..=13 {
                for d in 0..=32 {
                    let raw = format!("@{year}-{month:02}-{d:02}");
                    assert_eq!(day(&raw), parse_date(&raw).ok(), "{raw}");
                    read += usize::from(day(&raw).is_some());
                }
            }
        }
        assert_eq!(read, 3 * 365 + 3 * 366, "every day that exists is read");
        for raw in [
            "@2019-3-13",
            "@2019-03-1",
            "@20190313",
            "@2019-03",
            "@2019",
            "@2019-W07",
            "@-2019-03-13",
            "@+2019-03-13",
            "@2019-03-13T10:00",
            "@2019-03-1a",
            "@2019/03/13",
            "2019-03-13x",
            "@-2weeks",
            "@2019-03-13 ",
            "@２019-03-13",
            "@2019-03-١3",
        ] {
            assert_eq!(day(raw), None, "{raw}: not a day as data files write them");
        }
    }

    #[test]
    fn keywords_are_the_grammars() {
        for word in ["CLAIM", "claim", "Quote", "ANY", "REPORTED", "CONTRADICTIONS"] {
            assert!(is_keyword(word), "{word}");
        }
        for word in ["killed", "e1", "CASUALTIES", "claims", "ANY_"] {
            assert!(!is_keyword(word), "{word}");
        }
    }

    #[test]
    fn identifiers_are_the_grammars() {
        for raw in ["e1", "_x", "A_b9", "é", "1e", "", "a-b", "`a``b`", "``", "`x`"] {
            let pest = LangParser::parse(Rule::ident, raw)
                .ok()
                .and_then(|mut p| p.next())
                .filter(|p| p.as_str().len() == raw.len())
                .map(|p| crate::syntax::ident_text(&p));
            assert_eq!(identifier(raw), pest, "{raw:?}");
        }
    }
}
