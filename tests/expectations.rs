//! Table-driven acceptance tests: every article in an `expected.toml` is run through the
//! pipeline and compared with what an analyst reads off it (format: `fixtures/README.md`).
//! All mismatches are collected and reported together, with claim precision and recall.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sitrep::extract::Overrides;
use sitrep::fetch::local;
use sitrep::model::{Arg, Attribution, Claim, EntityId, Modality, Precision};
use sitrep::patterns::PatternSet;
use sitrep::pipeline::{Analysis, Pipeline};
use sitrep::tag::normalize::fold;

#[derive(Debug, Deserialize, Default)]
struct ExpectedFile {
    #[serde(default)]
    article: Vec<ExpectedArticle>,
}

#[derive(Debug, Deserialize, Default)]
struct ExpectedArticle {
    file: String,
    title: Option<String>,
    byline: Option<String>,
    published: Option<String>,
    dateline_place: Option<String>,
    agency: Option<String>,
    #[serde(default)]
    no_claims: bool,
    #[serde(default)]
    not_tagged: Vec<String>,
    #[serde(default)]
    entities: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    claim: Vec<ClaimSpec>,
    #[serde(default)]
    forbid: Vec<ClaimSpec>,
    #[serde(default)]
    resolve: Vec<Resolve>,
}

#[derive(Debug, Deserialize, Default, Clone)]
struct ClaimSpec {
    subject: Option<String>,
    predicate: Option<String>,
    object: Option<String>,
    place: Option<String>,
    #[serde(default)]
    places: Vec<String>,
    #[serde(default)]
    event_types: Vec<String>,
    time_text: Option<String>,
    time: Option<String>,
    precision: Option<String>,
    modality: Option<String>,
    attributed_to: Option<String>,
    by: Option<String>,
    speaker_role: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Resolve {
    surface: String,
    entity: String,
}

struct Checker<'a> {
    patterns: &'a PatternSet,
}

