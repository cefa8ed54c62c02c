# Shared helpers of the side-by-side benchmark scripts (sourced, not run).
# Every process started here is recorded and stopped by PID on exit.
set -euo pipefail

WPM=${WPM:-build/release/wpm}
BENCH_TMP=$(mktemp -d /tmp/wpm-bench.XXXXXX)
chmod 700 "$BENCH_TMP"
# The pools' runtime files (state file, locks) on tmpfs when there is one, as under a real
# $XDG_RUNTIME_DIR (/run/user/UID): on a disk file system every state-file rename starts a
# writeback, a cost of the benchmark's set-up rather than of the pool.
BENCH_RUN=$BENCH_TMP
[ -d /dev/shm ] && [ -w /dev/shm ] && BENCH_RUN=$(mktemp -d /dev/shm/wpm-bench.XXXXXX)
chmod 700 "$BENCH_RUN"
export XDG_RUNTIME_DIR=$BENCH_RUN
STARTED_PIDS=()

cleanup() {
  for pid in "${STARTED_PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${STARTED_PIDS[@]:-}"; do
    [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
  done
  rm -rf "$BENCH_TMP" "$BENCH_RUN"
}
trap cleanup EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_http() {  # wait_http URL: readiness by polling, bounded
  for _ in $(seq 1 200); do
    curl -sk -o /dev/null "$1" && return 0
    sleep 0.05
  done
  echo "not ready: $1" >&2
  return 1
}

# start_nginx PORT WORKERS KEEPALIVE(on|off) [tls]: a tiny "OK\n" response, no logs. With
# `tls`, HTTPS with a self-signed certificate for 127.0.0.1, written to $NGINX_CERT.
start_nginx() {
  local port=$1 workers=$2 keepalive=$3 tls=${4:-} dir="$BENCH_TMP/nginx-$1"
  mkdir -p "$dir"
  local ka="keepalive_timeout 0;"
  [ "$keepalive" = on ] && ka="keepalive_timeout 65; keepalive_requests 1000000;"
  local listen="127.0.0.1:$port" ssl="" scheme=http
  if [ "$tls" = tls ]; then
    NGINX_CERT="$dir/cert.pem"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/key.pem" \
      -out "$NGINX_CERT" -days 1 -subj "/CN=wpm bench" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
    listen="$listen ssl"
    ssl="ssl_certificate $NGINX_CERT; ssl_certificate_key $dir/key.pem; ssl_protocols TLSv1.2 TLSv1.3;"
    scheme=https
  fi
  cat > "$dir/nginx.conf" <<CONF
worker_processes $workers;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  $ka
  client_body_temp_path $dir; proxy_temp_path $dir; fastcgi_temp_path $dir;
  uwsgi_temp_path $dir; scgi_temp_path $dir;
  server {
    listen $listen;
    $ssl
    location / { default_type text/plain; return 200 "OK\n"; }
  }
}
CONF
  /usr/sbin/nginx -c "$dir/nginx.conf" -p "$dir" >/dev/null 2>&1 &
  STARTED_PIDS+=($!)
  NGINX_PID=$!
  wait_http "$scheme://127.0.0.1:$port/"
}

# start_pool NAME CLASS WORKERS [extra serve flags…]: sets POOL_PID, POOL_URL, POOL_METRICS.
start_pool() {
  local name=$1 class=$2 workers=$3
  shift 3
  "$WPM" serve --name "$name" --worker-class "$class" --workers "$workers" \
    --bind 127.0.0.1:0 --metrics-bind 127.0.0.1:0 --log-level warning "$@" \
    >"$BENCH_TMP/$name.log" 2>&1 &
  POOL_PID=$!
  STARTED_PIDS+=($POOL_PID)
  local state="$XDG_RUNTIME_DIR/wpm/$name/state.json"
  for _ in $(seq 1 200); do
    if [ -f "$state" ] && /usr/bin/python3 - "$state" "$workers" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
live = [w for w in s["workers"] if w["state"] == "running"]
sys.exit(0 if len(live) == int(sys.argv[2]) else 1)
PY
    then
      POOL_URL="http://$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["bind"])' "$state")"
      POOL_METRICS="http://$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metrics_bind"])' "$state")/metrics"
      return 0
    fi
    sleep 0.05
  done
  echo "pool $name not ready" >&2
  cat "$BENCH_TMP/$name.log" >&2
  return 1
}

stop_pid() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# wrk_rps URL ARGS…: requests/s reported by wrk.
wrk_rps() {
  local url=$1
  shift
  wrk "$@" "$url" 2>&1 | awk '/Requests\/sec/ {print $2}'
}

ratio() { /usr/bin/python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{a/b:.3f}' if b else 'n/a')" "$1" "$2"; }
