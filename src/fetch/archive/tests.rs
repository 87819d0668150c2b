//! Archives built in temporary files: every kind of record, corruption and resynchronization.

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;

use super::*;

mod resync;

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn page(n: usize) -> Vec<u8> {
    format!("<html><body><p>Article {n}: JNIM blockades the RN5.</p></body></html>").into_bytes()
}

fn response(n: usize, status: u16, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let uri = format!("https://example.org/{n}");
    let date = format!("2025-10-{:02}T08:00:00Z", n + 1);
    write_warc_record(&mut out, &uri, &date, status, content_type, body).unwrap();
    out
}

fn html(n: usize) -> Vec<u8> {
    response(n, 200, "text/html; charset=utf-8", &page(n))
}

/// A record of any type; `length` overrides the true Content-Length (to make it lie).
fn record(warc_type: &str, content_type: &str, block: &[u8], length: Option<usize>) -> Vec<u8> {
    let length = length.unwrap_or(block.len());
    let mut out = format!(
        "WARC/1.1\r\nWARC-Type: {warc_type}\r\nWARC-Target-URI: https://example.org/r\r\n\
         WARC-Date: 2025-10-28T10:00:00.5Z\r\nContent-Type: {content_type}\r\n\
         Content-Length: {length}\r\n\r\n"
    )
    .into_bytes();
    out.extend_from_slice(block);
    out.extend_from_slice(b"\r\n\r\n");
    out
}

fn request() -> Vec<u8> {
    let block = b"GET /0 HTTP/1.1\r\nHost: example.org\r\n\r\n";
    record("request", "application/http; msgtype=request", block, None)
}

fn write(dir: &Path, name: &str, parts: &[Vec<u8>]) -> (PathBuf, Vec<u64>) {
    let mut offsets = Vec::new();
    let mut bytes = Vec::new();
    for p in parts {
        offsets.push(bytes.len() as u64);
        bytes.extend_from_slice(p);
    }
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    (path, offsets)
}

/// Items in a compact form: `rec <offset> <url>`, `skip <offset> <why>`, `err <offset>`.
fn summary(path: &Path) -> Vec<String> {
    for i in open(path).unwrap() {
        eprintln!("{i:?}");
    }
    open(path)
        .unwrap()
        .map(|item| match item {
            Item::Record(r) => format!("rec {} {}", r.offset, r.raw.source.url.unwrap_or_default()),
            Item::Skipped(s) => format!("skip {s}"),
            Item::Error(ArchiveError::Corrupt { offset, .. }) => format!("err {offset}"),
            Item::Error(ArchiveError::TooLarge { offset, size, .. }) => {
                format!("large {offset} {}", size > MAX_BYTES)
            }
            Item::Error(e) => format!("io {e}"),
        })
        .collect()
}

#[test]
fn multi_member_warc_gz_recovers_from_corrupt_members() {
    let dir = tempfile::tempdir().unwrap();
    let truncated = gz(&html(9));
    let mut bad_crc = gz(&html(10));
    let crc = bad_crc.len() - 8;
    bad_crc[crc] ^= 0xff;
    let parts = [
        gz(&html(0)),
        gz(&request()),
        gz(&html(1)),
        gz(&response(7, 404, "text/html", b"gone")),
        truncated[..truncated.len() / 2].to_vec(),
        gz(&response(8, 200, "application/pdf", b"%PDF-1.4")),
        bad_crc,
        gz(&html(2)),
        b"garbage between members".to_vec(),
        gz(&html(3)),
    ];
    let (path, o) = write(dir.path(), "crawl.warc.gz", &parts);
    let want = [
        format!("rec {} https://example.org/0", o[0]),
        format!("skip offset {}: WARC request record", o[1]),
        format!("rec {} https://example.org/1", o[2]),
        format!("skip offset {}: HTTP 404", o[3]),
        format!("err {}", o[4]),
        format!("skip offset {}: not a document (application/pdf)", o[5]),
        format!("err {}", o[6]),
        format!("rec {} https://example.org/2", o[7]),
        format!("err {}", o[8]),
        format!("rec {} https://example.org/3", o[9]),
    ];
    assert_eq!(summary(&path), want);
    for item in open(&path).unwrap() {
        if let Item::Error(e) = item {
            assert!(e.to_string().contains("corrupt gzip member"), "{e}");
        }
    }

    let first = match open(&path).unwrap().next() {
        Some(Item::Record(r)) => r,
        other => panic!("{other:?}"),
    };
    assert_eq!(first.raw.bytes, page(0));
    assert_eq!(first.raw.format, DocFormat::Html);
    assert_eq!(
        first.raw.content_type.as_deref(),
        Some("text/html; charset=utf-8")
    );
    let name = format!("{}#0", path.display());
    assert_eq!(first.raw.source.path.as_deref(), Some(name.as_str()));
    assert_eq!(first.status, Some(200));
    assert_eq!(first.headers[0].0, "Content-Type");
    assert_eq!(
        first.fetched_at.map(|d| d.to_rfc3339()).as_deref(),
        Some("2025-10-01T08:00:00+00:00")
    );
    assert_eq!(first.raw.overrides, crate::extract::Overrides::default());
}

