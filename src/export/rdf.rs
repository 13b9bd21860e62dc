//! RDF 1.2 with PROV-O, as TriG or N-Quads (serialised by `oxttl`, so every literal and
//! IRI is escaped by the same code Oxigraph uses).
//!
//! Each claim is an unasserted triple with a reifier, `<claim/KEY> rdf:reifies <<( s p o )>>`:
//! a sourced claim is not a fact, and contradicting claims must not both be asserted. The
//! reifier carries the claim's properties and whether the contradiction engine contests it;
//! each attestation is a `prov:Entity` attributed to its source (`prov:wasAttributedTo`)
//! with its status, quote (`prov:value`), document, position and date; each relay of a chain is
//! another `prov:Entity`, attributed to the relay, that `prov:wasQuotedFrom` the one before.
//! IRIs are stable: `BASE` + `entity/ID`, `claim/KEY`, `claim/KEY/attestation/N`, with ids
//! percent-encoded. The vocabulary for what PROV-O has no term for is [`CG`].

use oxrdf::vocab::{rdf, rdfs, xsd};
use oxrdf::{Literal, NamedNode, NamedOrBlankNode as Subject, Quad, Term, Triple};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::model::{DateValue, Graph, Temporal, Value};

use super::view::{AttestationView, GraphView, Kind, Speaker};

/// claimgraph's own terms (`cg:status`, `cg:Claim`, `cg:uncertain`, …). `.example` is a
/// reserved top-level domain, so these IRIs can never mean anything else.
pub const CG: &str = "https://claimgraph.example/ns#";
pub const PROV: &str = "http://www.w3.org/ns/prov#";
pub const DCTERMS: &str = "http://purl.org/dc/terms/";
/// The base for data IRIs when the user gives none.
pub const DEFAULT_BASE: &str = "https://data.claimgraph.example/";

/// Which RDF syntax to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RdfSyntax {
    Trig,
    Nquads,
}

/// Unreserved characters stay; everything else in an id is percent-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

struct Iris {
    base: String,
}

impl Iris {
    fn node(&self, path: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}{path}", self.base))
    }
    fn entity(&self, id: &str) -> NamedNode {
        self.node(&format!("entity/{}", enc(id)))
    }
    fn user(&self, name: &str) -> NamedNode {
        self.node(&format!("user/{}", enc(name)))
    }
    fn claim(&self, key: &str) -> NamedNode {
        self.node(&format!("claim/{}", enc(key)))
    }
    fn rel(&self, t: &str) -> NamedNode {
        self.node(&format!("rel/{}", enc(t)))
    }
    fn prop(&self, k: &str) -> NamedNode {
        self.node(&format!("prop/{}", enc(k)))
    }
    fn label(&self, l: &str) -> NamedNode {
        self.node(&format!("label/{}", enc(l)))
    }
}

