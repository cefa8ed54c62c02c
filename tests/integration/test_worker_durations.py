"""Huge configured durations mean "never", not an overflow: with --timeout 20000000000s
(2e19 ns, more than uint64 holds) every model still serves keep-alive requests instead of
resetting each connection on a deadline wrapped into the past."""
import http.client

import pytest


@pytest.mark.parametrize("worker_class", ["sync", "thread", "eventlet", "gevent"])
def test_a_huge_timeout_and_keepalive_still_serve(pool_factory, worker_class):
    pool = pool_factory("--worker-class", worker_class, "--timeout", "20000000000s",
                        "--keepalive", "20000000000s", "--graceful-timeout", "20000000000s",
                        workers=1)
    conn = http.client.HTTPConnection("127.0.0.1", pool.port, timeout=10)
    try:
        for _ in range(3):  # on one connection where the model keeps it open
            conn.request("GET", "/")
            response = conn.getresponse()
            assert response.status == 200
            assert response.read() == b"OK\n"
    finally:
        conn.close()
