//! Filling one role of a rule from the trigger's syntactic arguments ([`args`]).
//!
//! For each relation the role may come from, in the rule's order, the argument's head word
//! is read as: a known entity of a kind the role takes (the head itself, or a name that
//! qualifies it: "JNIM fighters", "combattants du JNIM"); else an unnamed actor ("gunmen");
//! else, for a subject, an organisation or name outside the dictionary ("the Union of
//! Hauliers"), as a literal; else, for an object, the noun phrase itself.

use super::Sentence;
use super::args::{self, Arg};
use super::roles::Context;
use crate::model::{Mention, Span};
use crate::patterns::{Lexicon, LiteralMode, Relation, Role, RoleSpec, WordClass};
use crate::syntax::{Parse, Upos};
use crate::tag::normalize::fold;

/// What a role was filled with.
pub(super) enum Found<'s> {
    Entities(Vec<&'s Mention>),
    Literal(String, Span),
    Nothing,
}

/// Everything the filling needs about one trigger.
pub(super) struct Trigger<'p, 's> {
    pub parse: &'p Parse,
    pub word: usize,
    pub span: Span,
    pub args: Vec<Arg>,
    /// Mentions of the sentences before, nearest first, left to right within a sentence:
    /// what a pronoun subject may stand for.
    pub earlier: Vec<&'s Mention>,
    /// Unnamed actors of the sentences before ("des terroristes"), nearest first, as
    /// written: what "ils" stands for when no entity was named.
    pub earlier_unnamed: Vec<(crate::model::EntityKind, Span)>,
}

fn overlaps(a: Span, b: std::ops::Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

fn text_of(text: &str, span: Span) -> String {
    text[span.start..span.end].to_string()
}

/// Fills `role` from the trigger's arguments.
#[allow(clippy::too_many_arguments)]
pub(super) fn role<'s>(
    s: &Sentence<'s>,
    t: &Trigger<'_, 's>,
    role: Role,
    spec: &RoleSpec,
    ctx: &Context,
    lex: &Lexicon,
    text: &str,
) -> Found<'s> {
    let p = t.parse;
    let relations = if spec.from.is_empty() {
        Relation::defaults(role)
    } else {
        &spec.from
    };
    let actor = matches!(role, Role::Subject | Role::Agent);
    for &relation in relations {
        // A named entity first, among all the arguments of this relation ("Fighters from
        // JNIM attacked" parsed with two subjects), then what the others are as written.
        for a in t.args.iter().filter(|a| a.relation == relation) {
            if let Some(m) = entity(s, p, a, spec, ctx, lex, t.span, actor) {
                let mut out = vec![m];
                if actor {
                    coordinated(s, p, a.head, spec, ctx, lex, t.span, &mut out);
                }
                return Found::Entities(out);
            }
        }
        for a in t.args.iter().filter(|a| a.relation == relation) {
            let mut words = args::phrase(p, a.head, !actor, lex);
            // "the departure of non-emergency U.S. government employees" with the noun
            // chain attached to the verb as a bare oblique: it continues the object.
            if !actor
                && let Some(c) = p.children(t.word).find(|&c| {
                    p.deprel(c) == "obl"
                        && p.subtree(c).start == words.end
                        && !p.children(c).any(|g| p.deprel(g) == "case")
                })
            {
                words.end = p.subtree(c).end;
            }
            let Some(span) = args::span_of(p, words) else {
                continue;
            };
            if span.start < t.span.end && t.span.start < span.end {
                continue;
            }
            let head = p.span(a.head);
            // "It has imposed a blockade on Kayes": a pronoun stands for the first actor of
            // a kind the role takes named in the nearest sentence before.
            if actor
                && relation != Relation::Modifier
                && lex.class_of(&fold(p.form(a.head))).is(WordClass::PRONOUN)
                && let Some(m) = t.earlier.iter().find(|m| {
                    spec.kinds.contains(&m.kind)
                        && !m.modifier
                        && !ctx.taken.iter().any(|x| x.entity == m.entity)
                })
            {
                return Found::Entities(vec![m]);
            }
            if actor
                && spec.unnamed
                && relation != Relation::Modifier
                && lex.class_of(&fold(p.form(a.head))).is(WordClass::PRONOUN)
                && let Some((_, u)) = t
                    .earlier_unnamed
                    .iter()
                    .find(|(k, _)| spec.kinds.contains(k))
            {
                return Found::Literal(text_of(text, *u), *u);
            }
            if actor {
                let unnamed = spec.unnamed
                    && s.unnamed
                        .iter()
                        .any(|u| spec.kinds.contains(&u.kind) && overlaps(u.span, head.clone()));
                // "fighters from Jama'at Nusrat al-Islam wal-Muslimin (JNIM)" however the
                // parser attached "from": unnamed fighters named in their own phrase.
                if unnamed
                    && let Some(m) = s.mentions.iter().find(|m| {
                        overlaps(span, m.span.start..m.span.end)
                            && spec.kinds.contains(&m.kind)
                            && !m.modifier
                            && !ctx.taken.iter().any(|x| x.entity == m.entity)
                    })
                {
                    return Found::Entities(vec![m]);
                }
                // "FAMa and Africa Corps troops" parsed with the names apart from "troops":
                // names right before the unnamed noun, joined by "and" or commas, are it.
                if unnamed {
                    let named = names_before(s, span.start, spec, ctx, lex, text);
                    if !named.is_empty() {
                        return Found::Entities(named);
                    }
                }
                // "the Union of Hauliers said": an organisation the dictionary does not know
                // is still who acts or speaks, kept as written. A bare name counts only
                // where a person may speak: "the Eagles attacked from the opening whistle"
                // is not an armed attack.
                let organisation = role == Role::Subject
                    && relation != Relation::Modifier
                    && ((spec.person && p.upos(a.head) == Upos::Propn)
                        || lex
                            .class_of(&fold(p.form(a.head)))
                            .is(WordClass::ORGANISATION))
                    && !s.mentions.iter().any(|m| overlaps(m.span, head.clone()));
                if unnamed || organisation {
                    return Found::Literal(text_of(text, span), span);
                }
            } else if matches!(
                spec.literal,
                LiteralMode::After | LiteralMode::Before | LiteralMode::Modifier
            ) && !ctx.taken.iter().any(|m| span.contains(m.span))
                // What an event is done to is a thing or people: a noun phrase, not an
                // adjective ("the latest attack") or a pronoun.
                && (matches!(p.upos(a.head), Upos::Noun | Upos::Num)
                    // "plus de 100 camions-citernes", "more than 20 trucks": a quantity
                    // heads the phrase of what it counts.
                    || (matches!(p.upos(a.head), Upos::Adv | Upos::Adj | Upos::Det)
                        && p.children(a.head).any(|c| p.upos(c) == Upos::Noun)))
                // A phrase headed by an entity of a kind the role does not take (a place in
                // "attacks in Diboli") is not the object either.
                && !s.mentions.iter().any(|m| overlaps(m.span, head.clone()))
                && !lex.class_of(&fold(p.form(a.head))).is(WordClass::TIME)
            {
                return Found::Literal(text_of(text, span), span);
            }
        }
    }
    Found::Nothing
}

