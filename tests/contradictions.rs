//! Data-driven contradiction tests: every `tests/contradictions/**/NAME.kg` is loaded and
//! checked, and its findings and disputes must equal `NAME.expected` beside it: one line
//! per finding, one per dispute and one per position of each dispute:
//!
//! ```text
//! severity kind subject about: side 1 value <> side 2 value [status]
//! dispute subject about [-> object] (scope): severity, N findings [status]
//! position subject about [-> object] (scope): value · value <- voice; institution(mouth, mouth)
//! ```
//!
//! Lines are compared as sorted sets; `#` starts a comment. The bundled dataset's reviewed
//! findings are in `tests/contradictions/bundled.expected`. Run with `UPDATE_EXPECTED=1` to
//! rewrite the files (then review the diff by hand).

use std::path::{Path, PathBuf};

use claimgraph::check::{analyse, AttestationAt, Dispute, Finding};
use claimgraph::load::{load_files, DataFile};
use claimgraph::model::Graph;
use claimgraph::syntax::decl::DeclStatement;
use claimgraph::syntax::Span;

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

/// The question a dispute lines are keyed by: `battle killed -> russian_contractors (group: 'x')`.
fn question(d: &Dispute) -> String {
    let mut q = format!("{} {}", d.subject.id, d.about);
    if let Some(o) = &d.object {
        if o != &d.subject {
            q.push_str(&format!(" -> {}", o.id));
        }
    }
    if !d.scope.is_empty() {
        let scope: Vec<String> = d.scope.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        q.push_str(&format!(" ({})", scope.join(", ")));
    }
    q
}

fn dispute_lines(d: &Dispute) -> Vec<String> {
    let mut lines = vec![format!(
        "dispute {}: {}, {} finding{}{}",
        question(d),
        d.severity.as_str(),
        d.findings.len(),
        if d.findings.len() == 1 { "" } else { "s" },
        if d.open == 0 { " [closed]" } else { "" }
    )];
    for p in &d.positions {
        let voices: Vec<String> = p
            .voices
            .iter()
            .map(|v| {
                let mouths: Vec<&str> = v.sources.iter().map(|s| s.id.as_str()).collect();
                if mouths == [v.institution.id.as_str()] {
                    v.institution.id.clone()
                } else {
                    format!("{}({})", v.institution.id, mouths.join(", "))
                }
            })
            .collect();
        lines.push(format!("position {}: {} <- {}", question(d), p.values.join(" · "), voices.join("; ")));
    }
    lines
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
    compare_files(name, &[data], expected)
}

fn compare_files(name: &str, data: &[DataFile], expected: &Path) -> Option<String> {
    let mut graph = Graph::new();
    if let Err(e) = load_files(&mut graph, data) {
        return Some(format!("{name}: does not load:\n{e}"));
    }
    let analysis = analyse(&graph);
    // Deterministic: a second run gives the same findings and disputes, ids included.
    assert_eq!(analysis, analyse(&graph), "{name}: check is not deterministic");
    // Every finding is evidence in exactly one dispute, and every dispute has evidence.
    for f in &analysis.findings {
        let holding: Vec<&Dispute> =
            analysis.disputes.iter().filter(|d| d.findings.contains(&f.id)).collect();
        assert_eq!(holding.len(), 1, "{name}: {} is in {} disputes", f.id, holding.len());
        assert_eq!(holding[0].id, f.dispute, "{name}: {} names another dispute", f.id);
    }
    for d in &analysis.disputes {
        assert!(!d.findings.is_empty() && !d.positions.is_empty(), "{name}: empty dispute {}", d.id);
    }
    // Findings keep where their attestations are: each resolves in the graph, with its
    // status, on the claim its side names (or on a denial).
    let views = analysis.findings.iter().flat_map(|f| f.sides.iter().flat_map(|s| &s.attestations)).chain(
        analysis.disputes.iter().flat_map(|d| {
            d.positions
                .iter()
                .flat_map(|p| p.voices.iter().flat_map(|v| v.statements.iter().map(|s| &s.attestation)))
        }),
    );
    for v in views {
        let a = v.attestation(&graph).unwrap_or_else(|| panic!("{name}: {v:?} is not in the graph"));
        assert_eq!(a.status, v.status, "{name}: {v:?}");
        if let (AttestationAt::Claim(on, _), Some(named)) = (v.at, v.claim) {
            assert_eq!(on, named, "{name}: {v:?} is on another claim than its side's");
        }
    }
    let mut got: Vec<String> = analysis.findings.iter().map(line).collect();
    got.extend(analysis.disputes.iter().flat_map(dispute_lines));
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

/// The second document of `docs/examples/` loaded with the bundled dataset: its figures
/// join the bundled disputes (one question, one dispute) rather than adding pairwise noise.
#[test]
fn the_encyclopedia_example_merges_into_the_bundled_disputes() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let example = DataFile::read(&root.join("docs/examples/khusham_encyclopedia.kg")).expect("example");
    let expected = root.join("tests/contradictions/merged_encyclopedia.expected");
    if let Some(failure) =
        compare_files("bundled + encyclopedia", &[claimgraph::bundled::bundled_dataset(), example], &expected)
    {
        panic!("{failure}");
    }
}

