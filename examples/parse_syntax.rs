//! Prints the parse of each line of text (or of the arguments), CoNLL-U style, with the
//! built-in models: for looking at what the syntax layer makes of a sentence.
//!
//! usage: cargo run --release --example parse_syntax -- en|fr [SENTENCE…]   (else stdin lines)

use std::error::Error;
use std::io::BufRead;

use sitrep::syntax::{Lang, builtin};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let lang: Lang = args
        .next()
        .ok_or("usage: parse_syntax en|fr [SENTENCE…]")?
        .parse()?;
    let model = builtin(lang)?;
    let mut lines: Vec<String> = args.collect();
    if lines.is_empty() {
        lines = std::io::stdin().lock().lines().collect::<Result<_, _>>()?;
    }
    for line in lines {
        let p = model.parse_text(&line, 0);
        println!("# text = {line}");
        for i in 0..p.len() {
            let head = p.head(i).map_or(0, |h| h + 1);
            let span = p.span(i);
            println!(
                "{}\t{}\t{}\t{}\t{head}\t{}\tspan={}..{}",
                i + 1,
                p.form(i),
                p.lemma(i),
                p.upos(i),
                p.deprel(i),
                span.start,
                span.end
            );
        }
        println!();
    }
    Ok(())
}
