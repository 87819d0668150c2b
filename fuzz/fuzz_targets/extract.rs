//! `cargo fuzz run extract`: see [`sitrep_fuzz::extract`] for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sitrep_fuzz::extract(data));
