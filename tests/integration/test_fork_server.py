"""The fork server (workers/fork_server.h): one pre-initialised process per pool forks the
workers, which are still the master's children; it is replaced when it dies, renewed on HUP and
ends with the pool."""
import os
import signal

import pytest

from wpmtest import wait_until

CLASSES = ["sync", "thread", "eventlet", "gevent"]


def proc_stat(pid):
    """(state, ppid) of a process, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return fields[0], int(fields[1])
    except (FileNotFoundError, ProcessLookupError):
        return None


def argv_of(pid):
    """/proc/PID/cmdline as ps shows it: the NUL-separated arguments joined by spaces."""
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return " ".join(a.decode() for a in f.read().split(b"\0") if a)


def children(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = proc_stat(int(entry))
            if stat and stat[1] == pid and stat[0] != "Z":
                kids.append(int(entry))
    return kids


def fork_servers(pool):
    return [k for k in children(pool.proc.pid) if " fork-server " in argv_of(k)]


def gone(pid):
    stat = proc_stat(pid)
    return stat is None or stat[0] == "Z"


@pytest.mark.parametrize("worker_class", CLASSES)
def test_workers_are_the_masters_children_forked_by_one_fork_server(pool_factory, worker_class):
    pool = pool_factory("--worker-class", worker_class, workers=3)
    assert pool.get("/")[0] == 200
    master = pool.proc.pid
    servers = fork_servers(pool)
    assert len(servers) == 1, [argv_of(k) for k in children(master)]
    assert f"fork-server --worker-class {worker_class} --name {pool.name}" in argv_of(servers[0])
    workers = pool.live_workers()
    assert len(workers) == 3
    for w in workers:
        assert proc_stat(w["pid"])[1] == master  # CLONE_PARENT: not the fork server's child
        # The worker's own title, not the fork server's argv it was forked with.
        title = argv_of(w["pid"])
        assert f"worker --worker-class {worker_class} --index {w['index']} --slot " in title
        assert "--threads" not in title  # an exec'd worker's argv would have every flag
        assert os.path.basename(os.readlink(f"/proc/{w['pid']}/exe")) == "wpm-worker"
    assert set(children(master)) == {w["pid"] for w in workers} | set(servers)


def test_a_killed_fork_server_is_replaced_on_the_next_spawn(pool_factory):
    pool = pool_factory("--worker-class", "sync", "--log-level", "info", workers=2)
    (server,) = fork_servers(pool)
    os.kill(server, signal.SIGKILL)
    wait_until(lambda: "the fork server (pid %d) exited" % server in pool.output(),
               what="the master noticing its fork server's death")
    victim = pool.live_workers()[0]
    os.kill(victim["pid"], signal.SIGQUIT)

    def replaced():
        live = pool.live_workers()
        return len(live) == 2 and victim["pid"] not in {w["pid"] for w in live} and \
            all(w["state"] == "running" for w in live) and live
    live = wait_until(replaced, what="the quit worker's replacement")
    (renewed,) = wait_until(lambda: fork_servers(pool), what="a new fork server")
    assert renewed != server
    fresh = next(w for w in live if w["index"] == victim["index"])
    assert proc_stat(fresh["pid"])[1] == pool.proc.pid
    # Forked by the new fork server: its title, not an exec'd worker's full argv.
    assert f"--index {victim['index']} --slot " in argv_of(fresh["pid"])
    assert pool.get("/")[0] == 200


def test_hup_renews_the_fork_server_and_it_ends_with_the_pool(pool_factory):
    pool = pool_factory("--worker-class", "thread", workers=2)
    (first,) = fork_servers(pool)
    old = {w["pid"] for w in pool.live_workers()}
    assert pool.signal("hup", "--wait").returncode == 0

    def reloaded():
        live = pool.live_workers()
        return len(live) == 2 and not old & {w["pid"] for w in live} and \
            all(w["state"] == "running" for w in live)
    wait_until(reloaded, what="a reloaded generation")
    wait_until(lambda: gone(first), what="the old fork server's exit")
    (second,) = fork_servers(pool)
    assert second != first
    assert pool.get("/")[0] == 200
    assert pool.stop() == 0
    wait_until(lambda: gone(second), what="the fork server ending with its master")
