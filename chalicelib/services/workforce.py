"""Workforce skills for employers (issue 20, item 3, and its part of item 7).

"An organization can invite its employees to link their wallets (explicit consent,
revocable at any time, listed in the earner's privacy page). Console members with a new
*workforce* permission search linked employees by skill, see skill coverage per team (a
team is a member-defined group) and the gaps against a role's required skills (roles
map to ESCO occupations and their essential skills)."

Consent: a member with `workforce.manage` invites addresses; each gets a mail with a
single-use link (30 days) to the wallet, where the earner signed in with that address
sees who asks and exactly what the organization will see, and accepts or declines.
Accepting writes, in one transaction, the earner's link (`EARNER#<earner>/EMPLOYER#<tenant>`),
the employee entry the organization reads (`T#<tenant>#WF/<earner>`) and uses up the
invitation. Unlinking deletes the link and the entry in one transaction: the next page
the organization loads does not have them.

The index (`profile_changed`, called by services/skill_profile.refresh on every change
of what an earner lets others count): for every organization the earner is linked to,
the entry is rewritten with the skills that count, each with the names and issuers of
the credentials it comes from. Choice made for "view None": restriction and erasure
remove the entries (the organization no longer sees the employee at all); restriction
keeps the earner's links, so lifting it fills the entries again, while erasure deletes
the links too (`forget`). An earner linked but with nothing counted stays listed, with
no skills.

Every page reads the organization's index with one Query of its own partition (no scan,
no read of the credential table); teams and roles are items of the tenant's partition.
Every search is written to the organization's audit log (the guard records every change).
"""

from __future__ import annotations

from typing import Any

from ..domain import ids
from ..domain import members as member_rules
from ..domain import skills as skill_rules
from ..domain import workforce as rules
from ..domain.clock import iso
from ..domain.errors import BadRequest, Forbidden, Gone, NotFound
from ..domain.limits import Limit
from ..store import earners as earner_store
from ..store import workforce as store
from . import clock

INVITE_LIMIT = Limit("wfinvite", rules.INVITE_REQUESTS_PER_HOUR, 3600)
SEARCH_ROUTE = "/console/workforce/search"


# ------------------------------------------------------------------ the index (item 7's part too)


def _entry_fields(tenant_id: str, earner_id: str, link: Any, name: str, skills: dict, now: str) -> dict:
    return {"tenant_id": tenant_id, "earner_id": earner_id, "display_name": name or None,
            "invited_email": link["invited_email"] if isinstance(link, dict) else link.invited_email,
            "linked_at": link["linked_at"] if isinstance(link, dict) else link.linked_at,
            "updated_at": now, "skills": skills}


def _counted(earner: Any) -> tuple[str, dict] | None:
    """(display name, entry skills) of an earner the organization may see, None when it may
    not see them at all (erased or restricted)."""
    from . import skill_profile

    if earner is None or earner.restricted_at:
        return None
    profile = skill_profile.compute(earner.earner_id)
    view = skill_rules.indexed(profile, earner.display_name or "")
    return earner.display_name or "", rules.entry_skills(profile, view.skills if view else ())


def profile_changed(earner_id: str, view: skill_rules.IndexedProfile | None) -> None:
    """Put the earner into (or take them out of) the indexes of the organizations they
    are linked to. One Query of the earner's links; nothing more for an earner with none."""
    links = store.links_of(earner_id)
    if not links:
        return
    earner = earner_store.get_earner(earner_id)
    if view is None and (earner is None or earner.restricted_at):
        store.delete_employees(earner_id, [link.tenant_id for link in links])
        return
    shown = _counted(earner) if view is not None else ((earner.display_name or "") if earner else "", {})
    if shown is None:  # restricted meanwhile
        store.delete_employees(earner_id, [link.tenant_id for link in links])
        return
    now = iso(clock.utcnow())
    for link in links:
        store.put_employee(_entry_fields(link.tenant_id, earner_id, link, shown[0], shown[1], now))


