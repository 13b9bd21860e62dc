//! The command line: argument parsing (clap) and the commands. The only place that uses
//! `anyhow` and decides exit codes: 0 success, 1 a statement or file failed, 2 usage error
//! (clap), 3 contradictions found by `check`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::bundled::bundled_dataset;
use crate::diagnostics::SourceFile;
use crate::export::dot::{graph_to_dot, output_to_dot, render_with_graphviz, ClusterBy, DotOptions};
use crate::load::{json::export_json_at, load_files_checked, print::print_graph_at, DataFile, LoadFailure};
use crate::model::Graph;
use crate::output::OutputFormat;
use crate::session::{Session, StatementFailure};

mod draft;

/// Exit code: a statement or file failed.
pub const EXIT_ERROR: u8 = 1;
/// Exit code: `check` found contradictions.
pub const EXIT_CONTRADICTIONS: u8 = 3;

#[derive(Debug, Parser)]
#[command(
    name = "claimgraph",
    version,
    about = "A knowledge graph in which every edge is a sourced claim",
    long_about = "A knowledge graph in which every edge is a sourced claim.\n\n\
                  Without a command, opens the interactive shell on the bundled dataset (or --data FILE...)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub session: SessionArgs,
}

/// Options shared by the shell, `run` and `query`.
#[derive(Debug, Args, Clone)]
pub struct SessionArgs {
    /// A data file to load instead of the bundled dataset (repeat for several); changes stay in memory
    #[arg(long, value_name = "FILE", global = true)]
    pub data: Vec<PathBuf>,
    /// A workspace (made by `claimgraph init`) to open: every statement is saved as it runs.
    /// A file, or a shared workspace's `postgres://` URL (default: $CLAIMGRAPH_DATABASE_URL)
    #[arg(long, value_name = "FILE|URL", global = true, conflicts_with = "data")]
    pub workspace: Option<PathBuf>,
    /// How to print results
    #[arg(long, value_enum, default_value_t = OutputFormat::Table, global = true)]
    pub format: OutputFormat,
    /// A query parameter, `name=value`; the value is a literal (`5`, `'text'`, `~100`, `@2018-02`)
    #[arg(long = "param", value_name = "NAME=VALUE", global = true)]
    pub params: Vec<String>,
    /// Print how long each query took
    #[arg(long, global = true)]
    pub timing: bool,
    /// The most memory one query may hold (`512MiB`, `4GiB`); a query that needs more ends
    /// with a ResourceError. Default: a quarter of the machine's memory, at most a third of
    /// what `ulimit -v` leaves
    #[arg(long, value_name = "SIZE", global = true, value_parser = crate::query::MemoryBudget::parse)]
    pub memory_budget: Option<crate::query::MemoryBudget>,
    /// How long one statement may run (`30s`, `2m`, `off`); a statement that runs longer
    /// ends with a ResourceError and keeps none of its writes. Default: 5s
    #[arg(long, value_name = "DURATION", global = true, value_parser = crate::query::TimeLimit::parse)]
    pub time_limit: Option<crate::query::TimeLimit>,
}

