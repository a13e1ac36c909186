"""Two earner pages of issue 19 in Chromium on the whole local system, on a 390 px phone:
the e-mail signature chooser (`/wallet/signature`: two accepted public credentials
chosen, one line with both; a private one is not offered) and a reminder's unsubscribe
page (`/mail/unsubscribe`, opened from the expiry reminder in the local outbox: the GET
changes nothing, its button unsubscribes, the other button resubscribes). axe-core on
every page; screenshots tests/artifacts/signature-phone.png and unsubscribe-phone.png."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from datetime import UTC, date, datetime, timedelta

from playwright.sync_api import expect

from tests.browser.conftest import ROOT, axe, watch
from tests.helpers import PNG, template_payload
from tests.local_system import api

PHONE = {"width": 390, "height": 844}


def _fits(page, what: str) -> None:
    """axe-core finds nothing and nothing is wider than the 390 px screen."""
    axe(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what}: the page is {width} px wide on a 390 px screen ({page.url})"


def _template(info: dict, name: str) -> str:
    """An active template of the demo issuer, made through the issuer API."""
    template_id = api(info, "POST", "/templates", template_payload(name=name))["id"]
    request = urllib.request.Request(f"{info['api_url']}/templates/{template_id}/image", data=PNG, method="PUT",
                                     headers={"Authorization": f"Bearer {info['api_key']}",
                                              "Content-Type": "image/png"})
    with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 - loopback
        json.load(resp)
    api(info, "POST", f"/templates/{template_id}/activate")
    return template_id


def _sign_in(page, base: str, email: str) -> None:
    """The earner signs in through the mailed link (read in the local outbox)."""
    page.goto(f"{base}/signin")
    page.get_by_label("Email address").fill(email)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
    page.goto(f"{base}/_local/outbox")
    page.get_by_role("row").filter(has_text=email).filter(has_text="sign-in link").first \
        .get_by_role("link", name=re.compile("sign-in link")).click()
    page.goto(page.get_by_role("link", name="Sign in").get_attribute("href"))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/wallet")


def _accept_in_wallet(page, base: str, credential_id: str, name: str) -> None:
    page.goto(f"{base}/wallet")
    page.locator(f"#c-{credential_id}").get_by_role("button", name=f"Accept {name}").click()
    page.wait_for_url(f"{base}/wallet/credentials/{credential_id}?accepted=1")


def test_the_signature_chooser_puts_two_public_credentials_in_one_line(local_system, browser, artifacts):
    info, base = local_system, local_system["api_url"]
    email = "dorothy.vaughan@example.com"
    names = ("Fortran for Engineers", "Numerical Methods", "Team Leadership")
    ids = {}
    for name in names:
        template_id = _template(info, name)
        ids[name] = api(info, "POST", "/credentials", {"template_id": template_id, "email": email,
                                                       "first_name": "Dorothy", "last_name": "Vaughan"})["id"]
    first, second, hidden = (ids[n] for n in names)
    seen = {"foreign": [], "console": []}
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    watch(page, base, info["aws_endpoint"], seen)
    _sign_in(page, base, email)
    for name in names:
        _accept_in_wallet(page, base, ids[name], name)
    page.get_by_role("button", name="Make private").click()  # the last one accepted: Team Leadership
    expect(page.get_by_text("This credential is private")).to_be_visible()

    # from a credential's page, the link to the chooser, that credential ticked
    page.goto(f"{base}/wallet/credentials/{first}")
    page.get_by_role("link", name="Put several credentials in one e-mail signature").click()
    page.wait_for_url(f"{base}/wallet/signature?c={first}")
    expect(page.get_by_role("heading", name="Your credentials in your e-mail signature")).to_be_visible()
    _fits(page, "the chooser")
    offered = page.get_by_role("checkbox")
    expect(offered).to_have_count(2)  # the private credential is not offered
    expect(page.get_by_role("checkbox", name=re.compile("Team Leadership"))).to_have_count(0)
    expect(page.get_by_role("checkbox", name=re.compile("Fortran for Engineers"))).to_be_checked()
    for i in range(2):  # each box on the line of its words, not alone above them
        box, words = offered.nth(i).bounding_box(), page.locator("fieldset label").nth(i).bounding_box()
        assert box and words and words["y"] < box["y"] + box["height"], (box, words)
    page.get_by_role("checkbox", name=re.compile("Numerical Methods")).check()
    page.get_by_role("button", name="Make the signature").click()

    # one line with both, each linking to its public page, none to the private one
    field = page.get_by_label("Signature HTML")
    expect(field).to_be_visible()
    line = field.input_value()
    assert "\n" not in line.strip(), line
    links = re.findall(r'href="([^"]+)"', line)
    assert {link.split("?")[0] for link in links} == {f"{base}/badges/{first}", f"{base}/badges/{second}"}, line
    assert "Fortran for Engineers" in line and "Numerical Methods" in line and " | " in line
    assert hidden not in line and "Team Leadership" not in line
    _fits(page, "the signature")
    box = field.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    page.screenshot(path=str(artifacts / "signature-phone.png"), full_page=True)

    # the private credential's id in the address is left out, as if never issued
    page.goto(f"{base}/wallet/signature?c={hidden}&c={second}")
    line = page.get_by_label("Signature HTML").input_value()
    assert hidden not in line and f"/badges/{second}" in line
    context.close()

    assert seen["foreign"] == []
    assert [m for m in seen["console"] if "Content Security Policy" in m or "Refused" in m] == []


# The daily sweep, run with the real expiry service against the local system's table and
# queue (what the scheduler runs): the local system swept today when it started, so this
# is tomorrow's sweep, which reminds of what expires 30 days after tomorrow.
_SWEEP = """
import os, sys
from datetime import date
sys.path[:0] = [{root!r}, {scripts!r}]
import run_local
os.environ.update(run_local.local_stage_env())
from chalicelib.services import expiry
counts = expiry.sweep(date.fromisoformat({day!r}))
assert counts["reminders"] >= 1, counts
"""


def _sweep(info: dict, day: date) -> None:
    port = info["aws_endpoint"].rsplit(":", 1)[1]
    app_port = info["api_url"].rsplit(":", 1)[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAUREL_", "AWS_", "POWERTOOLS_"))}
    env.update(LAUREL_LOCAL_AWS_PORT=port, LAUREL_LOCAL_APP_PORT=app_port)
    script = _SWEEP.format(root=str(ROOT), scripts=str(ROOT / "scripts"), day=day.isoformat())
    done = subprocess.run([sys.executable, "-c", script], text=True, env=env, cwd=ROOT, capture_output=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def test_a_reminders_unsubscribe_link_shows_a_page_whose_buttons_unsubscribe_and_resubscribe(
        local_system, browser, artifacts):
    info, base = local_system, local_system["api_url"]
    email = "mary.jackson@example.com"
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)  # the sweeps' days are UTC days
    expires = tomorrow + timedelta(days=30)
    cred = api(info, "POST", "/credentials", {"template_id": info["template_id"], "email": email,
                                              "first_name": "Mary", "last_name": "Jackson",
                                              "expires_at": expires.isoformat()})
    seen = {"foreign": [], "console": []}
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    watch(page, base, info["aws_endpoint"], seen)

    # accepted through the claim mail's link
    page.goto(f"{base}/_local/outbox")
    claim = page.locator(f'a[href*="/claim/{cred["id"]}?token="]').first.get_attribute("href")
    page.goto(claim)
    page.get_by_role("button", name="Accept credential").click()
    expect(page.get_by_role("heading").first).to_be_visible()

    # tomorrow's sweep queues the reminder; the queue worker mails it
    _sweep(info, tomorrow)
    page.goto(f"{base}/_local/outbox")
    reminder = page.get_by_role("row").filter(has_text=email).filter(has_text="expires on")
    for _ in range(60):
        if reminder.count():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(reminder).to_have_count(1)
    link = reminder.locator('a[href*="/mail/unsubscribe?token="]').first.get_attribute("href")
    assert link.startswith(f"{base}/mail/unsubscribe?token="), link

    # the link (what a mail scanner fetches too) shows the state and a button, and changes nothing
    page.goto(link)
    expect(page.get_by_role("heading", name="Reminder mails")).to_be_visible()
    expect(page.get_by_text("This address gets a reminder before a credential expires.")).to_be_visible()
    _fits(page, "the unsubscribe page")
    page.goto(link)  # opened twice: still subscribed
    expect(page.get_by_role("button", name="Unsubscribe from reminders")).to_be_visible()

    # the button unsubscribes
    page.get_by_role("button", name="Unsubscribe from reminders").click()
    expect(page.get_by_role("status")).to_have_text("This address gets no more reminders before a credential expires.")
    _fits(page, "unsubscribed")
    page.screenshot(path=str(artifacts / "unsubscribe-phone.png"), full_page=True)
    page.goto(link)  # the link again: the page remembers
    expect(page.get_by_role("button", name="Get reminders again")).to_be_visible()

    # and the other button resubscribes
    page.get_by_role("button", name="Get reminders again").click()
    expect(page.get_by_role("status")).to_have_text("This address gets a reminder before a credential expires.")
    _fits(page, "resubscribed")
    page.goto(link)
    expect(page.get_by_role("button", name="Unsubscribe from reminders")).to_be_visible()
    context.close()

    assert seen["foreign"] == []
    assert [m for m in seen["console"] if "Content Security Policy" in m or "Refused" in m] == []
