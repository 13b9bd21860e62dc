//! Claims of a known shape read straight into a compact record, for the loader.
//!
//! [`super::shapes`] rebuilds a statement of a shape it has seen from the first one's
//! declaration: a clone of the template, every literal rebuilt into it, a `String` per
//! name. A claim whose template has a [`ClaimPlan`] (ends that are ids, declared sources,
//! no document named) is read instead into a [`ClaimRecord`]: names as their spans in the
//! statement (looked up or interned from there), the attestations built as the claim will
//! keep them (quote and date in place, the sources left to the loader), the values and
//! dates as the template's builders give them.
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
use crate::model::{Attestation, EntityIx, SourceRef, Status, Value};

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
    /// The attestations as the graph keeps them, one for each of `attestations`, built
    /// on the parsing thread: status, quote and date in place; source, `VIA` chain and
    /// document are the loader's to fill in ([`Attestation::source`] is
    /// [`unresolved_source`] until then). In a vector of exactly their number, which the
    /// claim takes over. Allocated here rather than by the thread applying claims: that
    /// thread is the longer side of a big load, and faulting in fresh memory for 128 bytes
    /// a claim was a fifth of its time on a busy machine (docs/performance.md, "The load,
    /// eleventh round").
    pub made: Vec<Attestation>,
}

/// The source of an attestation a record made, before the loader resolves it: no entity.
pub(crate) fn unresolved_source() -> SourceRef {
    SourceRef::Entity(EntityIx::end())
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AttestationRecord {
    pub span: Span,
    /// A declared source's id.
    pub source: Span,
    pub via: Option<Vec<Span>>,
    /// As written (`None` without a keyword; the made attestation's is then `Asserted`).
    pub status: Option<Status>,
    pub quote_span: Option<Span>,
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
        let mut made = Vec::with_capacity(self.attestations.len());
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
                    Some(quote(raw(span)?, span)?.into_boxed_str())
                }
                None => None,
            };
            attestations.push(AttestationRecord {
                span: at(a.span)?,
                source: name(a.source)?,
                via,
                status: a.status,
                quote_span,
            });
            made.push(Attestation {
                quote,
                date,
                ..Attestation::new(unresolved_source(), a.status.unwrap_or(Status::Asserted))
            });
        }
        Some(ClaimRecord { subject, claim_id, rel_type, props, object, attestations, made })
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
    /// The runs of keywords and punctuation that start with one of `next` (see [`Run`]).
    runs: Vec<Run>,
}

/// Keywords and punctuation that follow one another in the tree with no other way to go
/// (`)-[:`, ` BELIEVED ON @`), matched in one comparison of up to 16 bytes rather than token
/// by token: two thirds of a claim's tokens are in such runs. `text` is the run as data files
/// write it, one space wherever blanks come before a token but the first; a statement
/// written otherwise (a tab, two spaces) is matched token by token.
///
/// A run matches exactly where its tokens would: each is read by the same rule, punctuation
/// is one byte, a keyword inside a run is followed by a blank or punctuation and so ends
/// where the lexer ends it, and a keyword at the end is checked not to go on (a byte that
/// would continue it, or one outside ASCII, sends the statement token by token).
#[derive(Debug)]
struct Run {
    /// Whether blanks come before the first token.
    blank: bool,
    /// The text, zero-padded, and which of its 16 bytes it has (`mask`); `len` of them.
    text: u128,
    mask: u128,
    len: usize,
    /// Where each token starts and ends in the text.
    tokens: Vec<(usize, usize)>,
    /// Whether the last token is a keyword.
    word_last: bool,
    /// The node after the last token.
    to: usize,
}

/// Bytes a [`Run`] compares at once.
const RUN_BYTES: usize = 16;

impl Run {
    /// Whether `b` goes on at `p` with the run's tokens.
    fn matches(&self, b: &[u8], p: usize) -> bool {
        let found = match b.get(p..p + RUN_BYTES) {
            Some(w) => {
                let mut word = [0; RUN_BYTES];
                word.copy_from_slice(w);
                (u128::from_le_bytes(word) ^ self.text) & self.mask == 0
            }
            // Near the end of the statement: byte by byte.
            None => {
                let text = self.text.to_le_bytes();
                b.get(p..p + self.len).is_some_and(|w| w.iter().zip(&text).all(|(x, y)| x == y))
            }
        };
        found && !(self.word_last && b.get(p + self.len).is_some_and(|c| goes_on_a_word(*c)))
    }
}

/// Whether a byte after a word's letters is one the lexer would read as more of the word
/// (or one the matcher leaves to the lexer: outside ASCII).
fn goes_on_a_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || !c.is_ascii()
}

