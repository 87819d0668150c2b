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
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| Encoding::for_label(value.as_bytes()))?
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

// Declarations are removed once the text is UTF-8: feed-rs would re-decode it by their
// encoding (and panics on one found after its first few KiB).
static XML_DECLARATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<\?xml(?:\s.*?)?\?>").expect("valid regex"));

fn parse_feed(text: &str, base: &Url) -> Result<Listing, String> {
    let text = XML_DECLARATION.replace_all(text, "");
    if !text.starts_with('{') {
        // feed-rs accepts some truncated documents (no closing `</rss>`) as complete.
        walk(&text, |_, _| Ok(()))?;
    }
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
        let links = entry
            .links
            .iter()
            .filter(|l| is_article_link(l))
            .filter_map(|l| resolve(base, &l.href));
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
            language: entry
                .language
                .as_deref()
                .and_then(non_empty)
                .or_else(|| feed_language.clone()),
        });
    }
    Ok(out.finish(format))
}

/// Not comments, enclosures, `self` or `related` links, nor JSON Feed attachments.
fn is_article_link(link: &feed_rs::model::Link) -> bool {
    link.target.is_none()
        && link
            .rel
            .as_deref()
            .is_none_or(|rel| rel.eq_ignore_ascii_case("alternate"))
        && link
            .media_type
            .as_deref()
            .is_none_or(|t| t.to_ascii_lowercase().contains("html"))
}

