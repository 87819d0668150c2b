//! Small pieces of the engine that need no rule: finding what lies within a sentence's span,
//! its relative clauses and parentheses, and folding claims that say the same thing twice.

use rustc_hash::FxHashMap;

use super::segment::Token;
use crate::model::{Arg, Claim, Predicate, Span};
use crate::patterns::WordClass;

pub(super) fn within<T>(
    items: &[T],
    span: Span,
    at: impl Fn(&T) -> Span + Copy,
) -> impl Iterator<Item = &T> {
    let first = items.partition_point(|x| at(x).start < span.start);
    items[first..]
        .iter()
        .take_while(move |x| at(x).start < span.end)
        .filter(move |x| span.contains(at(x)))
}

/// Relative clauses (", which … ,") and parentheses, in one pass; `true` marks a relative.
pub(super) fn parentheticals(tokens: &[Token]) -> Vec<(Span, bool)> {
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let relative = t.is_punct(&[','])
            && tokens
                .get(i + 1)
                .is_some_and(|n| n.is(WordClass::RELATIVE_PRONOUN));
        let close: &[char] = if relative {
            &[',', ';', '.', '—']
        } else if t.is_punct(&['(']) {
            &[')']
        } else {
            continue;
        };
        let last = tokens.last().map_or(t.span.end, |l| l.span.end);
        let end = tokens[i + 1..]
            .iter()
            .find(|x| x.is_punct(close))
            .map_or(last, |x| x.span.start);
        out.push((Span::new(t.span.start, end), relative));
    }
    out
}

/// Two triggers of one sentence often say the same thing ("Contested Routes: … contested").
/// Reported speech keeps one claim per speaker and sentence: the one with the shortest object.
/// Predicates that report what someone said or asked.
fn speech(p: Predicate) -> bool {
    matches!(p, Predicate::Says | Predicate::Warns | Predicate::CallsFor)
}

pub(super) fn dedupe(claims: &mut Vec<Claim>) {
    let object_len = |c: &Claim| match &c.object {
        Some(Arg::Literal(l)) => l.len(),
        _ => 0,
    };
    let mut keep: Vec<Claim> = Vec::with_capacity(claims.len());
    // Duplicates share their evidence sentence, so each claim is compared only with the kept
    // claims of its own sentence (a bounded few), never with the whole document's: a text
    // repeating one sentence 150,000 times stays linear.
    let mut by_sentence: FxHashMap<Span, Vec<usize>> = FxHashMap::default();
    for c in claims.drain(..) {
        let same_sentence = by_sentence.entry(c.evidence.sentence).or_default();
        let same = same_sentence.iter().copied().find(|&i| {
            let k = &keep[i];
            k.predicate == c.predicate
                && k.subject == c.subject
                && (speech(c.predicate) || (k.object == c.object && k.agent == c.agent))
        });
        match same {
            Some(i) if speech(c.predicate) && object_len(&c) < object_len(&keep[i]) => keep[i] = c,
            Some(_) => {}
            None => {
                same_sentence.push(keep.len());
                keep.push(c);
            }
        }
    }
    *claims = keep;
}
