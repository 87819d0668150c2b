//! Read queries behind the CLI: claims, roads, entities, articles, literal actors and raw
//! SQL.
//!
//! Each returns a [`Table`] (column names and typed cells) that the binary renders as an
//! aligned table, JSON or CSV. Filters are bound parameters, never spliced into SQL.

use chrono::NaiveDate;
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Statement, params_from_iter};
use serde::Serialize;

use super::{Store, StoreError};
use crate::model::Predicate;

/// One value of a result row.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Null => Ok(()),
            Cell::Int(i) => write!(f, "{i}"),
            Cell::Real(r) => write!(f, "{r}"),
            Cell::Text(t) => f.write_str(t),
        }
    }
}

/// A query result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new(columns: &[&str]) -> Self {
        Self {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }
}

/// Filters of `sitrep claims`; every one narrows the result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimFilter {
    /// Entity key or name (subject, object, agent or source), or a speaker's name.
    pub entity: Option<String>,
    pub predicate: Option<Predicate>,
    /// Place key or name: any of the claim's places.
    pub place: Option<String>,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    /// Substring of the article's URL, path or agency.
    pub source: Option<String>,
    pub limit: Option<u32>,
    /// Adds the evidence (sentence, rule, pattern version, article id): too wide for a
    /// terminal table, what a script wants.
    pub evidence: bool,
}

/// Which role of a claim `sitrep literals` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiteralRole {
    /// The subject, written out: an unnamed actor ("gunmen"), a quoted person, an
    /// organisation outside `patterns/` ("the Union of Hauliers").
    Subject,
    /// Who a claim is attributed to, when that is a name and not an entity.
    Speaker,
    /// The object, written out (often a status or a thing, not an actor).
    Object,
}

impl LiteralRole {
    pub fn as_str(self) -> &'static str {
        match self {
            LiteralRole::Subject => "subject",
            LiteralRole::Speaker => "speaker",
            LiteralRole::Object => "object",
        }
    }
}

/// Filters of `sitrep literals`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiteralFilter {
    /// One role; `None` reads the actor roles, subject and speaker.
    pub role: Option<LiteralRole>,
    /// Only claims of articles published on or after this day.
    pub since: Option<NaiveDate>,
    pub limit: Option<u32>,
}

/// The literal of every claim role that can hold one, with its claim and article. The day
/// of an article without a publication date is the day it was ingested.
const LITERALS: &str = "
    WITH lit AS (
        SELECT 'subject' AS role, subject_text AS literal, id, article_id, predicate
        FROM claims WHERE subject_id IS NULL AND subject_text IS NOT NULL
        UNION ALL
        SELECT 'speaker', speaker_name, id, article_id, predicate
        FROM claims WHERE attributed_to_id IS NULL AND speaker_name IS NOT NULL
        UNION ALL
        SELECT 'object', object_text, id, article_id, predicate
        FROM claims WHERE object_id IS NULL AND object_text IS NOT NULL
    ), dated AS (
        SELECT lit.*, coalesce(a.published, substr(a.ingested_at, 1, 10)) AS day
        FROM lit JOIN articles a ON a.id = lit.article_id
    )
    SELECT min(literal) AS literal, role, count(*) AS claims,
           count(DISTINCT article_id) AS articles, min(day) AS first_seen, max(day) AS last_seen,
           group_concat(DISTINCT predicate) AS predicates, max(id) AS example_claim
    FROM dated
    WHERE (CASE WHEN ?1 IS NULL THEN role != 'object' ELSE role = ?1 END)
      AND (?2 IS NULL OR day >= ?2)
    GROUP BY role, lower(literal)
    ORDER BY claims DESC, articles DESC, lower(literal), role";

