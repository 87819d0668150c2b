//! The scan against its specification, written the slow way: fold the whole text (with its
//! offset map), then at every folded word start take the longest pattern that is a whole
//! word there. Run on the repository's patterns over the fixtures, a table of tricky cases,
//! and generated text.

use std::path::Path;

use super::normalize::{Normalized, fold, is_word_char};
use super::scan::Scanner;
use crate::model::Span;
use crate::patterns::PatternSet;

fn folded_patterns() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("patterns");
    let set = PatternSet::load_dir(&dir).expect("the repository's patterns load");
    let mut folded: Vec<String> = set
        .entities
        .iter()
        .flat_map(|e| e.aliases.iter().map(|a| fold(&a.text)))
        .chain(
            set.generics
                .iter()
                .flat_map(|g| g.terms.iter().map(|t| fold(&t.text))),
        )
        .chain(
            set.cues
                .iter()
                .flat_map(|c| c.terms.iter().map(|t| fold(&t.text))),
        )
        .collect();
    // Spec-only patterns: starting with punctuation, ending with it, non-ASCII first word.
    folded.extend(["@wamaps", "(fn)", "u.s.", "straße", "œuvre", "x"].map(String::from));
    let mut seen = std::collections::HashSet::new();
    folded.retain(|f| !f.is_empty() && seen.insert(f.clone()));
    folded
}

/// Refuses one pattern's matches written in lowercase, as capitals-only aliases are.
fn accept(folded: &[String]) -> impl Fn(usize, &str) -> bool + '_ {
    move |k, surface| folded[k] != "us" || !surface.chars().any(char::is_lowercase)
}

fn reference(folded: &[String], text: &str) -> Vec<(usize, Span)> {
    let ok = accept(folded);
    let norm = Normalized::new(text);
    let hay = norm.as_str();
    let mut out = Vec::new();
    let mut by_first: std::collections::HashMap<u8, Vec<(usize, &String)>> = Default::default();
    for (k, f) in folded.iter().enumerate() {
        by_first.entry(f.as_bytes()[0]).or_default().push((k, f));
    }
    let mut p = 0;
    while p < hay.len() {
        let starts_word =
            hay.is_char_boundary(p) && !hay[..p].chars().next_back().is_some_and(is_word_char);
        let best = by_first
            .get(&hay.as_bytes()[p])
            .into_iter()
            .flatten()
            .copied()
            .filter(|_| starts_word)
            .filter(|(_, f)| hay[p..].starts_with(f.as_str()))
            .filter(|(_, f)| norm.is_whole_word(p, p + f.len()))
            .filter(|(k, f)| {
                let span = norm.original_span(text, p, p + f.len());
                ok(*k, &text[span.start..span.end])
            })
            .max_by_key(|(_, f)| f.len());
        match best {
            Some((k, f)) => {
                out.push((k, norm.original_span(text, p, p + f.len())));
                p += f.len();
            }
            None => p += 1,
        }
    }
    out
}

fn scanned(scanner: &Scanner, folded: &[String], text: &str) -> Vec<(usize, Span)> {
    let ok = accept(folded);
    let mut out = Vec::new();
    scanner.scan(
        text,
        |k, span| ok(k, &text[span.start..span.end]),
        |k, span| out.push((k, span)),
    );
    out
}

fn check(scanner: &Scanner, folded: &[String], text: &str) {
    let show = |hits: Vec<(usize, Span)>| -> Vec<(String, &str)> {
        hits.into_iter()
            .map(|(k, s)| (folded[k].clone(), &text[s.start..s.end]))
            .collect()
    };
    assert_eq!(
        show(scanned(scanner, folded, text)),
        show(reference(folded, text)),
        "in {text:?}"
    );
}

#[test]
fn the_scan_finds_what_folding_then_matching_finds_on_tricky_text() {
    let folded = folded_patterns();
    let scanner = Scanner::new(&folded).unwrap();
    for text in [
        "JNIM’s fighters and JNIM's, JNIM\"s, JNIMʼs; Jama\"at Nusrat al-Islam wal-Muslimin",
        "U.S. administrations and the U.S.-led coalition; US troops, us, Us",
        "COTE D’IVOIRE, Côte-d’Ivoire, cote d\"ivoire, Côte  d'Ivoire",
        "Ségou — Mopti, SE\u{301}GOU, Se\u{301}gou, Ségou’s",
        "Bamako-based, al‐Qaeda (U+2010), al–Qaeda, al_Qaeda, al/Qaeda",
        "l’ambassade de France à Bamako, L'AMBASSADE",
        "@wamaps said; x@wamaps; (FN) and BAMAKO, Mali (FN) —",
        "straße Straße STRASSE œuvre Œuvre oeuvre",
        "the  U.S.   Embassy\n in Mali\tand the RN5, RN 5, RN-5",
        "Mali's",
        "'s 's' s x x-x x’s",
        "abcdefgh abcdefghijklmnop UNITED NATIONS, United  Nations",
        "",
        "é",
    ] {
        check(&scanner, &folded, text);
    }
}

#[test]
fn the_scan_finds_what_folding_then_matching_finds_on_the_fixtures() {
    let folded = folded_patterns();
    let scanner = Scanner::new(&folded).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut dirs = vec![root];
    let mut files = 0;
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                check(&scanner, &folded, &text);
                files += 1;
            }
        }
    }
    assert!(files >= 20, "only {files} fixture files read");
}

#[test]
fn the_scan_finds_what_folding_then_matching_finds_on_generated_text() {
    let folded = folded_patterns();
    let scanner = Scanner::new(&folded).unwrap();
    let mut pieces: Vec<String> = folded.iter().step_by(7).cloned().collect();
    pieces.extend(
        [
            "JNIM", "Mali", "U.S.", "us", "UN", "un", "Ségou", "e\u{301}", "œ", "ß", "x", "the",
            "a", "in", "RN", "5", "12",
        ]
        .map(String::from),
    );
    let separators = [
        " ", "  ", "-", " – ", "’s ", "ʼs ", "'s", "'", "\"", ".", ",", "@", "(", ")", "\n", "",
        "é",
    ];
    let mut rng = fastrand::Rng::with_seed(4);
    for _ in 0..3000 {
        let mut text = String::new();
        for _ in 0..rng.usize(1..12) {
            let piece = &pieces[rng.usize(..pieces.len())];
            match rng.u8(..3) {
                0 => text.push_str(&piece.to_uppercase()),
                1 => text.push_str(piece),
                _ => {
                    let mut chars = piece.chars();
                    text.extend(chars.next().into_iter().flat_map(char::to_uppercase));
                    text.push_str(chars.as_str());
                }
            }
            text.push_str(separators[rng.usize(..separators.len())]);
        }
        check(&scanner, &folded, &text);
    }
}

#[test]
fn regression_a_longer_alias_failing_the_word_check_does_not_hide_a_shorter_one() {
    // "U.S. administration" is an alias; in "U.S. administrations" it is not a whole word,
    // and the scan used to give up on that place instead of keeping "U.S.".
    let folded = folded_patterns();
    let scanner = Scanner::new(&folded).unwrap();
    let text = "U.S. administrations have advocated for it.";
    let hits = scanned(&scanner, &folded, text);
    let surfaces: Vec<(&str, &str)> = hits
        .iter()
        .map(|(k, s)| (folded[*k].as_str(), &text[s.start..s.end]))
        .collect();
    assert_eq!(surfaces.first(), Some(&("u.s.", "U.S.")), "{surfaces:?}");
    check(&scanner, &folded, text);
}
