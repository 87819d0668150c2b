//! Listings: the documents a news source publishes to say which articles exist (RSS, Atom and
//! JSON feeds, XML sitemaps with the Google News extension, plain URL lists), turned into
//! article links for the crawler to fetch.
//!
//! Bodies come from the internet as bytes: they are decoded here (BOM, then the HTTP charset,
//! then the XML declaration, then UTF-8), so the parsers only ever see UTF-8. A malformed
//! document is an error; a well-formed one with some unusable entries yields the good ones and
//! counts the rest.

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use encoding_rs::{Encoding, REPLACEMENT, UTF_8, UTF_16BE, UTF_16LE};
use quick_xml::Reader;
use quick_xml::events::{BytesRef, Event};
use regex::Regex;
use url::Url;

/// Most links taken from one listing: the sitemap protocol's own limit per file.
pub const MAX_ITEMS: usize = 50_000;

/// How far past the prolog sniffing looks for a root element.
const SNIFF_WINDOW: usize = 4096;

/// Deeper nesting than this is no feed or sitemap; refusing it bounds memory on hostile input.
const MAX_DEPTH: usize = 256;

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

/// The body as UTF-8, undecodable bytes replaced.
fn decode(bytes: &[u8], content_type: Option<&str>) -> String {
    let (encoding, body) = match Encoding::for_bom(bytes) {
        Some((encoding, bom_len)) => (encoding, bytes.get(bom_len..).unwrap_or_default()),
        None => {
            let plausible = |e: &&'static Encoding| plausible(e, bytes);
            let encoding = content_type
                .and_then(header_charset)
                .filter(plausible)
                .or_else(|| utf16_by_pattern(bytes))
                .or_else(|| declared_charset(bytes).filter(plausible))
                .unwrap_or(UTF_8);
            (encoding, bytes)
        }
    };
    encoding.decode_without_bom_handling(body).0.into_owned()
}

/// Whether a label can be believed: "UTF-16" on a body that reads as ASCII is a lie, and the
/// replacement encoding (labels like iso-2022-kr) would turn the whole body into one U+FFFD.
fn plausible(encoding: &'static Encoding, bytes: &[u8]) -> bool {
    match encoding {
        e if e == REPLACEMENT => false,
        e if e == UTF_16LE || e == UTF_16BE => bytes.iter().take(4).any(|&b| b == 0),
        _ => true,
    }
}

fn header_charset(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        let value = value.trim().trim_matches(['"', '\'']);
        name.trim().eq_ignore_ascii_case("charset").then(|| Encoding::for_label(value.as_bytes()))?
    })
}

/// UTF-16 without a BOM still starts with `<` and a zero byte.
fn utf16_by_pattern(bytes: &[u8]) -> Option<&'static Encoding> {
    match bytes.get(..2)? {
        [b'<', 0] => Some(UTF_16LE),
        [0, b'<'] => Some(UTF_16BE),
        _ => None,
    }
}

static DECLARED_ENCODING: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(r#"^\s*<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']"#)
        .expect("valid regex")
});

fn declared_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = bytes.get(..1024).unwrap_or(bytes);
    Encoding::for_label(DECLARED_ENCODING.captures(head)?.get(1)?.as_bytes())
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
    if text.starts_with('<') {
        let rest = skip_prolog(text);
        let window = rest.get(..rest.floor_char_boundary(SNIFF_WINDOW)).unwrap_or(rest);
        let root = ROOT_MARKER.captures(window)?.get(1)?.as_str();
        return Some(match root {
            "urlset" | "sitemapindex" => SourceKind::Sitemap,
            _ => SourceKind::Feed,
        });
    }
    let absolute = |line: &str| Url::parse(line).is_ok_and(|url| is_web(&url));
    let mime = content_type.and_then(|ct| ct.split(';').next()).map(str::trim);
    let plain = mime.is_some_and(|m| m.eq_ignore_ascii_case("text/plain") || m.eq_ignore_ascii_case("text/uri-list"));
    let mut lines = list_lines(text).peekable();
    // Served as text, one good line will do (the rest are counted as skipped); otherwise
    // every line must be a URL, so that an error page is not taken for a list.
    let is_list = if plain { lines.any(absolute) } else { lines.peek().is_some() && lines.all(absolute) };
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
                Some(subset) if subset.starts_with('[') => {
                    close.and_then(|i| subset.find(']').map(|j| i + j)).and_then(|k| {
                        text.get(k..)?.find('>').map(|l| k + l + 1)
                    })
                }
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
        Listing { format, items: self.items, sitemaps: self.sitemaps, skipped: self.skipped }
    }
}

// feed-rs reads the declaration's encoding and re-decodes the (already UTF-8) text, and one
// found after its first few KiB makes it panic; the declarations go before it sees the text.
static XML_DECLARATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<\?xml(?:\s.*?)?\?>").expect("valid regex"));

