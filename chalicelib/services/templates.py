"""Badge templates: design, image, lifecycle (draft -> active -> archived)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..adapters import objects
from ..config import get_settings
from ..domain import ids
from ..domain import templates as rules
from ..domain.clock import iso
from ..domain.errors import BadRequest, Conflict, NotFound, PayloadTooLarge, ValidationFailed
from ..domain.images import validate_png
from ..store import object_keys
from ..store import templates as store
from . import clock, events

if TYPE_CHECKING:
    from .. import schemas


def _changed(tenant_id: str, item: Any) -> dict:
    view = template_view(item)
    events.emit(tenant_id, "template.changed", view)
    return view


def template_view(item: Any) -> dict:
    return {
        "id": item.template_id,
        "name": item.name,
        "description": item.description,
        "criteria": item.criteria,
        "skills": skills_view(item.skills, item.skill_uris),
        "kind": item.kind,
        "expiry": item.expiry,
        "state": item.state,
        "image_url": objects.public_url(item.image_key),
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "version": item.version,
    }


def skills_view(labels: list[str] | None, uris: dict[str, str] | None) -> list[str | dict]:
    """The skills as the API takes them: free text as a string, an ESCO skill as {"name", "uri"}."""
    uris = uris or {}
    return [{"name": label, "uri": uris[label]} if label in uris else label for label in labels or []]


def _skills(items: list[str | dict]) -> tuple[list[str], dict[str, str]]:
    """(labels, {label: ESCO URI}): the labels stay the template's `skills` (everything that
    reads them keeps working); an ESCO skill must be one the index knows."""
    from . import taxonomy

    labels: list[str] = []
    uris: dict[str, str] = {}
    for skill in items:
        if isinstance(skill, str):
            labels.append(skill)
            continue
        known = taxonomy.skill(skill["uri"])
        if known is None:
            raise BadRequest(f"{skill['uri'][:200]} is not an ESCO skill URI", code="unknown_skill")
        label = skill.get("name") or known["label"]
        labels.append(label)
        uris.setdefault(label, known["uri"])
    return labels, uris


def _fields(model: schemas.TemplateIn | schemas.TemplatePatch) -> dict:
    data = model.model_dump(mode="json", exclude_unset=True, exclude_none=False)
    if data.get("skills") is not None:
        data["skills"], data["skill_uris"] = _skills(data["skills"])
    if "criteria" in data and data["criteria"] is not None:
        data["criteria"] = {k: v for k, v in data["criteria"].items() if v is not None}
    if "expiry" in data and data["expiry"] is not None:
        data["expiry"] = rules.ExpiryPolicy.from_dict(data["expiry"]).to_dict()
    return data


def create(tenant_id: str, data: schemas.TemplateIn) -> dict:
    now = iso(clock.utcnow())
    fields = _fields(data)
    fields.setdefault("skills", [])
    fields.setdefault("skill_uris", {})
    fields.setdefault("kind", "badge")
    fields.setdefault("expiry", {"unit": "never"})
    item = store.create(
        tenant_id, ids.new_local_id(), {**fields, "state": "draft", "created_at": now, "updated_at": now, "version": 1}
    )
    return template_view(item)


def require(tenant_id: str, template_id: str) -> Any:
    item = store.get(tenant_id, template_id) if ids.LOCAL_ID.match(template_id or "") else None
    if item is None:
        raise NotFound("template not found")
    return item


def get(tenant_id: str, template_id: str) -> dict:
    return template_view(require(tenant_id, template_id))


def _save(item: Any, changes: dict) -> None:
    """Optimistic update: 409 if someone else changed the template meanwhile."""
    if not store.update(item, changes):
        raise Conflict("the template changed meanwhile; read it again", code="concurrent_update")


def update(tenant_id: str, template_id: str, patch: schemas.TemplatePatch | schemas.TemplateIn) -> dict:
    item = require(tenant_id, template_id)
    rules.check_editable(item.state)
    changes = {k: v for k, v in _fields(patch).items() if v is not None}
    if changes:
        changes["updated_at"] = iso(clock.utcnow())
        _save(item, changes)
        return _changed(tenant_id, item)
    return template_view(item)


def set_image(tenant_id: str, template_id: str, data: bytes, content_type: str = "image/png") -> dict:
    """PNG (checked with Pillow) or SVG (sanitised: no scripts, handlers or external references)."""
    settings = get_settings()
    if content_type == "image/svg+xml":
        from ..openbadges.baking import BakingError, sanitize_svg

        if len(data) > settings.max_image_bytes:
            raise PayloadTooLarge(f"the image is larger than {settings.max_image_bytes} bytes", code="image_too_large")
        try:
            data, ext = sanitize_svg(data, max_bytes=settings.max_image_bytes), "svg"
        except BakingError as exc:
            raise ValidationFailed(f"the SVG is not accepted: {exc}", code="invalid_image") from None
    else:
        validate_png(data, max_bytes=settings.max_image_bytes, max_side=settings.max_image_side)
        ext = "png"
    item = require(tenant_id, template_id)
    rules.check_editable(item.state)
    key = object_keys.template_image_key(tenant_id, template_id, data, ext)
    objects.put_public_image(key, data)
    _save(item, {"image_key": key, "updated_at": iso(clock.utcnow())})
    return _changed(tenant_id, item)


def duplicate(tenant_id: str, template_id: str) -> dict:
    """A new draft with a template's design and image, to edit and activate in its
    own right. Any template may be copied: copying an archived one is how a retired
    badge comes back (an archived template itself never changes again)."""
    item = require(tenant_id, template_id)
    now = iso(clock.utcnow())
    copy = store.create(tenant_id, ids.new_local_id(), {
        "name": f"Copy of {item.name}"[:200].rstrip(), "description": item.description, "criteria": item.criteria,
        "skills": list(item.skills or []), "skill_uris": dict(item.skill_uris or {}), "kind": item.kind,
        "expiry": item.expiry, "image_key": item.image_key,
        "state": "draft", "created_at": now, "updated_at": now, "version": 1})
    return template_view(copy)


def activate(tenant_id: str, template_id: str) -> dict:
    item = require(tenant_id, template_id)
    if item.state == "active":
        return template_view(item)
    rules.check_transition(item.state, "active")
    if not item.image_key:
        raise Conflict("upload the badge image before activating the template", code="image_required")
    _save(item, {"state": "active", "updated_at": iso(clock.utcnow())})
    return _changed(tenant_id, item)


def archive(tenant_id: str, template_id: str) -> dict:
    item = require(tenant_id, template_id)
    if item.state == "archived":
        return template_view(item)
    rules.check_transition(item.state, "archived")
    _save(item, {"state": "archived", "updated_at": iso(clock.utcnow())})
    return _changed(tenant_id, item)


def list_page(tenant_id: str, *, state: str | None, limit: int, cursor: str | None) -> dict:
    items, next_cursor = store.list_page(tenant_id, state=state, limit=limit, cursor=cursor)
    return {"items": [template_view(i) for i in items], "next_cursor": next_cursor}
