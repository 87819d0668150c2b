//! Seeds for the fuzz targets and the property tests: the documents of `fixtures/`, a sample
//! of NAEB pages when `../shared/data/naeb` is there, the shipped pattern and sources files,
//! and archives built from the documents. Plus the mutator the property tests use.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use sitrep::fetch::archive::write_warc_record;
use sitrep::model::DocFormat;

use super::targets;

/// NAEB pages and articles sampled: one in `NAEB_STEP`.
const NAEB_STEP: usize = 53;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `NAEB_DIR`, else `shared/data/naeb` beside the checkout or beside one of its parents (a
/// worktree finds the same `shared/` as the main checkout).
fn naeb_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("NAEB_DIR") {
        return Some(PathBuf::from(d));
    }
    root()
        .ancestors()
        .skip(1)
        .map(|a| a.join("shared/data/naeb"))
        .find(|d| d.join("articles.json").exists())
}

/// The files of `dir` whose names end with `suffix`, sorted by name.
fn files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.to_string_lossy().ends_with(suffix))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a gzip fixture decompresses");
    out
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(bytes).expect("gzip to memory");
    enc.finish().expect("gzip to memory")
}

/// One document of the seeds: its language (from the file name) and bytes.
pub struct Doc {
    pub name: String,
    pub language: Option<&'static str>,
    pub format: DocFormat,
    pub bytes: Vec<u8>,
}

/// Every document of `fixtures/` and, when present, a sample of NAEB pages and texts.
/// Prints a note when NAEB is absent.
pub fn documents() -> Vec<Doc> {
    let mut docs = Vec::new();
    let lang_of = |name: &str| {
        if name.starts_with("fr_") {
            Some("fr")
        } else if name.starts_with("en_") || name.starts_with("naeb") {
            Some("en")
        } else {
            None
        }
    };
    for dir in ["fixtures/articles", "fixtures/seeds"] {
        for path in files(&root().join(dir), ".txt") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            docs.push(Doc {
                language: lang_of(&name),
                format: DocFormat::Text,
                bytes: std::fs::read(&path).unwrap(),
                name,
            });
        }
    }
    for suffix in [".html", ".html.gz"] {
        for path in files(&root().join("fixtures/html"), suffix) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&path).unwrap();
            docs.push(Doc {
                language: lang_of(&name),
                format: DocFormat::Html,
                bytes: if suffix == ".html.gz" {
                    gunzip(&bytes)
                } else {
                    bytes
                },
                name,
            });
        }
    }
    match naeb_dir() {
        Some(dir) => docs.extend(naeb(&dir)),
        None => println!(
            "note: no NAEB data (../shared/data/naeb, or NAEB_DIR): seeds from fixtures/ only"
        ),
    }
    docs
}

/// One in [`NAEB_STEP`] of NAEB's pages (HTML) and article texts, in name order.
fn naeb(dir: &Path) -> Vec<Doc> {
    let mut docs = Vec::new();
    for path in files(&dir.join("html"), ".html.gz")
        .into_iter()
        .step_by(NAEB_STEP)
    {
        docs.push(Doc {
            name: format!("naeb {}", path.file_name().unwrap().to_string_lossy()),
            language: Some("en"),
            format: DocFormat::Html,
            bytes: gunzip(&std::fs::read(&path).unwrap()),
        });
    }
    let json = std::fs::read_to_string(dir.join("articles.json")).unwrap_or_default();
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&json).unwrap_or_default();
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    for key in keys.into_iter().step_by(NAEB_STEP) {
        if let Some(body) = map[key]["articleBody"].as_str() {
            docs.push(Doc {
                name: format!("naeb text {key}"),
                language: Some("en"),
                format: DocFormat::Text,
                bytes: body.as_bytes().to_vec(),
            });
        }
    }
    docs
}

/// `extract` inputs: every document in its own format with each `Content-Type`, plus each
/// text read as HTML.
pub fn extract(docs: &[Doc]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        out.push(targets::extract_input(d.format, i, i % 2 == 0, &d.bytes));
        if d.format == DocFormat::Text {
            out.push(targets::extract_input(DocFormat::Html, 0, false, &d.bytes));
        }
    }
    out
}

/// `tag_claims` inputs: the texts, with their language declared and without.
pub fn tag_claims(docs: &[Doc]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        if d.format == DocFormat::Text {
            let text = String::from_utf8_lossy(&d.bytes);
            out.push(targets::tag_claims_input(d.language, i % 2 == 0, &text));
            out.push(targets::tag_claims_input(None, false, &text));
        }
    }
    out
}

