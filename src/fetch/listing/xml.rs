//! The XML walker shared by the sitemap parser and the feed completeness check: it streams a
//! document's elements and text with quick-xml, insists that the document be well-formed (one
//! root, every element closed, nothing cut off, bounded nesting), and strips XML declarations
//! from text that has already been decoded to UTF-8.

use std::sync::LazyLock;

use quick_xml::Reader;
use quick_xml::events::{BytesRef, Event};
use regex::Regex;

/// Deeper nesting than this is no feed or sitemap; refusing it bounds memory on hostile input.
const MAX_DEPTH: usize = 256;

// Declarations are removed once the text is UTF-8: feed-rs would re-decode it by their
// encoding (and panics on one found after its first few KiB).
pub(super) static XML_DECLARATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<\?xml(?:\s.*?)?\?>").expect("valid regex"));

/// One step of [`walk`]: an element opening (its local name) or closing, or character data.
pub(super) enum Node<'a> {
    Open(&'a str),
    Close,
    Text(&'a str),
}

/// Streams `text` as XML to `visit` with the local names of the open elements, checking that
/// it is well-formed: one root, every element closed, nothing cut off.
pub(super) fn walk(
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
