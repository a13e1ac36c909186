"""Bulk jobs: validation up front, SQS chunks issued with batched writes, counts,
re-delivery without double issuance, weekly scheduled issuance."""

from __future__ import annotations

import json
import time

import boto3
import pytest

from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from chalicelib.domain.webhooks import signature_header
from chalicelib.services import bulk
from tests.conftest import body, scan_table, sent_mail
from tests.helpers import active_template, auth, new_issuer, post

QUEUE = "laurel-test-bulk"


def csv_body(tpl: str, n: int, start: int = 0, extra: str = "") -> bytes:
    lines = ["email,first_name,last_name,template_id,evidence_url" + extra]
    lines += [f"p{i}@example.com,First{i},Last{i},{tpl},https://lms.example/e/{i}" for i in range(start, start + n)]
    return ("\n".join(lines) + "\n").encode()


def submit(client, key, data: bytes, content_type="text/csv", query="?suppress_email=true"):
    return client.http.post(f"/bulk-jobs{query}", headers={**auth(key), "Content-Type": content_type}, body=data)


def drain(client, repeat_first: bool = False) -> int:
    """Deliver everything on the bulk queue to the SQS handler, as Lambda would."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    delivered = 0
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=5).get("Messages", [])
        if not got:
            return delivered
        bodies = [m["Body"] for m in got]
        if repeat_first:
            bodies.append(bodies[0])  # the same message twice in one batch
            repeat_first = False
        event = client.events.generate_sqs_event(message_bodies=bodies, queue_name=QUEUE)
        result = client.lambda_.invoke("bulk_worker", event).payload
        assert result == {"batchItemFailures": []}, result
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        delivered += len(got)


def job(client, key, job_id):
    return body(client.http.get(f"/bulk-jobs/{job_id}", headers=auth(key)))


@pytest.fixture()
def issuer(client):
    _, key = new_issuer()
    return key, active_template(client, key)


def credential_items():
    return [i for i in scan_table() if i["sk"] == "C"]


def test_csv_job_issues_every_row_once_with_correct_counts(client, issuer):
    key, tpl = issuer
    res = submit(client, key, csv_body(tpl, 600))
    assert res.status_code == 202, res.body
    created = body(res)
    assert created["total"] == 600 and created["chunks"] == 3 and created["state"] == "queued"
    drain(client, repeat_first=True)
    done = job(client, key, created["id"])
    assert done["state"] == "completed" and done["issued"] == 600 and done["failed"] == 0
    assert done["progress"] == 100.0 and done["chunks_done"] == 3
    items = credential_items()
    assert len(items) == 600 and len({i["credential_id"] for i in items}) == 600
    assert len({int(i["status_index"]) for i in items}) == 600
    assert sent_mail() == []  # suppress_email=true


class VirtualTime:
    """`time` as the bulk worker sees it: `sleep` moves `monotonic` on at once, so
    pacing is observable without waiting for it."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0, seconds
        self.now += seconds


@pytest.fixture()
def virtual_time(monkeypatch):
    virtual = VirtualTime()
    monkeypatch.setattr(bulk.clock, "monotonic", virtual.monotonic)  # the one clock every service reads
    monkeypatch.setattr(bulk.clock, "sleep", virtual.sleep)
    return virtual


def test_claim_mails_are_sent_when_not_suppressed(client, issuer, virtual_time):
    key, tpl = issuer
    res = submit(client, key, csv_body(tpl, 3), query="")
    drain(client)
    assert job(client, key, body(res)["id"])["issued"] == 3
    assert sorted(m["to"][0] for m in sent_mail()) == ["p0@example.com", "p1@example.com", "p2@example.com"]


def test_claim_mails_go_out_no_faster_than_the_sending_rate(client, issuer, virtual_time, monkeypatch):
    from chalicelib.config import get_settings

    key, tpl = issuer
    sent_at, send = [], bulk.notify.send_claim
    monkeypatch.setattr(bulk.notify, "send_claim", lambda *a, **k: sent_at.append(virtual_time.now) or send(*a, **k))
    submit(client, key, csv_body(tpl, 5), query="")
    drain(client)
    assert len(sent_mail()) == 5
    interval = 1 / get_settings().bulk_mail_per_second  # SES's sending rate, shared by the workers
    assert [round(t - sent_at[0], 6) for t in sent_at] == [round(n * interval, 6) for n in range(5)]
    # time that passed without mail is not saved up for a burst later
    limiter = bulk._RateLimiter(get_settings().bulk_mail_per_second)
    limiter.wait()
    virtual_time.now += 60
    start = virtual_time.now
    limiter.wait()
    limiter.wait()
    assert round(virtual_time.now - start, 6) == round(interval, 6)


