//! Logging: the library emits `tracing` events; this chooses which reach stderr, and how.
//!
//! Silent by default but for errors that need a human (a source failing for a day, a source
//! gone), because cron mails whatever a job prints. `-v` adds warnings and the one-line run
//! summary, `-vv` every step, `-vvv` the HTTP stack's own events.
//!
//! Colour only on a terminal, and never when `NO_COLOR` is set (<https://no-color.org>):
//! escape codes in a log file or a cron mail are noise.

use std::ffi::OsStr;
use std::io::IsTerminal;

use tracing::Level;
use tracing_subscriber::EnvFilter;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

pub fn init(verbose: u8, quiet: bool, format: LogFormat) {
    let level = match (quiet, verbose) {
        (true, _) | (false, 0) => Level::ERROR,
        (false, 1) => Level::INFO,
        (false, _) => Level::DEBUG,
    };
    let filter = if verbose >= 3 {
        EnvFilter::new("debug")
    } else {
        EnvFilter::new(format!("error,sitrep={level}"))
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour(
            std::io::stderr().is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
        ))
        .with_target(false);
    // A second initialization (never expected) is harmless: the first subscriber stays.
    let _ = match format {
        LogFormat::Text => builder.without_time().try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// Whether log lines may carry colour: on a terminal, unless `NO_COLOR` is set to anything
/// but the empty string.
fn colour(terminal: bool, no_color: Option<&OsStr>) -> bool {
    terminal && no_color.is_none_or(OsStr::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_are_coloured_only_on_a_terminal_without_no_color() {
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        for (terminal, no_color, expected) in [
            (true, None, true),
            (true, empty, true),
            (true, set, false),
            (false, None, false),
            (false, set, false),
        ] {
            assert_eq!(
                colour(terminal, no_color),
                expected,
                "{terminal} {no_color:?}"
            );
        }
    }
}
