"""Issuer use cases on credentials: issue, read, list, revoke, re-send the claim mail."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from ..adapters import objects
from ..config import get_settings
from ..domain import credentials as rules
from ..domain import ids
from ..domain.clock import as_utc, iso, parse_iso
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.templates import ExpiryPolicy, check_can_issue
from ..store import credentials as store
from ..store import openbadges as ob_store
from . import cdn, clock, engagement, events, notify, openbadges

if TYPE_CHECKING:
    from .. import schemas

CLOCK_SKEW = timedelta(minutes=5)


def credential_view(item: Any) -> dict:
    """The issuer's view: everything, including the recipient's email."""
    snap = item.snapshot
    return {
        "id": item.credential_id,
        "template_id": item.template_id,
        "status": item.status,
        "display_status": rules.display_status(item.status, _dt(item.expires_at), clock.utcnow()),
        "recipient": {
            "email": item.email,
            "first_name": item.first_name,
            "last_name": item.last_name,
            "earner_id": item.earner_id,
        },
        "locale": item.locale,
        "issued_at": item.issued_at,
        "expires_at": item.expires_at,
        "evidence": item.evidence,
        "issuer": snap["issuer"],
        "badge": {**{k: v for k, v in snap["template"].items() if k != "image_key"},
                  "image_url": objects.public_url(snap["template"].get("image_key"))},
        "accepted_at": item.accepted_at,
        "rejected_at": item.rejected_at,
        "mail": mail_state(item),
        "revoked_at": item.revoked_at,
        "revocation_reason": item.revocation_reason,
        "verification_url": notify.verify_url(item.credential_id),
        "created_at": item.created_at,
        "updated_at": item.updated_at,
    }


def mail_state(item: Any) -> dict:
    """Whether mail reaches the recipient (issue 17): "bounced" (a permanent bounce),
    "complained" (marked as spam) or "ok" as far as SES told us, and when. Set from SES's
    events (services/mail_feedback.py); correcting the address clears it."""
    if item.bounced_at:
        return {"status": "bounced", "at": item.bounced_at}
    if item.complained_at:
        return {"status": "complained", "at": item.complained_at}
    return {"status": "ok", "at": None}


def _dt(value: str | None) -> datetime | None:
    return parse_iso(value) if value else None


def snapshot(issuer: Any, template: Any) -> dict:
    """Issuer and template exactly as they are now; stored with the credential for good.
    A template's ESCO skills keep their URIs (`skill_uris`, {label: URI}; issue 20): the
    credential's OB documents align to them and the earner's skill profile counts by them."""
    snap = {
        "issuer": {
            "id": issuer.tenant_id,
            "name": issuer.name,
            "url": issuer.url,
            "email": issuer.email,
            "linkedin_organization_id": issuer.linkedin_organization_id,
            "logo_key": issuer.logo_key,
        },
        "template": {
            "id": template.template_id,
            "version": template.version,
            "name": template.name,
            "description": template.description,
            "criteria": template.criteria,
            "skills": template.skills,
            "kind": template.kind,
            "image_key": template.image_key,
        },
    }
    if template.skill_uris:  # (absent otherwise: snapshots without ESCO skills stay as they were)
        snap["template"]["skill_uris"] = dict(template.skill_uris)
    return snap


def _dates(data: schemas.IssueIn, template: Any, now: datetime) -> tuple[datetime, datetime | None]:
    issued_at = as_utc(data.issued_at) if data.issued_at else now
    if issued_at > now + CLOCK_SKEW:
        raise ValidationFailed("issued_at cannot be in the future", code="invalid_dates")
    if data.expires_at is False:
        expires_at = None
    elif data.expires_at is None:
        expires_at = ExpiryPolicy.from_dict(template.expiry).expires_at(issued_at)
    else:
        expires_at = as_utc(data.expires_at)
    if expires_at is not None and expires_at <= issued_at:
        raise ValidationFailed("expires_at must be after issued_at", code="invalid_dates")
    return issued_at, expires_at


def _claim_token(now: datetime) -> tuple[str, str, str]:
    token = ids.random_token()
    expires = now + timedelta(days=get_settings().claim_token_days)
    return token, ids.sha256_hex(token), iso(expires)


def build(tenant_id: str, issuer: Any, template: Any, data: schemas.IssueIn, now: datetime, credential_id: str,
          status_index: int | None = None, rsa_key: Any = None, replaces: list[str] | None = None) -> tuple[Any, str]:
    """The complete credential item (snapshot, claim token, Open Badges proofs), not yet
    stored, and its claim token. Shared by single and bulk issuance. `replaces`: the
    credentials this one replaces (their history links to it, and it to them)."""
    issued_at, expires_at = _dates(data, template, now)
    email = ids.normalize_email(str(data.email))
    token, token_hash, token_expires = _claim_token(now)
    fields = {
        "credential_id": credential_id,
        "tenant_id": tenant_id,
        "template_id": template.template_id,
        "status": "pending",
        "email": email,
        "email_hash": ids.email_hash(email),
        "first_name": data.first_name,
        "last_name": data.last_name,
        "earner_id": data.earner_id,
        "locale": data.locale,
        "issued_at": iso(issued_at),
        "expires_at": iso(expires_at) if expires_at else None,
        "evidence": [e.model_dump(mode="json", exclude_none=True) for e in data.evidence],
        "snapshot": snapshot(issuer, template),
        "claim_token_hash": token_hash,
        "claim_expires_at": token_expires,
        "created_at": iso(now),
        "updated_at": iso(now),
    }
    if replaces:
        fields["replaces"] = list(replaces)
    openbadges.prepare(fields, status_index, rsa_key)
    return store.build(fields), token


def _refuse_in_flight(policy: str, credential_id: str) -> None:
    """A bulk row claimed this person's slot and is storing its credential right now:
    under `deny` that credential is the one they hold; `replace` cannot revoke what
    is not stored yet, so it is refused until it is."""
    if policy == "deny":
        raise Conflict("this person is being issued this credential by a bulk job (duplicate_policy is 'deny')",
                       code="duplicate_credential", details={"existing": [credential_id]})
    raise Conflict("a bulk job is issuing this credential to this person right now; try again in a minute",
                   code="concurrent_update")


def issue(tenant_id: str, data: schemas.IssueIn, must_replace: str | None = None) -> dict:
    """`must_replace`: the console's "replace this credential": nothing is issued unless
    that credential is among those the new one replaces (still pending or accepted)."""
    now = clock.utcnow()
    email_hash = ids.email_hash(str(data.email))
    template, issuer, slot, suppressed, language = store.issuance_context(  # one read
        tenant_id, data.template_id, email_hash)
    if template is None:
        raise NotFound("template not found")
    check_can_issue(template.state)
    if issuer is None or issuer.offboarded_at:  # an LMS hook or request in flight when offboarding began
        raise NotFound("issuer not found")
    _dates(data, template, now)  # bad dates are refused before anything is written
    replacing = []
    if data.duplicate_policy != "allow":
        blocking = [c for c in _issued_before(slot, tenant_id, email_hash, template.template_id, data, now)
                    if c.status in rules.BLOCKING_STATUSES]
        if blocking and data.duplicate_policy == "deny":
            raise Conflict(
                "this person already holds this credential (duplicate_policy is 'deny')",
                code="duplicate_credential",
                details={"existing": [c.credential_id for c in blocking]},
            )
        replacing = blocking
        rules.check_replaceable(len(replacing))
    if must_replace and must_replace not in {c.credential_id for c in replacing}:
        raise Conflict("only a pending or accepted credential can be replaced; nothing was issued",
                       code="invalid_state")

    credential_id = ids.new_credential_id(tenant_id)
    item, token = build(tenant_id, issuer, template, data, now, credential_id,
                        replaces=[c.credential_id for c in replacing])
    reason = f"Replaced by credential {credential_id}"
    if not store.insert(
        item,
        slot,
        replacing=replacing,
        revoke_fields={"status": "revoked", "revoked_at": iso(now), "revocation_reason": reason, "updated_at": iso(now),
                       "replaced_by": credential_id},
    ):
        raise Conflict("this person was issued this credential at the same moment by another request; retry",
                       code="concurrent_update")
    if replacing:
        openbadges.record_replaced(replacing, reason, iso(now))
    view = credential_view(item)
    events.emit(tenant_id, "credential.created", view)
    engagement.issued(item, now)
    for old in replacing:  # each replaced one was revoked from the status it had
        engagement.transition("revoked", old, old.status, now)
        if old.accepted_at:  # its skills stop counting (plain issuance, replacing nothing, does no work here)
            from . import skill_profile

            skill_profile.changed_for_credential(old)
    mail_sent = False if data.suppress_email else notify.send_claim(item, token, issuer, suppressed=suppressed,
                                                                                 earner_locale=language)
    view["replaced"] = [c.credential_id for c in replacing]
    view["claim_mail_sent"] = mail_sent
    return view


def _issued_before(slot: Any, tenant_id: str, email_hash: str, template_id: str, data: schemas.IssueIn,
                   now: datetime) -> list:
    """Every credential of this template ever issued to this person. The slot counts
    them (its version moves on with each issuance, single or bulk) and names the
    latest, so most issuances read nothing more: none before (version 0), or just
    the latest (version 1, read consistently: the by_email index may lag a write
    made a moment ago, the slot never does). Only a person issued this template
    several times needs the index query."""
    version = int(slot.version or 0)
    if version == 0 or not slot.latest:
        return []
    existing = store.for_recipient(tenant_id, email_hash, template_id) if version > 1 else []
    if slot.latest not in {c.credential_id for c in existing}:
        latest = store.get_consistent(slot.latest)
        # (a credential whose address the issuer corrected since is no longer this person's)
        existing += [latest] if latest and latest.email_hash == email_hash else []
        if latest is None and rules.claim_in_flight(_dt(slot.claimed_at), now):
            _refuse_in_flight(data.duplicate_policy, slot.latest)
    return existing


def require(tenant_id: str, credential_id: str) -> Any:
    item = store.get_for_tenant(tenant_id, credential_id)
    if item is None:
        raise NotFound("credential not found")
    return item


def get(tenant_id: str, credential_id: str) -> dict:
    return credential_view(require(tenant_id, credential_id))


def list_page(tenant_id: str, *, template_id: str | None, status: str | None, email: str | None,
              limit: int, cursor: str | None, created_from: str | None = None, created_to: str | None = None) -> dict:
    items, next_cursor = store.list_page(
        tenant_id,
        template_id=template_id,
        status=status,
        email_hash=ids.email_hash(email) if email else None,
        limit=limit,
        cursor=cursor,
        created_from=created_from,
        created_to=created_to,
    )
    return {"items": [credential_view(i) for i in items], "next_cursor": next_cursor}


def revoke(tenant_id: str, credential_id: str, data: schemas.RevokeIn, attempts: int = 5) -> dict:
    item = require(tenant_id, credential_id)
    if not rules.check_revocable(item.status):
        # Already revoked: the same answer, no mail. The status list is published again,
        # which heals a publication that failed after the revocation was stored.
        list_no, status_list, _ = openbadges.revocation_bits(item)
        if list_no is not None:  # the list, its number and bits are there together or not at all
            openbadges.publish_status_list(tenant_id, list_no)
        # and the CDN's copies are invalidated again: the attempt that stored the revocation may have
        # failed before its invalidation was queued (issue 17: never shown valid longer than that takes)
        cdn.credentials_changed([item])
        return credential_view(item)
    now = iso(clock.utcnow())
    from_status = item.status
    changes = {"status": "revoked", "revoked_at": now, "revocation_reason": data.reason, "updated_at": now}
    list_no, status_list, new_bits = openbadges.revocation_bits(item)
    if not ob_store.revoke(item, changes, expect_status=item.status, status_list=status_list, new_bits=new_bits):
        # Someone changed it or its status list meanwhile: decide again on fresh data.
        if attempts <= 1:
            raise Conflict("the credential keeps changing; try again", code="concurrent_update")
        return revoke(tenant_id, credential_id, data, attempts - 1)
    if list_no is not None:
        openbadges.publish_status_list(tenant_id, list_no, new_bits)
    openbadges.forget_baked(item)
    cdn.credentials_changed([item])  # its cached page, documents and status list (services/cdn.py)
    events.emit(tenant_id, "credential.revoked", credential_view(item))
    engagement.transition("revoked", item, from_status)
    if item.accepted_at:  # an accepted credential's skills stop counting (issue 20)
        from . import skill_profile

        skill_profile.changed_for_credential(item)
    mail_sent = False if data.suppress_email else notify.send_revoked(item)
    return {**credential_view(item), "notice_mail_sent": mail_sent}


def correct_recipient(tenant_id: str, credential_id: str, data: schemas.RecipientIn) -> dict:
    """The issuer corrects the address of a credential nobody claimed yet (issue 17: "lets
    the issuer correct the address"), typically after its mail bounced. The credential keeps
    its id and history; it is addressed to the new address from now on (its recipient
    hash, wallet index and Open Badges documents, signed again for the new address), a
    new claim link replaces the old one and goes to the new address. The old address
    stays suppressed if it was: a correction says nothing about that mailbox.

    Refused, with nothing changed: another tenant's id (404), a credential that is not
    pending (409 invalid_state: an accepted one belongs to its earner), a new address that
    is suppressed (409 address_suppressed) or already holds this credential (409
    duplicate_credential, as `deny` would answer at issue time)."""
    item = require(tenant_id, credential_id)
    if item.erased_at or item.status != "pending":
        raise Conflict("only a credential nobody has claimed yet can be sent to another address",
                       code="invalid_state")
    email = ids.normalize_email(str(data.email))
    email_hash = ids.email_hash(email)
    if email_hash == item.email_hash:
        raise Conflict("that is the address the credential is sent to already", code="same_address")
    notify.require_mailable(email, "the claim mail")
    now = clock.utcnow()
    slot = store.recipient_slot(tenant_id, email_hash, item.template_id)
    data_for_slot: Any = SimpleNamespace(duplicate_policy="deny")  # _issued_before reads only the policy
    blocking = [c.credential_id for c in _issued_before(slot, tenant_id, email_hash, item.template_id,
                                                         data_for_slot, now)
                if c.status in rules.BLOCKING_STATUSES]
    if blocking:
        raise Conflict("the new address already holds this credential", code="duplicate_credential",
                       details={"existing": blocking})
    token, token_hash, token_expires = _claim_token(now)
    fields = {"tenant_id": tenant_id, "credential_id": item.credential_id, "template_id": item.template_id,
              "email": email, "first_name": item.first_name, "last_name": item.last_name,
              "issued_at": item.issued_at, "expires_at": item.expires_at, "evidence": item.evidence,
              "snapshot": item.snapshot, "created_at": item.created_at}
    openbadges.prepare(fields, item.status_index)  # the documents name the new address (hashed, salted anew)
    changes = {"email": email, "email_hash": email_hash, "recipient_salt": fields["recipient_salt"],
               "ob3": fields["ob3"], "ob3_jwt": fields["ob3_jwt"], "claim_token_hash": token_hash,
               "claim_expires_at": token_expires, "updated_at": iso(now)}
    if not store.correct_recipient(item, changes, new_slot=slot):
        raise Conflict("the credential or the new address's credentials changed meanwhile; try again",
                       code="concurrent_update")
    openbadges.forget_baked(item)
    fresh = require(tenant_id, credential_id)
    sent = notify.send_claim(fresh, token)
    return {**credential_view(fresh), "claim_mail_sent": sent}


def resend(tenant_id: str, credential_id: str) -> dict:
    """A fresh claim link; the previous one stops working."""
    item = require(tenant_id, credential_id)
    rules.check_resendable(item.status)
    # a suppressed address is refused before the old link is replaced: nothing changes
    notify.require_mailable(item.email, "the mail with the new claim link")
    token, token_hash, token_expires = _claim_token(clock.utcnow())
    changes = {"claim_token_hash": token_hash, "claim_expires_at": token_expires, "updated_at": iso(clock.utcnow())}
    if not store.conditional_update(item, changes, expect_status=("pending",)):
        raise Conflict("the credential is no longer pending", code="invalid_state")
    notify.resend_claim(item, token)
    return {**credential_view(item), "claim_mail_sent": True}
