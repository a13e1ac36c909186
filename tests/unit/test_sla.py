"""SLA ledger maths against months computed by hand (issue 7, items 3 and 4; issue 12,
item 10: excluded minutes stay in the month's total, they only stop being outage minutes).

Every expectation is a literal; the comment beside it shows the arithmetic.
"""

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from chalicelib.domain.sla import (
    MaintenanceWindow,
    OutageReport,
    OvernightWindow,
    daily_availability,
    month_bounds,
    monthly_ledger,
    overnight_intervals,
    service_credit,
    tenant_ledger,
)

UTC = timezone.utc
MIN = timedelta(minutes=1)
TUESDAY_NIGHT = OvernightWindow(weekday=1)  # Tue 18:00 -> Wed 02:00 America/Chicago
SATURDAY_NIGHT = OvernightWindow(weekday=5)  # Sat 18:00 -> Sun 02:00 America/Chicago


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def run(start, count):
    """`count` consecutive outage minutes from `start`."""
    return {start + i * MIN for i in range(count)}


def scheduled(start, end, reason="maintenance", notice=timedelta(hours=1)):
    return MaintenanceWindow(start, end, reason, announced_at=start - notice)


# --- minutes in a month ----------------------------------------------------------------


@pytest.mark.parametrize(
    "month, boundary_tz, minutes",
    [
        ((2026, 4), "UTC", 43200),  # 30 days x 1440
        ((2026, 1), "UTC", 44640),  # 31 x 1440
        ((2026, 2), "UTC", 40320),  # 28 x 1440
        ((2028, 2), "UTC", 41760),  # leap: 29 x 1440
        ((2026, 12), "UTC", 44640),  # year rollover: 31 x 1440
        ((2026, 3), "America/Chicago", 44580),  # 44640 - 60 (spring forward 8 March)
        ((2026, 11), "America/Chicago", 43260),  # 43200 + 60 (fall back 1 November)
    ],
)
def test_empty_month_counts_every_minute(month, boundary_tz, minutes):
    ledger = monthly_ledger(month, set(), boundary_tz=boundary_tz)
    assert ledger.total_minutes == minutes
    assert ledger.outage_minutes == 0
    assert ledger.excluded_minutes_by_reason == {}
    assert ledger.availability == Decimal("100")
    assert ledger.met is True


def test_chicago_month_boundaries_are_local_midnights():
    # 1 March 00:00 CST (UTC-6) = 06:00Z; 1 April 00:00 CDT (UTC-5) = 05:00Z
    assert month_bounds((2026, 3), "America/Chicago") == (utc(2026, 3, 1, 6), utc(2026, 4, 1, 5))


# --- plain outages: where the 99.9 % line falls -------------------------------------------


@pytest.mark.parametrize(
    "month, outage, availability_rounded, met",
    [
        ((2026, 4), 43, Decimal("99.900"), True),  # 100 x 43157 / 43200 = 99.90046...
        ((2026, 4), 44, Decimal("99.898"), False),  # 100 x 43156 / 43200 = 99.89814...
        ((2026, 1), 44, Decimal("99.901"), True),  # 100 x 44596 / 44640 = 99.90143...
        ((2026, 1), 45, Decimal("99.899"), False),  # 100 x 44595 / 44640 = 99.89919...
        ((2026, 2), 40, Decimal("99.900"), True),  # 100 x 40280 / 40320 = 99.90079...
        ((2026, 2), 41, Decimal("99.898"), False),  # 100 x 40279 / 40320 = 99.89831...
        ((2028, 2), 41, Decimal("99.901"), True),  # 100 x 41719 / 41760 = 99.90181...
        ((2028, 2), 42, Decimal("99.899"), False),  # 100 x 41718 / 41760 = 99.89942...
    ],
)
def test_outage_minutes_against_the_target(month, outage, availability_rounded, met):
    start = utc(month[0], month[1], 10, 12)
    ledger = monthly_ledger(month, run(start, outage))
    assert ledger.outage_minutes == outage
    assert ledger.availability_rounded == availability_rounded
    assert ledger.met is met


