"""Local hardening end to end: stale state and pid reuse never make `wpm signal` hit another
process, hand-edited state files are refused, and files wpm writes in a directory it may not
own are replaced, never written through (symlinks, other users' files)."""
import json
import os
import signal
import stat
import subprocess

import pytest

from wpmtest import kill_group, wait_until


def run_wpm(binary, runtime_dir, *args, timeout=60):
    env = dict(os.environ, XDG_RUNTIME_DIR=runtime_dir)
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=timeout,
                          env=env)


def group_members(pgid):
    """Pids (zombies included) whose process group is `pgid`: while there is one, the kernel
    will not hand out `pgid` as a new pid."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                text = f.read()
        except OSError:
            continue
        if int(text[text.rindex(")") + 2:].split()[2]) == pgid:
            members.append(int(entry))
    return members


def start_time(pid):
    """Field 22 of /proc/<pid>/stat (clock ticks after boot)."""
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    return int(text[text.rindex(")") + 2:].split()[19])


@pytest.fixture()
def spawned():
    """Processes a test starts outside wpm; killed by PID at teardown."""
    procs = []
    yield procs
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait(10)


def take_pid(pid, spawned, attempts=5):
    """Makes a fresh `sleep` get `pid` (as root, via ns_last_pid), retrying if another
    process grabs it first. Returns the sleep, or skips when the kernel does not allow it."""
    if os.geteuid() != 0 or not os.access("/proc/sys/kernel/ns_last_pid", os.W_OK):
        pytest.skip("needs root and a writable /proc/sys/kernel/ns_last_pid")
    for _ in range(attempts):
        with open("/proc/sys/kernel/ns_last_pid", "w") as f:
            f.write(str(pid - 1))
        proc = subprocess.Popen(["sleep", "120"])
        spawned.append(proc)
        if proc.pid == pid:
            return proc
        proc.kill()
    pytest.fail(f"could not make a process take pid {pid} in {attempts} attempts")


def test_reused_master_pid_is_refused_and_status_removes_stale_state(pool, spawned):
    state = pool.state()
    master = state["master_pid"]
    assert master == pool.proc.pid
    state_path = os.path.join(pool.runtime_dir, "wpm", pool.name, "state.json")
    # SIGKILL the master and its workers (one process group): the state file stays behind.
    kill_group(pool.proc)
    assert pool.proc.returncode == -signal.SIGKILL
    # The workers (now orphans) must be reaped before their group id, the master's pid, is free.
    wait_until(lambda: not group_members(master), what="the pool's process group to vanish")
    assert os.path.exists(state_path)
    impostor = take_pid(master, spawned)

    for args in (["--name", pool.name], ["--pid", str(master)]):
        res = pool.wpm("signal", "term", *args)
        assert res.returncode == 1, res.stdout + res.stderr
        assert "not running" in res.stderr or "no running" in res.stderr, res.stderr
        assert impostor.poll() is None  # the sleep holding the pid was never signalled

    res = pool.wpm("signal", "usr1", "--name", pool.name, "--worker", "0")
    assert res.returncode == 1 and impostor.poll() is None

    res = pool.wpm("status", "--name", pool.name)
    assert res.returncode == 1
    assert f"not running (stale state from pid {master}, removed)" in res.stderr, res.stderr
    assert not os.path.exists(state_path)
    res = pool.wpm("status", "--name", pool.name)
    assert res.returncode == 1 and "no running pool" in res.stderr
    assert impostor.poll() is None


def edit_state(pool, edit):
    path = os.path.join(pool.runtime_dir, "wpm", pool.name, "state.json")
    with open(path) as f:
        state = json.load(f)
    edit(state)
    tmp = path + ".edit"
    with open(tmp, "w") as f:
        json.dump(state, f)
    os.rename(tmp, path)


def test_hand_edited_state_file_never_signals_an_unrelated_process(pool, spawned):
    bystander = subprocess.Popen(["sleep", "120"], start_new_session=True)
    spawned.append(bystander)
    workers = pool.wait_ready()["workers"]
    # The stopped master keeps its lock but cannot rewrite the file under our feet.
    os.kill(pool.proc.pid, signal.SIGSTOP)
    try:
        def hostile(state):
            state["workers"][0]["pid"] = 0
            state["workers"][1]["pid"] = bystander.pid
            state["workers"][1]["start_time"] = start_time(bystander.pid)
        edit_state(pool, hostile)
        for target in ("0", "1", str(bystander.pid)):
            res = pool.signal("kill", "--worker", target)
            assert res.returncode == 1, res.stdout + res.stderr
            assert "refusing to signal worker" in res.stderr, res.stderr
        edit_state(pool, lambda s: s.update(master_pid=bystander.pid))
        res = pool.signal("term")
        assert res.returncode == 1, res.stdout + res.stderr
        assert "does not describe" in res.stderr, res.stderr
    finally:
        os.kill(pool.proc.pid, signal.SIGCONT)
    assert bystander.poll() is None
    assert pool.proc.poll() is None
    for w in workers:  # the real workers were not signalled either
        os.kill(w["pid"], 0)
    # The master's next rewrite restores a true file; signals work again.
    wait_until(lambda: pool.state()["master_pid"] == pool.proc.pid, what="state rewritten")
    res = pool.signal("usr1", "--worker", "1", "--wait", "--wait-timeout", "20")
    assert res.returncode == 0, res.stdout + res.stderr


def test_usr1_wait_sees_the_signal_taken(pool):
    before = {w["index"]: w["pid"] for w in pool.wait_ready()["workers"]}
    res = pool.signal("usr1", "--worker", "1", "--wait", "--wait-timeout", "20")
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"taken by pid {before[1]}" in res.stdout, res.stdout
    res = pool.signal("usr1", "--wait", "--wait-timeout", "20")
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"taken by pid {pool.proc.pid}" in res.stdout, res.stdout
    after = {w["index"]: w["pid"] for w in pool.wait_ready()["workers"]}
    assert after == before  # USR1 replaces nobody


def plant(directory, name):
    """A symlink `name` -> victim, and a symlink at the old predictable `name.tmp`."""
    victim = os.path.join(directory, name + ".victim")
    with open(victim, "w") as f:
        f.write("precious")
    os.symlink(victim, os.path.join(directory, name))
    os.symlink(victim, os.path.join(directory, name + ".tmp"))
    return victim


def foreign_file(path):
    """A file of another user (nobody) at `path`, and a second name for its inode."""
    with open(path, "w") as f:
        f.write("foreign")
    os.chown(path, 65534, 65534)
    os.chmod(path, 0o644)
    os.link(path, path + ".link")
    return path + ".link"


def assert_replaced(path, content):
    st = os.lstat(path)
    assert stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid()
    assert stat.S_IMODE(st.st_mode) == 0o600
    with open(path) as f:
        assert f.read() == content


@pytest.mark.parametrize("planted", ["symlink", "foreign"])
def test_pidfile_is_replaced_not_written_through(pool_factory, tmp_path, planted):
    if planted == "foreign" and os.geteuid() != 0:
        pytest.skip("needs root to chown a file to another user")
    pidfile = str(tmp_path / "wpm.pid")
    if planted == "symlink":
        victim = plant(str(tmp_path), "wpm.pid")
    else:
        victim = foreign_file(pidfile)
    before = open(victim).read()
    pool = pool_factory("--pidfile", pidfile)
    assert_replaced(pidfile, f"{pool.proc.pid}\n")
    with open(victim) as f:
        assert f.read() == before
    pool.stop()
    assert not os.path.exists(pidfile)


def test_report_files_are_replaced_not_written_through(binary, runtime_dir, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to chown a file to another user")
    out = tmp_path / "out"
    out.mkdir()
    victim = plant(str(out), "report.json")
    link = foreign_file(str(out / "report.prom"))
    res = run_wpm(binary, runtime_dir, "bench", "--out", str(out), "--no-progress",
                  "--worker-class", "sync", "--duration", "1s", "--warmup", "0.2s",
                  "--connections", "2", timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    with open(victim) as f:
        assert f.read() == "precious"
    with open(link) as f:
        assert f.read() == "foreign"
    json.loads((out / "report.json").read_text())
    for name in ("report.json", "report.prom", "report.html"):
        st = os.lstat(out / name)
        assert stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid(), name
        assert stat.S_IMODE(st.st_mode) == 0o600, name
