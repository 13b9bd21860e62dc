//! Graphviz DOT export of the whole graph or of the subgraph a query returns.
//!
//! Nodes get a shape and colour by label; edges are labelled with the relationship type and
//! its sources (or a count when there are many); contested claims are red and dashed with the
//! finding's kind; attribution chains (`VIA`) are drawn dotted with `--chains`. Nodes are
//! named `n0`, `n1`, … in the file, and every label and tooltip goes through [`escape`], so
//! no name (quotes, backslashes, newlines, braces) can break the file.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use crate::findings::contested_claims;
use crate::load::VIA_TYPE;
use crate::model::{ClaimIx, ClaimKind, EntityIx, Graph, SourceRef};
use crate::query::{NodeValue, QueryOutput, QueryValue, RelValue};

/// How nodes are grouped into boxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClusterBy {
    /// Entities with the place a claim puts them in.
    Location,
    /// Sources with the document they are quoted in.
    Document,
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DotOptions {
    pub clusters: Option<ClusterBy>,
    /// Draw attribution chains (`VIA` edges), dotted.
    pub chains: bool,
}

/// Edges list their sources by name up to this many; beyond it, a count.
const MAX_NAMED_SOURCES: usize = 3;

#[derive(Debug, Clone)]
struct DotNode {
    key: String,
    name: String,
    labels: Vec<String>,
}

#[derive(Debug, Clone)]
struct DotEdge {
    from: String,
    to: String,
    rel_type: String,
    /// Properties as written: `killed: ~100`.
    detail: String,
    sources: Vec<String>,
    contested: Option<String>,
    chain: bool,
}

/// What gets drawn, independent of where it came from.
#[derive(Debug, Default)]
struct DotGraph {
    nodes: Vec<DotNode>,
    node_index: HashMap<String, usize>,
    edges: Vec<DotEdge>,
    /// Node key → cluster node key.
    cluster_of: BTreeMap<String, String>,
}

impl DotGraph {
    fn add_node(&mut self, node: DotNode) {
        if !self.node_index.contains_key(&node.key) {
            self.node_index.insert(node.key.clone(), self.nodes.len());
            self.nodes.push(node);
        }
    }
}

fn entity_node(graph: &Graph, ix: EntityIx) -> Option<DotNode> {
    let e = graph.entity(ix)?;
    Some(DotNode {
        key: graph.str(e.id).to_string(),
        name: graph.display_name(ix).to_string(),
        labels: e.labels.iter().map(|l| graph.str(*l).to_string()).collect(),
    })
}

fn claim_edge(graph: &Graph, ix: ClaimIx, contested: &BTreeMap<ClaimIx, String>) -> Option<DotEdge> {
    let claim = graph.claim(ix)?;
    let (s, o) = graph.endpoints(ix)?;
    let sources = claim
        .attestations
        .iter()
        .map(|a| match a.source {
            SourceRef::Entity(e) => graph.entity_id(e).to_string(),
            SourceRef::User(u) => graph.str(u).to_string(),
        })
        .collect();
    let detail =
        claim.props.iter().map(|(k, v)| format!("{}: {v}", graph.str(*k))).collect::<Vec<_>>().join(", ");
    Some(DotEdge {
        from: graph.entity_id(s).to_string(),
        to: graph.entity_id(o).to_string(),
        rel_type: graph.str(claim.rel_type).to_string(),
        detail,
        sources,
        contested: contested.get(&ix).cloned(),
        chain: claim.kind == ClaimKind::ChainLink,
    })
}

/// The whole graph as DOT.
/// The whole graph as DOT with attribution chains and no clusters, as `claimgraph export
/// dot --chains` writes it (for tools and the fuzz targets).
pub fn dot_of_graph(graph: &Graph) -> String {
    graph_to_dot(graph, DotOptions { clusters: None, chains: true }, &indicatif::ProgressBar::hidden())
}

pub(crate) fn graph_to_dot(graph: &Graph, options: DotOptions, progress: &indicatif::ProgressBar) -> String {
    let contested = contested_claims(graph);
    let mut dot = DotGraph::default();
    for ix in graph.entities() {
        if let Some(n) = entity_node(graph, ix) {
            dot.add_node(n);
        }
        progress.inc(1);
    }
    for ix in graph.claims() {
        if let Some(e) = claim_edge(graph, ix, &contested) {
            dot.edges.push(e);
        }
        progress.inc(1);
    }
    assign_clusters(graph, &mut dot, options.clusters);
    render(&dot, options)
}

