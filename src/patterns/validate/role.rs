//! Validating one role of a rule (`subject`, `object`, `agent` in rules.toml).

use std::path::Path;

use super::Builder;
use super::raw::RawRole;
use crate::patterns::{EntityKind, LiteralMode, Relation, RoleSpec, Side};

impl Builder {
    pub(super) fn role(
        &mut self,
        file: &Path,
        line: usize,
        rule: &str,
        raw: Option<&RawRole>,
    ) -> Option<RoleSpec> {
        let raw = raw?;
        let mut kinds = Vec::new();
        for k in &raw.kinds {
            match k.parse::<EntityKind>() {
                Ok(k) => kinds.push(k),
                Err(e) => self.problem(file, line, format!("rule {rule}: {e}")),
            }
        }
        let side = match raw.side.as_deref() {
            None | Some("either") => Side::Either,
            Some("before") => Side::Before,
            Some("after") => Side::After,
            Some(other) => {
                self.problem(
                    file,
                    line,
                    format!("rule {rule}: side {other:?} (before, after, either)"),
                );
                Side::Either
            }
        };
        let literal = match raw.literal.as_deref() {
            None | Some("none") => LiteralMode::None,
            Some("after") => LiteralMode::After,
            Some("modifier") => LiteralMode::Modifier,
            Some("between") => LiteralMode::Between,
            Some("speech") => LiteralMode::Speech,
            Some("before") => LiteralMode::Before,
            Some(other) => {
                let reason = format!(
                    "rule {rule}: literal {other:?} (none, after, before, modifier, between, speech)"
                );
                self.problem(file, line, reason);
                LiteralMode::None
            }
        };
        let mut from = Vec::new();
        for name in &raw.from {
            match Relation::ALL.iter().find(|(n, _)| n == name) {
                Some(&(_, r)) => from.push(r),
                None => {
                    let names: Vec<&str> = Relation::ALL.iter().map(|(n, _)| *n).collect();
                    let reason = format!("rule {rule}: from {name:?} ({})", names.join(", "));
                    self.problem(file, line, reason);
                }
            }
        }
        let mut infer = Vec::new();
        for k in &raw.infer {
            match k.parse::<EntityKind>() {
                Ok(k) => infer.push(k),
                Err(e) => self.problem(file, line, format!("rule {rule}: infer: {e}")),
            }
        }
        Some(RoleSpec {
            from,
            infer,
            country_as_government: raw.country_as_government,
            status: raw.status.clone(),
            kinds,
            required: raw.required,
            all: raw.all,
            side,
            literal,
            value: raw.value,
            person: raw.person,
            unnamed: raw.unnamed,
        })
    }
}
