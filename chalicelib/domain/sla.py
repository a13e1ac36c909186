"""The monthly SLA ledger: availability over measured minutes, maintenance exclusions,
outage incidents and service credits.

Pure: no I/O, no clock reads. Callers pass the month, the minutes the uptime probes
measured and the outage minutes among them, the declared maintenance windows, the
outage reports and ``now``.

Contract (Support and Maintenance Exhibit, section 2) and issues 7, 12 and 16, as modelled:

* Minute model. The month is cut into whole minutes from its first instant in the
  boundary time zone (UTC unless configured) to the first instant of the next month,
  so March in ``America/Chicago`` has 44,580 minutes and November 43,260. Minute ``i``
  starts at ``month_start + i minutes`` (a UTC instant). An *outage minute* is the
  start of a minute some location probed and in which no probed endpoint answered
  (exhibit 2.5.2: "if none of the web servers respond"); datetimes are floored to the
  minute, naive ones are taken as UTC.
* Measured minutes (issue 16, item 1): "The ledger counts only minutes that were
  probed; minutes in the future or never probed are shown as "not measured" (with the
  month's coverage %)". The exhibit's formula (section 2.2) is "100 x ((Total minutes in
  the month) - (Outage minutes))/(Total minutes in the month)". The two combine as
  availability = 100 x (measured - outage) / measured: the formula applied to the
  minutes we have evidence for. With full coverage (every minute of the month probed)
  measured == total and it is exactly the exhibit's formula; the month-to-date figure
  never counts the rest of the month (or a minute the probes missed) as up. Minutes at
  or after ``now`` are never measured. A ledger is ``complete`` only for a month that
  has ended with every minute measured; with nothing measured, availability is None
  (shown as not measured), ``met`` stays True and no credit is owed (we have no
  evidence of an outage). Callers that pass ``measured=None`` assert full coverage
  (the exhibit's formula as is).
* A maintenance window covers the minutes whose start ``m`` has ``start <= m < end``.
  A cancelled window excludes nothing (it stays listed, as cancelled).
* Scheduled maintenance (exhibit 2.6.1): a minute of a scheduled window may be
  excluded when it was announced at least 24 hours before (rule ``announced_24h``), or,
  when it was not, if that minute lies inside the weekly overnight window (rule
  ``overnight_window``: 18:00 to 02:00 ``America/Chicago`` wall-clock time on the
  configured weekday; zoneinfo handles DST, so that night is 8 h of real time on the
  spring-forward weekend too, and 9 h on the fall-back one). A minute declared only
  after it began is never excluded ("maintenance windows are facts, not claims": an
  outage cannot be declared maintenance afterwards). A window carries its
  *notices*: the spans of it announced at one time. Declaring gives one notice (the
  whole window, ``announced_at`` set by the server). Editing keeps each old notice for
  the minutes still inside the window and gives the minutes it adds (start moved
  earlier, end moved later, or the window moved) a new notice at the edit time
  (``renotice``): "24 hours in advance" holds per notice, ``notice.start -
  notice.announced_at >= 24h``, so the added minutes restart their notice and the
  minutes customers already knew about keep theirs.
* Cap: "Credly's scheduled maintenance will not exceed 12 hours in a given month".
  At most ``cap_minutes`` (720) distinct minutes of scheduled maintenance are excluded
  per ledger month, taken in chronological order; later eligible minutes count as
  ordinary minutes (and as outage minutes when the probes saw an outage). The cap is
  a platform fact: every ledger (platform or tenant) excludes the same scheduled minutes.
* Client-requested maintenance (exhibit 2.6.2) is excluded (rule ``client_requested``),
  uncapped, only in the ledger of the client that requested it; the platform ignores it.
* Each excluded minute records the rule that excluded it (``excluded_minutes_by_rule``).
  An excluded minute stops counting as an outage minute and nothing else: the month's
  total (and measured) minutes keep it. Section 2.6: during maintenance unavailability
  "shall not be considered an outage, and shall not count towards the Outage Minutes".
  When windows overlap, a minute is excluded once and attributed to the window that
  starts first (ties: the order given); scheduled attribution comes before client.
* Incidents (issue 16, item 3): an *outage run* is a maximal run of consecutive outage
  minutes; an *incident* is outage runs merged while the minutes between two runs (up
  or not measured) number at most ``INCIDENT_GAP`` (30 minutes): a flapping service
  is one incident. Its ``start`` is its first outage minute, its ``end`` the end of its
  last one. Incidents are found over all the outage minutes given, including ones
  outside the month, so callers pass the whole incident (services/ops.py reads back
  and forward as far as the incident goes): an outage spanning months is counted in
  each month it touches, whatever its length.
* Tenant ledgers (exhibit 2.5.1, "notifies Credly's support services help desk within
  24 hours after failure to access the Credly System"): an incident's outage minutes
  (all of them, in every month) count for a tenant when one of that tenant's reports
  has ``incident.start <= reported_at <= incident.end + 24h``: a report filed while the
  incident is still going on, or within 24 h of its end, covers the whole incident.
  This is a superset of the exhibit's "within 24 h of the outage start" (every run
  starts at or after its incident's start and ends at or before its end), so a report
  the exhibit accepts is always accepted. Platform-wide ledgers count every outage minute.
* Availability is kept exact to 28 significant digits (``Ledger.availability``);
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
INCIDENT_GAP = timedelta(minutes=30)  # runs separated by at most this many non-outage minutes are one incident
CENT = Decimal("0.01")
DISPLAY = Decimal("0.001")

ANNOUNCED_24H, OVERNIGHT_WINDOW, CLIENT_REQUESTED = "announced_24h", "overnight_window", "client_requested"
RULES = (ANNOUNCED_24H, OVERNIGHT_WINDOW, CLIENT_REQUESTED)

_MINUTE = timedelta(minutes=1)
_DAY = timedelta(days=1)
# A fixed context so results never depend on the caller's decimal context.
_CTX = Context(prec=28, rounding=ROUND_HALF_EVEN)

MaintenanceKind = Literal["scheduled", "client_requested"]
Month = tuple[int, int]


@dataclass(frozen=True)
class Notice:
    """The span ``[start, end)`` of a window announced at ``announced_at``."""

    start: datetime
    end: datetime
    announced_at: datetime

    def __post_init__(self) -> None:
        for name in ("start", "end", "announced_at"):
            object.__setattr__(self, name, as_utc(getattr(self, name)))

    @property
    def in_time(self) -> bool:
        return self.start - self.announced_at >= ANNOUNCE_AHEAD


@dataclass(frozen=True)
class MaintenanceWindow:
    """A declared maintenance window; datetimes are normalised to UTC. ``notices``
    defaults to one notice of the whole window at ``announced_at``."""

    start: datetime
    end: datetime
    reason: str
    announced_at: datetime
    kind: MaintenanceKind = "scheduled"
    client_id: str | None = None
    notices: tuple[Notice, ...] = ()
    cancelled: bool = False

    def __post_init__(self) -> None:
        for name in ("start", "end", "announced_at"):
            object.__setattr__(self, name, as_utc(getattr(self, name)))
        if self.end < self.start:
            raise ValueError("maintenance window ends before it starts")
        if self.kind not in ("scheduled", "client_requested"):
            raise ValueError(f"unknown maintenance kind {self.kind!r}")
        if self.kind == "client_requested" and not self.client_id:
            raise ValueError("client-requested maintenance needs a client_id")
        if not self.notices:
            object.__setattr__(self, "notices", (Notice(self.start, self.end, self.announced_at),))

    @property
    def announced_in_time(self) -> bool:
        """Every minute of the window was announced at least 24 h ahead."""
        return all(n.in_time for n in self.notices)

    @property
    def notice(self) -> timedelta:
        """The shortest notice any of its minutes had."""
        return min(n.start - n.announced_at for n in self.notices)


def renotice(notices: Sequence[Notice], start: datetime, end: datetime, now: datetime) -> tuple[Notice, ...]:
    """A window's notices after an edit to ``[start, end)`` at ``now``: old notices
    clipped to the new window, every minute they do not cover announced at ``now``."""
    start, end, now = as_utc(start), as_utc(end), as_utc(now)
    kept = sorted(
        (Notice(max(n.start, start), min(n.end, end), n.announced_at) for n in notices
         if max(n.start, start) < min(n.end, end)),
        key=lambda n: n.start,
    )
    out: list[Notice] = []
    cursor = start
    for n in kept:
        if n.start > cursor:
            out.append(Notice(cursor, n.start, now))
        if n.end > cursor:
            out.append(Notice(max(n.start, cursor), n.end, n.announced_at))
            cursor = n.end
    if cursor < end:
        out.append(Notice(cursor, end, now))
    return tuple(out)


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
class Incident:
    """Outage runs merged across gaps of at most INCIDENT_GAP; ``end`` is exclusive."""

    start: datetime
    end: datetime
    outage_minutes: frozenset[datetime]

    def reported_by(self, times: Sequence[datetime]) -> bool:
        """Some report (``times`` sorted) lies in [start, end + 24 h]."""
        pos = bisect.bisect_left(times, self.start)
        return pos < len(times) and times[pos] <= self.end + REPORT_WITHIN


@dataclass(frozen=True)
class Ledger:
    month: Month
    boundary_tz: str
    client_id: str | None  # None: the platform-wide ledger
    total_minutes: int  # every minute of the month (excluded ones too: the contract's formula)
    outage_minutes: int  # counted outage minutes (never excluded ones)
    excluded_minutes_by_reason: Mapping[str, int] = field(default_factory=dict)
    availability: Decimal | None = Decimal(100)  # exact (28 significant digits); None: nothing measured
    target: Decimal = TARGET
    met: bool = True
    measured_minutes: int = -1  # -1: every minute (set by __post_init__)
    excluded_minutes_by_rule: Mapping[str, int] = field(default_factory=dict)
    complete: bool = False

    def __post_init__(self) -> None:
        if self.measured_minutes < 0:
            object.__setattr__(self, "measured_minutes", self.total_minutes)

    @property
    def excluded_minutes(self) -> int:
        return sum(self.excluded_minutes_by_reason.values())

    @property
    def minutes_in_month(self) -> int:
        return self.total_minutes

    @property
    def not_measured_minutes(self) -> int:
        return self.total_minutes - self.measured_minutes

    @property
    def coverage(self) -> Decimal:
        """Percent of the month's minutes measured, truncated to 0.1."""
        return coverage(self.measured_minutes, self.total_minutes)

    @property
    def availability_rounded(self) -> Decimal | None:
        """Truncated to 0.001 (never rounds a miss up to the target)."""
        return None if self.availability is None else self.availability.quantize(DISPLAY, rounding=ROUND_DOWN)

    def service_credit(self, monthly_fee: Decimal) -> Decimal:
        if self.availability is None:
            return Decimal("0.00")
        return service_credit(monthly_fee, self.availability, self.target)


