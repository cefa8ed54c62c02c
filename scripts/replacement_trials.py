#!/usr/bin/python3
"""Abort → replacement serving, measured from the client side on a one-worker pool.

Each trial: SIGABRT to the pool's only worker (time t0), wait for its exit with a pidfd
(t_death), then at once send GET / on a new connection. The listen socket belongs to the master,
so the connection waits in the accept queue until the replacement takes it; the response's last
byte is t_served. With one worker nothing else can answer, so t_served - t_death is "death →
replacement serving" as a waiting client sees it. Works for any pre-fork master (wpm, Gunicorn).

For wpm (a target with a runtime directory), the abort is first announced on the pool's control
socket, as `wpm signal` does, so it counts as planned; the master's own records (state.json:
death → spawn → ready) are reported too. Targets are interleaved trial by trial, so drift on a
shared machine hits all of them alike.
"""
import argparse
import json
import os
import select
import signal
import socket
import statistics
import sys
import time


def children(master_pid):
    """The master's child processes but a wpm master's fork server (`wpm-worker fork-server
    …`), which serves nothing."""
    with open(f"/proc/{master_pid}/task/{master_pid}/children") as f:
        return [int(p) for p in f.read().split() if not is_fork_server(int(p))]


def is_fork_server(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            args = f.read().split(b"\0")
    except OSError:
        return False
    return len(args) > 1 and args[1].startswith(b"fork-server ")


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def the_worker(master_pid, not_pid=0, limit_s=10.0):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        live = [p for p in children(master_pid) if p != not_pid and alive(p)]
        if len(live) == 1:
            return live[0]
        time.sleep(0.001)
    sys.exit(f"master {master_pid}: no single live worker after {limit_s} s")


def get(host, port, timeout_s=10.0):
    """One GET / on a new connection; True when a complete 200 response arrived."""
    with socket.create_connection((host, port), timeout=timeout_s) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return data.startswith(b"HTTP/1.1 200") or data.startswith(b"HTTP/1.0 200")


def served(host, port):
    try:
        return get(host, port)
    except OSError:  # refused or reset: the pool had no listener for a moment
        return False


def announce(wpm_dir, pid, sig):
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto(f"planned {pid} {int(sig)}\n".encode(), os.path.join(wpm_dir, "control.sock"))


def master_phases(wpm_dir, dead_pid, limit_s=2.0):
    """death → spawn / ready as the master recorded them, in ns (None when not found)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            with open(os.path.join(wpm_dir, "state.json")) as f:
                state = json.load(f)
        except (OSError, ValueError):
            state = {"workers": []}
        for w in state["workers"]:
            if w.get("replaced_pid") == dead_pid and w.get("ready_ns"):
                death = w["replaced_death_ns"]
                return {"spawn": w["spawn_ns"] - death, "ready": w["ready_ns"] - death}
        time.sleep(0.005)
    return None


def trial(target):
    host, port = "127.0.0.1", target["port"]
    pid = the_worker(target["master_pid"])
    if target["wpm_dir"]:
        announce(target["wpm_dir"], pid, signal.SIGABRT)
    pidfd = os.pidfd_open(pid)
    t0 = time.monotonic_ns()
    os.kill(pid, signal.SIGABRT)
    select.select([pidfd], [], [], 10.0)
    t_death = time.monotonic_ns()
    os.close(pidfd)
    retries = 0
    while not served(host, port):
        retries += 1
        if time.monotonic_ns() - t_death > 10e9:
            sys.exit(f"{target['label']}: no replacement served within 10 s")
    t_served = time.monotonic_ns()
    out = {"abort_to_death": t_death - t0, "death_to_serving": t_served - t_death,
           "abort_to_serving": t_served - t0, "retries": retries}
    if target["wpm_dir"]:
        out["master"] = master_phases(target["wpm_dir"], pid)
    return out


def ms(ns):
    return f"{ns / 1e6:.2f} ms"


def pair(values_ns):
    """median / p99 (nearest rank: of 50 trials, the largest)."""
    v = sorted(values_ns)
    return f"{ms(statistics.median(v))} / {ms(v[max(0, -(-99 * len(v) // 100) - 1)])}"


def parse_target(text):
    """LABEL,PORT,MASTER_PID[,WPM_RUNTIME_DIR]"""
    parts = text.split(",")
    if len(parts) not in (3, 4):
        raise argparse.ArgumentTypeError(f"bad target '{text}'")
    return {"label": parts[0], "port": int(parts[1]), "master_pid": int(parts[2]),
            "wpm_dir": parts[3] if len(parts) == 4 else None, "results": []}


def report(target):
    results = target["results"]
    row = {"label": target["label"], "trials": len(results),
           "retries": sum(r["retries"] for r in results)}
    for key in ("death_to_serving", "abort_to_serving"):
        row[key] = [r[key] for r in results]
    phases = [r["master"] for r in results if r.get("master")]
    for key in ("spawn", "ready"):
        if phases:
            row["master_death_to_" + key] = [p[key] for p in phases]
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", type=parse_target, action="append", required=True,
                    help="LABEL,PORT,MASTER_PID[,WPM_RUNTIME_DIR] (repeatable)")
    ap.add_argument("--trials", type=int, default=50, help="per target")
    ap.add_argument("--gap-ms", type=float, default=20, help="pause between trials")
    args = ap.parse_args()
    for t in args.target:
        if not get("127.0.0.1", t["port"]):
            sys.exit(f"{t['label']}: GET / failed before the first trial")
    for _ in range(args.trials):
        for t in args.target:
            t["results"].append(trial(t))
            time.sleep(args.gap_ms / 1000)
    rows = [report(t) for t in args.target]
    print("| abort → replacement serving, 1 worker, %d trials each | death → serving "
          "median / p99 | abort → serving median / p99 | master: death → spawn / → ready "
          "(median) |" % args.trials)
    print("|---|---|---|---|")
    for r in rows:
        master = "—"
        if "master_death_to_ready" in r:
            master = "%s / %s" % (ms(statistics.median(r["master_death_to_spawn"])),
                                  ms(statistics.median(r["master_death_to_ready"])))
        print(f"| {r['label']} | {pair(r['death_to_serving'])} | {pair(r['abort_to_serving'])} "
              f"| {master} |")
    retries = sum(r["retries"] for r in rows)
    if retries:
        print(f"\n{retries} request(s) had to be retried (connection refused or reset).")


if __name__ == "__main__":
    main()
