//! HTTP fetching, politely and safely: the only place sitrep talks to the network.
//!
//! [`Client::get`] does one conditional GET under every rule a good crawler keeps: the SSRF
//! [`guard`](super::guard) on every address and redirect, a per-host concurrency limit and
//! minimum delay (raised by a robots.txt `Crawl-delay` and by `Retry-After`), a global
//! concurrency limit, robots.txt for article pages, timeouts, a body size cap applied while
//! streaming (a compressed bomb cannot get past it), a redirect cap with loop detection, and
//! content-type checks. It returns bytes and headers; decoding and parsing happen downstream.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use sha2::{Digest, Sha256};
use tokio::sync::{OnceCell, Semaphore};
use url::Url;

mod error;

pub use error::HttpError;
use error::{classify, network};

use super::guard::{Cidr, Guard, GuardedResolver};

/// How the client behaves. The defaults suit a cron job following a few hundred outlets.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Product token, matched against robots.txt groups.
    pub agent: String,
    /// Who to contact about this crawler (an email or URL), sent in the User-Agent.
    pub contact: Option<String>,
    pub connect_timeout: Duration,
    /// Whole request, body included.
    pub timeout: Duration,
    pub max_body_bytes: u64,
    pub max_redirects: usize,
    pub concurrency: usize,
    pub per_host_concurrency: usize,
    pub per_host_delay: Duration,
    /// Non-public networks that may nevertheless be fetched (see [`guard`](super::guard)).
    pub allow_networks: Vec<Cidr>,
    pub robots: bool,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            agent: "sitrep".into(),
            contact: None,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_body_bytes: 10 * 1024 * 1024,
            max_redirects: 5,
            concurrency: 16,
            per_host_concurrency: 2,
            per_host_delay: Duration::from_millis(500),
            allow_networks: Vec::new(),
            robots: true,
        }
    }
}

impl HttpConfig {
    pub fn user_agent(&self) -> String {
        let version = env!("CARGO_PKG_VERSION");
        match &self.contact {
            Some(c) => format!("{}/{version} (+{c})", self.agent),
            None => format!("{}/{version}", self.agent),
        }
    }
}

/// What a fetch is for: article pages obey robots.txt and must be HTML or text; listings
/// (feeds, sitemaps) are what the user configured, and are parsed downstream whatever their type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Listing,
    Page,
}

/// What is remembered of a URL's last fetch, to make the next one conditional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Some servers send a new ETag for unchanged content: the body hash catches those.
    pub body_hash: Option<String>,
}

/// A fetched body with what came with it.
#[derive(Debug, Clone)]
pub struct Response {
    pub url: Url,
    pub final_url: Url,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub fetched_at: DateTime<Utc>,
    pub validators: Validators,
}

/// The result of a successful conditional GET.
#[derive(Debug, Clone)]
pub enum Outcome {
    Body(Box<Response>),
    /// `304 Not Modified`, or a 200 whose body hashes as before: nothing to parse.
    NotModified {
        validators: Validators,
        by_hash: bool,
    },
}

/// SHA-256 of a body, hex.
pub fn body_hash(body: &[u8]) -> String {
    Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A request's places in its host's and the global concurrency limits.
struct Permits<'a>(
    #[allow(dead_code)] tokio::sync::OwnedSemaphorePermit,
    #[allow(dead_code)] tokio::sync::SemaphorePermit<'a>,
);

/// Per-host politeness: a concurrency limit and a minimum delay between request starts.
#[derive(Debug)]
struct Host {
    permits: Arc<Semaphore>,
    state: tokio::sync::Mutex<HostState>,
}

#[derive(Debug)]
struct HostState {
    next: Instant,
    delay: Duration,
}

#[derive(Debug)]
enum Robots {
    All,
    /// Nothing may be crawled, because robots.txt could not be read: why.
    Nothing(String),
    Rules(Box<texting_robots::Robot>),
}

