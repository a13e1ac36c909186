"""Issue 19 in Chromium on a phone (390 × 844), once in Japanese and once in Brazilian
Portuguese, with a browser that asks for English: a credential issued with `locale`
gets its claim mail in that language (text and HTML parts), its claim page and the page
after accepting follow the credential's language, and the earner who then picks the
language in the wallet's settings gets the wallet in it. Every page axe-clean, nothing
wider than the screen.

The expected words come from the shipped catalog and must differ from the English, so
a missing or emptied translation fails here as well as in tests/unit/test_catalogs.py.
Screenshots: tests/artifacts/earner-<step>-<tag>-phone.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from chalicelib import i18n
from tests.browser.conftest import axe, watch
from tests.browser.test_languages_browser import _signin_link
from tests.local_system import api

PHONE = {"width": 390, "height": 844}


def _t(locale: str, text: str, **variables: str) -> str:
    """`text` as the catalog of `locale` says it; it must be a translation, not the English."""
    with i18n.using(locale):
        translated = i18n.gettext(text, **variables)
    english = text % variables if variables else text
    assert translated and translated != english, f"{locale}: {text!r} is not translated"
    return translated


def _check(page, response, tag: str, step: str, artifacts) -> None:
    assert response is None or response.ok, (step, response and response.status)
    assert page.evaluate("document.documentElement.lang") == tag, step
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), step
    axe(page)
    page.screenshot(path=str(artifacts / f"earner-{step}-{tag}-phone.png"), full_page=True)


@pytest.mark.parametrize(("tag", "locale"), [("ja", "ja"), ("pt-BR", "pt_BR")])
def test_claim_mail_claim_and_wallet_in_the_earners_language(local_system, browser, artifacts, tag, locale):
    info, base = local_system, local_system["api_url"]
    email = f"lin.{locale.lower()}@example.com"
    badge = api(info, "GET", f"/templates/{info['template_id']}")["name"]
    credential = api(info, "POST", "/credentials", {"template_id": info["template_id"], "email": email,
                                                    "first_name": "Lin", "last_name": "Costa", "locale": tag})
    assert credential["locale"] == tag
    seen: dict = {"foreign": [], "console": []}
    phone = browser.new_context(viewport=PHONE, locale="en-US")
    page = phone.new_page()
    watch(page, base, info["aws_endpoint"], seen)

    # 1. the claim mail in the local outbox: its text part and its HTML part in the credential's language
    page.goto(f"{base}/_local/outbox")
    row = page.get_by_role("row").filter(has_text=email)
    expect(row).to_have_count(1)
    row.locator("summary").filter(has_text="Text part").click()
    text_part = row.locator("pre.mail-text")
    expect(text_part).to_contain_text(_t(locale, "Hello %(name)s,", name="Lin"))
    expect(text_part).to_contain_text(_t(locale, "All your credentials, from every issuer, are in your Laurel "
                                                 "wallet (sign in with this address, no password needed):"))
    claim_link = row.locator(f'a[href*="/claim/{credential["id"]}?token="]').first.get_attribute("href")
    response = page.goto(base + row.locator('a[href^="/_local/outbox/"]').first.get_attribute("href"))
    # the HTML part as a mail client gets it (a mail, not a page: its language and words, no axe run)
    assert response is not None and response.ok
    assert page.evaluate("document.documentElement.lang") == tag
    expect(page.get_by_text(_t(locale, "Hello %(name)s,", name="Lin"))).to_be_visible()
    page.screenshot(path=str(artifacts / f"earner-claim-mail-{tag}-phone.png"), full_page=True)

    # 2. the claim page: the credential's language, not the browser's English
    response = page.goto(claim_link)
    _check(page, response, tag, "claim", artifacts)
    accept = page.get_by_role("button", name=_t(locale, "Accept credential"))
    expect(accept).to_be_visible()
    with page.expect_navigation() as accepted:
        accept.click()
    # 3. the page after accepting, in the same language, offering to share
    _check(page, accepted.value, tag, "accepted", artifacts)
    expect(page.get_by_role("heading", level=1)).to_have_text(_t(locale, "You accepted %(name)s", name=badge))

    # 4. the wallet: signed in it follows the browser (English) until the earner picks the language
    page.goto(f"{base}/signin")
    page.locator("#email").fill(email)
    with page.expect_navigation():
        page.locator("#email").press("Enter")
    link = _signin_link(page, base, email)
    page.goto(link)
    with page.expect_navigation():
        page.locator('form[action^="/signin/"] button[type="submit"]').click()
    assert page.evaluate("document.documentElement.lang") == "en"
    page.goto(f"{base}/wallet/settings")
    page.locator('form[action="/wallet/settings/language"] select').select_option(locale)
    with page.expect_navigation():
        page.locator('form[action="/wallet/settings/language"] button[type="submit"]').click()
    response = page.goto(f"{base}/wallet")
    _check(page, response, tag, "wallet", artifacts)
    expect(page.get_by_role("heading", level=1)).to_have_text(_t(locale, "Your wallet"))
    expect(page.locator("li.card.item").filter(has_text=badge)).to_have_count(1)

    assert seen["foreign"] == []
    assert [m for m in seen["console"] if "Content Security Policy" in m or "Refused" in m] == []
    phone.close()