/// The mentions that end right before `at`, walking back over "and" and commas: "FAMa and
/// Africa Corps" before "troops".
fn names_before<'s>(
    s: &Sentence<'s>,
    mut at: usize,
    spec: &RoleSpec,
    ctx: &Context,
    lex: &Lexicon,
    text: &str,
) -> Vec<&'s Mention> {
    let mut out: Vec<&'s Mention> = Vec::new();
    while let Some(m) = s.mentions.iter().rev().find(|m| m.span.end <= at) {
        let gap = text[m.span.end..at].trim();
        let joins = gap.is_empty()
            || gap == ","
            || lex.class_of(&fold(gap)).is(WordClass::CONJUNCTION)
            || gap
                .strip_prefix(',')
                .is_some_and(|g| lex.class_of(&fold(g.trim())).is(WordClass::CONJUNCTION));
        let fits = spec.kinds.contains(&m.kind)
            && !m.modifier
            && !ctx.taken.iter().any(|t| t.entity == m.entity);
        if !joins || !fits || (gap.is_empty() && !out.is_empty()) {
            break;
        }
        if !out.iter().any(|o| o.entity == m.entity) {
            out.push(m);
        }
        at = m.span.start;
    }
    out
}

/// The entity an argument names, if one of a kind the role takes.
#[allow(clippy::too_many_arguments)]
fn entity<'s>(
    s: &Sentence<'s>,
    p: &Parse,
    a: &Arg,
    spec: &RoleSpec,
    ctx: &Context,
    lex: &Lexicon,
    trigger: Span,
    actor: bool,
) -> Option<&'s Mention> {
    let mut words = Vec::new();
    args::naming_words(p, a.head, lex, &mut words);
    let eligible = |m: &&&Mention| {
        spec.kinds.contains(&m.kind)
            && !overlaps(m.span, trigger.start..trigger.end)
            && !ctx.taken.iter().any(|t| t.entity == m.entity)
            && (!actor || !ctx.avoid.contains(&m.entity))
            // "al-Qaeda-linked militants": a modifier names an affiliation, not the actor,
            // except as the trigger's own modifier ("a JNIM-led blockade").
            && (!m.modifier || (a.relation == Relation::Modifier && overlaps(m.span, p.span(a.head))))
    };
    words.iter().find_map(|&w| {
        s.mentions
            .iter()
            .filter(eligible)
            .find(|m| overlaps(m.span, p.span(w)))
            .copied()
    })
}

/// "FAMa and Africa Corps troops attacked": the entities coordinated with a subject.
#[allow(clippy::too_many_arguments)]
fn coordinated<'s>(
    s: &Sentence<'s>,
    p: &Parse,
    head: usize,
    spec: &RoleSpec,
    ctx: &Context,
    lex: &Lexicon,
    trigger: Span,
    out: &mut Vec<&'s Mention>,
) {
    // "FAMa and Africa Corps troops": the conjunct may hang on a name that qualifies the
    // head as well as on the head.
    let mut words = Vec::new();
    args::naming_words(p, head, lex, &mut words);
    let conjuncts: Vec<usize> = words
        .iter()
        .flat_map(|&w| p.children(w))
        .filter(|&c| p.deprel(c) == "conj")
        .collect();
    for c in conjuncts {
        let a = Arg {
            relation: Relation::Subject,
            head: c,
        };
        if let Some(m) = entity(s, p, &a, spec, ctx, lex, trigger, true)
            && !out.iter().any(|o| o.entity == m.entity)
        {
            out.push(m);
        }
    }
}
