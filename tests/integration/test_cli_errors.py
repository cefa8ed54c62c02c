"""Bad input gets a clear error and the documented exit code."""
import socket
import subprocess


def run(binary, *args, env=None, timeout=30):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=timeout, env=env)


def test_unknown_flag_is_usage_error(binary):
    out = run(binary, "serve", "--no-such-flag")
    assert out.returncode == 2
    assert "--no-such-flag" in out.stderr + out.stdout


def test_bad_toml_names_file_line_col(binary, tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('workers = 2\nbind = "127.0.0.1:0"\nthreads = [oops\n')
    out = run(binary, "serve", "--config", str(cfg))
    assert out.returncode == 2
    assert f"{cfg}:3:" in out.stderr, out.stderr


def test_wrong_type_in_toml_names_position(binary, tmp_path):
    cfg = tmp_path / "typed.toml"
    cfg.write_text('name = "x"\nworkers = "many"\n')
    out = run(binary, "serve", "--config", str(cfg))
    assert out.returncode == 2
    assert f"{cfg}:2:11" in out.stderr and "workers" in out.stderr, out.stderr


def test_unknown_toml_key_is_rejected(binary, tmp_path):
    cfg = tmp_path / "typo.toml"
    cfg.write_text('wrokers = 2\n')
    out = run(binary, "serve", "--config", str(cfg))
    assert out.returncode == 2
    assert "unknown key 'wrokers'" in out.stderr and f"{cfg}:1:" in out.stderr


def test_port_in_use_names_the_address(binary, runtime_dir):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        out = run(binary, "serve", "--name", "busy", "--bind", f"127.0.0.1:{port}",
                  "--metrics-bind", "127.0.0.1:0")
    assert out.returncode == 1
    assert f"127.0.0.1:{port}" in out.stderr and "in use" in out.stderr, out.stderr


def test_signal_without_running_pool(binary, runtime_dir):
    out = run(binary, "signal", "quit", "--name", "nobody")
    assert out.returncode == 1
    assert "no running pool named 'nobody'" in out.stderr


def test_unknown_signal_is_usage_error(binary, runtime_dir):
    out = run(binary, "signal", "bogus", "--name", "nobody")
    assert out.returncode == 2
    assert "unknown signal" in out.stderr


def test_flags_override_toml(pool_factory, tmp_path):
    cfg = tmp_path / "serve.toml"
    cfg.write_text('workers = 3\nworker_class = "sync"\n[metrics]\nprefix = "myapp"\n')
    pool = pool_factory("--config", str(cfg), workers=1)  # --workers 1 on the command line wins
    assert len(pool.live_workers()) == 1
    assert "myapp_worker_requests_total" in pool.metrics_text()


# ---- one validation pass before anything starts ------------------------------------------

import json  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402

import pytest  # noqa: E402

from wpmtest import ROOT  # noqa: E402

# (argv, the flag or key the one-line error must name). Every case is a bare four-class bench
# or a serve that would start a pool: a bad value must stop it before any process starts.
BAD_INPUTS = [
    (["bench", "--workers", "0"], "--workers"),
    (["bench", "--rate", "-5"], "--rate"),
    (["bench", "--duration", "1m30"], "--duration"),
    (["bench", "--fail-on", "p98>1ms"], "unknown metric 'p98'"),
    (["bench", "--path", "sleep/5"], "--path"),
    (["bench", "--baseline", "/nonexistent/report.json"], "--baseline"),
    (["bench", "--worker-class", "sync,bogus"], "--worker-class"),
    (["bench", "--push-timeout", "2h"], "--push-timeout"),
    (["bench", "--push-label", "branch"], "--push-label"),
    (["bench", "--inject", "9s:quit"], "--inject '9s:quit'"),
    (["bench", "--json", "-", "--prom", "-"], "--json"),
    (["bench", "-c", "64"], "--connections"),
    (["serve", "--metrics-prefix", "9bad"], "--metrics-prefix"),
    (["serve", "-b", "[::1"], "--bind"),
    (["serve", "--workers", "0"], "--workers"),
    (["serve", "--max-requests", "-1"], "--max-requests"),
    (["serve", "--timeout", "soon"], "--timeout"),
    (["serve", "-c", "/nonexistent/t5.toml"], "--config"),
    (["push", "--url", "http://127.0.0.1:9", "--job", "j", "--file", "-", "--timeout", "-1"], "--timeout"),
    (["push", "--url", "http://127.0.0.1:9", "--job", "j", "--file", "-", "--timeout", "1e9"], "--timeout"),
    (["signal", "quit", "--wait-timeout", "-1"], "--wait-timeout"),
    (["status", "--config", "x.toml"], "reads no config file"),
]


@pytest.mark.parametrize("argv,names", BAD_INPUTS, ids=[" ".join(a) for a, _ in BAD_INPUTS])
def test_bad_value_fails_before_anything_starts(binary, runtime_dir, tmp_path, argv, names):
    started = time.monotonic()
    out = run(binary, *argv, timeout=20)
    elapsed = time.monotonic() - started
    assert out.returncode == 2, out.stderr
    assert names in out.stderr, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert os.listdir(runtime_dir) == [], "no pool may have started"
    assert not os.path.exists(os.path.join(tmp_path, "wpm-report"))
    assert elapsed < 5, f"took {elapsed:.1f}s: something started before validation"


def test_bad_value_in_toml_names_file_line_col_and_key(binary, runtime_dir, tmp_path):
    cfg = tmp_path / "bench.toml"
    cfg.write_text('[load]\nconnections = 8\nduration = "soon"\n')
    out = run(binary, "bench", "-c", str(cfg))
    assert out.returncode == 2
    assert f"{cfg}:3:12: 'load.duration'" in out.stderr, out.stderr


def test_unknown_command_lists_the_commands(binary):
    out = run(binary, "bogus")
    assert out.returncode == 2
    assert "unknown command 'bogus'" in out.stderr
    for command in ["serve", "bench", "signal", "status", "push"]:
        assert command in out.stderr


@pytest.mark.parametrize("command", ["serve", "bench", "signal", "status", "push"])
def test_help_shows_ranges_without_artefacts(binary, command):
    out = run(binary, command, "--help")
    assert out.returncode == 0
    assert "{false}" not in out.stdout and "{true}" not in out.stdout, out.stdout
    if command in ("serve", "bench"):
        assert "--workers" in out.stdout and "(1..512)" in out.stdout
        assert "-c,--config" in out.stdout


def test_serve_dash_c_is_the_config_file(pool_factory, tmp_path):
    cfg = tmp_path / "t5.toml"
    cfg.write_text('[metrics]\nprefix = "fromfile"\n')
    pool = pool_factory("-c", str(cfg), workers=1)
    assert "fromfile_worker_requests_total" in pool.metrics_text()


def test_json_to_stdout_keeps_stdout_machine_readable(binary, runtime_dir, tmp_path):
    out = run(binary, "bench", "--out", str(tmp_path / "r"), "--no-progress", "-k", "sync",
              "-d", "1s", "--warmup", "0s", "--inject", "none", "--connections", "2",
              "--json", "-", timeout=120)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)  # nothing but the report on stdout
    assert report["config"]["load.connections"] == "2"
    assert "wrote stdout" in out.stderr


def test_ci_script_passes_extra_flags_and_the_last_one_wins(binary, runtime_dir, tmp_path):
    env = dict(os.environ, WPM_BIN=binary, WPM_OUT=str(tmp_path / "out"),
               WPM_BASELINE=str(tmp_path / "none" / "report.json"), WPM_CLASSES="sync",
               WPM_DURATION="1s", WPM_WARMUP="0s", CI_BRANCH="main", CI_RUNNER="r1")
    env.pop("PUSHGATEWAY_URL", None)
    script = os.path.join(ROOT, "examples", "ci-bench-push.sh")
    out = subprocess.run([script, "--connections", "4", "--inject", "none"], capture_output=True,
                         text=True, timeout=180, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    config = json.loads((tmp_path / "out" / "report.json").read_text())["config"]
    assert config["load.connections"] == "4"  # the script gives 8 first; the extra flag wins
    assert config["inject.events"] == ""
