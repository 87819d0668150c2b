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

#[path = "server_response.rs"]
mod response;

pub use response::Response;
use response::{respond, write_simple};

/// Limit on the request line plus headers.
const MAX_HEAD: usize = 64 * 1024;
/// Read and write timeout on every connection, so stray threads die.
const IO_TIMEOUT: Duration = Duration::from_secs(30);

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
