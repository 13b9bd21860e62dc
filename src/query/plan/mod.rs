//! Planning: a checked query becomes a tree of operators over rows of slots.
//!
//! Every variable is resolved here, once, to a slot: an index into the rows its operators
//! read and write. Rows are vectors of values; a *segment* is the stretch of a query whose
//! rows share one layout, from the query's start or a `WITH` to the next `WITH` or
//! `RETURN` ([`Width`]). Expressions are compiled against the segment's names
//! ([`CExpr`]); patterns become the steps of a [`MatchPlan`], starting where [`anchor`]
//! says; projections become aggregation, projection, sorting and paging operators; updating
//! clauses become the writing operators. The executor (`query::exec`) runs the tree, pulling
//! batches of rows from the top; [`explain`] prints it.
//!
//! What the planner decides once, from the graph's counts when the statement starts: where
//! each chain starts, which WHERE conjuncts run after which step, whether the last hop of a
//! chain under a count can be counted instead of matched (the factorised count of
//! [`CountStep`]), which grouping keys hash by interned id, and ORDER BY ... LIMIT as a
//! top-k. What it leaves to the executor: everything that names the graph (labels, types,
//! ids, property keys), resolved again while the statement runs, since the statement may
//! create them.

pub(crate) mod anchor;
mod clauses;
mod explain;
mod expr;
mod pattern;
mod project;

use std::cell::Cell;
use std::rc::Rc;

pub(crate) use explain::explain;
use expr::Scope;
pub(crate) use expr::{CExpr, CKind, PropKey};

use crate::model::Graph;
use crate::syntax::query::{CompOp, Query, RelDirection};
use crate::syntax::Span;

use super::aggregate::AggregateKind;
use super::error::QueryError;
use super::procedures::Procedures;
use super::value::{Params, Value};

/// A position in a row.
pub(crate) type Slot = usize;

/// The number of slots of a segment's rows. Slots are handed out while the segment is
/// planned, so the operators that make rows read the final count when they run.
#[derive(Debug, Clone, Default)]
pub(crate) struct Width(Rc<Cell<usize>>);

impl Width {
    pub(crate) fn get(&self) -> usize {
        self.0.get()
    }

    /// A new slot at the end of the segment's rows.
    pub(crate) fn alloc(&self) -> Slot {
        let w = self.0.get();
        self.0.set(w + 1);
        w
    }
}

/// A whole statement: one or more single queries joined by UNION [ALL].
#[derive(Debug)]
pub(crate) struct QueryPlan {
    pub(crate) first: SinglePlan,
    /// `(all, query)` for each `UNION [ALL] query`.
    pub(crate) unions: Vec<(bool, SinglePlan)>,
}

/// One single query: its operator tree and what it returns.
#[derive(Debug)]
pub(crate) struct SinglePlan {
    pub(crate) root: Op,
    /// The columns RETURN names (empty when the query does not end in RETURN) and the slot
    /// each is read from in the root's rows.
    pub(crate) columns: Vec<(String, Slot)>,
}

/// One operator and the operator it pulls rows from.
#[derive(Debug)]
pub(crate) struct Op {
    /// Numbers operators and match steps for `:profile`'s row counts.
    pub(crate) id: usize,
    pub(crate) kind: OpKind,
    pub(crate) input: Option<Box<Op>>,
    /// The clause it comes from: errors without a place of their own point there.
    pub(crate) span: Span,
    /// What `:explain` prints after the operator's name.
    pub(crate) detail: String,
}

#[derive(Debug)]
pub(crate) enum OpKind {
    /// One row with every slot null: where a statement starts.
    Start(Width),
    /// The row a subquery runs on (`EXISTS { ... }`), given when it runs.
    Argument,
    Match(Box<MatchPlan>),
    Filter(CExpr),
    Unwind {
        list: CExpr,
        slot: Slot,
    },
    /// Evaluates each expression into its slot.
    Project(Vec<(CExpr, Slot)>),
    Aggregate(Box<AggregatePlan>),
    /// Counts of one relationship's matches, in place of the MATCH and the aggregation
    /// over it (see [`RelCountPlan`]).
    RelCounts(Box<RelCountPlan>),
    /// Drops rows whose values in these slots were seen before.
    Distinct(Vec<Slot>),
    /// ORDER BY; with `top`, only the first `skip + limit` rows are kept while sorting.
    Sort {
        keys: Vec<SortKey>,
        top: Option<(Option<CExpr>, CExpr)>,
    },
    Skip(CExpr),
    Limit(CExpr),
    /// Starts a new segment: output slot `i` holds input slot `slots[i]`.
    Narrow {
        width: Width,
        slots: Vec<Slot>,
    },
    Create(Vec<CreatePart>),
    Merge(Box<MergePlan>),
    Set(Vec<SetPlan>),
    Remove(Vec<RemovePlan>),
    Delete {
        detach: bool,
        exprs: Vec<CExpr>,
    },
    /// `CALL procedure(args) YIELD ...`: each input row once per row the procedure returns.
    ProcedureCall(Box<CallPlan>),
}

