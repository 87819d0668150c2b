//! What fetching remembers between runs: each source's HTTP validators, failures and
//! schedule; the frontier of article URLs found in listings (`items`); the raw bodies; and
//! every URL an article was seen at.
//!
//! Each listing poll and each page is written in one transaction — the source's new state
//! together with the items it yielded, the raw body together with the article and the item's
//! new state — so a run killed at any point leaves either all of a step or none of it, and
//! the next run picks up the items still `pending`.

use std::io::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::{ArticleId, RunId, Store, StoreError, Stored, insert_one, now};
use crate::extract::Overrides;
use crate::model::DocFormat;
use crate::pipeline::Analysis;

/// Row id of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SourceId(pub i64);

/// Row id of a frontier item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ItemId(pub i64);

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn parse_ts(s: Option<String>) -> Option<DateTime<Utc>> {
    s.and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// What is remembered about a source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceState {
    pub id: Option<SourceId>,
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub body_hash: Option<String>,
    pub last_polled_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    /// Consecutive failed polls.
    pub failures: u32,
    pub failing_since: Option<DateTime<Utc>>,
    pub next_poll_at: Option<DateTime<Utc>>,
    pub disabled_reason: Option<String>,
}

/// An article link found in a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct NewItem {
    /// Canonical form.
    pub url: String,
    pub guid: Option<String>,
    pub title: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub language: Option<String>,
}

/// The result of polling a source, written at once.
#[derive(Debug, Clone)]
pub struct PollRecord {
    pub polled_at: DateTime<Utc>,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub body_hash: Option<String>,
    pub failures: u32,
    pub failing_since: Option<DateTime<Utc>>,
    pub next_poll_at: DateTime<Utc>,
    /// Set when the source must not be polled again (410 Gone).
    pub disabled_reason: Option<String>,
    pub items: Vec<NewItem>,
}

/// An article URL waiting to be fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingItem {
    pub id: ItemId,
    pub url: String,
    pub source: Option<SourceId>,
    pub language: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub attempts: u32,
}

/// Where an item ends up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemState {
    Pending,
    Done,
    /// Tried and failed for good (404, too many attempts, no article in the page).
    Failed,
    /// Not fetched on purpose (robots.txt, SSRF guard).
    Skipped,
}

impl ItemState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }
}

/// A fetched body, kept so a later reprocess needs no network.
#[derive(Debug, Clone)]
pub struct RawPage<'a> {
    pub url: &'a str,
    pub final_url: &'a str,
    pub status: u16,
    pub fetched_at: DateTime<Utc>,
    pub content_type: Option<&'a str>,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
    pub body_hash: &'a str,
    pub format: DocFormat,
    /// Metadata supplied with the body (flags, sidecar, feed), needed to process it again.
    pub overrides: &'a Overrides,
}

/// What became of one item's fetch.
#[derive(Debug)]
pub enum PageRecord<'a> {
    /// A body came back; the analysis failed or succeeded.
    Fetched {
        raw: RawPage<'a>,
        analysis: Result<&'a Analysis, String>,
        /// Every URL this page is known by (canonical first), with how it was learnt.
        urls: Vec<(String, &'static str)>,
    },
    /// No body: the item is retried at `retry_at` if given, else left in `state`.
    Failed {
        error: String,
        state: ItemState,
        retry_at: Option<DateTime<Utc>>,
    },
}

/// What recording a page did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageOutcome {
    Stored(Stored),
    /// The body is kept but no article came out of it.
    NoArticle,
    Failed,
}

