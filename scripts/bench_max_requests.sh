#!/usr/bin/env bash
# Throughput with max_requests recycling against without it (issue 8: goal >= 0.9x for
# --max-requests 100). For each class, two pools of WORKERS workers side by side — one plain,
# one with --max-requests 100 --max-requests-jitter 50 — and `wrk -t2 -c16` on each, alternated
# ROUNDS times, keep-alive and Connection: close; the median of each column.
# Usage: scripts/bench_max_requests.sh [ROUNDS=3] [SECONDS=3]
#        (WPM=build/release/wpm, CLASSES="sync thread", WORKERS=2, REQUEST_PATH=/cpu/1 for a
#        request that does 1 ms of work instead of the empty "/", GUNICORN=1 adds Debian's
#        Gunicorn sync workers with a trivial WSGI app, plain and with the same recycling)
cd "$(dirname "$0")/.."
source scripts/bench_lib.sh
rounds=${1:-3}
seconds=${2:-3}
classes=${CLASSES:-sync thread eventlet gevent}
workers=${WORKERS:-2}
path=${REQUEST_PATH:-/}

# start_gunicorn NAME [flags…]: sets GUNICORN_URL.
start_gunicorn() {
  local name=$1 dir="$BENCH_TMP/$1"
  shift
  mkdir -p "$dir"
  printf '%s\n' 'def application(environ, start_response):' \
    '    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "3")])' \
    '    return [b"OK\n"]' > "$dir/trivial_app.py"
  local port
  port=$(free_port)
  gunicorn --chdir "$dir" --workers "$workers" --worker-class sync --log-level warning \
    --bind "127.0.0.1:$port" "$@" trivial_app:application >"$dir/gunicorn.log" 2>&1 &
  STARTED_PIDS+=($!)
  GUNICORN_PID=$!
  GUNICORN_URL="http://127.0.0.1:$port"
  wait_http "$GUNICORN_URL/"
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "request: GET $path"
echo "| class | load | req/s plain | req/s max_requests 100 (+0..50) | ratio (goal >= 0.9) | recycled workers/s |"
echo "|---|---|---|---|---|---|"
for class in $classes; do
  start_pool "plain-$class" "$class" "$workers"
  plain_url=$POOL_URL plain_pid=$POOL_PID
  start_pool "recycled-$class" "$class" "$workers" --max-requests 100 --max-requests-jitter 50
  recycled_url=$POOL_URL recycled_pid=$POOL_PID recycled_metrics=$POOL_METRICS
  for mode in keep-alive close; do
    header=()
    [ "$mode" = close ] && header=(-H "Connection: close")
    plain=() recycled=()
    restarts_before=$(curl -s "$recycled_metrics" | awk '/^gunicorn_master_worker_restart_total/ {s+=$2} END {print s+0}')
    for _ in $(seq 1 "$rounds"); do
      plain+=("$(wrk_rps "$plain_url$path" -t2 -c16 -d"${seconds}s" "${header[@]}")")
      recycled+=("$(wrk_rps "$recycled_url$path" -t2 -c16 -d"${seconds}s" "${header[@]}")")
    done
    restarts_after=$(curl -s "$recycled_metrics" | awk '/^gunicorn_master_worker_restart_total/ {s+=$2} END {print s+0}')
    p=$(median "${plain[@]}") r=$(median "${recycled[@]}")
    per_s=$(/usr/bin/python3 -c "print(f'{($restarts_after-$restarts_before)/($rounds*$seconds):.0f}')")
    echo "| $class | $mode | $p | $r | $(ratio "$r" "$p") | $per_s |"
  done
  stop_pid "$plain_pid"
  stop_pid "$recycled_pid"
done
if [ -n "${GUNICORN:-}" ]; then
  start_gunicorn gunicorn-plain
  plain_url=$GUNICORN_URL plain_pid=$GUNICORN_PID
  start_gunicorn gunicorn-recycled --max-requests 100 --max-requests-jitter 50
  recycled_url=$GUNICORN_URL recycled_pid=$GUNICORN_PID
  plain=() recycled=()
  for _ in $(seq 1 "$rounds"); do
    plain+=("$(wrk_rps "$plain_url/" -t2 -c16 -d"${seconds}s")")
    recycled+=("$(wrk_rps "$recycled_url/" -t2 -c16 -d"${seconds}s")")
  done
  p=$(median "${plain[@]}") r=$(median "${recycled[@]}")
  echo "| gunicorn $(gunicorn --version 2>&1 | awk '{print $3}' | tr -d '()') sync | close (its own) | $p | $r | $(ratio "$r" "$p") | — |"
  stop_pid "$plain_pid"
  stop_pid "$recycled_pid"
fi
