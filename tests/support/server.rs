//! A small, real HTTP/1.1 server on loopback for integration tests and benchmarks of the
//! fetcher. Only std: a `TcpListener` on 127.0.0.1:0, one accept thread, one thread per
//! connection.
//!
//! Include it with `#[path = "support/server.rs"] mod server;` (tests) or
//! `#[path = "../tests/support/server.rs"] mod server;` (benches).
//!
//! Behaviour in brief:
//! - Routes are exact-match on the request target (path plus query string); when there is no
//!   exact match the path without its query string is tried. Unknown paths get a 404.
//! - Routes are looked up when each request arrives, so a test can change them between runs.
//! - Every request is logged (before the response is sent, even 404s and 304s).
//! - Keep-alive is the HTTP/1.1 default; the connection is closed when the client asks for it,
//!   on EOF, read error or timeout (30 s), and after responses whose framing is not reliable
//!   (`endless`, a lying `content_length`, `close`, `hangup`).
//! - No lock is held while sleeping or writing, so many connections are served in parallel.
//! - Dropping the `TestServer` stops accepting and shuts down connections that are still open.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Limit on the request line plus headers.
const MAX_HEAD: usize = 64 * 1024;
/// Read and write timeout on every connection, so stray threads die.
const IO_TIMEOUT: Duration = Duration::from_secs(30);
/// Bodies up to this size are sent in the same write as the headers.
const COALESCE: usize = 64 * 1024;
/// Largest single write of filler for `endless` responses.
const BLOCK: usize = 16 * 1024;
const FILLER_PATTERN: &[u8] = b"The quick brown fox jumps over the lazy dog. 0123456789\n";

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

// ---------------------------------------------------------------------------------------------
// Server

/// A running server. Dropping it stops accepting and closes open connections.
pub struct TestServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

struct Shared {
    routes: Mutex<HashMap<String, Response>>,
    log: Mutex<Vec<Request>>,
    stop: AtomicBool,
    /// Open connections (clones), so `Drop` can shut them down.
    conns: Mutex<HashMap<u64, TcpStream>>,
    next_conn: AtomicU64,
    connections_accepted: AtomicU64,
}

