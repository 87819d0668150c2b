//! Reprocessing support: stored articles read back as pipeline input (their raw body and the
//! metadata supplied with it), their derived rows (mentions, claims) replaced in one
//! transaction per batch together with a resume cursor, and claims read back as comparable
//! [`ClaimKey`]s for diffs.

use std::io::Read;

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params, params_from_iter, types::Value};
use serde::Serialize;
use serde_json::json;

use super::frontier::insert_raw;
use super::{
    ArticleId, RawPage, RunId, Store, StoreError, Stored, content_hash, insert_derived, insert_one,
};
use crate::extract::{self, Overrides, RawDocument};
use crate::model::{
    Arg, Attribution, Claim, Dateline, DocFormat, Document, EntityId, Language, SourceMeta, Span,
};
use crate::pipeline::Analysis;

/// Which stored articles a reprocess or diff covers; every filter narrows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Published on or after.
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    /// Substring of the source URL or path.
    pub source: Option<String>,
}

impl Selection {
    fn sql(&self) -> (String, Vec<Value>) {
        let mut clauses = Vec::new();
        let mut values = Vec::new();
        if let Some(d) = self.since {
            clauses.push("a.published >= ?");
            values.push(Value::Text(d.to_string()));
        }
        if let Some(d) = self.until {
            clauses.push("a.published <= ?");
            values.push(Value::Text(d.to_string()));
        }
        if let Some(s) = &self.source {
            clauses.push("instr(coalesce(a.source_url, a.source_path, ''), ?) > 0");
            values.push(Value::Text(s.clone()));
        }
        let sql = clauses.iter().map(|c| format!(" AND {c}")).collect();
        (sql, values)
    }
}

/// A stored article as pipeline input again.
#[derive(Debug, Clone)]
pub struct StoredArticle {
    pub id: ArticleId,
    pub input: Input,
}

/// What a stored article can be processed from.
#[derive(Debug, Clone)]
pub enum Input {
    /// The raw body and the metadata supplied with it: every stage runs again.
    Raw(RawDocument),
    /// Only the extracted document was kept (articles stored before raw bodies were): tagging
    /// and claims run again, extraction cannot.
    Extracted(Document),
}

/// The identity of a claim, for telling what a pattern change adds, removes or changes.
/// Entities are their pattern keys; literals are quoted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ClaimKey {
    pub article: i64,
    pub trigger: (i64, i64),
    pub predicate: String,
    pub subject: String,
    pub object: String,
    pub agent: String,
    pub places: String,
    pub time: String,
    pub modality: String,
    pub attribution: String,
    pub rule: String,
}

fn arg(a: &Option<Arg>) -> String {
    match a {
        Some(Arg::Entity(id)) => id.as_str().to_string(),
        Some(Arg::Literal(t)) => format!("{t:?}"),
        None => String::new(),
    }
}

fn attribution(
    kind: &str,
    entity: Option<&str>,
    speaker: Option<&str>,
    document: Option<&str>,
) -> String {
    format!(
        "{kind}:{}:{}:{}",
        entity.unwrap_or_default(),
        speaker.unwrap_or_default(),
        document.unwrap_or_default()
    )
}

