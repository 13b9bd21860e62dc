//! Errors of the drafting stage: a lexicon line that cannot be read, an article that is
//! not text, a draft file whose statements do not parse. Each has a stable code and a span
//! in the file it is about, so it renders with `file:line:col` and a caret.

use crate::syntax::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftErrorKind {
    /// A line of a cue lexicon file.
    Lexicon,
    /// The article (not UTF-8, or a `--published` date that is not a date).
    Article,
    /// A draft file under review.
    DraftFile,
    /// The gold file or article given to the scorer.
    Score,
}

impl DraftErrorKind {
    pub fn code(self) -> &'static str {
        match self {
            DraftErrorKind::Lexicon => "claimgraph::draft::lexicon",
            DraftErrorKind::Article => "claimgraph::draft::article",
            DraftErrorKind::DraftFile => "claimgraph::draft::draft_file",
            DraftErrorKind::Score => "claimgraph::draft::score",
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct DraftError {
    pub kind: DraftErrorKind,
    pub message: String,
    pub span: Span,
    pub label: String,
    pub help: Option<String>,
}

impl DraftError {
    pub fn new(kind: DraftErrorKind, span: Span, message: impl Into<String>) -> Self {
        let message = message.into();
        DraftError { kind, label: message.clone(), message, span, help: None }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl miette::Diagnostic for DraftError {
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
