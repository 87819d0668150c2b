//! Time expressions: found in a sentence, tied to a clause, resolved against the publication
//! date.
//!
//! News copy says "Tuesday", "last Friday", "next week", "in September", "mardi dernier",
//! "le 3 novembre", "demain", "in 2022". With a publication date these resolve to a calendar
//! value with a precision. The rules, in the order an analyst would ask:
//!
//! - **Which time is a claim's?** The one in the clause of its trigger ([`of_trigger`]):
//!   the first after the trigger in that clause, else the last before it. Another clause's
//!   time is not the event's: in "JNIM attacked a convoy, the army said on Wednesday",
//!   Wednesday is when the army spoke. Where clauses end is in [`clause`].
//! - **Which way?** A clause with a plan cue ("will", "prévue", "à partir du", "next") is
//!   *planned*: its times lie ahead. A clause with a past tense ("was", "attacked", "ont")
//!   and no plan cue is *past*. Other clauses are *unmarked*.
//! - **Weekdays.** A bare weekday ("on Sunday", "dimanche", "ce dimanche", "Sunday night")
//!   is the most recent such day on or before the publication date, or the first on or after
//!   it in a planned clause; a weekday equal to the publication day's is that day. "last
//!   Sunday", "dimanche dernier" are strictly before; "next Sunday", "dimanche prochain"
//!   strictly after.
//! - **Dates without a year** ("le 23 octobre", "in September"). Planned: the first
//!   occurrence on or after the publication date (a month-day already past is next year's).
//!   Past: the most recent on or before it (a month-day still ahead is last year's).
//!   Unmarked: the publication year's, unless that lies more than [`AHEAD_DAYS`] days ahead
//!   (news recalls last December in January far more often than it announces next
//!   December without saying so): then last year's.
//!   A weekday written with the date ("Friday, December 5") settles the year when the
//!   guess's date falls on another weekday and the next or previous year's does not.
//! - **Weeks.** "next week", "la semaine prochaine", "last week", "la semaine dernière": the
//!   calendar week (Monday to Sunday) after or before the publication date's, with
//!   precision `week` and an ISO 8601 interval of days as value (`2025-10-13/2025-10-19`),
//!   which sorts and filters by its first day like any date.
//! - **Relative days**: "yesterday", "demain", "avant-hier", "the day after tomorrow".
//!
//! Without a publication date, only what the words themselves fix is kept ("2022";
//! `XXXX-09` for a month), and the rest stays unresolved: a guessed date is worse than none.

pub mod clause;
#[cfg(test)]
mod tests;

use std::ops::Range;

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::segment::Token;
use crate::model::{Precision, Span};
use crate::patterns::Lexicon;
use crate::patterns::WordClass;

/// An unmarked month-day further ahead of the publication date than this is last year's.
pub const AHEAD_DAYS: i64 = 183;

/// Which way a clause looks from the publication date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tense {
    /// A plan cue: the time lies ahead.
    Planned,
    /// A past tense and no plan cue.
    Past,
    Unmarked,
}

/// Which way a weekday's own marker points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    /// "last", "dernier": strictly before.
    Last,
    /// "next", "prochain": strictly after.
    Next,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum What {
    Weekday {
        day: Weekday,
        marker: Marker,
    },
    Date {
        year: Option<i32>,
        month: u32,
        day: Option<u32>,
        /// "Friday, December 5": picks the year when none is written.
        weekday: Option<Weekday>,
    },
    Year(i32),
    Offset(i64),
    /// Weeks from the publication date's week (-1 last week, 1 next week).
    Week(i64),
}

/// A time expression in a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeExpr {
    pub span: Span,
    /// Token index of the expression's first word, for distances.
    pub token: usize,
    /// Token index just past its last word.
    pub end: usize,
    /// The tense of its clause.
    pub tense: Tense,
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

fn marker_of(t: Option<&Token>) -> Marker {
    match t {
        Some(t) if t.is(WordClass::PAST_MARKER) => Marker::Last,
        Some(t) if t.is(WordClass::NEXT_MARKER) => Marker::Next,
        _ => Marker::None,
    }
}

