//! Main-text and metadata extraction from news article HTML.
//!
//! [`extract_html`] combines two crates, each used for what it measured best
//! at on the NAEB benchmark (421 news pages, `bench/extraction/`, see
//! `BENCHMARKS.md`):
//!
//! - **body text** from `trafilatura` 0.6 (Rust port of go-trafilatura),
//!   default options: body F1 0.925 (P 0.891, R 0.961), against 0.897 for
//!   `libreadability` 0.3 and 0.900 for `dom_smoothie` 0.19. Its readability
//!   fallback lowered precision (F1 0.921), so it stays off.
//! - **title, date, byline** from `libreadability`'s metadata (meta tags and
//!   JSON-LD), falling back to trafilatura's: trafilatura alone keeps site
//!   suffixes in titles (title 0.632 vs 0.672) and often reports the modified
//!   rather than the published date (date 0.790 vs 0.840 combined).
//! - **language** from markup only (`<html lang>`, `og:locale`, `<meta>`),
//!   read from the DOM trafilatura already parsed.
//!
//! If trafilatura finds no text, libreadability's article text is used. No
//! boilerplate heuristics live here: only the choice between crate outputs
//! and light normalisation of whitespace, bylines and dates.
//!
//! Robustness: a panic in either crate is caught and reported as
//! [`HtmlError::Panicked`]. Stack overflow cannot be caught, and html5ever's
//! parse time is quadratic in nesting depth, so pathologically nested pages
//! are refused ([`HtmlError::TooDeep`]) and moderately deep ones skip
//! libreadability, which recurses without a limit. Input is capped at
//! [`MAX_HTML_BYTES`].

use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::NaiveDate;
use trafilatura::dom::Document;

use super::text::labelled;
use crate::tag::normalize::fold;

/// The extractors behind [`extract_html`], for provenance in stored records.
pub const EXTRACTOR_VERSION: &str = "trafilatura-0.6.0+libreadability-0.3.0";

/// Pages larger than this are refused rather than parsed twice; the largest
/// NAEB page is about 4 MiB.
pub const MAX_HTML_BYTES: usize = 16 * 1024 * 1024;

/// Deepest nesting accepted at all, as estimated from the raw markup:
/// html5ever's parse time grows with the square of the depth (20,000 nested
/// `<div>`s take about a second). NAEB pages peak at 134.
const MAX_MARKUP_NESTING: usize = 1024;

/// Deepest element nesting handed to libreadability. It needs about 0.7 KiB
/// of stack per level in debug builds, so 512 levels fit easily in a 2 MiB
/// thread stack; real news pages stay well below 100.
const MAX_NESTING_FOR_READABILITY: usize = 512;

/// Bylines longer than this are page furniture, not a list of names.
const MAX_BYLINE_CHARS: usize = 120;

/// The article found in one HTML page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HtmlArticle {
    pub title: Option<String>,
    /// Authors, comma-separated, as displayed.
    pub byline: Option<String>,
    pub published: Option<NaiveDate>,
    /// Primary language subtag from `<html lang>`, `og:locale` or `<meta>`,
    /// lowercase (e.g. "en", "fr"); `None` if the markup declares none.
    pub language: Option<String>,
    /// Main text; paragraphs separated by a single '\n'; no leading or
    /// trailing whitespace.
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum HtmlError {
    #[error("no main text found in the page")]
    NoText,
    #[error("page is {size} bytes, over the {limit}-byte extraction limit")]
    TooLarge { size: usize, limit: usize },
    #[error("page nests elements more than {limit} deep; refused to avoid quadratic parsing")]
    TooDeep { limit: usize },
    #[error("HTML extractor panicked: {0}")]
    Panicked(String),
}

