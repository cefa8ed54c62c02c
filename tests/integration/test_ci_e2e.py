"""The whole CI chain on one machine, every part real: a Pushgateway and a Prometheus (Debian's
binaries, loopback), a `wpm serve` pool scraped by that Prometheus, and examples/ci-bench-push.sh
pushing a short bench to the gateway, which Prometheus scrapes too. Then every query of the
example Grafana dashboard runs through Prometheus's HTTP API and must return data. A second,
deliberately slower run must fail the regression gate.
Bounded: two 1 s bench runs and a 1 s scrape interval; well under two minutes."""
import json
import os
import subprocess

import pytest

from monitoring import Prometheus, dashboard, dashboard_panels, substitute
from wpmtest import ROOT, wait_until

CI_SCRIPT = os.path.join(ROOT, "examples", "ci-bench-push.sh")
# The regression gate's verdict and the run's verdict as pushed series: the slower run must
# show up as failed in them (see test_slower_run_fails_the_gate).
GATE_FAMILIES = ("wpm_bench_gate_passed", "wpm_bench_run_passed")
CLASS = "sync"


@pytest.fixture()
def prometheus(tmp_path, pool, gateway):
    # The two jobs of examples/prometheus.yml, on this test's ports and a 1 s interval.
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": ["alerts.yml"],
        "scrape_configs": [
            {"job_name": "wpm",
             "static_configs": [{"targets": [f"127.0.0.1:{pool.metrics_port}"]}]},
            {"job_name": "pushgateway", "honor_labels": True,
             "static_configs": [{"targets": [f"127.0.0.1:{gateway.port}"]}]},
        ],
    }
    (tmp_path / "prom").mkdir()
    prom = Prometheus(tmp_path / "prom", config)
    try:
        prom.wait_ready()
        yield prom
    finally:
        prom.kill()


def ci_bench_push(binary, runtime_dir, tmp_path, gateway, *flags, timeout=90):
    """examples/ci-bench-push.sh as a CI job runs it, with extra `wpm bench` flags."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WPM_PUSH_")}
    env.update(XDG_RUNTIME_DIR=runtime_dir, WPM_BIN=binary, WPM_CLASSES=CLASS,
               WPM_DURATION="1s", WPM_WARMUP="0s", WPM_CONNECTIONS="4",
               WPM_OUT=str(tmp_path / "out"), WPM_BASELINE=str(tmp_path / "cache" / "report.json"),
               PUSHGATEWAY_URL=gateway.url, CI_BRANCH="main", CI_RUNNER="e2e")
    return subprocess.run(["bash", CI_SCRIPT, *flags], capture_output=True, text=True,
                          timeout=timeout, env=env)


def pending_gate_families(tmp_path):
    report = (tmp_path / "out" / "report.prom").read_text()
    return {name for name in GATE_FAMILIES if f"# TYPE {name} " not in report}


def bench_value(prometheus, expr):
    """The single value of a bench query for this test's run, or None while not scraped yet."""
    result = prometheus.query(expr)
    return float(result[0]["value"][1]) if len(result) == 1 else None


def exercise_pool(pool, prometheus):
    """Traffic, an error and one worker-handled exit (QUIT to worker 0), each scraped."""
    for i in range(40):
        assert pool.get("/" if i % 2 else "/bytes/512")[0] == 200
    assert pool.get("/error")[0] == 500
    # The exit counters must be scraped at 0 first: the QUIT is then a 0 -> 1 step for
    # increase(). (A series born at 1 leaves "Exits handled by workers" empty forever.)
    wait_until(lambda: len(prometheus.query(
        'gunicorn_worker_restart_count_total{job="wpm", reason="quit"} == 0')) == pool.workers,
        30, interval=0.2, what="the quit exit counters scraped at 0")
    res = pool.signal("quit", "--worker", "0", "--wait")
    assert res.returncode == 0, res.stdout + res.stderr
    pool.wait_ready()
    wait_until(lambda: prometheus.query(
        'increase(gunicorn_worker_restart_count_total{job="wpm", reason="quit"}[1m]) > 0'),
        30, interval=0.2, what="the worker's quit seen by increase()")


