"""The dashboard's figures, computed from pre-aggregated per-day counters.

Pure: no I/O, no clock reads (`today` is passed in). The inputs are the read API of
store/engagement.py (issue 15 contract): per-day counters of a tenant (or of the whole
platform), per template and day, and the tenant's cumulative totals. Every figure is a
sum over days, so the cost of computing a dashboard follows the length of the range,
never the number of credentials.

Counters are counted on the day a transition happens, not per cohort of issue: "accepted
in a week" counts the acceptances made that week, whatever week the credential was
issued in.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from .engagement import NETWORKS, SHARE_NETWORKS, bucket_seconds
from .errors import BadRequest

Counters = Mapping[str, int]

LIFECYCLE = ("issued", "accepted", "rejected", "revoked", "expired")
MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 90
TOP = 10
# Operator view (issue 15 item 5): "aggregated only, hiding any group smaller than 5 people".
SMALLEST_GROUP = 5
ACCEPT_PREFIX = "accept_s."
SKILL_PREFIX = "skill."


# ------------------------------------------------------------------ the date range


def date_range(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """The range a dashboard shows: both ends inclusive; by default the last 90 days up to
    today. A range that ends before it starts, or is longer than 366 days, is refused."""
    end = end or today
    start = start or end - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if start > end:
        raise BadRequest("the range starts after it ends: choose a start date on or before the end date",
                      code="invalid_range")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise BadRequest(f"the range is longer than {MAX_RANGE_DAYS} days: choose a shorter one", code="invalid_range")
    return start, end


FIRST_YEAR, LAST_YEAR = 2000, 9000  # days outside are refused as malformed


def parse_day(name: str, text: str | None) -> date | None:
    """A query parameter's day, written YYYY-MM-DD (None when not given)."""
    if text is None:
        return None
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
        # a range must stay inside what `date` can count weeks over (year 1 or 9999 overflow)
        if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise ValueError(text)
        return day
    except ValueError:
        raise BadRequest(f"{name} must be a day written YYYY-MM-DD, such as 2026-03-01", code="invalid_query") \
            from None


