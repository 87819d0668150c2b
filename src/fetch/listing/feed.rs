//! RSS (0.9x, 1.0 and 2.0), Atom and JSON Feed listings, parsed by feed-rs. Before feed-rs
//! sees an XML feed, the [`walk`] completeness check rejects truncated documents that feed-rs
//! would accept; a panic inside feed-rs is caught and reported as this input's error. Each entry
//! yields its article link (else a permalink guid), guid, title, date and language.

use std::borrow::Cow;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::LazyLock;

use regex::Regex;
use url::Url;

use super::xml::{XML_DECLARATION, walk};
use super::{Collector, Listing, ListingFormat, ListingItem, is_web, non_empty, resolve};

pub(super) fn parse_feed(text: &str, base: &Url) -> Result<Listing, String> {
    let text = XML_DECLARATION.replace_all(text, "");
    let text = with_rss_version(&text);
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

/// The root `<rss>` tag, after any comments, doctype or processing instructions.
static RSS_ROOT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?s)\s*(?:(?:<!--.*?-->|<![^>]*>|<\?.*?\?>)\s*)*<rss(\s[^>]*)?>")
        .expect("valid regex")
});
static VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\sversion\s*=\s*(?:"([^"]*)"|'([^']*)')"#).expect("valid regex")
});

/// feed-rs reads `<rss>` only with `version` "2.0", "0.91" or "0.92" and rejects the rest;
/// feeds in the wild omit it or write "0.94" or "2.0.1". Those are read as RSS 2.0, a
/// superset of the versions between.
fn with_rss_version(text: &str) -> Cow<'_, str> {
    let Some(root) = RSS_ROOT.captures(text) else {
        return Cow::Borrowed(text);
    };
    let attrs = root.get(1).map_or("", |m| m.as_str());
    let version = VERSION
        .captures(attrs)
        .and_then(|c| c.get(1).or(c.get(2)))
        .map(|m| m.as_str());
    if matches!(version, Some("2.0" | "0.91" | "0.92")) {
        return Cow::Borrowed(text);
    }
    let attrs = VERSION.replace(attrs, "");
    let tag = root.get(0).map_or(0..0, |m| m.range());
    let open = &text[tag.start..tag.end];
    let lead = &open[..open.rfind("<rss").unwrap_or(0)];
    Cow::Owned(format!(
        "{lead}<rss version=\"2.0\"{attrs}>{}",
        &text[tag.end..]
    ))
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