def test_redelivery_after_a_crash_rewrites_never_adds(client, issuer, monkeypatch):
    key, tpl = issuer
    created = body(submit(client, key, csv_body(tpl, 10)))
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    message = sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"]
    real = bulk.store.finish_chunk
    monkeypatch.setattr(bulk.store, "finish_chunk", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("crash")))
    event = client.events.generate_sqs_event(message_bodies=[message], queue_name=QUEUE)
    with pytest.raises(BatchProcessingError, match="All records failed"):  # Powertools fails the invocation: SQS retries
        client.lambda_.invoke("bulk_worker", event)
    assert len(credential_items()) == 10
    monkeypatch.setattr(bulk.store, "finish_chunk", real)
    client.lambda_.invoke("bulk_worker", client.events.generate_sqs_event(message_bodies=[message], queue_name=QUEUE))
    assert len(credential_items()) == 10
    assert job(client, key, created["id"])["issued"] == 10


def test_all_or_nothing_reports_rows_and_issues_nothing(client, issuer):
    key, tpl = issuer
    data = csv_body(tpl, 5) + f"not-an-email,A,B,{tpl},\n,A,B,{tpl},\nx@example.com,A,B,0000000000000000,\n".encode()
    before = scan_table()
    res = submit(client, key, data)
    assert res.status_code == 422, res.body
    err = body(res)["error"]
    assert err["code"] == "invalid_rows" and err["details"]["error_count"] == 3
    assert [e["row"] for e in err["details"]["errors"]] == [6, 7, 8]
    assert "template not found" in err["details"]["errors"][2]["errors"][0]
    assert scan_table() == before


def test_valid_rows_mode_issues_the_rest_and_reports_rejects(client, issuer):
    key, tpl = issuer
    data = csv_body(tpl, 4) + f"bad,A,B,{tpl},\n".encode()
    created = body(submit(client, key, data, query="?mode=valid_rows&suppress_email=true"))
    assert created["rejected"] == 1 and created["errors"][0]["row"] == 5
    drain(client)
    done = job(client, key, created["id"])
    assert done["issued"] == 4 and done["rejected"] == 1 and done["progress"] == 100.0


def test_duplicates_in_the_file_and_in_the_table_are_counted(client, issuer):
    key, tpl = issuer
    post(client, "/credentials", key, {"template_id": tpl, "email": "p1@example.com", "first_name": "A",
                                       "last_name": "B", "suppress_email": True})
    data = csv_body(tpl, 3) + f"p0@example.com,Again,Again,{tpl},\n".encode()
    created = body(submit(client, key, data))
    drain(client)
    done = job(client, key, created["id"])
    assert done["duplicates"] == 2 and done["issued"] == 2  # p0 twice in the file, p1 already held


def test_json_array_body(client, issuer):
    key, tpl = issuer
    rows = [{"email": f"j{i}@example.com", "first_name": "J", "last_name": str(i), "template_id": tpl,
             "expires_at": "2031-01-01"} for i in range(3)]
    created = body(submit(client, key, json.dumps(rows).encode(), "application/json"))
    drain(client)
    assert job(client, key, created["id"])["issued"] == 3
    assert all(i["expires_at"] == "2031-01-01T00:00:00Z" for i in credential_items())


def test_bad_files(client, issuer, monkeypatch):
    key, tpl = issuer
    assert submit(client, key, "email,first_name\n".encode()).status_code == 400
    assert body(submit(client, key, b"email,first_name\nx,y\n"))["error"]["code"] == "missing_header"
    latin1 = f"email,first_name,last_name,template_id\nj\xf6rg@example.com,J\xf6rg,M,{tpl}\n".encode("latin-1")
    assert body(submit(client, key, latin1))["error"]["code"] == "wrong_encoding"
    assert submit(client, key, b"", "text/csv").status_code == 400
    assert submit(client, key, b"{}", "application/json").status_code == 400
    _, other = new_issuer("Other")
    created = body(submit(client, key, csv_body(tpl, 1)))
    assert client.http.get(f"/bulk-jobs/{created['id']}", headers=auth(other)).status_code == 404
    assert client.http.get("/bulk-jobs/nope", headers=auth(key)).status_code == 404
    monkeypatch.setattr(bulk, "MAX_ROWS", 5)
    assert submit(client, key, csv_body(tpl, 6)).status_code == 413
    monkeypatch.setattr(bulk, "MAX_BYTES", 100)
    assert submit(client, key, csv_body(tpl, 4)).status_code == 413


