//! The command line: argument parsing (clap) and the commands. The only place that uses
//! `anyhow` and decides exit codes (README, "Exit codes").

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::bundled::bundled_dataset;
use crate::load::{json::export_json, load_files, print::print_graph, DataFile, LoadFailure};
use crate::model::Graph;

/// Exit code: a statement or file failed.
pub const EXIT_ERROR: u8 = 1;

#[derive(Debug, Parser)]
#[command(name = "claimgraph", version, about = "A knowledge graph in which every edge is a sourced claim")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load and validate data files and print what they hold (the bundled dataset without FILEs)
    Check { files: Vec<PathBuf> },
    /// Write the graph in another format
    Export {
        #[command(subcommand)]
        format: ExportFormat,
    },
}

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
}

pub fn main() -> ExitCode {
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
    match cli.command {
        None => {
            let graph = load(&[])?;
            println!("claimgraph: {}", crate::bundled::BUNDLED_NAME);
            println!("{}", graph.summary());
        }
        Some(Command::Check { files }) => {
            let graph = load(&files)?;
            println!("{}", graph.summary());
        }
        Some(Command::Export { format }) => match format {
            ExportFormat::Json { files, output } => {
                let graph = load(&files)?;
                let text = serde_json::to_string_pretty(&export_json(&graph))? + "\n";
                write_output(output.as_deref(), &text)?;
            }
            ExportFormat::Kg { files, output } => {
                let graph = load(&files)?;
                write_output(output.as_deref(), &print_graph(&graph))?;
            }
        },
    }
    Ok(ExitCode::SUCCESS)
}

/// Loads the named files, or the bundled dataset when there are none.
pub fn load(files: &[PathBuf]) -> anyhow::Result<Graph> {
    let data = if files.is_empty() {
        vec![bundled_dataset()]
    } else {
        files
            .iter()
            .map(|p| DataFile::read(p).with_context(|| format!("cannot read {}", p.display())))
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    let mut graph = Graph::new();
    load_files(&mut graph, &data)?;
    Ok(graph)
}

/// Writes to a file atomically (temporary file, fsync, rename) or to standard output.
pub fn write_output(path: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match path {
        Some(p) => crate::save::write_atomically(p, text.as_bytes())
            .with_context(|| format!("cannot write {}", p.display())),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                // A closed pipe (`| head`) is not an error worth reporting.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.context("cannot write to standard output"),
            }
        }
    }
}
