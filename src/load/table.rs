//! Claims from a spreadsheet (CSV or TSV): one row is one attestation of a claim, turned
//! into a `CLAIM ... BY ...` declaration and loaded by the same [`super::Loader`] as a data
//! file, so names resolve and quotes are verified exactly as there. Rows of the same claim
//! from several sources merge into one claim, as repeated `CLAIM` statements do.
//!
//! The header row names the columns (case and surrounding spaces do not matter):
//! `subject`, `relationship` (or `type`), `object` and `source` are required;
//! `id`, `properties` (a map literal), `via` (source ids separated by `,` or `;`), `status`,
//! `quote`, `document`, `date` (`2018-02-07` or `@2018-02`) and `position` are optional, and
//! a column headed `property:NAME` holds the value of property NAME (a literal such as
//! `~100`, or plain text). [`Mapping`] renames columns for sheets with other headers.
//!
//! Every error names the row (the header is row 1, as a spreadsheet numbers them), the
//! column (1-based) and what was expected there; its span is the cell, so the report shows
//! the line with a caret. A row either loads whole or not at all.

use crate::diagnostics::SourceFile;
use crate::model::{Status, Value};
use crate::syntax::decl::{
    parse_props, parse_value, AttestationDecl, DeclStatement, EndPattern, Name, Prop, RelPatternDecl,
    SourceName,
};
use crate::syntax::Span;

use super::{LoadError, LoadErrorKind};

/// The fields a row can fill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Id,
    Subject,
    Relationship,
    Object,
    Properties,
    Source,
    Via,
    Status,
    Quote,
    Document,
    Date,
    Position,
    /// One property, by key.
    Property(String),
}

impl Field {
    /// The header the export writes and the convention reads.
    pub const COLUMNS: [&'static str; 12] = [
        "id",
        "subject",
        "relationship",
        "object",
        "properties",
        "source",
        "via",
        "status",
        "quote",
        "document",
        "date",
        "position",
    ];

    /// A field by its conventional header (`property:killed` for one property).
    pub fn parse(header: &str) -> Option<Field> {
        let h = header.trim();
        if let Some((prefix, key)) = h.split_once(':') {
            return (prefix.trim().eq_ignore_ascii_case("property") && !key.trim().is_empty())
                .then(|| Field::Property(key.trim().to_string()));
        }
        Some(match h.to_ascii_lowercase().as_str() {
            "id" => Field::Id,
            "subject" => Field::Subject,
            "relationship" | "type" => Field::Relationship,
            "object" => Field::Object,
            "properties" => Field::Properties,
            "source" => Field::Source,
            "via" => Field::Via,
            "status" => Field::Status,
            "quote" => Field::Quote,
            "document" => Field::Document,
            "date" => Field::Date,
            "position" => Field::Position,
            _ => return None,
        })
    }

    fn name(&self) -> String {
        match self {
            Field::Property(k) => format!("property:{k}"),
            other => Field::COLUMNS[[
                Field::Id,
                Field::Subject,
                Field::Relationship,
                Field::Object,
                Field::Properties,
                Field::Source,
                Field::Via,
                Field::Status,
                Field::Quote,
                Field::Document,
                Field::Date,
                Field::Position,
            ]
            .iter()
            .position(|f| f == other)
            .unwrap_or(0)]
            .to_string(),
        }
    }
}

/// How a sheet's columns map to fields, and how its cells are separated.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// `(field, header)`: the column headed `header` holds `field`. Other columns follow the
    /// header convention; columns that match neither are ignored.
    pub renames: Vec<(Field, String)>,
    pub delimiter: u8,
}

impl Mapping {
    /// Commas, or tabs for a `.tsv` file.
    pub fn for_file(name: &str) -> Mapping {
        let tsv = std::path::Path::new(name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("tsv") || e.eq_ignore_ascii_case("tab"));
        Mapping { renames: Vec::new(), delimiter: if tsv { b'\t' } else { b',' } }
    }

