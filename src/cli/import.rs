//! `sitrep ingest` / `sitrep import`: files, directories and archives (WARC, JSON Lines, tar)
//! through the pipeline into the database.
//!
//! A reader thread streams documents into a bounded channel; this thread takes them a chunk
//! at a time, runs the pure stages on all cores (rayon), and writes the chunk in one
//! transaction. Memory is bounded by the chunk size whatever the archive's size; one bad
//! document or record is counted and reported, never fatal.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;

use anyhow::Result;
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use sitrep::extract::{Overrides, RawDocument};
use sitrep::fetch::archive::{self, Item};
use sitrep::fetch::http::body_hash;
use sitrep::fetch::local::{self, Found};
use sitrep::patterns::PatternSet;
use sitrep::pipeline::{Analysis, Pipeline};
use sitrep::reprocess::Progress;
use sitrep::store::{RawPage, RunId, RunStats, Store, Stored};

use super::ingest::process;
use super::progress::Bar;

/// Documents processed in parallel, then written in one transaction. With the channel's
/// capacity (as many again) this bounds memory: about 2 × CHUNK raw pages in flight.
const CHUNK: usize = 128;

/// One input document with what its container said about it.
struct Doc {
    origin: String,
    raw: RawDocument,
    fetched_at: Option<DateTime<Utc>>,
    headers: Vec<(String, String)>,
    status: u16,
    /// Of the body, hashed on the reading thread.
    hash: String,
}

impl Doc {
    fn new(
        origin: String,
        raw: RawDocument,
        fetched_at: Option<DateTime<Utc>>,
        headers: Vec<(String, String)>,
        status: u16,
    ) -> Box<Self> {
        let hash = body_hash(&raw.bytes);
        Box::new(Self {
            origin,
            raw,
            fetched_at,
            headers,
            status,
            hash,
        })
    }

    /// Where the document says it comes from, else where it was read.
    fn url(&self) -> &str {
        self.raw.source.url.as_deref().unwrap_or(&self.origin)
    }
}

enum Next {
    Doc(Box<Doc>),
    /// Not an article on purpose (an image in a WARC, a 404 record…).
    Skipped,
    /// A FIFO, socket or device met in a directory walk: not read, and said so.
    NotAFile {
        origin: String,
        kind: &'static str,
    },
    Failed {
        origin: String,
        error: String,
    },
}

fn from_archive(
    path: &Path,
    overrides: &Overrides,
    read: Read,
) -> Box<dyn Iterator<Item = Next> + Send> {
    let items = match archive::open(path) {
        Ok(items) => items,
        Err(e) => {
            let failed = Next::Failed {
                origin: path.display().to_string(),
                error: e.to_string(),
            };
            return Box::new(std::iter::once(failed));
        }
    };
    let (path, overrides) = (path.display().to_string(), overrides.clone());
    let end = read.clone();
    let records = items.map(move |item| match item {
        Item::Record(r) => {
            let r = *r;
            read.reached(r.offset);
            let mut raw = r.raw;
            raw.overrides = local::merge(raw.overrides, &overrides);
            Next::Doc(Doc::new(
                format!("{path}#{}", r.offset),
                raw,
                r.fetched_at,
                r.headers,
                r.status.unwrap_or(200),
            ))
        }
        Item::Skipped(_) => Next::Skipped,
        Item::Error(e) => Next::Failed {
            origin: path.clone(),
            error: e.to_string(),
        },
    });
    // Once the archive is exhausted, all its bytes are read.
    Box::new(records.chain(std::iter::from_fn(move || {
        end.finished();
        None
    })))
}

/// How far the reading thread is through the inputs, in bytes, for the progress bar: the
/// inputs before the current one, plus the offset reached in it.
#[derive(Clone)]
struct Read {
    counter: Arc<AtomicU64>,
    base: u64,
    len: u64,
}

impl Read {
    fn reached(&self, offset: u64) {
        self.counter
            .fetch_max(self.base + offset.min(self.len), Ordering::Relaxed);
    }

    fn finished(&self) {
        self.reached(self.len);
    }
}

