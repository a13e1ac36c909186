"""Badge templates in the issuer console: the list with its search, the editor's form
held to the API's own rules (schemas.TemplateIn), its live preview of the public
verification page, and image uploads validated as `PUT /templates/{id}/image` is.

The lifecycle (create, update, image, activate, archive, duplicate) is
services/templates.py's; this module only turns forms into its inputs and its
results into what the pages show."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..adapters.objects import public_url
from ..config import get_settings
from ..domain import members as member_rules
from ..domain import templates as rules
from ..domain.clock import iso
from ..domain.errors import PayloadTooLarge, ValidationFailed
from ..domain.images import PNG_SIGNATURE
from ..i18n import N_, _
from ..store import issuers as issuer_store
from ..store import templates as store
from . import clock, templates

if TYPE_CHECKING:
    from collections.abc import Callable

    from .. import schemas
    from ..http import Part

PAGE_SIZE = 25
SAMPLE_RECIPIENT = "Alex Example"
# form field -> what the page calls it (problems are listed with these names, in the page's
# language: marked here with N_, translated with _ when a form is checked; issue 19)
LABELS = {"name": N_("Name"), "description": N_("Description"), "criteria_narrative": N_("Criteria"),
          "criteria_url": N_("Criteria URL"), "skills": N_("Skills"), "kind": N_("Kind"), "expiry_unit": N_("Expiry"),
          "expiry_amount": N_("Expiry")}
KINDS = rules.KINDS
EXPIRY_UNITS = {"never": N_("Never expires"), "days": N_("Days"), "months": N_("Months"), "years": N_("Years")}


# ------------------------------------------------------------------ the list


def list_templates(member: member_rules.Member, *, state: str | None, q: str | None, cursor: str | None) -> dict:
    items, next_cursor = store.search_page(member.tenant_id, state=state, text=(q or "").strip() or None,
                                           limit=PAGE_SIZE, cursor=cursor)
    return {"items": [templates.template_view(i) for i in items], "next_cursor": next_cursor}


# ------------------------------------------------------------------ the editor's form


# An ESCO skill in the skills field (issue 20): "Label <URI>", or "<URI>" alone for ESCO's own
# label. The type-ahead writes it; without JavaScript it can be typed or pasted.
_WITH_URI = re.compile(r"^(?P<name>[^<>]*?)\s*<\s*(?P<uri>[^<>\s]+)\s*>$")


def split_skills(text: str) -> list[str | dict]:
    """Tags as typed: separated by commas or new lines, trimmed, each once (first
    spelling kept, compared without case); `Label <URI>` is an ESCO skill ({"name", "uri"},
    without "name" when only the URI is given)."""
    seen, skills = set(), []
    for part in re.split(r"[,\n]", text or ""):
        part = part.strip()
        with_uri = _WITH_URI.match(part)
        skill: str | dict = part
        if with_uri:
            skill = {"uri": with_uri["uri"], **({"name": with_uri["name"]} if with_uri["name"] else {})}
        seen_as = (with_uri["uri"] if with_uri else part).casefold()
        if part and seen_as not in seen:
            seen.add(seen_as)
            skills.append(skill)
    return skills


def skills_text(skills: list) -> str:
    """The field's text for a template's skills (the inverse of `split_skills`). A label
    with a comma cannot stand in the comma-separated field: its URI alone stands for it."""
    parts = []
    for s in skills or []:
        if isinstance(s, dict):
            parts.append(f"<{s['uri']}>" if "," in s["name"] else f"{s['name']} <{s['uri']}>")
        else:
            parts.append(s)
    return ", ".join(parts)


def skill_labels(skills: list) -> list[str]:
    return [s if isinstance(s, str) else s.get("name") or s.get("uri", "") for s in skills or []]


def skill_suggestions(q: str | None) -> list[dict]:
    """The type-ahead's ESCO skills for what is typed so far (none until 2 characters)."""
    from ..domain import taxonomy as taxonomy_rules
    from . import taxonomy

    q = (q or "").strip()
    if not taxonomy_rules.MIN_QUERY <= len(q) <= taxonomy_rules.MAX_QUERY:
        return []
    return [{**s, "token": skills_text([{"name": s["label"], "uri": s["uri"]}])}
            for s in taxonomy.search(q, "skill", 8)]


