#!/usr/bin/env python3
"""Prints the issue-4 tables (Markdown) from one run of `run.sh`: criterion's results for
`benches/stages.rs` (target/criterion/{stages,extract}/*/new/) and the peers' JSON
(target/bench-corpus/{peers,extract_peers}.json), and says whether the two targets are met.

sitrep figures are criterion's median time per pass (10 samples); the spread shown is the
slowest and fastest sample. Peer figures are the median of their passes. MB = 10^6 bytes
of UTF-8 article text.

usage: table.py [--dir target/bench-corpus] [--criterion target/criterion]
"""

import argparse
import json
import sys
from pathlib import Path

STAGES = [
    ("raw-ac", "raw Aho-Corasick scan (ceiling; text lowercased beforehand)"),
    ("lowercase+raw-ac", "lowercase + raw Aho-Corasick scan"),
    ("fold", "sitrep fold (`Normalized::new`)"),
    ("tag", "sitrep tag (`Tagger::tag`)"),
    ("tag+claims", "sitrep tag + claims"),
    ("raw-ac-dfa", "for information: raw Aho-Corasick scan, automaton forced to a DFA"),
]


def criterion(root, group, name):
    d = root / group / name / "new"
    est = json.loads((d / "estimates.json").read_text())
    bench = json.loads((d / "benchmark.json").read_text())
    sample = json.loads((d / "sample.json").read_text())
    per_iter = [t / n for t, n in zip(sample["times"], sample["iters"])]
    (kind, amount), = bench["throughput"].items()
    return {
        "median_s": est["median"]["point_estimate"] / 1e9,
        "min_s": min(per_iter) / 1e9,
        "max_s": max(per_iter) / 1e9,
        "amount": amount,
        "kind": kind,
        "samples": len(per_iter),
        "iters": sample["iters"],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", type=Path, default=Path("target/bench-corpus"))
    ap.add_argument("--criterion", type=Path, default=Path("target/criterion"))
    args = ap.parse_args()

    peers = json.loads((args.dir / "peers.json").read_text())
    extract = json.loads((args.dir / "extract_peers.json").read_text())
    articles = sum(1 for line in open(args.dir / "corpus.jsonl", encoding="utf-8") if line.strip())

    stages = [(n, label) for n, label in STAGES if (args.criterion / "stages" / n / "new").is_dir()]
    s = {name: criterion(args.criterion, "stages", name) for name, _ in stages}
    mb = s["raw-ac"]["amount"] / 1e6
    rate = {k: v["amount"] / 1e6 / v["median_s"] for k, v in s.items()}
    ceiling = rate["raw-ac"]

    print(f"Corpus: {articles} articles, {mb:.1f} MB of text.\n")
    print("| stage | time per pass, median [min, max] | MB/s (median) | articles/s | ÷ raw AC ceiling |")
    print("| --- | --- | --- | --- | --- |")
    for name, label in stages:
        v = s[name]
        print(
            f"| {label} | {v['median_s']:.3f} s [{v['min_s']:.3f}, {v['max_s']:.3f}] "
            f"| {rate[name]:.1f} | {articles / v['median_s']:,.0f} | {rate[name] / ceiling:.3f} |"
        )

    tag = rate["tag"]
    print("\n| tool (one core) | MB of text | MB/s (median) | articles/s | sitrep tag ÷ tool |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| sitrep tag | {mb:.1f} | {tag:.1f} | {articles / s['tag']['median_s']:,.0f} | 1.00 |")
    for r in peers["rows"]:
        note = f" ({r['note']})" if r.get("note") else ""
        print(
            f"| {r['tool']}{note} | {r['mb']:.1f} | {r['mb_per_s']:.2f} | {r['articles_per_s']:,.0f} "
            f"| {tag / r['mb_per_s']:.2f} |"
        )
    fastest = max(peers["rows"], key=lambda r: r["mb_per_s"])

    e = criterion(args.criterion, "extract", "naeb-pages")
    sitrep_pps = e["amount"] / e["median_s"]
    print("\n| extractor (one core, NAEB pages) | pages/s (median) |")
    print("| --- | --- |")
    print(
        f"| sitrep `extract::extract` | {sitrep_pps:.1f} "
        f"[{e['amount'] / e['max_s']:.1f}, {e['amount'] / e['min_s']:.1f}] |"
    )
    for r in extract["rows"]:
        print(
            f"| Python trafilatura {extract['trafilatura']}: `{r['config']}` "
            f"| {r['median_pages_per_s']:.1f} (passes {r['passes_pages_per_s']}) |"
        )

    tc = rate["tag+claims"] / ceiling
    tf = tag / fastest["mb_per_s"]
    print()
    print(
        f"Target 1, tag + claims ≥ ½ raw AC: {rate['tag+claims']:.1f} / {ceiling:.1f} MB/s = {tc:.3f}"
        f" → {'MET' if tc >= 0.5 else 'MISSED'}"
    )
    print(
        f"Target 2, tag ≥ 5× fastest peer ({fastest['tool']}, {fastest['mb_per_s']:.1f} MB/s):"
        f" {tag:.1f} MB/s = {tf:.2f}× → {'MET' if tf >= 5 else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
