"""Offboarding a tenant: finding everything it owns, and deleting it in batches.

Everything is found through the tenant's own partitions and the `by_tenant` index
(never a scan), so the cost grows with the tenant's data, not with the table:

| what                  | found by                                                  |
|-----------------------|-----------------------------------------------------------|
| profile, keys, templates, integrations, jobs, endpoints, status lists, counters, support | Query `T#<tenant>` |
| credentials           | Query `by_tenant` `T#<tenant>#C`                          |
| recipient slots       | their keys, from the credentials' (email hash, template)  |
| LMS events            | Query `T#<tenant>#LMSEV#<integration>` per integration    |
| scheduled rows        | Query `T#<tenant>#SCHED#<template>` per template          |
| bulk chunk failures   | Query `T#<tenant>#JOB#<job>` per job                      |
| webhook deliveries    | Query `by_tenant` `T#<tenant>#WHE#<endpoint>#D`           |
| idempotency records   | Query `T#<tenant>#IDEMPOTENCY`                            |
| engagement counters   | Query `T#<tenant>#ENGD`, `#ENGT`, `#ENGC` (store/engagement.py) |
| talent messages       | Query `T#<tenant>#MSG`, `#MSGOPEN` (store/talent.py)      |

Deletes are BatchWriteItem (25 keys a request), except for pending credentials: an
earner may accept one at any moment, so each is a DeleteItem on condition that it
is still pending (an accepted credential is never deleted, whatever the race).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from pynamodb.exceptions import DeleteError, PutError
from pynamodb.expressions.update import Action

from . import keys
from .conditional import transact, update_if
from .models import CredentialItem, IntegrationItem, IssuerItem, Item, OffboardingItem, TemplateItem
from .webhook_models import WebhookDeliveryItem, WebhookEndpointItem

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

# what a credential listing returns (the index projects everything; only this is sent back)
_CREDENTIAL_FIELDS = ["pk", "sk", "credential_id", "status", "accepted_at", "email_hash", "template_id", "snapshot"]

Key = tuple[str, str]


# ------------------------------------------------------------------ the offboarding record


def get(tenant_id: str) -> OffboardingItem | None:
    try:
        return OffboardingItem.get(keys.tenant_pk(tenant_id), keys.OFFBOARDING_SK, consistent_read=True)
    except OffboardingItem.DoesNotExist:
        return None


def save_plan(tenant_id: str, fields: dict) -> bool:
    """Store a dry run's plan, replacing an unconfirmed earlier one (and so its token).
    False when the offboarding was confirmed already."""
    item = OffboardingItem(keys.tenant_pk(tenant_id), keys.OFFBOARDING_SK, tenant_id=tenant_id, state="planned",
                           **fields)
    try:
        item.save(condition=OffboardingItem.pk.does_not_exist() | (OffboardingItem.state == "planned"))
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def confirm(record: OffboardingItem, issuer: IssuerItem, token_hash: str, now: str) -> bool:
    """The one winning confirmation: the plan moves to `deleting` (its token is used
    up) and the issuer is marked offboarded, in one transaction. False if the token
    is no longer the plan's, the plan expired or was confirmed by someone else."""
    def build(tx: TransactWrite) -> None:
        tx.update(
            record,
            actions=[OffboardingItem.state.set("deleting"), OffboardingItem.confirmed_at.set(now),
                     OffboardingItem.used_token_hash.set(token_hash), OffboardingItem.token_hash.remove(),
                     OffboardingItem.token_expires_at.remove(), OffboardingItem.updated_at.set(now)],
            condition=(OffboardingItem.state == "planned") & (OffboardingItem.token_hash == token_hash)
            & (OffboardingItem.token_expires_at > now),
        )
        tx.update(issuer, actions=[IssuerItem.offboarded_at.set(now), IssuerItem.updated_at.set(now)],
                  condition=IssuerItem.pk.exists() & IssuerItem.offboarded_at.does_not_exist())
    return transact(build)


def take_lease(record: OffboardingItem, now: str, until: str) -> bool:
    """One deletion run at a time (the queue worker and an operator's `continue` may
    meet); a crashed run's lease simply runs out."""
    condition = (OffboardingItem.state == "deleting") & (
        OffboardingItem.lease_until.does_not_exist() | (OffboardingItem.lease_until < now))
    return update_if(record, [OffboardingItem.lease_until.set(until), OffboardingItem.runs.add(1),
                              OffboardingItem.updated_at.set(now)], condition)


def save_progress(record: OffboardingItem, deleted: dict, now: str, *, kept: dict | None = None,
                  completed: bool = False, error: str | None = None) -> None:
    """Counts so far; the lease holder is the only writer, so a plain update is enough."""
    actions: list[Action] = [OffboardingItem.deleted.set(deleted), OffboardingItem.updated_at.set(now)]
    if kept is not None:
        actions.append(OffboardingItem.kept.set(kept))
    if completed:
        actions += [OffboardingItem.state.set("completed"), OffboardingItem.completed_at.set(now),
                    OffboardingItem.lease_until.remove(), OffboardingItem.last_error.remove()]
    elif error is not None:
        actions += [OffboardingItem.last_error.set(error[:500]), OffboardingItem.lease_until.remove()]
    record.update(actions=actions, condition=OffboardingItem.state == "deleting")