impl ClaimKey {
    /// The key of a claim just extracted from article `article`.
    pub fn of(article: ArticleId, c: &Claim) -> Self {
        let key = |id: &EntityId| id.as_str().to_string();
        let attribution = match &c.attribution {
            Attribution::Outlet => attribution("outlet", None, None, None),
            Attribution::Source { entity, document } => {
                attribution("source", Some(entity.as_str()), None, document.as_deref())
            }
            Attribution::Speaker { name, entity, .. } => attribution(
                "speaker",
                entity.as_ref().map(|e| e.as_str()),
                name.as_deref(),
                None,
            ),
        };
        Self {
            article: article.0,
            trigger: (
                c.evidence.trigger.start as i64,
                c.evidence.trigger.end as i64,
            ),
            predicate: c.predicate.as_str().to_string(),
            subject: arg(&c.subject),
            object: arg(&c.object),
            agent: c.agent.as_ref().map(key).unwrap_or_default(),
            places: {
                // Stored once each, in order (claim_places has one row per place).
                let mut seen: Vec<String> = Vec::new();
                for p in c.places.iter().map(key) {
                    if !seen.contains(&p) {
                        seen.push(p);
                    }
                }
                seen.join(",")
            },
            time: c
                .time
                .as_ref()
                .map(|t| {
                    format!(
                        "{}/{}",
                        t.value.as_deref().unwrap_or_default(),
                        t.precision.as_str()
                    )
                })
                .unwrap_or_default(),
            modality: c.modality.as_str().to_string(),
            attribution,
            rule: c.rule.0.clone(),
        }
    }
}

/// The metadata supplied with a body, as stored next to it.
pub(crate) fn overrides_json(o: &Overrides) -> Option<String> {
    (*o != Overrides::default()).then(|| {
        json!({
            "published": o.published,
            "title": o.title,
            "language": o.language.as_ref().map(|l| l.as_str()),
            "source_url": o.source_url,
        })
        .to_string()
    })
}

fn overrides_from_json(text: Option<String>) -> Overrides {
    let Some(v) = text.and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok()) else {
        return Overrides::default();
    };
    let s = |k: &str| v[k].as_str().map(str::to_string);
    Overrides {
        published: s("published").and_then(|d| d.parse().ok()),
        title: s("title"),
        language: s("language").and_then(|l| Language::new(&l).ok()),
        source_url: s("source_url"),
    }
}

fn gunzip(body: &[u8]) -> Result<Vec<u8>, StoreError> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body)
        .read_to_end(&mut out)
        .map_err(StoreError::Compress)?;
    Ok(out)
}

const CURSOR: &str = "reprocess_cursor";

