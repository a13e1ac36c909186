"""Storage behind Open Badges: status-list slots and bits, revocation records, signing keys."""

from __future__ import annotations

from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from . import keys
from .conditional import transact, transaction_condition_failed
from .credentials import _connection
from .models import CounterItem, CredentialItem, Ed25519KeyItem, RevocationItem, SigningKeyItem, StatusListItem


def allocate_status_index(tenant_id: str, count: int = 1) -> int:
    """The first of `count` fresh indexes in the tenant's status lists; an atomic ADD,
    so no two credentials ever share one (bulk jobs take a block with one write)."""
    counter = CounterItem(keys.tenant_pk(tenant_id), keys.counter_sk("status"))
    counter.update(actions=[CounterItem.value.add(count)])
    return int(counter.value) - count


def get_status_list(tenant_id: str, list_no: int, size_bytes: int) -> StatusListItem:
    pk, sk = keys.tenant_pk(tenant_id), keys.status_list_sk(list_no)
    try:
        return StatusListItem.get(pk, sk, consistent_read=True)
    except StatusListItem.DoesNotExist:
        return StatusListItem(pk, sk, bits=bytes(size_bytes), version=0)


def revoke(item: CredentialItem, changes: dict, *, expect_status: str, status_list: StatusListItem | None,
           new_bits: bytes | None) -> bool:
    """Revocation as one transaction: the credential's status, its RevocationList
    record and its bit in the status list all change, or none does. False when the
    credential or the list changed meanwhile (the caller re-reads and retries)."""
    record = RevocationItem(keys.revocations_pk(item.tenant_id), item.credential_id,
                            reason=changes["revocation_reason"], revoked_at=changes["revoked_at"])
    try:
        with TransactWrite(connection=_connection()) as tx:
            tx.update(
                item,
                actions=[getattr(CredentialItem, k).set(v) for k, v in changes.items()]
                + [CredentialItem.claim_token_hash.remove(), CredentialItem.claim_expires_at.remove()],
                condition=CredentialItem.status == expect_status,
            )
            tx.save(record)
            if status_list is not None and new_bits is not None:  # both or neither
                condition = (StatusListItem.version == status_list.version) if status_list.version \
                    else StatusListItem.pk.does_not_exist()
                tx.update(
                    status_list,
                    actions=[StatusListItem.bits.set(new_bits), StatusListItem.version.set(status_list.version + 1)],
                    condition=condition,
                )
    except TransactWriteError as exc:
        if transaction_condition_failed(exc):
            return False
        raise
    item.refresh(consistent_read=True)
    return True


def set_bits(status_list: StatusListItem, bits: bytes) -> bool:
    """Replace a list's bits if nobody changed it since it was read."""
    condition = (StatusListItem.version == status_list.version) if status_list.version \
        else StatusListItem.pk.does_not_exist()
    # a one-item transaction: no update-vs-create split
    return transact(lambda tx: tx.update(status_list, actions=[StatusListItem.bits.set(bits),
                                                               StatusListItem.version.set(status_list.version + 1)],
                                         condition=condition))


def add_revocation(item: CredentialItem, reason: str, at: str) -> None:
    RevocationItem(keys.revocations_pk(item.tenant_id), item.credential_id, reason=reason, revoked_at=at).save()


def revocations(tenant_id: str) -> list[RevocationItem]:
    return list(RevocationItem.query(keys.revocations_pk(tenant_id)))


def signing_keys() -> list[SigningKeyItem]:
    """Retired keys first, then the active one(s), each group oldest first."""
    return sorted(SigningKeyItem.query(keys.PLATFORM_PK, SigningKeyItem.sk.startswith(keys.SIGNING_KEY_PREFIX)),
                  key=lambda k: (k.retired_at is None, k.created_at))


def add_signing_key(kid: str, kms_key_id: str, jwk: dict, created_at: str) -> SigningKeyItem | None:
    """The new key's item; None (nothing written) if this key is registered already."""
    item = SigningKeyItem(keys.PLATFORM_PK, keys.signing_key_sk(kid), kid=kid, kms_key_id=kms_key_id, jwk=jwk,
                          created_at=created_at)
    try:
        item.save(condition=SigningKeyItem.pk.does_not_exist())
    except PutError:
        return None
    return item


def retire_signing_key(item: SigningKeyItem, at: str) -> None:
    item.update(actions=[SigningKeyItem.retired_at.set(at)])


def reactivate_signing_key(item: SigningKeyItem) -> None:
    item.update(actions=[SigningKeyItem.retired_at.remove()])


def ed25519_keys() -> list[Ed25519KeyItem]:
    """Every Ed25519 generation ever registered, oldest first (one Query)."""
    return list(Ed25519KeyItem.query(keys.PLATFORM_PK, Ed25519KeyItem.sk.startswith(keys.ED25519_KEY_PREFIX),
                                     consistent_read=True))


def add_ed25519_key(generation: int, public_key_multibase: str, secret_version_id: str, created_at: str,
                    retire: Ed25519KeyItem | None = None) -> Ed25519KeyItem | None:
    """Register generation `generation` and retire `retire` (the active one) in one
    transaction, so exactly one generation is ever active. None (nothing written) if
    another writer registered that generation or retired that key first (two rotations
    at once: one wins)."""
    item = Ed25519KeyItem(keys.PLATFORM_PK, keys.ed25519_key_sk(generation), generation=generation,
                          public_key_multibase=public_key_multibase, secret_version_id=secret_version_id,
                          created_at=created_at)

    def build(tx: TransactWrite) -> None:
        tx.save(item, condition=Ed25519KeyItem.pk.does_not_exist())
        if retire is not None:
            tx.update(retire, actions=[Ed25519KeyItem.retired_at.set(created_at)],
                      condition=Ed25519KeyItem.retired_at.does_not_exist())

    return item if transact(build) else None
