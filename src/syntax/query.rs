//! Query AST (placeholder until the query grammar lands).

use pest::iterators::Pair;

use super::{Rule, Span, SyntaxError};

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub span: Span,
}

pub(crate) fn build_query(pair: Pair<'_, Rule>) -> Result<Query, SyntaxError> {
    Ok(Query { span: Span::of(&pair) })
}
