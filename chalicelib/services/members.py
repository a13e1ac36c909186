"""An organization's members: the first admin, invitations, roles, grants, leaving.

An invitation is a member in state `invited` with an end (`INVITATION_DAYS`): the
mail says who invited whom to which organization and leads to the console's sign-in;
signing in with the invited address proves the mailbox and activates the member.
The last admin can neither leave nor be removed nor be demoted (a condition on the
organization's admin count, so two admins demoting each other at once cannot leave
none). Every change ends the member's console sessions, so a new role applies at
once.
"""

from __future__ import annotations

from typing import Any

from ..domain import ids
from ..domain import members as rules
from ..domain.clock import iso
from ..domain.errors import BadRequest, Conflict, NotFound
from ..store import members as store
from . import clock


def member_view(item: Any) -> dict:
    return {
        "id": item.member_id,
        "email": item.email,
        "name": item.name or "",
        "role": item.role,
        "role_name": rules.ROLE_NAMES.get(item.role, item.role),
        "view_personal_data": bool(item.view_personal_data),
        "templates": list(item.templates) if item.templates is not None else None,
        "grants": list(item.grants or ()),
        "state": "expired" if item.state == "invited" and item.expires_at and item.expires_at <= iso(clock.utcnow())
        else item.state,
        "expires_at": item.expires_at,
        "joined_at": item.joined_at,
        "source": item.source,
    }


def add_first_admin(tenant_id: str, email: str, name: str | None = None, source: str = "operator",
                    grants: list[str] | None = None) -> dict:
    """The organization's first admin (an operator creates the tenant with it): an
    invitation like any other, so the person proves their address by signing in."""
    return _invite(tenant_id, email, "admin", invited_by=None, name=name, source=source, grants=grants)


def invite(member: rules.Member, email: str, role: str, *, view_personal_data: bool = False,
           templates: list[str] | None = None, name: str | None = None, grants: list[str] | None = None) -> dict:
    rules.require(member, "members.manage")
    return _invite(member.tenant_id, email, role, invited_by=member.member_id, name=name,
                   view_personal_data=view_personal_data, templates=templates, grants=grants)


def _invite(tenant_id: str, email: str, role: str, *, invited_by: str | None, name: str | None = None,
            view_personal_data: bool = False, templates: list[str] | None = None, source: str = "invitation",
            grants: list[str] | None = None) -> dict:
    if role not in rules.ROLES:
        raise BadRequest(f"role must be one of {', '.join(rules.ROLES)}", code="invalid_role")
    email = ids.normalize_email(email)
    email_hash = ids.email_hash(email)
    now = clock.utcnow()
    existing = store.member_by_email(tenant_id, email_hash)
    if existing is not None:
        if existing.state == "active" or (existing.expires_at or "") > iso(now):
            raise Conflict("this address is already a member or invited", code="already_member")
        store.remove_member(existing)  # an expired invitation is replaced by the new one
    fields: dict[str, Any] = {
        "tenant_id": tenant_id, "member_id": ids.new_local_id(), "email": email, "email_hash": email_hash,
        "name": name or None, "role": role, "view_personal_data": bool(view_personal_data),
        "templates": list(templates) if role == "issuer" and templates else None, "state": "invited",
        "invited_by": invited_by, "expires_at": iso(rules.invitation_expires(now)), "created_at": iso(now),
        "updated_at": iso(now), "source": source, "grants": rules.check_grants(grants or []) or None,
    }
    if not store.add_member(fields):
        raise Conflict("this address was invited a moment ago", code="already_member")
    from . import notify

    item = store.get_member(tenant_id, fields["member_id"])
    inviter = store.get_member(tenant_id, invited_by) if invited_by else None
    notify.send_invitation(item, inviter)
    return member_view(item)


def join_by_sso(tenant_id: str, email: str, name: str | None, role: str) -> Any:
    """Just-in-time membership for a person the organization's provider vouched for."""
    now = iso(clock.utcnow())
    fields: dict[str, Any] = {
        "tenant_id": tenant_id, "member_id": ids.new_local_id(), "email": ids.normalize_email(email),
        "email_hash": ids.email_hash(email), "name": name or None, "role": role, "view_personal_data": False,
        "templates": None, "state": "active", "invited_by": None, "expires_at": None, "joined_at": now,
        "created_at": now, "updated_at": now, "source": "sso",
    }
    if not store.add_member(fields):
        found = store.member_by_email(tenant_id, fields["email_hash"])
        if found is None:
            raise Conflict("this address joined a moment ago; sign in again", code="concurrent_update")
        return found
    return store.get_member(tenant_id, fields["member_id"])


def list_members(member: rules.Member) -> list[dict]:
    rules.require(member, "members.view")
    views = [member_view(m) for m in store.members(member.tenant_id)]
    return sorted(views, key=lambda v: (v["state"] != "active", v["email"]))


def _require_member(tenant_id: str, member_id: str) -> Any:
    item = store.get_member(tenant_id, member_id) if ids.LOCAL_ID.match(member_id or "") else None
    if item is None:
        raise NotFound("no such member", code="member_not_found")
    return item


def get_member(member: rules.Member, member_id: str) -> dict:
    rules.require(member, "members.view")
    return member_view(_require_member(member.tenant_id, member_id))


def change(member: rules.Member, member_id: str, *, role: str, view_personal_data: bool,
           templates: list[str] | None, grants: list[str] | None = None) -> dict:
    """Role, the personal-data grant, the workforce/recruiting permissions and (for
    issuers) the templates they may use."""
    rules.require(member, "members.manage")
    if role not in rules.ROLES:
        raise BadRequest(f"role must be one of {', '.join(rules.ROLES)}", code="invalid_role")
    item = _require_member(member.tenant_id, member_id)
    changes = {"role": role, "view_personal_data": bool(view_personal_data),
               "templates": list(templates) if role == "issuer" and templates else None,
               "grants": rules.check_grants(grants or []) or None}
    if not store.update_member(item, changes, iso(clock.utcnow())):
        if item.role == "admin" and role != "admin" and store.admin_count(member.tenant_id) <= 1:
            rules.check_role_change(0)
        raise Conflict("this member changed a moment ago; reload and try again", code="concurrent_update")
    store.end_sessions(member.tenant_id, member_id)
    return member_view(_require_member(member.tenant_id, member_id))


def remove(member: rules.Member, member_id: str) -> None:
    """An admin removes a member (or withdraws an invitation); a member leaves (`member_id`
    is their own). The last admin cannot go."""
    if member_id != member.member_id:
        rules.require(member, "members.manage")
    item = _require_member(member.tenant_id, member_id)
    if not store.remove_member(item):
        if item.role == "admin" and item.state == "active" and store.admin_count(member.tenant_id) <= 1:
            rules.check_role_change(0)
        raise Conflict("this member changed a moment ago; reload and try again", code="concurrent_update")
    store.end_sessions(member.tenant_id, member_id)


def update_own_name(member: rules.Member, name: str) -> None:
    item = _require_member(member.tenant_id, member.member_id)
    store.update_profile_fields(item, iso(clock.utcnow()), name=name or None)


def get_own(member: rules.Member) -> dict:
    return member_view(_require_member(member.tenant_id, member.member_id))
