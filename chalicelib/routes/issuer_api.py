"""The issuer API (`Authorization: Bearer <API key>`): profile and keys, badge
templates, credentials, bulk jobs, LMS integrations, support requests, the audit
log and analytics. Every view gets the key's tenant id first; another tenant's ids
answer 404. Outbound webhooks have their own blueprint (webhooks_api.py).
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from .. import http
from ..lazy import LazyModule
from ._guards import Guard

bp = Blueprint(__name__)
guard = Guard(bp)

issuers = LazyModule("chalicelib.services.issuers")
templates = LazyModule("chalicelib.services.templates")
credentials = LazyModule("chalicelib.services.credentials")
bulk = LazyModule("chalicelib.services.bulk")
lms = LazyModule("chalicelib.services.lms")
support = LazyModule("chalicelib.services.support")
audit = LazyModule("chalicelib.services.audit")
analytics = LazyModule("chalicelib.services.analytics")
dashboard = LazyModule("chalicelib.services.dashboard")
exports = LazyModule("chalicelib.services.exports")

json = http.json_response


def _request() -> Any:
    return bp.current_request


def _page() -> dict[str, Any]:
    """`?limit=&cursor=` of a listing."""
    request = _request()
    return {"limit": http.limit_param(request), "cursor": http.query_param(request, "cursor", max_length=2000)}


# ---------------------------------------------------------------- issuer profile and keys


@guard.issuer("/issuer")
def get_issuer(tenant_id: str) -> Response:
    return json(issuers.get_profile(tenant_id))


@guard.issuer("/issuer", "PATCH", body="IssuerPatch")
def update_issuer(tenant_id: str, patch: Any) -> Response:
    return json(issuers.update_profile(tenant_id, patch))


@guard.issuer("/issuer/logo", "PUT")
def put_issuer_logo(tenant_id: str) -> Response:
    return json(issuers.set_logo(tenant_id, http.binary_body(_request(), "image/png")))


@guard.issuer("/issuer/api-keys")
def list_api_keys(tenant_id: str) -> Response:
    return json({"items": issuers.list_api_keys(tenant_id)})


@guard.issuer("/issuer/api-keys", "POST", body="ApiKeyIn", optional_body=True)
def create_api_key(tenant_id: str, data: Any) -> Response:
    key, view = issuers.create_api_key(tenant_id, label=data.label)
    return json({**view, "key": key}, status=201)


@guard.issuer("/issuer/api-keys/{key_id}", "DELETE")
def revoke_api_key(tenant_id: str, key_id: str) -> Response:
    return json(issuers.revoke_api_key(tenant_id, key_id))


# ---------------------------------------------------------------- badge templates


@guard.issuer("/templates", "POST", body="TemplateIn")
def create_template(tenant_id: str, data: Any) -> Response:
    return json(templates.create(tenant_id, data), status=201)


@guard.issuer("/templates")
def list_templates(tenant_id: str) -> Response:
    state = http.query_param(_request(), "state", choices=("draft", "active", "archived"))
    return json(templates.list_page(tenant_id, state=state, **_page()))


@guard.issuer("/templates/{template_id}")
def get_template(tenant_id: str, template_id: str) -> Response:
    return json(templates.get(tenant_id, template_id))


@guard.issuer("/templates/{template_id}", "PATCH", body="TemplatePatch")
def update_template(tenant_id: str, patch: Any, template_id: str) -> Response:
    return json(templates.update(tenant_id, template_id, patch))


@guard.issuer("/templates/{template_id}/image", "PUT")
def put_template_image(tenant_id: str, template_id: str) -> Response:
    request = _request()
    data = http.binary_body(request, "image/png", "image/svg+xml")
    return json(templates.set_image(tenant_id, template_id, data, http.content_type(request)))


@guard.issuer("/templates/{template_id}/activate", "POST")
def activate_template(tenant_id: str, template_id: str) -> Response:
    return json(templates.activate(tenant_id, template_id))


@guard.issuer("/templates/{template_id}/archive", "POST")
def archive_template(tenant_id: str, template_id: str) -> Response:
    return json(templates.archive(tenant_id, template_id))


# ---------------------------------------------------------------- credentials


@guard.issuer("/credentials", "POST", body="IssueIn")
def issue_credential(tenant_id: str, data: Any) -> Response:
    return json(credentials.issue(tenant_id, data), status=201)


@guard.issuer("/credentials")
def list_credentials(tenant_id: str) -> Response:
    request = _request()
    return json(credentials.list_page(
        tenant_id,
        template_id=http.query_param(request, "template_id", max_length=16),
        status=http.query_param(request, "status", choices=("pending", "accepted", "rejected", "revoked")),
        email=http.query_param(request, "email", max_length=320),
        **_page(),
    ))


@guard.issuer("/credentials/{credential_id}")
def get_credential(tenant_id: str, credential_id: str) -> Response:
    return json(credentials.get(tenant_id, credential_id))


@guard.issuer("/credentials/{credential_id}/revoke", "POST", body="RevokeIn")
def revoke_credential(tenant_id: str, data: Any, credential_id: str) -> Response:
    return json(credentials.revoke(tenant_id, credential_id, data))


@guard.issuer("/credentials/{credential_id}/recipient", "PUT", body="RecipientIn")
def correct_recipient(tenant_id: str, data: Any, credential_id: str) -> Response:
    """Send an unclaimed credential to a corrected address (issue 17)."""
    return json(credentials.correct_recipient(tenant_id, credential_id, data))


@guard.issuer("/credentials/{credential_id}/resend", "POST")
def resend_claim(tenant_id: str, credential_id: str) -> Response:
    return json(credentials.resend(tenant_id, credential_id))


# ---------------------------------------------------------------- bulk jobs


@guard.issuer("/bulk-jobs", "POST")
def create_bulk_job(tenant_id: str) -> Response:
    request = _request()
    job = bulk.submit(
        tenant_id, http.raw_body(request, limit=bulk.MAX_BYTES), http.content_type(request),
        mode=http.query_param(request, "mode", choices=("all_or_nothing", "valid_rows")),
        duplicate_policy=http.query_param(request, "duplicate_policy", choices=("deny", "allow")),
        suppress_email=http.query_param(request, "suppress_email", choices=("true", "false")),
    )
    return json(job, status=202)


@guard.issuer("/bulk-jobs/{job_id}")
def get_bulk_job(tenant_id: str, job_id: str) -> Response:
    return json(bulk.get_job(tenant_id, job_id))


@guard.issuer("/bulk-jobs/{job_id}/errors")
def get_bulk_job_errors(tenant_id: str, job_id: str) -> Response:
    """A short-lived link to a job's full row-error report (its `errors_url`)."""
    return json(bulk.errors_report(tenant_id, job_id))


