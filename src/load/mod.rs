//! Loading declarations into a graph: the semantic stage of the declaration language.
//!
//! Files load in two passes so that they may refer to each other's ids: first every entity,
//! source and document of every file, then claims, denials and constraints in file order.
//! Every name is resolved here (with "did you mean" hints); every quote attested in a
//! document whose text file exists is checked to be verbatim.

mod bulk;
mod constraints;
mod direct;
mod error;
mod fast;
pub mod json;
pub mod print;
mod sanity;
mod stored;
pub mod table;
mod texts;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::Report;

pub use crate::diagnostics::did_you_mean;
pub use error::{LoadError, LoadErrorKind};
pub(crate) use stored::{constraint_from_text, denial_target_from_text};
pub use texts::normalise_for_quotes;

use crate::diagnostics::{report_in, SourceFile};
use crate::model::{
    Attestation, Claim, ClaimBatch, ClaimIx, ClaimKind, DateValue, DeclSite, Denial, DenialTarget,
    DocumentText, EndSelector, EntityIx, Graph, Props, RelPattern, Resolution, ResolutionTarget, SourceRef,
    Status,
};
use crate::syntax::decl::{
    AttestationDecl, DeclStatement, DenyTarget, EndPattern, EntityDecl, EntityKind, Name, Prop,
    RelPatternDecl, ResolveTargetDecl, SourceName,
};
use crate::syntax::{parse_script, Span, Statement};
use bulk::{BatchingLoader, EntityIds, Known, PairFilter};
use sanity::non_empty;

/// Labels the declaration keywords add.
pub const SOURCE_LABEL: &str = "Source";
pub const DOCUMENT_LABEL: &str = "Document";
/// Relationship type of attribution-chain hops.
pub const VIA_TYPE: &str = "VIA";

/// A file to load: its text, and the folder its relative paths (document texts) start from.
#[derive(Debug, Clone)]
pub struct DataFile {
    pub source: SourceFile,
    pub base_dir: Option<PathBuf>,
    /// When a document's `text` file is missing, load its quotes unverified instead of
    /// failing: for the bundled dataset, which is compiled into the binary and may run
    /// where its article is not.
    pub optional_texts: bool,
}

impl DataFile {
    pub fn new(
        name: impl Into<String>,
        text: impl Into<std::sync::Arc<str>>,
        base_dir: Option<PathBuf>,
    ) -> Self {
        DataFile { source: SourceFile::new(name, text), base_dir, optional_texts: false }
    }

    /// The same file, loading quotes unverified where a document's text file is missing.
    pub fn with_optional_texts(mut self) -> Self {
        self.optional_texts = true;
        self
    }

    /// Reads a file from disk; its folder is the base for relative paths.
    pub fn read(path: &Path) -> Result<Self, crate::diagnostics::ReadError> {
        let source = SourceFile::read(path)?;
        let base = path.parent().map(|p| if p.as_os_str().is_empty() { Path::new(".") } else { p });
        Ok(DataFile { source, base_dir: base.map(Path::to_path_buf), optional_texts: false })
    }
}

/// Errors from loading, each tied to its file.
#[derive(Debug)]
pub struct LoadFailure {
    pub reports: Vec<Report>,
}

