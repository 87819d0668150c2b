//! Greedy averaged-perceptron UPOS tagger (Collins 2002; features after Honnibal's
//! "A good part-of-speech tagger in about 200 lines of Python").
//!
//! Left to right, one decision per word from: the word, its prefixes and suffixes (1–4
//! characters), its shape, the two words on each side, and the two previous predicted tags.
//! Word features use the normalized form (lowercase, digits as `0`), so case lives in the
//! shape alone.

use super::features::{Perceptron, Weights, f1, f2, f3, hash_str, norm, shape};

/// Number of UPOS classes.
pub(crate) const NTAGS: usize = 17;
/// Pseudo-tags before the sentence start and after its end (for the parser's features).
pub(crate) const START: u8 = 17;
pub(crate) const START2: u8 = 18;

/// Per-word values computed once per sentence, shared by tagger and parser features.
#[derive(Debug, Clone)]
pub(crate) struct WordInfo {
    /// Hash of the normalized form.
    pub w: u64,
    pub shape: u64,
    pub pre: [u64; 4],
    pub suf: [u64; 4],
    /// Capitalized and not the first word: a strong proper-noun cue.
    pub cap_inside: bool,
}

pub(crate) fn word_infos(words: &[&str]) -> Vec<WordInfo> {
    words
        .iter()
        .enumerate()
        .map(|(i, form)| {
            let n = norm(form);
            let chars: Vec<(usize, char)> = n.char_indices().collect();
            let mut pre = [0u64; 4];
            let mut suf = [0u64; 4];
            for k in 0..4 {
                let len = (k + 1).min(chars.len());
                let p_end = chars.get(len).map_or(n.len(), |&(b, _)| b);
                pre[k] = hash_str(&n[..p_end]);
                let s_start = if chars.len() > len {
                    chars[chars.len() - len].0
                } else {
                    0
                };
                suf[k] = hash_str(&n[s_start..]);
            }
            WordInfo {
                w: hash_str(&n),
                shape: hash_str(&shape(form)),
                pre,
                suf,
                cap_inside: i > 0 && form.chars().next().is_some_and(char::is_uppercase),
            }
        })
        .collect()
}

const PAD: u64 = 0x5eed_5eed;

/// Features of word `i` given the two previous tags.
pub(crate) fn features(infos: &[WordInfo], i: usize, p1: u8, p2: u8, out: &mut Vec<u32>) {
    out.clear();
    let at = |j: isize| -> Option<&WordInfo> { if j < 0 { None } else { infos.get(j as usize) } };
    let i_ = i as isize;
    let wi = &infos[i];
    let w = |j: isize| at(j).map_or(PAD.wrapping_add(j as u64), |x| x.w);
    let (p1, p2) = (u64::from(p1), u64::from(p2));
    out.push(f1(0, 0));
    out.push(f1(1, wi.w));
    out.push(f1(2, wi.shape));
    for k in 0..4 {
        out.push(f1(3 + k as u32, wi.pre[k]));
        out.push(f1(7 + k as u32, wi.suf[k]));
    }
    out.push(f1(11, p1));
    out.push(f2(12, p1, p2));
    out.push(f2(13, p1, wi.w));
    out.push(f1(14, w(i_ - 1)));
    out.push(f1(15, w(i_ - 2)));
    out.push(f1(16, w(i_ + 1)));
    out.push(f1(17, w(i_ + 2)));
    out.push(f1(18, at(i_ - 1).map_or(PAD, |x| x.suf[2])));
    out.push(f1(19, at(i_ + 1).map_or(PAD, |x| x.suf[2])));
    out.push(f2(20, w(i_ - 1), wi.w));
    out.push(f2(21, wi.w, w(i_ + 1)));
    out.push(f2(22, wi.shape, u64::from(i == 0)));
    out.push(f2(23, wi.suf[2], p1));
    out.push(f1(24, at(i_ + 1).map_or(PAD, |x| x.shape)));
    out.push(f3(25, p1, wi.suf[1], u64::from(wi.cap_inside)));
}

/// Tags a sentence with frozen weights.
pub(crate) fn tag(weights: &Weights, infos: &[WordInfo]) -> Vec<u8> {
    let mut tags = Vec::with_capacity(infos.len());
    let mut feats = Vec::with_capacity(32);
    let mut scores = vec![0i32; NTAGS];
    for i in 0..infos.len() {
        let p1 = if i >= 1 { tags[i - 1] } else { START };
        let p2 = if i >= 2 { tags[i - 2] } else { START2 };
        features(infos, i, p1, p2, &mut feats);
        weights.score(&feats, &mut scores);
        tags.push(argmax_i32(&scores) as u8);
    }
    tags
}

pub(crate) fn argmax_i32(scores: &[i32]) -> usize {
    let mut best = 0;
    for (k, &s) in scores.iter().enumerate() {
        if s > scores[best] {
            best = k;
        }
    }
    best
}

fn argmax_f32(scores: &[f32]) -> usize {
    let mut best = 0;
    for (k, &s) in scores.iter().enumerate() {
        if s > scores[best] {
            best = k;
        }
    }
    best
}

/// Trains a tagger on `(word infos, gold tags)` sentences; `order` gives the sentence order
/// of each epoch (shuffled by the caller, deterministically).
pub(crate) fn train(sents: &[(Vec<WordInfo>, Vec<u8>)], orders: &[Vec<usize>]) -> Perceptron {
    let mut model = Perceptron::new(NTAGS);
    let mut feats = Vec::with_capacity(32);
    let mut scores = vec![0f32; NTAGS];
    for order in orders {
        for &s in order {
            let (infos, gold) = &sents[s];
            let mut prev = Vec::with_capacity(gold.len());
            for i in 0..infos.len() {
                let p1 = if i >= 1 { prev[i - 1] } else { START };
                let p2 = if i >= 2 { prev[i - 2] } else { START2 };
                features(infos, i, p1, p2, &mut feats);
                model.score(&feats, &mut scores);
                let guess = argmax_f32(&scores);
                model.tick();
                model.update(&feats, usize::from(gold[i]), guess);
                prev.push(guess as u8);
            }
        }
    }
    model
}
