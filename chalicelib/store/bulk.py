"""Bulk jobs: the job item with its counters and the set of chunks already counted.

A job's state: `previewed` (the console's upload, validated, waiting for its
confirmation), `queued`, `completed` or `failed`."""

from __future__ import annotations

from . import keys
from .conditional import update_if
from .models import ChunkFailuresItem, JobItem


def _job_key(tenant_id: str, job_id: str) -> tuple[str, str]:
    return keys.tenant_pk(tenant_id), f"JOB#{job_id}"


def create_job(tenant_id: str, fields: dict) -> JobItem:
    job = JobItem(*_job_key(tenant_id, fields["job_id"]), **fields)
    job.save(condition=JobItem.pk.does_not_exist())
    return job


def get_job(tenant_id: str, job_id: str) -> JobItem | None:
    try:
        return JobItem.get(*_job_key(tenant_id, job_id), consistent_read=True)
    except JobItem.DoesNotExist:
        return None


def mark_queued(job: JobItem, at: str) -> bool:
    """A previewed job (the console's upload, validated, nothing queued yet) becomes
    queued, once: the state moves only from `previewed`. False if it had moved already
    (a second confirm); `job` holds the new state afterwards."""
    return update_if(job, [JobItem.state.set("queued"), JobItem.updated_at.set(at)], JobItem.state == "previewed")


def preview_key(tenant_id: str, job_id: str) -> str:
    """Where a previewed job's file and valid rows are kept: the private bucket, never
    under `assets/` (which the CDN serves)."""
    return f"bulk/{tenant_id}/{job_id}/preview.json"


def mark_failed(job: JobItem, reason: str, at: str) -> None:
    job.update(actions=[JobItem.state.set("failed"), JobItem.updated_at.set(at),
                        JobItem.errors.set((job.errors or []) + [{"row": None, "errors": [reason]}])])


def chunk_failures(job: JobItem) -> list[dict]:
    pk = keys.job_failures_pk(job.tenant_id, job.job_id)
    return [e for item in ChunkFailuresItem.query(pk, ChunkFailuresItem.sk.startswith("FAIL#")) for e in item.errors]


def chunk_done(job: JobItem, chunk: int) -> bool:
    return chunk in (job.done_chunks or set())


def finish_chunk(job: JobItem, chunk: int, *, issued: int, duplicates: int, failed: int, errors: list,
                 at: str) -> bool:
    """Add a chunk's counts and mark it counted, in one conditional UpdateItem: a chunk
    processed twice (re-delivery, or two workers at once) is counted once. False if
    it had been counted already."""
    actions = [JobItem.issued.add(issued), JobItem.duplicates.add(duplicates), JobItem.failed.add(failed),
               JobItem.chunks_done.add(1), JobItem.done_chunks.add({chunk}), JobItem.updated_at.set(at)]
    if errors:  # a chunk's failed rows: their own item, so chunks never rewrite each other's
        ChunkFailuresItem(keys.job_failures_pk(job.tenant_id, job.job_id), f"FAIL#{chunk:06d}",
                          errors=errors).save()
    if not update_if(job, actions, JobItem.pk.exists() & ~JobItem.done_chunks.contains(chunk)):
        return False
    if job.state != "completed" and int(job.chunks_done) >= int(job.chunks):  # the update returned the new counts
        job.update(actions=[JobItem.state.set("completed")])
    return True
