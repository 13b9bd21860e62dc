//! Running one TCK scenario: the step vocabulary, result/error/side-effect checks, and
//! the panic and timeout guards. The query engine is passed in as an [`Exec`] so the
//! runner's own tests can drive it with a scripted fake (tests/tck_selftest.rs).
#![allow(dead_code)]

use std::collections::HashSet;
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use claimgraph::model::Graph;
use claimgraph::query::{CancelFlag, ErrorPhase, Params, ProcType, Procedures, QueryError, QueryOutput};

use super::scenarios::{Scenario, Step};
use super::values::{self, TVal};

/// The engine under test: `claimgraph::query::execute_with`'s signature.
pub type Exec = fn(&mut Graph, &str, &Params, &CancelFlag, &Procedures) -> Result<QueryOutput, QueryError>;

/// How long one scenario (setup and query) may run before its cancel flag is set.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// How long a cancelled scenario gets to notice before it is abandoned.
const GRACE: Duration = Duration::from_secs(5);
/// Scenario threads get a large stack: deep recursion in a parser or planner should show
/// up as a failure we can read, not as a stack overflow that aborts the whole run.
const STACK: usize = 64 << 20;
/// Rows shown per table in a failure report.
const SHOW_ROWS: usize = 40;

// ---- outcomes ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub enum Outcome {
    Pass,
    Fail(String),
    Panic(String),
    Timeout(String),
}

impl Outcome {
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Pass => "",
            Outcome::Fail(_) => "fail",
            Outcome::Panic(_) => "panic",
            Outcome::Timeout(_) => "timeout",
        }
    }

    pub fn reason(&self) -> &str {
        match self {
            Outcome::Pass => "",
            Outcome::Fail(r) | Outcome::Panic(r) | Outcome::Timeout(r) => r,
        }
    }
}

pub use super::panic_capture::install_panic_hook;
use super::panic_capture::{guard_this_thread, take_panic_message};

/// Runs one scenario with the panic and timeout guards.
pub fn run_guarded(sc: Arc<Scenario>, tck: Arc<PathBuf>, exec: Exec, timeout: Duration) -> Outcome {
    let cancel = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel();
    let flag = Arc::clone(&cancel);
    let name = sc.name.clone();
    let spawned =
        std::thread::Builder::new().name("tck-scenario".into()).stack_size(STACK).spawn(move || {
            guard_this_thread();
            let outcome = match catch_unwind(AssertUnwindSafe(|| run_scenario(&sc, &tck, exec, &flag))) {
                Ok(Ok(())) => Outcome::Pass,
                Ok(Err(reason)) => Outcome::Fail(reason),
                Err(_) => Outcome::Panic(take_panic_message()),
            };
            // The receiver is gone only if we were abandoned; nothing is left to tell.
            let _ = tx.send(outcome);
        });
    if let Err(e) = spawned {
        return Outcome::Fail(format!("runner: could not start a scenario thread: {e}"));
    }
    match rx.recv_timeout(timeout) {
        Ok(outcome) => outcome,
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Outcome::Panic("scenario thread died without a report".into())
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            cancel.store(true, Ordering::SeqCst);
            match rx.recv_timeout(GRACE) {
                Ok(Outcome::Panic(p)) => Outcome::Panic(format!("after cancellation at {timeout:?}: {p}")),
                Ok(after) => Outcome::Timeout(format!(
                    "still running after {timeout:?}; stopped by the cancel flag ({})",
                    if after.reason().is_empty() { "then passed" } else { after.reason() }
                )),
                Err(_) => {
                    // Said at once, not only in the summary: the abandoned thread keeps a
                    // CPU busy until the process exits, which slows the rest of the run.
                    eprintln!("tck: warning: {name} ignored the cancel flag; its thread is abandoned");
                    Outcome::Timeout(format!(
                        "still running after {timeout:?} and ignored the cancel flag for {GRACE:?}; abandoned"
                    ))
                }
            }
        }
    }
}

// ---- side effects -----------------------------------------------------------------------

