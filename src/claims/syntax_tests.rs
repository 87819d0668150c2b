//! Issue 11's error classes, one table each: what real reporting says, and the claims an
//! analyst reads out of it when roles come from the dependency tree. Short sentences of our
//! own, written for each class (never the dev set's text).

use super::tests::summary_of as summary;

fn check(table: &[(&str, &[&str])]) {
    for (text, want) in table {
        assert_eq!(summary(text), *want, "{text:?}");
    }
}

#[test]
fn role_inversion_whoever_confirms_repels_or_suffers_an_event_is_not_its_actor() {
    check(&[
        // Who confirms or repels the attack did not carry it out.
        (
            "The Malian army confirmed the attack on the convoy near Kayes.",
            &["fama says attack on the convoy near Kayes asserted"],
        ),
        ("Soldiers repelled an attack by JNIM near Kati.", &[]),
        // What an attack is aimed at is its object, not its actor.
        (
            "JNIM claimed attacks against the Malian army near Ségou.",
            &["jnim attack fama asserted"],
        ),
        // A passive's agent acts; its subject suffers.
        (
            "Le convoi a été attaqué par le JNIM près de Kayes.",
            &["jnim attack convoi asserted"],
        ),
    ]);
}

#[test]
fn objects_are_noun_phrases_not_windows_of_words() {
    check(&[
        // The noun phrase, without its relative clause.
        (
            "JNIM fighters ambushed a convoy of fuel tankers, which had left Dakar on Monday.",
            &["jnim attack convoy of fuel tankers asserted"],
        ),
        // A list stays whole.
        (
            "Militants from JNIM torched trucks, buses and motorcycles near Nioro.",
            &["jnim arson trucks, buses and motorcycles asserted"],
        ),
        // An adjective or a time is not what was attacked.
        ("JNIM claimed the latest attack.", &[]),
    ]);
}

#[test]
fn support_verbs_and_control_carry_the_actor_to_the_event() {
    check(&[
        (
            "JNIM launched an attack on an army post near Boni.",
            &["jnim attack army post asserted"],
        ),
        (
            "Le JNIM a imposé un blocus sur Kayes.",
            &["jnim blockade kayes asserted"],
        ),
        // Coordination: both verbs are JNIM's.
        (
            "JNIM fighters attacked and torched a convoy near Kati.",
            &["jnim attack convoy asserted", "jnim arson convoy asserted"],
        ),
    ]);
}

#[test]
fn organisations_outside_the_dictionary_are_literal_actors() {
    check(&[
        (
            "The Union of Hauliers called for the reopening of the road to Kayes.",
            &["Union of Hauliers calls_for reopening of the road to Kayes asserted"],
        ),
        // A bare name is not an armed actor.
        ("The Eagles attacked relentlessly in the second half.", &[]),
    ]);
}

#[test]
fn a_pronoun_subject_is_the_actor_named_before() {
    check(&[
        (
            "JNIM has expanded its operations. It has imposed a blockade on Kayes.",
            &["jnim blockade kayes asserted"],
        ),
        // An actor the article does not identify, as it was written.
        (
            "Des terroristes ont été signalés près de Bougouni. Samedi, ils ont attaqué un convoi.",
            &["terroristes attack convoi asserted"],
        ),
    ]);
}

#[test]
fn vocabulary_escort_release_deliver_ban_and_demands() {
    check(&[
        (
            "FAMa escorted a convoy of fuel tankers to Bamako.",
            &["fama escort convoy of fuel tankers to Bamako asserted"],
        ),
        (
            "JNIM released two truck drivers near Nioro.",
            &["jnim release two truck drivers asserted"],
        ),
        (
            "Le JNIM a décrété un embargo sur le carburant.",
            &["jnim blockade carburant asserted"],
        ),
    ]);
}

#[test]
fn an_accusation_is_the_accuser_s_claim_not_a_fact() {
    check(&[(
        "The Malian army accused JNIM of attacking a convoy of civilians near Kati.",
        &["jnim attack convoy of civilians possible"],
    )]);
    let c = super::tests::claims_of(
        "The Malian army accused JNIM of attacking a convoy of civilians near Kati.",
    );
    assert_eq!(c[0].attribution.entity().map(|e| e.as_str()), Some("fama"));
}
