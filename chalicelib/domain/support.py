"""Support requests: severities, response targets, the support desk's hours, states.

Pure: no I/O, no clock reads (``now`` is passed in). The federal holiday calendar
comes from the ``holidays`` package (static rules, imported lazily).

Severities follow the Support and Maintenance Exhibit, section 2.1 (Issue Triage).

Targets run on CALENDAR time from entry of the request, not on support-desk hours:
* Severity 1: "Reasonable efforts will be made to respond to Severity 1 service
  requests within twelve (12) hours of entry of the issue. Credly will work
  continuously from the time the Severity 1 issue is appropriately entered" -> 12 h.
* Severity 2: "respond to Severity 2 service requests within twenty-four (24) hours.
  Credly will work 12 hours a day, 7 days a week" -> 24 h.
* Severity 3: "will be evaluated by Credly within 2 weeks" -> 14 days; the evaluation
  (the first response that states the approach) is what the target measures.
* Severity 4: no target.
"Work continuously" and "7 days a week" say the clock runs outside the desk's hours
(exhibit 1.1.2: 8:00 A.M. to 6:00 P.M. Central Time, Monday through Friday, excluding
U.S. federal holidays), so a Friday-evening severity 1 is due on Saturday. The desk
hours are reported separately by ``next_staffed_time`` so the requester knows when a
person will next be at the desk.

Holidays: ``holidays.US`` with its default categories is the federal calendar
(no state holidays); when a holiday falls on a weekend its observed weekday
(e.g. Friday 2026-07-03 for Saturday 2026-07-04) is a holiday too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from .clock import as_utc

DESK_TZ = ZoneInfo("America/Chicago")
DESK_OPENS = time(8, 0)
DESK_CLOSES = time(18, 0)  # exclusive: 18:00 itself is after hours


@dataclass(frozen=True)
class Severity:
    level: int
    name: str
    definition: str
    target: timedelta | None  # calendar time from entry; None: no target
    target_kind: str | None  # "first_response", "evaluation" or None


SEVERITIES: dict[int, Severity] = {
    1: Severity(
        1,
        "critical",
        "Production use is stopped or so severely impacted that the client cannot reasonably "
        "continue work, or the client experiences a complete loss of service.",
        timedelta(hours=12),
        "first_response",
    ),
    2: Severity(
        2,
        "major",
        "The client experiences a severe loss of service in a critical function of the system.",
        timedelta(hours=24),
        "first_response",
    ),
    3: Severity(
        3,
        "minor",
        "A system defect or temporary loss of service whose impact is an inconvenience that may "
        "require a procedure or workaround.",
        timedelta(weeks=2),
        "evaluation",
    ),
    4: Severity(
        4,
        "request",
        "The client requests an enhancement, information, or documentation clarification.",
        None,
        None,
    ),
}

OPEN, ACKNOWLEDGED, RESOLVED = "open", "acknowledged", "resolved"
STATES = (OPEN, ACKNOWLEDGED, RESOLVED)
# Forward only. Resolving an open request directly is allowed: the resolution is the
# first response. Nothing moves backwards and no move stays put.
TRANSITIONS: dict[str, frozenset[str]] = {
    OPEN: frozenset({ACKNOWLEDGED, RESOLVED}),
    ACKNOWLEDGED: frozenset({RESOLVED}),
    RESOLVED: frozenset(),
}


def severity_info(level: int) -> Severity:
    if isinstance(level, bool) or not isinstance(level, int) or level not in SEVERITIES:
        raise ValueError(f"severity must be 1, 2, 3 or 4, not {level!r}")
    return SEVERITIES[level]


def due_at(severity: int, created_at: datetime) -> datetime | None:
    """When the first response (severity 3: the evaluation) is due, in UTC; None for 4."""
    target = severity_info(severity).target
    return None if target is None else as_utc(created_at) + target


def is_breached(
    severity: int,
    created_at: datetime,
    first_response_at: datetime | None,
    now: datetime,
) -> bool:
    """Responded after the due time, or not responded and ``now`` is past it.
    Responding exactly at the due time is on time."""
    due = due_at(severity, created_at)
    if due is None:
        return False
    if first_response_at is not None:
        return as_utc(first_response_at) > due
    return as_utc(now) > due


def breach_kept(
    severity: int,
    created_at: datetime,
    first_response_at: datetime | None,
    now: datetime,
) -> dict | None:
    """Issue 16, item 7: "downgrading a breached request does not erase the breach". When
    the severity changes at ``now``, the breach under the severity in force until then (its
    level and due time, UTC datetime), or None. The caller records it with the change; a
    request's breach is then its current one or any recorded."""
    if not is_breached(severity, created_at, first_response_at, now):
        return None
    return {"severity": severity, "due_at": due_at(severity, created_at)}


@lru_cache(maxsize=16)
def _federal_holidays(year: int) -> frozenset[date]:
    import holidays  # lazy: only support pages need it

    # Ask for the neighbouring year too: an observed date can fall in the previous
    # calendar year (New Year's Day 2028, a Saturday, is observed on 2027-12-31).
    return frozenset(d for d in holidays.US(years=(year, year + 1)) if d.year == year)


def is_staffed_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _federal_holidays(day.year)


def is_staffed(now: datetime) -> bool:
    local = as_utc(now).astimezone(DESK_TZ)
    return is_staffed_day(local.date()) and DESK_OPENS <= local.time() < DESK_CLOSES


def next_staffed_time(now: datetime) -> datetime:
    """``now`` (in UTC) when the desk is staffed, else the next opening, 08:00 Central
    on the next weekday that is not a federal holiday (DST-aware), in UTC."""
    now = as_utc(now)
    if is_staffed(now):
        return now
    local = now.astimezone(DESK_TZ)
    day = local.date()
    if local.time() >= DESK_OPENS:
        day += timedelta(days=1)
    while not is_staffed_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, DESK_OPENS, tzinfo=DESK_TZ).astimezone(UTC)


def transition(current: str, target: str) -> str:
    """Check a state change; returns ``target`` or raises ValueError."""
    if current not in TRANSITIONS:
        raise ValueError(f"unknown state {current!r}")
    if target not in TRANSITIONS:
        raise ValueError(f"unknown state {target!r}")
    if target not in TRANSITIONS[current]:
        raise ValueError(f"a {current} request cannot become {target}")
    return target


def confirm_severity(proposed: int, operator_choice: int | None) -> int:
    """The client proposes, the operator confirms (None or the same level) or changes it."""
    severity_info(proposed)
    if operator_choice is None:
        return proposed
    return severity_info(operator_choice).level
