#!/usr/bin/env python3
"""HTML extraction pages/s of Python trafilatura on the NAEB pages, for comparison with
sitrep's `extract` group in `benches/stages.rs` (issue 4).

Every `NAEB_DIR/html/*.html.gz` is gunzipped into memory once; only the extraction call is
timed, one thread, and the raw bytes are passed (trafilatura decodes them itself, as
sitrep's timed `extract::extract` decodes the charset itself). Two configurations:

- `extract(html)`: trafilatura's defaults (fallback extractors on, no metadata), what an
  analyst would type;
- `bare_extraction(html, fast=True, with_metadata=True)`: no fallback, body plus title,
  date and author: the closest to what sitrep's extractor does (trafilatura body with its
  fallback off, plus metadata).

Prints the median pages/s over the passes, and every pass (later passes can profit from
caches inside htmldate, so the first pass is shown too).

usage: extract_peers.py [--naeb ../shared/data/naeb] [--passes 3] [--json OUT]
"""

import argparse
import gc
import gzip
import json
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path


def load(naeb):
    pages = []
    for path in sorted((naeb / "html").glob("*.html.gz")):
        pages.append(gzip.decompress(path.read_bytes()))
    return pages


def run(name, fn, pages, passes):
    secs, ok = [], 0
    for _ in range(passes):
        gc.collect()
        total, ok = 0.0, 0
        for html in pages:
            t0 = time.perf_counter()
            out = fn(html)
            total += time.perf_counter() - t0
            ok += out is not None
        secs.append(total)
    med = statistics.median(secs)
    row = {
        "config": name,
        "pages": len(pages),
        "extracted": ok,
        "passes_s": [round(s, 3) for s in secs],
        "passes_pages_per_s": [round(len(pages) / s, 1) for s in secs],
        "median_pages_per_s": len(pages) / med,
    }
    print(
        f"{name:<58} {len(pages)} pages ({ok} extracted)  median {len(pages) / med:7.1f} pages/s"
        f"  passes {row['passes_pages_per_s']}",
        flush=True,
    )
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--naeb", type=Path, default=Path("../shared/data/naeb"))
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    import trafilatura

    pages = load(args.naeb)
    if not pages:
        print(f"no html/*.html.gz under {args.naeb}", file=sys.stderr)
        return 2
    print(
        f"trafilatura {metadata.version('trafilatura')}: {len(pages)} NAEB pages,"
        f" {sum(map(len, pages)) / 1e6:.1f} MB of HTML",
        flush=True,
    )
    rows = [
        run("trafilatura.extract(html)  [defaults]", trafilatura.extract, pages, args.passes),
        run(
            "trafilatura.bare_extraction(html, fast=True, with_metadata=True)",
            lambda h: trafilatura.bare_extraction(h, fast=True, with_metadata=True),
            pages,
            args.passes,
        ),
    ]
    if args.json:
        args.json.write_text(json.dumps({"trafilatura": metadata.version("trafilatura"), "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
