//! The `sitrep` command end to end, on temporary databases and pattern directories.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use rusqlite::Connection;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sitrep(db: &Path) -> Command {
    let mut cmd = Command::cargo_bin("sitrep").expect("binary builds");
    cmd.current_dir(root())
        .env_remove("SITREP_PATTERNS")
        .arg("--db")
        .arg(db);
    cmd
}

fn count(db: &Path, table: &str) -> i64 {
    scalar(
        &Connection::open(db).unwrap(),
        &format!("SELECT count(*) FROM {table}"),
    )
}

/// A temporary database holding the two seed articles.
fn seeded() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    sitrep(&db)
        .args(["ingest", "fixtures/seeds"])
        .assert()
        .success();
    (dir, db)
}

/// The single value a query returns.
fn scalar<T: rusqlite::types::FromSql>(conn: &Connection, sql: &str) -> T {
    conn.query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn stdout(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn ingesting_the_same_inputs_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    sitrep(&db)
        .args(["ingest", "fixtures/seeds", "fixtures/articles"])
        .assert()
        .success();
    let tables = ["articles", "claims", "mentions", "entities", "claim_places"];
    let before: Vec<i64> = tables.iter().map(|t| count(&db, t)).collect();
    let texts = ["fixtures/seeds", "fixtures/articles"]
        .iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap())
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "txt")
        })
        .count() as i64;
    assert_eq!(before[0], texts, "one article per seed and fixture text");
    let second = sitrep(&db)
        .args(["ingest", "fixtures/seeds", "fixtures/articles"])
        .output()
        .unwrap();
    assert!(second.status.success());
    let after: Vec<i64> = tables.iter().map(|t| count(&db, t)).collect();
    assert_eq!(before, after);
    let summary = String::from_utf8_lossy(&second.stderr);
    assert!(
        summary.contains(&format!("0 new article(s), {texts} already stored")),
        "{summary}"
    );
    let conn = Connection::open(&db).unwrap();
    let runs: Vec<(i64, i64, String)> = conn
        .prepare("SELECT added, duplicates, status FROM runs ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        runs,
        vec![(texts, 0, "ok".to_string()), (0, texts, "ok".to_string())]
    );
}

#[test]
fn a_malformed_file_is_reported_and_skipped_while_the_rest_goes_in() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    std::fs::copy(
        root().join("fixtures/seeds/000_dec6e1f6441e53ed.txt"),
        inputs.join("good.txt"),
    )
    .unwrap();
    std::fs::write(inputs.join("binary.txt"), b"\x00\x01\x02garbage\x00").unwrap();
    std::fs::write(inputs.join("empty.txt"), "   \n\n").unwrap();
    std::fs::write(inputs.join("broken.html.gz"), "this is not gzip").unwrap();
    std::fs::write(
        inputs.join("latin1.txt"),
        b"Le JNIM a attaqu\xe9 un convoi pr\xe8s de Kayes.\n",
    )
    .unwrap();
    let db = dir.path().join("t.db");
    let out = sitrep(&db).arg("ingest").arg(&inputs).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "some inputs failed");
    let err = String::from_utf8_lossy(&out.stderr);
    for bad in ["binary.txt", "empty.txt", "broken.html.gz"] {
        assert!(err.contains(bad), "{bad} not reported in:\n{err}");
    }
    assert!(
        err.contains("2 new article(s)") && err.contains("3 failed"),
        "{err}"
    );
    assert_eq!(count(&db, "articles"), 2);
    let conn = Connection::open(&db).unwrap();
    let text: String = scalar(
        &conn,
        "SELECT text FROM articles WHERE source_path LIKE '%latin1.txt'",
    );
    assert!(
        text.contains("attaqué un convoi près de Kayes"),
        "decoded as windows-1252: {text}"
    );
    let status: String = scalar(&conn, "SELECT status FROM runs");
    assert_eq!(status, "partial");
}

