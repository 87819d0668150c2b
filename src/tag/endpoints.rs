//! Roads named by their endpoints: "the Kayes–Bamako road", "l'axe Sikasso-Bougouni", "les
//! routes Bamako — Sikasso et Bamako-Ségou", "the road between Kayes and Bamako", "l'axe
//! reliant Kayes à Bamako".
//!
//! The words are data (`roads.toml`: `[road_words]`, `[road_connectors]`; the lexicon's
//! conjunctions for lists). The places are the tagger's own place hits. Forms:
//! - **dashed**: places joined by a dash (any dash, spaces or not), with a road word right
//!   before the first ("axe Kayes-Bamako") or right after the last ("Kayes–Bamako road").
//!   Three or more places in a dashed row are one road from the first to the last. Pairs
//!   listed with commas or conjunctions share a road word ("les routes Bamako — Sikasso et
//!   Bamako-Ségou", "the Kayes-Bamako and Bamako-Ségou roads"), and so do list items ("- Kayes
//!   – Bamako") under a lead-in line that names a road word and ends with a colon.
//! - **connected**: a road word, at most two other words, a connector's first part, a place,
//!   its second part, a place: "the main road linking Kayes and Bamako".
//!
//! A pair of places stands for a known road when `roads.toml` gives it those endpoints
//! (`from`/`to`, either order) or an alias made of a road word and those two places ("axe
//! Bougouni-Sikasso"); the tagger makes any other pair a new road entity.
//!
//! One pass over the place hits, each looking at a bounded number of words around it, and
//! list lead-ins found by walking back over lines no earlier pass has walked: linear.

use std::collections::{HashMap, HashSet};

use super::normalize::{fold, is_apostrophe, is_word_char};
use crate::model::{EntityKind, Span};
use crate::patterns::PatternSet;

/// Words a road word may stand apart from its connector: "the main *road* linking".
const CONNECTOR_GAP: usize = 2;

/// The compiled endpoint forms of one pattern set.
#[derive(Debug, Clone, Default)]
pub(super) struct Endpoints {
    /// Folded road words, multi-word ones joined by one space.
    words: HashSet<String>,
    /// The most words in one road word.
    longest: usize,
    /// (words before the first place, nearest first; words between the two places).
    connectors: Vec<(Vec<String>, String)>,
    conjunctions: HashSet<String>,
    /// Sorted entity indices of two endpoints → the known road (`None`: two roads claim them).
    by_endpoints: HashMap<(usize, usize), Option<usize>>,
    by_alias: HashMap<(usize, usize), Option<usize>>,
}

/// A road found by its endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Found {
    pub span: Span,
    /// The endpoints' entity indices, in text order.
    pub from: usize,
    pub to: usize,
    /// The known road with these endpoints, if any.
    pub known: Option<usize>,
}

/// A place hit: its span and entity index.
pub(super) type Place = (Span, usize);

fn pair(a: usize, b: usize) -> (usize, usize) {
    (a.min(b), a.max(b))
}

fn claim(map: &mut HashMap<(usize, usize), Option<usize>>, key: (usize, usize), road: usize) {
    let entry = map.entry(key).or_insert(Some(road));
    if *entry != Some(road) {
        *entry = None;
    }
}

