"""The public status page (issue 16): components, 90 daily bars, incidents written by
operators, upcoming maintenance, the Atom feed, mail subscriptions (double opt-in,
one-click unsubscribe), and the S3 snapshot that keeps /status up without the table."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import boto3
import feedparser
import pytest

from chalicelib.services import clock, ops
from chalicelib.services import status as status_service
from chalicelib.store import ops as probe_store
from tests.aws_calls import recording, requests
from tests.conftest import body, list_bucket, scan_table, sent_mail
from tests.helpers import auth, new_issuer

UTC = timezone.utc
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture()
def frozen(monkeypatch):
    """The services' clock at NOW (moved by assigning `frozen["now"]`)."""
    moment = {"now": NOW}
    monkeypatch.setattr(clock, "utcnow", lambda: moment["now"])
    return moment


@pytest.fixture()
def operator(aws_env):
    return ops.create_operator_key("tests")


def op(key):
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}


def results(ok: bool, *, api_ok: bool | None = None) -> list[dict]:
    """One probe run's results in the PROBES shape (verification page + image CDN + API)."""
    api_ok = ok if api_ok is None else api_ok
    return [
        {"url": "https://laurel.test/badges/canary", "component": "verification", "ok": ok,
         "status": 200 if ok else 503, "latency_ms": 12.0, "error": None},
        {"url": "https://assets.laurel.test/x.png", "component": "images", "ok": ok, "status": 200,
         "latency_ms": 5.0, "error": None},
        {"url": "https://laurel.test/health", "component": "api", "ok": api_ok, "status": 200 if api_ok else 503,
         "latency_ms": 3.0, "error": None},
    ]


def probe(minute: datetime, ok: bool, location: str = "us-east-1", **kw) -> None:
    probe_store.record_probe(minute, location, results(ok, **kw), ok)


def _when(moment: str) -> str:
    """A moment as the page writes it in English (issue 19: `| datetime`, "Nov 20, 2026, 12:10:00 PM UTC")."""
    from chalicelib import i18n

    with i18n.using("en"):
        return i18n.format_datetime(moment)


def text(response) -> str:
    return response.body.decode() if isinstance(response.body, bytes) else response.body


def incident(client, key, **overrides):
    payload = {"title": "Verification pages slow", "components": ["verification", "api"], "impact": "major",
               "status": "investigating", "message": "We are looking into slow verification pages.", **overrides}
    return client.http.post("/ops/incidents", headers=op(key), body=json.dumps(payload))


def declare(client, key, start: datetime, reason: str) -> dict:
    """A platform maintenance window through the ops API."""
    res = client.http.post("/ops/maintenance", headers=op(key), body=json.dumps(
        {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(), "reason": reason}))
    assert res.status_code == 201, res.body
    return body(res)


def subscribe(client, email: str, ip: str = "203.0.113.7"):
    return client.http.post("/status/subscribe", headers={**FORM, "CloudFront-Viewer-Address": f"{ip}:4444"},
                            body=f"email={email}")


def link_in(mail_body: str, path: str) -> str:
    found = re.search(r'href="(https://laurel\.test' + re.escape(path) + r'\?[^"]+)"', mail_body)
    assert found, mail_body
    return found.group(1).replace("&amp;", "&")


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def confirmed(client, email: str) -> str:
    """Subscribe and confirm `email`; the confirmation URL (used)."""
    before = len(sent_mail())
    assert subscribe(client, email).status_code == 200
    mail = sent_mail()[before:]
    assert [m["to"] for m in mail] == [[email]]
    url = link_in(mail[0]["body"], "/status/subscription/confirm")
    assert client.http.post(path_of(url), headers=FORM, body="").status_code == 200
    return url


# ------------------------------------------------------------------ the page


