//! The `sitrep` command: parses arguments, runs the library, prints, chooses the exit code.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    ignore_file_size_signal();
    cli::main()
}

/// A write past the file-size limit (`ulimit -f`, `prlimit --fsize`) raises SIGXFSZ, which
/// kills the process on the spot, leaving its run `running`. Ignored, the write fails with
/// EFBIG instead: SQLite rolls the batch back and reports an error, and the run records
/// itself as `failed`, like any full disk.
#[cfg(unix)]
fn ignore_file_size_signal() {
    // SAFETY: called first in `main`, before any other thread exists; SIG_IGN installs no
    // handler code, so nothing can run in signal context.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

#[cfg(not(unix))]
fn ignore_file_size_signal() {}
