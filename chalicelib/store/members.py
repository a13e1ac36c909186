"""Members of an organization, their console sessions and single sign-on settings
(see member_models for the layout). Changes that must hold together are one
transaction: a member and its address item; a role change and the admin count,
whose condition keeps at least one admin."""

from __future__ import annotations

from typing import Any

from . import keys
from .conditional import transact, update_if
from .member_models import (
    ConsoleSessionItem,
    MemberCountItem,
    MemberEmailItem,
    MemberItem,
    SsoDomainItem,
    SsoItem,
    SsoStateItem,
)

# ------------------------------------------------------------------ members


def _member_key(tenant_id: str, member_id: str) -> tuple[str, str]:
    return keys.tenant_pk(tenant_id), keys.member_sk(member_id)


def _count_key(tenant_id: str) -> tuple[str, str]:
    return keys.tenant_pk(tenant_id), keys.MEMBER_COUNT_SK


def get_member(tenant_id: str, member_id: str) -> MemberItem | None:
    try:
        return MemberItem.get(*_member_key(tenant_id, member_id), consistent_read=True)
    except MemberItem.DoesNotExist:
        return None


def members(tenant_id: str) -> list[MemberItem]:
    return list(MemberItem.query(keys.tenant_pk(tenant_id), MemberItem.sk.startswith(keys.MEMBER_SK_PREFIX),
                                 consistent_read=True))


def memberships(email_hash: str) -> list[MemberEmailItem]:
    """The organizations an address is (or is invited to be) a member of."""
    return list(MemberEmailItem.query(keys.member_email_pk(email_hash), consistent_read=True))


def member_by_email(tenant_id: str, email_hash: str) -> MemberItem | None:
    try:
        pointer = MemberEmailItem.get(*keys.member_email_key(email_hash, tenant_id), consistent_read=True)
    except MemberEmailItem.DoesNotExist:
        return None
    return get_member(tenant_id, pointer.member_id)


def add_member(fields: dict[str, Any]) -> bool:
    """A new member (invited or active) and its address item; an active admin counts.
    False if the address already belongs to this organization."""
    tenant_id, member_id = fields["tenant_id"], fields["member_id"]

    def build(tx: Any) -> None:
        tx.save(MemberItem(*_member_key(tenant_id, member_id), **fields), condition=MemberItem.pk.does_not_exist())
        tx.save(MemberEmailItem(*keys.member_email_key(fields["email_hash"], tenant_id), tenant_id=tenant_id,
                                member_id=member_id), condition=MemberEmailItem.pk.does_not_exist())
        if fields["role"] == "admin" and fields["state"] == "active":
            tx.update(MemberCountItem(*_count_key(tenant_id)), actions=[MemberCountItem.admins.add(1)])
    return transact(build)


def activate(member: MemberItem, now: str, name: str | None = None) -> bool:
    """An invited member signs in for the first time (before the invitation's end)."""
    def build(tx: Any) -> None:
        actions = [MemberItem.state.set("active"), MemberItem.joined_at.set(now), MemberItem.updated_at.set(now),
                   MemberItem.expires_at.remove()]
        if name and not member.name:
            actions.append(MemberItem.name.set(name))
        tx.update(member, actions=actions,
                  condition=(MemberItem.state == "invited") & (MemberItem.expires_at > now))
        if member.role == "admin":
            tx.update(MemberCountItem(*_count_key(member.tenant_id)), actions=[MemberCountItem.admins.add(1)])
    return transact(build)


def _admin_delta(before_role: str, before_state: str, after_role: str | None) -> int:
    was = before_role == "admin" and before_state == "active"
    will = after_role == "admin" and before_state == "active"
    return int(will) - int(was)


def update_member(member: MemberItem, changes: dict[str, Any], now: str) -> bool:
    """Change a member's role, grants or templates. Demoting the last active admin
    fails the transaction's condition (False); so does a member changed meanwhile."""
    delta = _admin_delta(member.role, member.state, changes.get("role", member.role))

    def build(tx: Any) -> None:
        actions = [getattr(MemberItem, k).set(v) if v is not None else getattr(MemberItem, k).remove()
                   for k, v in changes.items()] + [MemberItem.updated_at.set(now)]
        tx.update(member, actions=actions, condition=MemberItem.updated_at == member.updated_at)
        if delta:
            condition = MemberCountItem.admins > 1 if delta < 0 else None
            tx.update(MemberCountItem(*_count_key(member.tenant_id)), actions=[MemberCountItem.admins.add(delta)],
                      condition=condition)
    return transact(build)


def remove_member(member: MemberItem) -> bool:
    """Delete a member and its address item; the last active admin cannot go (False)."""
    delta = _admin_delta(member.role, member.state, None)

    def build(tx: Any) -> None:
        tx.delete(member, condition=MemberItem.updated_at == member.updated_at)
        tx.delete(MemberEmailItem(*keys.member_email_key(member.email_hash, member.tenant_id)))
        if delta:
            tx.update(MemberCountItem(*_count_key(member.tenant_id)), actions=[MemberCountItem.admins.add(delta)],
                      condition=MemberCountItem.admins > 1)
    return transact(build)


