"""wpm bench end to end: reconciled reports, valid outputs, clean teardown."""
import json
import os
import signal
import subprocess

from wpmtest import assert_report_schema, kill_group, wait_until


def bench(binary, runtime_dir, out, *args, timeout=300):
    env = dict(os.environ, XDG_RUNTIME_DIR=runtime_dir)
    return subprocess.run([binary, "bench", "--out", str(out), "--no-progress", *args],
                          capture_output=True, text=True, timeout=timeout, env=env)


def test_sync_bench_with_abort_reconciles(binary, runtime_dir, tmp_path):
    out = tmp_path / "report"
    res = bench(binary, runtime_dir, out, "--worker-class", "sync", "--duration", "3s",
                "--warmup", "0.5s", "--inject", "1s:abort:worker=0", "--connections", "4")
    assert res.returncode == 0, res.stdout + res.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["schema_version"] == 3
    assert report["verdict"] == {"passed": True, "reasons": []}
    (cls,) = report["classes"]
    assert cls["worker_class"] == "sync"
    assert cls["reconciliation"]["ok"] is True
    assert cls["reconciliation"]["aborts_injected"] is True
    assert cls["summary"]["responses"] > 0
    (event,) = cls["events"]
    assert event["signal"] == "abort" and event["delivered"] is True
    assert "replaced" in event["effect"]
    assert cls["master_restarts"].get("abort") == 1

    assert_report_schema(out / "report.json")
    prom = subprocess.run(["promtool", "check", "metrics"], stdin=open(out / "report.prom"),
                          capture_output=True, text=True, timeout=60)
    assert prom.returncode == 0, prom.stdout + prom.stderr
    html = (out / "report.html").read_text()
    assert "<svg" in html and "http://" not in html.split("</head>")[0].replace(
        "http://www.w3.org", "")
    assert "sync" in res.stdout  # the console table


def test_bench_without_aborts_reconciles_exactly(binary, runtime_dir, tmp_path):
    out = tmp_path / "report"
    res = bench(binary, runtime_dir, out, "--worker-class", "sync", "--duration", "2s",
                "--warmup", "0.5s", "--inject", "1s:quit:worker=1", "--path", "/",
                "--path", "/sleep/2")
    assert res.returncode == 0, res.stdout + res.stderr
    cls = json.loads((out / "report.json").read_text())["classes"][0]
    rec = cls["reconciliation"]
    assert rec["ok"] and rec["client_completed"] == rec["server_delta"]
    assert cls["master_restarts"].get("quit") == 1


def test_ctrl_c_stops_and_leaves_no_child(binary, runtime_dir, tmp_path):
    out = tmp_path / "report"
    env = dict(os.environ, XDG_RUNTIME_DIR=runtime_dir)
    proc = subprocess.Popen([binary, "bench", "--out", str(out), "--no-progress",
                             "--worker-class", "sync", "--duration", "30s", "--warmup", "0s"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)
    try:
        state_dir = os.path.join(runtime_dir, "wpm")

        def pool_pids():
            pids = []
            for name in os.listdir(state_dir) if os.path.isdir(state_dir) else []:
                path = os.path.join(state_dir, name, "state.json")
                if os.path.exists(path):
                    s = json.load(open(path))
                    pids = [s["master_pid"]] + [w["pid"] for w in s["workers"]]
            return pids if len(pids) == 3 else None

        pids = wait_until(pool_pids, timeout=60, what="the bench's pool")

        def served():  # the partial report must hold measurements: wait for traffic
            for name in os.listdir(state_dir):
                path = os.path.join(state_dir, name, "state.json")
                if os.path.exists(path):
                    return sum(w["requests"] for w in json.load(open(path))["workers"]) > 0
            return False

        wait_until(served, timeout=30, what="load to reach the pool")
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            kill_group(proc)
    assert proc.returncode == 1, stderr
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}"), f"pid {pid} left behind"
    report = json.loads((out / "report.json").read_text())
    assert report["interrupted"] is True
    assert report["classes"] and report["classes"][0]["summary"]["responses"] > 0


def test_bad_inject_is_usage_error(binary, runtime_dir, tmp_path):
    res = bench(binary, runtime_dir, tmp_path, "--inject", "soon:abort")
    assert res.returncode == 2
    assert "--inject: 'soon:abort'" in res.stderr


def test_a_killed_bench_leaves_no_pool(binary, runtime_dir, tmp_path):
    """SIGKILL gives the bench no chance to stop its pool: the pool dies with it (PDEATHSIG)."""
    env = dict(os.environ, XDG_RUNTIME_DIR=runtime_dir)
    proc = subprocess.Popen([binary, "bench", "--out", str(tmp_path / "report"), "--no-progress",
                             "--worker-class", "sync", "--duration", "30s", "--warmup", "0s"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                            start_new_session=True)
    pids = []
    try:
        state_dir = os.path.join(runtime_dir, "wpm")

        def pool_pids():
            for name in os.listdir(state_dir) if os.path.isdir(state_dir) else []:
                path = os.path.join(state_dir, name, "state.json")
                if os.path.exists(path):
                    s = json.load(open(path))
                    found = [s["master_pid"]] + [w["pid"] for w in s["workers"]]
                    return found if len(found) == 3 else None
            return None

        pids = wait_until(pool_pids, timeout=60, what="the bench's pool")
        proc.kill()
        proc.wait(timeout=10)
        wait_until(lambda: not any(running(pid) for pid in pids), timeout=10,
                   what="the pool to exit with its bench")
    finally:
        if proc.poll() is None:
            kill_group(proc)
        if pids and running(pids[0]):  # the pool leads its own group: never leave it behind
            os.killpg(pids[0], signal.SIGKILL)


def running(pid):
    """Alive and not a zombie (an orphan may wait a while for init to reap it)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False
