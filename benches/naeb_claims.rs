//! Issue 11: `tag + claims` with parsing on the NAEB article bodies, the same text
//! `bench/peers/spacy_throughput.py` gives spaCy. One thread.
//!
//! Input: `articleBody` of every article of `../shared/data/naeb/articles.json` (424 pages,
//! 2.46 MB), in the order the Python script reads them (by `id`, as strings). Each body becomes
//! a `Document` as extraction would leave it: language detected (whatlang, as `extract` does;
//! all of them come out English), dateline found, publication date from `date`. That is done
//! before timing, as spaCy gets plain strings.
//!
//! What one iteration is, per benchmark (group `naeb-bodies`, throughput in decimal MB of body
//! text, so criterion's MB/s and the Python script's MB/s are the same unit):
//! - `tag`: `Tagger::tag` on every body.
//! - `tag+claims (no syntax)`: `claims::extract(doc, tags, patterns, None)`: roles from word
//!   order, the cost of the claims stage before issue 11.
//! - `tag+claims (parse)`: `Pipeline::analyze`, the path `sitrep ingest` takes: tag, then
//!   claims with the built-in model of the document's language (loaded before timing), which
//!   parses each sentence whose event cue fires a rule.
//! - `parse cue sentences`: `Model::parse_text` alone on exactly the sentences the claims
//!   stage parses (see below), to show what parsing costs inside the row above.
//! - `parse every sentence`: `Model::parse_text` on every sentence of every body (what the
//!   pipeline would cost without the cue filter).
//!
//! Before criterion runs, each also makes one timed pass (printed on stderr with pages/s),
//! and the bench prints how many sentences the claims stage parses: a sentence (not the
//! dateline, at most 4,000 bytes) is parsed the first time one of its event cues triggers a
//! rule whose `requires` cue, if any, follows it, mirroring `claims::Engine::fill`.
//!
//! Run: `cargo bench --bench naeb_claims` (NAEB at `../shared/data/naeb`, or `NAEB_DIR`).
//! `RAYON_NUM_THREADS` does not matter: nothing here is parallel.
//! Under `cargo test --benches` it runs on the first 20 bodies without the one-pass timings.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use sitrep::claims::{self, segment::SegmentKind, segment::segments};
use sitrep::extract;
use sitrep::model::{DocFormat, Document, Language, SourceMeta};
use sitrep::patterns::{CueRole, PatternSet};
use sitrep::pipeline::Pipeline;
use sitrep::syntax::{Lang, Model, builtin};
use sitrep::tag::{Tagger, Tags};

const SAMPLES: usize = 10;
/// `claims::MAX_PARSED_BYTES`: a longer "sentence" is never parsed.
const MAX_PARSED_BYTES: usize = 4_000;

fn full_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// `NAEB_DIR`, else `shared/data/naeb` beside the checkout or beside one of its parents
/// (a worktree under `wt/` finds the same `shared/` as the main checkout).
fn naeb_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("NAEB_DIR") {
        return PathBuf::from(d);
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    root.ancestors()
        .skip(1)
        .map(|a| a.join("shared/data/naeb"))
        .find(|d| d.join("articles.json").exists())
        .unwrap_or_else(|| root.join("../shared/data/naeb"))
}

fn documents(full: bool) -> Vec<Document> {
    let raw = std::fs::read_to_string(naeb_dir().join("articles.json")).expect("articles.json");
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&raw).expect("articles.json parses");
    let mut arts: Vec<&serde_json::Value> = map.values().collect();
    arts.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    let mut docs: Vec<Document> = arts
        .into_iter()
        .filter_map(|a| {
            let text = a["articleBody"]
                .as_str()
                .filter(|t| !t.is_empty())?
                .to_string();
            let language = match whatlang::detect_lang(&text) {
                Some(whatlang::Lang::Eng) => Language::new("en").ok(),
                Some(whatlang::Lang::Fra) => Language::new("fr").ok(),
                _ => None,
            };
            Some(Document {
                format: DocFormat::Text,
                title: a["title"].as_str().map(str::to_string),
                byline: None,
                published: a["date"].as_str().and_then(|d| d.parse::<NaiveDate>().ok()),
                language,
                dateline: extract::text::dateline(&text),
                text,
                source: SourceMeta::default(),
            })
        })
        .collect();
    if !full {
        docs.truncate(20);
    }
    docs
}

