"""Workforce skills (issue 20, item 3): links, the employees' index, invitations, teams
and roles (see workforce_models for the layout). A link and its employee entry change
together in one transaction; an entry is only ever written while its link exists (a
condition in the same transaction), so an unlink can never be undone by an index
refresh running at the same moment."""

from __future__ import annotations

from typing import Any

from . import keys
from .conditional import transact
from .workforce_models import EmployeeItem, EmployerLinkItem, RoleItem, TeamItem, WorkforceInvitationItem

# ------------------------------------------------------------------ the organization's index


def employees(tenant_id: str) -> list[EmployeeItem]:
    """Every linked (and counted) employee of the organization: one Query of its partition."""
    return list(EmployeeItem.query(keys.workforce_pk(tenant_id), consistent_read=True))


def get_employee(tenant_id: str, earner_id: str) -> EmployeeItem | None:
    try:
        return EmployeeItem.get(*keys.employee_key(tenant_id, earner_id), consistent_read=True)
    except EmployeeItem.DoesNotExist:
        return None


def put_employee(fields: dict[str, Any]) -> bool:
    """Write (or refresh) an employee entry, only while the earner's link exists (False if not)."""
    tenant_id, earner_id = fields["tenant_id"], fields["earner_id"]

    def build(tx: Any) -> None:
        tx.condition_check(EmployerLinkItem, *keys.employer_key(earner_id, tenant_id),
                           condition=EmployerLinkItem.pk.exists())
        tx.save(EmployeeItem(*keys.employee_key(tenant_id, earner_id), **fields))
    return transact(build)


def delete_employees(earner_id: str, tenant_ids: list[str]) -> None:
    """The earner's entries in these organizations' indexes (their links stay)."""
    with EmployeeItem.batch_write() as batch:
        for tenant_id in tenant_ids:
            batch.delete(EmployeeItem(*keys.employee_key(tenant_id, earner_id)))


# ------------------------------------------------------------------ links (the earner's consent)


def links_of(earner_id: str) -> list[EmployerLinkItem]:
    return list(EmployerLinkItem.query(keys.earner_pk(earner_id),
                                       EmployerLinkItem.sk.startswith(keys.EMPLOYER_PREFIX), consistent_read=True))


def get_link(earner_id: str, tenant_id: str) -> EmployerLinkItem | None:
    try:
        return EmployerLinkItem.get(*keys.employer_key(earner_id, tenant_id), consistent_read=True)
    except EmployerLinkItem.DoesNotExist:
        return None


def link(invitation: WorkforceInvitationItem, link_fields: dict[str, Any], employee_fields: dict[str, Any] | None,
         now: str) -> bool:
    """Use the invitation (single use: deleted on the condition that it is still there and
    not past its end), and write the earner's link and the employee entry, all at once."""
    tenant_id, earner_id = link_fields["tenant_id"], link_fields["earner_id"]

    def build(tx: Any) -> None:
        tx.delete(invitation, condition=WorkforceInvitationItem.pk.exists()
                  & (WorkforceInvitationItem.expires_at > now))
        tx.save(EmployerLinkItem(*keys.employer_key(earner_id, tenant_id), **link_fields,
                                 gsi1pk=keys.workforce_links_pk(tenant_id), gsi1sk=earner_id))
        if employee_fields is not None:  # None: a restricted earner, linked but in no index
            tx.save(EmployeeItem(*keys.employee_key(tenant_id, earner_id), **employee_fields))
    return transact(build)


def unlink(earner_id: str, tenant_id: str) -> bool:
    """The link and the organization's entry go in one transaction (False: no such link)."""
    def build(tx: Any) -> None:
        tx.delete(EmployerLinkItem(*keys.employer_key(earner_id, tenant_id)), condition=EmployerLinkItem.pk.exists())
        tx.delete(EmployeeItem(*keys.employee_key(tenant_id, earner_id)))
    return transact(build)


