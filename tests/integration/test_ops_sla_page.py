"""The operators' SLA page on real data (issue 16 item 6): probe results written by the
probe store (`store.ops.record_probe`), maintenance declared and cancelled through the ops
API at the times the services see, the page read with the operator's key. The page must
tell the truth the JSON report tells: an outage day stands out, maintenance and unmeasured
minutes are drawn, the month is navigable, the maintenance list says which window is
excluded and why, and the charts' stylesheet is allowed by the page's CSP."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import UTC, datetime, timedelta

import lxml.html
import pytest

from chalicelib.services import clock, ops
from chalicelib.store import ops as store
from tests.conftest import body
from tests.helpers import new_issuer

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday: the rest of the month is still to come


def at(monkeypatch, when):
    monkeypatch.setattr(clock, "utcnow", lambda: when)


def _headers(key: str, **extra: str) -> dict:
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json", **extra}


def _probe(start: datetime, count: int, down: set[datetime], location: str = "us-east-1") -> None:
    for i in range(count):
        minute = start + timedelta(minutes=i)
        up = minute not in down
        store.record_probe(minute, location, [{"url": "https://laurel.test/health", "component": "api", "ok": up,
                                               "status": 200 if up else 503, "latency_ms": 20, "error": None}], up)


def _declare(client, key: str, start: str, end: str, reason: str) -> dict:
    res = client.http.post("/ops/maintenance", headers=_headers(key),
                           body=json.dumps({"start": start, "end": end, "reason": reason}))
    assert res.status_code == 201, res.body
    return body(res)


@pytest.fixture()
def month(client, monkeypatch):
    """November 2026 as of the 20th: the 3rd measured 10:00-11:59 with one outage minute
    (99.166 %); the 10th measured 11:00-12:59, its 12:00-12:59 down during a window
    announced two days ahead (excluded); the 17th measured 09:00-09:59 with one outage
    minute during a window declared 23 hours ahead (not excludable: counted); a window on
    the 25th declared and cancelled. Nothing else measured."""
    operator = ops.create_operator_key("tests")
    new_issuer("Acme Academy")
    at(monkeypatch, datetime(2026, 11, 8, 12, 0, tzinfo=UTC))
    _declare(client, operator, "2026-11-10T12:00:00Z", "2026-11-10T13:00:00Z", "Database upgrade")
    at(monkeypatch, datetime(2026, 11, 16, 10, 0, tzinfo=UTC))
    _declare(client, operator, "2026-11-17T09:00:00Z", "2026-11-17T10:00:00Z", "Hurried patch")
    called_off = _declare(client, operator, "2026-11-25T09:00:00Z", "2026-11-25T10:00:00Z", "Network change")
    at(monkeypatch, datetime(2026, 11, 17, 8, 0, tzinfo=UTC))
    assert client.http.post(f"/ops/maintenance/{called_off['id']}/cancel", headers=_headers(operator)).status_code \
        == 200
    at(monkeypatch, NOW)
    _probe(datetime(2026, 11, 3, 10, 0, tzinfo=UTC), 120, {datetime(2026, 11, 3, 10, 30, tzinfo=UTC)})
    ten = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
    _probe(datetime(2026, 11, 10, 11, 0, tzinfo=UTC), 120, {ten + timedelta(minutes=i) for i in range(60)})
    _probe(datetime(2026, 11, 17, 9, 0, tzinfo=UTC), 60, {datetime(2026, 11, 17, 9, 30, tzinfo=UTC)})
    _probe(datetime(2026, 11, 3, 10, 25, tzinfo=UTC), 10, {datetime(2026, 11, 3, 10, 30, tzinfo=UTC)}, "us-west-2")
    return operator


def _page(client, key: str, query: str = "?month=2026-11"):
    res = client.http.get(f"/ops/sla{query}", headers={"Authorization": f"Bearer {key}", "Accept": "text/html"})
    assert res.status_code == 200, res.body
    return res, res.body.decode()


def _table(html: str, caption: str) -> list[list[str]]:
    tree = lxml.html.fromstring(html)
    table = next(t for t in tree.iter("table") if t.find("caption").text_content().strip() == caption)
    return [[" ".join(c.text_content().split()) for c in row] for row in table.iter("tr")][1:]


def _bars(svg_id: str, html: str) -> dict[str, float]:
    """Day -> height of its bar in the chart `svg_id` (the first series)."""
    svg = re.search(rf'<svg [^>]*id="chart-{svg_id}".*?</svg>', html, re.S).group(0)
    svg = svg.split('class="series serie-1')[0]
    bars = re.findall(r'<g class="bar"><title>([0-9-]+):[^<]*</title><rect [^>]*height="([0-9.]+)"', svg)
    return {day: float(h) for day, h in bars}


def _plot_height(svg_id: str, html: str) -> float:
    svg = re.search(rf'<svg [^>]*id="chart-{svg_id}".*?</svg>', html, re.S).group(0)
    return float(re.search(r'class="plot"><rect x="0" y="0" width="[0-9.]+" height="([0-9.]+)"', svg).group(1))


def test_the_outage_days_stand_out_and_the_table_says_what_the_report_says(client, month):
    report = body(client.http.get("/ops/sla?month=2026-11", headers=_headers(month, Accept="application/json")))
    _, html = _page(client, month)
    days = {row[0]: row[1:] for row in _table(html, "Per day: the figures of both charts")}
    assert len(days) == 30
    assert days["2026-11-03"] == ["99.166 %", "1", "0", "1,320"]  # 119 of 120 measured minutes up
    assert days["2026-11-10"] == ["100.000 %", "0", "60", "1,320"]  # the announced window's hour excluded
    assert days["2026-11-17"] == ["98.333 %", "1", "0", "1,380"]  # 23 h notice: its outage minute counts
    assert days["2026-11-05"] == days["2026-11-25"] == ["not measured", "0", "0", "1,440"]
    for d in report["days"]:  # the same figures as the JSON report, day by day
        shown = days[d["day"]]
        assert shown[1:] == [str(d["outage_minutes"]), str(d["excluded_minutes"]),
                             f"{d['not_measured_minutes']:,}"], d
    # the outage chart's axis runs to 5 minutes: a one-minute outage is a fifth of its height
    heights, plot = _bars("outage", html), _plot_height("outage", html)
    assert {day for day, h in heights.items() if h > 0} == {"2026-11-03", "2026-11-17"}
    assert 0.15 * plot < heights["2026-11-03"] < 0.25 * plot
    assert "Days with outage minutes: 2026-11-03, 1 minutes (99.166 %); 2026-11-17, 1 minutes (98.333 %)." in html
    # maintenance and unmeasured minutes on the second chart, with each day's figures as its tooltip
    assert {d for d, h in _bars("not-counted", html).items() if h > 0} == {"2026-11-10"}
    assert ("<title>2026-11-10: availability 100.000 %; 0 outage minutes; 60 excluded (maintenance) minutes; "
            "1,320 minutes not measured</title>") in html
    platform = report["platform"]
    summary = " | ".join(" ".join(n.text_content().split())
                         for n in lxml.html.fromstring(html).xpath("//dl[@class='figures']/*"))
    assert f"Measured minutes | {platform['measured_minutes']} ({platform['coverage']} % coverage)" in summary
    assert "Excluded minutes | 60: 60 announced 24 h ahead" in summary
    assert f'<span class="status revoked">{platform["availability"]} %</span>' in html


def test_the_maintenance_list_says_which_window_is_excluded_and_why(client, month):
    _, html = _page(client, month)
    rows = {row[2]: row for row in _table(html, "Maintenance windows touching November 2026, cancelled ones included")}
    assert rows["Database upgrade"] == ["2026-11-10 12:00 UTC to 2026-11-10 13:00 UTC", "Scheduled",
                                       "Database upgrade", "2026-11-08 12:00 UTC", "48.0 h",
                                       "Yes: announced 24 h ahead"]
    assert rows["Hurried patch"][1] == "Scheduled" and rows["Hurried patch"][4] == "23.0 h"
    assert rows["Hurried patch"][5] == "No: announced less than 24 h ahead, outside the weekly overnight window"
    assert rows["Network change"][1] == "Cancelled on 2026-11-17 08:00 UTC"
    assert rows["Network change"][5] == "No: cancelled"
    assert _table(html, "Runs of outage minutes touching November 2026") == [
        ["2026-11-03 10:30 UTC", "2026-11-03 10:31 UTC", "1"], ["2026-11-10 12:00 UTC", "2026-11-10 13:00 UTC", "60"],
        ["2026-11-17 09:30 UTC", "2026-11-17 09:31 UTC", "1"]]
    assert _table(html, "Minutes probed per location") == [["us-east-1", "300"], ["us-west-2", "10"]]
    tenants = _table(html, "Per organization")
    assert len(tenants) == 1 and tenants[0][0].startswith("Acme Academy (")
    assert tenants[0][2:] == ["0", "60: 60 announced 24 h ahead", "0", "0.00"]  # it reported no outage


def test_months_are_navigable_and_the_current_one_has_no_next(client, month):
    _, html = _page(client, month)
    nav = lxml.html.fromstring(html).xpath("//nav[@aria-label='Months']")[0]
    assert [(a.get("href"), a.text_content()) for a in nav.iter("a")] == [
        ("/ops/sla?month=2026-10", "Previous month: October 2026")]
    assert "No next month yet" in nav.text_content() and "so far (provisional)" in html
    _, october = _page(client, month, "?month=2026-10")
    nav = lxml.html.fromstring(october).xpath("//nav[@aria-label='Months']")[0]
    assert [a.get("href") for a in nav.iter("a")] == ["/ops/sla?month=2026-09", "/ops/sla?month=2026-11"]
    assert "<h1>Availability, October 2026</h1>" in october
    # nothing measured in October: every day says so and the summary does not claim 100 %
    assert all(row[1] == "not measured" for row in _table(october, "Per day: the figures of both charts"))
    assert "100.000 %" not in october and "No day had an outage minute." in october
    bad = client.http.get("/ops/sla?month=2026-13", headers={"Authorization": f"Bearer {month}", "Accept": "text/html"})
    assert bad.status_code == 400 and json.loads(bad.body)["error"]["code"] == "invalid_query"


def test_the_charts_stylesheet_is_allowed_by_its_hash_and_the_page_runs_no_script(client, month):
    res, html = _page(client, month)
    csp = res.headers["Content-Security-Policy"]
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert len(styles) == 2 and "#chart-outage" in styles[0] and "#chart-not-counted" in styles[0]
    for css in styles:
        digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert "script-src" not in csp and "<script" not in html and " style=" not in html
