//! Claims as a spreadsheet (CSV or TSV): one row per attestation, in the columns that
//! [`crate::load::table`] reads back, so export → import gives the same claims.

use crate::load::table::Field;
use crate::model::{ClaimKind, Graph, SourceRef};
use crate::syntax::decl::{props_literal, Name, Prop};

/// Writes claims as a sheet in the column order of [`Field::COLUMNS`]: one row per
/// attestation, every chain written out, so reading it back gives the same claims.
pub(crate) fn claims_table(graph: &Graph, delimiter: u8) -> String {
    let mut out = csv::WriterBuilder::new().delimiter(delimiter).from_writer(Vec::new());
    let _ = out.write_record(Field::COLUMNS);
    for ix in graph.claims() {
        let Some(claim) = graph.claim(ix) else { continue };
        let Some((s, o)) = graph.endpoints(ix) else { continue };
        if claim.kind == ClaimKind::ChainLink {
            continue;
        }
        let props = if claim.props.is_empty() {
            String::new()
        } else {
            let props: Vec<Prop> = claim
                .props
                .iter()
                .map(|(k, v)| Prop { key: Name::new(graph.str(*k)), value: v.clone() })
                .collect();
            props_literal(&props)
        };
        for a in &claim.attestations {
            let source = match a.source {
                SourceRef::Entity(e) => graph.entity_id(e).to_string(),
                SourceRef::User(u) => {
                    let mut s = String::from("USER ");
                    let _ = crate::model::value::write_string_literal(&mut s, graph.str(u));
                    s
                }
            };
            let via: Vec<String> = a.via.iter().map(|v| via_id(graph.entity_id(*v))).collect();
            let _ = out.write_record([
                claim.id.map_or("", |id| graph.str(id)),
                graph.entity_id(s),
                graph.str(claim.rel_type),
                graph.entity_id(o),
                &props,
                &source,
                &via.join(", "),
                a.status.as_str(),
                a.quote.as_deref().unwrap_or(""),
                a.document.map_or("", |d| graph.entity_id(d)),
                &a.date.as_ref().map(|d| d.to_string()).unwrap_or_default(),
                a.position.as_deref().unwrap_or(""),
            ]);
        }
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A relay's id in the via cell: as it is, or in backticks when it holds a separator.
fn via_id(id: &str) -> String {
    if id.contains([',', ';', '`']) || id.trim() != id {
        format!("`{}`", id.replace('`', "``"))
    } else {
        id.to_string()
    }
}
