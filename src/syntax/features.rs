//! Feature hashing and the two weight stores of the linear models.
//!
//! A feature is a template id and up to three values (word hashes, tag ids, distances)
//! mixed into a nonzero `u32`; nothing is interned, so training and parsing share one code
//! path and the model needs no string table. Hash collisions at the ~10⁶ features used here
//! are rare and harmless to a perceptron.
//!
//! [`Perceptron`] is the training-time store: sparse per-feature rows of averaged weights
//! (only classes that were ever updated). [`Weights`] is the frozen, quantized store a
//! [`super::Model`] parses with: an open-addressing table of feature keys pointing into
//! flat `(class, i16 weight)` arrays, serialized as is so loading is a copy.

use rustc_hash::FxHashMap;

const K: u64 = 0x517c_c1b7_2722_0a95;

#[inline]
fn mix(h: u64, x: u64) -> u64 {
    (h.rotate_left(5) ^ x).wrapping_mul(K)
}

/// Final avalanche so that nearby inputs spread over the table.
#[inline]
fn finish(h: u64) -> u32 {
    let h = (h ^ (h >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
    let h = h ^ (h >> 33);
    let k = (h as u32) ^ ((h >> 32) as u32);
    if k == 0 { 1 } else { k }
}

/// Hash of a string (for word and affix values).
pub(crate) fn hash_str(s: &str) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for chunk in s.as_bytes().chunks(8) {
        let mut b = [0u8; 8];
        b[..chunk.len()].copy_from_slice(chunk);
        h = mix(h, u64::from_le_bytes(b));
    }
    mix(h, s.len() as u64)
}

#[inline]
pub(crate) fn f1(t: u32, a: u64) -> u32 {
    finish(mix(mix(u64::from(t), a), 0x9e37))
}
#[inline]
pub(crate) fn f2(t: u32, a: u64, b: u64) -> u32 {
    finish(mix(mix(mix(u64::from(t), a), b), 0x7f4a))
}
#[inline]
pub(crate) fn f3(t: u32, a: u64, b: u64, c: u64) -> u32 {
    finish(mix(mix(mix(mix(u64::from(t), a), b), c), 0x3c6e))
}

/// The normalized form used by features: lowercase, curly apostrophes straightened, digits
/// collapsed to `0` (so "1,200" and "3,400" share their features).
pub(crate) fn norm(form: &str) -> String {
    form.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            '’' | '‘' | '`' => '\'',
            c if c.is_ascii_digit() => '0',
            c => c,
        })
        .collect()
}

/// Word shape: `Xxxx`, `XX`, `dd.d`, with runs longer than 2 collapsed.
pub(crate) fn shape(form: &str) -> String {
    let mut out = String::new();
    let mut last = ' ';
    let mut run = 0;
    for c in form.chars() {
        let k = if c.is_uppercase() {
            'X'
        } else if c.is_lowercase() {
            'x'
        } else if c.is_numeric() {
            'd'
        } else {
            c
        };
        if k == last {
            run += 1;
            if run > 2 {
                continue;
            }
        } else {
            run = 1;
            last = k;
        }
        out.push(k);
    }
    out
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    class: u16,
    w: f32,
    total: f64,
    stamp: u32,
}

/// Averaged perceptron with sparse rows (training only).
#[derive(Debug, Clone)]
pub(crate) struct Perceptron {
    pub nclasses: usize,
    index: FxHashMap<u32, u32>,
    rows: Vec<Vec<Entry>>,
    /// Number of instances seen, the clock of lazy averaging.
    time: u32,
}

impl Perceptron {
    pub fn new(nclasses: usize) -> Perceptron {
        Perceptron {
            nclasses,
            index: FxHashMap::default(),
            rows: Vec::new(),
            time: 0,
        }
    }

    /// Adds the current (non-averaged) weights of `feats` to `scores`.
    pub fn score(&self, feats: &[u32], scores: &mut [f32]) {
        scores.fill(0.0);
        for f in feats {
            if let Some(&r) = self.index.get(f) {
                for e in &self.rows[r as usize] {
                    scores[usize::from(e.class)] += e.w;
                }
            }
        }
    }

    /// Counts one instance; call once per decision, updated or not.
    pub fn tick(&mut self) {
        self.time += 1;
    }

    /// Standard perceptron update: +1 for `gold`, −1 for `guess`.
    pub fn update(&mut self, feats: &[u32], gold: usize, guess: usize) {
        if gold == guess {
            return;
        }
        let time = self.time;
        for &f in feats {
            let next = self.rows.len() as u32;
            let r = *self.index.entry(f).or_insert(next);
            if r == next {
                self.rows.push(Vec::new());
            }
            let row = &mut self.rows[r as usize];
            for (class, delta) in [(gold, 1.0f32), (guess, -1.0)] {
                let e = match row.iter().position(|e| usize::from(e.class) == class) {
                    Some(p) => &mut row[p],
                    None => {
                        row.push(Entry {
                            class: class as u16,
                            w: 0.0,
                            total: 0.0,
                            stamp: time,
                        });
                        row.last_mut().expect("just pushed")
                    }
                };
                e.total += f64::from(time - e.stamp) * f64::from(e.w);
                e.stamp = time;
                e.w += delta;
            }
        }
    }

