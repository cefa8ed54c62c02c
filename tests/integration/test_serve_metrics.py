"""wpm serve: exact request accounting and a valid, bounded /metrics exposition."""
import concurrent.futures
import os
import stat
import subprocess

from wpmtest import http_request, metric_sum, parse_metrics, raw_request

REQUESTS = "gunicorn_worker_requests_total"


def fire(pool, n, path="/", threads=8):
    def one(_):
        status, _, _ = pool.get(path)
        return status

    with concurrent.futures.ThreadPoolExecutor(threads) as ex:
        return list(ex.map(one, range(n)))


def test_thousand_requests_counted_exactly(pool):
    statuses = fire(pool, 1000)
    assert statuses.count(200) == 1000
    samples = pool.metrics()
    assert metric_sum(samples, REQUESTS) == 1000
    assert metric_sum(samples, "gunicorn_worker_request_duration_seconds_count") == 1000
    assert metric_sum(samples, "gunicorn_worker_request_size_bytes_count") == 1000
    assert metric_sum(samples, "gunicorn_worker_response_size_bytes_sum") > 0


def test_exposition_passes_promtool_and_strict_checker(pool, binary):
    fire(pool, 50)
    pool.get("/error")
    text = pool.metrics_text()
    promtool = subprocess.run(["promtool", "check", "metrics"], input=text, text=True,
                              capture_output=True, timeout=60)
    assert promtool.returncode == 0, promtool.stdout + promtool.stderr
    strict = subprocess.run([binary, "check-metrics", "-"], input=text, text=True,
                            capture_output=True, timeout=60)
    assert strict.returncode == 0, strict.stdout + strict.stderr
    assert "timestamp" not in text
    parse_metrics(text)  # the reference client parser accepts it too


def test_metrics_endpoint_content_type_and_healthz(pool):
    status, headers, _ = http_request(pool.metrics_port, "/metrics")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    status, _, body = http_request(pool.metrics_port, "/healthz")
    assert status == 200, body


def test_every_family_of_the_python_exporter_is_present(pool):
    fire(pool, 5)
    text = pool.metrics_text()
    for family in ["worker_requests_total", "worker_request_duration_seconds",
                   "worker_failed_requests_total", "worker_error_handling_total",
                   "worker_memory_bytes", "worker_cpu_percent", "worker_uptime_seconds",
                   "worker_state", "worker_restart_total", "worker_restart_count_total",
                   "master_worker_restart_total", "master_worker_restart_count_total"]:
        assert f"# TYPE gunicorn_{family} " in text, family
    samples = parse_metrics(text)
    assert metric_sum(samples, "gunicorn_worker_memory_bytes") > 1 << 20  # real RSS, per worker
    running = metric_sum(samples, "gunicorn_worker_state", state="running")
    assert running == 2


def test_error_route_counted_once_in_failed_and_error_handling(pool):
    status, _, _ = pool.get("/error")
    assert status == 500
    samples = pool.metrics()
    assert metric_sum(samples, "gunicorn_worker_failed_requests_total", method="GET",
                      endpoint="/error") == 1
    assert metric_sum(samples, "gunicorn_worker_error_handling_total", method="GET",
                      endpoint="/error") == 1
    assert metric_sum(samples, REQUESTS) == 1


def test_malformed_request_line_gets_400_and_worker_survives(pool_factory):
    pool = pool_factory(workers=1)
    pid = pool.live_workers()[0]["pid"]
    reply = raw_request(pool.port, b"GARBAGE\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 400"), reply[:80]
    long_line = b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    reply = raw_request(pool.port, long_line)
    assert reply.split(b" ")[1] in (b"400", b"414"), reply[:80]
    status, _, _ = pool.get("/")
    assert status == 200
    assert pool.live_workers()[0]["pid"] == pid


def test_oversized_headers_get_431_and_worker_survives(pool_factory):
    pool = pool_factory(workers=1)
    pid = pool.live_workers()[0]["pid"]
    big_field = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n"
    assert raw_request(pool.port, big_field).startswith(b"HTTP/1.1 431")
    many = b"GET / HTTP/1.1\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(150)) + b"\r\n"
    assert raw_request(pool.port, many).startswith(b"HTTP/1.1 431")
    status, _, _ = pool.get("/")
    assert status == 200
    assert pool.live_workers()[0]["pid"] == pid
    samples = pool.metrics()
    assert metric_sum(samples, "gunicorn_worker_error_handling_total") >= 2


def test_runtime_files_are_private(pool):
    d = os.path.join(pool.runtime_dir, "wpm", pool.name)
    assert stat.S_IMODE(os.stat(d).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(d, "state.json")).st_mode) == 0o600


def test_status_json_lists_workers(pool):
    fire(pool, 10)
    import json
    out = pool.wpm("status", "--name", pool.name, "--json")
    assert out.returncode == 0, out.stderr
    s = json.loads(out.stdout)
    for key in ["name", "master_pid", "worker_class", "bind", "metrics_bind", "workers"]:
        assert key in s
    assert s["bind"] == f"127.0.0.1:{pool.port}"
    assert len([w for w in s["workers"] if w["state"] == "running"]) == 2
    for w in s["workers"]:
        for key in ["index", "worker_id", "pid", "state", "requests", "rss_bytes", "cpu_percent",
                    "uptime_seconds"]:
            assert key in w
        assert w["worker_id"].startswith("worker_")
    table = pool.wpm("status", "--name", pool.name)
    assert table.returncode == 0 and "WORKER_ID" in table.stdout
