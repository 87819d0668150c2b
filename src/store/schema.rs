//! The database schema, as migrations run at open.
//!
//! Written for analysts who open the file in sqlite3, Datasette or pandas: `INTEGER PRIMARY
//! KEY` ids, declared foreign keys, a `name` or `title` on every lookup table,
//! `latitude`/`longitude` on places, `_`-prefixed internal tables, and views to start from.
//! The FTS5 table is declared with `content="articles"` (quoted) because that is the form
//! Datasette recognizes.

use rusqlite_migration::{M, Migrations};

const V1: &str = r#"
CREATE TABLE entities (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    country_id  INTEGER REFERENCES entities(id),
    latitude    REAL,
    longitude   REAL,
    from_id     INTEGER REFERENCES entities(id),
    to_id       INTEGER REFERENCES entities(id),
    description TEXT
) STRICT;

CREATE TABLE aliases (
    id        INTEGER PRIMARY KEY,
    entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    lang      TEXT,
    UNIQUE (entity_id, name)
) STRICT;
CREATE INDEX aliases_entity ON aliases(entity_id);

CREATE TABLE runs (
    id              INTEGER PRIMARY KEY,
    command         TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    pattern_version TEXT NOT NULL,
    inputs          INTEGER NOT NULL DEFAULT 0,
    added           INTEGER NOT NULL DEFAULT 0,
    duplicates      INTEGER NOT NULL DEFAULT 0,
    failed          INTEGER NOT NULL DEFAULT 0,
    claims          INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL DEFAULT 'running'
) STRICT;

CREATE TABLE articles (
    id                INTEGER PRIMARY KEY,
    content_hash      TEXT NOT NULL UNIQUE,
    title             TEXT,
    byline            TEXT,
    published         TEXT,
    language          TEXT,
    format            TEXT NOT NULL,
    source_url        TEXT,
    source_path       TEXT,
    dateline          TEXT,
    agency            TEXT,
    text              TEXT NOT NULL,
    extractor_version TEXT NOT NULL,
    pattern_version   TEXT NOT NULL,
    run_id            INTEGER REFERENCES runs(id),
    ingested_at       TEXT NOT NULL
) STRICT;
CREATE INDEX articles_published ON articles(published);

CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, text, content="articles", content_rowid="id"
);
CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
END;
CREATE TRIGGER articles_au AFTER UPDATE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
    INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;

CREATE TABLE mentions (
    id         INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    entity_id  INTEGER NOT NULL REFERENCES entities(id),
    start      INTEGER NOT NULL,
    end        INTEGER NOT NULL,
    surface    TEXT NOT NULL,
    via        TEXT NOT NULL
) STRICT;
CREATE INDEX mentions_article ON mentions(article_id);
CREATE INDEX mentions_entity ON mentions(entity_id);

CREATE TABLE claims (
    id               INTEGER PRIMARY KEY,
    article_id       INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    subject_id       INTEGER REFERENCES entities(id),
    subject_text     TEXT,
    predicate        TEXT NOT NULL,
    object_id        INTEGER REFERENCES entities(id),
    object_text      TEXT,
    agent_id         INTEGER REFERENCES entities(id),
    place_id         INTEGER REFERENCES entities(id),
    place_inferred   INTEGER NOT NULL DEFAULT 0,
    time_text        TEXT,
    time_value       TEXT,
    time_precision   TEXT,
    time_source      TEXT,
    modality         TEXT NOT NULL,
    attribution      TEXT NOT NULL,
    attributed_to_id INTEGER REFERENCES entities(id),
    speaker_name     TEXT,
    speaker_role     TEXT,
    source_document  TEXT,
    sentence         TEXT NOT NULL,
    sentence_start   INTEGER NOT NULL,
    sentence_end     INTEGER NOT NULL,
    trigger_start    INTEGER NOT NULL,
    trigger_end      INTEGER NOT NULL,
    rule             TEXT NOT NULL,
    pattern_version  TEXT NOT NULL
) STRICT;
CREATE INDEX claims_article ON claims(article_id);
CREATE INDEX claims_subject ON claims(subject_id);
CREATE INDEX claims_predicate ON claims(predicate);

