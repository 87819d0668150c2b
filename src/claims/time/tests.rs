//! Time specs, on the shipped lexicon: a sentence and a publication date in, the time an
//! analyst reads out. The tables keep one case per line (`rustfmt::skip`) so they read like
//! the spec they are.

use super::*;
use crate::claims::segment::tokenize;
use crate::model::{Claim, DocFormat, Document, Predicate, SourceMeta, TimeSource};
use crate::patterns::PatternSet;
use crate::pipeline::Pipeline;
use Precision::*;

static PATTERNS: std::sync::LazyLock<PatternSet> =
    std::sync::LazyLock::new(|| PatternSet::embedded().unwrap());

/// Every expression of a sentence: its words, value and precision.
fn resolve_in(sentence: &str, published: Option<&str>) -> Vec<(String, Option<String>, Precision)> {
    let lex = &PATTERNS.lexicon;
    let tokens = tokenize(sentence, Span::new(0, sentence.len()), lex);
    let published = published.map(|p| p.parse().unwrap());
    find(&tokens, lex)
        .iter()
        .map(|e| {
            let (v, p) = resolve(e, published);
            (sentence[e.span.start..e.span.end].to_string(), v, p)
        })
        .collect()
}

/// (sentence, publication date, expression, value, precision)
type Row<'a> = (
    &'a str,
    Option<&'a str>,
    &'a str,
    Option<&'a str>,
    Precision,
);

