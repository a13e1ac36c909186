"""The whole local system (`scripts/run_local.py`: moto server, demo data, Chalice's
local server, the scheduler and the queue workers) on free ports, as a pytest fixture.
Shared by the browser tests and the browser-free tests of `make run`
(tests/integration/test_local_system.py): import `local_system` into a test module
or conftest to use it."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def local_system(tmp_path_factory):
    """`make run` on its own ports and state file; stopped (all children) after the module.
    Yields what `make run` writes to its state file (`.laurel-local.json`), plus `log`:
    the path of the runner's output, and `state`: the state file's path."""
    tmp = tmp_path_factory.mktemp("local-system")
    state, log = tmp / "local.json", tmp / "run_local.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAUREL_", "AWS_", "POWERTOOLS_"))}
    env.update(LAUREL_LOCAL_AWS_PORT=str(free_port()), LAUREL_LOCAL_APP_PORT=str(free_port()),
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
        yield {**info, "log": str(log), "state": str(state)}
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # run_local stops moto and the API server itself
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def api(info: dict, method: str, path: str, payload: dict | None = None) -> dict:
    """The issuer API of the local system, with the demo issuer's key."""
    request = urllib.request.Request(
        info["api_url"] + path, method=method, data=json.dumps(payload).encode() if payload is not None else None,
        headers={"Authorization": f"Bearer {info['api_key']}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 - loopback
        return json.load(resp)


def open_mail(context, base: str, to: str, subject: str):
    """A new page of `context` showing the newest mail to `to` whose subject contains
    `subject`, from the local outbox. It goes to the mail's address rather than clicking
    its link, so the page is the mail once this returns: reading the body right after a
    click raced the navigation under load and read the outbox's list instead (CI)."""
    outbox = context.new_page()
    outbox.goto(f"{base}/_local/outbox")
    link = outbox.get_by_role("row").filter(has_text=to).filter(has_text=subject).first \
        .get_by_role("link", name=re.compile(re.escape(subject)))
    outbox.goto(base + link.get_attribute("href"))
    return outbox


_OUTBOX_ROW = re.compile(r'<tr>\s*<td>([^<]*)</td>\s*<td><a href="/_local/outbox/([^"]+)">')


def sent_mail(info: dict, to: str) -> list[str]:
    """The HTML of every mail to `to`, newest first, read from the local outbox as a
    developer would (the page and each mail's own page)."""
    def get(path: str) -> str:
        with urllib.request.urlopen(info["api_url"] + path, timeout=30) as resp:  # noqa: S310 - loopback
            return resp.read().decode()

    ids = [message_id for address, message_id in _OUTBOX_ROW.findall(get("/_local/outbox")) if to in address]
    return [get(f"/_local/outbox/{message_id}") for message_id in ids]
