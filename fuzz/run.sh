#!/usr/bin/env bash
# Fuzzes sitrep's targets with cargo fuzz (libFuzzer), one target at a time on one core,
# from seed corpora written from fixtures/ (and a NAEB sample when ../shared/data/naeb is
# there). Installs what it needs. Exits 1 if any target crashes, times out or runs out of
# memory; the input is then in fuzz/artifacts/<target>/. See FUZZING.md.
#
#   fuzz/run.sh [TARGET...]            all targets when none is named
#
# Environment: FUZZ_SECONDS per target (default 60), FUZZ_SANITIZER (address, the default,
# or none: faster to build and run), FUZZ_TIMEOUT per input (default 10 s).
set -euo pipefail
cd "$(dirname "$0")"

seconds=${FUZZ_SECONDS:-60}
sanitizer=${FUZZ_SANITIZER:-address}
per_input=${FUZZ_TIMEOUT:-10}
all=(extract tag_claims patterns warc jsonl tar sources)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

# Longest input per target: long enough for a quadratic shape to show as a timeout, short
# enough for thousands of inputs a second.
max_len() {
  case "$1" in
    extract) echo 65536 ;;
    tag_claims | patterns | warc | jsonl | tar) echo 32768 ;;
    *) echo 8192 ;;
  esac
}

# cargo fuzz needs a nightly compiler (sanitizer and coverage flags). Without one, and none
# to be had, the stable compiler accepts the same flags with RUSTC_BOOTSTRAP=1.
toolchain=()
if rustup run nightly rustc --version >/dev/null 2>&1; then
  toolchain=(+nightly)
elif timeout 60 rustup toolchain install nightly --profile minimal >/dev/null 2>&1; then
  toolchain=(+nightly)
else
  echo "fuzz: no nightly toolchain; using the stable one with RUSTC_BOOTSTRAP=1"
  export RUSTC_BOOTSTRAP=1
fi
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked

# Seeds and dictionaries, written by the property tests' seed builders.
(cd .. && SITREP_FUZZ_SEEDS=fuzz/seeds cargo test --locked --quiet --test properties \
  -- --ignored --exact write_fuzz_seeds >/dev/null)

# One build for all targets (they share the library), or just the one named.
build=()
[ ${#targets[@]} -ne 1 ] || build=("${targets[0]}")
cargo "${toolchain[@]}" fuzz build -s "$sanitizer" "${build[@]}"

mkdir -p logs
failed=()
printf '%-11s %10s %8s %8s %8s %8s  %s\n' target execs exec/s cov ft slowest result
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  status=0
  cargo "${toolchain[@]}" fuzz run -s "$sanitizer" "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$seconds" -timeout="$per_input" -rss_limit_mb=4096 \
    -max_len="$(max_len "$t")" -dict="seeds/$t.dict" -print_final_stats=1 \
    >"logs/$t.log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "logs/$t.log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "logs/$t.log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "logs/$t.log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "logs/$t.log" | tail -1 | cut -d' ' -f2)
  slowest=$(sed -n 's/^stat::slowest_unit_time_sec: *//p' "logs/$t.log" | tail -1)
  if [ "$status" -eq 0 ]; then
    result=ok
  else
    result="FAILED (see fuzz/logs/$t.log)"
    failed+=("$t")
    grep -E '^(==[0-9]+== ?ERROR|thread .* panicked|SUMMARY|artifact_prefix|Test unit written)' \
      "logs/$t.log" | head -5 || tail -20 "logs/$t.log"
  fi
  printf '%-11s %10s %8s %8s %8s %7ss  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
    "${slowest:-?}" "$result"
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${failed[*]} failed; reproduce with: cd fuzz && cargo +nightly fuzz run TARGET artifacts/TARGET/FILE"
  exit 1
fi
