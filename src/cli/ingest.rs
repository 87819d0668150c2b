//! `sitrep ingest` and `sitrep extract`: local files through the pipeline.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde_json::json;
use sitrep::extract::{Overrides, RawDocument};
use sitrep::fetch::http::body_hash;
use sitrep::fetch::local;
use sitrep::patterns::PatternSet;
use sitrep::pipeline::{Analysis, Pipeline};
use sitrep::store::{RawPage, RunStats, Store, Stored};

/// Articles written per transaction.
const BATCH: usize = 64;

/// Runs the pure stages, turning a panic (a bug, never expected) into an error for this
/// document only, so one bad input cannot stop a batch.
fn process(pipeline: &Pipeline, raw: &RawDocument) -> Result<Analysis> {
    match catch_unwind(AssertUnwindSafe(|| pipeline.process(raw))) {
        Ok(result) => Ok(result?),
        Err(_) => anyhow::bail!("internal error while processing this document (please report it)"),
    }
}

fn flush(
    store: &mut Store,
    batch: &mut Vec<(RawDocument, Analysis)>,
    run: sitrep::store::RunId,
    stats: &mut RunStats,
) -> Result<()> {
    let now = chrono::Utc::now();
    let hashes: Vec<String> = batch.iter().map(|(raw, _)| body_hash(&raw.bytes)).collect();
    let rows: Vec<_> = batch
        .iter()
        .zip(&hashes)
        .map(|((raw, analysis), hash)| {
            let origin = raw
                .source
                .url
                .as_deref()
                .or(raw.source.path.as_deref())
                .unwrap_or("-");
            let page = RawPage {
                url: origin,
                final_url: origin,
                status: 200,
                fetched_at: now,
                content_type: raw.content_type.as_deref(),
                headers: &[],
                body: &raw.bytes,
                body_hash: hash,
                format: raw.format,
                overrides: &raw.overrides,
            };
            (analysis, page)
        })
        .collect();
    for stored in store.insert_documents(&rows, Some(run))? {
        match stored {
            Stored::New { claims, .. } => {
                stats.added += 1;
                stats.claims += claims as u64;
            }
            Stored::Duplicate(_) => stats.duplicates += 1,
        }
    }
    batch.clear();
    Ok(())
}

pub fn ingest(
    db: &Path,
    patterns: &PatternSet,
    paths: &[PathBuf],
    overrides: &Overrides,
    quiet: bool,
) -> Result<ExitCode> {
    let pipeline = Pipeline::new(patterns)?;
    let mut store = Store::open(db)?;
    store.sync_patterns(patterns)?;
    let run = store.begin_run("ingest", patterns)?;
    let mut stats = RunStats::default();
    let mut batch = Vec::with_capacity(BATCH);
    for found in local::discover(paths) {
        stats.inputs += 1;
        let path = match found {
            Ok(p) => p,
            Err(e) => {
                stats.failed += 1;
                eprintln!("sitrep: skipped {e}");
                continue;
            }
        };
        let fetched = local::read(&path, overrides);
        let analysis = fetched
            .result
            .map_err(anyhow::Error::from)
            .and_then(|raw| process(&pipeline, &raw).map(|a| (raw, a)));
        match analysis {
            Ok(pair) => batch.push(pair),
            Err(e) => {
                stats.failed += 1;
                eprintln!("sitrep: skipped {}: {e:#}", fetched.origin);
            }
        }
        if batch.len() >= BATCH {
            flush(&mut store, &mut batch, run, &mut stats)?;
        }
    }
    flush(&mut store, &mut batch, run, &mut stats)?;
    let status = if stats.failed > 0 { "partial" } else { "ok" };
    store.finish_run(run, stats, status)?;
    if !quiet {
        eprintln!(
            "sitrep: {} input(s): {} new article(s), {} already stored, {} failed; {} claim(s) into {} (patterns {})",
            stats.inputs,
            stats.added,
            stats.duplicates,
            stats.failed,
            stats.claims,
            db.display(),
            patterns.version.0
        );
    }
    Ok(if stats.failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

pub fn extract(
    patterns: &PatternSet,
    path: &Path,
    overrides: &Overrides,
    no_text: bool,
) -> Result<ExitCode> {
    let pipeline = Pipeline::new(patterns)?;
    let raw = local::read(path, overrides).result?;
    let a = process(&pipeline, &raw).with_context(|| path.display().to_string())?;
    let text = &a.document.text;
    let mentions: Vec<_> = a
        .mentions
        .iter()
        .map(|m| json!({"entity": m.entity, "kind": m.kind, "text": &text[m.span.start..m.span.end], "start": m.span.start, "end": m.span.end, "via": m.via}))
        .collect();
    let claims: Vec<_> = a
        .claims
        .iter()
        .map(|c| {
            let mut v = serde_json::to_value(c).unwrap_or_default();
            v["sentence"] = json!(&text[c.evidence.sentence.start..c.evidence.sentence.end]);
            v
        })
        .collect();
    let d = &a.document;
    let out = json!({
        "title": d.title, "byline": d.byline, "published": d.published, "language": d.language,
        "dateline": d.dateline, "source": d.source, "format": d.format,
        "pattern_version": a.pattern_version,
        "text": if no_text { None } else { Some(text) },
        "mentions": mentions,
        "claims": claims,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(ExitCode::SUCCESS)
}
