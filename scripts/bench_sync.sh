#!/usr/bin/env bash
# Side by side in one run (issue 2): the sync pool with metrics on vs off, and vs nginx with
# the same worker count and the same tiny response, every response `Connection: close`.
# Rounds alternate the three targets so drift on a shared machine hits all of them alike.
# Usage: scripts/bench_sync.sh [ROUNDS=3] [SECONDS=5]
cd "$(dirname "$0")/.."
source scripts/bench_lib.sh
rounds=${1:-3}
secs=${2:-5}
workers=2
wrk_args=(-t2 -c32 -d"${secs}s" -H "Connection: close")

start_pool on sync $workers
on_url=$POOL_URL/
start_pool off sync $workers --no-metrics
off_url=$POOL_URL/
nginx_port=$(free_port)
start_nginx "$nginx_port" $workers off
nginx_url=http://127.0.0.1:$nginx_port/

on=() off=() nginx=()
for r in $(seq 1 "$rounds"); do
  on+=("$(wrk_rps "$on_url" "${wrk_args[@]}")")
  off+=("$(wrk_rps "$off_url" "${wrk_args[@]}")")
  nginx+=("$(wrk_rps "$nginx_url" "${wrk_args[@]}")")
  echo "round $r: metrics on ${on[-1]}  metrics off ${off[-1]}  nginx ${nginx[-1]} req/s" >&2
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m_on=$(median "${on[@]}"); m_off=$(median "${off[@]}"); m_nginx=$(median "${nginx[@]}")
echo "| sync, Connection: close, $workers workers, wrk ${wrk_args[*]} | req/s (median of $rounds) |"
echo "|---|---|"
echo "| wpm sync, metrics on | $m_on |"
echo "| wpm sync, metrics off | $m_off |"
echo "| nginx-light | $m_nginx |"
echo "| ratio metrics on / off (goal ≥ 0.97) | $(ratio "$m_on" "$m_off") |"
echo "| ratio wpm sync / nginx (goal ≥ 0.9) | $(ratio "$m_on" "$m_nginx") |"
