//! Reading back what a workspace stores as statement text: a denial's class pattern and a
//! constraint's `CONSTRAINT` statement. Both resolve names as they are now; an entity
//! deleted since stands for no entity rather than failing the whole workspace.

use super::Loader;
use crate::model::{DenialTarget, Graph};
use crate::syntax::decl::{DeclStatement, DenyTarget};
use crate::syntax::{parse_script, Statement};

/// A denial's class target from its pattern as the printer writes it
/// (`(battle)-[:CASUALTIES {killed: >=10}]->()`): how a workspace stores it.
pub(crate) fn denial_target_from_text(graph: &mut Graph, pattern: &str) -> Result<DenialTarget, String> {
    let text = format!("DENY {pattern}");
    let decl = one_declaration(&text)?;
    let DeclStatement::Deny { target: DenyTarget::Class(p), .. } = decl else {
        return Err(format!("{pattern:?} is not a denial pattern"));
    };
    let mut loader = Loader::new(graph);
    loader.restoring = true;
    let pattern = loader.rel_pattern(&p, "DENY").map_err(|e| e.message)?;
    Ok(DenialTarget::Class { pattern, conditions: loader.props(&p.props) })
}

/// Adds a constraint from its CONSTRAINT statement: how a workspace stores it.
pub(crate) fn constraint_from_text(graph: &mut Graph, statement: &str) -> Result<(), String> {
    let decl = one_declaration(statement)?;
    let DeclStatement::Constraint(c) = decl else { return Err(format!("{statement:?} is not a constraint")) };
    let mut loader = Loader::new(graph);
    loader.restoring = true;
    loader.declare_constraint(&c).map_err(|e| e.message)
}

fn one_declaration(text: &str) -> Result<DeclStatement, String> {
    let mut statements = parse_script(text).map_err(|e| e.message)?;
    match (statements.pop(), statements.is_empty()) {
        (Some(s), true) => match s.statement {
            Statement::Decl(d) => Ok(d),
            Statement::Query(_) => Err(format!("{text:?} is not a declaration")),
        },
        _ => Err(format!("{text:?} is not one statement")),
    }
}
