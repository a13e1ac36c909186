"""The dashboard's charts: which figures each chart shows and how it is described
(the figures come from domain/dashboard.py; the drawing from web/charts.py)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from ..domain import dashboard as rules
from . import charts

NETWORK_NAMES = {"linkedin": "LinkedIn", "facebook": "Facebook", "x": "X", "whatsapp": "WhatsApp", "xing": "XING",
                 "ziprecruiter": "ZipRecruiter", "email": "Email", "embed": "Embeds", "other": "Other sites",
                 "direct": "Direct (no referring site)"}
LIFECYCLE_NAMES = {"issued": "Issued", "accepted": "Accepted", "rejected": "Rejected", "revoked": "Revoked",
                   "expired": "Expired"}


def _range_words(board: rules.Dashboard) -> str:
    return f"from {board.start.isoformat()} to {board.end.isoformat()}"


def _described(base: str, values: Sequence[int | None]) -> str:
    hidden = " Groups of fewer than 5 are hidden." if any(v is None for v in values) else ""
    return base + hidden


def build(board: rules.Dashboard, kind: str = "tenant", prefix: str = "") -> list[charts.Chart]:
    """Every chart of a dashboard, in the order the page shows them. `kind`: "tenant"
    (everything), "template" (one template's counters carry no skills and are one
    template) or "platform" (the operators' view: no template at all). `prefix` keeps
    the charts' ids apart when two dashboards share a page (none do today)."""
    labels = [w.week.label for w in board.weeks]
    span = _range_words(board)
    out = []
    lifecycle = {LIFECYCLE_NAMES[m]: [getattr(w, m) for w in board.weeks] for m in LIFECYCLE_NAMES}
    out.append(charts.chart(
        "Bar", f"{prefix}lifecycle", "Credentials per week",
        _described(f"Credentials issued, accepted, rejected, revoked and expired in each ISO week {span}.",
                   [v for values in lifecycle.values() for v in values]),
        labels, lifecycle, first_column="Week"))
    if any(w.pending is not None for w in board.weeks):
        out.append(charts.chart(
            "Line", f"{prefix}pending", "Pending at the end of each week",
            f"How many credentials were waiting to be accepted at the end of each ISO week {span}.",
            labels, {"Pending": [w.pending for w in board.weeks]}, first_column="Week"))
    stages = [("Issued", board.funnel.get("issued")), ("Accepted", board.funnel.get("accepted")),
              ("Rejected", board.funnel.get("rejected"))]
    if "pending" in board.funnel:
        stages.append(("Still pending", board.funnel["pending"]))
    out.append(charts.chart(
        "HorizontalBar", f"{prefix}funnel", "Acceptance funnel",
        _described(f"Credentials issued {span}, the acceptances and rejections made in that time"
                   + (", and how many were still pending at its end." if "pending" in board.funnel else "."),
                   [v for _, v in stages]),
        [name for name, _ in stages], {"Credentials": [v for _, v in stages]}, first_column="Stage"))
    views = {"People": [w.views_person for w in board.weeks], "Crawlers": [w.views_crawler for w in board.weeks]}
    out.append(charts.chart(
        "StackedBar", f"{prefix}views", "Views of credential pages per week",
        _described(f"Views of the public credential pages in each ISO week {span}, by people and by crawlers "
                   "(link previews and search engines).", views["People"] + views["Crawlers"]),
        labels, views, first_column="Week"))
    networks = list(board.views_by_network)
    out.append(charts.chart(
        "HorizontalBar", f"{prefix}networks", "Where people came from",
        _described(f"People's views of credential pages {span}, by the site or message they came from.",
                   list(board.views_by_network.values())),
        [NETWORK_NAMES[n] for n in networks], {"Views": list(board.views_by_network.values())},
        first_column="Came from"))
    shares = [(NETWORK_NAMES[n], v) for n, v in board.shares_by_network.items()]
    shares.append(("LinkedIn: add to profile", board.linkedin_add))
    out.append(charts.chart(
        "HorizontalBar", f"{prefix}shares", "Shares by network",
        _described(f"Share clicks from earners' wallets {span}, by network, and LinkedIn add-to-profile clicks.",
                   [v for _, v in shares]),
        [name for name, _ in shares], {"Clicks": [v for _, v in shares]}, first_column="Network"))
    for key, title, measure in (("top_templates_issued", "Top templates by credentials issued", "Issued"),
                                ("top_templates_viewed", "Top templates by views", "Views by people")):
        if kind != "tenant":
            continue
        ranked: list[rules.Ranked] = getattr(board, key)
        links = [f"/console/dashboard/templates/{quote(r.key, safe='')}" for r in ranked]
        out.append(charts.chart(
            "HorizontalBar", f"{prefix}{key}", title,
            f"The templates with the most {measure.lower()} {span} (up to {rules.TOP}).",
            [r.name for r in ranked], {measure: [r.count for r in ranked]}, first_column="Template", links=links))
    if kind == "template":
        return out
    skills = board.top_skills
    out.append(charts.chart(
        "HorizontalBar", f"{prefix}skills", "Top skills",
        f"The skills carried by the most credentials issued {span} (up to {rules.TOP})"
        + ("; skills of fewer than 5 credentials are not listed." if kind == "platform" else "."),
        [r.name for r in skills], {"Credentials issued": [r.count for r in skills]}, first_column="Skill"))
    return out
