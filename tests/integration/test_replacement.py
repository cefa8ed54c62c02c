"""Replacement with real workers (DESIGN.md §9): readiness noticed at once, planned exits never
backed off, a real crash loop still is, USR2 and WINCH are harmless."""
import os
import signal
import statistics

import pytest

from wpmtest import metric_sum, wait_until

REPLACEMENT = "gunicorn_master_worker_replacement_seconds"


def running_worker(pool, index, not_pid):
    """The row of worker `index` once it runs as another process than `not_pid`."""
    def found():
        s = pool.state()
        for w in pool.live_workers(s):
            # Running, and noticed by the master (its ready_ns): a worker may switch to
            # running in its slot just after the master took its readiness notifications.
            if w["index"] == index and w["pid"] != not_pid and w["state"] == "running" \
                    and w["ready_ns"]:
                return s, w
        return None
    return wait_until(found, what=f"worker {index} replacing pid {not_pid}")


def ready_wall_time(state, worker):
    """The master's ready_ns (monotonic) on the wall clock, via the state file's pair of clocks."""
    return state["updated_unix"] - (state["updated_monotonic_ns"] - worker["ready_ns"]) / 1e9


def spawn_delays(pool):
    """(replacements spawned, of which within 50 ms of the death): the first backoff is 0.1 s."""
    m = pool.metrics()
    return (metric_sum(m, REPLACEMENT + "_count", phase="spawn"),
            metric_sum(m, REPLACEMENT + "_bucket", phase="spawn", le="0.05"))


# A sync worker writes its state (running, on the wall clock in ms) and then notifies the
# master; the master's ready_ns is when it noticed. With the old 100 ms poll that gap was
# uniform over 0–100 ms; event-driven it is one wake-up.
def test_sync_worker_readiness_is_noticed_at_once(pool_factory):
    pool = pool_factory("--worker-class", "sync", workers=1)
    gaps, boots, pid = [], [], 0
    for _ in range(20):
        state, w = running_worker(pool, 0, pid)
        since = metric_sum(pool.metrics(), "gunicorn_worker_state_since_seconds",
                           worker_id=w["worker_id"])
        gaps.append(ready_wall_time(state, w) - since)
        boots.append((w["ready_ns"] - w["spawn_ns"]) / 1e9)
        if pid:
            assert w["replaced_pid"] == pid
            assert w["replaced_death_ns"] <= w["spawn_ns"] < w["ready_ns"]
        pid = w["pid"]
        os.kill(pid, signal.SIGQUIT)
    print(f"running → noticed: median {statistics.median(gaps) * 1e3:.2f} ms, "
          f"max {max(gaps) * 1e3:.2f} ms; spawn → ready: median "
          f"{statistics.median(boots) * 1e3:.1f} ms, max {max(boots) * 1e3:.1f} ms")
    running_worker(pool, 0, pid)
    assert min(gaps) > -0.002  # clocks agree to the worker's millisecond resolution
    assert statistics.median(gaps) < 0.010
    spawned, quick = spawn_delays(pool)
    assert spawned == 20 and quick == spawned  # quit is planned: no backoff


def test_max_requests_with_jitter_never_backs_off(pool_factory):
    pool = pool_factory("--worker-class", "thread", "--max-requests", "3",
                        "--max-requests-jitter", "3", workers=2)
    for i in range(60):
        status, _, _ = pool.get("/", timeout=10)
        assert status == 200, f"request {i}"
    # 3-6 requests a worker, though a thread worker finishes what its threads already began
    # (Gunicorn does the same): under load one was seen serving 8, so 60 requests make >= 6 exits.
    wait_until(lambda: metric_sum(pool.metrics(), "gunicorn_master_worker_restart_total",
                                  reason="max_requests") >= 6, what="max_requests exits")
    spawned, quick = spawn_delays(pool)
    assert spawned >= 6 and quick == spawned
    assert "crash-loop backoff" not in pool.output()


