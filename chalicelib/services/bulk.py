"""Bulk issuance: a CSV or JSON file of up to 100,000 rows becomes a job.

1. `create_job` validates every row up front (row numbers in every error). In
   all-or-nothing mode any error refuses the whole file and nothing is issued; in
   valid-rows mode the valid rows go ahead and the rejected ones are reported. The
   answer and the job carry the first errors and the count; reports too large for
   them are kept whole in S3 (see INLINE_ERROR_BYTES below).
2. Valid rows go onto SQS in chunks; `process_chunk` (the SQS handler's work) issues
   a chunk with one status-index allocation, batched DynamoDB reads and writes and
   one progress update, and records the chunk as done in the same conditional
   update as the progress.
3. Re-delivery never double-issues: a chunk already recorded is skipped, and a
   chunk's credential ids derive from the job's secret seed and the row number, so
   a chunk interrupted half way is rewritten, not added to.
4. The duplicate policy holds against single issuances racing the chunk (DESIGN.md:
   "conditional writes on the recipient slot"). Each row first claims its
   recipient's slot with one conditional UpdateItem (the slot's version as read,
   the same condition single issuance puts in its transaction) naming the row's
   credential id; only rows whose claim held are then written, in batches. A row
   whose claim fails reads the slot again and decides again: a duplicate under
   `deny` if someone issued meanwhile, else it claims the new version. Between the
   claim and the write the slot names a credential not stored yet; single issuance
   treats that as held while the claim is in flight (domain.credentials
   .claim_in_flight), and a re-delivered chunk finds its own id there and goes on.
   Why not one TransactWriteItems per group of rows (credential put + slot update)?
   Transactional writes cost twice the write capacity on the large credential
   items, and moto, which Laurel runs on locally and in tests, copies the whole
   table once per item of every transaction, so a 10,000-row job would crawl. The
   claim is one small write per row (the slot write the old batch made anyway),
   cheap next to the rate-limited claim mails.
Claim mails go out at a bounded rate per worker (and workers are few: see infra/).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import itertools
import json
import re
from typing import TYPE_CHECKING, Any

from .. import jsonbody
from ..adapters import objects, queue
from ..config import get_settings
from ..domain import credentials as rules
from ..domain import ids
from ..domain.clock import iso, parse_iso
from ..domain.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    LaurelError,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    UnsupportedMediaType,
    ValidationFailed,
)
from ..store import bulk as store
from ..store import credentials as cred_store
from ..store import issuers as issuer_store
from ..store import object_keys
from . import clock, engagement, events, notify, openbadges, signing

if TYPE_CHECKING:
    from datetime import datetime

    from .. import schemas

MAX_ROWS = 100_000
MAX_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
CHUNK_ROWS = 250
CHUNK_BYTES = 200_000  # SQS allows 256 KiB per message
REQUIRED_COLUMNS = {"email", "first_name", "last_name", "template_id"}
OPTIONAL_COLUMNS = {"issued_at", "expires_at", "evidence_url", "evidence_narrative", "evidence_name", "earner_id",
                    "locale"}
# issue 19: "bulk CSV `Locale` column" as Credly's files spell it; `locale` like Laurel's other columns works too
COLUMN_ALIASES = {"Locale": "locale"}
# Row errors: a job (one DynamoDB item, 400 KB at most) and a 422 answer carry the
# first errors, bounded in bytes, and the count; when they do not all fit, the full
# report is a private S3 object (`GET /bulk-jobs/{id}/errors` hands out a short-lived
# link). A row's errors name the field and the rule, never the value sent, so the
# reports hold no recipient's data (the names of unknown fields are input too: counted).
MAX_MESSAGE_CHARS = 200
MAX_ROW_MESSAGES = 10
WORKER_ROW_MESSAGES = 3  # a chunk's failures stay one item: 250 rows x 3 x 200 chars is far below 400 KB
INLINE_ERROR_BYTES = 50_000
REPORT_LINK_SECONDS = 300


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
        if reader.fieldnames:
            reader.fieldnames = [COLUMN_ALIASES.get(h.strip(), h) if h else h for h in reader.fieldnames]
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
    wanted = REQUIRED_COLUMNS | {"issued_at", "earner_id", "locale"}
    row = {k: v for k, v in record.items() if k in wanted and v not in ("", None)}
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


def _validate(tenant_id: str, rows: list[dict], options: JobOptions) -> tuple[list[dict], list[dict], int]:
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
            errors.append({"row": number, "errors": _row_errors(exc)})
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


def _row_errors(exc: Any) -> list[str]:
    """A row's validation errors as short lines: where and which rule, never the value
    (pydantic's `msg` does not quote the input; an unknown field's name would, so
    unknown fields are counted instead). At most MAX_ROW_MESSAGES lines."""
    found = exc.errors(include_url=False)
    unknown = len([e for e in found if e["type"] == "extra_forbidden"])
    lines = [f"{unknown} unknown field{'s' if unknown > 1 else ''}: a row takes only "
             f"{', '.join(sorted(REQUIRED_COLUMNS | ISSUE_FIELDS))}"[:MAX_MESSAGE_CHARS]] if unknown else []
    lines += [f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {_QUOTED.sub('', e['msg'])}"[:MAX_MESSAGE_CHARS]
              for e in found if e["type"] != "extra_forbidden"]
    if len(lines) > MAX_ROW_MESSAGES:
        lines = lines[:MAX_ROW_MESSAGES - 1] + [f"and {len(lines) - MAX_ROW_MESSAGES + 1} more errors in this row"]
    return lines


ISSUE_FIELDS = {"issued_at", "expires_at", "evidence", "earner_id", "locale"}
# the address checker explains some refusals by quoting part of the address, in
# brackets: "not valid IDNA (Codepoint ... of 'label' not allowed)": left out
_QUOTED = re.compile(r"\s*\([^()]*['\"][^()]*\)")


def _first(errors: Any, budget: int = INLINE_ERROR_BYTES) -> list[dict]:
    """The leading errors whose JSON fits in `budget` bytes."""
    out, size = [], 0
    for error in errors:
        size += len(json.dumps(error)) + 2
        if size > budget:
            break
        out.append(error)
    return out


def _row_order(error: dict) -> tuple:
    return (error.get("row") is None, error.get("row") or 0)


def _put_report(tenant_id: str, job_id: str, name: str, errors: list[dict]) -> None:
    document = {"id": job_id, "error_count": len([e for e in errors if e.get("row") is not None]), "errors": errors}
    objects.put(object_keys.bulk_report_key(tenant_id, job_id, name), json.dumps(document).encode(), "application/json",
                cache_control="private, no-store")


def _errors_url(job_id: str) -> str:
    return f"{get_settings().public_base_url}/bulk-jobs/{job_id}/errors"


def create_job(tenant_id: str, raw: bytes, content_type: str, options: JobOptions) -> dict:
    from botocore.exceptions import BotoCoreError, ClientError

    rows = parse(raw, content_type)
    valid, errors, duplicates = _validate(tenant_id, rows, options)
    job_id = ids.new_local_id() + ids.new_local_id()
    inline = _first(errors)
    report = "rejected" if len(inline) < len(errors) else None
    if report:  # the rest do not fit in an answer or a job item: the full list goes to S3 first
        try:
            _put_report(tenant_id, job_id, report, errors)
        except (BotoCoreError, ClientError):
            raise ServiceUnavailable("the report of the file's row errors could not be stored; nothing was issued, "
                                     "try again", code="report_unavailable") from None
    if errors and options.mode == "all_or_nothing":
        raise ValidationFailed(f"{len(errors)} of {len(rows)} rows are not valid; nothing was issued",
                               code="invalid_rows", details={
                                   "errors": inline, "error_count": len(errors), "errors_truncated": bool(report),
                                   "errors_url": _errors_url(job_id) if report else None})
    chunks = _chunks(valid)
    now = iso(clock.utcnow())
    job = store.create_job(tenant_id, {
        "job_id": job_id, "tenant_id": tenant_id, "state": "queued" if chunks
        else "completed", "mode": options.mode, "source": content_type, "seed": ids.random_token(),
        "total": len(rows), "rejected": len(errors), "chunks": len(chunks), "duplicates": duplicates,
        "errors": inline, "report": report, "created_at": now, "updated_at": now,
    })
    _enqueue(job, chunks, options)
    return job_view(job)


def _enqueue(job: Any, chunks: list[list[dict]], options: JobOptions) -> None:
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
    chunks: list[list[dict]] = []
    current: list[dict] = []
    size = 0
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


def job_view(job: Any) -> dict:
    done = int(job.issued) + int(job.duplicates) + int(job.failed) + int(job.rejected)
    failures = store.chunk_failures(job, page_size=2) if int(job.failed or 0) else ()
    errors = _first(itertools.chain(job.errors or [], failures))  # read only as far as the view shows
    count = int(job.rejected) + int(job.failed)
    return {"id": job.job_id, "state": job.state, "mode": job.mode, "total": int(job.total),
            "issued": int(job.issued), "duplicates": int(job.duplicates), "failed": int(job.failed),
            "rejected": int(job.rejected), "progress": round(100 * done / job.total, 1) if job.total else 100.0,
            "chunks": int(job.chunks), "chunks_done": int(job.chunks_done),
            "errors": errors, "error_count": count,
            "errors_truncated": len([e for e in errors if e.get("row") is not None]) < count,
            # the full report: the rejected rows from the start, everything once the job completed
            "errors_url": _errors_url(job.job_id) if job.report else None,
            "created_at": job.created_at, "updated_at": job.updated_at}


def _job_id_ok(job_id: str) -> bool:
    return len(job_id) == 32 and bool(ids.LOCAL_ID.match(job_id[:16])) and bool(ids.LOCAL_ID.match(job_id[16:]))


def get_job(tenant_id: str, job_id: str) -> dict:
    return job_view(_job_item(tenant_id, job_id))


def _job_item(tenant_id: str, job_id: str) -> Any:
    job = store.get_job(tenant_id, job_id) if _job_id_ok(job_id) else None
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
               "evidence_narrative", "evidence_name", "earner_id", "locale")
assert set(CSV_COLUMNS) == REQUIRED_COLUMNS | OPTIONAL_COLUMNS


def _check_allowed(rows: list[dict], allowed_templates: list[str] | None) -> None:
    """A caller restricted to some templates (a console issuer) is refused a file any
    row of which names another (issue 14: "optionally restricted to a list of
    templates"); the refusal names the rows."""
    if allowed_templates is None:
        return
    allowed = set(allowed_templates)
    refused = [n for n, row in enumerate(rows, start=1)  # a row without a template is a row error, not this
               if isinstance(row, dict) and row.get("template_id") and row["template_id"] not in allowed]
    if refused:
        more = f" and {len(refused) - 20} more" if len(refused) > 20 else ""
        shown = ", ".join(str(n) for n in refused[:20]) + more
        raise Forbidden(f"you may not issue from the template named in row{'s' if len(refused) > 1 else ''} {shown}",
                        code="template_not_allowed")


def preview_job(tenant_id: str, raw: bytes, content_type: str, options: JobOptions, *,
                allowed_templates: list[str] | None = None) -> dict:
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
    inline = _first(errors)
    report = "rejected" if len(inline) < len(errors) else None  # as create_job: the API's view of the job links it
    try:  # the file (and a long report) first: a job never exists without its rows
        objects.put(object_keys.bulk_upload_key(tenant_id, job_id), json.dumps(kept).encode(), "application/json",
                    cache_control="private, no-store")
        if report:
            _put_report(tenant_id, job_id, report, errors)
    except (BotoCoreError, ClientError):
        raise ServiceUnavailable("the file could not be kept for its preview; nothing was issued, try again",
                                 code="preview_unavailable") from None
    now = iso(clock.utcnow())
    job = store.create_job(tenant_id, {
        "job_id": job_id, "tenant_id": tenant_id, "state": "previewed", "mode": options.mode, "source": content_type,
        "seed": ids.random_token(), "total": len(rows), "rejected": len(errors), "chunks": len(_chunks(valid)),
        "duplicates": duplicates, "errors": inline, "report": report, "created_at": now, "updated_at": now,
    })
    return job_view(job)


def errors_report(tenant_id: str, job_id: str) -> dict:
    """A short-lived link to the full row-error report of a job (or of a file refused
    as a whole), when its errors did not all fit in its answer. Only the caller's own
    tenant's reports are looked for."""
    found = set(objects.list_keys(object_keys.bulk_reports_prefix(tenant_id, job_id))) if _job_id_ok(job_id) else set()
    for name in ("errors", "rejected"):  # the complete report once the job completed, else the rejected rows
        key = object_keys.bulk_report_key(tenant_id, job_id, name)
        if key in found:
            return {"id": job_id, "url": objects.download_url(key, f"bulk-job-{job_id}-errors.json",
                                                              seconds=REPORT_LINK_SECONDS),
                    "expires_in": REPORT_LINK_SECONDS}
    raise NotFound("no error report: the job does not exist or its errors all fit in its own view")


def confirm_job(tenant_id: str, job_id: str, *, allowed_templates: list[str] | None = None) -> dict:
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


def _kept(job: Any) -> dict | None:
    """What `preview_job` kept of a job's file (None for a job that did not come
    through a preview: the issuer API's)."""
    kept = objects.get_if_present(object_keys.bulk_upload_key(job.tenant_id, job.job_id))
    return None if kept is None else json.loads(kept)


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
    from pydantic import ValidationError

    from .. import schemas
    from . import credentials
    from .templates import require as require_template

    tenant_id, job_id, chunk_no = message["tenant_id"], message["job_id"], int(message["chunk"])
    job = store.get_job(tenant_id, job_id)
    issuer = issuer_store.get_issuer(tenant_id)
    if job is None or issuer is None or issuer.offboarded_at:
        return {"skipped": True}  # the job or tenant is gone (or offboarded)
    if store.chunk_done(job, chunk_no):
        _complete_if_done(job)  # this chunk was issued and counted; the job may not have been completed
        return {"skipped": True}
    now = clock.utcnow()
    templates: dict[str, Any] = {}
    parsed: list[_Row] = []
    failures: list[dict] = []
    for raw in message["rows"]:
        fields = dict(raw)
        number = fields.pop("row")
        try:
            data = schemas.IssueIn.model_validate(fields)
            if data.template_id not in templates:
                templates[data.template_id] = require_template(tenant_id, data.template_id)
            if templates[data.template_id].state != "active":
                raise ValidationFailed(f"template is {templates[data.template_id].state}")
        except ValidationError as exc:
            failures.append({"row": number, "errors": _row_errors(exc)[:WORKER_ROW_MESSAGES]})
            continue
        except LaurelError as exc:
            failures.append({"row": number, "errors": [exc.message[:MAX_MESSAGE_CHARS]]})
            continue
        parsed.append(_Row(number, data, ids.email_hash(str(data.email)), _credential_id(tenant_id, job.seed, number)))
    # A chunk that was issued before its count was recorded (a crash, a timeout) comes
    # back with the same deterministic ids: what exists is never written again.
    already = cred_store.batch_get({r.cid for r in parsed})
    redelivered = len([1 for r in parsed if r.cid in already])
    parsed = [r for r in parsed if r.cid not in already]
    # who already holds what: the recipients' slots and their latest credentials, in batches
    slots = cred_store.recipient_slots(tenant_id, {(r.email_hash, r.data.template_id) for r in parsed})
    holders = cred_store.batch_get({s.latest for s in slots.values() if s.latest})
    first_index = openbadges.allocate_status_indexes(tenant_id, len(parsed)) if parsed else 0  # one write
    rsa_key = signing.active_rsa_key()
    built, duplicates = [], 0
    for offset, row in enumerate(parsed):
        slot = slots[(row.email_hash, row.data.template_id)]
        if _held_elsewhere(tenant_id, row, slot, holders.get(slot.latest), now):
            duplicates += 1
            continue
        try:
            item, token = credentials.build(tenant_id, issuer, templates[row.data.template_id], row.data, now, row.cid,
                                            first_index + offset, rsa_key)
        except (LaurelError, ValueError) as exc:
            failures.append({"row": row.number, "errors": [getattr(exc, "message", str(exc))[:MAX_MESSAGE_CHARS]]})
            continue
        built.append((row, item, token))
    # Claim each recipient's slot, then write: see the module docstring.
    items, mails = [], []
    for row, item, token in built:
        outcome = _claim(tenant_id, row, slots[(row.email_hash, row.data.template_id)], now)
        if outcome == "duplicate":
            duplicates += 1
        elif outcome == "busy":
            failures.append({"row": row.number, "errors": [BUSY_ROW]})
        else:
            items.append(item)
            if not row.data.suppress_email:
                mails.append((item, token))
    cred_store.batch_put(items)
    events.emit_many(tenant_id, "credential.created", [credentials.credential_view(i) for i in items])
    # rows a previous delivery wrote (its batch_put failed half way) are emitted again:
    # an issuance's event id is its credential's, so each is counted once
    for item in [*already.values(), *items]:
        engagement.issued(item, now)
    limiter = _RateLimiter(get_settings().bulk_mail_per_second)
    # issue 17 and 19: one read for the chunk's suppressed addresses and their owners' languages
    suppressed, languages = notify.mail_context_among([item for item, _ in mails])
    for item, token in mails:
        limiter.wait()
        notify.send_claim(item, token, issuer, suppressed=item.email_hash in suppressed,
                          earner_locale=languages.get(item.email_hash))
    store.finish_chunk(job, chunk_no, issued=len(items) + redelivered, duplicates=duplicates, failed=len(failures),
                       errors=failures, at=iso(clock.utcnow()))
    _complete_if_done(job)
    return {"issued": len(items), "duplicates": duplicates, "failed": len(failures)}


def _complete_if_done(job: Any) -> None:
    """Once every chunk is counted: the full error report (when the job's view cannot
    hold all its errors), then the job is marked completed. A worker that stops in
    between leaves the job counted but not completed; the next delivery of any of its
    chunks completes it (writing the same report again)."""
    if job.state == "completed" or int(job.chunks_done or 0) < int(job.chunks or 0):
        return
    report = job.report
    if int(job.failed or 0):
        failures = list(store.chunk_failures(job))
        rejected_key = object_keys.bulk_report_key(job.tenant_id, job.job_id, "rejected")
        rejects = json.loads(objects.get(rejected_key))["errors"] if report == "rejected" else list(job.errors or [])
        everything = sorted(rejects + failures, key=_row_order)
        if report or len(_first(everything)) < len(everything):
            _put_report(job.tenant_id, job.job_id, "errors", everything)
            report = "errors"
    store.mark_completed(job, report, iso(clock.utcnow()))


class _Row:
    __slots__ = ("number", "data", "email_hash", "cid")

    def __init__(self, number: int, data: schemas.IssueIn, email_hash: str, cid: str) -> None:
        self.number, self.data, self.email_hash, self.cid = number, data, email_hash, cid


CLAIM_ATTEMPTS = 5
BUSY_ROW = "this person's record kept changing while the row was issued; issue it again"


def _held_elsewhere(tenant_id: str, row: _Row, slot: Any, holder: Any, now: datetime) -> bool:
    """Under `deny`: does the person already hold this credential, other than through
    this very row? The slot's latest credential counts when it is pending or accepted,
    and, when it is not stored yet, while the claim that named it is in flight. A slot
    that names this row's own id was claimed by an earlier delivery of this chunk that
    stopped before writing: it is this row's, not a duplicate. When the latest does
    not count but the slot named others before it (a copy issued with `allow`, then
    revoked), the person's earlier copies are looked at too, as single issuance does."""
    if row.data.duplicate_policy != "deny" or not slot.latest or slot.latest == row.cid:
        return False
    if holder is not None and holder.status in rules.BLOCKING_STATUSES:
        return True
    if holder is None and rules.claim_in_flight(parse_iso(slot.claimed_at) if slot.claimed_at else None, now):
        return True
    if int(slot.version or 0) <= 1:
        return False  # the latest is the only credential this slot ever named
    return any(c.status in rules.BLOCKING_STATUSES and c.credential_id != row.cid
               for c in cred_store.for_recipient(tenant_id, row.email_hash, row.data.template_id))


def _claim(tenant_id: str, row: _Row, slot: Any, now: datetime) -> str:
    """'issue' once the slot names this row's credential, 'duplicate' if someone else
    issued to this person first (under deny), 'busy' if the slot kept moving."""
    for _ in range(CLAIM_ATTEMPTS):
        if cred_store.claim_slot(slot, row.cid, iso(now)):
            return "issue"
        # someone moved the slot since it was read: read it (and its holder) again, decide again
        fresh = cred_store.recipient_slot(tenant_id, row.email_hash, row.data.template_id)
        holder = cred_store.get_consistent(fresh.latest) if fresh.latest and fresh.latest != row.cid else None
        if _held_elsewhere(tenant_id, row, fresh, holder, now):
            return "duplicate"
        slot = fresh
    return "busy"


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
