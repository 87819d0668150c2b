//! Issue 12, the store's side: a pattern set must be plausible before it replaces claims,
//! one writer per database file whatever path reaches it, and a `runs` table that tells the
//! truth when a run fails (a full disk, simulated with a file-size limit) or dies.

use std::fs::{File, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use sitrep::extract::{Overrides, RawDocument};
use sitrep::model::{DocFormat, SourceMeta};
use sitrep::patterns::{FILES, PatternError, PatternSet};
use sitrep::pipeline::Pipeline;
use sitrep::reprocess::removes_most;
use sitrep::store::Store;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sitrep(db: &Path, patterns: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sitrep"));
    cmd.current_dir(root())
        .env_remove("SITREP_PATTERNS")
        .arg("--db")
        .arg(db)
        .arg("--patterns")
        .arg(patterns)
        .arg("-q");
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("sitrep runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn patterns_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in FILES {
        std::fs::copy(root().join("patterns").join(f), dir.path().join(f)).unwrap();
    }
    dir
}

fn count(db: &Path, sql: &str) -> i64 {
    Connection::open(db)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

fn text(db: &Path, sql: &str) -> Option<String> {
    Connection::open(db)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

/// A database holding the fixture articles, made with the shipped patterns.
fn ingested(dir: &Path, patterns: &Path) -> PathBuf {
    let db = dir.join("t.db");
    let out = run(sitrep(&db, patterns).args(["ingest", "fixtures"]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(count(&db, "SELECT count(*) FROM claims") > 20);
    db
}

/// Keeps the header of `rules.toml` and only the rules `keep` accepts (given each rule's text).
fn cut_rules(patterns: &Path, keep: impl Fn(usize, &str) -> bool) {
    let path = patterns.join("rules.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut parts = text.split("\n[[rule]]");
    let mut out = parts.next().unwrap().to_string();
    for (i, rule) in parts.enumerate() {
        if keep(i, rule) {
            out.push_str("\n[[rule]]");
            out.push_str(rule);
        }
    }
    std::fs::write(&path, out).unwrap();
}

fn load_error(dir: &Path) -> String {
    match PatternSet::load_dir(dir) {
        Ok(_) => panic!("the pattern set in {} was accepted", dir.display()),
        Err(e @ PatternError::Invalid(_)) => e.to_string(),
        Err(e) => panic!("not a validation error: {e}"),
    }
}

#[test]
fn patterns_missing_file_is_refused_at_load_naming_it() {
    for missing in FILES {
        let dir = patterns_copy();
        std::fs::remove_file(dir.path().join(missing)).unwrap();
        let err = load_error(dir.path());
        assert!(
            err.contains(&format!("{missing}:0: missing")),
            "{missing}: {err}"
        );
    }
}

#[test]
fn patterns_empty_files_are_refused_at_load_naming_them() {
    // (file, content): nothing of the kind the file exists for.
    let empty = [
        ("actors.toml", "# all actors removed\n"),
        ("places.toml", ""),
        (
            "roads.toml",
            "[road_words]\nen = [\"road\"]\n# prefixes and roads removed\n",
        ),
        ("lexicon.toml", "[en]\n[fr]\n"),
        (
            "cues.toml",
            "[[generic]]\nkind = \"armed_group\"\nen = [\"group\"]\n",
        ),
        ("rules.toml", "# Claim rules.\n"),
    ];
    assert_eq!(empty.len(), FILES.len(), "every pattern file is covered");
    for (file, content) in empty {
        let dir = patterns_copy();
        std::fs::write(dir.path().join(file), content).unwrap();
        let err = load_error(dir.path());
        assert!(err.contains(&format!("{file}:0: empty")), "{file}: {err}");
    }
    // All of them empty at once: each is named.
    let dir = patterns_copy();
    for (file, content) in empty {
        std::fs::write(dir.path().join(file), content).unwrap();
    }
    let err = load_error(dir.path());
    for file in FILES {
        assert!(err.contains(&format!("{file}:0: empty")), "{file}: {err}");
    }
}

#[test]
fn patterns_rules_toml_deleted_then_reprocess_removes_no_claims_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let patterns = patterns_copy();
    let db = ingested(dir.path(), patterns.path());
    let claims = count(&db, "SELECT count(*) FROM claims");
    std::fs::remove_file(patterns.path().join("rules.toml")).unwrap();

    let out = run(sitrep(&db, patterns.path()).arg("reprocess"));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("rules.toml"), "{}", stderr(&out));
    assert_eq!(count(&db, "SELECT count(*) FROM claims"), claims);
    assert_eq!(
        count(&db, "SELECT count(*) FROM runs WHERE command = 'reprocess'"),
        0
    );
}

#[test]
fn removes_most_is_more_than_half_of_the_stored_claims() {
    for (removed, stored, most) in [
        (0, 0, false),
        (0, 10, false),
        (5, 10, false),
        (6, 10, true),
        (1, 1, true),
        (1, 2, false),
        (2, 3, true),
        (21_400, 21_400, true),
    ] {
        assert_eq!(removes_most(removed, stored), most, "{removed} of {stored}");
    }
}

#[test]
fn reprocess_that_would_remove_most_claims_stops_before_writing_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let patterns = patterns_copy();
    let db = ingested(dir.path(), patterns.path());
    let claims = count(&db, "SELECT count(*) FROM claims");
    let before = text(&db, "SELECT group_concat(id) FROM claims");
    cut_rules(patterns.path(), |i, _| i < 2);

    let refused = run(sitrep(&db, patterns.path()).arg("reprocess"));
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let summary = String::from_utf8_lossy(&refused.stdout);
    assert!(
        summary.contains("claim(s) added,") && summary.contains("removed"),
        "the diff's summary is shown: {summary}"
    );
    assert!(
        stderr(&refused).contains("more than half") && stderr(&refused).contains("--force"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(count(&db, "SELECT count(*) FROM claims"), claims);
    assert_eq!(text(&db, "SELECT group_concat(id) FROM claims"), before);
    assert_eq!(
        count(&db, "SELECT count(*) FROM runs WHERE command = 'reprocess'"),
        0,
        "nothing written, not even a run"
    );

    let forced = run(sitrep(&db, patterns.path()).args(["reprocess", "--force"]));
    assert!(forced.status.success(), "{}", stderr(&forced));
    let after = count(&db, "SELECT count(*) FROM claims");
    assert!(after * 2 < claims, "{claims} -> {after}");
    assert_eq!(
        text(&db, "SELECT status FROM runs WHERE command = 'reprocess'").as_deref(),
        Some("ok")
    );
}

#[test]
fn reprocess_removing_fewer_than_half_of_the_claims_goes_ahead() {
    let dir = tempfile::tempdir().unwrap();
    let patterns = patterns_copy();
    let db = ingested(dir.path(), patterns.path());
    let claims = count(&db, "SELECT count(*) FROM claims");
    let says = count(&db, "SELECT count(*) FROM claims WHERE predicate = 'says'");
    assert!(says > 0 && says * 2 < claims, "{says} of {claims}");
    cut_rules(patterns.path(), |_, rule| {
        !rule.contains("predicate = \"says\"")
    });

    let out = run(sitrep(&db, patterns.path()).arg("reprocess"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        count(&db, "SELECT count(*) FROM claims WHERE predicate = 'says'"),
        0
    );
    assert!(count(&db, "SELECT count(*) FROM claims") < claims);
}

/// Waits until someone holds the lock file at `path`.
fn wait_until_locked(path: &Path) {
    let start = Instant::now();
    loop {
        if let Ok(f) = File::options().write(true).open(path)
            && matches!(f.try_lock(), Err(TryLockError::WouldBlock))
        {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{} never locked",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn two_ingests_on_one_database_reached_through_a_symlink_share_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let patterns = patterns_copy();
    let real = dir.path().join("real");
    std::fs::create_dir(&real).unwrap();
    let db = real.join("sitrep.db");
    // A link made before the database exists (as a deployment would), and a path through
    // `..`: all three reach one file.
    let link = dir.path().join("link.db");
    std::os::unix::fs::symlink(&db, &link).unwrap();
    let dotted = real.join("..").join("real").join("sitrep.db");

    // The first run reads stdin, so it holds the lock until stdin closes.
    let mut first = sitrep(&db, patterns.path())
        .args(["ingest", "-", "--published", "2025-11-03"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until_locked(&real.join("sitrep.db.lock"));

    for other in [&link, &dotted] {
        let second = run(sitrep(other, patterns.path()).args(["ingest", "fixtures/seeds"]));
        assert_eq!(
            second.status.code(),
            Some(75),
            "{}: {}",
            other.display(),
            stderr(&second)
        );
    }
    assert!(
        !dir.path().join("link.db.lock").exists(),
        "the lock is the database file's, not the link's"
    );

    let mut stdin = first.stdin.take().unwrap();
    stdin
        .write_all(b"JNIM fighters attacked a convoy near Kayes on Sunday.\n")
        .unwrap();
    drop(stdin);
    let out = first.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        text(&db, "SELECT group_concat(status) FROM runs").as_deref(),
        Some("ok"),
        "only the first run wrote"
    );
    // Once it is done, the link works as the database.
    let again = run(sitrep(&link, patterns.path()).args(["ingest", "fixtures/seeds"]));
    assert!(again.status.success(), "{}", stderr(&again));
}

/// `sitrep` under a file-size limit of `bytes`: a disk that is full past that size.
fn with_file_size_limit(bytes: u64, cmd: &Command) -> Command {
    let has_prlimit = Command::new("prlimit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let mut limited = if has_prlimit {
        let mut c = Command::new("prlimit");
        c.arg(format!("--fsize={bytes}")).arg(cmd.get_program());
        c
    } else {
        // POSIX `ulimit -f` counts 512-byte blocks.
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg(format!("ulimit -f {} && exec \"$0\" \"$@\"", bytes / 512))
            .arg(cmd.get_program());
        c
    };
    limited.args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        limited.current_dir(dir);
    }
    limited.env_remove("SITREP_PATTERNS");
    limited
}

/// `n` distinct plain-text reports of about 4 KB with no event cue (quick to process, big
/// enough to fill a small disk within a few batches).
fn reports(dir: &Path, n: usize) {
    for i in 0..n {
        let words: Vec<String> = (0..500)
            .map(|w| format!("w{:x}", (i * 7919 + w * 104_729) % 1_000_003))
            .collect();
        std::fs::write(
            dir.join(format!("{i:04}.txt")),
            format!(
                "Report {i}\n\nThe weather office published its notes {i}. {}.\n",
                words.join(" ")
            ),
        )
        .unwrap();
    }
}

#[test]
fn disk_full_during_ingest_ends_the_run_failed_with_its_reason_and_committed_counts() {
    let dir = tempfile::tempdir().unwrap();
    let patterns = patterns_copy();
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    reports(&inputs, 300);
    let db = dir.path().join("full.db");

    // One batch of 128 reports takes about 2 MB: the first is committed, the second does
    // not fit. Without SIGXFSZ ignored the process would be killed on the spot.
    let mut ingest = sitrep(&db, patterns.path());
    ingest.arg("ingest").arg(&inputs);
    let out = run(&mut with_file_size_limit(3_000_000, &ingest));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));

    let articles = count(&db, "SELECT count(*) FROM articles");
    assert!(articles > 0 && articles < 300, "{articles} stored");
    assert_eq!(
        text(&db, "SELECT status FROM runs").as_deref(),
        Some("failed")
    );
    let error = text(&db, "SELECT error FROM runs").unwrap_or_default();
    assert!(error.contains("disk"), "the reason is recorded: {error:?}");
    assert_eq!(count(&db, "SELECT added FROM runs"), articles);
    assert_eq!(
        count(&db, "SELECT claims FROM runs"),
        count(&db, "SELECT count(*) FROM claims")
    );
    assert!(
        text(&db, "SELECT finished_at FROM runs").is_some(),
        "a failed run has ended"
    );

    // Space again: the next run stores the rest.
    let out = run(&mut ingest);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(count(&db, "SELECT count(*) FROM articles"), 300);
    assert_eq!(
        text(&db, "SELECT group_concat(status) FROM runs ORDER BY id").as_deref(),
        Some("failed,ok")
    );
}

#[test]
fn a_run_that_dies_after_committing_counts_what_it_committed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let patterns = PatternSet::embedded().unwrap();
    let pipeline = Pipeline::new(&patterns).unwrap();
    let texts = [
        "JNIM fighters attacked a convoy near Kayes on Sunday, the army said.",
        "The RN1 between Kayes and Bamako was blockaded by JNIM on Monday.",
        "Nothing happened in Bamako today.",
    ];
    let analyses: Vec<_> = texts
        .iter()
        .map(|t| {
            let raw = RawDocument {
                bytes: t.as_bytes().to_vec(),
                format: DocFormat::Text,
                content_type: None,
                source: SourceMeta::default(),
                overrides: Overrides::default(),
            };
            pipeline.process_isolated(&raw).unwrap()
        })
        .collect();
    {
        let mut store = Store::open(&path).unwrap();
        store.sync_patterns(&patterns).unwrap();
        let run = store.begin_run("ingest", &patterns).unwrap();
        store.insert_batch(&analyses[..2], Some(run)).unwrap();
        store.insert_batch(&analyses[2..], Some(run)).unwrap();
        // The process dies here: no finish_run, no fail_run.
    }
    assert_eq!(
        text(&path, "SELECT status FROM runs").as_deref(),
        Some("running")
    );
    assert_eq!(count(&path, "SELECT added FROM runs"), 3);
    assert_eq!(
        count(&path, "SELECT claims FROM runs"),
        count(&path, "SELECT count(*) FROM claims")
    );
    assert!(count(&path, "SELECT claims FROM runs") > 0);

    // The next run, holding the lock, closes it.
    let store = Store::open(&path).unwrap();
    assert_eq!(store.close_interrupted_runs().unwrap(), 1);
    assert_eq!(
        text(&path, "SELECT status || ': ' || error FROM runs").as_deref(),
        Some("interrupted: process ended without finishing")
    );
}
