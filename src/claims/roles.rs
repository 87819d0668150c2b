//! The word-order fallback for filling a rule's roles: used for a sentence with no parse, for
//! a role the dependency tree leaves empty (see `fill`), and for roles a rule keeps on word
//! order (`from = ["word_order"]`). Candidates are bounded by clauses and by the kind of
//! words between them and the trigger (function words, an announcing noun), never by a
//! count of words; the words it relies on (determiners, agent markers, clause breaks) come
//! from the lexicon.

use super::Sentence;
use super::segment::{CLAUSE_PUNCT, Token};
use crate::model::{Mention, Span};
use crate::patterns::{Role, RoleSpec, Side, WordClass};
use crate::tag::Unnamed;

impl Sentence<'_> {
    /// Index of the first token starting at or after `offset`.
    pub fn token_at(&self, offset: usize) -> usize {
        self.tokens().partition_point(|t| t.span.start < offset)
    }

    pub(super) fn words_between(&self, from: usize, to: usize) -> usize {
        let (a, b) = (self.token_at(from), self.token_at(to));
        self.tokens()[a..b.max(a)]
            .iter()
            .filter(|t| t.is_word())
            .count()
    }

    /// Whether a clause mark (comma, parenthesis, dash…) lies between two offsets.
    pub(super) fn punct_between(&self, from: usize, to: usize) -> bool {
        let (a, b) = (self.token_at(from), self.token_at(to));
        self.tokens()[a..b.max(a)]
            .iter()
            .any(|t| t.is_punct(CLAUSE_PUNCT))
    }

    /// A relative clause or parenthesis that `at` is not in, and that therefore hides its
    /// entities: in "France, which withdrew from Mali, has advised…", Mali is not who advised.
    pub(super) fn hidden(&self, mention: Span, trigger: Span) -> bool {
        self.parentheticals()
            .iter()
            .any(|(p, _)| p.contains(mention) && !p.contains(trigger))
    }

    /// Like [`Self::hidden`], for relative clauses only: parentheses still locate a claim
    /// ("RN5 (vers la Guinée)").
    pub(super) fn in_relative_clause(&self, mention: Span, trigger: Span) -> bool {
        self.parentheticals()
            .iter()
            .any(|&(p, relative)| relative && p.contains(mention) && !p.contains(trigger))
    }
}

/// Entities a role must not take, and the subject a verb without one inherits.
pub(super) struct Context<'c> {
    /// Entities already taken by another role of this claim.
    pub taken: &'c [&'c Mention],
    /// Objects of earlier claims in the sentence ("…ambushed a FAMa convoy, killing six
    /// soldiers": FAMa did not kill) and affiliates ("JNIM, lié à al-Qaïda, impose…").
    pub avoid: &'c [crate::model::EntityId],
}