/// Whether a script stops at its first failing statement.
#[derive(Debug, Args, Clone, Copy)]
pub struct FailureArgs {
    /// Stop at the first failing statement (the default)
    #[arg(long, overrides_with = "keep_going")]
    pub fail_fast: bool,
    /// Run every statement even after one fails (the exit code is still 1)
    #[arg(long, overrides_with = "fail_fast")]
    pub keep_going: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run script files of statements in order (`-` reads standard input)
    Run {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        failure: FailureArgs,
        /// Save the whole run as one transaction: everything or, if a statement fails, nothing
        #[arg(long, short = '1', conflicts_with = "keep_going")]
        single_transaction: bool,
    },
    /// Create a workspace: a file (or an empty PostgreSQL database, `postgres://…`) that
    /// keeps the graph and every statement's change
    Init {
        #[arg(value_name = "FILE|URL")]
        file: PathBuf,
        /// Data files to start from (`.kg` or `.json`); without them, the workspace starts empty
        #[arg(long, value_name = "DATA")]
        from: Vec<PathBuf>,
    },
    /// Copy a workspace, journal and all, into a new one: a file to a PostgreSQL database
    /// (`postgres://…`, empty), back, or to the same kind; the copy is exact
    Copy {
        #[arg(value_name = "FROM")]
        from: PathBuf,
        #[arg(value_name = "TO")]
        to: PathBuf,
    },
    /// Run one statement (or several, separated by `;`)
    Query {
        statement: String,
        #[command(flatten)]
        failure: FailureArgs,
    },
    /// Load and validate data files, print what they hold and the contradictions between
    /// sources (the bundled dataset without FILEs); exit code 3 when any finding is open
    Check { files: Vec<PathBuf> },
    /// Write the graph in another format
    Export {
        #[command(subcommand)]
        format: ExportFormat,
    },
    /// Load claims from a CSV or TSV sheet (one row per attestation) into the graph of
    /// --data and write the result, or into --workspace (saved as one transaction); see
    /// docs/interop.md for the columns
    Import {
        /// The sheet (`.tsv` or `.tab` is tab-separated)
        file: PathBuf,
        /// Read a field from a column with another header: FIELD=HEADER (subject=Actor,
        /// property:killed=Dead); repeatable
        #[arg(long = "column", value_name = "FIELD=HEADER")]
        columns: Vec<String>,
        /// The cell separator (one character, `tab` for a tab)
        #[arg(long)]
        delimiter: Option<String>,
        /// Load the good rows and list the bad ones (the exit code is still 1)
        #[arg(long)]
        keep_going: bool,
        /// Write the graph here (`.json` for JSON, else declarations) instead of standard output
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Draft declarations from an article's text, for review in the shell (`:review FILE`)
    Draft(draft::DraftArgs),
    /// Write a deterministic synthetic graph (language, CSV, N-Quads) for benchmarks
    Gen {
        #[arg(long)]
        claims: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
}

/// How `check` prints its findings.
#[derive(Debug, Subcommand)]
pub enum ExportFormat {
    /// The whole graph as one JSON document (schema in README)
    Json {
        files: Vec<PathBuf>,
        /// Write to this file instead of standard output
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// The whole graph as declaration statements (a data file)
    Kg {
        files: Vec<PathBuf>,
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Graphviz DOT of the whole graph or of the subgraph a query returns
    Dot {
        files: Vec<PathBuf>,
        /// Draw only the nodes, relationships and paths this query returns
        #[arg(long)]
        query: Option<String>,
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Render with Graphviz instead of writing DOT text
        #[arg(long, value_parser = ["svg", "png", "pdf"])]
        render: Option<String>,
        /// Group nodes into boxes
        #[arg(long, value_enum)]
        clusters: Option<ClusterBy>,
        /// Draw attribution chains (VIA), dotted
        #[arg(long)]
        chains: bool,
        /// Draw the disputes instead: each question with its positions and the voices
        /// behind them
        #[arg(long)]
        disputes: bool,
        /// With --disputes: only the disputes about this entity, source, document or claim
        /// id, or the dispute with this id (`D-…`)
        #[arg(long, value_name = "ID", requires = "disputes")]
        about: Option<String>,
    },
    /// Claims as a spreadsheet, one row per attestation (what `import` reads)
    Csv {
        files: Vec<PathBuf>,
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Separate cells with tabs
        #[arg(long)]
        tsv: bool,
    },
    /// A folder for Kùzu: schema.cypher, CSV files and copy.cypher (COPY FROM)
    Kuzu {
        files: Vec<PathBuf>,
        /// The folder to write (created if missing)
        #[arg(short, long, required = true)]
        output: PathBuf,
    },
    /// A folder of CSV files in neo4j-admin import's format, with import.sh
    Neo4j {
        files: Vec<PathBuf>,
        /// The folder to write (created if missing)
        #[arg(short, long, required = true)]
        output: PathBuf,
    },
    /// A script of parameterised CREATE/MERGE statements for cypher-shell (Neo4j)
    Cypher {
        files: Vec<PathBuf>,
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// GraphML for Gephi, yEd and networkx, contested claims marked
    Graphml {
        files: Vec<PathBuf>,
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// RDF 1.2 with PROV-O: each claim a reified triple, each attestation a prov:Entity
    Rdf {
        files: Vec<PathBuf>,
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// The base of every data IRI (ends with `/` or `#`)
        #[arg(long, default_value = crate::export::rdf::DEFAULT_BASE)]
        base: String,
        #[arg(long, value_enum, default_value_t = crate::export::rdf::RdfSyntax::Trig)]
        syntax: crate::export::rdf::RdfSyntax,
    },
    /// FollowTheMoney entities, one JSON object per line
    Ftm {
        files: Vec<PathBuf>,
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

pub fn main() -> ExitCode {
    // The whole program runs on one thread with room for any statement's recursion, so a
    // statement runs on that stack directly rather than mapping (and page-faulting in) a
    // fresh one each time: that cost more than a point lookup. If the thread cannot start,
    // statements still get their stack one by one (see `query::on_query_thread`).
    let program = std::thread::Builder::new()
        .name("claimgraph".into())
        .stack_size(crate::query::PROGRAM_STACK)
        .spawn(main_here);
    match program {
        // A panic has printed its message already; 101 is Rust's exit code for one.
        Ok(thread) => thread.join().unwrap_or_else(|_| ExitCode::from(101)),
        Err(_) => main_here(),
    }
}

fn main_here() -> ExitCode {
    crate::storage::prepare_process();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if let Some(failure) = e.downcast_ref::<LoadFailure>() {
                eprint!("{failure}");
            } else {
                eprintln!("error: {e:#}");
            }
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut args = cli.session;
    // A team's shared workspace, named once in the environment (like psql's PGDATABASE).
    if args.workspace.is_none() && args.data.is_empty() {
        if let Some(url) = std::env::var_os("CLAIMGRAPH_DATABASE_URL").filter(|u| !u.is_empty()) {
            args.workspace = Some(PathBuf::from(url));
        }
    }
    match cli.command {
        None => {
            // Without a graph named, the shell works in the default workspace, so typed work
            // is kept.
            let mut args = args.clone();
            if args.workspace.is_none() && args.data.is_empty() {
                args.workspace = Some(default_workspace()?);
            }
            let session = session_from_args(&args)?;
            let source_name = match &args.workspace {
                Some(w) => format!("workspace {}", crate::storage::describe(w)),
                None => join_paths(&args.data),
            };
            Ok(crate::repl::run_repl(session, &source_name)?)
        }
        Some(Command::Run { files, failure, single_transaction }) => {
            let mut scripts = Vec::new();
            for f in &files {
                scripts.push(read_script(f)?);
            }
            run_scripts(&args, failure, &scripts, single_transaction)
        }
        Some(Command::Copy { from, to }) => {
            let copied = crate::storage::copy(&from, &to).map_err(storage_error)?;
            println!(
                "copied {} to {}: {} rows, {} journal entries",
                crate::storage::describe(&from),
                crate::storage::describe(&to),
                copied.rows,
                copied.journal
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Query { statement, failure }) => {
            run_scripts(&args, failure, &[SourceFile::new("<query>", statement)], false)
        }
        Some(Command::Init { file, from }) => {
            let graph = if from.is_empty() { Graph::new() } else { load(&from)? };
            let origin = from.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" ");
            crate::storage::create(&file, &graph, &init_entry(&origin)).map_err(storage_error)?;
            let s = graph.summary();
            println!("created {}: {}", crate::storage::describe(&file), s.counts());
            std::mem::forget(graph);
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Check { files }) => {
            // `--data` names the graph as it does for the other commands; FILEs add to it.
            let graph = load_graph(&with_data(&args, files), &args)?;
            let analysis = crate::check::analyse(&graph);
            let text = match args.format {
                OutputFormat::Table | OutputFormat::Csv | OutputFormat::Markdown => {
                    // Names in findings are data: escaped so they cannot drive the terminal.
                    let table =
                        crate::diagnostics::escape_controls(&crate::check::report_table(&graph, &analysis));
                    format!("{}\n\n{table}", graph.summary())
                }
                OutputFormat::Json => {
                    let mut report = crate::check::report_json(&graph, &analysis);
                    report["summary"] = summary_json(&graph.summary());
                    serde_json::to_string_pretty(&report)? + "\n"
                }
            };
            write_output(None, &text)?;
            let open = analysis.findings.iter().any(|f| f.is_open());
            // The process ends here: freeing a large graph allocation by allocation takes
            // a noticeable share of a big load's time and returns nothing to anyone.
            std::mem::forget(graph);
            std::mem::forget(analysis);
            if open {
                return Ok(ExitCode::from(EXIT_CONTRADICTIONS));
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Export { format }) => {
            export(format, &args)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Import { file, columns, delimiter, keep_going, output }) => {
            import(&args, &file, &columns, delimiter.as_deref(), keep_going, output.as_deref())
        }
        Some(Command::Draft(draft)) => draft::run(&draft, &args),
        Some(Command::Gen { claims, seed, out }) => {
            crate::gen::generate(claims, seed, &out)
                .with_context(|| format!("cannot write {}", out.display()))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The files a command reads: `--data` files, then the command's own.
fn with_data(args: &SessionArgs, files: Vec<PathBuf>) -> Vec<PathBuf> {
    args.data.iter().cloned().chain(files).collect()
}

/// The folder a written file will be in (document texts are written relative to it): the
/// output file's folder, or the current one for standard output.
fn output_dir(output: Option<&Path>) -> PathBuf {
    match output.and_then(Path::parent) {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The summary's counts as JSON (`check --format json`).
fn summary_json(s: &crate::model::Summary) -> serde_json::Value {
    serde_json::json!({
        "entities": s.entities,
        "sources": s.sources,
        "documents": s.documents,
        "claims": s.claims,
        "attestations": s.attestations,
        "quotes": s.quotes,
        "unverified_quotes": s.unverified_quotes,
        "documents_without_text": s.documents_without_text,
        "denials": s.denials,
        "constraints": s.constraints,
    })
}

fn export(format: ExportFormat, args: &SessionArgs) -> anyhow::Result<()> {
    let data = |files: Vec<PathBuf>| if files.is_empty() { args.data.clone() } else { files };
    match format {
        ExportFormat::Csv { files, output, tsv } => {
            let graph = load_graph(&data(files), args)?;
            write_output(
                output.as_deref(),
                &crate::export::table::claims_table(&graph, if tsv { b'\t' } else { b',' }),
            )
        }
        ExportFormat::Kuzu { files, output } => {
            let graph = load_graph(&data(files), args)?;
            crate::export::kuzu::write_kuzu(&graph, &output)
                .with_context(|| format!("cannot write {}", output.display()))
        }
        ExportFormat::Neo4j { files, output } => {
            let graph = load_graph(&data(files), args)?;
            crate::export::neo4j::write_neo4j_csv(&graph, &output)
                .with_context(|| format!("cannot write {}", output.display()))
        }
        ExportFormat::Cypher { files, output } => write_output(
            output.as_deref(),
            &crate::export::neo4j::cypher_script(&load_graph(&data(files), args)?),
        ),
        ExportFormat::Graphml { files, output } => {
            let bytes = crate::export::graphml::graph_to_graphml(&load_graph(&data(files), args)?)?;
            write_output_bytes(output.as_deref(), &bytes)
        }
        ExportFormat::Rdf { files, output, base, syntax } => {
            crate::export::rdf::check_base(&base).map_err(anyhow::Error::msg)?;
            let bytes = crate::export::rdf::graph_to_rdf(&load_graph(&data(files), args)?, &base, syntax)?;
            write_output_bytes(output.as_deref(), &bytes)
        }
        ExportFormat::Ftm { files, output } => write_output(
            output.as_deref(),
            &crate::export::ftm::graph_to_ftm(&load_graph(&data(files), args)?),
        ),
        ExportFormat::Json { files, output } => {
            let graph = load_graph(&with_data(args, files), args)?;
            let json = export_json_at(&graph, Some(&output_dir(output.as_deref())));
            let text = serde_json::to_string_pretty(&json)? + "\n";
            write_output(output.as_deref(), &text)
        }
        ExportFormat::Kg { files, output } => {
            let graph = load_graph(&with_data(args, files), args)?;
            write_output(output.as_deref(), &print_graph_at(&graph, Some(&output_dir(output.as_deref()))))
        }
        ExportFormat::Dot { files, query, output, render, clusters, chains, disputes, about } => {
            let mut graph = load_graph(&with_data(args, files), args)?;
            let options = DotOptions { clusters, chains };
            let text = match query {
                None if disputes => {
                    let analysis = crate::check::analyse(&graph);
                    let chosen: Vec<&crate::check::Dispute> = match about.as_deref() {
                        None => analysis.disputes.iter().collect(),
                        Some(id) if id.starts_with("D-") => {
                            let found: Vec<_> = analysis.disputes.iter().filter(|d| d.id == id).collect();
                            if found.is_empty() {
                                anyhow::bail!("no dispute '{id}'");
                            }
                            found
                        }
                        Some(id) => {
                            let target =
                                crate::check::about_target(&graph, id).map_err(anyhow::Error::msg)?;
                            crate::check::filter_disputes(&graph, &analysis, Some(target), None)
                        }
                    };
                    crate::export::dot::disputes_to_dot(&graph, &chosen, &analysis.findings)
                }
                Some(_) if disputes => anyhow::bail!("--disputes draws the disputes; it takes no --query"),
                None => {
                    let progress =
                        progress_bar((graph.entity_count() + graph.claim_count()) as u64, "exporting");
                    let text = graph_to_dot(&graph, options, &progress);
                    progress.finish_and_clear();
                    text
                }
                Some(q) => {
                    let params = parse_params(&args.params)?;
                    let cancel = crate::query::CancelFlag::new(false);
                    let mut caller = crate::query::Caller::default();
                    caller.memory_budget = args.memory_budget.unwrap_or(caller.memory_budget);
                    caller.time_limit = args.time_limit.unwrap_or(caller.time_limit);
                    let out = crate::query::execute_as(&caller, &mut graph, &q, &params, &cancel)
                        .map_err(|e| anyhow::anyhow!("query failed: {e}"))?;
                    output_to_dot(&graph, &out, options)
                }
            };
            match render {
                None => write_output(output.as_deref(), &text),
                Some(fmt) => {
                    let bytes = render_with_graphviz(&text, &fmt)?;
                    match output {
                        Some(p) => crate::save::write_atomically(&p, &bytes)
                            .with_context(|| format!("cannot write {}", p.display())),
                        None => write_bytes(&bytes),
                    }
                }
            }
        }
    }
}

/// A progress bar on standard error, drawn only on an interactive terminal and only for
/// large jobs.
pub(crate) fn progress_bar(len: u64, message: &'static str) -> indicatif::ProgressBar {
    const LARGE: u64 = 50_000;
    if len < LARGE || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} ({eta})") {
        bar.set_style(style);
    }
    bar.set_message(message);
    bar
}

fn read_script(path: &Path) -> anyhow::Result<SourceFile> {
    Ok(SourceFile::read(path)?)
}

/// Builds a session from the shared options (loads data or opens the workspace, parses
/// parameters): the shell, `run` and `query` all start from it.
pub(crate) fn session_from_args(args: &SessionArgs) -> anyhow::Result<Session> {
    let params = parse_params(&args.params)?;
    let mut session = match &args.workspace {
        Some(path) => {
            let (store, graph) = open_workspace(path)?;
            let mut session = Session::new(graph);
            if let Some(user) = store.user() {
                session.user = user;
            }
            session.workspace = Some(store);
            session
        }
        None => Session::new(load(&args.data)?),
    };
    session.params = params;
    session.format = args.format;
    session.timing = args.timing;
    if let Some(budget) = args.memory_budget {
        session.memory_budget = budget;
    }
    if let Some(limit) = args.time_limit {
        session.time_limit = limit;
    }
    Ok(session)
}

fn run_scripts(
    args: &SessionArgs,
    failure: FailureArgs,
    scripts: &[SourceFile],
    single_transaction: bool,
) -> anyhow::Result<ExitCode> {
    let mut session = session_from_args(args)?;
    if single_transaction {
        session.begin_transaction();
    }
    session.fail_fast = !failure.keep_going;
    session.color = std::io::stderr().is_terminal();
    if std::io::stdout().is_terminal() {
        session.width = crate::output::terminal_width();
    }
    let mut out = std::io::stdout().lock();
    let mut err = diagnostics_stream();
    let mut failed = false;
    for script in scripts {
        let summary = session.execute_script(script, &mut out, &mut err);
        failed |= summary.failed > 0;
        if failed && session.fail_fast {
            break;
        }
    }
    if single_transaction {
        if let Err(report) = session.end_transaction(!failed) {
            let _ = write!(err, "{}", crate::diagnostics::render_for_terminal(&report, session.color));
            failed = true;
        } else if failed && session.workspace.is_some() {
            let _ = writeln!(err, "nothing was saved: the run was one transaction and a statement failed");
        }
    }
    session.finish_json(&mut out);
    // The process ends here: freeing a large graph allocation by allocation returns nothing
    // to anyone (the workspace, if any, is still closed properly).
    std::mem::forget(std::mem::take(&mut session.graph));
    Ok(if failed { ExitCode::from(EXIT_ERROR) } else { ExitCode::SUCCESS })
}

/// Standard error for a run's diagnostics, locked for each write rather than for the whole
/// run: another thread's panic message (the check's workers, a query's) goes to standard
/// error, and would wait forever on a lock held by the main thread while it waits for
/// that thread.
fn diagnostics_stream() -> impl Write {
    std::io::stderr()
}

/// Parses `name=value` parameters; values are literals of the language.
pub(crate) fn parse_params(raw: &[String]) -> anyhow::Result<crate::query::Params> {
    let mut params = crate::query::Params::new();
    for p in raw {
        let Some((name, value)) = p.split_once('=') else {
            anyhow::bail!("parameter `{p}` is not NAME=VALUE");
        };
        let (name, value) = crate::session::parse_param(name, value).map_err(anyhow::Error::msg)?;
        params.insert(name, value);
    }
    Ok(params)
}

fn join_paths(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}

/// Loads the named files, or the bundled dataset when there are none.
pub fn load(files: &[PathBuf]) -> anyhow::Result<Graph> {
    let data = if files.is_empty() {
        vec![bundled_dataset()]
    } else {
        files.iter().map(|p| Ok(DataFile::read(p)?)).collect::<anyhow::Result<Vec<_>>>()?
    };
    let total: usize = data.iter().map(|d| d.source.text.len()).sum();
    let spinner = if total > 5_000_000 && std::io::stderr().is_terminal() {
        let s = indicatif::ProgressBar::new_spinner();
        s.set_message(format!("loading {} MB", total / 1_000_000));
        s.enable_steady_tick(std::time::Duration::from_millis(100));
        s
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut graph = Graph::new();
    let result = load_files_checked(&mut graph, &data, Some(crate::check::finding_ids));
    spinner.finish_and_clear();
    result?;
    Ok(graph)
}

/// Writes to a file atomically (temporary file, fsync, rename) or to standard output.
pub fn write_output(path: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match path {
        Some(p) => crate::save::write_atomically(p, text.as_bytes())
            .with_context(|| format!("cannot write {}", p.display())),
        None => write_bytes(text.as_bytes()),
    }
}

/// [`write_output`] for bytes.
fn write_output_bytes(path: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match path {
        Some(p) => {
            crate::save::write_atomically(p, bytes).with_context(|| format!("cannot write {}", p.display()))
        }
        None => write_bytes(bytes),
    }
}

/// `claimgraph import`: a sheet's claims into the graph of `--data`, each row whole or not
/// at all; the result is written only when every row loaded, or with `--keep-going`.
fn import(
    args: &SessionArgs,
    file: &Path,
    columns: &[String],
    delimiter: Option<&str>,
    keep_going: bool,
    output: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    use crate::load::table::{self, Mapping};
    let name = file.display().to_string();
    let mut mapping = Mapping::for_file(&name);
    for c in columns {
        mapping.rename(c).map_err(anyhow::Error::msg)?;
    }
    if let Some(d) = delimiter {
        mapping.delimiter = match d {
            "tab" | "\\t" => b'\t',
            d if d.len() == 1 => d.as_bytes()[0],
            _ => anyhow::bail!("the delimiter must be one ASCII character or `tab`"),
        };
    }
    let sheet = DataFile::read(file).with_context(|| format!("cannot read {name}"))?;
    let rows = |n: usize| if n == 1 { "1 row".to_string() } else { format!("{n} rows") };
    let report = |errors: &[table::RowError]| {
        for e in errors {
            eprintln!("{}", e.line(&name));
        }
    };
    let nothing = |errors: usize| {
        format!("nothing imported: {} with errors (--keep-going loads the others)", rows(errors))
    };
    if let Some(workspace) = &args.workspace {
        if output.is_some() {
            anyhow::bail!("--workspace keeps the import in the workspace; -o writes a file from --data");
        }
        // The rows go into the workspace's graph, saved as one transaction: all the rows that
        // loaded, or (with an error and no --keep-going) none.
        let mut session = session_from_args(args)?;
        let statement = format!("import {name}");
        // Why the transaction was given up, when it was the sheet's fault (said plainly).
        let mut refused: Option<String> = None;
        let imported = session.transact("import", &statement, |s| {
            let plain =
                |message: String| StatementFailure { report: miette::Report::msg(message), cancelled: false };
            let (loaded, errors) =
                table::import(&mut s.graph, &[], &sheet, &mapping).map_err(|f| plain(f.to_string()))?;
            report(&errors);
            if !errors.is_empty() && !keep_going {
                refused = Some(nothing(errors.len()));
                return Err(plain(nothing(errors.len())));
            }
            Ok((loaded, errors.len()))
        });
        return match imported {
            Ok((loaded, skipped)) => {
                eprintln!(
                    "{} imported into {}, {} skipped",
                    rows(loaded),
                    crate::storage::describe(workspace),
                    rows(skipped)
                );
                Ok(if skipped == 0 { ExitCode::SUCCESS } else { ExitCode::from(EXIT_ERROR) })
            }
            Err(_) if refused.is_some() => {
                eprintln!("{}", refused.unwrap_or_default());
                Ok(ExitCode::from(EXIT_ERROR))
            }
            Err(failure) => {
                eprintln!("{}", crate::diagnostics::render_plain(&failure.report).trim_end());
                Ok(ExitCode::from(EXIT_ERROR))
            }
        };
    }
    let data = if args.data.is_empty() {
        vec![bundled_dataset()]
    } else {
        args.data
            .iter()
            .map(|p| DataFile::read(p).with_context(|| format!("cannot read {}", p.display())))
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    let mut graph = Graph::new();
    let (loaded, errors) = table::import(&mut graph, &data, &sheet, &mapping)?;
    report(&errors);
    if !errors.is_empty() && !keep_going {
        eprintln!("{}", nothing(errors.len()));
        return Ok(ExitCode::from(EXIT_ERROR));
    }
    // Document texts are written relative to where the output goes.
    let dir = output_dir(output);
    let text = match output {
        Some(p) if p.extension().is_some_and(|e| e == "json") => {
            serde_json::to_string_pretty(&export_json_at(&graph, Some(&dir)))? + "\n"
        }
        _ => print_graph_at(&graph, Some(&dir)),
    };
    write_output(output, &text)?;
    eprintln!("{} imported, {} skipped", rows(loaded), rows(errors.len()));
    Ok(if errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_ERROR) })
}

fn write_bytes(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        // A closed pipe (`| head`) is not an error worth reporting.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("cannot write to standard output"),
    }
}

// ---- workspaces ----------------------------------------------------------------------------

/// The journal entry of `init`.
fn init_entry(from: &str) -> crate::storage::JournalEntry {
    crate::storage::JournalEntry {
        statement: if from.is_empty() { "init".to_string() } else { format!("init --from {from}") },
        origin: "init".to_string(),
        user: crate::storage::user_name(),
    }
}

/// Opens a workspace and reads its graph.
pub(crate) fn open_workspace(path: &Path) -> anyhow::Result<(Box<dyn crate::storage::Store>, Graph)> {
    let mut store = crate::storage::open(path).map_err(storage_error)?;
    let graph = store.load().map_err(storage_error)?;
    Ok((store, graph))
}

/// The shell's default workspace, created from the bundled dataset on first use.
pub(crate) fn default_workspace() -> anyhow::Result<PathBuf> {
    let path = crate::storage::default_workspace()
        .context("no data folder to keep the workspace in; set CLAIMGRAPH_HOME or use --workspace FILE")?;
    if !path.exists() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let graph = load(&[])?;
        match crate::storage::create(&path, &graph, &init_entry(crate::bundled::BUNDLED_NAME)) {
            // Another shell created it first: use theirs.
            Err(e) if e.kind == crate::storage::StorageErrorKind::Exists => {}
            r => r.map_err(storage_error)?,
        }
    }
    Ok(path)
}

/// A storage error with its code and help, for the command line.
pub(crate) fn storage_error(e: crate::storage::StorageError) -> anyhow::Error {
    anyhow::anyhow!(crate::diagnostics::render_plain(&miette::Report::new(e)).trim_end().to_string())
}

/// The graph for `check` and `export`: files, or the workspace, or the bundled dataset.
fn load_graph(files: &[PathBuf], args: &SessionArgs) -> anyhow::Result<Graph> {
    match (&args.workspace, files.is_empty()) {
        (Some(path), true) => Ok(open_workspace(path)?.1),
        (Some(_), false) => anyhow::bail!("give either data files or --workspace, not both"),
        (None, _) => load(files),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::time::Duration;

    /// Another thread can write to standard error while a run holds its diagnostics stream.
    #[test]
    fn a_run_leaves_standard_error_to_other_threads() {
        let mut err = super::diagnostics_stream();
        let _ = err.write_all(b"");
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Not `eprint!`, which the test harness captures.
            let _ = std::io::stderr().write_all(b"");
            let _ = done.send(());
        });
        let written = finished.recv_timeout(Duration::from_secs(10));
        drop(err);
        assert!(written.is_ok(), "the other thread's write to standard error waited on the run");
    }
}
