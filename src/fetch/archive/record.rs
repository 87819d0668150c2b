//! One WARC record: version line, header fields, block, and the blank line after it.

use std::io::{BufRead, Read, Take};

use chrono::{DateTime, Utc};

use super::http::{Body, Fault, field, read_body, read_fields, read_head};
use super::io::{Counting, peek, skip};
use super::{ArchiveRecord, MAX_BYTES, format_for, read_capped, sniff};
use crate::extract::{Overrides, RawDocument};
use crate::model::{DocFormat, SourceMeta};

/// How a record starts; a scan for the next record looks for it anywhere, not only at a line's start.
pub(super) const VERSION: &[u8] = b"WARC/1.";

/// What one record turned out to be; its offset is the caller's to add.
#[derive(Debug)]
pub(super) enum Outcome {
    Doc(Box<ArchiveRecord>),
    NotHtml(String),
    Status(u16),
    NotResponse(String),
    TooLarge(u64),
}

/// A record that could not be read, at this position of the (decompressed) stream.
#[derive(Debug)]
pub(super) struct Failure {
    pub at: u64,
    pub fault: Fault,
}

/// Reads the record at `r`'s position (after any blank lines), or the one whose `WARC/1.` a
/// scan just consumed (`resumed`). Returns where it starts and what it is; `None` at the end.
pub(super) fn read_record<R: BufRead>(
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
    if let Some(ct) = warc_content_type
        && !ct.to_ascii_lowercase().starts_with("application/http")
    {
        return Ok(Outcome::NotHtml(ct.to_string()));
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
