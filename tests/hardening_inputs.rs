//! Bad inputs at the command line (issue 12), each test named after the fault it covers: text
//! that is UTF-8 but for one byte, garbage inside a WARC, inputs that are not files, a one-off
//! fetch that stores nothing, and `sources.toml` limits of zero.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use rusqlite::Connection;
use sitrep::fetch::archive::write_warc_record;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `sitrep --db DB`, from the repository (for its patterns), never waiting long: a command
/// that blocks (on a FIFO, say) fails its test instead of hanging it.
fn sitrep(db: &Path) -> Command {
    let mut cmd = Command::cargo_bin("sitrep").expect("binary builds");
    cmd.current_dir(root())
        .env_remove("SITREP_PATTERNS")
        .env_remove("SITREP_SOURCES")
        .timeout(Duration::from_secs(60))
        .arg("--db")
        .arg(db);
    cmd
}

struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Ran {
    let out = cmd.output().unwrap();
    Ran {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn count(db: &Path, sql: &str) -> i64 {
    Connection::open(db)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

/// A FIFO at `path`, made with mkfifo(1).
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo").arg(path).status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "mkfifo {}",
        path.display()
    );
}

#[test]
fn invalid_utf8_in_one_place_of_a_txt_keeps_every_valid_character() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.txt");
    let mut text = "Bamako — Le JNIM a attaqué un convoi près de Kayes — selon l'armée malienne.\n"
        .repeat(4)
        .into_bytes();
    text.insert(30, 0xFF);
    std::fs::write(&file, text).unwrap();
    let out = run(sitrep(&dir.path().join("never.db"))
        .args(["extract"])
        .arg(&file));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let text = json["text"].as_str().unwrap();
    assert_eq!(text.matches('—').count(), 8, "{text}");
    assert!(text.contains("attaqué un convoi près de Kayes"), "{text}");
    assert_eq!(text.matches('\u{FFFD}').count(), 1, "{text}");
    assert!(!text.contains("â€"), "{text}");
}

/// A WARC `response` record holding an article page that is different for each `n`.
fn record(n: usize) -> Vec<u8> {
    let places = ["Kayes", "Bamako", "Mopti", "Gao", "Tombouctou"];
    let body = format!(
        "<html><body><h1>Dispatch {n}</h1><p>Report number {n}: JNIM fighters attacked a \
         convoy near {} on the RN{} road, officials said.</p></body></html>",
        places[n % places.len()],
        n + 1
    );
    let mut out = Vec::new();
    let (uri, date) = (format!("https://example.org/{n}"), "2025-10-28T08:00:00Z");
    write_warc_record(&mut out, &uri, date, 200, "text/html", body.as_bytes()).unwrap();
    out
}

#[test]
fn a_warc_with_garbage_bytes_between_records_loses_only_the_garbage() {
    let garbage: [&[u8]; 6] = [
        b"garbage without a newline",
        b"\x00\x1f\x8b\x08\xff binary\r\n",
        b"WARC/WARC/1.x",
        b"WARC/1.0\r\nX: no length\r\n\r\n",
        b"junk line\n",
        b"WARC/1.",
    ];
    let mut bytes = Vec::new();
    for n in 0..20 {
        bytes.extend(record(n));
        if n % 3 == 0
            && let Some(g) = garbage.get(n / 3)
        {
            bytes.extend_from_slice(g);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let warc = dir.path().join("damaged.warc");
    std::fs::write(&warc, bytes).unwrap();
    let db = dir.path().join("t.db");
    let out = run(sitrep(&db).arg("import").arg(&warc));
    assert_eq!(
        count(&db, "SELECT count(*) FROM articles"),
        20,
        "{}",
        out.stderr
    );
    // Each garbage block is reported once, as a failed input: the run is partial.
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert_eq!(
        out.stderr.matches("damaged.warc at offset").count(),
        garbage.len(),
        "{}",
        out.stderr
    );
}

#[test]
fn dev_zero_or_a_fifo_as_an_input_is_an_error_not_0_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.txt");
    mkfifo(&fifo);
    let socket_path = dir.path().join("news.sock");
    let _socket = std::os::unix::net::UnixListener::bind(&socket_path).unwrap();
    let cases = [
        (PathBuf::from("/dev/zero"), "a character device"),
        (fifo, "a FIFO"),
        (socket_path, "a socket"),
    ];
    let db = dir.path().join("t.db");
    for command in ["ingest", "import"] {
        for (path, kind) in &cases {
            let out = run(sitrep(&db).arg(command).arg(path));
            assert_eq!(
                out.code,
                Some(1),
                "{command} {}: {}",
                path.display(),
                out.stderr
            );
            let lines: Vec<&str> = out
                .stderr
                .lines()
                .filter(|l| l.contains(&*path.to_string_lossy()))
                .collect();
            assert_eq!(lines.len(), 1, "{}", out.stderr);
            assert!(lines[0].contains(kind), "{}", out.stderr);
            assert!(lines[0].contains("not a regular file"), "{}", out.stderr);
            assert!(out.stderr.contains("1 failed"), "{}", out.stderr);
        }
    }
}

#[test]
fn a_directory_walk_meeting_a_fifo_skips_it_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    std::fs::copy(
        root().join("fixtures/seeds/000_dec6e1f6441e53ed.txt"),
        inputs.join("a.txt"),
    )
    .unwrap();
    mkfifo(&inputs.join("b.txt"));
    let db = dir.path().join("t.db");
    let out = run(sitrep(&db).arg("ingest").arg(&inputs));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "warning: skipped {}",
            inputs.join("b.txt").display()
        )),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("1 skipped (not regular files)"),
        "{}",
        out.stderr
    );
    assert_eq!(count(&db, "SELECT count(*) FROM articles"), 1);
}

