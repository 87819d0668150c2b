//! Throughput of the pure stages on a generated corpus: folding, tagging, tagging + claims.
//!
//! The corpus is every fixture article (English and French, seeds included), extracted once,
//! repeated to about 2 MB of text; each iteration processes every document.
//! `tag+claims` parses (issue 11): `claims::extract` gets the built-in syntax model of each
//! document's language, as `Pipeline::analyze` passes it; `tag+claims (no syntax)` passes
//! `None` (roles from word order, the stage's cost before issue 11).
//! Run: `cargo bench --bench tagging`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sitrep::claims;
use sitrep::extract::{self, Overrides};
use sitrep::fetch::local;
use sitrep::model::Document;
use sitrep::patterns::PatternSet;
mod support;
use sitrep::tag::Tagger;
use sitrep::tag::normalize::Normalized;
use support::SyntaxModels;

const TARGET_BYTES: usize = 2 * 1024 * 1024;

fn corpus(patterns: &PatternSet) -> Vec<Document> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut base = Vec::new();
    for dir in ["seeds", "articles"] {
        for path in local::discover(&[root.join(dir)])
            .into_iter()
            .filter_map(local::Found::input)
        {
            let raw = local::read(&path, &Overrides::default())
                .result
                .expect("fixture readable");
            base.push(extract::extract(&raw, &patterns.lexicon).expect("fixture extracts"));
        }
    }
    let mut docs = Vec::new();
    let mut bytes = 0;
    while bytes < TARGET_BYTES {
        for d in &base {
            bytes += d.text.len();
            docs.push(d.clone());
        }
    }
    docs
}

fn stages(c: &mut Criterion) {
    let patterns = PatternSet::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("patterns"))
        .expect("patterns load");
    let tagger = Tagger::new(&patterns).expect("tagger builds");
    let docs = corpus(&patterns);
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    let mut group = c.benchmark_group("pure-stages");
    group
        .throughput(Throughput::Bytes(bytes as u64))
        .sample_size(10);
    group.bench_function("fold", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| black_box(Normalized::new(&d.text)).as_str().len())
                .sum::<usize>()
        })
    });
    group.bench_function("tag", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| black_box(tagger.tag(&d.text)).mentions.len())
                .sum::<usize>()
        })
    });
    let models = SyntaxModels::load();
    let model = |d: &Document| models.for_doc(d);
    group.bench_function("tag+claims (no syntax)", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| {
                    let tags = tagger.tag(&d.text);
                    black_box(claims::extract(d, &tags, &patterns, None)).len()
                })
                .sum::<usize>()
        })
    });
    group.bench_function("tag+claims", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| {
                    let tags = tagger.tag(&d.text);
                    black_box(claims::extract(d, &tags, &patterns, model(d))).len()
                })
                .sum::<usize>()
        })
    });
    group.finish();
    c.bench_function("build-tagger", |b| {
        b.iter(|| black_box(Tagger::new(&patterns).expect("builds")))
    });
}

criterion_group!(benches, stages);
criterion_main!(benches);
