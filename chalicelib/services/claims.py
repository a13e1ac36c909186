"""The recipient's side: open the claim link, accept or reject.

The token in the link is single-use: the status change and the token's removal are
one conditional write that also requires the token hash still to be there, so a
replayed or racing request changes nothing.
"""

from __future__ import annotations

from typing import Any

from ..adapters import objects
from ..config import get_settings
from ..domain import ids
from ..domain.clock import iso, parse_iso
from ..domain.errors import Gone, NotFound
from ..store import credentials as store
from . import clock
from .notify import verify_url


def _check_token(credential_id: str, token: str) -> Any:
    """The token is checked before anything about the credential is revealed: without
    it, every answer is the same 404, so an id alone tells nothing about its status."""
    item = store.get(credential_id)
    token_hash = ids.sha256_hex(token or "")
    if item is None or not token:
        raise NotFound("this claim link is not valid; use the newest mail you received", code="claim_not_found")
    if item.claim_used_hash and ids.same_secret(token_hash, item.claim_used_hash):
        raise Gone(f"this link was already used: the credential is {item.status}", code="claim_used")
    if not item.claim_token_hash or not ids.same_secret(token_hash, item.claim_token_hash):
        raise NotFound("this claim link is not valid; use the newest mail you received", code="claim_not_found")
    if parse_iso(item.claim_expires_at) <= clock.utcnow():
        raise Gone("this claim link has expired; ask the issuer to send a new one", code="claim_expired")
    return item


def preview(credential_id: str, token: str) -> dict:
    item = _check_token(credential_id, token)
    snap = item.snapshot
    return {
        "credential_id": item.credential_id,
        "action_url": f"{get_settings().public_base_url}/claim/{item.credential_id}",
        "token": token,
        "recipient_name": f"{item.first_name} {item.last_name}",
        "issuer": snap["issuer"],
        "badge": {**snap["template"], "image_url": objects.public_url(snap["template"].get("image_key"))},
        "locale": item.locale,
        "earner_locale": _owner_locale(item.email_hash),
    }


def _owner_locale(email_hash: str) -> str | None:
    """The language the address's owner chose, if the address has a wallet (one GetItem)."""
    from ..store import earners

    return earners.earner_locale_for_email(email_hash)


def _restricted(email_hash: str) -> bool:
    from ..store import earners

    owner = earners.email_owner(email_hash)
    earner = earners.get_earner(owner) if owner else None
    return bool(earner and earner.restricted_at)


def decide(credential_id: str, token: str, decision: str) -> dict:
    item = _check_token(credential_id, token)
    now = iso(clock.utcnow())
    status = "accepted" if decision == "accept" else "rejected"
    # The used token's hash is kept so that a replay gets a clear "already used".
    changes = {"status": status, f"{status}_at": now, "updated_at": now, "claim_used_hash": item.claim_token_hash}
    if status == "accepted" and _restricted(item.email_hash):
        changes["private"] = True  # the person restricted processing in their wallet: nothing becomes public
    if not store.conditional_update(item, changes, expect_status=("pending",), expect_token_hash=item.claim_token_hash,
                                    remove=("claim_token_hash", "claim_expires_at")):
        raise Gone("this claim link was used a moment ago and cannot be used again", code="claim_used")
    from . import engagement, events
    from .credentials import credential_view

    events.emit(item.tenant_id, f"credential.{status}", credential_view(item))
    engagement.transition(status, item, "pending")
    from . import skill_profile

    skill_profile.changed_for_credential(item)  # the address's account, if it has one
    url = verify_url(item.credential_id)
    if changes.get("private") or item.private:  # hidden (restricted even before it was accepted)
        from ..config import get_settings

        url = f"{get_settings().public_base_url}/wallet/credentials/{item.credential_id}"  # its page answers 404
    return {"id": item.credential_id, "status": status, "url": url}
