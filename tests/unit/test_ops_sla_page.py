"""The operators' SLA page (web/sla.py, templates/ops_sla.html; issue 16 item 6), built from a
report shaped as services/ops.py `sla_report` returns it (the contract in notes/i16_contract.md):
outage days stand out on an axis scaled to the data, maintenance and unmeasured minutes are
drawn, every bar has a tooltip naming the day's figures, and the page carries the month's
navigation, the organizations' credits, the coverage, the maintenance list, incidents and probes."""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, Decimal

import lxml.html

from chalicelib import web
from chalicelib.web import sla

LEDGER = {"total_minutes": 43200, "measured_minutes": 40320, "not_measured_minutes": 2880, "coverage": "93.333",
          "outage_minutes": 12, "excluded_minutes": 60,
          "excluded_minutes_by_rule": {"announced_24h": 60, "overnight_window": 0, "client_requested": 0},
          "availability": "99.970", "target": "99.9", "met": True, "complete": False}


def _day(n: int, outage: int = 0, excluded: int = 0, not_measured: int = 0) -> dict:
    measured = 1440 - not_measured
    counted = measured - excluded
    # "availability": truncated to 0.001, over the measured minutes (the contract's LEDGER_VIEW)
    share = Decimal(100 * (counted - outage)) / counted if counted else Decimal(100)
    availability = None if measured == 0 else str(share.quantize(Decimal("0.001"), rounding=ROUND_DOWN))
    return {"day": f"2026-11-{n:02d}", "total_minutes": 1440, "measured_minutes": measured,
            "not_measured_minutes": not_measured, "outage_minutes": outage, "excluded_minutes": excluded,
            "availability": availability}


def report(days: list[dict] | None = None) -> dict:
    if days is None:
        days = [_day(n) for n in range(1, 31)]
        days[2] = _day(3, outage=12)  # 99.166 %: 12 of 1,440 minutes
        days[9] = _day(10, excluded=60)  # an announced maintenance hour
        days[28], days[29] = _day(29, not_measured=1440), _day(30, not_measured=1440)  # still to come
    return {
        "month": "2026-11", "previous_month": "2026-10", "next_month": None,
        "now": "2026-11-28T23:59:10Z", "measured_through": "2026-11-28T23:59:00Z",
        "platform": LEDGER, "days": days,
        "tenants": [{"tenant_id": "acme0001", "name": "Acme <Academy>", "monthly_fee": "1000.00",
                     "service_credit": "0.00", **LEDGER,
                     "excluded_minutes": 90,
                     "excluded_minutes_by_rule": {"announced_24h": 60, "overnight_window": 0,
                                                  "client_requested": 30}}],
        "maintenance": [
            {"id": "w1", "start": "2026-11-10T12:00:00Z", "end": "2026-11-10T13:00:00Z", "reason": "database upgrade",
             "kind": "planned", "client_id": None, "announced_at": "2026-11-08T12:00:00Z",
             "updated_at": "2026-11-08T12:00:00Z", "state": "scheduled", "cancelled_at": None,
             "notice_hours": 48.0, "excludable": True, "excludable_rule": "announced_24h"},
            {"id": "w2", "start": "2026-11-20T09:00:00Z", "end": "2026-11-20T10:00:00Z", "reason": "hurried patch",
             "kind": "planned", "client_id": None, "announced_at": "2026-11-19T10:00:00Z",
             "updated_at": "2026-11-19T10:00:00Z", "state": "scheduled", "cancelled_at": None,
             "notice_hours": 23.0, "excludable": False, "excludable_rule": None},
            {"id": "w3", "start": "2026-11-24T09:00:00Z", "end": "2026-11-24T10:00:00Z", "reason": "called off",
             "kind": "planned", "client_id": None, "announced_at": "2026-11-20T10:00:00Z",
             "updated_at": "2026-11-21T10:00:00Z", "state": "cancelled", "cancelled_at": "2026-11-21T10:00:00Z",
             "notice_hours": 95.0, "excludable": False, "excludable_rule": None}],
        "coverage": {"measured_minutes": 40320, "total_minutes": 43200, "coverage": "93.333",
                     "locations": {"us-east-1": 40320, "eu-west-1": 40000}},
        "incidents": [{"start": "2026-11-03T10:00:00Z", "end": "2026-11-03T10:12:00Z", "outage_minutes": 12,
                       "ongoing": False},
                      {"start": "2026-11-28T23:58:00Z", "end": None, "outage_minutes": 2, "ongoing": True}],
        "recent_probes": [{"minute": "2026-11-28T23:59:00Z", "location": "us-east-1", "outage": True,
                           "results": [{"url": "https://laurel.test/health", "component": "api", "ok": False,
                                        "status": 503, "latency_ms": 41, "error": None}]}],
    }