fn lang_of(doc: &Document) -> Option<Lang> {
    match doc.language.as_ref()?.as_str() {
        "en" => Some(Lang::En),
        "fr" => Some(Lang::Fr),
        _ => None,
    }
}

/// The sentences `claims::extract` parses, as text, and the total number of segments.
fn parsed_sentences(doc: &Document, tags: &Tags, patterns: &PatternSet) -> (Vec<String>, usize) {
    let segs = segments(
        &doc.text,
        doc.dateline.as_ref().map(|d| d.span),
        &patterns.lexicon,
    );
    let mut out = Vec::new();
    for seg in &segs {
        if seg.kind == SegmentKind::Dateline || seg.span.len() > MAX_PARSED_BYTES {
            continue;
        }
        let cues: Vec<_> = tags
            .cues
            .iter()
            .filter(|c| seg.span.contains(c.span))
            .collect();
        let fires = cues.iter().any(|hit| {
            patterns.cue(hit.cue).role == CueRole::Event
                && patterns.rules.iter().any(|r| {
                    r.triggers.contains(&hit.cue)
                        && (r.requires.is_empty()
                            || cues.iter().any(|c| {
                                r.requires.contains(&c.cue) && c.span.start >= hit.span.end
                            }))
                })
        });
        if fires {
            out.push(doc.text[seg.span.start..seg.span.end].to_string());
        }
    }
    (out, segs.len())
}

fn one_pass(name: &str, bytes: usize, pages: usize, f: impl FnOnce() -> usize) -> f64 {
    let start = Instant::now();
    let out = black_box(f());
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "naeb one-pass {name:<24} {secs:8.3} s  {:7.3} MB/s  {:8.1} pages/s  (result {out})",
        bytes as f64 / 1e6 / secs,
        pages as f64 / secs,
    );
    secs
}

