"""Public verification: one GetItem, no other AWS call.

Everything the page needs is in the credential item (its snapshot); image URLs are
built from configuration, never fetched.
"""

from __future__ import annotations

from ..adapters.objects import public_url
from ..domain.clock import parse_iso
from .clock import utcnow
from ..domain.credentials import display_status, is_public
from ..domain.errors import Gone, NotFound

ERASED = "the person this credential was issued to had their data erased; it is no longer shown"
from ..store import credentials as store
from .notify import verify_url


def verify(credential_id: str) -> dict:
    item = store.get(credential_id)
    if item is not None and item.erased_at:
        raise Gone(ERASED, code="credential_erased")
    if item is None or not is_public(item.status, item.accepted_at) or item.private:
        raise NotFound("no credential is published at this address", code="credential_not_found")
    snap = item.snapshot
    issuer, template = snap["issuer"], snap["template"]
    expires = parse_iso(item.expires_at) if item.expires_at else None
    status = display_status(item.status, expires, utcnow())
    url = verify_url(item.credential_id)
    result = {
        "id": item.credential_id,
        "url": url,
        "json_url": f"{url}.json",
        "status": status,
        "recipient": {"name": f"{item.first_name} {item.last_name}"},
        "issued_at": item.issued_at,
        "expires_at": item.expires_at,
        "issuer": {
            "name": issuer["name"],
            "url": issuer["url"],
            "linkedin_organization_id": issuer.get("linkedin_organization_id"),
            "logo_url": public_url(issuer.get("logo_key")),
        },
        "badge": {
            "name": template["name"],
            "description": template["description"],
            "criteria": template["criteria"],
            "skills": template["skills"],
            "kind": template["kind"],
            "image_url": public_url(template.get("image_key")),
        },
        "evidence": item.evidence,
    }
    if status == "revoked":
        result["revoked_at"] = item.revoked_at
        result["revocation_reason"] = item.revocation_reason
    return result
