//! Figures and their hedges: "about 100", "less than a dozen", "well over 100", "between 100
//! and 300", "fifty-five", "dozens", "at least 20 percent". Number words are read by the
//! text2num crate; hedges and vague counting words come from the lexicon.

use std::collections::HashSet;

use text2num::{text2digits, Language};

use super::lexicon::{Bound, Lexicon, Phrase};
use super::text::Token;
use crate::model::{Number, Uncertain, Value};

/// A figure found in a sentence.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Figure {
    pub value: Value,
    /// Token range of the figure with its hedge (`about 100`).
    pub first: usize,
    pub last: usize,
    /// Token just after the number (where the counted noun starts).
    pub after: usize,
    pub percent: bool,
}

/// Does `phrase` match the tokens starting at `i`? Returns the index after it.
pub(crate) fn match_at(tokens: &[Token], i: usize, phrase: &Phrase) -> Option<usize> {
    let mut j = i;
    for w in phrase {
        // Hyphenated words are several tokens ("three-hour"): compare glued text.
        let mut glued = String::new();
        let mut k = j;
        while k < tokens.len() && glued.len() < w.len() {
            if k > j && tokens[k].space_before {
                break;
            }
            glued.push_str(&tokens[k].lower);
            k += 1;
        }
        if &glued != w {
            return None;
        }
        j = k;
    }
    Some(j)
}

/// Does `phrase` end just before token `end`? Returns where it starts.
pub(crate) fn match_before(tokens: &[Token], end: usize, phrase: &Phrase) -> Option<usize> {
    (0..end).rev().take(phrase.len() * 3).find(|&s| match_at(tokens, s, phrase) == Some(end))
}

fn number_at(tokens: &[Token], i: usize, en: &Language) -> Option<(Number, usize)> {
    let t = &tokens[i];
    if t.is_number() {
        let clean: String = t.text.chars().filter(|c| *c != ',').collect();
        if let Ok(n) = clean.parse::<i64>() {
            return Some((Number::Int(n), i + 1));
        }
        if let Ok(x) = clean.parse::<f64>() {
            return Some((Number::Float(x), i + 1));
        }
        return None;
    }
    if !t.is_word || t.lower == "one" || t.lower == "a" {
        return None;
    }
    // The longest run of words (and hyphens) that reads as a whole number.
    let mut best = None;
    let mut words = String::new();
    for (j, tok) in tokens.iter().enumerate().take(i + 8).skip(i) {
        if j > i && tok.space_before && !words.ends_with('-') {
            words.push(' ');
        }
        words.push_str(&tok.lower);
        if tok.lower == "-" || tok.lower == "and" {
            continue;
        }
        if !tok.is_word {
            break;
        }
        match text2digits(&words, en) {
            Ok(d) => {
                if let Ok(n) = d.parse::<i64>() {
                    best = Some((Number::Int(n), j + 1));
                }
            }
            Err(_) => break,
        }
    }
    best
}

/// A vague counting word at `i` ("dozens", "a dozen"): its value and the index after it.
fn vague_at(tokens: &[Token], i: usize, lex: &Lexicon) -> Option<(Value, usize)> {
    for (p, n) in &lex.vague_exact {
        if let Some(end) = match_at(tokens, i, p) {
            return Some((
                Value::Int(match n {
                    Number::Int(i) => *i,
                    Number::Float(x) => *x as i64,
                }),
                end,
            ));
        }
    }
    for (p, u) in &lex.vague {
        if let Some(end) = match_at(tokens, i, p) {
            return Some((Value::Uncertain(*u), end));
        }
    }
    None
}

