//! Progress on a terminal (indicatif): a bar with its total, rate and ETA once the total is
//! known ([`Progress::start`]), a counter with rate while it is not. Rates are whole numbers
//! ("1,913/s"). Nothing when stderr is not a terminal (cron, pipes) or with `--quiet`: the
//! command prints its one-line summary instead.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use indicatif::{HumanCount, ProgressBar, ProgressState, ProgressStyle};
use sitrep::reprocess::Progress;

pub struct Bar {
    bar: Option<ProgressBar>,
    /// What is counted ("articles", "documents").
    what: &'static str,
    /// For a bar over input bytes: the bytes read so far (set by the reading thread), and the
    /// documents done, shown beside them.
    reading: Option<(Arc<AtomicU64>, AtomicU64)>,
}

impl Bar {
    /// A bar for articles, drawn once [`Progress::start`] gives the total.
    pub fn new(quiet: bool) -> Self {
        Self {
            bar: (!quiet && std::io::stderr().is_terminal()).then(ProgressBar::hidden),
            what: "articles",
            reading: None,
        }
    }

    /// A bar over the bytes of the inputs (files listed, archives), whose total is known
    /// before the documents in them are: it shows the total and an ETA from the start.
    /// `read` is advanced by whoever reads the inputs.
    pub fn reading(quiet: bool, what: &'static str, total: u64, read: Arc<AtomicU64>) -> Self {
        let bar = Self {
            what,
            reading: Some((read, AtomicU64::new(0))),
            ..Self::new(quiet)
        };
        if let Some(b) = &bar.bar {
            b.set_length(total);
            b.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            b.set_style(style(&format!(
                "{{bar:40}} {{bytes}}/{{total_bytes}} read, {{msg}} {what} ({{eta}} left)"
            )));
            b.set_message("0");
            b.enable_steady_tick(Duration::from_millis(200));
        }
        bar
    }

    /// A counter for inputs of unknown number; it becomes a bar with an ETA if
    /// [`Progress::start`] is told the total.
    pub fn counter(quiet: bool, what: &'static str) -> Self {
        let bar = Self {
            what,
            ..Self::new(quiet)
        };
        if let Some(b) = &bar.bar {
            b.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            b.set_style(style(&format!(
                "{{spinner}} {{human_pos}} {what} ({{rate}}) {{elapsed}}"
            )));
            b.enable_steady_tick(Duration::from_millis(200));
        }
        bar
    }
}

/// A style with the whole-number `{rate}` and compact `{eta}` keys.
fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .with_key("rate", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = w.write_str(&rate(s.per_sec()));
        })
        .with_key("eta", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = w.write_str(&eta(s.eta()));
        })
}

/// Items per second as a whole number with thousands separators: "1,913/s".
fn rate(per_sec: f64) -> String {
    if per_sec.is_finite() && per_sec >= 0.0 {
        format!("{}/s", HumanCount(per_sec.round() as u64))
    } else {
        "-/s".to_string()
    }
}

/// Time left, to the second and in at most two units: "45s", "3m 05s", "2h 10m".
fn eta(left: Duration) -> String {
    let s = left.as_secs();
    let mut out = String::new();
    let _ = match s {
        0..60 => write!(out, "{s}s"),
        60..3600 => write!(out, "{}m {:02}s", s / 60, s % 60),
        _ => write!(out, "{}h {:02}m", s / 3600, s % 3600 / 60),
    };
    out
}

impl Progress for Bar {
    fn start(&self, total: u64) {
        if let Some(b) = &self.bar {
            b.set_length(total);
            b.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            b.set_style(style(&format!(
                "{{bar:40}} {{human_pos}}/{{human_len}} {} ({{rate}}, ETA {{eta}})",
                self.what
            )));
        }
    }

    fn advance(&self, n: u64) {
        let Some(b) = &self.bar else { return };
        match &self.reading {
            Some((read, done)) => {
                let done = done.fetch_add(n, Ordering::Relaxed) + n;
                b.set_position(read.load(Ordering::Relaxed));
                b.set_message(HumanCount(done).to_string());
            }
            None => b.inc(n),
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_print_as_whole_numbers() {
        for (per_sec, expected) in [
            (1912.9645, "1,913/s"),
            (0.0, "0/s"),
            (0.4, "0/s"),
            (7.5, "8/s"),
            (1_234_567.2, "1,234,567/s"),
            (f64::INFINITY, "-/s"),
            (f64::NAN, "-/s"),
        ] {
            assert_eq!(rate(per_sec), expected, "{per_sec}");
        }
    }

    #[test]
    fn the_eta_is_compact_and_to_the_second() {
        for (secs, expected) in [
            (0, "0s"),
            (45, "45s"),
            (60, "1m 00s"),
            (185, "3m 05s"),
            (3600, "1h 00m"),
            (7830, "2h 10m"),
        ] {
            assert_eq!(eta(Duration::from_secs(secs)), expected, "{secs}");
        }
    }
}
