#!/usr/bin/env bash
# Side by side in one run (issue 4), against the same nginx target on loopback:
#  1. wpm's closed-loop throughput vs wrk, same threads and connections (goal ≥ 1.0× wrk),
#     and the client CPU time per request of each;
#  2. memory of the wpm client over a long run (LONG_REQUESTS, default 10 million requests):
#     RSS sampled once a second must stay flat.
# Usage: scripts/bench_loadgen.sh [ROUNDS=3] [SECONDS=5]
cd "$(dirname "$0")/.."
source scripts/bench_lib.sh
rounds=${1:-3}
secs=${2:-5}
long_requests=${LONG_REQUESTS:-10000000}
port=$(free_port)
start_nginx "$port" 2 on
url=http://127.0.0.1:$port/

field() { /usr/bin/python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
wpm_run() {  # prints the measured JSON line; rps from the report
  local out="$BENCH_TMP/lg-$1"
  local m
  m=$(scripts/run_measured.py "$WPM" bench --target "$url" --client-threads 2 --connections 64 \
        --duration "${2}s" --warmup 0s --no-progress --out "$out")
  local rps
  rps=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["classes"][0]["summary"]["achieved_rate"])' "$out/report.json")
  local responses
  responses=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["classes"][0]["summary"]["responses"])' "$out/report.json")
  echo "$rps $(field "$m" cpu_s) $responses"
}
wrk_run() {
  local m
  m=$(scripts/run_measured.py sh -c "wrk -t2 -c64 -d${secs}s $url > $BENCH_TMP/wrk.txt")
  local rps reqs
  rps=$(awk '/Requests\/sec/ {print $2}' "$BENCH_TMP/wrk.txt")
  reqs=$(awk '/requests in/ {print $1}' "$BENCH_TMP/wrk.txt")
  echo "$rps $(field "$m" cpu_s) $reqs"
}

echo "| closed loop vs nginx, 2 threads, 64 connections, ${secs}s | req/s | client CPU µs/request |"
echo "|---|---|---|"
w_rps=() g_rps=() w_cpu=() g_cpu=()
for r in $(seq 1 "$rounds"); do
  read -r rps cpu n <<<"$(wrk_run)"
  g_rps+=("$rps"); g_cpu+=("$(/usr/bin/python3 -c "print(f'{$cpu/$n*1e6:.2f}')")")
  read -r rps cpu n <<<"$(wpm_run "r$r" "$secs")"
  w_rps+=("$rps"); w_cpu+=("$(/usr/bin/python3 -c "print(f'{$cpu/$n*1e6:.2f}')")")
  echo "round $r: wrk ${g_rps[-1]} req/s (${g_cpu[-1]} µs CPU/req), wpm ${w_rps[-1]} req/s (${w_cpu[-1]} µs CPU/req)" >&2
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mw=$(median "${w_rps[@]}"); mg=$(median "${g_rps[@]}")
echo "| wrk 4.1 | $mg | $(median "${g_cpu[@]}") |"
echo "| wpm bench --target | $mw | $(median "${w_cpu[@]}") |"
echo "| ratio wpm / wrk (goal ≥ 1.0) | $(ratio "$mw" "$mg") | |"

# Long run: duration sized from the measured rate to reach long_requests.
long_s=$(/usr/bin/python3 -c "print(max(10, int($long_requests / float('$mw')) + 1))")
m=$(scripts/run_measured.py "$WPM" bench --target "$url" --client-threads 2 --connections 64 \
      --duration "${long_s}s" --warmup 0s --no-progress --out "$BENCH_TMP/long")
n=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["classes"][0]["summary"]["responses"])' "$BENCH_TMP/long/report.json")
/usr/bin/python3 - "$m" "$n" "$long_s" <<'PY'
import json, sys
m, n, secs = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rss = m["rss_kb"]
early = rss[min(5, len(rss) - 1)]
print()
print(f"| long run: {n:,} requests in {secs} s | RSS after 5 s | RSS at the end | max RSS |")
print("|---|---|---|---|")
print(f"| wpm bench --target | {early / 1024:.1f} MiB | {rss[-1] / 1024:.1f} MiB | {max(rss) / 1024:.1f} MiB |")
PY
