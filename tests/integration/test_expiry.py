"""The expiry sweep: flags expired credentials, mails earners once, reminds 30 days ahead
once, and reads only the `by_expiry` index partitions of the days it covers."""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.services import expiry
from chalicelib.services.clock import utcnow
from chalicelib.store import credentials as cred_store
from chalicelib.store import keys
from tests.aws_calls import Call, requests
from tests.conftest import body, sent_mail
from tests.helpers import active_template, claim_token_from, issue, new_issuer, post, run_events_queue

SCHEDULED = {"version": "0", "id": "1", "detail-type": "Scheduled Event", "source": "aws.events",
             "account": "123456789012", "time": "2026-11-22T00:15:00Z", "region": "us-east-1",
             "resources": [], "detail": {}}


def accepted(client, key, tpl, email, **extra):
    cred = body(issue(client, key, tpl, email=email, **extra))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"})
    return cred


def marks(cid: str) -> tuple[bool, bool]:
    """(flagged as expired, reminded) as stored on the credential."""
    item = cred_store.get(cid)
    return bool(item.expired_notified_at), bool(item.expiry_reminded_at)


def test_sweep_mails_once_across_reruns_and_overlapping_runs(client):
    _, key = new_issuer()
    tpl = active_template(client, key)
    today = utcnow().date()
    gone = accepted(client, key, tpl, "gone@example.com", issued_at="2020-01-01", expires_at=today.isoformat())
    soon = accepted(client, key, tpl, "soon@example.com", expires_at=(today + timedelta(days=30)).isoformat())
    later = accepted(client, key, tpl, "later@example.com", expires_at=(today + timedelta(days=90)).isoformat())
    before = len(sent_mail())

    client.lambda_.invoke("expiry_sweep", SCHEDULED)
    assert sent_mail()[before:] == []  # queued (issue 17): the events worker sends them
    run_events_queue(client)

    mails = sent_mail()[before:]
    assert sorted(m["to"][0] for m in mails) == ["gone@example.com", "soon@example.com"]
    assert "has expired" in next(m for m in mails if m["to"] == ["gone@example.com"])["subject"]
    assert (marks(gone["id"]), marks(soon["id"]), marks(later["id"])) == ((True, False), (False, True), (False, False))
    # a re-run the same day, then a run overlapping the first (it starts from the marker the
    # first one started from, so it reads the same two days again): nothing is mailed twice
    expiry.sweep()
    cred_store.set_last_sweep_day((today - timedelta(days=1)).isoformat())
    expiry.sweep()
    run_events_queue(client)
    assert len(sent_mail()) == before + 2
    page = client.http.get(f"/badges/{gone['id']}")
    assert page.status_code == 200 and b"This credential expired" in page.body


# ------------------------------------------------------------------ what the sweep reads


def expiry_days(calls: list[Call]) -> list[str]:
    """The by_expiry partitions the calls queried, in call order."""
    return [value["S"] for c in calls if c.name == "dynamodb.Query" and c.params.get("IndexName") == "by_expiry"
            for value in c.params["ExpressionAttributeValues"].values()]


def other_calls(calls: list[Call]) -> list[tuple[str, str]]:
    """Every other call, as (operation, partition key of the item it names, if any)."""
    out = []
    for c in calls:
        if c.name == "dynamodb.Query" and c.params.get("IndexName") == "by_expiry":
            continue
        item = c.params.get("Key") or c.params.get("Item") or {}
        out.append((c.name, item.get("pk", {}).get("S", "")))
    return out


def partitions(*days: date) -> list[str]:
    return sorted(keys.expiry_pk(d.isoformat()) for d in days)


def seed_around(client, today: date) -> None:
    """Credentials on the days next to the ones a sweep covers, and far away."""
    _, key = new_issuer()
    tpl = active_template(client, key)
    for n, offset in enumerate([-5, -4, 1, 2, 27, 31, 32, 200, 201]):
        assert issue(client, key, tpl, email=f"p{n}@example.com", suppress_email=True, issued_at="2020-01-01",
                     expires_at=(today + timedelta(days=offset)).isoformat()).status_code == 201


def test_a_first_sweep_reads_today_and_the_reminder_day_only(client):
    today = utcnow().date()
    seed_around(client, today)
    with requests() as calls:
        expiry.sweep(today)
    assert sorted(expiry_days(calls)) == partitions(today, today + timedelta(days=30))
    # the rest is the sweep's own marker (read, then the day written): no Scan, no other read
    rest = other_calls(calls)
    assert set(rest) <= {("dynamodb.GetItem", keys.PLATFORM_PK), ("dynamodb.PutItem", keys.PLATFORM_PK)}, rest
    assert rest.count(("dynamodb.PutItem", keys.PLATFORM_PK)) == 1


def test_a_sweep_after_missed_days_reads_each_missed_day_once(client):
    today = utcnow().date()
    seed_around(client, today)
    expiry.sweep(today - timedelta(days=3))  # then three daily runs did not happen
    with requests() as calls:
        expiry.sweep(today)
    # expiry: the last run's day again (a credential of that day may have expired after it
    # ran) through today; reminders: the days that entered the 30-day horizon since then
    expected = [today - timedelta(days=n) for n in range(4)] + [today + timedelta(days=n) for n in (28, 29, 30)]
    assert sorted(expiry_days(calls)) == partitions(*expected)
    rest = other_calls(calls)
    assert set(rest) <= {("dynamodb.GetItem", keys.PLATFORM_PK), ("dynamodb.PutItem", keys.PLATFORM_PK)}, rest