fn run(stmt: &mut Statement, params: &[Value]) -> Result<Table, StoreError> {
    let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
    let n = columns.len();
    let mut rows = Vec::new();
    let mut result = stmt.query(params_from_iter(params.iter()))?;
    while let Some(row) = result.next()? {
        let mut cells = Vec::with_capacity(n);
        for i in 0..n {
            cells.push(match row.get_ref(i)? {
                ValueRef::Null => Cell::Null,
                ValueRef::Integer(v) => Cell::Int(v),
                ValueRef::Real(v) => Cell::Real(v),
                ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => Cell::Text(format!("<{} bytes>", b.len())),
            });
        }
        rows.push(cells);
    }
    Ok(Table { columns, rows })
}

/// RN3 before RN24: prefix, then number.
const ROAD_ORDER: &str =
    "rtrim(road, '0123456789'), CAST(ltrim(road, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') AS INTEGER), road";

const ENTITY_MATCH: &str = "(SELECT id FROM entities WHERE key = ?{n} OR name = ?{n} COLLATE NOCASE
    UNION SELECT entity_id FROM aliases WHERE name = ?{n} COLLATE NOCASE)";

impl Store {
    fn table(&self, sql: &str, params: &[Value]) -> Result<Table, StoreError> {
        let mut stmt = self.conn.prepare(sql)?;
        run(&mut stmt, params)
    }

