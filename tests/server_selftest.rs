//! Self-test of the loopback HTTP server in `tests/support/server.rs`, over raw TCP.

#[path = "support/server.rs"]
mod server;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use server::{Response, TestServer};

/// A parsed response.
struct Reply {
    code: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A client connection that can send several requests.
struct Client {
    reader: BufReader<TcpStream>,
}

impl Client {
    fn connect(server: &TestServer) -> Client {
        let stream = TcpStream::connect(server.addr()).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        Client {
            reader: BufReader::new(stream),
        }
    }

    fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)]) {
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n");
        for (n, v) in headers {
            req.push_str(&format!("{n}: {v}\r\n"));
        }
        req.push_str("\r\n");
        self.reader.get_mut().write_all(req.as_bytes()).unwrap();
    }

    /// Reads one response: the body by Content-Length, or to EOF when there is none
    /// (never for 304/204 or HEAD).
    fn read(&mut self, head_only: bool) -> Reply {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let mut parts = line.split_whitespace();
        assert_eq!(parts.next(), Some("HTTP/1.1"), "status line: {line:?}");
        let code: u16 = parts.next().unwrap().parse().unwrap();
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line).unwrap();
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let (n, v) = l.split_once(':').expect("header line");
            headers.push((n.trim().to_string(), v.trim().to_string()));
        }
        let mut reply = Reply {
            code,
            headers,
            body: Vec::new(),
        };
        if head_only || code == 304 || code == 204 {
            return reply;
        }
        match reply.header("content-length") {
            Some(n) => {
                let n: usize = n.parse().unwrap();
                reply.body = vec![0; n];
                self.reader.read_exact(&mut reply.body).unwrap();
            }
            None => {
                self.reader.read_to_end(&mut reply.body).unwrap();
            }
        }
        reply
    }

    fn get(&mut self, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.send("GET", path, headers);
        self.read(false)
    }

    /// True when the server has closed the connection (EOF).
    fn at_eof(&mut self) -> bool {
        let mut buf = [0u8; 1];
        matches!(self.reader.read(&mut buf), Ok(0))
    }
}

fn get(server: &TestServer, path: &str, headers: &[(&str, &str)]) -> Reply {
    Client::connect(server).get(path, headers)
}

#[test]
fn ok_with_body_and_content_length() {
    let server = TestServer::start();
    server.route("/feed.xml", Response::ok("application/rss+xml", "<rss/>"));
    let reply = get(&server, "/feed.xml", &[]);
    assert_eq!(reply.code, 200);
    assert_eq!(reply.text(), "<rss/>");
    assert_eq!(reply.header("content-length"), Some("6"));
    assert_eq!(reply.header("content-type"), Some("application/rss+xml"));
    assert!(server.url("/feed.xml").starts_with("http://127.0.0.1:"));
    assert!(server.url("/feed.xml").ends_with("/feed.xml"));
}

#[test]
fn unknown_path_is_404_and_logged() {
    let server = TestServer::start();
    let reply = get(&server, "/nope", &[]);
    assert_eq!(reply.code, 404);
    assert!(!reply.body.is_empty());
    assert_eq!(server.requests_to("/nope").len(), 1);
}

#[test]
fn keep_alive_serves_several_requests_per_connection() {
    let server = TestServer::start();
    server.route("/a", Response::ok("text/plain", "first"));
    server.route("/b", Response::ok("text/plain", "second"));
    let mut client = Client::connect(&server);
    let a = client.get("/a", &[]);
    assert_eq!((a.code, a.text().as_str()), (200, "first"));
    assert_eq!(a.header("connection"), None);
    let b = client.get("/b", &[]);
    assert_eq!((b.code, b.text().as_str()), (200, "second"));
    // Pipelined requests are answered in order too.
    client.send("GET", "/b", &[]);
    client.send("GET", "/a", &[]);
    assert_eq!(client.read(false).text(), "second");
    assert_eq!(client.read(false).text(), "first");
    // HEAD: headers only, connection stays usable.
    client.send("HEAD", "/a", &[]);
    let head = client.read(true);
    assert_eq!(head.header("content-length"), Some("5"));
    // `Connection: close` ends it.
    let c = client.get("/a", &[("Connection", "close")]);
    assert_eq!(c.code, 200);
    assert_eq!(c.header("connection"), Some("close"));
    assert!(client.at_eof());
    assert_eq!(server.connections_accepted(), 1);
    assert_eq!(server.requests().len(), 6);
}

