"""Support request rules (issue 7, item 6): due times, breaches, desk hours, states.

Expectations are literals; comments show the arithmetic. Central time: CST = UTC-6,
CDT = UTC-5 (2026: CDT from 8 March to 1 November).
"""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain import support
from chalicelib.domain.support import (
    confirm_severity,
    due_at,
    is_breached,
    is_staffed,
    next_staffed_time,
    transition,
)

UTC = timezone.utc
CHICAGO = ZoneInfo("America/Chicago")


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def ct(*args):
    return datetime(*args, tzinfo=CHICAGO)


# --- due times: calendar time from entry --------------------------------------------------------


@pytest.mark.parametrize(
    "severity, created_at, due",
    [
        (1, utc(2026, 4, 10, 15), utc(2026, 4, 11, 3)),  # + 12 h
        (2, utc(2026, 4, 10, 15), utc(2026, 4, 11, 15)),  # + 24 h
        (3, utc(2026, 4, 10, 15), utc(2026, 4, 24, 15)),  # + 14 days
        (4, utc(2026, 4, 10, 15), None),  # no target
        # across a weekend: Friday 10 April 17:00 CDT (22:00Z) + 12 h = Saturday 10:00Z
        (1, ct(2026, 4, 10, 17), utc(2026, 4, 11, 10)),
        # across a federal holiday: Wed 25 Nov 2026 20:00 CST (26 Nov 02:00Z) + 24 h = Thanksgiving 02:00Z + 1 day
        (2, ct(2026, 11, 25, 20), utc(2026, 11, 27, 2)),
        # across the DST change: Sat 7 Mar 20:00 CST (8 Mar 02:00Z) + 12 h = 8 Mar 14:00Z (09:00 CDT)
        (1, ct(2026, 3, 7, 20), utc(2026, 3, 8, 14)),
    ],
)
def test_due_at(severity, created_at, due):
    assert due_at(severity, created_at) == due


@pytest.mark.parametrize("severity", [0, 5, True, "1", None])
def test_unknown_severity(severity):
    with pytest.raises(ValueError):
        due_at(severity, utc(2026, 4, 10))


# --- breaches ---------------------------------------------------------------------------------------

CREATED = utc(2026, 4, 10, 15)  # severity 1 due 11 April 03:00Z


@pytest.mark.parametrize(
    "severity, first_response_at, now, breached",
    [
        (1, None, utc(2026, 4, 11, 2, 59), False),  # before the due time
        (1, None, utc(2026, 4, 11, 3, 0), False),  # exactly at the due time
        (1, None, utc(2026, 4, 11, 3, 1), True),  # one minute past, no response
        (1, utc(2026, 4, 11, 2, 59), utc(2026, 5, 1), False),  # answered in time, asked much later
        (1, utc(2026, 4, 11, 3, 0), utc(2026, 5, 1), False),  # answered exactly on time
        (1, utc(2026, 4, 11, 3, 30), utc(2026, 5, 1), True),  # answered late
        (2, None, utc(2026, 4, 11, 14, 59), False),  # due 11 April 15:00Z
        (2, None, utc(2026, 4, 11, 15, 1), True),
        (3, None, utc(2026, 4, 24, 15, 0), False),  # due 24 April 15:00Z
        (3, None, utc(2026, 4, 24, 15, 1), True),
        (4, None, utc(2027, 4, 10), False),  # never breached
    ],
)
def test_is_breached(severity, first_response_at, now, breached):
    assert is_breached(severity, CREATED, first_response_at, now) is breached


# --- next staffed time: Mon-Fri 08:00-18:00 Central, no federal holidays --------------------------


