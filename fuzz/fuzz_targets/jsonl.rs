//! `cargo fuzz run jsonl`: see [`sitrep_fuzz::jsonl`] for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sitrep_fuzz::jsonl(data));
