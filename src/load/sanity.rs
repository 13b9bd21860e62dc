//! What parses but cannot mean anything, refused with its location: an attribution chain
//! that comes back to its own source, and a name written as an empty backticked identifier.

use crate::model::EntityIx;
use crate::syntax::decl::Name;

use super::{LoadError, LoadErrorKind, Loader};

impl Loader<'_> {
    /// A source cannot reach us through itself: `SOURCE (p) VIA p`, `VIA q, q`, or a relay
    /// whose own declared chain leads back to the source.
    pub(super) fn no_chain_cycle(
        &self,
        ix: EntityIx,
        via: &[EntityIx],
        names: &[Name],
    ) -> Result<(), LoadError> {
        for (i, (&hop, name)) in via.iter().zip(names).enumerate() {
            let repeated = hop == ix || via[..i].contains(&hop);
            if repeated || self.chain_reaches(hop, ix) {
                let (id, hop_id) = (self.graph.entity_id(ix), self.graph.entity_id(hop));
                let why = if hop == ix {
                    format!("'{id}' cannot relay itself")
                } else if repeated {
                    format!("it lists '{hop_id}' twice")
                } else {
                    format!("'{hop_id}' is itself relayed through '{id}'")
                };
                return Err(LoadError::new(
                    LoadErrorKind::InvalidPattern,
                    name.span,
                    format!("the attribution chain of '{id}' is a cycle: {why}"),
                )
                .with_label("cycle closes here")
                .with_help("a VIA chain lists the relays from the source outward, each once"));
            }
        }
        Ok(())
    }

    /// Whether following VIA links from `from` arrives at `to`.
    fn chain_reaches(&self, from: EntityIx, to: EntityIx) -> bool {
        let mut seen = vec![from];
        let mut stack = vec![from];
        while let Some(at) = stack.pop() {
            let Some(e) = self.graph.entity(at) else { continue };
            for &next in &e.via {
                if next == to {
                    return true;
                }
                if !seen.contains(&next) {
                    seen.push(next);
                    stack.push(next);
                }
            }
        }
        false
    }
}

/// An empty backticked name (`` ` ` ``) names nothing a reader could refer to.
pub(super) fn non_empty(name: &Name, what: &str) -> Result<(), LoadError> {
    if name.text.is_empty() {
        return Err(LoadError::new(
            LoadErrorKind::InvalidPattern,
            name.span,
            format!("{what} cannot be empty"),
        )
        .with_label("empty name"));
    }
    Ok(())
}