class DayAvailability(NamedTuple):
    day: date
    availability: Decimal | None  # None: nothing measured that day
    outage_minutes: int
    total_minutes: int = 0
    measured_minutes: int = 0
    excluded_minutes: int = 0
    excluded_minutes_by_rule: Mapping[str, int] = {}  # noqa: RUF012 (never mutated)

    @property
    def not_measured_minutes(self) -> int:
        return self.total_minutes - self.measured_minutes


# -- public functions -------------------------------------------------------------


def coverage(measured: int, total: int) -> Decimal:
    if total <= 0:
        return Decimal(0)
    return _CTX.divide(Decimal(100 * measured), Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_DOWN)


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


def window_excludability(window: MaintenanceWindow, overnight: OvernightWindow | None) -> tuple[bool, str | None]:
    """Whether every minute of a window may be excluded, and by which rule: client
    requests always (for that client), scheduled windows announced 24 h ahead, or whose
    short-notice minutes all lie in the overnight window. Cancelled: (False, None)."""
    if window.cancelled:
        return False, None
    if window.kind == "client_requested":
        return True, CLIENT_REQUESTED
    if window.announced_in_time:
        return True, ANNOUNCED_24H
    if overnight is None:
        return False, None
    nights = overnight_intervals(window.start, window.end, overnight)
    for n in window.notices:
        if n.in_time or n.start >= n.end:
            continue
        if n.announced_at > n.start or not any(s <= n.start and n.end <= e for s, e in nights):
            return False, None
    return True, OVERNIGHT_WINDOW


