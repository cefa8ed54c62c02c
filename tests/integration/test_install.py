"""`make install` puts the binary, a man page and bash + zsh completions generated from the flag
model into PREFIX; the man page renders and the completions offer every flag --help lists."""
import os
import re
import subprocess

from wpmtest import ROOT


def help_flags(binary, command):
    out = subprocess.run([binary, command, "--help"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0
    # The flag column of CLI11's help: "  -w,--workers N=2   ..." or "  --poisson   ...".
    flags = set(re.findall(r"^\s+(?:-\w,)?(--[a-z][a-z-]*)", out.stdout, re.M)) - {"--help"}
    assert flags, out.stdout
    return flags


def test_make_install_into_a_prefix(binary, tmp_path):
    prefix = tmp_path / "prefix"
    out = subprocess.run(["make", "-C", ROOT, "install", f"PREFIX={prefix}", f"INSTALL_BIN={binary}"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert os.access(prefix / "bin" / "wpm", os.X_OK)
    assert os.access(prefix / "bin" / "wpm-worker", os.X_OK)  # what the master execs
    page = prefix / "share" / "man" / "man1" / "wpm.1"
    assert oct(page.stat().st_mode & 0o777) == "0o644"
    man = subprocess.run(["man", "-P", "cat", "-l", str(page)], capture_output=True, text=True,
                         timeout=60, env=dict(os.environ, MANWIDTH="100"))
    assert man.returncode == 0, man.stderr
    assert "wpm bench [OPTIONS]" in man.stdout and "EXIT STATUS" in man.stdout
    assert "warning" not in man.stderr.lower(), man.stderr

    bash = (prefix / "share" / "bash-completion" / "completions" / "wpm").read_text()
    zsh = (prefix / "share" / "zsh" / "site-functions" / "_wpm").read_text()
    assert subprocess.run(["bash", "-n", "-c", bash]).returncode == 0
    for command in ["bench", "serve", "push", "signal", "status"]:
        for flag in help_flags(binary, command):
            assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", bash), (command, flag)
            assert re.search(rf"'\*?{re.escape(flag)}\[", zsh), (command, flag)
            assert flag.replace("-", "\\-") in page.read_text(), (command, flag)
