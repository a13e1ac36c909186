"""`make run` as a newcomer gets it, without a browser: the real local system
(scripts/run_local.py: moto server, Chalice's local HTTP server, the scheduler and the
queue workers) on free ports, driven over HTTP. What the Chalice test client cannot
show lives here: answers the real HTTP server must be able to send, and work that
only happens when something consumes the queues."""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode, urlsplit

import pytest

from chalicelib.domain.webhooks import SIGNATURE_HEADER, verify
from tests.local_system import ROOT, api, local_system, sent_mail  # noqa: F401 - the fixture

DEMO_EARNER = "ada.lovelace@example.com"


class Visitor:
    """A browser without a browser: keeps Laurel's cookies, never follows redirects."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields: dict | None = None,
                files: dict[str, tuple[str, bytes, str]] | None = None) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body: str | bytes | None = None
        if files is not None:  # a form with a file, as a browser sends it
            boundary = "laurel-test-boundary"
            parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                     for k, v in (fields or {}).items()]
            parts += [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{name}"\r\n'
                      f"Content-Type: {kind}\r\n\r\n".encode() + data + b"\r\n"
                      for k, (name, data, kind) in files.items()]
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif fields is not None:
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
    """The path of the newest sign-in link mailed to `to` (from the local outbox)."""
    for html in sent_mail(info, to):
        found = re.search(r'href="https?://[^/"]+(/signin/[a-z2-7]+\?token=[a-z2-7]+)"', html)
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


# ------------------------------------------------------------------ the queues are consumed

DEADLINE = 180  # seconds: generous, for a loaded machine; the test waits for an outcome, it times nothing


def _until(what: str, probe, deadline: float = DEADLINE):
    """Poll `probe()` until it returns something truthy; fail with what was last seen."""
    end, seen = time.monotonic() + deadline, None
    while time.monotonic() < end:
        seen = probe()
        if seen and seen[0]:
            return seen[1]
        time.sleep(0.5)
    pytest.fail(f"{what}: still {seen[1] if seen else None!r} after {deadline} s")


@pytest.fixture()
def receiver():
    """A webhook receiver on a free loopback port: keeps what it is sent."""
    got: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            got.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "raw": raw})
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", got
    server.shutdown()
    server.server_close()


def test_a_bulk_job_submitted_under_make_run_finishes(local_system):  # noqa: F811
    """Issue 12, item 8: the local system consumes the bulk queue as Lambda would."""
    info = local_system
    csv = "email,first_name,last_name,template_id\n" + "".join(
        f"bulk{i}@example.com,Bulk,Learner{i},{info['template_id']}\n" for i in range(3))
    request = urllib.request.Request(f"{info['api_url']}/bulk-jobs?suppress_email=true", data=csv.encode(),
                                     method="POST", headers={"Authorization": f"Bearer {info['api_key']}",
                                                             "Content-Type": "text/csv"})
    with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 - loopback
        job = json.load(resp)
    assert job["state"] == "queued" and job["total"] == 3

    def state():
        now = api(info, "GET", f"/bulk-jobs/{job['id']}")
        return now["state"] in ("completed", "failed"), now

    done = _until("the bulk job", state)
    assert (done["state"], done["issued"], done["errors"]) == ("completed", 3, [])
    issued = api(info, "GET", "/credentials?limit=100")["items"]
    assert {c["recipient"]["email"] for c in issued} >= {f"bulk{i}@example.com" for i in range(3)}


def test_webhook_deliveries_reach_a_receiver_under_make_run(local_system, receiver):  # noqa: F811
    info, (url, got) = local_system, receiver
    endpoint = api(info, "POST", "/webhooks/endpoints", {"url": url, "event_types": ["credential.created"]})
    credential = api(info, "POST", "/credentials", {"template_id": info["template_id"], "email": "hooked@example.com",
                                                    "first_name": "Hoo", "last_name": "Ked", "suppress_email": True})

    def delivered():
        mine = [g for g in got if json.loads(g["raw"])["data"]["id"] == credential["id"]]
        return bool(mine), mine or [g["headers"] for g in got]

    deliveries = _until("the credential.created delivery", delivered)
    first = deliveries[0]
    assert json.loads(first["raw"])["type"] == "credential.created"
    assert verify([endpoint["secret"].encode()], first["headers"][SIGNATURE_HEADER.lower()], first["raw"],
                  int(time.time()))
    listed = api(info, "GET", f"/webhooks/endpoints/{endpoint['id']}/deliveries")["items"]
    assert [d["status"] for d in listed] == ["delivered"]


def _newest_console_link(info: dict, to: str) -> str:
    """The path of the newest console sign-in link to `to`, from the local outbox page
    a newcomer opens (newest mail first)."""
    with urllib.request.urlopen(info["outbox_url"], timeout=30) as resp:  # noqa: S310 - loopback
        outbox = resp.read().decode()
    assert to in outbox, outbox[-2000:]
    links = re.findall(r'href="https?://[^/"]+(/console/signin/[a-z2-7]{32}\?token=[a-z2-7]+)"', outbox)
    assert links, outbox[-3000:]
    return links[0]


def test_a_newcomer_runs_a_program_from_the_console_under_make_run(local_system):  # noqa: F811
    """Issue 14, "Done when": sign in as the printed demo admin through the local
    outbox, issue in bulk from the console (preview, confirm, the progress reaching
    100 % because the local system's worker consumes the queue), find a credential
    and revoke it: no API key, no curl."""
    info, visitor = local_system, Visitor(local_system["api_url"])
    status, _, page = visitor.request("GET", "/console/signin")
    assert status == 200, page[:500]
    status, _, page = visitor.request("POST", "/console/signin", {"email": info["console_admin"], "csrf": _csrf(page)})
    assert status == 200, page[:500]
    link = _newest_console_link(info, info["console_admin"])
    status, _, page = visitor.request("GET", link)
    assert status == 200, page[:500]
    status, headers, _ = visitor.request("POST", link.split("?")[0], {"token": link.split("token=")[1],
                                                                       "csrf": _csrf(page)})
    assert (status, headers["location"]) == (303, "/console")

    status, _, page = visitor.request("GET", "/console/bulk")
    assert status == 200, page[:500]
    rows = "".join(f"console{i}@example.com,Con,Sole{i},{info['template_id']}\n" for i in range(5))
    status, headers, page = visitor.request(
        "POST", "/console/bulk", {"csrf": _csrf(page), "suppress_email": "yes"},
        files={"file": ("people.csv", f"email,first_name,last_name,template_id\n{rows}".encode(), "text/csv")})
    assert status == 303, page[:2000]
    job_url = headers["location"]
    status, _, page = visitor.request("GET", job_url)
    assert "Nothing has been issued yet." in page and "Issue 5 credentials" in page
    status, _, _ = visitor.request("POST", f"{job_url}/confirm", {"csrf": _csrf(page)})
    assert status == 303

    def progress():
        _, _, fragment = visitor.request("GET", f"{job_url}?fragment=progress")
        return 'value="100.0"' in fragment, fragment

    _until("the console's bulk progress", progress)
    status, _, page = visitor.request("GET", "/console/credentials?q=console3%40example.com")
    found = re.findall(r'href="/console/credentials/([^"?]+)"', page)
    assert status == 200 and len(set(found)) == 1, page[:3000]
    cid = found[0]
    status, _, page = visitor.request("GET", f"/console/credentials/{cid}/revoke")
    assert status == 200, page[:500]
    status, headers, page = visitor.request("POST", f"/console/credentials/{cid}/revoke",
                                            {"reason": "Entered by mistake", "confirm": "yes", "csrf": _csrf(page)})
    assert status == 303, page[:2000]
    status, _, page = visitor.request("GET", f"/console/credentials/{cid}")
    assert "Entered by mistake" in page
    revoked = api(info, "GET", f"/credentials/{cid}")
    assert revoked["status"] == "revoked"


# ------------------------------------------------------------------ engagement counters move under `make run`


def _counters(info: dict, tenant_id: str) -> dict:
    """The tenant's engagement totals, read from the embedded AWS the system runs on."""
    import boto3

    table = boto3.client("dynamodb", endpoint_url=info["aws_endpoint"], region_name="us-east-1",
                         aws_access_key_id="testing", aws_secret_access_key="testing")
    item = table.get_item(TableName="laurel-local", Key={"pk": {"S": f"T#{tenant_id}#ENGD"}, "sk": {"S": "TOTAL"}})
    return {k: int(v["N"]) for k, v in item.get("Item", {}).items() if "N" in v}


def test_viewing_and_sharing_a_credential_moves_its_counters_under_make_run(local_system):  # noqa: F811
    """Issue 15: the page view goes to the spool, the local feeder hands it to the
    EngagementAggregator handler, the counters move (within a minute; the feeder runs
    every few seconds)."""
    info = local_system
    cred = api(info, "POST", "/credentials", {"template_id": info["template_id"], "email": "viewer@example.com",
                                               "first_name": "Vi", "last_name": "Ewer"})
    token = next(re.search(rf"/claim/{cred['id']}\?token=([a-z2-7]+)", html).group(1)
                 for html in sent_mail(info, "viewer@example.com") if f"/claim/{cred['id']}?token=" in html)
    visitor = Visitor(info["api_url"])
    status, _, page = visitor.request("POST", f"/claim/{cred['id']}", {"token": token, "decision": "accept"})
    assert status == 200 and f"/badges/{cred['id']}" in page  # issue 19: the page offering to share
    before = _counters(info, info["tenant_id"])
    conn = http.client.HTTPConnection(visitor.host, visitor.port, timeout=30)
    conn.request("GET", f"/badges/{cred['id']}?ref=linkedin", headers={
        "Accept": "text/html", "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0"})
    assert conn.getresponse().status == 200
    conn.close()

    def moved():
        now = _counters(info, info["tenant_id"])
        return now.get("ref.linkedin", 0) > before.get("ref.linkedin", 0), now

    now = _until("the engagement counters", moved, deadline=60)
    assert now["view.person"] == before.get("view.person", 0) + 1
    assert now["accepted"] == before.get("accepted", 0) + 1


# ------------------------------------------------------------------ the outage demo (issue 16)


def _probe_runs(info: dict) -> list[dict]:
    """The newest probe runs of every location, as the operator's SLA report lists them."""
    request = urllib.request.Request(info["api_url"] + "/ops/sla", headers={
        "Authorization": f"Bearer {info['operator_key']}", "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 - loopback
        return json.load(resp)["recent_probes"]


def _minutes(runs: list[dict], outage: bool, after: str = "") -> set[str]:
    """Minutes after `after` that both local locations probed, each with this outcome."""
    by_minute: dict[str, dict[str, bool]] = {}
    for r in runs:
        by_minute.setdefault(r["minute"], {})[r["location"]] = r["outage"]
    return {m for m, seen in by_minute.items()
            if m > after and set(seen) == {"local-a", "local-b"} and all(o == outage for o in seen.values())}


def test_pausing_the_api_server_shows_as_an_outage_from_both_locations_under_make_run(local_system):  # noqa: F811
    """"Under make run, stopping the app's local server for three minutes shows as an
    outage": `make outage` (scripts/outage.py) pauses only the API server; the two local
    probers record the paused minutes as outage minutes and the minutes after as up.
    Paused for 70 s here (the demo's 3 minutes would only make the test longer): a minute
    boundary always falls in the pause, and its probe times out (5 s) before the end."""
    info = local_system
    assert info["probe_locations"] == ["local-a", "local-b"]
    def both_up(after: str = "") -> tuple[set[str], set[str]]:
        found = _minutes(_probe_runs(info), False, after)
        return found, found

    up_before = _until("an up minute from both locations", both_up, deadline=150)
    (run,) = [r for r in _probe_runs(info) if r["minute"] == max(up_before) and r["location"] == "local-a"]
    # what was probed: /health, the canary's page, its OB 3.0 document and its badge image, all fine
    assert {r["component"] for r in run["results"]} >= {"api", "verification", "images"}, run["results"]
    assert info["canary_url"] in {r["url"] for r in run["results"]}
    assert all(r["ok"] for r in run["results"]), run["results"]

    paused = subprocess.run([sys.executable, str(ROOT / "scripts" / "outage.py"), "--seconds", "70",
                             "--state", info["state"]], capture_output=True, text=True, timeout=200)
    assert paused.returncode == 0, paused.stderr
    runs = _probe_runs(info)  # the server answers again at once
    outage = _minutes(runs, True, after=max(up_before))
    assert outage, runs[:6]
    # in those minutes no app endpoint answered either location (the bucket's image still did)
    failed = [result for r in runs if r["minute"] in outage
              for result in r["results"] if result["component"] != "images"]
    assert failed and not any(result["ok"] for result in failed), failed
    up_after = _until("an up minute after the pause", lambda: both_up(max(outage)), deadline=150)
    assert min(up_after) > max(outage)
