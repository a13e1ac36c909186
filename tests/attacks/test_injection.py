"""Injection: markup in every text field that reaches a page or a mail is shown as
text; script URLs are refused in every URL field; SVG images lose their scripts."""

from __future__ import annotations

import json

import pytest

from tests.conftest import body, sent_mail
from tests.helpers import PNG, Browser, auth, claim_token_from, csrf_of, issue, post, sign_in

XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'"
RAW = ("<script>alert(1)", "<img src=x", "onerror=alert(2)>")


def _clean(text: str, where: str) -> None:
    for fragment in RAW:
        assert fragment not in text, f"{fragment!r} unescaped in {where}"
    assert "&lt;script&gt;" in text, f"the payload is not shown as text in {where}"


@pytest.fixture()
def hostile(client):
    """An issuer, a template, a credential and an earner whose every free text is a payload."""
    from chalicelib.schemas import IssuerIn
    from chalicelib.services import issuers, ops

    issuer, key = issuers.create_issuer(IssuerIn(name=f"Acme {XSS}", url="https://acme.example",
                                                 email="badges@acme.example"))
    tpl = body(post(client, "/templates", key, {
        "name": f"Badge {XSS}", "description": f"Description {XSS}", "skills": [f"Skill {XSS}"],
        "criteria": {"narrative": f"Criteria {XSS}", "url": "https://acme.example/criteria?a=<b>"}}))["id"]
    client.http.put(f"/templates/{tpl}/image", headers={**auth(key), "Content-Type": "image/png"}, body=PNG)
    post(client, f"/templates/{tpl}/activate", key, b"")
    cred = body(issue(client, key, tpl, first_name=f"Grace {XSS}", last_name=f"Hopper {XSS}",
                      evidence=[{"name": f"Evidence {XSS}", "narrative": f"Narrative {XSS}",
                                 "url": "https://acme.example/e?<x>"}]))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    return {"key": key, "tpl": tpl, "cred": cred["id"], "token": token, "operator": ops.create_operator_key("t")}


def test_every_page_and_mail_shows_payloads_as_text(client, hostile):
    cid = hostile["cred"]
    claim_page = client.http.get(f"/claim/{cid}?token={hostile['token']}").body.decode()
    _clean(claim_page, "the claim page")
    _clean(sent_mail()[-1]["body"], "the claim mail")
    earner = Browser(client)
    sign_in(earner, "grace@example.com")
    _clean(earner.text(earner.get("/wallet")), "the wallet")
    csrf = csrf_of(earner.text(earner.get("/wallet")))
    earner.post(f"/wallet/credentials/{cid}/decision", {"decision": "accept", "csrf": csrf})
    _clean(earner.text(earner.get(f"/wallet/credentials/{cid}")), "the wallet's credential page")
    earner.post("/wallet/settings/profile", {"display_name": f"Me {XSS}", "profile": "public", "csrf": csrf})
    settings = earner.text(earner.get("/wallet/settings"))
    _clean(settings, "the settings page")
    profile_url = settings.split('id="profile-link">')[1].split("<")[0].replace("https://laurel.test", "")
    _clean(client.http.get(profile_url).body.decode(), "the public profile")
    _clean(client.http.get(f"/badges/{cid}").body.decode(), "the verification page")
    post(client, f"/credentials/{cid}/revoke", hostile["key"], {"reason": f"Reason {XSS}"})
    revoked_page = client.http.get(f"/badges/{cid}").body.decode()
    assert "Reason &lt;script&gt;" in revoked_page
    _clean(revoked_page, "the revoked verification page")
    _clean(sent_mail()[-1]["body"], "the revocation mail")
    op = {"Authorization": f"Bearer {hostile['operator']}", "Content-Type": "application/json"}
    client.http.post("/ops/maintenance", headers=op, body=json.dumps(
        {"start": "2026-11-01T00:00:00Z", "end": "2026-11-01T01:00:00Z", "reason": f"Window {XSS}"}))
    sla = client.http.get("/ops/sla?month=2026-11", headers={"Authorization": op["Authorization"], "Accept": "text/html"})
    assert sla.status_code == 200
    text = sla.body.decode()
    assert all(fragment not in text for fragment in RAW)


def test_json_documents_carry_payloads_verbatim_but_never_as_html(client, hostile):
    """JSON is not HTML: payloads stay data, served with a JSON content type and nosniff-safe."""
    cid = hostile["cred"]
    csrf_free = client.http.get(f"/ob/v2/assertions/{cid}")
    assert csrf_free.status_code == 404  # not accepted yet: nothing public
    res = client.http.get(f"/credentials/{cid}", headers=auth(hostile["key"]))
    assert res.headers["Content-Type"] == "application/json"
    assert body(res)["recipient"]["first_name"] == f"Grace {XSS}"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
                                 "vbscript:msgbox(1)", "file:///etc/passwd"])
def test_script_urls_are_refused_in_every_url_field(client, hostile, url):
    key, tpl = hostile["key"], hostile["tpl"]
    attempts = [
        ("PATCH", "/issuer", {"url": url}),
        ("POST", "/templates", {"name": "n", "description": "d", "criteria": {"url": url}}),
        ("POST", "/credentials", {"template_id": tpl, "email": "a@example.com", "first_name": "A", "last_name": "B",
                                  "evidence": [{"url": url}]}),
        ("POST", "/webhooks/endpoints", {"url": url, "event_types": ["credential.created"]}),
    ]
    for method, path, payload in attempts:
        res = client.http.request(method, path, headers=auth(key), body=json.dumps(payload))
        assert res.status_code == 422, (path, res.status_code, res.body)
    res = post(client, "/verify", None, {"url": url})
    assert res.status_code == 200 and body(res)["result"] == "invalid", res.body  # a verdict, never a fetch


SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="64" height="64">{}</svg>'
HOSTILE_SVGS = {
    "script element": "<script>alert(1)</script>",
    "event handler": '<circle r="10" onload="alert(2)"/>',
    "script link": '<a xlink:href="javascript:alert(3)"><rect width="5" height="5"/></a>',
    "foreign html": '<foreignObject><iframe src="https://evil.example"></iframe></foreignObject>',
    "remote image": '<image href="https://tracker.example/pixel.png" width="5" height="5"/>',
    "style with url": '<style>circle { fill: url(https://tracker.example/x) }</style>',
}
XXE = (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>')


@pytest.mark.parametrize("name", sorted(HOSTILE_SVGS) + ["external entity"])
def test_svg_images_with_active_content_are_refused(client, hostile, name):
    from tests.conftest import list_bucket

    key = hostile["key"]
    tpl = body(post(client, "/templates", key, {"name": "Vector", "description": "d",
                                                "criteria": {"narrative": "n"}}))["id"]
    before = list_bucket()
    data = XXE if name == "external entity" else SVG.format(HOSTILE_SVGS[name]).encode()
    res = client.http.put(f"/templates/{tpl}/image", headers={**auth(key), "Content-Type": "image/svg+xml"}, body=data)
    assert res.status_code == 422 and body(res)["error"]["code"] == "invalid_image", res.body
    assert list_bucket() == before
    clean = SVG.format('<circle cx="32" cy="32" r="20" fill="#2c4fb8"/>').encode()
    res = client.http.put(f"/templates/{tpl}/image", headers={**auth(key), "Content-Type": "image/svg+xml"}, body=clean)
    assert res.status_code == 200, res.body
