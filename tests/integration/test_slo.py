"""wpm bench --slo: each class's highest rate within the objective, and the class to pick.

/sleep/20 only, 2 workers: a sync worker holds one request at a time, so the pool saturates
near 2 / 20 ms = 100 req/s, while eventlet's workers sleep cooperatively and hold far more.
The answer is known by construction: eventlet."""
import json
import re

from test_bench_verdicts import bench, gauge
from wpmtest import assert_report_schema


def test_slo_search_recommends_the_class_that_holds_the_load(binary, runtime_dir, tmp_path):
    out = tmp_path / "report"
    res = bench(binary, runtime_dir, out, "-k", "sync,eventlet", "--workers", "2",
                "--path", "/sleep/20", "--slo", "p99<100ms,errors<1%", "--slo-steps", "4",
                "-d", "2s", "--warmup", "0.5s", "--connections", "64", "--inject", "none")
    assert res.returncode == 0, res.stdout + res.stderr
    report = json.loads((out / "report.json").read_text())
    assert_report_schema(out / "report.json")
    by_class = {c["worker_class"]: c for c in report["classes"]}
    sync, eventlet = by_class["sync"]["slo"], by_class["eventlet"]["slo"]
    for search in (sync, eventlet):
        assert search["objective"] == "p99<100ms,errors<1%"
        assert len(search["steps"]) == 5  # the probe and 4 bisection steps
        assert search["steps"][0]["rate"] == 0
        assert search["met"]
        # Every step at or below the answer that was tried met it; none above did.
        for step in search["steps"][1:]:
            assert step["met"] == (step["rate"] <= search["max_rate"]), search
    assert 40 <= sync["max_rate"] <= 110, sync  # 2 workers x 1 / 20 ms = 100 req/s at most
    assert eventlet["max_rate"] > 3 * sync["max_rate"], (sync, eventlet)
    rec = report["recommendation"]
    assert rec["worker_class"] == "eventlet" and rec["workers"] == 2
    assert rec["rate"] == eventlet["max_rate"]
    assert rec["ties"] == []  # sync is far below: no tie
    assert isinstance(rec["client_bound"], bool)
    # The class's figures are its best run's: an open-loop run at the answer.
    assert by_class["eventlet"]["summary"]["target_rate"] == eventlet["max_rate"]
    assert "recommendation: eventlet with 2 workers" in res.stdout
    prom = (out / "report.prom").read_text()
    assert gauge(prom, 'wpm_bench_slo_recommended{worker_class="eventlet"}') == 1
    assert gauge(prom, 'wpm_bench_slo_recommended{worker_class="sync"}') == 0
    assert gauge(prom, 'wpm_bench_slo_max_rate{worker_class="sync"}') == sync["max_rate"]
    html = (out / "report.html").read_text()
    assert re.search(r'<div id="slo" class="verdict ok">Recommendation: eventlet', html)


def test_an_objective_no_class_meets_fails_the_run(binary, runtime_dir, tmp_path):
    out = tmp_path / "report"
    res = bench(binary, runtime_dir, out, "-k", "sync", "--path", "/sleep/20", "--slo",
                "p50<1ms", "--slo-steps", "1", "-d", "1s", "--warmup", "0s", "--inject", "none")
    assert res.returncode == 3, res.stdout + res.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["recommendation"]["worker_class"] is None
    assert any("no class met the SLO 'p50<1ms'" in r for r in report["verdict"]["reasons"])
    assert "no class met p50<1ms" in res.stdout


def test_a_bad_objective_is_a_usage_error_naming_the_flag(binary, runtime_dir, tmp_path):
    out = tmp_path / "report"
    res = bench(binary, runtime_dir, out, "--slo", "p98<5ms")
    assert res.returncode == 2, res.stdout + res.stderr
    assert "--slo" in res.stderr and "p98" in res.stderr
    assert not out.exists()
    res = bench(binary, runtime_dir, out, "--slo", "p99<5ms", "--rate", "100")
    assert res.returncode == 2 and "--rate" in res.stderr, res.stderr
