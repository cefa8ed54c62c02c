"""scripts/setup.sh and the Makefile's front door: `make build` / `make run` install only the
build dependencies, `make test` / `make bench` the test and benchmark tools too, and a second
setup on a machine that has everything installs nothing."""
import os
import subprocess

import pytest

from wpmtest import ROOT

SETUP = os.path.join(ROOT, "scripts", "setup.sh")
# What only tests and benchmarks use: none may be pulled in by `make build`.
TEST_TOOLS = {"prometheus", "prometheus-pushgateway", "chromium", "nginx-light", "wrk", "gunicorn",
              "clang", "libgtest-dev", "libgmock-dev", "libbenchmark-dev", "python3-pytest"}
# What compiling wpm needs (the find_package / pkg-config / #include dependencies).
BUILD_NEEDS = {"build-essential", "cmake", "pkg-config", "libcli11-dev", "libtomlplusplus-dev",
               "libcpp-httplib-dev", "nlohmann-json3-dev", "libboost-context-dev",
               "libboost-filesystem-dev", "libssl-dev"}


def setup(*args):
    return subprocess.run(["bash", SETUP, *args], capture_output=True, text=True, timeout=120)


def listed(name):
    res = setup("--list", name)
    assert res.returncode == 0, res.stderr
    packages = res.stdout.split()
    assert len(packages) == len(set(packages)), f"{name} lists a package twice"
    return set(packages)


def test_build_set_is_the_compiler_and_libraries_only():
    build, test = listed("build"), listed("test")
    assert BUILD_NEEDS <= build, BUILD_NEEDS - build
    assert not build & TEST_TOOLS, build & TEST_TOOLS
    assert build < test and TEST_TOOLS <= test, TEST_TOOLS - test
    assert listed("build") == build, "the list is stable"


def test_bad_arguments_exit_2():
    for args in (["bogus"], ["build", "test"], ["--list", "nothing"]):
        res = setup(*args)
        assert res.returncode == 2, args
        assert "setup.sh" in res.stderr and res.stderr.count("\n") == 1, res.stderr


def make_commands(target):
    res = subprocess.run(["make", "-n", "-C", ROOT, target], capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 0, res.stderr
    return res.stdout


@pytest.mark.parametrize("target,needs", [("build", "build"), ("run", "build"),
                                          ("test", "test"), ("bench", "test"),
                                          ("build-asan", "test")])
def test_make_targets_install_what_they_need(target, needs):
    commands = make_commands(target)
    assert f"scripts/setup.sh {needs}\n" in commands, commands
    if needs == "build":
        assert "scripts/setup.sh test" not in commands, commands
        assert "-DWPM_BUILD_TESTS=OFF" in commands, "GoogleTest is not a build dependency"


def installed(package):
    res = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True,
                         text=True, timeout=30)
    return res.stdout == "install ok installed"


def test_every_listed_package_exists_and_a_second_setup_does_nothing():
    # `make test` ran `setup.sh test` on this machine: each name is a real, installed Debian
    # package (a typo would not be), so setup has nothing left to do and says nothing.
    missing = sorted(p for p in listed("test") if not installed(p))
    assert not missing, f"not installed: {missing}"
    for name in ("build", "test"):
        res = setup(name)
        assert res.returncode == 0 and res.stderr == "", res.stderr