/// A sources file in `dir` with these `[fetch]` lines.
fn sources(dir: &Path, fetch: &str) -> PathBuf {
    let path = dir.join("sources.toml");
    std::fs::write(&path, format!("[fetch]\n{fetch}\n")).unwrap();
    path
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn a_refused_or_failed_one_off_fetch_exits_1_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let url = format!("http://127.0.0.1:{}/article", closed_port());
    // (sources file, what the one line must say)
    let cases = [
        // The SSRF guard refuses loopback unless allowed.
        ("connect_timeout_secs = 2", "refused by the SSRF guard"),
        // Allowed, but nothing listens: robots.txt is unreachable, and the line says so.
        (
            "allow_networks = [\"127.0.0.1\"]\nconnect_timeout_secs = 2",
            "robots.txt unreachable",
        ),
        (
            "allow_networks = [\"127.0.0.1\"]\nconnect_timeout_secs = 2\nrobots = false",
            "Connection refused",
        ),
    ];
    for (fetch, reason) in cases {
        let file = sources(dir.path(), fetch);
        let out = run(sitrep(&db)
            .arg("fetch")
            .arg("--sources")
            .arg(&file)
            .arg(&url));
        assert_eq!(out.code, Some(1), "{fetch}: {}", out.stderr);
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{fetch}: {}", out.stderr);
        assert!(
            lines[0].starts_with(&format!("sitrep: {url}: ")),
            "{}",
            lines[0]
        );
        assert!(lines[0].contains(reason), "{fetch}: {}", lines[0]);
    }
    assert_eq!(
        count(&db, "SELECT count(*) FROM runs WHERE status = 'ok'"),
        0
    );
}

#[test]
fn sources_toml_zero_or_negative_limits_are_a_usage_error_naming_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    for (fetch, key) in [
        ("concurrency = 0", "fetch.concurrency"),
        ("timeout_secs = 0", "fetch.timeout_secs"),
        ("max_body_bytes = 0", "fetch.max_body_bytes"),
        ("concurrency = -2", "concurrency = -2"),
        ("per_host_delay_ms = -1", "per_host_delay_ms = -1"),
    ] {
        let file = sources(dir.path(), fetch);
        for args in [
            &["fetch", "https://example.org/a"][..],
            &["sources", "list"],
        ] {
            let mut cmd = sitrep(&db);
            let out = run(cmd.env("SITREP_SOURCES", &file).args(args));
            assert_eq!(out.code, Some(2), "{fetch}: {}", out.stderr);
            let lines: Vec<&str> = out.stderr.lines().collect();
            assert_eq!(lines.len(), 1, "{fetch}: {}", out.stderr);
            assert!(lines[0].contains(&*file.to_string_lossy()), "{}", lines[0]);
            assert!(lines[0].contains(key), "{fetch}: {}", lines[0]);
        }
    }
    assert!(!db.exists(), "nothing ran");
}

#[test]
fn sources_toml_allow_networks_opening_everything_is_warned_about_at_default_verbosity() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    for everything in ["0.0.0.0/0", "::/0"] {
        let file = sources(dir.path(), &format!("allow_networks = [\"{everything}\"]"));
        let out = run(sitrep(&db)
            .env("SITREP_SOURCES", &file)
            .args(["sources", "list"]));
        assert_eq!(out.code, Some(0), "{}", out.stderr);
        let warning = format!(
            "sitrep: warning: {}: fetch.allow_networks: \"{everything}\"",
            file.display()
        );
        assert!(out.stderr.starts_with(&warning), "{}", out.stderr);
        assert!(out.stderr.contains("SSRF guard is off"), "{}", out.stderr);
    }
}
