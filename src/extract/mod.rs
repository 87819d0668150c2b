//! Extraction: raw bytes in, a [`Document`] out (main text, title, byline, date, language).
//!
//! Pure: the caller (a fetcher) supplies the bytes and what it knows about them; metadata the
//! page lacks can be supplied as [`Overrides`] (from a sidecar file or CLI flags), which win
//! over what extraction finds.

pub mod charset;
pub mod clutter;
pub mod html;
pub mod text;

use chrono::NaiveDate;

use crate::model::{DocFormat, Document, Language, SourceMeta};
use crate::patterns::Lexicon;

/// Version of the extraction stage, stamped on stored articles.
pub const VERSION: &str = concat!("sitrep-extract-", env!("CARGO_PKG_VERSION"));

/// Metadata supplied by the user, overriding what extraction finds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub published: Option<NaiveDate>,
    pub title: Option<String>,
    pub language: Option<Language>,
    pub source_url: Option<String>,
}

/// A document as fetched: bytes plus what the fetcher knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawDocument {
    pub bytes: Vec<u8>,
    pub format: DocFormat,
    /// The `Content-Type` header, when fetched over HTTP.
    pub content_type: Option<String>,
    pub source: SourceMeta,
    pub overrides: Overrides,
}

/// Why a document yielded no article.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("binary content, not a text or HTML document")]
    Binary,
    #[error("no text left after extraction")]
    Empty,
    #[error(transparent)]
    Html(#[from] html::HtmlError),
}

/// Extracts the article from a raw document.
pub fn extract(raw: &RawDocument, lexicon: &Lexicon) -> Result<Document, ExtractError> {
    let head = &raw.bytes[..raw.bytes.len().min(8192)];
    let utf16 = head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]);
    if !utf16 && head.contains(&0) {
        return Err(ExtractError::Binary);
    }
    let (decoded, _encoding) = charset::decode_html(&raw.bytes, raw.content_type.as_deref());
    let mut doc = match raw.format {
        DocFormat::Text => {
            let art = text::parse(&decoded, lexicon);
            Document {
                format: DocFormat::Text,
                title: art.title,
                byline: art.byline,
                published: art.published,
                language: None,
                dateline: None,
                text: art.body,
                source: raw.source.clone(),
            }
        }
        DocFormat::Html => {
            let art =
                html::extract_html(&decoded, raw.source.url.as_deref(), &lexicon.byline_labels)?;
            Document {
                format: DocFormat::Html,
                title: art.title,
                byline: art.byline,
                published: art.published,
                language: art.language.as_deref().and_then(|l| Language::new(l).ok()),
                dateline: None,
                text: art.text,
                source: raw.source.clone(),
            }
        }
    };
    if doc.text.trim().is_empty() {
        return Err(ExtractError::Empty);
    }
    doc.dateline = text::dateline(&doc.text);
    doc.language = detect_language(&doc.text).or(doc.language);
    let o = &raw.overrides;
    doc.published = o.published.or(doc.published);
    doc.title = o.title.clone().or(doc.title);
    doc.language = o.language.clone().or(doc.language);
    if o.source_url.is_some() {
        doc.source.url = o.source_url.clone();
    }
    Ok(doc)
}

/// The text's language when the detector is confident; pages often declare the wrong one.
fn detect_language(text: &str) -> Option<Language> {
    guess_language(text, true)
}

/// The detector's verdict on the start of a text; `reliable`: only a confident one.
pub(crate) fn guess_language(text: &str, reliable: bool) -> Option<Language> {
    let sample: String = text.chars().take(4000).collect();
    let info = whatlang::detect(&sample).filter(|i| !reliable || i.is_reliable())?;
    let code = match info.lang() {
        whatlang::Lang::Eng => "en",
        whatlang::Lang::Fra => "fr",
        whatlang::Lang::Spa => "es",
        whatlang::Lang::Por => "pt",
        whatlang::Lang::Deu => "de",
        whatlang::Lang::Ita => "it",
        whatlang::Lang::Ara => "ar",
        whatlang::Lang::Rus => "ru",
        other => other.code(),
    };
    Language::new(code).ok()
}
