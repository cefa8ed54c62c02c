"""The CLI end of the Pushgateway work: `wpm push`, `wpm bench --push-url`, the regression gate
and examples/ci-bench-push.sh against a real Debian prometheus-pushgateway on loopback.
(The reports unit tests cover the client library itself; these drive the wpm commands.)"""
import json
import os
import socket
import subprocess
import time

import pytest

from monitoring import Gateway
from wpmtest import ROOT

CI_SCRIPT = os.path.join(ROOT, "examples", "ci-bench-push.sh")
PASSWORD = "s3cret pass+/"


def values(group, name):
    """{frozenset(own labels): float} of one metric in an API group: the grouping key and the
    gateway's empty instance label are left out."""
    out = {}
    for m in group[name]["metrics"]:
        labels = {k: v for k, v in m["labels"].items()
                  if k not in group["labels"] and k != "instance"}
        out[frozenset(labels.items())] = float(m["value"])
    return out


def wpm(binary, runtime_dir, *args, env=None, timeout=120):
    base = {k: v for k, v in os.environ.items() if not k.startswith("WPM_PUSH_")}
    full = dict(base, XDG_RUNTIME_DIR=runtime_dir, **(env or {}))
    start = time.monotonic()
    res = subprocess.run([binary, *args], capture_output=True, text=True, timeout=timeout,
                         env=full)
    res.elapsed = time.monotonic() - start
    return res


def push(binary, runtime_dir, gw_url, job, *args, **kw):
    return wpm(binary, runtime_dir, "push", "--url", gw_url, "--job", job, *args, **kw)


def bench(binary, runtime_dir, out, *args, **kw):
    return wpm(binary, runtime_dir, "bench", "--worker-class", "sync", "--duration", "1s",
               "--warmup", "0s", "--connections", "4", "--no-progress", "--out", str(out),
               *args, **kw)


def write(path, text):
    path.write_text(text)
    return str(path)


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- wpm push ----------------------------------------------------------------------------

def test_push_add_replace_delete_round_trip(binary, runtime_dir, gateway, tmp_path):
    build = write(tmp_path / "build.prom", "# HELP ci_build_seconds Build time.\n"
                  "# TYPE ci_build_seconds gauge\nci_build_seconds{stage=\"compile\"} 12.5\n")
    tests = write(tmp_path / "tests.prom", "# TYPE ci_tests_total counter\nci_tests_total 42\n")
    tests7 = write(tmp_path / "tests7.prom", "# TYPE ci_tests_total counter\nci_tests_total 7\n")
    job = "wpm ci/bench"  # a job with '/' and a space needs the base64 form too
    key = ["--label", "branch=feature/x", "--label", "runner=ci 1+2"]
    labels = {"job": job, "branch": "feature/x", "runner": "ci 1+2"}

    res = push(binary, runtime_dir, gateway.url, job, "--file", build, *key)
    assert res.returncode == 0, res.stderr
    other = push(binary, runtime_dir, gateway.url, job, "--file", build, "--label", "branch=main")
    assert other.returncode == 0, other.stderr
    group = gateway.group(**labels)
    assert group is not None, gateway.groups()
    assert values(group, "ci_build_seconds") == {frozenset({("stage", "compile")}): 12.5}

    res = push(binary, runtime_dir, gateway.url, job, "--file", tests, "--add", *key)
    assert res.returncode == 0, res.stderr
    group = gateway.group(**labels)
    assert values(group, "ci_tests_total") == {frozenset(): 42}
    assert "ci_build_seconds" in group, "POST must keep the names it did not push"

    res = push(binary, runtime_dir, gateway.url, job, "--file", tests7, *key)
    assert res.returncode == 0, res.stderr
    group = gateway.group(**labels)
    assert values(group, "ci_tests_total") == {frozenset(): 7}
    assert "ci_build_seconds" not in group, "PUT must replace the whole group"

    res = push(binary, runtime_dir, gateway.url, job, "--delete", *key)
    assert res.returncode == 0, res.stderr
    assert gateway.group(**labels) is None
    assert gateway.group(job=job, branch="main") is not None, "DELETE hit another group"


