//! Scheduled ingestion: one pass over the sources that are due, then the pipeline over the
//! article pages they listed. This is where fetching, the pure stages and the store meet.
//!
//! Network work runs on a small tokio runtime; everything it produces comes back over a
//! bounded channel to the calling thread, the single writer, which runs the pipeline and
//! writes each poll and each page in its own transaction. A run killed at any point leaves
//! whole steps; pages listed but not fetched yet stay `pending` for the next run.

pub mod schedule;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use tracing::{debug, error, warn};
use url::Url;

use crate::extract::{Overrides, RawDocument};
use crate::fetch::canon;
use crate::fetch::http::{Client, HttpConfig, HttpError, Outcome, Purpose, Response, Validators};
use crate::fetch::listing::{self, Listing, ListingError, SourceKind};
use crate::fetch::sources::Source;
use crate::model::{DocFormat, Language, SourceMeta};
use crate::pipeline::Pipeline;
use crate::store::{
    ItemId, ItemState, NewItem, PageOutcome, PageRecord, PendingItem, PollRecord, RawPage, RunId,
    RunStats, SourceState, Store, StoreError, Stored,
};

/// Child sitemaps followed from one sitemap index.
const MAX_CHILD_SITEMAPS: usize = 100;
/// Results in flight between the network tasks and the writer.
const CHANNEL: usize = 64;

/// Why a run could not go on (a failing source or page is not one: it is counted).
#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error("starting the network runtime: {0}")]
    Runtime(std::io::Error),
}

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    pub stats: RunStats,
    /// Article URLs newly found in listings.
    pub new_items: u64,
    pub sources_failed: u64,
    pub pages_failed: u64,
    /// Pages not fetched on purpose (robots.txt, SSRF guard).
    pub pages_skipped: u64,
}

impl Report {
    pub fn any_failed(&self) -> bool {
        self.sources_failed > 0 || self.pages_failed > 0
    }
}

/// A listing poll as it comes back from the network.
enum Polled {
    NotModified {
        validators: Validators,
        status: u16,
    },
    Changed {
        validators: Validators,
        listing: Listing,
        status: u16,
    },
}

#[derive(Debug, thiserror::Error)]
enum PollError {
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error("{0}")]
    Listing(#[from] ListingError),
}

/// Fetches and stores, with one HTTP client and runtime for the whole run.
pub struct Crawler<'a> {
    client: Arc<Client>,
    pipeline: &'a Pipeline<'a>,
    runtime: tokio::runtime::Runtime,
}

