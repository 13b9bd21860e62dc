//! The REPL's `:` commands and its help text.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use crate::diagnostics::SourceFile;
use crate::export::dot::{graph_to_dot, output_to_dot, DotOptions};
use crate::load::{json::export_json_at, load_files_checked, print::print_graph_at, DataFile};
use crate::output::OutputFormat;
use crate::session::{Outcome, Session};

/// Every command with a one-line description (names without the `:`).
pub(crate) const COMMANDS: &[(&str, &str)] = &[
    ("help", ":help [topic]            this help, or a topic: start, query, sources, contradictions, export, declare"),
    ("source", ":source FILE              run a script of statements"),
    ("load", ":load FILE                load a data file into the graph"),
    ("save", ":save FILE                write the whole graph as a data file (atomically)"),
    ("export", ":export FORMAT FILE [query]  export the graph (dot and json: or a query's subgraph)"),
    ("format", ":format table|json|csv|markdown  how results print"),
    ("timing", ":timing on|off            show how long queries take"),
    ("set", ":set memory-budget SIZE   the most memory one query may hold (512MiB, 4GiB); :set lists it\n  \
             :set time-limit DURATION  how long one statement may run (30s, 2m, off)"),
    ("param", ":param name => value      set a query parameter ($name)"),
    ("params", ":params                   list parameters"),
    ("schema", ":schema                   labels, relationship types, constraints and counts"),
    ("review", ":review DRAFT.kg          step through drafts from `claimgraph draft`: accept, edit, reject, skip"),
    ("explain", ":explain QUERY            how a query would run: its operators, without running it"),
    ("profile", ":profile QUERY            run a query and show its operators with the rows each produced"),
    ("contradictions", ":contradictions [id]      the disputes (about an entity, source, document or claim), positions and voices"),
    ("history", ":history                  the workspace's journal: who changed what, when (else this session's input)"),
    ("clear", ":clear                    clear the screen"),
    ("exit", ":exit                     leave (Ctrl-D does too)"),
];

pub(crate) const HELP_TOPICS: &[&str] = &["start", "query", "sources", "contradictions", "export", "declare"];

/// What the loop should do after a command.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum After {
    Continue,
    Exit,
    ClearScreen,
    ShowHistory,
    /// `:review FILE`: the loop runs it, as it needs the line editor.
    Review(String),
}

