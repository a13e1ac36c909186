"""An organization runs its credential program in the console, in Chromium, on the
local system (`make run`: moto, Chalice's local server, the SQS workers): its admin
invites a colleague by mail; the colleague signs in by the mailed code, creates a
template with an image, activates it, issues one credential, issues 20 from a CSV file
and watches the progress bar reach 100 %, finds a credential and revokes it with a
reason. Once at desktop width and once on a 390 px phone, where every page fits the
screen and the navigation is how the pages are reached. axe-core runs on every console
page visited; every step is photographed into tests/artifacts/console-<step>.png
(console-phone-<step>.png on the phone)."""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.request
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import axe
from tests.local_system import open_mail

ROWS = 20


def _organization(info: dict, name: str, admin: str) -> str:
    """A new organization with `admin` invited as its first admin (the operators' route)."""
    domain = admin.split("@")[1]
    payload = {"name": name, "url": f"https://{domain}", "email": f"badges@{domain}", "admin_email": admin}
    request = urllib.request.Request(info["api_url"] + "/ops/issuers", data=json.dumps(payload).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {info['operator_key']}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as resp:
        return json.load(resp)["issuer"]["id"]


def _png(path: Path) -> Path:
    """A 256 x 256 badge image, as a designer would export it."""
    image = Image.new("RGBA", (256, 256), (44, 79, 184, 255))
    for x in range(64, 192):
        for y in range(64, 192):
            image.putpixel((x, y), (255, 215, 0, 255))
    image.save(path, "PNG")
    return path


class Tour:
    """One browser page through the console: every page it stops at gets axe-core, the
    phone's width check and a full-page screenshot; requests to other origins, script
    errors and CSP complaints are collected for the end."""

    def __init__(self, page, base: str, origins: tuple[str, ...], artifacts: Path, prefix: str, phone: bool):
        self.page, self.base, self.artifacts, self.prefix, self.phone = page, base, artifacts, prefix, phone
        self.foreign: list[str] = []
        self.complaints: list[str] = []
        self.steps: list[str] = []
        page.on("request", lambda r: None if r.url.startswith(origins + ("data:",)) else self.foreign.append(r.url))
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.complaints.append(f"script error: {e}"))
        page.on("response", lambda r: self.complaints.append(f"{r.status} {r.request.method} {r.url}")
                if r.status >= 400 else None)

    def _console(self, message) -> None:
        url = message.location.get("url") or ""
        # every page names its icon (/favicon.svg): Chromium no longer asks for /favicon.ico
        if message.type in ("error", "warning"):
            self.complaints.append(f"{message.text} ({url})")

    def check(self, step: str) -> None:
        axe(self.page)
        if self.phone:
            width = self.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{step}: the page is {width} px wide on a 390 px screen ({self.page.url})"
        self.page.screenshot(path=str(self.artifacts / f"{self.prefix}-{step}.png"), full_page=True)
        self.steps.append(step)

    def nav(self, name: str) -> None:
        """Go to a section through the console's navigation, as a person would."""
        nav = self.page.get_by_role("navigation", name="Console")
        link = nav.get_by_role("link", name=name, exact=True)
        expect(link).to_be_visible()
        if self.phone:  # every link of the navigation is on the screen: none cut off at the right
            for box in nav.get_by_role("link").evaluate_all("els => els.map(e => e.getBoundingClientRect().right)"):
                assert box <= 390, f"a navigation link ends at {box} px on a 390 px screen"
        link.click()
        expect(link).to_have_attribute("aria-current", "page")

    def mail(self, to: str, subject: str) -> str:
        """The text of the newest mail to `to` whose subject contains `subject`, from the local outbox."""
        outbox = open_mail(self.page.context, self.base, to, subject)
        text = outbox.locator("body").inner_text()
        outbox.close()
        return text


def _sign_in_by_code(tour: Tour, email: str, *, first: bool) -> None:
    page, base = tour.page, tour.base
    expect(page.get_by_role("heading", name="Sign in to the console")).to_be_visible()
    if first:
        tour.check("signin")
    page.get_by_label("Work email address").first.fill(email)
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
    if first:
        tour.check("signin-code")
    code = re.search(r"\b([0-9]{6})\b", tour.mail(email, "console sign-in")).group(1)
    page.get_by_label("6-digit code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/console")


