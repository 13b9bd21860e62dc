//! The query engine end to end through the public contract (`claimgraph::query::execute`):
//! provenance functions on the bundled dataset, writes and their attestations, anchoring,
//! cancellation, and errors that carry the TCK's names.

use std::sync::atomic::AtomicBool;

use claimgraph::bundled::bundled_dataset;
use claimgraph::load::load_files;
use claimgraph::model::{Graph, Status};
use claimgraph::query::{execute, execute_as, Caller, Params, QueryOutput, QueryValue};

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
    // The same counts from the model: every stated claim has attestations, and its status is
    // its strongest attestation's (asserted > reported > believed > alleged > unconfirmed).
    let stated: Vec<_> = g.stated_claims().map(|c| g.claim(c).expect("claim").clone()).collect();
    assert_eq!(total as usize, stated.len());
    use Status::*;
    let by_strength = [Asserted, Reported, Believed, Alleged, Unconfirmed, Denied];
    let rank = |s: Status| by_strength.iter().position(|x| *x == s);
    let hedged_in_model = stated
        .iter()
        .filter(|c| {
            let strongest =
                c.attestations.iter().map(|a| a.status).min_by_key(|s| rank(*s)).expect("attested");
            matches!(strongest, Status::Reported | Status::Unconfirmed | Status::Alleged)
        })
        .count();
    assert!(hedged_in_model > 0, "the bundled dataset has hedged claims");
    assert_eq!(some as usize, hedged_in_model);
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
    let session = Caller { user: "alice".into(), ..Caller::default() };
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
    assert_eq!(err.class.as_str(), "Cancelled");
    assert_eq!(err.message, "query cancelled");
}

/// A cancel that arrives while a query runs stops it: the flag is looked at as batches and
/// units of work pass, in every kind of operator a runaway query spends its time in (a
/// product, a filter, a sort, an aggregation, an UNWIND, a variable-length expand, a
/// counted chain). Each query here runs for seconds or more when nothing stops it; another
/// thread sets the flag 20 ms in. How soon it stops is measured by hand, not asserted
/// (docs/performance.md).
#[test]
fn a_cancel_from_another_thread_stops_a_running_query() {
    let mut g = Graph::new();
    run(&mut g, "UNWIND range(1, 200) AS i CREATE ({i: i})");
    run(&mut g, "MATCH (a), (b) WHERE b.i = a.i + 1 OR b.i = a.i * 3 CREATE (a)-[:R]->(b)");
    for q in [
        "MATCH (a), (b), (c) WHERE a.i + b.i + c.i < 0 RETURN count(*)",
        "MATCH (a), (b), (c) RETURN a.i + b.i + c.i AS s ORDER BY s LIMIT 1",
        "MATCH (a), (b), (c) RETURN a.i % 7 AS k, count(*)",
        "UNWIND range(1, 3000) AS i UNWIND range(1, 3000) AS j WITH i, j WHERE i + j < 0 RETURN count(*)",
        "MATCH (a)-[*1..12]-(b) RETURN count(*)",
        "MATCH (a), (b), (c)-[r]->(d)-[s]->(e) RETURN count(*)",
    ] {
        let cancel = AtomicBool::new(false);
        let (result, late) = std::thread::scope(|scope| {
            let setter = scope.spawn(|| {
                std::thread::sleep(std::time::Duration::from_millis(20));
                cancel.store(true, std::sync::atomic::Ordering::SeqCst);
                std::time::Instant::now()
            });
            let result = execute(&mut g, q, &Params::new(), &cancel);
            let ended = std::time::Instant::now();
            let set_at = setter.join().expect("the setter thread ends");
            (result, ended.saturating_duration_since(set_at))
        });
        let err = result.expect_err(q);
        assert_eq!((err.class.as_str(), err.message.as_str()), ("Cancelled", "query cancelled"), "{q}");
        eprintln!("{q}: stopped {} µs after the flag", late.as_micros());
    }
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
            Err(e) => assert_eq!(e.detail.as_str(), detail, "{q}: {}", e.message),
        }
    }
}

