"""Operations (`Authorization: Bearer <operator key>`): the SLA ledger, maintenance,
fees, support requests of every tenant, data-rights requests, tenant offboarding
and the platform audit log. Every write is audited with the operator key's id.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from .. import http
from ..lazy import LazyModule
from ._guards import Guard

bp = Blueprint(__name__)
guard = Guard(bp)

ops = LazyModule("chalicelib.services.ops")
issuers = LazyModule("chalicelib.services.issuers")
support = LazyModule("chalicelib.services.support")
rights = LazyModule("chalicelib.services.rights")
offboarding = LazyModule("chalicelib.services.offboarding")
audit = LazyModule("chalicelib.services.audit")
web = LazyModule("chalicelib.web")
dashboard = LazyModule("chalicelib.services.dashboard")
rules = LazyModule("chalicelib.domain.dashboard")
charts = LazyModule("chalicelib.web.charts")
drawn = LazyModule("chalicelib.web.dashboard")
sla_page = LazyModule("chalicelib.web.sla")
canary = LazyModule("chalicelib.services.canary")
signing = LazyModule("chalicelib.services.signing")

json = http.json_response


def _progress(result: dict) -> Response:
    """An offboarding run: 200 when done, 202 while the bulk worker finishes it."""
    return json(result, status=200 if result["state"] == "completed" else 202)


@guard.operator("/ops/sla")
def ops_sla() -> Response:
    """The month's SLA ledger (`?month=YYYY-MM`): JSON for `Accept: application/json`, else
    the page with its per-day charts (web/sla.py), their stylesheet allowed by its hash."""
    request = bp.current_request
    report = ops.sla_report(http.query_param(request, "month", max_length=7))
    if http.wants_json(request):
        return json(report)
    context = sla_page.build(report)
    return web.page("ops_sla.html", 200,
                    {"Content-Security-Policy": web.content_security_policy(styles=(context["chart_css"],))},
                    **context)


@guard.operator("/ops/trends")
def ops_trends() -> Response:
    """Platform trends across tenants (`?from=YYYY-MM-DD&to=YYYY-MM-DD`): aggregated only,
    every group smaller than 5 hidden (services/dashboard.py, domain/dashboard.py)."""
    request = bp.current_request
    board = dashboard.platform(http.query_param(request, "from", max_length=10),
                               http.query_param(request, "to", max_length=10))
    if http.wants_json(request):
        return json(dashboard.as_json(board))
    built = drawn.build(board, "platform")
    css = charts.page_css(built)
    return web.page("ops_trends.html", 200, {"Content-Security-Policy": web.content_security_policy(styles=(css,))},
                    board=board, charts=built, chart_css=css, median=rules.duration_words(board.median_accept_seconds))


@guard.operator("/ops/issuers", "POST", body="OrganizationIn")
def ops_create_issuer(data: Any) -> Response:
    """A new organization: its profile, first API key (shown once) and first console admin."""
    return json(issuers.create_organization(data, str(data.admin_email) if data.admin_email else None), status=201)


@guard.operator("/ops/canary", "POST")
def ops_canary() -> Response:
    """The uptime canary the probes verify (services/canary.py): created once, 201; 200 after."""
    made = canary.ensure()
    return json(made, status=201 if made["created"] else 200)


@guard.operator("/ops/keys/rotate", "POST", body="KeyRotationIn")
def ops_rotate_keys(data: Any) -> Response:
    """A signing-key rotation (`{"kind": "ed25519"}` or `{"kind": "rsa", "kms_key_id": ...}`):
    the new key signs from now on, every earlier one stays published (services/signing.py)."""
    return json(signing.rotate(data.kind, data.kms_key_id), status=201)


@guard.operator("/ops/maintenance", "POST", body="MaintenanceIn")
def ops_declare_maintenance(data: Any) -> Response:
    return json(ops.declare_maintenance(data), status=201)


@guard.operator("/ops/maintenance")
def ops_list_maintenance() -> Response:
    return json({"items": ops.list_maintenance()})


@guard.operator("/ops/maintenance/{window_id}", "PUT", body="MaintenanceEditIn")
def ops_edit_maintenance(data: Any, window_id: str) -> Response:
    """Move, extend, shorten or re-word a window; minutes it adds get a new notice."""
    return json(ops.edit_maintenance(window_id, data))


@guard.operator("/ops/maintenance/{window_id}/cancel", "POST")
def ops_cancel_maintenance(window_id: str) -> Response:
    """Cancel a window: it stays listed as cancelled and excludes nothing."""
    return json(ops.cancel_maintenance(window_id))


@guard.operator("/ops/issuers/{tenant_id}/fee", "PUT", body="FeeIn")
def ops_set_fee(data: Any, tenant_id: str) -> Response:
    return json(ops.set_fee(tenant_id, data.monthly_fee))


@guard.operator("/ops/support-requests")
def ops_support_requests() -> Response:
    return json({"items": support.list_all()})


@guard.operator("/ops/support-requests/{tenant_id}/{request_id}", "POST", body="SupportUpdateIn")
def ops_update_support_request(data: Any, tenant_id: str, request_id: str) -> Response:
    return json(support.operator_update(tenant_id, request_id, data))


# ---------------------------------------------------------------- data-rights requests (by address)


@guard.operator("/ops/data-requests/export", "POST", body="DataRequestIn")
def ops_data_export(data: Any) -> Response:
    """Access request: the person's data, mailed to their own address only."""
    return json(rights.export_on_request(str(data.email)), status=202)


