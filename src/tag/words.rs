//! Reading an ASCII word eight bytes at a time, and a set of hashed first words.
//!
//! Most words of a text start no pattern. The scan reads each word whole, hashes it, and walks
//! the automaton only if the hash is in the set of the patterns' first words. Reading a word
//! a byte at a time cost a mispredicted branch per word and a serial hash over every byte;
//! here the word's end comes from a bit mask of eight bytes and the hash from whole 8-byte
//! chunks.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Eight bytes from `at`, zero-padded past the end (a zero byte ends a word).
#[inline(always)]
fn load8(bytes: &[u8], at: usize) -> u64 {
    match bytes.get(at..at + 8) {
        Some(chunk) => u64::from_le_bytes(chunk.try_into().unwrap_or_default()),
        None => {
            let mut buf = [0u8; 8];
            let rest = bytes.get(at..).unwrap_or_default();
            buf[..rest.len()].copy_from_slice(rest);
            u64::from_le_bytes(buf)
        }
    }
}

/// The high bit of every byte of `x` that is an ASCII letter or digit.
#[inline(always)]
fn alnum_mask(x: u64) -> u64 {
    // On the low seven bits of each byte, adding at most 0x7F never carries into the next
    // byte; `at_least(v)` sets a byte's high bit when that byte is >= v.
    let lo = x & !HIGH;
    let at_least = |y: u64, v: u64| y.wrapping_add((0x80 - v) * ONES) & HIGH;
    let folded = lo | (0x20 * ONES);
    let letter = at_least(folded, 0x61) & !at_least(folded, 0x7B);
    let digit = at_least(lo, 0x30) & !at_least(lo, 0x3A);
    (letter | digit) & !x & HIGH
}

/// A hash of a word's lowercased ASCII letters and digits, taken 8 bytes at a time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct WordHash(u64);

impl WordHash {
    /// Mixes in up to 8 lowercase bytes (`chunk`, little-endian, zero past `len`).
    #[inline(always)]
    fn push(&mut self, chunk: u64, len: u32) {
        self.0 = (self.0 ^ chunk ^ u64::from(len))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(23);
    }

    /// The hash of a folded word (lowercase ASCII letters and digits only), as
    /// [`read_word`] computes it from text.
    pub(super) fn of(word: &[u8]) -> Self {
        let mut hash = Self::default();
        let mut chunks = word.chunks_exact(8);
        for chunk in chunks.by_ref() {
            hash.push(load8(chunk, 0), 8);
        }
        let rest = chunks.remainder();
        hash.push(load8(rest, 0), rest.len() as u32);
        hash
    }

    /// The hash of two words in a row.
    pub(super) fn then(self, next: WordHash) -> Self {
        Self(
            (self.0.rotate_left(29) ^ next.0)
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .rotate_left(23),
        )
    }
}

/// Reads the run of ASCII letters and digits starting at `start`: where it ends, and its
/// hash, the letters lowercased.
#[inline(always)]
pub(super) fn read_word(bytes: &[u8], start: usize) -> (usize, WordHash) {
    let mut hash = WordHash::default();
    let mut at = start;
    loop {
        let x = load8(bytes, at);
        let others = !alnum_mask(x) & HIGH;
        if others != 0 {
            let len = others.trailing_zeros() / 8;
            let keep = (1u64 << (8 * len)).wrapping_sub(1);
            hash.push((x | (0x20 * ONES)) & keep, len);
            return (at + len as usize, hash);
        }
        hash.push(x | (0x20 * ONES), 8);
        at += 8;
    }
}

/// A Bloom filter of word hashes: 8 KiB, so it stays in L1, and two bits per word in one
/// 64-bit block, so a lookup is one load. With a few thousand words, about one word in a
/// thousand not in the set passes; a false positive only costs a walk that finds nothing.
#[derive(Debug, Clone)]
pub(super) struct WordSet(Vec<u64>);

impl WordSet {
    const BLOCKS: usize = 1024;

    pub(super) fn new() -> Self {
        Self(vec![0; Self::BLOCKS])
    }

    #[inline(always)]
    fn block_and_bits(hash: WordHash) -> (usize, u64) {
        let h = hash.0;
        let block = (h >> 54) as usize % Self::BLOCKS;
        let bits = (1u64 << ((h >> 48) & 63)) | (1u64 << ((h >> 42) & 63));
        (block, bits)
    }

    pub(super) fn insert(&mut self, hash: WordHash) {
        let (block, bits) = Self::block_and_bits(hash);
        self.0[block] |= bits;
    }

    #[inline(always)]
    pub(super) fn contains(&self, hash: WordHash) -> bool {
        let (block, bits) = Self::block_and_bits(hash);
        self.0[block] & bits == bits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_ends_where_a_byte_by_byte_reading_ends_it() {
        let text = "Le JNIM, 12 km: Bamako-Sénou abcdefgh abcdefghijklmnopq x\u{0}y  RN5";
        let bytes = text.as_bytes();
        for start in 0..bytes.len() {
            if !bytes[start].is_ascii_alphanumeric() {
                continue;
            }
            let end = (start..bytes.len())
                .find(|&j| !bytes[j].is_ascii_alphanumeric())
                .unwrap_or(bytes.len());
            let (got, hash) = read_word(bytes, start);
            assert_eq!(got, end, "word at {start}");
            let lower = text[start..end].to_ascii_lowercase();
            assert_eq!(hash, WordHash::of(lower.as_bytes()), "hash of {lower:?}");
        }
    }

    #[test]
    fn every_byte_value_is_classified_as_a_table_would() {
        for b in 0..=255u8 {
            let x = u64::from(b) << 24 | u64::from(b'a');
            let want = if b.is_ascii_alphanumeric() {
                0x8000_0080
            } else {
                0x80
            };
            assert_eq!(alnum_mask(x), want, "byte {b:#04x}");
        }
    }
}