#[test]
fn hostile_input_is_an_error_not_a_crash() {
    let mut g = Graph::new();
    let cancel = AtomicBool::new(false);
    for (q, says) in [
        (format!("RETURN {}1{}", "[".repeat(100_000), "]".repeat(100_000)), "nested more than"),
        (
            format!("RETURN {}1{}", "CASE WHEN true THEN ".repeat(100_000), " END".repeat(100_000)),
            "nested more than",
        ),
        (format!("RETURN {}true", "NOT ".repeat(100_000)), "operators"),
        (format!("RETURN 1{}", " + 1".repeat(100_000)), "operators"),
        (format!("RETURN {}1", "-".repeat(100_000)), "operators"),
        (format!("RETURN 1 /* {}", "x".repeat(1000)), "never closed"),
    ] {
        let e = execute(&mut g, &q, &Params::new(), &cancel).expect_err("refused");
        assert_eq!(e.class, claimgraph::query::ErrorClass::SyntaxError, "{}: {e:?}", &q[..40]);
        assert!(e.message.contains(says), "{}: {}", &q[..40], e.message);
    }
    // An unbounded path pattern on an empty graph finds nothing, and ends.
    let out =
        execute(&mut g, "MATCH p = (a)-[*0..]-(b) RETURN p LIMIT 1", &Params::new(), &cancel).expect("runs");
    assert!(out.rows.is_empty());
}

#[test]
fn constant_where_clauses() {
    let mut g = Graph::new();
    run(&mut g, "CREATE (), ()");
    assert_eq!(run(&mut g, "MATCH (n) WHERE true RETURN count(*) AS c").rows, vec![vec![QueryValue::Int(2)]]);
    assert_eq!(
        run(&mut g, "MATCH (n) WHERE false RETURN count(*) AS c").rows,
        vec![vec![QueryValue::Int(0)]]
    );
    assert_eq!(run(&mut g, "MATCH (n) WHERE null RETURN count(*) AS c").rows, vec![vec![QueryValue::Int(0)]]);
}

#[test]
fn queries_from_a_script_run_with_the_script_text() {
    use claimgraph::query::execute_query;
    use claimgraph::syntax::{parse_script, Statement};
    let text = "ENTITY (x:Thing {name: 'X'});\nMATCH (n:Thing) RETURN n.name, key(n)";
    let mut g = Graph::new();
    let statements = parse_script(text).expect("parses");
    let Statement::Query(q) = &statements[1].statement else { panic!("second statement is a query") };
    let thing = g.intern("Thing");
    g.add_entity(Some("x"), vec![thing], Vec::new()).expect("fresh");
    let cancel = AtomicBool::new(false);
    let out = execute_query(&Caller::default(), &mut g, q, text, &Params::new(), &cancel).expect("runs");
    assert_eq!(out.columns, ["n.name", "key(n)"]);
    assert_eq!(out.rows, vec![vec![QueryValue::Null, s("x")]]);
}

#[test]
fn equality_joins_match_what_a_scan_matches() {
    let mut g = Graph::new();
    run(&mut g, "UNWIND range(1, 300) AS i CREATE (:P {i: i})");
    run(&mut g, "CREATE (:P {i: 2.0, tag: 'float'}), (:P {i: ~3, tag: 'approx'}), (:P {i: 'x'}), (:P)");
    let joined = run(&mut g, "MATCH (a:P), (b:P) WHERE b.i = a.i + 1 RETURN count(*) AS n");
    // The same join with the equality hidden from the planner (inside an OR with false).
    let scanned = run(&mut g, "MATCH (a:P), (b:P) WHERE (b.i = a.i + 1 OR false) RETURN count(*) AS n");
    assert_eq!(joined.rows, scanned.rows);
    let QueryValue::Int(n) = joined.rows[0][0] else { panic!() };
    // 299 integer successors, 2.0 after 1, and ~3 (about 3) after the integers near 3.
    assert!(n >= 301, "{n}");
    let none = run(&mut g, "MATCH (a:P), (b:P) WHERE b.i = null RETURN count(*) AS n");
    assert_eq!(none.rows, vec![vec![QueryValue::Int(0)]]);
}

