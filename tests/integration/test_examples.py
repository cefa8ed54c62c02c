"""examples/ stays honest: promtool accepts the config and rules, every alert's unit tests
pass (and fail when the alert is gone), and the Grafana dashboard only queries families that a
live `wpm serve` really exposes."""
import json
import os
import re
import shutil
import subprocess

import pytest

from wpmtest import ROOT

EXAMPLES = os.path.join(ROOT, "examples")
PROMTOOL_TIMEOUT = 60
# Family (sample) names in PromQL: the metric table's prefix and the bench report's.
FAMILY_TOKEN = re.compile(r"\b((?:gunicorn|wpm_bench)_[a-zA-Z0-9_:]*)")


def example(name):
    return os.path.join(EXAMPLES, name)


def promtool(*args, cwd=None):
    res = subprocess.run(["promtool", *args], capture_output=True, text=True, cwd=cwd,
                         timeout=PROMTOOL_TIMEOUT)
    return res.returncode, res.stdout + res.stderr


def alert_names():
    with open(example("alerts.yml")) as f:
        return re.findall(r"^\s*- alert:\s*(\S+)\s*$", f.read(), flags=re.M)


def dashboard():
    with open(example("grafana-dashboard.json")) as f:
        return json.load(f)


def dashboard_panels(dash):
    for panel in dash["panels"]:
        yield panel
        yield from panel.get("panels", [])  # collapsed rows carry their panels


def dashboard_exprs(dash):
    exprs = [t["expr"] for p in dashboard_panels(dash) for t in p.get("targets", [])]
    for var in dash["templating"]["list"]:
        if var["type"] == "query":
            exprs.append(var["definition"])
    return exprs


# ---- Prometheus config and rules ---------------------------------------------------------

def test_prometheus_config_is_valid(tmp_path):
    # rule_files is relative to the config file: check the pair as it would be deployed.
    for name in ("prometheus.yml", "alerts.yml"):
        shutil.copy(example(name), tmp_path / name)
    code, out = promtool("check", "config", "prometheus.yml", cwd=tmp_path)
    assert code == 0, out
    assert "1 rule files found" in out and "7 rules found" in out, out


def test_prometheus_config_scrapes_wpm_and_the_gateway():
    text = open(example("prometheus.yml")).read()
    jobs = re.split(r"^\s*- job_name:\s*", text, flags=re.M)[1:]
    by_name = {j.split("\n", 1)[0].strip(): j for j in jobs}
    assert set(by_name) == {"wpm", "pushgateway"}, by_name.keys()
    assert '"127.0.0.1:9095"' in by_name["wpm"]
    assert re.search(r"^\s*honor_labels:\s*true\s*$", by_name["pushgateway"], flags=re.M)
    # The pool's own job and instance labels must win on its scrape.
    assert not re.search(r"^\s*honor_labels:", by_name["wpm"], flags=re.M)
    assert re.search(r"^\s*-\s*alerts\.yml\s*$", text, flags=re.M)


def test_alert_rules_are_valid():
    code, out = promtool("check", "rules", example("alerts.yml"))
    assert code == 0, out
    assert "SUCCESS: 7 rules found" in out, out


def test_alert_unit_tests_pass():
    code, out = promtool("test", "rules", example("alerts.test.yml"))
    assert code == 0, out
    assert "SUCCESS" in out, out


def test_every_alert_has_a_firing_unit_test(tmp_path):
    # Control for the test above: with any one alert renamed, its expected firing alerts are
    # missing and promtool must fail; an alert only ever tested as "not firing" would survive.
    names = alert_names()
    assert sorted(names) == sorted([
        "WpmPoolDown", "WpmWorkerRestartsHigh", "WpmWorkerAbortRateHigh",
        "WpmWorkerHeartbeatStale", "WpmBenchPushStale", "WpmBenchPushFailing",
        "WpmBenchNotReconciled"])
    rules = open(example("alerts.yml")).read()
    shutil.copy(example("alerts.test.yml"), tmp_path / "alerts.test.yml")
    for name in names:
        mutated = rules.replace(f"- alert: {name}\n", f"- alert: {name}Renamed\n")
        assert mutated != rules
        (tmp_path / "alerts.yml").write_text(mutated)
        code, out = promtool("test", "rules", "alerts.test.yml", cwd=tmp_path)
        assert code != 0, f"no unit test expects {name} to fire:\n{out}"
        assert name in out, out


# ---- Grafana dashboard -------------------------------------------------------------------

