//! `sitrep fetch` and `sitrep sources`: the cron job and the commands that manage what it polls.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::Utc;
use clap::{Args, Subcommand};
use sitrep::crawl::{self, Crawler, Pass, Report};
use sitrep::fetch::canon;
use sitrep::fetch::listing::SourceKind;
use sitrep::fetch::sources::{self, Source, Sources};
use sitrep::model::Language;
use sitrep::patterns::PatternSet;
use sitrep::pipeline::Pipeline;
use sitrep::store::Store;
use tracing::info;
use url::Url;

use super::UsageError;
use super::output::{self, Format};
use sitrep::store::{Cell, Table};

/// Exit code when another run holds the lock (EX_TEMPFAIL: cron will simply try again).
pub const LOCK_HELD: u8 = 75;

/// Where the sources are listed.
#[derive(Debug, Args, Clone)]
pub struct SourcesFile {
    /// Sources file (TOML).
    #[arg(
        long = "sources",
        env = "SITREP_SOURCES",
        default_value = "sources.toml"
    )]
    pub path: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum SourcesCommand {
    /// Sources with their state: last poll, status, failures, next poll.
    List {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Add a source to the file.
    Add {
        url: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        kind: KindArg,
        /// Language of the outlet (en, fr), used when the listing does not say.
        #[arg(long)]
        language: Option<String>,
        /// Minutes between polls.
        #[arg(long, default_value_t = 15)]
        interval: u64,
    },
    /// Remove a source (by name or URL) from the file.
    Remove { source: String },
    /// Fetch every source once and report what it lists, without writing anything.
    Check {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Forget a source's failures (and a 410 that disabled it), so it is polled again.
    Reset { source: String },
}

#[derive(Debug, Clone, Copy, Default, clap::ValueEnum)]
pub enum KindArg {
    #[default]
    Auto,
    Feed,
    Sitemap,
    Urls,
}

impl From<KindArg> for SourceKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Auto => SourceKind::Auto,
            KindArg::Feed => SourceKind::Feed,
            KindArg::Sitemap => SourceKind::Sitemap,
            KindArg::Urls => SourceKind::Urls,
        }
    }
}

/// Another run holds the database (exit code 75).
#[derive(Debug, thiserror::Error)]
#[error("another sitrep run holds {} ; not running", .0.display())]
pub struct LockHeld(pub PathBuf);

/// Takes the run lock next to the database. The OS releases it when the process ends, even
/// by SIGKILL, so a crashed run never blocks the next one.
///
/// The lock file sits next to the database file itself, whatever path reaches it: a symlink,
/// `..` or a relative path all lead to one lock, so two runs on one database through
/// different paths cannot both write. (A second hard link to the file is a different path
/// and is not caught; do not hard-link databases.)
pub fn lock(db: &Path) -> Result<File> {
    let real = real_path(db).with_context(|| format!("resolving {}", db.display()))?;
    let mut name = real.into_os_string();
    name.push(".lock");
    let path = PathBuf::from(name);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(LockHeld(path).into()),
        Err(TryLockError::Error(e)) => {
            Err(anyhow::Error::from(e).context(format!("locking {}", path.display())))
        }
    }
}