def test_exact_availability_is_kept_exact():
    # April: 432 minutes = 1 % of 43200, so 100 x (43200 - 432) / 43200 = 99 exactly
    ledger = monthly_ledger((2026, 4), run(utc(2026, 4, 3), 432))
    assert ledger.availability == Decimal("99")
    assert ledger.service_credit(Decimal("1000.00")) == Decimal("9.00")  # 1000 x 0.9 / 100


def test_outage_minutes_outside_the_month_and_seconds_are_ignored_or_floored():
    minutes = {utc(2026, 3, 31, 23, 59), utc(2026, 5, 1), utc(2026, 4, 1, 0, 0, 30), utc(2026, 4, 1, 0, 0, 45)}
    ledger = monthly_ledger((2026, 4), minutes)
    assert ledger.outage_minutes == 1  # both April instants fall in the minute 00:00Z


def test_availability_exactly_at_target_is_met_and_earns_no_credit():
    # No month's minute count is a multiple of 1000, so 99.9 % is never hit exactly; a 99 %
    # target is: 432 outage minutes = 1 % of 43200. The 200 excluded minutes (an outage
    # throughout) stay in the total and add no outage minute:
    # 100 x (43200 - 432) / 43200 = 99 exactly
    window = scheduled(utc(2026, 4, 9, 12), utc(2026, 4, 9, 15, 20), "upgrade", notice=timedelta(days=3))
    outages = run(utc(2026, 4, 9, 12), 200) | run(utc(2026, 4, 20, 9), 432)
    ledger = monthly_ledger((2026, 4), outages, [window], target=Decimal("99"))
    assert ledger.total_minutes == 43200
    assert ledger.excluded_minutes_by_reason == {"upgrade": 200}
    assert ledger.outage_minutes == 432
    assert ledger.availability == Decimal("99")
    assert ledger.met is True
    assert ledger.service_credit(Decimal("1000.00")) == Decimal("0.00")


def test_excluded_minutes_keep_the_months_total():
    # Issue 12, item 10, computed by hand: a 30-day month is 43,200 minutes; 60 minutes of
    # maintenance announced two days ahead are excluded (the outage during them does not
    # count), 45 other outage minutes count. The exhibit's formula keeps the total:
    # 100 x (43200 - 45) / 43200 = 99.8958333...; credit on 1000: 1000 x (99.9 - 99.8958333...)
    # / 100 = 0.041666... -> 0.04
    window = scheduled(utc(2026, 4, 9, 12), utc(2026, 4, 9, 13), "upgrade", notice=timedelta(days=2))
    outages = run(utc(2026, 4, 9, 12), 60) | run(utc(2026, 4, 20, 9), 45)
    ledger = monthly_ledger((2026, 4), outages, [window])
    assert ledger.total_minutes == 43200
    assert ledger.excluded_minutes_by_reason == {"upgrade": 60}
    assert ledger.outage_minutes == 45
    assert ledger.availability == Decimal("99.89583333333333333333333333")  # 28 significant digits
    assert ledger.availability_rounded == Decimal("99.895")
    assert ledger.met is False
    assert ledger.service_credit(Decimal("1000")) == Decimal("0.04")


# --- maintenance windows -----------------------------------------------------------------

