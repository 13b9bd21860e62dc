//! The line editor's helper: multi-line input (a statement is complete at a `;` outside
//! strings, comments and brackets), Tab completion, highlighting and hints from history.

use std::borrow::Cow;
use std::collections::BTreeSet;

use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::{Hinter, HistoryHinter};
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::Context;

use crate::model::Graph;
use crate::statements::input_is_complete;
use crate::syntax::lexer::{tokens, Token, TokenKind};

use super::commands::{COMMANDS, HELP_TOPICS};

/// Keywords of the query language and of the declaration extensions.
pub(crate) const KEYWORDS: &[&str] = &[
    "MATCH",
    "OPTIONAL",
    "WHERE",
    "RETURN",
    "DISTINCT",
    "AS",
    "WITH",
    "UNWIND",
    "ORDER",
    "BY",
    "ASC",
    "DESC",
    "SKIP",
    "LIMIT",
    "UNION",
    "ALL",
    "CREATE",
    "MERGE",
    "ON",
    "SET",
    "REMOVE",
    "DELETE",
    "DETACH",
    "AND",
    "OR",
    "XOR",
    "NOT",
    "IS",
    "NULL",
    "TRUE",
    "FALSE",
    "STARTS",
    "ENDS",
    "CONTAINS",
    "IN",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "EXISTS",
    "CALL",
    "YIELD",
    "ENTITY",
    "SOURCE",
    "DOCUMENT",
    "CLAIM",
    "ATTEST",
    "DENY",
    "CONSTRAINT",
    "VIA",
    "QUOTE",
    "AT",
    "USE",
    "ASSERTED",
    "REPORTED",
    "UNCONFIRMED",
    "ALLEGED",
    "BELIEVED",
    "DENIED",
    "SINGLE",
    "SUM",
    "EXCLUSIVE",
    "TEMPORAL",
    "TOLERANCE",
    "PER",
    "SEVERITY",
    "CONTRADICTIONS",
    "FINDINGS",
    "DENIALS",
    "ABOUT",
    "KIND",
    "RESOLVE",
    "BECAUSE",
    "VOICE",
    "SPEAKS",
    "FOR",
    "PARTS",
    "BOUND",
    "OVER",
    "EXPLAIN",
];

/// Names from the graph that completion offers; refreshed after every statement.
#[derive(Debug, Default, Clone)]
pub(crate) struct Vocabulary {
    pub labels: BTreeSet<String>,
    pub rel_types: BTreeSet<String>,
    pub property_keys: BTreeSet<String>,
    pub ids: BTreeSet<String>,
    pub names: BTreeSet<String>,
    pub params: BTreeSet<String>,
}

impl Vocabulary {
    pub fn of(graph: &Graph) -> Self {
        let mut v = Vocabulary::default();
        for (l, _) in graph.labels() {
            v.labels.insert(graph.str(l).to_string());
        }
        for (t, _) in graph.rel_types() {
            v.rel_types.insert(graph.str(t).to_string());
        }
        for ix in graph.entities() {
            if let Some(e) = graph.entity(ix) {
                v.ids.insert(graph.str(e.id).to_string());
                v.names.insert(graph.display_name(ix).to_string());
                v.property_keys.extend(e.props.iter().map(|(k, _)| graph.str(*k).to_string()));
            }
        }
        for c in graph.claims() {
            if let Some(claim) = graph.claim(c) {
                v.property_keys.extend(claim.props.iter().map(|(k, _)| graph.str(*k).to_string()));
                if let Some(id) = claim.id {
                    v.ids.insert(graph.str(id).to_string());
                }
            }
        }
        v
    }
}

pub(crate) struct ReplHelper {
    pub vocabulary: Vocabulary,
    pub color: bool,
    files: FilenameCompleter,
    hinter: HistoryHinter,
}

impl ReplHelper {
    pub fn new(vocabulary: Vocabulary, color: bool) -> Self {
        ReplHelper { vocabulary, color, files: FilenameCompleter::new(), hinter: HistoryHinter::new() }
    }