pub(crate) fn help(topic: Option<&str>) -> String {
    match topic.map(|t| t.trim_start_matches(':').to_ascii_lowercase()) {
        None => {
            let mut text = String::from(
                "Statements end with `;` and may span lines. Tab completes; Ctrl-R searches history;\n\
                 Ctrl-C cancels a running query; Ctrl-D leaves.\n\nCommands:\n",
            );
            for (_, line) in COMMANDS {
                let _ = writeln!(text, "  {line}");
            }
            text.push_str("\nTopics: :help start | query | sources | contradictions | export | declare\n");
            text
        }
        Some(t) => match t.as_str() {
            "start" | "query" => "\
Find who fought whom:
  MATCH (a)-[r:ATTACKED|COUNTER_ATTACKED|FOUGHT_IN|FOUGHT_ALONGSIDE]->(b)
  RETURN a.name AS side, type(r) AS action, b.name AS against, sources(r);
Everything said about Wagner (a name or an alias finds it):
  MATCH (w {name: 'Wagner'})-[r]-(x) RETURN type(r), x.name, sources(r);
Russian casualty figures, with who gives them and how they hedge
(values print as written: ~100, <12, 65..200):
  MATCH (:Battle)-[r:CASUALTIES]->(g {name: 'Russian contractors / mercenaries'})
  UNWIND attestations(r) AS a
  RETURN a.source, a.status, r.killed, r.wounded, r.killed_or_wounded;
How is Wagner connected to the US forces?
  MATCH p = shortestPath((w {name: 'Wagner'})-[*]-(u {name: 'US forces'}))
  RETURN [n IN nodes(p) | n.name];
An entity by its id (key(n) reads the stable id):
  :param who => 'wagner'   then   MATCH (n) WHERE key(n) = $who RETURN n;
:schema lists the labels, relationship types and property keys you can use.
"
            .into(),
            "sources" => "\
Every relationship is a claim; sources(r), quotes(r), status(r), attestations(r) and
corroboration(r) read who said it, in which words, with which hedge (asserted, reported,
unconfirmed, alleged, believed, denied), through whom, and how many independent voices:
  MATCH (b)-[r:CASUALTIES]->() RETURN sources(r), status(r), quotes(r), corroboration(r);
  MATCH ()-[r]->() UNWIND attestations(r) AS a RETURN a.source, a.via, a.status, a.quote;
Attribution chains are paths:
  MATCH (s:Source)-[:VIA*]->(relay) RETURN s.name, relay.name;
"
            .into(),
            "contradictions" => "\
Which sources disagree about Russian casualties (one row per question: its positions, the
sets of values that can all be true together, and the voices behind each):
  CONTRADICTIONS ABOUT russian_contractors;
Everything a source, a document or a claim is involved in:
  CONTRADICTIONS ABOUT zakharova;   CONTRADICTIONS ABOUT c_doctor_toll;
All disputes in the graph (or type :contradictions):
  CONTRADICTIONS;
The pairwise findings behind them, with their ids (for RESOLVE):
  FINDINGS ABOUT russian_contractors;   FINDINGS KIND two_stories;
Each finding has a kind (single_value, category_sum, exclusive, denial, temporal, part_whole,
bound, two_stories), a severity, the sides' values and their sources. Values that only differ
in category or whose ranges overlap are not contradictions. What a source denied:
  MATCH (a)-[r]->(b) UNWIND denials(r) AS d WITH a, r, b, d WHERE d.source = 'zakharova'
  RETURN a.name, type(r), b.name, d.quote;
  DENIALS BY zakharova;   (every denial, also those that meet no claim)
From the shell: claimgraph check (exit code 3 when any are found).
"
            .into(),
            "export" => "\
Export a query's subgraph to Graphviz (contested claims are red and dashed):
  :export dot casualties.dot MATCH (a)-[r:CASUALTIES]->(b) RETURN a, r, b
then render it:  dot -Tsvg casualties.dot -o casualties.svg
or in one step from the command line:
  claimgraph export dot --query 'MATCH (a)-[r:CASUALTIES]->(b) RETURN a, r, b' --render svg -o casualties.svg
:export json FILE writes the whole graph as JSON; :save FILE as a data file.
For other tools, the whole graph with every attestation (docs/interop.md):
  :export graphml graph.graphml   Gephi, yEd, networkx (colour by `contested`)
  :export rdf graph.trig          RDF 1.2 with PROV-O (claimgraph export rdf --base IRI)
  :export kuzu DIR | :export neo4j DIR | :export cypher FILE | :export ftm FILE
  :export csv claims.csv          one row per attestation; :load claims.csv reads it back
"
            .into(),
            "declare" => "\
Add what a source said (a claim with its attestation):
  CLAIM (wagner)-[:PRESENT_IN]->(khusham) BY reuters REPORTED QUOTE '...';
Declare new entities and sources first:
  ENTITY (x:Person {name: 'X'});   SOURCE (y:NewsAgency {name: 'Y'});
See docs/language.md for denials (DENY) and constraints (CONSTRAINT).
"
            .into(),
            other => format!("no help topic `{other}`; topics: {}\n", HELP_TOPICS.join(", ")),
        },
    }
}

/// `:set NAME VALUE` changes a setting of the session; `:set [NAME]` shows it.
fn set(rest: &str, session: &mut Session, out: &mut dyn Write) -> Result<After, String> {
    let (name, value) = rest.split_once(char::is_whitespace).map_or((rest, ""), |(n, v)| (n, v.trim()));
    match name {
        "" if value.is_empty() => {
            let _ = writeln!(out, "memory-budget: {}", session.memory_budget);
            let _ = writeln!(out, "time-limit: {}", session.time_limit);
        }
        "memory-budget" if value.is_empty() => {
            let _ = writeln!(out, "memory-budget: {}", session.memory_budget);
        }
        "memory-budget" => {
            session.memory_budget = crate::query::MemoryBudget::parse(value)?;
            let _ = writeln!(out, "memory-budget: {}", session.memory_budget);
        }
        "time-limit" if value.is_empty() => {
            let _ = writeln!(out, "time-limit: {}", session.time_limit);
        }
        "time-limit" => {
            session.time_limit = crate::query::TimeLimit::parse(value)?;
            let _ = writeln!(out, "time-limit: {}", session.time_limit);
        }
        other => return Err(format!("no setting `{other}`; settings: memory-budget, time-limit")),
    }
    Ok(After::Continue)
}

