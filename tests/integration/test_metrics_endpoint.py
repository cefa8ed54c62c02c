"""The master's /metrics and /healthz stay available whatever else is connected (issue 9)."""
import resource
import selectors
import socket
import time

import pytest

PROBE_EVERY_S = 0.1
PROBE_LIMIT_S = 0.1
HOSTILE_FOR_S = 8.0  # longer than the 5 s whole-request deadline: slowloris clients get cut
SLOWLORIS = 100
IDLE = 1000


@pytest.fixture()
def many_fds():
    """Room for 1,100+ sockets in this process (and in the master started after it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    assert hard >= SLOWLORIS + IDLE + 64, f"RLIMIT_NOFILE hard limit {hard} is too low"
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def probe_healthz(port):
    """A health checker's probe on a fresh connection: (status, seconds)."""
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := s.recv(4096):
            reply += chunk
    return int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/1.1 ") else 0, \
        time.monotonic() - start


def open_idle(port, count):
    """Half never say a word; half make one keep-alive request and then say nothing."""
    conns = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]
    for s in conns[: count // 2]:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: idle\r\n\r\n")
    for s in conns[: count // 2]:
        assert s.recv(4096).startswith(b"HTTP/1.1 200"), "an idle client's request failed"
    return conns


class Slowloris:
    """Clients that begin a request and add one header byte a second, forever; each one the
    server cuts is replaced, so the pressure never drops."""

    def __init__(self, port, count):
        self.port = port
        self.sel = selectors.DefaultSelector()
        self.next_byte = {}
        self.cut = 0
        for _ in range(count):
            self.open()

    def open(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: slow\r\nX-Slow: ")
        s.setblocking(False)
        self.sel.register(s, selectors.EVENT_READ)
        self.next_byte[s] = time.monotonic() + 1.0

    def tick(self):
        for key, _ in self.sel.select(0):  # the server answered (408) or closed: replace it
            self.drop(key.fileobj)
            self.cut += 1
            self.open()
        now = time.monotonic()
        for s, due in list(self.next_byte.items()):
            if due <= now:
                s.send(b"z")
                self.next_byte[s] = now + 1.0

    def drop(self, s):
        self.sel.unregister(s)
        del self.next_byte[s]
        s.close()

    def close(self):
        for s in list(self.next_byte):
            self.drop(s)


def test_healthz_answers_under_slowloris_and_idle_connections(many_fds, pool_factory):
    pool = pool_factory(workers=1)
    port = pool.metrics_port
    idle = open_idle(port, IDLE)
    slow = Slowloris(port, SLOWLORIS)
    probes = []
    try:
        end = time.monotonic() + HOSTILE_FOR_S
        while time.monotonic() < end:
            started = time.monotonic()
            probes.append(probe_healthz(port))
            slow.tick()
            time.sleep(max(0.0, PROBE_EVERY_S - (time.monotonic() - started)))
    finally:
        slow.close()
        for s in idle:
            s.close()
    late = [(i, status, round(took * 1000, 1)) for i, (status, took) in enumerate(probes)
            if status != 200 or took >= PROBE_LIMIT_S]
    assert len(probes) >= HOSTILE_FOR_S / PROBE_EVERY_S * 0.8
    assert not late, f"{len(late)} of {len(probes)} probes failed or took >= 100 ms: {late[:10]}"
    # Every slowloris client met the whole-request deadline at least once.
    assert slow.cut >= SLOWLORIS, f"only {slow.cut} slowloris connections were cut"
    status, _ = probe_healthz(port)
    assert status == 200
