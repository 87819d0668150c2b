//! What the engine adds to every claim once its roles are filled: where (the places of its
//! sentence, else the country the article is about), how sure (negations, hedges and
//! exemptions) and when (the sentence's time, the lede's, else the publication date).

use super::segment::{SegmentKind, Token};
use super::time::TimeExpr;
use super::{Engine, Filled, MODALITY_WINDOW, Sentence, time};
use crate::model::{
    Arg, Claim, EntityId, EntityKind, Mention, Modality, Precision, Span, TimeRef, TimeSource,
};
use crate::patterns::{CueRole, PatternSet, Role, Rule, WordClass};

/// The country an article is about, for claims that name no place: the dateline's when
/// the body names that country, or names none; else the one the body names most, counting
/// its places ("DAKAR, Senegal (Reuters) — Mali's junta…" is about Mali).
pub(super) fn article_country(sentences: &[Sentence], patterns: &PatternSet) -> Option<EntityId> {
    let dateline = sentences
        .iter()
        .filter(|s| s.kind == SegmentKind::Dateline)
        .flat_map(|s| s.mentions.iter())
        .find_map(|m| patterns.country_of(&m.entity));
    let mut counts: Vec<(EntityId, usize)> = Vec::new();
    let body = sentences.iter().filter(|s| s.kind != SegmentKind::Dateline);
    for m in body.flat_map(|s| s.mentions.iter()) {
        if !m.kind.is_place() {
            continue;
        }
        let Some(country) = patterns.country_of(&m.entity) else {
            continue;
        };
        match counts.iter_mut().find(|(c, _)| *c == country) {
            Some((_, n)) => *n += 1,
            None => counts.push((country, 1)),
        }
    }
    if counts.is_empty()
        || dateline
            .as_ref()
            .is_some_and(|d| counts.iter().any(|(c, _)| c == d))
    {
        return dateline;
    }
    // The first named wins a tie: `max_by_key` keeps the last maximum, so walk backwards.
    counts
        .into_iter()
        .rev()
        .max_by_key(|(_, n)| *n)
        .map(|(c, _)| c)
}

