"""The recipient's side: open the claim link, accept or reject.

The token in the link is single-use: the status change and the token's removal are
one conditional write that also requires the token hash still to be there, so a
replayed or racing request changes nothing.
"""

from __future__ import annotations

from ..adapters import objects
from ..domain import ids
from ..domain.clock import iso, parse_iso, utcnow
from ..domain.errors import Gone, NotFound
from ..store import credentials as store


def _check_token(credential_id: str, token: str):
    item = store.get(credential_id)
    if item is None:
        raise NotFound("this claim link does not match any credential", code="claim_not_found")
    if item.status != "pending" or not item.claim_token_hash:
        raise Gone(f"this credential was already {item.status}; the link cannot be used again", code="claim_used")
    if not token or not ids.same_secret(ids.sha256_hex(token), item.claim_token_hash):
        raise NotFound("this claim link is not valid; use the newest mail you received", code="claim_not_found")
    if parse_iso(item.claim_expires_at) <= utcnow():
        raise Gone("this claim link has expired; ask the issuer to send a new one", code="claim_expired")
    return item


def preview(credential_id: str, token: str) -> dict:
    item = _check_token(credential_id, token)
    snap = item.snapshot
    return {
        "credential_id": item.credential_id,
        "token": token,
        "recipient_name": f"{item.first_name} {item.last_name}",
        "issuer": snap["issuer"],
        "badge": {**snap["template"], "image_url": objects.public_url(snap["template"].get("image_key"))},
    }


def decide(credential_id: str, token: str, decision: str) -> dict:
    item = _check_token(credential_id, token)
    now = iso(utcnow())
    status = "accepted" if decision == "accept" else "rejected"
    changes = {"status": status, f"{status}_at": now, "updated_at": now}
    if not store.conditional_update(item, changes, expect_status=("pending",), expect_token_hash=item.claim_token_hash,
                                    remove=("claim_token_hash", "claim_expires_at")):
        raise Gone("this claim link was used a moment ago and cannot be used again", code="claim_used")
    return {"id": item.credential_id, "status": status}
