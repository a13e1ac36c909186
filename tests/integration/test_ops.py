"""Operations: probes, maintenance, the SLA ledger with credits, support requests, operator auth."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from chalicelib.adapters import fetch
from chalicelib.services import clock, ops, probes
from tests.conftest import body, sent_mail
from tests.helpers import auth, new_issuer, post
from tests.probe_days import probe_days, probe_down

UTC = timezone.utc


def at(monkeypatch, when):
    """Services see `when` as now."""
    monkeypatch.setattr(clock, "utcnow", lambda: when)


@pytest.fixture()
def operator(aws_env):
    return ops.create_operator_key("tests")


def op(key):
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}


@pytest.fixture()
def health_server():
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200 if self.path == "/health" else 503)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_ops_routes_need_an_operator_key(client, operator):
    _, issuer_key = new_issuer()
    assert client.http.get("/ops/sla").status_code == 401
    assert client.http.get("/ops/sla", headers=auth(issuer_key)).status_code == 401
    assert client.http.get("/ops/sla", headers={"Authorization": f"Bearer {operator}x"}).status_code == 401
    assert client.http.get("/ops/sla", headers={**op(operator), "Accept": "application/json"}).status_code == 200


def test_probe_records_minutes_and_outages_and_publishes_metrics(client, operator, health_server, monkeypatch,
                                                                 capsys):
    monkeypatch.setattr(probes, "_policy", lambda: fetch.Policy(allow_http=True, allow_private=True, timeout=2))
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    up = probes.run(now - timedelta(minutes=2), [f"{health_server}/health", f"{health_server}/down"])
    assert up["outage"] is False and [r["ok"] for r in up["results"]] == [True, False]
    down = probes.run(now - timedelta(minutes=1), [f"{health_server}/down", "http://127.0.0.1:9/"])
    assert down["outage"] is True and down["month_to_date_availability"] == 50.0
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    names = {m["Name"] for e in emitted for d in e["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
    assert {"Availability", "MonthToDateAvailability", "EndpointSuccess", "EndpointLatency"} <= names
    report = body(client.http.get("/ops/sla", headers={**op(operator), "Accept": "application/json"}))
    assert report["platform"]["outage_minutes"] == 1
    assert report["recent_probes"][0]["outage"] is True
    page = client.http.get("/ops/sla", headers=op(operator))
    assert page.status_code == 200 and b"<svg" in page.body and b"Service credits" in page.body


def test_ledger_credits_count_only_reported_outages(client, operator, monkeypatch):
    # issue 16: the ledger counts measured minutes only, so the month is probed throughout
    # (every minute up, then 120 of them down); the report is read after the month ended
    probe_days(datetime(2026, 11, 1).date(), datetime(2026, 11, 30).date())
    tenant, key = new_issuer("Reporter")
    other, _ = new_issuer("Silent")
    for t in (tenant, other):
        res = client.http.put(f"/ops/issuers/{t}/fee", headers=op(operator), body=json.dumps({"monthly_fee": "1000.00"}))
        assert res.status_code == 200, res.body
    start = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)  # a Tuesday, outside the overnight window
    probe_down([start + timedelta(minutes=i) for i in range(120)])
    # the reporter files an outage report (a support request) within 24 h of the start
    from chalicelib.services import support as support_service
    from chalicelib.store.models import SupportItem

    res = post(client, "/support-requests", key, {"subject": "Site down", "description": "Nothing loads",
                                                  "severity": 1, "outage_report": True})
    assert res.status_code == 201
    item = next(iter(SupportItem.query(f"T#{tenant}", SupportItem.sk.startswith("SUP#"))))
    item.update(actions=[SupportItem.created_at.set("2026-11-03T12:00:00Z")])
    assert support_service.outage_reports(tenant)
    at(monkeypatch, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    report = body(client.http.get("/ops/sla?month=2026-11", headers={**op(operator), "Accept": "application/json"}))
    # 30 days = 43,200 minutes; 120 outage minutes -> 100 * 43,080 / 43,200 = 99.722 %
    assert report["platform"]["outage_minutes"] == 120 and report["platform"]["availability"] == "99.722"
    credits = {t["name"]: t["service_credit"] for t in report["tenants"]}
    # fee 1000 x (99.9 - 99.7222...) / 100 = 1.78
    assert credits == {"Reporter": "1.78", "Silent": "0.00"}
    assert len(report["days"]) == 30
    assert client.http.get("/ops/sla?month=2026-13", headers=op(operator)).status_code == 400


def test_maintenance_windows_are_excluded(client, operator, monkeypatch):
    """Issue 12, item 10: excluded minutes stop being outage minutes and stay in the total.
    Issue 16: the window is declared 48 h ahead (the server sets announced_at: the clock is
    moved there instead of sending it), and every minute of the month is probed."""
    probe_days(datetime(2026, 11, 1).date(), datetime(2026, 11, 30).date())
    from chalicelib.services import support as support_service
    from chalicelib.store.models import SupportItem

    tenant, key = new_issuer("Reporter")
    res = client.http.put(f"/ops/issuers/{tenant}/fee", headers=op(operator), body=json.dumps({"monthly_fee": "1000"}))
    assert res.status_code == 200, res.body
    start = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)  # during the announced maintenance: excluded
    counted = datetime(2026, 11, 12, 12, 0, tzinfo=UTC)  # 45 ordinary outage minutes
    probe_down([start + timedelta(minutes=i) for i in range(60)] + [counted + timedelta(minutes=i)
                                                                      for i in range(45)])
    at(monkeypatch, datetime(2026, 11, 8, 12, 0, tzinfo=UTC))
    res = client.http.post("/ops/maintenance", headers=op(operator), body=json.dumps({
        "start": "2026-11-10T12:00:00Z", "end": "2026-11-10T13:00:00Z", "reason": "database upgrade"}))
    assert res.status_code == 201, res.body
    assert body(res)["announced_at"] == "2026-11-08T12:00:00Z" and body(res)["excludable_rule"] == "announced_24h"
    res = post(client, "/support-requests", key, {"subject": "Site down", "description": "Nothing loads",
                                                  "severity": 1, "outage_report": True})
    assert res.status_code == 201
    item = next(iter(SupportItem.query(f"T#{tenant}", SupportItem.sk.startswith("SUP#"))))
    item.update(actions=[SupportItem.created_at.set("2026-11-12T12:30:00Z")])
    assert support_service.outage_reports(tenant)
    at(monkeypatch, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    report = body(client.http.get("/ops/sla?month=2026-11", headers={**op(operator), "Accept": "application/json"}))
    # 30 days = 43,200 minutes, all of them measured and in the total; 45 counted outage minutes:
    # 100 x (43200 - 45) / 43200 = 99.8958333... -> shown truncated as 99.895
    assert report["platform"] == {"total_minutes": 43200, "measured_minutes": 43200, "not_measured_minutes": 0,
                                  "coverage": "100.0", "outage_minutes": 45, "excluded_minutes": 60,
                                  "excluded_minutes_by_rule": {"announced_24h": 60, "overnight_window": 0,
                                                               "client_requested": 0},
                                  "excluded_minutes_by_reason": {"database upgrade": 60}, "availability": "99.895",
                                  "target": "99.9", "met": False, "complete": True}
    # credit: 1000 x (99.9 - 99.8958333...) / 100 = 0.041666... -> 0.04
    assert [(t["availability"], t["service_credit"]) for t in report["tenants"]] == [("99.895", "0.04")]
    bad = client.http.post("/ops/maintenance", headers=op(operator), body=json.dumps({
        "start": "2026-11-10T13:00:00Z", "end": "2026-11-10T12:00:00Z", "reason": "x"}))
    assert bad.status_code == 422


def test_out_of_range_months_fees_and_windows_are_refused(client, operator):
    h = {**op(operator), "Accept": "application/json"}
    assert client.http.get("/ops/sla?month=9999-12", headers=h).status_code == 400
    tenant, _ = new_issuer()
    for fee in ("1e27", "1E+30", "1e999999999", "-1", "1.234"):
        assert client.http.put(f"/ops/issuers/{tenant}/fee", headers=h,
                               body=json.dumps({"monthly_fee": fee})).status_code == 422, fee
    # a time without an offset is read as UTC; year 1 is outside the years Laurel accepts
    res = client.http.post("/ops/maintenance", headers=h, body=json.dumps({
        "start": "2026-11-10T12:00:00", "end": "2026-11-10T13:00:00Z", "reason": "r"}))
    assert res.status_code == 201 and body(res)["start"] == "2026-11-10T12:00:00Z", res.body
    res = client.http.post("/ops/maintenance", headers=h, body=json.dumps({
        "start": "0001-01-01T00:00:00+05:00", "end": "2026-01-01T00:00:00Z", "reason": "r"}))
    assert res.status_code == 422 and body(res)["error"]["details"][0]["field"] == "start", res.body


def test_support_request_lifecycle(client, operator):
    tenant, key = new_issuer()
    res = post(client, "/support-requests", key, {"subject": "Badges not sending", "description": "Since 9:00",
                                                  "severity": 2})
    assert res.status_code == 201
    created = body(res)
    assert created["state"] == "open" and created["severity_confirmed"] is False
    assert created["due_at"] and created["next_staffed_time"] and created["breached"] is False
    assert "opened" in sent_mail()[-1]["subject"]
    url = f"/ops/support-requests/{tenant}/{created['id']}"
    res = client.http.post(url, headers=op(operator), body=json.dumps({"severity": 1, "state": "acknowledged"}))
    assert res.status_code == 200, res.body
    updated = body(res)
    assert updated["severity"] == 1 and updated["severity_confirmed"] and updated["first_response_at"]
    assert len(sent_mail()) == 2
    assert client.http.post(url, headers=op(operator), body=json.dumps({"state": "open"})).status_code == 409
    res = client.http.get("/ops/support-requests", headers=op(operator))
    assert res.status_code == 200, res.body
    listed = body(res)["items"]
    assert [r["id"] for r in listed] == [created["id"]]
    _, other = new_issuer("Other")
    assert client.http.get(f"/support-requests/{created['id']}", headers=auth(other)).status_code == 404
    assert client.http.post(url, headers=auth(key), body=json.dumps({"state": "resolved"})).status_code == 401
    assert post(client, "/support-requests", key, {"subject": "x", "description": "y", "severity": 5}).status_code == 422
