//! The cue lexicons: which words signal a source, a relay, a hedge, a denial, a figure, a
//! date or a kind of entity. They are data (`data/draft/*.cues`, compiled in), so users
//! extend them with files of their own (`--lexicon FILE`) without touching the code.
//!
//! A file holds one entry a line, `KIND | PHRASE | ARGUMENTS...`; `#` starts a comment.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::model::{DateUnit, DateValue, Number, Status, Uncertain};

use super::error::{DraftError, DraftErrorKind};
use crate::syntax::Span;

/// The bundled lexicon files, as (name, text).
pub(crate) const BUNDLED: &[(&str, &str)] = &[
    ("data/draft/attribution.cues", include_str!("../../data/draft/attribution.cues")),
    ("data/draft/figures.cues", include_str!("../../data/draft/figures.cues")),
    ("data/draft/entities.cues", include_str!("../../data/draft/entities.cues")),
    ("data/draft/dates.cues", include_str!("../../data/draft/dates.cues")),
];

/// Which end of a figure claim a role stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Event,
    Counted,
    Place,
}

/// A figure cue: the relationship and property a number in its sentence becomes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FigureCue {
    pub rel_type: String,
    pub property: String,
    pub subject: Role,
    pub object: Role,
}

/// A bound written before a number: `<`, `<=`, `>`, `>=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bound {
    Below { inclusive: bool },
    Above { inclusive: bool },
}

/// Phrases are stored as lowercase word sequences.
pub(crate) type Phrase = Vec<String>;

#[derive(Debug, Default, Clone)]
pub struct Lexicon {
    pub(crate) speech: Vec<(Phrase, Status)>,
    pub(crate) according: Vec<Phrase>,
    pub(crate) relay: Vec<Phrase>,
    pub(crate) hedge: Vec<(Phrase, Status)>,
    pub(crate) deny: Vec<Phrase>,
    pub(crate) source_heads: HashMap<String, Vec<String>>,
    pub(crate) anonymous: HashSet<String>,
    pub(crate) skip: HashSet<String>,
    /// `true`: refers back to the last person; `false`: to the last source.
    pub(crate) pronouns: HashMap<String, bool>,
    pub(crate) figures: Vec<(Phrase, FigureCue)>,
    pub(crate) approx: Vec<Phrase>,
    pub(crate) bounds: Vec<(Phrase, Bound)>,
    pub(crate) vague: Vec<(Phrase, Uncertain)>,
    /// Exact vague words (`a dozen` = 12).
    pub(crate) vague_exact: Vec<(Phrase, Number)>,
    pub(crate) units: Vec<Phrase>,
    pub(crate) labels: HashMap<String, Vec<String>>,
    pub(crate) titles: HashSet<String>,
    pub(crate) place_prepositions: HashSet<String>,
    pub(crate) events: HashSet<String>,
    pub(crate) groups: Vec<Phrase>,
    pub(crate) demonyms: BTreeMap<String, String>,
    pub(crate) stop: HashSet<String>,
    pub(crate) relative_dates: Vec<(Phrase, DateValue)>,
    pub(crate) ago: HashSet<String>,
}

impl Lexicon {
    /// The bundled lexicon.
    pub fn bundled() -> Lexicon {
        let mut lex = Lexicon::default();
        for (name, text) in BUNDLED {
            // The bundled files are tested to parse (tests in this module).
            if let Err(e) = lex.add_file(name, text) {
                debug_assert!(false, "bundled lexicon {name}: {e}");
            }
        }
        lex
    }

