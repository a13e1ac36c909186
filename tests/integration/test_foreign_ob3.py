"""Issue 18, verification rules 4-6: Open Badges 3.0 credentials from other issuers, built
with independent tools and hosted on the loopback HTTPS host (tests/fixtures/foreign/),
each verified through POST /verify; every verdict is asserted, and for a broken variant
the check that must say so."""

from __future__ import annotations

import pytest

from chalicelib import config
from tests.fixtures.foreign import ob3_cases
from tests.fixtures.foreign.cases import assert_verdict, run


@pytest.fixture()
def contexts_from(foreign_web, monkeypatch):
    """The context allow-list (config.py) names the loopback issuers' /contexts/ folder only."""
    monkeypatch.setenv("LAUREL_JSONLD_CONTEXT_ALLOW", foreign_web.url("/contexts/"))
    config.get_settings.cache_clear()
    yield foreign_web
    monkeypatch.undo()
    config.get_settings.cache_clear()


@pytest.mark.parametrize("case", ob3_cases.CASES, ids=str)
def test_foreign_ob3_case(client, contexts_from, case):
    report = run(client, case, contexts_from)
    assert_verdict(report, case)
    if case.failing_check == "recipient" or case.name == "subject-mailto":
        assert any(c["check"] == "recipient" for c in report["checks"]), report["checks"]


def test_every_rule_has_a_good_and_a_broken_case():
    rules: dict[str, set[bool]] = {}
    for case in ob3_cases.CASES:
        rules.setdefault(case.rule, set()).add(case.good)
    assert rules and all(kinds == {True, False} for kinds in rules.values()), rules


def _context_jwt(web, url: str) -> dict:
    did = ob3_cases._did_key("ctx")
    vc = ob3_cases._vc(web, did, "ctx-fetch", contexts=[ob3_cases.VC2, ob3_cases.OB303, url])
    vc["credentialSubject"]["favouriteColour"] = "green"
    return {"jwt": ob3_cases._jwt(vc, ob3_cases._ed_jwk("ctx"), "EdDSA", kid=f"{did}#{ob3_cases._multikey('ctx')}")}


def _post(client, given: dict) -> dict:
    import json

    res = client.http.post("/verify", headers={"Content-Type": "application/json"}, body=json.dumps(given))
    assert res.status_code == 200, res.body
    return json.loads(res.body)


def test_a_context_outside_the_allow_list_is_never_fetched(client, contexts_from):
    web = contexts_from
    url = web.put("/elsewhere/never.json", ob3_cases._EXTRA_CTX)
    report = _post(client, _context_jwt(web, url))
    failed = {c["check"]: c["detail"] for c in report["checks"] if not c["ok"]}
    assert report["result"] == "invalid" and "allow-list" in failed["contexts"], failed
    assert "/elsewhere/never.json" not in web.requests


def test_an_allow_listed_context_is_fetched_once_and_cached(client, contexts_from):
    web = contexts_from
    url = web.put("/contexts/cached-v1.json", ob3_cases._EXTRA_CTX)
    first, second = _post(client, _context_jwt(web, url)), _post(client, _context_jwt(web, url))
    assert first["result"] == second["result"] == "valid", first["checks"]
    assert web.requests.count("/contexts/cached-v1.json") == 1, web.requests


def test_an_oversized_context_is_refused(client, contexts_from):
    web = contexts_from
    big = {"@context": {**ob3_cases._EXTRA_CTX["@context"], **{f"t{i}": f"ex:t{i}" for i in range(20000)}}}
    url = web.put("/contexts/big-v1.json", big)
    report = _post(client, _context_jwt(web, url))
    failed = {c["check"]: c["detail"] for c in report["checks"] if not c["ok"]}
    assert report["result"] == "invalid" and "larger than" in failed["contexts"], failed
