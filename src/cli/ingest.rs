//! `sitrep extract`: one document through the pure stages, printed, nothing written.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde_json::json;
use sitrep::extract::{Overrides, RawDocument};
use sitrep::fetch::local;
use sitrep::patterns::PatternSet;
use sitrep::pipeline::{Analysis, Pipeline};

/// Runs the pure stages, turning a panic (a bug, never expected) into an error for this
/// document only, so one bad input cannot stop a batch.
pub(super) fn process(pipeline: &Pipeline, raw: &RawDocument) -> Result<Analysis> {
    Ok(pipeline.process_isolated(raw)?)
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
        "new_roads": a.roads,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(ExitCode::SUCCESS)
}
