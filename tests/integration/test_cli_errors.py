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
