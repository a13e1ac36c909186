"""Signing in to the issuer console: by a mailed link and code (the wallet's sign-in,
with the same protections: hashed single-use secrets, 15 minutes, five wrong codes,
per-address and per-network limits, a daily code budget), or by the organization's
single sign-on (services/sso.py). Either way the result is a console session: a
server-side item naming the member and its organization, a new one at every sign-in
(no fixation), ended by signing out, by removal or by any change of the member's role.

The answer to a sign-in request is the same whether or not the address belongs to
any organization; a mail goes only to members and invitees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ..domain import ids
from ..domain import members as rules
from ..domain.clock import iso
from ..domain.errors import Forbidden, Gone
from ..store import members as store
from . import clock

SESSION_HOURS = 12
SESSION_SALT = b"laurel-console-session"
NO_ORGANIZATION = "this address is not a member of any organization on Laurel; ask an admin to invite you"


def request_link(email: str, *, next_path: str | None, client_address: str | None) -> str:
    """Mail a sign-in link and code to a member or invitee; the request's id either way."""
    from . import signin

    email = ids.normalize_email(email)
    next_path = next_path if (next_path or "").startswith("/console") else "/console"
    return signin.request_link(email, next_path=next_path, client_address=client_address, purpose="console",
                               send=bool(_live_memberships(ids.email_hash(email))))


def preview(login_id: str, token: str) -> dict:
    """What the mailed link's page shows before its button is pressed."""
    from . import signin

    return signin.preview(login_id, token, purposes=signin.CONSOLE)


def _live_memberships(email_hash: str) -> list[Any]:
    """The organizations an address may sign in to: active members, and invitations
    that have not ended."""
    now = iso(clock.utcnow())
    found = []
    for pointer in store.memberships(email_hash):
        member = store.get_member(pointer.tenant_id, pointer.member_id)
        if member is None:
            continue
        if member.state == "active" or (member.state == "invited" and (member.expires_at or "") > now):
            found.append(member)
    return found


@dataclass(frozen=True)
class Signed:
    """A proven address: the session's cookie and where to go, or the organizations
    to choose from."""
    cookie: str | None
    location: str = "/console"
    choices: tuple[dict, ...] = ()
    choice_token: str | None = None


def complete(login_id: str, *, token: str | None, code: str | None, tenant_id: str | None = None) -> Signed:
    """Prove the link or code; sign in to the address's organization (activating an
    invitation). An address of several organizations chooses one (`tenant_id`)."""
    from . import signin

    proven = signin.prove(login_id, token=token, code=code, purposes=signin.CONSOLE)
    return _enter(proven.email_hash, tenant_id, via="mail", location=proven.next_path)


def _enter(email_hash: str, tenant_id: str | None, via: str, location: str = "/console") -> Signed:
    live = _live_memberships(email_hash)
    if not live:
        raise Forbidden(NO_ORGANIZATION, code="not_a_member")
    if tenant_id is None and len(live) > 1:
        token = _choice_token(email_hash)
        return Signed(None, location, tuple(_choice(m) for m in live), token)
    chosen = next((m for m in live if tenant_id in (None, m.tenant_id)), None)
    if chosen is None:
        raise Forbidden(NO_ORGANIZATION, code="not_a_member")
    return Signed(start_session(chosen, via), location if location.startswith("/console") else "/console")


def choose(choice_token: str, tenant_id: str) -> Signed:
    """The organization picked after a sign-in that proved an address of several."""
    email_hash = _unsign(choice_token, b"laurel-console-choice", 600)
    if email_hash is None:
        raise Gone("that choice has expired; sign in again", code="signin_expired")
    return _enter(email_hash, tenant_id, via="mail")


def _choice(member: Any) -> dict:
    from ..store import issuers as issuer_store

    issuer = issuer_store.get_issuer(member.tenant_id)
    return {"tenant_id": member.tenant_id, "name": issuer.name if issuer else member.tenant_id,
            "role": rules.ROLE_NAMES.get(member.role, member.role)}


def start_session(member: Any, via: str) -> str:
    """A new session for `member` (activated first if it was an invitation); the cookie."""
    now = clock.utcnow()
    if member.state == "invited" and not store.activate(member, iso(now)):
        raise Gone("this invitation has ended; ask an admin to invite you again", code="invitation_expired")
    expires = now + timedelta(hours=SESSION_HOURS)
    session_id = ids.random_token()
    store.put_session(ids.sha256_hex(session_id), member.tenant_id, member.member_id, iso(now), iso(expires),
                      int(expires.timestamp()), via)
    return _signer(SESSION_SALT).sign(session_id).decode()


def _signer(salt: bytes) -> Any:
    from itsdangerous import TimestampSigner

    from .signing import derived_key

    return TimestampSigner(derived_key(b"laurel console sessions v1"), salt=salt)


def _choice_token(email_hash: str) -> str:
    return _signer(b"laurel-console-choice").sign(email_hash).decode()


def _unsign(value: str | None, salt: bytes, max_age: int) -> str | None:
    from itsdangerous import BadSignature

    if not value or len(value) > 300:
        return None
    try:
        return _signer(salt).unsign(value, max_age=max_age).decode()
    except BadSignature:
        return None


def member_from_cookie(value: str | None) -> rules.Member | None:
    """The signed-in member a console cookie names, or None (tampered, expired, ended,
    removed). Read fresh each request: a role change applies at once."""
    session_id = _unsign(value, SESSION_SALT, SESSION_HOURS * 3600)
    if session_id is None:
        return None
    session = store.get_session(ids.sha256_hex(session_id))
    if session is None or session.expires_at <= iso(clock.utcnow()):
        return None
    member = store.get_member(session.tenant_id, session.member_id)
    if member is None or member.state != "active":
        return None
    return rules.Member(tenant_id=member.tenant_id, member_id=member.member_id, email=member.email,
                        role=member.role, view_personal_data=bool(member.view_personal_data),
                        templates=tuple(member.templates) if member.templates is not None else None,
                        name=member.name or "", session_id=session_id, grants=frozenset(member.grants or ()))


def end_session(value: str | None) -> None:
    session_id = _unsign(value, SESSION_SALT, SESSION_HOURS * 3600)
    if session_id is not None:
        store.delete_session(ids.sha256_hex(session_id))