def find_incidents(outage_minutes: Iterable[datetime], gap: timedelta = INCIDENT_GAP) -> list[Incident]:
    """Outage runs merged while at most ``gap`` of non-outage minutes separate them."""
    minutes = sorted({as_utc(m).replace(second=0, microsecond=0) for m in outage_minutes})
    out: list[Incident] = []
    group: list[datetime] = []
    for m in minutes:
        if group and m - group[-1] - _MINUTE > gap:
            out.append(Incident(group[0], group[-1] + _MINUTE, frozenset(group)))
            group = []
        group.append(m)
    if group:
        out.append(Incident(group[0], group[-1] + _MINUTE, frozenset(group)))
    return out


def monthly_ledger(
    month: Month,
    outage_minutes: Iterable[datetime],
    windows: Iterable[MaintenanceWindow] = (),
    *,
    measured: Iterable[datetime] | None = None,
    now: datetime | None = None,
    overnight: OvernightWindow | None = None,
    boundary_tz: str = "UTC",
    cap_minutes: int = CAP_MINUTES,
    target: Decimal = TARGET,
) -> Ledger:
    """The platform-wide ledger: every outage minute counts, client requests do not exclude."""
    grid = _classify(month, outage_minutes, windows, overnight, boundary_tz, cap_minutes, None, None, measured, now)
    return _ledger(grid, month, boundary_tz, None, target, now)


