//! Constraints: a `CONSTRAINT` declaration resolved into the model's [`Constraint`], its
//! patterns, property keys and options checked.

use super::{LoadError, LoadErrorKind, Loader};
use crate::model::{BoundBy, Constraint, ConstraintKind, Graph, Severity};
use crate::syntax::decl::{ConstraintDecl, ConstraintKindDecl, Name, RelPatternDecl};

impl Loader<'_> {
    pub(super) fn declare_constraint(&mut self, c: &ConstraintDecl) -> Result<(), LoadError> {
        let no_props = |p: &RelPatternDecl| match p.props.first() {
            Some(prop) => Err(LoadError::new(
                LoadErrorKind::InvalidPattern,
                prop.key.span,
                "constraint patterns take no properties",
            )
            .with_help("name the properties with ON")),
            None => Ok(()),
        };
        let keys =
            |g: &mut Graph, names: &[Name]| names.iter().map(|n| g.intern(&n.text)).collect::<Vec<_>>();
        let kind = match &c.kind {
            ConstraintKindDecl::Single { pattern, on } => {
                no_props(pattern)?;
                ConstraintKind::Single {
                    pattern: self.rel_pattern(pattern, "CONSTRAINT")?,
                    properties: keys(self.graph, on),
                }
            }
            ConstraintKindDecl::Sum { pattern, parts, total } => {
                no_props(pattern)?;
                ConstraintKind::Sum {
                    pattern: self.rel_pattern(pattern, "CONSTRAINT")?,
                    parts: keys(self.graph, parts),
                    total: self.graph.intern(&total.text),
                }
            }
            ConstraintKindDecl::Exclusive { patterns } => {
                let mut out = Vec::new();
                for p in patterns {
                    no_props(p)?;
                    out.push(self.rel_pattern(p, "CONSTRAINT")?);
                }
                ConstraintKind::Exclusive { patterns: out }
            }
            ConstraintKindDecl::Temporal { pattern, on } => {
                no_props(pattern)?;
                ConstraintKind::Temporal {
                    pattern: self.rel_pattern(pattern, "CONSTRAINT")?,
                    property: self.graph.intern(&on.text),
                }
            }
            ConstraintKindDecl::Parts { pattern, on, part_of } => {
                no_props(pattern)?;
                ConstraintKind::Parts {
                    pattern: self.rel_pattern(pattern, "CONSTRAINT")?,
                    properties: keys(self.graph, on),
                    part_of: self.graph.intern(&part_of.text),
                }
            }
            ConstraintKindDecl::Bound { pattern, on, by, part_of } => {
                no_props(pattern)?;
                if by.subject == by.object {
                    return Err(LoadError::new(
                        LoadErrorKind::InvalidPattern,
                        by.rel_type.span,
                        "the bounding relationship must join the claim's SUBJECT and OBJECT",
                    ));
                }
                ConstraintKind::Bound {
                    pattern: self.rel_pattern(pattern, "CONSTRAINT")?,
                    properties: keys(self.graph, on),
                    by: BoundBy {
                        subject: by.subject,
                        rel_type: self.graph.intern(&by.rel_type.text),
                        object: by.object,
                        property: self.graph.intern(&by.property.text),
                    },
                    part_of: part_of.as_ref().map(|p| self.graph.intern(&p.text)),
                }
            }
        };
        let severity = match &c.severity {
            Some(s) => Some(Severity::parse(&s.text).ok_or_else(|| {
                LoadError::new(LoadErrorKind::InvalidValue, s.span, format!("unknown severity '{}'", s.text))
                    .with_help("use violation, warning or suggestion")
            })?),
            None => None,
        };
        let constraint =
            Constraint { id: self.graph.intern(&c.id.text), kind, per: keys(self.graph, &c.per), severity };
        self.graph.add_constraint(constraint).map_err(|_| {
            LoadError::new(
                LoadErrorKind::DuplicateConstraint,
                c.id.span,
                format!("duplicate constraint '{}'", c.id.text),
            )
        })
    }
}
