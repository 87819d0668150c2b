//! Tagging: finds entities, generic references and cue words in a text.
//!
//! One Aho-Corasick automaton holds every alias, generic term and cue of the pattern set,
//! folded (see [`normalize`]); the scan (module `scan`) walks it from word starts, folding the
//! text on the fly, and keeps the longest whole-word match at each place. Road codes
//! (`RN 5`) are found from their digits back to a road prefix (module `roads`). Every hit is a
//! byte span of the original text. Then, in one left-to-right pass:
//! - an acronym in parentheses after a name is folded into that name's mention, and an
//!   acronym the pattern set does not know is learned for the rest of the article;
//! - a mention used as a modifier ("al-Qaeda-linked") is marked, so later references skip it;
//! - a generic reference ("the embassy") resolves to the entity of that kind named earlier,
//!   when one is clearly meant, and is dropped otherwise, unless its words name an actor
//!   on their own ("gunmen"): that is kept as [`Unnamed`].
//!
//! Pure: no IO, no clock. A [`Tagger`] is built once per pattern set and shared across threads.

mod endpoints;
mod merge;
pub mod normalize;
mod roads;
mod scan;
#[cfg(test)]
mod scan_tests;
mod words;

use std::collections::HashMap;

use crate::extract::clutter;
use crate::model::{EntityId, EntityKind, Mention, MentionVia, RoadEntity, Span};
use crate::patterns::{CueIdx, PatternSet};
use endpoints::{Endpoints, Found};
use merge::Dynamic;
use normalize::{fold, is_word_char};
use roads::RoadCodes;
use scan::Scanner;

/// Why a tagger could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TagError {
    #[error("cannot build the alias automaton: {0}")]
    Automaton(#[from] aho_corasick::BuildError),
    #[error("the alias automaton cannot be searched anchored: {0}")]
    Anchored(#[from] aho_corasick::MatchError),
}

/// What a pattern of the automaton stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Entity(usize),
    Generic { kind: EntityKind, unnamed: bool },
    Cue(CueIdx),
}

/// A cue word found in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CueHit {
    pub cue: CueIdx,
    pub span: Span,
}

/// An actor named only by what it is ("gunmen", "des hommes armés"), that no entity
/// named earlier accounts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unnamed {
    pub kind: EntityKind,
    pub span: Span,
}

/// Everything tagging finds in one text, in text order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tags {
    pub mentions: Vec<Mention>,
    pub cues: Vec<CueHit>,
    pub unnamed: Vec<Unnamed>,
    /// The roads named by their endpoints that the pattern set does not list, once each.
    pub roads: Vec<RoadEntity>,
}

/// A match before resolution, in original-text coordinates.
#[derive(Debug, Clone, Copy)]
struct Hit {
    span: Span,
    target: Target,
    via: MentionVia,
    /// A place named inside a road's name ("the *Kayes*–Bamako road"): a mention, but a
    /// modifier of the road.
    inner: bool,
}

/// The compiled matcher for one pattern set.
#[derive(Debug)]
pub struct Tagger<'p> {
    patterns: &'p PatternSet,
    scanner: Scanner,
    targets: Vec<Target>,
    /// Short all-capitals aliases ("UN", "US") match only in capitals: not French "un".
    case_rules: Vec<CaseRule>,
    road_codes: RoadCodes,
    endpoints: Endpoints,
    entity_by_id: HashMap<&'p EntityId, usize>,
}

