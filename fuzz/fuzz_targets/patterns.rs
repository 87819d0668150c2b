//! `cargo fuzz run patterns`: see [`sitrep_fuzz::patterns`] for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sitrep_fuzz::patterns(data));
