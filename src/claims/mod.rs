//! Claims: turns tagged text into structured, sourced statements.
//!
//! The rules are data (`patterns/rules.toml`); this module is their interpreter. For every
//! sentence (or list item, read with its lead-in), every event cue fires the rules that name
//! it; each rule fills its roles from the entities of the sentence (`roles`), and the engine
//! adds what every claim carries (`context`): places, a time resolved against the publication date
//! ([`time`]), a modality from negations, hedges and exemptions, an attribution
//! (`attribution`) and the evidence span. Pure: the same document and tags always give the
//! same claims.

mod args;
mod article;
mod attribution;
mod context;
mod fill;
use context::article_country;
mod roles;
pub mod segment;
mod sentence_parts;
use sentence_parts::{dedupe, parentheticals, within};
pub mod time;

use std::cell::OnceCell;

use chrono::NaiveDate;

use crate::model::{
    Arg, Attribution, Claim, Document, EntityId, Evidence, Mention, Modality, Predicate, Span,
};
use crate::patterns::{CueRole, Lexicon, LiteralMode, PatternSet, Relation, Role, Rule, Side};
use crate::syntax::{Model, Parse};
use crate::tag::{CueHit, Tags, Unnamed};
use segment::{Segment, SegmentKind, Token};
use time::TimeExpr;

/// Words looked back from a trigger for a negation or a hedge.
const MODALITY_WINDOW: usize = 6;
/// Longer "sentences" (a text with no terminators, a table flattened to one line) are not
/// parsed: their roles come from the word-order fallback ([`roles`]).
const MAX_PARSED_BYTES: usize = 4_000;

/// One unit claims are read from, with everything found in it.
#[derive(Debug)]
pub struct Sentence<'a> {
    pub span: Span,
    pub kind: SegmentKind,
    pub mentions: Vec<&'a Mention>,
    pub cues: Vec<&'a CueHit>,
    pub unnamed: Vec<&'a Unnamed>,
    pub lead_in: Option<usize>,
    text: &'a str,
    lex: &'a Lexicon,
    /// Tokens, parentheticals and times, computed the first time a rule looks: most
    /// sentences of most articles hold no event cue and are never read that closely.
    analysed: OnceCell<Analysed>,
    /// The syntax model of the document's language, if there is one.
    syntax: Option<&'a Model>,
    /// The dependency parse, made the first time a rule fires in the sentence.
    parsed: OnceCell<Option<Parse>>,
}

#[derive(Debug)]
struct Analysed {
    tokens: Vec<Token>,
    parentheticals: Vec<(Span, bool)>,
    times: Vec<TimeExpr>,
}

impl Sentence<'_> {
    fn analysed(&self) -> &Analysed {
        self.analysed.get_or_init(|| {
            let tokens = segment::tokenize(self.text, self.span, self.lex);
            Analysed {
                parentheticals: parentheticals(&tokens),
                times: time::find(&tokens, self.lex),
                tokens,
            }
        })
    }

    pub fn tokens(&self) -> &[Token] {
        &self.analysed().tokens
    }

    /// Relative clauses (marked `true`) and parentheses: what is inside does not fill roles
    /// outside.
    pub fn parentheticals(&self) -> &[(Span, bool)] {
        &self.analysed().parentheticals
    }

    pub fn times(&self) -> &[TimeExpr] {
        &self.analysed().times
    }

    /// The sentence's dependency parse; `None` without a model for the language or for a
    /// run-on "sentence" too long to be one.
    pub fn parse(&self) -> Option<&Parse> {
        self.parsed
            .get_or_init(|| {
                let model = self.syntax?;
                (self.span.len() <= MAX_PARSED_BYTES).then(|| {
                    model.parse_text(&self.text[self.span.start..self.span.end], self.span.start)
                })
            })
            .as_ref()
    }
}

