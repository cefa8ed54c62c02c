"""wpm bench --target against a real nginx: method, headers, body, -n and weighted paths are
what nginx's access log sees, request for request."""
import json
import os
import socket
import subprocess

import pytest

from wpmtest import assert_report_schema, kill_group, wait_until

NGINX = "/usr/sbin/nginx"
LOG_FORMAT = "'$request_method $uri $http_x_one|$http_x_two|$content_length|$http_authorization'"
TLS_LOG_FORMAT = LOG_FORMAT[:-1] + "|$ssl_protocol|$ssl_session_reused'"


def start_nginx(d, port, tls=False):
    """nginx on 127.0.0.1:port answering 200 "OK" to everything, one access-log line per
    request (written unbuffered) to d/access.log; with `tls`, over HTTPS with the certificate
    d/cert.pem (made here by the openssl CLI, self-signed for 127.0.0.1)."""
    assert os.path.exists(NGINX), "nginx is missing: scripts/setup.sh test installs nginx-light"
    listen, log_format, ssl = f"127.0.0.1:{port}", LOG_FORMAT, ""
    if tls:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem"), "-days", "1",
                        "-subj", "/CN=wpm test", "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True, timeout=30)
        listen += " ssl"
        log_format = TLS_LOG_FORMAT
        ssl = f"ssl_certificate {d}/cert.pem; ssl_certificate_key {d}/key.pem; ssl_protocols TLSv1.2 TLSv1.3;"
    conf = d / "nginx.conf"
    conf.write_text(f"""
worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  log_format probe {log_format};
  access_log {d}/access.log probe;
  client_body_temp_path {d}; proxy_temp_path {d}; fastcgi_temp_path {d};
  uwsgi_temp_path {d}; scgi_temp_path {d};
  server {{
    listen {listen};
    {ssl}
    location / {{ default_type text/plain; return 200 "OK\\n"; }}
  }}
}}
""")
    return subprocess.Popen([NGINX, "-c", str(conf), "-p", str(d)], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def nginx_on(tmp_path, port, tls):
    d = tmp_path / "nginx"
    d.mkdir()
    proc = start_nginx(d, port, tls)

    def listening():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            return False

    try:
        wait_until(listening, timeout=10, what="nginx listening")
        yield port, d / "access.log"
    finally:
        kill_group(proc)


@pytest.fixture()
def nginx(tmp_path, free_port):
    yield from nginx_on(tmp_path, free_port, tls=False)


@pytest.fixture()
def nginx_tls(tmp_path, free_port):
    """(port, access log, certificate) of an HTTPS nginx with a self-signed certificate."""
    for port, log in nginx_on(tmp_path, free_port, tls=True):
        yield port, log, tmp_path / "nginx" / "cert.pem"


def bench(binary, runtime_dir, out, *args):
    env = dict(os.environ, XDG_RUNTIME_DIR=runtime_dir)
    return subprocess.run([binary, "bench", "--out", str(out), "--no-progress", "--warmup", "0",
                           *args], capture_output=True, text=True, timeout=120, env=env)


def log_lines(path, expected):
    """nginx writes a request's log line after the response: wait until `expected` are there."""
    wait_until(lambda: path.exists() and len(path.read_text().splitlines()) >= expected,
               timeout=10, what=f"{expected} access-log lines")
    return path.read_text().splitlines()


def test_post_with_body_and_headers_exactly_n(binary, runtime_dir, tmp_path, nginx):
    port, access_log = nginx
    out = tmp_path / "report"
    body = '{"name": "wpm", "n": 1}'
    res = bench(binary, runtime_dir, out, "--target", f"http://127.0.0.1:{port}/api/items",
                "--method", "POST", "-H", "X-One: first value", "--header", "X-Two:second",
                "-H", "Authorization: Bearer s3cret-token", "--body", body, "-n", "500",
                "--connections", "8", "--client-threads", "2")
    assert res.returncode == 0, res.stdout + res.stderr
    lines = log_lines(access_log, 500)
    assert len(lines) == 500
    want = f"POST /api/items first value|second|{len(body)}|Bearer s3cret-token"
    assert all(line == want for line in lines), lines[:3]

    report = json.loads((out / "report.json").read_text())
    (cls,) = report["classes"]
    summary = cls["summary"]
    assert summary["requests_sent"] == 500
    assert summary["responses"] == 500
    # Bytes: every request is the same serialized bytes; rates are per measured second.
    request = (f"POST /api/items HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: wpm-loadgen\r\n"
               "Accept: */*\r\nContent-Type: application/octet-stream\r\nX-One: first value\r\n"
               "X-Two: second\r\nAuthorization: Bearer s3cret-token\r\n"
               f"Content-Length: {len(body)}\r\n\r\n{body}")
    assert summary["bytes_written"] == 500 * len(request)
    assert summary["bytes_read"] > 500 * len("HTTP/1.1 200 OK\r\n\r\nOK\n")
    assert summary["written_bytes_per_s"] == pytest.approx(
        summary["bytes_written"] / summary["duration_s"], rel=1e-3)
    assert summary["read_bytes_per_s"] == pytest.approx(
        summary["bytes_read"] / summary["duration_s"], rel=1e-3)
    prom = (out / "report.prom").read_text()
    assert f'wpm_bench_request_bytes{{worker_class="target"}} {500 * len(request)}' in prom, prom[:2000]
    assert "wpm_bench_request_bytes_per_second{" in prom
    assert "wpm_bench_response_bytes_per_second{" in prom
    assert "/s), " in res.stdout and " written (" in res.stdout
    assert_report_schema(out / "report.json")
    assert report["config"]["load.requests"] == "500"
    assert report["config"]["load.method"] == "POST"
    # The credential never reaches a report; the header's name does.
    headers = report["config"]["load.headers"]
    assert "Authorization: (redacted)" in headers and "X-One: first value" in headers
    for name in ("report.json", "report.prom", "report.html"):
        assert "s3cret" not in (out / name).read_text(), name
    assert "s3cret" not in res.stdout + res.stderr


def test_weighted_paths_and_body_file(binary, runtime_dir, tmp_path, nginx):
    port, access_log = nginx
    body_file = tmp_path / "body.bin"
    body_file.write_bytes(b"x" * 1000)
    res = bench(binary, runtime_dir, tmp_path / "report", "--target", f"http://127.0.0.1:{port}/",
                "--path", "/a:3", "--path", "/b:1", "-X", "PUT", "--body-file", str(body_file),
                "-n", "400", "--connections", "4", "--client-threads", "2")
    assert res.returncode == 0, res.stdout + res.stderr
    lines = log_lines(access_log, 400)
    assert len(lines) == 400
    # Smooth weighted round-robin repeats every 3+1 picks: each thread's 200 are exactly 3:1.
    assert sum(line.startswith("PUT /a -|-|1000|") for line in lines) == 300
    assert sum(line.startswith("PUT /b -|-|1000|") for line in lines) == 100


@pytest.mark.parametrize("args,needle", [
    (["-H", "Bad Name: x"], "--header"),
    (["-H", "NoColon"], "--header"),
    (["-H", "Content-Length: 5"], "--header"),
    (["--method", "GE T"], "--method"),
    (["--path", "/a:b"], "--path"),
    (["--path", "/a:-1"], "--path"),
    (["-n", "-5"], "--requests"),
    (["--body", "x", "--body-file", "/etc/hostname"], "--body"),
    (["--body-file", "/nonexistent/body"], "--body-file"),
])
def test_bad_request_options_exit_2(binary, runtime_dir, tmp_path, args, needle):
    res = bench(binary, runtime_dir, tmp_path / "r", "--target", "http://127.0.0.1:9/", *args)
    assert res.returncode == 2, res.stdout + res.stderr
    errors = [line for line in res.stderr.splitlines() if "[ERROR]" in line]
    assert len(errors) == 1 and needle in errors[0], res.stderr


def test_duration_reached_before_the_request_budget_is_said(binary, runtime_dir, tmp_path, nginx):
    port, _ = nginx
    out = tmp_path / "report"
    res = bench(binary, runtime_dir, out, "--target", f"http://127.0.0.1:{port}/", "-n", "100000000",
                "-d", "0.3s", "--connections", "2", "--client-threads", "1")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "--requests 100000000: the measured phase reached --duration first" in res.stderr
    sent = json.loads((out / "report.json").read_text())["classes"][0]["summary"]["requests_sent"]
    assert 0 < sent < 100000000


def test_https_post_with_body_and_headers_exactly_n(binary, runtime_dir, tmp_path, nginx_tls):
    """The must-show of HTTPS: a self-signed nginx trusted through --ca-file; POST bodies and
    custom headers over TLS; nginx's access log holds exactly the requests wpm counted."""
    port, access_log, cert = nginx_tls
    out = tmp_path / "report"
    body = '{"name": "wpm", "tls": true}'
    res = bench(binary, runtime_dir, out, "--target", f"https://127.0.0.1:{port}/api/items",
                "--ca-file", str(cert), "--method", "POST", "-H", "X-One: first value",
                "-H", "X-Two:second", "--body", body, "-n", "500", "--connections", "8",
                "--client-threads", "2")
    assert res.returncode == 0, res.stdout + res.stderr
    lines = log_lines(access_log, 500)
    assert len(lines) == 500
    # Keep-alive: one handshake per connection, so no request rode a resumed session.
    want = f"POST /api/items first value|second|{len(body)}|-|TLSv1.3|."
    assert all(line == want for line in lines), lines[:3]
    summary = json.loads((out / "report.json").read_text())["classes"][0]["summary"]
    assert summary["requests_sent"] == 500 and summary["responses"] == 500
    assert "TLS: TLSv1.3 " in res.stderr and "8 handshakes (0 resumed), 0 failed" in res.stderr, res.stderr


def test_https_close_mode_resumes_sessions(binary, runtime_dir, tmp_path, nginx_tls):
    port, access_log, cert = nginx_tls
    res = bench(binary, runtime_dir, tmp_path / "report", "--target", f"https://127.0.0.1:{port}/c",
                "--ca-file", str(cert), "--no-keepalive", "-n", "200", "--connections", "2",
                "--client-threads", "1")
    assert res.returncode == 0, res.stdout + res.stderr
    lines = log_lines(access_log, 200)
    assert len(lines) == 200 and all(line.startswith("GET /c -|-|-|-|TLSv1.3|") for line in lines), lines[:3]
    # Each connection's first handshake is full, every later one resumes: nginx says "r".
    assert sum(line.endswith("|r") for line in lines) == 200 - 2, lines[:5]
    assert "200 handshakes (198 resumed), 0 failed" in res.stderr, res.stderr


def test_https_self_signed_without_trust_fails_at_start(binary, runtime_dir, tmp_path, nginx_tls):
    port, access_log, _ = nginx_tls
    res = bench(binary, runtime_dir, tmp_path / "report", "--target", f"https://127.0.0.1:{port}/",
                "-d", "10s")
    assert res.returncode == 1, res.stdout + res.stderr
    errors = [line for line in res.stderr.splitlines() if "[ERROR]" in line]
    assert len(errors) == 1, res.stderr
    assert "TLS verify failed: self-signed certificate" in errors[0], errors[0]
    assert f"https://127.0.0.1:{port}" in errors[0] and "--ca-file" in errors[0] and "--insecure" in errors[0]
    assert not access_log.exists() or access_log.read_text() == ""  # no request was sent


def test_https_insecure_skips_verification(binary, runtime_dir, tmp_path, nginx_tls):
    """--insecure as its TOML key; the report's config section records it."""
    port, access_log, _ = nginx_tls
    config = tmp_path / "bench.toml"
    config.write_text(f'[load]\ntarget = "https://127.0.0.1:{port}/i"\ninsecure = true\n')
    out = tmp_path / "report"
    res = bench(binary, runtime_dir, out, "--config", str(config), "-n", "50", "--connections", "2",
                "--client-threads", "1")
    assert res.returncode == 0, res.stdout + res.stderr
    assert len(log_lines(access_log, 50)) == 50
    assert json.loads((out / "report.json").read_text())["config"]["load.insecure"] == "true"


@pytest.mark.parametrize("target,args,needle", [
    ("http://127.0.0.1:9/", ["--insecure"], "--insecure: only for an https:// --target"),
    ("http://127.0.0.1:9/", ["--ca-file", "/etc/hostname"], "--ca-file"),
    ("https://127.0.0.1:9/", ["--ca-file", "/nonexistent/ca.pem"], "--ca-file"),
    ("https://127.0.0.1:9/", ["--ca-file", "/etc/hostname"], "--ca-file"),
    ("https://127.0.0.1:9/", ["--insecure", "--ca-file", "/etc/ssl/certs/ca-certificates.crt"],
     "--insecure, --ca-file: give one of them"),
])
def test_bad_tls_options_exit_2(binary, runtime_dir, tmp_path, target, args, needle):
    res = bench(binary, runtime_dir, tmp_path / "r", "--target", target, *args)
    assert res.returncode == 2, res.stdout + res.stderr
    errors = [line for line in res.stderr.splitlines() if "[ERROR]" in line]
    assert len(errors) == 1 and needle in errors[0], res.stderr