impl Store {
    /// How many selected articles come after article id `after`.
    pub fn count_selected(&self, sel: &Selection, after: i64) -> Result<u64, StoreError> {
        let (filter, mut values) = sel.sql();
        values.insert(0, Value::Integer(after));
        let n: i64 = self.conn.query_row(
            &format!("SELECT count(*) FROM articles a WHERE a.id > ?{filter}"),
            params_from_iter(values),
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// How many claims the selected articles have.
    pub fn claim_count(&self, sel: &Selection) -> Result<u64, StoreError> {
        let (filter, values) = sel.sql();
        let n: i64 = self.conn.query_row(
            &format!("SELECT count(*) FROM claims c JOIN articles a ON a.id = c.article_id WHERE 1{filter}"),
            params_from_iter(values),
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// Up to `limit` selected articles after id `after`, in id order, as pipeline input.
    pub fn stored_articles(
        &self,
        sel: &Selection,
        after: i64,
        limit: usize,
    ) -> Result<Vec<StoredArticle>, StoreError> {
        let (filter, mut values) = sel.sql();
        values.insert(0, Value::Integer(after));
        values.push(Value::Integer(limit as i64));
        let mut stmt = self.conn.prepare(&format!(
            "SELECT a.id, a.text, a.title, a.published, a.language, a.source_url, a.source_path,
                    r.body, r.content_type, r.format, r.overrides, a.byline, a.format, a.dateline, a.agency
             FROM articles a LEFT JOIN raw_pages r ON r.id = a.raw_id
             WHERE a.id > ?{filter} ORDER BY a.id LIMIT ?"
        ))?;
        let rows = stmt.query_map(params_from_iter(values), |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                SourceMeta {
                    url: r.get(5)?,
                    path: r.get(6)?,
                },
                r.get::<_, Option<Vec<u8>>>(7)?,
                r.get::<_, Option<String>>(8)?,
                r.get::<_, Option<String>>(9)?,
                r.get::<_, Option<String>>(10)?,
                (
                    r.get::<_, Option<String>>(11)?,
                    r.get::<_, String>(12)?,
                    r.get::<_, Option<String>>(13)?,
                    r.get::<_, Option<String>>(14)?,
                ),
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (
                id,
                text,
                title,
                published,
                language,
                source,
                body,
                content_type,
                format,
                overrides,
                rest,
            ) = row?;
            let (byline, format_, dateline, agency) = rest;
            let article = match body {
                Some(body) => StoredArticle {
                    id: ArticleId(id),
                    input: Input::Raw(RawDocument {
                        bytes: gunzip(&body)?,
                        format: format
                            .and_then(|f| f.parse().ok())
                            .unwrap_or(DocFormat::Html),
                        content_type,
                        source,
                        overrides: overrides_from_json(overrides),
                    }),
                },
                None => {
                    // The dateline's span was not stored; it is where its words first appear.
                    let dateline = dateline.map(|place| {
                        let start = text.find(&place).unwrap_or(0);
                        let end = if text.get(start..start + place.len()) == Some(place.as_str()) {
                            start + place.len()
                        } else {
                            0
                        };
                        Dateline {
                            span: Span { start, end },
                            place,
                            agency,
                        }
                    });
                    StoredArticle {
                        id: ArticleId(id),
                        input: Input::Extracted(Document {
                            format: format_.parse().unwrap_or(DocFormat::Text),
                            title,
                            byline,
                            published: published.and_then(|d| d.parse().ok()),
                            language: language.and_then(|l| Language::new(&l).ok()),
                            dateline,
                            text,
                            source,
                        }),
                    }
                }
            };
            out.push(article);
        }
        Ok(out)
    }

    /// Replaces the derived rows of each article with those of its new analysis, and stores
    /// `cursor` (or clears it with `None`), all in one transaction. An article whose new
    /// text would duplicate another stored article's is left as it was; its id is returned.
    pub fn replace_derived(
        &mut self,
        batch: &[(ArticleId, &Analysis)],
        cursor: Option<&str>,
    ) -> Result<Vec<ArticleId>, StoreError> {
        let tx = self.conn.transaction()?;
        let mut conflicts = Vec::new();
        for (article, a) in batch {
            let doc = &a.document;
            let hash = content_hash(&doc.text);
            let other: Option<i64> = tx
                .query_row(
                    "SELECT id FROM articles WHERE content_hash = ?1 AND id != ?2",
                    params![hash, article.0],
                    |r| r.get(0),
                )
                .optional()?;
            if other.is_some() {
                conflicts.push(*article);
                continue;
            }
            tx.execute(
                "UPDATE articles SET content_hash = ?2, title = ?3, byline = ?4, published = ?5, language = ?6,
                   dateline = ?7, agency = ?8, text = ?9, extractor_version = ?10, pattern_version = ?11
                 WHERE id = ?1 AND (content_hash != ?2 OR title IS NOT ?3 OR byline IS NOT ?4 OR published IS NOT ?5
                   OR language IS NOT ?6 OR dateline IS NOT ?7 OR agency IS NOT ?8 OR extractor_version != ?10
                   OR pattern_version != ?11)",
                params![
                    article.0,
                    hash,
                    doc.title,
                    doc.byline,
                    doc.published.map(|d| d.to_string()),
                    doc.language.as_ref().map(|l| l.as_str()),
                    doc.dateline.as_ref().map(|d| d.place.clone()),
                    doc.dateline.as_ref().and_then(|d| d.agency.clone()),
                    doc.text,
                    extract::VERSION,
                    a.pattern_version.0,
                ],
            )?;
            tx.execute("DELETE FROM mentions WHERE article_id = ?1", [article.0])?;
            tx.execute("DELETE FROM claims WHERE article_id = ?1", [article.0])?;
            insert_derived(&tx, &mut self.ids, article.0, a)?;
        }
        match cursor {
            Some(c) => tx.execute(
                "INSERT INTO _state (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![CURSOR, c],
            )?,
            None => tx.execute("DELETE FROM _state WHERE key = ?1", [CURSOR])?,
        };
        tx.commit()?;
        Ok(conflicts)
    }

    /// Stores documents read from files or archives, each with its raw body (so it can be
    /// reprocessed without the original), in one transaction.
    pub fn insert_documents(
        &mut self,
        batch: &[(&Analysis, RawPage)],
        run: Option<RunId>,
    ) -> Result<Vec<Stored>, StoreError> {
        let tx = self.conn.transaction()?;
        let mut out = Vec::with_capacity(batch.len());
        for (analysis, raw) in batch {
            let stored = insert_one(&tx, &mut self.ids, analysis, run)?;
            if let Stored::New { article, .. } = stored {
                let raw_id = insert_raw(&tx, raw, None)?;
                tx.execute(
                    "UPDATE articles SET raw_id = ?2 WHERE id = ?1",
                    params![article.0, raw_id],
                )?;
                if let Some(url) = &analysis.document.source.url {
                    tx.execute(
                        "INSERT INTO article_urls (url, article_id, kind, first_seen) VALUES (?1, ?2, 'source', ?3)
                         ON CONFLICT(url) DO NOTHING",
                        params![url, article.0, super::now()],
                    )?;
                }
            }
            out.push(stored);
        }
        tx.commit()?;
        Ok(out)
    }

    /// Where an interrupted reprocess stopped, as it stored it.
    pub fn reprocess_cursor(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM _state WHERE key = ?1", [CURSOR], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// The stored claims of an article, as keys, each with its sentence.
    pub fn claim_keys(&self, article: ArticleId) -> Result<Vec<(ClaimKey, String)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.trigger_start, c.trigger_end, c.predicate, coalesce(s.key, c.subject_text), coalesce(o.key, c.object_text),
                    ag.key, (SELECT group_concat(key, ',') FROM (SELECT e.key FROM claim_places cp JOIN entities e ON e.id = cp.place_id
                             WHERE cp.claim_id = c.id ORDER BY cp.rowid)),
                    c.time_value, c.time_precision, c.modality, c.attribution, src.key, c.speaker_name, c.source_document, c.rule,
                    s.key IS NULL AND c.subject_text IS NOT NULL, o.key IS NULL AND c.object_text IS NOT NULL, c.sentence
             FROM claims c
             LEFT JOIN entities s ON s.id = c.subject_id LEFT JOIN entities o ON o.id = c.object_id
             LEFT JOIN entities ag ON ag.id = c.agent_id LEFT JOIN entities src ON src.id = c.attributed_to_id
             WHERE c.article_id = ?1 ORDER BY c.id",
        )?;
        let rows = stmt.query_map([article.0], |r| {
            let literal = |text: Option<String>, quoted: bool| match text {
                Some(t) if quoted => format!("{t:?}"),
                Some(t) => t,
                None => String::new(),
            };
            let time_value: Option<String> = r.get(7)?;
            let precision: Option<String> = r.get(8)?;
            let key = ClaimKey {
                article: article.0,
                trigger: (r.get(0)?, r.get(1)?),
                predicate: r.get(2)?,
                subject: literal(r.get(3)?, r.get(15)?),
                object: literal(r.get(4)?, r.get(16)?),
                agent: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                places: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
                time: precision
                    .map(|p| format!("{}/{p}", time_value.unwrap_or_default()))
                    .unwrap_or_default(),
                modality: r.get(9)?,
                attribution: attribution(
                    &r.get::<_, String>(10)?,
                    r.get::<_, Option<String>>(11)?.as_deref(),
                    r.get::<_, Option<String>>(12)?.as_deref(),
                    r.get::<_, Option<String>>(13)?.as_deref(),
                ),
                rule: r.get(14)?,
            };
            Ok((key, r.get(17)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
