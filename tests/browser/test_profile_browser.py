"""Issue 19 item 4 in Chromium, on a phone (390 px): an earner chooses a vanity address,
writes a headline and uploads a photo from the settings page, then a stranger opens
`/u/<name>` and sees them; the wallet in the language the earner chose. axe-core clean."""

from __future__ import annotations

import io
import re

from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import axe, watch
from tests.local_system import api

PHONE = {"width": 390, "height": 844}


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def _photo(tmp_path) -> str:
    img = Image.new("RGB", (900, 600), (40, 90, 160))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."
    path = tmp_path / "me.jpg"
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes())
    path.write_bytes(out.getvalue())
    return str(path)


def test_profile_address_headline_and_photo_on_a_phone(local_system, browser, artifacts, tmp_path):
    info, base = local_system, local_system["api_url"]
    seen = {"foreign": [], "console": []}
    email = "mary.jackson@example.com"
    cred = api(info, "POST", "/credentials", {"template_id": info["template_id"], "email": email,
                                              "first_name": "Mary", "last_name": "Jackson"})
    badge_name = api(info, "GET", f"/templates/{info['template_id']}")["name"]

    earner = browser.new_context(viewport=PHONE)
    page = earner.new_page()
    watch(page, base, info["aws_endpoint"], seen)
    page.goto(f"{base}/signin")
    page.get_by_label("Email address").fill(email)
    page.locator("#email").press("Enter")
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
    page.goto(f"{base}/_local/outbox")
    page.get_by_role("row").filter(has_text=email).filter(has_text="sign-in link").first \
        .get_by_role("link", name=re.compile("sign-in link")).click()
    page.goto(page.get_by_role("link", name="Sign in").get_attribute("href"))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/wallet")
    page.locator(f"#c-{cred['id']}").get_by_role("button", name=f"Accept {badge_name}").click()
    page.wait_for_url(f"{base}/wallet/credentials/{cred['id']}?accepted=1")  # the page offering to share

    # settings: name, headline, public; then the address; then the photo
    page.goto(f"{base}/wallet/settings")
    _fits(page)
    axe(page)
    page.get_by_label("Name shown on your public profile").fill("Mary Jackson")
    page.get_by_label("Headline (a short line under your name)").fill("Aerospace engineer")
    page.locator("input[name=profile][value=public]").check()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_have_text("Your profile was saved.")
    page.get_by_label("Your address on Laurel").fill("Mary-Jackson")
    page.get_by_role("button", name="Save address").click()
    expect(page.get_by_role("status")).to_have_text("Your profile address was saved.")
    expect(page.locator("#profile-link")).to_have_text(f"{base}/u/mary-jackson")
    page.locator("#photo").set_input_files(_photo(tmp_path))
    page.get_by_role("button", name="Upload photo").click()
    expect(page.get_by_role("status")).to_have_text("Your photo was saved.")
    expect(page.get_by_role("img", name="Your profile photo")).to_be_visible()
    _fits(page)
    axe(page)
    page.screenshot(path=str(artifacts / "profile-settings-phone.png"), full_page=True)

    # a stranger, on a phone, at the vanity address
    stranger = browser.new_context(viewport=PHONE)
    other = stranger.new_page()
    watch(other, base, info["aws_endpoint"], seen)
    response = other.goto(f"{base}/u/mary-jackson")
    assert response.status == 200
    expect(other.get_by_role("heading", level=1)).to_have_text("Mary Jackson")
    expect(other.locator("#headline")).to_have_text("Aerospace engineer")
    expect(other.locator("#valid-count")).to_have_text("1 valid credential")
    expect(other.get_by_role("link", name=badge_name)).to_be_visible()
    photo = other.get_by_role("img", name="Photo of Mary Jackson")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 400
    _fits(other)
    axe(other)
    other.screenshot(path=str(artifacts / "profile-public-phone.png"), full_page=True)

    # the earner's language: the wallet in Japanese, whatever the browser says
    page.get_by_label("Language of your wallet and of the mail Laurel sends you").select_option("ja")
    page.locator("form[action='/wallet/settings/language'] button").click()
    page.wait_for_url(f"{base}/wallet/settings?saved=language")
    assert page.evaluate("document.documentElement.lang") == "ja"
    page.goto(f"{base}/wallet")
    assert page.evaluate("document.documentElement.lang") == "ja"
    axe(page)
    # (the stranger's page stays in the stranger's language)
    other.reload()
    assert other.evaluate("document.documentElement.lang") == "en"
    stranger.close()
    earner.close()
    assert seen["foreign"] == [] and seen["console"] == [], seen
