"""The console's use cases on credentials: search, the detail page with its history,
and revoke, replace and resend behind confirmation pages.

The member's rules are applied here, whatever a page offers:
- the role matrix (domain/members.py): every role sees credentials; issuers and
  admins resend; only admins revoke and replace;
- an issuer restricted to some templates sees every credential of the organization
  (read access is the organization's, as for a read-only member) but re-sends claim
  mail only for credentials of the templates it may issue from;
- a read-only member without the "view personal data" grant never gets a recipient's
  name, address, evidence or the issuer's own id for the person: they are masked in
  lists and details, and searching by address is refused (403).

Revoke, replace and resend reuse services/credentials.py; the guard audits each.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .. import i18n
from ..domain import credentials as rules
from ..domain import ids
from ..domain import members as member_rules
from ..domain.clock import iso, parse_iso
from ..domain.errors import Conflict, Forbidden
from ..i18n import N_, _
from ..store import credentials as store
from . import clock, notify
from . import credentials as credentials_service

if TYPE_CHECKING:
    from .. import schemas

PAGE_SIZE = 25

# A console state is what a person means by it: pending and accepted are the credentials
# still in force; one past its expiry date is "expired" (revoked and rejected stay so).
# (texts marked for the catalogs with N_, translated with _ where a page shows them: issue 19)
STATE_NAMES = {"pending": N_("Waiting for the recipient"), "accepted": N_("Accepted"), "rejected": N_("Declined"),
               "revoked": N_("Revoked"), "expired": N_("Expired")}

# What each kind of mail about a credential is called in its history (sent, not sent).
MAIL_NAMES = {
    "claim": (N_("Claim mail sent"), N_("Claim mail could not be sent")),
    "resend": (N_("Claim link re-sent"), N_("Re-sent claim link could not be sent")),
    "revoked": (N_("Revocation notice sent"), N_("Revocation notice could not be sent")),
    "expiry_reminder": (N_("Expiry reminder sent"), N_("Expiry reminder could not be sent")),
    "expired": (N_("Expiry notice sent"), N_("Expiry notice could not be sent")),
}

# Events recorded in the same second keep the order in which they can happen.
_ORDER = {"issued": 0, "replaces": 1, "claim": 2, "resend": 3, "bounced": 4, "accepted": 5, "rejected": 5,
          "expiry_reminder": 6, "revoked": 7, "replaced": 7, "revoked_mail": 8, "expired": 9, "expired_mail": 10,
          "erased": 11}

# Replacements made before the link was stored name the new credential in the reason only.
_REPLACED_REASON = re.compile(r"^Replaced by credential (\S+)$")


def state_of(item: Any, now: datetime) -> str:
    if item.status in ("revoked", "rejected"):
        return item.status
    if item.expires_at and parse_iso(item.expires_at) <= now:
        return "expired"
    return item.status


def _state_filter(state: str | None, now: str) -> dict:
    if state is None:
        return {}
    if state == "expired":
        return {"statuses": ("pending", "accepted"), "expires_before": now}
    if state in ("pending", "accepted"):
        return {"statuses": (state,), "unexpired_at": now}
    return {"statuses": (state,)}


def _recipient(item: Any, member: member_rules.Member) -> dict:
    if item.erased_at:
        return {"email": None, "name": None, "erased": True, "masked": False}
    if member.sees_personal_data:
        return {"email": item.email, "name": f"{item.first_name} {item.last_name}".strip(), "erased": False,
                "masked": False}
    return {"email": member_rules.mask_email(item.email), "name": member_rules.mask_name(item.first_name,
                                                                                          item.last_name),
            "erased": False, "masked": True}


def row_view(item: Any, member: member_rules.Member, now: datetime) -> dict:
    snap = item.snapshot
    state = state_of(item, now)
    return {
        "id": item.credential_id,
        "template_id": item.template_id,
        "badge_name": snap["template"]["name"],
        "state": state,
        "state_name": _(STATE_NAMES[state]),
        "recipient": _recipient(item, member),
        "issued_at": item.issued_at,
        "created_at": item.created_at,
        "expires_at": item.expires_at,
    }


# ------------------------------------------------------------------ search


def search(member: member_rules.Member, query: schemas.CredentialSearchIn) -> dict:
    """A page of the organization's credentials, newest first (`query`: schemas.CredentialSearchIn)."""
    member_rules.require(member, "credentials.view")
    if query.q and not member.sees_personal_data:
        raise Forbidden("searching by the recipient's address needs the \u201cview personal data\u201d grant; "
                        "ask an admin of your organization", code="personal_data_not_granted")
    now = clock.utcnow()
    items, cursor = store.search_page(
        member.tenant_id, size=PAGE_SIZE, template_id=query.template,
        email_hash=ids.email_hash(str(query.q)) if query.q else None,
        created_from=query.from_.isoformat() if query.from_ else None,
        created_to=query.to.isoformat() if query.to else None,
        cursor=query.cursor, **_state_filter(query.state, iso(now)))
    return {"items": [row_view(i, member, now) for i in items], "next_cursor": cursor}


