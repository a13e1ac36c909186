"""Credentials: one item each, found by id with one GetItem.

Status changes are conditional writes, so two racing claims (or a claim racing a
revocation) can never both win, and a replayed claim token finds nothing to change.
"""

from __future__ import annotations


from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ..config import get_settings
from ..domain.credentials import ACCEPTED_STATUSES, BLOCKING_STATUSES
from .conditional import update_if
from . import keys, paging
from collections.abc import Iterator

from .models import CredentialItem, MarkerItem, RecipientSlotItem


def _index_keys(fields: dict) -> dict:
    tenant_id, cid = fields["tenant_id"], fields["credential_id"]
    out = {
        "gsi1pk": keys.tenant_credentials_pk(tenant_id),
        "gsi1sk": keys.tenant_credentials_sk(fields["created_at"], cid),
        "gsi2pk": keys.email_pk(fields["email_hash"]),
        "gsi2sk": keys.credential_email_sk(tenant_id, fields["template_id"], fields["created_at"], cid),
    }
    if fields.get("expires_at"):
        out["gsi3pk"] = keys.expiry_pk(fields["expires_at"][:10])
        out["gsi3sk"] = keys.expiry_sk(fields["expires_at"], cid)
    return out


def build(fields: dict) -> CredentialItem:
    pk, sk = keys.credential_key(fields["credential_id"])
    return CredentialItem(pk, sk, **fields, **_index_keys(fields))


def recipient_slot(tenant_id: str, email_hash: str, template_id: str) -> RecipientSlotItem:
    """The slot as it is now (strongly consistent); a fresh one (version 0) if none exists."""
    pk, sk = keys.recipient_slot_key(tenant_id, email_hash, template_id)
    try:
        return RecipientSlotItem.get(pk, sk, consistent_read=True)
    except RecipientSlotItem.DoesNotExist:
        return RecipientSlotItem(pk, sk, version=0)


def issuance_context(tenant_id: str, template_id: str, email_hash: str) -> tuple:
    """(template or None, issuer or None, recipient slot) for one issuance, in ONE
    strongly consistent BatchGetItem instead of three reads (a fresh slot, version 0,
    when the person was never issued this template)."""
    from .connection import get_many
    from .models import IssuerItem, TemplateItem

    template_key = (keys.tenant_pk(tenant_id), keys.template_sk(template_id))
    issuer_key = (keys.tenant_pk(tenant_id), keys.PROFILE_SK)
    slot_key = keys.recipient_slot_key(tenant_id, email_hash, template_id)
    found = get_many([template_key, issuer_key, slot_key])
    template = TemplateItem.from_raw_data(found[template_key]) if template_key in found else None
    issuer = IssuerItem.from_raw_data(found[issuer_key]) if issuer_key in found else None
    slot = RecipientSlotItem.from_raw_data(found[slot_key]) if slot_key in found \
        else RecipientSlotItem(*slot_key, version=0)
    return template, issuer, slot


def get_consistent(credential_id: str) -> CredentialItem | None:
    key = keys.credential_key(credential_id)
    try:
        return CredentialItem.get(*key, consistent_read=True) if key else None
    except CredentialItem.DoesNotExist:
        return None


def insert(item: CredentialItem, slot: RecipientSlotItem, *, replacing: list[CredentialItem] = (),
           revoke_fields: dict | None = None) -> bool:
    """Write a new credential, move the recipient slot on, and revoke `replacing`, all
    in one transaction (at most domain.credentials.MAX_REPLACED of them). The slot's
    version condition makes a concurrent issuance of the same credential to the same
    person fail instead of slipping past `deny`. False when the transaction did not go
    through (nothing was written)."""
    slot_condition = (RecipientSlotItem.version == slot.version) if slot.version else RecipientSlotItem.pk.does_not_exist()
    try:
        with TransactWrite(connection=_connection()) as tx:
            tx.save(item, condition=CredentialItem.pk.does_not_exist())
            tx.update(
                slot,
                actions=[RecipientSlotItem.version.set(slot.version + 1), RecipientSlotItem.latest.set(item.credential_id),
                         RecipientSlotItem.claimed_at.remove()],  # `latest` exists from now on: no claim in flight
                condition=slot_condition,
            )
            for old in replacing:
                tx.update(
                    old,
                    actions=[getattr(CredentialItem, k).set(v) for k, v in revoke_fields.items()]
                    + [CredentialItem.claim_token_hash.remove(), CredentialItem.claim_expires_at.remove()],
                    condition=CredentialItem.status.is_in(*BLOCKING_STATUSES),
                )
    except TransactWriteError:
        return False
    return True


def _connection() -> Connection:
    from .connection import connection

    return connection()


def get(credential_id: str) -> CredentialItem | None:
    key = keys.credential_key(credential_id)
    if key is None:
        return None
    try:
        return CredentialItem.get(*key)
    except CredentialItem.DoesNotExist:
        return None


