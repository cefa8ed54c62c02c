"""wpm bench attached to pools it did not start: Debian's Gunicorn by master pid (workers from
/proc, counts from prometheus_client multiprocess mode) and a `wpm serve` by name."""
import json
import os
import signal as signals
import socket
import subprocess
import sys
import time

import pytest

from wpmtest import assert_report_schema, kill_group, wait_until

PYTHON = "/usr/bin/python3"  # Debian's, with Debian's gunicorn and prometheus_client

# Counts at commit: the counter is incremented before the response is handed to Gunicorn, so
# every response the client gets was counted (as wpm's workers do).
APP = '''
import os
from prometheus_client import Counter

REQUESTS = Counter("gunicorn_worker_requests_total", "Requests served per worker", ["pid"])


def app(environ, start_response):
    REQUESTS.labels(pid=str(os.getpid())).inc()
    body = b"ok\\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''

# The exited worker's live-gauge files go; its counter file stays, so its count is never lost.
CONF = '''
from prometheus_client import multiprocess


def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)
'''

# A separate exporter: scrapes are never queued behind the load on the sync workers.
EXPORTER = '''
import sys
from http.server import ThreadingHTTPServer
from prometheus_client import CollectorRegistry, MetricsHandler, multiprocess

registry = CollectorRegistry()
multiprocess.MultiProcessCollector(registry)
server = ThreadingHTTPServer(("127.0.0.1", 0), MetricsHandler.factory(registry))
print(server.server_address[1], flush=True)
server.serve_forever()
'''


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children_of(pid):
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] not in "ZX":
            out.append((int(fields[19]), int(entry)))  # (start time, pid)
    return [pid for _, pid in sorted(out)]


def serves(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/1.")
    except OSError:
        return False


@pytest.fixture()
def gunicorn(tmp_path):
    """Gunicorn (2 sync workers) and its exporter, each in its own process group."""
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "conf.py").write_text(CONF)
    (tmp_path / "exporter.py").write_text(EXPORTER)
    multiproc = tmp_path / "multiproc"
    multiproc.mkdir(mode=0o700)
    env = dict(os.environ, PROMETHEUS_MULTIPROC_DIR=str(multiproc), PYTHONDONTWRITEBYTECODE="1")
    port = free_port()
    log = open(tmp_path / "gunicorn.log", "wb")
    procs = []
    try:
        master = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
             "--config", str(tmp_path / "conf.py"), "--chdir", str(tmp_path), "app:app"],
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        procs.append(master)
        exporter = subprocess.Popen([PYTHON, str(tmp_path / "exporter.py")], stdout=subprocess.PIPE,
                                    stderr=log, env=env, start_new_session=True)
        procs.append(exporter)
        metrics_port = int(exporter.stdout.readline())

        def ready():
            assert master.poll() is None, (tmp_path / "gunicorn.log").read_text()
            return serves(port) and len(children_of(master.pid)) == 2

        wait_until(ready, 30, what="gunicorn serving with 2 workers")
        yield {"port": port, "metrics_port": metrics_port, "master": master.pid,
               "log": tmp_path / "gunicorn.log"}
    finally:
        for p in procs:
            kill_group(p)
        log.close()


def bench(binary, runtime_dir, out, *args, timeout=120):
    env = dict(os.environ, XDG_RUNTIME_DIR=runtime_dir)
    return subprocess.run([binary, "bench", "--out", str(out), "--no-progress", *args],
                          capture_output=True, text=True, timeout=timeout, env=env)


def check_replacements(cls, signalled):
    """Each injection reports the signalled pid, the replacement's steps and their order."""
    assert [e["outcome"] for e in cls["events"]] == ["effect_seen", "effect_seen"], cls["events"]
    for event, pid in zip(cls["events"], signalled):
        t = event["times"]
        assert event["pid"] == pid, event
        for step in ("signal_sent_s", "worker_gone_s", "replacement_spawned_s",
                     "replacement_ready_s", "first_request_s", "effect_seen_s"):
            assert t[step] is not None, (step, event)
        assert t["signal_sent_s"] <= t["worker_gone_s"] + 0.011, event  # /proc start: 10 ms ticks
        assert t["signal_sent_s"] - 0.011 <= t["replacement_spawned_s"] <= t["first_request_s"], event
        assert t["first_request_s"] < cls["summary"]["duration_s"] + 1, event


def test_gunicorn_by_pid_reconciles_and_reports_each_replacement(binary, runtime_dir, tmp_path,
                                                                   gunicorn):
    workers = children_of(gunicorn["master"])  # oldest first: worker 0, worker 1
    out = tmp_path / "report"
    res = bench(binary, runtime_dir, out, "--target", f"http://127.0.0.1:{gunicorn['port']}/",
                "--pool-pid", str(gunicorn["master"]),
                "--pool-metrics", f"http://127.0.0.1:{gunicorn['metrics_port']}/metrics",
                "-d", "4s", "--warmup", "1s", "--connections", "8",
                "--inject", "1s:quit:worker=0", "--inject", "2s:abort:worker=1")
    assert res.returncode == 0, res.stdout + res.stderr + gunicorn["log"].read_text()
    report = json.loads((out / "report.json").read_text())
    (cls,) = report["classes"]
    rec = cls["reconciliation"]
    assert rec["ok"], rec
    assert rec["server_delta"] >= rec["client_completed"] > 100, rec
    check_replacements(cls, workers)
    # Both signalled workers are gone, their successors alive under the same master.
    live = children_of(gunicorn["master"])
    assert len(live) == 2 and not set(live) & set(workers), (live, workers)
    rows = {w["worker_id"]: w for w in cls["workers"]}
    for pid in workers:  # exited, counts kept
        assert rows[str(pid)]["state"] == "exited" and rows[str(pid)]["requests"] > 0, rows
    for pid in live:  # RSS and CPU from /proc
        assert rows[str(pid)]["state"] == "running" and rows[str(pid)]["rss_bytes"] > 1 << 20, rows
    assert sum(w["requests"] for w in cls["workers"]) >= rec["server_delta"]
    assert_report_schema(out / "report.json")
    check = subprocess.run([binary, "check-metrics", str(out / "report.prom")], capture_output=True,
                           text=True, timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr  # Gunicorn's scrape included


def test_wpm_serve_by_name_reconciles_and_reports_each_replacement(binary, runtime_dir, tmp_path,
                                                                     pool):
    workers = [w["pid"] for w in sorted(pool.live_workers(), key=lambda w: w["index"])]
    out = tmp_path / "report"
    res = bench(binary, runtime_dir, out, "--pool-name", pool.name, "-d", "4s", "--warmup", "1s",
                "--connections", "8", "--path", "/",
                "--inject", "1s:quit:worker=0", "--inject", "2s:abort:worker=1")
    assert res.returncode == 0, res.stdout + res.stderr
    (cls,) = json.loads((out / "report.json").read_text())["classes"]
    assert cls["reconciliation"]["ok"], cls["reconciliation"]
    assert cls["target_url"] == f"http://127.0.0.1:{pool.port}"
    check_replacements(cls, workers)
    assert all(e["times"]["exact"] for e in cls["events"])  # the master's own records
    assert pool.proc.poll() is None  # attached, not stopped


@pytest.mark.parametrize("args, words", [
    (["--pool-pid", "1", "--pool-name", "x"], ["--pool-pid, --pool-name"]),
    (["--pool-pid", "4194303", "--pool-metrics", "http://127.0.0.1:1/metrics"],
     ["--pool-pid 4194303", "no running process"]),
    (["--pool-pid", "1"], ["--pool-pid needs --pool-metrics"]),
    (["--pool-name", "nosuchpool"], ["--pool-name"]),
    (["--pool-metrics", "http://127.0.0.1:1/metrics"], ["--pool-metrics needs"]),
])
def test_attach_options_are_checked_before_anything_starts(binary, runtime_dir, tmp_path, args,
                                                            words):
    out = tmp_path / "report"
    inject = [] if "--pool-metrics needs" in words else ["--inject", "0.5s:abort:worker=0"]
    res = bench(binary, runtime_dir, out, "--target", "http://127.0.0.1:1/", "-d", "1s",
                *inject, *args)
    assert res.returncode == 2, res.stdout + res.stderr
    for w in words:
        assert w in res.stderr, res.stderr
    assert not out.exists()


def test_an_inject_beyond_the_live_workers_is_a_usage_error(binary, runtime_dir, tmp_path,
                                                            gunicorn):
    out = tmp_path / "report"
    res = bench(binary, runtime_dir, out, "--target", f"http://127.0.0.1:{gunicorn['port']}/",
                "--pool-pid", str(gunicorn["master"]),
                "--pool-metrics", f"http://127.0.0.1:{gunicorn['metrics_port']}/metrics",
                "--inject", "1s:abort:worker=2")
    assert res.returncode == 2, res.stdout + res.stderr
    assert "worker=2" in res.stderr and "2 live workers" in res.stderr, res.stderr
    assert not out.exists()


def test_status_and_signal_by_pid_of_a_gunicorn_master(binary, runtime_dir, gunicorn):
    master = str(gunicorn["master"])
    metrics = f"http://127.0.0.1:{gunicorn['metrics_port']}/metrics"
    env = dict(os.environ, XDG_RUNTIME_DIR=runtime_dir)

    def wpm(*args):
        return subprocess.run([binary, *args], capture_output=True, text=True, timeout=60, env=env)

    before = children_of(gunicorn["master"])
    for _ in range(20):  # both workers serve some of these
        assert serves(gunicorn["port"])
    res = wpm("status", "--pid", master, "--metrics", metrics, "--json")
    assert res.returncode == 0, res.stderr
    state = json.loads(res.stdout)
    assert state["master_pid"] == gunicorn["master"]
    assert [w["pid"] for w in state["workers"]] == before  # indexed by age
    assert [w["index"] for w in state["workers"]] == [0, 1]
    assert sum(w["requests"] for w in state["workers"]) >= 20
    assert all(w["rss_bytes"] > 1 << 20 for w in state["workers"])

    res = wpm("signal", "term", "--pid", master, "--worker", "0", "--wait", "--wait-timeout", "20s")
    assert res.returncode == 0, res.stderr
    assert f"pid {before[0]}" in res.stdout and "worker 0 replaced" in res.stdout, res.stdout
    res = wpm("signal", "ttin", "--pid", master, "--wait", "--wait-timeout", "20s")
    assert res.returncode == 0, res.stderr
    assert "pool has 3 workers" in res.stdout, res.stdout
    assert len(children_of(gunicorn["master"])) == 3

    res = wpm("signal", "quit", "--pid", master, "--worker", "7")
    assert res.returncode != 0 and "no live worker '7'" in res.stderr, res.stderr
    res = wpm("status", "--pid", "4194303")
    assert res.returncode != 0 and "4194303" in res.stderr, res.stderr


def test_a_wpm_master_by_pid_has_its_workers_not_its_fork_server(binary, runtime_dir, tmp_path,
                                                                 pool):
    """Attached by pid, a wpm master's children are its 2 workers and its fork server, which
    serves nothing and is no worker (workers/fork_server.h): worker=2 does not exist."""
    assert len(children_of(pool.proc.pid)) == 3
    out = tmp_path / "report"
    res = bench(binary, runtime_dir, out, "--target", f"http://127.0.0.1:{pool.port}/",
                "--pool-pid", str(pool.proc.pid),
                "--pool-metrics", f"http://127.0.0.1:{pool.metrics_port}/metrics",
                "--inject", "0.5s:abort:worker=2")
    assert res.returncode == 2, res.stdout + res.stderr
    assert "worker=2" in res.stderr and "2 live workers" in res.stderr, res.stderr
    assert not out.exists()
