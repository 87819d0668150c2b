//! Plain-text articles: the header lines news copy carries, then the body.
//!
//! Recognized at the top of the file, in any order: a title line (short, no closing
//! punctuation), `By <name>` / `Par <name>`, `Date: <date>` / `Published: …` / `Publié le …`.
//! The dateline that opens wire copy (`BAMAKO, Mali (FN) —`) is found in the body by
//! [`dateline`], which HTML extraction uses too.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use crate::model::{Dateline, Span};
use crate::patterns::Lexicon;
use crate::tag::normalize::fold;

/// A plain-text article split into header fields and body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextArticle {
    pub title: Option<String>,
    pub byline: Option<String>,
    pub published: Option<NaiveDate>,
    pub body: String,
}

// `BAMAKO, Mali (FN) —`, `BAMAKO (Reuters) -`, `GAO, Mali, 3 novembre (AFP) —`, `KAYES, Mali —`.
static DATELINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(\p{Lu}[\p{Lu}'’ .-]{2,40}?(?:,\s*[^,()—–\n]{2,40}?){0,2})\s*(?:\(([^()\n]{1,30})\))?\s*(?:—|–|--|-)\s*")
        .expect("valid regex")
});

/// The rest of `line` after one of `labels` ("By", "Date:", "Publié le"), if it starts so.
pub(super) fn labelled<'l>(line: &'l str, labels: &[String]) -> Option<&'l str> {
    labels.iter().find_map(|label| {
        // Labels are folded; compare the line's head folded the same way, word by word.
        let words = label.split(' ').count();
        let mut end = 0;
        for (i, w) in line.split_inclusive(char::is_whitespace).enumerate() {
            end += w.len();
            if i + 1 == words {
                break;
            }
        }
        let head = line[..end].trim_end().trim_end_matches(':').trim_end();
        let rest = line[end..].trim_start().trim_start_matches(':').trim();
        (fold(head) == *label && !rest.is_empty()).then_some(rest)
    })
}

/// "Zara Williams", "Awa Traoré and John Doe" — not "the time the convoy arrived".
fn looks_like_names(s: &str) -> bool {
    let words: Vec<&str> = s.split_whitespace().collect();
    let capitalized = words
        .iter()
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .count();
    (1..=8).contains(&words.len()) && capitalized * 2 > words.len() && !s.ends_with(['.', '!', '?'])
}

fn is_title(line: &str) -> bool {
    let words = line.split_whitespace().count();
    (2..=30).contains(&words)
        && line.chars().count() <= 200
        && !line.ends_with(['.', '!', '?', ':', ';', ','])
}

/// Splits header lines from the body. The body keeps its line structure.
pub fn parse(raw: &str, lexicon: &Lexicon) -> TextArticle {
    let mut art = TextArticle::default();
    let mut lines = raw
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .peekable();
    let mut body_from = 0;
    let mut first = true;
    while let Some(&(n, line)) = lines.peek() {
        let line = line.trim();
        if let Some(name) = labelled(line, &lexicon.byline_labels).filter(|n| looks_like_names(n)) {
            art.byline = Some(name.to_string());
        } else if let Some(date) =
            labelled(line, &lexicon.date_labels).and_then(|d| parse_date(d, lexicon))
        {
            art.published = Some(date);
        } else if first
            && is_title(line)
            && DATELINE.find(line).is_none_or(|m| m.end() == line.len())
        {
            art.title = Some(line.to_string());
        } else {
            body_from = n;
            break;
        }
        first = false;
        lines.next();
        body_from = n + 1;
    }
    let body: Vec<&str> = raw.lines().skip(body_from).collect();
    art.body = body.join("\n").trim().to_string();
    art
}

/// The dateline opening the first paragraph of `text` (a headline line may come before it).
pub fn dateline(text: &str) -> Option<Dateline> {
    let mut offset = 0;
    for line in text.split_inclusive('\n').take(3) {
        if let Some(mut d) = dateline_at_start(line) {
            d.span = Span::new(d.span.start + offset, d.span.end + offset);
            return Some(d);
        }
        offset += line.len();
    }
    None
}

fn dateline_at_start(text: &str) -> Option<Dateline> {
    let c = DATELINE.captures(text)?;
    let all = c.get(0)?;
    let place = c.get(1)?.as_str().trim().to_string();
    let first_word = place.split([',', ' ']).next().unwrap_or("");
    // A dateline's place is written in capitals; a sentence's first word is not.
    let shouted = first_word.chars().filter(|c| c.is_alphabetic()).count() >= 3
        && first_word.chars().all(|c| !c.is_lowercase());
    if !shouted {
        return None;
    }
    let end = all.end() - (all.as_str().len() - all.as_str().trim_end().len());
    Some(Dateline {
        span: Span::new(all.start(), end),
        place,
        agency: c.get(2).map(|a| a.as_str().trim().to_string()),
    })
}

