#!/usr/bin/env bash
# Keep-alive balance across a pool's workers, before and after a replacement (issue 8.4).
# For each class and pool size: wrk holds 4 keep-alive connections per worker; the per-worker
# requests_total is scraped over a 1.5 s window (before), worker 0 is aborted (`wpm signal
# abort --wait`: announced, so planned), then over another 1.5 s window starting 0.5 s after
# the replacement is up (after). Prints max/min of the per-worker request counts of each
# window, the replacement's requests over a fair share, and how the connections are spread
# (per-worker established sockets, from ss). Goal: max/min <= 1.3.
# Usage: scripts/bench_balance.sh   (WPM=build/release/wpm, CLASSES="thread eventlet gevent",
#        SIZES="2 4"). sync is left out: it closes every connection, so it has no keep-alive
#        imbalance to show.
cd "$(dirname "$0")/.."
source scripts/bench_lib.sh
classes=${CLASSES:-thread eventlet gevent}
sizes=${SIZES:-2 4}

printf '%-9s %-7s %-15s %-15s %-13s %s\n' class workers "before max/min" "after max/min" \
  "replacement" "connections before -> after"
for class in $classes; do
  for n in $sizes; do
    name="balance-$class-$n"
    start_pool "$name" "$class" "$n"
    wrk -t 2 -c $((4 * n)) -d 8s "$POOL_URL/" >/dev/null 2>&1 &
    wrk_pid=$!
    STARTED_PIDS+=($wrk_pid)
    /usr/bin/python3 - "$POOL_METRICS" "$WPM" "$name" "$class" "$n" \
      "$XDG_RUNTIME_DIR/wpm/$name/state.json" "${POOL_URL##*:}" <<'PY'
import collections, json, re, subprocess, sys, time, urllib.request

metrics, wpm, name, cls, n, state, port = sys.argv[1:]
pattern = re.compile(r'^\w*worker_requests_total\{[^}]*worker_id="([^"]+)"[^}]*\} (\S+)$', re.M)

def scrape():
    text = urllib.request.urlopen(metrics, timeout=5).read().decode()
    return {w: float(v) for w, v in pattern.findall(text)}

def live():
    return {w["worker_id"] for w in json.load(open(state))["workers"] if w["state"] == "running"}

def window(seconds):
    a = scrape(); time.sleep(seconds); b = scrape()
    running = live()  # exited workers keep their (frozen) counters: leave them out
    return {w: b[w] - a[w] for w in b if w in a and w in running}

def connections():
    out = subprocess.run(["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True, timeout=10).stdout
    per_pid = collections.Counter(re.findall(r"pid=(\d+)", out))
    return "/".join(str(c) for c in sorted(per_pid.values(), reverse=True))

def spread(d):
    lo, hi = min(d.values()), max(d.values())
    return f"{hi / lo:.2f}" if lo > 0 else "inf"

time.sleep(1.0)
before = window(1.5)
conns_before = connections()
old = set(before)
subprocess.run([wpm, "signal", "abort", "--name", name, "--worker", "0", "--wait"],
               check=True, capture_output=True, timeout=30)
time.sleep(0.5)
after = window(1.5)
conns_after = connections()
new = [w for w in after if w not in old]
fair = sum(after.values()) / len(after)
share = after[new[0]] / fair if new and fair else 0.0
print(f"{cls:<9} {n:<7} {spread(before):<15} {spread(after):<15} {share:<13.2f} "
      f"{conns_before} -> {conns_after}")
PY
    stop_pid "$wrk_pid"
    stop_pid "$POOL_PID"
  done
done