/// Longest `Crawl-delay` honoured between two requests to a host.
const MAX_HOST_DELAY: Duration = Duration::from_secs(30);
/// Longest a request waits for its host's turn; beyond it (a `Retry-After` of an hour, say)
/// the request is not sent in this run and is retried in a later one.
const MAX_WAIT: Duration = Duration::from_secs(60);
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);
/// robots.txt files bigger than this are cut (RFC 9309 requires at least 500 KiB be parsed).
const MAX_ROBOTS_BYTES: u64 = 512 * 1024;

/// An HTTP client shared by all fetches of a run.
#[derive(Debug)]
pub struct Client {
    http: reqwest::Client,
    config: HttpConfig,
    guard: Arc<Guard>,
    global: Semaphore,
    hosts: Mutex<HashMap<String, Arc<Host>>>,
    robots: Mutex<HashMap<String, Arc<OnceCell<Robots>>>>,
    requests: AtomicU64,
}

impl Client {
    pub fn new(config: HttpConfig) -> Result<Self, HttpError> {
        let guard = Arc::new(Guard::new(config.allow_networks.clone()));
        let redirect_guard = guard.clone();
        let max_redirects = config.max_redirects;
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > max_redirects {
                return attempt.error(format!("more than {max_redirects} redirects"));
            }
            if attempt.previous().contains(attempt.url()) {
                return attempt.error("redirect loop");
            }
            match check_url(attempt.url(), &redirect_guard) {
                Ok(()) => attempt.follow(),
                Err(reason) => attempt.error(reason),
            }
        });
        let http = reqwest::Client::builder()
            .user_agent(config.user_agent())
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .redirect(policy)
            .dns_resolver(Arc::new(GuardedResolver {
                guard: guard.clone(),
            }))
            // A proxy would connect on our behalf, out of the guard's sight.
            .no_proxy()
            .build()
            .map_err(|e| HttpError::Network {
                url: String::new(),
                reason: format!("building the HTTP client: {e}"),
            })?;
        Ok(Self {
            http,
            global: Semaphore::new(config.concurrency.max(1)),
            config,
            guard,
            hosts: Mutex::new(HashMap::new()),
            robots: Mutex::new(HashMap::new()),
            requests: AtomicU64::new(0),
        })
    }

    /// Requests sent so far (robots.txt included).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    fn host(&self, url: &Url) -> Arc<Host> {
        let key = url.host_str().unwrap_or_default().to_string();
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        hosts
            .entry(key)
            .or_insert_with(|| {
                Arc::new(Host {
                    permits: Arc::new(Semaphore::new(self.config.per_host_concurrency.max(1))),
                    state: tokio::sync::Mutex::new(HostState {
                        next: Instant::now(),
                        delay: self.config.per_host_delay,
                    }),
                })
            })
            .clone()
    }

    /// Fetches `url`, conditionally on `validators`.
    pub async fn get(
        &self,
        url: &Url,
        validators: &Validators,
        purpose: Purpose,
    ) -> Result<Outcome, HttpError> {
        check_url(url, &self.guard).map_err(|reason| HttpError::Refused {
            url: url.to_string(),
            reason,
        })?;
        if purpose == Purpose::Page && self.config.robots {
            self.robots_allow(url)
                .await
                .map_err(|why| HttpError::Robots {
                    url: url.to_string(),
                    why,
                })?;
        }
        // The permits are held until the body is read: a slow body occupies its host's slot.
        let (response, _permits) = self.send(url, validators).await?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            let mut validators = validators.clone();
            update_validators(&mut validators, response.headers());
            return Ok(Outcome::NotModified {
                validators,
                by_hash: false,
            });
        }
        if !status.is_success() {
            let retry_after = retry_after(response.headers());
            if let Some(wait) = retry_after {
                self.defer(url, wait).await;
            }
            return Err(HttpError::Status {
                url: url.to_string(),
                status: status.as_u16(),
                retry_after,
            });
        }
        let content_type = header_str(response.headers(), header::CONTENT_TYPE);
        if purpose == Purpose::Page
            && let Some(ct) = &content_type
            && !is_page_type(ct)
        {
            return Err(HttpError::ContentType {
                url: url.to_string(),
                content_type: ct.clone(),
            });
        }
        let final_url = response.url().clone();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let mut new_validators = Validators::default();
        update_validators(&mut new_validators, response.headers());
        let body = self.read_body(url, response).await?;
        let hash = body_hash(&body);
        if validators.body_hash.as_deref() == Some(hash.as_str()) {
            new_validators.body_hash = Some(hash);
            return Ok(Outcome::NotModified {
                validators: new_validators,
                by_hash: true,
            });
        }
        new_validators.body_hash = Some(hash);
        Ok(Outcome::Body(Box::new(Response {
            url: url.clone(),
            final_url,
            status: status.as_u16(),
            headers,
            content_type,
            body,
            fetched_at: Utc::now(),
            validators: new_validators,
        })))
    }

    /// Sends the request once this host's turn has come.
    async fn send(
        &self,
        url: &Url,
        validators: &Validators,
    ) -> Result<(reqwest::Response, Permits<'_>), HttpError> {
        let host = self.host(url);
        let host_permit = host
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| network(url, e))?;
        let wait = {
            let mut state = host.state.lock().await;
            let now = Instant::now();
            let start = state.next.max(now);
            if start - now > MAX_WAIT {
                return Err(HttpError::Deferred {
                    url: url.to_string(),
                    wait: start - now,
                });
            }
            state.next = start + state.delay;
            start - now
        };
        tokio::time::sleep(wait).await;
        let global = self.global.acquire().await.map_err(|e| network(url, e))?;
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut request = self.http.get(url.clone());
        if let Some(etag) = &validators.etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &validators.last_modified {
            request = request.header(header::IF_MODIFIED_SINCE, lm);
        }
        let response = request.send().await.map_err(|e| classify(url, e))?;
        Ok((response, Permits(host_permit, global)))
    }

    /// Pushes this host's next request at least `wait` into the future.
    async fn defer(&self, url: &Url, wait: Duration) {
        let host = self.host(url);
        let mut state = host.state.lock().await;
        state.next = state.next.max(Instant::now() + wait);
    }

    async fn read_body(
        &self,
        url: &Url,
        mut response: reqwest::Response,
    ) -> Result<Vec<u8>, HttpError> {
        let limit = self.config.max_body_bytes;
        let too_large = || HttpError::TooLarge {
            url: url.to_string(),
            limit,
        };
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| classify(url, e))? {
            if body.len() as u64 + chunk.len() as u64 > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// RFC 9309: fetched once per host and run; a 4xx file means no rules, a 5xx or an
    /// unreachable server means nothing may be crawled for now. `Err` when disallowed, with
    /// why when it is not the rules (so that an unreachable host is not blamed on them).
    async fn robots_allow(&self, url: &Url) -> Result<(), Option<String>> {
        let origin = url.origin().ascii_serialization();
        let cell = {
            let mut robots = self.robots.lock().unwrap_or_else(|p| p.into_inner());
            robots.entry(origin.clone()).or_default().clone()
        };
        let rules = cell
            .get_or_init(|| async {
                let Ok(robots_url) = Url::parse(&format!("{origin}/robots.txt")) else {
                    return Robots::All;
                };
                let rules = match self.send(&robots_url, &Validators::default()).await {
                    Ok((r, _permits)) if r.status().is_success() => {
                        match self.read_body(&robots_url, r).await {
                            Ok(body) => robots_rules(&self.config.agent, &body),
                            Err(HttpError::TooLarge { .. }) => Robots::All,
                            Err(e) => Robots::Nothing(format!("robots.txt unreadable: {e}")),
                        }
                    }
                    Ok((r, _)) if r.status().is_client_error() => Robots::All,
                    Ok((r, _)) => Robots::Nothing(format!("robots.txt answered {}", r.status())),
                    Err(e) => Robots::Nothing(format!("robots.txt unreachable: {e}")),
                };
                if let Robots::Rules(robot) = &rules
                    && let Some(delay) = robot.delay.filter(|d| d.is_finite() && *d > 0.0)
                {
                    let delay = Duration::from_secs_f32(delay).min(MAX_HOST_DELAY);
                    let host = self.host(url);
                    let mut state = host.state.lock().await;
                    state.delay = state.delay.max(delay);
                }
                rules
            })
            .await;
        match rules {
            Robots::All => Ok(()),
            Robots::Nothing(why) => Err(Some(why.clone())),
            Robots::Rules(robot) if robot.allowed(url.as_str()) => Ok(()),
            Robots::Rules(_) => Err(None),
        }
    }
}

