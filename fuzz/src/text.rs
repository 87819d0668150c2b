//! `extract` (bytes to article) and `tag_claims` (text to mentions and claims), with the
//! shipped pattern set and syntax models, loaded once per process.

use std::sync::OnceLock;

use chrono::NaiveDate;
use sitrep::extract::{Overrides, RawDocument};
use sitrep::model::{DocFormat, Document, Language, SourceMeta};
use sitrep::patterns::PatternSet;
use sitrep::syntax::{Lang, Model};
use sitrep::tag::Tagger;

use super::check_span;

/// The `Content-Type` headers the `extract` selector chooses from.
const CONTENT_TYPES: [Option<&str>; 4] = [
    None,
    Some("text/html; charset=utf-8"),
    Some("text/html; charset=windows-1252"),
    Some("text/plain; charset=bogus"),
];

/// The shipped pattern set, parsed once.
pub(crate) fn shipped() -> &'static PatternSet {
    static SET: OnceLock<PatternSet> = OnceLock::new();
    SET.get_or_init(|| PatternSet::embedded().expect("the shipped patterns load"))
}

fn tagger() -> &'static Tagger<'static> {
    static TAGGER: OnceLock<Tagger<'static>> = OnceLock::new();
    TAGGER.get_or_init(|| Tagger::new(shipped()).expect("the shipped tagger builds"))
}

/// The shipped syntax model of `lang`, decoded once.
pub(crate) fn model(lang: Lang) -> &'static Model {
    static EN: OnceLock<Model> = OnceLock::new();
    static FR: OnceLock<Model> = OnceLock::new();
    let cell = match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    };
    cell.get_or_init(|| sitrep::syntax::builtin(lang).expect("the shipped model decodes"))
}

/// An `extract` input: a selector byte (format, `Content-Type`, whether a URL is known), then
/// the document's bytes.
pub fn extract_input(
    format: DocFormat,
    content_type: usize,
    with_url: bool,
    doc: &[u8],
) -> Vec<u8> {
    let selector = u8::from(format == DocFormat::Html)
        | ((content_type % CONTENT_TYPES.len()) as u8) << 1
        | u8::from(with_url) << 3;
    let mut out = vec![selector];
    out.extend_from_slice(doc);
    out
}

/// Extraction never panics; an article it returns has text, and its dateline lies in it.
pub fn extract(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let raw = RawDocument {
        bytes: bytes.to_vec(),
        format: if selector & 1 == 1 {
            DocFormat::Html
        } else {
            DocFormat::Text
        },
        content_type: CONTENT_TYPES[usize::from(selector >> 1) & 3].map(str::to_string),
        source: SourceMeta {
            url: (selector & 8 != 0).then(|| "https://example.org/news/2025/a.html".to_string()),
            path: None,
        },
        overrides: Overrides::default(),
    };
    let Ok(doc) = sitrep::extract::extract(&raw, &shipped().lexicon) else {
        return;
    };
    assert!(!doc.text.trim().is_empty(), "an article without text");
    if let Some(d) = &doc.dateline {
        check_span(&doc.text, d.span, "dateline");
    }
}

/// A `tag_claims` input: a selector byte (declared language, publication date), then the
/// text.
pub fn tag_claims_input(language: Option<&str>, dated: bool, text: &str) -> Vec<u8> {
    let lang = match language {
        Some("en") => 1,
        Some("fr") => 2,
        _ => 0,
    };
    let mut out = vec![lang | u8::from(dated) << 2];
    out.extend_from_slice(text.as_bytes());
    out
}

/// Tagging and claims never panic, and every span they return lies in the text, on
/// character boundaries; tags come in text order.
pub fn tag_claims(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(bytes).into_owned();
    let (language, syntax) = match selector & 3 {
        1 => (Some("en"), Some(model(Lang::En))),
        2 => (Some("fr"), Some(model(Lang::Fr))),
        _ => (None, None),
    };
    let doc = Document {
        format: DocFormat::Text,
        title: None,
        byline: None,
        published: (selector & 4 != 0).then(|| NaiveDate::from_ymd_opt(2025, 12, 4).unwrap()),
        language: language.map(|l| Language::new(l).unwrap()),
        dateline: sitrep::extract::text::dateline(&text),
        text,
        source: SourceMeta::default(),
    };
    check_analysis(tagger(), &doc, syntax);
}

/// Tags and reads the claims of `doc` with `tagger`, and checks every span.
pub(crate) fn check_analysis(tagger: &Tagger<'_>, doc: &Document, syntax: Option<&Model>) {
    let text = doc.text.as_str();
    if let Some(d) = &doc.dateline {
        check_span(text, d.span, "dateline");
    }
    let tags = tagger.tag(text);
    for m in &tags.mentions {
        check_span(text, m.span, "mention");
    }
    for c in &tags.cues {
        check_span(text, c.span, "cue");
    }
    for u in &tags.unnamed {
        check_span(text, u.span, "unnamed actor");
    }
    let starts: Vec<usize> = tags.mentions.iter().map(|m| m.span.start).collect();
    assert!(starts.is_sorted(), "mentions out of text order: {starts:?}");
    let claims = sitrep::claims::extract(doc, &tags, tagger.patterns(), syntax);
    for c in &claims {
        check_span(text, c.evidence.sentence, "claim sentence");
        check_span(text, c.evidence.trigger, "claim trigger");
        if let Some(span) = c.time.as_ref().and_then(|t| t.span) {
            check_span(text, span, "claim time");
        }
    }
}
