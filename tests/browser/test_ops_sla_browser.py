"""The operators' SLA page in Chromium, on the local system (issue 16 item 6): last month had
an outage of 2 minutes on its 3rd day, when 240 minutes were measured (99.166 % that day),
and was measured on no other day but a morning hour of the 4th; an operator opens `/ops/sla`, goes back a month with the month navigation and
sees the outage day stand out on the outage chart (its tooltip naming the day's figures),
the unmeasured days drawn as such, the same figures in the per-day table, the detected
incident and the minutes each probe location measured; on the month of two declared
maintenance windows (one cancelled) the maintenance list says which is excluded and why.
At desktop width and on a 390 px phone (no sideways scrolling); axe-core on every page; no
request outside Laurel, no script error and no CSP complaint (the charts' inline SVG and
their stylesheet live under the page's CSP).
Screenshots: tests/artifacts/screenshots/ops-sla.png (the outage month), ops-sla-maintenance.png,
and ops-phone-sla*.png.

The probe results are written into the local system's table by the probe store's own
function (store/ops.record_probe, what the prober calls), in a child process bound to the
local system's embedded AWS as `make run` binds its own processes; the windows are declared
through the ops API with the operator's key."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_console_browser import Tour

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime.now(UTC)
THIS_MONTH = NOW.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
LAST_MONTH = (THIS_MONTH - timedelta(days=1)).replace(day=1)
OUTAGE_DAY, UP_DAY = LAST_MONTH.replace(day=3), LAST_MONTH.replace(day=4)
OUTAGE_START = OUTAGE_DAY.replace(hour=10)  # 10:00 and 10:01: no location saw Laurel up
OUTAGE_END = OUTAGE_START + timedelta(minutes=2)
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")

_WRITE = """
import json, os, sys
from datetime import datetime
sys.path[:0] = [{root!r}, {scripts!r}]
import run_local
os.environ.update(run_local.local_stage_env())
from chalicelib.store import ops
for minute, location, up in json.loads(sys.stdin.read()):
    result = {{"url": "http://127.0.0.1/health", "component": "api", "ok": up, "status": 200 if up else 503,
              "latency_ms": 12, "error": None}}
    ops.record_probe(datetime.fromisoformat(minute), location, [result], up)
