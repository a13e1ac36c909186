"""ESCO skills in the console's template editor (issue 20, item 1): "Template skills are
suggested from it (type-ahead in the console ...), stored with their URI ... Free-text
skills stay possible." The field takes `Label <URI>` (what the type-ahead writes; typed or
pasted without JavaScript)."""

from __future__ import annotations

import json
from urllib.parse import quote

from markupsafe import escape

from tests.console_helpers import console_csrf, member, new_organization, sign_in
from tests.integration.test_console_templates import create, template_form, templates_stored

SKILL = "http://data.europa.eu/esco/skill/"
HASKELL = SKILL + "000f1d3d-220f-4789-9c0a-cc742521fb02"
PYTHON = SKILL + "ccd0a1d9-afda-43d9-b901-96344886e14d"


def test_the_skills_field_stores_esco_skills_with_their_uri_beside_free_text(client):
    tenant_id, _ = new_organization()
    admin = sign_in(client, "ada@acme.example")
    template_id = create(admin, skills=f"Data quality, Functional Haskell <{HASKELL}>, <{PYTHON}>")
    [item] = templates_stored(tenant_id)
    assert json.loads(item["skills"]) == ["Data quality", "Functional Haskell", "Python (computer programming)"]
    assert json.loads(item["skill_uris"]) == {"Functional Haskell": HASKELL, "Python (computer programming)": PYTHON}
    # the editor shows them again as they are written
    page = admin.text(admin.get(f"/console/templates/{template_id}"))
    assert str(escape(f"Data quality, Functional Haskell <{HASKELL}>, Python (computer programming) <{PYTHON}>")) in page


def test_an_unknown_esco_address_is_a_problem_of_the_form_and_nothing_is_stored(client):
    tenant_id, _ = new_organization()
    admin = sign_in(client, "ada@acme.example")
    csrf = console_csrf(admin, "/console/templates/new")
    wrong = SKILL + "00000000-0000-0000-0000-000000000000"
    res = admin.post("/console/templates", template_form(csrf, skills=f"SQL, Haskell <{wrong}>"))
    assert res.status_code == 422
    assert f"tag 2: {wrong} is not an ESCO skill" in admin.text(res)
    assert templates_stored(tenant_id) == []


def test_the_type_ahead_suggests_esco_skills_and_a_pick_adds_one_to_the_field(client):
    new_organization()
    admin = sign_in(client, "ada@acme.example")
    fragment = admin.text(admin.get("/console/templates/skills?q=haskel", headers={"HX-Request": "true"}))
    assert "<html" not in fragment and ">Haskell</button>" in fragment
    assert f'hx-vals=\'{{"uri": "{HASKELL}"}}\'' in fragment and "CC BY 4.0" in fragment
    # without JavaScript: a page with the line to copy
    page = admin.text(admin.get("/console/templates/skills?q=haskel"))
    assert "<html" in page and str(escape(f"Haskell <{HASKELL}>")) in page
    # one character: nothing suggested yet
    assert ">Haskell<" not in admin.text(admin.get("/console/templates/skills?q=h", headers={"HX-Request": "true"}))

    res = admin.get(f"/console/templates/skills/pick?skills=SQL%2C+Governance&uri={HASKELL}",
                    headers={"HX-Request": "true"})
    assert res.status_code == 200 and res.headers["HX-Trigger-After-Settle"] == "skill-picked"  # the preview follows
    field = admin.text(res)
    assert field.startswith('<input id="f-skills" name="skills"')
    assert f'value="{escape(f"SQL, Governance, Haskell <{HASKELL}>")}"' in field
    # picked twice: there once; an unknown address: the field as it was
    again = admin.text(admin.get(f"/console/templates/skills/pick?skills={quote(f'SQL, Haskell <{HASKELL}>')}"
                                 f"&uri={HASKELL}"))
    assert again.count(HASKELL) == 1
    unknown = admin.text(admin.get(f"/console/templates/skills/pick?skills=SQL&uri={SKILL}nope"))
    assert 'value="SQL"' in unknown


def test_the_type_ahead_is_for_those_who_may_edit_templates(client):
    tenant_id, _ = new_organization()
    admin = sign_in(client, "ada@acme.example")
    reader = member(client, tenant_id, "rita@acme.example", "read_only", admin)
    for path in ("/console/templates/skills?q=haskell", f"/console/templates/skills/pick?skills=SQL&uri={HASKELL}"):
        res = reader.get(path)
        assert res.status_code == 403, (path, res.status_code)
        assert "Haskell" not in reader.text(res)
    # no session: to the sign-in page
    from tests.helpers import Browser

    res = Browser(client).get("/console/templates/skills?q=haskell")
    assert res.status_code == 303 and "/console/signin" in res.headers["Location"]
