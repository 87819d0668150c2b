//! Turns raw pattern files into a [`PatternSet`], collecting every problem with its line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use toml::Spanned;

use super::raw;
use super::*;
use crate::tag::normalize::fold;

mod role;

struct Builder {
    problems: Vec<Problem>,
    entities: Vec<Entity>,
    /// Where each entity was declared, for reference checks.
    entity_lines: Vec<(PathBuf, usize)>,
    road_prefixes: Vec<RoadPrefix>,
    road_forms: RoadForms,
    lexicon: Lexicon,
    cues: Vec<Cue>,
    cue_lines: Vec<(PathBuf, usize)>,
    generics: Vec<Generic>,
    generic_lines: Vec<(PathBuf, usize)>,
    raw_rules: Vec<(PathBuf, String, Spanned<raw::RawRule>)>,
}

fn line_of(text: &str, offset: usize) -> usize {
    Lines::new(text).line(offset)
}

/// Line numbers of a file's byte offsets, from one pass over it: a pattern file has
/// thousands of entries, and counting newlines from the start for each made loading
/// quadratic in the file's size.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Self {
        Self(memchr::memchr_iter(b'\n', text.as_bytes()).collect())
    }

    /// The 1-based line of `offset`.
    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&nl| nl < offset) + 1
    }
}

fn lang(code: &str) -> Option<Language> {
    Language::new(code).ok()
}

/// Aliases of one table: language-neutral first, then per language.
fn aliases(neutral: &[String], en: &[String], fr: &[String]) -> Vec<Alias> {
    let tagged = |list: &[String], l: Option<Language>| -> Vec<Alias> {
        list.iter()
            .map(|t| Alias {
                text: t.clone(),
                lang: l.clone(),
            })
            .collect()
    };
    let mut all = tagged(neutral, None);
    all.extend(tagged(en, lang("en")));
    all.extend(tagged(fr, lang("fr")));
    all
}

impl Builder {
    fn problem(&mut self, file: &Path, line: usize, reason: impl Into<String>) {
        self.problems.push(Problem {
            file: file.to_path_buf(),
            line,
            reason: reason.into(),
        });
    }

