//! The `runs` table: one row per invocation that writes, telling the truth about it.
//!
//! A run starts as `running`. Its counts follow what is committed: `added` and `claims` are
//! incremented in the very transaction that stores each article (so they can never disagree
//! with the `articles` table, whatever stops the run), and the other counters are written
//! after each committed batch. It ends as:
//! - `ok`: finished, every input went in;
//! - `partial`: finished, but some inputs failed (counted in `failed`, the rest went in);
//! - `failed`: stopped by an error (a full disk, the database locked by another program…),
//!   recorded in `error`; what was committed before it stays, and the counts say what;
//! - `interrupted`: the process ended without recording an end (killed, a power cut, or an
//!   error it could not even record, such as a disk too full for one more row). The next
//!   run that takes the database lock finds the row still `running` and marks it so, with
//!   `error` "process ended without finishing". Holding the lock proves the row's process
//!   is gone, so no process id is needed.

use rusqlite::{Transaction, params};

use super::{Store, StoreError, now};
use crate::patterns::PatternSet;

/// Row id of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RunId(pub i64);

/// Counts recorded on a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunStats {
    pub inputs: u64,
    pub added: u64,
    pub duplicates: u64,
    pub failed: u64,
    pub claims: u64,
    /// Sources polled (fetch runs).
    pub polled: u64,
    /// Sources whose listing changed.
    pub updated: u64,
    /// Sources answering 304 or an unchanged body.
    pub unchanged: u64,
    /// HTTP requests sent.
    pub requests: u64,
    pub duration_ms: Option<u64>,
}

/// What the next run writes on a row left `running`.
pub const ENDED_UNFINISHED: &str = "process ended without finishing";

impl Store {
    pub fn begin_run(&self, command: &str, patterns: &PatternSet) -> Result<RunId, StoreError> {
        self.conn.execute(
            "INSERT INTO runs (command, started_at, pattern_version) VALUES (?1, ?2, ?3)",
            params![command, now(), patterns.version.0],
        )?;
        Ok(RunId(self.conn.last_insert_rowid()))
    }

    /// Ends a run that went to the end, with all its counts.
    pub fn finish_run(&self, run: RunId, stats: RunStats, status: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE runs SET finished_at = ?2, inputs = ?3, added = ?4, duplicates = ?5, failed = ?6, claims = ?7, status = ?8,
               polled = ?9, updated = ?10, unchanged = ?11, requests = ?12, duration_ms = ?13 WHERE id = ?1",
            params![run.0, now(), stats.inputs as i64, stats.added as i64, stats.duplicates as i64, stats.failed as i64,
              stats.claims as i64, status, stats.polled as i64, stats.updated as i64, stats.unchanged as i64,
              stats.requests as i64, stats.duration_ms.map(|d| d as i64)],
        )?;
        Ok(())
    }

    /// Records the counts a running run keeps in memory (inputs read, duplicates, failures,
    /// requests…), after a batch is committed. `added` and `claims` are left alone: the
    /// store counts those itself as it commits articles.
    pub fn run_progress(&self, run: RunId, stats: &RunStats) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE runs SET inputs = ?2, duplicates = ?3, failed = ?4, polled = ?5, updated = ?6, unchanged = ?7,
               requests = ?8, duration_ms = ?9 WHERE id = ?1",
            params![run.0, stats.inputs as i64, stats.duplicates as i64, stats.failed as i64, stats.polled as i64,
              stats.updated as i64, stats.unchanged as i64, stats.requests as i64, stats.duration_ms.map(|d| d as i64)],
        )?;
        Ok(())
    }

    /// Ends a run stopped by `error`: `failed`, with the reason. Its counts stay those of
    /// the last committed batch.
    pub fn fail_run(&self, run: RunId, error: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE runs SET status = 'failed', error = ?2, finished_at = ?3 WHERE id = ?1",
            params![run.0, error, now()],
        )?;
        Ok(())
    }

    /// Marks runs still `running` as `interrupted` ([`ENDED_UNFINISHED`]). Only call it
    /// holding the run lock: then no other process is running, and such rows are left by a
    /// run that ended without recording its end.
    pub fn close_interrupted_runs(&self) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "UPDATE runs SET status = 'interrupted', error = coalesce(error, ?1) WHERE status = 'running'",
            [ENDED_UNFINISHED],
        )?)
    }
}

/// Counts one new article of `run`, in the transaction that stores it.
pub(super) fn count_article(tx: &Transaction, run: RunId, claims: usize) -> Result<(), StoreError> {
    tx.prepare_cached("UPDATE runs SET added = added + 1, claims = claims + ?2 WHERE id = ?1")?
        .execute(params![run.0, claims as i64])?;
    Ok(())
}
