//! JSON Lines (`.jsonl`, `.ndjson`, optionally gzip-compressed): one article per line.
//!
//! A line is an object with `url` and either `html` (read as HTML) or `text` (read as plain
//! text; `content`, `body` and news-please's `maintext` are synonyms), optionally `title`,
//! `published` (`YYYY-MM-DD` or RFC 3339; `date`, `publish_date` and news-please's
//! `date_publish` are synonyms) and `language` (or `lang`). Title, date and language become
//! [`Overrides`]: they are what the exporter knew about the article. When both `html` and
//! `text` are present, `html` is read.
//!
//! A line that is not such an object is reported (at its offset) and skipped; blank lines are
//! ignored; a line longer than [`MAX_BYTES`] is read past without being buffered.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use flate2::bufread::MultiGzDecoder;
use serde_json::{Map, Value};

use super::io::{Counting, Line, read_line};
use super::{ArchiveError, ArchiveRecord, Item, MAX_BYTES, is_data_error};
use crate::extract::{Overrides, RawDocument};
use crate::model::{DocFormat, Language, SourceMeta};

const TEXT: &[&str] = &["text", "content", "body", "maintext"];
const PUBLISHED: &[&str] = &["published", "date", "publish_date", "date_publish"];
const LANGUAGE: &[&str] = &["language", "lang"];

/// A JSON Lines reader over an opened file; `gz` when it starts with a gzip header.
pub(super) fn reader(
    path: &Path,
    file: BufReader<File>,
    gz: bool,
) -> Box<dyn Iterator<Item = Item> + Send> {
    let inner: Box<dyn BufRead + Send> = if gz {
        Box::new(BufReader::with_capacity(
            64 * 1024,
            MultiGzDecoder::new(file),
        ))
    } else {
        Box::new(file)
    };
    Box::new(Jsonl {
        r: Counting::new(inner, 0),
        path: path.to_path_buf(),
        name: path.display().to_string(),
        line: Vec::new(),
        done: false,
    })
}

struct Jsonl {
    r: Counting<Box<dyn BufRead + Send>>,
    path: PathBuf,
    name: String,
    line: Vec<u8>,
    done: bool,
}

impl Iterator for Jsonl {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        while !self.done {
            let offset = self.r.pos;
            let path = self.path.clone();
            match read_line(&mut self.r, &mut self.line, MAX_BYTES as usize) {
                Ok(Line::Eof) => self.done = true,
                Ok(Line::TooLong(size)) => {
                    return Some(Item::Error(ArchiveError::TooLarge { path, offset, size }));
                }
                Ok(Line::Read) if self.line.trim_ascii().is_empty() => {}
                Ok(Line::Read) => {
                    let locator = format!("{}#{offset}", self.name);
                    return Some(match parse(&self.line, locator) {
                        Ok(raw) => Item::Record(Box::new(ArchiveRecord {
                            raw,
                            offset,
                            fetched_at: None,
                            headers: Vec::new(),
                            status: None,
                        })),
                        Err(reason) => Item::Error(ArchiveError::Corrupt {
                            path,
                            offset,
                            reason,
                        }),
                    });
                }
                // A gzip stream cannot be resumed after corruption: report it and stop.
                Err(e) => {
                    self.done = true;
                    return Some(Item::Error(if is_data_error(&e) {
                        let reason = format!("corrupt gzip stream: {e}");
                        ArchiveError::Corrupt {
                            path,
                            offset,
                            reason,
                        }
                    } else {
                        ArchiveError::Io { path, source: e }
                    }));
                }
            }
        }
        None
    }
}

/// The first of `names` present (and not null) in `obj`, as a string.
fn string<'a>(obj: &'a Map<String, Value>, names: &[&str]) -> Result<Option<&'a str>, String> {
    for name in names {
        match obj.get(*name) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => return Ok(Some(s)),
            Some(other) => {
                let kind = match other {
                    Value::Bool(_) => "a boolean",
                    Value::Number(_) => "a number",
                    Value::Array(_) => "an array",
                    _ => "an object",
                };
                return Err(format!("{name}: expected a string, found {kind}"));
            }
        }
    }
    Ok(None)
}

/// A date as `YYYY-MM-DD`, or the date part of an RFC 3339 or `YYYY-MM-DD hh:mm:ss` time (the
/// date as published, in the publisher's time zone).
fn date(raw: &str) -> Option<NaiveDate> {
    let raw = raw.trim();
    NaiveDate::parse_from_str(raw.get(..10)?, "%Y-%m-%d").ok()
}

/// Removes the first of `names` holding a non-blank string from `obj`; the body is moved out
/// of the parsed line rather than copied.
fn take(obj: &mut Map<String, Value>, names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| match obj.remove(*name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s),
        _ => None,
    })
}

/// One line's document; `Err(reason)` when the line is not a usable article.
fn parse(line: &[u8], locator: String) -> Result<RawDocument, String> {
    let mut obj: Map<String, Value> = serde_json::from_slice(
        line.strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(line)
            .trim_ascii_end(),
    )
    .map_err(|e| format!("invalid JSON: {e}"))?;
    for names in [&["url", "html", "title"][..], TEXT] {
        string(&obj, names)?;
    }
    let published = match string(&obj, PUBLISHED)? {
        None => None,
        Some(d) if d.trim().is_empty() => None,
        Some(d) => Some(date(d).ok_or_else(|| {
            format!("published: {d:?} is not a date like 2025-10-28 or 2025-10-28T09:00:00Z")
        })?),
    };
    let language = match string(&obj, LANGUAGE)? {
        None => None,
        Some(l) if l.trim().is_empty() => None,
        Some(l) => Some(Language::new(l).map_err(|e| e.to_string())?),
    };
    let (body, format, content_type) = if let Some(h) = take(&mut obj, &["html"]) {
        (h, DocFormat::Html, "text/html; charset=utf-8")
    } else if let Some(t) = take(&mut obj, TEXT) {
        (t, DocFormat::Text, "text/plain; charset=utf-8")
    } else {
        return Err("no html or text field".into());
    };
    let url = take(&mut obj, &["url"]).map(|u| u.trim().to_string());
    let title = take(&mut obj, &["title"]).map(|t| t.trim().to_string());
    Ok(RawDocument {
        bytes: body.into_bytes(),
        format,
        content_type: Some(content_type.to_string()),
        source: SourceMeta {
            url,
            path: Some(locator),
        },
        overrides: Overrides {
            published,
            title,
            language,
            source_url: None,
        },
    })
}
