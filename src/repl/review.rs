//! `:review DRAFT.kg`: steps through the drafts `claimgraph draft` wrote, one at a time,
//! with the sentence each comes from highlighted in its paragraph. Accepted and edited
//! drafts run as ordinary statements through the session (as if typed); rejected ones are
//! remembered beside the draft so the next `draft` run does not propose them again.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::Editor;

use super::helper::{ReplHelper, Vocabulary};
use crate::diagnostics::{render_for_terminal, report_in, SourceFile};
use crate::draft::review::{declared_id, one_line, references, remember_rejection, DraftFile, ReviewItem};
use crate::draft::PLACEHOLDER_LABEL;
use crate::session::Session;
use crate::syntax::decl::DeclStatement;

const CHOICE_PROMPT: &str = "review [a]ccept [e]dit [r]eject [s]kip [q]uit> ";
const EDIT_PROMPT: &str = "edit> ";

#[derive(Default)]
struct Tally {
    accepted: usize,
    rejected: usize,
    skipped: usize,
    present: usize,
    rejected_before: usize,
}

pub(crate) fn run(
    path: &str,
    editor: &mut Editor<ReplHelper, FileHistory>,
    session: &mut Session,
    color: bool,
) {
    let file = match DraftFile::read(Path::new(path)) {
        Ok(f) => f,
        Err((text, e)) => {
            let report = report_in(&SourceFile::new(path, text), e);
            eprint!("{}", render_for_terminal(&report, color));
            return;
        }
    };
    let base_dir = Path::new(path).parent().map(Path::to_path_buf);
    let rejected_path = file.rejected_path();
    let rejected_before = crate::draft::review::load_rejected(&rejected_path);
    let placeholders: HashSet<String> = file
        .items
        .iter()
        .filter(|i| matches!(&i.parsed, DeclStatement::Entity(e) if e.labels.iter().any(|l| l.text == PLACEHOLDER_LABEL)))
        .filter_map(|i| declared_id(&i.parsed).map(str::to_string))
        .collect();
    let total = file.items.len();
    println!("{path}: {total} drafts. For each: a accept, e edit, r reject, s skip, q quit.");
    // Answers are single letters: no statement validation or completion while choosing.
    editor.set_helper(None);
    let mut tally = Tally::default();
    let mut accepted_ids: HashSet<String> = HashSet::new();
    let mut out = std::io::stdout();
    let mut err = std::io::stderr();
    'items: for item in &file.items {
        if rejected_before.contains(&one_line(&item.statement)) {
            tally.rejected_before += 1;
            continue;
        }
        if let Some(id) = declared_id(&item.parsed) {
            if placeholders.contains(id) {
                continue; // the stand-in is never proposed on its own
            }
            if session.graph.find_entity(id).is_some() {
                tally.present += 1;
                println!("[{}/{total}] {id} is in the graph already", item.number);
                continue;
            }
        }
        show(item, total, file.article.as_deref(), color);
        loop {
            let answer = match editor.readline(CHOICE_PROMPT) {
                Ok(a) => a.trim().to_lowercase(),
                Err(ReadlineError::Interrupted | ReadlineError::Eof) => break 'items,
                Err(e) => {
                    eprintln!("error: {e}");
                    break 'items;
                }
            };
            match answer.as_str() {
                "a" | "accept" => {
                    if let Some(p) = uses_placeholder(&item.parsed, &placeholders) {
                        println!("this draft has an end to name ('{p}'): edit it first (e)");
                        continue;
                    }
                    if apply(
                        &file,
                        item,
                        &item.statement,
                        session,
                        &base_dir,
                        &rejected_before,
                        &mut accepted_ids,
                        &mut out,
                        &mut err,
                    ) {
                        tally.accepted += 1;
                        break;
                    }
                }
                "e" | "edit" => {
                    editor.set_helper(Some(ReplHelper::new(Vocabulary::of(&session.graph), color)));
                    let edited =
                        editor.readline_with_initial(EDIT_PROMPT, (&format!("{};", item.statement), ""));
                    editor.set_helper(None);
                    let Ok(edited) = edited else { continue };
                    let text = edited.trim().trim_end_matches(';').to_string();
                    let parsed = crate::draft::review::parse_items(&text)
                        .ok()
                        .and_then(|items| items.into_iter().next());
                    if let Some(p) = parsed.as_ref().and_then(|i| uses_placeholder(&i.parsed, &placeholders))
                    {
                        println!("the edited statement still names '{p}': name the real entity");
                        continue;
                    }
                    if apply(
                        &file,
                        item,
                        &text,
                        session,
                        &base_dir,
                        &rejected_before,
                        &mut accepted_ids,
                        &mut out,
                        &mut err,
                    ) {
                        tally.accepted += 1;
                        break;
                    }
                }
                "r" | "reject" => {
                    match remember_rejection(&rejected_path, &item.statement) {
                        Ok(()) => tally.rejected += 1,
                        Err(e) => eprintln!("error: cannot write {}: {e}", rejected_path.display()),
                    }
                    break;
                }
                "s" | "skip" => {
                    tally.skipped += 1;
                    break;
                }
                "q" | "quit" => break 'items,
                _ => println!(
                    "a accept, e edit (opens the statement in the line editor), r reject, s skip, q quit"
                ),
            }
        }
    }
    editor.set_helper(Some(ReplHelper::new(Vocabulary::of(&session.graph), color)));
    let mut line = format!(
        "review of {path}: {} accepted, {} rejected, {} skipped",
        tally.accepted, tally.rejected, tally.skipped
    );
    if tally.present > 0 {
        line.push_str(&format!(", {} already in the graph", tally.present));
    }
    if tally.rejected_before > 0 {
        line.push_str(&format!(", {} rejected before", tally.rejected_before));
    }
    if tally.rejected > 0 {
        line.push_str(&format!("; rejections kept in {}", rejected_path.display()));
    }
    println!("{line}");
}

