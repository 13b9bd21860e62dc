//! Counts of one relationship's matches without matching it ([`RelCountPlan`]): read off
//! the type index when every claim of a type counts, a range of a property's integer
//! values for `r.k > 50` alone, otherwise one pass over the scan's candidates that tests
//! the WHERE conjuncts on the claim alone, building no rows.

use std::collections::{BTreeSet, HashMap};
use std::ops::Bound::{self, Excluded, Included, Unbounded};

use petgraph::stable_graph::EdgeIndex;

use super::eval::holds;
use super::matching::type_syms;
use super::{next_batch, Access, Batch, Ctx, Operator};
use crate::model::{ClaimIx, Graph, Sym};
use crate::query::error::EvalResult;
use crate::query::plan::{RelCountPlan, RelSource};
use crate::query::value::Value;
use crate::syntax::query::CompOp;

/// An entry of a property's integer values: the value and its claim.
type Entry = (i64, ClaimIx);

/// One group: its type (with a `type(r)` key), its first match in the scan's order, and
/// how many matches it has.
struct Group {
    rel_type: Option<Sym>,
    first: ClaimIx,
    count: u64,
}

/// The operator: one row per group (or, without a key, one row even when nothing
/// matched), as the aggregation over the MATCH would give it.
pub(crate) struct RelCounts<'p> {
    input: Box<dyn Operator + 'p>,
    plan: &'p RelCountPlan,
    output: Option<std::vec::IntoIter<Vec<Value>>>,
}

impl<'p> RelCounts<'p> {
    pub(crate) fn new(input: Box<dyn Operator + 'p>, plan: &'p RelCountPlan) -> Self {
        RelCounts { input, plan, output: None }
    }

    fn consume(&mut self, ctx: &Ctx<'_>, g: &mut Access<'_>) -> EvalResult<Vec<Vec<Value>>> {
        let plan = self.plan;
        let mut inputs = Vec::new();
        while self.input.next_rows(ctx, g, &mut |_, row, _| {
            inputs.push(row.to_vec());
            Ok(())
        })? {}
        let g = g.read();
        let mut out = Vec::new();
        for input in &inputs {
            let mut row = input.clone();
            row.resize(plan.width.get(), Value::Null);
            let groups = if plan.reads_type_index() {
                type_index_groups(g, plan)
            } else if let Some(groups) = int_range_groups(ctx, g, plan)? {
                groups
            } else {
                scan(ctx, g, plan, &mut row)?
            };
            if groups.is_empty() && plan.key.is_none() {
                // Counting with no grouping key gives one row even over no match.
                row[plan.rel] = Value::Null;
                for slot in &plan.counts {
                    row[*slot] = Value::Int(0);
                }
                out.push(row);
                continue;
            }
            for group in groups {
                let Some((s, o)) = g.endpoints(group.first) else { continue };
                let (from, to) = if plan.left { (o, s) } else { (s, o) };
                let mut row = row.clone();
                if plan.keep_first {
                    row[plan.from] = Value::Node(from);
                    row[plan.rel] = Value::Relationship(group.first);
                    row[plan.to] = Value::Node(to);
                } else {
                    row[plan.rel] = Value::Null;
                }
                if let (Some(key), Some(t)) = (plan.key, group.rel_type) {
                    row[key] = Value::from(g.str(t));
                }
                for slot in &plan.counts {
                    row[*slot] = Value::Int(i64::try_from(group.count).unwrap_or(i64::MAX));
                }
                out.push(row);
            }
        }
        Ok(out)
    }
}

/// Each type's count, the size of its set in the type index, in the order the scan would
/// have met the types: by their first claim over every claim, or type by type in symbol
/// order over the types' claims.
fn type_index_groups(g: &Graph, plan: &RelCountPlan) -> Vec<Group> {
    let types: Vec<Sym> = match type_syms(g, &plan.types) {
        Some(types) => types,
        None => g.rel_types().map(|(t, _)| t).collect(),
    };
    let mut groups: Vec<Group> = types
        .into_iter()
        .filter_map(|t| {
            let first = g.first_claim_of_type(t)?;
            Some(Group { rel_type: Some(t), first, count: g.type_count(t) as u64 })
        })
        .collect();
    if !matches!(plan.source, RelSource::Types) {
        groups.sort_unstable_by_key(|x| x.first);
    }
    groups
}