def admin_count(tenant_id: str) -> int:
    try:
        return int(MemberCountItem.get(*_count_key(tenant_id), consistent_read=True).admins)
    except MemberCountItem.DoesNotExist:
        return 0


# ------------------------------------------------------------------ console sessions


def put_session(session_hash: str, tenant_id: str, member_id: str, created_at: str, expires_at: str,
                expiration: int, via: str) -> None:
    ConsoleSessionItem(*keys.console_session_key(session_hash), tenant_id=tenant_id, member_id=member_id,
                       created_at=created_at, expires_at=expires_at, expiration=expiration, via=via,
                       gsi1pk=keys.member_sessions_pk(tenant_id, member_id), gsi1sk=created_at,
                       ).save(condition=ConsoleSessionItem.pk.does_not_exist())


def get_session(session_hash: str) -> ConsoleSessionItem | None:
    try:
        return ConsoleSessionItem.get(*keys.console_session_key(session_hash), consistent_read=True)
    except ConsoleSessionItem.DoesNotExist:
        return None


def delete_session(session_hash: str) -> None:
    ConsoleSessionItem(*keys.console_session_key(session_hash)).delete()


def end_sessions(tenant_id: str, member_id: str) -> int:
    doomed = list(ConsoleSessionItem.by_tenant.query(keys.member_sessions_pk(tenant_id, member_id)))
    with ConsoleSessionItem.batch_write() as batch:
        for item in doomed:
            batch.delete(item)
    return len(doomed)


# ------------------------------------------------------------------ single sign-on


def get_sso(tenant_id: str) -> SsoItem | None:
    try:
        return SsoItem.get(keys.tenant_pk(tenant_id), keys.SSO_SK, consistent_read=True)
    except SsoItem.DoesNotExist:
        return None


def put_sso(tenant_id: str, fields: dict[str, Any], before: SsoItem | None) -> bool:
    """The organization's provider and the domains it signs in, in one transaction.
    False (nothing written) when a new domain is already another organization's, or
    when the settings changed since `before` was read."""
    old, new = set(before.domains if before else ()), set(fields["domains"])
    revision = int(before.revision) + 1 if before else 1

    def build(tx: Any) -> None:
        condition = SsoItem.revision == before.revision if before else SsoItem.pk.does_not_exist()
        tx.save(SsoItem(keys.tenant_pk(tenant_id), keys.SSO_SK, tenant_id=tenant_id, revision=revision, **fields),
                condition=condition)
        for domain in sorted(old - new):
            tx.delete(SsoDomainItem(*keys.sso_domain_key(domain)), condition=SsoDomainItem.tenant_id == tenant_id)
        for domain in sorted(new - old):
            tx.save(SsoDomainItem(*keys.sso_domain_key(domain), tenant_id=tenant_id),
                    condition=SsoDomainItem.pk.does_not_exist())
    return transact(build)


def sso_domain_owner(domain: str) -> str | None:
    """The organization whose provider signs in addresses at `domain`, if any."""
    try:
        return SsoDomainItem.get(*keys.sso_domain_key(domain), consistent_read=True).tenant_id
    except SsoDomainItem.DoesNotExist:
        return None


def put_sso_state(state_hash: str, fields: dict[str, Any]) -> None:
    SsoStateItem(*keys.sso_state_key(state_hash), **fields).save(condition=SsoStateItem.pk.does_not_exist())


def take_sso_state(state_hash: str) -> SsoStateItem | None:
    """The attempt a callback names, deleted in the same request: a state works once
    (of two callbacks racing with one state, the conditional delete lets one through)."""
    from pynamodb.exceptions import DeleteError

    try:
        found = SsoStateItem.get(*keys.sso_state_key(state_hash), consistent_read=True)
    except SsoStateItem.DoesNotExist:
        return None
    try:
        found.delete(condition=SsoStateItem.pk.exists())
    except DeleteError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return found


def update_profile_fields(member: MemberItem, now: str, **changes: Any) -> bool:
    actions = [getattr(MemberItem, k).set(v) for k, v in changes.items()] + [MemberItem.updated_at.set(now)]
    return update_if(member, actions, MemberItem.pk.exists())


# ------------------------------------------------------------------ offboarding (services/offboarding.py)


def console_keys(tenant_id: str) -> dict[str, list[tuple[str, str]]]:
    """Every console item of an organization, by what it is: `sessions` (its members'
    console sessions), `members` (members and invitations, the admin count, each
    address's pointer), `single_sign_on` (the settings and the e-mail domains they
    claim). A deletion that is cut short finds what is left by asking again."""
    found = members(tenant_id)
    sessions = [(s.pk, s.sk) for m in found
                for s in ConsoleSessionItem.by_tenant.query(keys.member_sessions_pk(tenant_id, m.member_id))]
    member_keys = [keys.member_email_key(m.email_hash, tenant_id) for m in found]
    member_keys += [(m.pk, m.sk) for m in found]
    member_keys += [_count_key(tenant_id)] if found else []
    sso = get_sso(tenant_id)
    sso_keys = [keys.sso_domain_key(d) for d in (sso.domains if sso else ())]
    sso_keys += [(keys.tenant_pk(tenant_id), keys.SSO_SK)] if sso else []
    return {"sessions": sessions, "members": member_keys, "single_sign_on": sso_keys}