# April 2026 is CDT (UTC-5). Tuesday 7 April 18:00 CDT = 23:00Z; Wednesday 02:00 CDT = 8 April 07:00Z.
CASES = [
    # id, windows, outage minutes, total, outage, excluded by reason, availability_rounded
    (
        "short notice inside the overnight window",
        [scheduled(utc(2026, 4, 8, 0), utc(2026, 4, 8, 2), "patch")],
        run(utc(2026, 4, 8, 0), 120),
        43200,  # excluded minutes stay in the total
        0,
        {"patch": 120},
        Decimal("100.000"),
    ),
    (
        "short notice outside the overnight window (Wednesday night)",
        [scheduled(utc(2026, 4, 9, 0), utc(2026, 4, 9, 2), "patch")],
        run(utc(2026, 4, 9, 0), 120),
        43200,
        120,
        {},
        Decimal("99.722"),  # 100 x 43080 / 43200 = 99.7222...
    ),
    (
        "short notice straddling the end of the overnight window",
        # 06:00-09:00Z = 01:00-04:00 CDT; only 06:00-07:00Z is overnight
        [scheduled(utc(2026, 4, 8, 6), utc(2026, 4, 8, 9), "patch")],
        run(utc(2026, 4, 8, 6), 180),
        43200,
        120,  # 180 - 60
        {"patch": 60},
        Decimal("99.722"),  # 100 x 43080 / 43200 = 99.7222...
    ),
    (
        "announced 23 h ahead, outside the overnight window",
        [scheduled(utc(2026, 4, 15, 12), utc(2026, 4, 15, 14), "deploy", notice=timedelta(hours=23))],
        run(utc(2026, 4, 15, 12), 120),
        43200,
        120,
        {},
        Decimal("99.722"),  # 100 x 43080 / 43200
    ),
    (
        "announced 25 h ahead, outside the overnight window",
        [scheduled(utc(2026, 4, 15, 12), utc(2026, 4, 15, 14), "deploy", notice=timedelta(hours=25))],
        run(utc(2026, 4, 15, 12), 120),
        43200,
        0,
        {"deploy": 120},
        Decimal("100.000"),
    ),
    (
        "announced exactly 24 h ahead",
        [scheduled(utc(2026, 4, 15, 12), utc(2026, 4, 15, 14), "deploy", notice=timedelta(hours=24))],
        run(utc(2026, 4, 15, 12), 120),
        43200,
        0,
        {"deploy": 120},
        Decimal("100.000"),
    ),
    (
        "maintenance without an outage changes nothing but the excluded count",
        [scheduled(utc(2026, 4, 15, 12), utc(2026, 4, 15, 14), "deploy", notice=timedelta(days=2))],
        run(utc(2026, 4, 16, 12), 30),
        43200,
        30,
        {"deploy": 120},
        Decimal("99.930"),  # 100 x 43170 / 43200 = 99.93055...
    ),
    (
        "12 h cap: 960 eligible minutes, the last 240 count",
        # 10 April 00:00-08:00Z (480) + 20 April 00:00-08:00Z (480), both announced 2 days ahead;
        # cap 720 = 480 + the first 240 of the second window (00:00-04:00Z)
        [
            scheduled(utc(2026, 4, 10, 0), utc(2026, 4, 10, 8), "db upgrade", notice=timedelta(days=2)),
            scheduled(utc(2026, 4, 20, 0), utc(2026, 4, 20, 8), "os patch", notice=timedelta(days=2)),
        ],
        run(utc(2026, 4, 10, 0), 480) | run(utc(2026, 4, 20, 0), 480),
        43200,
        240,  # 20 April 04:00-08:00Z
        {"db upgrade": 480, "os patch": 240},
        Decimal("99.444"),  # 100 x 42960 / 43200 = 99.44444...
    ),
    (
        "overlapping windows count once, attributed to the earlier start",
        [
            scheduled(utc(2026, 4, 15, 13), utc(2026, 4, 15, 15), "second", notice=timedelta(days=2)),
            scheduled(utc(2026, 4, 15, 12), utc(2026, 4, 15, 14), "first", notice=timedelta(days=2)),
        ],
        set(),
        43200,  # 180 minutes (12:00-15:00Z) excluded, none of them an outage
        0,
        {"first": 120, "second": 60},
        Decimal("100.000"),
    ),
]


