"""Workforce skills (issue 20, item 3) in Chromium on a 390 px phone, on the local system:
an admin gives herself the workforce permission and invites an employee; the employee,
signed in to the wallet, sees exactly what the organization would see and links; the
admin finds her by skill (tests/artifacts/workforce-search-phone.png); the employee
unlinks on her privacy page (tests/artifacts/workforce-privacy-phone.png) and the
organization's search no longer finds her. axe-core runs on every page visited."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import axe
from tests.browser.test_console_admin_browser import _call, _organization
from tests.browser.test_console_browser import Tour, _sign_in_by_code
from tests.helpers import PNG, template_payload

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _outbox_link(page, base: str, to: str, subject: str, path: str) -> str:
    outbox = page.context.new_page()
    outbox.goto(f"{base}/_local/outbox")
    row = outbox.get_by_role("row").filter(has_text=to).filter(has_text=subject).first
    href = next(h for h in row.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
                if path in h)
    outbox.close()
    return href


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px screen ({page.url})"


def test_workforce_search_and_unlinking_on_a_phone(local_system, browser, artifacts):
    info, base = local_system, local_system["api_url"]
    admin, employee = "nina@northwind.example", "joan.clarke@example.com"
    made = _organization(info, "Northwind Traders", admin)
    key = made["api_key"]
    template_id = _call(info, "POST", "/templates", key, template_payload(
        name="Cryptanalysis Course", skills=["Cryptanalysis", "Statistics"]))["id"]
    _call(info, "PUT", f"/templates/{template_id}/image", key, PNG, "image/png")
    _call(info, "POST", f"/templates/{template_id}/activate", key, b"")
    cred = _call(info, "POST", "/credentials", key, {"template_id": template_id, "email": employee,
                                                     "first_name": "Joan", "last_name": "Clarke"})

    # the employee accepts her credential in the wallet
    wallet = browser.new_context(**PHONE).new_page()
    wallet.goto(f"{base}/signin")
    wallet.get_by_label(re.compile("address", re.I)).first.fill(employee)
    wallet.keyboard.press("Enter")
    expect(wallet.get_by_role("heading", name="Check your mail")).to_be_visible()
    wallet.goto(_outbox_link(wallet, base, employee, "sign-in link", "/signin/"))
    wallet.get_by_role("button", name="Sign in").click()
    wallet.wait_for_url(f"{base}/wallet")
    wallet.locator(f"#c-{cred['id']}").get_by_role("button", name=re.compile("^Accept")).click()
    wallet.wait_for_url(re.compile(r"accepted=1"))

    # the admin gives herself the workforce permission (it ends her sessions: she signs in again)
    console = browser.new_context(**PHONE).new_page()
    tour = Tour(console, base, (base, info["aws_endpoint"]), artifacts, "workforce-phone", True)
    console.goto(f"{base}/console")
    console.wait_for_url(re.compile(r"/console/signin"))
    _sign_in_by_code(tour, admin, first=False)
    console.get_by_role("navigation", name="Console").get_by_role("link", name="Members", exact=True).click()
    console.locator("#main").get_by_role("link", name=admin).click()
    console.get_by_label("Workforce skills").check()
    console.get_by_role("button", name=re.compile("Save")).click()
    console.goto(f"{base}/console")
    _sign_in_by_code(tour, admin, first=False)
    tour.nav("Workforce")
    tour.check("employees")
    console.get_by_label(re.compile("E-mail addresses")).fill(employee)
    console.get_by_role("button", name="Send the invitations").click()
    expect(console.get_by_role("status")).to_contain_text("1 invitation was mailed")
    expect(console.get_by_text(employee)).to_be_visible()
    tour.check("invited")

    # the employee opens the mailed link: who asks and exactly what it would see
    wallet.goto(_outbox_link(wallet, base, employee, "asks to see the skills", "/wallet/invitations/"))
    expect(wallet.get_by_role("heading", name="Link your wallet to Northwind Traders")).to_be_visible()
    expect(wallet.get_by_role("cell", name="Cryptanalysis", exact=True)).to_be_visible()
    axe(wallet)
    _fits(wallet)
    wallet.screenshot(path=str(artifacts / "workforce-invitation-phone.png"), full_page=True)
    wallet.get_by_role("button", name="Link my wallet").click()
    wallet.wait_for_url(f"{base}/wallet/privacy?done=linked")

    # the organization finds her by skill
    tour.nav("Workforce")
    console.get_by_role("navigation", name="Workforce").get_by_role("link", name="Search by skill").click()
    console.get_by_label(re.compile("^Skills")).fill("cryptanalysis")
    console.get_by_role("button", name="Search", exact=True).click()
    results = console.get_by_role("region", name="Results")
    expect(results.get_by_role("rowheader", name=employee)).to_be_visible()  # no display name: the address invited
    expect(results).to_contain_text("Cryptanalysis Course, by Northwind Traders")
    tour.check("search")
    console.screenshot(path=str(artifacts / "workforce-search-phone.png"), full_page=True)

    # a team with her: its coverage; a role in words: its gaps against the team
    wf = console.get_by_role("navigation", name="Workforce")
    wf.get_by_role("link", name="Teams").click()
    tour.check("teams")
    console.get_by_label("Name").fill("Hut 8")
    console.get_by_label(employee).check()
    console.get_by_role("button", name="Save the team").click()
    expect(console.get_by_role("heading", name="Hut 8")).to_be_visible()
    coverage = console.get_by_role("region", name="Skill coverage")
    expect(coverage.get_by_role("row").filter(has_text="Cryptanalysis")).to_contain_text("1 / 1")
    tour.check("team")
    team_url = console.url.split("?")[0]
    wf.get_by_role("link", name="Roles").click()
    tour.check("roles")
    console.get_by_label("Name").fill("Codebreaker")
    console.get_by_label(re.compile("Other required skills")).fill("Cryptanalysis\nGerman")
    console.get_by_role("button", name="Create the role").click()
    console.get_by_label("Compare with").select_option(label="Hut 8")
    console.get_by_role("button", name="Show").click()
    required = console.get_by_role("region", name="Required skills")
    expect(required.get_by_role("row").filter(has_text="German")).to_contain_text("Nobody: a gap")
    expect(required.get_by_role("row").filter(has_text="Cryptanalysis")).to_contain_text("1")
    tour.check("role")

    # she unlinks on her privacy page; the organization's next search does not find her
    wallet.goto(f"{base}/wallet/privacy")
    expect(wallet.get_by_role("button", name="Unlink Northwind Traders")).to_be_visible()
    axe(wallet)
    _fits(wallet)
    wallet.screenshot(path=str(artifacts / "workforce-privacy-phone.png"), full_page=True)
    wallet.get_by_role("button", name="Unlink Northwind Traders").click()
    wallet.wait_for_url(f"{base}/wallet/privacy?done=unlinked")
    expect(wallet.get_by_role("button", name="Unlink Northwind Traders")).to_have_count(0)
    axe(wallet)
    console.goto(f"{base}/console/workforce/search?q=cryptanalysis")
    expect(console.get_by_role("heading", name=re.compile("0 employees hold"))).to_be_visible()
    tour.check("search-after-unlink")
    console.goto(team_url)
    expect(console.get_by_text("0 members still linked.")).to_be_visible()
    assert "Cryptanalysis" not in console.locator("main").inner_text()
    assert tour.steps == ["employees", "invited", "search", "teams", "team", "roles", "role", "search-after-unlink"]
    assert tour.foreign == [], f"requests outside Laurel: {tour.foreign}"
    assert tour.complaints == [], "failed requests, script errors or console complaints:\n" + "\n".join(
        sorted(set(tour.complaints)))
