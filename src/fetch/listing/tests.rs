//! Unit tests of listing parsing, through [`parse`](super::parse) for every format: good and
//! bad entries, charsets, sniffing, malformed documents, the item cap and sitemap dates.

use super::sitemap::parse_date;
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
fn rss_without_a_version_feed_rs_knows_is_read_as_rss_2() {
    for root in [
        "<rss>",
        "<rss xmlns:dc=\"http://purl.org/dc/elements/1.1/\">",
        "<rss version=\"0.94\">",
        "<rss version='2.0.1' xmlns:media=\"http://search.yahoo.com/mrss/\">",
        "<!-- generated, <rss> --><rss>",
    ] {
        let body = format!(
            "<?xml version=\"1.0\"?>{root}<channel><title>T</title>\
             <item><link>https://ex.org/v1</link><dc:creator>A</dc:creator></item></channel></rss>"
        );
        let listing = parse_as(&body, Auto).unwrap_or_else(|e| panic!("{root}: {e}"));
        assert_eq!(urls(&listing), ["https://ex.org/v1"], "{root}");
    }
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
