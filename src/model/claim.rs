//! Claims, their attestations, denials and declared constraints: the provenance half of the
//! model. Entities and the graph that links them live in [`super::graph`].

use petgraph::stable_graph::{EdgeIndex, NodeIndex};

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
}

#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    pub id: Sym,
    pub kind: ConstraintKind,
    /// Scope qualifiers: claims that differ in these are not compared.
    pub per: Vec<Sym>,
    /// Relative tolerance for approximate values; `None` uses the default.
    pub tolerance: Option<f64>,
    pub severity: Option<Severity>,
}
