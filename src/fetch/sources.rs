//! `sources.toml`: what to fetch and how politely. The file describes the pipeline; command
//! line flags only change how one run behaves.
//!
//! ```toml
//! [fetch]
//! contact = "mailto:desk@example.org"   # sent in the User-Agent
//!
//! [[source]]
//! name = "Studio Tamani"
//! url = "https://www.studiotamani.org/feed"
//! kind = "feed"             # feed | sitemap | urls | auto (default)
//! language = "fr"           # used when a page's language cannot be detected
//! interval_minutes = 30     # default: fetch.default_interval_minutes
//! enabled = true
//! ```
//!
//! `sitrep sources add|remove` edit the file with `toml_edit`, so comments and layout survive.
//!
//! Validation refuses what would make a run misbehave quietly: a limit of 0 (`concurrency`,
//! `timeout_secs`, an interval…) used to be clamped or obeyed without a word. Settings that
//! are valid but dangerous, such as an `allow_networks` entry that switches the SSRF guard
//! off, are [`Sources::warnings`] for the command line to print.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::guard::Cidr;
use super::http::HttpConfig;
use super::listing::SourceKind;
use crate::model::Language;

/// Why the sources file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SourcesError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Syntax { path: PathBuf, message: String },
    #[error("{}: {}", path.display(), problems.join("; "))]
    Invalid {
        path: PathBuf,
        problems: Vec<String>,
    },
    #[error("{}: no source named or at {what:?}", path.display())]
    NotFound { path: PathBuf, what: String },
}

/// Run-wide fetch settings, the `[fetch]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FetchSettings {
    pub contact: Option<String>,
    pub default_interval_minutes: u64,
    pub concurrency: usize,
    pub per_host_concurrency: usize,
    pub per_host_delay_ms: u64,
    pub connect_timeout_secs: u64,
    pub timeout_secs: u64,
    pub max_body_bytes: u64,
    pub max_redirects: usize,
    pub robots: bool,
    /// Non-public networks that may be fetched anyway (`"127.0.0.1"`, `"10.0.0.0/8"`).
    pub allow_networks: Vec<String>,
    /// Article pages fetched per run at most; the rest wait for the next run.
    pub max_pages_per_run: usize,
}

impl Default for FetchSettings {
    fn default() -> Self {
        let http = HttpConfig::default();
        Self {
            contact: None,
            default_interval_minutes: 15,
            concurrency: http.concurrency,
            per_host_concurrency: http.per_host_concurrency,
            per_host_delay_ms: http.per_host_delay.as_millis() as u64,
            connect_timeout_secs: http.connect_timeout.as_secs(),
            timeout_secs: http.timeout.as_secs(),
            max_body_bytes: http.max_body_bytes,
            max_redirects: http.max_redirects,
            robots: http.robots,
            allow_networks: Vec::new(),
            max_pages_per_run: 2000,
        }
    }
}

/// One source, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub name: String,
    pub url: Url,
    pub kind: SourceKind,
    pub language: Option<Language>,
    pub interval: Duration,
    pub enabled: bool,
}

/// The whole file, validated.
#[derive(Debug, Clone)]
pub struct Sources {
    pub fetch: FetchSettings,
    pub http: HttpConfig,
    pub sources: Vec<Source>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    fetch: FetchSettings,
    #[serde(default)]
    source: Vec<RawSource>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: Option<String>,
    url: String,
    #[serde(default)]
    kind: SourceKind,
    language: Option<String>,
    interval_minutes: Option<u64>,
    #[serde(default = "yes")]
    enabled: bool,
}

fn yes() -> bool {
    true
}

