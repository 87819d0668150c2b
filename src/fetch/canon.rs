//! Canonical URLs: one spelling per page, so the same article reached through a feed, a
//! sitemap, a share link or a newsletter is stored once.
//!
//! Only what never changes which page a server returns is removed (tracking parameters,
//! fragment, default port, empty query). Path case and trailing slashes stay as they are:
//! servers differ on whether they matter.

use std::sync::LazyLock;

use regex::Regex;
use url::Url;

/// How much of a page [`link_canonical`] reads: the head is near the top, and a page that
/// hides its canonical link deeper is not worth scanning megabytes for.
const HEAD_SCAN_BYTES: usize = 256 * 1024;

/// Query parameters that only say how a reader arrived (campaign, click and share trackers).
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "igshid",
    "yclid",
    "_ga",
    "_gl",
    "ocid",
    "cmpid",
    "xtor",
    "ns_mchannel",
    "ns_source",
    "ns_campaign",
    "ns_linkname",
    "ns_fee",
    "__twitter_impression",
    "share",
    "ref_src",
    "s_cid",
];

/// Prefixes of whole families of tracking parameters: Google Analytics campaigns (`utm_`) and
/// AT Internet, used by many French outlets (`at_medium`, `at_campaign`…).
const TRACKING_PREFIXES: &[&str] = &["utm_", "at_"];

/// The form of a URL used to recognize the same page: tracking parameters, fragment and
/// default port removed, host lowercased, empty query removed.
pub fn canonicalize(url: &Url) -> Url {
    // The url crate already lowercases hosts, drops default ports and normalizes
    // percent-encoding of special (http, https…) schemes when it parses.
    let mut out = url.clone();
    out.set_fragment(None);
    let query = url.query().map(strip_tracking);
    out.set_query(query.as_deref().filter(|q| !q.is_empty()));
    out
}

/// The query without tracking parameters or empty `&&` pieces. Kept pieces are copied
/// byte for byte: re-encoding them could change what a CMS reads (`+` versus `%20`).
fn strip_tracking(query: &str) -> String {
    query
        .split('&')
        .filter(|piece| !piece.is_empty() && !is_tracking(piece))
        .collect::<Vec<_>>()
        .join("&")
}

fn is_tracking(piece: &str) -> bool {
    // Decoded, since `utm%5Fsource` is still utm_source to the server that decodes it.
    let Some((name, _)) = url::form_urlencoded::parse(piece.as_bytes()).next() else {
        return false;
    };
    let name = name.to_ascii_lowercase();
    TRACKING_PARAMS.contains(&name.as_str())
        || TRACKING_PREFIXES.iter().any(|p| name.starts_with(p))
}

// Comments are removed before looking for tags: templates comment out stale canonical links.
static COMMENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<!--.*?-->").expect("valid regex"));
static LINK_TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)<link\b([^>]*)>").expect("valid regex"));
static BASE_TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)<base\b([^>]*)>").expect("valid regex"));
static ATTRIBUTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))"#)
        .expect("valid regex")
});

/// The `<link rel="canonical" href="…">` of an HTML page (resolved against `base`), if any,
/// http(s) only, already canonicalized. Looks only in the first 256 KiB and only before
/// `</head>` if present.
///
/// The first canonical link with a usable href wins; one with an empty or non-http(s) href
/// is passed over, since a broken template should not hide a good link after it.
pub fn link_canonical(html: &[u8], base: &Url) -> Option<Url> {
    let prefix = html.get(..HEAD_SCAN_BYTES).unwrap_or(html);
    let text = String::from_utf8_lossy(prefix);
    // ASCII lowercasing keeps byte offsets, so the position is valid in `text` too.
    let head = match text.to_ascii_lowercase().find("</head") {
        Some(end) => text.get(..end).unwrap_or(&text),
        None => &text,
    };
    let head = COMMENT.replace_all(head, "");
    // Relative links resolve against the first `<base href>`, as a browser does.
    let base = BASE_TAG
        .captures_iter(&head)
        .filter_map(|tag| first_attribute(tag.get(1)?.as_str(), "href"))
        .next()
        .and_then(|href| base.join(decode_entities(href.trim()).as_str()).ok())
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .unwrap_or_else(|| base.clone());
    LINK_TAG
        .captures_iter(&head)
        .filter_map(|tag| tag.get(1))
        .filter_map(|attrs| canonical_href(attrs.as_str()))
        .find_map(|href| {
            let url = base.join(&decode_entities(&href)).ok()?;
            matches!(url.scheme(), "http" | "https").then(|| canonicalize(&url))
        })
}

/// The value of the first `name` attribute among `attrs`: the first occurrence counts, as in
/// an HTML parser.
fn first_attribute<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    ATTRIBUTE.captures_iter(attrs).find_map(|attr| {
        let matches = attr.get(1)?.as_str().eq_ignore_ascii_case(name);
        let value = attr.get(2).or(attr.get(3)).or(attr.get(4));
        matches.then(|| value.map_or("", |m| m.as_str()))
    })
}

