//! What the engine knows about a whole article: its principal actors, whether it is about
//! the conflict at all, the sentences around a claim, and the rules' article-wide flags.

use super::Engine;
use super::segment::SegmentKind;
use crate::model::{Arg, EntityId, EntityKind, Mention, RuleId, Span};
use crate::patterns::{CueRole, Role, RoleSpec, Rule};
use crate::tag::CueHit;

impl<'a> Engine<'a> {
    /// The entity of one of `kinds` the article names most, outside modifiers, if it is
    /// named at least twice and more often than any other of those kinds.
    pub(super) fn principal(&self, kinds: &[EntityKind]) -> Option<EntityId> {
        let salience = self.salience.get_or_init(|| {
            let mut counts: Vec<(EntityId, EntityKind, usize)> = Vec::new();
            for m in self
                .sentences
                .iter()
                .filter(|s| s.kind != SegmentKind::Dateline)
                .flat_map(|s| s.mentions.iter())
                .filter(|m| !m.modifier)
            {
                match counts.iter_mut().find(|(e, _, _)| *e == m.entity) {
                    Some(c) => c.2 += 1,
                    None => counts.push((m.entity.clone(), m.kind, 1)),
                }
            }
            counts.sort_by_key(|c| std::cmp::Reverse(c.2));
            counts
        });
        let mut of_kind = salience.iter().filter(|(_, k, _)| kinds.contains(k));
        let (first, _, n) = of_kind.next()?;
        let runner_up = of_kind.next().map_or(0, |c| c.2);
        (*n >= 2 && *n > runner_up).then(|| first.clone())
    }

    /// The two sentences before `span`, nearest first: where a pronoun's referent is.
    fn before(&self, span: Span) -> impl Iterator<Item = &super::Sentence<'a>> {
        let i = self
            .sentences
            .partition_point(|x| x.span.start < span.start);
        self.sentences[..i]
            .iter()
            .rev()
            .filter(|x| x.kind != SegmentKind::Dateline)
            .take(2)
    }

    /// The mentions of the two sentences before `span`, nearest sentence first.
    pub(super) fn earlier_mentions(&self, span: Span) -> Vec<&'a Mention> {
        self.before(span)
            .flat_map(|x| x.mentions.iter().copied())
            .collect()
    }

    /// Whether the article names an actor, or an event that is not speech.
    pub(super) fn on_topic(&self) -> bool {
        *self.on_topic.get_or_init(|| {
            let event = |c: &&CueHit| {
                self.patterns.cue(c.cue).role == CueRole::Event
                    && self.patterns.rules.iter().any(|r| {
                        r.triggers.contains(&c.cue)
                            && !r.role(Role::Subject).is_some_and(|x| x.person)
                    })
            };
            self.sentences
                .iter()
                .any(|s| s.mentions.iter().any(|m| !m.kind.is_place()) || s.cues.iter().any(event))
        })
    }

    /// The rule a claim came from.
    fn rule(&self, id: &RuleId) -> Option<&Rule> {
        self.patterns.rules.iter().find(|r| &r.id == id)
    }

    pub(super) fn when_alone(&self, rule: &RuleId) -> bool {
        self.rule(rule).is_some_and(|r| r.when_alone)
    }

    /// Whether a rule's subject may be a quoted person.
    pub(super) fn speaks(&self, rule: &RuleId) -> bool {
        self.rule(rule)
            .and_then(|r| r.role(Role::Subject))
            .is_some_and(|spec| spec.person)
    }

    /// Whether a verb may share an earlier verb's subject: an entity of a kind the role
    /// takes, or unnamed actors ("gunmen ambushed a convoy, killing three drivers"), which
    /// only actor roles take.
    pub(super) fn may_inherit(&self, subject: &Arg, spec: &RoleSpec) -> bool {
        match subject {
            Arg::Entity(id) => self
                .patterns
                .entity(id)
                .is_some_and(|e| spec.kinds.contains(&e.kind)),
            // Only roles that take unnamed actors take them from another verb.
            Arg::Literal(_) => !spec.person && spec.unnamed,
        }
    }

    /// The government entity that governs a country (`governs` in actors.toml).
    pub(super) fn government_of(&self, country: &EntityId) -> Option<EntityId> {
        self.patterns
            .entities
            .iter()
            .find(|e| e.governs.as_ref() == Some(country))
            .map(|e| e.id.clone())
    }

    /// The unnamed actors of the two sentences before `span`, nearest sentence first.
    pub(super) fn earlier_unnamed(&self, span: Span) -> Vec<(EntityKind, Span)> {
        self.before(span)
            .flat_map(|x| x.unnamed.iter().map(|u| (u.kind, u.span)))
            .collect()
    }

    /// Whether the article is about the conflict: it names an armed group or a state force
    /// outside modifiers, or an armed actor it does not identify ("gunmen").
    pub(super) fn about_conflict(&self) -> bool {
        *self.about_conflict.get_or_init(|| {
            self.sentences.iter().any(|s| {
                s.mentions.iter().any(|m| {
                    !m.modifier && matches!(m.kind, EntityKind::ArmedGroup | EntityKind::StateForce)
                }) || s
                    .unnamed
                    .iter()
                    .any(|u| matches!(u.kind, EntityKind::ArmedGroup | EntityKind::StateForce))
            })
        })
    }
}