fn robots_rules(agent: &str, body: &[u8]) -> Robots {
    let body = &body[..body.len().min(MAX_ROBOTS_BYTES as usize)];
    match texting_robots::Robot::new(agent, body) {
        Ok(robot) => Robots::Rules(Box::new(robot)),
        // An unparseable file has no rules we can read (RFC 9309 §2.2: parse what you can).
        Err(_) => Robots::All,
    }
}

/// Scheme and IP-literal checks; names are checked on resolution.
fn check_url(url: &Url, guard: &Guard) -> Result<(), String> {
    match url.scheme() {
        "http" | "https" => {}
        other => return Err(format!("scheme {other}: is not fetched")),
    }
    let ip = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.into(),
        Some(url::Host::Ipv6(ip)) => ip.into(),
        Some(url::Host::Domain(_)) => return Ok(()),
        None => return Err("no host".into()),
    };
    if guard.permits(ip) {
        Ok(())
    } else {
        Err(format!("{ip} is not a public address"))
    }
}

fn is_page_type(content_type: &str) -> bool {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    matches!(
        mime.as_str(),
        "text/html" | "application/xhtml+xml" | "text/plain" | "application/octet-stream" | ""
    )
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn update_validators(v: &mut Validators, headers: &HeaderMap) {
    if let Some(etag) = header_str(headers, header::ETAG) {
        v.etag = Some(etag);
    }
    if let Some(lm) = header_str(headers, header::LAST_MODIFIED) {
        v.last_modified = Some(lm);
    }
}

/// `Retry-After` as seconds or an HTTP date, capped.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = header_str(headers, header::RETRY_AFTER)?;
    let value = value.trim();
    let wait = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            let when = httpdate::parse_http_date(value).ok()?;
            when.duration_since(std::time::SystemTime::now())
                .unwrap_or_default()
        }
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, "120".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(120)));
        h.insert(
            header::RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(
            retry_after(&h),
            Some(Duration::ZERO),
            "a past date means now"
        );
        h.insert(header::RETRY_AFTER, "99999999".parse().unwrap());
        assert_eq!(retry_after(&h), Some(MAX_RETRY_AFTER));
        h.insert(header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn page_content_types() {
        for (ct, ok) in [
            ("text/html; charset=utf-8", true),
            ("TEXT/HTML", true),
            ("application/xhtml+xml", true),
            ("text/plain", true),
            ("application/pdf", false),
            ("image/jpeg", false),
        ] {
            assert_eq!(is_page_type(ct), ok, "{ct}");
        }
    }

    #[test]
    fn urls_refused_before_any_connection() {
        let guard = Guard::default();
        for url in [
            "ftp://example.org/x",
            "http://127.0.0.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]:8080/",
            "http://10.0.0.5/admin",
        ] {
            assert!(
                check_url(&Url::parse(url).unwrap(), &guard).is_err(),
                "{url}"
            );
        }
        assert!(check_url(&Url::parse("https://example.org/").unwrap(), &guard).is_ok());
    }

    #[test]
    fn user_agent_names_a_contact() {
        let config = HttpConfig {
            contact: Some("mailto:desk@example.org".into()),
            ..HttpConfig::default()
        };
        assert!(config.user_agent().starts_with("sitrep/"));
        assert!(config.user_agent().ends_with("(+mailto:desk@example.org)"));
    }
}
