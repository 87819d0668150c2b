//! Writes a CC-NEWS-style `.warc.gz` (one gzip member per record) from the NAEB pages, for
//! measuring `sitrep import` end to end.
//!
//! usage: cargo run --release --example naeb_warc -- NAEB_DIR COPIES OUT.warc.gz
//!
//! Each page appears COPIES times; every copy gets a distinct target URI and a few distinct words at
//! the start of its first paragraph, so every record is a new article (the content hash would otherwise collapse
//! the copies) and the archive grows with COPIES while the pages stay real.

use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use flate2::Compression;
use flate2::write::GzEncoder;
use sitrep::fetch::archive::write_warc_record;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, copies, out] = args.as_slice() else {
        eprintln!("usage: naeb_warc NAEB_DIR COPIES OUT.warc.gz");
        return ExitCode::from(2);
    };
    let Ok(copies) = copies.parse::<usize>() else {
        eprintln!("naeb_warc: COPIES must be a number");
        return ExitCode::from(2);
    };
    match run(Path::new(dir), copies, Path::new(out)) {
        Ok(n) => {
            eprintln!("naeb_warc: {n} records into {out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("naeb_warc: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(dir: &Path, copies: usize, out: &Path) -> Result<usize, Box<dyn std::error::Error>> {
    let mut pages = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir.join("html"))?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let mut html = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(entry.path())?).read_to_end(&mut html)?;
        let id = entry
            .file_name()
            .to_string_lossy()
            .trim_end_matches(".html.gz")
            .to_string();
        pages.push((id, html));
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(out)?);
    let mut n = 0;
    for copy in 0..copies {
        for (id, html) in &pages {
            // Into the first paragraph, which main-text extraction keeps.
            let marker = format!("<p>Archive copy {copy} of page {id}. ");
            let body = match std::str::from_utf8(html) {
                Ok(text) if text.contains("<p>") => text.replacen("<p>", &marker, 1).into_bytes(),
                _ => html.clone(),
            };
            let mut record = Vec::new();
            let uri = format!("https://naeb.example/{id}?copy={copy}");
            write_warc_record(
                &mut record,
                &uri,
                "2025-10-28T10:00:00Z",
                200,
                "text/html",
                &body,
            )?;
            let mut gz = GzEncoder::new(Vec::new(), Compression::default());
            gz.write_all(&record)?;
            file.write_all(&gz.finish()?)?;
            n += 1;
        }
    }
    file.flush()?;
    Ok(n)
}
