//! WARC files (WARC/1.0 and 1.1, as Common Crawl's CC-NEWS), plain or gzip-compressed.
//!
//! A record is a `WARC/1.x` line, header fields, a blank line, a block of `Content-Length`
//! bytes and a blank line. `response` records hold an HTTP response (status line, headers,
//! body); `resource` and `conversion` records (the latter is Common Crawl's WET plain text)
//! hold the document itself. Other record types are skipped, as are non-200 responses and
//! bodies that are neither HTML nor plain text.
//!
//! Hand-rolled rather than built on the `warc` crate: that crate yields no record offsets,
//! cannot resynchronize after a corrupt record, and cannot tell a corrupt gzip member from
//! the end of the file; the format itself is small. Recovery:
//!
//! - `.warc.gz` is read one gzip member at a time (Common Crawl writes one record per member;
//!   a member holding many records, or the whole file as one member, is read as well). A
//!   corrupt or truncated member is reported at its compressed offset and reading resumes at
//!   the next gzip header (`1f 8b 08`) after it.
//! - In a plain `.warc`, a malformed record (version line, `Content-Length`, a block that does
//!   not end where it says) is reported at its offset and reading resumes at the next line
//!   starting with `WARC/1.` after that offset, so a `Content-Length` too large swallows no
//!   following record.
//!
//! While resynchronizing, failures at false starts (a gzip magic inside compressed data) are
//! not reported again: one corruption is one error.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Take};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use flate2::bufread::GzDecoder;

use super::http::{Body, Fault, field, read_body, read_fields, read_head};
use super::io::{Counting, peek, scan, skip};
use super::{
    ArchiveError, ArchiveRecord, Item, MAX_BYTES, Skipped, format_for, is_data_error, read_capped,
    sniff,
};
use crate::extract::{Overrides, RawDocument};
use crate::model::{DocFormat, SourceMeta};

const VERSION: &[u8] = b"WARC/1.";
const RESYNC: &[u8] = b"\nWARC/1.";
const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b, 0x08];

/// A WARC reader over an opened file; `gz` when it starts with a gzip header.
pub(super) fn reader(
    path: &Path,
    file: BufReader<File>,
    gz: bool,
) -> Box<dyn Iterator<Item = Item> + Send> {
    let ctx = Ctx {
        path: path.to_path_buf(),
        name: path.display().to_string(),
        resyncing: false,
        queue: VecDeque::new(),
    };
    let r = Counting::new(file, 0);
    if gz {
        Box::new(GzWarc {
            state: State::Between(r),
            ctx,
        })
    } else {
        Box::new(PlainWarc {
            r,
            resumed: false,
            done: false,
            ctx,
        })
    }
}

/// What one record turned out to be; its offset is the caller's to add.
#[derive(Debug)]
enum Outcome {
    Doc(Box<ArchiveRecord>),
    NotHtml(String),
    Status(u16),
    NotResponse(String),
    TooLarge(u64),
}

/// A record that could not be read, at this position of the (decompressed) stream.
#[derive(Debug)]
struct Failure {
    at: u64,
    fault: Fault,
}

/// Reads the record at `r`'s position (after any blank lines), or the one whose `WARC/1.` a
/// scan just consumed (`resumed`). Returns where it starts and what it is; `None` at the end.
fn read_record<R: BufRead>(
    r: &mut Counting<R>,
    resumed: bool,
) -> Result<Option<(u64, Outcome)>, Failure> {
    let start = if resumed {
        r.pos - VERSION.len() as u64
    } else {
        loop {
            match peek(r) {
                Ok(None) => return Ok(None),
                Ok(Some(b'\r' | b'\n')) => r.consume(1),
                Ok(Some(_)) => break r.pos,
                Err(e) => {
                    let at = r.pos;
                    return Err(Failure {
                        at,
                        fault: e.into(),
                    });
                }
            }
        }
    };
    match parse(r, resumed) {
        Ok(outcome) => Ok(Some((start, outcome))),
        Err(fault) => Err(Failure { at: start, fault }),
    }
}

