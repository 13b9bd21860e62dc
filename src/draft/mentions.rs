//! Entity mentions in a sentence: names the open graph already knows (by name or alias,
//! capitalised or not), capitalised names it does not know, and groups named by a
//! capitalised word and a group noun ("Moscow officials", "pro-Syrian forces"). Unknown
//! mentions get a label guess from the lexicon.

use super::lexicon::Lexicon;
use super::quantity::match_at;
use super::text::Token;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MentionKind {
    /// A proper name ("Deir ez-Zor", "Reuters").
    Name,
    /// A person, found after a title ("President Bashar Assad").
    Person,
    /// A capitalised word and a group noun ("Moscow officials").
    Group,
    /// A name or alias the open graph knows, matched word for word.
    Known,
}

#[derive(Debug, Clone)]
pub(crate) struct Mention {
    /// Token range, inclusive.
    pub first: usize,
    pub last: usize,
    /// The name as it would be declared ("Bashar Assad").
    pub name: String,
    pub kind: MentionKind,
    /// The labels guessed for it, and the word that suggested them.
    pub labels: Vec<String>,
    pub label_cue: Option<String>,
    /// Followed by a possessive ("Syria's").
    pub possessive: bool,
    /// The id of the open graph's entity, for a known name.
    pub known: Option<String>,
}

/// A name of an entity in the open graph, as lowercase words.
#[derive(Debug, Clone)]
pub(crate) struct KnownName {
    pub words: Vec<String>,
    pub id: String,
}

const PARTICLES: &[&str] =
    &["ez", "al", "el", "de", "du", "bin", "ibn", "von", "van", "der", "la", "le", "az"];

fn is_possessive(tokens: &[Token], i: usize) -> bool {
    tokens.get(i).is_some_and(|t| t.lower.ends_with("'s") || t.lower == "'s")
        || (tokens.get(i).is_some_and(|t| t.lower == "'")
            && tokens.get(i + 1).is_some_and(|t| t.lower == "s"))
}

/// The word with a possessive `'s` removed.
pub(crate) fn bare(t: &Token) -> &str {
    let text = t.text.as_str();
    for suffix in ["\u{2019}s", "'s"] {
        if let Some(b) = text.strip_suffix(suffix) {
            return b;
        }
    }
    text
}

fn is_name_word(t: &Token) -> bool {
    t.is_word && t.is_capitalised() && !t.is_number()
}

/// Joins tokens `first..=last` as written (spaces where the text had them).
pub(crate) fn join(tokens: &[Token], first: usize, last: usize) -> String {
    let mut s = String::new();
    for (k, t) in tokens[first..=last].iter().enumerate() {
        if k > 0 && t.space_before {
            s.push(' ');
        }
        s.push_str(if k + first == last { bare(t) } else { &t.text });
    }
    s.replace(['\u{2018}', '\u{2019}'], "").replace(['\u{201C}', '\u{201D}'], "")
}

