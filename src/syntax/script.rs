//! Scripts: sequences of `;`-separated statements, each a declaration or a query.

use super::decl::{build_decl, DeclStatement};
use super::query::{build_query, Query};
use super::{Rule, Span, SyntaxError};

// Statements are parsed once and moved a handful of times; boxing buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    Decl(DeclStatement),
    Query(Query),
}

/// A parsed statement with its span in the script text.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptStatement {
    pub statement: Statement,
    pub span: Span,
}

/// Parses a whole script.
pub fn parse_script(text: &str) -> Result<Vec<ScriptStatement>, SyntaxError> {
    // pest recurses per bracket level; refuse input nested deep enough to overflow the stack.
    super::lexer::check_nesting(text)?;
    let mut pairs = super::parse_bounded(Rule::script, text)?;
    let script = pairs.next().expect("script rule always yields one pair");
    let mut out = Vec::new();
    for stmt in script.into_inner().filter(|p| p.as_rule() == Rule::statement) {
        let span = Span::of(&stmt);
        let inner = stmt.into_inner().next().expect("statement has one child");
        let statement = match inner.as_rule() {
            Rule::query_statement => Statement::Query(build_query(inner)?),
            _ => Statement::Decl(build_decl(inner)?),
        };
        out.push(ScriptStatement { statement, span });
    }
    Ok(out)
}
