//! NAEB comparison harness for Rust main-text extraction crates.
//!
//! usage: naeb-extraction-bench NAEB_DIR EXTRACTOR OUT.json [--repeat N]
//!
//! Loads every `html/<id>.html.gz` into memory, decodes it with sitrep's own
//! `charset.rs`, then times only the extraction calls, single-threaded,
//! `--repeat` times. Prints the pages/s of each pass and their median, and
//! writes the first pass's output in the format `score_extraction.py` reads.
//!
//! sitrep's `charset.rs` and `html.rs` are compiled in by path, so the
//! `sitrep` row measures exactly the code the pipeline ships.

#[path = "../../../src/extract/charset.rs"]
mod charset;
#[path = "../../../src/extract/html.rs"]
mod html;

use std::{fs, io::Read, path::Path, time::Instant};

use chrono::NaiveDate;
use serde_json::{Map, Value, json};

/// One extractor's answer for one page, already normalised for scoring.
#[derive(Default)]
struct Pred {
    body: String,
    title: String,
    date: Option<NaiveDate>,
    authors: String,
}

const EXTRACTORS: &[&str] = &[
    "trafilatura",
    "trafilatura-fallback",
    "libreadability",
    "dom_smoothie",
    "sitrep",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || {
        format!(
            "usage: naeb-extraction-bench NAEB_DIR EXTRACTOR OUT.json [--repeat N]\nextractors: {}",
            EXTRACTORS.join(", ")
        )
    };
    let [dir, extractor, out] = args.get(..3).ok_or_else(usage)? else {
        return Err(usage().into());
    };
    if !EXTRACTORS.contains(&extractor.as_str()) {
        return Err(usage().into());
    }
    let repeat: usize = match args.get(3..5) {
        Some([flag, n]) if flag == "--repeat" => n.parse()?,
        _ => 1,
    };

    let pages = load_pages(Path::new(dir))?;
    let mut rates = Vec::new();
    let mut first: Option<Map<String, Value>> = None;
    for pass in 0..repeat.max(1) {
        let mut preds = Map::new();
        let start = Instant::now();
        for (id, url, html) in &pages {
            let p = run(extractor, html, url.as_deref());
            preds.insert(
                id.clone(),
                json!({
                    "articleBody": p.body,
                    "title": p.title,
                    "date": p.date.map(|d| d.to_string()).unwrap_or_default(),
                    "authors": p.authors,
                }),
            );
        }
        let secs = start.elapsed().as_secs_f64();
        let rate = pages.len() as f64 / secs;
        eprintln!(
            "pass {pass}: {} pages in {secs:.2} s = {rate:.1} pages/s",
            pages.len()
        );
        rates.push(rate);
        first.get_or_insert(preds);
    }
    rates.sort_by(f64::total_cmp);
    let median = rates[rates.len() / 2];
    let name = if extractor == "sitrep" {
        html::EXTRACTOR_VERSION
    } else {
        extractor
    };
    let (lo, hi) = (rates[0], rates[rates.len() - 1]);
    println!(
        "{name}: median {median:.1} pages/s (range {lo:.1}-{hi:.1}) over {} passes",
        rates.len()
    );
    fs::write(out, serde_json::to_string(&first.unwrap_or_default())?)?;
    Ok(())
}

type Page = (String, Option<String>, String);

fn load_pages(dir: &Path) -> Result<Vec<Page>, Box<dyn std::error::Error>> {
    let truth: Value = serde_json::from_slice(&fs::read(dir.join("articles.json"))?)?;
    let mut pages = Vec::new();
    let mut entries: Vec<_> = fs::read_dir(dir.join("html"))?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(id) = name.strip_suffix(".html.gz") else {
            continue;
        };
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(fs::File::open(entry.path())?).read_to_end(&mut raw)?;
        let (html, _) = charset::decode_html(&raw, None);
        let url = truth[id]["url"].as_str().map(str::to_owned);
        pages.push((id.to_owned(), url, html));
    }
    Ok(pages)
}

fn run(extractor: &str, html: &str, url: Option<&str>) -> Pred {
    match extractor {
        "trafilatura" => trafilatura(html, url, false),
        "trafilatura-fallback" => trafilatura(html, url, true),
        "libreadability" => libreadability(html, url),
        "dom_smoothie" => dom_smoothie(html, url),
        "sitrep" => match html::extract_html(html, url) {
            Ok(a) => Pred {
                body: a.text,
                title: a.title.unwrap_or_default(),
                date: a.published,
                authors: a.byline.unwrap_or_default(),
            },
            Err(_) => Pred::default(),
        },
        _ => Pred::default(),
    }
}

/// Crate defaults, except the readability fallback when asked for.
fn trafilatura(html: &str, url: Option<&str>, fallback: bool) -> Pred {
    let mut opts = trafilatura::Options::default().with_fallback(fallback);
    if let Some(u) = url.and_then(|u| url::Url::parse(u).ok()) {
        opts = opts.with_url(u);
    }
    match trafilatura::extract(html, &opts) {
        Ok(r) => Pred {
            body: r.content_text,
            title: r.metadata.title,
            date: r.metadata.date,
            authors: authors(&r.metadata.author),
        },
        Err(_) => Pred::default(),
    }
}

fn libreadability(html: &str, url: Option<&str>) -> Pred {
    match libreadability::extract(html, url) {
        Ok(a) => Pred {
            body: a.text_content,
            title: a.title,
            date: date(&a.published_time),
            authors: authors(&a.byline),
        },
        Err(_) => Pred::default(),
    }
}

/// Formatted text mode keeps paragraph breaks (the default runs them together).
fn dom_smoothie(html: &str, url: Option<&str>) -> Pred {
    let cfg = dom_smoothie::Config {
        text_mode: dom_smoothie::TextMode::Formatted,
        ..Default::default()
    };
    let parsed = dom_smoothie::Readability::new(html, url, Some(cfg)).and_then(|mut r| r.parse());
    match parsed {
        Ok(a) => Pred {
            body: a.text_content.to_string(),
            title: a.title,
            date: a.published_time.as_deref().and_then(date),
            authors: a.byline.as_deref().map(authors).unwrap_or_default(),
        },
        Err(_) => Pred::default(),
    }
}

/// Leading `YYYY-MM-DD` of an ISO-8601 timestamp.
fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim().get(..10)?, "%Y-%m-%d").ok()
}

/// trafilatura joins several authors with "; ", the truth with ", ".
fn authors(s: &str) -> String {
    s.replace(';', ",")
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}