/// Reads the version line, consuming nothing past the first byte that does not fit, so that a
/// scan for the next record starts right there.
fn read_version<R: BufRead>(r: &mut R, resumed: bool) -> Result<(), Fault> {
    let mut seen = if resumed {
        VERSION.to_vec()
    } else {
        Vec::new()
    };
    loop {
        let Some(b) = peek(r)? else {
            return Err(Fault::Corrupt("truncated WARC version line".into()));
        };
        let fits = match seen.len() {
            n if n < VERSION.len() => b == VERSION[n],
            n if n > 12 => false,
            _ => b.is_ascii_digit() || b == b'\r' || b == b'\n',
        };
        if !fits || (b == b'\n' && !seen.last().is_some_and(u8::is_ascii_digit)) {
            let buf = r.fill_buf()?;
            seen.extend_from_slice(&buf[..buf.len().min(40)]);
            let shown = String::from_utf8_lossy(&seen);
            let shown: String = shown.chars().take(40).collect();
            return Err(Fault::Corrupt(format!(
                "expected a WARC/1.x version line, found {shown:?}"
            )));
        }
        r.consume(1);
        if b == b'\n' {
            return Ok(());
        }
        if b != b'\r' {
            seen.push(b);
        }
    }
}

fn parse<R: BufRead>(r: &mut Counting<R>, resumed: bool) -> Result<Outcome, Fault> {
    read_version(r, resumed)?;
    let fields = read_fields(r, "WARC header")?;
    let length = field(&fields, "content-length")
        .ok_or_else(|| Fault::Corrupt("WARC record without Content-Length".into()))?;
    let length: u64 = length
        .parse()
        .map_err(|_| Fault::Corrupt(format!("invalid Content-Length {length:?}")))?;
    let warc_type = field(&fields, "warc-type")
        .unwrap_or("untyped")
        .to_ascii_lowercase();
    let content_type = field(&fields, "content-type");
    let mut block = (&mut *r).take(length);
    let outcome = match warc_type.as_str() {
        "response" => response(&mut block, content_type)?,
        "resource" | "conversion" => resource(&mut block, content_type)?,
        _ => Outcome::NotResponse(warc_type),
    };
    let left = block.limit();
    if left > 0 && skip(&mut block, left)? < left {
        return Err(Fault::Corrupt(format!(
            "truncated: the file ends inside the block of {length} bytes (Content-Length)"
        )));
    }
    // The block must be followed by a blank line (or the end of the file): a block that ends
    // elsewhere had a wrong Content-Length.
    let mut newlines = 0;
    loop {
        match peek(r)? {
            Some(b'\n') => newlines += 1,
            Some(b'\r') => {}
            None => break,
            Some(_) if newlines >= 2 => break,
            Some(_) => {
                return Err(Fault::Corrupt(format!(
                    "no blank line after the block: Content-Length {length} is wrong"
                )));
            }
        }
        r.consume(1);
    }
    let Outcome::Doc(mut doc) = outcome else {
        return Ok(outcome);
    };
    doc.raw.source.url = field(&fields, "warc-target-uri")
        .map(|u| u.trim_start_matches('<').trim_end_matches('>').to_string())
        .filter(|u| !u.is_empty());
    doc.fetched_at = field(&fields, "warc-date")
        .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
        .map(|d| d.with_timezone(&Utc));
    Ok(Outcome::Doc(doc))
}

/// A `response` record's block: an HTTP response.
fn response<R: BufRead>(
    block: &mut Take<R>,
    warc_content_type: Option<&str>,
) -> Result<Outcome, Fault> {
    if let Some(ct) = warc_content_type {
        if !ct.to_ascii_lowercase().starts_with("application/http") {
            return Ok(Outcome::NotHtml(ct.to_string()));
        }
    }
    let head = read_head(block)?;
    if head.status != 200 {
        return Ok(Outcome::Status(head.status));
    }
    let content_type = field(&head.fields, "content-type").map(str::to_string);
    let Ok(format) = format_for(content_type.as_deref()) else {
        return Ok(Outcome::NotHtml(content_type.unwrap_or_default()));
    };
    let remaining = block.limit();
    let bytes = match read_body(&mut *block, remaining, &head)? {
        Body::Bytes(b) => b,
        Body::TooLarge(n) => return Ok(Outcome::TooLarge(n)),
        Body::Unsupported(coding) => {
            let ct = content_type.unwrap_or_default();
            return Ok(Outcome::NotHtml(format!(
                "{ct} (Content-Encoding: {coding})"
            )));
        }
    };
    Ok(document(
        bytes,
        format,
        content_type,
        head.fields,
        Some(head.status),
    ))
}