    /// Adds the entries of one file. Later entries for the same phrase come first when
    /// phrases are matched, so a user's file overrides the bundled one.
    pub fn add_file(&mut self, _name: &str, text: &str) -> Result<(), DraftError> {
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            let content = line.split('#').next().unwrap_or("").trim_end();
            // `#` inside a phrase is not supported; `%` is.
            if content.trim().is_empty() {
                continue;
            }
            let fields = split_fields(content, start);
            self.add_entry(&fields, start, content.len())?;
        }
        // Longer phrases first: "killed or wounded" before "killed".
        let by_len = |a: &Phrase, b: &Phrase| b.len().cmp(&a.len());
        self.speech.sort_by(|a, b| by_len(&a.0, &b.0));
        self.hedge.sort_by(|a, b| by_len(&a.0, &b.0));
        self.figures.sort_by(|a, b| by_len(&a.0, &b.0));
        self.approx.sort_by(by_len);
        self.bounds.sort_by(|a, b| by_len(&a.0, &b.0));
        self.vague.sort_by(|a, b| by_len(&a.0, &b.0));
        self.vague_exact.sort_by(|a, b| by_len(&a.0, &b.0));
        self.groups.sort_by(by_len);
        self.relative_dates.sort_by(|a, b| by_len(&a.0, &b.0));
        Ok(())
    }

    fn add_entry(
        &mut self,
        fields: &[(String, Span)],
        line_start: usize,
        line_len: usize,
    ) -> Result<(), DraftError> {
        let line_span = Span::new(line_start, line_start + line_len);
        let (kind, kind_span) = &fields[0];
        let arg = |i: usize, what: &str| -> Result<&(String, Span), DraftError> {
            fields.get(i).filter(|(t, _)| !t.is_empty()).ok_or_else(|| {
                DraftError::new(DraftErrorKind::Lexicon, line_span, format!("`{kind}` needs {what}"))
                    .with_help(format!("write `{kind} | ...` with the fields this kind takes"))
            })
        };
        let phrase = |i: usize| -> Result<Phrase, DraftError> { Ok(words(&arg(i, "a phrase")?.0)) };
        let status = |i: usize| -> Result<Status, DraftError> {
            let (t, s) = arg(i, "a status")?;
            Status::parse(t).ok_or_else(|| {
                DraftError::new(DraftErrorKind::Lexicon, *s, format!("unknown status '{t}'"))
                    .with_help("use asserted, reported, unconfirmed, alleged, believed or denied")
            })
        };
        let labels = |i: usize| -> Result<Vec<String>, DraftError> {
            let (t, s) = arg(i, "labels")?;
            let ls: Vec<String> = t.split(':').map(|l| l.trim().to_string()).collect();
            if ls.iter().any(|l| !is_identifier(l)) {
                return Err(DraftError::new(
                    DraftErrorKind::Lexicon,
                    *s,
                    format!("'{t}' is not a list of labels"),
                )
                .with_help("labels are identifiers joined by `:`, as in Location:Village"));
            }
            Ok(ls)
        };
        let word = |i: usize| -> Result<String, DraftError> { Ok(arg(i, "a word")?.0.to_lowercase()) };
        match kind.as_str() {
            "speech" => self.speech.push((phrase(1)?, status(2)?)),
            "according" => self.according.push(phrase(1)?),
            "relay" => self.relay.push(phrase(1)?),
            "hedge" => self.hedge.push((phrase(1)?, status(2)?)),
            "deny" => self.deny.push(phrase(1)?),
            "source" => {
                let head = word(1)?;
                self.source_heads.insert(head, labels(2)?);
            }
            "anonymous" => {
                self.anonymous.insert(word(1)?);
            }
            "skip" => {
                self.skip.insert(word(1)?);
            }
            "pronoun" => {
                let w = word(1)?;
                let (who, s) = arg(2, "`person` or `source`")?;
                let person = match who.as_str() {
                    "person" => true,
                    "source" => false,
                    _ => {
                        return Err(DraftError::new(DraftErrorKind::Lexicon, *s, "expected `person` or `source`"))
                    }
                };
                self.pronouns.insert(w, person);
            }
            "figure" => {
                let cue = phrase(1)?;
                let (rel_type, s) = arg(2, "a relationship type")?;
                if !is_identifier(rel_type) {
                    return Err(DraftError::new(
                        DraftErrorKind::Lexicon,
                        *s,
                        format!("'{rel_type}' is not a relationship type"),
                    ));
                }
                let (property, s) = arg(3, "a property")?;
                if !is_identifier(property) {
                    return Err(DraftError::new(DraftErrorKind::Lexicon, *s, format!("'{property}' is not a property key")));
                }
                let role = |i: usize| -> Result<Role, DraftError> {
                    let (t, s) = arg(i, "an end: event, counted or place")?;
                    match t.as_str() {
                        "event" => Ok(Role::Event),
                        "counted" => Ok(Role::Counted),
                        "place" => Ok(Role::Place),
                        _ => Err(DraftError::new(DraftErrorKind::Lexicon, *s, format!("unknown end '{t}'"))
                            .with_help("use event, counted or place")),
                    }
                };
                let cue_def = FigureCue {
                    rel_type: rel_type.clone(),
                    property: property.clone(),
                    subject: role(4)?,
                    object: role(5)?,
                };
                self.figures.push((cue, cue_def));
            }
            "approx" => self.approx.push(phrase(1)?),
            "below" | "above" => {
                let p = phrase(1)?;
                let (op, s) = arg(2, "a bound: <, <=, > or >=")?;
                let bound = match (kind.as_str(), op.as_str()) {
                    ("below", "<") => Bound::Below { inclusive: false },
                    ("below", "<=") => Bound::Below { inclusive: true },
                    ("above", ">") => Bound::Above { inclusive: false },
                    ("above", ">=") => Bound::Above { inclusive: true },
                    _ => {
                        return Err(DraftError::new(DraftErrorKind::Lexicon, *s, format!("'{op}' is not a {kind} bound"))
                            .with_help("below takes < or <=, above takes > or >="))
                    }
                };
                self.bounds.push((p, bound));
            }
            "vague" => {
                let p = phrase(1)?;
                let (v, s) = arg(2, "a value such as 12 or >=100")?;
                match crate::syntax::decl::parse_value(v) {
                    Ok(crate::model::Value::Uncertain(u)) => self.vague.push((p, u)),
                    Ok(crate::model::Value::Int(i)) => self.vague_exact.push((p, Number::Int(i))),
                    _ => {
                        return Err(DraftError::new(DraftErrorKind::Lexicon, *s, format!("'{v}' is not a number or an uncertain number"))
                            .with_help("write 12, ~12, >=100, <5 or 10..20"))
                    }
                }
            }
            "unit" => self.units.push(phrase(1)?),
            "label" => {
                let head = word(1)?;
                self.labels.insert(head, labels(2)?);
            }
            "title" => {
                self.titles.insert(word(1)?);
            }
            "place" => {
                self.place_prepositions.insert(word(1)?);
            }
            "event" => {
                self.events.insert(word(1)?);
            }
            "group" => self.groups.push(phrase(1)?),
            "demonym" => {
                let (w, _) = arg(1, "an adjective")?;
                let (country, _) = arg(2, "a country")?;
                self.demonyms.insert(w.to_lowercase(), country.clone());
            }
            "stop" => {
                self.stop.insert(word(1)?);
            }
            "relative" => {
                let p = phrase(1)?;
                let (v, s) = arg(2, "a relative date such as -1week")?;
                let date = parse_relative(v).ok_or_else(|| {
                    DraftError::new(DraftErrorKind::Lexicon, *s, format!("'{v}' is not a relative date"))
                        .with_help("write -1week, -2days, -3months or -1year")
                })?;
                self.relative_dates.push((p, date));
            }
            "ago" => {
                self.ago.insert(word(1)?);
            }
            _ => {
                return Err(DraftError::new(DraftErrorKind::Lexicon, *kind_span, format!("unknown kind of cue '{kind}'"))
                    .with_help(
                        "kinds: speech, according, relay, hedge, deny, source, anonymous, skip, pronoun, figure, approx, \
                         below, above, vague, unit, label, title, place, event, group, demonym, stop, relative, ago",
                    ))
            }
        }
        Ok(())
    }
}

