//! Issue 4: throughput of every stage on the ≥100 MiB corpus, next to the raw Aho-Corasick
//! ceiling, and HTML extraction pages/s on the NAEB pages. One thread throughout.
//!
//! Run: `cargo run --release --example bench_corpus` (writes `target/bench-corpus/`; the
//! bench generates it itself when absent), then `cargo bench --bench stages`.
//!
//! What one iteration is, per benchmark (group `stages`, throughput in decimal MB of article
//! text, so criterion's MB/s and the Python peers' MB/s are the same unit):
//! - `raw-ac`: the ceiling. An `aho_corasick::AhoCorasick` (default builder, the tagger's
//!   configuration, `MatchKind::LeftmostLongest`) over every surface form of the pattern set
//!   (`patterns.txt`: aliases, generic terms, cues), lowercased, counting the matches of
//!   `find_iter` over every article's lowercased text. Lowercasing is done before timing.
//! - `lowercase+raw-ac`: the same, lowercasing each article inside the timed loop.
//! - `raw-ac-dfa`: the `raw-ac` scan with the automaton forced to a full DFA
//!   (`AhoCorasickKind::DFA`); for 2,000-odd patterns the default builder picks a contiguous
//!   NFA. Shown for information: how much the ceiling itself can move.
//! - `fold`: `Normalized::new` on every article (sitrep's fold + offset map). The tagger no
//!   longer folds a copy of the text (it folds on the fly while walking its automaton); the
//!   row shows what that copy would cost.
//! - `tag`: `Tagger::tag` on every article.
//! - `tag+claims`: `Tagger::tag` then `claims::extract` on every article, with the built-in
//!   syntax model of the article's language (issue 11: sentences whose event cue fires a rule
//!   are parsed), as `Pipeline::analyze` does.
//!
//! Group `extract`: `extract::extract` (charset decoding, trafilatura body, libreadability
//! metadata, language detection, dateline) on every NAEB page, bytes already gunzipped in
//! memory; throughput in pages.
//!
//! Before criterion runs, every stage also makes one timed pass over the whole corpus and
//! prints its time, MB/s and articles/s on stderr (`STAGES_ONE_PASS=0` skips that, e.g. under
//! `perf`). Criterion then takes 10 flat samples per stage over the whole corpus; a sample is
//! one pass for the slow stages (criterion warns that it cannot fit 10 samples in the target
//! time: that is expected).
//!
//! Under `cargo test --benches` (no `--bench` flag) the corpus is the fixtures alone, grown
//! to 1 MiB, and 10 NAEB pages, without the one-pass timings, so the test pass takes a few
//! seconds.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use chrono::NaiveDate;
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use sitrep::claims;
use sitrep::extract::{self, Overrides, RawDocument};
use sitrep::fetch::local;
use sitrep::model::{DocFormat, Document, Language, SourceMeta};
mod support;
use sitrep::tag::Tagger;
use sitrep::tag::normalize::Normalized;
use support::SyntaxModels;

// The corpus generator; the file allows dead code (the bench uses part of it).
#[path = "../examples/bench_corpus.rs"]
mod corpus;

const SAMPLES: usize = 10;

/// `cargo bench` passes `--bench`; `cargo test --benches` does not.
fn full_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn articles(full: bool) -> Vec<corpus::Article> {
    let patterns = corpus::load_patterns();
    if !full {
        return corpus::grow(&corpus::fixture_articles(&patterns), 1024 * 1024);
    }
    let path = std::env::var_os("STAGES_CORPUS")
        .map_or_else(|| corpus::default_dir().join("corpus.jsonl"), PathBuf::from);
    if path.exists() {
        corpus::read_jsonl(&path).expect("corpus.jsonl reads")
    } else {
        eprintln!("stages: {} absent, generating it", path.display());
        corpus::generate(&corpus::default_dir(), corpus::DEFAULT_TARGET_BYTES)
            .expect("corpus generates")
    }
}

/// An article of the corpus as the pipeline has it after extraction.
fn document(a: &corpus::Article) -> Document {
    Document {
        format: DocFormat::Text,
        title: None,
        byline: None,
        published: a
            .published
            .as_deref()
            .and_then(|d| d.parse::<NaiveDate>().ok()),
        language: a.lang.as_deref().and_then(|l| Language::new(l).ok()),
        dateline: extract::text::dateline(&a.text),
        text: a.text.clone(),
        source: SourceMeta::default(),
    }
}

fn pages(full: bool) -> Vec<RawDocument> {
    let mut paths = corpus::naeb_pages();
    if !full {
        paths.truncate(10);
    }
    paths
        .iter()
        .map(|p| {
            local::read(p, &Overrides::default())
                .result
                .expect("NAEB page reads")
        })
        .collect()
}

/// Times one pass of `f` and prints it; returns the seconds taken.
fn one_pass(name: &str, bytes: usize, items: usize, unit: &str, f: impl FnOnce() -> usize) -> f64 {
    let start = Instant::now();
    let out = black_box(f());
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "stages one-pass {name:<18} {secs:8.3} s  {:8.2} MB/s  {:9.1} {unit}/s  (result {out})",
        bytes as f64 / 1e6 / secs,
        items as f64 / secs,
    );
    secs
}

