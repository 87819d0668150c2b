//! Cuts a text into the units claims are read from: sentences, list items, headings and the
//! dateline, and into word and punctuation tokens.
//!
//! A list item keeps a link to its lead-in, the sentence ending in ':' that introduces the list
//! ("According to a map released by …, there are eight routes into Bamako:"), because the
//! lead-in holds the source and the place that every item shares.

use compact_str::CompactString;

/// The longest unit claims read, in bytes. A longer run (a text with no terminators, a table
/// or list flattened to one line) is cut into pieces this long or shorter, so that no input
/// shape makes the per-sentence work (token scans, parsing) grow with the whole document:
/// extraction stays linear in its length. Real sentences are far shorter (the longest of the
/// dev set is under 700 bytes).
pub const MAX_SENTENCE_BYTES: usize = 1_500;

use crate::model::Span;
use crate::patterns::{Lexicon, WordClass};
use crate::tag::normalize::{fold, is_word_char};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentKind {
    Dateline,
    Heading,
    Sentence,
    ListItem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub kind: SegmentKind,
    pub span: Span,
    /// For a list item: the segment that introduces the list.
    pub lead_in: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Word,
    Punct(char),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub span: Span,
    pub kind: TokenKind,
    /// Folded form of a word (empty for punctuation); short words stay inline, unallocated.
    pub folded: CompactString,
    /// The word starts with an uppercase letter in the original text.
    pub capitalized: bool,
    /// The lexicon lists the word is in.
    pub class: WordClass,
}

impl Token {
    pub fn is_word(&self) -> bool {
        self.kind == TokenKind::Word
    }

    /// Whether the word is in one of the lexicon lists of `class`.
    pub fn is(&self, class: WordClass) -> bool {
        self.class.is(class)
    }

    pub fn is_punct(&self, chars: &[char]) -> bool {
        matches!(self.kind, TokenKind::Punct(c) if chars.contains(&c))
    }
}

/// Punctuation that closes a clause.
pub const CLAUSE_PUNCT: &[char] = &[',', ';', ':', '—', '–', '(', ')', '.', '!', '?'];

/// Word and punctuation tokens of `text[span]`. Apostrophes split words ("l'ambassade").
pub fn tokenize(text: &str, span: Span, lex: &Lexicon) -> Vec<Token> {
    let mut tokens = Vec::new();
    let slice = &text[span.start..span.end];
    let mut word_start: Option<usize> = None;
    let push_word = |tokens: &mut Vec<Token>, s: usize, e: usize| {
        let w = &text[s..e];
        let folded = fold_word(w);
        tokens.push(Token {
            span: Span::new(s, e),
            kind: TokenKind::Word,
            class: lex.class_of(&folded),
            folded,
            capitalized: w.chars().next().is_some_and(char::is_uppercase),
        });
    };
    for (i, c) in slice.char_indices() {
        let at = span.start + i;
        if is_word_char(c) {
            word_start.get_or_insert(at);
            continue;
        }
        if let Some(s) = word_start.take() {
            push_word(&mut tokens, s, at);
        }
        if !c.is_whitespace() {
            tokens.push(Token {
                span: Span::new(at, at + c.len_utf8()),
                kind: TokenKind::Punct(c),
                folded: CompactString::default(),
                capitalized: false,
                class: WordClass::default(),
            });
        }
    }
    if let Some(s) = word_start {
        push_word(&mut tokens, s, span.end);
    }
    tokens
}

fn is_list_marker(line: &str) -> bool {
    let t = line.trim_start();
    if let Some(rest) = t.strip_prefix(['-', '*', '•', '–', '—', '▪', '·']) {
        return rest.starts_with(' ');
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    digits > 0
        && digits < 3
        && t[digits..].starts_with([')', '.'])
        && t[digits + 1..].starts_with(' ')
}

fn is_heading(line: &str) -> bool {
    let t = line.trim();
    // At most 12 words; counted last, and only up to 13, since paragraphs can be long.
    !t.ends_with(['.', '!', '?', ':', ';', ',', '"', '”', '»', '…'])
        && t.split_whitespace().nth(12).is_none()
}

/// Cuts `text` into segments. `dateline` is split off the paragraph that starts with it.
pub fn segments(text: &str, dateline: Option<Span>, lexicon: &Lexicon) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let mut lead_in: Option<usize> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset + (line.len() - line.trim_start().len());
        let end = offset + line.trim_end().len();
        offset += line.len();
        if start >= end {
            continue;
        }
        let body = &text[start..end];
        if is_list_marker(body) {
            for piece in pieces(text, Span::new(start, end)) {
                out.push(Segment {
                    kind: SegmentKind::ListItem,
                    span: piece,
                    lead_in,
                });
            }
            continue;
        }
        lead_in = None;
        if is_heading(body) {
            for piece in pieces(text, Span::new(start, end)) {
                out.push(Segment {
                    kind: SegmentKind::Heading,
                    span: piece,
                    lead_in: None,
                });
            }
            continue;
        }
        let mut from = start;
        if let Some(d) = dateline.filter(|d| d.start >= start && d.end <= end) {
            out.push(Segment {
                kind: SegmentKind::Dateline,
                span: d,
                lead_in: None,
            });
            from = d.end;
        }
        for s in sentences(text, Span::new(from, end), lexicon) {
            for piece in pieces(text, s) {
                out.push(Segment {
                    kind: SegmentKind::Sentence,
                    span: piece,
                    lead_in: None,
                });
            }
        }
        if body.ends_with(':') {
            lead_in = Some(out.len() - 1);
        }
    }
    out
}

