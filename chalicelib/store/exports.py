"""Export jobs (issue 15 item 3): the job item with its progress, and the reads an
export makes (a page of the tenant's credentials at a time, its templates).

A job's state: `queued` (its first step is on the queue), `running`, `completed` (its
file is written) or `failed` (it could not be queued, or a step cannot ever succeed).
The file and its parts are S3 objects: object_keys.org_exports_prefix.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import PutError
from pynamodb.expressions.condition import Condition

from . import keys, paging
from .conditional import update_if
from .credentials import _DAY_END, _query
from .models import CredentialItem, ExportJobItem, MarkerItem, TemplateItem

LISTED_JOBS = 20


def create_job(tenant_id: str, fields: dict) -> ExportJobItem:
    job = ExportJobItem(*keys.export_job_key(tenant_id, fields["job_id"]), **fields)
    job.save(condition=ExportJobItem.pk.does_not_exist())
    return job


def get_job(tenant_id: str, job_id: str) -> ExportJobItem | None:
    try:
        return ExportJobItem.get(*keys.export_job_key(tenant_id, job_id), consistent_read=True)
    except ExportJobItem.DoesNotExist:
        return None


def recent_jobs(tenant_id: str, requested_by: str | None = None, limit: int = LISTED_JOBS) -> list[ExportJobItem]:
    """The tenant's newest jobs (job ids start with their creation time), of one
    requester when given. One Query of the tenant's partition, within the EXPORT# range."""
    condition = (ExportJobItem.requested_by == requested_by) if requested_by else None
    result = ExportJobItem.query(keys.tenant_pk(tenant_id),
                                 ExportJobItem.sk.startswith(keys.EXPORT_JOB_PREFIX), filter_condition=condition,
                                 scan_index_forward=False, limit=limit, consistent_read=True)
    return list(result)


def advance(job: ExportJobItem, step: int, changes: dict[str, Any], at: str) -> bool:
    """Count step `step` as done: one conditional UpdateItem that moves `step` on by one
    and sets `changes` (cursor, done, parts, ...), only if the job is still at `step`
    and not finished. False when another run counted it first."""
    actions = [ExportJobItem.step.set(step + 1), ExportJobItem.state.set("running"),
               ExportJobItem.updated_at.set(at)]
    for name, value in changes.items():
        attribute = getattr(ExportJobItem, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    return update_if(job, actions, (ExportJobItem.step == step) & ExportJobItem.state.is_in("queued", "running"))


def complete(job: ExportJobItem, step: int, *, file_key: str, file_bytes: int, at: str) -> bool:
    """The file is written: the job is completed, once (the same step condition)."""
    return update_if(job, [ExportJobItem.state.set("completed"), ExportJobItem.file_key.set(file_key),
                           ExportJobItem.file_bytes.set(file_bytes), ExportJobItem.step.set(step + 1),
                           ExportJobItem.completed_at.set(at), ExportJobItem.updated_at.set(at)],
                     (ExportJobItem.step == step) & ExportJobItem.state.is_in("queued", "running"))


def fail(job: ExportJobItem, reason: str, at: str) -> bool:
    return update_if(job, [ExportJobItem.state.set("failed"), ExportJobItem.error.set(reason),
                           ExportJobItem.updated_at.set(at)], ExportJobItem.state.is_in("queued", "running"))


def mark_mailed(job: ExportJobItem, at: str) -> bool:
    return update_if(job, [ExportJobItem.mailed_at.set(at)], ExportJobItem.mailed_at.does_not_exist())


# ------------------------------------------------------------------ what an export reads


def credentials_page(tenant_id: str, *, created_from: str | None, created_to: str | None, template_id: str | None,
                     cursor: str | None, limit: int) -> tuple[list[CredentialItem], str | None]:
    """Up to `limit` of the tenant's credentials created in the range (days, both
    included; of one template when given), newest first, and the cursor to go on
    with (None: the last page). The listing query of the console and the API."""
    result = _query(tenant_id, template_id=template_id, statuses=None, expires_before=None, email_hash=None,
                    created_from=created_from, created_to=created_to, cursor=cursor, limit=limit)
    items = list(result)
    return items, paging.encode(result.last_evaluated_key)


def count_credentials(tenant_id: str, *, created_from: str | None, created_to: str | None,
                      template_id: str | None) -> int:
    """How many credentials an export will write (Select=COUNT over the same key range,
    so no item is transferred)."""
    low, high = created_from or "", (created_to + _DAY_END) if created_to else "\U0010ffff"
    range_key: Condition | None = None
    if created_from or created_to:
        range_key = CredentialItem.gsi1sk.between(low, high)
    condition = (CredentialItem.template_id == template_id) if template_id else None
    return CredentialItem.by_tenant.count(keys.tenant_credentials_pk(tenant_id), range_key,
                                          filter_condition=condition)


def templates(tenant_id: str) -> list[TemplateItem]:
    """Every template of the tenant, whole (one Query of its partition)."""
    return list(TemplateItem.query(keys.tenant_pk(tenant_id), TemplateItem.sk.startswith(keys.TEMPLATE_PREFIX)))


# ------------------------------------------------------------------ the monthly summary


def claim_month(month: str) -> bool:
    """Mark the month's summary mails as sent, once (False: a run did already). Marked
    before sending: a run that stops half way leaves the rest unsent rather than
    mailing anyone twice (the mail is a courtesy)."""
    try:
        MarkerItem(keys.PLATFORM_PK, keys.monthly_summary_sk(month), value=month).save(
            condition=MarkerItem.pk.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True
