"""Template skills with their ESCO URI (issue 20, item 1): "Template skills are ... stored
with their URI, and emitted as OB 3.0 `alignment` (and OB 2.0 `alignment`) entries.
Free-text skills stay possible."""

from __future__ import annotations

import json

import pytest

from chalicelib.openbadges import data_integrity, jsonld
from tests.conftest import body, scan_table, sent_mail
from tests.helpers import active_template, auth, claim_token_from, issue, new_issuer, post, template_payload

SKILL = "http://data.europa.eu/esco/skill/"
HASKELL = SKILL + "000f1d3d-220f-4789-9c0a-cc742521fb02"
PYTHON = SKILL + "ccd0a1d9-afda-43d9-b901-96344886e14d"
BASE = "https://laurel.test"
SKILLS = ["Data quality", {"name": "Functional programming in Haskell", "uri": HASKELL}, {"uri": PYTHON}]
AS_STORED = ["Data quality", {"name": "Functional programming in Haskell", "uri": HASKELL},
             {"name": "Python (computer programming)", "uri": PYTHON}]


def _template_item(tenant: str, template_id: str) -> dict:
    """The stored template as DynamoDB holds it (JSON attributes decoded)."""
    from chalicelib.store import keys

    item = next(i for i in scan_table() if i["pk"] == keys.tenant_pk(tenant) and i["sk"] == keys.template_sk(template_id))
    return {k: json.loads(v) if k in ("skills", "skill_uris") else v for k, v in item.items()}


def _accepted(client, key, tpl):
    cred = body(issue(client, key, tpl))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    assert post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"}).status_code == 200
    return cred["id"]


def test_template_skills_keep_their_esco_uri_and_free_text_stays(client):
    tenant, key = new_issuer()
    res = post(client, "/templates", key, template_payload(skills=SKILLS))
    assert res.status_code == 201, res.body
    tpl = body(res)
    # the view answers as the API takes them (a string, or {"name", "uri"}): it can be sent back as it is
    assert tpl["skills"] == AS_STORED
    item = _template_item(tenant, tpl["id"])
    # labels as before (everything reading them keeps working), the URIs beside them
    assert item["skills"] == ["Data quality", "Functional programming in Haskell", "Python (computer programming)"]
    assert item["skill_uris"] == {"Functional programming in Haskell": HASKELL, "Python (computer programming)": PYTHON}
    assert body(client.http.get(f"/templates/{tpl['id']}", headers=auth(key)))["skills"] == AS_STORED

    # PATCH replaces the skills and their URIs together
    res = client.http.patch(f"/templates/{tpl['id']}", headers=auth(key),
                            body=json.dumps({"skills": ["SQL", {"name": "Haskell", "uri": HASKELL}]}))
    assert res.status_code == 200, res.body
    assert body(res)["skills"] == ["SQL", {"name": "Haskell", "uri": HASKELL}]
    assert _template_item(tenant, tpl["id"])["skill_uris"] == {"Haskell": HASKELL}
    res = client.http.patch(f"/templates/{tpl['id']}", headers=auth(key), body=json.dumps({"skills": ["SQL"]}))
    assert body(res)["skills"] == ["SQL"] and _template_item(tenant, tpl["id"])["skill_uris"] == {}


@pytest.mark.parametrize("skill", [
    {"name": "Haskell", "uri": SKILL + "00000000-0000-0000-0000-000000000000"},  # not an ESCO skill
    {"name": "ICT security administrator",
     "uri": "http://data.europa.eu/esco/occupation/0464b062-cea6-4164-b10d-956c61956ae7"},  # an occupation
    {"name": "Haskell", "uri": "https://evil.example/skill/000f1d3d-220f-4789-9c0a-cc742521fb02"},
])
def test_unknown_skill_uris_are_refused_and_nothing_is_written(client, skill):
    _, key = new_issuer()
    before = scan_table()
    res = post(client, "/templates", key, template_payload(skills=["SQL", skill]))
    assert res.status_code == 400, res.body
    assert body(res)["error"]["code"] == "unknown_skill"
    assert scan_table() == before


def test_malformed_skill_objects_are_refused(client):
    _, key = new_issuer()
    for skill in ({"name": "x", "uri": HASKELL, "level": 3}, {"name": "Haskell"}, {"uri": ""}, {"name": "", "uri": HASKELL}):
        res = post(client, "/templates", key, template_payload(skills=[skill]))
        assert 400 <= res.status_code < 500 and "error" in body(res), (skill, res.body)


def test_credentials_carry_the_uris_as_ob3_and_ob2_alignment_and_still_verify(client):
    tenant, key = new_issuer()
    tpl = active_template(client, key, skills=SKILLS)
    cid = _accepted(client, key, tpl)
    stored = next(i for i in scan_table() if i.get("credential_id") == cid and "snapshot" in i)
    assert json.loads(stored["snapshot"])["template"]["skill_uris"] == {
        "Functional programming in Haskell": HASKELL, "Python (computer programming)": PYTHON}

    vc = json.loads(client.http.get(f"/ob/v3/credentials/{cid}").body)
    achievement = vc["credentialSubject"]["achievement"]
    assert achievement["tag"] == ["Data quality", "Functional programming in Haskell", "Python (computer programming)"]
    assert achievement["alignment"] == [
        {"type": ["Alignment"], "targetName": "Functional programming in Haskell", "targetUrl": HASKELL,
         "targetFramework": "ESCO", "targetCode": "000f1d3d-220f-4789-9c0a-cc742521fb02",
         "targetType": "ceasn:Competency"},
        {"type": ["Alignment"], "targetName": "Python (computer programming)", "targetUrl": PYTHON,
         "targetFramework": "ESCO", "targetCode": "ccd0a1d9-afda-43d9-b901-96344886e14d",
         "targetType": "ceasn:Competency"},
    ]
    assert jsonld.undefined_terms(vc) == []  # the OB 3.0 context defines every alignment term
    profile = json.loads(client.http.get(vc["issuer"]["id"].removeprefix(BASE)).body)
    method = next(m for m in profile["verificationMethod"] if m["id"] == vc["proof"]["verificationMethod"])
    ok, reason = data_integrity.verify_proof(vc, method["publicKeyMultibase"])
    assert ok, reason
    assert body(post(client, "/verify", None, {"credential": vc}))["result"] == "valid"

    assertion = json.loads(client.http.get(f"/ob/v2/assertions/{cid}").body)
    badge = json.loads(client.http.get(assertion["badge"].removeprefix(BASE)).body)
    assert badge["tags"] == achievement["tag"]
    assert badge["alignment"] == [
        {"targetName": "Functional programming in Haskell", "targetUrl": HASKELL, "targetFramework": "ESCO",
         "targetCode": "000f1d3d-220f-4789-9c0a-cc742521fb02"},
        {"targetName": "Python (computer programming)", "targetUrl": PYTHON, "targetFramework": "ESCO",
         "targetCode": "ccd0a1d9-afda-43d9-b901-96344886e14d"},
    ]
    assert jsonld.undefined_terms(badge) == []


def test_free_text_only_templates_have_no_alignment(client):
    _, key = new_issuer()
    tpl = active_template(client, key)
    cid = _accepted(client, key, tpl)
    vc = json.loads(client.http.get(f"/ob/v3/credentials/{cid}").body)
    assert "alignment" not in vc["credentialSubject"]["achievement"]
    assertion = json.loads(client.http.get(f"/ob/v2/assertions/{cid}").body)
    assert "alignment" not in json.loads(client.http.get(assertion["badge"].removeprefix(BASE)).body)
