"""Gunicorn config reproducing gunicorn-prometheus-exporter's metrics endpoint for
scripts/bench_scrape.sh: once the master is ready it serves a MultiProcessCollector registry
with prometheus_client's start_http_server on 127.0.0.1:$EXPORTER_METRICS_PORT, and forgets
the files of workers that exit."""
import os

from prometheus_client import CollectorRegistry, multiprocess, start_http_server

worker_class = "sync"
accesslog = None
loglevel = "warning"


def when_ready(server):
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    start_http_server(int(os.environ["EXPORTER_METRICS_PORT"]), addr="127.0.0.1",
                      registry=registry)


def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)
