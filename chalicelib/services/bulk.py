"""Bulk issuance: a CSV or JSON file of up to 100,000 rows becomes a job.

1. `create_job` validates every row up front (row numbers in every error). In
   all-or-nothing mode any error refuses the whole file and nothing is stored; in
   valid-rows mode the valid rows go ahead and the rejected ones are reported.
2. Valid rows go onto SQS in chunks; `process_chunk` (the SQS handler's work) issues
   a chunk with one status-index allocation, batched DynamoDB writes and one progress
   update, and records the chunk as done in the same transaction as the progress.
3. Re-delivery never double-issues: a chunk already recorded is skipped, and a
   chunk's credential ids derive from the job's secret seed and the row number, so
   a chunk interrupted half way is rewritten, not added to.
Claim mails go out at a bounded rate per worker (and workers are few: see infra/).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import json

from .. import jsonbody
from ..adapters import objects, queue
from ..config import get_settings
from ..domain import credentials as rules
from ..domain import ids
from ..domain.clock import iso
from ..domain.errors import (BadRequest, Conflict, Forbidden, LaurelError, NotFound, PayloadTooLarge,
                             ServiceUnavailable, UnsupportedMediaType, ValidationFailed)
from ..store import bulk as store
from ..store import credentials as cred_store
from ..store import issuers as issuer_store
from . import clock, events, notify, openbadges, signing

MAX_ROWS = 100_000
MAX_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
CHUNK_ROWS = 250
CHUNK_BYTES = 200_000  # SQS allows 256 KiB per message
REQUIRED_COLUMNS = {"email", "first_name", "last_name", "template_id"}
OPTIONAL_COLUMNS = {"issued_at", "expires_at", "evidence_url", "evidence_narrative", "evidence_name", "earner_id"}
MAX_REPORTED_ERRORS = 1000


def bulk_queue_name() -> str:
    return get_settings().bulk_queue


# ------------------------------------------------------------------ parsing and validation


def _csv_rows(raw: bytes) -> list[dict]:
    return [_from_columns(r) for r in _csv_records(raw)]


def _csv_records(raw: bytes) -> list[dict]:
    """The file's rows as its cells (trimmed), column by column; `__extra__` marks a
    row with more cells than the header has columns."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequest("the file must be UTF-8 encoded", code="wrong_encoding") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = {h.strip() for h in (reader.fieldnames or []) if h}
    except csv.Error as exc:
        raise BadRequest(f"the CSV header cannot be read: {exc}", code="invalid_csv") from None
    missing = REQUIRED_COLUMNS - header
    if missing:
        raise BadRequest(f"the header row must name the columns {', '.join(sorted(missing))}",
                         code="missing_header", details={"required": sorted(REQUIRED_COLUMNS),
                                                         "optional": sorted(OPTIONAL_COLUMNS)})
    unknown = header - REQUIRED_COLUMNS - OPTIONAL_COLUMNS
    if unknown:
        raise BadRequest(f"unknown columns: {', '.join(sorted(unknown))}", code="unknown_columns")
    rows = []
    try:
        for record in reader:
            row = {k.strip(): (v.strip() if isinstance(v, str) else v) for k, v in record.items() if k}
            if None in record:  # more cells than the header has columns
                row["__extra__"] = True
            rows.append(row)
            if len(rows) > MAX_ROWS:
                break
    except csv.Error as exc:
        raise BadRequest(f"the CSV cannot be read: {exc}", code="invalid_csv") from None
    return rows


def _from_columns(record: dict) -> dict:
    """CSV columns to the issue request's fields (empty cells are absent)."""
    row = {k: v for k, v in record.items() if k in REQUIRED_COLUMNS | {"issued_at", "earner_id"} and v not in ("", None)}
    expires = record.get("expires_at")
    if expires:
        row["expires_at"] = False if expires.lower() == "never" else expires
    evidence = {k.removeprefix("evidence_"): record[k] for k in ("evidence_url", "evidence_narrative", "evidence_name")
                if record.get(k)}
    if evidence:
        row["evidence"] = [evidence]
    if record.get("__extra__"):
        row["__extra__"] = True
    return row


