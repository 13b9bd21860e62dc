//! `:explain` and `:profile`: the operator tree as text, the operator that produces the
//! results first and each operator's input indented below it. A MATCH shows its steps as
//! operators (the step that runs last on top). With counts (`:profile`), each line ends
//! with the rows its operator or step produced.

use super::{MatchPlan, Op, OpKind, QueryPlan, SinglePlan};

/// Rows produced per operator or step id, from a run.
pub(crate) type Counts = [u64];

/// The plan as lines of text.
pub(crate) fn explain(plan: &QueryPlan, counts: Option<&Counts>) -> Vec<String> {
    let mut out = Vec::new();
    if plan.unions.is_empty() {
        single(&plan.first, 0, counts, &mut out);
        return out;
    }
    let distinct = plan.unions.iter().any(|(all, _)| !all);
    out.push(if distinct { "Union (distinct)".into() } else { "UnionAll".into() });
    single(&plan.first, 1, counts, &mut out);
    for (_, part) in &plan.unions {
        single(part, 1, counts, &mut out);
    }
    out
}

fn single(plan: &SinglePlan, depth: usize, counts: Option<&Counts>, out: &mut Vec<String>) {
    let mut depth = depth;
    if !plan.columns.is_empty() {
        let names: Vec<&str> = plan.columns.iter().map(|(n, _)| n.as_str()).collect();
        line(out, depth, &format!("ProduceResults {}", names.join(", ")), None);
        depth += 1;
    }
    op(&plan.root, depth, counts, out);
}

fn line(out: &mut Vec<String>, depth: usize, text: &str, rows: Option<u64>) {
    let text = text.trim_end();
    match rows {
        Some(n) => {
            out.push(format!("{}{text}  ({n} row{})", "  ".repeat(depth), if n == 1 { "" } else { "s" }))
        }
        None => out.push(format!("{}{text}", "  ".repeat(depth))),
    }
}

fn count_of(counts: Option<&Counts>, id: usize) -> Option<u64> {
    counts.map(|c| c.get(id).copied().unwrap_or(0))
}

fn op(o: &Op, depth: usize, counts: Option<&Counts>, out: &mut Vec<String>) {
    let rows = count_of(counts, o.id);
    let d = &o.detail;
    let mut depth = depth;
    match &o.kind {
        OpKind::Start(_) => return,
        OpKind::Argument => {
            line(out, depth, "Argument (the row of the expression around the subquery)", rows);
            return;
        }
        OpKind::Match(m) => {
            if m.optional {
                line(out, depth, d, rows);
                depth += 1;
            }
            depth = steps(m, depth, counts, out);
        }
        OpKind::Filter(_) => line(out, depth, &format!("Filter {d}"), rows),
        OpKind::Unwind { .. } => line(out, depth, &format!("Unwind {d}"), rows),
        OpKind::ProcedureCall(_) => line(out, depth, &format!("ProcedureCall {d}"), rows),
        OpKind::Project(_) => line(out, depth, &format!("Project {d}"), rows),
        OpKind::Aggregate(a) => {
            let how = if a.keys.is_empty() { "Aggregate" } else { "HashAggregate" };
            line(out, depth, &format!("{how} {d}"), rows)
        }
        OpKind::RelCounts(_) => line(out, depth, d, rows),
        OpKind::Distinct(_) => line(out, depth, &format!("Distinct {d}"), rows),
        OpKind::Sort { .. } => line(out, depth, d, rows),
        OpKind::Skip(_) => line(out, depth, &format!("Skip {d}"), rows),
        OpKind::Limit(_) => line(out, depth, &format!("Limit {d}"), rows),
        OpKind::Narrow { .. } => line(out, depth, &format!("With {d}"), rows),
        OpKind::Create(_) => line(out, depth, &format!("Create {d}"), rows),
        OpKind::Merge(_) => line(out, depth, &format!("Merge {d}"), rows),
        OpKind::Set(_) => line(out, depth, "SetProperties", rows),
        OpKind::Remove(_) => line(out, depth, "Remove", rows),
        OpKind::Delete { detach, .. } => {
            line(out, depth, &format!("{} {d}", if *detach { "DetachDelete" } else { "Delete" }), rows)
        }
    }
    if !matches!(o.kind, OpKind::Match(_)) {
        depth += 1;
    }
    if let Some(input) = &o.input {
        op(input, depth, counts, out);
    }
}

/// A MATCH's steps, the last on top; returns the depth for the MATCH's input.
fn steps(m: &MatchPlan, depth: usize, counts: Option<&Counts>, out: &mut Vec<String>) -> usize {
    let mut depth = depth;
    if let Some(c) = &m.count {
        let how = if c.plain() {
            "the graph's degree counts"
        } else if c.whole_graph {
            "degrees of every entity in one pass"
        } else {
            "degrees as entities are met"
        };
        line(out, depth, &format!("{} ({how})", c.detail), count_of(counts, c.id));
        depth += 1;
    }
    for s in m.steps.iter().rev() {
        line(out, depth, &s.detail, count_of(counts, s.id));
        depth += 1;
    }
    depth
}
