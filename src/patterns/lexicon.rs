//! Function words, read from `lexicon.toml`, merged across languages.
//!
//! Claims are read by general code that needs to know what a determiner, a negation or a
//! month name is; those words are language knowledge, so they live in the pattern files and
//! reach the code as folded word sets.

use std::collections::{HashMap, HashSet};

use chrono::Weekday;

use super::raw::RawLexicon;
use crate::tag::normalize::fold;

/// Folded function words of every language in `lexicon.toml`.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    pub determiners: HashSet<String>,
    pub negations: HashSet<String>,
    pub hedges: HashSet<String>,
    pub conjunctions: HashSet<String>,
    pub clause_breaks: HashSet<String>,
    pub relative_pronouns: HashSet<String>,
    pub agent_markers: HashSet<String>,
    /// Words trimmed from both ends of a literal ("to", "the", "de").
    pub edge_words: HashSet<String>,
    /// Abbreviations whose period does not end a sentence ("Gen.", "Mr.").
    pub abbreviations: HashSet<String>,
    /// "linked" in "al-Qaeda-linked": the entity before it is a modifier.
    pub modifier_suffixes: HashSet<String>,
    /// Adjectives that qualify an event without naming its object ("ongoing blockade").
    pub qualifiers: HashSet<String>,
    /// "near", "près": the entity after it is where something happened, not its object.
    pub locatives: HashSet<String>,
    /// "had", "avait": verbs that do not stop a negation from reaching the trigger.
    pub auxiliaries: HashSet<String>,
    /// "of", "du": the entity after it qualifies the one before ("autorités … du Mali").
    pub genitives: HashSet<String>,
    pub months: HashMap<String, u32>,
    pub weekdays: HashMap<String, Weekday>,
    /// "last" Friday, mardi "dernier".
    pub past_markers: HashSet<String>,
    /// "yesterday" = -1, "hier" = -1.
    pub day_offsets: HashMap<String, i64>,
}

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

fn add(set: &mut HashSet<String>, words: &[String]) {
    set.extend(words.iter().map(|w| fold(w)).filter(|w| !w.is_empty()));
}

impl Lexicon {
    /// Merges one language's table; returns a reason when a list has the wrong length.
    pub(super) fn merge(&mut self, raw: &RawLexicon) -> Result<(), String> {
        add(&mut self.determiners, &raw.determiners);
        add(&mut self.negations, &raw.negations);
        add(&mut self.hedges, &raw.hedges);
        add(&mut self.conjunctions, &raw.conjunctions);
        add(&mut self.clause_breaks, &raw.clause_breaks);
        add(&mut self.relative_pronouns, &raw.relative_pronouns);
        add(&mut self.agent_markers, &raw.agent_markers);
        add(&mut self.edge_words, &raw.edge_words);
        add(&mut self.abbreviations, &raw.abbreviations);
        add(&mut self.modifier_suffixes, &raw.modifier_suffixes);
        add(&mut self.qualifiers, &raw.qualifiers);
        add(&mut self.locatives, &raw.locatives);
        add(&mut self.auxiliaries, &raw.auxiliaries);
        add(&mut self.genitives, &raw.genitives);
        add(&mut self.past_markers, &raw.past_markers);
        for (list, what) in [
            (&raw.months, "months"),
            (&raw.month_abbreviations, "month_abbreviations"),
        ] {
            if list.is_empty() {
                continue;
            }
            if list.len() != 12 {
                return Err(format!("{what} must list 12 names, found {}", list.len()));
            }
            for (i, m) in list.iter().enumerate() {
                self.months.insert(fold(m), i as u32 + 1);
            }
        }
        if !raw.weekdays.is_empty() {
            if raw.weekdays.len() != 7 {
                return Err(format!(
                    "weekdays must list 7 names from Monday, found {}",
                    raw.weekdays.len()
                ));
            }
            for (name, day) in raw.weekdays.iter().zip(WEEKDAYS) {
                self.weekdays.insert(fold(name), day);
            }
        }
        for (word, offset) in &raw.day_offsets {
            self.day_offsets.insert(fold(word), *offset);
        }
        Ok(())
    }
}
