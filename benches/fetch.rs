//! A scheduled `sitrep fetch --all` pass over 1,000 feeds on a loopback server, 50 of which
//! list one new article: wall time of the whole process (start-up, 1,000 conditional GETs,
//! 50 feed parses, 50 article pages through extraction, tagging and claims, SQLite writes).
//!
//! Setup (not timed): one loopback server (`tests/support/server.rs`) serving 1,000 RSS feeds
//! (`/feed/{i}.xml`, 20 items each, with an ETag) and their article pages (a distinct
//! `numbered_article` each). The real release binary polls every feed once and stores every
//! article (20,000), which leaves the conditional state (ETags) and frontier a cron job
//! would have. Then 50 feeds, spread evenly, get a new ETag and one new item at the top
//! (the oldest drops off), pointing to a new page.
//!
//! Timed: `sitrep fetch --all` (no flags, as cron runs it) on a fresh copy of that warm
//! database, so every sample sees 950 `304 Not Modified`, 50 changed feeds and 50 new
//! articles. Each sample is one process, timed from spawn to exit.
//!
//! Politeness for loopback: every feed is on one host (127.0.0.1), so the bench allows 16
//! requests at a time to it and no delay between them (`per_host_concurrency = 16`,
//! `per_host_delay_ms = 0`, `concurrency = 32`). A real deployment spreads its feeds over
//! many hosts and keeps the defaults (2 per host, 500 ms apart).
//!
//! After the samples the bench prints the median wall time, what the server saw, what the run
//! recorded, and one extra `-vv --log-format json` run's phase timings (not part of the
//! samples), for BENCHMARKS.md.
//!
//! Run: `cargo bench --bench fetch` (building the warm database takes about 35 s on 2 cores,
//! the samples about 25 s). `FETCH_BENCH_WRAP` adds one pass under a wrapper such as `perf`
//! (see [`wrapped`]). Under `cargo test --benches` (criterion's test mode) it runs once at a
//! small scale instead.

#[path = "../tests/support/server.rs"]
mod server;
#[path = "../tests/support/fetch_env.rs"]
mod support;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use serde_json::Value;

use server::Response;
use support::{Bench, numbered_article, rss, rss_response, scalar};

/// Sizes of one pass.
#[derive(Clone, Copy, Debug)]
struct Scale {
    feeds: usize,
    items_per_feed: usize,
    changed: usize,
}

/// What `cargo bench` measures.
const FULL: Scale = Scale {
    feeds: 1000,
    items_per_feed: 20,
    changed: 50,
};

/// Criterion's test mode (`cargo test --benches`, or `-- --test`): one quick, small pass.
const SMALL: Scale = Scale {
    feeds: 40,
    items_per_feed: 2,
    changed: 4,
};

/// The `[fetch]` overrides for a single loopback host (see the module comment).
const SETTINGS: &[(&str, &str)] = &[
    ("per_host_delay_ms", "0"),
    ("per_host_concurrency", "16"),
    ("concurrency", "32"),
    ("timeout_secs", "30"),
    ("connect_timeout_secs", "10"),
];

fn test_mode() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|a| a == "--test") || !args.iter().any(|a| a == "--bench")
}

fn feed_path(i: usize) -> String {
    format!("/feed/{i}.xml")
}

fn page_path(n: usize) -> String {
    format!("/a/{n}")
}

/// Feed `i`, listing articles `n` (newest first) as `(guid, url)`.
fn serve_feed(b: &Bench, i: usize, articles: &[usize], etag: &str) {
    let links: Vec<(String, String)> = articles
        .iter()
        .map(|n| (format!("g{n}"), b.server.url(&page_path(*n))))
        .collect();
    let refs: Vec<(&str, &str)> = links
        .iter()
        .map(|(g, l)| (g.as_str(), l.as_str()))
        .collect();
    b.server
        .route(&feed_path(i), rss_response(rss(&refs)).etag(etag));
}

