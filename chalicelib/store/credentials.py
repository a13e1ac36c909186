"""Credentials: one item each, found by id with one GetItem.

Status changes are conditional writes, so two racing claims (or a claim racing a
revocation) can never both win, and a replayed claim token finds nothing to change.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.condition import size as size_of
from pynamodb.pagination import ResultIterator
from pynamodb.transactions import TransactWrite

from ..domain.credentials import ACCEPTED_STATUSES, BLOCKING_STATUSES
from . import keys, paging
from .conditional import Update, update_if
from .models import CredentialItem, MailLogEntry, MarkerItem, RecipientSlotItem


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
    pk, sk = keys.own_key(keys.credential_key(fields["credential_id"]), fields["credential_id"])
    return CredentialItem(pk, sk, **fields, **_index_keys(fields))


def recipient_slot(tenant_id: str, email_hash: str, template_id: str) -> RecipientSlotItem:
    """The slot as it is now (strongly consistent); a fresh one (version 0) if none exists."""
    pk, sk = keys.recipient_slot_key(tenant_id, email_hash, template_id)
    try:
        return RecipientSlotItem.get(pk, sk, consistent_read=True)
    except RecipientSlotItem.DoesNotExist:
        return RecipientSlotItem(pk, sk, version=0)


def issuance_context(tenant_id: str, template_id: str, email_hash: str) -> tuple:
    """(template or None, issuer or None, recipient slot, whether the address is suppressed,
    the language its owner chose or None) for one issuance, in ONE strongly consistent
    BatchGetItem instead of five reads (a fresh slot, version 0, when the person was never
    issued this template; the suppression list's item, issue 17, and the address owner's
    item, issue 19, so the claim mail's check and language cost no read of their own)."""
    from .connection import get_many
    from .earner_models import EmailOwnerItem
    from .models import IssuerItem, TemplateItem

    template_key = (keys.tenant_pk(tenant_id), keys.template_sk(template_id))
    issuer_key = (keys.tenant_pk(tenant_id), keys.PROFILE_SK)
    slot_key = keys.recipient_slot_key(tenant_id, email_hash, template_id)
    suppression_key = keys.suppression_key(email_hash)
    owner_key = keys.email_owner_key(email_hash)
    found = get_many([template_key, issuer_key, slot_key, suppression_key, owner_key])
    template = TemplateItem.from_raw_data(found[template_key]) if template_key in found else None
    issuer = IssuerItem.from_raw_data(found[issuer_key]) if issuer_key in found else None
    slot = RecipientSlotItem.from_raw_data(found[slot_key]) if slot_key in found \
        else RecipientSlotItem(*slot_key, version=0)
    owner = EmailOwnerItem.from_raw_data(found[owner_key]) if owner_key in found else None
    return template, issuer, slot, suppression_key in found, owner.locale if owner else None


def get_consistent(credential_id: str) -> CredentialItem | None:
    key = keys.credential_key(credential_id)
    try:
        return CredentialItem.get(*key, consistent_read=True) if key else None
    except CredentialItem.DoesNotExist:
        return None


def insert(item: CredentialItem, slot: RecipientSlotItem, *, replacing: Sequence[CredentialItem] = (),
           revoke_fields: dict | None = None) -> bool:
    """Write a new credential, move the recipient slot on, and revoke `replacing`, all
    in one transaction (at most domain.credentials.MAX_REPLACED of them). The slot's
    version condition makes a concurrent issuance of the same credential to the same
    person fail instead of slipping past `deny`. False when the transaction did not go
    through (nothing was written)."""
    slot_condition = ((RecipientSlotItem.version == slot.version) if slot.version
                      else RecipientSlotItem.pk.does_not_exist())
    try:
        with TransactWrite(connection=_connection()) as tx:
            tx.save(item, condition=CredentialItem.pk.does_not_exist())
            tx.update(
                slot,
                actions=[RecipientSlotItem.version.set(slot.version + 1),
                         RecipientSlotItem.latest.set(item.credential_id),
                         RecipientSlotItem.claimed_at.remove()],  # `latest` exists from now on: no claim in flight
                condition=slot_condition,
            )
            for old in replacing:
                tx.update(
                    old,
                    actions=[getattr(CredentialItem, k).set(v) for k, v in (revoke_fields or {}).items()]
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


def _start(tenant_id: str, cursor: str | None, email_hash: str | None, sk_low: str, sk_high: str) -> dict | None:
    """The cursor sent back, checked: it must point into the partition the caller
    may read, and inside the sort-key range of the query it continues."""
    if email_hash:
        start = paging.decode(cursor, expected={"gsi2pk": keys.email_pk(email_hash), "sk": keys.CREDENTIAL_SK},
                              allowed_keys={"pk", "sk", "gsi2pk", "gsi2sk"},
                              prefixes={"pk": keys.credential_pk_prefix(tenant_id)})
        sort_key = start["gsi2sk"]["S"] if start else None
    else:
        start = paging.decode(cursor, expected={"gsi1pk": keys.tenant_credentials_pk(tenant_id),
                                                "sk": keys.CREDENTIAL_SK},
                              allowed_keys={"pk", "sk", "gsi1pk", "gsi1sk"},
                              prefixes={"pk": keys.credential_pk_prefix(tenant_id)})
        sort_key = start["gsi1sk"]["S"] if start else None
    if sort_key is not None and not sk_low <= sort_key <= sk_high:
        paging.refuse()
    return start


# Sorts after every `<created_at>#<random>` suffix of the same day ("T" < "~").
_DAY_END = "~"


def _query(tenant_id: str, *, template_id: str | None, statuses: tuple[str, ...] | None,
           expires_before: str | None, email_hash: str | None, created_from: str | None,
           created_to: str | None, cursor: str | None, unexpired_at: str | None = None,
           **query_args: Any) -> ResultIterator[CredentialItem]:
    """The one query builder of credential listings, newest first.

    - a recipient (`email_hash`): the by_email index, inside the tenant's prefix (and the
      template's, when given, so template and creation dates are key conditions there);
    - otherwise by_tenant, ordered by creation (`gsi1sk = <created_at>#<random>`), so a
      creation-date range is a key condition;
    - statuses, expiry bounds (`expires_before`: expired by then; `unexpired_at`: no
      expiry or a later one) and a template on by_tenant are filter expressions:
      DynamoDB reads the items of the key range and returns those that match.
    `created_from` / `created_to`: days (YYYY-MM-DD), both included."""
    condition = None

    def both(extra: Condition) -> None:
        nonlocal condition
        condition = extra if condition is None else condition & extra

    if statuses:
        both(CredentialItem.status.is_in(*statuses))
    if expires_before:
        both(CredentialItem.expires_at.exists() & (CredentialItem.expires_at <= expires_before))
    if unexpired_at:
        both(CredentialItem.expires_at.does_not_exist() | (CredentialItem.expires_at > unexpired_at))
    if email_hash:
        prefix = keys.email_sk_prefix(tenant_id, template_id)
        dated = template_id is not None  # the creation time follows the template in the sort key
        low = prefix + (created_from or "") if dated else prefix
        high = prefix + (created_to + _DAY_END if created_to and dated else "\U0010ffff")
        if not dated:
            if created_from:
                both(CredentialItem.created_at >= created_from)
            if created_to:
                both(CredentialItem.created_at <= created_to + _DAY_END)
        start = _start(tenant_id, cursor, email_hash, low, high)
        ranged = dated and (created_from or created_to)
        range_key: Condition | None = (CredentialItem.gsi2sk.between(low, high) if ranged
                                       else CredentialItem.gsi2sk.startswith(prefix))
        return CredentialItem.by_email.query(keys.email_pk(email_hash), range_key, filter_condition=condition,
                                             last_evaluated_key=start, scan_index_forward=False, **query_args)
    if template_id:
        both(CredentialItem.template_id == template_id)
    low, high = created_from or "", (created_to + _DAY_END) if created_to else "\U0010ffff"
    start = _start(tenant_id, cursor, None, low, high)
    range_key = None
    if created_from and created_to:
        range_key = CredentialItem.gsi1sk.between(low, high)
    elif created_from:
        range_key = CredentialItem.gsi1sk >= low
    elif created_to:
        range_key = CredentialItem.gsi1sk <= high
    return CredentialItem.by_tenant.query(keys.tenant_credentials_pk(tenant_id), range_key,
                                          filter_condition=condition, last_evaluated_key=start,
                                          scan_index_forward=False, **query_args)


def list_page(tenant_id: str, *, template_id: str | None, status: str | None, email_hash: str | None,
              limit: int, cursor: str | None, created_from: str | None = None,
              created_to: str | None = None) -> tuple[list[CredentialItem], str | None]:
    """The issuer API's listing: `limit` matches (PynamoDB reads on until it has them)."""
    result = _query(tenant_id, template_id=template_id, statuses=(status,) if status else None,
                    expires_before=None, email_hash=email_hash, created_from=created_from,
                    created_to=created_to, cursor=cursor, limit=limit)
    items = list(result)
    return items, paging.encode(result.last_evaluated_key)


def _cursor_of(item: CredentialItem, by_email: bool) -> str:
    """The cursor that continues right after `item` (the index's and the table's keys)."""
    names = ("pk", "sk", "gsi2pk", "gsi2sk") if by_email else ("pk", "sk", "gsi1pk", "gsi1sk")
    return paging.encode_key({name: {"S": getattr(item, name)} for name in names})


# A console page reads at most this many index pages, each of this many items when a
# filter expression may drop some: the cost of a page is bounded by these, never by
# how many credentials the tenant holds.
SEARCH_READS = 4
SEARCH_READ_SIZE = 100


def search_page(tenant_id: str, *, size: int, template_id: str | None = None,
                statuses: tuple[str, ...] | None = None, expires_before: str | None = None,
                unexpired_at: str | None = None, email_hash: str | None = None, created_from: str | None = None,
                created_to: str | None = None, cursor: str | None = None) -> tuple[list[CredentialItem], str | None]:
    """A page of up to `size` matches for the console, newest first, and the cursor of
    the next page (None: there is none).

    Without a filter expression one Query of `size + 1` items answers it (the extra
    item says whether a next page exists). With one, up to SEARCH_READS Queries of
    SEARCH_READ_SIZE items are read: when they end before `size` matches were found,
    the page shows fewer and its cursor continues where the reading stopped, so the
    cursor never skips an item and the page never costs more than that bound."""
    filtered = bool(statuses or expires_before or unexpired_at or (template_id and not email_hash)
                    or (email_hash and not template_id and (created_from or created_to)))
    read_size = SEARCH_READ_SIZE if filtered else size + 1
    found: list[CredentialItem] = []
    next_start = cursor
    for _ in range(SEARCH_READS if filtered else 1):
        result = _query(tenant_id, template_id=template_id, statuses=statuses, expires_before=expires_before,
                        unexpired_at=unexpired_at, email_hash=email_hash, created_from=created_from,
                        created_to=created_to, cursor=next_start, page_size=read_size)
        page = next(result.page_iter, None)  # exactly one Query
        found += [CredentialItem.from_raw_data(raw) for raw in (page or {}).get("Items", [])]
        next_start = paging.encode(result.page_iter.last_evaluated_key)
        if len(found) > size or next_start is None:
            break
    if len(found) > size:
        return found[:size], _cursor_of(found[size - 1], bool(email_hash))
    return found, next_start


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


def unmark(item: CredentialItem, attribute: str, at: str) -> bool:
    """Undo `mark_once(item, attribute, at)`, only if the mark is still that one (the
    step it guarded failed and is to be retried); False if someone else's mark is there."""
    attr = getattr(CredentialItem, attribute)
    return update_if(item, [attr.remove()], attr == at, refresh=False)


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
    return list(CredentialItem.by_email.query(keys.email_pk(email_hash),
                                              CredentialItem.gsi2sk.startswith(keys.EMAIL_CREDENTIALS_PREFIX),
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
    condition: Condition = CredentialItem.holder.does_not_exist()
    if previous:
        condition = CredentialItem.holder == previous
    return update_if(item, [CredentialItem.holder.set(earner_id)], condition)


# The mails sent about a credential: the first MAX_MAIL_LOG - 1 entries stay, the last
# place always holds the newest (a credential re-sent every day keeps its bounded size).
MAX_MAIL_LOG = 30


def mail_logged(item: CredentialItem, *, at: str, kind: str, ok: bool, suppressed: bool = False) -> Update:
    """The write that adds one mail to the credential's history (`mail_log`) while the
    credential exists and its history has room: log_mail's first try, for a caller that
    joins it to another write (the request's audit entry, store/audit.append_joined)."""
    entry = MailLogEntry(at=at, kind=kind, ok=ok, suppressed=suppressed or None)
    log = CredentialItem.mail_log
    return Update(item, [log.set((log | []).append([entry]))],
                  CredentialItem.pk.exists() & (log.does_not_exist() | (size_of(log) < MAX_MAIL_LOG)))


def log_mail(item: CredentialItem, *, at: str, kind: str, ok: bool, suppressed: bool = False) -> bool:
    """Add one mail to the credential's history (`mail_log`); False if the credential is gone."""
    append = mail_logged(item, at=at, kind=kind, ok=ok, suppressed=suppressed)
    # the caller keeps its copy of the item as it was: nothing is read back
    if update_if(item, append.actions, append.condition, refresh=False):
        return True
    log = CredentialItem.mail_log
    entry = MailLogEntry(at=at, kind=kind, ok=ok, suppressed=suppressed or None)
    return update_if(item, [log[MAX_MAIL_LOG - 1].set(entry)], CredentialItem.pk.exists() & log.exists(),
                     refresh=False)


def mark_mail_feedback(credential_id: str, email_hash: str, *, field: str, at: str) -> bool:
    """Record on the credential that mail to its recipient bounced or drew a complaint
    (`field`: bounced_at or complained_at), only if the credential still exists, is still
    addressed to `email_hash` (a corrected address is not marked by the old one's
    late events) and was not marked before. False when nothing changed."""
    key = keys.credential_key(credential_id)
    if key is None or field not in ("bounced_at", "complained_at"):
        return False
    attr = getattr(CredentialItem, field)
    item = CredentialItem(*key)
    return update_if(item, [attr.set(at)], CredentialItem.pk.exists() & (CredentialItem.email_hash == email_hash)
                     & attr.does_not_exist() & CredentialItem.erased_at.does_not_exist(), refresh=False)


def correct_recipient(item: CredentialItem, changes: dict, *, new_slot: RecipientSlotItem) -> bool:
    """The issuer corrected the address of a credential nobody claimed yet (issue 17), in
    ONE transaction: the credential gets its new address, index keys and documents if it
    is still pending and still addressed as read; the new address's recipient slot moves
    on to it (the same version condition issuance puts on it, so a concurrent issuance
    to the new address cannot slip past `deny`). The old address's slot is left as it
    is: issuance reads the credential it names and counts it only while it is still
    addressed there (services/credentials._issued_before). False when any condition
    failed (nothing was written)."""
    new_slot_condition = ((RecipientSlotItem.version == new_slot.version) if new_slot.version
                          else RecipientSlotItem.pk.does_not_exist())
    fields = {"tenant_id": item.tenant_id, "credential_id": item.credential_id, "template_id": item.template_id,
              "created_at": item.created_at, "email_hash": changes["email_hash"], "expires_at": item.expires_at}
    index = _index_keys(fields)
    sets = {**changes, "gsi2pk": index["gsi2pk"], "gsi2sk": index["gsi2sk"]}
    try:
        with TransactWrite(connection=_connection()) as tx:
            tx.update(item,
                      actions=[getattr(CredentialItem, k).set(v) for k, v in sets.items()]
                      + [CredentialItem.bounced_at.remove(), CredentialItem.complained_at.remove(),
                         CredentialItem.baked_key.remove()],
                      condition=(CredentialItem.status == "pending") & (CredentialItem.email_hash == item.email_hash)
                      & CredentialItem.erased_at.does_not_exist())
            tx.update(new_slot, actions=[RecipientSlotItem.version.set(int(new_slot.version or 0) + 1),
                                         RecipientSlotItem.latest.set(item.credential_id),
                                         RecipientSlotItem.claimed_at.remove()],
                      condition=new_slot_condition)
    except TransactWriteError:
        return False
    return True