@pytest.mark.parametrize("worker_class", ["sync", "thread", "eventlet", "gevent"])
def test_max_requests_successor_runs_before_its_predecessor_leaves(pool_factory, worker_class):
    # max 40, so a worker asks for its successor at 30 and the master retires it (QUIT) as soon
    # as the successor runs: one request at a time never reaches 40 first.
    pool = pool_factory("--worker-class", worker_class, "--max-requests", "40", workers=1)
    first = pool.wait_ready()["workers"][0]["pid"]
    for i in range(30):
        status, _, _ = pool.get("/", timeout=10)
        assert status == 200, f"request {i}"
    running_worker(pool, 0, first)
    wait_until(lambda: metric_sum(pool.metrics(), "gunicorn_master_worker_restart_total",
                                  reason="max_requests") == 1, what="the predecessor's exit")
    m = pool.metrics()
    # Spawned and running before the predecessor died: both phases count 0 s.
    for phase in ("spawn", "ready"):
        assert metric_sum(m, REPLACEMENT + "_count", phase=phase) == 1
        assert metric_sum(m, REPLACEMENT + "_sum", phase=phase) == 0
    # The worker itself knows it left for max_requests, not for a user's QUIT.
    assert metric_sum(m, "gunicorn_worker_restart_total", reason="max_requests") == 1
    assert metric_sum(m, "gunicorn_worker_restart_total", reason="quit") == 0
    # The state file follows the predecessor's exit on the master's next write.
    wait_until(lambda: len(pool.live_workers(pool.state())) == 1, what="one live worker")


def test_a_real_crash_loop_is_still_backed_off(pool_factory):
    pool = pool_factory("--worker-class", "sync", "--allow-crash", workers=1)
    for _ in range(3):
        pid = pool.wait_ready()["workers"][0]["pid"]
        try:
            pool.get("/crash", timeout=10)
        except OSError:
            pass  # the worker died mid-request: that is the point
        running_worker(pool, 0, pid)
    assert "crash-loop backoff" in pool.output()
    spawned, quick = spawn_delays(pool)
    assert spawned == 3 and quick < spawned


def test_usr2_and_winch_leave_the_pool_serving(pool_factory, tmp_path):
    pidfile = tmp_path / "wpm.pid"
    pool = pool_factory("--pidfile", str(pidfile))
    before = pool.state()
    for sig in (signal.SIGUSR2, signal.SIGWINCH):
        pool.proc.send_signal(sig)
    wait_until(lambda: "SIGWINCH: not supported" in pool.output(), what="WINCH logged")
    assert "SIGUSR2: not supported" in pool.output()
    assert pool.proc.poll() is None
    after = pool.wait_ready()
    assert after["master_pid"] == pool.proc.pid == int(pidfile.read_text())
    assert [w["pid"] for w in after["workers"]] == [w["pid"] for w in before["workers"]]
    assert pool.get("/")[0] == 200
    assert pool.stop() == 0


def test_first_request_of_a_replacement_is_timed(pool_factory):
    """death → spawn → ready → first request: every worker model stores its first request's
    time in its slot; the master turns it into the replacement's last phase."""
    for worker_class in ("sync", "thread", "eventlet", "gevent"):
        pool = pool_factory("--worker-class", worker_class, workers=1)
        _, old = running_worker(pool, 0, 0)
        assert old["first_request_ns"] == 0  # nothing served yet
        os.kill(old["pid"], signal.SIGQUIT)
        _, new = running_worker(pool, 0, old["pid"])
        status, _, _ = pool.get("/")
        assert status == 200

        def timed():
            for w in pool.live_workers():
                if w["pid"] == new["pid"] and w["first_request_ns"]:
                    return w
            return None
        w = wait_until(timed, what=f"{worker_class}: the first request's time in the state file")
        assert w["ready_ns"] < w["first_request_ns"], (worker_class, w)
        wait_until(lambda: metric_sum(pool.metrics(), REPLACEMENT + "_count",
                                      phase="first_request") == 1,
                   what=f"{worker_class}: the first_request phase observed")
        pool.stop()
