//! Drafting claims from article text, for a person to review (`claimgraph draft`, `:review`).
//!
//! Rule-based and offline: the article is cut into sentences ([`text`]); each sentence is
//! read for who says it and how hedged ([`attribution`]), the figures and their hedges
//! ([`quantity`]), dates ([`dates`]) and entity mentions ([`mentions`]), all driven by the
//! cue lexicons in `data/draft/` ([`lexicon`]). The result is declarations in our
//! language, each quoting its whole sentence verbatim with its position, so quote
//! verification holds by construction. [`review`] reads a draft back for the shell's review
//! queue and remembers rejections; [`score`] measures drafts against a hand encoding.
//!
//! Nothing here changes a graph: the open graph is only read, to reuse known ids.

mod attribution;
mod claims;
mod dates;
pub mod error;
pub mod lexicon;
mod mentions;
mod quantity;
pub mod review;
pub mod score;
mod sources;
mod text;

use std::collections::{BTreeMap, HashMap, HashSet};

use attribution::{Attribution, SourcePhrase, Speaker};
use lexicon::{FigureCue, Role};
use mentions::{KnownName, Mention, MentionKind};
use text::{Article, Token};

use crate::model::{DateValue, Graph, PartialDate, Status, Value};
use crate::syntax::decl::{
    AttestationDecl, DeclStatement, DenyTarget, EndPattern, EntityDecl, EntityKind, Name, Prop,
    RelPatternDecl, SourceName,
};
use crate::syntax::Span;

pub use error::{DraftError, DraftErrorKind};
pub use lexicon::Lexicon;

/// How to draft one article.
#[derive(Debug, Clone, Default)]
pub struct DraftOptions {
    /// The document's id (default: from the file name).
    pub document_id: String,
    /// The document's display name.
    pub document_name: String,
    /// The `text` path as the draft file will write it (relative to the draft file).
    pub text_path: String,
    /// The article's date: anchors dates without a year.
    pub published: Option<PartialDate>,
    /// Statements rejected in earlier reviews (one line each, as [`review::one_line`] writes
    /// them): not proposed again.
    pub rejected: HashSet<String>,
}

/// What a draft is, for the reviewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Document,
    Source,
    Entity,
    Claim,
    Denial,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Document => "document",
            ItemKind::Source => "source",
            ItemKind::Entity => "entity",
            ItemKind::Claim => "claim",
            ItemKind::Denial => "denial",
        }
    }

    pub fn parse(s: &str) -> Option<ItemKind> {
        [ItemKind::Document, ItemKind::Source, ItemKind::Entity, ItemKind::Claim, ItemKind::Denial]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// One proposed statement.
#[derive(Debug, Clone)]
pub struct DraftItem {
    pub kind: ItemKind,
    pub statement: DeclStatement,
    /// The sentence it comes from, in characters of the article.
    pub sentence: Option<(usize, usize)>,
    /// Why it was drafted (cues, guesses), for the reviewer.
    pub notes: Vec<String>,
}

/// The drafts of one article, in reading order.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub items: Vec<DraftItem>,
    /// How many proposals were dropped because they had been rejected before.
    pub rejected_before: usize,
}

impl Draft {
    /// The draft as a data file. `//@` lines carry what the review queue needs.
    pub fn to_kg(&self, article_path: &str) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "// claimgraph draft of {article_path}: rule-based proposals, none of them reviewed.\n\
             // Review them one by one in the shell with `:review FILE`; rejected drafts are\n\
             // remembered in FILE.rejected and not proposed again.\n"
        ));
        if self.rejected_before > 0 {
            out.push_str(&format!("// {} earlier rejected proposals left out.\n", self.rejected_before));
        }
        for (i, item) in self.items.iter().enumerate() {
            out.push('\n');
            out.push_str(&format!("//@ draft {} {}", i + 1, item.kind.as_str()));
            if let Some((a, b)) = item.sentence {
                out.push_str(&format!(" chars {a}-{b}"));
            }
            out.push('\n');
            for note in &item.notes {
                out.push_str(&format!("// {}\n", note.replace('\n', " ")));
            }
            out.push_str(&format!("{};\n", item.statement));
        }
        out
    }
}

/// Drafts an article. `graph` is the open graph: mentions of its entities reuse their ids.
pub fn draft(text: &str, graph: &Graph, lex: &Lexicon, options: &DraftOptions) -> Draft {
    let article = Article::new(text);
    let mut d = Drafter::new(&article, graph, lex, options);
    for s in 0..article.sentences.len() {
        d.sentence(s);
    }
    d.finish()
}