/// The text of a token a [`Run`] can hold: a keyword (a word, as the matcher reads words)
/// or a byte the matcher reads as punctuation, but `/` (which may open a comment).
fn fixed_text(token: &ShapeToken) -> Option<&[u8]> {
    match token {
        ShapeToken::Keyword(k)
            if k.first().is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
                && k.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_') =>
        {
            Some(k)
        }
        ShapeToken::Punct(x) if matches!(**x, [c] if punct(c) && c != b'/') => Some(x),
        _ => None,
    }
}

/// Whether the matcher reads `c` as a token of punctuation of its own (the last arm of its
/// reading in [`KnownShapes::find`]).
fn punct(c: u8) -> bool {
    !matches!(c, b'\'' | b'"' | b'`' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' | b'_' | 0..=0x20 | 0x7f..)
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
        let mut path = vec![0];
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
            path.push(at);
        }
        self.nodes[at].end.get_or_insert(value);
        // A node of the path may have gained a way on or a shape's end, which ends the
        // runs through it: those start on the path too.
        for i in path {
            self.nodes[i].runs = self.runs_from(i);
        }
    }

    /// The runs that start with each of node `at`'s tokens (see [`Run`]).
    fn runs_from(&self, at: usize) -> Vec<Run> {
        let mut runs = Vec::new();
        for (blank, token, next) in &self.nodes[at].next {
            let Some(first) = fixed_text(token) else { continue };
            let mut text = first.to_vec();
            let mut tokens = vec![(0, first.len())];
            let mut word_last = matches!(token, ShapeToken::Keyword(_));
            let mut to = *next;
            // On while the node reached has one way on, of a fixed token, and no shape ends.
            while let (None, [(blank, token, next)]) = (self.nodes[to].end, self.nodes[to].next.as_slice()) {
                let Some(more) = fixed_text(token) else { break };
                let start = text.len() + usize::from(*blank);
                if start + more.len() > RUN_BYTES {
                    break;
                }
                if *blank {
                    text.push(b' ');
                }
                text.extend_from_slice(more);
                tokens.push((start, text.len()));
                word_last = matches!(token, ShapeToken::Keyword(_));
                to = *next;
            }
            if text.len() > RUN_BYTES {
                continue; // a keyword too long for one comparison: token by token
            }
            let mut padded = [0; RUN_BYTES];
            padded[..text.len()].copy_from_slice(&text);
            let mut mask = [0; RUN_BYTES];
            mask[..text.len()].fill(0xff);
            runs.push(Run {
                blank: *blank,
                text: u128::from_le_bytes(padded),
                mask: u128::from_le_bytes(mask),
                len: text.len(),
                tokens,
                word_last,
                to,
            });
        }
        runs
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
            if let Some(run) = node.runs.iter().find(|r| r.blank == blank && r.matches(b, p)) {
                for &(s, e) in &run.tokens {
                    starts.push(p + s);
                    ends.push(p + e);
                }
                p += run.len;
                node = self.nodes.get(run.to)?;
                continue;
            }
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
            .zip(&self.made)
            .map(|(a, made)| AttestationDecl {
                source: SourceName::Declared(name(a.source)),
                via: a.via.as_ref().map(|v| v.iter().map(|s| name(*s)).collect()),
                status: a.status,
                document: None,
                position: None,
                date: made.date.clone(),
                quote: made.quote.as_deref().map(str::to_string),
                span: a.span,
                quote_span: a.quote_span,
            })
            .collect();
        DeclStatement::Claim { pattern, attestations }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyword(k: &str) -> ShapeToken {
        ShapeToken::Keyword(k.as_bytes().into())
    }

    fn punct(p: &str) -> ShapeToken {
        ShapeToken::Punct(p.as_bytes().into())
    }

    /// The keywords of these tests' shapes (the matcher asks about words in a literal's place).
    fn is_keyword(word: &str) -> bool {
        ["CLAIM", "BY", "REPORTED", "ALLEGED", "ON", "QUOTE", "UNCONFIRMEDLONGWORD", "A"]
            .contains(&word.to_ascii_uppercase().as_str())
    }

    /// A data file's claim shape, with `status` and `@` `N` `-` `N` `-` `N` dates.
    fn claim(status: &str) -> Vec<(bool, ShapeToken)> {
        let mut shape = vec![(true, keyword("CLAIM")), (true, punct("("))];
        shape.extend([
            (false, ShapeToken::Word),
            (false, punct(")")),
            (false, punct("-")),
            (false, punct("[")),
        ]);
        shape.extend([
            (false, punct(":")),
            (false, ShapeToken::Word),
            (false, punct("]")),
            (false, punct("-")),
        ]);
        shape.extend([
            (false, punct(">")),
            (false, punct("(")),
            (false, ShapeToken::Word),
            (false, punct(")")),
        ]);
        shape.extend([(true, keyword("BY")), (true, ShapeToken::Word), (true, keyword(status))]);
        shape.extend([
            (true, keyword("ON")),
            (true, punct("@")),
            (false, ShapeToken::Number),
            (false, punct("-")),
        ]);
        shape.extend([(false, ShapeToken::Number), (false, punct("-")), (false, ShapeToken::Number)]);
        shape.extend([(true, keyword("QUOTE")), (true, ShapeToken::Str(b'\''))]);
        shape
    }

    /// Shapes with runs of every kind: keywords in the middle and at the end, a keyword
    /// followed by a word without blanks (which the lexer never gives, but the tree takes),
    /// a keyword too long for a run, `/`, and a shape ending inside another's run.
    fn shapes() -> KnownShapes {
        let mut known = KnownShapes::default();
        known.insert(claim("REPORTED"), 0);
        known.insert(claim("ALLEGED"), 1);
        known.insert(claim("UNCONFIRMEDLONGWORD"), 2);
        known.insert([(false, keyword("QUOTE")), (false, ShapeToken::Word)], 3);
        known
            .insert([(false, keyword("A")), (false, punct("(")), (true, punct("/")), (false, punct("x"))], 4);
        known.insert([(false, keyword("A")), (false, punct("(")), (true, punct(")"))], 5);
        known
            .insert([(false, keyword("A")), (false, punct("(")), (true, punct(")")), (false, punct(";"))], 6);
        known
    }

    #[test]
    fn runs_of_keywords_and_punctuation_match_as_their_tokens_do() {
        let known = shapes();
        let mut tokenwise = shapes();
        tokenwise.nodes.iter_mut().for_each(|n| n.runs.clear());
        let runs: Vec<String> = known
            .nodes
            .iter()
            .flat_map(|n| &n.runs)
            .map(|r| String::from_utf8_lossy(&r.text.to_le_bytes()[..r.len]).into_owned())
            .collect();
        for run in
            ["CLAIM (", ")-[:", "]->(", ") BY", "REPORTED ON @", "ALLEGED ON @", "-", "QUOTE", "A(", ")", ";"]
        {
            assert!(runs.contains(&run.to_string()), "{run:?} in {runs:?}");
        }
        // No run through a node with two ways on, or where a shape ends, or over `/`.
        for run in ["UNCONFIRMEDLONGWORD ON @", "A( )", ") BY ALLEGED", "/x"] {
            assert!(!runs.iter().any(|r| r.contains(run)), "{run:?} in {runs:?}");
        }
        let statements = [
            "\nCLAIM (e1)-[:SEEN_AT]->(e2) BY s7 REPORTED ON @2019-03-13 QUOTE 'a b'",
            "CLAIM (e1)-[:SEEN_AT]->(e2) BY s7 ALLEGED ON @2019-03-13 QUOTE 'a b'",
            " CLAIM (e1)-[:T]->(e2) BY s7 UNCONFIRMEDLONGWORD ON @2019-03-13 QUOTE 'x'  ",
            "QUOTEx",
            "A( /x",
            "A( )",
            "A( );",
        ];
        let mut variants = Vec::new();
        for s in statements {
            variants.push(s.to_string());
            for (i, c) in s.char_indices() {
                let (before, after) = (&s[..i], &s[i + c.len_utf8()..]);
                // Each byte's way of being wrong or other: blanks doubled, other blanks, none,
                // a word going on (in ASCII and out of it), a cut.
                for other in ["  ", "\t", "\r\n", "", "x", "1", "é", "_", "/", "//", "a b"] {
                    variants.push(format!("{before}{other}{after}"));
                    variants.push(format!("{before}{c}{other}{after}"));
                }
                variants.push(before.to_string());
            }
        }
        let mut found = 0;
        for text in &variants {
            let (mut starts, mut ends) = (Vec::new(), Vec::new());
            let got = known.find(text, &mut starts, &mut ends, is_keyword);
            let (mut want_starts, mut want_ends) = (Vec::new(), Vec::new());
            let want = tokenwise.find(text, &mut want_starts, &mut want_ends, is_keyword);
            assert_eq!(got, want, "{text:?}");
            if want.is_some() {
                assert_eq!((starts, ends), (want_starts, want_ends), "{text:?}");
                found += 1;
            }
        }
        assert!(found > 100 && found < variants.len() / 2, "{found} of {} matched", variants.len());
    }
}
