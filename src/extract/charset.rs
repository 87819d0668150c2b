//! Placeholder until the charset module lands.
pub fn decode_html(bytes: &[u8], _content_type: Option<&str>) -> (String, &'static str) {
    (String::from_utf8_lossy(bytes).into_owned(), "UTF-8")
}