/// A `resource` or `conversion` record's block: the document itself.
fn resource<R: Read>(block: &mut Take<R>, content_type: Option<&str>) -> Result<Outcome, Fault> {
    let Ok(format) = format_for(content_type) else {
        return Ok(Outcome::NotHtml(
            content_type.unwrap_or_default().to_string(),
        ));
    };
    let length = block.limit();
    if length > MAX_BYTES {
        return Ok(Outcome::TooLarge(length));
    }
    let bytes = match read_capped(&mut *block, length)? {
        Ok(b) => b,
        Err(n) => return Ok(Outcome::TooLarge(n)),
    };
    let content_type = content_type.map(str::to_string);
    Ok(document(bytes, format, content_type, Vec::new(), None))
}

fn document(
    bytes: Vec<u8>,
    format: Option<DocFormat>,
    content_type: Option<String>,
    headers: Vec<(String, String)>,
    status: Option<u16>,
) -> Outcome {
    let Some(format) = format.or_else(|| sniff(&bytes)) else {
        return Outcome::NotHtml("untyped binary content".into());
    };
    Outcome::Doc(Box::new(ArchiveRecord {
        raw: RawDocument {
            bytes,
            format,
            content_type,
            source: SourceMeta::default(),
            overrides: Overrides::default(),
        },
        offset: 0,
        fetched_at: None,
        headers,
        status,
    }))
}

/// What both readers share: names, the error queue, and whether they are resynchronizing.
struct Ctx {
    path: PathBuf,
    name: String,
    resyncing: bool,
    queue: VecDeque<Item>,
}

impl Ctx {
    /// The item for `outcome`, a record at `offset`, located in `source.path` by `locator`.
    fn item(&mut self, offset: u64, locator: String, outcome: Outcome) -> Item {
        self.resyncing = false;
        match outcome {
            Outcome::Doc(mut doc) => {
                doc.offset = offset;
                doc.raw.source.path = Some(format!("{}#{locator}", self.name));
                Item::Record(doc)
            }
            Outcome::NotHtml(content_type) => Item::Skipped(Skipped::NotHtml {
                offset,
                content_type,
            }),
            Outcome::Status(status) => Item::Skipped(Skipped::Status { offset, status }),
            Outcome::NotResponse(warc_type) => {
                Item::Skipped(Skipped::NotResponse { offset, warc_type })
            }
            Outcome::TooLarge(size) => Item::Error(ArchiveError::TooLarge {
                path: self.path.clone(),
                offset,
                size,
            }),
        }
    }

    /// Queues a corrupt-record error, unless already resynchronizing after one.
    fn corrupt(&mut self, offset: u64, reason: String) {
        if !self.resyncing {
            self.queue.push_back(Item::Error(ArchiveError::Corrupt {
                path: self.path.clone(),
                offset,
                reason,
            }));
        }
        self.resyncing = true;
    }

    fn io(&mut self, source: std::io::Error) {
        let path = self.path.clone();
        self.queue
            .push_back(Item::Error(ArchiveError::Io { path, source }));
    }
}

/// Why a record failed, for the error message.
fn reason(fault: Fault) -> String {
    match fault {
        Fault::Corrupt(reason) => reason,
        Fault::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => format!("truncated: {e}"),
        Fault::Io(e) => e.to_string(),
    }
}

/// Positions `r` at `pos`.
fn seek(r: &mut Counting<BufReader<File>>, pos: u64) -> std::io::Result<()> {
    r.inner.seek(SeekFrom::Start(pos))?;
    r.pos = pos;
    Ok(())
}

struct PlainWarc {
    r: Counting<BufReader<File>>,
    /// The next record's `WARC/1.` was consumed by a scan.
    resumed: bool,
    done: bool,
    ctx: Ctx,
}

