//! Greedy arc-hybrid transition parser with labels (Kuhlmann et al. 2011), trained with the
//! dynamic oracle of Goldberg & Nivre (2013) and error exploration.
//!
//! Transitions: SHIFT moves the buffer front b0 onto the stack; LEFT(l) makes b0 the head
//! of the stack top s0 and pops it; RIGHT(l) makes s1 the head of s0 and pops it. ROOT sits
//! at the end of the buffer and accepts a LEFT only when the stack holds a single word, so
//! every parse has exactly one root, and the trees are projective. Each sentence takes
//! exactly 2n transitions: linear time.
//!
//! Features follow Zhang & Nivre (2011), adapted to arc-hybrid (s1 is a head candidate, b0
//! has only left children): words and tags of s0–s2 and b0–b2, the two outermost children
//! of s0, s1 and b0 with their labels, distance, valency and label sets.

use super::features::{Perceptron, Weights, f1, f2, f3};
use super::tagger::WordInfo;

const NONE: u32 = u32::MAX;
/// Label 0 is always `root`, the only label of an arc from ROOT.
pub(crate) const ROOT_LABEL: u16 = 0;

/// Parser configuration. Words are `0..n`; index `n` is ROOT.
pub(crate) struct State {
    n: usize,
    pub stack: Vec<u32>,
    pub b0: usize,
    pub heads: Vec<u32>,
    pub labels: Vec<u16>,
    /// Leftmost, second-leftmost, rightmost, second-rightmost child (NONE if absent).
    lc: Vec<[u32; 2]>,
    rc: Vec<[u32; 2]>,
    nl: Vec<u8>,
    nr: Vec<u8>,
    lset: Vec<u64>,
    rset: Vec<u64>,
}

/// A transition: 0 = SHIFT, 1 + l = LEFT(l), 1 + L + l = RIGHT(l).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Move {
    Shift,
    Left(u16),
    Right(u16),
}

impl Move {
    pub fn from_class(c: usize, nlabels: usize) -> Move {
        if c == 0 {
            Move::Shift
        } else if c <= nlabels {
            Move::Left((c - 1) as u16)
        } else {
            Move::Right((c - 1 - nlabels) as u16)
        }
    }
}

pub(crate) fn nclasses(nlabels: usize) -> usize {
    1 + 2 * nlabels
}

impl State {
    pub fn new(n: usize) -> State {
        State {
            n,
            stack: Vec::with_capacity(16),
            b0: 0,
            heads: vec![NONE; n],
            labels: vec![0; n],
            lc: vec![[NONE; 2]; n + 1],
            rc: vec![[NONE; 2]; n + 1],
            nl: vec![0; n + 1],
            nr: vec![0; n + 1],
            lset: vec![0; n + 1],
            rset: vec![0; n + 1],
        }
    }

    pub fn is_final(&self) -> bool {
        self.b0 >= self.n && self.stack.is_empty()
    }

    fn s(&self, k: usize) -> u32 {
        let len = self.stack.len();
        if k < len {
            self.stack[len - 1 - k]
        } else {
            NONE
        }
    }

    /// Whether a class is legal here. Invariant: some class is always legal until final.
    pub fn legal(&self, c: usize, nlabels: usize) -> bool {
        let at_root = self.b0 >= self.n;
        match Move::from_class(c, nlabels) {
            Move::Shift => !at_root,
            Move::Left(l) => {
                !self.stack.is_empty()
                    && if at_root {
                        self.stack.len() == 1 && l == ROOT_LABEL
                    } else {
                        l != ROOT_LABEL
                    }
            }
            Move::Right(l) => self.stack.len() >= 2 && l != ROOT_LABEL,
        }
    }

    pub fn apply(&mut self, m: Move) {
        match m {
            Move::Shift => {
                self.stack.push(self.b0 as u32);
                self.b0 += 1;
            }
            Move::Left(l) => {
                if let Some(d) = self.stack.pop() {
                    let h = self.b0;
                    if h < self.n {
                        self.heads[d as usize] = h as u32;
                    }
                    self.labels[d as usize] = l;
                    // Left children arrive right to left: the newest is the leftmost.
                    let lc = &mut self.lc[h];
                    lc[1] = lc[0];
                    lc[0] = d;
                    self.nl[h] = self.nl[h].saturating_add(1);
                    self.lset[h] |= 1 << (l % 64);
                }
            }
            Move::Right(l) => {
                if self.stack.len() >= 2 {
                    let d = self.stack.pop().unwrap_or(NONE);
                    let h = self.s(0) as usize;
                    self.heads[d as usize] = h as u32;
                    self.labels[d as usize] = l;
                    // Right children arrive left to right: the newest is the rightmost.
                    let rc = &mut self.rc[h];
                    rc[1] = rc[0];
                    rc[0] = d;
                    self.nr[h] = self.nr[h].saturating_add(1);
                    self.rset[h] |= 1 << (l % 64);
                }
            }
        }
    }

