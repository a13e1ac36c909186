"""Uptime probes (issue 16, item 2): what customers use, checked by content, from more than
one location, and the minute's metric out even when the table write fails.

The probes fetch over real HTTP: `site` is a local web server standing where CloudFront
stands in a deployment, answering app paths with the app (the Chalice test client) and
`/assets/...` from the bucket (moto), with faults switched on per path."""

from __future__ import annotations

import io
import json
import os
import socket
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest

from chalicelib.adapters import fetch
from chalicelib.config import get_settings
from chalicelib.services import ops, probes
from chalicelib.store import ops as store
from tests.conftest import body, scan_table
from tests.helpers import auth, new_issuer

MINUTE = datetime(2026, 11, 17, 10, 30, tzinfo=UTC)


class Site:
    def __init__(self, client):
        self.client = client
        self.lock = threading.Lock()
        self.down = False  # every app path answers 503 (the app's web server is gone; the CDN still serves images)
        self.replace: dict[str, tuple[int, str, bytes]] = {}  # path -> (status, content type, body)
        self.seen: list[str] = []
        self.x_cache: dict[str, str] = {}  # path -> the X-Cache header the "CDN" adds
        self.s3 = boto3.client("s3", region_name="us-east-1")

    def answer(self, path: str, accept: str) -> tuple[int, str, bytes]:
        # one request at a time: the Chalice test client and boto3's default session are not
        # made for concurrent use (the probes' requests do arrive together)
        with self.lock:
            self.seen.append(path)
            if path in self.replace:
                return self.replace[path]
            if path.startswith("/assets/"):
                got = self.s3.get_object(Bucket=get_settings().bucket_name, Key=path[1:])
                return 200, got["ContentType"], got["Body"].read()
            if self.down:
                return 503, "text/plain", b"unavailable"
            res = self.client.http.get(path, headers={"Accept": accept})
            return res.status_code, res.headers.get("Content-Type", ""), res.body


@pytest.fixture()
def site(client, monkeypatch):
    state = Site(client)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            try:
                status, kind, data = state.answer(self.path, self.headers.get("Accept", "*/*"))
            except Exception as exc:  # noqa: BLE001 - the probe shows it as this endpoint's error
                status, kind, data = 599, "text/plain", repr(exc).encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            if self.path in state.x_cache:
                self.send_header("X-Cache", state.x_cache[self.path])
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    suite_settings = get_settings()
    saved = {k: os.environ.get(k) for k in ("LAUREL_PUBLIC_BASE_URL", "LAUREL_ASSET_BASE_URL", "LAUREL_PROBE_URLS")}
    # the public site and the CDN (the stack serves /assets/* from the bucket on the public domain)
    os.environ.update(LAUREL_PUBLIC_BASE_URL=base, LAUREL_ASSET_BASE_URL=base, LAUREL_PROBE_URLS=f"{base}/health")
    get_settings.cache_clear()
    monkeypatch.setattr(probes, "_policy", lambda: fetch.Policy(allow_http=True, allow_private=True, timeout=5))
    try:
        state.base = base
        from chalicelib.services import canary

        state.canary = canary.ensure()
        yield state
    finally:
        server.shutdown()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        get_settings.cache_clear()
        assert get_settings() == suite_settings  # the next test sees the suite's settings again