def forget(earner_id: str | None) -> int:
    """Erasure: the earner's links and every organization's entry about them."""
    return store.forget_earner(earner_id) if earner_id else 0


def restricted(earner_id: str | None) -> None:
    """Restriction: out of every organization's index at once (the links stay)."""
    if earner_id:
        links = store.links_of(earner_id)
        store.delete_employees(earner_id, [link.tenant_id for link in links])


def export(earner_id: str) -> list[dict]:
    """The earner's employer links, for their data export."""
    return [{"organization": link.organization, "organization_id": link.tenant_id,
             "invited_address": link.invited_email, "linked_at": link.linked_at}
            for link in store.links_of(earner_id)]


# ------------------------------------------------------------------ the earner's side


def links(earner_id: str) -> list[dict]:
    """The organizations the earner's wallet is linked to (their privacy page)."""
    return sorted(({"tenant_id": link.tenant_id, "organization": link.organization, "linked_at": link.linked_at,
                    "invited_email": link.invited_email} for link in store.links_of(earner_id)),
                  key=lambda link: link["organization"].casefold())


def unlink(earner_id: str, tenant_id: str) -> None:
    if not ids.TENANT_ID.match(tenant_id or "") or not store.unlink(earner_id, tenant_id):
        raise NotFound("your wallet is not linked to this organization", code="link_not_found")


def _invitation(code: str) -> Any:
    """The invitation a link names; a forged, used or withdrawn one is not found, an old one is gone."""
    parts = rules.split_invitation(code)
    item = store.get_invitation(parts[0], ids.sha256_hex(parts[1])) if parts else None
    if item is None:
        raise NotFound("this invitation link is not valid, or it was used already", code="invitation_not_found")
    if item.expires_at <= iso(clock.utcnow()):
        raise Gone("this invitation has ended; ask the organization to invite you again", code="invitation_expired")
    return item


def _organization(tenant_id: str) -> str:
    from ..store import issuers as issuer_store

    issuer = issuer_store.get_issuer(tenant_id)
    if issuer is None:
        raise NotFound("this invitation link is not valid, or it was used already", code="invitation_not_found")
    return issuer.name


def invitation(earner_id: str, code: str) -> dict:
    """What the earner sees before deciding: who asks, for which address, whether that
    address is theirs, and exactly what the organization would see (their counted skills
    now, with the credentials' names and issuers)."""
    item = _invitation(code)
    mine = item.email_hash in {e.email_hash for e in earner_store.emails_of(earner_id)}
    shown = _counted(earner_store.get_earner(earner_id)) if mine else None
    return {"code": code, "organization": _organization(item.tenant_id), "email": item.email, "mine": mine,
            "expires_at": item.expires_at, "linked": mine and store.get_link(earner_id, item.tenant_id) is not None,
            "name": shown[0] if shown else "",
            "skills": [{"key": k, **v} for k, v in (shown[1] if shown else {}).items()],
            "restricted": mine and shown is None}


def decide(earner_id: str, code: str, decision: str) -> str:
    """Accept (link) or decline. Only with the invited address among the earner's own."""
    item = _invitation(code)
    if item.email_hash not in {e.email_hash for e in earner_store.emails_of(earner_id)}:
        raise Forbidden("this invitation is for another address; sign in with it, or add it to your wallet",
                        code="invitation_for_another_address")
    if decision == "decline":
        if not store.use_invitation(item):
            raise NotFound("this invitation link is not valid, or it was used already", code="invitation_not_found")
        return "declined"
    now = iso(clock.utcnow())
    organization = _organization(item.tenant_id)
    link = {"tenant_id": item.tenant_id, "earner_id": earner_id, "organization": organization,
            "invited_email": item.email, "linked_at": now}
    shown = _counted(earner_store.get_earner(earner_id))
    # restricted (shown None): linked, but in the organization's index only once the restriction is lifted
    entry = _entry_fields(item.tenant_id, earner_id, link, shown[0], shown[1], now) if shown else None
    if not store.link(item, link, entry, now):
        raise NotFound("this invitation link is not valid, or it was used already", code="invitation_not_found")
    return "linked"


