//! The words the time parser reads besides month and weekday names, from `lexicon.toml`:
//! what makes a clause planned or past, where a clause ends, and relative days and weeks.
//!
//! Several are phrases ("à partir du", "tandis que", "the day before yesterday"): they are
//! kept as folded word sequences and matched word by word, because the claim tokenizer cuts
//! text at apostrophes and hyphens ("aujourd'hui" is two tokens, "avant-hier" too).

use std::collections::HashSet;

use super::raw::RawLexicon;
use crate::tag::normalize::{fold, is_word_char};

/// Word sequences, folded and split as the claim tokenizer splits text.
#[derive(Debug, Clone, Default)]
pub struct Phrases(Vec<Vec<String>>);

/// The folded words of a phrase, cut where the tokenizer cuts ("aujourd'hui" → two words).
pub(super) fn words_of(phrase: &str) -> Vec<String> {
    fold(phrase)
        .split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

impl Phrases {
    fn extend(&mut self, raw: &[String]) {
        self.0
            .extend(raw.iter().map(|p| words_of(p)).filter(|w| !w.is_empty()));
        // Longest first, so that `longest_at` can stop at the first match.
        self.0.sort_by_key(|p| std::cmp::Reverse(p.len()));
        self.0.dedup();
    }

    /// The number of words of the longest phrase that `words` starts with (0: none).
    pub fn longest_at(&self, words: &[&str]) -> usize {
        self.0
            .iter()
            .find(|p| p.len() <= words.len() && p.iter().zip(words).all(|(a, b)| a == b))
            .map_or(0, Vec::len)
    }

    /// First words of every phrase, to mark tokens worth a closer look.
    pub(super) fn first_words(&self) -> impl Iterator<Item = &String> {
        self.0.iter().filter_map(|p| p.first())
    }
}

/// Time words of every language, merged.
#[derive(Debug, Clone, Default)]
pub struct TimeWords {
    /// "will", "prévue", "à partir du": a time in the same clause lies ahead of publication.
    pub plan_cues: Phrases,
    /// "next" Sunday, dimanche "prochain", la semaine "prochaine": strictly after publication.
    pub next_markers: HashSet<String>,
    /// "was", "ont", "avait": the clause tells of the past.
    pub past_tense: HashSet<String>,
    /// "-ed": endings of past-tense verbs (words of at least three more letters).
    pub past_tense_suffixes: Vec<String>,
    /// "said", "indiqué", "selon": the clause around one is the speaker's.
    pub speech_verbs: HashSet<String>,
    /// "that", "que": after a speech verb, the reported clause starts here.
    pub complementizers: HashSet<String>,
    /// "while", "tandis que", "after": a new clause starts here, unless a time follows at once
    /// ("after Monday" is a time, not a clause).
    pub clause_breaks: Phrases,
    /// "week", "semaine": with a next or past marker, a calendar week.
    pub weeks: HashSet<String>,
    /// "yesterday" = -1, "the day before yesterday" = -2, "demain" = 1, as word sequences,
    /// longest first.
    pub day_offsets: Vec<(Vec<String>, i64)>,
}

fn add(set: &mut HashSet<String>, words: &[String]) {
    set.extend(words.iter().map(|w| fold(w)).filter(|w| !w.is_empty()));
}

impl TimeWords {
    pub(super) fn merge(&mut self, raw: &RawLexicon) {
        self.plan_cues.extend(&raw.plan_cues);
        add(&mut self.next_markers, &raw.next_markers);
        add(&mut self.past_tense, &raw.past_tense);
        self.past_tense_suffixes
            .extend(raw.past_tense_suffixes.iter().map(|s| fold(s)));
        add(&mut self.speech_verbs, &raw.speech_verbs);
        add(&mut self.complementizers, &raw.complementizers);
        self.clause_breaks.extend(&raw.time_clause_breaks);
        add(&mut self.weeks, &raw.weeks);
        for (phrase, offset) in &raw.day_offsets {
            let words = words_of(phrase);
            if !words.is_empty() {
                self.day_offsets.push((words, *offset));
            }
        }
        self.day_offsets
            .sort_by_key(|(w, _)| std::cmp::Reverse(w.len()));
    }

    /// Whether a folded word is a past-tense form: listed, or with a listed ending.
    pub fn is_past_tense(&self, folded: &str) -> bool {
        self.past_tense.contains(folded)
            || self
                .past_tense_suffixes
                .iter()
                .any(|s| folded.len() >= s.len() + 3 && folded.ends_with(s.as_str()))
    }

    /// The day offset of the longest relative-day phrase `words` starts with, and its length.
    pub fn day_offset_at(&self, words: &[&str]) -> Option<(i64, usize)> {
        self.day_offsets
            .iter()
            .find(|(p, _)| p.len() <= words.len() && p.iter().zip(words).all(|(a, b)| a == b))
            .map(|(p, n)| (*n, p.len()))
    }
}
