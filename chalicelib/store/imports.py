"""Imported (external) badges: one item each, found by id; listed per recipient via by_email."""

from __future__ import annotations

from . import keys
from .conditional import update_if
from .models import ImportItem


def _key(import_id: str) -> tuple[str, str]:
    return f"IMPORT#{import_id}", "I"


def create(fields: dict) -> ImportItem:
    pk, sk = _key(fields["import_id"])
    item = ImportItem(pk, sk, **fields, gsi2pk=keys.email_pk(fields["email_hash"]),
                      gsi2sk=f"X#IMPORT#{fields['created_at']}#{fields['import_id']}")
    item.save(condition=ImportItem.pk.does_not_exist())
    return item


def get(import_id: str) -> ImportItem | None:
    try:
        return ImportItem.get(*_key(import_id))
    except ImportItem.DoesNotExist:
        return None


def confirm(item: ImportItem, token_hash: str) -> bool:
    """Single use: only while pending and only with the token that was mailed."""
    return update_if(item, [ImportItem.status.set("confirmed"), ImportItem.confirm_token_hash.remove()],
                     (ImportItem.status == "pending") & (ImportItem.confirm_token_hash == token_hash))


def record_check(item: ImportItem, report: dict, at: str) -> None:
    item.update(actions=[ImportItem.report.set(report), ImportItem.last_verified_at.set(at)])


def for_recipient(email_hash: str) -> list[ImportItem]:
    return list(ImportItem.by_email.query(keys.email_pk(email_hash), ImportItem.gsi2sk.startswith("X#IMPORT#")))


def delete_all(items: list[ImportItem]) -> None:
    with ImportItem.batch_write() as batch:
        for item in items:
            batch.delete(item)
