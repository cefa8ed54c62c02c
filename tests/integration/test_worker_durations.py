"""Durations at their limits: a value past a flag's range is refused before anything starts
(the flag model); the largest allowed values mean "practically never", not an overflow — every
model still serves keep-alive requests instead of resetting each connection on a deadline
wrapped into the past. (The workers' saturating conversion itself is unit-tested with values
no flag accepts, e.g. 2e10 s.)"""
import http.client
import subprocess

import pytest


def test_a_duration_past_its_range_is_refused_up_front(binary, runtime_dir):
    out = subprocess.run([binary, "serve", "--name", "huge", "--timeout", "20000000000s"],
                         capture_output=True, text=True, timeout=30,
                         env={"XDG_RUNTIME_DIR": runtime_dir, "PATH": "/usr/bin:/bin"})
    assert out.returncode == 2, out.stderr
    assert "--timeout" in out.stderr and "20000000000s" in out.stderr


@pytest.mark.parametrize("worker_class", ["sync", "thread", "eventlet", "gevent"])
def test_the_largest_timeout_and_keepalive_still_serve(pool_factory, worker_class):
    pool = pool_factory("--worker-class", worker_class, "--timeout", "24h",
                        "--keepalive", "1h", "--graceful-timeout", "24h", workers=1)
    conn = http.client.HTTPConnection("127.0.0.1", pool.port, timeout=10)
    try:
        for _ in range(3):  # on one connection where the model keeps it open
            conn.request("GET", "/")
            response = conn.getresponse()
            assert response.status == 200
            assert response.read() == b"OK\n"
    finally:
        conn.close()