    /// Feature extraction. `tags` are predicted UPOS ids.
    pub fn features(&self, infos: &[WordInfo], tags: &[u8], out: &mut Vec<u32>) {
        out.clear();
        let n = self.n;
        let w = |i: u32| -> u64 {
            if i == NONE {
                1
            } else if i as usize >= n {
                2
            } else {
                infos[i as usize].w
            }
        };
        let t = |i: u32| -> u64 {
            if i == NONE {
                30
            } else if i as usize >= n {
                31
            } else {
                u64::from(tags[i as usize])
            }
        };
        let lab = |i: u32| -> u64 {
            if i == NONE {
                999
            } else {
                u64::from(self.labels[i as usize])
            }
        };
        let wt = |i: u32| w(i).wrapping_mul(64).wrapping_add(t(i));
        let (s0, s1, s2) = (self.s(0), self.s(1), self.s(2));
        let pos = |i: usize| if i <= n { i as u32 } else { NONE };
        let (b0, b1, b2) = (pos(self.b0), pos(self.b0 + 1), pos(self.b0 + 2));
        let kid =
            |i: u32, v: &Vec<[u32; 2]>, k: usize| if i == NONE { NONE } else { v[i as usize][k] };
        let s0l = kid(s0, &self.lc, 0);
        let s0l2 = kid(s0, &self.lc, 1);
        let s0r = kid(s0, &self.rc, 0);
        let s0r2 = kid(s0, &self.rc, 1);
        let s1l = kid(s1, &self.lc, 0);
        let s1r = kid(s1, &self.rc, 0);
        let b0l = kid(b0, &self.lc, 0);
        let b0l2 = kid(b0, &self.lc, 1);
        let val = |i: u32, v: &Vec<u8>| {
            if i == NONE {
                99
            } else {
                u64::from(v[i as usize])
            }
        };
        let set = |i: u32, v: &Vec<u64>| if i == NONE { 7 } else { v[i as usize] };
        let dist = if s0 == NONE || b0 == NONE {
            0
        } else {
            let d = b0 as usize - s0 as usize;
            if d > 10 {
                11 + (d > 20) as u64
            } else {
                d as u64
            }
        };
        let dist1 = if s0 == NONE || s1 == NONE {
            0
        } else {
            let d = s0 as usize - s1 as usize;
            if d > 10 {
                11 + (d > 20) as u64
            } else {
                d as u64
            }
        };
        // Unigrams.
        out.push(f1(1, w(s0)));
        out.push(f1(2, t(s0)));
        out.push(f1(3, wt(s0)));
        out.push(f1(4, w(s1)));
        out.push(f1(5, t(s1)));
        out.push(f1(6, wt(s1)));
        out.push(f1(7, w(b0)));
        out.push(f1(8, t(b0)));
        out.push(f1(9, wt(b0)));
        out.push(f1(10, w(b1)));
        out.push(f1(11, t(b1)));
        out.push(f1(12, wt(b1)));
        out.push(f1(13, w(b2)));
        out.push(f1(14, t(b2)));
        out.push(f1(15, t(s2)));
        out.push(f1(16, w(s2)));
        // Pairs s0–b0 and s1–s0.
        out.push(f2(20, wt(s0), wt(b0)));
        out.push(f2(21, wt(s0), w(b0)));
        out.push(f2(22, w(s0), wt(b0)));
        out.push(f2(23, wt(s0), t(b0)));
        out.push(f2(24, t(s0), wt(b0)));
        out.push(f2(25, w(s0), w(b0)));
        out.push(f2(26, t(s0), t(b0)));
        out.push(f2(27, t(b0), t(b1)));
        out.push(f2(28, w(s1), w(s0)));
        out.push(f2(29, t(s1), t(s0)));
        out.push(f2(30, wt(s1), t(s0)));
        out.push(f2(31, t(s1), wt(s0)));
        out.push(f2(32, wt(s1), wt(s0)));
        out.push(f2(33, w(b0), w(b1)));
        // Triples of tags.
        out.push(f3(40, t(b0), t(b1), t(b2)));
        out.push(f3(41, t(s0), t(b0), t(b1)));
        out.push(f3(42, t(s1), t(s0), t(b0)));
        out.push(f3(43, t(s0), t(s0l), t(b0)));
        out.push(f3(44, t(s0), t(s0r), t(b0)));
        out.push(f3(45, t(s0), t(b0), t(b0l)));
        out.push(f3(46, t(s2), t(s1), t(s0)));
        out.push(f3(47, t(s1), t(s0), t(s0l)));
        out.push(f3(48, t(s1), t(s1r), t(s0)));
        out.push(f3(49, t(s1), t(s0), t(s0r)));
        // Distance.
        out.push(f2(50, w(s0), dist));
        out.push(f2(51, t(s0), dist));
        out.push(f2(52, w(b0), dist));
        out.push(f2(53, t(b0), dist));
        out.push(f3(54, w(s0), w(b0), dist));
        out.push(f3(55, t(s0), t(b0), dist));
        out.push(f3(56, t(s1), t(s0), dist1));
        out.push(f3(57, w(s1), w(s0), dist1));
        // Valency.
        out.push(f2(60, w(s0), val(s0, &self.nl)));
        out.push(f2(61, t(s0), val(s0, &self.nl)));
        out.push(f2(62, w(s0), val(s0, &self.nr)));
        out.push(f2(63, t(s0), val(s0, &self.nr)));
        out.push(f2(64, w(b0), val(b0, &self.nl)));
        out.push(f2(65, t(b0), val(b0, &self.nl)));
        out.push(f2(66, w(s1), val(s1, &self.nr)));
        out.push(f2(67, t(s1), val(s1, &self.nr)));
        out.push(f2(68, t(s1), val(s1, &self.nl)));
        // Children.
        out.push(f1(70, w(s0l)));
        out.push(f1(71, t(s0l)));
        out.push(f1(72, lab(s0l)));
        out.push(f1(73, w(s0r)));
        out.push(f1(74, t(s0r)));
        out.push(f1(75, lab(s0r)));
        out.push(f1(76, w(b0l)));
        out.push(f1(77, t(b0l)));
        out.push(f1(78, lab(b0l)));
        out.push(f1(79, w(s1r)));
        out.push(f1(80, t(s1r)));
        out.push(f1(81, lab(s1r)));
        out.push(f1(82, t(s1l)));
        out.push(f1(83, lab(s1l)));
        out.push(f1(90, w(s0l2)));
        out.push(f1(91, t(s0l2)));
        out.push(f1(92, lab(s0l2)));
        out.push(f1(93, w(s0r2)));
        out.push(f1(94, t(s0r2)));
        out.push(f1(95, lab(s0r2)));
        out.push(f1(96, w(b0l2)));
        out.push(f1(97, t(b0l2)));
        out.push(f1(98, lab(b0l2)));
        out.push(f3(99, t(s0), t(s0l), t(s0l2)));
        out.push(f3(100, t(s0), t(s0r), t(s0r2)));
        out.push(f3(101, t(b0), t(b0l), t(b0l2)));
        out.push(f3(102, t(s0), lab(s0l), lab(s0r)));
        out.push(f3(103, t(b0), lab(b0l), lab(b0l2)));
        // Label sets.
        out.push(f2(110, w(s0), set(s0, &self.lset)));
        out.push(f2(111, t(s0), set(s0, &self.lset)));
        out.push(f2(112, w(s0), set(s0, &self.rset)));
        out.push(f2(113, t(s0), set(s0, &self.rset)));
        out.push(f2(114, w(b0), set(b0, &self.lset)));
        out.push(f2(115, t(b0), set(b0, &self.lset)));
        // Suffixes help with unknown words.
        let suf = |i: u32| {
            if i == NONE || i as usize >= n {
                3
            } else {
                infos[i as usize].suf[2]
            }
        };
        out.push(f2(120, suf(s0), t(s0)));
        out.push(f2(121, suf(b0), t(b0)));
        out.push(f3(122, t(s0), suf(s0), t(b0)));
    }
}

