"""Issuing: one credential from a form; many from a CSV file (the template file, the
upload and its preview listing row errors before anything is issued, the
confirmation, the job's progress and its error report)."""

from __future__ import annotations

import re
from typing import Any

from chalice import Response

from ... import http
from ...lazy import LazyModule
from . import form, guard, page, redirect, request

issuing = LazyModule("chalicelib.services.console_issuing")

CREDENTIAL_ID = re.compile(r"^[0-9a-f]{16}-[a-z2-7]{32}$")


def _csv(body: str, filename: str) -> Response:
    return Response(body=body, status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


# ------------------------------------------------------------------ one credential


def _issue_page(member: Any, *, status: int = 200, values: dict | None = None, problems: list | None = None,
                issued: dict | None = None) -> Response:
    return page("console/issue.html", member, status, choices=issuing.choices(member), values=values or {},
                problems=problems or [], issued=issued)


@guard.member("/console/issue", action="credentials.issue")
def console_issue_form(member: Any) -> Response:
    r = request()
    issued = http.query_param(r, "issued", max_length=60)
    shown = {"id": issued, "mail": http.query_param(r, "mail", choices=("sent", "not_sent"))} \
        if issued and CREDENTIAL_ID.match(issued) else None
    return _issue_page(member, values={"template_id": http.query_param(r, "template_id", max_length=16) or ""},
                       issued=shown)


@guard.member("/console/issue", "POST", action="credentials.issue")
def console_issue(member: Any) -> Response:
    data = form("IssueFormIn")
    done = issuing.issue(member, data)
    if "problems" in done:
        return _issue_page(member, status=422, values=data.model_dump(), problems=done["problems"])
    credential = done["credential"]
    mail = "sent" if credential.get("claim_mail_sent") else "not_sent"
    return redirect(f"/console/issue?issued={credential['id']}&mail={mail}")


# ------------------------------------------------------------------ many, from a file


@guard.member("/console/bulk", action="credentials.issue")
def console_bulk(member: Any) -> Response:
    return page("console/bulk.html", member, choices=issuing.choices(member), columns=issuing.COLUMNS)


@guard.member("/console/bulk/template.csv", action="credentials.issue")
def console_bulk_template(member: Any) -> Response:
    return _csv(issuing.template_csv(), "laurel-bulk-template.csv")


@guard.member("/console/bulk", "POST", action="credentials.issue")
def console_bulk_upload(member: Any) -> Response:
    """The file is checked and kept; nothing is issued: its page lists the rows' errors
    and asks for the confirmation."""
    job = issuing.upload(member, lambda: http.multipart_parts(request(), max_parts=10, limit=http.MAX_UPLOAD_BYTES))
    return redirect(f"/console/bulk/{job['id']}")


@guard.member("/console/bulk/{job_id}", action="credentials.issue")
def console_bulk_job(member: Any, job_id: str) -> Response:
    """The preview of an upload, or the job's progress. `?fragment=progress`: the
    progress bar alone, which htmx fetches every 2 s while the job runs (without
    JavaScript the page refreshes itself)."""
    job = issuing.job(member, job_id)
    if http.query_param(request(), "fragment", choices=("progress",)):
        return page("console/_bulk_progress.html", member, j=job)
    return page("console/bulk_job.html", member, j=job)


@guard.member("/console/bulk/{job_id}/confirm", "POST", action="credentials.issue")
def console_bulk_confirm(member: Any, job_id: str) -> Response:
    issuing.confirm(member, job_id)
    return redirect(f"/console/bulk/{job_id}")


@guard.member("/console/bulk/{job_id}/errors.csv", action="credentials.issue")
def console_bulk_errors(member: Any, job_id: str) -> Response:
    return _csv(issuing.errors_csv(member, job_id), f"laurel-bulk-{job_id}-errors.csv")
