"""ESCO skills in the console's template editor (issue 20, item 1), in Chromium on a 390 px
phone, on the local system (`make run`): an admin types a free-text skill, finds an ESCO
skill with the type-ahead under the field, picks it (htmx swaps in the field with
`Label <URI>` added), and creates the draft, which keeps both. axe-core and the phone's
width check on every step, screenshots in tests/artifacts/skills-phone-<step>.png; the
public `GET /skills/search` answers the same skill."""

from __future__ import annotations

import json
import re
import urllib.request

from playwright.sync_api import expect

from tests.browser.test_console_browser import Tour, _organization, _sign_in_by_code

HASKELL = "http://data.europa.eu/esco/skill/000f1d3d-220f-4789-9c0a-cc742521fb02"


def test_an_admin_picks_an_esco_skill_for_a_template_on_a_phone(local_system, browser, artifacts):
    info, base = local_system, local_system["api_url"]
    _organization(info, "Acme Academy (skills)", "ada@skills.acme.example")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    tour = Tour(page, base, (base, info["aws_endpoint"]), artifacts, "skills-phone", True)
    try:
        page.goto(f"{base}/console")
        page.wait_for_url(re.compile(r"/console/signin"))
        _sign_in_by_code(tour, "ada@skills.acme.example", first=False)
        page.goto(f"{base}/console/templates/new")
        page.get_by_label("Name", exact=True).fill("Functional Programmer")
        page.get_by_label("Description", exact=True).fill("Writes and reviews functional programs.")
        page.get_by_label("What the earner did").fill("Built and defended a Haskell project.")
        skills = page.get_by_label("Skills (tags, separated by commas)")
        skills.fill("Code review")
        expect(page.locator("#skills-hint")).to_contain_text(f"Haskell <http://data.europa.eu/esco/skill/…>")
        tour.check("editor")

        # the type-ahead: ESCO skills as the words are typed
        page.get_by_label("Find an ESCO skill").press_sequentially("haskel", delay=40)
        pick = page.get_by_role("button", name="Add the skill Haskell")
        expect(pick).to_be_visible()
        expect(page.locator("#skill-suggestions")).to_contain_text("CC BY 4.0")
        tour.check("suggestions")
        pick.click()
        expect(page.locator("#f-skills")).to_have_value(f"Code review, Haskell <{HASKELL}>")
        expect(page.get_by_label("Skills (tags, separated by commas)")).to_be_visible()  # still labelled
        expect(page.locator("#template-preview ul.skills")).to_contain_text("Haskell")  # the preview followed
        tour.check("picked")

        page.get_by_role("button", name="Create the draft").click()
        expect(page.get_by_role("status")).to_have_text("The draft was created. Add its image, then activate it.")
        expect(page.locator("#f-skills")).to_have_value(f"Code review, Haskell <{HASKELL}>")
        tour.check("saved")
    finally:
        context.close()
    assert tour.steps == ["editor", "suggestions", "picked", "saved"]
    assert tour.foreign == [], f"requests outside Laurel: {tour.foreign}"
    assert tour.complaints == [], "failed requests, script errors or console complaints:\n" + "\n".join(
        sorted(set(tour.complaints)))

    with urllib.request.urlopen(f"{base}/skills/search?q=haskell&limit=1", timeout=30) as resp:  # noqa: S310
        assert json.load(resp)["results"] == [{"uri": HASKELL, "label": "Haskell", "type": "knowledge"}]
