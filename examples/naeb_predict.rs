//! Runs sitrep's HTML extraction over the NAEB benchmark and writes the
//! predictions for `score_extraction.py`.
//!
//! usage: cargo run --release --example naeb_predict -- NAEB_DIR OUT.json
//!
//! Reads every `NAEB_DIR/html/<id>.html.gz`, decodes it with
//! `extract::charset::decode_html`, extracts it with
//! `extract::html::extract_html` (passing the page URL from
//! `articles.json` when present), and prints single-thread pages/s for
//! decoding plus extraction; gzip and file reading are not timed.

use std::{error::Error, fs, io::Read, path::Path, process::ExitCode, time::Instant};

use serde_json::{Map, Value, json};
use sitrep::extract::{charset::decode_html, html::EXTRACTOR_VERSION, html::extract_html};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, out] = args.as_slice() else {
        eprintln!("usage: naeb_predict NAEB_DIR OUT.json");
        return ExitCode::from(2);
    };
    match run(Path::new(dir), Path::new(out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("naeb_predict: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(dir: &Path, out: &Path) -> Result<(), Box<dyn Error>> {
    // URLs are optional: without articles.json the pages are still extracted.
    let truth: Value = fs::read(dir.join("articles.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);

    let mut pages = Vec::new();
    let mut paths: Vec<_> = fs::read_dir(dir.join("html"))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    paths.sort();
    for path in paths {
        let Some(id) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".html.gz"))
        else {
            continue;
        };
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(fs::File::open(&path)?)
            .read_to_end(&mut raw)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let url = truth[id]["url"].as_str().map(str::to_owned);
        pages.push((id.to_owned(), url, raw));
    }
    if pages.is_empty() {
        return Err(format!("no html/*.html.gz files under {}", dir.display()).into());
    }

    // The byline lead-ins the shipped lexicon drops.
    let patterns_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("patterns");
    let labels = sitrep::patterns::PatternSet::load_dir(&patterns_dir)?
        .lexicon
        .byline_labels;
    let mut preds = Map::new();
    let mut failures = 0usize;
    let start = Instant::now();
    for (id, url, raw) in &pages {
        let (html, _encoding) = decode_html(raw, None);
        let pred = match extract_html(&html, url.as_deref(), &labels) {
            Ok(a) => json!({
                "articleBody": a.text,
                "title": a.title.unwrap_or_default(),
                "date": a.published.map(|d| d.to_string()).unwrap_or_default(),
                "authors": a.byline.unwrap_or_default(),
            }),
            Err(e) => {
                failures += 1;
                eprintln!("{id}: {e}");
                json!({"articleBody": "", "title": "", "date": "", "authors": ""})
            }
        };
        preds.insert(id.clone(), pred);
    }
    let secs = start.elapsed().as_secs_f64();

    fs::write(out, serde_json::to_string_pretty(&preds)?)?;
    println!(
        "{EXTRACTOR_VERSION}: {} pages ({failures} failed) in {secs:.2} s = {:.1} pages/s (decode + extract, 1 thread)",
        pages.len(),
        pages.len() as f64 / secs
    );
    println!("wrote {}", out.display());
    Ok(())
}
