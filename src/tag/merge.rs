//! Hits that are merged into the alias scan's: road codes ("RN7") and acronyms learned in the
//! article ("… (GSIM)"), and the roads the pattern set does not list.
//!
//! Every merge here is linear (or n log n) in the number of hits and the length of the text,
//! whatever the document repeats: overlaps are found by binary search over sorted spans,
//! never by a scan of every hit for every new one (issue 12: a sentence naming thousands of
//! entities was quadratic).

use aho_corasick::{AhoCorasick, MatchKind};
use rustc_hash::{FxHashMap, FxHashSet};

use super::normalize::is_word_char;
use super::{Hit, Tagger, Target};
use crate::model::{EntityId, MentionVia, Span};

/// Roads found in this document that the pattern set does not list, by id: their targets
/// are numbered after the pattern set's entities.
#[derive(Debug, Default)]
pub(super) struct Dynamic {
    pub(super) ids: Vec<EntityId>,
    by_id: FxHashMap<EntityId, usize>,
}

impl Dynamic {
    /// The target index of `id` (`base` is the number of listed entities), and whether it is
    /// new to this document.
    pub(super) fn index(&mut self, base: usize, id: EntityId) -> (usize, bool) {
        if let Some(&i) = self.by_id.get(&id) {
            return (base + i, false);
        }
        let i = self.ids.len();
        self.by_id.insert(id.clone(), i);
        self.ids.push(id);
        (base + i, true)
    }
}

/// Spans sorted by start, with the furthest end reached so far: whether a new span overlaps
/// any of them is a binary search.
struct Occupied {
    starts: Vec<usize>,
    max_end: Vec<usize>,
}

impl Occupied {
    /// `spans` must be sorted by start.
    fn new(spans: impl Iterator<Item = Span>) -> Self {
        let (mut starts, mut max_end) = (Vec::new(), Vec::new());
        let mut furthest = 0;
        for s in spans {
            furthest = furthest.max(s.end);
            starts.push(s.start);
            max_end.push(furthest);
        }
        Self { starts, max_end }
    }

    fn overlaps(&self, span: Span) -> bool {
        let before = self.starts.partition_point(|&s| s < span.end);
        before > 0 && self.max_end[before - 1] > span.start
    }
}