/// Runs a `:` command. Output goes to `out`, problems to `err`.
pub(crate) fn run_command(
    line: &str,
    session: &mut Session,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> After {
    let line = line.trim().trim_end_matches(';').trim();
    let (name, rest) = match line[1..].split_once(char::is_whitespace) {
        Some((n, r)) => (n, r.trim()),
        None => (&line[1..], ""),
    };
    let result: Result<After, String> = match name {
        "help" | "h" | "?" => {
            let _ = write!(out, "{}", help((!rest.is_empty()).then_some(rest)));
            Ok(After::Continue)
        }
        "exit" | "quit" | "q" => Ok(After::Exit),
        "clear" => Ok(After::ClearScreen),
        "history" => Ok(After::ShowHistory),
        "format" => match OutputFormat::parse(rest) {
            Some(f) => {
                session.format = f;
                let _ = writeln!(out, "format: {}", f.name());
                Ok(After::Continue)
            }
            None if rest.is_empty() => {
                let _ = writeln!(out, "format: {}", session.format.name());
                Ok(After::Continue)
            }
            None => Err(format!("unknown format `{rest}`; use table, json, csv or markdown")),
        },
        "timing" => match rest {
            "on" => {
                session.timing = true;
                Ok(After::Continue)
            }
            "off" => {
                session.timing = false;
                Ok(After::Continue)
            }
            "" => {
                let _ = writeln!(out, "timing: {}", if session.timing { "on" } else { "off" });
                Ok(After::Continue)
            }
            _ => Err("use `:timing on` or `:timing off`".to_string()),
        },
        "set" => set(rest, session, out),
        "param" => set_param(rest, session, out),
        "params" => {
            if session.params.is_empty() {
                let _ = writeln!(out, "no parameters; set one with :param name => value");
            }
            for (k, v) in &session.params {
                let _ = writeln!(out, "${k} => {v}");
            }
            Ok(After::Continue)
        }
        "schema" => {
            let _ = write!(out, "{}", schema(session));
            Ok(After::Continue)
        }
        "explain" if rest.is_empty() => Err("usage: :explain MATCH ... RETURN ...".to_string()),
        "profile" if rest.is_empty() => Err("usage: :profile MATCH ... RETURN ...".to_string()),
        "explain" | "profile" => {
            let plan = if name == "explain" { session.explain(rest) } else { session.profile(rest) };
            match plan {
                Ok(plan) => {
                    for line in plan {
                        let _ = writeln!(out, "{line}");
                    }
                }
                Err(report) => {
                    let _ = write!(err, "{report}");
                }
            }
            Ok(After::Continue)
        }
        "contradictions" => contradictions(rest, session, out),
        "review" if rest.is_empty() => {
            Err("usage: :review DRAFT.kg (write one with `claimgraph draft ARTICLE.txt -o DRAFT.kg`)"
                .to_string())
        }
        "review" => Ok(After::Review(rest.to_string())),
        "source" => source(rest, session, out, err),
        "load" => load(rest, session, out),
        "save" => save(rest, session, out),
        "export" => export(rest, session, out),
        _ => Err(format!("unknown command `:{name}`; type :help")),
    };
    match result {
        Ok(after) => after,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            After::Continue
        }
    }
}

