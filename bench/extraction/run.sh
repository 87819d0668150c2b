#!/usr/bin/env bash
# Builds the harness, runs every extractor over NAEB and scores it.
# usage: bench/extraction/run.sh [REPEAT]   (default 5 timing passes)
# Environment: NAEB (default ../../../shared/data/naeb relative to this folder),
# SCORER (default ../../../shared/tools/score_extraction.py).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repeat="${1:-5}"
naeb="${NAEB:-$here/../../../shared/data/naeb}"
scorer="${SCORER:-$here/../../../shared/tools/score_extraction.py}"
cd "$here"
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-$here/target}/release/naeb-extraction-bench"
mkdir -p out
for e in trafilatura trafilatura-fallback libreadability dom_smoothie sitrep; do
    "$bin" "$naeb" "$e" "out/$e.json" --repeat "$repeat" 2>>out/passes.log
    python3 "$scorer" "$naeb/articles.json" "out/$e.json"
    echo
done
