"""Laurel's entry points: routes only.

Each route parses its request, calls one service function and maps the result.
Services are imported lazily (see chalicelib/lazy.py) to keep cold starts short.
"""

from __future__ import annotations

import functools
import re

from chalice import Chalice, Response

from chalicelib import http
from chalicelib.config import get_settings
from chalicelib.domain.errors import Gone, LaurelError, NotFound
from chalicelib.lazy import LazyModule
from chalicelib.logs import logger as _logger

app = Chalice(app_name="laurel", configure_logs=False)
logger = _logger()  # redacts addresses, tokens and keys from every line (chalicelib/logs.py)

auth = LazyModule("chalicelib.services.auth")
audit = LazyModule("chalicelib.services.audit")
issuers = LazyModule("chalicelib.services.issuers")
templates = LazyModule("chalicelib.services.templates")
credentials = LazyModule("chalicelib.services.credentials")
claims = LazyModule("chalicelib.services.claims")
badge_check = LazyModule("chalicelib.services.badge_check")
imports = LazyModule("chalicelib.services.imports")
lms = LazyModule("chalicelib.services.lms")
bulk = LazyModule("chalicelib.services.bulk")
ops = LazyModule("chalicelib.services.ops")
support = LazyModule("chalicelib.services.support")
offboarding = LazyModule("chalicelib.services.offboarding")


analytics = LazyModule("chalicelib.services.analytics")
verification = LazyModule("chalicelib.services.verification")
openbadges = LazyModule("chalicelib.services.openbadges")
signing = LazyModule("chalicelib.services.signing")
schemas = LazyModule("chalicelib.schemas")
web = LazyModule("chalicelib.web")
mail = LazyModule("chalicelib.adapters.mail")

ANY_BODY = [http.JSON, http.FORM, "image/png", "image/svg+xml", "text/plain", "text/csv", "application/octet-stream",
            "multipart/form-data"]
app.api.binary_types.append("image/svg+xml")


def _errors(view):
    """Map Laurel's errors to JSON 4xx answers; log anything unexpected."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except LaurelError as exc:
            return http.error_response(exc)

    return wrapper


def _guarded_route(path: str, methods: tuple[str, ...], authenticate, audience: str):
    """Register `view` behind `authenticate(authorization header)`, which returns the
    actor (for the audit log) and what, if anything, is passed to the view as its
    first argument. Every write an authenticated actor makes is audited here."""

    def decorator(view):
        answer = _errors(view)

        @_errors
        def handler(**params):
            request = app.current_request
            actor, who = authenticate(request.headers.get("authorization"))
            response = answer(**params) if who is None else answer(who, **params)
            audit.record_request(request, actor, response.status_code)
            return response

        handler.__name__ = view.__name__
        handler.__doc__ = view.__doc__
        handler.laurel_audience = audience  # read by chalicelib/openapi.py
        app.route(path, methods=list(methods), content_types=ANY_BODY)(handler)
        return view

    return decorator


def issuer_route(path: str, methods: tuple[str, ...] = ("GET",)):
    """A route of the issuer API: `Authorization: Bearer <key>` names the tenant."""
    return _guarded_route(path, methods, _issuer, "issuer")


def _issuer(header):
    principal = auth.authenticate(header)
    return audit.Actor("api_key", principal.key_id, principal.tenant_id), principal.tenant_id


def public_route(path: str, methods: tuple[str, ...] = ("GET",)):
    def decorator(view):
        app.route(path, methods=list(methods), content_types=ANY_BODY)(_errors(view))
        return view

    return decorator


from chalicelib.routes_webhooks import register as register_webhooks  # noqa: E402

register_webhooks(app)

from chalicelib.routes_wallet import register as register_wallet  # noqa: E402

register_wallet(app)


@app.middleware("http")
def uniform_errors(event, get_response):
    """Chalice's own error answers (405, 415, 500) get Laurel's error shape too."""
    response = get_response(event)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and set(body) == {"Code", "Message"}:
        code = re.sub(r"(?<!^)(?=[A-Z])", "_", body["Code"]).lower()
        if response.status_code >= 500:
            logger.error("unhandled error", extra={"path": event.path})
        response.body = {"error": {"code": code, "message": body["Message"]}}
    return response


# ---------------------------------------------------------------- health


@public_route("/health")
def health():
    return http.json_response({"status": "ok", "stage": get_settings().stage})


@public_route("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 description of the issuer and public API."""
    from chalicelib import openapi

    return Response(body=openapi.document_json(app), status_code=200,
                    headers={"Content-Type": http.JSON, "Cache-Control": "public, max-age=300",
                             "Access-Control-Allow-Origin": "*"})