/// Extracts the main text and metadata of an article page.
///
/// `url` is the page's address; it lets the extractors resolve relative
/// links and site-specific rules. Invalid or non-HTTP URLs are ignored.
/// `byline_labels`: the lexicon's folded lead-ins ("by", "written by", "par") that bylines
/// drop.
pub fn extract_html(
    html: &str,
    url: Option<&str>,
    byline_labels: &[String],
) -> Result<HtmlArticle, HtmlError> {
    if html.len() > MAX_HTML_BYTES {
        return Err(HtmlError::TooLarge {
            size: html.len(),
            limit: MAX_HTML_BYTES,
        });
    }
    if markup_nesting_exceeds(html, MAX_MARKUP_NESTING) {
        return Err(HtmlError::TooDeep {
            limit: MAX_MARKUP_NESTING,
        });
    }
    let url = url
        .and_then(|u| url::Url::parse(u.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"));
    catch_unwind(AssertUnwindSafe(|| {
        extract_unguarded(html, url, byline_labels)
    }))
    .unwrap_or_else(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic payload".to_owned());
        Err(HtmlError::Panicked(msg))
    })
}

fn extract_unguarded(
    html: &str,
    url: Option<url::Url>,
    byline_labels: &[String],
) -> Result<HtmlArticle, HtmlError> {
    let doc = Document::parse(html);
    let language = declared_language(&doc);

    let mut opts = trafilatura::Options::default();
    if let Some(u) = &url {
        opts = opts.with_url(u.clone());
    }
    // libreadability recurses once per nesting level with no cap and would
    // overflow the stack (an abort, not a catchable panic) on pathological
    // nesting; trafilatura caps its own recursion, so it runs alone there.
    let readab = if nesting_exceeds(&doc, MAX_NESTING_FOR_READABILITY) {
        None
    } else {
        libreadability::extract(html, url.as_ref().map(url::Url::as_str)).ok()
    };
    // Errors just mean "nothing usable"; libreadability may still have text.
    let traf = trafilatura::extract_document(doc, &opts).ok();

    let traf_meta = traf.as_ref().map(|r| &r.metadata);
    // content_text runs all paragraphs together, so the paragraph breaks
    // are recovered from the cleaned HTML the crate also returns.
    let mut text = traf
        .as_ref()
        .map(|r| html_to_lines(&r.content_html))
        .unwrap_or_default();
    if text.is_empty() {
        text = readab
            .as_ref()
            .map(|a| html_to_lines(&a.content))
            .unwrap_or_default();
    }
    if text.is_empty() {
        return Err(HtmlError::NoText);
    }

    let title = readab
        .as_ref()
        .and_then(|a| non_empty(&a.title))
        .or_else(|| traf_meta.and_then(|m| non_empty(&m.title)));
    let byline = readab
        .as_ref()
        .and_then(|a| clean_byline(&a.byline, byline_labels))
        .or_else(|| traf_meta.and_then(|m| clean_byline(&m.author, byline_labels)));
    let published = readab
        .as_ref()
        .and_then(|a| iso_date_prefix(&a.published_time))
        .or_else(|| traf_meta.and_then(|m| m.date));

    Ok(HtmlArticle {
        title,
        byline,
        published,
        language,
        text,
    })
}

/// Estimates nesting from the raw markup in one linear pass, without a
/// parser: +1 per start tag, -1 per end tag, ignoring void and
/// implicitly-closed elements, comments and raw-text content. It only guards
/// against pathological input, so it does not need to match the DOM exactly.
fn markup_nesting_exceeds(html: &str, limit: usize) -> bool {
    const UNCOUNTED: &str = "area base br col embed hr img input link meta param source track wbr \
        p li dt dd tr td th option optgroup thead tbody tfoot rb rt rp";
    const RAW_TEXT: &str = "script style textarea title xmp iframe noembed";
    let bytes = html.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while let Some(lt) = bytes.get(i..).and_then(|rest| find_ci(rest, b"<")) {
        i += lt + 1;
        let rest = bytes.get(i..).unwrap_or_default();
        if rest.starts_with(b"!--") {
            i += find_ci(rest, b"-->").map_or(rest.len(), |e| e + 3);
            continue;
        }
        let closing = rest.first() == Some(&b'/');
        let name_len = rest
            .iter()
            .skip(usize::from(closing))
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        let name = rest
            .get(usize::from(closing)..usize::from(closing) + name_len)
            .unwrap_or_default();
        if name.is_empty() {
            continue;
        }
        let Some(gt) = find_ci(rest, b">") else { break };
        let counted = !listed(UNCOUNTED, name);
        let self_closing = gt.checked_sub(1).and_then(|k| rest.get(k)) == Some(&b'/');
        if closing {
            depth = depth.saturating_sub(usize::from(counted));
        } else if listed(RAW_TEXT, name) {
            // Markup inside a script or style is text: skip to its end tag.
            let body = rest.get(gt..).unwrap_or_default();
            let end = body.windows(name.len() + 2).position(|w| {
                w.starts_with(b"</") && w.get(2..).is_some_and(|n| n.eq_ignore_ascii_case(name))
            });
            i += gt + end.unwrap_or(body.len());
            continue;
        } else if counted && !self_closing {
            depth += 1;
            if depth > limit {
                return true;
            }
        }
        i += gt + 1;
    }
    false
}

fn find_ci(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// True when elements nest deeper than `limit`; iterative, stops early.
fn nesting_exceeds(doc: &Document, limit: usize) -> bool {
    let mut stack = vec![(doc.root(), 0usize)];
    while let Some((id, depth)) = stack.pop() {
        if depth > limit {
            return true;
        }
        stack.extend(doc.children(id).into_iter().map(|c| (c, depth + 1)));
    }
    false
}

/// Elements that start a new line in the plain-text rendering.
const BLOCK_TAGS: &str = "address article aside blockquote dd details div dl dt figcaption figure \
    footer h1 h2 h3 h4 h5 h6 header hr li main ol p pre section summary table tr ul";

/// Elements whose content is never text.
const SKIPPED_TAGS: &str = "head script style template noscript svg";

/// Whether `name` is one of the space-separated tag names in `list`.
fn listed(list: &str, name: &[u8]) -> bool {
    list.split_ascii_whitespace()
        .any(|t| t.as_bytes().eq_ignore_ascii_case(name))
}

/// Renders an extractor's cleaned article HTML as text, one line per block.
///
/// Iterative rather than recursive so that deep nesting cannot exhaust
/// the stack.
fn html_to_lines(fragment: &str) -> String {
    enum Step {
        Enter(trafilatura::dom::NodeId),
        LineBreak,
    }
    let doc = Document::parse(fragment);
    let mut out = String::with_capacity(fragment.len() / 2);
    let mut stack = vec![Step::Enter(doc.root())];
    while let Some(step) = stack.pop() {
        let id = match step {
            Step::LineBreak => {
                out.push('\n');
                continue;
            }
            Step::Enter(id) => id,
        };
        if doc.is_text(id) {
            // Source line breaks inside a paragraph are just spaces.
            out.extend(
                doc.text_content(id)
                    .chars()
                    .map(|c| if c.is_whitespace() { ' ' } else { c }),
            );
            continue;
        }
        let tag = if doc.is_element(id) {
            doc.tag_name(id)
        } else {
            ""
        };
        if listed(SKIPPED_TAGS, tag.as_bytes()) {
            continue;
        }
        if listed(BLOCK_TAGS, tag.as_bytes()) {
            out.push('\n');
            stack.push(Step::LineBreak);
        } else if tag == "br" {
            out.push('\n');
        } else if matches!(tag, "td" | "th") {
            out.push(' ');
        }
        stack.extend(doc.child_nodes(id).into_iter().rev().map(Step::Enter));
    }
    normalize_text(&out)
}

/// Trims every line, collapses runs of whitespace inside it and drops blank
/// lines, so paragraphs end up separated by exactly one '\n'.
fn normalize_text(text: &str) -> String {
    let lines = text.lines().filter_map(non_empty);
    lines.collect::<Vec<_>>().join("\n")
}

fn non_empty(s: &str) -> Option<String> {
    let collapsed = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!collapsed.is_empty()).then_some(collapsed)
}

/// Normalises a byline to "A, B, C", dropping a lead-in of the lexicon ("By", "Written by",
/// "Par"), a whole word, so "Byron Smith" keeps his name.
///
/// Returns `None` for strings that are evidently not a list of names
/// (dates, e-mail addresses, "Name | Published on ..."), so that the other
/// extractor's byline gets a chance.
fn clean_byline(raw: &str, labels: &[String]) -> Option<String> {
    let s = non_empty(raw)?;
    if labels.contains(&fold(&s)) {
        // A lead-in and no name.
        return None;
    }
    let s = labelled(&s, labels).unwrap_or(&s);
    let looks_wrong = s.is_empty()
        || s.chars().count() > MAX_BYLINE_CHARS
        || s.contains(|c: char| c.is_ascii_digit() || c == '@' || c == '|');
    if looks_wrong {
        return None;
    }
    let names: Vec<&str> = s
        .split([',', ';'])
        .flat_map(|part| part.split(" and "))
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    (!names.is_empty()).then(|| names.join(", "))
}

/// The calendar date of an ISO-8601 timestamp as written (no time-zone
/// shift, so the date matches what the page displays).
fn iso_date_prefix(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim().get(..10)?, "%Y-%m-%d").ok()
}