def tenant_ledger(
    month: Month,
    outage_minutes: Iterable[datetime],
    windows: Iterable[MaintenanceWindow],
    reports: Iterable[OutageReport],
    client_id: str,
    *,
    measured: Iterable[datetime] | None = None,
    now: datetime | None = None,
    overnight: OvernightWindow | None = None,
    boundary_tz: str = "UTC",
    cap_minutes: int = CAP_MINUTES,
    target: Decimal = TARGET,
) -> Ledger:
    """One tenant's ledger: only incidents that tenant reported (see the module's rule)
    count, and maintenance that tenant requested is excluded. ``reports`` are that tenant's."""
    grid = _classify(month, outage_minutes, windows, overnight, boundary_tz, cap_minutes, client_id, reports,
                     measured, now)
    return _ledger(grid, month, boundary_tz, client_id, target, now)


def daily_availability(
    month: Month,
    outage_minutes: Iterable[datetime],
    windows: Iterable[MaintenanceWindow] = (),
    *,
    measured: Iterable[datetime] | None = None,
    now: datetime | None = None,
    overnight: OvernightWindow | None = None,
    boundary_tz: str = "UTC",
    cap_minutes: int = CAP_MINUTES,
    client_id: str | None = None,
    reports: Iterable[OutageReport] | None = None,
) -> list[DayAvailability]:
    """Per local day of the month (boundary time zone): exact availability over the
    day's measured minutes and counted outage minutes, same rules as the ledgers.
    Platform view unless ``reports`` is given."""
    grid = _classify(month, outage_minutes, windows, overnight, boundary_tz, cap_minutes, client_id, reports,
                     measured, now)
    tz = ZoneInfo(boundary_tz)
    year, mon = month
    day = date(year, mon, 1)
    out: list[DayAvailability] = []
    while day.month == mon:
        lo = _index(grid.start, datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC))
        hi = _index(grid.start, datetime.combine(day + _DAY, time(0), tzinfo=tz).astimezone(UTC))
        lo, hi = max(lo, 0), min(hi, grid.n)
        total = max(hi - lo, 0)
        measured_n = sum(1 for i in range(lo, hi) if i in grid.measured)
        outage = sum(1 for i in range(lo, hi) if i in grid.outage and i not in grid.excluded)
        by_rule = _count_rules(grid.excluded[i][1] for i in range(lo, hi) if i in grid.excluded)
        out.append(DayAvailability(day, _availability(measured_n, outage), outage, total, measured_n,
                                   sum(by_rule.values()), by_rule))
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
    excluded: dict[int, tuple[str, str]]  # minute index -> (reason, rule)
    outage: frozenset[int]  # counted outage minute indexes (before exclusion)
    measured: frozenset[int]  # measured minute indexes
    end: datetime  # month end, UTC


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


def _count_rules(rules: Iterable[str]) -> dict[str, int]:
    out = dict.fromkeys(RULES, 0)
    for r in rules:
        out[r] += 1
    return out


