//! Specs of the syntax layer: tokenizer cases, model round trip, robustness, and a few
//! sanity parses with the shipped models.

use super::features::{Perceptron, Weights};
use super::train::projectivize;
use super::*;

fn toks(text: &str, lang: Lang) -> Vec<(String, String)> {
    tokenize(text, lang)
        .into_iter()
        .map(|w| (w.form.to_string(), text[w.span.clone()].to_string()))
        .collect()
}

fn forms(text: &str, lang: Lang) -> Vec<String> {
    toks(text, lang).into_iter().map(|(f, _)| f).collect()
}

#[test]
fn tokenizer_splits_as_ud_does() {
    let cases: &[(Lang, &str, &[&str])] = &[
        (
            Lang::En,
            "JNIM attacked a convoy near Kati.",
            &["JNIM", "attacked", "a", "convoy", "near", "Kati", "."],
        ),
        (
            Lang::En,
            "The army's convoy didn't stop.",
            &["The", "army", "'s", "convoy", "did", "n't", "stop", "."],
        ),
        (
            Lang::En,
            "They’re here, we’ll see; I'm sure I'd go.",
            &[
                "They", "’re", "here", ",", "we", "’ll", "see", ";", "I", "'m", "sure", "I", "'d",
                "go", ".",
            ],
        ),
        (
            Lang::En,
            "You can't and won't, you cannot.",
            &[
                "You", "ca", "n't", "and", "wo", "n't", ",", "you", "can", "not", ".",
            ],
        ),
        (
            Lang::En,
            "The U.S. Embassy and Dr. Smith left at 10:30.",
            &[
                "The", "U.S.", "Embassy", "and", "Dr.", "Smith", "left", "at", "10:30", ".",
            ],
        ),
        (
            Lang::En,
            "It cost $1,200.50 (about 5%).",
            &[
                "It", "cost", "$", "1,200.50", "(", "about", "5", "%", ")", ".",
            ],
        ),
        (
            Lang::En,
            "al-Qaeda fighters—then \"silence\"...",
            &[
                "al-Qaeda", "fighters", "—", "then", "\"", "silence", "\"", "...",
            ],
        ),
        (
            Lang::En,
            "the students' books",
            &["the", "students", "'", "books"],
        ),
        (
            Lang::En,
            "see https://example.org/a.html.",
            &["see", "https://example.org/a.html", "."],
        ),
        (
            Lang::Fr,
            "L'armée a dit qu'elle n'était pas là.",
            &[
                "L'", "armée", "a", "dit", "qu'", "elle", "n'", "était", "pas", "là", ".",
            ],
        ),
        (
            Lang::Fr,
            "jusqu’à l’aube, lorsqu’il est parti",
            &[
                "jusqu’",
                "à",
                "l’",
                "aube",
                ",",
                "lorsqu’",
                "il",
                "est",
                "parti",
            ],
        ),
        (
            Lang::Fr,
            "Il va au marché du village aux armes.",
            &[
                "Il", "va", "à", "le", "marché", "de", "le", "village", "à", "les", "armes", ".",
            ],
        ),
        (
            Lang::Fr,
            "Du calme, des armes.",
            &["De", "le", "calme", ",", "des", "armes", "."],
        ),
        (
            Lang::Fr,
            "« Aujourd'hui, M. Diarra a-t-il parlé ? »",
            &[
                "«",
                "Aujourd'hui",
                ",",
                "M.",
                "Diarra",
                "a",
                "-t-il",
                "parlé",
                "?",
                "»",
            ],
        ),
        (
            Lang::Fr,
            "l'axe Kayes-Bamako – la RN1",
            &["l'", "axe", "Kayes-Bamako", "–", "la", "RN1"],
        ),
        (
            Lang::Fr,
            "quelqu'un, 1 200,5 km",
            &["quelqu'un", ",", "1", "200,5", "km"],
        ),
    ];
    for (lang, text, want) in cases {
        assert_eq!(forms(text, *lang), *want, "tokenizing {text:?}");
    }
}

#[test]
fn contractions_share_the_written_span_and_spans_point_into_the_text() {
    let text = "Il va au marché.";
    let words = tokenize(text, Lang::Fr);
    assert_eq!(words[2].span, 6..8);
    assert_eq!(words[3].span, 6..8);
    assert_eq!((words[2].form, words[3].form), ("à", "le"));
    let text = "Didn’t the army’s men go?";
    for w in tokenize(text, Lang::En) {
        if w.form != "à" {
            assert_eq!(&text[w.span.clone()], w.form);
        }
    }
    assert_eq!(
        toks("don’t", Lang::En),
        [("do".into(), "do".into()), ("n’t".into(), "n’t".into())]
    );
}

