//! Progress on a terminal (indicatif): a bar with rate and ETA when the total is known, a
//! counter with rate when it is not. Nothing when stderr is not a terminal (cron, pipes):
//! the command prints its one-line summary instead.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use sitrep::reprocess::Progress;

pub struct Bar(Option<ProgressBar>);

impl Bar {
    pub fn new(quiet: bool) -> Self {
        Self((!quiet && std::io::stderr().is_terminal()).then(ProgressBar::hidden))
    }

    /// A counter for inputs of unknown number.
    pub fn counter(quiet: bool, what: &'static str) -> Self {
        let bar = Self::new(quiet);
        if let Some(b) = &bar.0 {
            b.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            b.set_style(
                ProgressStyle::with_template(&format!(
                    "{{spinner}} {{pos}} {what} ({{per_sec}}) {{elapsed}}"
                ))
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.enable_steady_tick(Duration::from_millis(200));
        }
        bar
    }
}

impl Progress for Bar {
    fn start(&self, total: u64) {
        if let Some(b) = &self.0 {
            b.set_length(total);
            b.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            b.set_style(
                ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} articles ({per_sec}, ETA {eta})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
        }
    }

    fn advance(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}