/// A declaration the draft makes (not yet printed: a drafted entity may turn out to be a
/// source later in the article).
#[derive(Debug, Clone)]
struct DraftEntity {
    id: String,
    kind: EntityKind,
    labels: Vec<String>,
    name: String,
    aliases: Vec<String>,
    via: Vec<String>,
    anonymous: bool,
    /// The sentence it was first seen in.
    sentence: usize,
    notes: Vec<String>,
}

struct Drafter<'a> {
    article: &'a Article,
    graph: &'a Graph,
    lex: &'a Lexicon,
    options: &'a DraftOptions,
    known: Vec<KnownName>,
    entities: Vec<DraftEntity>,
    by_name: HashMap<String, usize>,
    ids: HashSet<String>,
    topic_event: Option<String>,
    last_person: Option<String>,
    last_source: Option<String>,
    last_counted: HashMap<String, String>,
    /// The last figure cue seen, and its paragraph: "The estimate on casualties ... Numbers
    /// varied from less than a dozen to well over 100."
    last_cue: Option<(usize, FigureCue)>,
    /// Claims and denials by sentence.
    claims: Vec<(usize, DraftItem)>,
}

/// The label of the stand-in entity for ends a draft could not name.
pub const PLACEHOLDER_LABEL: &str = "Placeholder";

const AUX: &[&str] = &[
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "has",
    "have",
    "had",
    "will",
    "would",
    "could",
    "can",
    "may",
    "might",
    "must",
    "shall",
    "should",
    "did",
    "do",
    "does",
    "not",
    "also",
    "still",
    "now",
    "again",
    "to",
    "only",
    "reportedly",
    "allegedly",
    "being",
    "its",
    "their",
    "the",
    "a",
    "an",
];
const IRREGULAR: &[&str] = &[
    "held", "fought", "led", "took", "sent", "struck", "won", "lost", "made", "came", "ran", "met", "built",
    "began", "broke", "brought", "drove", "fled", "hit", "kept", "left", "shot", "sank", "seized", "stood",
    "went", "sought", "caught", "gave", "saw", "found", "holds", "backs", "controls", "leads", "labels",
    "stands", "mass",
];
const PREPOSITIONS: &[&str] = &[
    "near",
    "against",
    "to",
    "in",
    "from",
    "with",
    "for",
    "on",
    "at",
    "into",
    "across",
    "over",
    "alongside",
    "between",
    "toward",
    "towards",
    "of",
    "around",
    "through",
];

impl<'a> Drafter<'a> {
    fn new(article: &'a Article, graph: &'a Graph, lex: &'a Lexicon, options: &'a DraftOptions) -> Self {
        let mut known = Vec::new();
        let name_key = graph.sym("name");
        let aliases_key = graph.sym("aliases");
        let mut ids: HashSet<String> = graph.entity_ids().map(str::to_string).collect();
        for ix in graph.entities() {
            let id = graph.entity_id(ix).to_string();
            let mut names = Vec::new();
            if let Some(Value::String(n)) = name_key.and_then(|k| graph.entity_prop(ix, k)) {
                names.push(n.clone());
            }
            if let Some(Value::List(items)) = aliases_key.and_then(|k| graph.entity_prop(ix, k)) {
                names.extend(items.iter().filter_map(Value::as_str).map(str::to_string));
            }
            for n in names {
                let words: Vec<String> = n
                    .replace(['\u{2019}', '\u{2018}'], "'")
                    .to_lowercase()
                    .split_whitespace()
                    .map(str::to_string)
                    .collect();
                if !words.is_empty() {
                    known.push(KnownName { words, id: id.clone() });
                }
            }
        }
        ids.insert(options.document_id.clone());
        Drafter {
            article,
            graph,
            lex,
            options,
            known,
            entities: Vec::new(),
            by_name: HashMap::new(),
            ids,
            topic_event: None,
            last_person: None,
            last_source: None,
            last_counted: HashMap::new(),
            last_cue: None,
            claims: Vec::new(),
        }
    }

