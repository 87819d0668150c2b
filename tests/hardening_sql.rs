//! Issue 12, the store's part of `sitrep sql` and of error messages: rows reach the sink one
//! at a time, the time limit counts SQLite's time only, the row limit is exact, and no error
//! of the store prints a cause twice through `anyhow`'s `{:#}`.

use std::time::Duration;

use rusqlite::Connection;
use sitrep::store::{Cell, RowSink, SqlLimits, Store, StoreError};

const ENDLESS: &str = "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r)";

/// Counts rows; fails like a closed pipe after `fail_after` of them, sleeps over each.
struct Probe {
    rows: u64,
    fail_after: Option<u64>,
    sleep: Duration,
}

impl Probe {
    fn new() -> Self {
        Self {
            rows: 0,
            fail_after: None,
            sleep: Duration::ZERO,
        }
    }
}

impl RowSink for Probe {
    fn columns(&mut self, _: &[String]) -> std::io::Result<()> {
        Ok(())
    }

    fn row(&mut self, _: Vec<Cell>) -> std::io::Result<()> {
        if self.fail_after == Some(self.rows) {
            return Err(std::io::ErrorKind::BrokenPipe.into());
        }
        std::thread::sleep(self.sleep);
        self.rows += 1;
        Ok(())
    }
}

#[test]
fn sql_hands_rows_to_the_sink_as_they_come_so_an_endless_result_holds_nothing() {
    let store = Store::open_in_memory().unwrap();
    let mut probe = Probe {
        fail_after: Some(1000),
        ..Probe::new()
    };
    // Without a limit an endless query only ends because its sink stops it: every row
    // reached the sink before the next was read.
    let err = store
        .sql(
            &format!("{ENDLESS} SELECT x FROM r"),
            SqlLimits::default(),
            &mut probe,
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Output(_)), "{err}");
    assert_eq!(probe.rows, 1000);
}

#[test]
fn sql_time_limit_counts_the_querys_time_not_the_sinks() {
    let store = Store::open_in_memory().unwrap();
    let limits = SqlLimits {
        timeout: Some(Duration::from_millis(300)),
        max_rows: None,
    };
    let err = store
        .sql(
            &format!("{ENDLESS} SELECT count(*) FROM r"),
            limits,
            &mut Probe::new(),
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::TimeLimit(_)), "{err}");
    // A slow reader: 8 rows at 100 ms each is 0.8 s of writing, over the limit, but the
    // query itself takes microseconds.
    let mut slow = Probe {
        sleep: Duration::from_millis(100),
        ..Probe::new()
    };
    let rows = store
        .sql(
            &format!("{ENDLESS} SELECT x FROM r LIMIT 8"),
            limits,
            &mut slow,
        )
        .unwrap();
    assert_eq!(rows, 8);
}

#[test]
fn sql_row_limit_allows_exactly_n_rows_and_refuses_one_more() {
    let store = Store::open_in_memory().unwrap();
    let limits = SqlLimits {
        timeout: None,
        max_rows: Some(5),
    };
    let query = |n: u32| format!("{ENDLESS} SELECT x FROM r LIMIT {n}");
    assert_eq!(store.sql(&query(5), limits, &mut Probe::new()).unwrap(), 5);
    let mut probe = Probe::new();
    let err = store.sql(&query(6), limits, &mut probe).unwrap_err();
    assert!(matches!(err, StoreError::RowLimit(5)), "{err}");
    assert_eq!(probe.rows, 5);
}

/// The parts of a message between ": " separators that occur twice.
fn repeated_segments(message: &str) -> Vec<String> {
    let parts: Vec<&str> = message.split(": ").map(str::trim).collect();
    let mut repeated = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if parts[..i].contains(p) && !repeated.contains(&p.to_string()) {
            repeated.push(p.to_string());
        }
    }
    repeated
}

#[test]
fn store_error_chains_print_no_repeated_segment() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_memory().unwrap();
    let sql = |q: &str, limits| store.sql(q, limits, &mut Probe::new()).unwrap_err();
    let not_sqlite = dir.path().join("notes.db");
    std::fs::write(
        &not_sqlite,
        "just some notes, not SQLite at all ".repeat(100),
    )
    .unwrap();
    let foreign = dir.path().join("foreign.db");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE notes (body TEXT)")
        .unwrap();
    let ahead = dir.path().join("ahead.db");
    Connection::open(&ahead)
        .unwrap()
        .execute_batch("CREATE TABLE _state (key, value); PRAGMA user_version = 999")
        .unwrap();
    let cases: Vec<(&str, StoreError, &str)> = vec![
        (
            "full-text syntax",
            store.articles(Some("\"unterminated"), 5).unwrap_err(),
            "unterminated string",
        ),
        (
            "SQL syntax",
            sql("SELEC x", SqlLimits::default()),
            "syntax error",
        ),
        (
            "a write",
            sql("DELETE FROM articles", SqlLimits::default()),
            "only statements that read",
        ),
        ("blank", sql("  ", SqlLimits::default()), "no SQL statement"),
        (
            "time limit",
            sql(
                &format!("{ENDLESS} SELECT count(*) FROM r"),
                SqlLimits {
                    timeout: Some(Duration::from_millis(50)),
                    max_rows: None,
                },
            ),
            "time limit",
        ),
        (
            "row limit",
            sql(
                &format!("{ENDLESS} SELECT x FROM r"),
                SqlLimits {
                    timeout: None,
                    max_rows: Some(1),
                },
            ),
            "more than 1 rows",
        ),
        (
            "not SQLite",
            Store::open(&not_sqlite).unwrap_err(),
            "not a database",
        ),
        (
            "foreign",
            Store::open(&foreign).unwrap_err(),
            "is not a sitrep database",
        ),
        (
            "newer schema",
            Store::open(&ahead).unwrap_err(),
            "migrating the database schema",
        ),
        (
            "compress",
            StoreError::Compress(std::io::Error::other("no space left")),
            "no space left",
        ),
        (
            "output",
            StoreError::Output(std::io::Error::other("disk quota exceeded")),
            "disk quota exceeded",
        ),
    ];
    for (what, err, says) in cases {
        let plain = err.to_string();
        let chain = format!("{:#}", anyhow::Error::from(err));
        assert!(plain.contains(says), "{what}: {plain:?} lacks {says:?}");
        assert!(
            repeated_segments(&chain).is_empty(),
            "{what}: {chain:?} repeats {:?}",
            repeated_segments(&chain)
        );
        assert!(!chain.contains('\n'), "{what}: {chain:?} is not one line");
    }
}