/// Reads the claims of one tagged document. `syntax` is the parser of the document's
/// language; without one, roles come from word order alone.
pub fn extract(
    doc: &Document,
    tags: &Tags,
    patterns: &PatternSet,
    syntax: Option<&Model>,
) -> Vec<Claim> {
    let lex = &patterns.lexicon;
    let text = doc.text.as_str();
    let segs: Vec<Segment> = segment::segments(text, doc.dateline.as_ref().map(|d| d.span), lex);
    let sentences: Vec<Sentence> = segs
        .iter()
        .map(|seg| Sentence {
            span: seg.span,
            kind: seg.kind,
            mentions: within(&tags.mentions, seg.span, |m| m.span).collect(),
            cues: within(&tags.cues, seg.span, |c| c.span).collect(),
            unnamed: within(&tags.unnamed, seg.span, |u| u.span).collect(),
            lead_in: seg.lead_in,
            text,
            lex,
            analysed: OnceCell::new(),
            syntax,
            parsed: OnceCell::new(),
        })
        .collect();
    let article_country = article_country(&sentences, patterns);
    let engine = Engine {
        patterns,
        text,
        published: doc.published,
        sentences: &sentences,
        article_country,
        on_topic: OnceCell::new(),
        salience: OnceCell::new(),
        about_conflict: OnceCell::new(),
    };
    let mut claims = Vec::new();
    for (i, s) in sentences.iter().enumerate() {
        if s.kind != SegmentKind::Dateline {
            engine.sentence(i, &mut claims);
        }
    }
    dedupe(&mut claims);
    engine.propagate_times(&mut claims);
    claims
}

struct Engine<'a> {
    patterns: &'a PatternSet,
    text: &'a str,
    published: Option<NaiveDate>,
    sentences: &'a [Sentence<'a>],
    article_country: Option<EntityId>,
    on_topic: OnceCell<bool>,
    /// How often each entity is named outside modifiers, most named first.
    salience: OnceCell<Vec<(EntityId, crate::model::EntityKind, usize)>>,
    about_conflict: OnceCell<bool>,
}

/// A claim's roles before the engine adds what every claim carries.
struct Filled<'s> {
    subject: Option<Arg>,
    object: Option<Arg>,
    object_span: Option<Span>,
    agent: Option<EntityId>,
    used: Vec<&'s Mention>,
    speaker: Option<Attribution>,
    /// The modality of the claim the subject was inherited from, if it was.
    inherited: Option<Modality>,
    /// The subject is the article's principal actor, not named in the sentence.
    inferred: bool,
}

impl<'a> Engine<'a> {
    fn sentence(&self, index: usize, claims: &mut Vec<Claim>) {
        let s = &self.sentences[index];
        let triggers: Vec<Span> = s.cues.iter().map(|c| c.span).collect();
        let first = claims.len();
        // "According to a map released by Rerum Novarum, …:" holds for the list that follows.
        let cited = attribution::cited_source(s, self.patterns, self.text).or_else(|| {
            let lead = &self.sentences[s.lead_in?];
            attribution::cited_source(lead, self.patterns, self.text)
        });
        for hit in &s.cues {
            if self.patterns.cue(hit.cue).role != CueRole::Event {
                continue;
            }
            let rules: Vec<&Rule> = self
                .patterns
                .rules
                .iter()
                .filter(|r| r.triggers.contains(&hit.cue))
                .filter(|r| !r.topical || self.about_conflict())
                .collect();
            if rules.is_empty() {
                continue;
            }
            // The trigger's place in the tree, read once for all the rules it fires.
            let syntactic = self.syntactic(s, hit.span);
            for rule in rules {
                let earlier = &claims[first..];
                let avoid: Vec<EntityId> = earlier
                    .iter()
                    .filter_map(|c| c.object.as_ref().and_then(Arg::entity).cloned())
                    .collect();
                // A verb with no subject in its clause shares the sentence's previous one:
                // "auraient attaqué un convoi, avant d'incendier des véhicules".
                // A quoted person is a speaker, never an actor to pass on.
                // The nearest earlier subject the rule's subject may take: a road's status
                // claimed in between ("…the RN1 unsafe") is no actor to pass on.
                let inherit = earlier
                    .iter()
                    .rev()
                    .find(|c| {
                        c.subject.as_ref().is_some_and(|subject| {
                            rule.role(Role::Subject)
                                .is_some_and(|spec| self.may_inherit(subject, spec))
                        })
                    })
                    .filter(|c| matches!(c.subject, Some(Arg::Entity(_))) || !self.speaks(&c.rule))
                    .map(|c| (c.subject.clone(), c.modality));
                for filled in
                    self.fill(s, rule, hit, syntactic.as_ref(), &triggers, &avoid, inherit)
                {
                    claims.push(self.claim(index, rule, hit.span, filled, cited.as_ref()));
                }
            }
        }
        // Claims reported by a speaker in the same sentence are that speaker's.
        let speaker = claims[first..]
            .iter()
            .find(|c| matches!(c.predicate, Predicate::Says | Predicate::Warns))
            .map(|c| c.attribution.clone());
        if let Some(speaker) = speaker {
            for c in &mut claims[first..] {
                if c.attribution == Attribution::Outlet {
                    c.attribution = speaker.clone();
                }
            }
        }
        // What a speaker reports is the news: a rule marked `when_alone` lends its
        // speaker to the sentence's other claims, and is kept only when there are none
        // (claims whose actor the statement does not name do not count).
        if claims[first..]
            .iter()
            .any(|c| !self.when_alone(&c.rule) && !c.subject_inferred)
        {
            let mut i = first;
            while i < claims.len() {
                if self.when_alone(&claims[i].rule) {
                    claims.remove(i);
                } else {
                    i += 1;
                }
            }
        }
    }