/// The subgraph a query returned (nodes, relationships and paths anywhere in its rows).
pub(crate) fn output_to_dot(graph: &Graph, output: &QueryOutput, options: DotOptions) -> String {
    let contested = contested_claims(graph);
    let mut dot = DotGraph::default();
    let mut rels = Vec::new();
    let mut ids: HashMap<u64, String> = HashMap::new();
    let mut stack: Vec<&QueryValue> = output.rows.iter().flatten().collect();
    let add_node = |dot: &mut DotGraph, ids: &mut HashMap<u64, String>, n: &NodeValue| {
        ids.insert(n.id, n.key.clone());
        let name = match n.props.get("name") {
            Some(QueryValue::String(s)) => s.clone(),
            _ => n.key.clone(),
        };
        dot.add_node(DotNode { key: n.key.clone(), name, labels: n.labels.clone() });
    };
    while let Some(v) = stack.pop() {
        match v {
            QueryValue::Node(n) => add_node(&mut dot, &mut ids, n),
            QueryValue::Relationship(r) => rels.push(&**r),
            QueryValue::Path(p) => {
                p.nodes.iter().for_each(|n| add_node(&mut dot, &mut ids, n));
                rels.extend(p.rels.iter());
            }
            QueryValue::List(items) => stack.extend(items.iter()),
            QueryValue::Map(m) => stack.extend(m.values()),
            _ => {}
        }
    }
    // Keep the rows' order for a stable file.
    dot.nodes.reverse();
    dot.node_index = dot.nodes.iter().enumerate().map(|(i, n)| (n.key.clone(), i)).collect();
    rels.reverse();
    let mut seen = std::collections::HashSet::new();
    for r in rels {
        if seen.insert(r.id) {
            if let Some(e) = rel_edge(graph, r, &mut ids, &mut dot, &contested) {
                dot.edges.push(e);
            }
        }
    }
    assign_clusters(graph, &mut dot, options.clusters);
    render(&dot, options)
}

fn rel_edge(
    graph: &Graph,
    r: &RelValue,
    ids: &mut HashMap<u64, String>,
    dot: &mut DotGraph,
    contested: &BTreeMap<ClaimIx, String>,
) -> Option<DotEdge> {
    let mut end_key = |id: u64| -> Option<String> {
        if let Some(k) = ids.get(&id) {
            return Some(k.clone());
        }
        let ix = EntityIx::new(usize::try_from(id).ok()?);
        let node = entity_node(graph, ix)?;
        let key = node.key.clone();
        dot.add_node(node);
        ids.insert(id, key.clone());
        Some(key)
    };
    let from = end_key(r.start)?;
    let to = end_key(r.end)?;
    let sources = r
        .attestations
        .iter()
        .filter_map(|a| match a.get("source").or_else(|| a.get("user")) {
            Some(QueryValue::String(s)) => Some(s.clone()),
            Some(QueryValue::Node(n)) => Some(n.key.clone()),
            _ => None,
        })
        .collect();
    let ix = usize::try_from(r.id).ok().map(ClaimIx::new);
    let contested = ix
        .filter(|ix| graph.claim(*ix).is_some_and(|c| graph.str(c.rel_type) == r.rel_type))
        .and_then(|ix| contested.get(&ix).cloned());
    let detail = r.props.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", ");
    Some(DotEdge {
        from,
        to,
        rel_type: r.rel_type.clone(),
        detail,
        sources,
        contested,
        chain: r.rel_type == VIA_TYPE,
    })
}

fn assign_clusters(graph: &Graph, dot: &mut DotGraph, by: Option<ClusterBy>) {
    let Some(by) = by else { return };
    let label = |name: &str| graph.sym(name);
    match by {
        ClusterBy::Location => {
            let Some(location) = label("Location") else { return };
            for ix in graph.claims() {
                let Some((s, o)) = graph.endpoints(ix) else { continue };
                if s != o && graph.has_label(o, location) && !graph.has_label(s, location) {
                    let (sk, ok) = (graph.entity_id(s).to_string(), graph.entity_id(o).to_string());
                    if dot.node_index.contains_key(&sk) && dot.node_index.contains_key(&ok) {
                        dot.cluster_of.entry(sk).or_insert(ok);
                    }
                }
            }
        }
        ClusterBy::Document => {
            for ix in graph.claims() {
                let Some(claim) = graph.claim(ix) else { continue };
                for a in &claim.attestations {
                    if let (SourceRef::Entity(s), Some(d)) = (a.source, a.document) {
                        let (sk, dk) = (graph.entity_id(s).to_string(), graph.entity_id(d).to_string());
                        if s != d && dot.node_index.contains_key(&sk) && dot.node_index.contains_key(&dk) {
                            dot.cluster_of.entry(sk).or_insert(dk);
                        }
                    }
                }
            }
        }
    }
    // A cluster's own node sits inside it.
    let heads: Vec<String> = dot.cluster_of.values().cloned().collect();
    for h in heads {
        dot.cluster_of.entry(h.clone()).or_insert(h);
    }
}

