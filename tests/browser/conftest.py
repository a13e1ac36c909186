"""Browser tests: the whole local system (`scripts/run_local.py`: moto server, demo
data, Chalice's local server) on free ports, driven by Playwright in Debian's
Chromium. Never a downloaded browser: `/usr/bin/chromium` comes from apt (the
Makefile installs it)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
# Without the networking flags Chromium calls home, and this machine's closed network refuses it.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def local_system(tmp_path_factory):
    """`make run` on its own ports and state file; stopped (all children) after the module."""
    tmp = tmp_path_factory.mktemp("local-system")
    state, log = tmp / "local.json", tmp / "run_local.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAUREL_", "AWS_", "POWERTOOLS_"))}
    env.update(LAUREL_LOCAL_AWS_PORT=str(_free_port()), LAUREL_LOCAL_APP_PORT=str(_free_port()),
               LAUREL_LOCAL_STATE=str(state))
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "run_local.py")], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not state.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the local system did not start:\n" + log.read_text()[-4000:])
            time.sleep(0.3)
        info = json.loads(state.read_text())
        yield info
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # run_local stops moto and the API server itself
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


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


def api(info: dict, method: str, path: str, payload: dict | None = None) -> dict:
    """The issuer API of the local system, with the demo issuer's key."""
    request = urllib.request.Request(
        info["api_url"] + path, method=method, data=json.dumps(payload).encode() if payload is not None else None,
        headers={"Authorization": f"Bearer {info['api_key']}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 - loopback
        return json.load(resp)


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
