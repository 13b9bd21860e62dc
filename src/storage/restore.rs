//! Building a graph from a workspace's rows, whichever backend read them: the rows come as
//! batches ([`Batch`]), in key order, and every entity and claim goes back at its index.

use crate::model::{
    Attestation, Claim, ClaimIx, ClaimKind, Denial, DenialTarget, DocumentText, Entity, EntityIx, Graph,
    Resolution, ResolutionStatus, ResolutionTarget, SourceRef, Status, Value,
};
use crate::storage::codec;

/// Rows per batch handed from the reader to the builder.
pub(crate) const BATCH: usize = 4096;

/// Attestations as the graph keeps them, decoded by the reader, and the user names among
/// their sources (by position), which only the builder can intern.
pub(crate) struct RawAttestations {
    pub(crate) list: Vec<Attestation>,
    pub(crate) users: Vec<(usize, String)>,
}

impl RawAttestations {
    /// The attestations gathered in `read` (left empty, its room kept for the next owner's),
    /// in a vector of exactly their number. The graph keeps this vector as it is: one grown
    /// by pushing has room for four, and most claims have one (3M unused 128-byte slots,
    /// ~370 MB, opening a workspace of 1M claims).
    pub(crate) fn gathered(read: &mut Vec<(Attestation, Option<String>)>) -> Self {
        let mut list = Vec::with_capacity(read.len());
        let mut users = Vec::new();
        for (a, user) in read.drain(..) {
            if let Some(u) = user {
                users.push((list.len(), u));
            }
            list.push(a);
        }
        RawAttestations { list, users }
    }

    pub(crate) fn into_attestations(self, g: &mut Graph) -> Vec<Attestation> {
        let mut list = self.list;
        for (i, u) in self.users {
            list[i].source = SourceRef::User(g.intern(&u));
        }
        list
    }
}

pub(crate) struct RawEntity {
    pub(crate) key: usize,
    pub(crate) id: String,
    pub(crate) labels: Vec<String>,
    pub(crate) props: Vec<(String, Value)>,
    pub(crate) via: Vec<usize>,
    pub(crate) speaks_for: Vec<usize>,
}

pub(crate) struct RawClaim {
    pub(crate) key: usize,
    pub(crate) id: Option<String>,
    pub(crate) subject: usize,
    pub(crate) object: usize,
    /// Index into the reader's relationship types (sent once each, with the batch that first
    /// uses them): a million claims share a dozen types.
    pub(crate) rel_type: u32,
    pub(crate) props: Vec<(String, Value)>,
    pub(crate) chain_link: bool,
    pub(crate) attestations: RawAttestations,
}

pub(crate) struct RawDenial {
    pub(crate) key: u64,
    pub(crate) claim: Option<usize>,
    pub(crate) pattern: Option<String>,
    pub(crate) attestations: RawAttestations,
}

pub(crate) struct RawResolution {
    pub(crate) finding: Option<String>,
    pub(crate) claims: Vec<usize>,
    pub(crate) status: String,
    pub(crate) reason: String,
}

pub(crate) enum Batch {
    Sizes {
        entities: usize,
        claims: usize,
    },
    Entities(Vec<RawEntity>),
    Claims {
        rows: Vec<RawClaim>,
        new_types: Vec<String>,
    },
    /// The end of a reader's part: the last journal entry it saw.
    End {
        seq: i64,
    },
    Rest {
        texts: Vec<(usize, DocumentText)>,
        denials: Vec<RawDenial>,
        constraints: Vec<String>,
        resolutions: Vec<RawResolution>,
        seq: i64,
    },
}

/// An attestation from its columns (`source, user, via, status, quote, document, position,
/// date`), with the user's name among its sources, which only the builder can intern.
#[allow(clippy::too_many_arguments)]
pub(crate) fn attestation(
    source: Option<i64>,
    user: Option<String>,
    via: Option<&str>,
    status: &str,
    quote: Option<&str>,
    document: Option<i64>,
    position: Option<&str>,
    date: Option<&str>,
) -> Result<(Attestation, Option<String>), String> {
    let Some(status) = Status::parse(status) else { return Err(format!("unknown status {status:?}")) };
    let via = codec::keys_from_json(via)?.into_iter().map(EntityIx::new).collect();
    let (source, user) = match (source, user) {
        (Some(s), _) => (SourceRef::Entity(EntityIx::new(s as usize)), None),
        // Interned by the builder.
        (None, Some(u)) => (SourceRef::Entity(EntityIx::end()), Some(u)),
        (None, None) => return Err("an attestation has neither source nor user".into()),
    };
    let date = match date {
        Some(d) => Some(codec::date(d)?),
        None => None,
    };
    let attestation = Attestation {
        source,
        via,
        status,
        quote: quote.map(Into::into),
        document: document.map(|d| EntityIx::new(d as usize)),
        position: position.map(Into::into),
        date,
    };
    Ok((attestation, user))
}

