//! `cargo fuzz run sources`: see [`sitrep_fuzz::sources`] for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sitrep_fuzz::sources(data));
