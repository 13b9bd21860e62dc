//! The query engine: a language modelled on openCypher with provenance extensions.
//!
//! Pipeline: [`crate::syntax::query`] (pest → AST) → semantic checks → plan (operators
//! over rows of slots) → execution over [`crate::model::Graph`], a pipeline of operators
//! pulling batches of rows → [`QueryOutput`] of detached [`QueryValue`]s. This file is the
//! engine's public contract; the stages live in submodules.

pub(crate) mod aggregate;
pub(crate) mod budget;
pub(crate) mod error;
pub(crate) mod exec;
pub(crate) mod functions;
pub(crate) mod ops;
pub(crate) mod plan;
pub(crate) mod procedures;
pub(crate) mod semantic;
pub(crate) mod temporal;
pub(crate) mod temporal_functions;
pub(crate) mod value;

pub use crate::model::result::{NodeValue, PathValue, QueryValue, RelValue};
pub use budget::{MemoryBudget, TimeLimit};
pub use error::{ErrorClass, ErrorDetail, ErrorPhase, QueryError};
pub use exec::{CancelFlag, QueryOutput, WriteStats};
pub use procedures::{ProcType, Procedure, Procedures};
pub use value::Params;

use crate::model::Graph;
use crate::syntax::query::{parse_query, Query};

/// Who is running queries: `CREATE` attests the relationships it makes to this user; each
/// query may hold at most `memory_budget` at once and run for at most `time_limit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user: String,
    pub memory_budget: MemoryBudget,
    pub time_limit: TimeLimit,
}

impl Default for Caller {
    fn default() -> Self {
        Caller {
            user: "user".to_string(),
            memory_budget: MemoryBudget::default(),
            time_limit: TimeLimit::default(),
        }
    }
}

/// Stack for one query's parse, checks and execution: every stage recurses over the AST and
/// pest recurses per bracket level, so a query runs with this much room to spare.
const QUERY_STACK: usize = 256 << 20;

/// The stack of the program's main thread (`cli::main`): a query's stack plus room for
/// the shell and the script runner around it, so statements never need a stack of their own.
pub(crate) const PROGRAM_STACK: usize = QUERY_STACK + (64 << 20);

/// Runs one statement against the graph as the default [`Caller`] user.
pub fn execute(
    graph: &mut Graph,
    text: &str,
    params: &Params,
    cancel: &CancelFlag,
) -> Result<QueryOutput, QueryError> {
    execute_as(&Caller::default(), graph, text, params, cancel)
}

/// Runs one statement against the graph on behalf of `caller`'s user.
pub fn execute_as(
    caller: &Caller,
    graph: &mut Graph,
    text: &str,
    params: &Params,
    cancel: &CancelFlag,
) -> Result<QueryOutput, QueryError> {
    on_query_thread(|| run(caller, graph, &parse(text)?, text, params, cancel, builtin_procedures()))
}

/// Runs one statement with `procedures` as what `CALL` can run (the built-in ones plus any
/// the caller registered).
pub fn execute_with(
    graph: &mut Graph,
    text: &str,
    params: &Params,
    cancel: &CancelFlag,
    procedures: &Procedures,
) -> Result<QueryOutput, QueryError> {
    on_query_thread(|| run(&Caller::default(), graph, &parse(text)?, text, params, cancel, procedures))
}

fn builtin_procedures() -> &'static Procedures {
    static BUILTIN: std::sync::OnceLock<Procedures> = std::sync::OnceLock::new();
    BUILTIN.get_or_init(Procedures::builtin)
}

/// Runs a query already parsed by [`crate::syntax::parse_script`]; `text` is the script it
/// was parsed from (spans point into it; unaliased columns are named from it).
pub fn execute_query(
    caller: &Caller,
    graph: &mut Graph,
    query: &Query,
    text: &str,
    params: &Params,
    cancel: &CancelFlag,
) -> Result<QueryOutput, QueryError> {
    on_query_thread(|| run(caller, graph, query, text, params, cancel, builtin_procedures()))
}

/// Runs `work` with [`QUERY_STACK`] of stack at least (deeply nested expressions recurse)
/// and turns a panic into an error instead of taking the caller down. On the program's own
/// thread ([`PROGRAM_STACK`]) that room is there already; elsewhere a fresh segment is
/// switched to on the caller's thread (`stacker`), not a new thread: starting a thread per
/// statement cost more than a short lookup query itself.
fn on_query_thread<T, F>(work: F) -> Result<T, QueryError>
where
    F: FnOnce() -> Result<T, QueryError>,
{
    let run = std::panic::AssertUnwindSafe(|| stacker::maybe_grow(QUERY_STACK, QUERY_STACK, work));
    std::panic::catch_unwind(run).unwrap_or_else(|_| Err(internal_error("the query engine panicked")))
}

/// Every function a query can call, named as openCypher spells it: the scalar and
/// aggregating functions' tables, and the path functions the grammar knows. For completion.
pub fn function_names() -> impl Iterator<Item = &'static str> {
    functions::names().chain(aggregate::names()).chain(["shortestPath", "allShortestPaths"])
}

/// How a query would run on `graph`: its operator tree, one operator per line (the one
/// producing the results first, each operator's input indented below it), for `:explain`
/// in the shell. Nothing is executed.
pub fn explain(graph: &Graph, text: &str, params: &Params) -> Result<Vec<String>, QueryError> {
    on_query_thread(|| {
        let query = parse(text)?;
        check(&query)?;
        procedures::check(&query, builtin_procedures(), params)?;
        let plan = plan::plan(graph, &query, params, text, builtin_procedures())?;
        Ok(plan::explain(&plan, None))
    })
}

/// Runs a statement as [`execute_as`] does and returns, with its output, the operator tree
/// of [`explain`] with the rows each operator produced (`:profile` in the shell).
pub fn profile(
    caller: &Caller,
    graph: &mut Graph,
    text: &str,
    params: &Params,
    cancel: &CancelFlag,
) -> Result<(QueryOutput, Vec<String>), QueryError> {
    on_query_thread(|| {
        let query = parse(text)?;
        check(&query)?;
        procedures::check(&query, builtin_procedures(), params)?;
        let plan = plan::plan(graph, &query, params, text, builtin_procedures())?;
        let ctx = exec::Ctx::new(cancel, &caller.user, caller.time_limit, true);
        let _budget = budget::Scope::enter(caller.memory_budget);
        let out = exec::run(&plan, &ctx, graph)?;
        Ok((out, plan::explain(&plan, Some(&ctx.counts()))))
    })
}

fn internal_error(message: &str) -> QueryError {
    error::runtime_error(ErrorClass::InternalError, ErrorDetail::Panic, message)
}

fn parse(text: &str) -> Result<Query, QueryError> {
    parse_query(text).map_err(|e| semantic::from_syntax_error(&e, text))
}

/// Everything found before the query runs: the semantic checks, then the quantifiers over
/// constant lists that the evaluator can decide at once.
fn check(query: &Query) -> Result<(), QueryError> {
    semantic::check(query)?;
    exec::check_constants(query)
}

fn run(
    caller: &Caller,
    graph: &mut Graph,
    query: &Query,
    text: &str,
    params: &Params,
    cancel: &CancelFlag,
    procs: &Procedures,
) -> Result<QueryOutput, QueryError> {
    check(query)?;
    procedures::check(query, procs, params)?;
    let plan = plan::plan(graph, query, params, text, procs)?;
    let ctx = exec::Ctx::new(cancel, &caller.user, caller.time_limit, false);
    let _budget = budget::Scope::enter(caller.memory_budget);
    exec::run(&plan, &ctx, graph)
}
