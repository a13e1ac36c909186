"""Reports (issue 15 item 3): the awards CSV of a date range (all templates or one)
and the organization export (admins), both run as jobs; the page lists the member's
own jobs with their progress, and each job's page hands out a link valid one hour."""

from __future__ import annotations

from typing import Any

from chalice import Response

from ... import http
from ...lazy import LazyModule
from . import form, guard, page, redirect, request

console = LazyModule("chalicelib.services.console")
exports = LazyModule("chalicelib.services.exports")


@guard.member("/console/reports", action="reports.view")
def console_reports(member: Any) -> Response:
    jobs = exports.member_jobs(member)
    if http.query_param(request(), "fragment", choices=("jobs",)):
        return page("console/_export_jobs.html", member, jobs=jobs)
    return page("console/reports.html", member, jobs=jobs, templates=console.template_choices(member))


@guard.member("/console/reports", "POST", action="reports.view")
def console_reports_request(member: Any) -> Response:
    job = exports.request_for_member(member, form("ExportJobIn"))
    return redirect(f"/console/reports/{job['id']}")


@guard.member("/console/reports/{job_id}", action="reports.view")
def console_report_job(member: Any, job_id: str) -> Response:
    """A job's page: progress while it runs (`?fragment=progress`: the part htmx
    fetches every 2 s), then a fresh link valid one hour."""
    job = exports.member_job(member, job_id)
    if http.query_param(request(), "fragment", choices=("progress",)):
        return page("console/_export_progress.html", member, j=job)
    return page("console/report_job.html", member, j=job)


@guard.member("/console/reports/{job_id}/resume", "POST", action="reports.view")
def console_report_resume(member: Any, job_id: str) -> Response:
    form("ConfirmIn")
    exports.resume_for_member(member, job_id)
    return redirect(f"/console/reports/{job_id}")
