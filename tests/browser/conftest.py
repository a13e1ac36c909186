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


AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # package.json pins it; `make install` installs it
# "WCAG 2.1 AA" (issue 14): axe-core's rules tagged for levels A and AA of WCAG 2.0 and 2.1.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Playwright's evaluate runs through the DevTools protocol, which the page's CSP does not
# govern: axe runs on the very page the test sees (no `bypass_csp` context), while the
# page's own scripts stay under its CSP and the tests still see what it refuses.
_AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      targets: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
}"""


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: `make install` installs the node packages (npm ci)")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text())
    return page.evaluate(_AXE_RUN, AXE_TAGS)


def axe(page) -> None:
    """Assert axe-core finds no WCAG 2.1 AA violation on the page, saying which and where."""
    violations = axe_violations(page)
    assert violations == [], f"axe-core on {page.url}:\n" + "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']} at {', '.join(v['targets'])}" for v in violations)


def watch(page, base: str, assets: str, seen: dict) -> None:
    """Collect requests to other origins and CSP complaints: a page must make neither."""
    page.on("request", lambda r: None if r.url.startswith((base, assets, "data:")) else seen["foreign"].append(r.url))
    page.on("console", lambda m: seen["console"].append(m.text) if m.type in ("error", "warning") else None)
