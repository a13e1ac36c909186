"""Issue 20 (profile): the wallet's skills page (sources, insights next to each skill, the
two settings), the public profile's skills (only when chosen and the profile is public),
the issuer dashboard's insights, and the data rights (export, erasure) of all of it."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from chalicelib.domain import ids
from chalicelib.domain import skills as skill_rules
from chalicelib.services import rights, wallet
from tests.conftest import body, scan_table
from tests.helpers import Browser, active_template, csrf_of, issue, new_issuer, post, sign_in

PY = skill_rules.key("Python")


@pytest.fixture()
def org(client):
    _, key = new_issuer()
    return key, active_template(client, key, name="Python for data", skills=["Python", "SQL"])


def _accepted(client, key, tpl, email) -> tuple[str, str]:
    res = issue(client, key, tpl, email)
    assert res.status_code == 201, res.body
    earner = wallet.sign_in(email, ids.email_hash(email))
    wallet.decide(earner, body(res)["id"], "accept")
    return earner, body(res)["id"]


def _grace(client, key, tpl) -> tuple[Browser, str, str]:
    _, cid = _accepted(client, key, tpl, "grace@example.com")
    b = Browser(client)
    sign_in(b, "grace@example.com")
    return b, wallet.sign_in("grace@example.com", ids.email_hash("grace@example.com")), cid


def _settings(b: Browser, **fields):
    csrf = csrf_of(b.text(b.get("/wallet/skills")))
    return b.post("/wallet/skills/settings", {"csrf": csrf, **fields})


def test_the_skills_page_lists_sources_and_hides_small_groups(client, org):
    key, tpl = org
    b, _, cid = _grace(client, key, tpl)
    page = b.text(b.get("/wallet/skills"))
    assert "Python" in page and "SQL" in page and f"/wallet/credentials/{cid}" in page and "Acme Academy" in page
    assert "Fewer than 10 people in Laurel hold this skill" in page and "people in Laurel hold this skill." not in page
    for i in range(9):
        _accepted(client, key, tpl, f"n{i}@example.com")
    page = b.text(b.get("/wallet/skills"))
    assert "10 people in Laurel hold this skill." in page
    assert "Python for data · Acme Academy (10)" in page and "SQL (10)" in page


def test_a_hidden_or_revoked_source_is_marked_and_not_counted(client, org):
    key, tpl = org
    b, earner, cid = _grace(client, key, tpl)
    wallet.set_private(earner, cid, True)
    page = b.text(b.get("/wallet/skills"))
    assert "not shown to anyone" in page and ">hidden<" in page
    assert post(client, f"/credentials/{cid}/revoke", key, {"reason": "error"}).status_code == 200
    page = b.text(b.get("/wallet/skills"))
    assert "Revoked" in page


def test_settings_opt_out_of_insights_and_show_on_the_profile(client, org):
    key, tpl = org
    b, earner, _ = _grace(client, key, tpl)
    assert _settings(b, skills_public="yes").status_code == 303  # insights box unticked: opted out
    item = next(i for i in scan_table() if i["pk"] == f"EARNER#{earner}" and i["sk"] == "PROFILE")
    assert item["skills_public"] is True and item["insights_opt_out"] is True
    holders = next(i for i in scan_table() if i["pk"] == f"SKILLSTAT#{PY}" and i["sk"] == "HOLDERS")
    assert int(holders["n"]) == 0  # at once, before the answer
    page = b.text(b.get("/wallet/skills?saved=settings"))
    assert 'id="count-in-insights" checked' not in page and 'id="skills-public" checked' in page


def test_bad_settings_are_refused_and_change_nothing(client, org):
    key, tpl = org
    b, earner, _ = _grace(client, key, tpl)
    before = scan_table()
    res = b.post("/wallet/skills/settings", {"csrf": "forged", "insights": "yes"})
    assert res.status_code == 403
    csrf = csrf_of(b.text(b.get("/wallet/skills")))
    res = b.post("/wallet/skills/settings", {"csrf": csrf, "insights": "maybe"})
    assert res.status_code == 422 and b"<html" in res.body
    assert [i for i in scan_table() if i["pk"].startswith("SKILLSTAT#")] == \
        [i for i in before if i["pk"].startswith("SKILLSTAT#")]
    assert Browser(client).get("/wallet/skills").status_code in (302, 303)  # signed out: to sign-in


def test_the_public_profile_shows_counted_skills_only_when_chosen(client, org):
    key, tpl = org
    b, earner, cid = _grace(client, key, tpl)
    csrf = csrf_of(b.text(b.get("/wallet/settings")))
    b.post("/wallet/settings/profile", {"display_name": "Grace", "profile": "public", "csrf": csrf})
    assert 'id="profile-skills"' not in b.text(client.http.get(f"/profiles/{earner}"))
    _settings(b, skills_public="yes", insights="yes")
    page = b.text(client.http.get(f"/profiles/{earner}"))
    assert 'id="profile-skills"' in page and ">Python<" in page
    wallet.set_private(earner, cid, True)  # hidden: its skills are not shown
    assert ">Python<" not in b.text(client.http.get(f"/profiles/{earner}"))
    wallet.set_private(earner, cid, False)
    rights.restrict_earner(earner)  # restricted: no profile at all
    assert client.http.get(f"/profiles/{earner}").status_code == 404


def test_export_holds_the_skill_profile_and_settings_and_erasure_takes_it_back(client, org):
    key, tpl = org
    earner, _ = _accepted(client, key, tpl, "grace@example.com")
    wallet.set_skill_settings(earner, skills_public=True, counted_in_insights=True)
    data = rights.build_export(rights.person_of_earner(earner))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        skills = json.loads(z.read("skills.json"))
    assert [s["label"] for s in skills["skills"]] == ["Python", "SQL"]
    assert skills["settings"] == {"show_on_public_profile": True, "counted_in_network_insights": True}
    assert skills["skills"][0]["sources"][0]["issuer"] == "Acme Academy"
    rights.erase_earner(earner)
    assert not [i for i in scan_table() if i["pk"] == f"EARNER#{earner}"]
    assert all(int(i["n"]) == 0 for i in scan_table() if i["pk"].startswith("SKILLSTAT#"))


def test_the_issuer_dashboard_shows_insights_for_its_template_skills(client, org):
    from chalicelib.services import insights

    key, tpl = org
    for i in range(10):
        _accepted(client, key, tpl, f"n{i}@example.com")
    tenant = next(i for i in scan_table() if i["sk"] == f"TPL#{tpl}")["tenant_id"]
    found = {i.key: i for i in insights.for_tenant(tenant)}
    assert found[PY].holders == 10 and found[skill_rules.key("SQL")].holders == 10
    other, other_key = new_issuer("Other Org")
    tpl2 = active_template(client, other_key, name="Rare", skills=["Rare skill"])
    assert tpl2
    rare = {i.key: i for i in insights.for_tenant(other)}[skill_rules.key("Rare skill")]
    assert rare.holders is None


def test_the_console_dashboard_section_shows_insights_with_the_same_hiding(client):
    from tests.console_helpers import new_organization
    from tests.console_helpers import sign_in as console_sign_in

    tenant, key = new_organization("Acme Academy", "ada@acme.example")
    admin = console_sign_in(client, "ada@acme.example")
    tpl = active_template(client, key, name="Python for data", skills=["Python", "SQL"])
    for i in range(10):
        _accepted(client, key, tpl, f"n{i}@example.com")
    _accepted(client, key, active_template(client, key, name="Rare", skills=["Rare skill"]), "r@example.com")
    html = admin.text(admin.get("/console/dashboard"))
    section = html.split('id="skill-insights"', 1)[1].split("</section>", 1)[0]
    assert "Python: 10 holders" in section and "SQL (10)" in section
    assert "Python for data · Acme Academy (10)" in section
    assert "Rare skill: fewer than 10 holders" in section
    # another organization's dashboard names only its own template skills
    new_organization("Other Org", "bob@other.example")
    other = console_sign_in(client, "bob@other.example")
    other_html = other.text(other.get("/console/dashboard"))
    assert "Python: 10 holders" not in other_html and "Your templates name no skills yet." in other_html