/// One tolerance rule: for every pair of `tolerance/table.kg`, query `=` is true exactly
/// when `check` does not flag the pair.
#[test]
fn the_tolerance_rule_is_shared_by_queries_and_check() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/contradictions/tolerance/table.kg");
    let mut graph = Graph::new();
    load_files(&mut graph, &[DataFile::read(&path).expect("table")]).expect("loads");
    let flagged: std::collections::BTreeSet<String> =
        analyse(&graph).findings.iter().filter_map(|f| f.object.as_ref().map(|o| o.id.clone())).collect();
    let cancel = claimgraph::query::CancelFlag::new(false);
    let out = claimgraph::query::execute(
        &mut graph,
        "MATCH (e)-[r1:CASUALTIES]->(p:Pair), (e)-[r2:CASUALTIES]->(p) WHERE id(r1) < id(r2) \
         RETURN key(p) AS pair, r1.killed = r2.killed AS agree ORDER BY pair",
        &Default::default(),
        &cancel,
    )
    .expect("query runs");
    assert_eq!(out.rows.len(), 16, "one row per pair");
    let (mut agreeing, mut disagreeing) = (0, 0);
    for row in &out.rows {
        let (claimgraph::query::QueryValue::String(pair), claimgraph::query::QueryValue::Bool(agree)) =
            (&row[0], &row[1])
        else {
            panic!("unexpected row {row:?}");
        };
        assert_eq!(*agree, !flagged.contains(pair), "{pair}: query `=` says {agree}, check disagrees");
        if *agree {
            agreeing += 1;
        } else {
            disagreeing += 1;
        }
    }
    assert!(agreeing > 0 && disagreeing > 0, "the table has both kinds of pair");
}

/// The statements of a data file, parsed.
fn declarations(text: &str) -> Vec<(DeclStatement, Span)> {
    claimgraph::syntax::parse_script(text)
        .expect("test data parses")
        .into_iter()
        .filter_map(|s| match s.statement {
            claimgraph::syntax::Statement::Decl(d) => Some((d, s.span)),
            claimgraph::syntax::Statement::Query(_) => None,
        })
        .collect()
}

/// Replays declarations one at a time as the shell does, keeping the findings with
/// `check::Tracked` (which re-checks only what each statement touched), and compares after
/// every statement with the full check: the same findings and disputes, and the same new
/// findings (the shell's warnings) as the full checks before and after give. A statement
/// that fails (it names what a later one declares) is rolled back, as in a session, and
/// tried again after the others, until no more apply. The kept findings are read (which
/// folds the updates since the last read into report order) after every `read_every`-th
/// statement that applied and at the end. Returns how many applied.
fn replay(name: &str, decls: &[&(DeclStatement, Span)], base: Option<PathBuf>, read_every: usize) -> usize {
    use claimgraph::check::{new_findings, Tracked};
    use claimgraph::load::Loader;
    let mut graph = Graph::new();
    graph.begin();
    let mut tracked = Tracked::new(&graph);
    let mut full = analyse(&graph);
    let mut document = None;
    let mut pending: Vec<&(DeclStatement, Span)> = decls.to_vec();
    let mut applied = 0;
    loop {
        let mut failed = Vec::new();
        for &item in &pending {
            let (decl, span) = item;
            let revision = graph.revision();
            let savepoint = graph.savepoint();
            let mut loader = Loader::new(&mut graph);
            loader.finding_ids = Some(claimgraph::check::finding_ids);
            loader.begin_file(base.clone());
            loader.set_optional_texts(true);
            loader.set_default_document(document);
            let result = loader.apply_all(decl, *span);
            let default_document = loader.default_document();
            if result.is_err() {
                graph.rollback_to(savepoint);
                assert_eq!(tracked.revision(), revision, "{name}: findings kept at another revision");
                tracked.restored(graph.revision());
                failed.push(item);
            } else {
                document = default_document;
                applied += 1;
                let touched = graph.touched_since(savepoint);
                let new =
                    tracked.update(&graph, touched.as_ref(), true).expect("checked in full when it must");
                let after = analyse(&graph);
                let want: Vec<String> = new_findings(&full.findings, &after.findings)
                    .iter()
                    .map(|f| f.one_line(&graph))
                    .collect();
                let got: Vec<String> = new.iter().map(|f| f.one_line(&graph)).collect();
                assert_eq!(got, want, "{name}: new findings after `{decl}`");
                assert!(
                    applied % read_every != 0 || **tracked.analysis() == after,
                    "{name}: findings after `{decl}` differ from the full check's"
                );
                full = after;
            }
            graph.clear_log();
            assert_eq!(
                tracked.revision(),
                graph.revision(),
                "{name}: findings not brought forward past `{decl}`"
            );
        }
        if failed.is_empty() || failed.len() == pending.len() {
            assert!(**tracked.analysis() == full, "{name}: findings at the end differ from the full check's");
            return applied;
        }
        pending = failed;
    }
}