#[test]
fn uncertain_numbers_in_queries() {
    let mut g = Graph::new();
    run(&mut g, "CREATE (:Battle {killed: ~100}), (:Battle {killed: 5})");
    let about = run(&mut g, "MATCH (b:Battle) WHERE b.killed = 105 RETURN count(*) AS n");
    assert_eq!(about.rows, vec![vec![QueryValue::Int(1)]]);
    // `~100..200` is "about 100 to 200", as the declarations write it.
    run(&mut g, "CREATE (:Raid {killed: ~100..200})");
    let ranged = run(&mut g, "MATCH (b:Raid) WHERE b.killed = ~100..200 RETURN b.killed = 150 AS mid");
    assert_eq!(ranged.rows, vec![vec![QueryValue::Bool(true)]]);
    let printed = run(&mut g, "RETURN ~100 AS x, 1 =~ '1' AS r");
    assert!(matches!(printed.rows[0][0], QueryValue::Uncertain(_)), "{printed:?}");
    // A regular expression matches strings only: on a number the answer is unknown.
    assert_eq!(printed.rows[0][1], QueryValue::Null, "{printed:?}");
}

/// The operators of an explained plan, outermost first, without their indentation.
fn operators(plan: &[String]) -> Vec<&str> {
    plan.iter().map(|l| l.trim_start()).collect()
}

#[test]
fn explain_shows_the_chosen_anchors() {
    use claimgraph::query::explain;
    let g = bundled();
    let plan = explain(
        &g,
        "MATCH (x)-[r:WORKS_FOR]->(w) WHERE key(w) = 'wagner' RETURN x.name, sources(r)",
        &Params::new(),
    )
    .expect("explains");
    let ops = operators(&plan);
    // Matching starts from the id index (the innermost operator) and expands from there.
    assert!(ops.last().is_some_and(|l| l.starts_with("NodeByKey w")), "{plan:#?}");
    assert!(ops.iter().any(|l| l.starts_with("Expand <-[r:WORKS_FOR]-(x)")), "{plan:#?}");
    let join = explain(&g, "MATCH (a:Person), (b:Person) WHERE b.name = a.name RETURN a, b", &Params::new())
        .expect("explains");
    assert!(operators(&join).iter().any(|l| l.starts_with("NodeHashLookup b.name")), "{join:#?}");
    let labels = explain(&g, "MATCH (s:Source)-[r]->(o:Organization) RETURN count(*)", &Params::new())
        .expect("explains");
    assert!(operators(&labels).last().is_some_and(|l| l.starts_with("NodeByLabelScan")), "{labels:#?}");
}

/// Rows as sorted strings: the planner may find matches in another order.
fn row_set(out: &QueryOutput) -> Vec<String> {
    let mut rows: Vec<String> = out.rows.iter().map(|r| format!("{r:?}")).collect();
    rows.sort();
    rows
}

fn run_with(g: &mut Graph, q: &str, params: &Params) -> QueryOutput {
    let cancel = AtomicBool::new(false);
    execute(g, q, params, &cancel)
        .unwrap_or_else(|e| panic!("{q}\n  {}.{}: {}", e.class, e.detail, e.message))
}