fn bench(c: &mut Criterion) {
    let full = full_run();
    let patterns =
        PatternSet::load_dir(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("patterns"))
            .expect("patterns load");
    let tagger = Tagger::new(&patterns).expect("tagger builds");
    let pipeline = Pipeline::new(&patterns).expect("pipeline builds");
    let docs = documents(full);
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    let n = docs.len();
    let en = builtin(Lang::En).expect("English model");
    let fr = builtin(Lang::Fr).expect("French model");
    let model = |d: &Document| -> Option<&Model> {
        match lang_of(d)? {
            Lang::En => Some(&en),
            Lang::Fr => Some(&fr),
        }
    };
    // Load the pipeline's models before timing (it loads them lazily, once).
    for d in &docs {
        black_box(pipeline.analyze(d.clone()));
    }

    // Which sentences the claims stage parses.
    let mut cue_sents: Vec<(Lang, String)> = Vec::new();
    let mut all_sents: Vec<(Lang, String)> = Vec::new();
    let mut total = 0;
    let mut langs = std::collections::BTreeMap::<String, usize>::new();
    for d in &docs {
        *langs
            .entry(
                d.language
                    .as_ref()
                    .map_or("?".into(), |l| l.as_str().to_string()),
            )
            .or_default() += 1;
        let tags = tagger.tag(&d.text);
        let (parsed, segs) = parsed_sentences(d, &tags, &patterns);
        total += segs;
        if let Some(l) = lang_of(d) {
            cue_sents.extend(parsed.into_iter().map(|s| (l, s)));
            for seg in segments(
                &d.text,
                d.dateline.as_ref().map(|x| x.span),
                &patterns.lexicon,
            ) {
                if seg.kind != SegmentKind::Dateline && seg.span.len() <= MAX_PARSED_BYTES {
                    all_sents.push((l, d.text[seg.span.start..seg.span.end].to_string()));
                }
            }
        }
    }
    let cue_bytes: usize = cue_sents.iter().map(|(_, s)| s.len()).sum();
    eprintln!(
        "naeb: {n} bodies, {bytes} bytes ({:.2} MB), languages {langs:?}; segments {total}, \
         parseable {}, parsed by claims {} ({:.1} %, {:.1} % of the bytes); models {} {}",
        bytes as f64 / 1e6,
        all_sents.len(),
        cue_sents.len(),
        100.0 * cue_sents.len() as f64 / total.max(1) as f64,
        100.0 * cue_bytes as f64 / bytes.max(1) as f64,
        en.version(),
        fr.version(),
    );

    let parse = |sents: &[(Lang, String)]| {
        sents
            .iter()
            .map(|(l, s)| {
                let m = if *l == Lang::En { &en } else { &fr };
                black_box(m.parse_text(s, 0)).len()
            })
            .sum::<usize>()
    };
    let tag = || {
        docs.iter()
            .map(|d| black_box(tagger.tag(&d.text)).mentions.len())
            .sum::<usize>()
    };
    let claims_plain = || {
        docs.iter()
            .map(|d| {
                let tags = tagger.tag(&d.text);
                black_box(claims::extract(d, &tags, &patterns, None)).len()
            })
            .sum::<usize>()
    };
    let claims_direct = || {
        docs.iter()
            .map(|d| {
                let tags = tagger.tag(&d.text);
                black_box(claims::extract(d, &tags, &patterns, model(d))).len()
            })
            .sum::<usize>()
    };
    // The pipeline takes the document by value; the clone is outside what it measures but
    // inside the timing (a memcpy of 2.5 MB per pass, negligible next to the rest).
    let claims_pipeline = || {
        docs.iter()
            .map(|d| black_box(pipeline.analyze(d.clone())).claims.len())
            .sum::<usize>()
    };
    let parse_cue = || parse(&cue_sents);
    let parse_all = || parse(&all_sents);

    let timed = full && std::env::var("NAEB_ONE_PASS").map_or(true, |v| v != "0");
    let mut pass = [0.1f64; 6];
    if timed {
        pass[0] = one_pass("tag", bytes, n, tag);
        pass[1] = one_pass("tag+claims (no syntax)", bytes, n, claims_plain);
        pass[2] = one_pass("tag+claims (parse)", bytes, n, claims_pipeline);
        pass[3] = one_pass("extract(.., Some(model))", bytes, n, claims_direct);
        pass[4] = one_pass("parse cue sentences", bytes, n, parse_cue);
        pass[5] = one_pass("parse every sentence", bytes, n, parse_all);
    }
    let mut group = c.benchmark_group("naeb-bodies");
    group
        .throughput(Throughput::BytesDecimal(bytes as u64))
        .sample_size(SAMPLES)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500));
    let target = |secs: f64| Duration::from_secs_f64((secs * SAMPLES as f64 * 1.2).max(2.0));
    group.measurement_time(target(pass[0]));
    group.bench_function("tag", |b| b.iter(tag));
    group.measurement_time(target(pass[1]));
    group.bench_function("tag+claims (no syntax)", |b| b.iter(claims_plain));
    group.measurement_time(target(pass[2]));
    group.bench_function("tag+claims (parse)", |b| b.iter(claims_pipeline));
    group.measurement_time(target(pass[4]));
    group.bench_function("parse cue sentences", |b| b.iter(parse_cue));
    group.measurement_time(target(pass[5]));
    group.bench_function("parse every sentence", |b| b.iter(parse_all));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