    /// Completion candidates for the word ending at `pos` (pure, for tests).
    pub fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let pos = floor_boundary(line, pos);
        let before = &line[..pos];
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let word = &before[start..];
        let prev = before[..start].chars().last();
        let trimmed = before.trim_start();
        let starts = |list: &mut dyn Iterator<Item = &str>| -> Vec<String> {
            list.filter(|c| c.to_lowercase().starts_with(&word.to_lowercase())).map(str::to_string).collect()
        };
        // `:` commands and their arguments.
        if let Some(cmd_line) = trimmed.strip_prefix(':') {
            let mut parts = cmd_line.split_whitespace();
            let cmd = parts.next().unwrap_or("");
            let in_first_word = !cmd_line.contains(char::is_whitespace);
            if in_first_word {
                return (start, starts(&mut COMMANDS.iter().map(|(c, _)| *c)));
            }
            let choices: &[&str] = match cmd {
                "format" => &["table", "json", "csv", "markdown"],
                "timing" => &["on", "off"],
                "set" => &["memory-budget", "time-limit"],
                "help" => HELP_TOPICS,
                "export"
                    if cmd_line.split_whitespace().count() <= 1
                        || (cmd_line.split_whitespace().count() == 2 && !before.ends_with(' ')) =>
                {
                    &["dot", "json"]
                }
                _ => &[],
            };
            return (start, starts(&mut choices.iter().copied()));
        }
        match prev {
            Some(':') => {
                let mut names =
                    self.vocabulary.labels.iter().chain(&self.vocabulary.rel_types).map(String::as_str);
                let mut found = starts(&mut names);
                found.dedup();
                (start, found)
            }
            Some('.') => (start, starts(&mut self.vocabulary.property_keys.iter().map(String::as_str))),
            Some('$') => (start, starts(&mut self.vocabulary.params.iter().map(String::as_str))),
            // After `key(x) = '`, an id; after any other quote, a name.
            Some('\'') | Some('"') if after_key_call(&before[..start - 1]) => {
                (start, starts(&mut self.vocabulary.ids.iter().map(String::as_str)))
            }
            Some('\'') | Some('"') => (start, starts(&mut self.vocabulary.names.iter().map(String::as_str))),
            _ if word.is_empty() => (start, Vec::new()),
            _ => {
                let mut all: Vec<String> = Vec::new();
                all.extend(starts(&mut KEYWORDS.iter().copied()));
                all.extend(starts(&mut crate::query::function_names()).into_iter().map(|f| format!("{f}(")));
                all.extend(starts(&mut self.vocabulary.ids.iter().map(String::as_str)));
                (start, all)
            }
        }
    }
}

/// Whether `text` ends with `key(x) =` or `key(x) <>` (spaces allowed): the string that
/// follows is an id.
fn after_key_call(text: &str) -> bool {
    let t = text.trim_end();
    let t = t.strip_suffix("<>").or_else(|| t.strip_suffix('=')).unwrap_or("").trim_end();
    let Some(t) = t.strip_suffix(')') else { return false };
    let Some(open) = t.rfind('(') else { return false };
    let (name, arg) = (t[..open].trim_end(), &t[open + 1..]);
    let word_start = name.rfind(|c: char| !(c.is_alphanumeric() || c == '_')).map_or(0, |i| i + 1);
    name[word_start..].eq_ignore_ascii_case("key")
        && arg.trim().chars().all(|c| c.is_alphanumeric() || c == '_')
}

fn floor_boundary(s: &str, mut pos: usize) -> usize {
    pos = pos.min(s.len());
    while !s.is_char_boundary(pos) {
        pos -= 1;
    }
    pos
}

/// Whether the cursor is in the file argument of `:source`, `:load`, `:save` or `:export`.
fn wants_file(line: &str) -> bool {
    let t = line.trim_start();
    let words: Vec<&str> = t.split_whitespace().collect();
    match words.first().copied() {
        Some(":source" | ":load" | ":save") => words.len() > 1 || t.ends_with(' '),
        Some(":export") => words.len() > 2 || (words.len() == 2 && t.ends_with(' ')),
        _ => false,
    }
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, ctx: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let pos = floor_boundary(line, pos);
        if wants_file(&line[..pos]) {
            return self.files.complete(line, pos, ctx);
        }
        let (start, found) = self.candidates(line, pos);
        Ok((start, found.into_iter().map(|c| Pair { display: c.clone(), replacement: c }).collect()))
    }
}

