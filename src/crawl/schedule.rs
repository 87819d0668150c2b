//! When to poll a source again, and what a failure means for it. Pure functions of the
//! source's state, the time and a random draw, so the policy is tested without a clock.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::fetch::sources::Source;
use crate::store::SourceState;

/// Longest wait between two polls of a failing source.
pub const MAX_BACKOFF: Duration = Duration::from_secs(24 * 3600);
/// A page that keeps failing is given up after this many attempts.
pub const MAX_PAGE_ATTEMPTS: u32 = 5;
/// First wait before a failed page is tried again.
pub const PAGE_RETRY: Duration = Duration::from_secs(10 * 60);
/// A source failing this long, or this many times in a row, needs a human.
pub const PERSISTENT_AFTER: Duration = Duration::from_secs(24 * 3600);
pub const PERSISTENT_FAILURES: u32 = 5;

/// Whether a source is to be polled now. `force` ignores the schedule and the backoff, not a
/// source disabled by `410 Gone` or by its configuration.
pub fn is_due(
    source: &Source,
    state: Option<&SourceState>,
    now: DateTime<Utc>,
    force: bool,
) -> bool {
    if !source.enabled || state.is_some_and(|s| s.disabled_reason.is_some()) {
        return false;
    }
    force
        || state
            .and_then(|s| s.next_poll_at)
            .is_none_or(|next| next <= now)
}

/// Exponential backoff with jitter: `base · 2^(failures-1)`, capped, times a factor in
/// [0.8, 1.2) drawn from `unit` (a number in [0, 1)) so failing sources do not all return at
/// the same minute.
pub fn backoff(base: Duration, failures: u32, unit: f64) -> Duration {
    let base = base.max(Duration::from_secs(60));
    let exp = failures.saturating_sub(1).min(16);
    let raw = base.saturating_mul(1u32 << exp).min(MAX_BACKOFF);
    raw.mul_f64(0.8 + 0.4 * unit.clamp(0.0, 1.0))
        .min(MAX_BACKOFF)
}

fn later(now: DateTime<Utc>, wait: Duration) -> DateTime<Utc> {
    // A huge configured interval must not overflow the date arithmetic.
    chrono::Duration::from_std(wait)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// When to poll a source after a success.
pub fn next_after_success(source: &Source, now: DateTime<Utc>) -> DateTime<Utc> {
    later(now, source.interval)
}

/// When to poll a source after its `failures`-th consecutive failure: the backoff, or
/// later if the server asked for it with `Retry-After`.
pub fn next_after_failure(
    source: &Source,
    failures: u32,
    retry_after: Option<Duration>,
    now: DateTime<Utc>,
    unit: f64,
) -> DateTime<Utc> {
    let wait = backoff(source.interval, failures, unit).max(retry_after.unwrap_or_default());
    later(now, wait)
}

/// When to try a failed page again, or `None` to give up.
pub fn page_retry(
    attempts: u32,
    retry_after: Option<Duration>,
    now: DateTime<Utc>,
    unit: f64,
) -> Option<DateTime<Utc>> {
    if attempts >= MAX_PAGE_ATTEMPTS {
        return None;
    }
    let wait = backoff(PAGE_RETRY, attempts, unit).max(retry_after.unwrap_or_default());
    Some(later(now, wait))
}

/// Whether a failing source should be reported to a human rather than just retried.
pub fn is_persistent(
    failures: u32,
    failing_since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    failures >= PERSISTENT_FAILURES
        || failing_since.is_some_and(|since| {
            now.signed_duration_since(since)
                .to_std()
                .unwrap_or_default()
                >= PERSISTENT_AFTER
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::listing::SourceKind;

    fn source(minutes: u64) -> Source {
        Source {
            name: "s".into(),
            url: url::Url::parse("https://example.org/feed").unwrap(),
            kind: SourceKind::Feed,
            language: None,
            interval: Duration::from_secs(minutes * 60),
            enabled: true,
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let base = Duration::from_secs(15 * 60);
        for (failures, minutes) in [(1, 15), (2, 30), (3, 60), (4, 120), (8, 1440), (40, 1440)] {
            assert_eq!(
                backoff(base, failures, 0.5),
                Duration::from_secs(minutes * 60),
                "{failures}"
            );
        }
        assert_eq!(backoff(base, 1, 0.0), Duration::from_secs(12 * 60));
        assert!(backoff(base, 1, 0.999) < Duration::from_secs(18 * 60));
        assert_eq!(
            backoff(Duration::ZERO, 1, 0.5),
            Duration::from_secs(60),
            "at least a minute"
        );
    }

    #[test]
    fn due_sources() {
        let now = at("2026-11-23T12:00:00Z");
        let s = source(15);
        let state = |next: &str, disabled: Option<&str>| SourceState {
            next_poll_at: Some(at(next)),
            disabled_reason: disabled.map(str::to_string),
            ..SourceState::default()
        };
        assert!(is_due(&s, None, now, false), "never polled");
        assert!(is_due(
            &s,
            Some(&state("2026-11-23T11:59:00Z", None)),
            now,
            false
        ));
        assert!(!is_due(
            &s,
            Some(&state("2026-11-23T12:10:00Z", None)),
            now,
            false
        ));
        assert!(
            is_due(&s, Some(&state("2026-11-23T12:10:00Z", None)), now, true),
            "forced"
        );
        assert!(!is_due(
            &s,
            Some(&state("2026-11-23T11:00:00Z", Some("410 Gone"))),
            now,
            true
        ));
        let off = Source {
            enabled: false,
            ..s
        };
        assert!(!is_due(&off, None, now, true));
    }

    #[test]
    fn retry_after_wins_when_longer() {
        let now = at("2026-11-23T12:00:00Z");
        let s = source(1);
        let next = next_after_failure(&s, 1, Some(Duration::from_secs(3600)), now, 0.5);
        assert_eq!(next, at("2026-11-23T13:00:00Z"));
        let next = next_after_failure(&s, 1, Some(Duration::from_secs(1)), now, 0.5);
        assert_eq!(next, at("2026-11-23T12:01:00Z"));
    }

    #[test]
    fn pages_are_given_up_after_five_attempts() {
        let now = at("2026-11-23T12:00:00Z");
        assert_eq!(
            page_retry(1, None, now, 0.5),
            Some(at("2026-11-23T12:10:00Z"))
        );
        assert_eq!(page_retry(MAX_PAGE_ATTEMPTS, None, now, 0.5), None);
    }

    #[test]
    fn persistent_failures() {
        let now = at("2026-11-23T12:00:00Z");
        assert!(!is_persistent(1, Some(at("2026-11-23T11:00:00Z")), now));
        assert!(is_persistent(2, Some(at("2026-11-22T11:00:00Z")), now));
        assert!(is_persistent(PERSISTENT_FAILURES, None, now));
    }
}