def test_status_page_shows_components_daily_bars_and_todays_outage(client, frozen):
    today = NOW.replace(hour=0)
    for m in range(5):  # today: 2 up, 3 down (an outage nobody has written up yet)
        probe(today + timedelta(hours=9, minutes=m), ok=m < 2)
    probe(NOW - timedelta(minutes=1), ok=True, api_ok=False)  # latest run: pages up, the API failing
    ten_days_ago = today - timedelta(days=10)
    for m in range(4):
        probe(ten_days_ago + timedelta(minutes=m), ok=True)

    page = client.http.get("/status")
    assert page.status_code == 200
    html = text(page)
    assert page.headers["Cache-Control"] == "public, max-age=60"
    csp = page.headers["Content-Security-Policy"]
    assert "script-src" not in csp and "default-src 'none'" in csp
    # today's outage minutes, before any incident is written
    assert "3 outage minutes</strong> today" in html
    # 90 bars: 2 measured days, the other 88 honestly "no data"
    bars = re.findall(r'<li class="(up|partial|down|none)" title="([^"]+)"', html)
    assert len(bars) == 90
    assert sum(1 for level, _ in bars if level == "none") == 88
    # dates the page's language's way (issue 19), English here
    assert bars[-1] == ("down", "Nov 20, 2026: 50.00 % up, 3 outage minutes of 6 measured")
    assert bars[-11] == ("up", "Nov 10, 2026: 100.00 % up, 0 outage minutes of 4 measured")
    components = dict(re.findall(r"<li><span>([^<]+)</span> <span class=\"state st-\w+\">([^<]+)</span>", html))
    assert components == {"Verification pages": "Operational", "API": "Major outage", "LMS hooks": "Not monitored",
                          "Wallet": "Not monitored", "Mail": "Not monitored"}


def test_a_component_no_probe_measures_takes_its_state_from_open_incidents(client, frozen, operator):
    probe(NOW - timedelta(minutes=1), ok=True)
    assert incident(client, operator, components=["wallet"], impact="critical").status_code == 201
    html = text(client.http.get("/status"))
    assert '<span>Wallet</span> <span class="state st-major_outage">Major outage (incident)' in html
    assert '<span>Verification pages</span> <span class="state st-operational">Operational' in html


def test_probes_gone_quiet_show_no_recent_data_not_green(client, frozen):
    probe(NOW - timedelta(minutes=30), ok=True)
    html = text(client.http.get("/status"))
    assert '<span>API</span> <span class="state st-no_data">No recent data' in html
    assert "Operational" not in html


# ------------------------------------------------------------------ incidents (operators)


def test_operator_writes_an_incident_and_its_timeline_until_resolved(client, frozen, operator):
    created = incident(client, operator)
    assert created.status_code == 201, created.body
    first = body(created)
    assert first["state"] == "investigating" and first["components"] == ["verification", "api"]
    frozen["now"] = NOW + timedelta(minutes=20)
    for status, message in (("identified", "A bad deploy."), ("monitoring", "Rolled back."),
                            ("resolved", "All good since 12:40.")):
        frozen["now"] += timedelta(minutes=10)
        res = client.http.post(f"/ops/incidents/{first['id']}/updates", headers=op(operator),
                               body=json.dumps({"status": status, "message": message}))
        assert res.status_code == 201, res.body
    done = body(res)
    assert done["state"] == "resolved" and done["resolved_at"] == "2026-11-20T12:50:00Z"
    assert [u["status"] for u in done["updates"]] == ["resolved", "monitoring", "identified", "investigating"]
    listed = body(client.http.get("/ops/incidents", headers=op(operator)))["items"]
    assert [i["id"] for i in listed] == [first["id"]] and listed[0]["state"] == "resolved"

    html = text(client.http.get("/status"))
    timeline = re.findall(r"<li><strong>(\w+)</strong> <span class=\"when\">([^<]+)</span>", html)
    assert timeline == [(state, _when(at)) for state, at in (
        ("Resolved", "2026-11-20T12:50:00Z"), ("Monitoring", "2026-11-20T12:40:00Z"),
        ("Identified", "2026-11-20T12:30:00Z"), ("Investigating", "2026-11-20T12:00:00Z"))]
    # every write is in the operators' audit log
    audited = [i for i in scan_table() if i["pk"] == "OPS#AUDIT"]
    assert sum(1 for a in audited if "/ops/incidents" in json.dumps(a, default=str)) == 4