    /// Claims with names joined in, newest first.
    pub fn claims(&self, f: &ClaimFilter) -> Result<Table, StoreError> {
        let evidence = if f.evidence {
            ", v.speaker_role, v.source_document, v.sentence, c.sentence_start, c.sentence_end,
               v.rule, v.pattern_version, v.article_id"
        } else {
            ""
        };
        let mut sql = format!(
            "SELECT v.id, v.published, v.subject, v.predicate, v.object, v.agent, v.place, v.time_text, v.time_value,
                    v.time_precision, v.time_basis, v.modality, v.according_to, v.source,
                    c.subject_inferred{evidence}
             FROM claims_named v JOIN claims c ON c.id = v.id WHERE 1 = 1",
        );
        let mut params: Vec<Value> = Vec::new();
        let mut bind = |sql: &mut String, clause: &str, v: Value| {
            params.push(v);
            sql.push_str(&clause.replace("{n}", &params.len().to_string()));
        };
        if let Some(e) = &f.entity {
            let m = ENTITY_MATCH;
            let clause = format!(
                " AND (c.subject_id IN {m} OR c.object_id IN {m} OR c.agent_id IN {m} OR c.attributed_to_id IN {m}
                   OR c.subject_text = ?{{n}} COLLATE NOCASE OR c.speaker_name = ?{{n}} COLLATE NOCASE)"
            );
            bind(&mut sql, &clause, Value::Text(e.clone()));
        }
        if let Some(p) = f.predicate {
            bind(
                &mut sql,
                " AND c.predicate = ?{n}",
                Value::Text(p.as_str().to_string()),
            );
        }
        if let Some(p) = &f.place {
            let clause = format!(
                " AND c.id IN (SELECT claim_id FROM claim_places WHERE place_id IN {ENTITY_MATCH})"
            );
            bind(&mut sql, &clause, Value::Text(p.clone()));
        }
        let as_of =
            "coalesce(CASE WHEN c.time_value GLOB '[0-9]*' THEN c.time_value END, v.published)";
        if let Some(d) = f.since {
            bind(
                &mut sql,
                &format!(" AND {as_of} >= ?{{n}}"),
                Value::Text(d.to_string()),
            );
        }
        if let Some(d) = f.until {
            // A month or year value compares below the next day's date, so it stays in range.
            bind(
                &mut sql,
                &format!(" AND {as_of} <= ?{{n}} || 'z'"),
                Value::Text(d.to_string()),
            );
        }
        if let Some(s) = &f.source {
            bind(
                &mut sql,
                " AND (v.source LIKE '%' || ?{n} || '%' OR v.according_to = ?{n} COLLATE NOCASE)",
                Value::Text(s.clone()),
            );
        }
        sql.push_str(&format!(" ORDER BY {as_of} DESC, v.id DESC"));
        if let Some(limit) = f.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        self.table(&sql, &params)
    }

    /// Latest status per road, or every status claim with `history`.
    pub fn roads(&self, history: bool) -> Result<Table, StoreError> {
        let sql = if history {
            format!("SELECT road, status, controlled_by, as_of, time_basis, modality, according_to, source FROM road_status_history
             ORDER BY {ROAD_ORDER}, as_of DESC, claim_id DESC"
            )
        } else {
            format!(
                "SELECT road, status, controlled_by, as_of, time_basis, according_to, source FROM road_status_latest ORDER BY {ROAD_ORDER}"
            )
        };
        self.table(&sql, &[])
    }

    /// Known entities, with how often they are mentioned; optionally of one kind. Roads
    /// show their endpoints instead of coordinates (roads named by their endpoints in the
    /// text included).
    pub fn entities(&self, kind: Option<&str>) -> Result<Table, StoreError> {
        let sql = if kind == Some("road") {
            "SELECT e.key, e.name, e.kind, c.key AS country, f.name AS \"from\", t.name AS \"to\",
                    (SELECT count(*) FROM mentions m WHERE m.entity_id = e.id) AS mentions
             FROM entities e LEFT JOIN entities c ON c.id = e.country_id
               LEFT JOIN entities f ON f.id = e.from_id LEFT JOIN entities t ON t.id = e.to_id
             WHERE e.kind = ?1
             ORDER BY mentions DESC, e.key"
        } else {
            "SELECT e.key, e.name, e.kind, c.key AS country, e.latitude, e.longitude,
                    (SELECT count(*) FROM mentions m WHERE m.entity_id = e.id) AS mentions
             FROM entities e LEFT JOIN entities c ON c.id = e.country_id
             WHERE ?1 IS NULL OR e.kind = ?1
             ORDER BY mentions DESC, e.key"
        };
        self.table(
            sql,
            &[kind.map_or(Value::Null, |k| Value::Text(k.to_string()))],
        )
    }

    /// Articles, newest first, or those matching a full-text query, best first.
    pub fn articles(&self, search: Option<&str>, limit: u32) -> Result<Table, StoreError> {
        match search {
            Some(q) => self.table(
                &format!(
                    "SELECT a.id, a.published, a.title, coalesce(a.source_url, a.source_path) AS source,
                            snippet(articles_fts, 1, '[', ']', '…', 12) AS snippet
                     FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
                     WHERE articles_fts MATCH ?1 ORDER BY rank LIMIT {limit}"
                ),
                &[Value::Text(q.to_string())],
            ),
            None => self.table(
                &format!(
                    "SELECT a.id, a.published, a.title, coalesce(a.source_url, a.source_path) AS source,
                            (SELECT count(*) FROM claims c WHERE c.article_id = a.id) AS claims
                     FROM articles a ORDER BY a.published DESC, a.id DESC LIMIT {limit}"
                ),
                &[],
            ),
        }
    }

    /// The most frequent literal actors (or objects): role phrases kept as written because
    /// no entity of `patterns/` matched them, with how many claims and articles hold them,
    /// when they were first and last seen, and the latest claim as an example. What an
    /// analyst reads to grow `patterns/` from real data.
    pub fn literals(&self, f: &LiteralFilter) -> Result<Table, StoreError> {
        let mut sql = LITERALS.to_string();
        if let Some(limit) = f.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        let role = f
            .role
            .map_or(Value::Null, |r| Value::Text(r.as_str().to_string()));
        let since = f.since.map_or(Value::Null, |d| Value::Text(d.to_string()));
        self.table(&sql, &[role, since])
    }

    /// Runs one SQL statement and returns its rows. On a read-only store, writes fail.
    pub fn sql(&self, sql: &str) -> Result<Table, StoreError> {
        let mut stmt = self.conn.prepare(sql)?;
        if !stmt.readonly() {
            return Err(StoreError::ReadOnly(
                "only statements that read are allowed".into(),
            ));
        }
        run(&mut stmt, &[])
    }
}