impl Sentence<'_> {
    /// Whether only function words and time words lie between two offsets, so that an
    /// entity there heads the phrase after the trigger ("attacked *the* RN1"), unlike
    /// "attacked a bus near Ségou" or "une position des FAMa".
    fn only_function_words(&self, from: usize, to: usize) -> bool {
        let (a, b) = (self.token_at(from), self.token_at(to));
        self.tokens()[a..b.max(a)].iter().all(|t| {
            t.is_word()
                && !t.is(WordClass::LOCATIVE)
                && (t.is(WordClass::EDGE) || t.is(WordClass::DETERMINER) || self.is_time(t))
        })
    }

    /// Like [`Self::only_function_words`], allowing the common noun that announces a name
    /// right before it: "the al-Qaeda-linked *group* JNIM", "le *groupe* Jnim".
    fn only_function_words_or_announcer(&self, from: usize, to: usize) -> bool {
        let (a, b) = (self.token_at(from), self.token_at(to));
        match b.checked_sub(1).map(|i| &self.tokens()[i]) {
            Some(last) if b > a && last.is_word() && !last.capitalized => {
                self.only_function_words(from, last.span.start)
            }
            _ => self.only_function_words(from, to),
        }
    }

    pub(super) fn is_time(&self, t: &Token) -> bool {
        self.times().iter().any(|x| x.span.contains(t.span))
    }

    /// "autorités de transition du Mali": an entity right after a genitive that follows
    /// another entity qualifies that entity.
    fn is_genitive_dependent(&self, m: &Mention) -> bool {
        let i = self.token_at(m.span.start);
        let Some(prev) = i.checked_sub(1).map(|j| &self.tokens()[j]) else {
            return false;
        };
        let Some(before) = i.checked_sub(2).map(|j| &self.tokens()[j]) else {
            return false;
        };
        prev.is(WordClass::GENITIVE)
            && self
                .mentions
                .iter()
                .any(|o| o.span.contains(before.span) && o.entity != m.entity)
    }

    /// Where the clause holding the trigger starts: "…the U.S. advisory, but officials have
    /// acknowledged": a candidate before a clause break belongs to another clause.
    fn clause_start(&self, trigger: Span) -> usize {
        let ti = self.token_at(trigger.start);
        self.tokens()[..ti]
            .iter()
            .rposition(|t| {
                // In "France, which withdrew…", the subject is the antecedent before "which".
                t.is(WordClass::CLAUSE_BREAK)
                    && !t.is(WordClass::RELATIVE_PRONOUN)
                    && !self.hidden(t.span, trigger)
            })
            .map_or(0, |i| self.tokens()[i].span.end)
    }

    /// "The army repelled the attack", "a condamné l'embuscade": the word before the
    /// trigger's phrase says its subject acts against the event, not in it.
    pub(super) fn countered(&self, trigger: Span) -> bool {
        let ti = self.token_at(trigger.start);
        self.tokens()[..ti]
            .iter()
            .rev()
            .find(|t| !(t.is(WordClass::DETERMINER) || t.is(WordClass::EDGE) || !t.is_word()))
            .is_some_and(|t| t.is(WordClass::COUNTER))
    }

    /// Whether only a genitive (and determiners) joins the trigger to `span` after it:
    /// "attaque *du* JNIM", "attack *of the* militants".
    fn genitive_of(&self, trigger: Span, span: Span) -> bool {
        let (a, b) = (self.token_at(trigger.end), self.token_at(span.start));
        let between = &self.tokens()[a..b.max(a)];
        between.iter().any(|t| t.is(WordClass::GENITIVE))
            && between
                .iter()
                .all(|t| t.is(WordClass::GENITIVE) || t.is(WordClass::DETERMINER))
    }

    /// "a indiqué *à l'*AFP", "told *to*": the entity is who is spoken to.
    fn addressed(&self, span: Span) -> bool {
        let i = self.token_at(span.start);
        self.tokens()[..i]
            .iter()
            .rev()
            .find(|t| !t.is(WordClass::DETERMINER) && t.is_word())
            .is_some_and(|t| t.is(WordClass::RECIPIENT))
    }

    /// A passive's agent marker ("by", "par") within five words after the trigger, in its
    /// clause.
    fn agent_marker(&self, trigger: Span) -> Option<Span> {
        let start = self.token_at(trigger.end);
        self.tokens()[start..]
            .iter()
            .take_while(|t| !t.is_punct(CLAUSE_PUNCT))
            .filter(|t| t.is_word())
            .take(5)
            .find(|t| t.is(WordClass::AGENT_MARKER))
            .map(|t| t.span)
    }

    pub(super) fn after_locative(&self, m: &Mention) -> bool {
        let i = self.token_at(m.span.start);
        self.tokens()[..i]
            .iter()
            .rev()
            .take(2)
            .any(|t| t.is(WordClass::LOCATIVE))
    }
}

/// Picks the entity for one role, or all of them for an `all` role. A subject comes with
/// the subjects coordinated with it ("FAMa and Africa Corps troops attacked").
pub(super) fn entities<'s>(
    s: &Sentence<'s>,
    role: Role,
    spec: &RoleSpec,
    trigger: Span,
    ctx: &Context,
) -> Vec<&'s Mention> {
    let eligible = |m: &&&Mention| {
        spec.kinds.contains(&m.kind)
            && (m.span.end <= trigger.start || m.span.start >= trigger.end)
            && !ctx.taken.iter().any(|t| t.entity == m.entity)
            // "a JNIM-led blockade" names its actor; "a blockade by al-Qaeda-linked
            // militants" does not.
            && (!m.modifier
                || (m.span.end <= trigger.start && s.words_between(m.span.end, trigger.start) == 0))
            && (spec.all || !s.hidden(m.span, trigger))
    };
    let candidates: Vec<&'s Mention> = s.mentions.iter().filter(eligible).copied().collect();
    if spec.all {
        let mut seen: Vec<&Mention> = Vec::new();
        for m in candidates {
            if !seen.iter().any(|x| x.entity == m.entity) {
                seen.push(m);
            }
        }
        return seen;
    }
    if role == Role::Subject {
        return subjects(s, spec, trigger, ctx, &candidates);
    }
    let after = candidates
        .iter()
        .find(|m| m.span.start >= trigger.end)
        .filter(|m| s.only_function_words(trigger.end, m.span.start) && !s.after_locative(m))
        .copied();
    let before = || {
        candidates
            .iter()
            .rev()
            .find(|m| m.span.end <= trigger.start)
            // "al-Qaeda-linked": nothing but a hyphen, or only function words, between.
            .filter(|m| {
                s.words_between(m.span.end, trigger.start) == 0
                    || s.only_function_words(m.span.end, trigger.start)
            })
            .copied()
    };
    let picked = match spec.side {
        Side::After => after,
        Side::Before => before(),
        Side::Either => after.or_else(before),
    };
    picked.into_iter().collect()
}

