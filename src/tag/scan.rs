//! The alias scan: every whole-word occurrence of a pattern in a text, folded on the fly.
//!
//! Aliases are folded once, at build time, into one Aho-Corasick automaton, searched anchored.
//! The text is not copied: the scan reads the original bytes, and at each place a match may
//! start (a word start, or a character some pattern starts with after a non-word character)
//! it feeds the automaton the folded form of the characters that follow (see
//! [`super::normalize`]) until it dies. Of the patterns that end on a word boundary there, the
//! longest wins; the scan resumes after it, or after the current word when none did.
//!
//! Most words start no pattern, so a walk only begins from a word that is the first word of
//! some pattern (and, when all those patterns go on with a second word, only if the text's
//! next word is one of those): both are hashed sets that fit in L1 (module `words`).
//!
//! Why not an unanchored scan over a folded copy: folding the copy (with its offset map) cost
//! as much as the scan, and an unanchored scan visits every byte of every word, finding
//! "un" in "until" a million times. Walks are few and short, and spans come out in
//! original-text offsets without a map. The automaton is aho-corasick's contiguous NFA, not
//! its DFA: on this pattern set the DFA's table is 5.3 MB against 0.3 MB, and the walks spent
//! their time in its cache misses.

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::nfa::contiguous::NFA;
use aho_corasick::{Anchored, MatchKind};

use super::TagError;
use super::normalize::{CharClass, class_of, fold_text_char, is_word_char, possessive_len};
use super::words::{WordHash, WordSet, read_word};
use crate::model::Span;

/// What the scan does with one ASCII byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Byte {
    /// A letter or digit: fed lowercased.
    Word(u8),
    Space,
    Apostrophe,
    /// Other punctuation: fed as itself.
    Other(u8),
}

/// The folded byte last fed to the automaton, for collapsing spaces and dropping possessives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    Word,
    Space,
    Other,
}

/// The compiled alias scanner of one pattern set.
#[derive(Debug, Clone)]
pub(super) struct Scanner {
    automaton: NFA,
    start: StateID,
    ascii: [Byte; 128],
    /// Every ASCII letter and digit, lowercased; 0 for any other byte.
    word: [u8; 256],
    /// Folded bytes some pattern starts with; a walk begins only on one of them.
    starts: [bool; 256],
    /// ASCII spaces and punctuation that no pattern starts with, apostrophes excepted.
    gap: [bool; 256],
    /// The first words of the patterns that start with an ASCII word.
    first_words: WordSet,
    /// Of those, the ones that are a whole pattern or go on with something else than a space
    /// and a second ASCII word.
    first_alone: WordSet,
    /// The first two words of the patterns that go on with a space and a second word.
    first_pairs: WordSet,
}

impl Scanner {
    /// `folded`: the patterns, already folded; a match reports the index into it.
    pub(super) fn new(folded: &[String]) -> Result<Self, TagError> {
        let automaton = NFA::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(folded)?;
        let start = automaton.start_state(Anchored::Yes)?;
        let ascii = std::array::from_fn(|b| {
            let c = char::from(b as u8);
            match class_of(c) {
                CharClass::Space => Byte::Space,
                CharClass::Apostrophe => Byte::Apostrophe,
                CharClass::Text if c.is_ascii_alphanumeric() => {
                    Byte::Word(c.to_ascii_lowercase() as u8)
                }
                CharClass::Text => Byte::Other(b as u8),
            }
        });
        let word = std::array::from_fn(|b| match ascii.get(b) {
            Some(Byte::Word(l)) => *l,
            _ => 0,
        });
        let mut starts = [false; 256];
        let mut first_words = WordSet::new();
        let mut first_alone = WordSet::new();
        let mut first_pairs = WordSet::new();
        // The run of ASCII letters and digits at the start of `bytes`.
        let run = |bytes: &[u8]| {
            bytes
                .iter()
                .position(|&b| word[usize::from(b)] == 0)
                .unwrap_or(bytes.len())
        };
        for p in folded {
            let bytes = p.as_bytes();
            if let Some(&b) = bytes.first() {
                starts[usize::from(b)] = true;
            }
            let end = run(bytes);
            if end == 0 {
                continue;
            }
            // A first word that goes on with a non-ASCII character is only ever met in text
            // words that hold one too, and those are always walked.
            let first = WordHash::of(&bytes[..end]);
            first_words.insert(first);
            let rest = &bytes[end..];
            let second = run(rest.get(1..).unwrap_or_default());
            if rest.first() == Some(&b' ') && second > 0 {
                first_pairs.insert(first.then(WordHash::of(&rest[1..=second])));
            } else {
                first_alone.insert(first);
            }
        }
        let gap = std::array::from_fn(|b| match ascii.get(b) {
            Some(Byte::Space) => true,
            Some(Byte::Other(o)) => !starts[usize::from(*o)],
            _ => false,
        });
        Ok(Self {
            automaton,
            gap,
            start,
            ascii,
            word,
            starts,
            first_words,
            first_alone,
            first_pairs,
        })
    }