@pytest.mark.parametrize(
    "windows, outages, total, outage, excluded, rounded",
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_maintenance_windows(windows, outages, total, outage, excluded, rounded):
    ledger = monthly_ledger((2026, 4), outages, windows, overnight=TUESDAY_NIGHT)
    assert ledger.total_minutes == total
    assert ledger.outage_minutes == outage
    assert ledger.excluded_minutes_by_reason == excluded
    assert ledger.availability_rounded == rounded
    assert ledger.minutes_in_month == 43200


def test_cap_surplus_credit():
    # the 12 h cap case: availability 100 x 42960 / 43200 = 99.44444...
    # credit = 1000 x (99.9 - 99.44444...) / 100 = 4.5555... -> 4.56
    case = next(c for c in CASES if c[0].startswith("12 h cap"))
    ledger = monthly_ledger((2026, 4), case[2], case[1], overnight=TUESDAY_NIGHT)
    assert ledger.met is False
    assert ledger.service_credit(Decimal("1000.00")) == Decimal("4.56")


def test_short_notice_maintenance_without_an_overnight_config_is_not_excluded():
    window = scheduled(utc(2026, 4, 8, 0), utc(2026, 4, 8, 2))
    ledger = monthly_ledger((2026, 4), run(utc(2026, 4, 8, 0), 120), [window])
    assert (ledger.total_minutes, ledger.outage_minutes) == (43200, 120)


# --- daylight saving ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "range_start, range_end, overnight, expected",
    [
        (
            utc(2026, 3, 1),
            utc(2026, 4, 1),
            SATURDAY_NIGHT,
            [
                # Sat 28 Feb 18:00 CST (UTC-6) = 1 Mar 00:00Z -> Sun 02:00 CST = 08:00Z
                (utc(2026, 3, 1, 0), utc(2026, 3, 1, 8)),
                # Sat 7 Mar 18:00 CST = 8 Mar 00:00Z -> Sun 8 Mar 02:00 CST (clocks jump to 03:00 CDT) = 08:00Z
                (utc(2026, 3, 8, 0), utc(2026, 3, 8, 8)),
                # Sat 14 Mar 18:00 CDT (UTC-5) = 23:00Z -> Sun 02:00 CDT = 15 Mar 07:00Z
                (utc(2026, 3, 14, 23), utc(2026, 3, 15, 7)),
                (utc(2026, 3, 21, 23), utc(2026, 3, 22, 7)),
                (utc(2026, 3, 28, 23), utc(2026, 3, 29, 7)),
            ],
        ),
        (
            utc(2026, 10, 31),
            utc(2026, 11, 2),
            SATURDAY_NIGHT,
            # Sat 31 Oct 18:00 CDT = 23:00Z -> Sun 1 Nov 02:00 CST (after fall back) = 08:00Z: 9 h of real time
            [(utc(2026, 10, 31, 23), utc(2026, 11, 1, 8))],
        ),
        (
            utc(2026, 3, 1),
            utc(2026, 3, 16),
            OvernightWindow(weekday=6),
            [
                (utc(2026, 3, 2, 0), utc(2026, 3, 2, 8)),  # Sun 1 Mar 18:00 CST
                (utc(2026, 3, 8, 23), utc(2026, 3, 9, 7)),  # Sun 8 Mar 18:00 CDT, the DST day itself
                (utc(2026, 3, 15, 23), utc(2026, 3, 16, 7)),
            ],
        ),
    ],
)
def test_overnight_window_follows_chicago_wall_clock(range_start, range_end, overnight, expected):
    assert overnight_intervals(range_start, range_end, overnight) == expected


