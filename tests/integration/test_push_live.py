"""The live view of `wpm bench --push-live-interval`: two generators against one `wpm serve`
pool push their running gauges to a real Debian prometheus-pushgateway under different
`instance` grouping keys while they run, and their last live push agrees with their reports."""
import json
import os
import subprocess

import pytest

from wpmtest import kill_group, metric_sum, wait_until

JOB = "wpm_live"


def start_generator(binary, runtime_dir, tmp_path, port, gateway_url, instance, *extra):
    out = tmp_path / instance
    argv = [binary, "bench", "--target", f"http://127.0.0.1:{port}/", "--path", "/",
            "--path", "/status/503", "--max-error-ratio", "1", "--duration", "2s",
            "--warmup", "0s", "--connections", "2", "--client-threads", "1", "--no-progress",
            "--out", str(out), "--push-url", gateway_url, "--push-job", JOB,
            "--push-live-interval", "200ms", *extra]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WPM_PUSH_")}
    env["XDG_RUNTIME_DIR"] = runtime_dir
    log = open(tmp_path / f"{instance}.log", "wb")
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    proc.log, proc.log_path, proc.out = log, tmp_path / f"{instance}.log", out
    return proc


def gauge(group, name, **labels):
    for m in group.get(name, {}).get("metrics", []):
        if all(m["labels"].get(k) == v for k, v in labels.items()):
            return float(m["value"])
    return None


def live_group(gateway, instance):
    return gateway.group(job=JOB, instance=instance)


def report_totals(out_dir):
    with open(out_dir / "report.json") as f:
        cls = json.load(f)["classes"][0]
    errors = cls["errors"]
    failed = sum(errors[k] for k in ("connect", "write", "read", "reset", "timeout", "parse"))
    return cls["summary"]["responses"], failed + sum(errors["status"].values())


def test_two_generators_push_live_gauges_that_sum_to_their_reports(binary, runtime_dir, tmp_path,
                                                                   pool, gateway):
    instances = ("gen-a", "gen-b")
    procs = [start_generator(binary, runtime_dir, tmp_path, pool.port, gateway.url, name,
                             "--push-instance", name) for name in instances]
    try:
        # During the run: both instances' groups exist and say they are running, and the
        # request gauge only grows from one push to the next.
        seen = {name: [] for name in instances}

        def both_running():
            for p in procs:
                assert p.poll() is None, p.log_path.read_text()
            for name in instances:
                g = live_group(gateway, name)
                if g and gauge(g, "wpm_bench_live_running", **{"class": "target"}) == 1:
                    seen[name].append(gauge(g, "wpm_bench_live_requests"))
            return all(len(v) >= 2 for v in seen.values())
        wait_until(both_running, 15, interval=0.1, what="live pushes of both generators")
        for p in procs:
            assert p.wait(60) == 0, p.log_path.read_text()
    finally:
        for p in procs:
            kill_group(p)
            p.log.close()
    for name, values in seen.items():
        assert values == sorted(values), f"{name}: live requests went backwards: {values}"

    # After the run: each group holds the final figures, equal to that generator's report.
    sums = {"requests": 0, "errors": 0}
    report_sums = {"requests": 0, "errors": 0}
    for name, p in zip(instances, procs):
        g = live_group(gateway, name)
        assert g is not None, f"no live group for {name}"
        assert gauge(g, "wpm_bench_live_running") == 0
        responses, errors = report_totals(p.out)
        assert responses > 0 and errors > 0, (responses, errors)  # /status/503 in the mix
        assert gauge(g, "wpm_bench_live_requests") == responses
        assert gauge(g, "wpm_bench_live_errors") == errors
        assert gauge(g, "wpm_bench_live_in_flight") == 0
        assert gauge(g, "wpm_bench_live_latency_seconds", quantile="0.99") > 0
        assert gauge(g, "wpm_bench_live_responses_per_second") > 0
        sums["requests"] += gauge(g, "wpm_bench_live_requests")
        sums["errors"] += gauge(g, "wpm_bench_live_errors")
        report_sums["requests"] += responses
        report_sums["errors"] += errors
        assert "live push:" in p.log_path.read_text()
    assert sums == report_sums
    # The pool counted what both generators received (any status).
    served = metric_sum(pool.metrics(), "gunicorn_worker_requests_total")
    assert report_sums["requests"] <= served <= report_sums["requests"] + report_sums["errors"]
    # The final results are pushed as before, under the group without `instance`.
    assert gateway.group(job=JOB) is not None


def test_an_unreachable_gateway_warns_and_the_run_passes(binary, runtime_dir, tmp_path, pool):
    proc = start_generator(binary, runtime_dir, tmp_path, pool.port, "http://127.0.0.1:9",
                           "gen-x", "--push-instance", "gen-x", "--push-retries", "0")
    try:
        code = proc.wait(60)
    finally:
        kill_group(proc)
        proc.log.close()
    log = proc.log_path.read_text()
    # The final push fails (exit 4, as without live pushes); the live pushes only warned, and
    # the report was written with the run's verdict.
    assert code == 4, log
    assert "live push:" in log and "pushes failed (the run is unaffected)" in log, log
    with open(proc.out / "report.json") as f:
        assert json.load(f)["verdict"]["passed"] is True


@pytest.mark.parametrize("flags,names", [
    (["--push-live-interval", "1s"], ("--push-live-interval", "--push-url")),
    (["--push-live-interval", "50ms", "--push-url", "http://127.0.0.1:9"], ("--push-live-interval", "100ms")),
    (["--push-live-interval", "1s", "--push-url", "http://127.0.0.1:9", "--push-label", "instance=x"],
     ("--push-label", "--push-instance")),
])
def test_bad_live_push_options_exit_2_before_any_work(binary, runtime_dir, tmp_path, flags, names):
    res = subprocess.run([binary, "bench", "--target", "http://127.0.0.1:1/", *flags,
                          "--out", str(tmp_path / "r")],
                         capture_output=True, text=True, timeout=30,
                         env=dict(os.environ, XDG_RUNTIME_DIR=runtime_dir))
    assert res.returncode == 2, res.stderr
    assert all(n in res.stderr for n in names), res.stderr
    assert all(n in res.stderr.splitlines()[-1] for n in names), res.stderr  # one line says it
    assert not (tmp_path / "r").exists(), "validated before any work"


def test_dashboard_has_a_live_generators_row():
    from monitoring import dashboard
    panels = dashboard()["panels"]
    rows = [i for i, p in enumerate(panels) if p["type"] == "row" and "Live generators" in p["title"]]
    assert len(rows) == 1
    live = []
    for p in panels[rows[0] + 1:]:
        if p["type"] == "row":
            break
        live += [t["expr"] for t in p["targets"]]
    for family in ("wpm_bench_live_running", "wpm_bench_live_requests",
                   "wpm_bench_live_responses_per_second", "wpm_bench_live_errors",
                   "wpm_bench_live_in_flight", "wpm_bench_live_latency_seconds"):
        exprs = [e for e in live if family + "{" in e]
        assert exprs, family
        # Aggregated over generators: a sum (a max for percentiles, which do not add).
        assert all(e.startswith(("sum(", "sum by (instance)", "max(")) for e in exprs), exprs
