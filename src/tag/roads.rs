//! Road codes (`RN5`, `rn 5`, `N1`) found by their digits, not by their prefixes.
//!
//! A prefix can be a single common letter (`N`), so a pattern that starts at the prefix
//! checks every "n" of the text; digits are rare in prose. So the search goes digit run by
//! digit run and looks back for a prefix: a whole word, directly before the digits or one
//! space before them, and at most three digits ending a word. Matches what
//! `\b(prefix|…) ?(\d{1,3})\b` would, on folded (lowercase) text.

/// The road prefixes of a pattern set, lowercased, longest first.
#[derive(Debug, Clone, Default)]
pub struct RoadCodes {
    prefixes: Vec<String>,
}

/// One code: where it is in the haystack, its prefix and its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code<'h> {
    pub start: usize,
    pub end: usize,
    pub prefix: &'h str,
    pub number: &'h str,
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

impl RoadCodes {
    pub fn new<'a>(prefixes: impl IntoIterator<Item = &'a str>) -> Self {
        let mut prefixes: Vec<String> = prefixes
            .into_iter()
            .map(str::to_lowercase)
            .filter(|p| !p.is_empty())
            .collect();
        prefixes.sort_by_key(|p| std::cmp::Reverse(p.len()));
        prefixes.dedup();
        Self { prefixes }
    }

    /// The prefix ending exactly at `end`, starting a word.
    fn prefix_before<'h>(&self, hay: &'h str, end: usize) -> Option<(usize, &'h str)> {
        self.prefixes.iter().find_map(|p| {
            let start = end.checked_sub(p.len())?;
            let word = hay.get(start..end)?;
            let boundary = !hay[..start].chars().next_back().is_some_and(is_word);
            (word == p && boundary).then_some((start, word))
        })
    }

    /// Every code in `hay`, left to right.
    pub fn find<'h>(&self, hay: &'h str) -> Vec<Code<'h>> {
        let bytes = hay.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if !bytes[i].is_ascii_digit() {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            // Digits are ASCII, so `start` and `i` are char boundaries.
            let after_ok = !hay[i..].chars().next().is_some_and(is_word);
            if i - start > 3 || !after_ok {
                continue;
            }
            let number = &hay[start..i];
            let found = self.prefix_before(hay, start).or_else(|| {
                let space = start.checked_sub(1).filter(|&s| bytes[s] == b' ')?;
                self.prefix_before(hay, space)
            });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_found_as_the_regex_would() {
        let codes = RoadCodes::new(["RN", "RR", "N"]);
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
            ("rn  5 has two spaces", vec![]),
            ("km 5 and 12 rn", vec![]),
            ("(rn7)", vec![("rn", "7", 1, 4)]),
            ("étérn5", vec![]),
        ] {
            let got: Vec<_> = codes
                .find(hay)
                .into_iter()
                .map(|c| (c.prefix, c.number, c.start, c.end))
                .collect();
            assert_eq!(got, want, "{hay:?}");
        }
        assert!(RoadCodes::new([]).find("rn5").is_empty());
    }
}
