//! No input makes the pipeline panic: generated text full of the characters the folding,
//! segmentation and span arithmetic have to get right (multi-byte letters, combining marks,
//! quotes, dashes, parentheses, list markers, possessives), as text and as HTML.

use sitrep::extract::{Overrides, RawDocument};
use sitrep::model::{DocFormat, SourceMeta};
use sitrep::patterns::PatternSet;
use sitrep::pipeline::Pipeline;

/// xorshift64*: deterministic, so a failure is reproducible from its case number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const PIECES: &[&str] = &[
    "JNIM",
    "Jama\"at",
    "’s",
    "'s",
    "\"",
    "“",
    "”",
    "«",
    "»",
    "(",
    ")",
    "(JNIM)",
    "(FN)",
    "—",
    "–",
    "-",
    "- ",
    "\n",
    "\n- ",
    "\n1. ",
    ":",
    ".",
    ". ",
    "U.S.",
    "Côte d’Ivoire",
    "e\u{301}",
    "\u{0301}",
    "ß",
    "İ",
    "ﬁ",
    "œ",
    "RN",
    "RN 5",
    "RN-",
    "5",
    "2025",
    "Tuesday",
    "mardi dernier",
    "in September",
    "le 3",
    "the embassy",
    "the group",
    "l'ambassade",
    "BAMAKO, Mali (AFP) — ",
    "blockade",
    "blocus",
    "attacked",
    "killing",
    "said",
    "a déclaré",
    "according to",
    "selon",
    "unaffected by",
    "not",
    "n'a pas",
    "called on",
    "to leave",
    "Bamako",
    "Kayes",
    "FAMa",
    " and ",
    ", ",
    " ",
    "  ",
    "\t",
    "😀",
    "中文",
    "\u{200b}",
    "\u{feff}",
    "<p>",
    "</p>",
    "<html lang=fr>",
    "<title>",
    "&amp;",
    "&#x27;",
    "<script>",
    "</div>",
    "<!--",
    "]]>",
];

#[test]
fn generated_text_never_panics_the_pipeline() {
    let patterns = PatternSet::embedded().expect("shipped patterns load");
    let pipeline = Pipeline::new(&patterns).expect("tagger builds");
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    for case in 0..1000 {
        let len = 1 + rng.next() % 80;
        let text: String = (0..len).map(|_| rng.pick(PIECES)).collect();
        // HTML extraction dominates the time in debug builds: every fifth case is enough.
        let formats: &[DocFormat] = if case % 5 == 0 {
            &[DocFormat::Text, DocFormat::Html]
        } else {
            &[DocFormat::Text]
        };
        for &format in formats {
            let raw = RawDocument {
                bytes: text.as_bytes().to_vec(),
                format,
                content_type: None,
                source: SourceMeta::default(),
                overrides: Overrides::default(),
            };
            let result =
                std::panic::catch_unwind(|| pipeline.process(&raw).map(|a| a.claims.len()));
            assert!(
                result.is_ok(),
                "case {case} ({format}) panicked on {text:?}"
            );
        }
    }
}

#[test]
fn arbitrary_bytes_are_an_error_or_a_document_never_a_panic() {
    let patterns = PatternSet::embedded().expect("shipped patterns load");
    let pipeline = Pipeline::new(&patterns).expect("tagger builds");
    let mut rng = Rng(42);
    for case in 0..200 {
        let len = (rng.next() % 400) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let raw = RawDocument {
            bytes,
            format: if case % 2 == 0 {
                DocFormat::Text
            } else {
                DocFormat::Html
            },
            content_type: Some("text/html; charset=bogus".into()),
            source: SourceMeta::default(),
            overrides: Overrides::default(),
        };
        let result = std::panic::catch_unwind(|| pipeline.process(&raw).is_ok());
        assert!(result.is_ok(), "case {case} panicked");
    }
}
