//! The operators that read all of their input before producing a row: grouping with
//! aggregation, and sorting (a top-k heap when a LIMIT follows).
//!
//! Groups are found in a vector indexed by the node when the only key is a node, otherwise
//! in a hash table keyed by interned ids where the key allows (a node or relationship by
//! index, `type(r)` by the type's symbol, `labels(n)` by the labels' symbols) and by the
//! value's grouping key where it does not; each group keeps its first row (for the
//! projection's other expressions) and one accumulator per aggregate, so the rows of a
//! group are never kept.

use std::cmp::Ordering;
use std::collections::HashMap;

use super::eval::eval;
use super::rows::count_arg;
use super::{next_batch, Access, Batch, Ctx, Operator};
use crate::model::{Graph, Sym};
use crate::query::aggregate::{Accumulator, AggregateKind};
use crate::query::budget;
use crate::query::error::EvalResult;
use crate::query::ops::{self, GroupKey};
use crate::query::plan::{AggregatePlan, CExpr, KeyShape, SortKey};
use crate::query::value::Value;

type Fast = foldhash::fast::FixedState;

/// One part of a group's key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum KeyPart {
    Node(usize),
    Rel(usize),
    Type(Sym),
    Labels(Box<[Sym]>),
    Value(GroupKey),
}

struct Group {
    /// The group's first row, with the keys' and aggregates' slots filled at the end.
    row: Vec<Value>,
    accs: Vec<Accumulator>,
}

pub(crate) struct Aggregate<'p> {
    input: Box<dyn Operator + 'p>,
    plan: &'p AggregatePlan,
    output: Option<std::vec::IntoIter<Group>>,
}

/// The groups found so far, and buffers reused for every row.
struct Groups<'p> {
    plan: &'p AggregatePlan,
    groups: Vec<Group>,
    index: HashMap<Vec<KeyPart>, usize, Fast>,
    /// Groups keyed by one node, by the node's index (`u32::MAX`: none yet): grouping by a
    /// node (`WITH b, count(r)`) makes a group for each of hundreds of thousands of
    /// entities, and a vector found them in a tenth of the time a hash of the key took.
    by_node: Vec<u32>,
    key: Vec<KeyPart>,
    args: Vec<Value>,
    /// What the groups and their accumulators (collect()'s lists) hold.
    holding: budget::Holding,
}

impl<'p> Groups<'p> {
    fn new(plan: &'p AggregatePlan) -> Self {
        Groups {
            plan,
            groups: Vec::new(),
            index: HashMap::with_hasher(Fast::default()),
            by_node: Vec::new(),
            key: Vec::with_capacity(plan.keys.len()),
            args: Vec::new(),
            holding: budget::Holding::new(if plan.keys.is_empty() { "Aggregate" } else { "HashAggregate" }),
        }
    }

    /// Adds a row (standing for `times` rows) to its group.
    fn add(&mut self, ctx: &Ctx<'_>, g: &Graph, row: &[Value], times: u64) -> EvalResult<()> {
        ctx.tick()?;
        let mark = budget::mark();
        let at = if self.plan.keys.is_empty() {
            if self.groups.is_empty() {
                self.groups.push(self.new_group(ctx, g, row)?);
            }
            0
        } else if let Some(at) = self.node_group(row) {
            match at {
                Some(at) => at,
                None => {
                    self.groups.push(self.new_group(ctx, g, row)?);
                    self.groups.len() - 1
                }
            }
        } else {
            self.key.clear();
            for k in &self.plan.keys {
                self.key.push(key_part(ctx, g, k.shape, &k.expr, row)?);
            }
            match self.index.get(self.key.as_slice()) {
                Some(&at) => at,
                None => {
                    self.index.insert(self.key.clone(), self.groups.len());
                    self.groups.push(self.new_group(ctx, g, row)?);
                    self.groups.len() - 1
                }
            }
        };
        let group = &mut self.groups[at];
        for (a, acc) in self.plan.aggs.iter().zip(&mut group.accs) {
            self.args.clear();
            for e in &a.args {
                self.args.push(eval(ctx, g, e, row)?);
            }
            acc.update_times(&self.args, times)?;
        }
        self.holding.grew_since(mark)
    }

    /// When a row's only grouping key is a node: `Some(Some(group))` if the node has a
    /// group, `Some(None)` if it has none yet (the next group is recorded as its own), and
    /// `None` for the hash index (another key, or more than `u32::MAX` groups).
    fn node_group(&mut self, row: &[Value]) -> Option<Option<usize>> {
        let [k] = self.plan.keys.as_slice() else { return None };
        let KeyShape::Slot(s) = k.shape else { return None };
        let Some(Value::Node(ix)) = row.get(s) else { return None };
        let node = ix.index();
        match self.by_node.get(node) {
            Some(&at) if at != u32::MAX => Some(Some(at as usize)),
            _ => {
                let next = u32::try_from(self.groups.len()).ok().filter(|&n| n != u32::MAX)?;
                if self.by_node.len() <= node {
                    self.by_node.resize((node + 1).max(self.by_node.len() * 2), u32::MAX);
                }
                self.by_node[node] = next;
                Some(None)
            }
        }
    }