    /// Calls `found(pattern, span)` for every match, left to right, non-overlapping. `accept`
    /// may refuse a match (a capitals-only alias in lowercase); a shorter one is then tried.
    pub(super) fn scan(
        &self,
        text: &str,
        mut accept: impl FnMut(usize, Span) -> bool,
        mut found: impl FnMut(usize, Span),
    ) {
        let bytes = text.as_bytes();
        let mut prev_word = false;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            // Where the next character starts, whether this one is part of a word, and
            // whether a walk may start here.
            let (next, word, walk) = if self.word[usize::from(b)] != 0 {
                // The hot path, most bytes of most texts: an ASCII letter or digit.
                if prev_word {
                    i += 1;
                    continue;
                }
                // A word starts. Read its ASCII letters and digits at once: a walk can only
                // succeed from the first word of some pattern.
                let (end, hash) = read_word(bytes, i);
                (end, true, self.worth_walking(text, end, hash))
            } else if self.gap[usize::from(b)] {
                // Next most common: a space or punctuation that starts no pattern.
                (i + 1, false, false)
            } else {
                let (len, class, first, word) = self.char_at(text, i);
                if class == CharClass::Apostrophe && prev_word {
                    // A dropped possessive leaves the word going on, as folding does.
                    let skip = possessive_len(&text[i + len..]);
                    if skip > 0 {
                        i += len + skip;
                        continue;
                    }
                }
                let Some(first) = first else {
                    // A lone combining mark folds to nothing: the word goes on.
                    i += len;
                    continue;
                };
                (i + len, word, !prev_word && self.starts[usize::from(first)])
            };
            if walk && let Some((pattern, end)) = self.walk(text, i, &mut accept) {
                found(pattern, Span::new(i, end));
                prev_word = text[..end].chars().next_back().is_some_and(is_word_char);
                i = end;
                continue;
            }
            prev_word = word;
            i = next;
        }
    }

    /// Whether a walk from the word ending at `end` (with `hash`) can find anything: it is
    /// the first word of some pattern, and if every such pattern goes on with a space and a
    /// second word, the text does too. When in doubt (a non-ASCII letter that may go on with
    /// the word, another gap), walk.
    #[inline(always)]
    fn worth_walking(&self, text: &str, end: usize, hash: WordHash) -> bool {
        let bytes = text.as_bytes();
        if goes_on(text, end) {
            return true;
        }
        if !self.first_words.contains(hash) {
            return false;
        }
        if self.first_alone.contains(hash)
            || bytes.get(end) != Some(&b' ')
            || bytes
                .get(end + 1)
                .is_none_or(|&b| self.word[usize::from(b)] == 0)
        {
            return true;
        }
        let (second_end, second) = read_word(bytes, end + 1);
        goes_on(text, second_end) || self.first_pairs.contains(hash.then(second))
    }

    /// The character at `i`, off the hot path: its length, class, the first byte it folds to
    /// (`None` for a combining mark) and whether that is a word character.
    fn char_at(&self, text: &str, i: usize) -> (usize, CharClass, Option<u8>, bool) {
        let b = text.as_bytes()[i];
        if b < 0x80 {
            return match self.ascii[usize::from(b)] {
                Byte::Word(l) => (1, CharClass::Text, Some(l), true),
                Byte::Space => (1, CharClass::Space, Some(b' '), false),
                Byte::Other(o) => (1, CharClass::Text, Some(o), false),
                Byte::Apostrophe => (1, CharClass::Apostrophe, Some(b'\''), false),
            };
        }
        let (c, class) = char_and_class(text, i);
        let (lead, word) = match class {
            CharClass::Space => (Some(b' '), false),
            CharClass::Apostrophe => (Some(b'\''), false),
            CharClass::Text => {
                let mut first = None;
                fold_text_char(c, |d| {
                    first.get_or_insert(d);
                });
                let mut buf = [0; 4];
                (
                    first.map(|d| d.encode_utf8(&mut buf).as_bytes()[0]),
                    first.is_some_and(is_word_char),
                )
            }
        };
        (c.len_utf8(), class, lead, word)
    }

    /// The longest acceptable whole-word match starting at `start`: its pattern and end.
    fn walk(
        &self,
        text: &str,
        start: usize,
        accept: &mut impl FnMut(usize, Span) -> bool,
    ) -> Option<(usize, usize)> {
        let bytes = text.as_bytes();
        let ac = &self.automaton;
        let mut sid = self.start;
        let mut depth = 0usize;
        let mut last = Last::Other;
        let mut best = None;
        let mut i = start;
        while i < bytes.len() {
            let lower = self.word[usize::from(bytes[i])];
            let next = if lower != 0 {
                sid = ac.next_state(Anchored::Yes, sid, lower);
                depth += 1;
                last = Last::Word;
                i + 1
            } else if bytes[i] == b' ' && last == Last::Word {
                // The next most common byte: one space between two words.
                sid = ac.next_state(Anchored::Yes, sid, b' ');
                depth += 1;
                last = Last::Space;
                i + 1
            } else {
                let before = depth;
                let next = self.feed_char(text, i, &mut sid, &mut depth, &mut last);
                // A skipped space or possessive does not lengthen the match before it.
                if depth == before {
                    i = next;
                    continue;
                }
                next
            };
            if ac.is_special(sid) {
                if ac.is_dead(sid) {
                    break;
                }
                if ac.is_match(sid) && self.ends_word(text, next) {
                    for k in 0..ac.match_len(sid) {
                        let pid = ac.match_pattern(sid, k);
                        // Only patterns read from `start`, whatever the automaton copied along.
                        if ac.pattern_len(pid) == depth
                            && accept(pid.as_usize(), Span::new(start, next))
                        {
                            best = Some((pid.as_usize(), next));
                            break;
                        }
                    }
                }
            }
            i = next;
        }
        best
    }

    /// Feeds the automaton the folded form of the character at `i` (anything but an ASCII letter
    /// or digit); returns where the next character starts.
    fn feed_char(
        &self,
        text: &str,
        i: usize,
        sid: &mut StateID,
        depth: &mut usize,
        last: &mut Last,
    ) -> usize {
        let ac = &self.automaton;
        let mut feed = |b: u8, sid: &mut StateID| {
            *sid = ac.next_state(Anchored::Yes, *sid, b);
            *depth += 1;
        };
        let (c, class) = char_and_class(text, i);
        let mut next = i + c.len_utf8();
        match class {
            CharClass::Space => {
                if *last != Last::Space {
                    feed(b' ', sid);
                    *last = Last::Space;
                }
            }
            CharClass::Apostrophe => {
                let skip = if *last == Last::Word {
                    possessive_len(&text[next..])
                } else {
                    0
                };
                if skip > 0 {
                    next += skip;
                } else {
                    feed(b'\'', sid);
                    *last = Last::Other;
                }
            }
            CharClass::Text => fold_text_char(c, |d| {
                let mut buf = [0; 4];
                for &x in d.encode_utf8(&mut buf).as_bytes() {
                    feed(x, sid);
                }
                *last = if is_word_char(d) {
                    Last::Word
                } else {
                    Last::Other
                };
            }),
        }
        next
    }

    /// Whether no word character follows `at`.
    fn ends_word(&self, text: &str, at: usize) -> bool {
        match text.as_bytes().get(at) {
            None => true,
            Some(&b) if b < 0x80 => !matches!(self.ascii[usize::from(b)], Byte::Word(_)),
            Some(_) => !text[at..].chars().next().is_some_and(is_word_char),
        }
    }
}

/// Whether the ASCII word ending at `at` may go on with a non-ASCII character there (a
/// letter, or anything but a space, a dash or an apostrophe, to be safe).
#[inline(always)]
fn goes_on(text: &str, at: usize) -> bool {
    text.as_bytes().get(at).is_some_and(|&b| b >= 0x80)
        && char_and_class(text, at).1 == CharClass::Text
}

/// The character starting at byte `i` and what folding does with it.
fn char_and_class(text: &str, i: usize) -> (char, CharClass) {
    let c = text[i..].chars().next().unwrap_or_default();
    (c, class_of(c))
}