def test_dst_month_excludes_the_right_utc_minutes():
    # Two identical short-notice 12 h windows, 22:00Z -> 10:00Z, either side of the DST change,
    # each with an outage throughout.
    #   7-8 March (CST): overnight 8 Mar 00:00-08:00Z -> 480 excluded, 120 + 120 counted
    #   14-15 March (CDT): overnight 14 Mar 23:00Z - 15 Mar 07:00Z -> 480 excluded, 60 + 180 counted
    # excluded scheduled minutes = 960, capped at 720: all 480 of the first night,
    # then 14 Mar 23:00Z + 240 min = 15 Mar 03:00Z; 03:00-07:00Z (240) become ordinary outage.
    w1 = scheduled(utc(2026, 3, 7, 22), utc(2026, 3, 8, 10), "night 1")
    w2 = scheduled(utc(2026, 3, 14, 22), utc(2026, 3, 15, 10), "night 2")
    outages = run(utc(2026, 3, 7, 22), 720) | run(utc(2026, 3, 14, 22), 720)
    ledger = monthly_ledger((2026, 3), outages, [w1, w2], overnight=SATURDAY_NIGHT)
    assert ledger.excluded_minutes_by_reason == {"night 1": 480, "night 2": 240}
    assert ledger.total_minutes == 44640  # all of March (31 x 1440)
    assert ledger.outage_minutes == 720  # 1440 outage minutes - 720 excluded
    assert ledger.availability_rounded == Decimal("98.387")  # 100 x 43920 / 44640 = 98.3870...

    days = {d.day: d for d in daily_availability((2026, 3), outages, [w1, w2], overnight=SATURDAY_NIGHT)}
    # 7 Mar: 22:00-24:00Z counted (120); 8 Mar: 00:00-08:00Z excluded, 08:00-10:00Z counted (120)
    assert days[date(2026, 3, 7)].outage_minutes == 120
    assert days[date(2026, 3, 8)].outage_minutes == 120
    # 14 Mar: 22:00-23:00Z counted, 23:00-24:00Z excluded; 15 Mar: 00:00-03:00Z excluded,
    # 03:00-10:00Z counted (240 over the cap + 180 after the overnight window)
    assert days[date(2026, 3, 14)].outage_minutes == 60
    assert days[date(2026, 3, 15)].outage_minutes == 420
    # 100 x (1440 - 120) / 1440 = 91.666...: the 480 excluded minutes stay in the day's total
    assert days[date(2026, 3, 8)].availability == Decimal("91.66666666666666666666666667")


def test_overnight_window_in_a_chicago_boundary_month():
    # March in Chicago: 1 Mar 06:00Z .. 1 Apr 05:00Z = 44580 minutes.
    # The Feb 28 night (1 Mar 00:00-08:00Z) only overlaps 06:00-08:00Z of this month.
    window = scheduled(utc(2026, 3, 1, 0), utc(2026, 3, 1, 8), "early")
    ledger = monthly_ledger((2026, 3), set(), [window], overnight=SATURDAY_NIGHT, boundary_tz="America/Chicago")
    assert ledger.excluded_minutes_by_reason == {"early": 120}
    assert ledger.total_minutes == 44580  # the excluded 120 stay in the total


# --- client-requested maintenance and tenant reports ---------------------------------------

ACME_WINDOW = MaintenanceWindow(
    utc(2026, 4, 22, 15), utc(2026, 4, 22, 17), "acme migration", utc(2026, 4, 22, 14),
    kind="client_requested", client_id="acme",
)
ACME_OUTAGE = run(utc(2026, 4, 22, 15), 120)
ACME_REPORT = [OutageReport(utc(2026, 4, 22, 15, 5))]


def test_client_requested_maintenance_is_excluded_only_for_that_client():
    platform = monthly_ledger((2026, 4), ACME_OUTAGE, [ACME_WINDOW])
    assert (platform.total_minutes, platform.outage_minutes) == (43200, 120)

    acme = tenant_ledger((2026, 4), ACME_OUTAGE, [ACME_WINDOW], ACME_REPORT, "acme")
    assert (acme.total_minutes, acme.outage_minutes) == (43200, 0)  # the 120 excluded minutes stay in the total
    assert acme.excluded_minutes_by_reason == {"acme migration": 120}

    globex = tenant_ledger((2026, 4), ACME_OUTAGE, [ACME_WINDOW], ACME_REPORT, "globex")
    assert (globex.total_minutes, globex.outage_minutes) == (43200, 120)
    assert globex.availability_rounded == Decimal("99.722")  # 100 x 43080 / 43200


def test_client_requested_minutes_are_not_capped():
    # 16 h requested by the client: all 960 minutes excluded for that client
    window = MaintenanceWindow(
        utc(2026, 4, 5, 0), utc(2026, 4, 5, 16), "client cutover", utc(2026, 4, 1),
        kind="client_requested", client_id="acme",
    )
    ledger = tenant_ledger((2026, 4), set(), [window], [], "acme")
    assert ledger.excluded_minutes_by_reason == {"client cutover": 960}
    assert ledger.total_minutes == 43200