/// The graph state the TCK's side effects are defined on: the TCK counts side effects by
/// diffing the graph before and after the query (nodes, relationships, the set of label
/// *names* in use, and (element, key, value) property triples), not by asking the engine.
/// We do the same through the model's public API, so `WriteStats` bugs cannot hide here.
#[derive(Default)]
struct Snapshot {
    nodes: HashSet<String>,
    rels: HashSet<String>,
    labels: HashSet<String>,
    props: HashSet<(String, String, String)>,
}

fn snapshot(g: &Graph) -> Snapshot {
    let mut s = Snapshot::default();
    for ix in g.entities() {
        // The stable id: generated ids are never reused, unlike petgraph slots.
        let id = format!("n:{}", g.entity_id(ix));
        if let Some(e) = g.entity(ix) {
            for l in &e.labels {
                s.labels.insert(g.str(*l).to_string());
            }
            for (k, v) in &e.props {
                s.props.insert((id.clone(), g.str(*k).to_string(), values::from_model(v).to_string()));
            }
        }
        s.nodes.insert(id);
    }
    for cx in g.claims() {
        let Some(c) = g.claim(cx) else { continue };
        // Claims are identified by their id: `name_existing_claims` names every claim
        // before the query, so an unnamed claim afterwards is one the query created. Edge
        // slots would not do: a query that deletes relationships and then creates new ones
        // (Merge5 [21]) gets the freed slots back.
        let id = match c.id {
            Some(name) => format!("r:{}", g.str(name)),
            None => format!("r:new:{}", cx.index()),
        };
        for (k, v) in &c.props {
            s.props.insert((id.clone(), g.str(*k).to_string(), values::from_model(v).to_string()));
        }
        s.rels.insert(id);
    }
    s
}

/// Gives every unnamed claim a unique id (`_tck_r<N>`), through the model's own
/// `name_claim` so its indexes stay consistent, so that relationships keep an identity across
/// the query for the side-effect diff. Claim ids are not properties: no TCK query sees them.
fn name_existing_claims(g: &mut Graph, counter: &mut u64) -> Result<(), String> {
    let unnamed: Vec<_> = g.claims().filter(|cx| g.claim(*cx).is_some_and(|c| c.id.is_none())).collect();
    for cx in unnamed {
        loop {
            *counter += 1;
            let name = format!("_tck_r{counter}");
            if g.find_claim(&name).is_none() {
                let sym = g.intern(&name);
                g.name_claim(cx, sym).map_err(|e| format!("runner: cannot name claim: {e}"))?;
                break;
            }
        }
    }
    Ok(())
}

/// `+nodes`, `-nodes`, ... in the TCK's order.
pub const EFFECT_KEYS: [&str; 8] = [
    "+nodes",
    "-nodes",
    "+relationships",
    "-relationships",
    "+labels",
    "-labels",
    "+properties",
    "-properties",
];

fn diff(before: &Snapshot, after: &Snapshot) -> [usize; 8] {
    fn d<T: Eq + std::hash::Hash>(a: &HashSet<T>, b: &HashSet<T>) -> usize {
        a.difference(b).count()
    }
    [
        d(&after.nodes, &before.nodes),
        d(&before.nodes, &after.nodes),
        d(&after.rels, &before.rels),
        d(&before.rels, &after.rels),
        d(&after.labels, &before.labels),
        d(&before.labels, &after.labels),
        d(&after.props, &before.props),
        d(&before.props, &after.props),
    ]
}

