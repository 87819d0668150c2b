//! WARC files (WARC/1.0 and 1.1, as Common Crawl's CC-NEWS), plain or gzip-compressed.
//!
//! A record is a `WARC/1.x` line, header fields, a blank line, a block of `Content-Length`
//! bytes and a blank line. `response` records hold an HTTP response (status line, headers,
//! body); `resource` and `conversion` records (the latter is Common Crawl's WET plain text)
//! hold the document itself. Other record types are skipped, as are non-200 responses and
//! bodies that are neither HTML nor plain text.
//!
//! Hand-rolled rather than built on the `warc` crate (0.4): it reports no record offsets, has
//! no way to resynchronize after a corrupt record, decompresses a `.warc.gz` as one stream
//! (so member boundaries and compressed offsets are lost), and its buffered iterators read a
//! whole block into memory however large. The format itself is small. Recovery:
//!
//! - `.warc.gz` is read one gzip member at a time (Common Crawl writes one record per member;
//!   a member holding many records, or the whole file as one member, is read as well). A
//!   corrupt or truncated member is reported at its compressed offset and reading resumes at
//!   the next gzip header (`1f 8b 08`) after it.
//! - In a plain `.warc` (and inside a member), a malformed record (version line,
//!   `Content-Length`, a block that does not end where it says) is reported at its offset and
//!   reading resumes at the next `WARC/1.` after that offset, wherever it is: garbage need not
//!   end in a newline, so the next record is looked for anywhere rather than only at a line's
//!   start. A `Content-Length` too large thus swallows no following record, and garbage
//!   between records costs only the garbage.
//! - A `.warc.gz` whose first member is preceded by garbage is still read member by member:
//!   it counts as compressed when a gzip header comes before any `WARC/1.` in its first bytes.
//!
//! While resynchronizing, failures at false starts (a gzip magic inside compressed data, a
//! `WARC/1.` inside garbage or inside a record's block) are not reported again: one
//! corruption is one error. A false start is retried one byte further on, so it cannot hide
//! a real record that follows it.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use flate2::bufread::GzDecoder;

use super::http::Fault;
use super::io::{Counting, peek, scan};
use super::record::{Failure, Outcome, VERSION, read_record};
use super::{ArchiveError, Item, Skipped, is_data_error};

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b, 0x08];

/// Whether a WARC file whose first bytes are `head` is gzip-compressed: it starts with a gzip
/// header, or one comes before any `WARC/1.` (garbage before the first member).
pub(super) fn is_gzip(head: &[u8]) -> bool {
    let first = |pat: &[u8]| head.windows(pat.len()).position(|w| w == pat);
    match (first(GZIP_MAGIC), first(VERSION)) {
        (Some(0), _) => true,
        (Some(gz), Some(plain)) => gz < plain,
        (Some(_), None) => true,
        (None, _) => head.starts_with(&GZIP_MAGIC[..2]),
    }
}

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
                    let found = seek(&mut self.r, at + 1).and_then(|()| scan(&mut self.r, VERSION));
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
        member: Box<Member>,
        offset: u64,
        resumed: bool,
    },
    Done,
}

struct GzWarc {
    state: State,
    ctx: Ctx,
}

fn outer(member: Box<Member>) -> Outer {
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
                            member: Box::new(Counting::new(member, 0)),
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
                // Look for the next record in this member; if the member itself turns out to be
                // corrupt, that is the error to report.
                match scan(&mut member, VERSION) {
                    Ok(Some(_)) => {
                        self.ctx.corrupt(offset, reason);
                        self.state = State::In {
                            member,
                            offset,
                            resumed: true,
                        };
                    }
                    Ok(None) => {
                        self.ctx.corrupt(offset, reason);
                        self.state = State::Between(outer(member));
                    }
                    Err(e) if is_data_error(&e) => {
                        self.ctx
                            .corrupt(offset, format!("corrupt gzip member: {e}"));
                        self.state = self.rescan(outer(member), offset);
                    }
                    Err(e) => {
                        self.ctx.corrupt(offset, reason);
                        self.ctx.io(e);
                    }
                }
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
