//! Claim specs on the shipped pattern set: one sentence in, the claims an analyst reads out.

use chrono::NaiveDate;

use crate::model::{Arg, Attribution, DocFormat, Document, Modality, Predicate, SourceMeta};
use crate::patterns::PatternSet;
use crate::pipeline::Pipeline;

static PATTERNS: std::sync::LazyLock<PatternSet> =
    std::sync::LazyLock::new(|| PatternSet::embedded().unwrap());

fn claims(text: &str, published: Option<&str>) -> Vec<crate::model::Claim> {
    let pipeline = Pipeline::new(&PATTERNS).unwrap();
    let doc = Document {
        format: DocFormat::Text,
        title: None,
        byline: None,
        published: published.map(|p| p.parse::<NaiveDate>().unwrap()),
        language: None,
        dateline: crate::extract::text::dateline(text),
        text: text.to_string(),
        source: SourceMeta::default(),
    };
    pipeline.analyze(doc).claims
}

fn arg(a: &Option<Arg>) -> String {
    match a {
        Some(Arg::Entity(id)) => id.to_string(),
        Some(Arg::Literal(l)) => l.clone(),
        None => "-".into(),
    }
}

/// The claims of one text with no publication date.
pub(super) fn claims_of(text: &str) -> Vec<crate::model::Claim> {
    claims(text, None)
}

/// `subject predicate object modality` of every claim.
pub(super) fn summary_of(text: &str) -> Vec<String> {
    summary(text)
}

/// `subject predicate object modality` of every claim.
fn summary(text: &str) -> Vec<String> {
    claims(text, None)
        .iter()
        .map(|c| {
            format!(
                "{} {} {} {}",
                arg(&c.subject),
                c.predicate,
                arg(&c.object),
                c.modality
            )
        })
        .collect()
}

#[test]
fn sentences_to_claims() {
    let table: &[(&str, &[&str])] = &[
        (
            "JNIM fighters ambushed a FAMa convoy near Kayes.",
            &["jnim attack fama asserted"],
        ),
        (
            "JNIM reportedly attacked a bus near Ségou.",
            &["jnim attack bus possible"],
        ),
        (
            "The army denied that JNIM had attacked Kati.",
            &["jnim attack kati negated"],
        ),
        (
            "Le JNIM aurait attaqué un convoi.",
            &["jnim attack convoi possible"],
        ),
        (
            "Les négociations avec le JNIM ont repris, selon le gouvernement malien.",
            &[],
        ),
        (
            "The Malian junta has been engaged in negotiations with JNIM.",
            &["mali-government negotiates_with jnim asserted"],
        ),
        (
            "The European Union has called for renewed engagement.",
            &["european-union calls_for renewed engagement asserted"],
        ),
        ("The Eagles attacked relentlessly in the second half.", &[]),
        ("Caterpillars attacked the cotton near Sikasso.", &[]),
    ];
    for (text, want) in table {
        assert_eq!(summary(text), *want, "{text:?}");
    }
}

#[test]
fn unnamed_actors_are_kept_as_written_where_no_entity_is_named() {
    let table: &[(&str, &[&str])] = &[
        (
            "Gunmen ambushed a fuel convoy near Kati, killing three drivers.",
            &[
                "Gunmen attack fuel convoy asserted",
                "Gunmen killing three drivers asserted",
            ],
        ),
        (
            "Des hommes armés ont incendié des camions-citernes près de Kayes.",
            &["hommes armés arson camions-citernes asserted"],
        ),
        (
            "The fuel blockade imposed by al-Qaeda-linked militants has crippled Bamako.",
            &[
                "al-Qaeda-linked militants blockade fuel asserted",
                "al-Qaeda-linked militants affiliated_with al-qaeda asserted",
            ],
        ),
        // A named actor wins over the words around it.
        (
            "Fighters from JNIM attacked the convoy.",
            &["jnim attack convoy asserted"],
        ),
        // Who speaks is not taken from unnamed actors, nor from what follows a speech verb
        // that does not invert.
        (
            "Witnesses said the attackers set fire to several trucks.",
            &["attackers arson several trucks asserted"],
        ),
        ("L'armée n'a pas confirmé le bilan.", &[]),
        // Who repels or condemns an attack did not make it.
        (
            "Soldiers repelled the attack and killed several assailants.",
            &["Soldiers killing several assailants asserted"],
        ),
        (
            "Les FAMa ont repoussé une attaque de JNIM contre Kati.",
            &["jnim attack kati asserted"],
        ),
        ("The junta condemned the ambush near Kayes.", &[]),
        // "military" is also an adjective: it names no one.
        ("Despite military escorts, tankers were ambushed.", &[]),
    ];
    for (text, want) in table {
        assert_eq!(summary(text), *want, "{text:?}");
    }
}

