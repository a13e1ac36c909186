"""An earner's whole journey in Chromium: sign in through the mailed link, accept,
share on LinkedIn, download the baked image, hide the credential and see its public
page answer 404 to someone else."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from tests.browser.conftest import axe, watch
from tests.local_system import api


def _watch(page, base: str, assets: str, seen: dict) -> None:
    watch(page, base, assets, seen)


def _check_page(page) -> None:
    axe(page)


def test_earner_journey(local_system, browser, artifacts):
    info, base = local_system, local_system["api_url"]
    assets = info["aws_endpoint"]
    email = "katherine.johnson@example.com"
    cred = api(info, "POST", "/credentials", {"template_id": info["template_id"], "email": email,
                                              "first_name": "Katherine", "last_name": "Johnson"})
    badge_name = api(info, "GET", f"/templates/{info['template_id']}")["name"]
    seen = {"foreign": [], "console": []}

    earner = browser.new_context(viewport={"width": 1100, "height": 900})
    page = earner.new_page()
    _watch(page, base, assets, seen)

    # 1. Ask for a sign-in link
    page.goto(f"{base}/signin")
    _check_page(page)
    for _ in range(10):  # by keyboard alone: Tab to the field, type, Enter
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "email":
            break
    page.keyboard.type(email)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
    _check_page(page)

    # 2. The mail, in the local outbox: follow its link, press the button
    page.goto(f"{base}/_local/outbox")
    _check_page(page)
    page.get_by_role("row").filter(has_text=email).filter(has_text="sign-in link").first \
        .get_by_role("link", name=re.compile("sign-in link")).click()
    link = page.get_by_role("link", name="Sign in").get_attribute("href")
    assert link.startswith(f"{base}/signin/")
    page.goto(link)
    _check_page(page)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/wallet")

    # 3. The wallet: the new credential waits for a decision, above everything else
    pending = page.get_by_role("region", name=re.compile("Waiting for your decision"))
    card = pending.locator(f"#c-{cred['id']}")
    expect(card).to_contain_text(badge_name)
    _check_page(page)
    page.screenshot(path=str(artifacts / "wallet.png"), full_page=True)
    card.get_by_role("button", name=f"Accept {badge_name}").click()
    page.wait_for_url(f"{base}/wallet/credentials/{cred['id']}?accepted=1")  # issue 19: says so, offers to share
    expect(page.locator(".status")).to_have_text("Valid")
    _check_page(page)
    page.screenshot(path=str(artifacts / "wallet-credential.png"), full_page=True)

    # on a phone the page reflows: nothing wider than the screen
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    _check_page(page)
    page.screenshot(path=str(artifacts / "wallet-credential-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1100, "height": 900})

    # 4. Add to LinkedIn: every parameter pre-filled
    href = page.locator("#linkedin-add").get_attribute("href")  # through Laurel's redirect, which counts the click
    assert href == f"/wallet/credentials/{cred['id']}/linkedin"
    parts = urlsplit(page.request.get(f"{base}{href}", max_redirects=0).headers["location"])
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com", "/profile/add")
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    issued, expires = cred["issued_at"], cred.get("expires_at")
    expected = {"startTask": "CERTIFICATION_NAME", "name": badge_name, "organizationId": "1337",
                "issueYear": str(int(issued[:4])), "issueMonth": str(int(issued[5:7])),
                "certUrl": f"{base}/badges/{cred['id']}", "certId": cred["id"]}
    if expires:
        expected.update(expirationYear=str(int(expires[:4])), expirationMonth=str(int(expires[5:7])))
    assert q == expected
    networks = page.locator("ul.share a").evaluate_all("els => els.map(e => e.dataset.network)")
    # data-network: the network's key (issue 19 added ZipRecruiter; the labels are translated)
    assert networks == ["linkedin", "facebook", "x", "whatsapp", "xing", "ziprecruiter", "email"]
    assert page.locator("#copy-link").input_value() == f"{base}/badges/{cred['id']}"
    embed = page.locator("#embed").input_value()
    assert embed.startswith(f'<a href="{base}/badges/{cred["id"]}?ref=embed"') and "<img" in embed
    assert "<script" not in embed and "<iframe" not in embed

    # 5. Download the baked image: a PNG with the Open Badges assertion inside
    with page.expect_download() as download:
        page.locator("#download").click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and b"openbadges" in data
    assert f"/ob/v2/assertions/{cred['id']}".encode() in data

    # 6. Someone else opens the shared link: Open Graph and Twitter card tags
    visitor = browser.new_context()
    other = visitor.new_page()
    _watch(other, base, assets, seen)
    response = other.goto(f"{base}/badges/{cred['id']}")
    assert response.status == 200
    meta = other.evaluate("""() => Object.fromEntries([...document.querySelectorAll('meta[property], meta[name]')]
        .map(m => [m.getAttribute('property') || m.getAttribute('name'), m.content]))""")
    # issue 19: the title names the earner and the credential; the image is the share card of the state now
    assert meta["og:title"] == f"Katherine Johnson earned {badge_name}"
    assert meta["og:type"] == "website"
    assert meta["og:url"] == f"{base}/badges/{cred['id']}"
    assert meta["og:image"] == f"{base}/badges/{cred['id']}/card.png?lang=en"
    assert badge_name in meta["og:description"]
    assert meta["twitter:card"] == "summary_large_image" and meta["twitter:image"] == meta["og:image"]
    _check_page(other)
    other.screenshot(path=str(artifacts / "verification.png"), full_page=True)
    visitor.close()

    # 7. Make it private: its page, its Open Badges documents and its image answer 404 to others
    image = page.request.get(f"{base}/badges/{cred['id']}/image", max_redirects=0).headers["location"]
    assert page.request.get(image).status == 200
    page.get_by_role("button", name="Make private").click()
    expect(page.get_by_text("This credential is private")).to_be_visible()
    _check_page(page)
    stranger = browser.new_context()
    response = stranger.new_page().goto(f"{base}/badges/{cred['id']}")
    assert response.status == 404
    for path in (f"/ob/v2/assertions/{cred['id']}", f"/ob/v3/credentials/{cred['id']}", f"/badges/{cred['id']}/image"):
        assert stranger.request.get(base + path, max_redirects=0).status == 404, path
    assert stranger.request.get(image).status == 404  # the baked file is gone: S3 answers NoSuchKey
    stranger.close()

    # 8. And public again
    page.get_by_role("button", name="Make public").click()
    expect(page.get_by_text("This credential is public")).to_be_visible()
    again = browser.new_context()
    assert again.new_page().goto(f"{base}/badges/{cred['id']}").status == 200
    again.close()

    # 9. Sign out ends the session: the wallet asks to sign in again
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{base}/wallet")
    assert urlsplit(page.url).path == "/signin"
    earner.close()

    assert seen["foreign"] == []
    assert [m for m in seen["console"] if "Content Security Policy" in m or "Refused" in m] == []
