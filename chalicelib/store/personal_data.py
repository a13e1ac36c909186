"""Where a tenant's logs may hold a person's data, outside the credential itself:
LMS events (the completion as received), rows waiting for a weekly issuance, outbound
webhook deliveries (the event as posted) and Powertools idempotency records (the
result of a webhook). Erasure reads these partitions of the tenants the person had
credentials from, so its cost grows with those tenants' logs, never the table."""

from __future__ import annotations

import json
from collections.abc import Iterator

from pynamodb.attributes import UnicodeAttribute

from . import keys
from .models import Item, LmsEventItem, ScheduledRowItem, TemplateItem, _TableMeta
from .webhook_models import WebhookDeliveryItem, WebhookEndpointItem
from .webhooks import ENDPOINT_PREFIX, endpoint_deliveries_pk


class IdempotencyRecordItem(Item):
    """A Powertools idempotency record (written by Powertools, read here only)."""

    class Meta(_TableMeta):
        pass

    data = UnicodeAttribute(null=True)


def mentions(value, needles: set[str]) -> bool:
    text = (value if isinstance(value, str) else json.dumps(value, default=str)).lower()
    return any(n in text for n in needles)


def lms_events(tenant_id: str) -> Iterator[LmsEventItem]:
    for integration in Item.query(keys.tenant_pk(tenant_id), Item.sk.startswith("LMS#")):
        yield from LmsEventItem.query(keys.lms_events_pk(tenant_id, integration.sk[4:]))


def scheduled_rows(tenant_id: str) -> Iterator[ScheduledRowItem]:
    for template in Item.query(keys.tenant_pk(tenant_id), TemplateItem.sk.startswith("TPL#")):
        yield from ScheduledRowItem.query(keys.scheduled_pk(tenant_id, template.sk[4:]))


def deliveries(tenant_id: str) -> Iterator[WebhookDeliveryItem]:
    for endpoint in Item.query(keys.tenant_pk(tenant_id), WebhookEndpointItem.sk.startswith(ENDPOINT_PREFIX)):
        endpoint_id = endpoint.sk[len(ENDPOINT_PREFIX):]
        yield from WebhookDeliveryItem.by_tenant.query(endpoint_deliveries_pk(tenant_id, endpoint_id))


def idempotency_records(tenant_id: str) -> Iterator[IdempotencyRecordItem]:
    return IdempotencyRecordItem.query(keys.idempotency_pk(tenant_id))


ERASED = {"erased": True}


def scrub_lms_event(item: LmsEventItem) -> None:
    item.update(actions=[LmsEventItem.payload.set(ERASED), LmsEventItem.detail.set("(personal data erased)")])


def scrub_delivery(item: WebhookDeliveryItem) -> None:
    payload = dict(item.payload)
    if isinstance(payload.get("data"), dict):
        payload["data"] = {**payload["data"], "recipient": ERASED}
    else:
        payload = {**payload, "data": ERASED}
    attempts = [{k: v for k, v in a.items() if k != "response"} for a in item.attempts or []]
    item.update(actions=[WebhookDeliveryItem.payload.set(payload), WebhookDeliveryItem.attempts.set(attempts)])


def delete_items(items: list) -> None:
    with Item.batch_write() as batch:
        for item in items:
            batch.delete(item)
