//! Archives of articles, read as streams (`sitrep import`): WARC files such as Common Crawl's
//! CC-NEWS ([`warc`]), JSON Lines exports ([`jsonl`]) and tarballs of pages ([`tar`]).
//!
//! Memory stays bounded whatever the archive's size: records are read one at a time, a
//! record's body is capped at [`MAX_BYTES`], and bigger records are read past without being
//! buffered and reported as [`ArchiveError::TooLarge`]. A reader never stops at one bad record:
//! it yields it as an [`Item::Error`] and resynchronizes where the format allows it (WARC,
//! JSON Lines); records that are not documents (requests, 404s, images) are yielded as
//! [`Item::Skipped`], to be counted rather than reported as failures.
//!
//! Every [`ArchiveRecord`] carries its byte offset in the archive, also written in
//! `source.path` (`crawl.warc.gz#1234`, `pages.tar:site/a.html`), so that an analyst can find
//! the original bytes again.

mod http;
mod io;
pub mod jsonl;
mod record;
pub mod tar;
pub mod warc;

#[cfg(test)]
mod tests;

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::MAX_BYTES;
use crate::extract::RawDocument;
use crate::model::DocFormat;

/// One document found in an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveRecord {
    /// The document. `source.url` is the WARC target URI or the JSON `url`; `source.path` is
    /// `<archive>#<offset>` (WARC, JSON Lines) or `<archive>:<member path>` (tar).
    /// `overrides` only holds what the archive states about the article itself (JSON Lines
    /// `title`, `published`, `language`); a WARC date is a crawl date, see `fetched_at`.
    pub raw: RawDocument,
    /// Byte offset of the record in the archive file: of its gzip member in a `.warc.gz`, of
    /// its line in JSON Lines (in the decompressed stream for `.jsonl.gz`), of its header in a
    /// tar (in the decompressed stream for `.tar.gz`).
    pub offset: u64,
    /// `WARC-Date`: when the page was crawled.
    pub fetched_at: Option<DateTime<Utc>>,
    /// HTTP response headers of a WARC `response` record, in order; empty otherwise.
    pub headers: Vec<(String, String)>,
    /// HTTP status of a WARC `response` record.
    pub status: Option<u16>,
}

/// Why one record was skipped; the reader goes on with the next. Not an error: counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skipped {
    /// Not HTML or plain text: an image, a PDF, a stylesheet… (for tar members, the type is
    /// guessed from the member's name).
    NotHtml { offset: u64, content_type: String },
    /// An HTTP response other than 200.
    Status { offset: u64, status: u16 },
    /// A WARC record that holds no response: `request`, `metadata`, `warcinfo`, `revisit`…
    NotResponse { offset: u64, warc_type: String },
}

impl Skipped {
    /// Byte offset of the skipped record, as in [`ArchiveRecord::offset`].
    pub fn offset(&self) -> u64 {
        match self {
            Skipped::NotHtml { offset, .. }
            | Skipped::Status { offset, .. }
            | Skipped::NotResponse { offset, .. } => *offset,
        }
    }
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skipped::NotHtml {
                offset,
                content_type,
            } => write!(f, "offset {offset}: not a document ({content_type})"),
            Skipped::Status { offset, status } => write!(f, "offset {offset}: HTTP {status}"),
            Skipped::NotResponse { offset, warc_type } => {
                write!(f, "offset {offset}: WARC {warc_type} record")
            }
        }
    }
}

/// Why a record, or the rest of an archive, could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The file could not be opened or read; the reader stops.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A malformed record; WARC and JSON Lines readers go on with the next record, a tar
    /// reader (which cannot resynchronize) stops.
    #[error("{} at offset {offset}: {reason}", path.display())]
    Corrupt {
        path: PathBuf,
        offset: u64,
        reason: String,
    },
    /// A record whose body exceeds [`MAX_BYTES`]; read past, never buffered. `size` is the
    /// declared size, or a lower bound when the body is compressed or chunked.
    #[error("{} at offset {offset}: record of {size} bytes, larger than {MAX_BYTES}", path.display())]
    TooLarge {
        path: PathBuf,
        offset: u64,
        size: u64,
    },
    /// The file name has none of the archive extensions (see [`is_archive`]).
    #[error(
        "{}: not an archive (expected .warc, .warc.gz, .jsonl, .jsonl.gz, .ndjson, .tar, .tar.gz or .tgz)",
        path.display()
    )]
    Unsupported { path: PathBuf },
}

/// What a reader yields, one record at a time.
#[derive(Debug)]
pub enum Item {
    Record(Box<ArchiveRecord>),
    Skipped(Skipped),
    Error(ArchiveError),
}

/// The archive formats, by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Warc,
    Jsonl,
    Tar,
}

fn kind_of(path: &Path) -> Option<Kind> {
    let name = path.file_name()?.to_string_lossy().to_lowercase();
    if name.ends_with(".tgz") {
        return Some(Kind::Tar);
    }
    let stem = name.strip_suffix(".gz").unwrap_or(&name);
    let ext = stem.rsplit_once('.').map(|(_, e)| e)?;
    match ext {
        "warc" => Some(Kind::Warc),
        "jsonl" | "ndjson" => Some(Kind::Jsonl),
        "tar" => Some(Kind::Tar),
        _ => None,
    }
}

