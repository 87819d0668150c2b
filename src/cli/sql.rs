//! `sitrep sql`: one read-only statement, its rows streamed to stdout within a time limit
//! and, for a terminal table, a row limit: a runaway query (an endless recursive CTE) ends
//! with a message naming the limit, never by exhausting memory.

use std::io;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use sitrep::store::{SqlLimits, StoreError, is_blank_sql};

use super::output::{self, Format};
use super::{UsageError, open_existing};

/// Rows a terminal table may hold when `--max-rows` is not given: it keeps them all to align
/// its columns, and nobody reads more.
pub const TABLE_MAX_ROWS: u64 = 10_000;

/// The query argument: one statement, not blanks and comments.
pub fn parse_query(query: &str) -> Result<String, String> {
    if is_blank_sql(query) {
        Err("no SQL statement; give one, e.g. sitrep sql \"SELECT count(*) FROM articles\"".into())
    } else {
        Ok(query.to_string())
    }
}

/// The limits of one run: `0` is no limit; the row limit defaults for tables only.
pub fn limits(format: Format, timeout_secs: u64, max_rows: Option<u64>) -> SqlLimits {
    SqlLimits {
        timeout: (timeout_secs > 0).then(|| Duration::from_secs(timeout_secs)),
        max_rows: match max_rows {
            Some(0) => None,
            Some(n) => Some(n),
            None if format == Format::Table => Some(TABLE_MAX_ROWS),
            None => None,
        },
    }
}

pub fn sql(db: &Path, query: &str, format: Format, limits: SqlLimits) -> Result<ExitCode> {
    let store = open_existing(db)?;
    let mut out = io::stdout().lock();
    let mut printer = output::printer(format, &mut out, output::table_width());
    match store.sql(query, limits, &mut *printer) {
        Ok(_) => {
            printer.finish()?;
            Ok(ExitCode::SUCCESS)
        }
        // The rows before the limit stay printed (flushed as the printer drops).
        Err(e) => Err(explain(e, format)),
    }
}

/// A passed limit, with how to raise it.
fn explain(e: StoreError, format: Format) -> anyhow::Error {
    match e {
        StoreError::TimeLimit(_) => {
            anyhow::anyhow!("{e}; raise it with --timeout SECS (0 for none)")
        }
        StoreError::RowLimit(_) if format == Format::Table => anyhow::anyhow!(
            "{e}; add a LIMIT, raise it with --max-rows N (0 for none), or print \
             --format csv or json, which have no row limit unless given one"
        ),
        StoreError::RowLimit(_) => anyhow::anyhow!("{e}; raise it with --max-rows N (0 for none)"),
        StoreError::EmptyQuery => UsageError(e.into()).into(),
        e => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_row_limit_defaults_for_tables_only_and_zero_lifts_a_limit() {
        let secs = |s| Some(Duration::from_secs(s));
        for (format, timeout, max_rows, expected) in [
            (Format::Table, 30, None, (secs(30), Some(TABLE_MAX_ROWS))),
            (Format::Csv, 30, None, (secs(30), None)),
            (Format::Json, 30, None, (secs(30), None)),
            (Format::Csv, 30, Some(5), (secs(30), Some(5))),
            (Format::Table, 0, Some(0), (None, None)),
        ] {
            let l = limits(format, timeout, max_rows);
            assert_eq!(
                (l.timeout, l.max_rows),
                expected,
                "{format:?} {timeout} {max_rows:?}"
            );
        }
    }

    #[test]
    fn a_blank_query_is_a_usage_error() {
        for blank in [
            "",
            "   ",
            "\n\t",
            ";",
            "-- nothing",
            "/* nothing */ ;",
            "/* open",
        ] {
            assert!(parse_query(blank).is_err(), "{blank:?}");
        }
        for query in ["SELECT 1", "-- count\nSELECT 1", "/* a */ SELECT 1"] {
            assert_eq!(parse_query(query).as_deref(), Ok(query));
        }
    }
}
