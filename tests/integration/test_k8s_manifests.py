"""examples/k8s validates offline against the Kubernetes API schemas (tests/k8s/validate.mjs,
kubernetes-models, installed by `scripts/setup.sh test`), a deliberately broken manifest fails
that validation, and the manifests say what the README promises (explicit 0.0.0.0 binds, scrape
annotations on the metrics port, an Indexed Job whose index is the segment, a shared start).
The commands themselves run locally in test_k8s_commands.py."""
import copy
import glob
import os
import subprocess

import yaml  # python3-yaml

from wpmtest import ROOT

K8S = os.path.join(ROOT, "examples", "k8s")
VALIDATOR = os.path.join(ROOT, "tests", "k8s", "validate.mjs")
MANIFESTS = sorted(glob.glob(os.path.join(K8S, "*.yaml")))


def validate(*paths):
    assert os.path.isdir(os.path.join(ROOT, "tests", "k8s", "node_modules", "kubernetes-models")), \
        "tests/k8s is not installed: run scripts/setup.sh test (npm ci there)"
    return subprocess.run(["node", VALIDATOR, *paths], capture_output=True, text=True, timeout=60)


def documents():
    out = {}
    for path in MANIFESTS:
        with open(path) as f:
            for doc in yaml.safe_load_all(f):
                if doc:
                    out[(doc["kind"], doc["metadata"]["name"])] = doc
    return out


def container(doc):
    (c,) = doc["spec"]["template"]["spec"]["containers"]
    return c


def env_of(c):
    return {e["name"]: e for e in c.get("env", [])}


def test_every_manifest_validates_against_the_api_schemas():
    assert {os.path.basename(p) for p in MANIFESTS} >= {"pool.yaml", "run.yaml", "generators.yaml", "merge.yaml"}
    res = validate(*MANIFESTS)
    assert res.returncode == 0, res.stdout + res.stderr
    valid = [line for line in res.stdout.splitlines() if line.endswith(": valid")]
    assert len(valid) == len(documents()) == 6, res.stdout


def broken_variants():
    job = documents()[("Job", "wpm-generators")]

    def wrong_type(d):
        d["spec"]["completions"] = "four"

    def misspelt_field(d):
        d["spec"]["completionMod"] = d["spec"].pop("completionMode")

    def container_without_name(d):
        del d["spec"]["template"]["spec"]["containers"][0]["name"]

    def wrong_scalar(d):
        d["spec"]["template"]["spec"]["restartPolicy"] = 7

    def unknown_kind(d):
        d["kind"] = "Jobb"

    for change, expect in ((wrong_type, "completions"), (misspelt_field, "completionMod"),
                           (container_without_name, "name"), (wrong_scalar, "restartPolicy"),
                           (unknown_kind, "Jobb")):
        d = copy.deepcopy(job)
        change(d)
        yield change.__name__, d, expect


def test_broken_manifests_fail_validation(tmp_path):
    # One validator run over every variant (each beside a valid document), for speed.
    good = documents()[("Service", "wpm-pool")]
    variants = list(broken_variants())
    paths = []
    for name, doc, _ in variants:
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump_all([good, doc]))
        paths.append(str(path))
    res = validate(*paths)
    assert res.returncode == 1, res.stdout + res.stderr
    errors = res.stderr.splitlines()
    for (name, _, expect), path in zip(variants, paths):
        assert f"{path}#1: Service/wpm-pool: valid" in res.stdout, name  # the other one passes
        mine = [e for e in errors if e.startswith(f"{path}#2:")]
        assert len(mine) == 1 and expect in mine[0], (name, res.stderr)


