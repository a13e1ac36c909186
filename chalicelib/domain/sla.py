"""The monthly SLA ledger: availability, maintenance exclusions and service credits.

Pure: no I/O, no clock reads. Callers pass the month, the outage minutes recorded by
the uptime probes, the declared maintenance windows and the outage reports.

Contract (Support and Maintenance Exhibit, section 2) and issue 7 rules, as modelled:

* Minute model. The month is cut into whole minutes from its first instant in the
  boundary time zone (UTC unless configured) to the first instant of the next month,
  so March in ``America/Chicago`` has 44,580 minutes and November 43,260. Minute ``i``
  starts at ``month_start + i minutes`` (a UTC instant). An *outage minute* is the
  start of a minute in which no probed endpoint answered correctly (exhibit 2.5.2);
  datetimes are floored to the minute, naive ones are taken as UTC.
* A maintenance window covers the minutes whose start ``m`` has ``start <= m < end``.
* Scheduled maintenance (exhibit 2.6.1): a minute of a scheduled window may be
  excluded when the window was announced at least 24 hours before its start
  (``start - announced_at >= 24h``), or, when it was not, if that minute lies inside
  the weekly overnight window (18:00 to 02:00 ``America/Chicago`` wall-clock time on
  the configured weekday; zoneinfo handles DST, so that night is 8 h of real time on
  the spring-forward weekend too, and 9 h on the fall-back one).
* Cap: "Credly's scheduled maintenance will not exceed 12 hours in a given month".
  At most ``cap_minutes`` (720) distinct minutes of scheduled maintenance are excluded
  per ledger month, taken in chronological order; later eligible minutes count as
  ordinary minutes (and as outage minutes when the probes saw an outage). The cap is
  a platform fact: every ledger (platform or tenant) excludes the same scheduled minutes.
* Client-requested maintenance (exhibit 2.6.2) is excluded, uncapped, only in the
  ledger of the client that requested it; the platform ledger ignores it.
* An excluded minute stops counting as an outage minute and nothing else: the month's
  total keeps it. Exhibit section 2.2: "available 99.9% of the time each calendar
  month, measured according to the following formula: 100 x ((Total minutes in the
  month) - (Outage minutes))/(Total minutes in the month)", and section 2.6: during
  scheduled or client-requested maintenance unavailability "shall not be considered
  an outage, and shall not count towards the Outage Minutes". (Issue 7 had the
  excluded minutes leave the total as well; issue 12 restores the contract's formula.)
  When windows overlap, a minute is excluded once and attributed to the window that
  starts first (ties: the order given); scheduled attribution comes before client.
* Tenant ledgers (exhibit 2.5.1): an *outage* is a maximal run of consecutive outage
  minutes; its minutes count for a tenant only when one of that tenant's reports has
  ``outage_start <= reported_at <= outage_start + 24h``. Runs are found over all the
  outage minutes given, including ones outside the month, so a run that began in the
  previous month keeps its true start (pass the day before the month to get that right).
  Platform-wide ledgers count every outage minute.
* Availability = 100 x (total - outage) / total, total being every minute of the month,
  kept exact to 28 significant digits (``Ledger.availability``);
  ``Ledger.availability_rounded`` truncates it to 0.001 for display so the rounded
  figure never claims the target when it was missed. ``met`` compares exactly.
* Credits (exhibit 2.4): fee x (target - availability) / 100 when availability is below
  target, else 0, rounded to cents half-up. Use the tenant's ledger availability.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from .clock import as_utc

TARGET = Decimal("99.9")
CAP_MINUTES = 720  # 12 hours of excluded scheduled maintenance per calendar month
ANNOUNCE_AHEAD = timedelta(hours=24)
REPORT_WITHIN = timedelta(hours=24)
CENT = Decimal("0.01")
DISPLAY = Decimal("0.001")

_MINUTE = timedelta(minutes=1)
_DAY = timedelta(days=1)
# A fixed context so results never depend on the caller's decimal context.
_CTX = Context(prec=28, rounding=ROUND_HALF_EVEN)

MaintenanceKind = Literal["scheduled", "client_requested"]
Month = tuple[int, int]


@dataclass(frozen=True)
class MaintenanceWindow:
    """A declared maintenance window; datetimes are normalised to UTC."""

    start: datetime
    end: datetime
    reason: str
    announced_at: datetime
    kind: MaintenanceKind = "scheduled"
    client_id: str | None = None

    def __post_init__(self) -> None:
        for name in ("start", "end", "announced_at"):
            object.__setattr__(self, name, as_utc(getattr(self, name)))
        if self.end < self.start:
            raise ValueError("maintenance window ends before it starts")
        if self.kind not in ("scheduled", "client_requested"):
            raise ValueError(f"unknown maintenance kind {self.kind!r}")
        if self.kind == "client_requested" and not self.client_id:
            raise ValueError("client-requested maintenance needs a client_id")

    @property
    def announced_in_time(self) -> bool:
        return self.start - self.announced_at >= ANNOUNCE_AHEAD


@dataclass(frozen=True)
class OvernightWindow:
    """The predefined weekly maintenance window, in local wall-clock time.

    ``weekday`` (0 = Monday .. 6 = Sunday) is the day the window opens; when ``end`` is
    not after ``start`` the window closes on the following day.
    """

    weekday: int
    start: time = time(18, 0)
    end: time = time(2, 0)
    tz: str = "America/Chicago"

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) .. 6 (Sunday)")
        ZoneInfo(self.tz)  # fail early on an unknown zone


@dataclass(frozen=True)
class OutageReport:
    """A tenant's report of an outage (filed as a support request)."""

    reported_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "reported_at", as_utc(self.reported_at))


