"""The SQS adapter (chalicelib/adapters/queue.py): batches within SQS's limits, nothing lost."""

from __future__ import annotations

import json

import boto3
import pytest

from chalicelib.adapters import queue
from tests.aws_calls import requests

NAME = "laurel-test-bulk"
# "The maximum allowed individual message size and the maximum total payload size (the sum of
# the individual lengths of all of the batched messages) are both 1 MiB (1,048,576 bytes)";
# "you can send up to 10 messages" per SendMessageBatch (SQS API reference).
MAX_BATCH_BYTES, MAX_BATCH_ENTRIES = 1_048_576, 10


def received() -> list[dict]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=NAME)["QueueUrl"]
    out = []
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        out += [json.loads(m["Body"]) for m in got]
    return out


@pytest.mark.parametrize("count, pad, batches", [
    (12, 200_000, None),  # the payload limit decides
    (25, 10, [10, 10, 5]),  # the entry limit decides
])
def test_send_batch_respects_the_batch_limits_and_sends_everything(aws_env, count, pad, batches):
    bodies = [{"n": i, "pad": "x" * pad} for i in range(count)]
    with requests() as calls:
        queue.send_batch(NAME, bodies)
    sent = [c.params["Entries"] for c in calls if c.name == "sqs.SendMessageBatch"]
    for entries in sent:
        assert len(entries) <= MAX_BATCH_ENTRIES
        assert sum(len(e["MessageBody"].encode()) for e in entries) <= MAX_BATCH_BYTES
    if batches:
        assert [len(entries) for entries in sent] == batches
    assert [json.loads(e["MessageBody"]) for entries in sent for e in entries] == bodies
    assert sorted(received(), key=lambda b: b["n"]) == bodies
