//! [`Model`]: one language's tagger, parser, lemma lexicon and label table, and its binary
//! format.
//!
//! Format 1, little-endian, no padding:
//!
//! ```text
//! magic "SRSYNTX\0" · format u32 · lang u8 · version str
//! labels: count u32, then str each           (label 0 is "root")
//! tagger weights · parser weights
//! lemmas: count u32, then (form str, upos u8, lemma str), sorted by (form, upos)
//! rules:  count u32, then (upos u8, suffix str, strip u8, append str), sorted by (upos, suffix)
//!
//! str     = len u32 · UTF-8 bytes
//! weights = nclasses u32 · scale f32 · cap u32 · keys [u32; cap] · counts [u8; cap]
//!           · n u32 · classes [u8; n] · values [i16; n]
//! ```
//!
//! The weight tables are stored as the in-memory hash table (key 0 = empty slot; a slot's
//! entries follow those of the slots before it, `counts` of them), so loading is a copy, a
//! prefix sum and a validation pass; a corrupt file is an error, never a panic.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::features::Weights;
use super::tagger::{self, NTAGS};
use super::tokenize::tokenize;
use super::{Lang, Parse, SyntaxError, Upos, parser};

const MAGIC: &[u8; 8] = b"SRSYNTX\0";
/// Longest suffix a lemma rule looks at, in characters.
pub(crate) const RULE_MAX: usize = 6;
/// The binary format this build reads and writes.
pub const FORMAT: u32 = 2;

/// A syntax model for one language. Cheap to share (`&Model` is all parsing needs).
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    lang: Lang,
    version: String,
    labels: Arc<[Box<str>]>,
    pub(crate) tagger: Weights,
    pub(crate) parser: Weights,
    /// Exceptions to the default lemma (lowercase form; the form itself for PROPN), sorted.
    lemmas: Vec<(Box<str>, u8, Box<str>)>,
    /// Suffix rules for words not in the lexicon: (UPOS, final characters of the lowercase
    /// form) → strip that many characters and append, e.g. (VERB, "ded") → 1, "" for
    /// "blockaded". The longest matching suffix wins.
    rules: Vec<(u8, Box<str>, u8, Box<str>)>,
}

impl Model {
    /// Assembles a trained model and stamps its version with a hash of its content.
    pub(crate) fn new(
        lang: Lang,
        labels: Vec<String>,
        tagger: Weights,
        parser: Weights,
        mut lemmas: Vec<(Box<str>, u8, Box<str>)>,
        mut rules: Vec<(u8, Box<str>, u8, Box<str>)>,
    ) -> Model {
        lemmas.sort();
        rules.sort();
        let mut m = Model {
            lang,
            version: String::new(),
            labels: labels.into_iter().map(String::into_boxed_str).collect(),
            tagger,
            parser,
            lemmas,
            rules,
        };
        let digest = Sha256::digest(m.to_bytes());
        let short: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        m.version = format!("{}-1.0+{short}", lang.as_str());
        m
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// `<lang>-<major.minor>+<hash of the content>`, e.g. `en-1.0+3f2a9c1d`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The dependency labels the parser can produce.
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.labels.iter().map(|l| &**l)
    }

    /// Number of features stored (tagger, parser).
    pub fn feature_counts(&self) -> (usize, usize) {
        (self.tagger.len(), self.parser.len())
    }

    /// Tokenizes and parses one sentence; spans are byte offsets into `text` plus `base`.
    pub fn parse_text(&self, text: &str, base: usize) -> Parse {
        let words = tokenize(text, self.lang);
        let forms: Vec<&str> = words.iter().map(|w| w.form).collect();
        let spans: Vec<Range<usize>> = words
            .iter()
            .map(|w| w.span.start + base..w.span.end + base)
            .collect();
        self.parse_inner(&forms, spans)
    }

    /// Parses pre-tokenized words (gold tokens for evaluation). Spans are those of the words
    /// joined by single spaces.
    pub fn parse_words(&self, words: &[&str]) -> Parse {
        let mut spans = Vec::with_capacity(words.len());
        let mut at = 0;
        for w in words {
            spans.push(at..at + w.len());
            at += w.len() + 1;
        }
        self.parse_inner(words, spans)
    }

    /// UPOS tags only (no parsing), for pre-tokenized words.
    pub fn tag_words(&self, words: &[&str]) -> Vec<Upos> {
        let infos = tagger::word_infos(words);
        tagger::tag(&self.tagger, &infos)
            .into_iter()
            .map(Upos::from_id)
            .collect()
    }

