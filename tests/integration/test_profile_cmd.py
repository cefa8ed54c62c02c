"""`wpm profile --from-access-log`: generated access logs with known distributions in, the
recovered profile out (p50/p99 per route, weights, status mix), skipped lines counted exactly."""
import math
import random
import re
import subprocess
import time
import tomllib
import uuid
from statistics import NormalDist

from wpmtest import http_request, kill_group, metric_sum, wait_until

Z99 = NormalDist().inv_cdf(0.99)
START = 1796666147  # 2026-12-07T17:55:47Z
SPAN_S = 600

# method, template, a concrete path for it, weight, p50 s, p99 s, status shares (rest 200)
ROUTES = [
    ("GET", "/api/users/{id}", lambda r: f"/api/users/{r.randrange(1, 10**6)}?full={r.randrange(2)}",
     0.50, 0.005, 0.050, {404: 0.02}),
    ("GET", "/api/orders/{id}", lambda r: f"/api/orders/{uuid.UUID(int=r.getrandbits(128))}",
     0.25, 0.020, 0.120, {500: 0.01}),
    ("POST", "/api/orders", lambda r: "/api/orders", 0.15, 0.040, 0.400, {201: 0.9, 503: 0.005}),
    ("GET", "/health", lambda r: "/health", 0.10, 0.0003, 0.001, {}),
]

GARBAGE = [
    "",  # blank lines are not counted at all
    "garbage",
    '{"level": "info", "msg": "not an access log"}',
    '127.0.0.1 - - [07/Dec/2026:17:55:47 +0000] "GET /x HTTP/1.1" 200 12',  # no request time
    '127.0.0.1 - - [07/Dec/2026:17:55:47 +0000] "GET /x HTTP/1.1" OK 12 "-" "-" 100',
    '127.0.0.1 - - [07/Dec/2026 17:55:47] "GET /x HTTP/1.1" 200 12 "-" "-" 100',
    '127.0.0.1 - - [07/Dec/2026:17:55:47 +0000] "\\x16\\x03\\x01" 400 0 "-" "-" 100',
    "[2026-12-07 17:55:47 +0000] [42] [INFO] Booting worker with pid: 42",
    "\x16\x03\x01\x00\xa5\x01 TLS hello on the HTTP port \u00e9",
]


def stratified_lognormal(n, p50, p99):
    """n values whose empirical distribution is the lognormal's: its quantiles at (i+.5)/n."""
    sigma = math.log(p99 / p50) / Z99
    return [p50 * math.exp(sigma * NormalDist().inv_cdf((i + 0.5) / n)) for i in range(n)]


def generate_log(path, routes, total, garbage, time_field, seed=12):
    """Writes `total` requests over `routes` (weights relative) plus `garbage` lines, some of
    them blank; returns the requests per route and status, and the number of bad lines."""
    rng = random.Random(seed)
    lines, counts = [], {}
    weight_sum = sum(route[3] for route in routes)
    for method, template, concrete, weight, p50, p99, statuses in routes:
        n = round(weight / weight_sum * total)
        codes = [code for code, share in statuses.items() for _ in range(round(share * n))]
        codes += [200] * (n - len(codes))
        rng.shuffle(codes)
        counts[(method, template)] = {code: codes.count(code) for code in set(codes)}
        for seconds, code in zip(stratified_lognormal(n, p50, p99), codes):
            lines.append((method, concrete(rng), code, rng.randrange(100, 5000), seconds))
    rng.shuffle(lines)
    out = []
    for i, (method, target, code, size, seconds) in enumerate(lines):
        t = START + SPAN_S * i // (len(lines) - 1)
        stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(t))
        out.append(f'10.1.2.{i % 250} - - [{stamp}] "{method} {target} HTTP/1.1" {code} {size} '
                   f'"-" "python-requests/2.31" {time_field(seconds)}')
    bad = 0
    for i in range(garbage):
        text = GARBAGE[i % len(GARBAGE)]
        bad += text != ""
        out.insert(rng.randrange(len(out) + 1), text)
    path.write_text("\n".join(out) + "\n")
    return counts, bad