# ------------------------------------------------------------------ detail and history


def _replaced_by(item: Any) -> str | None:
    if item.replaced_by:
        return item.replaced_by
    match = _REPLACED_REASON.match(item.revocation_reason or "")
    return match.group(1) if match else None


def history(item: Any, now: datetime) -> list[dict]:
    """What happened to the credential, oldest first: issued (and what it replaced), each
    mail about it, a bounce, the recipient's decision, revocation or replacement, expiry,
    erasure. Recipients' addresses never appear in it."""
    # the texts are the page's (history() runs for the credential's page only), in its language
    note = (_("dated %(day)s", day=i18n.format_date(item.issued_at[:10]))
            if item.issued_at[:10] != item.created_at[:10] else None)
    events = [{"at": item.created_at, "kind": "issued", "text": _("Issued"), "note": note}]
    for old in item.replaces or []:
        events.append({"at": item.created_at, "kind": "replaces", "text": _("Replaces credential"), "link": old})
    for entry in item.mail_log or []:
        named = MAIL_NAMES.get(entry.kind)
        sent, failed = ((_(named[0]), _(named[1])) if named else
                        (_("Mail (%(kind)s) sent", kind=entry.kind), _("Mail (%(kind)s) not sent", kind=entry.kind)))
        if entry.suppressed:
            failed = _("%(what)s: the address is suppressed (an earlier mail bounced or was reported as spam)",
                       what=failed)
        events.append({"at": entry.at, "kind": "mail" if entry.ok else "mail_failed", "text": sent if entry.ok
                       else failed, "order": _ORDER.get(f"{entry.kind}_mail", _ORDER.get(entry.kind, 6))})
    if item.bounced_at:
        events.append({"at": item.bounced_at, "kind": "bounced", "text": _("A mail to the recipient bounced")})
    if item.complained_at:
        events.append({"at": item.complained_at, "kind": "bounced",
                       "text": _("The recipient reported a mail as spam")})
    if item.accepted_at:
        events.append({"at": item.accepted_at, "kind": "accepted", "text": _("Accepted by the recipient")})
    if item.rejected_at:
        events.append({"at": item.rejected_at, "kind": "rejected", "text": _("Declined by the recipient")})
    if item.revoked_at:
        successor = _replaced_by(item)
        if successor:
            events.append({"at": item.revoked_at, "kind": "replaced", "text": _("Replaced by credential"),
                           "link": successor})
        else:
            events.append({"at": item.revoked_at, "kind": "revoked", "text": _("Revoked"),
                           "note": item.revocation_reason})
    if item.expires_at and item.status not in ("revoked", "rejected") and parse_iso(item.expires_at) <= now:
        events.append({"at": item.expires_at, "kind": "expired", "text": _("Expired")})
    if item.erased_at:
        events.append({"at": item.erased_at, "kind": "erased",
                       "text": _("The recipient's personal data was erased at their request")})
    return sorted(events, key=lambda e: (e["at"], e.get("order", _ORDER.get(e["kind"], 6))))


def _may_resend(member: member_rules.Member, item: Any) -> bool:
    return member.may("credentials.resend") and member.may_issue_from(item.template_id)


def detail(member: member_rules.Member, credential_id: str) -> dict:
    member_rules.require(member, "credentials.view")
    item = credentials_service.require(member.tenant_id, credential_id)
    now = clock.utcnow()
    view = row_view(item, member, now)
    personal = member.sees_personal_data and not item.erased_at
    in_force = item.status in rules.BLOCKING_STATUSES and not item.erased_at
    return {
        **view,
        "issuer_name": item.snapshot["issuer"]["name"],
        "evidence": item.evidence if personal else None,
        "earner_id": item.earner_id if personal else None,
        "claim_expires_at": item.claim_expires_at if item.status == "pending" else None,
        "revocation_reason": item.revocation_reason,
        "replaced_by": _replaced_by(item),
        "replaces": list(item.replaces or []),
        "verification_url": notify.verify_url(item.credential_id),
        "history": history(item, now),
        "mail": credentials_service.mail_state(item),
        "can": {
            "resend": item.status == "pending" and not item.erased_at and _may_resend(member, item),
            # the address is personal data: only a member who sees it may correct it
            "correct": item.status == "pending" and not item.erased_at and _may_resend(member, item)
            and member.sees_personal_data,
            "revoke": member.may("credentials.revoke") and in_force,
            "replace": member.may("credentials.replace") and in_force,
        },
    }


# ------------------------------------------------------------------ resend


