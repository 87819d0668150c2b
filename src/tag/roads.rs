//! Road codes (`RN5`, `rn 5`, `N1`, `route nationale 7`) found by their digits, not by their
//! prefixes.
//!
//! A prefix can be a single common letter (`N`), so a pattern that starts at the prefix
//! checks every "n" of the text; digits are rare in prose. So the search goes digit run by
//! digit run and looks back for a prefix: a whole word, directly before the digits or one
//! run of spaces or dashes before them (`RN 5`, `RN-5`: one space once folded), and at most
//! three digits ending a word. Works on the original text, prefixes compared without case:
//! what `\b(prefix|…) ?(\d{1,3})\b` would find on folded text, in original offsets.

use super::normalize::{CharClass, class_of};

/// The road prefixes of a pattern set, lowercased, longest first, each with the code it
/// stands for (a spelled-out prefix, "route nationale", stands for "rn").
#[derive(Debug, Clone)]
pub struct RoadCodes {
    prefixes: Vec<(String, String)>,
    /// The last bytes of the prefixes, both cases: most numbers in prose follow none.
    ends: [bool; 256],
}

/// One code: where it is in the haystack, the code its prefix stands for (lowercase: "rn"
/// for "RN" and for "route nationale") and its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code<'r, 'h> {
    pub start: usize,
    pub end: usize,
    pub prefix: &'r str,
    pub number: &'h str,
}

fn is_word(c: char) -> bool {
    super::normalize::is_word_char(c) || c == '_'
}

impl RoadCodes {
    /// `prefixes`: (what is written, the code it stands for).
    pub fn new<'a>(prefixes: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut prefixes: Vec<(String, String)> = prefixes
            .into_iter()
            .map(|(p, code)| (p.to_lowercase(), code.to_lowercase()))
            .filter(|(p, _)| !p.is_empty())
            .collect();
        prefixes.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        prefixes.dedup();
        let mut ends = [false; 256];
        for (p, _) in &prefixes {
            if let Some(&b) = p.as_bytes().last() {
                ends[usize::from(b.to_ascii_lowercase())] = true;
                ends[usize::from(b.to_ascii_uppercase())] = true;
            }
        }
        Self { prefixes, ends }
    }

    /// The prefix ending exactly at `end`, starting a word.
    fn prefix_before(&self, hay: &str, end: usize) -> Option<(usize, &str)> {
        let last = *hay.as_bytes().get(end.checked_sub(1)?)?;
        if !self.ends[usize::from(last)] {
            return None;
        }
        self.prefixes.iter().find_map(|(p, code)| {
            let start = end.checked_sub(p.len())?;
            let word = hay.get(start..end)?;
            let boundary = !hay[..start].chars().next_back().is_some_and(is_word);
            (word.to_lowercase() == *p && boundary).then_some((start, code.as_str()))
        })
    }

    /// Where the run of spaces and dashes ending at `end` starts, if there is one.
    fn space_run_before(hay: &str, end: usize) -> Option<usize> {
        let run: usize = hay[..end]
            .chars()
            .rev()
            .take_while(|&c| class_of(c) == CharClass::Space)
            .map(char::len_utf8)
            .sum();
        (run > 0).then(|| end - run)
    }

    /// Every code in `hay`, left to right.
    pub fn find<'h>(&self, hay: &'h str) -> Vec<Code<'_, 'h>> {
        let bytes = hay.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while let Some(start) = next_digit(bytes, i) {
            i = start;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            // Digits are ASCII, so `start` and `i` are char boundaries.
            let after_ok = !hay[i..].chars().next().is_some_and(is_word);
            if i - start > 3 || !after_ok {
                continue;
            }
            let number = &hay[start..i];
            let found = self
                .prefix_before(hay, start)
                .or_else(|| self.prefix_before(hay, Self::space_run_before(hay, start)?));
            if let Some((p_start, prefix)) = found {
                out.push(Code {
                    start: p_start,
                    end: i,
                    prefix,
                    number,
                });
            }
        }
        out
    }
}

/// The first ASCII digit at or after `from`. Prose is mostly digit-free: whole 32-byte blocks
/// are ruled out with a test the compiler vectorizes.
fn next_digit(bytes: &[u8], from: usize) -> Option<usize> {
    const BLOCK: usize = 32;
    let mut at = from;
    while let Some(block) = bytes.get(at..at + BLOCK) {
        let any = block
            .iter()
            .fold(0u8, |acc, &b| acc | u8::from(b.wrapping_sub(b'0') < 10));
        if any != 0 {
            break;
        }
        at += BLOCK;
    }
    bytes
        .get(at..)?
        .iter()
        .position(u8::is_ascii_digit)
        .map(|p| at + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_found_as_the_regex_would() {
        let codes = RoadCodes::new([
            ("RN", "RN"),
            ("RR", "RR"),
            ("N", "N"),
            ("route nationale", "RN"),
            ("national road", "RN"),
        ]);
        for (hay, want) in [
            ("on the rn5 near kayes", vec![("rn", "5", 7, 10)]),
            (
                "the rn 15 and the rr6",
                vec![("rn", "15", 4, 9), ("rr", "6", 18, 21)],
            ),
            ("n1 then n 12", vec![("n", "1", 0, 2), ("n", "12", 8, 12)]),
            ("turn5 and burn 5", vec![]),
            ("rn1234 is no road", vec![]),
            ("rn5a is not either", vec![]),
            ("RN  5 has two spaces", vec![("rn", "5", 0, 5)]),
            (
                "Rn-5 and the N – 12",
                vec![("rn", "5", 0, 4), ("n", "12", 13, 21)],
            ),
            ("km 5 and 12 rn", vec![]),
            ("(rn7)", vec![("rn", "7", 1, 4)]),
            ("étérn5", vec![]),
            ("la Route Nationale 7", vec![("rn", "7", 3, 20)]),
            ("national road 27", vec![("rn", "27", 0, 16)]),
            ("a rational road 7", vec![]),
        ] {
            let got: Vec<_> = codes
                .find(hay)
                .into_iter()
                .map(|c| (c.prefix, c.number, c.start, c.end))
                .collect();
            assert_eq!(got, want, "{hay:?}");
        }
        assert!(RoadCodes::new([]).find("rn5").is_empty());
        assert_eq!(
            RoadCodes::new([("route régionale", "RR")]).find("Route Régionale 9")[0].prefix,
            "rr"
        );
        let long = format!("{} the rn5 {}", "x".repeat(70), "y".repeat(40));
        let got: Vec<_> = codes.find(&long).into_iter().map(|c| c.start).collect();
        assert_eq!(got, vec![75], "a code past the first blocks");
    }
}
