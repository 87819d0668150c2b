//! `cargo fuzz run tar`: see [`sitrep_fuzz::tar`] for what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    sitrep_fuzz::tar(data);
    // Before LeakSanitizer looks: the reader's thread may still be exiting.
    sitrep_fuzz::wait_for_tar_threads();
});
