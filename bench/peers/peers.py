#!/usr/bin/env python3
"""Single-core throughput of the phrase matchers an analyst would otherwise use, on the same
patterns and texts as sitrep's `benches/stages.rs` (issue 4).

Reads `patterns.txt` (one surface form per line) and `corpus.jsonl` (one `{"id", "text"}`
per line) written by `cargo run --release --example bench_corpus`, and times, per tool, one
pass over every article of the corpus (or a stated leading slice of it):

- pyahocorasick: `Automaton` of the lowercased forms, `iter_long` (leftmost-longest,
  non-overlapping) over each article's lowercased text. Two figures: `scan` (text lowercased
  before timing: the same measure as sitrep's `raw-ac` ceiling) and `lower+scan`
  (`str.lower()` inside the timed loop).
- flashtext: `KeywordProcessor()` (case-insensitive, its default), `add_keyword` for every
  form, `extract_keywords(text)` per article (flashtext lowercases internally: timed).
- spaCy: `spacy.blank("en")`, `PhraseMatcher(nlp.vocab, attr="LOWER")` with every form
  tokenized by the same tokenizer; per article `nlp.make_doc(text)` (tokenization, which an
  analyst pays for) then `matcher(doc)`. Both parts are timed; the split is printed too.

Every pass is one thread (CPython; spaCy's tokenizer and matcher are single-threaded).
Prints one line per tool with the median MB/s (MB = 10^6 bytes of UTF-8 article text, the
unit criterion reports for sitrep) and articles/s over the passes, and writes the figures
as JSON with `--json`.

usage: peers.py [--dir target/bench-corpus] [--passes 3] [--spacy-mb N] [--tools ...]
"""

import argparse
import gc
import json
import platform
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path


def load(dir_):
    forms = [l.strip() for l in (dir_ / "patterns.txt").read_text(encoding="utf-8").splitlines()]
    forms = [f for f in forms if f]
    texts = []
    with open(dir_ / "corpus.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                texts.append(json.loads(line)["text"])
    return forms, texts


def nbytes(texts):
    return sum(len(t.encode("utf-8")) for t in texts)


def lowered_unique(forms):
    seen, out = set(), []
    for f in forms:
        low = f.lower()
        if low not in seen:
            seen.add(low)
            out.append(low)
    return out


def timed_passes(name, passes, run, texts, size, note=""):
    """Runs `run(texts)` `passes` times; returns a result dict with per-pass seconds."""
    secs, result = [], None
    for _ in range(passes):
        gc.collect()
        t0 = time.perf_counter()
        result = run(texts)
        secs.append(time.perf_counter() - t0)
    med = statistics.median(secs)
    row = {
        "tool": name,
        "mb": size / 1e6,
        "articles": len(texts),
        "passes_s": [round(s, 3) for s in secs],
        "median_s": med,
        "mb_per_s": size / 1e6 / med,
        "articles_per_s": len(texts) / med,
        "matches": result,
        "note": note,
    }
    print(
        f"{name:<26} {row['mb']:7.1f} MB  median {med:8.3f} s  {row['mb_per_s']:8.2f} MB/s"
        f"  {row['articles_per_s']:9.1f} articles/s  matches {result}  passes {row['passes_s']}"
        + (f"  ({note})" if note else ""),
        flush=True,
    )
    return row


def bench_pyahocorasick(forms, texts, size, passes):
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for i, f in enumerate(lowered_unique(forms)):
        automaton.add_word(f, i)
    automaton.make_automaton()
    lowered = [t.lower() for t in texts]

    def scan(ts):
        n = 0
        for t in ts:
            for _ in automaton.iter_long(t):
                n += 1
        return n

    def lower_scan(ts):
        n = 0
        for t in ts:
            for _ in automaton.iter_long(t.lower()):
                n += 1
        return n

    rows = [
        timed_passes("pyahocorasick scan", passes, scan, lowered, size, "text lowercased before timing"),
        timed_passes("pyahocorasick lower+scan", passes, lower_scan, texts, size),
    ]
    del lowered
    return rows


def bench_flashtext(forms, texts, size, passes):
    from flashtext import KeywordProcessor

    kp = KeywordProcessor()  # case_sensitive=False
    for f in forms:
        kp.add_keyword(f)

    def run(ts):
        return sum(len(kp.extract_keywords(t)) for t in ts)

    return [timed_passes("flashtext", passes, run, texts, size)]


def bench_spacy(forms, texts, size, passes, note):
    import spacy
    from spacy.matcher import PhraseMatcher

    nlp = spacy.blank("en")
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    matcher.add("FORM", list(nlp.tokenizer.pipe(forms)))
    split = {"tokenize": 0.0, "match": 0.0}

    def run(ts):
        n, tok, mat = 0, 0.0, 0.0
        for t in ts:
            t0 = time.perf_counter()
            doc = nlp.make_doc(t)
            t1 = time.perf_counter()
            n += len(matcher(doc))
            mat += time.perf_counter() - t1
            tok += t1 - t0
        split["tokenize"], split["match"] = tok, mat
        return n

    row = timed_passes("spaCy PhraseMatcher", passes, run, texts, size, note)
    row["last_pass_split_s"] = {k: round(v, 3) for k, v in split.items()}
    print(
        f"{'':<26} last pass: tokenize {split['tokenize']:.2f} s"
        f" ({size / 1e6 / split['tokenize']:.2f} MB/s alone), match {split['match']:.2f} s",
        flush=True,
    )
    return [row]


def versions():
    out = {"python": platform.python_version()}
    for pkg in ("pyahocorasick", "flashtext", "spacy"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", type=Path, default=Path("target/bench-corpus"))
    ap.add_argument("--passes", type=int, default=3, help="timed passes per tool (median reported)")
    ap.add_argument(
        "--spacy-mb",
        type=float,
        default=0,
        help="run spaCy on the leading articles up to this many MB of text (0: the whole corpus)",
    )
    ap.add_argument("--spacy-passes", type=int, default=None, help="passes for spaCy (default: --passes)")
    ap.add_argument("--tools", nargs="+", default=["pyahocorasick", "flashtext", "spacy"])
    ap.add_argument("--json", type=Path, help="write the results here as JSON")
    args = ap.parse_args()

    forms, texts = load(args.dir)
    size = nbytes(texts)
    print(
        f"peers: {len(texts)} articles, {size / 1e6:.1f} MB of text, {len(forms)} surface forms;"
        f" {json.dumps(versions())}",
        flush=True,
    )
    rows = []
    if "pyahocorasick" in args.tools:
        rows += bench_pyahocorasick(forms, texts, size, args.passes)
    if "flashtext" in args.tools:
        rows += bench_flashtext(forms, texts, size, args.passes)
    if "spacy" in args.tools:
        sub, note = texts, "whole corpus"
        if args.spacy_mb > 0:
            sub, acc = [], 0
            for t in texts:
                if acc >= args.spacy_mb * 1e6:
                    break
                sub.append(t)
                acc += len(t.encode("utf-8"))
            note = f"leading {len(sub)} articles, {acc / 1e6:.1f} MB"
        rows += bench_spacy(forms, sub, nbytes(sub), args.spacy_passes or args.passes, note)
    if args.json:
        args.json.write_text(json.dumps({"versions": versions(), "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
