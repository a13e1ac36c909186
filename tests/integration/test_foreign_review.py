"""Issue 18's second review: forged status lists and JWT time claims from other issuers,
verified through POST /verify (tests/fixtures/foreign/review_cases.py). Every verdict is
asserted; a crafted status list must never answer 500, and one credential may not make
the verifier fetch dozens of documents."""

from __future__ import annotations

import pytest

from tests.fixtures.foreign import review_cases
from tests.fixtures.foreign.cases import assert_verdict, run


@pytest.mark.parametrize("case", review_cases.CASES, ids=str)
def test_review_case(client, foreign_web, case):
    assert_verdict(run(client, case, foreign_web), case)


def test_forty_status_entries_are_not_forty_fetches(client, foreign_web):
    case = next(c for c in review_cases.CASES if c.name == "forty-status-entries")
    run(client, case, foreign_web)
    assert len(foreign_web.requests) <= 4, foreign_web.requests


def test_empty_credential_status_list_is_not_a_status(client, foreign_web):
    report = run(client, next(c for c in review_cases.CASES if c.name == "jwt-exp-in-future"), foreign_web)
    assert ("revocation", True) in [(c["check"], c["ok"]) for c in report["checks"]]
