//! Rendering of errors: every stage's error becomes a miette report tied to its file, and is
//! shown with `file:line:col`, the source line and a caret under the offending token.

use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    NamedSource, Report, SourceCode, SourceSpan, SpanContents,
};

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

    /// The file as miette's source code; shares the text rather than copying it, so fifty
    /// errors in a 100 MB file do not hold fifty copies.
    pub fn named_source(&self) -> NamedSource<Arc<str>> {
        NamedSource::new(self.name.clone(), Arc::clone(&self.text))
    }

    /// `file:line:col` of a byte offset.
    pub fn location(&self, offset: usize) -> String {
        let (line, col) = crate::syntax::line_col(&self.text, offset);
        format!("{}:{line}:{col}", self.name)
    }
}

/// A file that could not be read as text.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {path}: {cause}")]
    Io { path: String, cause: std::io::Error },
    /// Not UTF-8: the rendered report, with the line and column of the first bad byte.
    #[error("{0}")]
    NotUtf8(String),
}

/// Bytes that are not UTF-8, located at the first bad byte.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("not valid UTF-8: byte 0x{byte:02x} at offset {offset}")]
#[diagnostic(
    code(claimgraph::invalid_utf8),
    help("claimgraph reads UTF-8 text; convert the file first (for example `iconv -f LATIN1 -t UTF-8`)")
)]
struct NotUtf8 {
    byte: u8,
    offset: usize,
    #[label("not UTF-8")]
    span: SourceSpan,
}

impl SourceFile {
    /// Reads a file (`-` is standard input) as UTF-8 text.
    pub fn read(path: &std::path::Path) -> Result<SourceFile, ReadError> {
        let name = if path.as_os_str() == "-" { "<stdin>".to_string() } else { path.display().to_string() };
        if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
                .map_err(|cause| ReadError::Io { path: name.clone(), cause })?;
            return SourceFile::from_bytes(name, bytes);
        }
        let bytes = crate::alloc::read_file_shared(path)
            .map_err(|cause| ReadError::Io { path: name.clone(), cause })?;
        match std::str::from_utf8(&bytes) {
            // SAFETY: `str` is `[u8]` known to be UTF-8, with the same layout; the bytes were
            // just checked, and the `Arc` is the only owner of them.
            Ok(_) => {
                Ok(SourceFile { name, text: unsafe { Arc::from_raw(Arc::into_raw(bytes) as *const str) } })
            }
            Err(_) => SourceFile::from_bytes(name, bytes.to_vec()),
        }
    }

    /// Text from bytes, or an error at the line and column of the first byte that is not UTF-8.
    pub fn from_bytes(name: String, bytes: Vec<u8>) -> Result<SourceFile, ReadError> {
        match String::from_utf8(bytes) {
            Ok(text) => Ok(SourceFile::new(name, text)),
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                let byte = e.as_bytes()[offset];
                // The text up to the bad byte is shown as it is; the rest with U+FFFD.
                let shown = String::from_utf8_lossy(e.as_bytes()).into_owned();
                let error =
                    NotUtf8 { byte, offset, span: SourceSpan::new(offset.into(), '\u{FFFD}'.len_utf8()) };
                Err(ReadError::NotUtf8(render_plain(&report_in(&SourceFile::new(name, shown), error))))
            }
        }
    }
}

/// Attaches the file to a diagnostic so it renders with its source line. Every error of
/// every stage goes through here, which is what makes [`Excerpt`] apply to all of them.
pub fn report_in<D>(file: &SourceFile, diagnostic: D) -> Report
where
    D: Diagnostic + Send + Sync + 'static,
{
    let message = diagnostic.to_string();
    let tidy_message = (message.len() > LONG_MESSAGE || message.chars().any(is_unsafe_control))
        .then(|| shorten(&escape_controls(&message), LONG_MESSAGE));
    let excerpt = Excerpt::of(file, &diagnostic);
    let labels_unsafe = diagnostic
        .labels()
        .is_some_and(|mut ls| ls.any(|l| l.label().is_some_and(|t| t.chars().any(is_unsafe_control))));
    if excerpt.is_none() && tidy_message.is_none() && !labels_unsafe {
        return Report::new(diagnostic).with_source_code(file.named_source());
    }
    let labels = match &excerpt {
        Some(e) => e.labels.clone(),
        None => diagnostic.labels().map_or(Vec::new(), |ls| ls.collect()),
    };
    let labels = labels.into_iter().map(tidy_label).collect();
    let shown = Shown { message: tidy_message.unwrap_or(message), inner: Box::new(diagnostic), labels };
    match excerpt {
        Some(excerpt) => Report::new(shown).with_source_code(excerpt),
        None => Report::new(shown).with_source_code(file.named_source()),
    }
}

