"""Operator use cases: maintenance windows, monthly SLA ledger with service credits,
issuer fees, operator keys."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, cast

from ..domain import ids, sla
from ..domain.clock import iso, parse_iso
from ..domain.errors import BadRequest, NotFound, ValidationFailed
from ..store import issuers as issuer_store
from ..store import ops as store
from . import clock

if TYPE_CHECKING:
    from .. import schemas

OVERNIGHT = sla.OvernightWindow(weekday=6)  # Sunday 18:00 to Monday 02:00, America/Chicago


def create_operator_key(label: str | None = None) -> str:
    from ..config import get_settings

    key = f"{get_settings().api_key_prefix}operator_{ids.random_token()}"
    store.put_operator_key(ids.sha256_hex(key), {"key_id": ids.new_local_id(), "label": label,
                                                 "created_at": iso(clock.utcnow())})
    return key


def declare_maintenance(data: schemas.MaintenanceIn) -> dict:
    from ..domain.clock import as_utc

    start, end = as_utc(data.start), as_utc(data.end)
    announced = as_utc(data.announced_at) if data.announced_at else clock.utcnow()
    if any(not 2000 <= t.year <= 2999 for t in (start, end, announced)):
        raise ValidationFailed("dates must lie between the years 2000 and 2999", code="invalid_window")
    if end <= start:
        raise ValidationFailed("a maintenance window must end after it starts", code="invalid_window")
    if data.kind == "client_requested" and not data.client_id:
        raise ValidationFailed("client-requested maintenance names the client (tenant id)", code="invalid_window")
    item = store.put_window({
        "window_id": ids.new_local_id(), "start": iso(start), "end": iso(end), "reason": data.reason,
        "announced_at": iso(announced), "kind": data.kind, "client_id": data.client_id,
    })
    return _window_view(item)


def _window_view(w: Any) -> dict:
    return {"id": w.window_id, "start": w.start, "end": w.end, "reason": w.reason, "announced_at": w.announced_at,
            "kind": w.kind, "client_id": w.client_id}


def list_maintenance() -> list[dict]:
    return [_window_view(w) for w in store.windows()]


def set_fee(tenant_id: str, fee: str) -> dict:
    try:
        value = Decimal(fee)
        ok = value.is_finite() and Decimal(0) <= value < Decimal("1e12") and value == value.quantize(Decimal("0.01"))
    except (InvalidOperation, ArithmeticError):
        ok = False
    if not ok:
        raise ValidationFailed("monthly_fee must be a non-negative amount with at most two decimals",
                               code="invalid_fee")
    item = issuer_store.get_issuer(tenant_id) if ids.TENANT_ID.match(tenant_id) else None
    if item is None:
        raise NotFound("issuer not found")
    issuer_store.update_issuer(item, {"monthly_fee": str(value)})
    return {"tenant_id": tenant_id, "monthly_fee": str(value)}


def parse_month(value: str | None, now: datetime) -> tuple[int, int]:
    if not value:
        return now.year, now.month
    try:
        year, month = (int(x) for x in value.split("-"))
        datetime(year, month, 1)
        if not 2000 <= year <= 2999:
            raise ValueError(year)
    except (ValueError, TypeError):
        raise BadRequest("month must be YYYY-MM (years 2000 to 2999)", code="invalid_query") from None
    return year, month


def _windows() -> list[sla.MaintenanceWindow]:
    return [sla.MaintenanceWindow(start=parse_iso(w.start), end=parse_iso(w.end), reason=w.reason,
                                  announced_at=parse_iso(w.announced_at),
                                  kind=cast("sla.MaintenanceKind", w.kind),  # checked by MaintenanceWindow
                                  client_id=w.client_id)
            for w in store.windows()]


def _outages(month: tuple[int, int]) -> list[datetime]:
    """The month's outage minutes and the last day of the month before (an outage that
    began then keeps its true start for the 24 h reporting rule)."""
    start, end = sla.month_bounds(month)
    return sorted(store.probe_minutes(start - timedelta(days=1), end).outage)


def _ledger_view(ledger: sla.Ledger) -> dict:
    return {"total_minutes": ledger.total_minutes, "outage_minutes": ledger.outage_minutes,
            "excluded_minutes_by_reason": dict(ledger.excluded_minutes_by_reason),
            "availability": str(ledger.availability_rounded), "target": str(ledger.target), "met": ledger.met}


def sla_report(month_text: str | None) -> dict:
    from . import support

    now = clock.utcnow()
    month = parse_month(month_text, now)
    outages, windows = _outages(month), _windows()
    platform = sla.monthly_ledger(month, outages, windows, overnight=OVERNIGHT)
    days = sla.daily_availability(month, outages, windows, overnight=OVERNIGHT)
    tenants = []
    for issuer in issuer_store.all_issuers():
        reports = [sla.OutageReport(reported_at=r) for r in support.outage_reports(issuer.tenant_id)]
        ledger = sla.tenant_ledger(month, outages, windows, reports, issuer.tenant_id, overnight=OVERNIGHT)
        fee = Decimal(issuer.monthly_fee or "0")
        tenants.append({"tenant_id": issuer.tenant_id, "name": issuer.name, "monthly_fee": str(fee),
                        **_ledger_view(ledger), "service_credit": str(ledger.service_credit(fee))})
    return {
        "month": f"{month[0]:04d}-{month[1]:02d}",
        "platform": _ledger_view(platform),
        "days": [{"day": d.day.isoformat(), "availability": str(d.availability), "outage_minutes": d.outage_minutes}
                 for d in days],
        "tenants": tenants,
        "maintenance": list_maintenance(),
        "recent_probes": [{"minute": p.minute, "location": p.location, "outage": not p.up, "results": p.results}
                          for p in store.recent_probes(now, 10)],
    }
