//! `sitrep fetch` against a real HTTP server on loopback: feeds, sitemaps, every kind of
//! broken server, encodings, robots.txt, the SSRF guard and deduplication. Each case checks
//! what is stored, what is logged, and that nothing else was lost.

#[path = "support/server.rs"]
mod server;
#[path = "support/fetch_env.rs"]
mod support;

use std::time::Duration;

use server::Response;
use support::*;

#[test]
fn rss_atom_and_news_sitemap_articles_are_stored_silently() {
    let b = Bench::new();
    let s = &b.server;
    s.route(
        "/rss.xml",
        rss_response(rss(&[
            ("g1", &s.url("/a/1")),
            ("g2", &s.url("/a/2?utm_source=rss")),
        ])),
    );
    s.route(
        "/atom.xml",
        Response::ok("application/atom+xml", atom(&[("urn:3", &s.url("/a/3"))])),
    );
    s.route(
        "/news.xml",
        Response::ok("application/xml", news_sitemap(&[&s.url("/a/4")])),
    );
    for n in 1..=4 {
        b.page(&format!("/a/{n}"), numbered_article(n));
    }
    b.sources(
        &[],
        &[
            ("rss", "/rss.xml", "feed"),
            ("atom", "/atom.xml", "feed"),
            ("news", "/news.xml", "sitemap"),
        ],
    );

    let out = b.fetch_quiet(&[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty() && out.stdout.is_empty(),
        "cron runs are silent on success"
    );

    assert_eq!(b.count("SELECT count(*) FROM articles"), 4);
    assert_eq!(
        b.count("SELECT count(*) FROM items WHERE state = 'done'"),
        4
    );
    assert_eq!(
        b.count("SELECT count(*) FROM raw_pages"),
        4,
        "every body is kept"
    );
    assert_eq!(
        b.count("SELECT count(*) FROM articles WHERE raw_id IS NOT NULL AND source_id IS NOT NULL"),
        4
    );
    assert!(b.count("SELECT count(*) FROM claims WHERE predicate = 'attack'") >= 4);
    // Tracking parameters are not part of an article's identity.
    let tracked = s.url("/a/2");
    assert_eq!(
        b.count(&format!(
            "SELECT count(*) FROM article_urls WHERE url = '{tracked}'"
        )),
        1
    );
    assert_eq!(
        b.count("SELECT polled * 1000 + updated * 100 + added FROM runs WHERE command = 'fetch'"),
        3 * 1000 + 3 * 100 + 4
    );
    assert_eq!(b.text("SELECT status FROM runs").as_deref(), Some("ok"));
    // The raw body decompresses to what was served.
    let conn = b.conn();
    let gz: Vec<u8> = support::scalar(&conn, "SELECT body FROM raw_pages WHERE url LIKE '%/a/1'");
    let mut body = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut body).unwrap();
    assert_eq!(body, numbered_article(1));
}

