//! `patterns`: the pattern loader on the text of all six files, and, when a set loads, the
//! tagger and claims with it on a few sentences.
//!
//! The shipped set is 250 KB of TOML, too slow to parse on every input; the input instead
//! holds the six files separated by NUL bytes, seeded with [`MINI_PATTERNS`] (a small set
//! that loads and yields claims) and with pieces of the shipped files.

use std::path::PathBuf;

use sitrep::model::{DocFormat, Document, Language, SourceMeta};
use sitrep::patterns::{FILES, PatternError, PatternSet};
use sitrep::syntax::Lang;
use sitrep::tag::Tagger;

use super::text::{check_analysis, model};

/// A small pattern set in the shipped format, one file per entry of [`FILES`], in order.
pub const MINI_PATTERNS: [&str; 6] = [
    r#"[[entity]]
id = "jnim"
kind = "armed_group"
name = "JNIM"
aliases = ["JNIM", "GSIM"]
en = ["Group for the Support of Islam and Muslims"]
fr = ["Groupe de soutien à l'islam et aux musulmans"]
country = "mali"

[[entity]]
id = "fama"
kind = "state_force"
name = "FAMa"
aliases = ["FAMa", "FAMA"]
en = ["Malian army"]
fr = ["armée malienne"]
country = "mali"

[[entity]]
id = "mali-government"
kind = "government"
name = "Government of Mali"
en = ["Malian government", "Malian authorities"]
fr = ["gouvernement malien"]
governs = "mali"
country = "mali"
"#,
    r#"[[entity]]
id = "mali"
kind = "country"
name = "Mali"
aliases = ["Republic of Mali", "République du Mali"]
latitude = 17.5707
longitude = -3.9962

[[entity]]
id = "bamako"
kind = "city"
name = "Bamako"
country = "mali"
latitude = 12.6392
longitude = -8.0029

[[entity]]
id = "kayes"
kind = "city"
name = "Kayes"
country = "mali"
"#,
    r#"[[prefix]]
code = "RN"
name = "route nationale"
words = ["route nationale", "national road"]

[road_words]
en = ["road", "highway"]
fr = ["route", "axe"]

[road_connectors]
en = ["between … and", "from … to"]
fr = ["entre … et"]

[[road]]
id = "rn1"
name = "RN1"
from = "bamako"
to = "kayes"
country = "mali"
fr = ["route nationale 1"]
"#,
    r#"[en]
determiners = ["the", "this", "its"]
negations = ["not", "no", "denied"]
hedges = ["may", "reportedly"]
conjunctions = ["and", "or"]
clause_breaks = ["which", "while", "but"]
agent_markers = ["by"]
edge_words = ["to", "of", "the", "a"]
abbreviations = ["mr", "gen"]
locatives = ["near", "in", "at"]
byline_labels = ["by"]
date_labels = ["date", "published"]
months = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
speech_verbs = ["said", "told"]
day_offsets = { yesterday = -1, today = 0 }

[fr]
determiners = ["le", "la", "l", "les"]
negations = ["pas", "jamais"]
hedges = ["aurait"]
conjunctions = ["et", "ou"]
agent_markers = ["par"]
locatives = ["près", "dans"]
byline_labels = ["par"]
months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre"]
weekdays = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
"#,
    r#"[[cue]]
id = "blockade"
en = ["blockade", "blockaded", "besieged"]
fr = ["blocus", "bloqué"]

[[cue]]
id = "attack"
en = ["attacked", "ambushed", "attack"]
fr = ["attaqué", "embuscade"]

[[cue]]
id = "contested"
value = "contested"
en = ["contested"]
fr = ["disputé"]

[[cue]]
id = "according_to"
role = "attribution"
en = ["according to"]
fr = ["selon"]

[[generic]]
kind = "armed_group"
en = ["group"]
fr = ["groupe"]

[[generic]]
kind = "armed_group"
unnamed = true
en = ["gunmen"]
fr = ["hommes armés"]
"#,
    r#"[[rule]]
id = "blockade"
predicate = "blockade"
triggers = ["blockade"]
subject = { kinds = ["armed_group", "state_force"], required = true, unnamed = true, infer = ["armed_group"] }
object = { kinds = ["city", "country", "road"], side = "after", literal = "modifier" }

[[rule]]
id = "attack"
predicate = "attack"
triggers = ["attack"]
subject = { kinds = ["armed_group", "state_force"], required = true, unnamed = true }
object = { kinds = ["city", "road", "state_force", "armed_group"], side = "after", literal = "after", required = true }

[[rule]]
id = "road-status"
predicate = "road_status"
triggers = ["contested"]
subject = { kinds = ["road"], required = true, all = true }
object = { value = true }
"#,
];

/// Sentences tagged with every pattern set that loads.
const SAMPLES: &[(&str, &str)] = &[
    (
        "en",
        "BAMAKO, Mali (AFP) — JNIM fighters ambushed a FAMa convoy near Kayes on Tuesday, \
         according to the Malian army. The group has blockaded the RN1 between Bamako and \
         Kayes road since September. The national road 1 is contested.",
    ),
    (
        "fr",
        "Le GSIM a attaqué l'armée malienne près de Kayes hier. Le blocus de Bamako, selon le \
         gouvernement malien, n'est pas levé sur la route nationale 1.",
    ),
];

/// A `patterns` input: the files' texts in [`FILES`] order, NUL-separated.
pub fn patterns_input(files: &[&str]) -> Vec<u8> {
    files.join("\0").into_bytes()
}

/// The loader never panics: it returns a set, or problems that name a given file and a line
/// within it. A set that loads builds a tagger (or a typed error), and tagging and claims
/// with it keep every span within the text.
pub fn patterns(data: &[u8]) {
    let sources: Vec<(PathBuf, String)> = data
        .split(|&b| b == 0)
        .zip(FILES)
        .map(|(text, name)| {
            let path = PathBuf::from("patterns").join(name);
            (path, String::from_utf8_lossy(text).into_owned())
        })
        .collect();
    let set = match PatternSet::from_sources(&sources) {
        Ok(set) => set,
        Err(PatternError::Invalid(problems)) => {
            assert!(!problems.is_empty(), "invalid, with no problem given");
            for p in &problems {
                let Some((_, text)) = sources.iter().find(|(path, _)| *path == p.file) else {
                    panic!("a problem in a file that was not given: {p}");
                };
                let lines = text.lines().count() + 1;
                assert!(p.line <= lines, "{p}: past the file's {lines} lines");
            }
            return;
        }
        Err(e) => panic!("loading from memory failed otherwise: {e}"),
    };
    let Ok(tagger) = Tagger::new(&set) else {
        return;
    };
    for (lang, text) in SAMPLES {
        let (language, syntax) = match *lang {
            "en" => ("en", model(Lang::En)),
            _ => ("fr", model(Lang::Fr)),
        };
        let doc = Document {
            format: DocFormat::Text,
            title: None,
            byline: None,
            published: chrono::NaiveDate::from_ymd_opt(2025, 12, 4),
            language: Language::new(language).ok(),
            dateline: sitrep::extract::text::dateline(text),
            text: (*text).to_string(),
            source: SourceMeta::default(),
        };
        check_analysis(&tagger, &doc, Some(syntax));
    }
}
