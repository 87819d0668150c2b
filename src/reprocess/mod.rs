//! Batch reprocessing: the stored articles through the current pipeline again, after the
//! patterns (or the extractor) changed.
//!
//! Articles are read in id order, a batch at a time (memory stays bounded whatever the
//! archive), processed on all cores with rayon, and written by this thread alone: each
//! batch's derived rows are replaced in one transaction together with a cursor, so a run
//! killed at any point resumes (`resume`) exactly after the last batch written, with no
//! duplicates and no gaps. [`diff`] does the same work without writing and reports what
//! would change.

pub mod diff;

use rayon::prelude::*;
use serde_json::json;
use tracing::warn;

use crate::model::PatternVersion;
use crate::pipeline::{Analysis, Pipeline};
use crate::store::{
    ArticleId, Input, RunId, RunStats, Selection, Store, StoreError, StoredArticle,
};

/// Articles read, processed and written per batch.
pub const BATCH: usize = 128;

/// Why a reprocess cannot run.
#[derive(Debug, thiserror::Error)]
pub enum ReprocessError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "the interrupted reprocess ran with pattern set {was}, the current one is {now}: run `sitrep reprocess` without --resume"
    )]
    PatternsChanged { was: String, now: String },
}

/// Told about progress; the command line draws a bar with it. Called from the writer thread.
pub trait Progress {
    fn start(&self, total: u64);
    fn advance(&self, articles: u64);
    fn finish(&self);
}

/// Progress nobody watches.
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

/// What a reprocess did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub articles: u64,
    /// Articles whose raw body (or text) could not be processed again; their rows are kept.
    pub failed: u64,
    /// Articles whose new text would duplicate another article's; left as they were.
    pub conflicts: u64,
    pub claims_before: u64,
    pub claims_after: u64,
    /// The article id a resumed run started after.
    pub resumed_after: Option<i64>,
}

/// Whether removing `removed` of `stored` claims is "most of them": more than half. A
/// reprocess that would do so is refused unless forced: that is what a pattern file emptied
/// or cut by mistake looks like, and the claims it would delete cannot be got back.
pub fn removes_most(removed: u64, stored: u64) -> bool {
    removed.saturating_mul(2) > stored
}

/// What the comparison before a reprocess found.
#[derive(Debug)]
pub enum Check {
    /// At most half of the stored claims would be removed.
    Plausible,
    /// Most would be: the whole diff, to show, and the claims stored.
    RemovesMost { diff: diff::Diff, stored: u64 },
}

/// Compares the selected articles' stored claims with what `pipeline` makes of them, as
/// [`diff::diff`] does, writing nothing, and says whether reprocessing would remove most of
/// them. It stops as soon as the answer is sure to be "no" (the claims not yet compared could
/// not make it "yes" even if all were removed), so a sound pattern change usually costs half
/// a pass; a refusal costs a whole one, for a complete diff.
pub fn check(
    store: &Store,
    pipeline: &Pipeline,
    sel: &Selection,
    progress: &dyn Progress,
) -> Result<Check, StoreError> {
    let stored = store.claim_count(sel)?;
    if stored == 0 {
        return Ok(Check::Plausible);
    }
    let surely_plausible = |d: &diff::Diff| {
        let compared = d.unchanged + (d.removed.len() + d.changed.len()) as u64;
        let worst = d.removed.len() as u64 + stored.saturating_sub(compared);
        !removes_most(worst, stored)
    };
    let d = diff::diff_until(store, pipeline, sel, progress, &surely_plausible)?;
    Ok(if removes_most(d.removed.len() as u64, stored) {
        Check::RemovesMost { diff: d, stored }
    } else {
        Check::Plausible
    })
}

impl Report {
    /// The counts of the reprocess's row in `runs` (`claims` only once it is finished).
    pub fn stats(&self) -> RunStats {
        RunStats {
            inputs: self.articles,
            failed: self.failed,
            duplicates: self.conflicts,
            claims: self.claims_after,
            ..RunStats::default()
        }
    }
}

/// Runs the pure stages on one stored article; a panic (a bug) fails this article only.
pub(crate) fn process(pipeline: &Pipeline, article: &StoredArticle) -> Result<Analysis, String> {
    match &article.input {
        Input::Raw(raw) => pipeline.process_isolated(raw),
        Input::Extracted(doc) => pipeline.analyze_isolated(doc.clone()),
    }
    .map_err(|e| e.to_string())
}

/// Processes a batch on the current rayon pool, keeping the input order.
pub(crate) fn process_batch(
    pipeline: &Pipeline,
    batch: &[StoredArticle],
) -> Vec<Result<Analysis, String>> {
    batch.par_iter().map(|a| process(pipeline, a)).collect()
}

fn cursor(after: i64, version: &PatternVersion, sel: &Selection) -> String {
    json!({
        "after": after,
        "pattern_version": version.0,
        "since": sel.since,
        "until": sel.until,
        "source": sel.source,
    })
    .to_string()
}

/// Where to start: from the beginning, or after the cursor an interrupted run left (with its
/// selection), refusing to mix pattern sets.
fn start(
    store: &Store,
    sel: &Selection,
    resume: bool,
    version: &PatternVersion,
) -> Result<(i64, Selection), ReprocessError> {
    if !resume {
        return Ok((0, sel.clone()));
    }
    let Some(text) = store.reprocess_cursor()? else {
        return Ok((0, sel.clone()));
    };
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let was = v["pattern_version"].as_str().unwrap_or_default();
    if was != version.0 {
        return Err(ReprocessError::PatternsChanged {
            was: was.to_string(),
            now: version.0.clone(),
        });
    }
    let date = |k: &str| v[k].as_str().and_then(|d| d.parse().ok());
    let sel = Selection {
        since: date("since"),
        until: date("until"),
        source: v["source"].as_str().map(str::to_string),
    };
    Ok((v["after"].as_i64().unwrap_or(0), sel))
}

/// Re-runs the pipeline over the selected stored articles and replaces their derived rows.
/// The counts of `run`, when given, follow each batch written.
pub fn reprocess(
    store: &mut Store,
    pipeline: &Pipeline,
    sel: &Selection,
    resume: bool,
    run: Option<RunId>,
    progress: &dyn Progress,
) -> Result<Report, ReprocessError> {
    let version = &pipeline.patterns().version;
    let (mut after, sel) = start(store, sel, resume, version)?;
    let mut report = Report {
        resumed_after: (after > 0).then_some(after),
        claims_before: store.claim_count(&sel)?,
        ..Report::default()
    };
    progress.start(store.count_selected(&sel, after)?);
    loop {
        let batch = store.stored_articles(&sel, after, BATCH)?;
        let Some(last) = batch.last() else { break };
        after = last.id.0;
        let results = process_batch(pipeline, &batch);
        let mut ok: Vec<(ArticleId, &Analysis)> = Vec::with_capacity(batch.len());
        for (article, result) in batch.iter().zip(&results) {
            match result {
                Ok(a) => ok.push((article.id, a)),
                Err(e) => {
                    report.failed += 1;
                    warn!(article = article.id.0, error = %e, "article could not be processed again; kept as it was");
                }
            }
        }
        let conflicts = store.replace_derived(&ok, Some(&cursor(after, version, &sel)))?;
        report.conflicts += conflicts.len() as u64;
        report.articles += batch.len() as u64;
        if let Some(run) = run {
            store.run_progress(run, &report.stats())?;
        }
        progress.advance(batch.len() as u64);
    }
    store.replace_derived(&[], None)?;
    report.claims_after = store.claim_count(&sel)?;
    progress.finish();
    Ok(report)
}