def test_incident_routes_refuse_non_operators_and_bad_input(client, frozen, operator):
    _, issuer_key = new_issuer()
    payload = json.dumps({"title": "x", "components": ["api"], "impact": "minor", "status": "investigating",
                          "message": "m"})
    assert client.http.post("/ops/incidents", headers={**auth(issuer_key), "Content-Type": "application/json"},
                            body=payload).status_code == 401
    assert client.http.post("/ops/incidents", headers={"Content-Type": "application/json"},
                            body=payload).status_code == 401
    assert client.http.get("/ops/incidents").status_code == 401
    bad = [{"components": ["api"]},  # fields missing
           {"title": "t", "components": ["billing"], "impact": "minor", "status": "investigating", "message": "m"},
           {"title": "t", "components": [], "impact": "minor", "status": "investigating", "message": "m"},
           {"title": "t", "components": ["api", "api"], "impact": "minor", "status": "investigating",
            "message": "m"},
           {"title": "t", "components": ["api"], "impact": "minor", "status": "fixed", "message": "m"},
           {"title": "t", "components": ["api"], "impact": "minor", "status": "investigating", "message": "m",
            "extra": 1}]
    for payload_dict in bad:
        res = client.http.post("/ops/incidents", headers=op(operator), body=json.dumps(payload_dict))
        assert res.status_code in (400, 422) and "error" in body(res), (payload_dict, res.status_code, res.body)
    missing = client.http.post("/ops/incidents/0123456789abcdef/updates", headers=op(operator),
                               body=json.dumps({"status": "resolved", "message": "m"}))
    assert missing.status_code == 404 and body(missing)["error"]["code"] == "incident_not_found"
    assert [i for i in scan_table() if i["pk"] == "INCIDENT"] == []


# ------------------------------------------------------------------ the feed


def test_atom_feed_lists_incidents_and_maintenance_with_stable_ids(client, frozen, operator):
    first = body(incident(client, operator))
    window = declare(client, operator, NOW + timedelta(days=3), "Database upgrade")
    status_service.maintenance_changed(window, "declared")  # what services/ops.py `_announce` calls

    res = client.http.get("/status/feed.atom")
    assert res.status_code == 200
    assert res.headers["Content-Type"].startswith("application/atom+xml")
    assert res.headers["Cache-Control"] == "public, max-age=60"
    feed = feedparser.parse(text(res))
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10" and feed.feed.id == "https://laurel.test/status/feed.atom"
    assert feed.feed.updated == "2026-11-20T12:00:00Z"
    ids = {e.id: e for e in feed.entries}
    incident_id = f"tag:laurel.test,2026-11-20:status/incident/{first['id']}"
    maintenance_id = f"tag:laurel.test,2026-11-20:status/maintenance/{window['id']}"
    assert set(ids) == {incident_id, maintenance_id}
    assert ids[incident_id].title == "[Investigating] Verification pages slow"
    assert "slow verification pages" in ids[incident_id].summary
    assert ids[maintenance_id].title == "Scheduled maintenance: Database upgrade"
    assert all(e.get("updated") for e in feed.entries)

    # an update changes the entry's `updated`, not its id
    frozen["now"] = NOW + timedelta(minutes=5)
    client.http.post(f"/ops/incidents/{first['id']}/updates", headers=op(operator),
                     body=json.dumps({"status": "resolved", "message": "Fixed."}))
    again = feedparser.parse(text(client.http.get("/status/feed.atom")))
    entry = next(e for e in again.entries if e.id == incident_id)
    assert entry.updated == "2026-11-20T12:05:00Z" and entry.title == "[Resolved] Verification pages slow"


def test_upcoming_maintenance_is_on_the_page_and_past_or_cancelled_is_not(client, frozen, operator):
    declare(client, operator, NOW + timedelta(days=2), "Storage migration")
    declare(client, operator, NOW - timedelta(days=2), "Old window")
    status_service.publish()
    html = text(client.http.get("/status"))
    assert "Storage migration" in html and "Old window" not in html
    views = [{**w, "state": "cancelled"} for w in ops.list_maintenance()]
    from chalicelib.domain import status as rules

    assert rules.upcoming_maintenance(views, NOW) == []  # LEDGER's cancelled windows are not "upcoming"


# ------------------------------------------------------------------ subscriptions


