"""Row-error reports of any size (issue 12, item 3: a job with many long row errors
answered 500 because its report outgrew DynamoDB's 400 KB item limit).

The job and the 422 answer carry the first errors (bounded in bytes) and the count;
the full report is a private S3 object behind `GET /bulk-jobs/{id}/errors`."""

from __future__ import annotations

import json
from urllib.parse import unquote, urlparse

import boto3
import pytest

from tests.conftest import body, list_bucket, scan_table
from tests.helpers import active_template, auth, new_issuer, post
from tests.integration.test_bulk import credential_items, drain, job, submit

ROWS = 1500
SMALL = 256 * 1024  # what a 4xx or job answer may weigh: far below Lambda's 6 MB and DynamoDB's 400 KB


def bad_row(tpl: str, n: int) -> dict:
    """A row that fails every rule it can, with the longest messages the validator
    gives: over-long and control-character names, an address too long after the
    @-sign, bad dates, twenty bad evidence entries and unknown fields."""
    return {
        "email": "x" * 64 + "@" + "y" * 190 + ".invalid",
        "first_name": "\x01" + "F" * 120,
        "last_name": "\x02" + "L" * 120,
        "template_id": tpl,
        "issued_at": "not-a-date",
        "expires_at": "never-ever",
        "earner_id": "e" * 201,
        "suppress_email": "yes",
        "evidence": [{"url": "ftp://x", "name": "\x03", "narrative": "", "secret@example.com": 1}] * 20,
        **{f"extra-{n}-{k:02d}-person{k}@example.com-" + "z" * 80: 1 for k in range(10)},
    }


QUOTING = ["x@xn--zz-secretcorp.com", "x@[1.2.3]", "x@[IPv6:zz::secret]"]  # the address checker quotes these


def good_row(tpl: str, n: int) -> dict:
    return {"email": f"g{n}@example.com", "first_name": "Good", "last_name": str(n), "template_id": tpl}


def submit_json(client, key, rows, mode):
    return submit(client, key, json.dumps(rows).encode(), "application/json", query=f"?mode={mode}&suppress_email=true")


def full_report(client, key, url: str) -> dict:
    """Follow the report link as an API client would: the route answers with a
    short-lived presigned S3 link; the object itself is read from the bucket."""
    path = urlparse(url).path
    res = client.http.get(path, headers=auth(key))
    assert res.status_code == 200, res.body
    location = urlparse(body(res)["url"])
    assert "X-Amz-Signature" in location.query and body(res)["expires_in"] <= 3600  # the object is private
    s3_key = unquote(location.path.lstrip("/")).split("/", 1)[1] if location.netloc.startswith("s3") else \
        unquote(location.path.lstrip("/"))
    s3 = boto3.client("s3", region_name="us-east-1")
    return json.loads(s3.get_object(Bucket="laurel-test-assets", Key=s3_key)["Body"].read())


@pytest.fixture()
def issuer(client):
    _, key = new_issuer()
    return key, active_template(client, key)


def test_all_or_nothing_with_1500_long_row_errors_answers_a_small_422_and_links_the_full_report(client, issuer):
    key, tpl = issuer
    before = scan_table()
    rows = [bad_row(tpl, n) for n in range(ROWS)]
    for n, address in enumerate(QUOTING):
        rows[n] = {**good_row(tpl, n), "email": address}
    res = submit_json(client, key, rows, "all_or_nothing")
    assert res.status_code == 422, res.body[:300]
    assert len(res.body) < SMALL, len(res.body)
    details = body(res)["error"]["details"]
    assert details["error_count"] == ROWS and details["errors_truncated"] is True
    assert 0 < len(details["errors"]) < ROWS and details["errors"][0]["row"] == 1
    assert scan_table() == before  # nothing issued, no job
    report = full_report(client, key, details["errors_url"])
    assert [e["row"] for e in report["errors"]] == list(range(1, ROWS + 1))
    assert report["error_count"] == ROWS
    # a row's errors name the field and the rule, never what was sent
    text = json.dumps(report)
    assert "@example.com" not in text and "zzzz" not in text and "FFFF" not in text
    assert "secret" not in text and "1.2.3" not in text
    assert [m.startswith("email: value is not a valid email address") for e in report["errors"][:3]
            for m in e["errors"]] == [True] * 3
    assert any("unknown field" in m for m in report["errors"][3]["errors"])
    _, other = new_issuer("Other")
    assert client.http.get(urlparse(details["errors_url"]).path, headers=auth(other)).status_code == 404


