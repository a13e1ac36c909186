"""Issue 19, item 6 on the wallet, sign-in, verification and status pages: each answers
in the visitor's language (`?lang=` first, then Accept-Language), says so in
`<html lang>` and `Content-Language`, tells caches that it varies by Accept-Language,
writes its dates the language's way and links to the other languages."""

from __future__ import annotations

import re

import pytest

from chalicelib import i18n
from tests.conftest import body, sent_mail
from tests.helpers import Browser, active_template, claim_token_from, issue, new_issuer, post, sign_in, signin_mail

BASE = "https://laurel.test"
EMAIL = "grace@example.com"
DE = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


def _text(res) -> str:
    return res.body.decode() if isinstance(res.body, bytes) else res.body


def _in_language(res, tag: str) -> str:
    """The page's HTML, after checking it says it is in `tag` and that caches key on the header."""
    assert res.status_code == 200, res.body
    html = _text(res)
    assert re.search(r'<html lang="([^"]+)"', html).group(1) == tag
    assert res.headers["Content-Language"] == tag
    assert "Accept-Language" in [v.strip() for v in res.headers.get("Vary", "").split(",")], res.headers
    return html


def _date(value: str, locale: str) -> str:
    with i18n.using(locale):
        return i18n.format_date(value)


@pytest.fixture()
def held(client):
    """Grace holds one accepted credential and has one waiting for her decision; her browser is signed in."""
    _, key = new_issuer()
    tpl = active_template(client, key)
    accepted = body(issue(client, key, tpl, email=EMAIL))
    token = claim_token_from(sent_mail()[-1]["body"], accepted["id"])
    assert post(client, f"/claim/{accepted['id']}", None, {"token": token, "decision": "accept"}).status_code == 200
    pending = body(issue(client, key, active_template(client, key, name="Compiler Pioneer"), email=EMAIL))
    b = Browser(client)
    sign_in(b, EMAIL)
    return b, accepted, pending


def test_the_wallet_answers_in_german_for_accept_language_de_with_german_dates(held):
    b, accepted, pending = held
    html = _in_language(b.get("/wallet", DE), "de")
    issued = _date(accepted["issued_at"], "de")
    assert re.search(r"\d+\. \w+ \d{4}", issued)  # "1. Dezember 2026"
    assert issued in html and _date(pending["issued_at"], "de") in html
    assert accepted["issued_at"][:10] not in html  # not the ISO date any more


def test_the_wallet_answers_in_japanese_for_lang_ja_even_when_the_browser_asks_for_german(held):
    b, accepted, _ = held
    html = _in_language(b.get("/wallet?lang=ja", DE), "ja")
    assert _date(accepted["issued_at"], "ja") in html and "年" in _date(accepted["issued_at"], "ja")
    # the footer links to every other language at the same address, the current one is not a link
    assert '<span lang="ja" aria-current="true">日本語</span>' in html
    for tag, name in (("en", "English"), ("de", "Deutsch"), ("pt-BR", "Português (Brasil)"), ("es", "Español"),
                      ("fr", "Français")):
        assert f'<a href="?lang={tag}" lang="{tag}" hreflang="{tag}">{name}</a>' in html


def test_the_privacy_page_follows_the_language(held):
    b, _, _ = held
    _in_language(b.get("/wallet/privacy", DE), "de")
    _in_language(b.get("/wallet/privacy?lang=ja"), "ja")


def test_the_sign_in_pages_follow_the_language(client):
    b = Browser(client)
    html = _in_language(b.get("/signin", DE), "de")
    _in_language(b.get("/signin?lang=ja"), "ja")
    csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    _in_language(b.post("/signin", {"email": EMAIL, "csrf": csrf}, DE), "de")
    login_id, token, _ = signin_mail(EMAIL)
    _in_language(b.get(f"/signin/{login_id}?token={token}&lang=ja"), "ja")
    _in_language(b.get(f"/signin/{login_id}?token={token}", DE), "de")


def test_a_refusal_page_is_in_the_visitors_language(client):
    b = Browser(client)
    res = b.post("/wallet/restrict", {"csrf": "x"}, DE)  # no session: the session-ended page
    assert res.status_code == 401
    assert re.search(r'<html lang="de">', _text(res)) and res.headers["Content-Language"] == "de"


def test_the_verify_form_and_report_follow_the_language_with_localised_dates(client):
    _in_language(client.http.get("/verify", headers=DE), "de")
    _in_language(client.http.get("/verify?lang=ja"), "ja")
    _, key = new_issuer()
    issued = body(issue(client, key, active_template(client, key)))
    cid = issued["id"]
    token = claim_token_from(sent_mail()[-1]["body"], cid)  # accepted: its page and documents are public
    assert post(client, f"/claim/{cid}", None, {"token": token, "decision": "accept"}).status_code == 200
    boundary = "b0undary"
    form = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n{BASE}/ob/v3/credentials/{cid}\r\n"
            f"--{boundary}--\r\n")
    for query, headers, tag, locale in (("", DE, "de", "de"), ("?lang=ja", {}, "ja", "ja")):
        res = client.http.post(f"/verify{query}", headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                                                            **headers}, body=form.encode())
        html = _in_language(res, tag)
        assert _date(issued["issued_at"], locale) in html, tag
        assert issued["issued_at"] not in html


def test_the_status_page_follows_the_language(client):
    html = _in_language(client.http.get("/status", headers=DE), "de")
    generated = re.search(r'<p class="muted">([^<]+)</p>', html).group(1)
    assert "Dezember" in generated or re.search(r"\d{2}\.\d{2}\.\d{4}", generated), generated
    _in_language(client.http.get("/status?lang=ja"), "ja")
