//! A session: the graph and everything a user has set while working with it (parameters,
//! output format, timing, the user's name, the cancel flag). The REPL, `run` and `query`
//! all run statements through [`Session::execute_script`].
//!
//! Statements run in order: declarations through the loader (`1 claim added`), everything
//! else through [`crate::query::execute`] with the statement's own text. Errors are tied back
//! to the script's offsets, so they show `file:line:col` and a caret.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use miette::{Diagnostic, LabeledSpan, Report};
use serde_json::Value as Json;

use crate::check::{self, Analysis, ContradictionKind, Tracked};
use crate::diagnostics::{render_for_terminal, SourceFile};
use crate::load::{Applied, LoadError, LoadErrorKind, Loader};
use crate::model::{ClaimIx, EntityIx, Graph, Savepoint};
use crate::output::{applied_json, describe_applied, render_output, statement_json, OutputFormat};
use crate::query::{self, CancelFlag, Params, QueryError, QueryOutput, QueryValue, RelValue};
use crate::statements::split_script;
use crate::storage::{JournalEntry, Store};
use crate::syntax::decl::DeclStatement;
use crate::syntax::{parse_script, Span, Statement};

/// What a successful statement did.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    Query {
        output: QueryOutput,
        elapsed: Duration,
    },
    /// A declaration, and the one-line summaries of contradictions it introduced.
    Declared {
        applied: Applied,
        new_contradictions: Vec<String>,
    },
}

/// Whether a declaration can change what the contradiction engine finds.
fn may_contradict(decl: &DeclStatement) -> bool {
    matches!(
        decl,
        DeclStatement::Claim { .. }
            | DeclStatement::Attest { .. }
            | DeclStatement::Deny { .. }
            | DeclStatement::Constraint(_)
            | DeclStatement::Voice { .. }
    )
}

/// A failed statement: the rendered report and whether it was a cancellation.
#[derive(Debug)]
pub(crate) struct StatementFailure {
    pub report: Report,
    pub cancelled: bool,
}

/// How a script went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ScriptSummary {
    pub succeeded: usize,
    pub failed: usize,
    pub cancelled: bool,
}

pub(crate) struct Session {
    pub graph: Graph,
    pub params: Params,
    pub format: OutputFormat,
    pub timing: bool,
    /// Who creates claims from queries (`$USER`): `CREATE` attests relationships to them.
    pub user: String,
    /// The most memory one query may hold (`--memory-budget`, `:set memory-budget`).
    pub memory_budget: query::MemoryBudget,
    /// How long one statement may run (`--time-limit`, `:set time-limit`).
    pub time_limit: query::TimeLimit,
    pub cancel: Arc<CancelFlag>,
    /// Stop a script at its first failing statement.
    pub fail_fast: bool,
    /// Colours in error reports (an interactive terminal).
    pub color: bool,
    /// Terminal width for tables, when printing to a terminal.
    pub width: Option<u16>,
    /// `USE DOCUMENT` carried from one statement to the next within a script.
    default_document: Option<EntityIx>,
    /// JSON entries gathered until [`Session::finish_json`].
    json_results: Vec<Json>,
    /// The graph's findings and disputes at a revision: queries that return relationships
    /// (to mark the contested ones), declarations (to warn of new contradictions) and
    /// `CONTRADICTIONS` reuse them while the graph is unchanged instead of checking it again;
    /// a declaration brings them forward by checking only what it touched.
    findings: Option<Tracked>,
    /// Queries parsed and checked before, under their text with literals as parameters.
    pub statements: query::StatementCache,
    /// Where changes are kept, when the session works on a workspace (see `storage`).
    pub workspace: Option<Box<dyn Store>>,
    /// `run --single-transaction`: where the script started, and its journal so far.
    transaction: Option<(Savepoint, Vec<JournalEntry>)>,
    /// What others changed in a shared workspace since the last statement, shown before the
    /// next statement's result: how many statements, and the contradictions they created.
    notices: Vec<String>,
}

/// How many normalised statements the session keeps: `$CLAIMGRAPH_STATEMENT_CACHE` (0 turns
/// the cache off, to compare with it on), or [`query::STATEMENT_CACHE_SIZE`].
fn statement_cache_size() -> usize {
    std::env::var("CLAIMGRAPH_STATEMENT_CACHE")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(query::STATEMENT_CACHE_SIZE)
}

/// How many times a statement runs again on a fresh state when others committed first.
const CONFLICT_RETRIES: usize = 5;