def test_the_pool_listens_on_the_pod_address_and_is_scraped_on_its_metrics_port():
    docs = documents()
    deploy, svc = docs[("Deployment", "wpm-pool")], docs[("Service", "wpm-pool")]
    c = container(deploy)
    assert c["args"][0] == "serve"
    assert "--bind=0.0.0.0:8000" in c["args"] and "--metrics-bind=0.0.0.0:9095" in c["args"]
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports == {"http": 8000, "metrics": 9095}
    notes = deploy["spec"]["template"]["metadata"]["annotations"]
    assert notes["prometheus.io/scrape"] == "true" and notes["prometheus.io/port"] == "9095"
    assert c["readinessProbe"]["httpGet"]["port"] == "http"
    pod_labels = deploy["spec"]["template"]["metadata"]["labels"]
    assert deploy["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert svc["spec"]["selector"].items() <= pod_labels.items()
    assert {p["targetPort"] for p in svc["spec"]["ports"]} == {"http", "metrics"}


def test_the_generators_are_an_indexed_job_whose_index_is_the_segment():
    docs = documents()
    job = docs[("Job", "wpm-generators")]
    spec, c = job["spec"], container(job)
    env = env_of(c)
    assert spec["completionMode"] == "Indexed"
    assert spec["completions"] == spec["parallelism"] == int(env["GENERATORS"]["value"])
    assert env["JOB_COMPLETION_INDEX"]["valueFrom"]["fieldRef"]["fieldPath"] == \
        "metadata.annotations['batch.kubernetes.io/job-completion-index']"
    args = c["args"]
    assert args[0] == "bench"
    assert "--segment=$(JOB_COMPLETION_INDEX)/$(GENERATORS)" in args
    assert "--start-at=$(START_AT)" in args
    # One START_AT for all: from the ConfigMap, never computed per pod.
    assert env["START_AT"]["valueFrom"]["configMapKeyRef"] == {"name": "wpm-run", "key": "START_AT"}
    config = docs[("ConfigMap", "wpm-run")]["data"]
    for name, e in env.items():
        ref = e.get("valueFrom", {}).get("configMapKeyRef")
        if ref:
            assert ref["name"] == "wpm-run" and ref["key"] in config, name
    # Reports land on the shared volume, one file per index.
    mount = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}["reports"]
    assert env["REPORTS"]["value"] == mount
    assert "--json=$(REPORTS)/gen-$(JOB_COMPLETION_INDEX).json" in args
    merge = container(docs[("Job", "wpm-merge")])
    assert {m["name"]: m["mountPath"] for m in merge["volumeMounts"]}["reports"] == mount
    assert '"$REPORTS"/gen-*.json' in merge["args"][0]
    claims = {v["persistentVolumeClaim"]["claimName"]
              for d in (job, docs[("Job", "wpm-merge")])
              for v in d["spec"]["template"]["spec"]["volumes"]}
    assert claims == {"wpm-reports"} and ("PersistentVolumeClaim", "wpm-reports") in docs


def test_every_pod_runs_as_a_non_root_user():
    for (kind, name), doc in documents().items():
        if kind not in ("Deployment", "Job"):
            continue
        pod = doc["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] != 0, name
        assert container(doc)["securityContext"]["allowPrivilegeEscalation"] is False, name
    with open(os.path.join(K8S, "Containerfile")) as f:
        lines = [line.split() for line in f if line.strip() and not line.startswith("#")]
    assert [w[1] for w in lines if w[0] == "FROM"][1].endswith("debian:12-slim")
    assert [w[1] for w in lines if w[0] == "USER"] == ["10001:10001"]


def test_the_runtime_image_gets_the_packages_of_the_linked_libraries(binary):
    script = os.path.join(K8S, "runtime-packages.sh")
    worker = os.path.join(os.path.dirname(binary), "wpm-worker")
    res = subprocess.run(["sh", script, binary, worker], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    packages = res.stdout.split()
    assert packages == sorted(set(packages))
    assert {"libc6", "libstdc++6", "libboost-context1.74.0", "libssl3"} <= set(packages), packages
    assert not [p for p in packages if p.endswith("-dev")], packages
    for p in packages:  # each a real, installed Debian package
        q = subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True)
        assert q.stdout == "install ok installed", p
    bad = subprocess.run(["sh", script, "/nonexistent"], capture_output=True, text=True)
    assert bad.returncode == 2 and "/nonexistent" in bad.stderr