@dataclass(frozen=True)
class Ledger:
    month: Month
    boundary_tz: str
    client_id: str | None  # None: the platform-wide ledger
    total_minutes: int  # every minute of the month (excluded ones too: the contract's formula)
    outage_minutes: int  # counted outage minutes (never excluded ones)
    excluded_minutes_by_reason: Mapping[str, int] = field(default_factory=dict)
    availability: Decimal = Decimal(100)  # exact (28 significant digits)
    target: Decimal = TARGET
    met: bool = True

    @property
    def excluded_minutes(self) -> int:
        return sum(self.excluded_minutes_by_reason.values())

    @property
    def minutes_in_month(self) -> int:
        return self.total_minutes

    @property
    def availability_rounded(self) -> Decimal:
        """Truncated to 0.001 (never rounds a miss up to the target)."""
        return self.availability.quantize(DISPLAY, rounding=ROUND_DOWN)

    def service_credit(self, monthly_fee: Decimal) -> Decimal:
        return service_credit(monthly_fee, self.availability, self.target)


class DayAvailability(NamedTuple):
    day: date
    availability: Decimal
    outage_minutes: int


# -- public functions -------------------------------------------------------------


def month_bounds(month: Month, boundary_tz: str = "UTC") -> tuple[datetime, datetime]:
    """First instant of the month and of the next month, as UTC datetimes."""
    year, mon = month
    if not 1 <= mon <= 12:
        raise ValueError("month must be 1..12")
    tz = ZoneInfo(boundary_tz)
    nyear, nmon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return (
        datetime(year, mon, 1, tzinfo=tz).astimezone(UTC),
        datetime(nyear, nmon, 1, tzinfo=tz).astimezone(UTC),
    )


def overnight_intervals(start: datetime, end: datetime, overnight: OvernightWindow) -> list[tuple[datetime, datetime]]:
    """The weekly overnight windows overlapping ``[start, end)``, unclipped, in UTC."""
    start, end = as_utc(start), as_utc(end)
    tz = ZoneInfo(overnight.tz)
    crosses_midnight = overnight.end <= overnight.start
    day = start.astimezone(tz).date() - _DAY
    last = end.astimezone(tz).date()
    out: list[tuple[datetime, datetime]] = []
    while day <= last:
        if day.weekday() == overnight.weekday:
            s = datetime.combine(day, overnight.start, tzinfo=tz).astimezone(UTC)
            e_day = day + _DAY if crosses_midnight else day
            e = datetime.combine(e_day, overnight.end, tzinfo=tz).astimezone(UTC)
            if s < end and e > start:
                out.append((s, e))
        day += _DAY
    return out