impl<'p> Tagger<'p> {
    pub fn new(patterns: &'p PatternSet) -> Result<Self, TagError> {
        let mut seen: HashMap<String, Target> = HashMap::new();
        let mut folded = Vec::new();
        let mut targets = Vec::new();
        let mut case_rules = Vec::new();
        let entities = patterns
            .entities
            .iter()
            .enumerate()
            .flat_map(|(i, e)| e.aliases.iter().map(move |a| (&a.text, Target::Entity(i))));
        let generics = patterns.generics.iter().flat_map(|g| {
            let target = Target::Generic {
                kind: g.kind,
                unnamed: g.unnamed,
            };
            g.terms.iter().map(move |t| (&t.text, target))
        });
        let cues = patterns.cues.iter().enumerate().flat_map(|(i, c)| {
            c.terms
                .iter()
                .map(move |t| (&t.text, Target::Cue(CueIdx(i))))
        });
        for (text, target) in entities.chain(generics).chain(cues) {
            let f = fold(text);
            // The loader already rejected one form pointing to two things; repeats are harmless.
            if !f.is_empty() && seen.insert(f.clone(), target).is_none() {
                folded.push(f);
                targets.push(target);
                case_rules.push(CaseRule::of(text));
            }
        }
        let scanner = Scanner::new(&folded)?;
        let road_codes = RoadCodes::new(patterns.road_prefixes.iter().flat_map(|p| {
            std::iter::once((p.code.as_str(), p.code.as_str()))
                .chain(p.words.iter().map(|w| (w.as_str(), p.code.as_str())))
        }));
        let endpoints = Endpoints::new(patterns);
        let entity_by_id = patterns
            .entities
            .iter()
            .enumerate()
            .map(|(i, e)| (&e.id, i))
            .collect();
        Ok(Self {
            patterns,
            scanner,
            targets,
            case_rules,
            road_codes,
            endpoints,
            entity_by_id,
        })
    }