impl Engine<'_> {
    pub(super) fn places(
        &self,
        index: usize,
        rule: &Rule,
        trigger: Span,
        f: &Filled,
    ) -> (Vec<EntityId>, bool) {
        let s = &self.sentences[index];
        // "…urged their nationals to leave Mali, following similar advice from the United
        // States": where countries may act, one named past the trigger's clause is another
        // actor, not a place.
        let countries_act = rule
            .role(Role::Subject)
            .is_some_and(|r| r.kinds.contains(&EntityKind::Country));
        let another_actor = |own: bool, m: &Mention| {
            own && countries_act
                && m.kind == EntityKind::Country
                && m.span.start >= trigger.end
                && s.punct_between(trigger.end, m.span.start)
                && !s.after_locative(m)
        };
        let mut places: Vec<EntityId> = Vec::new();
        if let Some(Arg::Entity(id)) = &f.object
            && self.patterns.entity(id).is_some_and(|e| e.kind.is_place())
        {
            places.push(id.clone());
        }
        let from = |s: &Sentence, own: bool, places: &mut Vec<EntityId>| {
            for m in &s.mentions {
                let used = f.used.iter().any(|u| u.entity == m.entity)
                    && f.object.as_ref().and_then(Arg::entity) != Some(&m.entity);
                if m.kind.is_place()
                    && !used
                    && !another_actor(own, m)
                    && !s.in_relative_clause(m.span, trigger)
                    && !places.contains(&m.entity)
                {
                    places.push(m.entity.clone());
                }
            }
        };
        from(s, true, &mut places);
        // "routes into Bamako: - RN6 (vers Ségou) …": the lead-in's places hold for each item.
        if let Some(lead) = s.lead_in {
            from(&self.sentences[lead], false, &mut places);
        }
        if places.is_empty()
            && let Some(country) = &self.article_country
        {
            return (vec![country.clone()], true);
        }
        (places, false)
    }

    /// The exemption cue ("unaffected by", "épargné par") just before the trigger, if any.
    pub(super) fn exemption(&self, s: &Sentence, trigger: Span) -> Option<Span> {
        s.cues
            .iter()
            .find(|c| {
                self.patterns.cue(c.cue).role == CueRole::Exemption
                    && c.span.end <= trigger.start
                    && s.words_between(c.span.end, trigger.start) <= 3
            })
            .map(|c| c.span)
    }

    /// The entity an exemption is about: the nearest one before the cue that the rule's
    /// object could be, other than the subject.
    pub(super) fn exempted<'s>(
        &self,
        s: &'s Sentence,
        rule: &Rule,
        cue: Span,
        f: &Filled,
    ) -> Option<&'s Mention> {
        let kinds = &rule.role(Role::Object)?.kinds;
        let subject = f.subject.as_ref().and_then(Arg::entity);
        s.mentions
            .iter()
            .rev()
            .filter(|m| m.span.end <= cue.start)
            .find(|m| kinds.contains(&m.kind) && Some(&m.entity) != subject)
            .copied()
    }

    pub(super) fn modality(&self, s: &Sentence, trigger: Span, object: Option<Span>) -> Modality {
        let at = s.token_at(trigger.start);
        let window: Vec<&Token> = s.tokens()[..at]
            .iter()
            .rev()
            .take_while(|t| !t.is_punct(&[';', '.', '(', ')']))
            .filter(|t| t.is_word())
            .take(MODALITY_WINDOW)
            .collect();
        // A negation holds for the trigger only if no other content word stands between
        // them: "n'a pas fermé", "denied that JNIM had taken", not "n'a pas revendiqué
        // l'attaque".
        let negated = window.iter().enumerate().any(|(i, t)| {
            t.is(WordClass::NEGATION)
                && window[..i].iter().all(|w| {
                    w.is(WordClass::EDGE)
                        || w.is(WordClass::DETERMINER)
                        || w.is(WordClass::AUXILIARY)
                        || w.is(WordClass::NEGATION)
                        || s.mentions.iter().any(|m| m.span.contains(w.span))
                })
        });
        if negated {
            return Modality::Negated;
        }
        let in_object = object.is_some_and(|o| {
            s.tokens()
                .iter()
                .any(|t| o.contains(t.span) && t.is(WordClass::HEDGE) && !t.capitalized)
        });
        if in_object
            || window
                .iter()
                .any(|t| t.is(WordClass::HEDGE) && !t.capitalized)
        {
            Modality::Possible
        } else {
            Modality::Asserted
        }
    }

    pub(super) fn time_ref(&self, expr: &TimeExpr, source: TimeSource) -> TimeRef {
        let (value, precision) = time::resolve(expr, self.published);
        TimeRef {
            text: Some(self.text[expr.span.start..expr.span.end].to_string()),
            span: Some(expr.span),
            value,
            precision,
            source,
        }
    }

    /// The time expression of the trigger's clause ([`time::of_trigger`]), outside
    /// parentheses and relative clauses that do not hold the trigger.
    pub(super) fn stated_time(&self, s: &Sentence, trigger: Span) -> Option<TimeRef> {
        let tokens = s.tokens();
        let range = time::token_range(tokens, trigger);
        time::of_trigger(tokens, &self.patterns.lexicon, s.times(), range, |t| {
            !s.hidden(t.span, trigger)
        })
        .map(|t| self.time_ref(t, TimeSource::Stated))
    }

    /// A claim with no stated time in the lede (the first sentence of the article) takes
    /// one from the next sentence when that sentence is about the same subject — news puts
    /// the when in the second paragraph: "The U.S. Embassy has called on citizens to leave…
    /// In a statement issued Tuesday, the embassy…". Any other claim without a stated time
    /// is reported as of the publication date.
    pub(super) fn propagate_times(&self, claims: &mut [Claim]) {
        let body = |s: &&Sentence| matches!(s.kind, SegmentKind::Sentence | SegmentKind::ListItem);
        let mut body_sentences = self.sentences.iter().filter(body);
        let (lede, second) = (body_sentences.next(), body_sentences.next());
        for c in claims.iter_mut().filter(|c| c.time.is_none()) {
            let subject = c.subject.as_ref().and_then(Arg::entity);
            let in_lede = lede.is_some_and(|l| l.span == c.evidence.sentence);
            let same_subject = |s: &&Sentence| {
                subject.is_some_and(|id| s.mentions.iter().any(|m| &m.entity == id))
            };
            c.time = second
                .filter(|s| in_lede && same_subject(s))
                .and_then(|s| {
                    s.times()
                        .first()
                        .map(|t| self.time_ref(t, TimeSource::Context))
                })
                .or_else(|| {
                    self.published.map(|p| TimeRef {
                        text: None,
                        span: None,
                        value: Some(p.to_string()),
                        precision: Precision::Day,
                        source: TimeSource::Publication,
                    })
                });
        }
    }
}
