//! `sitrep diff` and `sitrep reprocess` after a pattern change: the diff predicts exactly
//! what the reprocess then writes, a second reprocess changes nothing, and a reprocess killed
//! half-way and resumed ends where an uninterrupted one does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use sitrep::store::{ArticleId, Store};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sitrep(db: &Path, patterns: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sitrep"));
    cmd.current_dir(root())
        .arg("--db")
        .arg(db)
        .arg("--patterns")
        .arg(patterns)
        .arg("-q");
    cmd
}

fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn patterns_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in sitrep::patterns::FILES {
        std::fs::copy(root().join("patterns").join(f), dir.path().join(f)).unwrap();
    }
    dir
}

/// An analyst adds an alias: the unknown group "Xyzzar" is JNIM under another name.
fn add_alias(patterns: &Path) {
    let actors = patterns.join("actors.toml");
    let text = std::fs::read_to_string(&actors).unwrap();
    let changed = text.replacen("\"JNIM\", \"GSIM\",", "\"JNIM\", \"GSIM\", \"Xyzzar\",", 1);
    assert_ne!(changed, text, "the JNIM aliases moved in actors.toml");
    std::fs::write(&actors, changed).unwrap();
}

/// Every stored claim, as its key with a multiplicity.
fn claims(db: &Path) -> BTreeMap<String, i64> {
    let store = Store::open_read_only(db).unwrap();
    let ids: Vec<i64> = {
        let conn = store.connection();
        let mut stmt = conn.prepare("SELECT id FROM articles ORDER BY id").unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let mut out = BTreeMap::new();
    for id in ids {
        for (key, _) in store.claim_keys(ArticleId(id)).unwrap() {
            *out.entry(serde_json::to_value(&key).unwrap().to_string())
                .or_insert(0) += 1;
        }
    }
    out
}

fn minus(a: &BTreeMap<String, i64>, b: &BTreeMap<String, i64>) -> BTreeMap<String, i64> {
    a.iter()
        .filter_map(|(k, n)| {
            let left = n - b.get(k).copied().unwrap_or(0);
            (left > 0).then(|| (k.clone(), left))
        })
        .collect()
}

fn keys(items: impl Iterator<Item = Value>) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for v in items {
        *out.entry(v["key"].to_string()).or_insert(0) += 1;
    }
    out
}

/// A short report naming a group the shipped patterns do not know.
const UNKNOWN_GROUP: &str = "Date: 2025-11-20\n\nXyzzar fighters attacked a military convoy near Sevare on Tuesday, \
    killing four soldiers, according to local officials. The Xyzzar fighters also torched two fuel tankers on the RN16.\n";

