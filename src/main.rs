//! The `sitrep` command: parses arguments, runs the library, prints, chooses the exit code.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
