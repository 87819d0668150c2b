//! Character-set detection and decoding of document bytes (HTML and plain text).
//!
//! [`decode_html`] turns raw response bytes into a `String` the way a browser
//! would, in this order of trust:
//!
//! 1. a byte-order mark (UTF-8, UTF-16LE, UTF-16BE);
//! 2. the `charset` parameter of the HTTP `Content-Type` header;
//! 3. a `<meta charset>` or `<meta http-equiv="content-type">` declaration in
//!    the first 1024 bytes (the WHATWG prescan window);
//! 4. UTF-8 when the bytes are valid UTF-8, or UTF-8 with a few broken sequences (no more
//!    broken sequences than valid multi-byte characters): the broken bytes become U+FFFD and
//!    every valid character is kept;
//! 5. otherwise `chardetng`'s guess (the detector Firefox uses).
//!
//! Step 4 is there because `chardetng` only answers UTF-8 for flawless UTF-8: one stray byte
//! in a UTF-8 text made it pick windows-1252, turning every valid "—" into "â€”". A legacy
//! encoding is chosen only when the bytes say so: a BOM, a declaration, or bytes whose high
//! bytes mostly do not form UTF-8 sequences (real windows-1252 text almost never does).
//!
//! Decoding uses `encoding_rs`, so labels follow the WHATWG Encoding Standard
//! (e.g. `iso-8859-1` and `latin1` mean windows-1252) and malformed sequences
//! become U+FFFD instead of failing.

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252, X_USER_DEFINED};

/// How many leading bytes are searched for a `<meta>` charset declaration.
const META_PRESCAN_BYTES: usize = 1024;

/// Decodes an HTML document, returning the text and the name of the encoding
/// used (as `encoding_rs` spells it, e.g. `"UTF-8"`, `"windows-1252"`).
///
/// `content_type` is the raw value of the HTTP `Content-Type` header, if any.
/// Never panics; bytes invalid in the chosen encoding become U+FFFD.
pub fn decode_html(bytes: &[u8], content_type: Option<&str>) -> (String, &'static str) {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let body = bytes.get(bom_len..).unwrap_or_default();
        return decode_with(encoding, body);
    }
    if let Some(encoding) = content_type.and_then(charset_from_content_type) {
        return decode_with(encoding, bytes);
    }
    if let Some(encoding) = charset_from_meta(bytes) {
        return decode_with(encoding, bytes);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return (text.to_owned(), UTF_8.name());
    }
    if mostly_utf8(bytes) {
        return decode_with(UTF_8, bytes);
    }
    // ISO-2022-JP is denied as browsers do: it can smuggle markup past
    // sanitisers. UTF-8 stays allowed so that mostly-UTF-8 pages with a few
    // broken bytes keep their text instead of turning into mojibake.
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    decode_with(detector.guess(None, Utf8Detection::Allow), bytes)
}

/// Whether bytes that are not valid UTF-8 are still UTF-8 with a few broken sequences: at
/// least one valid multi-byte character, and no more broken sequences than valid multi-byte
/// characters. Text in a legacy single-byte encoding fails this by far, since its high
/// bytes (accented letters, curly quotes) stand alone where UTF-8 needs a lead byte followed
/// by continuation bytes; a mix of both is decoded by whichever holds most of the text.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut valid, mut broken) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        broken += usize::from(!chunk.invalid().is_empty());
    }
    valid > 0 && broken <= valid
}

/// Decodes without BOM sniffing: the caller has already decided the encoding,
/// and a stray BOM-like prefix must not override that decision.
fn decode_with(encoding: &'static Encoding, bytes: &[u8]) -> (String, &'static str) {
    let (text, _had_errors) = encoding.decode_without_bom_handling(bytes);
    (text.into_owned(), encoding.name())
}

/// Extracts the encoding named by a `charset=` parameter in a header value
/// such as `text/html; charset="ISO-8859-1"`.
fn charset_from_content_type(content_type: &str) -> Option<&'static Encoding> {
    let label = charset_param(content_type.as_bytes())?;
    Encoding::for_label(label)
}

