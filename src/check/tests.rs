//! The check's unit tests: finding ids, resolutions, report order, and the passes that
//! split the work (halves, threads, chunks) against doing it whole.

use super::*;
use crate::load::{load_files, DataFile};
use crate::syntax::decl::DeclStatement;
use crate::syntax::{parse_script, Statement};

fn graph(text: &str) -> Graph {
    let mut g = Graph::new();
    load_files(&mut g, &[DataFile::new("t.kg", text, None)]).expect("loads");
    g
}

const TWO_TOLLS: &str = "SOURCE (a:X); SOURCE (b:X); ENTITY (e:Event); ENTITY (g:Group);
        CONSTRAINT toll: SINGLE (:Event)-[:CASUALTIES]->() ON killed;
        CLAIM (e)-[c1:CASUALTIES {killed: 5}]->(g) BY a;
        CLAIM (e)-[c2:CASUALTIES {killed: 50}]->(g) BY b;";

#[test]
fn resolve_and_contradictions_statements_print_and_parse_back() {
    for text in [
        "RESOLVE F-3a9c01d2e4 AS dismissed BECAUSE 'same people, different dates'",
        "RESOLVE c1, c2 AS resolved BECAUSE 'it\\'s settled'",
        "CONTRADICTIONS",
        "CONTRADICTIONS ABOUT battle KIND single_value",
        "CONTRADICTIONS KIND denial",
    ] {
        let parsed = parse_script(text).expect(text);
        let Statement::Decl(d) = &parsed[0].statement else { panic!("{text}: not a declaration") };
        let printed = d.to_string();
        let again = parse_script(&printed).expect(&printed);
        assert_eq!(parsed[0].statement, again[0].statement, "{text} -> {printed}");
    }
    let parsed = parse_script("CONTRADICTIONS ABOUT battle").expect("parses");
    assert!(matches!(
        &parsed[0].statement,
        Statement::Decl(DeclStatement::Contradictions { about: Some(a), kind: None, .. }) if a.text == "battle"
    ));
    assert!(parse_script("RESOLVE c1 AS maybe BECAUSE 'x'").is_err());
}

#[test]
fn finding_ids_are_stable_and_resolution_by_id_applies() {
    let findings = check(&graph(TWO_TOLLS));
    assert_eq!(findings.len(), 1);
    let id = findings[0].id.clone();
    assert!(id.starts_with("F-") && id.len() == 12, "{id}");
    assert_eq!(check(&graph(TWO_TOLLS))[0].id, id, "same data, same id");
    let resolved = graph(&format!("{TWO_TOLLS} RESOLVE {id} AS resolved BECAUSE 'official figure revised';"));
    let f = &check(&resolved)[0];
    assert_eq!(f.status(), "resolved");
    assert!(contested_claims(&resolved).is_empty());
    assert_eq!(contested_claims(&graph(TWO_TOLLS)).len(), 2);
}

#[test]
fn rows_filter_by_about_and_kind_and_new_findings_are_reported() {
    let g = graph(TWO_TOLLS);
    let a = analyse(&g);
    let rows = |about, kind, findings| contradiction_rows(&g, &a, about, kind, findings);
    let (cols, found) = rows(Some("e"), None, true).expect("e exists");
    assert_eq!(cols.len(), 10);
    assert_eq!(found.len(), 1);
    assert_eq!(rows(Some("c1"), None, true).expect("c1").1.len(), 1);
    assert_eq!(rows(Some("a"), None, true).expect("a source").1.len(), 1);
    assert_eq!(rows(Some("g"), None, false).expect("g").1.len(), 2, "one dispute, two positions");
    assert!(rows(Some("nobody"), None, true).unwrap_err().contains("'nobody'"));
    assert_eq!(rows(None, Some(ContradictionKind::Denial), false).expect("all").1.len(), 0);
    let before = check(&graph("SOURCE (a:X); ENTITY (e:Event);"));
    let after = check(&g);
    assert_eq!(new_findings(&before, &after).len(), 1);
    assert_eq!(new_findings(&after, &after).len(), 0);
}

#[test]
fn json_has_the_documented_shape() {
    let g = graph(TWO_TOLLS);
    let j = findings_json(&g, &check(&g));
    let f = &j["contradictions"][0];
    for key in ["id", "kind", "severity", "subject", "about", "sides", "explanation", "status"] {
        assert!(!f[key].is_null(), "missing {key}");
    }
    let a = &f["sides"][0]["attestations"][0];
    for key in ["source", "via", "quote", "status", "document"] {
        assert!(a.get(key).is_some(), "missing attestation {key}");
    }
    assert_eq!(f["subject"]["id"], "e");
}

