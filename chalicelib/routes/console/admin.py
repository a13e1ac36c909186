"""Administration (issue 15, item 4): API keys, LMS integrations, outbound webhook
endpoints, the audit log and support requests, as pages over the same use cases the
issuer API offers as JSON (routes/issuer_api.py, webhooks_api.py).

    GET       /console/admin                                   the section's index
    GET/POST  /console/admin/api-keys                          list; create (the key is shown once)
    GET/POST  /console/admin/api-keys/{key_id}/revoke          confirm; revoke
    GET/POST  /console/admin/integrations                      list and create form; create (secret shown once)
    GET       /console/admin/integrations/{integration_id}     rules, secret rotation, disable
    POST      .../{integration_id}/rules, .../rules/remove     set one course's rule; remove it
    POST      .../{integration_id}/rotate-secret, retire-secret
    GET/POST  .../{integration_id}/disable                     confirm; disable
    GET       .../{integration_id}/events                      the event log, paged
    GET/POST  /console/admin/webhooks (+ /new)                 list; form; create (secret shown once)
    GET       /console/admin/webhooks/{endpoint_id}            the endpoint and its deliveries, paged
    POST      .../{endpoint_id}/rotate-secret                  (the new secret is shown once)
    GET/POST  .../{endpoint_id}/disable                        confirm; disable
    POST      /console/admin/deliveries/{delivery_id}/resend
    GET       /console/admin/audit                             filters: member, action, day; paged
    GET/POST  /console/admin/support (+ /new, /{request_id})   list; form; file; detail

A secret (API key, signing secret) is on the page that answers the POST creating or
rotating it, and nowhere else: not in a redirect's address, not in the audit entry
(which records the route and its path parameters), not in any later page. A form that
does not validate comes back with the message and the status of the refusal (4xx),
and nothing is changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from chalice import Response

from ... import http
from ...domain.errors import BadRequest, ValidationFailed
from ...lazy import LazyModule
from .._guards import _message
from . import bp, form, guard, page, redirect, request, schemas

admin = LazyModule("chalicelib.services.console_admin")
issuers = LazyModule("chalicelib.services.issuers")
lms = LazyModule("chalicelib.services.lms")
events = LazyModule("chalicelib.services.events")
support = LazyModule("chalicelib.services.support")


def _form_again(attempt: Callable[[], Response], again: Callable[[int, str], Response]) -> Response:
    """`attempt()`, or, when the form does not validate, `again(status, message)`: the
    form's page with what was wrong. Any other refusal (404, 403, 409) is the guard's."""
    try:
        return attempt()
    except (ValidationFailed, BadRequest) as exc:
        return again(exc.status, _message(exc))


def _confirmed(member: Any, template: str, load: Callable[[], dict], act: Callable[[], Any], done: str,
               **context: Any) -> Response:
    """A confirmation page's POST: with its box ticked (`ConfirmIn`) `act()`, then go to
    `done`; unticked, the confirmation page again with the message, nothing done."""
    def run() -> Response:
        form("ConfirmIn")
        act()
        return redirect(done)

    return _form_again(run, lambda status, message: page(template, member, status, item=load(), error=message,
                                                         **context))


def _cursor() -> str | None:
    return http.query_param(request(), "cursor", max_length=2000)


def _done(*choices: str) -> str | None:
    return http.query_param(request(), "done", choices=choices)


# ------------------------------------------------------------------ the index


@guard.member("/console/admin", action="admin.index")
def console_admin(member: Any) -> Response:
    return page("console/admin/index.html", member)


# ------------------------------------------------------------------ API keys


def _api_keys(member: Any, status: int = 200, error: str | None = None, label: str = "") -> Response:
    return page("console/admin/api_keys.html", member, status, keys=issuers.list_api_keys(member.tenant_id),
                error=error, label=label, done=_done("revoked"))


@guard.member("/console/admin/api-keys", action="api_keys.manage")
def console_api_keys(member: Any) -> Response:
    return _api_keys(member)


@guard.member("/console/admin/api-keys", "POST", action="api_keys.manage")
def console_create_api_key(member: Any) -> Response:
    def create() -> Response:
        key, view = issuers.create_api_key(member.tenant_id, label=form("ApiKeyIn").label or None)
        return page("console/admin/secret.html", member, kind="api_key", secret=key, item=view)

    return _form_again(create, lambda status, message: _api_keys(member, status, message))


@guard.member("/console/admin/api-keys/{key_id}/revoke", action="api_keys.manage")
def console_revoke_api_key_confirm(member: Any, key_id: str) -> Response:
    return page("console/admin/api_key_revoke.html", member, item=issuers.get_api_key(member.tenant_id, key_id))


@guard.member("/console/admin/api-keys/{key_id}/revoke", "POST", action="api_keys.manage")
def console_revoke_api_key(member: Any, key_id: str) -> Response:
    return _confirmed(member, "console/admin/api_key_revoke.html",
                      lambda: issuers.get_api_key(member.tenant_id, key_id),
                      lambda: issuers.revoke_api_key(member.tenant_id, key_id), "/console/admin/api-keys?done=revoked")


# ------------------------------------------------------------------ LMS integrations


def _integrations(member: Any, status: int = 200, error: str | None = None) -> Response:
    return page("console/admin/integrations.html", member, status, items=lms.list_for(member.tenant_id), error=error)


@guard.member("/console/admin/integrations", action="integrations.manage")
def console_integrations(member: Any) -> Response:
    return _integrations(member)


@guard.member("/console/admin/integrations", "POST", action="integrations.manage")
def console_create_integration(member: Any) -> Response:
    def create() -> Response:
        created = lms.create(member.tenant_id, form("IntegrationFormIn").to_api())
        return page("console/admin/secret.html", member, kind="integration", secret=created.pop("secret"),
                    item=created)

    return _form_again(create, lambda status, message: _integrations(member, status, message))


INTEGRATION_DONE = ("rule", "removed", "retired", "disabled")


def _integration(member: Any, integration_id: str, status: int = 200, error: str | None = None) -> Response:
    shown = admin.integration_page(member, integration_id)
    return page("console/admin/integration.html", member, status, i=shown["integration"],
                templates=shown["templates"], error=error, done=_done(*INTEGRATION_DONE))


@guard.member("/console/admin/integrations/{integration_id}", action="integrations.manage")
def console_integration(member: Any, integration_id: str) -> Response:
    return _integration(member, integration_id)


@guard.member("/console/admin/integrations/{integration_id}/rules", "POST", action="integrations.manage")
def console_integration_rule(member: Any, integration_id: str) -> Response:
    def save() -> Response:
        data = form("LmsRuleFormIn")
        lms.put_rule(member.tenant_id, integration_id, data.course_id, data.to_api())
        return redirect(f"/console/admin/integrations/{integration_id}?done=rule")

    return _form_again(save, lambda status, message: _integration(member, integration_id, status, message))


@guard.member("/console/admin/integrations/{integration_id}/rules/remove", "POST", action="integrations.manage")
def console_integration_rule_remove(member: Any, integration_id: str) -> Response:
    def remove() -> Response:
        lms.put_rule(member.tenant_id, integration_id, form("CourseIn").course_id, None)
        return redirect(f"/console/admin/integrations/{integration_id}?done=removed")

    return _form_again(remove, lambda status, message: _integration(member, integration_id, status, message))


@guard.member("/console/admin/integrations/{integration_id}/rotate-secret", "POST", action="integrations.manage")
def console_integration_rotate(member: Any, integration_id: str) -> Response:
    rotated = lms.rotate_secret(member.tenant_id, integration_id)
    return page("console/admin/secret.html", member, kind="integration_rotated", secret=rotated.pop("secret"),
                item=rotated)


@guard.member("/console/admin/integrations/{integration_id}/retire-secret", "POST", action="integrations.manage")
def console_integration_retire(member: Any, integration_id: str) -> Response:
    lms.retire_secret(member.tenant_id, integration_id)
    return redirect(f"/console/admin/integrations/{integration_id}?done=retired")


@guard.member("/console/admin/integrations/{integration_id}/disable", action="integrations.manage")
def console_integration_disable_confirm(member: Any, integration_id: str) -> Response:
    return page("console/admin/disable.html", member, kind="integration",
                item=lms.get(member.tenant_id, integration_id))


@guard.member("/console/admin/integrations/{integration_id}/disable", "POST", action="integrations.manage")
def console_integration_disable(member: Any, integration_id: str) -> Response:
    return _confirmed(member, "console/admin/disable.html", lambda: lms.get(member.tenant_id, integration_id),
                      lambda: lms.disable(member.tenant_id, integration_id),
                      f"/console/admin/integrations/{integration_id}?done=disabled", kind="integration")


@guard.member("/console/admin/integrations/{integration_id}/events", action="integrations.manage")
def console_integration_events(member: Any, integration_id: str) -> Response:
    cursor = _cursor()
    shown = admin.integration_events(member, integration_id, cursor)
    return page("console/admin/integration_events.html", member, i=shown["integration"], log=shown["events"],
                templates=shown["templates"], first=bool(cursor))


# ------------------------------------------------------------------ outbound webhooks


@guard.member("/console/admin/webhooks", action="webhooks.manage")
def console_webhooks(member: Any) -> Response:
    return page("console/admin/webhooks.html", member, items=events.list_endpoints(member.tenant_id)["items"],
                done=_done("disabled"))


def _new_endpoint(member: Any, status: int = 200, error: str | None = None, values: dict | None = None) -> Response:
    return page("console/admin/webhook_new.html", member, status, **admin.new_endpoint_form(), error=error,
                values=values or {"url": "", "description": "", "event_types": []})


@guard.member("/console/admin/webhooks/new", action="webhooks.manage")
def console_webhook_new(member: Any) -> Response:
    return _new_endpoint(member)


def _typed() -> dict:
    """The endpoint form as typed, to show it again (never trusted: it is only echoed)."""
    fields = http.form_fields(request())
    return {"url": (fields.get("url") or [""])[0][:2000], "description": (fields.get("description") or [""])[0][:500],
            "event_types": fields.get("event_types") or []}


@guard.member("/console/admin/webhooks", "POST", action="webhooks.manage")
def console_create_webhook(member: Any) -> Response:
    def create() -> Response:
        data = form("EndpointIn")
        view, secret = events.create_endpoint(member.tenant_id, data.url, data.event_types, data.description)
        return page("console/admin/secret.html", member, kind="endpoint", secret=secret, item=view)

    return _form_again(create, lambda status, message: _new_endpoint(member, status, message, _typed()))


@guard.member("/console/admin/webhooks/{endpoint_id}", action="webhooks.manage")
def console_webhook(member: Any, endpoint_id: str) -> Response:
    cursor = _cursor()
    shown = admin.endpoint_page(member, endpoint_id, cursor)
    return page("console/admin/webhook.html", member, e=shown["endpoint"], deliveries=shown["deliveries"],
                first=bool(cursor), done=_done("resent"))


@guard.member("/console/admin/webhooks/{endpoint_id}/rotate-secret", "POST", action="webhooks.manage")
def console_webhook_rotate(member: Any, endpoint_id: str) -> Response:
    view, secret = events.rotate_secret(member.tenant_id, endpoint_id)
    return page("console/admin/secret.html", member, kind="endpoint_rotated", secret=secret, item=view)


@guard.member("/console/admin/webhooks/{endpoint_id}/disable", action="webhooks.manage")
def console_webhook_disable_confirm(member: Any, endpoint_id: str) -> Response:
    return page("console/admin/disable.html", member, kind="endpoint",
                item=events.get_endpoint(member.tenant_id, endpoint_id))


@guard.member("/console/admin/webhooks/{endpoint_id}/disable", "POST", action="webhooks.manage")
def console_webhook_disable(member: Any, endpoint_id: str) -> Response:
    return _confirmed(member, "console/admin/disable.html", lambda: events.get_endpoint(member.tenant_id, endpoint_id),
                      lambda: events.disable_endpoint(member.tenant_id, endpoint_id),
                      "/console/admin/webhooks?done=disabled", kind="endpoint")


@guard.member("/console/admin/deliveries/{delivery_id}/resend", "POST", action="webhooks.manage")
def console_resend_delivery(member: Any, delivery_id: str) -> Response:
    resent = events.resend(member.tenant_id, delivery_id)
    return redirect(f"/console/admin/webhooks/{resent['endpoint_id']}?done=resent")


# ------------------------------------------------------------------ the audit log


@guard.member("/console/admin/audit", action="audit.read")
def console_audit(member: Any) -> Response:
    params = request().query_params or {}

    def show() -> Response:
        query = http.validate(schemas.AuditFilterIn, {k: params[k] for k in ("member", "action", "day", "cursor")
                                                      if params.get(k)})
        shown = admin.audit_log(member, query, bp.current_app.routes)
        kept = {"member": query.member, "action": query.action, "day": shown["day"], "cursor": shown["next_cursor"]}
        next_link = "/console/admin/audit?" + urlencode({k: v for k, v in kept.items() if v}) \
            if shown["next_cursor"] else None
        return page("console/admin/audit.html", member, log=shown, query=query, next_link=next_link)

    return _form_again(show, lambda status, message: page(
        "console/admin/audit.html", member, status, log={"entries": [], **admin.audit_filters(
            member, bp.current_app.routes)}, query=schemas.AuditFilterIn(), error=message))


# ------------------------------------------------------------------ support requests


@guard.member("/console/admin/support", action="support.request")
def console_support(member: Any) -> Response:
    return page("console/admin/support.html", member, items=admin.support_requests(member)["items"])


def _support_form(member: Any, status: int = 200, error: str | None = None, values: dict | None = None) -> Response:
    return page("console/admin/support_new.html", member, status, error=error, values=values or {})


@guard.member("/console/admin/support/new", action="support.request")
def console_support_new(member: Any) -> Response:
    return _support_form(member)


@guard.member("/console/admin/support", "POST", action="support.request")
def console_file_support(member: Any) -> Response:
    def create() -> Response:
        filed = support.create(member.tenant_id, form("SupportFormIn").to_api())
        return redirect(f"/console/admin/support/{filed['id']}?done=filed")

    def again(status: int, message: str) -> Response:
        fields = http.form_fields(request())
        typed = {name: (fields.get(name) or [""])[0][:6000] for name in ("subject", "description", "severity")}
        return _support_form(member, status, message, typed)

    return _form_again(create, again)


@guard.member("/console/admin/support/{request_id}", action="support.request")
def console_support_request(member: Any, request_id: str) -> Response:
    return page("console/admin/support_request.html", member, r=support.get(member.tenant_id, request_id),
                done=_done("filed"))