def run_profile(binary, *args, stdin=None):
    return subprocess.run([binary, "profile", *args], capture_output=True, text=True, timeout=120,
                          input=stdin)


def seconds_of(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s)", text)
    assert m, text
    return float(m.group(1)) * {"us": 1e-6, "ms": 1e-3, "s": 1}[m.group(2)]


def histogram_quantile(dist, q):
    """The value where the profile's histogram (uniform inside each bucket) reaches q."""
    assert dist["dist"] == "histogram", dist
    bounds = [seconds_of(b) for b in dist["bounds"]]
    weights = dist["weights"]
    total, below, lo = sum(weights), 0.0, 0.0
    for bound, weight in zip(bounds, weights):
        here = weight / total
        if below + here >= q - 1e-12:
            return lo + (bound - lo) * min(1.0, max(0.0, (q - below) / here))
        below, lo = below + here, bound
    return bounds[-1]


def check_recovered(profile, expected_routes, counts):
    routes = {(r["method"], r["path"]): r for r in profile["route"]}
    assert set(routes) == set(counts), sorted(routes)
    weight_sum = sum(r["weight"] for r in profile["route"])
    expected_sum = sum(route[3] for route in expected_routes)
    for method, template, _, weight, p50, p99, statuses in expected_routes:
        weight /= expected_sum
        route = routes[(method, template)]
        assert abs(route["weight"] / weight_sum - weight) <= 0.01 * weight, (template, route["weight"])
        got50, got99 = histogram_quantile(route["io"], 0.5), histogram_quantile(route["io"], 0.99)
        assert abs(got50 - p50) <= 0.05 * p50, (template, got50, p50)
        assert abs(got99 - p99) <= 0.05 * p99, (template, got99, p99)
        assert route["cpu"] == {"dist": "fixed", "value": "0s"}
        n = sum(counts[(method, template)].values())
        want = {str(code): c / n for code, c in counts[(method, template)].items() if code != 200}
        got = route.get("status", {})
        assert set(got) == set(want), (template, got, want)
        for code, share in want.items():
            assert abs(got[code] - share) < 1e-5, (template, code, got[code], share)
        bounds = [seconds_of(b) for b in route["io"]["bounds"]]
        assert all(a < b for a, b in zip(bounds, bounds[1:])) and bounds[0] > 0
        assert len(route["io"]["weights"]) == len(bounds) and min(route["io"]["weights"]) > 0
        assert sum(got.values()) <= 1
        sizes = route["response_bytes"]
        assert sizes["dist"] == "histogram" and all(isinstance(b, int) for b in sizes["bounds"])
        assert 100 <= sizes["bounds"][0] and sizes["bounds"][-1] < 5000, sizes


