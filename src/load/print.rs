//! Writes a graph back as declaration statements. The graph becomes declaration ASTs first,
//! so the text printer and the JSON export share one walk; loading the printed text gives
//! the same graph (tested in `tests/roundtrip.rs`).

use std::fmt::Write;
use std::path::Path;

use crate::model::documents::relative_path;
use crate::model::{
    Attestation, ClaimKind, ConstraintKind, DenialTarget, EndSelector, EntityIx, Graph, Props, RelPattern,
    ResolutionTarget, SourceRef, Value,
};
use crate::syntax::decl::{
    AttestationDecl, BoundByDecl, ConstraintDecl, ConstraintKindDecl, DeclStatement, DenyTarget, EndPattern,
    EntityDecl, EntityKind, Name, Prop, RelPatternDecl, ResolveDecl, ResolveTargetDecl, SourceName,
};
use crate::syntax::Span;

use super::{DOCUMENT_LABEL, SOURCE_LABEL};

/// The graph as statements: documents, sources, entities, claims, denials, constraints.
/// Document texts are written as loaded; see [`graph_to_decls_at`].
pub fn graph_to_decls(graph: &Graph) -> Vec<DeclStatement> {
    graph_to_decls_at(graph, None)
}

/// [`graph_to_decls`] for a file written in the folder `dir`: each document's `text` is
/// written relative to `dir`, so the written file finds the same text wherever it is.
pub fn graph_to_decls_at(graph: &Graph, dir: Option<&Path>) -> Vec<DeclStatement> {
    let dir =
        dir.map(|d| std::fs::canonicalize(d).or_else(|_| std::path::absolute(d)).unwrap_or(d.to_path_buf()));
    let text_key = graph.sym("text");
    let mut out = Vec::new();
    let doc_label = graph.sym(DOCUMENT_LABEL);
    let source_label = graph.sym(SOURCE_LABEL);
    let kind_of = |ix: EntityIx| {
        if doc_label.is_some_and(|l| graph.has_label(ix, l)) {
            EntityKind::Document
        } else if source_label.is_some_and(|l| graph.has_label(ix, l)) {
            EntityKind::Source
        } else {
            EntityKind::Entity
        }
    };
    for kind in [EntityKind::Document, EntityKind::Source, EntityKind::Entity] {
        for ix in graph.entities().filter(|ix| kind_of(*ix) == kind) {
            let Some(e) = graph.entity(ix) else { continue };
            let implied = match kind {
                EntityKind::Document => doc_label,
                EntityKind::Source => source_label,
                EntityKind::Entity => None,
            };
            let mut props = props(graph, &e.props);
            if let (Some(dir), Some(text), Some(key)) = (&dir, graph.document_text(ix), text_key) {
                let written = relative_path(&text.path, dir).display().to_string();
                for p in props.iter_mut().filter(|p| p.key.text == graph.str(key)) {
                    p.value = Value::String(written.clone());
                }
            }
            out.push(DeclStatement::Entity(EntityDecl {
                kind,
                id: Name::new(graph.str(e.id)),
                labels: e
                    .labels
                    .iter()
                    .filter(|l| Some(**l) != implied)
                    .map(|l| Name::new(graph.str(*l)))
                    .collect(),
                props,
                via: e.via.iter().map(|v| Name::new(graph.entity_id(*v))).collect(),
                speaks_for: e.speaks_for.iter().map(|v| Name::new(graph.entity_id(*v))).collect(),
            }));
        }
    }
    for c in graph.claims() {
        let Some(claim) = graph.claim(c) else { continue };
        if claim.kind == ClaimKind::ChainLink {
            continue;
        }
        let Some((s, o)) = graph.endpoints(c) else { continue };
        out.push(DeclStatement::Claim {
            pattern: RelPatternDecl {
                subject: end_id(graph, s),
                claim_id: claim.id.map(|id| Name::new(graph.str(id))),
                rel_type: Name::new(graph.str(claim.rel_type)),
                props: props(graph, &claim.props),
                object: end_id(graph, o),
            },
            attestations: claim.attestations.iter().map(|a| attestation(graph, a)).collect(),
        });
    }
    for d in graph.denials() {
        let target = match &d.target {
            DenialTarget::Claim(c) => match graph.claim(*c) {
                Some(claim) if claim.id.is_some() => {
                    DenyTarget::Claim(Name::new(graph.str(claim.id.unwrap_or(claim.rel_type))))
                }
                // An unnamed claim: deny it by its exact pattern and properties.
                Some(claim) => {
                    let Some((s, o)) = graph.endpoints(*c) else { continue };
                    DenyTarget::Class(Box::new(RelPatternDecl {
                        subject: end_id(graph, s),
                        claim_id: None,
                        rel_type: Name::new(graph.str(claim.rel_type)),
                        props: props(graph, &claim.props),
                        object: end_id(graph, o),
                    }))
                }
                None => continue,
            },
            DenialTarget::Class { pattern, conditions } => {
                DenyTarget::Class(Box::new(rel_pattern(graph, pattern, conditions)))
            }
        };
        out.push(DeclStatement::Deny {
            target,
            attestations: d.attestations.iter().map(|a| attestation(graph, a)).collect(),
        });
    }
    for c in graph.constraints() {
        out.push(constraint_to_decl(graph, c));
    }
    for r in graph.resolutions() {
        let target = match &r.target {
            ResolutionTarget::Finding(id) => ResolveTargetDecl::Finding(Name::new(id.to_string())),
            ResolutionTarget::Claims(claims) => {
                let mut ids = Vec::new();
                for c in claims {
                    // Only named claims can be referred to; the loader required names.
                    match graph.claim(*c).and_then(|c| c.id) {
                        Some(id) => ids.push(Name::new(graph.str(id))),
                        None => continue,
                    }
                }
                ResolveTargetDecl::Claims(ids)
            }
        };
        out.push(DeclStatement::Resolve(ResolveDecl {
            target,
            status: r.status,
            reason: r.reason.to_string(),
        }));
    }
    out
}