fn stages(c: &mut Criterion) {
    let full = full_run();
    let patterns = corpus::load_patterns();
    let tagger = Tagger::new(&patterns).expect("tagger builds");
    let arts = articles(full);
    let docs: Vec<Document> = arts.iter().map(document).collect();
    drop(arts);
    let lowered: Vec<String> = docs.iter().map(|d| d.text.to_lowercase()).collect();
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    let forms: Vec<String> = {
        let mut seen = std::collections::HashSet::new();
        corpus::surface_forms(&patterns)
            .into_iter()
            .map(|s| s.to_lowercase())
            .filter(|s| seen.insert(s.clone()))
            .collect()
    };
    let ac: AhoCorasick = AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .build(&forms)
        .expect("automaton builds");
    let dfa: AhoCorasick = AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .kind(Some(AhoCorasickKind::DFA))
        .build(&forms)
        .expect("DFA builds");
    eprintln!(
        "stages: {} articles, {bytes} bytes of text ({:.1} MB), {} lowercased surface forms, AC kind {:?}",
        docs.len(),
        bytes as f64 / 1e6,
        forms.len(),
        ac.kind()
    );

    let raw_ac = || {
        lowered
            .iter()
            .map(|t| ac.find_iter(t.as_str()).count())
            .sum::<usize>()
    };
    let raw_dfa = || {
        lowered
            .iter()
            .map(|t| dfa.find_iter(t.as_str()).count())
            .sum::<usize>()
    };
    let lower_ac = || {
        docs.iter()
            .map(|d| ac.find_iter(d.text.to_lowercase().as_str()).count())
            .sum::<usize>()
    };
    let fold = || {
        docs.iter()
            .map(|d| black_box(Normalized::new(&d.text)).as_str().len())
            .sum::<usize>()
    };
    let tag = || {
        docs.iter()
            .map(|d| black_box(tagger.tag(&d.text)).mentions.len())
            .sum::<usize>()
    };
    let models = SyntaxModels::load();
    let model = |d: &Document| models.for_doc(d);
    let tag_claims = || {
        docs.iter()
            .map(|d| {
                let tags = tagger.tag(&d.text);
                black_box(claims::extract(d, &tags, &patterns, model(d))).len()
            })
            .sum::<usize>()
    };

    let timed = full && std::env::var("STAGES_ONE_PASS").map_or(true, |v| v != "0");
    let n = docs.len();
    let mut pass = [0.1f64; 6];
    if timed {
        pass[0] = one_pass("raw-ac", bytes, n, "articles", raw_ac);
        pass[1] = one_pass("lowercase+raw-ac", bytes, n, "articles", lower_ac);
        pass[2] = one_pass("fold", bytes, n, "articles", fold);
        pass[3] = one_pass("tag (mentions)", bytes, n, "articles", tag);
        pass[4] = one_pass("tag+claims (claims)", bytes, n, "articles", tag_claims);
        pass[5] = one_pass("raw-ac-dfa", bytes, n, "articles", raw_dfa);
    }

    let mut group = c.benchmark_group("stages");
    group
        .throughput(Throughput::BytesDecimal(bytes as u64))
        .sample_size(SAMPLES)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500));
    // One pass per sample for the slow stages, a few for the fast ones.
    let target = |secs: f64| Duration::from_secs_f64((secs * SAMPLES as f64 * 0.9).max(3.0));
    group.measurement_time(target(pass[0]));
    group.bench_function("raw-ac", |b| b.iter(raw_ac));
    group.measurement_time(target(pass[1]));
    group.bench_function("lowercase+raw-ac", |b| b.iter(lower_ac));
    group.measurement_time(target(pass[2]));
    group.bench_function("fold", |b| b.iter(fold));
    group.measurement_time(target(pass[3]));
    group.bench_function("tag", |b| b.iter(tag));
    group.measurement_time(target(pass[4]));
    group.bench_function("tag+claims", |b| b.iter(tag_claims));
    group.measurement_time(target(pass[5]));
    group.bench_function("raw-ac-dfa", |b| b.iter(raw_dfa));
    group.finish();

    let pages = pages(full);
    let extract_all = || {
        pages
            .iter()
            .filter_map(|p| extract::extract(p, &patterns.lexicon).ok())
            .map(|d| black_box(d).text.len())
            .sum::<usize>()
    };
    let html_bytes: usize = pages.iter().map(|p| p.bytes.len()).sum();
    let secs = if timed {
        one_pass(
            "extract (HTML MB)",
            html_bytes,
            pages.len(),
            "pages",
            extract_all,
        )
    } else {
        0.1
    };
    let mut group = c.benchmark_group("extract");
    group
        .throughput(Throughput::Elements(pages.len() as u64))
        .sample_size(SAMPLES)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(target(secs));
    group.bench_function("naeb-pages", |b| b.iter(extract_all));
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