/// A `CALL`: the procedure (looked up when planning), its arguments, and the slots its
/// yielded outputs go to.
#[derive(Debug)]
pub(crate) struct CallPlan {
    pub(crate) procedure: super::procedures::Procedure,
    /// The arguments given, or (`CALL p` without parentheses) the parameters named like
    /// the procedure's inputs, as constants.
    pub(crate) args: Vec<CExpr>,
    /// (index of the output, slot) per yielded output.
    pub(crate) yields: Vec<(usize, Slot)>,
    /// `YIELD ... WHERE`.
    pub(crate) where_: Option<CExpr>,
}

#[derive(Debug)]
pub(crate) struct SortKey {
    pub(crate) expr: CExpr,
    pub(crate) descending: bool,
}

/// A MATCH (or a pattern inside an expression): steps run depth-first over each input
/// row, each binding slots or filtering.
#[derive(Debug)]
pub(crate) struct MatchPlan {
    pub(crate) optional: bool,
    pub(crate) steps: Vec<Step>,
    /// Slots an OPTIONAL MATCH sets to null when nothing matches.
    pub(crate) nulls: Vec<Slot>,
    /// The last hop, counted instead of matched: each match of the steps is one row that
    /// stands for this many (see [`CountStep`]).
    pub(crate) count: Option<CountStep>,
}

#[derive(Debug)]
pub(crate) struct Step {
    pub(crate) id: usize,
    pub(crate) kind: StepKind,
    /// What `:explain` prints after the step's name.
    pub(crate) detail: String,
}

#[derive(Debug)]
pub(crate) enum StepKind {
    /// Binds (or, when bound, checks) a node.
    Nodes(Box<NodeStep>),
    /// Binds a relationship and both its ends from relationship candidates.
    Rels(Box<RelScan>),
    /// One relationship from a bound node.
    Expand(Box<Expand>),
    /// A trail of `min..=max` relationships from a bound node.
    VarExpand(Box<VarExpand>),
    /// `shortestPath` / `allShortestPaths` between candidates for both ends.
    Shortest(Box<Shortest>),
    Filter(CExpr),
    /// Builds a named path from the slots of its nodes and relationships.
    Path {
        slot: Slot,
        start: Slot,
        hops: Vec<PathHop>,
    },
}

#[derive(Debug)]
pub(crate) struct NodeStep {
    pub(crate) slot: Slot,
    pub(crate) source: NodeSource,
    pub(crate) test: NodeTest,
}

/// Where a node step's candidates come from.
#[derive(Debug)]
pub(crate) enum NodeSource {
    /// Already bound: that node, if it is one.
    Bound(Slot),
    Anchor(anchor::Anchor),
    /// `n.p = e`: entities looked up by value in a table built on first use (a hash join);
    /// `probe` is evaluated on the row. Otherwise, the anchor's candidates.
    Hash {
        prop: PropKey,
        probe: CExpr,
        anchor: anchor::Anchor,
    },
}

/// What a node must satisfy besides where it came from.
#[derive(Debug, Default)]
pub(crate) struct NodeTest {
    pub(crate) labels: Vec<String>,
    /// A property map (`{name: 'Wagner'}`): equal values, or a name among the aliases.
    pub(crate) props: Option<CExpr>,
    /// The variable's slot when it is bound before this step: the node must be that one.
    pub(crate) bound: Option<Slot>,
}

/// What a relationship must satisfy.
#[derive(Debug, Default)]
pub(crate) struct RelTest {
    /// Any of these types (none: any type).
    pub(crate) types: Vec<String>,
    pub(crate) props: Option<CExpr>,
    /// Bound before this step: the relationship must be that one.
    pub(crate) bound: Option<Slot>,
    /// Relationships bound earlier in the same MATCH (single ones, or lists from
    /// variable-length hops): none of them may be matched again.
    pub(crate) distinct_from: Vec<Slot>,
}