#[test]
fn gzipped_html_pages_are_ingested() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let page = std::fs::read(root().join("fixtures/html/fr_blocus_kayes.html")).unwrap();
    let gz = dir.path().join("page.html.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(&page).unwrap();
    enc.finish().unwrap();
    let db = dir.path().join("t.db");
    sitrep(&db).arg("ingest").arg(&gz).assert().success();
    let conn = Connection::open(&db).unwrap();
    let (title, language, format): (String, String, String) = conn
        .query_row("SELECT title, language, format FROM articles", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!(
        (title.as_str(), language.as_str(), format.as_str()),
        ("Le JNIM étend son blocus vers Kayes", "fr", "html")
    );
    assert!(count(&db, "claims") >= 3);
}

#[test]
fn sql_is_read_only() {
    let (_dir, db) = seeded();
    for write in [
        "DELETE FROM articles",
        "UPDATE claims SET predicate = 'x'",
        "DROP TABLE claims",
        "INSERT INTO runs (command, started_at, pattern_version) VALUES ('x','y','z')",
    ] {
        let out = sitrep(&db).args(["sql", write]).output().unwrap();
        assert!(!out.status.success(), "{write} was accepted");
    }
    assert_eq!(count(&db, "articles"), 2);
    let csv = stdout(sitrep(&db).args([
        "sql",
        "SELECT count(*) AS n FROM articles",
        "--format",
        "csv",
    ]));
    assert_eq!(csv, "n\n2\n");
}

#[test]
fn queries_answer_the_analyst_questions() {
    let (_dir, db) = seeded();

    let roads = stdout(sitrep(&db).args(["roads", "--format", "csv"]));
    assert!(
        roads.starts_with("road,status,controlled_by,as_of,time_basis,according_to,source\n"),
        "{roads}"
    );
    // The map states no date: its statuses hold as of the article's.
    assert!(
        roads.contains("RN26,open,,2025-12-04,publication_date,Rerum Novarum"),
        "{roads}"
    );
    assert!(
        roads.contains("RN5,partially_controlled,JNIM,2025-12-04,publication_date,Rerum Novarum"),
        "{roads}"
    );
    assert_eq!(roads.lines().count(), 9, "8 roads and a header:\n{roads}");

    let json = stdout(sitrep(&db).args([
        "claims",
        "--entity",
        "JNIM",
        "--predicate",
        "blockade",
        "--format",
        "json",
    ]));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert!(
        rows.iter()
            .any(|r| r["object"] == "Bamako" && r["time_value"] == "2025-12-04"),
        "{json}"
    );
    assert!(rows.iter().all(|r| r["predicate"] == "blockade"));
    // The keys scripts read are all there, and every time says what it rests on.
    let keys = [
        "id",
        "published",
        "subject",
        "predicate",
        "object",
        "agent",
        "place",
        "time_text",
        "time_value",
        "time_precision",
        "time_basis",
        "modality",
        "according_to",
        "source",
    ];
    assert!(
        rows.iter().all(|r| keys.iter().all(|k| r.get(k).is_some())),
        "{json}"
    );
    let bases = [
        "stated",
        "neighbour_sentence",
        "publication_date",
        "unresolved",
    ];
    assert!(
        rows.iter()
            .all(|r| bases.iter().any(|b| r["time_basis"] == *b)),
        "{json}"
    );
    // Scripts get the evidence: the sentence, its span, the rule and the pattern version.
    assert!(
        rows.iter().all(|r| r["sentence"].is_string()
            && r["sentence_start"].is_i64()
            && r["rule"] == "blockade"
            && r["pattern_version"].is_string()),
        "{json}"
    );

    let departures = stdout(sitrep(&db).args([
        "claims",
        "--predicate",
        "advises_departure",
        "--format",
        "csv",
    ]));
    assert!(
        departures.contains("U.S. Embassy in Mali") && departures.contains("United States"),
        "{departures}"
    );
    assert!(
        departures
            .lines()
            .next()
            .unwrap()
            .contains(",time_precision,time_basis,"),
        "{departures}"
    );
    let table = stdout(sitrep(&db).args(["claims", "--predicate", "advises_departure"]));
    assert!(table.contains("time_basis"), "{table}");

    let dated = stdout(sitrep(&db).args([
        "claims",
        "--since",
        "2025-12-01",
        "--place",
        "Bamako",
        "--format",
        "json",
    ]));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&dated).unwrap();
    assert!(
        !rows.is_empty() && rows.iter().all(|r| r["published"] == "2025-12-04"),
        "{dated}"
    );

    // Search stems English: the README's "fuel tanker" finds "fuel tankers".
    let search =
        stdout(sitrep(&db).args(["articles", "--search", "fuel tanker", "--format", "csv"]));
    assert!(
        search.contains("000_dec6e1f6441e53ed.txt") && !search.contains("003_"),
        "{search}"
    );

    let table = stdout(sitrep(&db).args(["entities", "--kind", "road"]));
    assert!(table.contains("RN26") && table.contains("rows)"), "{table}");
}

