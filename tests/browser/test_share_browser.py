"""Sharing in Chromium (issue 19, items 1-3): the preview tags of a credential's page
follow its state (valid, expired, revoked) and point at a 1200x630 share card; the page
after accepting offers to share and to add to LinkedIn, with copy buttons from our own
script; a private credential offers no share control; all at phone width, axe-clean."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from tests.browser.conftest import axe, watch
from tests.local_system import api

PHONE = {"width": 390, "height": 844}


def _meta(page, name: str) -> str | None:
    found = page.locator(f'meta[property="{name}"], meta[name="{name}"]')
    return found.first.get_attribute("content") if found.count() else None


def _claim(page, base: str, cid: str) -> None:
    """Open the mailed claim link (from the local outbox) and accept."""
    page.goto(f"{base}/_local/outbox")
    page.goto(page.locator(f'a[href*="/claim/{cid}?token="]').first.get_attribute("href"))
    page.get_by_role("button", name="Accept credential").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("You accepted")


def _issue(info: dict, email: str, first: str, last: str, **extra) -> dict:
    return api(info, "POST", "/credentials", {"template_id": info["template_id"], "email": email,
                                              "first_name": first, "last_name": last, **extra})


def test_share_flow_previews_per_state_and_private(local_system, browser, artifacts):
    info, base = local_system, local_system["api_url"]
    assets = info["aws_endpoint"]
    seen = {"foreign": [], "console": []}
    earner = browser.new_context(viewport=PHONE, permissions=["clipboard-read", "clipboard-write"])
    page = earner.new_page()
    watch(page, base, assets, seen)

    # 1. Accepting: a page offering LinkedIn, the networks and copy buttons (our script), at 390 px
    cred = _issue(info, "mary.jackson@example.com", "Mary", "Jackson")
    _claim(page, base, cred["id"])
    axe(page)
    linkedin = page.get_by_role("link", name="Add to LinkedIn profile")
    expect(linkedin).to_be_visible()
    assert linkedin.get_attribute("href").startswith("https://www.linkedin.com/profile/add?")
    for network in ("email", "ziprecruiter", "xing", "x"):
        expect(page.locator(f'a[data-network="{network}"]')).to_have_count(1)
    copy = page.get_by_role("button", name="Copy").first  # added by static/copy.js: it ran under the CSP
    expect(copy).to_be_visible()
    copy.click()
    expect(page.get_by_role("button", name="Copied").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    page.screenshot(path=str(artifacts / "share-after-accept-390.png"), full_page=True)

    # 2. The preview of a valid credential: the earner and the credential, the share card
    visitor = browser.new_context(viewport=PHONE)
    vpage = visitor.new_page()
    watch(vpage, base, assets, seen)
    vpage.goto(f"{base}/badges/{cred['id']}")
    axe(vpage)
    title, image = _meta(vpage, "og:title"), _meta(vpage, "og:image")
    assert "Mary Jackson" in title and "revoked" not in title.lower() and "expired" not in title.lower()
    assert image == f"{base}/badges/{cred['id']}/card.png?lang=en"
    assert (_meta(vpage, "og:image:width"), _meta(vpage, "og:image:height")) == ("1200", "630")
    assert _meta(vpage, "twitter:card") == "summary_large_image"
    card = vpage.request.get(image)  # follows the redirect to the cached card
    assert card.ok and card.headers["content-type"] == "image/png"
    card_page = visitor.new_page()
    card_page.goto(image)
    card_page.screenshot(path=str(artifacts / "share-card-valid.png"))
    vpage.screenshot(path=str(artifacts / "share-preview-valid-390.png"), full_page=True)

    # 3. Expired: the preview says so
    expired = _issue(info, "mary.expired@example.com", "Mary", "Jackson", issued_at="2020-01-01",
                     expires_at=(date.today() - timedelta(days=2)).isoformat())
    _claim(page, base, expired["id"])
    vpage.goto(f"{base}/badges/{expired['id']}")
    assert "expired" in _meta(vpage, "og:title").lower() and "expired" in _meta(vpage, "og:description").lower()
    axe(vpage)

    # 4. Revoked: the preview says so, and the card is another one
    api(info, "POST", f"/credentials/{cred['id']}/revoke", {"reason": "Issued in error"})
    visitor.close()  # a crawler arriving now (this browser may keep the page its max-age of 60 s)
    visitor = browser.new_context(viewport=PHONE)
    vpage, card_page = visitor.new_page(), visitor.new_page()
    watch(vpage, base, assets, seen)
    vpage.goto(f"{base}/badges/{cred['id']}")
    assert "revoked" in _meta(vpage, "og:title").lower() and "revoked" in _meta(vpage, "og:description").lower()
    assert "revoked" in _meta(vpage, "twitter:description").lower()
    card_page.goto(_meta(vpage, "og:image"))
    card_page.screenshot(path=str(artifacts / "share-card-revoked.png"))
    vpage.screenshot(path=str(artifacts / "share-preview-revoked-390.png"), full_page=True)
    axe(vpage)

    # 5. A private credential: the owner's page offers no share, embed or LinkedIn action
    private = _issue(info, "mary.private@example.com", "Mary", "Jackson")
    _claim(page, base, private["id"])
    page.goto(f"{base}/signin")
    page.get_by_label("Email address").fill("mary.private@example.com")
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
    page.goto(f"{base}/_local/outbox")
    page.get_by_role("row").filter(has_text="mary.private@example.com").filter(has_text="sign-in link").first \
        .get_by_role("link", name=re.compile("sign-in link")).click()
    page.goto(page.get_by_role("link", name="Sign in").get_attribute("href"))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/wallet")
    page.goto(f"{base}/wallet/credentials/{private['id']}")
    page.get_by_role("button", name="Make private").click()
    expect(page.get_by_text("A private credential is not shared")).to_be_visible()
    for control in ("Add to LinkedIn profile", "Copy"):
        expect(page.get_by_role("link", name=control)).to_have_count(0)
        expect(page.get_by_role("button", name=control)).to_have_count(0)
    expect(page.locator("[data-network], #embed, #signature, #copy-link")).to_have_count(0)
    axe(page)
    page.screenshot(path=str(artifacts / "share-private-390.png"), full_page=True)
    assert vpage.request.get(f"{base}/badges/{private['id']}/card.png", max_redirects=0).status == 404
    assert seen["console"] == [], seen["console"]  # no CSP complaint (the copy script is allowed)
    assert seen["foreign"] == [], seen["foreign"]
    earner.close()
    visitor.close()
