"""Webhook endpoints and deliveries: reads and conditional writes. Their keys are
built in `keys.py` (see its table); every key starts with the caller's tenant.
"""

from __future__ import annotations

from pynamodb.exceptions import PutError

from . import keys, paging
from .conditional import update_if
from .webhook_models import WebhookDeliveryItem, WebhookEndpointItem

MAX_ATTEMPTS_KEPT = 30


# ---------------------------------------------------------------- endpoints


def create_endpoint(tenant_id: str, endpoint_id: str, fields: dict) -> WebhookEndpointItem:
    item = WebhookEndpointItem(*keys.webhook_endpoint_key(tenant_id, endpoint_id), tenant_id=tenant_id,
                               endpoint_id=endpoint_id, **fields)
    item.save(condition=WebhookEndpointItem.pk.does_not_exist())
    return item


def get_endpoint(tenant_id: str, endpoint_id: str, *, consistent: bool = False) -> WebhookEndpointItem | None:
    try:
        return WebhookEndpointItem.get(*keys.webhook_endpoint_key(tenant_id, endpoint_id), consistent_read=consistent)
    except WebhookEndpointItem.DoesNotExist:
        return None


def list_endpoints(tenant_id: str, *, active_only: bool = False) -> list[WebhookEndpointItem]:
    """A tenant's endpoints, by id (few: the service caps the active ones). Reads
    only the `WHE#` range of the tenant's partition, every page of it."""
    condition = (WebhookEndpointItem.status == "active") if active_only else None
    return list(WebhookEndpointItem.query(
        keys.tenant_pk(tenant_id), WebhookEndpointItem.sk.startswith(keys.WEBHOOK_ENDPOINT_PREFIX),
        filter_condition=condition))


def update_endpoint(item: WebhookEndpointItem, changes: dict, *, remove: tuple[str, ...] = ()) -> bool:
    """Optimistic update keyed on `updated_at`: two racing rotations cannot both win
    (the loser would have handed out a secret that is never used). False (nothing
    written) if the endpoint changed since `item` was read."""
    actions = [getattr(WebhookEndpointItem, k).set(v) for k, v in changes.items()]
    actions += [getattr(WebhookEndpointItem, k).remove() for k in remove]
    return update_if(item, actions, WebhookEndpointItem.updated_at == item.updated_at)


# ---------------------------------------------------------------- deliveries


def new_delivery(tenant_id: str, delivery_id: str, fields: dict) -> WebhookDeliveryItem:
    return WebhookDeliveryItem(
        *keys.webhook_delivery_key(tenant_id, delivery_id), tenant_id=tenant_id, delivery_id=delivery_id,
        gsi1pk=keys.endpoint_deliveries_pk(tenant_id, fields["endpoint_id"]),
        gsi1sk=keys.endpoint_deliveries_sk(fields["created_at"], delivery_id), **fields)


def insert_delivery(item: WebhookDeliveryItem) -> bool:
    """Write a new delivery; False (nothing written) if one with its id exists."""
    try:
        item.save(condition=WebhookDeliveryItem.pk.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def get_delivery(tenant_id: str, delivery_id: str, *, consistent: bool = False) -> WebhookDeliveryItem | None:
    try:
        return WebhookDeliveryItem.get(*keys.webhook_delivery_key(tenant_id, delivery_id), consistent_read=consistent)
    except WebhookDeliveryItem.DoesNotExist:
        return None


def record_attempt(item: WebhookDeliveryItem, attempt: dict, changes: dict) -> bool:
    """Append one attempt (the last MAX_ATTEMPTS_KEPT are kept) and apply `changes`,
    only if no other worker recorded this attempt first. False if one did."""
    expected = item.attempt_count
    attempts = (list(item.attempts or []) + [attempt])[-MAX_ATTEMPTS_KEPT:]
    actions = [WebhookDeliveryItem.attempts.set(attempts), WebhookDeliveryItem.attempt_count.set(expected + 1)]
    actions += [getattr(WebhookDeliveryItem, k).set(v) for k, v in changes.items() if v is not None]
    actions += [getattr(WebhookDeliveryItem, k).remove() for k, v in changes.items() if v is None]
    condition = (WebhookDeliveryItem.attempt_count == expected) & (WebhookDeliveryItem.status == "pending")
    return update_if(item, actions, condition)


def set_delivery_status(item: WebhookDeliveryItem, changes: dict, *, expect_status: str) -> bool:
    actions = [getattr(WebhookDeliveryItem, k).set(v) for k, v in changes.items() if v is not None]
    actions += [getattr(WebhookDeliveryItem, k).remove() for k, v in changes.items() if v is None]
    return update_if(item, actions, WebhookDeliveryItem.status == expect_status)


def list_deliveries(tenant_id: str, endpoint_id: str, *, limit: int,
                    cursor: str | None) -> tuple[list[WebhookDeliveryItem], str | None]:
    """One endpoint's deliveries, newest first. A cursor can only point into the
    caller's own endpoint listing."""
    pk = keys.endpoint_deliveries_pk(tenant_id, endpoint_id)
    start = paging.decode(cursor, expected={"gsi1pk": pk, "sk": keys.WEBHOOK_DELIVERY_SK},
                          allowed_keys={"pk", "sk", "gsi1pk", "gsi1sk"},
                          prefixes={"pk": keys.webhook_delivery_pk_prefix(tenant_id)})
    result = WebhookDeliveryItem.by_tenant.query(pk, limit=limit, last_evaluated_key=start, scan_index_forward=False)
    items = list(result)
    return items, paging.encode(result.last_evaluated_key)