def _bars(svg: str) -> list[tuple[str, float]]:
    """(tooltip, height) of each bar, in drawing order."""
    return [(title, float(height)) for title, height in re.findall(
        r'<g class="bar"><title>([^<]*)</title><rect [^>]*height="([0-9.]+)"', svg)]


def _plot_height(svg: str) -> float:
    return float(re.search(r'<g [^>]*class="plot"><rect x="0" y="0" width="[0-9.]+" height="([0-9.]+)"', svg).group(1))


def _table(html: str, caption: str) -> list[list[str]]:
    tree = lxml.html.fromstring(html)
    table = next(t for t in tree.iter("table") if t.find("caption").text_content().strip() == caption)
    return [[" ".join(c.text_content().split()) for c in row] for row in table.iter("tr")][1:]


def test_an_outage_day_of_99_2_percent_fills_the_outage_axis_and_a_full_day_has_no_bar():
    outage, _ = sla.day_charts("2026-11", report()["days"])
    bars = _bars(outage.svg)
    assert len(bars) == 30
    heights = {title.split(":")[0]: h for title, h in bars}
    # the axis is scaled to the worst day (12 minutes, on an axis to 15): four fifths of the height, others none
    assert 0.75 * _plot_height(outage.svg) < heights["2026-11-03"] < 0.85 * _plot_height(outage.svg)
    assert re.findall(r'<text x="-5" y="[0-9.]+" class="[a-z ]*">([^<]*)</text>', outage.svg) == ["0", "5", "10", "15"]
    assert [day for day, h in heights.items() if h > 0] == ["2026-11-03"]
    assert "Outage minutes</text>" in outage.svg and "Day of November 2026 (UTC)</text>" in outage.svg  # axes
    assert "Days with outage minutes: 2026-11-03, 12 minutes (99.166 %)." in outage.description


def test_each_bar_tooltip_says_the_day_its_availability_and_its_minutes():
    outage, not_counted = sla.day_charts("2026-11", report()["days"])
    tips = [t for t, _ in _bars(outage.svg)]
    assert tips[2] == ("2026-11-03: availability 99.166 %; 12 outage minutes; 0 excluded (maintenance) minutes; "
                       "0 minutes not measured")
    assert tips[29] == ("2026-11-30: availability not measured; 0 outage minutes; 0 excluded (maintenance) "
                        "minutes; 1,440 minutes not measured")
    assert "<script" not in outage.svg + not_counted.svg and "style=" not in outage.svg + not_counted.svg


def test_maintenance_and_unmeasured_minutes_stand_side_by_side_on_their_own_axis():
    days = report()["days"]
    days[28] = _day(29, excluded=60, not_measured=1440)  # a window still to come: excluded and not measured
    _, not_counted = sla.day_charts("2026-11", days)
    bar = r'<g class="bar"><title>([0-9-]+):[^<]*</title><rect x="[0-9.]+" y="([0-9.]+)"[^>]*height="([0-9.]+)"'
    bars = re.findall(bar, not_counted.svg)
    assert len(bars) == 60  # two series of 30 days
    excluded = {day: (float(y), float(h)) for day, y, h in bars[:30]}
    unmeasured = {day: (float(y), float(h)) for day, y, h in bars[30:]}
    assert [d for d, (_, h) in excluded.items() if h > 0] == ["2026-11-10", "2026-11-29"]
    # one axis for both: 60 excluded minutes are a 24th of a day nobody measured (1,440 minutes)
    assert abs(excluded["2026-11-10"][1] / unmeasured["2026-11-29"][1] - 60 / 1440) < 0.001
    # not stacked: on the 29th both bars stand on the axis (a stack would claim 1,500 minutes in a day)
    baseline = sum(unmeasured["2026-11-29"])
    assert abs(sum(excluded["2026-11-29"]) - baseline) < 0.01 and abs(sum(excluded["2026-11-10"]) - baseline) < 0.01
    assert unmeasured["2026-11-29"][1] > 0.9 * _plot_height(not_counted.svg)
    assert [d for d, (_, h) in unmeasured.items() if h > 0] == ["2026-11-29", "2026-11-30"]
    assert re.findall(r'<text x="-5" y="[0-9.]+" class="[a-z ]*">([^<]*)</text>', not_counted.svg) == [
        "0", "500", "1,000", "1,500"]
    assert ">Excluded (maintenance)</text>" in not_counted.svg and ">Not measured</text>" in not_counted.svg
    assert "#chart-not-counted .color-0" in not_counted.css and "#8a4b00" in not_counted.css