/// Every document of `listed` (inputs found under the paths given), archives opened, in a
/// stable order. `read` counts the bytes read, for the progress bar.
fn inputs(
    listed: Vec<(Found, u64)>,
    overrides: Overrides,
    read: Arc<AtomicU64>,
) -> impl Iterator<Item = Next> + Send {
    let mut base = 0;
    listed.into_iter().flat_map(
        move |(found, len)| -> Box<dyn Iterator<Item = Next> + Send> {
            let at = Read {
                counter: read.clone(),
                base,
                len,
            };
            base += len;
            match found {
                Found::Input(path) if archive::is_archive(&path) => {
                    from_archive(&path, &overrides, at)
                }
                Found::Input(path) => {
                    let fetched = local::read(&path, &overrides);
                    at.finished();
                    Box::new(std::iter::once(match fetched.result {
                        Ok(raw) => Next::Doc(Doc::new(fetched.origin, raw, None, Vec::new(), 200)),
                        Err(e) => Next::Failed {
                            origin: fetched.origin,
                            error: e.to_string(),
                        },
                    }))
                }
                Found::Skipped { path, kind } => Box::new(std::iter::once(Next::NotAFile {
                    origin: path.display().to_string(),
                    kind,
                })),
                Found::Failed(e) => Box::new(std::iter::once(Next::Failed {
                    origin: String::new(),
                    error: e.to_string(),
                })),
            }
        },
    )
}

/// The inputs under `paths` with their sizes, and their total when every size is known
/// (not when one is stdin).
fn listing(paths: &[PathBuf]) -> (Vec<(Found, u64)>, Option<u64>) {
    let mut total = Some(0u64);
    let listed = local::discover(paths)
        .into_iter()
        .map(|found| {
            let len = match &found {
                Found::Input(p) if p.as_os_str() == "-" => None,
                Found::Input(p) => std::fs::metadata(p).ok().map(|m| m.len()),
                _ => Some(0),
            };
            total = total.zip(len).map(|(t, l)| t + l);
            (found, len.unwrap_or(0))
        })
        .collect();
    (listed, total)
}

fn write(
    store: &mut Store,
    chunk: &[(Doc, Analysis)],
    run: RunId,
    stats: &mut RunStats,
) -> Result<()> {
    let now = Utc::now();
    let rows: Vec<_> = chunk
        .iter()
        .map(|(d, analysis)| {
            let origin = d.url();
            let page = RawPage {
                url: origin,
                final_url: origin,
                status: d.status,
                fetched_at: d.fetched_at.unwrap_or(now),
                content_type: d.raw.content_type.as_deref(),
                headers: &d.headers,
                body: &d.raw.bytes,
                body_hash: &d.hash,
                format: d.raw.format,
                overrides: &d.raw.overrides,
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
    // `added` and `claims` were counted in the batch's transaction; the rest follows it.
    store.run_progress(run, stats)?;
    Ok(())
}

/// Ends `run` as `failed` with `error` as its reason (and `stats`, when known, as its
/// counts), and returns the error. When even that cannot be written (the disk is full),
/// the row stays `running` until the next run marks it `interrupted`.
pub(super) fn record_failure(
    store: &Store,
    run: RunId,
    stats: Option<&RunStats>,
    error: anyhow::Error,
) -> anyhow::Error {
    let recorded = stats
        .map_or(Ok(()), |s| store.run_progress(run, s))
        .and_then(|()| store.fail_run(run, &format!("{error:#}")));
    if let Err(e) = recorded {
        eprintln!("sitrep: could not record the failure in the runs table: {e}");
    }
    error
}

/// Processed documents waiting to be written.
type Ready = Vec<(Doc, Analysis)>;

/// Processes a chunk on all cores while the previous one is written, so the single writer
/// and the workers overlap; returns this chunk, ready for the next call (or the last write).
fn flush(
    pipeline: &Pipeline,
    store: &mut Store,
    chunk: &mut Vec<Doc>,
    ready: Ready,
    run: RunId,
    stats: &mut RunStats,
    bar: &Bar,
) -> Result<Ready> {
    let mut docs = std::mem::take(chunk);
    // A body already stored for the same URL (the same archive imported again) yielded its
    // article then: it is not extracted again only to be found a duplicate.
    let before = docs.len();
    let mut seen = Ok(());
    docs.retain(|d| match store.has_raw_page(d.url(), &d.hash) {
        Ok(stored) => !stored,
        Err(e) => {
            seen = Err(e);
            true
        }
    });
    seen?;
    let skipped = (before - docs.len()) as u64;
    stats.duplicates += skipped;
    bar.advance(skipped);
    let (results, written) = std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            docs.par_iter()
                .map(|d| process(pipeline, &d.raw))
                .collect::<Vec<_>>()
        });
        let written = write(store, &ready, run, stats);
        (worker.join(), written)
    });
    written?;
    let results = results.map_err(|_| anyhow::anyhow!("a worker thread panicked"))?;
    let mut good = Vec::with_capacity(docs.len());
    for (doc, result) in docs.into_iter().zip(results) {
        match result {
            Ok(a) => good.push((doc, a)),
            Err(e) => {
                stats.failed += 1;
                eprintln!("sitrep: skipped {}: {e:#}", doc.origin);
            }
        }
    }
    Ok(good)
}

