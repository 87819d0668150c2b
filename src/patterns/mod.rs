//! The pattern set: sitrep's knowledge of the world, loaded from `patterns/`.
//!
//! Raw TOML is validated here, once, into typed values; every later stage trusts them. A
//! broken file is rejected with its path, line and reason, and all problems are reported
//! together so an analyst fixes a file in one pass. See `patterns/README.md` for the formats.

mod lexicon;
mod raw;
mod time_words;
mod validate;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use lexicon::{Lexicon, WordClass};
pub use time_words::{Phrases, TimeWords};

use crate::model::{EntityId, EntityKind, Language, PatternVersion, Predicate, RuleId};

/// The files of a pattern set, in load order.
pub const FILES: &[&str] = &[
    "actors.toml",
    "places.toml",
    "roads.toml",
    "lexicon.toml",
    "cues.toml",
    "rules.toml",
];

/// The pattern set shipped with sitrep, used when no `patterns/` directory is given or found.
const EMBEDDED: &[(&str, &str)] = &[
    ("actors.toml", include_str!("../../patterns/actors.toml")),
    ("places.toml", include_str!("../../patterns/places.toml")),
    ("roads.toml", include_str!("../../patterns/roads.toml")),
    ("lexicon.toml", include_str!("../../patterns/lexicon.toml")),
    ("cues.toml", include_str!("../../patterns/cues.toml")),
    ("rules.toml", include_str!("../../patterns/rules.toml")),
];

/// One thing wrong in a pattern file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    /// 1-based; 0 when the problem concerns the whole file.
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.reason)
    }
}

/// Why a pattern set could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PatternError {
    #[error("cannot read {}: {source}", file.display())]
    Io {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{} problem(s) in the pattern files:\n  {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  "))]
    Invalid(Vec<Problem>),
}

/// A known entity.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    pub id: EntityId,
    pub kind: EntityKind,
    pub name: String,
    pub aliases: Vec<Alias>,
    pub country: Option<EntityId>,
    pub description: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Endpoints, for roads.
    pub from: Option<EntityId>,
    pub to: Option<EntityId>,
    /// The country a government governs (`governs` in actors.toml).
    pub governs: Option<EntityId>,
}

/// One way an entity is written, and in which language (`None`: any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub text: String,
    pub lang: Option<Language>,
}

/// A road-code prefix recognized by pattern: `RN` matches `RN5`, `RN 5`, `RN-5`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoadPrefix {
    pub code: String,
    pub name: Option<String>,
    /// Spelled-out forms that stand for the code before a number ("route nationale" 7).
    pub words: Vec<String>,
}

/// How a road is named by its two endpoints (`roads.toml`: `[road_words]` and
/// `[road_connectors]`), folded: "the Kayes–Bamako road", "la route entre Kayes et Bamako".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoadForms {
    /// "road", "axe", "route nationale": the words that make two places a road.
    pub words: Vec<String>,
    /// ("between", "and"): the words before the first endpoint, and between the two.
    pub connectors: Vec<(String, String)>,
}

/// Index of a cue in [`PatternSet::cues`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CueIdx(pub usize);

/// What a cue does besides triggering rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CueRole {
    /// Triggers claim rules.
    Event,
    /// "unaffected by": the event named after it does not apply.
    Exemption,
    /// "according to", "selon": the entity after it is the claim's source.
    Attribution,
    /// "map", "report": the kind of document a source released.
    Document,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    pub id: String,
    pub role: CueRole,
    /// The value a status cue stands for (`contested`, `open`).
    pub value: Option<String>,
    pub terms: Vec<Alias>,
}

/// A generic reference ("the embassy") that resolves to an entity of `kind` named earlier.
#[derive(Debug, Clone, PartialEq)]
pub struct Generic {
    pub kind: EntityKind,
    /// The terms also name an actor the article does not identify ("gunmen", "hommes
    /// armés"): when they resolve to no entity, a rule may still take them as its subject.
    pub unnamed: bool,
    pub terms: Vec<Alias>,
}

/// Which side of the trigger a role is looked for on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Before,
    After,
    Either,
}

