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

/// Functions offered by completion: openCypher's common ones and the provenance
/// functions, as users spell them. Every one is known to the query engine (tested).
pub(crate) const FUNCTIONS: &[&str] = &[
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "collect",
    "type",
    "labels",
    "id",
    "keys",
    "properties",
    "nodes",
    "relationships",
    "length",
    "size",
    "coalesce",
    "head",
    "last",
    "tail",
    "range",
    "startNode",
    "endNode",
    "toString",
    "toInteger",
    "toFloat",
    "toBoolean",
    "toUpper",
    "toLower",
    "trim",
    "substring",
    "replace",
    "split",
    "abs",
    "round",
    "floor",
    "ceil",
    "exists",
    "shortestPath",
    "allShortestPaths",
    "sources",
    "quotes",
    "status",
    "attestations",
    "denials",
    "corroboration",
    "key",
    "name",
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
                all.extend(starts(&mut FUNCTIONS.iter().copied()).into_iter().map(|f| format!("{f}(")));
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

/// The bracket matching the one at or just before the cursor, if any.
fn matching_bracket(line: &str, pos: usize) -> Option<(usize, usize)> {
    let bytes = line.as_bytes();
    let at =
        [pos, pos.wrapping_sub(1)].into_iter().find(|&p| p < bytes.len() && b"()[]{}".contains(&bytes[p]))?;
    let (open, close, forward) = match bytes[at] {
        b'(' => (b'(', b')', true),
        b'[' => (b'[', b']', true),
        b'{' => (b'{', b'}', true),
        b')' => (b'(', b')', false),
        b']' => (b'[', b']', false),
        _ => (b'{', b'}', false),
    };
    let mut depth = 0i32;
    let indices: Box<dyn Iterator<Item = usize>> =
        if forward { Box::new(at..bytes.len()) } else { Box::new((0..=at).rev()) };
    for i in indices {
        if bytes[i] == open {
            depth += if forward { 1 } else { -1 };
        } else if bytes[i] == close {
            depth += if forward { -1 } else { 1 };
        }
        if depth == 0 {
            return Some((at, i));
        }
    }
    None
}

/// Colours keywords, strings, numbers, known ids, comments and `:` commands; underlines the
/// bracket pair at the cursor.
pub(crate) fn highlight_line(line: &str, pos: usize, vocabulary: &Vocabulary) -> String {
    let brackets = matching_bracket(line, pos);
    let mut out = String::with_capacity(line.len() * 2);
    if line.trim_start().starts_with(':') {
        return format!("{COMMAND}{line}{RESET}");
    }
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' || c == '"' || c == '`' {
            let mut end = line.len();
            let mut escaped = false;
            for (j, d) in line[i + 1..].char_indices() {
                if escaped {
                    escaped = false;
                } else if d == '\\' && c != '`' {
                    escaped = true;
                } else if d == c {
                    end = i + 1 + j + 1;
                    break;
                }
            }
            let color = if c == '`' { IDENT } else { STRING };
            out.push_str(color);
            out.push_str(&line[i..end]);
            out.push_str(RESET);
            while chars.peek().is_some_and(|(j, _)| *j < end) {
                chars.next();
            }
        } else if c == '/' && line[i..].starts_with("//") {
            out.push_str(COMMENT);
            out.push_str(&line[i..]);
            out.push_str(RESET);
            break;
        } else if c.is_alphabetic() || c == '_' {
            let end =
                line[i..].find(|d: char| !(d.is_alphanumeric() || d == '_')).map_or(line.len(), |e| i + e);
            let word = &line[i..end];
            let color = if KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(word)) {
                Some(KEYWORD)
            } else if vocabulary.ids.contains(word) {
                Some(IDENT)
            } else {
                None
            };
            match color {
                Some(col) => {
                    out.push_str(col);
                    out.push_str(word);
                    out.push_str(RESET);
                }
                None => out.push_str(word),
            }
            while chars.peek().is_some_and(|(j, _)| *j < end) {
                chars.next();
            }
        } else if c.is_ascii_digit() {
            let end = line[i..]
                .find(|d: char| !(d.is_ascii_alphanumeric() || d == '.'))
                .map_or(line.len(), |e| i + e);
            out.push_str(NUMBER);
            out.push_str(&line[i..end]);
            out.push_str(RESET);
            while chars.peek().is_some_and(|(j, _)| *j < end) {
                chars.next();
            }
        } else if brackets.is_some_and(|(a, b)| i == a || i == b) {
            out.push_str(BRACKET);
            out.push(c);
            out.push_str(RESET);
        } else {
            out.push(c);
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
    fn completion_offers_only_functions_the_engine_knows() {
        // Forms the grammar handles itself rather than the function catalogue.
        let forms = ["exists", "shortestPath", "allShortestPaths"];
        for f in FUNCTIONS {
            let known = crate::query::functions::signature(f).is_some()
                || crate::query::aggregate::AggregateKind::is_aggregate(f)
                || forms.contains(f);
            assert!(known, "completion offers {f}( but the query engine has no such function");
        }
        for f in ["corroboration", "key", "name", "denials", "attestations"] {
            assert!(FUNCTIONS.contains(&f), "completion lacks {f}(");
        }
        let h = helper();
        assert_eq!(h.candidates("RETURN corr", 11).1, vec!["corroboration("]);
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