# ---------------------------------------------------------------- issuer profile and keys


@issuer_route("/issuer")
def get_issuer(tenant_id):
    return http.json_response(issuers.get_profile(tenant_id))


@issuer_route("/issuer", methods=("PATCH",))
def update_issuer(tenant_id):
    patch = http.parse_json(app.current_request, schemas.IssuerPatch)
    return http.json_response(issuers.update_profile(tenant_id, patch))


@issuer_route("/issuer/logo", methods=("PUT",))
def put_issuer_logo(tenant_id):
    png = http.binary_body(app.current_request, "image/png")
    return http.json_response(issuers.set_logo(tenant_id, png))


@issuer_route("/issuer/api-keys")
def list_api_keys(tenant_id):
    return http.json_response({"items": issuers.list_api_keys(tenant_id)})


@issuer_route("/issuer/api-keys", methods=("POST",))
def create_api_key(tenant_id):
    data = http.parse_json(app.current_request, schemas.ApiKeyIn, allow_empty=True)
    key, view = issuers.create_api_key(tenant_id, label=data.label)
    return http.json_response({**view, "key": key}, status=201)


@issuer_route("/issuer/api-keys/{key_id}", methods=("DELETE",))
def revoke_api_key(tenant_id, key_id):
    return http.json_response(issuers.revoke_api_key(tenant_id, key_id))


# ---------------------------------------------------------------- badge templates


@issuer_route("/templates", methods=("POST",))
def create_template(tenant_id):
    data = http.parse_json(app.current_request, schemas.TemplateIn)
    return http.json_response(templates.create(tenant_id, data), status=201)


@issuer_route("/templates")
def list_templates(tenant_id):
    request = app.current_request
    return http.json_response(
        templates.list_page(
            tenant_id,
            state=http.query_param(request, "state", choices=("draft", "active", "archived")),
            limit=http.limit_param(request),
            cursor=http.query_param(request, "cursor", max_length=2000),
        )
    )


@issuer_route("/templates/{template_id}")
def get_template(tenant_id, template_id):
    return http.json_response(templates.get(tenant_id, template_id))


@issuer_route("/templates/{template_id}", methods=("PATCH",))
def update_template(tenant_id, template_id):
    patch = http.parse_json(app.current_request, schemas.TemplatePatch)
    return http.json_response(templates.update(tenant_id, template_id, patch))


@issuer_route("/templates/{template_id}/image", methods=("PUT",))
def put_template_image(tenant_id, template_id):
    request = app.current_request
    data = http.binary_body(request, "image/png", "image/svg+xml")
    return http.json_response(templates.set_image(tenant_id, template_id, data, http.content_type(request)))


@issuer_route("/templates/{template_id}/activate", methods=("POST",))
def activate_template(tenant_id, template_id):
    return http.json_response(templates.activate(tenant_id, template_id))


@issuer_route("/templates/{template_id}/archive", methods=("POST",))
def archive_template(tenant_id, template_id):
    return http.json_response(templates.archive(tenant_id, template_id))


# ---------------------------------------------------------------- credentials (issuer side)


@issuer_route("/credentials", methods=("POST",))
def issue_credential(tenant_id):
    data = http.parse_json(app.current_request, schemas.IssueIn)
    return http.json_response(credentials.issue(tenant_id, data), status=201)


