//! What several benches share: the built-in syntax models, chosen by a document's language
//! as the pipeline chooses them.

use sitrep::model::Document;
use sitrep::syntax::{Lang, Model, builtin};

/// The English and French built-in models.
pub struct SyntaxModels {
    en: Model,
    fr: Model,
}

impl SyntaxModels {
    pub fn load() -> Self {
        Self {
            en: builtin(Lang::En).expect("English model"),
            fr: builtin(Lang::Fr).expect("French model"),
        }
    }

    /// The model of the document's declared language, if there is one.
    pub fn for_doc(&self, d: &Document) -> Option<&Model> {
        match d.language.as_ref()?.as_str() {
            "en" => Some(&self.en),
            "fr" => Some(&self.fr),
            _ => None,
        }
    }
}