def _program(tour: Tour, info: dict, tmp_path: Path, admin: str, colleague: str) -> None:
    page, base = tour.page, tour.base

    # 1. The first admin signs in by the mailed code and invites a colleague as an admin
    page.goto(f"{base}/console")
    page.wait_for_url(re.compile(r"/console/signin"))
    _sign_in_by_code(tour, admin, first=True)
    tour.check("home")
    tour.nav("Members")
    tour.check("members")
    page.get_by_label("Email address", exact=True).fill(colleague)
    page.get_by_label("Name (optional)").fill("Grace Hopper")
    page.get_by_label("Admin", exact=True).check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status")).to_have_text("The invitation was mailed.")
    row = page.get_by_role("row").filter(has_text="Grace Hopper")
    expect(row).to_contain_text("Admin")
    expect(row).to_contain_text("Invited until")
    row.get_by_role("link", name="Grace Hopper").click()
    expect(page.get_by_role("heading", name="Grace Hopper")).to_be_visible()
    tour.check("member")
    page.get_by_role("navigation", name="Console").get_by_role("button", name="Sign out").click()

    # 2. The colleague follows the invitation's link and signs in by the code mailed to them
    page.goto(f"{base}/_local/outbox")
    page.get_by_role("row").filter(has_text=colleague).get_by_role("link", name=re.compile("You are invited to")).click()
    expect(page.locator("body")).to_contain_text(f"invited you to work on Acme Academy ({'phone' if tour.phone else 'desktop'})")
    page.get_by_role("link", name="Sign in to accept").click()
    _sign_in_by_code(tour, colleague, first=False)
    expect(page.get_by_role("navigation", name="Console")).to_contain_text("Grace Hopper")

    # 3. A template, with its live preview, an uploaded PNG, then active
    tour.nav("Templates")
    expect(page.get_by_role("status")).to_have_text("No templates yet.")
    tour.check("templates")
    page.get_by_role("link", name="New template").click()
    expect(page.get_by_role("heading", name="New template", level=1)).to_be_visible()
    tour.check("template-new")
    page.get_by_label("Name", exact=True).fill("Data Steward")
    page.get_by_label("Description", exact=True).fill("Stewards a team's data: quality, lineage and access.")
    page.get_by_label("Kind", exact=True).select_option(label="Certification")
    page.get_by_label("What the earner did").fill("Passed the data stewardship exam and a practical review.")
    page.get_by_label("Skills (tags, separated by commas)").fill("Data quality, Governance")
    preview = page.locator("#template-preview")
    expect(preview).to_contain_text("Data Steward")  # htmx swapped the preview in as the form changed
    expect(preview).to_contain_text("Governance")
    tour.check("template-preview")
    page.get_by_role("button", name="Create the draft").click()
    expect(page.get_by_role("status")).to_have_text("The draft was created. Add its image, then activate it.")
    template_id = page.locator("code").first.inner_text()
    tour.check("template-draft")
    page.get_by_label(re.compile("A PNG or SVG file")).set_input_files(_png(tmp_path / "data-steward.png"))
    page.get_by_role("button", name="Upload the image").click()
    expect(page.get_by_role("status")).to_have_text("The image was uploaded.")
    image = page.get_by_role("img", name="The current badge image of Data Steward")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth") == 256  # served back from S3
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("status")).to_have_text("The template is active: it issues credentials.")
    expect(page.locator(".tag.state-active")).to_have_text("Active")
    tour.check("template-active")

    # 4. One credential, from the form
    page.get_by_role("link", name="Issue from this template").click()
    expect(page.get_by_label("Template", exact=True)).to_have_value(template_id)
    tour.check("issue")
    page.get_by_label("Email address", exact=True).fill("katherine.johnson@example.com")
    page.get_by_label("First name", exact=True).fill("Katherine")
    page.get_by_label("Last name", exact=True).fill("Johnson")
    page.get_by_label("Link to the work").fill("https://example.com/work/katherine")
    page.get_by_role("button", name="Issue", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("The credential was issued and the claim mail sent.")
    tour.check("issued")
    assert "Data Steward" in tour.mail("katherine.johnson@example.com", "Data Steward")

    # 5. Twenty from a file: the CSV template, the upload, the preview, the confirmation, the progress
    page.get_by_role("link", name="To many at once, from a file").click()
    expect(page.get_by_role("heading", name="Issue from a file")).to_be_visible()
    tour.check("bulk")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the CSV template").click()
    header = next(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert header[:4] == ["email", "first_name", "last_name", "template_id"]
    filled = io.StringIO()
    writer = csv.DictWriter(filled, fieldnames=header)
    writer.writeheader()
    for n in range(1, ROWS + 1):
        writer.writerow({"email": f"learner{n:02d}@example.com", "first_name": "Learner", "last_name": f"Number {n}",
                         "template_id": template_id})
    page.get_by_label(re.compile("CSV file")).set_input_files(
        {"name": "cohort.csv", "mimeType": "text/csv", "buffer": filled.getvalue().encode()})
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Check before issuing")).to_be_visible()
    expect(page.get_by_text("Nothing has been issued yet.")).to_be_visible()
    counts = dict(zip(page.locator("dt").all_inner_texts(), page.locator("dd").all_inner_texts()))
    assert counts["Rows in the file"] == str(ROWS) and counts["Ready to issue"] == str(ROWS), counts
    tour.check("bulk-preview")
    page.get_by_role("button", name=f"Issue {ROWS} credentials").click()
    expect(page.get_by_role("heading", name=re.compile("Issu(ing|ed) from a file"))).to_be_visible()
    progress = page.locator("progress#job-progress")
    expect(progress).to_be_visible()
    # every value the bar shows, as htmx swaps the fresh fragment in (a reload would lose the list)
    page.evaluate("""() => {
      const value = () => document.querySelector('progress#job-progress').value;
      window.shown = [value()];
      new MutationObserver(() => window.shown.push(value())).observe(document.querySelector('main'), {childList: true});
    }""")
    page.wait_for_function("() => document.querySelector('progress#job-progress').value === 100")
    expect(page.locator("#bulk-progress").get_by_role("status")).to_contain_text(
        f"Done. {ROWS} issued, 0 already held, 0 with errors, of {ROWS} rows.")
    shown = page.evaluate("window.shown")  # the page stayed (its heading too): only its bar moved
    assert shown[0] < 100 and shown[-1] == 100, f"the progress bar showed {shown}"
    expect(page.get_by_role("heading", name="Issuing from a file")).to_be_visible()
    tour.check("bulk-progress")

    # 6. Find one of them, and revoke it with a reason after confirming
    tour.nav("Credentials")
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(ROWS + 1 + 1)  # header, 20 + 1 issued
    tour.check("credentials")
    page.get_by_label("Recipient's email address").fill("learner07@example.com")
    page.get_by_role("button", name="Search").click()
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Learner Number 7")
    tour.check("credentials-search")
    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Data Steward", level=1)).to_be_visible()
    credential_url = page.url
    tour.check("credential")
    for action, question, step in (("Re-send the claim mail…", "Re-send the claim mail?", "resend"),
                                   ("Replace…", "Replace this credential?", "replace")):
        page.get_by_role("link", name=action).click()  # the other actions' confirmation pages, left unanswered
        expect(page.get_by_role("heading", name=question)).to_be_visible()
        tour.check(step)
        page.get_by_role("link", name="Back to the credential").click()
    page.get_by_role("link", name="Revoke…").click()
    expect(page.get_by_role("heading", name="Revoke this credential?")).to_be_visible()
    tour.check("revoke")
    page.get_by_label(re.compile("^Reason")).fill("Issued to the wrong cohort.")
    page.get_by_role("button", name="Revoke").click()  # the confirmation box is required: nothing happens yet
    expect(page.get_by_role("heading", name="Revoke this credential?")).to_be_visible()
    page.get_by_label("Yes, revoke it").check()
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_have_text("The credential was revoked.")
    assert page.url.startswith(credential_url)
    expect(page.locator(".state.revoked")).to_have_text("Revoked")
    expect(page.locator("dd").filter(has_text="Issued to the wrong cohort.")).to_have_count(1)
    expect(page.locator("ol.history")).to_contain_text("Issued to the wrong cohort.")
    tour.check("revoked")
    tour.nav("Credentials")
    page.get_by_label("State").select_option(label="Revoked")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("table").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_role("table").locator("tbody tr")).to_contain_text("learner07@example.com")

    # 7. Settings, and from there the single sign-on settings; the member's own page
    tour.nav("Settings")
    expect(page.get_by_role("heading", name="Organization settings")).to_be_visible()
    tour.check("settings")
    page.get_by_role("link", name="Set up single sign-on").click()  # admins find it from the settings
    expect(page.get_by_role("heading", name="Single sign-on", level=1)).to_be_visible()
    expect(page.get_by_label("Redirect URI")).to_have_value(f"{base}/console/sso/callback")
    tour.check("settings-sso")
    tour.nav("Grace Hopper")
    expect(page.get_by_role("heading", name="Your membership")).to_be_visible()
    tour.check("account")
    tour.nav("Home")
    expect(page.get_by_role("heading", name="Acme", exact=False)).to_be_visible()


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_an_organization_runs_its_program_in_the_console(local_system, browser, artifacts, tmp_path, device):
    info, base = local_system, local_system["api_url"]
    domain = f"{device}.acme.example"
    _organization(info, f"Acme Academy ({device})", f"ada@{domain}")
    phone = device == "phone"
    context = browser.new_context(**({"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
                                     if phone else {"viewport": {"width": 1100, "height": 900}}),
                                  accept_downloads=True)
    page = context.new_page()
    tour = Tour(page, base, (base, info["aws_endpoint"]), artifacts, "console-phone" if phone else "console", phone)
    try:
        _program(tour, info, tmp_path, f"ada@{domain}", f"grace@{domain}")
    finally:
        context.close()

    assert tour.steps == ["signin", "signin-code", "home", "members", "member", "templates", "template-new",
                          "template-preview", "template-draft", "template-active", "issue", "issued", "bulk",
                          "bulk-preview", "bulk-progress", "credentials", "credentials-search", "credential", "resend", "replace", "revoke",
                          "revoked", "settings", "settings-sso", "account"]
    assert tour.foreign == [], f"requests outside Laurel: {tour.foreign}"
    assert tour.complaints == [], "failed requests, script errors or console complaints:\n" + "\n".join(
        sorted(set(tour.complaints)))


def test_the_console_in_japanese_on_a_phone_keeps_its_language_in_the_htmx_preview(local_system, browser, artifacts):
    """Issue 19: a member whose browser asks for English chooses 日本語 in the console's
    footer; the page is Japanese (`<html lang="ja">`), fits a 390 px phone and passes
    axe-core; the template editor's live preview, which htmx fetches with the browser's
    own Accept-Language, comes back in Japanese too (the console remembers the choice in
    its cookie) and the page stays `lang="ja"` after the swap. Locators here use no
    English text after the switch: the catalogs are translated after extraction."""
    info, base = local_system, local_system["api_url"]
    _organization(info, "Acme Academy (ja)", "ada@ja.acme.example")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="en-US")
    page = context.new_page()
    tour = Tour(page, base, (base, info["aws_endpoint"]), artifacts, "console-ja-phone", True)
    try:
        page.goto(f"{base}/console")
        page.wait_for_url(re.compile(r"/console/signin"))
        assert page.evaluate("document.documentElement.lang") == "en"
        _sign_in_by_code(tour, "ada@ja.acme.example", first=False)
        # the footer's language links: the member picks Japanese
        page.locator('footer nav.languages a[hreflang="ja"]').click()
        page.wait_for_url(re.compile(r"/console\?lang=ja$"))
        assert page.evaluate("document.documentElement.lang") == "ja"
        expect(page.locator('footer nav.languages [aria-current="true"]')).to_have_text("日本語")
        tour.check("home")
        # the next page, reached through the navigation (no ?lang= in its address), is Japanese too
        page.locator('header.site nav a[href="/console/credentials"]').click()
        page.wait_for_url(f"{base}/console/credentials")
        assert page.evaluate("document.documentElement.lang") == "ja"
        tour.check("credentials")
        page.goto(f"{base}/console/templates/new")
        assert page.evaluate("document.documentElement.lang") == "ja"
        tour.check("template-new")
        page.locator("#f-name").fill("Data Steward")
        # htmx validates the form before it posts it: the preview comes once the required fields are filled
        with page.expect_response(lambda r: r.url == f"{base}/console/templates/preview"
                                  and r.request.method == "POST") as answer:
            page.locator("#f-description").fill("Stewards a team's data: quality, lineage and access.")
        fragment = answer.value
        assert fragment.request.headers.get("hx-request") == "true"
        assert fragment.request.headers.get("accept-language", "").startswith("en")  # the browser's own
        assert fragment.headers.get("content-language") == "ja"
        expect(page.locator("#template-preview")).to_contain_text("Data Steward")
        assert page.evaluate("document.documentElement.lang") == "ja"
        tour.check("template-preview")
    finally:
        context.close()
    assert tour.steps == ["home", "credentials", "template-new", "template-preview"]
    assert tour.foreign == [], f"requests outside Laurel: {tour.foreign}"
    assert tour.complaints == [], "failed requests, script errors or console complaints:\n" + "\n".join(
        sorted(set(tour.complaints)))
