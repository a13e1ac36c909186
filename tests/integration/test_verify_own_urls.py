"""/verify accepts every public URL form Laurel prints (issue 12, item 7) and reaches the
same verdict for each as for the canonical Open Badges documents; the public page has a
"Verify this credential" button that runs those checks without JavaScript."""

from __future__ import annotations

import json
import re

import pytest
from markupsafe import escape

from chalicelib.domain import check_words
from tests.conftest import body, sent_mail
from tests.helpers import active_template, claim_token_from, issue, new_issuer, post

BASE = "https://laurel.test"
EMAIL = "grace@example.com"
OB3_CHECKS = ["URL answers", "contexts", "terms defined", "type", "issuer", "proof present", "verification method",
              "key controlled by issuer", "signature (eddsa-rdfc-2022)", "expiry", "status list", "revocation",
              "recipient"]
JWT_CHECKS = ["URL answers", "JWT structure", "contexts", "terms defined", "type", "issuer", "algorithm", "signature",
              "registered claims", "expiry", "status list", "revocation", "recipient"]
OB2_CHECKS = ["hosted assertion", "json-ld context", "matches hosted copy", "badge class", "json-ld context",
              "issuer profile", "json-ld context", "issuer origin", "expiry", "revocation list", "revocation",
              "recipient"]


def _credential(client, **extra) -> tuple[str, str]:
    _, key = new_issuer()
    tpl = active_template(client, key)
    cid = body(issue(client, key, tpl, **extra))["id"]
    token = claim_token_from(sent_mail()[-1]["body"], cid)
    assert post(client, f"/claim/{cid}", None, {"token": token, "decision": "accept"}).status_code == 200
    return key, cid


def _verify(client, url: str) -> dict:
    res = post(client, "/verify", None, {"url": url, "email": EMAIL})
    assert res.status_code == 200, res.body
    return body(res)


def _names(report) -> list[str]:
    return [c["check"] for c in report["checks"]]


def _failed(report) -> list[dict]:
    return [c for c in report["checks"] if not c["ok"]]


@pytest.fixture()
def valid(client):
    return _credential(client)[1]


def test_the_page_url_verifies_like_the_ob3_document(client, valid):
    report = _verify(client, f"{BASE}/badges/{valid}")
    assert report["result"] == "valid", _failed(report)
    assert report["format"] == "Open Badges 3.0 (Data Integrity)"
    assert _names(report) == OB3_CHECKS and _failed(report) == []
    canonical = _verify(client, f"{BASE}/ob/v3/credentials/{valid}")
    assert [(c["check"], c["ok"]) for c in report["checks"][1:]] == [(c["check"], c["ok"]) for c in canonical["checks"][1:]]
    assert report["credential"] == canonical["credential"]


def test_the_page_json_url_verifies_like_the_ob3_document(client, valid):
    report = _verify(client, f"{BASE}/badges/{valid}.json")
    assert report["result"] == "valid", _failed(report)
    assert _names(report) == OB3_CHECKS and _failed(report) == []
    assert report["credential"]["id"] == f"{BASE}/ob/v3/credentials/{valid}"


def test_the_ob2_assertion_url_verifies(client, valid):
    report = _verify(client, f"{BASE}/ob/v2/assertions/{valid}")
    assert report["result"] == "valid", _failed(report)
    assert report["format"] == "Open Badges 2.0"
    assert _names(report)[-len(OB2_CHECKS):] == OB2_CHECKS and _failed(report) == []


def test_the_ob3_credential_url_verifies(client, valid):
    report = _verify(client, f"{BASE}/ob/v3/credentials/{valid}")
    assert report["result"] == "valid", _failed(report)
    assert _names(report) == OB3_CHECKS and _failed(report) == []


def test_the_jwt_url_verifies(client, valid):
    report = _verify(client, f"{BASE}/ob/v3/credentials/{valid}.jwt")
    assert report["result"] == "valid", _failed(report)
    assert report["format"] == "Open Badges 3.0 (VC-JWT)"
    assert _names(report) == JWT_CHECKS and _failed(report) == []


FORMS = ["/badges/{}", "/badges/{}.json", "/ob/v2/assertions/{}", "/ob/v3/credentials/{}", "/ob/v3/credentials/{}.jwt"]


def test_every_form_says_revoked_once_revoked(client):
    key, cid = _credential(client)
    post(client, f"/credentials/{cid}/revoke", key, {"reason": "Exam misconduct"})
    for form in FORMS:
        report = _verify(client, BASE + form.format(cid))
        assert report["result"] == "revoked", (form, report)
        assert {c["check"]: c["ok"] for c in report["checks"]}["revocation"] is False


