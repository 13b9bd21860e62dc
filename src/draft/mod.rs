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
mod dates;
pub mod error;
pub mod lexicon;
mod mentions;
mod quantity;
pub mod review;
pub mod score;
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

    /// The id of a source named by a phrase (a new SOURCE draft when unknown), and the
    /// spokesperson relation it states, if any.
    fn source_for(&mut self, s: usize, p: SourcePhrase, mentions: &[Mention]) -> Option<String> {
        let tokens = self.tokens(s);
        let inside: Vec<&Mention> =
            mentions.iter().filter(|m| m.first >= p.first && m.last <= p.last).collect();
        let phrase = mentions::join(tokens, p.first, p.last);
        let person = inside.iter().find(|m| m.kind == MentionKind::Person).copied();
        let id = if let Some(person) = person {
            let id = self.entity_for(person, s);
            let rest: String = if person.first > p.first {
                mentions::join(tokens, p.first, person.first - 1)
            } else {
                String::new()
            };
            self.make_source(&id, s, &["Person".to_string()], &rest, p);
            self.last_person = Some(id.clone());
            id
        } else if let Some(id) = self.known_by_name(&phrase) {
            id
        } else if inside.len() == 1 && inside[0].first == p.first && inside[0].last == p.last {
            let m = inside[0].clone();
            let id = self.entity_for(&m, s);
            let labels = self.source_labels(tokens, p).unwrap_or_else(|| {
                if m.labels.is_empty() {
                    vec!["Organization".to_string()]
                } else {
                    m.labels.clone()
                }
            });
            self.make_source(&id, s, &labels, "", p);
            id
        } else {
            let key = phrase.to_lowercase();
            let id = match self.by_name.get(&key) {
                Some(&i) => self.entities[i].id.clone(),
                None => {
                    let m = Mention {
                        first: p.first,
                        last: p.last,
                        name: phrase.clone(),
                        kind: MentionKind::Name,
                        labels: Vec::new(),
                        label_cue: None,
                        possessive: false,
                        known: None,
                    };
                    self.entity_for(&m, s)
                }
            };
            let labels = self.source_labels(tokens, p).unwrap_or_else(|| vec!["Organization".to_string()]);
            self.make_source(&id, s, &labels, "", p);
            id
        };
        // A known entity that is not a source cannot be cited: draft its voice instead.
        if self.graph.find_entity(&id).is_some()
            && !self.graph_has_label(&id, crate::load::SOURCE_LABEL)
            && !self.graph_has_label(&id, crate::load::DOCUMENT_LABEL)
        {
            let name = format!("{} (as a source)", self.graph.display_name(self.graph.find_entity(&id)?));
            let voice = self.unique_id(&format!("{id}_voice"));
            self.entities.push(DraftEntity {
                id: voice.clone(),
                kind: EntityKind::Source,
                labels: Vec::new(),
                name,
                aliases: Vec::new(),
                via: Vec::new(),
                anonymous: false,
                sentence: s,
                notes: vec![format!("'{id}' is in the graph but not a source: this source speaks for it")],
            });
            return Some(voice);
        }
        if self.is_drafted(&id).is_some_and(|i| self.entities[i].labels.iter().any(|l| l == "Person")) {
            self.last_person = Some(id.clone());
        }
        self.last_source = Some(id.clone());
        Some(id)
    }

    /// Labels from the source noun of a phrase ("reports" -> Report).
    fn source_labels(&self, tokens: &[Token], p: SourcePhrase) -> Option<Vec<String>> {
        // The head: the last source noun before a preposition.
        let end = (p.first..=p.last)
            .find(|&k| {
                k > p.first
                    && matches!(
                        tokens[k].lower.as_str(),
                        "of" | "on" | "out" | "close" | "in" | "from" | "quoted"
                    )
            })
            .map_or(p.last, |k| k - 1);
        (p.first..=end).rev().find_map(|k| self.lex.source_heads.get(&tokens[k].lower).cloned())
    }

    fn make_source(&mut self, id: &str, s: usize, labels: &[String], alias: &str, p: SourcePhrase) {
        let Some(i) = self.is_drafted(id) else { return };
        let tokens = self.tokens(s);
        let anonymous = (p.first..=p.last).any(|k| self.lex.anonymous.contains(&tokens[k].lower));
        let e = &mut self.entities[i];
        if e.kind == EntityKind::Source {
            return;
        }
        e.kind = EntityKind::Source;
        if !labels.is_empty() {
            e.labels = labels.to_vec();
        }
        e.anonymous = anonymous;
        let alias = alias.trim().trim_end_matches(',').trim();
        if !alias.is_empty() && !alias.eq_ignore_ascii_case(&e.name) {
            e.aliases.push(alias.to_string());
        }
        e.notes = vec![format!("new source: '{}'", mentions::join(tokens, p.first, p.last))];
    }

    /// The event the article is about: an Event the open graph knows that the article
    /// names, or else the first event noun of the article, drafted.
    fn topic_event(&mut self, s: usize) -> String {
        if let Some(id) = &self.topic_event {
            return id.clone();
        }
        for (k, sent) in self.article.sentences.iter().enumerate() {
            let ms = mentions::mentions(&sent.tokens, &self.known, self.lex);
            if let Some(id) =
                ms.iter().filter_map(|m| m.known.clone()).find(|id| self.graph_has_label(id, "Event"))
            {
                self.topic_event = Some(id.clone());
                let _ = k;
                return id;
            }
        }
        let first_noun = self.article.sentences.iter().enumerate().find_map(|(k, sent)| {
            sent.tokens.iter().position(|t| self.lex.events.contains(&t.lower)).map(|i| (k, i))
        });
        let (name, at) = match first_noun {
            Some((k, i)) => {
                let tokens = &self.article.sentences[k].tokens;
                let mut name = tokens[i].lower.clone();
                // "battle at Khusham"
                if let (Some(p), Some(next)) = (tokens.get(i + 1), tokens.get(i + 2)) {
                    if self.lex.place_prepositions.contains(&p.lower) && next.is_capitalised() {
                        name = format!("{name} {} {}", p.lower, mentions::bare(next));
                    }
                }
                (name, k)
            }
            None => ("event".to_string(), s),
        };
        let id = self.unique_id(&name);
        self.entities.push(DraftEntity {
            id: id.clone(),
            kind: EntityKind::Entity,
            labels: vec!["Event".to_string()],
            name,
            aliases: Vec::new(),
            via: Vec::new(),
            anonymous: false,
            sentence: at.min(s),
            notes: vec![
                "new event: the first event the article names; figures and dates are drafted on it".into()
            ],
        });
        self.topic_event = Some(id.clone());
        id
    }

    // ---- sentences -------------------------------------------------------------------

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

    /// The source id and relay chain of an attribution.
    fn speaker(&mut self, s: usize, a: &Attribution, mentions: &[Mention]) -> Option<(String, Vec<String>)> {
        let source = match a.speaker {
            Speaker::Article => self.options.document_id.clone(),
            Speaker::Pronoun { person: true } => self.last_person.clone()?,
            Speaker::Pronoun { person: false } => self.last_source.clone()?,
            Speaker::Phrase(p) => self.source_for(s, p, mentions)?,
        };
        let mut chain = Vec::new();
        if let Some(r) = a.relay {
            if let Some(relay) = self.source_for(s, r, mentions) {
                if let Some(i) = self.is_drafted(&source) {
                    if self.entities[i].via.is_empty() {
                        self.entities[i].via = vec![relay.clone()];
                    }
                }
                chain.push(relay);
            }
        }
        Some((source, chain))
    }

    /// "a Pentagon spokesman", "Russian Foreign Ministry spokeswoman Maria Zakharova":
    /// the article states whom the source speaks for.
    fn spokesperson(&mut self, s: usize, p: SourcePhrase, mentions: &[Mention], source: &str) {
        let tokens = self.tokens(s);
        let Some(title) = (p.first..=p.last).find(|&k| tokens[k].lower.starts_with("spokes")) else { return };
        let org =
            mentions.iter().find(|m| m.first >= p.first && m.last < title && m.kind != MentionKind::Person);
        let org_id = match org {
            Some(m) => self.entity_for(m, s),
            None => {
                // "Pentagon spokesman": the group mention covers the title; its first word.
                let first = (p.first..title).find(|&k| tokens[k].is_capitalised());
                let Some(f) = first else { return };
                let m = Mention {
                    first: f,
                    last: title - 1,
                    name: mentions::join(tokens, f, title - 1),
                    kind: MentionKind::Name,
                    labels: vec!["Organization".to_string()],
                    label_cue: Some("spokesman for".to_string()),
                    possessive: false,
                    known: None,
                };
                self.entity_for(&m, s)
            }
        };
        if org_id == source {
            return;
        }
        let quote_range = (p.first, p.last);
        let att = self.attestation(s, &self.options.document_id.clone(), Status::Asserted, quote_range);
        let statement = claim(&org_id, &org_id, "SPOKESPERSON_FOR", Vec::new(), att);
        let statement = match statement {
            DeclStatement::Claim { mut pattern, attestations } => {
                pattern.subject.id = Some(Name::new(source));
                DeclStatement::Claim { pattern, attestations }
            }
            other => other,
        };
        self.push_claim(
            s,
            ItemKind::Claim,
            statement,
            vec![format!("the article: '{}' speaks for '{org_id}'", mentions::join(tokens, p.first, p.last))],
        );
    }

    /// "Moscow officials", "Moscow state media": the article places the source within
    /// what its first word names.
    fn affiliation(&mut self, s: usize, p: SourcePhrase, mentions: &[Mention], source: &str) {
        let tokens = self.tokens(s);
        let Some(m) =
            mentions.iter().find(|m| m.first == p.first && m.last == p.last && m.kind == MentionKind::Group)
        else {
            return;
        };
        let head = &tokens[m.first];
        if !head.is_capitalised()
            || self.lex.demonyms.contains_key(&head.lower)
            || self.lex.stop.contains(&head.lower)
        {
            return;
        }
        if (m.first..=m.last).any(|k| tokens[k].lower.starts_with("spokes")) {
            return; // the spokesperson relation says it already
        }
        let name_end =
            (m.first..=m.last).take_while(|&k| tokens[k].is_capitalised()).last().unwrap_or(m.first);
        let org = Mention {
            first: m.first,
            last: name_end,
            name: mentions::join(tokens, m.first, name_end),
            kind: MentionKind::Name,
            labels: Vec::new(),
            label_cue: None,
            possessive: false,
            known: None,
        };
        let org_id = self.entity_for(&org, s);
        if org_id == source {
            return;
        }
        let att = self.attestation(s, &self.options.document_id.clone(), Status::Asserted, (p.first, p.last));
        let mut statement = claim(source, &org_id, "PART_OF", Vec::new(), att);
        if let DeclStatement::Claim { pattern, .. } = &mut statement {
            pattern.object.id = Some(Name::new(&org_id));
        }
        let note = format!("the article: '{}' belongs to '{}'; check the relationship", m.name, org.name);
        self.push_claim(s, ItemKind::Claim, statement, vec![note]);
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

    #[allow(clippy::too_many_arguments)]
    fn content_claims(
        &mut self,
        s: usize,
        a: &Attribution,
        source: &str,
        chain: &[String],
        in_content: &[Mention],
        dates: &[dates::DateMention],
        date_tokens: &HashSet<usize>,
    ) {
        let tokens = self.tokens(s);
        let para = self.article.sentences[s].para;
        let (c0, c1) = a.content;
        let denied = a.status == Status::Denied;
        let status = if denied { Status::Asserted } else { a.status };
        let who = match (&a.speaker, chain.first()) {
            (Speaker::Article, _) => "the article".to_string(),
            (_, Some(r)) => format!("'{source}' via '{r}'"),
            _ => format!("'{source}'"),
        };
        let mut why =
            format!("{who}, {}", if denied { "denied".to_string() } else { status.as_str().to_string() });
        if !a.cue.is_empty() {
            why.push_str(&format!(" (cue '{}')", a.cue));
        }
        let has_event_noun = (c0..=c1).any(|k| self.lex.events.contains(&tokens[k].lower))
            || in_content
                .iter()
                .any(|m| m.known.as_ref().is_some_and(|id| self.graph_has_label(id, "Event")));
        let mut drafted = 0;

        // Figures, on the relationship their cue maps them to.
        let figs = quantity::figures(tokens, c0, c1 + 1, date_tokens, self.lex);
        // Cue words, longest first at each place, none inside another ("killed or wounded").
        let mut cues: Vec<(usize, FigureCue)> = Vec::new();
        let mut k = c0;
        while k <= c1 {
            match self
                .lex
                .figures
                .iter()
                .find_map(|(p, cue)| quantity::match_at(tokens, k, p).map(|e| (e, cue.clone())))
            {
                Some((e, cue)) => {
                    cues.push((k, cue));
                    k = e;
                }
                None => k += 1,
            }
        }
        if let Some((_, c)) = cues.last() {
            self.last_cue = Some((para, c.clone()));
        }
        // (type, subject, object, properties, notes) of each figure claim.
        type FigureClaim = (String, String, String, Vec<Prop>, Vec<String>);
        let mut groups: Vec<FigureClaim> = Vec::new();
        for f in &figs {
            let cue = cues
                .iter()
                .min_by_key(|(k, _)| if *k >= f.after { *k - f.after } else { 1000 + f.first - k })
                .map(|(_, c)| c.clone())
                // A bare figure ("Numbers varied from less than a dozen to well over 100.")
                // takes the cue of the sentence before it in the paragraph.
                .or_else(|| {
                    let bare = tokens
                        .get(f.after)
                        .is_none_or(|t| !t.is_word || matches!(t.lower.as_str(), "to" | "and" | "or"));
                    self.last_cue.as_ref().filter(|(p, _)| *p == para && bare).map(|(_, c)| c.clone())
                });
            let Some(cue) = cue else { continue };
            let counted = self.counted(s, f.after, c1, in_content, &cue);
            let end = |me: &mut Self, role: Role| -> Option<String> {
                match role {
                    Role::Event => Some(
                        in_content
                            .iter()
                            .find_map(|m| m.known.clone().filter(|id| me.graph_has_label(id, "Event")))
                            .unwrap_or_else(|| me.topic_event(s)),
                    ),
                    Role::Counted => counted.clone(),
                    Role::Place => in_content
                        .iter()
                        .find(|m| {
                            m.labels.iter().any(|l| l == "Location" || l == "Country")
                                || m.known.as_ref().is_some_and(|id| {
                                    me.graph_has_label(id, "Location") || me.graph_has_label(id, "Country")
                                })
                                || (m.first > 0
                                    && me.lex.place_prepositions.contains(&tokens[m.first - 1].lower))
                        })
                        .map(|m| me.entity_for(m, s)),
                }
            };
            let (Some(subject), Some(object)) = (end(self, cue.subject), end(self, cue.object)) else {
                continue;
            };
            let key = if f.percent { format!("{}_percent", cue.property) } else { cue.property.clone() };
            let text = mentions::join(tokens, f.first, f.last);
            let note = format!("figure '{text}' -> {} {key}", f.value);
            match groups.iter_mut().find(|g| {
                g.0 == cue.rel_type
                    && g.1 == subject
                    && g.2 == object
                    && !g.3.iter().any(|p| p.key.text == key)
            }) {
                Some(g) => {
                    g.3.push(Prop { key: Name::new(&key), value: f.value.clone() });
                    g.4.push(note);
                }
                None => groups.push((
                    cue.rel_type.clone(),
                    subject,
                    object,
                    vec![Prop { key: Name::new(&key), value: f.value.clone() }],
                    vec![note],
                )),
            }
        }
        for (rel_type, subject, object, props, notes) in groups {
            let mut notes_all = vec![why.clone()];
            notes_all.extend(notes);
            self.emit(s, source, chain, status, denied, &subject, &object, &rel_type, props, notes_all);
            drafted += 1;
        }

        // Dates of the event the sentence is about.
        if has_event_noun {
            for d in dates.iter().filter(|d| d.first >= c0 && d.last <= c1) {
                let event = in_content
                    .iter()
                    .find_map(|m| m.known.clone().filter(|id| self.graph_has_label(id, "Event")))
                    .unwrap_or_else(|| self.topic_event(s));
                let props = vec![Prop { key: Name::new("date"), value: Value::Date(d.value) }];
                let note =
                    format!("date '{}' -> {}", mentions::join(tokens, d.first, d.last), date_note(&d.value));
                self.emit(
                    s,
                    source,
                    chain,
                    status,
                    denied,
                    &event,
                    &event,
                    "OCCURRED_ON",
                    props,
                    vec![why.clone(), note],
                );
                drafted += 1;
            }
        }

        // Otherwise a relation between the first two things named, for the reviewer to fix.
        if drafted == 0 {
            let mut ids: Vec<(String, usize, usize)> = Vec::new();
            for m in in_content {
                let id = self.entity_for(m, s);
                if id != source && !ids.iter().any(|(i, _, _)| *i == id) {
                    ids.push((id, m.first, m.last));
                }
            }
            let by_article = matches!(a.speaker, Speaker::Article);
            // Is there a statement here at all? Something named, a cited source, a hedge,
            // an event, or a clause of the article's before a cited source.
            let hedged = !a.cue.is_empty() && by_article;
            let clause = by_article && c1 + 1 < tokens.len() && c1 >= c0 + 2;
            let worth = !ids.is_empty() || !by_article || hedged || has_event_noun || denied || clause;
            if worth {
                let pair = match ids.as_slice() {
                    [first, second, ..] => (first.clone(), second.clone()),
                    [only] if has_event_noun => {
                        let e = self.topic_event(s);
                        if e == only.0 {
                            (only.clone(), (self.placeholder(s), c1 + 1, c1 + 1))
                        } else {
                            (only.clone(), (e, c1 + 1, c1 + 1))
                        }
                    }
                    [only] => (only.clone(), (self.placeholder(s), c1 + 1, c1 + 1)),
                    [] => {
                        let p = self.placeholder(s);
                        ((p.clone(), c0, c0), (p, c1 + 1, c1 + 1))
                    }
                };
                let ((subj, _, s_last), (obj, o_first, _)) = pair;
                let rel = relation_type(tokens, s_last + 1, o_first.max(s_last + 1), c1);
                let note = if subj == obj || obj == self.placeholder_id() {
                    format!(
                        "relationship '{rel}' guessed; an end is missing ('{}'): edit before accepting",
                        self.placeholder_id()
                    )
                } else {
                    format!("relationship '{rel}' guessed from the words between; check both ends")
                };
                self.emit(
                    s,
                    source,
                    chain,
                    status,
                    denied,
                    &subj,
                    &obj,
                    &rel,
                    Vec::new(),
                    vec![why.clone(), note],
                );
            }
        }
    }

    fn placeholder_id(&self) -> String {
        self.entities
            .iter()
            .find(|e| e.labels.iter().any(|l| l == PLACEHOLDER_LABEL))
            .map_or_else(|| "unresolved".to_string(), |e| e.id.clone())
    }

    /// The stand-in for an end the drafter could not name: review must replace it.
    fn placeholder(&mut self, s: usize) -> String {
        if let Some(e) = self.entities.iter().find(|e| e.labels.iter().any(|l| l == PLACEHOLDER_LABEL)) {
            return e.id.clone();
        }
        let id = self.unique_id("unresolved");
        self.entities.push(DraftEntity {
            id: id.clone(),
            kind: EntityKind::Entity,
            labels: vec![PLACEHOLDER_LABEL.to_string()],
            name: "to be named in review".to_string(),
            aliases: Vec::new(),
            via: Vec::new(),
            anonymous: false,
            sentence: s,
            notes: vec![
                "a stand-in for ends the drafter could not name; review replaces it (it cannot be accepted)"
                    .into(),
            ],
        });
        id
    }

    /// What a figure counts: a mention right after the number, a noun there, or the last
    /// group counted for the same relationship.
    fn counted(
        &mut self,
        s: usize,
        after: usize,
        c1: usize,
        in_content: &[Mention],
        cue: &FigureCue,
    ) -> Option<String> {
        let tokens = self.tokens(s);
        let mut k = after;
        // "20 percent of the terminal": what the share is of.
        while k <= c1
            && k < tokens.len()
            && (!tokens[k].is_word || matches!(tokens[k].lower.as_str(), "of" | "the" | "a" | "an"))
        {
            k += 1;
        }
        if let Some(m) = in_content.iter().find(|m| m.first >= after && m.first <= k + 1) {
            let id = self.entity_for(m, s);
            self.last_counted.insert(cue.rel_type.clone(), id.clone());
            return Some(id);
        }
        let is_cue = self.lex.figures.iter().any(|(p, _)| quantity::match_at(tokens, k, p).is_some());
        let noun = tokens.get(k).filter(|t| {
            k <= c1
                && t.is_word
                && !t.is_capitalised()
                && !is_cue
                && !AUX.contains(&t.lower.as_str())
                && !PREPOSITIONS.contains(&t.lower.as_str())
                && !t.lower.ends_with("ed")
                && !t.lower.ends_with("ly")
                && !matches!(t.lower.as_str(), "or" | "and" | "percent")
        });
        if let Some(t) = noun {
            let m = Mention {
                first: k,
                last: k,
                name: t.text.clone(),
                kind: MentionKind::Group,
                labels: self.lex.labels.get(&t.lower).cloned().unwrap_or_else(|| vec!["Group".to_string()]),
                label_cue: Some(t.lower.clone()),
                possessive: false,
                known: None,
            };
            let id = self.entity_for(&m, s);
            self.last_counted.insert(cue.rel_type.clone(), id.clone());
            return Some(id);
        }
        self.last_counted.get(&cue.rel_type).cloned()
    }

    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        s: usize,
        source: &str,
        chain: &[String],
        status: Status,
        denied: bool,
        subject: &str,
        object: &str,
        rel_type: &str,
        props: Vec<Prop>,
        notes: Vec<String>,
    ) {
        let mut att = self.attestation(s, source, status, (0, 0));
        if !chain.is_empty() && self.is_drafted(source).is_none_or(|i| self.entities[i].via != chain) {
            att.via = Some(chain.iter().map(Name::new).collect());
        }
        if denied {
            let pattern = RelPatternDecl {
                subject: end_pattern(Some(subject)),
                claim_id: None,
                rel_type: Name::new(rel_type),
                props: props.into_iter().map(at_least).collect(),
                object: end_pattern(Some(object)),
            };
            let statement =
                DeclStatement::Deny { target: DenyTarget::Class(Box::new(pattern)), attestations: vec![att] };
            self.push_claim(s, ItemKind::Denial, statement, notes);
        } else {
            let statement = claim(subject, object, rel_type, props, att);
            self.push_claim(s, ItemKind::Claim, statement, notes);
        }
    }

    fn finish(self) -> Draft {
        let mut items = Vec::new();
        let mut doc_props =
            vec![Prop { key: Name::new("name"), value: Value::String(self.options.document_name.clone()) }];
        if let Some(p) = self.options.published {
            doc_props.push(Prop { key: Name::new("published"), value: Value::Date(DateValue::Absolute(p)) });
        }
        doc_props.push(Prop { key: Name::new("text"), value: Value::String(self.options.text_path.clone()) });
        let document = DeclStatement::Entity(EntityDecl {
            kind: EntityKind::Document,
            id: Name::new(&self.options.document_id),
            labels: vec![Name::new("NewsArticle")],
            props: doc_props,
            via: Vec::new(),
            speaks_for: Vec::new(),
        });
        let mut declared: HashSet<String> = self.graph.entity_ids().map(str::to_string).collect();
        let mut rejected_before = 0;
        let rejected = &self.options.rejected;
        let mut dropped: HashSet<String> = HashSet::new();
        if self.graph.find_entity(&self.options.document_id).is_none() {
            if rejected.contains(&review::one_line(&document.to_string())) {
                rejected_before += 1;
                dropped.insert(self.options.document_id.clone());
            } else {
                items.push(DraftItem {
                    kind: ItemKind::Document,
                    statement: document,
                    sentence: None,
                    notes: vec!["the article".into()],
                });
            }
        }
        declared.insert(self.options.document_id.clone());
        let mut by_sentence: BTreeMap<usize, Vec<&DraftEntity>> = BTreeMap::new();
        for e in &self.entities {
            by_sentence.entry(e.sentence).or_default().push(e);
        }
        let mut claims_by_sentence: BTreeMap<usize, Vec<&DraftItem>> = BTreeMap::new();
        for (s, c) in &self.claims {
            claims_by_sentence.entry(*s).or_default().push(c);
        }
        let sentences: Vec<usize> = by_sentence
            .keys()
            .chain(claims_by_sentence.keys())
            .copied()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for s in sentences {
            for e in by_sentence.get(&s).into_iter().flatten() {
                let statement = entity_statement(e);
                if rejected.contains(&review::one_line(&statement.to_string()))
                    || e.via.iter().any(|v| dropped.contains(v))
                {
                    rejected_before += 1;
                    dropped.insert(e.id.clone());
                    continue;
                }
                items.push(DraftItem {
                    kind: if e.kind == EntityKind::Source { ItemKind::Source } else { ItemKind::Entity },
                    statement,
                    sentence: Some(self.sentence_chars(s)),
                    notes: e.notes.clone(),
                });
            }
            for c in claims_by_sentence.get(&s).into_iter().flatten() {
                let text = c.statement.to_string();
                if rejected.contains(&review::one_line(&text))
                    || review::references(&c.statement).iter().any(|id| dropped.contains(id))
                {
                    rejected_before += 1;
                    continue;
                }
                items.push((*c).clone());
            }
        }
        Draft { items, rejected_before }
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