CREATE TABLE claim_places (
    claim_id INTEGER NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
    place_id INTEGER NOT NULL REFERENCES entities(id),
    PRIMARY KEY (claim_id, place_id)
) STRICT;

CREATE TABLE _state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE VIEW places AS
    SELECT id, key, name, kind, latitude, longitude, country_id
    FROM entities WHERE latitude IS NOT NULL;

CREATE VIEW claims_named AS
    SELECT c.id,
           a.published,
           coalesce(s.name, c.subject_text) AS subject,
           c.predicate,
           coalesce(o.name, c.object_text) AS object,
           ag.name AS agent,
           p.name AS place,
           c.time_text,
           c.time_value,
           c.time_precision,
           c.modality,
           coalesce(src.name, c.speaker_name, a.agency, 'outlet') AS according_to,
           c.speaker_role,
           c.source_document,
           a.title AS article,
           coalesce(a.source_url, a.source_path) AS source,
           c.sentence,
           c.rule,
           c.pattern_version,
           c.article_id
    FROM claims c
    JOIN articles a ON a.id = c.article_id
    LEFT JOIN entities s ON s.id = c.subject_id
    LEFT JOIN entities o ON o.id = c.object_id
    LEFT JOIN entities ag ON ag.id = c.agent_id
    LEFT JOIN entities p ON p.id = c.place_id
    LEFT JOIN entities src ON src.id = c.attributed_to_id;

CREATE VIEW road_status_history AS
    SELECT r.name AS road,
           c.object_text AS status,
           ag.name AS controlled_by,
           coalesce(c.time_value, a.published) AS as_of,
           c.modality,
           coalesce(src.name, c.speaker_name, a.agency, 'outlet') AS according_to,
           a.title AS article,
           coalesce(a.source_url, a.source_path) AS source,
           c.sentence,
           c.id AS claim_id,
           r.id AS road_id
    FROM claims c
    JOIN articles a ON a.id = c.article_id
    JOIN entities r ON r.id = c.subject_id
    LEFT JOIN entities ag ON ag.id = c.agent_id
    LEFT JOIN entities src ON src.id = c.attributed_to_id
    WHERE c.predicate = 'road_status' AND c.modality != 'negated';

CREATE VIEW road_status_latest AS
    SELECT road, status, controlled_by, as_of, modality, according_to, article, source, sentence, claim_id, road_id
    FROM (
        SELECT h.*, row_number() OVER (PARTITION BY road_id ORDER BY as_of DESC, claim_id DESC) AS rn
        FROM road_status_history h
    )
    WHERE rn = 1;
"#;

/// Fetching (issue 3): sources and their HTTP state, the frontier of article URLs, raw
/// bodies kept for reprocessing, every URL an article was seen at, and run counters.
const V2: &str = r#"
CREATE TABLE sources (
    id              INTEGER PRIMARY KEY,
    url             TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    etag            TEXT,
    last_modified   TEXT,
    body_hash       TEXT,
    last_polled_at  TEXT,
    last_success_at TEXT,
    last_status     INTEGER,
    last_error      TEXT,
    failures        INTEGER NOT NULL DEFAULT 0,
    failing_since   TEXT,
    next_poll_at    TEXT,
    disabled_at     TEXT,
    disabled_reason TEXT
) STRICT;

CREATE TABLE raw_pages (
    id           INTEGER PRIMARY KEY,
    url          TEXT NOT NULL,
    final_url    TEXT NOT NULL,
    status       INTEGER NOT NULL,
    fetched_at   TEXT NOT NULL,
    content_type TEXT,
    headers      TEXT NOT NULL,
    encoding     TEXT NOT NULL,
    body         BLOB NOT NULL,
    size         INTEGER NOT NULL,
    body_hash    TEXT NOT NULL,
    source_id    INTEGER REFERENCES sources(id)
) STRICT;
CREATE INDEX raw_pages_url ON raw_pages(url);

