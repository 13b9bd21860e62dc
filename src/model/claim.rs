//! Claims, their attestations, denials and declared constraints: the provenance half of the
//! model. Entities and the graph that links them live in [`super::graph`].

use petgraph::stable_graph::{EdgeIndex, NodeIndex};

use super::date::DateValue;
use super::graph::Graph;
use super::value::Value;
use super::Sym;

pub type EntityIx = NodeIndex<u32>;
pub type ClaimIx = EdgeIndex<u32>;

/// Properties in declaration order; entities and claims carry few, so a vector beats a map.
pub type Props = Vec<(Sym, Value)>;

/// How a source hedges what it says. Hedged is not the same as false.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Asserted,
    Reported,
    Unconfirmed,
    Alleged,
    Believed,
    Denied,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Asserted,
        Status::Reported,
        Status::Unconfirmed,
        Status::Alleged,
        Status::Believed,
        Status::Denied,
    ];

    /// The keyword as written in the language and returned by `status(r)`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Asserted => "asserted",
            Status::Reported => "reported",
            Status::Unconfirmed => "unconfirmed",
            Status::Alleged => "alleged",
            Status::Believed => "believed",
            Status::Denied => "denied",
        }
    }

    pub fn parse(word: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str().eq_ignore_ascii_case(word))
    }

    /// Unconfirmed, alleged and believed statements are hedged: they count, but weigh less.
    pub fn is_hedged(self) -> bool {
        matches!(self, Status::Unconfirmed | Status::Alleged | Status::Believed)
    }
}

/// Who stands behind an attestation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceRef {
    /// A declared source (or document) in the graph.
    Entity(EntityIx),
    /// A person at the keyboard: `CREATE` in a session attests its user by name.
    User(Sym),
}

/// One source's statement of a claim.
#[derive(Debug, Clone, PartialEq)]
pub struct Attestation {
    pub source: SourceRef,
    /// Who relayed the source's words, nearest first (`doctor` via `reuters`).
    pub via: Vec<EntityIx>,
    pub status: Status,
    pub quote: Option<Box<str>>,
    pub document: Option<EntityIx>,
    /// Where in the document (`'para 3'`).
    pub position: Option<Box<str>>,
    /// When it was said: a [`Value::Date`] (of any precision, or relative to the
    /// document) or a [`Value::Temporal`] date-time.
    pub date: Option<Value>,
}

impl Attestation {
    /// These attestations without repeats (one given twice in a statement counts once), in
    /// a vector of exactly their number: most claims have one, and a pushed vector would
    /// reserve four (~290 MB at 1M claims).
    pub(crate) fn distinct(atts: Vec<Attestation>) -> Vec<Attestation> {
        let mut out: Vec<Attestation> = Vec::with_capacity(atts.len());
        for a in atts {
            if !out.contains(&a) {
                out.push(a);
            }
        }
        out.shrink_to_fit();
        out
    }

    pub fn new(source: SourceRef, status: Status) -> Self {
        Attestation {
            source,
            via: Vec::new(),
            status,
            quote: None,
            document: None,
            position: None,
            date: None,
        }
    }

    /// The first voice in the chain: the source itself.
    pub fn primary_source(&self) -> SourceRef {
        self.source
    }
}

/// Whether a relationship was stated by sources or derived from declarations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimKind {
    /// A claim declared with `CLAIM` or created by a query.
    Stated,
    /// A `VIA` hop of a source's attribution chain, kept as an edge so chains are paths.
    ChainLink,
}

/// A relationship between two entities, stated by one or more sources.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// The claim id (`-[c7:TYPE]->`), if it was named.
    pub id: Option<Sym>,
    pub rel_type: Sym,
    pub props: Props,
    pub attestations: Vec<Attestation>,
    pub kind: ClaimKind,
}

