"""The organization's settings in the console (issue 14, item 6): profile, logo, and the
mail branding (sender's display name, reply-to address, logo, footer) that every mail
Laurel sends on the organization's behalf carries — one test per kind of mail."""

from __future__ import annotations

import io
import json
import time
from datetime import timedelta
from email.header import decode_header, make_header
from email.utils import parseaddr

import pytest
from urllib3 import encode_multipart_formdata

from chalicelib.domain.webhooks import signature_header
from tests.aws_calls import requests
from tests.conftest import body, list_bucket, scan_table, sent_mail
from tests.console_helpers import console_csrf, member, new_organization, sign_in
from tests.helpers import PNG, active_template, auth, claim_token_from, issue, post

SENDER = "badges@laurel.test"  # LAUREL_MAIL_FROM in tests/conftest.py
BRANDING = {"from_name": "Acme Academy Badges", "reply_to": "help@acme.example",
            "footer": "Acme Academy · 1 Main Street, Springfield\nQuestions? help@acme.example"}


@pytest.fixture()
def org(client):
    tenant_id, key = new_organization("Acme Academy", "ada@acme.example")
    admin = sign_in(client, "ada@acme.example")
    return {"tenant_id": tenant_id, "key": key, "admin": admin, "client": client}


def _form(browser, path: str, **fields):
    return browser.post(path, {"csrf": console_csrf(browser), **fields})


def _upload(browser, png: bytes, name: str = "logo", filename: str = "logo.png", ctype: str = "image/png"):
    payload, content_type = encode_multipart_formdata({"csrf": console_csrf(browser), name: (filename, png, ctype)})
    return browser._keep(browser.client.http.post("/console/settings/logo",
                                                  headers=browser._headers({"Content-Type": content_type}),
                                                  body=payload))


def _issuer(tenant_id: str):
    from chalicelib.store import issuers

    return issuers.get_issuer(tenant_id)


def _brand(org, **fields) -> None:
    res = _form(org["admin"], "/console/settings/mail", **{**BRANDING, **fields})
    assert res.status_code == 303 and res.headers["Location"] == "/console/settings?saved=mail", res.body


def _logo(org) -> str:
    assert _upload(org["admin"], PNG).status_code == 303
    return f"https://assets.laurel.test/{_issuer(org['tenant_id']).logo_key}"


# ------------------------------------------------------------------ profile


def test_an_admin_saves_the_profile_and_new_credentials_carry_it(org, client):
    res = _form(org["admin"], "/console/settings", name="Acme Academy of Data", url="https://data.acme.example",
                email="office@acme.example", linkedin_organization_id="12345678")
    assert res.status_code == 303 and res.headers["Location"] == "/console/settings?saved=profile"
    profile = body(client.http.get("/issuer", headers=auth(org["key"])))
    assert (profile["name"], profile["url"], profile["email"], profile["linkedin_organization_id"]) == \
        ("Acme Academy of Data", "https://data.acme.example/", "office@acme.example", "12345678")
    page = org["admin"].text(org["admin"].get("/console/settings?saved=profile"))
    assert "The profile was saved." in page and 'value="Acme Academy of Data"' in page
    tpl = active_template(client, org["key"])
    cred = body(issue(client, org["key"], tpl))
    assert cred["issuer"]["name"] == "Acme Academy of Data"
    # a blank LinkedIn id removes it
    _form(org["admin"], "/console/settings", name="Acme Academy of Data", url="https://data.acme.example",
          email="office@acme.example", linkedin_organization_id="")
    assert _issuer(org["tenant_id"]).linkedin_organization_id is None


@pytest.mark.parametrize("fields, words", [
    ({"name": ""}, "name"),
    ({"name": "Acme\nAcademy"}, "name"),
    ({"url": "not a website"}, "url"),
    ({"url": "javascript:alert(1)"}, "url"),
    ({"email": "office"}, "email"),
    ({"linkedin_organization_id": "acme-academy"}, "LinkedIn organization id is the number"),
])
def test_bad_profile_input_says_what_is_wrong_and_stores_nothing(org, fields, words):
    before = scan_table()
    form = {"name": "Acme", "url": "https://acme.example", "email": "office@acme.example", **fields}
    res = _form(org["admin"], "/console/settings", **form)
    assert res.status_code == 422 and words in org["admin"].text(res), org["admin"].text(res)[-1500:]
    assert scan_table() == before


def test_members_who_may_not_edit_see_the_settings_without_forms(org, client):
    rita = member(client, org["tenant_id"], "rita@acme.example", "read_only", org["admin"])
    page = rita.text(rita.get("/console/settings"))
    assert "Acme Academy" in page and 'action="/console/settings' not in page
    before = scan_table()
    res = _form(rita, "/console/settings/mail", **BRANDING)
    assert res.status_code == 403 and scan_table() == before


# ------------------------------------------------------------------ logo