fn show_effects(e: &[usize; 8]) -> String {
    let parts: Vec<String> =
        EFFECT_KEYS.iter().zip(e).filter(|(_, n)| **n > 0).map(|(k, n)| format!("{k} {n}")).collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

// ---- running one scenario ---------------------------------------------------------------

fn show_error(e: &QueryError) -> String {
    let phase = match e.phase {
        ErrorPhase::CompileTime => "compile time",
        ErrorPhase::Runtime => "runtime",
    };
    format!("{}.{} at {phase}: {}", e.class, e.detail, e.message)
}

fn show_table(columns: &[String], rows: &[Vec<TVal>]) -> String {
    let mut out = format!("  | {} |\n", columns.join(" | "));
    for row in rows.iter().take(SHOW_ROWS) {
        let cells: Vec<String> = row.iter().map(ToString::to_string).collect();
        let _ = writeln!(out, "  | {} |", cells.join(" | "));
    }
    if rows.len() > SHOW_ROWS {
        let _ = writeln!(out, "  ... {} rows in all", rows.len());
    }
    out
}

struct Run {
    exec: Exec,
    graph: Graph,
    params: Params,
    /// The built-in procedures and those the scenario declares.
    procedures: Procedures,
    /// The result of the last `When executing query:` and its side effects.
    result: Option<(Result<QueryOutput, QueryError>, [usize; 8])>,
    /// Whether a `Then` step looked at an error result (an unexamined error fails).
    error_checked: bool,
    /// Ids handed out by `name_existing_claims`.
    claim_names: u64,
}

/// Runs a statement. `query::execute` turns an engine panic into an `InternalError` so that
/// a session survives it; here it is a panic again, so the scenario counts as `[panic]`.
fn exec(run: &mut Run, text: &str, cancel: &AtomicBool) -> Result<QueryOutput, QueryError> {
    let result = (run.exec)(&mut run.graph, text, &run.params, cancel, &run.procedures);
    if let Err(e) = &result {
        if e.class == claimgraph::query::ErrorClass::InternalError {
            let original = take_panic_message();
            panic!("{} ({original})", e.message);
        }
    }
    result
}

pub fn run_scenario(sc: &Scenario, tck: &Path, exec: Exec, cancel: &AtomicBool) -> Result<(), String> {
    let mut run = Run {
        exec,
        graph: Graph::new(),
        params: Params::new(),
        procedures: Procedures::builtin(),
        result: None,
        error_checked: false,
        claim_names: 0,
    };
    for step in &sc.steps {
        if cancel.load(Ordering::SeqCst) {
            return Err("cancelled".into());
        }
        run_step(&mut run, step, tck, cancel)
            .map_err(|e| format!("line {}: `{}`: {e}", step.line, step.text))?;
    }
    match &run.result {
        Some((Err(e), _)) if !run.error_checked => Err(format!("the query failed: {}", show_error(e))),
        _ => Ok(()),
    }
}

/// `test.my.proc(in :: INTEGER?) :: (out :: STRING?)` with a table of inputs then outputs.
fn declare_procedure(run: &mut Run, step: &Step, signature: &str) -> Result<(), String> {
    let bad = || format!("cannot read the procedure signature `{signature}`");
    let (name, rest) = signature.split_once('(').ok_or_else(bad)?;
    let (inputs, rest) = rest.split_once(')').ok_or_else(bad)?;
    let outputs = rest.trim().strip_prefix("::").ok_or_else(bad)?;
    let outputs = outputs.trim().strip_prefix('(').and_then(|o| o.strip_suffix(')')).ok_or_else(bad)?;
    let fields = |list: &str| -> Result<Vec<(String, ProcType)>, String> {
        list.split(',')
            .filter(|f| !f.trim().is_empty())
            .map(|f| {
                let (n, t) = f.split_once("::").ok_or_else(bad)?;
                Ok((n.trim().to_string(), ProcType::parse(t).ok_or_else(bad)?))
            })
            .collect()
    };
    let (inputs, outputs) = (fields(inputs)?, fields(outputs)?);
    let mut rows = Vec::new();
    // The first row is the header; a procedure without columns has an empty table.
    for row in table(step)?.iter().skip(1) {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push(
            row.iter().map(|c| values::to_query(&values::parse_cell(c)?)).collect::<Result<Vec<_>, _>>()?,
        );
    }
    run.procedures.add_table(name.trim(), inputs, outputs, rows);
    Ok(())
}

fn docstring(step: &Step) -> Result<&str, String> {
    step.docstring.as_deref().ok_or_else(|| "step has no docstring".to_string())
}

fn table(step: &Step) -> Result<&[Vec<String>], String> {
    step.table.as_deref().ok_or_else(|| "step has no table".to_string())
}

fn result_of(run: &Run) -> Result<&(Result<QueryOutput, QueryError>, [usize; 8]), String> {
    run.result.as_ref().ok_or_else(|| "no query was executed".to_string())
}

fn output_of(run: &Run) -> Result<&QueryOutput, String> {
    match &result_of(run)?.0 {
        Ok(out) => Ok(out),
        Err(e) => Err(format!("expected a result, got an error: {}", show_error(e))),
    }
}

/// The TCK step sentences the runner knows (the text after Given/When/Then/And, without
/// the trailing colon). Step texts are fixed sentences; telling them apart is a lookup,
/// not parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    EmptyGraph,
    NamedGraph,
    HavingExecuted,
    Parameters,
    ExecutingQuery,
    ResultEmpty,
    Result,
    NoSideEffects,
    SideEffects,
    Error,
    Procedure,
}