/// Whether `path` names an archive [`open`] reads: `.warc`, `.warc.gz`, `.jsonl`, `.jsonl.gz`,
/// `.ndjson`, `.ndjson.gz`, `.tar`, `.tar.gz`, `.tgz` (case-insensitive).
pub fn is_archive(path: &Path) -> bool {
    kind_of(path).is_some()
}

/// Opens any supported archive by its name (see [`is_archive`]) and returns its items, read
/// lazily. Whether the file is gzip-compressed is decided by its first bytes, not its name.
pub fn open(path: &Path) -> Result<Box<dyn Iterator<Item = Item> + Send>, ArchiveError> {
    let kind = kind_of(path).ok_or_else(|| ArchiveError::Unsupported {
        path: path.to_path_buf(),
    })?;
    let io_err = |source| ArchiveError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io_err)?;
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let head = reader.fill_buf().map_err(io_err)?;
    let gz = match kind {
        Kind::Warc => warc::is_gzip(head),
        _ => head.starts_with(&[0x1f, 0x8b]),
    };
    Ok(match kind {
        Kind::Warc => warc::reader(path, reader, gz),
        Kind::Jsonl => jsonl::reader(path, reader, gz),
        Kind::Tar => tar::reader(path, reader, gz).map_err(io_err)?,
    })
}

/// Writes one uncompressed WARC/1.0 `response` record holding an HTTP/1.1 response with
/// `body`; an empty `content_type` writes no `Content-Type` header. Callers compress each
/// record as its own gzip member to make a `.warc.gz`, as Common Crawl does.
pub fn write_warc_record(
    out: &mut impl Write,
    target_uri: &str,
    date: &str,
    http_status: u16,
    content_type: &str,
    body: &[u8],
) -> std::io::Result<()> {
    let reason = match http_status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let mut head = format!("HTTP/1.1 {http_status} {reason}\r\n");
    if !content_type.is_empty() {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let id = record_id(&[target_uri, date, &head]);
    write!(
        out,
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:{id}>\r\n\
         WARC-Date: {date}\r\nWARC-Target-URI: {target_uri}\r\n\
         Content-Type: application/http; msgtype=response\r\nContent-Length: {}\r\n\r\n",
        head.len() + body.len()
    )?;
    out.write_all(head.as_bytes())?;
    out.write_all(body)?;
    out.write_all(b"\r\n\r\n")
}

/// A UUID-shaped id derived from the record's fields, so written archives are reproducible.
fn record_id(parts: &[&str]) -> String {
    use sha2::Digest;
    let mut hash = sha2::Sha256::new();
    for p in parts {
        hash.update(p.as_bytes());
        hash.update([0]);
    }
    let h: String = hash.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// What a `Content-Type` says about a body: `Ok(None)` when there is none (sniff the body),
/// `Err(())` for anything but HTML, XHTML and plain text.
fn format_for(content_type: Option<&str>) -> Result<Option<DocFormat>, ()> {
    let Some(ct) = content_type else {
        return Ok(None);
    };
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "" => Ok(None),
        "text/html" | "application/xhtml+xml" => Ok(Some(DocFormat::Html)),
        "text/plain" => Ok(Some(DocFormat::Text)),
        _ => Err(()),
    }
}

/// Whether bytes look like binary data rather than text in some encoding.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return false; // UTF-16 text
    }
    let controls = head
        .iter()
        .filter(|&&b| b < 0x09 || (0x0E..0x20).contains(&b) && b != 0x1B)
        .count();
    head.contains(&0) || controls * 100 > head.len()
}

/// The format of an untyped body: `None` when it is binary.
fn sniff(bytes: &[u8]) -> Option<DocFormat> {
    if looks_binary(bytes) {
        return None;
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    let html = head.starts_with('<')
        && ["<html", "<!doctype", "<body", "<p", "<head", "<div"]
            .iter()
            .any(|tag| head.contains(tag));
    Some(if html {
        DocFormat::Html
    } else {
        DocFormat::Text
    })
}

/// Reads `reader` to its end, or to `MAX_BYTES + 1` bytes: `Err(n)` with the `n` bytes seen
/// (a lower bound of the size) when the content is larger than [`MAX_BYTES`].
fn read_capped(reader: impl Read, size_hint: u64) -> std::io::Result<Result<Vec<u8>, u64>> {
    let mut bytes = Vec::with_capacity(size_hint.min(MAX_BYTES) as usize);
    reader.take(MAX_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Ok(Err(bytes.len() as u64));
    }
    Ok(Ok(bytes))
}

/// Whether an I/O error comes from malformed data (a gzip or deflate decoder, a truncated
/// stream) rather than from the file system.
fn is_data_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{InvalidData, InvalidInput, UnexpectedEof};
    matches!(e.kind(), InvalidData | InvalidInput | UnexpectedEof)
}
