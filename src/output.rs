//! Formatting query results, one formatter for the REPL, `run` and `query`.
//!
//! * `table`: comfy-table fitted to the terminal width, long cells cut with `…`, and a footer
//!   `N rows` (`N rows, T ms` with timing on, T to the microsecond).
//! * `json`: ONE document for the whole run, `{"results": [...]}`, one entry per statement
//!   (see [`statement_json`]); nodes, relationships and paths are objects; uncertain numbers
//!   dates and other temporal values are strings exactly as written (`"~100"`, `"@2018-02"`,
//!   `"@2018-02-07T22:00+02:00[Asia/Damascus]"`); non-finite floats are
//!   the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.
//! * `csv`: a header row and one record per row (strings bare, other values as literals).
//! * `markdown`: a pipe table.
//!
//! In table, CSV and markdown cells, values print as the user wrote them: `~100`,
//! `@2018-02`, `(wagner:Organization {name: 'Wagner'})`; top-level strings print bare.

use std::fmt::Write as _;
use std::time::Duration;

use comfy_table::{presets, ContentArrangement, Table};
use serde_json::{json, Map, Value as Json};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::diagnostics::escape_controls;
use crate::load::Applied;
use crate::query::{NodeValue, QueryOutput, QueryValue, RelValue, WriteStats};

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    #[default]
    Table,
    Json,
    Csv,
    Markdown,
}

impl OutputFormat {
    pub fn parse(word: &str) -> Option<OutputFormat> {
        match word.to_ascii_lowercase().as_str() {
            "table" => Some(OutputFormat::Table),
            "json" => Some(OutputFormat::Json),
            "csv" => Some(OutputFormat::Csv),
            "markdown" | "md" => Some(OutputFormat::Markdown),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Table => "table",
            OutputFormat::Json => "json",
            OutputFormat::Csv => "csv",
            OutputFormat::Markdown => "markdown",
        }
    }
}

/// The width of the terminal (the controlling one), if there is one: tables fit it.
pub(crate) fn terminal_width() -> Option<u16> {
    crossterm::terminal::size().ok().map(|(w, _)| w)
}

/// The widest a table cell gets before it is cut with an ellipsis.
const MAX_CELL_CHARS: usize = 60;

/// Renders a result as text in a non-JSON format. `width` is the terminal's, if known.
pub(crate) fn render_output(
    output: &QueryOutput,
    format: OutputFormat,
    width: Option<u16>,
    elapsed: Option<Duration>,
) -> String {
    let mut text = match format {
        OutputFormat::Table => render_table(output, width),
        OutputFormat::Csv => render_csv(output),
        OutputFormat::Markdown => render_markdown(output),
        OutputFormat::Json => {
            serde_json::to_string_pretty(&statement_json("", output)).unwrap_or_default() + "\n"
        }
    };
    if matches!(format, OutputFormat::Table | OutputFormat::Markdown) {
        text.push_str(&footer(output, elapsed));
        text.push('\n');
    }
    text
}

/// `3 rows, 12.345 ms` plus what changed (`1 node created`).
pub(crate) fn footer(output: &QueryOutput, elapsed: Option<Duration>) -> String {
    let n = output.rows.len();
    let mut text = format!("{n} row{}", if n == 1 { "" } else { "s" });
    let changes = describe_stats(&output.stats);
    if !changes.is_empty() {
        let _ = write!(text, "; {changes}");
    }
    if let Some(e) = elapsed {
        let _ = write!(text, ", {:.3} ms", e.as_secs_f64() * 1000.0);
    }
    text
}

fn describe_stats(s: &WriteStats) -> String {
    let parts = [
        (s.nodes_created, "node", "created"),
        (s.nodes_deleted, "node", "deleted"),
        (s.relationships_created, "relationship", "created"),
        (s.relationships_deleted, "relationship", "deleted"),
        (s.properties_set, "property", "set"),
        (s.labels_added, "label", "added"),
        (s.labels_removed, "label", "removed"),
        (s.properties_removed, "property", "removed"),
    ];
    let described: Vec<String> = parts
        .iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, what, verb)| {
            let plural = match (*n, *what) {
                (1, w) => w.to_string(),
                (_, "property") => "properties".to_string(),
                (_, w) => format!("{w}s"),
            };
            format!("{n} {plural} {verb}")
        })
        .collect();
    described.join(", ")
}