#[test]
fn tokenizer_survives_odd_input() {
    for text in [
        "",
        "   ",
        "'",
        "’’’",
        "-",
        "...",
        "l'",
        "qu'",
        "a\u{0301}\u{200B}b",
        "🙂🙂 x",
        "\u{FEFF}.",
        "M.",
        "-t-il",
        "'s",
    ] {
        for lang in [Lang::En, Lang::Fr] {
            let words = tokenize(text, lang);
            let mut last = 0;
            for w in &words {
                assert!(
                    w.span.start < w.span.end && w.span.end <= text.len(),
                    "{text:?}"
                );
                assert!(w.span.start >= last || w.span.end == last, "{text:?}");
                last = w.span.end;
            }
        }
    }
}

#[test]
fn projectivize_lifts_crossing_arcs() {
    // Heads with ROOT = 4. A projective tree is left alone.
    let mut heads = vec![1, 3, 3, 4];
    assert!(projectivize(&mut heads));
    assert_eq!(heads, vec![1, 3, 3, 4]);
    // 0 → 2 spans word 1, whose head is 3: word 0 is lifted to 3.
    let mut heads = vec![2, 3, 3, 4];
    assert!(projectivize(&mut heads));
    assert_eq!(heads, vec![3, 3, 3, 4]);
}

/// A tiny model trained in the test, for round trips without the shipped files.
fn tiny_model() -> Model {
    let text = "\
1\tJNIM\tJNIM\tPROPN\t_\t_\t2\tnsubj\t_\t_
2\tattacked\tattack\tVERB\t_\t_\t0\troot\t_\t_
3\ta\ta\tDET\t_\t_\t4\tdet\t_\t_
4\tconvoy\tconvoy\tNOUN\t_\t_\t2\tobj\t_\t_
5\t.\t.\tPUNCT\t_\t_\t2\tpunct\t_\t_

1\tThe\tthe\tDET\t_\t_\t2\tdet\t_\t_
2\tarmy\tarmy\tNOUN\t_\t_\t3\tnsubj\t_\t_
3\twas\tbe\tAUX\t_\t_\t0\troot\t_\t_
4\there\there\tADV\t_\t_\t3\tadvmod\t_\t_
";
    let sents = conllu::parse(text).unwrap();
    let cfg = train::TrainConfig {
        folds: 1,
        min_label_count: 1,
        ..Default::default()
    };
    train::train(Lang::En, &sents, &cfg, &mut |_| {}).unwrap()
}

#[test]
fn model_bytes_round_trip_and_corruption_is_an_error() {
    let m = tiny_model();
    let bytes = m.to_bytes();
    let back = Model::from_bytes(&bytes).unwrap();
    assert_eq!(back, m);
    assert_eq!(back.to_bytes(), bytes);
    assert!(m.version().starts_with("en-1.0+"));
    assert_eq!(Model::from_bytes(b"nonsense"), Err(SyntaxError::BadMagic));
    for cut in [0, 9, 13, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            Model::from_bytes(&bytes[..cut]).is_err(),
            "truncated at {cut}"
        );
    }
    // Flipping bytes may give a different model but never a panic.
    for k in (0..bytes.len()).step_by(7) {
        let mut b = bytes.clone();
        b[k] ^= 0xA5;
        if let Ok(m) = Model::from_bytes(&b) {
            let _ = m.parse_words(&["a", "b", "c"]);
        }
    }
}

#[test]
fn parse_never_panics_on_odd_input() {
    let m = tiny_model();
    let long: Vec<&str> = std::iter::repeat_n("word", 10_000).collect();
    let p = m.parse_words(&long);
    assert_eq!(p.len(), 10_000);
    assert_eq!((0..p.len()).filter(|&i| p.head(i).is_none()).count(), 1);
    assert_eq!(p.subtree(p.root().unwrap()), 0..10_000);
    for text in ["", " ", "\u{0}", "’", "🙂", "a\u{0301}", "« »", "l' l' l'"] {
        let p = m.parse_text(text, 7);
        assert_eq!(p.is_empty(), p.root().is_none());
        for i in 0..p.len() {
            assert!(p.span(i).start >= 7);
            let _ = (p.form(i), p.lemma(i), p.upos(i), p.deprel(i), p.subtree(i));
            assert_eq!(
                p.children(i).count(),
                (0..p.len()).filter(|&j| p.head(j) == Some(i)).count()
            );
        }
    }
    let empty = m.parse_words(&[]);
    assert!(empty.is_empty() && empty.root().is_none());
}

#[test]
fn weights_table_finds_every_key() {
    let mut p = Perceptron::new(3);
    for k in 0..500u32 {
        p.update(&[k * 7919 + 1], (k % 3) as usize, ((k + 1) % 3) as usize);
        p.tick();
    }
    let w: Weights = p.freeze(1);
    assert!(w.validate().is_ok());
    assert_eq!(w.len(), 500);
    let mut scores = vec![0; 3];
    w.score(&[7919 * 4 + 1], &mut scores);
    assert!(scores[1] > 0 && scores[2] < 0);
}