#[test]
fn extract_prints_json_and_touches_no_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("never.db");
    let json = stdout(sitrep(&db).args(["extract", "fixtures/seeds/003_b4f38205223c0aa9.txt"]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["title"],
        "JNIM Blocks Bamako, Prompting Several Countries to Advise Citizens to Leave"
    );
    assert_eq!(v["published"], "2025-12-04");
    assert!(
        v["mentions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["entity"] == "rn26")
    );
    assert!(v["claims"].as_array().unwrap().len() >= 12);
    assert!(!db.exists());
}

#[test]
fn metadata_flags_resolve_relative_dates() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("never.db");
    let mut cmd = sitrep(&db);
    cmd.args(["extract", "-", "--published", "2025-10-28", "--no-text"]);
    cmd.write_stdin(
        "The U.S. Embassy in Mali on Tuesday called on American citizens to leave the country.",
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&mut cmd)).unwrap();
    let claim = &v["claims"][0];
    assert_eq!(claim["predicate"], "advises_departure");
    assert_eq!(
        claim["time"]["value"], "2025-10-28",
        "2025-10-28 is itself a Tuesday"
    );
}

fn patterns_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in sitrep::patterns::FILES {
        std::fs::copy(root().join("patterns").join(f), dir.path().join(f)).unwrap();
    }
    dir
}

/// `sitrep patterns` on a pattern directory.
fn check_patterns(dir: &Path) -> std::process::Output {
    let db = tempfile::tempdir().unwrap();
    sitrep(&db.path().join("t.db"))
        .arg("--patterns")
        .arg(dir)
        .arg("patterns")
        .output()
        .unwrap()
}

