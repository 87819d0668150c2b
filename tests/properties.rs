//! Property tests, on stable Rust: the fuzz targets' properties (`fuzz/src`, included here)
//! checked on inputs mutated from seeds (`fixtures/`, a sample of NAEB pages when
//! `../shared/data/naeb` is there, the shipped pattern and sources files, archives built from
//! the documents), plus round trips through the archive readers.
//!
//! Each target runs its seeds, then mutated seeds until its time budget is spent
//! (`SITREP_PROPERTY_SECS`, default 2 s; the sequence of inputs is fixed, only how far it
//! gets depends on the machine). A failing input is saved under
//! `target/property-failures/` and can be replayed with the fuzz target of the same name
//! (see FUZZING.md).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

#[path = "../fuzz/src/lib.rs"]
mod targets;

#[path = "support/fuzz_seeds.rs"]
mod seeds;

use seeds::{Doc, Rng};
use sitrep::fetch::archive::{self, Item};

fn docs() -> &'static [Doc] {
    static DOCS: OnceLock<Vec<Doc>> = OnceLock::new();
    DOCS.get_or_init(seeds::documents)
}

fn budget() -> Duration {
    let secs = std::env::var("SITREP_PROPERTY_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(2.0);
    Duration::from_secs_f64(secs)
}

/// Runs `target` on every seed (its first `max_len` bytes: whole NAEB pages are slow in a
/// debug build; the fuzzer takes them whole), then on mutated windows of at most `max_len`
/// bytes of them until the budget is spent (and at least fifty); panics with the saved input's path at the first
/// failure.
fn check(name: &str, target: fn(&[u8]), seeds: &[Vec<u8>], dict: &[&[u8]], max_len: usize) {
    let started = Instant::now();
    let run = |case: &str, input: &[u8]| {
        if catch_unwind(AssertUnwindSafe(|| target(input))).is_err() {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/property-failures");
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(format!("{name}-{case}"));
            std::fs::write(&path, input).unwrap();
            panic!(
                "{name}: {case} failed; input saved: replay with \
                 `cd fuzz && cargo +nightly fuzz run {name} {}`",
                path.display()
            );
        }
    };
    for (i, seed) in seeds.iter().enumerate() {
        run(&format!("seed{i}"), &seed[..seed.len().min(max_len)]);
    }
    let mut rng = Rng(0x5eed ^ name.len() as u64 ^ (name.as_bytes()[0] as u64) << 32);
    let mut cases = 0;
    // At least fifty mutated inputs, however slow the machine.
    while cases < 50 || started.elapsed() < budget() {
        let seed = &seeds[rng.below(seeds.len())];
        let from = rng.below(seed.len().saturating_sub(max_len) + 1);
        let mut input = seed[from..(from + max_len).min(seed.len())].to_vec();
        seeds::mutate(&mut rng, &mut input, seeds, dict);
        // A splice can bring in a whole page; repeated runs stay.
        input.truncate(max_len.saturating_add(4096));
        run(&format!("case{cases}"), &input);
        cases += 1;
    }
    println!(
        "{name}: {} seeds and {cases} mutated inputs in {:.1} s",
        seeds.len(),
        started.elapsed().as_secs_f64()
    );
}

/// Checks `target` with its seeds and dictionary.
fn fuzz(name: &str, target: fn(&[u8]), seeds: &[Vec<u8>], max_len: usize) {
    check(name, target, seeds, &seeds::dictionary(name), max_len);
}

#[test]
fn extraction_never_panics_and_an_article_has_text() {
    fuzz(
        "extract",
        targets::extract,
        &seeds::extract(docs()),
        8 * 1024,
    );
}

#[test]
fn tags_and_claims_lie_within_the_text_on_char_boundaries() {
    fuzz(
        "tag_claims",
        targets::tag_claims,
        &seeds::tag_claims(docs()),
        8 * 1024,
    );
}

#[test]
fn pattern_loader_never_panics_and_names_the_file_and_line_of_each_problem() {
    fuzz(
        "patterns",
        targets::patterns,
        &seeds::patterns(4096),
        usize::MAX,
    );
}

#[test]
fn sources_loader_returns_a_runnable_configuration_or_a_typed_error() {
    fuzz("sources", targets::sources, &seeds::sources(), usize::MAX);
}

/// Seeds of an archive format: of 1, 2 and 4 documents, plain and compressed.
fn archive_seeds(build: Build) -> Vec<Vec<u8>> {
    [(1, false), (2, false), (4, false), (2, true)]
        .iter()
        .map(|&(n, gz)| build(docs(), n, gz).0)
        .collect()
}

#[test]
fn warc_reader_ends_and_yields_no_more_records_than_version_lines() {
    fuzz(
        "warc",
        targets::warc,
        &archive_seeds(seeds::warc),
        usize::MAX,
    );
}

#[test]
fn jsonl_reader_ends_and_yields_at_most_one_record_per_line() {
    fuzz(
        "jsonl",
        targets::jsonl,
        &archive_seeds(seeds::jsonl),
        usize::MAX,
    );
}

#[test]
fn tar_reader_ends_and_yields_at_most_one_record_per_header() {
    fuzz("tar", targets::tar, &archive_seeds(seeds::tar), usize::MAX);
    targets::wait_for_tar_threads();
}

/// The bodies of the documents an archive yields, read from a file named `*.{ext}`.
fn bodies(ext: &str, bytes: &[u8]) -> Vec<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("archive.{ext}"));
    std::fs::write(&path, bytes).unwrap();
    archive::open(&path)
        .unwrap()
        .filter_map(|item| match item {
            Item::Record(r) => Some(r.raw.bytes),
            _ => None,
        })
        .collect()
}

