"""No log line carries an email address, a claim or confirmation token, an API key, a
webhook secret or a cookie: the logs of a representative flow (issue, claim, a mail
SES refuses, bulk, LMS webhooks, offboarding with a failing run) are captured as
Powertools formats them and searched."""

from __future__ import annotations

import io
import json
import logging
import re
import time

import boto3
import pytest

from chalicelib import logs
from chalicelib.config import get_settings
from chalicelib.domain.webhooks import signature_header
from chalicelib.services import ops
from tests.conftest import body, sent_mail
from tests.helpers import active_template, auth, claim_token_from, issue, new_issuer, post

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+")


@pytest.fixture()
def captured():
    """Every line the "laurel" logger writes, formatted by Powertools, at DEBUG."""
    log = logs.logger()
    base = logging.getLogger(logs.SERVICE)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(log.logger_handler.formatter)
    level = base.level
    base.addHandler(handler)
    base.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        base.removeHandler(handler)
        base.setLevel(level)


def test_redact_catches_what_outside_texts_quote():
    text = ("Email address is not verified: grace.o'hopper+x@mail.example.co.uk; "
            "https://laurel.test/claim/abc?token=abcdefghijklmnopqrstuvwxyz234567&x=1 "
            "Authorization: Bearer lrl_test_0123456789abcdef_abcdefghijklmnopqrstuvwxyz234567 "
            "whsec_abcdefghijklmnop ofb_abcdefghijklmnopqrstuvwxyz234567 Cookie: session=s3cr3t")
    out = logs.redact({"reason": text, "list": [text]})
    for leaked in ("grace", "abcdefghijklmnopqrstuvwxyz234567", "whsec_", "ofb_", "s3cr3t", "lrl_"):
        assert leaked not in json.dumps(out), leaked
    assert logs.redact("credential 0123456789abcdef-abcdefghijklmnopqrstuvwxyz234567 issued") == \
        "credential 0123456789abcdef-abcdefghijklmnopqrstuvwxyz234567 issued"  # ids stay readable


def test_no_personal_data_or_secret_in_any_log_line(client, captured, monkeypatch):
    from tests.integration.test_bulk import drain

    secrets: list[str] = []
    tenant, key = new_issuer("Logging Academy")
    secrets.append(key)
    tpl = active_template(client, key)
    # issue and claim
    cred = body(issue(client, key, tpl, email="grace@example.com"))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    secrets.append(token)
    assert post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"}).status_code == 200
    assert post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"}).status_code == 410
    # a mail SES refuses, quoting an address: moto answers MessageRejected "Email address not
    # verified <sender>" once the sender identity is gone
    pending = body(issue(client, key, tpl, email="refused@example.com"))
    ses, sender = boto3.client("sesv2", region_name="us-east-1"), get_settings().mail_from
    ses.delete_email_identity(EmailIdentity=sender)
    assert post(client, f"/credentials/{pending['id']}/resend", key, b"").status_code == 503
    ses.create_email_identity(EmailIdentity=sender)
    # bulk
    csv = "email,first_name,last_name,template_id\n" + "".join(f"bulk{i}@example.com,B,K,{tpl}\n" for i in range(3))
    res = client.http.post("/bulk-jobs", headers={**auth(key), "Content-Type": "text/csv"}, body=csv.encode())
    assert res.status_code == 202, res.body
    drain(client)
    for m in sent_mail():
        for cid in re.findall(r"/claim/([0-9a-f]{16}-[a-z2-7]{32})\?token=", m["body"]):
            secrets.append(claim_token_from(m["body"], cid))
    # LMS webhooks: an issued completion, and an ignored event whose type is an address
    integration = body(post(client, "/integrations", key, {"name": "LMS", "rules": {"c1": {"template_id": tpl}}}))
    secrets.append(integration["secret"])
    for payload, status in [({"event": "course.completed", "event_id": "e1", "email": "lms@example.com",
                              "first_name": "L", "last_name": "M", "course_id": "c1", "score": 95}, 200),  # issued
                            ({"event": "leak@example.com", "event_id": "e2"}, 202)]:  # ignored
        raw = json.dumps(payload).encode()
        header = signature_header([integration["secret"].encode()], int(time.time()), raw)
        res = client.http.post(f"/hooks/lms/{integration['id']}", headers={"Content-Type": "application/json",
                                                                           "Laurel-Signature": header}, body=raw)
        assert res.status_code == status, res.body
    # offboarding, with a run that fails quoting an address
    operator = ops.create_operator_key("logs")
    secrets.append(operator)
    headers = {"Authorization": f"Bearer {operator}", "Content-Type": "application/json"}
    plan = body(client.http.post(f"/ops/issuers/{tenant}/offboarding", headers=headers))
    secrets.append(plan["confirmation"]["token"])
    from chalicelib.store import offboarding as store

    real_delete = store.batch_delete
    calls = []

    def failing(keys):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("ValidationException for item of grace@example.com")
        return real_delete(keys)

    monkeypatch.setattr(store, "batch_delete", failing)
    res = client.http.post(f"/ops/issuers/{tenant}/offboarding/confirm", headers=headers,
                           body=json.dumps({"token": plan["confirmation"]["token"]}))
    assert res.status_code == 202, res.body
    monkeypatch.setattr(store, "batch_delete", real_delete)
    assert body(client.http.post(f"/ops/issuers/{tenant}/offboarding/continue", headers=headers))["state"] \
        == "completed"
    assert client.http.get("/issuer", headers=auth(key)).status_code == 401

    out = captured.getvalue()
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    messages = {line["message"] for line in lines}
    assert {"mail not sent", "LMS event ignored", "offboarding run stopped"} <= messages, messages
    assert not EMAIL.findall(out), EMAIL.findall(out)
    for secret in secrets:
        assert secret not in out
    assert "lrl_" not in out and "whsec_" not in out and "ofb_" not in out and "token=" not in out.replace(
        "token=[token]", "")