# ---------------------------------------------------------------- LMS integrations


@guard.issuer("/integrations", "POST", body="IntegrationIn")
def create_integration(tenant_id: str, data: Any) -> Response:
    return json(lms.create(tenant_id, data), status=201)


@guard.issuer("/integrations")
def list_integrations(tenant_id: str) -> Response:
    return json({"items": lms.list_for(tenant_id)})


@guard.issuer("/integrations/{integration_id}")
def get_integration(tenant_id: str, integration_id: str) -> Response:
    return json(lms.get(tenant_id, integration_id))


@guard.issuer("/integrations/{integration_id}/rules", "PUT", body="IntegrationRulesIn")
def put_integration_rules(tenant_id: str, data: Any, integration_id: str) -> Response:
    return json(lms.update_rules(tenant_id, integration_id, data))


@guard.issuer("/integrations/{integration_id}/rotate-secret", "POST")
def rotate_integration_secret(tenant_id: str, integration_id: str) -> Response:
    return json(lms.rotate_secret(tenant_id, integration_id))


@guard.issuer("/integrations/{integration_id}/retire-secret", "POST")
def retire_integration_secret(tenant_id: str, integration_id: str) -> Response:
    return json(lms.retire_secret(tenant_id, integration_id))


@guard.issuer("/integrations/{integration_id}/disable", "POST")
def disable_integration(tenant_id: str, integration_id: str) -> Response:
    return json(lms.disable(tenant_id, integration_id))


@guard.issuer("/integrations/{integration_id}/events")
def integration_events(tenant_id: str, integration_id: str) -> Response:
    page = _page()
    return json(lms.events(tenant_id, integration_id, page["limit"], page["cursor"]))


# ---------------------------------------------------------------- support requests


@guard.issuer("/support-requests", "POST", body="SupportIn")
def open_support_request(tenant_id: str, data: Any) -> Response:
    return json(support.create(tenant_id, data), status=201)


@guard.issuer("/support-requests")
def list_support_requests(tenant_id: str) -> Response:
    return json({"items": support.list_for(tenant_id)})


@guard.issuer("/support-requests/{request_id}")
def get_support_request(tenant_id: str, request_id: str) -> Response:
    return json(support.get(tenant_id, request_id))


# ---------------------------------------------------------------- audit log and analytics


@guard.issuer("/audit")
def list_audit(tenant_id: str) -> Response:
    return json(audit.list_for_tenant(tenant_id, day=http.query_param(_request(), "day", max_length=10), **_page()))


@guard.issuer("/analytics")
def get_analytics(tenant_id: str) -> Response:
    return json(analytics.tenant_report(tenant_id))


@guard.issuer("/analytics/dashboard")
def get_dashboard(tenant_id: str) -> Response:
    """The console's dashboard as JSON (`?from=YYYY-MM-DD&to=YYYY-MM-DD`, default the last 90 days)."""
    request = _request()
    return json(dashboard.as_json(dashboard.tenant(tenant_id, http.query_param(request, "from", max_length=10),
                                                   http.query_param(request, "to", max_length=10))))


@guard.issuer("/analytics/templates/{template_id}")
def get_template_analytics(tenant_id: str, template_id: str) -> Response:
    return json(analytics.template_report(tenant_id, template_id))


# ---------------------------------------------------------------- reports and exports (issue 15)


@guard.issuer("/export-jobs", "POST", body="ExportJobIn")
def create_export(tenant_id: str, data: Any) -> Response:
    """An export job: the awards CSV of a range (of one template), or the organization
    as a ZIP. 202: poll GET /export-jobs/{id} until `state` is completed, then follow `url`
    (valid `expires_in` seconds; ask again for a fresh one)."""
    return json(exports.request_for_api(tenant_id, data), status=202)


@guard.issuer("/export-jobs/{export_id}")
def get_export(tenant_id: str, export_id: str) -> Response:
    return json(exports.api_job(tenant_id, export_id))


@guard.issuer("/export-jobs/{export_id}/resume", "POST")
def resume_export(tenant_id: str, export_id: str) -> Response:
    """Queue a stalled job's next step again (409 `not_stalled` while it moves)."""
    return json(exports.resume_for_api(tenant_id, export_id), status=202)