@issuer_route("/credentials")
def list_credentials(tenant_id):
    request = app.current_request
    return http.json_response(
        credentials.list_page(
            tenant_id,
            template_id=http.query_param(request, "template_id", max_length=16),
            status=http.query_param(request, "status", choices=("pending", "accepted", "rejected", "revoked")),
            email=http.query_param(request, "email", max_length=320),
            limit=http.limit_param(request),
            cursor=http.query_param(request, "cursor", max_length=2000),
        )
    )


@issuer_route("/credentials/{credential_id}")
def get_credential(tenant_id, credential_id):
    return http.json_response(credentials.get(tenant_id, credential_id))


@issuer_route("/credentials/{credential_id}/revoke", methods=("POST",))
def revoke_credential(tenant_id, credential_id):
    data = http.parse_json(app.current_request, schemas.RevokeIn)
    return http.json_response(credentials.revoke(tenant_id, credential_id, data))


@issuer_route("/credentials/{credential_id}/resend", methods=("POST",))
def resend_claim(tenant_id, credential_id):
    return http.json_response(credentials.resend(tenant_id, credential_id))


# ---------------------------------------------------------------- support requests (issuers)


@issuer_route("/support-requests", methods=("POST",))
def open_support_request(tenant_id):
    data = http.parse_json(app.current_request, schemas.SupportIn)
    return http.json_response(support.create(tenant_id, data), status=201)


@issuer_route("/support-requests")
def list_support_requests(tenant_id):
    return http.json_response({"items": support.list_for(tenant_id)})


@issuer_route("/support-requests/{request_id}")
def get_support_request(tenant_id, request_id):
    return http.json_response(support.get(tenant_id, request_id))


# ---------------------------------------------------------------- audit log and analytics (issuers)


@issuer_route("/audit")
def list_audit(tenant_id):
    request = app.current_request
    return http.json_response(audit.list_for_tenant(
        tenant_id,
        day=http.query_param(request, "day", max_length=10),
        limit=http.limit_param(request),
        cursor=http.query_param(request, "cursor", max_length=2000),
    ))


@issuer_route("/analytics")
def get_analytics(tenant_id):
    return http.json_response(analytics.tenant_report(tenant_id))


@issuer_route("/analytics/templates/{template_id}")
def get_template_analytics(tenant_id, template_id):
    return http.json_response(analytics.template_report(tenant_id, template_id))


# ---------------------------------------------------------------- operations (operator key)


def operator_route(path: str, methods: tuple[str, ...] = ("GET",)):
    """An operations route: an operator key, nothing passed to the view."""
    return _guarded_route(path, methods, _operator, "operator")


def _operator(header):
    return audit.Actor("operator", auth.authenticate_operator(header)), None


@operator_route("/ops/sla")
def ops_sla():
    request = app.current_request
    report = ops.sla_report(http.query_param(request, "month", max_length=7))
    if http.wants_json(request):
        return http.json_response(report)
    return _html("ops_sla.html", r=report, chart=ops.chart_svg(report["days"]))


@operator_route("/ops/maintenance", methods=("POST",))
def ops_declare_maintenance():
    data = http.parse_json(app.current_request, schemas.MaintenanceIn)
    return http.json_response(ops.declare_maintenance(data), status=201)


@operator_route("/ops/maintenance")
def ops_list_maintenance():
    return http.json_response({"items": ops.list_maintenance()})


@operator_route("/ops/issuers/{tenant_id}/fee", methods=("PUT",))
def ops_set_fee(tenant_id):
    data = http.parse_json(app.current_request, schemas.FeeIn)
    return http.json_response(ops.set_fee(tenant_id, data.monthly_fee))


@operator_route("/ops/support-requests")
def ops_support_requests():
    return http.json_response({"items": support.list_all()})


@operator_route("/ops/support-requests/{tenant_id}/{request_id}", methods=("POST",))
def ops_update_support_request(tenant_id, request_id):
    data = http.parse_json(app.current_request, schemas.SupportUpdateIn)
    return http.json_response(support.operator_update(tenant_id, request_id, data))


rights = LazyModule("chalicelib.services.rights")


