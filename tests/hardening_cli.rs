//! Issue 12, the command line's part: `sitrep sql` bounded in time, rows and memory; a closed
//! pipe ends a run quietly; error messages say each thing once; another program's database is
//! named in one line and left untouched; logs carry colour only on a terminal; tables fit the
//! width they are given. The library's side (streaming, limits, error texts) is in
//! `hardening_store.rs`.

#[path = "support/server.rs"]
mod server;
#[path = "support/fetch_env.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use rusqlite::Connection;

const ENDLESS: &str = "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r)";

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_sitrep")
}

fn sitrep(db: &Path) -> Command {
    let mut cmd = Command::new(bin());
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("SITREP_PATTERNS")
        .env_remove("COLUMNS")
        .env_remove("NO_COLOR")
        .arg("--db")
        .arg(db);
    cmd
}

/// `sitrep` under a 1 GiB address-space limit, as the issue checks it, where `prlimit` exists.
fn sitrep_in_1g(db: &Path) -> Command {
    if !Path::new("/usr/bin/prlimit").exists() {
        return sitrep(db);
    }
    let mut cmd = Command::new("/usr/bin/prlimit");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("SITREP_PATTERNS")
        .arg("--as=1073741824")
        .arg(bin())
        .arg("--db")
        .arg(db);
    cmd
}

fn seeded(inputs: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let out = sitrep(&db).args(["ingest", inputs]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (dir, db)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs `cmd` with stdout piped, reads its first line when `read_first`, then closes the
/// reading end while the command still has output to write.
fn close_stdout_early(mut cmd: Command, read_first: bool) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    if read_first {
        let mut first = String::new();
        BufReader::new(out).read_line(&mut first).unwrap();
        assert!(!first.is_empty(), "the command printed nothing");
    } else {
        drop(out);
    }
    child.wait_with_output().unwrap()
}

// --- sitrep sql: bounded ---------------------------------------------------------------

#[test]
fn sql_endless_recursive_query_under_1g_exits_1_with_a_time_limit_message() {
    let (_dir, db) = seeded("fixtures/seeds");
    // One row that never comes (an aggregate), and rows that never end (CSV, unbounded).
    for (query, format) in [
        (format!("{ENDLESS} SELECT count(*) FROM r"), "table"),
        (format!("{ENDLESS} SELECT x FROM r"), "csv"),
        (format!("{ENDLESS} SELECT x FROM r"), "json"),
    ] {
        let out = sitrep_in_1g(&db)
            .args(["sql", &query, "--timeout", "1", "--format", format])
            .stdout(Stdio::null())
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{format}: {err}");
        assert!(err.contains("time limit of 1 s"), "{format}: {err}");
        assert!(err.contains("--timeout"), "{format}: {err}");
        assert_eq!(err.lines().count(), 1, "{format}: {err}");
    }
}

#[test]
fn sql_time_limit_defaults_to_30_seconds() {
    let help = Command::new(bin())
        .args(["sql", "--help"])
        .output()
        .unwrap();
    let help = stdout(&help);
    assert!(help.contains("--timeout <SECS>"), "{help}");
    assert!(help.contains("[default: 30]"), "{help}");
}

#[test]
fn sql_table_format_stops_after_10000_rows_with_a_message_and_no_table() {
    let (_dir, db) = seeded("fixtures/seeds");
    let out = sitrep_in_1g(&db)
        .args(["sql", &format!("{ENDLESS} SELECT x FROM r")])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("more than 10000 rows"), "{err}");
    assert!(err.contains("--max-rows"), "{err}");
    assert!(out.stdout.is_empty(), "a partial table was printed");
    // Exactly the limit is fine.
    let out = sitrep(&db)
        .args(["sql", &format!("{ENDLESS} SELECT x FROM r LIMIT 10000")])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).ends_with("(10000 rows)\n"));
}

