"""Issuer analytics through the API: per issuer and per template, no personal data."""

import json
from datetime import timedelta

from tests.conftest import body, sent_mail
from tests.helpers import active_template, auth, claim_token_from, issue, new_issuer, post


def _issue(client, key, tpl, email, **extra):
    res = issue(client, key, tpl, email=email, **extra)
    assert res.status_code == 201, res.body
    return body(res)["id"]


def _claim(client, cred_id, decision):
    mail = next(m for m in sent_mail() if f"/claim/{cred_id}?" in m["body"])
    token = claim_token_from(mail["body"], cred_id)
    res = post(client, f"/claim/{cred_id}", None, {"token": token, "decision": decision})
    assert res.status_code == 200, res.body


def test_counts_rates_and_skills_per_template_and_issuer(client, monkeypatch):
    from chalicelib.services import claims, clock, credentials

    now = [clock.utcnow()]  # the services' clock, moved by hand: issued, then accepted hours later
    monkeypatch.setattr(clock, "utcnow", lambda: now[0])
    _, key = new_issuer()
    tpl = active_template(client, key, name="Data Steward", skills=["Data quality", "Governance"])
    other = active_template(client, key, name="Analyst", skills=["SQL"])
    unused = active_template(client, key, name="Zero")
    accepted = _issue(client, key, tpl, "ada@example.com")
    rejected = _issue(client, key, tpl, "bob@example.com")
    revoked = _issue(client, key, tpl, "cy@example.com")
    now[0] += timedelta(hours=1)
    _claim(client, rejected, "reject")
    now[0] += timedelta(hours=1, minutes=30)
    _claim(client, accepted, "accept")  # after 2.5 hours
    now[0] += timedelta(hours=2)
    _claim(client, revoked, "accept")  # after 4.5 hours
    assert post(client, f"/credentials/{revoked}/revoke", key, {"reason": "cheated"}).status_code == 200
    _issue(client, key, tpl, "dee@example.com")  # pending
    _issue(client, key, other, "eve@example.com", issued_at="2020-01-01", expires_at="2021-01-01")  # expired

    res = client.http.get("/analytics", headers=auth(key))
    assert res.status_code == 200, res.body
    report = body(res)
    totals = report["totals"]
    assert {k: totals[k] for k in ("issued", "pending", "accepted", "rejected", "revoked", "expired")} == {
        "issued": 5, "pending": 1, "accepted": 1, "rejected": 1, "revoked": 1, "expired": 1}
    assert totals["acceptance_rate"] == 0.4  # 2 of 5 were accepted (one later revoked)
    assert totals["median_hours_to_accept"] == 3.5  # of 2.5 and 4.5 hours
    assert totals["top_skills"][:2] == [{"skill": "Data quality", "count": 4}, {"skill": "Governance", "count": 4}]

    by_name = {t["name"]: t for t in report["templates"]}
    assert list(by_name) == ["Analyst", "Data Steward", "Zero"]
    assert by_name["Analyst"]["expired"] == 1 and by_name["Analyst"]["acceptance_rate"] == 0
    assert by_name["Data Steward"]["issued"] == 4 and by_name["Data Steward"]["acceptance_rate"] == 0.5
    assert by_name["Zero"]["template_id"] == unused and by_name["Zero"]["issued"] == 0
    assert by_name["Zero"]["acceptance_rate"] is None and by_name["Zero"]["median_hours_to_accept"] is None

    one = body(client.http.get(f"/analytics/templates/{tpl}", headers=auth(key)))
    assert one["template_id"] == tpl and one["issued"] == 4 and one["revoked"] == 1 and one["pending"] == 1
    assert one["top_skills"] == [{"skill": "Data quality", "count": 4}, {"skill": "Governance", "count": 4}]

    # aggregates only: no address, name or credential id anywhere in either answer
    text = res.body.decode() + json.dumps(one)
    for personal in ("@example.com", "Grace", "Hopper", accepted, rejected, revoked):
        assert personal not in text


def test_another_tenants_template_is_404_and_tenants_are_separate(client):
    _, key_a = new_issuer("A")
    _, key_b = new_issuer("B")
    tpl_a = active_template(client, key_a)
    _issue(client, key_a, tpl_a, "ada@example.com")
    res = client.http.get(f"/analytics/templates/{tpl_a}", headers=auth(key_b))
    assert res.status_code == 404 and body(res)["error"]["code"] == "not_found"
    for bad in ("zzz", "0123456789abcdef", "%2e%2e"):
        assert client.http.get(f"/analytics/templates/{bad}", headers=auth(key_a)).status_code == 404
    b = body(client.http.get("/analytics", headers=auth(key_b)))
    assert b["totals"]["issued"] == 0 and b["templates"] == []
    assert client.http.get("/analytics").status_code == 401
