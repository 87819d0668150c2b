//! Trains the shipped syntax models (`models/en.syntax`, `models/fr.syntax`) from the
//! Universal Dependencies treebanks in `../shared/data/ud`. Deterministic (fixed seed): the
//! same data gives the same bytes.
//!
//! usage: cargo run --release --example train_syntax -- --ud ../shared/data/ud --out models [--lang en|fr] [--max-mb 4]
//!
//! Training data (see models/README.md for licences):
//! - English: UD_English-EWT dev + UD_English-PUD. Never EWT test (the held-out figure), never
//!   GUM (non-commercial: evaluation only).
//! - French: UD_French-Sequoia train + dev, UD_French-GSD dev + test, UD_French-ParisStories
//!   train + dev + test. Never Sequoia test (the held-out figure); French PUD is kept out as
//!   a second held-out set.
//!
//! After training, prints held-out figures (EWT test / Sequoia test) as a check;
//! `examples/eval_syntax.rs` is the full evaluation.

use std::error::Error;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use sitrep::syntax::conllu::{self, GoldSentence};
use sitrep::syntax::train::{TrainConfig, evaluate, prune, train};
use sitrep::syntax::{Lang, Model};

fn read(ud: &Path, file: &str) -> Result<Vec<GoldSentence>, Box<dyn Error>> {
    let path = ud.join(file);
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(&path)?).read_to_string(&mut text)?;
    Ok(conllu::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?)
}

pub const EN_TRAIN: &[&str] = &[
    "UD_English-EWT/en_ewt-ud-dev.conllu.gz",
    "UD_English-PUD/en_pud-ud-test.conllu.gz",
];
pub const FR_TRAIN: &[&str] = &[
    "UD_French-Sequoia/fr_sequoia-ud-train.conllu.gz",
    "UD_French-Sequoia/fr_sequoia-ud-dev.conllu.gz",
    "UD_French-GSD/fr_gsd-ud-dev.conllu.gz",
    "UD_French-GSD/fr_gsd-ud-test.conllu.gz",
    "UD_French-ParisStories/fr_parisstories-ud-train.conllu.gz",
    "UD_French-ParisStories/fr_parisstories-ud-dev.conllu.gz",
    "UD_French-ParisStories/fr_parisstories-ud-test.conllu.gz",
];

fn main() -> Result<(), Box<dyn Error>> {
    let mut ud = PathBuf::from("../shared/data/ud");
    let mut out = PathBuf::from("models");
    let mut langs = vec![Lang::En, Lang::Fr];
    let mut cfg = TrainConfig::default();
    let mut max_mb: f64 = 4.0;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--ud" => ud = PathBuf::from(val()?),
            "--out" => out = PathBuf::from(val()?),
            "--lang" => langs = vec![val()?.parse()?],
            "--parser-epochs" => cfg.parser_epochs = val()?.parse()?,
            "--tagger-epochs" => cfg.tagger_epochs = val()?.parse()?,
            "--folds" => cfg.folds = val()?.parse()?,
            "--max-mb" => max_mb = val()?.parse()?,
            _ => return Err(format!("unknown argument {a}").into()),
        }
    }
    std::fs::create_dir_all(&out)?;
    for lang in langs {
        let (files, test) = match lang {
            Lang::En => (EN_TRAIN, "UD_English-EWT/en_ewt-ud-test.conllu.gz"),
            Lang::Fr => (FR_TRAIN, "UD_French-Sequoia/fr_sequoia-ud-test.conllu.gz"),
        };
        let mut sents = Vec::new();
        for f in files {
            sents.extend(read(&ud, f)?);
        }
        let t = Instant::now();
        let model = train(lang, &sents, &cfg, &mut |m| eprintln!("[{lang}] {m}"))?;
        eprintln!("[{lang}] trained in {:.1} s", t.elapsed().as_secs_f64());
        // Size budget: drop the smallest weights (same threshold, in units of each
        // table's max|w|/32767, for tagger and parser) until the file fits. Chosen by size
        // alone, never by a test score; the held-out figures are printed for the record.
        let test_sents = read(&ud, test)?;
        let mut chosen = None;
        for t in [
            0i16, 100, 200, 300, 400, 500, 600, 800, 1000, 1200, 1250, 1300, 1400, 1500, 2000, 3000,
        ] {
            let m = if t == 0 {
                model.clone()
            } else {
                prune(&model, t, t)
            };
            let bytes = m.to_bytes();
            let back = Model::from_bytes(&bytes)?;
            let sc = evaluate(&back, &test_sents);
            let (tf, pf) = back.feature_counts();
            println!(
                "{lang} prune {t:>4}: {:>6.2} MB ({tf} + {pf} features); held-out {test}: UPOS {:.4} UAS {:.4} LAS {:.4} (universal {:.4})",
                bytes.len() as f64 / 1e6,
                sc.upos_acc(),
                sc.uas_acc(),
                sc.las_acc(),
                sc.las_universal_acc()
            );
            if bytes.len() as f64 <= max_mb * 1e6 {
                chosen = Some((back, bytes));
                break;
            }
        }
        let (model, bytes) = chosen.ok_or("no pruning level fits --max-mb")?;
        let path = out.join(format!("{}.syntax", lang.as_str()));
        std::fs::write(&path, &bytes)?;
        println!(
            "{}: {} ({} bytes)",
            path.display(),
            model.version(),
            bytes.len()
        );
    }
    Ok(())
}
