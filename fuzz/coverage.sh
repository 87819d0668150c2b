#!/usr/bin/env bash
# Coverage that each target's corpus (fuzz/corpus/<target>, from fuzz/run.sh) reaches in the
# sitrep sources it is about: libFuzzer's -print_coverage, summed per file (edges covered /
# edges instrumented, in the functions linked into the target). Run after fuzz/run.sh, with
# the binaries it built.
#
#   fuzz/coverage.sh [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"

all=(extract tag_claims patterns warc jsonl tar sources)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
bin=target/x86_64-unknown-linux-gnu/release
src=$(cd .. && pwd)/src/

# The source files each target is about.
scope() {
  case "$1" in
    extract) echo "extract/" ;;
    tag_claims) echo "tag/|claims/|syntax/" ;;
    patterns) echo "patterns/" ;;
    warc) echo "fetch/archive/(warc|record|http|io|mod)\\.rs" ;;
    jsonl) echo "fetch/archive/(jsonl|io|mod)\\.rs" ;;
    tar) echo "fetch/archive/(tar|mod)\\.rs" ;;
    sources) echo "fetch/(sources|guard)\\.rs" ;;
  esac
}

for t in "${targets[@]}"; do
  echo "== $t ($(ls "corpus/$t" | wc -l) inputs in corpus/$t)"
  "$bin/$t" -runs=0 -print_coverage=1 "corpus/$t" 2>&1 |
    grep -E '^(UN)?COVERED_FUNC' |
    sed -E "s|.* edges: ([0-9]+)/([0-9]+) .* ${src}([^:]+):[0-9]+$|\\3 \\1 \\2|;t;d" |
    grep -E "^($(scope "$t"))" |
    awk '{ c[$1] += $2; n[$1] += $3; C += $2; N += $3 }
         END { for (f in c) printf "  %-32s %6d / %-6d %5.1f%%\n", f, c[f], n[f], 100 * c[f] / n[f];
               printf "  %-32s %6d / %-6d %5.1f%%\n", "all", C, N, (N ? 100 * C / N : 0) }' |
    sort
done