    /// Parses `FIELD=HEADER` (`subject=Actor`, `property:killed=Dead`).
    pub fn rename(&mut self, spec: &str) -> Result<(), String> {
        let (field, header) =
            spec.split_once('=').ok_or_else(|| format!("`{spec}` is not FIELD=HEADER (subject=Actor)"))?;
        let field = Field::parse(field).ok_or_else(|| {
            format!("unknown field `{field}`; fields are {} and property:NAME", Field::COLUMNS.join(", "))
        })?;
        self.renames.push((field, header.trim().to_string()));
        Ok(())
    }

    fn field_of(&self, header: &str) -> Option<Field> {
        let h = header.trim();
        match self.renames.iter().find(|(_, name)| name.eq_ignore_ascii_case(h)) {
            Some((f, _)) => Some(f.clone()),
            // A header that was renamed away does not also keep its conventional meaning.
            None if self.renames.iter().any(|(f, _)| Field::parse(h).as_ref() == Some(f)) => None,
            None => Field::parse(h),
        }
    }
}

/// A row that parsed: its declaration and where its cells are, to place loader errors.
#[derive(Debug, Clone)]
pub struct Row {
    /// The spreadsheet row number (the header is row 1).
    pub number: usize,
    pub decl: DeclStatement,
    pub span: Span,
    cells: Vec<Span>,
    headers: std::sync::Arc<Vec<String>>,
}

impl Row {
    /// The column (1-based) an error's span falls in.
    pub fn column_of(&self, e: &LoadError) -> usize {
        self.column_index(e.span) + 1
    }

    fn column_index(&self, span: Span) -> usize {
        self.cells.iter().position(|c| c.start <= span.start && span.start <= c.end).unwrap_or(0)
    }

    /// Gives a loader error for this row its row and column.
    pub fn locate(&self, mut e: LoadError) -> LoadError {
        let col = self.column_index(e.span);
        let header = self.headers.get(col).map(String::as_str).unwrap_or("");
        e.message = format!("row {}, column {} ({header}): {}", self.number, col + 1, e.message);
        e
    }
}

/// A sheet's rows, and the rows that could not be read (each error names its row).
#[derive(Debug, Default)]
pub struct Table {
    pub rows: Vec<Row>,
    pub errors: Vec<RowError>,
}

/// A row that failed: its number, the column (1-based) and the error.
#[derive(Debug, Clone)]
pub struct RowError {
    pub row: usize,
    pub column: usize,
    pub error: Box<LoadError>,
}

impl RowError {
    /// `file:row:column: message`.
    pub fn line(&self, file: &str) -> String {
        let msg = &self.error.message;
        // The message starts with "row R, column C (h): " for the rendered report.
        let msg = msg.split_once("): ").map_or(msg.as_str(), |(_, m)| m);
        format!("{file}:{}:{}: {msg}", self.row, self.column)
    }
}

/// Reads a sheet into claim declarations.
pub fn read(file: &SourceFile, mapping: &Mapping) -> Table {
    let text: &str = &file.text;
    let bom = if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(mapping.delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(&text.as_bytes()[bom..]);
    let mut table = Table::default();
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            table.errors.push(csv_error(e, bom, 1));
            return table;
        }
        None => {
            let e = LoadError::new(LoadErrorKind::InvalidTable, Span::default(), "the sheet is empty")
                .with_help(format!("the first row names the columns: {}", Field::COLUMNS.join(",")));
            table.errors.push(RowError { row: 1, column: 1, error: Box::new(e) });
            return table;
        }
    };
    let headers: std::sync::Arc<Vec<String>> =
        std::sync::Arc::new(header.iter().map(str::to_string).collect());
    let header_cells = cell_spans(
        text,
        bom + header.position().map_or(0, |p| p.byte() as usize),
        header.len(),
        mapping.delimiter,
    );
    let fields: Vec<Option<Field>> = headers.iter().map(|h| mapping.field_of(h)).collect();
    for required in [Field::Subject, Field::Relationship, Field::Object, Field::Source] {
        if !fields.contains(&Some(required.clone())) {
            let mut e = LoadError::new(
                LoadErrorKind::InvalidTable,
                header_cells.first().copied().unwrap_or_default(),
                format!("row 1: no `{}` column", required.name()),
            )
            .with_label("the header row");
            e = e.with_help(format!(
                "name the columns {} (or map yours: --column {}=HEADER)",
                Field::COLUMNS.join(","),
                required.name()
            ));
            table.errors.push(RowError { row: 1, column: 1, error: Box::new(e) });
        }
    }
    for (i, f) in fields.iter().enumerate() {
        if let Some(f) = f {
            if let Some(j) = fields[..i].iter().position(|g| g.as_ref() == Some(f)) {
                let e = LoadError::new(
                    LoadErrorKind::InvalidTable,
                    header_cells.get(i).copied().unwrap_or_default(),
                    format!(
                        "row 1, column {} ({}): `{}` is also column {}",
                        i + 1,
                        headers[i],
                        f.name(),
                        j + 1
                    ),
                )
                .with_label("a second column for the same field");
                table.errors.push(RowError { row: 1, column: i + 1, error: Box::new(e) });
            }
        }
    }
    if !table.errors.is_empty() {
        return table;
    }
    for (i, record) in records.enumerate() {
        let number = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                table.errors.push(csv_error(e, bom, number));
                // The reader cannot resynchronise reliably after a broken record.
                break;
            }
        };
        let start = bom + record.position().map_or(0, |p| p.byte() as usize);
        let cells = cell_spans(text, start, record.len(), mapping.delimiter);
        let span = Span::new(cells.first().map_or(start, |c| c.start), cells.last().map_or(start, |c| c.end));
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let row =
            RowCells { number, record: &record, cells: &cells, fields: &fields, headers: &headers, span };
        match row.decl() {
            Ok(decl) => table.rows.push(Row { number, decl, span, cells, headers: headers.clone() }),
            Err(e) => table.errors.push(e),
        }
    }
    table
}

