//! Applying a claim read straight into a record ([`ClaimRecord`], by the parsing threads):
//! the same checks and the same claim as [`Loader::apply`] of its declaration, without
//! building the declaration. Names are read from the statement's text where their spans
//! are, and the attestations the parsing thread made (quote and date in place) are
//! moved into the claim once their sources are filled in. Anything out of the ordinary (a name not looked up, a name the graph lacks, a
//! quote not verbatim, a relative date without a document, `aliases`) applies the
//! declaration instead, so errors are those of the declaration. Both ways end in
//! [`Loader::add_or_merge`].

use super::bulk::Known;
use super::{Applied, LoadError, Loader, Pass};
use crate::model::{Attestation, Claim, ClaimKind, DateValue, EntityIx, Props, SourceRef, Sym, Value};
use crate::syntax::decl::Name;
use crate::syntax::records::ClaimRecord;
use crate::syntax::Span;

impl Loader<'_> {
    /// Applies the claim of statement `stmt` (the text its spans start at), read into `r`;
    /// `span` is the statement's. The record's attestations and values are taken.
    pub(super) fn apply_record(
        &mut self,
        stmt: &str,
        r: &mut ClaimRecord,
        span: Span,
        known: &Known,
    ) -> Result<Applied, LoadError> {
        if self.resolve_record_attestations(stmt, r, known).is_some() {
            let (added, atts) = self.add_record(stmt, r, span, known)?;
            return Ok(Applied {
                claims_added: usize::from(added),
                attestations_added: atts,
                ..Applied::default()
            });
        }
        self.apply_known(&r.to_decl(stmt), span, Pass::Facts, known)
    }

    /// Fills in the sources, `VIA` chains and document of the attestations the record
    /// made, all checked; `None` when the declaration's way must decide (see the module's
    /// doc), and then what was filled in is left for [`ClaimRecord::to_decl`] to ignore.
    /// Changes nothing in the graph.
    fn resolve_record_attestations(&mut self, stmt: &str, r: &mut ClaimRecord, known: &Known) -> Option<()> {
        known.subject?;
        known.object?;
        // What `check_prop` refuses is about `aliases` alone (keys are never empty here).
        if r.props.iter().any(|(k, _)| stmt.get(k.start..k.end) == Some("aliases"))
            || r.attestations.is_empty()
            || r.made.len() != r.attestations.len()
        {
            return None;
        }
        let document = self.default_document;
        for (i, (a, made)) in r.attestations.iter().zip(&mut r.made).enumerate() {
            let found = |s: Span| self.graph.find_entity(stmt.get(s.start..s.end)?);
            let source = match known.first_source.filter(|_| i == 0) {
                Some(ix) => ix,
                None => found(a.source)?,
            };
            let via = match &a.via {
                Some(names) => names.iter().map(|s| found(*s)).collect::<Option<Vec<_>>>()?,
                None => self.graph.entity(source).map(|e| e.via.clone()).unwrap_or_default(),
            };
            if let (Some(doc), Some(quote)) = (document, &made.quote) {
                self.verify_quote(doc, quote, a.quote_span.unwrap_or(a.span)).ok()?;
            }
            if matches!(made.date, Some(Value::Date(DateValue::Relative { .. }))) && document.is_none() {
                return None;
            }
            made.source = SourceRef::Entity(source);
            made.via = via;
            made.document = document;
        }
        Some(())
    }

    /// [`Loader::declare_claim`]'s end for a record whose attestations are resolved.
    fn add_record(
        &mut self,
        stmt: &str,
        r: &mut ClaimRecord,
        span: Span,
        known: &Known,
    ) -> Result<(bool, usize), LoadError> {
        let text = |s: Span| stmt.get(s.start..s.end).unwrap_or_default();
        let (Some(subject), Some(object)) = (known.subject, known.object) else {
            return Ok((false, 0)); // checked before: cannot happen
        };
        let atts = std::mem::take(&mut r.made);
        let rel_type = self.graph.intern(text(r.rel_type));
        let props = r
            .props
            .iter_mut()
            .map(|(k, v)| (self.graph.intern(text(*k)), std::mem::replace(v, Value::Null)))
            .collect();
        let claim_id = r.claim_id.map(|s| Name { text: text(s).to_string(), span: s });
        self.add_or_merge(subject, object, rel_type, props, &claim_id, atts, span)
    }

    /// Asks for the memory applying a claim between these ends will read first (the pair
    /// filter's word and the ends' nodes: each a cache miss per claim at a million
    /// claims), a few statements before it is applied.
    pub(super) fn read_ahead(&self, known: &Known) {
        if let (Some(pairs), Some(s), Some(o)) = (&self.pairs, known.subject, known.object) {
            pairs.prefetch(s, o);
            self.graph.prefetch_entity(s);
            self.graph.prefetch_entity(o);
        }
    }

    /// Adds a claim checked and resolved, or merges it into the one it declares again.
    /// Returns whether it was new, and how many attestations were.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn add_or_merge(
        &mut self,
        subject: EntityIx,
        object: EntityIx,
        rel_type: Sym,
        props: Props,
        claim_id: &Option<Name>,
        atts: Vec<Attestation>,
        span: Span,
    ) -> Result<(bool, usize), LoadError> {
        let id = claim_id.as_ref().map(|n| self.graph.intern(&n.text));
        // The same statement from another source corroborates the claim: merge.
        let maybe_there = self.pairs.as_ref().is_none_or(|p| p.may_have(subject, object));
        let existing =
            maybe_there.then(|| self.graph.claims_between(subject, object)).into_iter().flatten().find(|c| {
                self.graph.claim(*c).is_some_and(|c| {
                    c.kind == ClaimKind::Stated
                        && c.rel_type == rel_type
                        && c.props == props
                        && (id.is_none() || c.id.is_none() || c.id == id)
                })
            });
        if let Some(ix) = existing {
            if let Some(id) = id {
                self.graph.name_claim(ix, id).map_err(|e| self.internal(span, e))?;
            }
            return Ok((false, self.add_attestations(ix, atts)));
        }
        // A new claim gets its attestations as it is added.
        // One attestation in a vector of one (as both ways build them) is already that.
        let attestations =
            if atts.len() == 1 && atts.capacity() == 1 { atts } else { Attestation::distinct(atts) };
        let n = attestations.len();
        let claim = Claim { id, rel_type, props, attestations, kind: ClaimKind::Stated };
        self.add_named(subject, object, claim, claim_id, span)?;
        if let Some(pairs) = &mut self.pairs {
            pairs.insert(subject, object);
        }
        Ok((true, n))
    }
}
