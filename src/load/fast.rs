//! The fast path of [`super::load_files`] for declaration files.
//!
//! A byte scanner splits the text into statements at `;` (respecting strings, backticked
//! identifiers and comments) without building a parse tree for the whole file. Each
//! statement is then parsed on its own with pest (`single_statement`), on worker threads,
//! and applied in file order as soon as it is parsed, so that memory holds the graph and a
//! few thousand statements rather than the whole file's syntax tree. Spans of statements
//! parsed on their own start at the statement: they are shifted back into the file.
//!
//! Any statement that does not parse as a declaration makes the fast path give up; the
//! caller then parses the files the slow way to report exactly the errors it always did.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use miette::Report;

use super::{DataFile, EntityIds, Known, LoadError, LoadErrorKind};
use crate::diagnostics::report_in;
use crate::syntax::decl::DeclStatement;
use crate::syntax::records::ClaimRecord;
use crate::syntax::shapes::{DeclShapes, Read};
use crate::syntax::Span;

/// A statement's byte range in its file, without the `;`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Segment {
    pub start: usize,
    pub end: usize,
}

/// Statements of one file, split by whether they declare entities (pass 1) or not.
#[derive(Debug, Default)]
pub(crate) struct Split {
    pub entities: Vec<Segment>,
    pub facts: Vec<Segment>,
}

/// Splits `text` into statements (where scripts split them: at every `;` outside strings
/// and comments). Empty statements (only blanks and comments) are dropped.
///
/// A big text is split in pieces on threads: each piece but the first starts after a `;`
/// that ends a line, guessing that it ends a statement. The guess holds when the scan of
/// the piece before it (itself known to start a statement) ends at that very `;`: the
/// scanner's tokens carry no state across a `;` token, and a `;` inside a string or comment
/// would leave that scan in an unclosed literal or past it. When a guess fails, the whole
/// text is split on one thread.
pub(crate) fn split(text: &str) -> Split {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    split_in(text, if text.len() < SPLIT_ON_THREADS_FROM { 1 } else { threads })
}

/// [`split`] in (at most) `pieces` pieces.
fn split_in(text: &str, pieces: usize) -> Split {
    if pieces < 2 {
        return split_piece(text, 0, text.len()).0;
    }
    let mut starts = vec![0];
    for i in 1..pieces {
        let from = (text.len() / pieces * i).max(*starts.last().unwrap_or(&0));
        match memchr::memmem::find(&text.as_bytes()[from..], b";\n") {
            Some(at) => starts.push(from + at + 1),
            None => break,
        }
    }
    starts.dedup();
    let ends: Vec<usize> = starts.iter().skip(1).copied().chain([text.len()]).collect();
    let parts: Vec<(Split, Option<usize>)> = std::thread::scope(|scope| {
        let others: Vec<_> = (1..starts.len())
            .map(|i| (starts[i], ends[i]))
            .map(|(start, end)| {
                let piece = std::thread::Builder::new().name("claimgraph-split".into());
                piece.spawn_scoped(scope, move || split_piece(text, start, end)).ok()
            })
            .collect();
        let first = split_piece(text, starts[0], ends[0]);
        let others = others.into_iter().map(|h| h.and_then(|h| h.join().ok()));
        std::iter::once(Some(first)).chain(others).collect::<Option<_>>()
    })
    .unwrap_or_default();
    let guessed_right = parts.len() == starts.len()
        && parts.iter().zip(&ends).rev().skip(1).all(|((_, last), end)| *last == Some(end - 1));
    if !guessed_right {
        return split_piece(text, 0, text.len()).0;
    }
    let mut parts = parts.into_iter().map(|(part, _)| part);
    let mut out = parts.next().unwrap_or_default();
    for part in parts {
        out.entities.extend(part.entities);
        out.facts.extend(part.facts);
    }
    out
}

/// Texts from this size are split on threads.
const SPLIT_ON_THREADS_FROM: usize = 4 << 20;