/// Every contradiction case, the bundled dataset, and the bundled dataset followed by the
/// encyclopedia example, replayed statement by statement (entities first, then the rest in
/// file order), again with constraints, denials, voices and resolutions last (so each of
/// those re-checks claims already there), and with the statements after the entities and
/// constraints in reverse order (a whole's figure or a bound before the figures it bounds).
#[test]
fn findings_kept_statement_by_statement_equal_the_full_check() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut cases: Vec<(String, String, Option<PathBuf>)> = Vec::new();
    let mut files = Vec::new();
    kg_files(&root.join("tests/contradictions"), &mut files);
    files.push(root.join("data/khusham_2018.kg"));
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read test case");
        cases.push((f.display().to_string(), text, f.parent().map(Path::to_path_buf)));
    }
    // The example names the dataset's entities: it follows it in one script.
    let example =
        std::fs::read_to_string(root.join("docs/examples/khusham_encyclopedia.kg")).expect("example");
    let merged = format!("{}\n{example}", cases[cases.len() - 1].1);
    cases.push(("bundled + encyclopedia".into(), merged, Some(root.join("data"))));
    for (name, text, base) in &cases {
        let decls = declarations(text);
        // Entities first, as the loader applies a file (a claim may name one declared below).
        let entity = |d: &DeclStatement| matches!(d, DeclStatement::Entity(_));
        let mut in_order: Vec<_> = decls.iter().filter(|(d, _)| entity(d)).collect();
        in_order.extend(decls.iter().filter(|(d, _)| !entity(d)));
        let late = |d: &DeclStatement| {
            matches!(
                d,
                DeclStatement::Constraint(_)
                    | DeclStatement::Deny { .. }
                    | DeclStatement::Voice { .. }
                    | DeclStatement::Resolve(_)
            )
        };
        let mut reordered: Vec<_> = in_order.iter().copied().filter(|(d, _)| !late(d)).collect();
        reordered.extend(in_order.iter().copied().filter(|(d, _)| late(d)));
        assert_eq!(
            replay(name, &in_order, base.clone(), 1),
            decls.len(),
            "{name}: not every statement applied"
        );
        // Several updates between reads: a subject re-checked twice before its findings are
        // folded in, and a fold of many subjects at once.
        replay(&format!("{name} (read every fifth statement)"), &in_order, base.clone(), 5);
        replay(
            &format!("{name} (constraints, denials, voices and resolutions last)"),
            &reordered,
            base.clone(),
            1,
        );
        let first = |d: &DeclStatement| entity(d) || matches!(d, DeclStatement::Constraint(_));
        let mut reversed: Vec<_> = in_order.iter().copied().filter(|(d, _)| first(d)).collect();
        reversed.extend(in_order.iter().copied().filter(|(d, _)| !first(d)).rev());
        replay(
            &format!("{name} (statements after the entities and constraints reversed)"),
            &reversed,
            base.clone(),
            1,
        );
        replay(&format!("{name} (reversed, read every third statement)"), &reversed, base.clone(), 3);
    }
}
