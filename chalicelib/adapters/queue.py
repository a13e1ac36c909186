"""SQS: send messages (optionally delayed), and create queues for local/test set-up.

The events queue (webhook deliveries) and its dead-letter queue are settings
(`config.Settings.events_queue`/`events_dlq`: `LAUREL_EVENTS_QUEUE`, default
`laurel-<stage>-events`, and `LAUREL_EVENTS_DLQ`, default `<events queue>-dlq`).
`config` is cheap to import, so the route module can name the queue at import.
"""

from __future__ import annotations

import json
from typing import Any

from ..config import get_settings
from .aws import client

MAX_DELAY_SECONDS = 900  # SQS's limit for DelaySeconds
MAX_BATCH_BYTES = 900_000  # SQS allows 1 MiB per batch; room for the envelope
_urls: dict[str, str] = {}


def events_queue_name() -> str:
    return get_settings().events_queue


def events_dlq_name() -> str:
    return get_settings().events_dlq


def queue_url(name: str) -> str:
    """The URL of a queue by name (looked up once per process)."""
    url = _urls.get(name)
    if url is None:
        url = client("sqs").get_queue_url(QueueName=name)["QueueUrl"]
        _urls[name] = url
    return url


def _url(queue_url_or_name: str) -> str:
    if queue_url_or_name.startswith(("https://", "http://")):
        return queue_url_or_name
    return queue_url(queue_url_or_name)


def send(queue_url_or_name: str, body: dict[str, Any], delay_seconds: int = 0) -> str:
    """Send one JSON message; `delay_seconds` is clamped to SQS's 0..900. Returns its id."""
    delay = max(0, min(int(delay_seconds), MAX_DELAY_SECONDS))
    response = client("sqs").send_message(
        QueueUrl=_url(queue_url_or_name),
        MessageBody=json.dumps(body, separators=(",", ":"), sort_keys=True),
        DelaySeconds=delay,
    )
    return response["MessageId"]


def ensure_queue(name: str, dlq_name: str, *, max_receive_count: int = 5, visibility_timeout: int = 720) -> str:
    """Local and test set-up (idempotent): a queue whose messages move to `dlq_name`
    after `max_receive_count` failed receives. A deployment's queues come from infra/.
    Returns the queue's URL."""
    sqs = client("sqs")
    dlq_url = sqs.create_queue(QueueName=dlq_name,
                               Attributes={"MessageRetentionPeriod": str(14 * 24 * 3600)})["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": str(visibility_timeout),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}),
        },
    )["QueueUrl"]
    _urls[name], _urls[dlq_name] = url, dlq_url
    return url


def send_batch(queue_url_or_name: str, bodies: list[dict[str, Any]]) -> None:
    """Send many JSON messages, ten per SendMessageBatch call; any entry SQS refuses is
    raised as an error so the caller never believes a lost chunk was queued."""
    url = _url(queue_url_or_name)
    batch: list[str] = []

    def flush() -> None:
        entries = [{"Id": str(i), "MessageBody": b} for i, b in enumerate(batch)]
        response = client("sqs").send_message_batch(QueueUrl=url, Entries=entries)
        if response.get("Failed"):
            raise RuntimeError(f"SQS refused {len(response['Failed'])} messages: {response['Failed'][0]}")
        batch.clear()

    for body in bodies:  # at most 10 messages and 1 MiB per SendMessageBatch
        text = json.dumps(body, separators=(",", ":"))
        if batch and (len(batch) == 10 or sum(len(b) for b in batch) + len(text) > MAX_BATCH_BYTES):
            flush()
        batch.append(text)
    if batch:
        flush()
