//! A hand-written fast lane for the statements bulk data is made of: plain `CLAIM`s (ids
//! at both ends, integer or simple string properties, attestations with a source, status,
//! absolute date and quote) and plain `ENTITY`/`SOURCE`/`DOCUMENT` declarations.
//!
//! It accepts a strict subset of the grammar and builds exactly the AST (spans included)
//! that the pest builder would; on anything else — comments, escapes, backticks, other
//! clauses, malformed input — it returns `None` and the statement goes through pest, which
//! also produces every error message.

use crate::model::{DateValue, PartialDate, Status, Value};
use crate::syntax::decl::{
    AttestationDecl, DeclStatement, EndPattern, EntityDecl, EntityKind, Name, Prop, RelPatternDecl,
    SourceName,
};
use crate::syntax::Span;

struct Cur<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    /// End of the last token consumed (pest spans end there, before blanks).
    last: usize,
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

impl<'a> Cur<'a> {
    fn ws(&mut self) -> Option<()> {
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b' ' | b'\t' | b'\r' | b'\n' => self.i += 1,
                // Comments and byte-order marks: leave them to pest.
                b'/' | 0xEF => return None,
                _ => break,
            }
        }
        Some(())
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws()?;
        self.b.get(self.i).copied()
    }

    fn peek_is(&mut self, c: u8) -> Option<bool> {
        self.ws()?;
        Some(self.b.get(self.i) == Some(&c))
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        if !self.peek_is(c)? {
            return None;
        }
        self.i += 1;
        self.last = self.i;
        Some(())
    }

    /// A case-insensitive keyword, guarded against running into an identifier.
    fn keyword(&mut self, kw: &str) -> Option<bool> {
        self.ws()?;
        let end = self.i + kw.len();
        let hit = self.b.get(self.i..end).is_some_and(|w| w.eq_ignore_ascii_case(kw.as_bytes()))
            && !self.b.get(end).is_some_and(|c| is_ident_char(*c));
        if hit {
            self.i = end;
            self.last = end;
        }
        Some(hit)
    }

    fn ident(&mut self) -> Option<Name> {
        self.ws()?;
        let start = self.i;
        let first = *self.b.get(start)?;
        if !(first.is_ascii_alphabetic() || first == b'_') {
            return None;
        }
        self.i += 1;
        while self.b.get(self.i).is_some_and(|c| is_ident_char(*c)) {
            self.i += 1;
        }
        self.last = self.i;
        Some(Name { text: self.s[start..self.i].to_string(), span: Span::new(start, self.i) })
    }

    /// A single-quoted string without escapes; its text and span (quotes included).
    fn string(&mut self) -> Option<(String, Span)> {
        if !self.peek_is(b'\'')? {
            return None;
        }
        let start = self.i;
        let len = self.b[start + 1..].iter().position(|c| *c == b'\'' || *c == b'\\')?;
        let end = start + 1 + len;
        if self.b[end] != b'\'' {
            return None;
        }
        self.i = end + 1;
        self.last = self.i;
        Some((self.s[start + 1..end].to_string(), Span::new(start, self.i)))
    }

    fn value(&mut self) -> Option<Value> {
        match self.peek()? {
            b'\'' => Some(Value::String(self.string()?.0)),
            c if c.is_ascii_digit() => {
                let start = self.i;
                while self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
                    self.i += 1;
                }
                // Floats, ranges, hex and octal literals are pest's.
                if self.b.get(self.i).is_some_and(|c| is_ident_char(*c) || *c == b'.') {
                    return None;
                }
                self.last = self.i;
                Some(Value::Int(self.s[start..self.i].parse().ok()?))
            }
            _ => None,
        }
    }

    fn props(&mut self) -> Option<Vec<Prop>> {
        let mut props: Vec<Prop> = Vec::new();
        if !self.peek_is(b'{')? {
            return Some(props);
        }
        self.eat(b'{')?;
        loop {
            if self.peek_is(b'}')? {
                break;
            }
            let key = self.ident()?;
            self.eat(b':')?;
            let value = self.value()?;
            if props.iter().any(|p| p.key.text == key.text) {
                return None;
            }
            props.push(Prop { key, value });
            if self.peek_is(b',')? {
                self.eat(b',')?;
            } else {
                break;
            }
        }
        self.eat(b'}')?;
        Some(props)
    }

    fn end_pattern(&mut self) -> Option<EndPattern> {
        self.ws()?;
        let start = self.i;
        self.eat(b'(')?;
        let id = self.ident()?;
        self.eat(b')')?;
        Some(EndPattern { id: Some(id), labels: Vec::new(), span: Span::new(start, self.i) })
    }

    fn date(&mut self) -> Option<DateValue> {
        self.eat(b'@')?;
        let digits = |c: &mut Self, n: usize| -> Option<u32> {
            let end = c.i + n;
            let w = c.b.get(c.i..end)?;
            if !w.iter().all(u8::is_ascii_digit) {
                return None;
            }
            c.i = end;
            std::str::from_utf8(w).ok()?.parse().ok()
        };
        let year = digits(self, 4)?;
        let mut month = None;
        let mut day = None;
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
            month = Some(digits(self, 2)?);
            if self.b.get(self.i) == Some(&b'-') {
                self.i += 1;
                day = Some(digits(self, 2)?);
            }
        }
        if self.b.get(self.i).is_some_and(|c| c.is_ascii_digit() || *c == b'-') {
            return None;
        }
        self.last = self.i;
        PartialDate::new(year as i32, month, day).ok().map(DateValue::Absolute)
    }

    /// An attestation after its `BY`, which starts at `start`.
    fn attestation(&mut self, start: usize) -> Option<AttestationDecl> {
        let source = self.ident()?;
        if source.text.eq_ignore_ascii_case("user") {
            return None;
        }
        let mut att = AttestationDecl {
            source: SourceName::Declared(source),
            via: None,
            status: None,
            document: None,
            position: None,
            date: None,
            quote: None,
            span: Span::default(),
            quote_span: None,
        };
        loop {
            self.ws()?;
            if !self.b.get(self.i).is_some_and(u8::is_ascii_alphabetic) {
                break;
            }
            if self.keyword("QUOTE")? {
                if att.quote.is_some() {
                    return None;
                }
                let (q, span) = self.string()?;
                att.quote = Some(q);
                att.quote_span = Some(span);
            } else if self.keyword("ON")? {
                if att.date.is_some() {
                    return None;
                }
                att.date = Some(self.date()?);
            } else if let Some(status) = self.status()? {
                if att.status.is_some() {
                    return None;
                }
                att.status = Some(status);
            } else {
                break;
            }
        }
        att.span = Span::new(start, self.last);
        Some(att)
    }

    fn status(&mut self) -> Option<Option<Status>> {
        for s in Status::ALL {
            if self.keyword(s.as_str())? {
                return Some(Some(s));
            }
        }
        Some(None)
    }

    fn claim(&mut self) -> Option<DeclStatement> {
        let subject = self.end_pattern()?;
        self.eat(b'-')?;
        self.eat(b'[')?;
        let claim_id = if self.peek_is(b':')? { None } else { Some(self.ident()?) };
        self.eat(b':')?;
        let rel_type = self.ident()?;
        let props = self.props()?;
        self.eat(b']')?;
        self.ws()?;
        if self.b.get(self.i..self.i + 2) != Some(b"->") {
            return None;
        }
        self.i += 2;
        let object = self.end_pattern()?;
        let mut attestations = Vec::with_capacity(1);
        loop {
            self.ws()?;
            let start = self.i;
            if !self.keyword("BY")? {
                break;
            }
            attestations.push(self.attestation(start)?);
        }
        let pattern = RelPatternDecl { subject, claim_id, rel_type, props, object };
        Some(DeclStatement::Claim { pattern, attestations })
    }

    fn entity(&mut self, kind: EntityKind) -> Option<DeclStatement> {
        self.eat(b'(')?;
        let id = self.ident()?;
        let mut labels = Vec::new();
        while self.peek_is(b':')? {
            self.eat(b':')?;
            labels.push(self.ident()?);
        }
        let props = self.props()?;
        self.eat(b')')?;
        let mut via = Vec::new();
        if kind == EntityKind::Source && self.keyword("VIA")? {
            via.push(self.ident()?);
            while self.peek_is(b',')? {
                self.eat(b',')?;
                via.push(self.ident()?);
            }
        }
        Some(DeclStatement::Entity(EntityDecl { kind, id, labels, props, via }))
    }
}

