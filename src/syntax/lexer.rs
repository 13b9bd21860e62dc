//! The one lexer over the language's text: where strings, backticked names, comments,
//! brackets and `;` are, without parsing anything.
//!
//! Splitting input into statements ([`crate::statements`]), the nesting limit applied before
//! pest runs ([`check_nesting`]) and the shell's highlighting all read these tokens, so they
//! agree on what is inside a string or a comment. The lexer never fails: text it cannot make
//! sense of is an [`TokenKind::Other`] character, and a string or comment that the text
//! ends inside is a token marked unclosed.

use super::{Span, SyntaxError, SyntaxErrorKind};

/// Deepest bracket nesting accepted before parsing: pest recurses per bracket level (through
/// every precedence layer), so very deep input would overflow the stack. The one limit for
/// every statement, data file, parameter and JSON import (see `load::json`), so that
/// whatever loads also prints back to statements that load.
pub(crate) const MAX_NESTING: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// `'…'` or `"…"`, with backslash escapes.
    String {
        closed: bool,
    },
    /// `` `…` `` (a doubled backtick inside is two tokens that read as one name).
    QuotedName {
        closed: bool,
    },
    /// `// …` up to the end of the line.
    LineComment,
    /// `/* … */`.
    BlockComment {
        closed: bool,
    },
    /// Letters, digits and `_`, starting with a letter or `_`.
    Word,
    /// Starting with a digit: digits, letters and `.` (`12`, `0x1F`, `1.5e3`, `1..3`).
    Number,
    /// `(`, `[` or `{`.
    Open,
    /// `)`, `]` or `}`.
    Close,
    Semicolon,
    /// White space, including a byte-order mark.
    Blank,
    /// Any other character: an operator or punctuation.
    Other,
}

impl TokenKind {
    /// A string, name or comment that the text ends inside.
    pub(crate) fn is_unclosed(self) -> bool {
        matches!(
            self,
            TokenKind::String { closed: false }
                | TokenKind::QuotedName { closed: false }
                | TokenKind::BlockComment { closed: false }
        )
    }

    /// White space or a complete comment: nothing a statement is made of.
    pub(crate) fn is_trivia(self) -> bool {
        matches!(self, TokenKind::Blank | TokenKind::LineComment | TokenKind::BlockComment { closed: true })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

/// The tokens of `text`, in order; together they cover it exactly.
pub(crate) fn tokens(text: &str) -> Tokens<'_> {
    Tokens { text, pos: 0 }
}

pub(crate) struct Tokens<'a> {
    text: &'a str,
    pos: usize,
}

impl Iterator for Tokens<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let &first = bytes.get(start)?;
        let (kind, end) = match first {
            b'\'' | b'"' => {
                // Runs of plain characters between escapes are skipped with memchr: strings
                // (quotes) are most of a data file's bytes.
                let mut i = start + 1;
                loop {
                    match memchr::memchr2(first, b'\\', bytes.get(i..).unwrap_or_default()) {
                        None => break (TokenKind::String { closed: false }, bytes.len()),
                        Some(j) if bytes[i + j] == b'\\' => i += j + 2,
                        Some(j) => break (TokenKind::String { closed: true }, i + j + 1),
                    }
                }
            }
            b'`' => match self.text[start + 1..].find('`') {
                Some(j) => (TokenKind::QuotedName { closed: true }, start + 1 + j + 1),
                None => (TokenKind::QuotedName { closed: false }, bytes.len()),
            },
            b'/' if bytes.get(start + 1) == Some(&b'/') => {
                let end = self.text[start..].find('\n').map_or(bytes.len(), |j| start + j);
                (TokenKind::LineComment, end)
            }
            b'/' if bytes.get(start + 1) == Some(&b'*') => match self.text[start + 2..].find("*/") {
                Some(j) => (TokenKind::BlockComment { closed: true }, start + 2 + j + 2),
                None => (TokenKind::BlockComment { closed: false }, bytes.len()),
            },
            b'(' | b'[' | b'{' => (TokenKind::Open, start + 1),
            b')' | b']' | b'}' => (TokenKind::Close, start + 1),
            b';' => (TokenKind::Semicolon, start + 1),
            b'0'..=b'9' => {
                let len =
                    bytes[start..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'.').count();
                (TokenKind::Number, start + len)
            }
            _ => {
                let c =
                    if first.is_ascii() { char::from(first) } else { self.text[start..].chars().next()? };
                if is_blank(c) {
                    // `char::is_whitespace` on ASCII: `u8::is_ascii_whitespace` and vertical tab.
                    (
                        TokenKind::Blank,
                        start + self.run(start, |b| b.is_ascii_whitespace() || b == 0x0b, is_blank),
                    )
                } else if c.is_alphabetic() || c == '_' {
                    let word = |c: char| c.is_alphanumeric() || c == '_';
                    (
                        TokenKind::Word,
                        start + self.run(start, |b| b.is_ascii_alphanumeric() || b == b'_', word),
                    )
                } else {
                    (TokenKind::Other, start + c.len_utf8())
                }
            }
        };
        // An escape at the very end can step past it.
        let end = end.min(bytes.len());
        self.pos = end;
        Some(Token { kind, span: Span::new(start, end) })
    }
}

