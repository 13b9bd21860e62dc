//! Auto-parameterisation: a statement's text with its literals lifted out, from the lexer's
//! tokens alone (nothing is parsed), so that statements differing only in their literals
//! share one normalised text (Neo4j's approach to its query cache).
//!
//! `MATCH (a) WHERE key(a) = 'e13' RETURN a` becomes
//! `MATCH (a) WHERE key(a) = $autostring_0 RETURN a` with `autostring_0` = `'e13'`. The
//! placeholder names the literal's kind (`autostring_`, `autoint_`, `autofloat_`), so the
//! normalised text says which kinds it was written with.
//!
//! Only a literal that is, by its neighbouring tokens, a comparison's operand or a map
//! entry's value is lifted: after `=`, `<`, `>` or a map's `:`, and before `)`, `]`, `}`,
//! `,`, `;`, a word or the end. Others (a range bound `*1..3`, `LIMIT 10`, `-5`, list items,
//! `'a' + x`, dates and uncertain numbers) stay in the text. A literal is read here by the
//! grammar's own rules (the builder's `unescape` and `parse_int`); one those rules would
//! reject (an integer too large, a bad `\u` escape) is not lifted, so pest reports it. This
//! decides only what the text would look like; the query engine checks, on the parse of the
//! first statement of each normalised text, that every lifted literal is where a parameter
//! means the same (`query::cache`).

use super::lexer::{tokens, Token, TokenKind};
use super::query::Literal;
use super::{parse_int, unescape, Span};

/// The prefix of every placeholder's name. A statement that names a parameter of its own
/// with this prefix is not normalised (its text is its own).
pub(crate) const PREFIX: &str = "auto";

/// A statement's normalised text and what was lifted out of it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Normalised {
    pub(crate) text: String,
    pub(crate) lifted: Vec<Lifted>,
}

/// One literal lifted out of the statement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Lifted {
    /// The parameter that stands for it (without `$`).
    pub(crate) name: String,
    pub(crate) value: Literal,
    /// Where the literal is in the original text.
    pub(crate) original: Span,
    /// Where its placeholder (`$` included) is in the normalised text.
    pub(crate) placeholder: Span,
}

impl Normalised {
    /// Maps a byte offset in the normalised text to the original text: an offset inside a
    /// placeholder goes to the same place in its literal (clamped), any other is shifted by
    /// the difference in length of the placeholders before it.
    pub(crate) fn original_offset(&self, at: usize) -> usize {
        let mut shift: isize = 0;
        for l in &self.lifted {
            if at < l.placeholder.start {
                break;
            }
            if at < l.placeholder.end {
                return l.original.start + (at - l.placeholder.start).min(l.original.len());
            }
            shift = l.original.end as isize - l.placeholder.end as isize;
        }
        (at as isize + shift).max(0) as usize
    }

    /// [`Normalised::original_offset`] of both ends.
    pub(crate) fn original_span(&self, span: Span) -> Span {
        Span::new(self.original_offset(span.start), self.original_offset(span.end))
    }
}

/// The statement's normalised text, or `None` when it names a parameter with the
/// placeholders' prefix or holds a string or comment that is never closed (pest reports
/// those). A statement without a liftable literal is its own normalised text.
pub(crate) fn normalise(text: &str) -> Option<Normalised> {
    // Runs once per statement before the cache is asked: one vector, sized for a short
    // statement's tokens, so a hit allocates little here.
    let mut significant: Vec<Token> = Vec::with_capacity(text.len() / 2 + 8);
    significant.extend(tokens(text).filter(|t| !t.kind.is_trivia()));
    let word = |t: &Token| &text[t.span.start..t.span.end];
    let mut out = String::with_capacity(text.len() + 16);
    let mut lifted = Vec::new();
    let mut copied = 0;
    // The innermost open bracket, for `:` in a map.
    let mut brackets: Vec<u8> = Vec::new();
    for (k, &t) in significant.iter().enumerate() {
        if t.kind.is_unclosed() {
            return None;
        }
        let prev = k.checked_sub(1).map(|j| significant[j]);
        let next = significant.get(k + 1).copied();
        match t.kind {
            TokenKind::Open => brackets.push(text.as_bytes()[t.span.start]),
            TokenKind::Close => {
                brackets.pop();
            }
            TokenKind::Word | TokenKind::QuotedName { .. }
                if prev.is_some_and(|p| word(&p) == "$")
                    && word(&t).trim_start_matches('`').starts_with(PREFIX) =>
            {
                return None;
            }
            TokenKind::String { .. } | TokenKind::Number => {
                let after_operator = prev.is_some_and(|p| match word(&p) {
                    "=" | "<" | ">" => true,
                    ":" => brackets.last() == Some(&b'{'),
                    _ => false,
                });
                let before_end = next.is_none_or(|n| {
                    matches!(n.kind, TokenKind::Close | TokenKind::Semicolon | TokenKind::Word)
                        || word(&n) == ","
                });
                if !(after_operator && before_end) {
                    continue;
                }
                let Some(value) = read_literal(word(&t), t.kind) else { continue };
                let kind = match value {
                    Literal::String(_) => "string",
                    Literal::Int(_) => "int",
                    _ => "float",
                };
                out.push_str(&text[copied..t.span.start]);
                let name = format!("{PREFIX}{kind}_{}", lifted.len());
                let start = out.len();
                out.push('$');
                out.push_str(&name);
                lifted.push(Lifted {
                    name,
                    value,
                    original: t.span,
                    placeholder: Span::new(start, out.len()),
                });
                copied = t.span.end;
            }
            _ => {}
        }
    }
    out.push_str(&text[copied..]);
    Some(Normalised { text: out, lifted })
}

