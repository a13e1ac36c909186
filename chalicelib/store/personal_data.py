"""Where a person's data may sit outside their credentials, and how erasure finds it.

- LMS events and rows waiting for a weekly issuance carry the learner's address in
  every tenant, retakes included: both are indexed by the address (`by_email`,
  `X#LMSEV#...` / `X#SCHED#...`), so erasure finds them in one query per address.
- Outbound webhook deliveries (the event as posted, with the recipient) and
  Powertools idempotency records (an LMS webhook's answer, naming the credential)
  live in the partitions of the tenants that issued the person credentials; erasure
  reads those partitions, so its cost grows with those tenants' logs, never the table.
Matching is exact (a value equal to one of the person's addresses or credential
ids), never a substring: erasing bob@x.example leaves jimbob@x.example alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from pynamodb.attributes import UnicodeAttribute

from . import keys
from .models import Item, LmsEventItem, ScheduledRowItem, _TableMeta
from .webhook_models import WebhookDeliveryItem, WebhookEndpointItem


class IdempotencyRecordItem(Item):
    """A Powertools idempotency record (written by Powertools, read here only)."""

    class Meta(_TableMeta):
        pass

    data = UnicodeAttribute(null=True)


def names(value: Any, needles: set[str]) -> bool:
    """Does any string inside `value` (a JSON document or its text) equal a needle
    (compared trimmed and lower-cased)?"""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value.strip().lower() in needles
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, str) and v.strip().lower() in needles:
            return True
    return False


def lms_events_for(email_hashes: Iterable[str]) -> Iterator[LmsEventItem]:
    for h in email_hashes:
        yield from LmsEventItem.by_email.query(keys.email_pk(h),
                                               LmsEventItem.gsi2sk.startswith(keys.LMS_EVENT_EMAIL_PREFIX))


def scheduled_rows_for(email_hashes: Iterable[str]) -> list[ScheduledRowItem]:
    return [r for h in email_hashes
            for r in ScheduledRowItem.by_email.query(keys.email_pk(h),
                                                     ScheduledRowItem.gsi2sk.startswith(keys.SCHEDULED_EMAIL_PREFIX))]


def deliveries(tenant_id: str) -> Iterator[WebhookDeliveryItem]:
    prefix = keys.WEBHOOK_ENDPOINT_PREFIX
    for endpoint in Item.query(keys.tenant_pk(tenant_id), WebhookEndpointItem.sk.startswith(prefix)):
        endpoint_id = endpoint.sk[len(prefix):]
        yield from WebhookDeliveryItem.by_tenant.query(keys.endpoint_deliveries_pk(tenant_id, endpoint_id))


def idempotency_records(tenant_id: str) -> Iterator[IdempotencyRecordItem]:
    return IdempotencyRecordItem.query(keys.idempotency_pk(tenant_id))


ERASED = {"erased": True}


def scrub_lms_event(item: LmsEventItem) -> None:
    item.update(actions=[LmsEventItem.payload.set(ERASED), LmsEventItem.detail.set("(personal data erased)"),
                         LmsEventItem.gsi2pk.remove(), LmsEventItem.gsi2sk.remove()])


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
