//! The canned [`Response`] builder of the loopback test server, and the code that writes a
//! response to the wire (conditional requests, `Content-Length` framing, `stall`, `trickle`,
//! `endless`, `hangup`). Included by `server.rs` as its `response` submodule; lint levels
//! (`#![allow(dead_code)]`) are inherited from there.

use std::io::{self, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use super::{Request, has_token};

/// Bodies up to this size are sent in the same write as the headers.
const COALESCE: usize = 64 * 1024;
/// Largest single write of filler for `endless` responses.
const BLOCK: usize = 16 * 1024;
const FILLER_PATTERN: &[u8] = b"The quick brown fox jumps over the lazy dog. 0123456789\n";

/// A canned response, cloned out of the route table for each request (the body is shared).
#[derive(Clone, Debug)]
pub struct Response {
    code: u16,
    headers: Vec<(String, String)>,
    body: Arc<[u8]>,
    etag: Option<String>,
    last_modified: Option<String>,
    stall: Option<Duration>,
    trickle: Option<(usize, Duration)>,
    endless: Option<u64>,
    content_length: Option<u64>,
    close: bool,
    hangup: bool,
}

impl Response {
    fn new(code: u16) -> Response {
        Response {
            code,
            headers: Vec::new(),
            body: Arc::from(Vec::new()),
            etag: None,
            last_modified: None,
            stall: None,
            trickle: None,
            endless: None,
            content_length: None,
            close: false,
            hangup: false,
        }
    }

    /// 200 with `Content-Type` and the body (`Content-Length` is always sent for bodies).
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response::new(200)
            .header("Content-Type", content_type)
            .body(body)
    }

    /// This status with an empty body.
    pub fn status(code: u16) -> Response {
        Response::new(code)
    }

    /// This status with a `Location` header and an empty body.
    pub fn redirect(code: u16, location: &str) -> Response {
        Response::new(code).header("Location", location)
    }

    /// The response used for unknown paths.
    pub fn not_found() -> Response {
        Response::new(404)
            .header("Content-Type", "text/plain")
            .body("not found\n")
    }

    /// Reads the request, then closes the connection without sending anything.
    pub fn hangup() -> Response {
        Response {
            hangup: true,
            ..Response::new(200)
        }
    }

    /// Adds a header. `Content-Length: n` is treated as `content_length(n)` and
    /// `Connection: close` as `close()`, since the server writes those itself.
    pub fn header(mut self, name: &str, value: &str) -> Response {
        if name.eq_ignore_ascii_case("content-length")
            && let Ok(n) = value.trim().parse()
        {
            self.content_length = Some(n);
            return self;
        }
        if name.eq_ignore_ascii_case("connection") {
            if has_token(Some(value), "close") {
                self.close = true;
            }
            return self;
        }
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Response {
        self.body = Arc::from(body.into());
        self
    }

    /// Sends `ETag` (quoted if not already quoted or weak) and answers 304 to a matching
    /// `If-None-Match` (weak comparison; `*` matches).
    pub fn etag(mut self, etag: &str) -> Response {
        let etag = etag.trim();
        self.etag = Some(if etag.starts_with('"') || etag.starts_with("W/") {
            etag.to_string()
        } else {
            format!("\"{etag}\"")
        });
        self
    }

    /// Sends `Last-Modified` and answers 304 when `If-Modified-Since` is exactly this string.
    /// As in RFC 9110, `If-Modified-Since` is ignored when `If-None-Match` is present.
    pub fn last_modified(mut self, http_date: &str) -> Response {
        self.last_modified = Some(http_date.trim().to_string());
        self
    }

    /// Sleeps this long after reading the request, before sending anything.
    pub fn stall(mut self, d: Duration) -> Response {
        self.stall = Some(d);
        self
    }

    /// Sends the headers, then the body in chunks of `chunk` bytes with `pause` between them.
    pub fn trickle(mut self, chunk: usize, pause: Duration) -> Response {
        self.trickle = Some((chunk.max(1), pause));
        self
    }

    /// Streams `n` bytes of repeating ASCII text without a `Content-Length`, then closes the
    /// connection (close-delimited). Replaces any body. Combine with `trickle` to slow it down.
    pub fn endless(mut self, n: u64) -> Response {
        self.endless = Some(n);
        self
    }

    /// Declares this `Content-Length` instead of the real one. The connection is closed after
    /// the (real) body when the two differ.
    pub fn content_length(mut self, n: u64) -> Response {
        self.content_length = Some(n);
        self
    }

    /// Sends `Connection: close` and closes the connection after this response.
    pub fn close(mut self) -> Response {
        self.close = true;
        self
    }

    pub fn code(&self) -> u16 {
        self.code
    }

    fn body_len(&self) -> u64 {
        self.endless.unwrap_or(self.body.len() as u64)
    }
}

fn reason(code: u16) -> &'static str {
    match code {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        410 => "Gone",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// Statuses that never carry a body (and get no `Content-Length`).
fn bodiless(code: u16) -> bool {
    (100..200).contains(&code) || code == 204 || code == 304
}

fn opaque_tag(tag: &str) -> &str {
    let tag = tag.trim();
    tag.strip_prefix("W/").unwrap_or(tag).trim_matches('"')
}

fn not_modified(req: &Request, resp: &Response) -> bool {
    if !(req.method.eq_ignore_ascii_case("GET") || req.method.eq_ignore_ascii_case("HEAD")) {
        return false;
    }
    if !(200..300).contains(&resp.code) {
        return false;
    }
    if let Some(inm) = req.header("if-none-match") {
        let Some(etag) = &resp.etag else {
            return false;
        };
        let ours = opaque_tag(etag);
        return inm
            .split(',')
            .any(|t| t.trim() == "*" || opaque_tag(t) == ours);
    }
    match (req.header("if-modified-since"), &resp.last_modified) {
        (Some(ims), Some(lm)) => ims.trim() == lm,
        _ => false,
    }
}

fn push_header(head: &mut Vec<u8>, name: &str, value: &str) {
    head.extend_from_slice(name.as_bytes());
    head.extend_from_slice(b": ");
    head.extend_from_slice(value.as_bytes());
    head.extend_from_slice(b"\r\n");
}

/// Writes a short response and asks the caller to close.
pub(super) fn write_simple(stream: &mut TcpStream, resp: &Response) -> io::Result<()> {
    let mut out = format!("HTTP/1.1 {} {}\r\n", resp.code, reason(resp.code)).into_bytes();
    for (n, v) in &resp.headers {
        push_header(&mut out, n, v);
    }
    push_header(&mut out, "Content-Length", &resp.body.len().to_string());
    push_header(&mut out, "Connection", "close");
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&resp.body);
    stream.write_all(&out)?;
    let _ = stream.shutdown(Shutdown::Write);
    Ok(())
}

/// Sends `resp` for `req`; returns whether the connection can be kept alive.
pub(super) fn respond(
    stream: &mut TcpStream,
    req: &Request,
    resp: &Response,
    keep_alive: bool,
) -> io::Result<bool> {
    if let Some(d) = resp.stall {
        thread::sleep(d);
    }
    if resp.hangup {
        return Ok(false);
    }
    let head_only = req.method.eq_ignore_ascii_case("HEAD");

    if not_modified(req, resp) {
        let keep = keep_alive && !resp.close;
        let mut out = b"HTTP/1.1 304 Not Modified\r\n".to_vec();
        for (n, v) in &resp.headers {
            let skip = ["content-type", "content-encoding", "transfer-encoding"]
                .iter()
                .any(|h| n.eq_ignore_ascii_case(h));
            if !skip {
                push_header(&mut out, n, v);
            }
        }
        if let Some(etag) = &resp.etag {
            push_header(&mut out, "ETag", etag);
        }
        if let Some(lm) = &resp.last_modified {
            push_header(&mut out, "Last-Modified", lm);
        }
        if !keep {
            push_header(&mut out, "Connection", "close");
        }
        out.extend_from_slice(b"\r\n");
        stream.write_all(&out)?;
        return Ok(keep);
    }

    let no_body = bodiless(resp.code);
    let actual = if no_body { 0 } else { resp.body_len() };
    let declared = match resp.content_length {
        Some(n) => Some(n),
        None if no_body || resp.endless.is_some() => None,
        None => Some(actual),
    };
    let keep = keep_alive
        && !resp.close
        && resp.endless.is_none()
        && resp.content_length.is_none_or(|n| n == actual);

    let mut out = format!("HTTP/1.1 {} {}\r\n", resp.code, reason(resp.code)).into_bytes();
    for (n, v) in &resp.headers {
        push_header(&mut out, n, v);
    }
    if let Some(etag) = &resp.etag {
        push_header(&mut out, "ETag", etag);
    }
    if let Some(lm) = &resp.last_modified {
        push_header(&mut out, "Last-Modified", lm);
    }
    if let Some(n) = declared {
        push_header(&mut out, "Content-Length", &n.to_string());
    }
    if !keep {
        push_header(&mut out, "Connection", "close");
    }
    out.extend_from_slice(b"\r\n");

    if head_only || no_body {
        stream.write_all(&out)?;
        return Ok(keep);
    }

    match (resp.endless, resp.trickle) {
        (None, None) => {
            if resp.body.len() <= COALESCE {
                out.extend_from_slice(&resp.body);
                stream.write_all(&out)?;
            } else {
                stream.write_all(&out)?;
                stream.write_all(&resp.body)?;
            }
        }
        (None, Some((chunk, pause))) => {
            stream.write_all(&out)?;
            let mut pieces = resp.body.chunks(chunk).peekable();
            while let Some(piece) = pieces.next() {
                stream.write_all(piece)?;
                if pieces.peek().is_some() {
                    thread::sleep(pause);
                }
            }
        }
        (Some(n), trickle) => {
            stream.write_all(&out)?;
            let (step, pause) = match trickle {
                Some((chunk, pause)) => (chunk.min(BLOCK), Some(pause)),
                None => (BLOCK, None),
            };
            write_filler(stream, n, step, pause)?;
        }
    }
    Ok(keep)
}

/// Writes `n` bytes of repeating text in pieces of at most `step` bytes.
fn write_filler(
    stream: &mut TcpStream,
    n: u64,
    step: usize,
    pause: Option<Duration>,
) -> io::Result<()> {
    let pat = FILLER_PATTERN.len();
    let filler: Vec<u8> = FILLER_PATTERN
        .iter()
        .copied()
        .cycle()
        .take(step + pat)
        .collect();
    let mut sent = 0u64;
    while sent < n {
        let len = (n - sent).min(step as u64) as usize;
        let start = (sent % pat as u64) as usize;
        stream.write_all(&filler[start..start + len])?;
        sent += len as u64;
        if sent < n
            && let Some(p) = pause
        {
            thread::sleep(p);
        }
    }
    Ok(())
}