/// A string or number token's value by the grammar's rules, or `None` for text they would
/// not read as exactly one literal of that kind.
fn read_literal(raw: &str, kind: TokenKind) -> Option<Literal> {
    match kind {
        TokenKind::String { closed: true } => {
            // The grammar's escapes: `\u` takes four hex digits and `\U` eight; `unescape`
            // alone would take fewer.
            let bytes = raw.as_bytes();
            let mut i = 1;
            while i + 1 < bytes.len() {
                if bytes[i] == b'\\' {
                    let digits = match bytes[i + 1] {
                        b'u' => 4,
                        b'U' => 8,
                        _ => 0,
                    };
                    let hex = bytes.get(i + 2..i + 2 + digits)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) || i + 2 + digits >= bytes.len() {
                        return None;
                    }
                    i += 2 + digits;
                } else {
                    i += 1;
                }
            }
            unescape(raw, Span::default()).ok().map(Literal::String)
        }
        TokenKind::Number => {
            let (mantissa, exponent) = match raw.find(['e', 'E']) {
                Some(e) => (&raw[..e], Some(&raw[e + 1..])),
                None => (raw, None),
            };
            let (whole, fraction) = match mantissa.split_once('.') {
                Some((w, f)) => (w, Some(f)),
                None => (mantissa, None),
            };
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            if !digits(whole) || !fraction.is_none_or(digits) || !exponent.is_none_or(digits) {
                return None;
            }
            if fraction.is_none() && exponent.is_none() {
                return parse_int(raw, false, Span::default()).ok().map(Literal::Int);
            }
            raw.parse::<f64>().ok().filter(|x| x.is_finite()).map(Literal::Float)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lifted(text: &str) -> (String, Vec<Literal>) {
        let n = normalise(text).expect(text);
        (n.text, n.lifted.into_iter().map(|l| l.value).collect())
    }

    #[test]
    fn comparison_operands_and_map_values_are_lifted() {
        assert_eq!(
            lifted("MATCH (a {name: 'W'})-[r]-(b) WHERE key(a) = \"e1\" AND b.n >= 2.5e1 RETURN b"),
            (
                "MATCH (a {name: $autostring_0})-[r]-(b) WHERE key(a) = $autostring_1 AND b.n >= $autofloat_2 RETURN b"
                    .to_string(),
                vec![Literal::String("W".into()), Literal::String("e1".into()), Literal::Float(25.0)]
            )
        );
        assert_eq!(lifted("MATCH (n) WHERE n.x <> 7 // 8\n;").0, "MATCH (n) WHERE n.x <> $autoint_0 // 8\n;");
    }

    #[test]
    fn literals_whose_place_or_form_matters_stay() {
        for text in [
            "MATCH (a)-[*1..3]->(b) RETURN b LIMIT 10",
            "MATCH (n) WHERE n.x = -5 RETURN n",
            "MATCH (n) WHERE n.x = 1 + 2 RETURN n",
            "MATCH (n) WHERE n.x IN [1, 2] RETURN n",
            "MATCH (n) WHERE n.x = ~100 RETURN n",
            "MATCH (n) WHERE n.x = ~100..200 RETURN n",
            "MATCH (n) WHERE ~100..200 = n.x RETURN n",
            "MATCH (n) WHERE n.x = 0x1F RETURN n",
            "MATCH (n) WHERE n.x = 99999999999999999999 RETURN n",
            "MATCH (n) WHERE n.x = 1e999 RETURN n",
            "MATCH (n) WHERE n.x = '\\u12' RETURN n",
            "MATCH (n) WHERE n.x =~ 'a.*' RETURN n",
            "RETURN {a: 1}.a, 'x'",
        ] {
            let (out, values) = lifted(text);
            let expected: &[Literal] = if text.starts_with("RETURN {a") { &[Literal::Int(1)] } else { &[] };
            assert_eq!(values, expected, "{text} -> {out}");
        }
    }

    #[test]
    fn own_placeholder_names_and_open_strings_are_not_normalised() {
        assert_eq!(normalise("MATCH (n) WHERE n.x = $autoint_0 RETURN n"), None);
        assert_eq!(normalise("MATCH (n) WHERE n.x = $`autoint_0` RETURN n"), None);
        assert_eq!(normalise("MATCH (n) WHERE n.x = 'open"), None);
        assert!(normalise("MATCH (n) WHERE n.x = $auto RETURN n").is_none());
        assert!(normalise("MATCH (n) WHERE n.x = $id RETURN n").is_some());
    }

    #[test]
    fn offsets_map_back_to_the_original() {
        let text = "MATCH (a) WHERE key(a) = 'a long id' AND a.n = 3 RETURN a.n / 0";
        let n = normalise(text).expect("normalises");
        let at = |s: &str| n.text.find(s).expect(s);
        let orig = |s: &str| text.find(s).expect(s);
        // After both placeholders, inside one, at its ends.
        assert_eq!(n.original_offset(at("a.n / 0")), orig("a.n / 0"));
        assert_eq!(n.original_offset(at("$autostring_0")), orig("'a long id'"));
        let end = at("$autostring_0") + "$autostring_0".len();
        assert_eq!(n.original_offset(end), orig("'a long id'") + "'a long id'".len());
        assert_eq!(n.original_offset(0), 0);
        assert_eq!(n.original_offset(at("AND")), orig("AND"));
    }
}