@operator_route("/ops/data-requests/export", methods=("POST",))
def ops_data_export():
    """Access request: the person's data, mailed to their own address only."""
    data = http.parse_json(app.current_request, schemas.DataRequestIn)
    return http.json_response(rights.export(rights.person_of_email(str(data.email)), send_to=str(data.email)),
                              status=202)


@operator_route("/ops/data-requests/restrict", methods=("POST",))
def ops_data_restrict():
    data = http.parse_json(app.current_request, schemas.DataRequestIn)
    return http.json_response(rights.restrict(rights.person_of_email(str(data.email))))


@operator_route("/ops/data-requests/rectify", methods=("POST",))
def ops_data_rectify():
    """Rectification request: the display name the person's account shows."""
    data = http.parse_json(app.current_request, schemas.RectifyIn)
    return http.json_response(rights.rectify(rights.person_of_email(str(data.email)), data.display_name))


@operator_route("/ops/data-requests/erase", methods=("POST",))
def ops_data_erase():
    """Erasure request: the whole account if the address has one. `confirm: "erase"` is required."""
    data = http.parse_json(app.current_request, schemas.DataRequestIn)
    return http.json_response(rights.erase_on_request(str(data.email), confirm=data.confirm))


@operator_route("/ops/issuers/{tenant_id}/offboarding", methods=("POST",))
def ops_offboarding_dry_run(tenant_id):
    return http.json_response(offboarding.dry_run(tenant_id))


@operator_route("/ops/issuers/{tenant_id}/offboarding/confirm", methods=("POST",))
def ops_offboarding_confirm(tenant_id):
    data = http.parse_json(app.current_request, schemas.TokenIn)
    result = offboarding.confirm(tenant_id, data.token)
    return http.json_response(result, status=200 if result["state"] == "completed" else 202)


@operator_route("/ops/issuers/{tenant_id}/offboarding/continue", methods=("POST",))
def ops_offboarding_continue(tenant_id):
    result = offboarding.resume(tenant_id)
    return http.json_response(result, status=200 if result["state"] == "completed" else 202)


@operator_route("/ops/issuers/{tenant_id}/offboarding")
def ops_offboarding_status(tenant_id):
    return http.json_response(offboarding.status(tenant_id))


@operator_route("/ops/audit")
def ops_audit():
    request = app.current_request
    return http.json_response(audit.list_all(
        day=http.query_param(request, "day", max_length=10),
        tenant_id=http.query_param(request, "tenant_id", max_length=16),
        limit=http.limit_param(request),
        cursor=http.query_param(request, "cursor", max_length=2000),
    ))


@app.schedule("rate(1 minute)")
def uptime_probe(event):
    from chalicelib.services import probes

    return probes.run()


# ---------------------------------------------------------------- bulk jobs


@issuer_route("/bulk-jobs", methods=("POST",))
def create_bulk_job(tenant_id):
    request = app.current_request
    options = bulk.JobOptions(
        mode=http.query_param(request, "mode", choices=("all_or_nothing", "valid_rows")) or "all_or_nothing",
        duplicate_policy=http.query_param(request, "duplicate_policy", choices=("deny", "allow")) or "deny",
        suppress_email=(http.query_param(request, "suppress_email", choices=("true", "false")) == "true"),
    )
    body = http.raw_body(request, limit=bulk.MAX_BYTES)
    return http.json_response(bulk.create_job(tenant_id, body, http.content_type(request), options), status=202)


@issuer_route("/bulk-jobs/{job_id}")
def get_bulk_job(tenant_id, job_id):
    return http.json_response(bulk.get_job(tenant_id, job_id))


@issuer_route("/bulk-jobs/{job_id}/errors")
def get_bulk_job_errors(tenant_id, job_id):
    """A short-lived link to a job's full row-error report (its `errors_url`)."""
    return http.json_response(bulk.errors_report(tenant_id, job_id))