impl<'a> Crawler<'a> {
    pub fn new(http: HttpConfig, pipeline: &'a Pipeline<'a>) -> Result<Self, CrawlError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(CrawlError::Runtime)?;
        // reqwest's resolver and connector must be created inside a runtime.
        let client = {
            let _guard = runtime.enter();
            Arc::new(Client::new(http)?)
        };
        Ok(Self {
            client,
            pipeline,
            runtime,
        })
    }

    /// HTTP requests sent so far.
    pub fn requests(&self) -> u64 {
        self.client.requests()
    }

    /// Polls the due sources (all enabled ones with `force`) and records what they list.
    pub fn poll(
        &self,
        store: &mut Store,
        sources: &[Source],
        force: bool,
        report: &mut Report,
    ) -> Result<(), CrawlError> {
        let now = Utc::now();
        let states: HashMap<String, SourceState> = store
            .source_states()?
            .into_iter()
            .map(|s| (s.url.clone(), s))
            .collect();
        let (tx, mut rx) = tokio::sync::mpsc::channel(CHANNEL);
        let mut due = Vec::new();
        for source in sources {
            let state = states.get(source.url.as_str());
            if !schedule::is_due(source, state, now, force) {
                continue;
            }
            let id = store.source_id(source.url.as_str(), &source.name, source.kind.as_str())?;
            let validators = state
                .map(|s| Validators {
                    etag: s.etag.clone(),
                    last_modified: s.last_modified.clone(),
                    body_hash: s.body_hash.clone(),
                })
                .unwrap_or_default();
            let (client, tx, index) = (self.client.clone(), tx.clone(), due.len());
            let (url, kind) = (source.url.clone(), source.kind);
            self.runtime.spawn(async move {
                let result = poll_one(&client, &url, kind, &validators).await;
                let _ = tx.send((index, result)).await;
            });
            due.push((source, id, state.cloned().unwrap_or_default()));
        }
        drop(tx);
        while let Some((index, result)) = rx.blocking_recv() {
            let (source, id, state) = &due[index];
            report.stats.polled += 1;
            let record = self.poll_record(source, state, result, report);
            let added = store.record_poll(*id, &record)?;
            report.new_items += added as u64;
            if added > 0 {
                debug!(source = %source.name, new_items = added, "new items listed");
            }
        }
        Ok(())
    }

    fn poll_record(
        &self,
        source: &Source,
        state: &SourceState,
        result: Result<Polled, PollError>,
        report: &mut Report,
    ) -> PollRecord {
        let now = Utc::now();
        let mut record = PollRecord {
            polled_at: now,
            status: None,
            error: None,
            etag: None,
            last_modified: None,
            body_hash: None,
            failures: 0,
            failing_since: None,
            next_poll_at: schedule::next_after_success(source, now),
            disabled_reason: None,
            items: Vec::new(),
        };
        let keep = |v: Validators, record: &mut PollRecord| {
            record.etag = v.etag;
            record.last_modified = v.last_modified;
            record.body_hash = v.body_hash;
        };
        match result {
            Ok(Polled::NotModified { validators, status }) => {
                report.stats.unchanged += 1;
                record.status = Some(status);
                keep(validators, &mut record);
                debug!(source = %source.name, url = %source.url, status, "not modified");
            }
            Ok(Polled::Changed {
                validators,
                listing,
                status,
            }) => {
                report.stats.updated += 1;
                record.status = Some(status);
                keep(validators, &mut record);
                if listing.skipped > 0 {
                    debug!(source = %source.name, skipped = listing.skipped, "listing entries without a usable link");
                }
                record.items = listing
                    .items
                    .into_iter()
                    .map(|item| NewItem {
                        url: canon::canonicalize(&item.url).to_string(),
                        guid: item.guid,
                        title: item.title,
                        published: item.published,
                        language: item
                            .language
                            .or_else(|| source.language.as_ref().map(|l| l.as_str().to_string())),
                    })
                    .collect();
                debug!(source = %source.name, url = %source.url, format = listing.format.as_str(), items = record.items.len(), "listing changed");
            }
            Err(e) => {
                report.sources_failed += 1;
                let (status, retry_after) = match &e {
                    PollError::Http(h) => (h.status(), h.retry_after()),
                    PollError::Listing(_) => (None, None),
                };
                record.status = status;
                record.error = Some(e.to_string());
                record.failures = state.failures + 1;
                record.failing_since = Some(state.failing_since.unwrap_or(now));
                record.next_poll_at = schedule::next_after_failure(
                    source,
                    record.failures,
                    retry_after,
                    now,
                    fastrand::f64(),
                );
                if status == Some(410) {
                    record.disabled_reason = Some("410 Gone".into());
                    error!(source = %source.name, url = %source.url, "source is gone (HTTP 410) and is disabled; remove it or re-add it");
                } else if schedule::is_persistent(record.failures, record.failing_since, now) {
                    error!(source = %source.name, url = %source.url, error = %e, failures = record.failures,
                        failing_since = %record.failing_since.unwrap_or(now).to_rfc3339(), next_poll = %record.next_poll_at.to_rfc3339(),
                        "source keeps failing");
                } else {
                    warn!(source = %source.name, url = %source.url, error = %e, failures = record.failures,
                        next_poll = %record.next_poll_at.to_rfc3339(), "source failed");
                }
            }
        }
        record
    }

    /// Fetches the pending article pages (only those in `only` when given), runs the
    /// pipeline on each and stores the result.
    pub fn fetch_pages(
        &self,
        store: &mut Store,
        only: Option<&[ItemId]>,
        max: usize,
        run: Option<RunId>,
        report: &mut Report,
    ) -> Result<(), CrawlError> {
        let items = store.pending_items(Utc::now(), only, max)?;
        let (tx, mut rx) = tokio::sync::mpsc::channel(CHANNEL);
        for item in items {
            let (client, tx) = (self.client.clone(), tx.clone());
            self.runtime.spawn(async move {
                let result = match Url::parse(&item.url) {
                    Ok(url) => {
                        client
                            .get(&url, &Validators::default(), Purpose::Page)
                            .await
                    }
                    Err(e) => Err(HttpError::Scheme {
                        url: format!("{} ({e})", item.url),
                    }),
                };
                let _ = tx.send((item, result)).await;
            });
        }
        drop(tx);
        while let Some((item, result)) = rx.blocking_recv() {
            report.stats.inputs += 1;
            match result {
                Ok(Outcome::Body(response)) => {
                    self.store_page(store, &item, *response, run, report)?
                }
                Ok(Outcome::NotModified { .. }) => {
                    let record = PageRecord::Failed {
                        error: "304 to an unconditional request".into(),
                        state: ItemState::Failed,
                        retry_at: None,
                    };
                    report.pages_failed += 1;
                    store.record_page(item.id, &record, run)?;
                }
                Err(e) => {
                    let record = self.page_failure(&item, &e, report);
                    store.record_page(item.id, &record, run)?;
                }
            }
        }
        Ok(())
    }

    fn page_failure(
        &self,
        item: &PendingItem,
        e: &HttpError,
        report: &mut Report,
    ) -> PageRecord<'static> {
        let (state, retry_at) = match e {
            HttpError::Robots { .. } => {
                report.pages_skipped += 1;
                debug!(url = %item.url, "page disallowed by robots.txt; skipped");
                (ItemState::Skipped, None)
            }
            HttpError::Refused { .. } => {
                report.pages_skipped += 1;
                warn!(url = %item.url, error = %e, "page refused by the SSRF guard; skipped");
                (ItemState::Skipped, None)
            }
            _ => {
                report.pages_failed += 1;
                let retry = e
                    .is_transient()
                    .then(|| {
                        schedule::page_retry(
                            item.attempts + 1,
                            e.retry_after(),
                            Utc::now(),
                            fastrand::f64(),
                        )
                    })
                    .flatten();
                warn!(url = %item.url, error = %e, retry_at = retry.map(|t| t.to_rfc3339()), "page failed");
                (
                    if retry.is_some() {
                        ItemState::Pending
                    } else {
                        ItemState::Failed
                    },
                    retry,
                )
            }
        };
        PageRecord::Failed {
            error: e.to_string(),
            state,
            retry_at,
        }
    }

    fn store_page(
        &self,
        store: &mut Store,
        item: &PendingItem,
        response: Response,
        run: Option<RunId>,
        report: &mut Report,
    ) -> Result<(), CrawlError> {
        let Response {
            url,
            final_url,
            status,
            headers,
            content_type,
            body,
            fetched_at,
            validators,
        } = response;
        let format = match content_type
            .as_deref()
            .map(|c| c.trim_start().to_ascii_lowercase())
        {
            Some(c) if c.starts_with("text/plain") => DocFormat::Text,
            _ => DocFormat::Html,
        };
        let canonical = (format == DocFormat::Html)
            .then(|| canon::link_canonical(&body, &final_url))
            .flatten();
        let mut urls: Vec<(String, &'static str)> = Vec::new();
        for (u, kind) in [
            (canonical.map(|u| u.to_string()), "canonical"),
            (Some(item.url.clone()), "listed"),
            (Some(canon::canonicalize(&final_url).to_string()), "fetched"),
        ] {
            if let Some(u) = u
                && !urls.iter().any(|(seen, _)| *seen == u)
            {
                urls.push((u, kind));
            }
        }
        let raw_doc = RawDocument {
            bytes: body,
            format,
            content_type: content_type.clone(),
            source: SourceMeta {
                url: urls.first().map(|(u, _)| u.clone()),
                path: None,
            },
            overrides: Overrides {
                published: item.published.map(|p| p.date_naive()),
                language: item.language.as_deref().and_then(|l| Language::new(l).ok()),
                ..Overrides::default()
            },
        };
        let analysis = self
            .pipeline
            .process_isolated(&raw_doc)
            .map_err(|e| e.to_string());
        let record = PageRecord::Fetched {
            raw: RawPage {
                url: url.as_str(),
                final_url: final_url.as_str(),
                status,
                fetched_at,
                content_type: content_type.as_deref(),
                headers: &headers,
                body: &raw_doc.bytes,
                body_hash: validators.body_hash.as_deref().unwrap_or_default(),
                format,
                overrides: &raw_doc.overrides,
            },
            analysis: analysis.as_ref().map_err(String::clone),
            urls,
        };
        match store.record_page(item.id, &record, run)? {
            PageOutcome::Stored(Stored::New { claims, .. }) => {
                report.stats.added += 1;
                report.stats.claims += claims as u64;
                debug!(url = %item.url, claims, "new article");
            }
            PageOutcome::Stored(Stored::Duplicate(article)) => {
                report.stats.duplicates += 1;
                debug!(url = %item.url, article = article.0, "already stored (same URL or text)");
            }
            PageOutcome::NoArticle | PageOutcome::Failed => {
                report.pages_failed += 1;
                warn!(url = %item.url, error = analysis.err().unwrap_or_default(), "no article in page (body kept)");
            }
        }
        Ok(())
    }
}