fn csv_error(e: csv::Error, bom: usize, row: usize) -> RowError {
    let offset = e.position().map_or(0, |p| bom + p.byte() as usize);
    let error = LoadError::new(
        LoadErrorKind::InvalidTable,
        Span::new(offset, offset),
        format!("row {row}, column 1: the row cannot be read: {e}"),
    );
    RowError { row, column: 1, error: Box::new(error) }
}

/// Byte ranges of a record's cells in the file. The csv reader has validated the record,
/// so quotes are balanced; cells end at the delimiter or the line end outside quotes.
fn cell_spans(text: &str, start: usize, count: usize, delimiter: u8) -> Vec<Span> {
    let bytes = text.as_bytes();
    let mut spans = Vec::with_capacity(count);
    let mut i = start.min(bytes.len());
    // After a CRLF the reader places the next record at the LF.
    while i < bytes.len() && matches!(bytes[i], b'\r' | b'\n') {
        i += 1;
    }
    for _ in 0..count {
        let cell_start = i;
        let mut quoted = false;
        while i < bytes.len() {
            match bytes[i] {
                b'"' => quoted = !quoted,
                b if b == delimiter && !quoted => break,
                b'\n' | b'\r' if !quoted => break,
                _ => {}
            }
            i += 1;
        }
        spans.push(Span::new(cell_start, i));
        if i < bytes.len() && bytes[i] == delimiter {
            i += 1;
        }
    }
    spans
}

/// One record with what it needs to report errors.
struct RowCells<'a> {
    number: usize,
    record: &'a csv::StringRecord,
    cells: &'a [Span],
    fields: &'a [Option<Field>],
    headers: &'a [String],
    span: Span,
}

