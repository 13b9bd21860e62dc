//! What is said: the claims and denials a sentence yields (figures with their hedges,
//! relations between the entities it mentions, placeholders for ends it cannot name), and
//! the finished draft.

use super::*;

impl Drafter<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn content_claims(
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

    pub(super) fn placeholder_id(&self) -> String {
        self.entities
            .iter()
            .find(|e| e.labels.iter().any(|l| l == PLACEHOLDER_LABEL))
            .map_or_else(|| "unresolved".to_string(), |e| e.id.clone())
    }

    /// The stand-in for an end the drafter could not name: review must replace it.
    pub(super) fn placeholder(&mut self, s: usize) -> String {
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
    pub(super) fn counted(
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
    pub(super) fn emit(
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

    pub(super) fn finish(self) -> Draft {
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