/// Sentence spans within `span`. A period after a single letter ("U.S.") or a listed
/// abbreviation ("Gen.") does not end a sentence; the next sentence must start with an
/// uppercase letter, a digit or an opening quote.
fn sentences(text: &str, span: Span, lexicon: &Lexicon) -> Vec<Span> {
    let mut out = Vec::new();
    let slice = &text[span.start..span.end];
    let mut start = 0;
    let mut pos = 0;
    // Jump from terminator to terminator: most characters are not one.
    let mut terminators = Terminators::new(slice);
    while let Some(at) = terminators.next(pos) {
        let c = slice[at..].chars().next().unwrap_or('.');
        let after = at + c.len_utf8();
        let end = after
            + slice[after..]
                .char_indices()
                .find(|&(_, ch)| {
                    !matches!(ch, '"' | '”' | '’' | '\'' | ')' | '»' | '.' | '!' | '?')
                })
                .map_or(slice.len() - after, |(i, _)| i);
        let rest = &slice[end..];
        let next_at = end + (rest.len() - rest.trim_start().len());
        let next = slice[next_at..].chars().next();
        let starts_new = next.is_some_and(|n| {
            n.is_uppercase() || n.is_ascii_digit() || matches!(n, '"' | '“' | '«' | '\'')
        });
        if next_at > end && starts_new && !(c == '.' && is_abbreviation(&slice[start..at], lexicon))
        {
            out.push(trimmed(text, span.start + start, span.start + end));
            start = next_at;
        }
        pos = end;
    }
    if start < slice.len() {
        out.push(trimmed(text, span.start + start, span.end));
    }
    out.retain(|s| !s.is_empty());
    out
}

/// The sentence terminators of one paragraph, found left to right: `.`, `!` and `?` by a
/// SIMD byte search, `…` by a separate one remembered until passed (it is rare, and a
/// byte-wise test of every character was the hottest loop of claim extraction).
struct Terminators<'a> {
    slice: &'a str,
    /// The next `…` at or after the last position asked for, if any is left.
    ellipsis: Option<Option<usize>>,
}

impl<'a> Terminators<'a> {
    fn new(slice: &'a str) -> Self {
        Self {
            slice,
            ellipsis: None,
        }
    }

    /// Byte offset of the next terminator at or after `from`.
    fn next(&mut self, from: usize) -> Option<usize> {
        let bytes = self.slice.as_bytes();
        let punct = memchr::memchr3(b'.', b'!', b'?', bytes.get(from..)?).map(|p| from + p);
        let ellipsis = match self.ellipsis {
            Some(Some(at)) if at >= from => Some(at),
            Some(None) => None,
            _ => {
                let found = self.slice.get(from..)?.find('…').map(|p| from + p);
                self.ellipsis = Some(found);
                found
            }
        };
        match (punct, ellipsis) {
            (Some(p), Some(e)) => Some(p.min(e)),
            (p, e) => p.or(e),
        }
    }
}

/// `span` cut into pieces of at most [`MAX_SENTENCE_BYTES`], of near-equal length so that
/// the last piece is never a sliver: a short sentence at the very end of a run-on text stays
/// whole. Each cut falls on the last clause mark (`;`, `,`, `:`, a dash) of the piece's second
/// half, else its last space, else a character boundary.
fn pieces(text: &str, span: Span) -> Vec<Span> {
    if span.len() <= MAX_SENTENCE_BYTES {
        return vec![span];
    }
    let count = span.len().div_ceil(MAX_SENTENCE_BYTES);
    let target = span.len().div_ceil(count);
    let mut out = Vec::with_capacity(count + 1);
    let mut start = span.start;
    while span.end - start > MAX_SENTENCE_BYTES {
        let mut limit = (start + target).min(span.end);
        while !text.is_char_boundary(limit) {
            limit -= 1;
        }
        let window = &text[start..limit];
        let half = window.len() / 2;
        let cut = window
            .rfind([';', ',', ':', '—', '–'])
            .filter(|&i| i >= half)
            .map(|i| i + window[i..].chars().next().map_or(1, char::len_utf8))
            .or_else(|| window.rfind(char::is_whitespace).filter(|&i| i >= half))
            .unwrap_or(window.len());
        let piece = trimmed(text, start, start + cut);
        if !piece.is_empty() {
            out.push(piece);
        }
        start += cut;
        while !text.is_char_boundary(start) {
            start += 1;
        }
    }
    let last = trimmed(text, start, span.end);
    if !last.is_empty() {
        out.push(last);
    }
    out
}

