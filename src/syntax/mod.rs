//! Syntax: tokenizer → UPOS tagger → labelled dependency parser, for English and French.
//!
//! A [`Model`] holds one language: an averaged-perceptron tagger, an arc-hybrid transition
//! parser (greedy, trained with a dynamic oracle), a small lemmatizer (a lexicon of the
//! training data's irregular forms, then suffix rules per UPOS) and the table of dependency
//! labels, all trained on Universal Dependencies treebanks by
//! `examples/train_syntax.rs` and shipped in `models/` (see `models/README.md`).
//!
//! ```
//! use sitrep::syntax::{builtin, Lang, Upos};
//!
//! let en = builtin(Lang::En).expect("the shipped English model loads");
//! let parse = en.parse_text("JNIM attacked a convoy near Kati.", 0);
//! let root = parse.root().unwrap();
//! assert_eq!(parse.form(root), "attacked");
//! assert_eq!(parse.upos(root), Upos::Verb);
//! let subject = parse.children(root).find(|&c| parse.deprel(c) == "nsubj").unwrap();
//! assert_eq!(parse.form(subject), "JNIM");
//! assert_eq!(parse.span(subject), 0..4);
//! ```
//!
//! Pure: no IO, no clock, no global state. A model is loaded from bytes (`from_bytes` is a
//! flat copy plus validation: milliseconds) and can be shared across threads; parsing is
//! linear in the sentence length and never panics, whatever the input.

pub mod conllu;
mod features;
mod model;
mod parser;
mod tagger;
pub mod tokenize;
pub mod train;

#[cfg(test)]
mod tests;

use std::fmt;
use std::ops::Range;
use std::str::FromStr;
use std::sync::Arc;

pub use model::Model;
pub use tokenize::{Word, tokenize};

/// Why a model could not be loaded or built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyntaxError {
    #[error("not a sitrep syntax model (bad magic number)")]
    BadMagic,
    #[error("syntax model format {found} is not supported (this build reads format {expected})")]
    Version { found: u32, expected: u32 },
    #[error("syntax model is truncated or corrupt: {0}")]
    Corrupt(&'static str),
    #[error("no built-in syntax model for {0}")]
    NoBuiltin(Lang),
    #[error("unknown UPOS tag {0:?}")]
    UnknownUpos(String),
    #[error("unknown language {0:?}")]
    UnknownLang(String),
    #[error("cannot train: {0}")]
    Training(String),
}

/// A language with a syntax model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Fr,
}

impl Lang {
    /// The ISO 639-1 code: `en`, `fr`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Lang {
    type Err = SyntaxError;
    fn from_str(s: &str) -> Result<Lang, SyntaxError> {
        match s.to_ascii_lowercase().as_str() {
            "en" | "eng" | "english" => Ok(Lang::En),
            "fr" | "fra" | "fre" | "french" => Ok(Lang::Fr),
            _ => Err(SyntaxError::UnknownLang(s.to_string())),
        }
    }
}

/// Universal part-of-speech tags (UD v2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Upos {
    Adj,
    Adp,
    Adv,
    Aux,
    Cconj,
    Det,
    Intj,
    Noun,
    Num,
    Part,
    Pron,
    Propn,
    Punct,
    Sconj,
    Sym,
    Verb,
    X,
}

impl Upos {
    /// Every tag, in the order of their class ids in a model.
    pub const ALL: [Upos; 17] = [
        Upos::Adj,
        Upos::Adp,
        Upos::Adv,
        Upos::Aux,
        Upos::Cconj,
        Upos::Det,
        Upos::Intj,
        Upos::Noun,
        Upos::Num,
        Upos::Part,
        Upos::Pron,
        Upos::Propn,
        Upos::Punct,
        Upos::Sconj,
        Upos::Sym,
        Upos::Verb,
        Upos::X,
    ];

    /// The UD spelling: `ADJ`, `PROPN`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Upos::Adj => "ADJ",
            Upos::Adp => "ADP",
            Upos::Adv => "ADV",
            Upos::Aux => "AUX",
            Upos::Cconj => "CCONJ",
            Upos::Det => "DET",
            Upos::Intj => "INTJ",
            Upos::Noun => "NOUN",
            Upos::Num => "NUM",
            Upos::Part => "PART",
            Upos::Pron => "PRON",
            Upos::Propn => "PROPN",
            Upos::Punct => "PUNCT",
            Upos::Sconj => "SCONJ",
            Upos::Sym => "SYM",
            Upos::Verb => "VERB",
            Upos::X => "X",
        }
    }

    /// The class id used inside models (position in [`Upos::ALL`]).
    pub(crate) fn id(self) -> u8 {
        self as u8
    }

    pub(crate) fn from_id(id: u8) -> Upos {
        Upos::ALL.get(usize::from(id)).copied().unwrap_or(Upos::X)
    }
}