def _bulk_records(event):
    """Powertools batch processing: each failed record is reported, the rest are done."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    def handle(record):
        import json

        message = json.loads(record.body)
        if "offboarding" in message:  # a tenant's offboarding, continued where the last run stopped
            offboarding.continue_from_queue(message["offboarding"], getattr(app, "lambda_context", None))
        else:
            bulk.process_chunk(message)

    return process_partial_response(event=event.to_dict(), record_handler=handle,
                                    processor=BatchProcessor(event_type=EventType.SQS),
                                    context=getattr(app, "lambda_context", None))


@app.on_sqs_message(queue=get_settings().bulk_queue, batch_size=5)
def bulk_worker(event):
    return _bulk_records(event)


@app.schedule("cron(15 0 * * ? *)")
def expiry_sweep(event):
    """Daily at 00:15 UTC: expired credentials and 30-day reminders."""
    from chalicelib.services import expiry

    return expiry.sweep()


@app.schedule("cron(0 6 * * ? *)")
def weekly_issuance(event):
    """Daily at 06:00 UTC: issue the completions queued for today's weekday."""
    from chalicelib.services.clock import utcnow

    weekday = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")[utcnow().weekday()]
    return {"weekday": weekday, "jobs": bulk.issue_scheduled(weekday)}


# ---------------------------------------------------------------- LMS integrations


@issuer_route("/integrations", methods=("POST",))
def create_integration(tenant_id):
    data = http.parse_json(app.current_request, schemas.IntegrationIn)
    return http.json_response(lms.create(tenant_id, data), status=201)


@issuer_route("/integrations")
def list_integrations(tenant_id):
    return http.json_response({"items": lms.list_for(tenant_id)})


@issuer_route("/integrations/{integration_id}")
def get_integration(tenant_id, integration_id):
    return http.json_response(lms.integration_view(lms.require(tenant_id, integration_id)))


@issuer_route("/integrations/{integration_id}/rules", methods=("PUT",))
def put_integration_rules(tenant_id, integration_id):
    data = http.parse_json(app.current_request, schemas.IntegrationRulesIn)
    return http.json_response(lms.update_rules(tenant_id, integration_id, data))


@issuer_route("/integrations/{integration_id}/rotate-secret", methods=("POST",))
def rotate_integration_secret(tenant_id, integration_id):
    return http.json_response(lms.rotate_secret(tenant_id, integration_id))


@issuer_route("/integrations/{integration_id}/retire-secret", methods=("POST",))
def retire_integration_secret(tenant_id, integration_id):
    return http.json_response(lms.retire_secret(tenant_id, integration_id))


@issuer_route("/integrations/{integration_id}/disable", methods=("POST",))
def disable_integration(tenant_id, integration_id):
    return http.json_response(lms.disable(tenant_id, integration_id))


@issuer_route("/integrations/{integration_id}/events")
def integration_events(tenant_id, integration_id):
    request = app.current_request
    return http.json_response(lms.events(tenant_id, integration_id, http.limit_param(request),
                                         http.query_param(request, "cursor", max_length=2000)))


@public_route("/hooks/lms/{integration_id}", methods=("POST",))
def lms_hook(integration_id):
    request = app.current_request
    result = lms.receive(integration_id, request.headers.get("laurel-signature"), http.raw_body(request),
                         getattr(app, "lambda_context", None))
    return http.json_response(result, status=202 if result["status"] in ("ignored", "scheduled") else 200)


# ---------------------------------------------------------------- public: verification


def _page(status: int, title: str, message: str) -> Response:
    return web.page("message.html", status, title=title, message=message, link=None)


@app.route("/badges/{credential_id}", methods=["GET"])
@_errors
def verify_credential(credential_id):
    request = app.current_request
    as_json = credential_id.endswith(".json") or http.wants_json(request)
    credential_id = credential_id.removesuffix(".json")
    try:
        result = verification.verify(credential_id)
    except (NotFound, Gone) as exc:
        if as_json:
            return http.json_response(exc.to_body(), exc.status)
        return _page(exc.status, "Credential not found" if exc.status == 404 else "Credential removed", exc.message)
    if as_json:
        import json

        body = json.dumps({k: v for k, v in result.items() if k != "json_url"}, separators=(",", ":"))
        return http.cached(request, body, content_type=http.JSON, headers={}, max_age=60)
    body = web.render("verify.html", c=result)
    return http.cached(request, body, content_type="text/html; charset=utf-8", headers=web.page_headers(), max_age=60)