def by_component(result: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in result["results"]:
        out.setdefault(r["component"], []).append(r)
    return out


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


# ------------------------------------------------------------------ the canary


def test_the_canary_is_created_once_by_an_operator_and_audited(client, capsys):
    operator = ops.create_operator_key("tests")
    _, issuer_key = new_issuer()
    assert client.http.post("/ops/canary").status_code == 401
    assert client.http.post("/ops/canary", headers=auth(issuer_key)).status_code == 401
    assert not [i for i in scan_table() if i["sk"] == "CANARY"]  # refused requests wrote nothing
    first = client.http.post("/ops/canary", headers=auth(operator))
    assert first.status_code == 201, first.body
    made = body(first)
    again = client.http.post("/ops/canary", headers=auth(operator))
    assert again.status_code == 200 and body(again)["credential_id"] == made["credential_id"]
    from chalicelib.cli import main

    capsys.readouterr()
    assert main(["canary"]) == 0
    assert f'"credential_id": "{made["credential_id"]}"' in capsys.readouterr().out
    credentials = [i for i in scan_table() if i.get("credential_id") and i["sk"] == "C"]
    assert [c["credential_id"] for c in credentials if c["tenant_id"] == made["tenant_id"]] == [made["credential_id"]]
    (stored,) = credentials
    assert stored["status"] == "accepted" and stored.get("expires_at") is None
    # public: its page answers without sign-in
    assert client.http.get(f"/badges/{made['credential_id']}").status_code == 200
    audit = body(client.http.get("/ops/audit", headers=auth(operator)))["items"]
    assert [e["action"] for e in audit] == ["POST /ops/canary", "POST /ops/canary"]


# ------------------------------------------------------------------ content, not only status


def test_a_healthy_site_passes_every_check_with_its_component(site):
    result = probes.run(MINUTE, location="local-a")
    assert result["outage"] is False, result
    assert all(r["ok"] for r in result["results"]), [(r["url"], r["status"], r["error"]) for r in result["results"]]
    c = site.canary
    assert {(r["component"], r["url"]) for r in result["results"]} == {
        ("api", f"{site.base}/health"), ("verification", c["page_url"]), ("verification", c["credential_url"]),
        ("images", c["image_url"])}
    assert c["image_url"].startswith(f"{site.base}/assets/")
    stored = store.recent_probes(MINUTE + timedelta(minutes=1), 1)[0]
    assert stored.location == "local-a" and stored.results == result["results"]


def test_a_page_that_answers_200_with_the_wrong_content_is_a_failed_probe(site):
    page = path_of(site.canary["page_url"])
    site.replace[page] = (200, "text/html", b"<html><body><h1>Welcome to nginx!</h1></body></html>")
    result = probes.run(MINUTE)
    (failed,) = [r for r in result["results"] if not r["ok"]]
    assert (failed["url"], failed["status"]) == (site.canary["page_url"], 200)
    assert "does not name the credential" in failed["error"]
    # a revoked-looking page naming the canary is no better
    site.replace[page] = (200, "text/html", (
        f'<h1>{site.canary["name"]}</h1><span class="status revoked">Revoked</span>'
        f'<code>{site.canary["credential_id"]}</code>').encode())
    (failed,) = [r for r in probes.run(MINUTE)["results"] if not r["ok"]]
    assert "does not say the credential is valid" in failed["error"]


def test_an_ob3_document_of_another_credential_is_a_failed_probe(site, client):
    path = path_of(site.canary["credential_url"])
    doc = json.loads(client.http.get(path).body)
    assert doc["id"] == site.canary["credential_url"]
    other = dict(doc, id=doc["id"].replace(site.canary["credential_id"], "someone-else"))
    site.replace[path] = (200, "application/ld+json", json.dumps(other).encode())
    (failed,) = [r for r in probes.run(MINUTE)["results"] if not r["ok"]]
    assert failed["url"] == site.canary["credential_url"] and "another credential" in failed["error"]
    site.replace[path] = (200, "application/ld+json", b"<html>not json</html>")
    (failed,) = [r for r in probes.run(MINUTE)["results"] if not r["ok"]]
    assert "not JSON" in failed["error"]


def test_a_page_the_cdn_serves_from_its_cache_is_no_web_server_answering(site, client):
    """Found in review: CloudFront keeps serving a cached page (and a stale one when the origin
    fails), so during a real outage the canary page still "passed" and hid the minute. An
    answer marked `X-Cache: Hit from cloudfront` is the CDN's, not a web server's."""
    page, doc = path_of(site.canary["page_url"]), path_of(site.canary["credential_url"])
    for path, accept in ((page, "text/html"), (doc, "application/ld+json")):
        res = client.http.get(path, headers={"Accept": accept})
        site.replace[path] = (200, res.headers["Content-Type"], res.body)  # what the CDN kept
        site.x_cache[path] = "Hit from cloudfront"
    site.down = True  # /health (never cached) fails: the app's web server is gone
    result = probes.run(MINUTE)
    cached = [r for r in result["results"] if r["url"] in (site.canary["page_url"], site.canary["credential_url"])]
    assert [(r["ok"], r["cached"]) for r in cached] == [(True, True), (True, True)]  # content fine, but cached
    assert result["outage"] is True
    # an answer the origin gave through the CDN (a miss, or a refresh it answered) counts
    site.x_cache = {page: "Miss from cloudfront", doc: "RefreshHit from cloudfront"}
    assert probes.run(MINUTE + timedelta(minutes=1))["outage"] is False
    assert (probes.served_by_cache(""), probes.served_by_cache("Error from cloudfront")) == (False, True)


def test_the_probe_is_counted_as_a_crawler_never_as_a_person():
    from chalicelib.domain import engagement

    assert engagement.agent_class(probes.USER_AGENT) == "crawler"  # the canary's views inflate no one's counts


def test_a_broken_badge_image_is_a_failed_probe(site):
    path = path_of(site.canary["image_url"])
    png = boto3.client("s3", region_name="us-east-1").get_object(Bucket=get_settings().bucket_name,
                                                                  Key=path[1:])["Body"].read()
    site.replace[path] = (200, "image/png", png[: len(png) // 2])  # truncated on the way
    (failed,) = [r for r in probes.run(MINUTE)["results"] if not r["ok"]]
    assert failed["component"] == "images" and "does not decode" in failed["error"]
    from PIL import Image

    jpeg = io.BytesIO()
    Image.new("RGB", (4, 4)).save(jpeg, format="JPEG")
    site.replace[path] = (200, "image/png", jpeg.getvalue())
    (failed,) = [r for r in probes.run(MINUTE)["results"] if not r["ok"]]
    assert "not PNG" in failed["error"]


def test_the_image_cdn_answering_alone_is_still_an_outage(site):
    site.down = True
    result = probes.run(MINUTE)
    assert [r["component"] for r in result["results"] if r["ok"]] == ["images"]
    assert result["outage"] is True
    assert store.probe_minutes(MINUTE, MINUTE + timedelta(minutes=1)).outage == {MINUTE}


def test_without_a_canary_the_verification_component_fails_and_says_what_to_do(client, monkeypatch):
    monkeypatch.setattr(probes, "_policy", lambda: fetch.Policy(allow_http=True, allow_private=True, timeout=1))
    result = probes.run(MINUTE, location="x")
    missing = [r for r in result["results"] if r["component"] == "verification"]
    assert len(missing) == 1 and not missing[0]["ok"] and "chalicelib.cli canary" in missing[0]["error"]


# ------------------------------------------------------------------ two locations


def test_one_location_down_and_one_up_is_not_an_outage_both_down_is(site):
    site.down = True  # local-a cannot reach the site (its network, say)
    assert probes.run(MINUTE, location="local-a")["outage"] is True
    site.down = False
    assert probes.run(MINUTE, location="local-b")["outage"] is False
    later = MINUTE + timedelta(minutes=1)
    site.down = True
    probes.run(later, location="local-a")
    probes.run(later, location="local-b")
    seen = store.probe_minutes(MINUTE, later + timedelta(minutes=1))
    assert seen.probed == {MINUTE, later} and seen.outage == {later}
    assert store.location_minutes(MINUTE, later + timedelta(minutes=1)) == {"local-a": 2, "local-b": 2}


def test_a_server_that_never_answers_costs_a_timeout_not_the_minute(client, monkeypatch):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)  # accepts connections (the kernel does), never answers: a paused server
    monkeypatch.setattr(probes, "TIMEOUT_SECONDS", 0.5)
    monkeypatch.setattr(probes, "_policy", lambda: fetch.Policy(allow_http=True, allow_private=True, timeout=0.5))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    try:
        result = probes.run(MINUTE, [f"{url}/health", f"{url}/badges/x"], location="local-a")
    finally:
        listener.close()
    assert result["outage"] is True and all(r["error"] for r in result["results"])
    assert store.probe_minutes(MINUTE, MINUTE + timedelta(minutes=1)).outage == {MINUTE}


# ------------------------------------------------------------------ metric before storage


def _emitted(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{") and "_aws" in line]


def test_the_metric_goes_out_even_when_the_table_write_fails(site, capsys):
    capsys.readouterr()
    boto3.client("dynamodb", region_name="us-east-1").delete_table(TableName=get_settings().table_name)
    with pytest.raises(probes.ProbeNotStored, match="table write failed"):
        probes.run(MINUTE, location="local-b")
    availability = [e for e in _emitted(capsys.readouterr().out) if "Availability" in e]
    assert len(availability) == 1, availability
    (doc,) = availability
    assert doc["Availability"] == [1.0]  # the site answered: the minute was up, though it could not be stored
    assert doc["location"] == "local-b"
    assert ["location", "service"] in [sorted(d) for m in doc["_aws"]["CloudWatchMetrics"] for d in m["Dimensions"]]


def test_each_location_publishes_its_own_availability(site, capsys):
    capsys.readouterr()
    probes.run(MINUTE, location="eu-west-1")
    emitted = _emitted(capsys.readouterr().out)
    docs = [e for e in emitted if "Availability" in e]
    assert [(d["location"], d["service"]) for d in docs] == [("eu-west-1", "probes")]
    (mtd,) = [e for e in emitted if "MonthToDateAvailability" in e]
    assert "location" not in mtd and mtd["MonthToDateAvailability"] == [100.0]  # over every location's minutes


def test_a_prober_in_another_region_writes_its_minutes_into_the_primary_table():
    """infra/stack.py ProbeStack: the function runs in eu-west-1 (Lambda sets its region) and
    writes to the table in us-east-1 (`LAUREL_TABLE_REGION`). Settings are read once at
    import, so this runs in its own interpreter."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    script = """
import boto3
from datetime import UTC, datetime
from moto import mock_aws
with mock_aws():
    from chalicelib.store.schema import create_table
    create_table(boto3.client("dynamodb", region_name="us-east-1"), "laurel-test")
    from chalicelib.store import ops
    minute = datetime(2026, 11, 17, 10, 30, tzinfo=UTC)
    ops.record_probe(minute, "eu-west-1", [], True)
    print(sorted(ops.location_minutes(minute, minute.replace(minute=31))))
    print(boto3.client("dynamodb", region_name="eu-west-1").list_tables()["TableNames"])
"""
    env = {**os.environ, "AWS_DEFAULT_REGION": "eu-west-1", "LAUREL_TABLE_REGION": "us-east-1",
           "LAUREL_PROBE_LOCATION": "eu-west-1"}
    out = subprocess.run([sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.splitlines() == ["['eu-west-1']", "[]"]


def test_the_page_check_reads_the_page_as_html_not_as_a_tag_stack_of_void_elements():
    """An <img> or <br> (never closed) inside the card must not hide the heading or the status."""
    page = ('<article><img src="b.png" alt=""><div><p><span class="status valid" role="status">Valid</span></p>'
            '<h1><img src="i.png" alt="">Laurel uptime canary</h1><br><dl><dd><code>cid-1</code></dd></dl>'
            '</div></article>').encode()
    check = probes.page_check("cid-1", "Laurel uptime canary")
    assert check(fetch.Fetched("https://x/badges/cid-1", 200, "text/html", page)) is None
    assert "does not show the credential's id" in check(fetch.Fetched("u", 200, "text/html",
                                                                     page.replace(b"cid-1", b"cid-2")))
