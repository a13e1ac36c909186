"""The monthly summary mail (issue 15 item 3, optional): on the 1st, each admin who
opted in gets last month's figures of their organization: issued, accepted, declined,
revoked, expired, page views by people and shares, from the engagement counters (one
Query of the tenant's days: the cost does not grow with its credentials).

Runs on the MonthlySummary schedule (routes/jobs.py) and in `make run`'s scheduler."""

from __future__ import annotations

from ..domain import members as member_rules
from ..domain import reports as rules
from ..domain.clock import iso
from ..domain.errors import NotFound
from ..store import exports as store
from ..store import issuers as issuer_store
from ..store import members as member_store
from . import clock


def setting(member: member_rules.Member) -> bool:
    item = member_store.get_member(member.tenant_id, member.member_id)
    return bool(item and item.monthly_summary)


def set_setting(member: member_rules.Member, on: bool) -> None:
    member_rules.require(member, "account.summary")
    item = member_store.get_member(member.tenant_id, member.member_id)
    if item is None:
        raise NotFound("member not found")
    member_store.update_profile_fields(item, iso(clock.utcnow()), monthly_summary=on)


def send_monthly() -> dict:
    """Last month's summaries, once per month however often it runs."""
    from ..store import engagement
    from . import notify

    start, end, month = rules.previous_month(clock.utcnow().date())
    if not store.claim_month(month):
        return {"month": month, "skipped": True}
    sent = 0
    for issuer in issuer_store.all_issuers():
        if issuer.offboarded_at:
            continue
        admins = [m for m in member_store.members(issuer.tenant_id)
                  if m.role == "admin" and m.state == "active" and m.monthly_summary]
        if not admins:
            continue
        figures = rules.monthly_figures(c for _, c in engagement.tenant_days(issuer.tenant_id, start, end))
        for admin in admins:
            sent += notify.send_monthly_summary(admin.email, organization=issuer.name, month=month,
                                                figures=figures)
    return {"month": month, "sent": sent}