#[test]
fn plain_warc_resynchronizes_after_lying_content_lengths() {
    let dir = tempfile::tempdir().unwrap();
    let short = record("resource", "text/html", &page(2), Some(page(2).len() - 10));
    let long = record("resource", "text/html", &page(4), Some(page(4).len() + 60));
    let truncated = record("resource", "text/plain", b"the end", Some(500));
    let parts = [
        html(1),
        request(),
        short,
        html(3),
        long,
        html(5),
        b"junk line\r\n".to_vec(),
        html(6),
        truncated,
    ];
    let (path, o) = write(dir.path(), "crawl.warc", &parts);
    let want = [
        format!("rec {} https://example.org/1", o[0]),
        format!("skip offset {}: WARC request record", o[1]),
        format!("err {}", o[2]),
        format!("rec {} https://example.org/3", o[3]),
        format!("err {}", o[4]),
        format!("rec {} https://example.org/5", o[5]),
        format!("err {}", o[6]),
        format!("rec {} https://example.org/6", o[7]),
        format!("err {}", o[8]),
    ];
    assert_eq!(summary(&path), want);
    let errors: Vec<String> = open(&path)
        .unwrap()
        .filter_map(|i| match i {
            Item::Error(e) => Some(e.to_string()),
            _ => None,
        })
        .collect();
    assert!(errors[0].contains("Content-Length"), "{errors:?}");
    assert!(errors[2].contains("version line"), "{errors:?}");
    assert!(errors[3].contains("truncated"), "{errors:?}");
}

#[test]
fn a_single_gzip_member_may_hold_many_records() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, o) = write(dir.path(), "x.warc", &[html(1), request(), html(2)]);
    let whole = gz(&std::fs::read(&plain).unwrap());
    let (path, _) = write(dir.path(), "one.warc.gz", &[whole]);
    let items: Vec<Item> = open(&path).unwrap().collect();
    assert_eq!(items.len(), 3, "{items:?}");
    let Item::Record(last) = &items[2] else {
        panic!("{items:?}")
    };
    assert_eq!(last.offset, 0);
    let name = format!("{}#0+{}", path.display(), o[2]);
    assert_eq!(last.raw.source.path.as_deref(), Some(name.as_str()));
    // A `.warc.gz` that is not compressed is read as it is.
    std::fs::rename(&plain, dir.path().join("plain.warc.gz")).unwrap();
    assert_eq!(summary(&dir.path().join("plain.warc.gz")).len(), 3);
}

#[test]
fn resources_conversions_and_untyped_bodies() {
    let dir = tempfile::tempdir().unwrap();
    let parts = [
        record(
            "resource",
            "text/plain; charset=utf-8",
            b"BAMAKO (AFP) - Text.",
            None,
        ),
        record("conversion", "text/plain", b"WET text", None),
        record("resource", "image/png", b"\x89PNG", None),
        record("metadata", "application/warc-fields", b"a: b\r\n", None),
        response(1, 200, "", &page(1)),
        response(2, 200, "", b"\x00\x01\x02binary\x00"),
    ];
    let (path, o) = write(dir.path(), "mixed.warc", &parts);
    let items: Vec<Item> = open(&path).unwrap().collect();
    let Item::Record(text) = &items[0] else {
        panic!("{items:?}")
    };
    assert_eq!(text.raw.format, DocFormat::Text);
    assert_eq!(text.raw.bytes, b"BAMAKO (AFP) - Text.");
    assert_eq!(text.status, None);
    assert_eq!(
        text.fetched_at.map(|d| d.timestamp_millis()),
        Some(1761645600500)
    );
    assert!(matches!(&items[1], Item::Record(r) if r.raw.bytes == b"WET text"));
    let skipped = Skipped::NotHtml {
        offset: o[2],
        content_type: "image/png".into(),
    };
    assert!(matches!(&items[2], Item::Skipped(s) if *s == skipped));
    assert!(
        matches!(&items[3], Item::Skipped(Skipped::NotResponse { warc_type, .. }) if warc_type == "metadata")
    );
    assert!(matches!(&items[4], Item::Record(r) if r.raw.format == DocFormat::Html));
    assert!(matches!(&items[5], Item::Skipped(Skipped::NotHtml { .. })));
    assert_eq!(items.len(), 6);
}