/// Parses with frozen weights; returns heads (`u32::MAX` for the root) and label ids.
pub(crate) fn parse(
    weights: &Weights,
    nlabels: usize,
    infos: &[WordInfo],
    tags: &[u8],
) -> (Vec<u32>, Vec<u16>) {
    let n = infos.len();
    let mut st = State::new(n);
    let nc = nclasses(nlabels);
    let mut feats = Vec::with_capacity(128);
    let mut scores = vec![0i32; nc];
    while !st.is_final() {
        st.features(infos, tags, &mut feats);
        weights.score(&feats, &mut scores);
        let mut best = None;
        for (c, &s) in scores.iter().enumerate() {
            if st.legal(c, nlabels) && best.is_none_or(|(_, b)| s > b) {
                best = Some((c, s));
            }
        }
        let Some((c, _)) = best else { break };
        st.apply(Move::from_class(c, nlabels));
    }
    (st.heads, st.labels)
}

/// Dynamic-oracle cost of each class (`u32::MAX` if illegal), for gold heads (`n` = ROOT)
/// and labels.
fn costs(st: &State, gh: &[u32], gl: &[u16], nlabels: usize, out: &mut Vec<u32>) {
    let n = st.n;
    out.clear();
    out.resize(nclasses(nlabels), u32::MAX);
    let b0 = st.b0;
    let s0 = st.s(0);
    let s1 = st.s(1);
    // Gold dependents of s0 still in the buffer (all lost once s0 is popped).
    let deps_in_buffer = |x: u32| (b0..n).filter(|&k| gh[k] == x).count() as u32;
    let mut shift = 0;
    if b0 < n {
        let h = gh[b0];
        for (k, &x) in st.stack.iter().enumerate() {
            if gh[x as usize] == b0 as u32 {
                shift += 1;
            }
            if h == x && k + 1 != st.stack.len() {
                shift += 1;
            }
        }
        if h as usize == n && !st.stack.is_empty() {
            shift += 1;
        }
    }
    let (mut left, mut right) = (0, 0);
    if s0 != NONE {
        let h = gh[s0 as usize];
        let lost = deps_in_buffer(s0);
        left = lost + u32::from(h as usize != b0 && (h == s1 || h as usize > b0));
        right = lost + u32::from(h != s1 && h as usize >= b0);
    }
    for (c, slot) in out.iter_mut().enumerate() {
        if !st.legal(c, nlabels) {
            continue;
        }
        *slot = match Move::from_class(c, nlabels) {
            Move::Shift => shift,
            Move::Left(l) => {
                let g = gh[s0 as usize] as usize == b0 && gl[s0 as usize] != l;
                left + u32::from(g)
            }
            Move::Right(l) => {
                let g = gh[s0 as usize] == s1 && gl[s0 as usize] != l;
                right + u32::from(g)
            }
        };
    }
}