impl RowCells<'_> {
    fn column(&self, field: &Field) -> Option<usize> {
        self.fields.iter().position(|f| f.as_ref() == Some(field))
    }

    /// The cell of a field, trimmed; `None` when the column is missing or the cell empty.
    fn get(&self, field: &Field) -> Option<(&str, usize)> {
        let col = self.column(field)?;
        let text = self.record.get(col)?;
        (!text.trim().is_empty()).then_some((text, col))
    }

    fn span(&self, col: usize) -> Span {
        self.cells.get(col).copied().unwrap_or(self.span)
    }

    fn error(&self, col: usize, kind: LoadErrorKind, expected: impl std::fmt::Display) -> RowError {
        let header = self.headers.get(col).map(String::as_str).unwrap_or("");
        let error = LoadError::new(
            kind,
            self.span(col),
            format!("row {}, column {} ({header}): {expected}", self.number, col + 1),
        );
        RowError { row: self.number, column: col + 1, error: Box::new(error) }
    }

    fn name(&self, field: &Field) -> Result<Option<Name>, RowError> {
        let Some((text, col)) = self.get(field) else { return Ok(None) };
        Ok(Some(Name { text: text.trim().to_string(), span: self.span(col) }))
    }

    fn required(&self, field: &Field) -> Result<Name, RowError> {
        match self.name(field)? {
            Some(n) => Ok(n),
            None => {
                let col = self.column(field).unwrap_or(0);
                Err(self.error(
                    col,
                    LoadErrorKind::InvalidTable,
                    format!("expected {}, found an empty cell", what(field)),
                ))
            }
        }
    }

    fn decl(&self) -> Result<DeclStatement, RowError> {
        if self.record.len() > self.headers.len() {
            let col = self.headers.len();
            return Err(self.error(
                col,
                LoadErrorKind::InvalidTable,
                format!(
                    "expected {} cells as in the header row, found {}",
                    self.headers.len(),
                    self.record.len()
                ),
            ));
        }
        let subject = self.required(&Field::Subject)?;
        let rel_type = self.required(&Field::Relationship)?;
        let object = self.required(&Field::Object)?;
        let source_name = self.required(&Field::Source)?;
        let mut props: Vec<Prop> = Vec::new();
        if let Some((text, col)) = self.get(&Field::Properties) {
            let parsed = parse_props(text.trim()).map_err(|e| {
                self.error(
                    col,
                    LoadErrorKind::InvalidValue,
                    format!("expected a property map such as {{killed: ~100}}: {}", e.message),
                )
            })?;
            for p in parsed {
                props.push(Prop { key: Name { text: p.key.text, span: self.span(col) }, value: p.value });
            }
        }
        for (col, field) in self.fields.iter().enumerate() {
            let Some(Field::Property(key)) = field else { continue };
            let Some(text) = self.record.get(col).filter(|t| !t.trim().is_empty()) else { continue };
            if props.iter().any(|p| &p.key.text == key) {
                return Err(self.error(
                    col,
                    LoadErrorKind::InvalidValue,
                    format!("property '{key}' is also in the properties column"),
                ));
            }
            // A literal where it reads as one (`~100`, `5`, `'x'`), else the text itself.
            let value = parse_value(text.trim()).unwrap_or_else(|_| Value::String(text.to_string()));
            props.push(Prop { key: Name { text: key.clone(), span: self.span(col) }, value });
        }
        let status = match self.get(&Field::Status) {
            None => None,
            Some((text, col)) => Some(Status::parse(text.trim()).ok_or_else(|| {
                let all: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
                self.error(
                    col,
                    LoadErrorKind::InvalidValue,
                    format!("expected a status ({}), found '{}'", all.join(", "), text.trim()),
                )
            })?),
        };
        let date = match self.get(&Field::Date) {
            None => None,
            Some((text, col)) => {
                let t = text.trim();
                let literal = if t.starts_with('@') { t.to_string() } else { format!("@{t}") };
                match parse_value(&literal) {
                    Ok(v @ Value::Date(_)) => Some(v),
                    Ok(Value::Temporal(t)) if t.date().is_some() => Some(Value::Temporal(t)),
                    _ => {
                        return Err(self.error(
                            col,
                            LoadErrorKind::InvalidValue,
                            format!(
                                "expected a date such as 2018-02-07, 2018-02, 2018, @-4months or 2018-02-07T22:00+02:00, found '{t}'"
                            ),
                        ))
                    }
                }
            }
        };
        let via = match self.get(&Field::Via) {
            None => None,
            Some((text, col)) => Some(
                split_ids(text)
                    .map_err(|e| self.error(col, LoadErrorKind::InvalidValue, e))?
                    .into_iter()
                    .map(|id| Name { text: id, span: self.span(col) })
                    .collect(),
            ),
        };
        let source = match user_name(&source_name.text) {
            Some(Ok(u)) => SourceName::User(u),
            Some(Err(())) => {
                let col = self.column(&Field::Source).unwrap_or(0);
                return Err(self.error(
                    col,
                    LoadErrorKind::InvalidValue,
                    "expected USER 'name' with the name quoted",
                ));
            }
            None => SourceName::Declared(source_name),
        };
        let quote = self.get(&Field::Quote);
        let attestation = AttestationDecl {
            source,
            via,
            status,
            document: self.name(&Field::Document)?,
            position: self.get(&Field::Position).map(|(t, _)| t.to_string()),
            date,
            quote: quote.map(|(t, _)| t.to_string()),
            span: self.span,
            quote_span: quote.map(|(_, col)| self.span(col)),
        };
        let end = |n: Name| EndPattern { span: n.span, id: Some(n), labels: Vec::new() };
        Ok(DeclStatement::Claim {
            pattern: RelPatternDecl {
                subject: end(subject),
                claim_id: self.name(&Field::Id)?,
                rel_type,
                props,
                object: end(object),
            },
            attestations: vec![attestation],
        })
    }
}