/// The disputes as text (the JSON format gets `check --format json`'s document), about
/// `about` when given.
fn contradictions(about: &str, session: &mut Session, out: &mut dyn Write) -> Result<After, String> {
    let analysis = session.current_findings();
    let target = match about {
        "" => None,
        id => Some(crate::check::about_target(&session.graph, id)?),
    };
    let disputes = crate::check::filter_disputes(&session.graph, &analysis, target, None);
    if session.format == OutputFormat::Json {
        let json: Vec<serde_json::Value> = disputes.iter().map(|d| d.to_json(&session.graph)).collect();
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "disputes": json }))
                .map_err(|e| e.to_string())?
        );
    } else {
        let _ = write!(out, "{}", crate::check::disputes_table(&disputes, &analysis.findings));
        if !disputes.is_empty() {
            let _ = writeln!(
                out,
                "\nFINDINGS [ABOUT id] lists the findings behind them; claimgraph check prints them in full."
            );
        }
    }
    Ok(After::Continue)
}

fn save(path: &str, session: &Session, out: &mut dyn Write) -> Result<After, String> {
    if path.is_empty() {
        return Err("usage: :save FILE".to_string());
    }
    // Document texts are written relative to where the file goes, so it finds them again.
    let text = print_graph_at(&session.graph, Some(&folder_of(Path::new(path))));
    crate::save::write_atomically(Path::new(path), text.as_bytes())
        .map_err(|e| format!("cannot write {path}: {e}"))?;
    let _ = writeln!(out, "saved to {path}");
    Ok(After::Continue)
}

/// The folder a file is (to be) written in.
fn folder_of(path: &Path) -> std::path::PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    }
}

fn set_param(rest: &str, session: &mut Session, out: &mut dyn Write) -> Result<After, String> {
    let (name, value) = rest
        .split_once("=>")
        .or_else(|| rest.split_once(':'))
        .or_else(|| rest.split_once('='))
        .ok_or_else(|| "usage: :param name => value".to_string())?;
    let (name, value) = crate::session::parse_param(name, value)?;
    let _ = writeln!(out, "${name} => {value}");
    session.params.insert(name, value);
    Ok(After::Continue)
}