/// Finds the value after `charset` `=` in an attribute or header value,
/// stripping optional quotes. Works on bytes because the document's encoding
/// is still unknown; labels are ASCII anyway.
fn charset_param(s: &[u8]) -> Option<&[u8]> {
    let lower = s.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower.get(from..).and_then(|rest| find(rest, b"charset")) {
        let mut i = from + pos + b"charset".len();
        i = skip_ws(s, i);
        if s.get(i) != Some(&b'=') {
            from += pos + 1;
            continue;
        }
        i = skip_ws(s, i + 1);
        let quote = match s.get(i) {
            Some(&q @ (b'"' | b'\'')) => {
                i += 1;
                Some(q)
            }
            _ => None,
        };
        let start = i;
        while let Some(&b) = s.get(i) {
            let end = match quote {
                Some(q) => b == q,
                None => b.is_ascii_whitespace() || matches!(b, b';' | b'"' | b'\'' | b'>' | b'/'),
            };
            if end {
                break;
            }
            i += 1;
        }
        let label = s.get(start..i)?;
        return (!label.is_empty()).then_some(label);
    }
    None
}

/// Looks for a charset declaration in `<meta>` tags within the prescan window.
///
/// Simplified WHATWG prescan: attributes are tokenised properly (so a
/// `content="... charset=..."` on a description meta does not count), but
/// comments and other tags are skipped rather than tokenised, which is
/// enough for real pages where the declaration sits near the top of `<head>`.
fn charset_from_meta(bytes: &[u8]) -> Option<&'static Encoding> {
    let window = bytes.get(..META_PRESCAN_BYTES).unwrap_or(bytes);
    let lower = window.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower.get(from..).and_then(|rest| find(rest, b"<meta")) {
        let mut i = from + pos + b"<meta".len();
        // `<metadata>` and friends are other elements.
        if !lower
            .get(i)
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b'/')
        {
            from = i;
            continue;
        }
        let (mut charset, mut content, mut http_equiv_content_type) = (None, None, false);
        while let Some((name, value, next)) = next_attribute(&lower, i) {
            i = next;
            match name {
                b"charset" => charset = charset.or(Some(value)),
                b"content" => content = content.or(Some(value)),
                b"http-equiv" => http_equiv_content_type |= value == b"content-type",
                _ => {}
            }
        }
        let label = charset.or(content
            .filter(|_| http_equiv_content_type)
            .and_then(charset_param));
        if let Some(encoding) = label.and_then(Encoding::for_label) {
            return Some(meta_override(encoding));
        }
        from = i.max(from + pos + 1);
    }
    None
}

/// Reads one `name[=value]` attribute starting at `i`; `None` at the end of
/// the tag. Returns the name, the value (unquoted) and the next position.
fn next_attribute(s: &[u8], mut i: usize) -> Option<(&[u8], &[u8], usize)> {
    while s
        .get(i)
        .is_some_and(|b| b.is_ascii_whitespace() || *b == b'/')
    {
        i += 1;
    }
    if matches!(s.get(i), None | Some(b'>')) {
        return None;
    }
    let name_start = i;
    while s
        .get(i)
        .is_some_and(|b| !b.is_ascii_whitespace() && !matches!(b, b'=' | b'>' | b'/'))
    {
        i += 1;
    }
    // A stray '/' or '=' with no name: step over it so the caller advances.
    let name_end = i.max(name_start + 1);
    let name = s.get(name_start..i)?;
    i = skip_ws(s, name_end);
    if s.get(i) != Some(&b'=') {
        return Some((name, &[], i));
    }
    i = skip_ws(s, i + 1);
    let (value_start, value_end, next) = match s.get(i) {
        Some(&q @ (b'"' | b'\'')) => {
            let start = i + 1;
            let len = s
                .get(start..)
                .map_or(0, |rest| rest.iter().take_while(|&&b| b != q).count());
            (start, start + len, start + len + 1)
        }
        _ => {
            let len = s.get(i..).map_or(0, |rest| {
                rest.iter()
                    .take_while(|&&b| !b.is_ascii_whitespace() && b != b'>')
                    .count()
            });
            (i, i + len, i + len)
        }
    };
    Some((
        name,
        s.get(value_start..value_end).unwrap_or_default(),
        next,
    ))
}

