"""The language of the pages about one credential (issue 19: "the language comes from the
earner's setting, else the issue request's `locale` (API, bulk CSV column, LMS rule), else
`Accept-Language`"): its public page and preview, its claim page and the page after
accepting, and the links the earner shares from the wallet."""

from __future__ import annotations

import html as html_mod
import re

import pytest

from tests.conftest import body, sent_mail
from tests.helpers import Browser, active_template, claim_token_from, csrf_of, issue, new_issuer, post, sign_in


@pytest.fixture()
def issuer(client):
    _, key = new_issuer()
    return key, active_template(client, key)


def _lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page).group(1)


def _get(client, path: str, accept_language: str | None = None):
    headers = {"Accept": "text/html", **({"Accept-Language": accept_language} if accept_language else {})}
    return client.http.get(path, headers=headers)


def test_the_public_page_is_in_the_issue_locale_unless_the_visitor_asks(client, issuer):
    key, tpl = issuer
    cred = body(issue(client, key, tpl, email="yuki@example.com", locale="ja"))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    assert post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"}).status_code == 200
    page = _get(client, f"/badges/{cred['id']}", "de")
    assert _lang(page.body.decode()) == "ja"  # the issue's locale before the visitor's browser
    assert page.headers["Content-Language"] == "ja"
    assert _lang(_get(client, f"/badges/{cred['id']}?lang=fr", "de").body.decode()) == "fr"  # an explicit choice


def test_without_an_issue_locale_the_visitors_browser_decides(client, issuer):
    key, tpl = issuer
    cred = body(issue(client, key, tpl, email="ann@example.com"))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    assert post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"}).status_code == 200
    assert _lang(_get(client, f"/badges/{cred['id']}", "pt-BR,pt;q=0.9").body.decode()) == "pt-BR"
    assert _lang(_get(client, f"/badges/{cred['id']}").body.decode()) == "en"


def test_the_claim_page_follows_the_earners_setting_then_the_issue_locale(client, issuer):
    key, tpl = issuer
    earner = Browser(client)
    sign_in(earner, "lin@example.com")
    csrf = csrf_of(earner.text(earner.get("/wallet/settings")))
    assert earner.post("/wallet/settings/language", {"locale": "es", "csrf": csrf}).status_code == 303
    cred = body(issue(client, key, tpl, email="lin@example.com", locale="ja"))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    page = _get(client, f"/claim/{cred['id']}?token={token}", "de").body.decode()
    assert _lang(page) == "es"
    # the form posts back in the same language: the page after accepting is in it too
    action = html_mod.unescape(re.search(r'<form method="post" action="([^"]+)"', page).group(1))
    assert action.endswith("?lang=es")
    other = body(issue(client, key, tpl, email="nobody@example.com", locale="ja"))
    token2 = claim_token_from(sent_mail()[-1]["body"], other["id"])
    assert _lang(_get(client, f"/claim/{other['id']}?token={token2}", "de").body.decode()) == "ja"


def test_links_shared_from_the_wallet_carry_its_language(client, issuer):
    key, tpl = issuer
    earner = Browser(client)
    sign_in(earner, "kim@example.com")
    csrf = csrf_of(earner.text(earner.get("/wallet/settings")))
    assert earner.post("/wallet/settings/language", {"locale": "pt_BR", "csrf": csrf}).status_code == 303
    cred = body(issue(client, key, tpl, email="kim@example.com"))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    assert post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"}).status_code == 200
    page = html_mod.unescape(earner.text(earner.get(f"/wallet/credentials/{cred['id']}")))
    assert _lang(page) == "pt-BR"
    share = re.search(r'href="([^"]+)"[^>]*data-network="facebook"', page).group(1)
    location = earner.get(share).headers["Location"]  # the counted redirect to the network's dialog
    from urllib.parse import parse_qs, urlsplit

    shared = parse_qs(urlsplit(location).query)["u"][0]
    assert shared.endswith(f"/badges/{cred['id']}?ref=facebook&lang=pt-BR")
    # what the network's crawler then fetches (no Accept-Language of the earner's) is in Portuguese
    assert _lang(_get(client, f"/badges/{cred['id']}?ref=facebook&lang=pt-BR").body.decode()) == "pt-BR"