    /// The trigger's word and arguments in the sentence's tree, if the sentence parses.
    fn syntactic<'s>(&self, s: &'s Sentence<'s>, trigger: Span) -> Option<fill::Trigger<'s, 's>>
    where
        'a: 's,
    {
        let parse = s.parse()?;
        let word = args::trigger_word(parse, trigger)?;
        Some(fill::Trigger {
            parse,
            word,
            span: trigger,
            args: args::arguments(parse, word, trigger, &self.patterns.lexicon),
            earlier: self.earlier_mentions(s.span),
            earlier_unnamed: self.earlier_unnamed(s.span),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn fill<'s>(
        &self,
        s: &'s Sentence<'s>,
        rule: &Rule,
        hit: &CueHit,
        syntactic: Option<&fill::Trigger<'_, 's>>,
        triggers: &[Span],
        avoid: &[EntityId],
        inherit: Option<(Option<Arg>, Modality)>,
    ) -> Vec<Filled<'s>>
    where
        'a: 's,
    {
        let trigger = hit.span;
        let required = if rule.requires.is_empty() {
            None
        } else {
            match s
                .cues
                .iter()
                .find(|c| rule.requires.contains(&c.cue) && c.span.start >= trigger.end)
            {
                Some(c) => Some(c.span),
                None => return Vec::new(),
            }
        };
        let mut taken: Vec<&Mention> = Vec::new();
        let mut subjects: Vec<Option<Arg>> = vec![None];
        // Whether the object is an entity or the tree's own phrase, not a window of words.
        let mut object_sure = false;
        // Roles come from the trigger's arguments in the dependency tree; word order is the
        // fallback for a sentence with no parse.
        let lex = &self.patterns.lexicon;
        let mut f = Filled {
            subject: None,
            object: None,
            object_span: None,
            agent: None,
            used: Vec::new(),
            speaker: None,
            inherited: None,
            inferred: false,
        };
        for &role in &rule.fill {
            let Some(spec) = rule.role(role) else {
                continue;
            };
            if role == Role::Subject
                && spec.person
                && let Some(p) = attribution::person(s, trigger, self.text)
            {
                // A farmer at a cotton fair is not news about the conflict: a person who
                // speaks for no known actor is kept in articles about actors or events.
                if !p.affiliated() && !self.on_topic() {
                    return Vec::new();
                }
                subjects = vec![Some(Arg::Literal(p.name))];
                f.speaker = Some(p.attribution);
                continue;
            }
            if let Some(status) = &spec.status {
                if role == Role::Object {
                    f.object = Some(Arg::Literal(status.clone()));
                }
                continue;
            }
            if spec.value {
                let value = self.patterns.cue(hit.cue).value.clone();
                if role == Role::Object {
                    f.object = value.map(Arg::Literal);
                }
                continue;
            }
            let ctx = roles::Context {
                taken: &taken,
                avoid,
            };
            let mut syntactic_literal = None;
            let mut by_tree = !spec.all && !spec.from.contains(&Relation::WordOrder);
            let found = match &syntactic {
                Some(t) if by_tree => match fill::role(s, t, role, spec, &ctx, lex, self.text) {
                    fill::Found::Entities(found) => found,
                    fill::Found::Literal(words, span) => {
                        syntactic_literal = Some((words, span));
                        Vec::new()
                    }
                    // The tree gave the role nothing: a parse error is likelier than a
                    // missing argument, so word order has its say, except for the actor
                    // of an event noun that another verb governs ("the army *confirmed* the
                    // attack"): that verb's subject is not the event's actor.
                    // Nor does it for a passive's ("le reste du convoi a été escorté", said
                    // the general staff): the actor is not named, whoever speaks.
                    fill::Found::Nothing
                        if !(matches!(role, Role::Subject | Role::Agent)
                            && (args::governed(t.parse, t.word, lex)
                                || args::is_passive(t.parse, t.word, lex))) =>
                    {
                        by_tree = false;
                        roles::entities(s, role, spec, trigger, &ctx)
                    }
                    fill::Found::Nothing => Vec::new(),
                },
                _ => roles::entities(s, role, spec, trigger, &ctx),
            };
            taken.extend(found.iter().copied());
            let parsed = syntactic.is_some() && by_tree;
            let literal = || match spec.literal {
                LiteralMode::After | LiteralMode::Before | LiteralMode::Modifier if parsed => {
                    syntactic_literal.clone()
                }
                LiteralMode::None => None,
                LiteralMode::After => roles::after(s, trigger.end, self.text, triggers, &taken),
                LiteralMode::Modifier => roles::modifier(s, trigger, self.text),
                LiteralMode::Between => {
                    required.and_then(|until| roles::between(s, trigger, until, self.text))
                }
                LiteralMode::Speech => {
                    // Only a verb whose speaker may follow it inverts ("…, said OCHA");
                    // ", warning that…" goes on with what is said.
                    let inverted = rule
                        .role(Role::Subject)
                        .is_some_and(|r| r.side != Side::Before)
                        && roles::is_inverted(s, trigger);
                    roles::speech(s, trigger, self.text, inverted)
                }
                LiteralMode::Before => roles::before(s, trigger, self.text),
            };
            match role {
                Role::Subject => {
                    if !found.is_empty() {
                        subjects = found
                            .iter()
                            .map(|m| {
                                let government = (spec.country_as_government
                                    && m.kind == crate::model::EntityKind::Country)
                                    .then(|| self.government_of(&m.entity))
                                    .flatten();
                                Some(Arg::Entity(government.unwrap_or_else(|| m.entity.clone())))
                            })
                            .collect();
                    } else if let Some((words, _)) = &syntactic_literal {
                        subjects = vec![Some(Arg::Literal(words.clone()))];
                    } else if parsed
                        && !syntactic
                            .as_ref()
                            .is_some_and(|t| args::is_verbal_active(t.parse, t.word, lex))
                    {
                        // The tree found no actor for an event noun or a passive: nothing by
                        // word order stands in.
                    } else if parsed
                        && let Some((Some(subject), modality)) = &inherit
                        && !s.countered(trigger)
                        && self.may_inherit(subject, spec)
                    {
                        // "auraient attaqué un convoi, avant d'incendier des véhicules" parsed
                        // with the second verb attached elsewhere: it shares the sentence's
                        // earlier actor, and its modality.
                        subjects = vec![Some(subject.clone())];
                        f.inherited = Some(*modality);
                    } else if parsed {
                    } else if spec.unnamed
                        && let Some((words, _)) =
                            roles::unnamed_subject(s, spec, trigger, self.text)
                    {
                        subjects = vec![Some(Arg::Literal(words))];
                    } else if let Some((Some(subject), modality)) = &inherit
                        && !(spec.person && roles::is_inverted(s, trigger))
                        && !s.countered(trigger)
                        && self.may_inherit(subject, spec)
                    {
                        subjects = vec![Some(subject.clone())];
                        f.inherited = Some(*modality);
                    }
                    if spec.person
                        && let Some(m) = found.first()
                    {
                        f.speaker = Some(Attribution::Speaker {
                            name: None,
                            role: None,
                            entity: Some(m.entity.clone()),
                        });
                    }
                }
                Role::Object => match found.first() {
                    Some(m) => {
                        f.object = Some(Arg::Entity(m.entity.clone()));
                        f.object_span = Some(m.span);
                        object_sure = true;
                    }
                    None => {
                        if let Some((words, span)) = literal() {
                            f.object = Some(Arg::Literal(words));
                            f.object_span = Some(span);
                            object_sure = parsed;
                        }
                    }
                },
                Role::Agent => f.agent = found.first().map(|m| m.entity.clone()),
            }
        }
        let needs = |role: Role| rule.role(role).is_some_and(|r| r.required);
        if (needs(Role::Object) && f.object.is_none()) || (needs(Role::Agent) && f.agent.is_none())
        {
            return Vec::new();
        }
        f.used = taken;
        // "JNIM's fighters torched the trucks. … The attackers also seized three drivers":
        // an event whose sentence names no actor at all, but says what it was done to, is
        // the article's principal actor's, marked as inferred. Without an object, such a
        // sentence mostly refers back to an event already reported ("the attack").
        if subjects.iter().all(Option::is_none)
            && object_sure
            && let Some(spec) = rule.role(Role::Subject)
            && !spec.infer.is_empty()
            && !s.countered(trigger)
            && let Some(id) = self.principal(&spec.infer)
            && f.object.as_ref().and_then(Arg::entity) != Some(&id)
        {
            subjects = vec![Some(Arg::Entity(id))];
            f.inferred = true;
        }
        subjects
            .into_iter()
            .filter(|subj| subj.is_some() || !needs(Role::Subject))
            // Nothing blockades or is affiliated with itself: such a pair means a role
            // took the wrong mention (often an inherited subject); and unnamed "soldiers"
            // did not kill "fifty soldiers".
            .filter(|subj| subj.is_none() || subj.as_ref() != f.object.as_ref())
            .filter(|subj| match (subj, &f.object) {
                (Some(Arg::Literal(s)), Some(Arg::Literal(o))) => {
                    let (s, o) = (s.to_lowercase(), o.to_lowercase());
                    !o.contains(&s) && !s.contains(&o)
                }
                _ => true,
            })
            .map(|subject| Filled {
                subject,
                object: f.object.clone(),
                object_span: f.object_span,
                agent: f.agent.clone(),
                used: f.used.clone(),
                speaker: f.speaker.clone(),
                inherited: f.inherited,
                inferred: f.inferred,
            })
            .collect()
    }

    /// `cited`: the source the sentence (or its lead-in) cites, if any.
    fn claim(
        &self,
        index: usize,
        rule: &Rule,
        trigger: Span,
        f: Filled,
        cited: Option<&Attribution>,
    ) -> Claim {
        let s = &self.sentences[index];
        let (places, place_inferred) = self.places(index, rule, trigger, &f);
        let attribution = f
            .speaker
            .clone()
            .or_else(|| cited.cloned())
            .unwrap_or(Attribution::Outlet);
        let exemption = self.exemption(s, trigger);
        let mut f = f;
        if let Some(cue) = exemption {
            // What is "unaffected by" the event is what the negated claim is about: the
            // RN26 in "the RN26, which remains unaffected by JNIM's blockade", not whatever
            // follows the trigger.
            let exempted = self.exempted(s, rule, cue, &f);
            f.object_span = exempted.map(|m| m.span);
            f.object = exempted.map(|m| Arg::Entity(m.entity.clone()));
        }
        let own = if exemption.is_some() {
            Modality::Negated
        } else {
            self.modality(s, trigger, f.object_span)
        };
        let modality = match (own, f.inherited) {
            (Modality::Asserted, Some(inherited)) => inherited,
            _ => own,
        };
        Claim {
            modality,
            subject: f.subject,
            predicate: rule.predicate,
            object: f.object,
            agent: f.agent,
            places,
            place_inferred,
            subject_inferred: f.inferred,
            time: self.stated_time(s, trigger),
            attribution,
            evidence: Evidence {
                sentence: s.span,
                trigger,
            },
            rule: rule.id.clone(),
            pattern_version: self.patterns.version.clone(),
        }
    }
}

#[cfg(test)]
mod syntax_tests;
#[cfg(test)]
mod tests;
