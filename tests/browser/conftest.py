"""Browser tests: the whole local system (`scripts/run_local.py`: moto server, demo
data, Chalice's local server; fixture in tests/local_system.py) on free ports, driven by Playwright in Debian's
Chromium. Never a downloaded browser: `/usr/bin/chromium` comes from apt (the
Makefile installs it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.local_system import api, local_system  # noqa: F401 - fixtures and helpers of the local system

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
# Without the networking flags Chromium calls home, and this machine's closed network refuses it.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make install` installs Debian's chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
