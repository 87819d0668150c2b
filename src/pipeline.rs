//! The pure stages chained: extract → tag → claims, for one document.
//!
//! No IO here either: fetchers hand in [`RawDocument`]s, the store takes [`Analysis`]es. A
//! [`Pipeline`] borrows one pattern set and can be shared by worker threads.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use serde::Serialize;

use crate::claims;
use crate::extract::{self, ExtractError, RawDocument};
use crate::model::{Claim, Document, Mention, PatternVersion, RoadEntity};
use crate::patterns::PatternSet;
use crate::syntax::{self, Lang, Model};
use crate::tag::{TagError, Tagger};

/// What sitrep makes of one document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub document: Document,
    /// The pattern set that produced the mentions and claims.
    pub pattern_version: PatternVersion,
    pub mentions: Vec<Mention>,
    pub claims: Vec<Claim>,
    /// Roads named by their endpoints that the pattern set does not list: the store adds
    /// them to its entities.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roads: Vec<RoadEntity>,
}

/// Why one document yielded no analysis.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error(transparent)]
    Extract(#[from] ExtractError),
    /// A bug in sitrep, never expected: caught so that one document cannot stop a batch.
    #[error("internal error while processing this document (please report it)")]
    Panic,
}

/// Extraction, tagging, parsing and claims for one pattern set.
#[derive(Debug)]
pub struct Pipeline<'p> {
    tagger: Tagger<'p>,
    /// The built-in syntax models, decoded the first time a document of their language
    /// needs one, so that commands that never parse do not pay for them.
    english: OnceLock<Option<Model>>,
    french: OnceLock<Option<Model>>,
}

impl<'p> Pipeline<'p> {
    pub fn new(patterns: &'p PatternSet) -> Result<Self, TagError> {
        Ok(Self {
            tagger: Tagger::new(patterns)?,
            english: OnceLock::new(),
            french: OnceLock::new(),
        })
    }

    /// The syntax model for a document's language; `None` for other languages, and if the
    /// built-in model cannot be decoded (then roles come from word order, as documented).
    fn syntax(&self, document: &Document) -> Option<&Model> {
        // Without a declared or reliably detected language, the detector's best guess
        // still picks the better of two parsers.
        let guessed;
        let language = match &document.language {
            Some(l) => l,
            None => {
                guessed = extract::guess_language(&document.text, false)?;
                &guessed
            }
        };
        let lang = match language.as_str() {
            "en" => Lang::En,
            "fr" => Lang::Fr,
            _ => return None,
        };
        let cell = match lang {
            Lang::En => &self.english,
            Lang::Fr => &self.french,
        };
        cell.get_or_init(|| match syntax::builtin(lang) {
            Ok(m) => Some(m),
            Err(e) => {
                tracing::warn!(
                    "no {} syntax model ({e}): roles from word order",
                    lang.as_str()
                );
                None
            }
        })
        .as_ref()
    }

    pub fn patterns(&self) -> &'p PatternSet {
        self.tagger.patterns()
    }

    /// Runs every stage on one raw document.
    pub fn process(&self, raw: &RawDocument) -> Result<Analysis, ExtractError> {
        let document = extract::extract(raw, &self.patterns().lexicon)?;
        Ok(self.analyze(document))
    }

    /// [`process`](Self::process), with a panic turned into an error for this document only:
    /// what batch callers use, so one bad input is counted instead of stopping the batch.
    pub fn process_isolated(&self, raw: &RawDocument) -> Result<Analysis, ProcessError> {
        catch_unwind(AssertUnwindSafe(|| self.process(raw)))
            .map_err(|_| ProcessError::Panic)?
            .map_err(ProcessError::from)
    }

    /// [`analyze`](Self::analyze), with a panic turned into an error.
    pub fn analyze_isolated(&self, document: Document) -> Result<Analysis, ProcessError> {
        catch_unwind(AssertUnwindSafe(|| self.analyze(document))).map_err(|_| ProcessError::Panic)
    }

    /// Tags an already extracted document and reads its claims.
    pub fn analyze(&self, document: Document) -> Analysis {
        let tags = self.tagger.tag(&document.text);
        let claims = claims::extract(&document, &tags, self.patterns(), self.syntax(&document));
        // "la route Bougouni-Bamako" names a road: its end towns locate claims, but the
        // article does not mention them as places of their own. Mentions come sorted by
        // start, so one running maximum of the roads' ends tells whether a road started
        // before a mention reaches past it: linear, however many roads a text names.
        let mut road_reach = 0;
        let mentions = tags
            .mentions
            .into_iter()
            .filter(|m| {
                let inside = m.span.end <= road_reach;
                if m.via == crate::model::MentionVia::Endpoints {
                    road_reach = road_reach.max(m.span.end);
                }
                !(m.modifier && m.kind.is_place() && inside)
            })
            .collect();
        Analysis {
            document,
            pattern_version: self.patterns().version.clone(),
            mentions,
            claims,
            roads: tags.roads,
        }
    }
}