#[derive(Debug)]
pub(crate) enum RelSource {
    Bound(Slot),
    /// Claims the source attests itself.
    Source(String),
    /// The claims of the relationship test's types.
    Types,
    /// The claims holding this property.
    Prop(String),
    All,
}

#[derive(Debug)]
pub(crate) struct RelScan {
    pub(crate) source: RelSource,
    pub(crate) from: Slot,
    pub(crate) rel: Slot,
    pub(crate) to: Slot,
    pub(crate) dir: RelDirection,
    pub(crate) from_test: NodeTest,
    pub(crate) rel_test: RelTest,
    pub(crate) to_test: NodeTest,
}

#[derive(Debug)]
pub(crate) struct Expand {
    pub(crate) from: Slot,
    pub(crate) rel: Slot,
    pub(crate) to: Slot,
    pub(crate) dir: RelDirection,
    pub(crate) rel_test: RelTest,
    pub(crate) to_test: NodeTest,
}

#[derive(Debug)]
pub(crate) struct VarExpand {
    pub(crate) from: Slot,
    /// The list of relationships.
    pub(crate) rel: Slot,
    pub(crate) to: Slot,
    pub(crate) dir: RelDirection,
    pub(crate) min: usize,
    pub(crate) max: usize,
    pub(crate) rel_test: RelTest,
    pub(crate) to_test: NodeTest,
    /// The nodes along the trail, for a named path.
    pub(crate) nodes: Option<Slot>,
    /// Matched from the pattern's far end: the lists are turned round to pattern order.
    pub(crate) reversed: bool,
}

#[derive(Debug)]
pub(crate) struct Shortest {
    pub(crate) all: bool,
    pub(crate) start: Slot,
    pub(crate) start_source: NodeSource,
    pub(crate) start_test: NodeTest,
    pub(crate) end: Slot,
    pub(crate) end_source: NodeSource,
    pub(crate) end_test: NodeTest,
    pub(crate) rel: Option<Slot>,
    pub(crate) dir: RelDirection,
    pub(crate) rel_test: RelTest,
    pub(crate) min: usize,
    pub(crate) max: usize,
    pub(crate) path: Option<Slot>,
}

/// One hop of a named path, in pattern order.
#[derive(Debug)]
pub(crate) enum PathHop {
    One {
        rel: Slot,
        node: Slot,
    },
    /// A variable-length hop: the slot of its trail's nodes (first to last in pattern order).
    Var {
        rels: Slot,
        nodes: Slot,
    },
}

/// A hop counted rather than matched: the number of relationships at a node in `dir`
/// with one of the types, whose far end has the labels.
#[derive(Debug)]
pub(crate) struct CountHop {
    pub(crate) dir: RelDirection,
    pub(crate) types: Vec<String>,
    pub(crate) labels: Vec<String>,
}

/// The hops at the ends of a chain, counted rather than matched, at the node `from`: each
/// match of the steps stands for that many rows. With one hop (the last), the count is its
/// degree less the relationships bound earlier in the MATCH; with both (`first` too, a
/// chain of two walked from its middle node), it is the product of the two degrees less
/// the relationships both hops could take (a relationship is bound once per match). Only
/// when nothing reads the hops' variables and the rows feed an aggregation that counts (so
/// a row standing for `n` matches is as good as `n` rows).
#[derive(Debug)]
pub(crate) struct CountStep {
    pub(crate) id: usize,
    pub(crate) from: Slot,
    pub(crate) last: CountHop,
    pub(crate) first: Option<CountHop>,
    pub(crate) distinct_from: Vec<Slot>,
    /// Count every entity's relationships in one pass over all claims, instead of each
    /// entity's when first met: the steps before start from a scan of the whole graph.
    pub(crate) whole_graph: bool,
    pub(crate) detail: String,
}

impl CountHop {
    /// Whether the hop takes every relationship in its direction (no types, no labels at
    /// the far end): its degree is then the graph's own count ([`Graph::degree`]).
    ///
    /// [`Graph::degree`]: crate::model::Graph::degree
    pub(crate) fn plain(&self) -> bool {
        self.types.is_empty() && self.labels.is_empty()
    }
}