impl Endpoints {
    pub(super) fn new(patterns: &PatternSet) -> Self {
        let forms = &patterns.road_forms;
        let words: HashSet<String> = forms.words.iter().cloned().collect();
        let longest = words
            .iter()
            .map(|w| w.split(' ').count())
            .max()
            .unwrap_or(0);
        let connectors = forms
            .connectors
            .iter()
            .map(|(before, between)| {
                (
                    before.split(' ').rev().map(String::from).collect(),
                    between.clone(),
                )
            })
            .collect();
        let mut place_names: HashMap<String, usize> = HashMap::new();
        for (i, e) in patterns.entities.iter().enumerate() {
            if e.kind.is_place() {
                for a in &e.aliases {
                    place_names.entry(fold(&a.text)).or_insert(i);
                }
            }
        }
        let index: HashMap<&str, usize> = patterns
            .entities
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.as_str(), i))
            .collect();
        let mut out = Self {
            words,
            longest,
            connectors,
            conjunctions: patterns.lexicon.conjunctions.clone(),
            ..Self::default()
        };
        for (r, e) in patterns.entities.iter().enumerate() {
            if e.kind != EntityKind::Road {
                continue;
            }
            let ends = (e.from.as_ref(), e.to.as_ref());
            if let (Some(from), Some(to)) = ends
                && let (Some(&a), Some(&b)) = (index.get(from.as_str()), index.get(to.as_str()))
            {
                claim(&mut out.by_endpoints, pair(a, b), r);
            }
            for alias in &e.aliases {
                if let Some((a, b)) = out.alias_endpoints(&fold(&alias.text), &place_names) {
                    claim(&mut out.by_alias, pair(a, b), r);
                }
            }
        }
        out
    }

    /// "axe bougouni sikasso" → (bougouni, sikasso): a road word at one end, and the rest
    /// split in exactly one way into two place names.
    fn alias_endpoints(
        &self,
        alias: &str,
        places: &HashMap<String, usize>,
    ) -> Option<(usize, usize)> {
        let words: Vec<&str> = alias.split(' ').collect();
        let n = words.len();
        let rest = (1..=self.longest.min(n.saturating_sub(2))).find_map(|k| {
            if self.words.contains(&words[..k].join(" ")) {
                Some(&words[k..])
            } else if self.words.contains(&words[n - k..].join(" ")) {
                Some(&words[..n - k])
            } else {
                None
            }
        })?;
        let mut splits = (1..rest.len()).filter_map(|k| {
            Some((
                *places.get(&rest[..k].join(" "))?,
                *places.get(&rest[k..].join(" "))?,
            ))
        });
        let first = splits.next()?;
        splits.next().is_none().then_some(first)
    }

    /// The known road between two places, if the pattern set has one.
    fn known(&self, a: usize, b: usize) -> Option<usize> {
        let key = pair(a, b);
        match self.by_endpoints.get(&key) {
            Some(road) => *road,
            None => self.by_alias.get(&key).copied().flatten(),
        }
    }

    /// The road word ending at the `k`-th word of `words` (nearest first), longest first: its
    /// start. `words` run away from the place (backwards before it, forwards after it).
    fn road_word(&self, words: &[(String, Span)], from: usize, backwards: bool) -> Option<Span> {
        (1..=self.longest).rev().find_map(|k| {
            let run = words.get(from..from + k)?;
            let joined = if backwards {
                run.iter()
                    .rev()
                    .map(|w| w.0.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            } else {
                run.iter()
                    .map(|w| w.0.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            self.words.contains(&joined).then(|| {
                let (a, b) = (run[0].1, run[k - 1].1);
                Span::new(a.start.min(b.start), a.end.max(b.end))
            })
        })
    }

    /// Every road named by its endpoints, in text order. `places`: the place hits, sorted.
    pub(super) fn find(&self, text: &str, places: &[Place]) -> Vec<Found> {
        if self.words.is_empty() {
            return Vec::new();
        }
        let mut found = Vec::new();
        // Dashed rows: (first place index, last place index, road word before, after).
        let mut rows: Vec<(usize, usize, Option<Span>, Option<Span>)> = Vec::new();
        let mut lists = ListLeads::default();
        let mut i = 0;
        while i < places.len() {
            let mut j = i;
            while j + 1 < places.len() && is_dash_gap(&text[places[j].0.end..places[j + 1].0.start])
            {
                j += 1;
            }
            if j > i {
                let before = words_before(text, places[i].0.start, self.longest);
                let after = words_after(text, places[j].0.end, self.longest);
                let mut lead = self.road_word(&before, 0, true);
                if lead.is_none() && lists.is_item(self, text, places[i].0.start) {
                    lead = Some(Span::new(places[i].0.start, places[i].0.start));
                }
                rows.push((i, j, lead, self.road_word(&after, 0, false)));
                i = j + 1;
                continue;
            }
            if let Some(f) = self.connected(text, places, i) {
                found.push(f);
                i += 2;
                continue;
            }
            i += 1;
        }
        // Rows listed together share their road word.
        let mut start = 0;
        while start < rows.len() {
            let mut end = start;
            while end + 1 < rows.len()
                && self
                    .is_list_gap(&text[places[rows[end].1].0.end..places[rows[end + 1].0].0.start])
            {
                end += 1;
            }
            let chain = &rows[start..=end];
            if chain.iter().any(|r| r.2.is_some() || r.3.is_some()) {
                for &(a, b, before, after) in chain {
                    let (pa, pb) = (places[a], places[b]);
                    let s = before.map_or(pa.0.start, |w| w.start.min(pa.0.start));
                    let e = after.map_or(pb.0.end, |w| w.end);
                    found.push(Found {
                        span: Span::new(s, e),
                        from: pa.1,
                        to: pb.1,
                        known: self.known(pa.1, pb.1),
                    });
                }
            }
            start = end + 1;
        }
        found.sort_by_key(|f| f.span.start);
        found
    }

    /// "road between X and Y" with X = `places[i]`, Y the next place.
    fn connected(&self, text: &str, places: &[Place], i: usize) -> Option<Found> {
        let (a, b) = (places[i], *places.get(i + 1)?);
        let gap = &text[a.0.end..b.0.start];
        if gap.contains('\n') || gap.len() > 24 {
            return None;
        }
        let gap = fold(gap);
        let max = self.connectors.iter().map(|c| c.0.len()).max()? + CONNECTOR_GAP + self.longest;
        let before = words_before(text, a.0.start, max);
        self.connectors
            .iter()
            .filter(|(_, between)| *between == gap)
            .find_map(|(lead, _)| {
                let matches =
                    before.len() >= lead.len() && before.iter().zip(lead).all(|(w, l)| w.0 == *l);
                if !matches {
                    return None;
                }
                let word = (0..=CONNECTOR_GAP)
                    .find_map(|g| self.road_word(&before, lead.len() + g, true))?;
                Some(Found {
                    span: Span::new(word.start, b.0.end),
                    from: a.1,
                    to: b.1,
                    known: self.known(a.1, b.1),
                })
            })
    }

    /// ", ", " et ", ", and ": what separates the items of a list.
    fn is_list_gap(&self, gap: &str) -> bool {
        if gap.contains('\n') || gap.len() > 12 {
            return false;
        }
        let rest = gap.trim().trim_start_matches(',').trim();
        rest.is_empty() || self.conjunctions.contains(&fold(rest))
    }
}

/// Only a dash between two places, spaces allowed: "Kayes-Bamako", "Bamako — Sikasso".
fn is_dash_gap(gap: &str) -> bool {
    let mut dashes = gap.chars().filter(|c| !matches!(c, ' ' | '\u{a0}' | '\t'));
    matches!(
        dashes.next(),
        Some('-' | '‐' | '‑' | '‒' | '–' | '—' | '―' | '−')
    ) && dashes.next().is_none()
}

/// Up to `n` folded words just before `at`, nearest first, on the same line and with no
/// punctuation between them but apostrophes ("l'axe").
fn words_before(text: &str, at: usize, n: usize) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    let mut chars = text[..at].char_indices().rev().peekable();
    while out.len() < n {
        while chars
            .next_if(|&(_, c)| (c.is_whitespace() && c != '\n') || is_apostrophe(c))
            .is_some()
        {}
        let Some(&(end, c)) = chars.peek() else { break };
        if !is_word_char(c) {
            break;
        }
        let end = end + c.len_utf8();
        let mut start = end;
        while let Some((i, _)) = chars.next_if(|&(_, c)| is_word_char(c)) {
            start = i;
        }
        out.push((fold(&text[start..end]), Span::new(start, end)));
    }
    out
}

/// Up to `n` folded words just after `at`, nearest first, as [`words_before`].
fn words_after(text: &str, at: usize, n: usize) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    let mut chars = text[at..]
        .char_indices()
        .map(|(i, c)| (i + at, c))
        .peekable();
    while out.len() < n {
        while chars
            .next_if(|&(_, c)| c.is_whitespace() && c != '\n')
            .is_some()
        {}
        let Some(&(start, c)) = chars.peek() else {
            break;
        };
        if !is_word_char(c) {
            break;
        }
        let mut end = start;
        while let Some((i, c)) = chars.next_if(|&(_, c)| is_word_char(c)) {
            end = i + c.len_utf8();
        }
        out.push((fold(&text[start..end]), Span::new(start, end)));
    }
    out
}

