//! Rule-based tokenizer: raw sentence text → syntactic words with byte spans, as UD does.
//!
//! Whitespace separates chunks; within a chunk, punctuation and quotes become their own
//! tokens, while numbers (`1,000.5`, `10:30`), abbreviations (`U.S.`, `Dr.`, `M.`), hyphenated
//! words (`al-Qaeda`) and URLs stay whole. Then the language's clitics are split off:
//! English `'s n't 're 've 'll 'd 'm` (straight or curly apostrophe), French elisions
//! (`l' d' qu' jusqu'` …), inverted subject clitics (`a-t-il` → `a -t-il`) and the
//! contractions `du au aux duquel auquel…`, whose two syntactic words share the span of the
//! written word (`du` → `de` + `le`). French `des` stays one word: telling the article from
//! `de les` needs the tagger.

use std::ops::Range;

use super::Lang;

/// One syntactic word: its form (for a contraction's parts, the UD form) and its byte span
/// in the tokenized text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word<'a> {
    pub form: &'a str,
    pub span: Range<usize>,
}

/// Splits one sentence into syntactic words. Never fails; every word's span lies in `text`
/// and is non-empty, and spans never go backwards.
pub fn tokenize(text: &str, lang: Lang) -> Vec<Word<'_>> {
    let mut out = Vec::with_capacity(text.len() / 5 + 1);
    let mut start = None;
    for (i, c) in text.char_indices() {
        if is_space(c) {
            if let Some(s) = start.take() {
                chunk(text, s, i, lang, &mut out);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        chunk(text, s, text.len(), lang, &mut out);
    }
    out
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c.is_control() || matches!(c, '\u{200B}' | '\u{FEFF}' | '\u{2060}')
}

/// Characters that are always a token of their own (a run of the same one is one token).
fn always_split(c: char) -> bool {
    matches!(
        c,
        '(' | ')'
            | '['
            | ']'
            | '{'
            | '}'
            | '«'
            | '»'
            | '“'
            | '”'
            | '„'
            | '"'
            | '‹'
            | '›'
            | ';'
            | '!'
            | '?'
            | '¿'
            | '¡'
            | '…'
            | '—'
            | '–'
            | '|'
            | '•'
            | '*'
            | '$'
            | '€'
            | '£'
            | '¥'
            | '%'
            | '‰'
            | '°'
    )
}

fn push<'a>(out: &mut Vec<Word<'a>>, text: &'a str, s: usize, e: usize) {
    if s < e {
        out.push(Word {
            form: &text[s..e],
            span: s..e,
        });
    }
}

/// One whitespace-delimited chunk: split off punctuation, then hand the pieces between to
/// [`piece`].
fn chunk<'a>(text: &'a str, s: usize, e: usize, lang: Lang, out: &mut Vec<Word<'a>>) {
    let c = &text[s..e];
    if c.contains("://") || c.starts_with("www.") || is_email(c) {
        // Keep URLs and addresses whole, minus trailing sentence punctuation.
        let core = c.trim_end_matches(['.', ',', ';', ':', ')', '!', '?', '"', '»', '”']);
        let ce = s + core.len();
        push(out, text, s, ce);
        chunk_punct_only(text, ce, e, out);
        return;
    }
    let chars: Vec<(usize, char)> = c.char_indices().map(|(i, ch)| (s + i, ch)).collect();
    let at = |k: usize| chars.get(k).map(|&(_, ch)| ch);
    let end_of = |k: usize| chars.get(k).map_or(e, |&(i, _)| i);
    let mut piece_start = s;
    let mut k = 0;
    while k < chars.len() {
        let (i, ch) = chars[k];
        let digit_around = || {
            k > 0
                && at(k - 1).is_some_and(|p| p.is_ascii_digit())
                && at(k + 1).is_some_and(|n| n.is_ascii_digit())
        };
        let run = |k: usize| {
            let mut j = k + 1;
            while at(j) == Some(ch) {
                j += 1;
            }
            j
        };
        let split_here = always_split(ch)
            || ((ch == ',' || ch == ':') && !digit_around())
            || (ch == '.'
                && (at(k + 1) == Some('.')
                    || (i == piece_start
                        && k + 1 < chars.len()
                        && !at(k + 1).is_some_and(|n| n.is_ascii_digit()))))
            || (ch == '-' && at(k + 1) == Some('-'));
        if split_here {
            piece(text, piece_start, i, lang, out);
            let j = run(k);
            push(out, text, i, end_of(j));
            k = j;
            piece_start = end_of(k);
        } else {
            k += 1;
        }
    }
    piece(text, piece_start, e, lang, out);
}