def get_for_tenant(tenant_id: str, credential_id: str) -> CredentialItem | None:
    """Only ids inside the tenant's own partitions are read at all."""
    if not credential_id.startswith(f"{tenant_id}-"):
        return None
    return get(credential_id)


def conditional_update(item: CredentialItem, changes: dict, *, expect_status: tuple[str, ...],
                       expect_token_hash: str | None = None, remove: tuple[str, ...] = ()) -> bool:
    """Apply `changes` only if the item is still in one of `expect_status` (and, for
    claims, still holds the same token hash). Returns False when the condition failed."""
    actions = [getattr(CredentialItem, name).set(value) for name, value in changes.items()]
    actions += [getattr(CredentialItem, name).remove() for name in remove]
    condition = CredentialItem.status.is_in(*expect_status)
    if expect_token_hash is not None:
        condition &= CredentialItem.claim_token_hash == expect_token_hash
    return update_if(item, actions, condition)


def claim_slot(slot: RecipientSlotItem, credential_id: str, at: str) -> bool:
    """Point the recipient's slot at `credential_id` (about to be written) if nobody
    moved it since `slot` was read: the same version condition `insert` puts on it,
    as one conditional UpdateItem. False when the slot moved (someone else issued to
    this person meanwhile): read it again and decide again."""
    version = int(slot.version or 0)
    condition = (RecipientSlotItem.version == version) if version else RecipientSlotItem.pk.does_not_exist()
    return update_if(slot, [RecipientSlotItem.version.set(version + 1), RecipientSlotItem.latest.set(credential_id),
                            RecipientSlotItem.claimed_at.set(at)], condition)


def batch_put(items: list[CredentialItem]) -> None:
    """BatchWriteItem, 25 items a request (PynamoDB retries unprocessed items). Used by
    bulk jobs whose credential ids are deterministic, so a repeat rewrites the same
    items; each item's recipient slot was claimed first (`claim_slot`)."""
    with CredentialItem.batch_write() as batch:
        for item in items:
            batch.save(item)


def recipient_slots(tenant_id: str, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], RecipientSlotItem]:
    """Slots for (email hash, template) pairs with BatchGetItem (100 keys a request);
    missing ones come back fresh (version 0)."""
    keyed = {keys.recipient_slot_key(tenant_id, e, t): (e, t) for e, t in pairs}
    found = {(s.pk, s.sk): s for s in RecipientSlotItem.batch_get(list(keyed))}
    return {pair: found.get(key) or RecipientSlotItem(*key, version=0) for key, pair in keyed.items()}


def batch_get(credential_ids: set[str]) -> dict[str, CredentialItem]:
    wanted = [keys.credential_key(c) for c in credential_ids if keys.credential_key(c)]
    return {c.credential_id: c for c in CredentialItem.batch_get(wanted)}


def set_baked_key(item: CredentialItem, key: str) -> bool:
    """Remember the baked image, unless the credential changed since it was baked or
    was hidden or erased meanwhile (the caller then deletes the file it just wrote)."""
    return update_if(item, [CredentialItem.baked_key.set(key)],
                     (CredentialItem.updated_at == item.updated_at) & CredentialItem.private.does_not_exist()
                     & CredentialItem.erased_at.does_not_exist())


def for_recipient(tenant_id: str, email_hash: str, template_id: str | None = None) -> list[CredentialItem]:
    prefix = keys.email_sk_prefix(tenant_id, template_id)
    return list(CredentialItem.by_email.query(keys.email_pk(email_hash), CredentialItem.gsi2sk.startswith(prefix)))


def list_page(tenant_id: str, *, template_id: str | None, status: str | None, email_hash: str | None,
              limit: int, cursor: str | None) -> tuple[list[CredentialItem], str | None]:
    condition = None
    if status:
        condition = CredentialItem.status == status
    if email_hash:
        pk = keys.email_pk(email_hash)
        prefix = keys.email_sk_prefix(tenant_id, template_id)
        start = paging.decode(cursor, expected={"gsi2pk": pk, "sk": keys.CREDENTIAL_SK},
                              allowed_keys={"pk", "sk", "gsi2pk", "gsi2sk"},
                              prefixes={"pk": keys.credential_pk_prefix(tenant_id), "gsi2sk": prefix})
        result = CredentialItem.by_email.query(pk, CredentialItem.gsi2sk.startswith(prefix),
                                               filter_condition=condition, limit=limit,
                                               last_evaluated_key=start, scan_index_forward=False)
    else:
        if template_id:
            tpl = CredentialItem.template_id == template_id
            condition = tpl if condition is None else condition & tpl
        pk = keys.tenant_credentials_pk(tenant_id)
        start = paging.decode(cursor, expected={"gsi1pk": pk, "sk": keys.CREDENTIAL_SK},
                              allowed_keys={"pk", "sk", "gsi1pk", "gsi1sk"},
                              prefixes={"pk": keys.credential_pk_prefix(tenant_id)})
        result = CredentialItem.by_tenant.query(pk, filter_condition=condition, limit=limit,
                                                last_evaluated_key=start, scan_index_forward=False)
    items = list(result)
    return items, paging.encode(result.last_evaluated_key)


