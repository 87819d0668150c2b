#!/usr/bin/env bash
# Line coverage that each target's corpus (fuzz/corpus/<target>, grown by fuzz/run.sh)
# reaches in the sitrep sources it is about: `cargo fuzz coverage` (source-based coverage,
# one more build of the targets) and llvm-cov's report, per file. Needs the nightly
# toolchain's llvm-tools (`rustup component add llvm-tools-preview --toolchain nightly`).
#
#   fuzz/coverage.sh [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"

all=(extract tag_claims patterns warc jsonl tar sources)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
llvm=$(rustc +nightly --print sysroot)/lib/rustlib/x86_64-unknown-linux-gnu/bin
bin=target/x86_64-unknown-linux-gnu/coverage/x86_64-unknown-linux-gnu/release
# llvm-cov drops the leading "/" that all the paths share.
src=$(cd .. && pwd | sed 's|^/||')/src/

# The source files each target is about.
scope() {
  case "$1" in
    extract) echo "extract/(charset|html|mod|text)\\.rs" ;;
    tag_claims) echo "tag/|claims/|syntax/(features|mod|model|parser|tagger|tokenize)\\.rs|extract/clutter\\.rs" ;;
    patterns) echo "patterns/" ;;
    warc) echo "fetch/archive/(warc|record|http|io)\\.rs" ;;
    jsonl) echo "fetch/archive/jsonl\\.rs" ;;
    tar) echo "fetch/archive/tar\\.rs" ;;
    sources) echo "fetch/sources\\.rs" ;;
  esac
}

for t in "${targets[@]}"; do
  cargo +nightly fuzz coverage -s none "$t" "corpus/$t" >"logs/coverage-$t.log" 2>&1
  echo "== $t ($(ls "corpus/$t" | wc -l) inputs in corpus/$t): lines covered"
  # Columns of the report: file, regions (3), functions (3), lines (3), branches (3).
  "$llvm/llvm-cov" report "$bin/$t" -instr-profile="coverage/$t/coverage.profdata" |
    sed -n "s|^/\{0,1\}${src}||p" |
    grep -E "^($(scope "$t"))" |
    awk '{ covered = $8 - $9; C += covered; N += $8
           printf "  %-28s %5d / %-5d %5.1f%%\n", $1, covered, $8, 100 * covered / $8 }
         END { printf "  %-28s %5d / %-5d %5.1f%%\n", "all", C, N, 100 * C / N }'
done
