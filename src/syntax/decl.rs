//! Declaration statements (ENTITY, SOURCE, DOCUMENT, CLAIM, ATTEST, DENY, CONSTRAINT, USE):
//! their AST, the builder from pest pairs, and a printer whose output parses back to the
//! same AST.
//!
//! Names here are unresolved text with spans; [`crate::load`] resolves them against a graph.

use std::collections::BTreeMap;
use std::fmt;

use pest::iterators::Pair;

use super::{ident_text, parse_int, unescape, Rule, Span, SyntaxError};
use crate::model::value::{write_key, write_string_literal};
use crate::model::{BoundEnd, DateUnit, DateValue, Number, ResolutionStatus, Status, Uncertain, Value};

/// An identifier as written, with where it was written.
#[derive(Debug, Clone)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

/// Spans are where a name was written, not what it is: equality ignores them so that a
/// printed and re-parsed statement compares equal to the original.
impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Name {
    pub fn new(text: impl Into<String>) -> Self {
        Name { text: text.into(), span: Span::default() }
    }

    fn from_pair(pair: &Pair<'_, Rule>) -> Self {
        Name { text: ident_text(pair), span: Span::of(pair) }
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_key(f, &self.text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityKind {
    Entity,
    Source,
    Document,
}

impl EntityKind {
    pub fn keyword(self) -> &'static str {
        match self {
            EntityKind::Entity => "ENTITY",
            EntityKind::Source => "SOURCE",
            EntityKind::Document => "DOCUMENT",
        }
    }
}

/// A property in a map literal.
#[derive(Debug, Clone, PartialEq)]
pub struct Prop {
    pub key: Name,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EntityDecl {
    pub kind: EntityKind,
    pub id: Name,
    pub labels: Vec<Name>,
    pub props: Vec<Prop>,
    pub via: Vec<Name>,
    /// `SPEAKS FOR a, b`: the institutions this entity speaks for.
    pub speaks_for: Vec<Name>,
}

/// `(id:Label)`, `(:Label)` or `()`.
#[derive(Debug, Clone)]
pub struct EndPattern {
    pub id: Option<Name>,
    pub labels: Vec<Name>,
    pub span: Span,
}

impl PartialEq for EndPattern {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.labels == other.labels
    }
}

/// `(subject)-[claim_id:TYPE {props}]->(object)`, normalised to point right.
#[derive(Debug, Clone, PartialEq)]
pub struct RelPatternDecl {
    pub subject: EndPattern,
    pub claim_id: Option<Name>,
    pub rel_type: Name,
    pub props: Vec<Prop>,
    pub object: EndPattern,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SourceName {
    Declared(Name),
    User(String),
}

#[derive(Debug, Clone)]
pub struct AttestationDecl {
    pub source: SourceName,
    pub via: Option<Vec<Name>>,
    pub status: Option<Status>,
    pub document: Option<Name>,
    pub position: Option<String>,
    /// A date (`@2018-02-07`, `@-1week`) or a date-time (`@2018-02-07T22:00+03:00`).
    pub date: Option<Value>,
    pub quote: Option<String>,
    pub span: Span,
    pub quote_span: Option<Span>,
}

impl PartialEq for AttestationDecl {
    fn eq(&self, o: &Self) -> bool {
        (&self.source, &self.via, self.status, &self.document, &self.position, &self.date, &self.quote)
            == (&o.source, &o.via, o.status, &o.document, &o.position, &o.date, &o.quote)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum DenyTarget {
    Claim(Name),
    Class(Box<RelPatternDecl>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ConstraintKindDecl {
    Single { pattern: RelPatternDecl, on: Vec<Name> },
    Sum { pattern: RelPatternDecl, parts: Vec<Name>, total: Name },
    Exclusive { patterns: Vec<RelPatternDecl> },
    Temporal { pattern: RelPatternDecl, on: Name },
    Parts { pattern: RelPatternDecl, on: Vec<Name>, part_of: Name },
    Bound { pattern: RelPatternDecl, on: Vec<Name>, by: Box<BoundByDecl>, part_of: Option<Name> },
}

/// `(OBJECT)-[:PARTICIPATED_IN]->(SUBJECT) ON strength` in a BOUND constraint.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundByDecl {
    pub subject: BoundEnd,
    pub rel_type: Name,
    pub object: BoundEnd,
    pub property: Name,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConstraintDecl {
    pub id: Name,
    pub kind: ConstraintKindDecl,
    pub per: Vec<Name>,
    pub severity: Option<Name>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DeclStatement {
    Entity(EntityDecl),
    Claim {
        pattern: RelPatternDecl,
        attestations: Vec<AttestationDecl>,
    },
    Attest {
        claim: Name,
        attestations: Vec<AttestationDecl>,
    },
    Deny {
        target: DenyTarget,
        attestations: Vec<AttestationDecl>,
    },
    Constraint(ConstraintDecl),
    UseDocument(Name),
    /// `RESOLVE <finding id | claim ids> AS dismissed|resolved BECAUSE 'reason'`.
    Resolve(ResolveDecl),
    /// `CONTRADICTIONS [ABOUT id] [KIND kind]` lists disputes, `FINDINGS ...` (with
    /// `findings`) the pairwise findings; loading data ignores both.
    Contradictions {
        about: Option<Name>,
        kind: Option<Name>,
        findings: bool,
    },
    /// `DENIALS [BY source] [ABOUT id]`: lists denials; loading data ignores it.
    Denials {
        by: Option<Name>,
        about: Option<Name>,
    },
    /// `VOICE a, b SPEAKS FOR institution`: entities declared elsewhere speak for an
    /// institution.
    Voice {
        speakers: Vec<Name>,
        institutions: Vec<Name>,
    },
}

/// What a `RESOLVE` statement names.
#[derive(Debug, Clone, PartialEq)]
pub enum ResolveTargetDecl {
    /// A finding id as `claimgraph check` prints it (`F-3a9c01d2e4`).
    Finding(Name),
    /// Claim ids: every finding involving all of them.
    Claims(Vec<Name>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResolveDecl {
    pub target: ResolveTargetDecl,
    pub status: ResolutionStatus,
    pub reason: String,
}

// ---- builder ---------------------------------------------------------------------------

pub(crate) fn build_decl(pair: Pair<'_, Rule>) -> Result<DeclStatement, SyntaxError> {
    let rule = pair.as_rule();
    let pair_children = pair.clone().into_inner();
    let mut inner = pair.into_inner().filter(|p| !is_keyword(p));
    let mut next = || inner.next().expect("grammar guarantees the child");
    Ok(match rule {
        Rule::entity_decl | Rule::source_decl | Rule::document_decl => {
            let kind = match rule {
                Rule::entity_decl => EntityKind::Entity,
                Rule::source_decl => EntityKind::Source,
                _ => EntityKind::Document,
            };
            let mut decl = build_entity_pattern(next(), kind)?;
            for clause in inner {
                match clause.as_rule() {
                    Rule::via_clause => decl.via = names(clause),
                    _ => decl.speaks_for = names(clause),
                }
            }
            DeclStatement::Entity(decl)
        }
        Rule::use_decl => DeclStatement::UseDocument(Name::from_pair(&next())),
        Rule::voice_decl => {
            let mut speakers = Vec::new();
            let mut institutions = Vec::new();
            for p in inner {
                match p.as_rule() {
                    Rule::ident => speakers.push(Name::from_pair(&p)),
                    _ => institutions = names(p),
                }
            }
            DeclStatement::Voice { speakers, institutions }
        }
        Rule::claim_decl => {
            let pattern = build_rel_pattern(next())?;
            let attestations = inner.map(build_attestation).collect::<Result<_, _>>()?;
            DeclStatement::Claim { pattern, attestations }
        }
        Rule::attest_decl => {
            let claim = Name::from_pair(&next());
            let attestations = inner.map(build_attestation).collect::<Result<_, _>>()?;
            DeclStatement::Attest { claim, attestations }
        }
        Rule::deny_decl => {
            let t = next();
            let target = if t.as_rule() == Rule::rel_pattern {
                DenyTarget::Class(Box::new(build_rel_pattern(t)?))
            } else {
                DenyTarget::Claim(Name::from_pair(&t))
            };
            let attestations = inner.map(build_attestation).collect::<Result<_, _>>()?;
            DeclStatement::Deny { target, attestations }
        }
        Rule::constraint_decl => DeclStatement::Constraint(build_constraint(next(), inner)?),
        Rule::resolve_decl => {
            let target_pair = next();
            let first = target_pair.clone().into_inner().next();
            let target = match first {
                Some(p) if p.as_rule() == Rule::finding_id => {
                    ResolveTargetDecl::Finding(Name { text: p.as_str().to_string(), span: Span::of(&p) })
                }
                _ => ResolveTargetDecl::Claims(names(target_pair)),
            };
            let status_pair = next();
            let status = ResolutionStatus::parse(&ident_text(&status_pair)).ok_or_else(|| {
                SyntaxError::at(Span::of(&status_pair), "expected `dismissed` or `resolved`")
            })?;
            let reason_pair = next();
            let reason = unescape(reason_pair.as_str(), Span::of(&reason_pair))?;
            DeclStatement::Resolve(ResolveDecl { target, status, reason })
        }
        Rule::contradictions_stmt => {
            // ABOUT and KIND are filtered out as keywords, so tell the two idents apart by
            // what precedes them in the text.
            let text = |p: &Pair<'_, Rule>| Name::from_pair(p);
            let mut about = None;
            let mut kind = None;
            let mut saw_about = false;
            let mut saw_kind = false;
            let mut findings = false;
            for p in pair_children {
                match p.as_rule() {
                    Rule::FINDINGS => findings = true,
                    Rule::ABOUT => saw_about = true,
                    Rule::KIND => saw_kind = true,
                    Rule::ident if saw_kind => kind = Some(text(&p)),
                    Rule::ident if saw_about => about = Some(text(&p)),
                    _ => {}
                }
            }
            DeclStatement::Contradictions { about, kind, findings }
        }
        Rule::denials_stmt => {
            let (mut by, mut about) = (None, None);
            let (mut saw_by, mut saw_about) = (false, false);
            for p in pair_children {
                match p.as_rule() {
                    Rule::BY => saw_by = true,
                    Rule::ABOUT => saw_about = true,
                    Rule::ident if saw_about => about = Some(Name::from_pair(&p)),
                    Rule::ident if saw_by => by = Some(Name::from_pair(&p)),
                    _ => {}
                }
            }
            DeclStatement::Denials { by, about }
        }
        other => unreachable!("not a declaration rule: {other:?}"),
    })
}

/// Whether a pair is a keyword (its rule is named in capitals). Looked up in a table built
/// once: this runs for every pair of every statement loaded.
fn is_keyword(p: &Pair<'_, Rule>) -> bool {
    static KEYWORDS: std::sync::OnceLock<Vec<bool>> = std::sync::OnceLock::new();
    let table = KEYWORDS.get_or_init(|| {
        let mut table = Vec::new();
        for rule in Rule::all_rules() {
            let ix = *rule as usize;
            if table.len() <= ix {
                table.resize(ix + 1, false);
            }
            let name = format!("{rule:?}");
            table[ix] = name.chars().all(|c| c.is_ascii_uppercase() || c == '_');
        }
        table
    });
    table.get(p.as_rule() as usize).copied().unwrap_or(false)
}

fn names(pair: Pair<'_, Rule>) -> Vec<Name> {
    pair.into_inner().filter(|p| p.as_rule() == Rule::ident).map(|p| Name::from_pair(&p)).collect()
}

fn build_entity_pattern(pair: Pair<'_, Rule>, kind: EntityKind) -> Result<EntityDecl, SyntaxError> {
    let mut decl = EntityDecl {
        kind,
        id: Name::new(""),
        labels: Vec::new(),
        props: Vec::new(),
        via: Vec::new(),
        speaks_for: Vec::new(),
    };
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::ident => decl.id = Name::from_pair(&p),
            Rule::label => decl.labels.extend(names(p)),
            Rule::prop_map => decl.props = build_props(p)?,
            _ => {}
        }
    }
    Ok(decl)
}

fn build_end(pair: Pair<'_, Rule>) -> EndPattern {
    let span = Span::of(&pair);
    let mut end = EndPattern { id: None, labels: Vec::new(), span };
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::ident => end.id = Some(Name::from_pair(&p)),
            Rule::label => end.labels.extend(names(p)),
            _ => {}
        }
    }
    end
}

fn build_rel_pattern(pair: Pair<'_, Rule>) -> Result<RelPatternDecl, SyntaxError> {
    let mut it = pair.into_inner();
    let left = build_end(it.next().expect("subject"));
    let rel = it.next().expect("relationship");
    let right = build_end(it.next().expect("object"));
    let points_left = rel.as_rule() == Rule::left_rel;
    let body = rel.into_inner().next().expect("rel body");
    let idents: Vec<Pair<'_, Rule>> =
        body.clone().into_inner().filter(|p| p.as_rule() == Rule::ident).collect();
    let (claim_id, rel_type) = match idents.as_slice() {
        [t] => (None, Name::from_pair(t)),
        [id, t] => (Some(Name::from_pair(id)), Name::from_pair(t)),
        _ => unreachable!("rel body has one or two identifiers"),
    };
    let props = match body.into_inner().find(|p| p.as_rule() == Rule::prop_map) {
        Some(m) => build_props(m)?,
        None => Vec::new(),
    };
    let (subject, object) = if points_left { (right, left) } else { (left, right) };
    Ok(RelPatternDecl { subject, claim_id, rel_type, props, object })
}

fn build_attestation(pair: Pair<'_, Rule>) -> Result<AttestationDecl, SyntaxError> {
    let span = Span::of(&pair);
    let mut att = AttestationDecl {
        source: SourceName::User(String::new()),
        via: None,
        status: None,
        document: None,
        position: None,
        date: None,
        quote: None,
        span,
        quote_span: None,
    };
    let twice = |p: &Pair<'_, Rule>, what: &str| {
        SyntaxError::at(Span::of(p), format!("this attestation already has {what}"))
    };
    for p in pair.into_inner().filter(|p| !is_keyword(p)) {
        match p.as_rule() {
            Rule::ident => att.source = SourceName::Declared(Name::from_pair(&p)),
            Rule::user_source => {
                let s = p.into_inner().find(|p| p.as_rule() == Rule::string_literal).expect("user name");
                att.source = SourceName::User(unescape(s.as_str(), Span::of(&s))?);
            }
            Rule::via_clause if att.via.is_some() => return Err(twice(&p, "a VIA chain")),
            Rule::via_clause => att.via = Some(names(p)),
            Rule::status if att.status.is_some() => return Err(twice(&p, "a status")),
            Rule::status => att.status = Status::parse(p.as_str().trim()),
            Rule::in_document if att.document.is_some() => return Err(twice(&p, "a document")),
            Rule::in_document => {
                for q in p.into_inner() {
                    match q.as_rule() {
                        Rule::ident => att.document = Some(Name::from_pair(&q)),
                        Rule::string_literal => att.position = Some(unescape(q.as_str(), Span::of(&q))?),
                        _ => {}
                    }
                }
            }
            Rule::reported_on if att.date.is_some() => return Err(twice(&p, "a date")),
            Rule::reported_on => {
                let d = p.into_inner().find(|q| q.as_rule() == Rule::date_literal).expect("date");
                att.date = Some(build_date(d)?);
            }
            Rule::quote if att.quote.is_some() => return Err(twice(&p, "a quote")),
            Rule::quote => {
                let s = p.into_inner().find(|q| q.as_rule() == Rule::string_literal).expect("quote text");
                att.quote_span = Some(Span::of(&s));
                att.quote = Some(unescape(s.as_str(), Span::of(&s))?);
            }
            _ => {}
        }
    }
    Ok(att)
}

fn build_constraint<'a>(
    id: Pair<'a, Rule>,
    rest: impl Iterator<Item = Pair<'a, Rule>>,
) -> Result<ConstraintDecl, SyntaxError> {
    let mut rest = rest.peekable();
    let kind_pair = rest.next().expect("constraint kind");
    let kind_rule = kind_pair.as_rule();
    let mut parts = kind_pair.into_inner().filter(|p| !is_keyword(p));
    let kind = match kind_rule {
        Rule::single_constraint => {
            let pattern = build_rel_pattern(parts.next().expect("pattern"))?;
            let on = parts.next().map(names).unwrap_or_default();
            ConstraintKindDecl::Single { pattern, on }
        }
        Rule::sum_constraint => {
            let pattern = build_rel_pattern(parts.next().expect("pattern"))?;
            let mut idents: Vec<Name> = parts.map(|p| Name::from_pair(&p)).collect();
            let total = idents.pop().expect("total");
            ConstraintKindDecl::Sum { pattern, parts: idents, total }
        }
        Rule::exclusive_constraint => ConstraintKindDecl::Exclusive {
            patterns: parts.map(build_rel_pattern).collect::<Result<_, _>>()?,
        },
        Rule::temporal_constraint => {
            let pattern = build_rel_pattern(parts.next().expect("pattern"))?;
            let on = Name::from_pair(&parts.next().expect("property"));
            ConstraintKindDecl::Temporal { pattern, on }
        }
        Rule::parts_constraint => {
            let pattern = build_rel_pattern(parts.next().expect("pattern"))?;
            let on = names(parts.next().expect("properties"));
            let part_of = Name::from_pair(&parts.next().expect("part-of type"));
            ConstraintKindDecl::Parts { pattern, on, part_of }
        }
        Rule::bound_constraint => {
            let pattern = build_rel_pattern(parts.next().expect("pattern"))?;
            let on = names(parts.next().expect("properties"));
            let by_pattern = parts.next().expect("bounding pattern");
            let property = Name::from_pair(&parts.next().expect("bounding property"));
            let part_of = parts.next().map(|p| Name::from_pair(&p));
            let mut it = by_pattern.into_inner();
            let end = |p: Pair<'_, Rule>| {
                let word = p.into_inner().next().map(|k| k.as_rule());
                if word == Some(Rule::SUBJECT) {
                    BoundEnd::Subject
                } else {
                    BoundEnd::Object
                }
            };
            let first = end(it.next().expect("end"));
            let rel = it.next().expect("relationship");
            let points_left = rel.as_rule() == Rule::bound_left;
            let rel_type = Name::from_pair(&rel.into_inner().next().expect("type"));
            let second = end(it.next().expect("end"));
            let (subject, object) = if points_left { (second, first) } else { (first, second) };
            ConstraintKindDecl::Bound {
                pattern,
                on,
                by: Box::new(BoundByDecl { subject, rel_type, object, property }),
                part_of,
            }
        }
        other => unreachable!("not a constraint kind: {other:?}"),
    };
    let mut decl = ConstraintDecl { id: Name::from_pair(&id), kind, per: Vec::new(), severity: None };
    for opt in rest {
        let span = Span::of(&opt);
        match opt.as_rule() {
            Rule::per_option => {
                decl.per =
                    opt.into_inner().find(|p| p.as_rule() == Rule::key_list).map(names).unwrap_or_default()
            }
            Rule::severity_option => {
                decl.severity =
                    opt.into_inner().find(|p| p.as_rule() == Rule::ident).map(|p| Name::from_pair(&p))
            }
            Rule::tolerance_option => {
                // One tolerance rule for queries and `check` alike (model::value).
                return Err(SyntaxError::at(
                    span,
                    "TOLERANCE is no longer a constraint option: `~n` stands for n ± 10% in queries and \
                     checks alike; write a range for a wider figure (`~100..200`, `75..125`)",
                ));
            }
            _ => {}
        }
    }
    Ok(decl)
}

fn build_props(pair: Pair<'_, Rule>) -> Result<Vec<Prop>, SyntaxError> {
    let mut props: Vec<Prop> = Vec::new();
    for p in pair.into_inner() {
        let mut kv = p.into_inner();
        let key = Name::from_pair(&kv.next().expect("key"));
        let value = build_value(kv.next().expect("value"))?;
        if props.iter().any(|q| q.key.text == key.text) {
            return Err(SyntaxError::at(key.span, format!("property '{}' is given twice", key.text)));
        }
        props.push(Prop { key, value });
    }
    Ok(props)
}

fn build_number(pair: Pair<'_, Rule>) -> Result<Number, SyntaxError> {
    let span = Span::of(&pair);
    let mut negative = false;
    let mut out = None;
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::minus => negative = true,
            Rule::float_literal => {
                let x: f64 = p.as_str().parse().map_err(|_| SyntaxError::at(span, "invalid number"))?;
                // `1e999` is not Infinity by accident: `Infinity` says so on purpose.
                if !x.is_finite() {
                    return Err(SyntaxError::at(
                        span,
                        format!(
                            "number {} is too large for a 64-bit float (write Infinity if that is meant)",
                            p.as_str()
                        ),
                    ));
                }
                out = Some(Number::Float(if negative { -x } else { x }));
            }
            Rule::special_float => {
                let x = if p.as_str() == "NaN" { f64::NAN } else { f64::INFINITY };
                out = Some(Number::Float(if negative { -x } else { x }));
            }
            _ => out = Some(Number::Int(parse_int(p.as_str(), negative, span)?)),
        }
    }
    out.ok_or_else(|| SyntaxError::at(span, "invalid number"))
}

/// A literal after `@` that says when something was said: a date or a date-time.
fn build_date(pair: Pair<'_, Rule>) -> Result<Value, SyntaxError> {
    let span = Span::of(&pair);
    match build_time_value(pair)? {
        v @ Value::Date(_) => Ok(v),
        Value::Temporal(t) if t.date().is_some() => Ok(Value::Temporal(t)),
        other => Err(SyntaxError::at(
            span,
            format!(
                "a reported date is a date or a date-time (@2018-02-07, @-4months, @2018-02-07T22:00+03:00), not a {}",
                other.type_name()
            ),
        )),
    }
}

/// `@…`: a date with precision, a relative date or another temporal value.
pub(crate) fn build_time_value(pair: Pair<'_, Rule>) -> Result<Value, SyntaxError> {
    let span = Span::of(&pair);
    let inner = pair.into_inner().next().expect("date body");
    match inner.as_rule() {
        Rule::temporal_text => crate::model::temporal::parse_literal(inner.as_str())
            .map_err(|e| SyntaxError::at(span, e.to_string())),
        _ => {
            let mut sign = 1i64;
            let mut amount = 0i64;
            let mut unit = DateUnit::Day;
            for p in inner.into_inner() {
                match p.as_rule() {
                    Rule::date_sign if p.as_str() == "-" => sign = -1,
                    Rule::date_amount => {
                        amount = p
                            .as_str()
                            .parse()
                            .ok()
                            .filter(|a: &i64| *a <= 100_000)
                            .ok_or_else(|| SyntaxError::at(span, "relative date is too far"))?
                    }
                    Rule::date_unit => unit = DateUnit::parse(p.as_str()).unwrap_or(DateUnit::Day),
                    _ => {}
                }
            }
            Ok(Value::Date(DateValue::Relative { amount: sign * amount, unit }))
        }
    }
}

pub(crate) fn build_value(pair: Pair<'_, Rule>) -> Result<Value, SyntaxError> {
    let span = Span::of(&pair);
    Ok(match pair.as_rule() {
        Rule::date_literal => build_time_value(pair)?,
        Rule::number => match build_number(pair)? {
            Number::Int(i) => Value::Int(i),
            Number::Float(x) => Value::Float(x),
        },
        Rule::approx_value => {
            let mut it = pair.into_inner();
            let lo = build_number(it.next().expect("number"))?;
            match it.next() {
                None => Value::Uncertain(Uncertain::Approx(lo)),
                Some(hi) => {
                    let hi = build_number(hi)?;
                    if lo.as_f64() > hi.as_f64() {
                        return Err(SyntaxError::at(span, format!("range ~{lo}..{hi} runs backwards")));
                    }
                    Value::Uncertain(Uncertain::ApproxBetween(lo, hi))
                }
            }
        }
        Rule::bound_value => {
            let mut it = pair.into_inner();
            let op = it.next().expect("operator").as_str();
            let bound = build_number(it.next().expect("bound"))?;
            let inclusive = op.ends_with('=');
            Value::Uncertain(if op.starts_with('<') {
                Uncertain::Below { bound, inclusive }
            } else {
                Uncertain::Above { bound, inclusive }
            })
        }
        Rule::range_value => {
            let mut it = pair.into_inner();
            let lo = build_number(it.next().expect("low"))?;
            let hi = build_number(it.next().expect("high"))?;
            if lo.as_f64() > hi.as_f64() {
                return Err(SyntaxError::at(span, format!("range {lo}..{hi} runs backwards")));
            }
            Value::Uncertain(Uncertain::Between(lo, hi))
        }
        Rule::string_literal => Value::String(unescape(pair.as_str(), span)?),
        Rule::TRUE => Value::Bool(true),
        Rule::FALSE => Value::Bool(false),
        Rule::NULL => Value::Null,
        Rule::list_value => Value::List(pair.into_inner().map(build_value).collect::<Result<_, _>>()?),
        Rule::prop_map => {
            let mut m = BTreeMap::new();
            for p in build_props(pair)? {
                m.insert(p.key.text, p.value);
            }
            Value::Map(m)
        }
        other => unreachable!("not a value rule: {other:?}"),
    })
}

// ---- printer ---------------------------------------------------------------------------

fn write_list<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T], sep: &str) -> fmt::Result {
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        write!(f, "{x}")?;
    }
    Ok(())
}

