"""Helpers for wpm's end-to-end tests: a supervised pool, HTTP clients and metric parsing."""
import http.client
import json
import os
import signal as signals
import socket
import subprocess
import time
import uuid

from prometheus_client.parser import text_string_to_metric_families

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def wpm_bin():
    return os.environ.get("WPM_BIN", os.path.join(ROOT, "build", "asan", "wpm"))


def wait_until(predicate, timeout=20.0, interval=0.02, what="condition"):
    """Polls `predicate` until it returns a truthy value; fails loudly on timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


class Pool:
    """A `wpm serve` master in its own process group, on free loopback ports."""

    def __init__(self, binary, runtime_dir, args, workers=2, name=None, env=None):
        self.binary = binary
        self.runtime_dir = runtime_dir
        self.name = name or "t" + uuid.uuid4().hex[:8]
        self.workers = workers
        self.log_path = os.path.join(runtime_dir, self.name + ".log")
        cmd = [binary, "serve", "--name", self.name, "--bind", "127.0.0.1:0",
               "--metrics-bind", "127.0.0.1:0", "--workers", str(workers)] + args
        self.log = open(self.log_path, "wb")
        full_env = dict(os.environ, XDG_RUNTIME_DIR=runtime_dir, **(env or {}))
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True, env=full_env)

    # ---- state -----------------------------------------------------------------------
    def state(self):
        path = os.path.join(self.runtime_dir, "wpm", self.name, "state.json")
        try:
            with open(path) as f:
                return json.load(f)
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def live_workers(self, state=None):
        state = state or self.state() or {"workers": []}
        return [w for w in state["workers"] if w["state"] != "exited"]

    def wait_ready(self, count=None, timeout=30):
        count = self.workers if count is None else count

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"master exited with {self.proc.returncode}:\n{self.output()}")
            s = self.state()
            if not s:
                return None
            live = self.live_workers(s)
            return s if len(live) == count and all(w["state"] == "running" for w in live) else None

        s = wait_until(ready, timeout, what=f"{count} running workers")
        self.port = int(s["bind"].rsplit(":", 1)[1])
        self.metrics_port = int(s["metrics_bind"].rsplit(":", 1)[1])
        return s

    def output(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    # ---- control ---------------------------------------------------------------------
    def wpm(self, *args, timeout=60):
        env = dict(os.environ, XDG_RUNTIME_DIR=self.runtime_dir)
        return subprocess.run([self.binary, *args], capture_output=True, text=True,
                              timeout=timeout, env=env)

    def signal(self, sig, *args, timeout=60):
        return self.wpm("signal", sig, "--name", self.name, *args, timeout=timeout)

    def stop(self, sig=signals.SIGTERM, timeout=40):
        self.proc.send_signal(sig)
        return self.proc.wait(timeout)

    def kill(self):
        kill_group(self.proc)
        self.log.close()

    # ---- HTTP ------------------------------------------------------------------------
    def get(self, path, timeout=30, **kw):
        return http_request(self.port, path, timeout=timeout, **kw)

    def metrics_text(self):
        status, _, body = http_request(self.metrics_port, "/metrics")
        assert status == 200, body
        return body.decode()

    def metrics(self):
        return parse_metrics(self.metrics_text())


def assert_report_schema(report_path):
    """report.json validates against docs/bench-report.schema.json."""
    import jsonschema  # python3-jsonschema, installed by scripts/setup.sh test
    with open(os.path.join(ROOT, "docs", "bench-report.schema.json")) as f:
        schema = json.load(f)
    with open(report_path) as f:
        jsonschema.validate(json.load(f), schema)


def kill_group(proc):
    """Teardown of a process started with start_new_session=True: SIGKILL to its whole
    process group, by the group id, whatever state it is in; then reap it."""
    try:
        os.killpg(proc.pid, signals.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        pass


def http_request(port, path, method="GET", body=None, headers=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def raw_request(port, data, timeout=10):
    """Sends raw bytes, returns everything the server sends back until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def parse_metrics(text):
    """{(sample_name, frozenset(labels)): value} from the text exposition."""
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return samples


def metric_sum(samples, name, **match):
    total = 0.0
    for (sample_name, labels), value in samples.items():
        if sample_name != name:
            continue
        d = dict(labels)
        if all(d.get(k) == v for k, v in match.items()):
            total += value
    return total


def series_count(samples):
    return len(samples)