/// "…, a précisé mercredi le ministère", "…,” said OCHA": after a comma or a quote (and
/// auxiliaries), the verb's subject follows it.
pub(super) fn is_inverted(s: &Sentence, trigger: Span) -> bool {
    let ti = s.token_at(trigger.start);
    let before_verb = s.tokens()[..ti]
        .iter()
        .rposition(|t| !t.is(WordClass::AUXILIARY));
    before_verb.is_some_and(|i| s.tokens()[i].is_punct(&[',', '"', '”', '»']))
}

fn subjects<'s>(
    s: &Sentence<'s>,
    spec: &RoleSpec,
    trigger: Span,
    ctx: &Context,
    candidates: &[&'s Mention],
) -> Vec<&'s Mention> {
    let candidates: Vec<&'s Mention> = candidates
        .iter()
        .filter(|m| !ctx.avoid.contains(&m.entity) && !s.is_genitive_dependent(m))
        .copied()
        .collect();
    let clause_start = s.clause_start(trigger);
    let before = || {
        candidates
            .iter()
            .rev()
            .find(|m| m.span.end <= trigger.start && m.span.start >= clause_start)
            .copied()
    };
    let after = || {
        candidates
            .iter()
            .find(|m| {
                m.span.start >= trigger.end
                    && s.only_function_words_or_announcer(trigger.end, m.span.start)
                    && !s.addressed(m.span)
            })
            .copied()
    };
    // Only speech verbs invert; "…, killing six soldiers" shares the main subject.
    let inverted = spec.person && is_inverted(s, trigger);
    // "repoussé une attaque du JNIM": a countered event names its actor only after it.
    let of_trigger = || {
        candidates
            .iter()
            .find(|m| m.span.start >= trigger.end && s.genitive_of(trigger, m.span))
            .copied()
    };
    let countered = s.countered(trigger);
    let picked = passive_agent(s, trigger, &candidates).or_else(|| match spec.side {
        _ if countered => of_trigger(),
        Side::Before => before(),
        Side::After => after(),
        // \u{2026}and when the words there name no known entity, nothing before stands in.
        Side::Either if inverted => after(),
        // "Witnesses said the attackers…": who speaks comes first unless the verb inverts.
        Side::Either if spec.person => before(),
        Side::Either => before().or_else(after),
    });
    let Some(first) = picked else {
        return Vec::new();
    };
    let mut out = vec![first];
    // Walk back over "X and Y", "X, Y and Z".
    let mut head = first;
    while let Some(prev) = candidates
        .iter()
        .rev()
        .find(|m| m.span.end <= head.span.start)
    {
        let (a, b) = (s.token_at(prev.span.end), s.token_at(head.span.start));
        let between = &s.tokens()[a..b];
        let coordinated = between.len() == 1
            && (between[0].is(WordClass::CONJUNCTION) || between[0].is_punct(&[',']));
        if !coordinated || out.iter().any(|o| o.entity == prev.entity) {
            break;
        }
        out.push(prev);
        head = prev;
    }
    out
}

/// "a blockade launched in September by fighters from JNIM": an agent marker shortly after
/// the trigger, then a candidate shortly after the marker.
fn passive_agent<'s>(
    s: &Sentence<'s>,
    trigger: Span,
    candidates: &[&'s Mention],
) -> Option<&'s Mention> {
    let marker = s.agent_marker(trigger)?;
    candidates
        .iter()
        .find(|m| m.span.start >= marker.end && s.words_between(marker.end, m.span.start) <= 4)
        .copied()
}