fn parse_feed(text: &str, base: &Url) -> Result<Listing, String> {
    if !text.starts_with('{') {
        // feed-rs accepts some truncated documents (no closing `</rss>`) as complete.
        walk(text, |_, _| Ok(()))?;
    }
    let text = XML_DECLARATION.replace_all(text, "");
    let parsed = catch_unwind(AssertUnwindSafe(|| {
        // feed-rs invents an id (a hash of link and title, or a random UUID) for an entry
        // without one; inventing an empty one instead tells the two apart.
        feed_rs::parser::Builder::new()
            .base_uri(Some(base.as_str()))
            .id_generator(|_, _, _| String::new())
            .build()
            .parse(text.as_bytes())
    }));
    // feed-rs has panicked on hostile input before; its panic is this input's error.
    let feed = parsed.map_err(|_| "the feed parser failed on this input".to_string())?;
    let feed = feed.map_err(|e| e.to_string())?;
    let format = match feed.feed_type {
        feed_rs::model::FeedType::Atom => ListingFormat::Atom,
        feed_rs::model::FeedType::JSON => ListingFormat::JsonFeed,
        _ => ListingFormat::Rss,
    };
    let feed_language = feed.language.as_deref().and_then(non_empty);
    let mut out = Collector::default();
    for entry in feed.entries {
        // The article is the first alternate (or plain RSS) link; failing that, a guid that is
        // itself an absolute http(s) URL (RSS isPermaLink, which feed-rs does not expose).
        let links = entry.links.iter().filter(|l| is_article_link(l)).filter_map(|l| resolve(base, &l.href));
        let guid_url = Url::parse(entry.id.trim()).ok().filter(is_web);
        let Some(url) = links.chain(guid_url).next() else {
            out.skipped += 1;
            continue;
        };
        out.item(ListingItem {
            url,
            guid: non_empty(&entry.id),
            title: entry.title.as_ref().and_then(|t| non_empty(&t.content)),
            published: entry.published.or(entry.updated),
            language: entry.language.as_deref().and_then(non_empty).or_else(|| feed_language.clone()),
        });
    }
    Ok(out.finish(format))
}

/// Not comments, enclosures, `self` or `related` links, nor JSON Feed attachments.
fn is_article_link(link: &feed_rs::model::Link) -> bool {
    link.target.is_none()
        && link.rel.as_deref().is_none_or(|rel| rel.eq_ignore_ascii_case("alternate"))
        && link.media_type.as_deref().is_none_or(|t| t.to_ascii_lowercase().contains("html"))
}

