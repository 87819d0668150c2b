//! Fetchers: where raw documents come from. Each yields [`RawDocument`]s for the pure stages.
//!
//! - [`local`]: files and directories on disk (plain text, HTML, gzip-compressed HTML), and
//!   standard input.
//! - [`http`]: one polite, safe, conditional GET (with [`guard`], the SSRF guard); the
//!   listings it fetches are parsed by [`listing`] (RSS, Atom, sitemaps, URL lists) and the
//!   article URLs they yield are put in canonical form by [`canon`].
//! - [`sources`]: the `sources.toml` configuration.
//! - [`archive`]: article archives (WARC, JSON Lines, tar), read as bounded-memory streams.
//!
//! A fetcher never stops at one bad input: it reports it as an error item and goes on.

pub mod archive;
pub mod canon;
pub mod guard;
pub mod http;
pub mod listing;
pub mod local;
pub mod sources;

use std::path::PathBuf;

use crate::extract::RawDocument;

/// Largest document read, after decompression. Bigger inputs are reported, not truncated.
pub const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// Why one input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A FIFO, socket or device: not read (it could block the run, or never end).
    #[error("{}: {kind}, not a regular file or directory", path.display())]
    NotAFile { path: PathBuf, kind: &'static str },
    #[error("{}: larger than {limit} bytes", path.display())]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("{}: sidecar {}: {reason}", path.display(), sidecar.display())]
    Sidecar {
        path: PathBuf,
        sidecar: PathBuf,
        reason: String,
    },
}

/// One input: where it came from, and the document or why it could not be read.
#[derive(Debug)]
pub struct Fetched {
    /// A path or `-` for stdin, as shown to the user.
    pub origin: String,
    pub result: Result<RawDocument, FetchError>,
}