impl fmt::Display for Upos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Upos {
    type Err = SyntaxError;
    fn from_str(s: &str) -> Result<Upos, SyntaxError> {
        Upos::ALL
            .iter()
            .copied()
            .find(|u| u.as_str() == s)
            .ok_or_else(|| SyntaxError::UnknownUpos(s.to_string()))
    }
}

/// The shipped model of a language (`models/<lang>.syntax`, embedded at compile time).
///
/// Decodes the embedded bytes on every call (a few milliseconds): load once and keep it.
pub fn builtin(lang: Lang) -> Result<Model, SyntaxError> {
    let bytes: &[u8] = match lang {
        Lang::En => include_bytes!("../../models/en.syntax"),
        Lang::Fr => include_bytes!("../../models/fr.syntax"),
    };
    if bytes.is_empty() {
        return Err(SyntaxError::NoBuiltin(lang));
    }
    let model = Model::from_bytes(bytes)?;
    if model.lang() != lang {
        return Err(SyntaxError::Corrupt("built-in model of the wrong language"));
    }
    Ok(model)
}

/// Sentinel head of the root word.
const NO_HEAD: u32 = u32::MAX;

/// One parsed sentence: words with lemma, UPOS, head, label and byte span.
///
/// Indices are word positions `0..len()`. Children lists and subtree ranges are computed
/// once when the parse is built, so [`Parse::children`] and [`Parse::subtree`] are cheap.
#[derive(Debug, Clone)]
pub struct Parse {
    /// Forms then lemmas, concatenated; `strs[i]` is the range of word i's form (i < n)
    /// or lemma (n + i).
    text: String,
    strs: Vec<(u32, u32)>,
    upos: Vec<Upos>,
    heads: Vec<u32>,
    labels: Vec<u16>,
    label_names: Arc<[Box<str>]>,
    spans: Vec<(u32, u32)>,
    /// Children of word i are `child_list[child_start[i]..child_start[i + 1]]`, in order.
    child_start: Vec<u32>,
    child_list: Vec<u32>,
    /// Leftmost and rightmost word of each word's subtree.
    sub: Vec<(u32, u32)>,
    root: Option<usize>,
}

impl Parse {
    /// Assembles a parse and precomputes children and subtrees. `heads` must form a tree
    /// (the parser guarantees it); anything else is repaired by attaching to the root.
    pub(crate) fn build(
        words: &[(&str, Range<usize>)],
        lemmas: &[&str],
        upos: Vec<Upos>,
        mut heads: Vec<u32>,
        labels: Vec<u16>,
        label_names: Arc<[Box<str>]>,
    ) -> Parse {
        let n = words.len();
        let mut text = String::new();
        let mut strs = Vec::with_capacity(2 * n);
        for (w, _) in words {
            let s = text.len() as u32;
            text.push_str(w);
            strs.push((s, text.len() as u32));
        }
        for l in lemmas {
            let s = text.len() as u32;
            text.push_str(l);
            strs.push((s, text.len() as u32));
        }
        let spans = words
            .iter()
            .map(|(_, r)| (r.start as u32, r.end as u32))
            .collect();
        repair_tree(&mut heads);
        let root = heads.iter().position(|&h| h == NO_HEAD);
        // Children in CSR form, by counting sort on the head.
        let mut child_start = vec![0u32; n + 1];
        for &h in &heads {
            if h != NO_HEAD {
                child_start[h as usize + 1] += 1;
            }
        }
        for i in 0..n {
            child_start[i + 1] += child_start[i];
        }
        let mut fill = child_start.clone();
        let mut child_list = vec![0u32; child_start[n] as usize];
        for (d, &h) in heads.iter().enumerate() {
            if h != NO_HEAD {
                child_list[fill[h as usize] as usize] = d as u32;
                fill[h as usize] += 1;
            }
        }
        // Subtree extents: process words deepest first (reverse BFS order from the root).
        let mut sub: Vec<(u32, u32)> = (0..n as u32).map(|i| (i, i)).collect();
        let mut order = Vec::with_capacity(n);
        if let Some(r) = root {
            order.push(r as u32);
            let mut k = 0;
            while k < order.len() {
                let w = order[k] as usize;
                order.extend_from_slice(
                    &child_list[child_start[w] as usize..child_start[w + 1] as usize],
                );
                k += 1;
            }
        }
        for &w in order.iter().rev() {
            let h = heads[w as usize];
            if h != NO_HEAD {
                let (lo, hi) = sub[w as usize];
                let e = &mut sub[h as usize];
                e.0 = e.0.min(lo);
                e.1 = e.1.max(hi);
            }
        }
        Parse {
            text,
            strs,
            upos,
            heads,
            labels,
            label_names,
            spans,
            child_start,
            child_list,
            sub,
            root,
        }
    }

