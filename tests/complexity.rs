//! Every stage is linear (or n log n) in the size of one document, whatever its shape.
//!
//! Each pathological shape is fed at n and 8n bytes (n = 256 KB), through extraction,
//! tagging, parsing and claims; the larger must cost under 16× the smaller (a median of
//! three runs each). A quadratic stage costs 64× and fails; linear work costs about 8×, so
//! the margin absorbs a noisy machine. No absolute time is asserted.
//!
//! Timings mean little unoptimised, so these tests run in release builds only:
//! `cargo test --release --test complexity` (as `.ci/run` does).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use sitrep::extract::{Overrides, RawDocument};
use sitrep::model::{DocFormat, SourceMeta};
use sitrep::patterns::PatternSet;
use sitrep::pipeline::Pipeline;

const N: usize = 256 * 1024;
const CLAIM: &str = "JNIM fighters attacked a fuel convoy near Kati on Tuesday, the army said.";

fn raw(bytes: Vec<u8>, format: DocFormat) -> RawDocument {
    RawDocument {
        bytes,
        format,
        content_type: None,
        source: SourceMeta::default(),
        overrides: Overrides {
            published: chrono::NaiveDate::from_ymd_opt(2025, 10, 1),
            ..Overrides::default()
        },
    }
}

/// Repeats `unit` (built from its index) until the text reaches `size` bytes.
fn fill(size: usize, unit: impl Fn(usize) -> String) -> String {
    let mut out = String::with_capacity(size + 256);
    let mut i = 0;
    while out.len() < size {
        out.push_str(&unit(i));
        i += 1;
    }
    out
}

/// Words that tag and trigger rules, with no sentence terminator anywhere.
fn run_on_text(size: usize) -> (Vec<u8>, DocFormat) {
    let words = [
        "the",
        "army",
        "said",
        "fighters",
        "attacked",
        "a",
        "convoy",
        "near",
        "Kati",
        "JNIM",
        "claimed",
        "Bamako",
        "road",
        "officials",
        "reported",
        "blockade",
        "of",
        "Kayes",
    ];
    let text = fill(size, |i| {
        format!("{} ", words[(i * 7 + i / 5) % words.len()])
    });
    (text.into_bytes(), DocFormat::Text)
}

fn repeated_claim_sentence(size: usize) -> (Vec<u8>, DocFormat) {
    (
        fill(size, |_| format!("{CLAIM} ")).into_bytes(),
        DocFormat::Text,
    )
}

/// One sentence naming thousands of entities: places, groups and roads, comma-separated.
fn entities_in_one_sentence(size: usize) -> (Vec<u8>, DocFormat) {
    let names = [
        "Bamako", "Kati", "JNIM", "Kayes", "the RN7", "Ségou", "FAMa", "Sikasso",
    ];
    let mut text = String::from("JNIM attacked convoys in ");
    text.push_str(&fill(size, |i| format!("{}, ", names[i % names.len()])));
    text.push_str("and Nioro.");
    (text.into_bytes(), DocFormat::Text)
}

/// A lead-in and one giant list of items, each a short claim-like line.
fn giant_list(size: usize) -> (Vec<u8>, DocFormat) {
    let mut text = String::from("According to the army, these roads were attacked:\n");
    text.push_str(&fill(size, |i| {
        format!("- the Kayes–Bamako road near Kati, convoy {i}\n")
    }));
    (text.into_bytes(), DocFormat::Text)
}

/// An HTML page whose body is one huge table.
fn huge_table(size: usize) -> (Vec<u8>, DocFormat) {
    let mut html = String::from(
        "<html><head><title>Convoys</title></head><body><article><p>JNIM fighters attacked \
         a convoy near Kati, the army said.</p><table>",
    );
    html.push_str(&fill(size, |i| {
        format!("<tr><td>{i}</td><td>Kati</td><td>JNIM attacked a convoy</td></tr>")
    }));
    html.push_str("</table></article></body></html>");
    (html.into_bytes(), DocFormat::Html)
}