/// Messages longer than this are cut in the middle: a 70,000-character name said once in
/// full is enough (in the source line under the caret).
const LONG_MESSAGE: usize = 400;

/// Control characters other than newline and tab, which a terminal would act on.
fn is_unsafe_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// Text with its control characters other than newline and tab written as the language's
/// escapes (`\u001B`), as `ls` and git show odd file names, so that a hostile name in an
/// error, a table or a CSV file cannot drive the terminal it is printed on.
pub(crate) fn escape_controls(text: &str) -> String {
    if !text.chars().any(is_unsafe_control) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe_control(c) {
            let _ = std::fmt::Write::write_fmt(&mut out, format_args!("\\u{:04X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// At most about `max` bytes: the start and the end, with `…` between.
fn shorten(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let head = floor_boundary(text, max * 3 / 4);
    let tail = ceil_boundary(text, text.len() - max / 4);
    format!("{}…{}", &text[..head], &text[tail..])
}

fn tidy_label(l: LabeledSpan) -> LabeledSpan {
    let text = l.label().map(|t| shorten(&escape_controls(t), LONG_MESSAGE / 2));
    let span = *l.inner();
    if l.primary() {
        LabeledSpan::new_primary_with_span(text, span)
    } else {
        LabeledSpan::new_with_span(text, span)
    }
}

/// Lines longer than this (in bytes) are shown as a window around the error. miette lays a
/// line out in columns it formats as `u16` widths and panics past 65,535; a window also
/// keeps a minified line from flooding the terminal.
const LONG_LINE: usize = 1000;
/// How much of a long line is shown before and after the error.
const WINDOW_BEFORE: usize = 80;
const WINDOW_AFTER: usize = 160;
const ELLIPSIS: &str = "…";

/// The part of a long line that an error is on, as miette's source code: the window's text
/// with `…` at the cut ends, reporting the real line and column of what it holds.
#[derive(Debug)]
struct Excerpt {
    name: String,
    /// `…` + the window + `…`.
    text: String,
    /// The real line (0-based) and byte column of the window's first byte.
    line: usize,
    column: usize,
    /// Bytes of `text` before the window's first byte (the leading `…`, if any).
    lead: usize,
    /// The diagnostic's labels, moved into `text`.
    labels: Vec<LabeledSpan>,
}

impl Excerpt {
    /// The excerpt a diagnostic needs: `None` unless its primary label is on a line longer
    /// than [`LONG_LINE`] (miette shows no context lines around a one-line label).
    fn of(file: &SourceFile, diagnostic: &dyn Diagnostic) -> Option<Excerpt> {
        let labels: Vec<LabeledSpan> = diagnostic.labels()?.collect();
        let primary = labels.iter().find(|l| l.primary()).or(labels.first())?;
        let text: &str = &file.text;
        let start = floor_boundary(text, primary.offset().min(text.len()));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        if line_end - line_start <= LONG_LINE {
            return None;
        }
        let win_start = floor_boundary(text, start.saturating_sub(WINDOW_BEFORE).max(line_start));
        let wanted_end =
            (start + primary.len().max(1)).min(start + WINDOW_AFTER).max(start + WINDOW_AFTER / 2);
        let win_end = ceil_boundary(text, wanted_end.min(line_end));
        let lead = if win_start > line_start { ELLIPSIS } else { "" };
        let trail = if win_end < line_end { ELLIPSIS } else { "" };
        let shown = format!("{lead}{}{trail}", &text[win_start..win_end]);
        // Labels that start in the window move with it and end where it ends.
        let moved = labels
            .iter()
            .filter(|l| (win_start..=win_end).contains(&l.offset()))
            .map(|l| {
                let offset = l.offset() - win_start + lead.len();
                let end = (l.offset() + l.len()).min(win_end) - win_start + lead.len();
                let span = SourceSpan::new(offset.into(), end - offset);
                if l.primary() {
                    LabeledSpan::new_primary_with_span(l.label().map(str::to_string), span)
                } else {
                    LabeledSpan::new_with_span(l.label().map(str::to_string), span)
                }
            })
            .collect();
        Some(Excerpt {
            name: file.name.clone(),
            text: shown,
            line: text[..line_start].matches('\n').count(),
            column: win_start - line_start,
            lead: lead.len(),
            labels: moved,
        })
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.as_str().read_span(span, before, after)?;
        // The excerpt is one line: a column in it is the window's column plus the bytes
        // after the leading `…`.
        let column = self.column + inner.column().saturating_sub(self.lead);
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            self.line,
            column,
            inner.line_count(),
        )))
    }
}

/// A diagnostic as shown: the same error, its message and labels made safe to print (and
/// moved into an [`Excerpt`] when there is one).
struct Shown {
    message: String,
    inner: Box<dyn Diagnostic + Send + Sync>,
    labels: Vec<LabeledSpan>,
}

impl std::fmt::Debug for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.inner, f)
    }
}

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Shown {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source()
    }
}