/// One step of [`walk`]: an element opening (its local name) or closing, or character data.
enum Node<'a> {
    Open(&'a str),
    Close,
    Text(&'a str),
}

/// Streams `text` as XML to `visit` with the local names of the open elements, checking that
/// it is well-formed: one root, every element closed, nothing cut off.
fn walk(text: &str, mut visit: impl FnMut(&[String], Node<'_>) -> Result<(), String>) -> Result<(), String> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    let mut seen_root = false;
    loop {
        let event = reader.read_event().map_err(|e| format!("{e} (at byte {})", reader.error_position()))?;
        let (name, closes) = match &event {
            Event::Start(e) => (Some(e.local_name()), false),
            Event::Empty(e) => (Some(e.local_name()), true),
            _ => (None, false),
        };
        if let Some(name) = name {
            if stack.len() >= MAX_DEPTH {
                return Err(format!("elements nested deeper than {MAX_DEPTH}"));
            }
            seen_root = true;
            visit(&stack, Node::Open(name.as_ref()))?;
            stack.push(name.as_ref().to_string());
        }
        match &event {
            Event::Text(t) => visit(&stack, Node::Text(t))?,
            Event::CData(t) => visit(&stack, Node::Text(t))?,
            Event::GeneralRef(r) => visit(&stack, Node::Text(&resolve_reference(r)))?,
            Event::End(_) => {}
            Event::Eof => break,
            _ if !closes => continue,
            _ => {}
        }
        if matches!(event, Event::End(_)) || closes {
            visit(&stack, Node::Close)?;
            stack.pop();
        }
    }
    match stack.last() {
        Some(open) => Err(format!("document ends inside <{open}> (truncated?)")),
        None if !seen_root => Err("no root element".to_string()),
        None => Ok(()),
    }
}

/// The text of `&name;`: predefined and numeric references; others are kept as written.
fn resolve_reference(reference: &BytesRef<'_>) -> String {
    if let Ok(Some(ch)) = reference.resolve_char_ref() {
        return ch.to_string();
    }
    match &**reference {
        "amp" => "&".into(),
        "lt" => "<".into(),
        "gt" => ">".into(),
        "quot" => "\"".into(),
        "apos" => "'".into(),
        other => format!("&{other};"),
    }
}

/// What a `<url>` (or an index's `<sitemap>`) said, as raw text.
#[derive(Default)]
struct SitemapEntry {
    loc: Option<String>,
    lastmod: Option<String>,
    title: Option<String>,
    news_date: Option<String>,
    language: Option<String>,
}

#[derive(Clone, Copy)]
enum Field {
    Loc,
    Lastmod,
    Title,
    NewsDate,
    Language,
}

/// Which field an element at `stack` + `name` fills. Matching is on local names because
/// publishers bind the namespaces to any prefix; `loc` must be the entry's own, not an
/// `<image:loc>`, and a title counts only inside `<news:news>` (not `<video:title>`).
fn field_for(stack: &[String], name: &str) -> Option<Field> {
    match (stack.len(), name) {
        (2, "loc") => Some(Field::Loc),
        (2, "lastmod") => Some(Field::Lastmod),
        _ if !stack.iter().skip(2).any(|s| s == "news") => None,
        (_, "title") => Some(Field::Title),
        (_, "publication_date") => Some(Field::NewsDate),
        (_, "language") => Some(Field::Language),
        _ => None,
    }
}

fn parse_sitemap(text: &str, base: &Url) -> Result<Listing, String> {
    let mut format = None;
    let mut entry: Option<SitemapEntry> = None;
    // The field being read, and the depth of its element.
    let mut field: Option<(Field, usize)> = None;
    let mut buf = String::new();
    let mut out = Collector::default();
    walk(text, |stack, node| {
        match node {
            Node::Open(name) if stack.is_empty() => {
                format = Some(match name {
                    "urlset" => ListingFormat::Sitemap,
                    "sitemapindex" => ListingFormat::SitemapIndex,
                    other => return Err(format!("root element is <{other}>, not <urlset> or <sitemapindex>")),
                });
            }
            Node::Open(name) if stack.len() == 1 => {
                if matches!((format, name), (Some(ListingFormat::Sitemap), "url") | (Some(ListingFormat::SitemapIndex), "sitemap")) {
                    entry = Some(SitemapEntry::default());
                }
            }
            Node::Open(name) => {
                if entry.is_some() && field.is_none() {
                    field = field_for(stack, name).map(|f| (f, stack.len() + 1));
                    buf.clear();
                }
            }
            Node::Text(text) => {
                if field.is_some() {
                    buf.push_str(text);
                }
            }
            Node::Close => {
                if let Some((f, depth)) = field
                    && depth == stack.len()
                    && let Some(entry) = entry.as_mut()
                {
                    let slot = match f {
                        Field::Loc => &mut entry.loc,
                        Field::Lastmod => &mut entry.lastmod,
                        Field::Title => &mut entry.title,
                        Field::NewsDate => &mut entry.news_date,
                        Field::Language => &mut entry.language,
                    };
                    slot.get_or_insert_with(|| std::mem::take(&mut buf));
                    field = None;
                }
                if stack.len() == 2
                    && let Some(done) = entry.take()
                {
                    let url = done.loc.as_deref().and_then(|loc| resolve(base, loc));
                    match (url, format) {
                        (None, _) => out.skipped += 1,
                        (Some(url), Some(ListingFormat::SitemapIndex)) => out.sitemap(url),
                        (Some(url), _) => out.item(ListingItem {
                            url,
                            guid: None,
                            title: done.title.as_deref().and_then(non_empty),
                            published: done.news_date.or(done.lastmod).as_deref().and_then(parse_date),
                            language: done.language.as_deref().and_then(non_empty),
                        }),
                    }
                }
            }
        }
        Ok(())
    })?;
    Ok(out.finish(format.unwrap_or(ListingFormat::Sitemap)))
}

/// A W3C datetime as sitemaps write it (RFC 3339, minutes only, or a bare date), in UTC.
/// Forms without a zone are taken as UTC; RFC 2822 is accepted from publishers who copy
/// their RSS dates.
fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    let zoned = DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M%#z"))
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%#z"))
        .or_else(|_| DateTime::parse_from_rfc2822(s));
    if let Ok(date) = zoned {
        return Some(date.to_utc());
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d").map(|d| d.and_time(chrono::NaiveTime::MIN)))
        .ok()
        .map(|naive| naive.and_utc())
}

/// Lines of a URL list that say something: not blank, not a `#` comment.
fn list_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#'))
}

fn parse_url_list(text: &str, base: &Url) -> Listing {
    let mut out = Collector::default();
    for line in list_lines(text) {
        match resolve(base, line) {
            Some(url) => out.item(ListingItem { url, guid: None, title: None, published: None, language: None }),
            None => out.skipped += 1,
        }
    }
    out.finish(ListingFormat::UrlList)
}