/// Splits a line at `|`, keeping each trimmed field's span in the file.
fn split_fields(line: &str, line_start: usize) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    let mut pos = 0;
    for field in line.split('|') {
        let lead = field.len() - field.trim_start().len();
        let trimmed = field.trim();
        let start = line_start + pos + lead;
        out.push((trimmed.to_string(), Span::new(start, start + trimmed.len().max(1))));
        pos += field.len() + 1;
    }
    out
}

/// A phrase as lowercase words (hyphens and apostrophes stay inside words).
pub(crate) fn words(phrase: &str) -> Phrase {
    phrase.split_whitespace().map(str::to_lowercase).collect()
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `-1week`, `+2days`.
fn parse_relative(v: &str) -> Option<DateValue> {
    let v = v.trim().trim_start_matches('@');
    let (sign, rest) = match v.as_bytes().first()? {
        b'-' => (-1, &v[1..]),
        b'+' => (1, &v[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let amount: i64 = digits.parse().ok()?;
    let unit = DateUnit::parse(&rest[digits.len()..])?;
    Some(DateValue::Relative { amount: sign * amount, unit })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_files_parse() {
        let mut lex = Lexicon::default();
        for (name, text) in BUNDLED {
            lex.add_file(name, text).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        assert!(lex.speech.iter().any(|(p, s)| p == &["said"] && *s == Status::Asserted));
        assert!(!lex.figures.is_empty() && !lex.relative_dates.is_empty());
    }

    #[test]
    fn errors_point_at_the_field() {
        let mut lex = Lexicon::default();
        let text = "speech | said | asserted\nhedge | reportedly | rumoured\n";
        let e = lex.add_file("x.cues", text).unwrap_err();
        assert_eq!(&text[e.span.start..e.span.end], "rumoured");
        let e = lex.add_file("x.cues", "nonsense | x\n").unwrap_err();
        assert_eq!(e.span.start, 0);
        assert!(e.message.contains("unknown kind"));
    }
}
