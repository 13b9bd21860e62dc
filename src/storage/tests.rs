//! Statements against a workspace, from the scripts in `tests/workspace/`: every statement
//! that fails leaves the graph exactly as it was (indexes included), and the workspace,
//! reopened after the script, holds exactly the graph in memory.

use std::path::PathBuf;

use crate::diagnostics::SourceFile;
use crate::load::print::print_graph;
use crate::session::Session;
use crate::statements::split_statements;

use super::{create, open, JournalEntry};

fn bundled_graph() -> crate::model::Graph {
    let mut g = crate::model::Graph::new();
    crate::load::load_files(&mut g, &[crate::bundled::bundled_dataset()]).expect("bundled dataset loads");
    g
}

fn entry(statement: &str) -> JournalEntry {
    JournalEntry { statement: statement.into(), origin: "test".into(), user: "tester".into() }
}

#[test]
fn failed_statements_leave_no_trace_and_the_workspace_reopens_as_it_was() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/workspace");
    let mut scripts: Vec<PathBuf> =
        std::fs::read_dir(&dir).expect("tests/workspace").map(|e| e.expect("entry").path()).collect();
    scripts.sort();
    assert!(!scripts.is_empty());
    for script in scripts {
        let name = script.display().to_string();
        let text = std::fs::read_to_string(&script).expect("script");
        let tmp = tempfile::tempdir().expect("temporary folder");
        let path = tmp.path().join("w.claimgraph");
        create(&path, &bundled_graph(), &entry("init")).expect("creates");
        let mut store = open(&path).expect("opens");
        let graph = store.load().expect("loads");
        let mut session = Session::new(graph);
        session.workspace = Some(store);
        session.user = "tester".into();
        let file = SourceFile::new(name.clone(), text.clone());
        let mut failures = 0;
        for span in split_statements(&text) {
            let statement = text[span.start..span.end].trim();
            let before = session.graph.canonical_state();
            match session.execute_statement(&file, span, None) {
                Ok(_) => {}
                Err(_) => {
                    failures += 1;
                    let after = session.graph.canonical_state();
                    assert!(
                        before == after,
                        "{name}: `{statement}` failed but changed the graph:\n{}",
                        diff(&before, &after)
                    );
                }
            }
        }
        assert!(failures > 0, "{name}: no statement failed, so nothing was tested");
        let mut reopened_store = open(&path).expect("reopens");
        let reopened = reopened_store.load().expect("reloads");
        let (memory, disk) = (session.graph.canonical_state(), reopened.canonical_state());
        assert!(
            memory == disk,
            "{name}: the reopened workspace differs from the graph in memory:\n{}",
            diff(&memory, &disk)
        );
        assert_eq!(print_graph(&session.graph), print_graph(&reopened), "{name}: exports differ");
        let journal = reopened_store.journal(1000).expect("journal");
        assert!(journal.len() > 1, "{name}: statements were journaled");
        assert!(journal.iter().all(|j| j.user == "tester" || j.statement == "init"), "{name}: journal users");
    }
}

/// The lines of `a` and `b` that differ.
fn diff(a: &str, b: &str) -> String {
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let mut out = String::new();
    for l in la.iter().filter(|l| !lb.contains(l)) {
        out.push_str(&format!("- {}\n", truncate(l)));
    }
    for l in lb.iter().filter(|l| !la.contains(l)) {
        out.push_str(&format!("+ {}\n", truncate(l)));
    }
    out
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(600) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