/// The expression starting at word `i`, if any: what it says, and its first and
/// one-past-last word indices.
fn expr_at(
    words: &[&Token],
    folded: &[&str],
    i: usize,
    lex: &Lexicon,
) -> Option<(What, usize, usize)> {
    let t = words[i];
    let prev = i.checked_sub(1).map(|p| words[p]);
    let next = words.get(i + 1).copied();
    // Only words the lexicon classes as time words are looked up in its tables.
    if !t.is(WordClass::TIME) {
        return year_of(t).map(|y| (What::Year(y), i, i + 1));
    }
    if let Some((n, len)) = lex.time.day_offset_at(&folded[i..]) {
        return Some((What::Offset(n), i, i + len));
    }
    let word = t.folded.as_str();
    let (before, after) = (marker_of(prev), marker_of(next));
    let marker = if before == Marker::None {
        after
    } else {
        before
    };
    let first = if before == Marker::None { i } else { i - 1 };
    let end = if after == Marker::None || before != Marker::None {
        i + 1
    } else {
        i + 2
    };
    if let Some(&day) = lex.weekdays.get(word) {
        return Some((What::Weekday { day, marker }, first, end));
    }
    if lex.time.weeks.contains(word) {
        // A bare "week" is a duration ("two weeks"), not a date.
        let n = match marker {
            Marker::Last => -1,
            Marker::Next => 1,
            Marker::None => return None,
        };
        return Some((What::Week(n), first, end));
    }
    let &month = month_at(t, lex)?;
    // "4 December 2025", "December 4, 2025", "le 3 novembre", "in September".
    let (mut first, mut end) = (i, i + 1);
    let mut day = None;
    if let Some(d) = prev.and_then(day_of) {
        day = Some(d);
        first = i - 1;
    } else if let Some(d) = next.filter(|n| n.folded.len() <= 4).and_then(day_of) {
        day = Some(d);
        end = i + 2;
    }
    let year = words.get(end).and_then(|w| year_of(w));
    if year.is_some() {
        end += 1;
    }
    Some((
        What::Date {
            year,
            month,
            day,
            weekday: None,
        },
        first,
        end,
    ))
}

/// Finds time expressions in the tokens of one sentence, each with the tense of its clause.
pub fn find(tokens: &[Token], lex: &Lexicon) -> Vec<TimeExpr> {
    let index: Vec<usize> = (0..tokens.len()).filter(|&i| tokens[i].is_word()).collect();
    let words: Vec<&Token> = index.iter().map(|&i| &tokens[i]).collect();
    let folded: Vec<&str> = words.iter().map(|w| w.folded.as_str()).collect();
    let mut out: Vec<TimeExpr> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let Some((what, first, end)) = expr_at(&words, &folded, i, lex) else {
            i += 1;
            continue;
        };
        // A weekday before a date is part of it: "Sunday, October 12", "dimanche 12 octobre".
        let merged = matches!(what, What::Date { day: Some(_), .. })
            && out.last().is_some_and(|p| {
                matches!(
                    p.what,
                    What::Weekday {
                        marker: Marker::None,
                        ..
                    }
                ) && tokens[p.end..index[first]]
                    .iter()
                    .all(|t| t.is_punct(&[',']))
            });
        let mut what = what;
        let mut start = (words[first].span.start, index[first]);
        if merged && let Some(p) = out.pop() {
            start = (p.span.start, p.token);
            if let (What::Date { weekday, .. }, What::Weekday { day, .. }) = (&mut what, p.what) {
                *weekday = Some(day);
            }
        }
        out.push(TimeExpr {
            span: Span::new(start.0, words[end - 1].span.end),
            token: start.1,
            end: index[end - 1] + 1,
            tense: Tense::Unmarked,
            what,
        });
        i = end;
    }
    if !out.is_empty() {
        let clauses = clause::Clauses::new(tokens, lex, &out);
        for e in &mut out {
            e.tense = clauses.tense(e.token, tokens, lex);
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

/// The tokens a character span covers, for [`of_trigger`].
pub fn token_range(tokens: &[Token], span: Span) -> Range<usize> {
    let start = tokens.partition_point(|t| t.span.start < span.start);
    let end = tokens.partition_point(|t| t.span.start < span.end);
    start..end.max(start)
}

/// The time of the event whose trigger covers the tokens `trigger`: among the `times` of
/// the sentence that `eligible` accepts, the first after the trigger in the trigger's
/// clause, else the last before it there; none when its clause states no time.
///
/// Takes a token range so that a parser's tree can later hand over a verb's span.
pub fn of_trigger<'t>(
    tokens: &[Token],
    lex: &Lexicon,
    times: &'t [TimeExpr],
    trigger: Range<usize>,
    eligible: impl Fn(&TimeExpr) -> bool,
) -> Option<&'t TimeExpr> {
    if times.is_empty() || trigger.start >= tokens.len() {
        return None;
    }
    let clauses = clause::Clauses::new(tokens, lex, times);
    let own = clauses.of(trigger.start);
    let mut candidates = times
        .iter()
        .filter(|t| clauses.of(t.token) == own && eligible(t));
    let mut before = None;
    for t in candidates.by_ref() {
        if t.token >= trigger.end {
            return Some(t);
        }
        if t.end <= trigger.start {
            before = Some(t);
        }
    }
    before
}

