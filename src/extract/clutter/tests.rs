//! Clutter specs: each shape of page clutter, and the short real paragraphs that must stay.

use super::*;
use crate::patterns::PatternSet;

fn clutter(text: &str) -> Vec<&str> {
    let p = PatternSet::embedded().unwrap();
    spans(text, &p.lexicon)
        .into_iter()
        .map(|s| &text[s.start..s.end])
        .collect()
}

#[test]
fn each_clutter_shape_is_found() {
    for (shape, text, want) in [
        (
            "READ ALSO and its headlines",
            "JNIM fighters attacked a convoy.\nREAD ALSO\nMali Junta Extends Fuel Ban\nSenegal closes border post\nThe army said it repelled the attack.",
            vec!["READ ALSO\nMali Junta Extends Fuel Ban\nSenegal closes border post"],
        ),
        (
            "LIRE AUSSI inline",
            "Le convoi a été attaqué.\nLIRE AUSSI : Mali, le JNIM impose un blocus à Kayes\nLes camions sont repartis.",
            vec!["LIRE AUSSI : Mali, le JNIM impose un blocus à Kayes"],
        ),
        (
            "À lire aussi with a colon",
            "Texte.\nÀ lire aussi :\nBlocus de Kayes : les transporteurs en grève\nSuite du texte.",
            vec!["À lire aussi :\nBlocus de Kayes : les transporteurs en grève"],
        ),
        (
            "Related and Watch labels",
            "Body text here.\nRelated\nJNIM blockade tightens around Bamako\nWatch: Fuel queues in Bamako\nMore prose follows here.",
            vec!["Related\nJNIM blockade tightens around Bamako\nWatch: Fuel queues in Bamako"],
        ),
        (
            "timestamps",
            "Published 2 hours ago\nThe convoy left Kayes.\nUpdated 12:04 GMT\nil y a 3 heures",
            vec![
                "Published 2 hours ago",
                "Updated 12:04 GMT\nil y a 3 heures",
            ],
        ),
        (
            "closing teasers in Title Case",
            "The convoy reached Bamako on Tuesday.\nMali Junta Bans Motorbikes In Kayes\nSenegal Truckers Threaten New Strike\nNiger Reopens Border With Benin",
            vec![
                "Mali Junta Bans Motorbikes In Kayes\nSenegal Truckers Threaten New Strike\nNiger Reopens Border With Benin",
            ],
        ),
    ] {
        assert_eq!(clutter(text), want, "{shape}");
    }
}

#[test]
fn real_short_paragraphs_stay() {
    for (case, text) in [
        (
            "a short paragraph with a period",
            "READ ALSO\nThe convoy was attacked near Kayes.\nIt burned.",
        ),
        (
            "a subheading",
            "The convoy left.\nFuel shortage\nQueues grew in Bamako.",
        ),
        (
            "a one-line ending",
            "The convoy left.\nReporting by Jane Doe",
        ),
        (
            "a word that is a label inside prose",
            "Watch the roads, officials said.\nRelated talks failed.",
        ),
        (
            "a number without a timestamp word",
            "Kayes, 12 km west\nThe convoy left.",
        ),
        (
            "a road list",
            "Routes :\n- RN6 (vers Ségou) : contesté\n- RN7 : ouverte",
        ),
    ] {
        let got = clutter(text);
        let kept = match case {
            "a short paragraph with a period" => got == vec!["READ ALSO"],
            "a subheading after an inline teaser" => {
                got == vec!["Read more: Mali junta extends fuel ban"]
            }
            _ => got.is_empty(),
        };
        assert!(kept, "{case}: {got:?}");
    }
}
