//! Byte-level helpers shared by the readers: position counting, capped line reads, scans.

use std::io::{self, BufRead, Read};

/// A reader that counts the bytes consumed through it, so records know their offsets.
#[derive(Debug)]
pub(super) struct Counting<R> {
    pub inner: R,
    /// Bytes consumed so far (or the position last set after a seek).
    pub pos: u64,
}

impl<R> Counting<R> {
    pub fn new(inner: R, pos: u64) -> Self {
        Self { inner, pos }
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counting<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        self.inner.consume(amt);
        self.pos += amt as u64;
    }
}

/// `fill_buf`, retrying when interrupted.
pub(super) fn fill<R: BufRead + ?Sized>(r: &mut R) -> io::Result<&[u8]> {
    loop {
        match r.fill_buf() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
            // Borrow again: returning the first borrow from the loop does not compile (yet).
            Ok(_) => return r.fill_buf(),
        }
    }
}

/// The next byte, without consuming it; `None` at the end.
pub(super) fn peek<R: BufRead + ?Sized>(r: &mut R) -> io::Result<Option<u8>> {
    Ok(fill(r)?.first().copied())
}

/// How [`read_line`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Line {
    /// A line (with its `\n`, unless it ended the stream) is in the buffer.
    Read,
    /// The stream ended before any byte.
    Eof,
    /// A line of this many bytes, longer than the cap, was consumed without being buffered.
    TooLong(u64),
}

/// Reads one line into `buf` (cleared first), up to `cap` bytes; longer lines are consumed to
/// their end without being buffered.
pub(super) fn read_line<R: BufRead + ?Sized>(
    r: &mut R,
    buf: &mut Vec<u8>,
    cap: usize,
) -> io::Result<Line> {
    buf.clear();
    let mut total = 0u64;
    let mut over = false;
    loop {
        let avail = fill(r)?;
        if avail.is_empty() {
            return Ok(match (total, over) {
                (0, _) => Line::Eof,
                (n, true) => Line::TooLong(n),
                _ => Line::Read,
            });
        }
        let (len, done) = match avail.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        if !over && buf.len() + len > cap {
            over = true;
            buf.clear();
            buf.shrink_to(64 * 1024);
        }
        if !over {
            buf.extend_from_slice(&avail[..len]);
        }
        r.consume(len);
        total += len as u64;
        if done {
            return Ok(if over {
                Line::TooLong(total)
            } else {
                Line::Read
            });
        }
    }
}

/// Consumes `r` through the first occurrence of `pat` and returns the position where it
/// starts, or `None` at the end of the stream. `pat[0]` must not occur again in `pat`, which
/// makes a one-state matcher exact.
pub(super) fn scan<R: BufRead>(r: &mut Counting<R>, pat: &[u8]) -> io::Result<Option<u64>> {
    debug_assert!(!pat[1..].contains(&pat[0]));
    let mut k = 0;
    loop {
        let buf = fill(r)?;
        if buf.is_empty() {
            return Ok(None);
        }
        let mut used = buf.len();
        let mut found = false;
        for (i, &b) in buf.iter().enumerate() {
            if b == pat[k] {
                k += 1;
            } else {
                k = usize::from(b == pat[0]);
            }
            if k == pat.len() {
                used = i + 1;
                found = true;
                break;
            }
        }
        r.consume(used);
        if found {
            return Ok(Some(r.pos - pat.len() as u64));
        }
    }
}

/// Reads and discards up to `n` bytes; returns how many there were.
pub(super) fn skip<R: Read + ?Sized>(r: &mut R, n: u64) -> io::Result<u64> {
    io::copy(&mut r.take(n), &mut io::sink())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_finds_patterns_across_buffer_boundaries() {
        let data = b"xx\nWA\nWARC/1.0 rest";
        for cap in 1..data.len() {
            let mut r = Counting::new(io::BufReader::with_capacity(cap, &data[..]), 0);
            assert_eq!(
                scan(&mut r, b"\nWARC/1.").unwrap(),
                Some(5),
                "capacity {cap}"
            );
            let mut rest = String::new();
            r.read_to_string(&mut rest).unwrap();
            assert_eq!(rest, "0 rest");
        }
        let mut r = Counting::new(&b"no pattern\n"[..], 0);
        assert_eq!(scan(&mut r, b"\nWARC/1.").unwrap(), None);
    }

    #[test]
    fn long_lines_are_measured_not_buffered() {
        let data = b"short\nmuch too long a line\nlast";
        let mut r = io::BufReader::with_capacity(4, &data[..]);
        let mut buf = Vec::new();
        assert_eq!(read_line(&mut r, &mut buf, 10).unwrap(), Line::Read);
        assert_eq!(buf, b"short\n");
        assert_eq!(read_line(&mut r, &mut buf, 10).unwrap(), Line::TooLong(21));
        assert!(buf.is_empty());
        assert_eq!(read_line(&mut r, &mut buf, 10).unwrap(), Line::Read);
        assert_eq!(buf, b"last");
        assert_eq!(read_line(&mut r, &mut buf, 10).unwrap(), Line::Eof);
    }
}