impl Store {
    /// Whether this very body was already stored for `url`: an article came out of it, so
    /// importing it again cannot add one.
    pub fn has_raw_page(&self, url: &str, body_hash: &str) -> Result<bool, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT 1 FROM raw_pages WHERE url = ?1 AND body_hash = ?2 LIMIT 1")?;
        Ok(stmt.exists(params![url, body_hash])?)
    }

    /// How many article links a source's listings have yielded so far.
    pub fn source_items(&self, source: SourceId) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM items WHERE source_id = ?1",
            [source.0],
            |r| r.get(0),
        )?)
    }

    /// Every source ever polled, by URL.
    pub fn source_states(&self) -> Result<Vec<SourceState>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, url, etag, last_modified, body_hash, last_polled_at, last_success_at, last_status, last_error,
               failures, failing_since, next_poll_at, disabled_reason FROM sources ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SourceState {
                id: Some(SourceId(r.get(0)?)),
                url: r.get(1)?,
                etag: r.get(2)?,
                last_modified: r.get(3)?,
                body_hash: r.get(4)?,
                last_polled_at: parse_ts(r.get(5)?),
                last_success_at: parse_ts(r.get(6)?),
                last_status: r.get::<_, Option<i64>>(7)?.map(|s| s as u16),
                last_error: r.get(8)?,
                failures: r.get::<_, i64>(9)? as u32,
                failing_since: parse_ts(r.get(10)?),
                next_poll_at: parse_ts(r.get(11)?),
                disabled_reason: r.get(12)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The row of a source, created on first use.
    pub fn source_id(&self, url: &str, name: &str, kind: &str) -> Result<SourceId, StoreError> {
        self.conn.execute(
            "INSERT INTO sources (url, name, kind) VALUES (?1, ?2, ?3)
             ON CONFLICT(url) DO UPDATE SET name = excluded.name, kind = excluded.kind",
            params![url, name, kind],
        )?;
        let id = self
            .conn
            .query_row("SELECT id FROM sources WHERE url = ?1", [url], |r| r.get(0))?;
        Ok(SourceId(id))
    }

    /// Clears a source's failures and its disabled mark (after a user fixed it).
    pub fn reset_source(&self, url: &str) -> Result<bool, StoreError> {
        Ok(self.conn.execute(
            "UPDATE sources SET failures = 0, failing_since = NULL, next_poll_at = NULL, disabled_at = NULL,
               disabled_reason = NULL WHERE url = ?1",
            [url],
        )? > 0)
    }

    /// Writes a poll's result and the new items it found; returns how many items were new.
    pub fn record_poll(
        &mut self,
        source: SourceId,
        poll: &PollRecord,
    ) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let success = poll.error.is_none();
        tx.execute(
            "UPDATE sources SET last_polled_at = ?2, last_status = ?3, last_error = ?4,
               etag = coalesce(?5, etag), last_modified = coalesce(?6, last_modified), body_hash = coalesce(?7, body_hash),
               last_success_at = CASE WHEN ?8 THEN ?2 ELSE last_success_at END,
               failures = ?9, failing_since = ?10, next_poll_at = ?11,
               disabled_at = CASE WHEN ?12 IS NULL THEN disabled_at ELSE ?2 END,
               disabled_reason = coalesce(?12, disabled_reason)
             WHERE id = ?1",
            params![
                source.0,
                ts(poll.polled_at),
                poll.status,
                poll.error,
                poll.etag,
                poll.last_modified,
                poll.body_hash,
                success,
                poll.failures,
                poll.failing_since.map(ts),
                ts(poll.next_poll_at),
                poll.disabled_reason,
            ],
        )?;
        let mut added = 0;
        {
            let mut known_guid = tx
                .prepare_cached("SELECT 1 FROM items WHERE source_id = ?1 AND guid = ?2 LIMIT 1")?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO items (url, title, source_id, guid, published, language, discovered_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(url) DO NOTHING",
            )?;
            let at = ts(poll.polled_at);
            for item in &poll.items {
                // A GUID seen before is the same story, even if its link changed.
                if let Some(guid) = &item.guid
                    && known_guid.exists(params![source.0, guid])?
                {
                    continue;
                }
                added += insert.execute(params![
                    item.url,
                    item.title,
                    source.0,
                    item.guid,
                    item.published.map(ts),
                    item.language,
                    at
                ])?;
            }
        }
        tx.commit()?;
        Ok(added)
    }

    /// Adds URLs asked for by hand; returns the ids of those not fetched yet.
    pub fn enqueue_urls(&mut self, urls: &[String]) -> Result<Vec<ItemId>, StoreError> {
        let tx = self.conn.transaction()?;
        let mut ids = Vec::new();
        let at = now();
        for url in urls {
            tx.execute(
                "INSERT INTO items (url, discovered_at) VALUES (?1, ?2) ON CONFLICT(url) DO NOTHING",
                params![url, at],
            )?;
            let (id, state): (i64, String) =
                tx.query_row("SELECT id, state FROM items WHERE url = ?1", [url], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            if state != ItemState::Done.as_str() {
                // A hand-made request is worth another try even if the item had failed.
                tx.execute(
                    "UPDATE items SET state = 'pending', next_attempt_at = NULL WHERE id = ?1",
                    [id],
                )?;
                ids.push(ItemId(id));
            }
        }
        tx.commit()?;
        Ok(ids)
    }

    /// Items due for fetching, oldest first.
    pub fn pending_items(
        &self,
        now: DateTime<Utc>,
        only: Option<&[ItemId]>,
        limit: usize,
    ) -> Result<Vec<PendingItem>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, url, source_id, language, attempts, published FROM items
             WHERE state = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?1)
             ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![ts(now), limit as i64], |r| {
            Ok(PendingItem {
                id: ItemId(r.get(0)?),
                url: r.get(1)?,
                source: r.get::<_, Option<i64>>(2)?.map(SourceId),
                language: r.get(3)?,
                attempts: r.get::<_, i64>(4)? as u32,
                published: parse_ts(r.get(5)?),
            })
        })?;
        let mut items: Vec<PendingItem> = rows.collect::<Result<_, _>>()?;
        if let Some(only) = only {
            items.retain(|i| only.contains(&i.id));
        }
        Ok(items)
    }

    /// Writes what became of an item, in one transaction.
    pub fn record_page(
        &mut self,
        item: ItemId,
        record: &PageRecord,
        run: Option<RunId>,
    ) -> Result<PageOutcome, StoreError> {
        let tx = self.conn.transaction()?;
        let outcome = match record {
            PageRecord::Failed {
                error,
                state,
                retry_at,
            } => {
                tx.execute(
                    "UPDATE items SET state = ?2, attempts = attempts + 1, last_error = ?3, next_attempt_at = ?4
                     WHERE id = ?1",
                    params![item.0, state.as_str(), error, retry_at.map(ts)],
                )?;
                PageOutcome::Failed
            }
            PageRecord::Fetched {
                raw,
                analysis,
                urls,
            } => {
                let source: Option<i64> = tx
                    .query_row("SELECT source_id FROM items WHERE id = ?1", [item.0], |r| {
                        r.get(0)
                    })
                    .optional()?
                    .flatten();
                let raw_id = insert_raw(&tx, raw, source)?;
                let (outcome, article, error) = match analysis {
                    Ok(a) => {
                        let keys: Vec<&str> = urls.iter().map(|(u, _)| u.as_str()).collect();
                        let stored = match known_url(&tx, &keys)? {
                            Some(article) => Stored::Duplicate(article),
                            None => insert_one(&tx, &mut self.ids, a, run)?,
                        };
                        let article = match stored {
                            Stored::New { article, .. } | Stored::Duplicate(article) => article,
                        };
                        if let Stored::New { .. } = stored {
                            tx.execute(
                                "UPDATE articles SET raw_id = ?2, source_id = ?3 WHERE id = ?1",
                                params![article.0, raw_id, source],
                            )?;
                        }
                        (PageOutcome::Stored(stored), Some(article), None)
                    }
                    Err(e) => (PageOutcome::NoArticle, None, Some(e.as_str())),
                };
                if let Some(article) = article {
                    let mut add = tx.prepare_cached(
                        "INSERT INTO article_urls (url, article_id, kind, first_seen) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT(url) DO NOTHING",
                    )?;
                    let at = ts(raw.fetched_at);
                    for (url, kind) in urls {
                        add.execute(params![url, article.0, kind, at])?;
                    }
                }
                let state = if article.is_some() {
                    ItemState::Done
                } else {
                    ItemState::Failed
                };
                tx.execute(
                    "UPDATE items SET state = ?2, attempts = attempts + 1, last_error = ?3, next_attempt_at = NULL,
                       article_id = ?4, raw_id = ?5, fetched_at = ?6 WHERE id = ?1",
                    params![item.0, state.as_str(), error, article.map(|a| a.0), raw_id, ts(raw.fetched_at)],
                )?;
                outcome
            }
        };
        tx.commit()?;
        Ok(outcome)
    }
}