#[test]
fn records_larger_than_the_cap_are_skipped_unbuffered() {
    let dir = tempfile::tempdir().unwrap();
    let big = vec![b'a'; MAX_BYTES as usize + 1024 * 1024];
    let mut big_record = Vec::new();
    let (uri, date) = ("https://x/big", "2025-10-28T00:00:00Z");
    write_warc_record(&mut big_record, uri, date, 200, "text/html", &big).unwrap();
    let (path, o) = write(dir.path(), "big.warc", &[html(1), big_record, html(2)]);
    let want = [
        format!("rec {} https://example.org/1", o[0]),
        format!("large {} true", o[1]),
        format!("rec {} https://example.org/2", o[2]),
    ];
    assert_eq!(summary(&path), want);

    // About 55 MB of records once decompressed, written member by member.
    let path = dir.path().join("big.warc.gz");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut offsets = Vec::new();
    let mut at = 0;
    for n in 0..6 {
        offsets.push(at);
        let mut member = GzEncoder::new(Vec::new(), Compression::fast());
        if n % 2 == 1 {
            write_warc_record(&mut member, uri, date, 200, "text/html", &big).unwrap();
        } else {
            member.write_all(&html(n)).unwrap();
        }
        let member = member.finish().unwrap();
        file.write_all(&member).unwrap();
        at += member.len() as u64;
    }
    drop(file);
    let want: Vec<String> = (0..6)
        .map(|n| match n % 2 {
            1 => format!("large {} true", offsets[n]),
            _ => format!("rec {} https://example.org/{n}", offsets[n]),
        })
        .collect();
    assert_eq!(summary(&path), want);
}

#[test]
fn json_lines_report_bad_lines_and_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        "\u{feff}{\"url\": \"https://example.org/a\", \"html\": \"<p>A</p>\"}\r",
        r#"{"url": "https://example.org/b", "text": "B.", "title": " T ", "published": "2025-10-28T23:30:00-05:00", "language": "fr-FR"}"#,
        "",
        r#"{"url": "https://example.org/c", "content": "C.", "date": "2025-10-29"}"#,
        r#"{"url": "https://example.org/d", "html": "<p>unclosed"#,
        r#"{"url": "https://example.org/e", "title": "no body"}"#,
        r#"{"url": "https://example.org/f", "text": "F.", "published": "yesterday"}"#,
        r#"{"url": "https://example.org/g", "body": "G.", "lang": null}"#,
    ];
    let parts: Vec<Vec<u8>> = lines
        .iter()
        .map(|l| format!("{l}\n").into_bytes())
        .collect();
    let (path, o) = write(dir.path(), "news.jsonl", &parts);
    let want = [
        format!("rec {} https://example.org/a", o[0]),
        format!("rec {} https://example.org/b", o[1]),
        format!("rec {} https://example.org/c", o[3]),
        format!("err {}", o[4]),
        format!("err {}", o[5]),
        format!("err {}", o[6]),
        format!("rec {} https://example.org/g", o[7]),
    ];
    assert_eq!(summary(&path), want);

    let items: Vec<Item> = open(&path).unwrap().collect();
    let Item::Record(b) = &items[1] else {
        panic!("{items:?}")
    };
    assert_eq!(b.raw.format, DocFormat::Text);
    assert_eq!(b.raw.bytes, b"B.");
    assert_eq!(b.raw.overrides.title.as_deref(), Some("T"));
    assert_eq!(
        b.raw.overrides.published.map(|d| d.to_string()).as_deref(),
        Some("2025-10-28")
    );
    assert_eq!(
        b.raw.overrides.language.as_ref().map(|l| l.as_str()),
        Some("fr")
    );
    let name = format!("{}#{}", path.display(), o[1]);
    assert_eq!(b.raw.source.path.as_deref(), Some(name.as_str()));
    assert!(matches!(&items[0], Item::Record(a) if a.raw.format == DocFormat::Html));

    // Compressed, and with a line longer than the cap.
    let long = format!("{{\"text\": \"{}\"}}\n", "x".repeat(MAX_BYTES as usize));
    let all = [parts[0].clone(), long.into_bytes(), parts[1].clone()].concat();
    let (path, _) = write(dir.path(), "news.jsonl.gz", &[gz(&all)]);
    let got = summary(&path);
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[1], format!("large {} true", parts[0].len()));
}

