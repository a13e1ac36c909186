"""Mail that stays deliverable (issue 17, item 6), in Chromium on the local system (`make
run`), on a 390 px phone: a credential goes to a mistyped address; in the local outbox
its claim mail gets SES's permanent bounce (the button posts the SNS record a deployment
would receive through the same MailEvents handler); the issuer's console shows the
credential's mail as bounced and its correction form; the corrected address gets the
claim mail, the old one nothing more. axe-core on every console page; screenshots in
tests/artifacts/mail-<step>.png."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import axe
from tests.local_system import api, open_mail

TYPO, FIXED = "grace.hoper@example.com", "grace.hopper@example.com"


def _shot(page, artifacts, step: str) -> None:
    axe(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{step}: the page is {width} px wide on a 390 px screen ({page.url})"
    page.screenshot(path=str(artifacts / f"mail-{step}.png"), full_page=True)


def test_a_bounced_claim_mail_is_shown_and_the_address_corrected(local_system, browser, artifacts):
    info = local_system
    base = info["api_url"]
    credential = api(info, "POST", "/credentials", {"template_id": info["template_id"], "email": TYPO,
                                                    "first_name": "Grace", "last_name": "Hopper"})
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()

    # 1. SES bounces the claim mail (simulated from the local outbox, through the MailEvents handler)
    page.goto(f"{base}/_local/outbox")
    row = page.get_by_role("row").filter(has_text=TYPO)
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Bounce").click()
    expect(page.get_by_role("status")).to_contain_text("permanent bounce went through the MailEvents handler")
    assert api(info, "GET", f"/credentials/{credential['id']}")["mail"]["status"] == "bounced"

    # 2. The demo admin signs in to the console by the mailed code
    page.goto(f"{base}/console/signin")
    page.get_by_label("Work email address").first.fill(info["console_admin"])
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
    outbox = open_mail(context, base, info["console_admin"], "console sign-in")
    code = re.search(r"\b([0-9]{6})\b", outbox.locator("body").inner_text()).group(1)
    page.get_by_label("6-digit code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/console")

    # 3. The credential's page says the mail bounced, and offers the correction
    page.goto(f"{base}/console/credentials/{credential['id']}")
    expect(page.get_by_role("heading", name="Mail to the recipient bounced")).to_be_visible()
    expect(page.locator("ol.history")).to_contain_text("A mail to the recipient bounced")
    _shot(page, artifacts, "bounced")
    page.get_by_label("New address").fill(FIXED)
    page.get_by_role("button", name="Correct and send the claim mail").click()
    expect(page.get_by_role("status").first).to_contain_text("The address was corrected")
    expect(page.get_by_role("heading", name="Mail to the recipient bounced")).to_have_count(0)
    expect(page.locator("dl")).to_contain_text(FIXED)
    _shot(page, artifacts, "corrected")

    # 4. The claim mail went to the corrected address; the mistyped one got nothing more
    outbox.goto(f"{base}/_local/outbox")
    expect(outbox.get_by_role("row").filter(has_text=FIXED)).to_have_count(1)
    expect(outbox.get_by_role("row").filter(has_text=TYPO)).to_have_count(1)
    view = api(info, "GET", f"/credentials/{credential['id']}")
    assert view["recipient"]["email"] == FIXED and view["mail"]["status"] == "ok"
    context.close()