def parse_range(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    """`from` and `to` of a dashboard's address, checked and defaulted (`date_range`)."""
    return date_range(parse_day("from", start), parse_day("to", end), today)


@dataclass(frozen=True)
class Week:
    """One ISO week of the range (the first and last may be cut by the range's ends)."""

    label: str  # ISO 8601 week, e.g. 2026-W01 (its year is the ISO year: 2025-12-29 is in 2026-W01)
    first: date
    last: date


def weeks(start: date, end: date) -> list[Week]:
    """The ISO weeks (Monday to Sunday) the range touches, in order, cut to the range."""
    found: list[Week] = []
    monday = start - timedelta(days=start.weekday())
    while monday <= end:
        year, number, _ = monday.isocalendar()
        found.append(Week(f"{year}-W{number:02d}", max(monday, start), min(monday + timedelta(days=6), end)))
        monday += timedelta(days=7)
    return found


# ------------------------------------------------------------------ sums


def total(days: Iterable[tuple[date, Counters]]) -> dict[str, int]:
    """The counters of several days added up (a missing metric counts 0)."""
    summed: Tally[str] = Tally()
    for _, counters in days:
        summed.update({k: int(v) for k, v in counters.items()})
    return dict(summed)


def within(days: Iterable[tuple[date, Counters]], first: date, last: date) -> list[tuple[date, Counters]]:
    return [(day, c) for day, c in days if first <= day <= last]


def pending_level(days: Sequence[tuple[date, Counters]], totals: Counters, at: date) -> int:
    """How many credentials were pending at the end of day `at`.

    Contract: "Pending level at the end of day D = tenant_totals.issued -
    tenant_totals.pending_out - (sum of issued - pending_out over days after D)".
    `days` must hold every day with data after `at` (the service reads up to today)."""
    later = total((day, c) for day, c in days if day > at)
    level = (int(totals.get("issued", 0)) - int(totals.get("pending_out", 0))
             - (later.get("issued", 0) - later.get("pending_out", 0)))
    return max(level, 0)


# ------------------------------------------------------------------ median time to accept


def accept_histogram(counters: Counters) -> dict[int, int]:
    """The `accept_s.<bucket>` counters as {bucket: count} (other metrics ignored)."""
    histogram: dict[int, int] = {}
    for name, count in counters.items():
        if name.startswith(ACCEPT_PREFIX) and int(count) > 0:
            try:
                bucket = int(name[len(ACCEPT_PREFIX):])
            except ValueError:
                continue
            histogram[bucket] = histogram.get(bucket, 0) + int(count)
    return histogram


def median_seconds(histogram: Mapping[int, int]) -> float | None:
    """The median seconds from issue to accept, from the merged histogram: the
    representative value (`bucket_seconds`) of the bucket holding the lower median
    (the ((n + 1) // 2)-th smallest of n acceptances). None without any."""
    n = sum(histogram.values())
    if n <= 0:
        return None
    rank = (n + 1) // 2
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= rank:
            return bucket_seconds(bucket)
    raise AssertionError("unreachable: the ranks add up to n")  # pragma: no cover


def duration_words(seconds: float | None) -> str:
    """A duration as a person says it: "3 hours", "2.5 days"; "—" when there is none."""
    if seconds is None:
        return "—"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            value = round(seconds / size, 1)
            shown = f"{value:g}"
            return f"{shown} {unit}" + ("" if shown == "1" else "s")
    shown = f"{round(seconds):d}"
    return f"{shown} second" + ("" if shown == "1" else "s")


# ------------------------------------------------------------------ the dashboard


@dataclass(frozen=True)
class WeekFigures:
    """A week's figures. None: not shown (the operator view's hidden groups; the pending
    level where no totals are read)."""

    week: Week
    issued: int | None
    pending: int | None  # level at the week's last day
    accepted: int | None
    rejected: int | None
    revoked: int | None
    expired: int | None
    views_person: int | None
    views_crawler: int | None


WEEK_METRICS = ("issued", "pending", "accepted", "rejected", "revoked", "expired", "views_person", "views_crawler")


@dataclass(frozen=True)
class Ranked:
    key: str  # template id or skill label
    name: str
    count: int


@dataclass(frozen=True)
class Dashboard:
    start: date
    end: date
    weeks: list[WeekFigures]
    funnel: dict[str, int | None]  # issued, accepted, rejected, pending (level at the range's end)
    accept_rate: float | None  # accepted / (accepted + rejected) of the decisions made in the range, in %
    median_accept_seconds: float | None
    accepts_measured: int | None
    views: dict[str, int | None]  # person, crawler
    views_by_network: dict[str, int | None]  # ref.<network>, in NETWORKS order
    shares_by_network: dict[str, int | None]  # share.<network>, in SHARE_NETWORKS order
    linkedin_add: int | None
    top_templates_issued: list[Ranked] = field(default_factory=list)
    top_templates_viewed: list[Ranked] = field(default_factory=list)
    top_skills: list[Ranked] = field(default_factory=list)


def _ranked(tally: Mapping[str, int], names: Mapping[str, str], top: int) -> list[Ranked]:
    ordered = sorted(((k, v) for k, v in tally.items() if v > 0), key=lambda kv: (-kv[1], names.get(kv[0], kv[0])))
    return [Ranked(k, names.get(k, k), v) for k, v in ordered[:top]]


def compute(start: date, end: date, days: Sequence[tuple[date, Counters]], totals: Counters | None = None,
            template_days: Sequence[tuple[date, str, Counters]] = (), template_names: Mapping[str, str] | None = None,
            top: int = TOP) -> Dashboard:
    """The dashboard of the range [start, end] (inclusive).

    days: per-day counters covering at least the range, and every later day with data
        when `totals` is given (for the pending level);
    totals: cumulative counters (tenant_totals); None where they are not known (the
        operator view reads platform_days only): the pending level is then None;
    template_days: (day, template id, counters) for the top templates."""
    in_range = within(days, start, end)
    figures = []
    for week in weeks(start, end):
        summed = total(within(in_range, week.first, week.last))
        figures.append(WeekFigures(
            week=week, issued=summed.get("issued", 0),
            pending=pending_level(days, totals, week.last) if totals is not None else None,
            accepted=summed.get("accepted", 0), rejected=summed.get("rejected", 0),
            revoked=summed.get("revoked", 0), expired=summed.get("expired", 0),
            views_person=summed.get("view.person", 0), views_crawler=summed.get("view.crawler", 0)))
    summed = total(in_range)
    accepted, rejected = summed.get("accepted", 0), summed.get("rejected", 0)
    histogram = accept_histogram(summed)
    names = template_names or {}
    issued_by_template: Tally[str] = Tally()
    viewed_by_template: Tally[str] = Tally()
    for day, template_id, counters in template_days:
        if start <= day <= end:
            issued_by_template[template_id] += int(counters.get("issued", 0))
            viewed_by_template[template_id] += int(counters.get("view.person", 0))
    skills = {name[len(SKILL_PREFIX):]: count for name, count in summed.items() if name.startswith(SKILL_PREFIX)}
    return Dashboard(
        start=start, end=end, weeks=figures,
        funnel={"issued": summed.get("issued", 0), "accepted": accepted, "rejected": rejected,
                "pending": pending_level(days, totals, end) if totals is not None else None},
        accept_rate=round(100 * accepted / (accepted + rejected), 1) if accepted + rejected else None,
        median_accept_seconds=median_seconds(histogram), accepts_measured=sum(histogram.values()),
        views={"person": summed.get("view.person", 0), "crawler": summed.get("view.crawler", 0)},
        views_by_network={n: summed.get(f"ref.{n}", 0) for n in NETWORKS},
        shares_by_network={n: summed.get(f"share.{n}", 0) for n in SHARE_NETWORKS},
        linkedin_add=summed.get("linkedin_add", 0),
        top_templates_issued=_ranked(issued_by_template, names, top),
        top_templates_viewed=_ranked(viewed_by_template, names, top),
        top_skills=_ranked(skills, {}, top),
    )


# ------------------------------------------------------------------ the operator's view: small groups hidden


def hidden(count: int | None) -> int | None:
    """A single count as the operator view may show it: None ("fewer than 5") when it
    counts 1 to 4 people ("hiding any group smaller than 5 people"). Zero is shown: it
    is nobody."""
    if count is None or 0 < count < SMALLEST_GROUP:
        return None
    return count


def hide_group(values: Sequence[int | None]) -> list[int | None]:
    """Cells that add up to a figure shown elsewhere (a metric's weeks and its total,
    the networks of the people's views): every cell of 1 to 4 is hidden, and if the
    hidden cells then add up to 1 to 4 (the total minus the shown cells would give them
    away), the smallest shown cells are hidden too until they add up to 5 or more."""
    shown: list[int | None] = [hidden(v) for v in values]
    hidden_sum = sum(v or 0 for v, s in zip(values, shown, strict=True) if s is None)
    while 0 < hidden_sum < SMALLEST_GROUP:
        candidates = [(v, i) for i, v in enumerate(shown) if v]
        if not candidates:
            break
        value, index = min(candidates)
        shown[index] = None
        hidden_sum += value
    return shown


def for_operators(board: Dashboard) -> Dashboard:
    """The platform's dashboard as operators may see it: aggregated (no template, so no
    tenant's names), every group smaller than 5 hidden, in the table and in the chart."""
    columns = {m: hide_group([getattr(w, m) for w in board.weeks]) for m in WEEK_METRICS if m != "pending"}
    weeks_shown = [WeekFigures(week=w.week, pending=None, issued=columns["issued"][i],
                               accepted=columns["accepted"][i], rejected=columns["rejected"][i],
                               revoked=columns["revoked"][i], expired=columns["expired"][i],
                               views_person=columns["views_person"][i], views_crawler=columns["views_crawler"][i])
                   for i, w in enumerate(board.weeks)]
    funnel = {k: hidden(v) for k, v in board.funnel.items() if k != "pending"}
    networks = dict(zip(board.views_by_network, hide_group(list(board.views_by_network.values())), strict=True))
    shares = dict(zip(board.shares_by_network, hide_group(list(board.shares_by_network.values())), strict=True))
    decided = funnel["accepted"] is not None and funnel["rejected"] is not None
    measured = hidden(board.accepts_measured)
    return replace(
        board, weeks=weeks_shown, funnel=funnel, accept_rate=board.accept_rate if decided else None,
        median_accept_seconds=board.median_accept_seconds if measured else None, accepts_measured=measured,
        views={k: hidden(v) for k, v in board.views.items()}, views_by_network=networks, shares_by_network=shares,
        linkedin_add=hidden(board.linkedin_add), top_templates_issued=[], top_templates_viewed=[],
        top_skills=[r for r in board.top_skills if r.count >= SMALLEST_GROUP])
