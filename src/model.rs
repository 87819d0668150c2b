//! Typed values that cross stage boundaries.
//!
//! Every stage (`extract → tag → claims → store`) hands the next one these types, never loose
//! strings or maps: an [`EntityId`] is validated once, a [`Predicate`] is one of a documented
//! vocabulary, a [`Span`] is always a byte range into [`Document::text`].

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Raised when a raw string is not a valid value of one of the model's types.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} {value:?}: {reason}")]
pub struct ParseValueError {
    pub what: &'static str,
    pub value: String,
    pub reason: String,
}

impl ParseValueError {
    fn new(what: &'static str, value: &str, reason: impl Into<String>) -> Self {
        Self {
            what,
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}

/// Canonical id of an entity from `patterns/` (`jnim`, `bamako`, `rn5`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct EntityId(String);

impl EntityId {
    /// Validates the id: lowercase ASCII letters, digits and `-`, not empty.
    pub fn new(raw: &str) -> Result<Self, ParseValueError> {
        let ok = !raw.is_empty()
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Self(raw.to_string()))
        } else {
            Err(ParseValueError::new(
                "entity id",
                raw,
                "use lowercase ascii letters, digits and '-'",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EntityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Declares a string-backed enum with `as_str`, `FromStr`, `Display` and serde in snake_case,
/// so the vocabulary is written once and the database, JSON and pattern files agree on it.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = ParseValueError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(ParseValueError::new($what, s, format!(
                        "expected one of: {}",
                        [$($text),+].join(", ")
                    ))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary!(
    /// What an entity is. Places are the kinds with coordinates.
    EntityKind, "entity kind" {
        ArmedGroup = "armed_group",
        StateForce = "state_force",
        Government = "government",
        DiplomaticMission = "diplomatic_mission",
        InternationalOrg = "international_org",
        Ngo = "ngo",
        Media = "media",
        /// A business: a fuel importer, a transport company, a mining company.
        Company = "company",
        Person = "person",
        Country = "country",
        Region = "region",
        /// City, town or village.
        City = "city",
        /// Airport, border post, base, dam, port…
        Facility = "facility",
        Road = "road",
    }
);

impl EntityKind {
    /// Kinds that locate a claim (its `place`): they have coordinates.
    pub fn is_place(self) -> bool {
        matches!(
            self,
            EntityKind::Country | EntityKind::Region | EntityKind::City | EntityKind::Facility
        )
    }
}

vocabulary!(
    /// The claim vocabulary. Kept small on purpose: analysts filter on it.
    Predicate, "predicate" {
        /// Subject blockades object (a city, road, region) or a commodity (literal).
        Blockade = "blockade",
        /// Subject attacks, ambushes or targets object.
        Attack = "attack",
        Abduction = "abduction",
        Killing = "killing",
        /// Subject sets fire to object (torched, incendié).
        Arson = "arson",
        /// Object (schools, a border, a road) is closed, by subject when named.
        Closure = "closure",
        /// Subject (embassy, government) tells object (its citizens) to leave.
        AdvisesDeparture = "advises_departure",
        /// Subject authorizes or orders departure of object (staff, families).
        AuthorizesDeparture = "authorizes_departure",
        AdvisesCaution = "advises_caution",
        /// Subject withdraws troops from object (a country).
        WithdrawsTroops = "withdraws_troops",
        NegotiatesWith = "negotiates_with",
        AffiliatedWith = "affiliated_with",
        /// Subject says object (quoted or reported speech).
        Says = "says",
        Warns = "warns",
        CallsFor = "calls_for",
        /// Subject (an army, a force) escorts object (a convoy); negated when escorts stop.
        Escort = "escort",
        /// Subject frees object (hostages, detainees).
        Release = "release",
        /// Subject delivers or donates object (fuel, food, aid) to a place or recipient.
        Deliver = "deliver",
        /// Subject (a road) has status object (controlled, contested, open…), by agent.
        RoadStatus = "road_status",
        /// Subject (a facility, a place) has status object (open, closed…).
        Status = "status",
    }
);

vocabulary!(
    /// Whether the text asserts the claim, hedges it, or denies it.
    Modality, "modality" {
        Asserted = "asserted",
        Possible = "possible",
        Negated = "negated",
    }
);

vocabulary!(
    /// How precisely a time is known.
    Precision, "precision" {
        Day = "day",
        /// A calendar week, Monday to Sunday ("next week"); the value is an interval of days.
        Week = "week",
        Month = "month",
        Year = "year",
        /// Stated, but not resolvable to a calendar value (no reference date).
        Unresolved = "unresolved",
    }
);

vocabulary!(
    /// Where a claim's time came from.
    TimeSource, "time source" {
        /// A time expression in the claim's own sentence.
        Stated = "stated",
        /// A time expression in the next sentence about the same subject.
        Context = "context",
        /// No time stated: the claim is reported as of the publication date.
        Publication = "publication",
    }
);

vocabulary!(
    /// How a mention was recognized.
    MentionVia, "mention source" {
        Alias = "alias",
        /// A road code matched by pattern (`RN 5`).
        Code = "code",
        /// A generic reference ("the embassy") resolved to an entity named earlier.
        Generic = "generic",
        /// An acronym defined in the article itself: "Front … (FLA)".
        Acronym = "acronym",
        /// A road named by its endpoints: "the Kayes–Bamako road", "l'axe reliant Kayes à
        /// Bamako".
        Endpoints = "endpoints",
    }
);

vocabulary!(
    /// How the document was read.
    DocFormat, "document format" {
        Text = "text",
        Html = "html",
    }
);

/// A byte range into a document's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end);
        Self { start, end }
    }

    pub fn contains(&self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// A language tag, lowercase primary subtag (`en`, `fr`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Language(String);

impl Language {
    pub fn new(raw: &str) -> Result<Self, ParseValueError> {
        let primary = raw
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_lowercase()) {
            Ok(Self(primary))
        } else {
            Err(ParseValueError::new(
                "language",
                raw,
                "expected a tag like en, fr, en-US",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `PLACE, Country (AGENCY) —` opening the first paragraph of wire copy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Dateline {
    pub span: Span,
    /// The place as written (`BAMAKO, Mali`).
    pub place: String,
    pub agency: Option<String>,
}

/// Where a document came from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SourceMeta {
    pub url: Option<String>,
    pub path: Option<String>,
}

/// An article after extraction: main text plus metadata. Input of tagging.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Document {
    pub format: DocFormat,
    pub title: Option<String>,
    pub byline: Option<String>,
    pub published: Option<NaiveDate>,
    pub language: Option<Language>,
    pub dateline: Option<Dateline>,
    /// The main text; every [`Span`] points into it.
    pub text: String,
    pub source: SourceMeta,
}

/// An entity recognized in a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Mention {
    pub entity: EntityId,
    pub kind: EntityKind,
    pub span: Span,
    pub via: MentionVia,
    /// Used as a modifier ("al-Qaeda-linked"): named, but not what later generic references
    /// point back to.
    pub modifier: bool,
}

/// A road named by its endpoints that the pattern set does not list ("the Kayes–Bamako
/// road"): an entity made by the tagger, stored like the others.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RoadEntity {
    /// `road-<a>--<b>`, the endpoints' ids in sorted order: the same road whichever way the
    /// text names it.
    pub id: EntityId,
    /// "Bamako – Kayes road": the endpoints' names, in the id's order.
    pub name: String,
    pub from: EntityId,
    pub to: EntityId,
}

/// A claim's subject or object: a known entity, or words from the text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Arg {
    Entity(EntityId),
    Literal(String),
}

impl Arg {
    pub fn entity(&self) -> Option<&EntityId> {
        match self {
            Arg::Entity(id) => Some(id),
            Arg::Literal(_) => None,
        }
    }
}

/// When a claim holds, as stated and as resolved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TimeRef {
    /// The words that state the time, when the text states one.
    pub text: Option<String>,
    pub span: Option<Span>,
    /// ISO 8601 (`2025-12-04`, `2025-09`, `2022`), or EDTF with an unknown year (`XXXX-09`)
    /// when only the month is known. `None` when nothing could be resolved.
    pub value: Option<String>,
    pub precision: Precision,
    pub source: TimeSource,
}

/// Who makes a claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Attribution {
    /// Only the reporting outlet.
    Outlet,
    /// A cited entity, possibly through a document ("according to a map released by …").
    Source {
        entity: EntityId,
        document: Option<String>,
    },
    /// A speaker: a named person (with role and organization) or an entity.
    Speaker {
        name: Option<String>,
        role: Option<String>,
        entity: Option<EntityId>,
    },
}