impl Tokens<'_> {
    /// The length in bytes of the run of characters from `start` that satisfy `pred`;
    /// `ascii` is the same test on an ASCII byte, so that ASCII text is not decoded.
    fn run(&self, start: usize, ascii: impl Fn(u8) -> bool, pred: impl Fn(char) -> bool) -> usize {
        let bytes = &self.text.as_bytes()[start..];
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            if !b.is_ascii() {
                return i + self.text[start + i..].find(|c: char| !pred(c)).unwrap_or(bytes.len() - i);
            }
            if !ascii(b) {
                return i;
            }
            i += 1;
        }
        i
    }
}

/// The tokens that end statements, `;`, and a string, backticked name or comment that the
/// text ends inside. The same tokens as [`tokens`] yields, found without lexing the rest:
/// every other token (word, number, blank, bracket, other character) is made of bytes none
/// of which can start a string, name, comment or `;`, so the scan skips to the next byte
/// that can ([`skip_to_lexed`]). Statement splitting reads these: it splits at every `;`
/// outside strings and comments, whatever the brackets.
///
/// Brackets are skipped with the rest: a claim of a data file has six of them and one
/// quote, and stopping at each to lex it was most of the time the split of a 150 MB file
/// took (docs/performance.md, "The load, twelfth round").
pub(crate) fn statement_ends(text: &str) -> impl Iterator<Item = Token> + '_ {
    let bytes = text.as_bytes();
    let mut pos = 0;
    std::iter::from_fn(move || loop {
        pos = skip_to_lexed(bytes, pos);
        let t = Tokens { text, pos }.next()?;
        pos = t.span.end;
        if t.kind == TokenKind::Semicolon || t.kind.is_unclosed() {
            return Some(t);
        }
    })
}

/// The bytes a token that [`statement_ends`] must lex can start with.
const LEXED_BYTES: &[u8; 5] = b"'\"`/;";

/// Whether a token that [`statement_ends`] must lex can start at this byte, by byte value.
const STARTS_LEXED: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < LEXED_BYTES.len() {
        table[LEXED_BYTES[i] as usize] = true;
        i += 1;
    }
    table
};

/// Bytes looked at one by one before [`skip_to_lexed`] goes eight at a time: in data files
/// a quote's closing `'` is followed by the statement's `;`.
const ONE_BY_ONE: usize = 1;

/// The first position from `pos` whose byte can start a token that [`statement_ends`] must
/// lex, or the end of `bytes`.
///
/// A byte on its own, then eight at a time: each 8-byte word is tested against the five
/// bytes at once ([`lexed_bytes_in`]), and the first one found is the word's lowest marked
/// byte. The split of a 150 MB file went through this byte by byte, one jump-table branch
/// per byte (docs/performance.md, "The load, eighth round").
fn skip_to_lexed(bytes: &[u8], mut pos: usize) -> usize {
    for _ in 0..ONE_BY_ONE {
        match bytes.get(pos) {
            Some(&b) if !STARTS_LEXED[usize::from(b)] => pos += 1,
            _ => return pos,
        }
    }
    while let Some(word) = bytes.get(pos..pos + 8) {
        let word = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
        let found = lexed_bytes_in(word);
        if found != 0 {
            return pos + (found.trailing_zeros() / 8) as usize;
        }
        pos += 8;
    }
    let rest = bytes.get(pos..).unwrap_or_default();
    pos + rest.iter().take_while(|&&b| !STARTS_LEXED[usize::from(b)]).count()
}