    /// Averaged weights, then quantized to i16 (dropping those that round to less than
    /// `min_q` units), as a frozen table.
    pub fn freeze(&self, min_q: i16) -> Weights {
        let time = f64::from(self.time.max(1));
        let mut feats: Vec<(u32, Vec<(u8, f32)>)> = Vec::with_capacity(self.rows.len());
        let mut max = 0f32;
        for (&key, &r) in &self.index {
            let row: Vec<(u8, f32)> = self.rows[r as usize]
                .iter()
                .map(|e| {
                    let avg = (e.total + f64::from(self.time - e.stamp) * f64::from(e.w)) / time;
                    (e.class as u8, avg as f32)
                })
                .filter(|&(_, w)| w != 0.0)
                .collect();
            for &(_, w) in &row {
                max = max.max(w.abs());
            }
            feats.push((key, row));
        }
        let scale = if max > 0.0 { max / 32767.0 } else { 1.0 };
        let mut quant: Vec<(u32, Vec<(u8, i16)>)> = feats
            .into_iter()
            .map(|(k, row)| {
                let q: Vec<(u8, i16)> = row
                    .into_iter()
                    .map(|(c, w)| (c, (w / scale).round() as i16))
                    .filter(|&(_, q)| q.unsigned_abs() >= min_q.unsigned_abs().max(1))
                    .collect();
                (k, q)
            })
            .filter(|(_, q)| !q.is_empty())
            .collect();
        quant.sort_unstable_by_key(|(k, _)| *k);
        Weights::build(self.nclasses, scale, &quant)
    }
}

/// Frozen quantized weights: `keys[slot]` (0 = empty) → entries
/// `starts[slot]..starts[slot + 1]` of `classes`/`values`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Weights {
    pub nclasses: usize,
    pub scale: f32,
    pub keys: Vec<u32>,
    pub starts: Vec<u32>,
    pub classes: Vec<u8>,
    pub values: Vec<i16>,
}

/// Slot of a key: Lemire's multiply-shift range reduction (the table need not be a power
/// of two, so it can be sized to a fixed load factor).
#[inline]
fn home(key: u32, cap: usize) -> usize {
    ((u64::from(key) * cap as u64) >> 32) as usize
}

impl Weights {
    /// Builds the table at a load factor of about 0.7 (linear probing).
    pub fn build(nclasses: usize, scale: f32, feats: &[(u32, Vec<(u8, i16)>)]) -> Weights {
        let cap = (feats.len() * 10 / 7).max(1) + 1;
        let mut slot_of: Vec<Option<usize>> = vec![None; cap];
        let mut keys = vec![0u32; cap];
        for (i, (k, _)) in feats.iter().enumerate() {
            let mut s = home(*k, cap);
            while keys[s] != 0 {
                s = if s + 1 == cap { 0 } else { s + 1 };
            }
            keys[s] = *k;
            slot_of[s] = Some(i);
        }
        let mut starts = Vec::with_capacity(cap + 1);
        let mut classes = Vec::new();
        let mut values = Vec::new();
        for s in slot_of {
            starts.push(classes.len() as u32);
            if let Some(i) = s {
                for &(c, v) in &feats[i].1 {
                    classes.push(c);
                    values.push(v);
                }
            }
        }
        starts.push(classes.len() as u32);
        Weights {
            nclasses,
            scale,
            keys,
            starts,
            classes,
            values,
        }
    }

    /// A copy without entries below `min` in magnitude (and features left empty).
    pub fn pruned(&self, min: i16) -> Weights {
        let mut feats = Vec::new();
        for (s, &k) in self.keys.iter().enumerate() {
            if k == 0 {
                continue;
            }
            let (a, b) = (self.starts[s] as usize, self.starts[s + 1] as usize);
            let row: Vec<(u8, i16)> = self.classes[a..b]
                .iter()
                .zip(&self.values[a..b])
                .filter(|&(_, v)| v.unsigned_abs() >= min.unsigned_abs())
                .map(|(&c, &v)| (c, v))
                .collect();
            if !row.is_empty() {
                feats.push((k, row));
            }
        }
        feats.sort_unstable_by_key(|(k, _)| *k);
        Weights::build(self.nclasses, self.scale, &feats)
    }

    /// Number of features stored.
    pub fn len(&self) -> usize {
        self.keys.iter().filter(|&&k| k != 0).count()
    }

    #[inline]
    fn find(&self, key: u32) -> Option<usize> {
        let cap = self.keys.len();
        let mut s = home(key, cap);
        // The table is never full (load ≤ 0.7), so an empty slot ends every probe.
        loop {
            let k = self.keys[s];
            if k == key {
                return Some(s);
            }
            if k == 0 {
                return None;
            }
            s = if s + 1 == cap { 0 } else { s + 1 };
        }
    }

    /// Sums the weights of `feats` per class into `scores` (in quantized units).
    pub fn score(&self, feats: &[u32], scores: &mut [i32]) {
        scores.fill(0);
        for &f in feats {
            if let Some(s) = self.find(f) {
                let (a, b) = (self.starts[s] as usize, self.starts[s + 1] as usize);
                for (c, v) in self.classes[a..b].iter().zip(&self.values[a..b]) {
                    scores[usize::from(*c)] += i32::from(*v);
                }
            }
        }
    }

    /// Checks the invariants `find` and `score` rely on, for weights read from bytes.
    pub fn validate(&self) -> Result<(), &'static str> {
        let cap = self.keys.len();
        if cap == 0 || self.starts.len() != cap + 1 {
            return Err("weight table shape");
        }
        if !self.keys.contains(&0) {
            return Err("weight table full");
        }
        if self.starts[0] != 0
            || self.starts.windows(2).any(|w| w[0] > w[1])
            || self.starts[cap] as usize != self.classes.len()
            || self.classes.len() != self.values.len()
        {
            return Err("weight offsets");
        }
        if self
            .classes
            .iter()
            .any(|&c| usize::from(c) >= self.nclasses)
        {
            return Err("weight class out of range");
        }
        Ok(())
    }
}
