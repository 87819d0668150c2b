//! `cargo fuzz run tar`: see [`sitrep_fuzz::tar`] for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sitrep_fuzz::tar(data));
