//! Roads named by their endpoints, on the shipped pattern set: each form of the spec, the
//! road it resolves to, and what must not become a road.

use super::*;

fn roads(text: &str) -> Vec<(String, String)> {
    let p = PatternSet::embedded().unwrap();
    let tagger = Tagger::new(&p).unwrap();
    tagger
        .tag(text)
        .mentions
        .iter()
        .filter(|m| m.kind == EntityKind::Road)
        .map(|m| {
            (
                text[m.span.start..m.span.end].to_string(),
                m.entity.to_string(),
            )
        })
        .collect()
}

fn pairs(want: &[(&str, &str)]) -> Vec<(String, String)> {
    want.iter()
        .map(|(s, e)| (s.to_string(), e.to_string()))
        .collect()
}

#[test]
fn every_endpoint_form_names_its_road() {
    for (text, want) in [
        (
            "Convoys on the Kayes–Bamako road were hit.",
            vec![("Kayes–Bamako road", "road-bamako--kayes")],
        ),
        (
            "the Kayes-Bamako route",
            vec![("Kayes-Bamako route", "road-bamako--kayes")],
        ),
        (
            "the Kayes - Bamako highway",
            vec![("Kayes - Bamako highway", "road-bamako--kayes")],
        ),
        (
            "the Dakar-Bamako corridor",
            vec![("Dakar-Bamako corridor", "road-bamako--dakar")],
        ),
        (
            "sur l'axe Kayes-Bamako",
            vec![("axe Kayes-Bamako", "road-bamako--kayes")],
        ),
        (
            "sur l’axe Sikasso-Bougouni",
            vec![("axe Sikasso-Bougouni", "rn7")],
        ),
        ("la route Bamako-Ségou", vec![("route Bamako-Ségou", "rn6")]),
        (
            "le corridor Dakar‐Bamako",
            vec![("corridor Dakar‐Bamako", "road-bamako--dakar")],
        ),
        (
            "les routes Bamako — Sikasso et Bamako-Ségou",
            vec![("routes Bamako — Sikasso", "rn7"), ("Bamako-Ségou", "rn6")],
        ),
        (
            "the Kayes-Bamako and Bamako-Ségou roads",
            vec![
                ("Kayes-Bamako", "road-bamako--kayes"),
                ("Bamako-Ségou roads", "rn6"),
            ],
        ),
        ("la route nationale 7", vec![("route nationale 7", "rn7")]),
        ("la route nationale 8", vec![("route nationale 8", "rn8")]),
        ("national road 8", vec![("national road 8", "rn8")]),
        (
            "the road between Kayes and Bamako",
            vec![("road between Kayes and Bamako", "road-bamako--kayes")],
        ),
        (
            "la route entre Kayes et Bamako",
            vec![("route entre Kayes et Bamako", "road-bamako--kayes")],
        ),
        (
            "l'axe reliant Kayes à Diéma",
            vec![("axe reliant Kayes à Diéma", "road-diema--kayes")],
        ),
        (
            "the main road linking Kayes and Bamako",
            vec![("main road linking Kayes and Bamako", "road-bamako--kayes")],
        ),
        (
            "the road from Bamako to Kati",
            vec![("road from Bamako to Kati", "rr9")],
        ),
        (
            "the road from Kati to Bamako",
            vec![("road from Kati to Bamako", "rr9")],
        ),
        ("l'axe Bamako-Zégoua", vec![("axe Bamako-Zégoua", "rn7")]),
        (
            "KAYES-BAMAKO ROAD REOPENS",
            vec![("KAYES-BAMAKO ROAD", "road-bamako--kayes")],
        ),
        (
            "Axes coupés :\n- Kayes – Diéma\n- Sikasso-Bougouni",
            vec![
                ("Kayes – Diéma", "road-diema--kayes"),
                ("Sikasso-Bougouni", "rn7"),
            ],
        ),
    ] {
        assert_eq!(roads(text), pairs(&want), "{text:?}");
    }
}

#[test]
fn places_joined_without_a_road_word_are_no_road() {
    for text in [
        "the Mali-Senegal border",
        "a Bamako-Dakar flight",
        "Kayes-Bamako",
        "the road to Bamako from Kayes",
        "between Kayes and Bamako, the road is long",
        "- Kayes – Diéma\n- Sikasso-Bougouni",
        "Results:\n- Kayes – Diéma",
        "the Bamako-Bamako road",
    ] {
        assert_eq!(roads(text), vec![], "{text:?}");
    }
}

#[test]
fn endpoints_stay_places_but_not_actors_or_references() {
    let p = PatternSet::embedded().unwrap();
    let tagger = Tagger::new(&p).unwrap();
    let tags = tagger.tag("JNIM attacked the Kayes–Bamako road. The road remains closed.");
    let got: Vec<(&str, bool)> = tags
        .mentions
        .iter()
        .map(|m| (m.entity.as_str(), m.modifier))
        .collect();
    assert_eq!(
        got,
        vec![
            ("jnim", false),
            ("road-bamako--kayes", false),
            ("kayes", true),
            ("bamako", true),
            ("road-bamako--kayes", false),
        ],
        "the generic 'road' inside the name is no reference; the later 'The road' is this road"
    );
    assert_eq!(tags.roads.len(), 1);
    let road = &tags.roads[0];
    assert_eq!(
        (
            road.id.as_str(),
            road.name.as_str(),
            road.from.as_str(),
            road.to.as_str()
        ),
        (
            "road-bamako--kayes",
            "Bamako – Kayes road",
            "bamako",
            "kayes"
        )
    );
}

#[test]
fn endpoint_scan_is_linear() {
    let unit = "the Kayes–Bamako road, l'axe reliant Kayes à Diéma et Ségou. ";
    let small = unit.repeat(200);
    let big = unit.repeat(2000);
    let p = PatternSet::embedded().unwrap();
    let tagger = Tagger::new(&p).unwrap();
    let time = |t: &str| {
        let start = std::time::Instant::now();
        assert!(!tagger.tag(t).mentions.is_empty());
        start.elapsed().as_secs_f64()
    };
    let (a, b) = (time(&small), time(&big));
    assert!(b < a * 30.0, "10× the text took {:.1}× the time", b / a);
}

#[test]
fn clutter_yields_no_mentions_regression_read_also_headlines_tagged() {
    let p = PatternSet::embedded().unwrap();
    let tagger = Tagger::new(&p).unwrap();
    let text = "JNIM attacked a convoy near Kayes.\nREAD ALSO\nSenegal Closes Border Post At Diboli\nUN Warns Of Fuel Shortage In Bamako\nThe army said nothing.";
    let tags = tagger.tag(text);
    let cut = text.find("READ").unwrap()..text.find("The army").unwrap();
    assert!(
        tags.mentions.iter().all(|m| !cut.contains(&m.span.start)),
        "{:?}",
        tags.mentions
    );
    assert!(tags.cues.iter().all(|c| !cut.contains(&c.span.start)));
}