/// One "word" with no space at all.
fn one_giant_word(size: usize) -> (Vec<u8>, DocFormat) {
    (
        fill(size, |_| "JNIMKati".to_string()).into_bytes(),
        DocFormat::Text,
    )
}

/// HTML nested as deep as the extractor accepts, then flat paragraphs to the size.
fn deep_markup(size: usize) -> (Vec<u8>, DocFormat) {
    let mut html = String::from("<html><body>");
    html.push_str(&"<div>".repeat(1000));
    html.push_str(&fill(size, |_| format!("<p>{CLAIM}</p>")));
    html.push_str(&"</div>".repeat(1000));
    html.push_str("</body></html>");
    (html.into_bytes(), DocFormat::Html)
}

fn median_cost(pipeline: &Pipeline, doc: &RawDocument) -> Duration {
    let mut runs: Vec<Duration> = (0..3)
        .map(|_| {
            let start = Instant::now();
            let _ = pipeline.process(doc);
            start.elapsed()
        })
        .collect();
    runs.sort();
    runs[1]
}

/// One timing at a time: tests run on parallel threads, and two timings sharing the
/// machine's cores would skew each other.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn assert_linear(name: &str, shape: fn(usize) -> (Vec<u8>, DocFormat)) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let patterns = PatternSet::embedded().unwrap();
    let pipeline = Pipeline::new(&patterns).unwrap();
    let (small, format) = shape(N);
    let (large, _) = shape(8 * N);
    let t1 = median_cost(&pipeline, &raw(small, format));
    let t8 = median_cost(&pipeline, &raw(large, format));
    let ratio = t8.as_secs_f64() / t1.as_secs_f64().max(1e-6);
    eprintln!("{name}: n {t1:.2?}, 8n {t8:.2?}, ratio {ratio:.1}");
    assert!(ratio < 16.0, "{name}: 8n costs {ratio:.1}× n (n {t1:.2?})");
}

/// One test per shape, named after it.
macro_rules! linear {
    ($($test:ident: $shape:ident,)*) => {$(
        #[test]
        #[cfg_attr(
            debug_assertions,
            ignore = "timings need an optimised build: cargo test --release --test complexity"
        )]
        fn $test() {
            assert_linear(stringify!($shape), $shape);
        }
    )*};
}

linear! {
    a_text_with_no_sentence_terminators_costs_linear_time: run_on_text,
    one_claim_sentence_repeated_costs_linear_time: repeated_claim_sentence,
    thousands_of_entities_in_one_sentence_cost_linear_time: entities_in_one_sentence,
    a_giant_list_costs_linear_time: giant_list,
    a_huge_table_costs_linear_time: huge_table,
    one_giant_word_costs_linear_time: one_giant_word,
    deep_markup_costs_linear_time: deep_markup,
}

/// The check: 3.7 MB of text without a terminator is processed whole, and the claim
/// sentence placed at its very end is still read.
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "timings need an optimised build: cargo test --release --test complexity"
)]
fn text_without_terminators_is_processed_whole_with_its_last_claim() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let patterns = PatternSet::embedded().unwrap();
    let pipeline = Pipeline::new(&patterns).unwrap();
    let (mut bytes, format) = run_on_text(3_700_000);
    bytes.extend_from_slice(CLAIM.as_bytes());
    let start = Instant::now();
    let analysis = pipeline.process(&raw(bytes.clone(), format)).unwrap();
    eprintln!("3.7 MB run-on text: {:.2?}", start.elapsed());
    assert_eq!(
        analysis.document.text.len(),
        bytes.len(),
        "the text was cut"
    );
    let tail = bytes.len() - CLAIM.len();
    let last = analysis
        .claims
        .iter()
        .find(|c| c.evidence.trigger.start >= tail && c.predicate.as_str() == "attack");
    assert!(
        last.is_some_and(|c| format!("{:?}", c.subject).contains("jnim")),
        "the claim at the end was not extracted: {:?}",
        analysis.claims.iter().rev().take(3).collect::<Vec<_>>()
    );
}