def test_push_untyped_stdin_is_accepted_and_stored(binary, runtime_dir, gateway):
    base = {k: v for k, v in os.environ.items() if not k.startswith("WPM_PUSH_")}
    res = subprocess.run([binary, "push", "--url", gateway.url, "--job", "ci", "--file", "-"],
                         input="foo 1\n", capture_output=True, text=True, timeout=60,
                         env=dict(base, XDG_RUNTIME_DIR=runtime_dir))
    assert res.returncode == 0, res.stderr
    group = gateway.group(job="ci")
    assert group is not None, gateway.groups()
    assert values(group, "foo") == {frozenset(): 1}
    assert group["foo"]["type"] == "UNTYPED"


@pytest.mark.parametrize("payload,problem", [
    ("# TYPE ci_x gauge\nci_x 1 1700000000000\n", "has a timestamp"),
    ("# TYPE ci_x gauge\nci_x 1\nci_x 2\n", "duplicate series"),
    ("ci_x{le=} 1\n", "line 1"),
])
def test_push_invalid_payload_exits_2_and_sends_nothing(binary, runtime_dir, gateway, tmp_path,
                                                        payload, problem):
    f = write(tmp_path / "bad.prom", payload)
    res = push(binary, runtime_dir, gateway.url, "ci", "--file", f)
    # 2: the input is at fault; 4 is kept for a gateway that refused or could not be reached.
    assert res.returncode == 2, res.stderr
    assert "invalid payload" in res.stderr and problem in res.stderr, res.stderr
    assert gateway.group(job="ci") is None, "nothing may reach the gateway"
    # check-metrics --push applies the same rules, with the same exit code.
    check = wpm(binary, runtime_dir, "check-metrics", "--push", f)
    assert check.returncode == 2 and problem in check.stdout, check.stdout + check.stderr


def test_check_metrics_exit_codes(binary, runtime_dir, tmp_path):
    untyped = write(tmp_path / "untyped.prom", "foo 1\n")
    res = wpm(binary, runtime_dir, "check-metrics", "--push", untyped)
    assert res.returncode == 0 and res.stdout.endswith(": ok\n"), res.stdout + res.stderr
    # Without --push every family needs a TYPE line (wpm's own /metrics always has one).
    res = wpm(binary, runtime_dir, "check-metrics", untyped)
    assert res.returncode == 2 and "no TYPE line" in res.stdout, res.stdout + res.stderr
    res = wpm(binary, runtime_dir, "check-metrics", str(tmp_path / "missing.prom"))
    assert res.returncode == 2 and "cannot read" in res.stderr, res.stdout + res.stderr


def test_push_scrape_of_a_live_pool(binary, runtime_dir, gateway, pool):
    for _ in range(7):
        assert pool.get("/")[0] == 200
    res = push(binary, runtime_dir, gateway.url, "wpm_pool",
               "--scrape", f"http://127.0.0.1:{pool.metrics_port}/metrics",
               "--label", f"pool={pool.name}")
    assert res.returncode == 0, res.stderr
    group = gateway.group(job="wpm_pool", pool=pool.name)
    assert group is not None, gateway.groups()
    assert sum(values(group, "gunicorn_worker_requests_total").values()) == 7
    assert group["gunicorn_worker_request_duration_seconds"]["type"] == "HISTOGRAM"
    running = values(group, "gunicorn_master_workers")[frozenset({("state", "running")})]
    assert running == 2


def test_push_refused_payload_exits_4_with_the_gateway_message(binary, runtime_dir, gateway,
                                                               tmp_path):
    counter = write(tmp_path / "c.prom", "# TYPE ci_conflict counter\nci_conflict 1\n")
    gauge = write(tmp_path / "g.prom", "# TYPE ci_conflict gauge\nci_conflict 2\n")
    first = write(tmp_path / "f.prom", "# TYPE ci_first gauge\nci_first 1\n")
    assert push(binary, runtime_dir, gateway.url, "ci", "--file", counter,
                "--label", "branch=a").returncode == 0
    assert push(binary, runtime_dir, gateway.url, "ci", "--file", first,
                "--label", "branch=b").returncode == 0
    # The same name with another type in another group: the gateway refuses it (400).
    res = push(binary, runtime_dir, gateway.url, "ci", "--file", gauge, "--add",
               "--label", "branch=b", "--retries", "3")
    assert res.returncode == 4, res.stderr
    assert "400" in res.stderr, res.stderr
    assert "inconsistent with existing metrics" in res.stderr, res.stderr
    assert "POST" in res.stderr and f"127.0.0.1:{gateway.port}" in res.stderr, res.stderr
    assert "branch=b" in res.stderr or 'branch="b"' in res.stderr, res.stderr
    assert "retrying" not in res.stderr, "a 4xx must never be retried"
    # What the WpmBenchPushFailing example alert keys on.
    group = gateway.group(job="ci", branch="b")
    assert values(group, "push_failure_time_seconds")[frozenset()] > \
        values(group, "push_time_seconds")[frozenset()]
    assert "ci_conflict" not in group and "ci_first" in group