def expiring_on(day: str) -> Iterator[CredentialItem]:
    """Credentials whose expiry falls on `day` (YYYY-MM-DD), from the sparse by_expiry
    index: the cost is the credentials of that day, whatever the table's size."""
    return CredentialItem.by_expiry.query(keys.expiry_pk(day))


def mark_once(item: CredentialItem, attribute: str, at: str) -> bool:
    """Set `attribute` only if it was never set: the one writer wins, re-runs and
    overlapping runs do nothing (the caller mails only when this returns True)."""
    attr = getattr(CredentialItem, attribute)
    # (pk.exists: a credential deleted meanwhile, e.g. by offboarding, is not revived as a stub)
    return update_if(item, [attr.set(at)], CredentialItem.pk.exists() & attr.does_not_exist())


def last_sweep_day() -> str | None:
    try:
        return MarkerItem.get(keys.PLATFORM_PK, keys.EXPIRY_SWEEP_SK, consistent_read=True).value
    except MarkerItem.DoesNotExist:
        return None


def set_last_sweep_day(day: str) -> None:
    MarkerItem(keys.PLATFORM_PK, keys.EXPIRY_SWEEP_SK, value=day).save()


def all_for_email(email_hash: str) -> list[CredentialItem]:
    """Every credential ever issued to an address, across issuers (an earner's wallet)."""
    # the index also holds the address's imported badges (`X#IMPORT#...`): only credentials (`T#...`)
    return list(CredentialItem.by_email.query(keys.email_pk(email_hash), CredentialItem.gsi2sk.startswith(keys.EMAIL_CREDENTIALS_PREFIX),
                                              scan_index_forward=False))


def set_private(item: CredentialItem, private: bool) -> bool:
    """Hide or show a credential the earner accepted; False if it is not (any more) one
    they accepted. `updated_at` stays: privacy changes neither the badge nor its image.
    Hiding forgets the baked image in the same write (the caller deletes the file)."""
    actions = [CredentialItem.private.set(True), CredentialItem.baked_key.remove()] if private \
        else [CredentialItem.private.remove()]
    return update_if(item, actions,
                     CredentialItem.status.is_in(*ACCEPTED_STATUSES) & CredentialItem.accepted_at.exists()
                     & CredentialItem.erased_at.does_not_exist())


def restrict(item: CredentialItem) -> bool:
    """Hide a credential whatever its status, so that one still pending stays hidden
    when it is accepted later (by its claim link or in the wallet). False if it is gone
    or erased."""
    return update_if(item, [CredentialItem.private.set(True), CredentialItem.baked_key.remove()],
                     CredentialItem.pk.exists() & CredentialItem.erased_at.does_not_exist())


# Everything about the recipient, and everything derived from their address (the
# salted hashes in the Open Badges documents, the index keys, the baked image).
_ERASED_REMOVE = ("claim_token_hash", "claim_expires_at", "claim_used_hash", "recipient_salt", "ob3", "ob3_jwt",
                  "baked_key", "earner_id", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk", "private", "holder")


def erase(item: CredentialItem, now: str) -> bool:
    """Forget the person a credential was issued to. What stays is what the issuer sent
    about the badge (snapshot, dates, status, status-list slot), so the issuer's
    records and revocation lists stay whole; the public page and documents answer 410."""
    actions = [CredentialItem.email.set(""), CredentialItem.email_hash.set(""), CredentialItem.first_name.set(""),
               CredentialItem.last_name.set(""), CredentialItem.evidence.set([]), CredentialItem.erased_at.set(now),
               CredentialItem.updated_at.set(now)]
    actions += [getattr(CredentialItem, name).remove() for name in _ERASED_REMOVE]
    return update_if(item, actions, CredentialItem.erased_at.does_not_exist())


def delete_recipient_slots(tenant_id: str, email_hash: str) -> int:
    slots = list(RecipientSlotItem.query(keys.recipient_slots_pk(tenant_id, email_hash)))
    with RecipientSlotItem.batch_write() as batch:
        for slot in slots:
            batch.delete(slot)
    return len(slots)


def set_holder(item: CredentialItem, earner_id: str, *, previous: str | None = None) -> bool:
    """Name the wallet account that keeps a credential: only if nobody (or `previous`,
    on a merge) holds it."""
    condition = CredentialItem.holder.does_not_exist()
    if previous:
        condition = CredentialItem.holder == previous
    return update_if(item, [CredentialItem.holder.set(earner_id)], condition)
