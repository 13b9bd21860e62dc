//! The query engine end to end through the public contract (`claimgraph::query::execute`):
//! provenance functions on the bundled dataset, writes and their attestations, anchoring,
//! cancellation, and errors that carry the TCK's names.

use std::sync::atomic::AtomicBool;

use claimgraph::bundled::bundled_dataset;
use claimgraph::load::load_files;
use claimgraph::model::Graph;
use claimgraph::query::{execute, execute_as, Params, QueryOutput, QueryValue, Session};

fn bundled() -> Graph {
    let mut g = Graph::new();
    if let Err(e) = load_files(&mut g, &[bundled_dataset()]) {
        panic!("the bundled dataset does not load:\n{e}");
    }
    g
}

fn run(g: &mut Graph, q: &str) -> QueryOutput {
    let cancel = AtomicBool::new(false);
    execute(g, q, &Params::new(), &cancel)
        .unwrap_or_else(|e| panic!("{q}\n  {}.{}: {}", e.class, e.detail, e.message))
}

fn s(x: &str) -> QueryValue {
    QueryValue::String(x.to_string())
}

#[test]
fn provenance_of_wagner_claims() {
    let mut g = bundled();
    let out = run(&mut g, "MATCH (w {name: 'Wagner'})-[r]-(x) RETURN x.name, type(r), sources(r)");
    assert_eq!(out.columns, ["x.name", "type(r)", "sources(r)"]);
    // `{name: 'Wagner'}` finds 'Wagner Group' through its alias.
    assert!(out.rows.len() >= 3, "{out:?}");
    for row in &out.rows {
        let QueryValue::List(sources) = &row[2] else { panic!("sources(r) is not a list: {row:?}") };
        assert!(!sources.is_empty(), "a claim without sources: {row:?}");
    }
    // Anchored by stable id, in either direction.
    let by_key = run(&mut g, "MATCH (x)-[r:WORKS_FOR]->(w) WHERE key(w) = 'wagner' RETURN count(r) AS n");
    assert!(matches!(by_key.rows[0][0], QueryValue::Int(n) if n >= 1), "{by_key:?}");
}

#[test]
fn status_and_attestations_are_queryable() {
    let mut g = bundled();
    let all = run(&mut g, "MATCH ()-[r]->() WHERE size(attestations(r)) > 0 RETURN count(*) AS n");
    let QueryValue::Int(total) = all.rows[0][0] else { panic!() };
    let hedged = run(
        &mut g,
        "MATCH ()-[r]->() WHERE status(r) IN ['reported', 'unconfirmed', 'alleged'] RETURN count(*) AS n",
    );
    let QueryValue::Int(some) = hedged.rows[0][0] else { panic!() };
    assert!(total > 0 && some <= total);
    let atts = run(
        &mut g,
        "MATCH ()-[r]->() UNWIND attestations(r) AS a RETURN a.source AS source, a.status AS status LIMIT 3",
    );
    assert_eq!(atts.columns, ["source", "status"]);
    assert!(!atts.rows.is_empty());
}

#[test]
fn create_attests_the_session_user() {
    let mut g = Graph::new();
    let cancel = AtomicBool::new(false);
    let session = Session { user: "alice".into() };
    let out = execute_as(
        &session,
        &mut g,
        "CREATE (a:P {name: 'A'})-[r:KNOWS {since: 2001}]->(b:P) RETURN sources(r) AS s, status(r) AS st",
        &Params::new(),
        &cancel,
    )
    .expect("create runs");
    assert_eq!(out.rows, vec![vec![QueryValue::List(vec![s("alice")]), s("asserted")]]);
    assert_eq!(out.stats.nodes_created, 2);
    assert_eq!(out.stats.relationships_created, 1);
    assert_eq!(out.stats.properties_set, 2);
    assert_eq!(out.stats.labels_added, 2);
}

