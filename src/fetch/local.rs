//! Local inputs: files, directories (recursively) and standard input.
//!
//! The format comes from the extension (`.txt`, `.html`, `.htm`, `.html.gz`…); a file named
//! explicitly with another extension is sniffed. A sidecar `<file>.meta.toml` supplies
//! metadata the text lacks (`published`, `title`, `language`, `source_url`); command-line
//! overrides apply on top of it.

use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use flate2::read::MultiGzDecoder;
use serde::Deserialize;

use super::{FetchError, Fetched, MAX_BYTES};
use crate::extract::{Overrides, RawDocument};
use crate::model::{DocFormat, Language, SourceMeta};

/// How a file name says it should be read; `None` for files a directory walk skips.
pub fn format_of(path: &Path) -> Option<(DocFormat, bool)> {
    let name = path.file_name()?.to_string_lossy().to_lowercase();
    let (stem, gz) = match name.strip_suffix(".gz") {
        Some(s) => (s.to_string(), true),
        None => (name, false),
    };
    let ext = stem.rsplit_once('.').map(|(_, e)| e)?;
    match ext {
        "html" | "htm" | "xhtml" => Some((DocFormat::Html, gz)),
        "txt" | "text" => Some((DocFormat::Text, gz)),
        _ => None,
    }
}

fn sniff(bytes: &[u8]) -> DocFormat {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if head.starts_with('<')
        && (head.contains("<html")
            || head.contains("<!doctype")
            || head.contains("<body")
            || head.contains("<p"))
    {
        DocFormat::Html
    } else {
        DocFormat::Text
    }
}

/// Every input file under `paths`, in a stable order; `-` stands for stdin.
pub fn discover(paths: &[PathBuf]) -> Vec<Result<PathBuf, FetchError>> {
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" || path.is_file() {
            out.push(Ok(path.clone()));
            continue;
        }
        if !path.exists() {
            let source =
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory");
            out.push(Err(FetchError::Io {
                path: path.clone(),
                source,
            }));
            continue;
        }
        for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
            match entry {
                Ok(e)
                    if e.file_type().is_file()
                        && (format_of(e.path()).is_some()
                            || super::archive::is_archive(e.path())) =>
                {
                    out.push(Ok(e.into_path()))
                }
                Ok(_) => {}
                Err(e) => {
                    let path = e.path().map_or_else(|| path.clone(), Path::to_path_buf);
                    out.push(Err(FetchError::Io {
                        path,
                        source: e.into(),
                    }));
                }
            }
        }
    }
    out
}

fn read_capped(reader: impl Read, path: &Path) -> Result<Vec<u8>, FetchError> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| FetchError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(FetchError::TooLarge {
            path: path.to_path_buf(),
            limit: MAX_BYTES,
        });
    }
    Ok(bytes)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sidecar {
    /// A TOML date (`published = 2025-10-28`) or a string.
    published: Option<toml::Value>,
    title: Option<String>,
    language: Option<String>,
    source_url: Option<String>,
}

fn sidecar_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".meta.toml");
    path.with_file_name(name)
}

fn read_sidecar(path: &Path) -> Result<Overrides, FetchError> {
    let sidecar = sidecar_path(path);
    let err = |reason: String| FetchError::Sidecar {
        path: path.to_path_buf(),
        sidecar: sidecar.clone(),
        reason,
    };
    let text = match std::fs::read_to_string(&sidecar) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Overrides::default()),
        Err(e) => return Err(err(e.to_string())),
    };
    let s: Sidecar = toml::from_str(&text).map_err(|e| err(e.message().to_string()))?;
    let language = s
        .language
        .map(|l| Language::new(&l))
        .transpose()
        .map_err(|e| err(e.to_string()))?;
    let published = match s.published {
        None => None,
        Some(toml::Value::Datetime(d)) => Some(d.to_string()),
        Some(toml::Value::String(d)) => Some(d),
        Some(other) => {
            return Err(err(format!(
                "published: expected a date like 2025-10-28, found {other}"
            )));
        }
    };
    let published = published
        .map(|d| NaiveDate::parse_from_str(d.get(..10).unwrap_or(&d), "%Y-%m-%d"))
        .transpose()
        .map_err(|e| err(format!("published: {e}; expected a date like 2025-10-28")))?;
    Ok(Overrides {
        published,
        title: s.title,
        language,
        source_url: s.source_url,
    })
}

/// Fields of `over` win over those of `base`.
pub fn merge(base: Overrides, over: &Overrides) -> Overrides {
    Overrides {
        published: over.published.or(base.published),
        title: over.title.clone().or(base.title),
        language: over.language.clone().or(base.language),
        source_url: over.source_url.clone().or(base.source_url),
    }
}

/// Reads one file (or stdin for `-`), applying its sidecar and then `overrides`.
pub fn read(path: &Path, overrides: &Overrides) -> Fetched {
    let origin = path.display().to_string();
    let result = read_inner(path, overrides);
    Fetched { origin, result }
}

fn read_inner(path: &Path, overrides: &Overrides) -> Result<RawDocument, FetchError> {
    let io = |source| FetchError::Io {
        path: path.to_path_buf(),
        source,
    };
    let (bytes, known, meta) = if path.as_os_str() == "-" {
        (
            read_capped(std::io::stdin().lock(), path)?,
            None,
            Overrides::default(),
        )
    } else {
        let file = std::fs::File::open(path).map_err(io)?;
        let kind = format_of(path);
        let gz = kind.is_some_and(|(_, gz)| gz) || path.extension().is_some_and(|e| e == "gz");
        let bytes = if gz {
            read_capped(MultiGzDecoder::new(file), path)?
        } else {
            read_capped(file, path)?
        };
        (bytes, kind.map(|(f, _)| f), read_sidecar(path)?)
    };
    let format = known.unwrap_or_else(|| sniff(&bytes));
    let path_text = (path.as_os_str() != "-").then(|| path.display().to_string());
    Ok(RawDocument {
        bytes,
        format,
        content_type: None,
        source: SourceMeta {
            url: None,
            path: path_text,
        },
        overrides: merge(meta, overrides),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_file_names() {
        let cases = [
            ("a.txt", Some((DocFormat::Text, false))),
            ("a.HTML", Some((DocFormat::Html, false))),
            ("a.html.gz", Some((DocFormat::Html, true))),
            ("a.htm", Some((DocFormat::Html, false))),
            ("a.meta.toml", None),
            ("README", None),
        ];
        for (name, want) in cases {
            assert_eq!(format_of(Path::new(name)), want, "{name}");
        }
    }

    #[test]
    fn sidecar_and_flags_override_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.txt");
        std::fs::write(&file, "Some text.").unwrap();
        std::fs::write(
            dir.path().join("a.txt.meta.toml"),
            "published = 2025-10-28\ntitle = \"T\"\n",
        )
        .unwrap();
        let flags = Overrides {
            title: Some("Flag".into()),
            ..Overrides::default()
        };
        let raw = read(&file, &flags).result.unwrap();
        assert_eq!(
            raw.overrides.published,
            NaiveDate::from_ymd_opt(2025, 10, 28)
        );
        assert_eq!(raw.overrides.title.as_deref(), Some("Flag"));
    }

    #[test]
    fn a_broken_sidecar_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.txt");
        std::fs::write(&file, "Some text.").unwrap();
        std::fs::write(
            dir.path().join("a.txt.meta.toml"),
            "published = \"yesterday\"\n",
        )
        .unwrap();
        let err = read(&file, &Overrides::default()).result.unwrap_err();
        assert!(err.to_string().contains("a.txt.meta.toml"), "{err}");
    }
}