@guard.operator("/ops/data-requests/restrict", "POST", body="DataRequestIn")
def ops_data_restrict(data: Any) -> Response:
    return json(rights.restrict_on_request(str(data.email)))


@guard.operator("/ops/data-requests/rectify", "POST", body="RectifyIn")
def ops_data_rectify(data: Any) -> Response:
    """Rectification request: the display name the person's account shows."""
    return json(rights.rectify_on_request(str(data.email), data.display_name))


@guard.operator("/ops/data-requests/erase", "POST", body="DataRequestIn")
def ops_data_erase(data: Any) -> Response:
    """Erasure request: the whole account if the address has one. `confirm: "erase"` is required."""
    return json(rights.erase_on_request(str(data.email), confirm=data.confirm))


# ---------------------------------------------------------------- tenant offboarding


@guard.operator("/ops/issuers/{tenant_id}/offboarding", "POST")
def ops_offboarding_dry_run(tenant_id: str) -> Response:
    return json(offboarding.dry_run(tenant_id))


@guard.operator("/ops/issuers/{tenant_id}/offboarding/confirm", "POST", body="TokenIn")
def ops_offboarding_confirm(data: Any, tenant_id: str) -> Response:
    return _progress(offboarding.confirm(tenant_id, data.token))


@guard.operator("/ops/issuers/{tenant_id}/offboarding/continue", "POST")
def ops_offboarding_continue(tenant_id: str) -> Response:
    return _progress(offboarding.resume(tenant_id))


@guard.operator("/ops/issuers/{tenant_id}/offboarding")
def ops_offboarding_status(tenant_id: str) -> Response:
    return json(offboarding.status(tenant_id))


@guard.operator("/ops/audit")
def ops_audit() -> Response:
    request = bp.current_request
    return json(audit.list_all(
        day=http.query_param(request, "day", max_length=10),
        tenant_id=http.query_param(request, "tenant_id", max_length=16),
        limit=http.limit_param(request),
        cursor=http.query_param(request, "cursor", max_length=2000),
    ))


# ---------------------------------------------------------------- status page incidents (issue 16)

status = LazyModule("chalicelib.services.status")


@guard.operator("/ops/incidents", "POST", body="IncidentIn")
def ops_create_incident(data: Any) -> Response:
    """A new incident on the public status page, with its first update; subscribers are mailed."""
    return json(status.create_incident(data), status=201)


@guard.operator("/ops/incidents/{incident_id}/updates", "POST", body="IncidentUpdateIn")
def ops_update_incident(data: Any, incident_id: str) -> Response:
    """An update of an incident (`status: resolved` resolves it); subscribers are mailed."""
    return json(status.post_update(incident_id, data), status=201)


@guard.operator("/ops/incidents")
def ops_list_incidents() -> Response:
    return json(status.list_incidents())