impl Attribution {
    /// The entity the claim is attributed to, if any.
    pub fn entity(&self) -> Option<&EntityId> {
        match self {
            Attribution::Outlet => None,
            Attribution::Source { entity, .. } => Some(entity),
            Attribution::Speaker { entity, .. } => entity.as_ref(),
        }
    }
}

/// Where in the document a claim was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The sentence (or list item) holding the claim.
    pub sentence: Span,
    /// The cue that triggered the rule.
    pub trigger: Span,
}

/// Identifies the rule in `patterns/rules.toml` that produced a claim.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct RuleId(pub String);

/// Hash of the pattern files' content: which world knowledge produced a claim.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PatternVersion(pub String);

/// A structured, sourced statement read off one sentence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Claim {
    pub subject: Option<Arg>,
    pub predicate: Predicate,
    pub object: Option<Arg>,
    /// Who holds a status ("RN5 partially controlled *by JNIM*").
    pub agent: Option<EntityId>,
    /// Places named with the claim, most specific first.
    pub places: Vec<EntityId>,
    /// True when no place was named and `places` comes from the dateline.
    pub place_inferred: bool,
    /// True when no actor was named in the sentence and the subject is the article's
    /// principal actor of the kind the rule expects (rules.toml `infer`).
    pub subject_inferred: bool,
    pub time: Option<TimeRef>,
    pub modality: Modality,
    pub attribution: Attribution,
    pub evidence: Evidence,
    pub rule: RuleId,
    pub pattern_version: PatternVersion,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_ids_are_validated_once() {
        assert!(EntityId::new("us-embassy-mali").is_ok());
        assert!(EntityId::new("rn5").is_ok());
        for bad in ["", "JNIM", "us embassy", "côte"] {
            assert!(EntityId::new(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn vocabularies_round_trip_through_text() {
        for p in Predicate::ALL {
            assert_eq!(p.as_str().parse::<Predicate>().unwrap(), *p);
        }
        for k in EntityKind::ALL {
            assert_eq!(k.as_str().parse::<EntityKind>().unwrap(), *k);
        }
        let err = "bombing".parse::<Predicate>().unwrap_err();
        assert!(err.to_string().contains("advises_departure"));
    }

    #[test]
    fn language_keeps_the_primary_subtag() {
        assert_eq!(Language::new("en-US").unwrap().as_str(), "en");
        assert_eq!(Language::new("FR").unwrap().as_str(), "fr");
        assert!(Language::new("english language").is_err());
    }
}
