//! `sitrep fetch` as cron runs it: overlapping runs, a run killed half-way, and the
//! `sitrep sources` commands that manage what it polls.

#[path = "support/server.rs"]
mod server;
#[path = "support/fetch_env.rs"]
mod support;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use server::Response;
use support::*;

fn spawn_fetch(b: &Bench, args: &[&str]) -> Child {
    b.std_command()
        .arg("fetch")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A feed of `n` articles whose page `stall_at` answers only after `stall`.
fn feed_with_slow_page(b: &Bench, n: usize, stall_at: usize, stall: Duration) {
    let s = &b.server;
    let links: Vec<(String, String)> = (1..=n)
        .map(|i| (format!("g{i}"), s.url(&format!("/a/{i}"))))
        .collect();
    let refs: Vec<(&str, &str)> = links
        .iter()
        .map(|(g, l)| (g.as_str(), l.as_str()))
        .collect();
    s.route("/feed.xml", rss_response(rss(&refs)).etag("\"e1\""));
    for i in 1..=n {
        let page = Response::ok("text/html; charset=utf-8", numbered_article(i));
        s.route(
            &format!("/a/{i}"),
            if i == stall_at {
                page.stall(stall)
            } else {
                page
            },
        );
    }
}

#[test]
fn overlapping_runs_one_writes_the_other_exits_75() {
    let b = Bench::new();
    feed_with_slow_page(&b, 3, 2, Duration::from_millis(1500));
    b.sources(&[], &[("feed", "/feed.xml", "feed")]);
    let mut first = spawn_fetch(&b, &[]);
    wait_for("the first run to reach the slow page", || {
        !b.server.requests_to("/a/2").is_empty()
    });
    let second = b.fetch_quiet(&[]);
    assert_eq!(second.status.code(), Some(75));
    let message = String::from_utf8_lossy(&second.stderr);
    assert_eq!(message.lines().count(), 1, "one line: {message}");
    assert!(message.contains("another sitrep run"), "{message}");
    assert!(first.wait().unwrap().success());
    assert_eq!(b.count("SELECT count(*) FROM articles"), 3);
    assert_eq!(
        b.count("SELECT count(*) FROM runs"),
        1,
        "the second run wrote nothing"
    );
    assert_eq!(b.server.requests_to("/feed.xml").len(), 1);
}

/// What two databases must agree on: stored articles, their URLs, claims and the frontier.
fn fingerprint(b: &Bench) -> Vec<String> {
    let conn = b.conn();
    let mut out = Vec::new();
    for sql in [
        "SELECT content_hash FROM articles ORDER BY content_hash",
        "SELECT a.content_hash || ' ' || u.url FROM article_urls u JOIN articles a ON a.id = u.article_id ORDER BY 1",
        "SELECT a.content_hash || ' ' || count(c.id) FROM articles a LEFT JOIN claims c ON c.article_id = a.id GROUP BY a.id ORDER BY 1",
        "SELECT url || ' ' || state FROM items ORDER BY url",
    ] {
        let mut stmt = conn.prepare(sql).unwrap();
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
        out.extend(rows.map(Result::unwrap));
    }
    out
}

#[test]
fn a_run_killed_half_way_is_completed_by_the_next() {
    let killed = Bench::new();
    feed_with_slow_page(&killed, 8, 5, Duration::from_secs(30));
    // One page at a time, so the kill lands after some pages and before the others.
    let one_at_a_time = [("per_host_concurrency", "1"), ("timeout_secs", "60")];
    killed.sources(&one_at_a_time, &[("feed", "/feed.xml", "feed")]);
    let mut child = spawn_fetch(&killed, &[]);
    wait_for("the run to reach page 5", || {
        !killed.server.requests_to("/a/5").is_empty()
    });
    // Page 5 hangs, and holds the host's only slot: the pages answered before it are all
    // stored, the others wait, and the run is mid-way for as long as we like.
    let answered = || {
        let requests = killed.server.requests();
        requests
            .iter()
            .filter(|r| r.path.starts_with("/a/") && r.path != "/a/5")
            .count() as i64
    };
    wait_for("the pages answered to be stored", || {
        killed.db.exists() && killed.count("SELECT count(*) FROM articles") == answered()
    });
    let stored = answered();
    assert!(stored < 8, "killed half-way");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(
        killed.count("SELECT count(*) FROM items WHERE state = 'pending'"),
        8 - stored
    );
    assert_eq!(
        killed.text("SELECT status FROM runs").as_deref(),
        Some("running")
    );

    // The next scheduled run (the feed itself is not due yet) finishes the pending pages.
    killed.server.route(
        "/a/5",
        Response::ok("text/html; charset=utf-8", numbered_article(5)),
    );
    killed.server.clear_log();
    let resumed = killed.fetch(&[]);
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert!(killed.server.requests_to("/feed.xml").is_empty());
    assert_eq!(
        killed
            .text("SELECT group_concat(status) FROM runs ORDER BY id")
            .as_deref(),
        Some("interrupted,ok")
    );

    let whole = Bench::new();
    feed_with_slow_page(&whole, 8, 0, Duration::ZERO);
    whole.sources(&one_at_a_time, &[("feed", "/feed.xml", "feed")]);
    assert_eq!(whole.fetch(&[]).code, 0);
    let normalize = |b: &Bench| -> Vec<String> {
        fingerprint(b)
            .into_iter()
            .map(|l| l.replace(&b.server.url(""), "http://server"))
            .collect()
    };
    assert_eq!(normalize(&killed), normalize(&whole));
}

#[test]
fn sources_are_added_listed_checked_and_removed() {
    let b = Bench::new();
    std::fs::write(
        &b.sources,
        format!("# analysts' outlets\n{}", settings(&[])),
    )
    .unwrap();
    b.server.route(
        "/feed.xml",
        rss_response(rss(&[("g1", &b.server.url("/a/1"))])),
    );
    let feed = b.server.url("/feed.xml");
    let ok = |args: &[&str]| {
        let out = b.command().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    ok(&[
        "sources",
        "add",
        &feed,
        "--name",
        "Local feed",
        "--kind",
        "feed",
        "--language",
        "fr",
        "--interval",
        "30",
    ]);
    let dup = b
        .command()
        .args(["sources", "add", &feed])
        .output()
        .unwrap();
    assert_eq!(dup.status.code(), Some(2), "the same URL twice is refused");
    let listed = ok(&["sources", "list", "--format", "csv"]);
    assert!(
        listed.contains(&format!("Local feed,{feed},feed,fr,30,yes")),
        "{listed}"
    );
    let checked = ok(&["sources", "check", "--format", "csv"]);
    assert!(
        checked.contains(&format!("Local feed,{feed},200,1,")),
        "{checked}"
    );
    assert!(!b.db.exists(), "check writes nothing");
    ok(&["sources", "remove", "Local feed"]);
    let text = std::fs::read_to_string(&b.sources).unwrap();
    assert!(
        text.starts_with("# analysts' outlets") && !text.contains("Local feed"),
        "{text}"
    );
    let typo = b
        .command()
        .args(["sources", "remove", "nothing"])
        .output()
        .unwrap();
    assert_eq!(typo.status.code(), Some(2));
}
