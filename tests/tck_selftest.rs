//! Tests of the TCK runner itself: the value parser and comparer (tests/tck/values.rs, unit
//! tests inside it) and the scenario runner (tests/tck/runner.rs) driven by a scripted fake
//! engine over a small feature file. They live in their own target because `tests/tck.rs`
//! runs without libtest's harness.

#[path = "tck/panic_capture.rs"]
mod panic_capture;
#[path = "tck/runner.rs"]
mod runner;
#[path = "tck/scenarios.rs"]
mod scenarios;
#[path = "support/shared.rs"]
mod shared;
#[path = "tck/values.rs"]
mod values;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use claimgraph::model::{Claim, ClaimKind, EntityIx, Graph, Value};
use claimgraph::query::{
    CancelFlag, ErrorClass, ErrorDetail, ErrorPhase, NodeValue, Params, Procedures, QueryError, QueryOutput,
    QueryValue,
};
use runner::Outcome;

fn error(class: ErrorClass, detail: ErrorDetail, phase: ErrorPhase) -> QueryError {
    QueryError { class, detail, phase, message: "fake".into(), span: None }
}

fn nodes(graph: &Graph) -> Vec<QueryValue> {
    graph
        .entities()
        .filter_map(|ix| {
            let e = graph.entity(ix)?;
            Some(QueryValue::Node(Box::new(NodeValue {
                id: ix.index() as u64,
                key: graph.entity_id(ix).to_string(),
                labels: e.labels.iter().map(|l| graph.str(*l).to_string()).collect(),
                props: e
                    .props
                    .iter()
                    .map(|(k, v)| {
                        let v = match v {
                            Value::Int(i) => QueryValue::Int(*i),
                            Value::String(s) => QueryValue::String(s.clone()),
                            _ => QueryValue::Null,
                        };
                        (graph.str(*k).to_string(), v)
                    })
                    .collect(),
            })))
        })
        .collect()
}

fn fake_error() -> QueryError {
    error(ErrorClass::InternalError, ErrorDetail::Panic, ErrorPhase::Runtime)
}

fn add_rel(graph: &mut Graph, a: EntityIx, b: EntityIx, name: &str) -> Result<(), QueryError> {
    let (t, k) = (graph.intern("T"), graph.intern("name"));
    let claim = Claim {
        id: None,
        rel_type: t,
        props: vec![(k, Value::String(name.into()))],
        attestations: Vec::new(),
        kind: ClaimKind::Stated,
    };
    graph.add_claim(a, b, claim).map(drop).map_err(|_| fake_error())
}

/// A scripted engine: knows exactly the statements of FEATURE.
fn fake(
    graph: &mut Graph,
    text: &str,
    params: &Params,
    cancel: &CancelFlag,
    _procedures: &Procedures,
) -> Result<QueryOutput, QueryError> {
    let rows = |columns: &[&str], rows: Vec<Vec<QueryValue>>| QueryOutput {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows,
        stats: Default::default(),
    };
    match text.trim() {
        "CREATE (:A {name: 'x'})" | "CREATE (:A {name: 'y'})" => {
            let name = if text.contains("'x'") { "x" } else { "y" };
            let (l, k) = (graph.intern("A"), graph.intern("name"));
            graph
                .add_entity(None, vec![l], vec![(k, Value::String(name.into()))])
                .map_err(|_| error(ErrorClass::InternalError, ErrorDetail::Panic, ErrorPhase::Runtime))?;
            Ok(QueryOutput::default())
        }
        "CREATE (a:A)-[:T {name: 'rel1'}]->(b:B), (a)-[:T {name: 'rel2'}]->(b)" => {
            let (a, b) = (graph.intern("A"), graph.intern("B"));
            let a = graph.add_entity(None, vec![a], vec![]).map_err(|_| fake_error())?;
            let b = graph.add_entity(None, vec![b], vec![]).map_err(|_| fake_error())?;
            for name in ["rel1", "rel2"] {
                add_rel(graph, a, b, name)?;
            }
            Ok(QueryOutput::default())
        }
        "MATCH (a)-[t:T]->(b) DELETE t CREATE (a)-[:T {name: 'rel3'}]->(b)" => {
            let claims: Vec<_> = graph.claims().collect();
            let (a, b) = graph.endpoints(claims[0]).ok_or_else(fake_error)?;
            for cx in claims {
                graph.remove_claim(cx).map_err(|_| fake_error())?;
            }
            // petgraph hands the freed slot back: the new claim sits where rel2 was.
            add_rel(graph, a, b, "rel3")?;
            Ok(QueryOutput::default())
        }
        "MATCH (n) RETURN n" => Ok(rows(&["n"], nodes(graph).into_iter().map(|n| vec![n]).collect())),
        "RETURN $p AS p" => {
            Ok(rows(&["p"], vec![vec![params.get("p").cloned().unwrap_or(QueryValue::Null)]]))
        }
        "UNWIND [2, 1] AS x RETURN x, [x, 0] AS l" => Ok(rows(
            &["x", "l"],
            vec![
                vec![QueryValue::Int(2), QueryValue::List(vec![QueryValue::Int(2), QueryValue::Int(0)])],
                vec![QueryValue::Int(1), QueryValue::List(vec![QueryValue::Int(1), QueryValue::Int(0)])],
            ],
        )),
        "RETURN 1/0" => {
            Err(error(ErrorClass::ArithmeticError, ErrorDetail::DivisionByZero, ErrorPhase::Runtime))
        }
        "RETURN x" => {
            Err(error(ErrorClass::SyntaxError, ErrorDetail::UndefinedVariable, ErrorPhase::CompileTime))
        }
        "PANIC" => panic!("scripted panic"),
        // What `query::execute` returns when it caught a panic of the engine.
        "CAUGHT" => Err(error(ErrorClass::InternalError, ErrorDetail::Panic, ErrorPhase::Runtime)),
        "LOOP" => {
            while !cancel.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(error(ErrorClass::Cancelled, ErrorDetail::Cancelled, ErrorPhase::Runtime))
        }
        _ => Err(error(ErrorClass::SyntaxError, ErrorDetail::UnexpectedSyntax, ErrorPhase::CompileTime)),
    }
}

