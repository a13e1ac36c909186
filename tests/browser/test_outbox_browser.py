"""The local outbox (issue 19 item 5: "The local outbox shows the text part, the headers
and the time"), in Chromium on the local system (`make run`) at phone width: a credential
issued in Japanese with a past expiry; its claim mail in the outbox shows when it was
sent, its From line and its text part (saying the credential has already expired), and
its HTML part is in Japanese (`<html lang="ja">`). axe-core clean; screenshot in
tests/artifacts/outbox-phone.png."""

from __future__ import annotations

from playwright.sync_api import expect

from chalicelib import i18n
from tests.browser.conftest import axe
from tests.local_system import api

EARNER = "yuki.outbox@example.com"


def test_the_outbox_shows_each_mails_text_part_headers_and_time(local_system, browser, artifacts):
    info = local_system
    base = info["api_url"]
    credential = api(info, "POST", "/credentials", {"template_id": info["template_id"], "email": EARNER,
                                                    "first_name": "Yuki", "last_name": "Tanaka", "locale": "ja",
                                                    "issued_at": "2020-01-01", "expires_at": "2021-06-30"})
    assert credential["locale"] == "ja"
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{base}/_local/outbox")
    row = page.get_by_role("row").filter(has_text=EARNER)
    expect(row).to_have_count(1)
    expect(row.locator("time")).to_have_attribute("datetime", __import__("re").compile(r"^20\d\d-\d\d-\d\dT"))
    row.get_by_text("Headers").click()
    expect(row.locator("dl.mail-headers")).to_contain_text("From")
    expect(row.locator("dl.mail-headers")).to_contain_text(EARNER)
    row.get_by_text("Text part").click()
    with i18n.using("ja"):  # the mail is in the credential's language; its words from the Japanese catalog
        expired = i18n.gettext("This credential has already expired: it was valid until %(on)s. You can still "
                               "claim it; its page shows it as expired.", on=i18n.format_date("2021-06-30"))
    assert "already expired" not in expired
    expect(row.locator("pre.mail-text")).to_contain_text(expired)
    expect(row.locator("pre.mail-text")).to_contain_text(f"/claim/{credential['id']}?token=")
    axe(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the outbox is {width} px wide on a 390 px screen"
    page.screenshot(path=str(artifacts / "outbox-phone.png"), full_page=True)
    # the HTML part itself, as the earner's mail client gets it
    row.locator('a[href^="/_local/outbox/"]').first.click()
    assert page.evaluate("document.documentElement.lang") == "ja"
    context.close()