/// Starting from a relationship (by source, by type, or bound) finds exactly the matches
/// that scanning the end nodes finds: each hinted query is checked against a control
/// written so that the planner cannot use the hint.
#[test]
fn relationship_anchors_find_what_scans_find() {
    let mut g = bundled();
    let sources = run(&mut g, "MATCH ()-[r]->() UNWIND sources(r) AS s RETURN DISTINCT s");
    assert!(sources.rows.len() >= 5, "{sources:?}");
    let pairs = [
        (
            "MATCH (a)-[r]->(b) WHERE $s IN sources(r) RETURN a, r, b",
            "MATCH (a)-[r]->(b) WHERE any(x IN sources(r) WHERE x = $s) RETURN a, r, b",
        ),
        (
            "MATCH (a)<-[r]-(b) WHERE $s IN sources(r) AND a <> b RETURN a, r, b",
            "MATCH (a)<-[r]-(b) WHERE any(x IN sources(r) WHERE x = $s) AND a <> b RETURN a, r, b",
        ),
        (
            "MATCH (a)-[r]-(b) WHERE $s IN sources(r) RETURN a, r, b",
            "MATCH (a)-[r]-(b) WHERE any(x IN sources(r) WHERE x = $s) RETURN a, r, b",
        ),
        (
            "MATCH (a)-[r]->(b) WHERE any(at IN attestations(r) WHERE at.source = $s AND at.status <> 'denied') RETURN r",
            "MATCH (a)-[r]->(b) WHERE size([at IN attestations(r) WHERE at.source = $s AND at.status <> 'denied']) > 0 RETURN r",
        ),
        (
            "MATCH p = (a)-[r]->(b)-[q]-(c) WHERE $s IN sources(q) RETURN p, a, c",
            "MATCH p = (a)-[r]->(b)-[q]-(c) WHERE any(x IN sources(q) WHERE x = $s) RETURN p, a, c",
        ),
        (
            "MATCH p = (a)<-[q]-(b)-[r]-(c) WHERE $s IN sources(q) RETURN p, r",
            "MATCH p = (a)<-[q]-(b)-[r]-(c) WHERE any(x IN sources(q) WHERE x = $s) RETURN p, r",
        ),
        (
            "MATCH (a)-[r]->(b) UNWIND attestations(r) AS at WITH a, r, b, at WHERE at.source = $s AND at.status <> 'denied' RETURN a, r, b, at",
            "MATCH (a)-[r]->(b) UNWIND attestations(r) AS x WITH a, r, b, x AS at WHERE at.source = $s AND at.status <> 'denied' RETURN a, r, b, at",
        ),
        (
            "MATCH (a)-[r]-(b) UNWIND attestations(r) AS at WITH * WHERE $s = at.source RETURN a, r, b, at",
            "MATCH (a)-[r]-(b) UNWIND attestations(r) AS x WITH *, x AS at WHERE $s = at.source RETURN a, r, b, at",
        ),
        (
            // `at` replaced by the WITH: the WHERE no longer says who attests `r`.
            "MATCH (a)-[r]->(b) UNWIND attestations(r) AS at WITH a, r, {source: $s} AS at WHERE at.source = $s RETURN a, r",
            "MATCH (a)-[r]->(b) UNWIND attestations(r) AS at RETURN a, r",
        ),
        (
            // The WHERE runs after the SKIP: every row counts towards it (here the first row,
            // from a claim the source does not attest, is skipped).
            "MATCH (a)-[r]->(b) UNWIND attestations(r) AS at WITH a, r, at ORDER BY $s IN sources(r), at.source <> $s SKIP 1 WHERE at.source = $s RETURN a, r",
            "MATCH (a)-[r]->(b) UNWIND attestations(r) AS x WITH a, r, x AS at ORDER BY $s IN sources(r), at.source <> $s SKIP 1 WHERE at.source = $s RETURN a, r",
        ),
        (
            "MATCH (a:Person)-[r]->(b) WHERE $s IN sources(r) RETURN a.name, type(r)",
            "MATCH (a:Person)-[r]->(b) WHERE any(x IN sources(r) WHERE x = $s) RETURN a.name, type(r)",
        ),
    ];
    for row in &sources.rows {
        let mut params = Params::new();
        params.insert("s".into(), row[0].clone());
        for (hinted, control) in pairs {
            let (h, c) = (run_with(&mut g, hinted, &params), run_with(&mut g, control, &params));
            assert_eq!(row_set(&h), row_set(&c), "{hinted}\n  with $s = {:?}", row[0]);
        }
    }
    let types = [
        (
            "MATCH (a)-[r:PART_OF]->(b) RETURN a, r, b",
            "MATCH (a)-[r]->(b) WHERE type(r) = 'PART_OF' RETURN a, r, b",
        ),
        (
            "MATCH (a)-[r:PART_OF|OCCURRED_IN]-(b) RETURN a, r, b",
            "MATCH (a)-[r]-(b) WHERE type(r) IN ['PART_OF', 'OCCURRED_IN'] RETURN a, r, b",
        ),
        ("MATCH (a)-[r:NO_SUCH_TYPE]->(b) RETURN a", "MATCH (a)-[r]->(b) WHERE false RETURN a"),
        (
            "MATCH (a)-[r:PART_OF|PART_OF]->(b) RETURN a, r, b",
            "MATCH (a)-[r]->(b) WHERE type(r) = 'PART_OF' RETURN a, r, b",
        ),
        ("MATCH ()-[r]->() WITH r MATCH (a)-[r]-(b) RETURN a, r, b", "MATCH (a)-[r]-(b) RETURN a, r, b"),
        (
            "MATCH (a)-[r]-(b)-[q:PART_OF]-(c) RETURN a, r, q, c",
            "MATCH (a)-[r]-(b)-[q]-(c) WHERE type(q) = 'PART_OF' RETURN a, r, q, c",
        ),
    ];
    for (hinted, control) in types {
        let (h, c) = (run(&mut g, hinted), run(&mut g, control));
        assert_eq!(row_set(&h), row_set(&c), "{hinted}");
    }
    // A comparison with a relationship's property: the claims holding it (the control
    // reads the property after a WITH, where no hint reaches the MATCH).
    let props = [
        (
            "MATCH (a)-[r]->(b) WHERE r.killed > 10 RETURN a, r, b",
            "MATCH (a)-[r]->(b) WITH a, r, b, r.killed AS k WHERE k > 10 RETURN a, r, b",
        ),
        (
            "MATCH (a)-[r]-(b) WHERE 100 >= r.killed AND a <> b RETURN a, r, b",
            "MATCH (a)-[r]-(b) WITH a, r, b, r.killed AS k WHERE 100 >= k AND a <> b RETURN a, r, b",
        ),
        (
            "MATCH (a)-[r]->(b) WHERE r.date <> '' RETURN r",
            "MATCH (a)-[r]->(b) WITH r, r.date AS d WHERE d <> '' RETURN r",
        ),
        (
            "MATCH (a)-[r]->(b)-[q]->(c) WHERE q.killed = q.killed RETURN a, r, q, c",
            "MATCH (a)-[r]->(b)-[q]->(c) WITH a, r, q, c, q.killed AS k WHERE k = k RETURN a, r, q, c",
        ),
        ("MATCH (a)-[r]->(b) WHERE r.no_such_key < 3 RETURN r", "MATCH (a)-[r]->(b) WHERE false RETURN r"),
    ];
    for (hinted, control) in props {
        let (h, c) = (run(&mut g, hinted), run(&mut g, control));
        assert!(!c.rows.is_empty() || hinted.contains("no_such_key"), "{control} finds nothing");
        assert_eq!(row_set(&h), row_set(&c), "{hinted}");
    }
    let none = run(&mut g, "OPTIONAL MATCH (a)-[r]->(b) WHERE 'nobody' IN sources(r) RETURN a, r");
    assert_eq!(none.rows, vec![vec![QueryValue::Null, QueryValue::Null]]);
}

