//! Declaration AST (being written).
use pest::iterators::Pair;
use super::{Rule, Span, SyntaxError};
#[derive(Debug, Clone, PartialEq)]
pub struct DeclStatement { pub span: Span }
pub(crate) fn build_decl(pair: Pair<'_, Rule>) -> Result<DeclStatement, SyntaxError> {
    Ok(DeclStatement { span: Span::of(&pair) })
}