def test_every_form_says_expired_once_expired(client):
    _, cid = _credential(client, issued_at="2020-01-01", expires_at="2021-01-01")
    for form in FORMS:
        report = _verify(client, BASE + form.format(cid))
        assert report["result"] == "expired", (form, report)
        assert {c["check"]: c for c in report["checks"]}["expiry"]["detail"] == "expired on 2021-01-01T00:00:00Z"
        assert [c for c in _failed(report) if c["check"] != "expiry"] == []


def test_a_foreign_laurel_page_verifies_over_http_like_our_own(client, valid, monkeypatch):
    """What a verifier elsewhere does with the page URL: it asks for JSON-LD (the
    verifier's Accept header) and gets the credential document at that same URL."""
    from chalicelib.adapters import fetch
    from chalicelib.openbadges import media
    from chalicelib.services import badge_check

    seen = []

    def over_http(url, policy, *, accept):
        seen.append(accept)
        path = url.split("https://other-laurel.example", 1)[1]
        res = client.http.get(path, headers={"Accept": accept})
        return fetch.Fetched(url, res.status_code, res.headers.get("Content-Type", ""), res.body)

    monkeypatch.setattr(badge_check.fetching.http_fetch, "fetch", over_http)
    report = _verify(client, f"https://other-laurel.example/badges/{valid}")
    assert seen[0] == media.VERIFIER_ACCEPT
    # the document it got is our credential, whose links point back here: the checks go on locally
    assert report["checks"][0] == {"check": "URL answers", "ok": True,
                                   "detail": f"https://other-laurel.example/badges/{valid} answered 200",
                                   "says": "The badge's web address is online."}
    assert report["result"] == "valid", _failed(report)


def test_content_negotiation_on_the_page_url(client, valid):
    page = client.http.get(f"/badges/{valid}", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    doc = client.http.get(f"/badges/{valid}", headers={"Accept": "application/ld+json"})
    assert doc.status_code == 200 and doc.headers["Content-Type"] == "application/ld+json"
    assert json.loads(doc.body) == json.loads(client.http.get(f"/ob/v3/credentials/{valid}").body)
    assert doc.headers["Vary"] == "Accept"
    jwt = client.http.get(f"/badges/{valid}", headers={"Accept": "application/vc+jwt"})
    assert jwt.body == client.http.get(f"/ob/v3/credentials/{valid}.jwt").body
    summary = client.http.get(f"/badges/{valid}", headers={"Accept": "application/json"})
    assert body(summary)["status"] == "valid" and "@context" not in body(summary)
    assert body(client.http.get(f"/badges/{valid}.json")) == body(summary)
    assert "@context" in body(client.http.get(f"/badges/{valid}.json", headers={"Accept": "application/ld+json"}))


def _multipart(fields: dict[str, str]) -> tuple[str, bytes]:
    boundary = "laurelboundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields.items()]
    return f"multipart/form-data; boundary={boundary}", ("".join(parts) + f"--{boundary}--\r\n").encode()


def test_the_page_has_a_verify_button_that_shows_every_check(client, valid):
    html = client.http.get(f"/badges/{valid}").body.decode()
    form = re.search(r'<form[^>]*id="verify-this"[^>]*>(.*?)</form>', html, re.S)
    assert form, html
    tag = form.group(0)
    assert 'method="post"' in tag and f'action="{BASE}/verify"' in tag and 'enctype="multipart/form-data"' in tag
    fields = dict(re.findall(r'<input type="hidden" name="([a-z]+)" value="([^"]*)">', form.group(1)))
    assert fields == {"text": f"{BASE}/badges/{valid}"}
    assert re.search(r'<button type="submit"[^>]*>Verify this credential</button>', form.group(1))
    assert "<script" not in html
    content_type, payload = _multipart(fields)
    res = client.http.post("/verify", headers={"Content-Type": content_type}, body=payload)
    assert res.status_code == 200 and res.headers["Content-Type"].startswith("text/html")
    report = res.body.decode()
    assert '<span class="status valid" role="status">Valid</span>' in report
    for check in OB3_CHECKS[:-1]:  # no address was given: no recipient check
        # in plain words, the technical name folded (issue 18, rule 7)
        row = (rf'<tr class="passed"><td>{re.escape(str(escape(check_words.says(check, True))))}\s*'
               rf'<details><summary>Technical detail</summary><p><code>{re.escape(check)}</code>')
        assert re.search(row, report), check