impl Session {
    pub fn new(graph: Graph) -> Self {
        Session {
            graph,
            params: Params::new(),
            format: OutputFormat::Table,
            timing: false,
            user: std::env::var("USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| "user".to_string()),
            memory_budget: query::MemoryBudget::default(),
            time_limit: query::TimeLimit::default(),
            cancel: Arc::new(CancelFlag::new(false)),
            fail_fast: true,
            color: false,
            width: None,
            default_document: None,
            json_results: Vec::new(),
            findings: None,
            statements: query::StatementCache::new(statement_cache_size()),
            workspace: None,
            transaction: None,
            notices: Vec::new(),
        }
    }

    /// Reads a shared workspace again if others committed since this session last read or
    /// wrote it, so each statement runs on everyone's work; notes what they changed.
    fn refresh_from_workspace(&mut self) -> Result<(), StatementFailure> {
        let Some(store) = &mut self.workspace else { return Ok(()) };
        match store.refresh() {
            Ok(Some(graph)) => {
                self.replace_graph(graph);
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(e) => Err(StatementFailure { report: Report::new(e), cancelled: false }),
        }
    }

    /// Puts the workspace's fresh graph in place of the session's, noting the contradictions
    /// it has that the old one had not (when the old one's were known).
    fn replace_graph(&mut self, graph: Graph) {
        let before = self.findings.take();
        self.graph = graph;
        self.graph.clear_log();
        self.notices.push("the workspace changed: others' statements are now in the graph".to_string());
        if let Some(mut before) = before {
            let after = self.current_findings();
            for f in check::new_findings(&before.analysis().findings, &after.findings) {
                let finding = crate::output::one_line(&f.one_line(&self.graph));
                self.notices.push(format!("warning: {finding} (from others' statements)"));
            }
        }
    }

    /// The contradiction findings of the graph as it is now (see `Session::findings`).
    pub(crate) fn current_findings(&mut self) -> Arc<Analysis> {
        let revision = self.graph.revision();
        if let Some(tracked) = &mut self.findings {
            if tracked.revision() == revision {
                return Arc::clone(tracked.analysis());
            }
        }
        let mut tracked = Tracked::new(&self.graph);
        let findings = Arc::clone(tracked.analysis());
        self.findings = Some(tracked);
        findings
    }

    /// Keeps findings for the graph as it is now: checks it in full only when none are kept
    /// at this revision (the first declaration after a load or a query that wrote). Unlike
    /// [`Session::current_findings`], it does not read them, so the updates of a run of
    /// declarations stay pending until something does.
    fn track_findings(&mut self) {
        if self.findings.as_ref().is_some_and(|t| t.revision() == self.graph.revision()) {
            return;
        }
        self.findings = Some(Tracked::new(&self.graph));
    }

    /// Brings the findings kept at `revision` forward past the declaration just applied,
    /// re-checking only the subjects it touched (changes since `mark`), and returns the
    /// one-line summaries of the findings it introduced when `warn`. Findings kept at
    /// another revision are dropped.
    fn follow_declaration(&mut self, revision: u64, mark: Option<Savepoint>, warn: bool) -> Vec<String> {
        let Some(mut tracked) = self.findings.take().filter(|t| t.revision() == revision) else {
            return Vec::new();
        };
        let touched = mark.and_then(|m| self.graph.touched_since(m));
        let new = tracked.update(&self.graph, touched.as_ref(), warn);
        let Some(new) = new else { return Vec::new() };
        self.findings = Some(tracked);
        if warn {
            new.iter().map(|f| f.one_line(&self.graph)).collect()
        } else {
            Vec::new()
        }
    }

    /// Runs every statement of a script, printing results to `out` and errors to `err`.
    pub fn execute_script(
        &mut self,
        file: &SourceFile,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> ScriptSummary {
        self.execute_script_in(file, None, out, err)
    }

    /// [`Session::execute_script`] with relative paths in declarations (a document's
    /// `text`) starting from `base_dir`: statements read from a file other than the
    /// working directory's, such as a draft under review.
    pub fn execute_script_in(
        &mut self,
        file: &SourceFile,
        base_dir: Option<PathBuf>,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> ScriptSummary {
        let mut summary = ScriptSummary::default();
        self.default_document = None;
        for (span, command) in split_script(&file.text) {
            let result = if command {
                self.script_command(file, span).map(|()| None)
            } else {
                self.execute_statement(file, span, base_dir.clone()).map(Some)
            };
            let notices = self.take_notices();
            if matches!(self.format, OutputFormat::Table | OutputFormat::Markdown) {
                for n in notices {
                    let _ = writeln!(out, "{n}");
                }
            }
            match result {
                Ok(None) => summary.succeeded += 1,
                Ok(Some(outcome)) => {
                    summary.succeeded += 1;
                    self.print_outcome(&file.text[span.start..span.end], &outcome, out);
                }
                Err(failure) => {
                    summary.failed += 1;
                    let _ = write!(err, "{}", render_for_terminal(&failure.report, self.color));
                    let _ = err.flush();
                    if failure.cancelled {
                        summary.cancelled = true;
                        break;
                    }
                    if self.fail_fast {
                        break;
                    }
                }
            }
        }
        summary
    }

    /// Runs a `:` command of a script. Scripts written for cypher-shell set parameters with
    /// `:param {name: value, ...}` or `:param name => value`; values are literals.
    fn script_command(&mut self, file: &SourceFile, span: Span) -> Result<(), StatementFailure> {
        let text = file.text[span.start..span.end].trim_end();
        let fail = |message: String| {
            let e = LoadError::new(LoadErrorKind::InvalidValue, span, message);
            StatementFailure { report: crate::diagnostics::report_in(file, e), cancelled: false }
        };
        let Some(rest) =
            text.strip_prefix(":param").filter(|r| r.is_empty() || r.starts_with(char::is_whitespace))
        else {
            return Err(fail("scripts take only `:param` commands (the shell has the others)".into()));
        };
        let rest = rest.trim().trim_end_matches(';').trim_end();
        if rest.starts_with('{') {
            match crate::syntax::decl::parse_value(rest) {
                Ok(crate::model::Value::Map(m)) => {
                    for (k, v) in m {
                        self.params.insert(k, QueryValue::from(v));
                    }
                    Ok(())
                }
                Ok(_) => Err(fail("expected a map of parameters, {name: value}".into())),
                Err(e) => Err(fail(format!("parameter map: {}", e.message))),
            }
        } else {
            let (name, value) = rest
                .split_once("=>")
                .ok_or_else(|| fail("expected :param {name: value} or :param name => value".into()))?;
            let (name, value) = parse_param(name, value).map_err(fail)?;
            self.params.insert(name, value);
            Ok(())
        }
    }

    /// Runs one statement (the text `span` of `file`) as a transaction: its changes are all
    /// kept, and saved to the workspace before this returns, or none are. `base_dir` is where
    /// relative paths in declarations start from.
    pub fn execute_statement(
        &mut self,
        file: &SourceFile,
        span: Span,
        base_dir: Option<PathBuf>,
    ) -> Result<Outcome, StatementFailure> {
        let text = format!("{};", file.text[span.start..span.end].trim());
        self.transact(&file.name, &text, |session| session.run_statement(file, span, base_dir.clone()))
    }

    /// Runs `work` as one transaction named `statement` in the journal: on error nothing it
    /// did remains; on success its changes are saved (or, in a single transaction, kept
    /// for the end of the script).
    pub fn transact<T>(
        &mut self,
        origin: &str,
        statement: &str,
        mut work: impl FnMut(&mut Self) -> Result<T, StatementFailure>,
    ) -> Result<T, StatementFailure> {
        if self.transaction.is_none() {
            self.refresh_from_workspace()?;
        }
        let mut holding = false;
        let result = self.attempts(origin, statement, &mut work, &mut holding);
        if holding {
            if let Some(store) = &mut self.workspace {
                // Released by the server anyway when the connection ends.
                let _ = store.hold_writer_lock(false);
            }
        }
        result
    }

    /// Runs `work` and commits it; when others committed first, runs it again on their
    /// state while holding the writer lock (`holding`), so it cannot lose twice.
    fn attempts<T>(
        &mut self,
        origin: &str,
        statement: &str,
        work: &mut impl FnMut(&mut Self) -> Result<T, StatementFailure>,
        holding: &mut bool,
    ) -> Result<T, StatementFailure> {
        let mut retries = 0;
        loop {
            let savepoint = self.graph.savepoint();
            let revision = self.graph.revision();
            let result = work(self);
            if result.is_err() {
                self.graph.rollback_to(savepoint);
                // The graph is as it was: findings kept for it hold again.
                if let Some(tracked) = self.findings.as_mut().filter(|t| t.revision() == revision) {
                    tracked.restored(self.graph.revision());
                }
                return result;
            }
            if !self.graph.changed_since(savepoint) {
                return result;
            }
            let entry = JournalEntry {
                statement: statement.to_string(),
                origin: origin.to_string(),
                user: self.user.clone(),
            };
            if let Some((_, entries)) = &mut self.transaction {
                entries.push(entry);
                return result;
            }
            let Some(store) = &mut self.workspace else {
                self.graph.clear_log();
                return result;
            };
            let changes = self.graph.pending_changes();
            let Err(e) = store.commit(&self.graph, &changes, &[entry]) else {
                self.graph.clear_log();
                return result;
            };
            self.graph.rollback_to(savepoint);
            // Someone committed between this statement's read and its write: run it again
            // on the state they left (docs/storage.md, "Several writers").
            if e.kind == crate::storage::StorageErrorKind::Changed && retries < CONFLICT_RETRIES {
                retries += 1;
                let held = *holding || store.hold_writer_lock(true).is_ok();
                *holding = held;
                if let Ok(Some(graph)) = store.refresh() {
                    self.replace_graph(graph);
                    continue;
                }
            }
            return Err(StatementFailure { report: Report::new(e), cancelled: false });
        }
    }

    /// What others changed since the last statement (see `Session::notices`), once.
    pub fn take_notices(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notices)
    }

    /// `run --single-transaction`: what follows is saved as one, by [`Session::end_transaction`].
    pub fn begin_transaction(&mut self) {
        // A failure to read others' work shows at the first statement that commits.
        let _ = self.refresh_from_workspace();
        self.graph.clear_log();
        self.transaction = Some((self.graph.savepoint(), Vec::new()));
    }

    /// Ends a single transaction: saves everything, or (`keep: false`) undoes everything.
    pub fn end_transaction(&mut self, keep: bool) -> Result<(), Report> {
        let Some((savepoint, entries)) = self.transaction.take() else { return Ok(()) };
        if !keep {
            self.graph.rollback_to(savepoint);
            self.graph.clear_log();
            return Ok(());
        }
        if let (Some(store), false) = (&mut self.workspace, entries.is_empty()) {
            let changes = self.graph.pending_changes();
            if let Err(e) = store.commit(&self.graph, &changes, &entries) {
                self.graph.rollback_to(savepoint);
                self.graph.clear_log();
                return Err(Report::new(e));
            }
        }
        self.graph.clear_log();
        Ok(())
    }

    /// The workspace's journal as lines (`:history`), or `None` without a workspace.
    pub fn journal_lines(&mut self, limit: usize) -> Option<Result<Vec<String>, String>> {
        let store = self.workspace.as_mut()?;
        Some(store.journal(limit).map_err(|e| e.to_string()).map(|records| {
            records
                .into_iter()
                .map(|r| {
                    format!("{:>5}  {}  {}  {}", r.seq, r.at, r.user, r.statement.replace('\n', "\n       "))
                })
                .collect()
        }))
    }

    pub(crate) fn run_statement(
        &mut self,
        file: &SourceFile,
        span: Span,
        base_dir: Option<PathBuf>,
    ) -> Result<Outcome, StatementFailure> {
        // The footer's time covers the statement's parse too, as a user would time it.
        let started = Instant::now();
        let text = &file.text[span.start..span.end];
        let fail = |report: Report| StatementFailure { report, cancelled: false };
        // A query of a shape that ran before is not parsed again (`query::cache`); its
        // errors point into `text` as the parse's would.
        let lead = text.len() - text.trim_start().len();
        let cached = self.statements.lookup(text.trim());
        let cached = match cached {
            query::cache::Lookup::Hit(template, normalised) => {
                self.cancel.store(false, Ordering::SeqCst);
                let caller = self.caller();
                let result = query::execute_template(
                    &caller,
                    &mut self.graph,
                    &template,
                    &normalised,
                    &self.params,
                    &self.cancel,
                    query::builtin_procedures(),
                )
                .map_err(|e| QueryError { span: e.span.map(|s| shift(s, lead)), ..e });
                return self.query_outcome(file, span, result, started);
            }
            query::cache::Lookup::Miss(normalised) => Some(normalised),
            query::cache::Lookup::Bypass => None,
        };
        // Parse with the terminating `;` so errors there say "found ';'".
        let parse_end = if file.text[span.end..].starts_with(';') { span.end + 1 } else { span.end };
        let statements = parse_script(&file.text[span.start..parse_end]).map_err(|e| {
            let shifted = crate::syntax::SyntaxError { span: shift(e.span, span.start), ..e };
            fail(crate::diagnostics::report_in(file, shifted))
        })?;
        let Some(first) = statements.into_iter().next() else {
            return Ok(Outcome::Declared { applied: Applied::default(), new_contradictions: Vec::new() });
        };
        if let Statement::Decl(DeclStatement::Denials { by, about }) = &first.statement {
            let name = |n: &Option<crate::syntax::decl::Name>| n.as_ref().map(|n| n.text.clone());
            let (columns, rows) =
                check::denial_rows(&self.graph, name(by).as_deref(), name(about).as_deref())
                    .map_err(|message| unknown_id(file, span, &[by, about], message))?;
            let output = QueryOutput { columns, rows, stats: Default::default() };
            return Ok(Outcome::Query { output, elapsed: started.elapsed() });
        }
        if let Statement::Decl(DeclStatement::Contradictions { about, kind, findings }) = &first.statement {
            let kind = match kind {
                None => None,
                Some(k) => Some(ContradictionKind::parse(&k.text).ok_or_else(|| {
                    let e = LoadError::new(
                        LoadErrorKind::InvalidValue,
                        shift(k.span, span.start),
                        format!("unknown contradiction kind '{}'", k.text),
                    )
                    .with_help(format!("kinds: {}", ContradictionKind::ALL.map(|k| k.as_str()).join(", ")));
                    fail(crate::diagnostics::report_in(file, e))
                })?),
            };
            let analysis = self.current_findings();
            let about_text = about.as_ref().map(|a| a.text.as_str());
            let (columns, rows) =
                check::contradiction_rows(&self.graph, &analysis, about_text, kind, *findings)
                    .map_err(|message| unknown_id(file, span, &[about], message))?;
            let output = QueryOutput { columns, rows, stats: Default::default() };
            return Ok(Outcome::Query { output, elapsed: started.elapsed() });
        }
        if let Statement::Decl(decl) = &first.statement {
            // At any size: after the first, a declaration re-checks only what it touched.
            let warn = may_contradict(decl);
            if warn {
                self.track_findings();
            }
            let (revision, mark) = (self.graph.revision(), self.graph.log_mark());
            let mut loader = Loader::new(&mut self.graph);
            loader.finding_ids = Some(check::finding_ids);
            loader.begin_file(base_dir);
            loader.set_default_document(self.default_document);
            let result = loader.apply_all(decl, first.span);
            self.default_document = loader.default_document();
            let new_contradictions = match &result {
                Ok(_) => self.follow_declaration(revision, mark, warn),
                Err(_) => Vec::new(),
            };
            return result.map(|applied| Outcome::Declared { applied, new_contradictions }).map_err(
                |e: LoadError| {
                    let shifted = LoadError { span: shift(e.span, span.start), ..e };
                    fail(crate::diagnostics::report_in(file, shifted))
                },
            );
        }
        self.cancel.store(false, Ordering::SeqCst);
        let caller = self.caller();
        // The statement was parsed above: run that parse rather than parsing it again.
        let result = match &first.statement {
            Statement::Query(q) => query::execute_query(
                &caller,
                &mut self.graph,
                q,
                &file.text[span.start..parse_end],
                &self.params,
                &self.cancel,
            ),
            Statement::Decl(_) => {
                query::execute_as(&caller, &mut self.graph, text, &self.params, &self.cancel)
            }
        };
        if let (Statement::Query(q), Some(normalised)) = (&first.statement, cached) {
            if query::passed_checks(&result) {
                self.statements.learn(q, lead, normalised);
            }
        }
        self.query_outcome(file, span, result, started)
    }

    /// A query's result as the statement's outcome: relationships on a side of an open
    /// contradiction marked, errors shown against the statement (`span` of `file`).
    fn query_outcome(
        &mut self,
        file: &SourceFile,
        span: Span,
        result: Result<QueryOutput, QueryError>,
        started: Instant,
    ) -> Result<Outcome, StatementFailure> {
        let fail = |report: Report| StatementFailure { report, cancelled: false };
        let elapsed = started.elapsed();
        let was_cancelled = self.cancel.swap(false, Ordering::SeqCst);
        match result {
            Ok(mut output) => {
                if returns_relationships(&output) {
                    let contested = check::contested_in(&self.current_findings().findings);
                    mark_contested(&mut output, &contested);
                }
                Ok(Outcome::Query { output, elapsed })
            }
            Err(_) if was_cancelled => Err(StatementFailure {
                report: crate::diagnostics::report_in(file, QueryDiagnostic::cancelled(span)),
                cancelled: true,
            }),
            Err(e) => Err(fail(crate::diagnostics::report_in(file, QueryDiagnostic::new(e, span)))),
        }
    }

    /// How a query would run on the session's graph, one operator per line (`:explain`);
    /// nothing is executed. Errors are rendered against the query's text.
    /// The first line says whether it would come from the statement cache (`cache: hit`).
    pub fn explain(&self, text: &str) -> Result<Vec<String>, String> {
        let text = text.trim().trim_end_matches(';').trim_end();
        let explained = query::explain_cached(&self.statements, &self.graph, text, &self.params);
        explained
            .map(|(used, lines)| std::iter::once(format!("cache: {}", used.as_str())).chain(lines).collect())
            .map_err(|e| {
                let file = SourceFile::new("<explain>", text);
                let report =
                    crate::diagnostics::report_in(&file, QueryDiagnostic::new(e, Span::new(0, text.len())));
                render_for_terminal(&report, self.color)
            })
    }

    /// Who runs the session's queries, and under which memory budget.
    fn caller(&self) -> query::Caller {
        query::Caller {
            user: self.user.clone(),
            memory_budget: self.memory_budget,
            time_limit: self.time_limit,
        }
    }

    /// Runs a query and returns its operator tree with the rows each operator produced,
    /// then how many rows it returned and how long it took (`:profile`). The query runs for
    /// real: what it writes is written. Errors are rendered against the query's text.
    pub fn profile(&mut self, text: &str) -> Result<Vec<String>, String> {
        let text = text.trim().trim_end_matches(';').trim_end();
        let caller = self.caller();
        self.cancel.store(false, Ordering::SeqCst);
        let started = Instant::now();
        let result = query::profile(&caller, &mut self.graph, text, &self.params, &self.cancel);
        let elapsed = started.elapsed();
        let was_cancelled = self.cancel.swap(false, Ordering::SeqCst);
        let file = SourceFile::new("<profile>", text);
        let whole = Span::new(0, text.len());
        match result {
            Ok((output, mut plan)) => {
                let n = output.rows.len();
                plan.push(format!(
                    "{n} row{}, {:.3} ms",
                    if n == 1 { "" } else { "s" },
                    elapsed.as_secs_f64() * 1000.0
                ));
                Ok(plan)
            }
            Err(_) if was_cancelled => {
                let report = crate::diagnostics::report_in(&file, QueryDiagnostic::cancelled(whole));
                Err(render_for_terminal(&report, self.color))
            }
            Err(e) => {
                let report = crate::diagnostics::report_in(&file, QueryDiagnostic::new(e, whole));
                Err(render_for_terminal(&report, self.color))
            }
        }
    }

    /// Prints a statement's result in the session's format (JSON is gathered instead).
    pub fn print_outcome(&mut self, statement: &str, outcome: &Outcome, out: &mut dyn Write) {
        let statement = statement.trim();
        match (outcome, self.format) {
            (Outcome::Query { output, .. }, OutputFormat::Json) => {
                self.json_results.push(statement_json(statement, output));
            }
            (Outcome::Declared { applied, new_contradictions }, OutputFormat::Json) => {
                let mut entry = applied_json(statement, applied);
                entry["new_contradictions"] = serde_json::json!(new_contradictions);
                self.json_results.push(entry);
            }
            (Outcome::Query { output, elapsed }, format) => {
                let elapsed = self.timing.then_some(*elapsed);
                let _ = out.write_all(render_output(output, format, self.width, elapsed).as_bytes());
            }
            (
                Outcome::Declared { applied, new_contradictions },
                OutputFormat::Table | OutputFormat::Markdown,
            ) => {
                let mut line = describe_applied(applied);
                match new_contradictions.len() {
                    0 => {}
                    1 => line.push_str(", 1 new contradiction"),
                    n => line.push_str(&format!(", {n} new contradictions")),
                }
                let _ = writeln!(out, "{line}");
                // One line each, as a table cell is: a name with a line break in it cannot
                // start a line of its own that reads as another warning.
                for c in new_contradictions {
                    let _ = writeln!(out, "warning: {}", crate::output::one_line(c));
                }
            }
            // CSV output stays machine-readable: declarations print nothing.
            (Outcome::Declared { .. }, OutputFormat::Csv) => {}
        }
        let _ = out.flush();
    }

    /// Prints the JSON document of everything run since the last call, if anything was.
    pub fn finish_json(&mut self, out: &mut dyn Write) {
        if self.format != OutputFormat::Json && self.json_results.is_empty() {
            return;
        }
        let results = std::mem::take(&mut self.json_results);
        let doc = serde_json::json!({ "results": results });
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        let _ = out.flush();
    }
}

/// One parameter as `--param name=value` and the shell's `:param name => value` give it:
/// a name and a literal of the language (`5`, `'text'`, `~100`, `@2018-02`, `[1, 2]`).
pub(crate) fn parse_param(name: &str, value: &str) -> Result<(String, QueryValue), String> {
    let name = name.trim().trim_start_matches('$');
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(format!("parameter name `{name}` is not an identifier"));
    }
    let value = crate::syntax::decl::parse_value(value.trim()).map_err(|e| {
        format!("parameter `{name}`: {} (strings need quotes: '{}')", e.message, value.trim())
    })?;
    Ok((name.to_string(), QueryValue::from(value)))
}

/// Marks returned relationships that are on a side of an open contradiction. The check runs
/// only when the result holds relationships at all.
/// Whether any value of the output holds a relationship (which may be contested).
fn returns_relationships(output: &QueryOutput) -> bool {
    fn has_rel(v: &QueryValue) -> bool {
        match v {
            QueryValue::Relationship(_) => true,
            QueryValue::Path(p) => !p.rels.is_empty(),
            QueryValue::List(items) => items.iter().any(has_rel),
            QueryValue::Map(m) => m.values().any(has_rel),
            _ => false,
        }
    }
    output.rows.iter().flatten().any(has_rel)
}

/// Marks every relationship in the output with the findings that contest it.
fn mark_contested(output: &mut QueryOutput, contested: &HashMap<ClaimIx, Vec<String>>) {
    fn mark(v: &mut QueryValue, contested: &HashMap<ClaimIx, Vec<String>>) {
        let mark_rel = |r: &mut RelValue| {
            if let Some(ids) = contested.get(&ClaimIx::new(r.id as usize)) {
                r.contested = ids.clone();
            }
        };
        match v {
            QueryValue::Relationship(r) => mark_rel(r),
            QueryValue::Path(p) => p.rels.iter_mut().for_each(mark_rel),
            QueryValue::List(items) => items.iter_mut().for_each(|i| mark(i, contested)),
            QueryValue::Map(m) => m.values_mut().for_each(|i| mark(i, contested)),
            _ => {}
        }
    }
    if contested.is_empty() {
        return;
    }
    for v in output.rows.iter_mut().flatten() {
        mark(v, contested);
    }
}

/// An id that `CONTRADICTIONS`, `FINDINGS` or `DENIALS` names but the graph does not
/// hold: the error points at the name the message quotes.
fn unknown_id(
    file: &SourceFile,
    statement: Span,
    names: &[&Option<crate::syntax::decl::Name>],
    message: String,
) -> StatementFailure {
    let at = names
        .iter()
        .copied()
        .flatten()
        .find(|n| message.contains(&format!("'{}'", n.text)))
        .map_or(Span::new(0, 0), |n| n.span);
    let e = LoadError::new(LoadErrorKind::UnknownEntity, shift(at, statement.start), message)
        .with_label("not an entity, source, document or claim id");
    StatementFailure { report: crate::diagnostics::report_in(file, e), cancelled: false }
}

fn shift(span: Span, by: usize) -> Span {
    Span::new(span.start + by, span.end + by)
}

/// A query error as a diagnostic in the script's coordinates.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct QueryDiagnostic {
    message: String,
    code: String,
    span: Span,
    label: String,
}

impl QueryDiagnostic {
    fn new(e: QueryError, statement: Span) -> Self {
        let span = match e.span {
            Some(s) => shift(s, statement.start),
            None => Span::new(statement.start, statement.start),
        };
        let label = if e.span.is_some() { "here".to_string() } else { "in this statement".to_string() };
        QueryDiagnostic { code: e.code(), message: e.message, span, label }
    }