/// The href of a `<link>` whose rel tokens include `canonical`, if non-empty.
fn canonical_href(attrs: &str) -> Option<String> {
    let is_canonical = first_attribute(attrs, "rel")?
        .split_ascii_whitespace()
        .any(|token| token.eq_ignore_ascii_case("canonical"));
    let href = first_attribute(attrs, "href")?.trim();
    (is_canonical && !href.is_empty()).then(|| href.to_string())
}

/// Decodes the character references a URL in an attribute plausibly contains, in one pass so
/// that `&amp;lt;` stays `&lt;`.
fn decode_entities(s: &str) -> String {
    const NAMED: &[(&str, char)] = &[
        ("amp;", '&'),
        ("quot;", '"'),
        ("apos;", '\''),
        ("lt;", '<'),
        ("gt;", '>'),
    ];
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(rest.get(..at).unwrap_or_default());
        let after = rest.get(at + 1..).unwrap_or_default();
        let named = NAMED.iter().find(|(name, _)| after.starts_with(name));
        let (decoded, len) = match named {
            Some(&(name, ch)) => (Some(ch), name.len()),
            None => numeric_reference(after).map_or((None, 0), |(ch, len)| (Some(ch), len)),
        };
        match decoded {
            Some(ch) => out.push(ch),
            None => out.push('&'),
        }
        rest = after.get(len..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// `#38;` or `#x26;` at the start of `s`: the character and the length consumed.
fn numeric_reference(s: &str) -> Option<(char, usize)> {
    let body = s.strip_prefix('#')?;
    let end = body.find(';')?;
    let digits = body.get(..end)?;
    let code = match digits.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => digits.parse().ok()?,
    };
    Some((char::from_u32(code)?, end + 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    #[test]
    fn canonicalize_removes_only_what_does_not_change_the_page() {
        let cases = [
            // Tracking parameters go, whatever their case; others keep their order.
            (
                "https://ex.org/a?utm_source=x&id=123&utm_medium=y",
                "https://ex.org/a?id=123",
            ),
            (
                "https://ex.org/a?UTM_Campaign=x&b=2&a=1",
                "https://ex.org/a?b=2&a=1",
            ),
            (
                "https://ex.org/a?fbclid=1&gclid=2&dclid=3&msclkid=4",
                "https://ex.org/a",
            ),
            (
                "https://ex.org/a?mc_cid=1&mc_eid=2&igshid=3&yclid=4&_ga=5&_gl=6",
                "https://ex.org/a",
            ),
            (
                "https://ex.org/a?ocid=1&cmpid=2&xtor=RSS-1&p=2",
                "https://ex.org/a?p=2",
            ),
            (
                "https://ex.fr/a?at_medium=rss&at_campaign=x&at_custom1=y&page=2",
                "https://ex.fr/a?page=2",
            ),
            (
                "https://ex.org/a?ns_mchannel=1&ns_source=2&ns_campaign=3&ns_linkname=4&ns_fee=0",
                "https://ex.org/a",
            ),
            (
                "https://ex.org/a?__twitter_impression=true&share=1&ref_src=tw&s_cid=9",
                "https://ex.org/a",
            ),
            (
                "https://ex.org/a?utm%5Fsource=x&q=1",
                "https://ex.org/a?q=1",
            ),
            // Names that merely contain a tracker's name are kept.
            (
                "https://ex.org/a?shared=1&my_utm_x=2&data_ga=3",
                "https://ex.org/a?shared=1&my_utm_x=2&data_ga=3",
            ),
            // Kept pieces are not re-encoded.
            (
                "https://ex.org/s?q=a+b&r=c%20d&flag",
                "https://ex.org/s?q=a+b&r=c%20d&flag",
            ),
            ("https://ex.org/a?&&id=1&&", "https://ex.org/a?id=1"),
            // Fragment, empty query and default port go; the host is lowercased.
            ("https://ex.org/a#comments", "https://ex.org/a"),
            ("https://ex.org/a?#", "https://ex.org/a"),
            ("https://ex.org/a?", "https://ex.org/a"),
            ("http://EX.org:80/a", "http://ex.org/a"),
            ("https://Ex.Org:443/a", "https://ex.org/a"),
            ("http://ex.org:8080/a", "http://ex.org:8080/a"),
            // Path case and trailing slashes are the server's business.
            (
                "https://ex.org/News/Article/",
                "https://ex.org/News/Article/",
            ),
            ("https://ex.org/news/article", "https://ex.org/news/article"),
            ("https://ex.org/caf%c3%a9", "https://ex.org/caf%c3%a9"),
        ];
        for (input, expected) in cases {
            assert_eq!(canonicalize(&url(input)).as_str(), expected, "{input}");
        }
    }

    #[test]
    fn link_canonical_finds_the_first_usable_canonical_link_in_the_head() {
        let base = url("https://www.ex.org/news/article-1?utm_source=rss");
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("none", "<html><head><title>x</title></head>", None),
            (
                "plain",
                r#"<head><link rel="canonical" href="https://ex.org/a"></head>"#,
                Some("https://ex.org/a"),
            ),
            (
                "uppercase, single quotes, href first",
                "<HEAD><LINK HREF='https://ex.org/b' REL=\"Canonical\" /></HEAD>",
                Some("https://ex.org/b"),
            ),
            (
                "unquoted",
                "<link rel=canonical href=https://ex.org/c>",
                Some("https://ex.org/c"),
            ),
            (
                "relative",
                r#"<link rel="canonical" href="/news/a">"#,
                Some("https://www.ex.org/news/a"),
            ),
            (
                "amp decoded",
                r#"<link rel="canonical" href="https://ex.org/p?id=1&amp;page=2">"#,
                Some("https://ex.org/p?id=1&page=2"),
            ),
            (
                "canonicalized",
                r#"<link rel="canonical" href="https://EX.org/a?utm_medium=x#top">"#,
                Some("https://ex.org/a"),
            ),
            (
                "rel token list",
                r#"<link rel="nofollow canonical" href="https://ex.org/d">"#,
                Some("https://ex.org/d"),
            ),
            (
                "other rel",
                r#"<link rel="alternate" href="https://ex.org/amp"><link rel="canonicalx" href="https://ex.org/x">"#,
                None,
            ),
            (
                "multiple: first wins",
                r#"<link rel="canonical" href="https://ex.org/1"><link rel="canonical" href="https://ex.org/2">"#,
                Some("https://ex.org/1"),
            ),
            (
                "empty href skipped",
                r#"<link rel="canonical" href=" "><link rel="canonical" href="https://ex.org/e">"#,
                Some("https://ex.org/e"),
            ),
            (
                "non-http skipped",
                r#"<link rel="canonical" href="javascript:void(0)">"#,
                None,
            ),
            (
                "commented out",
                r#"<!-- <link rel="canonical" href="https://ex.org/old"> --><link rel="canonical" href="https://ex.org/new">"#,
                Some("https://ex.org/new"),
            ),
            (
                "relative, against <base href>",
                r#"<base href="https://cdn.ex.org/en/"><link rel="canonical" href="a?x=1">"#,
                Some("https://cdn.ex.org/en/a?x=1"),
            ),
            (
                "relative <base href>, resolved against the page",
                r#"<base target="_top"><base href="/fr/"><link rel="canonical" href="article">"#,
                Some("https://www.ex.org/fr/article"),
            ),
            (
                "unusable <base href> ignored",
                r#"<base href="javascript:x"><link rel="canonical" href="/news/b">"#,
                Some("https://www.ex.org/news/b"),
            ),
            (
                "after </head> ignored",
                r#"<head></head><body><link rel="canonical" href="https://ex.org/body"></body>"#,
                None,
            ),
            (
                "other attributes",
                r#"<link data-x="rel=canonical" async rel="canonical" id=c href="https://ex.org/f">"#,
                Some("https://ex.org/f"),
            ),
            (
                "numeric entities",
                r#"<link rel="canonical" href="https://ex.org/p?a=1&#38;b=2&#x26;c=3">"#,
                Some("https://ex.org/p?a=1&b=2&c=3"),
            ),
        ];
        for (name, html, expected) in cases {
            let found = link_canonical(html.as_bytes(), &base);
            assert_eq!(found.as_ref().map(Url::as_str), *expected, "{name}");
        }
    }

    #[test]
    fn link_canonical_reads_non_utf8_pages_and_only_their_start() {
        let base = url("https://ex.org/");
        let mut latin1 =
            b"<head><title>Caf\xe9 \x92</title><link rel=canonical href=/caf\xc3></head>".to_vec();
        let found = link_canonical(&latin1, &base).map(String::from);
        // Undecodable bytes in the href itself come out as U+FFFD, percent-encoded.
        assert_eq!(found.as_deref(), Some("https://ex.org/caf%EF%BF%BD"));

        latin1.splice(0..0, std::iter::repeat_n(b' ', HEAD_SCAN_BYTES));
        assert_eq!(link_canonical(&latin1, &base), None);
    }

    #[test]
    fn entities_decode_once() {
        let cases = [
            ("a&amp;b", "a&b"),
            ("a&amp;lt;b", "a&lt;b"),
            ("a&#38;lt;b", "a&lt;b"),
            ("a&b", "a&b"),
            ("a&#xZZ;b&", "a&#xZZ;b&"),
            ("&#1114112;&quot;", "&#1114112;\""),
        ];
        for (input, expected) in cases {
            assert_eq!(decode_entities(input), expected, "{input}");
        }
    }
}
