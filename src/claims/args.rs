//! A trigger's arguments, read from the sentence's dependency tree.
//!
//! Rules say which relations may fill a role (`from = ["subject", "agent"]`, see
//! [`Relation`]); this module finds, for one trigger, the head word of each such argument:
//! the subject of an active verb (or of the verb it is coordinated with or controlled by),
//! the agent of a passive, the object, "against X", a nominal trigger's genitive, possessor
//! and modifiers, and the subject of a support verb ("JNIM *launched* an attack"). What a
//! head word names (an entity, an unnamed actor, a literal phrase) is the caller's business;
//! [`phrase`] gives the words of a noun phrase without its relative clauses.

use std::ops::Range;

use crate::model::Span;
use crate::patterns::{Lexicon, Relation, WordClass};
use crate::syntax::{Parse, Upos};
use crate::tag::normalize::fold;

/// How far up a chain of coordinated or controlled verbs a subject is looked for: chains in
/// news sentences are short, and a bound keeps a pathological parse linear.
const MAX_CHAIN: usize = 8;

/// One argument: its relation to the trigger and its head word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Arg {
    pub relation: Relation,
    pub head: usize,
}

fn base(rel: &str) -> &str {
    rel.split(':').next().unwrap_or(rel)
}

/// The word that stands for the trigger: the word of the trigger's span whose head lies
/// outside it ("opened fire on" → "opened").
pub(super) fn trigger_word(p: &Parse, trigger: Span) -> Option<usize> {
    let inside = |i: usize| {
        let s = p.span(i);
        s.start < trigger.end && trigger.start < s.end
    };
    (0..p.len())
        .filter(|&i| inside(i))
        .find(|&i| p.head(i).is_none_or(|h| !inside(h)))
}

fn marked(p: &Parse, i: usize, lex: &Lexicon, class: WordClass) -> bool {
    p.children(i)
        .filter(|&c| base(p.deprel(c)) == "case")
        .any(|c| lex.class_of(&fold(p.form(c))).is(class))
}

/// Whether the verb is passive: a passive auxiliary or subject, or a past participle that
/// modifies a noun ("a convoy escorted by the army").
fn passive(p: &Parse, v: usize, lex: &Lexicon) -> bool {
    let active_ending = || {
        let form = fold(p.form(v));
        lex.active_participle_endings
            .iter()
            .any(|e| form.ends_with(e.as_str()))
    };
    p.children(v)
        .any(|c| matches!(p.deprel(c), "aux:pass" | "nsubj:pass" | "csubj:pass"))
        || (matches!(base(p.deprel(v)), "acl" | "amod") && !active_ending())
}

fn is_verbal(p: &Parse, i: usize) -> bool {
    matches!(p.upos(i), Upos::Verb | Upos::Aux)
        || (p.upos(i) == Upos::Adj && p.children(i).any(|c| base(p.deprel(c)) == "obl"))
}

/// Whether the preposition of a complement lies inside the trigger's span.
fn case_within(p: &Parse, i: usize, trigger: Span) -> bool {
    p.children(i)
        .filter(|&c| base(p.deprel(c)) == "case")
        .any(|c| {
            let s = p.span(c);
            trigger.start <= s.start && s.end <= trigger.end
        })
}

