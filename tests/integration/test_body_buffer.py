"""max_body_buffer: 8 concurrent 60 MiB uploads to one eventlet worker. Bodies are buffered
whole; the worker's budget (64 MiB by default) lets one in at a time, the others get 413
(Connection: close) as their headers end, the worker lives and its peak RSS stays bounded."""
import socket
import threading

BODY = 60 << 20
CHUNK = 1 << 20


def upload(port, results, i):
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    try:
        s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % BODY)
        block = b"u" * CHUNK
        try:
            for _ in range(BODY // CHUNK):
                s.sendall(block)
        except OSError:
            pass  # refused early: the worker closed while we were still sending
        head = b""
        while b"\r\n" not in head:
            data = s.recv(65536)
            if not data:
                break
            head += data
        results[i] = head.split(b"\r\n", 1)[0].decode(errors="replace")
    except OSError as e:
        results[i] = f"error: {e}"
    finally:
        s.close()


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_concurrent_large_uploads_are_bounded(pool_factory):
    # ASan keeps freed blocks in a quarantine: keep it small so RSS shows wpm's own memory.
    pool = pool_factory("--worker-class", "eventlet", workers=1,
                        env={"ASAN_OPTIONS": "quarantine_size_mb=16:detect_leaks=0"})
    (worker,) = pool.live_workers()
    pid = worker["pid"]
    results = [None] * 8
    threads = [threading.Thread(target=upload, args=(pool.port, results, i)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    statuses = [r.split(" ")[1] if r and r.startswith("HTTP/1.1") else r for r in results]
    assert "413" in statuses, results
    assert "200" in statuses, results  # what fits is served
    assert peak_rss_kib(pid) < 200 * 1024, peak_rss_kib(pid)
    (alive,) = pool.live_workers()
    assert alive["pid"] == pid  # the same worker, still serving
    status, _, _ = pool.get("/")
    assert status == 200