CREATE TABLE items (
    id              INTEGER PRIMARY KEY,
    url             TEXT NOT NULL UNIQUE,
    title           TEXT,
    source_id       INTEGER REFERENCES sources(id),
    guid            TEXT,
    published       TEXT,
    language        TEXT,
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'done', 'failed', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_error      TEXT,
    article_id      INTEGER REFERENCES articles(id),
    raw_id          INTEGER REFERENCES raw_pages(id),
    discovered_at   TEXT NOT NULL,
    fetched_at      TEXT
) STRICT;
CREATE INDEX items_state ON items(state, next_attempt_at);
CREATE INDEX items_guid ON items(source_id, guid);

CREATE TABLE article_urls (
    id         INTEGER PRIMARY KEY,
    url        TEXT NOT NULL UNIQUE,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    first_seen TEXT NOT NULL
) STRICT;
CREATE INDEX article_urls_article ON article_urls(article_id);

ALTER TABLE articles ADD COLUMN raw_id INTEGER REFERENCES raw_pages(id);
ALTER TABLE articles ADD COLUMN source_id INTEGER REFERENCES sources(id);

ALTER TABLE runs ADD COLUMN polled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN updated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN unchanged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN requests INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN duration_ms INTEGER;
"#;

/// Reprocessing (issue 4): claims carry the extractor version too, and a raw body keeps the
/// metadata supplied with it (flags, sidecar, feed) and its format, so re-running the
/// pipeline on it needs nothing else.
const V3: &str = r#"
ALTER TABLE claims ADD COLUMN extractor_version TEXT NOT NULL DEFAULT '';
ALTER TABLE raw_pages ADD COLUMN format TEXT;
ALTER TABLE raw_pages ADD COLUMN overrides TEXT;
CREATE INDEX articles_raw ON articles(raw_id);
"#;

/// Analysts' fixes: full-text search stems English words ("fuel tanker" finds "fuel
/// tankers") and ignores accents; a road status whose time has a month but no year
/// ("XXXX-09") is dated by its article, not sorted above every real date; runs get a
/// `name`, so that Datasette labels the articles that point to them.
const V4: &str = r#"
DROP TRIGGER articles_ai;
DROP TRIGGER articles_ad;
DROP TRIGGER articles_au;
DROP TABLE articles_fts;
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, text, content="articles", content_rowid="id",
    tokenize="porter unicode61 remove_diacritics 2"
);
INSERT INTO articles_fts(articles_fts) VALUES ('rebuild');
CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
END;
CREATE TRIGGER articles_au AFTER UPDATE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
    INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;

DROP VIEW road_status_latest;
DROP VIEW road_status_history;
CREATE VIEW road_status_history AS
    SELECT r.name AS road,
           c.object_text AS status,
           ag.name AS controlled_by,
           CASE WHEN c.time_value GLOB '[0-9][0-9][0-9][0-9]*' THEN c.time_value
                ELSE a.published END AS as_of,
           c.modality,
           coalesce(src.name, c.speaker_name, a.agency, 'outlet') AS according_to,
           a.title AS article,
           coalesce(a.source_url, a.source_path) AS source,
           c.sentence,
           c.id AS claim_id,
           r.id AS road_id
    FROM claims c
    JOIN articles a ON a.id = c.article_id
    JOIN entities r ON r.id = c.subject_id
    LEFT JOIN entities ag ON ag.id = c.agent_id
    LEFT JOIN entities src ON src.id = c.attributed_to_id
    WHERE c.predicate = 'road_status' AND c.modality != 'negated';
CREATE VIEW road_status_latest AS
    SELECT road, status, controlled_by, as_of, modality, according_to, article, source, sentence, claim_id, road_id
    FROM (
        SELECT h.*, row_number() OVER (PARTITION BY road_id ORDER BY as_of DESC, claim_id DESC) AS rn
        FROM road_status_history h
    )
    WHERE rn = 1;

ALTER TABLE runs ADD COLUMN name TEXT GENERATED ALWAYS AS (command || ' ' || started_at) VIRTUAL;
"#;

/// Issue 11: every claim view says what its time rests on, as `time_basis`: `stated` (a time
/// in the claim's own sentence), `neighbour_sentence` (taken from the next sentence about the
/// same subject), `publication_date` (no time stated: the article's date), or `unresolved`
/// (neither, or no publication date to fall back on). In the road views it is the basis of
/// `as_of`, which falls back to the publication date when a time has no year.
const V5: &str = r#"
DROP VIEW road_status_latest;
DROP VIEW road_status_history;
DROP VIEW claims_named;