    fn parse_inner(&self, forms: &[&str], spans: Vec<Range<usize>>) -> Parse {
        let infos = tagger::word_infos(forms);
        let tags = tagger::tag(&self.tagger, &infos);
        let (heads, labels) = parser::parse(&self.parser, self.labels.len(), &infos, &tags);
        let upos: Vec<Upos> = tags.iter().map(|&t| Upos::from_id(t)).collect();
        let lowered: Vec<String> = forms.iter().map(|f| f.to_lowercase()).collect();
        let lemmas: Vec<Cow<str>> = forms
            .iter()
            .zip(&lowered)
            .zip(&tags)
            .map(|((f, low), &t)| self.lemma(f, low, t))
            .collect();
        let lemmas: Vec<&str> = lemmas.iter().map(|l| &**l).collect();
        let words: Vec<(&str, Range<usize>)> = forms.iter().copied().zip(spans).collect();
        Parse::build(&words, &lemmas, upos, heads, labels, self.labels.clone())
    }

    pub(crate) fn lemma<'a>(&'a self, form: &'a str, lower: &'a str, tag: u8) -> Cow<'a, str> {
        let key = (lower, tag);
        if let Ok(k) = self
            .lemmas
            .binary_search_by(|(f, t, _)| (&**f, *t).cmp(&key))
        {
            return Cow::Borrowed(&self.lemmas[k].2);
        }
        if tag == Upos::Propn.id() {
            return Cow::Borrowed(form);
        }
        // Suffix rules, the longest matching suffix (up to RULE_MAX characters) first.
        let mut starts: Vec<usize> = lower
            .char_indices()
            .rev()
            .take(RULE_MAX)
            .map(|(i, _)| i)
            .collect();
        starts.reverse();
        for at in starts {
            let key = (tag, &lower[at..]);
            if let Ok(k) = self
                .rules
                .binary_search_by(|(t, s, _, _)| (*t, &**s).cmp(&key))
            {
                let (_, _, strip, append) = &self.rules[k];
                // A rule never strips more than its suffix (checked at load).
                let cut = match usize::from(*strip) {
                    0 => lower.len(),
                    n => lower.char_indices().rev().nth(n - 1).map_or(0, |(i, _)| i),
                };
                if cut == 0 && append.is_empty() {
                    break;
                }
                return Cow::Owned(format!("{}{append}", &lower[..cut]));
            }
        }
        Cow::Borrowed(lower)
    }

    pub(crate) fn pruned(&self, tagger_min: i16, parser_min: i16) -> Model {
        Model::new(
            self.lang,
            self.labels.iter().map(|l| l.to_string()).collect(),
            self.tagger.pruned(tagger_min),
            self.parser.pruned(parser_min),
            self.lemmas.clone(),
            self.rules.clone(),
        )
    }

    /// The default lemma rule, shared with training (which stores only the exceptions).
    pub(crate) fn default_lemma(form: &str, tag: u8) -> String {
        if tag == Upos::Propn.id() {
            form.to_string()
        } else {
            form.to_lowercase()
        }
    }

    /// Serializes the model (the format described in this module, version 1).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT.to_le_bytes());
        out.push(match self.lang {
            Lang::En => 0,
            Lang::Fr => 1,
        });
        put_str(&mut out, &self.version);
        out.extend_from_slice(&(self.labels.len() as u32).to_le_bytes());
        for l in self.labels.iter() {
            put_str(&mut out, l);
        }
        put_weights(&mut out, &self.tagger);
        put_weights(&mut out, &self.parser);
        out.extend_from_slice(&(self.lemmas.len() as u32).to_le_bytes());
        for (f, t, l) in &self.lemmas {
            put_str(&mut out, f);
            out.push(*t);
            put_str(&mut out, l);
        }
        out.extend_from_slice(&(self.rules.len() as u32).to_le_bytes());
        for (t, s, strip, a) in &self.rules {
            out.push(*t);
            put_str(&mut out, s);
            out.push(*strip);
            put_str(&mut out, a);
        }
        out
    }

    /// Reads a model written by [`Model::to_bytes`], checking every offset and id.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, SyntaxError> {
        let mut r = Reader { b: bytes, at: 0 };
        if r.take(8)? != MAGIC {
            return Err(SyntaxError::BadMagic);
        }
        let format = r.u32()?;
        if format != FORMAT {
            return Err(SyntaxError::Version {
                found: format,
                expected: FORMAT,
            });
        }
        let lang = match r.u8()? {
            0 => Lang::En,
            1 => Lang::Fr,
            _ => return Err(SyntaxError::Corrupt("language")),
        };
        let version = r.str()?.to_string();
        let nlabels = r.u32()? as usize;
        if nlabels == 0 || nlabels > 127 {
            return Err(SyntaxError::Corrupt("label count"));
        }
        let labels: Arc<[Box<str>]> = (0..nlabels)
            .map(|_| r.str().map(Box::from))
            .collect::<Result<_, _>>()?;
        let tagger = r.weights()?;
        let parser = r.weights()?;
        if tagger.nclasses != NTAGS || parser.nclasses != parser::nclasses(nlabels) {
            return Err(SyntaxError::Corrupt("class counts"));
        }
        let nlemmas = r.u32()? as usize;
        if nlemmas > bytes.len() {
            return Err(SyntaxError::Corrupt("lemma count"));
        }
        let mut lemmas = Vec::with_capacity(nlemmas);
        for _ in 0..nlemmas {
            let f = Box::from(r.str()?);
            let t = r.u8()?;
            let l = Box::from(r.str()?);
            lemmas.push((f, t, l));
        }
        if lemmas
            .windows(2)
            .any(|w| (&w[0].0, w[0].1) >= (&w[1].0, w[1].1))
        {
            return Err(SyntaxError::Corrupt("lemmas not sorted"));
        }
        let nrules = r.u32()? as usize;
        if nrules > bytes.len() {
            return Err(SyntaxError::Corrupt("rule count"));
        }
        let mut rules = Vec::with_capacity(nrules);
        for _ in 0..nrules {
            let t = r.u8()?;
            let s: Box<str> = Box::from(r.str()?);
            let strip = r.u8()?;
            let a = Box::from(r.str()?);
            // `lemma` relies on a rule never stripping more characters than its suffix has.
            if s.is_empty() || usize::from(strip) > s.chars().count() {
                return Err(SyntaxError::Corrupt("lemma rule"));
            }
            rules.push((t, s, strip, a));
        }
        if rules
            .windows(2)
            .any(|w| (w[0].0, &w[0].1) >= (w[1].0, &w[1].1))
        {
            return Err(SyntaxError::Corrupt("rules not sorted"));
        }
        if r.at != bytes.len() {
            return Err(SyntaxError::Corrupt("trailing bytes"));
        }
        Ok(Model {
            lang,
            version,
            labels,
            tagger,
            parser,
            lemmas,
            rules,
        })
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn put_weights(out: &mut Vec<u8>, w: &Weights) {
    out.extend_from_slice(&(w.nclasses as u32).to_le_bytes());
    out.extend_from_slice(&w.scale.to_le_bytes());
    out.extend_from_slice(&(w.keys.len() as u32).to_le_bytes());
    for k in &w.keys {
        out.extend_from_slice(&k.to_le_bytes());
    }
    // Entry counts per slot fit a byte: at most one entry per class, and classes are u8.
    out.extend(w.starts.windows(2).map(|p| (p[1] - p[0]) as u8));
    out.extend_from_slice(&(w.classes.len() as u32).to_le_bytes());
    out.extend_from_slice(&w.classes);
    for v in &w.values {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SyntaxError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.b.len());
        let end = end.ok_or(SyntaxError::Corrupt("truncated"))?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, SyntaxError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, SyntaxError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn str(&mut self) -> Result<&'a str, SyntaxError> {
        let n = self.u32()? as usize;
        std::str::from_utf8(self.take(n)?).map_err(|_| SyntaxError::Corrupt("invalid UTF-8"))
    }
    fn u32s(&mut self, n: usize) -> Result<Vec<u32>, SyntaxError> {
        let b = self.take(n.checked_mul(4).ok_or(SyntaxError::Corrupt("size"))?)?;
        Ok(b.chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }
    fn weights(&mut self) -> Result<Weights, SyntaxError> {
        let nclasses = self.u32()? as usize;
        let scale = f32::from_bits(self.u32()?);
        let cap = self.u32()? as usize;
        let keys = self.u32s(cap)?;
        let counts = self.take(cap)?;
        let mut starts = Vec::with_capacity(cap + 1);
        let mut at = 0u32;
        starts.push(0);
        for &c in counts {
            at += u32::from(c);
            starts.push(at);
        }
        let n = self.u32()? as usize;
        let classes = self.take(n)?.to_vec();
        let vb = self.take(n.checked_mul(2).ok_or(SyntaxError::Corrupt("size"))?)?;
        let values = vb
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        let w = Weights {
            nclasses,
            scale,
            keys,
            starts,
            classes,
            values,
        };
        w.validate().map_err(SyntaxError::Corrupt)?;
        if !scale.is_finite() {
            return Err(SyntaxError::Corrupt("scale"));
        }
        Ok(w)
    }
}
