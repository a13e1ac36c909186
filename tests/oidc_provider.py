"""A local OpenID Provider for the single sign-on tests: tests/oidc/provider.mjs (Node's
`oidc-provider`, pinned in package.json, installed by `make install`) on a free loopback
port, and a way through its sign-in page without a browser.

    with oidc_provider(clients=[client("laurel", "secret", redirect)], domain="acme.example") as op:
        op.issuer                                   # http://127.0.0.1:<port>
        authorize(url, "ada@acme.example")          # the redirect back to the client, with code and state
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client(client_id: str, secret: str, *redirect_uris: str) -> dict:
    return {"client_id": client_id, "client_secret": secret, "redirect_uris": list(redirect_uris)}


@dataclass
class Provider:
    issuer: str
    port: int
    process: subprocess.Popen


@contextmanager
def oidc_provider(clients: list[dict], domain: str = "example.test", **options):
    """The provider on a free loopback port until the block ends. `options`:
    `idTokenClaims` (email and name in the ID token too), `clientAuthMethods`."""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "oidc-provider").exists():
        pytest.fail("the local OpenID provider needs node and `npm ci` (make install runs it)")
    port = free_port()
    config = {"port": port, "clients": clients, "domain": domain, **options}
    process = subprocess.Popen([node, str(SCRIPT), json.dumps(config)], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        seen = []
        for line in process.stdout:  # ends when the process does
            seen.append(line)
            if line.startswith("ready "):
                break
        else:
            pytest.fail("the local OpenID provider did not start:\n" + "".join(seen))
        yield Provider(issuer=line.split()[1], port=port, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        process.stdout.close()


class _Stop(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # every redirect is looked at, none followed blindly
        return None


def authorize(url: str, login: str, *, back_to: str, cancel: bool = False, steps: int = 10) -> str:
    """Go through the provider from the authorization URL as a person would: its sign-in
    page (entering `login`, or cancelling), until it redirects to `back_to`; that URL
    (never requested here: the caller hands it to the client under test)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), _Stop)
    method, data = "GET", None
    for _ in range(steps):
        assert url.startswith("http://127.0.0.1:"), f"the flow left the loopback provider: {url}"
        request = urllib.request.Request(url, data=data, method=method)
        try:
            with opener.open(request, timeout=10) as response:  # noqa: S310 - loopback only (asserted)
                status, location, body = response.status, None, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, location, body = exc.code, exc.headers.get("Location"), exc.read().decode()
        if status in (301, 302, 303, 307, 308):
            url, method, data = urllib.parse.urljoin(url, location), "GET", None
            if url.startswith(back_to):
                return url
            continue
        assert status == 200, (status, body[:2000])
        uid = urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1]
        if cancel:
            url = urllib.parse.urljoin(url, f"/interaction/{uid}/abort")
            continue
        url = urllib.parse.urljoin(url, f"/interaction/{uid}/login")
        method, data = "POST", urllib.parse.urlencode({"login": login}).encode()
    raise AssertionError(f"no redirect to {back_to} after {steps} steps")