fn write_props(f: &mut fmt::Formatter<'_>, props: &[Prop]) -> fmt::Result {
    if props.is_empty() {
        return Ok(());
    }
    f.write_str(" {")?;
    for (i, p) in props.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{}: {}", p.key, p.value)?;
    }
    f.write_str("}")
}

impl fmt::Display for EndPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        if let Some(id) = &self.id {
            write!(f, "{id}")?;
        }
        for l in &self.labels {
            write!(f, ":{l}")?;
        }
        f.write_str(")")
    }
}

impl fmt::Display for RelPatternDecl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-[", self.subject)?;
        if let Some(id) = &self.claim_id {
            write!(f, "{id}")?;
        }
        write!(f, ":{}", self.rel_type)?;
        write_props(f, &self.props)?;
        write!(f, "]->{}", self.object)
    }
}

impl fmt::Display for AttestationDecl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            SourceName::Declared(n) => write!(f, "BY {n}")?,
            SourceName::User(u) => {
                f.write_str("BY USER ")?;
                write_string_literal(f, u)?;
            }
        }
        if let Some(via) = &self.via {
            f.write_str(" VIA ")?;
            write_list(f, via, ", ")?;
        }
        if let Some(s) = self.status {
            write!(f, " {}", s.as_str().to_ascii_uppercase())?;
        }
        if let Some(d) = &self.document {
            write!(f, " IN {d}")?;
            if let Some(p) = &self.position {
                f.write_str(" AT ")?;
                write_string_literal(f, p)?;
            }
        }
        if let Some(d) = &self.date {
            write!(f, " ON {d}")?;
        }
        if let Some(q) = &self.quote {
            f.write_str("\n    QUOTE ")?;
            write_string_literal(f, q)?;
        }
        Ok(())
    }
}