/// Escapes text for a double-quoted DOT string: quotes and backslashes escaped, `&` as
/// `&amp;` (Graphviz decodes HTML entities in strings, so `AT&amp;T` would show as "AT&T"),
/// newlines as `\n` line breaks, other control characters dropped.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '&' => out.push_str("&amp;"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Shape and fill colour by the first label we know.
fn style_for(labels: &[String]) -> (&'static str, &'static str) {
    let has = |names: &[&str]| labels.iter().any(|l| names.contains(&l.as_str()));
    if has(&["Document", "NewsArticle"]) {
        ("note", "#eeeeee")
    } else if has(&["Event", "Battle", "Attack"]) {
        ("octagon", "#ffd39b")
    } else if has(&["Location", "Village", "City", "Region", "Place"]) {
        ("house", "#c1e1c1")
    } else if has(&["Country", "Government"]) {
        ("box3d", "#b0c4de")
    } else if has(&["Person", "Official"]) {
        ("ellipse", "#fff5b1")
    } else if has(&["Organization", "MilitaryUnit", "MediaOrganization", "NewsAgency", "Group"]) {
        ("box", "#add8e6")
    } else if has(&["Source"]) {
        ("ellipse", "#e6e6fa")
    } else {
        ("ellipse", "#ffffff")
    }
}

fn render(dot: &DotGraph, options: DotOptions) -> String {
    let mut out = String::new();
    out.push_str("digraph claimgraph {\n");
    out.push_str("  graph [rankdir=LR, fontname=\"Helvetica\", overlap=false];\n");
    out.push_str("  node [fontname=\"Helvetica\", style=filled, fontsize=11];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=9];\n");
    let node_line = |i: usize, n: &DotNode| {
        let (shape, fill) = style_for(&n.labels);
        let labels: String = n.labels.iter().map(|l| format!(":{l}")).collect();
        format!(
            "n{i} [label=\"{}\\n{}\", tooltip=\"{}\", shape={shape}, fillcolor=\"{fill}\"];\n",
            escape(&n.name),
            escape(&labels),
            escape(&n.key)
        )
    };
    let mut clusters: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, n) in dot.nodes.iter().enumerate() {
        match dot.cluster_of.get(&n.key) {
            Some(c) => clusters.entry(c.as_str()).or_default().push(i),
            None => {
                out.push_str("  ");
                out.push_str(&node_line(i, n));
            }
        }
    }
    for (ci, (head, members)) in clusters.iter().enumerate() {
        let title = dot.node_index.get(*head).map_or(head.to_string(), |i| dot.nodes[*i].name.clone());
        let _ = writeln!(out, "  subgraph cluster_{ci} {{");
        let _ = writeln!(out, "    label=\"{}\"; style=rounded; color=\"#888888\";", escape(&title));
        for i in members {
            out.push_str("    ");
            out.push_str(&node_line(*i, &dot.nodes[*i]));
        }
        out.push_str("  }\n");
    }
    for e in &dot.edges {
        if e.chain && !options.chains {
            continue;
        }
        let (Some(from), Some(to)) = (dot.node_index.get(&e.from), dot.node_index.get(&e.to)) else {
            continue;
        };
        let mut label = e.rel_type.clone();
        if !e.detail.is_empty() {
            label.push('\n');
            label.push_str(&crate::output::truncate(&e.detail, 60));
        }
        if !e.chain && !e.sources.is_empty() {
            let mut sources = e.sources.clone();
            sources.dedup();
            label.push('\n');
            if sources.len() > MAX_NAMED_SOURCES {
                let _ = write!(label, "{} sources", sources.len());
            } else {
                let _ = write!(label, "by {}", sources.join(", "));
            }
        }
        let mut attrs = String::new();
        if let Some(kind) = &e.contested {
            let _ = write!(label, "\ncontested: {kind}");
            attrs.push_str(", color=red, fontcolor=red, style=dashed, penwidth=2");
        } else if e.chain {
            attrs.push_str(", style=dotted, color=\"#666666\"");
        }
        let _ = writeln!(out, "  n{from} -> n{to} [label=\"{}\"{attrs}];", escape(&label));
    }
    out.push_str("}\n");
    out
}

