//! Writes the issue-4 benchmark corpus: `target/bench-corpus/corpus.jsonl` (at least 100 MiB
//! of article text) and `target/bench-corpus/patterns.txt` (every surface form of the pattern
//! set, one per line), so that `benches/stages.rs` and the Python peers in `bench/peers/` run
//! over the same texts and the same patterns.
//!
//! usage: cargo run --release --example bench_corpus [-- OUT_DIR [TARGET_BYTES]]
//!
//! The base documents are every fixture (`fixtures/seeds`, `fixtures/articles`,
//! `fixtures/html`) and every NAEB page (`../shared/data/naeb/html/*.html.gz`), each read and
//! extracted once with sitrep's own reader and extractor (`fetch::local::read`,
//! `extract::extract`), as `sitrep ingest` does. Copies are then appended, round after round
//! over the base documents, until the text reaches TARGET_BYTES (default 100 MiB). Round 0 is
//! the extracted text as is. In round k ≥ 1 each document with three or more paragraphs
//! leaves out one of them (never the first, which holds the dateline), a different one each
//! round, so copies differ (paragraphs are lines of the extracted text). Shorter documents
//! are copied unchanged.
//!
//! One JSON object per line: `{"id", "text", "published", "lang"}` (`published`: ISO date or
//! null, `lang`: detected language or null). The Python peers read `id` and `text`; the Rust
//! bench also uses `published` (claims resolve relative dates against it).
//!
//! `patterns.txt` holds, in pattern-set order and without exact repeats, every entity alias,
//! every generic-reference term ("the embassy") and every cue term ("blockade", "selon"):
//! exactly the strings sitrep's tagger puts in its Aho-Corasick automaton, before folding.

// `benches/stages.rs` includes this file as a module; some helpers are only used there.
#![allow(dead_code)]

use std::error::Error;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use sitrep::extract::{self, Overrides};
use sitrep::fetch::local;
use sitrep::patterns::PatternSet;

/// Default corpus size: 100 MiB of article text (UTF-8 bytes of `text`).
pub const DEFAULT_TARGET_BYTES: usize = 100 * 1024 * 1024;

/// One line of `corpus.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Article {
    pub id: String,
    pub text: String,
    pub published: Option<String>,
    pub lang: Option<String>,
}

/// The crate root (where `patterns/` and `fixtures/` are).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where the corpus goes by default: `target/bench-corpus/`.
pub fn default_dir() -> PathBuf {
    root().join("target").join("bench-corpus")
}

/// The NAEB data set, beside the repository.
pub fn naeb_html_dir() -> PathBuf {
    root().join("../shared/data/naeb/html")
}

pub fn load_patterns() -> PatternSet {
    PatternSet::load_dir(&root().join("patterns")).expect("patterns/ loads")
}

/// Every surface form the tagger's automaton holds: entity aliases, generic terms, cue terms.
pub fn surface_forms(patterns: &PatternSet) -> Vec<String> {
    let entities = patterns
        .entities
        .iter()
        .flat_map(|e| e.aliases.iter().map(|a| &a.text));
    let generics = patterns
        .generics
        .iter()
        .flat_map(|g| g.terms.iter().map(|t| &t.text));
    let cues = patterns
        .cues
        .iter()
        .flat_map(|c| c.terms.iter().map(|t| &t.text));
    let mut seen = std::collections::HashSet::new();
    entities
        .chain(generics)
        .chain(cues)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty() && !s.contains('\n') && seen.insert(s.clone()))
        .collect()
}

/// The NAEB page files, sorted.
pub fn naeb_pages() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(naeb_html_dir())
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.retain(|p| p.to_string_lossy().ends_with(".html.gz"));
    paths.sort();
    paths
}

/// Reads and extracts every file under `dirs` (fixtures: `.txt`, `.html`; NAEB: `.html.gz`).
/// Files that do not extract (none, at the time of writing) are skipped and counted.
pub fn extract_dir(dirs: &[PathBuf], patterns: &PatternSet, prefix: &str) -> Vec<Article> {
    let mut out = Vec::new();
    let mut failed = 0;
    for path in local::discover(dirs)
        .into_iter()
        .filter_map(local::Found::input)
    {
        let Ok(raw) = local::read(&path, &Overrides::default()).result else {
            failed += 1;
            continue;
        };
        match extract::extract(&raw, &patterns.lexicon) {
            Ok(doc) => {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                out.push(Article {
                    id: format!("{prefix}/{name}"),
                    text: doc.text,
                    published: doc.published.map(|d| d.to_string()),
                    lang: doc.language.map(|l| l.as_str().to_string()),
                });
            }
            Err(_) => failed += 1,
        }
    }
    if failed > 0 {
        eprintln!("bench_corpus: {prefix}: {failed} file(s) skipped (unreadable or empty)");
    }
    out
}