fn enc(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

fn cg(term: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{CG}{term}"))
}

fn prov(term: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{PROV}{term}"))
}

fn dcterms(term: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{DCTERMS}{term}"))
}

/// Checks a base IRI: absolute, and ending in `/` or `#` so that paths append cleanly.
pub fn check_base(base: &str) -> Result<(), String> {
    NamedNode::new(base).map_err(|e| format!("`{base}` is not an absolute IRI: {e}"))?;
    if !(base.ends_with('/') || base.ends_with('#')) {
        return Err(format!("the base `{base}` must end with `/` or `#`"));
    }
    Ok(())
}

/// The graph as RDF 1.2 with PROV-O.
pub(crate) fn graph_to_rdf(graph: &Graph, base: &str, syntax: RdfSyntax) -> std::io::Result<Vec<u8>> {
    let quads = quads(graph, base);
    match syntax {
        RdfSyntax::Nquads => {
            let mut w = oxttl::NQuadsSerializer::new().for_writer(Vec::new());
            for q in &quads {
                w.serialize_quad(q)?;
            }
            Ok(w.finish())
        }
        RdfSyntax::Trig => {
            let mut s = oxttl::TriGSerializer::new();
            for (p, iri) in [
                ("cg", CG),
                ("prov", PROV),
                ("dcterms", DCTERMS),
                ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
                ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
                ("xsd", "http://www.w3.org/2001/XMLSchema#"),
            ] {
                s = s.with_prefix(p, iri).map_err(std::io::Error::other)?;
            }
            // Data IRIs are written whole: a base IRI would make the serializer write the
            // vocabularies' IRIs relative to it too (`<//www.w3.org/...>`), which is valid
            // but baffles readers and some tools.
            let mut w = s.for_writer(Vec::new());
            for q in &quads {
                w.serialize_quad(q)?;
            }
            w.finish()
        }
    }
}

fn quads(graph: &Graph, base: &str) -> Vec<Quad> {
    let view = GraphView::new(graph);
    let iris = Iris { base: base.to_string() };
    let mut out = Vec::new();
    let mut add =
        |s: Subject, p: NamedNode, o: Term| out.push(Quad::new(s, p, o, oxrdf::GraphName::DefaultGraph));
    for e in &view.entities {
        let node: Subject = iris.entity(e.id).into();
        add(node.clone(), cg("id"), Literal::new_simple_literal(e.id).into());
        add(node.clone(), rdfs::LABEL.into_owned(), Literal::new_simple_literal(e.name).into());
        match e.kind {
            Kind::Source => add(node.clone(), rdf::TYPE.into_owned(), prov("Agent").into()),
            Kind::Document => add(node.clone(), rdf::TYPE.into_owned(), prov("Entity").into()),
            Kind::Entity => {}
        }
        add(node.clone(), cg("kind"), Literal::new_simple_literal(e.kind.as_str()).into());
        for l in &e.labels {
            add(node.clone(), rdf::TYPE.into_owned(), iris.label(l).into());
        }
        for (k, v) in &e.props {
            for o in literals(v) {
                add(node.clone(), iris.prop(k), o.into());
            }
        }
    }
    for c in &view.claims {
        let claim = iris.claim(&c.key);
        let node: Subject = claim.clone().into();
        let triple = Triple::new(iris.entity(c.subject), iris.rel(c.rel_type), iris.entity(c.object));
        add(node.clone(), rdf::REIFIES.into_owned(), Term::Triple(Box::new(triple)));
        add(node.clone(), rdf::TYPE.into_owned(), cg("Claim").into());
        add(node.clone(), cg("key"), Literal::new_simple_literal(&c.key).into());
        add(node.clone(), cg("status"), cg(c.strongest_status()).into());
        for (k, v) in &c.props {
            for o in literals(v) {
                add(node.clone(), iris.prop(k), o.into());
            }
        }
        add(node.clone(), cg("contested"), Literal::from(!c.contests.is_empty()).into());
        for f in &c.contests {
            add(node.clone(), cg("finding"), Literal::new_simple_literal(&f.finding).into());
            add(node.clone(), cg("contradictionKind"), Literal::new_simple_literal(f.kind).into());
        }
        for (n, a) in c.attestations.iter().enumerate() {
            let att = iris.node(&format!("claim/{}/attestation/{}", enc(&c.key), n + 1));
            add(node.clone(), cg("attestation"), att.clone().into());
            attestation_quads(&iris, &att, &claim, a, &mut add);
        }
    }
    out
}

fn attestation_quads(
    iris: &Iris,
    att: &NamedNode,
    claim: &NamedNode,
    a: &AttestationView<'_>,
    add: &mut impl FnMut(Subject, NamedNode, Term),
) {
    let node: Subject = att.clone().into();
    let agent = |speaker: &Speaker<'_>| match speaker {
        Speaker::Source(s) => iris.entity(s),
        Speaker::User(u) => iris.user(u),
    };
    add(node.clone(), rdf::TYPE.into_owned(), prov("Entity").into());
    add(node.clone(), rdf::TYPE.into_owned(), cg("Attestation").into());
    add(node.clone(), cg("attests"), claim.clone().into());
    add(node.clone(), prov("wasAttributedTo"), agent(&a.speaker).into());
    if let Speaker::User(u) = a.speaker {
        add(iris.user(u).into(), rdf::TYPE.into_owned(), prov("Person").into());
        add(iris.user(u).into(), rdfs::LABEL.into_owned(), Literal::new_simple_literal(u).into());
    }
    add(node.clone(), cg("status"), cg(a.status).into());
    if let Some(q) = a.quote {
        add(node.clone(), prov("value"), Literal::new_simple_literal(q).into());
    }
    if let Some(d) = a.document {
        add(node.clone(), cg("document"), iris.entity(d).into());
    }
    if let Some(p) = a.position {
        add(node.clone(), cg("position"), Literal::new_simple_literal(p).into());
    }
    if let Some(d) = &a.date {
        if let Ok(Value::Date(date)) = crate::syntax::decl::parse_value(d) {
            add(node.clone(), dcterms("date"), date_literal(&date).into());
        }
    }
    // The chain: each relay's rendering quotes the one before it.
    let mut from = att.clone();
    for (hop, relay) in a.via.iter().enumerate() {
        let rendering = NamedNode::new_unchecked(format!("{}/via/{}", att.as_str(), hop + 1));
        let r: Subject = rendering.clone().into();
        add(r.clone(), rdf::TYPE.into_owned(), prov("Entity").into());
        add(r.clone(), prov("wasAttributedTo"), iris.entity(relay).into());
        add(r.clone(), prov("wasQuotedFrom"), from.clone().into());
        add(r, cg("hop"), Literal::from(hop as i64 + 1).into());
        from = rendering;
    }
}