    pub fn patterns(&self) -> &'p PatternSet {
        self.patterns
    }

    /// Tags `text`: mentions (resolved) and cue hits, each in text order.
    pub fn tag(&self, text: &str) -> Tags {
        let mut hits = self.scan(text);
        let mut dynamic = Dynamic::default();
        self.road_hits(text, &mut hits, &mut dynamic);
        // Related links, teasers and timestamps name things the article is not about.
        let clutter = clutter::spans(text, &self.patterns.lexicon);
        if !clutter.is_empty() {
            hits.retain(|h| !clutter.iter().any(|c| c.contains(h.span)));
        }
        hits.sort_by_key(|h| (h.span.start, std::cmp::Reverse(h.span.end)));
        let hits = self.fold_acronyms(text, hits);
        let mut tags = Tags::default();
        let hits = self.endpoint_roads(text, hits, &mut dynamic, &mut tags.roads);

        let mut salience: Vec<(EntityId, EntityKind, usize)> = Vec::new();
        for (i, &hit) in hits.iter().enumerate() {
            match hit.target {
                Target::Cue(cue) => tags.cues.push(CueHit {
                    cue,
                    span: hit.span,
                }),
                Target::Entity(i) => {
                    let (id, kind) = self.entity_at(i, &dynamic);
                    let modifier = hit.inner
                        || is_modifier(text, hit.span, &self.patterns.lexicon.modifier_suffixes);
                    if !modifier {
                        bump(&mut salience, &id, kind);
                    }
                    tags.mentions.push(Mention {
                        entity: id,
                        kind,
                        span: hit.span,
                        via: hit.via,
                        modifier,
                    });
                }
                Target::Generic { kind, unnamed } => {
                    // "the capital Bamako", "le groupe JNIM": the name that follows is the
                    // mention; the generic word only announces it.
                    if hits.get(i + 1).is_some_and(|next| {
                        text[hit.span.end..next.span.start].trim().is_empty()
                            && matches!(next.target, Target::Entity(e)
                                if self.entity_at(e, &dynamic).1 == kind)
                    }) {
                        continue;
                    }
                    // "the government", "la junte" with no government named before: the
                    // government of the country the article is most about so far.
                    let resolved = self
                        .has_determiner(text, hit.span)
                        .then(|| {
                            antecedent(&salience, kind).or_else(|| {
                                (kind == EntityKind::Government)
                                    .then(|| self.government_of_salient_country(&salience))
                                    .flatten()
                            })
                        })
                        .flatten();
                    if let Some(id) = resolved {
                        bump(&mut salience, &id, kind);
                        tags.mentions.push(Mention {
                            entity: id,
                            kind,
                            span: hit.span,
                            via: MentionVia::Generic,
                            modifier: false,
                        });
                    } else if unnamed {
                        tags.unnamed.push(Unnamed {
                            kind,
                            span: hit.span,
                        });
                    }
                }
            }
        }
        tags
    }

    fn entity_at(&self, i: usize, dynamic: &Dynamic) -> (EntityId, EntityKind) {
        match self.patterns.entities.get(i) {
            Some(e) => (e.id.clone(), e.kind),
            None => (
                dynamic.ids[i - self.patterns.entities.len()].clone(),
                EntityKind::Road,
            ),
        }
    }

    /// Whole-word alias hits, the longest at each place (see [`scan`]).
    fn scan(&self, text: &str) -> Vec<Hit> {
        let mut hits = Vec::new();
        // Short all-capitals aliases only match written in capitals (see [`CaseRule`]).
        let case_ok = |pattern: usize, span: Span| {
            self.case_rules[pattern].allows(&text[span.start..span.end])
        };
        self.scanner.scan(text, case_ok, |pattern, span| {
            hits.push(Hit {
                span,
                target: self.targets[pattern],
                via: MentionVia::Alias,
                inner: false,
            });
        });
        hits
    }

    /// Roads named by their endpoints (module `endpoints`): one hit over the whole phrase.
    /// Places inside it stay mentions, marked as modifiers of the road; road words inside it
    /// ("the road") are no generic references.
    fn endpoint_roads(
        &self,
        text: &str,
        hits: Vec<Hit>,
        dynamic: &mut Dynamic,
        roads: &mut Vec<RoadEntity>,
    ) -> Vec<Hit> {
        let places: Vec<endpoints::Place> = hits
            .iter()
            .filter_map(|h| match h.target {
                Target::Entity(i) if self.patterns.entities.get(i)?.kind.is_place() => {
                    Some((h.span, i))
                }
                _ => None,
            })
            .collect();
        let found = self.endpoints.find(text, &places);
        if found.is_empty() {
            return hits;
        }
        let mut out = Vec::with_capacity(hits.len() + found.len());
        let mut next = 0;
        for mut hit in hits {
            while found
                .get(next)
                .is_some_and(|f| f.span.end <= hit.span.start)
            {
                next += 1;
            }
            if found.get(next).is_some_and(|f| f.span.contains(hit.span)) {
                match hit.target {
                    Target::Generic { .. } => continue,
                    Target::Entity(_) => hit.inner = true,
                    Target::Cue(_) => {}
                }
            }
            out.push(hit);
        }
        for f in &found {
            if let Some(target) = self.road_target(f, dynamic, roads) {
                out.push(Hit {
                    span: f.span,
                    target,
                    via: MentionVia::Endpoints,
                    inner: false,
                });
            }
        }
        out.sort_by_key(|h| (h.span.start, std::cmp::Reverse(h.span.end)));
        out
    }

    /// The known road, or a new one named "‹A›–‹B› road" with id `road-<a>--<b>` (ids
    /// sorted, so either order of the text gives the same road).
    fn road_target(
        &self,
        f: &Found,
        dynamic: &mut Dynamic,
        roads: &mut Vec<RoadEntity>,
    ) -> Option<Target> {
        if let Some(road) = f.known {
            return Some(Target::Entity(road));
        }
        let (a, b) = (
            &self.patterns.entities[f.from],
            &self.patterns.entities[f.to],
        );
        if a.id == b.id {
            return None;
        }
        let (a, b) = if a.id < b.id { (a, b) } else { (b, a) };
        let id = EntityId::new(&format!("road-{}--{}", a.id, b.id)).ok()?;
        let (index, new) = dynamic.index(self.patterns.entities.len(), id.clone());
        if new {
            roads.push(RoadEntity {
                id: id.clone(),
                // A spaced dash keeps the two names words of their own for whoever splits
                // the name on spaces ("Gao – Niamey road" = "Niamey – Gao route").
                name: format!("{} – {} road", a.name, b.name),
                from: a.id.clone(),
                to: b.id.clone(),
            });
        }
        Some(Target::Entity(index))
    }

    /// A generic term counts only after a definite determiner ("the", "l'"), with at most
    /// one word between them ("the international airport").
    fn has_determiner(&self, text: &str, span: Span) -> bool {
        let before = &text[..span.start];
        let words: Vec<String> = before
            .rsplit(|c: char| !is_word_char(c))
            .filter(|w| !w.is_empty())
            .take(4)
            .map(fold)
            .collect();
        // "the al-Qaida-linked group": a modifier ("X-linked") may stand between the
        // determiner and the generic word.
        let reach = if words
            .first()
            .is_some_and(|w| self.patterns.lexicon.modifier_suffixes.contains(w))
        {
            4
        } else {
            2
        };
        words
            .iter()
            .take(reach)
            .any(|w| self.patterns.lexicon.determiners.contains(w))
    }
}