def test_valid_rows_with_1500_long_row_errors_is_accepted_and_reports_every_row(client, issuer):
    key, tpl = issuer
    rows = []
    for n in range(ROWS):
        rows += [good_row(tpl, n)] if n % 100 == 0 else []
        rows.append(bad_row(tpl, n))
    res = submit_json(client, key, rows, "valid_rows")
    assert res.status_code == 202, res.body[:300]
    assert len(res.body) < SMALL
    created = body(res)
    assert created["rejected"] == ROWS and created["error_count"] == ROWS and created["errors_truncated"] is True
    drain(client)
    done = job(client, key, created["id"])
    assert done["state"] == "completed" and done["issued"] == 15 and done["rejected"] == ROWS
    assert len(json.dumps(done)) < SMALL
    assert all(len(json.dumps(i, default=str)) < 400_000 for i in scan_table())
    report = full_report(client, key, done["errors_url"])
    assert len(report["errors"]) == ROWS == report["error_count"]
    assert [e["row"] for e in report["errors"]] == [n + 1 for n, r in enumerate(rows) if "Good" not in r.values()]
    assert len(credential_items()) == 15


def test_rows_failing_in_the_worker_are_reported_in_full_without_outgrowing_the_job(client, issuer):
    key, tpl = issuer
    rows = [good_row(tpl, n) for n in range(ROWS)] + [bad_row(tpl, n) for n in range(ROWS)]
    created = body(submit_json(client, key, rows, "valid_rows"))
    assert created["rejected"] == ROWS
    post(client, f"/templates/{tpl}/archive", key, b"")  # archived between validation and issuance
    drain(client)
    res = client.http.get(f"/bulk-jobs/{created['id']}", headers=auth(key))
    assert res.status_code == 200 and len(res.body) < SMALL
    done = body(res)
    assert done["state"] == "completed" and done["failed"] == ROWS and done["issued"] == 0
    assert done["error_count"] == 2 * ROWS and done["errors_truncated"] is True
    report = full_report(client, key, done["errors_url"])
    assert [e["row"] for e in report["errors"]] == list(range(1, 2 * ROWS + 1))
    assert all("archived" in e["errors"][0] for e in report["errors"][:ROWS])
    assert all(len(json.dumps(i, default=str)) < 400_000 for i in scan_table())


def test_a_small_report_stays_inline_and_nothing_goes_to_s3(client, issuer):
    key, tpl = issuer
    created = body(submit_json(client, key, [good_row(tpl, 1), bad_row(tpl, 2)], "valid_rows"))
    drain(client)
    done = job(client, key, created["id"])
    assert done["error_count"] == 1 and done["errors_truncated"] is False and done["errors_url"] is None
    assert [e["row"] for e in done["errors"]] == [2]
    assert not [k for k in list_bucket() if k.startswith("reports/")]
    assert client.http.get(f"/bulk-jobs/{created['id']}/errors", headers=auth(key)).status_code == 404


def test_a_worker_that_stops_before_completing_the_job_is_finished_by_the_next_delivery(client, issuer, monkeypatch):
    from chalicelib.services import bulk
    from tests.integration.test_bulk_race import queued_messages

    key, tpl = issuer
    rows = [good_row(tpl, n) for n in range(3)] + [bad_row(tpl, n) for n in range(ROWS)]
    created = body(submit_json(client, key, rows, "valid_rows"))
    post(client, f"/templates/{tpl}/archive", key, b"")
    [message] = queued_messages()
    real, calls = bulk.store.mark_completed, []

    def stops_once(*args):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the worker stopped here")
        return real(*args)

    monkeypatch.setattr(bulk.store, "mark_completed", stops_once)
    with pytest.raises(RuntimeError):
        bulk.process_chunk(message)
    counted = job(client, key, created["id"])
    assert counted["state"] == "queued" and counted["chunks_done"] == 1 and counted["failed"] == 3
    assert len(full_report(client, key, counted["errors_url"])["errors"]) == ROWS + 3  # written before it stopped
    assert bulk.process_chunk(message) == {"skipped": True}  # SQS delivers it again: counted once, completed now
    done = job(client, key, created["id"])
    assert done["state"] == "completed" and done["failed"] == 3 and done["error_count"] == ROWS + 3
    assert [e["row"] for e in full_report(client, key, done["errors_url"])["errors"]] == list(range(1, ROWS + 4))