#[test]
fn regression_a_self_affiliation_from_an_inherited_subject_is_dropped() {
    let got = summary("The blockade imposed by al-Qaeda-linked militants bites.");
    assert!(
        !got.iter().any(|c| c.starts_with("al-qaeda ")),
        "al-Qaeda is a modifier here, not an actor: {got:?}"
    );
}

#[test]
fn regression_a_participle_after_an_object_keeps_the_main_subject() {
    let got =
        summary("JNIM fighters ambushed a FAMa convoy near Kayes, killing at least six soldiers.");
    assert_eq!(got[1], "jnim killing least six soldiers asserted");
}

#[test]
fn regression_the_subject_before_a_relative_clause_is_its_antecedent() {
    let got = summary(
        "France, which withdrew its troops from Mali in 2022, has advised its remaining nationals to exercise extreme caution.",
    );
    assert_eq!(
        got,
        [
            "france withdraws_troops mali asserted",
            "france advises_caution its remaining nationals asserted"
        ]
    );
}

#[test]
fn regression_an_affiliate_is_not_the_actor() {
    let got = summary("Le JNIM, lié à al-Qaïda, impose un blocus sur Kayes.");
    assert!(
        got.contains(&"jnim blockade kayes asserted".to_string()),
        "{got:?}"
    );
    assert!(
        !got.iter().any(|c| c.starts_with("al-qaeda blockade")),
        "{got:?}"
    );
}

#[test]
fn coordinated_subjects_each_get_a_claim() {
    let got = summary("FAMa and Africa Corps troops attacked JNIM positions near Niono.");
    assert_eq!(
        got,
        [
            "africa-corps attack jnim asserted",
            "fama attack jnim asserted"
        ]
    );
}

#[test]
fn an_unaffected_road_is_not_blockaded() {
    let c = claims(
        "The RN26 highway, which remains unaffected by JNIM's blockade, is the only reliable route.",
        None,
    );
    let blockade = c
        .iter()
        .find(|c| c.predicate == Predicate::Blockade)
        .unwrap();
    assert_eq!(blockade.modality, Modality::Negated);
    // The negation is about the road, not about the blockade as a whole.
    assert_eq!(arg(&blockade.object), "rn26");
    let status = c
        .iter()
        .find(|c| c.predicate == Predicate::RoadStatus)
        .unwrap();
    assert_eq!(
        (arg(&status.subject), arg(&status.object)),
        ("rn26".into(), "open".into())
    );
}

#[test]
fn an_exemption_negates_the_event_for_the_exempted_place_not_for_its_object() {
    let c = claims(
        "Kayes, which was spared by the JNIM blockade of Bamako, reported normal fuel deliveries.",
        None,
    );
    let blockade: Vec<_> = c
        .iter()
        .filter(|c| c.predicate == Predicate::Blockade)
        .map(|c| (arg(&c.subject), arg(&c.object), c.modality))
        .collect();
    assert_eq!(
        blockade,
        [("jnim".to_string(), "kayes".to_string(), Modality::Negated)]
    );
}