pub fn classify(bare: &str) -> Option<StepKind> {
    Some(match bare {
        "an empty graph" | "any graph" => StepKind::EmptyGraph,
        s if s.starts_with("the ") && s.ends_with(" graph") => StepKind::NamedGraph,
        "having executed" => StepKind::HavingExecuted,
        "parameters are" => StepKind::Parameters,
        s if s.starts_with("there exists a procedure ") => StepKind::Procedure,
        "executing query" | "executing control query" => StepKind::ExecutingQuery,
        "the result should be empty" => StepKind::ResultEmpty,
        s if s.starts_with("the result should be") => StepKind::Result,
        "no side effects" => StepKind::NoSideEffects,
        "the side effects should be" => StepKind::SideEffects,
        s if (s.starts_with("a ") || s.starts_with("an ")) && s.contains(" should be raised at ") => {
            StepKind::Error
        }
        _ => return None,
    })
}

/// Whether the runner knows a step text (trailing colon already removed).
pub fn known_step(bare: &str) -> bool {
    classify(bare.trim()).is_some()
}

fn run_step(run: &mut Run, step: &Step, tck: &Path, cancel: &AtomicBool) -> Result<(), String> {
    let bare = step.text.trim().trim_end_matches(':').trim_end();
    let Some(kind) = classify(bare) else {
        return Err("unsupported step".into());
    };
    match kind {
        StepKind::EmptyGraph => {
            run.graph = Graph::new();
            Ok(())
        }
        StepKind::NamedGraph => {
            let name = &bare["the ".len()..bare.len() - " graph".len()];
            let file = tck.join("graphs").join(name).join(format!("{name}.cypher"));
            let script =
                std::fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            // The graph files end with a script terminator `;`; `execute` takes one
            // statement, so the terminator is dropped (each file is one CREATE statement).
            let script = script.trim_end().trim_end_matches(';');
            run.graph = Graph::new();
            exec(run, script, cancel)
                .map(drop)
                .map_err(|e| format!("building graph {name} failed: {}", show_error(&e)))
        }
        StepKind::HavingExecuted => {
            let q = docstring(step)?;
            exec(run, q, cancel).map(drop).map_err(|e| format!("setup query failed: {}", show_error(&e)))
        }
        StepKind::Parameters => {
            for row in table(step)? {
                let [name, value] = row.as_slice() else {
                    return Err(format!("parameter row must be `| name | value |`: {row:?}"));
                };
                let v = values::parse_cell(value)?;
                run.params.insert(values::unescape_cell(name), values::to_query(&v)?);
            }
            Ok(())
        }
        StepKind::ExecutingQuery => {
            let q = docstring(step)?.to_string();
            name_existing_claims(&mut run.graph, &mut run.claim_names)?;
            let before = snapshot(&run.graph);
            let result = exec(run, &q, cancel);
            let after = snapshot(&run.graph);
            run.result = Some((result, diff(&before, &after)));
            run.error_checked = false;
            Ok(())
        }
        StepKind::ResultEmpty => {
            let out = output_of(run)?;
            if out.rows.is_empty() {
                Ok(())
            } else {
                let rows: Vec<Vec<TVal>> =
                    out.rows.iter().map(|r| r.iter().map(values::from_query).collect()).collect();
                Err(format!("expected no rows, got:\n{}", show_table(&out.columns, &rows)))
            }
        }
        StepKind::Result => check_result(run, step, bare),
        StepKind::Procedure => declare_procedure(run, step, &bare["there exists a procedure ".len()..]),
        StepKind::NoSideEffects => {
            let effects = result_of(run)?.1;
            if effects == [0; 8] {
                Ok(())
            } else {
                Err(format!("expected no side effects, got {}", show_effects(&effects)))
            }
        }
        StepKind::SideEffects => {
            let mut expected = [0usize; 8];
            for row in table(step)? {
                let [key, count] = row.as_slice() else {
                    return Err(format!("side-effect row must be `| key | count |`: {row:?}"));
                };
                let ix = EFFECT_KEYS
                    .iter()
                    .position(|k| k == key)
                    .ok_or_else(|| format!("unknown side effect {key}"))?;
                expected[ix] = count.trim().parse().map_err(|_| format!("bad side-effect count {count}"))?;
            }
            let actual = result_of(run)?.1;
            if actual == expected {
                Ok(())
            } else {
                Err(format!(
                    "side effects: expected {}, got {}",
                    show_effects(&expected),
                    show_effects(&actual)
                ))
            }
        }
        StepKind::Error => check_error(run, bare),
    }
}