def _resendable(member: member_rules.Member, credential_id: str) -> Any:
    member_rules.require(member, "credentials.resend")
    item = credentials_service.require(member.tenant_id, credential_id)
    if not member.may_issue_from(item.template_id):
        raise Forbidden("you may re-send claim mail only for credentials of the templates you issue from",
                        code="template_not_allowed")
    if item.erased_at:
        raise Conflict("the recipient's personal data was erased: there is no address to mail", code="invalid_state")
    rules.check_resendable(item.status)
    return item


def resend_preview(member: member_rules.Member, credential_id: str) -> dict:
    """What a re-sent claim mail does, for the confirmation page (changes nothing)."""
    item = _resendable(member, credential_id)
    return row_view(item, member, clock.utcnow())


def resend(member: member_rules.Member, credential_id: str) -> None:
    _resendable(member, credential_id)
    credentials_service.resend(member.tenant_id, credential_id)


def correct_recipient(member: member_rules.Member, credential_id: str, data: Any) -> None:
    """Send an unclaimed credential to a corrected address (issue 17): a member who may
    re-send its claim mail and sees recipients' addresses."""
    _resendable(member, credential_id)
    if not member.sees_personal_data:
        raise Forbidden("correcting a recipient's address needs access to recipients' personal data",
                        code="personal_data_hidden")
    credentials_service.correct_recipient(member.tenant_id, credential_id, data)


# ------------------------------------------------------------------ revoke


def _revocable(member: member_rules.Member, credential_id: str) -> Any:
    member_rules.require(member, "credentials.revoke")
    item = credentials_service.require(member.tenant_id, credential_id)
    if item.status == "revoked":
        raise Conflict("this credential is revoked already", code="invalid_state")
    rules.check_revocable(item.status)
    return item


def revoke_preview(member: member_rules.Member, credential_id: str) -> dict:
    item = _revocable(member, credential_id)
    return {**row_view(item, member, clock.utcnow()), "was_accepted": bool(item.accepted_at)}


def revoke(member: member_rules.Member, credential_id: str, data: schemas.ConsoleRevokeIn) -> None:
    """Revoke with the reason given (`data`: schemas.ConsoleRevokeIn). A repeated post
    (the form sent twice) finds it revoked and changes nothing, mails nothing."""
    from ..schemas import RevokeIn

    member_rules.require(member, "credentials.revoke")
    credentials_service.revoke(member.tenant_id, credential_id,
                               RevokeIn(reason=data.reason, suppress_email=data.suppress_email == "yes"))


# ------------------------------------------------------------------ replace


def _replaceable(member: member_rules.Member, credential_id: str) -> Any:
    member_rules.require(member, "credentials.replace")
    item = credentials_service.require(member.tenant_id, credential_id)
    member_rules.require_template(member, item.template_id)
    if item.erased_at:
        raise Conflict("the recipient's personal data was erased: it cannot be issued to them again",
                       code="invalid_state")
    if item.status not in rules.BLOCKING_STATUSES:
        raise Conflict(f"only a pending or accepted credential can be replaced; this one is {item.status}",
                       code="invalid_state")
    return item


def replace_preview(member: member_rules.Member, credential_id: str) -> dict:
    """The replacement form's starting values, and how many other copies of the same
    credential the person holds (a replacement revokes them all: duplicate_policy=replace)."""
    item = _replaceable(member, credential_id)
    held = store.for_recipient(member.tenant_id, item.email_hash, item.template_id)
    others = [c for c in held if c.credential_id != item.credential_id and c.status in rules.BLOCKING_STATUSES]
    return {**row_view(item, member, clock.utcnow()), "first_name": item.first_name, "last_name": item.last_name,
            "issued_on": item.issued_at[:10], "expires_on": (item.expires_at or "")[:10], "others": len(others)}


def replace(member: member_rules.Member, credential_id: str, data: schemas.ConsoleReplaceIn) -> str:
    """A new credential for the same person and template, with the name and dates as
    corrected (`data`: schemas.ConsoleReplaceIn), replacing this one (revoked, linked
    both ways). Nothing is issued unless this one is still pending or accepted.
    Returns the new credential's id."""
    from ..schemas import IssueIn

    item = _replaceable(member, credential_id)
    issue = IssueIn.model_validate({
        "template_id": item.template_id, "email": item.email, "first_name": data.first_name,
        "last_name": data.last_name, "issued_at": data.issued_at.isoformat(),
        "expires_at": data.expires_at.isoformat() if data.expires_at else False,
        "evidence": item.evidence or [], "earner_id": item.earner_id, "locale": item.locale,
        "suppress_email": data.suppress_email == "yes", "duplicate_policy": "replace",
    })
    return credentials_service.issue(member.tenant_id, issue, must_replace=credential_id)["id"]
