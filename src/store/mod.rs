//! SQLite storage: articles, entities, mentions, claims and runs.
//!
//! Migrations run at open; the database is in WAL mode with foreign keys on. Articles are
//! keyed by a hash of their text, so ingesting the same text twice adds nothing. Writes come
//! in batches, one transaction per batch, so a killed run leaves whole articles or none.

mod derived;
mod frontier;
mod identity;
mod query;
mod runs;
mod schema;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};

pub use derived::{ClaimKey, Input, Selection, StoredArticle};
pub use frontier::{
    ItemId, ItemState, NewItem, PageOutcome, PageRecord, PendingItem, PollRecord, RawPage,
    SourceId, SourceState,
};
pub use query::{
    Cell, ClaimFilter, LiteralFilter, LiteralRole, RowSink, SqlLimits, Table, is_blank_sql,
};
pub use runs::{ENDED_UNFINISHED, RunId, RunStats};

use crate::extract;
use crate::model::{Arg, Attribution, EntityId, EntityKind, RoadEntity};
use crate::patterns::PatternSet;
use crate::pipeline::Analysis;

/// Why a storage operation failed.
///
/// A message includes the text of the error it wraps, so the wrapped error is not also
/// offered as its `source()`: a chain printer (`anyhow`'s `{:#}`) would print it twice.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {}: {error}", path.display())]
    Open {
        path: PathBuf,
        error: rusqlite::Error,
    },
    #[error("migrating the database schema: {}", migrate_message(.0))]
    Migrate(rusqlite_migration::Error),
    #[error("database: {0}")]
    Sql(rusqlite::Error),
    #[error("compressing a raw body: {0}")]
    Compress(std::io::Error),
    #[error("this connection is read-only: {0}")]
    ReadOnly(String),
    /// Another program's SQLite file: nothing was written to it.
    #[error("{} is not a sitrep database (it has {})", path.display(), identity::list_tables(tables))]
    Foreign { path: PathBuf, tables: Vec<String> },
    #[error("no SQL statement in the query")]
    EmptyQuery,
    #[error("the query ran longer than its time limit of {} s", .0.as_secs_f64())]
    TimeLimit(std::time::Duration),
    #[error("the query returned more than {0} rows, its row limit")]
    RowLimit(u64),
    /// The sink of a streamed query failed to write (a closed pipe, a full disk).
    #[error(transparent)]
    Output(std::io::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sql(e)
    }
}

impl From<rusqlite_migration::Error> for StoreError {
    fn from(e: rusqlite_migration::Error) -> Self {
        StoreError::Migrate(e)
    }
}

/// A failed migration without the text of the migration: its SQL is the schema, and
/// printing it buries the one line that matters.
fn migrate_message(e: &rusqlite_migration::Error) -> String {
    match e {
        rusqlite_migration::Error::RusqliteError { err, .. } => err.to_string(),
        other => other.to_string(),
    }
}

/// Row id of a stored article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ArticleId(pub i64);

/// What storing one analysis did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    New {
        article: ArticleId,
        claims: usize,
    },
    /// The same text is already stored.
    Duplicate(ArticleId),
}

/// An open sitrep database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    /// Entity keys to row ids, loaded once per pattern sync.
    ids: HashMap<String, i64>,
}

