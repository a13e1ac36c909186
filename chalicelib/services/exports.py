"""Reports and exports (issue 15 item 3): the awards CSV (of a date range, of one
template) and the organization export (ZIP), both as jobs.

A job runs in steps on the bulk queue's worker (routes/jobs.py `bulk_worker`, message
`{"export": {...}}`), so no Lambda runs past its timeout whatever the organization's
size:

- every step reads one page of the organization's credentials (STEP_ROWS) from where
  the last one stopped (the job's `cursor`), writes them as one part file in S3, named
  by the step (a step run again rewrites its part, never adds one), and then counts
  itself in ONE conditional update that names the step it started from (store
  `advance`): a redelivered message, or two workers at once, count a step once; the
  organization export's first step writes the templates (JSON and images), members,
  integrations and webhook endpoints;
- the step after the last page puts the parts together into the file, marks the job
  completed (the same condition) and mails the requesting member a link;
- a step that fails raises: the job is left at that step, unchanged, and SQS delivers
  the message again (the job is resumable, never half-marked done). A message whose
  step was counted but whose successor was never queued (a worker stopped between the
  two) queues the successor when it comes back.

The file is private, under `exports/org/<tenant>/<job>/` (gone within a day: infra's
lifecycle rule for `exports/`), and handed out as a presigned link valid one hour.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import zipfile
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ..adapters import objects, queue
from ..config import get_settings
from ..domain import csvsafe, ids
from ..domain import members as member_rules
from ..domain import reports as rules
from ..domain.clock import iso, parse_iso
from ..domain.errors import Conflict, NotFound, ServiceUnavailable
from ..store import exports as store
from ..store import issuers as issuer_store
from ..store import object_keys
from . import clock

if TYPE_CHECKING:
    from .. import schemas

LINK_SECONDS = 3600  # issue 15: "a link valid one hour"
STEP_ROWS = {"awards": 500, "organization": 100}
STALLED_SECONDS = 300  # a counted step whose successor is not running after this was never queued
JOB_ID = re.compile(r"^[0-9]{14}[0-9a-f]{16}$")
API = "api"


# ------------------------------------------------------------------ views


def job_view(job: Any, *, link: bool = True) -> dict:
    view = {
        "id": job.job_id, "kind": job.kind, "kind_name": rules.KIND_NAMES[job.kind], "state": job.state,
        "from": job.params.get("from"), "to": job.params.get("to"), "template_id": job.params.get("template"),
        "personal_data": bool(job.personal_data), "done": int(job.done or 0),
        "total": int(job.total) if job.total is not None else None,
        "progress": rules.progress(int(job.done or 0), int(job.total) if job.total is not None else None, job.state),
        "created_at": job.created_at, "completed_at": job.completed_at, "file_name": job.file_name,
        "file_bytes": int(job.file_bytes) if job.file_bytes is not None else None, "error": job.error,
        "url": None, "expires_in": None,
    }
    if link and job.state == "completed" and job.file_key:
        view["url"] = objects.download_url(job.file_key, job.file_name, seconds=LINK_SECONDS)
        view["expires_in"] = LINK_SECONDS
    view["done_state"] = job.state in ("completed", "failed")
    view["stalled"] = job.state in ("queued", "running") and _stalled(job)
    return view


def _job(tenant_id: str, job_id: str, requested_by: str | None = None) -> Any:
    job = store.get_job(tenant_id, job_id) if JOB_ID.match(job_id or "") else None
    if job is None or (requested_by is not None and job.requested_by != requested_by):
        raise NotFound("export job not found")
    return job


# ------------------------------------------------------------------ requests


def _create(tenant_id: str, data: schemas.ExportJobIn, *, requested_by: str, email: str | None,
            personal_data: bool) -> dict:
    from .templates import require as require_template

    if data.template:
        require_template(tenant_id, data.template)  # another tenant's template: 404
    issuer = issuer_store.get_issuer(tenant_id)
    if issuer is None or issuer.offboarded_at:
        raise NotFound("issuer not found", code="issuer_not_found")
    now = clock.utcnow()
    job_id = now.strftime("%Y%m%d%H%M%S") + ids.new_local_id()
    params = {k: v for k, v in {"from": data.from_.isoformat() if data.from_ else None,
                                "to": data.to.isoformat() if data.to else None,
                                "template": data.template}.items() if v}
    job = store.create_job(tenant_id, {
        "job_id": job_id, "tenant_id": tenant_id, "kind": data.kind, "state": "queued", "params": params,
        "personal_data": personal_data, "requested_by": requested_by, "requested_email": email,
        "file_name": rules.file_name(data.kind, issuer.name, now, data.template),
        "created_at": iso(now), "updated_at": iso(now)})
    try:
        _enqueue(job, 0)
    except Exception as exc:  # noqa: BLE001 - the job must not be left 'queued' forever
        store.fail(job, f"the job could not be queued: {exc.__class__.__name__}", iso(clock.utcnow()))
        raise ServiceUnavailable("the export could not be started; try again", code="queue_unavailable") from None
    return job_view(job)


def request_for_member(member: member_rules.Member, data: schemas.ExportJobIn) -> dict:
    """A console member's export. The awards CSV: any member who sees credentials, with
    recipients' names and addresses only for those who may see personal data (masked
    as in the credential list otherwise); the organization export: admins only (it
    holds everything, personal data and all)."""
    action = "reports.organization" if data.kind == "organization" else "reports.view"
    member_rules.require(member, action)
    return _create(member.tenant_id, data, requested_by=member.member_id, email=member.email,
                   personal_data=data.kind == "organization" or member.sees_personal_data)


def request_for_api(tenant_id: str, data: schemas.ExportJobIn) -> dict:
    """The issuer API's export: an API key acts for the organization (its credential
    listing shows recipients whole), so the CSV does too; nobody is mailed (the link
    is in GET /export-jobs/{id})."""
    return _create(tenant_id, data, requested_by=API, email=None, personal_data=True)


def member_job(member: member_rules.Member, job_id: str) -> dict:
    """A member's own job (another member's, or another tenant's: 404)."""
    return job_view(_job(member.tenant_id, job_id, member.member_id))


