//! Data-driven contradiction tests: every `tests/contradictions/**/NAME.kg` is loaded and
//! checked, and its findings must equal `NAME.expected` beside it, one line per finding:
//!
//! ```text
//! severity kind subject about: side 1 value <> side 2 value [status]
//! ```
//!
//! Lines are compared as sorted sets; `#` starts a comment. The bundled dataset's reviewed
//! findings are in `tests/contradictions/bundled.expected`. Run with `UPDATE_EXPECTED=1` to
//! rewrite the files (then review the diff by hand).

use std::path::{Path, PathBuf};

use claimgraph::check::{check, Finding};
use claimgraph::load::{load_files, DataFile};
use claimgraph::model::Graph;

fn line(f: &Finding) -> String {
    let values: Vec<&str> = f.sides.iter().map(|s| s.value.as_str()).collect();
    let mut l = format!(
        "{} {} {} {}: {}",
        f.severity.as_str(),
        f.kind.as_str(),
        f.subject.id,
        f.about,
        values.join(" <> ")
    );
    if !f.is_open() {
        l.push_str(&format!(" [{}]", f.status()));
    }
    l
}

fn expected_lines(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut lines: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

fn compare(name: &str, data: DataFile, expected: &Path) -> Option<String> {
    let mut graph = Graph::new();
    if let Err(e) = load_files(&mut graph, &[data]) {
        return Some(format!("{name}: does not load:\n{e}"));
    }
    let findings = check(&graph);
    // Deterministic: a second run gives the same findings, ids included.
    assert_eq!(findings, check(&graph), "{name}: check is not deterministic");
    let mut got: Vec<String> = findings.iter().map(line).collect();
    got.sort();
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        let header: String = std::fs::read_to_string(expected)
            .unwrap_or_default()
            .lines()
            .take_while(|l| l.starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect();
        let body: String = got.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(expected, header + &body).expect("write expected");
        return None;
    }
    let want = expected_lines(expected);
    (got != want).then(|| {
        let missing: Vec<_> = want.iter().filter(|l| !got.contains(l)).collect();
        let extra: Vec<_> = got.iter().filter(|l| !want.contains(l)).collect();
        format!("{name}:\n  missing: {missing:#?}\n  unexpected: {extra:#?}")
    })
}

fn kg_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            kg_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "kg") {
            out.push(p);
        }
    }
}

#[test]
fn contradiction_cases() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/contradictions");
    let mut files = Vec::new();
    kg_files(&root, &mut files);
    assert!(files.len() >= 10, "expected the contradiction test cases under {}", root.display());
    let failures: Vec<String> = files
        .iter()
        .filter_map(|kg| {
            let data = DataFile::read(kg).expect("read test case");
            compare(&kg.display().to_string(), data, &kg.with_extension("expected"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn bundled_dataset_findings_are_the_reviewed_ones() {
    let expected = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/contradictions/bundled.expected");
    if let Some(failure) = compare("bundled dataset", claimgraph::bundled::bundled_dataset(), &expected) {
        panic!("{failure}");
    }
}