/// Scenario names say what the runner must decide: `[pass]`, `[fail]`, `[panic]`,
/// `[timeout]`.
const FEATURE: &str = r#"Feature: Self1 - the runner's own checks

  Scenario: [pass] create, side effects, match any order
    Given an empty graph
    And having executed:
      """
      CREATE (:A {name: 'x'})
      """
    When executing query:
      """
      CREATE (:A {name: 'y'})
      """
    Then the result should be empty
    And the side effects should be:
      | +nodes      | 1 |
      | +properties | 1 |
    When executing control query:
      """
      MATCH (n) RETURN n
      """
    Then the result should be, in any order:
      | n                |
      | (:A {name: 'y'}) |
      | (:A {name: 'x'}) |
    And no side effects

  Scenario: [pass] a relationship created in a freed slot is new
    Given an empty graph
    And having executed:
      """
      CREATE (a:A)-[:T {name: 'rel1'}]->(b:B), (a)-[:T {name: 'rel2'}]->(b)
      """
    When executing query:
      """
      MATCH (a)-[t:T]->(b) DELETE t CREATE (a)-[:T {name: 'rel3'}]->(b)
      """
    Then the result should be empty
    And the side effects should be:
      | +relationships | 1 |
      | -relationships | 2 |
      | +properties    | 1 |
      | -properties    | 2 |

  Scenario: [fail] wrong side effects
    Given an empty graph
    When executing query:
      """
      CREATE (:A {name: 'y'})
      """
    Then the result should be empty
    And the side effects should be:
      | +nodes  | 1 |
      | +labels | 2 |

  Scenario: [fail] in order is checked
    Given any graph
    When executing query:
      """
      UNWIND [2, 1] AS x RETURN x, [x, 0] AS l
      """
    Then the result should be, in order:
      | x | l      |
      | 1 | [1, 0] |
      | 2 | [2, 0] |

  Scenario: [pass] any order and list order ignored
    Given any graph
    When executing query:
      """
      UNWIND [2, 1] AS x RETURN x, [x, 0] AS l
      """
    Then the result should be (ignoring element order for lists):
      | x | l      |
      | 1 | [0, 1] |
      | 2 | [2, 0] |
    And no side effects

  Scenario: [fail] column names are checked
    Given any graph
    When executing query:
      """
      UNWIND [2, 1] AS x RETURN x, [x, 0] AS l
      """
    Then the result should be, in any order:
      | y | l      |
      | 1 | [1, 0] |
      | 2 | [2, 0] |

  Scenario Outline: [pass] parameters <v>
    Given any graph
    And parameters are:
      | p | <v> |
    When executing query:
      """
      RETURN $p AS p
      """
    Then the result should be, in any order:
      | p   |
      | <v> |

    Examples:
      | v             |
      | 1             |
      | 'it\'s'       |
      | [1, {a: 2.5}] |

  Scenario: [pass] runtime error
    Given any graph
    When executing query:
      """
      RETURN 1/0
      """
    Then a ArithmeticError should be raised at runtime: DivisionByZero

  Scenario: [pass] compile-time error, wildcard detail
    Given any graph
    When executing query:
      """
      RETURN x
      """
    Then a SyntaxError should be raised at compile time: *

  Scenario: [fail] wrong detail
    Given any graph
    When executing query:
      """
      RETURN x
      """
    Then a SyntaxError should be raised at compile time: VariableAlreadyBound

  Scenario: [fail] runtime error where compile time is required
    Given any graph
    When executing query:
      """
      RETURN 1/0
      """
    Then a ArithmeticError should be raised at compile time: DivisionByZero

  Scenario: [fail] an unexpected error
    Given any graph
    When executing query:
      """
      RETURN x
      """
    Then the result should be empty

  Scenario: [fail] an unexamined error
    Given any graph
    When executing query:
      """
      RETURN x
      """

  Scenario: [fail] unsupported step
    Given any graph
    And a step the runner does not know

  Scenario: [panic] engine panics
    Given any graph
    When executing query:
      """
      PANIC
      """
    Then the result should be empty

  Scenario: [panic] engine panic caught and returned as an InternalError
    Given any graph
    When executing query:
      """
      CAUGHT
      """
    Then the result should be empty

  Scenario: [timeout] engine loops until cancelled
    Given any graph
    When executing query:
      """
      LOOP
      """
    Then the result should be empty
