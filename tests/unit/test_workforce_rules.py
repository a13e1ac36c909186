"""domain/workforce.py: what an employer may see of a linked employee, and the sums its
pages make (issue 20, item 3)."""

from __future__ import annotations

import pytest

from chalicelib.domain import skills, workforce
from chalicelib.domain.errors import BadRequest

PY = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"


def _source(name: str, issuer: str, **kw) -> skills.Source:
    return skills.Source(kind="credential", id=name, name=name, issuer=issuer, **kw)


def test_only_counted_sources_reach_the_employer_even_for_a_skill_held_twice():
    profile = skills.build("e1", [
        ("Python", PY, _source("Hidden Course", "Acme", private=True)),
        ("python (computer programming)", PY, _source("Public Course", "Beta")),
        ("Cobol", None, _source("Revoked Course", "Acme", state="revoked")),
        ("Leadership", None, _source("Old Course", "Gamma", state="expired")),
    ])
    view = skills.indexed(profile, "Grace")
    entry = workforce.entry_skills(profile, view.skills)
    assert set(entry) == {"esco:ccd0a1d9-afda-43d9-b901-96344886e14d", "text:leadership"}
    assert entry["esco:ccd0a1d9-afda-43d9-b901-96344886e14d"]["sources"] == [["Public Course", "Beta"]]
    assert "Hidden Course" not in repr(entry) and "Revoked Course" not in repr(entry)


def test_addresses_are_split_checked_deduplicated_and_capped():
    assert workforce.addresses("A@x.example, b@x.example;\nb@x.example  c@x.example") == [
        "a@x.example", "b@x.example", "c@x.example"]
    with pytest.raises(BadRequest, match="at most 200"):
        workforce.addresses(" ".join(f"p{n}@x.example" for n in range(201)))
    for bad in ("", "  ", "x@", "Grace <g@x.example>", "g@x"):
        with pytest.raises(BadRequest):
            workforce.addresses(bad)


def test_an_invitation_code_names_its_organization_and_a_well_formed_token_only():
    code = workforce.invitation_code("0123456789abcdef", "a" * 32)
    assert workforce.split_invitation(code) == ("0123456789abcdef", "a" * 32)
    for forged in ("0123456789abcdef." + "a" * 31, "0123456789abcde." + "a" * 32, "x", "", code + "a",
                   "0123456789abcdef." + "A" * 32):
        assert workforce.split_invitation(forged) is None, forged


ENTRIES = [
    {"earner_id": "e1", "name": "Grace", "skills": {"text:python": {"label": "Python", "sources": [["C1", "I1"]]},
                                                    "text:sql": {"label": "SQL", "sources": [["C2", "I2"]]}}},
    {"earner_id": "e2", "name": "alan", "skills": {"text:python": {"label": "Python", "sources": [["C3", "I3"]]}}},
]


def test_search_needs_every_skill_asked_for_by_key_or_words():
    assert [r["name"] for r in workforce.search(ENTRIES, ["pyth"])] == ["alan", "Grace"]
    assert [r["name"] for r in workforce.search(ENTRIES, ["text:python", "sql"])] == ["Grace"]
    assert workforce.search(ENTRIES, ["text:pyth"]) == [], "a key matches only itself"
    assert workforce.search(ENTRIES, []) == []
    [grace] = workforce.search(ENTRIES, ["sql"])
    assert grace["skills"] == [{"key": "text:sql", "label": "SQL", "sources": [["C2", "I2"]]}]
    with pytest.raises(BadRequest):
        workforce.terms("a,b,c,d,e,f")


def test_coverage_counts_holders_and_gaps_put_skills_nobody_holds_first():
    assert workforce.coverage(ENTRIES) == [{"key": "text:python", "label": "Python", "holders": 2},
                                           {"key": "text:sql", "label": "SQL", "holders": 1}]
    required = workforce.role_skills([("Python (computer programming)", PY)], ["SQL", "Cobol", "sql"])
    assert [s["key"] for s in required] == ["esco:ccd0a1d9-afda-43d9-b901-96344886e14d", "text:sql", "text:cobol"]
    gaps = workforce.gaps(required + [{"key": "text:python", "label": "Python", "uri": None}], ENTRIES)
    assert [(g["label"], g["holders"]) for g in gaps] == [
        ("Cobol", 0), ("Python (computer programming)", 0), ("SQL", 1), ("Python", 2)]