#[test]
fn a_broken_pattern_file_is_rejected_with_file_line_and_reason() {
    let patterns = patterns_copy();
    let actors = patterns.path().join("actors.toml");
    let text = std::fs::read_to_string(&actors).unwrap();
    let broken = text.replacen("kind = \"armed_group\"", "kind = \"armed_gruop\"", 1);
    std::fs::write(&actors, &broken).unwrap();
    let line = broken
        .lines()
        .position(|l| l.contains("armed_gruop"))
        .unwrap()
        + 1;
    let out = check_patterns(patterns.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("actors.toml:") && err.contains("armed_gruop"),
        "{err}"
    );
    // The error names the entity's table, which starts a few lines above the bad field.
    let reported: usize = err
        .split("actors.toml:")
        .nth(1)
        .and_then(|r| r.split(':').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(
        reported <= line && line - reported < 10,
        "reported line {reported}, typo on {line}"
    );

    std::fs::write(&actors, text.replacen("[[entity]]", "[[entity]\n", 1)).unwrap();
    let out = check_patterns(patterns.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("actors.toml:"));
}

#[test]
fn an_alias_pointing_to_two_entities_is_reported_with_both_places() {
    let patterns = patterns_copy();
    let places = patterns.path().join("places.toml");
    let mut text = std::fs::read_to_string(&places).unwrap();
    text.push_str("\n[[entity]]\nid = \"jnim-town\"\nkind = \"city\"\nname = \"JNIM\"\nlatitude = 12.0\nlongitude = -8.0\n");
    std::fs::write(&places, text).unwrap();
    let out = check_patterns(patterns.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("entity jnim-town: alias \"JNIM\" also belongs to entity jnim")
            && err.contains("actors.toml:"),
        "{err}"
    );
}

#[test]
fn the_schema_is_what_datasette_expects() {
    let (_dir, db) = seeded();
    let conn = Connection::open(&db).unwrap();
    let fts: String = scalar(
        &conn,
        "SELECT sql FROM sqlite_master WHERE name = 'articles_fts'",
    );
    assert!(fts.contains("content=\"articles\""), "{fts}");
    let mode: String = scalar(&conn, "PRAGMA journal_mode");
    assert_eq!(mode, "wal");
    let strict: i64 = scalar(
        &conn,
        "SELECT count(*) FROM pragma_table_list WHERE strict = 1 AND name IN ('articles','claims','entities','mentions','runs')",
    );
    assert_eq!(strict, 5);
    let (lat, lon): (f64, f64) = conn
        .query_row(
            "SELECT latitude, longitude FROM places WHERE key = 'bamako'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!((12.0..13.0).contains(&lat) && (-9.0..-7.0).contains(&lon));
    let internal: i64 = scalar(
        &conn,
        "SELECT count(*) FROM sqlite_master WHERE name = '_state'",
    );
    assert_eq!(internal, 1);
}

#[test]
fn regression_a_road_status_with_a_month_and_no_year_is_dated_by_its_article() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    sitrep(&db)
        .args(["ingest", "fixtures/seeds/003_b4f38205223c0aa9.txt"])
        .assert()
        .success();
    // No publication date: "in September" stays "XXXX-09", which sorted after every year.
    let mut cmd = sitrep(&db);
    cmd.args(["ingest", "-"]);
    cmd.write_stdin("Road report\n\nThe RN7 remained open in September, drivers said.\n");
    cmd.assert().success();
    let roads = stdout(sitrep(&db).args(["roads", "--format", "csv"]));
    let rn7 = roads.lines().find(|l| l.starts_with("RN7,")).unwrap();
    assert!(rn7.contains("partially_controlled"), "{roads}");
}

/// The text of a small article: unnamed actors and a quoted person give literal subjects.
/// (One language per article: each is parsed with its language's model.)
const LITERAL_ARTICLE: &str = "Attacks near Kati\n\n\
Gunmen ambushed a convoy near Kati on Sunday. \"The road is closed,\" said Amadou Traoré, a \
driver. Gunmen also attacked a bus near Ségou.\n";
const LITERAL_ARTICLE_FR: &str = "Attaque près de Kayes\n\n\
Des hommes armés ont attaqué un camion près de Kayes dimanche, selon des habitants.\n";

#[test]
fn literals_lists_the_actors_patterns_do_not_know_most_frequent_first() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let mut cmd = sitrep(&db);
    cmd.args(["ingest", "-", "--published", "2025-10-14"]);
    cmd.write_stdin(LITERAL_ARTICLE);
    cmd.assert().success();
    let mut cmd = sitrep(&db);
    cmd.args(["ingest", "-", "--published", "2025-10-14"]);
    cmd.write_stdin(LITERAL_ARTICLE_FR);
    cmd.assert().success();
    let json = stdout(sitrep(&db).args(["literals", "--format", "json"]));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    let first = &rows[0];
    assert_eq!(first["literal"], "Gunmen", "{json}");
    assert_eq!(first["role"], "subject", "{json}");
    assert_eq!(first["claims"], 2, "{json}");
    assert_eq!(first["articles"], 1, "{json}");
    assert_eq!(first["first_seen"], "2025-10-14", "{json}");
    assert!(first["example_claim"].is_i64(), "{json}");
    let has = |literal: &str, role: &str| {
        rows.iter()
            .any(|r| r["literal"] == literal && r["role"] == role)
    };
    assert!(has("hommes armés", "subject"), "{json}");
    assert!(has("Amadou Traoré", "speaker"), "{json}");
    // Objects only when asked: most are things and statuses, not actors.
    assert!(rows.iter().all(|r| r["role"] != "object"), "{json}");

    let speakers = stdout(sitrep(&db).args(["literals", "--role", "speaker", "--format", "csv"]));
    assert_eq!(
        speakers.lines().collect::<Vec<_>>(),
        [
            "literal,role,claims,articles,first_seen,last_seen,predicates,example_claim",
            speakers.lines().nth(1).unwrap(),
        ],
        "{speakers}"
    );
    assert!(
        speakers.contains("Amadou Traoré,speaker,1,1,2025-10-14"),
        "{speakers}"
    );
    let objects = stdout(sitrep(&db).args(["literals", "--role", "object", "--limit", "1"]));
    assert!(objects.contains("(1 row)"), "{objects}");
    let later = stdout(sitrep(&db).args(["literals", "--since", "2025-10-15"]));
    assert!(later.contains("(0 rows)"), "{later}");
}

