//! Declaration AST (being written).
use super::{Rule, Span, SyntaxError};
use pest::iterators::Pair;
#[derive(Debug, Clone, PartialEq)]
pub struct DeclStatement {
    pub span: Span,
}
pub(crate) fn build_decl(pair: Pair<'_, Rule>) -> Result<DeclStatement, SyntaxError> {
    Ok(DeclStatement {
        span: Span::of(&pair),
    })
}
