//! The pattern files as written: serde shapes, one per file, before validation.
//!
//! Tables are wrapped in `Spanned` so that every semantic error can name its line.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EntityFile {
    #[serde(default)]
    pub entity: Vec<Spanned<RawEntity>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEntity {
    pub id: String,
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub en: Vec<String>,
    #[serde(default)]
    pub fr: Vec<String>,
    pub country: Option<String>,
    pub description: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// For a government: the country it governs, so that "Mali closed its schools" can be
    /// read as the government's act.
    pub governs: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RoadFile {
    #[serde(default)]
    pub prefix: Vec<Spanned<RawPrefix>>,
    #[serde(default)]
    pub road: Vec<Spanned<RawRoad>>,
    /// Words that name a road ("road", "axe"), for roads named by their endpoints.
    pub road_words: Option<Spanned<RawWords>>,
    /// "between … and", "reliant … à": what introduces a road's two endpoints.
    pub road_connectors: Option<Spanned<RawWords>>,
}

/// A list of words, language-neutral and per language.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawWords {
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub en: Vec<String>,
    #[serde(default)]
    pub fr: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrefix {
    pub code: String,
    pub name: Option<String>,
    /// Spelled-out forms that stand for the code before a number: "route nationale 7".
    #[serde(default)]
    pub words: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoad {
    pub id: String,
    pub name: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub country: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub en: Vec<String>,
    #[serde(default)]
    pub fr: Vec<String>,
}

/// `lexicon.toml`: one table per language, merged at load.
pub type LexiconFile = BTreeMap<String, Spanned<RawLexicon>>;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawLexicon {
    #[serde(default)]
    pub determiners: Vec<String>,
    #[serde(default)]
    pub negations: Vec<String>,
    #[serde(default)]
    pub hedges: Vec<String>,
    #[serde(default)]
    pub conjunctions: Vec<String>,
    #[serde(default)]
    pub clause_breaks: Vec<String>,
    #[serde(default)]
    pub relative_pronouns: Vec<String>,
    #[serde(default)]
    pub agent_markers: Vec<String>,
    #[serde(default)]
    pub edge_words: Vec<String>,
    #[serde(default)]
    pub abbreviations: Vec<String>,
    #[serde(default)]
    pub modifier_suffixes: Vec<String>,
    #[serde(default)]
    pub qualifiers: Vec<String>,
    #[serde(default)]
    pub locatives: Vec<String>,
    #[serde(default)]
    pub auxiliaries: Vec<String>,
    #[serde(default)]
    pub byline_labels: Vec<String>,
    #[serde(default)]
    pub date_labels: Vec<String>,
    #[serde(default)]
    pub genitives: Vec<String>,
    #[serde(default)]
    pub months: Vec<String>,
    #[serde(default)]
    pub month_abbreviations: Vec<String>,
    #[serde(default)]
    pub weekdays: Vec<String>,
    #[serde(default)]
    pub past_markers: Vec<String>,
    #[serde(default)]
    pub counters: Vec<String>,
    #[serde(default)]
    pub recipients: Vec<String>,
    #[serde(default)]
    pub support_verbs: Vec<String>,
    #[serde(default)]
    pub opposition_markers: Vec<String>,
    #[serde(default)]
    pub organisation_words: Vec<String>,
    #[serde(default)]
    pub pronouns: Vec<String>,
    #[serde(default)]
    pub membership_markers: Vec<String>,
    #[serde(default)]
    pub object_control: Vec<String>,
    #[serde(default)]
    pub active_participle_endings: Vec<String>,
    #[serde(default)]
    pub day_offsets: BTreeMap<String, i64>,
    #[serde(default)]
    pub plan_cues: Vec<String>,
    #[serde(default)]
    pub next_markers: Vec<String>,
    #[serde(default)]
    pub past_tense: Vec<String>,
    #[serde(default)]
    pub past_tense_suffixes: Vec<String>,
    #[serde(default)]
    pub speech_verbs: Vec<String>,
    #[serde(default)]
    pub complementizers: Vec<String>,
    #[serde(default)]
    pub time_clause_breaks: Vec<String>,
    #[serde(default)]
    pub weeks: Vec<String>,
    #[serde(default)]
    pub clutter_labels: Vec<String>,
    #[serde(default)]
    pub timestamp_words: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CueFile {
    #[serde(default)]
    pub cue: Vec<Spanned<RawCue>>,
    #[serde(default)]
    pub generic: Vec<Spanned<RawGeneric>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCue {
    pub id: String,
    pub role: Option<String>,
    pub value: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub en: Vec<String>,
    #[serde(default)]
    pub fr: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGeneric {
    pub kind: String,
    #[serde(default)]
    pub unnamed: bool,
    #[serde(default)]
    pub en: Vec<String>,
    #[serde(default)]
    pub fr: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    #[serde(default)]
    pub rule: Vec<Spanned<RawRule>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub id: String,
    pub predicate: String,
    pub triggers: Vec<String>,
    #[serde(default)]
    pub requires: Vec<String>,
    pub subject: Option<RawRole>,
    pub object: Option<RawRole>,
    pub agent: Option<RawRole>,
    #[serde(default)]
    pub fill: Vec<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub when_alone: bool,
    #[serde(default)]
    pub topical: bool,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawRole {
    #[serde(default)]
    pub kinds: Vec<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub all: bool,
    pub side: Option<String>,
    pub literal: Option<String>,
    #[serde(default)]
    pub value: bool,
    #[serde(default)]
    pub person: bool,
    #[serde(default)]
    pub unnamed: bool,
    #[serde(default)]
    pub from: Vec<String>,
    #[serde(default)]
    pub infer: Vec<String>,
    #[serde(default)]
    pub country_as_government: bool,
    pub status: Option<String>,
}

/// A pattern file's entries of the kind the file exists for: a file without any (empty, or
/// only comments, or only side tables) is refused, since loading it would silently remove
/// everything it used to contribute (see `patterns/README.md`, "Empty and missing files").
pub trait Entries {
    /// What the file must hold at least one of, as written in it.
    const WHAT: &'static str;
    fn entries(&self) -> usize;
}

impl Entries for EntityFile {
    const WHAT: &'static str = "[[entity]]";
    fn entries(&self) -> usize {
        self.entity.len()
    }
}

impl Entries for RoadFile {
    const WHAT: &'static str = "[[prefix]] or [[road]]";
    fn entries(&self) -> usize {
        self.prefix.len() + self.road.len()
    }
}

impl Entries for LexiconFile {
    const WHAT: &'static str = "language table ([en], [fr]…) with a word";
    fn entries(&self) -> usize {
        self.values().filter(|t| t.get_ref().words() > 0).count()
    }
}

impl Entries for CueFile {
    const WHAT: &'static str = "[[cue]]";
    fn entries(&self) -> usize {
        self.cue.len()
    }
}

impl Entries for RuleFile {
    const WHAT: &'static str = "[[rule]]";
    fn entries(&self) -> usize {
        self.rule.len()
    }
}

impl RawLexicon {
    /// Words in every list of the table, and its day offsets.
    pub fn words(&self) -> usize {
        let lists: [&Vec<String>; 39] = [
            &self.determiners,
            &self.negations,
            &self.hedges,
            &self.conjunctions,
            &self.clause_breaks,
            &self.relative_pronouns,
            &self.agent_markers,
            &self.edge_words,
            &self.abbreviations,
            &self.modifier_suffixes,
            &self.qualifiers,
            &self.locatives,
            &self.auxiliaries,
            &self.byline_labels,
            &self.date_labels,
            &self.genitives,
            &self.months,
            &self.month_abbreviations,
            &self.weekdays,
            &self.past_markers,
            &self.counters,
            &self.recipients,
            &self.support_verbs,
            &self.opposition_markers,
            &self.organisation_words,
            &self.pronouns,
            &self.membership_markers,
            &self.object_control,
            &self.active_participle_endings,
            &self.plan_cues,
            &self.next_markers,
            &self.past_tense,
            &self.past_tense_suffixes,
            &self.speech_verbs,
            &self.complementizers,
            &self.time_clause_breaks,
            &self.weeks,
            &self.clutter_labels,
            &self.timestamp_words,
        ];
        lists.iter().map(|l| l.len()).sum::<usize>() + self.day_offsets.len()
    }
}