/// Parses a plain statement (the whole of `text`) with its span, or `None` to use pest.
pub(crate) fn parse(text: &str) -> Option<(DeclStatement, Span)> {
    let mut c = Cur { s: text, b: text.as_bytes(), i: 0, last: 0 };
    c.ws()?;
    let start = c.i;
    let decl = if c.keyword("CLAIM")? {
        c.claim()?
    } else if c.keyword("ENTITY")? {
        c.entity(EntityKind::Entity)?
    } else if c.keyword("SOURCE")? {
        c.entity(EntityKind::Source)?
    } else if c.keyword("DOCUMENT")? {
        c.entity(EntityKind::Document)?
    } else {
        return None;
    };
    c.ws()?;
    if c.i != text.len() {
        return None;
    }
    Some((decl, Span::new(start, c.last)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{LangParser, Rule};
    use pest::Parser;

    fn by_pest(text: &str) -> (DeclStatement, Span) {
        let mut pairs = LangParser::parse(Rule::single_statement, text).unwrap();
        let stmt = pairs.next().unwrap().into_inner().find(|p| p.as_rule() == Rule::statement).unwrap();
        let span = Span::of(&stmt);
        (crate::syntax::decl::build_decl(stmt.into_inner().next().unwrap()).unwrap(), span)
    }

    /// Debug output shows spans, which `PartialEq` on names ignores.
    fn same(text: &str) {
        let fast = parse(text).unwrap_or_else(|| panic!("fast lane refused: {text}"));
        assert_eq!(format!("{fast:?}"), format!("{:?}", by_pest(text)), "{text}");
    }

    #[test]
    fn matches_pest_exactly() {
        same("CLAIM (e1)-[:MEMBER_OF]->(e2) BY s3 REPORTED ON @2016-09-14 QUOTE 'a b c'");
        same("\n  claim ( e1 ) - [ c7 : CASUALTIES { killed : 46 , who: 'x', } ] ->(e2)\n BY s3 QUOTE 'q' reported BY s4 on @2018 ");
        same("CLAIM (a)-[:R]->(b)");
        same("CLAIM (a)-[:R {}]->(b) BY s ON @2017-09");
        same("ENTITY (e3:Event {name: 'Event 3'})");
        same(" SOURCE (s14:NewsAgency:Wire {name: 'Source 14', n: 3}) VIA s4, s5 ");
        same("document (d)");
    }

    #[test]
    fn leaves_the_rest_to_pest() {
        for text in [
            "CLAIM (a)<-[:R]-(b) BY s",
            "CLAIM (a)-[:R]->(b) BY s QUOTE 'it\\'s'",
            "CLAIM (a)-[:R]->(b) BY s // note",
            "CLAIM (a)-[:R {k: 1.5}]->(b) BY s",
            "CLAIM (a)-[:R {k: 1, k: 2}]->(b) BY s",
            "CLAIM (a)-[:R]->(b) BY s ON @2018-13-01",
            "CLAIM (a)-[:R]->(b) BY s IN doc",
            "CLAIM (a)-[:R]->(b) BY s REPORTED REPORTED",
            "CLAIM (a) - [:R]- >(b) BY s",
            "ENTITY (a) VIA b",
            "USE DOCUMENT d",
        ] {
            assert!(parse(text).is_none(), "{text}");
        }
    }
}
