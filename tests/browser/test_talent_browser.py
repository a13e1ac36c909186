"""Talent search in Chromium on the local system (issue 20 item 4), on a 390 px phone:
an earner accepts a certification and opts in on the Opportunities page; the demo
organization's admin gives herself the Recruiting permission, finds her by two skills
(without ever seeing her address), writes to her; the earner reads the message in her
wallet and replies, which is when the organization learns her address; she opts out
and is found no more. axe-core on every page; screenshots into tests/artifacts/
(talent-search-phone.png among them)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import axe
from tests.local_system import api, open_mail

EARNER = "dorothy.vaughan@example.com"
PHONE = {"width": 390, "height": 844}


def _check(page, artifacts, name: str) -> None:
    axe(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{name}: {width} px wide on a 390 px screen ({page.url})"
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def _outbox_link(page, base: str, to: str, subject: str, link_name) -> str:
    outbox = open_mail(page.context, base, to, subject)
    text = outbox.locator("body").inner_text()
    href = outbox.get_by_role("link", name=link_name).first.get_attribute("href") if link_name else None
    outbox.close()
    return href or text


def _earner_signs_in(page, base: str) -> None:
    page.goto(f"{base}/signin")
    page.get_by_label(re.compile("address", re.I)).first.fill(EARNER)
    page.get_by_role("button").filter(has_text=re.compile("link", re.I)).first.click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
    link = _outbox_link(page, base, EARNER, "sign-in link", "Sign in")
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/wallet")


def _admin_signs_in(page, base: str, admin: str) -> None:
    page.goto(f"{base}/console")
    page.wait_for_url(re.compile(r"/console/signin"))
    page.get_by_label("Work email address").first.fill(admin)
    page.get_by_role("button", name="Email me a sign-in link").click()
    text = _outbox_link(page, base, admin, "console sign-in", None)
    code = re.search(r"\b([0-9]{6})\b", text).group(1)
    page.get_by_label("6-digit code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/console")


def test_talent_search_opt_in_contact_reply_opt_out(local_system, browser, artifacts):
    info, base = local_system, local_system["api_url"]
    cred = api(info, "POST", "/credentials", {"template_id": info["template_id"], "email": EARNER,
                                              "first_name": "Dorothy", "last_name": "Vaughan"})
    badge_name = api(info, "GET", f"/templates/{info['template_id']}")["name"]

    earner = browser.new_context(viewport=PHONE).new_page()
    _earner_signs_in(earner, base)
    earner.locator(f"#c-{cred['id']}").get_by_role("button", name=f"Accept {badge_name}").click()
    earner.wait_for_url(re.compile(r"accepted=1"))
    earner.goto(f"{base}/wallet/settings")
    earner.get_by_label("Name shown on your public profile").fill("Dorothy Vaughan")
    earner.get_by_role("button", name="Save profile").click()

    # the Opportunities page: off by default; on, for certifications, in a city and country
    earner.get_by_role("navigation", name="Account").get_by_role("link", name="Opportunities").click()
    expect(earner.get_by_label("No, do not show me in searches")).to_be_checked()
    _check(earner, artifacts, "talent-opportunities-phone")
    earner.get_by_label("Yes, I am open to opportunities").check()
    earner.get_by_label("Certifications").check()
    earner.get_by_label("City or region (optional)").fill("Hampton")
    earner.get_by_label("Country (optional)").select_option("US")
    earner.get_by_role("button", name="Save").click()
    expect(earner.get_by_role("status")).to_contain_text("can find you")
    _check(earner, artifacts, "talent-opportunities-on-phone")

    # the recruiter: the Recruiting permission, then the Talent page, two skills
    console = browser.new_context(viewport=PHONE).new_page()
    _admin_signs_in(console, base, info["console_admin"])
    nav = console.get_by_role("navigation", name="Console")
    # the demo admin holds the Recruiting permission (given on the member form)
    nav.get_by_role("link", name="Members").click()
    console.get_by_role("row").filter(has_text=info["console_admin"]).get_by_role("link").first.click()
    expect(console.get_by_label("Recruiting")).to_be_checked()
    console.get_by_role("navigation", name="Console").get_by_role("link", name="Talent").click()
    console.get_by_label("Skill", exact=True).fill("Serverless")
    console.locator("#skill-1").fill("DynamoDB")
    console.get_by_label("Country (optional)").select_option("US")
    console.get_by_role("button", name="Search").click()
    result = console.locator(".candidates li").filter(has_text="Dorothy Vaughan")
    expect(result).to_contain_text("Serverless")
    assert EARNER not in console.content()
    _check(console, artifacts, "talent-search-phone")

    # write to her
    result.get_by_role("link", name="Write to Dorothy Vaughan").click()
    _check(console, artifacts, "talent-contact-phone")
    console.get_by_label("Subject").fill("A cloud role in Hampton")
    console.get_by_label("Message").fill("We would like to talk about a serverless role.")
    console.get_by_role("button", name="Send the message").click()
    expect(console.get_by_text("Waiting for an answer")).to_be_visible()
    assert EARNER not in console.content()
    message_url = console.url

    # the earner reads it in her wallet and replies: the button says the address goes with it
    earner.goto(f"{base}/wallet/messages")
    expect(earner.get_by_role("heading", name="A cloud role in Hampton")).to_be_visible()
    _check(earner, artifacts, "talent-messages-phone")
    earner.get_by_label("Your reply").fill("Happy to talk.")
    earner.get_by_role("button", name="Reply and share my address").click()
    expect(earner.get_by_role("status")).to_contain_text("Your reply was sent")
    _check(earner, artifacts, "talent-messages-replied-phone")
    console.goto(message_url)
    expect(console.get_by_role("link", name=EARNER)).to_be_visible()

    # she opts out: found no more
    earner.goto(f"{base}/wallet/opportunities")
    earner.get_by_label("No, do not show me in searches").check()
    earner.get_by_role("button", name="Save").click()
    console.goto(f"{base}/console/talent?skill=Serverless&skill=DynamoDB")
    expect(console.get_by_text("Nobody found on this page of results.")).to_be_visible()