fn check(table: &[Row]) {
    let mut wrong = Vec::new();
    for &(sentence, published, text, value, precision) in table {
        let got = resolve_in(sentence, published);
        let want = (text.to_string(), value.map(String::from), precision);
        if !got.contains(&want) {
            wrong.push(format!(
                "{sentence:?} published {published:?}: want {want:?}, got {got:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

// 2025-10-14 is a Tuesday; 2025-10-10 a Friday; 2025-12-04 a Thursday; 2026-01-05 a Monday.
const TUE: Option<&str> = Some("2025-10-14");
const FRI: Option<&str> = Some("2025-10-10");
const THU: Option<&str> = Some("2025-12-04");
const JAN: Option<&str> = Some("2026-01-05");

#[rustfmt::skip]
#[test]
fn weekdays_in_both_languages() {
    check(&[
        ("Gunmen attacked the convoy on Sunday.", TUE, "Sunday", Some("2025-10-12"), Day),
        ("Des hommes armés ont attaqué le convoi dimanche.", TUE, "dimanche", Some("2025-10-12"), Day),
        ("Ce dimanche, le convoi a été attaqué.", TUE, "dimanche", Some("2025-10-12"), Day),
        ("Le convoi a été attaqué dimanche dernier.", TUE, "dimanche dernier", Some("2025-10-12"), Day),
        ("The convoy was attacked last Sunday.", TUE, "last Sunday", Some("2025-10-12"), Day),
        ("Shots were heard Sunday night.", TUE, "Sunday", Some("2025-10-12"), Day),
        // The publication day's own weekday is that day, unless marked "last" or "next".
        ("The embassy issued an alert on Tuesday.", TUE, "Tuesday", Some("2025-10-14"), Day),
        ("The embassy issued an alert last Tuesday.", TUE, "last Tuesday", Some("2025-10-07"), Day),
        ("Talks will resume on Tuesday.", TUE, "Tuesday", Some("2025-10-14"), Day),
        ("The blockade will be lifted next Tuesday.", TUE, "next Tuesday", Some("2025-10-21"), Day),
        // A weekday with a date is part of it, and settles its year.
        ("Le convoi est parti dimanche 12 octobre.", TUE, "dimanche 12 octobre", Some("2025-10-12"), Day),
        ("The convoy left Friday, December 5.", THU, "Friday, December 5", Some("2025-12-05"), Day),
        ("The convoy left Thursday, December 5.", THU, "Thursday, December 5", Some("2024-12-05"), Day),
        ("Gunmen attacked the convoy on Sunday.", None, "Sunday", None, Unresolved),
    ]);
}

#[rustfmt::skip]
#[test]
fn planned_events_resolve_forward() {
    check(&[
        ("La reprise est prévue le 23 octobre.", FRI, "23 octobre", Some("2025-10-23"), Day),
        ("Traffic will resume on Monday.", TUE, "Monday", Some("2025-10-20"), Day),
        ("Le trafic doit reprendre lundi.", TUE, "lundi", Some("2025-10-20"), Day),
        ("Le trafic reprendra dimanche prochain.", TUE, "dimanche prochain", Some("2025-10-19"), Day),
        ("Escorts resume next Sunday.", TUE, "next Sunday", Some("2025-10-19"), Day),
        ("Talks will resume on March 3.", THU, "March 3", Some("2026-03-03"), Day),
        ("Les camions circuleront à partir du 1er novembre.", FRI, "1er novembre", Some("2025-11-01"), Day),
        ("The road reopens tomorrow.", TUE, "tomorrow", Some("2025-10-15"), Day),
        ("La route rouvrira demain.", TUE, "demain", Some("2025-10-15"), Day),
        ("The road reopens the day after tomorrow.", TUE, "the day after tomorrow", Some("2025-10-16"), Day),
        ("La route rouvrira après-demain.", TUE, "après-demain", Some("2025-10-16"), Day),
    ]);
}

#[rustfmt::skip]
#[test]
fn weeks_are_calendar_weeks_as_intervals_of_days() {
    check(&[
        ("Talks resume next week.", TUE, "next week", Some("2025-10-20/2025-10-26"), Week),
        ("Les pourparlers reprennent la semaine prochaine.", TUE, "semaine prochaine", Some("2025-10-20/2025-10-26"), Week),
        ("The road was closed last week.", TUE, "last week", Some("2025-10-06/2025-10-12"), Week),
        ("La route a été fermée la semaine dernière.", TUE, "semaine dernière", Some("2025-10-06/2025-10-12"), Week),
        ("Talks resume next week.", None, "next week", None, Unresolved),
    ]);
    // A bare "week" is a length of time, not a date.
    assert!(resolve_in("The blockade lasted a week.", TUE).is_empty());
}

#[rustfmt::skip]
#[test]
fn a_date_without_a_year_follows_the_tense_of_its_clause() {
    check(&[
        // Past tense and no plan cue: a month-day still ahead is last year's.
        ("The convoy was attacked on October 23.", FRI, "October 23", Some("2024-10-23"), Day),
        ("Le convoi a été attaqué le 23 octobre.", FRI, "23 octobre", Some("2024-10-23"), Day),
        ("JNIM attacked the convoy on December 28.", THU, "December 28", Some("2024-12-28"), Day),
        ("Des hommes armés ont attaqué le convoi le 28 décembre.", JAN, "28 décembre", Some("2025-12-28"), Day),
        // Past tense: a month-day already past is this year's.
        ("The blockade began on March 3.", THU, "March 3", Some("2025-03-03"), Day),
        // Unmarked: this year's, unless more than six months ahead.
        ("Talks on October 23.", FRI, "October 23", Some("2025-10-23"), Day),
        ("Talks on December 28.", THU, "December 28", Some("2025-12-28"), Day),
        ("Le 28 décembre, le JNIM a attaqué le convoi.", JAN, "28 décembre", Some("2025-12-28"), Day),
        ("in September", THU, "September", Some("2025-09"), Month),
        ("in December", THU, "December", Some("2025-12"), Month),
        ("in December", JAN, "December", Some("2025-12"), Month),
        ("Elections are planned in March.", THU, "March", Some("2026-03"), Month),
        ("le 3 novembre", THU, "3 novembre", Some("2025-11-03"), Day),
        // The words alone.
        ("Thursday, December 4, 2025", None, "Thursday, December 4, 2025", Some("2025-12-04"), Day),
        ("in 2022", None, "2022", Some("2022"), Year),
        ("in September", None, "September", Some("XXXX-09"), Unresolved),
    ]);
}

#[rustfmt::skip]
#[test]
fn relative_days() {
    check(&[
        ("yesterday", THU, "yesterday", Some("2025-12-03"), Day),
        ("the day before yesterday", THU, "the day before yesterday", Some("2025-12-02"), Day),
        ("hier", THU, "hier", Some("2025-12-03"), Day),
        ("avant-hier", THU, "avant-hier", Some("2025-12-02"), Day),
        ("aujourd'hui", THU, "aujourd'hui", Some("2025-12-04"), Day),
        ("yesterday", None, "yesterday", None, Unresolved),
    ]);
}

#[test]
fn lowercase_may_is_a_hedge_not_a_month() {
    assert!(resolve_in("the group may attack", THU).is_empty());
    assert_eq!(resolve_in("in May", THU)[0].1.as_deref(), Some("2025-05"));
}

/// The words of the time `of_trigger` picks for the trigger word `trigger`.
fn time_of(sentence: &str, trigger: &str) -> Option<String> {
    let lex = &PATTERNS.lexicon;
    let tokens = tokenize(sentence, Span::new(0, sentence.len()), lex);
    let at = sentence.find(trigger).expect("trigger in sentence");
    let range = token_range(&tokens, Span::new(at, at + trigger.len()));
    let times = find(&tokens, lex);
    of_trigger(&tokens, lex, &times, range, |_| true)
        .map(|t| sentence[t.span.start..t.span.end].to_string())
}

#[rustfmt::skip]
#[test]
fn a_claim_takes_the_time_of_its_own_clause() {
    // (sentence, trigger, time of the trigger's clause)
    let table: &[(&str, &str, Option<&str>)] = &[
        ("JNIM attacked a convoy near Kayes, the army said on Wednesday.", "attacked", None),
        ("JNIM attacked a convoy near Kayes, the army said on Wednesday.", "said", Some("Wednesday")),
        ("JNIM attacked a convoy on Sunday, the army said on Wednesday.", "attacked", Some("Sunday")),
        ("The army said on Wednesday that JNIM attacked a convoy.", "attacked", None),
        ("The army said on Wednesday that JNIM attacked a convoy.", "said", Some("Wednesday")),
        ("On Sunday, gunmen attacked a convoy near Kayes.", "attacked", Some("Sunday")),
        ("Le JNIM a attaqué un convoi près de Kayes, a indiqué mercredi l'armée.", "attaqué", None),
        ("Le JNIM a attaqué un convoi près de Kayes, a indiqué mercredi l'armée.", "indiqué", Some("mercredi")),
        ("L'armée a annoncé mercredi que le JNIM avait attaqué un convoi.", "attaqué", None),
        ("Le JNIM, selon l'armée, a attaqué dimanche un convoi.", "attaqué", Some("dimanche")),
        ("Selon l'armée, le JNIM a attaqué dimanche un convoi.", "attaqué", Some("dimanche")),
        ("Gunmen attacked Nioro on Monday while soldiers withdrew on Sunday.", "attacked", Some("Monday")),
        ("Gunmen attacked Nioro on Monday while soldiers withdrew on Sunday.", "withdrew", Some("Sunday")),
        ("Des hommes armés ont attaqué Nioro lundi tandis que l'armée s'est retirée mardi.", "attaqué", Some("lundi")),
        ("JNIM attacked Kati on Sunday; the army retook it on Monday.", "retook", Some("Monday")),
        ("The road has been closed since Sunday.", "closed", Some("Sunday")),
        ("La route est fermée depuis dimanche, après le 3 octobre.", "fermée", Some("dimanche")),
        ("JNIM attacked the Kayes–Bamako road on Sunday.", "attacked", Some("Sunday")),
        // After the trigger first, within its clause; else before it.
        ("On Sunday, JNIM attacked Kati on Monday.", "attacked", Some("Monday")),
    ];
    let mut wrong = Vec::new();
    for &(sentence, trigger, want) in table {
        let got = time_of(sentence, trigger);
        if got.as_deref() != want {
            wrong.push(format!("{sentence:?} / {trigger}: want {want:?}, got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

/// Claims of a text published on `published`, through the whole pipeline.
fn claims(text: &str, published: &str) -> Vec<Claim> {
    let pipeline = Pipeline::new(&PATTERNS).unwrap();
    let doc = Document {
        format: DocFormat::Text,
        title: None,
        byline: None,
        published: Some(published.parse().unwrap()),
        language: None,
        dateline: None,
        text: text.to_string(),
        source: SourceMeta::default(),
    };
    pipeline.analyze(doc).claims
}

/// A claim's time as an analyst reads it: value, precision and basis.
type Read = (Option<String>, Precision, TimeSource);

/// The time of the first claim of `predicate`.
fn time_of_claim(text: &str, published: &str, predicate: Predicate) -> Read {
    let all = claims(text, published);
    let c = all
        .iter()
        .find(|c| c.predicate == predicate)
        .unwrap_or_else(|| panic!("no {predicate} claim in {text:?}: {all:#?}"));
    let t = c.time.as_ref().expect("a time");
    (t.value.clone(), t.precision, t.source)
}

/// (text, publication date, predicate, (value, precision, basis))
type ClaimRow<'a> = (
    &'a str,
    &'a str,
    Predicate,
    (&'a str, Precision, TimeSource),
);

#[rustfmt::skip]
#[test]
fn claims_carry_value_precision_and_basis() {
    use Predicate::*;
    use TimeSource::*;
    let table: &[ClaimRow] = &[
        ("JNIM attacked a convoy near Kayes on Sunday.", "2025-10-14", Attack, ("2025-10-12", Day, Stated)),
        ("JNIM attacked a convoy near Kayes.", "2025-10-14", Attack, ("2025-10-14", Day, Publication)),
        ("JNIM attacked a convoy near Kayes, the army said on Wednesday.", "2025-10-16", Attack, ("2025-10-16", Day, Publication)),
        ("Le JNIM a attaqué un convoi près de Kayes dimanche.", "2025-10-14", Attack, ("2025-10-12", Day, Stated)),
    ];
    let mut wrong = Vec::new();
    for &(text, published, predicate, (value, precision, basis)) in table {
        let got = time_of_claim(text, published, predicate);
        let want = (Some(value.to_string()), precision, basis);
        if got != want {
            wrong.push(format!("{text:?} published {published}: want {want:?}, got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn regression_on_sunday_in_a_tuesday_article_is_the_sunday_before() {
    let (value, _, basis) = time_of_claim(
        "Gunmen attacked a convoy near Kayes on Sunday.",
        "2025-10-14",
        Predicate::Attack,
    );
    assert_eq!(
        (value.as_deref(), basis),
        (Some("2025-10-12"), TimeSource::Stated)
    );
}

#[test]
fn regression_a_time_from_another_clause_is_not_the_events() {
    let (value, _, basis) = time_of_claim(
        "JNIM attacked a convoy near Kayes, the army said on Wednesday.",
        "2025-10-17",
        Predicate::Attack,
    );
    assert_eq!(
        (value.as_deref(), basis),
        (Some("2025-10-17"), TimeSource::Publication)
    );
}

#[test]
fn regression_a_planned_date_lies_ahead_not_last_year() {
    check(&[(
        "La reprise du trafic est prévue le 23 octobre.",
        FRI,
        "23 octobre",
        Some("2025-10-23"),
        Day,
    )]);
}