fn write_attestations(f: &mut fmt::Formatter<'_>, atts: &[AttestationDecl]) -> fmt::Result {
    for a in atts {
        write!(f, "\n  {a}")?;
    }
    Ok(())
}

impl fmt::Display for DeclStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeclStatement::Entity(e) => {
                write!(f, "{} ({}", e.kind.keyword(), e.id)?;
                for l in &e.labels {
                    write!(f, ":{l}")?;
                }
                write_props(f, &e.props)?;
                f.write_str(")")?;
                if !e.via.is_empty() {
                    f.write_str(" VIA ")?;
                    write_list(f, &e.via, ", ")?;
                }
                if !e.speaks_for.is_empty() {
                    f.write_str(" SPEAKS FOR ")?;
                    write_list(f, &e.speaks_for, ", ")?;
                }
                Ok(())
            }
            DeclStatement::Denials { by, about } => {
                f.write_str("DENIALS")?;
                if let Some(b) = by {
                    write!(f, " BY {b}")?;
                }
                if let Some(a) = about {
                    write!(f, " ABOUT {a}")?;
                }
                Ok(())
            }
            DeclStatement::Voice { speakers, institutions } => {
                f.write_str("VOICE ")?;
                write_list(f, speakers, ", ")?;
                f.write_str(" SPEAKS FOR ")?;
                write_list(f, institutions, ", ")
            }
            DeclStatement::Claim { pattern, attestations } => {
                write!(f, "CLAIM {pattern}")?;
                write_attestations(f, attestations)
            }
            DeclStatement::Attest { claim, attestations } => {
                write!(f, "ATTEST {claim}")?;
                write_attestations(f, attestations)
            }
            DeclStatement::Deny { target, attestations } => {
                match target {
                    DenyTarget::Claim(c) => write!(f, "DENY {c}")?,
                    DenyTarget::Class(p) => write!(f, "DENY {p}")?,
                }
                write_attestations(f, attestations)
            }
            DeclStatement::UseDocument(d) => write!(f, "USE DOCUMENT {d}"),
            DeclStatement::Resolve(r) => {
                f.write_str("RESOLVE ")?;
                match &r.target {
                    ResolveTargetDecl::Finding(id) => f.write_str(&id.text)?,
                    ResolveTargetDecl::Claims(ids) => write_list(f, ids, ", ")?,
                }
                write!(f, " AS {} BECAUSE ", r.status.as_str())?;
                write_string_literal(f, &r.reason)
            }
            DeclStatement::Contradictions { about, kind, findings } => {
                f.write_str(if *findings { "FINDINGS" } else { "CONTRADICTIONS" })?;
                if let Some(a) = about {
                    write!(f, " ABOUT {a}")?;
                }
                if let Some(k) = kind {
                    write!(f, " KIND {k}")?;
                }
                Ok(())
            }
            DeclStatement::Constraint(c) => {
                write!(f, "CONSTRAINT {}: ", c.id)?;
                match &c.kind {
                    ConstraintKindDecl::Single { pattern, on } => {
                        write!(f, "SINGLE {pattern}")?;
                        if !on.is_empty() {
                            f.write_str(" ON ")?;
                            write_list(f, on, ", ")?;
                        }
                    }
                    ConstraintKindDecl::Sum { pattern, parts, total } => {
                        write!(f, "SUM {pattern} ")?;
                        write_list(f, parts, " + ")?;
                        write!(f, " = {total}")?;
                    }
                    ConstraintKindDecl::Exclusive { patterns } => {
                        f.write_str("EXCLUSIVE ")?;
                        write_list(f, patterns, ", ")?;
                    }
                    ConstraintKindDecl::Temporal { pattern, on } => write!(f, "TEMPORAL {pattern} ON {on}")?,
                    ConstraintKindDecl::Parts { pattern, on, part_of } => {
                        write!(f, "PARTS {pattern} ON ")?;
                        write_list(f, on, ", ")?;
                        write!(f, " OVER {part_of}")?;
                    }
                    ConstraintKindDecl::Bound { pattern, on, by, part_of } => {
                        write!(f, "BOUND {pattern} ON ")?;
                        write_list(f, on, ", ")?;
                        write!(
                            f,
                            " AT MOST ({})-[:{}]->({}) ON {}",
                            by.subject.keyword(),
                            by.rel_type,
                            by.object.keyword(),
                            by.property
                        )?;
                        if let Some(p) = part_of {
                            write!(f, " OVER {p}")?;
                        }
                    }
                }
                if !c.per.is_empty() {
                    f.write_str(" PER ")?;
                    write_list(f, &c.per, ", ")?;
                }
                if let Some(s) = &c.severity {
                    write!(f, " SEVERITY {s}")?;
                }
                Ok(())
            }
        }
    }
}