/// Content words of a phrase: folded, without function words.
fn content_words(p: &PatternSet, s: &str) -> Vec<String> {
    fold(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .filter(|w| !p.lexicon.edge_words.contains(*w) && !p.lexicon.determiners.contains(*w))
        .map(str::to_string)
        .collect()
}

impl Checker<'_> {
    fn is_entity(&self, s: &str) -> bool {
        EntityId::new(&s.to_lowercase()).is_ok_and(|id| self.patterns.entity(&id).is_some())
            || (s.len() <= 6
                && s.chars().any(|c| c.is_ascii_digit())
                && s.chars().all(|c| c.is_ascii_alphanumeric()))
    }

    fn arg_text(&self, arg: &Arg) -> String {
        match arg {
            Arg::Entity(id) => self
                .patterns
                .entity(id)
                .map_or_else(|| id.to_string(), |e| format!("{} {}", e.name, id)),
            Arg::Literal(l) => l.clone(),
        }
    }

    /// An expected subject or object against a produced one: entity ids exactly, literals by
    /// content-word recall of at least one half.
    fn arg_matches(&self, want: &str, got: Option<&Arg>) -> bool {
        if want.starts_with("(unnamed") {
            return got.is_none();
        }
        let Some(got) = got else { return false };
        if self.is_entity(want) {
            return got
                .entity()
                .is_some_and(|id| id.as_str() == want.to_lowercase());
        }
        // Status values ("controlled", "partially_controlled") compare exactly.
        if let Arg::Literal(l) = got
            && !want.contains(' ')
            && !l.contains(' ')
        {
            return fold(want) == fold(l);
        }
        let want_words = content_words(self.patterns, want);
        let got_words = content_words(self.patterns, &self.arg_text(got));
        if want_words.is_empty() {
            return fold(want) == fold(&self.arg_text(got));
        }
        let hits = want_words.iter().filter(|w| got_words.contains(w)).count();
        hits * 2 >= want_words.len()
    }

    fn matches(&self, spec: &ClaimSpec, c: &Claim, all: &[Claim], forbid: bool) -> bool {
        let id_eq = |want: &str, got: Option<&EntityId>| {
            got.is_some_and(|g| g.as_str() == want.to_lowercase())
        };
        let time = c.time.as_ref();
        let ok =
            spec.predicate
                .as_ref()
                .is_none_or(|p| c.predicate.as_str() == p)
                && spec
                    .subject
                    .as_ref()
                    .is_none_or(|s| self.arg_matches(s, c.subject.as_ref()))
                && spec
                    .object
                    .as_ref()
                    .is_none_or(|o| self.arg_matches(o, c.object.as_ref()))
                && spec
                    .place
                    .as_ref()
                    .is_none_or(|p| c.places.iter().any(|x| x.as_str() == p.to_lowercase()))
                && spec.by.as_ref().is_none_or(|b| id_eq(b, c.agent.as_ref()))
                && spec
                    .attributed_to
                    .as_ref()
                    .is_none_or(|a| id_eq(a, c.attribution.entity()))
                && spec.time_text.as_ref().is_none_or(|want| {
                    let got = time
                        .and_then(|t| t.text.as_deref())
                        .map(fold)
                        .unwrap_or_default();
                    !got.is_empty() && (fold(want).contains(&got) || got.contains(&fold(want)))
                })
                && spec.time.as_deref().is_none_or(|want| match want {
                    "unresolved" => time.is_none_or(|t| t.precision == Precision::Unresolved),
                    "resolved" => time
                        .is_some_and(|t| t.value.is_some() && t.precision != Precision::Unresolved),
                    v => time.and_then(|t| t.value.as_deref()) == Some(v),
                })
                && spec
                    .precision
                    .as_deref()
                    .is_none_or(|p| time.is_some_and(|t| t.precision.as_str() == p))
                && spec
                    .speaker_role
                    .as_ref()
                    .is_none_or(|r| match &c.attribution {
                        Attribution::Speaker {
                            role: Some(role), ..
                        } => fold(role).contains(&fold(r)),
                        _ => false,
                    });
        let modality_ok = match spec.modality.as_deref() {
            Some("any") => true,
            Some(m) => c.modality.as_str() == m,
            None if forbid => c.modality != Modality::Negated,
            None => true,
        };
        // `places` and `event_types` speak of every claim about this subject in the article.
        let same_subject: Vec<&Claim> = all.iter().filter(|x| x.subject == c.subject).collect();
        let places_ok = spec.places.iter().all(|p| {
            same_subject
                .iter()
                .any(|x| x.places.iter().any(|y| y.as_str() == p))
        });
        let events_ok = spec
            .event_types
            .iter()
            .all(|e| same_subject.iter().any(|x| x.predicate.as_str() == e));
        ok && modality_ok && places_ok && events_ok
    }

    fn check(
        &self,
        dir: &Path,
        art: &ExpectedArticle,
        a: &Analysis,
        fails: &mut Vec<String>,
    ) -> (usize, usize, usize) {
        let f = &art.file;
        let mut fail = |m: String| fails.push(format!("{f}: {m}"));
        let d = &a.document;
        let tagged: Vec<&str> = a.mentions.iter().map(|m| m.entity.as_str()).collect();
        if let Some(t) = art.title.as_ref().filter(|t| !t.starts_with("(none")) {
            if d.title.as_deref() != Some(t.as_str()) {
                fail(format!("title {:?}, want {t:?}", d.title));
            }
        } else if art.title.is_some() && d.title.is_some() {
            fail(format!("title {:?}, want none", d.title));
        }
        if let Some(b) = &art.byline
            && d.byline.as_deref() != Some(b.as_str())
        {
            fail(format!("byline {:?}, want {b:?}", d.byline));
        }
        match art.published.as_deref() {
            Some("unknown") if d.published.is_some() => {
                fail(format!("published {:?}, want none", d.published))
            }
            Some(p)
                if p != "unknown" && d.published.map(|x| x.to_string()).as_deref() != Some(p) =>
            {
                fail(format!("published {:?}, want {p}", d.published))
            }
            _ => {}
        }
        if let Some(agency) = &art.agency
            && d.dateline.as_ref().and_then(|x| x.agency.as_deref()) != Some(agency.as_str())
        {
            fail(format!("agency {:?}, want {agency}", d.dateline));
        }
        if let Some(place) = &art.dateline_place {
            let in_dateline = d.dateline.as_ref().is_some_and(|dl| {
                a.mentions
                    .iter()
                    .any(|m| m.entity.as_str() == place && dl.span.contains(m.span))
            });
            if !in_dateline {
                fail(format!(
                    "dateline place {place} not tagged in dateline {:?}",
                    d.dateline
                ));
            }
        }
        for (group, ids) in &art.entities {
            for id in ids {
                if group == "people" {
                    let (name, role) = id
                        .split_once(" (")
                        .map_or((id.as_str(), ""), |(n, r)| (n, r.trim_end_matches(')')));
                    let want_role = fold(role);
                    let found = a.claims.iter().any(|c| matches!(&c.attribution,
                        Attribution::Speaker { name: Some(n), role: got, .. }
                            if n == name && got.as_deref().is_some_and(|r| fold(r).contains(&want_role))));
                    if !found {
                        fail(format!("person {id} not found as a speaker"));
                    }
                } else if !tagged.contains(&id.to_lowercase().as_str()) {
                    fail(format!("{group} entity {id} not tagged"));
                }
            }
        }
        for id in &art.not_tagged {
            if tagged.contains(&id.as_str()) {
                fail(format!("{id} tagged but must not be"));
            }
        }
        for r in &art.resolve {
            let occurrences: Vec<usize> =
                d.text.match_indices(&r.surface).map(|(i, _)| i).collect();
            if occurrences.is_empty() {
                fail(format!("resolve: {:?} not in the text", r.surface));
            }
            for at in occurrences {
                let span = sitrep::model::Span::new(at, at + r.surface.len());
                let over: Vec<&str> = a
                    .mentions
                    .iter()
                    .filter(|m| m.span.start < span.end && span.start < m.span.end)
                    .map(|m| m.entity.as_str())
                    .collect();
                if over != [r.entity.as_str()] {
                    fail(format!(
                        "resolve: {:?} at {at} tagged as {over:?}, want one mention of {}",
                        r.surface, r.entity
                    ));
                }
            }
        }
        if art.no_claims && !a.claims.is_empty() {
            fail(format!(
                "{} claim(s) from an article that has none: {:?}",
                a.claims.len(),
                brief(self, &a.claims)
            ));
        }
        let mut produced_hit = vec![false; a.claims.len()];
        let mut found = 0;
        for spec in &art.claim {
            let mut any = false;
            for (i, c) in a.claims.iter().enumerate() {
                if self.matches(spec, c, &a.claims, false) {
                    produced_hit[i] = true;
                    any = true;
                }
            }
            if any {
                found += 1;
            } else {
                fail(format!(
                    "missing claim {spec:?}\n    produced: {:#?}",
                    brief(self, &a.claims)
                ));
            }
        }
        for spec in &art.forbid {
            for c in a
                .claims
                .iter()
                .filter(|c| self.matches(spec, c, &a.claims, true))
            {
                fail(format!(
                    "forbidden claim {spec:?}: produced {:?}",
                    brief(self, std::slice::from_ref(c))
                ));
            }
        }
        let _ = dir;
        (
            found,
            produced_hit.iter().filter(|h| **h).count(),
            a.claims.len(),
        )
    }
}

