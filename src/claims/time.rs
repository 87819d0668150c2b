//! Time expressions: found in a sentence, resolved against the publication date.
//!
//! News copy says "Tuesday", "last Friday", "in September", "mardi dernier", "le 3 novembre",
//! "in 2022". With a publication date these resolve to a calendar value with a precision; a
//! bare weekday means the most recent one on or before the publication date ("issued
//! Tuesday" in Thursday's paper), "last Friday" the most recent one strictly before it, a
//! month without a year the most recent such month. Without a publication date, only what
//! the words themselves fix is kept ("2022"; `XXXX-09` for a month), and the rest stays
//! unresolved: a guessed date is worse than none.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::segment::Token;
use crate::model::{Precision, Span};
use crate::patterns::Lexicon;
use crate::patterns::WordClass;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum What {
    Weekday {
        day: Weekday,
        past: bool,
    },
    Date {
        year: Option<i32>,
        month: u32,
        day: Option<u32>,
    },
    Year(i32),
    Offset(i64),
}

/// A time expression in a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeExpr {
    pub span: Span,
    /// Token index of the expression's first word, for distances.
    pub token: usize,
    what: What,
}

fn year_of(t: &Token) -> Option<i32> {
    if t.folded.len() != 4 {
        return None;
    }
    t.folded.parse().ok().filter(|y| (1900..=2100).contains(y))
}

fn day_of(t: &Token) -> Option<u32> {
    // Ordinal suffixes in any language: "1er", "1st", "3rd".
    let digits = t.folded.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    digits.parse().ok().filter(|d| (1..=31).contains(d))
}

/// Finds time expressions in the word tokens of one sentence.
pub fn find(tokens: &[Token], lex: &Lexicon) -> Vec<TimeExpr> {
    let words: Vec<(usize, &Token)> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| t.is_word())
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let (ti, t) = words[i];
        let word = |k: usize| words.get(k).map(|(_, w)| *w);
        let mut span = t.span;
        let mut used = 1;
        let timely = t.is(WordClass::TIME);
        // Only words the lexicon classes as time words are looked up in its tables.
        let weekday = timely
            .then(|| lex.weekdays.get(t.folded.as_str()))
            .flatten();
        let what = if let Some(&day) = weekday {
            let before = i
                .checked_sub(1)
                .and_then(word)
                .is_some_and(|p| p.is(WordClass::PAST_MARKER));
            let after = word(i + 1).is_some_and(|n| n.is(WordClass::PAST_MARKER));
            if before {
                span.start = words[i - 1].1.span.start;
            }
            if after {
                span.end = words[i + 1].1.span.end;
                used = 2;
            }
            Some(What::Weekday {
                day,
                past: before || after,
            })
        } else if let Some(&month) = timely.then(|| month_at(t, lex)).flatten() {
            // "4 December 2025", "December 4, 2025", "le 3 novembre", "in September".
            let mut day = None;
            if let Some(d) = i.checked_sub(1).and_then(word).and_then(day_of) {
                day = Some(d);
                span.start = words[i - 1].1.span.start;
            } else if let Some(d) = word(i + 1).filter(|n| n.folded.len() <= 4).and_then(day_of) {
                day = Some(d);
                span.end = words[i + 1].1.span.end;
                used = 2;
            }
            let year = word(i + used).and_then(year_of);
            if year.is_some() {
                span.end = words[i + used].1.span.end;
                used += 1;
            }
            Some(What::Date { year, month, day })
        } else if let Some(y) = year_of(t) {
            Some(What::Year(y))
        } else if timely {
            lex.day_offsets
                .get(t.folded.as_str())
                .map(|&n| What::Offset(n))
        } else {
            None
        };
        if let Some(what) = what {
            out.push(TimeExpr {
                span,
                token: ti,
                what,
            });
            i += used;
        } else {
            i += 1;
        }
    }
    out
}

/// A month name, except an English "may" written in lowercase: that one is a hedge.
fn month_at<'l>(t: &Token, lex: &'l Lexicon) -> Option<&'l u32> {
    let m = lex.months.get(t.folded.as_str())?;
    if !t.capitalized && t.is(WordClass::HEDGE) {
        return None;
    }
    Some(m)
}

/// The most recent `month` on or before `reference`, as a year.
fn year_for_month(month: u32, day: Option<u32>, reference: NaiveDate) -> i32 {
    let after = (month, day.unwrap_or(1)) > (reference.month(), reference.day());
    if after {
        reference.year() - 1
    } else {
        reference.year()
    }
}

