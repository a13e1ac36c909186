"""The status page's pure rules (domain/status.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from chalicelib.domain import status as rules

UTC = timezone.utc
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def r(component, ok, url="u"):
    return {"url": url, "component": component, "ok": ok}


def test_a_check_seen_up_from_any_location_is_up():
    assert rules.probe_state([r("api", False), r("api", True)], frozenset({"api"})) == "operational"
    assert rules.probe_state([r("api", False), r("api", False)], frozenset({"api"})) == "major_outage"
    # the page answers, its JSON does not: partly out
    assert rules.probe_state([r("verification", True, "page"), r("verification", False, "json")],
                             frozenset({"verification"})) == "partial_outage"
    assert rules.probe_state([r("api", True)], frozenset({"wallet"})) is None


def test_unmeasured_components_are_not_monitored_and_incidents_only_make_things_worse():
    incident = {"components": ["wallet", "api"], "impact": "minor"}
    states = {c["id"]: c["state"] for c in rules.component_states(NOW, [r("api", True)], [incident], NOW)}
    assert states == {"verification": "not_monitored", "api": "degraded", "lms": "not_monitored",
                      "wallet": "degraded", "mail": "not_monitored"}
    down = {c["id"]: c["state"] for c in rules.component_states(NOW, [r("api", False)], [incident], NOW)}
    assert down["api"] == "major_outage"  # a minor incident does not hide a measured outage
    assert rules.overall(rules.component_states(None, [], [], NOW)) == "not_monitored"


def test_a_day_is_never_rounded_up_to_100_percent():
    bar = rules.day_bar(date(2026, 11, 1), rules.DayCount(measured=1440, up=1439))
    assert bar["uptime"] == "99.93" and bar["level"] == "partial" and bar["outage_minutes"] == 1
    assert rules.day_bar(date(2026, 11, 1), rules.DayCount(measured=100, up=98))["level"] == "down"
    assert rules.day_bar(date(2026, 11, 1), rules.DayCount(0, 0)) == {
        "day": "2026-11-01", "measured_minutes": 0, "outage_minutes": 0, "uptime": None, "level": "none"}


def test_only_days_that_can_still_change_are_read_again():
    today = NOW.date()
    previous = {d.isoformat(): {} for d in rules.days_shown(today)}
    assert len(rules.days_to_recompute(today, {}, None)) == 90
    assert rules.days_to_recompute(today, previous, NOW - timedelta(minutes=1)) == [today - timedelta(days=1),
                                                                                   today]
    # the previous snapshot, made at 00:30, may have missed the 19th's last minutes (a late
    # location): on the 21st the 19th is read again with yesterday and today
    early = datetime(2026, 11, 20, 0, 30, tzinfo=UTC)
    tomorrow = today + timedelta(days=1)
    assert rules.days_to_recompute(tomorrow, previous, early) == [date(2026, 11, 19), date(2026, 11, 20),
                                                                 date(2026, 11, 21)]
    missing = dict(previous)
    del missing["2026-10-01"]
    assert date(2026, 10, 1) in rules.days_to_recompute(today, missing, NOW)


def test_cancelled_past_and_client_windows_are_not_upcoming():
    w = {"start": "2026-11-21T00:00:00Z", "end": "2026-11-21T01:00:00Z", "kind": "scheduled"}
    assert rules.upcoming_maintenance([w], NOW) == [w]
    assert rules.upcoming_maintenance([{**w, "state": "cancelled"}], NOW) == []
    assert rules.upcoming_maintenance([{**w, "kind": "client_requested"}], NOW) == []
    assert rules.upcoming_maintenance([{**w, "end": "2026-11-20T11:59:00Z"}], NOW) == []