fn tar_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = ::tar::Builder::new(Vec::new());
    let mut dir = ::tar::Header::new_gnu();
    dir.set_entry_type(::tar::EntryType::Directory);
    dir.set_size(0);
    dir.set_mode(0o755);
    builder.append_data(&mut dir, "site/", &[][..]).unwrap();
    for (name, data) in members {
        let mut header = ::tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        builder.append_data(&mut header, name, *data).unwrap();
    }
    builder.into_inner().unwrap()
}

#[test]
fn tarballs_yield_pages_and_skip_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let long_name = format!("site/{}/a.html", "deep".repeat(40));
    let members: [(&str, &[u8]); 5] = [
        ("site/a.html", &page(1)),
        ("site/logo.png", b"\x89PNG\r\n"),
        ("site/b.txt", b"BAMAKO - Text."),
        ("site/c.html.gz", &gz(&page(3))),
        (&long_name, &page(4)),
    ];
    let bytes = tar_of(&members);
    let (path, _) = write(dir.path(), "pages.tgz", &[gz(&bytes)]);
    let items: Vec<Item> = open(&path).unwrap().collect();
    assert_eq!(items.len(), 5, "{items:?}");
    let Item::Record(a) = &items[0] else {
        panic!("{items:?}")
    };
    assert_eq!(a.offset, 512); // after the directory's header
    let name = format!("{}:site/a.html", path.display());
    assert_eq!(a.raw.source.path.as_deref(), Some(name.as_str()));
    assert!(matches!(&items[1],
        Item::Skipped(Skipped::NotHtml { content_type, .. }) if content_type == "image/png"));
    assert!(matches!(&items[2], Item::Record(r) if r.raw.format == DocFormat::Text));
    assert!(matches!(&items[3], Item::Record(r) if r.raw.bytes == page(3)));
    assert!(
        matches!(&items[4], Item::Record(r) if r.raw.source.path.as_ref().unwrap().ends_with(&long_name))
    );

    // Truncated in the middle of a member: what came before, then one error.
    let (path, _) = write(dir.path(), "cut.tar", &[bytes[..2200].to_vec()]);
    let got = summary(&path);
    assert!(
        got.len() >= 2 && got.last().unwrap().starts_with("err"),
        "{got:?}"
    );
    assert!(got[0].starts_with("rec 512"), "{got:?}");
    // Garbage: an error or nothing, never a panic.
    let (path, _) = write(dir.path(), "junk.tar", &[vec![b'x'; 3000]]);
    assert!(summary(&path).iter().all(|s| s.starts_with("err")));
    // Dropping the iterator early stops the reader thread.
    let (path, _) = write(dir.path(), "again.tar", &[bytes]);
    assert_eq!(open(&path).unwrap().take(1).count(), 1);
}

#[test]
fn archives_are_recognized_by_name() {
    for name in [
        "a.warc",
        "A.WARC.GZ",
        "a.jsonl",
        "a.jsonl.gz",
        "a.ndjson",
        "a.tar",
        "a.tar.gz",
        "a.tgz",
    ] {
        assert!(is_archive(Path::new(name)), "{name}");
    }
    for name in ["a.html", "a.html.gz", "a.gz", "warc", "a.json"] {
        assert!(!is_archive(Path::new(name)), "{name}");
    }
    assert!(matches!(
        open(Path::new("a.html")),
        Err(ArchiveError::Unsupported { .. })
    ));
    assert!(matches!(
        open(Path::new("/nonexistent/a.warc")),
        Err(ArchiveError::Io { .. })
    ));
}