/// List items under a lead-in that names roads: "Axes coupés :" then "- Kayes – Bamako".
/// Remembers the last item line it classified, so lines are walked back over once.
#[derive(Debug, Default)]
struct ListLeads {
    /// (start of an item line, whether its list is one of roads).
    last: Option<(usize, bool)>,
}

const BULLETS: &[char] = &['-', '•', '*', '–', '—', '·', '▪'];

impl ListLeads {
    /// Whether the place at `at` starts a list item of a road list.
    fn is_item(&mut self, forms: &Endpoints, text: &str, at: usize) -> bool {
        let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
        let head = text[line_start..at].trim();
        if head.is_empty() || !head.chars().all(|c| BULLETS.contains(&c)) {
            return false;
        }
        let mut end = line_start;
        let verdict = loop {
            if let Some((item, verdict)) = self.last
                && item == end
            {
                break verdict;
            }
            let Some(prev_end) = end.checked_sub(1) else {
                break false;
            };
            let prev_start = text[..prev_end].rfind('\n').map_or(0, |n| n + 1);
            let line = text[prev_start..prev_end].trim();
            if line.starts_with(BULLETS) {
                end = prev_start;
                continue;
            }
            break line.ends_with(':')
                && fold(line)
                    .split(' ')
                    .any(|w| forms.words.contains(w.trim_end_matches(':')));
        };
        self.last = Some((line_start, verdict));
        verdict
    }
}
