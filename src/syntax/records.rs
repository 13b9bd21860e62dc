//! Claims of a known shape read straight into a compact record, for the loader.
//!
//! [`super::shapes`] rebuilds a statement of a shape it has seen from the first one's
//! declaration: a clone of the template, every literal rebuilt into it, a `String` per
//! name. A claim whose template has a [`ClaimPlan`] (ends that are ids, declared sources,
//! no document named) is read instead into a [`ClaimRecord`]: names as their spans in the
//! statement (looked up or interned from there), the quote as the one `String` the
//! attestation takes over, the values and dates as the template's builders give them.
//! Names must be plain identifiers (a backticked one goes the template's way).
//!
//! The shapes of those templates are also kept as a tree of their tokens ([`KnownShapes`]):
//! a claim of one of them is matched byte by byte, straight from the statement's text,
//! without the lexer's token stream and the shape key hashed (what the matcher is unsure of
//! goes the lexer's way).
//!
//! [`ClaimRecord::to_decl`] gives back the declaration pest gives for the same statement
//! (tested against pest over the test data): the loader falls back to it for anything
//! unusual (an unknown name, an error), so errors are always those of the declaration.

use super::decl::{AttestationDecl, DeclStatement, EndPattern, Name, Prop, RelPatternDecl, SourceName};
use super::{unescape, Span};
use crate::model::{Status, Value};

/// Where a claim template's literals are among its slots (the order
/// [`super::shapes`]' `visit` meets them), for templates a record can stand for.
#[derive(Debug)]
pub(crate) struct ClaimPlan {
    /// (the end's span, its id)
    subject: (usize, usize),
    claim_id: Option<usize>,
    rel_type: usize,
    /// (key, value)
    props: Vec<(usize, usize)>,
    object: (usize, usize),
    attestations: Vec<AttestationPlan>,
    /// Slots in all.
    slots: usize,
}

#[derive(Debug)]
struct AttestationPlan {
    span: usize,
    source: usize,
    via: Option<Vec<usize>>,
    /// Written with keywords: the template's.
    status: Option<Status>,
    date: Option<usize>,
    quote_span: Option<usize>,
    quote: Option<usize>,
}

/// A claim statement read by a [`ClaimPlan`]: spans relative to the statement's start.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ClaimRecord {
    /// (the end's span, its id's)
    pub subject: (Span, Span),
    pub claim_id: Option<Span>,
    pub rel_type: Span,
    /// (the key's span, the value)
    pub props: Vec<(Span, Value)>,
    pub object: (Span, Span),
    pub attestations: Vec<AttestationRecord>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AttestationRecord {
    pub span: Span,
    /// A declared source's id.
    pub source: Span,
    pub via: Option<Vec<Span>>,
    pub status: Option<Status>,
    pub date: Option<Value>,
    pub quote_span: Option<Span>,
    /// Taken by the attestation the loader builds.
    pub quote: Option<String>,
}

/// Counts slots as a plan is laid out.
struct Counter(usize);

impl Counter {
    fn next(&mut self) -> usize {
        self.0 += 1;
        self.0 - 1
    }
}

impl ClaimPlan {
    /// The plan of a template's declaration, walked in `visit`'s order; `None` when a
    /// record cannot stand for it (an end with labels or without an id, a user's source, a
    /// document or a position, a quote without its span).
    pub(crate) fn of(decl: &DeclStatement) -> Option<ClaimPlan> {
        let DeclStatement::Claim { pattern: p, attestations } = decl else { return None };
        let mut n = Counter(0);
        let end = |e: &EndPattern, n: &mut Counter| {
            (e.id.is_some() && e.labels.is_empty()).then(|| (n.next(), n.next()))
        };
        let subject = end(&p.subject, &mut n)?;
        let claim_id = p.claim_id.as_ref().map(|_| n.next());
        let rel_type = n.next();
        let props = p.props.iter().map(|_| (n.next(), n.next())).collect();
        let object = end(&p.object, &mut n)?;
        let mut plans = Vec::with_capacity(attestations.len());
        for a in attestations {
            let declared = matches!(a.source, SourceName::Declared(_));
            if !declared
                || a.document.is_some()
                || a.position.is_some()
                || (a.quote.is_some() && a.quote_span.is_none())
            {
                return None;
            }
            let span = n.next();
            let source = n.next();
            let via = a.via.as_ref().map(|v| v.iter().map(|_| n.next()).collect());
            let date = a.date.as_ref().map(|_| n.next());
            let quote_span = a.quote_span.map(|_| n.next());
            let quote = a.quote.as_ref().map(|_| n.next());
            plans.push(AttestationPlan { span, source, via, status: a.status, date, quote_span, quote });
        }
        Some(ClaimPlan { subject, claim_id, rel_type, props, object, attestations: plans, slots: n.0 })
    }

