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

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from .. import i18n
from ..i18n import N_, _
from . import charts

MIN_TOP = 5  # the outage axis's smallest top (minutes): a quiet month still has an axis, not a flat line
OUTAGE, EXCLUDED, NOT_MEASURED = "#a11b1b", "#8a4b00", "#4a5568"  # laurel.css's bad, warn and muted
# the page's words are marked for the catalogs (N_) and shown in the request's language (_, issue 19);
# its moments stay ISO 8601 in UTC (an operator's ledger, compared with the probes' logs)
RULES = {  # services/ops.py's `excluded_minutes_by_rule` keys
    "announced_24h": N_("announced 24 h ahead"),
    "overnight_window": N_("weekly overnight window"),
    "client_requested": N_("requested by the client"),
}
STATES = {"scheduled": N_("Scheduled"), "cancelled": N_("Cancelled")}
KINDS = {"client_requested": N_("Requested by the client")}


def month_title(month: str) -> str:
    """"2026-11" -> "November 2026" (in the page's language: "November 2026", "2026年11月")."""
    from babel.dates import format_skeleton

    year, number = (int(x) for x in month.split("-"))
    return format_skeleton("yMMMM", date(year, number, 1), locale=i18n.current())


def when(value: str | None) -> str:
    """An ISO time as the page shows it: "2026-11-03 10:00 UTC" (seconds when there are any)."""
    if not value:
        return "—"
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC" if moment.second else "%Y-%m-%d %H:%M UTC")


def minutes(value: int) -> str:
    return charts.number(value)


def percent(value: str | None) -> str:
    return _("not measured") if value is None else _("%(value)s %%", value=value)


def by_rule(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """Excluded minutes per rule, in the rules' order, the rules that excluded none left out."""
    known = [(_(RULES[k]), counts[k]) for k in RULES if counts.get(k)]
    return known + [(k, n) for k, n in counts.items() if k not in RULES and n]


def _day_tooltip(day: Mapping[str, Any]) -> str:
    return _("%(day)s: availability %(availability)s; %(outage)s outage minutes; %(excluded)s excluded "
             "(maintenance) minutes; %(unmeasured)s minutes not measured", day=day["day"],
             availability=percent(day["availability"]), outage=minutes(day["outage_minutes"]),
             excluded=minutes(day["excluded_minutes"]), unmeasured=minutes(day["not_measured_minutes"]))


def _axis(values: Sequence[int]) -> dict[str, Any]:
    """pygal's options for a minutes axis from 0 to the largest value (at least MIN_TOP), with
    at most 6 round ticks (1, 2 or 5 times a power of ten) written with thousands separators."""
    top = max([MIN_TOP, *values])
    step = next(s for s in (m * 10**e for e in range(8) for m in (1, 2, 5)) if top / s <= 5)
    ticks = list(range(0, top + step, step))
    return {"range": (0, ticks[-1]), "y_labels": ticks, "value_formatter": lambda v: charts.number(round(v))}


def day_charts(month: str, days: Sequence[Mapping[str, Any]], *, current: bool = False) -> list[charts.Chart]:
    """The month's two per-day charts (see the module's notes), in the order the page shows
    them. `current`: the month is not over (its days to come are not measured)."""
    labels = [str(int(d["day"][-2:])) for d in days]
    tips = [_day_tooltip(d) for d in days]
    title = month_title(month)
    x_title = _("Day of %(month)s (UTC)", month=title)
    outages = [d["outage_minutes"] for d in days]
    worst = [d for d in days if d["outage_minutes"]]
    said = (_("Days with outage minutes: %(days)s.", days="; ".join(
        _("%(day)s, %(minutes)s minutes (%(availability)s)", day=d["day"], minutes=minutes(d["outage_minutes"]),
          availability=percent(d["availability"])) for d in worst))
        if worst else _("No day had an outage minute."))
    outage_words = _("Outage minutes")
    outage_chart = charts.chart(
        "Bar", "outage", _("Outage minutes per day"),
        _("Minutes of each day of %(month)s when no probe location saw Laurel up, maintenance excluded; the axis "
          "runs to the worst day.", month=title) + " " + said,
        labels, {outage_words: outages}, first_column=_("Day"), tooltips=tips, colours=(OUTAGE,),
        x_title=x_title, y_title=outage_words, x_label_rotation=0, show_legend=False, **_axis(outages))
    excluded_days = [d["excluded_minutes"] for d in days]
    unmeasured_days = [d["not_measured_minutes"] for d in days]
    not_counted = {_("Excluded (maintenance)"): excluded_days, _("Not measured"): unmeasured_days}
    unmeasured = sum(unmeasured_days)
    excluded = sum(excluded_days)
    counted_chart = charts.chart(
        "Bar", "not-counted", _("Minutes not counted per day"),
        (_("Minutes of each day of %(month)s left out of the availability, side by side: excluded by a maintenance "
           "rule (%(excluded)s in the month) and not measured by any probe (%(unmeasured)s in the month, the days "
           "to come included).", month=title, excluded=minutes(excluded), unmeasured=minutes(unmeasured))
         if current else
         _("Minutes of each day of %(month)s left out of the availability, side by side: excluded by a maintenance "
           "rule (%(excluded)s in the month) and not measured by any probe (%(unmeasured)s in the month).",
           month=title, excluded=minutes(excluded), unmeasured=minutes(unmeasured))),
        labels, not_counted, first_column=_("Day"), tooltips=tips, colours=(EXCLUDED, NOT_MEASURED),
        x_title=x_title, y_title=_("Minutes"), x_label_rotation=0, **_axis([*excluded_days, *unmeasured_days]))
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
        "kinds": {k: _(v) for k, v in KINDS.items()},
        "states": {k: _(v) for k, v in STATES.items()},
        "rules": {k: _(v) for k, v in RULES.items()},
    }