/// A property value as literals: lists of scalars give one literal per item (order is not
/// kept), nested lists and maps one `rdf:JSON` literal.
fn literals(v: &Value) -> Vec<Literal> {
    match v {
        Value::Null => Vec::new(),
        Value::List(items) if items.iter().all(|i| !matches!(i, Value::List(_) | Value::Map(_))) => {
            items.iter().flat_map(literals).collect()
        }
        Value::List(_) | Value::Map(_) => {
            vec![Literal::new_typed_literal(crate::load::json::value_json(v).to_string(), rdf::JSON)]
        }
        Value::Bool(b) => vec![Literal::from(*b)],
        Value::Int(i) => vec![Literal::from(*i)],
        Value::Float(x) => {
            let lexical = if x.is_nan() {
                "NaN".to_string()
            } else if x.is_infinite() {
                if *x > 0.0 { "INF" } else { "-INF" }.to_string()
            } else {
                format!("{x:e}")
            };
            vec![Literal::new_typed_literal(lexical, xsd::DOUBLE)]
        }
        Value::String(s) => vec![Literal::new_simple_literal(s)],
        Value::Uncertain(u) => vec![Literal::new_typed_literal(u.to_string(), cg("uncertain"))],
        Value::Date(d) => vec![date_literal(d)],
        Value::Temporal(t) => vec![temporal_literal(t)],
    }
}

/// A time, date-time or duration: `xsd:dateTime`, `xsd:time` or `xsd:duration` where XML
/// Schema can say it (seconds always written, a named zone reduced to its offset, offsets
/// in whole minutes, durations that do not go backwards); otherwise its openCypher form typed
/// `cg:temporal`.
fn temporal_literal(t: &Temporal) -> Literal {
    let clock = |time: jiff::civil::Time| {
        let ns = time.subsec_nanosecond();
        let frac =
            if ns == 0 { String::new() } else { format!(".{ns:09}").trim_end_matches('0').to_string() };
        format!("{:02}:{:02}:{:02}{frac}", time.hour(), time.minute(), time.second())
    };
    let zone =
        |o: jiff::tz::Offset| (o.seconds() % 60 == 0).then(|| crate::model::temporal::offset_string(o));
    let typed = match t {
        Temporal::LocalDateTime(dt) => Some((format!("{}T{}", dt.date(), clock(dt.time())), xsd::DATE_TIME)),
        Temporal::DateTime(z) => {
            zone(z.offset()).map(|o| (format!("{}T{}{o}", z.date(), clock(z.time())), xsd::DATE_TIME))
        }
        Temporal::LocalTime(time) => Some((clock(*time), xsd::TIME)),
        Temporal::Time(time, o) => zone(*o).map(|o| (format!("{}{o}", clock(*time)), xsd::TIME)),
        Temporal::Duration(d) => {
            let forward = [d.months, d.days, d.seconds].iter().all(|x| *x >= 0);
            forward.then(|| (d.to_string(), xsd::DURATION))
        }
        Temporal::Date(d) => Some((d.to_string(), xsd::DATE)),
    };
    match typed {
        Some((lexical, ty)) if (0..=9999).contains(&t.date().map_or(0, |d| d.year())) => {
            Literal::new_typed_literal(lexical, ty)
        }
        _ => Literal::new_typed_literal(t.to_string(), cg("temporal")),
    }
}

/// A date at its precision: `xsd:date`, `xsd:gYearMonth` or `xsd:gYear`; a date relative to
/// its document's (`@-4months`) as written, typed `cg:relativeDate`.
fn date_literal(d: &DateValue) -> Literal {
    match d {
        DateValue::Absolute(p) => {
            let year =
                if p.year < 0 { format!("-{:04}", p.year.unsigned_abs()) } else { format!("{:04}", p.year) };
            if p.week.is_some() {
                return Literal::new_typed_literal(p.to_string(), cg("isoWeek"));
            }
            match (p.month, p.day) {
                (Some(m), Some(day)) => {
                    Literal::new_typed_literal(format!("{year}-{m:02}-{day:02}"), xsd::DATE)
                }
                (Some(m), None) => Literal::new_typed_literal(format!("{year}-{m:02}"), xsd::G_YEAR_MONTH),
                _ => Literal::new_typed_literal(year, xsd::G_YEAR),
            }
        }
        rel => Literal::new_typed_literal(rel.to_string(), cg("relativeDate")),
    }
}