// ---- disputes ---------------------------------------------------------------------------

/// Fill and border colours of positions, in order (light fills; red is kept for denials and
/// for institutions telling two stories).
const POSITION_COLOURS: &[(&str, &str)] = &[
    ("#dbe9f6", "#2c6aa3"),
    ("#fde3cc", "#c75d00"),
    ("#dff2df", "#2f8a3a"),
    ("#efe0f3", "#7b3f8c"),
    ("#d7efec", "#1f7a72"),
    ("#f2efd9", "#8a7a1a"),
];

/// The dispute view: one box per dispute (its question, severity and evidence), and in it
/// one coloured box per position, with the voices (institutions and their sources) on the
/// left and the values they give on the right. Hedged statements are dashed. This is the
/// picture of "who says what" an analyst puts in a report.
/// Voices whose institution tells two stories (a `two_stories` finding in the dispute) are
/// marked in red.
pub(crate) fn disputes_to_dot(
    graph: &Graph,
    disputes: &[&crate::check::Dispute],
    findings: &[crate::check::Finding],
) -> String {
    let mut out = String::new();
    out.push_str("digraph disputes {\n");
    out.push_str("  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, nodesep=0.2, ranksep=0.5, newrank=true, labeljust=l];\n");
    out.push_str("  node [fontname=\"Helvetica\", fontsize=11];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=9, color=\"#555555\", arrowsize=0.6];\n");
    if disputes.is_empty() {
        out.push_str("  none [shape=plaintext, label=\"No disputes: the sources agree wherever constraints compare them.\"];\n");
    }
    for (d, dispute) in disputes.iter().enumerate() {
        let evidence = dispute.findings.len();
        // Sources heard in a "two stories" finding of this dispute.
        let split: Vec<String> = findings
            .iter()
            .filter(|f| {
                f.kind == crate::check::ContradictionKind::TwoStories && dispute.findings.contains(&f.id)
            })
            .flat_map(|f| f.sides.iter().flat_map(|s| s.attestations.iter().map(|a| a.source(graph).id)))
            .collect();
        let title = format!(
            "{}\n{} · {} · {} position{} · {} finding{} ({} open)\npositions: values that can all be true together; dashed: hedged{}",
            dispute.question(),
            dispute.id,
            dispute.severity.as_str(),
            dispute.positions.len(),
            if dispute.positions.len() == 1 { "" } else { "s" },
            evidence,
            if evidence == 1 { "" } else { "s" },
            dispute.open,
            if split.is_empty() { "" } else { "; red: one side, two stories" },
        );
        let _ = writeln!(out, "  subgraph cluster_d{d} {{");
        let _ = writeln!(
            out,
            "    label=\"{}\"; style=rounded; color=\"#444444\"; fontsize=13; margin=12;",
            escape(&title)
        );
        for (p, position) in dispute.positions.iter().enumerate() {
            let (fill, border) = POSITION_COLOURS[p % POSITION_COLOURS.len()];
            let _ = writeln!(out, "    subgraph cluster_d{d}_p{p} {{");
            let _ = writeln!(
                out,
                "      label=\"position {}: {}\"; style=\"rounded,filled\"; fillcolor=\"{fill}\"; color=\"{border}\"; fontcolor=\"{border}\";",
                p + 1,
                escape(&position.values.join(" · "))
            );
            for (v, value) in position.values.iter().enumerate() {
                let denial = value.starts_with("denied:");
                let _ = writeln!(
                    out,
                    "      d{d}p{p}v{v} [shape=box, style=\"rounded,filled,bold\", fillcolor=white, color=\"{border}\", label=\"{}\"{}];",
                    escape(value),
                    if denial { ", fontcolor=\"#b22a2a\"" } else { "" }
                );
            }
            for (i, voice) in position.voices.iter().enumerate() {
                let mouths: Vec<&str> = voice.sources.iter().map(|s| s.name.as_str()).collect();
                let label = if voice.sources.len() == 1 && voice.sources[0] == voice.institution {
                    voice.institution.name.clone()
                } else {
                    format!("{}\n({})", voice.institution.name, mouths.join(", "))
                };
                let two_stories = voice.sources.iter().any(|s| split.contains(&s.id));
                let _ = writeln!(
                    out,
                    "      d{d}p{p}i{i} [shape=plain, label=\"{}\"{}];",
                    escape(&label),
                    if two_stories { ", fontcolor=\"#b22a2a\"" } else { "" }
                );
                // One edge per value, with every status and quote that supports it.
                let mut per_value: Vec<(usize, Vec<&crate::check::VoiceStatement>)> = Vec::new();
                for st in &voice.statements {
                    let Some(v) = position.values.iter().position(|x| *x == st.value) else { continue };
                    match per_value.iter_mut().find(|(x, _)| *x == v) {
                        Some((_, list)) => list.push(st),
                        None => per_value.push((v, vec![st])),
                    }
                }
                for (v, statements) in per_value {
                    let mut statuses: Vec<&str> =
                        statements.iter().map(|s| s.attestation.status.as_str()).collect();
                    statuses.dedup();
                    let hedged = statements.iter().all(|s| s.attestation.status.is_hedged());
                    let quotes: Vec<String> = statements
                        .iter()
                        .filter_map(|s| {
                            s.attestation
                                .quote(graph)
                                .map(|q| format!("{}: {q}", s.attestation.source(graph).name))
                        })
                        .collect();
                    let _ = writeln!(
                        out,
                        "      d{d}p{p}i{i} -> d{d}p{p}v{v} [label=\"{}\", tooltip=\"{}\"{}];",
                        escape(&statuses.join(", ")),
                        escape(&quotes.join("\n")),
                        if hedged { ", style=dashed" } else { "" }
                    );
                }
            }
            out.push_str("    }\n");
        }
        out.push_str("  }\n");
    }
    out.push_str("}\n");
    out
}

