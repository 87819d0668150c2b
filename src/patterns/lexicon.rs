//! Function words, read from `lexicon.toml`, merged across languages.
//!
//! Claims are read by general code that needs to know what a determiner, a negation or a
//! month name is; those words are language knowledge, so they live in the pattern files and
//! reach the code as folded word sets.

use std::collections::HashSet;

use chrono::Weekday;
use rustc_hash::FxHashMap;

use super::raw::RawLexicon;
use super::time_words::TimeWords;
use crate::tag::normalize::fold;

/// The lexicon lists a word belongs to, as bits: computed once per token, tested often.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct WordClass(u32);

impl WordClass {
    pub const DETERMINER: Self = Self(1);
    pub const NEGATION: Self = Self(1 << 1);
    pub const HEDGE: Self = Self(1 << 2);
    pub const CONJUNCTION: Self = Self(1 << 3);
    pub const CLAUSE_BREAK: Self = Self(1 << 4);
    pub const RELATIVE_PRONOUN: Self = Self(1 << 5);
    pub const AGENT_MARKER: Self = Self(1 << 6);
    pub const EDGE: Self = Self(1 << 7);
    pub const QUALIFIER: Self = Self(1 << 8);
    pub const LOCATIVE: Self = Self(1 << 9);
    pub const GENITIVE: Self = Self(1 << 10);
    pub const AUXILIARY: Self = Self(1 << 11);
    pub const PAST_MARKER: Self = Self(1 << 12);
    /// A month, weekday or relative day name: worth a look by the time parser.
    pub const TIME: Self = Self(1 << 13);
    /// "repelled", "déjoué": whoever does this to an event is not its actor.
    pub const COUNTER: Self = Self(1 << 14);
    /// "to", "à": the entity after it is spoken to, not speaking.
    pub const RECIPIENT: Self = Self(1 << 15);
    /// The first word of a plan cue ("will", "prévue", "à partir du").
    pub const PLAN: Self = Self(1 << 16);
    /// "next", "prochain": the weekday or week beside it lies ahead.
    pub const NEXT_MARKER: Self = Self(1 << 17);
    /// "said", "selon": a speech verb.
    pub const SPEECH: Self = Self(1 << 18);
    /// "that", "que" after a speech verb.
    pub const COMPLEMENTIZER: Self = Self(1 << 19);
    /// The first word of a clause break for times ("while", "tandis que").
    pub const TIME_BREAK: Self = Self(1 << 20);
    /// "launched", "imposé": a verb whose object is an event names the event's actor as its
    /// subject ("JNIM launched an attack").
    pub const SUPPORT: Self = Self(1 << 21);
    /// "against", "contre": the phrase after it is what an event is aimed at.
    pub const OPPOSITION: Self = Self(1 << 22);
    /// "union", "syndicat": a phrase headed by it names an organisation.
    pub const ORGANISATION: Self = Self(1 << 23);
    /// "it", "ils": a third-person pronoun that stands for an actor named before.
    pub const PRONOUN: Self = Self(1 << 24);
    /// "from", "for", "de": in "fighters from JNIM", "a spokesperson for the government",
    /// the name after it says whom the noun before belongs to.
    pub const MEMBERSHIP: Self = Self(1 << 25);
    /// "accused", "accusé": the object of this verb is the actor of the verb it governs
    /// ("the army accused JNIM of attacking civilians").
    pub const OBJECT_CONTROL: Self = Self(1 << 26);

    /// Whether the word is in any of the lists of `other`.
    pub fn is(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }
}

impl std::ops::BitOr for WordClass {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

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
    /// Header line labels of plain-text articles: "By …", "Date: …" (folded, longest first).
    pub byline_labels: Vec<String>,
    pub date_labels: Vec<String>,
    /// "of", "du": the entity after it qualifies the one before ("autorités … du Mali").
    pub genitives: HashSet<String>,
    pub months: FxHashMap<String, u32>,
    pub weekdays: FxHashMap<String, Weekday>,
    /// "last" Friday, mardi "dernier".
    pub past_markers: HashSet<String>,
    /// "repelled the attack", "a déjoué l'attaque": the subject before is not the actor.
    pub counters: HashSet<String>,
    /// "a indiqué à l'AFP une source": the entity after it is who is told.
    pub recipients: HashSet<String>,
    /// Lemmas of verbs that carry an event noun: "launched an attack", "a imposé un blocus".
    pub support_verbs: HashSet<String>,
    /// "against", "on", "contre": what an event is aimed at follows.
    pub opposition_markers: HashSet<String>,
    /// Head nouns of organisations outside the dictionary: "union", "chamber", "syndicat".
    pub organisation_words: HashSet<String>,
    /// Third-person pronouns that may stand for an actor named in an earlier sentence.
    pub pronouns: HashSet<String>,
    /// "fighters *from* JNIM", "a spokesperson *for* the government".
    pub membership_markers: HashSet<String>,
    /// Verbs whose object is the actor of the verb they govern: "accused X of attacking".
    pub object_control: HashSet<String>,
    /// Endings of active participles ("-ing"): a participle that modifies a noun without
    /// one is passive ("a convoy *escorted* by the army").
    pub active_participle_endings: Vec<String>,
    /// "yesterday" = -1, "hier" = -1 (whole phrases, folded; the time parser reads
    /// [`TimeWords::day_offsets`], split into words).
    pub day_offsets: FxHashMap<String, i64>,
    /// What the time parser reads besides month and weekday names.
    pub time: TimeWords,
    /// "read also", "lire aussi": a line that announces links to other stories (folded,
    /// longest first).
    pub clutter_labels: Vec<String>,
    /// "ago", "updated", "il y a": a short line with a number and one of these is a
    /// timestamp (folded).
    pub timestamp_words: Vec<String>,
    /// Every listed word and its classes, built by [`Lexicon::index`].
    classes: FxHashMap<String, WordClass>,
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
    /// The classes of a folded word.
    pub fn class_of(&self, folded: &str) -> WordClass {
        self.classes.get(folded).copied().unwrap_or_default()
    }