# ------------------------------------------------------------------ the console: employees and invitations


def _entries(tenant_id: str) -> list[dict]:
    """The organization's index: one Query of its own partition."""
    return [{"earner_id": e.earner_id, "name": e.display_name or e.invited_email or "", "email": e.invited_email,
             "linked_at": e.linked_at, "skills": dict(e.skills or {})} for e in store.employees(tenant_id)]


def invite(member: member_rules.Member, text: str) -> dict:
    """Mail an invitation to each address (one or a pasted list, at most 200); an address
    with an invitation still open is skipped. At most 20 requests an hour per organization."""
    from . import limits, notify

    member_rules.require(member, "workforce.manage")
    wanted = rules.addresses(text)
    now = clock.utcnow()
    limits.enforce(INVITE_LIMIT, member.tenant_id, now, "too many invitations at once; try again in an hour")
    open_ = {i.email_hash for i in store.invitations(member.tenant_id) if i.expires_at > iso(now)}
    expires = rules.invitation_expires(now)
    made: list[tuple[dict[str, Any], str]] = []
    skipped: list[str] = []
    for email in wanted:
        email_hash = ids.email_hash(email)
        if email_hash in open_:
            skipped.append(email)
            continue
        open_.add(email_hash)
        token = ids.random_token()
        made.append(({"token_hash": ids.sha256_hex(token), "tenant_id": member.tenant_id, "email": email,
                      "email_hash": email_hash, "invited_by": member.member_id, "created_at": iso(now),
                      "expires_at": iso(expires), "expiration": int(expires.timestamp()) + 86400},
                     rules.invitation_code(member.tenant_id, token)))
    store.put_invitations([fields for fields, _ in made])
    sent = sum(notify.send_workforce_invitation(member.tenant_id, fields["email"], code, fields["expires_at"],
                                                member.name or member.email)
               for fields, code in made)
    return {"invited": len(made), "mailed": sent, "skipped": skipped}


def employees_page(member: member_rules.Member) -> dict:
    member_rules.require(member, "workforce.view")
    now = iso(clock.utcnow())
    pending = sorted(({"email": i.email, "expires_at": i.expires_at, "created_at": i.created_at}
                      for i in store.invitations(member.tenant_id) if i.expires_at > now),
                     key=lambda i: i["created_at"], reverse=True)
    employees = sorted(_entries(member.tenant_id), key=lambda e: e["name"].casefold())
    for e in employees:
        e["skill_count"] = len(e["skills"])
    return {"employees": employees, "invitations": pending}


def _audit_search(member: member_rules.Member, target: dict) -> None:
    """Issue 20: every search of people's skills is recorded, like a change (audit.py
    records writes only; a search reads personal data on purpose, so it is named here)."""
    from . import audit

    audit._append({"entry_id": ids.random_token(16), "at": audit._stamp(clock.utcnow_precise()),
                   "tenant_id": member.tenant_id, "actor_type": "member", "actor_id": member.member_id,
                   "method": "GET", "route": SEARCH_ROUTE,
                   "target": {k: str(v)[:200] for k, v in target.items()}, "source_ip": None, "status": 200,
                   "request_id": None})


def search(member: member_rules.Member, text: str) -> dict:
    """Linked employees holding every skill asked for (skill keys or words, comma-separated)."""
    member_rules.require(member, "workforce.view")
    asked = rules.terms(text)
    if not asked:
        return {"asked": [], "results": []}
    results = rules.search(_entries(member.tenant_id), asked)
    _audit_search(member, {"skills": ", ".join(asked), "results": len(results)})
    return {"asked": asked, "results": results}


# ------------------------------------------------------------------ teams