fn hedged(n: Number, hedge: Option<Hedge>) -> Value {
    match hedge {
        None => match n {
            Number::Int(i) => Value::Int(i),
            Number::Float(x) => Value::Float(x),
        },
        Some(Hedge::Approx) => Value::Uncertain(Uncertain::Approx(n)),
        Some(Hedge::Bound(Bound::Below { inclusive })) => {
            Value::Uncertain(Uncertain::Below { bound: n, inclusive })
        }
        Some(Hedge::Bound(Bound::Above { inclusive })) => {
            Value::Uncertain(Uncertain::Above { bound: n, inclusive })
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Hedge {
    Approx,
    Bound(Bound),
}

/// The hedge written just before token `i`, and where it starts.
fn hedge_before(tokens: &[Token], i: usize, lex: &Lexicon) -> Option<(Hedge, usize)> {
    let mut best: Option<(Hedge, usize)> = None;
    for (p, b) in &lex.bounds {
        if let Some(s) = match_before(tokens, i, p) {
            if best.is_none_or(|(_, bs)| s < bs) {
                best = Some((Hedge::Bound(*b), s));
            }
        }
    }
    for p in &lex.approx {
        if let Some(s) = match_before(tokens, i, p) {
            if best.is_none_or(|(_, bs)| s < bs) {
                best = Some((Hedge::Approx, s));
            }
        }
    }
    best
}

/// Every figure in `tokens[from..to]`, skipping the tokens in `skip` (dates).
pub(crate) fn figures(
    tokens: &[Token],
    from: usize,
    to: usize,
    skip: &HashSet<usize>,
    lex: &Lexicon,
) -> Vec<Figure> {
    let en = Language::english();
    let mut out: Vec<Figure> = Vec::new();
    let mut i = from;
    while i < to {
        if skip.contains(&i) {
            i += 1;
            continue;
        }
        // "between A and B", "A to B" (bare numbers): a range.
        if tokens[i].lower == "between" {
            if let Some((lo, j)) = number_at(tokens, i + 1, &en) {
                if j < to && tokens[j].lower == "and" {
                    if let Some((hi, k)) = number_at(tokens, j + 1, &en) {
                        if lo.as_f64() <= hi.as_f64() {
                            let percent = unit_at(tokens, k, lex);
                            out.push(Figure {
                                value: Value::Uncertain(Uncertain::Between(lo, hi)),
                                first: i,
                                last: k - 1,
                                after: percent.unwrap_or(k),
                                percent: percent.is_some(),
                            });
                            i = k;
                            continue;
                        }
                    }
                }
            }
        }
        let found = if let Some((v, end)) = vague_at(tokens, i, lex) {
            // "tens or hundreds": the least of the two.
            let end = match (tokens.get(end).map(|t| t.lower.as_str()), vague_at(tokens, end + 1, lex)) {
                (Some("or"), Some((_, end2))) => end2,
                _ => end,
            };
            Some((v, end))
        } else {
            number_at(tokens, i, &en).map(|(n, end)| (hedged(n, None), end))
        };
        let Some((mut value, end)) = found else {
            i += 1;
            continue;
        };
        if end > to {
            break;
        }
        // A year ("in 2014") is a date, not a figure.
        if matches!(value, Value::Int(y) if (1800..=2100).contains(&y))
            && tokens[i].text.len() == 4
            && i > 0
            && matches!(tokens[i - 1].lower.as_str(), "in" | "since" | "of" | "until" | "by")
        {
            i = end;
            continue;
        }
        let mut first = i;
        if let Some((hedge, s)) = hedge_before(tokens, i, lex) {
            if s >= from {
                first = s;
                value = apply_hedge(value, hedge);
            }
        } else if let Some(prev) = out.last() {
            // "about 100 Russians were killed and 200 injured": the hedge carries over a
            // coordinated bare number.
            let joined = (prev.after..i).any(|k| tokens[k].lower == "and") && i - prev.after <= 6;
            if joined && matches!(prev.value, Value::Uncertain(Uncertain::Approx(_))) {
                if let Value::Int(n) = value {
                    value = Value::Uncertain(Uncertain::Approx(Number::Int(n)));
                }
            }
        }
        // "A to B" and "A-B" with bare numbers: a range.
        if let Value::Int(lo) = value {
            if end + 1 < to && matches!(tokens[end].lower.as_str(), "to" | "-" | "\u{2013}") {
                if let Some((Number::Int(hi), k)) = number_at(tokens, end + 1, &en) {
                    if lo < hi && !tokens[end + 1].lower.starts_with("one") {
                        let percent = unit_at(tokens, k, lex);
                        out.push(Figure {
                            value: Value::Uncertain(Uncertain::Between(Number::Int(lo), Number::Int(hi))),
                            first,
                            last: k - 1,
                            after: percent.unwrap_or(k),
                            percent: percent.is_some(),
                        });
                        i = k;
                        continue;
                    }
                }
            }
        }
        let percent = unit_at(tokens, end, lex);
        out.push(Figure {
            value,
            first,
            last: end - 1,
            after: percent.unwrap_or(end),
            percent: percent.is_some(),
        });
        i = end;
    }
    out
}

fn apply_hedge(value: Value, hedge: Hedge) -> Value {
    match value {
        Value::Int(n) => hedged(Number::Int(n), Some(hedge)),
        Value::Float(x) => hedged(Number::Float(x), Some(hedge)),
        // "less than a dozen" hedges an exact vague word; a vague bound keeps its own.
        other => other,
    }
}

/// A percent unit at `i`: the index after it.
fn unit_at(tokens: &[Token], i: usize, lex: &Lexicon) -> Option<usize> {
    lex.units.iter().find_map(|p| match_at(tokens, i, p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::text::Article;

    /// Each line of `tests/draft/figures.txt`: a phrase, `=>`, the values found in it.
    #[test]
    fn figures_table() {
        let table = include_str!("../../tests/draft/figures.txt");
        let lex = Lexicon::bundled();
        let mut failures = Vec::new();
        for line in table.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
            let (phrase, expected) = line.split_once("=>").expect("phrase => values");
            let article = Article::new(phrase.trim());
            let s = &article.sentences[0];
            let found: Vec<String> = figures(&s.tokens, 0, s.tokens.len(), &HashSet::new(), &lex)
                .iter()
                .map(|f| format!("{}{}", f.value, if f.percent { "%" } else { "" }))
                .collect();
            let expected: Vec<String> = expected.split_whitespace().map(str::to_string).collect();
            if found != expected {
                failures.push(format!("{}: expected {expected:?}, found {found:?}", phrase.trim()));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