def mark_slots_deleted(record: OffboardingItem, now: str) -> None:
    record.update(actions=[OffboardingItem.slots_deleted_at.set(now)], condition=OffboardingItem.state == "deleting")


def release_lease(record: OffboardingItem, now: str) -> None:
    update_if(record, [OffboardingItem.lease_until.remove(), OffboardingItem.updated_at.set(now)],
              OffboardingItem.state == "deleting")


# ------------------------------------------------------------------ finding the tenant's items


def tenant_partition(tenant_id: str) -> list[Key]:
    """Every item key in `T#<tenant>` (profile, keys, templates, integrations, jobs,
    endpoints, status lists, counters, support requests, this record)."""
    return [(i.pk, i.sk) for i in Item.query(keys.tenant_pk(tenant_id), consistent_read=True)]


def templates(tenant_id: str) -> list[TemplateItem]:
    return list(TemplateItem.query(keys.tenant_pk(tenant_id), TemplateItem.sk.startswith(keys.TEMPLATE_PREFIX),
                                   consistent_read=True))


def partition_keys(pk: str) -> list[Key]:
    return [(i.pk, i.sk) for i in Item.query(pk, consistent_read=True)]


def lms_event_keys(tenant_id: str, integration_id: str) -> list[Key]:
    return partition_keys(keys.lms_events_pk(tenant_id, integration_id))


def scheduled_row_keys(tenant_id: str, template_id: str) -> list[Key]:
    return partition_keys(keys.scheduled_pk(tenant_id, template_id))


def job_failure_keys(tenant_id: str, job_id: str) -> list[Key]:
    return partition_keys(keys.job_failures_pk(tenant_id, job_id))


def idempotency_keys(tenant_id: str) -> list[Key]:
    return partition_keys(keys.idempotency_pk(tenant_id))


def delivery_keys(tenant_id: str, endpoint_id: str) -> list[Key]:
    pk = keys.endpoint_deliveries_pk(tenant_id, endpoint_id)
    return [(d.pk, d.sk) for d in WebhookDeliveryItem.by_tenant.query(pk, attributes_to_get=["pk", "sk"])]


def credentials(tenant_id: str) -> Iterator[CredentialItem]:
    """The tenant's credentials (any status), with only what offboarding decides on."""
    return CredentialItem.by_tenant.query(keys.tenant_credentials_pk(tenant_id), attributes_to_get=_CREDENTIAL_FIELDS)


def slot_key(tenant_id: str, email_hash: str, template_id: str) -> Key:
    return keys.recipient_slot_key(tenant_id, email_hash, template_id)


def integration_item(tenant_id: str, integration_id: str) -> IntegrationItem:
    return IntegrationItem(keys.tenant_pk(tenant_id), keys.integration_sk(integration_id))


def endpoint_item(tenant_id: str, endpoint_id: str) -> WebhookEndpointItem:
    return WebhookEndpointItem(*keys.webhook_endpoint_key(tenant_id, endpoint_id))


# ------------------------------------------------------------------ stopping and deleting


def disable_integration(tenant_id: str, integration_id: str, now: str) -> None:
    """The inbound hook refuses a disabled integration with no extra read."""
    update_if(integration_item(tenant_id, integration_id),
              [IntegrationItem.state.set("disabled"), IntegrationItem.updated_at.set(now)], IntegrationItem.pk.exists())


def disable_endpoint(tenant_id: str, endpoint_id: str, now: str) -> None:
    """Queued deliveries to a disabled endpoint are cancelled when their turn comes."""
    update_if(endpoint_item(tenant_id, endpoint_id),
              [WebhookEndpointItem.status.set("disabled"), WebhookEndpointItem.disabled_at.set(now),
               WebhookEndpointItem.updated_at.set(now)], WebhookEndpointItem.pk.exists())


def batch_delete(item_keys: Iterable[Key]) -> int:
    """BatchWriteItem deletes, 25 keys a request (PynamoDB resends unprocessed ones).
    Deleting a key that is already gone is not an error: a re-run repeats safely."""
    count = 0
    with Item.batch_write() as batch:
        for pk, sk in item_keys:
            batch.delete(Item(pk, sk))
            count += 1
    return count


def delete_if_pending(credential_id: str) -> bool:
    """Delete a credential only if it is still pending (an earner may accept it this
    very moment: then it is kept). False when it was not pending (or is gone)."""
    pk, sk = keys.own_key(keys.credential_key(credential_id), credential_id)
    try:
        CredentialItem(pk, sk).delete(condition=CredentialItem.status == "pending")
    except DeleteError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True
