//! Held-out accuracy and speed of the syntax models, with gold tokens (the syntactic words
//! of the CoNLL-U files: multiword-token lines and empty nodes skipped).
//!
//! usage: cargo run --release --example eval_syntax -- [--ud ../shared/data/ud] [--models DIR]
//!
//! Without `--models`, evaluates the models embedded in the library (`models/*.syntax`).
//! Prints, per test set: UPOS accuracy, UAS, LAS with the full label (`nsubj:pass`) and
//! with the universal label (before `:`), punctuation included (CoNLL 2018 style), lemma
//! accuracy (exact match), and
//! sentences per second on one thread (tagging + parsing, best of 3 passes). Also model
//! size and `Model::from_bytes` time (median of 21 loads).

use std::error::Error;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use sitrep::syntax::conllu::{self, GoldSentence};
use sitrep::syntax::train::{evaluate, prune};
use sitrep::syntax::{Lang, Model};

fn read(ud: &Path, file: &str) -> Result<Vec<GoldSentence>, Box<dyn Error>> {
    let path = ud.join(file);
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(&path)?).read_to_string(&mut text)?;
    Ok(conllu::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?)
}

const SETS: &[(Lang, &str, &str)] = &[
    (
        Lang::En,
        "EWT test",
        "UD_English-EWT/en_ewt-ud-test.conllu.gz",
    ),
    (
        Lang::En,
        "GUM test (eval only)",
        "UD_English-GUM/en_gum-ud-test.conllu.gz",
    ),
    (
        Lang::En,
        "GUM dev (eval only)",
        "UD_English-GUM/en_gum-ud-dev.conllu.gz",
    ),
    (
        Lang::Fr,
        "Sequoia test",
        "UD_French-Sequoia/fr_sequoia-ud-test.conllu.gz",
    ),
    (
        Lang::Fr,
        "French PUD (held out)",
        "UD_French-PUD/fr_pud-ud-test.conllu.gz",
    ),
];

fn main() -> Result<(), Box<dyn Error>> {
    let mut ud = PathBuf::from("../shared/data/ud");
    let mut models_dir: Option<PathBuf> = None;
    let mut prune_at: Option<i16> = None;
    let mut langs = vec![Lang::En, Lang::Fr];
    let mut naeb: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--ud" => ud = PathBuf::from(val()?),
            "--models" => models_dir = Some(PathBuf::from(val()?)),
            "--naeb" => naeb = Some(PathBuf::from(val()?)),
            "--lang" => langs = vec![val()?.parse()?],
            "--prune" => prune_at = Some(val()?.parse()?),
            _ => return Err(format!("unknown argument {a}").into()),
        }
    }
    for lang in langs {
        let bytes = match &models_dir {
            Some(d) => std::fs::read(d.join(format!("{}.syntax", lang.as_str())))?,
            None => sitrep::syntax::builtin(lang)?.to_bytes(),
        };
        let mut model = Model::from_bytes(&bytes)?;
        if let Some(p) = prune_at {
            model = prune(&model, 1, p);
        }
        let bytes = model.to_bytes();
        let mut loads: Vec<f64> = (0..21)
            .map(|_| {
                let t = Instant::now();
                let m = Model::from_bytes(&bytes).expect("loads");
                let dt = t.elapsed().as_secs_f64();
                drop(m);
                dt
            })
            .collect();
        loads.sort_by(f64::total_cmp);
        let (tf, pf) = model.feature_counts();
        println!(
            "{lang} model {}: {:.2} MB, {tf} tagger + {pf} parser features, from_bytes {:.1} ms",
            model.version(),
            bytes.len() as f64 / 1e6,
            loads[10] * 1e3
        );
        for &(l, name, file) in SETS {
            if l != lang {
                continue;
            }
            let sents = read(&ud, file)?;
            let sc = evaluate(&model, &sents);
            let forms: Vec<Vec<&str>> = sents.iter().map(|s| s.forms()).collect();
            let best = (0..3)
                .map(|_| {
                    let t = Instant::now();
                    for f in &forms {
                        std::hint::black_box(model.parse_words(f));
                    }
                    t.elapsed().as_secs_f64()
                })
                .fold(f64::INFINITY, f64::min);
            println!(
                "  {name:<24} {:>5} sents {:>6} words  UPOS {:.4}  UAS {:.4}  LAS {:.4}  LAS-univ {:.4}  lemma {:.4}  {:>6.0} sent/s  {:>7.0} words/s",
                sc.sentences,
                sc.words,
                sc.upos_acc(),
                sc.uas_acc(),
                sc.las_acc(),
                sc.las_universal_acc(),
                sc.lemma_acc(),
                sc.sentences as f64 / best,
                sc.words as f64 / best
            );
        }
    }
    if let Some(dir) = naeb {
        naeb_throughput(&dir)?;
    }
    Ok(())
}

/// Raw-text throughput on the NAEB article bodies (English): sitrep's segmenter, then
/// `parse_text` on every segment. The peer is `bench/peers/spacy_throughput.py`.
fn naeb_throughput(dir: &Path) -> Result<(), Box<dyn Error>> {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("articles.json"))?)?;
    let mut arts: Vec<(i64, String)> = json
        .as_object()
        .ok_or("articles.json: not an object")?
        .values()
        .filter_map(|a| Some((a["id"].as_i64()?, a["articleBody"].as_str()?.to_string())))
        .filter(|(_, t)| !t.is_empty())
        .collect();
    arts.sort();
    let patterns = sitrep::patterns::PatternSet::embedded()?;
    let model = sitrep::syntax::builtin(Lang::En)?;
    let size: usize = arts.iter().map(|(_, t)| t.len()).sum();
    let run = |parse: bool| {
        let t = Instant::now();
        let mut words = 0;
        for (_, text) in &arts {
            let segs = std::hint::black_box(sitrep::claims::segment::segments(
                text,
                None,
                &patterns.lexicon,
            ));
            for seg in segs {
                if parse {
                    words += model
                        .parse_text(&text[seg.span.start..seg.span.end], seg.span.start)
                        .len();
                }
            }
        }
        (t.elapsed().as_secs_f64(), words)
    };
    for (name, parse) in [("segment + parse_text", true)] {
        let (mut best, mut words) = (f64::INFINITY, 0);
        for _ in 0..3 {
            let (dt, w) = run(parse);
            best = best.min(dt);
            words = w;
        }
        println!(
            "NAEB {name:<22} {} pages {:.2} MB: {:>7.1} pages/s {:>6.3} MB/s ({words} words)",
            arts.len(),
            size as f64 / 1e6,
            arts.len() as f64 / best,
            size as f64 / 1e6 / best
        );
    }
    Ok(())
}