    fn new_group(&self, ctx: &Ctx<'_>, g: &Graph, row: &[Value]) -> EvalResult<Group> {
        let mut first = row.to_vec();
        for k in &self.plan.keys {
            first[k.slot] = eval(ctx, g, &k.expr, row)?;
        }
        let accs = self.plan.aggs.iter().map(|a| Accumulator::new(a.kind, a.distinct)).collect();
        Ok(Group { row: first, accs })
    }
}

/// A row's part of its group's key: by interned id where the key's shape allows.
fn key_part(ctx: &Ctx<'_>, g: &Graph, shape: KeyShape, expr: &CExpr, row: &[Value]) -> EvalResult<KeyPart> {
    let fast = match shape {
        KeyShape::Slot(s) => match &row[s] {
            Value::Node(ix) => Some(KeyPart::Node(ix.index())),
            Value::Relationship(c) => Some(KeyPart::Rel(c.index())),
            other => Some(KeyPart::Value(ops::group_key(other))),
        },
        KeyShape::RelType(s) => match &row[s] {
            Value::Relationship(c) => g.claim(*c).map(|claim| KeyPart::Type(claim.rel_type)),
            _ => None,
        },
        KeyShape::Labels(s) => match &row[s] {
            Value::Node(ix) => g.entity(*ix).map(|e| KeyPart::Labels(e.labels.clone().into_boxed_slice())),
            _ => None,
        },
        KeyShape::Value => None,
    };
    match fast {
        Some(k) => Ok(k),
        None => Ok(KeyPart::Value(ops::group_key(&eval(ctx, g, expr, row)?))),
    }
}

impl<'p> Aggregate<'p> {
    pub(crate) fn new(input: Box<dyn Operator + 'p>, plan: &'p AggregatePlan) -> Self {
        Aggregate { input, plan, output: None }
    }

    /// Reads every input row into its group; rows are lent, not copied, where the input
    /// can lend them.
    fn consume(&mut self, ctx: &Ctx<'_>, g: &mut Access<'_>) -> EvalResult<Vec<Group>> {
        if self.plan.keys.is_empty() && self.plan.aggs.iter().all(|a| a.kind == AggregateKind::CountStar) {
            return self.count_rows(ctx, g);
        }
        let mut state = Groups::new(self.plan);
        while self.input.next_rows(ctx, g, &mut |g, row, w| state.add(ctx, g, row, w))? {}
        let mut groups = state.groups;
        // Aggregating with no grouping keys yields one row even over no input.
        if groups.is_empty() && self.plan.keys.is_empty() {
            groups.push(self.empty_group());
        }
        self.finish(groups)
    }

    fn empty_group(&self) -> Group {
        let row = vec![Value::Null; self.plan.width.get()];
        let accs = self.plan.aggs.iter().map(|a| Accumulator::new(a.kind, a.distinct)).collect();
        Group { row, accs }
    }

    /// `count(*)` and nothing else, without grouping keys: the rows are only counted.
    fn count_rows(&mut self, ctx: &Ctx<'_>, g: &mut Access<'_>) -> EvalResult<Vec<Group>> {
        let mut group = self.empty_group();
        let mut total = 0u64;
        while self.input.next_rows(ctx, g, &mut |_, _, w| {
            total += w;
            Ok(())
        })? {}
        for acc in &mut group.accs {
            acc.update_times(&[], total)?;
        }
        self.finish(vec![group])
    }

    fn finish(&self, mut groups: Vec<Group>) -> EvalResult<Vec<Group>> {
        for group in &mut groups {
            for (a, acc) in self.plan.aggs.iter().zip(std::mem::take(&mut group.accs)) {
                group.row[a.slot] = acc.finish()?;
            }
        }
        Ok(groups)
    }
}

impl Operator for Aggregate<'_> {
    fn next(&mut self, ctx: &Ctx<'_>, g: &mut Access<'_>) -> EvalResult<Option<Batch>> {
        if self.output.is_none() {
            self.output = Some(self.consume(ctx, g)?.into_iter());
        }
        let Some(groups) = &mut self.output else { return Ok(None) };
        Ok(next_batch(&mut groups.map(|g| g.row)))
    }
}

/// One row waiting to be sorted: its sort keys and its place in the input (ties keep it).
struct Sorted {
    keys: Vec<Value>,
    seq: usize,
    row: Vec<Value>,
}