impl Claim {
    pub fn prop(&self, key: Sym) -> Option<&Value> {
        self.props.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

/// One end of a relationship pattern in a denial or a constraint: `(id)`, `(:Label)`, `()`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EndSelector {
    pub entity: Option<EntityIx>,
    pub labels: Vec<Sym>,
}

/// `(subject)-[:TYPE]->(object)` as used by denials and constraints.
#[derive(Debug, Clone, PartialEq)]
pub struct RelPattern {
    pub subject: EndSelector,
    pub rel_type: Sym,
    pub object: EndSelector,
}

/// What a denial denies.
#[derive(Debug, Clone, PartialEq)]
pub enum DenialTarget {
    Claim(ClaimIx),
    /// Every claim matching the pattern whose properties fall within `conditions`.
    Class {
        pattern: RelPattern,
        conditions: Props,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Denial {
    pub target: DenialTarget,
    pub attestations: Vec<Attestation>,
}

impl Denial {
    /// Whether this denial covers a claim: the claim it names, or (for a class) a stated
    /// claim matching the pattern whose values lie *within* every condition ([`within`]).
    /// Shared by the contradiction engine and the query function `denials(r)`.
    pub fn covers(&self, graph: &Graph, ix: ClaimIx) -> bool {
        match &self.target {
            DenialTarget::Claim(c) => *c == ix,
            DenialTarget::Class { pattern, conditions } => {
                let Some(claim) = graph.claim(ix) else { return false };
                let Some((s, o)) = graph.endpoints(ix) else { return false };
                claim.kind == ClaimKind::Stated
                    && pattern.matches(graph, claim.rel_type, s, o)
                    && conditions.iter().all(|(k, cond)| claim.prop(*k).is_some_and(|v| within(v, cond)))
            }
        }
    }
}

impl Denial {
    /// What is denied, as written in the language: a claim id (or its pattern when it is
    /// unnamed), or the class pattern with its conditions.
    pub fn target_text(&self, graph: &Graph) -> String {
        match &self.target {
            DenialTarget::Claim(c) => match graph.claim(*c) {
                Some(claim) => match claim.id {
                    Some(id) => graph.str(id).to_string(),
                    None => {
                        let (s, o) = graph
                            .endpoints(*c)
                            .map_or(("?", "?"), |(s, o)| (graph.entity_id(s), graph.entity_id(o)));
                        format!(
                            "({s})-[:{}{}]->({o})",
                            graph.str(claim.rel_type),
                            props_text(graph, &claim.props)
                        )
                    }
                },
                None => String::new(),
            },
            DenialTarget::Class { pattern, conditions } => {
                let end = |e: &EndSelector| {
                    let mut t = String::from("(");
                    if let Some(ix) = e.entity {
                        t.push_str(graph.entity_id(ix));
                    }
                    for l in &e.labels {
                        t.push(':');
                        t.push_str(graph.str(*l));
                    }
                    t.push(')');
                    t
                };
                format!(
                    "{}-[:{}{}]->{}",
                    end(&pattern.subject),
                    graph.str(pattern.rel_type),
                    props_text(graph, conditions),
                    end(&pattern.object)
                )
            }
        }
    }
}

/// ` {k: v, ...}`, or nothing for no properties.
fn props_text(graph: &Graph, props: &Props) -> String {
    if props.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = props.iter().map(|(k, v)| format!("{}: {v}", graph.str(*k))).collect();
    format!(" {{{}}}", parts.join(", "))
}

/// Whether a value falls under a denial's condition: numbers must lie entirely within the
/// condition's interval (a denial of "tens or hundreds", `>=10`, covers `~100` and `>100`
/// but not `5` or `<12`); dates must lie within the condition's date; anything else must be
/// equal.
pub fn within(value: &Value, condition: &Value) -> bool {
    if let (Some(v), Some(c)) = (value.interval(), condition.interval()) {
        return v.within(&c);
    }
    match (value, condition) {
        (Value::Date(DateValue::Absolute(v)), Value::Date(DateValue::Absolute(c))) => {
            let ((v0, v1), (c0, c1)) = (v.day_range(), c.day_range());
            c0 <= v0 && v1 <= c1
        }
        _ => value == condition,
    }
}

impl EndSelector {
    /// Whether an entity fits: the named entity (if any) with every label.
    pub fn matches(&self, graph: &Graph, ix: EntityIx) -> bool {
        self.entity.is_none_or(|e| e == ix) && self.labels.iter().all(|l| graph.has_label(ix, *l))
    }
}

impl RelPattern {
    /// Whether a relationship of type `rel_type` from `s` to `o` fits the pattern.
    pub fn matches(&self, graph: &Graph, rel_type: Sym, s: EntityIx, o: EntityIx) -> bool {
        self.rel_type == rel_type && self.subject.matches(graph, s) && self.object.matches(graph, o)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Violation,
    Warning,
    Suggestion,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Violation => "violation",
            Severity::Warning => "warning",
            Severity::Suggestion => "suggestion",
        }
    }

    pub fn parse(word: &str) -> Option<Severity> {
        [Severity::Violation, Severity::Warning, Severity::Suggestion]
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(word))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ConstraintKind {
    /// Each property has one true value per (subject, object); with no properties, the
    /// relationship has one object per subject.
    Single { pattern: RelPattern, properties: Vec<Sym> },
    /// `parts` add up to `total` (killed + wounded = killed_or_wounded).
    Sum { pattern: RelPattern, parts: Vec<Sym>, total: Sym },
    /// The relationships cannot hold together between the same ends.
    Exclusive { patterns: Vec<RelPattern> },
    /// The same fact may not be dated differently beyond both dates' precision.
    Temporal { pattern: RelPattern, property: Sym },
    /// A part's figure cannot exceed its whole's: two claims of the pattern that share one
    /// end, whose other ends are linked by `part_of` claims (part `-[:PART_OF]->` whole,
    /// followed transitively).
    Parts { pattern: RelPattern, properties: Vec<Sym>, part_of: Sym },
    /// A figure cannot exceed another relationship's figure between the same entities
    /// (casualties cannot exceed the strength of the force that took them); with
    /// `part_of`, the bounding relationship may be about a whole the claim's end is part of.
    Bound { pattern: RelPattern, properties: Vec<Sym>, by: BoundBy, part_of: Option<Sym> },
}

/// One end of a [`BoundBy`] pattern: the bounded claim's subject or object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundEnd {
    Subject,
    Object,
}

impl BoundEnd {
    pub fn keyword(self) -> &'static str {
        match self {
            BoundEnd::Subject => "SUBJECT",
            BoundEnd::Object => "OBJECT",
        }
    }
}

/// `(OBJECT)-[:PARTICIPATED_IN]->(SUBJECT) ON strength`: the relationship whose property
/// bounds a [`ConstraintKind::Bound`] claim's, joined to that claim's ends.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundBy {
    pub subject: BoundEnd,
    pub rel_type: Sym,
    pub object: BoundEnd,
    pub property: Sym,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    pub id: Sym,
    pub kind: ConstraintKind,
    /// Scope qualifiers: claims that differ in these are not compared.
    pub per: Vec<Sym>,
    pub severity: Option<Severity>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new claim's attestations: repeats dropped, first ones kept in order, and the
    /// vector no larger than they are (a pushed vector would reserve four at 1M claims).
    #[test]
    fn distinct_attestations_drop_repeats_and_fit_their_vector() {
        let a = Attestation::new(SourceRef::Entity(EntityIx::new(1)), Status::Reported);
        let b = Attestation::new(SourceRef::Entity(EntityIx::new(2)), Status::Asserted);
        for (given, expected) in [
            (vec![a.clone()], vec![a.clone()]),
            (vec![a.clone(), a.clone()], vec![a.clone()]),
            (vec![b.clone(), a.clone(), b.clone()], vec![b.clone(), a.clone()]),
            (Vec::new(), Vec::new()),
        ] {
            let out = Attestation::distinct(given);
            assert_eq!(out, expected);
            assert_eq!(out.capacity(), out.len());
        }
    }
}