#[test]
fn every_claim_view_says_what_its_time_rests_on() {
    let (_dir, db) = seeded();
    let conn = Connection::open(&db).unwrap();
    for view in ["claims_named", "road_status_history", "road_status_latest"] {
        let odd: i64 = scalar(
            &conn,
            &format!(
                "SELECT count(*) FROM {view} WHERE time_basis IS NULL OR time_basis NOT IN
                 ('stated', 'neighbour_sentence', 'publication_date', 'unresolved')"
            ),
        );
        assert_eq!(odd, 0, "{view}");
    }
    // The basis follows what was stored: a time from the next sentence is the neighbour's.
    let pairs: i64 = scalar(
        &conn,
        "SELECT count(*) FROM claims_named v JOIN claims c ON c.id = v.id
         WHERE (c.time_source = 'context') != (v.time_basis = 'neighbour_sentence')
            OR (c.time_source = 'stated') != (v.time_basis = 'stated')
            OR (c.time_source IS NULL) != (v.time_basis = 'unresolved')",
    );
    assert_eq!(pairs, 0);
    let stated: i64 = scalar(
        &conn,
        "SELECT count(*) FROM claims_named WHERE time_basis = 'stated'",
    );
    assert!(stated > 0);
}

#[test]
fn regression_a_query_on_a_database_of_an_older_sitrep_migrates_it_first() {
    let (_dir, db) = seeded();
    {
        // Back to schema 4: the claim views without `time_basis`, the claims without
        // `subject_inferred` (schema 6), the runs without `error` (schema 7).
        let conn = Connection::open(&db).unwrap();
        conn.execute_batch(
            "DROP VIEW road_status_latest; DROP VIEW road_status_history; DROP VIEW claims_named;
             ALTER TABLE claims DROP COLUMN subject_inferred;
             ALTER TABLE runs DROP COLUMN error;
             CREATE VIEW claims_named AS SELECT id FROM claims;
             CREATE VIEW road_status_history AS SELECT id AS claim_id FROM claims;
             CREATE VIEW road_status_latest AS SELECT claim_id FROM road_status_history;
             PRAGMA user_version = 4;",
        )
        .unwrap();
    }
    let roads = stdout(sitrep(&db).args(["roads", "--format", "csv"]));
    assert!(roads.contains(",publication_date,"), "{roads}");
    let claims = stdout(sitrep(&db).args(["claims", "--format", "csv"]));
    assert!(claims.contains("time_basis"), "{claims}");
}

/// Issue 11: a road named by its endpoints is a road entity with its endpoints, and its
/// statuses show in `sitrep roads`, whichever way two articles name it.
#[test]
fn roads_named_by_their_endpoints_are_stored_with_their_endpoints() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let a = dir.path().join("a.txt");
    let b = dir.path().join("b.txt");
    std::fs::write(
        &a,
        "Date: 2025-11-10\n\nThe Kayes–Bamako road remains closed after an attack on a convoy.\n",
    )
    .unwrap();
    std::fs::write(
        &b,
        "Date: 2025-11-12\n\nSelon des transporteurs, l'axe Bamako-Kayes est contesté.\n",
    )
    .unwrap();
    sitrep(&db).arg("ingest").arg(&a).arg(&b).assert().success();
    let table = stdout(sitrep(&db).args(["entities", "--kind", "road", "--format", "csv"]));
    let row = table
        .lines()
        .find(|l| l.starts_with("road-bamako--kayes,"))
        .unwrap_or_else(|| panic!("{table}"));
    assert_eq!(
        row,
        "road-bamako--kayes,Bamako – Kayes road,road,mali,Bamako,Kayes,2"
    );
    let roads = stdout(sitrep(&db).args(["roads", "--history", "--format", "csv"]));
    let statuses: Vec<&str> = roads
        .lines()
        .filter(|l| l.starts_with("Bamako – Kayes road,"))
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    // "remains closed after an attack on a convoy": closed, and unsafe (rules.toml
    // road-attacked: an attack reported on a road makes it unsafe).
    assert_eq!(statuses, vec!["contested", "unsafe", "closed"], "{roads}");
}
