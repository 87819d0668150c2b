//! Why a fetch failed, and how reqwest's errors map onto those reasons.

use std::time::Duration;

use url::Url;

use crate::fetch::guard::Refused;

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{url}: only http and https URLs are fetched")]
    Scheme { url: String },
    #[error("{url}: refused by the SSRF guard: {reason}")]
    Refused { url: String, reason: String },
    /// Disallowed by the rules, or (`why`) by a robots.txt that could not be read: RFC 9309
    /// treats a 5xx or an unreachable server as "nothing may be crawled".
    #[error("{url}: disallowed by robots.txt{}", why.as_ref().map(|w| format!(" ({w})")).unwrap_or_default())]
    Robots { url: String, why: Option<String> },
    #[error("{url}: HTTP {status}{}", retry_after.map(|d| format!(" (retry after {}s)", d.as_secs())).unwrap_or_default())]
    Status {
        url: String,
        status: u16,
        retry_after: Option<Duration>,
    },
    #[error("{url}: not requested: the host asked to be left alone for {}s", wait.as_secs())]
    Deferred { url: String, wait: Duration },
    #[error("{url}: timed out")]
    Timeout { url: String },
    #[error("{url}: body larger than {limit} bytes")]
    TooLarge { url: String, limit: u64 },
    #[error("{url}: {reason}")]
    Redirect { url: String, reason: String },
    #[error("{url}: content type {content_type} is not a web page")]
    ContentType { url: String, content_type: String },
    #[error("{url}: {reason}")]
    Network { url: String, reason: String },
}

impl HttpError {
    /// Whether trying again later may succeed. Permanent failures (404, 410, robots, SSRF,
    /// wrong content type, oversized) are not retried.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Status { status, .. } => *status == 408 || *status == 429 || *status >= 500,
            Self::Timeout { .. } | Self::Network { .. } | Self::Deferred { .. } => true,
            _ => false,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            Self::Deferred { wait, .. } => Some(*wait),
            _ => None,
        }
    }
}

pub(super) fn network(url: &Url, e: impl std::fmt::Display) -> HttpError {
    HttpError::Network {
        url: url.to_string(),
        reason: e.to_string(),
    }
}

/// Turns reqwest's error into ours, finding the guard's refusal in the source chain.
pub(super) fn classify(url: &Url, e: reqwest::Error) -> HttpError {
    let url_s = url.to_string();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = source {
        if let Some(refused) = err.downcast_ref::<Refused>() {
            return HttpError::Refused {
                url: url_s,
                reason: refused.to_string(),
            };
        }
        source = err.source();
    }
    if e.is_timeout() {
        return HttpError::Timeout { url: url_s };
    }
    if e.is_redirect() {
        let reason = std::error::Error::source(&e)
            .map(|s| s.to_string())
            .unwrap_or_else(|| "redirect failed".into());
        return HttpError::Redirect { url: url_s, reason };
    }
    // The innermost cause says most ("connection refused", "dns error: …").
    let mut reason = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        reason = s.to_string();
        source = s.source();
    }
    HttpError::Network { url: url_s, reason }
}