#[test]
fn diff_predicts_what_reprocess_writes_and_a_second_reprocess_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let extra = dir.path().join("xyzzar.txt");
    std::fs::write(&extra, UNKNOWN_GROUP).unwrap();
    let patterns = patterns_copy();
    ok(sitrep(&db, patterns.path())
        .args(["ingest", "fixtures/seeds", "fixtures/articles"])
        .arg(&extra));
    let before = claims(&db);
    let unchanged: Value = serde_json::from_str(&ok(
        sitrep(&db, patterns.path()).args(["diff", "--format", "json"])
    ))
    .unwrap();
    assert_eq!(
        unchanged["added"].as_array().unwrap().len()
            + unchanged["removed"].as_array().unwrap().len(),
        0
    );

    // An analyst adds an alias: the unknown group is JNIM under another name.
    add_alias(patterns.path());

    let diff: Value = serde_json::from_str(&ok(
        sitrep(&db, patterns.path()).args(["diff", "--format", "json"])
    ))
    .unwrap();
    let mut added = keys(diff["added"].as_array().unwrap().iter().cloned());
    let mut removed = keys(diff["removed"].as_array().unwrap().iter().cloned());
    for pair in diff["changed"].as_array().unwrap() {
        *removed.entry(pair[0]["key"].to_string()).or_insert(0) += 1;
        *added.entry(pair[1]["key"].to_string()).or_insert(0) += 1;
    }
    assert!(
        added
            .keys()
            .any(|k| k.contains("\"predicate\":\"attack\"") && k.contains("\"subject\":\"jnim\"")),
        "the new alias yields JNIM attack claims: {added:#?}"
    );
    assert!(
        diff["by_predicate"]["attack"]["added"].as_u64().unwrap()
            + diff["by_predicate"]["attack"]["changed"].as_u64().unwrap()
            >= 1
    );

    ok(sitrep(&db, patterns.path()).arg("reprocess"));
    let after = claims(&db);
    assert_eq!(
        minus(&after, &before),
        added,
        "the diff predicted exactly the claims added"
    );
    assert_eq!(minus(&before, &after), removed, "and exactly those removed");
    let version: String = Store::open_read_only(&db)
        .unwrap()
        .connection()
        .query_row(
            "SELECT group_concat(DISTINCT pattern_version) FROM claims",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        !version.contains(','),
        "every claim is stamped with the new pattern set: {version}"
    );

    ok(sitrep(&db, patterns.path()).arg("reprocess"));
    assert_eq!(claims(&db), after, "a second reprocess changes nothing");
    let again: Value = serde_json::from_str(&ok(
        sitrep(&db, patterns.path()).args(["diff", "--format", "json"])
    ))
    .unwrap();
    assert_eq!(
        again["added"].as_array().unwrap().len() + again["removed"].as_array().unwrap().len(),
        0
    );
}

#[test]
fn a_reprocess_killed_half_way_resumes_to_the_same_database() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("inputs");
    std::fs::create_dir(&inputs).unwrap();
    let towns = [
        "Kayes",
        "Sevare",
        "Gao",
        "Mopti",
        "Nioro du Sahel",
        "Sikasso",
    ];
    for n in 0..900 {
        let town = towns[n % towns.len()];
        std::fs::write(
            inputs.join(format!("{n:04}.txt")),
            format!(
                "Date: 2025-11-{:02}\n\nXyzzar fighters attacked a convoy near {town} on Tuesday (report {n}). \
                 JNIM has blockaded the RN{} since September, officials said.\n",
                n % 28 + 1,
                n % 30 + 1
            ),
        )
        .unwrap();
    }
    let patterns = patterns_copy();
    let killed = dir.path().join("killed.db");
    ok(sitrep(&killed, patterns.path()).arg("ingest").arg(&inputs));
    let whole = dir.path().join("whole.db");
    std::fs::copy(&killed, &whole).unwrap();
    add_alias(patterns.path());

    ok(sitrep(&whole, patterns.path()).args(["reprocess", "--jobs", "2"]));

    let mut child = sitrep(&killed, patterns.path())
        .args(["reprocess", "--jobs", "2"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let cursor = || -> Option<String> {
        let conn = rusqlite::Connection::open(&killed).ok()?;
        conn.query_row(
            "SELECT value FROM _state WHERE key = 'reprocess_cursor'",
            [],
            |r| r.get(0),
        )
        .ok()
    };
    let start = Instant::now();
    while cursor().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the reprocess never wrote a batch"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL, half-way: at least one batch written, not all
    child.wait().unwrap();
    let stopped = cursor().expect("killed before the end");
    assert!(stopped.contains("\"after\""), "{stopped}");

    let resumed = sitrep(&killed, patterns.path())
        .args(["reprocess", "--resume"])
        .arg("-q")
        .output()
        .unwrap();
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert!(cursor().is_none(), "a finished reprocess leaves no cursor");
    assert_eq!(claims(&killed), claims(&whole));
    let status: String = rusqlite::Connection::open(&killed)
        .unwrap()
        .query_row(
            "SELECT group_concat(status) FROM runs WHERE command = 'reprocess'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(status, "interrupted,ok");
}