/// Resolves an expression: its value (ISO 8601, or EDTF `XXXX-MM` for an unknown year) and
/// its precision.
pub fn resolve(expr: &TimeExpr, published: Option<NaiveDate>) -> (Option<String>, Precision) {
    match (expr.what, published) {
        (What::Year(y), _) => (Some(format!("{y:04}")), Precision::Year),
        (
            What::Date {
                year: Some(y),
                month,
                day: Some(d),
            },
            _,
        ) => match NaiveDate::from_ymd_opt(y, month, d) {
            Some(date) => (Some(date.to_string()), Precision::Day),
            None => (None, Precision::Unresolved),
        },
        (
            What::Date {
                year: Some(y),
                month,
                day: None,
            },
            _,
        ) => (Some(format!("{y:04}-{month:02}")), Precision::Month),
        (
            What::Date {
                year: None,
                month,
                day,
            },
            Some(p),
        ) => {
            let y = year_for_month(month, day, p);
            match day {
                Some(d) => match NaiveDate::from_ymd_opt(y, month, d) {
                    Some(date) => (Some(date.to_string()), Precision::Day),
                    None => (None, Precision::Unresolved),
                },
                None => (Some(format!("{y:04}-{month:02}")), Precision::Month),
            }
        }
        (
            What::Date {
                year: None,
                month,
                day,
            },
            None,
        ) => {
            let value = match day {
                Some(d) => format!("XXXX-{month:02}-{d:02}"),
                None => format!("XXXX-{month:02}"),
            };
            (Some(value), Precision::Unresolved)
        }
        (What::Weekday { day, past }, Some(p)) => {
            let mut back =
                (7 + p.weekday().num_days_from_monday() - day.num_days_from_monday()) % 7;
            if past && back == 0 {
                back = 7;
            }
            (
                p.checked_sub_days(Days::new(u64::from(back)))
                    .map(|d| d.to_string()),
                Precision::Day,
            )
        }
        (What::Offset(n), Some(p)) => {
            let d = if n < 0 {
                p.checked_sub_days(Days::new(n.unsigned_abs()))
            } else {
                p.checked_add_days(Days::new(n as u64))
            };
            (d.map(|d| d.to_string()), Precision::Day)
        }
        (What::Weekday { .. } | What::Offset(_), None) => (None, Precision::Unresolved),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::segment::tokenize;

    fn lexicon() -> Lexicon {
        let raw = r#"
            [en]
            hedges = ["may"]
            months = ["January","February","March","April","May","June","July","August","September","October","November","December"]
            weekdays = ["Monday","Tuesday","Wednesday","Thursday","Friday","Saturday","Sunday"]
            past_markers = ["last"]
            day_offsets = { yesterday = -1 }
            [fr]
            months = ["janvier","février","mars","avril","mai","juin","juillet","août","septembre","octobre","novembre","décembre"]
            weekdays = ["lundi","mardi","mercredi","jeudi","vendredi","samedi","dimanche"]
            past_markers = ["dernier"]
        "#;
        let sources = vec![(std::path::PathBuf::from("lexicon.toml"), raw.to_string())];
        crate::patterns::PatternSet::from_sources(&sources)
            .unwrap()
            .lexicon
    }

    fn resolve_in(
        sentence: &str,
        published: Option<&str>,
    ) -> Vec<(String, Option<String>, Precision)> {
        let lex = lexicon();
        let tokens = tokenize(sentence, Span::new(0, sentence.len()), &lex);
        let published = published.map(|p| p.parse().unwrap());
        find(&tokens, &lex)
            .iter()
            .map(|e| {
                let (v, p) = resolve(e, published);
                (sentence[e.span.start..e.span.end].to_string(), v, p)
            })
            .collect()
    }

    #[test]
    fn relative_times_resolve_against_the_publication_date() {
        use Precision::*;
        // 2025-12-04 is a Thursday.
        let pubd = Some("2025-12-04");
        // (sentence, published, expression, value, precision)
        type Row<'a> = (
            &'a str,
            Option<&'a str>,
            &'a str,
            Option<&'a str>,
            Precision,
        );
        let table: &[Row] = &[
            ("issued Tuesday", pubd, "Tuesday", Some("2025-12-02"), Day),
            ("issued Thursday", pubd, "Thursday", Some("2025-12-04"), Day),
            (
                "last Thursday",
                pubd,
                "last Thursday",
                Some("2025-11-27"),
                Day,
            ),
            (
                "mardi dernier",
                pubd,
                "mardi dernier",
                Some("2025-12-02"),
                Day,
            ),
            ("in September", pubd, "September", Some("2025-09"), Month),
            ("in December", pubd, "December", Some("2025-12"), Month),
            ("le 3 novembre", pubd, "3 novembre", Some("2025-11-03"), Day),
            (
                "on December 28",
                pubd,
                "December 28",
                Some("2024-12-28"),
                Day,
            ),
            (
                "Thursday, December 4, 2025",
                None,
                "December 4, 2025",
                Some("2025-12-04"),
                Day,
            ),
            ("in 2022", None, "2022", Some("2022"), Year),
            ("yesterday", pubd, "yesterday", Some("2025-12-03"), Day),
            ("Tuesday", None, "Tuesday", None, Unresolved),
            ("last Friday", None, "last Friday", None, Unresolved),
            (
                "in September",
                None,
                "September",
                Some("XXXX-09"),
                Unresolved,
            ),
        ];
        for &(sentence, published, text, value, precision) in table {
            let got = resolve_in(sentence, published);
            let want_tail = (text.to_string(), value.map(String::from), precision);
            assert_eq!(
                got.last(),
                Some(&want_tail),
                "{sentence:?} published {published:?}"
            );
        }
    }

    #[test]
    fn lowercase_may_is_a_hedge_not_a_month() {
        assert!(resolve_in("the group may attack", Some("2025-12-04")).is_empty());
        assert_eq!(
            resolve_in("in May", Some("2025-12-04"))[0].1.as_deref(),
            Some("2025-05")
        );
    }
}
