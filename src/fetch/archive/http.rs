//! Header fields (shared by WARC records and HTTP messages) and HTTP responses inside WARC
//! `response` blocks: status line, headers, and bodies stored chunked or compressed.
//!
//! Parsed by hand rather than with `httparse`: archived responses come from every server on
//! the web, and a lenient reader (obsolete line folding, Latin-1 values, bare `\n`) loses
//! fewer pages than a strict one.

use std::io::{self, BufRead, Read};

use flate2::read::{DeflateDecoder, MultiGzDecoder, ZlibDecoder};

use super::io::{Line, read_line};
use super::{MAX_BYTES, looks_binary, read_capped};

/// Longest header line, and most header bytes, accepted in one block.
const MAX_LINE: usize = 64 * 1024;
const MAX_HEADER: u64 = 1024 * 1024;

/// Why a block could not be parsed: malformed data, or an I/O error of the stream under it.
#[derive(Debug)]
pub(super) enum Fault {
    Corrupt(String),
    Io(io::Error),
}

impl From<io::Error> for Fault {
    fn from(e: io::Error) -> Self {
        Fault::Io(e)
    }
}

/// Header fields in order, names as written.
pub(super) type Fields = Vec<(String, String)>;

/// The value of the first field named `name` (case-insensitive).
pub(super) fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Reads header fields up to and including the empty line that ends them.
pub(super) fn read_fields<R: BufRead + ?Sized>(r: &mut R, what: &str) -> Result<Fields, Fault> {
    let mut fields: Fields = Vec::new();
    let mut line = Vec::new();
    let mut total = 0u64;
    loop {
        match read_line(r, &mut line, MAX_LINE)? {
            Line::Eof => return Err(Fault::Corrupt(format!("{what} ends before its blank line"))),
            Line::TooLong(n) => {
                return Err(Fault::Corrupt(format!("{what} line of {n} bytes")));
            }
            Line::Read => {}
        }
        total += line.len() as u64;
        if total > MAX_HEADER {
            return Err(Fault::Corrupt(format!(
                "{what} longer than {MAX_HEADER} bytes"
            )));
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if !line.ends_with(b"\n") {
                return Err(Fault::Corrupt(format!("{what} ends before its blank line")));
            }
            return Ok(fields);
        }
        if text.starts_with([' ', '\t'])
            && let Some((_, value)) = fields.last_mut()
        {
            value.push(' ');
            value.push_str(text.trim());
            continue;
        }
        let Some((name, value)) = text.split_once(':') else {
            let shown: String = text.chars().take(60).collect();
            return Err(Fault::Corrupt(format!("malformed {what} line {shown:?}")));
        };
        fields.push((name.trim().to_string(), value.trim().to_string()));
    }
}

/// The status line and headers of an HTTP response.
#[derive(Debug)]
pub(super) struct Head {
    pub status: u16,
    pub fields: Fields,
}

/// Reads an HTTP response's status line and headers.
pub(super) fn read_head<R: BufRead + ?Sized>(r: &mut R) -> Result<Head, Fault> {
    let mut line = Vec::new();
    let bad = |line: &[u8]| {
        let shown: String = String::from_utf8_lossy(line).chars().take(60).collect();
        Fault::Corrupt(format!(
            "response block without an HTTP status line: {shown:?}"
        ))
    };
    if read_line(r, &mut line, MAX_LINE)? != Line::Read {
        return Err(bad(&line));
    }
    let text = String::from_utf8_lossy(&line);
    let mut words = text.split_ascii_whitespace();
    let version = words.next().unwrap_or("");
    let status = words.next().and_then(|s| s.parse::<u16>().ok());
    let Some(status) = status.filter(|_| version.starts_with("HTTP/")) else {
        return Err(bad(&line));
    };
    let fields = read_fields(r, "HTTP header")?;
    Ok(Head { status, fields })
}

/// A response body, decoded.
#[derive(Debug)]
pub(super) enum Body {
    Bytes(Vec<u8>),
    /// Larger than [`MAX_BYTES`]: the declared size, or the bytes seen before giving up.
    TooLarge(u64),
    /// Compressed with a coding this reader cannot undo (`br`, `zstd`…).
    Unsupported(String),
}