/// The feeds that change between the warm-up and the timed pass: spread evenly.
fn changed_feeds(s: Scale) -> impl Iterator<Item = usize> {
    (0..s.changed).map(move |k| k * s.feeds / s.changed)
}

fn run(cmd: &mut std::process::Command) -> Output {
    let out = cmd.output().expect("run sitrep");
    assert!(
        out.status.success(),
        "sitrep exited with {:?}:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Builds the warm database and then changes `changed` feeds; returns the bench.
fn setup(s: Scale) -> Bench {
    let b = Bench::new();
    b.server.route(
        "/robots.txt",
        Response::ok("text/plain", "User-agent: *\nAllow: /\n"),
    );
    let mut sources = Vec::new();
    for i in 0..s.feeds {
        let articles: Vec<usize> = (0..s.items_per_feed)
            .rev()
            .map(|j| i * s.items_per_feed + j)
            .collect();
        serve_feed(&b, i, &articles, &format!("\"f{i}-v1\""));
        for &n in &articles {
            b.page(&page_path(n), numbered_article(n));
        }
        sources.push((format!("feed {i}"), feed_path(i)));
    }
    let refs: Vec<(&str, &str, &str)> = sources
        .iter()
        .map(|(name, path)| (name.as_str(), path.as_str(), "feed"))
        .collect();
    b.sources(SETTINGS, &refs);

    let started = Instant::now();
    let total = s.feeds * s.items_per_feed;
    run(b
        .std_command()
        .args(["fetch", "--all", "--max-pages", &total.to_string()]));
    let stored = b.count("SELECT count(*) FROM articles");
    assert_eq!(stored as usize, total, "warm-up stores every article");
    // Fold the WAL into the database file, so copying the file copies the database.
    let conn = b.conn();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .expect("checkpoint");
    drop(conn);
    let size = std::fs::metadata(&b.db).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "fetch bench: warm-up stored {stored} articles from {} feeds in {:.1}s; database {:.1} MB",
        s.feeds,
        started.elapsed().as_secs_f64(),
        size as f64 / 1e6
    );

    // 50 feeds publish one new article each.
    for (k, i) in changed_feeds(s).enumerate() {
        let new = total + k;
        let mut articles = vec![new];
        articles.extend(
            (1..s.items_per_feed)
                .rev()
                .map(|j| i * s.items_per_feed + j),
        );
        serve_feed(&b, i, &articles, &format!("\"f{i}-v2\""));
        b.page(&page_path(new), numbered_article(new));
    }
    b
}

/// A fresh copy of the warm database for one pass.
fn fresh_copy(b: &Bench) -> PathBuf {
    let copy = b.dir.path().join("pass.db");
    remove_db(&copy);
    std::fs::copy(&b.db, &copy).expect("copy the warm database");
    copy
}

fn remove_db(db: &Path) {
    for suffix in ["", "-wal", "-shm", ".lock"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// What one timed pass did, from the server's log and the run's row.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Seen {
    requests: usize,
    feed_requests: usize,
    conditional: usize,
    not_modified: usize,
    page_requests: usize,
    robots: usize,
    other: usize,
    connections: u64,
    /// From `runs`: polled, updated, unchanged, added, failed, claims, requests.
    run: [i64; 7],
    duration_ms: i64,
}

fn observe(b: &Bench, db: &Path, s: Scale, connections_before: u64) -> Seen {
    let log = b.server.requests();
    let changed: Vec<String> = changed_feeds(s).map(feed_path).collect();
    let is_feed = |p: &str| p.starts_with("/feed/");
    let conn = rusqlite::Connection::open(db).expect("open the pass database");
    let run: [i64; 7] = conn
        .query_row(
            "SELECT polled, updated, unchanged, added, failed, claims, requests
             FROM runs ORDER BY id DESC LIMIT 1",
            [],
            |r| {
                Ok([
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ])
            },
        )
        .expect("the pass recorded a run");
    Seen {
        requests: log.len(),
        feed_requests: log.iter().filter(|r| is_feed(&r.path)).count(),
        conditional: log
            .iter()
            .filter(|r| is_feed(&r.path) && r.header("if-none-match").is_some())
            .count(),
        // The server answers 304 when If-None-Match names the feed's current ETag, which is
        // every conditional request to a feed that did not change.
        not_modified: log
            .iter()
            .filter(|r| {
                is_feed(&r.path)
                    && r.header("if-none-match").is_some()
                    && !changed.contains(&r.path)
            })
            .count(),
        page_requests: log.iter().filter(|r| r.path.starts_with("/a/")).count(),
        robots: log.iter().filter(|r| r.path == "/robots.txt").count(),
        other: log
            .iter()
            .filter(|r| !is_feed(&r.path) && !r.path.starts_with("/a/") && r.path != "/robots.txt")
            .count(),
        connections: b.server.connections_accepted() - connections_before,
        run,
        duration_ms: scalar(
            &conn,
            "SELECT coalesce(duration_ms, -1) FROM runs ORDER BY id DESC LIMIT 1",
        ),
    }
}

/// One pass (`sitrep fetch EXTRA --all`, run under `wrap` when given): process wall time and
/// what it did.
fn pass(b: &Bench, s: Scale, extra: &[&str], wrap: &[String]) -> (Duration, Seen, Output) {
    let db = fresh_copy(b);
    b.server.clear_log();
    let connections = b.server.connections_accepted();
    let bin = env!("CARGO_BIN_EXE_sitrep");
    let mut cmd = match wrap.split_first() {
        None => std::process::Command::new(bin),
        Some((program, args)) => {
            let mut cmd = std::process::Command::new(program);
            cmd.args(args).arg(bin);
            cmd
        }
    };
    // As `Bench::std_command`, with this pass's database.
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("SITREP_PATTERNS")
        .env("SITREP_SOURCES", &b.sources)
        .env("SITREP_DB", &db)
        .arg("fetch")
        .args(extra)
        .arg("--all");
    let started = Instant::now();
    let out = run(&mut cmd);
    let wall = started.elapsed();
    let seen = observe(b, &db, s, connections);
    (wall, seen, out)
}

fn check(seen: &Seen, s: Scale) {
    let expected = [
        s.feeds as i64,
        s.changed as i64,
        (s.feeds - s.changed) as i64,
        s.changed as i64,
        0,
    ];
    assert_eq!(
        seen.run[..5],
        expected,
        "polled, updated, unchanged, added, failed: {seen:?}"
    );
    assert_eq!(seen.feed_requests, s.feeds, "{seen:?}");
    assert_eq!(seen.page_requests, s.changed, "{seen:?}");
    assert_eq!(seen.other, 0, "{seen:?}");
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Times (ms since the epoch) of the first and last JSON log events whose message starts
/// with one of `prefixes`.
fn span(logs: &[Value], prefixes: &[&str]) -> Option<(f64, f64)> {
    let times: Vec<f64> = logs
        .iter()
        .filter(|l| {
            let m = l["message"].as_str().unwrap_or_default();
            prefixes.iter().any(|p| m.starts_with(p))
        })
        .filter_map(|l| {
            chrono::DateTime::parse_from_rfc3339(l["timestamp"].as_str()?)
                .ok()
                .map(|t| t.timestamp_micros() as f64 / 1000.0)
        })
        .collect();
    let first = times.iter().copied().reduce(f64::min)?;
    let last = times.iter().copied().reduce(f64::max)?;
    Some((first, last))
}

/// One extra pass with `-vv --log-format json`: where the time goes.
fn phases(b: &Bench, s: Scale) {
    let (wall, seen, out) = pass(b, s, &["-vv", "--log-format", "json"], &[]);
    let logs: Vec<Value> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let polls = span(&logs, &["not modified", "listing changed"]);
    let pages = span(&logs, &["new article"]);
    let summary = span(&logs, &["fetch:"]);
    eprintln!(
        "fetch bench: -vv pass: process {:.0} ms, run duration_ms {} (pass only, after start-up)",
        wall.as_secs_f64() * 1000.0,
        seen.duration_ms
    );
    if let (Some(p), Some(g), Some(end)) = (polls, pages, summary) {
        eprintln!(
            "fetch bench: -vv pass phases: first poll result -> last poll result {:.0} ms; \
             last poll result -> first new article {:.0} ms; first -> last new article {:.0} ms; \
             last new article -> summary {:.0} ms; first poll result -> summary {:.0} ms",
            p.1 - p.0,
            g.0 - p.1,
            g.1 - g.0,
            end.0 - g.1,
            end.0 - p.0,
        );
    }
}

fn fetch_pass(c: &mut Criterion) {
    let scale = if test_mode() { SMALL } else { FULL };
    let b = setup(scale);
    let walls = RefCell::new(Vec::<f64>::new());
    let pass_ms = RefCell::new(Vec::<f64>::new());
    let last = RefCell::new(None::<Seen>);

    let mut group = c.benchmark_group("fetch");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));
    let name = format!("pass-{}-feeds-{}-new-articles", scale.feeds, scale.changed);
    group.bench_function(&name, |bench| {
        bench.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (wall, seen, _) = pass(&b, scale, &[], &[]);
                check(&seen, scale);
                total += wall;
                walls.borrow_mut().push(wall.as_secs_f64());
                pass_ms.borrow_mut().push(seen.duration_ms as f64);
                *last.borrow_mut() = Some(seen);
            }
            total
        })
    });
    group.finish();

    let seen = last.borrow().clone().expect("at least one pass");
    let mut walls = walls.into_inner();
    let mut pass_ms = pass_ms.into_inner();
    let n = walls.len();
    let wall = median(&mut walls);
    let (lo, hi) = (walls[0], walls[n - 1]);
    eprintln!(
        "fetch bench: {n} passes (warm-up included); wall time median {:.0} ms (min {:.0}, max {:.0}); \
         run duration_ms median {:.0}",
        wall * 1000.0,
        lo * 1000.0,
        hi * 1000.0,
        median(&mut pass_ms)
    );
    eprintln!(
        "fetch bench: last pass: {} requests ({} feeds, {} conditional, {} answered 304, {} pages, {} robots.txt) \
         on {} connections; run row: polled {}, updated {}, unchanged {}, added {}, failed {}, claims {}, requests {}",
        seen.requests,
        seen.feed_requests,
        seen.conditional,
        seen.not_modified,
        seen.page_requests,
        seen.robots,
        seen.connections,
        seen.run[0],
        seen.run[1],
        seen.run[2],
        seen.run[3],
        seen.run[4],
        seen.run[5],
        seen.run[6],
    );
    eprintln!(
        "fetch bench: at the median: {:.1} new articles/s, {:.0} feeds/s, {:.0} requests/s",
        scale.changed as f64 / wall,
        scale.feeds as f64 / wall,
        seen.requests as f64 / wall
    );
    phases(&b, scale);
    wrapped(&b, scale);
}

/// With `FETCH_BENCH_WRAP` set (a command prefix, split on spaces), one more pass runs under
/// it, e.g. `FETCH_BENCH_WRAP="perf record -g -o /tmp/fetch.perf --"` or
/// `FETCH_BENCH_WRAP="/usr/bin/time -f %e_s_%U_user_%S_sys_%M_KB"`; its stderr is printed.
fn wrapped(b: &Bench, s: Scale) {
    let Ok(wrap) = std::env::var("FETCH_BENCH_WRAP") else {
        return;
    };
    let wrap: Vec<String> = wrap.split_whitespace().map(str::to_string).collect();
    let (wall, seen, out) = pass(b, s, &[], &wrap);
    check(&seen, s);
    eprintln!(
        "fetch bench: wrapped pass ({}): {:.0} ms\n{}",
        wrap.join(" "),
        wall.as_secs_f64() * 1000.0,
        String::from_utf8_lossy(&out.stderr).trim_end()
    );
}

criterion_group!(benches, fetch_pass);
criterion_main!(benches);
