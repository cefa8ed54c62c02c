"""Fixtures for end-to-end tests against the built wpm binary.

Every process a test starts runs in its own process group and is killed by PID at teardown,
even when the test fails. Readiness is observed (state file, HTTP), never assumed after a sleep.
"""
import os
import socket
import tempfile

import pytest

from monitoring import Gateway
from wpmtest import Pool, wpm_bin  # noqa: F401  (re-exported for tests)


@pytest.fixture(scope="session")
def binary():
    path = wpm_bin()
    assert os.access(path, os.X_OK), f"wpm binary not built at {path} (run make build-asan)"
    return path


@pytest.fixture()
def runtime_dir(monkeypatch):
    with tempfile.TemporaryDirectory(prefix="wpm-rt-") as d:
        os.chmod(d, 0o700)
        monkeypatch.setenv("XDG_RUNTIME_DIR", d)
        yield d


@pytest.fixture()
def pool_factory(binary, runtime_dir):
    pools = []

    def start(*args, workers=2, name=None, wait=True, **kw):
        pool = Pool(binary, runtime_dir, list(args), workers=workers, name=name, **kw)
        pools.append(pool)
        if wait:
            pool.wait_ready()
        return pool

    yield start
    for pool in pools:
        pool.kill()


@pytest.fixture()
def pool(pool_factory):
    return pool_factory()


@pytest.fixture()
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def gateway(tmp_path):
    """A real Pushgateway on a free loopback port (monitoring.Gateway), killed by PID at teardown."""
    gw = Gateway(tmp_path)
    yield gw
    gw.kill()