#[test]
fn explain_starts_from_a_source_or_a_type() {
    use claimgraph::query::explain;
    let g = bundled();
    let first = |q: &str| {
        let plan = explain(&g, q, &Params::new()).expect("explains");
        plan.last().map(|l| l.trim_start().to_string()).unwrap_or_default()
    };
    let by_source = first("MATCH (a)-[r]->(b) WHERE 'reuters' IN sources(r) RETURN a");
    assert!(by_source.starts_with("RelationshipsBySource reuters"), "{by_source}");
    let by_type = first("MATCH (a)-[r:PART_OF]->(b) RETURN a");
    assert!(by_type.starts_with("RelationshipsByType :PART_OF"), "{by_type}");
    let unwound = first(
        "MATCH (a)-[r]->(b) UNWIND attestations(r) AS at WITH a, r, b, at WHERE at.source = 'reuters' RETURN a",
    );
    assert!(unwound.starts_with("RelationshipsBySource reuters"), "{unwound}");
    let by_prop = first("MATCH (a)-[r]->(b) WHERE r.killed > 10 RETURN a");
    assert!(by_prop.starts_with("RelationshipsByProperty r.killed (7 claims)"), "{by_prop}");
    // An id still wins over any relationship.
    let by_key =
        first("MATCH (a)-[r:PART_OF]->(b) WHERE key(a) = 'wagner' AND 'reuters' IN sources(r) RETURN a");
    assert!(by_key.starts_with("NodeByKey a"), "{by_key}");
}