    fn cancelled(statement: Span) -> Self {
        QueryDiagnostic {
            message: "query cancelled".into(),
            code: "Cancelled".into(),
            span: Span::new(statement.start, statement.start),
            label: "this query".into(),
        }
    }
}

impl Diagnostic for QueryDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(Some(self.label.clone()), self.span))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_apply_and_report() {
        let mut session = Session::new(Graph::new());
        let file = SourceFile::new(
            "t.kg",
            "SOURCE (r:NewsAgency {name: 'R'}); ENTITY (a:Org); ENTITY (b:Org);\n\
             CLAIM (a)-[:FOUGHT]->(b) BY r QUOTE 'x';",
        );
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let summary = session.execute_script(&file, &mut out, &mut err);
        assert_eq!(summary.failed, 0, "{}", String::from_utf8_lossy(&err));
        assert!(String::from_utf8_lossy(&out).contains("1 claim added, 1 attestation added"));
    }

    #[test]
    fn errors_point_into_the_script() {
        let mut session = Session::new(Graph::new());
        let file = SourceFile::new("t.kg", "ENTITY (a:Org);\nENTITY (b:Org;\n");
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let summary = session.execute_script(&file, &mut out, &mut err);
        assert_eq!(summary.failed, 1);
        assert!(String::from_utf8_lossy(&err).contains("t.kg:2:"), "{}", String::from_utf8_lossy(&err));
    }
}