/// Splits `text[start..end]`, a piece starting at the start of a statement; also gives
/// where its last `;` is.
fn split_piece(text: &str, start: usize, end: usize) -> (Split, Option<usize>) {
    let mut out = Split::default();
    let mut last = None;
    let mut push = |start: usize, end: usize| {
        let Some(first) = crate::statements::first_token(&text[start..end]) else { return };
        let seg = Segment { start, end };
        if declares_entity(&text.as_bytes()[start + first..end]) {
            out.entities.push(seg);
        } else {
            out.facts.push(seg);
        }
    };
    let mut from = start;
    crate::statements::scan(&text[start..end], |at| {
        push(from, start + at);
        from = start + at + 1;
        last = Some(start + at);
    });
    push(from, end);
    (out, last)
}

/// Whether a statement starts with ENTITY, SOURCE or DOCUMENT (case-insensitive).
fn declares_entity(stmt: &[u8]) -> bool {
    let word_len = stmt.iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
    let word = &stmt[..word_len];
    ["ENTITY", "SOURCE", "DOCUMENT"].iter().any(|k| word.eq_ignore_ascii_case(k.as_bytes()))
}

/// A statement parsed on its own: the declaration and its span, both relative to
/// `offset`, the statement's start in the file.
pub(crate) struct Parsed {
    pub stmt: Stmt,
    pub span: Span,
    pub offset: usize,
    /// The entities its ids name, when the caller gave [`EntityIds`] to look them up in.
    pub known: Known,
}

/// A statement as parsed: a declaration, or a claim read into a record (only where the
/// entities its ids name are looked up, see [`parse_in_order`]).
pub(crate) enum Stmt {
    /// Boxed: a declaration is several times a record's size, and most statements of a
    /// big load are records.
    Decl(Box<DeclStatement>),
    Claim(ClaimRecord),
}

impl Parsed {
    /// Starts bringing in the slots [`Parsed::look_up`] will read first (for a claim read
    /// into a record; a declaration is rare in a chunk of a large load).
    fn prefetch_ids(&self, ids: &EntityIds, text: &str) {
        if let Stmt::Claim(r) = &self.stmt {
            ids.prefetch_record(text.get(self.offset..).unwrap_or_default(), r);
        }
    }

    /// The entities its ids name in `ids`; `text` is the file.
    fn look_up(&mut self, ids: &EntityIds, text: &str) {
        self.known = match &self.stmt {
            Stmt::Decl(decl) => ids.known(decl),
            Stmt::Claim(r) => ids.known_record(text.get(self.offset..).unwrap_or_default(), r),
        };
    }
}

/// Parses one statement; `None` when it is not a well-formed declaration. Statements of a
/// shape `shapes` has seen are rebuilt from its template rather than parsed again; with
/// `records`, claims a record can stand for are read into one.
fn parse_one(shapes: &mut DeclShapes, text: &str, seg: Segment, records: bool) -> Option<Parsed> {
    let (read, span) = shapes.read(text.get(seg.start..seg.end)?, records)?;
    let stmt = match read {
        Read::Decl(decl) => Stmt::Decl(Box::new(decl)),
        Read::Claim(r) => Stmt::Claim(r),
    };
    Some(Parsed { stmt, span, offset: seg.start, known: Known::default() })
}

/// [`parse_one`], with the entities its ids name looked up in `ids` when given (and then
/// claims read into records).
fn parse_known(shapes: &mut DeclShapes, text: &str, seg: Segment, ids: Option<&EntityIds>) -> Option<Parsed> {
    let mut parsed = parse_one(shapes, text, seg, ids.is_some())?;
    if let Some(ids) = ids {
        parsed.look_up(ids, text);
    }
    Some(parsed)
}

/// Statements parsed per unit of work handed to a thread.
const CHUNK: usize = 1024;
/// How many statements ahead a parsing thread asks for the id slots its lookups will
/// read, and `apply` for what applying a claim reads: enough for some thirty misses to be
/// in flight at once (40 was no faster).
const LOOK_AHEAD: usize = 16;
/// Emptied vectors of parsed statements a parsing thread keeps for its next chunks.
const SPARE_CHUNKS: usize = 4;
/// Stack of a parsing thread: pest recurses through every precedence layer per bracket,
/// and a statement may nest [`crate::syntax::lexer::MAX_NESTING`] deep even in a debug
/// build. Address space only; untouched pages cost nothing.
const WORKER_STACK: usize = 32 << 20;