    /// Reads a statement of the template's shape: `slots` are the template's (first and
    /// last token of each), `starts` and `ends` the statement's token boundaries in `text`.
    /// `value` and `date` are the builders of values and dates. `None` when a literal does
    /// not read (the template's way then decides).
    pub(crate) fn read(
        &self,
        text: &str,
        slots: &[(usize, usize)],
        starts: &[usize],
        ends: &[usize],
        value: &mut dyn FnMut(&str, Span) -> Option<Value>,
        date: &mut dyn FnMut(&str) -> Option<Value>,
    ) -> Option<ClaimRecord> {
        if slots.len() != self.slots {
            return None;
        }
        let at = |i: usize| {
            let &(first, last) = slots.get(i)?;
            Some(Span::new(*starts.get(first)?, *ends.get(last)?))
        };
        let raw = |s: Span| text.get(s.start..s.end);
        let name = |i: usize| at(i).filter(|s| raw(*s).is_some_and(plain_identifier));
        let end = |(span, id): (usize, usize)| Some((at(span)?, name(id)?));
        let subject = end(self.subject)?;
        let claim_id = match self.claim_id {
            Some(i) => Some(name(i)?),
            None => None,
        };
        let rel_type = name(self.rel_type)?;
        let mut props = Vec::with_capacity(self.props.len());
        for &(k, v) in &self.props {
            let key = name(k)?;
            let span = at(v)?;
            // A property given twice: what `build_props` refuses.
            if props.iter().any(|(other, _)| raw(*other) == raw(key)) {
                return None;
            }
            props.push((key, value(raw(span)?, span)?));
        }
        let object = end(self.object)?;
        let mut attestations = Vec::with_capacity(self.attestations.len());
        for a in &self.attestations {
            let via = match &a.via {
                Some(names) => Some(names.iter().map(|&i| name(i)).collect::<Option<Vec<_>>>()?),
                None => None,
            };
            let date = match a.date {
                Some(i) => Some(date(raw(at(i)?)?)?),
                None => None,
            };
            let quote_span = match a.quote_span {
                Some(i) => Some(at(i)?),
                None => None,
            };
            let quote = match a.quote {
                Some(i) => {
                    let span = at(i)?;
                    Some(quote(raw(span)?, span)?)
                }
                None => None,
            };
            attestations.push(AttestationRecord {
                span: at(a.span)?,
                source: name(a.source)?,
                via,
                status: a.status,
                date,
                quote_span,
                quote,
            });
        }
        Some(ClaimRecord { subject, claim_id, rel_type, props, object, attestations })
    }
}

// ---- known claim shapes, matched byte by byte ----------------------------------------

/// A token of a known shape, as [`super::shapes`] tells shapes apart: keywords and
/// punctuation by their text, strings by their quote, other literals by their kind.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ShapeToken {
    Keyword(Box<[u8]>),
    /// A word that is not a keyword.
    Word,
    Number,
    /// A closed string, by its quote.
    Str(u8),
    QuotedName,
    /// A bracket, `;` or other character.
    Punct(Box<[u8]>),
}

/// The claim shapes a [`ClaimPlan`] reads, as a tree of their tokens (and whether blanks
/// come before each), so that a statement is matched against every known shape in one
/// pass over its bytes: no token stream, no shape key built and hashed, no keyword looked
/// up but for words in a literal's place. A statement matches a shape exactly when the
/// lexer's tokens of it give that shape's key, with the same token boundaries: each token
/// is read by the lexer's own rule for its first byte. Whatever the matcher is unsure of
/// (a byte outside ASCII, a blank other than space, tab, CR and LF, a comment, an unclosed
/// string) it does not match, and the statement goes the lexer's way.
#[derive(Debug, Default)]
pub(crate) struct KnownShapes {
    /// The root first.
    nodes: Vec<ShapeNode>,
}

#[derive(Debug, Default)]
struct ShapeNode {
    /// (whether blanks come before it, the token, the node after it)
    next: Vec<(bool, ShapeToken, usize)>,
    /// What the caller gave for the shape that ends here.
    end: Option<usize>,
}

/// Classes of token the matcher reads.
#[derive(Clone, Copy, PartialEq)]
enum Class {
    Word,
    Number,
    Str,
    QuotedName,
    Punct,
}

impl KnownShapes {
    /// Adds a shape, its tokens in order, to stand for `value`.
    pub(crate) fn insert(&mut self, tokens: impl IntoIterator<Item = (bool, ShapeToken)>, value: usize) {
        if self.nodes.is_empty() {
            self.nodes.push(ShapeNode::default());
        }
        let mut at = 0;
        for (blank, token) in tokens {
            let found = self.nodes[at].next.iter().find(|(b, t, _)| *b == blank && *t == token);
            at = match found {
                Some(&(_, _, next)) => next,
                None => {
                    self.nodes.push(ShapeNode::default());
                    let next = self.nodes.len() - 1;
                    self.nodes[at].next.push((blank, token, next));
                    next
                }
            };
        }
        self.nodes[at].end.get_or_insert(value);
    }

