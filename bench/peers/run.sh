#!/usr/bin/env bash
# Reproduces the issue-4 tables in one session: sitrep's `stages` criterion bench in release,
# then the Python peers right after, on the same corpus and patterns. See README.md here.
#
# usage: bench/peers/run.sh      (from anywhere in the repository)
# env:   PYTHON   interpreter with requirements.txt installed (default: a venv made in
#                 target/peers-venv on first use)
#        PASSES   timed passes per peer (default 3); SPACY_PASSES for spaCy (default 1)
#        SKIP_RUST=1 runs the peers only
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=target/bench-corpus
mkdir -p "$OUT"

PY=${PYTHON:-}
if [ -z "$PY" ]; then
  if [ ! -x target/peers-venv/bin/python ]; then
    python3 -m venv target/peers-venv
    target/peers-venv/bin/pip install -q -r bench/peers/requirements.txt
  fi
  PY=target/peers-venv/bin/python
fi
# Single-threaded everywhere: no BLAS/OpenMP pools in the Python processes.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

{ lscpu | head -20; rustc --version; "$PY" --version; git rev-parse --short HEAD; git diff --stat HEAD -- src | tail -1; } > "$OUT/machine.txt"
[ -f "$OUT/corpus.jsonl" ] || cargo run --release --example bench_corpus

if [ "${SKIP_RUST:-0}" != 1 ]; then
  echo "== sitrep stages ($(uptime))"
  cargo bench --bench stages 2>&1 | tee "$OUT/stages.log"
fi
echo "== peers: phrase matching ($(uptime))"
"$PY" bench/peers/peers.py --dir "$OUT" --passes "${PASSES:-3}" --spacy-passes "${SPACY_PASSES:-1}" \
  --json "$OUT/peers.json" | tee "$OUT/peers.log"
echo "== peers: HTML extraction ($(uptime))"
"$PY" bench/peers/extract_peers.py --naeb ../shared/data/naeb --passes "${PASSES:-3}" \
  --json "$OUT/extract_peers.json" | tee "$OUT/extract_peers.log"
echo "== done ($(uptime))"
"$PY" bench/peers/table.py --dir "$OUT"