/// Every argument of the trigger word `t` (whose cue covers `trigger`), in no particular
/// order.
pub(super) fn arguments(p: &Parse, t: usize, trigger: Span, lex: &Lexicon) -> Vec<Arg> {
    let mut out = Vec::new();
    let mut push = |relation, head| out.push(Arg { relation, head });
    let verbal = is_verbal(p, t);
    let pass = verbal && passive(p, t, lex);
    // A trigger of several words ("authorizing the evacuation of") takes the dependents of
    // each of its words that lie outside it.
    let inside = |i: usize| {
        let s = p.span(i);
        trigger.start <= s.start && s.end <= trigger.end
    };
    let words: Vec<usize> = (0..p.len()).filter(|&i| i == t || inside(i)).collect();
    let dependents: Vec<usize> = words
        .iter()
        .flat_map(|&w| p.children(w))
        .filter(|&c| !inside(c))
        .collect();
    for c in dependents {
        let rel = p.deprel(c);
        // "France, which withdrew from Mali": a relative pronoun subject is the noun the
        // clause modifies.
        let c = match (base(rel), p.head(t)) {
            ("nsubj", Some(h))
                if p.deprel(t) == "acl:relcl"
                    && lex
                        .class_of(&fold(p.form(c)))
                        .is(WordClass::RELATIVE_PRONOUN) =>
            {
                h
            }
            _ => c,
        };
        match (base(rel), rel) {
            (_, "nsubj:pass") => push(Relation::Object, c),
            ("nsubj", _) => push(Relation::Subject, c),
            ("obj", _) if verbal => push(Relation::Object, c),
            (_, "obl:agent") => push(Relation::Agent, c),
            (_, "nmod:poss") => push(Relation::Possessor, c),
            // "set fire to several trucks", "negotiations with JNIM": a complement whose
            // preposition belongs to the trigger is its object.
            ("obl" | "nmod", _) if case_within(p, c, trigger) => push(Relation::Object, c),
            ("obl" | "nmod", _) => {
                if marked(p, c, lex, WordClass::AGENT_MARKER) && (pass || !verbal) {
                    push(Relation::Agent, c);
                } else if marked(p, c, lex, WordClass::OPPOSITION) {
                    push(Relation::Against, c);
                } else if !verbal && marked(p, c, lex, WordClass::GENITIVE) {
                    push(Relation::Genitive, c);
                } else {
                    push(Relation::Oblique, c);
                }
            }
            ("compound" | "amod" | "flat", _) if !verbal && c < t => push(Relation::Modifier, c),
            ("ccomp" | "parataxis", _) if verbal => push(Relation::Content, c),
            // "a convoy escorted by the army": the agent sits on the participle.
            ("acl", _) if !verbal => {
                for g in p.children(c) {
                    if p.deprel(g) == "obl:agent"
                        || (base(p.deprel(g)) == "obl"
                            && marked(p, g, lex, WordClass::AGENT_MARKER))
                    {
                        push(Relation::Agent, g);
                    }
                }
            }
            _ => {}
        }
    }
    // "Attacks by JNIM" parsed with the agent on the noun's own head are rare; what matters
    // more is what the trigger's place in the tree says.
    if let Some(h) = p.head(t) {
        let rel = p.deprel(t);
        if verbal {
            inherit_subject(p, t, lex, &mut out);
            // "attacked and torched a convoy": the object both verbs share hangs on the
            // first.
            if base(rel) == "conj"
                && is_verbal(p, h)
                && !out.iter().any(|a| a.relation == Relation::Object)
                && let Some(o) = p.children(h).find(|&c| p.deprel(c) == "obj" && c > t)
            {
                out.push(Arg {
                    relation: Relation::Object,
                    head: o,
                });
            }
            // "a convoy attacked by JNIM", "la route bloquée": the noun a participle
            // modifies is what the event is done to.
            if matches!(base(rel), "acl" | "amod") && pass {
                out.push(Arg {
                    relation: Relation::Object,
                    head: h,
                });
            }
        } else if let Some((h, rel)) = carrier(p, t, lex) {
            // "JNIM launched an attack", "le blocus imposé" (nsubj:pass of the support verb).
            for c in p.children(h) {
                match p.deprel(c) {
                    "nsubj" | "nsubj:pass" if base(rel) == "obj" => out.push(Arg {
                        relation: Relation::SupportSubject,
                        head: c,
                    }),
                    "obl:agent" => out.push(Arg {
                        relation: Relation::SupportSubject,
                        head: c,
                    }),
                    _ => {}
                }
            }
            if base(rel) == "obj" && !out.iter().any(|a| a.relation == Relation::SupportSubject) {
                inherit_subject(p, h, lex, &mut out);
                for a in out.iter_mut().filter(|a| a.relation == Relation::Subject) {
                    a.relation = Relation::SupportSubject;
                }
            }
        }
    }
    out
}

/// Whether the trigger is an active verb.
pub(super) fn is_verbal_active(p: &Parse, t: usize, lex: &Lexicon) -> bool {
    is_verbal(p, t) && !passive(p, t, lex)
}

