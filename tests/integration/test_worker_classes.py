"""Every worker class through the real binary: accounting, keep-alive, signals, the default bench."""
import http.client
import json
import os
import subprocess
import threading

import pytest

from wpmtest import metric_sum

CLASSES = ["sync", "thread", "eventlet", "gevent"]
REQUESTS = "gunicorn_worker_requests_total"


def keepalive_requests(port, n, path="/"):
    """n requests over one connection; returns (ok count, distinct connections used)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    ok = 0
    sockets = set()
    try:
        for _ in range(n):
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            ok += resp.status == 200
            sockets.add(id(conn.sock))
    finally:
        conn.close()
    return ok, len(sockets)


@pytest.mark.parametrize("worker_class", CLASSES)
def test_accounting_and_keepalive(pool_factory, worker_class):
    pool = pool_factory("--worker-class", worker_class, workers=2)
    threads, per = 4, 50
    results = []

    def client():
        results.append(keepalive_requests(pool.port, per))

    ts = [threading.Thread(target=client) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    assert sum(ok for ok, _ in results) == threads * per
    if worker_class != "sync":  # sync answers Connection: close, the others keep the socket
        assert all(conns == 1 for _, conns in results), results
    assert metric_sum(pool.metrics(), REQUESTS) == threads * per


@pytest.mark.parametrize("worker_class", CLASSES)
def test_abort_and_quit_attributed(pool_factory, worker_class):
    pool = pool_factory("--worker-class", worker_class, workers=2)
    assert pool.signal("abort", "--worker", "0", "--wait").returncode == 0
    assert pool.signal("quit", "--worker", "1", "--wait").returncode == 0
    samples = pool.metrics()
    restarts = "gunicorn_worker_restart_count_total"
    assert metric_sum(samples, restarts, restart_type="forced", reason="abort") == 1
    assert metric_sum(samples, restarts, restart_type="graceful", reason="quit") == 1
    assert metric_sum(samples, "gunicorn_master_worker_restart_total", reason="abort") == 1
    assert metric_sum(samples, "gunicorn_master_worker_restart_total", reason="quit") == 1
    assert pool.get("/")[0] == 200


@pytest.mark.parametrize("worker_class", ["thread", "eventlet", "gevent"])
def test_concurrent_sleeps_overlap(pool_factory, worker_class):
    pool = pool_factory("--worker-class", worker_class, "--threads", "8", workers=1)
    import time
    start = time.monotonic()
    statuses = []

    def one():
        statuses.append(pool.get("/sleep/300")[0])

    ts = [threading.Thread(target=one) for _ in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    elapsed = time.monotonic() - start
    assert statuses == [200] * 8
    assert elapsed < 8 * 0.3 / 2, f"{worker_class}: 8 × /sleep/300 took {elapsed:.2f}s"


def test_default_bench_scenario_runs_every_class(binary, runtime_dir, tmp_path):
    """What `make run` does: a bare `wpm bench`, all four classes, quit and abort injected."""
    env = dict(os.environ, XDG_RUNTIME_DIR=runtime_dir)
    res = subprocess.run([binary, "bench"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300, env=env)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    report = json.loads((tmp_path / "wpm-report" / "report.json").read_text())
    assert [c["worker_class"] for c in report["classes"]] == CLASSES
    for c in report["classes"]:
        assert c["reconciliation"]["ok"], c["reconciliation"]
        assert [e["signal"] for e in c["events"]] == ["quit", "abort"]
        assert all(e["delivered"] for e in c["events"]), c["events"]
        assert c["master_restarts"] == {"quit": 1, "abort": 1}, c["master_restarts"]