#[test]
fn conditional_get_answers_304() {
    let server = TestServer::start();
    let date = "Wed, 21 Oct 2015 07:28:00 GMT";
    server.route(
        "/etag",
        Response::ok("text/plain", "body")
            .etag("abc123")
            .header("Cache-Control", "max-age=60"),
    );
    server.route(
        "/lm",
        Response::ok("text/plain", "body").last_modified(date),
    );

    let mut client = Client::connect(&server);
    let first = client.get("/etag", &[]);
    assert_eq!(first.code, 200);
    assert_eq!(first.header("etag"), Some("\"abc123\""));
    let hit = client.get("/etag", &[("If-None-Match", "\"abc123\"")]);
    assert_eq!(hit.code, 304);
    assert_eq!(hit.header("etag"), Some("\"abc123\""));
    assert_eq!(hit.header("cache-control"), Some("max-age=60"));
    assert!(hit.body.is_empty());
    let weak = client.get("/etag", &[("If-None-Match", "\"x\", W/\"abc123\"")]);
    assert_eq!(weak.code, 304);
    let miss = client.get("/etag", &[("If-None-Match", "\"other\"")]);
    assert_eq!((miss.code, miss.text().as_str()), (200, "body"));

    let first = client.get("/lm", &[]);
    assert_eq!(first.header("last-modified"), Some(date));
    let hit = client.get("/lm", &[("If-Modified-Since", date)]);
    assert_eq!(hit.code, 304);
    let miss = client.get(
        "/lm",
        &[("If-Modified-Since", "Thu, 01 Jan 2015 00:00:00 GMT")],
    );
    assert_eq!(miss.code, 200);

    // The 304s were logged, and the connection survived all of them.
    assert_eq!(server.requests().len(), 7);
    assert_eq!(server.connections_accepted(), 1);
}

#[test]
fn redirect_has_location() {
    let server = TestServer::start();
    server.route("/old", Response::redirect(301, "/new"));
    let reply = get(&server, "/old", &[]);
    assert_eq!(reply.code, 301);
    assert_eq!(reply.header("location"), Some("/new"));
    assert_eq!(reply.header("content-length"), Some("0"));
}

#[test]
fn request_log_records_method_path_and_headers() {
    let server = TestServer::start();
    server.route("/feed", Response::ok("text/xml", "<x/>"));
    server.route("/feed?page=2", Response::ok("text/xml", "<page2/>"));
    let mut client = Client::connect(&server);
    let t0 = std::time::Instant::now();
    let exact = client.get("/feed?page=2", &[("User-Agent", "sitrep-test/1.0")]);
    assert_eq!(exact.text(), "<page2/>");
    let fallback = client.get("/feed?page=3", &[]);
    assert_eq!(fallback.text(), "<x/>");
    client.send("POST", "/feed", &[("Content-Length", "5")]);
    client.reader.get_mut().write_all(b"hello").unwrap();
    assert_eq!(client.read(false).code, 200);

    let log = server.requests();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, "/feed?page=2");
    assert_eq!(log[0].header("user-agent"), Some("sitrep-test/1.0"));
    assert_eq!(log[0].header("HOST"), Some("localhost"));
    assert!(log[0].at >= t0 && log[1].at >= log[0].at);
    assert_eq!(log[2].method, "POST");
    assert_eq!(server.requests_to("/feed").len(), 3);
    assert_eq!(server.requests_to("/feed?page=2").len(), 1);
    server.clear_log();
    assert!(server.requests().is_empty());
}

