"""The public status page's rules (pure: the caller passes `now` and what it read).

- A component's state comes from the latest probe run's results for it and from the
  open incidents that name it, whichever is worse. A component no probe result names
  is "not monitored" (never shown green on a guess); when the probes have gone quiet
  the state says "no recent data".
- A day's bar: the percentage of its *measured* minutes that were up; a day nobody
  probed is "no data", not 100 %.
- An incident's state is the status of its latest operator-written update; it is
  resolved when an update says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from .clock import iso, parse_iso

# (id, name, the probe components that count for it). Issue 16's list: "verification
# pages, API, LMS hooks, wallet, mail"; the contract: "images belong to 'verification pages'".
COMPONENTS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("verification", "Verification pages", frozenset({"verification", "images"})),
    ("api", "API", frozenset({"api"})),
    ("lms", "LMS hooks", frozenset({"lms"})),
    ("wallet", "Wallet", frozenset({"wallet"})),
    ("mail", "Mail", frozenset({"mail"})),
)
COMPONENT_IDS = tuple(c[0] for c in COMPONENTS)

INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved")
IMPACTS = ("minor", "major", "critical")
MAX_UPDATES = 100  # per incident: the item stays far below DynamoDB's 400 KB

# states, best to worst; "not_monitored"/"no_data" are not ranked against them
STATE_LABELS = {
    "operational": "Operational",
    "degraded": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
    "not_monitored": "Not monitored",
    "no_data": "No recent data",
}
_RANK = {"operational": 0, "degraded": 1, "partial_outage": 2, "major_outage": 3}
_IMPACT_STATE = {"minor": "degraded", "major": "partial_outage", "critical": "major_outage"}

DAYS_SHOWN = 90
# Probes run every minute: a latest run older than this means they stopped.
PROBES_QUIET_AFTER = timedelta(minutes=5)


def _worse(a: str, b: str) -> str:
    if a not in _RANK:
        return b
    if b not in _RANK:
        return a
    return a if _RANK[a] >= _RANK[b] else b


def probe_state(results: list[dict], probe_components: frozenset[str]) -> str | None:
    """A component's state from one minute's results (every location's): None when no
    result names it. Up where every check of it passed somewhere, an outage where none
    passed anywhere, degraded in between (the page answers, its JSON does not)."""
    mine = [r for r in results if r.get("component") in probe_components]
    if not mine:
        return None
    by_check: dict[tuple[Any, Any], bool] = {}
    for r in mine:  # one check seen from several locations: up when any location saw it up
        check = (r.get("component"), r.get("url"))
        by_check[check] = by_check.get(check, False) or bool(r.get("ok"))
    passed = sum(by_check.values())
    if passed == len(by_check):
        return "operational"
    return "major_outage" if passed == 0 else "partial_outage"


def component_states(latest_minute: datetime | None, latest_results: list[dict], open_incidents: list[dict],
                     now: datetime) -> list[dict]:
    """Each component's state: [{"id", "name", "state", "label", "source"}]."""
    quiet = latest_minute is None or now - latest_minute > PROBES_QUIET_AFTER
    out = []
    for cid, name, probe_components in COMPONENTS:
        measured = probe_state(latest_results, probe_components)
        state = "not_monitored" if measured is None else ("no_data" if quiet else measured)
        source = "probes" if measured is not None else "none"
        for incident in open_incidents:
            if cid in incident["components"]:
                incident_state = _IMPACT_STATE[incident["impact"]]
                if _worse(state, incident_state) == incident_state and state != incident_state:
                    state, source = incident_state, "incident"
        out.append({"id": cid, "name": name, "state": state, "label": STATE_LABELS[state], "source": source})
    return out


def overall(components: list[dict]) -> str:
    """The headline: the worst ranked state of any component ("operational" when all
    measured ones are; "no_data" when the probes went quiet and nothing else says more;
    "not_monitored" when nothing is measured at all)."""
    ranked = [c["state"] for c in components if c["state"] in _RANK]
    if not ranked:
        return "no_data" if any(c["state"] == "no_data" for c in components) else "not_monitored"
    worst = "operational"
    for s in ranked:
        worst = _worse(worst, s)
    return worst


# ------------------------------------------------------------------ daily bars


@dataclass(frozen=True)
class DayCount:
    measured: int
    up: int


def day_bar(day: date, count: DayCount) -> dict:
    """One day's bar: {"day", "measured_minutes", "outage_minutes", "uptime": "99.93" | None,
    "level": "up" | "partial" | "down" | "none"}. The percentage is truncated (never
    rounded up to 100 while a minute was down)."""
    if count.measured == 0:
        return {"day": day.isoformat(), "measured_minutes": 0, "outage_minutes": 0, "uptime": None, "level": "none"}
    pct = (Decimal(count.up) * 100 / Decimal(count.measured)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    outage = count.measured - count.up
    level = "up" if outage == 0 else ("partial" if pct >= Decimal("99") else "down")
    return {"day": day.isoformat(), "measured_minutes": count.measured, "outage_minutes": outage,
            "uptime": str(pct), "level": level}


def days_shown(today: date) -> list[date]:
    """The 90 UTC days ending today, oldest first."""
    return [today - timedelta(days=n) for n in range(DAYS_SHOWN - 1, -1, -1)]


def days_to_recompute(today: date, previous: dict[str, dict], previous_generated: datetime | None) -> list[date]:
    """Which days a new snapshot must read from the probe store: today and yesterday
    always (a second location may still add minutes around midnight), every day the
    previous snapshot lacks, and any day that was not yet over an hour before it was
    generated. Every other day is final and copied from the previous snapshot."""
    days = days_shown(today)
    if previous_generated is None:
        return days
    out = []
    for d in days:
        day_end = datetime(d.year, d.month, d.day, tzinfo=previous_generated.tzinfo) + timedelta(days=1)
        if d >= today - timedelta(days=1) or d.isoformat() not in previous or previous_generated < day_end + \
                timedelta(hours=1):
            out.append(d)
    return out


# ------------------------------------------------------------------ incidents


def incident_view(item: dict) -> dict:
    """An incident as the page, the feed and the API show it: updates newest first."""
    updates = sorted(item["updates"], key=lambda u: u["at"], reverse=True)
    return {"id": item["incident_id"], "title": item["title"], "components": list(item["components"]),
            "component_names": [name for cid, name, _ in COMPONENTS if cid in item["components"]],
            "impact": item["impact"], "state": item["state"], "created_at": item["created_at"],
            "updated_at": item["updated_at"], "resolved_at": item.get("resolved_at"),
            "updates": [{"at": u["at"], "status": u["status"], "message": u["message"]} for u in updates]}


def is_open(incident: dict) -> bool:
    return incident["state"] != "resolved"


def incidents_shown(incidents: list[dict], now: datetime) -> list[dict]:
    """Open incidents, and those resolved within the 90 days the page covers; newest first."""
    since = now - timedelta(days=DAYS_SHOWN)
    shown = [i for i in incidents if is_open(i) or parse_iso(i["resolved_at"] or i["updated_at"]) >= since]
    return sorted(shown, key=lambda i: i["created_at"], reverse=True)


def new_update(status: str, message: str, now: datetime) -> dict:
    return {"at": iso(now), "status": status, "message": message}


# ------------------------------------------------------------------ maintenance


def upcoming_maintenance(windows: list[dict], now: datetime) -> list[dict]:
    """Windows still to come or going on, soonest first. The contract: "`state == "scheduled"`
    and end > now; until the LEDGER branch lands, the views have no `state` key: treat
    missing as scheduled". Client-requested windows concern one tenant, not the public."""
    out = [w for w in windows if w.get("state", "scheduled") == "scheduled" and w.get("kind") != "client_requested"
           and parse_iso(w["end"]) > now]
    return sorted(out, key=lambda w: w["start"])
