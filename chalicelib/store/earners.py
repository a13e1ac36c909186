"""Earners, their addresses, sign-in links, sessions and rate counters (see
earner_models for the key layout). Multi-item changes are transactions whose
conditions keep "one address, one account" true under concurrency."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import keys
from .conditional import transact, update_if
from .earner_models import (
    EarnerEmailItem,
    EarnerItem,
    EmailOwnerItem,
    HeldCredentialItem,
    LoginItem,
    ProfileNameItem,
    RateItem,
    SessionItem,
)
from .models import Item

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

# One transaction holds at most 100 items; a merge moves 3 items per address.
MAX_MERGE_ITEMS = 99


# ------------------------------------------------------------------ earners and addresses


def get_earner(earner_id: str) -> EarnerItem | None:
    try:
        return EarnerItem.get(keys.earner_pk(earner_id), keys.PROFILE_SK)
    except EarnerItem.DoesNotExist:
        return None


def email_owner(email_hash: str) -> str | None:
    try:
        return EmailOwnerItem.get(*keys.email_owner_key(email_hash), consistent_read=True).earner_id
    except EmailOwnerItem.DoesNotExist:
        return None


def emails_of(earner_id: str) -> list[EarnerEmailItem]:
    return list(EarnerEmailItem.query(keys.earner_pk(earner_id),
                                      EarnerEmailItem.sk.startswith(keys.EARNER_EMAIL_PREFIX), consistent_read=True))


def held_of(earner_id: str) -> list[HeldCredentialItem]:
    return list(HeldCredentialItem.query(keys.earner_pk(earner_id), HeldCredentialItem.sk.startswith(keys.HELD_PREFIX)))


def _email_item(earner_id: str, email: str, email_hash: str, now: str) -> EarnerEmailItem:
    return EarnerEmailItem(keys.earner_pk(earner_id), keys.earner_email_sk(email_hash), email=email,
                           email_hash=email_hash, verified_at=now)


def create_with_email(earner_id: str, email: str, email_hash: str, now: str) -> bool:
    """A new account for a first sign-in; False if the address was taken meanwhile."""
    def build(tx: TransactWrite) -> None:
        tx.save(EarnerItem(keys.earner_pk(earner_id), keys.PROFILE_SK, earner_id=earner_id, profile_public=False,
                           email_count=1, created_at=now, updated_at=now), condition=EarnerItem.pk.does_not_exist())
        tx.save(EmailOwnerItem(*keys.email_owner_key(email_hash), earner_id=earner_id),
                condition=EmailOwnerItem.pk.does_not_exist())
        tx.save(_email_item(earner_id, email, email_hash, now))
    return transact(build)


def add_email(earner_id: str, email: str, email_hash: str, now: str, locale: str | None = None) -> bool:
    """Attach a verified address to a live account; False if another account holds it.
    `locale`: the account's language setting, copied onto the address's owner item."""
    def build(tx: TransactWrite) -> None:
        tx.update(EarnerItem(keys.earner_pk(earner_id), keys.PROFILE_SK),
                  actions=[EarnerItem.email_count.add(1), EarnerItem.updated_at.set(now)],
                  condition=EarnerItem.pk.exists())
        tx.save(EmailOwnerItem(*keys.email_owner_key(email_hash), earner_id=earner_id, locale=locale),
                condition=EmailOwnerItem.pk.does_not_exist())
        tx.save(_email_item(earner_id, email, email_hash, now))
    return transact(build)


def hold(earner_id: str, credential_ids: list[str], now: str) -> None:
    """Keep credentials in the wallet whatever happens to the address they were sent to
    (the credential item itself names its holder: see store.credentials.set_holder)."""
    with HeldCredentialItem.batch_write() as batch:
        for cid in credential_ids:
            batch.save(HeldCredentialItem(keys.earner_pk(earner_id), keys.held_sk(cid), credential_id=cid,
                                          held_since=now))


def remove_email(earner_id: str, email_hash: str, now: str) -> bool:
    """Detach an address; False if it is not this account's (any more) or it is the
    last one (the count is checked in the same transaction: two tabs removing the
    last two addresses at once cannot leave an account nobody can sign in to)."""
    def build(tx: TransactWrite) -> None:
        tx.update(EarnerItem(keys.earner_pk(earner_id), keys.PROFILE_SK),
                  actions=[EarnerItem.email_count.add(-1), EarnerItem.updated_at.set(now)],
                  condition=EarnerItem.email_count > 1)
        tx.delete(EmailOwnerItem(*keys.email_owner_key(email_hash)), condition=EmailOwnerItem.earner_id == earner_id)
        tx.delete(EarnerEmailItem(keys.earner_pk(earner_id), keys.earner_email_sk(email_hash)),
                  condition=EarnerEmailItem.pk.exists())
    return transact(build)


def merge(into: str, source: str, emails: list[EarnerEmailItem], held: list[HeldCredentialItem], now: str,
          locale: str | None = None) -> bool:
    """Move every address and kept credential of `source` to `into` and delete
    `source`'s account, in one transaction: all of it happens or none of it does.
    (Its sessions then name no account, so they sign nobody in; `end_sessions`
    removes them.) `locale`: `into`'s language setting, which the moved addresses'
    owner items now carry."""
    owner_locale = EmailOwnerItem.locale.set(locale) if locale else EmailOwnerItem.locale.remove()
    def build(tx: TransactWrite) -> None:
        tx.delete(EarnerItem(keys.earner_pk(source), keys.PROFILE_SK), condition=EarnerItem.email_count == len(emails))
        tx.update(EarnerItem(keys.earner_pk(into), keys.PROFILE_SK),
                  actions=[EarnerItem.email_count.add(len(emails)), EarnerItem.updated_at.set(now)],
                  condition=EarnerItem.pk.exists())
        for e in emails:
            tx.update(EmailOwnerItem(*keys.email_owner_key(e.email_hash)),
                      actions=[EmailOwnerItem.earner_id.set(into), owner_locale],
                      condition=EmailOwnerItem.earner_id == source)
            tx.save(_email_item(into, e.email, e.email_hash, e.verified_at))
            tx.delete(EarnerEmailItem(keys.earner_pk(source), keys.earner_email_sk(e.email_hash)))
        for h in held:
            tx.save(HeldCredentialItem(keys.earner_pk(into), keys.held_sk(h.credential_id),
                                       credential_id=h.credential_id, held_since=h.held_since))
            tx.delete(HeldCredentialItem(keys.earner_pk(source), keys.held_sk(h.credential_id)))
    return transact(build)


def update_profile(earner_id: str, now: str, **changes: Any) -> bool:
    item = EarnerItem(keys.earner_pk(earner_id), keys.PROFILE_SK)
    actions = [getattr(EarnerItem, k).set(v) if v is not None else getattr(EarnerItem, k).remove()
               for k, v in changes.items()]
    return update_if(item, actions + [EarnerItem.updated_at.set(now)], EarnerItem.pk.exists())


def end_sessions(earner_id: str, keep_hash: str | None = None) -> int:
    """End every session of an account (but `keep_hash`, the one asking)."""
    keep = keys.session_key(keep_hash)[0] if keep_hash else None
    doomed = [s for s in SessionItem.by_tenant.query(keys.earner_sessions_pk(earner_id)) if s.pk != keep]
    with SessionItem.batch_write() as batch:
        for item in doomed:
            batch.delete(item)
    return len(doomed)


# ------------------------------------------------------------------ sign-in links


def put_login(login_id: str, *, purpose: str, email: str, email_hash: str, earner_id: str | None, token_hash: str,
              code_hash: str, next_path: str, expires_at: str, expiration: int) -> None:
    """A new sign-in request (never overwrites one); `expiration`: when TTL may delete it."""
    item = LoginItem(*keys.login_key(login_id), login_id=login_id, purpose=purpose, email=email,
                     email_hash=email_hash, earner_id=earner_id, token_hash=token_hash, code_hash=code_hash,
                     attempts=0, next_path=next_path, expires_at=expires_at, expiration=expiration)
    item.gsi1pk, item.gsi1sk = keys.address_logins_pk(email_hash), expires_at
    item.save(condition=LoginItem.pk.does_not_exist())


def get_login(login_id: str) -> LoginItem | None:
    try:
        return LoginItem.get(*keys.login_key(login_id), consistent_read=True)
    except LoginItem.DoesNotExist:
        return None


def consume_login(item: LoginItem, now: str, max_attempts: int) -> bool:
    """Mark the link used: exactly one request wins, and only while it is fresh."""
    return update_if(item, [LoginItem.used_at.set(now)],
                     LoginItem.used_at.does_not_exist() & (LoginItem.expires_at > now)
                     & (LoginItem.attempts < max_attempts))


def count_wrong_code(item: LoginItem) -> None:
    update_if(item, [LoginItem.attempts.add(1)], LoginItem.used_at.does_not_exist())


# ------------------------------------------------------------------ sessions


def put_session(session_hash: str, earner_id: str, created_at: str, expires_at: str, expiration: int) -> None:
    SessionItem(*keys.session_key(session_hash), earner_id=earner_id, created_at=created_at, expires_at=expires_at,
                expiration=expiration, gsi1pk=keys.earner_sessions_pk(earner_id),
                gsi1sk=created_at).save(condition=SessionItem.pk.does_not_exist())


def get_session(session_hash: str) -> SessionItem | None:
    try:
        return SessionItem.get(*keys.session_key(session_hash), consistent_read=True)
    except SessionItem.DoesNotExist:
        return None


def delete_session(session_hash: str) -> None:
    SessionItem(*keys.session_key(session_hash)).delete()


# ------------------------------------------------------------------ rate limits

# Counters keyed by an address's hash (personal data: erasure deletes them).
EMAIL_RATE_SCOPES = ("signin-email", "signin-code", "export", "import-email-hour", "import-email-day")



def rate_hit(scope: str, key: str, window_start: int, limit: int, expiration: int) -> bool:
    """Count one request in a fixed window; False once the window holds `limit`."""
    item = RateItem(keys.rate_pk(scope, key), keys.rate_sk(window_start))
    return update_if(item, [RateItem.hits.add(1), RateItem.expiration.set(expiration)],
                     RateItem.hits.does_not_exist() | (RateItem.hits < limit))


def rate_full(scope: str, key: str, window_start: int, limit: int) -> bool:
    """Whether a window already holds `limit` requests (a read: nothing is counted)."""
    try:
        item = RateItem.get(keys.rate_pk(scope, key), keys.rate_sk(window_start), consistent_read=True)
    except RateItem.DoesNotExist:
        return False
    return item.hits >= limit


# ------------------------------------------------------------------ erasure (right to be forgotten)


def erase_person(earner_id: str | None, email_hashes: set[str]) -> int:
    """Delete every earner-side item of a person: account, addresses, owners, kept
    credentials, sessions, sign-in requests (they hold the address) and rate counters.
    Returns how many items were deleted."""
    doomed: list = []
    if earner_id:
        earner = get_earner(earner_id)
        doomed += [n for n in names_held(earner)]  # its vanity names go free at once (issue 19)
        doomed += list(Item.query(keys.earner_pk(earner_id)))  # profile, EMAIL#, HELD#: keys are all it needs
        doomed += list(SessionItem.by_tenant.query(keys.earner_sessions_pk(earner_id)))
        doomed += list(RateItem.query(keys.rate_pk("export", earner_id)))
    for h in email_hashes:
        try:
            doomed.append(EmailOwnerItem.get(*keys.email_owner_key(h)))
        except EmailOwnerItem.DoesNotExist:
            pass
        doomed += list(LoginItem.by_tenant.query(keys.address_logins_pk(h)))
        for scope in EMAIL_RATE_SCOPES:
            doomed += list(RateItem.query(keys.rate_pk(scope, h)))
    with Item.batch_write() as batch:
        for item in doomed:
            batch.delete(item)
    return len(doomed)


def set_restricted(earner_id: str, now: str) -> bool:
    item = EarnerItem(keys.earner_pk(earner_id), keys.PROFILE_SK)
    return update_if(item, [EarnerItem.profile_public.set(False), EarnerItem.restricted_at.set(now),
                            EarnerItem.updated_at.set(now)], EarnerItem.pk.exists())


# ------------------------------------------------------------------ vanity names (issue 19, domain/vanity.py)


def get_name(name: str) -> ProfileNameItem | None:
    try:
        return ProfileNameItem.get(*keys.profile_name_key(name))
    except ProfileNameItem.DoesNotExist:
        return None


def names_held(earner: EarnerItem | None) -> list[ProfileNameItem]:
    """The name items that still name this earner (current, or left and not yet
    released); a name someone else took since is theirs."""
    if earner is None or not earner.names:
        return []
    found = ProfileNameItem.batch_get([keys.profile_name_key(n) for n in sorted(earner.names)])
    return [n for n in found if n.earner_id == earner.earner_id]


def delete_names(names: list[ProfileNameItem]) -> None:
    """Release names at once (an account merged into another: see services/wallet.attach_email)."""
    with ProfileNameItem.batch_write() as batch:
        for item in names:
            batch.delete(item)


def claim_name(earner_id: str, new: str, old: str | None, now: str, released_at: str, expiration: int) -> bool:
    """Make `new` the earner's vanity name and turn `old` (if any) into a redirect until
    `released_at`, in one transaction. False (nothing written) when `new` is held by
    someone else (current, or left by its owner and not yet released), or the earner's
    name changed meanwhile (another tab). A transaction DynamoDB cancelled because it
    met another one on the same item counts as lost too: two earners racing for one
    name, exactly one holds it afterwards."""
    from pynamodb.exceptions import TransactWriteError

    def build(tx: TransactWrite) -> None:
        free = (ProfileNameItem.pk.does_not_exist() | (ProfileNameItem.earner_id == earner_id)
                | ((ProfileNameItem.current == False) & (ProfileNameItem.released_at <= now)))  # noqa: E712
        tx.save(ProfileNameItem(*keys.profile_name_key(new), name=new, earner_id=earner_id, current=True,
                                claimed_at=now), condition=free)
        if old and old != new:
            tx.update(ProfileNameItem(*keys.profile_name_key(old)),
                      actions=[ProfileNameItem.current.set(False), ProfileNameItem.left_at.set(now),
                               ProfileNameItem.released_at.set(released_at),
                               ProfileNameItem.expiration.set(expiration)],
                      condition=ProfileNameItem.earner_id == earner_id)
        same = EarnerItem.vanity_name == old if old else EarnerItem.vanity_name.does_not_exist()
        tx.update(EarnerItem(keys.earner_pk(earner_id), keys.PROFILE_SK),
                  actions=[EarnerItem.vanity_name.set(new), EarnerItem.names.add({new}),
                           EarnerItem.updated_at.set(now)],
                  condition=EarnerItem.pk.exists() & same)

    try:
        return transact(build)
    except TransactWriteError as exc:
        reasons = getattr(exc, "cancellation_reasons", None) or []
        if any(r is not None and r.code == "TransactionConflict" for r in reasons):
            return False
        raise


# ------------------------------------------------------------------ the earner's language (issue 19)


def set_locale(earner_id: str, locale: str | None, email_hashes: list[str], now: str) -> bool:
    """The earner's language (None: automatic), copied onto each of their addresses'
    owner items in the same transaction (so a mail finds it in one read: see
    `earner_locale_for_email`). False when the account or an address changed hands."""
    owner_set = EmailOwnerItem.locale.set(locale) if locale else EmailOwnerItem.locale.remove()
    earner_set = EarnerItem.locale.set(locale) if locale else EarnerItem.locale.remove()
    hashes = sorted(email_hashes)
    chunks = [hashes[i:i + 90] for i in range(0, len(hashes), 90)] or [[]]
    for index, chunk in enumerate(chunks):  # a transaction holds 100 items; an account rarely has 90 addresses
        def build(tx: TransactWrite, chunk: list[str] = chunk, first: bool = index == 0) -> None:
            if first:
                tx.update(EarnerItem(keys.earner_pk(earner_id), keys.PROFILE_SK),
                          actions=[earner_set, EarnerItem.updated_at.set(now)], condition=EarnerItem.pk.exists())
            for h in chunk:
                tx.update(EmailOwnerItem(*keys.email_owner_key(h)), actions=[owner_set],
                          condition=EmailOwnerItem.earner_id == earner_id)
        if not transact(build):
            return False
    return True


def earner_locale_for_email(email_hash: str) -> str | None:
    """The language setting of the earner who owns this address (a `chalicelib.i18n`
    locale), or None: nobody owns it, or its owner left it automatic. One GetItem
    (eventually consistent) of `EMAIL#<hash>/OWNER`, whose `locale` is the owner's
    setting copied by set_locale, add_email and merge."""
    try:
        return EmailOwnerItem.get(*keys.email_owner_key(email_hash)).locale
    except EmailOwnerItem.DoesNotExist:
        return None