/// How a role is filled from words when no entity fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiteralMode {
    /// No literal: the role needs an entity.
    None,
    /// The phrase after the trigger, to the end of its clause.
    After,
    /// The word just before the trigger: "*fuel* blockade".
    Modifier,
    /// The words between the trigger and the required cue: "called on *citizens* to leave".
    Between,
    /// The quotation in the sentence, else the rest of the sentence after the trigger.
    Speech,
    /// The phrase before the trigger, back to its clause's start: "*les écoles* restent
    /// fermées".
    Before,
}

/// How one role of a rule is filled.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleSpec {
    pub kinds: Vec<EntityKind>,
    pub required: bool,
    /// One claim per matching entity (a list of roads), instead of the nearest one.
    pub all: bool,
    pub side: Side,
    pub literal: LiteralMode,
    /// The object is the trigger cue's value (`contested`).
    pub value: bool,
    /// A named speaker ("said coordinator Jean-Luc Martin") may fill the role.
    pub person: bool,
    /// Unidentified actors ("gunmen", see `Generic::unnamed`) may fill the role when no
    /// entity does.
    pub unnamed: bool,
    /// The syntactic relations to the trigger that may fill the role, in order of
    /// preference; empty means the role's defaults ([`Relation::defaults`]).
    pub from: Vec<Relation>,
    /// When the sentence names no actor at all, the article's principal entity of these
    /// kinds fills the role, and the claim is marked `subject_inferred`.
    pub infer: Vec<EntityKind>,
    /// A country that fills the role stands for its government (the entity that
    /// `governs` it): "Mali closed its schools".
    pub country_as_government: bool,
    /// The role is this status, whatever the sentence says ("unsafe" for a road that is
    /// attacked).
    pub status: Option<String>,
}

/// How an argument relates to its trigger in the sentence's dependency tree: the words a
/// rule uses to say where a role comes from (`from = ["subject", "agent"]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// The subject of an active trigger verb, or of the verb it is coordinated with or
    /// controlled by ("JNIM vowed to attack", "attacked and torched").
    Subject,
    /// "by X", "par X": a passive's agent, or a nominal trigger's ("an attack by JNIM").
    Agent,
    /// The direct object of an active trigger, or the subject of a passive one.
    Object,
    /// "against X", "on X", "contre X": what an event is aimed at.
    Against,
    /// "of X", "du X" after a nominal trigger ("une attaque du JNIM", "blockade of Kayes").
    Genitive,
    /// "JNIM's attack", "its blockade".
    Possessor,
    /// A name or adjective before a nominal trigger ("a JNIM attack", "fuel blockade").
    Modifier,
    /// The subject of a verb that carries the nominal trigger ("JNIM launched an attack",
    /// "a imposé un blocus").
    SupportSubject,
    /// The clause a speech verb reports.
    Content,
    /// Any other prepositional complement of the trigger: "withdrew *from Mali*".
    Oblique,
    /// Not a relation: the role is filled by word order ("JNIM, an al-Qaeda-linked group"),
    /// as for a sentence with no parse.
    WordOrder,
}

impl Relation {
    pub const ALL: &'static [(&'static str, Relation)] = &[
        ("subject", Relation::Subject),
        ("agent", Relation::Agent),
        ("object", Relation::Object),
        ("against", Relation::Against),
        ("genitive", Relation::Genitive),
        ("possessor", Relation::Possessor),
        ("modifier", Relation::Modifier),
        ("support_subject", Relation::SupportSubject),
        ("content", Relation::Content),
        ("oblique", Relation::Oblique),
        ("word_order", Relation::WordOrder),
    ];

    /// Where a role comes from when its rule does not say.
    pub fn defaults(role: Role) -> &'static [Relation] {
        match role {
            Role::Subject | Role::Agent => &[
                Relation::Subject,
                Relation::Agent,
                Relation::Possessor,
                Relation::SupportSubject,
                Relation::Modifier,
                Relation::Genitive,
            ],
            Role::Object => &[
                Relation::Object,
                Relation::Against,
                Relation::Genitive,
                Relation::Modifier,
            ],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Subject,
    Object,
    Agent,
}

