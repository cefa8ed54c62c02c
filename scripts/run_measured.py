#!/usr/bin/python3
"""Runs a command, samples its RSS once a second, and prints one JSON line with its CPU time
(user + system, children included) and RSS samples. Usage: run_measured.py CMD ARGS…"""
import json
import resource
import subprocess
import sys
import time

start = time.monotonic()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
rss_kb = []
while proc.poll() is None:
    try:
        with open(f"/proc/{proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss_kb.append(int(line.split()[1]))
    except FileNotFoundError:
        break
    time.sleep(1)
proc.wait()
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": proc.returncode, "wall_s": time.monotonic() - start,
                  "cpu_s": usage.ru_utime + usage.ru_stime, "rss_kb": rss_kb}))
