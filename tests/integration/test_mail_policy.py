"""One sender, one failure policy for mail SES refuses (issue 13, item 6).

SES is made to refuse the way it does in a deployment: the sender identity is not
verified (moto checks every SendEmail against the verified identities, as SES does).

- Mail a use case cannot do without (sign-in link, import confirmation, data export,
  re-sent claim link): the request answers 503 `mail_not_sent` on every path, and
  leaves nothing behind that the mail was meant to deliver.
- Mail that is a courtesy (claim link at issue time, revocation notice, retake, expiry,
  support copies, bulk claim mails): the action stands and says the mail was not sent.
- Either way each refusal is logged once (redacted) and counted as a `MailNotSent`
  metric (EMF line on stdout, as CloudWatch reads it from the Lambda log).
"""

from __future__ import annotations

import json
import logging
from datetime import date

import boto3
import pytest

from chalicelib import logs
from chalicelib.domain.errors import ServiceUnavailable
from chalicelib.services import expiry, ops
from tests.conftest import body, list_bucket, sent_mail
from tests.helpers import Browser, active_template, claim_token_from, csrf_of, issue, new_issuer, post, sign_in
from tests.integration.test_verify_any import EMAIL, foreign  # noqa: F401 - the fixture

SENDER = "badges@laurel.test"  # LAUREL_MAIL_FROM in tests/conftest.py


def ses_refuses() -> None:
    boto3.client("sesv2", region_name="us-east-1").delete_email_identity(EmailIdentity=SENDER)


def ses_accepts() -> None:
    boto3.client("sesv2", region_name="us-east-1").create_email_identity(EmailIdentity=SENDER)