#[test]
fn sql_max_rows_is_honoured_in_csv_and_json_which_have_no_default_limit() {
    let (_dir, db) = seeded("fixtures/seeds");
    let query = format!("{ENDLESS} SELECT x FROM r");
    let out = sitrep(&db)
        .args(["sql", &query, "--format", "csv", "--max-rows", "3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        "x\n1\n2\n3\n",
        "the rows before the limit stay"
    );
    assert!(
        stderr(&out).contains("more than 3 rows"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("--max-rows"));
    let out = sitrep(&db)
        .args(["sql", &query, "--format", "json", "--max-rows", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json = stdout(&out);
    assert!(
        serde_json::from_str::<serde_json::Value>(&json).is_err(),
        "a truncated array must not parse as a whole result: {json}"
    );
    // 20,000 rows: over the table's default, none for CSV.
    let out = sitrep(&db)
        .args(["sql", &format!("{query} LIMIT 20000"), "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 20_001);
}

#[test]
fn sql_empty_query_gets_a_usage_message_not_api_misuse() {
    let (_dir, db) = seeded("fixtures/seeds");
    for blank in ["", "   ", "\n", "/* only a comment */"] {
        let out = sitrep(&db).args(["sql", blank]).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{blank:?}: {err}");
        assert!(err.contains("no SQL statement"), "{blank:?}: {err}");
        assert!(!err.contains("misuse"), "{blank:?}: {err}");
    }
}

#[test]
fn sql_streaming_stays_read_only() {
    let (_dir, db) = seeded("fixtures/seeds");
    for write in [
        "DELETE FROM articles",
        "WITH a AS (SELECT 1) DELETE FROM claims",
        "PRAGMA user_version = 0",
    ] {
        let out = sitrep(&db)
            .args(["sql", write, "--format", "csv"])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{write} was accepted");
    }
    let conn = Connection::open(&db).unwrap();
    let articles: i64 = conn
        .query_row("SELECT count(*) FROM articles", [], |r| r.get(0))
        .unwrap();
    assert_eq!(articles, 2);
}

// --- a closed pipe ends the program quietly -------------------------------------------

#[test]
fn closed_pipe_ends_claims_quietly_with_success() {
    // About 85 KB of JSON: more than a pipe holds, so the writer meets the closed end.
    let (_dir, db) = seeded("fixtures/articles");
    for format in ["json", "csv", "table"] {
        let mut cmd = sitrep(&db);
        cmd.args(["claims", "--limit", "100000", "--format", format]);
        let out = close_stdout_early(cmd, true);
        assert_eq!(stderr(&out), "", "{format}");
        assert_eq!(out.status.code(), Some(0), "{format}");
    }
}

#[test]
fn closed_pipe_ends_a_streamed_sql_result_quietly_with_success() {
    let (_dir, db) = seeded("fixtures/seeds");
    let mut cmd = sitrep(&db);
    cmd.args([
        "sql",
        &format!("{ENDLESS} SELECT x FROM r LIMIT 1000000"),
        "--format",
        "csv",
    ]);
    let out = close_stdout_early(cmd, true);
    assert_eq!(stderr(&out), "");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn closed_pipe_ends_println_output_quietly_with_success() {
    // `extract` and `parse` print with print!/println!, not through the table printer.
    let (_dir, db) = seeded("fixtures/seeds");
    let mut extract = sitrep(&db);
    extract.args(["extract", "fixtures/seeds/000_dec6e1f6441e53ed.txt"]);
    let mut parse = sitrep(&db);
    parse.args([
        "parse",
        "The army closed the road between Kayes and Bamako.",
    ]);
    for cmd in [extract, parse] {
        let out = close_stdout_early(cmd, false);
        assert_eq!(stderr(&out), "");
        assert_eq!(out.status.code(), Some(0));
    }
}

// --- an error message never repeats itself ----------------------------------------------

#[test]
fn malformed_full_text_query_message_says_it_once() {
    let (_dir, db) = seeded("fixtures/seeds");
    let out = sitrep(&db)
        .args(["articles", "--search", "\"unterminated"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.matches("unterminated string").count(), 1, "{err}");
    let segments: Vec<&str> = err.trim().split(": ").collect();
    let distinct: std::collections::HashSet<&&str> = segments.iter().collect();
    assert_eq!(distinct.len(), segments.len(), "{err}");
}

// --- another program's database --------------------------------------------------------

#[test]
fn foreign_database_is_named_in_one_line_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("other.db");
    {
        let conn = Connection::open(&db).unwrap();
        // A table named like one of ours, so a migration would fail on it with the schema
        // in its message, and many more.
        conn.execute_batch("CREATE TABLE entities (x);").unwrap();
        for i in 0..60 {
            conn.execute_batch(&format!(
                "CREATE TABLE table_{i:02} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value REAL);"
            ))
            .unwrap();
        }
    }
    let schema = |db: &Path| -> (i64, String) {
        let conn = Connection::open(db).unwrap();
        let objects = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .unwrap();
        let mode = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        (objects, mode)
    };
    let before = schema(&db);
    for args in [
        &["claims"][..],
        &["sql", "SELECT 1"],
        &["ingest", "fixtures/seeds"],
    ] {
        let out = sitrep(&db).args(args).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.len() < 200, "{args:?}: {err}");
        assert!(err.contains("other.db is not a sitrep database"), "{err}");
        assert!(
            err.contains("entities, table_00, table_01, table_02, table_03 and 56 more"),
            "{err}"
        );
        assert_eq!(schema(&db), before, "{args:?} changed the file");
    }
}

// --- logs and progress -----------------------------------------------------------------

/// `sitrep -v fetch URL` of one loopback page, with stderr captured (not a terminal).
fn fetch_verbose(b: &support::Bench) -> Output {
    b.sources(&[], &[]);
    b.page(
        "/a/1",
        support::article(
            "Convoy attacked near Kayes",
            "2025-10-28",
            &["Fighters of the JNIM attacked a fuel convoy near Kayes on Tuesday."],
        ),
    );
    b.std_command()
        .env_remove("NO_COLOR")
        .args(["-v", "fetch", &b.server.url("/a/1")])
        .output()
        .unwrap()
}

#[test]
fn logs_redirected_to_a_file_carry_no_colour_codes() {
    let b = support::Bench::new();
    let out = fetch_verbose(&b);
    let err = stderr(&out);
    assert!(err.contains("INFO"), "nothing was logged: {err}");
    assert!(!err.contains('\x1b'), "escape codes in {err:?}");
}

#[test]
fn progress_is_not_drawn_when_stderr_is_not_a_terminal() {
    let (_dir, db) = seeded("fixtures/seeds");
    for args in [&["ingest", "fixtures/articles"][..], &["reprocess"]] {
        let out = sitrep(&db).args(args).output().unwrap();
        let err = stderr(&out);
        assert!(out.status.success(), "{args:?}: {err}");
        assert!(
            err.contains("sitrep: "),
            "{args:?}: no summary line in {err:?}"
        );
        assert!(
            !err.contains('\r') && !err.contains('\x1b'),
            "{args:?}: {err:?}"
        );
    }
}

#[test]
fn logs_on_a_terminal_are_coloured_unless_no_color_is_set() {
    // `script` runs the command on a pseudo-terminal; without it there is no terminal here.
    if !Path::new("/usr/bin/script").exists() {
        eprintln!("skipped: no /usr/bin/script to give the command a terminal");
        return;
    }
    let b = support::Bench::new();
    b.sources(&[], &[]);
    b.page(
        "/a/1",
        support::article("Road closed", "2025-10-28", &["The RN3 is closed."]),
    );
    let line = format!(
        "{} --db {} -v fetch --sources {} {}",
        bin(),
        b.db.display(),
        b.sources.display(),
        b.server.url("/a/1")
    );
    let on_terminal = |no_color: Option<&str>| {
        let mut cmd = Command::new("/usr/bin/script");
        cmd.args(["-qec", &line, "/dev/null"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("SITREP_PATTERNS")
            .env_remove("NO_COLOR")
            .stdin(Stdio::null());
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        stdout(&cmd.output().unwrap())
    };
    let coloured = on_terminal(None);
    assert!(coloured.contains("INFO"), "{coloured:?}");
    assert!(
        coloured.contains("\x1b["),
        "no colour on a terminal: {coloured:?}"
    );
    let plain = on_terminal(Some("1"));
    assert!(plain.contains("INFO"), "{plain:?}");
    assert!(
        !plain.contains("\x1b[3"),
        "colour despite NO_COLOR: {plain:?}"
    );
}

// --- tables fit the width -------------------------------------------------------------

#[test]
fn tables_fit_the_width_given_by_columns() {
    let (_dir, db) = seeded("fixtures/seeds");
    let widest = |columns: Option<&str>| {
        let mut cmd = sitrep(&db);
        cmd.args(["claims"]);
        if let Some(c) = columns {
            cmd.env("COLUMNS", c);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("rows)"), "{text}");
        text.lines().map(|l| l.chars().count()).max().unwrap()
    };
    assert!(widest(None) > 120, "a pipe keeps whole lines");
    for columns in ["80", "100"] {
        let limit: usize = columns.parse().unwrap();
        assert!(widest(Some(columns)) <= limit, "COLUMNS={columns}");
    }
}