impl Hinter for ReplHelper {
    type Hint = String;

    fn hint(&self, line: &str, pos: usize, ctx: &Context<'_>) -> Option<String> {
        // A `;` typed inside a string or comment does not end the statement: say so, or the
        // shell seems to swallow Enter.
        if pos == line.len() && line.trim_end().ends_with(';') && !input_is_complete(line) {
            return Some(
                "   (inside an open string or /* comment: close it, or Ctrl-C to discard)".to_string(),
            );
        }
        self.hinter.hint(line, pos, ctx)
    }
}

impl Validator for ReplHelper {
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        Ok(if input_is_complete(ctx.input()) {
            ValidationResult::Valid(None)
        } else {
            ValidationResult::Incomplete
        })
    }
}

impl rustyline::Helper for ReplHelper {}

const RESET: &str = "\x1b[0m";
const KEYWORD: &str = "\x1b[1;34m";
const STRING: &str = "\x1b[32m";
const NUMBER: &str = "\x1b[36m";
const IDENT: &str = "\x1b[33m";
const COMMENT: &str = "\x1b[2m";
const COMMAND: &str = "\x1b[35m";
const BRACKET: &str = "\x1b[1;4m";

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, pos: usize) -> Cow<'l, str> {
        if !self.color {
            return Cow::Borrowed(line);
        }
        Cow::Owned(highlight_line(line, pos, &self.vocabulary))
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if self.color {
            Cow::Owned(format!("{COMMENT}{hint}{RESET}"))
        } else {
            Cow::Borrowed(hint)
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _forced: bool) -> bool {
        self.color
    }
}

/// The bracket tokens matching each other at or just before the cursor, if any. Brackets in
/// strings and comments do not count.
fn matching_bracket(line: &str, pos: usize) -> Option<(usize, usize)> {
    let brackets: Vec<Token> =
        tokens(line).filter(|t| matches!(t.kind, TokenKind::Open | TokenKind::Close)).collect();
    let at = [pos, pos.wrapping_sub(1)]
        .into_iter()
        .find_map(|p| brackets.iter().position(|t| t.span.start == p))?;
    let forward = brackets[at].kind == TokenKind::Open;
    let mut depth = 0i32;
    let indices: Box<dyn Iterator<Item = usize>> =
        if forward { Box::new(at..brackets.len()) } else { Box::new((0..=at).rev()) };
    for i in indices {
        depth += if (brackets[i].kind == TokenKind::Open) == forward { 1 } else { -1 };
        if depth == 0 {
            return Some((brackets[at].span.start, brackets[i].span.start));
        }
    }
    None
}

