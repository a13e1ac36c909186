"""Bulk issuance under moto in-process: 10,000 credentials as one CSV job, the SQS
handler invoked as Lambda would (Chalice test client, generated SQS events), against
10,000 single API issuances, in one run. Mail is suppressed on both sides (SES time
is not what either path is about; the bulk path's mail is rate-limited by design).

Prints DynamoDB write requests per bulk credential (PutItem, UpdateItem, DeleteItem,
BatchWriteItem, TransactWriteItems calls), both timings, then `bulk_speedup` last.
Usage: python benchmarks/bulk.py [rows]   (default 10000)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _moto_env import setup  # noqa: E402

setup()

WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


SINGLE_BATCH = 250


def singles(rows: int) -> float:
    """Time `rows` single issuances through the API. moto copies the whole table on
    every TransactWriteItems (its rollback), which real DynamoDB does not; so the
    singles run in batches of 250, each on a fresh embedded AWS, and only the
    issuing requests are timed. Without this the singles' cost would grow with the
    table and the comparison would flatter the bulk path."""
    from chalice.test import Client
    from moto import mock_aws

    from app import app

    total, done = 0.0, 0
    while done < rows:
        with mock_aws():
            from chalicelib.adapters import queue
            from chalicelib.cli import init_resources
            from chalicelib.demo import seed

            queue._urls.clear()
            init_resources()
            demo = seed()
            headers = {"Authorization": f"Bearer {demo['api_key']}", "Content-Type": "application/json"}
            with Client(app, project_dir=tempfile.mkdtemp()) as client:
                n = min(SINGLE_BATCH, rows - done)
                start = time.perf_counter()
                for i in range(n):
                    res = client.http.post("/credentials", headers=headers, body=json.dumps({
                        "template_id": demo["template_id"], "email": f"single{done + i}@example.com",
                        "first_name": "S", "last_name": str(i), "suppress_email": True}))
                    assert res.status_code == 201, res.body
                total += time.perf_counter() - start
                done += n
    return total


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    import boto3
    from chalice.test import Client
    from moto import mock_aws

    from tests.aws_calls import recording

    with mock_aws():
        from app import app
        from chalicelib.cli import init_resources
        from chalicelib.demo import seed
        from chalicelib.services.bulk import bulk_queue_name

        init_resources()
        demo = seed()
        key, tpl = demo["api_key"], demo["template_id"]
        headers = {"Authorization": f"Bearer {key}"}
        csv = "email,first_name,last_name,template_id\n" + "".join(
            f"bulk{i}@example.com,First{i},Last{i},{tpl}\n" for i in range(rows))
        sqs = boto3.client("sqs", region_name="us-east-1")
        queue = bulk_queue_name()
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        with Client(app, project_dir=tempfile.mkdtemp()) as client:
            with recording() as calls:
                start = time.perf_counter()
                res = client.http.post("/bulk-jobs?suppress_email=true", body=csv.encode(),
                                       headers={**headers, "Content-Type": "text/csv"})
                assert res.status_code == 202, res.body
                job_id = json.loads(res.body)["id"]
                while True:
                    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=5).get("Messages", [])
                    if not got:
                        break
                    event = client.events.generate_sqs_event(message_bodies=[m["Body"] for m in got],
                                                             queue_name=queue)
                    assert client.lambda_.invoke("bulk_worker", event).payload == {"batchItemFailures": []}
                    sqs.delete_message_batch(QueueUrl=url, Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])
                bulk_seconds = time.perf_counter() - start
            job = json.loads(client.http.get(f"/bulk-jobs/{job_id}", headers=headers).body)
            assert job["issued"] == rows and job["state"] == "completed", job
            writes = sum(1 for c in calls if c.startswith("dynamodb.") and c.split(".")[1] in WRITES)

    if os.environ.get("BULK_ONLY"):
        print(f"bulk_seconds {bulk_seconds:.1f}")
        print(f"bulk_writes_per_credential {writes / rows:.3f}")
        return
    single_seconds = singles(rows)

    print(f"bulk_credentials {rows}")
    print(f"bulk_dynamodb_write_requests {writes}")
    print(f"bulk_seconds {bulk_seconds:.1f}")
    print(f"single_seconds {single_seconds:.1f}")
    print(f"bulk_writes_per_credential {writes / rows:.3f}")
    print(f"bulk_speedup {single_seconds / bulk_seconds:.2f}")


if __name__ == "__main__":
    main()
