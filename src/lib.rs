//! # sitrep
//!
//! News ingestion and claim extraction for conflict and security analysts. Articles flow one
//! way through stages, each in its own module:
//!
//! [`fetch`] (files, feeds, sitemaps, web pages) → [`extract`] (main text and metadata) →
//! [`tag`] (entities, places, roads, cues, from `patterns/`) → [`claims`] (who did what to
//! whom, where, when, according to whom) → [`store`] (SQLite).
//!
//! `extract`, `tag` and `claims` are pure functions of their input, chained by [`pipeline`];
//! only [`fetch`] and [`store`] touch the disk or the network, and [`crawl`] joins them for
//! the scheduled ingestion pass. What sitrep knows about the world lives in the pattern files
//! ([`patterns`]), not in code.
//!
//! ```
//! use sitrep::model::{DocFormat, Predicate, SourceMeta};
//! use sitrep::extract::{Overrides, RawDocument};
//! use sitrep::patterns::PatternSet;
//! use sitrep::pipeline::Pipeline;
//!
//! let patterns = PatternSet::embedded().expect("the shipped patterns load");
//! let pipeline = Pipeline::new(&patterns).expect("the automaton builds");
//! let raw = RawDocument {
//!     bytes: b"Date: 2025-12-04\nJNIM fighters ambushed a FAMa convoy near Kayes on Tuesday.".to_vec(),
//!     format: DocFormat::Text,
//!     content_type: None,
//!     source: SourceMeta::default(),
//!     overrides: Overrides::default(),
//! };
//! let analysis = pipeline.process(&raw).expect("a readable document");
//! let attack = analysis.claims.iter().find(|c| c.predicate == Predicate::Attack).unwrap();
//! assert_eq!(attack.subject.as_ref().and_then(|s| s.entity()).unwrap().as_str(), "jnim");
//! assert_eq!(attack.time.as_ref().unwrap().value.as_deref(), Some("2025-12-02"));
//! ```

pub mod claims;
pub mod crawl;
pub mod extract;
pub mod fetch;
pub mod model;
pub mod patterns;
pub mod pipeline;
pub mod reprocess;
pub mod store;
pub mod syntax;
pub mod tag;