impl Tagger<'_> {
    /// Road codes by pattern; a code already inside an alias hit ("RN5 highway") is skipped,
    /// and generic words inside a code ("*route* nationale 8") are dropped.
    pub(super) fn road_hits(&self, text: &str, hits: &mut Vec<Hit>, dynamic: &mut Dynamic) {
        let mut codes = self.road_codes.find(text);
        if codes.is_empty() {
            return;
        }
        // Codes come sorted by start; one overlapping the code before it is dropped, so that
        // their ends are sorted too and the codes a hit overlaps form one run.
        let mut last_end = 0;
        codes.retain(|c| {
            let keep = c.start >= last_end;
            if keep {
                last_end = c.end;
            }
            keep
        });
        let spans: Vec<Span> = codes.iter().map(|c| Span::new(c.start, c.end)).collect();
        let spans = &spans;
        let overlapping = move |h: Span| {
            let from = spans.partition_point(|c| c.end <= h.start);
            (from..spans.len()).take_while(move |&j| spans[j].start < h.end)
        };
        let mut blocked = vec![false; spans.len()];
        for h in hits.iter() {
            if !matches!(h.target, Target::Generic { .. }) {
                for j in overlapping(h.span) {
                    blocked[j] = true;
                }
            }
        }
        hits.retain(|h| overlapping(h.span).all(|j| blocked[j]));
        let base = self.patterns.entities.len();
        for (j, (code, span)) in codes.iter().zip(spans).enumerate() {
            if blocked[j] {
                continue;
            }
            let raw = format!("{}{}", code.prefix, code.number.trim_start_matches('0'));
            let Ok(id) = EntityId::new(&raw) else {
                continue;
            };
            let index = match self.entity_by_id.get(&id) {
                Some(&i) => i,
                None => dynamic.index(base, id).0,
            };
            hits.push(Hit {
                span: *span,
                target: Target::Entity(index),
                via: MentionVia::Code,
                inner: false,
            });
        }
    }

    /// "Jama'at Nusrat al-Islam wal-Muslimin (JNIM)" is one mention. An unknown acronym in
    /// the parentheses is learned, and its later uses in the article are tagged too.
    pub(super) fn fold_acronyms(&self, text: &str, hits: Vec<Hit>) -> Vec<Hit> {
        let mut out: Vec<Hit> = Vec::with_capacity(hits.len());
        let mut learned: Vec<(String, usize)> = Vec::new();
        let mut seen: FxHashSet<String> = FxHashSet::default();
        let mut iter = hits.into_iter().peekable();
        while let Some(mut hit) = iter.next() {
            // "BAMAKO, Mali (FN)": an agency after a place, not the place's acronym.
            let named = match hit.target {
                Target::Entity(i) => self
                    .patterns
                    .entities
                    .get(i)
                    .filter(|e| !e.kind.is_place() && e.kind != crate::model::EntityKind::Road),
                _ => None,
            };
            let (Target::Entity(entity), Some(_)) = (hit.target, named) else {
                out.push(hit);
                continue;
            };
            if let Some((inner, close)) = parenthesized(text, hit.span.end) {
                let next_same = iter
                    .peek()
                    .is_some_and(|n| n.target == hit.target && inner.contains(n.span));
                if next_same {
                    // "(WFP, PAM)": every name of the same entity in the parentheses.
                    while iter
                        .peek()
                        .is_some_and(|n| n.target == hit.target && inner.contains(n.span))
                    {
                        iter.next();
                    }
                    hit.span.end = close;
                } else if is_acronym(&text[inner.start..inner.end])
                    && !iter.peek().is_some_and(|n| inner.contains(n.span))
                {
                    hit.span.end = close;
                    let acronym = &text[inner.start..inner.end];
                    // The first entity an acronym was learned for keeps it.
                    if seen.insert(acronym.to_string()) {
                        learned.push((acronym.to_string(), entity));
                    }
                }
            }
            out.push(hit);
        }
        if learned.is_empty() {
            return out;
        }
        // All learned acronyms in one pass over the text.
        let Ok(automaton) = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(learned.iter().map(|(a, _)| a.as_str()))
        else {
            return out;
        };
        let taken = Occupied::new(out.iter().map(|h| h.span));
        let mut found = Vec::new();
        for m in automaton.find_iter(text) {
            let span = Span::new(m.start(), m.end());
            let whole = !text[..span.start]
                .chars()
                .next_back()
                .is_some_and(is_word_char)
                && !text[span.end..].chars().next().is_some_and(is_word_char);
            if whole && !taken.overlaps(span) {
                found.push(Hit {
                    span,
                    target: Target::Entity(learned[m.pattern().as_usize()].1),
                    via: MentionVia::Acronym,
                    inner: false,
                });
            }
        }
        out.extend(found);
        out.sort_by_key(|h| (h.span.start, std::cmp::Reverse(h.span.end)));
        out
    }
}

/// `(` … `)` right after `end` (spaces allowed): the inner span and the end of `)`. The
/// closing parenthesis is looked for in the next 40 bytes only, so that a text full of
/// names and no `)` costs nothing per name.
fn parenthesized(text: &str, end: usize) -> Option<(Span, usize)> {
    let rest = &text[end..];
    let open = rest.len() - rest.trim_start().len();
    let rest = rest[open..].strip_prefix('(')?;
    let window = &rest.as_bytes()[..rest.len().min(41)];
    let close = memchr::memchr(b')', window)?;
    if close == 0 || close > 40 {
        return None;
    }
    let inner = Span::new(end + open + 1, end + open + 1 + close);
    Some((inner, inner.end + 1))
}

fn is_acronym(s: &str) -> bool {
    let letters = s.chars().filter(|c| c.is_alphabetic()).count();
    (2..=10).contains(&s.chars().count())
        && letters >= 2
        && s.chars()
            .all(|c| c.is_uppercase() || c.is_ascii_digit() || c == '-')
}
