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
