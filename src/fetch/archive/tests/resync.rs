//! Garbage between WARC records, plain and gzip-compressed: every record after a garbage block
//! is still read, and each block is one error at its offset.

use super::*;

/// Garbage of every kind a damaged archive holds, each meant to be placed between two records.
fn garbage_blocks() -> Vec<Vec<u8>> {
    // Deterministic noise with every byte value, gzip magic and newlines among them.
    let noise: Vec<u8> = (0..100_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .chain(*b"\x1f\x8b\x08\x00WARC/1.\n")
        .collect();
    vec![
        b"garbage that does not end in a newline".to_vec(),
        b"junk line\r\n".to_vec(),
        b"\x00\x01\x02\xff\xfe binary \x1f\x8b\x08 bytes".to_vec(),
        b"WARC/WARC/1WARC/1.xWARC/1.0".to_vec(),
        b"WARC/1.0\r\nX-Junk: no Content-Length\r\n\r\n".to_vec(),
        b"\r\n\r\n\x00garbage after blank lines".to_vec(),
        noise,
        b"garbage ending in a blank line\r\n\r\n".to_vec(),
        b"WARC/1.1".to_vec(),
    ]
}

/// 20 records with garbage before the first, between some, and after the last. Returns the
/// parts and, for each, whether it is garbage.
fn damaged(records: impl Fn(usize) -> Vec<u8>) -> Vec<(bool, Vec<u8>)> {
    let mut blocks = garbage_blocks().into_iter();
    let mut parts = vec![(true, blocks.next().unwrap())];
    for n in 0..20 {
        parts.push((false, records(n)));
        if n % 2 == 1
            && let Some(block) = blocks.next()
        {
            parts.push((true, block));
        }
    }
    parts.push((true, b"trailing garbage".to_vec()));
    parts
}

/// What [`summary`] should say of `parts`: each record, and one error per garbage block, at
/// its first byte other than the blank lines a plain reader skips between records (between
/// gzip members, blank lines are garbage too).
fn expected(parts: &[(bool, Vec<u8>)], offsets: &[u64], gz: bool) -> Vec<String> {
    let mut n = 0;
    parts
        .iter()
        .zip(offsets)
        .map(|((garbage, bytes), at)| match garbage {
            true => {
                let blank = bytes
                    .iter()
                    .take_while(|b| !gz && matches!(b, b'\r' | b'\n'));
                format!("err {}", at + blank.count() as u64)
            }
            false => {
                n += 1;
                format!("rec {at} https://example.org/{}", n - 1)
            }
        })
        .collect()
}

#[test]
fn warc_garbage_between_records_loses_only_the_garbage() {
    let dir = tempfile::tempdir().unwrap();
    let parts = damaged(html);
    let bytes: Vec<Vec<u8>> = parts.iter().map(|(_, p)| p.clone()).collect();
    let (path, o) = write(dir.path(), "damaged.warc", &bytes);
    let got = summary(&path);
    assert_eq!(got, expected(&parts, &o, false));
    assert_eq!(got.iter().filter(|s| s.starts_with("rec")).count(), 20);
}

#[test]
fn warc_gz_garbage_between_members_loses_only_the_garbage() {
    let dir = tempfile::tempdir().unwrap();
    let parts = damaged(|n| gz(&html(n)));
    let bytes: Vec<Vec<u8>> = parts.iter().map(|(_, p)| p.clone()).collect();
    let (path, o) = write(dir.path(), "damaged.warc.gz", &bytes);
    let got = summary(&path);
    assert_eq!(got, expected(&parts, &o, true));
}

#[test]
fn warc_gz_garbage_inside_one_member_loses_only_the_garbage() {
    let dir = tempfile::tempdir().unwrap();
    let parts = damaged(html);
    let plain: Vec<u8> = parts.iter().flat_map(|(_, p)| p.clone()).collect();
    let (path, _) = write(dir.path(), "one-member.warc.gz", &[gz(&plain)]);
    let items: Vec<Item> = open(&path).unwrap().collect();
    let urls: Vec<String> = items
        .iter()
        .filter_map(|i| match i {
            Item::Record(r) => r.raw.source.url.clone(),
            _ => None,
        })
        .collect();
    let want: Vec<String> = (0..20)
        .map(|n| format!("https://example.org/{n}"))
        .collect();
    assert_eq!(urls, want);
    // Offsets inside one member are all the member's; the errors are still one per block.
    let errors = items.iter().filter(|i| matches!(i, Item::Error(_))).count();
    assert_eq!(errors, parts.iter().filter(|(g, _)| *g).count());
}
