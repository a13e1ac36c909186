"""The suite may not shrink unnoticed: each test folder must collect at least the
number of tests that `tests/floors.json` names for it.

A deleted file, a module that stops being collected, or a parametrize list gone empty
would otherwise leave `make test` green with less being tested. The check applies
only when the session collected the whole tests tree (`pytest tests`, as `make test`
runs it, or plain `pytest` with `testpaths = tests`); a run of one file or folder is
never judged by it. Counts are taken before `-k`/`-m` deselection.

When tests are added on purpose, raise the folder's floor in the same change;
when some are removed on purpose (dead code), lower it and say why.

The hooks are imported into tests/conftest.py (hooks in a plugin module next to a
non-root conftest are not picked up otherwise).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
FLOORS = TESTS / "floors.json"
_BREACHES = pytest.StashKey[list]()


def _whole_tree(config: pytest.Config) -> bool:
    here = config.invocation_params.dir
    paths = {(here / arg.split("::", 1)[0]).resolve() for arg in config.args}
    return paths == {TESTS}


def breaches(counts: Counter, floors: dict[str, int]) -> list[str]:
    """One line per folder that collected fewer tests than its floor."""
    return [f"tests/{folder} collected {counts.get(folder, 0)} tests, fewer than its floor of {floor} "
            f"({FLOORS.relative_to(TESTS.parent)})"
            for folder, floor in sorted(floors.items()) if counts.get(folder, 0) < floor]


@pytest.hookimpl(tryfirst=True)  # before -k/-m deselect anything
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list) -> None:
    if not FLOORS.exists() or not _whole_tree(config):
        return
    counts = Counter(folder for folder in map(_folder, items) if folder)
    config.stash[_BREACHES] = breaches(counts, json.loads(FLOORS.read_text()))


def _folder(item) -> str | None:
    """The test folder (`unit`, `integration`, ...) an item was collected from."""
    try:
        parts = Path(item.path).resolve().relative_to(TESTS).parts
    except ValueError:
        return None
    return parts[0] if len(parts) > 1 else None


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if session.config.stash.get(_BREACHES, None) and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    for line in config.stash.get(_BREACHES, None) or []:
        terminalreporter.write_line(f"FLOOR NOT MET: {line}", red=True, bold=True)
