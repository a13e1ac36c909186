"""The dashboard, a template's dashboard and the operators' platform trends in Chromium,
on the local system (issue 15 items 2 and 5): an admin reaches the dashboard from the
console's navigation, reads the figures beside each chart, chooses other days with the
form and follows a template to its own dashboard; an operator reads the platform's
trends with small groups hidden. At desktop width and on a 390 px phone (no sideways
scrolling); axe-core on every page; no request outside Laurel, no script error and no
CSP complaint (the charts' inline SVG and their stylesheet live under the page's CSP).
Screenshots: tests/artifacts/dashboard-<step>.png (dashboard-phone-<step>.png).

The counters are written into the local system's table by ENG's store write function
(store/engagement.apply, what the aggregator calls), in a child process bound to the
local system's embedded AWS as `make run` binds its own processes."""

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

from chalicelib.domain.engagement import latency_bucket
from tests.browser.test_console_browser import Tour, _sign_in_by_code
from tests.helpers import template_payload

ROOT = Path(__file__).resolve().parents[2]
TODAY = datetime.now(UTC).date()
MONDAY = TODAY - timedelta(days=TODAY.weekday() + 14)
START, END = MONDAY - timedelta(days=7), MONDAY + timedelta(days=6)

_WRITE = """
import json, os, sys, uuid
sys.path[:0] = [{root!r}, {scripts!r}]
import run_local
os.environ.update(run_local.local_stage_env())
from chalicelib.domain.engagement import Scope
from chalicelib.store import engagement
for tenant_id, day, counters, template_id in json.loads(sys.stdin.read()):
    adds = [(Scope("tenant_day", tenant_id, day), counters), (Scope("tenant_total", tenant_id), counters),
            (Scope("platform_day", day=day), counters)]
    if template_id:
        adds.append((Scope("template_day", tenant_id, day, template_id),
                     {{k: v for k, v in counters.items() if not k.startswith("skill.")}}))
    assert engagement.apply([(uuid.uuid4().hex, adds)], 2_000_000_000) == 1
"""


