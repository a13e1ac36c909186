"""Issue 20, "Done when": under `make run` the demo earner sees their skills with
insights. The demo data (chalicelib/demo.py) goes through the real services; here it is
seeded into moto and read back through the wallet's skills page and the demo
organization's dashboard."""

from __future__ import annotations

from chalicelib import demo
from chalicelib.domain import ids
from chalicelib.domain import skills as skill_rules
from chalicelib.services import insights, skill_profile, wallet


def test_the_demo_earner_sees_skills_with_insights(client):
    seeded = demo.seed()
    ada = wallet.sign_in("ada.lovelace@example.com", ids.email_hash("ada.lovelace@example.com"))
    page = skill_profile.page(ada)
    shown = {s["label"]: s["insight"] for s in page["skills"]}
    assert set(shown) == {"Serverless", "AWS Lambda", "DynamoDB", "Python"}
    assert all(i.holders == demo.NETWORK_SIZE + 1 for i in shown.values())
    assert shown["Python"].growth == (("2026Q1", 13),)
    assert [c[1] for c in shown["Python"].credentials] == ["Serverless Data Engineering"]
    # the demo organization's dashboard: its template's skills, held across the network
    board = {i.label: i.holders for i in insights.for_tenant(seeded["tenant_id"])}
    assert board == {"Serverless": 13, "AWS Lambda": 13, "DynamoDB": 13}
    assert skill_rules.MIN_GROUP < demo.NETWORK_SIZE + 1


def test_the_demo_organization_finds_the_demo_earner_only_while_she_is_open_to_opportunities(client):
    """Issue 20, "Done when": "the demo organization finds them in talent search only after
    they opt in, and stops finding them when they opt out" — through the console and the
    wallet as a person uses them, on the demo data."""
    from urllib.parse import urlencode

    from tests.console_helpers import sign_in as console_sign_in
    from tests.helpers import Browser, csrf_of
    from tests.helpers import sign_in as wallet_sign_in

    demo.seed()
    admin = console_sign_in(client, demo.DEMO_ADMIN)
    search = "/console/talent?" + urlencode([("skill", "Serverless"), ("skill", "Python")])

    def found() -> bool:
        res = admin.get(search)
        assert res.status_code == 200, res.body
        return "Serverless Data Engineering" in admin.text(res)

    assert not found()
    ada = Browser(client)
    wallet_sign_in(ada, "ada.lovelace@example.com")

    def opportunities(open_: str) -> None:
        csrf = csrf_of(ada.text(ada.get("/wallet/opportunities")))
        fields = [("csrf", csrf), ("open", open_), ("city", "London"), ("country", "GB"),
                  ("kinds", "micro-credential")]
        res = ada.client.http.post("/wallet/opportunities", body=urlencode(fields), headers=ada._headers(
            {"Content-Type": "application/x-www-form-urlencoded"}))
        assert ada._keep(res).status_code == 303

    opportunities("yes")
    assert found()
    opportunities("no")
    assert not found()
