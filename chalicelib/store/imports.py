"""Imported (external) badges: one item each, found by id; listed per recipient via
by_email. Keys: see the table in `keys.py` (import, import pending slot).

A pending slot is one address and one badge while its confirmation is pending: it is
written in the same transaction as the import, on the condition that no other pending
import holds it, so two requests (even at once) never mail twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from . import keys
from .conditional import transact, update_if
from .models import ImportItem, Item, _TableMeta

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite


class ImportSlotItem(Item):
    class Meta(_TableMeta):
        pass

    import_id = UnicodeAttribute()
    pending_until = UnicodeAttribute()  # ISO instant; after it the slot may be taken again
    expiration = NumberAttribute()  # TTL: DynamoDB removes the slot after that


def _item(fields: dict) -> ImportItem:
    pk, sk = keys.import_key(fields["import_id"])
    return ImportItem(pk, sk, **fields, gsi2pk=keys.email_pk(fields["email_hash"]),
                      gsi2sk=keys.import_email_sk(fields["created_at"], fields["import_id"]))


def pending_slot(email_hash: str, badge_key: str) -> ImportSlotItem | None:
    try:
        return ImportSlotItem.get(*keys.import_slot_key(email_hash, badge_key), consistent_read=True)
    except ImportSlotItem.DoesNotExist:
        return None


def create_pending(fields: dict, badge_key: str, pending_until: str, expiration: int, now: str,
                   replacing: str | None = None) -> ImportItem | None:
    """The import and its slot, in one transaction; None (nothing written) when another
    import holds the slot and is still pending. `replacing`: the id of an import the
    caller found in the slot and knows is no longer pending (confirmed or gone)."""
    item = _item(fields)
    slot = ImportSlotItem(*keys.import_slot_key(fields["email_hash"], badge_key), import_id=fields["import_id"],
                          pending_until=pending_until, expiration=expiration)
    free = ImportSlotItem.pk.does_not_exist() | (ImportSlotItem.pending_until <= now)
    if replacing:
        free = free | (ImportSlotItem.import_id == replacing)

    def build(tx: TransactWrite) -> None:
        tx.save(item, condition=ImportItem.pk.does_not_exist())
        tx.save(slot, condition=free)

    return item if transact(build) else None


def release(item: ImportItem, badge_key: str) -> None:
    """Undo `create_pending` (its mail could not be sent): the import and, if it still
    holds it, its slot, so the address can ask again."""
    def build(tx: TransactWrite) -> None:
        tx.delete(item)
        tx.delete(ImportSlotItem(*keys.import_slot_key(item.email_hash, badge_key)),
                  condition=ImportSlotItem.import_id == item.import_id)

    if not transact(build):
        item.delete()


def get(import_id: str) -> ImportItem | None:
    try:
        return ImportItem.get(*keys.import_key(import_id))
    except ImportItem.DoesNotExist:
        return None


def confirm(item: ImportItem, token_hash: str, created_after: str) -> bool:
    """Single use: only while pending, only with the token that was mailed, and only
    for an import created after `created_after` (its link has not expired)."""
    return update_if(item, [ImportItem.status.set("confirmed"), ImportItem.confirm_token_hash.remove()],
                     (ImportItem.status == "pending") & (ImportItem.confirm_token_hash == token_hash)
                     & (ImportItem.created_at > created_after))


def record_check(item: ImportItem, report: dict, at: str) -> None:
    item.update(actions=[ImportItem.report.set(report), ImportItem.last_verified_at.set(at)])


def for_recipient(email_hash: str) -> list[ImportItem]:
    return list(ImportItem.by_email.query(keys.email_pk(email_hash),
                                          ImportItem.gsi2sk.startswith(keys.IMPORT_EMAIL_PREFIX)))


def delete_all(items: list[ImportItem]) -> None:
    """Delete these imports and every pending slot of their recipients' addresses."""
    slots = [s for h in {i.email_hash for i in items} for s in ImportSlotItem.query(keys.import_slots_pk(h))]
    with ImportItem.batch_write() as batch:
        for item in [*items, *slots]:
            batch.delete(item)