/// A finding id hashes its sides' keys (`value|claim`) in sorted order without writing
/// them out when the values alone decide that order; whenever they do, it is the order
/// of the keys written out, whatever the claims' keys are.
#[test]
fn sides_ordered_by_their_values_are_ordered_as_their_keys() {
    let values = ["5", "50", "5|", "5|0", "a", "a|b", "~100", ">100", "", "|", "killed ~100 + wounded ~200"];
    let claims = ["", "c1", "c2", "(e1)-[:CASUALTIES {killed: 5}]->(e2)", "|", "~"];
    let mut decided = 0;
    for v1 in values {
        for v2 in values.iter().filter(|v| **v != v1) {
            let Some(order) = order_by_values(v1, v2) else { continue };
            decided += 1;
            for k1 in claims {
                for k2 in claims {
                    let written = format!("{v1}|{k1}").cmp(&format!("{v2}|{k2}"));
                    assert_eq!(order, written, "{v1}|{k1} against {v2}|{k2}");
                }
            }
        }
    }
    assert!(decided > 50, "most pairs are decided by their values ({decided})");
    assert_eq!(order_by_values("5", "5|0"), None, "a value and itself plus `|…` are not");
}

/// The sides and positions written on two threads come back in the items' order, on
/// both sides of the size that starts a second thread.
#[test]
fn work_shared_by_two_threads_keeps_the_items_order() {
    for n in [0, 1, 1023, 1024, 1025, 5001] {
        let items: Vec<usize> = (0..n).collect();
        let out = on_two_threads(&items, |i| format!("item {i}"));
        let expected: Vec<String> = items.iter().map(|i| format!("item {i}")).collect();
        assert_eq!(out, expected, "{n} items");
    }
}

/// Chunks dealt to whichever thread is free come back in the items' order, also when
/// each thread takes chunks between the other's: the first chunk waits until the
/// second is started and the second until the third is, so one thread holds the first
/// and the third, the other the second (on one core, the waits run out after a second
/// each and the chunks run in order).
#[test]
fn chunks_dealt_to_both_threads_come_back_in_order() {
    use std::sync::atomic::AtomicBool;
    use std::time::{Duration, Instant};
    let wait_for = |flag: &AtomicBool| {
        let started = Instant::now();
        while !flag.load(Ordering::Acquire) && started.elapsed() < Duration::from_secs(1) {
            std::thread::yield_now();
        }
    };
    let n = SHARED_CHUNK * 6;
    let (second, third) = (AtomicBool::new(false), AtomicBool::new(false));
    let out = on_two_threads_owned((0..n).collect(), |i| {
        if i == 0 {
            wait_for(&second);
        } else if i == SHARED_CHUNK {
            second.store(true, Ordering::Release);
            wait_for(&third);
        } else if i == SHARED_CHUNK * 2 {
            third.store(true, Ordering::Release);
        }
        i
    });
    assert_eq!(out, (0..n).collect::<Vec<_>>());
}

/// The findings and disputes come out in report order (`report_order`,
/// `dispute_order`: by subject id, not by the order entities were declared in, and by
/// what they are about), whatever the keys they are sorted by in `finish`.
#[test]
fn findings_and_disputes_come_in_report_order() {
    let mut text = String::from(
        "SOURCE (a:X); SOURCE (b:X); ENTITY (g:Group);
            CONSTRAINT toll: SINGLE (:Event)-[:CASUALTIES]->() ON wounded, killed;
            CONSTRAINT soft: SINGLE (:Event)-[:LOSSES]->() ON killed SEVERITY warning;",
    );
    // Subjects declared in an order that is neither their ids' order nor its reverse.
    for e in ["m", "zeta", "b2", "alpha", "b10", "q"] {
        let _ = write!(
            text,
            "ENTITY ({e}:Event);
                CLAIM ({e})-[:CASUALTIES {{killed: 5, wounded: 1}}]->(g) BY a;
                CLAIM ({e})-[:CASUALTIES {{killed: 50, wounded: 10}}]->(g) BY b;
                CLAIM ({e})-[:CASUALTIES {{killed: 500}}]->(g) BY b;
                CLAIM ({e})-[:LOSSES {{killed: 1}}]->(g) BY a;
                CLAIM ({e})-[:LOSSES {{killed: 2}}]->(g) BY b;"
        );
    }
    let a = analyse(&graph(&text));
    assert!(a.findings.len() >= 30 && a.disputes.len() >= 12, "{} findings", a.findings.len());
    for w in a.findings.windows(2) {
        assert!(questions::report_order(&w[0], &w[1]).is_lt(), "{} before {}", w[0].id, w[1].id);
    }
    for w in a.disputes.windows(2) {
        assert!(questions::dispute_order(&w[0], &w[1]).is_lt(), "{} before {}", w[0].id, w[1].id);
    }
}

