"""Issuer API for outbound webhooks, and the queue handler that delivers them.

    POST /webhooks/endpoints                               subscribe (the secret is shown once)
    GET  /webhooks/endpoints                               list
    GET  /webhooks/endpoints/{endpoint_id}                 read
    POST /webhooks/endpoints/{endpoint_id}/rotate-secret   new secret (old one co-signs 24 h)
    POST /webhooks/endpoints/{endpoint_id}/disable         stop deliveries
    GET  /webhooks/endpoints/{endpoint_id}/deliveries      attempts and answers, newest first
    POST /webhooks/deliveries/{delivery_id}/resend         deliver the same event again

`register(app)` adds all of it to the app. The SQS handler is declared on the
blueprint (not on `app`) so that its Lambda handler string names this module,
where the wrapped handler lives. Importing this module stays cheap: pydantic,
PynamoDB, boto3 and Powertools' batch utility load on first use.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from chalice import Blueprint

from . import http
from .adapters.queue import events_queue_name
from .domain.errors import LaurelError
from .lazy import LazyModule

bp = Blueprint(__name__)
webhooks = bp  # the blueprint's name in the lead's wording

auth = LazyModule("chalicelib.services.auth")
audit = LazyModule("chalicelib.services.audit")
events = LazyModule("chalicelib.services.events")

QUEUE_HANDLER = "deliver_webhooks"  # Lambda function name of the SQS handler
_BODY_TYPES = [http.JSON, http.FORM, "text/plain", "application/octet-stream", "multipart/form-data"]


@functools.lru_cache(maxsize=1)
def _schemas() -> Any:
    """Request models, built on first use (pydantic stays out of the cold start)."""
    from types import SimpleNamespace
    from typing import Annotated, Literal

    from pydantic import BaseModel, ConfigDict, Field, StringConstraints

    from .domain.webhooks import EVENT_TYPES

    EventType = Literal[EVENT_TYPES]  # type: ignore[valid-type]

    class EndpointIn(BaseModel):
        model_config = ConfigDict(extra="forbid", str_max_length=2000)

        url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000,
                                              pattern=r"^[^\s\x00-\x1f\x7f]+$")]
        event_types: Annotated[list[EventType], Field(min_length=1, max_length=len(EVENT_TYPES))]
        description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500,
                                                      pattern=r"^[^\x00-\x1f\x7f]*$")] | None = None

    return SimpleNamespace(EndpointIn=EndpointIn)


def _issuer_route(path: str, methods: tuple[str, ...] = ("GET",)):
    """An issuer API route: `Authorization: Bearer <key>` names the tenant; Laurel's
    errors become JSON 4xx answers; writes are audited (services/audit.py)."""

    def decorator(view):
        def handler(**params):
            request = bp.current_request
            try:
                principal = auth.authenticate(request.headers.get("authorization"))
            except LaurelError as exc:
                return http.error_response(exc)
            try:
                response = view(request, principal.tenant_id, **params)
            except LaurelError as exc:
                response = http.error_response(exc)
            actor = audit.Actor("api_key", principal.key_id, principal.tenant_id)
            audit.record_request(request, actor, response, bp.current_app.routes)
            return response

        handler.__name__ = f"webhooks_{view.__name__}"
        handler.laurel_audience = "issuer"  # read by chalicelib/openapi.py
        bp.route(path, methods=list(methods), content_types=_BODY_TYPES)(handler)
        return view

    return decorator


@_issuer_route("/webhooks/endpoints", methods=("POST",))
def create_endpoint(request, tenant_id):
    data = http.parse_json(request, _schemas().EndpointIn)
    view, secret = events.create_endpoint(tenant_id, data.url, data.event_types, data.description)
    return http.json_response({**view, "secret": secret}, status=201)


@_issuer_route("/webhooks/endpoints")
def list_endpoints(request, tenant_id):
    return http.json_response(events.list_endpoints(tenant_id))


@_issuer_route("/webhooks/endpoints/{endpoint_id}")
def get_endpoint(request, tenant_id, endpoint_id):
    return http.json_response(events.get_endpoint(tenant_id, endpoint_id))


@_issuer_route("/webhooks/endpoints/{endpoint_id}/rotate-secret", methods=("POST",))
def rotate_secret(request, tenant_id, endpoint_id):
    view, secret = events.rotate_secret(tenant_id, endpoint_id)
    return http.json_response({**view, "secret": secret})


@_issuer_route("/webhooks/endpoints/{endpoint_id}/disable", methods=("POST",))
def disable_endpoint(request, tenant_id, endpoint_id):
    return http.json_response(events.disable_endpoint(tenant_id, endpoint_id))


@_issuer_route("/webhooks/endpoints/{endpoint_id}/deliveries")
def list_deliveries(request, tenant_id, endpoint_id):
    return http.json_response(events.list_deliveries(
        tenant_id, endpoint_id,
        limit=http.limit_param(request, default=25, maximum=50),
        cursor=http.query_param(request, "cursor", max_length=2000),
    ))


@_issuer_route("/webhooks/deliveries/{delivery_id}/resend", methods=("POST",))
def resend_delivery(request, tenant_id, delivery_id):
    return http.json_response(events.resend(tenant_id, delivery_id), status=202)


# ---------------------------------------------------------------- the events queue


def _deliver_record(record) -> None:
    events.deliver(json.loads(record.body))


@bp.on_sqs_message(queue=events_queue_name(), batch_size=10, name=QUEUE_HANDLER)
def deliver_webhooks(event):
    """One delivery attempt per message. A message whose handling raises is reported
    as a batch item failure (the event source mapping needs
    `FunctionResponseTypes: [ReportBatchItemFailures]`), so only it comes back."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(event=event.to_dict(), record_handler=_deliver_record, processor=processor,
                                    context=event.context)


def register(app) -> None:
    """Add the webhook routes and the events queue handler to `app` (a second call
    does nothing)."""
    if "/webhooks/endpoints" in app.routes:
        return
    app.register_blueprint(bp)