fn chunk_punct_only<'a>(text: &'a str, s: usize, e: usize, out: &mut Vec<Word<'a>>) {
    for (i, ch) in text[s..e].char_indices() {
        push(out, text, s + i, s + i + ch.len_utf8());
    }
}

fn is_email(c: &str) -> bool {
    match c.find('@') {
        Some(at) => {
            at > 0
                && c[at..].contains('.')
                && c[..at]
                    .chars()
                    .all(|ch| ch.is_alphanumeric() || ".-_+".contains(ch))
        }
        None => false,
    }
}

fn is_apos(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | '`')
}

/// A run of word characters (and single dots, hyphens, apostrophes): peel a final period
/// unless it ends an abbreviation, then quotes and hyphens at the edges, then clitics.
fn piece<'a>(text: &'a str, s: usize, e: usize, lang: Lang, out: &mut Vec<Word<'a>>) {
    if s >= e {
        return;
    }
    let p = &text[s..e];
    if p.len() > 1 && p.ends_with('.') && !is_abbrev(&p[..p.len() - 1], lang) {
        edges(text, s, e - 1, lang, out);
        push(out, text, e - 1, e);
    } else {
        edges(text, s, e, lang, out);
    }
}

fn edges<'a>(text: &'a str, mut s: usize, mut e: usize, lang: Lang, out: &mut Vec<Word<'a>>) {
    // Leading quotes / hyphens, except an English clitic or a decade ('90s).
    while s < e {
        let rest = &text[s..e];
        let Some(c) = rest.chars().next() else { break };
        let next = rest[c.len_utf8()..].chars().next();
        let lead_quote = is_apos(c)
            && next.is_some()
            && !(lang == Lang::En
                && (is_en_clitic(&rest[c.len_utf8()..])
                    || next.is_some_and(|n| n.is_ascii_digit())));
        let lead_hyphen = c == '-' && next.is_some_and(|n| !n.is_ascii_digit());
        if lead_quote || lead_hyphen {
            push(out, text, s, s + c.len_utf8());
            s += c.len_utf8();
        } else {
            break;
        }
    }
    // Trailing quotes / hyphens, pushed after the core.
    let mut trailing = Vec::new();
    while s < e {
        let rest = &text[s..e];
        let Some(c) = rest.chars().next_back() else {
            break;
        };
        if (is_apos(c) || c == '-') && rest.len() > c.len_utf8() {
            e -= c.len_utf8();
            trailing.push(e..e + c.len_utf8());
        } else {
            break;
        }
    }
    match lang {
        Lang::En => core_en(text, s, e, out),
        Lang::Fr => core_fr(text, s, e, out),
    }
    for r in trailing.into_iter().rev() {
        push(out, text, r.start, r.end);
    }
}

fn is_en_clitic(w: &str) -> bool {
    matches!(
        w.to_ascii_lowercase().as_str(),
        "s" | "re" | "ve" | "ll" | "d" | "m"
    )
}

fn core_en<'a>(text: &'a str, s: usize, e: usize, out: &mut Vec<Word<'a>>) {
    let w = &text[s..e];
    if w.eq_ignore_ascii_case("cannot") {
        push(out, text, s, s + 3);
        push(out, text, s + 3, e);
        return;
    }
    // n't: "don't" → do + n't, "can't" → ca + n't (as UD EWT).
    for suffix in ["n't", "n’t"] {
        if w.len() > suffix.len() {
            let cut = w.len() - suffix.len();
            if w.is_char_boundary(cut) && w[cut..].eq_ignore_ascii_case(suffix) {
                push(out, text, s, s + cut);
                push(out, text, s + cut, e);
                return;
            }
        }
    }
    if let Some((a, c)) = w.char_indices().rev().find(|&(_, c)| is_apos(c))
        && a > 0
        && is_en_clitic(&w[a + c.len_utf8()..])
    {
        push(out, text, s, s + a);
        push(out, text, s + a, e);
        return;
    }
    push(out, text, s, e);
}

