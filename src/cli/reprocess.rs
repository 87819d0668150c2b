//! `sitrep reprocess` and `sitrep diff`: the stored archive through the current patterns,
//! written or only compared.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::Args;
use sitrep::patterns::PatternSet;
use sitrep::pipeline::Pipeline;
use sitrep::reprocess::{self, diff};
use sitrep::store::{Cell, RunStats, Selection, Store, Table};

use super::import::record_failure;
use super::output::{self, Format};
use super::progress::Bar;
use super::{UsageError, fetch::lock, open_existing};

/// Which stored articles to go over.
#[derive(Debug, Args, Clone, Default)]
pub struct SelectArgs {
    /// Articles published on or after this day.
    #[arg(long)]
    since: Option<NaiveDate>,
    /// Articles published on or before this day.
    #[arg(long)]
    until: Option<NaiveDate>,
    /// Articles whose source URL or path contains this.
    #[arg(long)]
    source: Option<String>,
    /// Worker threads [default: all cores].
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
}

impl SelectArgs {
    fn selection(&self) -> Selection {
        Selection {
            since: self.since,
            until: self.until,
            source: self.source.clone(),
        }
    }
}

/// Sizes the worker pool (all cores by default). Called once, before any parallel work.
pub fn set_jobs(jobs: Option<usize>) -> Result<()> {
    let Some(n) = jobs else { return Ok(()) };
    if n == 0 {
        anyhow::bail!(UsageError(anyhow::anyhow!("--jobs must be at least 1")));
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global()
        .context("starting worker threads")
}

/// A reprocess that would remove most of the stored claims, refused (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error(
    "reprocess refused: patterns {version} would remove {removed} of the {stored} stored claim(s) (more than half) and add {added}; nothing was written. Review the change with `sitrep diff`, fix the pattern files, or pass --force to write it anyway"
)]
struct RemovesMost {
    version: String,
    removed: usize,
    added: usize,
    stored: u64,
}

pub fn reprocess(
    db: &Path,
    patterns: &PatternSet,
    args: &SelectArgs,
    resume: bool,
    force: bool,
    quiet: bool,
) -> Result<ExitCode> {
    if !db.exists() {
        anyhow::bail!(UsageError(anyhow::anyhow!(
            "no database at {}",
            db.display()
        )));
    }
    let _lock = lock(db)?;
    let pipeline = Pipeline::new(patterns)?;
    let mut store = Store::open(db)?;
    let selection = args.selection();
    set_jobs(args.jobs)?;
    // A resumed run was checked when it started (the cursor pins its pattern set).
    let resuming = resume && store.reprocess_cursor()?.is_some();
    if !force
        && !resuming
        && let reprocess::Check::RemovesMost { diff: d, stored } =
            reprocess::check(&store, &pipeline, &selection, &Bar::new(quiet))?
    {
        print_diff(&d, patterns, 5, Format::Table)?;
        anyhow::bail!(UsageError(
            RemovesMost {
                version: patterns.version.0.clone(),
                removed: d.removed.len(),
                added: d.added.len(),
                stored,
            }
            .into()
        ));
    }
    store.close_interrupted_runs()?;
    store.sync_patterns(patterns)?;
    let run = store.begin_run("reprocess", patterns)?;
    let started = std::time::Instant::now();
    let bar = Bar::new(quiet);
    let report =
        match reprocess::reprocess(&mut store, &pipeline, &selection, resume, Some(run), &bar) {
            Ok(report) => report,
            Err(e @ reprocess::ReprocessError::PatternsChanged { .. }) => {
                let e = anyhow::Error::from(UsageError(e.into()));
                return Err(record_failure(&store, run, None, e));
            }
            Err(e) => return Err(record_failure(&store, run, None, e.into())),
        };
    let stats = RunStats {
        duration_ms: Some(started.elapsed().as_millis() as u64),
        ..report.stats()
    };
    let status = if report.failed > 0 { "partial" } else { "ok" };
    store.finish_run(run, stats, status)?;
    if !quiet {
        let resumed = report
            .resumed_after
            .map(|id| format!(" (resumed after article {id})"))
            .unwrap_or_default();
        eprintln!(
            "sitrep: reprocessed {} article(s){resumed} in {:.1}s: claims {} -> {}; {} failed, {} left as they were (text would duplicate another article); patterns {}",
            report.articles,
            started.elapsed().as_secs_f64(),
            report.claims_before,
            report.claims_after,
            report.failed,
            report.conflicts,
            patterns.version.0
        );
    }
    Ok(if report.failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn shown(s: &diff::Shown) -> String {
    let k = &s.key;
    let mut line = format!(
        "{} {}",
        k.predicate,
        if k.subject.is_empty() {
            "-"
        } else {
            &k.subject
        }
    );
    if !k.object.is_empty() {
        line.push_str(&format!(" -> {}", k.object));
    }
    if !k.places.is_empty() {
        line.push_str(&format!(" @{}", k.places));
    }
    if !k.time.is_empty() {
        line.push_str(&format!(" [{}]", k.time));
    }
    format!(
        "{line} ({}, {}, article {}): {}",
        k.modality,
        k.attribution.trim_end_matches(':'),
        k.article,
        s.sentence.trim()
    )
}

pub fn diff(
    db: &Path,
    patterns: &PatternSet,
    args: &SelectArgs,
    examples: usize,
    format: Format,
    quiet: bool,
) -> Result<ExitCode> {
    let pipeline = Pipeline::new(patterns)?;
    let store = open_existing(db)?;
    let bar = Bar::new(quiet);
    let selection = args.selection();
    set_jobs(args.jobs)?;
    let d = diff::diff(&store, &pipeline, &selection, &bar)?;
    print_diff(&d, patterns, examples, format)?;
    Ok(ExitCode::SUCCESS)
}

/// The diff as `sitrep diff` prints it: a summary line, tables by predicate and by entity,
/// and examples.
fn print_diff(
    d: &diff::Diff,
    patterns: &PatternSet,
    examples: usize,
    format: Format,
) -> Result<()> {
    if format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&d)?);
        return Ok(());
    }
    println!(
        "{} article(s) against patterns {}: {} claim(s) added, {} removed, {} changed, {} unchanged{}",
        d.articles,
        patterns.version.0,
        d.added.len(),
        d.removed.len(),
        d.changed.len(),
        d.unchanged,
        if d.failed > 0 {
            format!("; {} article(s) could not be processed", d.failed)
        } else {
            String::new()
        }
    );
    if d.is_empty() {
        return Ok(());
    }
    for (title, counts) in [("predicate", &d.by_predicate), ("entity", &d.by_entity)] {
        let mut table = Table::new(&[title, "added", "removed", "changed"]);
        let mut rows: Vec<_> = counts.iter().collect();
        rows.sort_by_key(|(_, c)| std::cmp::Reverse(c.added + c.removed + c.changed));
        for (name, c) in rows.into_iter().take(25) {
            table.push(vec![
                Cell::Text(name.clone()),
                Cell::Int(c.added as i64),
                Cell::Int(c.removed as i64),
                Cell::Int(c.changed as i64),
            ]);
        }
        println!();
        output::print(&table, format)?;
    }
    println!();
    for s in d.added.iter().take(examples) {
        println!("+ {}", shown(s));
    }
    for s in d.removed.iter().take(examples) {
        println!("- {}", shown(s));
    }
    for (old, new) in d.changed.iter().take(examples) {
        println!("~ {}\n  {}", shown(old), shown(new));
    }
    Ok(())
}