def test_push_times_out_and_retries_within_the_configured_time(binary, runtime_dir, tmp_path):
    # A listener that never accepts: connects complete in the kernel, no answer ever comes.
    with socket.socket() as blackhole:
        blackhole.bind(("127.0.0.1", 0))
        blackhole.listen(8)
        url = f"http://127.0.0.1:{blackhole.getsockname()[1]}"
        f = write(tmp_path / "m.prom", "# TYPE ci_x gauge\nci_x 1\n")
        res = push(binary, runtime_dir, url, "ci", "--file", f, "--timeout", "1",
                   "--retries", "2", timeout=60)
    assert res.returncode == 4, res.stderr
    assert url in res.stderr and "attempt 3 of 3" in res.stderr, res.stderr
    # 3 attempts of 1 s each plus two short backoffs; never the default 5 s timeout.
    assert 2.5 <= res.elapsed < 10, res.elapsed


def test_push_basic_auth(binary, runtime_dir, tmp_path):
    import bcrypt
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    gw = Gateway(tmp_path, web_config=f"basic_auth_users:\n  wpm: '{hashed}'\n",
                 auth=("wpm", PASSWORD))
    try:
        f = write(tmp_path / "m.prom", "# TYPE ci_auth gauge\nci_auth 3\n")
        creds = {"WPM_PUSH_USERNAME": "wpm", "WPM_PUSH_PASSWORD": PASSWORD}
        res = push(binary, runtime_dir, gw.url, "ci", "--file", f, env=creds)
        assert res.returncode == 0, res.stderr
        assert values(gw.group(job="ci"), "ci_auth") == {frozenset(): 3}

        res = push(binary, runtime_dir, gw.url, "ci", "--file", f, "--label", "k=none")
        assert res.returncode == 4, res.stderr
        assert "401" in res.stderr, res.stderr

        wrong = {"WPM_PUSH_USERNAME": "wpm", "WPM_PUSH_PASSWORD": "guess"}
        res = push(binary, runtime_dir, gw.url, "ci", "--file", f, "--label", "k=wrong", env=wrong)
        assert res.returncode == 4 and "401" in res.stderr, res.stderr
        assert "guess" not in res.stderr

        # Credentials in the URL work too and never appear in messages.
        in_url = gw.url.replace("http://", "http://wpm:guess@")
        res = push(binary, runtime_dir, in_url, "ci", "--file", f, "--label", "k=url")
        assert res.returncode == 4 and "401" in res.stderr, res.stderr
        assert "guess" not in res.stderr, res.stderr
        assert gw.group(job="ci", k="none") is None and gw.group(job="ci", k="wrong") is None
    finally:
        gw.kill()


# ---- wpm bench --push-url / --baseline / --fail-on ---------------------------------------

def test_bench_pushes_its_gauges(binary, runtime_dir, gateway, tmp_path):
    out = tmp_path / "out"
    res = bench(binary, runtime_dir, out, "--push-url", gateway.url,
                "--push-label", "branch=main", "--push-label", "runner=ci 1")
    assert res.returncode == 0, res.stdout + res.stderr
    report = json.loads((out / "report.json").read_text())
    (cls,) = report["classes"]
    group = gateway.group(job="wpm_bench", branch="main", runner="ci 1")
    assert group is not None, gateway.groups()
    sync = frozenset({("worker_class", "sync")})
    assert values(group, "wpm_bench_reconciled") == {sync: 1}
    assert values(group, "wpm_bench_responses")[sync] == cls["summary"]["responses"] > 0
    assert values(group, "wpm_bench_server_requests")[sync] == cls["summary"]["responses"]
    assert group["wpm_bench_latency_seconds"]["type"] == "GAUGE"
    p50 = values(group, "wpm_bench_latency_seconds")[sync | {("percentile", "50")}]
    assert p50 == pytest.approx(cls["latency"]["p50_s"], rel=1e-6)


