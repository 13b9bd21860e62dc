//! Dates in article text: "last week", "four months ago", "back in September", "on February
//! 7th", "in 2014". Dates without a year take the year of the article's date (`--published`)
//! and fall before it; relative phrases stay relative (`@-4months`), as the language
//! resolves them against the document's date.

use text2num::{text2digits, Language};

use super::lexicon::Lexicon;
use super::quantity::match_at;
use super::text::Token;
use crate::model::{DateUnit, DateValue, PartialDate};

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DateMention {
    pub value: DateValue,
    pub first: usize,
    pub last: usize,
}

fn month(t: &Token) -> Option<u8> {
    // "May" only when capitalised: "may" is a verb.
    MONTHS.iter().position(|m| *m == t.lower && (t.is_capitalised() || t.lower != "may")).map(|i| i as u8 + 1)
}

/// "7", "7th", "21st".
fn day(t: &Token) -> Option<u8> {
    let digits: String = t.text.chars().take_while(char::is_ascii_digit).collect();
    let rest = &t.lower[digits.len()..];
    if digits.is_empty() || !matches!(rest, "" | "st" | "nd" | "rd" | "th") {
        return None;
    }
    digits.parse().ok().filter(|d| (1..=31).contains(d))
}

fn year(t: &Token) -> Option<i32> {
    (t.text.len() == 4 && t.text.chars().all(|c| c.is_ascii_digit()))
        .then(|| t.text.parse().ok())
        .flatten()
        .filter(|y| (1800..=2100).contains(y))
}

/// The year a month (and day) without a year falls in: the latest not after the anchor.
fn year_before(anchor: &PartialDate, month: u8, day: Option<u8>) -> i32 {
    match anchor.month {
        Some(am) if month > am => anchor.year - 1,
        Some(am) if month == am => match (day, anchor.day) {
            (Some(d), Some(ad)) if d > ad => anchor.year - 1,
            _ => anchor.year,
        },
        _ => anchor.year,
    }
}

fn amount(tokens: &[Token], i: usize, en: &Language) -> Option<i64> {
    let t = &tokens[i];
    if t.is_number() {
        return t.text.parse().ok();
    }
    if t.lower == "a" || t.lower == "an" {
        return Some(1);
    }
    text2digits(&t.lower, en).ok()?.parse().ok()
}

/// Every date expression in the sentence's tokens.
pub(crate) fn dates(tokens: &[Token], anchor: Option<&PartialDate>, lex: &Lexicon) -> Vec<DateMention> {
    let en = Language::english();
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if let Some((end, value)) =
            lex.relative_dates.iter().find_map(|(p, v)| match_at(tokens, i, p).map(|e| (e, *v)))
        {
            out.push(DateMention { value, first: i, last: end - 1 });
            i = end;
            continue;
        }
        // "four months ago"
        if i + 2 < tokens.len() && lex.ago.contains(&tokens[i + 2].lower) {
            if let (Some(n), Some(unit)) = (amount(tokens, i, &en), DateUnit::parse(&tokens[i + 1].lower)) {
                out.push(DateMention {
                    value: DateValue::Relative { amount: -n, unit },
                    first: i,
                    last: i + 2,
                });
                i += 3;
                continue;
            }
        }
        // "February 7th[, 2018]", "7 February [2018]", "September [2017]"
        if let Some(m) = month(&tokens[i]) {
            let mut d = tokens.get(i + 1).and_then(day);
            let mut last = if d.is_some() { i + 1 } else { i };
            let mut y = None;
            let mut k = last + 1;
            if tokens.get(k).is_some_and(|t| t.text == ",") {
                k += 1;
            }
            if let Some(yy) = tokens.get(k).and_then(year) {
                y = Some(yy);
                last = k;
            }
            if d.is_none() && i > 0 {
                if let Some(dd) = day(&tokens[i - 1]) {
                    d = Some(dd);
                }
            }
            let first = if d.is_some() && i > 0 && day(&tokens[i - 1]).is_some() { i - 1 } else { i };
            let y = y.or_else(|| anchor.map(|a| year_before(a, m, d)));
            if let Some(y) = y {
                if let Ok(date) = PartialDate::new(y, Some(m as u32), d.map(u32::from)) {
                    out.push(DateMention { value: DateValue::Absolute(date), first, last });
                }
            }
            i = last + 1;
            continue;
        }
        // "in 2014"
        if i > 0 && matches!(tokens[i - 1].lower.as_str(), "in" | "since" | "of" | "until") {
            if let Some(y) = year(&tokens[i]) {
                if let Ok(date) = PartialDate::new(y, None, None) {
                    out.push(DateMention { value: DateValue::Absolute(date), first: i, last: i });
                }
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::text::Article;

    /// Each line of `tests/draft/dates.txt`: a phrase, `=>`, the dates found, anchored to
    /// 2018-02.
    #[test]
    fn dates_table() {
        let table = include_str!("../../tests/draft/dates.txt");
        let lex = Lexicon::bundled();
        let anchor = PartialDate::new(2018, Some(2), None).unwrap();
        let mut failures = Vec::new();
        for line in table.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
            let (phrase, expected) = line.split_once("=>").expect("phrase => dates");
            let article = Article::new(phrase.trim());
            let found: Vec<String> = dates(&article.sentences[0].tokens, Some(&anchor), &lex)
                .iter()
                .map(|d| d.value.to_string())
                .collect();
            let expected: Vec<String> = expected.split_whitespace().map(str::to_string).collect();
            if found != expected {
                failures.push(format!("{}: expected {expected:?}, found {found:?}", phrase.trim()));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