/// Whether the trigger is a passive verb ("was attacked", "a été escorté").
pub(super) fn is_passive(p: &Parse, t: usize, lex: &Lexicon) -> bool {
    is_verbal(p, t) && passive(p, t, lex)
}

/// Whether the trigger is a noun governed by a verb that does not carry it: "the army
/// confirmed *the attack*", "soldiers repelled *an attack*".
pub(super) fn governed(p: &Parse, t: usize, lex: &Lexicon) -> bool {
    !is_verbal(p, t)
        && p.head(t).is_some_and(|h| {
            is_verbal(p, h)
                && matches!(base(p.deprel(t)), "obj" | "nsubj" | "obl")
                && carrier(p, t, lex).is_none()
        })
}

fn support(p: &Parse, v: usize, lex: &Lexicon) -> bool {
    lex.class_of(&fold(p.lemma(v))).is(WordClass::SUPPORT)
        || lex.class_of(&fold(p.form(v))).is(WordClass::SUPPORT)
}

/// The support verb that carries a nominal trigger, with the trigger's relation to it:
/// "JNIM *launched* an attack" (object), "the blockade *was imposed* by JNIM" (subject),
/// and one noun removed, "*claimed* responsibility for the attack", "*launched* a wave of
/// attacks".
fn carrier<'p>(p: &'p Parse, t: usize, lex: &Lexicon) -> Option<(usize, &'p str)> {
    let h = p.head(t)?;
    let rel = base(p.deprel(t));
    if matches!(rel, "obj" | "nsubj") && support(p, h, lex) {
        return Some((h, p.deprel(t)));
    }
    // "the junta has been engaged in negotiations with JNIM".
    if rel == "obl" && support(p, h, lex) {
        return Some((h, "obj"));
    }
    if matches!(rel, "nmod" | "obl") && p.upos(h) == Upos::Noun && base(p.deprel(h)) == "obj" {
        let v = p.head(h)?;
        return support(p, v, lex).then(|| (v, p.deprel(h)));
    }
    None
}

/// A verb with no subject of its own takes the subject of the verb it is coordinated with
/// ("attacked and torched"), controlled by ("vowed to attack") or attached to as a
/// participle clause ("…, killing six soldiers").
fn inherit_subject(p: &Parse, t: usize, lex: &Lexicon, out: &mut Vec<Arg>) {
    let has = |v: usize| {
        p.children(v)
            .any(|c| matches!(p.deprel(c), "nsubj" | "nsubj:pass" | "expl:subj"))
    };
    if has(t) {
        return;
    }
    let mut v = t;
    for _ in 0..MAX_CHAIN {
        let Some(h) = p.head(v) else { return };
        // "accused JNIM of attacking": the accuser's object is the actor.
        if (lex
            .class_of(&fold(p.lemma(h)))
            .is(WordClass::OBJECT_CONTROL)
            || lex.class_of(&fold(p.form(h))).is(WordClass::OBJECT_CONTROL))
            && let Some(o) = p.children(h).find(|&c| p.deprel(c) == "obj")
        {
            out.push(Arg {
                relation: Relation::Subject,
                head: o,
            });
            return;
        }
        if !matches!(base(p.deprel(v)), "conj" | "xcomp" | "advcl") || !is_verbal(p, h) {
            return;
        }
        if let Some(s) = p.children(h).find(|&c| p.deprel(c) == "nsubj") {
            out.push(Arg {
                relation: Relation::Subject,
                head: s,
            });
            return;
        }
        if p.children(h).any(|c| p.deprel(c) == "nsubj:pass") {
            return;
        }
        v = h;
    }
}

/// Words whose subtree is not part of the noun phrase of their head: relative and other
/// clauses, parentheticals, and what a comma sets apart.
fn outside_phrase(p: &Parse, i: usize) -> bool {
    matches!(
        p.deprel(i),
        "acl:relcl" | "parataxis" | "appos" | "advcl" | "dislocated" | "vocative" | "conj"
    ) || p.deprel(i) == "punct" && matches!(p.form(i), "," | "(" | ")" | ";" | ":" | "—" | "–")
}

