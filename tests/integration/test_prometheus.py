"""A real Prometheus server (Debian's /usr/bin/prometheus) scraping a running `wpm serve` every
second: what it stores equals what the client sent, the example alert rules evaluate cleanly
against real series, and every query of the example Grafana dashboard runs."""
import json
import os
import shutil
import socket
import subprocess
import urllib.error
import urllib.parse
import urllib.request

import pytest

from wpmtest import ROOT, kill_group, wait_until

EXAMPLES = os.path.join(ROOT, "examples")


def free_loopback_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Prometheus:
    """prometheus on a loopback port, in its own process group, stopped by PID."""

    def __init__(self, tmp_path, config):
        self.dir = tmp_path
        # YAML is a superset of JSON: the generated config needs no YAML library.
        (tmp_path / "prometheus.yml").write_text(json.dumps(config, indent=1))
        shutil.copy(os.path.join(EXAMPLES, "alerts.yml"), tmp_path / "alerts.yml")
        self.port = free_loopback_port()
        self.log_path = tmp_path / "prometheus.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            ["prometheus", f"--config.file={tmp_path / 'prometheus.yml'}",
             f"--web.listen-address=127.0.0.1:{self.port}",
             f"--storage.tsdb.path={tmp_path / 'data'}", "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp_path)

    def wait_ready(self, timeout=30):
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"prometheus exited {self.proc.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=2) as r:
                    return r.status == 200
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                return False
        wait_until(ready, timeout, interval=0.1, what="prometheus /-/ready")

    def api(self, path, **params):
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}?" + urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return json.load(r)
        except urllib.error.HTTPError as e:  # 400 bad_data / 422 execution: the body says why
            return json.load(e)

    def query(self, expr):
        body = self.api("query", query=expr)
        assert body["status"] == "success", f"{expr}: {body}"
        return body["data"]["result"]

    def output(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def kill(self):
        kill_group(self.proc)
        self.log.close()


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
    with open(os.path.join(EXAMPLES, "grafana-dashboard.json")) as f:
        dash = json.load(f)
    subst = {"$job": "wpm", "$instance": ".*", "$__rate_interval": "1m"}
    checked = 0
    for panel in dash["panels"]:
        for t in panel.get("targets", []):
            expr = t["expr"]
            for k, v in subst.items():
                expr = expr.replace(k, v)
            assert "$" not in expr, expr
            result = prometheus.query(expr)  # asserts it parses and evaluates
            # Filters such as "> 0" may rightly leave nothing on a pool with no restarts.
            if not expr.rstrip().endswith("> 0"):
                assert result, f"{panel['title']}: {expr} returned no series"
            checked += 1
    assert checked >= 20