fn check_result(run: &Run, step: &Step, s: &str) -> Result<(), String> {
    let ordered = s.contains(", in order");
    let unordered_lists = s.contains("ignoring element order for lists");
    let out = output_of(run)?;
    let t = table(step)?;
    let Some((header, rows)) = t.split_first() else {
        return Err("expected-result table has no header".into());
    };
    let columns: Vec<String> = header.iter().map(|c| values::unescape_cell(c)).collect();
    let expected: Vec<Vec<TVal>> = rows
        .iter()
        .map(|r| r.iter().map(|c| values::parse_cell(c)).collect::<Result<Vec<_>, _>>())
        .collect::<Result<_, _>>()?;
    let actual: Vec<Vec<TVal>> =
        out.rows.iter().map(|r| r.iter().map(values::from_query).collect()).collect();
    let mode = if ordered { "in order" } else { "in any order" };
    if columns != out.columns || !values::rows_match(&expected, &actual, ordered, unordered_lists) {
        return Err(format!(
            "result mismatch ({mode}{})\nexpected:\n{}actual:\n{}",
            if unordered_lists { ", ignoring list order" } else { "" },
            show_table(&columns, &expected),
            show_table(&out.columns, &actual)
        ));
    }
    Ok(())
}

/// `a <Class> should be raised at <compile time|runtime|any time>: <Detail>`.
///
/// Class and detail must match exactly (detail `*` matches any). Phase: `compile time`
/// requires [`ErrorPhase::CompileTime`] (the TCK means the query must be rejected before
/// anything runs); `runtime` accepts either phase, because an engine that proves the error
/// statically (constant folding, type inference) rejects the same query with the same
/// error, and the TCK cannot observe the difference in results or side effects;
/// `any time` accepts either.
fn check_error(run: &mut Run, s: &str) -> Result<(), String> {
    let malformed = || format!("malformed error step: {s}");
    let rest = s.strip_prefix("an ").or_else(|| s.strip_prefix("a ")).ok_or_else(malformed)?;
    let (class, rest) = rest.split_once(" should be raised at ").ok_or_else(malformed)?;
    let (phase, detail) = rest.split_once(':').ok_or_else(malformed)?;
    let (phase, detail) = (phase.trim(), detail.trim());
    let result = &result_of(run)?.0;
    let err = match result {
        Ok(out) => {
            return Err(format!(
                "expected {class}.{detail} at {phase}, but the query returned {} row(s) with columns {:?}",
                out.rows.len(),
                out.columns
            ))
        }
        Err(e) => e.clone(),
    };
    run.error_checked = true;
    let phase_ok = match phase {
        "compile time" => err.phase == ErrorPhase::CompileTime,
        "runtime" | "any time" => true,
        other => return Err(format!("unknown error phase {other}")),
    };
    if err.class.as_str() == class && (detail == "*" || err.detail.as_str() == detail) && phase_ok {
        Ok(())
    } else {
        Err(format!("expected {class}.{detail} at {phase}, got {}", show_error(&err)))
    }
}