/// The word range of the noun phrase headed by `head`: its subtree without relative clauses,
/// appositions and anything after a comma, and without leading case markers and edge
/// punctuation.
pub(super) fn phrase(p: &Parse, head: usize, conj: bool, lex: &Lexicon) -> Range<usize> {
    let sub = p.subtree(head);
    let (mut lo, mut hi) = (sub.start, sub.end);
    // "schools, universities, and other public institutions": the commas of a coordination
    // kept in the phrase do not end it.
    let last_conj = p
        .children(head)
        .filter(|&c| conj && p.deprel(c) == "conj")
        .map(|c| p.subtree(c).start)
        .max()
        .unwrap_or(0);
    for c in p.children(head) {
        let listed = p.deprel(c) == "punct" && c < last_conj;
        // "a convoy near Kati": where it was is the claim's place, not part of what.
        let located =
            matches!(base(p.deprel(c)), "nmod" | "obl") && marked(p, c, lex, WordClass::LOCATIVE);
        let cut = (outside_phrase(p, c) || located) && !(conj && p.deprel(c) == "conj") && !listed;
        if cut && c > head {
            hi = hi.min(p.subtree(c).start);
        } else if cut && c < head {
            lo = lo.max(p.subtree(c).end);
        }
    }
    // "the closure of schools, universities, and other public institutions" with the last
    // conjunct attached one level up (a common attachment error): the list goes on.
    if conj {
        while let Some(next) = (hi..p.len()).find(|&w| base(p.deprel(w)) == "conj")
            && (hi..p.subtree(next).start)
                .all(|w| matches!(p.deprel(w), "punct" | "cc" | "amod" | "det") && p.form(w) != ".")
            && p.subtree(next).start >= hi
            && p.head(next).is_some_and(|h| h < head)
            && p.subtree(next).end > hi
        {
            hi = p.subtree(next).end;
        }
    }
    // Leading determiners go ("the attackers" → "attackers"), if the lexicon knows them as
    // such: a tagger may call "al-Qaeda-linked" a determiner.
    while lo < hi
        && lo < head
        && (matches!(p.deprel(lo), "case" | "punct" | "mark" | "cc")
            || (p.deprel(lo) == "det"
                && (lex.class_of(&fold(p.form(lo))).is(WordClass::DETERMINER)
                    || lex.class_of(&fold(p.form(lo))).is(WordClass::EDGE))))
    {
        lo += 1;
    }
    while hi > lo + 1 && matches!(p.deprel(hi - 1), "punct" | "cc") && hi - 1 > head {
        hi -= 1;
    }
    lo..hi
}

/// Byte span of a word range.
pub(super) fn span_of(p: &Parse, words: Range<usize>) -> Option<Span> {
    if words.is_empty() {
        return None;
    }
    Some(Span::new(
        p.span(words.start).start,
        p.span(words.end - 1).end,
    ))
}

/// Words that name what a head word stands for: itself, and its compounds, flat names,
/// adjectives, possessors and genitives ("JNIM fighters", "fighters of JNIM",
/// "combattants du JNIM"), two levels down.
pub(super) fn naming_words(p: &Parse, head: usize, lex: &Lexicon, out: &mut Vec<usize>) {
    out.push(head);
    let mut frontier = vec![head];
    for _ in 0..2 {
        let mut next = Vec::new();
        for &w in &frontier {
            for c in p.children(w) {
                let rel = p.deprel(c);
                // "militants belonging to JNIM": an active participle's complement names
                // the group too; a passive one's ("soldiers captured by JNIM") does not.
                let participle = base(p.deprel(w)) == "acl"
                    && base(rel) == "obl"
                    && !marked(p, c, lex, WordClass::AGENT_MARKER);
                let names = matches!(base(rel), "compound" | "flat" | "amod" | "appos")
                    || rel == "nmod:poss"
                    || participle
                    || (base(rel) == "nmod"
                        && (marked(p, c, lex, WordClass::GENITIVE)
                            || marked(p, c, lex, WordClass::MEMBERSHIP)))
                    || (base(rel) == "acl" && !passive(p, c, lex));
                if names {
                    out.push(c);
                    next.push(c);
                }
            }
        }
        frontier = next;
    }
}