#[test]
fn a_second_run_asks_conditionally_and_adds_nothing() {
    let b = Bench::new();
    let s = &b.server;
    s.route(
        "/etag.xml",
        rss_response(rss(&[("g1", &s.url("/a/1"))])).etag("\"v1\""),
    );
    s.route(
        "/lm.xml",
        Response::ok("application/atom+xml", atom(&[("urn:2", &s.url("/a/2"))]))
            .last_modified("Tue, 28 Oct 2025 08:00:00 GMT"),
    );
    // A server that changes its ETag on every response, for the same body.
    s.route("/fickle.xml", rss_response(rss(&[("g3", &s.url("/a/3"))])));
    for n in 1..=3 {
        b.page(&format!("/a/{n}"), numbered_article(n));
    }
    b.sources(
        &[],
        &[
            ("etag", "/etag.xml", "feed"),
            ("lm", "/lm.xml", "feed"),
            ("fickle", "/fickle.xml", "feed"),
        ],
    );
    let first = b.fetch(&[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(b.count("SELECT count(*) FROM articles"), 3);
    s.route(
        "/fickle.xml",
        rss_response(rss(&[("g3", &s.url("/a/3"))])).header("ETag", "\"other\""),
    );
    s.clear_log();

    let second = b.fetch(&["--all"]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    let etag = &s.requests_to("/etag.xml")[0];
    assert_eq!(etag.header("if-none-match"), Some("\"v1\""));
    let lm = &s.requests_to("/lm.xml")[0];
    assert_eq!(
        lm.header("if-modified-since"),
        Some("Tue, 28 Oct 2025 08:00:00 GMT")
    );
    assert!(
        s.requests().iter().all(|r| !r.path.starts_with("/a/")),
        "no article fetched again"
    );
    assert_eq!(b.count("SELECT count(*) FROM articles"), 3);
    assert_eq!(b.count("SELECT count(*) FROM raw_pages"), 3);
    assert_eq!(
        b.count("SELECT unchanged * 10 + updated FROM runs ORDER BY id DESC LIMIT 1"),
        30,
        "304, 304 and an unchanged body hash"
    );
}

#[test]
fn broken_servers_are_recorded_backed_off_and_reported() {
    let b = Bench::new();
    let s = &b.server;
    s.route("/ok.xml", rss_response(rss(&[("g1", &s.url("/a/1"))])));
    b.page("/a/1", numbered_article(1));
    s.route("/404.xml", Response::status(404));
    s.route("/410.xml", Response::status(410));
    s.route(
        "/429.xml",
        Response::status(429).header("Retry-After", "3600"),
    );
    s.route("/500.xml", Response::status(500));
    s.route("/loop.xml", Response::redirect(302, "/loop2.xml"));
    s.route("/loop2.xml", Response::redirect(302, "/loop.xml"));
    s.route(
        "/stall.xml",
        rss_response(rss(&[])).stall(Duration::from_secs(4)),
    );
    s.route(
        "/big.xml",
        Response::ok("application/rss+xml", "").endless(5_000_000),
    );
    s.route(
        "/bad.xml",
        rss_response("<rss><channel><item><title>cut off".into()),
    );
    // The 429 comes from another host name: a host that asks to wait is left alone for the
    // rest of the run, and that must not hold up the other sources.
    let other_host = format!("http://localhost:{}/429.xml", s.addr().port());
    b.sources(
        &[],
        &[
            ("ok", "/ok.xml", "feed"),
            ("s404", "/404.xml", "feed"),
            ("s410", "/410.xml", "feed"),
            ("s429", &other_host, "feed"),
            ("s500", "/500.xml", "feed"),
            ("loop", "/loop.xml", "feed"),
            ("stall", "/stall.xml", "feed"),
            ("big", "/big.xml", "feed"),
            ("bad", "/bad.xml", "feed"),
        ],
    );
    let run = b.fetch(&[]);
    assert_eq!(run.code, 1, "some sources failed: {}", run.stderr);
    assert_eq!(
        b.count("SELECT count(*) FROM articles"),
        1,
        "the good feed still went in"
    );
    let error_of = |name: &str| {
        b.text(&format!(
            "SELECT last_error FROM sources WHERE name = '{name}'"
        ))
        .unwrap_or_default()
    };
    for (name, path, needle) in [
        ("s404", "/404.xml", "HTTP 404"),
        ("s410", "/410.xml", "HTTP 410"),
        ("s429", "localhost", "HTTP 429"),
        ("s500", "/500.xml", "HTTP 500"),
        ("loop", "/loop.xml", "redirect"),
        ("stall", "/stall.xml", "timed out"),
        ("big", "/big.xml", "larger than"),
        ("bad", "/bad.xml", "malformed"),
    ] {
        assert!(
            error_of(name).contains(needle),
            "{name}: {:?}",
            error_of(name)
        );
        assert_eq!(
            b.count(&format!(
                "SELECT failures FROM sources WHERE name = '{name}'"
            )),
            1,
            "{name}"
        );
        let level = if name == "s410" { "ERROR" } else { "WARN" };
        let url = if path.starts_with('/') {
            s.url(path)
        } else {
            other_host.clone()
        };
        run.assert_logged(level, &url);
    }
    assert_eq!(
        b.text("SELECT disabled_reason FROM sources WHERE name = 's410'")
            .as_deref(),
        Some("410 Gone")
    );
    assert!(
        b.count("SELECT unixepoch(next_poll_at) - unixepoch(last_polled_at) FROM sources WHERE name = 's429'") >= 3600,
        "Retry-After is honoured"
    );
    assert_eq!(b.count("SELECT failed FROM runs"), 8);
    assert_eq!(
        b.text("SELECT status FROM runs").as_deref(),
        Some("partial")
    );

    // The next scheduled run leaves failing sources alone until their backoff expires, and a
    // forced one still never polls a source that is gone.
    s.clear_log();
    let again = b.fetch(&[]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(s.requests().is_empty(), "nothing due: {:?}", s.requests());
    b.fetch(&["--all"]);
    assert!(s.requests_to("/410.xml").is_empty());
    assert_eq!(
        b.count("SELECT failures FROM sources WHERE name = 's500'"),
        2
    );
}

#[test]
fn legacy_encodings_are_decoded() {
    let b = Bench::new();
    let s = &b.server;
    // windows-1252 declared in the header; ISO-8859-1 declared nowhere (detected).
    let cp1252 = |text: &str| encoding_rs::WINDOWS_1252.encode(text).0.into_owned();
    let page = |town: &str| {
        article(
            &format!("Blocus à {town}"),
            "2025-10-28",
            &[
                &format!(
                    "Les combattants du JNIM ont incendié des camions-citernes près de {town} mardi, l’armée a confirmé l’attaque."
                ),
                "Le blocus imposé depuis septembre prive la région de carburant et de denrées, selon des élus locaux.",
                &format!(
                    "Les habitants de {town} décrivent des files d’attente interminables devant les stations-service fermées."
                ),
            ],
        )
    };
    s.route(
        "/cp1252",
        Response::ok(
            "text/html; charset=windows-1252",
            cp1252(&page("Kayes")).as_slice().to_vec(),
        ),
    );
    s.route(
        "/latin1",
        Response::ok(
            "text/html",
            cp1252(
                &page("Ségou")
                    .replace("’", "'")
                    .replace("charset=\"utf-8\"", ""),
            )
            .as_slice()
            .to_vec(),
        ),
    );
    s.route(
        "/feed.xml",
        rss_response(rss(&[("1", &s.url("/cp1252")), ("2", &s.url("/latin1"))])),
    );
    b.sources(&[], &[("fr", "/feed.xml", "feed")]);
    let run = b.fetch(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(b.count("SELECT count(*) FROM articles WHERE text LIKE '%ont incendié des camions-citernes près de Kayes%l’armée%'"), 1);
    assert_eq!(b.count("SELECT count(*) FROM articles WHERE title = 'Blocus à Ségou' AND text LIKE '%Les habitants de Ségou%'"), 1);
    assert!(
        !run.logs
            .iter()
            .any(|l| l["level"] == "WARN" || l["level"] == "ERROR"),
        "nothing to report: {}",
        run.stderr
    );
}

#[test]
fn robots_txt_and_private_addresses_are_respected() {
    let b = Bench::new();
    let s = &b.server;
    s.route(
        "/robots.txt",
        Response::ok("text/plain", "User-agent: *\nDisallow: /private/\n"),
    );
    b.page("/private/secret", numbered_article(1));
    b.page("/public/story", numbered_article(2));
    let port = s.addr().port();
    let metadata = "http://169.254.169.254/latest/meta-data/".to_string();
    let v6_loopback = format!("http://[::1]:{port}/public/story");
    s.route(
        "/feed.xml",
        rss_response(rss(&[
            ("1", &s.url("/private/secret")),
            ("2", &s.url("/public/story")),
            ("3", &metadata),
            ("4", &v6_loopback),
        ])),
    );
    b.sources(&[], &[("feed", "/feed.xml", "feed")]);
    let run = b.fetch(&[]);
    assert_eq!(
        run.code, 0,
        "skipping on purpose is not a failure: {}",
        run.stderr
    );
    assert!(
        s.requests_to("/private/secret").is_empty(),
        "robots.txt obeyed"
    );
    assert_eq!(
        s.requests_to("/robots.txt").len(),
        1,
        "robots.txt fetched once per host"
    );
    assert_eq!(b.count("SELECT count(*) FROM articles"), 1);
    assert_eq!(
        b.count("SELECT count(*) FROM items WHERE state = 'skipped'"),
        3
    );
    assert!(
        b.text("SELECT last_error FROM items WHERE url LIKE '%/private/secret'")
            .unwrap()
            .contains("robots.txt")
    );
    for url in [&metadata, &v6_loopback] {
        let error = b
            .text(&format!("SELECT last_error FROM items WHERE url = '{url}'"))
            .unwrap();
        assert!(error.contains("SSRF"), "{url}: {error}");
        run.assert_logged("WARN", url);
    }
    let ua = s.requests_to("/public/story")[0]
        .header("user-agent")
        .unwrap()
        .to_string();
    assert!(ua.starts_with("sitrep/"), "{ua}");
}

#[test]
fn the_same_story_via_two_urls_or_feeds_is_one_article() {
    let b = Bench::new();
    let s = &b.server;
    let story = numbered_article(7);
    b.page("/story", story.clone());
    // An AMP copy pointing at the original, and a syndicated copy with the same text.
    b.page(
        "/amp/story",
        story.replace(
            "<head>",
            &format!(
                "<head><link rel=\"canonical\" href=\"{}\">",
                s.url("/story")
            ),
        ),
    );
    b.page("/syndicated/story", story);
    s.route(
        "/one.xml",
        rss_response(rss(&[("x1", &s.url("/story?utm_medium=social"))])),
    );
    s.route(
        "/two.xml",
        rss_response(rss(&[
            ("y1", &s.url("/amp/story")),
            ("y2", &s.url("/syndicated/story")),
        ])),
    );
    b.sources(
        &[],
        &[("one", "/one.xml", "feed"), ("two", "/two.xml", "feed")],
    );
    let run = b.fetch(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(b.count("SELECT count(*) FROM articles"), 1);
    assert_eq!(b.count("SELECT count(DISTINCT article_id) FROM items"), 1);
    for path in ["/story", "/amp/story", "/syndicated/story"] {
        assert_eq!(
            b.count(&format!(
                "SELECT count(*) FROM article_urls WHERE url = '{}'",
                s.url(path)
            )),
            1,
            "{path}"
        );
    }
}

#[test]
fn one_off_urls_are_fetched_without_sources() {
    let b = Bench::new();
    b.sources(&[], &[]);
    b.page("/a/9", numbered_article(9));
    let url = b.server.url("/a/9");
    let run = b.fetch(&[&url]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(b.count("SELECT count(*) FROM articles"), 1);
    let again = b.fetch(&[&url]);
    assert_eq!(again.code, 0);
    assert_eq!(
        b.server.requests_to("/a/9").len(),
        1,
        "an article already stored is not fetched again"
    );
    let bad = b.fetch(&["not a url"]);
    assert_eq!(bad.code, 2);
}

#[test]
fn failing_pages_are_retried_later_or_given_up() {
    let b = Bench::new();
    let s = &b.server;
    s.route(
        "/feed.xml",
        rss_response(rss(&[
            ("1", &s.url("/a/gone")),
            ("2", &s.url("/a/flaky")),
            ("3", &s.url("/a/slow")),
            ("4", &s.url("/a/pdf")),
            ("5", &s.url("/a/ok")),
            ("6", &s.url("/a/empty")),
        ])),
    );
    s.route("/a/gone", Response::status(404));
    s.route("/a/flaky", Response::status(503).header("Retry-After", "1"));
    s.route(
        "/a/slow",
        Response::ok("text/html", numbered_article(3)).stall(Duration::from_secs(4)),
    );
    s.route("/a/pdf", Response::ok("application/pdf", "%PDF-1.4"));
    s.route(
        "/a/empty",
        Response::ok("text/html", "<html><body></body></html>"),
    );
    b.page("/a/ok", numbered_article(5));
    b.sources(&[], &[("feed", "/feed.xml", "feed")]);
    let run = b.fetch(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(b.count("SELECT count(*) FROM articles"), 1);
    let item = |path: &str| {
        b.text(&format!(
            "SELECT state || ' ' || coalesce(last_error, '') || ' ' || (next_attempt_at IS NOT NULL) FROM items WHERE url = '{}'",
            s.url(path)
        ))
        .unwrap()
    };
    for (path, state, needle, retried) in [
        ("/a/gone", "failed", "HTTP 404", "0"),
        ("/a/flaky", "pending", "HTTP 503", "1"),
        ("/a/slow", "pending", "timed out", "1"),
        ("/a/pdf", "failed", "application/pdf", "0"),
        ("/a/empty", "failed", "no main text", "0"),
    ] {
        let got = item(path);
        assert!(
            got.starts_with(state) && got.contains(needle) && got.ends_with(retried),
            "{path}: {got}"
        );
        run.assert_logged("WARN", &s.url(path));
    }
    // The empty page's body is kept all the same: nothing fetched is lost.
    assert_eq!(b.count("SELECT count(*) FROM raw_pages"), 2);

    // Later, the flaky page recovers and the next run picks it up without polling the feed.
    b.page("/a/flaky", numbered_article(2));
    b.conn()
        .execute(
            "UPDATE items SET next_attempt_at = '2000-01-01T00:00:00Z' WHERE state = 'pending'",
            [],
        )
        .unwrap();
    s.clear_log();
    let later = b.fetch(&[]);
    assert!(s.requests_to("/feed.xml").is_empty());
    assert_eq!(
        b.count("SELECT count(*) FROM articles"),
        2,
        "{}",
        later.stderr
    );
    assert!(
        s.requests_to("/a/gone").is_empty(),
        "a 404 is not asked again"
    );
}
