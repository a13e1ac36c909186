"""The dashboard: the organization's credentials and their engagement over a range of
days (`?from=YYYY-MM-DD&to=YYYY-MM-DD`, by default the last 90 days), and one
template's. Every role may look. Drawn from the pre-aggregated counters only
(services/dashboard.py)."""

from __future__ import annotations

from typing import Any

from chalice import Response

from ... import http
from ...lazy import LazyModule
from . import guard, page, request

dashboard = LazyModule("chalicelib.services.dashboard")
insights = LazyModule("chalicelib.services.insights")
charts = LazyModule("chalicelib.web.charts")
drawn = LazyModule("chalicelib.web.dashboard")
web = LazyModule("chalicelib.web")


def _range() -> tuple[str | None, str | None]:
    return (http.query_param(request(), "from", max_length=10), http.query_param(request(), "to", max_length=10))


def _page(name: str, member: Any, board: Any, kind: str, **context: Any) -> Response:
    """A dashboard page: its charts' stylesheet goes in the head, allowed by its hash."""
    built = drawn.build(board, kind)
    css = charts.page_css(built)
    csp = web.content_security_policy(scripts=True, styles=(css,))
    return page(name, member, headers={"Content-Security-Policy": csp}, board=board, charts=built,
                chart_css=css, median=drawn.median_words(board.median_accept_seconds), **context)


@guard.member("/console/dashboard", action="dashboard.view")
def console_dashboard(member: Any) -> Response:
    # issue 20: the network's insights for the organization's template skills (groups under 10 hidden)
    return _page("console/dashboard.html", member, dashboard.tenant(member.tenant_id, *_range()), "tenant",
                 skill_insights=insights.for_tenant(member.tenant_id))


@guard.member("/console/dashboard/templates/{template_id}", action="dashboard.view")
def console_template_dashboard(member: Any, template_id: str) -> Response:
    template, board = dashboard.template(member.tenant_id, template_id, *_range())
    return _page("console/dashboard.html", member, board, "template", for_template=template)