/// Why Graphviz could not render a DOT file.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(
        "Graphviz is not installed (no `dot` command). Install it with `apt-get install graphviz` \
         (macOS: `brew install graphviz`), or leave out --render to write DOT text"
    )]
    NotInstalled,
    #[error("cannot run Graphviz `dot`: {0}")]
    Io(#[from] std::io::Error),
    #[error("Graphviz `dot` failed: {0}")]
    Failed(String),
}

/// Pipes DOT through Graphviz (`dot -T<format>`), returning the rendered bytes.
pub(crate) fn render_with_graphviz(dot_text: &str, format: &str) -> Result<Vec<u8>, RenderError> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let child = Command::new("dot")
        .arg(format!("-T{format}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(RenderError::NotInstalled),
        Err(e) => return Err(RenderError::Io(e)),
    };
    if let Some(mut stdin) = child.stdin.take() {
        let text = dot_text.to_string();
        // Write on a thread so a large graph cannot deadlock against dot's output.
        std::thread::spawn(move || {
            let _ = stdin.write_all(text.as_bytes());
        });
    }
    let result = child.wait_with_output()?;
    if !result.status.success() {
        return Err(RenderError::Failed(String::from_utf8_lossy(&result.stderr).trim().to_string()));
    }
    Ok(result.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::SourceFile;
    use crate::session::Session;

    #[test]
    fn nasty_names_cannot_break_the_file() {
        let mut session = Session::new(Graph::new());
        let nasty = r#"ENTITY (`a"b`:Org {name: 'he said "hi" \\ back\nslash } -> n0 [x'});
            ENTITY (b:`Odd"Label` {name: '<b>&</b>'});
            SOURCE (s:Person {name: '"; digraph x {'});
            CLAIM (`a"b`)-[:`REL"TYPE` {note: 'x"\\'}]->(b) BY s QUOTE 'q';"#;
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let summary = session.execute_script(&SourceFile::new("t.kg", nasty), &mut out, &mut err);
        assert_eq!(summary.failed, 0, "{}", String::from_utf8_lossy(&err));
        let text = graph_to_dot(
            &session.graph,
            DotOptions { clusters: None, chains: true },
            &indicatif::ProgressBar::hidden(),
        );
        // Every line is a statement of ours: quotes balance once escapes are removed.
        for line in text.lines() {
            let unescaped = line.replace("\\\\", "").replace("\\\"", "");
            assert_eq!(unescaped.matches('"').count() % 2, 0, "{line}");
        }
        if std::process::Command::new("dot").arg("-V").output().is_ok() {
            let svg = render_with_graphviz(&text, "svg").expect("dot accepts the file");
            assert!(String::from_utf8_lossy(&svg).contains("<svg"));
        } else {
            eprintln!("note: Graphviz `dot` not installed; DOT not rendered");
        }
    }
}
