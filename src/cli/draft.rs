//! The command line's `draft` command: reads an article, drafts declarations, writes them
//! (and, with `--score GOLD`, measures them against a hand encoding).

use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use crate::diagnostics::{render_plain, report_in, SourceFile};
use crate::draft::{review, score, DraftOptions, Lexicon};
use crate::load::{load_files, DataFile};
use crate::model::{DateValue, Graph, Value};

/// `claimgraph draft` arguments.
#[derive(Debug, clap::Args)]
pub struct DraftArgs {
    /// The article, as plain text
    pub article: PathBuf,
    /// The document's id (default: from the file name)
    #[arg(long)]
    pub document: Option<String>,
    /// When the article was published (`2018-02-15`, `2018-02`): anchors dates without a year
    #[arg(long, value_name = "DATE")]
    pub published: Option<String>,
    /// Write the draft here (default: standard output); rejections are read from FILE.rejected
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// A cue lexicon of your own, added to the bundled ones in data/draft/ (repeatable)
    #[arg(long = "lexicon", value_name = "FILE")]
    pub lexicons: Vec<PathBuf>,
    /// Measure the draft against a hand encoding of the article and print the scores
    #[arg(long, value_name = "GOLD.kg")]
    pub score: Option<PathBuf>,
}

pub fn run(args: &DraftArgs, session: &super::SessionArgs) -> anyhow::Result<ExitCode> {
    let text = SourceFile::read(&args.article)?.text.to_string();
    let mut lex = Lexicon::bundled();
    for path in &args.lexicons {
        let content = SourceFile::read(path)?.text.to_string();
        if let Err(e) = lex.add_file(&path.display().to_string(), &content) {
            let file = SourceFile::new(path.display().to_string(), content);
            anyhow::bail!("{}", render_plain(&report_in(&file, e)));
        }
    }
    // The open graph: the workspace or what `--data` names (nothing by default), so known
    // entities keep their ids.
    let graph = known_graph(session)?;
    let published = match &args.published {
        None => None,
        Some(p) => match crate::syntax::decl::parse_value(&format!("@{}", p.trim_start_matches('@'))) {
            Ok(Value::Date(DateValue::Absolute(d))) => Some(d),
            _ => anyhow::bail!("--published {p}: expected a date such as 2018-02-15, 2018-02 or 2018"),
        },
    };
    let out_dir = match &args.output {
        Some(o) => o.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf(),
        None => PathBuf::from("."),
    };
    let stem =
        args.article.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| "article".into());
    let options = DraftOptions {
        document_id: args.document.clone().unwrap_or_else(|| crate::draft::slug(&stem)),
        document_name: args.article.file_name().map(|s| s.to_string_lossy().to_string()).unwrap_or(stem),
        text_path: relative_path(&args.article, &out_dir),
        published,
        rejected: args
            .output
            .as_deref()
            .map(|o| review::load_rejected(&review::rejected_path(o)))
            .unwrap_or_default(),
    };
    let draft = crate::draft::draft(&text, &graph, &lex, &options);
    let kg = draft.to_kg(&args.article.display().to_string());
    if let Some(gold_path) = &args.score {
        let gold_file = DataFile::read(gold_path)?;
        let mut gold = Graph::new();
        load_files(&mut gold, &[gold_file])?;
        let mut drafted = known_graph(session)?;
        load_files(&mut drafted, &[DataFile::new("<draft>", kg.clone(), Some(out_dir.clone()))])?;
        let scores = score::score(&text, &gold, &drafted);
        let mut report = format!(
            "draft of {} scored against {}\n\n{}",
            args.article.display(),
            gold_path.display(),
            scores.table()
        );
        for (title, lines) in [
            ("missed", &scores.missed),
            ("wrong status", &scores.wrong_status),
            ("not in gold", &scores.extra),
        ] {
            report.push_str(&format!("\n{title} ({}):\n", lines.len()));
            for l in lines {
                report.push_str(&format!("  {l}\n"));
            }
        }
        super::write_output(None, &report)?;
        if let Some(o) = &args.output {
            super::write_output(Some(o), &kg)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    super::write_output(args.output.as_deref(), &kg)?;
    if let Some(o) = &args.output {
        eprintln!(
            "{}: {} drafts{}; review them in the shell with :review {}",
            o.display(),
            draft.items.len(),
            if draft.rejected_before > 0 {
                format!(" ({} rejected before, left out)", draft.rejected_before)
            } else {
                String::new()
            },
            o.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The graph whose names a draft reuses: `--workspace` (read, not written), the `--data`
/// files, or an empty graph.
fn known_graph(session: &super::SessionArgs) -> anyhow::Result<Graph> {
    match (&session.workspace, session.data.is_empty()) {
        (Some(path), _) => Ok(super::open_workspace(path)?.1),
        (None, true) => Ok(Graph::new()),
        (None, false) => super::load(&session.data),
    }
}

/// `target` as a path relative to `from` (a folder); absolute when they share no root.
fn relative_path(target: &Path, from: &Path) -> String {
    let (Ok(t), Ok(f)) = (std::fs::canonicalize(target), std::fs::canonicalize(from)) else {
        return target.display().to_string();
    };
    let tc: Vec<Component> = t.components().collect();
    let fc: Vec<Component> = f.components().collect();
    let common = tc.iter().zip(&fc).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return t.display().to_string();
    }
    let mut rel = PathBuf::new();
    for _ in common..fc.len() {
        rel.push("..");
    }
    for c in &tc[common..] {
        rel.push(c.as_os_str());
    }
    rel.display().to_string()
}
