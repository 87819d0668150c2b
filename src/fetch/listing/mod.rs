//! Listings: the documents a news source publishes to say which articles exist (RSS, Atom and
//! JSON feeds, XML sitemaps with the Google News extension, plain URL lists), turned into
//! article links for the crawler to fetch.
//!
//! Bodies come from the internet as bytes: they are decoded here (BOM, then the HTTP charset,
//! then the XML declaration, then UTF-8), so the parsers only ever see UTF-8. A malformed
//! document is an error; a well-formed one with some unusable entries yields the good ones and
//! counts the rest.

mod decode;
mod feed;
mod sitemap;
#[cfg(test)]
mod tests;
mod xml;

use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use regex::Regex;
use url::Url;

use decode::decode;
use feed::parse_feed;
use sitemap::parse_sitemap;

/// Most links taken from one listing: the sitemap protocol's own limit per file.
pub const MAX_ITEMS: usize = 50_000;

/// How far past the prolog sniffing looks for a root element.
const SNIFF_WINDOW: usize = 4096;

/// What kind of document a source is configured as. The config says; `Auto` sniffs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    #[default]
    Auto,
    Feed,
    Sitemap,
    Urls,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Auto => "auto",
            SourceKind::Feed => "feed",
            SourceKind::Sitemap => "sitemap",
            SourceKind::Urls => "urls",
        }
    }
}

/// What was parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingFormat {
    Rss,
    Atom,
    JsonFeed,
    Sitemap,
    SitemapIndex,
    UrlList,
}

impl ListingFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ListingFormat::Rss => "rss",
            ListingFormat::Atom => "atom",
            ListingFormat::JsonFeed => "json_feed",
            ListingFormat::Sitemap => "sitemap",
            ListingFormat::SitemapIndex => "sitemap_index",
            ListingFormat::UrlList => "url_list",
        }
    }
}

/// One article link found in a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct ListingItem {
    /// Absolute (relative links resolved against the listing's URL), http or https.
    pub url: Url,
    /// RSS `<guid>`, Atom `<id>`, JSON Feed `id`, only when the feed gave one.
    pub guid: Option<String>,
    /// Feed item title or `<news:title>`.
    pub title: Option<String>,
    /// `pubDate`, `published` (else `updated`), `<news:publication_date>` (else `<lastmod>`).
    pub published: Option<DateTime<Utc>>,
    /// `<news:language>`, the Atom entry's `xml:lang`, else the feed's language.
    pub language: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub format: ListingFormat,
    pub items: Vec<ListingItem>,
    /// Child sitemaps of a sitemap index (absolute URLs), to be fetched in turn by the caller.
    pub sitemaps: Vec<Url>,
    /// Entries skipped (no link, unparseable or non-http URL, or past [`MAX_ITEMS`]): counted
    /// so the caller can log them. Repeated URLs are dropped without being counted.
    pub skipped: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ListingError {
    #[error("malformed feed: {0}")]
    Feed(String),
    #[error("malformed sitemap XML: {0}")]
    Xml(String),
    #[error("not a feed, sitemap or URL list (starts with {0:?})")]
    Unrecognized(String),
}

/// Parses a listing body. `content_type` is the HTTP Content-Type header if any (for charset
/// and sniffing); `base` is the URL the listing was fetched from.
pub fn parse(
    bytes: &[u8],
    content_type: Option<&str>,
    base: &Url,
    kind: SourceKind,
) -> Result<Listing, ListingError> {
    let decoded = decode(bytes, content_type);
    let text = decoded.trim_start_matches(|c: char| c == '\u{feff}' || c.is_whitespace());
    let kind = match kind {
        SourceKind::Auto => sniff(text, content_type)
            .ok_or_else(|| ListingError::Unrecognized(text.chars().take(40).collect()))?,
        configured => configured,
    };
    match kind {
        SourceKind::Sitemap => parse_sitemap(text, base).map_err(ListingError::Xml),
        SourceKind::Urls => Ok(parse_url_list(text, base)),
        SourceKind::Feed | SourceKind::Auto => parse_feed(text, base).map_err(ListingError::Feed),
    }
}

static ROOT_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"<(?:[A-Za-z_][\w.-]*:)?(rss|feed|RDF|urlset|sitemapindex)[\s/>]")
        .expect("valid regex")
});

