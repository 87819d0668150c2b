//! The archive readers (`warc`, `jsonl`, `tar`) on the bytes of a whole archive, and the
//! `sources.toml` loader on its text.
//!
//! The readers open files by name, so each input is written to a temporary file first.
//! Their records can hold more than the archive's bytes (gzip-encoded bodies), so the
//! properties bound the number of records and their offsets instead: a record needs what its
//! format starts with, so there can be no more records than such starts in the bytes.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sitrep::fetch::archive::{self, ArchiveRecord, Item};
use sitrep::fetch::sources::{Sources, SourcesError};

/// A temporary file holding one input, removed when dropped.
struct TempInput(PathBuf);

impl TempInput {
    fn new(ext: &str, data: &[u8]) -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let name = format!("sitrep-fuzz-{}-{n}.{ext}", std::process::id());
        let path = std::env::temp_dir().join(name);
        std::fs::write(&path, data).expect("the temporary directory is writable");
        Self(path)
    }
}

impl Drop for TempInput {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// What a reader yielded, with the offset of each item.
struct Read {
    records: Vec<ArchiveRecord>,
    /// Offsets of every item: records, skipped records and errors.
    offsets: Vec<u64>,
}

/// Reads the archive `data` as a file named `*.{ext}`; the reader must end.
fn read(ext: &str, data: &[u8]) -> Read {
    let file = TempInput::new(ext, data);
    let items = match archive::open(&file.0) {
        Ok(items) => items,
        Err(e @ archive::ArchiveError::Io { .. }) => panic!("cannot open the input: {e}"),
        Err(e) => panic!("an archive by its name, refused: {e}"),
    };
    let mut read = Read {
        records: Vec::new(),
        offsets: Vec::new(),
    };
    // Every item consumes at least one byte of the archive, or ends it.
    let limit = data.len() + 2;
    for item in items {
        assert!(
            read.offsets.len() < limit,
            "more than {limit} items: the reader does not stop"
        );
        let offset = match item {
            Item::Record(r) => {
                let offset = r.offset;
                check_record(&r, &file.0);
                read.records.push(*r);
                offset
            }
            Item::Skipped(s) => s.offset(),
            Item::Error(e) => match e {
                archive::ArchiveError::Corrupt { offset, .. }
                | archive::ArchiveError::TooLarge { offset, .. } => offset,
                other => panic!("an error other than a bad record: {other}"),
            },
        };
        read.offsets.push(offset);
    }
    read
}

/// What every record says of where it came from.
fn check_record(r: &ArchiveRecord, archive: &Path) {
    let path = r.raw.source.path.as_deref().unwrap_or_default();
    assert!(
        path.starts_with(&archive.display().to_string()),
        "source.path {path:?} does not name the archive"
    );
}

/// Offsets lie within the archive (for a compressed one, within its compressed bytes when
/// `compressed_offsets`), and records come in the order of the archive.
fn check_offsets(read: &Read, len: usize, compressed_offsets: bool) {
    if compressed_offsets {
        for &o in &read.offsets {
            assert!(o <= len as u64, "offset {o} past the end ({len} bytes)");
        }
    }
    let records: Vec<u64> = read.records.iter().map(|r| r.offset).collect();
    assert!(
        records.windows(2).all(|w| w[0] < w[1]),
        "records out of order or repeated: offsets {records:?}"
    );
}

fn is_gzip(data: &[u8]) -> bool {
    data.starts_with(&[0x1f, 0x8b])
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

/// The WARC reader ends, and yields no more records than `WARC/1.` lines in a plain file.
/// A file with a gzip header anywhere is not plain: the reader resynchronises on gzip members
/// too, after garbage at the start included.
pub fn warc(data: &[u8]) {
    let read = read("warc", data);
    check_offsets(&read, data.len(), true);
    if count(data, &[0x1f, 0x8b]) == 0 {
        let starts = count(data, b"WARC/1.");
        assert!(
            read.records.len() <= starts,
            "{} records from {starts} version lines",
            read.records.len()
        );
    }
}

/// The JSON Lines reader ends, and yields at most one record per line, each at a line's start.
pub fn jsonl(data: &[u8]) {
    let read = read("jsonl", data);
    check_offsets(&read, data.len(), false);
    if !is_gzip(data) {
        let lines = count(data, b"{");
        assert!(
            read.records.len() <= lines,
            "{} records from {lines} objects",
            read.records.len()
        );
        for r in &read.records {
            let at = r.offset as usize;
            assert!(at < data.len(), "record offset {at} past the end");
            assert!(
                at == 0 || data[at - 1] == b'\n',
                "record offset {at} is not a line's start"
            );
        }
    }
}

/// The tar reader ends, and yields at most one record per 512-byte header, each at a header.
pub fn tar(data: &[u8]) {
    let read = read("tar", data);
    check_offsets(&read, data.len(), false);
    if !is_gzip(data) {
        let headers = data.len() / 512;
        assert!(
            read.records.len() <= headers,
            "{} records from {headers} headers",
            read.records.len()
        );
        for r in &read.records {
            assert!(
                r.offset % 512 == 0 && r.offset < data.len() as u64,
                "record at {}",
                r.offset
            );
        }
    }
}

/// Waits until no tar reader thread is left (Linux; elsewhere returns at once), and panics
/// if one outlives its archive by seconds. The reader's thread ends after its last item, but
/// not always before the caller moves on: LeakSanitizer, checking right after an input,
/// would take the exiting thread's channel state for a leak.
pub fn wait_for_tar_threads() {
    let alive = || {
        std::fs::read_dir("/proc/self/task")
            .into_iter()
            .flatten()
            .flatten()
            .any(|task| {
                std::fs::read_to_string(task.path().join("comm"))
                    .is_ok_and(|c| c.trim() == "sitrep-tar")
            })
    };
    let started = std::time::Instant::now();
    while alive() {
        assert!(
            started.elapsed().as_secs() < 10,
            "a tar reader thread outlives its archive"
        );
        std::thread::sleep(std::time::Duration::from_micros(100));
    }
}

/// The sources loader returns a configuration or a syntax or validation error naming the
/// file, never an IO error; a configuration it accepts is one the fetcher can run.
pub fn sources(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let path = Path::new("fuzz/sources.toml");
    match Sources::parse(&text, path) {
        Ok(s) => {
            assert!(s.http.concurrency >= 1 && s.http.per_host_concurrency >= 1);
            assert!(!s.http.timeout.is_zero() && !s.http.connect_timeout.is_zero());
            for (i, src) in s.sources.iter().enumerate() {
                assert!(
                    matches!(src.url.scheme(), "http" | "https"),
                    "{} accepted",
                    src.url
                );
                assert!(!src.name.trim().is_empty(), "a source without a name");
                for other in &s.sources[..i] {
                    assert!(other.url != src.url, "{} accepted twice", src.url);
                    assert!(other.name != src.name, "name {:?} accepted twice", src.name);
                }
            }
        }
        Err(e @ (SourcesError::Syntax { .. } | SourcesError::Invalid { .. })) => {
            let message = e.to_string();
            assert!(message.starts_with("fuzz/sources.toml: "), "{message:?}");
            if let SourcesError::Invalid { problems, .. } = &e {
                assert!(!problems.is_empty(), "invalid, with no problem given");
            }
        }
        Err(e) => panic!("parsing text failed otherwise: {e}"),
    }
}
