"""The audit log: append and list, nothing else.

There is deliberately no update or delete here: an entry, once written, is only
ever read. See `audit_models.py` for the key layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pynamodb.exceptions import PutError

from . import keys, paging
from .audit_models import AuditItem
from .conditional import Update, transact

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite


def _entry(fields: dict) -> AuditItem:
    tenant_id = fields.get("tenant_id")
    pk = keys.tenant_audit_pk(tenant_id) if tenant_id else keys.OPS_AUDIT_PK
    sk = keys.audit_sk(fields["at"], fields["entry_id"])
    return AuditItem(pk, sk, gsi1pk=keys.audit_day_pk(fields["at"][:10]), gsi1sk=sk, **fields)


def append_joined(fields: dict, joined: Sequence[Update]) -> bool:
    """Write one entry and the `joined` updates of other items (built by the stores that
    own them) in ONE TransactWriteItems: all of it or nothing. False when a condition
    did not hold (a joined item changed or is gone): nothing was written, and the caller
    writes them apart. Other errors raise. The entry's own condition is append's."""
    item = _entry(fields)

    def build(tx: TransactWrite) -> None:
        tx.save(item, condition=AuditItem.pk.does_not_exist())
        for update in joined:
            tx.update(update.item, actions=update.actions, condition=update.condition)

    return transact(build)


def exists(fields: dict) -> bool:
    """Is the entry these fields name written? (A strongly consistent GetItem of its key.)"""
    item = _entry(fields)
    try:
        AuditItem.get(item.pk, item.sk, consistent_read=True, attributes_to_get=["pk"])
    except AuditItem.DoesNotExist:
        return False
    return True


def append(fields: dict) -> AuditItem:
    """Write one entry; its key (time + 128 random bits) is new, and the condition
    makes sure an existing entry is never overwritten."""
    item = _entry(fields)
    try:
        item.save(condition=AuditItem.pk.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise RuntimeError("an audit entry with this key exists already") from exc
        raise
    return item


def tenant_page(tenant_id: str, *, day: str | None, limit: int, cursor: str | None,
                actor_id: str | None = None, method: str | None = None,
                route: str | None = None) -> tuple[list[AuditItem], str | None]:
    """A tenant's own entries, newest first (optionally one day's).

    `actor_id`, `method`, `route`: only the entries that match. No index holds entries by
    actor or by route, so these are a filter within the query of the tenant's partition;
    callers pass a `day` with them (services/audit.py requires it), which bounds what the
    query reads to one day's entries, never the whole log. A page may then read more
    than `limit` entries to find `limit` matches (PynamoDB keeps querying the day)."""
    pk = keys.tenant_audit_pk(tenant_id)
    start = paging.decode(cursor, expected={"pk": pk}, allowed_keys={"pk", "sk"},
                          prefixes={"sk": day} if day else None)
    conditions = [c for c in (AuditItem.actor_id == actor_id if actor_id else None,
                              AuditItem.method == method if method else None,
                              AuditItem.route == route if route else None) if c is not None]
    condition = None
    for c in conditions:
        condition = c if condition is None else condition & c
    result = AuditItem.query(pk, AuditItem.sk.startswith(day) if day else None, filter_condition=condition,
                             limit=limit, last_evaluated_key=start, scan_index_forward=False)
    items = list(result)
    return items, paging.encode(result.last_evaluated_key)


def day_page(day: str, *, limit: int, cursor: str | None) -> tuple[list[AuditItem], str | None]:
    """Every entry of one UTC day (all tenants and operators), newest first."""
    pk = keys.audit_day_pk(day)
    start = paging.decode(cursor, expected={"gsi1pk": pk}, allowed_keys={"pk", "sk", "gsi1pk", "gsi1sk"})
    result = AuditItem.by_tenant.query(pk, limit=limit, last_evaluated_key=start, scan_index_forward=False)
    items = list(result)
    return items, paging.encode(result.last_evaluated_key)
