"""Issue 20 (profile) in Chromium on a phone (390 px): the demo earner (chalicelib/demo.py,
who accepted a credential shared with 12 other demo earners) opens *Skills* from the
wallet's navigation, sees each skill with where it came from and the network's insights
beside it (a quarter under 10 people hidden), chooses to show their skills on their
public profile, and a stranger sees them there. axe-core clean; screenshots in
tests/artifacts/."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import axe, watch
from tests.integration.test_local_system import _newest_signin_link

PHONE = {"width": 390, "height": 844}
DEMO_EARNER = "ada.lovelace@example.com"


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def test_skill_profile_with_insights_and_the_public_profiles_skills_on_a_phone(local_system, browser, artifacts):
    info, base = local_system, local_system["api_url"]
    seen = {"foreign": [], "console": []}
    earner = browser.new_context(viewport=PHONE)
    page = earner.new_page()
    watch(page, base, info["aws_endpoint"], seen)
    page.goto(f"{base}/signin")
    page.get_by_label("Email address").fill(DEMO_EARNER)
    page.locator("#email").press("Enter")
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
    # the mailed link, from the embedded SES (the outbox page reads the same store; read here
    # directly with a longer timeout: the outbox gives moto 5 seconds, a loaded machine may need more)
    page.goto(base + _newest_signin_link(info, DEMO_EARNER))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/wallet")

    page.get_by_role("navigation", name="Account").get_by_role("link", name="Skills").click()
    page.wait_for_url(f"{base}/wallet/skills")
    expect(page.get_by_role("heading", name="Your skills", level=1)).to_be_visible()
    python = page.locator("li.card.skill").filter(has=page.get_by_role("heading", name="Python", level=2))
    expect(python).to_have_count(1)
    expect(python.get_by_role("link", name="Serverless Data Engineering")).to_be_visible()
    expect(python).to_contain_text("Open Cloud Guild")
    python.get_by_text("Network insights").click()
    expect(python.locator(".holders")).to_have_text("13 people in Laurel hold this skill.")
    expect(python.locator("table.growth tbody tr")).to_have_count(1)  # 2026Q1 (13)
    expect(python.locator("table.growth")).to_contain_text("2026Q1")
    expect(python.locator(".teaching")).to_contain_text("Serverless Data Engineering · Open Cloud Guild (13)")
    expect(python).not_to_contain_text("Groups of fewer than 10 people are left out.")  # none is under 10
    expect(page.get_by_label("Count my skills in anonymous network insights")).to_be_checked()
    _fits(page)
    axe(page)
    page.screenshot(path=str(artifacts / "skills-profile-phone.png"), full_page=True)

    # show them on the public profile (which is made public in Settings)
    page.get_by_label("Show my skills on my public profile").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Your choices are saved.")
    expect(page.get_by_label("Show my skills on my public profile")).to_be_checked()
    page.goto(f"{base}/wallet/settings")
    page.locator("input[name=profile][value=public]").check()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_have_text("Your profile was saved.")
    profile_url = page.locator("#profile-link").get_attribute("href")

    stranger = browser.new_context(viewport=PHONE)
    other = stranger.new_page()
    watch(other, base, info["aws_endpoint"], seen)
    assert other.goto(profile_url.replace(profile_url.split("/profiles/")[0], base)).status == 200
    skills = other.locator("#profile-skills")
    expect(skills.get_by_role("heading", name="Skills", level=2)).to_be_visible()
    for label in ("Python", "Serverless", "AWS Lambda", "DynamoDB"):
        expect(skills.get_by_role("listitem").filter(has_text=re.compile(f"^{label}$"))).to_have_count(1)
    _fits(other)
    axe(other)
    other.screenshot(path=str(artifacts / "skills-public-profile-phone.png"), full_page=True)
    assert seen["foreign"] == [] and seen["console"] == []
    earner.close()
    stranger.close()
