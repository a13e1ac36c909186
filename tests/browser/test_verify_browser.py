"""A visitor checks a credential from its public page in Chromium: "Verify this
credential" runs every check and shows them, with no script, on a phone too."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from chalicelib.domain import check_words
from tests.browser.conftest import axe, watch
from tests.local_system import api


def test_verify_this_credential_from_its_page(local_system, browser, artifacts):
    info, base = local_system, local_system["api_url"]
    assets = info["aws_endpoint"]
    email = "dorothy.vaughan@example.com"
    cred = api(info, "POST", "/credentials", {"template_id": info["template_id"], "email": email,
                                              "first_name": "Dorothy", "last_name": "Vaughan"})
    seen = {"foreign": [], "console": []}

    # The earner accepts through the mailed claim link (read from the local outbox)
    earner = browser.new_context()
    page = earner.new_page()
    page.goto(f"{base}/_local/outbox")
    claim = page.locator(f'a[href*="/claim/{cred["id"]}?token="]').first.get_attribute("href")
    page.goto(claim)
    axe(page)
    page.get_by_role("button", name="Accept credential").click()
    # issue 19: a page offering to share it (tests/browser/test_share_browser.py), linking to its page
    expect(page.get_by_role("heading", level=1)).to_contain_text("You accepted")
    page.get_by_role("link", name="its verification page").click()
    page.wait_for_url(f"{base}/badges/{cred['id']}")
    earner.close()

    # A visitor, with JavaScript off: the button is a plain form
    visitor = browser.new_context(java_script_enabled=False, viewport={"width": 1100, "height": 900})
    page = visitor.new_page()
    watch(page, base, assets, seen)
    page.goto(f"{base}/badges/{cred['id']}")
    page.get_by_label("Issued to this email address? (optional)").fill(email)
    page.get_by_role("button", name="Verify this credential").click()
    page.wait_for_url(f"{base}/verify")
    expect(page.get_by_role("status")).to_have_text("Valid")
    # (no axe here: with JavaScript off it cannot run; the same two pages get it below)
    # each check in plain words, its technical name and detail folded (issue 18, rule 7)
    rows = page.locator("tbody tr")
    checks = {}
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td")
        expect(rows.nth(i).locator("code")).to_be_hidden()  # folded
        checks[rows.nth(i).locator("code").text_content()] = (cells.nth(0).inner_text(), cells.nth(1).inner_text())
    for name in ("URL answers", "contexts", "signature (eddsa-rdfc-2022)", "key controlled by issuer", "expiry",
                 "revocation", "recipient"):
        words, result = checks.get(name, ("", ""))
        assert result == "passed" and words.startswith(check_words.says(name, True)), (name, checks)
    expect(page.locator("p.verdict")).to_have_text("Valid: every check passed.")
    revocation = rows.filter(has=page.locator("code", has_text="revocation"))
    revocation.get_by_text("Technical detail").click()  # <details> opens without script
    expect(revocation.locator("code")).to_be_visible()
    assert re.search(r"Open Badges 3\.0", page.locator("dl").inner_text())
    page.screenshot(path=str(artifacts / "verify-report.png"), full_page=True)
    visitor.close()

    # With JavaScript on (accessibility rules are evaluated in the page), at 390px wide
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    page = phone.new_page()
    watch(page, base, assets, seen)
    page.goto(f"{base}/badges/{cred['id']}")
    axe(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    button = page.get_by_role("button", name="Verify this credential")
    box = button.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
    button.click()
    page.wait_for_url(f"{base}/verify")
    expect(page.get_by_role("status")).to_have_text("Valid")
    axe(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(artifacts / "verify-report-phone.png"), full_page=True)
    phone.close()

    assert seen["foreign"] == []
    assert [m for m in seen["console"] if "Content Security Policy" in m or "Refused" in m] == []