fn source(
    path: &str,
    session: &mut Session,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<After, String> {
    if path.is_empty() {
        return Err("usage: :source FILE".to_string());
    }
    let file = SourceFile::read(Path::new(path)).map_err(|e| e.to_string())?;
    let summary = session.execute_script(&file, out, err);
    session.finish_json(out);
    let _ = writeln!(out, "{path}: {} statements run, {} failed", summary.succeeded, summary.failed);
    Ok(After::Continue)
}

fn load(path: &str, session: &mut Session, out: &mut dyn Write) -> Result<After, String> {
    if path.is_empty() {
        return Err("usage: :load FILE".to_string());
    }
    let data = DataFile::read(Path::new(path)).map_err(|e| e.to_string())?;
    let before = session.graph.summary();
    // One transaction: the whole file or, on any error, nothing.
    let mut failed_to_load = None;
    let result = session.transact("<shell>", &format!(":load {path}"), |s| {
        load_files_checked(&mut s.graph, std::slice::from_ref(&data), Some(crate::check::finding_ids))
            .map_err(|failure| {
                let text = format!("{failure}(nothing was loaded)");
                failed_to_load = Some(text.clone());
                crate::session::StatementFailure { report: miette::Report::msg(text), cancelled: false }
            })
    });
    let after = session.graph.summary();
    match (result, failed_to_load) {
        (Ok(()), _) => {}
        // The file's errors, each with its place, as they are.
        (Err(_), Some(text)) => return Err(text),
        // The workspace could not save the file.
        (Err(failure), None) => {
            return Err(crate::diagnostics::render_plain(&failure.report).trim_end().to_string())
        }
    }
    let _ = writeln!(
        out,
        "{path}: {} entities, {} claims, {} attestations added",
        (after.entities + after.sources + after.documents)
            - (before.entities + before.sources + before.documents),
        after.claims - before.claims,
        after.attestations - before.attestations
    );
    Ok(After::Continue)
}

fn export(rest: &str, session: &mut Session, out: &mut dyn Write) -> Result<After, String> {
    let mut parts = rest.splitn(3, char::is_whitespace);
    let (format, path, query) =
        (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().map(str::trim));
    if path.is_empty() {
        return Err("usage: :export dot|json|csv|graphml|rdf|ftm|cypher|kuzu|neo4j FILE [query]".to_string());
    }
    if let Some(written) = crate::export::write_whole_graph(format, &session.graph, Path::new(path)) {
        if query.is_some_and(|q| !q.is_empty()) {
            return Err(format!("{format} exports the whole graph; only dot and json take a query"));
        }
        written.map_err(|e| format!("cannot write {path}: {e}"))?;
        let _ = writeln!(out, "wrote {path}");
        return Ok(After::Continue);
    }
    let text = match (format, query.filter(|q| !q.is_empty())) {
        ("json", None) => {
            serde_json::to_string_pretty(&export_json_at(&session.graph, Some(&folder_of(Path::new(path)))))
                .map_err(|e| e.to_string())?
                + "\n"
        }
        ("dot", None) => {
            graph_to_dot(&session.graph, DotOptions::default(), &indicatif::ProgressBar::hidden())
        }
        ("dot" | "json", Some(q)) => {
            let file = SourceFile::new("<export>", q.trim_end_matches(';').to_string());
            let span = crate::syntax::Span::new(0, file.text.len());
            match session.execute_statement(&file, span, None) {
                Ok(Outcome::Query { output, .. }) if format == "dot" => {
                    output_to_dot(&session.graph, &output, DotOptions::default())
                }
                Ok(Outcome::Query { output, .. }) => {
                    serde_json::to_string_pretty(&crate::output::statement_json(q, &output))
                        .map_err(|e| e.to_string())?
                        + "\n"
                }
                Ok(Outcome::Declared { .. }) => {
                    return Err("export needs a query, not a declaration".to_string())
                }
                Err(f) => return Err(crate::diagnostics::render_plain(&f.report)),
            }
        }
        _ => {
            return Err(format!(
            "unknown export format `{format}`; use dot, json, csv, graphml, rdf, ftm, cypher, kuzu or neo4j"
        ))
        }
    };
    crate::save::write_atomically(Path::new(path), text.as_bytes())
        .map_err(|e| format!("cannot write {path}: {e}"))?;
    let _ = writeln!(out, "wrote {path}");
    Ok(After::Continue)
}

/// Labels, relationship types, constraints and counts.
pub(crate) fn schema(session: &Session) -> String {
    let g = &session.graph;
    let mut text = String::from("Labels:\n");
    let mut labels: Vec<_> = g.labels().map(|(l, n)| (g.str(l).to_string(), n)).collect();
    labels.sort();
    for (l, n) in labels {
        let _ = writeln!(text, "  :{l:<28} {n:>6}");
    }
    text.push_str("Relationship types:\n");
    let mut types: Vec<_> = g.rel_types().map(|(t, n)| (g.str(t).to_string(), n)).collect();
    types.sort();
    for (t, n) in types {
        let _ = writeln!(text, "  :{t:<28} {n:>6}");
    }
    text.push_str("Constraints:\n");
    for c in g.constraints() {
        let _ = writeln!(text, "  {};", crate::load::print::constraint_text(g, c));
    }
    let _ = writeln!(text, "Totals:\n{}", g.summary());
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Graph;

    #[test]
    fn schema_prints_constraints_as_statements() {
        let mut session = Session::new(Graph::new());
        let file = SourceFile::new(
            "t.kg",
            "CONSTRAINT toll: SINGLE (:Event)-[:CASUALTIES]->() ON killed PER date SEVERITY warning;\n\
             CONSTRAINT force: BOUND (:Event)-[:CASUALTIES]->() ON killed AT MOST (OBJECT)-[:PARTICIPATED_IN]->(SUBJECT) ON strength OVER PART_OF;",
        );
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(session.execute_script(&file, &mut out, &mut err).failed, 0);
        let text = schema(&session);
        assert!(
            text.contains(
                "  CONSTRAINT toll: SINGLE (:Event)-[:CASUALTIES]->() ON killed PER date SEVERITY warning;"
            ),
            "{text}"
        );
        assert!(
            text.contains("AT MOST (OBJECT)-[:PARTICIPATED_IN]->(SUBJECT) ON strength OVER PART_OF;"),
            "{text}"
        );
        assert!(!text.contains("Spur") && !text.contains("RelPattern"), "{text}");
    }
}
