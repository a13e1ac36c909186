"""The operators' SLA page (`/ops/sla`, issue 16 item 6): what it shows of the month's
ledger and how its per-day charts are drawn (the figures come from services/ops.py
`sla_report`, the drawing from web/charts.py).

"The per-day chart shows outage days visibly (scale to the data, label axes, readable
tooltips), marks maintenance and unmeasured minutes": two charts over the same days,
each with its own axis scaled to its own figures, because a day has 1,440 minutes and
a month to date has whole days not yet measured: on one axis with those, a day of 12
outage minutes (99.2 %) would be a bar 1 % high, which is what the page must not hide.

- "Outage minutes per day": the minutes no location saw up that no rule excluded;
  its axis runs from 0 to the worst day (at least `MIN_TOP`, rounded up to a tick), so any
  outage day stands out: one minute is a fifth of the height in a month of short outages.
- "Minutes not counted per day": maintenance (excluded) and not measured minutes, side
  by side and not stacked: the report counts a window's minutes as excluded whether or
  not a probe measured them (domain/sla.py), so a minute of a window nobody measured is
  both, and a stack would draw a day of more than 1,440 minutes.

Each bar's tooltip (SVG `<title>`, no script) names the day, its availability and its
outage, excluded and not measured minutes; one table gives the same figures per day.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from . import charts

MIN_TOP = 5  # the outage axis's smallest top (minutes): a quiet month still has an axis, not a flat line
OUTAGE, EXCLUDED, NOT_MEASURED = "#a11b1b", "#8a4b00", "#4a5568"  # laurel.css's bad, warn and muted
RULES = {  # services/ops.py's `excluded_minutes_by_rule` keys
    "announced_24h": "announced 24 h ahead",
    "overnight_window": "weekly overnight window",
    "client_requested": "requested by the client",
}
STATES = {"scheduled": "Scheduled", "cancelled": "Cancelled"}
KINDS = {"client_requested": "Requested by the client"}


def month_title(month: str) -> str:
    """"2026-11" -> "November 2026"."""
    year, number = (int(x) for x in month.split("-"))
    return f"{calendar.month_name[number]} {year}"


def when(value: str | None) -> str:
    """An ISO time as the page shows it: "2026-11-03 10:00 UTC" (seconds when there are any)."""
    if not value:
        return "—"
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC" if moment.second else "%Y-%m-%d %H:%M UTC")


def minutes(value: int) -> str:
    return f"{value:,}"


def percent(value: str | None) -> str:
    return "not measured" if value is None else f"{value} %"


def by_rule(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """Excluded minutes per rule, in the rules' order, the rules that excluded none left out."""
    known = [(RULES[k], counts[k]) for k in RULES if counts.get(k)]
    return known + [(k, n) for k, n in counts.items() if k not in RULES and n]


def _day_tooltip(day: Mapping[str, Any]) -> str:
    return (f"{day['day']}: availability {percent(day['availability'])}; "
            f"{minutes(day['outage_minutes'])} outage minutes; {minutes(day['excluded_minutes'])} excluded "
            f"(maintenance) minutes; {minutes(day['not_measured_minutes'])} minutes not measured")


def _axis(values: Sequence[int]) -> dict[str, Any]:
    """pygal's options for a minutes axis from 0 to the largest value (at least MIN_TOP), with
    at most 6 round ticks (1, 2 or 5 times a power of ten) written with thousands separators."""
    top = max([MIN_TOP, *values])
    step = next(s for s in (m * 10**e for e in range(8) for m in (1, 2, 5)) if top / s <= 5)
    ticks = list(range(0, top + step, step))
    return {"range": (0, ticks[-1]), "y_labels": ticks, "value_formatter": lambda v: f"{v:,.0f}"}


def day_charts(month: str, days: Sequence[Mapping[str, Any]], *, current: bool = False) -> list[charts.Chart]:
    """The month's two per-day charts (see the module's notes), in the order the page shows
    them. `current`: the month is not over (its days to come are not measured)."""
    labels = [str(int(d["day"][-2:])) for d in days]
    tips = [_day_tooltip(d) for d in days]
    x_title = f"Day of {month_title(month)} (UTC)"
    outages = [d["outage_minutes"] for d in days]
    worst = [d for d in days if d["outage_minutes"]]
    said = ("Days with outage minutes: " + "; ".join(
        f"{d['day']}, {minutes(d['outage_minutes'])} minutes ({percent(d['availability'])})" for d in worst) + "."
        if worst else "No day had an outage minute.")
    outage_chart = charts.chart(
        "Bar", "outage", "Outage minutes per day",
        f"Minutes of each day of {month_title(month)} when no probe location saw Laurel up, maintenance "
        f"excluded; the axis runs to the worst day. {said}",
        labels, {"Outage minutes": outages}, first_column="Day", tooltips=tips, colours=(OUTAGE,),
        x_title=x_title, y_title="Outage minutes", x_label_rotation=0, show_legend=False, **_axis(outages))
    not_counted = {"Excluded (maintenance)": [d["excluded_minutes"] for d in days],
                   "Not measured": [d["not_measured_minutes"] for d in days]}
    unmeasured = sum(d["not_measured_minutes"] for d in days)
    excluded = sum(d["excluded_minutes"] for d in days)
    counted_chart = charts.chart(
        "Bar", "not-counted", "Minutes not counted per day",
        f"Minutes of each day of {month_title(month)} left out of the availability, side by side: excluded by a "
        f"maintenance rule ({minutes(excluded)} in the month) and not measured by any probe "
        f"({minutes(unmeasured)} in the month" + (", the days to come included)." if current else ")."),
        labels, not_counted, first_column="Day", tooltips=tips, colours=(EXCLUDED, NOT_MEASURED),
        x_title=x_title, y_title="Minutes", x_label_rotation=0,
        **_axis([*not_counted["Excluded (maintenance)"], *not_counted["Not measured"]]))
    return [outage_chart, counted_chart]


def _link(month: str | None) -> dict | None:
    return None if month is None else {"href": f"/ops/sla?month={month}", "text": month_title(month)}


def build(report: Mapping[str, Any]) -> dict[str, Any]:
    """The template's context for `report` (services/ops.py `sla_report`). `chart_css` goes
    in the page's head and its hash in the page's CSP."""
    drawn = day_charts(report["month"], report["days"], current=report.get("next_month") is None)
    return {
        "r": report,
        "title": month_title(report["month"]),
        "previous": _link(report.get("previous_month")),
        "next": _link(report.get("next_month")),
        "charts": drawn,
        "chart_css": charts.page_css(drawn),
        "when": when,
        "minutes": minutes,
        "percent": percent,
        "by_rule": by_rule,
        "kinds": KINDS,
        "states": STATES,
        "rules": RULES,
    }