@pytest.mark.parametrize(
    "now, expected",
    [
        # staffed: returned as is
        (ct(2026, 4, 15, 10), utc(2026, 4, 15, 15)),  # Wed 10:00 CDT = 15:00Z
        (ct(2026, 4, 15, 8), utc(2026, 4, 15, 13)),  # opening minute
        # before opening on a weekday: 08:00 CDT = 13:00Z the same day
        (ct(2026, 4, 14, 7, 59), utc(2026, 4, 14, 13)),
        # closing time is after hours: Tue 18:00 CDT -> Wed 08:00 CDT
        (ct(2026, 4, 14, 18), utc(2026, 4, 15, 13)),
        # weekend: Fri 10 April 19:00 CDT -> Mon 13 April 08:00 CDT = 13:00Z
        (ct(2026, 4, 10, 19), utc(2026, 4, 13, 13)),
        (ct(2026, 4, 11, 12), utc(2026, 4, 13, 13)),  # Saturday noon
        # Thanksgiving Thu 26 Nov 2026: Wed 18:30 CST -> Fri 27 Nov 08:00 CST = 14:00Z
        (ct(2026, 11, 25, 18, 30), utc(2026, 11, 27, 14)),
        (ct(2026, 11, 26, 9), utc(2026, 11, 27, 14)),  # during Thanksgiving morning
        # Independence Day: 4 July 2026 is a Saturday, observed Fri 3 July
        # Thu 2 July 18:00 CDT -> Mon 6 July 08:00 CDT = 13:00Z
        (ct(2026, 7, 2, 18), utc(2026, 7, 6, 13)),
        # Christmas Fri 25 Dec 2026: Thu 24 Dec 18:00 CST -> Mon 28 Dec 08:00 CST = 14:00Z
        (ct(2026, 12, 24, 18), utc(2026, 12, 28, 14)),
        # New Year Fri 1 Jan 2027: Thu 31 Dec 2026 19:00 CST -> Mon 4 Jan 2027 08:00 CST = 14:00Z
        (ct(2026, 12, 31, 19), utc(2027, 1, 4, 14)),
        # New Year 2028 is a Saturday, observed Fri 31 Dec 2027:
        # Thu 30 Dec 2027 18:00 CST -> Mon 3 Jan 2028 08:00 CST = 14:00Z
        (ct(2027, 12, 30, 18), utc(2028, 1, 3, 14)),
        # spring forward: Fri 6 Mar 2026 20:00 CST (7 Mar 02:00Z) -> Mon 9 Mar 08:00 CDT = 13:00Z (not 14:00Z)
        (utc(2026, 3, 7, 2), utc(2026, 3, 9, 13)),
        # fall back: Fri 30 Oct 2026 18:30 CDT (23:30Z) -> Mon 2 Nov 08:00 CST = 14:00Z (not 13:00Z)
        (utc(2026, 10, 30, 23, 30), utc(2026, 11, 2, 14)),
        # Labor Day Mon 7 Sep 2026: Fri 4 Sep 18:00 CDT -> Tue 8 Sep 08:00 CDT = 13:00Z
        (ct(2026, 9, 4, 18), utc(2026, 9, 8, 13)),
    ],
)
def test_next_staffed_time(now, expected):
    assert next_staffed_time(now) == expected
    assert next_staffed_time(now).utcoffset() == timedelta(0)
    assert is_staffed(next_staffed_time(now))


def test_state_holidays_are_not_desk_holidays():
    # Day after Thanksgiving is a holiday in some states, not federally: the desk is staffed
    assert is_staffed(ct(2026, 11, 27, 9))


# --- states and severities --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "current, target",
    [("open", "acknowledged"), ("acknowledged", "resolved"), ("open", "resolved")],
)
def test_valid_transitions(current, target):
    assert transition(current, target) == target


@pytest.mark.parametrize(
    "current, target",
    [
        ("acknowledged", "open"),
        ("resolved", "open"),
        ("resolved", "acknowledged"),
        ("open", "open"),
        ("resolved", "resolved"),
        ("open", "closed"),
        ("pending", "open"),
    ],
)
def test_invalid_transitions(current, target):
    with pytest.raises(ValueError):
        transition(current, target)


@pytest.mark.parametrize(
    "proposed, operator_choice, confirmed",
    [(3, None, 3), (3, 3, 3), (3, 1, 1), (1, 4, 4)],
)
def test_confirm_severity(proposed, operator_choice, confirmed):
    assert confirm_severity(proposed, operator_choice) == confirmed


@pytest.mark.parametrize("proposed, operator_choice", [(0, None), (5, 2), (2, 0), (2, 5), (True, None)])
def test_confirm_severity_rejects_unknown_levels(proposed, operator_choice):
    with pytest.raises(ValueError):
        confirm_severity(proposed, operator_choice)


def test_severity_definitions_follow_the_contract():
    assert [s.target for s in support.SEVERITIES.values()] == [
        timedelta(hours=12),
        timedelta(hours=24),
        timedelta(days=14),
        None,
    ]
    assert "complete loss of service" in support.SEVERITIES[1].definition
    assert "critical function" in support.SEVERITIES[2].definition
    assert "workaround" in support.SEVERITIES[3].definition
    assert "enhancement" in support.SEVERITIES[4].definition


def test_a_severity_change_keeps_the_breach_in_force_until_then():
    """Issue 16, item 7: severity 1 entered 10 April 15:00Z was due 11 April 03:00Z; changed
    at 04:00Z unanswered, its breach is kept; changed at 02:00Z there was none to keep."""
    from chalicelib.domain.support import breach_kept

    assert breach_kept(1, CREATED, None, utc(2026, 4, 11, 4)) == {"severity": 1, "due_at": utc(2026, 4, 11, 3)}
    assert breach_kept(1, CREATED, None, utc(2026, 4, 11, 2)) is None
    assert breach_kept(1, CREATED, utc(2026, 4, 11, 2), utc(2026, 4, 11, 4)) is None  # answered in time