/// An actor named only by what it is ("gunmen", "des hommes armés") where the subject
/// goes: after a passive agent marker, else before the trigger in its clause. Kept as
/// written, with the modifier naming whom they follow ("al-Qaeda-linked militants").
pub(super) fn unnamed_subject(
    s: &Sentence,
    spec: &RoleSpec,
    trigger: Span,
    text: &str,
) -> Option<(String, Span)> {
    let fits = |u: &&&Unnamed| spec.kinds.contains(&u.kind) && !s.hidden(u.span, trigger);
    let clause_start = s.clause_start(trigger);
    let passive = s.agent_marker(trigger).and_then(|marker| {
        s.unnamed
            .iter()
            .filter(fits)
            .find(|u| u.span.start >= marker.end && s.words_between(marker.end, u.span.start) <= 4)
    });
    let u = passive.or_else(|| {
        if s.countered(trigger) {
            return None;
        }
        s.unnamed
            .iter()
            .rev()
            .filter(fits)
            .find(|u| u.span.end <= trigger.start && u.span.start >= clause_start)
    })?;
    let start = s
        .mentions
        .iter()
        .filter(|m| m.modifier && m.span.end <= u.span.start)
        .find(|m| {
            let gap = &text[m.span.end..u.span.start];
            gap.starts_with('-') && gap.split_whitespace().count() == 1
        })
        .map_or(u.span.start, |m| m.span.start);
    let span = Span::new(start, u.span.end);
    Some((text[span.start..span.end].to_string(), span))
}

fn text_of(text: &str, tokens: &[Token]) -> Option<(String, Span)> {
    let (first, last) = (tokens.first()?, tokens.last()?);
    let span = Span::new(first.span.start, last.span.end);
    Some((text[span.start..span.end].to_string(), span))
}

/// Trims edge words, time words and stray punctuation from both ends, and determiners from
/// the end ("a appelé *mardi* ses ressortissants", "lors de *cette*").
fn trim<'t>(s: &Sentence, mut tokens: &'t [Token]) -> &'t [Token] {
    let edge = |t: &Token| !t.is_word() || t.is(WordClass::EDGE) || s.is_time(t);
    while tokens.first().is_some_and(edge) {
        tokens = &tokens[1..];
    }
    let tail =
        |t: &Token| (edge(t) || t.is(WordClass::DETERMINER)) && !t.is_punct(&['"', '”', '’', '»']);
    while tokens.last().is_some_and(tail) {
        tokens = &tokens[..tokens.len() - 1];
    }
    tokens
}

/// After a comma, is this a list that goes on ("schools, universities, and …")?
fn list_continues(tokens: &[Token]) -> bool {
    tokens
        .iter()
        .take(10)
        .take_while(|t| t.is_word() || t.is_punct(&[',']))
        .any(|t| t.is(WordClass::CONJUNCTION))
}

/// The phrase after `from`, to the end of its clause.
pub(super) fn after(
    s: &Sentence,
    from: usize,
    text: &str,
    triggers: &[Span],
    taken: &[&Mention],
) -> Option<(String, Span)> {
    let mut i = s.token_at(from);
    // "killing or abducting drivers": the object of both verbs follows the second one.
    while let (Some(c), Some(n)) = (s.tokens().get(i), s.tokens().get(i + 1)) {
        if !c.is(WordClass::CONJUNCTION) {
            break;
        }
        match triggers.iter().find(|t| t.start == n.span.start) {
            Some(t) => i = s.token_at(t.end),
            None => break,
        }
    }
    let start = i;
    while let Some(t) = s.tokens().get(i) {
        if t.is_punct(&[',']) && list_continues(&s.tokens()[i + 1..]) {
            i += 1;
            continue;
        }
        // "U.S." is one word, not the end of a clause.
        let initial = t.is_punct(&['.'])
            && i > 0
            && s.tokens()[i - 1].span.end == t.span.start
            && s.tokens()[i - 1].folded.chars().count() == 1;
        let breaks = (t.is_punct(CLAUSE_PUNCT) && !initial)
            || (i > start && (t.is(WordClass::CLAUSE_BREAK) || t.is(WordClass::LOCATIVE)))
            // Another trigger ends the phrase, unless a determiner makes it a noun of the
            // phrase ("appelé à la libération des otages").
            || (i > start
                && triggers.iter().any(|g| g.start == t.span.start)
                && !s.tokens()[i - 1].is(WordClass::DETERMINER))
            || taken.iter().any(|m| m.span.contains(t.span));
        if breaks {
            break;
        }
        i += 1;
    }
    text_of(text, trim(s, &s.tokens()[start..i]))
}