def member_jobs(member: member_rules.Member) -> list[dict]:
    return [job_view(j, link=False) for j in store.recent_jobs(member.tenant_id, member.member_id)]


def api_job(tenant_id: str, job_id: str) -> dict:
    return job_view(_job(tenant_id, job_id))


def _resume(job: Any) -> dict:
    """Queue a stalled job's next step again: one whose step kept failing until SQS gave
    up on its message (the dead-letter queue), or whose next message was lost. The job
    is where its last counted step left it, so running the step again is all it takes.
    A job that is moving (or done) is left alone: 409."""
    if job.state not in ("queued", "running") or not _stalled(job):
        raise Conflict("this export is not stalled: it is done, or its last step ran less than "
                       f"{STALLED_SECONDS // 60} minutes ago", code="not_stalled")
    _enqueue(job, int(job.step))
    return job_view(job, link=False)


def resume_for_member(member: member_rules.Member, job_id: str) -> dict:
    return _resume(_job(member.tenant_id, job_id, member.member_id))


def resume_for_api(tenant_id: str, job_id: str) -> dict:
    return _resume(_job(tenant_id, job_id))


# ------------------------------------------------------------------ the worker


def _enqueue(job: Any, step: int) -> None:
    queue.send(get_settings().bulk_queue, {"export": {"tenant_id": job.tenant_id, "job_id": job.job_id,
                                                      "step": step}})


def process_step(message: dict) -> dict:
    """Run one step of an export job. Safe to run again for the same message."""
    tenant_id, job_id, step = message["tenant_id"], message["job_id"], int(message["step"])
    job = store.get_job(tenant_id, job_id) if JOB_ID.match(job_id or "") else None
    issuer = issuer_store.get_issuer(tenant_id) if job is not None else None
    if job is None or issuer is None or issuer.offboarded_at or job.state not in ("queued", "running"):
        return {"skipped": True}  # gone, offboarded, or done
    if int(job.step) != step:
        if int(job.step) > step and _stalled(job):  # counted, but its successor was never queued
            _enqueue(job, int(job.step))
        return {"skipped": True}
    if job.reading_done:
        return _finish(job, issuer, step)
    return _read_step(job, issuer, step)


def _stalled(job: Any) -> bool:
    return clock.utcnow() - parse_iso(job.updated_at) >= timedelta(seconds=STALLED_SECONDS)


