"""Imported badges name their skills (issue 20, items 1-2): the verifier's summary of another
issuer's OB 2.0 or OB 3.0 badge carries `skills: [{"name", "uri"}]` from its tags and
alignments, the URI only for an ESCO skill; the earner's skill profile reads it from there."""

from __future__ import annotations

import json

from chalicelib.domain import taxonomy
from tests.fixtures.foreign import ob2_cases, ob3_cases

SKILL = "http://data.europa.eu/esco/skill/"
HASKELL = SKILL + "000f1d3d-220f-4789-9c0a-cc742521fb02"
SQL = SKILL + "598de5b0-5b58-4ea7-8058-a4bc4d18c742"


def _verify(client, given: dict) -> dict:
    res = client.http.post("/verify", headers={"Content-Type": "application/json"}, body=json.dumps(given))
    assert res.status_code == 200, res.body
    return json.loads(res.body)


def test_an_ob2_badge_names_its_tags_and_esco_alignments(client, foreign_web):
    issuer = ob2_cases.Issuer(foreign_web, "skills", badge={
        "tags": ["Teamwork", "Haskell"],
        "alignment": [
            {"targetName": "Haskell", "targetUrl": HASKELL, "targetFramework": "ESCO"},
            {"targetName": "Local curriculum item", "targetUrl": "https://school.example/c/7"},
            {"targetName": "SQL", "targetUrl": SQL.replace("http://", "https://")},  # ESCO's URI over https
        ]})
    report = _verify(client, {"url": issuer.host(issuer.assertion()), "email": ob2_cases.EMAIL})
    assert report["result"] == "valid", report["checks"]
    assert report["credential"]["skills"] == [
        {"name": "Teamwork", "uri": None}, {"name": "Haskell", "uri": HASKELL},
        {"name": "Local curriculum item", "uri": None}, {"name": "SQL", "uri": SQL}]


def test_an_ob3_credential_names_its_tags_and_esco_alignments(client, foreign_web):
    did = ob3_cases._did_key("skills")
    vc = ob3_cases._vc(foreign_web, did, "skills")
    vc["credentialSubject"]["achievement"].update({
        "tag": ["Data quality"],
        "alignment": [{"type": ["Alignment"], "targetName": "Haskell", "targetUrl": HASKELL,
                       "targetFramework": "ESCO", "targetType": "ceasn:Competency"},
                      {"type": ["Alignment"], "targetName": "Not ESCO", "targetUrl": SKILL + "not-a-uuid"}]})
    token = ob3_cases._jwt(vc, ob3_cases._ed_jwk("skills"), "EdDSA", kid=f"{did}#{ob3_cases._multikey('skills')}")
    report = _verify(client, {"jwt": token, "email": ob3_cases.EMAIL})
    assert report["result"] == "valid", report["checks"]
    assert report["credential"]["skills"] == [
        {"name": "Data quality", "uri": None}, {"name": "Haskell", "uri": HASKELL}, {"name": "Not ESCO", "uri": None}]


def test_badge_skills_reads_someone_elses_document_defensively():
    assert taxonomy.badge_skills(None, None) == []
    assert taxonomy.badge_skills("Teamwork", {"targetName": "Haskell", "targetUrl": HASKELL}) == [
        {"name": "Teamwork", "uri": None}, {"name": "Haskell", "uri": HASKELL}]
    odd = [1, {"x": 1}, "", "  ", ["nested"], "x" * 500]
    assert taxonomy.badge_skills(odd, [1, "a", {"targetName": 5, "targetUrl": HASKELL}]) == [
        {"name": "x" * 200, "uri": None}]
    many = taxonomy.badge_skills([f"skill {n}" for n in range(80)], None)
    assert len(many) == 50
    # the same name twice (case, spacing aside) is one skill, with the alignment's URI
    assert taxonomy.badge_skills(["haskell "], [{"targetName": "Haskell", "targetUrl": HASKELL}]) == [
        {"name": "haskell", "uri": HASKELL}]