def pick_skill(text: str | None, uri: str | None) -> str:
    """The skills field with the ESCO skill `uri` added (as `Label <URI>`), unless it is
    there already; an unknown URI changes nothing."""
    from . import taxonomy

    known = taxonomy.skill(uri)
    current = split_skills(text or "")
    if known is None or any(isinstance(s, dict) and s["uri"] == known["uri"] for s in current):
        return text or ""
    token = skills_text([{"name": known["label"], "uri": known["uri"]}])
    return f"{(text or '').rstrip().rstrip(',')}, {token}" if (text or "").strip() else token


def _payload(form: schemas.TemplateFormIn) -> dict:
    """The form as the API's TemplateIn body."""
    criteria = {k: v for k, v in (("narrative", form.criteria_narrative.strip()),
                                  ("url", form.criteria_url.strip())) if v}
    unit = form.expiry_unit or "never"
    expiry: dict = {"unit": unit}
    amount = form.expiry_amount.strip()
    if amount:
        expiry["amount"] = int(amount) if amount.isdigit() else amount
    return {"name": form.name, "description": form.description, "criteria": criteria,
            "skills": split_skills(form.skills), "kind": form.kind or "badge", "expiry": expiry}


def _field(loc: tuple) -> str:
    head = str(loc[0]) if loc else ""
    if head == "criteria":
        return "criteria_url" if len(loc) > 1 and loc[1] == "url" else "criteria_narrative"
    if head == "expiry":
        return "expiry_unit" if len(loc) > 1 and loc[1] == "unit" else "expiry_amount"
    return head if head in LABELS else "name"


def check(form: schemas.TemplateFormIn) -> tuple[schemas.TemplateIn | None, list[dict]]:
    """(the form as a valid TemplateIn, []) or (None, the problems by form field)."""
    from pydantic import ValidationError

    from .. import schemas

    try:
        data = schemas.TemplateIn.model_validate(_payload(form))
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False, include_input=False):
            field = _field(error["loc"])
            where = str(error["loc"][1]) if field == "skills" and len(error["loc"]) > 1 else ""
            message = error["msg"].removeprefix("Value error, ")
            problems.append({"field": field, "label": _(LABELS[field]),
                             "problem": _("tag %(number)s: %(problem)s", number=int(where) + 1, problem=message)
                             if where.isdigit() else message})
        return None, problems
    from . import taxonomy

    field = "skills"  # (by name: the catalogs take the words of _("..."), not a key)
    unknown = [{"field": field, "label": _(LABELS[field]),
                "problem": _("tag %(number)s: %(uri)s is not an ESCO skill", number=n + 1, uri=s.uri)}
               for n, s in enumerate(data.skills) if isinstance(s, schemas.SkillRef) and taxonomy.skill(s.uri) is None]
    return (None, unknown) if unknown else (data, [])


def form_values(view: dict | None = None, form: schemas.TemplateFormIn | None = None) -> dict:
    """What the editor's fields show: a posted form as it was typed, else the template."""
    if form is not None:
        return {k: getattr(form, k) for k in LABELS} | {"template_id": form.template_id}
    view = view or {"criteria": {}, "skills": [], "expiry": {"unit": "never"}, "kind": "badge"}
    expiry = view.get("expiry") or {"unit": "never"}
    return {"template_id": view.get("id"), "name": view.get("name", ""), "description": view.get("description", ""),
            "criteria_narrative": view["criteria"].get("narrative", ""),
            "criteria_url": view["criteria"].get("url", ""),
            "skills": skills_text(view.get("skills") or []), "kind": view.get("kind", "badge"),
            "expiry_unit": expiry.get("unit", "never"), "expiry_amount": str(expiry.get("amount") or "")}


def create(member: member_rules.Member, form: schemas.TemplateFormIn) -> dict:
    """{"template": the new draft} or {"problems": [...]} (nothing stored)."""
    data, problems = check(form)
    if problems or data is None:
        return {"problems": problems}
    return {"template": templates.create(member.tenant_id, data)}