#[test]
fn shortest_paths() {
    let mut g = Graph::new();
    run(&mut g, "CREATE (a {n: 'a'})-[:T]->(b {n: 'b'})-[:T]->(c {n: 'c'}), (a)-[:T]->(d {n: 'd'})-[:T]->(c), (c)-[:T]->(e {n: 'e'})");
    let one = run(&mut g, "MATCH p = shortestPath((a {n: 'a'})-[*]->(e {n: 'e'})) RETURN length(p) AS l");
    assert_eq!(one.rows, vec![vec![QueryValue::Int(3)]]);
    let all = run(&mut g, "MATCH p = allShortestPaths((a {n: 'a'})-[*]->(c {n: 'c'})) RETURN count(p) AS n");
    assert_eq!(all.rows, vec![vec![QueryValue::Int(2)]]);
    // Against the arrows, and undirected: the path still runs from the first node.
    for q in [
        "MATCH p = shortestPath((e {n: 'e'})<-[*]-(a {n: 'a'})) RETURN [x IN nodes(p) | x.n] AS ns",
        "MATCH p = shortestPath((e {n: 'e'})-[*]-(a {n: 'a'})) RETURN [x IN nodes(p) | x.n] AS ns",
    ] {
        let out = run(&mut g, q);
        let QueryValue::List(ns) = &out.rows[0][0] else { panic!("{out:?}") };
        assert_eq!(ns.len(), 4, "{q}: {ns:?}");
        assert_eq!((ns.first(), ns.last()), (Some(&s("e")), Some(&s("a"))), "{q}");
    }
    let none = run(&mut g, "MATCH p = shortestPath((a {n: 'a'})-[*..2]->(e {n: 'e'})) RETURN p");
    assert!(none.rows.is_empty(), "{none:?}");
}

#[test]
fn cancelled_query_stops_with_an_error() {
    let mut g = Graph::new();
    run(&mut g, "UNWIND range(1, 50) AS i CREATE ({i: i})");
    let cancel = AtomicBool::new(true);
    let err = execute(&mut g, "MATCH (a), (b), (c) RETURN count(*)", &Params::new(), &cancel)
        .expect_err("cancelled");
    assert_eq!(err.class, "Cancelled");
    assert_eq!(err.message, "query cancelled");
}

#[test]
fn errors_carry_tck_names() {
    let mut g = Graph::new();
    let cancel = AtomicBool::new(false);
    let cases = [
        ("RETURN x", "UndefinedVariable"),
        ("MATCH (n) RETURN n, n", "ColumnNameConflict"),
        ("RETURN *", "NoVariablesInScope"),
        ("MATCH (n) WHERE count(n) > 1 RETURN n", "InvalidAggregation"),
        ("RETURN count(count(1))", "NestedAggregation"),
        ("CREATE ()-[:A|B]->()", "NoSingleRelationshipType"),
        ("CREATE ()-[:T]-()", "RequiresDirectedRelationship"),
        ("CREATE ()-[:T*2]->()", "CreatingVarLength"),
        ("RETURN 9223372036854775808", "IntegerOverflow"),
        ("RETURN 0x", "InvalidNumberLiteral"),
        ("RETURN nosuchfunction(1)", "UnknownFunction"),
        ("MATCH (n) RETURN n LIMIT -1", "NegativeIntegerArgument"),
        ("MATCH (n RETURN n", "UnexpectedSyntax"),
    ];
    for (q, detail) in cases {
        match execute(&mut g, q, &Params::new(), &cancel) {
            Ok(out) => panic!("{q}: expected {detail}, got {out:?}"),
            Err(e) => assert_eq!(e.detail, detail, "{q}: {}", e.message),
        }
    }
}

#[test]
fn hostile_input_is_an_error_not_a_crash() {
    let mut g = Graph::new();
    let cancel = AtomicBool::new(false);
    for q in [
        format!("RETURN {}1{}", "[".repeat(100_000), "]".repeat(100_000)),
        format!("RETURN {}", "NOT ".repeat(100_000)),
        format!("RETURN 1{}", " + 1".repeat(100_000)),
        format!("RETURN {}1", "-".repeat(100_000)),
        "MATCH p = (a)-[*0..]-(b) RETURN p LIMIT 1".to_string(),
    ] {
        let _ = execute(&mut g, &q, &Params::new(), &cancel);
    }
}