/// One training sentence: word infos, predicted tags, gold heads (`n` for the root, the
/// tree projective) and gold label ids.
pub(crate) struct ParserExample {
    pub infos: Vec<WordInfo>,
    pub tags: Vec<u8>,
    pub heads: Vec<u32>,
    pub labels: Vec<u16>,
}

/// Trains on one sentence; `explore(rng)` says whether to follow the model's own (maybe
/// wrong) prediction instead of the best zero-cost move.
pub(crate) fn train_sentence(
    model: &mut Perceptron,
    nlabels: usize,
    ex: &ParserExample,
    explore: &mut dyn FnMut() -> bool,
    scratch: &mut (Vec<u32>, Vec<f32>, Vec<u32>),
) {
    let n = ex.infos.len();
    let mut st = State::new(n);
    let (feats, scores, cost) = scratch;
    scores.resize(nclasses(nlabels), 0.0);
    while !st.is_final() {
        st.features(&ex.infos, &ex.tags, feats);
        model.score(feats, scores);
        costs(&st, &ex.heads, &ex.labels, nlabels, cost);
        let min = cost.iter().copied().min().unwrap_or(u32::MAX);
        if min == u32::MAX {
            break;
        }
        let (mut guess, mut gold) = (None::<usize>, None::<usize>);
        for c in 0..cost.len() {
            if cost[c] == u32::MAX {
                continue;
            }
            if guess.is_none_or(|g| scores[c] > scores[g]) {
                guess = Some(c);
            }
            if cost[c] == min && gold.is_none_or(|g| scores[c] > scores[g]) {
                gold = Some(c);
            }
        }
        let (Some(guess), Some(gold)) = (guess, gold) else {
            break;
        };
        model.tick();
        if cost[guess] > min {
            model.update(feats, gold, guess);
        }
        let next = if cost[guess] == min || explore() {
            guess
        } else {
            gold
        };
        st.apply(Move::from_class(next, nlabels));
    }
}
