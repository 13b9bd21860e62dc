//! How good a draft is, measured against a hand encoding of the same article (a "gold"
//! file): attribution recall and precision over (source, sentence) pairs, with each quote
//! placed in the article's sentences and sources matched by name; status accuracy and
//! relay chains on the matched pairs; figures (value, and value with its hedge) and dates
//! per sentence.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;

use super::text::Article;
use crate::load::normalise_for_quotes;
use crate::model::{Attestation, DenialTarget, EntityIx, Graph, SourceRef, Status, Uncertain, Value};

/// Matched and total counts on both sides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub gold: usize,
    pub draft: usize,
    pub matched_gold: usize,
    pub matched_draft: usize,
}

impl Counts {
    pub fn recall(&self) -> f64 {
        ratio(self.matched_gold, self.gold)
    }
    pub fn precision(&self) -> f64 {
        ratio(self.matched_draft, self.draft)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// Right out of how many.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Accuracy {
    pub correct: usize,
    pub total: usize,
}

impl Accuracy {
    pub fn value(&self) -> f64 {
        ratio(self.correct, self.total)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Scores {
    pub attribution: Counts,
    pub status: Accuracy,
    pub chains: Accuracy,
    pub figure_values: Counts,
    pub figure_hedges: Counts,
    pub figure_properties: Accuracy,
    pub dates: Counts,
    /// Gold (source, sentence) pairs the draft missed, and draft pairs gold does not have.
    pub missed: Vec<String>,
    pub extra: Vec<String>,
    pub wrong_status: Vec<String>,
}

/// One attestation placed in the article.
#[derive(Debug, Clone)]
struct Placed {
    names: Vec<String>,
    is_document: bool,
    label: String,
    via: Vec<Vec<String>>,
    status: Status,
    sentences: Vec<usize>,
    figures: Vec<(String, Value)>,
    dates: Vec<String>,
}

/// Scores `draft` against `gold`, both loaded graphs quoting `article`.
pub fn score(article: &str, gold: &Graph, draft: &Graph) -> Scores {
    let article = Article::new(article);
    let sentences: Vec<String> =
        article.sentences.iter().map(|s| normalise_for_quotes(article.slice(s.start, s.end))).collect();
    let gold = placed(gold, &article, &sentences);
    let draft = placed(draft, &article, &sentences);
    let mut scores = Scores::default();
    fn pairs(atts: &[Placed]) -> BTreeMap<(usize, String), Vec<&Placed>> {
        let mut out: BTreeMap<(usize, String), Vec<&Placed>> = BTreeMap::new();
        for a in atts {
            for s in &a.sentences {
                out.entry((*s, a.label.clone())).or_default().push(a);
            }
        }
        out
    }

    // (source, sentence) pairs, one per source per sentence.
    let gold_pairs = pairs(&gold);
    let draft_pairs = pairs(&draft);
    scores.attribution.gold = gold_pairs.len();
    scores.attribution.draft = draft_pairs.len();
    let same = |a: &Placed, b: &Placed| {
        (a.is_document && b.is_document) || (!a.is_document && !b.is_document && similar(&a.names, &b.names))
    };
    let excerpt = |s: usize| {
        let t = &sentences[s];
        let cut: String = t.chars().take(60).collect();
        if cut.len() < t.len() {
            format!("{cut}…")
        } else {
            cut
        }
    };
    for ((s, label), g) in &gold_pairs {
        let matches: Vec<&Placed> = draft_pairs
            .iter()
            .filter(|((ds, _), _)| ds == s)
            .flat_map(|(_, d)| d.iter().copied())
            .filter(|d| same(g[0], d))
            .collect();
        if matches.is_empty() {
            scores.missed.push(format!(
                "para {}: {label} ({}): {}",
                article.sentences[*s].para,
                g[0].status.as_str(),
                excerpt(*s)
            ));
            continue;
        }
        scores.attribution.matched_gold += 1;
        let gold_statuses: HashSet<Status> = g.iter().map(|a| a.status).collect();
        scores.status.total += 1;
        if matches.iter().any(|d| gold_statuses.contains(&d.status)) {
            scores.status.correct += 1;
        } else {
            scores.wrong_status.push(format!(
                "para {}: {label}: gold {}, draft {}: {}",
                article.sentences[*s].para,
                g[0].status.as_str(),
                matches[0].status.as_str(),
                excerpt(*s)
            ));
        }
        let gold_chained = g.iter().any(|a| !a.via.is_empty());
        let draft_chained = matches.iter().any(|d| !d.via.is_empty());
        if gold_chained || draft_chained {
            scores.chains.total += 1;
            let chain_ok = g.iter().any(|a| {
                matches.iter().any(|d| {
                    d.via.len() == a.via.len() && d.via.iter().zip(&a.via).all(|(x, y)| similar(x, y))
                })
            });
            if chain_ok {
                scores.chains.correct += 1;
            }
        }
    }
    for ((s, label), d) in &draft_pairs {
        let found =
            gold_pairs.iter().filter(|((gs, _), _)| gs == s).any(|(_, g)| g.iter().any(|g| same(g, d[0])));
        if found {
            scores.attribution.matched_draft += 1;
        } else {
            scores.extra.push(format!("para {}: {label}: {}", article.sentences[*s].para, excerpt(*s)));
        }
    }

    // Figures and dates per sentence.
    let figures = |atts: &[Placed]| {
        let mut out: BTreeSet<(usize, String, String)> = BTreeSet::new();
        for a in atts {
            for s in &a.sentences {
                for (k, v) in &a.figures {
                    out.insert((*s, k.clone(), v.to_string()));
                }
            }
        }
        out
    };
    let (gf, df) = (figures(&gold), figures(&draft));
    let number = |v: &str| crate::syntax::decl::parse_value(v).ok().and_then(|v| numbers(&v));
    let hedge = |v: &str| crate::syntax::decl::parse_value(v).ok().map(|v| hedge_kind(&v));
    for counts in [&mut scores.figure_values, &mut scores.figure_hedges] {
        counts.gold = gf.len();
        counts.draft = df.len();
    }
    let value_match =
        |a: &(usize, String, String), b: &(usize, String, String)| a.0 == b.0 && number(&a.2) == number(&b.2);
    let hedge_match = |a: &(usize, String, String), b: &(usize, String, String)| {
        value_match(a, b) && hedge(&a.2) == hedge(&b.2)
    };
    scores.figure_values.matched_gold = gf.iter().filter(|g| df.iter().any(|d| value_match(g, d))).count();
    scores.figure_values.matched_draft = df.iter().filter(|d| gf.iter().any(|g| value_match(g, d))).count();
    scores.figure_hedges.matched_gold = gf.iter().filter(|g| df.iter().any(|d| hedge_match(g, d))).count();
    scores.figure_hedges.matched_draft = df.iter().filter(|d| gf.iter().any(|g| hedge_match(g, d))).count();
    for g in &gf {
        if let Some(d) = df.iter().find(|d| hedge_match(g, d)) {
            scores.figure_properties.total += 1;
            if d.1 == g.1 {
                scores.figure_properties.correct += 1;
            }
        } else {
            scores.missed.push(format!("para {}: figure {} {}", article.sentences[g.0].para, g.1, g.2));
        }
    }
    let dates = |atts: &[Placed]| {
        let mut out: BTreeSet<(usize, String)> = BTreeSet::new();
        for a in atts {
            for s in &a.sentences {
                for d in &a.dates {
                    out.insert((*s, d.clone()));
                }
            }
        }
        out
    };
    let (gd, dd) = (dates(&gold), dates(&draft));
    scores.dates = Counts {
        gold: gd.len(),
        draft: dd.len(),
        matched_gold: gd.iter().filter(|g| dd.contains(g)).count(),
        matched_draft: dd.iter().filter(|d| gd.contains(d)).count(),
    };
    for g in gd.difference(&dd) {
        scores.missed.push(format!("para {}: date {}", article.sentences[g.0].para, g.1));
    }
    scores
}

/// The numbers a figure stands on (`~100` -> [100], `65..200` -> [65, 200]).
fn numbers(v: &Value) -> Option<Vec<i64>> {
    let n = |x: crate::model::Number| x.as_f64().round() as i64;
    match v {
        Value::Int(i) => Some(vec![*i]),
        Value::Float(f) => Some(vec![f.round() as i64]),
        Value::Uncertain(Uncertain::Approx(x)) => Some(vec![n(*x)]),
        Value::Uncertain(Uncertain::Below { bound, .. } | Uncertain::Above { bound, .. }) => {
            Some(vec![n(*bound)])
        }
        Value::Uncertain(Uncertain::Between(a, b)) => Some(vec![n(*a), n(*b)]),
        _ => None,
    }
}

fn hedge_kind(v: &Value) -> String {
    match v {
        Value::Uncertain(Uncertain::Approx(_)) => "~".into(),
        Value::Uncertain(Uncertain::Below { inclusive, .. }) => if *inclusive { "<=" } else { "<" }.into(),
        Value::Uncertain(Uncertain::Above { inclusive, .. }) => if *inclusive { ">=" } else { ">" }.into(),
        Value::Uncertain(Uncertain::Between(..)) => "..".into(),
        _ => "=".into(),
    }
}

/// Name words for matching sources: lowercase, without small words, singular.
fn name_words(name: &str) -> BTreeSet<String> {
    const SMALL: &[&str] =
        &["the", "a", "an", "of", "on", "out", "in", "by", "to", "from", "and", "for", "quoted"];
    name.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| !w.is_empty() && !SMALL.contains(&w.as_str()))
        .map(|w| {
            if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") {
                w[..w.len() - 1].to_string()
            } else {
                w
            }
        })
        .collect()
}

/// Two sources are the same when some name of one shares most of its words with some
/// name of the other.
fn similar(a: &[String], b: &[String]) -> bool {
    a.iter().any(|x| {
        let xw = name_words(x);
        b.iter().any(|y| {
            let yw = name_words(y);
            let common = xw.intersection(&yw).count();
            let smaller = xw.len().min(yw.len());
            smaller > 0 && common * 3 >= smaller * 2
        })
    })
}

fn names(graph: &Graph, ix: EntityIx) -> Vec<String> {
    let mut out = vec![graph.display_name(ix).to_string()];
    if let Some(Value::List(items)) = graph.sym("aliases").and_then(|k| graph.entity_prop(ix, k)) {
        out.extend(items.iter().filter_map(Value::as_str).map(str::to_string));
    }
    out
}

fn placed(graph: &Graph, article: &Article, sentences: &[String]) -> Vec<Placed> {
    let doc_label = graph.sym(crate::load::DOCUMENT_LABEL);
    let place = |a: &Attestation, props: &[(String, Value)], denial: bool| -> Option<Placed> {
        let SourceRef::Entity(src) = a.source else { return None };
        let quote = a.quote.as_deref()?;
        let sentences = locate(article, sentences, quote, a.position.as_deref());
        let is_document = doc_label.is_some_and(|l| graph.has_label(src, l));
        Some(Placed {
            names: names(graph, src),
            is_document,
            label: if is_document { "the article".to_string() } else { graph.display_name(src).to_string() },
            via: a.via.iter().map(|v| names(graph, *v)).collect(),
            status: if denial { Status::Denied } else { a.status },
            sentences,
            figures: props
                .iter()
                .filter(|(_, v)| matches!(v, Value::Int(_) | Value::Float(_) | Value::Uncertain(_)))
                .cloned()
                .collect(),
            dates: props
                .iter()
                .filter(|(_, v)| matches!(v, Value::Date(_)))
                .map(|(_, v)| v.to_string())
                .collect(),
        })
    };
    let mut out = Vec::new();
    for c in graph.stated_claims() {
        let Some(claim) = graph.claim(c) else { continue };
        let props: Vec<(String, Value)> =
            claim.props.iter().map(|(k, v)| (graph.str(*k).to_string(), v.clone())).collect();
        out.extend(claim.attestations.iter().filter_map(|a| place(a, &props, false)));
    }
    for d in graph.denials() {
        let props: Vec<(String, Value)> = match &d.target {
            DenialTarget::Class { conditions, .. } => {
                conditions.iter().map(|(k, v)| (graph.str(*k).to_string(), v.clone())).collect()
            }
            DenialTarget::Claim(_) => Vec::new(),
        };
        out.extend(d.attestations.iter().filter_map(|a| place(a, &props, true)));
    }
    out
}

/// The sentences a quote comes from: within its paragraph (`para N`) or characters
/// (`chars A-B`) when the position says, else anywhere.
fn locate(article: &Article, sentences: &[String], quote: &str, position: Option<&str>) -> Vec<usize> {
    let q = normalise_for_quotes(quote);
    let position = position.unwrap_or("");
    let para: Option<usize> = position
        .split("para ")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok());
    let chars: Option<(usize, usize)> = position.split("chars ").nth(1).and_then(|r| {
        let (a, b) = r.split_once('-')?;
        Some((a.trim().parse().ok()?, b.trim().split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()?))
    });
    let candidates: Vec<usize> = (0..sentences.len())
        .filter(|&i| {
            let s = &article.sentences[i];
            para.is_none_or(|p| s.para == p)
                && chars.is_none_or(|(a, b)| {
                    let (sa, sb) = (article.char_offset(s.start), article.char_offset(s.end));
                    sa < b && a < sb
                })
        })
        .collect();
    for pool in [candidates, (0..sentences.len()).collect()] {
        if let Some(i) = pool.iter().copied().find(|&i| sentences[i].contains(&q)) {
            return vec![i];
        }
        // A quote across sentences: every sentence holding a part of it.
        let parts: Vec<usize> = pool
            .iter()
            .copied()
            .filter(|&i| {
                let s = &sentences[i];
                q.contains(s.as_str())
                    || (s.len() > 10
                        && (q.starts_with(&s[s.len().saturating_sub(20)..])
                            || q.ends_with(&s[..20.min(s.len())])))
            })
            .collect();
        if !parts.is_empty() {
            return parts;
        }
    }
    Vec::new()
}

