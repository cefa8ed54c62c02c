"""wpm bench verdicts, 100 ms timelines and the regression gate in every report, end to end."""
import json
import os
import re
import socket
import subprocess


def bench(binary, runtime_dir, out, *args, timeout=300):
    env = dict(os.environ, XDG_RUNTIME_DIR=runtime_dir)
    return subprocess.run([binary, "bench", "--out", str(out), "--no-progress", *args],
                          capture_output=True, text=True, timeout=timeout, env=env)


def closed_port():
    """A loopback port nothing listens on: bound, then released without listen()."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gauge(prom_text, series):
    m = re.search(r"^" + re.escape(series) + r" (\S+)$", prom_text, re.M)
    assert m, f"{series} missing"
    return float(m.group(1))


def test_an_unreachable_target_exits_3_with_the_reason_everywhere(binary, runtime_dir, tmp_path):
    out = tmp_path / "report"
    res = bench(binary, runtime_dir, out, "--target", f"http://127.0.0.1:{closed_port()}/",
                "-d", "1s", "--connections", "2", "--warmup", "0s")
    assert res.returncode == 3, res.stdout + res.stderr
    assert "target: no successful response" in res.stdout
    report = json.loads((out / "report.json").read_text())
    assert report["verdict"]["passed"] is False
    assert any("no successful response" in r for r in report["verdict"]["reasons"])
    (cls,) = report["classes"]
    assert cls["verdict"]["passed"] is False
    prom = (out / "report.prom").read_text()
    assert gauge(prom, 'wpm_bench_verdict{worker_class="target"}') == 0
    assert gauge(prom, "wpm_bench_run_passed") == 0
    html = (out / "report.html").read_text()
    assert '<div id="verdict" class="verdict bad">Verdict: FAILED' in html


def test_inject_with_target_is_a_usage_error_before_anything_starts(binary, runtime_dir,
                                                                     tmp_path):
    out = tmp_path / "report"
    res = bench(binary, runtime_dir, out, "--target", "http://127.0.0.1:1/", "-d", "1s",
                "--inject", "0.5s:abort:worker=0")
    assert res.returncode == 2, res.stdout + res.stderr
    assert "--inject" in res.stderr and "--target" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert not out.exists()  # validated before the report directory or any load


def test_timeline_at_100ms_paths_and_replacement_steps(binary, runtime_dir, tmp_path):
    out = tmp_path / "report"
    res = bench(binary, runtime_dir, out, "-k", "sync", "-d", "2s", "--warmup", "0.5s",
                "--path", "/", "--path", "/sleep/2", "--inject", "1s:abort:worker=0")
    assert res.returncode == 0, res.stdout + res.stderr
    (cls,) = json.loads((out / "report.json").read_text())["classes"]
    assert cls["timeline_interval_s"] == 0.1
    timeline = cls["timeline"]
    assert len(timeline) >= 20
    assert [round(p["t_s"], 6) for p in timeline[:3]] == [0.0, 0.1, 0.2]
    assert sum(p["completed"] for p in timeline) == cls["summary"]["responses"]
    assert sum(p["server_requests"] for p in timeline) == cls["reconciliation"]["server_delta"]
    assert sum(1 for p in timeline[:20] if p["server_requests"] > 0) >= 15  # scraped every 100 ms
    assert [p["path"] for p in cls["paths"]] == ["/", "/sleep/2"]
    assert sum(p["latency"]["count"] for p in cls["paths"]) == cls["latency"]["count"]
    (event,) = cls["events"]
    t = event["times"]
    assert event["outcome"] == "effect_seen"
    assert t["signal_sent_s"] <= t["worker_gone_s"] <= t["replacement_spawned_s"]
    assert t["replacement_spawned_s"] <= t["replacement_ready_s"]
    prom = (out / "report.prom").read_text()
    assert gauge(prom, 'wpm_bench_path_latency_seconds{worker_class="sync",path="/sleep/2",'
                       'percentile="99"}') >= 0.002
    html = (out / "report.html").read_text()
    assert "throughput around the signal" in html and "Latency by path" in html


def test_the_gate_with_its_checks_and_scenario_warning_is_in_every_report(binary, runtime_dir,
                                                                         tmp_path):
    base = tmp_path / "base"
    res = bench(binary, runtime_dir, base, "-k", "sync", "-d", "1s", "--warmup", "0s")
    assert res.returncode == 0, res.stdout + res.stderr
    out = tmp_path / "now"
    res = bench(binary, runtime_dir, out, "-k", "sync", "-d", "1.5s", "--warmup", "0s",
                "--baseline", str(base / "report.json"), "--fail-on", "p99>+100000%,rps<1e9")
    assert res.returncode == 3, res.stdout + res.stderr  # nothing serves a billion req/s
    assert "regression gate: FAILED" in res.stdout
    gate = json.loads((out / "report.json").read_text())["gate"]
    assert gate["applied"] is True and gate["passed"] is False
    assert gate["baseline"] == str(base / "report.json")
    p99, rps = gate["checks"]
    assert p99["check"] == "p99>+100000%" and p99["failed"] is False
    assert p99["baseline"] > 0 and p99["current"] > 0
    assert rps["check"] == "rps<1e9" and rps["failed"] is True
    assert any("duration" in w for w in gate["scenario_warnings"])
    prom = (out / "report.prom").read_text()
    assert gauge(prom, "wpm_bench_gate_applied") == 1
    assert gauge(prom, "wpm_bench_gate_passed") == 0
    assert gauge(prom, "wpm_bench_gate_scenario_mismatch") >= 1
    assert gauge(prom, 'wpm_bench_gate_check_failed{worker_class="sync",check="rps<1e9"}') == 1
    html = (out / "report.html").read_text()
    banner = html.index('<div id="gate" class="verdict bad">Regression gate: FAILED')
    assert banner < html.index("<h2>Summary</h2>")
    assert "Scenario mismatch" in html