def test_bench_unreachable_gateway_exits_4_and_keeps_reports(binary, runtime_dir, tmp_path):
    out = tmp_path / "out"
    url = f"http://127.0.0.1:{closed_port()}"
    res = bench(binary, runtime_dir, out, "--push-url", url, "--push-retries", "2",
                "--push-timeout", "1s")
    assert res.returncode == 4, res.stdout + res.stderr
    assert url in res.stderr and "attempt 3 of 3" in res.stderr, res.stderr
    assert res.elapsed < 60, res.elapsed
    for name in ("report.json", "report.prom", "report.html"):
        assert (out / name).stat().st_size > 0, name
    assert json.loads((out / "report.json").read_text())["classes"][0]["reconciliation"]["ok"]


def test_regression_gate_via_cli(binary, runtime_dir, tmp_path):
    first = tmp_path / "first"
    res = bench(binary, runtime_dir, first)
    assert res.returncode == 0, res.stdout + res.stderr
    baseline = first / "report.json"

    # The same scenario again: within any sane noise of the baseline.
    res = bench(binary, runtime_dir, tmp_path / "same", "--baseline", str(baseline),
                "--fail-on", "rps<-99%,errors>+0")
    assert res.returncode == 0, res.stdout + res.stderr

    # A synthetic regression: a baseline 100x faster than anything this run can do.
    fast = json.loads(baseline.read_text())
    fast["classes"][0]["summary"]["achieved_rate"] *= 100
    fast_path = tmp_path / "fast.json"
    fast_path.write_text(json.dumps(fast))
    res = bench(binary, runtime_dir, tmp_path / "slow", "--baseline", str(fast_path),
                "--fail-on", "rps<-50%")
    assert res.returncode == 3, res.stdout + res.stderr
    assert "rps<-50%" in res.stdout and "sync" in res.stdout, res.stdout
    assert (tmp_path / "slow" / "report.json").exists()

    # An absolute threshold no run can meet: '<' fails when the current value is below it.
    res = bench(binary, runtime_dir, tmp_path / "abs", "--fail-on", "p50<1000s")
    assert res.returncode == 3, res.stdout + res.stderr
    assert "p50<1000s" in res.stdout, res.stdout


# ---- examples/ci-bench-push.sh -----------------------------------------------------------

def ci_script(binary, runtime_dir, tmp_path, env, timeout=180):
    full = {k: v for k, v in os.environ.items() if not k.startswith("WPM_PUSH_")}
    full.update(XDG_RUNTIME_DIR=runtime_dir, WPM_BIN=binary, WPM_CLASSES="sync",
                WPM_DURATION="1s", WPM_WARMUP="0s", WPM_CONNECTIONS="4",
                WPM_OUT=str(tmp_path / "out"), WPM_BASELINE=str(tmp_path / "cache" / "report.json"),
                CI_BRANCH="feature/ci", CI_RUNNER="runner 1", **env)
    return subprocess.run(["bash", CI_SCRIPT], capture_output=True, text=True, timeout=timeout,
                          env=full)


def test_ci_script_pushes_then_gates_on_its_previous_run(binary, runtime_dir, gateway, tmp_path):
    res = ci_script(binary, runtime_dir, tmp_path, {"PUSHGATEWAY_URL": gateway.url})
    assert res.returncode == 0, res.stdout + res.stderr
    assert "not gated" in res.stderr
    group = gateway.group(job="wpm_bench", branch="feature/ci", runner="runner 1")
    assert group is not None, gateway.groups()
    assert values(group, "wpm_bench_reconciled") == {frozenset({("worker_class", "sync")}): 1}
    assert (tmp_path / "cache" / "report.json").exists(), "a clean run becomes the baseline"

    # Second run: gated against the first; a regression fails the job with wpm's exit code.
    res = ci_script(binary, runtime_dir, tmp_path,
                    {"PUSHGATEWAY_URL": gateway.url, "WPM_FAIL_ON": "p50<1000s"})
    assert res.returncode == 3, res.stdout + res.stderr
    assert "p50<1000s" in res.stdout
    assert "exited 3" in res.stderr
    assert len(gateway.groups()) == 1, "stable grouping labels: one group, whatever the run"

    res = ci_script(binary, runtime_dir, tmp_path,
                    {"PUSHGATEWAY_URL": gateway.url.replace("http://", "http://u:p@")})
    assert res.returncode == 2 and "WPM_PUSH_USERNAME" in res.stderr, res.stderr
