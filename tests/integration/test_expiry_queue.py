"""The expiry sweep's mails go through the events queue (issue 17, item 5): the sweep
marks each credential once and queues one message per mail; the queue's worker sends
it, once even when SQS delivers the message again; a mail SES refuses is retried by
SQS and, when it keeps failing, lands in the dead-letter queue."""

from __future__ import annotations

import json
from datetime import timedelta

import boto3

from chalicelib.services import expiry
from chalicelib.services.clock import utcnow
from tests.conftest import body, sent_mail
from tests.helpers import EVENTS_QUEUE, active_template, claim_token_from, issue, new_issuer, post, run_events_queue

SENDER = "badges@laurel.test"


def accepted(client, key, tpl, email, **extra):
    cred = body(issue(client, key, tpl, email=email, **extra))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    assert post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"}).status_code == 200
    return cred


def waiting(queue: str = EVENTS_QUEUE) -> list[dict]:
    """The messages on `queue`, read without consuming them (they come back at once)."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    out, ids = [], set()
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", []):
        fresh = [m for m in got if m["MessageId"] not in ids]
        if not fresh:
            break
        ids |= {m["MessageId"] for m in fresh}
        out += [json.loads(m["Body"]) for m in fresh]
    return out


def setup(client):
    _, key = new_issuer()
    tpl = active_template(client, key)
    today = utcnow().date()
    gone = accepted(client, key, tpl, "gone@example.com", issued_at="2020-01-01", expires_at=today.isoformat())
    soon = accepted(client, key, tpl, "soon@example.com", expires_at=(today + timedelta(days=30)).isoformat())
    return key, gone, soon


def test_the_sweep_queues_one_message_per_mail_and_the_worker_sends_them(client):
    _, gone, soon = setup(client)
    before = len(sent_mail())
    result = expiry.sweep()
    # nothing is mailed inline: one message per mail, the counts say what was queued
    assert len(sent_mail()) == before
    assert (result["expired"], result["expired_mails"], result["reminders"]) == (1, 1, 1)
    mails = sorted((m["mail"]["kind"], m["mail"]["credential_id"]) for m in waiting() if "mail" in m)
    assert mails == sorted([("expired", gone["id"]), ("expiry_reminder", soon["id"])])
    handled = run_events_queue(client)
    assert all(ok for _, ok in handled)
    sent = sent_mail()[before:]
    assert sorted((m["to"][0], "has expired" in m["subject"]) for m in sent) == [
        ("gone@example.com", True), ("soon@example.com", False)]


def test_a_redelivered_mail_message_does_not_mail_twice(client):
    setup(client)
    expiry.sweep()
    messages = [m for m in waiting() if "mail" in m]
    before = len(sent_mail())
    run_events_queue(client)
    assert len(sent_mail()) == before + 2
    # SQS delivers at least once: the same messages again, and a sweep re-run, mail nothing
    event = client.events.generate_sqs_event(message_bodies=[json.dumps(m) for m in messages],
                                             queue_name=EVENTS_QUEUE)
    assert client.lambda_.invoke("deliver_webhooks", event).payload == {"batchItemFailures": []}
    expiry.sweep()
    run_events_queue(client)
    assert len(sent_mail()) == before + 2


def test_a_refused_mail_is_retried_and_lands_in_the_dead_letter_queue(client):
    sesv2 = boto3.client("sesv2", region_name="us-east-1")
    _, gone, _ = setup(client)
    expiry.sweep()
    sesv2.delete_email_identity(EmailIdentity=SENDER)  # SES refuses every mail now
    before = len(sent_mail())
    first = run_events_queue(client, visibility=0)
    assert [ok for m, ok in first if "mail" in m] == [False, False]  # reported as failures: SQS keeps them
    # SES takes mail again: the retry sends (the refused attempt did not use up the mail)
    sesv2.create_email_identity(EmailIdentity=SENDER)
    run_events_queue(client)
    assert sorted(m["to"][0] for m in sent_mail()[before:]) == ["gone@example.com", "soon@example.com"]

    # a mail that keeps failing: after the queue's maxReceiveCount receives, SQS moves it to the DLQ
    sesv2.delete_email_identity(EmailIdentity=SENDER)
    from chalicelib.store import credentials as cred_store

    item = cred_store.get(gone["id"])
    message = {"mail": {"kind": "expired", "credential_id": gone["id"], "expires_at": item.expires_at}}
    item.update(actions=[type(item).expired_mailed_at.remove()])  # as if never mailed
    boto3.client("sqs", region_name="us-east-1").send_message(
        QueueUrl=boto3.client("sqs", region_name="us-east-1").get_queue_url(QueueName=EVENTS_QUEUE)["QueueUrl"],
        MessageBody=json.dumps(message))
    for _ in range(6):
        run_events_queue(client, visibility=0)
    assert waiting() == []
    assert waiting(f"{EVENTS_QUEUE}-dlq") == [message]


def test_a_mail_whose_credential_changed_meanwhile_is_dropped(client):
    key, gone, soon = setup(client)
    expiry.sweep()
    # before the worker runs: the expired one is revoked, the reminded one renewed to a later date
    assert post(client, f"/credentials/{gone['id']}/revoke", key,
                {"reason": "Issued in error", "suppress_email": True}).status_code == 200
    from chalicelib.store import credentials as cred_store

    item = cred_store.get(soon["id"])
    item.update(actions=[type(item).expires_at.set((utcnow() + timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%SZ"))])
    before = len(sent_mail())
    handled = run_events_queue(client)
    assert [ok for m, ok in handled if "mail" in m] == [True, True]  # handled (nothing to retry) ...
    assert sent_mail()[before:] == []  # ... and nothing mailed


def test_a_mail_to_a_suppressed_address_is_handled_not_retried_into_the_dead_letter_queue(client):
    """Issue 17 items 5 and 6 together: an address that bounced or complained gets no
    expiry mail, and that is the end of it: the message is handled (not a refusal SQS
    retries five times and moves to the DLQ), the credential's history says suppressed."""
    from chalicelib.domain.ids import email_hash
    from chalicelib.store import credentials as cred_store
    from chalicelib.store import suppression

    _, gone, _ = setup(client)
    suppression.add(email_hash("gone@example.com"), reason="bounce", at="2026-12-01T00:00:00Z", detail="General")
    expiry.sweep()
    before = len(sent_mail())
    handled = run_events_queue(client, visibility=0)
    assert sorted((m["mail"]["credential_id"] == gone["id"], ok) for m, ok in handled if "mail" in m) == [
        (False, True), (True, True)]
    assert [m["to"][0] for m in sent_mail()[before:]] == ["soon@example.com"]
    assert waiting() == [] and waiting(f"{EVENTS_QUEUE}-dlq") == []
    log = cred_store.get(gone["id"]).mail_log or []
    assert [(e.kind, e.ok, e.suppressed) for e in log][-1] == ("expired", False, True)


def test_a_failure_after_the_mark_leaves_the_mail_to_the_retry_not_lost(client, monkeypatch):
    """A read that fails between the worker's mark and SES (the issuer's branding, the
    suppression list: a DynamoDB throttle) must not leave the mail marked as sent: the
    message goes back to SQS and the retry mails it."""
    from pynamodb.exceptions import GetError

    from chalicelib.services import notify

    _, gone, _ = setup(client)
    expiry.sweep()
    real = notify.branding
    calls = {"n": 0}

    def throttled_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise GetError("ProvisionedThroughputExceededException")
        return real(*args, **kwargs)

    monkeypatch.setattr(notify, "branding", throttled_once)
    before = len(sent_mail())
    first = run_events_queue(client, visibility=0)
    assert sorted(ok for m, ok in first if "mail" in m) == [False, True]  # the throttled one failed
    run_events_queue(client)
    assert sorted(m["to"][0] for m in sent_mail()[before:]) == ["gone@example.com", "soon@example.com"]
