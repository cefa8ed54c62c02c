"""The commands of examples/k8s, run locally: the pool Deployment's `wpm serve` argv (its
0.0.0.0 binds replaced by loopback port 0), the generator Job's `wpm bench` argv for indexes 0
and 1 of 2 (Kubernetes' $(VAR) expansion done here from the Job's env, the cluster's values
replaced: target, start instant, duration, reports directory, Pushgateway), then the merge Job's
shell command. Everything else (flags, segment, report paths, push job and labels) is the
manifests' own, so a flag the manifests misspell or a path the merge misses fails here."""
import datetime
import glob
import json
import os
import re
import subprocess

import pytest
import yaml  # python3-yaml

from wpmtest import ROOT, kill_group, metric_sum

K8S = os.path.join(ROOT, "examples", "k8s")
GENERATORS = 2


def manifest(name, kind, file):
    with open(os.path.join(K8S, file)) as f:
        for doc in yaml.safe_load_all(f):
            if doc and doc["kind"] == kind and doc["metadata"]["name"] == name:
                return doc
    raise AssertionError(f"{file} has no {kind}/{name}")


def container(doc):
    (c,) = doc["spec"]["template"]["spec"]["containers"]
    return c


def expand(text, env):
    """Kubernetes' $(VAR) expansion of command and args; every reference must resolve."""
    out = re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: env.get(m.group(1), m.group(0)), text)
    assert "$(" not in out, f"unresolved reference in {text!r}"
    return out


@pytest.fixture()
def k8s_pool(pool_factory):
    """The Deployment's `wpm serve` on loopback port 0 (Pool supplies --name and the binds)."""
    args = container(manifest("wpm-pool", "Deployment", "pool.yaml"))["args"]
    assert args[0] == "serve"
    replaced = {"--bind=0.0.0.0:8000", "--metrics-bind=0.0.0.0:9095", "--name=pool"}
    assert replaced <= set(args), args
    kept = [a for a in args[1:] if a not in replaced]
    workers = int(next(a for a in kept if a.startswith("--workers=")).split("=")[1])
    return pool_factory(*kept, workers=workers)


def generator_env(job, index, overrides):
    """The container's env as the pod would see it: literal values, the index from the
    annotation, the ConfigMap's keys; the cluster-specific ones overridden."""
    env = {}
    for e in container(job)["env"]:
        if "value" in e:
            env[e["name"]] = e["value"]
        elif e["name"] == "JOB_COMPLETION_INDEX":
            env[e["name"]] = str(index)
        else:
            ref = e["valueFrom"]["configMapKeyRef"]
            assert ref["key"] in overrides, f"ConfigMap key {ref['key']} has no local value"
    env.update(overrides)
    return env


def test_the_manifests_commands_run_and_merge_locally(binary, runtime_dir, tmp_path, k8s_pool,
                                                      gateway):
    job = manifest("wpm-generators", "Job", "generators.yaml")
    reports = tmp_path / "reports"
    reports.mkdir()
    start_at = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=6))
    overrides = {"GENERATORS": str(GENERATORS), "REPORTS": str(reports),
                 "START_AT": start_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "DURATION": "1s",
                 "TARGET": f"http://127.0.0.1:{k8s_pool.port}/", "PUSH_URL": gateway.url}
    base = {k: v for k, v in os.environ.items() if not k.startswith("WPM_PUSH_")}
    base["XDG_RUNTIME_DIR"] = runtime_dir
    before = metric_sum(k8s_pool.metrics(), "gunicorn_worker_requests_total")

    procs = []
    try:
        for i in range(GENERATORS):
            env = generator_env(job, i, overrides)
            argv = [binary] + [expand(a, env) for a in container(job)["args"]]  # ENTRYPOINT wpm
            log = open(tmp_path / f"gen-{i}.log", "wb")
            procs.append((subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                           env=dict(base, **env), start_new_session=True), log))
        for i, (p, _) in enumerate(procs):
            assert p.wait(90) == 0, (tmp_path / f"gen-{i}.log").read_text()
    finally:
        for p, log in procs:
            kill_group(p)
            log.close()

    gens = [json.loads((reports / f"gen-{i}.json").read_text()) for i in range(GENERATORS)]
    for i, g in enumerate(gens):
        assert g["execution"]["segment_index"] == i and g["execution"]["segment_count"] == GENERATORS
        assert abs(g["classes"][0]["start_offset_s"]) < 0.05, g["classes"][0]["start_offset_s"]
        live = gateway.group(job="wpm_bench_generators", generator=str(i), instance=f"seg-{i}")
        assert live is not None, f"no live push from generator {i}"
        pushed = live["wpm_bench_live_requests"]["metrics"][0]["value"]
        assert float(pushed) == g["classes"][0]["summary"]["responses"]

    merge = container(manifest("wpm-merge", "Job", "merge.yaml"))
    menv = {e["name"]: e.get("value") for e in merge["env"]}
    menv.update(REPORTS=str(reports), PUSH_URL=gateway.url)
    menv["PATH"] = os.path.dirname(binary) + os.pathsep + os.environ["PATH"]  # `wpm` on PATH
    res = subprocess.run(merge["command"] + merge["args"], capture_output=True, text=True,
                         timeout=120, env=dict(base, **menv))
    assert res.returncode == 0, res.stdout + res.stderr
    assert sorted(glob.glob(str(reports / "merged" / "*"))) == \
        sorted(str(reports / "merged" / f) for f in ("report.html", "report.json", "report.prom"))

    merged = json.loads((reports / "merged" / "report.json").read_text())["classes"][0]
    responses = sum(g["classes"][0]["summary"]["responses"] for g in gens)
    assert merged["summary"]["responses"] == responses > 0
    # The pool served every measured response, and the generators' warm-ups besides.
    served = metric_sum(k8s_pool.metrics(), "gunicorn_worker_requests_total") - before
    assert served >= responses, (served, responses)
    assert gateway.group(job="wpm_bench") is not None, "the merged result was not pushed"
