"""Public verification: one GetItem, no other AWS call.

Everything the page needs is in the credential item (its snapshot); image URLs are
built from configuration, never fetched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from ..adapters.objects import public_url
from ..domain.clock import parse_iso
from ..domain.credentials import Publicity, display_status, publicity
from ..domain.errors import Gone, NotFound
from ..store import credentials as store
from . import clock
from .engagement import Visit, record_view
from .notify import verify_url

ERASED = "the person this credential was issued to had their data erased; it is no longer shown"
NOT_PUBLISHED = "no credential is published at this address"


# the credentials public_item let through inside `collecting()` (/verify counts its runs by them)
_seen: ContextVar[list | None] = ContextVar("laurel_public_items", default=None)


def public_item(credential_id: str) -> Any:
    """The credential behind a public URL, with its one GetItem, if the publicity rule
    lets it be shown. Every public route (page, JSON, Open Badges documents, baked
    image, and /verify through them) looks credentials up here and nowhere else, so a
    hidden credential answers exactly like an id that was never issued."""
    item = require_public(store.get(credential_id))
    seen = _seen.get()
    if seen is not None:
        seen.append(item)
    return item


@contextmanager
def collecting() -> Iterator[list]:
    """The credentials shown by public_item inside the block (no extra read)."""
    bucket: list = []
    token = _seen.set(bucket)
    try:
        yield bucket
    finally:
        _seen.reset(token)


def require_public(item: Any) -> Any:
    """`item` if it may be shown; else the answer of an erased or a never-issued id."""
    state = publicity(item) if item is not None else Publicity.HIDDEN
    if state is Publicity.ERASED:
        raise Gone(ERASED, code="credential_erased")
    if state is not Publicity.PUBLIC:
        raise NotFound(NOT_PUBLISHED, code="credential_not_found")
    return item


def verify(credential_id: str, visit: Visit | None = None) -> dict:
    """The page's data; `visit`: a page view to record (out of band, no AWS call:
    services/engagement.py), after the publicity rule let the credential be shown."""
    item = public_item(credential_id)
    if visit is not None:
        record_view(item, visit)
    snap = item.snapshot
    issuer, template = snap["issuer"], snap["template"]
    expires = parse_iso(item.expires_at) if item.expires_at else None
    status = display_status(item.status, expires, clock.utcnow())
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
        "locale": item.locale,  # the issue request's language (issue 19): the page's, unless asked otherwise
    }
    if status == "revoked":
        result["revoked_at"] = item.revoked_at
        result["revocation_reason"] = item.revocation_reason
    return result


def document(credential_id: str, media_type: str) -> tuple[str, object]:
    """A JSON representation of the page URL (see openbadges/media.py), as (content
    type, body): the Open Badges 3.0 credential (JSON-LD or VC-JWT) or Laurel's JSON
    summary. The route and Laurel's own verifier both resolve the URL through here.
    Still one GetItem."""
    from ..openbadges import media

    if media_type in media.DOCUMENTS or media_type == media.VC_JWT:
        from .openbadges import credential

        docs = credential(credential_id)
        return (media.VC_JWT, docs["jwt"]) if media_type == media.VC_JWT else (media_type, docs["json"])
    summary = verify(credential_id)
    return media.JSON, {k: v for k, v in summary.items() if k != "json_url"}