impl Sources {
    /// Reads and validates a sources file. A missing file is an empty configuration.
    pub fn load(path: &Path) -> Result<Self, SourcesError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::parse("", path),
            Err(source) => Err(SourcesError::Io {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Validates the text of a sources file; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self, SourcesError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| SourcesError::Syntax {
            path: path.to_path_buf(),
            message: one_line(text, &e),
        })?;
        let mut problems = Vec::new();
        let fetch = raw.fetch;
        problems.extend(fetch.zero_limits());
        let allow_networks = fetch
            .allow_networks
            .iter()
            .filter_map(|n| {
                n.parse::<Cidr>()
                    .map_err(|e| problems.push(format!("fetch.allow_networks: {e}")))
                    .ok()
            })
            .collect();
        let http = HttpConfig {
            contact: fetch.contact.clone(),
            connect_timeout: Duration::from_secs(fetch.connect_timeout_secs),
            timeout: Duration::from_secs(fetch.timeout_secs),
            max_body_bytes: fetch.max_body_bytes,
            max_redirects: fetch.max_redirects,
            concurrency: fetch.concurrency,
            per_host_concurrency: fetch.per_host_concurrency,
            per_host_delay: Duration::from_millis(fetch.per_host_delay_ms),
            allow_networks,
            robots: fetch.robots,
            ..HttpConfig::default()
        };
        let mut sources: Vec<Source> = Vec::new();
        for (i, s) in raw.source.into_iter().enumerate() {
            let at = format!(
                "source #{} ({})",
                i + 1,
                s.name.as_deref().unwrap_or(&s.url)
            );
            let url = match Url::parse(s.url.trim()) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => u,
                Ok(u) => {
                    problems.push(format!("{at}: url: scheme {} is not fetched", u.scheme()));
                    continue;
                }
                Err(e) => {
                    problems.push(format!("{at}: url {:?}: {e}", s.url));
                    continue;
                }
            };
            let language = match s.language.as_deref().map(Language::new).transpose() {
                Ok(l) => l,
                Err(e) => {
                    problems.push(format!("{at}: language: {e}"));
                    None
                }
            };
            let name = s
                .name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| url.host_str().unwrap_or_default().to_string());
            if sources.iter().any(|o| o.url == url) {
                problems.push(format!("{at}: url {url} is listed twice"));
            }
            if sources.iter().any(|o| o.name == name) {
                problems.push(format!("{at}: name {name:?} is used twice"));
            }
            if s.interval_minutes == Some(0) {
                problems.push(format!("{at}: interval_minutes: must be at least 1, not 0"));
            }
            let minutes = s.interval_minutes.unwrap_or(fetch.default_interval_minutes);
            sources.push(Source {
                name,
                url,
                kind: s.kind,
                language,
                // Saturates: a huge interval means "hardly ever", and the scheduler caps
                // the date arithmetic (`minutes * 60` overflowed past u64::MAX / 60).
                interval: Duration::from_secs(minutes.saturating_mul(60)),
                enabled: s.enabled,
            });
        }
        if !problems.is_empty() {
            return Err(SourcesError::Invalid {
                path: path.to_path_buf(),
                problems,
            });
        }
        Ok(Self {
            fetch,
            http,
            sources,
        })
    }

    /// Settings that are valid but probably a mistake, one sentence each, for the user to
    /// see on every run: an `allow_networks` entry that is a `/0` lets feeds point sitrep at
    /// any address, cloud metadata and the local network included.
    pub fn warnings(&self) -> Vec<String> {
        self.fetch
            .allow_networks
            .iter()
            .zip(&self.http.allow_networks)
            .filter(|(_, cidr)| cidr.is_everything())
            .map(|(written, _)| {
                format!(
                    "fetch.allow_networks: {written:?} allows every address: the SSRF guard is \
                     off, and any feed can make sitrep fetch from the local network or cloud \
                     metadata; list only the networks you need"
                )
            })
            .collect()
    }
}

impl FetchSettings {
    /// The `[fetch]` limits set to 0 where only a positive value makes sense: a timeout of 0,
    /// a concurrency of 0, a body limit of 0 would make every request fail, or none start.
    /// (`per_host_delay_ms` and `max_redirects` may be 0.) Negative values never get this far:
    /// they are not unsigned integers, and TOML parsing rejects them with the key's line.
    fn zero_limits(&self) -> Vec<String> {
        let limits: [(&str, u64); 7] = [
            ("default_interval_minutes", self.default_interval_minutes),
            ("concurrency", self.concurrency as u64),
            ("per_host_concurrency", self.per_host_concurrency as u64),
            ("connect_timeout_secs", self.connect_timeout_secs),
            ("timeout_secs", self.timeout_secs),
            ("max_body_bytes", self.max_body_bytes),
            ("max_pages_per_run", self.max_pages_per_run as u64),
        ];
        limits
            .iter()
            .filter(|(_, value)| *value == 0)
            .map(|(key, _)| format!("fetch.{key}: must be at least 1, not 0"))
            .collect()
    }
}

