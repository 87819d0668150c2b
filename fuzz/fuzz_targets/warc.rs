//! `cargo fuzz run warc`: see [`sitrep_fuzz::warc`] for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sitrep_fuzz::warc(data));
