//! Training and evaluation of a [`Model`] from treebank sentences (pure: the caller reads
//! the files; see `examples/train_syntax.rs` and `examples/eval_syntax.rs`).
//!
//! Steps: label table (rare labels fall back to their universal part) → tagger → k-fold
//! jackknifed tags for the parser's training data (so the parser learns on tags as wrong
//! as it will see at test time) → non-projective trees projectivized by lifting → parser
//! with dynamic oracle and error exploration → averaging, quantization, pruning → lemma
//! lexicon. Deterministic: the only randomness is a seeded xorshift generator.

use rustc_hash::FxHashMap;

use super::conllu::GoldSentence;
use super::features::Perceptron;
use super::model::Model;
use super::parser::{self, ParserExample, ROOT_LABEL};
use super::tagger::{self, WordInfo};
use super::{Lang, SyntaxError, Upos};

/// Training settings; [`TrainConfig::default`] is what the shipped models use.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    pub tagger_epochs: usize,
    pub parser_epochs: usize,
    /// Folds for jackknifed parser-training tags (1 = use gold tags).
    pub folds: usize,
    pub seed: u64,
    /// Labels seen fewer times fall back to their universal part (`obl:arg` → `obl`).
    pub min_label_count: usize,
    /// Quantized weights smaller than this (in units of max|w|/32767) are dropped.
    pub tagger_prune: i16,
    pub parser_prune: i16,
    /// From this parser epoch on (0-based), follow the model's own wrong moves with
    /// probability `explore_p`.
    pub explore_from: usize,
    pub explore_p: f64,
}

impl Default for TrainConfig {
    fn default() -> TrainConfig {
        TrainConfig {
            tagger_epochs: 8,
            parser_epochs: 15,
            folds: 5,
            seed: 0x5173_7265_7020_2025,
            min_label_count: 5,
            tagger_prune: 2,
            parser_prune: 2,
            explore_from: 1,
            explore_p: 0.9,
        }
    }
}

/// xorshift64*: small, deterministic, good enough for shuffling.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn shuffled(&mut self, n: usize) -> Vec<usize> {
        let mut v: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
        v
    }
}

/// Builds the label table: `root` first, then labels by decreasing frequency (ties by
/// name), at most 127; returns it with the map from every training label to its id.
fn label_table(sents: &[GoldSentence], min: usize) -> (Vec<String>, FxHashMap<String, u16>) {
    let mut counts: FxHashMap<&str, usize> = FxHashMap::default();
    for s in sents {
        for w in &s.words {
            *counts.entry(&w.deprel).or_default() += 1;
        }
    }
    let mut kept: Vec<(&str, usize)> = counts
        .iter()
        .filter(|&(l, &c)| c >= min && *l != "root")
        .map(|(l, c)| (*l, *c))
        .collect();
    kept.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    kept.truncate(126);
    let mut labels = vec!["root".to_string()];
    labels.extend(kept.iter().map(|(l, _)| l.to_string()));
    if !labels.iter().any(|l| l == "dep") {
        if labels.len() >= 127 {
            labels.pop();
        }
        labels.push("dep".to_string());
    }
    let id_of = |l: &str| labels.iter().position(|x| x == l).map(|p| p as u16);
    let dep = id_of("dep").unwrap_or(1);
    let mut map = FxHashMap::default();
    for l in counts.keys() {
        let base = l.split(':').next().unwrap_or(l);
        let id = id_of(l).or_else(|| id_of(base)).unwrap_or(dep);
        map.insert(l.to_string(), id);
    }
    (labels, map)
}