# 30-minute outage on 5 April 10:00-10:30Z
OUTAGE = run(utc(2026, 4, 5, 10), 30)


@pytest.mark.parametrize(
    "reported_at, counted",
    [
        (utc(2026, 4, 5, 10, 0), 30),  # at the start
        (utc(2026, 4, 6, 9, 0), 30),  # 23 h after the start
        (utc(2026, 4, 6, 10, 0), 30),  # exactly 24 h after the start
        # issue 16: the window runs to 24 h after the incident's END (10:30Z + 24 h = 6 Apr 10:30Z)
        (utc(2026, 4, 6, 10, 1), 30),  # 24 h 1 min after the start, 23 h 31 min after the end
        (utc(2026, 4, 6, 10, 30), 30),  # exactly 24 h after the end
        (utc(2026, 4, 6, 10, 31), 0),  # 24 h 1 min after the end
        (utc(2026, 4, 6, 11, 0), 0),  # 25 h: too late for this tenant
        (utc(2026, 4, 5, 9, 59), 0),  # before the outage began
    ],
)
def test_outage_counts_for_a_tenant_only_when_reported_within_24h(reported_at, counted):
    ledger = tenant_ledger((2026, 4), OUTAGE, [], [OutageReport(reported_at)], "acme")
    assert ledger.total_minutes == 43200
    assert ledger.outage_minutes == counted


def test_late_report_versus_platform_and_credits():
    # 60 min from 5 Apr 10:00Z ends 11:00Z; 24 h after that end is 6 Apr 11:00Z (issue 16's rule): 11:01 is late
    late = tenant_ledger((2026, 4), run(utc(2026, 4, 5, 10), 60), [], [OutageReport(utc(2026, 4, 6, 11, 1))],
                         "acme")
    on_time = tenant_ledger((2026, 4), run(utc(2026, 4, 5, 10), 60), [], [OutageReport(utc(2026, 4, 5, 11))], "acme")
    platform = monthly_ledger((2026, 4), run(utc(2026, 4, 5, 10), 60))
    assert late.outage_minutes == 0 and late.met is True
    assert late.service_credit(Decimal("1000.00")) == Decimal("0.00")
    assert on_time.outage_minutes == platform.outage_minutes == 60
    # 100 x 43140 / 43200 = 99.86111...; 1000 x (99.9 - 99.86111...) / 100 = 0.3888... -> 0.39
    assert on_time.availability_rounded == Decimal("99.861")
    assert on_time.service_credit(Decimal("1000.00")) == Decimal("0.39")


def test_each_run_is_its_own_outage():
    # runs 5 Apr 10:00-10:30Z and 8 Apr 10:00-10:20Z; one report on 5 Apr covers only the first
    outages = OUTAGE | run(utc(2026, 4, 8, 10), 20)
    ledger = tenant_ledger((2026, 4), outages, [], [OutageReport(utc(2026, 4, 5, 12))], "acme")
    assert ledger.outage_minutes == 30


def test_run_started_last_month_keeps_its_true_start():
    # run 31 Mar 23:50Z - 1 Apr 00:10Z (20 min, 10 of them in April); issue 16: a report counts
    # from its start (31 Mar 23:50Z) to 24 h after its end (2 Apr 00:10Z)
    outages = run(utc(2026, 3, 31, 23, 50), 20)
    late = tenant_ledger((2026, 4), outages, [], [OutageReport(utc(2026, 4, 2, 0, 11))], "acme")
    on_time = tenant_ledger((2026, 4), outages, [], [OutageReport(utc(2026, 4, 2, 0, 5))], "acme")
    during = tenant_ledger((2026, 3), outages, [], [OutageReport(utc(2026, 4, 1, 0, 1))], "acme")
    assert late.outage_minutes == 0
    assert on_time.outage_minutes == 10
    assert during.outage_minutes == 10  # March's 10 minutes, reported in April while it went on


