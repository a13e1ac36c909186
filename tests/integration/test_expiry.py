"""The expiry sweep: flags expired credentials, mails earners once, reminds 30 days ahead once."""

from datetime import date, timedelta

from chalicelib.services import expiry
from tests.conftest import body, sent_mail
from tests.helpers import active_template, claim_token_from, issue, new_issuer, post


def accepted(client, key, tpl, email, **extra):
    cred = body(issue(client, key, tpl, email=email, **extra))
    token = claim_token_from(sent_mail()[-1]["body"], cred["id"])
    post(client, f"/claim/{cred['id']}", None, {"token": token, "decision": "accept"})
    return cred


def test_sweep_mails_once_across_reruns(client):
    _, key = new_issuer()
    tpl = active_template(client, key)
    today = date.today()
    gone = accepted(client, key, tpl, "gone@example.com", issued_at="2020-01-01",
                    expires_at=(today - timedelta(days=0)).isoformat())
    soon = accepted(client, key, tpl, "soon@example.com", expires_at=(today + timedelta(days=30)).isoformat())
    later = accepted(client, key, tpl, "later@example.com", expires_at=(today + timedelta(days=90)).isoformat())
    before = len(sent_mail())
    scheduled = {"version": "0", "id": "1", "detail-type": "Scheduled Event", "source": "aws.events",
                 "account": "123456789012", "time": "2026-11-22T00:15:00Z", "region": "us-east-1",
                 "resources": [], "detail": {}}
    result = client.lambda_.invoke("expiry_sweep", scheduled).payload
    assert result["expired"] == 1 and result["expired_mails"] == 1 and result["reminders"] == 1
    mails = sent_mail()[before:]
    assert sorted(m["to"][0] for m in mails) == ["gone@example.com", "soon@example.com"]
    assert "has expired" in [m for m in mails if m["to"] == ["gone@example.com"]][0]["subject"]
    # a re-run the same day, and an overlapping run, send nothing more
    again = expiry.sweep()
    assert again["expired_mails"] == 0 and again["reminders"] == 0
    assert len(sent_mail()) == before + 2
    page = client.http.get(f"/badges/{gone['id']}")
    assert page.status_code == 200 and b"This credential expired" in page.body
    assert later["id"] and soon["id"]


def test_sweep_reads_only_the_days_it_covers(client):
    _, key = new_issuer()
    tpl = active_template(client, key)
    today = date.today()
    for i in range(5):  # far from today: never read
        issue(client, key, tpl, email=f"far{i}@example.com", expires_at=(today + timedelta(days=200 + i)).isoformat(),
              suppress_email=True)
    result = expiry.sweep(today)
    assert result["items_read"] == 0