def _team_view(item: Any, entries: dict[str, dict]) -> dict:
    """A team as it is now: only members still linked (and counted) appear, so an employee
    who unlinks drops out of every team's results at once."""
    members = [entries[e] for e in item.members or [] if e in entries]
    return {"id": item.team_id, "name": item.name, "members": sorted(members, key=lambda m: m["name"].casefold()),
            "member_ids": [m["earner_id"] for m in members]}


def _require_team(tenant_id: str, team_id: str) -> Any:
    item = store.get_team(tenant_id, team_id) if ids.LOCAL_ID.match(team_id or "") else None
    if item is None:
        raise NotFound("no such team", code="team_not_found")
    return item


def teams_page(member: member_rules.Member) -> dict:
    member_rules.require(member, "workforce.view")
    entries = {e["earner_id"]: e for e in _entries(member.tenant_id)}
    teams = [_team_view(t, entries) for t in store.teams(member.tenant_id)]
    return {"teams": sorted(teams, key=lambda t: t["name"].casefold()),
            "employees": sorted(entries.values(), key=lambda e: e["name"].casefold())}


def _chosen(tenant_id: str, earner_ids: list[str]) -> list[str]:
    if len(earner_ids) > rules.MAX_TEAM_MEMBERS:
        raise BadRequest(f"a team has at most {rules.MAX_TEAM_MEMBERS} members", code="invalid_team")
    linked = {e.earner_id for e in store.employees(tenant_id)}
    unknown = [e for e in earner_ids if e not in linked]
    if unknown:
        raise BadRequest("choose members among the linked employees", code="invalid_team")
    return list(dict.fromkeys(earner_ids))


def save_team(member: member_rules.Member, team_id: str | None, name: str, earner_ids: list[str]) -> str:
    member_rules.require(member, "workforce.manage")
    name = " ".join((name or "").split())
    if not name:
        raise BadRequest("name the team", code="invalid_team")
    existing = _require_team(member.tenant_id, team_id) if team_id else None
    now = iso(clock.utcnow())
    team_id = existing.team_id if existing else ids.new_local_id()
    store.put_team({"tenant_id": member.tenant_id, "team_id": team_id, "name": name[:100],
                    "members": _chosen(member.tenant_id, earner_ids),
                    "created_at": existing.created_at if existing else now, "updated_at": now})
    return team_id


def delete_team(member: member_rules.Member, team_id: str) -> None:
    member_rules.require(member, "workforce.manage")
    _require_team(member.tenant_id, team_id)
    store.delete_team(member.tenant_id, team_id)


def team_page(member: member_rules.Member, team_id: str) -> dict:
    """A team's members and its coverage: for each skill held in the team, how many hold it."""
    member_rules.require(member, "workforce.view")
    item = _require_team(member.tenant_id, team_id)
    entries = {e["earner_id"]: e for e in _entries(member.tenant_id)}
    team = _team_view(item, entries)
    return {"team": team, "coverage": rules.coverage(team["members"]),
            "employees": sorted(entries.values(), key=lambda e: e["name"].casefold()),
            "roles": sorted(({"id": r.role_id, "name": r.name} for r in store.roles(member.tenant_id)),
                            key=lambda r: r["name"].casefold())}


# ------------------------------------------------------------------ roles


def _taxonomy() -> Any:
    """The ESCO index (services/taxonomy.py, issue 20 item 1): `search(q, kind, limit)`,
    `occupation(uri) -> {"uri", "label", "essential": [skill uris]} | None`, `skill(uri)`;
    None where it is not installed (roles then take skills in words only)."""
    import importlib

    # imported by name: the taxonomy helper's module lands in parallel (issue 20 contract)
    try:
        return importlib.import_module(f"{__package__}.taxonomy")
    except ImportError:
        return None


def occupations(q: str) -> list[dict]:
    q = " ".join((q or "").split())[:100]
    taxonomy = _taxonomy()
    if len(q) < 2 or taxonomy is None:
        return []
    return list(taxonomy.search(q, kind="occupation", limit=10))


