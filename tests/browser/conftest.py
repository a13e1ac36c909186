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


# Accessibility checks every page must pass (no axe-core here: no npm packages in this
# project; these are the rules the pages have broken before).
A11Y_PROBLEMS = """() => {
  const problems = [];
  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    if (!(el.labels && el.labels.length) && !el.getAttribute('aria-label')) problems.push('unlabelled ' + el.outerHTML);
  }
  for (const img of document.querySelectorAll('img')) if (!img.hasAttribute('alt')) problems.push('no alt ' + img.src);
  for (const b of document.querySelectorAll('button, a')) if (!b.textContent.trim() && !b.getAttribute('aria-label')) problems.push('no name ' + b.outerHTML);
  if (!document.documentElement.lang) problems.push('no lang');
  if (!document.title || document.title.includes('<')) problems.push('bad title ' + document.title);
  return problems;
}"""


def watch(page, base: str, assets: str, seen: dict) -> None:
    """Collect requests to other origins and CSP complaints: a page must make neither."""
    page.on("request", lambda r: None if r.url.startswith((base, assets, "data:")) else seen["foreign"].append(r.url))
    page.on("console", lambda m: seen["console"].append(m.text) if m.type in ("error", "warning") else None)
