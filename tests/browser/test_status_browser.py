"""The public status page in Chromium, on the whole local system: an outage day and an
operator's incident show on /status with no script; at 390 px wide it fits and axe-core
finds nothing; a visitor subscribes and confirms through the mailed link."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request

import feedparser
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, axe, watch

# Probe minutes written with the real probe store, in the local system's table (what the
# scheduler's probes write): two days ago 40 of 100 minutes down, today 3 of 20.
_WRITE = """
import json, os, sys
from datetime import datetime, timedelta, timezone
sys.path[:0] = [{root!r}, {scripts!r}]
import run_local
os.environ.update(run_local.local_stage_env())
from chalicelib.store import ops
today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
def run(start, minutes, down):
    for m in range(minutes):
        ok = m >= down
        ops.record_probe(start + timedelta(minutes=m), "us-east-1",
                         [{{"url": "http://127.0.0.1/badges/canary", "component": "verification", "ok": ok,
                           "status": 200 if ok else 503, "latency_ms": 9.0, "error": None}}], ok)
run(today - timedelta(days=2) + timedelta(hours=10), 100, 40)
run(today, 20, 3)
"""


def _outage_days(info: dict) -> None:
    port = info["aws_endpoint"].rsplit(":", 1)[1]
    app_port = info["api_url"].rsplit(":", 1)[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAUREL_", "AWS_", "POWERTOOLS_"))}
    env.update(LAUREL_LOCAL_AWS_PORT=port, LAUREL_LOCAL_APP_PORT=app_port)
    script = _WRITE.format(root=str(ROOT), scripts=str(ROOT / "scripts"))
    done = subprocess.run([sys.executable, "-c", script], text=True, env=env, cwd=ROOT, capture_output=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def _ops(info: dict, path: str, payload: dict) -> dict:
    request = urllib.request.Request(info["api_url"] + path, method="POST", data=json.dumps(payload).encode(),
                                     headers={"Authorization": f"Bearer {info['operator_key']}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as resp:  # noqa: S310 - loopback
        return json.load(resp)


def test_status_page_with_an_outage_day_and_an_incident(local_system, browser, artifacts):
    info, base = local_system, local_system["api_url"]
    _outage_days(info)
    made = _ops(info, "/ops/incidents", {"title": "Verification pages failing", "components": ["verification"],
                                         "impact": "major", "status": "identified",
                                         "message": "A bad deploy broke the verification pages; rolling back."})
    assert made["snapshot_published"] is True
    seen = {"foreign": [], "console": []}
    shots = artifacts / "screenshots"
    shots.mkdir(exist_ok=True)

    # A visitor with JavaScript off: everything is in the HTML
    visitor = browser.new_context(java_script_enabled=False, viewport={"width": 1100, "height": 900})
    page = visitor.new_page()
    watch(page, base, info["aws_endpoint"], seen)
    response = page.goto(f"{base}/status")
    assert response and response.headers["cache-control"] == "public, max-age=60"
    expect(page.get_by_role("heading", name="System status")).to_be_visible()
    expect(page.get_by_text("Verification pages failing")).to_be_visible()
    expect(page.get_by_text("3 outage minutes", exact=True)).to_be_visible()  # "Detected today"
    bars = page.locator("ol.bars li")
    assert bars.count() == 90
    levels = [bars.nth(i).get_attribute("class") for i in range(90)]
    assert levels[-3] == "down" and levels[-1] == "down", levels[-5:]
    assert levels.count("none") >= 80  # days nobody probed are "no data", not green
    page.screenshot(path=str(shots / "status.png"), full_page=True)
    visitor.close()

    # On a phone, with JavaScript on (axe runs in the page): fits 390 px, no violation
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    page = phone.new_page()
    watch(page, base, info["aws_endpoint"], seen)
    page.goto(f"{base}/status")
    axe(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = page.locator("ol.bars").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.screenshot(path=str(shots / "status-phone.png"), full_page=True)

    # Subscribing: a confirmation mail first, its link shows a button, the button confirms
    page.get_by_label("Your email address").fill("status.watcher@example.com")
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    axe(page)
    page.goto(f"{base}/_local/outbox")
    link = page.locator('a[href*="/status/subscription/confirm?"]').first.get_attribute("href")
    assert link
    page.goto(link)
    page.get_by_role("button", name="Confirm subscription").click()
    expect(page.get_by_role("heading", name="Subscribed")).to_be_visible()
    axe(page)
    phone.close()

    # The incident is in the feed
    with urllib.request.urlopen(f"{base}/status/feed.atom", timeout=30) as resp:  # noqa: S310 - loopback
        feed = feedparser.parse(resp.read())
    assert not feed.bozo and [e.title for e in feed.entries] == ["[Identified] Verification pages failing"]

    assert seen["foreign"] == []
    assert [m for m in seen["console"] if "Content Security Policy" in m or "Refused" in m] == []
