"""Under keep-alive, a worker that replaces an aborted one takes its share of the pool's
connections at once (workers/accept_balance.h), instead of serving nothing while the
survivor keeps every reconnection for the rest of the run."""
import json
import os
import subprocess

import pytest

from wpmtest import kill_group


@pytest.mark.parametrize("worker_class", ["thread", "eventlet", "gevent"])
def test_a_replacement_serves_a_real_share_after_an_abort(binary, runtime_dir, tmp_path,
                                                          worker_class):
    out = tmp_path / "report"
    cmd = [binary, "bench", "--out", str(out), "--no-progress", "--worker-class", worker_class,
           "--workers", "2", "--duration", "3s", "--warmup", "0.5s", "--connections", "8",
           "--inject", "0.5s:abort:worker=0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ, XDG_RUNTIME_DIR=runtime_dir),
                            start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=60)
    finally:
        kill_group(proc)
    assert proc.returncode == 0, output
    (cls,) = json.loads((out / "report.json").read_text())["classes"]
    (event,) = cls["events"]
    assert event["delivered"] and "replaced" in event["effect"], event
    rows = {w["index"]: w for w in cls["workers"] if w["state"] != "exited"}
    replacement, survivor = rows[0], rows[1]
    assert replacement["worker_id"] in event["effect"], (event, rows)
    # The replacement lives ~2.4 s of the run, the survivor ~3.5 s (warmup included): an even
    # split gives it ~2/3 of the survivor's count. A quarter of that is the floor.
    fair = survivor["requests"] * 2.4 / 3.5
    assert replacement["requests"] >= 0.25 * fair, (replacement, survivor, event, output)
