"""Execution segments end to end: one `wpm serve` pool, four `wpm bench --segment i/4`
generators started at different moments but aligned by --start-at, then `wpm report merge`.
The merged counts equal the pool's requests_total delta, the generators' recorded start offsets
agree within 5 ms, one generator with the same total load agrees, and mismatched reports are
refused."""
import datetime
import json
import os
import subprocess
import time

import pytest

from wpmtest import assert_report_schema, kill_group, metric_sum, parse_metrics

REQUESTS = 2000
CONNECTIONS = 8


def requests_total(pool):
    return metric_sum(parse_metrics(pool.metrics_text()), "gunicorn_worker_requests_total")


def rfc3339(unix_s):
    t = datetime.datetime.fromtimestamp(unix_s, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def bench_args(binary, pool, out, *extra, warmup="0s"):
    """Without a warm-up the pool counts exactly the measured requests (a warm-up's would be
    in its requests_total delta too)."""
    return [binary, "bench", "--target", f"http://127.0.0.1:{pool.port}/", "-n", str(REQUESTS),
            "--connections", str(CONNECTIONS), "--client-threads", "1", "--warmup", warmup,
            "--no-progress", "--out", str(out), *extra]


def run_generators(commands, stagger_s):
    """Starts each command `stagger_s` after the previous one, each in its own process group;
    waits for all; kills whatever is left on the way out."""
    procs = []
    try:
        for cmd in commands:
            procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                          start_new_session=True, text=True))
            time.sleep(stagger_s)  # deliberately different start moments, not synchronisation
        outputs = [p.communicate(timeout=120)[0] for p in procs]
        return [(p.returncode, out) for p, out in zip(procs, outputs)]
    finally:
        for p in procs:
            kill_group(p)


def load(path):
    with open(path) as f:
        return json.load(f)


@pytest.fixture()
def thread_pool(pool_factory):
    return pool_factory("--worker-class", "thread")


def test_four_segments_merge_exactly_and_start_together(binary, thread_pool, tmp_path):
    pool = thread_pool
    before = requests_total(pool)
    start_at = rfc3339(time.time() + 5)
    outs = [tmp_path / f"g{i}" for i in range(4)]
    commands = [bench_args(binary, pool, outs[i], "--segment", f"{i}/4", "--start-at", start_at)
                for i in range(4)]
    for code, output in run_generators(commands, stagger_s=0.4):
        assert code == 0, output
    after = requests_total(pool)

    reports = [load(o / "report.json") for o in outs]
    offsets = [r["classes"][0]["start_offset_s"] for r in reports]
    assert max(offsets) - min(offsets) < 0.005, offsets
    assert all(0 <= o < 0.05 for o in offsets), offsets
    assert [r["execution"]["segment"] for r in reports] == ["0/4", "1/4", "2/4", "3/4"]
    assert [r["classes"][0]["summary"]["connections"] for r in reports] == [2, 2, 2, 2]
    assert sum(r["classes"][0]["summary"]["requests_sent"] for r in reports) == REQUESTS

    merged_dir = tmp_path / "merged"
    merge = subprocess.run([binary, "report", "merge", *[str(o / "report.json") for o in outs],
                            "-o", str(merged_dir)], capture_output=True, text=True, timeout=60)
    assert merge.returncode == 0, merge.stdout + merge.stderr
    merged = load(merged_dir / "report.json")
    assert_report_schema(merged_dir / "report.json")
    for name in ("report.prom", "report.html"):
        assert (merged_dir / name).stat().st_size > 0
    c = merged["classes"][0]
    # Every request the four generators sent was answered and counted by the pool, once.
    assert c["summary"]["responses"] == REQUESTS
    assert after - before == REQUESTS
    assert c["summary"]["connections"] == CONNECTIONS
    assert c["histograms"]["latency"]["count"] == REQUESTS
    assert sum(p["completed"] for p in c["timeline"]) == REQUESTS
    assert sorted(merged["execution"]["merged_from"]) == sorted(str(o / "report.json") for o in outs)
    # The timeline is on wall time: it starts at the earliest generator's measured start.
    starts = [r["classes"][0]["measured_start_unix_s"] for r in reports]
    assert c["measured_start_unix_s"] == pytest.approx(min(starts), abs=1e-6)
    assert c["timeline"][0]["unix_s"] == pytest.approx(min(starts), abs=1e-6)

    # One generator with the same total load: the same count, also exactly the pool's delta.
    single_out = tmp_path / "single"
    before = requests_total(pool)
    single = subprocess.run(bench_args(binary, pool, single_out, "--start-at", "+2s"),
                            capture_output=True, text=True, timeout=120)
    assert single.returncode == 0, single.stdout + single.stderr
    one = load(single_out / "report.json")["classes"][0]
    assert one["summary"]["responses"] == REQUESTS == requests_total(pool) - before
    assert one["summary"]["connections"] == CONNECTIONS
    assert 0 <= one["start_offset_s"] < 0.05

    # With a warm-up, it lasts until the instant: the warm connections are not left idle to
    # the pool's keep-alive timeout (2 s), so no measured request fails on a closed one.
    warm_out = tmp_path / "warm"
    warm = subprocess.run(bench_args(binary, pool, warm_out, "--start-at", "+3s", warmup="200ms"),
                          capture_output=True, text=True, timeout=120)
    assert warm.returncode == 0, warm.stdout + warm.stderr
    w = load(warm_out / "report.json")["classes"][0]
    assert w["summary"]["responses"] == REQUESTS
    assert w["errors"] == {"connect": 0, "write": 0, "read": 0, "reset": 0, "timeout": 0,
                           "parse": 0, "status": {}}, w["errors"]
    assert 0 <= w["start_offset_s"] < 0.05, w["start_offset_s"]

    # Mismatched reports are refused with the reason, exit 2.
    def refused(paths, words):
        r = subprocess.run([binary, "report", "merge", *map(str, paths), "-o", str(tmp_path / "x")],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 2, r.stdout + r.stderr
        assert words in r.stderr, r.stderr

    refused([outs[0] / "report.json", single_out / "report.json"], "segment counts differ")
    refused([outs[0] / "report.json", outs[0] / "report.json"], "given twice")
    other = load(outs[1] / "report.json")
    other["config"]["load.connections"] = "16"
    (tmp_path / "other.json").write_text(json.dumps(other))
    refused([outs[0] / "report.json", tmp_path / "other.json"], "load.connections")
    other = load(outs[1] / "report.json")
    other["schema_version"] = 2
    (tmp_path / "old.json").write_text(json.dumps(other))
    refused([outs[0] / "report.json", tmp_path / "old.json"], "schema version")


@pytest.mark.parametrize("args, words", [
    (["--segment", "4/4"], "--segment"),
    (["--segment", "3/4", "--connections", "3"], "leave this one none"),
    (["--segment", "1/4", "-n", "1"], "leaves this one none"),
    (["--segment", "0/2", "--inject-from", "2"], "--inject-from"),
    (["--start-at", "2020-01-01T00:00:00Z"], "passed"),
    (["--start-at", "+1s", "--warmup", "2s"], "too soon for --warmup"),
    (["--start-at", "yesterday"], "RFC 3339"),
])
def test_bad_distribution_options_are_usage_errors(binary, tmp_path, free_port, args, words):
    r = subprocess.run([binary, "bench", "--target", f"http://127.0.0.1:{free_port}/",
                        "--out", str(tmp_path / "r"), "--no-progress", *args],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stdout + r.stderr
    assert words in r.stderr, r.stderr
    assert not os.path.exists(tmp_path / "r"), "validated before any work started"
