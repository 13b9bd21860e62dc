//! Round-trip tests for the query grammar and printer: parse → print → parse must give the
//! same AST (whose equality ignores spans). Inputs are data: every
//! `tests/query_roundtrip/*.cgq` file (queries separated by blank lines) and every query in
//! the openCypher TCK that is expected to parse.

#[path = "support/shared.rs"]
mod shared;

use std::fs;
use std::path::{Path, PathBuf};

use claimgraph::syntax::query::parse_query;

/// Checks one query; `Err` describes the failure. ASTs compare without their spans.
fn round_trip(text: &str) -> Result<(), String> {
    let first = parse_query(text).map_err(|e| format!("does not parse: {}", e.message))?;
    let printed = first.to_string();
    let again = parse_query(&printed)
        .map_err(|e| format!("printed form does not parse: {}\n  printed: {printed}", e.message))?;
    if first != again {
        return Err(format!(
            "AST changed after printing\n  printed: {printed}\n  before: {first:?}\n  after:  {again:?}"
        ));
    }
    // Printing is canonical: printing the re-parsed query gives the same text.
    let reprinted = again.to_string();
    if reprinted != printed {
        return Err(format!("printer not canonical:\n  {printed}\n  {reprinted}"));
    }
    Ok(())
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p, ext));
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Runs a test body on a thread with a large stack: debug builds of pest need ~40 KB of stack
/// per bracket level, more than the test harness's default 2 MB allows for deep TCK queries.
fn big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(f)
        .expect("spawn test thread")
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
}

#[test]
fn roundtrip_corpus() {
    big_stack(roundtrip_corpus_body);
}

fn roundtrip_corpus_body() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/query_roundtrip");
    let mut failures = Vec::new();
    let mut count = 0;
    for file in files(&dir, "cgq") {
        let text = fs::read_to_string(&file).expect("readable corpus file");
        for query in text.split("\n\n").map(str::trim).filter(|q| !q.is_empty()) {
            count += 1;
            if let Err(e) = round_trip(query) {
                failures.push(format!("{}: {query}\n  {e}", file.display()));
            }
        }
    }
    assert!(count > 0, "no round-trip inputs found");
    assert!(failures.is_empty(), "{} of {count} failed:\n{}", failures.len(), failures.join("\n"));
}

/// The rejected corpus: every query in `tests/query_roundtrip/invalid/*.cgx` must fail to
/// parse with an error, never a panic.
#[test]
fn invalid_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/query_roundtrip");
    for file in files(&dir, "cgx") {
        let text = fs::read_to_string(&file).expect("readable corpus file");
        for query in text.split("\n\n").map(str::trim).filter(|q| !q.is_empty()) {
            assert!(parse_query(query).is_err(), "{}: should not parse: {query}", file.display());
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    big_stack(deep_nesting_body);
}

fn deep_nesting_body() {
    let deep = format!("RETURN {}1{}", "(".repeat(5000), ")".repeat(5000));
    assert!(parse_query(&deep).is_err());
    let long = format!("RETURN 1{}", " + 1".repeat(10000));
    assert!(parse_query(&long).is_err());
    let nots = format!("RETURN {}true", "NOT ".repeat(10000));
    assert!(parse_query(&nots).is_err());
}

/// A query found in a TCK feature file.
struct TckQuery {
    file: PathBuf,
    scenario: String,
    text: String,
    /// The scenario expects a SyntaxError (at compile time) for its main query.
    expects_syntax_error: bool,
}

/// Reads the docstring queries of every scenario, expanding Scenario Outline examples.
fn tck_queries(root: &Path) -> Vec<TckQuery> {
    let mut out = Vec::new();
    for file in files(root, "feature") {
        let Ok(text) = fs::read_to_string(&file) else {
            continue;
        };
        let lines: Vec<&str> = text.lines().collect();
        // Split into scenarios.
        let mut starts: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.trim_start().starts_with("Scenario"))
            .map(|(i, _)| i)
            .collect();
        starts.push(lines.len());
        for w in starts.windows(2) {
            let block = &lines[w[0]..w[1]];
            let scenario = block[0].trim().to_string();
            let expects_syntax_error = block.iter().any(|l| l.contains("SyntaxError should be raised"));
            // Docstrings, with whether each is the main ("When executing query") one.
            let mut docs: Vec<(bool, String)> = Vec::new();
            let mut i = 0;
            while i < block.len() {
                if block[i].trim() == "\"\"\"" {
                    let main = i > 0 && block[i - 1].contains("executing query");
                    let mut body = Vec::new();
                    i += 1;
                    while i < block.len() && block[i].trim() != "\"\"\"" {
                        body.push(block[i].trim_end());
                        i += 1;
                    }
                    docs.push((main, body.join("\n")));
                }
                i += 1;
            }
            // Examples tables of a Scenario Outline.
            let mut rows: Vec<Vec<(String, String)>> = Vec::new();
            if let Some(ex) = block.iter().position(|l| l.trim_start().starts_with("Examples")) {
                let table: Vec<Vec<String>> = block[ex + 1..]
                    .iter()
                    .map(|l| l.trim())
                    .take_while(|l| l.starts_with('|'))
                    .map(split_row)
                    .collect();
                if let Some((header, body)) = table.split_first() {
                    for r in body {
                        rows.push(header.iter().cloned().zip(r.iter().cloned()).collect());
                    }
                }
            }
            if rows.is_empty() {
                rows.push(Vec::new());
            }
            for row in &rows {
                for (main, doc) in &docs {
                    let mut q = doc.clone();
                    for (k, v) in row {
                        q = q.replace(&format!("<{k}>"), v);
                    }
                    out.push(TckQuery {
                        file: file.clone(),
                        scenario: scenario.clone(),
                        text: q,
                        expects_syntax_error: *main && expects_syntax_error,
                    });
                }
            }
        }
    }
    out
}

fn split_row(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cur.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut cur).trim().to_string()),
            c => cur.push(c),
        }
    }
    cells.push(cur.trim().to_string());
    cells
}

fn tck_root() -> Option<PathBuf> {
    match std::env::var_os("CLAIMGRAPH_TCK_DIR") {
        Some(d) if !d.is_empty() => Some(PathBuf::from(d).join("features")),
        _ => shared::shared_input("opencypher-tck/features"),
    }
}

/// Every TCK query that should parse does, and round-trips. Prints the counts.
#[test]
fn tck_queries_parse_and_round_trip() {
    big_stack(tck_body);
}

fn tck_body() {
    let Some(root) = tck_root() else { return };
    let queries = tck_queries(&root);
    let (mut ok, mut failed, mut rejected_bad, mut bad) = (0, Vec::new(), 0, 0);
    for q in &queries {
        if q.expects_syntax_error {
            bad += 1;
            if parse_query(&q.text).is_err() {
                rejected_bad += 1;
            }
            continue;
        }
        match round_trip(&q.text) {
            Ok(()) => ok += 1,
            Err(e) => failed.push(format!("{} / {}:\n{}\n  {e}", q.file.display(), q.scenario, q.text)),
        }
    }
    eprintln!(
        "TCK: {ok} of {} queries expected to parse do and round-trip; {rejected_bad} of {bad} queries expecting a SyntaxError are rejected by the parser alone",
        ok + failed.len()
    );
    for f in failed.iter().take(40) {
        eprintln!("{f}\n");
    }
    assert!(failed.is_empty(), "{} TCK queries failed to parse or round-trip", failed.len());
}