/// The placeholder a statement names, if any.
fn uses_placeholder(statement: &DeclStatement, placeholders: &HashSet<String>) -> Option<String> {
    references(statement)
        .into_iter()
        .chain(declared_id(statement).map(str::to_string))
        .find(|id| placeholders.contains(id))
}

/// Runs an accepted statement as if typed, first adding the drafted entities and sources
/// it names that the graph lacks (and were not rejected). True when it went in.
#[allow(clippy::too_many_arguments)]
fn apply(
    file: &DraftFile,
    item: &ReviewItem,
    text: &str,
    session: &mut Session,
    base_dir: &Option<std::path::PathBuf>,
    rejected: &HashSet<String>,
    accepted: &mut HashSet<String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> bool {
    let statement = crate::draft::review::parse_items(text).ok().and_then(|i| i.into_iter().next());
    let needed = statement.map(|s| references(&s.parsed)).unwrap_or_default();
    for id in needed {
        if session.graph.find_entity(&id).is_some() {
            continue;
        }
        let Some(decl) = file.items.iter().find(|i| declared_id(&i.parsed) == Some(id.as_str())) else {
            continue;
        };
        if rejected.contains(&one_line(&decl.statement)) {
            continue;
        }
        // A source's chain names other sources: add those first.
        if !apply(file, decl, &decl.statement, session, base_dir, rejected, accepted, out, err) {
            return false;
        }
        let _ = writeln!(out, "  (also added {id}, which it names)");
    }
    let source =
        SourceFile::new(format!("{} draft {}", file.path.display(), item.number), format!("{text};"));
    let summary = session.execute_script_in(&source, base_dir.clone(), out, err);
    if let Some(id) = declared_id(&item.parsed) {
        accepted.insert(id.to_string());
    }
    summary.failed == 0
}

/// The draft, its notes and its sentence, highlighted in its paragraph.
fn show(item: &ReviewItem, total: usize, article: Option<&str>, color: bool) {
    let kind = item.kind.map_or("statement", |k| k.as_str());
    println!("\n[{}/{total}] {kind}", item.number);
    for note in &item.notes {
        println!("  {note}");
    }
    if let (Some((a, b)), Some(text)) = (item.sentence, article) {
        if let Some((before, sentence, after)) = crate::draft::review::paragraph_around(text, a, b) {
            let (on, off) = if color { ("\x1b[1;33m", "\x1b[0m") } else { ("»", "«") };
            let dim =
                |s: &str| if color && !s.is_empty() { format!("\x1b[2m{s}\x1b[0m") } else { s.to_string() };
            println!("  {}{on}{sentence}{off}{}", dim(&before), dim(&after));
        }
    }
    for line in format!("{};", item.statement).lines() {
        println!("    {line}");
    }
}
