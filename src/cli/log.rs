//! Logging: the library emits `tracing` events; this chooses which reach stderr, and how.
//!
//! Silent by default but for errors that need a human (a source failing for a day, a source
//! gone), because cron mails whatever a job prints. `-v` adds warnings and the one-line run
//! summary, `-vv` every step, `-vvv` the HTTP stack's own events.

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
        .with_target(false);
    // A second initialization (never expected) is harmless: the first subscriber stays.
    let _ = match format {
        LogFormat::Text => builder.without_time().try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