fn bump(salience: &mut Vec<(EntityId, EntityKind, usize)>, id: &EntityId, kind: EntityKind) {
    match salience.iter_mut().find(|(e, _, _)| e == id) {
        Some(entry) => entry.2 += 1,
        None => salience.push((id.clone(), kind, 1)),
    }
}

/// The entity a generic reference of `kind` points to: the only one of that kind named so
/// far, or the one named clearly more often than any other.
impl Tagger<'_> {
    /// The entity that `governs` the most-mentioned country so far (actors.toml).
    fn government_of_salient_country(
        &self,
        salience: &[(EntityId, EntityKind, usize)],
    ) -> Option<EntityId> {
        let country = antecedent(salience, EntityKind::Country)?;
        self.patterns
            .entities
            .iter()
            .find(|e| e.governs.as_ref() == Some(&country))
            .map(|e| e.id.clone())
    }
}

fn antecedent(salience: &[(EntityId, EntityKind, usize)], kind: EntityKind) -> Option<EntityId> {
    let mut best: Option<&(EntityId, EntityKind, usize)> = None;
    let mut tie = false;
    for entry in salience.iter().filter(|(_, k, _)| *k == kind) {
        match best {
            Some(b) if entry.2 == b.2 => tie = true,
            Some(b) if entry.2 < b.2 => {}
            _ => {
                best = Some(entry);
                tie = false;
            }
        }
    }
    if tie { None } else { best.map(|b| b.0.clone()) }
}

/// How the case of a text must look for an alias to match it there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CaseRule {
    /// Any case: the usual rule.
    Any,
    /// Short all-capitals aliases of up to three letters ("UN", "US"): only in capitals, so
    /// never French "un" nor "Un".
    Capitals,
    /// All-capitals aliases of four letters ("JNIM", "EIGS"): in capitals, or with only the
    /// first letter capitalised as the French press writes acronyms ("Jnim"); never all
    /// lowercase.
    CapitalsOrInitial,
}

impl CaseRule {
    fn of(alias: &str) -> Self {
        let letters: Vec<char> = alias.chars().filter(|c| c.is_alphabetic()).collect();
        if letters.is_empty() || letters.len() > 4 || !letters.iter().all(|c| c.is_uppercase()) {
            CaseRule::Any
        } else if letters.len() == 4 {
            CaseRule::CapitalsOrInitial
        } else {
            CaseRule::Capitals
        }
    }

    fn allows(self, written: &str) -> bool {
        let mut letters = written.chars().filter(|c| c.is_alphabetic());
        match self {
            CaseRule::Any => true,
            CaseRule::Capitals => !written.chars().any(char::is_lowercase),
            CaseRule::CapitalsOrInitial => {
                letters.next().is_some_and(char::is_uppercase)
                    && (!written.chars().any(char::is_lowercase) || letters.all(char::is_lowercase))
            }
        }
    }
}

/// Whether the mention is followed by a hyphen and a modifier suffix: "al-Qaeda-linked".
fn is_modifier(text: &str, span: Span, suffixes: &std::collections::HashSet<String>) -> bool {
    let rest = &text[span.end..];
    let Some(dash) = rest
        .chars()
        .next()
        .filter(|c| matches!(c, '-' | '‐' | '‑' | '–'))
    else {
        return false;
    };
    let word: String = rest[dash.len_utf8()..]
        .chars()
        .take_while(|c| is_word_char(*c))
        .collect();
    suffixes.contains(&fold(&word))
}

#[cfg(test)]
mod endpoint_tests;
#[cfg(test)]
mod tests;
