"""Issuers (tenants): profile, logo, mail branding and API keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..adapters import objects
from ..config import get_settings
from ..domain import ids
from ..domain import members as members_rules
from ..domain.clock import iso
from ..domain.errors import Conflict, NotFound
from ..domain.images import validate_png
from ..store import issuers as store
from ..store import object_keys
from . import clock
from .auth import new_api_key

if TYPE_CHECKING:
    from .. import schemas
    from ..domain.members import Member


def issuer_view(item: Any) -> dict:
    return {
        "id": item.tenant_id,
        "name": item.name,
        "url": item.url,
        "email": item.email,
        "linkedin_organization_id": item.linkedin_organization_id,
        "logo_url": objects.public_url(item.logo_key),
        "created_at": item.created_at,
        "updated_at": item.updated_at,
    }


def key_view(item: Any) -> dict:
    return {
        "id": item.key_id,
        "label": item.label,
        "hint": item.hint,
        "created_at": item.created_at,
        "revoked_at": item.revoked_at,
    }


def create_issuer(data: schemas.IssuerIn) -> tuple[dict, str]:
    """Operator use case: a new tenant and its first API key (shown once)."""
    now = iso(clock.utcnow())
    tenant_id = ids.new_tenant_id()
    item = store.create_issuer(
        {
            "tenant_id": tenant_id,
            "name": data.name,
            "url": str(data.url),
            "email": str(data.email),
            "linkedin_organization_id": data.linkedin_organization_id,
            "created_at": now,
            "updated_at": now,
        }
    )
    if item is None:  # pragma: no cover - a 64-bit id collision
        raise Conflict("issuer exists")
    key, _ = create_api_key(tenant_id, label="first key")
    return issuer_view(item), key


def create_organization(data: schemas.IssuerIn, admin_email: str | None) -> dict:
    """Operator use case: a tenant, its first API key (shown once) and, when given, its
    first console admin (invited: they prove the address by signing in)."""
    issuer, key = create_issuer(data)
    admin = None
    if admin_email:
        from . import members

        admin = members.add_first_admin(issuer["id"], admin_email)
    return {"issuer": issuer, "api_key": key, "admin": admin}


def _require(tenant_id: str) -> Any:
    item = store.get_issuer(tenant_id)
    if item is None:
        raise NotFound("issuer not found")
    return item


def get_profile(tenant_id: str) -> dict:
    return issuer_view(_require(tenant_id))


def update_profile(tenant_id: str, patch: schemas.IssuerPatch) -> dict:
    item = _require(tenant_id)
    changes = {k: (str(v) if k in ("url", "email") and v is not None else v)
               for k, v in patch.model_dump(exclude_unset=True).items()}
    for required in ("name", "url", "email"):
        if required in changes and changes[required] is None:
            changes.pop(required)
    if changes:
        changes["updated_at"] = iso(clock.utcnow())
        store.update_issuer(item, changes)
    return issuer_view(item)


def set_logo(tenant_id: str, png: bytes) -> dict:
    settings = get_settings()
    validate_png(png, max_bytes=settings.max_image_bytes, max_side=settings.max_image_side)
    item = _require(tenant_id)
    key = object_keys.issuer_logo_key(tenant_id, png)
    objects.put_public_image(key, png)
    store.update_issuer(item, {"logo_key": key, "updated_at": iso(clock.utcnow())})
    return issuer_view(item)


# ------------------------------------------------------------------ the console's settings page


def settings_view(tenant_id: str) -> dict:
    """The profile and the mail branding, with the sender line mails go out with."""
    from ..adapters import mail

    item = _require(tenant_id)
    return {**issuer_view(item),
            "mail": {"from_name": item.mail_from_name or "", "reply_to": item.mail_reply_to or "",
                     "footer": item.mail_footer or "", "sender": mail.from_address(item.mail_from_name)}}


def _apply(tenant_id: str, values: dict) -> None:
    """Set the given values; a blank one removes its attribute (an optional field cleared)."""
    item = _require(tenant_id)
    changes = {k: v for k, v in values.items() if v}
    remove = tuple(k for k, v in values.items() if not v)
    changes["updated_at"] = iso(clock.utcnow())
    store.update_issuer(item, changes, remove)


def save_profile(member: Member, data: schemas.SettingsProfileIn) -> None:
    """The console's profile form (name, website, contact address, LinkedIn organization
    id). Credentials issued earlier keep the profile they were issued with (snapshot)."""
    members_rules.require(member, "settings.edit")
    _apply(member.tenant_id, {"name": data.name, "url": str(data.url), "email": str(data.email),
                              "linkedin_organization_id": data.linkedin_organization_id})


def save_branding(member: Member, data: schemas.MailBrandingIn) -> None:
    """The mail branding every mail sent on the organization's behalf carries from now
    on (services/notify.py reads it when it sends)."""
    members_rules.require(member, "settings.edit")
    _apply(member.tenant_id, {"mail_from_name": data.from_name, "mail_reply_to": data.reply_to,
                              "mail_footer": data.footer})


def save_logo(member: Member, png: bytes) -> None:
    """The organization's logo (profile, Open Badges issuer documents, and the top of its mails)."""
    members_rules.require(member, "settings.edit")
    set_logo(member.tenant_id, png)


def create_api_key(tenant_id: str, label: str | None = None) -> tuple[str, dict]:
    key = new_api_key(tenant_id)
    item = store.put_api_key(
        tenant_id,
        ids.sha256_hex(key),
        {"key_id": ids.new_local_id(), "label": label, "hint": key[-4:], "created_at": iso(clock.utcnow())},
    )
    return key, key_view(item)


def list_api_keys(tenant_id: str) -> list[dict]:
    return sorted((key_view(k) for k in store.list_api_keys(tenant_id)), key=lambda k: k["created_at"])


def _find_api_key(tenant_id: str, key_id: str) -> Any:
    """The tenant's key with this id (keys are stored by the hash of the secret, so the
    id is found among the tenant's own keys: another tenant's id is not found)."""
    for item in store.list_api_keys(tenant_id):
        if item.key_id == key_id:
            return item
    raise NotFound("API key not found")


def get_api_key(tenant_id: str, key_id: str) -> dict:
    return key_view(_find_api_key(tenant_id, key_id))


def revoke_api_key(tenant_id: str, key_id: str) -> dict:
    item = _find_api_key(tenant_id, key_id)
    if not item.revoked_at:
        store.revoke_api_key(item, iso(clock.utcnow()))
        item.revoked_at = item.revoked_at or iso(clock.utcnow())
    return key_view(item)
