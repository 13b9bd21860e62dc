//! Rendering of errors: every stage's error becomes a miette report tied to its file, and is
//! shown with `file:line:col`, the source line and a caret under the offending token.

use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource, Report};

/// A file (or REPL input, or `-e` argument) that statements were read from.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: Arc<str>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        SourceFile { name: name.into(), text: text.into() }
    }

    pub fn named_source(&self) -> NamedSource<String> {
        NamedSource::new(self.name.clone(), self.text.to_string())
    }

    /// `file:line:col` of a byte offset.
    pub fn location(&self, offset: usize) -> String {
        let (line, col) = crate::syntax::line_col(&self.text, offset);
        format!("{}:{line}:{col}", self.name)
    }
}

/// Attaches the file to a diagnostic so it renders with its source line.
pub fn report_in<D>(file: &SourceFile, diagnostic: D) -> Report
where
    D: miette::Diagnostic + Send + Sync + 'static,
{
    Report::new(diagnostic).with_source_code(file.named_source())
}

/// Renders a report as plain text (no colours), as tests and pipes want it.
pub fn render_plain(report: &Report) -> String {
    render(report, GraphicalTheme::unicode_nocolor())
}

/// Renders with colours when `color` is set (an interactive terminal).
pub fn render_for_terminal(report: &Report, color: bool) -> String {
    if color {
        render(report, GraphicalTheme::unicode())
    } else {
        render_plain(report)
    }
}

fn render(report: &Report, theme: GraphicalTheme) -> String {
    let mut out = String::new();
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false);
    if handler.render_report(&mut out, report.as_ref()).is_err() {
        out = format!("{report}");
    }
    out
}

/// "did you mean 'wagner'?" for a mistyped name, when a close one exists.
pub fn did_you_mean<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .map(|c| (strsim::levenshtein(&name.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, c)| c.to_string())
}
