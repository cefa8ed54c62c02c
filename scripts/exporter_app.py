"""The worker side of gunicorn-prometheus-exporter's pattern, for scripts/bench_scrape.sh:
prometheus_client in multiprocess mode (PROMETHEUS_MULTIPROC_DIR set by the caller), every
worker recording the exporter's per-worker families into its own files. The exporter itself is
not packaged in Debian; only the shape of what a scrape has to read matters here."""
import os
import resource
import time

from prometheus_client import Counter, Gauge, Histogram

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
SIZE_BUCKETS = (100, 1000, 10000, 100000, 1000000)
ERROR_LABELS = ["worker_id", "method", "endpoint", "error_type"]

REQUESTS = Counter("gunicorn_worker_requests", "Requests handled", ["worker_id"])
DURATION = Histogram("gunicorn_worker_request_duration_seconds", "Request duration",
                     ["worker_id"], buckets=BUCKETS)
REQUEST_SIZE = Histogram("gunicorn_worker_request_size_bytes", "Request size", ["worker_id"],
                         buckets=SIZE_BUCKETS)
RESPONSE_SIZE = Histogram("gunicorn_worker_response_size_bytes", "Response size",
                          ["worker_id"], buckets=SIZE_BUCKETS)
FAILED = Counter("gunicorn_worker_failed_requests", "Failed requests", ERROR_LABELS)
ERRORS = Counter("gunicorn_worker_error_handling", "Errors handled", ERROR_LABELS)
MEMORY = Gauge("gunicorn_worker_memory_bytes", "RSS", ["worker_id"], multiprocess_mode="all")
CPU = Gauge("gunicorn_worker_cpu_percent", "CPU %", ["worker_id"], multiprocess_mode="all")
UPTIME = Gauge("gunicorn_worker_uptime_seconds", "Uptime", ["worker_id"], multiprocess_mode="all")
STATE = Gauge("gunicorn_worker_state", "State", ["worker_id", "state"], multiprocess_mode="all")
RESTARTS = Counter("gunicorn_worker_restart", "Restarts", ["worker_id", "reason"])

STARTED = time.time()
WORKER_ID = f"worker_{os.getpid()}_{int(STARTED)}"
BODY = b"OK\n"


def app(environ, start_response):
    begin = time.perf_counter()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))])
    REQUESTS.labels(WORKER_ID).inc()
    DURATION.labels(WORKER_ID).observe(time.perf_counter() - begin)
    REQUEST_SIZE.labels(WORKER_ID).observe(len(environ.get("PATH_INFO", "")) + 64)
    RESPONSE_SIZE.labels(WORKER_ID).observe(len(BODY))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    MEMORY.labels(WORKER_ID).set(usage.ru_maxrss * 1024)
    CPU.labels(WORKER_ID).set(usage.ru_utime + usage.ru_stime)
    UPTIME.labels(WORKER_ID).set(time.time() - STARTED)
    STATE.labels(WORKER_ID, "running").set(1)
    return [BODY]