"""


def _record_probes(info: dict, rows: list[tuple[str, str, bool]]) -> None:
    """Probe results into the local system's table, where the prober would put them."""
    port = info["aws_endpoint"].rsplit(":", 1)[1]
    app_port = info["api_url"].rsplit(":", 1)[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAUREL_", "AWS_", "POWERTOOLS_"))}
    env.update(LAUREL_LOCAL_AWS_PORT=port, LAUREL_LOCAL_APP_PORT=app_port)
    script = _WRITE.format(root=str(ROOT), scripts=str(ROOT / "scripts"))
    done = subprocess.run([sys.executable, "-c", script], input=json.dumps(rows), text=True, env=env, cwd=ROOT,
                          capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]


def _ops(info: dict, method: str, path: str, payload: dict | None = None) -> dict:
    request = urllib.request.Request(info["api_url"] + path, method=method,
                                     data=json.dumps(payload).encode() if payload is not None else None,
                                     headers={"Authorization": f"Bearer {info['operator_key']}",
                                              "Content-Type": "application/json", "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as resp:  # noqa: S310 - loopback
        return json.load(resp)


def _title(moment: datetime) -> str:
    return f"{MONTH_NAMES[moment.month - 1]} {moment.year}"


@pytest.fixture(scope="module")
def history(local_system):
    """Last month's probes (four hours of the 3rd and one of the 4th from one location, the
    outage's ten minutes from a second) and two windows declared two days ahead, one of them
    cancelled. (Whole days would be truer but take minutes to write into the embedded AWS.)"""
    rows = []
    for i in range(240):  # the 3rd, 08:00 to 11:59: two outage minutes of 240 measured are 99.166 %
        minute = OUTAGE_DAY.replace(hour=8) + timedelta(minutes=i)
        rows.append((minute.isoformat(), "us-east-1", not OUTAGE_START <= minute < OUTAGE_END))
    for i in range(60):  # the 4th, 08:00 to 08:59: all up
        rows.append(((UP_DAY.replace(hour=8) + timedelta(minutes=i)).isoformat(), "us-east-1", True))
    for i in range(10):  # the second location saw the same outage
        minute = OUTAGE_START + timedelta(minutes=i)
        rows.append((minute.isoformat(), "us-west-2", not minute < OUTAGE_END))
    _record_probes(local_system, rows)
    start = (NOW + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    kept = _ops(local_system, "POST", "/ops/maintenance", {
        "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(), "reason": "Database upgrade"})
    called_off = _ops(local_system, "POST", "/ops/maintenance", {
        "start": (start + timedelta(hours=3)).isoformat(), "end": (start + timedelta(hours=4)).isoformat(),
        "reason": "Network change"})
    _ops(local_system, "POST", f"/ops/maintenance/{called_off['id']}/cancel")
    return {"window": kept, "window_start": start}


def _table(page, caption: str) -> list[list[str]]:
    table = page.get_by_role("table", name=caption)
    expect(table).to_be_visible()
    return [[" ".join(c.split()) for c in row.locator("th, td").all_inner_texts()]
            for row in table.locator("tbody tr").all()]


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_ops_page_shows_last_months_outage_day_and_the_maintenance(local_system, history, browser, device):
    info, base = local_system, local_system["api_url"]
    phone = device == "phone"
    viewport = ({"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True} if phone
                else {"viewport": {"width": 1200, "height": 900}})
    shots = ROOT / "tests" / "artifacts" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    # the operator key on every request, as an operator's client sends it
    context = browser.new_context(**viewport, extra_http_headers={"Authorization": f"Bearer {info['operator_key']}"})
    page = context.new_page()
    tour = Tour(page, base, (base, info["aws_endpoint"]), shots, "ops-phone" if phone else "ops", phone)
    try:
        page.goto(f"{base}/ops/sla")
        expect(page.get_by_role("heading", name=f"Availability, {_title(THIS_MONTH)}", level=1)).to_be_visible()
        nav = page.get_by_role("navigation", name="Months")
        expect(nav).to_contain_text("No next month yet")
        nav.get_by_role("link", name=f"Previous month: {_title(LAST_MONTH)}").click()
        page.wait_for_url(re.compile(rf"month={LAST_MONTH:%Y-%m}$"))
        expect(page.get_by_role("heading", name=f"Availability, {_title(LAST_MONTH)}", level=1)).to_be_visible()

        # the outage chart, its axis running to 5 minutes: the 3rd's 2 minutes are two fifths of its height,
        # the 4th (all up) has no bar
        chart = page.get_by_role("img", name=re.compile("^Outage minutes per day"))
        expect(chart).to_be_visible()
        bars = chart.locator("g.bar")
        expect(bars).to_have_count(len(_table(page, "Per day: the figures of both charts")))
        outage_bar, up_bar = bars.nth(2), bars.nth(3)
        expect(outage_bar.locator("title")).to_have_text(
            f"{OUTAGE_DAY:%Y-%m-%d}: availability 99.166 %; 2 outage minutes; 0 excluded (maintenance) minutes; "
            "1,200 minutes not measured", use_inner_text=False)
        height = "e => e.getBoundingClientRect().height"
        plot = chart.locator("g.plot > rect.background").first.evaluate(height)
        assert 0.3 * plot < outage_bar.locator("rect").evaluate(height) < 0.45 * plot
        assert up_bar.locator("rect").evaluate(height) == 0
        expect(chart).to_have_accessible_name(re.compile(
            rf"Days with outage minutes: {OUTAGE_DAY:%Y-%m-%d}, 2 minutes \(99\.166 %\)\."))
        # the days nobody measured: full bars of the second chart, "not measured" in the table
        expect(page.get_by_role("img", name=re.compile("^Minutes not counted per day"))).to_be_visible()
        days = {row[0]: row[1:] for row in _table(page, "Per day: the figures of both charts")}
        assert days[f"{OUTAGE_DAY:%Y-%m-%d}"] == ["99.166 %", "2", "0", "1,200"]
        assert days[f"{UP_DAY:%Y-%m-%d}"] == ["100.000 %", "0", "0", "1,380"]
        assert days[f"{LAST_MONTH.replace(day=5):%Y-%m-%d}"] == ["not measured", "0", "0", "1,440"]
        assert _table(page, re.compile("^Runs of outage minutes")) == [
            [f"{OUTAGE_START:%Y-%m-%d} 10:00 UTC", f"{OUTAGE_START:%Y-%m-%d} 10:02 UTC", "2"]]
        assert _table(page, "Minutes probed per location") == [["us-east-1", "300"], ["us-west-2", "10"]]
        expect(page.locator("dl.figures")).to_contain_text(re.compile(r"Measured minutes\s*300 \("))
        tour.check("sla")

        # the windows' month: the kept window is excluded (announced two days ahead), the other cancelled
        start = history["window_start"]
        page.goto(f"{base}/ops/sla?month={start:%Y-%m}")
        windows = _table(page, f"Maintenance windows touching {_title(start)}, cancelled ones included")
        by_reason = {row[2]: row for row in windows}
        assert by_reason["Database upgrade"][1] == "Scheduled"
        assert by_reason["Database upgrade"][5] == "Yes: announced 24 h ahead"
        assert by_reason["Network change"][1].startswith("Cancelled on ")
        assert by_reason["Network change"][5] == "No: cancelled"
        tour.check("sla-maintenance")
    finally:
        context.close()
    assert tour.steps == ["sla", "sla-maintenance"]
    assert tour.foreign == [], f"requests outside Laurel: {tour.foreign}"
    assert tour.complaints == [], "failed requests, script errors or console complaints:\n" + "\n".join(
        sorted(set(tour.complaints)))
