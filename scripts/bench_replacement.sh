#!/usr/bin/env bash
# Abort → replacement serving (issue 8, DESIGN.md §9): median and p99 over TRIALS aborts for
# every wpm worker class and for Debian's Gunicorn (sync worker, trivial WSGI app), side by
# side in one run, trials interleaved, one worker per pool (scripts/replacement_trials.py says
# why one). wpm's aborts are announced as `wpm signal` does, so they count as planned.
# ONE_BINARY_CLASSES="sync …" adds pools of a copy of wpm with no wpm-worker next to it, so the
# master execs wpm itself as the fork server (and for a worker, when it has no fork server).
# Usage: scripts/bench_replacement.sh [TRIALS=50]   (WPM=build/release/wpm, CLASSES="sync …")
cd "$(dirname "$0")/.."
source scripts/bench_lib.sh
trials=${1:-50}
classes=${CLASSES:-sync thread eventlet gevent}
if ! command -v gunicorn >/dev/null; then
  echo "Debian's gunicorn is missing: run scripts/setup.sh" >&2
  exit 1
fi

# start_gunicorn: one sync worker serving a trivial WSGI app; sets GUNICORN_PID, GUNICORN_PORT.
start_gunicorn() {
  local dir="$BENCH_TMP/gunicorn"
  mkdir -p "$dir"
  cat > "$dir/trivial_app.py" <<'PY'
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "3")])
    return [b"OK\n"]
PY
  GUNICORN_PORT=$(free_port)
  gunicorn --chdir "$dir" --workers 1 --worker-class sync --log-level warning \
    --bind "127.0.0.1:$GUNICORN_PORT" trivial_app:application >"$dir/gunicorn.log" 2>&1 &
  GUNICORN_PID=$!
  STARTED_PIDS+=($GUNICORN_PID)
  wait_http "http://127.0.0.1:$GUNICORN_PORT/"
}

targets=()
for class in $classes; do
  start_pool "replace-$class" "$class" 1
  targets+=(--target "wpm $class,${POOL_URL##*:},$POOL_PID,$XDG_RUNTIME_DIR/wpm/replace-$class")
done
if [ -n "${ONE_BINARY_CLASSES:-}" ]; then
  mkdir -p "$BENCH_TMP/one-binary"
  cp "$WPM" "$BENCH_TMP/one-binary/wpm"
  for class in $ONE_BINARY_CLASSES; do
    WPM="$BENCH_TMP/one-binary/wpm" start_pool "replace1-$class" "$class" 1
    targets+=(--target "wpm $class one binary,${POOL_URL##*:},$POOL_PID,$XDG_RUNTIME_DIR/wpm/replace1-$class")
  done
fi
start_gunicorn
version=$(gunicorn --version 2>&1 | tr -d '()' | awk '{print $3}')
targets+=(--target "gunicorn $version sync,$GUNICORN_PORT,$GUNICORN_PID")
/usr/bin/python3 scripts/replacement_trials.py --trials "$trials" "${targets[@]}"