/// The fixture articles (seeds, text articles, HTML), extracted.
pub fn fixture_articles(patterns: &PatternSet) -> Vec<Article> {
    let f = root().join("fixtures");
    extract_dir(
        &[f.join("seeds"), f.join("articles"), f.join("html")],
        patterns,
        "fixtures",
    )
}

/// The NAEB pages, extracted.
pub fn naeb_articles(patterns: &PatternSet) -> Vec<Article> {
    extract_dir(&[naeb_html_dir()], patterns, "naeb")
}

/// `base` repeated with light variation (see the module doc) until the text reaches `target`.
pub fn grow(base: &[Article], target: usize) -> Vec<Article> {
    assert!(
        base.iter().any(|a| !a.text.is_empty()),
        "no base text to grow"
    );
    let mut out = Vec::new();
    let mut bytes = 0;
    let mut round = 0usize;
    while bytes < target {
        for a in base {
            if bytes >= target {
                break;
            }
            let text = if round == 0 {
                a.text.clone()
            } else {
                vary(&a.text, round)
            };
            bytes += text.len();
            out.push(Article {
                id: format!("{}#{round}", a.id),
                text,
                published: a.published.clone(),
                lang: a.lang.clone(),
            });
        }
        round += 1;
    }
    out
}

/// Round `round` of a text: one paragraph (line; not the first) left out, when there are
/// three or more.
fn vary(text: &str, round: usize) -> String {
    let paras: Vec<&str> = text.split('\n').collect();
    if paras.len() < 3 {
        return text.to_string();
    }
    let skip = 1 + (round - 1) % (paras.len() - 1);
    paras
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != skip)
        .map(|(_, p)| *p)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Builds the corpus in memory: fixtures + NAEB pages, grown to `target` bytes.
pub fn build(patterns: &PatternSet, target: usize) -> Vec<Article> {
    let mut base = fixture_articles(patterns);
    base.extend(naeb_articles(patterns));
    grow(&base, target)
}

pub fn write_jsonl(path: &Path, articles: &[Article]) -> std::io::Result<()> {
    let mut w = BufWriter::new(std::fs::File::create(path)?);
    for a in articles {
        serde_json::to_writer(&mut w, a)?;
        w.write_all(b"\n")?;
    }
    w.flush()
}

pub fn read_jsonl(path: &Path) -> Result<Vec<Article>, Box<dyn Error>> {
    let text = std::fs::read_to_string(path)?;
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        out.push(serde_json::from_str(line)?);
    }
    Ok(out)
}

/// Writes `corpus.jsonl` and `patterns.txt` into `dir`; returns the articles written.
pub fn generate(dir: &Path, target: usize) -> Result<Vec<Article>, Box<dyn Error>> {
    std::fs::create_dir_all(dir)?;
    let patterns = load_patterns();
    let forms = surface_forms(&patterns);
    std::fs::write(dir.join("patterns.txt"), forms.join("\n") + "\n")?;
    let articles = build(&patterns, target);
    write_jsonl(&dir.join("corpus.jsonl"), &articles)?;
    Ok(articles)
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args.first().map_or_else(default_dir, PathBuf::from);
    let target = match args.get(1) {
        Some(n) => n.parse()?,
        None => DEFAULT_TARGET_BYTES,
    };
    let start = Instant::now();
    let articles = generate(&dir, target)?;
    let bytes: usize = articles.iter().map(|a| a.text.len()).sum();
    let base = articles.iter().filter(|a| a.id.ends_with("#0")).count();
    let forms = std::fs::read_to_string(dir.join("patterns.txt"))?
        .lines()
        .count();
    println!(
        "wrote {}: {} articles ({base} base documents), {bytes} bytes of text ({:.1} MB) in {:.1} s",
        dir.join("corpus.jsonl").display(),
        articles.len(),
        bytes as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );
    println!(
        "wrote {}: {forms} surface forms",
        dir.join("patterns.txt").display()
    );
    Ok(())
}
