//! Reading CoNLL-U (the Universal Dependencies file format) into sentences of syntactic words.
//!
//! Only what training and evaluation need is kept: form, lemma, UPOS, head and relation of
//! each syntactic word. Multiword-token range lines (`3-4`) and empty nodes (`5.1`) are
//! skipped, so the words are the ones the parser sees with gold tokenization.

use super::{SyntaxError, Upos};

/// One syntactic word of a treebank sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoldWord {
    pub form: String,
    pub lemma: String,
    pub upos: Upos,
    /// Head position (0-based), `None` for the root.
    pub head: Option<usize>,
    /// Full relation, subtypes included (`nsubj:pass`).
    pub deprel: String,
}

/// A treebank sentence.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GoldSentence {
    pub words: Vec<GoldWord>,
}

impl GoldSentence {
    /// The forms, as `parse_words` takes them.
    pub fn forms(&self) -> Vec<&str> {
        self.words.iter().map(|w| w.form.as_str()).collect()
    }
}

/// Parses a CoNLL-U document. Sentences whose heads point outside the sentence are
/// reported as errors rather than silently kept.
pub fn parse(text: &str) -> Result<Vec<GoldSentence>, SyntaxError> {
    let mut out = Vec::new();
    let mut cur = GoldSentence::default();
    for (lineno, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            if !cur.words.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() != 10 {
            return Err(SyntaxError::Training(format!(
                "CoNLL-U line {}: {} columns",
                lineno + 1,
                cols.len()
            )));
        }
        if cols[0].contains('-') || cols[0].contains('.') {
            continue;
        }
        let upos: Upos = cols[3].parse().unwrap_or(Upos::X);
        let head: usize = cols[6].parse().map_err(|_| {
            SyntaxError::Training(format!(
                "CoNLL-U line {}: bad head {:?}",
                lineno + 1,
                cols[6]
            ))
        })?;
        cur.words.push(GoldWord {
            form: cols[1].to_string(),
            lemma: cols[2].to_string(),
            upos,
            head: head.checked_sub(1),
            deprel: cols[7].to_string(),
        });
    }
    if !cur.words.is_empty() {
        out.push(cur);
    }
    for (k, s) in out.iter().enumerate() {
        if s.words
            .iter()
            .any(|w| w.head.is_some_and(|h| h >= s.words.len()))
        {
            return Err(SyntaxError::Training(format!(
                "sentence {}: head out of range",
                k + 1
            )));
        }
    }
    Ok(out)
}