def _read_step(job: Any, issuer: Any, step: int) -> dict:
    params = job.params or {}
    query = {"created_from": params.get("from"), "created_to": params.get("to"), "template_id": params.get("template")}
    changes: dict[str, Any] = {}
    if job.total is None:
        changes["total"] = store.count_credentials(job.tenant_id, **query)
    items, cursor = store.credentials_page(job.tenant_id, cursor=job.cursor, limit=STEP_ROWS[job.kind], **query)
    part = object_keys.org_export_part_key(job.tenant_id, job.job_id, step, "csv" if job.kind == "awards" else "zip")
    if job.kind == "awards":
        body = _awards_part(job, items)
        content_type = "text/csv; charset=utf-8"
    else:
        body = _organization_part(job, issuer, items, first=step == 0)
        content_type = "application/zip"
    objects.put(part, body, content_type, cache_control="private, no-store")
    changes |= {"cursor": cursor, "reading_done": cursor is None, "done": int(job.done or 0) + len(items),
                "parts": step + 1}
    if store.advance(job, step, changes, iso(clock.utcnow())):
        _enqueue(job, step + 1)
    return {"written": len(items), "step": step}


def _finish(job: Any, issuer: Any, step: int) -> dict:
    """Put the parts together into the file. It is built in a temporary file (Lambda's
    /tmp) and uploaded in parts, one part file read at a time: the organization's size
    bounds neither memory nor a request."""
    ext = "csv" if job.kind == "awards" else "zip"
    parts = [object_keys.org_export_part_key(job.tenant_id, job.job_id, n, ext) for n in range(int(job.parts or 0))]
    try:
        with tempfile.TemporaryFile() as out:
            if job.kind == "awards":
                out.write(csvsafe.for_spreadsheet(rules.AWARDS_HEADER, []))
                for key in parts:  # one part (a step's rows) in memory at a time
                    out.write(_part(key))
                content_type = "text/csv; charset=utf-8"
            else:
                _assemble_zip(job, issuer, parts, out)
                content_type = "application/zip"
            size = out.tell()
            out.seek(0)
            key = object_keys.org_export_key(job.tenant_id, job.job_id, job.file_name)
            objects.put_file(key, out, content_type)
    except _PartGone:
        # an erasure of one of its recipients deleted the organization's export files (the
        # parts may name the person), or the bucket's lifecycle expired a stalled job's
        # parts: the file can never be whole, so the job ends instead of stalling forever
        store.fail(job, PARTS_GONE, iso(clock.utcnow()))
        return {"completed": False, "failed": PARTS_GONE}
    if store.complete(job, step, file_key=key, file_bytes=size, at=iso(clock.utcnow())):
        _mail(job)
        try:
            objects.delete_many(parts)  # the file is whole; the parts would go within a day anyway
        except Exception:  # noqa: BLE001 - the lifecycle rule removes them
            pass
    return {"completed": True, "bytes": size}


PARTS_GONE = "its partial files were deleted before it finished (an erasure or their expiry); ask for a new export"


class _PartGone(Exception):
    """A part of the file is no longer in the bucket."""


def _part(key: str) -> bytes:
    data = objects.get_if_present(key)
    if data is None:
        raise _PartGone(key)
    return data


def _mail(job: Any) -> None:
    """The link, to the member who asked (a courtesy: the job page shows it too)."""
    from . import notify

    if not job.requested_email or job.mailed_at:
        return
    link = objects.download_url(job.file_key, job.file_name, seconds=LINK_SECONDS)
    page = f"{get_settings().public_base_url}/console/reports/{job.job_id}"
    if notify.send_report(job.requested_email, link=link, minutes=LINK_SECONDS // 60, page=page,
                          what=rules.KIND_NAMES[job.kind]):
        store.mark_mailed(job, iso(clock.utcnow()))


# ------------------------------------------------------------------ the awards CSV


def engagement_totals(tenant_id: str, credential_ids: list[str]) -> dict[str, dict[str, int]]:
    """Views and shares per credential: the engagement counters of issue 15 (the
    contract's `store.engagement.credential_totals`, "cumulative per credential
    (BatchGet; missing ids -> {})"), one BatchGetItem per 100 rows of a step."""
    from ..store import engagement

    return engagement.credential_totals(tenant_id, credential_ids)


def _award(item: Any, now: Any) -> rules.Award:
    from .console_credentials import state_of

    return rules.Award(
        credential_id=item.credential_id, email=item.email, first_name=item.first_name, last_name=item.last_name,
        template_id=item.template_id, template_name=item.snapshot["template"]["name"], issued_at=item.issued_at,
        accepted_at=item.accepted_at, expires_at=item.expires_at, revoked_at=item.revoked_at,
        rejected_at=item.rejected_at, state=state_of(item, now), erased=bool(item.erased_at))


def _awards_part(job: Any, items: list) -> bytes:
    now = clock.utcnow()
    counters = engagement_totals(job.tenant_id, [i.credential_id for i in items]) if items else {}
    rows = [rules.awards_row(_award(i, now), counters.get(i.credential_id) or {}, bool(job.personal_data))
            for i in items]
    return csvsafe.to_csv(None, rows).encode("utf-8")