impl TestServer {
    /// Binds 127.0.0.1:0 and spawns the accept thread.
    pub fn start() -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("test server: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("test server: local_addr");
        let shared = Arc::new(Shared {
            routes: Mutex::new(HashMap::new()),
            log: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            conns: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(0),
            connections_accepted: AtomicU64::new(0),
        });
        let for_thread = Arc::clone(&shared);
        let accept = thread::Builder::new()
            .name("test-server-accept".into())
            .spawn(move || accept_loop(listener, for_thread))
            .expect("test server: spawn accept thread");
        TestServer {
            addr,
            shared,
            accept: Some(accept),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` followed by `path` (a leading `/` is added if missing).
    pub fn url(&self, path: &str) -> String {
        if path.starts_with('/') || path.is_empty() {
            format!("http://{}{}", self.addr, path)
        } else {
            format!("http://{}/{}", self.addr, path)
        }
    }

    /// Sets or replaces the response for `path` (exact, including any query string).
    pub fn route(&self, path: &str, response: Response) {
        lock(&self.shared.routes).insert(path.to_string(), response);
    }

    pub fn remove(&self, path: &str) {
        lock(&self.shared.routes).remove(path);
    }

    /// Every request received, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.log).clone()
    }

    /// Requests whose target equals `path`; when `path` has no query string, requests to that
    /// path with any query string also count.
    pub fn requests_to(&self, path: &str) -> Vec<Request> {
        lock(&self.shared.log)
            .iter()
            .filter(|r| target_matches(&r.path, path))
            .cloned()
            .collect()
    }

    /// Number of requests to `path` (same matching as `requests_to`).
    pub fn hits(&self, path: &str) -> usize {
        lock(&self.shared.log)
            .iter()
            .filter(|r| target_matches(&r.path, path))
            .count()
    }

    /// Number of requests received in total.
    pub fn request_count(&self) -> usize {
        lock(&self.shared.log).len()
    }

    /// Number of TCP connections accepted so far (useful to check connection reuse).
    pub fn connections_accepted(&self) -> u64 {
        self.shared.connections_accepted.load(Ordering::SeqCst)
    }

    pub fn clear_log(&self) {
        lock(&self.shared.log).clear();
    }
}

fn target_matches(target: &str, path: &str) -> bool {
    target == path || (!path.contains('?') && strip_query(target) == path)
}

fn strip_query(target: &str) -> &str {
    target.split_once('?').map_or(target, |(p, _)| p)
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Unblock `accept` by connecting to ourselves.
        let woke = TcpStream::connect_timeout(&self.addr, Duration::from_secs(2)).is_ok();
        if let Some(handle) = self.accept.take()
            && woke
        {
            let _ = handle.join();
        }
        let open: Vec<TcpStream> = lock(&self.shared.conns).drain().map(|(_, s)| s).collect();
        for stream in open {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for conn in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let stream = match conn {
            Ok(s) => s,
            Err(_) => {
                // e.g. EMFILE under heavy load: back off briefly instead of spinning.
                thread::sleep(Duration::from_millis(5));
                continue;
            }
        };
        shared.connections_accepted.fetch_add(1, Ordering::SeqCst);
        let id = shared.next_conn.fetch_add(1, Ordering::SeqCst);
        if let Ok(clone) = stream.try_clone() {
            lock(&shared.conns).insert(id, clone);
        }
        let for_thread = Arc::clone(&shared);
        let spawned = thread::Builder::new()
            .name("test-server-conn".into())
            .stack_size(256 * 1024)
            .spawn(move || {
                let _ = serve_connection(stream, &for_thread);
                if let Some(s) = lock(&for_thread.conns).remove(&id) {
                    let _ = s.shutdown(Shutdown::Both);
                }
            });
        if spawned.is_err()
            && let Some(s) = lock(&shared.conns).remove(&id)
        {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Requests

/// One request as received (request line and headers; bodies are skipped).
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// The request target: path plus query string (absolute-form is reduced to this too).
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// When the request head had been read completely.
    pub at: Instant,
}

impl Request {
    /// First header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

enum Head {
    Request {
        method: String,
        target: String,
        version: String,
        headers: Vec<(String, String)>,
    },
    /// Clean EOF (or EOF/timeout mid-head): just close.
    Closed,
    TooLarge,
    Malformed,
}

fn read_head(reader: &mut BufReader<TcpStream>) -> io::Result<Head> {
    let mut used = 0usize;
    let mut line = Vec::new();
    let mut request_line: Option<String> = None;
    let mut headers = Vec::new();
    loop {
        line.clear();
        let limit = (MAX_HEAD - used) as u64;
        let n = reader.by_ref().take(limit).read_until(b'\n', &mut line)?;
        used += n;
        if !line.ends_with(b"\n") {
            return Ok(if used >= MAX_HEAD {
                Head::TooLarge
            } else {
                Head::Closed
            });
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        match &request_line {
            None => {
                if !text.is_empty() {
                    // Leading empty lines are allowed (RFC 9112 §2.2) and skipped.
                    request_line = Some(text.to_string());
                }
            }
            Some(_) if text.is_empty() => break,
            Some(_) => match text.split_once(':') {
                Some((name, value)) => {
                    headers.push((name.trim().to_string(), value.trim().to_string()));
                }
                None => return Ok(Head::Malformed),
            },
        }
    }
    let request_line = request_line.unwrap_or_default();
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Ok(Head::Malformed);
    };
    if !version.starts_with("HTTP/") {
        return Ok(Head::Malformed);
    }
    Ok(Head::Request {
        method: method.to_string(),
        target: origin_form(target),
        version: version.to_string(),
        headers,
    })
}

/// Reduces an absolute-form target (`http://host/path?q`) to `/path?q`.
fn origin_form(target: &str) -> String {
    for scheme in ["http://", "https://"] {
        if target.len() >= scheme.len() && target[..scheme.len()].eq_ignore_ascii_case(scheme) {
            let rest = &target[scheme.len()..];
            return match rest.find(['/', '?']) {
                Some(i) if rest[i..].starts_with('/') => rest[i..].to_string(),
                Some(i) => format!("/{}", &rest[i..]),
                None => "/".to_string(),
            };
        }
    }
    target.to_string()
}

fn has_token(value: Option<&str>, token: &str) -> bool {
    value.is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
}

fn serve_connection(stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut reader = BufReader::with_capacity(8 * 1024, stream);
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        let (method, target, version, headers) = match read_head(&mut reader)? {
            Head::Request {
                method,
                target,
                version,
                headers,
            } => (method, target, version, headers),
            Head::Closed => return Ok(()),
            Head::TooLarge => {
                let resp = Response::status(431).body("request header fields too large\n");
                return write_simple(reader.get_mut(), &resp);
            }
            Head::Malformed => {
                let resp = Response::status(400).body("bad request\n");
                return write_simple(reader.get_mut(), &resp);
            }
        };
        let request = Request {
            method,
            path: target,
            headers,
            at: Instant::now(),
        };

        let connection = request.header("connection");
        let mut keep_alive = if version.eq_ignore_ascii_case("HTTP/1.0") {
            has_token(connection, "keep-alive")
        } else {
            !has_token(connection, "close")
        };

        // Skip the request body (Content-Length only; chunked bodies end the connection).
        if request.header("transfer-encoding").is_some() {
            keep_alive = false;
        } else if let Some(cl) = request.header("content-length") {
            let Ok(n) = cl.trim().parse::<u64>() else {
                lock(&shared.log).push(request);
                let resp = Response::status(400).body("bad content-length\n");
                return write_simple(reader.get_mut(), &resp);
            };
            if n > 0 {
                if has_token(request.header("expect"), "100-continue") {
                    reader
                        .get_mut()
                        .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
                }
                let copied = io::copy(&mut reader.by_ref().take(n), &mut io::sink())?;
                if copied < n {
                    return Ok(());
                }
            }
        }

        lock(&shared.log).push(request.clone());

        let response = {
            let routes = lock(&shared.routes);
            routes
                .get(&request.path)
                .or_else(|| routes.get(strip_query(&request.path)))
                .cloned()
        }
        .unwrap_or_else(Response::not_found);

        let keep = respond(reader.get_mut(), &request, &response, keep_alive)?;
        if !keep {
            let _ = reader.get_ref().shutdown(Shutdown::Write);
            return Ok(());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Responses

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
fn write_simple(stream: &mut TcpStream, resp: &Response) -> io::Result<()> {
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
fn respond(
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