def test_a_logo_upload_is_stored_and_shown(org):
    res = _upload(org["admin"], PNG)
    assert res.status_code == 303 and res.headers["Location"] == "/console/settings?saved=logo"
    key = _issuer(org["tenant_id"]).logo_key
    assert key in list_bucket()
    page = org["admin"].text(org["admin"].get("/console/settings"))
    assert f'src="https://assets.laurel.test/{key}"' in page and 'alt="The logo of Acme Academy"' in page


def _big_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (3000, 10)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("png, status, words", [
    (b"GIF89a not a png", 422, "must be a PNG"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, 422, "not a readable PNG"),
    (b"", 422, "choose a PNG file"),
    ("big", 422, "at most 2048x2048"),
])
def test_a_bad_logo_says_why_and_stores_nothing(org, png, status, words):
    png = _big_png() if png == "big" else png
    before, objects = scan_table(), list_bucket()
    res = _upload(org["admin"], png)
    assert res.status_code == status and words in org["admin"].text(res), org["admin"].text(res)[-1500:]
    assert scan_table() == before and list_bucket() == objects


def test_a_logo_must_come_from_the_upload_form(org):
    before = scan_table()
    res = _form(org["admin"], "/console/settings/logo", logo="iVBORw0KGgo=")
    assert res.status_code == 415 and "upload form" in org["admin"].text(res)
    assert scan_table() == before


# ------------------------------------------------------------------ mail branding: the settings


def test_branding_is_saved_shown_and_cleared(org):
    _brand(org)
    item = _issuer(org["tenant_id"])
    assert (item.mail_from_name, item.mail_reply_to, item.mail_footer) == \
        (BRANDING["from_name"], BRANDING["reply_to"], BRANDING["footer"])
    page = org["admin"].text(org["admin"].get("/console/settings"))
    assert "Acme Academy Badges &lt;badges@laurel.test&gt;" in page and 'value="help@acme.example"' in page
    _brand(org, from_name="", reply_to="", footer="")
    item = _issuer(org["tenant_id"])
    assert (item.mail_from_name, item.mail_reply_to, item.mail_footer) == (None, None, None)


@pytest.mark.parametrize("fields, words", [
    ({"from_name": "Acme\r\nBcc: victim@example.com"}, "one line of text"),
    ({"from_name": "A" * 65}, "at most 64 characters"),
    ({"from_name": "security@bank.example"}, "cannot contain @, &lt; or &gt;"),
    ({"from_name": "Acme \u202eevil"}, "one line of text"),
    ({"reply_to": "help at acme"}, "reply-to address is not a valid email address"),
    ({"footer": "x" * 501}, "at most 500 are allowed"),
    ({"footer": "bell \x07 here"}, "plain text"),
])
def test_bad_branding_says_what_is_wrong_and_stores_nothing(org, fields, words):
    before = scan_table()
    res = _form(org["admin"], "/console/settings/mail", **{**BRANDING, **fields})
    assert res.status_code == 422 and words in org["admin"].text(res), org["admin"].text(res)[-1500:]
    assert scan_table() == before


# ------------------------------------------------------------------ mail branding: every mail


def _sent(calls) -> list[dict]:
    """The SendEmail requests made (what SES was asked to send, Reply-To and text part included)."""
    return [c.params for c in calls if c.name == "sesv2.SendEmail"]


def _assert_branded(request: dict, logo_url: str | None = None) -> None:
    assert request["FromEmailAddress"] == f"Acme Academy Badges <{SENDER}>"
    assert request["ReplyToAddresses"] == ["help@acme.example"]
    text = request["Content"]["Simple"]["Body"]["Text"]["Data"]
    html = request["Content"]["Simple"]["Body"]["Html"]["Data"]
    assert text.rstrip().endswith("--\n" + BRANDING["footer"]), text
    assert "Acme Academy · 1 Main Street, Springfield<br>\nQuestions? help@acme.example" in html, html
    if logo_url:
        assert f'<img src="{logo_url}" alt="Acme Academy"' in html, html
    recorded = sent_mail()[-1]  # what the embedded SES kept
    assert recorded["from"] == f"Acme Academy Badges <{SENDER}>" and BRANDING["footer"].split("\n")[1] in recorded["body"]


@pytest.fixture()
def branded(org, client):
    logo = _logo(org)
    _brand(org)
    org["logo"] = logo
    org["tpl"] = active_template(client, org["key"])
    return org


def _issued(org, client, email="grace@example.com", **extra) -> dict:
    res = issue(client, org["key"], org["tpl"], email=email, **extra)
    assert res.status_code == 201, res.body
    return body(res)


def test_the_claim_mail_is_branded(branded, client):
    with requests() as calls:
        _issued(branded, client)
    [request] = _sent(calls)
    _assert_branded(request, branded["logo"])


def test_the_resent_claim_mail_is_branded(branded, client):
    cred = _issued(branded, client, suppress_email=True)
    with requests() as calls:
        res = _form(branded["admin"], f"/console/credentials/{cred['id']}/resend", confirm="yes")
    assert res.status_code == 303
    [request] = _sent(calls)
    _assert_branded(request, branded["logo"])
    assert f"/claim/{cred['id']}?token=" in request["Content"]["Simple"]["Body"]["Text"]["Data"]