fn known_url(tx: &Transaction, urls: &[&str]) -> Result<Option<ArticleId>, StoreError> {
    let mut stmt = tx.prepare_cached("SELECT article_id FROM article_urls WHERE url = ?1")?;
    for url in urls {
        if let Some(id) = stmt.query_row([url], |r| r.get(0)).optional()? {
            return Ok(Some(ArticleId(id)));
        }
    }
    Ok(None)
}

pub(crate) fn insert_raw(
    tx: &Transaction,
    raw: &RawPage,
    source: Option<i64>,
) -> Result<i64, StoreError> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let compressed = gz
        .write_all(raw.body)
        .and_then(|()| gz.finish())
        .map_err(StoreError::Compress)?;
    let headers = serde_json::to_string(
        &raw.headers
            .iter()
            .map(|(k, v)| [k.as_str(), v.as_str()])
            .collect::<Vec<_>>(),
    )
    .unwrap_or_else(|_| "[]".into());
    tx.execute(
        "INSERT INTO raw_pages (url, final_url, status, fetched_at, content_type, headers, encoding, body, size, body_hash,
           source_id, format, overrides)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'gzip', ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            raw.url,
            raw.final_url,
            raw.status,
            ts(raw.fetched_at),
            raw.content_type,
            headers,
            compressed,
            raw.body.len() as i64,
            raw.body_hash,
            source,
            raw.format.as_str(),
            super::derived::overrides_json(raw.overrides),
        ],
    )?;
    Ok(tx.last_insert_rowid())
}