/// The high bit of every byte of `word` (eight bytes, little-endian) that can start a token
/// [`statement_ends`] must lex, and no other bit. Exact per byte: no carry crosses from one
/// byte into the next.
fn lexed_bytes_in(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Per byte: its high bit set when the byte is not zero. The low seven bits plus 0x7f
    // reach the high bit exactly when one of them is set, and stay below 0x100.
    let nonzero = |x: u64| ((x & !HIGH).wrapping_add(!HIGH)) | x;
    let each = |b: u8| ONES * u64::from(b);
    let none = nonzero(word ^ each(b'\''))
        & nonzero(word ^ each(b'"'))
        & nonzero(word ^ each(b'`'))
        & nonzero(word ^ each(b'/'))
        & nonzero(word ^ each(b';'));
    !none & HIGH
}

fn is_blank(c: char) -> bool {
    c.is_whitespace() || c == '\u{FEFF}'
}

/// The first bracket that does not pair up, as the error to report, with the byte range of
/// its statement (from after the `;` before it to its own `;` or the end, both included): a
/// `)`, `]` or `}` that closes a bracket of another kind or none, or a bracket still open
/// at its statement's `;` or at the end of the text (the innermost one). Brackets inside
/// strings, quoted names and comments do not count, and a text that ends inside one of
/// those gives `None` (pest's error says what is open there).
pub(crate) fn unbalanced_bracket(text: &str) -> Option<(SyntaxError, std::ops::RangeInclusive<usize>)> {
    let mut open: Vec<(char, Span)> = Vec::new();
    let mut statement_start = 0;
    let bracket = |t: &Token| text[t.span.start..t.span.end].chars().next().unwrap_or(' ');
    let unclosed = |(c, span): (char, Span)| {
        SyntaxError::at(span, format!("unclosed '{c}'"))
            .labelled(format!("this '{c}' is never closed"))
            .with_kind(SyntaxErrorKind::UnbalancedBracket)
    };
    for t in tokens(text) {
        match t.kind {
            kind if kind.is_unclosed() => return None,
            TokenKind::Open => open.push((bracket(&t), t.span)),
            TokenKind::Close => {
                let close = bracket(&t);
                let message = match open.pop() {
                    Some((o, _)) if closing(o) == close => continue,
                    Some((o, _)) => format!("expected '{}' to close '{o}', found '{close}'", closing(o)),
                    None => format!("'{close}' closes nothing"),
                };
                let error = SyntaxError::at(t.span, message)
                    .labelled(format!("unexpected '{close}'"))
                    .with_kind(SyntaxErrorKind::UnbalancedBracket);
                return Some((error, statement_start..=statement_end(text, t.span.end)));
            }
            TokenKind::Semicolon => {
                if let Some(innermost) = open.pop() {
                    return Some((unclosed(innermost), statement_start..=t.span.start));
                }
                statement_start = t.span.end;
            }
            _ => {}
        }
    }
    open.pop().map(|innermost| (unclosed(innermost), statement_start..=text.len()))
}

