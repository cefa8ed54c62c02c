#!/usr/bin/env bash
# Aggregate throughput of 1, 2 and 4 local generators (`wpm bench --segment I/N`, one shared
# `--start-at`) against the same nginx, merged with `wpm report merge` (issue 13). The scenario
# is the same in every row: 64 connections closed loop for SECONDS; N generators each run 64/N.
# Per row: merged responses/s (responses over the union of the measured windows), the sum of
# the generators' own rates, the spread of their measured starts, and nginx's count of the
# requests (from its access log) against the merged count, which must be equal.
# Usage: scripts/bench_segments.sh [SECONDS=5]
cd "$(dirname "$0")/.."
source scripts/bench_lib.sh
secs=${1:-5}
port=$(free_port)
dir="$BENCH_TMP/nginx-$port"
mkdir -p "$dir"
cat > "$dir/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 16384; }
http {
  log_format n "x";
  access_log $dir/access.log n buffer=64k flush=100ms;
  keepalive_timeout 65; keepalive_requests 1000000;
  client_body_temp_path $dir; proxy_temp_path $dir; fastcgi_temp_path $dir;
  uwsgi_temp_path $dir; scgi_temp_path $dir;
  server {
    listen 127.0.0.1:$port;
    location / { default_type text/plain; return 200 "OK\n"; }
  }
}
CONF
/usr/sbin/nginx -c "$dir/nginx.conf" -p "$dir" >/dev/null 2>&1 &
STARTED_PIDS+=($!)
wait_http "http://127.0.0.1:$port/"

log_lines() { sleep 0.3; wc -l < "$dir/access.log"; }  # after nginx's 100 ms log flush

echo "| generators | connections each | merged req/s | sum of generators' req/s | start spread | merged responses | nginx requests |"
echo "|---|---|---|---|---|---|---|"
for n in 1 2 4; do
  before=$(log_lines)
  at=$(date -u -d '+3 seconds' +%Y-%m-%dT%H:%M:%S.%NZ)
  pids=()
  for i in $(seq 0 $((n - 1))); do
    "$WPM" bench --target "http://127.0.0.1:$port/" --connections 64 --client-threads 1 \
      --duration "${secs}s" --warmup 0s --segment "$i/$n" --start-at "$at" --no-progress \
      --out "$BENCH_TMP/g$n-$i" >"$BENCH_TMP/g$n-$i.log" 2>&1 &
    pids+=($!)
    STARTED_PIDS+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  after=$(log_lines)
  reports=()
  for i in $(seq 0 $((n - 1))); do reports+=("$BENCH_TMP/g$n-$i/report.json"); done
  "$WPM" report merge "${reports[@]}" -o "$BENCH_TMP/m$n" >/dev/null
  /usr/bin/python3 - "$BENCH_TMP/m$n/report.json" "$n" "$((after - before))" "${reports[@]}" <<'PY'
import json, sys
merged = json.load(open(sys.argv[1]))["classes"][0]
n, server = int(sys.argv[2]), int(sys.argv[3])
parts = [json.load(open(p))["classes"][0] for p in sys.argv[4:]]
starts = [p["measured_start_unix_s"] for p in parts]
own = sum(p["summary"]["achieved_rate"] for p in parts)
s = merged["summary"]
print(f"| {n} | {64 // n} | {s['achieved_rate']:.0f} | {own:.0f} | "
      f"{(max(starts) - min(starts)) * 1e3:.2f} ms | {s['responses']} | {server} |")
PY
done
