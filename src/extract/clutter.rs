//! Page clutter in an article's text: "READ ALSO" / "LIRE AUSSI" lines and the headlines
//! under them, timestamp lines ("Published 2 hours ago", "il y a 3 heures"), and the block of
//! teaser headlines that ends many pages.
//!
//! Extraction keeps these lines (HTML extractors leave some, plain-text copies carry them),
//! so that every offset into the text stays what the reader sees; this pass only says where
//! they are, and the tagger finds no mention and no cue there, so no claim comes from them.
//! The cue words are the lexicon's `clutter_labels` and `timestamp_words`.
//!
//! The shapes, line by line:
//! - a **label line**: a clutter label alone ("READ ALSO", "À lire aussi :"), or opening the
//!   line before a colon, a bar or a guillemet ("LIRE AUSSI : Mali, le blocus…");
//! - the **headlines after a label alone**: up to `MAX_TEASERS` (12) lines in a row that read
//!   like headlines (a few words, no closing period); after an inline label ("READ MORE: …")
//!   the article goes on, its subheadings included;
//! - a **timestamp line**: short, a digit, a timestamp word, no closing period;
//! - the **closing teasers**: three or more headline-like lines in Title Case ending the text
//!   (no questions, no "label: value" or dated list entries, no prices: those are content).
//!
//! A headline-like line with a closing period is prose, and ends a block: short real
//! paragraphs are kept.

use crate::model::Span;
use crate::patterns::Lexicon;
use crate::tag::normalize::fold;

/// Most headline lines taken after one label.
const MAX_TEASERS: usize = 12;

/// Longest headline, in words.
const MAX_HEADLINE_WORDS: usize = 20;

/// Fewest Title Case headlines that make the end of a text a block of teasers.
const MIN_CLOSING_TEASERS: usize = 3;

/// Longest timestamp line, in words.
const MAX_TIMESTAMP_WORDS: usize = 10;

/// One line of the text, trimmed, with its span.
#[derive(Debug, Clone, Copy)]
struct Line<'t> {
    span: Span,
    text: &'t str,
}

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut at = 0;
    for raw in text.split_inclusive('\n') {
        let body = raw.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim();
        if !trimmed.is_empty() {
            let lead = body.len() - body.trim_start().len();
            let start = at + lead;
            out.push(Line {
                span: Span::new(start, start + trimmed.len()),
                text: trimmed,
            });
        }
        at += raw.len();
    }
    out
}

/// What a label line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    /// "READ ALSO", "À lire aussi :": the headlines that follow are links.
    Alone,
    /// "READ MORE: Mali junta extends fuel ban": one link; what follows is the article again.
    Inline,
}

/// Whether a line announces other stories: a label alone, or a label then ":", "|", "»".
fn label(line: &str, labels: &[String]) -> Option<Label> {
    let head = line
        .split([':', '|', '»', '›', '>'])
        .next()
        .unwrap_or_default();
    let folded = fold(head.trim_end_matches(['.', '…', ' ']));
    if folded.is_empty() || !labels.contains(&folded) {
        return None;
    }
    // "Watch" alone, or "Watch: …", not "Watch the video as officials…".
    let rest = line[head.len()..].trim_start_matches([':', '|', '»', '›', '>', ' ']);
    if head.len() == line.len() || rest.is_empty() {
        Some(Label::Alone)
    } else {
        line[head.len()..]
            .starts_with([':', '|', '»', '›', '>'])
            .then_some(Label::Inline)
    }
}

fn ends_as_prose(line: &str) -> bool {
    line.trim_end_matches(['"', '”', '»', '’', '\'', ')', ' '])
        .ends_with(['.', '!', ';', ','])
}

/// A few words and no closing period: a title, a teaser.
fn is_headline(line: &str) -> bool {
    let words = line.split_whitespace().count();
    (1..=MAX_HEADLINE_WORDS).contains(&words) && !ends_as_prose(line) && !line.ends_with(':')
}

/// Most words of four letters or more capitalized: "Mali Junta Extends Fuel Ban".
fn is_title_case(line: &str) -> bool {
    let long: Vec<&str> = line
        .split_whitespace()
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 4)
        .collect();
    let caps = long
        .iter()
        .filter(|w| {
            w.chars()
                .find(|c| c.is_alphabetic())
                .is_some_and(char::is_uppercase)
        })
        .count();
    long.len() >= 2 && caps * 4 >= long.len() * 3
}

/// A closing teaser: a Title Case headline that is not a question (an FAQ's subheading), an
/// entry of a dated or labelled list ("2023: Pat Noonan – FC Cincinnati", "PRICE: $37,510")
/// nor a price.
fn is_teaser(line: &str) -> bool {
    is_headline(line)
        && is_title_case(line)
        && !line.ends_with('?')
        && !line.contains([':', '$', '€', '£'])
        && !line.starts_with(|c: char| c.is_ascii_digit())
}

fn is_timestamp(line: &str, words: &[String]) -> bool {
    if line.split_whitespace().count() > MAX_TIMESTAMP_WORDS
        || !line.contains(|c: char| c.is_ascii_digit())
        || ends_as_prose(line)
    {
        return false;
    }
    let folded = format!(" {} ", fold(line));
    words.iter().any(|w| folded.contains(&format!(" {w} ")))
}

/// The clutter lines of `text`, in order; adjacent lines are merged into one span.
pub fn spans(text: &str, lexicon: &Lexicon) -> Vec<Span> {
    let labels = &lexicon.clutter_labels;
    let stamps = &lexicon.timestamp_words;
    if labels.is_empty() && stamps.is_empty() {
        return Vec::new();
    }
    let lines = lines(text);
    let mut clutter = vec![false; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].text;
        if let Some(kind) = label(line, labels) {
            clutter[i] = true;
            let mut taken = 0;
            while kind == Label::Alone
                && i + 1 < lines.len()
                && taken < MAX_TEASERS
                && is_headline(lines[i + 1].text)
            {
                i += 1;
                taken += 1;
                clutter[i] = true;
            }
        } else if is_timestamp(line, stamps) {
            clutter[i] = true;
        }
        i += 1;
    }
    // Closing teasers: the Title Case headlines after the last line of prose.
    let tail = lines.iter().rev().take_while(|l| is_teaser(l.text)).count();
    if tail >= MIN_CLOSING_TEASERS && tail < lines.len() {
        clutter[lines.len() - tail..].fill(true);
    }
    let mut out: Vec<Span> = Vec::new();
    for (line, _) in lines.iter().zip(&clutter).filter(|(_, c)| **c) {
        match out.last_mut() {
            Some(last) if text[last.end..line.span.start].trim().is_empty() => {
                last.end = line.span.end;
            }
            _ => out.push(line.span),
        }
    }
    out
}

#[cfg(test)]
mod tests;
