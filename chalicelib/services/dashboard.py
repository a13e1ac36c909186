"""The dashboard (issue 15 item 2) and the operators' platform trends (item 5).

Reads ONLY the pre-aggregated engagement counters (store/engagement.py) and the
tenant's template list, never a credential: the AWS calls of a dashboard do not grow
with the tenant's credential count ("Pre-aggregated counters keep the dashboard's cost
constant as the tenant grows"). The figures are computed by domain/dashboard.py.

A tenant's dashboard: its days from the range's start up to today (the pending level of
a week needs every later day's issued and pending_out, contract: "Pending level at the
end of day D = tenant_totals.issued - tenant_totals.pending_out - (sum of issued -
pending_out over days after D)"), its totals (one GetItem), its template-days of the
range and its templates (names). A template's dashboard: that template's days since the
template was created (no per-template totals exist: their sum is the total).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from ..domain import dashboard as rules
from ..domain.clock import parse_iso
from ..store import engagement as counters
from ..store import templates as template_store
from . import clock
from .templates import require as require_template


def _today() -> date:
    return clock.utcnow().date()


def tenant(tenant_id: str, start: str | None, end: str | None) -> rules.Dashboard:
    """A tenant's dashboard for the range `start`..`end` (YYYY-MM-DD; default the last 90 days)."""
    today = _today()
    first, last = rules.parse_range(start, end, today)
    days = counters.tenant_days(tenant_id, first, max(last, today))
    totals = counters.tenant_totals(tenant_id)
    template_days = counters.template_days(tenant_id, first, last)
    names = {t.template_id: t.name for t in template_store.all_for_tenant(tenant_id)}
    return rules.compute(first, last, days, totals, template_days, names)


def template(tenant_id: str, template_id: str, start: str | None, end: str | None) -> tuple[Any, rules.Dashboard]:
    """One template's dashboard (another tenant's template: 404, before any counter is read)."""
    item = require_template(tenant_id, template_id)
    today = _today()
    first, last = rules.parse_range(start, end, today)
    since = min(parse_iso(item.created_at).date(), first)
    days = [(day, c) for day, tid, c in counters.template_days(tenant_id, since, max(last, today))
            if tid == item.template_id]
    totals = rules.total(days)  # every day of the template since it was created
    return item, rules.compute(first, last, days, totals)


def platform(start: str | None, end: str | None) -> rules.Dashboard:
    """Every tenant's days summed (platform_days: no tenant id in them), as operators may see
    them (`rules.for_operators`: groups smaller than 5 hidden). The pending level
    is not shown: it needs totals, which exist per tenant only."""
    first, last = rules.parse_range(start, end, _today())
    return rules.for_operators(rules.compute(first, last, counters.platform_days(first, last)))


def as_json(board: rules.Dashboard) -> dict:
    """The issuer API's form of a dashboard (GET /analytics/dashboard)."""
    out = asdict(board)
    out["start"], out["end"] = board.start.isoformat(), board.end.isoformat()
    out["weeks"] = [{"week": w.week.label, "first_day": w.week.first.isoformat(), "last_day": w.week.last.isoformat(),
                     **{k: v for k, v in asdict(w).items() if k != "week"}} for w in board.weeks]
    for key in ("top_templates_issued", "top_templates_viewed"):
        out[key] = [{"template_id": r.key, "name": r.name, "count": r.count} for r in getattr(board, key)]
    out["top_skills"] = [{"skill": r.name, "count": r.count} for r in board.top_skills]
    return out
