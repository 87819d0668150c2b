//! Read queries behind the CLI: claims, roads, entities, articles, literal actors and raw
//! SQL.
//!
//! Each returns a [`Table`] (column names and typed cells) that the binary renders as an
//! aligned table, JSON or CSV. Filters are bound parameters, never spliced into SQL. Raw SQL
//! instead streams its rows into a [`RowSink`], within a time and a row limit, because its
//! result may be of any size, or endless.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, Statement, params_from_iter};
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

/// Where the rows of a query go as they are read: the column names once, then every row.
/// Writing errors end the query and come back as [`StoreError::Output`].
pub trait RowSink {
    fn columns(&mut self, names: &[String]) -> std::io::Result<()>;
    fn row(&mut self, cells: Vec<Cell>) -> std::io::Result<()>;
}

/// A table holds every row it is given: for results known to be small.
impl RowSink for Table {
    fn columns(&mut self, names: &[String]) -> std::io::Result<()> {
        self.columns = names.to_vec();
        Ok(())
    }

    fn row(&mut self, cells: Vec<Cell>) -> std::io::Result<()> {
        self.rows.push(cells);
        Ok(())
    }
}

/// Bounds on one ad-hoc query ([`Store::sql`]); `None` is no bound.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SqlLimits {
    /// Time SQLite may spend on the query. The time the sink takes over each row (a slow
    /// reader of the output) does not count.
    pub timeout: Option<Duration>,
    /// Rows the query may return; one more is an error.
    pub max_rows: Option<u64>,
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
    let mut table = Table::new(&[]);
    stream(stmt, params, SqlLimits::default(), &mut table)?;
    Ok(table)
}

/// The cells of one row, blobs shown by their size.
fn cells(row: &rusqlite::Row, n: usize) -> Result<Vec<Cell>, StoreError> {
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
    Ok(cells)
}

/// Hands the rows of a prepared statement to `sink` one at a time, within `limits`;
/// returns how many there were.
fn stream(
    stmt: &mut Statement,
    params: &[Value],
    limits: SqlLimits,
    sink: &mut dyn RowSink,
) -> Result<u64, StoreError> {
    let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
    let n = columns.len();
    sink.columns(&columns).map_err(StoreError::Output)?;
    let mut rows = stmt.query(params_from_iter(params.iter()))?;
    let mut count = 0u64;
    while let Some(row) = rows.next()? {
        if limits.max_rows.is_some_and(|max| count >= max) {
            return Err(StoreError::RowLimit(count));
        }
        sink.row(cells(row, n)?).map_err(StoreError::Output)?;
        count += 1;
    }
    Ok(count)
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

    /// Runs one read-only SQL statement, handing its rows to `sink` as SQLite produces
    /// them, so a result of any size takes no memory here. Stops with
    /// [`StoreError::TimeLimit`] or [`StoreError::RowLimit`] when a limit is passed (the rows
    /// before it have reached the sink). Statements that write are refused.
    pub fn sql(
        &self,
        sql: &str,
        limits: SqlLimits,
        sink: &mut dyn RowSink,
    ) -> Result<u64, StoreError> {
        if is_blank_sql(sql) {
            return Err(StoreError::EmptyQuery);
        }
        let mut stmt = self.conn.prepare(sql)?;
        if !stmt.readonly() {
            return Err(StoreError::ReadOnly(
                "only statements that read are allowed".into(),
            ));
        }
        let Some(limit) = limits.timeout else {
            return stream(&mut stmt, &[], limits, sink);
        };
        let clock = Clock::start(&self.conn, limit)?;
        let result = stream(
            &mut stmt,
            &[],
            limits,
            &mut Timed {
                sink,
                clock: &clock,
            },
        );
        match result {
            Err(StoreError::Sql(_)) if clock.expired() => Err(StoreError::TimeLimit(limit)),
            other => other,
        }
    }
}

/// True when `sql` holds no statement: only blanks, `;` and comments. SQLite prepares such
/// text into nothing, and running nothing fails with a misleading "API misuse".
pub fn is_blank_sql(sql: &str) -> bool {
    let mut rest = sql;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ';');
        if let Some(comment) = rest.strip_prefix("--") {
            rest = comment.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(comment) = rest.strip_prefix("/*") {
            // An unterminated block comment runs to the end, as in SQLite.
            rest = comment.split_once("*/").map_or("", |(_, after)| after);
        } else {
            return rest.is_empty();
        }
    }
}

/// Counts the time SQLite spends on a query, not the time its sink spends writing (a reader
/// paging through the output must not use up the budget), and interrupts the query through
/// SQLite's progress handler once the budget is spent. Removes the handler when dropped.
struct Clock<'c> {
    conn: &'c Connection,
    state: Arc<Mutex<ClockState>>,
}

#[derive(Debug)]
struct ClockState {
    limit: Duration,
    spent: Duration,
    /// When SQLite last got control back from the sink.
    resumed: Option<Instant>,
    expired: bool,
}

/// Virtual machine instructions between two looks at the clock: a few microseconds.
const CLOCK_EVERY: i32 = 1000;

impl<'c> Clock<'c> {
    fn start(conn: &'c Connection, limit: Duration) -> Result<Self, StoreError> {
        let state = Arc::new(Mutex::new(ClockState {
            limit,
            spent: Duration::ZERO,
            resumed: Some(Instant::now()),
            expired: false,
        }));
        let watched = Arc::clone(&state);
        conn.progress_handler(
            CLOCK_EVERY,
            Some(move || {
                let Ok(mut s) = watched.lock() else {
                    return true;
                };
                let running = s.resumed.map_or(Duration::ZERO, |t| t.elapsed());
                if s.spent + running > s.limit {
                    s.expired = true;
                }
                s.expired
            }),
        )?;
        Ok(Self { conn, state })
    }

    fn expired(&self) -> bool {
        self.state.lock().map_or(true, |s| s.expired)
    }

    /// The sink has the row: SQLite's time stops.
    fn pause(&self) {
        if let Ok(mut s) = self.state.lock()
            && let Some(t) = s.resumed.take()
        {
            s.spent += t.elapsed();
        }
    }

    /// The sink is done: SQLite's time runs again.
    fn resume(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.resumed = Some(Instant::now());
        }
    }
}

impl Drop for Clock<'_> {
    fn drop(&mut self) {
        // Removing a handler cannot fail on a connection this process opened.
        let _ = self.conn.progress_handler(0, None::<fn() -> bool>);
    }
}

/// A sink whose time does not count against the query's.
struct Timed<'s, 'c> {
    sink: &'s mut dyn RowSink,
    clock: &'s Clock<'c>,
}

impl RowSink for Timed<'_, '_> {
    fn columns(&mut self, names: &[String]) -> std::io::Result<()> {
        self.clock.pause();
        let result = self.sink.columns(names);
        self.clock.resume();
        result
    }

    fn row(&mut self, cells: Vec<Cell>) -> std::io::Result<()> {
        self.clock.pause();
        let result = self.sink.row(cells);
        self.clock.resume();
        result
    }
}