# ---------------------------------------------------------------- public: Open Badges documents


def _document(request, doc: dict, content_type: str) -> Response:
    import json

    body = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    return http.cached(request, body, content_type=content_type, headers={"Access-Control-Allow-Origin": "*"},
                       max_age=60)


def _ld(doc: dict) -> Response:
    return _document(app.current_request, doc, "application/ld+json")


@app.route("/ob/v2/assertions/{credential_id}", methods=["GET"])
@_errors
def ob2_assertion(credential_id):
    try:
        return _ld(openbadges.assertion(credential_id))
    except Gone as exc:  # a revoked assertion answers 410 with the OB 2.0 revocation body
        if exc.details is None:  # erased: nothing left to show
            return http.error_response(exc)
        return Response(body=exc.details, status_code=410,
                        headers={"Content-Type": "application/ld+json", "Cache-Control": "public, max-age=60",
                                 "Access-Control-Allow-Origin": "*"})


@app.route("/ob/v2/assertions/{credential_id}/badge", methods=["GET"])
@_errors
def ob2_badge_class(credential_id):
    return _ld(openbadges.badge_class(credential_id))


@app.route("/ob/v2/issuers/{tenant_id}", methods=["GET"])
@_errors
def ob2_profile(tenant_id):
    return _ld(openbadges.profile_v2(tenant_id))


@app.route("/ob/v2/issuers/{tenant_id}/revocations", methods=["GET"])
@_errors
def ob2_revocation_list(tenant_id):
    return _ld(openbadges.revocation_list(tenant_id))


@app.route("/ob/v3/credentials/{credential_id}", methods=["GET"])
@_errors
def ob3_credential(credential_id):
    request = app.current_request
    as_jwt = credential_id.endswith(".jwt") or "application/vc+jwt" in (request.headers.get("accept") or "")
    docs = openbadges.credential(credential_id.removesuffix(".jwt"))
    if as_jwt:
        return http.cached(request, docs["jwt"], content_type="application/vc+jwt",
                           headers={"Access-Control-Allow-Origin": "*"}, max_age=60)
    return _document(request, docs["json"], "application/vc+ld+json")


@app.route("/ob/v3/issuers/{tenant_id}", methods=["GET"])
@_errors
def ob3_issuer(tenant_id):
    return _ld(openbadges.profile_v3(tenant_id))


@app.route("/.well-known/jwks.json", methods=["GET"])
@_errors
def jwks():
    return _document(app.current_request, signing.jwks(), "application/jwk-set+json")


@app.route("/badges/{credential_id}/image", methods=["GET"])
@_errors
def baked_image(credential_id):
    """The badge image with the Open Badges assertion baked in (PNG or SVG); cached in S3."""
    url = openbadges.baked_image_url(credential_id)
    return Response(body="", status_code=302, headers={"Location": url, "Cache-Control": "no-store"})


# ---------------------------------------------------------------- public: verify any badge, import


def _html(name: str, status: int = 200, **context) -> Response:
    return web.page(name, status, **context)


@app.route("/verify", methods=["GET"])
def verify_form():
    return _html("verify_form.html", action_url=f"{get_settings().public_base_url}/verify")


def _verify_input(request):
    """(input, email, answer as HTML?) from a JSON body, a raw image, or the page's form."""
    ctype = http.content_type(request)
    if ctype in ("image/png", "image/svg+xml"):
        return badge_check.Input(image=http.raw_body(request)), False
    if ctype == "multipart/form-data":
        form = http.parse_multipart(request)
        email = form.get("email", b"").decode("utf-8", "replace").strip() or None
        if email:
            http.validate(schemas.VerifyIn, {"text": "x", "email": email})
        image = form.get("image") or None
        text = form.get("text", b"").decode("utf-8", "replace").strip() or None
        return badge_check.Input(text=None if image else text, image=image, email=email), True
    data = http.parse_json(request, schemas.VerifyIn)
    return badge_check.Input(text=data.as_text(), email=str(data.email) if data.email else None), False