def test_reported_outage_inside_excluded_maintenance_stays_excluded():
    window = scheduled(utc(2026, 4, 5, 10), utc(2026, 4, 5, 10, 10), "deploy", notice=timedelta(days=2))
    ledger = tenant_ledger((2026, 4), OUTAGE, [window], [OutageReport(utc(2026, 4, 5, 10, 1))], "acme")
    assert (ledger.total_minutes, ledger.outage_minutes) == (43200, 20)  # 30 - 10 excluded


# --- daily availability ----------------------------------------------------------------------


def test_daily_availability_for_the_chart():
    days = daily_availability((2026, 4), run(utc(2026, 4, 3, 12), 72))
    assert len(days) == 30
    assert days[0][:3] == (date(2026, 4, 1), Decimal("100"), 0)
    assert days[2][:3] == (date(2026, 4, 3), Decimal("95"), 72)  # 100 x (1440 - 72) / 1440 = 95


def test_daily_availability_uses_local_days_with_a_chicago_boundary():
    # 8 March 2026 in Chicago has 23 h = 1380 minutes; 69 outage minutes: 100 x 1311 / 1380 = 95
    days = daily_availability((2026, 3), run(utc(2026, 3, 8, 12), 69), boundary_tz="America/Chicago")
    assert len(days) == 31
    assert days[7][:3] == (date(2026, 3, 8), Decimal("95"), 69)


def test_daily_tenant_view_drops_unreported_outages():
    days = daily_availability((2026, 4), OUTAGE, client_id="acme", reports=[])
    assert days[4][:3] == (date(2026, 4, 5), Decimal("100"), 0)


# --- service credit ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fee, availability, credit",
    [
        (Decimal("1000.00"), Decimal("99.5"), Decimal("4.00")),  # 1000 x 0.4 / 100
        (Decimal("1000.00"), Decimal("99.9"), Decimal("0.00")),  # at target: none
        (Decimal("1000.00"), Decimal("99.95"), Decimal("0.00")),  # above target
        (Decimal("250.00"), Decimal("98.9"), Decimal("2.50")),  # 250 x 1.0 / 100
        (Decimal("99.99"), Decimal("99.0"), Decimal("0.90")),  # 99.99 x 0.9 / 100 = 0.89991
        (Decimal("1.00"), Decimal("99.4"), Decimal("0.01")),  # 1 x 0.5 / 100 = 0.005, half-up
        (Decimal("1200.00"), Decimal("0"), Decimal("1198.80")),  # 1200 x 99.9 / 100
        (Decimal("0.00"), Decimal("90"), Decimal("0.00")),
    ],
)
def test_service_credit(fee, availability, credit):
    assert service_credit(fee, availability) == credit


def test_service_credit_rejects_floats_and_negative_fees():
    with pytest.raises(TypeError):
        service_credit(1000.0, Decimal("99.5"))
    with pytest.raises(ValueError):
        service_credit(Decimal("-1"), Decimal("99.5"))


# --- validation ----------------------------------------------------------------------------------


def test_invalid_inputs():
    with pytest.raises(ValueError):
        MaintenanceWindow(utc(2026, 4, 2), utc(2026, 4, 1), "backwards", utc(2026, 3, 1))
    with pytest.raises(ValueError):
        MaintenanceWindow(utc(2026, 4, 1), utc(2026, 4, 2), "x", utc(2026, 3, 1), kind="client_requested")
    with pytest.raises(ValueError):
        OvernightWindow(weekday=7)
    with pytest.raises(ValueError):
        monthly_ledger((2026, 13), set())


def test_overnight_window_times_are_configurable():
    window = OvernightWindow(weekday=2, start=time(20, 0), end=time(23, 0))
    # Wed 1 April 2026 20:00-23:00 CDT = 2 Apr 01:00-04:00Z
    assert overnight_intervals(utc(2026, 4, 1), utc(2026, 4, 3), window) == [(utc(2026, 4, 2, 1), utc(2026, 4, 2, 4))]