@pytest.fixture()
def refusals(capsys):
    """What the failure policy leaves: the "mail not sent" log records and the number
    of `MailNotSent` metric values emitted, read after the action."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    logs.logger()  # the redacting filter is on the service's logger
    base = logging.getLogger(logs.SERVICE)
    handler = Keep(level=logging.WARNING)
    base.addHandler(handler)
    capsys.readouterr()

    def read() -> tuple[list[logging.LogRecord], int]:
        out = capsys.readouterr().out
        emitted = [json.loads(line) for line in out.splitlines() if line.startswith("{") and '"_aws"' in line]
        count = 0
        for doc in emitted:
            names = {m["Name"] for d in doc["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
            if "MailNotSent" in names:
                count += 1
        return [r for r in records if r.getMessage() == "mail not sent"], count

    yield read
    base.removeHandler(handler)


@pytest.fixture()
def issuer(client):
    _, key = new_issuer()
    return key, active_template(client, key)


def refused(response) -> None:
    assert response.status_code == 503, response.body
    assert body(response)["error"]["code"] == "mail_not_sent", response.body


def once(read, times: int = 1) -> None:
    records, metrics = read()
    assert len(records) == times, [r.getMessage() for r in records]
    assert metrics == times
    for r in records:
        assert "@" not in json.dumps(vars(r), default=str), "the log line names no address"


# ------------------------------------------------------------------ mail a use case needs: 503


def test_a_refused_resend_answers_503_and_a_later_resend_mails_a_new_link(client, issuer, refusals):
    key, tpl = issuer
    cred = body(issue(client, key, tpl))
    old = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    ses_refuses()
    refusals()
    refused(post(client, f"/credentials/{cred['id']}/resend", key, b""))
    once(refusals)
    ses_accepts()
    assert post(client, f"/credentials/{cred['id']}/resend", key, b"").status_code == 200
    assert claim_token_from(sent_mail()[-1]["body"], cred["id"]) != old


def test_a_refused_import_confirmation_answers_503_and_frees_the_badge(client, foreign, refusals):  # noqa: F811
    url = foreign.ob2(EMAIL)
    ses_refuses()
    refusals()
    refused(post(client, "/imports", None, {"url": url, "email": EMAIL}))
    once(refusals)
    ses_accepts()
    again = post(client, "/imports", None, {"url": url, "email": EMAIL})
    assert again.status_code == 202 and body(again)["confirmation"] == "mailed", again.body


def test_a_refused_export_on_request_answers_503_and_keeps_no_zip(client, issuer, refusals):
    key, tpl = issuer
    issue(client, key, tpl, email="dora@example.com")
    operator = {"Authorization": f"Bearer {ops.create_operator_key('dpo')}", "Content-Type": "application/json"}
    ses_refuses()
    refusals()
    refused(client.http.post("/ops/data-requests/export", headers=operator,
                             body=json.dumps({"email": "dora@example.com"})))
    once(refusals)
    assert [k for k in list_bucket() if k.startswith("exports/")] == []


def test_a_refused_sign_in_mail_answers_503(client, refusals):
    from chalicelib.services import signin

    ses_refuses()
    refusals()
    b = Browser(client)
    page = b.post("/signin", {"email": "ada@example.com", "csrf": b.csrf("/signin")})
    assert page.status_code == 503 and "could not be sent" in b.text(page)
    with pytest.raises(ServiceUnavailable) as raised:
        signin.request_link("ada@example.com")
    assert raised.value.code == "mail_not_sent"
    once(refusals, 2)


def test_a_refused_export_from_the_wallet_answers_503(client, issuer, refusals):
    from chalicelib.domain import ids

    b = Browser(client)
    sign_in(b, "grace@example.com")
    ses_refuses()
    refusals()
    page = b.get("/wallet/privacy")
    res = b.post("/wallet/export", {"csrf": csrf_of(b.text(page)), "email_hash": ids.email_hash("grace@example.com")})
    assert res.status_code == 503 and "could not be sent" in b.text(res)
    once(refusals)
    assert [k for k in list_bucket() if k.startswith("exports/")] == []


# ------------------------------------------------------------------ courtesy mail: the action stands


def test_a_refused_claim_mail_at_issue_time_is_reported_in_the_answer(client, issuer, refusals):
    key, tpl = issuer
    ses_refuses()
    refusals()
    res = issue(client, key, tpl)
    assert res.status_code == 201 and body(res)["claim_mail_sent"] is False
    once(refusals)


def test_a_refused_revocation_notice_is_reported_in_the_answer(client, issuer, refusals):
    key, tpl = issuer
    cred = body(issue(client, key, tpl))
    ses_refuses()
    refusals()
    res = post(client, f"/credentials/{cred['id']}/revoke", key, {"reason": "Issued in error"})
    assert res.status_code == 200 and body(res)["notice_mail_sent"] is False and body(res)["status"] == "revoked"
    once(refusals)


def test_a_refused_expiry_mail_is_not_counted_as_sent(client, issuer, refusals):
    key, tpl = issuer
    cred = body(issue(client, key, tpl, expires_at=date.today().isoformat(), issued_at="2020-01-01"))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    assert post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"}).status_code == 200
    ses_refuses()
    refusals()
    result = expiry.sweep()  # queues the mail (issue 17); the events worker sends it
    assert result["expired"] == 1 and result["expired_mails"] == 1
    from tests.helpers import run_events_queue

    assert [ok for message, ok in run_events_queue(client)] == [False]  # not sent: SQS delivers it again
    once(refusals)


def test_a_refused_support_copy_keeps_the_request(client, issuer, refusals):
    key, _ = issuer
    ses_refuses()
    refusals()
    res = post(client, "/support-requests", key, {"subject": "Help", "description": "Please", "severity": 3})
    assert res.status_code == 201, res.body
    once(refusals)  # the issuer's copy (no support desk address is configured in tests)


def test_a_refused_retake_mail_is_written_in_the_integrations_event_log(client, issuer, refusals):
    import time

    from chalicelib.domain.webhooks import signature_header

    key, tpl = issuer
    integration = body(post(client, "/integrations", key, {"name": "LMS", "rules": {"c1": {"template_id": tpl}}}))
    raw = json.dumps({"event": "course.completed", "event_id": "e1", "email": "lea@example.com", "first_name": "Lea",
                      "last_name": "R", "course_id": "c1", "score": 10}).encode()
    ses_refuses()
    refusals()
    res = client.http.post(f"/hooks/lms/{integration['id']}", headers={
        "Content-Type": "application/json",
        "Laurel-Signature": signature_header([integration["secret"].encode()], int(time.time()), raw)}, body=raw)
    assert res.status_code == 200 and body(res)["status"] == "retake", res.body
    once(refusals)
    log = body(client.http.get(f"/integrations/{integration['id']}/events",
                               headers={"Authorization": f"Bearer {key}"}))["items"]
    assert "retake mail NOT sent" in log[0]["detail"]


def test_refused_bulk_claim_mails_leave_the_credentials_issued(client, issuer, refusals):
    from tests.integration.test_bulk import drain, job

    key, tpl = issuer
    rows = "email,first_name,last_name,template_id\n" + "".join(f"b{i}@example.com,B,K,{tpl}\n" for i in range(3))
    res = client.http.post("/bulk-jobs", headers={"Authorization": f"Bearer {key}", "Content-Type": "text/csv"},
                           body=rows.encode())
    assert res.status_code == 202, res.body
    ses_refuses()
    refusals()
    drain(client)
    done = job(client, key, body(res)["id"])
    assert done["state"] == "completed" and done["issued"] == 3, done
    once(refusals, 3)