impl Iterator for PlainWarc {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            if let Some(item) = self.ctx.queue.pop_front() {
                return Some(item);
            }
            if self.done {
                return None;
            }
            let resumed = std::mem::take(&mut self.resumed);
            match read_record(&mut self.r, resumed) {
                Ok(None) => self.done = true,
                Ok(Some((at, outcome))) => return Some(self.ctx.item(at, at.to_string(), outcome)),
                Err(Failure {
                    fault: Fault::Io(e),
                    ..
                }) if !is_data_error(&e) => {
                    self.ctx.io(e);
                    self.done = true;
                }
                Err(Failure { at, fault }) => {
                    self.ctx.corrupt(at, reason(fault));
                    let found = seek(&mut self.r, at + 1).and_then(|()| scan(&mut self.r, RESYNC));
                    match found {
                        Ok(Some(_)) => self.resumed = true,
                        Ok(None) => self.done = true,
                        Err(e) => {
                            self.ctx.io(e);
                            self.done = true;
                        }
                    }
                }
            }
        }
    }
}

type Outer = Counting<BufReader<File>>;
type Member = Counting<BufReader<GzDecoder<Outer>>>;

enum State {
    /// At a gzip member boundary of the file.
    Between(Outer),
    /// Inside the member that starts at `offset` of the file.
    In {
        member: Member,
        offset: u64,
        resumed: bool,
    },
    Done,
}

struct GzWarc {
    state: State,
    ctx: Ctx,
}

fn outer(member: Member) -> Outer {
    member.inner.into_inner().into_inner()
}

impl GzWarc {
    /// The state after a corrupt member at `offset`: at the next gzip header after it.
    fn rescan(&mut self, mut r: Outer, offset: u64) -> State {
        let found = seek(&mut r, offset + 1).and_then(|()| scan(&mut r, GZIP_MAGIC));
        match found.and_then(|at| at.map(|at| seek(&mut r, at).map(|()| at)).transpose()) {
            Ok(Some(_)) => State::Between(r),
            Ok(None) => State::Done,
            Err(e) => {
                self.ctx.io(e);
                State::Done
            }
        }
    }

    /// One step; an item, or `None` when there is more to do (or [`State::Done`]).
    fn step(&mut self, state: State) -> Option<Item> {
        let (mut member, offset, resumed) = match state {
            State::Done => return None,
            State::Between(mut r) => {
                match peek(&mut r) {
                    Ok(Some(_)) => {
                        let offset = r.pos;
                        let member = BufReader::with_capacity(64 * 1024, GzDecoder::new(r));
                        self.state = State::In {
                            member: Counting::new(member, 0),
                            offset,
                            resumed: false,
                        };
                    }
                    Ok(None) => {}
                    Err(e) => self.ctx.io(e),
                }
                return None;
            }
            State::In {
                member,
                offset,
                resumed,
            } => (member, offset, resumed),
        };
        match read_record(&mut member, resumed) {
            Ok(None) => self.state = State::Between(outer(member)),
            Ok(Some((at, outcome))) => {
                let locator = match at {
                    0 => offset.to_string(),
                    at => format!("{offset}+{at}"),
                };
                self.state = State::In {
                    member,
                    offset,
                    resumed: false,
                };
                return Some(self.ctx.item(offset, locator, outcome));
            }
            Err(Failure {
                fault: Fault::Io(e),
                ..
            }) if !is_data_error(&e) => self.ctx.io(e),
            Err(Failure {
                fault: Fault::Io(e),
                ..
            }) => {
                self.ctx
                    .corrupt(offset, format!("corrupt gzip member: {e}"));
                self.state = self.rescan(outer(member), offset);
            }
            Err(Failure {
                fault: Fault::Corrupt(reason),
                ..
            }) => {
                self.ctx.corrupt(offset, reason);
                self.state = match scan(&mut member, RESYNC) {
                    Ok(Some(_)) => State::In {
                        member,
                        offset,
                        resumed: true,
                    },
                    Ok(None) => State::Between(outer(member)),
                    Err(e) if is_data_error(&e) => self.rescan(outer(member), offset),
                    Err(e) => {
                        self.ctx.io(e);
                        State::Done
                    }
                };
            }
        }
        None
    }
}

impl Iterator for GzWarc {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            if let Some(item) = self.ctx.queue.pop_front() {
                return Some(item);
            }
            let state = std::mem::replace(&mut self.state, State::Done);
            if matches!(state, State::Done) {
                return None;
            }
            if let Some(item) = self.step(state) {
                return Some(item);
            }
        }
    }
}