    fn parse<T: DeserializeOwned + Default>(&mut self, file: &Path, text: &str) -> T {
        match toml::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                let line = e.span().map_or(0, |s| line_of(text, s.start));
                let reason = e.message().to_string();
                self.problem(file, line, reason);
                T::default()
            }
        }
    }

    /// Parses a pattern file that must hold at least one entry of its kind: an empty file
    /// would silently take away everything it contributes.
    fn parse_entries<T: DeserializeOwned + Default + raw::Entries>(
        &mut self,
        file: &Path,
        text: &str,
    ) -> T {
        let problems = self.problems.len();
        let parsed: T = self.parse(file, text);
        if self.problems.len() == problems && parsed.entries() == 0 {
            let reason = format!(
                "empty: no {} (a pattern file must hold at least one; see patterns/README.md)",
                T::WHAT
            );
            self.problem(file, 0, reason);
        }
        parsed
    }

    fn entity_id(&mut self, file: &Path, line: usize, raw: &str) -> Option<EntityId> {
        match EntityId::new(raw) {
            Ok(id) => Some(id),
            Err(e) => {
                self.problem(file, line, e.to_string());
                None
            }
        }
    }

    fn entities(&mut self, file: &Path, text: &str) {
        let parsed: raw::EntityFile = self.parse_entries(file, text);
        let lines = Lines::new(text);
        for spanned in parsed.entity {
            let line = lines.line(spanned.span().start);
            let e = spanned.into_inner();
            let Some(id) = self.entity_id(file, line, &e.id) else {
                continue;
            };
            let kind = match e.kind.parse::<EntityKind>() {
                Ok(k) => k,
                Err(err) => {
                    self.problem(file, line, format!("entity {id}: {err}"));
                    continue;
                }
            };
            let country = e
                .country
                .as_deref()
                .and_then(|c| self.entity_id(file, line, c));
            for (v, range, what) in [
                (e.latitude, -90.0..=90.0, "latitude"),
                (e.longitude, -180.0..=180.0, "longitude"),
            ] {
                if let Some(v) = v
                    && !range.contains(&v)
                {
                    self.problem(file, line, format!("entity {id}: {what} {v} out of range"));
                }
            }
            if e.latitude.is_some() != e.longitude.is_some() {
                self.problem(
                    file,
                    line,
                    format!("entity {id}: give both latitude and longitude"),
                );
            }
            let needs_coords = matches!(kind, EntityKind::City | EntityKind::Facility);
            if needs_coords && e.latitude.is_none() {
                self.problem(
                    file,
                    line,
                    format!("entity {id}: a {kind} needs latitude and longitude"),
                );
            }
            let governs = match e.governs.as_deref().map(EntityId::new) {
                Some(Ok(c)) => Some(c),
                Some(Err(err)) => {
                    self.problem(file, line, format!("entity {id}: governs: {err}"));
                    None
                }
                None => None,
            };
            let mut all = vec![Alias {
                text: e.name.clone(),
                lang: None,
            }];
            all.extend(aliases(&e.aliases, &e.en, &e.fr));
            self.push_entity(
                file,
                line,
                Entity {
                    id,
                    kind,
                    name: e.name,
                    aliases: all,
                    country,
                    description: e.description,
                    latitude: e.latitude,
                    longitude: e.longitude,
                    from: None,
                    to: None,
                    governs,
                },
            );
        }
    }

    fn push_entity(&mut self, file: &Path, line: usize, entity: Entity) {
        if let Some(i) = self.entities.iter().position(|x| x.id == entity.id) {
            let (f, l) = &self.entity_lines[i];
            let reason = format!(
                "duplicate entity id {} (first declared at {}:{l})",
                entity.id,
                f.display()
            );
            self.problem(file, line, reason);
            return;
        }
        self.entities.push(entity);
        self.entity_lines.push((file.to_path_buf(), line));
    }

    fn roads(&mut self, file: &Path, text: &str) {
        let parsed: raw::RoadFile = self.parse_entries(file, text);
        let lines = Lines::new(text);
        for spanned in parsed.prefix {
            let line = lines.line(spanned.span().start);
            let p = spanned.into_inner();
            if p.code.is_empty() || !p.code.chars().all(|c| c.is_ascii_alphabetic()) {
                self.problem(
                    file,
                    line,
                    format!("road prefix {:?}: use letters only", p.code),
                );
                continue;
            }
            self.road_prefixes.push(RoadPrefix {
                code: p.code.to_ascii_uppercase(),
                name: p.name,
                words: p.words,
            });
        }
        self.road_forms(file, text, parsed.road_words, parsed.road_connectors);
        for spanned in parsed.road {
            let line = lines.line(spanned.span().start);
            let r = spanned.into_inner();
            let Some(id) = self.entity_id(file, line, &r.id) else {
                continue;
            };
            let from = r
                .from
                .as_deref()
                .and_then(|x| self.entity_id(file, line, x));
            let to = r.to.as_deref().and_then(|x| self.entity_id(file, line, x));
            let country = r
                .country
                .as_deref()
                .and_then(|x| self.entity_id(file, line, x));
            let mut all = vec![Alias {
                text: r.name.clone(),
                lang: None,
            }];
            all.extend(aliases(&r.aliases, &r.en, &r.fr));
            self.push_entity(
                file,
                line,
                Entity {
                    id,
                    kind: EntityKind::Road,
                    name: r.name,
                    aliases: all,
                    country,
                    description: r.description,
                    latitude: None,
                    longitude: None,
                    from,
                    to,
                    governs: None,
                },
            );
        }
    }

    /// `[road_words]` and `[road_connectors]`: a connector is written "between … and".
    fn road_forms(
        &mut self,
        file: &Path,
        text: &str,
        words: Option<Spanned<raw::RawWords>>,
        connectors: Option<Spanned<raw::RawWords>>,
    ) {
        let all = |w: &raw::RawWords| -> Vec<String> {
            w.aliases
                .iter()
                .chain(&w.en)
                .chain(&w.fr)
                .map(|t| fold(t))
                .collect()
        };
        if let Some(words) = words {
            let folded = all(words.get_ref());
            self.road_forms
                .words
                .extend(folded.into_iter().filter(|w| !w.is_empty()));
        }
        let Some(connectors) = connectors else {
            return;
        };
        let line = line_of(text, connectors.span().start);
        for c in all(connectors.get_ref()) {
            let parts: Vec<&str> = c.split(['…']).map(str::trim).collect();
            match parts.as_slice() {
                [before, between] if !before.is_empty() && !between.is_empty() => self
                    .road_forms
                    .connectors
                    .push((before.to_string(), between.to_string())),
                _ => self.problem(
                    file,
                    line,
                    format!("road connector {c:?}: write it as \"between … and\""),
                ),
            }
        }
    }

    fn lexicon(&mut self, file: &Path, text: &str) {
        let parsed: raw::LexiconFile = self.parse_entries(file, text);
        let lines = Lines::new(text);
        for (language, table) in parsed {
            let line = lines.line(table.span().start);
            if lang(&language).is_none() {
                self.problem(file, line, format!("[{language}]: not a language tag"));
            }
            if let Err(reason) = self.lexicon.merge(table.get_ref()) {
                self.problem(file, line, format!("[{language}]: {reason}"));
            }
        }
    }

    fn cues(&mut self, file: &Path, text: &str) {
        let parsed: raw::CueFile = self.parse_entries(file, text);
        let lines = Lines::new(text);
        for spanned in parsed.cue {
            let line = lines.line(spanned.span().start);
            let c = spanned.into_inner();
            let role = match c.role.as_deref() {
                None | Some("event") => CueRole::Event,
                Some("exemption") => CueRole::Exemption,
                Some("attribution") => CueRole::Attribution,
                Some("document") => CueRole::Document,
                Some(other) => {
                    let reason = format!(
                        "cue {}: unknown role {other:?} (event, exemption, attribution, document)",
                        c.id
                    );
                    self.problem(file, line, reason);
                    continue;
                }
            };
            if self.cues.iter().any(|x| x.id == c.id) {
                self.problem(file, line, format!("duplicate cue id {}", c.id));
                continue;
            }
            self.cues.push(Cue {
                id: c.id,
                role,
                value: c.value,
                terms: aliases(&c.aliases, &c.en, &c.fr),
            });
            self.cue_lines.push((file.to_path_buf(), line));
        }
        for spanned in parsed.generic {
            let line = lines.line(spanned.span().start);
            let g = spanned.into_inner();
            match g.kind.parse::<EntityKind>() {
                Ok(kind) => {
                    self.generics.push(Generic {
                        kind,
                        unnamed: g.unnamed,
                        terms: aliases(&[], &g.en, &g.fr),
                    });
                    self.generic_lines.push((file.to_path_buf(), line));
                }
                Err(e) => self.problem(file, line, format!("generic: {e}")),
            }
        }
    }

    fn cue_ref(&mut self, file: &Path, line: usize, rule: &str, id: &str) -> Option<CueIdx> {
        let found = self.cues.iter().position(|c| c.id == id).map(CueIdx);
        if found.is_none() {
            self.problem(
                file,
                line,
                format!("rule {rule}: no cue with id {id:?} in cues.toml"),
            );
        }
        found
    }

    /// Rules refer to cues, which may be declared in a later file: resolved last.
    fn rules(&mut self) -> Vec<Rule> {
        let mut rules = Vec::new();
        for (file, text, spanned) in std::mem::take(&mut self.raw_rules) {
            let line = line_of(&text, spanned.span().start);
            let r = spanned.into_inner();
            let predicate = match r.predicate.parse::<Predicate>() {
                Ok(p) => p,
                Err(e) => {
                    self.problem(&file, line, format!("rule {}: {e}", r.id));
                    continue;
                }
            };
            let triggers: Vec<CueIdx> = r
                .triggers
                .iter()
                .filter_map(|t| self.cue_ref(&file, line, &r.id, t))
                .collect();
            let requires = r
                .requires
                .iter()
                .filter_map(|t| self.cue_ref(&file, line, &r.id, t))
                .collect();
            let mut fill = Vec::new();
            for f in &r.fill {
                match f.as_str() {
                    "subject" => fill.push(Role::Subject),
                    "object" => fill.push(Role::Object),
                    "agent" => fill.push(Role::Agent),
                    other => self.problem(&file, line, format!("rule {}: fill {other:?}", r.id)),
                }
            }
            for role in [Role::Subject, Role::Object, Role::Agent] {
                if !fill.contains(&role) {
                    fill.push(role);
                }
            }
            if triggers.is_empty() {
                self.problem(&file, line, format!("rule {}: no trigger", r.id));
            }
            let subject = self.role(&file, line, &r.id, r.subject.as_ref());
            let object = self.role(&file, line, &r.id, r.object.as_ref());
            let agent = self.role(&file, line, &r.id, r.agent.as_ref());
            if rules.iter().any(|x: &Rule| x.id.0 == r.id) {
                self.problem(&file, line, format!("duplicate rule id {}", r.id));
            }
            rules.push(Rule {
                id: RuleId(r.id),
                predicate,
                triggers,
                requires,
                subject,
                object,
                agent,
                fill,
                description: r.description,
                when_alone: r.when_alone,
                topical: r.topical,
            });
        }
        rules
    }

    fn check_references(&mut self) {
        let known: HashMap<&EntityId, EntityKind> =
            self.entities.iter().map(|e| (&e.id, e.kind)).collect();
        let mut found = Vec::new();
        for (e, (file, line)) in self.entities.iter().zip(&self.entity_lines) {
            for (field, target) in [("country", &e.country), ("from", &e.from), ("to", &e.to)] {
                if let Some(t) = target
                    && !known.contains_key(t)
                {
                    found.push((
                        file.clone(),
                        *line,
                        format!("entity {}: {field} {t} is not a known entity", e.id),
                    ));
                }
            }
        }
        for (file, line, reason) in found {
            self.problem(&file, line, reason);
        }
    }

    /// One folded form may point to one thing only: an entity, a generic kind or a cue.
    fn check_aliases(&mut self) {
        let mut owners: HashMap<String, (String, PathBuf, usize)> = HashMap::new();
        let mut clashes = Vec::new();
        let entities = self
            .entities
            .iter()
            .zip(&self.entity_lines)
            .map(|(e, l)| (format!("entity {}", e.id), &e.aliases, l));
        let generics = self
            .generics
            .iter()
            .zip(&self.generic_lines)
            .map(|(g, l)| (format!("generic {}", g.kind), &g.terms, l));
        let cues = self
            .cues
            .iter()
            .zip(&self.cue_lines)
            .map(|(c, l)| (format!("cue {}", c.id), &c.terms, l));
        for (owner, terms, (file, line)) in entities.chain(generics).chain(cues) {
            for term in terms.iter() {
                let folded = fold(&term.text);
                if folded.is_empty() {
                    clashes.push((
                        file.clone(),
                        *line,
                        format!("{owner}: empty alias {:?}", term.text),
                    ));
                    continue;
                }
                match owners.get(&folded) {
                    Some((other, f, l)) if *other != owner => {
                        let reason = format!(
                            "{owner}: alias {:?} also belongs to {other} ({}:{l})",
                            term.text,
                            f.display()
                        );
                        clashes.push((file.clone(), *line, reason));
                    }
                    Some(_) => {}
                    None => {
                        owners.insert(folded, (owner.clone(), file.clone(), *line));
                    }
                }
            }
        }
        for (file, line, reason) in clashes {
            self.problem(&file, line, reason);
        }
    }
}