    /// Number of (syntactic) words.
    pub fn len(&self) -> usize {
        self.upos.len()
    }

    pub fn is_empty(&self) -> bool {
        self.upos.is_empty()
    }

    fn str_at(&self, k: usize) -> &str {
        let (s, e) = self.strs[k];
        &self.text[s as usize..e as usize]
    }

    /// The word as it is in the sentence, except that a contraction's parts carry their UD
    /// forms (French "du" → "de", "le").
    pub fn form(&self, i: usize) -> &str {
        self.str_at(i)
    }

    /// Dictionary form: from the training data's lexicon, else by the longest matching
    /// suffix rule for the word's UPOS, else the lowercased form (the form for PROPN).
    pub fn lemma(&self, i: usize) -> &str {
        self.str_at(self.len() + i)
    }

    pub fn upos(&self, i: usize) -> Upos {
        self.upos[i]
    }

    /// The word's head, `None` for the root.
    pub fn head(&self, i: usize) -> Option<usize> {
        let h = self.heads[i];
        (h != NO_HEAD).then_some(h as usize)
    }

    /// The full UD relation to the head, e.g. `nsubj:pass`, `obl:agent`, `root`.
    pub fn deprel(&self, i: usize) -> &str {
        self.label_names
            .get(usize::from(self.labels[i]))
            .map_or("dep", |s| s)
    }

    /// Byte span of the word in the parsed text (plus the `base` given); the parts of a
    /// contraction share the contraction's span.
    pub fn span(&self, i: usize) -> Range<usize> {
        let (s, e) = self.spans[i];
        s as usize..e as usize
    }

    /// The parse as CoNLL-U lines (ID, FORM, LEMMA, UPOS, HEAD, DEPREL; the other columns
    /// `_`), for people reading what the rules see.
    pub fn to_conllu(&self) -> String {
        let mut out = String::new();
        for i in 0..self.len() {
            let head = self.head(i).map_or(0, |h| h + 1);
            out.push_str(&format!(
                "{}\t{}\t{}\t{}\t_\t_\t{}\t{}\t_\t_\n",
                i + 1,
                self.form(i),
                self.lemma(i),
                self.upos(i).as_str(),
                head,
                self.deprel(i)
            ));
        }
        out
    }

    /// The word's dependents, left to right.
    pub fn children(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let (s, e) = (
            self.child_start[i] as usize,
            self.child_start[i + 1] as usize,
        );
        self.child_list[s..e].iter().map(|&c| c as usize)
    }

    /// The root word (`None` only for an empty sentence).
    pub fn root(&self) -> Option<usize> {
        self.root
    }

    /// Word range covered by the subtree of word i (the parser's trees are projective, so
    /// every word in the range belongs to it).
    pub fn subtree(&self, i: usize) -> Range<usize> {
        let (s, e) = self.sub[i];
        s as usize..e as usize + 1
    }
}

/// Makes `heads` a tree with a single root: out-of-range heads, extra roots and cycles are
/// reattached to the (first) root. The parser's output never needs it; it keeps [`Parse`]
/// sound whatever it is given.
fn repair_tree(heads: &mut [u32]) {
    let n = heads.len();
    if n == 0 {
        return;
    }
    for h in heads.iter_mut() {
        if *h != NO_HEAD && *h as usize >= n {
            *h = NO_HEAD;
        }
    }
    let root = match heads.iter().position(|&h| h == NO_HEAD) {
        Some(r) => r,
        None => {
            heads[0] = NO_HEAD;
            0
        }
    };
    for h in heads.iter_mut().skip(root + 1) {
        if *h == NO_HEAD {
            *h = root as u32;
        }
    }
    // Cycle check: state 0 unknown, 1 in progress, 2 reaches the root.
    let mut state = vec![0u8; n];
    state[root] = 2;
    let mut path = Vec::new();
    for start in 0..n {
        let mut w = start;
        while state[w] == 0 {
            state[w] = 1;
            path.push(w);
            w = heads[w] as usize;
        }
        if state[w] == 1 {
            // w is on a cycle: break it at w.
            heads[w] = root as u32;
        }
        for p in path.drain(..) {
            state[p] = 2;
        }
    }
}