/// A claim rule: a trigger cue plus roles filled by entity kinds within the sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: RuleId,
    pub predicate: Predicate,
    pub triggers: Vec<CueIdx>,
    /// Cues that must follow the trigger in its sentence ("called on … to *leave*").
    pub requires: Vec<CueIdx>,
    pub subject: Option<RoleSpec>,
    pub object: Option<RoleSpec>,
    pub agent: Option<RoleSpec>,
    /// Order in which roles pick their entities; later roles skip entities already taken.
    pub fill: Vec<Role>,
    /// What the rule is for, as the analyst wrote it.
    pub description: Option<String>,
    /// The rule's claim attributes the other claims of its sentence and is kept only when
    /// there are none (a speech verb whose report is the news).
    pub when_alone: bool,
    /// The rule fires only in articles about the conflict: ones that name an armed group or
    /// a state force (outside modifiers), or an unnamed armed actor.
    pub topical: bool,
}

impl Rule {
    pub fn role(&self, role: Role) -> Option<&RoleSpec> {
        match role {
            Role::Subject => self.subject.as_ref(),
            Role::Object => self.object.as_ref(),
            Role::Agent => self.agent.as_ref(),
        }
    }
}

/// A validated pattern set.
#[derive(Debug, Clone)]
pub struct PatternSet {
    pub version: PatternVersion,
    pub entities: Vec<Entity>,
    pub road_prefixes: Vec<RoadPrefix>,
    pub road_forms: RoadForms,
    pub lexicon: Lexicon,
    pub cues: Vec<Cue>,
    pub generics: Vec<Generic>,
    pub rules: Vec<Rule>,
    index: HashMap<EntityId, usize>,
}

impl PatternSet {
    /// Loads the pattern files of `dir`. Every one of [`FILES`] is required: a missing file
    /// is refused, not read as empty, since a set without (say) its rules would silently
    /// replace every stored claim with none. All missing files are reported together.
    pub fn load_dir(dir: &Path) -> Result<Self, PatternError> {
        let mut sources = Vec::new();
        let mut missing = Vec::new();
        for name in FILES {
            let path = dir.join(name);
            match std::fs::read_to_string(&path) {
                Ok(text) => sources.push((path, text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => missing.push(Problem {
                    file: path,
                    line: 0,
                    reason: format!(
                        "missing: a pattern directory needs all of {} (see patterns/README.md)",
                        FILES.join(", ")
                    ),
                }),
                Err(source) => return Err(PatternError::Io { file: path, source }),
            }
        }
        if !missing.is_empty() {
            return Err(PatternError::Invalid(missing));
        }
        Self::from_sources(&sources)
    }

    /// The pattern set compiled into the binary.
    pub fn embedded() -> Result<Self, PatternError> {
        let sources: Vec<(PathBuf, String)> = EMBEDDED
            .iter()
            .map(|(name, text)| (Path::new("patterns").join(name), (*text).to_string()))
            .collect();
        Self::from_sources(&sources)
    }

    /// Builds a set from `(path, content)` pairs; the file name decides how each is read.
    /// A file may be left out (tests build small sets), but a file given must not be empty:
    /// it needs at least one entry of its kind (see `raw::Entries`).
    pub fn from_sources(sources: &[(PathBuf, String)]) -> Result<Self, PatternError> {
        let version = version_of(sources);
        validate::build(sources, version)
    }

    pub fn entity(&self, id: &EntityId) -> Option<&Entity> {
        self.index.get(id).map(|&i| &self.entities[i])
    }

    pub fn cue(&self, idx: CueIdx) -> &Cue {
        &self.cues[idx.0]
    }

    /// The country an entity belongs to: itself for a country.
    pub fn country_of(&self, id: &EntityId) -> Option<EntityId> {
        let e = self.entity(id)?;
        if e.kind == EntityKind::Country {
            Some(e.id.clone())
        } else {
            e.country.clone()
        }
    }
}

/// Content hash of the files, by name and content, so that moving the directory keeps it.
fn version_of(sources: &[(PathBuf, String)]) -> PatternVersion {
    let mut h = Sha256::new();
    for (path, text) in sources {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        h.update(name.as_bytes());
        h.update([0]);
        h.update((text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
    let digest = h.finalize();
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    PatternVersion(hex)
}
