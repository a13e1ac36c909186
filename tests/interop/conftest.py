"""Laurel credentials for the independent verifiers: valid, expired and revoked, each
issued and accepted through the real API (moto), read back through the public routes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import body, sent_mail
from tests.helpers import active_template, claim_token_from, issue, new_issuer, post
from tests.interop.laurel_web import BASE, LaurelWeb

EMAIL = "grace@example.com"
STATES = ("valid", "expired", "revoked")


class Laurel:
    def __init__(self, client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.client = client
        self.monkeypatch = monkeypatch
        self.web = LaurelWeb(client)
        self.tenant, self.key = new_issuer()
        # expiry: 2 years after issue (template default in tests/helpers.py); one skill is an ESCO
        # skill, so every credential here carries an OB 3.0 `alignment` the verifiers read (issue 20)
        self.template = active_template(client, self.key, skills=[
            "Data quality", {"name": "Haskell", "uri": "http://data.europa.eu/esco/skill/000f1d3d-220f-4789-9c0a-cc742521fb02"}])

    def credential(self, state: str, email: str = EMAIL) -> str:
        """A credential id in `state`: valid; expired (issued and accepted three years
        ago under the template's two-year expiry); revoked (by the issuer, with a reason)."""
        from chalicelib.services import clock

        if state == "expired":
            real = clock.utcnow
            self.monkeypatch.setattr(clock, "utcnow", lambda: real() - timedelta(days=3 * 365))
        cid = body(issue(self.client, self.key, self.template, email))["id"]
        token = claim_token_from(sent_mail()[-1]["body"], cid)
        res = post(self.client, f"/claim/{cid}", None, {"token": token, "decision": "accept"})
        assert res.status_code == 200, res.body
        if state == "expired":
            self.monkeypatch.undo()
        if state == "revoked":
            res = post(self.client, f"/credentials/{cid}/revoke", self.key,
                       {"reason": "Exam misconduct", "suppress_email": True})
            assert res.status_code == 200, res.body
        return cid

    def ob3_json(self, cid: str) -> dict:
        return self.web.json(f"{BASE}/ob/v3/credentials/{cid}", accept="application/vc+ld+json")

    def ob3_jwt(self, cid: str) -> str:
        return self.web.fetch(f"{BASE}/ob/v3/credentials/{cid}", accept="application/vc+jwt").decode()


@pytest.fixture()
def laurel(client, monkeypatch) -> Laurel:
    return Laurel(client, monkeypatch)