#[test]
fn upos_and_lang_spellings_round_trip() {
    for u in Upos::ALL {
        assert_eq!(u.as_str().parse::<Upos>(), Ok(u));
        assert_eq!(Upos::from_id(u.id()), u);
    }
    assert_eq!("fr".parse::<Lang>(), Ok(Lang::Fr));
    assert!("xx".parse::<Lang>().is_err());
}

/// Sanity parses with the shipped models (skipped while models/ holds placeholders).
#[test]
fn builtin_models_parse_the_examples() {
    let (Ok(en), Ok(fr)) = (builtin(Lang::En), builtin(Lang::Fr)) else {
        return;
    };
    assert_eq!((en.lang(), fr.lang()), (Lang::En, Lang::Fr));
    let p = en.parse_text("JNIM attacked a convoy near Kati.", 0);
    let at = |p: &Parse, f: &str| (0..p.len()).find(|&i| p.form(i) == f).unwrap();
    let root = p.root().unwrap();
    assert_eq!(p.form(root), "attacked");
    assert_eq!(p.lemma(root), "attack");
    assert_eq!(
        (p.head(at(&p, "JNIM")), p.deprel(at(&p, "JNIM"))),
        (Some(root), "nsubj")
    );
    assert_eq!(
        (p.head(at(&p, "convoy")), p.deprel(at(&p, "convoy"))),
        (Some(root), "obj")
    );
    assert_eq!(p.subtree(at(&p, "convoy")), 2..6);

    let p = fr.parse_text("Le convoi a été attaqué par le JNIM.", 100);
    let attaque = at(&p, "attaqué");
    assert_eq!(p.root(), Some(attaque));
    let jnim = at(&p, "JNIM");
    assert_eq!(p.head(jnim), Some(attaque));
    assert!(p.deprel(jnim).starts_with("obl"), "{}", p.deprel(jnim));
    assert_eq!(p.deprel(at(&p, "convoi")), "nsubj:pass");
    assert_eq!(p.span(jnim), 134..138); // "été" and "attaqué" hold 2-byte characters
}

#[test]
fn lemmas_come_from_the_lexicon_then_the_longest_suffix_rule_then_the_lowercase_form() {
    let m = tiny_model();
    let rules = vec![
        (Upos::Verb.id(), Box::from("ed"), 2, Box::from("")),
        (Upos::Verb.id(), Box::from("ded"), 1, Box::from("")),
        (Upos::Verb.id(), Box::from("ié"), 1, Box::from("er")),
    ];
    let m = Model::new(
        m.lang(),
        m.labels().map(str::to_string).collect(),
        m.tagger.clone(),
        m.parser.clone(),
        vec![(Box::from("went"), Upos::Verb.id(), Box::from("go"))],
        rules,
    );
    let lemma =
        |form: &str, upos: Upos| m.lemma(form, &form.to_lowercase(), upos.id()).into_owned();
    let cases = [
        ("went", Upos::Verb, "go"),            // lexicon
        ("Blockaded", Upos::Verb, "blockade"), // "ded" beats "ed"
        ("attacked", Upos::Verb, "attack"),    // "ed"
        ("incendié", Upos::Verb, "incendier"), // multi-byte suffix
        ("ed", Upos::Verb, "ed"),              // a rule that would leave nothing is skipped
        ("Attacked", Upos::Noun, "attacked"),  // no rule for NOUN: lowercase form
        ("Kati", Upos::Propn, "Kati"),         // PROPN: the form
    ];
    for (form, upos, want) in cases {
        assert_eq!(lemma(form, upos), want, "{form} {upos}");
    }
    let back = Model::from_bytes(&m.to_bytes()).unwrap();
    assert_eq!(back, m);
}

#[test]
fn random_text_never_panics_and_spans_stay_on_char_boundaries() {
    const ALPHABET: &[char] = &[
        'a', 'E', 'l', 'i', 't', '-', '\'', '’', '.', ',', ' ', '\u{a0}', 'İ', 'K', 'é', 'ß', '«',
        '»', '"', '0', '9', ':', '$', '%', '/', '@', 'q', 'u', 'd', 'n', 'ﬁ', '\u{301}',
    ];
    let m = tiny_model();
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..500 {
        let mut text = String::new();
        for _ in 0..(x % 40) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            text.push(ALPHABET[(x % ALPHABET.len() as u64) as usize]);
        }
        for lang in [Lang::En, Lang::Fr] {
            for w in tokenize(&text, lang) {
                assert!(text.is_char_boundary(w.span.start) && text.is_char_boundary(w.span.end));
                assert!(w.span.start < w.span.end, "{text:?}");
            }
        }
        let p = m.parse_text(&text, 0);
        assert_eq!(p.is_empty(), p.root().is_none());
    }
}