def _skill_label(uri: str) -> str:
    found = _taxonomy().skill(uri)
    label = found.get("label") if isinstance(found, dict) else None
    return label or uri.rsplit("/", 1)[-1]


def occupation(uri: str) -> dict:
    """An ESCO occupation with its essential skills' labels (for the role form)."""
    taxonomy = _taxonomy()
    found = taxonomy.occupation(uri) if taxonomy and (uri or "").startswith(skill_rules.ESCO_OCCUPATION) else None
    if not found:
        raise BadRequest("choose an occupation from the list", code="invalid_occupation")
    return {"uri": found["uri"], "label": found["label"],
            "essential": [{"uri": u, "label": _skill_label(u), "key": skill_rules.key("", u)}
                          for u in found.get("essential") or []]}


def _require_role(tenant_id: str, role_id: str) -> Any:
    item = store.get_role(tenant_id, role_id) if ids.LOCAL_ID.match(role_id or "") else None
    if item is None:
        raise NotFound("no such role", code="role_not_found")
    return item


def _role_view(item: Any) -> dict:
    return {"id": item.role_id, "name": item.name, "occupation_uri": item.occupation_uri,
            "occupation_label": item.occupation_label, "skills": list(item.skills or [])}


def roles_page(member: member_rules.Member) -> dict:
    member_rules.require(member, "workforce.view")
    return {"roles": sorted((_role_view(r) for r in store.roles(member.tenant_id)),
                            key=lambda r: r["name"].casefold())}


def create_role(member: member_rules.Member, name: str, occupation_uri: str | None, essential: list[str],
                free_text: list[str]) -> str:
    """A role: a name, an ESCO occupation (optional), the essential skills kept (any of
    the occupation's, unticked ones dropped) and skills in words."""
    member_rules.require(member, "workforce.manage")
    name = " ".join((name or "").split())
    if not name:
        raise BadRequest("name the role", code="invalid_role")
    chosen = occupation(occupation_uri) if occupation_uri else None
    offered = {s["uri"]: s["label"] for s in (chosen or {}).get("essential", [])}
    if any(u not in offered for u in essential):
        raise BadRequest("choose skills among the occupation's essential skills", code="invalid_role")
    skills = rules.role_skills([(offered[u], u) for u in essential], free_text)
    if not skills:
        raise BadRequest("a role needs at least one required skill", code="invalid_role")
    if len(skills) > 200:
        raise BadRequest("a role has at most 200 required skills", code="invalid_role")
    now = iso(clock.utcnow())
    role_id = ids.new_local_id()
    store.put_role({"tenant_id": member.tenant_id, "role_id": role_id, "name": name[:100],
                    "occupation_uri": chosen["uri"] if chosen else None,
                    "occupation_label": chosen["label"] if chosen else None, "skills": skills,
                    "created_at": now, "updated_at": now})
    return role_id


def delete_role(member: member_rules.Member, role_id: str) -> None:
    member_rules.require(member, "workforce.manage")
    _require_role(member.tenant_id, role_id)
    store.delete_role(member.tenant_id, role_id)


def role_page(member: member_rules.Member, role_id: str, team_id: str | None) -> dict:
    """A role's gaps: each required skill with how many hold it, in a team or among all
    linked employees; those nobody holds first."""
    member_rules.require(member, "workforce.view")
    role = _role_view(_require_role(member.tenant_id, role_id))
    entries = {e["earner_id"]: e for e in _entries(member.tenant_id)}
    team = _team_view(_require_team(member.tenant_id, team_id), entries) if team_id else None
    group = team["members"] if team else list(entries.values())
    teams = sorted(({"id": t.team_id, "name": t.name} for t in store.teams(member.tenant_id)),
                   key=lambda t: t["name"].casefold())
    return {"role": role, "team": team, "teams": teams, "people": len(group), "gaps": rules.gaps(role["skills"], group)}