/// A constraint as the statement that declares it.
fn constraint_to_decl(graph: &Graph, c: &crate::model::Constraint) -> DeclStatement {
    let names =
        |syms: &[crate::model::Sym]| syms.iter().map(|s| Name::new(graph.str(*s))).collect::<Vec<_>>();
    let kind = match &c.kind {
        ConstraintKind::Single { pattern, properties } => ConstraintKindDecl::Single {
            pattern: rel_pattern(graph, pattern, &Vec::new()),
            on: names(properties),
        },
        ConstraintKind::Sum { pattern, parts, total } => ConstraintKindDecl::Sum {
            pattern: rel_pattern(graph, pattern, &Vec::new()),
            parts: names(parts),
            total: Name::new(graph.str(*total)),
        },
        ConstraintKind::Exclusive { patterns } => ConstraintKindDecl::Exclusive {
            patterns: patterns.iter().map(|p| rel_pattern(graph, p, &Vec::new())).collect(),
        },
        ConstraintKind::Temporal { pattern, property } => ConstraintKindDecl::Temporal {
            pattern: rel_pattern(graph, pattern, &Vec::new()),
            on: Name::new(graph.str(*property)),
        },
        ConstraintKind::Parts { pattern, properties, part_of } => ConstraintKindDecl::Parts {
            pattern: rel_pattern(graph, pattern, &Vec::new()),
            on: names(properties),
            part_of: Name::new(graph.str(*part_of)),
        },
        ConstraintKind::Bound { pattern, properties, by, part_of } => ConstraintKindDecl::Bound {
            pattern: rel_pattern(graph, pattern, &Vec::new()),
            on: names(properties),
            by: Box::new(BoundByDecl {
                subject: by.subject,
                rel_type: Name::new(graph.str(by.rel_type)),
                object: by.object,
                property: Name::new(graph.str(by.property)),
            }),
            part_of: part_of.map(|p| Name::new(graph.str(p))),
        },
    };
    DeclStatement::Constraint(ConstraintDecl {
        id: Name::new(graph.str(c.id)),
        kind,
        per: names(&c.per),
        severity: c.severity.map(|s| Name::new(s.as_str())),
    })
}

/// One constraint in the declaration language (`:schema`).
pub fn constraint_text(graph: &Graph, c: &crate::model::Constraint) -> String {
    constraint_to_decl(graph, c).to_string()
}

/// The graph as a data file. Document texts are written as loaded; see [`print_graph_at`].
pub fn print_graph(graph: &Graph) -> String {
    print_graph_at(graph, None)
}

/// The graph as a data file to be written in the folder `dir` (document texts relative to
/// it).
pub fn print_graph_at(graph: &Graph, dir: Option<&Path>) -> String {
    let mut text = String::from("// Written by claimgraph. Load it with `claimgraph --data FILE`.\n\n");
    let mut last: Option<std::mem::Discriminant<DeclStatement>> = None;
    for d in graph_to_decls_at(graph, dir) {
        let kind = std::mem::discriminant(&d);
        if last.is_some_and(|k| k != kind) {
            text.push('\n');
        }
        last = Some(kind);
        let _ = writeln!(text, "{d};");
    }
    text
}

fn props(graph: &Graph, props: &Props) -> Vec<Prop> {
    props.iter().map(|(k, v)| Prop { key: Name::new(graph.str(*k)), value: v.clone() }).collect()
}

fn end_id(graph: &Graph, ix: EntityIx) -> EndPattern {
    EndPattern { id: Some(Name::new(graph.entity_id(ix))), labels: Vec::new(), span: Span::default() }
}

fn end_selector(graph: &Graph, s: &EndSelector) -> EndPattern {
    EndPattern {
        id: s.entity.map(|e| Name::new(graph.entity_id(e))),
        labels: s.labels.iter().map(|l| Name::new(graph.str(*l))).collect(),
        span: Span::default(),
    }
}

pub(crate) fn rel_pattern(graph: &Graph, p: &RelPattern, conditions: &Props) -> RelPatternDecl {
    RelPatternDecl {
        subject: end_selector(graph, &p.subject),
        claim_id: None,
        rel_type: Name::new(graph.str(p.rel_type)),
        props: props(graph, conditions),
        object: end_selector(graph, &p.object),
    }
}

fn attestation(graph: &Graph, a: &Attestation) -> AttestationDecl {
    let (source, default_via) = match a.source {
        SourceRef::Entity(ix) => (
            SourceName::Declared(Name::new(graph.entity_id(ix))),
            graph.entity(ix).map(|e| e.via.clone()).unwrap_or_default(),
        ),
        SourceRef::User(u) => (SourceName::User(graph.str(u).to_string()), Vec::new()),
    };
    AttestationDecl {
        source,
        // Only a chain that differs from the source's own needs writing.
        via: (a.via != default_via).then(|| a.via.iter().map(|v| Name::new(graph.entity_id(*v))).collect()),
        status: Some(a.status),
        document: a.document.map(|d| Name::new(graph.entity_id(d))),
        position: a.position.as_deref().map(str::to_string),
        date: a.date.clone(),
        quote: a.quote.as_deref().map(str::to_string),
        span: Span::default(),
        quote_span: None,
    }
}
