"""Bulk jobs: the job item with its counters and the set of chunks already counted,
and its chunks' failed rows (a job's full row-error reports and a console upload's
kept file are S3 objects: see object_keys.bulk_report_key and bulk_upload_key).

A job's state: `previewed` (the console's upload, validated, waiting for its
confirmation), `queued`, `completed` or `failed`."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.expressions.update import Action

from . import keys
from .conditional import update_if
from .models import ChunkFailuresItem, JobItem


def create_job(tenant_id: str, fields: dict) -> JobItem:
    job = JobItem(*keys.job_key(tenant_id, fields["job_id"]), **fields)
    job.save(condition=JobItem.pk.does_not_exist())
    return job


def get_job(tenant_id: str, job_id: str) -> JobItem | None:
    try:
        return JobItem.get(*keys.job_key(tenant_id, job_id), consistent_read=True)
    except JobItem.DoesNotExist:
        return None


def mark_queued(job: JobItem, at: str) -> bool:
    """A previewed job (the console's upload, validated, nothing queued yet) becomes
    queued, once: the state moves only from `previewed`. False if it had moved already
    (a second confirm); `job` holds the new state afterwards."""
    return update_if(job, [JobItem.state.set("queued"), JobItem.updated_at.set(at)], JobItem.state == "previewed")


def mark_failed(job: JobItem, reason: str, at: str) -> None:
    job.update(actions=[JobItem.state.set("failed"), JobItem.updated_at.set(at),
                        JobItem.errors.set((job.errors or []) + [{"row": None, "errors": [reason]}])])


def chunk_failures(job: JobItem, *, page_size: int | None = None) -> Iterator[dict]:
    """The rows that failed in the worker, chunk by chunk, read lazily (a caller that
    stops early reads only the pages it used)."""
    pk = keys.job_failures_pk(job.tenant_id, job.job_id)
    for item in ChunkFailuresItem.query(pk, ChunkFailuresItem.sk.startswith(keys.CHUNK_FAILURES_PREFIX),
                                        page_size=page_size):
        yield from item.errors


def mark_completed(job: JobItem, report: str | None, at: str) -> None:
    actions: list[Action] = [JobItem.state.set("completed"), JobItem.updated_at.set(at)]
    if report:
        actions.append(JobItem.report.set(report))
    job.update(actions=actions)


def chunk_done(job: JobItem, chunk: int) -> bool:
    return chunk in (job.done_chunks or set())


def finish_chunk(job: JobItem, chunk: int, *, issued: int, duplicates: int, failed: int, errors: list,
                 at: str) -> bool:
    """Add a chunk's counts and mark it counted, in one conditional UpdateItem: a chunk
    processed twice (re-delivery, or two workers at once) is counted once. False if
    it had been counted already. `job` holds the new counts afterwards; completing
    the job is the caller's (mark_completed)."""
    actions = [JobItem.issued.add(issued), JobItem.duplicates.add(duplicates), JobItem.failed.add(failed),
               JobItem.chunks_done.add(1), JobItem.done_chunks.add({chunk}), JobItem.updated_at.set(at)]
    if errors:  # a chunk's failed rows: their own item, so chunks never rewrite each other's
        ChunkFailuresItem(keys.job_failures_pk(job.tenant_id, job.job_id), keys.chunk_failures_sk(chunk),
                          errors=errors).save()
    return update_if(job, actions, JobItem.pk.exists() & ~JobItem.done_chunks.contains(chunk))