/// What `text` (decoded, leading BOM and whitespace removed) looks like, if anything.
fn sniff(text: &str, content_type: Option<&str>) -> Option<SourceKind> {
    if text.starts_with('{') {
        return Some(SourceKind::Feed);
    }
    // Anywhere in the window, not only first: servers print PHP warnings before the feed.
    let rest = skip_prolog(text);
    let window = rest
        .get(..rest.floor_char_boundary(SNIFF_WINDOW))
        .unwrap_or(rest);
    if let Some(root) = ROOT_MARKER.captures(window).and_then(|c| c.get(1)) {
        return Some(match root.as_str() {
            "urlset" | "sitemapindex" => SourceKind::Sitemap,
            _ => SourceKind::Feed,
        });
    }
    let absolute = |line: &str| list_url(line, None).is_some();
    let mime = content_type
        .and_then(|ct| ct.split(';').next())
        .map(str::trim);
    let plain = mime.is_some_and(|m| {
        m.eq_ignore_ascii_case("text/plain") || m.eq_ignore_ascii_case("text/uri-list")
    });
    let mut lines = list_lines(text).peekable();
    // Served as text, one good line will do (the rest are counted as skipped); otherwise
    // every line must be a URL, so that an error page is not taken for a list.
    let is_list = if plain {
        lines.any(absolute)
    } else {
        lines.peek().is_some() && lines.all(absolute)
    };
    is_list.then_some(SourceKind::Urls)
}

/// `text` after the XML declaration, processing instructions, comments and doctype.
fn skip_prolog(mut text: &str) -> &str {
    loop {
        text = text.trim_start();
        let end = if text.starts_with("<?") {
            text.find("?>").map(|i| i + 2)
        } else if text.starts_with("<!--") {
            text.find("-->").map(|i| i + 3)
        } else if text.starts_with("<!") {
            // A doctype's internal subset may contain `>`; it ends at `]` then `>`.
            let close = text.find(['[', '>']);
            match close.and_then(|i| text.get(i..)) {
                Some(subset) if subset.starts_with('[') => close
                    .and_then(|i| subset.find(']').map(|j| i + j))
                    .and_then(|k| text.get(k..)?.find('>').map(|l| k + l + 1)),
                _ => close.map(|i| i + 1),
            }
        } else {
            return text;
        };
        text = end.and_then(|i| text.get(i..)).unwrap_or_default();
    }
}

fn is_web(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
}

/// `raw` resolved against `base`, if it makes an http(s) URL.
fn resolve(base: &Url, raw: &str) -> Option<Url> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    base.join(raw).ok().filter(is_web)
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// Gathers links, dropping repeats and counting what could not be used.
#[derive(Default)]
struct Collector {
    items: Vec<ListingItem>,
    sitemaps: Vec<Url>,
    seen: HashSet<String>,
    skipped: usize,
}

impl Collector {
    /// Whether `url` is new and fits under the cap (given how many are already kept).
    fn admit(&mut self, url: &Url, kept: usize) -> bool {
        if !self.seen.insert(url.as_str().to_string()) {
            return false;
        }
        if kept >= MAX_ITEMS {
            self.skipped += 1;
            return false;
        }
        true
    }

    fn item(&mut self, item: ListingItem) {
        if self.admit(&item.url, self.items.len()) {
            self.items.push(item);
        }
    }

    fn sitemap(&mut self, url: Url) {
        if self.admit(&url, self.sitemaps.len()) {
            self.sitemaps.push(url);
        }
    }

    fn finish(self, format: ListingFormat) -> Listing {
        Listing {
            format,
            items: self.items,
            sitemaps: self.sitemaps,
            skipped: self.skipped,
        }
    }
}

/// Lines of a URL list that say something: not blank, not a `#` comment.
fn list_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

/// A URL-list line as an http(s) URL, resolved against `base` if given. Prose is not a
/// relative link, even though the url crate would percent-encode its spaces into one.
fn list_url(line: &str, base: Option<&Url>) -> Option<Url> {
    if line.contains(char::is_whitespace) {
        return None;
    }
    match base {
        Some(base) => resolve(base, line),
        None => Url::parse(line).ok().filter(is_web),
    }
}

fn parse_url_list(text: &str, base: &Url) -> Listing {
    let mut out = Collector::default();
    for line in list_lines(text) {
        match list_url(line, Some(base)) {
            Some(url) => out.item(ListingItem {
                url,
                guid: None,
                title: None,
                published: None,
                language: None,
            }),
            None => out.skipped += 1,
        }
    }
    out.finish(ListingFormat::UrlList)
}