def _put_counters(info: dict, rows: list[tuple[str, str, dict, str | None]]) -> None:
    """Counters into the local system's table, where the aggregator would put them."""
    port = info["aws_endpoint"].rsplit(":", 1)[1]
    app_port = info["api_url"].rsplit(":", 1)[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAUREL_", "AWS_", "POWERTOOLS_"))}
    env.update(LAUREL_LOCAL_AWS_PORT=port, LAUREL_LOCAL_APP_PORT=app_port)
    script = _WRITE.format(root=str(ROOT), scripts=str(ROOT / "scripts"))
    done = subprocess.run([sys.executable, "-c", script], input=json.dumps(rows), text=True, env=env, cwd=ROOT,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]


def _call(info: dict, method: str, path: str, key: str, payload: dict | None = None) -> dict:
    request = urllib.request.Request(info["api_url"] + path, method=method,
                                     data=json.dumps(payload).encode() if payload is not None else None,
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 - loopback
        return json.load(resp)


def _organization(info: dict, name: str, admin: str) -> tuple[str, str, str]:
    """(tenant id, API key, template id) of a new organization with a template (a draft: the
    dashboard names every template its counters mention)."""
    domain = admin.split("@")[1]
    made = _call(info, "POST", "/ops/issuers", info["operator_key"],
                 {"name": name, "url": f"https://{domain}", "email": f"badges@{domain}", "admin_email": admin})
    key = made["api_key"]
    template = _call(info, "POST", "/templates", key, template_payload())
    return made["issuer"]["id"], key, template["id"]


def _table(page, title: str) -> dict[str, list[str]]:
    """The data table beside the chart titled `title`: row header -> cells."""
    table = page.get_by_role("table", name=f"{title}: the figures")
    expect(table).to_be_visible()
    rows = {}
    for row in table.locator("tbody tr").all():
        cells = [c.strip() for c in row.locator("th, td").all_inner_texts()]
        rows[cells[0]] = cells[1:]
    return rows


def _week(day) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _dashboards(tour: Tour, admin: str) -> None:
    page, base = tour.page, tour.base
    page.goto(f"{base}/console")
    page.wait_for_url(re.compile(r"/console/signin"))
    _sign_in_by_code(tour, admin, first=False)
    tour.nav("Dashboard")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    tour.check("dashboard-default")  # the last 90 days

    # other days, chosen with the form
    page.get_by_label("From", exact=True).fill(START.isoformat())
    page.get_by_label("To", exact=True).fill(END.isoformat())
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(rf"from={START.isoformat()}&to={END.isoformat()}"))
    expect(page.get_by_role("img", name=re.compile("^Credentials per week"))).to_be_visible()
    assert _table(page, "Credentials per week")[_week(MONDAY)] == ["12", "4", "1", "0", "0"]
    assert _table(page, "Acceptance funnel") == {"Issued": ["12"], "Accepted": ["4"], "Rejected": ["1"],
                                                 "Still pending": ["7"]}
    assert _table(page, "Where people came from")["LinkedIn"] == ["21"]
    assert _table(page, "Shares by network")["LinkedIn: add to profile"] == ["3"]
    assert _table(page, "Top skills") == {"Data quality": ["12"]}
    expect(page.locator("dl.figures")).to_contain_text("80.0 %")
    tour.check("dashboard")

    # a template's own dashboard, from the top templates' table
    page.get_by_role("table", name="Top templates by credentials issued: the figures") \
        .get_by_role("link", name="Data Steward").click()
    expect(page.get_by_role("heading", name="Dashboard: Data Steward", level=1)).to_be_visible()
    assert _table(page, "Acceptance funnel")["Issued"] == ["12"]
    tour.check("template")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_dashboard_a_templates_dashboard_and_the_platform_trends(local_system, browser, artifacts, device):
    info, base = local_system, local_system["api_url"]
    admin = f"ada@{device}.dash.example"
    tenant_id, _, template_id = _organization(info, f"Dash Academy ({device})", admin)
    hour, days = f"accept_s.{latency_bucket(3600)}", f"accept_s.{latency_bucket(2 * 86400)}"
    day = (MONDAY + timedelta(days=0 if device == "desktop" else 1)).isoformat()  # the platform's day of this run
    _put_counters(info, [
        (tenant_id, day, {"issued": 12, "pending_out": 5, "accepted": 4, "rejected": 1, hour: 1,
                                         days: 3, "view.person": 30, "view.crawler": 6, "ref.linkedin": 21,
                                         "ref.email": 9, "share.linkedin": 7, "share.x": 2, "linkedin_add": 3,
                                         "skill.Data quality": 12}, template_id),
        # another organization's small figures: the platform trends hide them
        ("otherorg" + device[:4].ljust(8, "0"), day, {"rejected": 3, "share.xing": 2}, None),
    ])
    phone = device == "phone"
    viewport = ({"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True} if phone
                else {"viewport": {"width": 1200, "height": 900}})
    context = browser.new_context(**viewport)
    page = context.new_page()
    tour = Tour(page, base, (base, info["aws_endpoint"]), artifacts, "dashboard-phone" if phone else "dashboard", phone)
    try:
        _dashboards(tour, admin)
    finally:
        context.close()

    # the operators' page: the operator key on every request, as an operator's client sends it
    ops = browser.new_context(**viewport, extra_http_headers={"Authorization": f"Bearer {info['operator_key']}"})
    ops_page = ops.new_page()
    ops_tour = Tour(ops_page, base, (base, info["aws_endpoint"]), artifacts,
                    "dashboard-phone" if phone else "dashboard", phone)
    try:
        ops_page.goto(f"{base}/ops/trends?from={day}&to={day}")
        expect(ops_page.get_by_role("heading", name="Platform trends", level=1)).to_be_visible()
        funnel = _table(ops_page, "Acceptance funnel")
        assert funnel["Rejected"] == ["fewer than 5"]  # 1 + 3 rejections across organizations
        assert funnel["Issued"] == ["12"]
        assert _table(ops_page, "Shares by network")["XING"] == ["fewer than 5"]
        text = ops_page.locator("main").inner_text()
        assert f"Dash Academy ({device})" not in text and tenant_id not in text
        ops_tour.check("ops-trends")
    finally:
        ops.close()

    assert tour.steps == ["dashboard-default", "dashboard", "template"]
    assert ops_tour.steps == ["ops-trends"]
    for t in (tour, ops_tour):
        assert t.foreign == [], f"requests outside Laurel: {t.foreign}"
        assert t.complaints == [], "failed requests, script errors or console complaints:\n" + "\n".join(
            sorted(set(t.complaints)))