/// One step of [`walk`]: an element opening (its local name) or closing, or character data.
enum Node<'a> {
    Open(&'a str),
    Close,
    Text(&'a str),
}

/// Streams `text` as XML to `visit` with the local names of the open elements, checking that
/// it is well-formed: one root, every element closed, nothing cut off.
fn walk(
    text: &str,
    mut visit: impl FnMut(&[String], Node<'_>) -> Result<(), String>,
) -> Result<(), String> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    let mut seen_root = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("{e} (at byte {})", reader.error_position()))?;
        let (opened, closes) = match &event {
            Event::Start(e) => (Some(e.local_name()), false),
            Event::Empty(e) => (Some(e.local_name()), true),
            Event::End(_) => (None, true),
            Event::Text(t) => (visit(&stack, Node::Text(t)).map(|()| None)?, false),
            Event::CData(t) => (visit(&stack, Node::Text(t)).map(|()| None)?, false),
            Event::GeneralRef(r) => (
                visit(&stack, Node::Text(&resolve_reference(r))).map(|()| None)?,
                false,
            ),
            Event::Eof => break,
            _ => (None, false),
        };
        if let Some(name) = opened {
            if stack.len() >= MAX_DEPTH {
                return Err(format!("elements nested deeper than {MAX_DEPTH}"));
            }
            seen_root = true;
            visit(&stack, Node::Open(name.as_ref()))?;
            stack.push(name.as_ref().to_string());
        }
        if closes {
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

/// The parts of a sitemap entry that are kept, in the order of [`SitemapEntry`].
#[derive(Clone, Copy)]
enum Field {
    Loc,
    Lastmod,
    Title,
    NewsDate,
    Language,
}

/// What a `<url>` (or an index's `<sitemap>`) said, as raw text, by [`Field`].
type SitemapEntry = [Option<String>; 5];

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
    // Junk before the declaration (a PHP warning) would make it "not at start".
    let text = XML_DECLARATION.replace_all(text, "");
    walk(&text, |stack, node| {
        match node {
            Node::Open(name) if stack.is_empty() => {
                format = Some(match name {
                    "urlset" => ListingFormat::Sitemap,
                    "sitemapindex" => ListingFormat::SitemapIndex,
                    other => {
                        return Err(format!(
                            "root element is <{other}>, not <urlset> or <sitemapindex>"
                        ));
                    }
                });
            }
            Node::Open(name) if stack.len() == 1 => {
                if matches!(
                    (format, name),
                    (Some(ListingFormat::Sitemap), "url")
                        | (Some(ListingFormat::SitemapIndex), "sitemap")
                ) {
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
                    if let Some(slot) = entry.get_mut(f as usize) {
                        slot.get_or_insert_with(|| std::mem::take(&mut buf));
                    }
                    field = None;
                }
                if stack.len() == 2
                    && let Some(done) = entry.take()
                {
                    let [loc, lastmod, title, news_date, language] = done;
                    match (loc.as_deref().and_then(|loc| resolve(base, loc)), format) {
                        (None, _) => out.skipped += 1,
                        (Some(url), Some(ListingFormat::SitemapIndex)) => out.sitemap(url),
                        (Some(url), _) => out.item(ListingItem {
                            url,
                            guid: None,
                            title: title.as_deref().and_then(non_empty),
                            published: news_date.or(lastmod).as_deref().and_then(parse_date),
                            language: language.as_deref().and_then(non_empty),
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
        .or_else(|_| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d").map(|d| d.and_time(chrono::NaiveTime::MIN))
        })
        .ok()
        .map(|naive| naive.and_utc())
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

#[cfg(test)]
mod tests {
    use super::*;
    use SourceKind::{Auto, Feed, Sitemap, Urls};

    fn base() -> Url {
        Url::parse("https://ex.org/feeds/main.xml").expect("test URL")
    }

    fn parse_as(body: impl AsRef<[u8]>, kind: SourceKind) -> Result<Listing, ListingError> {
        parse(body.as_ref(), None, &base(), kind)
    }

    fn urls(listing: &Listing) -> Vec<&str> {
        listing.items.iter().map(|i| i.url.as_str()).collect()
    }

    fn date(s: &str) -> Option<DateTime<Utc>> {
        Some(DateTime::parse_from_rfc3339(s).expect("test date").to_utc())
    }

    const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>T</title><language>fr-FR</language>
<item><title> Attaque à Gao </title><link> /news/1 </link><guid>g-1</guid>
  <pubDate>Tue, 05 Nov 2024 10:00:00 +0100</pubDate></item>
<item><title>Permalink guid only</title><guid>https://ex.org/news/2</guid></item>
<item><title>Opaque guid only</title><guid isPermaLink="false">12345</guid></item>
<item><title>Script</title><link>javascript:alert(1)</link></item>
<item><title>Repeat</title><link>https://ex.org/news/1</link></item>
<item><title>Comments only</title><comments>https://ex.org/news/9#c</comments></item>
<item><link>mailto:desk@ex.org</link></item>
<item><link>https://ex.org/news/3</link></item>
</channel></rss>"#;

    #[test]
    fn rss_items_keep_good_entries_and_count_bad_ones() {
        let listing = parse_as(RSS, Auto).expect("parses");
        assert_eq!(listing.format, ListingFormat::Rss);
        let expected = [
            "https://ex.org/news/1",
            "https://ex.org/news/2",
            "https://ex.org/news/3",
        ];
        assert_eq!(urls(&listing), expected);
        assert_eq!(
            listing.skipped, 4,
            "opaque guid, javascript:, comments-only, mailto:"
        );
        let first = &listing.items[0];
        assert_eq!(first.guid.as_deref(), Some("g-1"));
        assert_eq!(first.title.as_deref(), Some("Attaque à Gao"));
        assert_eq!(first.published, date("2024-11-05T09:00:00Z"));
        assert_eq!(first.language.as_deref(), Some("fr-fr"));
        assert_eq!(
            listing.items[1].guid.as_deref(),
            Some("https://ex.org/news/2")
        );
        assert_eq!(
            listing.items[2].guid, None,
            "feed-rs' generated id is not a guid"
        );
    }

    #[test]
    fn atom_entries_use_the_alternate_link() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en"><id>urn:f</id>
<entry><id>tag:ex.org,2024:1</id><title>One</title><link rel="self" href="/api/1"/>
  <link rel="alternate" type="text/html" href="https://ex.org/1"/>
  <published>2024-11-05T10:00:00+01:00</published><updated>2024-11-06T00:00:00Z</updated></entry>
<entry><title>Relative, no id</title><link href="2"/><updated>2024-11-06T00:00:00Z</updated></entry>
<entry><id>tag:ex.org,2024:3</id><link rel="enclosure" href="https://ex.org/3.mp3"/></entry>
</feed>"#;
        let listing = parse_as(atom, Auto).expect("parses");
        assert_eq!(listing.format, ListingFormat::Atom);
        assert_eq!(
            urls(&listing),
            ["https://ex.org/1", "https://ex.org/feeds/2"]
        );
        assert_eq!(listing.skipped, 1, "enclosure only");
        let (one, two) = (&listing.items[0], &listing.items[1]);
        assert_eq!(one.guid.as_deref(), Some("tag:ex.org,2024:1"));
        assert_eq!(
            one.published,
            date("2024-11-05T09:00:00Z"),
            "published before updated"
        );
        assert_eq!(one.language.as_deref(), Some("en"));
        assert_eq!(
            (two.guid.as_deref(), two.published),
            (None, date("2024-11-06T00:00:00Z"))
        );
    }

    #[test]
    fn rss1_and_json_feeds() {
        let rdf = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://ex.org/"><title>R</title></channel>
<item rdf:about="https://ex.org/r1"><title>R1</title><link>https://ex.org/r1</link></item></rdf:RDF>"#;
        let json = r#"{"version": "https://jsonfeed.org/version/1.1", "title": "J",
"items": [{"id": "j1", "url": "https://ex.org/j1", "title": "J1"}, {"id": "j2"}]}"#;
        let cases = [
            (rdf, ListingFormat::Rss, "https://ex.org/r1", None, 0),
            (
                json,
                ListingFormat::JsonFeed,
                "https://ex.org/j1",
                Some("j1"),
                1,
            ),
        ];
        for (body, format, url, guid, skipped) in cases {
            let listing = parse_as(body, Auto).expect("parses");
            assert_eq!(
                (listing.format, urls(&listing), listing.skipped),
                (format, vec![url], skipped)
            );
            assert_eq!(listing.items[0].guid.as_deref(), guid, "{format:?}");
        }
    }

    #[test]
    fn bodies_are_decoded_once_whatever_says_the_charset() {
        let feed = |decl: &str, title: &[u8]| {
            let head = format!(r#"{decl}<rss version="2.0"><channel><item><title>"#);
            let tail = b"</title><link>https://ex.org/a</link></item></channel></rss>";
            [head.as_bytes(), title, tail].concat()
        };
        let (cp1252, utf8) = (b"Caf\xe9 \x92s".as_slice(), "Café ’s".as_bytes());
        let decl = |enc: &str| format!(r#"<?xml version="1.0" encoding="{enc}"?>"#);
        let utf16 = |bom: &[u8]| {
            let text = String::from_utf8(feed(&decl("UTF-16"), utf8)).expect("UTF-8");
            [
                bom,
                &text
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes)
                    .collect::<Vec<_>>(),
            ]
            .concat()
        };
        let cases = [
            ("declared", feed(&decl("windows-1252"), cp1252), None),
            ("declared latin-1", feed(&decl("ISO-8859-1"), cp1252), None),
            (
                "header",
                feed("", cp1252),
                Some(r#"text/xml; charset="iso-8859-1""#),
            ),
            (
                "header over decl",
                feed(&decl("utf-8"), cp1252),
                Some("text/xml;charset=cp1252"),
            ),
            (
                "BOM over all",
                utf16(&[0xff, 0xfe]),
                Some("text/xml; charset=iso-8859-1"),
            ),
            (
                "UTF-8 BOM",
                [b"\xef\xbb\xbf", &feed(&decl("latin1"), utf8)[..]].concat(),
                None,
            ),
            ("UTF-16, no BOM", utf16(&[]), None),
            (
                "UTF-16 lie",
                feed(&decl("cp1252"), cp1252),
                Some("text/xml; charset=utf-16"),
            ),
            (
                "unknown label",
                feed("", utf8),
                Some("text/xml; charset=x-nonsense"),
            ),
        ];
        for (name, body, content_type) in cases {
            let listing = parse(&body, content_type, &base(), Auto);
            let listing = listing.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(listing.items[0].title.as_deref(), Some("Café ’s"), "{name}");
        }
    }

    #[test]
    fn a_declaration_deep_in_the_document_does_not_upset_the_feed_parser() {
        let body = format!(
            r#"<rss version="2.0"><channel><title>{}</title><?xml version="1.0" encoding="latin1"?>
<item><link>https://ex.org/a</link></item></channel></rss>"#,
            "x".repeat(20_000)
        );
        assert_eq!(
            urls(&parse_as(body, Auto).expect("parses")),
            ["https://ex.org/a"]
        );
    }

    const SITEMAP: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
  xmlns:n="http://www.google.com/schemas/sitemap-news/0.9"
  xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
<url><loc> https://ex.org/a?x=1&amp;y=2 </loc><lastmod>2024-11-01</lastmod>
  <image:image><image:loc>https://ex.org/i.jpg</image:loc><image:title>I</image:title></image:image>
  <n:news><n:publication><n:name>Ex</n:name><n:language>fr</n:language></n:publication>
    <n:publication_date>2024-11-05T10:30+01:00</n:publication_date>
    <n:title>Titre &#38; co</n:title></n:news></url>
<url><loc>/b</loc><lastmod>2024-11-04</lastmod></url>
<url><lastmod>2024-11-04</lastmod></url>
<url><loc>ftp://ex.org/c</loc></url>
<url><loc><![CDATA[https://ex.org/d]]></loc></url>
<url><loc>https://ex.org/b</loc></url>
<url/>
</urlset>"#;

    #[test]
    fn sitemaps_with_the_news_extension() {
        let listing = parse_as(SITEMAP, Auto).expect("parses");
        assert_eq!(listing.format, ListingFormat::Sitemap);
        let expected = [
            "https://ex.org/a?x=1&y=2",
            "https://ex.org/b",
            "https://ex.org/d",
        ];
        assert_eq!(urls(&listing), expected);
        assert_eq!(listing.skipped, 3, "no <loc> twice, ftp:");
        let a = &listing.items[0];
        assert_eq!(
            (a.title.as_deref(), a.language.as_deref()),
            (Some("Titre & co"), Some("fr"))
        );
        assert_eq!(
            a.published,
            date("2024-11-05T09:30:00Z"),
            "news date before lastmod"
        );
        assert_eq!(listing.items[1].published, date("2024-11-04T00:00:00Z"));
        assert_eq!(
            (listing.items[2].published, a.guid.as_deref()),
            (None, None)
        );
    }

    #[test]
    fn sitemap_indexes_list_child_sitemaps() {
        let index = r#"<sm:sitemapindex xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9">
<sm:sitemap><sm:loc>https://ex.org/s1.xml</sm:loc><sm:lastmod>2024-11-05</sm:lastmod></sm:sitemap>
<sm:sitemap><sm:loc>s2.xml.gz</sm:loc></sm:sitemap>
<sm:sitemap><sm:loc>https://ex.org/s1.xml</sm:loc></sm:sitemap>
<sm:sitemap><sm:loc>javascript:x</sm:loc></sm:sitemap></sm:sitemapindex>"#;
        let listing = parse_as(index, Sitemap).expect("parses");
        assert_eq!(listing.format, ListingFormat::SitemapIndex);
        let sitemaps: Vec<&str> = listing.sitemaps.iter().map(Url::as_str).collect();
        assert_eq!(
            sitemaps,
            ["https://ex.org/s1.xml", "https://ex.org/feeds/s2.xml.gz"]
        );
        assert_eq!((listing.items.len(), listing.skipped), (0, 1));
    }

    #[test]
    fn url_lists_resolve_lines_and_skip_comments() {
        let body =
            "# Picks\n\n https://ex.org/1 \n/rel/2\nmailto:x@ex.org\nhttps://ex.org/1\nSee also\n";
        let listing = parse_as(body, Urls).expect("parses");
        assert_eq!(listing.format, ListingFormat::UrlList);
        assert_eq!(urls(&listing), ["https://ex.org/1", "https://ex.org/rel/2"]);
        assert_eq!(listing.skipped, 2, "mailto: and prose");
    }

    #[test]
    fn sniffing_recognizes_each_kind() {
        use ListingFormat::{Rss, Sitemap, UrlList};
        let rss = r#"<rss version="2.0"><channel><item><link>/a</link></item></channel></rss>"#;
        let prolog = format!(
            r#"<!-- {} --><?xml-stylesheet href="s.xsl"?>"#,
            "c".repeat(5000)
        );
        let doctype = r#"<!DOCTYPE rss [<!ENTITY a ">">]>"#;
        let (text, octets) = (
            Some("text/plain; charset=utf-8"),
            Some("application/octet-stream"),
        );
        let cases = [
            (
                "https://ex.org/1\nhttps://ex.org/2".to_string(),
                None,
                Ok((UrlList, 0)),
            ),
            (
                "\u{feff}  # list\nhttps://ex.org/1".into(),
                octets,
                Ok((UrlList, 0)),
            ),
            ("https://ex.org/1\nnot a url".into(), text, Ok((UrlList, 1))),
            (format!("{prolog}{doctype}{rss}"), None, Ok((Rss, 0))),
            (
                format!("Warning: x in feed.php\n<?xml version=\"1.0\"?>{rss}"),
                None,
                Ok((Rss, 0)),
            ),
            (
                "Notice\n<?xml version=\"1.0\"?><sm:urlset xmlns:sm=\"u\"/>".into(),
                None,
                Ok((Sitemap, 0)),
            ),
            (
                "https://ex.org/1\nnot a url".into(),
                None,
                Err("https://ex.org/1\nnot a url"),
            ),
            (
                "<html><head><title>Just a moment…</title></head>".into(),
                None,
                Err("<html><head><title>Just a moment…</title"),
            ),
            ("   ".into(), None, Err("")),
        ];
        for (body, content_type, expected) in cases {
            let got = match parse(body.as_bytes(), content_type, &base(), Auto) {
                Ok(listing) => Ok((listing.format, listing.skipped)),
                Err(ListingError::Unrecognized(start)) => Err(start),
                Err(other) => panic!("{body:?}: {other}"),
            };
            assert_eq!(got, expected.map_err(String::from), "{body:?}");
        }
    }

    #[test]
    fn malformed_documents_are_errors_that_say_why() {
        let deep = format!(r#"<rss version="2.0">{}"#, "<a>".repeat(300));
        let cases = [
            (
                r#"<rss version="2.0"><channel><item><title>cut"#,
                Auto,
                "malformed feed",
            ),
            (
                r#"<rss version="2.0"><channel></channel>"#,
                Auto,
                "ends inside <rss> (truncated?)",
            ),
            (
                r#"<rss version="2.0"><channel></chanel></rss>"#,
                Feed,
                "chanel",
            ),
            (&deep, Auto, "nested deeper than 256"),
            (r#"{"not": "a feed"}"#, Auto, "malformed feed"),
            (
                "<urlset><url><loc>/a</loc></url>",
                Auto,
                "sitemap XML: document ends inside <urlset>",
            ),
            (
                "<urlset><url><loc>/a</url></urlset>",
                Sitemap,
                "malformed sitemap XML",
            ),
            (
                r#"<rss version="2.0"></rss>"#,
                Sitemap,
                "root element is <rss>",
            ),
            (
                "just text",
                Sitemap,
                "malformed sitemap XML: no root element",
            ),
        ];
        for (body, kind, message) in cases {
            match parse_as(body, kind) {
                Ok(listing) => panic!("{body:?} parsed: {listing:?}"),
                Err(e) => assert!(e.to_string().contains(message), "{body:?}: {e}"),
            }
        }
    }

    #[test]
    fn at_most_max_items_are_kept() {
        let body: String = (0..MAX_ITEMS + 10)
            .map(|i| format!("https://ex.org/{i}\n"))
            .collect();
        let listing = parse_as(format!("{body}https://ex.org/0"), Urls).expect("parses");
        assert_eq!(
            (listing.items.len(), listing.skipped),
            (MAX_ITEMS, 10),
            "repeats not counted"
        );
    }

    #[test]
    fn sitemap_dates() {
        let cases = [
            ("2024-11-05T10:30:15+01:00", "2024-11-05T09:30:15Z"),
            ("2024-11-05T10:30:15.5Z", "2024-11-05T10:30:15.5Z"),
            ("2024-11-05T10:30+01:00", "2024-11-05T09:30:00Z"),
            ("2024-11-05T10:30Z", "2024-11-05T10:30:00Z"),
            ("2024-11-05T10:30:15+0100", "2024-11-05T09:30:15Z"),
            (" 2024-11-05 ", "2024-11-05T00:00:00Z"),
            ("2024-11-05T10:30:15", "2024-11-05T10:30:15Z"),
            ("Tue, 05 Nov 2024 10:00:00 GMT", "2024-11-05T10:00:00Z"),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_date(input), date(expected), "{input}");
        }
        for bad in ["", "yesterday", "2024-13-01", "2024-11-05T25:00Z"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn names_as_configured_and_logged() {
        for kind in [Auto, Feed, Sitemap, Urls] {
            let json = format!("\"{}\"", kind.as_str());
            assert_eq!(serde_json::from_str::<SourceKind>(&json).ok(), Some(kind));
        }
        assert_eq!(ListingFormat::SitemapIndex.as_str(), "sitemap_index");
    }
}