impl Diagnostic for Shown {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.inner.code()
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.inner.severity()
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        let help = self.inner.help()?.to_string();
        Some(Box::new(shorten(&escape_controls(&help), LONG_MESSAGE)))
    }
    fn url<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.inner.url()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
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

#[cfg(test)]
mod tests {
    use super::*;

    fn render_error_at(text: &str, offset: usize, len: usize) -> String {
        let file = SourceFile::new("t.kg", text);
        let span = crate::syntax::Span::new(offset, offset + len);
        let e = crate::syntax::SyntaxError::at(span, "bad token");
        render_plain(&report_in(&file, e))
    }

    #[test]
    fn errors_far_along_a_long_line_show_a_window_with_the_true_column() {
        for col in [0, 70_000, 200_000] {
            let text = format!("{}BAD{}\nnext line", "x".repeat(col), "y".repeat(100_000));
            let out = render_error_at(&text, col, 3);
            assert!(out.contains(&format!("[t.kg:1:{}]", col + 1)), "{out}");
            assert!(out.contains("BAD"), "{out}");
            assert!(out.len() < 2000, "the whole line was printed: {} bytes", out.len());
        }
    }

    #[test]
    fn long_and_hostile_messages_are_cut_and_escaped() {
        let text = "ENTITY (a);";
        let file = SourceFile::new("t.kg", text);
        let long = crate::syntax::SyntaxError::at(
            crate::syntax::Span::new(8, 9),
            format!("unknown '{}'", "a".repeat(70_000)),
        );
        let out = render_plain(&report_in(&file, long));
        assert!(out.len() < 2000, "{} bytes", out.len());
        let hostile = crate::syntax::SyntaxError::at(crate::syntax::Span::new(8, 9), "name 'x\u{1b}[31mred'");
        let out = render_plain(&report_in(&file, hostile));
        assert!(!out.contains('\u{1b}') && out.contains("\\u001B[31mred"), "{out}");
    }

    #[test]
    fn multibyte_text_around_the_window_edges() {
        // Two columns per character: past miette's limit at a third of the bytes.
        let text = format!("{}BAD{}", "中".repeat(35_000), "ü".repeat(40_000));
        let out = render_error_at(&text, 105_000, 3);
        assert!(out.contains("[t.kg:1:105001]"), "{out}");
    }
}

#[cfg(test)]
mod read_tests {
    use super::*;

    #[test]
    fn bytes_that_are_not_utf8_are_located() {
        let bytes = b"ENTITY (a);\nENTITY (b {name: 'caf\xe9'});\n".to_vec();
        let Err(ReadError::NotUtf8(out)) = SourceFile::from_bytes("t.kg".into(), bytes) else {
            panic!("accepted")
        };
        assert!(out.contains("[t.kg:2:22]") && out.contains("0xe9"), "{out}");
    }
}