/// A TOML error in one line: the line number, what is wrong, and the line itself, which names
/// the key: ``line 3: must not be negative (found -1) (`concurrency = -1`)``.
fn one_line(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim();
    // The limits are unsigned integers: serde's wording is for programmers.
    let message = match message.strip_prefix("invalid value: integer `") {
        Some(rest) if message.ends_with("expected usize") || message.ends_with("expected u64") => {
            let value = rest.split('`').next().unwrap_or_default();
            format!("must not be negative (found {value})")
        }
        _ => message.to_string(),
    };
    let Some(span) = e.span() else {
        return message;
    };
    let line = text
        .get(..span.start)
        .map_or(0, |t| t.matches('\n').count());
    let shown = text.lines().nth(line).unwrap_or_default().trim();
    let shown: String = shown.chars().take(80).collect();
    format!("line {}: {message} (`{shown}`)", line + 1)
}

fn read_document(path: &Path) -> Result<toml_edit::DocumentMut, SourcesError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(SourcesError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    text.parse()
        .map_err(|e: toml_edit::TomlError| SourcesError::Syntax {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
}

/// Writes through a temporary file and a rename, so a crash never leaves half a file.
fn write_document(path: &Path, text: &str) -> Result<(), SourcesError> {
    let io = |source| SourcesError::Io {
        path: path.to_path_buf(),
        source,
    };
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// Appends a source to the file (created if missing), after checking the result is valid.
pub fn add(path: &Path, source: &Source) -> Result<(), SourcesError> {
    let mut doc = read_document(path)?;
    let mut table = toml_edit::Table::new();
    table.insert("name", toml_edit::value(source.name.as_str()));
    table.insert("url", toml_edit::value(source.url.as_str()));
    table.insert("kind", toml_edit::value(source.kind.as_str()));
    if let Some(l) = &source.language {
        table.insert("language", toml_edit::value(l.as_str()));
    }
    table.insert(
        "interval_minutes",
        toml_edit::value((source.interval.as_secs() / 60) as i64),
    );
    if !source.enabled {
        table.insert("enabled", toml_edit::value(false));
    }
    let array = doc
        .entry("source")
        .or_insert_with(|| toml_edit::Item::ArrayOfTables(Default::default()));
    match array.as_array_of_tables_mut() {
        Some(a) => a.push(table),
        None => {
            return Err(SourcesError::Invalid {
                path: path.to_path_buf(),
                problems: vec!["`source` must be an array of tables ([[source]])".into()],
            });
        }
    }
    let text = doc.to_string();
    Sources::parse(&text, path)?;
    write_document(path, &text)
}

/// Removes the source with this name or URL; returns its name.
pub fn remove(path: &Path, what: &str) -> Result<String, SourcesError> {
    let mut doc = read_document(path)?;
    let not_found = || SourcesError::NotFound {
        path: path.to_path_buf(),
        what: what.to_string(),
    };
    let array = doc
        .get_mut("source")
        .and_then(|s| s.as_array_of_tables_mut())
        .ok_or_else(not_found)?;
    let field =
        |t: &toml_edit::Table, k: &str| t.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let index = array
        .iter()
        .position(|t| {
            field(t, "name").as_deref() == Some(what) || field(t, "url").as_deref() == Some(what)
        })
        .ok_or_else(not_found)?;
    let name = array
        .get(index)
        .and_then(|t| field(t, "name").or_else(|| field(t, "url")))
        .unwrap_or_default();
    array.remove(index);
    write_document(path, &doc.to_string())?;
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Sources, SourcesError> {
        Sources::parse(text, Path::new("sources.toml"))
    }

    #[test]
    fn defaults_apply() {
        let s = parse("[[source]]\nurl = \"https://example.org/feed\"\n").unwrap();
        assert_eq!(s.sources[0].name, "example.org");
        assert_eq!(s.sources[0].kind, SourceKind::Auto);
        assert_eq!(s.sources[0].interval, Duration::from_secs(15 * 60));
        assert!(s.sources[0].enabled);
        assert!(s.http.allow_networks.is_empty());
    }

    #[test]
    fn every_problem_is_reported() {
        let err = parse(
            "[fetch]\nallow_networks = [\"nowhere\"]\n\
             [[source]]\nurl = \"ftp://x.org/\"\n\
             [[source]]\nname = \"a\"\nurl = \"https://a.org/\"\nlanguage = \"french!\"\n\
             [[source]]\nname = \"a\"\nurl = \"https://a.org/\"\n",
        )
        .unwrap_err()
        .to_string();
        for needle in [
            "allow_networks",
            "scheme ftp",
            "language",
            "listed twice",
            "used twice",
        ] {
            assert!(err.contains(needle), "{needle} missing from {err}");
        }
    }

    #[test]
    fn sources_toml_zero_or_negative_limits_are_rejected() {
        // (setting, the key the message must name)
        let cases = [
            ("[fetch]\nconcurrency = 0", "fetch.concurrency"),
            (
                "[fetch]\nper_host_concurrency = 0",
                "fetch.per_host_concurrency",
            ),
            ("[fetch]\ntimeout_secs = 0", "fetch.timeout_secs"),
            (
                "[fetch]\nconnect_timeout_secs = 0",
                "fetch.connect_timeout_secs",
            ),
            ("[fetch]\nmax_body_bytes = 0", "fetch.max_body_bytes"),
            ("[fetch]\nmax_pages_per_run = 0", "fetch.max_pages_per_run"),
            (
                "[fetch]\ndefault_interval_minutes = 0",
                "fetch.default_interval_minutes",
            ),
            (
                "[[source]]\nurl = \"https://a.org/\"\ninterval_minutes = 0",
                "interval_minutes",
            ),
            ("[fetch]\nconcurrency = -4", "concurrency"),
            ("[fetch]\ntimeout_secs = -1", "timeout_secs"),
            (
                "[[source]]\nurl = \"https://a.org/\"\ninterval_minutes = -5",
                "interval_minutes",
            ),
        ];
        for (text, key) in cases {
            let err = parse(text).map(|_| ()).unwrap_err().to_string();
            assert!(err.starts_with("sources.toml: "), "{text}: {err}");
            assert!(err.contains(key), "{text}: {err}");
        }
        // Zero where zero means something stays valid.
        let s = parse("[fetch]\nper_host_delay_ms = 0\nmax_redirects = 0\n").unwrap();
        assert_eq!(s.http.max_redirects, 0);
    }

    #[test]
    fn sources_toml_allow_networks_opening_everything_is_warned_about() {
        for everything in ["0.0.0.0/0", "::/0", "10.0.0.0/0"] {
            let text = format!("[fetch]\nallow_networks = [\"127.0.0.1\", \"{everything}\"]\n");
            let warnings = parse(&text).unwrap().warnings();
            assert_eq!(warnings.len(), 1, "{warnings:?}");
            assert!(warnings[0].contains(everything), "{warnings:?}");
            assert!(warnings[0].contains("SSRF guard is off"), "{warnings:?}");
        }
        let narrow = "[fetch]\nallow_networks = [\"127.0.0.1\", \"10.0.0.0/8\"]\n";
        assert!(parse(narrow).unwrap().warnings().is_empty());
    }

    #[test]
    fn typos_are_rejected() {
        let err =
            parse("[[source]]\nurl = \"https://a.org/\"\nintervall_minutes = 5\n").unwrap_err();
        assert!(err.to_string().contains("intervall_minutes"), "{err}");
    }

    #[test]
    fn add_and_remove_keep_comments() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sources.toml");
        std::fs::write(
            &path,
            "# my outlets\n[fetch]\ncontact = \"me@example.org\"\n",
        )
        .unwrap();
        let source = Source {
            name: "Mali Web".into(),
            url: Url::parse("https://maliweb.example/feed").unwrap(),
            kind: SourceKind::Feed,
            language: Some(Language::new("fr").unwrap()),
            interval: Duration::from_secs(1800),
            enabled: true,
        };
        add(&path, &source).unwrap();
        assert!(add(&path, &source).is_err(), "a second copy is refused");
        let loaded = Sources::load(&path).unwrap();
        assert_eq!(loaded.sources, vec![source]);
        assert_eq!(
            remove(&path, "https://maliweb.example/feed").unwrap(),
            "Mali Web"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# my outlets"));
        assert!(Sources::load(&path).unwrap().sources.is_empty());
        assert!(matches!(
            remove(&path, "nothing"),
            Err(SourcesError::NotFound { .. })
        ));
    }
}
