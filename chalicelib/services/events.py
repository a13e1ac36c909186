"""Outbound webhooks: issuers subscribe HTTPS endpoints to events; Laurel POSTs each
event, signed, to every subscribed endpoint and retries failures for three days.

Flow
----
`emit` stores one delivery record per subscribed active endpoint and puts one small
message (`{tenant_id, delivery_id, attempt}`) per delivery on the events queue
(`adapters.queue.events_queue_name()`). The queue's handler calls `deliver` for each
message: it POSTs the stored event, records the attempt (time, status code, first
KiB of the answer, error) and

- on a 2xx marks the delivery `delivered`;
- on anything else asks `domain.webhooks.next_delay` for the wait before the next
  attempt and puts the message back on the queue for attempt n+1 with
  `DelaySeconds = min(wait, 900)` and `not_before = now + wait`. A message that
  arrives before its `not_before` is put back with the remaining wait (again at most
  900 s): that is how waits longer than SQS's 15-minute maximum are made;
- when the schedule is exhausted (72 h) marks the delivery `failed` and sends the
  message to the dead-letter queue itself (rather than raising until SQS's redrive
  moves it): the record and the DLQ agree at once and no extra POSTs are made. The
  queue's own redrive policy still catches messages whose handling keeps crashing.

Delivery is at least once: a crash between the POST and the write of its record
repeats the POST. Receivers de-duplicate by the event's `id` (also in the
`Laurel-Event-Id` header); a resent delivery carries the same event id.

Secrets
-------
Each endpoint has a signing secret `whsec_...`, returned once when the endpoint is
created (or the secret rotated) and never again. It is stored as it is, not hashed,
because Laurel needs it to compute signatures. After `rotate_secret` deliveries are
signed with the new secret AND the previous one for 24 hours (two `v1` values in
`Laurel-Signature`, new first), so the receiver can switch at its own pace.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..adapters import queue, webhook_http
from ..config import get_settings
from ..domain import ids
from ..domain import webhooks as rules
from ..domain.clock import iso, parse_iso
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..store import webhooks as store
from . import caches, clock

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger

MAX_ENDPOINTS = 20
SECRET_PREFIX = "whsec_"
EVENT_TYPES = rules.EVENT_TYPES


def _policy() -> webhook_http.Policy:
    """Deployed stages: HTTPS to public addresses only; the local stage also allows
    plain HTTP and private addresses (a receiver on the developer's machine)."""
    return webhook_http.policy_for(get_settings().is_local)


def _logger() -> Logger:
    from ..logs import logger

    return logger()


def new_secret() -> str:
    return SECRET_PREFIX + ids.random_token(24)  # 192 random bits


# ---------------------------------------------------------------- views


def endpoint_view(item: Any) -> dict:
    """Everything about an endpoint except its secret."""
    return {
        "id": item.endpoint_id,
        "url": item.url,
        "description": item.description,
        "event_types": list(item.event_types),
        "status": item.status,
        "secret_hint": item.secret[-4:],
        "secret_rotated_at": item.secret_rotated_at,
        "previous_secret_expires_at": item.previous_secret_expires_at,
        "disabled_at": item.disabled_at,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
    }


def delivery_view(item: Any) -> dict:
    return {
        "id": item.delivery_id,
        "endpoint_id": item.endpoint_id,
        "event_id": item.event_id,
        "event_type": item.event_type,
        "status": item.status,
        "attempt_count": item.attempt_count,
        "attempts": list(item.attempts or []),
        "next_attempt_at": item.next_attempt_at,
        "delivered_at": item.delivered_at,
        "failed_at": item.failed_at,
        "resent_from": item.resent_from,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
    }


# ---------------------------------------------------------------- endpoint management


def _check_url(url: str) -> None:
    try:
        webhook_http.check_endpoint(url, _policy())
    except webhook_http.FetchError as exc:
        raise ValidationFailed("the endpoint URL cannot be used", code="invalid_endpoint_url",
                               details=[{"field": "url", "problem": str(exc)}]) from None


def _event_types(event_types: Any) -> list[str]:
    chosen = list(dict.fromkeys(event_types or ()))
    unknown = [t for t in chosen if t not in EVENT_TYPES]
    if unknown or not chosen:
        raise ValidationFailed("choose one or more event types", code="invalid_event_types",
                               details=[{"field": "event_types", "problem": f"known types: {', '.join(EVENT_TYPES)}"}])
    return chosen


# Every issuance asks which endpoints to notify; a container keeps a tenant's active
# endpoints for ENDPOINTS_TTL_SECONDS (services/caches.py). Creating or disabling one
# applies at once in the container that does it, in others within the TTL; a delivery
# reads its endpoint fresh, so a disabled endpoint is never posted to.
ENDPOINTS_TTL_SECONDS = 60
_active_endpoints = caches.ttl_cache(maxsize=1024, ttl=ENDPOINTS_TTL_SECONDS)


def _subscribers(tenant_id: str) -> list:
    return caches.get_or_load(_active_endpoints, tenant_id,
                              lambda: store.list_endpoints(tenant_id, active_only=True))


def create_endpoint(tenant_id: str, url: str, event_types: Any, description: str | None = None) -> tuple[dict, str]:
    """Subscribe `url` to `event_types`. Returns (view, secret); the secret is shown
    only here."""
    types = _event_types(event_types)
    _check_url(url)
    if len(store.list_endpoints(tenant_id, active_only=True)) >= MAX_ENDPOINTS:
        raise Conflict(f"an issuer can have at most {MAX_ENDPOINTS} active endpoints; disable one first",
                       code="too_many_endpoints")
    now = iso(clock.utcnow())
    secret = new_secret()
    item = store.create_endpoint(tenant_id, ids.new_local_id(), {
        "url": url, "description": description, "event_types": types, "status": "active", "secret": secret,
        "created_at": now, "updated_at": now,
    })
    caches.forget(_active_endpoints, tenant_id)
    return endpoint_view(item), secret


def require_endpoint(tenant_id: str, endpoint_id: str) -> Any:
    item = store.get_endpoint(tenant_id, endpoint_id) if ids.LOCAL_ID.match(endpoint_id or "") else None
    if item is None:
        raise NotFound("webhook endpoint not found")
    return item


def list_endpoints(tenant_id: str) -> dict:
    return {"items": [endpoint_view(i) for i in store.list_endpoints(tenant_id)]}


def get_endpoint(tenant_id: str, endpoint_id: str) -> dict:
    return endpoint_view(require_endpoint(tenant_id, endpoint_id))


def rotate_secret(tenant_id: str, endpoint_id: str) -> tuple[dict, str]:
    """A new secret signs from now on; the one it replaces keeps co-signing for 24 h.
    Returns (view, new secret); the secret is shown only here."""
    item = require_endpoint(tenant_id, endpoint_id)
    now = clock.utcnow()
    secret = new_secret()
    _save_endpoint(item, {
        "secret": secret,
        "previous_secret": item.secret,
        "previous_secret_expires_at": iso(now + timedelta(seconds=rules.ROTATION_GRACE_SECONDS)),
        "secret_rotated_at": iso(now),
        "updated_at": iso(now),
    })
    return endpoint_view(item), secret


def _save_endpoint(item: Any, changes: dict) -> None:
    if not store.update_endpoint(item, changes):
        raise Conflict("the endpoint changed meanwhile; read it again", code="concurrent_update")


def disable_endpoint(tenant_id: str, endpoint_id: str) -> dict:
    """No new deliveries; pending ones are cancelled when their turn comes."""
    item = require_endpoint(tenant_id, endpoint_id)
    if item.status != "disabled":
        now = iso(clock.utcnow())
        _save_endpoint(item, {"status": "disabled", "disabled_at": now, "updated_at": now})
        caches.forget(_active_endpoints, tenant_id)
    return endpoint_view(item)


def list_deliveries(tenant_id: str, endpoint_id: str, limit: int = 25, cursor: str | None = None) -> dict:
    require_endpoint(tenant_id, endpoint_id)
    items, next_cursor = store.list_deliveries(tenant_id, endpoint_id, limit=limit, cursor=cursor)
    return {"items": [delivery_view(i) for i in items], "next_cursor": next_cursor}


def resend(tenant_id: str, delivery_id: str) -> dict:
    """Deliver the same event (same event id) to the same endpoint again, as a new
    delivery with its own attempts and retry schedule."""
    old = store.get_delivery(tenant_id, delivery_id) if ids.RANDOM_PART.match(delivery_id or "") else None
    if old is None:
        raise NotFound("webhook delivery not found")
    endpoint = require_endpoint(tenant_id, old.endpoint_id)
    if endpoint.status != "active":
        raise Conflict("the endpoint is disabled", code="endpoint_disabled")
    item = _new_delivery(tenant_id, endpoint.endpoint_id, old.payload, iso(clock.utcnow()), resent_from=old.delivery_id)
    _enqueue(tenant_id, item.delivery_id, attempt=1)
    return delivery_view(item)


# ---------------------------------------------------------------- emitting


def emit(tenant_id: str, event_type: str, data: dict) -> None:
    """Queue `event_type` with the full object `data` for every active endpoint of
    the tenant subscribed to it. Call it after the change itself is stored.

    Never raises for an AWS failure: the change the event reports has already
    happened, so a failure is logged (and a delivery whose message could not be
    queued stays `pending` with no attempts, and can be resent)."""
    emit_many(tenant_id, event_type, [data])


def emit_many(tenant_id: str, event_type: str, datas: list[dict]) -> None:
    """`emit` for many objects of one tenant (bulk jobs): the endpoints are read once."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    if not datas:
        return
    try:
        endpoints = [e for e in _subscribers(tenant_id) if event_type in e.event_types]
        if not endpoints:
            return
        now = iso(clock.utcnow())
        for data in datas:
            event = rules.build_event("evt_" + ids.random_token(), event_type, tenant_id, now, data)
            for endpoint in endpoints:
                item = _new_delivery(tenant_id, endpoint.endpoint_id, event, now)
                _enqueue(tenant_id, item.delivery_id, attempt=1)
    except Exception as exc:  # noqa: BLE001 - reported, never breaks the caller's use case
        _logger().error("webhook event not queued", extra={"tenant_id": tenant_id, "event_type": event_type,
                                                           "reason": f"{exc.__class__.__name__}: {str(exc)[:300]}"})


def _new_delivery(tenant_id: str, endpoint_id: str, event: dict, now: str, resent_from: str | None = None) -> Any:
    item = store.new_delivery(tenant_id, ids.random_token(), {
        "endpoint_id": endpoint_id, "event_id": event["id"], "event_type": event["type"], "payload": event,
        "status": "pending", "attempt_count": 0, "attempts": [], "resent_from": resent_from,
        "created_at": now, "updated_at": now,
    })
    if not store.insert_delivery(item):
        raise Conflict("a delivery with this id exists", code="concurrent_update")
    return item


def _enqueue(tenant_id: str, delivery_id: str, *, attempt: int, delay: int = 0, not_before: int | None = None) -> None:
    message = {"tenant_id": tenant_id, "delivery_id": delivery_id, "attempt": attempt}
    if not_before is not None:
        message["not_before"] = not_before
    queue.send(queue.events_queue_name(), message, delay_seconds=min(delay, queue.MAX_DELAY_SECONDS))


# ---------------------------------------------------------------- delivering


def _parse_message(message: Any) -> tuple[str, str, int, int | None]:
    if not isinstance(message, dict):
        raise ValueError("a delivery message is a JSON object")
    tenant_id, delivery_id = message.get("tenant_id"), message.get("delivery_id")
    attempt, not_before = message.get("attempt"), message.get("not_before")
    if not (isinstance(tenant_id, str) and ids.TENANT_ID.match(tenant_id)
            and isinstance(delivery_id, str) and ids.RANDOM_PART.match(delivery_id)
            and isinstance(attempt, int) and attempt >= 1
            and (not_before is None or isinstance(not_before, int))):
        raise ValueError("not a webhook delivery message")
    return tenant_id, delivery_id, attempt, not_before


def _signing_secrets(endpoint: Any, now: datetime) -> list[bytes]:
    secrets = [endpoint.secret.encode()]
    if endpoint.previous_secret and endpoint.previous_secret_expires_at \
            and parse_iso(endpoint.previous_secret_expires_at) > now:
        secrets.append(endpoint.previous_secret.encode())
    return secrets


def deliver(message: dict) -> None:
    """Make one delivery attempt for one queue message (see the module's docstring).

    A malformed message raises ValueError (the queue's redrive policy ends up moving
    it to the DLQ). Messages for deliveries that are no longer pending, or for an
    attempt already recorded (SQS may deliver a message twice), are dropped."""
    tenant_id, delivery_id, attempt, not_before = _parse_message(message)
    now = clock.utcnow()
    now_ts = int(now.timestamp())
    if not_before is not None and now_ts < not_before:
        queue.send(queue.events_queue_name(), message, delay_seconds=min(not_before - now_ts, queue.MAX_DELAY_SECONDS))
        return
    item = store.get_delivery(tenant_id, delivery_id, consistent=True)
    if item is None or item.status != "pending" or item.attempt_count >= attempt:
        return
    number = int(item.attempt_count) + 1
    endpoint = store.get_endpoint(tenant_id, item.endpoint_id, consistent=True)
    if endpoint is None or endpoint.status != "active":
        store.set_delivery_status(item, {"status": "cancelled", "next_attempt_at": None, "updated_at": iso(now)},
                                  expect_status="pending")
        return

    raw = json.dumps(item.payload, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {
        rules.SIGNATURE_HEADER: rules.signature_header(_signing_secrets(endpoint, now), now_ts, raw),
        "Laurel-Event-Id": item.event_id,
        "Laurel-Event-Type": item.event_type,
        "Laurel-Delivery-Id": item.delivery_id,
        "Laurel-Delivery-Attempt": str(number),
    }
    started = clock.monotonic()
    status, excerpt, error = None, None, None
    try:
        result = webhook_http.post(endpoint.url, raw, headers, _policy())
        status, excerpt = result.status, result.excerpt
    except webhook_http.FetchError as exc:
        error = str(exc)[:300]
    record = {"attempt": number, "at": iso(now), "status_code": status, "response": excerpt, "error": error,
              "duration_ms": int((clock.monotonic() - started) * 1000)}

    done = clock.utcnow()
    changes: dict = {"updated_at": iso(done)}
    if rules.is_success(status):
        changes.update(status="delivered", delivered_at=iso(done), next_attempt_at=None)
    else:
        delay = rules.next_delay(number)
        if delay is None:
            # Queue first, then record: a crash in between repeats work, never loses it.
            queue.send(queue.events_dlq_name(), {"tenant_id": tenant_id, "delivery_id": delivery_id,
                                                 "attempt": number, "reason": "retries exhausted"})
            changes.update(status="failed", failed_at=iso(done), next_attempt_at=None)
        else:
            due = int(done.timestamp()) + delay
            _enqueue(tenant_id, delivery_id, attempt=number + 1, delay=delay, not_before=due)
            changes.update(next_attempt_at=iso(done + timedelta(seconds=delay)))
    if not store.record_attempt(item, record, changes):
        _logger().info("webhook attempt already recorded by another worker",
                       extra={"delivery_id": delivery_id, "attempt": number})