pub fn import(
    db: &Path,
    patterns: &PatternSet,
    paths: &[PathBuf],
    overrides: &Overrides,
    jobs: Option<usize>,
    quiet: bool,
    command: &str,
) -> Result<ExitCode> {
    super::reprocess::set_jobs(jobs)?;
    let pipeline = Pipeline::new(patterns)?;
    let mut store = Store::open(db)?;
    store.close_interrupted_runs()?;
    store.sync_patterns(patterns)?;
    let run = store.begin_run(command, patterns)?;
    let started = std::time::Instant::now();
    let mut stats = RunStats::default();
    // Special files a directory walk met; not inputs, so not in the run's counts.
    let mut not_files = 0u64;
    let (listed, total) = listing(paths);
    let read = Arc::new(AtomicU64::new(0));
    let bar = match total {
        Some(total) if total > 0 => Bar::reading(quiet, "documents", total, read.clone()),
        _ => Bar::counter(quiet, "documents"),
    };
    let (tx, rx) = sync_channel::<Next>(CHUNK);
    let overrides = overrides.clone();
    let result = std::thread::scope(|scope| -> Result<()> {
        scope.spawn(move || {
            for next in inputs(listed, overrides, read) {
                if tx.send(next).is_err() {
                    break;
                }
            }
        });
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut ready = Ready::new();
        for next in rx {
            match next {
                Next::Doc(doc) => {
                    stats.inputs += 1;
                    chunk.push(*doc);
                    if chunk.len() >= CHUNK {
                        bar.advance(ready.len() as u64);
                        ready = flush(
                            &pipeline, &mut store, &mut chunk, ready, run, &mut stats, &bar,
                        )?;
                    }
                }
                Next::Skipped => {}
                Next::NotAFile { origin, kind } => {
                    not_files += 1;
                    eprintln!(
                        "sitrep: warning: skipped {origin}: {kind}, not a regular file or directory"
                    );
                }
                Next::Failed { origin, error } => {
                    stats.inputs += 1;
                    stats.failed += 1;
                    let sep = if origin.is_empty() { "" } else { ": " };
                    eprintln!("sitrep: skipped {origin}{sep}{error}");
                }
            }
        }
        let last = flush(
            &pipeline, &mut store, &mut chunk, ready, run, &mut stats, &bar,
        )?;
        bar.advance(last.len() as u64);
        write(&mut store, &last, run, &mut stats)
    });
    bar.finish();
    stats.duration_ms = Some(started.elapsed().as_millis() as u64);
    if let Err(e) = result {
        return Err(record_failure(&store, run, Some(&stats), e));
    }
    let status = if stats.failed > 0 { "partial" } else { "ok" };
    store.finish_run(run, stats, status)?;
    if !quiet {
        let not_files = match not_files {
            0 => String::new(),
            n => format!(", {n} skipped (not regular files)"),
        };
        eprintln!(
            "sitrep: {} input(s): {} new article(s), {} already stored, {} failed{not_files}; {} claim(s) into {} in {:.1}s (patterns {})",
            stats.inputs,
            stats.added,
            stats.duplicates,
            stats.failed,
            stats.claims,
            db.display(),
            started.elapsed().as_secs_f64(),
            patterns.version.0
        );
    }
    Ok(if stats.failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_total_is_the_inputs_bytes_when_every_size_is_known() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.txt"), dir.path().join("b.html"));
        std::fs::write(&a, "x".repeat(10)).unwrap();
        std::fs::write(&b, "y".repeat(32)).unwrap();
        let (listed, total) = listing(&[dir.path().to_path_buf()]);
        assert_eq!(listed.len(), 2);
        assert_eq!(total, Some(42));
        // Standard input has no size: the bar stays a counter.
        let (_, total) = listing(&[a, PathBuf::from("-")]);
        assert_eq!(total, None);
    }

    #[test]
    fn bytes_read_only_grow_and_stop_at_each_inputs_end() {
        let counter = Arc::new(AtomicU64::new(0));
        let at = Read {
            counter: counter.clone(),
            base: 100,
            len: 50,
        };
        at.reached(20);
        assert_eq!(counter.load(Ordering::Relaxed), 120);
        at.reached(10); // records are not always in offset order (tar members, resync)
        assert_eq!(counter.load(Ordering::Relaxed), 120);
        at.reached(500); // an offset past the file's size (a growing file)
        assert_eq!(counter.load(Ordering::Relaxed), 150);
        at.finished();
        assert_eq!(counter.load(Ordering::Relaxed), 150);
    }
}