def test_a_quiet_month_keeps_an_axis_and_says_no_day_had_an_outage():
    outage, _ = sla.day_charts("2026-11", [_day(n) for n in range(1, 31)])
    assert all(h == 0 for _, h in _bars(outage.svg))
    assert re.search(r">5</text>", outage.svg) and sla.MIN_TOP == 5  # the axis runs to 5 minutes, not to nothing
    assert outage.description.endswith("No day had an outage minute.")


def test_the_page_navigates_months_and_lists_days_tenants_coverage_maintenance_incidents_and_probes():
    html = web.render("ops_sla.html", **sla.build(report()))
    tree = lxml.html.fromstring(html)
    nav = tree.xpath("//nav[@aria-label='Months']")[0]
    assert [(a.get("href"), a.text_content()) for a in nav.iter("a")] == [
        ("/ops/sla?month=2026-10", "Previous month: October 2026")]
    assert "No next month yet" in nav.text_content()
    assert "so far (provisional)" in html and "the month is not over" in html and "the days to come included" in html
    days = _table(html, "Per day: the figures of both charts")
    assert days[2] == ["2026-11-03", "99.166 %", "12", "0", "0"]
    assert days[9] == ["2026-11-10", "100.000 %", "0", "60", "0"]
    assert days[29] == ["2026-11-30", "not measured", "0", "0", "1,440"]
    assert _table(html, "Per organization") == [[
        "Acme <Academy> (acme0001)", "99.970 % (target met)", "12",
        "90: 60 announced 24 h ahead, 30 requested by the client", "1000.00", "0.00"]]
    assert "Acme &lt;Academy&gt;" in html  # text, never markup
    assert _table(html, "Minutes probed per location") == [["eu-west-1", "40,000"], ["us-east-1", "40,320"]]
    assert "93.333 % of the month's minutes were measured: 40,320 of 43,200." in html
    windows = _table(html, "Maintenance windows touching November 2026, cancelled ones included")
    assert windows == [
        ["2026-11-10 12:00 UTC to 2026-11-10 13:00 UTC", "Scheduled", "database upgrade", "2026-11-08 12:00 UTC",
         "48.0 h", "Yes: announced 24 h ahead"],
        ["2026-11-20 09:00 UTC to 2026-11-20 10:00 UTC", "Scheduled", "hurried patch", "2026-11-19 10:00 UTC",
         "23.0 h", "No: announced less than 24 h ahead, outside the weekly overnight window"],
        ["2026-11-24 09:00 UTC to 2026-11-24 10:00 UTC", "Cancelled on 2026-11-21 10:00 UTC", "called off",
         "2026-11-20 10:00 UTC", "95.0 h", "No: cancelled"]]
    assert _table(html, "Runs of outage minutes touching November 2026") == [
        ["2026-11-03 10:00 UTC", "2026-11-03 10:12 UTC", "12"], ["2026-11-28 23:58 UTC", "ongoing", "2"]]
    assert _table(html, "The most recent probe minutes, newest first") == [
        ["2026-11-28 23:59 UTC", "us-east-1", "outage", "api https://laurel.test/health: failed (503, 41 ms)"]]
    summary = " | ".join(" ".join(n.text_content().split()) for n in tree.xpath("//dl[@class='figures']/*"))
    assert "Not measured minutes | 2,880" in summary and "Excluded minutes | 60: 60 announced 24 h ahead" in summary
    # both charts, each an image named by its title and description
    assert [svg.get("aria-labelledby") for svg in tree.iter("{*}svg", "svg")] == [
        "outage-title outage-desc", "not-counted-title not-counted-desc"]


def test_a_past_month_links_both_ways_and_a_complete_month_is_not_provisional():
    r = report([_day(n) for n in range(1, 31)])
    r.update(next_month="2026-12", platform={**LEDGER, "complete": True, "not_measured_minutes": 0})
    html = web.render("ops_sla.html", **sla.build(r))
    nav = lxml.html.fromstring(html).xpath("//nav[@aria-label='Months']")[0]
    assert [a.get("href") for a in nav.iter("a")] == ["/ops/sla?month=2026-10", "/ops/sla?month=2026-12"]
    assert "(complete)" in html and "provisional" not in html and "the days to come included" not in html