pub(super) fn build(
    sources: &[(PathBuf, String)],
    version: PatternVersion,
) -> Result<PatternSet, PatternError> {
    let mut b = Builder {
        problems: Vec::new(),
        entities: Vec::new(),
        entity_lines: Vec::new(),
        road_prefixes: Vec::new(),
        road_forms: RoadForms::default(),
        lexicon: Lexicon::default(),
        cues: Vec::new(),
        cue_lines: Vec::new(),
        generics: Vec::new(),
        generic_lines: Vec::new(),
        raw_rules: Vec::new(),
    };
    for (path, text) in sources {
        match path.file_name().and_then(|n| n.to_str()).unwrap_or("") {
            "actors.toml" | "places.toml" => b.entities(path, text),
            "roads.toml" => b.roads(path, text),
            "lexicon.toml" => b.lexicon(path, text),
            "cues.toml" => b.cues(path, text),
            "rules.toml" => {
                let parsed: raw::RuleFile = b.parse_entries(path, text);
                b.raw_rules.extend(
                    parsed
                        .rule
                        .into_iter()
                        .map(|r| (path.clone(), text.clone(), r)),
                );
            }
            other => b.problem(
                path,
                0,
                format!(
                    "unknown pattern file {other:?}; expected one of {}",
                    FILES.join(", ")
                ),
            ),
        }
    }
    let rules = b.rules();
    b.check_references();
    b.check_aliases();
    if !b.problems.is_empty() {
        return Err(PatternError::Invalid(b.problems));
    }
    b.lexicon.index();
    let index = b
        .entities
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.clone(), i))
        .collect();
    Ok(PatternSet {
        version,
        entities: b.entities,
        road_prefixes: b.road_prefixes,
        road_forms: b.road_forms,
        lexicon: b.lexicon,
        cues: b.cues,
        generics: b.generics,
        rules,
        index,
    })
}
