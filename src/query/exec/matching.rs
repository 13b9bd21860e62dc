//! Pattern matching: the steps of a MATCH run depth-first over each input row by a
//! resumable [`Matcher`], which binds slots of one scratch row in place (nothing is copied
//! per step) and stops at each complete match, so the MATCH operator ([`MatchOp`]) can fill
//! a batch and come back for more. Relationship isomorphism (a relationship is bound at
//! most once per MATCH) is each relationship step's `distinct_from`.
//!
//! Names of the graph (labels, types, ids) are resolved when a step starts and again only
//! when the graph's revision has changed; candidates that do not depend on the row (a
//! label's members, a type's claims, every claim) are found once per revision.

use std::collections::HashMap;
use std::rc::Rc;

use petgraph::stable_graph::{EdgeIndex, NodeIndex};
use petgraph::visit::{EdgeIndexable, EdgeRef, NodeIndexable};
use petgraph::Direction;

use super::count::Counter;
use super::eval::{eval, holds};
use super::paths::{ShortestState, VarState};
use super::{Access, Batch, Ctx, Operator, RowFn};
use crate::model::{ClaimIx, EntityIx, Graph, Sym};
use crate::query::error::{type_error, ErrorDetail, EvalResult};
use crate::query::ops::{self, GroupKey};
use crate::query::plan::anchor::{self, Anchor};
use crate::query::plan::{
    CExpr, CKind, MatchPlan, NodeSource, NodeTest, PathHop, RelSource, RelTest, Slot, StepKind,
};
use crate::query::value::Value;
use crate::syntax::query::RelDirection;

/// The MATCH operator: every input row, extended by each match of the steps (or, for an
/// OPTIONAL MATCH that finds none, by nulls).
pub(crate) struct MatchOp<'p> {
    plan: &'p MatchPlan,
    input: Box<dyn Operator + 'p>,
    matcher: Matcher<'p>,
    counter: Option<Counter<'p>>,
    batch: Option<Batch>,
    next_row: usize,
    /// A row is being matched, and whether it matched yet.
    active: bool,
    found: bool,
    done: bool,
}

impl<'p> MatchOp<'p> {
    pub(crate) fn new(plan: &'p MatchPlan, input: Box<dyn Operator + 'p>) -> Self {
        MatchOp {
            plan,
            input,
            matcher: Matcher::new(plan),
            counter: plan.count.as_ref().map(Counter::new),
            batch: None,
            next_row: 0,
            active: false,
            found: false,
            done: false,
        }
    }
}

/// Where a MATCH puts its matches: rows copied into a batch, or lent to a consumer.
trait Sink {
    fn full(&self) -> bool;
    fn add(&mut self, g: &Graph, row: &[Value], weight: u64, weighted: bool) -> EvalResult<()>;
}

impl Sink for Batch {
    fn full(&self) -> bool {
        self.is_full()
    }

    fn add(&mut self, _: &Graph, row: &[Value], weight: u64, weighted: bool) -> EvalResult<()> {
        self.width = row.len();
        self.push(row);
        if weighted {
            self.weights.get_or_insert_with(Vec::new).push(weight);
        }
        Ok(())
    }
}

/// Rows lent to a consumer, a batch's worth at a time.
struct Lend<'a, 'f> {
    f: &'a mut RowFn<'f>,
    lent: usize,
}

impl Sink for Lend<'_, '_> {
    fn full(&self) -> bool {
        self.lent >= super::BATCH
    }

    fn add(&mut self, g: &Graph, row: &[Value], weight: u64, _: bool) -> EvalResult<()> {
        self.lent += 1;
        (self.f)(g, row, weight)
    }
}

impl MatchOp<'_> {
    /// Fills `out` with matches until it is full or there are no more; false when there
    /// are no more.
    fn fill(&mut self, ctx: &Ctx<'_>, g: &mut Access<'_>, out: &mut dyn Sink) -> EvalResult<bool> {
        loop {
            if self.active {
                let g = g.read();
                while !out.full() {
                    if !self.matcher.next(ctx, g)? {
                        self.active = false;
                        if self.plan.optional && !self.found {
                            let row = self.matcher.input_with_nulls(&self.plan.nulls);
                            out.add(g, &row, 1, self.counter.is_some())?;
                        }
                        break;
                    }
                    let weight = match &mut self.counter {
                        Some(c) => c.weight(ctx, g, self.matcher.row())?,
                        None => 1,
                    };
                    if weight == 0 {
                        continue;
                    }
                    self.found = true;
                    out.add(g, &self.matcher.row, weight, self.counter.is_some())?;
                }
                if out.full() {
                    ctx.check()?;
                    return Ok(true);
                }
            }
            if let Some(b) = &self.batch {
                if self.next_row < b.len {
                    self.matcher.reset(b.row(self.next_row));
                    self.next_row += 1;
                    self.active = true;
                    self.found = false;
                    continue;
                }
            }
            if self.done {
                return Ok(false);
            }
            match self.input.next(ctx, g)? {
                Some(b) => {
                    self.batch = Some(b);
                    self.next_row = 0;
                }
                None => {
                    self.done = true;
                    self.batch = None;
                }
            }
        }
    }
}

