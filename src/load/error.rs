//! Errors found while loading declarations: each has a stable code, a message without a
//! trailing period, the span it is about and, where we can guess, a hint.

use crate::syntax::{Span, SyntaxError};

/// The kinds of load error; [`LoadErrorKind::code`] is stable and documented in README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadErrorKind {
    Syntax,
    DuplicateId,
    DuplicateClaimId,
    DuplicateConstraint,
    UnknownEntity,
    UnknownSource,
    UnknownDocument,
    NotADocument,
    UnknownClaim,
    NoAttestation,
    QuoteNotVerbatim,
    InvalidPattern,
    InvalidValue,
    UnreadableFile,
    InvalidJson,
    MissingText,
    UnknownFinding,
    InvalidTable,
}

impl LoadErrorKind {
    pub fn code(self) -> &'static str {
        match self {
            LoadErrorKind::Syntax => "claimgraph::syntax",
            LoadErrorKind::DuplicateId => "claimgraph::load::duplicate_id",
            LoadErrorKind::DuplicateClaimId => "claimgraph::load::duplicate_claim_id",
            LoadErrorKind::DuplicateConstraint => "claimgraph::load::duplicate_constraint",
            LoadErrorKind::UnknownEntity => "claimgraph::load::unknown_entity",
            LoadErrorKind::UnknownSource => "claimgraph::load::unknown_source",
            LoadErrorKind::UnknownDocument => "claimgraph::load::unknown_document",
            LoadErrorKind::NotADocument => "claimgraph::load::not_a_document",
            LoadErrorKind::UnknownClaim => "claimgraph::load::unknown_claim",
            LoadErrorKind::NoAttestation => "claimgraph::load::no_attestation",
            LoadErrorKind::QuoteNotVerbatim => "claimgraph::load::quote_not_verbatim",
            LoadErrorKind::InvalidPattern => "claimgraph::load::invalid_pattern",
            LoadErrorKind::InvalidValue => "claimgraph::load::invalid_value",
            LoadErrorKind::UnreadableFile => "claimgraph::load::unreadable_file",
            LoadErrorKind::InvalidJson => "claimgraph::load::invalid_json",
            LoadErrorKind::MissingText => "claimgraph::load::missing_text",
            LoadErrorKind::UnknownFinding => "claimgraph::load::unknown_finding",
            LoadErrorKind::InvalidTable => "claimgraph::load::invalid_table",
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct LoadError {
    pub kind: LoadErrorKind,
    pub message: String,
    pub span: Span,
    pub label: String,
    pub help: Option<String>,
    /// Tokens the parser expected, for syntax errors.
    pub expected: Vec<String>,
}

impl LoadError {
    pub fn new(kind: LoadErrorKind, span: Span, message: impl Into<String>) -> Self {
        let message = message.into();
        LoadError { kind, label: message.clone(), message, span, help: None, expected: Vec::new() }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl From<SyntaxError> for LoadError {
    fn from(e: SyntaxError) -> Self {
        LoadError {
            kind: LoadErrorKind::Syntax,
            message: e.message,
            span: e.span,
            label: e.label,
            help: None,
            expected: e.expected,
        }
    }
}

impl miette::Diagnostic for LoadError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.kind.code()))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(miette::LabeledSpan::new_with_span(
            Some(self.label.clone()),
            self.span,
        ))))
    }
}
