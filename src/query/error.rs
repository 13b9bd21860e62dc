//! Query errors with the openCypher TCK's names.
//!
//! An error has a class (`SyntaxError`, `TypeError`, ...) and a detail (`UndefinedVariable`,
//! `InvalidArgumentType`, ...), both typed: the enums' variant names are the TCK's names, so
//! the TCK runner and the shell show them as the TCK spells them. It also says when the
//! error was found (compile time or runtime), what went wrong and, when known, where in the
//! statement. Every stage of the engine builds its errors with the constructors here.

use std::fmt;

use crate::syntax::Span;

/// Declares an enum whose variants are named as the TCK names them, with `as_str` and
/// `Display` giving that name.
macro_rules! tck_names {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// The name the openCypher TCK uses.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => stringify!($variant),)*
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

tck_names! {
    /// The class of a query error.
    pub enum ErrorClass {
        SyntaxError,
        SemanticError,
        TypeError,
        ArgumentError,
        ArithmeticError,
        EntityNotFound,
        ConstraintVerificationFailed,
        ParameterMissing,
        ProcedureError,
        UnsupportedOperation,
        /// Ctrl-C (claimgraph's own).
        Cancelled,
        /// The query needed more memory than its budget, or ran past its time limit
        /// (claimgraph's own).
        ResourceError,
        /// A bug: the engine panicked (claimgraph's own).
        InternalError,
    }
}

tck_names! {
    /// What exactly went wrong.
    pub enum ErrorDetail {
        AmbiguousAggregationExpression,
        Cancelled,
        ColumnNameConflict,
        CreateFailed,
        CreatingVarLength,
        DeleteConnectedNode,
        DeletedEntityAccess,
        DifferentColumnsInUnion,
        DivisionByZero,
        FloatingPointOverflow,
        IntegerOverflow,
        InvalidAggregation,
        InvalidArgumentPassingMode,
        InvalidArgumentType,
        InvalidArgumentValue,
        InvalidClauseComposition,
        InvalidDelete,
        InvalidNumberLiteral,
        InvalidNumberOfArguments,
        InvalidParameterUse,
        InvalidPropertyType,
        InvalidRelationshipPattern,
        InvalidUnicodeCharacter,
        InvalidUnicodeLiteral,
        MapElementAccessByNonString,
        MergeReadOwnWrites,
        MemoryLimitExceeded,
        MissingParameter,
        NegativeIntegerArgument,
        NestedAggregation,
        NoExpressionAlias,
        NoSingleRelationshipType,
        NoVariablesInScope,
        NonConstantExpression,
        NotImplemented,
        NumberOutOfRange,
        Panic,
        ProcedureNotFound,
        RelationshipUniquenessViolation,
        RequiresDirectedRelationship,
        TimeLimitExceeded,
        UndefinedVariable,
        UnexpectedSyntax,
        UnknownFunction,
        VariableAlreadyBound,
        VariableTypeConflict,
    }
}

/// When an error is detected, as the TCK distinguishes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorPhase {
    CompileTime,
    Runtime,
}

/// A query error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct QueryError {
    pub class: ErrorClass,
    pub detail: ErrorDetail,
    pub phase: ErrorPhase,
    pub message: String,
    /// Where in the statement text, when known.
    pub span: Option<Span>,
}

impl QueryError {
    pub(crate) fn new(
        class: ErrorClass,
        detail: ErrorDetail,
        phase: ErrorPhase,
        message: impl Into<String>,
    ) -> Self {
        QueryError { class, detail, phase, message: message.into(), span: None }
    }

    pub(crate) fn at(self, span: Span) -> Self {
        QueryError { span: Some(span), ..self }
    }

    /// `Class.Detail` (`SyntaxError.UndefinedVariable`): the stable code shown with the error.
    pub fn code(&self) -> String {
        format!("{}.{}", self.class, self.detail)
    }
}

/// Result of evaluating anything in the engine.
pub(crate) type EvalResult<T> = Result<T, QueryError>;

/// A runtime error. The span is filled in by the executor, which knows where the failing
/// expression is.
pub(crate) fn runtime_error(
    class: ErrorClass,
    detail: ErrorDetail,
    message: impl Into<String>,
) -> QueryError {
    QueryError::new(class, detail, ErrorPhase::Runtime, message)
}

/// `TypeError` raised at runtime.
pub(crate) fn type_error(detail: ErrorDetail, message: impl Into<String>) -> QueryError {
    runtime_error(ErrorClass::TypeError, detail, message)
}

/// `ArgumentError` raised at runtime.
pub(crate) fn argument_error(detail: ErrorDetail, message: impl Into<String>) -> QueryError {
    runtime_error(ErrorClass::ArgumentError, detail, message)
}

/// `ArithmeticError` raised at runtime (integer overflow, integer division by zero).
pub(crate) fn arithmetic_error(detail: ErrorDetail, message: impl Into<String>) -> QueryError {
    runtime_error(ErrorClass::ArithmeticError, detail, message)
}

/// A compile-time `SyntaxError` without a position yet (the caller adds it).
pub(crate) fn syntax_error(detail: ErrorDetail, message: impl Into<String>) -> QueryError {
    QueryError::new(ErrorClass::SyntaxError, detail, ErrorPhase::CompileTime, message)
}

/// A compile-time `SyntaxError` at `span`: what the semantic checks find, and what the
/// executor finds of the same kind.
pub(crate) fn semantic_error(detail: ErrorDetail, message: &str, span: Span) -> QueryError {
    syntax_error(detail, message).at(span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_tck_names() {
        let e = semantic_error(ErrorDetail::UndefinedVariable, "x", Span::new(0, 1));
        assert_eq!(e.code(), "SyntaxError.UndefinedVariable");
        assert_eq!(ErrorClass::ConstraintVerificationFailed.as_str(), "ConstraintVerificationFailed");
        assert_eq!(ErrorDetail::MapElementAccessByNonString.to_string(), "MapElementAccessByNonString");
    }
}