/// `patterns` inputs: the mini set, and the mini set with one file replaced by a piece of
/// the shipped one (split where a table starts, at most `piece` bytes).
pub fn patterns(piece: usize) -> Vec<Vec<u8>> {
    let mut out = vec![targets::patterns_input(&targets::MINI_PATTERNS)];
    for (i, name) in sitrep::patterns::FILES.iter().enumerate() {
        let text = std::fs::read_to_string(root().join("patterns").join(name)).unwrap();
        let mut start = 0;
        while start < text.len() {
            let mut end = (start + piece).min(text.len());
            if end < text.len() {
                // Back to the last table start in the piece, if there is one after `start`.
                end = text[..end]
                    .rfind("\n[")
                    .filter(|&e| e > start)
                    .unwrap_or_else(|| text.floor_char_boundary(end));
            }
            let mut files = targets::MINI_PATTERNS;
            files[i] = &text[start..end];
            out.push(targets::patterns_input(&files));
            start = end;
        }
    }
    out
}

/// `sources` inputs: the example file, and small variations of it.
pub fn sources() -> Vec<Vec<u8>> {
    let example = std::fs::read_to_string(root().join("sources.example.toml")).unwrap();
    vec![
        example.clone().into_bytes(),
        b"".to_vec(),
        b"[[source]]\nurl = \"https://example.org/feed\"\n".to_vec(),
        b"[fetch]\nconcurrency = 1\nallow_networks = [\"127.0.0.1\", \"10.0.0.0/8\", \"::1\"]\n\
          [[source]]\nname = \"a\"\nurl = \"http://127.0.0.1:8080/sitemap.xml\"\nkind = \"sitemap\"\n\
          language = \"fr-FR\"\ninterval_minutes = 0\nenabled = false\n"
            .to_vec(),
    ]
}

/// The documents of an archive: `(name, content type, body)`.
fn members(docs: &[Doc], n: usize) -> Vec<(String, &'static str, Vec<u8>)> {
    docs.iter()
        .take(n)
        .enumerate()
        .map(|(i, d)| {
            let (ext, ct) = match d.format {
                DocFormat::Html => ("html", "text/html; charset=utf-8"),
                DocFormat::Text => ("txt", "text/plain"),
            };
            // Small seeds: the fuzzer's inputs stay short, and every record still counts.
            let body = d.bytes[..d.bytes.len().min(1500)].to_vec();
            (format!("site/{i}.{ext}"), ct, body)
        })
        .collect()
}

/// An archive, and the bodies of the documents it holds, in order.
pub type Archive = (Vec<u8>, Vec<Vec<u8>>);

/// A WARC record of any type around `block`.
fn warc_record(warc_type: &str, content_type: &str, block: &[u8], i: usize) -> Vec<u8> {
    let mut out = format!(
        "WARC/1.1\r\nWARC-Type: {warc_type}\r\nWARC-Target-URI: https://example.org/{i}\r\n\
         WARC-Date: 2025-10-28T10:00:00Z\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\n\r\n",
        block.len()
    )
    .into_bytes();
    out.extend_from_slice(block);
    out.extend_from_slice(b"\r\n\r\n");
    out
}

/// An HTTP response in a `response` record, its body stored with `encoding`: `chunked`
/// (Transfer-Encoding) or `gzip` (Content-Encoding).
fn encoded_response(content_type: &str, body: &[u8], encoding: &str, i: usize) -> Vec<u8> {
    let (header, stored) = match encoding {
        "chunked" => {
            let mut stored = Vec::new();
            for chunk in body.chunks(700) {
                stored.extend(format!("{:x}\r\n", chunk.len()).into_bytes());
                stored.extend_from_slice(chunk);
                stored.extend_from_slice(b"\r\n");
            }
            stored.extend_from_slice(b"0\r\n\r\n");
            ("Transfer-Encoding: chunked", stored)
        }
        _ => ("Content-Encoding: gzip", gzip(body)),
    };
    let mut block =
        format!("HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n{header}\r\n\r\n").into_bytes();
    block.extend(stored);
    warc_record("response", "application/http; msgtype=response", &block, i)
}

