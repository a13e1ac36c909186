"""Issue 16's ledger rules in the pure domain (chalicelib/domain/sla.py), hand-computed:
measured minutes, incidents and the reporting rule, notices of edited windows, the
excludability of a window, the overnight day across both DST changes.

Every expectation is a literal; the comment beside it shows the arithmetic.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.sla import (
    INCIDENT_GAP,
    MaintenanceWindow,
    Notice,
    OutageReport,
    OvernightWindow,
    daily_availability,
    find_incidents,
    monthly_ledger,
    overnight_intervals,
    renotice,
    tenant_ledger,
    window_excludability,
)

MIN = timedelta(minutes=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def run(start: datetime, count: int) -> set[datetime]:
    return {start + i * MIN for i in range(count)}


def day(start: datetime) -> set[datetime]:
    return run(start, 1440)


# --- measured minutes ---------------------------------------------------------------------


def test_availability_is_over_measured_minutes_and_the_future_is_not_measured():
    # April: 43,200 minutes. Measured: 1-10 April (14,400); now is 15 April 00:00Z.
    measured = set().union(*(day(utc(2026, 4, d)) for d in range(1, 11)))
    outage = run(utc(2026, 4, 3, 12), 144)
    ledger = monthly_ledger((2026, 4), outage, measured=measured, now=utc(2026, 4, 15))
    # 100 x (14,400 - 144) / 14,400 = 99.0 exactly
    assert (ledger.total_minutes, ledger.measured_minutes, ledger.not_measured_minutes) == (43200, 14400, 28800)
    assert ledger.availability == Decimal(99) and ledger.met is False and ledger.complete is False
    assert ledger.coverage == Decimal("33.3")  # 100 x 14,400 / 43,200 = 33.33... -> 33.3


def test_minutes_at_or_after_now_are_never_measured():
    # probes recorded (by a clock ahead) for 1 April 00:00-00:09Z; now is 00:05Z: five measured
    ledger = monthly_ledger((2026, 4), run(utc(2026, 4, 1), 10), measured=run(utc(2026, 4, 1), 10),
                            now=utc(2026, 4, 1, 0, 5))
    assert (ledger.measured_minutes, ledger.outage_minutes, ledger.availability) == (5, 5, Decimal(0))


def test_full_coverage_is_exactly_the_exhibits_formula():
    everything = set().union(*(day(utc(2026, 4, d)) for d in range(1, 31)))
    outage = run(utc(2026, 4, 5), 60)
    with_probes = monthly_ledger((2026, 4), outage, measured=everything, now=utc(2026, 5, 1))
    formula = monthly_ledger((2026, 4), outage)  # measured=None: every minute, the exhibit's formula
    # 100 x (43,200 - 60) / 43,200 = 99.861111...
    assert with_probes.availability == formula.availability == Decimal(100 * 43140) / Decimal(43200)
    assert with_probes.complete is True and with_probes.coverage == Decimal("100.0")


def test_nothing_measured_claims_nothing():
    ledger = monthly_ledger((2026, 4), set(), measured=set(), now=utc(2026, 3, 20))
    assert (ledger.measured_minutes, ledger.availability, ledger.availability_rounded) == (0, None, None)
    assert ledger.met is True and ledger.complete is False
    assert ledger.service_credit(Decimal("1000.00")) == Decimal("0.00")


def test_days_report_their_measured_minutes():
    measured = day(utc(2026, 4, 1)) | run(utc(2026, 4, 2), 720)  # all of 1 April, half of 2 April
    days = daily_availability((2026, 4), run(utc(2026, 4, 2), 72), measured=measured, now=utc(2026, 4, 3))
    # 2 April: 720 measured, 72 down: 100 x 648 / 720 = 90
    assert (days[1].measured_minutes, days[1].not_measured_minutes, days[1].availability) == (720, 720, Decimal(90))
    assert (days[2].measured_minutes, days[2].availability) == (0, None)


# --- incidents and reports ----------------------------------------------------------------


def test_runs_within_30_minutes_are_one_incident():
    assert INCIDENT_GAP == timedelta(minutes=30)
    # runs 10:00-10:10, 10:40-10:50 (gap 30: merged), 11:21-11:30 (gap 31: separate)
    outage = run(utc(2026, 4, 5, 10), 10) | run(utc(2026, 4, 5, 10, 40), 10) | run(utc(2026, 4, 5, 11, 21), 9)
    incidents = find_incidents(outage)
    assert [(i.start, i.end, len(i.outage_minutes)) for i in incidents] == [
        (utc(2026, 4, 5, 10), utc(2026, 4, 5, 10, 50), 20), (utc(2026, 4, 5, 11, 21), utc(2026, 4, 5, 11, 30), 9)]


@pytest.mark.parametrize(
    "reported_at, counted",
    [
        (utc(2026, 4, 5, 10, 45), 20),  # between the two runs, while the incident goes on: all 20
        (utc(2026, 4, 6, 10, 50), 20),  # exactly 24 h after the end (10:50Z)
        (utc(2026, 4, 6, 10, 51), 0),  # 1 minute later
        (utc(2026, 4, 5, 9, 59), 0),  # before it began
    ],
)
def test_a_report_during_or_within_24h_of_the_end_covers_the_whole_incident(reported_at, counted):
    outage = run(utc(2026, 4, 5, 10), 10) | run(utc(2026, 4, 5, 10, 40), 10)
    assert tenant_ledger((2026, 4), outage, [], [OutageReport(reported_at)], "acme").outage_minutes == counted


def test_a_29_hour_incident_is_split_between_the_months():
    # 31 Mar 05:00Z to 1 Apr 10:00Z: 1,740 minutes, 1,140 in March and 600 in April
    outage = run(utc(2026, 3, 31, 5), 29 * 60)
    report = [OutageReport(utc(2026, 4, 2, 9, 0))]  # 23 h after the end
    march = tenant_ledger((2026, 3), outage, [], report, "acme")
    april = tenant_ledger((2026, 4), outage, [], report, "acme")
    assert (march.outage_minutes, april.outage_minutes) == (1140, 600)
    # March: 44,640 minutes, 100 x 43,500 / 44,640 = 97.446...; April: 100 x 42,600 / 43,200 = 98.611...
    assert (march.availability_rounded, april.availability_rounded) == (Decimal("97.446"), Decimal("98.611"))


# --- notices, cancellation, excludability -------------------------------------------------


def test_an_edit_restarts_the_notice_only_for_the_minutes_it_adds():
    first = (Notice(utc(2026, 4, 10, 12), utc(2026, 4, 10, 13), utc(2026, 4, 1)),)
    # moved 30 minutes earlier and 15 minutes shorter at the end, on 10 April 00:00Z
    notices = renotice(first, utc(2026, 4, 10, 11, 30), utc(2026, 4, 10, 12, 45), utc(2026, 4, 10))
    assert notices == (Notice(utc(2026, 4, 10, 11, 30), utc(2026, 4, 10, 12), utc(2026, 4, 10)),
                       Notice(utc(2026, 4, 10, 12), utc(2026, 4, 10, 12, 45), utc(2026, 4, 1)))
    window = MaintenanceWindow(utc(2026, 4, 10, 11, 30), utc(2026, 4, 10, 12, 45), "db", utc(2026, 4, 1),
                               notices=notices)
    # the 30 added minutes had 11.5 h of notice: not excluded; the 45 announced on 1 April are
    ledger = monthly_ledger((2026, 4), run(utc(2026, 4, 10, 11, 30), 75), [window])
    assert ledger.outage_minutes == 30
    assert ledger.excluded_minutes_by_rule == {"announced_24h": 45, "overnight_window": 0, "client_requested": 0}
    assert window_excludability(window, None) == (False, None)
    # shrinking only keeps the old notice
    assert renotice(first, utc(2026, 4, 10, 12, 15), utc(2026, 4, 10, 13), utc(2026, 4, 10)) == (
        Notice(utc(2026, 4, 10, 12, 15), utc(2026, 4, 10, 13), utc(2026, 4, 1)),)


def test_a_cancelled_window_excludes_nothing():
    window = MaintenanceWindow(utc(2026, 4, 10, 12), utc(2026, 4, 10, 13), "db", utc(2026, 4, 1), cancelled=True)
    ledger = monthly_ledger((2026, 4), run(utc(2026, 4, 10, 12), 60), [window])
    assert (ledger.outage_minutes, ledger.excluded_minutes) == (60, 0)
    assert window_excludability(window, OvernightWindow(weekday=6)) == (False, None)


def test_short_notice_window_inside_the_overnight_window_is_excludable():
    # Sunday 12 April 2026, CDT (UTC-5): the overnight window is 23:00Z to Monday 07:00Z
    inside = MaintenanceWindow(utc(2026, 4, 13, 0), utc(2026, 4, 13, 2), "patch", utc(2026, 4, 12, 1))  # 23 h
    across = MaintenanceWindow(utc(2026, 4, 12, 22), utc(2026, 4, 13, 2), "patch", utc(2026, 4, 11, 23))
    sunday = OvernightWindow(weekday=6)
    assert window_excludability(inside, sunday) == (True, "overnight_window")
    assert window_excludability(across, sunday) == (False, None)  # 22:00Z-23:00Z lies outside it
    ledger = monthly_ledger((2026, 4), run(utc(2026, 4, 12, 22), 240), [across], overnight=sunday)
    assert (ledger.outage_minutes, ledger.excluded_minutes_by_rule["overnight_window"]) == (60, 180)


@pytest.mark.parametrize(
    "weekday, start, expected",
    [
        # Saturday night before spring forward (Sun 8 March 02:00 CST -> 03:00 CDT):
        # 18:00 CST = 00:00Z to 02:00 (taken before the change, CST) = 08:00Z: 8 h
        (5, utc(2026, 3, 7), [(utc(2026, 3, 8, 0), utc(2026, 3, 8, 8))]),
        # Saturday night before fall back (Sun 1 Nov 02:00 CDT -> 01:00 CST):
        # 18:00 CDT = 23:00Z to 02:00 CST = 08:00Z: 9 h
        (5, utc(2026, 10, 31), [(utc(2026, 10, 31, 23), utc(2026, 11, 1, 8))]),
        # Sunday nights (the default) on the DST days: 8 March 18:00 CDT = 23:00Z; 1 Nov 18:00 CST = 00:00Z
        (6, utc(2026, 3, 8), [(utc(2026, 3, 8, 23), utc(2026, 3, 9, 7))]),
        (6, utc(2026, 11, 1), [(utc(2026, 11, 2, 0), utc(2026, 11, 2, 8))]),
    ],
)
def test_the_configurable_overnight_day_across_both_dst_changes(weekday, start, expected):
    assert overnight_intervals(start, start + timedelta(days=1, hours=12), OvernightWindow(weekday=weekday)) == \
        expected


def test_a_window_declared_after_it_began_excludes_none_of_its_past_minutes():
    # Sunday 12 April CDT: overnight 23:00Z to 07:00Z. Declared at 01:00Z for 00:00Z-02:00Z: the
    # hour already gone (00:00Z-01:00Z) stays an outage; 01:00Z-02:00Z lies ahead and overnight: excluded
    late = MaintenanceWindow(utc(2026, 4, 13, 0), utc(2026, 4, 13, 2), "patch", utc(2026, 4, 13, 1))
    sunday = OvernightWindow(weekday=6)
    ledger = monthly_ledger((2026, 4), run(utc(2026, 4, 13, 0), 120), [late], overnight=sunday)
    assert (ledger.outage_minutes, ledger.excluded_minutes_by_rule["overnight_window"]) == (60, 60)
    assert window_excludability(late, sunday) == (False, None)


def test_a_window_still_ahead_excludes_nothing_yet_and_an_unprobed_one_is_not_measured():
    # Found merging issue 16: a scheduled window on 3 December showed "60 excluded" in the
    # ledger on 1 December. Window 3 Dec 10:00-11:00Z, announced 26 Nov (notice >= 24 h).
    w = MaintenanceWindow(start=utc(2026, 12, 3, 10), end=utc(2026, 12, 3, 11), reason="upgrade",
                          announced_at=utc(2026, 11, 26))
    measured = day(utc(2026, 12, 1))
    before = monthly_ledger((2026, 12), set(), [w], measured=measured, now=utc(2026, 12, 2))
    assert before.excluded_minutes == 0 and before.excluded_minutes_by_rule.get("announced_24h", 0) == 0
    # once it happened and was probed (20 of its minutes down): 60 excluded, none counted as outage
    after = monthly_ledger((2026, 12), run(utc(2026, 12, 3, 10), 20), [w],
                           measured=measured | day(utc(2026, 12, 3)), now=utc(2026, 12, 4))
    assert after.excluded_minutes_by_rule["announced_24h"] == 60 and after.outage_minutes == 0
    # the same window when nobody probed its hour: its minutes are not measured, not excluded
    gap = day(utc(2026, 12, 3)) - run(utc(2026, 12, 3, 10), 60)
    unprobed = monthly_ledger((2026, 12), set(), [w], measured=measured | gap, now=utc(2026, 12, 4))
    assert unprobed.excluded_minutes == 0 and unprobed.measured_minutes == 2 * 1440 - 60