impl Operator for MatchOp<'_> {
    fn next(&mut self, ctx: &Ctx<'_>, g: &mut Access<'_>) -> EvalResult<Option<Batch>> {
        let mut out = Batch::new(self.matcher.input.len());
        self.fill(ctx, g, &mut out)?;
        Ok(Some(out).filter(|b| b.len > 0))
    }

    /// Lends each match in the matcher's own row: nothing is copied.
    fn next_rows(&mut self, ctx: &Ctx<'_>, g: &mut Access<'_>, f: &mut RowFn<'_>) -> EvalResult<bool> {
        let mut lend = Lend { f, lent: 0 };
        let more = self.fill(ctx, g, &mut lend)?;
        Ok(more || lend.lent > 0)
    }
}

/// Candidates of a step: a shared list, the step's own list, or every index below a bound
/// (every entity or claim, vacant indexes skipped).
#[derive(Debug)]
pub(crate) enum Cands<T> {
    Shared(Rc<Vec<T>>),
    Own(Vec<T>),
    Below(usize),
}

impl<T: Copy> Cands<T> {
    fn get(&self, i: usize, make: impl Fn(usize) -> T) -> Option<T> {
        match self {
            Cands::Shared(v) => v.get(i).copied(),
            Cands::Own(v) => v.get(i).copied(),
            Cands::Below(n) => (i < *n).then(|| make(i)),
        }
    }
}

/// The state of one step while matching.
enum Level {
    Idle,
    Nodes { cands: Cands<EntityIx>, pos: usize },
    Rels { cands: Cands<ClaimIx>, pos: usize, way: u8 },
    Expand { edges: Vec<(ClaimIx, EntityIx)>, pos: usize },
    Var(Box<VarState>),
    Shortest(Box<ShortestState>),
    Once(bool),
}

/// Names of the graph a step needs, resolved at a revision.
#[derive(Default)]
struct Resolved {
    revision: Option<u64>,
    /// Labels of the node bound (the far end for relationship steps); `None`: one is
    /// unknown, nothing matches.
    labels: Option<Vec<Sym>>,
    /// Labels of a relationship scan's near end.
    from_labels: Option<Vec<Sym>>,
    /// Types (`None`: any type).
    types: Option<Vec<Sym>>,
    /// Candidates that do not depend on the row.
    nodes: Option<Rc<Vec<EntityIx>>>,
    claims: Option<Rc<Vec<ClaimIx>>>,
    /// `n.p = e` hash join: entities by value, built on first use.
    index: Option<Rc<ValueIndex>>,
}

/// Runs the steps of a [`MatchPlan`] over one input row at a time, stopping at each match.
pub(crate) struct Matcher<'p> {
    plan: &'p MatchPlan,
    levels: Vec<Level>,
    resolved: Vec<Resolved>,
    row: Vec<Value>,
    input: Vec<Value>,
    depth: usize,
    started: bool,
    exhausted: bool,
}

impl<'p> Matcher<'p> {
    pub(crate) fn new(plan: &'p MatchPlan) -> Self {
        Matcher {
            plan,
            levels: plan.steps.iter().map(|_| Level::Idle).collect(),
            resolved: plan.steps.iter().map(|_| Resolved::default()).collect(),
            row: Vec::new(),
            input: Vec::new(),
            depth: 0,
            started: false,
            exhausted: false,
        }
    }

    /// Starts over on a new input row.
    pub(crate) fn reset(&mut self, input: &[Value]) {
        self.row.clear();
        self.row.extend_from_slice(input);
        self.input.clear();
        self.input.extend_from_slice(input);
        self.started = false;
        self.exhausted = false;
        self.depth = 0;
    }

    /// The current match (valid after [`Self::next`] returned true).
    pub(crate) fn row(&self) -> &[Value] {
        &self.row
    }

    /// The input row with these slots set to null (an OPTIONAL MATCH without a match).
    fn input_with_nulls(&self, nulls: &[Slot]) -> Vec<Value> {
        let mut row = self.input.clone();
        for s in nulls {
            row[*s] = Value::Null;
        }
        row
    }