/// A WARC of `n` documents, stored in turn as a plain response, a chunked one, a
/// gzip-encoded one and a `resource` record (plus a 404 and an image after the second), each
/// record gzip-compressed on its own when `gz`.
pub fn warc(docs: &[Doc], n: usize, gz: bool) -> Archive {
    let mut out = Vec::new();
    let mut written = Vec::new();
    let mut push = |record: Vec<u8>| out.extend(if gz { gzip(&record) } else { record });
    let response = |status: u16, ct: &str, body: &[u8], i: usize| {
        let mut record = Vec::new();
        let uri = format!("https://example.org/{i}");
        write_warc_record(&mut record, &uri, "2025-10-28T10:00:00Z", status, ct, body).unwrap();
        record
    };
    for (i, (_, ct, body)) in members(docs, n).iter().enumerate() {
        push(match i % 4 {
            0 => response(200, ct, body, i),
            1 => encoded_response(ct, body, "chunked", i),
            2 => encoded_response(ct, body, "gzip", i),
            _ => warc_record("resource", ct, body, i),
        });
        written.push(body.clone());
        if i == 1 {
            push(response(404, "text/html", b"<p>Not found</p>", 1000));
            push(response(200, "image/png", b"\x89PNG\r\n", 1001));
        }
    }
    (out, written)
}

/// A JSON Lines export of `n` documents (`html` or `text`, with title, date and language),
/// gzip-compressed when `gz`.
pub fn jsonl(docs: &[Doc], n: usize, gz: bool) -> Archive {
    let mut out = Vec::new();
    let mut written = Vec::new();
    for (i, d) in docs.iter().take(n).enumerate() {
        let body = String::from_utf8_lossy(&d.bytes[..d.bytes.len().min(1500)]).into_owned();
        let key = if d.format == DocFormat::Html {
            "html"
        } else {
            "text"
        };
        let line = serde_json::json!({
            "url": format!("https://example.org/{i}"),
            key: body,
            "title": d.name,
            "published": "2025-10-28",
            "language": d.language.unwrap_or("en"),
        });
        out.extend(line.to_string().into_bytes());
        out.push(b'\n');
        written.push(body.into_bytes());
    }
    (if gz { gzip(&out) } else { out }, written)
}

/// A tarball of `n` documents (the second one gzip-compressed, `.txt.gz`), with an image,
/// gzip-compressed when `gz`.
pub fn tar(docs: &[Doc], n: usize, gz: bool) -> Archive {
    let mut b = ::tar::Builder::new(Vec::new());
    let add = |b: &mut ::tar::Builder<Vec<u8>>, name: &str, body: &[u8]| {
        let mut h = ::tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, body).unwrap();
    };
    let mut written = Vec::new();
    for (i, (name, _, body)) in members(docs, n).iter().enumerate() {
        if i == 1 {
            add(&mut b, &format!("{name}.gz"), &gzip(body));
        } else {
            add(&mut b, name, body);
        }
        written.push(body.clone());
        if i == 0 {
            add(&mut b, "site/logo.png", b"\x89PNG\r\n");
        }
    }
    let out = b.into_inner().unwrap();
    (if gz { gzip(&out) } else { out }, written)
}

/// xorshift64*: deterministic, so a failure is reproducible from its case number.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Bytes that change what parsers see.
const INTERESTING: &[u8] = b"\0\n\r\t \"'<>[]{}=#&;:,.-\\\x7f\x80\xbf\xc3\xe2\xff";

/// Mutates `data` in place with one to four edits: bit flips, special bytes, tokens from
/// `dict`, deletions, duplicated runs (repetition is what makes a parser quadratic),
/// splices from `pool`, truncations.
pub fn mutate(rng: &mut Rng, data: &mut Vec<u8>, pool: &[Vec<u8>], dict: &[&[u8]]) {
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(data.len() + 1);
        match rng.below(8) {
            0 if at < data.len() => data[at] ^= 1 << rng.below(8),
            1 if at < data.len() => data[at] = INTERESTING[rng.below(INTERESTING.len())],
            2 if !dict.is_empty() => {
                let token = dict[rng.below(dict.len())];
                data.splice(at..at, token.iter().copied());
            }
            3 => {
                let end = (at + 1 + rng.below(64)).min(data.len());
                data.drain(at.min(end)..end);
            }
            4 if at < data.len() => {
                let end = (at + 1 + rng.below(256)).min(data.len());
                let run = data[at..end].to_vec();
                let to = rng.below(data.len() + 1);
                for _ in 0..1 + rng.below(8) {
                    data.splice(to..to, run.iter().copied());
                }
            }
            5 if !pool.is_empty() => {
                let other = &pool[rng.below(pool.len())];
                let from = rng.below(other.len() + 1);
                data.truncate(at);
                data.extend_from_slice(&other[from..]);
            }
            6 => data.truncate(at),
            _ => {
                let n = 1 + rng.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                data.splice(at..at, bytes);
            }
        }
    }
}