/// Every mention in the sentence, in order, without overlaps (known names win).
pub(crate) fn mentions(tokens: &[Token], known: &[KnownName], lex: &Lexicon) -> Vec<Mention> {
    let mut out: Vec<Mention> = Vec::new();
    let mut taken = vec![false; tokens.len()];
    // Known names first, longest first.
    for i in 0..tokens.len() {
        if taken[i] {
            continue;
        }
        let best = known
            .iter()
            .filter_map(|k| match_at(tokens, i, &k.words).map(|end| (end, k)))
            .filter(|(end, _)| {
                // A known lowercase name must not be the tail of a capitalised one.
                *end > i
                    && (*end == tokens.len() || !is_name_word(&tokens[*end]) || tokens[*end].lower == "'s")
            })
            .max_by_key(|(end, _)| *end);
        if let Some((end, k)) = best {
            for t in taken.iter_mut().take(end).skip(i) {
                *t = true;
            }
            out.push(Mention {
                first: i,
                last: end - 1,
                name: join(tokens, i, end - 1),
                kind: MentionKind::Known,
                labels: Vec::new(),
                label_cue: None,
                possessive: is_possessive(tokens, end - 1) || is_possessive(tokens, end),
                known: Some(k.id.clone()),
            });
        }
    }
    let mut i = 0;
    while i < tokens.len() {
        if taken[i] || !is_name_word(&tokens[i]) {
            i += 1;
            continue;
        }
        // The run of name words (with particles and hyphens inside).
        let mut j = i;
        loop {
            if is_possessive(tokens, j) || tokens[j].lower.ends_with("'s") {
                break;
            }
            let k = j + 1;
            let Some(next) = tokens.get(k) else { break };
            if taken[k] {
                break;
            }
            if is_name_word(next) && (next.space_before || tokens[j].lower == "-") {
                j = k;
            } else if next.text == "-" && !next.space_before {
                match tokens.get(k + 1) {
                    Some(after) if is_name_word(after) && !after.space_before => j = k + 1,
                    _ => break,
                }
            } else if (PARTICLES.contains(&next.lower.as_str())
                && tokens.get(k + 1).is_some_and(|a| is_name_word(a) || a.text == "-"))
                || (next.lower == "of"
                    && tokens.get(k + 1).is_some_and(is_name_word)
                    && (lex.labels.contains_key(&tokens[j].lower) || lex.events.contains(&tokens[j].lower)))
            {
                j = k;
            } else {
                break;
            }
        }
        let mut first = i;
        // "the largely Kurdish Syrian Democratic Forces": the adjective is not the name.
        if first > 0
            && tokens[first - 1].lower.ends_with("ly")
            && lex.demonyms.contains_key(&tokens[first].lower)
            && first < j
        {
            first += 1;
        }
        // Sentence openers and months are not names ("The", "But", "February").
        while first <= j && lex.stop.contains(&tokens[first].lower) {
            first += 1;
        }
        if first > j {
            i = j + 1;
            continue;
        }
        let possessive = is_possessive(tokens, j) || is_possessive(tokens, j + 1);
        let mut found = analyse_run(tokens, first, j, lex);
        for m in &mut found {
            m.possessive = m.last == j && possessive;
        }
        out.extend(found);
        i = j + 1;
    }
    out.sort_by_key(|m| m.first);
    out
}

/// Splits a run at titles ("Defense Secretary General James Mattis") and extends a demonym
/// to the group it qualifies ("Russian private contractors").
fn analyse_run(tokens: &[Token], first: usize, last: usize, lex: &Lexicon) -> Vec<Mention> {
    let mut out = Vec::new();
    let title_at = (first..=last).rev().find(|&k| lex.titles.contains(&tokens[k].lower));
    let after_lower_title = first > 0 && lex.titles.contains(&tokens[first - 1].lower);
    if let Some(t) = title_at {
        if t < last {
            let first_title = (first..=t).find(|&k| lex.titles.contains(&tokens[k].lower)).unwrap_or(t);
            if first_title > first {
                // The organisation or country before the title, when it is one word
                // ("US") or ends in a word that names a body ("Foreign Ministry").
                let end = first_title - 1;
                let org_end = if lex.labels.contains_key(&tokens[end].lower) { end } else { first };
                out.push(name_mention(tokens, first, org_end, lex));
            }
            out.push(person(tokens, t + 1, last));
            return out;
        }
    }
    if after_lower_title {
        out.push(person(tokens, first, last));
        return out;
    }
    // A demonym alone ("Russian", "pro-Syrian", "Russian-Syrian") qualifies what follows.
    let all_demonyms = (first..=last)
        .filter(|&k| tokens[k].is_word && tokens[k].lower != "pro")
        .all(|k| lex.demonyms.contains_key(&tokens[k].lower) || tokens[k].lower == "us");
    // "Foreign Ministry spokeswoman Maria Zakharova": the title goes with the person.
    let group_end = group_after(tokens, last + 1, lex).filter(|&end| {
        !(lex.titles.contains(&tokens[end].lower) && tokens.get(end + 1).is_some_and(is_name_word))
    });
    let pro = first >= 2 && tokens[first - 1].text == "-" && tokens[first - 2].lower == "pro";
    let start = if pro { first - 2 } else { first };
    if let Some(end) = group_end {
        let head = tokens[end].lower.clone();
        let labels = lex.labels.get(&head).cloned().unwrap_or_else(|| vec!["Group".to_string()]);
        out.push(Mention {
            first: start,
            last: end,
            name: join(tokens, start, end),
            kind: MentionKind::Group,
            labels,
            label_cue: Some(head),
            possessive: false,
            known: None,
        });
        return out;
    }
    if all_demonyms && !(first == last && tokens[first].lower == "us") {
        return out;
    }
    out.push(name_mention(tokens, first, last, lex));
    out
}