"#;

#[test]
fn runner_decides_each_scenario_as_scripted() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("features/self")).expect("mkdir");
    std::fs::write(dir.path().join("features/self/Self1.feature"), FEATURE).expect("write");
    let (scenarios, errors) = scenarios::load(dir.path());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(scenarios.len(), 19);
    assert_eq!(scenarios[6].name, "features/self/Self1.feature: [pass] parameters 1 (example 1)");
    assert_eq!(scenarios[6].dir, "self");
    runner::install_panic_hook();
    let tck = Arc::new(dir.path().to_path_buf());
    let mut wrong = Vec::new();
    for sc in scenarios {
        let want = sc.name.split(": [").nth(1).and_then(|s| s.split(']').next()).unwrap_or("?").to_string();
        let name = sc.name.clone();
        let outcome = runner::run_guarded(Arc::new(sc), Arc::clone(&tck), fake, Duration::from_millis(300));
        let got = match &outcome {
            Outcome::Pass => "pass",
            other => other.kind(),
        };
        if got != want {
            wrong.push(format!("{name}: want {want}, got {got}: {}", outcome.reason()));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn effects_table_keys_are_the_tck_keys() {
    // The TCK's side-effect names; the runner rejects anything else in the table.
    assert_eq!(runner::EFFECT_KEYS.len(), 8);
    assert!(runner::EFFECT_KEYS.contains(&"-properties"));
}

/// Every expected-result cell and parameter value in the TCK parses with our grammar, and
/// every step is one the runner knows (procedure steps excepted: `CALL` is skip-listed).
#[test]
fn every_tck_cell_and_step_is_understood() {
    let (tck, found) = scenarios::tck_dir();
    if !found {
        eprintln!("tck_selftest: TCK not found at {}; skipping", tck.display());
        return;
    }
    let (all, errors) = scenarios::load(&tck);
    assert!(errors.is_empty(), "{errors:?}");
    let mut bad = Vec::new();
    for sc in &all {
        for step in &sc.steps {
            let text = step.text.trim_end_matches(':');
            let known = runner::known_step(text) || text.starts_with("there exists a procedure");
            if !known {
                bad.push(format!("{}: unknown step {:?}", sc.name, step.text));
            }
            let cells: Vec<&String> = match (text, &step.table) {
                (t, Some(rows)) if t.starts_with("the result should be") => {
                    rows.iter().skip(1).flatten().collect()
                }
                ("parameters are", Some(rows)) => rows.iter().filter_map(|r| r.get(1)).collect(),
                _ => Vec::new(),
            };
            for cell in cells {
                if let Err(e) = values::parse_cell(cell) {
                    bad.push(format!("{}: {e}", sc.name));
                }
            }
        }
    }
    bad.dedup();
    assert!(
        bad.is_empty(),
        "{} problems:\n{}",
        bad.len(),
        bad.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );
}