async fn poll_one(
    client: &Client,
    url: &Url,
    kind: SourceKind,
    validators: &Validators,
) -> Result<Polled, PollError> {
    let response = match client.get(url, validators, Purpose::Listing).await? {
        Outcome::NotModified {
            validators,
            by_hash,
        } => {
            return Ok(Polled::NotModified {
                validators,
                status: if by_hash { 200 } else { 304 },
            });
        }
        Outcome::Body(r) => r,
    };
    let mut listing = listing::parse(
        &response.body,
        response.content_type.as_deref(),
        &response.final_url,
        kind,
    )?;
    let children = std::mem::take(&mut listing.sitemaps);
    for child in children.iter().take(MAX_CHILD_SITEMAPS) {
        let parsed = match client
            .get(child, &Validators::default(), Purpose::Listing)
            .await
        {
            Ok(Outcome::Body(r)) => listing::parse(
                &r.body,
                r.content_type.as_deref(),
                &r.final_url,
                SourceKind::Sitemap,
            )
            .map_err(PollError::from),
            Ok(Outcome::NotModified { .. }) => continue,
            Err(e) => Err(e.into()),
        };
        match parsed {
            Ok(sub) => {
                listing.items.extend(sub.items);
                listing.skipped += sub.skipped;
            }
            Err(e) => warn!(sitemap = %child, error = %e, "child sitemap failed"),
        }
    }
    Ok(Polled::Changed {
        validators: response.validators,
        listing,
        status: response.status,
    })
}

/// What a pass is over: the due sources, or pages asked for by hand.
pub enum Pass<'s> {
    Sources { sources: &'s [Source], force: bool },
    Urls(&'s [String]),
}

/// One whole pass: polls the sources then fetches the pending pages, or fetches the pages
/// asked for; the report's run counters are filled in.
pub fn run_pass(
    crawler: &Crawler,
    store: &mut Store,
    pass: Pass,
    max_pages: usize,
    run: Option<RunId>,
) -> Result<Report, CrawlError> {
    let started = std::time::Instant::now();
    let mut report = Report::default();
    match pass {
        Pass::Sources { sources, force } => {
            crawler.poll(store, sources, force, &mut report)?;
            crawler.fetch_pages(store, None, max_pages, run, &mut report)?;
        }
        Pass::Urls(urls) => {
            let ids = store.enqueue_urls(urls)?;
            crawler.fetch_pages(store, Some(&ids), max_pages, run, &mut report)?;
        }
    }
    report.stats.failed = report.sources_failed + report.pages_failed;
    report.stats.requests = crawler.requests();
    report.stats.duration_ms = Some(started.elapsed().as_millis() as u64);
    Ok(report)
}
