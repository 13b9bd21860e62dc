//! The graph's whole state, indexes included, as text in a canonical order: what tests
//! of rollback and of reopening a workspace compare.

use std::collections::{BTreeSet, HashMap};

use lasso::Key;

use super::{Degree, Graph};
use crate::model::claim::{ClaimIx, EntityIx, Props};
use crate::model::documents::DocumentText;
use crate::model::value::Value;
use crate::model::Sym;

impl Graph {
    /// Everything the graph holds, indexes included, as text in a canonical order: two
    /// graphs with the same state give the same text. What may differ without changing
    /// the state is left out: the revision, the interner, free slots, the order in which a
    /// node lists its claims, and the counter of generated ids. For tests of rollback.
    /// Declaration sites are included (a rolled-back declaration must leave none); they
    /// are the one thing a workspace does not keep ([`Graph::canonical_stored_state`]).
    pub fn canonical_state(&self) -> String {
        use std::fmt::Write as _;
        let mut out = self.canonical_stored_state();
        let sites: Vec<(usize, String)> = self
            .graph
            .node_indices()
            .filter_map(|ix| Some((ix.index(), self.declared_at(ix)?.to_string())))
            .collect();
        let _ = writeln!(out, "declared_at {sites:?}");
        out
    }

    /// [`Graph::canonical_state`] without declaration sites: what a reopened workspace must
    /// give back exactly.
    pub fn canonical_stored_state(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        for ix in self.graph.node_indices() {
            let _ = writeln!(out, "entity {} {:?}", ix.index(), self.describe_entity(ix));
        }
        for ix in self.graph.edge_indices() {
            let (s, o) = self.graph.edge_endpoints(ix).unwrap_or_default();
            let c = &self.graph[ix];
            let _ = writeln!(
                out,
                "claim {} {}->{} id={:?} type={} kind={:?} props={:?} attestations={:?}",
                ix.index(),
                s.index(),
                o.index(),
                c.id.map(|i| self.str(i)),
                self.str(c.rel_type),
                c.kind,
                self.named_props(&c.props),
                c.attestations
            );
        }
        let mut ids: Vec<(&str, usize)> = self
            .graph
            .node_weights()
            .filter_map(|e| Some((self.str(e.id), self.by_id.get(e.id)?.index())))
            .collect();
        ids.sort();
        let _ = writeln!(out, "by_id {ids:?}");
        let mut names: Vec<_> = self.by_name.iter().filter(|(_, v)| !v.is_empty()).collect();
        names.sort();
        let _ = writeln!(out, "by_name {names:?}");
        let named = |m: &HashMap<Sym, BTreeSet<_>>| {
            let mut v: Vec<(String, Vec<usize>)> = m
                .iter()
                .filter(|(_, s)| !s.is_empty())
                .map(|(k, s)| (self.str(*k).to_string(), s.iter().map(|i: &EntityIx| i.index()).collect()))
                .collect();
            v.sort();
            v
        };
        let _ = writeln!(out, "by_label {:?}", named(&self.by_label));
        let claim_sets = |m: &HashMap<Sym, BTreeSet<ClaimIx>>| {
            let mut v: Vec<(String, Vec<usize>)> = m
                .iter()
                .filter(|(_, s)| !s.is_empty())
                .map(|(k, s)| (self.str(*k).to_string(), s.iter().map(|i| i.index()).collect()))
                .collect();
            v.sort();
            v
        };
        let types = claim_sets(&self.indexed.by_type);
        let _ = writeln!(out, "by_type {types:?}");
        let mut claim_ids: Vec<(&str, usize)> =
            self.claim_ids.iter().map(|(k, v)| (self.str(*k), v.index())).collect();
        claim_ids.sort();
        let _ = writeln!(out, "claim_ids {claim_ids:?}");
        let mut by_source: Vec<(String, Vec<usize>)> = self
            .indexed
            .by_source
            .iter()
            .filter(|(_, s)| !s.is_empty())
            .map(|(k, s)| (self.resolve_syms(&format!("{k:?}")), s.iter().map(|i| i.index()).collect()))
            .collect();
        by_source.sort();
        let _ = writeln!(out, "by_source {by_source:?}");
        let _ = writeln!(out, "by_prop {:?}", claim_sets(&self.indexed.by_prop));
        let mut by_int_prop: Vec<(String, Vec<(i64, usize)>)> = self
            .indexed
            .by_int_prop
            .iter()
            .filter(|(_, s)| !s.is_empty())
            .map(|(k, s)| (self.str(*k).to_string(), s.iter().map(|(i, c)| (*i, c.index())).collect()))
            .collect();
        by_int_prop.sort();
        let _ = writeln!(out, "by_int_prop {by_int_prop:?}");
        let degrees: Vec<(usize, &Degree)> =
            self.degrees.iter().enumerate().filter(|(_, d)| **d != Degree::default()).collect();
        let _ = writeln!(out, "degrees {degrees:?}");
        let denied: Vec<usize> = self.denied.iter().map(|c| c.index()).collect();
        let _ = writeln!(out, "denied {denied:?}");
        let _ = writeln!(out, "denials {:?} {:?}", self.denial_keys, self.denials);
        let _ = writeln!(out, "constraints {:?}", self.constraints);
        let _ = writeln!(out, "resolutions {:?}", self.resolutions);
        let mut texts: Vec<(usize, &DocumentText)> = self.texts.iter().map(|(k, t)| (k.index(), t)).collect();
        texts.sort_by_key(|(k, _)| *k);
        let _ = writeln!(out, "texts {texts:?}");
        let _ = writeln!(out, "speakers {}", self.speakers);
        self.resolve_syms(&out)
    }

    /// Replaces interned symbols in debug text (`Spur(7)`) by their strings, whose numbering
    /// depends on the order things were read.
    fn resolve_syms(&self, text: &str) -> String {
        static SPUR: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
        let re = SPUR.get_or_init(|| regex::Regex::new(r"Spur\((\d+)\)").expect("valid pattern"));
        re.replace_all(text, |c: &regex::Captures<'_>| {
            let key = c[1].parse::<usize>().ok().and_then(|n| Sym::try_from_usize(n.checked_sub(1)?));
            match key.and_then(|k| self.strings.0.try_resolve(&k)) {
                Some(s) => format!("{s:?}"),
                None => c[0].to_string(),
            }
        })
        .into_owned()
    }

    fn describe_entity(&self, ix: EntityIx) -> String {
        let e = &self.graph[ix];
        let labels: Vec<&str> = e.labels.iter().map(|l| self.str(*l)).collect();
        format!(
            "id={} labels={labels:?} props={:?} via={:?} speaks_for={:?}",
            self.str(e.id),
            self.named_props(&e.props),
            e.via.iter().map(|v| v.index()).collect::<Vec<_>>(),
            e.speaks_for.iter().map(|v| v.index()).collect::<Vec<_>>()
        )
    }

    fn named_props(&self, props: &Props) -> Vec<(String, Value)> {
        props.iter().map(|(k, v)| (self.str(*k).to_string(), v.clone())).collect()
    }
}
