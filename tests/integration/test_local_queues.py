"""The local queue consumer of `make run` (scripts/local_queues.py), in-process on moto:
it finds every SQS handler of the app, hands it the event Lambda would, deletes what
succeeded and leaves what failed for SQS's retry and dead-letter queue."""

from __future__ import annotations

import dataclasses
import json

import boto3
import pytest

from scripts import local_queues
from tests.conftest import body
from tests.helpers import active_template, auth, new_issuer

LAMBDA_RECORD_KEYS = {"messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody",
                      "eventSource", "eventSourceARN", "awsRegion"}


@pytest.fixture()
def sqs(client):
    return boto3.client("sqs", region_name="us-east-1")


@pytest.fixture()
def found(sqs):
    from app import app

    return {c.name: c for c in local_queues.consumers(app, sqs)}


def spying(consumer, events):
    def handler(event, context):
        events.append((event, context))
        return consumer.handler(event, context)

    return dataclasses.replace(consumer, handler=handler)


def test_every_sqs_handler_of_the_app_is_consumed(found):
    assert {(c.name, c.queue, c.batch_size) for c in found.values()} == {
        ("bulk_worker", "laurel-test-bulk", 5), ("deliver_webhooks", "laurel-test-events", 10)}


def test_a_bulk_job_runs_through_the_real_handler_with_lambdas_event(client, sqs, found):
    _, key = new_issuer()
    tpl = active_template(client, key)
    csv = "email,first_name,last_name,template_id\n" + "".join(f"q{i}@example.com,Q,L{i},{tpl}\n" for i in range(3))
    job = body(client.http.post("/bulk-jobs?suppress_email=true", headers={**auth(key), "Content-Type": "text/csv"},
                                body=csv.encode()))
    events: list = []
    sqs.send_message(QueueUrl=found["bulk_worker"].queue_url, MessageBody="x", MessageAttributes={
        "origin": {"DataType": "String", "StringValue": "test"}})  # not a chunk: the handler reports it failed
    consumer = spying(found["bulk_worker"], events)
    done = failed = 0
    for _ in range(5):
        d, f = local_queues.poll_once(sqs, consumer, "us-east-1", wait_seconds=0)
        done, failed = done + d, failed + f
    assert (done, failed) == (1, 1)
    state = body(client.http.get(f"/bulk-jobs/{job['id']}", headers=auth(key)))
    assert (state["state"], state["issued"]) == ("completed", 3)
    records = [r for event, _ in events for r in event["Records"]]
    assert all(set(r) == LAMBDA_RECORD_KEYS for r in records)
    assert {r["eventSource"] for r in records} == {"aws:sqs"}
    assert all(r["eventSourceARN"].endswith(":laurel-test-bulk") and r["awsRegion"] == "us-east-1" for r in records)
    assert all(r["attributes"]["ApproximateReceiveCount"] == "1" for r in records)
    odd = next(r for r in records if r["body"] == "x")
    assert odd["messageAttributes"]["origin"]["stringValue"] == "test"
    assert odd["messageAttributes"]["origin"]["dataType"] == "String"
    context = events[0][1]
    assert context.function_name == "bulk_worker" and context.get_remaining_time_in_millis() > 0


def test_failed_messages_stay_on_the_queue_for_the_retry(client, sqs, found):
    consumer = found["deliver_webhooks"]
    sqs.send_message(QueueUrl=consumer.queue_url, MessageBody=json.dumps({"not": "a delivery"}))
    assert local_queues.poll_once(sqs, consumer, "us-east-1", wait_seconds=0) == (0, 1)
    counts = sqs.get_queue_attributes(QueueUrl=consumer.queue_url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessagesNotVisible"] == "1"  # received, not deleted: back after the timeout