/// Tokens the mutators insert, per target: what the formats are made of. `fuzz/run.sh` hands
/// the same lists to libFuzzer (`-dict`).
pub fn dictionary(target: &str) -> Vec<&'static [u8]> {
    #[rustfmt::skip]
    const HTML: &[&[u8]] = &[
        b"<p>", b"</p>", b"<article>", b"<script>", b"<!--", b"-->", b"<br>", b"<li>", b"&amp;",
        b"&#x2014;", b"<meta charset=\"windows-1252\">", b"<title>", b"</div>", b"\xe2\x80\x94",
        b"\xef\xbb\xbf", b"\xff\xfe", b"Date: 2025-12-04\n", b"By ", b"BAMAKO, Mali (AFP) \xe2\x80\x94 ",
    ];
    #[rustfmt::skip]
    const TEXT: &[&[u8]] = &[
        b". ", b"\n\n", b"\n- ", b"\"", b"\xe2\x80\x9c", b"(", b")", b"JNIM ", b" attacked ",
        b" the RN5 ", b"according to ", b" said ", b"Kayes", b" not ", b"Bamako\xe2\x80\x93Kayes road",
        b"e\xcc\x81", b"U.S. ", b"yesterday", b"\xc3\xa9", b" et ", b" selon ", b"a attaqu\xc3\xa9 ",
    ];
    #[rustfmt::skip]
    const PATTERNS: &[&[u8]] = &[
        b"\0", b"[[entity]]\n", b"[[cue]]\n", b"[[rule]]\n", b"[[road]]\n", b"[[prefix]]\n",
        b"[[generic]]\n", b"[en]\n", b"id = \"x\"\n", b"kind = \"city\"\n", b"aliases = [\"\"]\n",
        b"triggers = [\"attack\"]\n", b"country = \"mali\"\n", b"\"\"\"", b"= [", b"]\n",
        b"side = \"before\"", b"literal = \"speech\"", b"from = [\"subject\"]", b"\xe2\x80\xa6",
    ];
    #[rustfmt::skip]
    const SOURCES: &[&[u8]] = &[
        b"[[source]]\n", b"[fetch]\n", b"url = \"", b"https://", b"\"\n", b"= 0\n", b"= -1\n",
        b"concurrency", b"timeout_secs", b"allow_networks = [\"0.0.0.0/0\"]\n", b"kind = \"feed\"",
        b"language = \"", b"interval_minutes = 9223372036854775807\n", b"enabled = false\n",
        b"default_interval_minutes = 9223372036854775807\n", b"max_body_bytes = 9223372036854775807\n",
    ];
    #[rustfmt::skip]
    const ARCHIVE: &[&[u8]] = &[
        b"\r\n", b"\r\n\r\n", b"WARC/1.0\r\n", b"WARC/1.1\r\n", b"Content-Length: 10\r\n",
        b"Content-Length: 99999999999\r\n", b"WARC-Type: response\r\n", b"WARC-Type: resource\r\n",
        b"HTTP/1.1 200 OK\r\n", b"Transfer-Encoding: chunked\r\n", b"Content-Encoding: gzip\r\n",
        b"\x1f\x8b\x08", b"{\"url\":\"u\",\"text\":\"t\"}\n", b"\"html\":", b"\\u00e9", b"ustar\0",
    ];
    let lists: &[&[&'static [u8]]] = match target {
        "extract" => &[HTML, TEXT],
        "tag_claims" => &[TEXT],
        "patterns" => &[PATTERNS],
        "sources" => &[SOURCES],
        "warc" | "jsonl" | "tar" => &[ARCHIVE],
        _ => &[],
    };
    lists.iter().flat_map(|l| l.iter().copied()).collect()
}

/// A dictionary in libFuzzer's format: one quoted token a line, bytes escaped as `\xNN`.
pub fn libfuzzer_dictionary(tokens: &[&[u8]]) -> String {
    let mut out = String::new();
    for token in tokens {
        out.push('"');
        for &b in *token {
            match b {
                b'"' | b'\\' => out.push_str(&format!("\\x{b:02x}")),
                0x20..=0x7e => out.push(b as char),
                _ => out.push_str(&format!("\\x{b:02x}")),
            }
        }
        out.push_str("\"\n");
    }
    out
}