    fn tokens(&self, s: usize) -> &'a [Token] {
        &self.article.sentences[s].tokens
    }

    fn sentence_chars(&self, s: usize) -> (usize, usize) {
        let sent = &self.article.sentences[s];
        (self.article.char_offset(sent.start), self.article.char_offset(sent.end))
    }

    // ---- ids and entities ------------------------------------------------------------

    fn unique_id(&mut self, name: &str) -> String {
        let base = slug(name);
        let mut id = base.clone();
        let mut n = 2;
        while self.ids.contains(&id) {
            id = format!("{base}_{n}");
            n += 1;
        }
        self.ids.insert(id.clone());
        id
    }

    /// The graph entity of this name or alias, if exactly one.
    fn known_by_name(&self, name: &str) -> Option<String> {
        match self.graph.find_by_name(name) {
            [one] => Some(self.graph.entity_id(*one).to_string()),
            _ => None,
        }
    }

    fn graph_has_label(&self, id: &str, label: &str) -> bool {
        let (Some(ix), Some(l)) = (self.graph.find_entity(id), self.graph.sym(label)) else { return false };
        self.graph.has_label(ix, l)
    }

    fn is_drafted(&self, id: &str) -> Option<usize> {
        self.entities.iter().position(|e| e.id == id)
    }

    /// The id for a mention: the open graph's, an earlier draft's, or a new draft.
    fn entity_for(&mut self, m: &Mention, s: usize) -> String {
        if let Some(id) = &m.known {
            return id.clone();
        }
        if let Some(id) = self.known_by_name(&m.name) {
            return id;
        }
        let key = m.name.to_lowercase();
        if let Some(&i) = self.by_name.get(&key) {
            return self.entities[i].id.clone();
        }
        // "Mattis" after "James Mattis".
        if !key.contains(' ') {
            if let Some(e) = self.entities.iter().find(|e| {
                e.labels.iter().any(|l| l == "Person")
                    && e.name.to_lowercase().rsplit(' ').next() == Some(key.as_str())
            }) {
                return e.id.clone();
            }
        }
        let id = self.unique_id(&m.name);
        let note = match (&m.label_cue, m.labels.is_empty()) {
            (_, true) => "new entity: no label guessed; add one in review".to_string(),
            (Some(cue), false) => format!("new entity: labels guessed from '{cue}'"),
            (None, false) => "new entity: labels guessed".to_string(),
        };
        self.entities.push(DraftEntity {
            id: id.clone(),
            kind: EntityKind::Entity,
            labels: m.labels.clone(),
            name: m.name.clone(),
            aliases: Vec::new(),
            via: Vec::new(),
            anonymous: false,
            sentence: s,
            notes: vec![note],
        });
        self.by_name.insert(key, self.entities.len() - 1);
        id
    }

    fn sentence(&mut self, s: usize) {
        let sent = &self.article.sentences[s];
        if sent.para == 0 || !sent.tokens.iter().any(|t| t.is_word && t.text.chars().any(char::is_lowercase))
        {
            return; // a cross-head
        }
        let tokens = self.tokens(s);
        let mentions = mentions::mentions(tokens, &self.known, self.lex);
        let attributions = attribution::attributions(tokens, self.lex);
        let date_mentions = dates::dates(tokens, self.options.published.as_ref(), self.lex);
        let date_tokens: HashSet<usize> = date_mentions.iter().flat_map(|d| d.first..=d.last).collect();
        let mut used: HashSet<usize> = HashSet::new();
        for a in &attributions {
            let Some((source, chain)) = self.speaker(s, a, &mentions) else { continue };
            if let Speaker::Phrase(p) = a.speaker {
                used.extend(
                    mentions
                        .iter()
                        .enumerate()
                        .filter(|(_, m)| m.first >= p.first && m.last <= p.last)
                        .map(|(i, _)| i),
                );
                self.spokesperson(s, p, &mentions, &source);
                self.affiliation(s, p, &mentions, &source);
            }
            if let Some(r) = a.relay {
                used.extend(
                    mentions
                        .iter()
                        .enumerate()
                        .filter(|(_, m)| m.first >= r.first && m.last <= r.last)
                        .map(|(i, _)| i),
                );
            }
            let in_content: Vec<Mention> = mentions
                .iter()
                .filter(|m| m.first >= a.content.0 && m.last <= a.content.1)
                .cloned()
                .collect();
            self.content_claims(s, a, &source, &chain, &in_content, &date_mentions, &date_tokens);
        }
        // Every unknown mention is proposed, used in a claim or not.
        for (i, m) in mentions.iter().enumerate() {
            if !used.contains(&i) && m.known.is_none() {
                self.entity_for(m, s);
            }
        }
    }

    fn attestation(&self, s: usize, source: &str, status: Status, _range: (usize, usize)) -> AttestationDecl {
        let sent = &self.article.sentences[s];
        let (a, b) = self.sentence_chars(s);
        AttestationDecl {
            source: SourceName::Declared(Name::new(source)),
            via: None,
            status: Some(status),
            document: Some(Name::new(&self.options.document_id)),
            position: Some(format!("para {}, chars {a}-{b}", sent.para)),
            date: None,
            quote: Some(self.article.slice(sent.start, sent.end).to_string()),
            span: Span::default(),
            quote_span: None,
        }
    }

    fn push_claim(&mut self, s: usize, kind: ItemKind, statement: DeclStatement, notes: Vec<String>) {
        let text = statement.to_string();
        if self.claims.iter().any(|(_, c)| c.statement.to_string() == text) {
            return;
        }
        self.claims.push((s, DraftItem { kind, statement, sentence: Some(self.sentence_chars(s)), notes }));
    }
}

