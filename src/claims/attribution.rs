//! Who says so: named speakers next to speech verbs, and sources cited with "according to".

use super::Sentence;
use super::segment::{CLAUSE_PUNCT, Token};
use crate::model::{Attribution, EntityKind, Span};
use crate::patterns::{CueRole, PatternSet, WordClass};

/// A person speaking: "said OCHA regional coordinator Jean-Luc Martin".
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Person {
    pub name: String,
    pub role: Option<String>,
    pub attribution: Attribution,
}

impl Person {
    /// Whether the person speaks for a known entity ("OCHA regional coordinator").
    pub fn affiliated(&self) -> bool {
        matches!(
            &self.attribution,
            Attribution::Speaker {
                entity: Some(_),
                ..
            }
        )
    }
}

/// How many words may separate "according to" from the source it names.
const SOURCE_GAP: usize = 6;

fn is_name_part(t: &Token, s: &Sentence) -> bool {
    let in_mention = s.mentions.iter().any(|m| m.span.contains(t.span));
    t.is_word()
        && t.capitalized
        && !in_mention
        && !t.is(WordClass::DETERMINER)
        && !t.is(WordClass::EDGE)
}

/// The longest run of capitalized words ending at token `end` (exclusive), hyphens and
/// initials allowed inside: ("Jean-Luc Martin").
fn name_run(s: &Sentence, end: usize) -> Option<(usize, usize)> {
    let mut start = end;
    let mut words = 0;
    while start > 0 {
        let t = &s.tokens()[start - 1];
        if is_name_part(t, s) {
            words += 1;
        } else if !(t.is_punct(&['-', '.'])
            && start >= 2
            && is_name_part(&s.tokens()[start - 2], s))
        {
            break;
        }
        start -= 1;
    }
    (words >= 2).then_some((start, end))
}

fn span_text(text: &str, tokens: &[Token]) -> Option<(String, Span)> {
    let span = Span::new(tokens.first()?.span.start, tokens.last()?.span.end);
    Some((text[span.start..span.end].trim().to_string(), span))
}

fn trim_edges(mut tokens: &[Token]) -> &[Token] {
    while tokens
        .first()
        .is_some_and(|t| !t.is_word() || t.is(WordClass::EDGE) || t.is(WordClass::DETERMINER))
    {
        tokens = &tokens[1..];
    }
    while tokens.last().is_some_and(|t| !t.is_word()) {
        tokens = &tokens[..tokens.len() - 1];
    }
    tokens
}

/// A named person next to a speech trigger, with the role words between them.
pub(super) fn person(s: &Sentence, trigger: Span, text: &str) -> Option<Person> {
    let after = s.token_at(trigger.end);
    let clause_end = s.tokens()[after..]
        .iter()
        .position(|t| t.is_punct(CLAUSE_PUNCT) && !t.is_punct(&['-']))
        .map_or(s.tokens().len(), |p| after + p);
    // "…,” said OCHA regional coordinator Jean-Luc Martin."
    let found = name_run(s, clause_end)
        .filter(|&(start, _)| start >= after)
        .map(|(start, end)| (start, end, &s.tokens()[after..start]))
        .or_else(|| {
            // "Jean-Luc Martin, OCHA's coordinator, said" or "Jean-Luc Martin said".
            let before = s.token_at(trigger.start);
            let comma = before
                .checked_sub(1)
                .filter(|&i| s.tokens()[i].is_punct(&[',']));
            match comma {
                Some(c) => {
                    let open = s.tokens()[..c].iter().rposition(|t| t.is_punct(&[',']))?;
                    name_run(s, open).map(|(a, b)| (a, b, &s.tokens()[open + 1..c]))
                }
                None => name_run(s, before).map(|(a, b)| (a, b, &s.tokens()[..0])),
            }
        })?;
    let (start, end, mut role_tokens) = found;
    let (name, _) = span_text(text, &s.tokens()[start..end])?;
    // "…, a déclaré le général Issa Konaté, porte-parole du gouvernement.": a lowercase
    // apposition after the name is the role.
    if s.tokens().get(end).is_some_and(|t| t.is_punct(&[',']))
        && s.tokens()
            .get(end + 1)
            .is_some_and(|t| t.is_word() && !t.capitalized)
    {
        let stop = s.tokens()[end + 1..]
            .iter()
            .position(|t| t.is_punct(CLAUSE_PUNCT) && !t.is_punct(&['-']))
            .map_or(s.tokens().len(), |p| end + 1 + p);
        if stop - end <= 12 {
            role_tokens = &s.tokens()[end + 1..stop];
        }
    }
    let role_tokens = trim_edges(role_tokens);
    let role = span_text(text, role_tokens)
        .map(|(r, _)| r)
        .filter(|r| !r.is_empty());
    let entity = role_tokens
        .first()
        .zip(role_tokens.last())
        .and_then(|(a, b)| {
            let role_span = Span::new(a.span.start, b.span.end);
            s.mentions
                .iter()
                .find(|m| role_span.contains(m.span) && !m.kind.is_place())
        })
        .map(|m| m.entity.clone());
    Some(Person {
        name: name.clone(),
        role: role.clone(),
        attribution: Attribution::Speaker {
            name: Some(name),
            role,
            entity,
        },
    })
}

/// "According to a map released by Rerum Novarum": the cited entity and document.
pub(super) fn cited_source(s: &Sentence, patterns: &PatternSet, text: &str) -> Option<Attribution> {
    let cue = s
        .cues
        .iter()
        .find(|c| patterns.cue(c.cue).role == CueRole::Attribution)?;
    let source = s.mentions.iter().find(|m| {
        m.span.start >= cue.span.end
            && !m.kind.is_place()
            && !matches!(m.kind, EntityKind::Road | EntityKind::Facility)
            && s.words_between(cue.span.end, m.span.start) <= SOURCE_GAP
    })?;
    let document = s
        .cues
        .iter()
        .find(|c| {
            patterns.cue(c.cue).role == CueRole::Document
                && c.span.start >= cue.span.end
                && c.span.end <= source.span.start
        })
        .map(|c| text[c.span.start..c.span.end].to_string());
    Some(Attribution::Source {
        entity: source.entity.clone(),
        document,
    })
}