def test_the_revocation_notice_is_branded(branded, client):
    cred = _issued(branded, client, suppress_email=True)
    with requests() as calls:
        res = _form(branded["admin"], f"/console/credentials/{cred['id']}/revoke", reason="Withdrawn", confirm="yes")
    assert res.status_code == 303
    [request] = _sent(calls)
    _assert_branded(request, branded["logo"])
    assert "was revoked" in request["Content"]["Simple"]["Subject"]["Data"]


def test_the_retake_mail_is_branded(branded, client):
    res = post(client, "/integrations", branded["key"], {"name": "Academy LMS", "rules": {
        "cloud-101": {"template_id": branded["tpl"], "retake_text": "Book your retake."}}})
    integration = body(res)
    raw = json.dumps({"event": "course.completed", "event_id": "e1", "email": "lea@example.com", "first_name": "Lea",
                      "last_name": "Rner", "course_id": "cloud-101", "score": 50}).encode()
    header = signature_header([integration["secret"].encode()], int(time.time()), raw)
    with requests() as calls:
        res = client.http.post(f"/hooks/lms/{integration['id']}", body=raw,
                               headers={"Content-Type": "application/json", "Laurel-Signature": header})
    assert body(res)["status"] == "retake"
    [request] = _sent(calls)
    _assert_branded(request, branded["logo"])
    assert "retake" in request["Content"]["Simple"]["Subject"]["Data"]


def _accepted(org, client, **extra) -> dict:
    cred = _issued(org, client, **extra)
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    assert post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"}).status_code == 200
    return cred


def test_the_expiry_reminder_is_branded(branded, client):
    from chalicelib.services import clock, expiry

    today = clock.utcnow().date()
    _accepted(branded, client, expires_at=(today + timedelta(days=30)).isoformat())
    from tests.helpers import run_events_queue

    expiry.sweep(today)
    with requests() as calls:  # the sweep queues the mail; the events worker sends it
        run_events_queue(client)
    [request] = _sent(calls)
    _assert_branded(request, branded["logo"])
    assert "expires on" in request["Content"]["Simple"]["Subject"]["Data"]


def test_the_expiry_notice_is_branded(branded, client):
    from chalicelib.services import clock, expiry

    today = clock.utcnow().date()
    _accepted(branded, client, issued_at="2020-01-01", expires_at=today.isoformat())
    from tests.helpers import run_events_queue

    expiry.sweep(today)
    with requests() as calls:  # the sweep queues the mail; the events worker sends it
        run_events_queue(client)
    [request] = _sent(calls)
    _assert_branded(request, branded["logo"])
    assert "has expired" in request["Content"]["Simple"]["Subject"]["Data"]


def test_the_invitation_to_the_console_is_branded(branded):
    with requests() as calls:
        res = _form(branded["admin"], "/console/members", email="ian@acme.example", role="issuer")
    assert res.status_code == 303
    [request] = _sent(calls)
    _assert_branded(request, branded["logo"])
    assert "invited" in request["Content"]["Simple"]["Subject"]["Data"]


def test_mail_laurel_sends_in_its_own_name_carries_no_branding(branded, client):
    with requests() as calls:
        sign_in(client, "ada@acme.example")
    [request] = _sent(calls)
    assert request["FromEmailAddress"] == SENDER and "ReplyToAddresses" not in request
    assert "Springfield" not in request["Content"]["Simple"]["Body"]["Html"]["Data"]


def test_branding_is_read_when_each_mail_is_sent(branded, client):
    """Credentials keep the issuer as it was when they were issued, but mails about them
    go out under the organization's branding of the day they are sent."""
    cred = _issued(branded, client, suppress_email=True)
    _brand(branded, from_name="Acme Credentials Office", footer="")
    with requests() as calls:
        _form(branded["admin"], f"/console/credentials/{cred['id']}/resend", confirm="yes")
    [request] = _sent(calls)
    assert request["FromEmailAddress"] == f"Acme Credentials Office <{SENDER}>"
    assert "Springfield" not in request["Content"]["Simple"]["Body"]["Text"]["Data"]


def test_a_sender_name_is_quoted_and_encoded_as_rfc_5322_wants(branded, client):
    for name, expected in [("Acme, Inc. \"Academy\"", f'"Acme, Inc. \\"Academy\\"" <{SENDER}>'),
                           ("Académie Zürich", None)]:
        _brand(branded, from_name=name)
        with requests() as calls:
            _issued(branded, client, email=f"p{len(name)}@example.com")
        [request] = _sent(calls)
        sender = request["FromEmailAddress"]
        assert sender.isascii(), sender
        if expected:
            assert sender == expected
        display, address = parseaddr(sender)
        assert str(make_header(decode_header(display))) == name and address == SENDER
        assert parseaddr(sent_mail()[-1]["from"])[1] == SENDER  # SES (moto) took it as the verified sender