impl CountStep {
    /// Whether every counted hop is [`CountHop::plain`].
    pub(crate) fn plain(&self) -> bool {
        self.last.plain() && self.first.as_ref().is_none_or(CountHop::plain)
    }
}

/// Grouping and aggregation (an aggregating WITH or RETURN).
#[derive(Debug)]
pub(crate) struct AggregatePlan {
    pub(crate) keys: Vec<GroupKeyPlan>,
    pub(crate) aggs: Vec<AggPlan>,
    /// The segment's rows: with no input and no keys, one row of nulls is aggregated over.
    pub(crate) width: Width,
}

/// `MATCH (a)-[r]->(b) [WHERE ...] RETURN [type(r),] count(*)`: one directed relationship
/// with nothing asked of its ends, each WHERE conjunct reading only the relationship, no
/// grouping key or `type(r)` alone, each aggregate a count of the matches (`count(*)`, or
/// `count(x)` of a variable the pattern always binds). Without a WHERE and grouped by
/// type, each count is the size of the type's set in the type index; otherwise the
/// candidates of the scan are counted where the conjuncts hold, without building rows. A
/// group's row is the one the aggregation would have kept (its first match in the scan's
/// order: that claim and its ends), so whatever the projection computes from it agrees.
#[derive(Debug)]
pub(crate) struct RelCountPlan {
    /// Where the scan's candidates come from (every claim, the types', a property's).
    pub(crate) source: RelSource,
    /// The pattern's types (none: every type).
    pub(crate) types: Vec<String>,
    /// The WHERE conjuncts, on a row where only `rel` is bound.
    pub(crate) filters: Vec<CExpr>,
    /// The slots of the pattern's near end, relationship and far end.
    pub(crate) from: Slot,
    pub(crate) rel: Slot,
    pub(crate) to: Slot,
    /// Matched from the pattern's far end: `from` is the claim's object.
    pub(crate) left: bool,
    /// The grouping key's slot (`type(r)`), if any, and each aggregate's.
    pub(crate) key: Option<Slot>,
    /// Whether the aggregation would keep a group's first match as its row (with a key,
    /// or an aggregate other than `count(*)`), or a row of nulls (`count(*)` alone).
    pub(crate) keep_first: bool,
    pub(crate) counts: Vec<Slot>,
    pub(crate) width: Width,
}

impl RelCountPlan {
    /// Whether the counts are the type index's sizes (no conjunct to test).
    pub(crate) fn reads_type_index(&self) -> bool {
        self.filters.is_empty()
            && self.key.is_some()
            && matches!(self.source, RelSource::All | RelSource::Types)
    }

    /// When the count is of every type and ungrouped, and its one conjunct compares the
    /// scanned property with an integer (`r.k > 50`, `50 < r.k`): the property and the
    /// comparison, the property on the left. Where the property's values are all integers,
    /// the count is that range of the property's integer values.
    pub(crate) fn int_comparison(&self) -> Option<(&str, CompOp, i64)> {
        let RelSource::Prop(prop) = &self.source else { return None };
        let [CExpr { kind: CKind::PropertyCompare { slot, key, op, value: Value::Int(c), flipped }, .. }] =
            self.filters.as_slice()
        else {
            return None;
        };
        if self.key.is_some() || !self.types.is_empty() || *slot != self.rel || key.name != *prop {
            return None;
        }
        let op = match (op, flipped) {
            (CompOp::Regex, _) => return None,
            (CompOp::Lt, true) => CompOp::Gt,
            (CompOp::Le, true) => CompOp::Ge,
            (CompOp::Gt, true) => CompOp::Lt,
            (CompOp::Ge, true) => CompOp::Le,
            (op, _) => *op,
        };
        Some((prop, op, *c))
    }
}

#[derive(Debug)]
pub(crate) struct GroupKeyPlan {
    pub(crate) expr: CExpr,
    pub(crate) slot: Slot,
    pub(crate) shape: KeyShape,
}

/// How a grouping key is hashed: by interned id where the expression allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyShape {
    /// A variable: nodes and relationships by index.
    Slot(Slot),
    /// `type(r)`: by the interned type.
    RelType(Slot),
    /// `labels(n)`: by the interned labels.
    Labels(Slot),
    /// Anything else: by the value's grouping key.
    Value,
}

#[derive(Debug)]
pub(crate) struct AggPlan {
    pub(crate) kind: AggregateKind,
    pub(crate) distinct: bool,
    pub(crate) args: Vec<CExpr>,
    pub(crate) slot: Slot,
}