impl std::fmt::Display for LoadFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for r in &self.reports {
            writeln!(f, "{}", crate::diagnostics::render_plain(r))?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadFailure {}

/// Claims to load from text before the threads parsing them look up their entities too
/// (copying the graph's ids for them costs about as much as looking up this many).
const LOOKUPS_ON_WORKERS_FROM: usize = 4096;

/// At most this many errors are reported from one load; the rest are usually echoes.
const MAX_ERRORS: usize = 50;

/// The ids of the findings a graph gives, for `RESOLVE F-…` to be checked against. The
/// contradiction engine sits beside the loader, not below it, so the front ends pass it in
/// (`check::finding_ids`).
pub type FindingIds = fn(&Graph) -> Vec<String>;

/// Loads files into `graph`. `.json` files are read as JSON exports, `.csv` and `.tsv` files
/// as sheets of claims ([`table`]), anything else as declaration statements. On error the
/// graph may hold part of the data. `RESOLVE` of a finding id is not checked (see
/// [`load_files_checked`]).
pub fn load_files(graph: &mut Graph, files: &[DataFile]) -> Result<(), LoadFailure> {
    load_files_then(graph, files, None, |_| ())
}

/// [`load_files`], and then every finding id a `RESOLVE` names must be one of
/// `finding_ids(graph)` once all files are in (`claimgraph::load::unknown_finding`).
pub fn load_files_checked(
    graph: &mut Graph,
    files: &[DataFile],
    finding_ids: Option<FindingIds>,
) -> Result<(), LoadFailure> {
    load_files_then(graph, files, finding_ids, |_| ())
}

/// [`load_files_checked`], then `then` with the same loader (which knows every document's
/// text file) once every file has loaded without error.
pub(crate) fn load_files_then<T>(
    graph: &mut Graph,
    files: &[DataFile],
    finding_ids: Option<FindingIds>,
    then: impl FnOnce(&mut Loader<'_>) -> T,
) -> Result<T, LoadFailure> {
    // JSON files are small: parse them whole, up front, as they always were.
    let mut reports = Vec::new();
    let mut sources: Vec<FileStatements> = Vec::with_capacity(files.len());
    for file in files {
        if file.source.name.ends_with(".json") {
            match json::decls_from_json(&file.source.text) {
                Ok(decls) => sources.push(FileStatements::Parsed(decls)),
                Err(e) => reports.push(report_in(&file.source, e)),
            }
        } else if table::is_table(&file.source.name) {
            let sheet = table::read(&file.source, &table::Mapping::for_file(&file.source.name));
            reports.extend(sheet.errors.into_iter().map(|e| report_in(&file.source, *e.error)));
            sources.push(FileStatements::Table(sheet.rows));
        } else {
            sources.push(FileStatements::Text(fast::split(&file.source.text)));
        }
    }
    if !reports.is_empty() {
        return Err(LoadFailure { reports: fast::syntax_reports(files, None) });
    }
    // Room for what the statements declare, counted by the split: every ENTITY, SOURCE
    // and DOCUMENT is an entity and nearly every other statement a claim.
    let (entities, facts) = sources.iter().fold((0, 0), |(e, f), s| match s {
        FileStatements::Text(split) => (e + split.entities.len(), f + split.facts.len()),
        FileStatements::Table(rows) => (e, f + rows.len()),
        FileStatements::Parsed(decls) => (e, f + decls.len()),
    });
    // (Chains of sources add a few claims more.)
    graph.reserve_empty(entities, facts + entities / 16 + 64);
    let fresh = graph.claim_count() == 0;
    let mut loader = BatchingLoader(Loader::new(graph));
    loader.finding_ids = finding_ids;
    if fresh {
        loader.pairs = Some(PairFilter::new(facts));
        loader.batch = Some(ClaimBatch::default());
    }
    let mut errors = ErrorSink { reports: Vec::new() };
    // Pass 1: entities, sources and documents of every file; keep sources with chains.
    let mut chains: Vec<(usize, fast::Parsed)> = Vec::new();
    for (i, (file, statements)) in files.iter().zip(&sources).enumerate() {
        loader.begin(i, file);
        match statements {
            FileStatements::Parsed(decls) => {
                for (decl, span, offset) in decls {
                    loader.statement_offset = *offset;
                    errors.push(file, loader.apply(decl, *span, Pass::Entities), *offset);
                }
            }
            FileStatements::Text(split) => {
                let text = &file.source.text;
                let parsed = fast::parse_in_order(text, &split.entities, None, |p, _| {
                    // (Claims are read into records only where ids are looked up: not here.)
                    let fast::Stmt::Decl(decl) = &p.stmt else { return };
                    loader.statement_offset = p.offset;
                    errors.push(file, loader.apply(decl, p.span, Pass::Entities), p.offset);
                    if matches!(&**decl, DeclStatement::Entity(e) if !e.via.is_empty() || !e.speaks_for.is_empty())
                    {
                        let kept = fast::Parsed { stmt: fast::Stmt::Decl(decl.clone()), ..*p };
                        chains.push((i, kept));
                    }
                });
                if let Err(seg) = parsed {
                    return Err(LoadFailure { reports: fast::syntax_reports(files, Some((file, seg))) });
                }
            }
            // Sheets hold claims only.
            FileStatements::Table(_) => {}
        }
    }
    // Pass 2: attribution chains, once every source exists.
    for (i, (file, statements)) in files.iter().zip(&sources).enumerate() {
        loader.begin(i, file);
        if let FileStatements::Parsed(decls) = statements {
            for (decl, span, offset) in decls {
                errors.push(file, loader.apply(decl, *span, Pass::Chains), *offset);
            }
        }
        for (_, p) in chains.iter().filter(|(f, _)| *f == i) {
            if let fast::Stmt::Decl(decl) = &p.stmt {
                errors.push(file, loader.apply(decl, p.span, Pass::Chains), p.offset);
            }
        }
    }
    drop(chains);
    // Pass 3: claims, denials, constraints and USE DOCUMENT, in file order. Claims add no
    // entities: the threads parsing them may look up what their ids name, when there are
    // enough of them to pay for the copy of the ids.
    let text_facts: usize =
        sources.iter().map(|s| if let FileStatements::Text(split) = s { split.facts.len() } else { 0 }).sum();
    let ids = (text_facts >= LOOKUPS_ON_WORKERS_FROM).then(|| EntityIds::of(loader.graph));
    for (i, (file, statements)) in files.iter().zip(&sources).enumerate() {
        loader.begin(i, file);
        match statements {
            FileStatements::Parsed(decls) => {
                for (decl, span, offset) in decls {
                    loader.statement_offset = *offset;
                    errors.push(file, loader.apply(decl, *span, Pass::Facts), *offset);
                }
            }
            FileStatements::Text(split) => {
                let text = &file.source.text;
                let parsed = fast::parse_in_order(text, &split.facts, ids.as_ref(), |p, ahead| {
                    if let Some(ahead) = ahead {
                        loader.read_ahead(&ahead.known);
                    }
                    loader.statement_offset = p.offset;
                    let applied = match &mut p.stmt {
                        fast::Stmt::Decl(decl) => loader.apply_known(decl, p.span, Pass::Facts, &p.known),
                        fast::Stmt::Claim(r) => {
                            loader.apply_record(text.get(p.offset..).unwrap_or_default(), r, p.span, &p.known)
                        }
                    };
                    errors.push(file, applied, p.offset);
                });
                if let Err(seg) = parsed {
                    return Err(LoadFailure { reports: fast::syntax_reports(files, Some((file, seg))) });
                }
            }
            FileStatements::Table(rows) => {
                for row in rows {
                    errors.push(
                        file,
                        loader.apply(&row.decl, row.span, Pass::Facts).map_err(|e| row.locate(e)),
                        0,
                    );
                }
            }
        }
    }
    // Freed before the batch's indexes are built, the load's peak.
    drop(ids);
    loader.finish_batch();
    // RESOLVE by finding id, once every file is in: the finding must exist.
    if errors.reports.is_empty() {
        for (i, e) in loader.unknown_findings() {
            errors.push(&files[i], Err::<(), _>(e), 0);
        }
    }
    if errors.reports.is_empty() {
        Ok(then(&mut loader))
    } else {
        Err(LoadFailure { reports: errors.reports })
    }
}

/// A file's statements: parsed whole (JSON), split for parsing one by one, or a sheet's
/// claims.
enum FileStatements {
    Parsed(Vec<json::JsonDecl>),
    Text(fast::Split),
    Table(Vec<table::Row>),
}

/// Collects load errors, shifted into their file, up to [`MAX_ERRORS`].
struct ErrorSink {
    reports: Vec<Report>,
}

impl ErrorSink {
    fn push<T>(&mut self, file: &DataFile, result: Result<T, LoadError>, offset: usize) {
        if let Err(mut e) = result {
            if self.reports.len() < MAX_ERRORS {
                e.span = Span::new(e.span.start + offset, e.span.end + offset);
                self.reports.push(report_in(&file.source, e));
            }
        }
    }
}

/// Parses a data file, which may hold declarations only.
pub fn parse_decls(text: &str) -> Result<Vec<(DeclStatement, Span)>, LoadError> {
    let statements = parse_script(text)?;
    statements
        .into_iter()
        .map(|s| match s.statement {
            Statement::Decl(d) => Ok((d, s.span)),
            Statement::Query(_) => Err(LoadError::new(
                LoadErrorKind::InvalidPattern,
                s.span,
                "data files hold declarations, not queries",
            )
            .with_help("run queries with `claimgraph run FILE` or in the REPL")),
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// ENTITY, SOURCE, DOCUMENT.
    Entities,
    /// The VIA chains of sources, once every source exists.
    Chains,
    /// USE, CLAIM, ATTEST, DENY, CONSTRAINT.
    Facts,
}

/// What applying one statement changed, for the REPL's "1 claim added".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    pub entities_added: usize,
    pub claims_added: usize,
    pub attestations_added: usize,
    pub denials_added: usize,
    pub constraints_added: usize,
    /// `RESOLVE` verdicts recorded.
    pub resolutions_added: usize,
    /// `SPEAKS FOR` links added (`VOICE`).
    pub voices_added: usize,
}

/// Resolves declarations against a graph. Keeps per-file state (`USE DOCUMENT`) and the
/// texts of documents read so far.
pub struct Loader<'g> {
    graph: &'g mut Graph,
    base_dir: Option<PathBuf>,
    default_document: Option<EntityIx>,
    /// Normalised document texts, `None` when the document has no readable text file.
    document_texts: HashMap<EntityIx, Option<String>>,
    /// The file being loaded (name and text), to record where entities are declared.
    file: Option<SourceFile>,
    file_name: Arc<str>,
    /// Its index among the files of [`load_files`].
    file_index: usize,
    optional_texts: bool,
    /// Where the statement being applied starts in its file (its spans are relative).
    pub statement_offset: usize,
    /// (byte offset, line, column) of the last offset looked up, so that a file's
    /// declarations are placed in one pass over its text.
    line_cursor: (usize, u32, u32),
    /// `RESOLVE F-…` statements of a multi-file load, checked once every file is in.
    pending_findings: Option<Vec<(usize, Name)>>,
    /// What `RESOLVE F-…` is checked against; unchecked without it.
    pub finding_ids: Option<FindingIds>,
    /// Reading back what a workspace stored: a pattern may name an entity deleted since,
    /// which then stands for no entity at all rather than failing the whole workspace.
    restoring: bool,
    /// The (subject, object) pairs the claims added by this loader join, when it started on
    /// a graph without claims: see [`PairFilter`].
    pairs: Option<PairFilter>,
    /// The claims this loader added to a graph without claims, indexed by type, source and
    /// property in bulk by [`Loader::finish_batch`].
    batch: Option<ClaimBatch>,
}

impl<'g> Loader<'g> {
    pub fn new(graph: &'g mut Graph) -> Self {
        Loader {
            graph,
            base_dir: None,
            default_document: None,
            document_texts: HashMap::new(),
            file: None,
            file_name: Arc::from(""),
            file_index: 0,
            optional_texts: false,
            statement_offset: 0,
            line_cursor: (0, 1, 1),
            pending_findings: None,
            finding_ids: None,
            restoring: false,
            pairs: None,
            batch: None,
        }
    }

    /// Starts (or returns to) a file of a multi-file load: its folder, name and text.
    /// Finding ids named by `RESOLVE` are then checked by [`Loader::unknown_findings`] once
    /// every file is loaded, rather than statement by statement.
    fn begin(&mut self, index: usize, file: &DataFile) {
        self.begin_file(file.base_dir.clone());
        self.optional_texts = file.optional_texts;
        self.file_index = index;
        self.set_source(file.source.clone());
        self.pending_findings.get_or_insert_with(Vec::new);
    }

    /// The file statements come from, so that declarations remember where they were made
    /// (`duplicate id` points at the first one).
    pub fn set_source(&mut self, file: SourceFile) {
        if self.file.as_ref().is_none_or(|f| f.name != file.name || !Arc::ptr_eq(&f.text, &file.text)) {
            self.line_cursor = (0, 1, 1);
            self.file_name = Arc::from(file.name.as_str());
        }
        self.file = Some(file);
    }

    /// Findings named by `RESOLVE` that do not exist, with the index of the file that
    /// names them.
    fn unknown_findings(&mut self) -> Vec<(usize, LoadError)> {
        let pending = self.pending_findings.take().unwrap_or_default();
        let Some(finding_ids) = self.finding_ids.filter(|_| !pending.is_empty()) else { return Vec::new() };
        let known: std::collections::HashSet<String> =
            finding_ids(self.graph).into_iter().map(|f| f.to_ascii_lowercase()).collect();
        let ids: Vec<String> = known.iter().cloned().collect();
        pending
            .into_iter()
            .filter(|(_, id)| !known.contains(&id.text.to_ascii_lowercase()))
            .map(|(i, id)| (i, unknown_finding(&id, &ids)))
            .collect()
    }

    /// Indexes the claims added in bulk so far (see [`ClaimBatch`]).
    pub(super) fn finish_batch(&mut self) {
        if let Some(batch) = self.batch.take() {
            self.graph.finish_batch(batch);
        }
    }

    /// The document `USE DOCUMENT` chose, so a session can carry it from one statement to the next.
    pub fn default_document(&self) -> Option<EntityIx> {
        self.default_document
    }

    pub fn set_default_document(&mut self, document: Option<EntityIx>) {
        self.default_document = document;
    }

    pub fn begin_file(&mut self, base_dir: Option<PathBuf>) {
        self.base_dir = base_dir;
        self.default_document = None;
    }

    /// Whether a missing document text loads unverified rather than failing.
    pub fn set_optional_texts(&mut self, optional: bool) {
        self.optional_texts = optional;
    }

    /// Applies a statement in all passes at once (the REPL's one-statement-at-a-time use).
    pub fn apply_all(&mut self, decl: &DeclStatement, span: Span) -> Result<Applied, LoadError> {
        let mut total = Applied::default();
        for pass in [Pass::Entities, Pass::Chains, Pass::Facts] {
            let a = self.apply(decl, span, pass)?;
            total.entities_added += a.entities_added;
            total.claims_added += a.claims_added;
            total.attestations_added += a.attestations_added;
            total.denials_added += a.denials_added;
            total.constraints_added += a.constraints_added;
            total.resolutions_added += a.resolutions_added;
            total.voices_added += a.voices_added;
        }
        Ok(total)
    }

    pub fn apply(&mut self, decl: &DeclStatement, span: Span, pass: Pass) -> Result<Applied, LoadError> {
        self.apply_known(decl, span, pass, &Known::default())
    }

    /// [`Loader::apply`], with the entities some of a claim's ids name already looked up.
    fn apply_known(
        &mut self,
        decl: &DeclStatement,
        span: Span,
        pass: Pass,
        known: &Known,
    ) -> Result<Applied, LoadError> {
        let mut applied = Applied::default();
        match (decl, pass) {
            (DeclStatement::Entity(e), Pass::Entities) => {
                self.declare_entity(e)?;
                applied.entities_added = 1;
            }
            (DeclStatement::Entity(e), Pass::Chains) if !e.via.is_empty() || !e.speaks_for.is_empty() => {
                self.declare_chain(e)?;
                self.declare_speaks_for(&e.id, &e.speaks_for)?;
            }
            (DeclStatement::Voice { speakers, institutions }, Pass::Facts) => {
                for s in speakers {
                    applied.voices_added += self.declare_speaks_for(s, institutions)?;
                }
            }
            (DeclStatement::UseDocument(d), Pass::Facts) => self.default_document = Some(self.document(d)?),
            (DeclStatement::Claim { pattern, attestations }, Pass::Facts) => {
                let (added, atts) = self.declare_claim(pattern, attestations, span, known)?;
                applied.claims_added = usize::from(added);
                applied.attestations_added = atts;
            }
            (DeclStatement::Attest { claim, attestations }, Pass::Facts) => {
                let ix = self.claim(claim)?;
                let atts = self.attestations(attestations, None)?;
                applied.attestations_added = self.add_attestations(ix, atts);
            }
            (DeclStatement::Deny { target, attestations }, Pass::Facts) => {
                let target = match target {
                    DenyTarget::Claim(c) => DenialTarget::Claim(self.claim(c)?),
                    DenyTarget::Class(p) => {
                        let pattern = self.rel_pattern(p, "DENY")?;
                        DenialTarget::Class { pattern, conditions: self.props(&p.props) }
                    }
                };
                let attestations = self.attestations(attestations, None)?;
                if attestations.is_empty() {
                    return Err(LoadError::new(LoadErrorKind::NoAttestation, span, "denial has no source")
                        .with_help("say who denies it: `DENY ... BY <source> QUOTE '...'`"));
                }
                self.graph.add_denial(Denial { target, attestations });
                applied.denials_added = 1;
            }
            (DeclStatement::Constraint(c), Pass::Facts) => {
                self.declare_constraint(c)?;
                applied.constraints_added = 1;
            }
            (DeclStatement::Resolve(r), Pass::Facts) => {
                let target = match &r.target {
                    ResolveTargetDecl::Finding(id) => {
                        let id = Name { text: id.text.clone(), span: id.span };
                        match &mut self.pending_findings {
                            // A multi-file load: checked once every file is in (the span
                            // placed in the file, as errors are then reported).
                            Some(pending) => {
                                let at = self.statement_offset;
                                let span = Span::new(id.span.start + at, id.span.end + at);
                                pending.push((self.file_index, Name { text: id.text.clone(), span }));
                            }
                            // One statement (the shell): checked now, before it is applied.
                            None => {
                                if let Some(finding_ids) = self.finding_ids {
                                    let ids = finding_ids(self.graph);
                                    if !ids.iter().any(|f| f.eq_ignore_ascii_case(&id.text)) {
                                        return Err(unknown_finding(&id, &ids));
                                    }
                                }
                            }
                        }
                        ResolutionTarget::Finding(id.text.as_str().into())
                    }
                    ResolveTargetDecl::Claims(ids) => {
                        ResolutionTarget::Claims(ids.iter().map(|c| self.claim(c)).collect::<Result<_, _>>()?)
                    }
                };
                self.graph.add_resolution(Resolution {
                    target,
                    status: r.status,
                    reason: r.reason.as_str().into(),
                });
                applied.resolutions_added = 1;
            }
            _ => {}
        }
        Ok(applied)
    }

    // ---- entities ----------------------------------------------------------------------

    fn declare_entity(&mut self, e: &EntityDecl) -> Result<EntityIx, LoadError> {
        let mut labels: Vec<_> = e.labels.iter().map(|l| self.graph.intern(&l.text)).collect();
        match e.kind {
            EntityKind::Source => labels.push(self.graph.intern(SOURCE_LABEL)),
            EntityKind::Document => labels.push(self.graph.intern(DOCUMENT_LABEL)),
            EntityKind::Entity => {}
        }
        if e.kind != EntityKind::Source && !e.via.is_empty() {
            return Err(LoadError::new(
                LoadErrorKind::InvalidPattern,
                e.id.span,
                "only sources have VIA chains",
            ));
        }
        non_empty(&e.id, "an id")?;
        for l in &e.labels {
            non_empty(l, "a label")?;
        }
        for p in &e.props {
            check_prop(p)?;
        }
        let text_path = match e.props.iter().find(|p| p.key.text == "text") {
            Some(p) if e.kind == EntityKind::Document => Some(self.document_text_path(p)?),
            _ => None,
        };
        let props = self.props(&e.props);
        let ix = self.graph.add_entity(Some(&e.id.text), labels, props).map_err(|_| {
            let first = self.graph.find_entity(&e.id.text).and_then(|ix| self.graph.declared_at(ix));
            let err = LoadError::new(LoadErrorKind::DuplicateId, e.id.span, format!("duplicate id '{}'", e.id.text))
                .with_label("declared again here");
            match first {
                Some(site) => err.with_help(format!(
                    "'{}' is first declared at {site}; ids are unique across entities, sources and documents of all loaded files (to cite an entity, use BY {} without declaring it again)",
                    e.id.text, e.id.text
                )),
                None => err.with_help("ids are unique across entities, sources and documents of all loaded files"),
            }
        })?;
        if self.file.is_some() {
            let file = Arc::clone(&self.file_name);
            let (line, column) = self.line_col(self.statement_offset + e.id.span.start);
            self.graph.set_declared_at(ix, DeclSite { file, line, column });
        }
        if let Some((path, text)) = text_path {
            self.graph.set_document_text(ix, DocumentText { path, verified: text.is_some() });
            self.document_texts.insert(ix, text);
        }
        Ok(ix)
    }

    /// `SPEAKS FOR`: `speaker` speaks for each of `institutions`. Returns how many links
    /// were new.
    fn declare_speaks_for(&mut self, speaker: &Name, institutions: &[Name]) -> Result<usize, LoadError> {
        if institutions.is_empty() {
            return Ok(0);
        }
        let ix = self.entity(speaker)?;
        let targets = institutions.iter().map(|n| self.entity(n)).collect::<Result<Vec<_>, _>>()?;
        if let Some(n) = institutions.iter().find(|n| n.text == speaker.text) {
            return Err(LoadError::new(
                LoadErrorKind::InvalidPattern,
                n.span,
                format!("'{}' cannot speak for itself", n.text),
            ));
        }
        let before = self.graph.entity(ix).map_or(0, |e| e.speaks_for.len());
        self.graph.add_speaks_for(ix, &targets).map_err(|e| self.internal(speaker.span, e))?;
        Ok(self.graph.entity(ix).map_or(0, |e| e.speaks_for.len()) - before)
    }

    fn declare_chain(&mut self, e: &EntityDecl) -> Result<(), LoadError> {
        let Some(ix) = self.graph.find_entity(&e.id.text) else { return Ok(()) };
        let via = self.chain(&e.via)?;
        self.no_chain_cycle(ix, &via, &e.via)?;
        let via_type = self.graph.intern(VIA_TYPE);
        let mut from = ix;
        for &to in &via {
            let exists = self
                .graph
                .claims_between(from, to)
                .any(|c| self.graph.claim(c).is_some_and(|c| c.kind == ClaimKind::ChainLink));
            if !exists {
                let link = Claim {
                    id: None,
                    rel_type: via_type,
                    props: Vec::new(),
                    attestations: Vec::new(),
                    kind: ClaimKind::ChainLink,
                };
                self.graph.add_claim(from, to, link).map_err(|e| {
                    LoadError::new(LoadErrorKind::InvalidPattern, Span::default(), e.to_string())
                })?;
            }
            from = to;
        }
        self.graph.set_via(ix, via).map_err(|_| self.unknown_entity(&e.id))?;
        Ok(())
    }

    fn chain(&self, names: &[Name]) -> Result<Vec<EntityIx>, LoadError> {
        names.iter().map(|n| self.source(n)).collect()
    }

    fn unknown_entity(&self, name: &Name) -> LoadError {
        let mut err = LoadError::new(
            LoadErrorKind::UnknownEntity,
            name.span,
            match did_you_mean(&name.text, self.graph.entity_ids()) {
                Some(s) => format!("unknown entity '{}' (did you mean '{s}'?)", name.text),
                None => format!("unknown entity '{}'", name.text),
            },
        )
        .with_label("not declared");
        if self.graph.find_by_name(&name.text).len() == 1 {
            let ix = self.graph.find_by_name(&name.text)[0];
            err = err.with_help(format!(
                "'{}' is the name of entity '{}'",
                name.text,
                self.graph.entity_id(ix)
            ));
        } else {
            err = err.with_help("declare it with ENTITY, SOURCE or DOCUMENT in any loaded file");
        }
        err
    }

    fn entity(&self, name: &Name) -> Result<EntityIx, LoadError> {
        match self.graph.find_entity(&name.text) {
            Some(ix) => Ok(ix),
            None if self.restoring => Ok(EntityIx::end()),
            None => Err(self.unknown_entity(name)),
        }
    }

    fn is(&self, ix: EntityIx, label: &str) -> bool {
        self.graph.sym(label).is_some_and(|l| self.graph.has_label(ix, l))
    }

    /// A source: any entity. Actors speak (a government is both what the graph is about
    /// and who says things); SOURCE is a way to declare one that only speaks.
    fn source(&self, name: &Name) -> Result<EntityIx, LoadError> {
        self.graph.find_entity(&name.text).ok_or_else(|| {
            let msg = match did_you_mean(&name.text, self.graph.entity_ids()) {
                Some(s) => format!("unknown source '{}' (did you mean '{s}'?)", name.text),
                None => format!("unknown source '{}'", name.text),
            };
            LoadError::new(LoadErrorKind::UnknownSource, name.span, msg)
                .with_label("not declared")
                .with_help(format!("declare it: SOURCE ({}:Person {{name: '...'}});", name.text))
        })
    }

    fn document(&self, name: &Name) -> Result<EntityIx, LoadError> {
        let Some(ix) = self.graph.find_entity(&name.text) else {
            let docs: Vec<&str> = self
                .graph
                .entities()
                .filter(|ix| self.is(*ix, DOCUMENT_LABEL))
                .map(|ix| self.graph.entity_id(ix))
                .collect();
            let msg = match did_you_mean(&name.text, docs.into_iter()) {
                Some(s) => format!("unknown document '{}' (did you mean '{s}'?)", name.text),
                None => format!("unknown document '{}'", name.text),
            };
            return Err(
                LoadError::new(LoadErrorKind::UnknownDocument, name.span, msg).with_label("not declared")
            );
        };
        if self.is(ix, DOCUMENT_LABEL) {
            Ok(ix)
        } else {
            Err(LoadError::new(
                LoadErrorKind::NotADocument,
                name.span,
                format!("'{}' is not a document", name.text),
            )
            .with_help("declare it with DOCUMENT"))
        }
    }

    fn claim(&self, name: &Name) -> Result<ClaimIx, LoadError> {
        self.graph.find_claim(&name.text).ok_or_else(|| {
            let msg = match did_you_mean(&name.text, self.graph.claim_ids()) {
                Some(s) => format!("unknown claim '{}' (did you mean '{s}'?)", name.text),
                None => format!("unknown claim '{}'", name.text),
            };
            LoadError::new(LoadErrorKind::UnknownClaim, name.span, msg)
                .with_help("name a claim where it is declared: CLAIM (a)-[c1:TYPE]->(b) ...")
        })
    }

    fn props(&mut self, props: &[Prop]) -> Props {
        props.iter().map(|p| (self.graph.intern(&p.key.text), p.value.clone())).collect()
    }

    // ---- claims ------------------------------------------------------------------------

    /// A claim's end; `known` is the entity its id names, when already looked up.
    fn end(&self, end: &EndPattern, what: &str, known: Option<EntityIx>) -> Result<EntityIx, LoadError> {
        match (&end.id, known) {
            (Some(_), Some(ix)) if end.labels.is_empty() => Ok(ix),
            (Some(id), _) if end.labels.is_empty() => self.entity(id),
            _ => Err(LoadError::new(
                LoadErrorKind::InvalidPattern,
                end.span,
                format!("the {what} of a claim must be an entity id"),
            )
            .with_help("write (wagner), not (:Organization)")),
        }
    }

    fn declare_claim(
        &mut self,
        p: &RelPatternDecl,
        attestations: &[AttestationDecl],
        span: Span,
        known: &Known,
    ) -> Result<(bool, usize), LoadError> {
        let subject = self.end(&p.subject, "subject", known.subject)?;
        let object = self.end(&p.object, "object", known.object)?;
        non_empty(&p.rel_type, "a relationship type")?;
        if let Some(id) = &p.claim_id {
            non_empty(id, "a claim id")?;
        }
        for prop in &p.props {
            check_prop(prop)?;
        }
        if attestations.is_empty() {
            return Err(LoadError::new(LoadErrorKind::NoAttestation, span, "claim has no source")
                .with_label("no attestation")
                .with_help("say who claims it: `BY <source> QUOTE '...'`"));
        }
        let atts = self.attestations(attestations, known.first_source)?;
        let rel_type = self.graph.intern(&p.rel_type.text);
        let props = self.props(&p.props);
        self.add_or_merge(subject, object, rel_type, props, &p.claim_id, atts, span)
    }

    fn internal(&self, span: Span, e: impl std::fmt::Display) -> LoadError {
        LoadError::new(LoadErrorKind::InvalidPattern, span, e.to_string())
    }

    fn add_named(
        &mut self,
        subject: EntityIx,
        object: EntityIx,
        claim: Claim,
        name: &Option<Name>,
        span: Span,
    ) -> Result<ClaimIx, LoadError> {
        let added = match &mut self.batch {
            Some(batch) => self.graph.add_claim_batched(subject, object, claim, batch),
            None => self.graph.add_claim(subject, object, claim),
        };
        added.map_err(|_| {
            let (span, text) = name.as_ref().map_or((span, ""), |n| (n.span, n.text.as_str()));
            LoadError::new(LoadErrorKind::DuplicateClaimId, span, format!("duplicate claim id '{text}'"))
                .with_help("claim ids name one claim; declaring the same claim again adds attestations to it")
        })
    }

    /// Adds attestations a claim does not have yet; returns how many were new.
    fn add_attestations(&mut self, ix: ClaimIx, atts: Vec<Attestation>) -> usize {
        self.graph
            .update_claim(ix, |claim| {
                let mut added = 0;
                claim.attestations.reserve_exact(atts.len());
                for a in atts {
                    if !claim.attestations.contains(&a) {
                        claim.attestations.push(a);
                        added += 1;
                    }
                }
                added
            })
            .unwrap_or(0)
    }

    /// Attestations; `first_source` is the entity the first one's source names, when
    /// already looked up.
    fn attestations(
        &mut self,
        decls: &[AttestationDecl],
        first_source: Option<EntityIx>,
    ) -> Result<Vec<Attestation>, LoadError> {
        decls.iter().enumerate().map(|(i, a)| self.attestation(a, first_source.filter(|_| i == 0))).collect()
    }

    fn attestation(
        &mut self,
        a: &AttestationDecl,
        known: Option<EntityIx>,
    ) -> Result<Attestation, LoadError> {
        let (source, default_via) = match &a.source {
            SourceName::Declared(n) => {
                let ix = match known {
                    Some(ix) => ix,
                    None => self.source(n)?,
                };
                (SourceRef::Entity(ix), self.graph.entity(ix).map(|e| e.via.clone()).unwrap_or_default())
            }
            SourceName::User(u) => (SourceRef::User(self.graph.intern(u)), Vec::new()),
        };
        let via = match &a.via {
            Some(names) => self.chain(names)?,
            None => default_via,
        };
        let document = match &a.document {
            Some(d) => Some(self.document(d)?),
            None => self.default_document,
        };
        if let (Some(doc), Some(quote)) = (document, &a.quote) {
            self.verify_quote(doc, quote, a.quote_span.unwrap_or(a.span))?;
        }
        if let (Some(date @ crate::model::Value::Date(DateValue::Relative { .. })), None) =
            (&a.date, document)
        {
            return Err(LoadError::new(
                LoadErrorKind::InvalidValue,
                a.span,
                format!("the date {date} is relative to a document, and this attestation has none"),
            )
            .with_help(
                "name the document (`IN article`) or set one for the file (`USE DOCUMENT article;`)",
            ));
        }
        Ok(Attestation {
            source,
            via,
            status: a.status.unwrap_or(Status::Asserted),
            quote: a.quote.as_deref().map(Into::into),
            document,
            position: a.position.as_deref().map(Into::into),
            date: a.date.clone(),
        })
    }

    // ---- denials and constraints -------------------------------------------------------

    fn selector(&mut self, end: &EndPattern) -> Result<EndSelector, LoadError> {
        let entity = match &end.id {
            Some(id) => Some(self.entity(id)?),
            None => None,
        };
        let labels = end.labels.iter().map(|l| self.graph.intern(&l.text)).collect();
        Ok(EndSelector { entity, labels })
    }

    fn rel_pattern(&mut self, p: &RelPatternDecl, what: &str) -> Result<RelPattern, LoadError> {
        if let Some(id) = &p.claim_id {
            return Err(LoadError::new(
                LoadErrorKind::InvalidPattern,
                id.span,
                format!("{what} patterns cannot name a claim"),
            ));
        }
        Ok(RelPattern {
            subject: self.selector(&p.subject)?,
            rel_type: self.graph.intern(&p.rel_type.text),
            object: self.selector(&p.object)?,
        })
    }
}

/// `RESOLVE F-…` of a finding that does not exist.
fn unknown_finding(id: &Name, known: &[String]) -> LoadError {
    let msg = match did_you_mean(&id.text, known.iter().map(String::as_str)) {
        Some(s) => format!("no finding '{}' (did you mean '{s}'?)", id.text),
        None => format!("no finding '{}'", id.text),
    };
    LoadError::new(LoadErrorKind::UnknownFinding, id.span, msg)
        .with_label("no such finding")
        .with_help("finding ids are those `claimgraph check` and FINDINGS print for the data as loaded")
}

/// Rejects property values that are well-formed but meaningless.
fn check_prop(p: &Prop) -> Result<(), LoadError> {
    non_empty(&p.key, "a property key")?;
    if p.key.text == "aliases"
        && !matches!(&p.value, crate::model::Value::List(items) if items.iter().all(|v| v.as_str().is_some()))
    {
        return Err(LoadError::new(
            LoadErrorKind::InvalidValue,
            p.key.span,
            "aliases must be a list of strings",
        ));
    }
    Ok(())
}
