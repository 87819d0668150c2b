//! Turning a listing body's bytes into UTF-8 text: a byte-order mark wins, then the HTTP
//! charset, then UTF-16 recognized by its zero bytes, then the XML declaration's encoding, else
//! UTF-8. Labels that cannot be true of the body are ignored, and undecodable bytes are
//! replaced, so the parsers only ever see UTF-8.

use std::sync::LazyLock;

use encoding_rs::{Encoding, REPLACEMENT, UTF_8, UTF_16BE, UTF_16LE};

/// The body as UTF-8, undecodable bytes replaced.
pub(super) fn decode(bytes: &[u8], content_type: Option<&str>) -> String {
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