/// The phrase before a passive trigger, back to the start of its clause: "*Schools in the
/// region* were closed", "*Les écoles de la région* restent fermées".
pub(super) fn before(s: &Sentence, trigger: Span, text: &str) -> Option<(String, Span)> {
    let ti = s.token_at(trigger.start);
    let start = s.tokens()[..ti]
        .iter()
        .rposition(|t| t.is_punct(CLAUSE_PUNCT) || t.is(WordClass::CLAUSE_BREAK))
        .map_or(0, |i| i + 1);
    let mut tokens = trim(s, &s.tokens()[start..ti]);
    // "Schools have been closed": the auxiliaries belong to the verb.
    while tokens.last().is_some_and(|t| t.is(WordClass::AUXILIARY)) {
        tokens = trim(s, &tokens[..tokens.len() - 1]);
    }
    text_of(text, tokens)
}

/// The word just before the trigger, when it is a plain word: "*fuel* blockade".
pub(super) fn modifier(s: &Sentence, trigger: Span, text: &str) -> Option<(String, Span)> {
    let i = s.token_at(trigger.start).checked_sub(1)?;
    let t = &s.tokens()[i];
    let plain = t.is_word()
        && t.folded.chars().count() > 1
        && !t.capitalized
        && !t.is(WordClass::EDGE)
        && !t.is(WordClass::DETERMINER)
        && !t.is(WordClass::QUALIFIER)
        && !s.mentions.iter().any(|m| m.span.contains(t.span));
    plain.then(|| (text[t.span.start..t.span.end].to_string(), t.span))
}

/// The words between the trigger and a required cue: "called on *American citizens* to leave".
pub(super) fn between(
    s: &Sentence,
    trigger: Span,
    until: Span,
    text: &str,
) -> Option<(String, Span)> {
    let tokens = &s.tokens()[s.token_at(trigger.end)..s.token_at(until.start)];
    if s.punct_between(trigger.end, until.start) {
        return None;
    }
    let mut tokens = trim(s, tokens);
    // "advised its nationals to exercise caution": stop at the infinitive marker.
    if let Some(cut) = tokens.iter().rposition(|t| t.is(WordClass::EDGE))
        && tokens[cut..].iter().filter(|t| t.is_word()).count() <= 3
    {
        tokens = trim(s, &tokens[..cut]);
    }
    text_of(text, tokens)
}

/// A quotation in the sentence that does not contain the trigger.
pub(super) fn quotation(s: &Sentence, trigger: Span, text: &str) -> Option<(String, Span)> {
    let body = &text[s.span.start..s.span.end];
    let pairs = [('“', '”'), ('«', '»'), ('"', '"'), ('‘', '’')];
    for (open, close) in pairs {
        let Some(o) = body.find(open) else { continue };
        let inner_start = o + open.len_utf8();
        let Some(c) = body[inner_start..].find(close) else {
            continue;
        };
        let span = Span::new(s.span.start + inner_start, s.span.start + inner_start + c);
        // A quoted word or two ("avoir « neutralisé » des terroristes") marks a term, not
        // a statement.
        if span.contains(trigger) || text[span.start..span.end].split_whitespace().count() < 3 {
            continue;
        }
        let quoted = text[span.start..span.end]
            .trim()
            .trim_end_matches([',', ' ']);
        return Some((quoted.to_string(), span));
    }
    None
}

/// Reported speech: the quotation; else what comes before an inverted verb ("Douze
/// camions ont été incendiés, a indiqué une source"); else the rest of the sentence after
/// the trigger.
pub(super) fn speech(
    s: &Sentence,
    trigger: Span,
    text: &str,
    inverted: bool,
) -> Option<(String, Span)> {
    if let Some(q) = quotation(s, trigger, text) {
        return Some(q);
    }
    let tokens = if inverted {
        // A whole clause: only its punctuation is trimmed.
        let ti = s.token_at(trigger.start);
        let comma = s.tokens()[..ti].iter().rposition(|t| t.is_punct(&[',']))?;
        let clause = &s.tokens()[..comma];
        let first = clause.iter().position(Token::is_word)?;
        let last = clause.iter().rposition(Token::is_word)?;
        &clause[first..=last]
    } else {
        trim(s, &s.tokens()[s.token_at(trigger.end)..])
    };
    text_of(text, tokens)
}
