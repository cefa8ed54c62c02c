#!/usr/bin/env bash
# How long a bare four-class `wpm bench` takes to refuse a bad value (validation runs before
# any pool starts). Usage: scripts/bench_validation.sh [WPM_BIN] [RUNS]
set -euo pipefail
bin=${1:-build/release/wpm}
runs=${2:-20}
python3 - "$bin" "$runs" <<'PY'
import statistics, subprocess, sys, time
binary, runs = sys.argv[1], int(sys.argv[2])
cases = [["--workers", "0"], ["--fail-on", "p98>1ms"], ["--duration", "1m30"], ["--path", "x"]]
for case in cases:
    times = []
    for _ in range(runs):
        start = time.monotonic()
        code = subprocess.run([binary, "bench", *case], capture_output=True).returncode
        times.append((time.monotonic() - start) * 1000)
        assert code == 2, (case, code)
    print(f"wpm bench {' '.join(case):<22} exit 2  median {statistics.median(times):6.1f} ms  "
          f"max {max(times):6.1f} ms  ({runs} runs)")
PY
