"""The floor check of tests/floors.py, run by a real pytest in a subprocess on a small
copy of the layout: a whole-tree run with a folder below its floor fails and names the
folder; targeted runs and deselection are never judged by it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FLOORS_MODULE = Path(__file__).resolve().parents[1] / "floors.py"


@pytest.fixture()
def project(tmp_path):
    tests = tmp_path / "tests"
    (tests / "unit").mkdir(parents=True)
    (tests / "attacks").mkdir()
    (tmp_path / "pytest.ini").write_text("[pytest]\ntestpaths = tests\n")
    for package in (tests, tests / "unit", tests / "attacks"):
        (package / "__init__.py").write_text("")
    shutil.copy(FLOORS_MODULE, tests / "floors.py")
    (tests / "conftest.py").write_text(
        "from tests.floors import pytest_collection_modifyitems, pytest_sessionfinish, pytest_terminal_summary\n")
    (tests / "unit" / "test_a.py").write_text("def test_a1():\n    pass\n\n\ndef test_a2():\n    pass\n")
    (tests / "attacks" / "test_b.py").write_text("def test_b1():\n    pass\n")

    def run(floors: dict, *args: str) -> subprocess.CompletedProcess:
        (tests / "floors.json").write_text(json.dumps(floors))
        env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}  # the check needs no third-party plugin
        return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120, env=env)

    return run


def test_a_whole_tree_run_below_a_floor_fails_naming_the_folder(project):
    for args in (["tests"], []):  # `make test`, and plain pytest through testpaths
        res = project({"unit": 3, "attacks": 1}, *args)
        assert res.returncode == 1, res.stdout
        assert "FLOOR NOT MET: tests/unit collected 2 tests, fewer than its floor of 3" in res.stdout
        assert "tests/attacks" not in res.stdout.split("FLOOR NOT MET", 1)[1]
        assert "3 passed" in res.stdout  # the tests themselves ran and passed


def test_floors_met_pass(project):
    res = project({"unit": 2, "attacks": 1}, "tests")
    assert res.returncode == 0 and "FLOOR NOT MET" not in res.stdout, res.stdout


@pytest.mark.parametrize("args", [["tests/unit/test_a.py"], ["tests/unit"], ["tests/unit/test_a.py::test_a1"]])
def test_targeted_runs_are_not_judged(project, args):
    res = project({"unit": 3, "attacks": 1}, *args)
    assert res.returncode == 0 and "FLOOR NOT MET" not in res.stdout, res.stdout


def test_deselection_does_not_lower_the_counts(project):
    res = project({"unit": 2, "attacks": 1}, "tests", "-k", "test_a1")
    assert res.returncode == 0 and "FLOOR NOT MET" not in res.stdout, res.stdout
    assert "1 passed, 2 deselected" in res.stdout