CREATE VIEW claims_named AS
    SELECT c.id,
           a.published,
           coalesce(s.name, c.subject_text) AS subject,
           c.predicate,
           coalesce(o.name, c.object_text) AS object,
           ag.name AS agent,
           p.name AS place,
           c.time_text,
           c.time_value,
           c.time_precision,
           CASE c.time_source
                WHEN 'stated' THEN 'stated'
                WHEN 'context' THEN 'neighbour_sentence'
                WHEN 'publication' THEN 'publication_date'
                ELSE 'unresolved' END AS time_basis,
           c.modality,
           coalesce(src.name, c.speaker_name, a.agency, 'outlet') AS according_to,
           c.speaker_role,
           c.source_document,
           a.title AS article,
           coalesce(a.source_url, a.source_path) AS source,
           c.sentence,
           c.rule,
           c.pattern_version,
           c.article_id
    FROM claims c
    JOIN articles a ON a.id = c.article_id
    LEFT JOIN entities s ON s.id = c.subject_id
    LEFT JOIN entities o ON o.id = c.object_id
    LEFT JOIN entities ag ON ag.id = c.agent_id
    LEFT JOIN entities p ON p.id = c.place_id
    LEFT JOIN entities src ON src.id = c.attributed_to_id;

CREATE VIEW road_status_history AS
    SELECT r.name AS road,
           c.object_text AS status,
           ag.name AS controlled_by,
           CASE WHEN c.time_value GLOB '[0-9][0-9][0-9][0-9]*' THEN c.time_value
                ELSE a.published END AS as_of,
           CASE WHEN c.time_value GLOB '[0-9][0-9][0-9][0-9]*' THEN
                    CASE c.time_source
                         WHEN 'stated' THEN 'stated'
                         WHEN 'context' THEN 'neighbour_sentence'
                         ELSE 'publication_date' END
                WHEN a.published IS NOT NULL THEN 'publication_date'
                ELSE 'unresolved' END AS time_basis,
           c.modality,
           coalesce(src.name, c.speaker_name, a.agency, 'outlet') AS according_to,
           a.title AS article,
           coalesce(a.source_url, a.source_path) AS source,
           c.sentence,
           c.id AS claim_id,
           r.id AS road_id
    FROM claims c
    JOIN articles a ON a.id = c.article_id
    JOIN entities r ON r.id = c.subject_id
    LEFT JOIN entities ag ON ag.id = c.agent_id
    LEFT JOIN entities src ON src.id = c.attributed_to_id
    WHERE c.predicate = 'road_status' AND c.modality != 'negated';

CREATE VIEW road_status_latest AS
    SELECT road, status, controlled_by, as_of, time_basis, modality, according_to, article, source, sentence, claim_id, road_id
    FROM (
        SELECT h.*, row_number() OVER (PARTITION BY road_id ORDER BY as_of DESC, claim_id DESC) AS rn
        FROM road_status_history h
    )
    WHERE rn = 1;
"#;

/// Issue 11: a claim whose actor the sentence does not name and that takes the article's
/// principal actor (rules.toml `infer`) says so.
const V6: &str = r#"
ALTER TABLE claims ADD COLUMN subject_inferred INTEGER NOT NULL DEFAULT 0
    CHECK (subject_inferred IN (0, 1));
"#;

/// Issue 12: a run that stops on an error ends as `failed` and says why. (No view reads
/// `runs`, so none needs redefining.)
const V7: &str = r#"
ALTER TABLE runs ADD COLUMN error TEXT;
"#;

const ALL: [&str; 7] = [V1, V2, V3, V4, V5, V6, V7];

/// The schema version of an up-to-date database (SQLite's `user_version`).
pub const LATEST: i64 = ALL.len() as i64;

pub fn migrations() -> Migrations<'static> {
    Migrations::new(ALL.iter().map(|sql| M::up(sql)).collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(super::migrations().validate().is_ok());
    }
}
