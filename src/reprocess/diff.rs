//! What a pattern change would do to the stored claims, before anything is written: the
//! claims a reprocess would add, remove or change, counted by predicate and by entity, with
//! examples — so a pattern change is reviewed like a code change.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{BATCH, Progress, process_batch};
use crate::pipeline::Pipeline;
use crate::store::{ArticleId, ClaimKey, Selection, Store, StoreError};

/// A claim with the sentence that states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shown {
    pub key: ClaimKey,
    pub sentence: String,
}

/// Added, removed and changed claims of one predicate or entity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub added: u64,
    pub removed: u64,
    pub changed: u64,
}

/// The whole difference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diff {
    pub articles: u64,
    /// Articles that could not be processed (their claims would be kept).
    pub failed: u64,
    pub unchanged: u64,
    pub added: Vec<Shown>,
    pub removed: Vec<Shown>,
    /// Same article, trigger and predicate; something else differs. (old, new).
    pub changed: Vec<(Shown, Shown)>,
    pub by_predicate: BTreeMap<String, Counts>,
    /// By subject, or object when there is no subject.
    pub by_entity: BTreeMap<String, Counts>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    fn count(&mut self, key: &ClaimKey, f: impl Fn(&mut Counts)) {
        f(self.by_predicate.entry(key.predicate.clone()).or_default());
        let who = if key.subject.is_empty() {
            &key.object
        } else {
            &key.subject
        };
        if !who.is_empty() {
            f(self.by_entity.entry(who.clone()).or_default());
        }
    }

    /// Adds one article's old and new claims.
    fn compare(&mut self, mut old: Vec<Shown>, mut new: Vec<Shown>) {
        old.sort_by(|a, b| a.key.cmp(&b.key));
        new.sort_by(|a, b| a.key.cmp(&b.key));
        let (mut removed, mut added) = (Vec::new(), Vec::new());
        let (mut i, mut j) = (0, 0);
        while i < old.len() || j < new.len() {
            match (old.get(i), new.get(j)) {
                (Some(o), Some(n)) if o.key == n.key => {
                    self.unchanged += 1;
                    i += 1;
                    j += 1;
                }
                (Some(o), Some(n)) if o.key < n.key => {
                    removed.push(o.clone());
                    i += 1;
                }
                (Some(_), Some(n)) => {
                    added.push(n.clone());
                    j += 1;
                }
                (Some(o), None) => {
                    removed.push(o.clone());
                    i += 1;
                }
                (None, Some(n)) => {
                    added.push(n.clone());
                    j += 1;
                }
                (None, None) => break,
            }
        }
        // A removed and an added claim at the same trigger, of the same predicate, are one
        // claim that changed (a new place, another time, a different attribution…).
        let same =
            |a: &ClaimKey, b: &ClaimKey| a.trigger == b.trigger && a.predicate == b.predicate;
        let mut rest = Vec::new();
        for r in removed {
            match added.iter().position(|a| same(&a.key, &r.key)) {
                Some(k) => {
                    let a = added.remove(k);
                    self.count(&a.key, |c| c.changed += 1);
                    self.changed.push((r, a));
                }
                None => rest.push(r),
            }
        }
        for r in rest {
            self.count(&r.key, |c| c.removed += 1);
            self.removed.push(r);
        }
        for a in added {
            self.count(&a.key, |c| c.added += 1);
            self.added.push(a);
        }
    }
}

/// Computes what reprocessing the selected articles with `pipeline` would change. Writes nothing.
pub fn diff(
    store: &Store,
    pipeline: &Pipeline,
    sel: &Selection,
    progress: &dyn Progress,
) -> Result<Diff, StoreError> {
    diff_until(store, pipeline, sel, progress, &|_| false)
}

/// [`diff`], stopping after the first batch for which `enough` holds (the check before a
/// reprocess stops as soon as the answer is certain).
pub fn diff_until(
    store: &Store,
    pipeline: &Pipeline,
    sel: &Selection,
    progress: &dyn Progress,
    enough: &dyn Fn(&Diff) -> bool,
) -> Result<Diff, StoreError> {
    let mut diff = Diff::default();
    progress.start(store.count_selected(sel, 0)?);
    let mut after = 0;
    loop {
        let batch = store.stored_articles(sel, after, BATCH)?;
        let Some(last) = batch.last() else { break };
        after = last.id.0;
        let results = process_batch(pipeline, &batch);
        for (article, result) in batch.iter().zip(results) {
            diff.articles += 1;
            let Ok(analysis) = result else {
                diff.failed += 1;
                continue;
            };
            let old = store
                .claim_keys(article.id)?
                .into_iter()
                .map(|(key, sentence)| Shown { key, sentence })
                .collect();
            let text = &analysis.document.text;
            let new = analysis
                .claims
                .iter()
                .map(|c| Shown {
                    key: ClaimKey::of(ArticleId(article.id.0), c),
                    sentence: text
                        .get(c.evidence.sentence.start..c.evidence.sentence.end)
                        .unwrap_or_default()
                        .to_string(),
                })
                .collect();
            diff.compare(old, new);
        }
        progress.advance(batch.len() as u64);
        if enough(&diff) {
            break;
        }
    }
    progress.finish();
    Ok(diff)
}
