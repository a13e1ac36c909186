"""Share cards (issue 19, item 1): the 1200x630 PNG a link preview shows, rendered
lazily on the first request for a credential's current state and language, then
cached in S3 where the CDN serves it.

"Re-rendered when the state changes": the card's key names the state, the language
and everything drawn (store/object_keys.share_card_key), so a revoked or expired
credential's card is a new key, rendered on its first request; a stale card is never
served because the route looks the key up from the credential as it is now. Revocation,
hiding, a corrected address and erasure delete the credential's baked prefix, cards
included (services/openbadges.forget_baked, services/rights.erase), and the CDN
invalidation of that prefix (services/cdn.py) covers them.

Nothing here runs at issue time (the single-issuance path is a tracked benchmark): the
first preview of a credential pays for its card.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from ..adapters import objects
from ..domain.clock import parse_iso
from ..domain.credentials import Publicity, display_status, publicity
from ..domain.errors import BadRequest, LaurelError, NotFound
from ..store import credentials as cred_store
from ..store import object_keys
from . import clock
from .notify import verify_url
from .verification import NOT_PUBLISHED, public_item


def card_words(item: Any, state: str) -> Any:
    """What the card says, in the current language (the caller's `i18n.using`)."""
    from .. import i18n
    from ..config import get_settings
    from ..i18n import _
    from ..web.share_card import CardWords

    snap = item.snapshot
    earner = f"{item.first_name} {item.last_name}"
    if state == "revoked":
        label = _("Revoked on %(date)s", date=i18n.format_date(item.revoked_at))
    elif state == "expired":
        label = _("Expired on %(date)s", date=i18n.format_date(item.expires_at))
    else:
        label = _("Valid")
    host = get_settings().public_base_url.split("://", 1)[-1]
    return CardWords(state=state, state_label=label, credential=snap["template"]["name"],
                     issued_to=_("Issued to %(name)s", name=earner),
                     issued_by=_("by %(issuer)s", issuer=snap["issuer"]["name"]),
                     footer=_("Verified by Laurel · %(host)s", host=host))


def _state(item: Any) -> str:
    expires = parse_iso(item.expires_at) if item.expires_at else None
    return display_status(item.status, expires, clock.utcnow())


def card_key(item: Any, locale: str) -> str:
    from ..web.share_card import VERSION

    state = _state(item)
    image_key = item.snapshot["template"].get("image_key") or ""
    drawn = "|".join((VERSION, state, locale, item.updated_at or "", image_key))
    version = f"{state}-{locale}-{hashlib.sha256(drawn.encode()).hexdigest()[:16]}"
    return object_keys.share_card_key(item.tenant_id, item.credential_id, version)


def card_url(credential_id: str, locale: str, ref: str | None = None, attempts: int = 3) -> str:
    """The URL of the credential's card for its state now, in `locale`: rendered and
    stored on a miss. A credential that is not public answers exactly like one never
    issued (the one publicity rule, services/verification.public_item). `ref`: where the
    card is shown (`embed`: the embed card), counted like the badge image's loads."""
    from .. import i18n

    item = public_item(credential_id)
    if ref and attempts == 3:
        from .engagement import record_image

        record_image(item, ref)  # out of band: a log line, no AWS call
    key = card_key(item, locale)
    if objects.exists(key):
        return objects.url_of(key)
    from ..web import share_card

    with i18n.using(locale):
        words = card_words(item, _state(item))
    image_key = item.snapshot["template"].get("image_key")
    badge = objects.get_if_present(image_key) if image_key and not image_key.endswith(".svg") else None
    # short-lived at the CDN, like the baked image: a hidden or erased credential's card must not linger
    objects.put(key, share_card.render(words, badge), "image/png", cache_control="public, max-age=300")
    # Written from what was read: if the credential was hidden, revoked or erased meanwhile, the
    # file describes a state that is gone (and may now be private). Delete it and decide again.
    fresh = cred_store.get_consistent(credential_id)
    if fresh is not None and publicity(fresh) is Publicity.PUBLIC and fresh.updated_at == item.updated_at:
        return objects.url_of(key)
    objects.delete(key)
    if attempts <= 1:
        raise NotFound(NOT_PUBLISHED, code="credential_not_found")
    return card_url(credential_id, locale, None, attempts - 1)


# ------------------------------------------------------------------ oEmbed (issue 19, item 3)


class FormatNotImplemented(LaurelError):
    """oEmbed 1.0, 2.3.5: "501 Not Implemented - The provider cannot return a response in
    the requested format." Laurel answers JSON only."""

    status = 501
    code = "format_not_implemented"


def _size(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    if not re.fullmatch(r"[0-9]{1,5}", value):  # ASCII digits only: str.isdigit() takes "²", int() then fails
        raise BadRequest(f"{name} must be a whole number of pixels", code="invalid_query")
    return int(value)


def _shareable(item: Any) -> Any:
    """What the embed shows, from the one item read (no issuer profile: LinkedIn plays no part)."""
    from .. import i18n
    from ..domain.sharing import Shareable

    snap = item.snapshot
    return Shareable(
        credential_id=item.credential_id, badge_name=snap["template"]["name"], issuer_name=snap["issuer"]["name"],
        issued_at=parse_iso(item.issued_at), expires_at=parse_iso(item.expires_at) if item.expires_at else None,
        url=verify_url(item.credential_id), image_url=objects.public_url(snap["template"].get("image_key")),
        earner_name=f"{item.first_name} {item.last_name}", locale=i18n.current())


def oembed(url: str | None, fmt: str | None, max_width: str | None = None, max_height: str | None = None) -> dict:
    """The oEmbed answer for a verification page URL of this deployment: "rich", its HTML
    the embed card. A URL that is not one of ours is a bad request (400); a credential that
    is not public answers like one never issued (404), as its page does."""
    from ..config import get_settings
    from ..domain import sharing

    if fmt not in (None, "json"):
        raise FormatNotImplemented("only format=json is offered")
    if not url:
        raise BadRequest("url is required: the address of a credential's verification page", code="invalid_query")
    base = get_settings().public_base_url
    credential_id = sharing.credential_id_in(url, base)
    if credential_id is None:
        raise BadRequest(f"url must be a credential's verification page ({base}/badges/<id>)",
                         code="not_a_credential_url")
    width, height = _size(max_width, "maxwidth"), _size(max_height, "maxheight")
    if height is not None:  # the card keeps its proportions: a lower height is a narrower card
        by_height = (height - sharing.EMBED_TEXT_HEIGHT) * sharing.CARD_WIDTH // sharing.CARD_HEIGHT
        width = min(width or sharing.EMBED_WIDTH, max(1, by_height))
    item = public_item(credential_id)
    return sharing.oembed(_shareable(item), base, width)