def test_double_opt_in_then_notices_with_one_click_unsubscribe(client, frozen, operator):
    assert subscribe(client, "ada@example.com").status_code == 200
    mail = sent_mail()
    assert [m["to"] for m in mail] == [["ada@example.com"]] and "Confirm" in mail[0]["subject"]
    stored = [i for i in scan_table() if i["pk"] == "STATUSSUB"]
    token = parse_qs(urlsplit(link_in(mail[0]["body"], "/status/subscription/confirm")).query)["token"][0]
    assert token.split(".")[1] not in json.dumps(stored, default=str)  # only its hash is kept

    # nothing is sent before confirmation
    incident(client, operator)
    assert len(sent_mail()) == 1

    url = link_in(mail[0]["body"], "/status/subscription/confirm")
    form = client.http.get(path_of(url))
    assert form.status_code == 200 and "Confirm subscription" in text(form)
    assert client.http.post(path_of(url), headers=FORM, body="").status_code == 200

    with requests() as calls:
        created = body(incident(client, operator, title="API errors"))
    assert created["subscribers_mailed"] == 1
    notice = sent_mail()[-1]
    assert notice["to"] == ["ada@example.com"] and notice["subject"] == "[Laurel status] New incident: API errors"
    sends = [c for c in calls if c.name == "sesv2.SendEmail"]
    headers = {h["Name"]: h["Value"] for h in sends[0].params["Content"]["Simple"]["Headers"]}
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe == link_in(notice["body"], "/status/unsubscribe")

    # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" to that URI
    res = client.http.post(path_of(unsubscribe), headers=FORM, body="List-Unsubscribe=One-Click")
    assert res.status_code == 200 and "Unsubscribed" in text(res)
    assert [i for i in scan_table() if i["pk"] == "STATUSSUB"] == []
    before = len(sent_mail())
    incident(client, operator, title="Another one")
    assert len(sent_mail()) == before


def test_forged_and_replayed_confirmation_tokens_do_nothing(client, frozen, operator):
    subscribe(client, "eve-target@example.com")
    url = link_in(sent_mail()[0]["body"], "/status/subscription/confirm")
    address_hash, secret = parse_qs(urlsplit(url).query)["token"][0].split(".")
    forged = f"/status/subscription/confirm?token={address_hash}.forged{secret[6:]}"
    res = client.http.post(forged, headers=FORM, body="")
    assert res.status_code == 410
    assert [i["state"] for i in scan_table() if i["pk"] == "STATUSSUB"] == ["pending"]
    incident(client, operator)
    assert len(sent_mail()) == 1  # still pending: no notice

    assert client.http.post(path_of(url), headers=FORM, body="").status_code == 200
    replay = client.http.post(path_of(url), headers=FORM, body="")
    assert replay.status_code == 410
    malformed = client.http.post("/status/subscription/confirm?token=nothex.x", headers=FORM, body="")
    assert malformed.status_code == 422


def test_nobody_can_unsubscribe_someone_else(client, frozen, operator):
    confirmed(client, "grace@example.com")
    confirmed(client, "mallory@example.com")
    incident(client, operator)
    notices = {m["to"][0]: m for m in sent_mail() if m["subject"].startswith("[Laurel status]")}
    def token_of(to):
        return parse_qs(urlsplit(link_in(notices[to]["body"], "/status/unsubscribe")).query)["token"][0].split(".")

    mallory_hash, mallory_secret = token_of("mallory@example.com")
    grace_hash, grace_secret = token_of("grace@example.com")
    # Mallory's own secret with Grace's address hash; a made-up secret; Grace's hash without one
    for path in (f"/status/unsubscribe?token={grace_hash}.{mallory_secret}",
                 f"/status/unsubscribe?token={grace_hash}.{'0' * 64}"):
        res = client.http.post(path, headers=FORM, body="List-Unsubscribe=One-Click")
        assert res.status_code == 410, path
    assert client.http.post(f"/status/unsubscribe?token={grace_hash}", headers=FORM, body="").status_code == 422
    assert sorted(i["email"] for i in scan_table() if i["pk"] == "STATUSSUB") == ["grace@example.com",
                                                                                   "mallory@example.com"]


def test_the_form_tells_nobody_whether_an_address_is_subscribed(client, frozen):
    confirmed(client, "known@example.com")
    mails = len(sent_mail())
    known = subscribe(client, "known@example.com")
    unknown = subscribe(client, "unknown@example.com")
    assert known.status_code == unknown.status_code == 200
    assert text(known) == text(unknown)
    # the confirmed address gets no new confirmation (its subscription is not reset)
    assert [m["to"] for m in sent_mail()[mails:]] == [["unknown@example.com"]]
    assert {i["email"]: i["state"] for i in scan_table() if i["pk"] == "STATUSSUB"}["known@example.com"] == \
        "confirmed"