/// The statement cache is invisible but for speed: every script of
/// `tests/statement_cache/` runs in a session with the cache and in one without, statement by
/// statement, and prints the same results and the same errors (at the same line and
/// column); `NAME.outcomes` says, per statement, whether the cache had it (`hit`), had not
/// seen it (`miss`) or will never keep it (`bypass`).
#[cfg(test)]
mod statement_cache_tests {
    use super::*;
    use crate::query::cache::Lookup;

    fn run_one(session: &mut Session, file: &SourceFile, span: Span) -> (String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        match session.execute_statement(file, span, None) {
            Ok(outcome) => session.print_outcome(&file.text[span.start..span.end], &outcome, &mut out),
            Err(f) => {
                let _ = write!(err, "{}", render_for_terminal(&f.report, false));
            }
        }
        (String::from_utf8_lossy(&out).into_owned(), String::from_utf8_lossy(&err).into_owned())
    }

    #[test]
    fn cached_statements_answer_as_parsed_ones_do() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/statement_cache");
        let mut scripts: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("tests/statement_cache")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "cypher"))
            .collect();
        scripts.sort();
        assert!(!scripts.is_empty());
        for path in scripts {
            let name = path.display().to_string();
            let file = SourceFile::new(&name, std::fs::read_to_string(&path).expect("script"));
            let expected = std::fs::read_to_string(path.with_extension("outcomes")).expect("outcomes");
            let expected: Vec<&str> = expected.lines().collect();
            let (mut cached, mut fresh) = (Session::new(Graph::new()), Session::new(Graph::new()));
            fresh.statements = query::StatementCache::new(0);
            let statements: Vec<Span> =
                split_script(&file.text).into_iter().filter(|(_, c)| !c).map(|(s, _)| s).collect();
            assert_eq!(statements.len(), expected.len(), "{name}: one outcome per statement");
            for (span, want) in statements.into_iter().zip(expected) {
                let text = file.text[span.start..span.end].trim();
                let used = match cached.statements.lookup(text) {
                    Lookup::Hit(..) => "hit",
                    Lookup::Miss(_) => "miss",
                    Lookup::Bypass => "bypass",
                };
                assert_eq!(used, want, "{name}: {text}");
                let got = run_one(&mut cached, &file, span);
                assert_eq!(got, run_one(&mut fresh, &file, span), "{name}: {text}");
            }
        }
    }

    #[test]
    fn explain_says_whether_the_plan_came_from_the_cache_and_plans_on_the_graph_now() {
        let mut session = Session::new(Graph::new());
        let file = SourceFile::new(
            "t.cypher",
            "CREATE (:A)-[:R]->(:B {k: 1}), (:A), (:A);\n\
             MATCH (a:A)-[:R]->(b:B) WHERE b.k > 1 RETURN a.k;\n\
             CREATE (:B), (:B), (:B);",
        );
        let spans: Vec<Span> = split_script(&file.text).into_iter().map(|(s, _)| s).collect();
        let query = "MATCH (a:A)-[:R]->(b:B) WHERE b.k > 0 RETURN a.k";
        let explain = |s: &Session| s.explain(query).expect("explains").join("\n");
        assert!(explain(&session).starts_with("cache: miss\n"));
        for span in &spans[..2] {
            session.execute_statement(&file, *span, None).map_err(|f| f.report).expect("runs");
        }
        let before = explain(&session);
        assert!(before.starts_with("cache: hit\n"), "{before}");
        assert!(before.contains("NodeByLabelScan b:B"), "{before}");
        session.execute_statement(&file, spans[2], None).map_err(|f| f.report).expect("runs");
        let after = explain(&session);
        assert!(after.starts_with("cache: hit\n"), "{after}");
        // Three more B than A: the plan no longer starts from the B.
        assert!(!after.contains("NodeByLabelScan b:B"), "{after}");
        assert!(after.contains("RelationshipsByType :R"), "{after}");
    }
}