#[test]
fn stall_delays_the_response() {
    let server = TestServer::start();
    let stall = Duration::from_millis(300);
    server.route("/slow", Response::ok("text/plain", "late").stall(stall));
    let start = Instant::now();
    let reply = get(&server, "/slow", &[]);
    assert!(start.elapsed() >= stall, "{:?}", start.elapsed());
    assert_eq!(reply.text(), "late");
    // Logged on arrival, before the stall ends.
    assert!(server.requests()[0].at < start + stall);
}

#[test]
fn trickle_sends_the_body_slowly() {
    let server = TestServer::start();
    server.route(
        "/drip",
        Response::ok("text/plain", "0123456789").trickle(4, Duration::from_millis(40)),
    );
    let start = Instant::now();
    let reply = get(&server, "/drip", &[]);
    assert_eq!(reply.text(), "0123456789");
    assert!(start.elapsed() >= Duration::from_millis(80));
}

#[test]
fn endless_streams_close_delimited_filler() {
    let server = TestServer::start();
    server.route("/big", Response::ok("text/plain", "").endless(1_000_000));
    let reply = get(&server, "/big", &[]);
    assert_eq!(reply.code, 200);
    assert_eq!(reply.header("content-length"), None);
    assert_eq!(reply.header("connection"), Some("close"));
    assert_eq!(reply.body.len(), 1_000_000);
    assert!(reply.body.iter().all(|b| b.is_ascii()));
}

#[test]
fn lying_content_length_then_close() {
    let server = TestServer::start();
    server.route(
        "/short",
        Response::ok("text/plain", "only ten!!").content_length(100),
    );
    let mut client = Client::connect(&server);
    client.send("GET", "/short", &[]);
    let reply = client.read(true);
    assert_eq!(reply.header("content-length"), Some("100"));
    let mut rest = Vec::new();
    client.reader.read_to_end(&mut rest).unwrap();
    assert_eq!(rest, b"only ten!!");
}

#[test]
fn hangup_closes_without_a_response() {
    let server = TestServer::start();
    server.route("/rst", Response::hangup());
    let mut client = Client::connect(&server);
    client.send("GET", "/rst", &[]);
    assert!(client.at_eof());
    assert_eq!(server.requests_to("/rst").len(), 1);
}

#[test]
fn route_replacement_and_removal_take_effect() {
    let server = TestServer::start();
    server.route("/r", Response::ok("text/plain", "v1"));
    assert_eq!(get(&server, "/r", &[]).text(), "v1");
    server.route("/r", Response::ok("text/plain", "v2"));
    let mut client = Client::connect(&server);
    assert_eq!(client.get("/r", &[]).text(), "v2");
    server.route("/r", Response::status(503));
    assert_eq!(client.get("/r", &[]).code, 503);
    server.remove("/r");
    assert_eq!(client.get("/r", &[]).code, 404);
}

#[test]
fn many_parallel_connections() {
    let server = TestServer::start();
    server.route("/p", Response::ok("text/plain", "pong"));
    let threads: Vec<_> = (0..32)
        .map(|_| {
            let addr = server.addr();
            std::thread::spawn(move || {
                let stream = TcpStream::connect(addr).unwrap();
                let mut client = Client {
                    reader: BufReader::new(stream),
                };
                for _ in 0..25 {
                    assert_eq!(client.get("/p", &[]).text(), "pong");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(server.hits("/p"), 32 * 25);
    assert_eq!(server.connections_accepted(), 32);
}

#[test]
fn drop_stops_the_server() {
    let server = TestServer::start();
    server.route("/x", Response::ok("text/plain", "x"));
    let addr = server.addr();
    let mut idle = Client::connect(&server);
    assert_eq!(idle.get("/x", &[]).text(), "x");
    drop(server);
    // The open keep-alive connection is shut down and new connections are refused.
    assert!(idle.at_eof());
    assert!(TcpStream::connect(addr).is_err());
}
