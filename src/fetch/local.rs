//! Local inputs: files, directories (recursively) and standard input.
//!
//! The format comes from the extension (`.txt`, `.html`, `.htm`, `.html.gz`…); a file named
//! explicitly with another extension is sniffed. A sidecar `<file>.meta.toml` supplies
//! metadata the text lacks (`published`, `title`, `language`, `source_url`); command-line
//! overrides apply on top of it.
//!
//! Only regular files are read. A FIFO, socket or device named as an input is an error (a
//! FIFO would block the run until something writes to it, `/dev/zero` never ends); met in a
//! directory walk, it is skipped with a warning. The file type is checked before opening,
//! since opening a FIFO is what blocks. Standard input is `-`.

use std::fs::FileType;
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

/// What [`discover`] found, in order.
#[derive(Debug)]
pub enum Found {
    /// A file to read, or `-` for stdin.
    Input(PathBuf),
    /// A FIFO, socket or device met in a directory walk, with an input's name: not read,
    /// worth a warning.
    Skipped { path: PathBuf, kind: &'static str },
    /// An input named on the command line that cannot be read at all.
    Failed(FetchError),
}

impl Found {
    /// The file to read, if this is one.
    pub fn input(self) -> Option<PathBuf> {
        match self {
            Found::Input(path) => Some(path),
            _ => None,
        }
    }
}

/// What a file that is neither regular nor a directory is, for messages.
pub fn special_kind(file_type: FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        } else if file_type.is_socket() {
            return "a socket";
        } else if file_type.is_char_device() {
            return "a character device";
        } else if file_type.is_block_device() {
            return "a block device";
        }
    }
    if file_type.is_symlink() {
        "a symbolic link"
    } else {
        "a special file"
    }
}

/// Whether a directory walk reads a file of this name.
fn wanted(path: &Path) -> bool {
    format_of(path).is_some() || super::archive::is_archive(path)
}

/// Every input file under `paths`, in a stable order; `-` stands for stdin.
pub fn discover(paths: &[PathBuf]) -> Vec<Found> {
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            out.push(Found::Input(path.clone()));
            continue;
        }
        // Follows symbolic links, as opening would; never opens, so a FIFO cannot block.
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(source) => {
                let source = match source.kind() {
                    std::io::ErrorKind::NotFound => std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "no such file or directory",
                    ),
                    _ => source,
                };
                out.push(Found::Failed(FetchError::Io {
                    path: path.clone(),
                    source,
                }));
                continue;
            }
        };
        if meta.is_file() {
            out.push(Found::Input(path.clone()));
            continue;
        }
        if !meta.is_dir() {
            out.push(Found::Failed(FetchError::NotAFile {
                path: path.clone(),
                kind: special_kind(meta.file_type()),
            }));
            continue;
        }
        for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
            match entry {
                Ok(e) if e.file_type().is_file() && wanted(e.path()) => {
                    out.push(Found::Input(e.into_path()))
                }
                // Symbolic links are not followed, as before; other non-files with an input's
                // name would have been read had they been files: say why they are not.
                Ok(e)
                    if !e.file_type().is_dir()
                        && !e.file_type().is_symlink()
                        && wanted(e.path()) =>
                {
                    let kind = special_kind(e.file_type());
                    out.push(Found::Skipped {
                        path: e.into_path(),
                        kind,
                    });
                }
                Ok(_) => {}
                Err(e) => {
                    let path = e.path().map_or_else(|| path.clone(), Path::to_path_buf);
                    out.push(Found::Failed(FetchError::Io {
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
        // Checked before opening: opening a FIFO blocks until something writes to it.
        let meta = std::fs::metadata(path).map_err(io)?;
        if !meta.is_file() {
            return Err(FetchError::NotAFile {
                path: path.to_path_buf(),
                kind: special_kind(meta.file_type()),
            });
        }
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

    /// A FIFO at `path`, made with mkfifo(1) (no libc binding needed for one test).
    #[cfg(unix)]
    fn mkfifo(path: &Path) {
        let status = std::process::Command::new("mkfifo").arg(path).status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "mkfifo {}",
            path.display()
        );
    }

    #[cfg(unix)]
    #[test]
    fn dev_zero_or_a_fifo_as_an_input_is_an_error_not_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.txt");
        mkfifo(&fifo);
        for (path, kind) in [
            (PathBuf::from("/dev/zero"), "a character device"),
            (fifo.clone(), "a FIFO"),
        ] {
            let found = discover(std::slice::from_ref(&path));
            let [Found::Failed(err)] = &found[..] else {
                panic!("{found:?}")
            };
            let message = err.to_string();
            assert!(
                message.starts_with(&path.display().to_string()),
                "{message}"
            );
            assert!(message.contains(kind), "{message}");
            // Read directly (as `sitrep extract` does): refused before opening, no hang.
            let err = read(&path, &Overrides::default()).result.unwrap_err();
            assert!(matches!(err, FetchError::NotAFile { .. }), "{err}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_walk_skips_special_files_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "A.").unwrap();
        mkfifo(&dir.path().join("b.txt"));
        mkfifo(&dir.path().join("not-an-input"));
        std::fs::write(dir.path().join("c.txt"), "C.").unwrap();
        let found: Vec<String> = discover(&[dir.path().to_path_buf()])
            .into_iter()
            .map(|f| match f {
                Found::Input(p) => format!("read {}", p.file_name().unwrap().display()),
                Found::Skipped { path, kind } => {
                    format!("skip {} ({kind})", path.file_name().unwrap().display())
                }
                Found::Failed(e) => format!("fail {e}"),
            })
            .collect();
        assert_eq!(found, ["read a.txt", "skip b.txt (a FIFO)", "read c.txt"]);
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