pub(crate) fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Hash identifying an article's text.
pub fn content_hash(text: &str) -> String {
    let digest = Sha256::digest(text.trim().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    /// Opens (creating if needed) a database file and brings its schema up to date. Another
    /// program's SQLite file is refused ([`StoreError::Foreign`]) before anything is written
    /// to it.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(|error| StoreError::Open {
            path: path.to_path_buf(),
            error,
        })?;
        identity::check(&conn, path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        Self::init(conn)
    }

    /// A private in-memory database, for tests and dry runs.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    /// Opens an existing database read-only: queries only, writes are refused by SQLite.
    /// A database written by an older sitrep is brought up to date first (a read-write open
    /// that only migrates), so the views and columns the queries read exist.
    pub fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let open = || {
            Connection::open_with_flags(path, flags).map_err(|error| StoreError::Open {
                path: path.to_path_buf(),
                error,
            })
        };
        let mut conn = open()?;
        identity::check(&conn, path)?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version < schema::LATEST {
            drop(conn);
            drop(Self::open(path)?);
            conn = open()?;
        }
        conn.pragma_update(None, "query_only", "ON")?;
        Ok(Self {
            conn,
            ids: HashMap::new(),
        })
    }

    fn init(mut conn: Connection) -> Result<Self, StoreError> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        schema::migrations().to_latest(&mut conn)?;
        Ok(Self {
            conn,
            ids: HashMap::new(),
        })
    }

    /// The underlying connection, for ad-hoc queries.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Makes the entity tables match the pattern set (skipped when its version is stored).
    pub fn sync_patterns(&mut self, patterns: &PatternSet) -> Result<(), StoreError> {
        let stored: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM _state WHERE key = 'pattern_version'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if stored.as_deref() != Some(patterns.version.0.as_str()) {
            let tx = self.conn.transaction()?;
            for e in &patterns.entities {
                tx.execute(
                    "INSERT INTO entities (key, name, kind, latitude, longitude, description) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT(key) DO UPDATE SET name = excluded.name, kind = excluded.kind, latitude = excluded.latitude,
                       longitude = excluded.longitude, description = excluded.description",
                    params![e.id.as_str(), e.name, e.kind.as_str(), e.latitude, e.longitude, e.description],
                )?;
            }
            for e in &patterns.entities {
                let key = |id: &Option<EntityId>| id.as_ref().map(|i| i.as_str().to_string());
                tx.execute(
                    "UPDATE entities SET country_id = (SELECT id FROM entities WHERE key = ?2),
                       from_id = (SELECT id FROM entities WHERE key = ?3), to_id = (SELECT id FROM entities WHERE key = ?4)
                     WHERE key = ?1",
                    params![e.id.as_str(), key(&e.country), key(&e.from), key(&e.to)],
                )?;
                tx.execute("DELETE FROM aliases WHERE entity_id = (SELECT id FROM entities WHERE key = ?1)", [e.id.as_str()])?;
                for a in &e.aliases {
                    tx.execute(
                        "INSERT OR IGNORE INTO aliases (entity_id, name, lang) SELECT id, ?2, ?3 FROM entities WHERE key = ?1",
                        params![e.id.as_str(), a.text, a.lang.as_ref().map(|l| l.as_str())],
                    )?;
                }
            }
            tx.execute(
                "INSERT INTO _state (key, value) VALUES ('pattern_version', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [patterns.version.0.as_str()],
            )?;
            tx.commit()?;
        }
        self.load_ids()
    }

    fn load_ids(&mut self) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare("SELECT key, id FROM entities")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        self.ids = rows.collect::<Result<_, _>>()?;
        Ok(())
    }

    /// Stores a batch of analyses in one transaction.
    pub fn insert_batch(
        &mut self,
        batch: &[Analysis],
        run: Option<RunId>,
    ) -> Result<Vec<Stored>, StoreError> {
        let tx = self.conn.transaction()?;
        let mut out = Vec::with_capacity(batch.len());
        for a in batch {
            out.push(insert_one(&tx, &mut self.ids, a, run)?);
        }
        tx.commit()?;
        Ok(out)
    }
}

/// The row id of an entity. Every entity comes from the pattern set (synced before any
/// write) except road codes the tagger recognizes by prefix, which get a row here, and
/// roads named by their endpoints, which get theirs from [`road_row`] first.
fn entity_row(
    tx: &Transaction,
    ids: &mut HashMap<String, i64>,
    id: &EntityId,
) -> Result<i64, StoreError> {
    if let Some(&row) = ids.get(id.as_str()) {
        return Ok(row);
    }
    tx.execute(
        "INSERT INTO entities (key, name, kind) VALUES (?1, ?2, ?3) ON CONFLICT(key) DO NOTHING",
        params![
            id.as_str(),
            id.as_str().to_uppercase(),
            EntityKind::Road.as_str()
        ],
    )?;
    let row: i64 = tx.query_row(
        "SELECT id FROM entities WHERE key = ?1",
        [id.as_str()],
        |r| r.get(0),
    )?;
    ids.insert(id.as_str().to_string(), row);
    Ok(row)
}

/// A road named by its endpoints: a row with its name, its endpoints as `from_id`/`to_id`
/// and a description saying where it came from. An existing row (from the pattern set, or an
/// earlier article) is kept as it is.
fn road_row(
    tx: &Transaction,
    ids: &mut HashMap<String, i64>,
    road: &RoadEntity,
) -> Result<i64, StoreError> {
    if let Some(&row) = ids.get(road.id.as_str()) {
        return Ok(row);
    }
    let from = entity_row(tx, ids, &road.from)?;
    let to = entity_row(tx, ids, &road.to)?;
    tx.execute(
        "INSERT INTO entities (key, name, kind, from_id, to_id, country_id, description)
         VALUES (?1, ?2, ?3, ?4, ?5,
           (SELECT f.country_id FROM entities f, entities t WHERE f.id = ?4 AND t.id = ?5 AND f.country_id = t.country_id),
           ?6)
         ON CONFLICT(key) DO NOTHING",
        params![
            road.id.as_str(),
            road.name,
            EntityKind::Road.as_str(),
            from,
            to,
            "Named in the text by its endpoints; not in patterns/roads.toml."
        ],
    )?;
    entity_row(tx, ids, &road.id)
}