/// Reads the body that follows `head`, the rest of `block` (of which `remaining` bytes are
/// left), undoing `Transfer-Encoding: chunked` and `Content-Encoding` when the archive stored
/// them undone. Common Crawl stores decoded bodies yet sometimes keeps the headers, so a body
/// that is not actually chunked or compressed is taken as it is.
pub(super) fn read_body<R: Read>(block: R, remaining: u64, head: &Head) -> Result<Body, Fault> {
    if remaining > MAX_BYTES {
        return Ok(Body::TooLarge(remaining));
    }
    let mut bytes = match read_capped(block, remaining)? {
        Ok(b) => b,
        Err(n) => return Ok(Body::TooLarge(n)),
    };
    let chunked = field(&head.fields, "transfer-encoding")
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    if chunked && let Some(decoded) = dechunk(&bytes) {
        bytes = decoded;
    }
    let coding = field(&head.fields, "content-encoding")
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let decoded = match coding.as_str() {
        "" | "identity" => return Ok(Body::Bytes(bytes)),
        "gzip" | "x-gzip" if bytes.starts_with(&[0x1f, 0x8b]) => {
            match read_capped(MultiGzDecoder::new(&bytes[..]), 0) {
                Ok(d) => d,
                Err(e) => return Err(Fault::Corrupt(format!("gzip-encoded body: {e}"))),
            }
        }
        "deflate" if looks_binary(&bytes) => read_capped(ZlibDecoder::new(&bytes[..]), 0)
            .or_else(|_| read_capped(DeflateDecoder::new(&bytes[..]), 0))
            .map_err(|e| Fault::Corrupt(format!("deflate-encoded body: {e}")))?,
        // Stored decoded despite the header.
        _ if !looks_binary(&bytes) => return Ok(Body::Bytes(bytes)),
        "gzip" | "x-gzip" | "deflate" => {
            return Err(Fault::Corrupt(format!("{coding}-encoded body undecodable")));
        }
        _ => return Ok(Body::Unsupported(coding)),
    };
    Ok(match decoded {
        Ok(b) => Body::Bytes(b),
        Err(n) => Body::TooLarge(n),
    })
}

/// Undoes chunked transfer coding; `None` when `bytes` are not chunked.
fn dechunk(mut bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    loop {
        let eol = bytes.iter().position(|&b| b == b'\n')?;
        let line = std::str::from_utf8(&bytes[..eol]).ok()?;
        let size = line.split(';').next()?.trim();
        let size = usize::from_str_radix(size, 16).ok()?;
        bytes = &bytes[eol + 1..];
        if size == 0 {
            return Some(out); // trailers, if any, are not needed
        }
        out.extend_from_slice(bytes.get(..size)?);
        bytes = &bytes[size..];
        bytes = bytes
            .strip_prefix(b"\r\n")
            .or_else(|| bytes.strip_prefix(b"\n"))
            .unwrap_or(bytes);
        if bytes.is_empty() {
            return Some(out); // truncated after a whole chunk: keep what arrived
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn head(fields: &[(&str, &str)]) -> Head {
        Head {
            status: 200,
            fields: fields
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn body(raw: &[u8], fields: &[(&str, &str)]) -> Vec<u8> {
        match read_body(raw, raw.len() as u64, &head(fields)).unwrap() {
            Body::Bytes(b) => b,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn heads_are_read_leniently() {
        let raw = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html;\r\n charset=utf-8\nX: y\r\n\r\nrest";
        let mut r = &raw[..];
        let head = read_head(&mut r).unwrap();
        assert_eq!(head.status, 404);
        assert_eq!(
            field(&head.fields, "content-type"),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(field(&head.fields, "x"), Some("y"));
        assert_eq!(r, b"rest");
        assert!(read_head(&mut &b"<html>\r\n\r\n"[..]).is_err());
    }

    #[test]
    fn chunked_and_compressed_bodies_are_decoded() {
        let chunked = b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: x\r\n\r\n";
        let te = [("Transfer-Encoding", "chunked")];
        assert_eq!(body(chunked, &te), b"hello, world");
        // Stored decoded, header kept: taken as it is.
        assert_eq!(body(b"<p>plain</p>", &te), b"<p>plain</p>");

        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"<p>zipped</p>").unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(body(&gz, &[("Content-Encoding", "gzip")]), b"<p>zipped</p>");
        assert_eq!(
            body(b"<p>as is</p>", &[("Content-Encoding", "gzip")]),
            b"<p>as is</p>"
        );
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(b"<p>deflated</p>").unwrap();
        let z = z.finish().unwrap();
        assert_eq!(
            body(&z, &[("Content-Encoding", "deflate")]),
            b"<p>deflated</p>"
        );

        let binary = [0u8, 1, 2, 3, 200, 17, 0, 9];
        let got = read_body(&binary[..], 8, &head(&[("Content-Encoding", "br")])).unwrap();
        assert!(matches!(got, Body::Unsupported(c) if c == "br"));
    }
}
