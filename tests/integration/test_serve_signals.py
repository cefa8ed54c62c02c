"""wpm serve + wpm signal: Gunicorn's signal semantics with the exporter's restart labels."""
import os
import signal
import threading
import time

from wpmtest import metric_sum, wait_until

RESTART_COUNT = "gunicorn_worker_restart_count_total"
MASTER_RESTART = "gunicorn_master_worker_restart_total"
REQUESTS = "gunicorn_worker_requests_total"


class Load:
    """Closed-loop background load with a few client threads; counts outcomes."""

    def __init__(self, pool, threads=4, path="/"):
        self.pool, self.path = pool, path
        self.ok = self.failed = 0
        self.lock = threading.Lock()
        self.stop_flag = threading.Event()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(threads)]
        for t in self.threads:
            t.start()

    def run(self):
        while not self.stop_flag.is_set():
            try:
                status, _, _ = self.pool.get(self.path, timeout=10)
                ok = status == 200
            except OSError:
                ok = False
            with self.lock:
                if ok:
                    self.ok += 1
                else:
                    self.failed += 1

    def stop(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join(30)


def test_abort_under_load_replaces_worker_and_counts_once(pool):
    load = Load(pool)
    try:
        wait_until(lambda: load.ok > 50, what="load to start")
        before = pool.metrics()
        old_pid = pool.live_workers()[0]["pid"]
        totals = [metric_sum(before, REQUESTS)]
        out = pool.signal("abort", "--worker", "0", "--wait")
        assert out.returncode == 0, out.stdout + out.stderr
        for _ in range(5):
            totals.append(metric_sum(pool.metrics(), REQUESTS))
    finally:
        load.stop()
    after = pool.metrics()
    assert totals == sorted(totals), f"pool total went backwards: {totals}"
    assert (metric_sum(after, RESTART_COUNT, restart_type="forced", reason="abort")
            - metric_sum(before, RESTART_COUNT, restart_type="forced", reason="abort")) == 1
    assert (metric_sum(after, MASTER_RESTART, reason="abort")
            - metric_sum(before, MASTER_RESTART, reason="abort")) == 1
    assert metric_sum(after, "gunicorn_master_worker_restart_count_total", reason="abort",
                      restart_type="forced") == 1
    assert all(w["pid"] != old_pid for w in pool.live_workers())
    pool.wait_ready()
    # The aborted worker's series stay visible with its final values, state exited.
    assert metric_sum(after, "gunicorn_worker_state", state="exited") == 1


def test_quit_is_graceful_request_in_hand_completes(pool_factory):
    pool = pool_factory(workers=1)
    result = {}

    def slow():
        result["status"] = pool.get("/sleep/800")[0]

    t = threading.Thread(target=slow)
    t.start()
    wait_until(lambda: metric_sum(pool.metrics(), "gunicorn_worker_in_flight") == 1,
               what="the request to be in hand")
    out = pool.signal("quit", "--worker", "0", "--wait")
    t.join(30)
    assert out.returncode == 0, out.stdout + out.stderr
    assert result.get("status") == 200
    samples = pool.metrics()
    assert metric_sum(samples, RESTART_COUNT, restart_type="graceful", reason="quit") == 1
    assert metric_sum(samples, MASTER_RESTART, reason="quit") == 1
    assert metric_sum(samples, RESTART_COUNT, restart_type="forced") == 0


def test_quit_under_load_loses_nothing(pool):
    load = Load(pool)
    try:
        wait_until(lambda: load.ok > 50, what="load to start")
        out = pool.signal("quit", "--worker", "0", "--wait")
        assert out.returncode == 0, out.stderr
        ok_at_quit = load.ok
        wait_until(lambda: load.ok > ok_at_quit + 50, what="load to go on")
    finally:
        load.stop()
    assert load.failed == 0
    assert metric_sum(pool.metrics(), REQUESTS) == load.ok


def test_ttin_ttou_change_worker_count(pool):
    out = pool.signal("ttin", "--wait")
    assert out.returncode == 0, out.stderr
    pool.wait_ready(count=3)
    out = pool.signal("ttou", "--wait")
    assert out.returncode == 0, out.stderr
    pool.wait_ready(count=2)
    samples = pool.metrics()
    assert metric_sum(samples, MASTER_RESTART) == 0  # scaling is not a replacement
    assert metric_sum(samples, "gunicorn_master_signals_total", signal="ttin") == 1
    assert metric_sum(samples, "gunicorn_master_signals_total", signal="ttou") == 1


def test_hup_replaces_every_worker(pool):
    old = {w["pid"] for w in pool.live_workers()}
    out = pool.signal("hup", "--wait")
    assert out.returncode == 0, out.stderr
    new = {w["pid"] for w in pool.wait_ready()["workers"] if w["state"] == "running"}
    assert old.isdisjoint(new)
    assert pool.get("/")[0] == 200


def test_master_term_exits_zero_within_graceful_timeout(pool_factory):
    pool = pool_factory("--graceful-timeout", "5s")
    worker_pids = [w["pid"] for w in pool.live_workers()]
    start = time.monotonic()
    assert pool.stop(signal.SIGTERM, timeout=20) == 0, pool.output()
    assert time.monotonic() - start < 5 + 2
    import os
    assert not os.path.exists(os.path.join(pool.runtime_dir, "wpm", pool.name)), \
        "a stopped pool leaves its runtime directory behind"
    for pid in worker_pids:
        try:
            import os
            os.kill(pid, 0)
            raise AssertionError(f"worker {pid} outlived its master")
        except ProcessLookupError:
            pass


ROUTE_REQUESTS = "gunicorn_worker_route_requests_total"


def test_stuck_worker_is_aborted_after_timeout(pool_factory):
    pool = pool_factory("--timeout", "2s", workers=1)
    old_pid = pool.live_workers()[0]["pid"]
    try:
        pool.get("/cpu/20000", timeout=15)
    except OSError:
        pass  # the worker is killed while it spins: the connection drops
    wait_until(lambda: metric_sum(pool.metrics(), MASTER_RESTART, reason="timeout") == 1,
               what="the timeout restart")
    wait_until(lambda: [w for w in pool.live_workers()
                        if w["pid"] != old_pid and w["state"] == "running"],
               what="a replacement worker")
    assert pool.get("/")[0] == 200


def test_series_stay_bounded_after_20_restarts(pool_factory, tmp_path):
    pool = pool_factory("--retain-exited-max", "4", workers=2)
    counts, route_counts = [], []
    for i in range(20):
        out = pool.signal("abort", "--worker", str(i % 2), "--wait")
        assert out.returncode == 0, out.stderr
        pool.get("/")
        m = pool.metrics()
        # A route's series is born with a worker's first request on it, so whether a worker has
        # one depends on which worker took the GET: bounded by the slots that can hold one.
        routes = [k for k in m if k[0] == ROUTE_REQUESTS]
        route_counts.append(len(routes))
        counts.append(len(m) - len(routes))
    assert max(counts[5:]) <= max(counts[:5]) + 0, counts
    assert max(route_counts) <= 2 + 4 + 1, route_counts  # live + retained + __retired__
    samples = pool.metrics()
    assert metric_sum(samples, MASTER_RESTART, reason="abort") == 20
    assert metric_sum(samples, RESTART_COUNT, reason="abort") == 20  # folded, not dropped
    assert metric_sum(samples, REQUESTS) == 20


def test_workers_run_the_lean_worker_binary(pool):
    """The master execs wpm-worker (core + workers only) for every worker, first and replaced."""
    lean = os.path.join(os.path.dirname(os.path.realpath(pool.binary)), "wpm-worker")
    assert os.access(lean, os.X_OK), "the build must leave wpm-worker next to wpm"
    before = {w["pid"] for w in pool.live_workers()}
    for pid in before:
        assert os.readlink(f"/proc/{pid}/exe") == lean
    os.kill(next(iter(before)), signal.SIGABRT)
    wait_until(lambda: len({w["pid"] for w in pool.live_workers()} - before) == 1
               and len(pool.live_workers()) == 2, what="a replacement worker")
    for w in pool.live_workers():
        assert os.readlink(f"/proc/{w['pid']}/exe") == lean
