//! The interactive shell, the default when `claimgraph` runs without a command.
//!
//! Statements end with `;` and may span lines; `:` commands end at the line's end. History
//! lives in `dirs::data_dir()/claimgraph/history` (or `$CLAIMGRAPH_HISTORY`). Ctrl-C while
//! a query runs sets the session's cancel flag (a `ctrlc` handler; the terminal is in cooked
//! mode then); Ctrl-C at the prompt clears the input; Ctrl-D leaves.

pub(crate) mod commands;
pub(crate) mod helper;
mod review;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{
    Cmd, ConditionalEventHandler, Config, Editor, Event, EventContext, EventHandler, KeyEvent, RepeatCount,
};

use crate::diagnostics::SourceFile;
use crate::output::terminal_width;
use crate::session::Session;

use commands::{run_command, After};
use helper::{ReplHelper, Vocabulary};

const PROMPT: &str = "claimgraph> ";
const CONTINUATION_NOTE: &str = "         -> ";
/// How many journal entries `:history` shows.
const HISTORY_SHOWN: usize = 100;

/// Where history is kept.
fn history_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CLAIMGRAPH_HISTORY") {
        return Some(PathBuf::from(p));
    }
    dirs::data_dir().map(|d| d.join("claimgraph").join("history"))
}

/// Records whether Ctrl-C came at an empty prompt, then interrupts as usual.
struct InterruptWatcher {
    at_empty_prompt: Arc<AtomicBool>,
}

impl ConditionalEventHandler for InterruptWatcher {
    fn handle(&self, _evt: &Event, _n: RepeatCount, _positive: bool, ctx: &EventContext) -> Option<Cmd> {
        self.at_empty_prompt.store(ctx.line().is_empty(), Ordering::SeqCst);
        Some(Cmd::Interrupt)
    }
}

/// Runs the shell on `session` until Ctrl-D or `:exit`; `source_name` names the data it
/// was opened on, for the banner.
pub(crate) fn run_repl(mut session: Session, source_name: &str) -> Result<ExitCode, ReadlineError> {
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    session.color = color;
    session.timing = true;
    // Take the writer lock now, so a second shell learns at once that it only reads.
    let read_only = session.workspace.as_mut().and_then(|w| w.acquire_writer().err());
    let s = session.graph.summary();
    println!(
        "claimgraph {} — {source_name}: {}. Type :help for help.",
        env!("CARGO_PKG_VERSION"),
        s.counts()
    );
    if let Some(e) = read_only {
        println!("read-only: {}; statements that change the graph will fail", e.message);
    }

    let config = Config::builder().auto_add_history(false).history_ignore_dups(true)?.build();
    let mut editor: Editor<ReplHelper, FileHistory> = Editor::with_config(config)?;
    let mut vocabulary = Vocabulary::of(&session.graph);
    vocabulary.params = session.params.keys().cloned().collect();
    editor.set_helper(Some(ReplHelper::new(vocabulary, color)));
    let at_empty_prompt = Arc::new(AtomicBool::new(false));
    editor.bind_sequence(
        KeyEvent::ctrl('C'),
        EventHandler::Conditional(Box::new(InterruptWatcher {
            at_empty_prompt: Arc::clone(&at_empty_prompt),
        })),
    );
    let history = history_path();
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }

    // Ctrl-C while a statement runs: the terminal is in cooked mode, so it arrives as SIGINT.
    let cancel = Arc::clone(&session.cancel);
    if let Err(e) = ctrlc::set_handler(move || cancel.store(true, Ordering::SeqCst)) {
        eprintln!("warning: Ctrl-C cannot cancel queries ({e})");
    }

    let mut stdout = std::io::stdout();
    let mut stderr = std::io::stderr();
    let mut entered = 0usize;
    loop {
        session.width = terminal_width();
        let line = match editor.readline(PROMPT) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => {
                if at_empty_prompt.swap(false, Ordering::SeqCst) {
                    println!("(to leave, press Ctrl-D or type :exit)");
                }
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("error: {e}");
                break;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let _ = editor.add_history_entry(line.as_str());
        if let Some(h) = &history {
            save_history(&mut editor, h);
        }
        if line.trim_start().starts_with(':') {
            match run_command(&line, &mut session, &mut stdout, &mut stderr) {
                After::Exit => break,
                After::ClearScreen => {
                    let _ = editor.clear_screen();
                }
                After::ShowHistory => match session.journal_lines(HISTORY_SHOWN) {
                    Some(Ok(lines)) if lines.is_empty() => println!("the journal is empty"),
                    Some(Ok(lines)) => lines.iter().for_each(|l| println!("{l}")),
                    Some(Err(e)) => eprintln!("error: {e}"),
                    None => {
                        for (i, entry) in editor.history().iter().enumerate() {
                            println!(
                                "{:>4}  {}",
                                i + 1,
                                entry.replace('\n', &format!("\n{CONTINUATION_NOTE}"))
                            );
                        }
                    }
                },
                After::Review(path) => review::run(&path, &mut editor, &mut session, color),
                After::Continue => {}
            }
        } else {
            entered += 1;
            let file = SourceFile::new(format!("<input {entered}>"), line);
            let summary = session.execute_script(&file, &mut stdout, &mut stderr);
            session.finish_json(&mut stdout);
            if summary.cancelled {
                eprintln!("query cancelled");
            }
        }
        if let Some(h) = editor.helper_mut() {
            h.vocabulary = Vocabulary::of(&session.graph);
            h.vocabulary.params = session.params.keys().cloned().collect();
        }
        let _ = stdout.flush();
    }
    if let Some(h) = &history {
        save_history(&mut editor, h);
    }
    Ok(ExitCode::SUCCESS)
}

fn save_history(editor: &mut Editor<ReplHelper, FileHistory>, path: &std::path::Path) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = editor.save_history(path);
}
