//! Where the clauses of a sentence lie, as far as times are concerned, and their tense.
//!
//! Cheap cuts that a dependency parse will later refine. A new clause starts at:
//! - a semicolon; a colon or a dash set off by spaces ("— the third attack", not "10:30" or
//!   "Kayes–Bamako"); a sentence mark inside the segment;
//! - a relative pronoun ("which", "qui"), or a `time_clause_breaks` phrase of
//!   `lexicon.toml` ("while", "tandis que", "after"), unless a time follows it within two
//!   words: then it governs that time ("after Monday", "après le 3 novembre").
//!
//! A **speech verb** (`speech_verbs`: "said", "a indiqué", "selon") makes its own clause: from
//! the comma before it (at most [`SPEAKER_WORDS`] words before) or else the start of its
//! clause, to a complementizer after it ("said on Wednesday *that* …") or a comma, or else
//! the end of its clause. What follows a speech clause opened at the start of its clause is
//! another clause (what is reported); what follows an aside opened and closed by commas
//! ("Le JNIM, selon l'armée, a attaqué…") goes on with the clause before it.
//!
//! Commas alone do not cut: "On Sunday, gunmen attacked a convoy" is one clause.

use super::{Tense, TimeExpr};
use crate::claims::segment::Token;
use crate::patterns::{Lexicon, WordClass};

/// Words a speech verb may stand after its comma: ", a military source told Reuters".
pub const SPEAKER_WORDS: usize = 6;

/// Words after a clause-break word within which a time makes it that time's preposition.
const GOVERNS: usize = 2;

/// The clause of every token of a sentence.
#[derive(Debug)]
pub struct Clauses {
    id: Vec<u32>,
}

/// Whether whitespace stands on both sides of token `i` (a dash between words is a range).
fn spaced(tokens: &[Token], i: usize) -> bool {
    let t = &tokens[i];
    let before = i == 0 || tokens[i - 1].span.end < t.span.start;
    let after = tokens.get(i + 1).is_none_or(|n| n.span.start > t.span.end);
    before && after
}

fn spaced_after(tokens: &[Token], i: usize) -> bool {
    tokens
        .get(i + 1)
        .is_none_or(|n| n.span.start > tokens[i].span.end)
}

/// The folded words from token `i` on (punctuation skipped), for phrase matching.
fn words_from(tokens: &[Token], i: usize, n: usize) -> Vec<&str> {
    tokens[i..]
        .iter()
        .filter(|t| t.is_word())
        .take(n)
        .map(|t| t.folded.as_str())
        .collect()
}

/// Token index of the `n`-th word from token `i` (the one at `i` being the first), or the end.
fn nth_word(tokens: &[Token], i: usize, n: usize) -> usize {
    (i..tokens.len())
        .filter(|&k| tokens[k].is_word())
        .nth(n)
        .unwrap_or(tokens.len())
}

impl Clauses {
    pub fn new(tokens: &[Token], lex: &Lexicon, times: &[TimeExpr]) -> Self {
        let n = tokens.len();
        let mut starts = vec![false; n];
        let time_within = |from: usize| {
            let limit = nth_word(tokens, from, GOVERNS);
            times.iter().any(|t| t.token >= from && t.token <= limit)
        };
        for (i, t) in tokens.iter().enumerate() {
            starts[i] = if t.is_punct(&[';', '.', '!', '?']) {
                true
            } else if t.is_punct(&['—', '–', '-']) {
                spaced(tokens, i)
            } else if t.is_punct(&[':']) {
                spaced_after(tokens, i)
            } else if t.is(WordClass::RELATIVE_PRONOUN) {
                !time_within(i + 1)
            } else if t.is(WordClass::TIME_BREAK) {
                let len = lex.time.clause_breaks.longest_at(&words_from(tokens, i, 4));
                len > 0 && !time_within(nth_word(tokens, i, len))
            } else {
                false
            };
        }
        let mut id = Vec::with_capacity(n);
        let mut current = 0u32;
        for &s in &starts {
            if s {
                current += 1;
            }
            id.push(current);
        }
        let mut next_id = current + 1;
        for v in (0..n).filter(|&v| tokens[v].is(WordClass::SPEECH)) {
            let base = id[v];
            let clause_start = (0..v).rev().find(|&k| id[k] != base).map_or(0, |k| k + 1);
            let clause_end = (v..n).find(|&k| id[k] != base).unwrap_or(n);
            // The comma that opens the speaker's clause, if one is close enough.
            let mut words = 0;
            let mut comma = None;
            for k in (clause_start..v).rev() {
                if tokens[k].is_punct(&[',']) {
                    comma = Some(k);
                    break;
                }
                if tokens[k].is_word() {
                    words += 1;
                    if words > SPEAKER_WORDS {
                        break;
                    }
                }
            }
            let close = (v + 1..clause_end)
                .find(|&k| tokens[k].is(WordClass::COMPLEMENTIZER) || tokens[k].is_punct(&[',']));
            let start = comma.unwrap_or(clause_start);
            let end = close.unwrap_or(clause_end);
            let speech = next_id;
            next_id += 1;
            for x in &mut id[start..end] {
                *x = speech;
            }
            // An aside between commas gives the clause back; anything else after a speech
            // clause is what was said.
            let aside = comma.is_some() && close.is_some_and(|c| tokens[c].is_punct(&[',']));
            if !aside && end < clause_end {
                let reported = next_id;
                next_id += 1;
                for x in &mut id[end..clause_end] {
                    if *x == base {
                        *x = reported;
                    }
                }
            }
        }
        Self { id }
    }

    /// The clause of token `i`.
    pub fn of(&self, i: usize) -> u32 {
        self.id.get(i).copied().unwrap_or(u32::MAX)
    }

    /// The tense of the clause of token `i`: planned with a plan cue anywhere in it, else
    /// past with a past-tense word, else unmarked.
    pub fn tense(&self, i: usize, tokens: &[Token], lex: &Lexicon) -> Tense {
        let own = self.of(i);
        let in_clause: Vec<usize> = (0..tokens.len())
            .filter(|&k| self.id[k] == own && tokens[k].is_word())
            .collect();
        let words: Vec<&str> = in_clause
            .iter()
            .map(|&k| tokens[k].folded.as_str())
            .collect();
        let planned = (0..words.len()).any(|w| {
            tokens[in_clause[w]].is(WordClass::PLAN)
                && lex.time.plan_cues.longest_at(&words[w..]) > 0
        });
        if planned {
            Tense::Planned
        } else if words.iter().any(|w| lex.time.is_past_tense(w)) {
            Tense::Past
        } else {
            Tense::Unmarked
        }
    }
}
