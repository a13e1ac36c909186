"""`make run` as a newcomer gets it, without a browser: the real local system
(scripts/run_local.py: moto server, Chalice's local HTTP server, the scheduler and the
queue workers) on free ports, driven over HTTP. What the Chalice test client cannot
show lives here: answers the real HTTP server must be able to send, and work that
only happens when something consumes the queues."""

from __future__ import annotations

import http.client
import json
import re
import time
from urllib.parse import urlencode, urlsplit

from tests.local_system import local_system  # noqa: F401 - the fixture

DEMO_EARNER = "ada.lovelace@example.com"


class Visitor:
    """A browser without a browser: keeps Laurel's cookies, never follows redirects."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields: dict | None = None) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if fields is not None:
            body = urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            res = conn.getresponse()
            text = res.read().decode("utf-8", "replace")
            for name, value in res.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
            return res.status, {k.lower(): v for k, v in res.getheaders()}, text
        finally:
            conn.close()


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html[:2000]
    return match.group(1)


def _newest_signin_link(info: dict, to: str) -> str:
    """The path of the newest sign-in link mailed to `to` (moto server keeps SES's mail)."""
    conn = http.client.HTTPConnection(urlsplit(info["aws_endpoint"]).hostname, urlsplit(info["aws_endpoint"]).port,
                                      timeout=30)
    conn.request("GET", "/moto-api/data.json")
    messages = json.loads(conn.getresponse().read())["ses"]["Message"]
    conn.close()
    for m in reversed(messages):
        if to in m["destinations"]["ToAddresses"]:
            found = re.search(r'href="https?://[^/"]+(/signin/[a-z2-7]+\?token=[a-z2-7]+)"', m["body"])
            if found:
                return found.group(1)
    raise AssertionError(f"no sign-in mail to {to}")


def test_a_non_ascii_next_gets_an_answer_with_a_percent_encoded_location(local_system):  # noqa: F811
    """Issue 12, item 5: `/signin?next=/%E3%80%82evil.example` used to end in a dropped
    connection (raw Unicode in `Location` cannot be sent by the HTTP server)."""
    visitor = Visitor(local_system["api_url"])
    status, _, page = visitor.request("GET", "/signin?next=/%E3%80%82evil.example")
    assert status == 200, page[:500]
    status, _, page = visitor.request("POST", "/signin", {"email": DEMO_EARNER, "csrf": _csrf(page),
                                                         "next": "/\u3002evil.example"})
    assert status == 200, page[:500]
    link = _newest_signin_link(local_system, DEMO_EARNER)
    status, _, page = visitor.request("GET", link)
    assert status == 200, page[:500]
    token = link.split("token=")[1]
    status, headers, _ = visitor.request("POST", link.split("?")[0], {"token": token, "csrf": _csrf(page)})
    assert (status, headers["location"]) == (303, "/%E3%80%82evil.example")
    # signed in now: the same link answers with the redirect at once
    status, headers, _ = visitor.request("GET", "/signin?next=/%E3%80%82evil.example")
    assert (status, headers["location"]) == (303, "/%E3%80%82evil.example")
