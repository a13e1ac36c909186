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
    assert shown["Python"].growth == (("2026Q1", 11),) and shown["Python"].hidden_groups >= 1
    assert [c[1] for c in shown["Python"].credentials] == ["Serverless Data Engineering"]
    # the demo organization's dashboard: its template's skills, held across the network
    board = {i.label: i.holders for i in insights.for_tenant(seeded["tenant_id"])}
    assert board == {"Serverless": 13, "AWS Lambda": 13, "DynamoDB": 13}
    assert skill_rules.MIN_GROUP < demo.NETWORK_SIZE + 1
