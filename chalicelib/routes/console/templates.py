"""Badge templates: the list (state filter, search), the editor with its live preview
of the public verification page, the image upload, activate, archive, duplicate."""

from __future__ import annotations

from typing import Any

from chalice import Response

from ... import http
from ...lazy import LazyModule
from . import form, guard, page, redirect, request

templates = LazyModule("chalicelib.services.templates")
console_templates = LazyModule("chalicelib.services.console_templates")

STATES = ("draft", "active", "archived")
NOTICES = ("created", "saved", "image", "activated", "archived", "duplicated")


def _editor(member: Any, template: dict | None, *, status: int = 200, values: dict | None = None,
            problems: list | None = None, preview: dict | None = None, image_error: str | None = None,
            notice: str | None = None) -> Response:
    """The template page: the editor (admins, a template not archived) or the details,
    with the preview; `template` None: a new one."""
    if preview is None:
        preview = console_templates.sample(member, template or {})
    return page("console/template.html", member, status, t=template, preview=preview, problems=problems or [],
                values=values or console_templates.form_values(template), image_error=image_error, notice=notice,
                kinds=console_templates.KINDS, units=console_templates.EXPIRY_UNITS,
                image_limits=console_templates.image_limits())


# ------------------------------------------------------------------ the list


@guard.member("/console/templates", action="templates.view")
def console_templates_list(member: Any) -> Response:
    r = request()
    state = http.query_param(r, "state", choices=STATES)
    q = http.query_param(r, "q", max_length=200)
    listing = console_templates.list_templates(member, state=state, q=q,
                                               cursor=http.query_param(r, "cursor", max_length=2000))
    return page("console/templates.html", member, listing=listing, state=state, q=q or "", states=STATES)


# ------------------------------------------------------------------ create, with the live preview


@guard.member("/console/templates/new", action="templates.edit")
def console_template_new(member: Any) -> Response:
    return _editor(member, None)


@guard.member("/console/templates", "POST", action="templates.edit")
def console_template_create(member: Any) -> Response:
    data = form("TemplateFormIn")
    done = console_templates.create(member, data)
    if "problems" in done:
        return _editor(member, None, status=422, values=console_templates.form_values(form=data),
                       problems=done["problems"], preview=console_templates.preview(member, data)["preview"])
    return redirect(f"/console/templates/{done['template']['id']}?done=created")


# A preview is not an action: it changes nothing, so it is not audited (typing in the
# editor would otherwise write an entry every few hundred milliseconds).
@guard.member("/console/templates/preview", "POST", action="templates.edit", audited=False)
def console_template_preview(member: Any) -> Response:
    """htmx (`HX-Request`): the preview fragment the editor swaps in as the form
    changes. Without JavaScript, the editor's Preview button: the whole page again,
    the form as typed and the preview filled in."""
    data = form("TemplateFormIn")
    shown = console_templates.preview(member, data)
    if request().headers.get("hx-request") == "true":
        return page("console/_template_preview.html", member, preview=shown["preview"], problems=shown["problems"])
    template = templates.get(member.tenant_id, data.template_id) if data.template_id else None
    return _editor(member, template, values=shown["values"], problems=shown["problems"], preview=shown["preview"])


# ------------------------------------------------------------------ ESCO skills for the skills field (issue 20)


@guard.member("/console/templates/skills", action="templates.edit")
def console_template_skills(member: Any) -> Response:
    """The editor's type-ahead: ESCO skills matching `q` (htmx: the list under the skills
    field; without JavaScript: a page listing them, each with the line to copy)."""
    q = (http.query_param(request(), "q", max_length=200) or "").strip()
    suggestions = console_templates.skill_suggestions(q)
    if request().headers.get("hx-request") == "true":
        return page("console/_skill_suggestions.html", member, q=q, suggestions=suggestions)
    return page("console/skills.html", member, q=q, suggestions=suggestions)


@guard.member("/console/templates/skills/pick", action="templates.edit")
def console_template_skill_pick(member: Any) -> Response:
    """A picked suggestion: the skills field again (htmx swaps it in), the ESCO skill added
    as `Label <URI>` to what was typed. Changes nothing stored: the form is saved as usual."""
    r = request()
    value = console_templates.pick_skill(http.query_param(r, "skills", max_length=6000),
                                         http.query_param(r, "uri", max_length=200))
    # `skill-picked` (htmx fires it on the picked button, inside the editor, once the new field is in):
    # the preview follows
    return page("console/_skills_input.html", member, headers={"HX-Trigger-After-Settle": "skill-picked"},
                skills_value=value)


# ------------------------------------------------------------------ one template


@guard.member("/console/templates/{template_id}", action="templates.view")
def console_template(member: Any, template_id: str) -> Response:
    shown = console_templates.page(member, template_id)
    return _editor(member, shown["template"], preview=shown["preview"],
                   notice=http.query_param(request(), "done", choices=NOTICES))


@guard.member("/console/templates/{template_id}", "POST", action="templates.edit")
def console_template_save(member: Any, template_id: str) -> Response:
    data = form("TemplateFormIn")
    done = console_templates.save(member, template_id, data)
    if "problems" in done:
        return _editor(member, done["template"], status=422, values=console_templates.form_values(form=data),
                       problems=done["problems"], preview=console_templates.preview(member, data)["preview"])
    return redirect(f"/console/templates/{template_id}?done=saved")


@guard.member("/console/templates/{template_id}/image", "POST", action="templates.edit")
def console_template_image(member: Any, template_id: str) -> Response:
    """A PNG or SVG from the page's file input, held to the API's checks and messages."""
    done = console_templates.upload_image(member, template_id,  # the upload is read once the template is found
                                          lambda: http.multipart_parts(request(), limit=http.MAX_UPLOAD_BYTES))
    if "image_error" in done:
        return _editor(member, done["template"], status=done["status"], image_error=done["image_error"])
    return redirect(f"/console/templates/{template_id}?done=image")


@guard.member("/console/templates/{template_id}/activate", "POST", action="templates.edit")
def console_template_activate(member: Any, template_id: str) -> Response:
    templates.activate(member.tenant_id, template_id)
    return redirect(f"/console/templates/{template_id}?done=activated")


@guard.member("/console/templates/{template_id}/archive", "POST", action="templates.edit")
def console_template_archive(member: Any, template_id: str) -> Response:
    form("ConfirmIn")
    templates.archive(member.tenant_id, template_id)
    return redirect(f"/console/templates/{template_id}?done=archived")


@guard.member("/console/templates/{template_id}/duplicate", "POST", action="templates.edit")
def console_template_duplicate(member: Any, template_id: str) -> Response:
    copy = templates.duplicate(member.tenant_id, template_id)
    return redirect(f"/console/templates/{copy['id']}?done=duplicated")