    /// The value of the known shape `text` has, with where its tokens start and end (in
    /// `starts` and `ends`, as the lexer gives them); `None` when it has none of them, or
    /// when the matcher cannot tell (see the type's doc). `is_keyword` tells keywords.
    pub(crate) fn find(
        &self,
        text: &str,
        starts: &mut Vec<usize>,
        ends: &mut Vec<usize>,
        is_keyword: fn(&str) -> bool,
    ) -> Option<usize> {
        starts.clear();
        ends.clear();
        let b = text.as_bytes();
        let mut node = self.nodes.first()?;
        let mut p = 0;
        loop {
            let from = p;
            while matches!(b.get(p), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                p += 1;
            }
            let blank = p > from;
            let Some(&c) = b.get(p) else { return node.end };
            let (class, end) = match c {
                b'\'' | b'"' => {
                    let mut i = p + 1;
                    loop {
                        match memchr::memchr2(c, b'\\', b.get(i..).unwrap_or_default()) {
                            None => return None,
                            Some(j) if b[i + j] == b'\\' => i += j + 2,
                            Some(j) => break (Class::Str, i + j + 1),
                        }
                    }
                }
                b'`' => (Class::QuotedName, p + 2 + memchr::memchr(b'`', b.get(p + 1..)?)?),
                b'/' if matches!(b.get(p + 1), Some(b'/' | b'*')) => return None,
                b'0'..=b'9' => {
                    let len = b[p..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'.').count();
                    (Class::Number, p + len)
                }
                b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                    let len = b[p..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
                    // A word going on outside ASCII: the lexer's to read.
                    if b.get(p + len).is_some_and(|c| !c.is_ascii()) {
                        return None;
                    }
                    (Class::Word, p + len)
                }
                // Other blanks, control characters and whatever is not ASCII: the lexer's.
                0..=0x20 | 0x7f.. => return None,
                _ => (Class::Punct, p + 1),
            };
            let raw = b.get(p..end)?;
            let mut keyword = None;
            let mut is_keyword =
                || *keyword.get_or_insert_with(|| is_keyword(text.get(p..end).unwrap_or_default()));
            let &(_, _, next) = node.next.iter().find(|(b, t, _)| {
                *b == blank
                    && match t {
                        ShapeToken::Keyword(k) => class == Class::Word && same(k, raw),
                        ShapeToken::Word => class == Class::Word && !is_keyword(),
                        ShapeToken::Number => class == Class::Number,
                        ShapeToken::Str(q) => class == Class::Str && *q == c,
                        ShapeToken::QuotedName => class == Class::QuotedName,
                        // (One byte: the matcher reads no other punctuation.)
                        ShapeToken::Punct(x) => class == Class::Punct && **x == [c],
                    }
            })?;
            starts.push(p);
            ends.push(end);
            p = end;
            node = self.nodes.get(next)?;
        }
    }
}

/// `a == b`, for the few bytes of a keyword: compared in place rather than by a call to
/// the library's `memcmp`.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// A quote's text: what [`unescape`] gives, copied at once when there is no escape in it
/// (nearly every quote of a data file) rather than char by char.
fn quote(raw: &str, span: Span) -> Option<String> {
    if memchr::memchr(b'\\', raw.as_bytes()).is_none() {
        if let Some(inner) = raw.get(1..raw.len().saturating_sub(1)) {
            return Some(inner.to_string());
        }
    }
    unescape(raw, span).ok()
}

/// The grammar's `ident` without backticks: ASCII letters, digits and `_`, not starting
/// with a digit.
fn plain_identifier(raw: &str) -> bool {
    let b = raw.as_bytes();
    b.first().is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

impl ClaimRecord {
    /// The declaration of the statement `text` this record was read from: what pest gives
    /// for it, spans included.
    pub(crate) fn to_decl(&self, text: &str) -> DeclStatement {
        let name = |s: Span| Name { text: text.get(s.start..s.end).unwrap_or_default().to_string(), span: s };
        let end = |(span, id): (Span, Span)| EndPattern { id: Some(name(id)), labels: Vec::new(), span };
        let pattern = RelPatternDecl {
            subject: end(self.subject),
            claim_id: self.claim_id.map(name),
            rel_type: name(self.rel_type),
            props: self.props.iter().map(|(k, v)| Prop { key: name(*k), value: v.clone() }).collect(),
            object: end(self.object),
        };
        let attestations = self
            .attestations
            .iter()
            .map(|a| AttestationDecl {
                source: SourceName::Declared(name(a.source)),
                via: a.via.as_ref().map(|v| v.iter().map(|s| name(*s)).collect()),
                status: a.status,
                document: None,
                position: None,
                date: a.date.clone(),
                quote: a.quote.clone(),
                span: a.span,
                quote_span: a.quote_span,
            })
            .collect();
        DeclStatement::Claim { pattern, attestations }
    }
}