/// Parses a header date: ISO 8601 or RFC 2822/3339 timestamps, or day, month name and
/// year in any order of the lexicon's languages ("Thursday, December 4, 2025",
/// "lundi 10 novembre 2025", "4 Dec 2025").
pub fn parse_date(raw: &str, lexicon: &Lexicon) -> Option<NaiveDate> {
    let raw = raw.trim();
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(raw) {
        return Some(d.date_naive());
    }
    if let Ok(d) = chrono::DateTime::parse_from_rfc2822(raw) {
        return Some(d.date_naive());
    }
    if let Some(d) = raw
        .get(..10)
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
    {
        return Some(d);
    }
    let (mut year, mut month, mut day) = (None, None, None);
    for word in raw
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let folded = fold(word);
        if let Some(&m) = lexicon.months.get(folded.as_str()) {
            month = month.or(Some(m));
        } else if let Ok(n) = folded
            .trim_end_matches(|c: char| c.is_ascii_alphabetic())
            .parse::<u32>()
        {
            match n {
                1..=31 if day.is_none() => day = Some(n),
                1900..=2100 => year = Some(n as i32),
                _ => {}
            }
        }
    }
    NaiveDate::from_ymd_opt(year?, month?, day?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon() -> Lexicon {
        let raw = r#"
            [en]
            byline_labels = ["by"]
            date_labels = ["date", "published"]
            months = ["January","February","March","April","May","June","July","August","September","October","November","December"]
            [fr]
            byline_labels = ["par"]
            date_labels = ["date", "publié le"]
            months = ["janvier","février","mars","avril","mai","juin","juillet","août","septembre","octobre","novembre","décembre"]
        "#;
        let sources = vec![(std::path::PathBuf::from("lexicon.toml"), raw.to_string())];
        crate::patterns::PatternSet::from_sources(&sources)
            .unwrap()
            .lexicon
    }

    #[test]
    fn header_lines_are_recognized() {
        let raw = "JNIM Blocks Bamako, Prompting Several Countries to Advise Citizens to Leave\nBy Zara Williams\nDate: Thursday, December 4, 2025\nThe situation in Bamako has escalated.\n\n\n";
        let art = parse(raw, &lexicon());
        assert_eq!(
            art.title.as_deref(),
            Some("JNIM Blocks Bamako, Prompting Several Countries to Advise Citizens to Leave")
        );
        assert_eq!(art.byline.as_deref(), Some("Zara Williams"));
        assert_eq!(art.published, NaiveDate::from_ymd_opt(2025, 12, 4));
        assert_eq!(art.body, "The situation in Bamako has escalated.");
        let fr = parse(
            "Titre de l'article\nPar Awa Traoré\nPublié le 1er décembre 2025\nTexte.",
            &lexicon(),
        );
        assert_eq!(fr.byline.as_deref(), Some("Awa Traoré"));
        assert_eq!(fr.published, NaiveDate::from_ymd_opt(2025, 12, 1));
        // A body line that starts with the word, not the label, is body.
        let body = parse("By the time the convoy arrived, it was over.", &lexicon());
        assert_eq!(body.byline, None);
    }

    #[test]
    fn a_dateline_paragraph_is_not_a_title() {
        let raw = "BAMAKO, Mali (FN) — The U.S. Embassy in Mali has called on American citizens to leave.\nMore.";
        let art = parse(raw, &lexicon());
        assert_eq!(art.title, None);
        assert!(art.body.starts_with("BAMAKO"));
        let d = dateline(&art.body).unwrap();
        assert_eq!(d.place, "BAMAKO, Mali");
        assert_eq!(d.agency.as_deref(), Some("FN"));
        assert_eq!(&art.body[d.span.start..d.span.end], "BAMAKO, Mali (FN) —");
    }

    #[test]
    fn datelines_table() {
        let cases = [
            ("BAMAKO (Reuters) - Text", Some(("BAMAKO", Some("Reuters")))),
            (
                "GAO, Mali, 3 novembre (AFP) — Texte",
                Some(("GAO, Mali, 3 novembre", Some("AFP"))),
            ),
            ("KAYES, Mali — Text", Some(("KAYES, Mali", None))),
            ("The army - said", None),
            (
                "Headline about Kayes\nKAYES, Mali (AFP) — Text",
                Some(("KAYES, Mali", Some("AFP"))),
            ),
        ];
        for (text, want) in cases {
            let got = dateline(text);
            assert_eq!(
                got.as_ref()
                    .map(|d| (d.place.as_str(), d.agency.as_deref())),
                want,
                "{text:?}"
            );
        }
    }

    #[test]
    fn header_dates_in_both_languages() {
        let lex = lexicon();
        for (raw, want) in [
            ("Thursday, December 4, 2025", "2025-12-04"),
            ("lundi 10 novembre 2025", "2025-11-10"),
            ("1er décembre 2025", "2025-12-01"),
            ("2025-11-10", "2025-11-10"),
            ("Tue, 04 Nov 2025 10:00:00 +0000", "2025-11-04"),
        ] {
            assert_eq!(
                parse_date(raw, &lex).map(|d| d.to_string()).as_deref(),
                Some(want),
                "{raw:?}"
            );
        }
        assert_eq!(parse_date("sometime soon", &lex), None);
    }
}
