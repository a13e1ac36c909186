"""Support requests: issuers open them with a proposed severity, operators confirm or
change it and move them open -> acknowledged -> resolved. Each shows its due time
(calendar targets from the contract), whether it is breached, and the support desk's
next staffed time. Mail goes to the issuer (and the support desk) on creation and on
every change. A request flagged as an outage report is the tenant's report for the SLA."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..config import get_settings
from ..domain import ids
from ..domain import support as rules
from ..domain.clock import iso, parse_iso
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..store import issuers as issuer_store
from ..store import ops as store
from . import clock, notify

if TYPE_CHECKING:
    from datetime import datetime

    from .. import schemas


def view(item: Any, now: datetime | None = None) -> dict:
    now = now or clock.utcnow()
    created = parse_iso(item.created_at)
    severity = int(item.severity)
    due = rules.due_at(severity, created)
    first = parse_iso(item.first_response_at) if item.first_response_at else None
    breaches = [{**e["breach"], "recorded_at": e["at"]} for e in (item.history or []) if e.get("breach")]
    return {
        "id": item.request_id, "tenant_id": item.tenant_id, "subject": item.subject,
        "description": item.description, "proposed_severity": int(item.proposed_severity), "severity": severity,
        "severity_name": rules.severity_info(severity).name, "severity_confirmed": bool(item.severity_confirmed),
        "outage_report": bool(item.outage_report), "state": item.state, "created_at": item.created_at,
        "first_response_at": item.first_response_at, "resolved_at": item.resolved_at,
        "due_at": iso(due) if due else None,
        # a breach under an earlier severity stays (issue 16, item 7): recorded with the change
        "breached": rules.is_breached(severity, created, first, now) or bool(breaches),
        "breaches": breaches,
        "next_staffed_time": iso(rules.next_staffed_time(now)),
        "history": item.history,
    }


def _notify(item: Any, what: str) -> None:
    issuer = issuer_store.get_issuer(item.tenant_id)
    recipients = [r for r in (issuer.email if issuer else None, get_settings().support_email) if r]
    v = view(item)
    for to in recipients:
        notify.send_support(to, v, what)  # a courtesy copy: the request itself is stored


def create(tenant_id: str, data: schemas.SupportIn) -> dict:
    now = iso(clock.utcnow())
    item = store.create_request({
        "request_id": ids.new_local_id(), "tenant_id": tenant_id, "subject": data.subject,
        "description": data.description, "proposed_severity": data.severity, "severity": data.severity,
        "outage_report": 1 if data.outage_report else 0, "state": rules.OPEN, "created_at": now,
        "history": [{"at": now, "by": "issuer", "event": "opened", "severity": data.severity}],
    })
    _notify(item, "opened")
    return view(item)


def _require(tenant_id: str, request_id: str) -> Any:
    valid = ids.TENANT_ID.match(tenant_id or "") and ids.LOCAL_ID.match(request_id or "")
    item = store.get_request(tenant_id, request_id) if valid else None
    if item is None:
        raise NotFound("support request not found")
    return item


def get(tenant_id: str, request_id: str) -> dict:
    return view(_require(tenant_id, request_id))


def list_for(tenant_id: str) -> list[dict]:
    now = clock.utcnow()
    return [view(i, now) for i in store.tenant_requests(tenant_id)]


def list_all() -> list[dict]:
    now = clock.utcnow()
    return sorted((view(i, now) for i in store.all_requests()), key=lambda v: (v["state"] == "resolved",
                                                                                v["severity"], v["created_at"]))


def outage_reports(tenant_id: str) -> list:
    return [parse_iso(i.created_at) for i in store.tenant_requests(tenant_id) if i.outage_report]


def operator_update(tenant_id: str, request_id: str, data: schemas.SupportUpdateIn) -> dict:
    item = _require(tenant_id, request_id)
    now = iso(clock.utcnow())
    changes: dict[str, Any] = {}
    events: list[str] = []
    breach = None
    if data.severity is not None:
        changes["severity"] = rules.confirm_severity(int(item.proposed_severity), data.severity)
        changes["severity_confirmed"] = 1
        events.append(f"severity {changes['severity']} confirmed")
        if changes["severity"] != int(item.severity):
            first = parse_iso(item.first_response_at) if item.first_response_at else None
            kept = rules.breach_kept(int(item.severity), parse_iso(item.created_at), first, parse_iso(now))
            if kept is not None:
                breach = {"severity": kept["severity"], "due_at": iso(kept["due_at"])}
    if data.state is not None and data.state != item.state:
        try:
            rules.transition(item.state, data.state)
        except ValueError as exc:
            raise Conflict(str(exc), code="invalid_state") from None
        changes["state"] = data.state
        if not item.first_response_at:
            changes["first_response_at"] = now
        if data.state == rules.RESOLVED:
            changes["resolved_at"] = now
        events.append(f"state {data.state}")
    if not changes:
        raise ValidationFailed("nothing to change", code="nothing_to_change")
    entry: dict[str, Any] = {"at": now, "by": "operator", "event": ", ".join(events), "note": data.note}
    if breach is not None:
        entry["breach"] = breach
    if not store.update_request(item, changes, entry, expect_state=item.state):
        raise Conflict("the request changed meanwhile; read it again", code="concurrent_update")
    _notify(item, ", ".join(events))
    return view(item)