def test_weekly_scheduled_issuance(client, issuer):
    key, tpl = issuer
    integration = body(post(client, "/integrations", key, {"name": "LMS", "rules": {
        "micro-1": {"template_id": tpl, "schedule_weekday": "MON"}}}))
    raw = json.dumps({"event": "course.completed", "event_id": "e1", "email": "mo@example.com", "first_name": "Mo",
                      "last_name": "N", "course_id": "micro-1", "score": 95}).encode()
    header = signature_header([integration["secret"].encode()], int(time.time()), raw)
    res = client.http.post(f"/hooks/lms/{integration['id']}", headers={"Laurel-Signature": header}, body=raw)
    assert res.status_code == 202 and body(res)["status"] == "scheduled"
    assert credential_items() == []
    assert bulk.issue_scheduled("TUE") == []
    jobs = bulk.issue_scheduled("MON")
    assert len(jobs) == 1
    drain(client)
    assert [i["email"] for i in credential_items()] == ["mo@example.com"]
    assert bulk.issue_scheduled("MON") == []  # the queue was emptied


def test_rows_that_fail_in_the_worker_are_reported_with_reasons(client, issuer):
    key, tpl = issuer
    created = body(submit(client, key, csv_body(tpl, 3)))
    post(client, f"/templates/{tpl}/archive", key, b"")  # archived between validation and issuance
    drain(client)
    done = job(client, key, created["id"])
    assert done["failed"] == 3 and done["issued"] == 0 and done["state"] == "completed"
    assert sorted(e["row"] for e in done["errors"]) == [1, 2, 3]
    assert "archived" in done["errors"][0]["errors"][0]


def test_redelivered_chunk_never_revives_a_revoked_credential(client, virtual_time, monkeypatch):
    _, key = new_issuer()
    tpl = active_template(client, key)
    created = body(submit(client, key, csv_body(tpl, 2), query=""))
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    message = sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"]
    real = bulk.store.finish_chunk
    monkeypatch.setattr(bulk.store, "finish_chunk", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("timeout")))
    with pytest.raises(BatchProcessingError, match="All records failed"):
        client.lambda_.invoke("bulk_worker", client.events.generate_sqs_event(message_bodies=[message], queue_name=QUEUE))
    monkeypatch.setattr(bulk.store, "finish_chunk", real)
    cid = credential_items()[0]["credential_id"]
    mails_before = len(sent_mail())
    post(client, f"/credentials/{cid}/revoke", key, {"reason": "x", "suppress_email": True})
    client.lambda_.invoke("bulk_worker", client.events.generate_sqs_event(message_bodies=[message], queue_name=QUEUE))
    status = {i["credential_id"]: i["status"] for i in credential_items()}
    assert status[cid] == "revoked" and len(status) == 2
    assert len(sent_mail()) == mails_before  # no second claim mail
    done = body(client.http.get(f"/bulk-jobs/{created['id']}", headers=auth(key)))
    assert done["issued"] == 2 and done["state"] == "completed"


def test_extra_cells_are_a_row_error_and_a_huge_header_is_400(client, issuer):
    key, tpl = issuer
    data = f"email,first_name,last_name,template_id\nx@example.com,A,B,{tpl},surplus\n".encode()
    res = submit(client, key, data)
    assert res.status_code == 422 and body(res)["error"]["details"]["errors"][0]["row"] == 1
    huge = ("email,first_name,last_name,template_id," + "x" * 140_000 + "\n").encode()
    assert submit(client, key, huge).status_code == 400


def test_deny_in_a_job_sees_a_live_credential_behind_a_revoked_latest_one(client, issuer):
    """The person holds a live credential; a later copy (issued with `allow`) was
    revoked, so the slot's latest credential is not live: `deny` still holds."""
    key, tpl = issuer
    person = {"template_id": tpl, "email": "p0@example.com", "first_name": "A", "last_name": "B",
              "suppress_email": True}
    held = body(post(client, "/credentials", key, person))
    later = body(post(client, "/credentials", key, {**person, "duplicate_policy": "allow"}))
    post(client, f"/credentials/{later['id']}/revoke", key, {"reason": "sent twice", "suppress_email": True})
    created = body(submit(client, key, csv_body(tpl, 1)))
    drain(client)
    done = job(client, key, created["id"])
    assert (done["issued"], done["duplicates"]) == (0, 1), done
    live = [i["credential_id"] for i in credential_items() if i["status"] in ("pending", "accepted")]
    assert live == [held["id"]]