/// Parses one literal value in the declaration syntax (`~100`, `@2018-02`, `'x'`).
pub fn parse_value(text: &str) -> Result<Value, SyntaxError> {
    use pest::Parser;
    super::lexer::check_nesting(text)?;
    let mut pairs =
        super::LangParser::parse(Rule::value_literal, text).map_err(|e| SyntaxError::from_pest(e, text))?;
    let outer = pairs.next().expect("value_literal yields one pair");
    let inner = outer.into_inner().find(|p| p.as_rule() != Rule::EOI).expect("a value");
    build_value(inner)
}

/// Parses a date literal on its own (`@2018-02-07`, `@-4months`, a date-time), as an
/// attestation's `ON` gives it.
pub(crate) fn parse_date(text: &str) -> Result<Value, SyntaxError> {
    use pest::Parser;
    let mut pairs =
        super::LangParser::parse(Rule::date_literal, text).map_err(|e| SyntaxError::from_pest(e, text))?;
    let pair = pairs.next().expect("date_literal yields one pair");
    if pair.as_span().end() != text.len() {
        return Err(SyntaxError::at(
            Span::new(pair.as_span().end(), text.len()),
            "expected the end of the date",
        ));
    }
    build_date(pair)
}

/// Parses a property map literal (`{killed: ~100, wounded: ~200}`), keeping the order the
/// keys were written in (a [`Value::Map`] would sort them).
pub fn parse_props(text: &str) -> Result<Vec<Prop>, SyntaxError> {
    use pest::Parser;
    let mut pairs =
        super::LangParser::parse(Rule::value_literal, text).map_err(|e| SyntaxError::from_pest(e, text))?;
    let outer = pairs.next().expect("value_literal yields one pair");
    let inner = outer.into_inner().find(|p| p.as_rule() != Rule::EOI).expect("a value");
    if inner.as_rule() != Rule::prop_map {
        return Err(SyntaxError::at(Span::of(&inner), "expected a property map such as {killed: ~100}"));
    }
    build_props(inner)
}

/// A property map literal in key order (`{killed: ~100, wounded: ~200}`); [`parse_props`]
/// reads it back.
pub fn props_literal(props: &[Prop]) -> String {
    struct Literal<'a>(&'a [Prop]);
    impl fmt::Display for Literal<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write_props(f, self.0)
        }
    }
    let text = Literal(props).to_string();
    if text.is_empty() {
        "{}".to_string()
    } else {
        text.trim_start().to_string()
    }
}
