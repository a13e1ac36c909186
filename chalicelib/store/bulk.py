"""Bulk jobs: the job item with its counters, and one marker per finished chunk."""

from __future__ import annotations

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from . import keys
from .credentials import _connection
from .models import ChunkItem, JobItem


def _job_key(tenant_id: str, job_id: str) -> tuple[str, str]:
    return keys.tenant_pk(tenant_id), f"JOB#{job_id}"


def _chunk_key(tenant_id: str, job_id: str, chunk: int) -> tuple[str, str]:
    return f"{keys.tenant_pk(tenant_id)}#JOB#{job_id}", f"CHUNK#{chunk:06d}"


def create_job(tenant_id: str, fields: dict) -> JobItem:
    job = JobItem(*_job_key(tenant_id, fields["job_id"]), **fields)
    job.save(condition=JobItem.pk.does_not_exist())
    return job


def get_job(tenant_id: str, job_id: str) -> JobItem | None:
    try:
        return JobItem.get(*_job_key(tenant_id, job_id), consistent_read=True)
    except JobItem.DoesNotExist:
        return None


def chunk_done(tenant_id: str, job_id: str, chunk: int) -> bool:
    try:
        ChunkItem.get(*_chunk_key(tenant_id, job_id, chunk), consistent_read=True)
        return True
    except ChunkItem.DoesNotExist:
        return False


def finish_chunk(job: JobItem, chunk: int, *, issued: int, duplicates: int, failed: int, errors: list,
                 at: str) -> bool:
    """Record a chunk as done and add its counts, in one transaction: a chunk that is
    processed twice at the same moment is counted once. False if it was already done."""
    marker = ChunkItem(*_chunk_key(job.tenant_id, job.job_id, chunk))
    actions = [JobItem.issued.add(issued), JobItem.duplicates.add(duplicates), JobItem.failed.add(failed),
               JobItem.chunks_done.add(1), JobItem.updated_at.set(at)]
    if errors:
        actions.append(JobItem.errors.set(JobItem.errors.append(errors)))
    try:
        with TransactWrite(connection=_connection()) as tx:
            tx.save(marker, condition=ChunkItem.pk.does_not_exist())
            tx.update(job, actions=actions)
    except TransactWriteError:
        return False
    job.refresh(consistent_read=True)
    if int(job.chunks_done) >= int(job.chunks) and job.state != "completed":
        job.update(actions=[JobItem.state.set("completed")])
    return True
