//! The query engine: a language modelled on openCypher with provenance extensions.
//!
//! Pipeline: [`crate::syntax::query`] (pest → AST) → semantic checks → plan (operators
//! over rows of slots) → execution over [`crate::model::Graph`], a pipeline of operators
//! pulling batches of rows → [`QueryOutput`] of detached [`QueryValue`]s. This file is the
//! engine's public contract; the stages live in submodules.

pub(crate) mod aggregate;
pub(crate) mod budget;
pub(crate) mod cache;
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
pub use cache::StatementCache;
pub use error::{ErrorClass, ErrorDetail, ErrorPhase, QueryError};
pub use exec::{CancelFlag, QueryOutput, WriteStats};
pub use procedures::{ProcType, Procedure, Procedures};
pub use value::Params;

use crate::model::Graph;
use crate::syntax::autoparam::Normalised;
use crate::syntax::query::{parse_query, Literal, Query};

use cache::{Lookup, Template};

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

pub(crate) fn builtin_procedures() -> &'static Procedures {
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
        explain_checked(graph, &query, text, params)
    })
}

/// The operator tree of a checked statement (`text` is what its spans point into), planned
/// on the graph as it is now.
fn explain_checked(
    graph: &Graph,
    query: &Query,
    text: &str,
    params: &Params,
) -> Result<Vec<String>, QueryError> {
    procedures::check(query, builtin_procedures(), params)?;
    let plan = plan::plan(graph, query, params, text, builtin_procedures(), true)?;
    Ok(plan::explain(&plan, None))
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
        let plan = plan::plan(graph, &query, params, text, builtin_procedures(), true)?;
        let ctx = exec::Ctx::new(cancel, &caller.user, caller.time_limit, true);
        let _budget = budget::Scope::enter(caller.memory_budget);
        let out = exec::run(&plan, &ctx, graph)?;
        Ok((out, plan::explain(&plan, Some(&ctx.counts()))))
    })
}

/// How many normalised statements a session's cache holds (Neo4j's default query cache
/// size): a script or a shell session rarely has more shapes than that.
pub(crate) const STATEMENT_CACHE_SIZE: usize = 1000;

impl StatementCache {
    /// Runs one statement as [`execute_as`] does, from the cache when a statement of the
    /// same normalised text ran before (see [`cache`]), and keeps it for the next one.
    pub fn execute(
        &self,
        caller: &Caller,
        graph: &mut Graph,
        text: &str,
        params: &Params,
        cancel: &CancelFlag,
    ) -> Result<QueryOutput, QueryError> {
        self.execute_with(caller, graph, text, params, cancel, builtin_procedures())
    }

    /// [`StatementCache::execute`] with `procedures` as what `CALL` can run.
    pub fn execute_with(
        &self,
        caller: &Caller,
        graph: &mut Graph,
        text: &str,
        params: &Params,
        cancel: &CancelFlag,
        procedures: &Procedures,
    ) -> Result<QueryOutput, QueryError> {
        match self.lookup(text) {
            Lookup::Hit(template, normalised) => {
                execute_template(caller, graph, &template, &normalised, params, cancel, procedures)
            }
            other => {
                let mut parsed = None;
                let out = on_query_thread(|| {
                    let query = parsed.insert(parse(text)?);
                    run(caller, graph, query, text, params, cancel, procedures)
                });
                if let (Lookup::Miss(normalised), Some(query), true) = (other, &parsed, passed_checks(&out)) {
                    self.learn(query, 0, normalised);
                }
                out
            }
        }
    }

    /// Keeps a statement that ran: `parsed` is its parse (spans `offset` bytes before the
    /// start of the text that was normalised). The normalised text is parsed and checked
    /// once here; it is kept as never cached if it may not stand for the statement.
    pub(crate) fn learn(&self, parsed: &Query, offset: usize, normalised: Normalised) {
        let template = on_query_thread(|| {
            Ok(parse_query(&normalised.text)
                .ok()
                .filter(|t| cache::may_stand_for(parsed, offset, &normalised, t) && check(t).is_ok()))
        })
        .ok()
        .flatten();
        let text = normalised.text.clone();
        self.insert(text.clone(), template.map(|query| Template { query, text }));
    }
}