/// `finish` puts findings and disputes in place by following the permutation's cycles.
#[test]
fn permuting_in_place_puts_each_item_where_the_order_says() {
    for order in [vec![], vec![0], vec![1, 0], vec![2, 0, 1], vec![3, 4, 0, 1, 2, 5], vec![5, 4, 3, 2, 1, 0]]
    {
        let mut items: Vec<String> = (0..order.len()).map(|i| format!("item {i}")).collect();
        let expected: Vec<String> = order.iter().map(|&i| items[i].clone()).collect();
        questions::permute(&mut items, &order);
        assert_eq!(items, expected, "{order:?}");
    }
}

/// The groups of a `SINGLE ... ON` pass, found by walking its two sorted halves side by
/// side, are those of the halves merged into one sorted vector: the same keys in the
/// same order, each with the same items, and only groups of at least `at_least` items.
#[test]
fn groups_of_two_sorted_halves_are_those_of_the_merged_halves() {
    type Half = Vec<(i32, char)>;
    let halves: [(Half, Half); 5] = [
        (vec![(1, 'a'), (3, 'a'), (3, 'b'), (7, 'a')], vec![(0, 'c'), (3, 'c'), (7, 'c'), (9, 'c')]),
        (vec![], vec![(1, 'x'), (1, 'y'), (2, 'x')]),
        (vec![(1, 'x'), (2, 'x'), (2, 'y')], vec![]),
        (vec![(5, 'a'), (6, 'a')], vec![(1, 'b'), (2, 'b'), (8, 'b'), (8, 'c')]),
        (vec![], vec![]),
    ];
    for (first, second) in halves {
        for at_least in [1, 2] {
            let mut merged: Vec<(i32, char)> = first.iter().chain(&second).copied().collect();
            merged.sort();
            let mut expected: Vec<Vec<(i32, char)>> = Vec::new();
            for item in merged {
                match expected.last_mut() {
                    Some(group) if group[0].0 == item.0 => group.push(item),
                    _ => expected.push(vec![item]),
                }
            }
            expected.retain(|g| g.len() >= at_least);
            let mut got: Vec<Vec<(i32, char)>> = Vec::new();
            rules::group_runs(
                &first,
                &second,
                |x| x.0,
                |y| y.0,
                at_least,
                |a, b| {
                    let mut group: Vec<(i32, char)> = first[a].iter().chain(&second[b]).copied().collect();
                    group.sort();
                    got.push(group);
                },
            );
            assert_eq!(got, expected, "{first:?} and {second:?}, at least {at_least}");
        }
    }
}

/// A `SINGLE ... ON` pass over enough claims to read them in two halves: each group
/// keeps its own key, also a group found in one half only while the other half still
/// holds later groups (the first half holds the later subjects here). Every finding's
/// claims are its subject's, and every dispute has its two values.
#[test]
fn groups_read_in_two_halves_keep_their_subjects() {
    let mut text = String::from(
        "SOURCE (a:X); SOURCE (b:X); ENTITY (g:Group);
            CONSTRAINT toll: SINGLE (:Event)-[:CASUALTIES]->() ON killed;",
    );
    for e in 0..600 {
        let _ = write!(text, "ENTITY (e{e}:Event);");
    }
    // The later subjects' claims first: the first half of the pass.
    for e in (300..600).chain(0..300) {
        let _ = write!(
            text,
            "CLAIM (e{e})-[:CASUALTIES {{killed: 5}}]->(g) BY a;
                CLAIM (e{e})-[:CASUALTIES {{killed: 50}}]->(g) BY b;"
        );
    }
    let g = graph(&text);
    let a = analyse(&g);
    assert_eq!(a.findings.len(), 600);
    assert_eq!(a.disputes.len(), 600);
    for f in &a.findings {
        for c in f.claims() {
            let subject = g.endpoints(c).map(|(s, _)| g.entity_id(s).to_string());
            assert_eq!(subject.as_deref(), Some(f.subject.id.as_str()), "{}", f.id);
        }
    }
    for d in &a.disputes {
        assert_eq!(d.positions.len(), 2, "{}: {:?}", d.id, d.positions);
    }
}