def forget_earner(earner_id: str) -> int:
    """Erasure: every link of the earner and every entry it fed. Returns how many items went."""
    links = links_of(earner_id)
    with EmployeeItem.batch_write() as batch:
        for item in links:
            batch.delete(EmployeeItem(*keys.employee_key(item.tenant_id, earner_id)))
            batch.delete(item)
    return 2 * len(links)


# ------------------------------------------------------------------ invitations


def put_invitations(invitations: list[dict[str, Any]]) -> None:
    with WorkforceInvitationItem.batch_write() as batch:
        for fields in invitations:
            fields = dict(fields)
            token_hash = fields.pop("token_hash")
            batch.save(WorkforceInvitationItem(*keys.workforce_invitation_key(fields["tenant_id"], token_hash),
                                               **fields))


def invitations(tenant_id: str) -> list[WorkforceInvitationItem]:
    return list(WorkforceInvitationItem.query(keys.workforce_invitations_pk(tenant_id), consistent_read=True))


def get_invitation(tenant_id: str, token_hash: str) -> WorkforceInvitationItem | None:
    try:
        return WorkforceInvitationItem.get(*keys.workforce_invitation_key(tenant_id, token_hash),
                                           consistent_read=True)
    except WorkforceInvitationItem.DoesNotExist:
        return None


def use_invitation(invitation: WorkforceInvitationItem) -> bool:
    """Decline: the invitation is used up (False: used or withdrawn meanwhile)."""
    def build(tx: Any) -> None:
        tx.delete(invitation, condition=WorkforceInvitationItem.pk.exists())
    return transact(build)


def delete_invitations(items: list[WorkforceInvitationItem]) -> None:
    with WorkforceInvitationItem.batch_write() as batch:
        for item in items:
            batch.delete(item)


# ------------------------------------------------------------------ teams and roles


def teams(tenant_id: str) -> list[TeamItem]:
    return list(TeamItem.query(keys.tenant_pk(tenant_id), TeamItem.sk.startswith(keys.TEAM_PREFIX),
                               consistent_read=True))


def get_team(tenant_id: str, team_id: str) -> TeamItem | None:
    try:
        return TeamItem.get(*keys.team_key(tenant_id, team_id), consistent_read=True)
    except TeamItem.DoesNotExist:
        return None


def put_team(fields: dict[str, Any]) -> None:
    TeamItem(*keys.team_key(fields["tenant_id"], fields["team_id"]), **fields).save()


def delete_team(tenant_id: str, team_id: str) -> None:
    TeamItem(*keys.team_key(tenant_id, team_id)).delete()


def roles(tenant_id: str) -> list[RoleItem]:
    return list(RoleItem.query(keys.tenant_pk(tenant_id), RoleItem.sk.startswith(keys.ROLE_PREFIX),
                               consistent_read=True))


def get_role(tenant_id: str, role_id: str) -> RoleItem | None:
    try:
        return RoleItem.get(*keys.role_key(tenant_id, role_id), consistent_read=True)
    except RoleItem.DoesNotExist:
        return None


def put_role(fields: dict[str, Any]) -> None:
    RoleItem(*keys.role_key(fields["tenant_id"], fields["role_id"]), **fields).save()


def delete_role(tenant_id: str, role_id: str) -> None:
    RoleItem(*keys.role_key(tenant_id, role_id)).delete()


# ------------------------------------------------------------------ the organization leaves (offboarding)


def tenant_keys(tenant_id: str) -> list[tuple[str, str]]:
    """Every workforce item of an organization: its employees' links (first: a refresh
    running meanwhile writes an entry only while its link exists), the entries, the
    invitations, teams and roles."""
    found = [(i.pk, i.sk) for i in EmployerLinkItem.by_tenant.query(keys.workforce_links_pk(tenant_id))]
    found += [(i.pk, i.sk) for i in EmployeeItem.query(keys.workforce_pk(tenant_id), consistent_read=True)]
    found += [(i.pk, i.sk) for i in WorkforceInvitationItem.query(keys.workforce_invitations_pk(tenant_id),
                                                                    consistent_read=True)]
    found += [(i.pk, i.sk) for i in teams(tenant_id)] + [(i.pk, i.sk) for i in roles(tenant_id)]
    return found