def test_dashboard_is_a_grafana_dashboard():
    dash = dashboard()
    assert dash["uid"] and dash["title"] and dash["schemaVersion"] >= 36
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    panels = list(dashboard_panels(dash))
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    cells = set()
    for p in panels:
        g = p["gridPos"]
        assert g["x"] >= 0 and g["w"] > 0 and g["x"] + g["w"] <= 24, p["title"]
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                assert (x, y) not in cells, f"{p['title']} overlaps another panel"
                cells.add((x, y))
        if p["type"] == "row":
            continue
        assert p["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, p["title"]
        assert p["targets"], p["title"]
        refs = [t["refId"] for t in p["targets"]]
        assert len(refs) == len(set(refs)), p["title"]
        for t in p["targets"]:
            assert t["datasource"]["uid"] == "${datasource}", p["title"]
            assert FAMILY_TOKEN.search(t["expr"]), f"{p['title']}: {t['expr']}"


def test_dashboard_covers_the_worker_metrics():
    exprs = "\n".join(dashboard_exprs(dashboard()))
    for needle in ("rate(gunicorn_worker_requests_total",
                   "histogram_quantile(0.99, sum by (le) (rate(gunicorn_worker_request_duration_seconds_bucket",
                   "gunicorn_worker_failed_requests_total", "gunicorn_worker_error_handling_total",
                   "gunicorn_worker_memory_bytes", "gunicorn_worker_cpu_percent",
                   "gunicorn_worker_state", "gunicorn_master_workers",
                   "sum by (reason) (increase(gunicorn_master_worker_restart_total",
                   "gunicorn_worker_heartbeat_age_seconds"):
        assert needle in exprs, needle


# The regression gate's and the run's verdicts in report.prom and the push.
VERDICT_FAMILIES = ("wpm_bench_gate_passed", "wpm_bench_run_passed")


def bench_family_names():
    names = set()
    for source in (("reports", "bench_families.cc"), ("bench", "live_push.cc")):
        with open(os.path.join(ROOT, *source)) as f:
            names |= set(re.findall(r'"(wpm_bench_[a-z0-9_]+)"', f.read()))
    return names


def test_dashboard_has_a_bench_results_row():
    dash = dashboard()
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    for name in ("bench_job", "branch", "worker_class"):
        assert "wpm_bench_" in variables[name]["definition"], name
    row = [p for p in dashboard_panels(dash) if p["type"] == "row" and "Bench" in p["title"]]
    assert len(row) == 1
    exprs = dashboard_exprs(dash)
    used = {tok for e in exprs for tok in FAMILY_TOKEN.findall(e) if tok.startswith("wpm_bench_")}
    for needle in ("wpm_bench_requests_per_second", "wpm_bench_latency_seconds",
                   "wpm_bench_errors", "wpm_bench_reconciled", *VERDICT_FAMILIES):
        assert needle in used, needle
    known = bench_family_names()
    assert "wpm_bench_requests_per_second" in known, "the table moved: update this test"
    unknown = sorted(used - known)
    assert not unknown, f"the dashboard queries bench families no report has: {unknown}"
    # Every bench query is scoped to the bench job, never to the pool's $job.
    for e in exprs:
        if "wpm_bench_" in e and not e.startswith("label_values(wpm_bench_requests_per_second,"):
            assert '$bench_job' in e and '"$job"' not in e, e


def live_sample_names(metrics_text):
    """Every sample name a scrape can hold: families from the TYPE lines (present even with no
    series yet), plus the _bucket/_sum/_count series of histograms."""
    names = set()
    for family, kind in re.findall(r"^# TYPE (\S+) (\S+)$", metrics_text, flags=re.M):
        names.add(family)
        if kind == "histogram":
            names.update(family + s for s in ("_bucket", "_sum", "_count"))
        elif kind == "summary":
            names.update(family + s for s in ("_sum", "_count"))
    return names


@pytest.mark.parametrize("source", ["grafana-dashboard.json", "alerts.yml"])
def test_examples_query_only_live_families(pool, source):
    pool.get("/")
    pool.get("/error")  # so labelled families have series too (not needed for TYPE lines)
    names = live_sample_names(pool.metrics_text())
    assert "gunicorn_worker_requests_total" in names
    assert "gunicorn_worker_request_duration_seconds_bucket" in names
    with open(example(source)) as f:
        text = f.read()
    exprs = dashboard_exprs(json.loads(text)) if source.endswith(".json") else [text]
    used = {tok for e in exprs for tok in FAMILY_TOKEN.findall(e)}
    used_pool = {n for n in used if n.startswith("gunicorn_")}
    assert used_pool, "no pool family referenced"
    unknown = sorted(used_pool - names)
    assert not unknown, f"{source} queries families wpm serve does not expose: {unknown}"
    if source == "alerts.yml":
        # Bench families come from the report table (reports/bench_families.cc): the pushed
        # gauges are checked against a real report in test_push_cli.
        assert {n for n in used if n.startswith("wpm_bench_")} == {"wpm_bench_reconciled"}