/// Parses `segs` on worker threads and hands them to `apply` in order, with the entities
/// their ids name in `ids` when given (and then claims a record can stand for read into
/// one, [`Stmt::Claim`]). Stops at the first statement that does not parse
/// (nothing after it is applied) and returns it.
///
/// `apply` borrows each statement (it may take parts of it): a chunk of statements, once
/// applied, goes back to the worker that parsed it to be freed there. Moving each parsed
/// statement out of its chunk and freeing it on the thread that applies them was a tenth of
/// that thread's time at 1M claims, and that thread is the longer side of the load. With
/// each statement `apply` is shown the one [`LOOK_AHEAD`] further on in its chunk, if any,
/// to ask for the memory applying that one will read.
pub(crate) fn parse_in_order(
    text: &str,
    segs: &[Segment],
    ids: Option<&EntityIds>,
    mut apply: impl FnMut(&mut Parsed, Option<&Parsed>),
) -> Result<(), Segment> {
    if segs.len() <= CHUNK {
        let mut shapes = DeclShapes::default();
        for seg in segs {
            apply(&mut parse_known(&mut shapes, text, *seg, ids).ok_or(*seg)?, None);
        }
        return Ok(());
    }
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let chunks: Vec<&[Segment]> = segs.chunks(CHUNK).collect();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<(usize, usize, Result<Vec<Parsed>, Segment>)>(workers * 4);
        // Applied chunks, back to the worker that parsed them (by its number).
        let mut applied: Vec<mpsc::Sender<Vec<Parsed>>> = Vec::new();
        for w in 0..workers {
            let tx = tx.clone();
            let (back, freed) = mpsc::channel::<Vec<Parsed>>();
            let (next, stop, chunks) = (&next, &stop, &chunks);
            let worker = std::thread::Builder::new().name("claimgraph-load".into()).stack_size(WORKER_STACK);
            let spawned = worker.spawn_scoped(scope, move || {
                let mut shapes = DeclShapes::default();
                // Applied chunks' vectors, emptied, for the next chunks: a fresh vector
                // (a few hundred KiB) grown by doubling was copied as it grew and faulted
                // in fresh pages, a tenth of this thread's time at 1M claims.
                let mut spare: Vec<Vec<Parsed>> = Vec::new();
                loop {
                    for mut done in freed.try_iter() {
                        done.clear();
                        if spare.len() < SPARE_CHUNKS {
                            spare.push(done);
                        }
                    }
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(chunk) = chunks.get(i) else { break };
                    let mut parsed = spare.pop().unwrap_or_else(|| Vec::with_capacity(chunk.len()));
                    let mut failed = None;
                    for seg in *chunk {
                        match parse_one(&mut shapes, text, *seg, ids.is_some()) {
                            Some(p) => parsed.push(p),
                            None => {
                                failed = Some(*seg);
                                break;
                            }
                        }
                    }
                    // The ids are looked up once the chunk is parsed: each lookup is a
                    // cache miss in a table of every entity, and with nothing between them
                    // the processor has several in flight at once (between two parses it
                    // had one). The slots of the statement `LOOK_AHEAD` further on are
                    // asked for meanwhile, so more misses overlap.
                    if let (Some(ids), None) = (ids, failed) {
                        parsed.iter().take(LOOK_AHEAD).for_each(|p| p.prefetch_ids(ids, text));
                        for i in 0..parsed.len() {
                            if let Some(ahead) = parsed.get(i + LOOK_AHEAD) {
                                ahead.prefetch_ids(ids, text);
                            }
                            parsed[i].look_up(ids, text);
                        }
                    }
                    let parsed = match failed {
                        None => Ok(parsed),
                        Some(seg) => Err(seg),
                    };
                    if tx.send((i, w, parsed)).is_err() {
                        break;
                    }
                }
                // No more to parse: free what comes back until the applying side is done
                // (it drops its senders then), so the channel of parsed chunks must close first.
                drop(tx);
                freed.iter().for_each(drop);
            });
            if spawned.is_err() {
                break; // no thread to be had: the workers started so far do the work
            }
            applied.push(back);
        }
        drop(tx);
        if applied.is_empty() {
            let mut shapes = DeclShapes::default();
            for seg in segs {
                apply(&mut parse_known(&mut shapes, text, *seg, ids).ok_or(*seg)?, None);
            }
            return Ok(());
        }
        let mut pending: BTreeMap<usize, (usize, Result<Vec<Parsed>, Segment>)> = BTreeMap::new();
        let mut want = 0;
        for (i, w, parsed) in rx.iter() {
            pending.insert(i, (w, parsed));
            while let Some((w, parsed)) = pending.remove(&want) {
                let mut parsed = parsed.inspect_err(|_| stop.store(true, Ordering::Relaxed))?;
                for i in 0..parsed.len() {
                    let (now, later) = parsed.split_at_mut(i + 1);
                    apply(&mut now[i], later.get(LOOK_AHEAD - 1));
                }
                if let Err(mpsc::SendError(parsed)) = applied[w].send(parsed) {
                    drop(parsed); // that worker is gone: free it here
                }
                want += 1;
            }
        }
        match chunks.get(want).and_then(|c| c.first()) {
            // A worker stopped early: cannot happen, but never report success for it.
            Some(seg) => Err(*seg),
            None => Ok(()),
        }
    })
}