/// Source ids separated by `,` or `;`; an id holding either (or a backtick) is written in
/// backticks as in the language, with a backtick doubled.
pub fn split_ids(text: &str) -> Result<Vec<String>, String> {
    let mut ids = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else { break };
        let mut id = String::new();
        if first == '`' {
            chars.next();
            loop {
                match chars.next() {
                    Some('`') if chars.peek() == Some(&'`') => {
                        chars.next();
                        id.push('`');
                    }
                    Some('`') => break,
                    Some(c) => id.push(c),
                    None => return Err(format!("expected a closing backtick after `{id}")),
                }
            }
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            match chars.next() {
                None | Some(',' | ';') => {}
                Some(c) => return Err(format!("expected `,` after `{id}`, found '{c}'")),
            }
        } else {
            for c in chars.by_ref() {
                if c == ',' || c == ';' {
                    break;
                }
                id.push(c);
            }
            id = id.trim().to_string();
        }
        if !id.is_empty() {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// `USER 'alice'` in a source cell: a person at the keyboard, as the language writes it.
fn user_name(cell: &str) -> Option<Result<String, ()>> {
    let rest = cell.strip_prefix("USER")?;
    if !rest.starts_with(char::is_whitespace) {
        return None; // an id that starts with USER
    }
    match parse_value(rest.trim()) {
        Ok(Value::String(s)) => Some(Ok(s)),
        _ => Some(Err(())),
    }
}

fn what(field: &Field) -> &'static str {
    match field {
        Field::Subject => "the subject's entity id",
        Field::Relationship => "a relationship type",
        Field::Object => "the object's entity id",
        Field::Source => "a source id",
        _ => "a value",
    }
}

/// Whether a file name is a sheet's (`.csv`, `.tsv`, `.tab`).
pub fn is_table(name: &str) -> bool {
    std::path::Path::new(name)
        .extension()
        .is_some_and(|e| ["csv", "tsv", "tab"].iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// Loads `data` (entities, sources, documents, anything a data file holds), then a sheet's
/// rows with the same loader, so names resolve and quotes are checked against the
/// documents' texts exactly as in a data file; each row loads whole or not at all. Returns
/// how many rows loaded and the errors of the others, in row order; fails when `data`
/// does not load.
pub fn import(
    graph: &mut crate::model::Graph,
    data: &[super::DataFile],
    sheet: &super::DataFile,
    mapping: &Mapping,
) -> Result<(usize, Vec<RowError>), super::LoadFailure> {
    let table = read(&sheet.source, mapping);
    super::load_files_then(graph, data, None, |loader| {
        let mut errors = table.errors;
        loader.begin_file(sheet.base_dir.clone());
        let mut loaded = 0;
        // Each row is a transaction of its own: one that fails halfway leaves nothing.
        let own_transaction = !loader.graph.in_transaction();
        for row in &table.rows {
            let savepoint = loader.graph.savepoint();
            match loader.apply(&row.decl, row.span, super::Pass::Facts) {
                Ok(_) => loaded += 1,
                Err(e) => {
                    loader.graph.rollback_to(savepoint);
                    let e = row.locate(e);
                    let column = row.column_of(&e);
                    errors.push(RowError { row: row.number, column, error: Box::new(e) });
                }
            }
        }
        if own_transaction {
            loader.graph.end_transaction();
        }
        errors.sort_by_key(|e| (e.row, e.column));
        (loaded, errors)
    })
}
