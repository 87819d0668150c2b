//! XML sitemaps and sitemap indexes (the sitemaps.org protocol, with the Google News
//! extension for titles, publication dates and languages), read with the [`walk`] XML walker.
//! A sitemap yields article links; an index yields child sitemaps for the caller to fetch.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use url::Url;

use super::xml::{Node, XML_DECLARATION, walk};
use super::{Collector, Listing, ListingFormat, ListingItem, non_empty, resolve};

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

pub(super) fn parse_sitemap(text: &str, base: &Url) -> Result<Listing, String> {
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
pub(super) fn parse_date(s: &str) -> Option<DateTime<Utc>> {
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
