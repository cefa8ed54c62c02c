#!/usr/bin/env bash
# What starting one worker costs: forked by a fork server (how wpm starts its workers) against
# exec'd (how the master starts a worker when it has no fork server).
# COUNT workers each way, one after the other; each fails at once on a missing metrics segment,
# so the figure is start-up and exit alone. CPU per worker: the workers' (RUSAGE_CHILDREN) plus,
# for forks, the fork server's own (/proc/<pid>/stat).
# Usage: scripts/bench_worker_start.sh [COUNT=500]   (WPM=build/release/wpm)
cd "$(dirname "$0")/.."
source scripts/bench_lib.sh
count=${1:-500}
worker=$(dirname "$WPM")/wpm-worker
/usr/bin/python3 - "$worker" "$count" <<'PY'
import os, resource, socket, struct, subprocess, sys, time

exe, n = sys.argv[1], int(sys.argv[2])
base = ["worker", "--worker-class", "thread", "--listen-fd", "-1", "--segment-fd", "-1",
        "--slot", "0", "--index", "0", "--threads", "4", "--worker-connections", "1000",
        "--keepalive", "2", "--graceful-timeout", "30", "--timeout", "30",
        "--max-requests", "0", "--max-body-buffer", "1000", "--allow-crash", "false",
        "--metrics", "true", "--log-level", "error", "--name", "bench", "--ready-fd", "-1",
        "--profile", ""]
HZ = os.sysconf("SC_CLK_TCK")


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def own_cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ


ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
server = subprocess.Popen([exe, *base, "--fork-server-fd", str(theirs.fileno())],
                          pass_fds=[theirs.fileno()], stderr=subprocess.DEVNULL)
theirs.close()
assert struct.unpack("Ii", ours.recv(8))[1] == 0, "the fork server cannot fork"
c0, s0, t0 = children_cpu(), own_cpu(server.pid), time.monotonic()
for i in range(n):
    ours.send(struct.pack("IIIIQ", 1, 0, 0, i, 0))  # core/fork_request.h ForkRequest
    sequence, pid, error = struct.unpack("Iii", ours.recv(12))
    assert sequence == i and pid > 0, (sequence, pid, error)
    os.waitpid(pid, 0)
fork_wall = (time.monotonic() - t0) / n
fork_cpu = (children_cpu() - c0 + own_cpu(server.pid) - s0) / n
ours.close()
server.wait()
c0, t0 = children_cpu(), time.monotonic()
for _ in range(n):
    subprocess.run([exe, *base, "--fork-server-fd", "-1"], stderr=subprocess.DEVNULL)
exec_wall = (time.monotonic() - t0) / n
exec_cpu = (children_cpu() - c0) / n
print("| start | CPU µs / worker | wall µs / worker |")
print("|---|---|---|")
print(f"| forked by the fork server | {fork_cpu * 1e6:.0f} | {fork_wall * 1e6:.0f} |")
print(f"| exec'd | {exec_cpu * 1e6:.0f} | {exec_wall * 1e6:.0f} |")
print(f"exec / fork CPU: {exec_cpu / fork_cpu:.2f}x")
PY
