//! The statement cache: parsed and checked statements kept under their normalised text
//! ([`crate::syntax::autoparam`]), so that the hundred lookups that differ only in an id
//! are parsed once.
//!
//! An entry is the parse of the normalised text (its literals are parameters,
//! `$autostring_0`), made from the first statement of that text that ran, and kept only if
//! each lifted literal sat, in that statement's own parse, where a parameter means the same:
//! a comparison's operand or a map entry's value, in a MATCH pattern or a WHERE, outside a
//! quantifier (whose constant lists are checked when the statement is compiled), and the
//! two parses print the same once the placeholders are put back. Statements that write,
//! and normalised texts that fail those tests, are remembered as never cached. A hit is
//! planned again each time, against the graph's statistics and the literals' values at
//! that moment: plans are specialised on values (the id index's entity, a name's
//! candidates, constants folded into filters), so a plan is never reused and never stale.
//! The cache holds at most [`StatementCache::new`]'s capacity of entries and forgets the
//! least recently used first.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::syntax::autoparam::{normalise, Normalised};
use crate::syntax::query::{ClauseKind, CompOp, Expr, ExprKind, Literal, Query, SingleQuery};
use crate::syntax::Span;

/// A checked statement with parameters for its literals.
#[derive(Debug)]
pub(crate) struct Template {
    /// The parse of `text`.
    pub(crate) query: Query,
    /// The normalised text (spans point into it; unaliased columns are named from it).
    pub(crate) text: String,
}

#[derive(Debug)]
enum Entry {
    Ready(Arc<Template>),
    /// Its literals cannot all be parameters, or it writes: always parsed afresh.
    Never,
}

/// What the cache holds for a statement's text.
#[derive(Debug)]
pub(crate) enum Lookup {
    /// A statement of the same normalised text ran before: run the template with the
    /// lifted literals as parameters.
    Hit(Arc<Template>, Normalised),
    /// Not seen yet (or forgotten): parse the statement, and give it to `learn` once it ran.
    Miss(Normalised),
    /// Never cached: the text cannot be normalised, or its normalised text was tried.
    Bypass,
}

/// A bounded map from normalised statement text to the checked statement. It may be
/// shared by threads: the map is locked only to look up and to keep an entry, never while a
/// statement runs.
#[derive(Debug)]
pub struct StatementCache {
    capacity: usize,
    map: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    entries: HashMap<String, (Entry, u64)>,
    /// Ticks on each use, for least-recently-used eviction.
    clock: u64,
}

impl StatementCache {
    /// A cache holding at most `capacity` normalised texts (0: nothing is cached).
    pub fn new(capacity: usize) -> Self {
        StatementCache { capacity, map: Mutex::new(Entries::default()) }
    }

    fn map(&self) -> MutexGuard<'_, Entries> {
        // Nothing panics while the map is locked; if it did, the map is still whole.
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What the cache holds for `text` (one statement, without its `;`).
    pub(crate) fn lookup(&self, text: &str) -> Lookup {
        if self.capacity == 0 {
            return Lookup::Bypass;
        }
        let Some(normalised) = normalise(text) else { return Lookup::Bypass };
        let mut map = self.map();
        map.clock += 1;
        let clock = map.clock;
        match map.entries.get_mut(&normalised.text) {
            Some((Entry::Ready(t), used)) => {
                *used = clock;
                Lookup::Hit(Arc::clone(t), normalised)
            }
            Some((Entry::Never, used)) => {
                *used = clock;
                Lookup::Bypass
            }
            None => Lookup::Miss(normalised),
        }
    }