def test_subscription_requests_are_rate_limited(client, frozen):
    for n in range(3):  # per address: 3 confirmation mails a day, then silently none
        assert subscribe(client, "flood@example.com", ip=f"198.51.100.{n}").status_code == 200
    assert subscribe(client, "flood@example.com", ip="198.51.100.9").status_code == 200
    assert len(sent_mail()) == 3
    for n in range(18):  # per network: 20 an hour, then 429
        assert subscribe(client, f"p{n}@example.com", ip="198.51.100.77").status_code == 200
    assert subscribe(client, "q@example.com", ip="198.51.100.77").status_code == 200
    assert subscribe(client, "q@example.com", ip="198.51.100.77").status_code == 200
    refused = subscribe(client, "r@example.com", ip="198.51.100.77")
    assert refused.status_code == 429
    assert "r@example.com" not in json.dumps(scan_table(), default=str)
    bad = client.http.post("/status/subscribe", headers=FORM, body="email=not-an-address")
    assert bad.status_code == 422


def test_maintenance_changes_are_mailed_to_subscribers(client, frozen):
    confirmed(client, "ops-watcher@example.com")
    view = {"id": "0123456789abcdef", "start": "2026-11-25T02:00:00Z", "end": "2026-11-25T03:00:00Z",
            "reason": "Network upgrade", "kind": "scheduled", "announced_at": "2026-11-20T12:00:00Z"}
    for action, word in (("declared", "Scheduled maintenance"), ("updated", "Maintenance changed"),
                         ("cancelled", "Maintenance cancelled")):
        status_service.maintenance_changed(view, action)
        assert sent_mail()[-1]["subject"] == f"[Laurel status] {word}: Network upgrade"
    before = len(sent_mail())
    status_service.maintenance_changed({**view, "kind": "client_requested", "client_id": "x"}, "declared")
    assert len(sent_mail()) == before


# ------------------------------------------------------------------ the snapshot


def test_probe_job_publishes_the_snapshot_and_status_reads_only_it(client, frozen, monkeypatch):
    from chalicelib.services import probes, work

    monkeypatch.setattr(probes, "check", lambda target: {"url": getattr(target, "url", target), "component": "api",
                                                         "ok": True, "status": 200, "latency_ms": 1.0, "error": None})
    assert work.probe()["status_published"] is True
    assert "statuspage/snapshot.json" in list_bucket()
    with recording() as calls:
        assert client.http.get("/status").status_code == 200
    assert calls == ["s3.GetObject"]


def test_status_answers_from_the_last_snapshot_when_the_table_is_gone(client, frozen, operator):
    probe(NOW - timedelta(minutes=1), ok=True)
    incident(client, operator, title="Elevated error rate")  # publishes the snapshot
    boto3.client("dynamodb", region_name="us-east-1").delete_table(TableName="laurel-test")

    page = client.http.get("/status")
    assert page.status_code == 200
    assert "Elevated error rate" in text(page)
    assert '<span>Verification pages</span> <span class="state st-partial_outage">Partial outage (incident)' in \
        text(page)
    feed = feedparser.parse(text(client.http.get("/status/feed.atom")))
    assert not feed.bozo and [e.title for e in feed.entries] == ["[Investigating] Elevated error rate"]


def test_without_a_snapshot_the_page_is_built_live_and_unavailable_is_a_503_not_a_500(client, frozen):
    probe(NOW - timedelta(minutes=1), ok=True)
    assert list_bucket() == []
    boto3.client("s3", region_name="us-east-1").delete_bucket(Bucket="laurel-test-assets")  # nothing to fall back on
    live = client.http.get("/status")
    assert live.status_code == 200 and "Operational" in text(live)
    boto3.client("dynamodb", region_name="us-east-1").delete_table(TableName="laurel-test")
    down = client.http.get("/status")
    assert down.status_code == 503 and "try again in a minute" in text(down)


