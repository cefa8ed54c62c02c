#!/usr/bin/env bash
# CPU a max_requests recycle costs: one thread pool plain and one with --max-requests 100
# --max-requests-jitter 50, each under `wrk -t2 -c16` for SECONDS; the master's own CPU, the
# fork server's (which forks the workers) and the CPU of the workers the master reaped
# (/proc/<pid>/stat utime+stime, and the master's cutime+cstime) per recycle.
# Usage: scripts/bench_recycle_cost.sh [SECONDS=4]   (WPM=build/release/wpm, CLASS=thread)
cd "$(dirname "$0")/.."
source scripts/bench_lib.sh
seconds=${1:-4}
class=${CLASS:-thread}
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15, $16 + $17}' "/proc/$1/stat"; }
restarts() { curl -s "$1" | awk '/^gunicorn_master_worker_restart_total/ {s += $2} END {print s + 0}'; }
own_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
echo "| max_requests | req/s | recycles | master CPU ms / recycle | fork server CPU ms / recycle | reaped workers' CPU s |"
echo "|---|---|---|---|---|---|"
for max in 0 100; do
  args=()
  [ "$max" -gt 0 ] && args=(--max-requests "$max" --max-requests-jitter 50)
  start_pool "cost-$max" "$class" 2 "${args[@]}"
  server=$(pgrep -P "$POOL_PID" -f "wpm-worker fork-server" || true)
  read -r self0 kids0 < <(cpu_ticks "$POOL_PID")
  fork0=$(own_ticks "${server:-0}")
  r0=$(restarts "$POOL_METRICS")
  rps=$(wrk_rps "$POOL_URL/" -t2 -c16 -d"${seconds}s")
  read -r self1 kids1 < <(cpu_ticks "$POOL_PID")
  fork1=$(own_ticks "${server:-0}")
  r1=$(restarts "$POOL_METRICS")
  n=$((r1 - r0))
  per() { /usr/bin/python3 -c "print('-' if $n == 0 else f'{($2-$1)/$hz*1e3/$n:.2f}')"; }
  echo "| $max | $rps | $n | $(per "$self0" "$self1") | $(per "$fork0" "$fork1") | $(/usr/bin/python3 -c "print(f'{($kids1-$kids0)/$hz:.2f}')") |"
  stop_pid "$POOL_PID"
done