/// A `SINGLE ... ON ... PER` pass read in two halves: each half keeps the scopes of its
/// claims, and a group's claims are those of one subject and one scope, wherever its
/// claims are (each subject's claims are in both halves here, the later subjects' first).
#[test]
fn groups_read_in_two_halves_keep_their_scopes() {
    let mut text = String::from(
        "SOURCE (a:X); SOURCE (b:X); ENTITY (g:Group);
            CONSTRAINT toll: SINGLE (:Event)-[:CASUALTIES]->() ON killed PER phase;",
    );
    for e in 0..300 {
        let _ = write!(text, "ENTITY (e{e}:Event);");
    }
    for (phase, killed) in [("early", [5, 50]), ("late", [7, 7])] {
        for e in (150..300).chain(0..150) {
            let _ = write!(
                text,
                "CLAIM (e{e})-[:CASUALTIES {{killed: {}, phase: '{phase}'}}]->(g) BY a;",
                killed[0]
            );
        }
        for e in (0..300).rev() {
            let _ = write!(
                text,
                "CLAIM (e{e})-[:CASUALTIES {{killed: {}, phase: '{phase}'}}]->(g) BY b;",
                killed[1]
            );
        }
    }
    let g = graph(&text);
    let a = analyse(&g);
    assert_eq!(a.findings.len(), 300);
    assert_eq!(a.disputes.len(), 300);
    for f in &a.findings {
        for c in f.claims() {
            let subject = g.endpoints(c).map(|(s, _)| g.entity_id(s).to_string());
            assert_eq!(subject.as_deref(), Some(f.subject.id.as_str()), "{}", f.id);
            let phase = g.claim(c).and_then(|cl| cl.props.iter().find(|(k, _)| g.str(*k) == "phase"));
            assert_eq!(phase.map(|(_, v)| v.to_string()).as_deref(), Some("'early'"), "{}", f.id);
        }
    }
    for d in &a.disputes {
        assert_eq!(d.scope, vec![("phase".to_string(), "'early'".to_string())], "{}", d.id);
        assert_eq!(d.positions.len(), 2, "{}: {:?}", d.id, d.positions);
    }
}

/// A group's question written on another thread meets the question of an earlier pass
/// with the same key (a `SINGLE` and a `TEMPORAL` constraint on one property): its
/// values join that question's under their indexes there, and so do its conflicts. The
/// `TEMPORAL` pass leaves out the value that is no date, so its two values are the
/// second and third of the question: the undated value stays compatible with both.
#[test]
fn a_question_met_again_takes_the_groups_values_and_conflicts() {
    let g = graph(
        "SOURCE (a:X); SOURCE (b:X); SOURCE (c:X); ENTITY (e:Event); ENTITY (g:Group);
            CONSTRAINT one: SINGLE (:Event)-[:HAPPENED]->() ON date;
            CONSTRAINT dated: TEMPORAL (:Event)-[:HAPPENED]->() ON date;
            CLAIM (e)-[:HAPPENED {date: 'unknown'}]->(g) BY a;
            CLAIM (e)-[:HAPPENED {date: @2018-02-07}]->(g) BY b;
            CLAIM (e)-[:HAPPENED {date: @2018-02-09}]->(g) BY c;",
    );
    let a = analyse(&g);
    let kinds: Vec<ContradictionKind> = a.findings.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, [ContradictionKind::SingleValue, ContradictionKind::Temporal]);
    assert_eq!(a.disputes.len(), 1, "one question: {:?}", a.disputes);
    let d = &a.disputes[0];
    assert_eq!(d.findings.len(), 2);
    assert!(a.findings.iter().all(|f| f.dispute == d.id));
    assert_eq!(d.positions.len(), 2, "{:?}", d.positions);
    for p in &d.positions {
        assert_eq!(p.values.len(), 2, "{:?}", d.positions);
        assert!(p.values.contains(&"'unknown'".to_string()), "{:?}", d.positions);
    }
}

/// A question's conflicts are kept as a sorted list of pairs (lower index first), each
/// once, whatever order and orientation they are registered in.
#[test]
fn conflicts_are_kept_sorted_and_once() {
    let mut q = Question::new(String::new(), EntityIx::new(0), None, String::new(), Vec::new());
    for (a, b) in [(3, 1), (0, 2), (1, 3), (2, 2), (4, 0), (0, 2)] {
        q.conflict(a, b);
    }
    assert_eq!(q.conflicts, [(0, 2), (0, 4), (1, 3)]);
    assert!(q.conflicts_at(3, 1) && q.conflicts_at(1, 3) && q.conflicts_at(4, 0));
    assert!(!q.conflicts_at(2, 2) && !q.conflicts_at(1, 2) && !q.conflicts_at(0, 3));
}

#[test]
fn the_printed_graph_keeps_its_resolutions() {
    let g = graph(&format!("{TWO_TOLLS} RESOLVE c1, c2 AS dismissed BECAUSE 'why';"));
    let text = crate::load::print::print_graph(&g);
    assert!(text.contains("RESOLVE c1, c2 AS dismissed BECAUSE 'why'"), "{text}");
    let again = graph(&text);
    assert_eq!(check(&again)[0].status(), "dismissed");
    let json = serde_json::to_string(&crate::load::json::export_json(&g)).expect("json");
    let mut from_json = Graph::new();
    load_files(&mut from_json, &[DataFile::new("t.json", json, None)]).expect("json loads");
    assert_eq!(check(&from_json)[0].status(), "dismissed");
}
