"""Data rights: export, restriction and erasure, by the earner and by operators."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from urllib.parse import unquote, urlsplit

import boto3
import pytest

from chalicelib.domain import ids
from chalicelib.domain.webhooks import signature_header
from chalicelib.services import ops
from tests.conftest import body, list_bucket, scan_table, sent_mail, stored_text
from tests.helpers import (
    Browser,
    active_template,
    auth,
    claim_token_from,
    csrf_of,
    delete_account,
    issue,
    new_issuer,
    post,
    sign_in,
)

EMAIL, WORK = "grace@example.com", "grace@navy.example"


def _s3_get(url: str) -> bytes:
    key = unquote(urlsplit(url).path).split("/laurel-test-assets/", 1)[-1].lstrip("/")
    if key.startswith("laurel-test-assets/"):
        key = key.split("/", 1)[1]
    return boto3.client("s3", region_name="us-east-1").get_object(Bucket="laurel-test-assets", Key=key)["Body"].read()


def _accept(b: Browser, cid: str) -> None:
    csrf = csrf_of(b.text(b.get("/wallet")))
    assert b.post(f"/wallet/credentials/{cid}/decision", {"decision": "accept", "csrf": csrf}).status_code == 303


@pytest.fixture()
def grace(client, monkeypatch):
    """Grace: two addresses, an accepted and a pending credential, a webhook delivery
    and an LMS completion naming her; and Alan, who must not be touched."""
    from chalicelib.adapters import webhook_http
    from chalicelib.services import events

    monkeypatch.setattr(events, "_policy", lambda: webhook_http.policy_for(True))
    _, key = new_issuer()
    tpl = active_template(client, key)
    post(client, "/webhooks/endpoints", key, {"url": "http://127.0.0.1:9/hook", "event_types": ["credential.created"]})
    accepted = body(issue(client, key, tpl, email=EMAIL))
    lms = body(post(client, "/integrations", key, {"name": "LMS", "rules": {"c1": {"template_id": tpl}}}))
    raw = json.dumps({"event": "course.completed", "event_id": "e1", "email": WORK, "first_name": "Grace",
                      "last_name": "Hopper", "course_id": "c1", "score": 95}).encode()
    res = client.http.post(f"/hooks/lms/{lms['id']}", body=raw, headers={
        "Content-Type": "application/json",
        "Laurel-Signature": signature_header([lms["secret"].encode()], int(time.time()), raw)})
    assert res.status_code == 200, res.body
    pending = next(c for c in body(client.http.get("/credentials", headers=auth(key)))["items"] if c["id"] != accepted["id"])
    alan = body(issue(client, key, tpl, email="alan@example.com", first_name="Alan", last_name="Turing"))
    b = Browser(client)
    sign_in(b, EMAIL)
    csrf = csrf_of(b.text(b.get("/wallet/settings")))
    page = b.text(b.post("/wallet/emails", {"email": WORK, "csrf": csrf}))
    login_id = re.search(r'action="/signin/([a-z2-7]{32})"', page).group(1)
    from tests.helpers import signin_mail

    assert b.post(f"/signin/{login_id}", {"code": signin_mail(WORK)[2], "csrf": csrf}).status_code == 303
    _accept(b, accepted["id"])
    assert b.get(f"/wallet/credentials/{accepted['id']}/download").status_code == 302  # a baked file exists
    return {"browser": b, "key": key, "accepted": accepted["id"], "pending": pending["id"], "alan": alan["id"]}


def test_export_is_a_zip_of_everything_mailed_to_the_earner(client, grace):
    b = grace["browser"]
    csrf = csrf_of(b.text(b.get("/wallet/privacy")))
    assert b.post("/wallet/export", {"csrf": csrf, "email_hash": ids.email_hash("someone@else.example")}
                  ).status_code == 404  # only to one of her own addresses
    res = b.post("/wallet/export", {"csrf": csrf, "email_hash": ids.email_hash(EMAIL)})
    assert res.status_code == 303 and res.headers["Location"] == "/wallet/privacy?done=exported"
    mail = sent_mail()[-1]
    assert mail["to"] == [EMAIL] and mail["subject"] == "Your Laurel data export"
    link = re.search(r'href="([^"]+)"', mail["body"]).group(1).replace("&amp;", "&")
    assert "X-Amz-Expires=3600" in link and "response-content-disposition=attachment" in link
    archive = zipfile.ZipFile(io.BytesIO(_s3_get(link)))
    names = set(archive.namelist())
    assert {"profile.json", "credentials.json", "imports.json", "README.txt"} <= names
    assert f"images/{grace['accepted']}.png" in names and f"images/{grace['pending']}.png" not in names
    image = archive.read(f"images/{grace['accepted']}.png")
    assert image.startswith(b"\x89PNG") and b"openbadges" in image
    profile = json.loads(archive.read("profile.json"))
    assert sorted(a["email"] for a in profile["addresses"]) == sorted([WORK, EMAIL])
    creds = {c["id"]: c for c in json.loads(archive.read("credentials.json"))}
    assert set(creds) == {grace["accepted"], grace["pending"]}  # never Alan's
    assert [e["event"] for e in creds[grace["accepted"]]["events"]] == ["issued", "accepted"]
    assert creds[grace["pending"]]["recipient"] == {"email": WORK, "first_name": "Grace", "last_name": "Hopper"}
    assert not any(k.startswith("exports/") for k in list_bucket() if "/assets/" in k)


def test_restrict_hides_everything_at_once(client, grace):
    b = grace["browser"]
    csrf = csrf_of(b.text(b.get("/wallet/settings")))
    b.post("/wallet/settings/profile", {"display_name": "Grace", "profile": "public", "csrf": csrf})
    earner_id = next(i for i in scan_table() if i["sk"] == "PROFILE" and i["pk"].startswith("EARNER#"))["earner_id"]
    assert client.http.get(f"/profiles/{earner_id}").status_code == 200
    assert client.http.get(f"/badges/{grace['accepted']}").status_code == 200
    assert b.post("/wallet/restrict", {"csrf": csrf}).status_code == 303
    assert client.http.get(f"/profiles/{earner_id}").status_code == 404
    assert client.http.get(f"/badges/{grace['accepted']}").status_code == 404
    assert client.http.get(f"/badges/{grace['alan']}").status_code == 404  # still pending: untouched either way


def test_delete_account_forgets_the_person_everywhere(client, grace):
    b = grace["browser"]
    stolen = dict(b.cookies)
    csrf = csrf_of(b.text(b.get("/wallet/privacy")))
    b.post("/wallet/export", {"csrf": csrf, "email_hash": ids.email_hash(WORK)})  # a waiting export goes too
    assert any(k.startswith("exports/") for k in list_bucket())
    assert b.post("/wallet/delete", {"csrf": csrf}).status_code == 422  # the confirmation box is required
    res = b.post("/wallet/delete", {"csrf": csrf, "confirm": "delete"})
    assert res.status_code == 200 and "Max-Age=0" in res.headers["Set-Cookie"]

    dump = stored_text()
    for datum in (EMAIL, WORK, "grace", "hopper", ids.email_hash(EMAIL), ids.email_hash(WORK)):
        assert datum.lower() not in dump, datum
    assert "alan@example.com" in dump  # only her
    assert not any(k.startswith("exports/") or f"/{grace['accepted']}/" in k for k in list_bucket())
    for cid in (grace["accepted"], grace["pending"]):
        assert client.http.get(f"/badges/{cid}").status_code == 410
        assert client.http.get(f"/badges/{cid}.json").status_code == 410
    assert client.http.get(f"/ob/v2/assertions/{grace['accepted']}").status_code == 410
    assert client.http.get(f"/ob/v3/credentials/{grace['accepted']}").status_code == 410
    assert client.http.get(f"/badges/{grace['accepted']}/image").status_code == 410
    # her session is gone; the issuer's record of the issuance stays, without her
    assert client.http.get("/wallet", headers={"Cookie": f"laurel_session={stolen['laurel_session']}"}).status_code == 303
    record = body(client.http.get(f"/credentials/{grace['accepted']}", headers=auth(grace["key"])))
    assert record["status"] == "accepted" and record["recipient"]["email"] == ""
    # signing in again with the address starts from nothing
    fresh = Browser(client)
    sign_in(fresh, EMAIL)
    assert "Nothing here yet" in fresh.text(fresh.get("/wallet"))


def test_operators_act_on_requests_by_address(client, grace):
    from chalicelib.services import ops

    op = {"Authorization": f"Bearer {ops.create_operator_key('dpo')}", "Content-Type": "application/json"}
    payload = json.dumps({"email": "alan@example.com"})
    assert client.http.post("/ops/data-requests/erase", headers=auth(grace["key"]), body=payload).status_code == 401
    before = scan_table()
    res = client.http.post("/ops/data-requests/erase", headers=op, body=payload)
    assert res.status_code == 400 and body(res)["error"]["code"] == "confirmation_required"
    assert scan_table() == before
    res = client.http.post("/ops/data-requests/export", headers=op, body=payload)
    assert res.status_code == 202 and sent_mail()[-1]["to"] == ["alan@example.com"]
    res = client.http.post("/ops/data-requests/erase", headers=op, body=json.dumps({"email": "alan@example.com",
                                                                                  "confirm": "erase"}))
    assert res.status_code == 200 and body(res)["credentials"] == 1
    assert "alan@example.com" not in stored_text() and "turing" not in stored_text()
    assert client.http.get(f"/badges/{grace['alan']}").status_code == 410
    assert client.http.get(f"/badges/{grace['accepted']}").status_code == 200  # Grace untouched
    again = client.http.post("/ops/data-requests/erase", headers=op, body=json.dumps({"email": "alan@example.com",
                                                                                    "confirm": "erase"}))
    assert again.status_code == 200 and body(again)["credentials"] == 0


def test_operators_rectify_the_display_name(client, grace):
    from chalicelib.services import ops

    op = {"Authorization": f"Bearer {ops.create_operator_key('dpo')}", "Content-Type": "application/json"}
    res = client.http.post("/ops/data-requests/rectify", headers=op,
                           body=json.dumps({"email": WORK, "display_name": "Grace B. Hopper"}))
    assert res.status_code == 200, res.body
    assert 'value="Grace B. Hopper"' in grace["browser"].text(grace["browser"].get("/wallet/settings"))
    res = client.http.post("/ops/data-requests/rectify", headers=op,
                           body=json.dumps({"email": "nobody@example.com", "display_name": "X"}))
    assert res.status_code == 404
    res = client.http.post("/ops/data-requests/rectify", headers=op,
                           body=json.dumps({"email": EMAIL, "display_name": "bad\u0000name"}))
    assert res.status_code == 422


# ------------------------------------------------------------------ erasure: interrupted, thorough, exact


def _lms_event(client, integration, email, *, course="c1", score=95, event_id="e1", status=200):
    """A signed course completion; `status`: 200 when issued or a retake, 202 when scheduled."""
    raw = json.dumps({"event": "course.completed", "event_id": event_id, "email": email, "first_name": "Grace",
                      "last_name": "Hopper", "course_id": course, "score": score}).encode()
    res = client.http.post(f"/hooks/lms/{integration['id']}", body=raw, headers={
        "Content-Type": "application/json",
        "Laurel-Signature": signature_header([integration["secret"].encode()], int(time.time()), raw)})
    assert res.status_code == status, res.body
    return body(res)


def test_an_interrupted_erasure_finishes_when_run_again(client, monkeypatch):
    from chalicelib.store import credentials as cred_store

    _, key = new_issuer()
    tpl = active_template(client, key)
    lms = body(post(client, "/integrations", key, {"name": "LMS", "rules": {"c1": {"template_id": tpl}}}))
    _lms_event(client, lms, EMAIL)
    b = Browser(client)
    sign_in(b, EMAIL)
    real = cred_store.erase

    def flaky(*args):
        raise TimeoutError("the Lambda ran out of time")

    monkeypatch.setattr(cred_store, "erase", flaky)
    assert delete_account(b).status_code == 500
    monkeypatch.setattr(cred_store, "erase", real)
    assert delete_account(b).status_code == 200
    dump = stored_text()
    assert EMAIL not in dump and "hopper" not in dump


def test_erasure_finds_retakes_and_waiting_rows_in_tenants_without_credentials(client):
    from chalicelib.services import bulk

    _, key = new_issuer("Other Academy")
    tpl = active_template(client, key)
    lms = body(post(client, "/integrations", key, {"name": "LMS", "rules": {
        "c1": {"template_id": tpl, "schedule_weekday": "MON"}}}))
    assert _lms_event(client, lms, EMAIL, status=202)["status"] == "scheduled"
    _, key3 = new_issuer("Third")
    tpl3 = active_template(client, key3)
    lms3 = body(post(client, "/integrations", key3, {"name": "LMS", "rules": {"c1": {"template_id": tpl3}}}))
    assert _lms_event(client, lms3, EMAIL, score=10)["status"] == "retake"
    b = Browser(client)
    sign_in(b, EMAIL)
    assert delete_account(b).status_code == 200
    dump = stored_text()
    assert EMAIL not in dump and "hopper" not in dump
    assert bulk.issue_scheduled("MON") == []  # nothing left to issue to the erased person


def test_erasure_matches_addresses_exactly(client):
    _, key = new_issuer()
    tpl = active_template(client, key)
    tpl2 = active_template(client, key, name="Other")
    lms = body(post(client, "/integrations", key, {"name": "LMS", "rules": {
        "c1": {"template_id": tpl}, "c2": {"template_id": tpl2, "schedule_weekday": "MON"}}}))
    issue(client, key, tpl, email="bob@x.example")
    _lms_event(client, lms, "jimbob@x.example", course="c2", event_id="jim", status=202)
    op = {"Authorization": f"Bearer {ops.create_operator_key('dpo')}", "Content-Type": "application/json"}
    res = client.http.post("/ops/data-requests/erase", headers=op,
                           body=json.dumps({"email": "bob@x.example", "confirm": "erase"}))
    assert res.status_code == 200
    assert [i for i in scan_table() if "#SCHED#" in i["pk"]]  # Jim's waiting row is his
    assert "jimbob@x.example" in stored_text()
    assert not [i for i in scan_table() if i.get("email") == "bob@x.example"]


# ------------------------------------------------------------------ restriction and export limits


def test_restriction_holds_until_the_earner_lifts_it(client):
    _, key = new_issuer()
    tpl = active_template(client, key)
    tpl2 = active_template(client, key, name="Second")
    first = body(issue(client, key, tpl))["id"]
    later = body(issue(client, key, tpl2))["id"]
    token = claim_token_from(sent_mail()[-1]["body"], later)
    b = Browser(client)
    sign_in(b, EMAIL)
    csrf = csrf_of(b.text(b.get("/wallet/privacy")))
    b.post("/wallet/restrict", {"csrf": csrf})
    _accept(b, first)
    assert client.http.get(f"/badges/{first}").status_code == 404  # accepted, but hidden
    res = client.http.post(f"/claim/{later}", headers={"Content-Type": "application/json"},
                           body=json.dumps({"token": token, "decision": "accept"}))
    assert res.status_code == 200 and "/wallet/credentials/" in body(res)["url"]
    assert client.http.get(f"/badges/{later}").status_code == 404  # the claim link too
    b.post(f"/wallet/credentials/{first}/visibility", {"visibility": "public", "csrf": csrf})  # lifting it
    assert client.http.get(f"/badges/{first}").status_code == 200


def test_exports_are_limited_per_day(client):
    b = Browser(client)
    sign_in(b, EMAIL)
    csrf = csrf_of(b.text(b.get("/wallet/privacy")))
    codes = [b.post("/wallet/export", {"csrf": csrf, "email_hash": ids.email_hash(EMAIL)}).status_code
             for _ in range(6)]
    assert codes == [303] * 5 + [429]
