"""Issuing from the issuer console: one credential from a form, or many from a CSV
file that is checked, shown and only then issued.

The member's rules hold here, not only in the pages: an issuer restricted to some
templates is offered only those and is refused (403, nothing written) any other, in
the single form and in every row of a file, at the upload and again at the
confirmation. Issuing itself is services/credentials.py's and services/bulk.py's,
with the API's own models (schemas.IssueIn), so the console accepts what the API
accepts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..domain import csvsafe
from ..domain import members as member_rules
from ..domain.errors import BadRequest
from ..i18n import N_, _
from ..store import templates as template_store
from . import bulk, credentials

if TYPE_CHECKING:
    from collections.abc import Callable

    from .. import schemas
    from ..http import Part

LABELS = {"template_id": N_("Template"), "email": N_("Email address"), "first_name": N_("First name"),
          "last_name": N_("Last name"), "issued_at": N_("Issue date"), "expires_at": N_("Expiry date"),
          "evidence_url": N_("Evidence link"), "evidence_narrative": N_("Evidence description"),
          "evidence_name": N_("Evidence title"), "suppress_email": N_("Claim mail"),
          "duplicate_policy": N_("If the person already holds it")}
# the bulk file's columns, with what each takes (the upload page's reference table); the texts are
# marked for the catalogs (N_) and translated where the pages show them (issue 19)
COLUMNS = {
    "email": (N_("required"), N_("the person's email address")),
    "first_name": (N_("required"), N_("first name, as it will appear on the credential")),
    "last_name": (N_("required"), N_("last name")),
    "template_id": (N_("required"), N_("the id of an active template (listed on this page)")),
    "issued_at": (N_("optional"), N_("issue date, such as 2026-01-31 (empty: today)")),
    "expires_at": (N_("optional"), N_("expiry date, or never (empty: the template's policy)")),
    "evidence_url": (N_("optional"), N_("a link to the work that earned it")),
    "evidence_narrative": (N_("optional"), N_("a description of that work")),
    "evidence_name": (N_("optional"), N_("a title for that work")),
    "earner_id": (N_("optional"), N_("your own reference for the person")),
    "locale": (N_("optional"),
               N_("the language of the person's mails, such as en, fr-CA, pt-BR or ja (empty: theirs)")),
}
assert tuple(COLUMNS) == bulk.CSV_COLUMNS
SHOWN_ERRORS = 100  # row errors listed on a job's page; the CSV report has them all
# Excel reads a CSV as UTF-8 only when it starts with a byte order mark (the upload
# reads it back as utf-8-sig); it comes before the first cell, which is neutralised already
BOM = "\ufeff"


def _allowed(member: member_rules.Member) -> list[str] | None:
    """The templates the member may issue from: None for any."""
    return None if member.role == "admin" or member.templates is None else list(member.templates)


def choices(member: member_rules.Member) -> list[dict]:
    """The active templates the member may issue from, by name."""
    items = [t for t in template_store.all_for_tenant(member.tenant_id)
             if t.state == "active" and member.may_issue_from(t.template_id)]
    return sorted(({"id": t.template_id, "name": t.name} for t in items), key=lambda t: t["name"].casefold())


# ------------------------------------------------------------------ one credential


def _payload(form: schemas.IssueFormIn) -> dict:
    """The form as the API's IssueIn body (blank optional fields left out)."""
    payload: dict = {"template_id": form.template_id.strip(), "email": form.email.strip(),
                     "first_name": form.first_name, "last_name": form.last_name,
                     "suppress_email": form.suppress_email == "yes", "duplicate_policy": form.duplicate_policy}
    if form.issued_at.strip():
        payload["issued_at"] = form.issued_at.strip()
    if form.never_expires == "yes":
        payload["expires_at"] = False
    elif form.expires_at.strip():
        payload["expires_at"] = form.expires_at.strip()
    evidence = {k: v.strip() for k, v in (("url", form.evidence_url), ("narrative", form.evidence_narrative),
                                          ("name", form.evidence_name)) if v.strip()}
    if evidence:
        payload["evidence"] = [evidence]
    return payload


def _field(loc: tuple) -> str:
    head = str(loc[0]) if loc else ""
    if head == "evidence":
        last = str(loc[-1]) if len(loc) > 2 else "url"
        return f"evidence_{last}" if f"evidence_{last}" in LABELS else "evidence_url"
    return head if head in LABELS else "email"


def issue(member: member_rules.Member, form: schemas.IssueFormIn) -> dict:
    """{"credential": the issued credential} or {"problems": [...]} (nothing written)."""
    from pydantic import ValidationError

    from .. import schemas

    template_id = form.template_id.strip()
    if template_id:
        member_rules.require_template(member, template_id)  # before anything is read or written
    try:
        data = schemas.IssueIn.model_validate(_payload(form))
    except ValidationError as exc:
        return {"problems": [{"field": _field(e["loc"]), "label": _(LABELS[_field(e["loc"])]),
                              "problem": e["msg"].removeprefix("Value error, ")}
                             for e in exc.errors(include_url=False, include_input=False)]}
    return {"credential": credentials.issue(member.tenant_id, data)}


# ------------------------------------------------------------------ many, from a file


def template_csv() -> str:
    """The file to fill in: the header row, in the columns' usual order."""
    return BOM + csvsafe.to_csv(bulk.CSV_COLUMNS, [])


def upload(member: member_rules.Member, read_parts: Callable[[], dict[str, Part]]) -> dict:
    """A CSV file checked and kept as a previewed job (services/bulk.preview_job):
    nothing is issued. `read_parts()`: the upload form's parts."""
    parts = read_parts()
    file = parts.get("file")
    if file is None or not file.data:
        raise BadRequest("choose the CSV file to upload", code="empty_file")

    def field(name: str) -> str | None:
        part = parts.get(name)
        return part.data.decode("utf-8", "replace") if part is not None else None

    # Browsers name a CSV file's type in many ways (text/csv, application/vnd.ms-excel,
    # text/plain, application/octet-stream): the file is read as CSV whatever it says.
    options = bulk.JobOptions(mode="valid_rows", duplicate_policy=field("duplicate_policy") or "deny",
                              suppress_email=field("suppress_email") == "yes")
    return bulk.preview_job(member.tenant_id, file.data, "text/csv", options, allowed_templates=_allowed(member))


def confirm(member: member_rules.Member, job_id: str) -> dict:
    return bulk.confirm_job(member.tenant_id, job_id, allowed_templates=_allowed(member))


def job(member: member_rules.Member, job_id: str) -> dict:
    """A job as its page shows it: its counts, its progress and its first row errors."""
    view = bulk.get_job(member.tenant_id, job_id)
    ready = view["total"] - view["rejected"] - view["duplicates"] if view["state"] == "previewed" else None
    return {**view, "ready": ready, "done": view["state"] in ("completed", "failed"),
            "shown_errors": view["errors"][:SHOWN_ERRORS],
            "has_errors": bool(view["rejected"] or view["failed"] or view["errors"])}


def errors_csv(member: member_rules.Member, job_id: str) -> str:
    """Every row error of a job as a CSV file: the row number, its problems and the
    row's cells as uploaded (so it can be corrected and uploaded again), every cell
    neutralised for spreadsheets."""
    rows = bulk.error_rows(member.tenant_id, job_id)
    return BOM + csvsafe.to_csv(("row", "errors", *bulk.CSV_COLUMNS),
                                ([r["row"], "; ".join(r["errors"]), *(r["cells"].get(c, "") for c in bulk.CSV_COLUMNS)]
                                 for r in rows))