/// Whether a statement that ran got past its checks and its plan (it succeeded, or failed
/// while running): only then is its normalised text worth keeping.
pub(crate) fn passed_checks<T>(result: &Result<T, QueryError>) -> bool {
    result.as_ref().err().is_none_or(|e| e.phase == ErrorPhase::Runtime)
}

/// Whether a statement would come from the cache, as `:explain` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CacheUse {
    /// A statement of the same normalised text ran before: its parse and checks are reused.
    Hit,
    /// Not seen yet: parsed, and kept once it runs.
    Miss,
    /// Never cached: it writes, or a literal of it cannot be a parameter.
    Bypass,
}

impl CacheUse {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CacheUse::Hit => "hit",
            CacheUse::Miss => "miss",
            CacheUse::Bypass => "bypass",
        }
    }
}

/// A cache hit's statement: the template planned on the graph as it is now, with the
/// lifted literals as parameters beside the caller's. Errors point into the original text.
pub(crate) fn execute_template(
    caller: &Caller,
    graph: &mut Graph,
    template: &Template,
    normalised: &Normalised,
    params: &Params,
    cancel: &CancelFlag,
    procs: &Procedures,
) -> Result<QueryOutput, QueryError> {
    on_query_thread(|| {
        let params = with_lifted(params, normalised);
        plan_and_run(caller, graph, &template.query, &template.text, &params, cancel, procs)
    })
    .map_err(|e| QueryError { span: e.span.map(|s| normalised.original_span(s)), ..e })
}

/// The caller's parameters and the lifted literals'.
fn with_lifted(params: &Params, normalised: &Normalised) -> Params {
    let mut all = params.clone();
    for l in &normalised.lifted {
        let value = match &l.value {
            Literal::String(s) => QueryValue::String(s.clone()),
            Literal::Int(i) => QueryValue::Int(*i),
            Literal::Float(x) => QueryValue::Float(*x),
            _ => QueryValue::Null,
        };
        all.insert(l.name.clone(), value);
    }
    all
}

/// [`explain`] through the cache: whether the statement would come from it, then its
/// operator tree (with the lifted literals as parameters on a hit).
pub(crate) fn explain_cached(
    cache: &StatementCache,
    graph: &Graph,
    text: &str,
    params: &Params,
) -> Result<(CacheUse, Vec<String>), QueryError> {
    match cache.lookup(text) {
        Lookup::Hit(template, normalised) => on_query_thread(|| {
            let params = with_lifted(params, &normalised);
            Ok((CacheUse::Hit, explain_checked(graph, &template.query, &template.text, &params)?))
        })
        .map_err(|e| QueryError { span: e.span.map(|s| normalised.original_span(s)), ..e }),
        Lookup::Miss(_) => Ok((CacheUse::Miss, explain(graph, text, params)?)),
        Lookup::Bypass => Ok((CacheUse::Bypass, explain(graph, text, params)?)),
    }
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
    plan_and_run(caller, graph, query, text, params, cancel, procs)
}

/// Plans a checked statement on the graph as it is now and runs it under the caller's
/// memory budget and time limit; `text` is what its spans point into.
fn plan_and_run(
    caller: &Caller,
    graph: &mut Graph,
    query: &Query,
    text: &str,
    params: &Params,
    cancel: &CancelFlag,
    procs: &Procedures,
) -> Result<QueryOutput, QueryError> {
    procedures::check(query, procs, params)?;
    let plan = plan::plan(graph, query, params, text, procs, false)?;
    let ctx = exec::Ctx::new(cancel, &caller.user, caller.time_limit, false);
    let _budget = budget::Scope::enter(caller.memory_budget);
    exec::run(&plan, &ctx, graph)
}