    /// Moves to the next complete match; false when there are no more.
    pub(crate) fn next(&mut self, ctx: &Ctx<'_>, g: &Graph) -> EvalResult<bool> {
        let n = self.plan.steps.len();
        if self.exhausted {
            return Ok(false);
        }
        if !self.started {
            self.started = true;
            if n == 0 {
                return Ok(true);
            }
            self.depth = 0;
            self.init(0, ctx, g)?;
        } else if n == 0 {
            self.exhausted = true;
            return Ok(false);
        }
        loop {
            if self.advance(self.depth, ctx, g)? {
                ctx.count(self.plan.steps[self.depth].id, 1);
                if self.depth + 1 == n {
                    return Ok(true);
                }
                self.depth += 1;
                self.init(self.depth, ctx, g)?;
            } else {
                self.levels[self.depth] = Level::Idle;
                if self.depth == 0 {
                    self.exhausted = true;
                    return Ok(false);
                }
                self.depth -= 1;
            }
        }
    }

    /// Prepares step `i` on the current row.
    fn init(&mut self, i: usize, ctx: &Ctx<'_>, g: &Graph) -> EvalResult<()> {
        let plan = self.plan;
        let step = &plan.steps[i];
        self.resolve(i, g);
        let level = match &step.kind {
            StepKind::Nodes(n) => {
                let source = &n.source;
                let cands = self.node_candidates(Some(i), source, ctx, g)?;
                Level::Nodes { cands, pos: 0 }
            }
            StepKind::Rels(scan) => {
                let cands = match &scan.source {
                    RelSource::Bound(s) => match &self.row[*s] {
                        Value::Relationship(c) if g.claim(*c).is_some() => Cands::Own(vec![*c]),
                        _ => Cands::Own(Vec::new()),
                    },
                    RelSource::All => Cands::Below(g.petgraph().edge_bound()),
                    RelSource::Source(id) => Cands::Shared(self.shared_claims(i, g, |g| {
                        let sources = anchor::source_refs(g, id);
                        let mut out: Vec<ClaimIx> =
                            sources.iter().flat_map(|s| g.claims_by_source(*s)).collect();
                        if sources.len() > 1 {
                            out.sort_unstable();
                            out.dedup();
                        }
                        out
                    })),
                    RelSource::Prop(key) => Cands::Shared(self.shared_claims(i, g, |g| {
                        g.sym(key).map_or_else(Vec::new, |k| g.claims_with_prop(k).collect())
                    })),
                    RelSource::Types => {
                        let types = self.resolved[i].types.clone().unwrap_or_default();
                        Cands::Shared(self.shared_claims(i, g, |g| {
                            types.iter().flat_map(|t| g.claims_of_type(*t)).collect()
                        }))
                    }
                };
                Level::Rels { cands, pos: 0, way: 0 }
            }
            StepKind::Expand(x) => {
                let mut edges = match std::mem::replace(&mut self.levels[i], Level::Idle) {
                    Level::Expand { mut edges, .. } => {
                        edges.clear();
                        edges
                    }
                    _ => Vec::new(),
                };
                if let Value::Node(from) = self.row[x.from] {
                    edges_of(g, from, x.dir, self.resolved[i].types.as_deref(), &mut edges);
                    if let Some(StepKind::Expand(next)) = self.plan.steps.get(i + 1).map(|s| &s.kind) {
                        if next.from == x.to {
                            warm_adjacency(g, &edges);
                        }
                    }
                }
                Level::Expand { edges, pos: 0 }
            }
            StepKind::VarExpand(x) => {
                let state = match std::mem::replace(&mut self.levels[i], Level::Idle) {
                    Level::Var(s) => s,
                    _ => Box::default(),
                };
                let mut state = state;
                match self.row[x.from] {
                    Value::Node(from) => state.start(from),
                    _ => state.clear(),
                }
                Level::Var(state)
            }
            StepKind::Shortest(s) => {
                let starts = self.shortest_ends(&s.start_source, ctx, g)?;
                let ends = self.shortest_ends(&s.end_source, ctx, g)?;
                Level::Shortest(Box::new(ShortestState::new(starts, ends)))
            }
            StepKind::Filter(_) | StepKind::Path { .. } => Level::Once(false),
        };
        self.levels[i] = level;
        Ok(())
    }