def monthly_ledger(
    month: Month,
    outage_minutes: Iterable[datetime],
    windows: Iterable[MaintenanceWindow] = (),
    *,
    overnight: OvernightWindow | None = None,
    boundary_tz: str = "UTC",
    cap_minutes: int = CAP_MINUTES,
    target: Decimal = TARGET,
) -> Ledger:
    """The platform-wide ledger: every outage minute counts, client requests do not exclude."""
    grid = _classify(month, outage_minutes, windows, overnight, boundary_tz, cap_minutes, None, None)
    return _ledger(grid, month, boundary_tz, None, target)


def tenant_ledger(
    month: Month,
    outage_minutes: Iterable[datetime],
    windows: Iterable[MaintenanceWindow],
    reports: Iterable[OutageReport],
    client_id: str,
    *,
    overnight: OvernightWindow | None = None,
    boundary_tz: str = "UTC",
    cap_minutes: int = CAP_MINUTES,
    target: Decimal = TARGET,
) -> Ledger:
    """One tenant's ledger: only outages that tenant reported within 24 h count, and
    maintenance that tenant requested is excluded. ``reports`` are that tenant's reports."""
    grid = _classify(month, outage_minutes, windows, overnight, boundary_tz, cap_minutes, client_id, reports)
    return _ledger(grid, month, boundary_tz, client_id, target)


def daily_availability(
    month: Month,
    outage_minutes: Iterable[datetime],
    windows: Iterable[MaintenanceWindow] = (),
    *,
    overnight: OvernightWindow | None = None,
    boundary_tz: str = "UTC",
    cap_minutes: int = CAP_MINUTES,
    client_id: str | None = None,
    reports: Iterable[OutageReport] | None = None,
) -> list[DayAvailability]:
    """Per local day of the month (boundary time zone): exact availability and counted
    outage minutes, same rules as the ledgers. Platform view unless ``reports`` is given."""
    grid = _classify(month, outage_minutes, windows, overnight, boundary_tz, cap_minutes, client_id, reports)
    tz = ZoneInfo(boundary_tz)
    year, mon = month
    day = date(year, mon, 1)
    out: list[DayAvailability] = []
    while day.month == mon:
        lo = _index(grid.start, datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC))
        hi = _index(grid.start, datetime.combine(day + _DAY, time(0), tzinfo=tz).astimezone(UTC))
        lo, hi = max(lo, 0), min(hi, grid.n)
        total = max(hi - lo, 0)
        outage = sum(1 for i in range(lo, hi) if i in grid.outage and i not in grid.excluded)
        out.append(DayAvailability(day, _availability(total, outage), outage))
        day += _DAY
    return out


def service_credit(monthly_fee: Decimal, availability: Decimal, target: Decimal = TARGET) -> Decimal:
    """fee x (target - availability) / 100 below target, else 0; cents, half-up."""
    for name, value in (("monthly_fee", monthly_fee), ("availability", availability), ("target", target)):
        if not isinstance(value, Decimal):
            raise TypeError(f"{name} must be a Decimal")
    if monthly_fee < 0:
        raise ValueError("monthly_fee must not be negative")
    if availability >= target:
        return Decimal("0.00")
    credit = _CTX.divide(_CTX.multiply(monthly_fee, _CTX.subtract(target, availability)), Decimal(100))
    return credit.quantize(CENT, rounding=ROUND_HALF_UP)


# -- internals --------------------------------------------------------------------


@dataclass(frozen=True)
class _Grid:
    start: datetime  # month start, UTC
    n: int  # minutes in the month
    excluded: dict[int, str]  # minute index -> reason
    outage: frozenset[int]  # counted outage minute indexes (before exclusion)


def _index(month_start: datetime, instant: datetime) -> int:
    """Index of the minute containing ``instant`` (floor)."""
    return (instant - month_start) // _MINUTE