def save(member: member_rules.Member, template_id: str, form: schemas.TemplateFormIn) -> dict:
    """{"template": the saved template} or {"problems": [...], "template": as it stands}.
    Another organization's template answers as one that does not exist, before the
    form is looked at."""
    current = templates.get(member.tenant_id, template_id)
    data, problems = check(form)
    if problems or data is None:
        return {"problems": problems, "template": current}
    return {"template": templates.update(member.tenant_id, template_id, data)}


# ------------------------------------------------------------------ the page and its preview


def page(member: member_rules.Member, template_id: str) -> dict:
    view = templates.get(member.tenant_id, template_id)
    return {"template": view, "preview": sample(member, view)}


def sample(member: member_rules.Member, badge: dict) -> dict:
    """What the public verification page would show for a credential issued now from
    `badge` (a template view, or an unsaved form's values): services.verification's
    shape with a sample recipient, for verify.html's badge card."""
    issuer = issuer_store.get_issuer(member.tenant_id)
    now = clock.utcnow()
    expiry = badge.get("expiry") or {}
    try:
        expires = rules.ExpiryPolicy.from_dict(expiry).expires_at(now)
    except (TypeError, ValueError, OverflowError):  # an amount still being typed
        expires = None
    return {
        "id": "given when the credential is issued",
        "status": "valid",
        "recipient": {"name": SAMPLE_RECIPIENT},
        "issued_at": iso(now),
        "expires_at": iso(expires) if expires else None,
        "issuer": {"name": issuer.name if issuer else "", "url": issuer.url if issuer else None,
                   "logo_url": public_url(issuer.logo_key) if issuer else None},
        "badge": {"name": badge.get("name") or "(the template's name)",
                  "description": badge.get("description") or "(the template's description)",
                  "criteria": badge.get("criteria") or {}, "skills": skill_labels(badge.get("skills") or []),
                  "kind": badge.get("kind") or "badge", "image_url": badge.get("image_url")},
        "evidence": [],
    }


def preview(member: member_rules.Member, form: schemas.TemplateFormIn) -> dict:
    """The live preview of the editor's form as it stands (valid or not yet): the
    sample page, and the problems saving it would meet."""
    payload = _payload(form)
    image_url = templates.get(member.tenant_id, form.template_id)["image_url"] if form.template_id else None
    expiry = payload["expiry"] if isinstance(payload["expiry"].get("amount", 0), int) else {"unit": "never"}
    kind = payload["kind"] if payload["kind"] in rules.KINDS else "badge"
    badge = {**payload, "expiry": expiry, "kind": kind, "image_url": image_url}
    return {"preview": sample(member, badge), "problems": check(form)[1], "values": form_values(form=form)}


# ------------------------------------------------------------------ the image


def _image_type(part: Part) -> str:
    """The type to validate the upload as: the part's declared type when it names PNG
    or SVG (and the bytes are then held to it, as the API holds a body to its
    Content-Type); else what the bytes are (browsers declare some files as
    application/octet-stream)."""
    declared = (part.content_type or "").lower()
    if declared in ("image/png", "image/svg+xml"):
        return declared
    if part.data.startswith(PNG_SIGNATURE):
        return "image/png"
    head = part.data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<svg", b"<?xml", b"<!--")):
        return "image/svg+xml"
    raise ValidationFailed("the image must be a PNG or SVG file", code="invalid_image")


def image_limits() -> dict:
    """The API's image limits, for the upload field's hint."""
    settings = get_settings()
    return {"megabytes": f"{settings.max_image_bytes / 1024 / 1024:g}", "side": settings.max_image_side}


def upload_image(member: member_rules.Member, template_id: str, read_parts: Callable[[], dict[str, Part]]) -> dict:
    """{"template": the template with its new image} or {"image_error": the API's
    message, "status": its status} (nothing stored). `read_parts()`: the form's parts,
    read only once the template is found, so another organization's template answers
    as one that does not exist whatever was posted."""
    current = templates.get(member.tenant_id, template_id)
    part = read_parts().get("image")
    try:
        if part is None or not part.data:
            raise ValidationFailed("choose a PNG or SVG file to upload", code="invalid_image")
        return {"template": templates.set_image(member.tenant_id, template_id, part.data, _image_type(part))}
    except (ValidationFailed, PayloadTooLarge) as exc:  # shown next to the upload field, with the API's status
        return {"image_error": exc.message, "status": exc.status, "template": current}
