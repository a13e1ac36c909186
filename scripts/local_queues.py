"""What Lambda's SQS event source mappings do in a deployment, for `make run`.

`chalice local` serves HTTP only; nothing consumes the queues (DESIGN.md). Here one
thread per SQS handler of the app (`app.on_sqs_message`: the bulk worker, the webhook
deliveries) long-polls its queue on the embedded AWS and calls the very handler
Lambda calls, with the event Lambda builds (`Records` of `messageId`,
`receiptHandle`, `body`, `attributes`, `messageAttributes`, `md5OfBody`,
`eventSource`, `eventSourceARN`, `awsRegion`) and a Lambda context. As with
`ReportBatchItemFailures`, the messages the handler reports as failed (its
`batchItemFailures`), or the whole batch if it raises, are left on the queue: they
come back after the visibility timeout and, after the redrive policy's receive
count, move to the dead-letter queue. The rest are deleted. Delayed messages
(`DelaySeconds`, the webhook retries) are received when SQS releases them.

Used by scripts/run_local.py; tests can drive `poll_once` directly.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from typing import Any, Callable

MEMORY_MB = 512  # reported by the Lambda context, as in the deployment


@dataclass(frozen=True)
class Consumer:
    """One SQS handler of the app and the queue it reads."""

    name: str  # the handler's Lambda function name
    queue: str
    queue_url: str
    queue_arn: str
    batch_size: int
    timeout_ms: int  # as long as the queue hides a received message
    handler: Callable[[dict, Any], Any]


def consumers(app, sqs) -> list[Consumer]:
    """Every `on_sqs_message` handler of `app` (found in its event sources, so a new
    one is consumed without being listed here)."""
    from chalice.app import SQSEventConfig

    found = []
    for source in app.event_sources:
        if not isinstance(source, SQSEventConfig) or not source.queue:
            continue
        url = sqs.get_queue_url(QueueName=source.queue)["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn", "VisibilityTimeout"])
        attributes = attributes["Attributes"]
        found.append(Consumer(source.name, source.queue, url, attributes["QueueArn"], source.batch_size,
                              int(attributes["VisibilityTimeout"]) * 1000, app.handler_map[source.name]))
    return found


def _attribute_value(value: dict) -> dict:
    """An SQS API message attribute in the shape Lambda's event gives it."""
    return {"stringValue": value.get("StringValue"), "binaryValue": value.get("BinaryValue"),
            "stringListValues": value.get("StringListValues", []),
            "binaryListValues": value.get("BinaryListValues", []), "dataType": value.get("DataType")}


def lambda_record(message: dict, queue_arn: str, region: str) -> dict:
    """One received message as a record of Lambda's SQS event."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {k: _attribute_value(v) for k, v in message.get("MessageAttributes", {}).items()},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def poll_once(sqs, consumer: Consumer, region: str, wait_seconds: int = 5) -> tuple[int, int]:
    """Receive up to one batch, hand it to the handler, delete what succeeded.
    Returns (done, left on the queue)."""
    from chalice.local import LambdaContext

    got = sqs.receive_message(QueueUrl=consumer.queue_url, MaxNumberOfMessages=min(consumer.batch_size, 10),
                              WaitTimeSeconds=wait_seconds, AttributeNames=["All"],
                              MessageAttributeNames=["All"]).get("Messages", [])
    if not got:
        return 0, 0
    event = {"Records": [lambda_record(m, consumer.queue_arn, region) for m in got]}
    try:
        result = consumer.handler(event, LambdaContext(consumer.name, MEMORY_MB, consumer.timeout_ms))
        failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
    except Exception as exc:  # noqa: BLE001 - as in Lambda: the whole batch comes back later
        print(f"{consumer.name}: {exc.__class__.__name__}: {exc}", file=sys.stderr, flush=True)
        failed = {m["MessageId"] for m in got}
    done = [m for m in got if m["MessageId"] not in failed]
    if done:
        sqs.delete_message_batch(QueueUrl=consumer.queue_url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)])
    if failed:
        print(f"{consumer.name}: {len(failed)} message(s) left on {consumer.queue} for a retry", file=sys.stderr,
              flush=True)
    return len(done), len(failed)


def start(app, sqs, region: str, stop: threading.Event | None = None) -> list[Consumer]:
    """A daemon thread per consumer, polling until `stop` is set. Returns the consumers."""
    stop = stop or threading.Event()
    found = consumers(app, sqs)

    def loop(consumer: Consumer) -> None:
        while not stop.is_set():
            try:
                poll_once(sqs, consumer, region)
            except Exception as exc:  # noqa: BLE001 - keep consuming; say what failed
                print(f"{consumer.name}: {exc.__class__.__name__}: {exc}", file=sys.stderr, flush=True)
                stop.wait(1)

    for consumer in found:
        threading.Thread(target=loop, args=(consumer,), name=f"sqs-{consumer.name}", daemon=True).start()
    return found