/// The bracket that closes `open`.
fn closing(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

/// Where the statement that goes on at `from` ends: its `;`, or the end of the text.
fn statement_end(text: &str, from: usize) -> usize {
    statement_ends(&text[from..]).next().map_or(text.len(), |t| from + t.span.start)
}

/// Rejects text nested deeper than [`MAX_NESTING`] brackets before pest sees it, and a
/// block comment that is never closed (pest would only say what it expected there).
/// Brackets inside strings, quoted names and comments do not count; `CASE … END` counts as a
/// bracket, since pest recurses through it as through one.
pub(crate) fn check_nesting(text: &str) -> Result<(), SyntaxError> {
    let mut depth = 0usize;
    let too_deep = |span| SyntaxError::at(span, format!("brackets nested more than {MAX_NESTING} deep"));
    let significant: Vec<Token> = tokens(text).filter(|t| !t.kind.is_trivia()).collect();
    for (i, t) in significant.iter().enumerate() {
        match t.kind {
            TokenKind::Open => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(too_deep(t.span));
                }
            }
            TokenKind::Close => depth = depth.saturating_sub(1),
            TokenKind::BlockComment { closed: false } => {
                let opener = Span::new(t.span.start, t.span.start + 2);
                return Err(SyntaxError::at(opener, "comment is never closed (no `*/`)"));
            }
            TokenKind::Word => {
                let word = &text[t.span.start..t.span.end];
                let is = |k: &str| word.eq_ignore_ascii_case(k);
                // A keyword, not a property key (`n.end`), parameter, label or map key.
                let text_of = |t: &Token| &text[t.span.start..t.span.end];
                let after = i.checked_sub(1).map(|j| text_of(&significant[j]));
                let before = significant.get(i + 1).map(text_of);
                let keyword = !matches!(after, Some("." | "$" | ":")) && before != Some(":");
                if keyword && is("case") {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Err(too_deep(t.span));
                    }
                } else if keyword && is("end") {
                    depth = depth.saturating_sub(1);
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(TokenKind, &str)> {
        tokens(text).map(|t| (t.kind, &text[t.span.start..t.span.end])).collect()
    }

    #[test]
    fn strings_comments_and_brackets() {
        use TokenKind::*;
        assert_eq!(
            kinds("RETURN 'a;(' // x\n/* ) */ [`b`]; é1"),
            vec![
                (Word, "RETURN"),
                (Blank, " "),
                (String { closed: true }, "'a;('"),
                (Blank, " "),
                (LineComment, "// x"),
                (Blank, "\n"),
                (BlockComment { closed: true }, "/* ) */"),
                (Blank, " "),
                (Open, "["),
                (QuotedName { closed: true }, "`b`"),
                (Close, "]"),
                (Semicolon, ";"),
                (Blank, " "),
                (Word, "é1"),
            ]
        );
        assert_eq!(kinds("'it\\'s"), vec![(String { closed: false }, "'it\\'s")]);
        assert_eq!(kinds("/* open"), vec![(BlockComment { closed: false }, "/* open")]);
        assert_eq!(kinds("1.5e3+x"), vec![(Number, "1.5e3"), (Other, "+"), (Word, "x")]);
    }

    #[test]
    fn tokens_cover_any_text() {
        for text in ["'", "\\", "/*", "é'\\", "`", "(((;", ")))", "'\\", "\u{FEFF}x", "a\u{0}b"] {
            let joined: String = tokens(text).map(|t| &text[t.span.start..t.span.end]).collect();
            assert_eq!(joined, text);
        }
    }

    #[test]
    fn statement_ends_are_what_the_tokens_say() {
        let structural = |t: &Token| t.kind == TokenKind::Semicolon || t.kind.is_unclosed();
        for text in [
            "RETURN 'a;(' // x;\n/* ) */ [`b;`]; é1 (x)",
            "CLAIM (e1)-[:R {k: 1.5e3}]->(e2) BY s QUOTE 'it\\'s; \"q\" (a)';",
            "'unclosed ( ;",
            "/* open ; ",
            "`open ;",
            "a/b; c//d\n;e/*f*/;",
            "\u{FEFF}x;\u{3000}(é;",
            "'\\",
            "x'",
        ] {
            let full: Vec<Token> = tokens(text).filter(structural).collect();
            assert_eq!(statement_ends(text).collect::<Vec<_>>(), full, "{text:?}");
        }
        // Runs of every length before each lexed byte, so that it falls at every place
        // of the one-by-one bytes and of the 8-byte words; runs of other ASCII and of
        // characters whose UTF-8 bytes are lexed bytes (and brackets) with the high bit set (`¢` is
        // C2 A2: `"` | 0x80; `Ĩ` C4 A8: `(` | 0x80; `»` C2 BB: `;` | 0x80; `ۀ` DB 80: `[` | 0x80),
        // and bytes one bit away from them (`)` `*` `:` `<` `@` `\\` `^` `_` `a` `|` `~` `&` `#`).
        let runs = ["a", "é", "¢Ĩ»ۀ§¯", "*:<@\\^_a|~&#!+-.>=?$%", " \t\r\n", "\u{3000}\u{FEFF}", "x1_"];
        for run in runs {
            for len in 0..=40 {
                let filler: String = run.chars().cycle().take(len).collect();
                for b in [
                    "'x'", "\"y\"", "`z`", "/* c */", "// l\n", "(", ")", "[", "]", "{", "}", ";", "/",
                    "'open",
                ] {
                    for text in [format!("{filler}{b}{filler};"), format!("{b}{filler}"), filler.clone()] {
                        let full: Vec<Token> = tokens(&text).filter(structural).collect();
                        assert_eq!(statement_ends(&text).collect::<Vec<_>>(), full, "{text:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_skip_stops_at_every_lexed_byte_and_only_there() {
        // Each byte value in each of a word's eight places, among bytes of every value.
        for b in 0..=255u8 {
            for place in 0..8 {
                for other in [b'a', b' ', 0x80, 0xff, 0x20, 0x5a, 0x7c, b'e'] {
                    let mut word = [other; 8];
                    word[place] = b;
                    let want = word
                        .iter()
                        .enumerate()
                        .filter(|(_, b)| LEXED_BYTES.contains(b))
                        .fold(0u64, |m, (i, _)| m | 0x80 << (8 * i));
                    assert_eq!(lexed_bytes_in(u64::from_le_bytes(word)), want, "{word:?}");
                }
            }
        }
        // Byte strings of every length from every start: the first lexed byte, as a
        // scan one byte at a time finds it.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..2000 {
            let len = (next() % 40) as usize;
            let sparse = next() % 4 == 0;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    let r = next();
                    if sparse || r % 8 != 0 {
                        b"abc 123_-:>@e\xc3\xa9"[(r >> 8) as usize % 15]
                    } else {
                        (r >> 16) as u8
                    }
                })
                .collect();
            for from in 0..=len {
                let want = from + bytes[from..].iter().take_while(|b| !LEXED_BYTES.contains(b)).count();
                assert_eq!(skip_to_lexed(&bytes, from), want, "{bytes:?} from {from}");
            }
        }
    }

    #[test]
    fn nesting_is_bounded_outside_strings() {
        let deep = format!("RETURN {}1{}", "(".repeat(MAX_NESTING + 1), ")".repeat(MAX_NESTING + 1));
        assert!(check_nesting(&deep).is_err());
        let quoted = format!("RETURN '{}'", "(".repeat(1000));
        assert!(check_nesting(&quoted).is_ok());
    }

    #[test]
    fn the_first_bracket_that_does_not_pair_up_is_found_in_its_statement() {
        // (text, where the error points, its message, the statement's range) or balanced.
        type Unpaired = (&'static str, &'static str, std::ops::RangeInclusive<usize>);
        let cases: &[(&str, Option<Unpaired>)] = &[
            ("RETURN [1, (2)], {a: 1}", None),
            ("RETURN '(' + `[` // {\n/* ( */", None),
            ("ENTITY (a:X {name: 'A');", Some((")", "expected '}' to close '{', found ')'", 0..=23))),
            ("MATCH (a)) RETURN a; RETURN 1;", Some((")", "')' closes nothing", 0..=19))),
            ("MATCH (a {k: 1 RETURN a", Some(("{", "unclosed '{'", 0..=23))),
            ("RETURN 1; RETURN [x IN [1] | x; RETURN 2", Some(("[", "unclosed '['", 9..=30))),
            // The innermost of several open brackets; one still open at the end of the text.
            ("RETURN ((1", Some(("(", "unclosed '('", 0..=10))),
            // Inside a string left open, the bracket is not the error.
            ("RETURN (1, 'x", None),
        ];
        for (text, want) in cases {
            let got = unbalanced_bracket(text).map(|(e, statement)| {
                assert_eq!(e.kind, SyntaxErrorKind::UnbalancedBracket, "{text:?}");
                (&text[e.span.start..e.span.end], e.message, statement)
            });
            let want = want.clone().map(|(at, message, statement)| (at, message.to_string(), statement));
            assert_eq!(got, want, "{text:?}");
        }
        // The innermost open bracket, not the first.
        let (e, _) = unbalanced_bracket("RETURN ([1").expect("unbalanced");
        assert_eq!(e.span, Span::new(8, 9));
    }
}
