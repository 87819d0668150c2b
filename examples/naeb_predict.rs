//! Runs sitrep's HTML extraction over the NAEB benchmark and writes the
//! predictions for `score_extraction.py`.
//!
//! usage: cargo run --release --example naeb_predict -- NAEB_DIR OUT.json [--drop-clutter]
//!
//! With `--drop-clutter`, the lines the tagger skips as page clutter (`extract::clutter`) are
//! left out of the predicted body, and every such line is looked up in the truth body: a
//! clutter line found there is real content the tagger would skip.
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
    let (dir, out, drop_clutter) = match args.as_slice() {
        [dir, out] => (dir, out, false),
        [dir, out, flag] if flag == "--drop-clutter" => (dir, out, true),
        _ => {
            eprintln!("usage: naeb_predict NAEB_DIR OUT.json [--drop-clutter]");
            return ExitCode::from(2);
        }
    };
    match run(Path::new(dir), Path::new(out), drop_clutter) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("naeb_predict: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(dir: &Path, out: &Path, drop_clutter: bool) -> Result<(), Box<dyn Error>> {
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
    let lexicon = sitrep::patterns::PatternSet::load_dir(&patterns_dir)?.lexicon;
    let labels = lexicon.byline_labels.clone();
    let mut preds = Map::new();
    let mut clutter = Vec::new();
    let mut failures = 0usize;
    let start = Instant::now();
    for (id, url, raw) in &pages {
        let (html, _encoding) = decode_html(raw, None);
        let pred = match extract_html(&html, url.as_deref(), &labels) {
            Ok(mut a) => {
                if drop_clutter {
                    let spans = sitrep::extract::clutter::spans(&a.text, &lexicon);
                    for s in spans.iter().rev() {
                        clutter.push((id.clone(), a.text[s.start..s.end].to_string()));
                        a.text.replace_range(s.start..s.end, "");
                    }
                }
                json!({
                "articleBody": a.text,
                "title": a.title.unwrap_or_default(),
                "date": a.published.map(|d| d.to_string()).unwrap_or_default(),
                "authors": a.byline.unwrap_or_default(),
                })
            }
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
    if drop_clutter {
        let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let (mut lines, mut in_truth, mut pages) = (0, 0, std::collections::BTreeSet::new());
        for (id, block) in &clutter {
            let body = squash(truth[id]["articleBody"].as_str().unwrap_or_default());
            for line in block.lines().map(squash).filter(|l| !l.is_empty()) {
                lines += 1;
                pages.insert(id);
                if body.contains(&line) {
                    in_truth += 1;
                    println!("  in truth body: {id}: {line}");
                }
            }
        }
        println!(
            "clutter: {lines} lines on {} pages, {in_truth} of them in the truth body",
            pages.len()
        );
    }
    println!("wrote {}", out.display());
    Ok(())
}
