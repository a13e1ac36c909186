"""Operator use cases: maintenance windows (declared, edited, cancelled, announced to
every tenant), the monthly SLA ledger with service credits, issuer fees, operator keys.

The ledger's rules are in domain/sla.py; this module reads the facts they need: the
probed minutes of the month (and, for an incident that touches the month, as far back
and forward as that incident goes), the windows and each tenant's outage reports."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, cast

from ..domain import ids, sla
from ..domain.clock import as_utc, iso, parse_iso
from ..domain.errors import BadRequest, Conflict, NotFound, ValidationFailed
from ..store import issuers as issuer_store
from ..store import ops as store
from . import clock

if TYPE_CHECKING:
    from .. import schemas

_READ_BACK = timedelta(days=7)  # one probe-store read per step when following an incident across days


def overnight() -> sla.OvernightWindow:
    """The weekly overnight window: 18:00 to 02:00 America/Chicago, opening on the
    configured weekday (LAUREL_OVERNIGHT_WEEKDAY, default 6 = Sunday)."""
    from ..config import get_settings

    return sla.OvernightWindow(weekday=get_settings().overnight_weekday)


def create_operator_key(label: str | None = None) -> str:
    from ..config import get_settings

    key = f"{get_settings().api_key_prefix}operator_{ids.random_token()}"
    store.put_operator_key(ids.sha256_hex(key), {"key_id": ids.new_local_id(), "label": label,
                                                 "created_at": iso(clock.utcnow())})
    return key


# ------------------------------------------------------------------ maintenance windows


def _refuse_announced_at(data: Any) -> None:
    # Issue 16, item 4: "`announced_at` is set by the server when the window is declared
    # (it cannot be backdated)". Sending it at all (even null) is refused, so a client that
    # still sends it learns why instead of having it silently ignored.
    if "announced_at" in data.model_fields_set:
        raise ValidationFailed("announced_at is set by the server when the window is declared (or edited); "
                               "do not send it", code="server_set_field")


def _check_window(start: datetime, end: datetime) -> None:
    if any(not 2000 <= t.year <= 2999 for t in (start, end)):
        raise ValidationFailed("dates must lie between the years 2000 and 2999", code="invalid_window")
    if end <= start:
        raise ValidationFailed("a maintenance window must end after it starts", code="invalid_window")


def declare_maintenance(data: schemas.MaintenanceIn) -> dict:
    _refuse_announced_at(data)
    start, end = as_utc(data.start), as_utc(data.end)
    _check_window(start, end)
    if data.kind == "client_requested" and not data.client_id:
        raise ValidationFailed("client-requested maintenance names the client (tenant id)", code="invalid_window")
    if data.kind == "client_requested" and issuer_store.get_issuer(cast("str", data.client_id)) is None:
        raise ValidationFailed("client_id names no issuer", code="invalid_window")
    now = iso(clock.utcnow())
    item = store.put_window({
        "window_id": ids.new_local_id(), "start": iso(start), "end": iso(end), "reason": data.reason,
        "announced_at": now, "updated_at": now, "kind": data.kind, "client_id": data.client_id,
        "state": "scheduled", "version": 1,
        "notices": [{"start": iso(start), "end": iso(end), "announced_at": now}],
    })
    view = _window_view(item)
    _announce(view, "declared")
    return view


def _require_window(window_id: str) -> Any:
    item = store.get_window(window_id) if ids.LOCAL_ID.match(window_id or "") else None
    if item is None:
        raise NotFound("maintenance window not found")
    return item


def edit_maintenance(window_id: str, data: schemas.MaintenanceEditIn) -> dict:
    """Change a scheduled window's start, end or reason. Announced_at stays the first
    declaration; minutes the edit adds get a notice at the edit time (domain/sla.py
    ``renotice``), so a window moved earlier or made longer at short notice is not
    excludable for the added minutes (unless they lie in the overnight window)."""
    _refuse_announced_at(data)
    item = _require_window(window_id)
    if item.state == "cancelled":
        raise Conflict("a cancelled window cannot be edited", code="window_cancelled")
    old = _domain_window(item)
    start = as_utc(data.start) if data.start is not None else old.start
    end = as_utc(data.end) if data.end is not None else old.end
    _check_window(start, end)
    changes: dict[str, Any] = {}
    if (start, end) != (old.start, old.end):
        now = clock.utcnow()
        notices = sla.renotice(old.notices, start, end, now)
        changes.update(start=iso(start), end=iso(end), notices=[
            {"start": iso(n.start), "end": iso(n.end), "announced_at": iso(n.announced_at)} for n in notices])
    if data.reason is not None and data.reason != item.reason:
        changes["reason"] = data.reason
    if not changes:
        raise ValidationFailed("nothing to change", code="nothing_to_change")
    changes["updated_at"] = iso(clock.utcnow())
    if not store.update_window(item, changes):
        raise Conflict("the window changed meanwhile; read it again", code="concurrent_update")
    view = _window_view(item)
    _announce(view, "updated")
    return view


def cancel_maintenance(window_id: str) -> dict:
    """Cancel a window (``POST /ops/maintenance/{id}/cancel``): it stays listed, as
    cancelled, and excludes nothing. Cancelling twice is a 409."""
    item = _require_window(window_id)
    if item.state == "cancelled":
        raise Conflict("the window is cancelled already", code="window_cancelled")
    now = iso(clock.utcnow())
    if not store.update_window(item, {"state": "cancelled", "cancelled_at": now, "updated_at": now}):
        raise Conflict("the window changed meanwhile; read it again", code="concurrent_update")
    view = _window_view(item)
    _announce(view, "cancelled")
    return view


def _recipients(view: dict) -> list[str]:
    """Every tenant's active console admins and its support contact (the issuer's contact
    address, as services/support.py mails). A client-requested window concerns only its
    client, so only that tenant is told; the mail names no tenant either way.
    One mail per address, even for a person who is an admin of several tenants."""
    from ..store import members as member_store
    from .canary import customer_issuers

    seen: dict[str, None] = {}
    for issuer in customer_issuers():
        if issuer.offboarded_at or (view["kind"] == "client_requested" and issuer.tenant_id != view["client_id"]):
            continue
        for m in member_store.members(issuer.tenant_id):
            if m.role == "admin" and m.state == "active" and m.email:
                seen.setdefault(m.email.lower(), None)
        if issuer.email:
            seen.setdefault(issuer.email.lower(), None)
    return list(seen)


def _announce(view: dict, action: str) -> None:
    """Tell the tenants a window was declared, updated or cancelled (action). Courtesy
    mail: the window is stored already; a refused mail is logged and counted by notify."""
    from . import notify, status

    for to in _recipients(view):
        notify.send_maintenance(to, view, action)
    status.maintenance_changed(view, action)  # the public page, its feed and its subscribers


def _domain_window(w: Any) -> sla.MaintenanceWindow:
    notices = tuple(sla.Notice(parse_iso(n["start"]), parse_iso(n["end"]), parse_iso(n["announced_at"]))
                    for n in (w.notices or ()))
    return sla.MaintenanceWindow(start=parse_iso(w.start), end=parse_iso(w.end), reason=w.reason,
                                 announced_at=parse_iso(w.announced_at),
                                 kind=cast("sla.MaintenanceKind", w.kind),  # checked by MaintenanceWindow
                                 client_id=w.client_id, notices=notices, cancelled=w.state == "cancelled")


def _window_view(w: Any) -> dict:
    window = _domain_window(w)
    excludable, rule = sla.window_excludability(window, overnight())
    return {"id": w.window_id, "start": w.start, "end": w.end, "reason": w.reason, "kind": w.kind,
            "client_id": w.client_id, "announced_at": w.announced_at, "updated_at": w.updated_at or w.announced_at,
            "state": w.state or "scheduled", "cancelled_at": w.cancelled_at,
            "notice_hours": round(window.notice.total_seconds() / 3600, 2),
            "excludable": excludable, "excludable_rule": rule,
            "notices": [{"start": iso(n.start), "end": iso(n.end), "announced_at": iso(n.announced_at)}
                        for n in window.notices]}


def list_maintenance() -> list[dict]:
    """Every window (cancelled ones too), newest start first."""
    return sorted((_window_view(w) for w in store.windows()), key=lambda v: (v["start"], v["id"]), reverse=True)


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


# ------------------------------------------------------------------ the SLA report


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


def _month_text(month: tuple[int, int]) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


def _shift(month: tuple[int, int], delta: int) -> tuple[int, int]:
    n = month[0] * 12 + month[1] - 1 + delta
    return n // 12, n % 12 + 1


def _incident_outages(start: datetime, end: datetime, now: datetime) -> tuple[set[datetime], frozenset[datetime]]:
    """The month's outage minutes, plus those of any incident touching the month read
    as far back and forward as it goes (issue 16, item 3: "counted in each month they
    touch, whatever their length"; it used to read one day back). One probe-store
    read per week followed. Returns (outage minutes, the month's measured minutes)."""
    gap = sla.INCIDENT_GAP
    month = store.probe_minutes(start, end)
    outage = set(month.outage)
    lo = start
    while outage and min(outage) - lo <= gap:  # an earlier run could belong to the same incident
        chunk = store.probe_minutes(lo - _READ_BACK, lo).outage
        lo -= _READ_BACK
        if not chunk:
            break
        outage |= chunk
    hi = end
    while outage and hi < now and hi - (max(outage) + timedelta(minutes=1)) <= gap:
        chunk = store.probe_minutes(hi, min(hi + _READ_BACK, now)).outage
        hi += _READ_BACK
        if not chunk:
            break
        outage |= chunk
    return outage, month.probed


def _ledger_view(ledger: sla.Ledger) -> dict:
    rounded = ledger.availability_rounded
    return {"total_minutes": ledger.total_minutes, "measured_minutes": ledger.measured_minutes,
            "not_measured_minutes": ledger.not_measured_minutes, "coverage": str(ledger.coverage),
            "outage_minutes": ledger.outage_minutes, "excluded_minutes": ledger.excluded_minutes,
            "excluded_minutes_by_rule": dict(ledger.excluded_minutes_by_rule),
            "excluded_minutes_by_reason": dict(ledger.excluded_minutes_by_reason),
            "availability": None if rounded is None else str(rounded), "target": str(ledger.target),
            "met": ledger.met, "complete": ledger.complete}


def sla_report(month_text: str | None) -> dict:
    from . import support
    from .canary import customer_issuers

    now = clock.utcnow()
    month = parse_month(month_text, now)
    start, end = sla.month_bounds(month)
    through = min(now, end)
    outages, measured = _incident_outages(start, end, now)
    items = store.windows()
    windows = [_domain_window(w) for w in items]
    night = overnight()
    common: dict[str, Any] = {"measured": measured, "now": now, "overnight": night}
    platform = sla.monthly_ledger(month, outages, windows, **common)
    days = sla.daily_availability(month, outages, windows, **common)
    tenants = []
    # Every tenant with no outage report and no maintenance of its own has the same ledger:
    # computed once (a month's grid costs tens of milliseconds; tenants are many).
    shared: sla.Ledger | None = None
    for issuer in customer_issuers():
        reports = [sla.OutageReport(reported_at=r) for r in support.outage_reports(issuer.tenant_id)]
        own = any(w.kind == "client_requested" and w.client_id == issuer.tenant_id for w in windows)
        if reports or own:
            ledger = sla.tenant_ledger(month, outages, windows, reports, issuer.tenant_id, **common)
        else:
            shared = shared or sla.tenant_ledger(month, outages, windows, [], issuer.tenant_id, **common)
            ledger = shared
        fee = Decimal(issuer.monthly_fee or "0")
        tenants.append({"tenant_id": issuer.tenant_id, "name": issuer.name, "monthly_fee": str(fee),
                        "service_credit": str(ledger.service_credit(fee)), **_ledger_view(ledger)})
    incidents = [i for i in sla.find_incidents(outages) if i.start < end and i.end > start]
    latest_up = None
    if incidents:
        # The last incident is ongoing until some location sees the service up after it. Looking one
        # day past its end bounds the read (an old month's report does not read every month since);
        # probes silent for that whole day leave it ongoing: it is not known to be over.
        last = incidents[-1].end
        latest_up = store.probe_minutes(last, min(now, last + timedelta(days=1))).up
    next_month = _shift(month, 1)
    return {
        "month": _month_text(month),
        "previous_month": _month_text(_shift(month, -1)),
        "next_month": None if sla.month_bounds(next_month)[0] > now else _month_text(next_month),
        "now": iso(now),
        "measured_through": iso(through),
        "platform": _ledger_view(platform),
        "days": [{"day": d.day.isoformat(), "total_minutes": d.total_minutes, "measured_minutes": d.measured_minutes,
                  "not_measured_minutes": d.not_measured_minutes, "outage_minutes": d.outage_minutes,
                  "excluded_minutes": d.excluded_minutes, "excluded_minutes_by_rule": dict(d.excluded_minutes_by_rule),
                  "availability": None if d.availability is None else str(d.availability.quantize(
                      sla.DISPLAY, rounding=ROUND_DOWN))}
                 for d in days],
        "tenants": tenants,
        "maintenance": [v for v in list_maintenance() if v["start"] < iso(end) and v["end"] > iso(start)],
        "coverage": {"measured_minutes": platform.measured_minutes, "total_minutes": platform.total_minutes,
                     "coverage": str(platform.coverage), "locations": store.location_minutes(start, through)},
        "incidents": [{"start": iso(i.start), "end": iso(i.end), "outage_minutes": len(i.outage_minutes),
                       "ongoing": i is incidents[-1] and not latest_up} for i in incidents],
        "recent_probes": [{"minute": p.minute, "location": p.location, "outage": not p.up, "results": p.results}
                          for p in store.recent_probes(now, 10)],
    }