/// Properties with their keys interned, in a vector of exactly their number: the graph keeps
/// it. Collected in place, it would keep the reader's vector, grown by pushing, with room
/// for five properties where most entities and claims have one or none.
fn props(g: &mut Graph, props: Vec<(String, Value)>) -> crate::model::Props {
    let mut out = Vec::with_capacity(props.len());
    out.extend(props.into_iter().map(|(k, v)| (g.intern(&k), v)));
    out
}

/// How many claims ahead of the one it adds [`build`] asks for the memory of their ends.
const LOOK_AHEAD: usize = 16;

/// Builds the graph from the readers' batches, in order; returns it with the journal entry
/// it is at, or `None` when the readers saw different states.
pub(crate) fn build(
    receivers: Vec<std::sync::mpsc::Receiver<Batch>>,
) -> Result<Option<(Graph, i64)>, String> {
    let mut g = Graph::new();
    let mut holes = crate::model::RestoreHoles::default();
    let mut seen: Option<i64> = None;
    for rx in receivers {
        let mut types: Vec<crate::model::Sym> = Vec::new();
        for batch in rx {
            match batch {
                Batch::Sizes { entities, claims } => g.reserve_for_restore(entities, claims),
                Batch::Entities(rows) => {
                    for e in rows {
                        let entity = Entity {
                            id: g.intern(&e.id),
                            labels: e.labels.iter().map(|l| g.intern(l)).collect(),
                            props: props(&mut g, e.props),
                            via: e.via.into_iter().map(EntityIx::new).collect(),
                            speaks_for: e.speaks_for.into_iter().map(EntityIx::new).collect(),
                        };
                        g.restore_entity(e.key, entity, &mut holes)?;
                    }
                }
                Batch::End { seq } => seen = Some(seq),
                Batch::Claims { rows, new_types } => {
                    types.extend(new_types.iter().map(|t| g.intern(t)));
                    // Each claim's ends are a cache miss at a million claims: the nodes of
                    // the claim `LOOK_AHEAD` on are asked for while this one is added.
                    let ahead: Vec<(usize, usize)> =
                        rows.iter().skip(LOOK_AHEAD).map(|c| (c.subject, c.object)).collect();
                    for (i, c) in rows.into_iter().enumerate() {
                        if let Some(&(s, o)) = ahead.get(i) {
                            g.prefetch_entity(EntityIx::new(s));
                            g.prefetch_entity(EntityIx::new(o));
                        }
                        let rel_type = *types
                            .get(c.rel_type as usize)
                            .ok_or_else(|| format!("claim {}: no type", c.key))?;
                        let attestations = c.attestations.into_attestations(&mut g);
                        let claim = Claim {
                            id: c.id.map(|i| g.intern(&i)),
                            rel_type,
                            props: props(&mut g, c.props),
                            attestations,
                            kind: if c.chain_link { ClaimKind::ChainLink } else { ClaimKind::Stated },
                        };
                        g.restore_claim(
                            c.key,
                            EntityIx::new(c.subject),
                            EntityIx::new(c.object),
                            claim,
                            &mut holes,
                        )?;
                    }
                }
                Batch::Rest { texts, denials, constraints, resolutions, seq } => {
                    if seen.is_some_and(|s| s != seq) {
                        return Ok(None);
                    }
                    for d in denials {
                        let attestations = d.attestations.into_attestations(&mut g);
                        let target = match (d.claim, d.pattern) {
                            (Some(c), _) => DenialTarget::Claim(ClaimIx::new(c)),
                            (None, Some(p)) => crate::load::denial_target_from_text(&mut g, &p)
                                .map_err(|e| format!("denial {}: {e}", d.key))?,
                            (None, None) => return Err(format!("denial {} has no target", d.key)),
                        };
                        g.restore_denial_row(d.key, Denial { target, attestations });
                    }
                    g.finish_restore(std::mem::take(&mut holes));
                    for (key, text) in texts {
                        let ix = EntityIx::new(key);
                        if g.entity(ix).is_none() {
                            return Err(format!("the text of document {key}, which does not exist"));
                        }
                        g.set_document_text(ix, text);
                    }
                    for c in constraints {
                        crate::load::constraint_from_text(&mut g, &c)
                            .map_err(|e| format!("constraint {c:?}: {e}"))?;
                    }
                    for r in resolutions {
                        let target = match r.finding {
                            Some(f) => ResolutionTarget::Finding(f.into()),
                            None => {
                                ResolutionTarget::Claims(r.claims.into_iter().map(ClaimIx::new).collect())
                            }
                        };
                        let status = ResolutionStatus::parse(&r.status)
                            .ok_or_else(|| format!("unknown resolution status {:?}", r.status))?;
                        g.add_resolution(Resolution { target, status, reason: r.reason.into() });
                    }
                    return Ok(Some((g, seq)));
                }
            }
        }
    }
    Err("the workspace could not be read to the end".into())
}