@app.route("/verify", methods=["POST"], content_types=ANY_BODY)
@_errors
def verify_any():
    source, as_html = _verify_input(app.current_request)
    report = badge_check.verify(source)
    if as_html:
        return _html("verify_report.html", r=report, external=False)
    return http.json_response(report)


@app.route("/imports", methods=["POST"], content_types=ANY_BODY)
@_errors
def start_import():
    data = http.parse_json(app.current_request, schemas.ImportIn)
    return http.json_response(imports.start(str(data.email), badge_check.Input(text=data.as_text())), status=202)


@app.route("/imports/{import_id}", methods=["GET"])
@_errors
def show_import(import_id):
    request = app.current_request
    token = http.query_param(request, "token", max_length=100)
    if token:  # the emailed link: a button, because mail scanners follow links
        return _html("message_form.html", title="Confirm the import",
                     message="Add this external badge to your collection?",
                     action_url=f"{get_settings().public_base_url}/imports/{import_id}", token=token,
                     button="Confirm import")
    result = imports.show(import_id)
    if http.wants_json(request):
        return http.json_response(result)
    return _html("verify_report.html", r={**result, "checked_at": result["last_verified_at"]}, external=True,
                 last_verified_at=result["last_verified_at"])


@app.route("/imports/{import_id}", methods=["POST"], content_types=ANY_BODY)
@_errors
def confirm_import(import_id):
    request = app.current_request
    is_form = http.content_type(request) == http.FORM
    data = http.parse_form(request, schemas.TokenIn) if is_form else http.parse_json(request, schemas.TokenIn)
    result = imports.confirm(import_id, data.token)
    if is_form:
        return Response(body="", status_code=303,
                        headers={"Location": f"{get_settings().public_base_url}/imports/{import_id}"})
    return http.json_response(result)


@app.route("/imports/{import_id}/verify", methods=["POST"], content_types=ANY_BODY)
@_errors
def reverify_import(import_id):
    return http.json_response(imports.reverify(import_id))


# ---------------------------------------------------------------- public: claim


@app.route("/claim/{credential_id}", methods=["GET"])
@_errors
def claim_page(credential_id):
    try:
        token = http.query_param(app.current_request, "token", max_length=100) or ""
        view = claims.preview(credential_id, token)
    except LaurelError as exc:
        return _page(exc.status, "This link cannot be used", exc.message)
    return web.page("claim.html", **view)


@app.route("/claim/{credential_id}", methods=["POST"], content_types=ANY_BODY)
def claim(credential_id):
    request = app.current_request
    is_form = (request.headers.get("content-type") or "").startswith(http.FORM)
    try:
        if is_form:
            data = http.parse_form(request, schemas.ClaimIn)
        else:
            data = http.parse_json(request, schemas.ClaimIn)
        result = claims.decide(credential_id, data.token, data.decision)
    except LaurelError as exc:
        if is_form:
            return _page(exc.status, "This link cannot be used", exc.message)
        return http.error_response(exc)
    if not is_form:
        return http.json_response(result)
    if result["status"] == "accepted":
        return Response(body="", status_code=303, headers={"Location": result["url"]})
    return _page(200, "Credential rejected", "You rejected this credential. It will not be shown anywhere.")


# ---------------------------------------------------------------- local stage only: the outbox


if get_settings().is_local and get_settings().local_aws_endpoint:

    @app.route("/_local/outbox", methods=["GET"])
    def local_outbox():
        return Response(body=web.render("outbox.html", messages=mail.local_outbox()),
                        headers={**web.page_headers(), "Cache-Control": "no-store"})

    @app.route("/_local/outbox/{message_id}", methods=["GET"])
    def local_outbox_message(message_id):
        for m in mail.local_outbox():
            if m["id"] == message_id:
                return Response(body=m["html"], headers={"Content-Type": "text/html; charset=utf-8"})
        return _page(404, "Not found", "No such message in the local outbox.")