fn date_note(d: &DateValue) -> String {
    match d {
        DateValue::Relative { .. } => format!("{d} (relative to the article's date)"),
        DateValue::Absolute(_) => d.to_string(),
    }
}

/// A denial covers every figure at least as large as the one denied ("tens or hundreds").
fn at_least(p: Prop) -> Prop {
    use crate::model::Uncertain;
    let value = match p.value {
        Value::Int(n) => {
            Value::Uncertain(Uncertain::Above { bound: crate::model::Number::Int(n), inclusive: true })
        }
        other => other,
    };
    Prop { key: p.key, value }
}

fn end_pattern(id: Option<&str>) -> EndPattern {
    EndPattern { id: id.map(Name::new), labels: Vec::new(), span: Span::default() }
}

fn claim(
    subject: &str,
    object: &str,
    rel_type: &str,
    props: Vec<Prop>,
    att: AttestationDecl,
) -> DeclStatement {
    DeclStatement::Claim {
        pattern: RelPatternDecl {
            subject: end_pattern(Some(subject)),
            claim_id: None,
            rel_type: Name::new(rel_type),
            props,
            object: end_pattern(Some(object)),
        },
        attestations: vec![att],
    }
}

fn entity_statement(e: &DraftEntity) -> DeclStatement {
    let mut props = vec![Prop { key: Name::new("name"), value: Value::String(e.name.clone()) }];
    if !e.aliases.is_empty() {
        props.push(Prop {
            key: Name::new("aliases"),
            value: Value::List(e.aliases.iter().cloned().map(Value::String).collect()),
        });
    }
    if e.anonymous {
        props.push(Prop { key: Name::new("anonymous"), value: Value::Bool(true) });
    }
    DeclStatement::Entity(EntityDecl {
        kind: e.kind,
        id: Name::new(&e.id),
        labels: e.labels.iter().map(Name::new).collect(),
        props,
        via: e.via.iter().map(Name::new).collect(),
        speaks_for: Vec::new(),
    })
}

/// A relationship type from the verb between two mentions ("are reportedly gathering
/// again near" -> GATHERING_NEAR), or RELATED_TO.
fn relation_type(tokens: &[Token], from: usize, to: usize, limit: usize) -> String {
    let to = to.min(limit + 1).min(tokens.len());
    let verb = (from..to).find(|&k| {
        let t = &tokens[k];
        t.is_word
            && !t.is_capitalised()
            && !AUX.contains(&t.lower.as_str())
            && (t.lower.ends_with("ed") || t.lower.ends_with("ing") || IRREGULAR.contains(&t.lower.as_str()))
    });
    let Some(v) = verb else { return "RELATED_TO".to_string() };
    let mut name = tokens[v].lower.to_uppercase();
    let mut k = v + 1;
    while k < to && (tokens[k].lower.ends_with("ly") || tokens[k].lower == "again") {
        k += 1;
    }
    if k < to && PREPOSITIONS.contains(&tokens[k].lower.as_str()) {
        name.push('_');
        name.push_str(&tokens[k].lower.to_uppercase());
    }
    let name: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    if name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        name
    } else {
        "RELATED_TO".to_string()
    }
}

/// An id from a name: lowercase ASCII words joined by `_`, at most four of them.
pub(crate) fn slug(name: &str) -> String {
    const SKIP: &[&str] = &["the", "of", "a", "an", "on", "out", "in", "to", "and"];
    let folded: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { ' ' }).collect();
    let words: Vec<&str> = folded.split_whitespace().filter(|w| !SKIP.contains(w)).take(4).collect();
    let mut id = words.join("_");
    if id.is_empty() {
        id = "unnamed".to_string();
    }
    if id.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        id.insert_str(0, "n_");
    }
    id
}
