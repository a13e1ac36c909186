"""Offboarding cost under moto in-process: a tenant with N credentials (issued as one
bulk job; a third then accepted, a tenth rejected, the rest pending), a second
tenant beside it, then the dry run and the confirmation (continued on the bulk
worker if the API run's 20 s run out).

Prints the AWS requests of each step by operation, and DynamoDB requests per
credential. moto's timings are not DynamoDB's; the request counts are.
Usage: python benchmarks/offboarding.py [credentials]   (default 2000)
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _moto_env import setup  # noqa: E402

setup()


def drain(client, sqs, queue, url) -> None:
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=5).get("Messages", [])
        if not got:
            return
        event = client.events.generate_sqs_event(message_bodies=[m["Body"] for m in got], queue_name=queue)
        assert client.lambda_.invoke("bulk_worker", event).payload == {"batchItemFailures": []}
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    import boto3
    from chalice.test import Client
    from moto import mock_aws

    from tests.aws_calls import recording

    with mock_aws():
        from app import app
        from chalicelib.cli import init_resources
        from chalicelib.demo import seed
        from chalicelib.services import ops
        from chalicelib.services.bulk import bulk_queue_name
        from chalicelib.store import keys
        from chalicelib.store.models import CredentialItem

        init_resources()
        demo = seed()
        seed()  # another tenant, untouched
        key, tpl = demo["api_key"], demo["template_id"]
        tenant = demo["tenant_id"]
        sqs = boto3.client("sqs", region_name="us-east-1")
        queue = bulk_queue_name()
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        operator = ops.create_operator_key("bench")
        op = {"Authorization": f"Bearer {operator}", "Content-Type": "application/json"}
        with Client(app, project_dir=tempfile.mkdtemp()) as client:
            csv = "email,first_name,last_name,template_id\n" + "".join(
                f"p{i}@example.com,F{i},L{i},{tpl}\n" for i in range(n))
            res = client.http.post("/bulk-jobs?suppress_email=true", body=csv.encode(),
                                   headers={"Authorization": f"Bearer {key}", "Content-Type": "text/csv"})
            assert res.status_code == 202, res.body
            drain(client, sqs, queue, url)
            accepted = 0
            for i, item in enumerate(CredentialItem.by_tenant.query(keys.tenant_credentials_pk(tenant))):
                if i % 3 == 0:
                    accepted += 1
                    item.update(actions=[CredentialItem.status.set("accepted"),
                                         CredentialItem.accepted_at.set("2026-01-01T00:00:00Z")])
                elif i % 10 == 1:
                    item.update(actions=[CredentialItem.status.set("rejected")])

            with recording() as dry_calls:
                start = time.perf_counter()
                plan = json.loads(client.http.post(f"/ops/issuers/{tenant}/offboarding", headers=op).body)
                dry_seconds = time.perf_counter() - start
            with recording() as confirm_calls:
                start = time.perf_counter()
                res = client.http.post(f"/ops/issuers/{tenant}/offboarding/confirm", headers=op,
                                       body=json.dumps({"token": plan["confirmation"]["token"]}))
                assert res.status_code in (200, 202), res.body
                drain(client, sqs, queue, url)
                confirm_seconds = time.perf_counter() - start
            status = json.loads(client.http.get(f"/ops/issuers/{tenant}/offboarding", headers=op).body)
            assert status["state"] == "completed", status
            assert status["kept"]["credentials"]["count"] == accepted

    def dynamo(calls):
        return Counter(c.split(".", 1)[1] for c in calls if c.startswith("dynamodb."))

    print(f"offboarding_credentials {n} (accepted {accepted}, deleted {n - accepted})")
    print(f"dry_run_seconds {dry_seconds:.1f}  confirm_seconds {confirm_seconds:.1f}  runs {status['runs']}")
    print(f"dry_run_dynamodb_requests {sum(dynamo(dry_calls).values())} {dict(dynamo(dry_calls))}")
    print(f"confirm_dynamodb_requests {sum(dynamo(confirm_calls).values())} {dict(dynamo(confirm_calls))}")
    print(f"confirm_other_requests {dict(Counter(c for c in confirm_calls if not c.startswith('dynamodb.')))}")
    print(f"deleted {status['deleted']}")
    total = sum(dynamo(dry_calls).values()) + sum(dynamo(confirm_calls).values())
    print(f"dynamodb_requests_per_credential {total / n:.3f}")


if __name__ == "__main__":
    main()
