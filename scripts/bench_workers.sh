#!/usr/bin/env bash
# Side by side in one run (issue 3), on loopback, 2 workers each, the same tiny response:
#  1. keep-alive throughput of thread, eventlet and gevent pools vs nginx (goal ≥ 0.8×);
#  2. 10,000 idle keep-alive connections held by one eventlet / gevent worker (RSS ≤ 64 MiB);
#  3. an I/O-bound route, /sleep/50 with 500 connections: eventlet and gevent vs the ideal
#     500 / 0.05 s = 10,000 req/s (goal ≥ 0.9×).
# Usage: scripts/bench_workers.sh [SECONDS=5]
cd "$(dirname "$0")/.."
source scripts/bench_lib.sh
secs=${1:-5}
ulimit -n "$(ulimit -Hn)"

nginx_port=$(free_port)
start_nginx "$nginx_port" 2 on
nginx_rps=$(wrk_rps "http://127.0.0.1:$nginx_port/" -t2 -c64 -d"${secs}s")
echo "| keep-alive, 2 workers, wrk -t2 -c64 -d${secs}s | req/s | × nginx |"
echo "|---|---|---|"
echo "| nginx-light | $nginx_rps | 1.000 |"
for class in thread eventlet gevent; do
  start_pool "ka-$class" "$class" 2 --threads 8
  rps=$(wrk_rps "$POOL_URL/" -t2 -c64 -d"${secs}s")
  echo "| wpm $class | $rps | $(ratio "$rps" "$nginx_rps") |"
  stop_pid "$POOL_PID"
done
stop_pid "$NGINX_PID"

echo
echo "| 10,000 idle keep-alive connections, 1 worker | worker RSS | goal |"
echo "|---|---|---|"
for class in eventlet gevent; do
  start_pool "idle-$class" "$class" 1 --worker-connections 12000 --keepalive 120s
  port=${POOL_URL##*:}
  coproc HOLD { /usr/bin/python3 scripts/hold_connections.py 127.0.0.1 "$port" 10000 60; }
  STARTED_PIDS+=($HOLD_PID)
  read -r line <&"${HOLD[0]}"
  worker_pid=$(/usr/bin/python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["workers"][0]["pid"])' "$XDG_RUNTIME_DIR/wpm/idle-$class/state.json")
  rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$worker_pid/status")
  echo "| wpm $class ($line) | $((rss_kb / 1024)) MiB | ≤ 64 MiB |"
  stop_pid "$HOLD_PID"
  stop_pid "$POOL_PID"
done

echo
echo "| /sleep/50, 500 connections, 2 workers, wrk -t2 -c500 -d${secs}s | req/s | × ideal (10,000/s) |"
echo "|---|---|---|"
for class in eventlet gevent; do
  start_pool "io-$class" "$class" 2
  rps=$(wrk_rps "$POOL_URL/sleep/50" -t2 -c500 -d"${secs}s" --timeout 5s)
  echo "| wpm $class | $rps | $(ratio "$rps" 10000) |"
  stop_pid "$POOL_PID"
done