/// Lifts non-projective arcs (shortest first) until the tree is projective: the dependent
/// moves up to its head's head (Nivre & Nilsson 2005, without label encoding). `heads` use
/// `n` for ROOT. Returns false if the tree could not be fixed (then skip the sentence).
pub(crate) fn projectivize(heads: &mut [u32]) -> bool {
    let n = heads.len();
    let dominated = |heads: &[u32], h: u32, mut k: u32| {
        let mut steps = 0;
        while k as usize != n && steps <= n {
            if k == h {
                return true;
            }
            k = heads[k as usize];
            steps += 1;
        }
        false
    };
    for _ in 0..n * n + 1 {
        let mut worst: Option<(usize, usize)> = None;
        for d in 0..n {
            let h = heads[d] as usize;
            if h == n {
                continue;
            }
            let (lo, hi) = if h < d { (h, d) } else { (d, h) };
            if (lo + 1..hi).any(|k| !dominated(heads, h as u32, k as u32))
                && worst.is_none_or(|(_, len)| hi - lo < len)
            {
                worst = Some((d, hi - lo));
            }
        }
        let Some((d, _)) = worst else { return true };
        let h = heads[d] as usize;
        if heads[h] as usize == n {
            return false;
        }
        heads[d] = heads[h];
    }
    false
}

/// Trains a model. `log` receives progress lines.
pub fn train(
    lang: Lang,
    sents: &[GoldSentence],
    cfg: &TrainConfig,
    log: &mut dyn FnMut(&str),
) -> Result<Model, SyntaxError> {
    if sents.is_empty() {
        return Err(SyntaxError::Training("no sentences".into()));
    }
    let mut rng = Rng(cfg.seed | 1);
    let (labels, label_map) = label_table(sents, cfg.min_label_count);
    log(&format!(
        "{} sentences, {} labels",
        sents.len(),
        labels.len()
    ));
    let tagged: Vec<(Vec<WordInfo>, Vec<u8>)> = sents
        .iter()
        .map(|s| {
            let forms = s.forms();
            (
                tagger::word_infos(&forms),
                s.words.iter().map(|w| w.upos.id()).collect(),
            )
        })
        .collect();

    // Jackknifed tags: sentence k belongs to fold k % folds.
    let mut pred_tags: Vec<Vec<u8>> = tagged.iter().map(|(_, g)| g.clone()).collect();
    if cfg.folds > 1 {
        for f in 0..cfg.folds {
            let train_idx: Vec<usize> = (0..tagged.len()).filter(|k| k % cfg.folds != f).collect();
            let part: Vec<(Vec<WordInfo>, Vec<u8>)> =
                train_idx.iter().map(|&k| tagged[k].clone()).collect();
            let orders: Vec<Vec<usize>> = (0..cfg.tagger_epochs)
                .map(|_| rng.shuffled(part.len()))
                .collect();
            let w = tagger::train(&part, &orders).freeze(cfg.tagger_prune);
            let (mut ok, mut all) = (0, 0);
            for k in (f..tagged.len()).step_by(cfg.folds) {
                pred_tags[k] = tagger::tag(&w, &tagged[k].0);
                ok += pred_tags[k]
                    .iter()
                    .zip(&tagged[k].1)
                    .filter(|(a, b)| a == b)
                    .count();
                all += pred_tags[k].len();
            }
            log(&format!(
                "jackknife fold {f}: tag accuracy {:.4}",
                ok as f64 / all.max(1) as f64
            ));
        }
    }
    let orders: Vec<Vec<usize>> = (0..cfg.tagger_epochs)
        .map(|_| rng.shuffled(tagged.len()))
        .collect();
    let tagger_w = tagger::train(&tagged, &orders).freeze(cfg.tagger_prune);
    log(&format!("tagger: {} features", tagger_w.len()));

    // Parser examples.
    let mut examples = Vec::with_capacity(sents.len());
    let mut skipped = 0;
    for (k, s) in sents.iter().enumerate() {
        let n = s.words.len();
        let mut heads: Vec<u32> = s
            .words
            .iter()
            .map(|w| w.head.map_or(n as u32, |h| h as u32))
            .collect();
        if heads.iter().filter(|&&h| h as usize == n).count() != 1 || !projectivize(&mut heads) {
            skipped += 1;
            continue;
        }
        let labels_ids: Vec<u16> = s
            .words
            .iter()
            .zip(&heads)
            .map(|(w, &h)| {
                if h as usize == n {
                    ROOT_LABEL
                } else {
                    match label_map.get(&w.deprel).copied().unwrap_or(ROOT_LABEL) {
                        ROOT_LABEL => label_map.get("dep").copied().unwrap_or(1),
                        l => l,
                    }
                }
            })
            .collect();
        examples.push(ParserExample {
            infos: tagged[k].0.clone(),
            tags: pred_tags[k].clone(),
            heads,
            labels: labels_ids,
        });
    }
    log(&format!(
        "parser: {} sentences ({skipped} skipped)",
        examples.len()
    ));
    let nlabels = labels.len();
    let mut model = Perceptron::new(parser::nclasses(nlabels));
    let mut scratch = (Vec::new(), Vec::new(), Vec::new());
    for epoch in 0..cfg.parser_epochs {
        let order = rng.shuffled(examples.len());
        let mut explore_rng = Rng(cfg.seed ^ (epoch as u64 + 1).wrapping_mul(0x9e37_79b9));
        let explore_on = epoch >= cfg.explore_from;
        let p = cfg.explore_p;
        let mut explore = || explore_on && explore_rng.unit() < p;
        for &k in &order {
            parser::train_sentence(
                &mut model,
                nlabels,
                &examples[k],
                &mut explore,
                &mut scratch,
            );
        }
        log(&format!("parser epoch {} done", epoch + 1));
    }
    let parser_w = model.freeze(cfg.parser_prune);
    log(&format!("parser: {} features", parser_w.len()));

    let lemmas = lemma_lexicon(sents);
    let rules = lemma_rules(sents);
    log(&format!(
        "lemma exceptions: {}, suffix rules: {}",
        lemmas.len(),
        rules.len()
    ));
    Ok(Model::new(lang, labels, tagger_w, parser_w, lemmas, rules))
}