/// The canonical path of a database file, which may not exist yet: its directory's canonical
/// path and its name. A symlink to a file not yet created is followed (as SQLite does when
/// it creates the file), up to a bound that stops link loops.
fn real_path(db: &Path) -> std::io::Result<PathBuf> {
    let mut path = db.to_path_buf();
    for _ in 0..40 {
        match std::fs::canonicalize(&path) {
            Ok(real) => return Ok(real),
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            Err(_) => {}
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        match std::fs::read_link(&path) {
            // A dangling symlink: where it points is where the database will be created.
            Ok(target) => path = dir.join(target),
            Err(_) => {
                let name = path.file_name().ok_or_else(|| {
                    std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file path")
                })?;
                return Ok(std::fs::canonicalize(dir)?.join(name));
            }
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

/// Loads the sources file; an invalid one is a usage error (exit 2). Its warnings are printed
/// whatever the verbosity: they are about safety, and cron mail is where they must be seen.
fn load_sources(path: &Path) -> Result<Sources> {
    let sources = Sources::load(path).map_err(|e| UsageError(e.into()))?;
    for warning in sources.warnings() {
        eprintln!("sitrep: warning: {}: {warning}", path.display());
    }
    Ok(sources)
}

/// One scheduled pass (or the one-off `urls`), recorded as a run.
pub fn fetch(
    db: &Path,
    patterns: &PatternSet,
    file: &SourcesFile,
    urls: &[String],
    all: bool,
    max_pages: Option<usize>,
) -> Result<ExitCode> {
    let config = load_sources(&file.path)?;
    let one_off: Vec<String> = urls
        .iter()
        .map(|u| match Url::parse(u) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {
                Ok(canon::canonicalize(&url).to_string())
            }
            _ => Err(UsageError(anyhow::anyhow!("{u:?} is not an http(s) URL"))),
        })
        .collect::<Result<_, _>>()?;
    if one_off.is_empty() && config.sources.is_empty() {
        anyhow::bail!(UsageError(anyhow::anyhow!(
            "no sources in {} (add one with `sitrep sources add URL`) and no URL given",
            file.path.display()
        )));
    }
    let _lock = lock(db)?;
    let pipeline = Pipeline::new(patterns)?;
    let mut store = Store::open(db)?;
    store.close_interrupted_runs()?;
    store.sync_patterns(patterns)?;
    let crawler = Crawler::new(config.http.clone(), &pipeline)?;
    let run = store.begin_run("fetch", patterns)?;
    let max = max_pages.unwrap_or(config.fetch.max_pages_per_run);
    let pass = if one_off.is_empty() {
        Pass::Sources {
            sources: &config.sources,
            force: all,
        }
    } else {
        Pass::Urls(&one_off)
    };
    let report = crawl::run_pass(&crawler, &mut store, pass, max, Some(run))
        .map_err(|e| super::import::record_failure(&store, run, None, e.into()))?;
    // Pages refused (SSRF guard, robots.txt) are skipped, not failed, in a scheduled pass; a
    // page asked for by hand that was not stored is a failure of what was asked.
    let not_stored = one_off_failures(&store, &one_off)?;
    let failed = report.any_failed() || !not_stored.is_empty();
    let status = if failed { "partial" } else { "ok" };
    store.finish_run(run, report.stats, status)?;
    for line in &not_stored {
        eprintln!("sitrep: {line}");
    }
    let s = report.stats;
    info!(
        polled = s.polled,
        updated = s.updated,
        unchanged = s.unchanged,
        sources_failed = report.sources_failed,
        new_items = report.new_items,
        pages = s.inputs,
        added = s.added,
        duplicates = s.duplicates,
        pages_failed = report.pages_failed,
        pages_skipped = report.pages_skipped,
        claims = s.claims,
        requests = s.requests,
        duration_ms = s.duration_ms.unwrap_or_default(),
        "fetch: {} source(s) polled ({} changed, {} unchanged, {} failed); {} page(s): {} new article(s), {} already stored, {} failed, {} skipped; {} claim(s); {} request(s) in {:.1}s",
        s.polled,
        s.updated,
        s.unchanged,
        report.sources_failed,
        s.inputs,
        s.added,
        s.duplicates,
        report.pages_failed,
        report.pages_skipped,
        s.claims,
        s.requests,
        s.duration_ms.unwrap_or_default() as f64 / 1000.0
    );
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Why each URL of a one-off fetch was not stored, one line each (the error recorded with its
/// item, which names the URL); nothing for URLs stored now or before.
fn one_off_failures(store: &Store, urls: &[String]) -> Result<Vec<String>> {
    use rusqlite::OptionalExtension;
    let mut stmt = store
        .connection()
        .prepare("SELECT state, last_error, next_attempt_at FROM items WHERE url = ?1")?;
    let mut lines = Vec::new();
    for url in urls {
        let row: Option<(String, Option<String>, Option<String>)> = stmt
            .query_row([url], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let line = match row {
            Some((state, ..)) if state == "done" => continue,
            // Still pending with no retry planned: this run never got to it.
            Some((state, _, None)) if state == "pending" => {
                format!("{url}: not fetched in this run (see --max-pages)")
            }
            Some((_, Some(error), _)) => error,
            _ => format!("{url}: not fetched"),
        };
        // One line per URL, whatever the error's text holds.
        lines.push(line.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    Ok(lines)
}

fn when(t: Option<chrono::DateTime<Utc>>) -> Cell {
    t.map(|t| Cell::Text(t.format("%Y-%m-%d %H:%M").to_string()))
        .unwrap_or(Cell::Null)
}

pub fn sources(db: &Path, file: &SourcesFile, command: SourcesCommand) -> Result<ExitCode> {
    match command {
        SourcesCommand::List { format } => {
            let config = load_sources(&file.path)?;
            let states = if db.exists() {
                Store::open_read_only(db)?.source_states()?
            } else {
                Vec::new()
            };
            let mut table = Table::new(&[
                "name",
                "url",
                "kind",
                "language",
                "interval_min",
                "enabled",
                "last_polled",
                "last_status",
                "failures",
                "next_poll",
                "problem",
            ]);
            for s in &config.sources {
                let state = states.iter().find(|st| st.url == s.url.as_str());
                let problem = state.and_then(|st| {
                    st.disabled_reason
                        .clone()
                        .or_else(|| (st.failures > 0).then(|| st.last_error.clone()).flatten())
                });
                table.push(vec![
                    Cell::Text(s.name.clone()),
                    Cell::Text(s.url.to_string()),
                    Cell::Text(s.kind.as_str().into()),
                    s.language
                        .as_ref()
                        .map(|l| Cell::Text(l.as_str().into()))
                        .unwrap_or(Cell::Null),
                    Cell::Int((s.interval.as_secs() / 60) as i64),
                    Cell::Text(if s.enabled { "yes" } else { "no" }.into()),
                    when(state.and_then(|st| st.last_polled_at)),
                    state
                        .and_then(|st| st.last_status)
                        .map(|c| Cell::Int(c.into()))
                        .unwrap_or(Cell::Null),
                    Cell::Int(state.map(|st| st.failures).unwrap_or_default().into()),
                    when(state.and_then(|st| st.next_poll_at)),
                    problem.map(Cell::Text).unwrap_or(Cell::Null),
                ]);
            }
            output::print(&table, format)?;
            Ok(ExitCode::SUCCESS)
        }
        SourcesCommand::Add {
            url,
            name,
            kind,
            language,
            interval,
        } => {
            let parsed =
                Url::parse(&url).map_err(|e| UsageError(anyhow::anyhow!("{url:?}: {e}")))?;
            let language = language
                .as_deref()
                .map(Language::new)
                .transpose()
                .map_err(|e| UsageError(e.into()))?;
            let source = Source {
                name: name.unwrap_or_else(|| parsed.host_str().unwrap_or_default().to_string()),
                url: parsed,
                kind: kind.into(),
                language,
                interval: Duration::from_secs(interval * 60),
                enabled: true,
            };
            sources::add(&file.path, &source).map_err(|e| UsageError(e.into()))?;
            Ok(ExitCode::SUCCESS)
        }
        SourcesCommand::Remove { source } => {
            sources::remove(&file.path, &source).map_err(|e| UsageError(e.into()))?;
            Ok(ExitCode::SUCCESS)
        }
        SourcesCommand::Reset { source } => {
            let config = load_sources(&file.path)?;
            let found = config
                .sources
                .iter()
                .find(|s| s.name == source || s.url.as_str() == source)
                .ok_or_else(|| {
                    UsageError(anyhow::anyhow!(
                        "no source named or at {source:?} in {}",
                        file.path.display()
                    ))
                })?;
            let _lock = lock(db)?;
            Store::open(db)?.reset_source(found.url.as_str())?;
            Ok(ExitCode::SUCCESS)
        }
        SourcesCommand::Check { format } => check(file, format),
    }
}

/// Polls every configured source once, into an in-memory database: nothing is written.
fn check(file: &SourcesFile, format: Format) -> Result<ExitCode> {
    let config = load_sources(&file.path)?;
    let patterns = PatternSet::embedded()?;
    let pipeline = Pipeline::new(&patterns)?;
    let crawler = Crawler::new(config.http.clone(), &pipeline)?;
    let mut store = Store::open_in_memory()?;
    let mut report = Report::default();
    crawler.poll(&mut store, &config.sources, true, &mut report)?;
    let states = store.source_states()?;
    let mut table = Table::new(&["name", "url", "status", "items", "error"]);
    for s in &config.sources {
        let state = states.iter().find(|st| st.url == s.url.as_str());
        let items: i64 = state
            .and_then(|st| st.id)
            .map(|id| store.source_items(id))
            .transpose()?
            .unwrap_or_default();
        table.push(vec![
            Cell::Text(s.name.clone()),
            Cell::Text(s.url.to_string()),
            match state.and_then(|st| st.last_status) {
                Some(c) => Cell::Int(c.into()),
                None if !s.enabled => Cell::Text("disabled".into()),
                None => Cell::Null,
            },
            Cell::Int(items),
            state
                .and_then(|st| st.last_error.clone())
                .map(Cell::Text)
                .unwrap_or(Cell::Null),
        ]);
    }
    output::print(&table, format)?;
    Ok(if report.sources_failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