    /// Binds the next candidate of step `i`; false when it has none left.
    fn advance(&mut self, i: usize, ctx: &Ctx<'_>, g: &Graph) -> EvalResult<bool> {
        let plan = self.plan;
        let step = &plan.steps[i];
        let resolved = &self.resolved[i];
        let row = &mut self.row;
        match (&step.kind, &mut self.levels[i]) {
            (StepKind::Nodes(n), Level::Nodes { cands, pos }) => {
                let (slot, test) = (&n.slot, &n.test);
                while let Some(ix) = cands.get(*pos, NodeIndex::new) {
                    *pos += 1;
                    ctx.tick()?;
                    if g.entity(ix).is_none() || !node_ok(ctx, g, test, resolved.labels.as_deref(), ix, row)?
                    {
                        continue;
                    }
                    row[*slot] = Value::Node(ix);
                    return Ok(true);
                }
                Ok(false)
            }
            (StepKind::Rels(scan), Level::Rels { cands, pos, way }) => {
                while let Some(c) = cands.get(*pos, EdgeIndex::new) {
                    ctx.tick()?;
                    let Some((s, o)) = g.endpoints(c) else {
                        *pos += 1;
                        continue;
                    };
                    let ways: &[(EntityIx, EntityIx)] = match scan.dir {
                        RelDirection::Right => &[(s, o)],
                        RelDirection::Left => &[(o, s)],
                        RelDirection::Both if s == o => &[(s, o)],
                        RelDirection::Both => &[(s, o), (o, s)],
                    };
                    let Some(&(from, to)) = ways.get(usize::from(*way)) else {
                        *pos += 1;
                        *way = 0;
                        continue;
                    };
                    *way += 1;
                    if !type_ok(g, resolved.types.as_deref(), c)
                        || used(row, &scan.rel_test.distinct_from, c)
                        || !node_ok(ctx, g, &scan.from_test, resolved.from_labels.as_deref(), from, row)?
                    {
                        continue;
                    }
                    row[scan.from] = Value::Node(from);
                    if !rel_ok(ctx, g, &scan.rel_test, c, row)?
                        || !node_ok(ctx, g, &scan.to_test, resolved.labels.as_deref(), to, row)?
                    {
                        continue;
                    }
                    row[scan.rel] = Value::Relationship(c);
                    row[scan.to] = Value::Node(to);
                    return Ok(true);
                }
                Ok(false)
            }
            (StepKind::Expand(x), Level::Expand { edges, pos }) => {
                while let Some(&(c, to)) = edges.get(*pos) {
                    *pos += 1;
                    ctx.tick()?;
                    if used(row, &x.rel_test.distinct_from, c)
                        || !rel_ok(ctx, g, &x.rel_test, c, row)?
                        || !node_ok(ctx, g, &x.to_test, resolved.labels.as_deref(), to, row)?
                    {
                        continue;
                    }
                    row[x.rel] = Value::Relationship(c);
                    row[x.to] = Value::Node(to);
                    return Ok(true);
                }
                Ok(false)
            }
            (StepKind::VarExpand(x), Level::Var(state)) => {
                state.advance(ctx, g, x, resolved.types.as_deref(), resolved.labels.as_deref(), row)
            }
            (StepKind::Shortest(s), Level::Shortest(state)) => state.advance(
                ctx,
                g,
                s,
                resolved.from_labels.as_deref(),
                resolved.labels.as_deref(),
                resolved.types.as_deref(),
                row,
            ),
            (StepKind::Filter(e), Level::Once(done)) => {
                if *done {
                    return Ok(false);
                }
                *done = true;
                holds(ctx, g, e, row)
            }
            (StepKind::Path { slot, start, hops }, Level::Once(done)) => {
                if *done {
                    return Ok(false);
                }
                *done = true;
                row[*slot] = build_path(row, *start, hops);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Resolves the names step `i` needs, if the graph changed since they were.
    fn resolve(&mut self, i: usize, g: &Graph) {
        if self.resolved[i].revision == Some(g.revision()) {
            return;
        }
        let plan = self.plan;
        let (labels, from_labels, types): (&[String], &[String], Option<&[String]>) =
            match &plan.steps[i].kind {
                StepKind::Nodes(n) => (&n.test.labels, &[], None),
                StepKind::Rels(s) => (&s.to_test.labels, &s.from_test.labels, Some(&s.rel_test.types)),
                StepKind::Expand(x) => (&x.to_test.labels, &[], Some(&x.rel_test.types)),
                StepKind::VarExpand(x) => (&x.to_test.labels, &[], Some(&x.rel_test.types)),
                StepKind::Shortest(s) => (&s.end_test.labels, &s.start_test.labels, Some(&s.rel_test.types)),
                StepKind::Filter(_) | StepKind::Path { .. } => (&[], &[], None),
            };
        self.resolved[i] = Resolved {
            revision: Some(g.revision()),
            labels: label_syms(g, labels),
            from_labels: label_syms(g, from_labels),
            types: types.and_then(|t| type_syms(g, t)),
            ..Resolved::default()
        };
    }

    fn shared_claims(
        &mut self,
        i: usize,
        g: &Graph,
        make: impl FnOnce(&Graph) -> Vec<ClaimIx>,
    ) -> Rc<Vec<ClaimIx>> {
        let r = &mut self.resolved[i];
        r.claims.get_or_insert_with(|| Rc::new(make(g))).clone()
    }

    /// An anchor's candidates; a label's members are kept for the next row (`i`: the step).
    fn anchor_nodes(&mut self, i: Option<usize>, g: &Graph, anchor: &Anchor) -> Cands<EntityIx> {
        match anchor {
            Anchor::Key(id) => Cands::Own(g.find_entity(id).into_iter().collect()),
            Anchor::Name(name) => Cands::Own(g.find_by_name(name).to_vec()),
            Anchor::All => Cands::Below(g.petgraph().node_bound()),
            Anchor::Label(l) => {
                let members =
                    || Rc::new(g.sym(l).map(|s| g.entities_with_label(s).collect()).unwrap_or_default());
                match i {
                    Some(i) => Cands::Shared(self.resolved[i].nodes.get_or_insert_with(members).clone()),
                    None => Cands::Shared(members()),
                }
            }
        }
    }

    fn node_candidates(
        &mut self,
        i: Option<usize>,
        source: &NodeSource,
        ctx: &Ctx<'_>,
        g: &Graph,
    ) -> EvalResult<Cands<EntityIx>> {
        Ok(match source {
            NodeSource::Bound(s) => Cands::Own(
                bound_node(&self.row[*s])?.into_iter().filter(|ix| g.entity(*ix).is_some()).collect(),
            ),
            NodeSource::Anchor(a) => self.anchor_nodes(i, g, a),
            NodeSource::Hash { prop, probe, anchor } => {
                let Ok(value) = eval(ctx, g, probe, &self.row) else {
                    return Ok(self.anchor_nodes(i, g, anchor));
                };
                if value.is_null() {
                    // `n.p = null` is never true.
                    return Ok(Cands::Own(Vec::new()));
                }
                if !indexable(&value) {
                    return Ok(self.anchor_nodes(i, g, anchor));
                }
                let cached = i.and_then(|i| self.resolved[i].index.clone());
                let index = match cached {
                    Some(index) => index,
                    None => {
                        let mut index = ValueIndex::default();
                        let key = prop.sym(g);
                        let cands = self.anchor_nodes(i, g, anchor);
                        let mut pos = 0;
                        while let Some(ix) = cands.get(pos, NodeIndex::new) {
                            pos += 1;
                            ctx.tick()?;
                            let v =
                                key.and_then(|k| g.entity_prop(ix, k)).map_or(Value::Null, Value::from_model);
                            if v.is_null() {
                                continue;
                            }
                            if indexable(&v) {
                                index.by_value.entry(ops::group_key(&v)).or_default().push(ix);
                            } else {
                                index.always.push(ix);
                            }
                        }
                        let index = Rc::new(index);
                        if let Some(i) = i {
                            self.resolved[i].index = Some(index.clone());
                        }
                        index
                    }
                };
                let mut found = index.by_value.get(&ops::group_key(&value)).cloned().unwrap_or_default();
                found.extend(index.always.iter().copied());
                Cands::Own(found)
            }
        })
    }

    fn shortest_ends(&mut self, source: &NodeSource, ctx: &Ctx<'_>, g: &Graph) -> EvalResult<Vec<EntityIx>> {
        let cands = self.node_candidates(None, source, ctx, g)?;
        let mut out = Vec::new();
        let mut pos = 0;
        while let Some(ix) = cands.get(pos, NodeIndex::new) {
            pos += 1;
            if g.entity(ix).is_some() {
                out.push(ix);
            }
        }
        Ok(out)
    }
}

/// The node a bound variable holds: none for null, an error for anything else.
fn bound_node(v: &Value) -> EvalResult<Option<EntityIx>> {
    match v {
        Value::Node(ix) => Ok(Some(*ix)),
        Value::Null => Ok(None),
        other => Err(type_error(
            ErrorDetail::InvalidArgumentType,
            format!("a {} is not a node", other.type_name()),
        )),
    }
}

/// Symbols of labels; `None` when one is unknown (no entity can have it).
pub(crate) fn label_syms(g: &Graph, labels: &[String]) -> Option<Vec<Sym>> {
    labels.iter().map(|l| g.sym(l)).collect()
}

/// Symbols of relationship types (`None`: no types given, any type). Unknown types are
/// left out: no claim has them.
pub(crate) fn type_syms(g: &Graph, types: &[String]) -> Option<Vec<Sym>> {
    if types.is_empty() {
        return None;
    }
    let mut syms: Vec<Sym> = types.iter().filter_map(|t| g.sym(t)).collect();
    syms.sort_unstable();
    syms.dedup();
    Some(syms)
}

pub(crate) fn type_ok(g: &Graph, types: Option<&[Sym]>, c: ClaimIx) -> bool {
    match types {
        None => true,
        Some(types) => g.claim(c).is_some_and(|claim| types.contains(&claim.rel_type)),
    }
}

pub(crate) fn labels_ok(g: &Graph, labels: Option<&[Sym]>, ix: EntityIx) -> bool {
    match labels {
        None => false,
        Some([]) => true,
        Some(labels) => g.entity(ix).is_some_and(|e| labels.iter().all(|l| e.labels.contains(l))),
    }
}

/// Whether a relationship was bound earlier in the MATCH (in one of these slots).
pub(crate) fn used(row: &[Value], slots: &[Slot], c: ClaimIx) -> bool {
    slots.iter().any(|s| match &row[*s] {
        Value::Relationship(x) => *x == c,
        Value::List(items) => items.iter().any(|v| matches!(v, Value::Relationship(x) if *x == c)),
        _ => false,
    })
}

/// Whether a node passes a step's test (`labels`: the test's labels, resolved).
pub(crate) fn node_ok(
    ctx: &Ctx<'_>,
    g: &Graph,
    test: &NodeTest,
    labels: Option<&[Sym]>,
    ix: EntityIx,
    row: &[Value],
) -> EvalResult<bool> {
    if !test.labels.is_empty() && !labels_ok(g, labels, ix) {
        return Ok(false);
    }
    if let Some(props) = &test.props {
        if !props_match(ctx, g, props, &Value::Node(ix), row)? {
            return Ok(false);
        }
    }
    if let Some(b) = test.bound {
        return Ok(matches!(row[b], Value::Node(x) if x == ix));
    }
    Ok(true)
}

/// Whether a relationship passes a step's test (its type was checked already).
pub(crate) fn rel_ok(
    ctx: &Ctx<'_>,
    g: &Graph,
    test: &RelTest,
    c: ClaimIx,
    row: &[Value],
) -> EvalResult<bool> {
    if let Some(props) = &test.props {
        if !props_match(ctx, g, props, &Value::Relationship(c), row)? {
            return Ok(false);
        }
    }
    if let Some(b) = test.bound {
        return Ok(matches!(row[b], Value::Relationship(x) if x == c));
    }
    Ok(true)
}

/// Whether an element's properties match a pattern's property map (`{name: 'Wagner'}`).
pub(crate) fn props_match(
    ctx: &Ctx<'_>,
    g: &Graph,
    props: &CExpr,
    element: &Value,
    row: &[Value],
) -> EvalResult<bool> {
    let check = |k: &str, v: &Value| -> EvalResult<bool> {
        let have = ops::property(g, element, k)?;
        Ok(ops::equals(&have, v) == Some(true) || alias_matches(g, element, k, v)?)
    };
    if let CKind::Map(entries) = &props.kind {
        for (k, e) in entries {
            if !check(k, &eval(ctx, g, e, row)?)? {
                return Ok(false);
            }
        }
        return Ok(true);
    }
    match eval(ctx, g, props, row)? {
        Value::Map(m) => {
            for (k, v) in &m {
                if !check(k, v)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Value::Null => Ok(true),
        other => Err(type_error(
            ErrorDetail::InvalidArgumentType,
            format!("property map expected, got {}", other.type_name()),
        )),
    }
}

/// Implementation extension: in a node pattern, `{name: 'Wagner'}` also matches an entity
/// whose `aliases` list holds exactly `'Wagner'` (an alias is another name of the same
/// entity). Entities without `aliases` (all of the TCK's) match as in openCypher.
fn alias_matches(g: &Graph, element: &Value, key: &str, want: &Value) -> EvalResult<bool> {
    if key != "name" || !matches!(element, Value::Node(_)) || !matches!(want, Value::String(_)) {
        return Ok(false);
    }
    Ok(match ops::property(g, element, "aliases")? {
        Value::List(items) => items.iter().any(|a| ops::equals(a, want) == Some(true)),
        _ => false,
    })
}

/// Relationships at `from` in the pattern's direction (with one of `types`), each with
/// the node it reaches; a self-loop is listed once when undirected.
pub(crate) fn edges_of(
    g: &Graph,
    from: EntityIx,
    dir: RelDirection,
    types: Option<&[Sym]>,
    out: &mut Vec<(ClaimIx, EntityIx)>,
) {
    if listed(g, from, dir, types, out) {
        return;
    }
    let pg = g.petgraph();
    // The claim is read only when there are types to test: an untyped hop follows the
    // adjacency lists alone.
    let type_ok = |e: &petgraph::stable_graph::EdgeReference<'_, crate::model::Claim>| {
        types.is_none_or(|types| types.contains(&e.weight().rel_type))
    };
    match dir {
        RelDirection::Right => {
            for e in pg.edges_directed(from, Direction::Outgoing) {
                if type_ok(&e) {
                    out.push((e.id(), other_end(e.source(), e.target(), from)));
                }
            }
        }
        RelDirection::Left => {
            for e in pg.edges_directed(from, Direction::Incoming) {
                if type_ok(&e) {
                    out.push((e.id(), other_end(e.source(), e.target(), from)));
                }
            }
        }
        RelDirection::Both => {
            // The outgoing and incoming lists are linked lists through the claims, so each
            // step of one is a cache miss at the address the step before read. Walking both
            // in turn keeps two misses in flight instead of one; the incoming edges wait in
            // a second vector so the order is the same as walking one list after the other.
            let mut outs = pg.edges_directed(from, Direction::Outgoing);
            let mut ins = pg.edges_directed(from, Direction::Incoming);
            let mut incoming = Vec::new();
            loop {
                let (o, i) = (outs.next(), ins.next());
                if o.is_none() && i.is_none() {
                    break;
                }
                if let Some(e) = o {
                    if type_ok(&e) {
                        out.push((e.id(), other_end(e.source(), e.target(), from)));
                    }
                }
                if let Some(e) = i {
                    let (s, t) = (e.source(), e.target());
                    // A self-loop was already listed as outgoing.
                    if s != t && type_ok(&e) {
                        incoming.push((e.id(), other_end(s, t, from)));
                    }
                }
            }
            out.extend(incoming);
        }
    }
}

/// [`edges_of`] from the graph's arrays of claims (`Graph::claim_list`), in the same
/// order; false, with nothing listed, when the arrays do not hold `from`'s lists.
fn listed(
    g: &Graph,
    from: EntityIx,
    dir: RelDirection,
    types: Option<&[Sym]>,
    out: &mut Vec<(ClaimIx, EntityIx)>,
) -> bool {
    let list = |d: Direction| g.claim_list(from, d);
    let (outs, ins) = match dir {
        RelDirection::Right => (list(Direction::Outgoing), Some(&[][..])),
        RelDirection::Left => (Some(&[][..]), list(Direction::Incoming)),
        RelDirection::Both => (list(Direction::Outgoing), list(Direction::Incoming)),
    };
    let (Some(outs), Some(ins)) = (outs, ins) else { return false };
    let type_ok =
        |c: ClaimIx| types.is_none_or(|types| g.claim(c).is_some_and(|cl| types.contains(&cl.rel_type)));
    out.extend(outs.iter().filter(|&&(c, _)| type_ok(c)));
    // Undirected, a self-loop was already listed as outgoing.
    let twice = |to: EntityIx| dir == RelDirection::Both && to == from;
    out.extend(ins.iter().filter(|&&(c, to)| !twice(to) && type_ok(c)));
    true
}

/// How many of a hop's far ends [`warm_adjacency`] reads ahead: enough for the neighbours
/// of a typical entity, few enough that the first are still cached when the matcher
/// reaches them.
const WARM_AHEAD: usize = 64;

/// Asks for each far end's claim lists (`Graph::warm_claim_lists`) for the first
/// [`WARM_AHEAD`] of a hop's edges, before the matcher expands them one by one. Each is a
/// cache miss on a large graph; here they are independent of each other, so the processor
/// has several in flight, where the matcher, one far end at a time, waits for each in turn.
fn warm_adjacency(g: &Graph, edges: &[(ClaimIx, EntityIx)]) {
    g.warm_claim_lists(&edges[..edges.len().min(WARM_AHEAD)]);
}

fn other_end(s: EntityIx, t: EntityIx, from: EntityIx) -> EntityIx {
    if s == from {
        t
    } else {
        s
    }
}

/// A named path from its slots, in pattern order.
fn build_path(row: &[Value], start: Slot, hops: &[PathHop]) -> Value {
    let node = |s: Slot| match &row[s] {
        Value::Node(ix) => Some(*ix),
        _ => None,
    };
    let mut nodes = Vec::with_capacity(hops.len() + 1);
    let mut rels = Vec::with_capacity(hops.len());
    let Some(first) = node(start) else { return Value::Null };
    nodes.push(first);
    for hop in hops {
        match hop {
            PathHop::One { rel, node: n } => {
                let (Value::Relationship(c), Some(ix)) = (&row[*rel], node(*n)) else { return Value::Null };
                rels.push(*c);
                nodes.push(ix);
            }
            PathHop::Var { rels: rs, nodes: ns, .. } => {
                let (Value::List(rs), Value::List(ns)) = (&row[*rs], &row[*ns]) else { return Value::Null };
                rels.extend(rs.iter().filter_map(|v| match v {
                    Value::Relationship(c) => Some(*c),
                    _ => None,
                }));
                nodes.extend(ns.iter().skip(1).filter_map(|v| match v {
                    Value::Node(ix) => Some(*ix),
                    _ => None,
                }));
            }
        }
    }
    Value::Path { nodes, rels }
}

/// Entities by the value of one property, for hash joins on `n.p = e`.
#[derive(Debug, Default)]
pub(crate) struct ValueIndex {
    by_value: HashMap<GroupKey, Vec<EntityIx>>,
    /// Entities whose value compares by more than identity (uncertain numbers, dates,
    /// lists, maps): always candidates.
    always: Vec<EntityIx>,
}

/// Values whose `=` is exactly "same group key": booleans, strings, integers and finite
/// floats (an integral float groups with the equal integer).
fn indexable(v: &Value) -> bool {
    match v {
        Value::Bool(_) | Value::String(_) | Value::Int(_) => true,
        Value::Float(x) => x.is_finite(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use petgraph::visit::EdgeRef;
    use petgraph::Direction;

    use super::edges_of;
    use crate::model::{Attestation, Claim, ClaimBatch, ClaimKind, Graph, SourceRef, Status};
    use crate::syntax::query::RelDirection;

    /// An undirected hop walks the outgoing and the incoming lists in turn, but lists the
    /// edges as one list after the other: outgoing first, then incoming, a self-loop once,
    /// with or without a type to test; lists of unequal lengths either way round. A
    /// directed hop lists its one list, self-loops included. The same whether the lists
    /// are walked in petgraph (claims added one by one) or read from the arrays a batch
    /// lays out (`Graph::claim_list`).
    #[test]
    fn an_undirected_hop_lists_outgoing_then_incoming() {
        for batched in [false, true] {
            let mut g = Graph::new();
            let nodes: Vec<_> =
                (0..8).map(|_| g.add_entity(None, Vec::new(), Vec::new()).expect("fresh")).collect();
            let types = [g.intern("R"), g.intern("S")];
            let user = g.intern("tester");
            let mut batch = batched.then(ClaimBatch::default);
            let mut claim = |g: &mut Graph, i: usize, j: usize, t: usize| {
                let attestation = Attestation::new(SourceRef::User(user), Status::Asserted);
                let c = Claim {
                    id: None,
                    rel_type: types[t],
                    props: Vec::new(),
                    attestations: vec![attestation],
                    kind: ClaimKind::Stated,
                };
                match batch.as_mut() {
                    Some(batch) => g.add_claim_batched(nodes[i], nodes[j], c, batch),
                    None => g.add_claim(nodes[i], nodes[j], c),
                }
                .expect("both exist");
            };
            for (k, j) in [1, 2, 3].into_iter().enumerate() {
                claim(&mut g, 0, j, k % 2);
            }
            for (k, i) in [4, 5, 6, 7, 1, 2].into_iter().enumerate() {
                claim(&mut g, i, 0, k % 2);
            }
            claim(&mut g, 0, 0, 0);
            for (k, j) in [0, 3, 4, 5, 6, 7, 7].into_iter().enumerate() {
                claim(&mut g, 1, j, k % 2);
            }
            if let Some(batch) = batch {
                g.finish_batch(batch);
            }
            let pg = g.petgraph();
            for from in [nodes[0], nodes[1], nodes[7]] {
                assert_eq!(
                    g.claim_list(from, Direction::Incoming).is_some(),
                    batched,
                    "which lists are read"
                );
                for typed in [None, Some(&types[..1])] {
                    let ok = |e: &petgraph::stable_graph::EdgeReference<'_, Claim>| {
                        typed.is_none_or(|ts| ts.contains(&e.weight().rel_type))
                    };
                    let far = |e: petgraph::stable_graph::EdgeReference<'_, Claim>| {
                        (e.id(), if e.source() == from { e.target() } else { e.source() })
                    };
                    let outs: Vec<_> =
                        pg.edges_directed(from, Direction::Outgoing).filter(ok).map(far).collect();
                    let ins: Vec<_> =
                        pg.edges_directed(from, Direction::Incoming).filter(ok).map(far).collect();
                    let mut both = outs.clone();
                    both.extend(
                        pg.edges_directed(from, Direction::Incoming)
                            .filter(|e| e.source() != e.target() && ok(e))
                            .map(far),
                    );
                    for (dir, want) in
                        [(RelDirection::Both, both), (RelDirection::Right, outs), (RelDirection::Left, ins)]
                    {
                        let mut got = Vec::new();
                        edges_of(&g, from, dir, typed, &mut got);
                        assert_eq!(got, want, "from {from:?}, {dir:?}, types {typed:?}, batched {batched}");
                    }
                }
            }
        }
    }
}