/// Reads the language the markup declares, in order of reliability.
fn declared_language(doc: &Document) -> Option<String> {
    const SOURCES: [(&str, &str); 5] = [
        ("html[lang]", "lang"),
        ("meta[property=\"og:locale\" i]", "content"),
        ("meta[http-equiv=\"content-language\" i]", "content"),
        ("meta[name=\"language\" i]", "content"),
        ("meta[name=\"dc.language\" i]", "content"),
    ];
    let root = doc.root();
    SOURCES.iter().find_map(|(selector, attr)| {
        let node = doc.query_selector(root, selector)?;
        primary_subtag(&doc.get_attribute(node, attr)?)
    })
}

/// "en-US" / "en_us" / "EN" → "en"; `None` for anything that is not a
/// 2–3 letter ISO 639 code (e.g. "x-default", "english").
fn primary_subtag(tag: &str) -> Option<String> {
    // A comma-separated Content-Language lists several; take the first.
    let first = tag.split(',').next()?.trim();
    let primary = first.split(['-', '_']).next()?;
    let valid =
        (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_alphabetic());
    valid.then(|| primary.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byline labels of `patterns/lexicon.toml` (English and French), folded.
    fn labels() -> Vec<String> {
        [
            "written by",
            "reviewed by",
            "review by",
            "posted by",
            "by",
            "par",
        ]
        .map(String::from)
        .to_vec()
    }

    fn extract(html: &str, url: Option<&str>) -> Result<HtmlArticle, HtmlError> {
        extract_html(html, url, &labels())
    }

    const FILLER: &str = "The council met on Tuesday evening to discuss the budget for the \
        coming year, and members debated at length whether the library comes before the roads.";

    fn page(head: &str, html_attrs: &str) -> String {
        format!(
            "<!DOCTYPE html><html {html_attrs}><head>{head}</head><body>\
             <nav><ul><li><a href=/>Home</a></li><li><a href=/sport>Sport</a></li></ul></nav>\
             <article><h1>Council delays library vote</h1><p>First paragraph. {FILLER}</p>\
             <p>Second paragraph. {FILLER}</p><p>Third paragraph. {FILLER}</p></article>\
             <footer><p>Copyright 2024 Example Media. All rights reserved.</p></footer>\
             </body></html>"
        )
    }

    #[test]
    fn text_paragraphs_and_boilerplate() {
        let html = page(
            "<title>Council delays library vote | Example News</title>",
            "lang=en",
        );
        let a = extract(&html, Some("https://news.example.com/council")).expect("article");
        let lines: Vec<&str> = a.text.lines().collect();
        assert!(
            lines.iter().any(|l| l.starts_with("First paragraph.")),
            "{}",
            a.text
        );
        assert!(
            lines.iter().any(|l| l.starts_with("Third paragraph.")),
            "{}",
            a.text
        );
        assert!(!a.text.contains("\n\n") && a.text == a.text.trim());
        assert!(!a.text.contains("Copyright"), "footer kept: {}", a.text);
        assert!(!a.text.contains("Sport"), "navigation kept: {}", a.text);
        assert_eq!(a.language.as_deref(), Some("en"));
    }

    #[test]
    fn html_to_lines_keeps_blocks_and_joins_inline() {
        let html = "<p>One <b>bold</b>\n   word.</p><ul><li>x</li><li>y<br>z</li></ul>\
                    <script>var s = 1;</script><table><tr><td>a</td><td>b</td></tr></table>";
        assert_eq!(html_to_lines(html), "One bold word.\nx\ny\nz\na b");
    }

    #[test]
    fn metadata_from_meta_tags() {
        let head = "<title>Council delays library vote - Example News</title>\
            <meta property=\"og:title\" content=\"Council delays library vote\">\
            <meta name=\"author\" content=\"By Jane Doe and John Roe\">\
            <meta property=\"article:published_time\" content=\"2023-12-22T23:30:00-05:00\">\
            <meta property=\"og:locale\" content=\"fr_FR\">";
        let a = extract(&page(head, ""), None).expect("article");
        assert_eq!(a.title.as_deref(), Some("Council delays library vote"));
        assert_eq!(a.byline.as_deref(), Some("Jane Doe, John Roe"));
        // The local date as published, not shifted to UTC.
        assert_eq!(a.published, NaiveDate::from_ymd_opt(2023, 12, 22));
        assert_eq!(a.language.as_deref(), Some("fr"));
    }

    #[test]
    fn metadata_from_json_ld() {
        let head = r#"<title>Site</title><script type="application/ld+json">
            {"@context":"https://schema.org","@type":"NewsArticle",
             "headline":"Council delays library vote", "datePublished":"2024-02-29T08:00:00Z",
             "author":[{"@type":"Person","name":"Ana Lima"},{"@type":"Person","name":"Bo Chen"}]}
            </script>"#;
        let a = extract(&page(head, "lang=pt-BR"), None).expect("article");
        assert_eq!(a.title.as_deref(), Some("Council delays library vote"));
        assert_eq!(a.published, NaiveDate::from_ymd_opt(2024, 2, 29));
        assert_eq!(a.byline.as_deref(), Some("Ana Lima, Bo Chen"));
        assert_eq!(a.language.as_deref(), Some("pt"));
    }

    #[test]
    fn no_text_and_bad_urls() {
        assert!(matches!(extract("", None), Err(HtmlError::NoText)));
        let empty = "<html><head><title>Nothing</title></head><body><nav></nav>\
                     <script>var a = 'text';</script><div> </div></body></html>";
        let r = extract(empty, None);
        assert!(matches!(r, Err(HtmlError::NoText)), "{r:?}");
        for url in ["not a url", "ftp://example.com/x", "", "http://[::1"] {
            let a = extract(&page("", ""), Some(url)).expect("article");
            assert!(a.text.contains("Second paragraph."));
        }
    }

    #[test]
    fn garbage_huge_and_deeply_nested_input_never_panics() {
        let inputs = [
            "\u{0}\u{FFFD}<<<>>></p></div><html><html><body><body><!--".to_owned(),
            "<script>".repeat(1000),
            "<table><tr><td>".repeat(2000),
            format!("{}{FILLER}", "<div>".repeat(MAX_MARKUP_NESTING)),
            format!("{}{FILLER}", "<span><i>".repeat(300)),
            (0..200_000u32)
                .map(|i| char::from_u32(i % 0xD7FF).unwrap_or('x'))
                .collect(),
            format!("<p>{}</p>", FILLER.repeat(2_000)),
        ];
        for input in &inputs {
            let _ = extract(input, Some("https://example.com/"));
        }
        let deep = format!("{}{FILLER}", "<div>".repeat(MAX_MARKUP_NESTING + 1));
        assert!(matches!(
            extract(&deep, None),
            Err(HtmlError::TooDeep { .. })
        ));
        let closed = "<div>x</div>".repeat(MAX_MARKUP_NESTING * 2);
        assert!(!markup_nesting_exceeds(&closed, MAX_MARKUP_NESTING));
        let scripted = format!(
            "<script>{}</SCRIPT>",
            "<div>".repeat(MAX_MARKUP_NESTING * 2)
        );
        assert!(!markup_nesting_exceeds(&scripted, MAX_MARKUP_NESTING));
        let huge = "a".repeat(MAX_HTML_BYTES + 1);
        assert!(matches!(
            extract(&huge, None),
            Err(HtmlError::TooLarge { .. })
        ));
    }

    #[test]
    fn byline_cleaning() {
        let clean = |s| clean_byline(s, &labels()).unwrap_or_default();
        assert_eq!(clean(" By  Jane Doe "), "Jane Doe");
        assert_eq!(clean("Byron Smith"), "Byron Smith");
        assert_eq!(clean("Ana Lima; Bo Chen"), "Ana Lima, Bo Chen");
        assert_eq!(
            clean("Written by Ike Allen | Published on Dec 21, 2023"),
            ""
        );
        assert_eq!(clean("jane@example.com"), "");
        assert_eq!(clean("By"), "");
        assert_eq!(clean("By: Jane Doe"), "Jane Doe");
        assert_eq!(
            clean("Written by Jane Doe and John Roe"),
            "Jane Doe, John Roe"
        );
        assert_eq!(clean("Par Awa Traoré"), "Awa Traoré");
        assert_eq!(clean("Parker Lee"), "Parker Lee");
    }

    #[test]
    fn language_subtags() {
        let sub = |s| primary_subtag(s).unwrap_or_default();
        assert_eq!(
            [sub("en-US"), sub("FR_ca"), sub("de, en")],
            ["en", "fr", "de"]
        );
        assert_eq!([sub("x-default"), sub("english"), sub("")], ["", "", ""]);
    }
}