def parse(raw: bytes, content_type: str) -> list[dict]:
    if len(raw) > MAX_BYTES:
        raise PayloadTooLarge(f"the file is larger than {MAX_BYTES} bytes")
    if content_type == "text/csv":
        rows = _csv_rows(raw)
    elif content_type == "application/json":
        try:
            rows = jsonbody.loads(raw)  # issue 12: a key given twice is refused (400 duplicate_key)
        except (ValueError, RecursionError):
            raise BadRequest("the body is not valid JSON", code="invalid_json") from None
        if not isinstance(rows, list):
            raise BadRequest("the JSON body must be an array of rows", code="invalid_json")
    else:
        raise UnsupportedMediaType("send text/csv or application/json")
    if len(rows) > MAX_ROWS:
        raise PayloadTooLarge(f"at most {MAX_ROWS} rows per job", code="too_many_rows")
    if not rows:
        raise BadRequest("the file has no rows", code="empty_file")
    return rows


def _validate(tenant_id: str, rows: list[dict], options) -> tuple[list[dict], list[dict], int]:
    """(valid rows with their row numbers, errors, duplicates within the file)."""
    from pydantic import ValidationError

    from .. import schemas
    from .templates import require as require_template

    valid, errors, seen, duplicates = [], [], set(), 0
    templates: dict[str, str | None] = {}
    for number, raw in enumerate(rows, start=1):
        if not isinstance(raw, dict) or raw.get("__extra__"):
            errors.append({"row": number, "errors": ["the row does not match the header"]})
            continue
        try:
            data = schemas.IssueIn.model_validate({**raw, "suppress_email": options.suppress_email,
                                                   "duplicate_policy": options.duplicate_policy})
        except ValidationError as exc:
            errors.append({"row": number, "errors": [
                f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg']}" for e in exc.errors(include_url=False)]})
            continue
        if data.template_id not in templates:
            try:
                template = require_template(tenant_id, data.template_id)
                templates[data.template_id] = None if template.state == "active" else f"template is {template.state}"
            except NotFound:
                templates[data.template_id] = "template not found"
        if templates[data.template_id]:
            errors.append({"row": number, "errors": [f"template_id: {templates[data.template_id]}"]})
            continue
        key = (data.template_id, ids.normalize_email(str(data.email)))
        if options.duplicate_policy == "deny" and key in seen:
            duplicates += 1
            continue
        seen.add(key)
        valid.append({"row": number, **data.model_dump(mode="json", exclude_none=True)})
    return valid, errors, duplicates


def create_job(tenant_id: str, raw: bytes, content_type: str, options) -> dict:
    rows = parse(raw, content_type)
    valid, errors, duplicates = _validate(tenant_id, rows, options)
    if errors and options.mode == "all_or_nothing":
        raise ValidationFailed(f"{len(errors)} of {len(rows)} rows are not valid; nothing was issued",
                               code="invalid_rows", details={"errors": errors[:MAX_REPORTED_ERRORS],
                                                             "error_count": len(errors)})
    chunks = _chunks(valid)
    now = iso(clock.utcnow())
    job = store.create_job(tenant_id, {
        "job_id": ids.new_local_id() + ids.new_local_id(), "tenant_id": tenant_id, "state": "queued" if chunks
        else "completed", "mode": options.mode, "source": content_type, "seed": ids.random_token(),
        "total": len(rows), "rejected": len(errors), "chunks": len(chunks), "duplicates": duplicates,
        "errors": errors[:MAX_REPORTED_ERRORS], "created_at": now, "updated_at": now,
    })
    _enqueue(job, chunks, options)
    return job_view(job)


def _enqueue(job, chunks: list[list[dict]], options) -> None:
    """A queued job's chunks onto SQS; a job that cannot be queued is marked failed
    (never left 'queued' forever) and the caller gets a 503."""
    try:
        queue.send_batch(bulk_queue_name(), [
            {"tenant_id": job.tenant_id, "job_id": job.job_id, "chunk": n, "suppress_email": options.suppress_email,
             "duplicate_policy": options.duplicate_policy, "rows": chunk}
            for n, chunk in enumerate(chunks)])
    except Exception as exc:  # noqa: BLE001 - the job must not be left 'queued' forever
        store.mark_failed(job, f"the job could not be queued: {exc.__class__.__name__}", iso(clock.utcnow()))
        raise ServiceUnavailable("the job could not be queued; its rows were not all accepted, try again",
                                 code="queue_unavailable") from None


def _chunks(rows: list[dict]) -> list[list[dict]]:
    chunks, current, size = [], [], 0
    for row in rows:
        row_size = len(json.dumps(row))
        if current and (len(current) >= CHUNK_ROWS or size + row_size > CHUNK_BYTES):
            chunks.append(current)
            current, size = [], 0
        current.append(row)
        size += row_size
    if current:
        chunks.append(current)
    return chunks


def job_view(job) -> dict:
    done = int(job.issued) + int(job.duplicates) + int(job.failed) + int(job.rejected)
    return {"id": job.job_id, "state": job.state, "mode": job.mode, "total": int(job.total),
            "issued": int(job.issued), "duplicates": int(job.duplicates), "failed": int(job.failed),
            "rejected": int(job.rejected), "progress": round(100 * done / job.total, 1) if job.total else 100.0,
            "chunks": int(job.chunks), "chunks_done": int(job.chunks_done),
            "errors": (job.errors or []) + (store.chunk_failures(job) if int(job.failed or 0) else []),
            "created_at": job.created_at, "updated_at": job.updated_at}


def get_job(tenant_id: str, job_id: str) -> dict:
    return job_view(_job_item(tenant_id, job_id))


def _job_item(tenant_id: str, job_id: str):
    job = store.get_job(tenant_id, job_id) if ids.LOCAL_ID.match(job_id[:16] or "") and len(job_id) == 32 else None
    if job is None:
        raise NotFound("job not found")
    return job


# ------------------------------------------------------------------ preview, then confirm (the issuer console)
#
# Issue 14: "upload, a validation preview listing row errors *before* anything is
# issued, confirm". The upload is validated exactly as `create_job` validates, and
# what was found is kept: the file and its valid rows in the private bucket (a job
# item could not hold 100,000 rows), the counts and the first errors on the job, in
# state `previewed`. Nothing is queued until `confirm_job` moves the job from
# `previewed` to `queued` with one conditional write, so a second confirm (a double
# click, a reload, two tabs) finds it queued and queues nothing.

# the CSV template's columns, in the order the console's template file gives them
CSV_COLUMNS = ("email", "first_name", "last_name", "template_id", "issued_at", "expires_at", "evidence_url",
               "evidence_narrative", "evidence_name", "earner_id")
assert set(CSV_COLUMNS) == REQUIRED_COLUMNS | OPTIONAL_COLUMNS


def _check_allowed(rows: list[dict], allowed_templates) -> None:
    """A caller restricted to some templates (a console issuer) is refused a file any
    row of which names another (issue 14: "optionally restricted to a list of
    templates"); the refusal names the rows."""
    if allowed_templates is None:
        return
    allowed = set(allowed_templates)
    refused = [n for n, row in enumerate(rows, start=1)  # a row without a template is a row error, not this
               if isinstance(row, dict) and row.get("template_id") and row["template_id"] not in allowed]
    if refused:
        shown = ", ".join(str(n) for n in refused[:20]) + (f" and {len(refused) - 20} more" if len(refused) > 20 else "")
        raise Forbidden(f"you may not issue from the template named in row{'s' if len(refused) > 1 else ''} {shown}",
                        code="template_not_allowed")


def preview_job(tenant_id: str, raw: bytes, content_type: str, options, *, allowed_templates=None) -> dict:
    """The first step of a console upload: a CSV file validated and kept as a job in
    state `previewed`, its row errors listed, nothing queued or issued.
    `allowed_templates`: the only templates the caller may issue from (None: any)."""
    from botocore.exceptions import BotoCoreError, ClientError

    if content_type != "text/csv":
        raise UnsupportedMediaType("send the rows as a CSV file (text/csv)")
    rows = parse(raw, content_type)
    _check_allowed(rows, allowed_templates)
    valid, errors, duplicates = _validate(tenant_id, rows, options)
    job_id = ids.new_local_id() + ids.new_local_id()
    kept = {"options": {"mode": options.mode, "duplicate_policy": options.duplicate_policy,
                        "suppress_email": options.suppress_email},
            "valid": valid, "errors": errors, "file": raw.decode("utf-8-sig")}
    try:  # the file first: a job never exists without its rows
        objects.put(store.preview_key(tenant_id, job_id), json.dumps(kept).encode(), "application/json",
                    cache_control="private, no-store")
    except (BotoCoreError, ClientError):
        raise ServiceUnavailable("the file could not be kept for its preview; nothing was issued, try again",
                                 code="preview_unavailable") from None
    now = iso(clock.utcnow())
    job = store.create_job(tenant_id, {
        "job_id": job_id, "tenant_id": tenant_id, "state": "previewed", "mode": options.mode, "source": content_type,
        "seed": ids.random_token(), "total": len(rows), "rejected": len(errors), "chunks": len(_chunks(valid)),
        "duplicates": duplicates, "errors": errors[:MAX_REPORTED_ERRORS], "created_at": now, "updated_at": now,
    })
    return job_view(job)


def confirm_job(tenant_id: str, job_id: str, *, allowed_templates=None) -> dict:
    """Queue a previewed job's valid rows, once. A job no longer in `previewed` (it was
    confirmed already) answers as it stands and queues nothing."""
    job = _job_item(tenant_id, job_id)
    if job.state != "previewed":
        return job_view(job)
    kept = _kept(job)
    if kept is None:
        raise Conflict("this upload's file is no longer kept; upload it again", code="preview_missing")
    valid = kept["valid"]
    _check_allowed(valid, allowed_templates)  # the member's templates may have changed since the upload
    options = JobOptions(**kept["options"])
    if not valid:
        raise Conflict("no row of this file can be issued; correct the file and upload it again",
                       code="nothing_to_issue")
    if options.mode == "all_or_nothing" and int(job.rejected):
        raise ValidationFailed(f"{int(job.rejected)} of {int(job.total)} rows are not valid; nothing was issued",
                               code="invalid_rows")
    if not store.mark_queued(job, iso(clock.utcnow())):
        return job_view(_job_item(tenant_id, job_id))  # another confirm came first: it queued the rows
    _enqueue(job, _chunks(valid), options)
    return job_view(job)


def _kept(job) -> dict | None:
    """What `preview_job` kept of a job's file (None for a job that did not come
    through a preview: the issuer API's)."""
    from botocore.exceptions import ClientError

    try:
        return json.loads(objects.get(store.preview_key(job.tenant_id, job.job_id)))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise


def error_rows(tenant_id: str, job_id: str) -> list[dict]:
    """Every row error of a job in row order, as `{"row", "errors", "cells"}`: the rows
    refused at the upload and those that failed in the worker, each with its cells as
    the file had them when the job came through a preview (so the report can be
    corrected and uploaded again); `cells` is empty otherwise, and `row` None for an
    error of the whole job."""
    job = _job_item(tenant_id, job_id)
    kept = _kept(job)
    rejected = kept["errors"] if kept is not None else [e for e in (job.errors or []) if e.get("row") is not None]
    whole_job = [e for e in (job.errors or []) if e.get("row") is None]
    failures = store.chunk_failures(job) if int(job.failed or 0) else []
    found = sorted([*rejected, *failures], key=lambda e: e["row"]) + whole_job
    records = _csv_records(kept["file"].encode()) if kept is not None else []
    return [{"row": e["row"], "errors": list(e["errors"]),
             "cells": records[e["row"] - 1] if e["row"] and e["row"] <= len(records) else {}} for e in found]


# ------------------------------------------------------------------ the SQS worker


def _credential_id(tenant_id: str, seed: str, row: int) -> str:
    digest = hmac.new(seed.encode(), f"row:{row}".encode(), hashlib.sha256).digest()[:20]
    return f"{tenant_id}-{base64.b32encode(digest).decode().lower()}"


class _RateLimiter:
    """At most `per_second` mails from one worker (SES has a sending rate)."""

    def __init__(self, per_second: float) -> None:
        self.interval, self.next = 1.0 / per_second, 0.0

    def wait(self) -> None:
        now = clock.monotonic()
        if now < self.next:
            clock.sleep(self.next - now)
        self.next = max(now, self.next) + self.interval


def process_chunk(message: dict) -> dict:
    """Issue one chunk of a job. Safe to run again for the same message."""
    from .. import schemas
    from . import credentials
    from .templates import require as require_template

    tenant_id, job_id, chunk_no = message["tenant_id"], message["job_id"], int(message["chunk"])
    job = store.get_job(tenant_id, job_id)
    issuer = issuer_store.get_issuer(tenant_id)
    if job is None or issuer is None or issuer.offboarded_at or store.chunk_done(job, chunk_no):
        return {"skipped": True}  # the job or tenant is gone (or offboarded), or this chunk was already issued
    now = clock.utcnow()
    rows = message["rows"]
    templates, parsed, failures, duplicates = {}, [], [], 0
    for row in rows:
        number = row.pop("row")
        try:
            data = schemas.IssueIn.model_validate(row)
            if data.template_id not in templates:
                templates[data.template_id] = require_template(tenant_id, data.template_id)
            if templates[data.template_id].state != "active":
                raise ValidationFailed(f"template is {templates[data.template_id].state}")
        except (LaurelError, ValueError) as exc:
            failures.append({"row": number, "errors": [getattr(exc, "message", str(exc))[:300]]})
            continue
        parsed.append((number, data, ids.email_hash(str(data.email))))
    # A chunk that was issued before its count was recorded (a crash, a timeout) comes
    # back with the same deterministic ids: what exists is never written again.
    already = cred_store.batch_get({_credential_id(tenant_id, job.seed, n) for n, _, _ in parsed})
    redelivered = len([1 for n, _, _ in parsed if _credential_id(tenant_id, job.seed, n) in already])
    parsed = [p for p in parsed if _credential_id(tenant_id, job.seed, p[0]) not in already]
    # who already holds what: the recipients' slots and their latest credentials, in batches
    slots = cred_store.recipient_slots(tenant_id, {(h, d.template_id) for _, d, h in parsed})
    latest = cred_store.batch_get({s.latest for s in slots.values() if s.latest})
    first_index = openbadges.allocate_status_indexes(tenant_id, len(parsed)) if parsed else 0  # one write
    rsa_key = signing.active_rsa_key()
    items, mails, moved = [], [], []
    for offset, (number, data, email_hash) in enumerate(parsed):
        cid = _credential_id(tenant_id, job.seed, number)
        slot = slots[(email_hash, data.template_id)]
        held = latest.get(slot.latest) if slot.latest and slot.latest != cid else None
        if data.duplicate_policy == "deny" and held is not None and held.status in rules.BLOCKING_STATUSES:
            duplicates += 1
            continue
        try:
            item, token = credentials.build(tenant_id, issuer, templates[data.template_id], data, now, cid,
                                            first_index + offset, rsa_key)
        except (LaurelError, ValueError) as exc:
            failures.append({"row": number, "errors": [getattr(exc, "message", str(exc))[:300]]})
            continue
        slot.version, slot.latest = int(slot.version or 0) + 1, cid
        items.append(item)
        moved.append(slot)
        if not data.suppress_email:
            mails.append((item, token))
    cred_store.batch_put(items, moved)
    events.emit_many(tenant_id, "credential.created", [credentials.credential_view(i) for i in items])
    limiter = _RateLimiter(get_settings().bulk_mail_per_second)
    for item, token in mails:
        limiter.wait()
        notify.send_claim(item, token)
    store.finish_chunk(job, chunk_no, issued=len(items) + redelivered, duplicates=duplicates, failed=len(failures),
                       errors=failures[:MAX_REPORTED_ERRORS], at=iso(clock.utcnow()))
    return {"issued": len(items), "duplicates": duplicates, "failed": len(failures)}


# ------------------------------------------------------------------ weekly scheduled issuance


def issue_scheduled(weekday: str) -> list[str]:
    """Issue every passing completion queued for `weekday` as one job per tenant."""
    from ..store import lms as lms_store

    rows = lms_store.scheduled_for(weekday)
    by_tenant: dict[str, list] = {}
    for r in rows:
        by_tenant.setdefault(r.tenant_id, []).append(r)
    jobs = []
    for tenant_id, queued in by_tenant.items():
        options = JobOptions(mode="valid_rows", duplicate_policy="deny", suppress_email=False)
        try:
            job = create_job(tenant_id, json.dumps([q.row for q in queued]).encode(), "application/json", options)
        except LaurelError as exc:  # one tenant's trouble must not hold up the others
            from ..logs import logger

            logger().error("weekly issuance failed", extra={"tenant_id": tenant_id,
                                                                            "reason": exc.message})
            continue
        lms_store.dequeue(queued)
        jobs.append(job["id"])
    return jobs


class JobOptions:
    def __init__(self, mode: str = "all_or_nothing", duplicate_policy: str = "deny", suppress_email: bool = False):
        if mode not in ("all_or_nothing", "valid_rows"):
            raise BadRequest("mode must be all_or_nothing or valid_rows", code="invalid_query")
        if duplicate_policy not in ("deny", "allow"):
            raise BadRequest("duplicate_policy must be deny or allow", code="invalid_query")
        self.mode, self.duplicate_policy, self.suppress_email = mode, duplicate_policy, suppress_email


def submit(tenant_id: str, raw: bytes, content_type: str, *, mode: str | None = None,
           duplicate_policy: str | None = None, suppress_email: str | None = None) -> dict:
    """A job from the issuer API, with its defaults: all or nothing, duplicates denied,
    claim mails sent (`suppress_email` as the query string gives it, "true" or "false")."""
    options = JobOptions(mode=mode or "all_or_nothing", duplicate_policy=duplicate_policy or "deny",
                         suppress_email=suppress_email == "true")
    return create_job(tenant_id, raw, content_type, options)