def test_gunicorn_log_recovers_distributions_and_counts_skipped(binary, tmp_path):
    log, out = tmp_path / "gunicorn-access.log", tmp_path / "profile.toml"
    total = 20000
    counts, bad = generate_log(log, ROUTES, total, garbage=45, time_field=lambda s: str(max(1, round(s * 1e6))))
    res = run_profile(binary, "--from-access-log", str(log), "--format", "gunicorn", "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert res.stdout == ""
    text = out.read_text()
    assert (out.stat().st_mode & 0o777) == 0o600
    summary = f"lines: {total + bad} read, {total} parsed"
    assert summary in res.stderr and summary in text, res.stderr
    assert f", {bad} skipped" in res.stderr and f"# lines: {total + bad} read" in text
    assert len(re.findall(r"^# +skipped line \d+: column \d+", text, re.M)) == 5, text[:2000]
    assert f"and {bad - 5} more" in text
    assert "routes: 4 (method + template)" in text
    assert f"time span: 2026-12-07T17:55:47Z .. 2026-12-07T18:05:47Z ({SPAN_S} s" in text
    profile = tomllib.loads(text)
    assert profile["profile"]["name"] == "gunicorn-access"
    check_recovered(profile, ROUTES, counts)


def test_combined_with_nginx_seconds_from_stdin_to_stdout(binary, tmp_path):
    log = tmp_path / "nginx.log"
    total = 10000
    # nginx's $request_time has millisecond resolution: the 5 ms route is recovered from
    # values spread over their rounding intervals; the 0.3 ms route cannot be.
    routes = ROUTES[:3]
    counts, bad = generate_log(log, routes, total, garbage=10, time_field=lambda s: f"{s:.3f}")
    res = run_profile(binary, "--from-access-log", "-", "--name", "shop", stdin=log.read_text())
    assert res.returncode == 0, res.stderr
    assert f", {bad} skipped" in res.stderr and "format: combined or common" in res.stderr
    profile = tomllib.loads(res.stdout)
    assert profile["profile"]["name"] == "shop"
    check_recovered(profile, routes, counts)


def test_user_log_format_in_gunicorn_syntax(binary, tmp_path):
    log = tmp_path / "custom.log"
    log.write_text("".join(f'{m} {p} {s} {d}us [07/Dec/2026:17:55:{i % 60:02d} +0000]\n'
                           for i, (m, p, s, d) in enumerate(
                               [("GET", "/a/1", 200, 1000), ("GET", "/a/2", 404, 3000),
                                ("PUT", "/b/ff00aa11", 204, 500)] * 10)))
    res = run_profile(binary, "--from-access-log", str(log),
                      "--log-format", "%(m)s %(U)s %(s)s %(D)sus %(t)s")
    assert res.returncode == 0, res.stderr
    profile = tomllib.loads(res.stdout)
    routes = {(r["method"], r["path"]): r for r in profile["route"]}
    assert set(routes) == {("GET", "/a/{id}"), ("PUT", "/b/{id}")}
    assert routes[("GET", "/a/{id}")]["status"] == {"404": 0.5}
    assert routes[("PUT", "/b/{id}")]["io"] == {"dist": "fixed", "value": "500us"}


def test_garbage_only_fails_with_the_count(binary, tmp_path):
    log = tmp_path / "junk.log"
    log.write_text("\n".join(["not a log line"] * 17 + [""] * 3) + "\n")
    res = run_profile(binary, "--from-access-log", str(log), "-o", str(tmp_path / "p.toml"))
    assert res.returncode == 1, res.stderr
    assert "lines: 17 read, 0 parsed" in res.stderr and "17 skipped" in res.stderr
    assert "no request understood in 17 non-empty lines" in res.stderr
    assert not (tmp_path / "p.toml").exists()


def test_bad_input_is_a_usage_error(binary, tmp_path):
    missing = run_profile(binary, "--from-access-log", str(tmp_path / "nope.log"))
    assert missing.returncode == 2 and "nope.log" in missing.stderr, missing.stderr
    fmt = run_profile(binary, "--from-access-log", "-", "--format", "apache", stdin="")
    assert fmt.returncode == 2 and "--format" in fmt.stderr, fmt.stderr
    atom = run_profile(binary, "--from-access-log", "-", "--log-format", "%(r)s %(s)s", stdin="")
    assert atom.returncode == 2 and "--log-format" in atom.stderr and "no request time" in atom.stderr
    none = run_profile(binary)
    assert none.returncode == 2 and "--from-access-log" in none.stderr


GUNICORN_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'
WSGI_APP = """
import time

def app(environ, start_response):
    path = environ["PATH_INFO"]
    status, body = "200 OK", b"i" * 50
    if path.startswith("/users/"):
        time.sleep(0.02)
        body = b"u" * 300
    elif not path.startswith("/items/"):
        status, body = "404 Not Found", b"no"
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
"""


def test_real_gunicorn_access_log(binary, tmp_path):
    """Debian's Gunicorn with its default access_log_format plus %(D)s, as the README says."""
    (tmp_path / "app.py").write_text(WSGI_APP)
    access, errors = tmp_path / "access.log", tmp_path / "error.log"
    proc = subprocess.Popen(
        ["/usr/bin/gunicorn", "--chdir", str(tmp_path), "--bind", "127.0.0.1:0", "--workers", "1",
         "--access-logfile", str(access), "--access-logformat", GUNICORN_FORMAT,
         "--error-logfile", str(errors), "app:app"],
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def listening_port():
            m = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)",
                          errors.read_text() if errors.exists() else "")
            booted = m and "Booting worker" in errors.read_text()
            return int(m.group(1)) if booted else None
        port = wait_until(listening_port, 30, what="gunicorn listening")
        paths = ([f"/users/{i * 7919}" for i in range(30)] +
                 [f"/items/{uuid.uuid4()}?fields=all" for _ in range(15)] + ["/nope"] * 5)
        for path in paths:
            status, _ = http_request(port, path)[:2]
            assert status == (404 if path == "/nope" else 200)
        wait_until(lambda: access.exists() and access.read_text().count("\n") == len(paths), 10,
                   what="every request in the access log")
    finally:
        kill_group(proc)
    res = run_profile(binary, "--from-access-log", str(access), "--format", "gunicorn")
    assert res.returncode == 0, res.stderr
    assert "lines: 50 read, 50 parsed (100.00 %), 0 skipped" in res.stderr, res.stderr
    assert "routes: 3 (method + template)" in res.stderr
    routes = {r["path"]: r for r in tomllib.loads(res.stdout)["route"]}
    assert set(routes) == {"/users/{id}", "/items/{id}", "/nope"}
    assert [routes[p]["weight"] for p in ("/users/{id}", "/items/{id}", "/nope")] == [60, 30, 10]
    users = routes["/users/{id}"]
    assert 0.02 <= histogram_or_fixed_quantile(users["io"], 0.5) < 0.5, users["io"]
    assert users["response_bytes"] == {"dist": "fixed", "value": 300}
    assert routes["/nope"]["status"] == {"404": 1}
    assert "status" not in routes["/items/{id}"]