/// The occurrence of `month` (and `day`) nearest `reference` in the direction `tense`
/// says, as a year.
fn year_for(month: u32, day: Option<u32>, reference: NaiveDate, tense: Tense) -> i32 {
    let y = reference.year();
    let here = (reference.month(), reference.day());
    // A month without a day covers the publication day when it is that month.
    let (ahead, behind) = match day {
        Some(d) => ((month, d) > here, (month, d) < here),
        None => (month > here.0, month < here.0),
    };
    match tense {
        Tense::Planned if behind => y + 1,
        Tense::Planned => y,
        Tense::Past if ahead => y - 1,
        Tense::Past => y,
        Tense::Unmarked if ahead => {
            let first = NaiveDate::from_ymd_opt(y, month, day.unwrap_or(1));
            match first {
                Some(d) if (d - reference).num_days() > AHEAD_DAYS => y - 1,
                _ => y,
            }
        }
        Tense::Unmarked => y,
    }
}

fn day_value(d: Option<NaiveDate>) -> (Option<String>, Precision) {
    match d {
        Some(d) => (Some(d.to_string()), Precision::Day),
        None => (None, Precision::Unresolved),
    }
}

/// Resolves an expression: its value (ISO 8601; EDTF `XXXX-MM` for an unknown year; a
/// `first/last` interval of days for a week) and its precision.
pub fn resolve(expr: &TimeExpr, published: Option<NaiveDate>) -> (Option<String>, Precision) {
    match (expr.what, published) {
        (What::Year(y), _) => (Some(format!("{y:04}")), Precision::Year),
        (
            What::Date {
                year: Some(y),
                month,
                day,
                ..
            },
            _,
        ) => match day {
            Some(d) => day_value(NaiveDate::from_ymd_opt(y, month, d)),
            None => (Some(format!("{y:04}-{month:02}")), Precision::Month),
        },
        (
            What::Date {
                year: None,
                month,
                day,
                weekday,
            },
            Some(p),
        ) => {
            let mut y = year_for(month, day, p, expr.tense);
            // A weekday written with the date settles the year, within one of the guess.
            let falls_on = |y: i32, w: Weekday| {
                day.and_then(|d| NaiveDate::from_ymd_opt(y, month, d))
                    .is_some_and(|d| d.weekday() == w)
            };
            if let Some(w) = weekday
                && !falls_on(y, w)
                && let Some(other) = [y + 1, y - 1].into_iter().find(|&o| falls_on(o, w))
            {
                y = other;
            }
            match day {
                Some(d) => day_value(NaiveDate::from_ymd_opt(y, month, d)),
                None => (Some(format!("{y:04}-{month:02}")), Precision::Month),
            }
        }
        (
            What::Date {
                year: None,
                month,
                day,
                ..
            },
            None,
        ) => {
            let value = match day {
                Some(d) => format!("XXXX-{month:02}-{d:02}"),
                None => format!("XXXX-{month:02}"),
            };
            (Some(value), Precision::Unresolved)
        }
        (What::Weekday { day, marker }, Some(p)) => day_value(weekday(day, marker, expr.tense, p)),
        (What::Offset(n), Some(p)) => day_value(offset(p, n)),
        (What::Week(n), Some(p)) => {
            let monday = offset(p, -i64::from(p.weekday().num_days_from_monday()));
            let first = monday.and_then(|m| offset(m, 7 * n));
            match (first, first.and_then(|f| offset(f, 6))) {
                (Some(a), Some(b)) => (Some(format!("{a}/{b}")), Precision::Week),
                _ => (None, Precision::Unresolved),
            }
        }
        (What::Weekday { .. } | What::Offset(_) | What::Week(_), None) => {
            (None, Precision::Unresolved)
        }
    }
}

fn offset(d: NaiveDate, n: i64) -> Option<NaiveDate> {
    if n < 0 {
        d.checked_sub_days(Days::new(n.unsigned_abs()))
    } else {
        d.checked_add_days(Days::new(n.unsigned_abs()))
    }
}

/// The date of `day` from `p`: backwards unless marked "next" or in a planned clause.
fn weekday(day: Weekday, marker: Marker, tense: Tense, p: NaiveDate) -> Option<NaiveDate> {
    let from = p.weekday().num_days_from_monday();
    let to = day.num_days_from_monday();
    let back = i64::from((7 + from - to) % 7);
    let ahead = i64::from((7 + to - from) % 7);
    match (marker, tense) {
        (Marker::Last, _) => offset(p, -(if back == 0 { 7 } else { back })),
        (Marker::Next, _) => offset(p, if ahead == 0 { 7 } else { ahead }),
        (Marker::None, Tense::Planned) => offset(p, ahead),
        (Marker::None, _) => offset(p, -back),
    }
}