/// The count of `r.k <op> integer` as a range of the property's integer values, when
/// every claim holding the property holds an integer (the comparison is then exactly the
/// integers'); none otherwise, for the scan to test each candidate.
fn int_range_groups(ctx: &Ctx<'_>, g: &Graph, plan: &RelCountPlan) -> EvalResult<Option<Vec<Group>>> {
    let Some((prop, op, c)) = plan.int_comparison() else { return Ok(None) };
    let Some(key) = g.sym(prop) else { return Ok(Some(Vec::new())) };
    let empty = BTreeSet::new();
    let values = g.int_prop_values(key).unwrap_or(&empty);
    if values.len() != g.prop_claim_count(key) {
        return Ok(None);
    }
    let (lo, hi) = (EdgeIndex::new(0), EdgeIndex::end());
    let range: (Bound<Entry>, Bound<Entry>) = match op {
        CompOp::Eq => (Included((c, lo)), Included((c, hi))),
        CompOp::Lt => (Unbounded, Excluded((c, lo))),
        CompOp::Le => (Unbounded, Included((c, hi))),
        CompOp::Gt => (Excluded((c, hi)), Unbounded),
        CompOp::Ge => (Included((c, lo)), Unbounded),
        CompOp::Ne | CompOp::Regex => (Unbounded, Unbounded),
    };
    let mut count = 0u64;
    let mut first: Option<ClaimIx> = None;
    for &(v, claim) in values.range(range) {
        if op == CompOp::Ne && v == c {
            continue;
        }
        if count.is_multiple_of(1024) {
            ctx.check()?;
        }
        count += 1;
        first = Some(first.map_or(claim, |f| f.min(claim)));
    }
    Ok(Some(first.map(|first| vec![Group { rel_type: None, first, count }]).unwrap_or_default()))
}

/// One pass over the scan's candidates: each claim of the pattern's types on which the
/// conjuncts hold (`row`, with the relationship bound, is where they are evaluated) is
/// counted in its group.
fn scan(ctx: &Ctx<'_>, g: &Graph, plan: &RelCountPlan, row: &mut [Value]) -> EvalResult<Vec<Group>> {
    let types = type_syms(g, &plan.types);
    let candidates: Box<dyn Iterator<Item = ClaimIx> + '_> = match &plan.source {
        RelSource::Types => {
            Box::new(types.clone().unwrap_or_default().into_iter().flat_map(|t| g.claims_of_type(t)))
        }
        RelSource::Prop(key) => match g.sym(key) {
            Some(k) => Box::new(g.claims_with_prop(k)),
            None => Box::new(std::iter::empty()),
        },
        _ => Box::new(g.claims()),
    };
    let check_type = types.is_some() && !matches!(plan.source, RelSource::Types);
    let mut groups: Vec<Group> = Vec::new();
    let mut at: HashMap<Sym, usize, foldhash::fast::FixedState> = HashMap::default();
    'claims: for c in candidates {
        ctx.tick()?;
        let Some(claim) = g.claim(c) else { continue };
        if check_type && !types.as_deref().is_some_and(|t| t.contains(&claim.rel_type)) {
            continue;
        }
        row[plan.rel] = Value::Relationship(c);
        for f in &plan.filters {
            if !holds(ctx, g, f, row)? {
                continue 'claims;
            }
        }
        let key = plan.key.map(|_| claim.rel_type);
        let i = match key {
            None if groups.is_empty() => {
                groups.push(Group { rel_type: None, first: c, count: 0 });
                0
            }
            None => 0,
            Some(t) => *at.entry(t).or_insert_with(|| {
                groups.push(Group { rel_type: Some(t), first: c, count: 0 });
                groups.len() - 1
            }),
        };
        groups[i].count += 1;
    }
    Ok(groups)
}

impl Operator for RelCounts<'_> {
    fn next(&mut self, ctx: &Ctx<'_>, g: &mut Access<'_>) -> EvalResult<Option<Batch>> {
        if self.output.is_none() {
            self.output = Some(self.consume(ctx, g)?.into_iter());
        }
        let Some(rows) = &mut self.output else { return Ok(None) };
        Ok(next_batch(rows))
    }
}