impl Scores {
    /// The scores as a table, one field a line.
    pub fn table(&self) -> String {
        let mut t = String::new();
        let pr = |t: &mut String, name: &str, c: &Counts| {
            let _ = writeln!(
                t,
                "{name:<22} recall {:>5.1}% ({}/{})   precision {:>5.1}% ({}/{})",
                100.0 * c.recall(),
                c.matched_gold,
                c.gold,
                100.0 * c.precision(),
                c.matched_draft,
                c.draft
            );
        };
        let acc = |t: &mut String, name: &str, a: &Accuracy| {
            let _ =
                writeln!(t, "{name:<22} accuracy {:>5.1}% ({}/{})", 100.0 * a.value(), a.correct, a.total);
        };
        pr(&mut t, "attribution", &self.attribution);
        acc(&mut t, "status", &self.status);
        acc(&mut t, "relay chains", &self.chains);
        pr(&mut t, "figures: value", &self.figure_values);
        pr(&mut t, "figures: value+hedge", &self.figure_hedges);
        acc(&mut t, "figures: property", &self.figure_properties);
        pr(&mut t, "dates", &self.dates);
        t
    }

    /// The measured fields by name, as floors are written (`attribution_recall`).
    pub fn fields(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("attribution_recall", self.attribution.recall()),
            ("attribution_precision", self.attribution.precision()),
            ("status_accuracy", self.status.value()),
            ("chain_accuracy", self.chains.value()),
            ("figure_value_recall", self.figure_values.recall()),
            ("figure_value_precision", self.figure_values.precision()),
            ("figure_hedge_recall", self.figure_hedges.recall()),
            ("figure_hedge_precision", self.figure_hedges.precision()),
            ("figure_property_accuracy", self.figure_properties.value()),
            ("date_recall", self.dates.recall()),
            ("date_precision", self.dates.precision()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_match_by_most_words() {
        let s = |x: &str| vec![x.to_string()];
        assert!(similar(&s("five independent sources"), &s("five independent sources quoted by Reuters")));
        assert!(similar(&s("local media"), &s("local media (Deir ez-Zor area)")));
        assert!(!similar(&s("Russian media"), &s("Moscow state media")));
        assert!(!similar(&s("Reuters"), &s("Russian media")));
    }
}