    /// Builds the word-to-classes map from the lists; call after the last merge.
    pub(super) fn index(&mut self) {
        let lists = [
            (&self.determiners, WordClass::DETERMINER),
            (&self.negations, WordClass::NEGATION),
            (&self.hedges, WordClass::HEDGE),
            (&self.conjunctions, WordClass::CONJUNCTION),
            (&self.clause_breaks, WordClass::CLAUSE_BREAK),
            (&self.relative_pronouns, WordClass::RELATIVE_PRONOUN),
            (&self.agent_markers, WordClass::AGENT_MARKER),
            (&self.edge_words, WordClass::EDGE),
            (&self.qualifiers, WordClass::QUALIFIER),
            (&self.locatives, WordClass::LOCATIVE),
            (&self.genitives, WordClass::GENITIVE),
            (&self.auxiliaries, WordClass::AUXILIARY),
            (&self.past_markers, WordClass::PAST_MARKER),
            (&self.counters, WordClass::COUNTER),
            (&self.recipients, WordClass::RECIPIENT),
            (&self.support_verbs, WordClass::SUPPORT),
            (&self.opposition_markers, WordClass::OPPOSITION),
            (&self.organisation_words, WordClass::ORGANISATION),
            (&self.pronouns, WordClass::PRONOUN),
            (&self.membership_markers, WordClass::MEMBERSHIP),
            (&self.object_control, WordClass::OBJECT_CONTROL),
            (&self.time.next_markers, WordClass::NEXT_MARKER),
            (&self.time.speech_verbs, WordClass::SPEECH),
            (&self.time.complementizers, WordClass::COMPLEMENTIZER),
        ];
        let mut classes: FxHashMap<String, WordClass> = FxHashMap::default();
        for (list, class) in lists {
            for word in list {
                let entry = classes.entry(word.clone()).or_default();
                *entry = *entry | class;
            }
        }
        // A relative day is marked by its first word ("the" of "the day before yesterday").
        let time_words = self
            .months
            .keys()
            .chain(self.weekdays.keys())
            .chain(self.time.weeks.iter())
            .chain(self.time.day_offsets.iter().filter_map(|(p, _)| p.first()));
        let phrase_starts = [
            (&self.time.plan_cues, WordClass::PLAN),
            (&self.time.clause_breaks, WordClass::TIME_BREAK),
        ];
        let firsts = time_words.map(|w| (w, WordClass::TIME)).chain(
            phrase_starts
                .into_iter()
                .flat_map(|(p, class)| p.first_words().map(move |w| (w, class))),
        );
        for (word, class) in firsts {
            let entry = classes.entry(word.clone()).or_default();
            *entry = *entry | class;
        }
        self.classes = classes;
    }

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
        for (list, raw_list) in [
            (&mut self.byline_labels, &raw.byline_labels),
            (&mut self.date_labels, &raw.date_labels),
            (&mut self.clutter_labels, &raw.clutter_labels),
            (&mut self.timestamp_words, &raw.timestamp_words),
        ] {
            list.extend(raw_list.iter().map(|w| fold(w)).filter(|w| !w.is_empty()));
            // "publié le" before "publié": the longest label wins.
            list.sort_by_key(|w| std::cmp::Reverse(w.len()));
            list.dedup();
        }
        add(&mut self.genitives, &raw.genitives);
        add(&mut self.past_markers, &raw.past_markers);
        add(&mut self.counters, &raw.counters);
        add(&mut self.recipients, &raw.recipients);
        add(&mut self.support_verbs, &raw.support_verbs);
        add(&mut self.opposition_markers, &raw.opposition_markers);
        add(&mut self.organisation_words, &raw.organisation_words);
        add(&mut self.pronouns, &raw.pronouns);
        add(&mut self.membership_markers, &raw.membership_markers);
        add(&mut self.object_control, &raw.object_control);
        self.active_participle_endings
            .extend(raw.active_participle_endings.iter().map(|w| fold(w)));
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
        self.time.merge(raw);
        Ok(())
    }
}