/// The source index follows writes: claims the session's user creates, deletes, and a
/// deleted claim's slot reused by a new claim from another source.
#[test]
fn the_source_index_follows_writes() {
    let mut g = Graph::new();
    let cancel = AtomicBool::new(false);
    let analyst = Caller { user: "analyst".into(), ..Caller::default() };
    let as_analyst = |g: &mut Graph, q: &str| {
        execute_as(&analyst, g, q, &Params::new(), &cancel).unwrap_or_else(|e| panic!("{q}: {}", e.message))
    };
    as_analyst(&mut g, "CREATE (:P {n: 1})-[:KNOWS]->(:P {n: 2}), (:P {n: 3})-[:KNOWS]->(:P {n: 4})");
    let count = "MATCH (a)-[r]->(b) WHERE 'analyst' IN sources(r) RETURN count(*) AS n";
    assert_eq!(run(&mut g, count).rows, vec![vec![QueryValue::Int(2)]]);
    run(&mut g, "MATCH (a {n: 1})-[r]->() DELETE r");
    assert_eq!(run(&mut g, count).rows, vec![vec![QueryValue::Int(1)]]);
    // `user` is the default caller: the freed slot now holds a claim of another source.
    run(&mut g, "MATCH (a {n: 1}), (b {n: 2}) CREATE (a)-[:KNOWS]->(b)");
    assert_eq!(run(&mut g, count).rows, vec![vec![QueryValue::Int(1)]]);
    let by_user = "MATCH (a)-[r]->(b) WHERE 'user' IN sources(r) RETURN a.n AS n";
    assert_eq!(run(&mut g, by_user).rows, vec![vec![QueryValue::Int(1)]]);
}

