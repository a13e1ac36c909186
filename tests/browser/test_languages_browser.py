"""Issue 19, item 6 in Chromium on a phone (390 × 844): the sign-in page and the wallet
list in the language the visitor picked with `?lang=`, over the browser's own
Accept-Language, with `<html lang>` saying so, nothing wider than the screen, and
axe-core clean.

The catalogs are filled in after the pages are marked up (the lead runs `make messages`
and gets them translated): the words each page must show in each language go in `WORDS`
then, and every check below asserts them with the rest."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.browser.conftest import axe, watch
from tests.local_system import api

PHONE = {"width": 390, "height": 844}


def _catalog(locale: str, text: str) -> str:
    """`text` from the shipped catalog of `locale`; it must be translated (not the English)."""
    from chalicelib import i18n

    with i18n.using(locale):
        translated = i18n.gettext(text)
    assert translated and translated != text, (locale, text)
    return translated


# (page, locale) -> texts the page shows in that language
WORDS: dict[tuple[str, str], list[str]] = {
    ("signin", "ja"): [_catalog("ja", "Sign in to your wallet")],
    ("signin_link", "ja"): [_catalog("ja", "Verified by Laurel")],
    ("wallet", "ja"): [_catalog("ja", "Your wallet")],
    ("signin_code", "de"): [_catalog("de", "Verified by Laurel")],
}


def _in_language(page, response, name: str, tag: str, artifacts) -> None:
    """The page as a phone shows it: in `tag`, its words (WORDS), no sideways scroll, axe clean."""
    assert response is not None and response.ok, (name, response and response.status)
    assert page.evaluate("document.documentElement.lang") == tag, name
    assert response.headers.get("content-language") == tag, name
    assert "Accept-Language" in response.headers.get("vary", ""), name
    for text in WORDS.get((name, tag.replace("-", "_")), []):
        expect(page.get_by_text(text).first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
    axe(page)
    page.screenshot(path=str(artifacts / f"lang-{name}-{tag}-phone.png"), full_page=True)


def _signin_link(page, base: str, email: str) -> str:
    """The sign-in link of the mail to `email`, from the local outbox (whatever its subject's language)."""
    page.goto(f"{base}/_local/outbox")
    messages = [a.get_attribute("href") for a in page.get_by_role("row").filter(has_text=email)
                .locator('a[href*="/_local/outbox/"]').all()]
    for href in messages:
        page.goto(href if href.startswith("http") else base + href)
        links = page.locator(f'a[href^="{base}/signin/"]')
        if links.count():
            return links.first.get_attribute("href")
    raise AssertionError(f"no sign-in mail to {email} in the outbox: {messages}")


def test_sign_in_and_the_wallet_in_japanese_on_a_phone(local_system, browser, artifacts):
    info, base = local_system, local_system["api_url"]
    email = "mary.jackson@example.com"
    api(info, "POST", "/credentials", {"template_id": info["template_id"], "email": email,
                                       "first_name": "Mary", "last_name": "Jackson"})
    seen = {"foreign": [], "console": []}
    # the browser asks for German: the explicit ?lang=ja wins where it is given
    phone = browser.new_context(viewport=PHONE, locale="de-DE")
    page = phone.new_page()
    watch(page, base, info["aws_endpoint"], seen)

    response = page.goto(f"{base}/signin?lang=ja")
    _in_language(page, response, "signin", "ja", artifacts)
    # the footer offers every other language at the same address; the current one is not a link
    expect(page.locator('footer [aria-current="true"]')).to_have_text("日本語")
    expect(page.locator('footer a[hreflang="pt-BR"]')).to_have_attribute("href", "?lang=pt-BR")

    page.locator("#email").fill(email)
    with page.expect_navigation() as posted:
        page.locator("#email").press("Enter")
    # the form's answer carries no ?lang=: the browser's German
    _in_language(page, posted.value, "signin_code", "de", artifacts)

    link = _signin_link(page, base, email)
    response = page.goto(f"{link}&lang=ja")
    _in_language(page, response, "signin_link", "ja", artifacts)
    with page.expect_navigation():
        page.locator('form[action^="/signin/"] button[type="submit"]').click()
    assert urlsplit(page.url).path == "/wallet"

    response = page.goto(f"{base}/wallet?lang=ja")
    _in_language(page, response, "wallet", "ja", artifacts)
    # dates the Japanese way ("2026年12月2日"), not ISO
    expect(page.locator("li.card.item").first).to_contain_text("年")

    assert seen["foreign"] == []
    assert [m for m in seen["console"] if "Content Security Policy" in m or "Refused" in m] == []
    phone.close()