/// A `<meta>` that can be read as ASCII cannot be in UTF-16, and
/// x-user-defined is a binary-data hack: the HTML spec maps both.
fn meta_override(encoding: &'static Encoding) -> &'static Encoding {
    if encoding == UTF_16LE || encoding == UTF_16BE {
        UTF_8
    } else if encoding == X_USER_DEFINED {
        WINDOWS_1252
    } else {
        encoding
    }
}

fn skip_ws(s: &[u8], mut i: usize) -> usize {
    while s.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_without_declaration_is_detected() {
        // "Café crème brûlée à l'été" in windows-1252 (invalid as UTF-8).
        let body = b"<html><head><title>Menu</title></head><body><p>Caf\xe9 cr\xe8me br\xfbl\xe9e \xe0 l'\xe9t\xe9, \x93quoted\x94 \x96 d\xe9j\xe0 vu.</p></body></html>";
        let (text, name) = decode_html(body, None);
        assert_eq!(name, "windows-1252");
        assert!(text.contains("Café crème brûlée à l'été"), "{text}");
        assert!(text.contains("\u{201c}quoted\u{201d} \u{2013} déjà"));
    }

    #[test]
    fn invalid_utf8_in_one_place_keeps_the_rest_utf8() {
        // A UTF-8 text, one byte of which is broken: the dashes and accents stay as written.
        let mut body = "Bamako — Les forces armées ont repoussé l'attaque — selon l'état-major. "
            .repeat(3)
            .into_bytes();
        body.insert(40, 0xE9);
        for format in [&body[..], &[b"<p>", &body[..], b"</p>"].concat()] {
            let (text, name) = decode_html(format, None);
            assert_eq!(name, "UTF-8");
            assert_eq!(text.matches('—').count(), 6, "{text}");
            assert_eq!(text.matches('\u{FFFD}').count(), 1, "{text}");
            assert!(!text.contains("â€"), "{text}");
        }
    }

    #[test]
    fn which_encoding_the_bytes_say() {
        // (bytes, declared Content-Type, expected encoding): a table of who wins.
        let utf8_with_a_flaw = b"caf\xc3\xa9 cr\xc3\xa8me \xe2\x80\x94 na\xefve";
        let cp1252 = b"caf\xe9 cr\xe8me \x97 na\xefve, d\xe9j\xe0 \x93vu\x94";
        // windows-1252 text where one pair happens to be valid UTF-8 ("\xc9\xa0", "É" and a
        // no-break space, reads as "ɠ").
        let cp1252_with_a_valid_pair =
            b"\xc9\xa0Bamako, l'\xe9t\xe9 : le caf\xe9 co\xfbte d\xe9j\xe0 cher, \xab dit-il \xbb.";
        let cases: [(&[u8], Option<&str>, &str); 6] = [
            (utf8_with_a_flaw, None, "UTF-8"),
            (cp1252, None, "windows-1252"),
            (cp1252_with_a_valid_pair, None, "windows-1252"),
            // A declaration is believed, whatever the bytes.
            (
                utf8_with_a_flaw,
                Some("text/plain; charset=windows-1252"),
                "windows-1252",
            ),
            (
                &[b"<meta charset=latin1>", &utf8_with_a_flaw[..]].concat(),
                None,
                "windows-1252",
            ),
            (
                &[b"<meta charset=utf-8>", &cp1252[..]].concat(),
                None,
                "UTF-8",
            ),
        ];
        for (bytes, content_type, want) in cases {
            let shown = String::from_utf8_lossy(bytes);
            assert_eq!(decode_html(bytes, content_type).1, want, "{shown}");
        }
    }

    #[test]
    fn iso_8859_1_declared_in_meta() {
        let body = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-1\"></head><body>na\xefve</body></html>";
        let (text, name) = decode_html(body, None);
        // The Encoding Standard maps ISO-8859-1 to its superset windows-1252.
        assert_eq!(name, "windows-1252");
        assert!(text.contains("naïve"));

        let short = b"<meta charset='latin1'><p>\xe9";
        assert_eq!(
            decode_html(short, None),
            ("<meta charset='latin1'><p>é".into(), "windows-1252")
        );
    }

    #[test]
    fn meta_other_than_charset_is_ignored() {
        let body = "<meta name=\"description\" content=\"about charset=koi8-r\"><p>héllo</p>";
        assert_eq!(decode_html(body.as_bytes(), None), (body.into(), "UTF-8"));
    }

    #[test]
    fn utf8_bom_wins_over_declarations() {
        let mut body = vec![0xEF, 0xBB, 0xBF];
        body.extend_from_slice("<meta charset=\"windows-1251\"><p>Привет</p>".as_bytes());
        let (text, name) = decode_html(&body, Some("text/html; charset=iso-8859-2"));
        assert_eq!(name, "UTF-8");
        assert_eq!(text, "<meta charset=\"windows-1251\"><p>Привет</p>");
    }

    #[test]
    fn utf16_boms() {
        let src = "<p>Grüße €</p>";
        let mut le = vec![0xFF, 0xFE];
        le.extend(src.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode_html(&le, None), (src.into(), "UTF-16LE"));

        let mut be = vec![0xFE, 0xFF];
        be.extend(src.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode_html(&be, None), (src.into(), "UTF-16BE"));
    }

    #[test]
    fn header_charset_beats_meta() {
        let body = b"<meta charset=utf-8><p>\xc0\xe1\xe2</p>";
        let (text, name) = decode_html(body, Some("text/html;charset=\"windows-1251\""));
        assert_eq!(name, "windows-1251");
        assert!(text.contains("Абв"));
    }

    #[test]
    fn unknown_header_label_falls_through() {
        let (text, name) = decode_html("é".as_bytes(), Some("text/html; charset=bogus"));
        assert_eq!((text.as_str(), name), ("é", "UTF-8"));
    }

    #[test]
    fn only_real_meta_elements_count() {
        let body = b"<metadata charset=koi8-r></metadata><meta charset=iso-8859-7><p>\xe1";
        assert_eq!(decode_html(body, None).1, "ISO-8859-7");
    }

    #[test]
    fn meta_utf16_means_utf8() {
        let body = "<meta charset=\"utf-16\"><p>ok é</p>";
        assert_eq!(decode_html(body.as_bytes(), None).1, "UTF-8");
    }

    #[test]
    fn invalid_bytes_become_replacement_characters() {
        let body = b"<meta charset=utf-8><p>a\xff\xfeb\xc3</p>";
        let (text, name) = decode_html(body, None);
        assert_eq!(name, "UTF-8");
        assert!(text.contains("a\u{FFFD}\u{FFFD}b\u{FFFD}"));
    }

    #[test]
    fn never_panics_on_odd_input() {
        for input in [
            &b""[..],
            b"\xEF\xBB",
            b"\xFF\xFE\x00",
            b"<meta",
            b"<meta charset",
            b"<meta charset=",
            b"<meta charset=\"",
            b"<META CHARSET = 'SHIFT_JIS' ",
        ] {
            let _ = decode_html(input, Some("charset="));
            let _ = decode_html(input, Some(";;charset=\""));
        }
        let noise: Vec<u8> = (0..50_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let (text, _) = decode_html(&noise, None);
        assert!(!text.is_empty());
    }
}