/// The property and type indexes follow writes: `SET`, `REMOVE`, `SET r = {...}`,
/// `SET r += {...}`, `DELETE`, rollbacks, and a statement that fails half way (all of it is
/// undone). Each time, the hinted count (counted over the property's claims without rows)
/// and the counts per type (read off the type index) are checked against queries the
/// planner can take neither shortcut for.
#[test]
fn the_property_index_follows_writes() {
    let mut g = Graph::new();
    let hinted = "MATCH (a)-[r]->(b) WHERE r.k >= 1 RETURN count(*) AS n";
    let control = "MATCH (a)-[r]->(b) WITH r.k AS k WHERE k >= 1 RETURN count(*) AS n";
    let by_type = "MATCH (a)-[r]->(b) RETURN type(r) AS t, count(*) AS n ORDER BY t";
    let by_type_control = "MATCH (a)-[r]->(b) WITH r RETURN type(r) AS t, count(*) AS n ORDER BY t";
    let check = |g: &mut Graph, write: &str, expected: i64| {
        if !write.is_empty() {
            let cancel = AtomicBool::new(false);
            let _ = execute(g, write, &Params::new(), &cancel);
        }
        let (h, c) = (run(g, hinted), run(g, control));
        assert_eq!(h.rows, c.rows, "after {write}");
        assert_eq!(h.rows, vec![vec![QueryValue::Int(expected)]], "after {write}");
        assert_eq!(run(g, by_type).rows, run(g, by_type_control).rows, "after {write}");
    };
    check(&mut g, "CREATE (:P {n: 1})-[:R {k: 1}]->(:P {n: 2})-[:R]->(:P {n: 3})", 1);
    check(&mut g, "MATCH ()-[r:R]->({n: 3}) SET r.k = 2", 2);
    check(&mut g, "MATCH ()-[r:R]->({n: 2}) REMOVE r.k", 1);
    check(&mut g, "MATCH ()-[r:R]->({n: 2}) SET r += {k: 5, j: 1}", 2);
    check(&mut g, "MATCH ()-[r:R]->({n: 3}) SET r = {j: 2}", 1);
    check(&mut g, "MATCH ()-[r:R]->({n: 2}) SET r.k = null", 0);
    check(&mut g, "MATCH ()-[r:R]->() SET r.k = 3", 2);
    // Fails after writing (changed values, a claim of a new type), then rolled back as a
    // session rolls back a failing statement.
    let start = g.savepoint();
    let failing = "MATCH ()-[r:R]->() SET r.k = 0 CREATE (x:P {n: 9})-[:Q {k: 3}]->(x) RETURN 1 / (x.n - 9)";
    assert!(execute(&mut g, failing, &Params::new(), &AtomicBool::new(false)).is_err());
    // Before the rollback: the two claims of type Q (one per R matched), the R's at 0.
    check(&mut g, "", 2);
    g.rollback_to(start);
    g.end_transaction();
    check(&mut g, "", 2);
    // Rolled back: a removal, a new claim, a deletion and a change of value, all undone.
    let start = g.savepoint();
    check(&mut g, "MATCH ()-[r:R]->({n: 2}) REMOVE r.k", 1);
    check(&mut g, "MATCH (a {n: 3}), (b {n: 1}) CREATE (a)-[:R {k: 7}]->(b)", 2);
    check(&mut g, "MATCH ()-[r:R]->({n: 3}) DELETE r", 1);
    check(&mut g, "MATCH ()-[r:R]->() SET r.k = 0", 0);
    g.rollback_to(start);
    g.end_transaction();
    check(&mut g, "", 2);
    check(&mut g, "MATCH ()-[r:R]->({n: 3}) DELETE r", 1);
    check(&mut g, "MATCH (a {n: 3}), (b {n: 1}) CREATE (a)-[:R {k: 9}]->(b)", 2);
}