#[test]
fn a_list_item_takes_source_and_place_from_its_lead_in() {
    let text = "According to a map released by Rerum Novarum, routes into Bamako are:\n- Contested: RN24 and RR6.\n";
    let c = claims(text, Some("2025-12-04"));
    assert_eq!(c.len(), 2);
    for claim in &c {
        assert_eq!(claim.places[0].as_str(), "bamako");
        let want = Attribution::Source {
            entity: crate::model::EntityId::new("rerum-novarum").unwrap(),
            document: Some("map".into()),
        };
        assert_eq!(claim.attribution, want);
        assert_eq!(
            claim.time.as_ref().unwrap().value.as_deref(),
            Some("2025-12-04")
        );
    }
}

#[test]
fn a_quoted_speaker_is_named_with_role() {
    let c = claims(
        "“JNIM has blockaded Kayes since September,” said OCHA regional coordinator Jean-Luc Martin.",
        None,
    );
    // The speech verb attributes what it reports (`says` is when_alone): no `says` beside it.
    assert!(c.iter().all(|c| c.predicate != Predicate::Says), "{c:?}");
    let blockade = c
        .iter()
        .find(|c| c.predicate == Predicate::Blockade)
        .unwrap();
    assert_eq!(arg(&blockade.subject), "jnim");
    match &blockade.attribution {
        Attribution::Speaker { name, role, entity } => {
            assert_eq!(name.as_deref(), Some("Jean-Luc Martin"));
            assert_eq!(role.as_deref(), Some("OCHA regional coordinator"));
            assert_eq!(entity.as_ref().map(|e| e.as_str()), Some("ocha"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_dateline_country_locates_claims_that_name_no_place() {
    let c = claims(
        "BAMAKO, Mali (FN) — JNIM has imposed a fuel blockade.",
        None,
    );
    assert_eq!(
        c[0].places.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
        ["mali"]
    );
    assert!(c[0].place_inferred);
}

#[test]
fn a_lede_takes_its_time_from_the_next_sentence_about_the_same_subject() {
    let text = "The U.S. Embassy in Mali called on citizens to leave the country. In a statement issued Tuesday, the embassy warned of the risks.";
    let c = claims(text, Some("2025-10-30"));
    let lede = &c[0];
    let t = lede.time.as_ref().unwrap();
    assert_eq!(
        (t.text.as_deref(), t.value.as_deref()),
        (Some("Tuesday"), Some("2025-10-28"))
    );
    assert_eq!(t.source, crate::model::TimeSource::Context);
}

#[test]
fn a_claim_with_no_place_takes_the_country_the_article_is_about() {
    let place = |text: &str| {
        let c = claims(text, None);
        let arson = c.iter().find(|c| c.predicate == Predicate::Arson).unwrap();
        assert!(arson.place_inferred);
        arson
            .places
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
    };
    // The dateline's country, when the body names no other.
    assert_eq!(
        place("BAMAKO, Mali (AFP) — Gunmen torched five tankers."),
        ["mali"]
    );
    // Regression: a foreign bureau's dateline is where the reporter is, not the story.
    assert_eq!(
        place(
            "DAKAR, Senegal (Reuters) — Gunmen torched five tankers.\nFuel is scarce in Bamako and Kayes, and across Mali."
        ),
        ["mali"]
    );
}

#[test]
fn a_statement_with_no_other_claim_is_kept_as_says() {
    // In an article about the conflict (`says` is topical).
    let c = claims(
        "JNIM fighters have blockaded Kayes since September. “The blockade is compounding the \
         crisis,” said OCHA regional coordinator Jean-Luc Martin.",
        None,
    );
    let says = c.iter().find(|c| c.predicate == Predicate::Says).unwrap();
    assert_eq!(arg(&says.subject), "Jean-Luc Martin");
    assert_eq!(arg(&says.object), "The blockade is compounding the crisis");
}