pub(crate) fn insert_one(
    tx: &Transaction,
    ids: &mut HashMap<String, i64>,
    a: &Analysis,
    run: Option<RunId>,
) -> Result<Stored, StoreError> {
    let doc = &a.document;
    let hash = content_hash(&doc.text);
    let existing: Option<i64> = tx
        .query_row(
            "SELECT id FROM articles WHERE content_hash = ?1",
            [&hash],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        return Ok(Stored::Duplicate(ArticleId(id)));
    }
    tx.execute(
        "INSERT INTO articles (content_hash, title, byline, published, language, format, source_url, source_path, dateline,
           agency, text, extractor_version, pattern_version, run_id, ingested_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![
            hash,
            doc.title,
            doc.byline,
            doc.published.map(|d| d.to_string()),
            doc.language.as_ref().map(|l| l.as_str()),
            doc.format.as_str(),
            doc.source.url,
            doc.source.path,
            doc.dateline.as_ref().map(|d| d.place.clone()),
            doc.dateline.as_ref().and_then(|d| d.agency.clone()),
            doc.text,
            extract::VERSION,
            a.pattern_version.0,
            run.map(|r| r.0),
            now(),
        ],
    )?;
    let article = tx.last_insert_rowid();
    insert_derived(tx, ids, article, a)?;
    if let Some(run) = run {
        runs::count_article(tx, run, a.claims.len())?;
    }
    Ok(Stored::New {
        article: ArticleId(article),
        claims: a.claims.len(),
    })
}

/// Mentions and claims of an article (whose row exists).
pub(crate) fn insert_derived(
    tx: &Transaction,
    ids: &mut HashMap<String, i64>,
    article: i64,
    a: &Analysis,
) -> Result<(), StoreError> {
    let doc = &a.document;
    for road in &a.roads {
        road_row(tx, ids, road)?;
    }
    let mut mention_stmt = tx.prepare_cached(
        "INSERT INTO mentions (article_id, entity_id, start, end, surface, via) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for m in &a.mentions {
        let entity = entity_row(tx, ids, &m.entity)?;
        let surface = &doc.text[m.span.start..m.span.end];
        mention_stmt.execute(params![
            article,
            entity,
            m.span.start as i64,
            m.span.end as i64,
            surface,
            m.via.as_str()
        ])?;
    }
    let mut claim_stmt = tx.prepare_cached(
        "INSERT INTO claims (article_id, subject_id, subject_text, predicate, object_id, object_text, agent_id, place_id,
           place_inferred, time_text, time_value, time_precision, time_source, modality, attribution, attributed_to_id,
           speaker_name, speaker_role, source_document, sentence, sentence_start, sentence_end, trigger_start, trigger_end,
           rule, pattern_version, extractor_version, subject_inferred)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23,
           ?24, ?25, ?26, ?27, ?28)",
    )?;
    let mut place_stmt = tx.prepare_cached(
        "INSERT OR IGNORE INTO claim_places (claim_id, place_id) VALUES (?1, ?2)",
    )?;
    for c in &a.claims {
        let mut arg = |arg: &Option<Arg>| -> Result<(Option<i64>, Option<String>), StoreError> {
            Ok(match arg {
                Some(Arg::Entity(id)) => (Some(entity_row(tx, ids, id)?), None),
                Some(Arg::Literal(text)) => (None, Some(text.clone())),
                None => (None, None),
            })
        };
        let (subject_id, subject_text) = arg(&c.subject)?;
        let (object_id, object_text) = arg(&c.object)?;
        let agent = c
            .agent
            .as_ref()
            .map(|id| entity_row(tx, ids, id))
            .transpose()?;
        let places: Vec<i64> = c
            .places
            .iter()
            .map(|p| entity_row(tx, ids, p))
            .collect::<Result<_, _>>()?;
        let (kind, source, speaker, role, document) = match &c.attribution {
            Attribution::Outlet => ("outlet", None, None, None, None),
            Attribution::Source { entity, document } => {
                ("source", Some(entity), None, None, document.clone())
            }
            Attribution::Speaker { name, role, entity } => {
                ("speaker", entity.as_ref(), name.clone(), role.clone(), None)
            }
        };
        let source = source.map(|id| entity_row(tx, ids, id)).transpose()?;
        let time = c.time.as_ref();
        let sentence = &doc.text[c.evidence.sentence.start..c.evidence.sentence.end];
        claim_stmt.execute(params![
            article,
            subject_id,
            subject_text,
            c.predicate.as_str(),
            object_id,
            object_text,
            agent,
            places.first(),
            c.place_inferred,
            time.and_then(|t| t.text.clone()),
            time.and_then(|t| t.value.clone()),
            time.map(|t| t.precision.as_str()),
            time.map(|t| t.source.as_str()),
            c.modality.as_str(),
            kind,
            source,
            speaker,
            role,
            document,
            sentence,
            c.evidence.sentence.start as i64,
            c.evidence.sentence.end as i64,
            c.evidence.trigger.start as i64,
            c.evidence.trigger.end as i64,
            c.rule.0,
            c.pattern_version.0,
            extract::VERSION,
            c.subject_inferred,
        ])?;
        let claim = tx.last_insert_rowid();
        for p in places {
            place_stmt.execute(params![claim, p])?;
        }
    }
    Ok(())
}