/// (lowercase form, UPOS) → most frequent lemma, kept only where it differs from the
/// default rule.
fn lemma_lexicon(sents: &[GoldSentence]) -> Vec<(Box<str>, u8, Box<str>)> {
    let mut counts: FxHashMap<(String, u8), FxHashMap<&str, usize>> = FxHashMap::default();
    for s in sents {
        for w in &s.words {
            if w.lemma == "_" || w.lemma.is_empty() {
                continue;
            }
            let key = (w.form.to_lowercase(), w.upos.id());
            *counts.entry(key).or_default().entry(&w.lemma).or_default() += 1;
        }
    }
    let mut out = Vec::new();
    for ((form, tag), lemmas) in counts {
        let mut best: Vec<(&str, usize)> = lemmas.into_iter().collect();
        best.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let lemma = best[0].0;
        if lemma != Model::default_lemma(&form, tag) && tag != Upos::Propn.id() {
            out.push((form.into_boxed_str(), tag, Box::from(lemma)));
        }
    }
    out.sort();
    out
}

/// Suffix rules for words the lexicon lacks: for every training word (PROPN aside), the
/// edit from lowercase form to lowercase lemma (strip k final characters, append a string)
/// is counted under (UPOS, each final 1..=6 characters that cover the stripped part); each
/// key keeps its most frequent edit if seen at least twice, and a key whose edit is the same
/// as the nearest shorter suffix's (or, without one, the identity) is dropped, since the
/// lookup falls back to it (or to the lowercase form) anyway.
fn lemma_rules(sents: &[GoldSentence]) -> Vec<(u8, Box<str>, u8, Box<str>)> {
    type Edit = (u8, String);
    let mut counts: FxHashMap<(u8, String), FxHashMap<Edit, usize>> = FxHashMap::default();
    for s in sents {
        for w in &s.words {
            if w.upos == Upos::Propn || w.lemma == "_" || w.lemma.is_empty() {
                continue;
            }
            let f: Vec<char> = w.form.to_lowercase().chars().collect();
            let l: Vec<char> = w.lemma.to_lowercase().chars().collect();
            let p = f.iter().zip(&l).take_while(|(a, b)| a == b).count();
            let strip = f.len() - p;
            if strip > 5 || p == 0 {
                continue;
            }
            let edit: Edit = (strip as u8, l[p..].iter().collect());
            for k in strip.max(1)..=super::model::RULE_MAX.min(f.len()) {
                let suffix: String = f[f.len() - k..].iter().collect();
                *counts
                    .entry((w.upos.id(), suffix))
                    .or_default()
                    .entry(edit.clone())
                    .or_default() += 1;
            }
        }
    }
    let mut best: FxHashMap<(u8, String), Edit> = FxHashMap::default();
    for (key, edits) in counts {
        let mut v: Vec<(Edit, usize)> = edits.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let total: usize = v.iter().map(|e| e.1).sum();
        if total >= 2 {
            best.insert(key, v[0].0.clone());
        }
    }
    let mut out: Vec<(u8, Box<str>, u8, Box<str>)> = Vec::new();
    for ((t, suffix), edit) in &best {
        // What the lookup would do without this key: the nearest shorter suffix with a rule.
        let mut parent: String = suffix.chars().skip(1).collect();
        let mut inherited = None;
        while !parent.is_empty() && inherited.is_none() {
            inherited = best.get(&(*t, parent.clone()));
            parent = parent.chars().skip(1).collect();
        }
        let redundant = match inherited {
            Some(p) => p == edit,
            None => edit.0 == 0 && edit.1.is_empty(),
        };
        if !redundant {
            out.push((
                *t,
                suffix.clone().into_boxed_str(),
                edit.0,
                edit.1.clone().into_boxed_str(),
            ));
        }
    }
    out.sort();
    out
}