/// The end of a group noun phrase starting at `i` (up to two adjectives first).
fn group_after(tokens: &[Token], i: usize, lex: &Lexicon) -> Option<usize> {
    for skip in 0..=2 {
        let k = i + skip;
        if k >= tokens.len() {
            return None;
        }
        if let Some(end) = lex.groups.iter().find_map(|g| match_at(tokens, k, g)) {
            return Some(end - 1);
        }
        // Only plain lowercase words (and quote marks) may come between.
        if is_quote_mark(&tokens[k]) {
            continue;
        }
        if !tokens[k].is_word || tokens[k].is_capitalised() || tokens[k].is_number() {
            return None;
        }
    }
    None
}

fn is_quote_mark(t: &Token) -> bool {
    matches!(t.text.as_str(), "\u{2018}" | "\u{2019}" | "\u{201C}" | "\u{201D}" | "'" | "\"")
}

fn person(tokens: &[Token], first: usize, last: usize) -> Mention {
    Mention {
        first,
        last,
        name: join(tokens, first, last),
        kind: MentionKind::Person,
        labels: vec!["Person".to_string()],
        label_cue: Some("title".to_string()),
        possessive: false,
        known: None,
    }
}

fn name_mention(tokens: &[Token], first: usize, last: usize, lex: &Lexicon) -> Mention {
    let name = join(tokens, first, last);
    let head = tokens[last].lower.trim_end_matches("'s").to_string();
    let lead = tokens[first].lower.clone();
    let before = |n: usize| first.checked_sub(n).map(|k| tokens[k].lower.as_str());
    let (labels, cue) = if lex.demonyms.values().any(|c| c.eq_ignore_ascii_case(&name)) {
        (vec!["Country".to_string()], Some("country".to_string()))
    } else if let Some(ls) = lex.labels.get(&head) {
        (ls.clone(), Some(head))
    } else if let Some(ls) = lex.labels.get(&lead).filter(|_| last > first) {
        (ls.clone(), Some(lead))
    } else if let Some(ls) = before(1).and_then(|w| lex.labels.get(w)) {
        (ls.clone(), before(1).map(str::to_string))
    } else if let (Some("of"), Some(noun)) = (before(1), before(2)) {
        match lex.labels.get(noun) {
            Some(ls) => (ls.clone(), Some(noun.to_string())),
            None => (Vec::new(), None),
        }
    } else if let Some(p) = before(1).filter(|p| lex.place_prepositions.contains(*p)) {
        (vec!["Location".to_string()], Some(p.to_string()))
    } else {
        (Vec::new(), None)
    };
    Mention {
        first,
        last,
        name,
        kind: MentionKind::Name,
        labels,
        label_cue: cue,
        possessive: false,
        known: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::text::Article;

    fn names(s: &str) -> Vec<(String, Vec<String>)> {
        let a = Article::new(s);
        mentions(&a.sentences[0].tokens, &[], &Lexicon::bundled())
            .into_iter()
            .map(|m| (m.name, m.labels))
            .collect()
    }

    #[test]
    fn names_titles_groups() {
        let got = names(
            "US Defense Secretary General James Mattis said the pro-Syrian forces attacked Deir ez-Zor.",
        );
        let got: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(got, vec!["US", "James Mattis", "pro-Syrian forces", "Deir ez-Zor"]);
        let got = names("Russian Foreign Ministry spokeswoman Maria Zakharova told media.");
        assert_eq!(
            got[0],
            ("Russian Foreign Ministry".to_string(), vec!["Organization".into(), "Government".into()])
        );
        assert_eq!(got[1], ("Maria Zakharova".to_string(), vec!["Person".to_string()]));
        let got = names("The village of Khusham on the east bank of the river Euphrates was quiet.");
        assert_eq!(
            got,
            vec![
                ("Khusham".to_string(), vec!["Location".to_string(), "Village".to_string()]),
                ("Euphrates".to_string(), vec!["Location".to_string(), "River".to_string()])
            ]
        );
    }
}