const ELISIONS: [&str; 13] = [
    "l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu",
];

/// French contractions and their UD words (lowercase; the first is capitalized when the
/// written word is).
const CONTRACTIONS: [(&str, &str, &str, &str); 9] = [
    ("du", "de", "De", "le"),
    ("au", "à", "À", "le"),
    ("aux", "à", "À", "les"),
    ("duquel", "de", "De", "lequel"),
    ("auquel", "à", "À", "lequel"),
    ("auxquels", "à", "À", "lesquels"),
    ("auxquelles", "à", "À", "lesquelles"),
    ("desquels", "de", "De", "lesquels"),
    ("desquelles", "de", "De", "lesquelles"),
];

const INVERTED: [&str; 12] = [
    "-t-il", "-t-elle", "-t-on", "-t-ils", "-t-elles", "-il", "-elle", "-on", "-ils", "-elles",
    "-je", "-ce",
];

fn core_fr<'a>(text: &'a str, mut s: usize, e: usize, out: &mut Vec<Word<'a>>) {
    // Elisions, possibly chained (qu'l'…).
    while let Some((a, c)) = text[s..e].char_indices().find(|&(_, c)| is_apos(c)) {
        let after = a + c.len_utf8();
        if after < e - s
            && ELISIONS
                .iter()
                .any(|p| text[s..s + a].eq_ignore_ascii_case(p))
        {
            push(out, text, s, s + after);
            s += after;
        } else {
            break;
        }
    }
    let w = &text[s..e];
    let lower = w.to_lowercase();
    if let Some(&(_, a, a_cap, b)) = CONTRACTIONS.iter().find(|c| c.0 == lower) {
        let cap = w.chars().next().is_some_and(char::is_uppercase);
        out.push(Word {
            form: if cap { a_cap } else { a },
            span: s..e,
        });
        out.push(Word {
            form: b,
            span: s..e,
        });
        return;
    }
    // Matched on the written word itself (the suffixes are ASCII), not on `lower`, whose
    // byte length can differ from the word's.
    let inverted = INVERTED.iter().find(|x| {
        w.len() > x.len()
            && w.is_char_boundary(w.len() - x.len())
            && w[w.len() - x.len()..].eq_ignore_ascii_case(x)
    });
    if let Some(suffix) = inverted {
        let cut = e - suffix.len();
        if !text[s..cut].ends_with('-') {
            push(out, text, s, cut);
            push(out, text, cut, e);
            return;
        }
    }
    push(out, text, s, e);
}

/// Whether `w` (the piece without its final period) is an abbreviation that keeps the period.
fn is_abbrev(w: &str, lang: Lang) -> bool {
    if w.is_empty() || !w.chars().all(|c| c.is_alphabetic() || c == '.' || c == '-') {
        return false;
    }
    if w.contains('.') || (w.chars().count() == 1 && w.chars().all(char::is_uppercase)) {
        return true;
    }
    let list: &[&str] = match lang {
        Lang::En => &[
            "Mr", "Mrs", "Ms", "Dr", "Prof", "Sr", "Jr", "St", "Mt", "Gen", "Lt", "Col", "Sgt",
            "Capt", "Cmdr", "Adm", "Gov", "Sen", "Rep", "Rev", "Hon", "Pres", "Inc", "Ltd", "Co",
            "Corp", "Bros", "vs", "etc", "Jan", "Feb", "Aug", "Sept", "Oct", "Nov", "Dec", "Ft",
            "approx", "Ave", "Blvd", "Rd", "Nos",
        ],
        Lang::Fr => &[
            "M", "MM", "Mme", "Mmes", "Mlle", "Mlles", "Dr", "Pr", "St", "Ste", "etc", "cf", "av",
            "apr", "Gal", "Gén", "Col", "Lt", "Cdt", "Sgt", "art", "p", "vol", "env",
        ],
    };
    list.contains(&w)
}