    /// Keeps `template` (or, with `None`, that the text is never cached) under its
    /// normalised text, forgetting the least recently used entry when full.
    pub(crate) fn insert(&self, text: String, template: Option<Template>) {
        if self.capacity == 0 {
            return;
        }
        let mut map = self.map();
        if map.entries.len() >= self.capacity && !map.entries.contains_key(&text) {
            let oldest = map.entries.iter().min_by_key(|(_, (_, used))| *used).map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                map.entries.remove(&oldest);
            }
        }
        map.clock += 1;
        let entry = template.map_or(Entry::Never, |t| Entry::Ready(Arc::new(t)));
        let clock = map.clock;
        map.entries.insert(text, (entry, clock));
    }

    /// How many normalised texts it holds.
    pub fn len(&self) -> usize {
        self.map().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Whether `template` (the parse of `normalised.text`) may stand for every statement of
/// that normalised text: `parsed` is the first one's own parse (its spans start `offset`
/// bytes before the normalised text's original), which must not write, must hold each
/// lifted literal where a parameter means the same, and must print as the template does
/// once the literals are put back.
pub(crate) fn may_stand_for(
    parsed: &Query,
    offset: usize,
    normalised: &Normalised,
    template: &Query,
) -> bool {
    let singles = || std::iter::once(&parsed.first).chain(parsed.unions.iter().map(|(_, q)| q));
    if singles().flat_map(|q| &q.clauses).any(|c| writes(&c.kind)) {
        return false;
    }
    let mut places = Vec::new();
    singles().for_each(|q| parameter_places(q, &mut places));
    let in_place = |l: &crate::syntax::autoparam::Lifted| {
        let at = Span::new(l.original.start + offset, l.original.end + offset);
        places.iter().any(|(span, value)| *span == at && same_literal(value, &l.value))
    };
    if !normalised.lifted.iter().all(in_place) {
        return false;
    }
    let mut printed = template.to_string();
    // Highest first, so `$autoint_1` is not taken for the start of `$autoint_10`.
    for l in normalised.lifted.iter().rev() {
        printed = printed.replace(&format!("${}", l.name), &l.value.to_string());
    }
    printed == parsed.to_string()
}

fn writes(kind: &ClauseKind) -> bool {
    matches!(
        kind,
        ClauseKind::Create { .. }
            | ClauseKind::Merge { .. }
            | ClauseKind::Set { .. }
            | ClauseKind::Remove { .. }
            | ClauseKind::Delete { .. }
    )
}

/// Equal literals, floats by their bits.
fn same_literal(a: &Literal, b: &Literal) -> bool {
    match (a, b) {
        (Literal::Float(x), Literal::Float(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}

/// The string and number literals of a single query that a parameter can replace without
/// changing what the statement means: values of MATCH patterns' property maps, and in a
/// MATCH's or WITH's WHERE, operands of comparisons (not `=~`) and map values, outside
/// quantifiers and nested patterns.
fn parameter_places<'q>(q: &'q SingleQuery, out: &mut Vec<(Span, &'q Literal)>) {
    for c in &q.clauses {
        match &c.kind {
            ClauseKind::Match { pattern, where_, .. } => {
                for part in &pattern.parts {
                    part.element.property_maps().for_each(|m| map_values(m, out));
                }
                if let Some(w) = where_ {
                    operands(w, out);
                }
            }
            ClauseKind::With { where_: Some(w), .. } => operands(w, out),
            _ => {}
        }
    }
}

fn liftable(e: &Expr) -> Option<(Span, &Literal)> {
    match &e.kind {
        ExprKind::Literal(l @ (Literal::String(_) | Literal::Int(_) | Literal::Float(_))) => {
            Some((e.span, l))
        }
        _ => None,
    }
}

fn map_values<'q>(m: &'q Expr, out: &mut Vec<(Span, &'q Literal)>) {
    if let ExprKind::Map(entries) = &m.kind {
        out.extend(entries.iter().filter_map(|(_, v)| liftable(v)));
    }
}

fn operands<'q>(e: &'q Expr, out: &mut Vec<(Span, &'q Literal)>) {
    match &e.kind {
        // `exec::check_constants` evaluates quantifiers over constant lists when the
        // statement is compiled: their literals stay literals.
        ExprKind::Quantifier { .. } => return,
        ExprKind::Comparison(first, rest) if rest.iter().all(|(op, _)| *op != CompOp::Regex) => {
            out.extend(liftable(first));
            out.extend(rest.iter().filter_map(|(_, x)| liftable(x)));
        }
        ExprKind::Map(_) => map_values(e, out),
        _ => {}
    }
    for c in e.children() {
        operands(c, out);
    }
}