def _ceil_index(month_start: datetime, instant: datetime) -> int:
    return -((month_start - instant) // _MINUTE)


def _span(month_start: datetime, n: int, start: datetime, end: datetime) -> range:
    """Indexes of the month's minutes whose start m has start <= m < end."""
    lo = max(0, _ceil_index(month_start, start))
    hi = min(n, _ceil_index(month_start, end))
    return range(lo, max(lo, hi))


def _classify(
    month: Month,
    outage_minutes: Iterable[datetime],
    windows: Iterable[MaintenanceWindow],
    overnight: OvernightWindow | None,
    boundary_tz: str,
    cap_minutes: int,
    client_id: str | None,
    reports: Iterable[OutageReport] | None,
) -> _Grid:
    if cap_minutes < 0:
        raise ValueError("cap_minutes must not be negative")
    start, end = month_bounds(month, boundary_tz)
    n = (end - start) // _MINUTE
    ordered = sorted(enumerate(windows), key=lambda pair: (pair[1].start, pair[0]))

    # Scheduled maintenance: eligible minutes, then the monthly cap in time order.
    overnight_idx: set[int] | None = None
    eligible: dict[int, str] = {}
    for _, w in ordered:
        if w.kind != "scheduled":
            continue
        span = _span(start, n, w.start, w.end)
        if w.announced_in_time:
            minutes: Iterable[int] = span
        else:
            if overnight is None:
                continue
            if overnight_idx is None:
                overnight_idx = set()
                for s, e in overnight_intervals(start, end, overnight):
                    overnight_idx.update(_span(start, n, s, e))
            minutes = (i for i in span if i in overnight_idx)
        for i in minutes:
            eligible.setdefault(i, w.reason)
    excluded = {i: eligible[i] for i in sorted(eligible)[:cap_minutes]}

    # Client-requested maintenance: only in that client's ledger, uncapped.
    if client_id is not None:
        for _, w in ordered:
            if w.kind == "client_requested" and w.client_id == client_id:
                for i in _span(start, n, w.start, w.end):
                    excluded.setdefault(i, w.reason)

    offsets = sorted({_index(start, as_utc(m)) for m in outage_minutes})
    if reports is None:
        counted = frozenset(i for i in offsets if 0 <= i < n)
    else:
        counted = _reported(start, n, offsets, reports)
    return _Grid(start, n, excluded, counted)


def _reported(start: datetime, n: int, offsets: Sequence[int], reports: Iterable[OutageReport]) -> frozenset[int]:
    """Minutes (inside the month) of outage runs reported within 24 h of the run's start."""
    times = sorted(r.reported_at for r in reports)
    counted: set[int] = set()
    k = 0
    while k < len(offsets):
        j = k
        while j + 1 < len(offsets) and offsets[j + 1] == offsets[j] + 1:
            j += 1
        run_start = start + offsets[k] * _MINUTE
        pos = bisect.bisect_left(times, run_start)
        if pos < len(times) and times[pos] <= run_start + REPORT_WITHIN:
            counted.update(i for i in range(max(offsets[k], 0), min(offsets[j] + 1, n)))
        k = j + 1
    return frozenset(counted)


def _availability(total: int, outage: int) -> Decimal:
    if total == 0:  # a day outside the month's minutes (never a whole month)
        return Decimal(100)
    return _CTX.divide(Decimal(100 * (total - outage)), Decimal(total))


def _ledger(grid: _Grid, month: Month, boundary_tz: str, client_id: str | None, target: Decimal) -> Ledger:
    by_reason: dict[str, int] = {}
    for reason in grid.excluded.values():
        by_reason[reason] = by_reason.get(reason, 0) + 1
    total = grid.n  # excluded minutes stay in the total; they only stop being outage minutes
    outage = sum(1 for i in grid.outage if i not in grid.excluded)
    # Exact comparison: 100 x (total - outage) / total >= target.
    met = Decimal(100 * (total - outage)) >= _CTX.multiply(target, Decimal(total))
    return Ledger(
        month=month,
        boundary_tz=boundary_tz,
        client_id=client_id,
        total_minutes=total,
        outage_minutes=outage,
        excluded_minutes_by_reason=by_reason,
        availability=_availability(total, outage),
        target=target,
        met=met,
    )
