#!/usr/bin/env bash
# HTTPS side by side in one run: `wpm bench --target https://…` vs wrk against the same nginx
# HTTPS endpoint (self-signed certificate, trusted by wpm with --ca-file; wrk does not verify),
# 2 threads, 64 connections, alternating rounds, medians and their ratio. Keep-alive (TLS cost:
# record encryption) and, with CLOSE=1 as well, `Connection: close` (a handshake per request;
# wpm resumes sessions, wrk makes full handshakes).
# Usage: scripts/bench_loadgen_tls.sh [ROUNDS=3] [SECONDS=5]
cd "$(dirname "$0")/.."
source scripts/bench_lib.sh
rounds=${1:-3}
secs=${2:-5}
port=$(free_port)
start_nginx "$port" 2 on tls
url=https://127.0.0.1:$port/

wpm_rps() {  # wpm_rps OUT [extra flags]: achieved req/s from the report
  local out="$BENCH_TMP/$1"
  shift
  "$WPM" bench --target "$url" --ca-file "$NGINX_CERT" --client-threads 2 --connections 64 \
    --duration "${secs}s" --warmup 0s --no-progress --out "$out" "$@" >/dev/null 2>"$out.log"
  /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["classes"][0]["summary"]["achieved_rate"])' "$out/report.json"
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

compare() {  # compare LABEL CLOSE(0|1)
  local label=$1 close=$2 w=() g=() wpm_flags=() wrk_flags=()
  if [ "$close" = 1 ]; then
    wpm_flags=(--no-keepalive)
    wrk_flags=(-H "Connection: close")  # wrk reconnects only on this exact spelling
  fi
  for r in $(seq 1 "$rounds"); do
    g+=("$(wrk_rps "$url" -t2 -c64 -d"${secs}s" "${wrk_flags[@]}")")
    w+=("$(wpm_rps "$label-$r" "${wpm_flags[@]}")")
    echo "$label round $r: wrk ${g[-1]} req/s, wpm ${w[-1]} req/s" >&2
  done
  local mw mg
  mw=$(median "${w[@]}") mg=$(median "${g[@]}")
  echo "| $label | $mg | $mw | $(ratio "$mw" "$mg") |"
}

echo "| nginx HTTPS, 2 threads, 64 connections, ${secs}s, median of $rounds | wrk req/s | wpm req/s | wpm / wrk |"
echo "|---|---|---|---|"
compare keep-alive 0
if [ "${CLOSE:-0}" = 1 ]; then
  compare close 1
fi
for f in "$BENCH_TMP"/*-1.log; do echo "$(basename "$f" .log): $(grep -ho "TLS: .*" "$f")" >&2; done
