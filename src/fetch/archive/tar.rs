//! Tarballs (`.tar`, `.tar.gz`, `.tgz`) of pages: `.html`, `.htm`, `.xhtml`, `.txt` and their
//! gzip-compressed forms (`.html.gz`), recognized by name as files on disk are (see
//! [`format_of`]). Other members are skipped; directories and links are ignored.
//!
//! Read with the `tar` crate, whose entry iterator borrows the archive: to hand out an owned,
//! `Send` iterator, a thread walks the archive and passes items over a rendezvous channel, so
//! at most the member being handed over and the one being read are in memory. Dropping the
//! iterator stops the thread at its next item. A tar stream cannot be resynchronized: the
//! first corrupt header or truncated member is reported and ends the archive.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::mpsc::{SyncSender, sync_channel};

use flate2::read::MultiGzDecoder;

use super::{ArchiveError, ArchiveRecord, Item, MAX_BYTES, Skipped, read_capped};
use crate::extract::{Overrides, RawDocument};
use crate::fetch::local::format_of;
use crate::model::SourceMeta;

/// A tar reader over an opened file; `gz` when it starts with a gzip header.
pub(super) fn reader(
    path: &Path,
    file: BufReader<File>,
    gz: bool,
) -> std::io::Result<Box<dyn Iterator<Item = Item> + Send>> {
    let input: Box<dyn Read + Send> = if gz {
        Box::new(MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let (tx, rx) = sync_channel(0);
    let path = path.to_path_buf();
    std::thread::Builder::new()
        .name("sitrep-tar".into())
        .spawn(move || {
            let walk = std::panic::AssertUnwindSafe(|| walk(input, &path, &tx));
            if std::panic::catch_unwind(walk).is_err() {
                let reason = "tar reader failed (panic)".to_string();
                let _ = tx.send(Item::Error(ArchiveError::Corrupt {
                    path,
                    offset: 0,
                    reason,
                }));
            }
        })?;
    Ok(Box::new(rx.into_iter()))
}

/// Sends every member's item; returns at the end, at the first corruption, or when the
/// receiver is gone.
fn walk(input: Box<dyn Read + Send>, path: &Path, tx: &SyncSender<Item>) {
    let corrupt = |offset, e: std::io::Error| {
        Item::Error(ArchiveError::Corrupt {
            path: path.to_path_buf(),
            offset,
            reason: e.to_string(),
        })
    };
    let mut archive = ::tar::Archive::new(input);
    let entries = match archive.entries() {
        Ok(entries) => entries,
        Err(e) => {
            let _ = tx.send(corrupt(0, e));
            return;
        }
    };
    // Where the next header is expected, for errors that come before an entry exists.
    let mut next_header = 0;
    for entry in entries {
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let _ = tx.send(corrupt(next_header, e));
                return;
            }
        };
        let offset = entry.raw_header_position();
        next_header = entry.raw_file_position() + entry.size().div_ceil(512) * 512;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let (item, stop) = match member(&mut entry, path, offset) {
            Ok(item) => (item, false),
            Err(e) => (corrupt(offset, e), true),
        };
        if tx.send(item).is_err() || stop {
            return;
        }
    }
}

/// The item for one regular member; `Err` when the archive itself fails (truncated).
fn member<R: Read>(
    entry: &mut ::tar::Entry<'_, R>,
    archive: &Path,
    offset: u64,
) -> std::io::Result<Item> {
    let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
    let base = name.rsplit('/').next().unwrap_or(&name);
    let format = format_of(Path::new(&name));
    let Some((format, gz)) = format.filter(|_| !base.starts_with("._")) else {
        let content_type = guess_type(&name).to_string();
        return Ok(Item::Skipped(Skipped::NotHtml {
            offset,
            content_type,
        }));
    };
    let too_large = |size| {
        Item::Error(ArchiveError::TooLarge {
            path: archive.to_path_buf(),
            offset,
            size,
        })
    };
    let size = entry.size();
    if size > MAX_BYTES {
        return Ok(too_large(size)); // the tar crate reads past the data, unbuffered
    }
    let mut bytes = Vec::with_capacity(size as usize);
    entry.read_to_end(&mut bytes)?;
    if (bytes.len() as u64) < size {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!("truncated member {name}: {} of {size} bytes", bytes.len()),
        ));
    }
    if gz {
        // A bad member, not a bad archive: reported, and the walk goes on.
        bytes = match read_capped(MultiGzDecoder::new(&bytes[..]), 0) {
            Ok(Ok(b)) => b,
            Ok(Err(n)) => return Ok(too_large(n)),
            Err(e) => {
                return Ok(Item::Error(ArchiveError::Corrupt {
                    path: archive.to_path_buf(),
                    offset,
                    reason: format!("{name}: {e}"),
                }));
            }
        };
    }
    Ok(Item::Record(Box::new(ArchiveRecord {
        raw: RawDocument {
            bytes,
            format,
            content_type: None,
            source: SourceMeta {
                url: None,
                path: Some(format!("{}:{name}", archive.display())),
            },
            overrides: Overrides::default(),
        },
        offset,
        fetched_at: None,
        headers: Vec::new(),
        status: None,
    })))
}

/// A media type for a skipped member, from its name.
fn guess_type(name: &str) -> &'static str {
    let base = name.rsplit('/').next().unwrap_or(name);
    if base.starts_with("._") {
        return "application/applefile";
    }
    let ext = base.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("svg") => "image/svg+xml",
        Some("pdf") => "application/pdf",
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        _ => "application/octet-stream",
    }
}
