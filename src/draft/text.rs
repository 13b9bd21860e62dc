//! An article as paragraphs, sentences and words (Unicode segmentation, UAX #29), with the
//! byte offsets that tie every draft back to the exact characters it came from.

use unicode_segmentation::UnicodeSegmentation;

/// A word or punctuation mark of a sentence.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub text: String,
    /// Lowercase, with curly apostrophes straightened.
    pub lower: String,
    pub is_word: bool,
    /// Whitespace between this token and the one before it.
    pub space_before: bool,
}

impl Token {
    pub fn is_capitalised(&self) -> bool {
        self.text.chars().next().is_some_and(char::is_uppercase)
    }

    pub fn is_number(&self) -> bool {
        self.text.chars().next().is_some_and(|c| c.is_ascii_digit())
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Sentence {
    /// Byte range in the article, without surrounding whitespace.
    pub start: usize,
    pub end: usize,
    /// Body paragraph number from 1 (cross-heads are not counted); 0 for a cross-head.
    pub para: usize,
    pub tokens: Vec<Token>,
}

#[derive(Debug)]
pub(crate) struct Article {
    pub text: String,
    pub sentences: Vec<Sentence>,
}

impl Article {
    pub fn new(text: &str) -> Article {
        let mut sentences = Vec::new();
        let mut para = 0;
        for (p_start, p_text) in paragraphs(text) {
            let cross_head = is_cross_head(p_text);
            if !cross_head {
                para += 1;
            }
            for (s_off, s_text) in p_text.split_sentence_bound_indices() {
                let lead = s_text.len() - s_text.trim_start().len();
                let trimmed = s_text.trim();
                if trimmed.is_empty() {
                    continue;
                }
                let start = p_start + s_off + lead;
                let end = start + trimmed.len();
                sentences.push(Sentence {
                    start,
                    end,
                    para: if cross_head { 0 } else { para },
                    tokens: tokens(text, start, end),
                });
            }
        }
        Article { text: text.to_string(), sentences }
    }

    /// The character (not byte) offset of a byte offset: what a reader counts.
    pub fn char_offset(&self, byte: usize) -> usize {
        self.text[..byte.min(self.text.len())].chars().count()
    }

    pub fn slice(&self, start: usize, end: usize) -> &str {
        &self.text[start..end]
    }
}

/// Paragraphs: runs of text separated by blank lines, with their byte offsets.
fn paragraphs(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut offset = 0;
    let mut last_end = 0;
    for line in text.split_inclusive('\n') {
        if line.trim().is_empty() {
            if let Some(s) = start.take() {
                out.push((s, &text[s..last_end]));
            }
        } else {
            if start.is_none() {
                start = Some(offset);
            }
            last_end = offset + line.len();
        }
        offset += line.len();
    }
    if let Some(s) = start {
        out.push((s, &text[s..last_end]));
    }
    out
}

/// A cross-head: a short paragraph without lowercase letters ("REVENGE ATTACK?").
fn is_cross_head(p: &str) -> bool {
    p.split_whitespace().count() <= 8
        && p.chars().any(char::is_alphabetic)
        && !p.chars().any(char::is_lowercase)
}

fn tokens(text: &str, start: usize, end: usize) -> Vec<Token> {
    let mut out = Vec::new();
    let mut space = false;
    for w in text[start..end].split_word_bounds() {
        if w.trim().is_empty() {
            space = true;
            continue;
        }
        out.push(Token {
            text: w.to_string(),
            lower: w.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'"),
            is_word: w.chars().any(char::is_alphanumeric),
            space_before: space,
        });
        space = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_sentences_and_cross_heads() {
        let text = "One sentence. Two here.\n\nHEAD LINE?\n\nThird one.\nFourth.\n";
        let a = Article::new(text);
        let got: Vec<(&str, usize)> = a.sentences.iter().map(|s| (&text[s.start..s.end], s.para)).collect();
        assert_eq!(
            got,
            vec![
                ("One sentence.", 1),
                ("Two here.", 1),
                ("HEAD LINE?", 0),
                ("Third one.", 2),
                ("Fourth.", 2)
            ]
        );
    }
}
