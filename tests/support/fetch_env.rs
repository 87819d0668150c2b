//! A `sitrep fetch` test bench: a loopback server, a temporary database and sources file, and
//! helpers to run the real binary and read what it stored and logged.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use rusqlite::Connection;
use serde_json::Value;

use super::server::{Response, TestServer};

pub struct Bench {
    pub server: TestServer,
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub sources: PathBuf,
}

/// Settings every test uses: its own server allowed past the SSRF guard, no politeness delay
/// (one host serves everything), short timeouts.
pub const FETCH_SETTINGS: &[(&str, &str)] = &[
    ("allow_networks", "[\"127.0.0.1\"]"),
    ("per_host_delay_ms", "0"),
    ("per_host_concurrency", "4"),
    ("timeout_secs", "2"),
    ("connect_timeout_secs", "2"),
    ("max_body_bytes", "1000000"),
];

/// The `[fetch]` table: [`FETCH_SETTINGS`] with some values replaced.
pub fn settings(overrides: &[(&str, &str)]) -> String {
    let mut text = String::from("[fetch]\n");
    for (key, value) in FETCH_SETTINGS {
        let value = overrides
            .iter()
            .find(|(k, _)| k == key)
            .map_or(*value, |(_, v)| *v);
        text.push_str(&format!("{key} = {value}\n"));
    }
    for (key, value) in overrides {
        if !FETCH_SETTINGS.iter().any(|(k, _)| k == key) {
            text.push_str(&format!("{key} = {value}\n"));
        }
    }
    text
}

impl Bench {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self {
            server: TestServer::start(),
            db: dir.path().join("t.db"),
            sources: dir.path().join("sources.toml"),
            dir,
        }
    }

    /// Writes the sources file: `[fetch]` settings plus one source per `(name, path, kind)`.
    pub fn sources(&self, overrides: &[(&str, &str)], sources: &[(&str, &str, &str)]) {
        let mut text = settings(overrides);
        for (name, path, kind) in sources {
            let url = if path.starts_with("http") {
                path.to_string()
            } else {
                self.server.url(path)
            };
            text.push_str(&format!(
                "[[source]]\nname = \"{name}\"\nurl = \"{url}\"\nkind = \"{kind}\"\n"
            ));
        }
        std::fs::write(&self.sources, text).unwrap();
    }

    pub fn std_command(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_sitrep"));
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("SITREP_PATTERNS")
            .env("SITREP_DB", &self.db)
            .env("SITREP_SOURCES", &self.sources);
        cmd
    }

    pub fn command(&self) -> Command {
        Command::from_std(self.std_command())
    }

    /// `sitrep fetch ARGS` with every step logged as JSON.
    pub fn fetch(&self, args: &[&str]) -> Run {
        let out = self
            .command()
            .args(["fetch", "-vv", "--log-format", "json"])
            .args(args)
            .output()
            .unwrap();
        Run::from(out)
    }

    /// `sitrep fetch ARGS` as cron runs it: no flags.
    pub fn fetch_quiet(&self, args: &[&str]) -> Output {
        self.command().arg("fetch").args(args).output().unwrap()
    }

    pub fn conn(&self) -> Connection {
        Connection::open(&self.db).unwrap()
    }

    pub fn count(&self, sql: &str) -> i64 {
        scalar(&self.conn(), sql)
    }

    pub fn text(&self, sql: &str) -> Option<String> {
        scalar(&self.conn(), sql)
    }

    /// Serves an article page.
    pub fn page(&self, path: &str, html: String) {
        self.server
            .route(path, Response::ok("text/html; charset=utf-8", html));
    }
}

pub fn scalar<T: rusqlite::types::FromSql>(conn: &Connection, sql: &str) -> T {
    conn.query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A finished run: exit code and parsed JSON log lines.
pub struct Run {
    pub code: i32,
    pub logs: Vec<Value>,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Self {
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let logs = stderr
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        Run {
            code: out.status.code().unwrap_or(-1),
            logs,
            stderr,
        }
    }
}

impl Run {
    /// Log events at `level` whose fields mention `needle` (in any value).
    pub fn logged(&self, level: &str, needle: &str) -> bool {
        self.logs.iter().any(|l| {
            l["level"] == level
                && l.as_object()
                    .is_some_and(|o| o.values().any(|v| v.to_string().contains(needle)))
        })
    }

    pub fn assert_logged(&self, level: &str, needle: &str) {
        assert!(
            self.logged(level, needle),
            "no {level} log mentioning {needle:?} in:\n{}",
            self.stderr
        );
    }
}

/// An article page: a headline, a date and paragraphs, in the shape news CMSs produce.
pub fn article(title: &str, date: &str, paragraphs: &[&str]) -> String {
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <meta property=\"article:published_time\" content=\"{date}T09:00:00Z\"></head>\
         <body><nav><a href=\"/\">Home</a> <a href=\"/world\">World</a></nav>\
         <article><h1>{title}</h1>\n{body}</article><footer>Copyright Example News</footer></body></html>"
    )
}

/// A distinct, realistic article for slot `n` (so content hashes differ).
pub fn numbered_article(n: usize) -> String {
    let towns = [
        "Kayes",
        "Nioro du Sahel",
        "Sikasso",
        "Ségou",
        "Mopti",
        "Gao",
        "Tombouctou",
        "Koutiala",
    ];
    let town = towns[n % towns.len()];
    article(
        &format!("Convoy attacked near {town} ({n})"),
        "2025-10-28",
        &[
            &format!(
                "BAMAKO — Fighters of the JNIM attacked a fuel convoy on the RN{} near {town} on Tuesday, \
                 burning {} tanker trucks, according to local officials reached by telephone.",
                n % 30 + 1,
                n % 9 + 2
            ),
            "The al-Qaeda affiliate has blockaded roads leading to the capital since September, \
             cutting supplies of fuel and food to several regions of the country.",
            &format!(
                "Residents said traffic on the road had stopped and that prices had risen sharply in \
                 the town's markets, report number {n} from our correspondents in the region."
            ),
        ],
    )
}

pub fn rss(items: &[(&str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(guid, link)| {
            format!(
                "<item><title>Item {guid}</title><link>{link}</link><guid isPermaLink=\"false\">{guid}</guid>\
                 <pubDate>Tue, 28 Oct 2025 08:00:00 GMT</pubDate></item>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Test feed</title>\
         <link>http://example.org/</link><description>t</description>{items}</channel></rss>"
    )
}

pub fn atom(entries: &[(&str, &str)]) -> String {
    let entries: String = entries
        .iter()
        .map(|(id, link)| {
            format!(
                "<entry><title>Entry {id}</title><id>{id}</id><link rel=\"alternate\" href=\"{link}\"/>\
                 <updated>2025-10-28T08:00:00Z</updated></entry>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">\
         <title>Test atom</title><id>urn:test</id><updated>2025-10-28T08:00:00Z</updated>{entries}</feed>"
    )
}

pub fn news_sitemap(urls: &[&str]) -> String {
    let urls: String = urls
        .iter()
        .map(|u| {
            format!(
                "<url><loc>{u}</loc><news:news><news:publication><news:name>Test</news:name>\
                 <news:language>en</news:language></news:publication>\
                 <news:publication_date>2025-10-28T08:00:00+00:00</news:publication_date>\
                 <news:title>News {u}</news:title></news:news></url>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
         xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">{urls}</urlset>"
    )
}

pub fn rss_response(body: String) -> Response {
    Response::ok("application/rss+xml", body)
}

pub fn path_of(p: &Path) -> String {
    p.display().to_string()
}