def histogram_or_fixed_quantile(dist, q):
    return seconds_of(dist["value"]) if dist["dist"] == "fixed" else histogram_quantile(dist, q)


def test_man_page_and_completions_list_the_profile_flags(binary):
    man = subprocess.run([binary, "help-man"], capture_output=True, text=True, timeout=30).stdout
    bash = subprocess.run([binary, "help-completion", "bash"], capture_output=True, text=True,
                          timeout=30).stdout
    assert "wpm profile [OPTIONS]" in man
    for flag in ("--from-access-log", "--output", "--format", "--log-format", "--name", "--max-routes"):
        assert flag.replace("-", "\\-") in man, flag
        assert flag in bash, flag


def test_a_written_profile_is_served_as_it_was_fitted(binary, tmp_path, pool_factory):
    """`wpm profile` → `wpm serve --profile`: the reader takes the writer's TOML, and the pool
    answers the fitted routes (templates filled in) with the fitted methods."""
    log, out = tmp_path / "access.log", tmp_path / "profile.toml"
    generate_log(log, ROUTES, 2000, garbage=0, time_field=lambda s: str(max(1, round(s * 1e6))))
    res = run_profile(binary, "--from-access-log", str(log), "--format", "gunicorn", "-o", str(out))
    assert res.returncode == 0, res.stderr
    pool = pool_factory("--profile", str(out), workers=1)
    status = {path: pool.get(path, timeout=10)[0] for path in ("/api/users/42", "/health")}
    assert status["/api/users/42"] in (200, 404) and status["/health"] == 200, status
    assert pool.get("/not/in/the/log", timeout=10)[0] == 404
    m = pool.metrics()
    assert metric_sum(m, "gunicorn_worker_route_requests_total", endpoint="/api/users/{id}") == 1
    assert metric_sum(m, "gunicorn_worker_route_requests_total", endpoint="/health") == 1
