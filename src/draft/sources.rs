//! Who says it: the sources a draft names (a new SOURCE for an unknown one), the relay
//! chain of an attribution, spokespeople and affiliations, and the event the article is about.

use super::*;

impl Drafter<'_> {
    /// The id of a source named by a phrase (a new SOURCE draft when unknown), and the
    /// spokesperson relation it states, if any.
    pub(super) fn source_for(&mut self, s: usize, p: SourcePhrase, mentions: &[Mention]) -> Option<String> {
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
    pub(super) fn source_labels(&self, tokens: &[Token], p: SourcePhrase) -> Option<Vec<String>> {
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

    pub(super) fn make_source(
        &mut self,
        id: &str,
        s: usize,
        labels: &[String],
        alias: &str,
        p: SourcePhrase,
    ) {
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
    pub(super) fn topic_event(&mut self, s: usize) -> String {
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

    /// The source id and relay chain of an attribution.
    pub(super) fn speaker(
        &mut self,
        s: usize,
        a: &Attribution,
        mentions: &[Mention],
    ) -> Option<(String, Vec<String>)> {
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
    pub(super) fn spokesperson(&mut self, s: usize, p: SourcePhrase, mentions: &[Mention], source: &str) {
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
    pub(super) fn affiliation(&mut self, s: usize, p: SourcePhrase, mentions: &[Mention], source: &str) {
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
}
