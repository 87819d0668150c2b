//! `cargo fuzz run tag_claims`: see [`sitrep_fuzz::tag_claims`] for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sitrep_fuzz::tag_claims(data));