fn compare(keys: &[SortKey], a: &[Value], a_seq: usize, b: &[Value], b_seq: usize) -> Ordering {
    for (i, k) in keys.iter().enumerate() {
        let o = ops::order_cmp(&a[i], &b[i]);
        let o = if k.descending { o.reverse() } else { o };
        if o != Ordering::Equal {
            return o;
        }
    }
    a_seq.cmp(&b_seq)
}

/// ORDER BY: all rows sorted; with a LIMIT (`top`), a heap of the first `skip + limit`
/// rows, so the rest are dropped as they arrive.
pub(crate) struct Sort<'p> {
    input: Box<dyn Operator + 'p>,
    keys: &'p [SortKey],
    top: Option<&'p (Option<CExpr>, CExpr)>,
    output: Option<std::vec::IntoIter<Sorted>>,
}

impl<'p> Sort<'p> {
    pub(crate) fn new(
        input: Box<dyn Operator + 'p>,
        keys: &'p [SortKey],
        top: Option<&'p (Option<CExpr>, CExpr)>,
    ) -> Self {
        Sort { input, keys, top, output: None }
    }

    fn consume(&mut self, ctx: &Ctx<'_>, g: &mut Access<'_>) -> EvalResult<Vec<Sorted>> {
        let keep = match self.top {
            Some((skip, limit)) => {
                let skip = skip.as_ref().map(|s| count_arg(ctx, g, s, "SKIP")).transpose()?.unwrap_or(0);
                Some(skip.saturating_add(count_arg(ctx, g, limit, "LIMIT")?))
            }
            None => None,
        };
        let mut heap = TopHeap { items: Vec::new(), keys: self.keys };
        let mut all = Vec::new();
        let mut seq = 0;
        let mut keys = Vec::with_capacity(self.keys.len());
        let sort_keys = self.keys;
        let mut holding = budget::Holding::new("Sort");
        let mut add = |g: &Graph, row: &[Value], _: u64| -> EvalResult<()> {
            ctx.tick()?;
            let mark = budget::mark();
            keys.clear();
            for k in sort_keys {
                keys.push(eval(ctx, g, &k.expr, row)?);
            }
            seq += 1;
            match keep {
                None => all.push(Sorted { keys: keys.clone(), seq, row: row.to_vec() }),
                Some(0) => {}
                // Rows that cannot be among the first `k` are not kept.
                Some(k) if heap.items.len() < k => {
                    heap.push(Sorted { keys: keys.clone(), seq, row: row.to_vec() })
                }
                Some(_) if heap.beats_max(&keys, seq) => {
                    heap.replace_max(Sorted { keys: keys.clone(), seq, row: row.to_vec() })
                }
                Some(_) => {}
            }
            holding.grew_since(mark)
        };
        while self.input.next_rows(ctx, g, &mut add)? {}
        let mut rows = if keep.is_some() { heap.items } else { all };
        rows.sort_by(|a, b| compare(sort_keys, &a.keys, a.seq, &b.keys, b.seq));
        Ok(rows)
    }
}

impl Operator for Sort<'_> {
    fn next(&mut self, ctx: &Ctx<'_>, g: &mut Access<'_>) -> EvalResult<Option<Batch>> {
        if self.output.is_none() {
            self.output = Some(self.consume(ctx, g)?.into_iter());
        }
        let Some(rows) = &mut self.output else { return Ok(None) };
        Ok(next_batch(&mut rows.map(|s| s.row)))
    }
}

/// A max-heap (by sort order) of the rows that sort first so far.
struct TopHeap<'p> {
    items: Vec<Sorted>,
    keys: &'p [SortKey],
}

impl TopHeap<'_> {
    fn less(&self, i: usize, j: usize) -> bool {
        let (a, b) = (&self.items[i], &self.items[j]);
        compare(self.keys, &a.keys, a.seq, &b.keys, b.seq) == Ordering::Less
    }

    /// Whether a row sorts before the last of those kept.
    fn beats_max(&self, keys: &[Value], seq: usize) -> bool {
        self.items.first().is_some_and(|m| compare(self.keys, keys, seq, &m.keys, m.seq) == Ordering::Less)
    }

    fn push(&mut self, s: Sorted) {
        self.items.push(s);
        let mut i = self.items.len() - 1;
        while i > 0 {
            let parent = (i - 1) / 2;
            if !self.less(parent, i) {
                break;
            }
            self.items.swap(parent, i);
            i = parent;
        }
    }

    fn replace_max(&mut self, s: Sorted) {
        self.items[0] = s;
        let n = self.items.len();
        let mut i = 0;
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut largest = i;
            if l < n && self.less(largest, l) {
                largest = l;
            }
            if r < n && self.less(largest, r) {
                largest = r;
            }
            if largest == i {
                break;
            }
            self.items.swap(i, largest);
            i = largest;
        }
    }
}
