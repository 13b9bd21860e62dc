//! Who says what in a sentence: a source found from a reporting verb ("X said", "X told
//! media that", "“...,” X said"), "according to X", a relay ("R reports S as admitting",
//! "R quoted S as saying"), with the status its cue and hedges give; otherwise the
//! article's own voice, hedged by "reportedly", "is believed", "is said to".

use super::lexicon::{Lexicon, Phrase};
use super::quantity::match_at;
use super::text::Token;
use crate::model::Status;

/// A noun phrase naming a source: token range, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SourcePhrase {
    pub first: usize,
    pub last: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Speaker {
    /// The article's author.
    Article,
    /// A phrase in the sentence.
    Phrase(SourcePhrase),
    /// A pronoun: the last person (true) or source (false) cited.
    Pronoun { person: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attribution {
    pub speaker: Speaker,
    /// Who relayed the speaker's words ("Reuters" in "Reuters reports a doctor as ...").
    pub relay: Option<SourcePhrase>,
    pub status: Status,
    /// What the speaker says: a token range, inclusive.
    pub content: (usize, usize),
    /// The words that gave the attribution away, for the reviewer.
    pub cue: String,
}

const BOUNDARY: &[&str] = &[
    "that", "with", "which", "who", "whom", "is", "was", "are", "were", "as", "while", "because", "after",
    "before", "when", "if", "but", "than", "then", "where", "this", "these", "has", "have", "had", "be",
    "been", "by", "for",
];

fn is_closing_quote(t: &Token) -> bool {
    matches!(t.text.as_str(), "\u{201D}" | "\"" | "\u{2019}")
}

fn phrase_text(tokens: &[Token], first: usize, last: usize) -> String {
    tokens[first..=last].iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(" ")
}

/// Does a phrase name something that can speak? A capitalised word, a source noun, or a
/// pronoun.
fn can_speak(tokens: &[Token], p: SourcePhrase, lex: &Lexicon) -> bool {
    tokens[p.first..=p.last].iter().any(|t| t.is_word && t.is_capitalised() && !lex.stop.contains(&t.lower))
        || tokens[p.first..=p.last].iter().any(|t| lex.source_heads.contains_key(&t.lower))
}

/// The source phrase that ends just before token `end` (skipping adverbs).
fn phrase_before(tokens: &[Token], end: usize, lex: &Lexicon) -> Option<SourcePhrase> {
    let mut last = end;
    while last > 0 && lex.skip.contains(&tokens[last - 1].lower) {
        last -= 1;
    }
    if last == 0 {
        return None;
    }
    let mut last = last - 1;
    // "Sources close to the port operator, Baltic Harbour Lines, denied": the speaker is
    // the phrase before the apposition.
    if tokens[last].text == "," {
        if let Some(open) = (last.saturating_sub(7)..last).rev().find(|&k| tokens[k].text == ",") {
            if open > 0 {
                last = open - 1;
            }
        }
    }
    let mut first = last;
    loop {
        let t = &tokens[first];
        let ok =
            (t.is_word && !BOUNDARY.contains(&t.lower.as_str())) || t.text == "-" || t.lower.ends_with("'s");
        if !ok || last - first > 9 {
            first += 1;
            break;
        }
        if first == 0 {
            break;
        }
        first -= 1;
    }
    // No leading determiners, prepositions or conjunctions.
    while first <= last
        && matches!(tokens[first].lower.as_str(), "the" | "a" | "an" | "of" | "on" | "in" | "to" | "and")
    {
        first += 1;
    }
    (first <= last).then_some(SourcePhrase { first, last })
}

/// The source phrase that starts at `start` (after "according to", or between a verb and
/// a relay marker), up to punctuation.
fn phrase_after(tokens: &[Token], start: usize, stop: usize) -> Option<SourcePhrase> {
    let mut first = start;
    while first < stop && matches!(tokens[first].lower.as_str(), "the" | "a" | "an") {
        first += 1;
    }
    let mut last = first;
    while last < stop
        && (tokens[last].is_word || tokens[last].text == "-" || tokens[last].lower.ends_with("'s"))
    {
        last += 1;
    }
    (last > first).then(|| SourcePhrase { first, last: last - 1 })
}

fn find_phrase(tokens: &[Token], from: usize, phrases: &[Phrase]) -> Option<(usize, usize)> {
    (from..tokens.len()).find_map(|i| phrases.iter().find_map(|p| match_at(tokens, i, p).map(|e| (i, e))))
}

/// The attributions of one sentence (the article's own voice when there is none), and any
/// clause before a cited source that stays in the article's voice.
pub(crate) fn attributions(tokens: &[Token], lex: &Lexicon) -> Vec<Attribution> {
    let n = tokens.len();
    if n == 0 {
        return Vec::new();
    }
    let end = n - 1;
    let mut out = Vec::new();
    let relays: Vec<Phrase> = lex.relay.clone();
    // Speech verbs, left to right.
    let mut i = 0;
    while i < n {
        // A capitalised word inside a sentence is a name ("United States"), not a verb.
        // Nor is the first word of a group noun ("state media").
        let verb_here = (!tokens[i].is_capitalised() || i == 0)
            && !lex.groups.iter().any(|g| g.len() > 1 && match_at(tokens, i, g).is_some());
        let Some((verb_end, status)) = lex
            .speech
            .iter()
            .filter(|_| verb_here)
            .find_map(|(p, s)| match_at(tokens, i, p).map(|e| (e, *s)))
        else {
            i += 1;
            continue;
        };
        let verb = phrase_text(tokens, i, verb_end - 1);
        // A relay: "R reports S as admitting ...".
        if let Some((r, r_end)) = find_phrase(tokens, verb_end, &relays).filter(|(r, _)| *r <= verb_end + 10)
        {
            if let (Some(relay), Some(speaker)) =
                (phrase_before(tokens, i, lex), phrase_after(tokens, verb_end, r))
            {
                if can_speak(tokens, relay, lex) && r_end <= end {
                    out.push(Attribution {
                        speaker: Speaker::Phrase(speaker),
                        relay: Some(relay),
                        status: Status::Reported,
                        content: (r_end, end),
                        cue: format!("{verb} ... {}", phrase_text(tokens, r, r_end - 1)),
                    });
                    break;
                }
            }
        }
        // "“...,” a Pentagon spokesman said."
        let quote_end = (0..i).rev().find(|&k| is_closing_quote(&tokens[k]) && k + 1 < i);
        if let Some(q) = quote_end.filter(|_| (verb_end..n).all(|k| !tokens[k].is_word)) {
            let speaker = SourcePhrase { first: q + 1, last: i - 1 };
            let speaker = trim_phrase(tokens, speaker, lex);
            if let Some(sp) = speaker.filter(|sp| can_speak(tokens, *sp, lex)) {
                out.push(Attribution {
                    speaker: Speaker::Phrase(sp),
                    relay: None,
                    status,
                    content: (0, q),
                    cue: verb,
                });
                break;
            }
        }
        if let Some(sp) = phrase_before(tokens, i, lex) {
            let pronoun = (sp.first == sp.last).then(|| lex.pronouns.get(&tokens[sp.first].lower)).flatten();
            let speaker = match pronoun {
                Some(person) => Some(Speaker::Pronoun { person: *person }),
                None if can_speak(tokens, sp, lex) => Some(Speaker::Phrase(sp)),
                None => None,
            };
            if let Some(speaker) = speaker {
                // "told media that": what is said starts after "that".
                let mut c = verb_end;
                if let Some(k) = (verb_end..n.min(verb_end + 4)).find(|&k| tokens[k].lower == "that") {
                    c = k + 1;
                }
                if c <= end {
                    // A clause before the source stays in the article's voice.
                    if sp.first >= 3 {
                        out.push(article_voice(tokens, 0, sp.first - 1, lex));
                    }
                    let mut status = status;
                    if let Some((_, s)) = hedge_in(tokens, sp.first, sp.last, lex) {
                        status = s;
                    }
                    out.push(Attribution { speaker, relay: None, status, content: (c, end), cue: verb });
                    break;
                }
            }
        }
        i = verb_end;
    }
    if out.is_empty() {
        // "according to X" / "citing X"
        for p in &lex.according {
            if let Some((a, a_end)) = find_phrase(tokens, 0, std::slice::from_ref(p)) {
                let stop = (a_end..n).find(|&k| !tokens[k].is_word && tokens[k].text != "-").unwrap_or(n);
                if let Some(sp) = phrase_after(tokens, a_end, stop) {
                    let content = if a == 0 || (a > 0 && tokens[a - 1].text == ",") && a > 2 {
                        if a == 0 {
                            (stop, end)
                        } else {
                            (0, a - 1)
                        }
                    } else {
                        (0, end)
                    };
                    let status =
                        hedge_in(tokens, sp.first, sp.last, lex).map(|(_, s)| s).unwrap_or(Status::Asserted);
                    out.push(Attribution {
                        speaker: Speaker::Phrase(sp),
                        relay: None,
                        status,
                        content,
                        cue: phrase_text(tokens, a, a_end - 1),
                    });
                    break;
                }
            }
        }
    }
    if out.is_empty() {
        out.push(article_voice(tokens, 0, end, lex));
    }
    // Hedges and denials inside what is said.
    for a in &mut out {
        if a.status == Status::Denied {
            continue;
        }
        if lex.deny.iter().any(|p| (a.content.0..=a.content.1).any(|k| match_at(tokens, k, p).is_some())) {
            a.status = Status::Denied;
            continue;
        }
        if a.status == Status::Asserted {
            if let Some((cue, s)) = hedge_in(tokens, a.content.0, a.content.1, lex) {
                a.status = s;
                if a.speaker == Speaker::Article {
                    a.cue = cue;
                }
            }
        }
    }
    out
}

fn article_voice(tokens: &[Token], first: usize, last: usize, lex: &Lexicon) -> Attribution {
    let (cue, status) =
        hedge_in(tokens, first, last, lex).unwrap_or_else(|| (String::new(), Status::Asserted));
    Attribution { speaker: Speaker::Article, relay: None, status, content: (first, last), cue }
}

/// The first hedge in `tokens[first..=last]`.
fn hedge_in(tokens: &[Token], first: usize, last: usize, lex: &Lexicon) -> Option<(String, Status)> {
    (first..=last).find_map(|k| {
        lex.hedge.iter().find_map(|(p, s)| {
            match_at(tokens, k, p).filter(|e| *e <= last + 1).map(|e| (phrase_text(tokens, k, e - 1), *s))
        })
    })
}

fn trim_phrase(tokens: &[Token], mut p: SourcePhrase, _lex: &Lexicon) -> Option<SourcePhrase> {
    while p.first <= p.last
        && (!tokens[p.first].is_word || matches!(tokens[p.first].lower.as_str(), "the" | "a" | "an"))
    {
        p.first += 1;
    }
    (p.first <= p.last).then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::text::Article;

    fn describe(s: &str) -> Vec<String> {
        let a = Article::new(s);
        let t = &a.sentences[0].tokens;
        attributions(t, &Lexicon::bundled())
            .iter()
            .map(|a| {
                let who = match &a.speaker {
                    Speaker::Article => "article".to_string(),
                    Speaker::Phrase(p) => super::super::mentions::join(t, p.first, p.last),
                    Speaker::Pronoun { person } => format!("pronoun:{person}"),
                };
                let via = a
                    .relay
                    .map(|r| format!(" via {}", super::super::mentions::join(t, r.first, r.last)))
                    .unwrap_or_default();
                format!("{who}{via} {}", a.status.as_str())
            })
            .collect()
    }

    /// Each case of `tests/draft/attributions.txt`: a sentence, `=>`, its attributions.
    #[test]
    fn attributions_table() {
        let table = include_str!("../../tests/draft/attributions.txt");
        let mut failures = Vec::new();
        for line in table.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
            let (sentence, expected) = line.split_once("=>").expect("sentence => attributions");
            let expected: Vec<String> =
                expected.split(';').map(|e| e.trim().to_string()).filter(|e| !e.is_empty()).collect();
            let found = describe(sentence.trim());
            if found != expected {
                failures.push(format!("{}\n  expected {expected:?}\n  found    {found:?}", sentence.trim()));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
