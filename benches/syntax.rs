//! Throughput of the syntax layer (tokenize + tag + parse) on the fixture articles' sentences,
//! per language, and the load time of a model from its bytes.
//!
//! Sentences: every `fixtures/articles/{en,fr}_*.txt`, cut by sitrep's own segmenter
//! (`claims::segment::segments`), as the claims stage will hand them over. Each iteration
//! parses every sentence of the language once with `Model::parse_text`, one thread.
//! Run: `cargo bench --bench syntax`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sitrep::claims::segment::segments;
use sitrep::patterns::PatternSet;
use sitrep::syntax::{Lang, Model, builtin};

fn sentences(patterns: &PatternSet, prefix: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/articles");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with(prefix) && name.ends_with(".txt")
        })
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        let text = std::fs::read_to_string(&p).expect("fixture readable");
        for seg in segments(&text, None, &patterns.lexicon) {
            let s = text[seg.span.start..seg.span.end].trim();
            if !s.is_empty() {
                out.push(s.to_string());
            }
        }
    }
    out
}

fn syntax(c: &mut Criterion) {
    let patterns = PatternSet::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("patterns"))
        .expect("patterns load");
    for (lang, prefix) in [(Lang::En, "en_"), (Lang::Fr, "fr_")] {
        let model = builtin(lang).expect("built-in model");
        let sents = sentences(&patterns, prefix);
        let mut group = c.benchmark_group(format!("syntax-{lang}"));
        group
            .throughput(Throughput::Elements(sents.len() as u64))
            .sample_size(20);
        group.bench_function("parse_text (sentences)", |b| {
            b.iter(|| {
                sents
                    .iter()
                    .map(|s| black_box(model.parse_text(s, 0)).len())
                    .sum::<usize>()
            })
        });
        group.finish();
        let bytes = model.to_bytes();
        c.bench_function(&format!("syntax-{lang}/from_bytes"), |b| {
            b.iter(|| black_box(Model::from_bytes(&bytes).expect("loads")))
        });
    }
}

criterion_group!(benches, syntax);
criterion_main!(benches);
