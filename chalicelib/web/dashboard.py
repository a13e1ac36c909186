"""The dashboard's charts: which figures each chart shows and how it is described
(the figures come from domain/dashboard.py; the drawing from web/charts.py)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from .. import i18n
from ..domain import dashboard as rules
from ..i18n import N_, _
from . import charts

# (names marked for the catalogs with N_, translated with _ when a chart is built: the
# charts are drawn per request, in its language; issue 19)
NETWORK_NAMES = {"linkedin": "LinkedIn", "facebook": "Facebook", "x": "X", "whatsapp": "WhatsApp", "xing": "XING",
                 "ziprecruiter": "ZipRecruiter", "email": N_("Email"), "embed": N_("Embeds"),
                 "other": N_("Other sites"), "direct": N_("Direct (no referring site)")}
LIFECYCLE_NAMES = {"issued": N_("Issued"), "accepted": N_("Accepted"), "rejected": N_("Rejected"),
                   "revoked": N_("Revoked"), "expired": N_("Expired")}


def _range_words(board: rules.Dashboard) -> str:
    return _("from %(start)s to %(end)s", start=i18n.format_date(board.start), end=i18n.format_date(board.end))


def _described(base: str, values: Sequence[int | None]) -> str:
    hidden = " " + _("Groups of fewer than 5 are hidden.") if any(v is None for v in values) else ""
    return base + hidden


def median_words(seconds: float | None) -> str:
    """domain/dashboard.py `duration_words` in the page's language: "3 hours", "2.5 days"; "—" for none."""
    if seconds is None:
        return "—"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            value = round(seconds / size, 1)
            n = 1 if f"{value:g}" == "1" else 2  # the form for "1", else the plural one (2.5 days)
            shown = i18n.format_number(value)  # "2.5", "2,5"
            if unit == "day":
                return i18n.ngettext("%(num)s day", "%(num)s days", n, num=shown)
            if unit == "hour":
                return i18n.ngettext("%(num)s hour", "%(num)s hours", n, num=shown)
            return i18n.ngettext("%(num)s minute", "%(num)s minutes", n, num=shown)
    return i18n.ngettext("%(num)s second", "%(num)s seconds", round(seconds))


def build(board: rules.Dashboard, kind: str = "tenant", prefix: str = "") -> list[charts.Chart]:
    """Every chart of a dashboard, in the order the page shows them. `kind`: "tenant"
    (everything), "template" (one template's counters carry no skills and are one
    template) or "platform" (the operators' view: no template at all). `prefix` keeps
    the charts' ids apart when two dashboards share a page (none do today)."""
    labels = [w.week.label for w in board.weeks]
    span = _range_words(board)
    week = _("Week")
    out = []
    lifecycle = {_(LIFECYCLE_NAMES[m]): [getattr(w, m) for w in board.weeks] for m in LIFECYCLE_NAMES}
    out.append(charts.chart(
        "Bar", f"{prefix}lifecycle", _("Credentials per week"),
        _described(_("Credentials issued, accepted, rejected, revoked and expired in each ISO week %(span)s.",
                     span=span), [v for values in lifecycle.values() for v in values]),
        labels, lifecycle, first_column=week))
    if any(w.pending is not None for w in board.weeks):
        out.append(charts.chart(
            "Line", f"{prefix}pending", _("Pending at the end of each week"),
            _("How many credentials were waiting to be accepted at the end of each ISO week %(span)s.", span=span),
            labels, {_("Pending"): [w.pending for w in board.weeks]}, first_column=week))
    stages = [(_("Issued"), board.funnel.get("issued")), (_("Accepted"), board.funnel.get("accepted")),
              (_("Rejected"), board.funnel.get("rejected"))]
    if "pending" in board.funnel:
        stages.append((_("Still pending"), board.funnel["pending"]))
    out.append(charts.chart(
        "HorizontalBar", f"{prefix}funnel", _("Acceptance funnel"),
        _described(_("Credentials issued %(span)s, the acceptances and rejections made in that time, and how many "
                     "were still pending at its end.", span=span) if "pending" in board.funnel else
                   _("Credentials issued %(span)s, the acceptances and rejections made in that time.", span=span),
                   [v for _name, v in stages]),
        [name for name, _value in stages], {_("Credentials"): [v for _name, v in stages]},
        first_column=_("Stage")))
    people, crawlers = _("People"), _("Crawlers")
    views = {people: [w.views_person for w in board.weeks], crawlers: [w.views_crawler for w in board.weeks]}
    out.append(charts.chart(
        "StackedBar", f"{prefix}views", _("Views of credential pages per week"),
        _described(_("Views of the public credential pages in each ISO week %(span)s, by people and by crawlers "
                     "(link previews and search engines).", span=span), views[people] + views[crawlers]),
        labels, views, first_column=week))
    networks = list(board.views_by_network)
    out.append(charts.chart(
        "HorizontalBar", f"{prefix}networks", _("Where people came from"),
        _described(_("People's views of credential pages %(span)s, by the site or message they came from.",
                     span=span), list(board.views_by_network.values())),
        [_(NETWORK_NAMES[n]) for n in networks], {_("Views"): list(board.views_by_network.values())},
        first_column=_("Came from")))
    shares = [(_(NETWORK_NAMES[n]), v) for n, v in board.shares_by_network.items()]
    shares.append((_("LinkedIn: add to profile"), board.linkedin_add))
    out.append(charts.chart(
        "HorizontalBar", f"{prefix}shares", _("Shares by network"),
        _described(_("Share clicks from earners' wallets %(span)s, by network, and LinkedIn add-to-profile "
                     "clicks.", span=span), [v for _name, v in shares]),
        [name for name, _value in shares], {_("Clicks"): [v for _name, v in shares]}, first_column=_("Network")))
    tops = (("top_templates_issued", _("Top templates by credentials issued"), _("Issued"),
             _("The templates with the most credentials issued %(span)s (up to %(top)s).", span=span, top=rules.TOP)),
            ("top_templates_viewed", _("Top templates by views"), _("Views by people"),
             _("The templates with the most views by people %(span)s (up to %(top)s).", span=span, top=rules.TOP)))
    for key, title, measure, description in tops:
        if kind != "tenant":
            continue
        ranked: list[rules.Ranked] = getattr(board, key)
        links = [f"/console/dashboard/templates/{quote(r.key, safe='')}" for r in ranked]
        out.append(charts.chart(
            "HorizontalBar", f"{prefix}{key}", title, description,
            [r.name for r in ranked], {measure: [r.count for r in ranked]}, first_column=_("Template"), links=links))
    if kind == "template":
        return out
    skills = board.top_skills
    out.append(charts.chart(
        "HorizontalBar", f"{prefix}skills", _("Top skills"),
        _("The skills carried by the most credentials issued %(span)s (up to %(top)s); skills of fewer than 5 "
          "credentials are not listed.", span=span, top=rules.TOP) if kind == "platform" else
        _("The skills carried by the most credentials issued %(span)s (up to %(top)s).", span=span, top=rules.TOP),
        [r.name for r in skills], {_("Credentials issued"): [r.count for r in skills]}, first_column=_("Skill")))
    return out
