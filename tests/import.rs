//! `sitrep import` on archives: a CC-NEWS-style multi-member `.warc.gz` with a corrupt member
//! and records that are not articles, and JSON Lines with a bad line.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use flate2::Compression;
use flate2::write::GzEncoder;
use rusqlite::Connection;
use sitrep::fetch::archive::write_warc_record;

fn sitrep(db: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sitrep"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("SITREP_PATTERNS")
        .arg("--db")
        .arg(db);
    cmd
}

fn scalar<T: rusqlite::types::FromSql>(db: &Path, sql: &str) -> T {
    Connection::open(db)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn page(n: usize, town: &str) -> String {
    format!(
        "<html><head><title>Attack near {town}</title>\
         <meta property=\"article:published_time\" content=\"2025-10-2{n}T08:00:00Z\"></head><body><article>\
         <h1>Attack near {town}</h1><p>JNIM fighters attacked a fuel convoy near {town} on Tuesday, burning several \
         tanker trucks, local officials said in report {n}.</p><p>The group has blockaded the roads to the capital \
         since September, officials added, and traffic on the national road has stopped.</p></article></body></html>"
    )
}

fn member(out: &mut Vec<u8>, record: &[u8]) {
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(record).unwrap();
    out.extend(gz.finish().unwrap());
}

fn warc(uri: &str, status: u16, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut record = Vec::new();
    write_warc_record(
        &mut record,
        uri,
        "2025-10-28T10:00:00Z",
        status,
        content_type,
        body,
    )
    .unwrap();
    record
}

/// Three articles, a PDF, a 404, a corrupt member between them, and a last article.
fn cc_news(dir: &Path) -> (PathBuf, u64) {
    let mut file = Vec::new();
    member(
        &mut file,
        &warc(
            "https://news.example/a1",
            200,
            "text/html; charset=utf-8",
            page(1, "Kayes").as_bytes(),
        ),
    );
    member(
        &mut file,
        &warc(
            "https://news.example/a2",
            200,
            "text/html",
            page(2, "Sevare").as_bytes(),
        ),
    );
    member(
        &mut file,
        &warc(
            "https://news.example/report.pdf",
            200,
            "application/pdf",
            b"%PDF-1.4 ...",
        ),
    );
    member(
        &mut file,
        &warc(
            "https://news.example/missing",
            404,
            "text/html",
            b"<html>not found</html>",
        ),
    );
    let corrupt_at = file.len() as u64;
    let mut bad = Vec::new();
    member(
        &mut bad,
        &warc(
            "https://news.example/lost",
            200,
            "text/html",
            page(3, "Gao").as_bytes(),
        ),
    );
    bad.truncate(bad.len() / 2); // a truncated member, as a broken download leaves
    file.extend(bad);
    member(
        &mut file,
        &warc(
            "https://news.example/a4",
            200,
            "text/html",
            page(4, "Mopti").as_bytes(),
        ),
    );
    let path = dir.join("CC-NEWS-test.warc.gz");
    std::fs::write(&path, file).unwrap();
    (path, corrupt_at)
}

#[test]
fn a_cc_news_warc_goes_in_and_its_corrupt_record_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let (warc, corrupt_at) = cc_news(dir.path());
    let out = sitrep(&db).arg("import").arg(&warc).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a corrupt record makes the exit code say so: {stderr}"
    );
    assert!(
        stderr.contains(&corrupt_at.to_string()),
        "the corrupt record's offset is reported: {stderr}"
    );
    let urls: String = scalar(
        &db,
        "SELECT group_concat(source_url, ' ') FROM (SELECT source_url FROM articles ORDER BY source_url)",
    );
    assert_eq!(
        urls,
        "https://news.example/a1 https://news.example/a2 https://news.example/a4"
    );
    assert_eq!(
        scalar::<i64>(
            &db,
            "SELECT count(*) FROM raw_pages WHERE fetched_at = '2025-10-28T10:00:00Z'"
        ),
        3
    );
    assert!(
        scalar::<i64>(
            &db,
            "SELECT count(*) FROM claims WHERE predicate = 'attack'"
        ) >= 3
    );
    assert_eq!(
        scalar::<String>(&db, "SELECT status FROM runs WHERE command = 'import'"),
        "partial"
    );

    // Importing it again adds nothing.
    sitrep(&db).arg("import").arg(&warc).output().unwrap();
    assert_eq!(scalar::<i64>(&db, "SELECT count(*) FROM articles"), 3);
    // What was imported can be reprocessed without the archive.
    std::fs::remove_file(&warc).unwrap();
    let again = sitrep(&db)
        .args(["diff", "--format", "json"])
        .output()
        .unwrap();
    let diff: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(diff["articles"], 3);
    assert_eq!(
        diff["added"].as_array().unwrap().len() + diff["removed"].as_array().unwrap().len(),
        0
    );
}

#[test]
fn json_lines_with_a_bad_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let path = dir.path().join("articles.jsonl");
    let lines = [
        serde_json::json!({"url": "https://news.example/j1", "html": page(1, "Kayes")}).to_string(),
        "{not json".to_string(),
        serde_json::json!({"url": "https://news.example/j2", "title": "Blocus", "published": "2025-11-02",
            "language": "fr", "text": "Le JNIM impose un blocus sur la RN5 depuis septembre, selon des habitants de Kayes."})
        .to_string(),
    ];
    std::fs::write(&path, lines.join("\n")).unwrap();
    let out = sitrep(&db).arg("import").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(scalar::<i64>(&db, "SELECT count(*) FROM articles"), 2);
    assert_eq!(
        scalar::<String>(
            &db,
            "SELECT published FROM articles WHERE source_url LIKE '%j2'"
        ),
        "2025-11-02"
    );
}

#[test]
fn a_page_imported_again_is_not_added_twice_but_a_changed_one_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let archive = |name: &str, pages: &[(&str, String)]| {
        let mut file = Vec::new();
        for (uri, html) in pages {
            member(&mut file, &warc(uri, 200, "text/html", html.as_bytes()));
        }
        let path = dir.path().join(name);
        std::fs::write(&path, file).unwrap();
        path
    };
    let first = archive(
        "first.warc.gz",
        &[
            ("https://news.example/a1", page(1, "Kayes")),
            ("https://news.example/a2", page(2, "Ségou")),
        ],
    );
    let out = sitrep(&db).arg("import").arg(&first).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // The same URLs again: one page unchanged, one rewritten since.
    let second = archive(
        "second.warc.gz",
        &[
            ("https://news.example/a1", page(1, "Kayes")),
            ("https://news.example/a2", page(5, "Gao")),
        ],
    );
    let out = sitrep(&db).arg("import").arg(&second).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(scalar::<i64>(&db, "SELECT count(*) FROM articles"), 3);
    let (added, duplicates): (i64, i64) = (
        scalar(&db, "SELECT added FROM runs ORDER BY id DESC LIMIT 1"),
        scalar(&db, "SELECT duplicates FROM runs ORDER BY id DESC LIMIT 1"),
    );
    assert_eq!((added, duplicates), (1, 1));
    assert_eq!(
        scalar::<i64>(
            &db,
            "SELECT count(*) FROM raw_pages WHERE url = 'https://news.example/a2'"
        ),
        2
    );
}
