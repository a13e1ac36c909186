"""Issuer API for outbound webhooks (`Authorization: Bearer <API key>`).

    POST /webhooks/endpoints                               subscribe (the secret is shown once)
    GET  /webhooks/endpoints                               list
    GET  /webhooks/endpoints/{endpoint_id}                 read
    POST /webhooks/endpoints/{endpoint_id}/rotate-secret   new secret (old one co-signs 24 h)
    POST /webhooks/endpoints/{endpoint_id}/disable         stop deliveries
    GET  /webhooks/endpoints/{endpoint_id}/deliveries      attempts and answers, newest first
    POST /webhooks/deliveries/{delivery_id}/resend         deliver the same event again

The queue handler that delivers them is in jobs.py.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from .. import http
from ..lazy import LazyModule
from ._guards import Guard

bp = Blueprint(__name__)
guard = Guard(bp)

events = LazyModule("chalicelib.services.events")
json = http.json_response


@guard.issuer("/webhooks/endpoints", "POST", body="EndpointIn")
def create_endpoint(tenant_id: str, data: Any) -> Response:
    view, secret = events.create_endpoint(tenant_id, data.url, data.event_types, data.description)
    return json({**view, "secret": secret}, status=201)


@guard.issuer("/webhooks/endpoints")
def list_endpoints(tenant_id: str) -> Response:
    return json(events.list_endpoints(tenant_id))


@guard.issuer("/webhooks/endpoints/{endpoint_id}")
def get_endpoint(tenant_id: str, endpoint_id: str) -> Response:
    return json(events.get_endpoint(tenant_id, endpoint_id))


@guard.issuer("/webhooks/endpoints/{endpoint_id}/rotate-secret", "POST")
def rotate_endpoint_secret(tenant_id: str, endpoint_id: str) -> Response:
    view, secret = events.rotate_secret(tenant_id, endpoint_id)
    return json({**view, "secret": secret})


@guard.issuer("/webhooks/endpoints/{endpoint_id}/disable", "POST")
def disable_endpoint(tenant_id: str, endpoint_id: str) -> Response:
    return json(events.disable_endpoint(tenant_id, endpoint_id))


@guard.issuer("/webhooks/endpoints/{endpoint_id}/deliveries")
def list_deliveries(tenant_id: str, endpoint_id: str) -> Response:
    request = bp.current_request
    return json(events.list_deliveries(tenant_id, endpoint_id,
                                       limit=http.limit_param(request, default=25, maximum=50),
                                       cursor=http.query_param(request, "cursor", max_length=2000)))


@guard.issuer("/webhooks/deliveries/{delivery_id}/resend", "POST")
def resend_delivery(tenant_id: str, delivery_id: str) -> Response:
    return json(events.resend(tenant_id, delivery_id), status=202)