/// "1 claim added, 2 attestations added" for a declaration.
pub(crate) fn describe_applied(a: &Applied) -> String {
    let parts = [
        (a.entities_added, "entity", "entities"),
        (a.claims_added, "claim", "claims"),
        (a.attestations_added, "attestation", "attestations"),
        (a.denials_added, "denial", "denials"),
        (a.constraints_added, "constraint", "constraints"),
        (a.voices_added, "voice", "voices"),
    ];
    let mut described: Vec<String> = parts
        .iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, one, many)| format!("{n} {} added", if *n == 1 { one } else { many }))
        .collect();
    if a.resolutions_added > 0 {
        let n = a.resolutions_added;
        described.push(format!("{n} resolution{} recorded", if n == 1 { "" } else { "s" }));
    }
    if described.is_empty() {
        "nothing changed".to_string()
    } else {
        described.join(", ")
    }
}

fn render_table(output: &QueryOutput, width: Option<u16>) -> String {
    if output.columns.is_empty() {
        return String::new();
    }
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    match width {
        Some(w) => {
            table.set_content_arrangement(ContentArrangement::Dynamic);
            table.set_width(w);
        }
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    table.set_header(output.columns.iter().map(|c| one_line(c)));
    for row in &output.rows {
        // On a terminal long cells are cut to keep the table readable; piped output is whole,
        // because whoever reads it (a file, grep, a test) wants the data.
        table.add_row(row.iter().map(|v| {
            let text = one_line(&cell_text(v));
            if width.is_some() {
                truncate(&text, MAX_CELL_CHARS)
            } else {
                text
            }
        }));
    }
    table.to_string() + "\n"
}

fn render_csv(output: &QueryOutput) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // CSV quotes newlines itself; other control characters are escaped as in a table.
    let _ = writer.write_record(output.columns.iter().map(|c| escape_controls(c)));
    for row in &output.rows {
        let _ = writer.write_record(row.iter().map(|v| match v {
            QueryValue::Null => String::new(),
            v => escape_controls(&cell_text(v)),
        }));
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn render_markdown(output: &QueryOutput) -> String {
    if output.columns.is_empty() {
        return String::new();
    }
    let escape = |s: &str| one_line(s).replace('\\', "\\\\").replace('|', "\\|");
    let mut text = String::new();
    let _ =
        writeln!(text, "| {} |", output.columns.iter().map(|c| escape(c)).collect::<Vec<_>>().join(" | "));
    let _ = writeln!(text, "|{}", " --- |".repeat(output.columns.len()));
    for row in &output.rows {
        let cells: Vec<String> = row.iter().map(|v| escape(&cell_text(v))).collect();
        let _ = writeln!(text, "| {} |", cells.join(" | "));
    }
    text.push('\n');
    text
}

/// Newlines and tabs as escapes, so one value stays on one line, and every other control
/// character too (ESC, BEL, NUL …), so data cannot drive the terminal.
pub(crate) fn one_line(s: &str) -> String {
    escape_controls(&s.replace('\r', "\\r").replace('\n', "\\n").replace('\t', "\\t"))
}

/// Cuts text to `max` terminal columns, ending with `…` when cut. Columns, not characters:
/// a CJK character takes two, a combining accent none.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.width() <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        // Room for the ellipsis, which takes one column.
        if used + w + 1 > max {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// A value in a cell: top-level strings bare, everything else as a literal.
pub(crate) fn cell_text(v: &QueryValue) -> String {
    match v {
        QueryValue::String(s) => s.clone(),
        v => v.to_string(),
    }
}

// ---- JSON ----------------------------------------------------------------------------------

/// One statement's entry in the JSON document:
/// `{"statement", "columns", "rows": [[value, ...]], "stats": {...}}`.
pub(crate) fn statement_json(statement: &str, output: &QueryOutput) -> Json {
    let s = &output.stats;
    json!({
        "statement": statement,
        "columns": output.columns,
        "rows": output.rows.iter().map(|r| r.iter().map(value_json).collect::<Vec<_>>()).collect::<Vec<_>>(),
        "stats": {
            "nodes_created": s.nodes_created,
            "nodes_deleted": s.nodes_deleted,
            "relationships_created": s.relationships_created,
            "relationships_deleted": s.relationships_deleted,
            "properties_set": s.properties_set,
            "labels_added": s.labels_added,
            "properties_removed": s.properties_removed,
            "labels_removed": s.labels_removed,
        },
    })
}

/// A declaration's entry: `{"statement", "applied": {"claims_added": 1, ...}}`.
pub(crate) fn applied_json(statement: &str, a: &Applied) -> Json {
    json!({
        "statement": statement,
        "applied": {
            "entities_added": a.entities_added,
            "claims_added": a.claims_added,
            "attestations_added": a.attestations_added,
            "denials_added": a.denials_added,
            "constraints_added": a.constraints_added,
            "resolutions_added": a.resolutions_added,
            "voices_added": a.voices_added,
        },
    })
}

/// A value as JSON (see the module docs for the mapping).
pub(crate) fn value_json(v: &QueryValue) -> Json {
    match v {
        QueryValue::Null => Json::Null,
        QueryValue::Bool(b) => json!(b),
        QueryValue::Int(i) => json!(i),
        QueryValue::Float(x) if x.is_finite() => json!(x),
        QueryValue::Float(x) if x.is_nan() => json!("NaN"),
        QueryValue::Float(x) => json!(if *x > 0.0 { "Infinity" } else { "-Infinity" }),
        QueryValue::String(s) => json!(s),
        QueryValue::List(items) => Json::Array(items.iter().map(value_json).collect()),
        QueryValue::Map(m) => map_json(m),
        QueryValue::Uncertain(u) => json!(u.to_string()),
        QueryValue::Date(d) => json!(d.to_string()),
        QueryValue::Temporal(t) => json!(format!("@{t}")),
        QueryValue::Node(n) => node_json(n),
        QueryValue::Relationship(r) => rel_json(r),
        QueryValue::Path(p) => json!({
            "nodes": p.nodes.iter().map(node_json).collect::<Vec<_>>(),
            "relationships": p.rels.iter().map(rel_json).collect::<Vec<_>>(),
        }),
    }
}

fn map_json(m: &std::collections::BTreeMap<String, QueryValue>) -> Json {
    Json::Object(m.iter().map(|(k, v)| (k.clone(), value_json(v))).collect::<Map<_, _>>())
}

fn node_json(n: &NodeValue) -> Json {
    json!({"id": n.id, "key": n.key, "labels": n.labels, "properties": map_json(&n.props)})
}

fn rel_json(r: &RelValue) -> Json {
    json!({
        "id": r.id,
        "key": r.key,
        "type": r.rel_type,
        "start": r.start,
        "end": r.end,
        "properties": map_json(&r.props),
        "attestations": r.attestations.iter().map(map_json).collect::<Vec<_>>(),
        "contested": r.contested,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Number, Uncertain};

    fn sample() -> QueryOutput {
        QueryOutput {
            columns: vec!["name".into(), "killed".into()],
            rows: vec![
                vec![
                    QueryValue::String("Wagner | Group".into()),
                    QueryValue::Uncertain(Uncertain::Approx(Number::Int(100))),
                ],
                vec![QueryValue::String("x".repeat(200)), QueryValue::Null],
            ],
            stats: WriteStats::default(),
        }
    }

    #[test]
    fn table_truncates_on_a_terminal_only_and_counts() {
        let on_terminal = render_output(&sample(), OutputFormat::Table, Some(80), None);
        assert!(on_terminal.contains("~100"));
        assert!(on_terminal.contains('…'));
        assert!(on_terminal.ends_with("2 rows\n"));
        let piped = render_output(&sample(), OutputFormat::Table, None, None);
        assert!(piped.contains(&"x".repeat(200)));
        assert!(!piped.contains('…'));
    }

    #[test]
    fn truncation_counts_terminal_columns() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 3), "abc");
        // Two columns per character: 2 + 2 + the ellipsis fit in 5, a third would not.
        assert_eq!(truncate("戦闘の日", 5), "戦闘…");
        // A combining accent takes no column of its own.
        assert_eq!(truncate("e\u{301}e\u{301}e\u{301}", 3), "e\u{301}e\u{301}e\u{301}");
    }

    #[test]
    fn markdown_escapes_pipes() {
        let text = render_output(&sample(), OutputFormat::Markdown, None, None);
        assert!(text.contains("Wagner \\| Group"));
    }

    #[test]
    fn no_format_prints_control_characters_raw() {
        let hostile = "esc\u{1b}[31m bel\u{7} nul\u{0} cr\r del\u{7f} c1\u{9b}";
        let output = QueryOutput {
            columns: vec![format!("col{hostile}")],
            rows: vec![
                vec![QueryValue::String(hostile.into())],
                vec![QueryValue::List(vec![QueryValue::String(hostile.into())])],
            ],
            stats: WriteStats::default(),
        };
        for format in [OutputFormat::Table, OutputFormat::Markdown, OutputFormat::Csv, OutputFormat::Json] {
            for width in [None, Some(80)] {
                let text = render_output(&output, format, width, None);
                // serde_json escapes C0 controls, as JSON requires, and leaves DEL and C1 be.
                let json_allows = |c: char| format == OutputFormat::Json && c >= '\u{7f}';
                let raw: Vec<char> =
                    text.chars().filter(|c| c.is_control() && *c != '\n' && !json_allows(*c)).collect();
                assert!(raw.is_empty(), "{format:?} printed {raw:?}:\n{text}");
                assert!(text.contains("u001B[31m") || format == OutputFormat::Json, "{format:?}:\n{text}");
            }
        }
    }

    #[test]
    fn json_keeps_values_as_written() {
        let j = statement_json("q", &sample());
        assert_eq!(j["rows"][0][1], json!("~100"));
    }
}