type Build = fn(&[Doc], usize, bool) -> seeds::Archive;

const FORMATS: &[(&str, Build)] = &[
    ("warc", seeds::warc),
    ("jsonl", seeds::jsonl),
    ("tar", seeds::tar),
];

#[test]
fn archives_yield_every_document_written_once_in_order() {
    for &(ext, build) in FORMATS {
        for n in [0, 1, 3, 7] {
            for gz in [false, true] {
                let (bytes, written) = build(docs(), n, gz);
                let read = bodies(ext, &bytes);
                assert!(read == written, "{ext} of {n} (gzip: {gz}): bodies differ");
            }
        }
    }
}

#[test]
fn archives_with_garbage_inserted_yield_no_more_documents_than_written() {
    // Garbage that cannot start a record of any format: no `W` (`WARC/1.`), no `{`.
    const GARBAGE: &[u8] = b"\0\n\r xyz<>[]}\"\x1f\x8b\x08\xff\xc3";
    let mut rng = Rng(7);
    for &(ext, build) in FORMATS {
        for case in 0..40 {
            let (mut bytes, written) = build(docs(), 1 + case % 5, case % 4 == 3);
            let written = written.len();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(bytes.len() + 1);
                let junk: Vec<u8> = (0..1 + rng.below(600))
                    .map(|_| GARBAGE[rng.below(GARBAGE.len())])
                    .collect();
                bytes.splice(at..at, junk);
            }
            let read = bodies(ext, &bytes).len();
            assert!(
                read <= written,
                "{ext} case {case}: {read} documents from {written}"
            );
        }
    }
}

/// Writes the seed corpora of every fuzz target to `SITREP_FUZZ_SEEDS` (default
/// `fuzz/seeds`), one directory per target: what `fuzz/run.sh` starts from. Not a test: run
/// with `cargo test --test properties -- --ignored write_fuzz_seeds`.
#[test]
#[ignore = "writes the fuzz seed corpora; see FUZZING.md"]
fn write_fuzz_seeds() {
    let out = std::env::var_os("SITREP_FUZZ_SEEDS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds"));
    let corpora: Vec<(&str, Vec<Vec<u8>>)> = vec![
        ("extract", seeds::extract(docs())),
        ("tag_claims", seeds::tag_claims(docs())),
        ("patterns", seeds::patterns(4096)),
        ("sources", seeds::sources()),
        ("warc", archive_seeds(seeds::warc)),
        ("jsonl", archive_seeds(seeds::jsonl)),
        ("tar", archive_seeds(seeds::tar)),
    ];
    for (name, inputs) in corpora {
        assert!(targets::TARGETS.iter().any(|(t, _)| *t == name), "{name}");
        let dir = out.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for (i, input) in inputs.iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{i:03}")), input).unwrap();
        }
        let dict = seeds::libfuzzer_dictionary(&seeds::dictionary(name));
        std::fs::write(out.join(format!("{name}.dict")), dict).unwrap();
        println!("{}: {} seeds", dir.display(), inputs.len());
    }
}

/// Faults the property tests and the fuzzer found, each replayed on its minimal input.
mod regressions {
    use std::path::Path;
    use std::time::Duration;

    use sitrep::fetch::sources::Sources;

    #[test]
    fn sources_interval_minutes_too_large_for_seconds_saturates_instead_of_overflowing() {
        for (key, text) in [
            (
                "interval_minutes",
                "[[source]]\nurl = \"https://example.org/feed\"\ninterval_minutes = 9223372036854775807\n",
            ),
            (
                "default_interval_minutes",
                "[fetch]\ndefault_interval_minutes = 9223372036854775807\n[[source]]\nurl = \"https://example.org/feed\"\n",
            ),
        ] {
            let s = Sources::parse(text, Path::new("sources.toml")).expect(key);
            assert_eq!(
                s.sources[0].interval,
                Duration::from_secs(u64::MAX),
                "{key}"
            );
        }
    }
}