def _classify(
    month: Month,
    outage_minutes: Iterable[datetime],
    windows: Iterable[MaintenanceWindow],
    overnight: OvernightWindow | None,
    boundary_tz: str,
    cap_minutes: int,
    client_id: str | None,
    reports: Iterable[OutageReport] | None,
    measured: Iterable[datetime] | None,
    now: datetime | None,
) -> _Grid:
    if cap_minutes < 0:
        raise ValueError("cap_minutes must not be negative")
    start, end = month_bounds(month, boundary_tz)
    n = (end - start) // _MINUTE
    limit = n if now is None else max(0, min(n, _ceil_index(start, as_utc(now))))  # minutes before now
    ordered = sorted(enumerate(w for w in windows if not w.cancelled), key=lambda pair: (pair[1].start, pair[0]))

    # Scheduled maintenance: eligible minutes (and their rule), then the monthly cap in time order.
    overnight_idx: set[int] | None = None
    eligible: dict[int, tuple[str, str]] = {}
    for _, w in ordered:
        if w.kind != "scheduled":
            continue
        for notice in w.notices:
            span = _span(start, n, notice.start, notice.end)
            if notice.in_time:
                for i in span:
                    eligible.setdefault(i, (w.reason, ANNOUNCED_24H))
                continue
            if overnight is None:
                continue
            if overnight_idx is None:
                overnight_idx = set()
                for s, e in overnight_intervals(start, end, overnight):
                    overnight_idx.update(_span(start, n, s, e))
            first = _ceil_index(start, notice.announced_at)  # a minute declared after it began is no maintenance
            for i in span:
                if i in overnight_idx and i >= first:
                    eligible.setdefault(i, (w.reason, OVERNIGHT_WINDOW))
    excluded = {i: eligible[i] for i in sorted(eligible)[:cap_minutes]}

    # Client-requested maintenance: only in that client's ledger, uncapped.
    if client_id is not None:
        for _, w in ordered:
            if w.kind == "client_requested" and w.client_id == client_id:
                for i in _span(start, n, w.start, w.end):
                    excluded.setdefault(i, (w.reason, CLIENT_REQUESTED))

    outages = [as_utc(m) for m in outage_minutes]
    offsets = {_index(start, m) for m in outages}
    if reports is not None:
        times = sorted(r.reported_at for r in reports)
        offsets = {_index(start, m) for inc in find_incidents(outages) if inc.reported_by(times)
                   for m in inc.outage_minutes}
    counted = frozenset(i for i in offsets if 0 <= i < limit)
    if measured is None:
        measured_idx = frozenset(range(limit))
    else:  # an outage minute was probed by definition
        measured_idx = frozenset(i for i in {_index(start, as_utc(m)) for m in measured} | counted if 0 <= i < limit)
    # An excluded minute is a measured one the rules took out of the outage count: a window's
    # minutes still in the future (or never probed) are reported as not measured, not as
    # excluded (the cap above was applied first, over every eligible minute in time order).
    excluded = {i: why for i, why in excluded.items() if i in measured_idx}
    return _Grid(start, n, excluded, counted, measured_idx, end)


def _availability(measured: int, outage: int) -> Decimal | None:
    if measured == 0:  # nothing measured: no figure to claim
        return None
    return _CTX.divide(Decimal(100 * (measured - outage)), Decimal(measured))


def _ledger(grid: _Grid, month: Month, boundary_tz: str, client_id: str | None, target: Decimal,
            now: datetime | None) -> Ledger:
    by_reason: dict[str, int] = {}
    for reason, _rule in grid.excluded.values():
        by_reason[reason] = by_reason.get(reason, 0) + 1
    measured = len(grid.measured)  # excluded minutes stay measured; they only stop being outage minutes
    outage = sum(1 for i in grid.outage if i not in grid.excluded)
    # Exact comparison: 100 x (measured - outage) / measured >= target.
    met = measured == 0 or Decimal(100 * (measured - outage)) >= _CTX.multiply(target, Decimal(measured))
    ended = now is None or as_utc(now) >= grid.end
    return Ledger(
        month=month,
        boundary_tz=boundary_tz,
        client_id=client_id,
        total_minutes=grid.n,
        outage_minutes=outage,
        excluded_minutes_by_reason=by_reason,
        availability=_availability(measured, outage),
        target=target,
        met=met,
        measured_minutes=measured,
        excluded_minutes_by_rule=_count_rules(rule for _, rule in grid.excluded.values()),
        complete=ended and measured == grid.n,
    )
