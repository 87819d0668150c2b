//! Page clutter on saved news pages (`fixtures/html/naeb_*`, from NAEB): the teaser lines
//! stay in the text, and no mention, cue or claim comes from them.

use std::path::Path;

use sitrep::extract::Overrides;
use sitrep::fetch::local;
use sitrep::patterns::PatternSet;
use sitrep::pipeline::Pipeline;

#[test]
fn teasers_in_saved_pages_yield_no_mentions_and_no_claims() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let patterns = PatternSet::load_dir(&root.join("patterns")).unwrap();
    let pipeline = Pipeline::new(&patterns).unwrap();
    for (file, teaser) in [
        (
            "naeb_05a586a4_watch_more.html.gz",
            "WATCH MORE: Israeli strikes in Gaza continue as Egypt and Qatar mediate",
        ),
        (
            "naeb_21600759_read_more.html.gz",
            "READ MORE: Stolen Banksy work honoring Bataclan victims found in Italy",
        ),
    ] {
        let raw = local::read(
            &root.join("fixtures/html").join(file),
            &Overrides::default(),
        )
        .result
        .unwrap();
        let a = pipeline.process(&raw).unwrap();
        let text = &a.document.text;
        let start = text
            .find(teaser)
            .unwrap_or_else(|| panic!("{file}: teaser kept in the text"));
        let end = start + text[start..].find('\n').unwrap_or(text.len() - start);
        let inside = |s: usize| (start..end).contains(&s);
        let from_teaser: Vec<_> = a.mentions.iter().filter(|m| inside(m.span.start)).collect();
        assert!(from_teaser.is_empty(), "{file}: {from_teaser:?}");
        let claims: Vec<_> = a
            .claims
            .iter()
            .filter(|c| inside(c.evidence.trigger.start))
            .collect();
        assert!(claims.is_empty(), "{file}: {claims:?}");
        assert!(
            !a.mentions.is_empty(),
            "{file}: the story itself is still tagged"
        );
    }
}