/// Accuracy figures on gold-tokenized sentences. LAS counts the full label (subtypes
/// included) and, separately, the universal part before `:`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scores {
    pub sentences: usize,
    pub words: usize,
    pub upos: usize,
    pub uas: usize,
    pub las: usize,
    pub las_universal: usize,
    /// Lemma equal to the gold lemma (exactly).
    pub lemma: usize,
}

impl Scores {
    pub fn upos_acc(&self) -> f64 {
        self.upos as f64 / self.words.max(1) as f64
    }
    pub fn uas_acc(&self) -> f64 {
        self.uas as f64 / self.words.max(1) as f64
    }
    pub fn las_acc(&self) -> f64 {
        self.las as f64 / self.words.max(1) as f64
    }
    pub fn lemma_acc(&self) -> f64 {
        self.lemma as f64 / self.words.max(1) as f64
    }
    pub fn las_universal_acc(&self) -> f64 {
        self.las_universal as f64 / self.words.max(1) as f64
    }
}

/// Parses each sentence from its gold words and scores the result (punctuation included).
pub fn evaluate(model: &Model, sents: &[GoldSentence]) -> Scores {
    let mut sc = Scores::default();
    for s in sents {
        let forms = s.forms();
        let p = model.parse_words(&forms);
        sc.sentences += 1;
        for (i, g) in s.words.iter().enumerate() {
            sc.words += 1;
            sc.upos += usize::from(p.upos(i) == g.upos);
            sc.lemma += usize::from(p.lemma(i) == g.lemma);
            if p.head(i) == g.head {
                sc.uas += 1;
                let (pl, gl) = (p.deprel(i), g.deprel.as_str());
                sc.las += usize::from(pl == gl);
                let base = |l: &str| l.split(':').next().unwrap_or("").to_string();
                sc.las_universal += usize::from(base(pl) == base(gl));
            }
        }
    }
    sc
}

/// A copy of `model` without the weights whose quantized magnitude is below the given
/// minimums: the size/accuracy knob, applied after training.
pub fn prune(model: &Model, tagger_min: i16, parser_min: i16) -> Model {
    model.pruned(tagger_min, parser_min)
}
