"""A real Prometheus server (Debian's /usr/bin/prometheus) scraping a running `wpm serve` every
second: what it stores equals what the client sent, the example alert rules evaluate cleanly
against real series, and every pool query of the example Grafana dashboard runs.
(Its bench-results row needs pushed series: test_ci_e2e.py runs the whole chain.)"""
import pytest

from monitoring import Prometheus, dashboard, dashboard_panels, substitute
from wpmtest import wait_until


@pytest.fixture()
def prometheus(tmp_path, pool):
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": ["alerts.yml"],
        "scrape_configs": [{
            "job_name": "wpm",
            "static_configs": [{"targets": [f"127.0.0.1:{pool.metrics_port}"]}],
        }],
    }
    prom = Prometheus(tmp_path, config)
    try:
        prom.wait_ready()
        yield prom
    finally:
        prom.kill()


def scalar(result):
    assert len(result) == 1, result
    return float(result[0]["value"][1])


def test_prometheus_sum_of_requests_equals_client_count(pool, prometheus):
    target = f"127.0.0.1:{pool.metrics_port}"
    wait_until(lambda: prometheus.query('up{job="wpm"}'), 30, interval=0.2,
               what="a first scrape")
    n_ok, n_error = 150, 10
    for i in range(n_ok):
        status, _, _ = pool.get("/" if i % 2 else "/bytes/512")
        assert status == 200
    for _ in range(n_error):
        status, _, _ = pool.get("/error")
        assert status == 500
    sent = n_ok + n_error

    def stored():
        result = prometheus.query("sum(gunicorn_worker_requests_total)")
        return result and scalar(result) == sent
    try:
        wait_until(stored, 30, interval=0.25, what=f"sum(gunicorn_worker_requests_total) == {sent}")
    except AssertionError:
        last = prometheus.query("sum(gunicorn_worker_requests_total)")
        raise AssertionError(
            f"Prometheus holds {last}, client sent {sent}\n{prometheus.output()}") from None

    (up,) = prometheus.query('up{job="wpm"}')
    assert up["metric"]["instance"] == target
    assert float(up["value"][1]) == 1
    # Every handled request landed in the histogram too, and the failures were counted.
    assert scalar(prometheus.query(
        "sum(gunicorn_worker_request_duration_seconds_count)")) == sent
    assert scalar(prometheus.query(
        'sum(gunicorn_worker_failed_requests_total{endpoint="/error"})')) == n_error
    assert scalar(prometheus.query('sum(gunicorn_master_workers{state="running"})')) == 2


def test_example_rules_and_dashboard_queries_run_on_real_series(pool, prometheus):
    for _ in range(20):
        pool.get("/")
    pool.get("/error")

    def rules_evaluated():
        groups = prometheus.api("rules")["data"]["groups"]
        rules = [r for g in groups for r in g["rules"]]
        done = all(not r.get("lastEvaluation", "0001").startswith("0001") for r in rules)
        return rules if rules and done else None
    rules = wait_until(rules_evaluated, 30, interval=0.25, what="every rule evaluated once")
    assert len(rules) == 7
    for rule in rules:
        assert rule["health"] == "ok", rule

    # Enough scrapes for rate() over the dashboard's windows.
    def scrapes():
        result = prometheus.query('count_over_time(up{job="wpm"}[1m])')
        return result and scalar(result) >= 3
    wait_until(scrapes, 30, interval=0.25, what="3 scrapes")
    checked = 0
    for panel in dashboard_panels(dashboard()):
        for t in panel.get("targets", []):
            if "gunicorn_" not in t["expr"]:
                continue  # the bench-results row: pushed series, see test_ci_e2e.py
            expr = substitute(t["expr"])
            result = prometheus.query(expr)  # asserts it parses and evaluates
            # Filters such as "> 0" may rightly leave nothing on a pool with no restarts.
            if not expr.rstrip().endswith("> 0"):
                assert result, f"{panel['title']}: {expr} returned no series"
            checked += 1
    assert checked >= 20