# ------------------------------------------------------------------ the organization export


def _json(data: Any) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8")


def _organization_part(job: Any, issuer: Any, items: list, *, first: bool) -> bytes:
    from . import credentials as credentials_service
    from . import openbadges

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        if first:
            _organization_records(zf, job.tenant_id, issuer)
        for item in items:
            base = f"credentials/{item.credential_id}/"
            record = credentials_service.credential_view(item)
            record |= {"private": bool(item.private), "erased": bool(item.erased_at), "erased_at": item.erased_at}
            if item.erased_at:  # the person is forgotten: what stays is what the issuer sent about the badge
                record["recipient"] = None
                record["evidence"] = []
            zf.writestr(base + "credential.json", _json(record))
            documents = openbadges.issuer_documents(item)
            if documents:
                zf.writestr(base + "ob2-assertion.json", _json(documents["ob2_assertion"]))
                zf.writestr(base + "ob2-badgeclass.json", _json(documents["ob2_badge_class"]))
                if documents["ob3_credential"]:
                    zf.writestr(base + "ob3-credential.json", _json(documents["ob3_credential"]))
                if documents["ob3_jwt"]:
                    zf.writestr(base + "ob3-credential.jwt", documents["ob3_jwt"])
    return out.getvalue()


def _organization_records(zf: zipfile.ZipFile, tenant_id: str, issuer: Any) -> None:
    """The organization's own records: profile, templates with their images, members,
    LMS integrations and webhook endpoints, each through its service's view (which
    never shows a secret; members' sessions are not read at all)."""
    from ..store import lms as lms_store
    from ..store import members as member_store
    from ..store import webhooks as webhook_store
    from . import events, issuers, lms, members, templates

    zf.writestr("organization.json", _json(issuers.issuer_view(issuer)))
    if issuer.logo_key:
        zf.writestr(f"organization/{issuer.logo_key.rsplit('/', 1)[-1]}", objects.get(issuer.logo_key))
    views = []
    for t in sorted(store.templates(tenant_id), key=lambda t: t.template_id):
        view = templates.template_view(t)
        if t.image_key:
            name = f"templates/{t.template_id}/{t.image_key.rsplit('/', 1)[-1]}"
            zf.writestr(name, objects.get(t.image_key))
            view["image_file"] = name
        views.append(view)
    zf.writestr("templates.json", _json(views))
    zf.writestr("members.json", _json([members.member_view(m) for m in member_store.members(tenant_id)]))
    zf.writestr("integrations.json", _json([lms.integration_view(i) for i in lms_store.list_for(tenant_id)]))
    endpoints = []
    for e in webhook_store.list_endpoints(tenant_id):
        view = events.endpoint_view(e)
        view.pop("secret_hint", None)  # part of a secret: not in a file that travels
        endpoints.append(view)
    zf.writestr("webhook_endpoints.json", _json(endpoints))


def _assemble_zip(job: Any, issuer: Any, parts: list[str], out: Any) -> None:
    names: list[str] = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as final:
        for key in parts:
            with zipfile.ZipFile(io.BytesIO(_part(key))) as part:  # one step's part at a time
                for info in part.infolist():
                    final.writestr(info.filename, part.read(info))
                    names.append(info.filename)
        credentials = sorted({n.split("/")[1] for n in names if n.startswith("credentials/")})
        manifest = {
            "format": "laurel-organization-export", "version": 1, "organization": issuer.tenant_id,
            "name": issuer.name, "job": job.job_id, "generated_at": iso(clock.utcnow()),
            "credentials": len(credentials),
            "contents": {
                "organization.json": "the organization's profile",
                "templates.json": "every template (its image under templates/<id>/)",
                "members.json": "console members and invitations (no sessions)",
                "integrations.json": "LMS integrations and their rules (no secrets)",
                "webhook_endpoints.json": "outbound webhook endpoints (no secrets)",
                "credentials/<id>/credential.json": "each credential as the issuer API shows it",
                "credentials/<id>/ob2-assertion.json": "its Open Badges 2.0 Assertion (or revocation notice)",
                "credentials/<id>/ob3-credential.json": "its Open Badges 3.0 credential, signed (Data Integrity)",
                "credentials/<id>/ob3-credential.jwt": "the same credential as a VC-JWT",
            },
            "notes": ["Credentials whose recipient exercised the right to be forgotten have no recipient and "
                      "no Open Badges documents."],
            "files": sorted(names),
        }
        final.writestr("manifest.json", _json(manifest))