def test_a_stale_snapshot_is_rebuilt_on_read_and_served_as_it_is_when_the_table_is_down(client, frozen):
    probe(NOW - timedelta(minutes=1), ok=True)
    status_service.publish()  # the last publish; then the probe job stops publishing
    frozen["now"] = NOW + timedelta(minutes=10)
    for m in range(3):
        probe(NOW + timedelta(minutes=7 + m), ok=False)
    with recording() as calls:
        page = text(client.http.get("/status"))
    assert "3 outage minutes</strong> today" in page and f"Updated {_when('2026-11-20T12:10:00Z')}" in page
    assert calls.count("s3.PutObject") == 1  # published for the next reader
    assert status_service.current()["generated_at"] == "2026-11-20T12:10:00Z"

    frozen["now"] = NOW + timedelta(minutes=20)
    boto3.client("dynamodb", region_name="us-east-1").delete_table(TableName="laurel-test")
    stale = client.http.get("/status")
    assert stale.status_code == 200 and f"Updated {_when('2026-11-20T12:10:00Z')}" in text(stale)


def test_a_publish_reads_only_the_days_that_can_still_change(client, frozen):
    for d in range(7, 90, 7):  # measured days spread over three months
        probe(NOW - timedelta(days=d, minutes=1), ok=d != 14)
    for m in range(1, 11):  # and the last ten minutes, as every minute's probe leaves them
        probe(NOW - timedelta(minutes=m), ok=True)
    with recording() as first:
        status_service.publish()
    frozen["now"] = NOW + timedelta(minutes=1)
    probe(NOW, ok=True)
    with recording() as calls:
        snapshot = status_service.publish()
    # one S3 GET (previous snapshot), one Query of the probe days (yesterday and today),
    # one of the latest probe runs, incidents, maintenance, one S3 PUT
    assert sorted(calls) == sorted(["s3.GetObject", "dynamodb.Query", "dynamodb.Query", "dynamodb.Query",
                                    "dynamodb.Query", "s3.PutObject"]), calls
    assert first.count("dynamodb.Query") > calls.count("dynamodb.Query")
    by_day = {d["day"]: d for d in snapshot["days"]}
    assert by_day["2026-11-06"]["level"] == "down" and by_day["2026-11-06"]["measured_minutes"] == 1
    assert by_day["2026-10-30"]["level"] == "up"
    assert by_day["2026-11-20"]["measured_minutes"] == 11  # today: recomputed (the 12:00 run is new)
    assert sum(1 for d in snapshot["days"] if d["level"] != "none") == 13


def test_a_confirmation_link_expires_after_a_week(client, frozen):
    subscribe(client, "late@example.com")
    url = link_in(sent_mail()[0]["body"], "/status/subscription/confirm")
    pending = [i for i in scan_table() if i["pk"] == "STATUSSUB"][0]
    assert int(pending["expiration"]) == int((NOW + timedelta(days=7)).timestamp())  # TTL removes it
    frozen["now"] = NOW + timedelta(days=7, seconds=1)
    assert client.http.post(path_of(url), headers=FORM, body="").status_code == 410
    assert [i["state"] for i in scan_table() if i["pk"] == "STATUSSUB"] == ["pending"]


def test_an_incident_stands_when_the_snapshot_cannot_be_published(client, frozen, operator):
    boto3.client("s3", region_name="us-east-1").delete_bucket(Bucket="laurel-test-assets")  # S3 refuses the PUT
    res = incident(client, operator, title="Stored anyway")
    assert res.status_code == 201 and body(res)["snapshot_published"] is False
    assert [i["title"] for i in scan_table() if i["pk"] == "INCIDENT"] == ["Stored anyway"]
    page = client.http.get("/status")  # no snapshot readable: built live from the table
    assert page.status_code == 200 and "Stored anyway" in text(page)


def test_declaring_editing_and_cancelling_through_the_ops_api_reaches_the_public(client, frozen, operator):
    """The ops routes' _announce tells the status page too (wired when issue 16's parts met):
    subscribers are mailed, the page and feed show the window, a cancelled one leaves the page."""
    confirmed(client, "watcher@example.com")
    window = declare(client, operator, NOW + timedelta(days=2), "Storage migration")
    assert sent_mail()[-1]["subject"] == "[Laurel status] Scheduled maintenance: Storage migration"
    assert "Storage migration" in text(client.http.get("/status"))  # republished, no manual publish
    feed = feedparser.parse(text(client.http.get("/status/feed.atom")))
    assert not feed.bozo and any("Storage migration" in e.title for e in feed.entries)
    res = client.http.post(f"/ops/maintenance/{window['id']}/cancel", headers=op(operator))
    assert res.status_code == 200, res.body
    assert sent_mail()[-1]["subject"] == "[Laurel status] Maintenance cancelled: Storage migration"
    assert "Storage migration" not in text(client.http.get("/status"))
