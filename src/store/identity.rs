//! Telling a sitrep database from another program's SQLite file, before anything is written
//! to it: migrating a foreign file would add sitrep's tables to it, or fail with the whole
//! schema in the message.

use std::path::Path;

use rusqlite::Connection;

use super::StoreError;

/// Table names shown when refusing a foreign database; the rest are counted.
const SHOWN: usize = 5;
/// Longest table name shown, in characters.
const NAME_WIDTH: usize = 40;

/// Accepts an empty database (a new file) and a sitrep one: one with a schema version and
/// sitrep's `_state` table. Anything else with tables is another program's.
pub(super) fn check(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let open_error = |error| StoreError::Open {
        path: path.to_path_buf(),
        error,
    };
    // The first read of the file: a file that is not SQLite at all fails here, with its path.
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(open_error)?;
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
         ORDER BY name",
    )?;
    let tables: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let ours = version > 0 && tables.iter().any(|t| t == "_state");
    if tables.is_empty() || ours {
        Ok(())
    } else {
        Err(StoreError::Foreign {
            path: path.to_path_buf(),
            tables,
        })
    }
}

/// "tables a, b, c and 47 more", each name on one line and clipped.
pub(super) fn list_tables(tables: &[String]) -> String {
    let shown: Vec<String> = tables.iter().take(SHOWN).map(|t| one_line(t)).collect();
    let noun = if tables.len() == 1 { "table" } else { "tables" };
    let mut list = format!("{noun} {}", shown.join(", "));
    if tables.len() > SHOWN {
        list.push_str(&format!(" and {} more", tables.len() - SHOWN));
    }
    list
}

fn one_line(name: &str) -> String {
    let flat: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() > NAME_WIDTH {
        let cut: String = flat.chars().take(NAME_WIDTH - 1).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("t{i}")).collect()
    }

    #[test]
    fn a_foreign_databases_tables_are_listed_on_one_short_line() {
        for (tables, expected) in [
            (names(1), "table t0"),
            (names(3), "tables t0, t1, t2"),
            (names(5), "tables t0, t1, t2, t3, t4"),
            (names(50), "tables t0, t1, t2, t3, t4 and 45 more"),
            (vec!["a\nb".to_string()], "table a b"),
            (vec!["x".repeat(100)], &format!("table {}…", "x".repeat(39))),
        ] {
            assert_eq!(list_tables(&tables), expected);
        }
    }

    #[test]
    fn an_empty_file_and_a_sitrep_database_are_accepted_others_refused() {
        let path = Path::new("x.db");
        let conn = Connection::open_in_memory().unwrap();
        assert!(check(&conn, path).is_ok(), "an empty database is a new one");
        conn.execute_batch("CREATE TABLE notes (body TEXT)")
            .unwrap();
        let err = check(&conn, path).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.db is not a sitrep database (it has table notes)"
        );
        conn.execute_batch("CREATE TABLE _state (key, value); PRAGMA user_version = 3")
            .unwrap();
        assert!(check(&conn, path).is_ok());
    }
}
