"""The uptime canary: a platform-owned credential (its own issuer and template, accepted,
public, never expiring) whose public verification page, Open Badges 3.0 document and
badge image the probes fetch every minute (services/probes.py): what customers use,
checked by content, not only by status code.

`ensure()` is idempotent: the first run creates the issuer, template and credential and
stores a PLATFORM pointer to them (store/canary.py); later runs return that pointer.
Entry points: `python -m chalicelib.cli canary`, `POST /ops/canary` (operator key,
audited) and `make run`'s seed. Two runs racing on an empty table may each create a
credential; only the first pointer is stored and used (the other's tenant stays unused).
"""

from __future__ import annotations

from typing import Any

from ..adapters import objects
from ..config import get_settings
from ..domain import ids
from ..domain.clock import iso
from ..store import canary as store
from . import caches, clock

# the pointer never changes once stored: a warm prober keeps it, so it still probes the canary's
# page when the table is unreachable (nothing is kept while there is no canary yet)
_FOUND = caches.ttl_cache(maxsize=1, ttl=3600)
NAME = "Laurel uptime canary"
ISSUER_NAME = "Laurel uptime monitoring"


def view(item: Any, created: bool = False) -> dict:
    """Where the canary is published: the URLs the probes fetch."""
    from ..openbadges.urls import Urls

    settings = get_settings()
    urls = Urls(settings.public_base_url, settings.asset_base_url)
    return {
        "tenant_id": item.tenant_id,
        "template_id": item.template_id,
        "credential_id": item.credential_id,
        "name": item.name,
        "page_url": urls.page(item.credential_id),
        "credential_url": urls.credential(item.credential_id),
        "image_url": objects.public_url(item.image_key),
        "created": created,
    }


def current() -> dict | None:
    """The canary's view, or None when none was created yet (one GetItem, then kept)."""
    kept = _FOUND.get("canary")
    if kept is not None:
        return kept
    item = store.get()
    if item is None:
        return None
    _FOUND["canary"] = found = view(item)
    return found


def customer_issuers() -> list[Any]:
    """Every issuer but the canary's: the canary is the platform's own, so it is owed no
    credit, gets no maintenance mail (its contact address does not exist) and is no row of
    the SLA ledger."""
    from ..store import issuers as issuer_store

    pointer = store.get()
    return [i for i in issuer_store.all_issuers() if pointer is None or i.tenant_id != pointer.tenant_id]


def ensure() -> dict:
    found = store.get()
    if found is not None:
        return view(found)
    made = _create()
    stored = store.put_first(made)
    return view(stored, created=stored.credential_id == made["credential_id"])


def _create() -> dict:
    from .. import schemas
    from ..demo import badge_png
    from ..store import credentials as credential_store
    from . import claims, credentials, issuers, templates

    settings = get_settings()
    # example.com (reserved, RFC 2606): no mail about the canary can ever reach anyone
    issuer, _key = issuers.create_issuer(schemas.IssuerIn.model_validate(
        {"name": ISSUER_NAME, "url": settings.public_base_url, "email": "uptime-canary@example.com"}))
    tenant_id = issuer["id"]
    template = templates.create(tenant_id, schemas.TemplateIn.model_validate({
        "name": NAME,
        "description": "Checked every minute by Laurel's uptime probes: if you can read this, verification works.",
        "criteria": {"narrative": "Issued by the platform to itself; it never expires and is never revoked."},
        "expiry": {"unit": "never"},
    }))
    image = templates.set_image(tenant_id, template["id"], badge_png("CANARY"))
    templates.activate(tenant_id, template["id"])
    # issued without a claim mail and accepted at once with its claim token (the services' own
    # issue() mails the token and never returns it)
    data = schemas.IssueIn.model_validate({"template_id": template["id"], "email": "canary@example.com",
                                           "first_name": "Uptime", "last_name": "Canary", "suppress_email": True})
    now = clock.utcnow()
    email_hash = ids.email_hash(str(data.email))
    tpl, issuer_item, slot, _, _ = credential_store.issuance_context(tenant_id, template["id"], email_hash)
    credential_id = ids.new_credential_id(tenant_id)
    item, token = credentials.build(tenant_id, issuer_item, tpl, data, now, credential_id)
    if not credential_store.insert(item, slot):
        raise RuntimeError("the canary credential could not be stored")
    claims.decide(credential_id, token, "accept")
    image_key = tpl.image_key
    assert image_key, image
    return {"tenant_id": tenant_id, "template_id": template["id"], "credential_id": credential_id,
            "image_key": image_key, "name": NAME, "created_at": iso(now)}
