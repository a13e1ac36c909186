"""Test helper: whole UTC days of probe results in one write per day.

`store.ops.record_probe` writes three items per minute; a hand-computed month needs
43,200 of them. This writes the same day items (`PROBEDAY#<month>` / `<day>`, string
sets of "HH:MM") the ledger reads, one UpdateItem per day and location, so the ledger
sees exactly what a month of `record_probe` calls would have left.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from chalicelib.store import keys
from chalicelib.store.models import ProbeDayItem

ALL_DAY = {f"{h:02d}:{m:02d}" for h in range(24) for m in range(60)}


def probe_days(first: date, last: date, location: str = "test", up: bool = True) -> None:
    """Every minute of the UTC days first..last (inclusive) probed from `location` (and seen up)."""
    day = first
    while day <= last:
        month, text = day.strftime("%Y-%m"), day.isoformat()
        actions = [ProbeDayItem.probed.add(ALL_DAY)] + ([ProbeDayItem.up.add(ALL_DAY)] if up else [])
        ProbeDayItem(keys.probe_days_pk(month), text).update(actions=actions)
        ProbeDayItem(keys.probe_locations_pk(month), keys.probe_location_sk(text, location)).update(
            actions=[ProbeDayItem.probed.add(ALL_DAY)])
        day += timedelta(days=1)


def probe_down(minutes: list[datetime], location: str = "test") -> None:
    """These minutes probed and seen down by every location (removes them from `up`)."""
    by_day: dict[tuple[str, str], set[str]] = {}
    for m in minutes:
        by_day.setdefault((m.strftime("%Y-%m"), m.strftime("%Y-%m-%d")), set()).add(m.strftime("%H:%M"))
    for (month, day), hhmm in by_day.items():
        ProbeDayItem(keys.probe_days_pk(month), day).update(
            actions=[ProbeDayItem.probed.add(hhmm), ProbeDayItem.up.delete(hhmm)])
        ProbeDayItem(keys.probe_locations_pk(month), keys.probe_location_sk(day, location)).update(
            actions=[ProbeDayItem.probed.add(hhmm)])
