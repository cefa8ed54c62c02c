"""The folder DAG check (scripts/check_layering.sh) that `make test` runs: the real tree
passes, and every kind of violation is caught in a planted tree."""
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_layering.sh"


def run(root):
    return subprocess.run(["bash", str(SCRIPT), str(root)], capture_output=True, text=True)


def plant(tmp_path, files):
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_the_real_tree_keeps_the_dag():
    result = run(ROOT)
    assert result.returncode == 0, result.stderr
    assert "layering: ok" in result.stdout


CLEAN = {
    "core/a.h": '#include "core/b.h"\n',
    "workers/w.cc": '#include "workers/w.h"\n#include "core/a.h"\n',
    "bench/b.cc": '#include "supervisor/control.h"\n#include "loadgen/engine.h"\n',
    "cli/c.cc": '#include <CLI/CLI.hpp>\n#include "bench/b.h"\n',
    "loadgen/CMakeLists.txt": "target_link_libraries(wpm_loadgen PUBLIC wpm_core)\n",
}


def test_a_clean_planted_tree_passes(tmp_path):
    assert run(plant(tmp_path, CLEAN)).returncode == 0


@pytest.mark.parametrize("rel,text,needle", [
    ("core/x.cc", '#include "workers/app.h"\n', 'includes "workers/app.h"'),
    ("workers/x.cc", '#include "supervisor/pool.h"\n', 'includes "supervisor/pool.h"'),
    ("bench/x.cc", '#include "supervisor/pool.h"\n', 'includes "supervisor/pool.h"'),
    ("bench/y.cc", '#include "cli/config.h"\n', 'includes "cli/config.h"'),
    ("reports/x.cc", "#include <CLI/CLI.hpp>\n", "CLI11 and toml++ belong in cli/ only"),
    ("supervisor/x.cc", "#include <toml++/toml.h>\n", "CLI11 and toml++ belong in cli/ only"),
    ("loadgen/CMakeLists.txt",
     "target_link_libraries(wpm_loadgen\n  PUBLIC wpm_core\n  PRIVATE wpm_reports)\n",
     "links wpm_reports"),
])
def test_each_violation_is_named(tmp_path, rel, text, needle):
    files = dict(CLEAN)
    files[rel] = text
    result = run(plant(tmp_path, files))
    assert result.returncode == 1
    assert needle in result.stderr
