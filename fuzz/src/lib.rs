//! The fuzz targets' bodies: one function per target, taking the fuzzer's bytes, running one
//! stage of sitrep on them and asserting what must hold for every input. A panic, or an
//! assertion that fails, is the finding.
//!
//! Shared by the coverage-guided targets (`fuzz/fuzz_targets/*.rs`, run with `cargo fuzz`)
//! and by the property tests on stable Rust (`tests/properties.rs`, which includes this file
//! with `#[path]`), so that both check the same properties of the same entry points.
//!
//! Some targets read a selector byte before their input (the document's format, its
//! language); the `*_input` functions build such inputs, for seeds.

mod archive;
mod patterns;
mod text;

pub use archive::{jsonl, sources, tar, wait_for_tar_threads, warc};
pub use patterns::{MINI_PATTERNS, patterns, patterns_input};
pub use text::{extract, extract_input, tag_claims, tag_claims_input};

/// A target's body: the fuzzer's bytes in, a panic on a finding.
pub type Target = fn(&[u8]);

/// Every target by name, as `cargo fuzz` knows them.
pub const TARGETS: &[(&str, Target)] = &[
    ("extract", extract),
    ("tag_claims", tag_claims),
    ("patterns", patterns),
    ("warc", warc),
    ("jsonl", jsonl),
    ("tar", tar),
    ("sources", sources),
];

/// Asserts that `span` lies within `text` and on character boundaries; `what` names it.
fn check_span(text: &str, span: sitrep::model::Span, what: &str) {
    assert!(
        span.start <= span.end && span.end <= text.len(),
        "{what} span {span:?} is outside the text ({} bytes)",
        text.len()
    );
    assert!(
        text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
        "{what} span {span:?} splits a character"
    );
}