/// One part of a CREATE pattern (also what MERGE creates).
#[derive(Debug)]
pub(crate) struct CreatePart {
    pub(crate) path: Option<Slot>,
    pub(crate) start: CreateNode,
    pub(crate) chain: Vec<(CreateRel, CreateNode)>,
}

#[derive(Debug)]
pub(crate) struct CreateNode {
    pub(crate) slot: Option<Slot>,
    /// Bound before: the existing node is used, not created.
    pub(crate) bound: bool,
    pub(crate) var: Option<String>,
    pub(crate) labels: Vec<String>,
    pub(crate) props: Option<CExpr>,
}

#[derive(Debug)]
pub(crate) struct CreateRel {
    pub(crate) slot: Option<Slot>,
    pub(crate) rel_type: Option<String>,
    pub(crate) left: bool,
    pub(crate) props: Option<CExpr>,
    pub(crate) span: Span,
}

#[derive(Debug)]
pub(crate) struct MergePlan {
    pub(crate) pattern: MatchPlan,
    pub(crate) create: CreatePart,
    /// The pattern's property maps: none may hold a null.
    pub(crate) prop_maps: Vec<CExpr>,
    pub(crate) on_create: Vec<SetPlan>,
    pub(crate) on_match: Vec<SetPlan>,
}

#[derive(Debug)]
pub(crate) enum SetPlan {
    /// `a.b = e`: `target` evaluates to the element.
    Property {
        target: CExpr,
        key: String,
        value: CExpr,
    },
    /// `n += {map}` (`replace: false`) or `n = {map}`.
    Map {
        var: Slot,
        value: CExpr,
        replace: bool,
    },
    Labels {
        var: Slot,
        labels: Vec<String>,
    },
    /// A target this engine cannot set.
    Unsupported(&'static str),
}

#[derive(Debug)]
pub(crate) enum RemovePlan {
    Labels { var: Slot, labels: Vec<String> },
    Property { target: CExpr, key: String },
    Unsupported(&'static str),
}

/// Plans a checked statement on the graph as it is now. `text` is the statement's text
/// (unaliased columns are named from it).
pub(crate) fn plan(
    g: &Graph,
    query: &Query,
    params: &Params,
    text: &str,
    procedures: &Procedures,
    explained: bool,
) -> Result<QueryPlan, QueryError> {
    let mut planner = Planner { g, params, text, procedures, next_id: 0, explained };
    let first = planner.single(&query.first)?;
    let mut unions = Vec::new();
    for (all, part) in &query.unions {
        unions.push((*all, planner.single(part)?));
    }
    Ok(QueryPlan { first, unions })
}

/// An expression on its own (no variables in scope), and the width of the row it needs:
/// for checks before a statement runs.
pub(crate) fn compile_alone(g: &Graph, params: &Params, e: &crate::syntax::query::Expr) -> (CExpr, usize) {
    let procedures = Procedures::builtin();
    let mut planner = Planner { g, params, text: "", procedures: &procedures, next_id: 0, explained: false };
    let w = Width::default();
    let compiled = planner.expr(e, &Scope::default(), &w);
    (compiled, w.get())
}

/// What planning needs throughout: the graph's counts, the parameters (known when a
/// statement is planned, so they are constants), the text, the procedures `CALL` can
/// run, and operator numbering.
pub(crate) struct Planner<'a> {
    pub(crate) g: &'a Graph,
    pub(crate) params: &'a Params,
    pub(crate) text: &'a str,
    pub(crate) procedures: &'a Procedures,
    next_id: usize,
    /// Whether the plan will be printed (`:explain`, `:profile`): only then are the
    /// operators' and steps' `detail` texts written, since writing them costs a lookup
    /// from the statement cache about as much as the rest of its planning.
    explained: bool,
}

impl Planner<'_> {
    fn id(&mut self) -> usize {
        self.next_id += 1;
        self.next_id - 1
    }

    /// An operator's or step's `:explain` text: `text()` when the plan will be printed,
    /// else empty.
    pub(crate) fn detail(&self, text: impl FnOnce() -> String) -> String {
        if self.explained {
            text()
        } else {
            String::new()
        }
    }

    fn op(&mut self, kind: OpKind, input: Op, span: Span, detail: String) -> Op {
        Op { id: self.id(), kind, input: Some(Box::new(input)), span, detail }
    }
}
