#!/usr/bin/env bash
# /metrics scrape speed, wpm vs gunicorn-prometheus-exporter's pattern (issue 14): Debian's
# gunicorn (sync workers) with prometheus_client in multiprocess mode, its registry served by
# start_http_server from when_ready (scripts/exporter_conf.py, scripts/exporter_app.py).
# For 2 and 16 workers: both pools warmed with the same traffic, then `wrk -t1 -c1` on each
# metrics URL, alternating round by round — keep-alive, and with "Connection: close" (a fresh
# connection per scrape). Medians; the ratio is wpm / gunicorn.
# Usage: scripts/bench_scrape.sh [ROUNDS=3] [SECONDS=5]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench_lib.sh
rounds=${1:-3}
secs=${2:-5}

# start_gunicorn NAME WORKERS: sets GUNI_URL, GUNI_METRICS.
start_gunicorn() {
  local name=$1 workers=$2 port mport dir="$BENCH_TMP/$1"
  port=$(free_port)
  mport=$(free_port)
  mkdir -p "$dir"
  PROMETHEUS_MULTIPROC_DIR=$dir EXPORTER_METRICS_PORT=$mport \
    /usr/bin/gunicorn -c scripts/exporter_conf.py --pythonpath scripts -w "$workers" \
    -b "127.0.0.1:$port" exporter_app:app >"$BENCH_TMP/$name.log" 2>&1 &
  STARTED_PIDS+=($!)
  GUNI_PID=$!
  GUNI_URL="http://127.0.0.1:$port/"
  GUNI_METRICS="http://127.0.0.1:$mport/metrics"
  wait_http "$GUNI_URL"
  wait_http "$GUNI_METRICS"
}

median() { /usr/bin/python3 -c 'import statistics,sys; print(f"{statistics.median(map(float, sys.argv[1:])):.1f}")' "$@"; }
ms_per() { /usr/bin/python3 -c 'import sys; print(f"{1000/float(sys.argv[1]):.3f}")' "$1"; }

echo "| workers | page bytes wpm / gunicorn | keep-alive scrapes/s wpm | gunicorn | **wpm / gunicorn** (goal ≥ 1.0) | fresh-connection scrape, ms wpm | gunicorn |"
echo "|---|---|---|---|---|---|---|"
for workers in 2 16; do
  start_pool "scrape$workers" sync "$workers"
  start_gunicorn "gunicorn$workers" "$workers"
  for url in "$POOL_URL" "$GUNI_URL"; do wrk -t1 -c32 -d1s "$url" >/dev/null; done
  page_wpm=$(curl -s "$POOL_METRICS" | wc -c)
  page_guni=$(curl -s "$GUNI_METRICS" | wc -c)
  ka_w=() ka_g=() fr_w=() fr_g=()
  for _ in $(seq 1 "$rounds"); do
    ka_w+=("$(wrk_rps "$POOL_METRICS" -t1 -c1 -d"${secs}s")")
    ka_g+=("$(wrk_rps "$GUNI_METRICS" -t1 -c1 -d"${secs}s")")
    fr_w+=("$(wrk_rps "$POOL_METRICS" -t1 -c1 -d"${secs}s" -H 'Connection: close')")
    fr_g+=("$(wrk_rps "$GUNI_METRICS" -t1 -c1 -d"${secs}s" -H 'Connection: close')")
  done
  echo "rounds, $workers workers: keep-alive wpm ${ka_w[*]} / gunicorn ${ka_g[*]}; fresh wpm ${fr_w[*]} / gunicorn ${fr_g[*]}" >&2
  mw=$(median "${ka_w[@]}") mg=$(median "${ka_g[@]}")
  echo "| $workers | $page_wpm / $page_guni | $mw | $mg | **$(ratio "$mw" "$mg")** | $(ms_per "$(median "${fr_w[@]}")") | $(ms_per "$(median "${fr_g[@]}")") |"
  stop_pid "$POOL_PID"
  stop_pid "$GUNI_PID"
done
