"""Issue 16, what the second review of the merged work found (each test failed before its fix)."""

from __future__ import annotations

import json

import boto3

from chalicelib.config import get_settings
from chalicelib.services import canary
from chalicelib.services import status as status_service
from tests.conftest import body, sent_mail
from tests.helpers import new_issuer
from tests.integration.test_sla_ledger import admin, at, declare, operator, report, utc  # noqa: F401 (fixture)


def test_the_canary_is_no_customer_no_ledger_row_and_gets_no_maintenance_mail(client, operator, monkeypatch):
    made = canary.ensure()
    tenant, _ = new_issuer("Acme Academy")
    admin(tenant, "ada@acme.example")
    at(monkeypatch, utc(2026, 11, 1, 12, 0))
    declare(client, operator, start="2026-11-10T12:00:00Z", end="2026-11-10T13:00:00Z", reason="db")
    # the canary's contact address does not exist: mailing it bounces on every announcement
    assert sorted(m["to"][0] for m in sent_mail()) == ["ada@acme.example", "badges@acme.example"]
    rows = report(client, operator, "2026-11")["tenants"]
    assert [r["tenant_id"] for r in rows] == [tenant] and made["tenant_id"] != tenant


def test_an_offboarded_tenant_is_not_mailed_about_maintenance(client, operator, monkeypatch):
    from chalicelib.store import issuers as issuer_store

    gone, _ = new_issuer("Gone Ltd")
    admin(gone, "left@gone.example")
    issuer_store.update_issuer(issuer_store.get_issuer(gone), {"offboarded_at": "2026-10-01T00:00:00Z"})
    at(monkeypatch, utc(2026, 11, 1, 12, 0))
    declare(client, operator, start="2026-11-10T12:00:00Z", end="2026-11-10T13:00:00Z", reason="db")
    assert sent_mail() == []


def test_an_incident_message_with_a_control_character_is_refused_and_the_feed_stays_valid(client, operator):
    import feedparser

    bad = {"title": "Slow pages", "components": ["api"], "impact": "minor", "status": "investigating",
           "message": "copied from a terminal \x1b[31mred\x1b[0m"}
    res = client.http.post("/ops/incidents", headers=operator, body=json.dumps(bad))
    assert res.status_code in (400, 422) and body(res)["error"]["code"]
    res = client.http.post("/ops/incidents", headers=operator, body=json.dumps({**bad, "message": "line one\nline two"}))
    assert res.status_code == 201, res.body
    feed = feedparser.parse(client.http.get("/status/feed.atom").body)
    assert not feed.bozo and [e.title for e in feed.entries] == ["[Investigating] Slow pages"]


def test_an_update_of_a_malformed_incident_id_is_a_404_not_a_500(client, operator):
    res = client.http.post(f"/ops/incidents/{'x' * 2000}/updates", headers=operator,
                           body=json.dumps({"status": "resolved", "message": "done"}))
    assert res.status_code == 404 and body(res)["error"]["code"] == "incident_not_found"


def test_a_corrupt_snapshot_is_rebuilt_not_a_500(client):
    boto3.client("s3", region_name="us-east-1").put_object(Bucket=get_settings().bucket_name,
                                                          Key="statuspage/snapshot.json", Body=b"{not json")
    res = client.http.get("/status")
    assert res.status_code == 200 and b"Laurel" in res.body


def test_checks_gone_quiet_say_so_in_the_headline():
    from chalicelib.domain import status as rules

    quiet = [{"state": "no_data"}, {"state": "not_monitored"}]
    assert rules.overall(quiet) == "no_data"
    assert rules.overall([{"state": "not_monitored"}]) == "not_monitored"
    assert status_service is not None


def test_a_prober_in_another_region_only_probes_it_publishes_no_status_page(aws_env, monkeypatch):
    from chalicelib.services import probes, work
    from tests.conftest import list_bucket

    monkeypatch.setattr(probes, "check", lambda target: {"url": getattr(target, "url", target), "component": "api",
                                                         "ok": True, "status": 200, "latency_ms": 1.0, "error": None})
    monkeypatch.setenv("LAUREL_STATUS_PUBLISHER", "0")
    get_settings.cache_clear()
    try:
        assert work.probe("eu-west-1")["status_published"] is False
        assert "statuspage/snapshot.json" not in list_bucket()
    finally:
        monkeypatch.delenv("LAUREL_STATUS_PUBLISHER")
        get_settings.cache_clear()
    assert work.probe("us-east-1")["status_published"] is True  # the primary region's prober publishes
    assert "statuspage/snapshot.json" in list_bucket()