fn brief(ch: &Checker, claims: &[Claim]) -> Vec<String> {
    claims
        .iter()
        .map(|c| {
            let arg = |a: &Option<Arg>| a.as_ref().map_or("-".to_string(), |a| ch.arg_text(a));
            let t = c
                .time
                .as_ref()
                .map_or("-".into(), |t| format!("{:?}/{:?}", t.text, t.value));
            format!(
                "{} {} {} @{:?} t={} {} ag={:?} by={:?}",
                arg(&c.subject),
                c.predicate,
                arg(&c.object),
                c.places,
                t,
                c.modality,
                c.agent,
                c.attribution.entity()
            )
        })
        .collect()
}

fn load(path: &Path) -> ExpectedFile {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs every article of `expected` (merged with `extra` entries for the same files) and
/// asserts it meets its expectations.
fn run(expected: &Path, extra: Option<&Path>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let patterns = PatternSet::load_dir(&root.join("patterns")).expect("patterns load");
    let pipeline = Pipeline::new(&patterns).expect("tagger builds");
    let checker = Checker {
        patterns: &patterns,
    };
    let mut file = load(expected);
    if let Some(extra) = extra {
        for more in load(extra).article {
            let Some(art) = file.article.iter_mut().find(|a| a.file == more.file) else {
                panic!(
                    "{}: {} is not in {}",
                    extra.display(),
                    more.file,
                    expected.display()
                );
            };
            art.forbid.extend(more.forbid);
            art.resolve.extend(more.resolve);
            art.not_tagged.extend(more.not_tagged);
        }
    }
    let dir = expected.parent().unwrap_or(Path::new("."));
    let mut fails = Vec::new();
    let (mut expected_n, mut found, mut produced_hit, mut produced) = (0, 0, 0, 0);
    for art in &file.article {
        let path: PathBuf = dir.join(&art.file);
        let raw = local::read(&path, &Overrides::default())
            .result
            .expect("fixture readable");
        let analysis = pipeline.process(&raw).expect("fixture extracts");
        let (f, h, p) = checker.check(dir, art, &analysis, &mut fails);
        println!(
            "{:<40} claims: {f}/{} expected found, {h}/{p} produced matched",
            art.file,
            art.claim.len()
        );
        expected_n += art.claim.len();
        found += f;
        produced_hit += h;
        produced += p;
    }
    let recall = found as f64 / expected_n.max(1) as f64;
    let precision = produced_hit as f64 / produced.max(1) as f64;
    println!(
        "claim recall {recall:.3} ({found}/{expected_n}), precision {precision:.3} ({produced_hit}/{produced} produced claims match an expected one)"
    );
    assert!(
        fails.is_empty(),
        "{} expectation(s) failed:\n{}",
        fails.len(),
        fails.join("\n")
    );
}

#[test]
fn seeds_yield_what_an_analyst_must_get() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    run(
        &root.join("fixtures/seeds/expected.toml"),
        Some(&root.join("fixtures/seeds/forbid.toml")),
    );
}

#[test]
fn fixture_articles_meet_their_expectations() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    run(&root.join("fixtures/articles/expected.toml"), None);
}

#[test]
fn html_pages_meet_their_expectations() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    run(&root.join("fixtures/html/expected.toml"), None);
}

/// The seeds are copied into fixtures/ so the tests run anywhere; the copies must not drift.
#[test]
fn seed_copies_equal_the_shared_originals() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/seeds");
    let Ok(entries) = std::fs::read_dir(&shared) else {
        return;
    };
    for entry in entries.flatten() {
        let copy = root.join("fixtures/seeds").join(entry.file_name());
        let original = std::fs::read(entry.path()).unwrap();
        assert_eq!(
            std::fs::read(&copy).ok(),
            Some(original),
            "{} differs from {}",
            copy.display(),
            entry.path().display()
        );
    }
}