/// The syntax errors of every file, found the slow way (whole-file parse), in file order:
/// exactly what loading reports when any statement does not parse. `failed` is the
/// statement the fast path stopped at, reported should the whole-file parse accept it.
pub(super) fn syntax_reports(files: &[DataFile], failed: Option<(&DataFile, Segment)>) -> Vec<Report> {
    let reports: Vec<Report> = files
        .iter()
        .flat_map(|file| {
            let result = if file.source.name.ends_with(".json") {
                super::json::decls_from_json(&file.source.text).map(|_| ())
            } else if super::table::is_table(&file.source.name) {
                let sheet =
                    super::table::read(&file.source, &super::table::Mapping::for_file(&file.source.name));
                return sheet.errors.into_iter().map(|e| report_in(&file.source, *e.error)).collect();
            } else {
                super::parse_decls(&file.source.text).map(|_| ())
            };
            result.err().map(|e| report_in(&file.source, e)).into_iter().collect::<Vec<_>>()
        })
        .collect();
    match failed {
        Some((file, seg)) if reports.is_empty() => {
            let e = LoadError::new(
                LoadErrorKind::Syntax,
                Span::new(seg.start, seg.end),
                "statement does not parse on its own",
            );
            vec![report_in(&file.source, e)]
        }
        _ => reports,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<&str> {
        let s = split(text);
        let mut all: Vec<Segment> = s.entities.into_iter().chain(s.facts).collect();
        all.sort_by_key(|s| s.start);
        all.iter().map(|s| text[s.start..s.end].trim()).collect()
    }

    #[test]
    fn splits_respecting_strings_and_comments() {
        let t = "ENTITY (a);; // x; y\nCLAIM (a)-[:R]->(b) BY s QUOTE 'a;b\\';c' /* ; */;\n`x;y` \"q;\"";
        assert_eq!(
            texts(t),
            vec!["ENTITY (a)", "// x; y\nCLAIM (a)-[:R]->(b) BY s QUOTE 'a;b\\';c' /* ; */", "`x;y` \"q;\""]
        );
    }

    #[test]
    fn a_text_split_in_pieces_is_split_as_one() {
        // Pieces start after a `;` that ends a line: one in a string, in a comment or in a
        // backticked name is not the end of a statement, and neither is one in an unclosed
        // string; the pieces must then give what one scan gives.
        let lines = [
            "ENTITY (a);\n",
            "CLAIM (a)-[:R]->(b) BY s QUOTE 'x;\ny';\n",
            "/* c;\n d */ SOURCE (s);\n",
            "ENTITY (`n;\nm`);\n",
            "CLAIM (a)-[:R]->(b) BY s QUOTE \"q\\\";\n\";\n",
            "// line;\n",
            "DOCUMENT (d);\n",
        ];
        let whole = |t: &str| {
            let s = split_in(t, 1);
            (s.entities, s.facts)
        };
        for n in 1..=40 {
            let text: String = (0..n).map(|i| lines[(i * 5 + n) % lines.len()]).collect();
            for tail in ["", "CLAIM (a)-[:R]->(b) BY s QUOTE 'open;\n", "ENTITY (z)"] {
                let text = format!("{text}{tail}");
                for pieces in 2..=5 {
                    let s = split_in(&text, pieces);
                    assert_eq!((s.entities, s.facts), whole(&text), "{pieces} pieces of {text:?}");
                }
            }
        }
    }

    #[test]
    fn entity_statements_by_keyword() {
        let s = split("source (s); USE DOCUMENT d; Document (d); CLAIM (a)-[:R]->(b) BY s; /* */ entity (e)");
        assert_eq!(s.entities.len(), 3);
        assert_eq!(s.facts.len(), 2);
    }
}

#[cfg(test)]
mod load_tests {
    use crate::load::{load_files, DataFile};
    use crate::model::Graph;

    fn first_error_offset(text: &str) -> (usize, String) {
        let mut g = Graph::new();
        let err = load_files(&mut g, &[DataFile::new("t.kg", text, None)]).unwrap_err();
        let r = &err.reports[0];
        let label = r.labels().and_then(|mut l| l.next()).map(|l| l.offset()).unwrap_or(usize::MAX);
        (label, r.to_string())
    }

    #[test]
    fn errors_point_into_the_file_not_the_statement() {
        let text = "SOURCE (s:Agency);\nENTITY (a);\n// comment; with semicolon\nCLAIM (a)-[:R]->(nobody) BY s QUOTE 'q';";
        let (offset, msg) = first_error_offset(text);
        assert_eq!(offset, text.find("nobody").unwrap(), "{msg}");
        // A comment inside the statement.
        let text = "SOURCE (s:Agency);\nENTITY (a);\nCLAIM (a)-[:R]->(a) /* c */ BY nobody QUOTE 'q';";
        let (offset, msg) = first_error_offset(text);
        assert_eq!(offset, text.find("nobody").unwrap(), "{msg}");
    }

    #[test]
    fn strings_and_backticked_names_parse_as_written() {
        // The lexical rules are atomic and skip string bodies in runs between escapes:
        // escapes, doubled backticks and `;` or quotes inside them must survive intact.
        let text = "ENTITY (`a``b;c` {name: 'it\\'s \\u0041\\\\ \"x\" ;', alt: \"d\\\"q'\"});\nENTITY (`x`);";
        let mut g = Graph::new();
        load_files(&mut g, &[DataFile::new("t.kg", text, None)]).unwrap();
        assert!(g.find_entity("a`b;c").is_some());
        assert!(g.find_entity("x").is_some());
        let decls = crate::load::parse_decls(text).unwrap();
        let crate::syntax::decl::DeclStatement::Entity(e) = &decls[0].0 else { panic!("entity") };
        assert_eq!(e.props[0].value.as_str(), Some("it's A\\ \"x\" ;"));
        assert_eq!(e.props[1].value.as_str(), Some("d\"q'"));
        let unterminated = "ENTITY (a {name: 'abc\\'});";
        assert!(load_files(&mut Graph::new(), &[DataFile::new("t.kg", unterminated, None)]).is_err());
    }

    #[test]
    fn a_claim_keeps_its_attestations_in_a_vector_of_their_number() {
        // Most claims have one attestation: a vector grown by pushing would hold four.
        let text = "SOURCE (s:X); SOURCE (t:X); ENTITY (a); ENTITY (b);
            CLAIM (a)-[c1:R]->(b) BY s QUOTE 'q';
            CLAIM (a)-[c2:R {k: 1}]->(b) BY s QUOTE 'q' BY t QUOTE 'q' BY s QUOTE 'q';
            CLAIM (a)-[c1:R]->(b) BY t QUOTE 'q';";
        let mut g = Graph::new();
        load_files(&mut g, &[DataFile::new("t.kg", text, None)]).unwrap();
        for (id, n) in [("c1", 2), ("c2", 2)] {
            let claim = g.claim(g.find_claim(id).unwrap()).unwrap();
            assert_eq!(claim.attestations.len(), n, "{id}: an attestation given twice counts once");
            assert_eq!(claim.attestations.capacity(), n, "{id}");
        }
    }

    /// Loads `text` statement by statement, pass by pass, without the threads, the ids they
    /// look up or the filter of joined pairs: what the fast path must give.
    fn load_one_by_one(text: &str) -> Graph {
        let file = DataFile::new("t.kg", text, None);
        let decls = crate::load::parse_decls(text).unwrap();
        let mut g = Graph::new();
        let mut loader = crate::load::Loader::new(&mut g);
        loader.begin(0, &file);
        for pass in [crate::load::Pass::Entities, crate::load::Pass::Chains, crate::load::Pass::Facts] {
            for (decl, span) in &decls {
                loader.statement_offset = 0;
                loader.apply(decl, *span, pass).unwrap();
            }
        }
        g
    }

    #[test]
    fn a_big_load_gives_the_graph_of_its_statements_applied_one_by_one() {
        // Enough claims for the parsing threads to look up entities (`EntityIds`), and
        // claims declared again by other sources, which must merge into the first
        // (`PairFilter`), some before their first declaration's chunk is applied.
        let dir = tempfile::tempdir().unwrap();
        crate::gen::generate(6000, 7, dir.path()).unwrap();
        let mut text = std::fs::read_to_string(dir.path().join("graph.kg")).unwrap();
        let claims: Vec<String> =
            text.lines().filter(|l| l.starts_with("CLAIM")).map(str::to_string).collect();
        assert!(claims.len() > super::super::LOOKUPS_ON_WORKERS_FROM);
        for (i, claim) in claims.iter().enumerate().step_by(97) {
            let again = claim.replacen(" BY s", " BY s1 QUOTE 'again' BY s", 1);
            text.push_str(&again);
            text.push('\n');
            if i % 2 == 0 {
                text.push_str(&claim.replacen("CLAIM", "CLAIM ", 1));
                text.push('\n');
            }
        }
        // Claims of every literal kind, most read into records by the parsing threads (each
        // shape but its first statement on each thread), some refused by the reader (a
        // backticked name, a document, a user, `aliases`), several sources, chains, ids.
        text.push_str(
            "SOURCE (r1:Agency {name: 'Relay 1'});\nSOURCE (r2:Agency) VIA r1;\n\
             ENTITY (`odd name`:Person {name: 'it\\'s'});\nDOCUMENT (doc1 {title: 'D'});\n",
        );
        for j in 0..300 {
            let (a, b) = (j * 7 % 900, j * 13 % 900 + 1);
            let day = 1 + j % 9;
            for claim in [
                format!(
                    "CLAIM (e{a})-[:CASUALTIES {{killed: {j}, wounded: ~{j}00, missing: >={j}, span: {j}..{}, \
                     ratio: {j}.5, neg: -{j}, hex: 0x1F, label: 'it\\'s \\u00e9 {j}', list: [1, 'two']}}]->(e{b}) \
                     BY s1 VIA r1, r2 REPORTED ON @2018-02-0{day} QUOTE 'q\\n{j}';",
                    j + 5
                ),
                format!(
                    "CLAIM (e{a})-[c{j}:LEADS]->(e{b}) BY s2 ALLEGED QUOTE \"named {j}\" BY s3 UNCONFIRMED ON \
                     @2019 QUOTE 'second' BY r2 QUOTE 'third';"
                ),
                format!("CLAIM (e{b})-[d{j}:LEADS]->(e{a}) BY s4 DENIED ON @2019-0{day} QUOTE '{j}' BY s5;"),
                format!("CLAIM (`odd name`)-[:SEEN_AT]->(e{b}) BY s1 QUOTE 'backticked {j}';"),
                format!("CLAIM (e{a})-[:SEEN_AT]->(`odd name`) BY `r1` QUOTE 'b {j}';"),
                format!("CLAIM (e{a})-[:SEEN_AT]->(e{b}) BY s6 IN doc1 AT 'p. {j}' ON @-{day}weeks QUOTE 'd';"),
                format!("CLAIM (e{a})-[:SEEN_AT]->(e{b}) BY USER 'ann {j}' QUOTE 'u';"),
                format!("CLAIM (e{a})-[:KNOWN_AS {{aliases: ['x{j}']}}]->(e{b}) BY s7 QUOTE 'aliases';"),
                // Declared again (merged), with another source first.
                format!("CLAIM (e{a})-[:ATTACKED {{n: {j}}}]->(e{b}) BY s8 QUOTE 'once';"),
                format!("CLAIM (e{a})-[:ATTACKED {{n: {j}}}]->(e{b}) BY s9 QUOTE 'twice' BY s8 QUOTE 'once';"),
            ] {
                text.push_str(&claim);
                text.push('\n');
            }
        }
        let mut fast = Graph::new();
        load_files(&mut fast, &[DataFile::new("t.kg", text.as_str(), None)]).unwrap();
        let slow = load_one_by_one(&text);
        assert!(fast.claim_count() >= 6000, "{}", fast.claim_count());
        assert_eq!(fast.claim_count(), slow.claim_count(), "every claim declared again merged");
        assert!(fast.canonical_stored_state() == slow.canonical_stored_state(), "the same graph");
    }

    #[test]
    fn attestations_made_by_the_parsing_threads_get_their_sources_and_document() {
        // Records carry attestations the parsing threads made with no source yet: applying
        // must fill in each one's source, `VIA` chain (its source's, or its own) and the
        // document of `USE DOCUMENT`, as the declaration's way does, and a record whose
        // second attestation names an unknown source falls back with its first one filled
        // in (the error is the declaration's, at that source).
        let dir = tempfile::tempdir().unwrap();
        crate::gen::generate(6000, 7, dir.path()).unwrap();
        let mut text = std::fs::read_to_string(dir.path().join("graph.kg")).unwrap();
        text.push_str("SOURCE (r1:Agency);\nSOURCE (r2:Agency) VIA r1;\nDOCUMENT (doc1 {title: 'D'});\n");
        let claims: Vec<String> =
            text.lines().filter(|l| l.starts_with("CLAIM")).take(3000).map(str::to_string).collect();
        for (i, claim) in claims.iter().enumerate() {
            if i == 1000 {
                text.push_str("USE DOCUMENT doc1;\n");
            }
            let again = match i % 3 {
                0 => claim.replacen(" BY s", " BY r2 QUOTE 'relayed' BY s", 1),
                1 => claim.replacen(" BY s", " BY r2 VIA r1 QUOTE 'own chain' BY s", 1),
                _ => claim.replacen("CLAIM", "CLAIM ", 1),
            };
            text.push_str(&again);
            text.push('\n');
        }
        let mut fast = Graph::new();
        load_files(&mut fast, &[DataFile::new("t.kg", text.as_str(), None)]).unwrap();
        let slow = load_one_by_one(&text);
        assert!(fast.canonical_stored_state() == slow.canonical_stored_state(), "the same graph");
        let doc1 = fast.find_entity("doc1").unwrap();
        let with_document = fast
            .claims()
            .flat_map(|c| &fast.claim(c).unwrap().attestations)
            .filter(|a| a.document == Some(doc1))
            .count();
        assert!(with_document >= 2000, "{with_document}");
        let unresolved = crate::syntax::records::unresolved_source();
        assert!(fast.claims().all(|c| fast
            .claim(c)
            .unwrap()
            .attestations
            .iter()
            .all(|a| a.source != unresolved)));

        // Of a shape the threads have read into records many times.
        let mut at = Vec::new();
        for claim in claims.iter().step_by(3).take(6) {
            let bad = claim.replacen(" BY s", " BY r2 QUOTE 'relayed' BY nosrc", 1);
            at.push(text.len() + bad.find("nosrc").unwrap());
            text.push_str(&bad);
            text.push('\n');
        }
        let err = load_files(&mut Graph::new(), &[DataFile::new("t.kg", text.as_str(), None)]).unwrap_err();
        let got: Vec<usize> = err
            .reports
            .iter()
            .map(|r| r.labels().and_then(|mut l| l.next()).map_or(0, |l| l.offset()))
            .collect();
        assert_eq!(got, at);
        assert!(err.reports.iter().all(|r| r.to_string().contains("unknown source 'nosrc")));
    }

    #[test]
    fn a_claim_read_into_a_record_reports_the_errors_of_its_declaration() {
        // Past the first claim of their shape on a thread, claims are read into records:
        // an unknown name, a relative date without a document, bad `aliases` and a claim id
        // given twice must be reported as for the declaration, where they are.
        let dir = tempfile::tempdir().unwrap();
        crate::gen::generate(6000, 7, dir.path()).unwrap();
        let mut text = std::fs::read_to_string(dir.path().join("graph.kg")).unwrap();
        let bad = [
            ("CLAIM (e1)-[:R]->(nobody) BY s1 QUOTE 'x';", "nobody", "unknown entity 'nobody'"),
            ("CLAIM (nobody2)-[:R]->(e1) BY s1 QUOTE 'x';", "nobody2", "unknown entity 'nobody2'"),
            ("CLAIM (e1)-[:R]->(e2) BY s1 QUOTE 'x' BY nosrc QUOTE 'y';", "nosrc", "unknown source 'nosrc'"),
            ("CLAIM (e1)-[:R]->(e2) BY s1 VIA s2, norelay QUOTE 'x';", "norelay", "unknown source 'norelay'"),
            (
                "CLAIM (e1)-[:R]->(e2) BY s1 ON @-2weeks QUOTE 'relative';",
                "BY s1 ON",
                "is relative to a document",
            ),
            (
                "CLAIM (e1)-[:R {aliases: 5}]->(e2) BY s1 QUOTE 'aliases';",
                "aliases",
                "aliases must be a list",
            ),
            ("CLAIM (e1)-[twice:R]->(e2) BY s1 QUOTE 'a';", "", ""),
            ("CLAIM (e2)-[twice:R]->(e1) BY s1 QUOTE 'b';", "twice", "duplicate claim id 'twice'"),
        ];
        let mut expected = Vec::new();
        for _ in 0..3 {
            for (claim, at, msg) in bad {
                text.push('\n');
                if !at.is_empty() {
                    expected.push((text.len() + claim.find(at).unwrap(), msg));
                }
                text.push_str(claim);
            }
        }
        let mut g = Graph::new();
        let err = load_files(&mut g, &[DataFile::new("t.kg", text.as_str(), None)]).unwrap_err();
        let got: Vec<(usize, String)> = err
            .reports
            .iter()
            .map(|r| {
                (r.labels().and_then(|mut l| l.next()).map_or(usize::MAX, |l| l.offset()), r.to_string())
            })
            .collect();
        assert_eq!(got.len(), expected.len(), "{got:?}");
        for ((offset, msg), (want_offset, want)) in got.iter().zip(&expected) {
            assert!(msg.contains(want), "{msg} for {want}");
            assert_eq!(offset, want_offset, "{msg}");
        }
    }

    #[test]
    fn syntax_errors_come_from_the_whole_file() {
        let text = "ENTITY (a);\nCLAIM (a)-[:R]->(a) BY;\nENTITY (b)";
        let (offset, _) = first_error_offset(text);
        let slow = crate::load::parse_decls(text).unwrap_err();
        assert_eq!(offset, slow.span.start);
    }
}
