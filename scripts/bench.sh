#!/usr/bin/env bash
# `make bench`: every micro-benchmark (Google Benchmark) and every side-by-side script, with
# the output under build/bench-results/. Figures are copied into docs/PERFORMANCE.md by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
out=build/bench-results
mkdir -p "$out"
export WPM=$build/wpm

for bin in "$build"/tests/wpm_*_bench; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  echo "== $name" >&2
  "$bin" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
    | tee "$out/$name.txt"
done

for script in scripts/bench_sync.sh scripts/bench_workers.sh scripts/bench_loadgen.sh \
  scripts/bench_scrape.sh scripts/bench_replacement.sh; do
  [ -x "$script" ] || continue
  name=$(basename "$script" .sh)
  echo "== $name" >&2
  "$script" | tee "$out/$name.md"
done
echo "results in $out/" >&2