/// Colours keywords, strings, numbers, known ids, comments and `:` commands; underlines the
/// bracket pair at the cursor.
pub(crate) fn highlight_line(line: &str, pos: usize, vocabulary: &Vocabulary) -> String {
    if line.trim_start().starts_with(':') {
        return format!("{COMMAND}{line}{RESET}");
    }
    let brackets = matching_bracket(line, pos);
    let mut out = String::with_capacity(line.len() * 2);
    for t in tokens(line) {
        let text = &line[t.span.start..t.span.end];
        let color = match t.kind {
            TokenKind::String { .. } => Some(STRING),
            TokenKind::QuotedName { .. } => Some(IDENT),
            TokenKind::LineComment | TokenKind::BlockComment { .. } => Some(COMMENT),
            TokenKind::Number => Some(NUMBER),
            TokenKind::Word if KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(text)) => Some(KEYWORD),
            TokenKind::Word if vocabulary.ids.contains(text) => Some(IDENT),
            TokenKind::Open | TokenKind::Close
                if brackets.is_some_and(|(a, b)| t.span.start == a || t.span.start == b) =>
            {
                Some(BRACKET)
            }
            _ => None,
        };
        match color {
            Some(c) => {
                out.push_str(c);
                out.push_str(text);
                out.push_str(RESET);
            }
            None => out.push_str(text),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn helper() -> ReplHelper {
        let mut v = Vocabulary::default();
        v.labels.insert("Person".into());
        v.rel_types.insert("FOUGHT".into());
        v.ids.insert("wagner".into());
        v.property_keys.insert("name".into());
        ReplHelper::new(v, true)
    }

    #[test]
    fn completes_by_context() {
        let h = helper();
        assert_eq!(h.candidates("MAT", 3).1, vec!["MATCH"]);
        assert_eq!(h.candidates("MATCH (n:Pe", 11).1, vec!["Person"]);
        assert_eq!(h.candidates("MATCH ()-[:FO", 13).1, vec!["FOUGHT"]);
        assert_eq!(h.candidates("RETURN n.na", 11).1, vec!["name"]);
        assert_eq!(h.candidates("MATCH (wag", 10).1, vec!["wagner"]);
        assert_eq!(h.candidates(":sch", 4).1, vec!["schema"]);
        assert_eq!(h.candidates(":format cs", 10).1, vec!["csv"]);
        // Functions come from the engine's own tables.
        assert_eq!(h.candidates("RETURN corrob", 13).1, vec!["corroboration("]);
        assert_eq!(h.candidates("RETURN toup", 11).1, vec!["toUpper("]);
        assert_eq!(h.candidates("RETURN percentileD", 18).1, vec!["percentileDisc("]);
        assert!(h.candidates("RETURN cha", 10).1.is_empty());
    }

    #[test]
    fn highlighting_follows_the_lexer() {
        let v = helper().vocabulary;
        let h = highlight_line("RETURN '(' /* ( */ (1)", 19, &v);
        assert!(h.contains(&format!("{STRING}'('{RESET}")), "{h:?}");
        assert!(h.contains(&format!("{COMMENT}/* ( */{RESET}")), "{h:?}");
        assert!(h.contains(&format!("{BRACKET}({RESET}{NUMBER}1{RESET}{BRACKET}){RESET}")), "{h:?}");
        let two_lines = highlight_line("// note\nMATCH", 0, &v);
        assert!(two_lines.ends_with(&format!("{KEYWORD}MATCH{RESET}")), "{two_lines:?}");
    }

    #[test]
    fn ids_follow_key_and_names_follow_other_quotes() {
        let mut h = helper();
        h.vocabulary.names.insert("Wagner Group".into());
        let line = "MATCH (n) WHERE key(n) = 'wa";
        assert_eq!(h.candidates(line, line.len()).1, vec!["wagner"]);
        let line = "MATCH (n) WHERE key(n)<>'wa";
        assert_eq!(h.candidates(line, line.len()).1, vec!["wagner"]);
        let line = "MATCH (n {name: 'Wa";
        assert_eq!(h.candidates(line, line.len()).1, vec!["Wagner Group"]);
        let line = "MATCH (n) WHERE n.name = 'Wa";
        assert_eq!(h.candidates(line, line.len()).1, vec!["Wagner Group"]);
    }

    #[test]
    fn completion_offers_the_provenance_functions_and_no_others() {
        let h = helper();
        let offered = |w: &str| h.candidates(w, w.len()).1;
        assert_eq!(offered("RETURN corr"), vec!["corroboration("]);
        assert!(offered("RETURN denials").contains(&"denials(".to_string()));
        assert!(offered("RETURN ke").contains(&"key(".to_string()));
        assert!(offered("RETURN na").contains(&"name(".to_string()));
        let no_function = |w: &str| !offered(w).iter().any(|c| c.ends_with('('));
        assert!(no_function("RETURN chai"), "no chain( function exists");
        assert!(no_function("RETURN documen"), "no documents( function exists");
    }

    #[test]
    fn highlighting_keeps_the_text() {
        let v = helper().vocabulary;
        let ansi = regex::Regex::new("\x1b\\[[0-9;]*m").unwrap();
        for line in ["MATCH (n {name: 'it\\'s'}) RETURN n; // x", "'unterminated", "é(ü", "((", ")"] {
            for pos in 0..=line.len() {
                let h = highlight_line(line, pos, &v);
                let plain = ansi.replace_all(&h, "");
                assert_eq!(plain, line);
            }
        }
    }
}