fn trimmed(text: &str, start: usize, end: usize) -> Span {
    let s = &text[start..end];
    let lead = s.len() - s.trim_start().len();
    Span::new(start + lead, start + s.trim_end().len())
}

fn is_abbreviation(before: &str, lexicon: &Lexicon) -> bool {
    let start = before
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_word_char(c))
        .last()
        .map_or(before.len(), |(i, _)| i);
    let word = &before[start..];
    let mut chars = word.chars();
    if chars.next().is_some() && chars.next().is_none() {
        return true;
    }
    lexicon.abbreviations.contains(fold_word(word).as_str())
}

/// Folds one word. Most words are ASCII: they are lowercased inline, without the full
/// folding machinery or a heap allocation.
fn fold_word(word: &str) -> CompactString {
    if word.is_ascii() {
        let mut lower = CompactString::new(word);
        lower.make_ascii_lowercase();
        lower
    } else {
        CompactString::from(fold(word))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon() -> Lexicon {
        let mut l = Lexicon::default();
        l.abbreviations.insert("gen".into());
        l
    }

    fn texts(text: &str) -> Vec<(SegmentKind, &str)> {
        segments(text, None, &lexicon())
            .into_iter()
            .map(|s| (s.kind, &text[s.span.start..s.span.end]))
            .collect()
    }

    #[test]
    fn a_sentence_without_end_is_cut_into_bounded_pieces_the_last_not_a_sliver() {
        // 4,100 bytes of words with a comma now and then, then a short sentence.
        let mut text = String::new();
        for i in 0..820 {
            text.push_str(if i % 40 == 39 { "word, " } else { "word " });
        }
        text.push_str("JNIM attacked Kati.");
        let pieces = pieces(&text, Span::new(0, text.len()));
        assert!(pieces.iter().all(|p| p.len() <= MAX_SENTENCE_BYTES));
        // Nothing lost: the pieces tile the text, give or take the spaces between them.
        let joined: usize = pieces.iter().map(|p| p.len()).sum();
        assert!(text.len() - joined < pieces.len());
        // Cuts fall after a comma where the piece's second half has one.
        assert!(text[..pieces[0].end].ends_with(','));
        // The last piece is no sliver (cuts on commas shorten the others a little): the
        // closing sentence is whole in it.
        let last = pieces[pieces.len() - 1];
        assert!(last.len() > MAX_SENTENCE_BYTES / 4, "{pieces:?}");
        assert!(text[last.start..last.end].ends_with("JNIM attacked Kati."));
    }

    #[test]
    fn abbreviations_and_initials_do_not_end_sentences() {
        let got = texts("The U.S. Embassy in Mali spoke. Gen. Goita did not. Then “quotes.” Fin.");
        let want = [
            "The U.S. Embassy in Mali spoke.",
            "Gen. Goita did not.",
            "Then “quotes.”",
            "Fin.",
        ];
        assert_eq!(got.iter().map(|g| g.1).collect::<Vec<_>>(), want);
    }

    #[test]
    fn list_items_keep_their_lead_in() {
        let text =
            "Key Details\nAccording to a map, routes are:\n- A: RN5.\n- B: RN6.\nAfter the list.";
        let segs = segments(text, None, &lexicon());
        let kinds: Vec<SegmentKind> = segs.iter().map(|s| s.kind).collect();
        use SegmentKind::*;
        assert_eq!(kinds, [Heading, Sentence, ListItem, ListItem, Sentence]);
        assert_eq!(segs[2].lead_in, Some(1));
        assert_eq!(segs[3].lead_in, Some(1));
        assert_eq!(segs[4].lead_in, None);
    }

    #[test]
    fn tokens_split_on_apostrophes_and_keep_punctuation() {
        let text = "l’ambassade, JNIM’s";
        let toks = tokenize(text, Span::new(0, text.len()), &lexicon());
        let words: Vec<&str> = toks
            .iter()
            .filter(|t| t.is_word())
            .map(|t| t.folded.as_str())
            .collect();
        assert_eq!(words, ["l", "ambassade", "jnim", "s"]);
        assert!(toks.iter().any(|t| t.is_punct(&[','])));
    }
}
