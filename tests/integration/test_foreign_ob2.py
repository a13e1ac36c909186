"""Open Badges 2.0 badges from other issuers (issue 18, verification rules 1-3): every
corpus case in tests/fixtures/foreign/ob2_cases.py gets its verdict through POST /verify,
and a broken one names the check that failed."""

from __future__ import annotations

import pytest

from tests.fixtures.foreign.cases import assert_verdict, run
from tests.fixtures.foreign.ob2_cases import CASES


@pytest.mark.parametrize("case", CASES, ids=str)
def test_foreign_ob2_verdict(client, foreign_web, case):
    assert_verdict(run(client, case, foreign_web), case)


def test_every_ob2_rule_has_a_good_and_a_broken_case():
    rules: dict[str, set[bool]] = {}
    for case in CASES:
        rules.setdefault(case.rule, set()).add(case.good)
    assert rules and all(kinds == {True, False} for kinds in rules.values()), rules
    assert len({c.name for c in CASES}) == len(CASES)