/// A count of `r.k <op> integer` is a range of the property's integer values while all of
/// them are integers, and each claim's comparison otherwise: every comparison, both ways
/// round, at and around each stored value, agrees with a query the planner cannot count
/// that way; again once a value is a float, a string, an uncertain number, and after the
/// odd one is removed.
#[test]
fn integer_comparisons_count_as_ranges() {
    let mut g = Graph::new();
    run(
        &mut g,
        "CREATE (a:P)-[:R {k: -3}]->(b:P), (a)-[:R {k: 0}]->(b), (a)-[:R {k: 1}]->(b), \
         (b)-[:R {k: 1}]->(a), (b)-[:S {k: 5}]->(b), (a)-[:S {j: 5}]->(a), \
         (a)-[:S {k: 9223372036854775807}]->(b), (b)-[:S {k: -9223372036854775808}]->(a)",
    );
    // Many claims without the property, so the planner starts from the property's claims.
    run(&mut g, "UNWIND range(1, 40) AS i CREATE (:Q)-[:T]->(:Q)");
    let check = |g: &mut Graph, when: &str| {
        for op in ["=", "<>", "<", "<=", ">", ">="] {
            for c in ["-4", "-3", "0", "1", "2", "5", "6", "9223372036854775807", "-9223372036854775808"] {
                for (hinted, control) in [
                    (
                        format!("MATCH (a)-[r]->(b) WHERE r.k {op} {c} RETURN count(*) AS n"),
                        format!("MATCH (a)-[r]->(b) WITH r WHERE r.k {op} {c} RETURN count(*) AS n"),
                    ),
                    (
                        format!("MATCH (a)<-[r]-(b) WHERE {c} {op} r.k RETURN count(b) AS n"),
                        format!("MATCH (a)<-[r]-(b) WITH r, b WHERE {c} {op} r.k RETURN count(b) AS n"),
                    ),
                ] {
                    assert_eq!(run(g, &hinted).rows, run(g, &control).rows, "{hinted} ({when})");
                }
            }
        }
    };
    check(&mut g, "all integers");
    for odd in ["2.5", "'1'", "~3", "1.0"] {
        run(&mut g, &format!("MATCH ()-[r:S {{j: 5}}]->() SET r.k = {odd}"));
        check(&mut g, odd);
    }
    run(&mut g, "MATCH ()-[r:S {j: 5}]->() REMOVE r.k");
    check(&mut g, "removed");
    run(&mut g, "MATCH ()-[r:R {k: 1}]->() SET r.k = 2");
    check(&mut g, "changed");
}

/// A comprehension or quantifier over `attestations(r)` whose variable is read only by key
/// builds each attestation's map with those keys alone; it must answer as the whole maps
/// do, for every key (and one no attestation has), and a variable used on its own (or in a
/// pattern) must still see the whole map.
#[test]
fn attestations_read_by_key_answer_as_the_whole_maps_do() {
    let mut g = bundled();
    let mut keys = 0;
    for key in
        ["source", "via", "status", "quote", "document", "position", "date", "when", "verified", "nosuch"]
    {
        for (narrow, whole) in [
            (
                format!("MATCH ()-[r]->() RETURN [at IN attestations(r) | at.{key}] AS v"),
                format!("MATCH ()-[r]->() RETURN [x IN [at IN attestations(r) | at] | x.{key}] AS v"),
            ),
            (
                format!("MATCH ()-[r]->() RETURN [at IN attestations(r) WHERE at.{key} IS NOT NULL | at.status] AS v"),
                format!("MATCH ()-[r]->() RETURN [x IN [at IN attestations(r) | at] WHERE x.{key} IS NOT NULL | x.status] AS v"),
            ),
            (
                format!("MATCH ()-[r]->() RETURN any(at IN attestations(r) WHERE at.{key} IS NULL) AS v"),
                format!("MATCH ()-[r]->() RETURN any(x IN [at IN attestations(r) | at] WHERE x.{key} IS NULL) AS v"),
            ),
        ] {
            let (a, b) = (run(&mut g, &narrow), run(&mut g, &whole));
            assert_eq!(a.rows, b.rows, "{narrow}");
            keys += usize::from(a.rows.iter().any(|r| !matches!(&r[0], QueryValue::List(l) if l.iter().all(|v| *v == QueryValue::Null))));
        }
    }
    assert!(keys > 10, "the keys were never set on the bundled data");
    // Used on its own, in a map, or as a pattern's node: the whole map.
    for q in [
        "MATCH ()-[r]->() RETURN [at IN attestations(r) WHERE at.source IS NOT NULL | at] = attestations(r) AS v",
        "MATCH ()-[r]->() RETURN [at IN attestations(r) WHERE at.source IS NOT NULL | {a: at}.a] = attestations(r) AS v",
        "MATCH ()-[r]->() RETURN all(at IN attestations(r) WHERE at.source IS NOT NULL AND size(keys(at)) > 3) AS v",
    ] {
        let out = run(&mut g, q);
        assert!(!out.rows.is_empty(), "{q}");
        assert!(out.rows.iter().all(|r| r[0] == QueryValue::Bool(true)), "{q}: {:?}", out.rows);
    }
}
