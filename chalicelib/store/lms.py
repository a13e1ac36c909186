"""LMS integrations, their event log and the weekly issuance queue."""

from __future__ import annotations

from . import keys, paging
from .models import IntegrationItem, LmsEventItem, ScheduledRowItem


def create(fields: dict) -> IntegrationItem:
    pk, sk = keys.own_key(keys.integration_key(fields["integration_id"]), fields["integration_id"])
    item = IntegrationItem(pk, sk, **fields)
    item.save(condition=IntegrationItem.pk.does_not_exist())
    return item


def get(integration_id: str) -> IntegrationItem | None:
    key = keys.integration_key(integration_id)
    if key is None:
        return None
    try:
        return IntegrationItem.get(*key)
    except IntegrationItem.DoesNotExist:
        return None


def update(item: IntegrationItem, changes: dict, remove: tuple[str, ...] = ()) -> IntegrationItem:
    actions = [getattr(IntegrationItem, k).set(v) for k, v in changes.items()]
    actions += [getattr(IntegrationItem, k).remove() for k in remove]
    item.update(actions=actions, condition=IntegrationItem.pk.exists())
    return item


def list_for(tenant_id: str) -> list[IntegrationItem]:
    return list(IntegrationItem.query(keys.tenant_pk(tenant_id),
                                      IntegrationItem.sk.startswith(keys.INTEGRATION_PREFIX)))


def record_event(item: IntegrationItem, fields: dict, email_hash: str | None = None) -> LmsEventItem:
    sk = keys.lms_event_sk(fields["received_at"], fields["event_key"])
    event = LmsEventItem(keys.lms_events_pk(item.tenant_id, item.integration_id), sk, **fields)
    if email_hash:
        event.gsi2pk, event.gsi2sk = keys.email_pk(email_hash), keys.lms_event_email_sk(item.tenant_id, sk)
    event.save()
    return event


def events_page(item: IntegrationItem, limit: int, cursor: str | None) -> tuple[list[LmsEventItem], str | None]:
    pk = keys.lms_events_pk(item.tenant_id, item.integration_id)
    start = paging.decode(cursor, expected={"pk": pk}, allowed_keys={"pk", "sk"})
    result = LmsEventItem.query(pk, limit=limit, last_evaluated_key=start, scan_index_forward=False)
    items = list(result)
    return items, paging.encode(result.last_evaluated_key)


def queue_for_schedule(tenant_id: str, template_id: str, weekday: str, queued_at: str, event_key: str, row: dict,
                       email_hash: str) -> None:
    sk = keys.scheduled_sk(queued_at, event_key)
    ScheduledRowItem(keys.scheduled_pk(tenant_id, template_id), sk, tenant_id=tenant_id,
                     template_id=template_id, row=row, gsi3pk=keys.scheduled_day_pk(weekday),
                     gsi3sk=keys.scheduled_day_sk(tenant_id, template_id, sk), gsi2pk=keys.email_pk(email_hash),
                     gsi2sk=keys.scheduled_email_sk(tenant_id, template_id, sk)).save()


def scheduled_for(weekday: str) -> list[ScheduledRowItem]:
    """Every queued row of every tenant due on `weekday`: cost grows with the rows, not the table."""
    return list(ScheduledRowItem.by_expiry.query(keys.scheduled_day_pk(weekday)))


def dequeue(rows: list[ScheduledRowItem]) -> None:
    with ScheduledRowItem.batch_write() as batch:
        for row in rows:
            batch.delete(row)
