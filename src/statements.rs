//! Splitting input into `;`-terminated statements without parsing them: the REPL uses it to
//! decide whether input is complete, scripts use it to run statements one at a time (so a
//! syntax error in statement 5 does not stop statements 1 to 4).
//!
//! It reads the tokens of [`crate::syntax::lexer`]: a `;` inside a string, a backticked
//! identifier or a comment does not end a statement.

use crate::syntax::lexer::{statement_ends, tokens};
use crate::syntax::Span;

/// Splits text into statement spans, each without its terminating `;`. Empty statements
/// (only whitespace and comments) are skipped. The last statement may lack its `;`.
pub(crate) fn split_statements(text: &str) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut start = 0;
    scan(text, |end| {
        spans.push(Span::new(start, end));
        start = end + 1;
    });
    spans.push(Span::new(start, text.len()));
    spans.retain(|s| has_content(&text[s.start..s.end]));
    // Start each statement at its first non-blank character, so errors point there.
    for s in &mut spans {
        let blank = text[s.start..s.end].len() - text[s.start..s.end].trim_start().len();
        s.start += blank;
    }
    spans
}

/// Splits a script into statements and `:` commands (`:param {rows: [...]}`, as
/// cypher-shell scripts set parameters). A command starts where a statement would and ends
/// at the end of its line, without a `;`. Returns each span and whether it is a command.
pub(crate) fn split_script(text: &str) -> Vec<(Span, bool)> {
    let mut out = Vec::new();
    for span in split_statements(text) {
        let mut start = span.start + first_token(&text[span.start..span.end]).unwrap_or(0);
        // A statement span may begin with command lines: peel them off one by one.
        while text[start..span.end].starts_with(':') {
            let end = text[start..span.end].find('\n').map_or(span.end, |i| start + i);
            out.push((Span::new(start, end), true));
            match first_token(&text[end..span.end]) {
                Some(i) => start = end + i,
                None => {
                    start = span.end;
                    break;
                }
            }
        }
        // Without commands the statement keeps its span as `split_statements` gave it.
        let peeled = out.last().is_some_and(|(s, command): &(Span, bool)| *command && s.start >= span.start);
        if start < span.end {
            out.push((Span::new(if peeled { start } else { span.start }, span.end), false));
        }
    }
    out
}

/// Whether REPL input is ready to run: it ends with a `;` outside strings and comments, and
/// nothing but whitespace or comments follows it. `:` commands are complete at the end of
/// their line. Brackets do not hold input open: no statement has a `;` inside brackets, so
/// `MATCH (n RETURN n;` runs and shows where the `)` is missing, rather than waiting for one.
pub(crate) fn input_is_complete(text: &str) -> bool {
    let trimmed = text.trim_start();
    if trimmed.starts_with(':') || trimmed.is_empty() {
        return true;
    }
    let mut last_end = None;
    let open_literal = scan(text, |end| last_end = Some(end));
    if open_literal {
        return false;
    }
    match last_end {
        Some(end) => !has_content(&text[end + 1..]),
        None => false,
    }
}

/// Whether a piece of text holds anything besides whitespace and comments.
pub(crate) fn has_content(text: &str) -> bool {
    first_token(text).is_some()
}

/// The byte offset of the first character that is not whitespace or inside a comment. An
/// unclosed `/*` is content: the statement it starts is kept, so the parser can report it
/// rather than the rest of the file vanishing into it.
pub(crate) fn first_token(text: &str) -> Option<usize> {
    tokens(text).find(|t| !t.kind.is_trivia()).map(|t| t.span.start)
}

/// Walks the text, calling `on_end` with the byte offset of every statement-ending `;`;
/// true when the text ends inside a string, backticked name or block comment. A `;` inside
/// brackets ends a statement too: scripts split at every such `;`, so one unclosed bracket
/// cannot swallow the statements after it (and see [`input_is_complete`]).
pub(crate) fn scan(text: &str, mut on_end: impl FnMut(usize)) -> bool {
    for t in statement_ends(text) {
        if t.kind.is_unclosed() {
            return true;
        }
        on_end(t.span.start);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semicolons_in_strings_and_comments_do_not_split() {
        let text = "MATCH (n {name: 'a;b'}) RETURN n; // c;\n/* d; */ MATCH (m) RETURN m;";
        let spans = split_statements(text);
        assert_eq!(spans.len(), 2);
        assert_eq!(&text[spans[0].start..spans[0].end], "MATCH (n {name: 'a;b'}) RETURN n");
    }

    #[test]
    fn completeness() {
        assert!(!input_is_complete("MATCH (n)"));
        assert!(
            input_is_complete("MATCH (n RETURN n;"),
            "an unclosed bracket is a syntax error, not more input"
        );
        assert!(input_is_complete("MATCH (n\n RETURN n;\n"));
        assert!(!input_is_complete("MATCH (n {name: 'x;"));
        assert!(!input_is_complete("MATCH (n {name: ';'}"));
        assert!(input_is_complete("MATCH (n)\nRETURN n;"));
        assert!(input_is_complete("MATCH (n) RETURN n; // done"));
        assert!(input_is_complete(":help"));
        assert!(!input_is_complete("RETURN 'it\\'s;"));
        assert!(input_is_complete("RETURN 'it\\'s';"));
    }

    #[test]
    fn an_unclosed_comment_is_content_not_the_end_of_the_text() {
        let text = "ENTITY (a:X);\n/* not closed\nENTITY (b:X);";
        let spans = split_statements(text);
        assert_eq!(spans.len(), 2, "{spans:?}");
        assert_eq!(&text[spans[1].start..spans[1].start + 2], "/*");
        assert!(has_content("  /* open"));
        assert!(!has_content("  /* closed */ // and a line"));
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in ["'", "\\", "/*", "é'\\", "`", "(((;", ")))", "'\\"] {
            let _ = split_statements(text);
            let _ = input_is_complete(text);
        }
    }
}
