//! Data-driven plan tests: every folder under `tests/plans/` is one case.
//!
//! A case holds `query` (one statement) and `expected`: the statement's `:profile` output
//! (the operator tree with the rows each operator produced) followed by its result rows.
//! The graph is the synthetic one of `claimgraph gen` with 2,000 claims, or, when the case
//! has a `setup` file, an empty graph after running its statements. When the case has a
//! `same_as` file, that statement (written so that the planner cannot take the shortcut
//! under test: a counted hop, a pushed-down filter, a relationship scan) must return the
//! same rows, in any order. `CLAIMGRAPH_BLESS=1 cargo test --test plans` writes the actual
//! output as the expectation.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use claimgraph::load::{load_files, DataFile};
use claimgraph::model::Graph;
use claimgraph::query::{execute, profile, Caller, Params, QueryOutput};

/// The generated data file, loaded afresh for each case so writes do not leak.
fn generated() -> DataFile {
    let dir = tempfile::tempdir().expect("temporary folder");
    claimgraph::gen::generate(2_000, 42, dir.path()).expect("generate data");
    DataFile::read(&dir.path().join("graph.kg")).expect("read data")
}

fn run(g: &mut Graph, q: &str) -> QueryOutput {
    execute(g, q, &Params::new(), &AtomicBool::new(false)).unwrap_or_else(|e| panic!("{q}: {}", e.message))
}

fn rows(out: &QueryOutput) -> Vec<String> {
    out.rows.iter().map(|r| format!("{r:?}")).collect()
}

fn sorted(out: &QueryOutput) -> Vec<String> {
    let mut r = rows(out);
    r.sort();
    r
}

/// The case's problems (none when it passes).
fn check(dir: &Path, generated: &DataFile) -> Vec<String> {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    let Some(query) = read("query") else { return vec!["no query file".into()] };
    let query = query.trim();
    let mut graph = Graph::new();
    match read("setup") {
        Some(setup) => {
            for statement in setup.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                run(&mut graph, statement);
            }
        }
        None => load_files(&mut graph, std::slice::from_ref(generated)).expect("load data"),
    }
    let g = &mut graph;
    let mut problems = Vec::new();
    let cancel = AtomicBool::new(false);
    let (out, plan) = match profile(&Caller::default(), g, query, &Params::new(), &cancel) {
        Ok(r) => r,
        Err(e) => return vec![format!("{query}: {}", e.message)],
    };
    let mut actual = plan.join("\n");
    actual.push_str("\n\n");
    actual.push_str(&out.columns.join(" | "));
    actual.push('\n');
    for r in rows(&out) {
        actual.push_str(&r);
        actual.push('\n');
    }
    if let Some(control) = read("same_as") {
        let control = run(g, control.trim());
        if sorted(&control) != sorted(&out) {
            problems.push(format!(
                "rows differ from same_as:\n  {:?}\n  {:?}",
                sorted(&out),
                sorted(&control)
            ));
        }
    }
    if std::env::var_os("CLAIMGRAPH_BLESS").is_some() {
        std::fs::write(dir.join("expected"), &actual).expect("write expected");
    } else if read("expected").as_deref() != Some(actual.as_str()) {
        problems
            .push(format!("--- expected:\n{}\n--- actual:\n{actual}", read("expected").unwrap_or_default()));
    }
    problems
}

#[test]
fn plans_and_their_row_counts() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/plans");
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(&root).expect("tests/plans").filter_map(|e| e.ok()).map(|e| e.path()).collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no cases in tests/plans");
    let g = generated();
    let mut failures = Vec::new();
    for dir in &dirs {
        for p in check(dir, &g) {
            failures.push(format!("{}: {p}", dir.file_name().unwrap_or_default().to_string_lossy()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
