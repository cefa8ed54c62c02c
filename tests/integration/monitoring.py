"""The monitoring side of wpm's end-to-end tests: Debian's prometheus-pushgateway and prometheus
servers on loopback, each in its own process group, stopped by PID even when a test fails."""
import base64
import json
import os
import re
import shutil
import socket
import subprocess
import urllib.error
import urllib.parse
import urllib.request

from wpmtest import ROOT, kill_group, wait_until

EXAMPLES = os.path.join(ROOT, "examples")


def free_loopback_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gateway:
    """prometheus-pushgateway on 127.0.0.1:0 (the port is read from its log), no persistence,
    in its own process group, killed by PID."""

    def __init__(self, tmp_path, web_config=None, auth=None):
        self.auth = auth
        self.log_path = tmp_path / f"pushgateway-{id(self)}.log"
        argv = ["prometheus-pushgateway", "--web.listen-address=127.0.0.1:0",
                "--persistence.file=", "--log.level=info"]
        if web_config:
            config = tmp_path / f"web-{id(self)}.yml"
            config.write_text(web_config)
            argv.append(f"--web.config.file={config}")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        try:
            self.port = wait_until(self._listening, 15, what="pushgateway 'Listening on'")
            self.url = f"http://127.0.0.1:{self.port}"
            wait_until(self._ready, 15, what="pushgateway /-/ready")
        except BaseException:
            self.kill()
            raise

    def _output(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def _listening(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"pushgateway exited:\n{self._output()}")
        m = re.search(r'msg="Listening on" address=127\.0\.0\.1:(\d+)', self._output())
        return int(m.group(1)) if m else None

    def _get(self, path):
        req = urllib.request.Request(self.url + path)
        if self.auth:
            token = base64.b64encode(f"{self.auth[0]}:{self.auth[1]}".encode()).decode()
            req.add_header("Authorization", "Basic " + token)
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read()

    def _ready(self):
        try:
            return self._get("/-/ready")[0] == 200
        except (urllib.error.URLError, ConnectionError):
            return False

    def groups(self):
        return json.loads(self._get("/api/v1/metrics")[1])["data"]

    def group(self, **labels):
        """The group whose grouping key is exactly `labels`, or None."""
        for g in self.groups():
            if g["labels"] == labels:
                return g
        return None

    def kill(self):
        kill_group(self.proc)
        self.log.close()


class Prometheus:
    """prometheus on a loopback port, in its own process group, stopped by PID. `config` is the
    prometheus.yml as a dict; examples/alerts.yml is copied beside it for rule_files."""

    def __init__(self, tmp_path, config):
        self.dir = tmp_path
        # YAML is a superset of JSON: the generated config needs no YAML library.
        (tmp_path / "prometheus.yml").write_text(json.dumps(config, indent=1))
        shutil.copy(os.path.join(EXAMPLES, "alerts.yml"), tmp_path / "alerts.yml")
        self.port = free_loopback_port()
        self.log_path = tmp_path / "prometheus.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            ["prometheus", f"--config.file={tmp_path / 'prometheus.yml'}",
             f"--web.listen-address=127.0.0.1:{self.port}",
             f"--storage.tsdb.path={tmp_path / 'data'}", "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp_path)

    def wait_ready(self, timeout=30):
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"prometheus exited {self.proc.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=2) as r:
                    return r.status == 200
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                return False
        wait_until(ready, timeout, interval=0.1, what="prometheus /-/ready")

    def api(self, path, **params):
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}?" + urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return json.load(r)
        except urllib.error.HTTPError as e:  # 400 bad_data / 422 execution: the body says why
            return json.load(e)

    def query(self, expr):
        body = self.api("query", query=expr)
        assert body["status"] == "success", f"{expr}: {body}"
        return body["data"]["result"]

    def label_values(self, label, match):
        """What Grafana's label_values(match, label) lists."""
        body = self.api(f"label/{label}/values", **{"match[]": match})
        assert body["status"] == "success", f"label_values({match}, {label}): {body}"
        return body["data"]

    def output(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def kill(self):
        kill_group(self.proc)
        self.log.close()


def dashboard():
    with open(os.path.join(EXAMPLES, "grafana-dashboard.json")) as f:
        return json.load(f)


def dashboard_panels(dash):
    for panel in dash["panels"]:
        yield panel
        yield from panel.get("panels", [])  # collapsed rows carry their panels


# Grafana's template variables as a test sets them: every value, a short rate window.
DASHBOARD_VARIABLES = {"$job": "wpm", "$instance": ".*", "$bench_job": "wpm_bench",
                       "$branch": ".*", "$worker_class": ".*", "$__rate_interval": "1m"}


def substitute(expr, variables=DASHBOARD_VARIABLES):
    # Longest names first: $job must not eat the start of another variable's name.
    for k in sorted(variables, key=len, reverse=True):
        expr = expr.replace(k, variables[k])
    assert "$" not in expr, expr
    return expr