def dashboard_queries():
    """(title, expr) of every panel target, and every label_values() variable query."""
    dash = dashboard()
    queries = [(p["title"], t["expr"]) for p in dashboard_panels(dash) for t in p.get("targets", [])]
    variables = [(v["name"], v["definition"]) for v in dash["templating"]["list"]
                 if v["type"] == "query"]
    return queries, variables


def test_ci_chain_feeds_every_dashboard_query(binary, runtime_dir, tmp_path, pool, gateway,
                                              prometheus):
    exercise_pool(pool, prometheus)
    # /error in the mix: the errors panel's error-status query has something to show (and the
    # run's error ratio is half, which this run accepts).
    # Live pushes too, so the "Live generators" row has a generator to show.
    res = ci_bench_push(binary, runtime_dir, tmp_path, gateway, "--path", "/", "--path", "/error",
                        "--max-error-ratio", "1", "--push-live-interval", "300ms",
                        "--push-instance", "e2e-gen")
    assert res.returncode == 0, res.stdout + res.stderr
    assert gateway.group(job="wpm_bench", branch="main", runner="e2e") is not None
    assert gateway.group(job="wpm_bench", branch="main", runner="e2e", instance="e2e-gen")
    wait_until(lambda: bench_value(prometheus, 'wpm_bench_reconciled{job="wpm_bench"}') == 1,
               30, interval=0.2, what="the pushed bench results scraped from the gateway")
    assert not pending_gate_families(tmp_path), "report.prom lacks the gate/verdict families"

    queries, variables = dashboard_queries()
    empty = []
    for title, expr in queries:
        if not prometheus.query(substitute(expr)):  # asserts that it parses and evaluates
            empty.append(f"{title}: {expr}")
    assert not empty, "dashboard queries with no data:\n" + "\n".join(empty)
    for name, definition in variables:
        metric, label = definition[len("label_values("):-1].rsplit(", ", 1)
        values = prometheus.label_values(label, substitute(metric))
        assert values, f"variable {name}: {definition} lists nothing"
    assert len(queries) >= 28, len(queries)


def test_slower_run_fails_the_gate(binary, runtime_dir, tmp_path, pool, gateway, prometheus):
    fast = ci_bench_push(binary, runtime_dir, tmp_path, gateway, "--path", "/")
    assert fast.returncode == 0, fast.stdout + fast.stderr
    assert "not gated" in fast.stderr
    baseline = json.loads((tmp_path / "cache" / "report.json").read_text())
    fast_p99 = baseline["classes"][0]["latency"]["p99_s"]

    # Every request sleeps 50 ms: p99 and throughput both cross the default thresholds.
    slow = ci_bench_push(binary, runtime_dir, tmp_path, gateway, "--path", "/sleep/50")
    assert slow.returncode == 3, slow.stdout + slow.stderr
    assert "p99>+25%" in slow.stdout and "rps<-15%" in slow.stdout, slow.stdout
    assert "exited 3" in slow.stderr
    # The failed run's results are still pushed, and Prometheus sees the slower p99.
    p99 = 'wpm_bench_latency_seconds{job="wpm_bench", branch="main", percentile="99"}'
    wait_until(lambda: (bench_value(prometheus, p99) or 0) >= max(0.05, fast_p99 * 1.25),
               30, interval=0.2, what="the slower run's p99 scraped from the gateway")

    # The pushed verdicts: the dashboard's gate and verdict panels show the run failed.
    assert not pending_gate_families(tmp_path), "report.prom lacks the gate/verdict families"
    for name in GATE_FAMILIES:
        expr = f'min({name}{{job="wpm_bench", branch="main"}})'
        wait_until(lambda: bench_value(prometheus, expr) == 0, 30, interval=0.2,
                   what=f"{name} == 0 for the slower run")
