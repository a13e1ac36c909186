"""Engagement analytics (issue 15, item 1): events recorded out of band as log lines,
aggregated by the EngagementAggregator Lambda from a real CloudWatch Logs subscription
payload into per-day counters.

The lines are captured where Lambda would ship them (the function's stdout), wrapped
the way CloudWatch Logs delivers them, and fed to the aggregator with the test client.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from tests.conftest import body, scan_table, sent_mail
from tests.helpers import active_template, claim_token_from, issue, new_issuer

BROWSER = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/120.0 Safari/537.36")
LINKEDIN_BOT = "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"
AGGREGATOR = "EngagementAggregator"


def event_lines(capsys) -> list[str]:
    """The engagement lines written to stdout since the last call (what CloudWatch Logs'
    subscription filter `{ $.laurel_engagement = 1 }` would pass on)."""
    out = capsys.readouterr().out
    return [line for line in out.splitlines() if line.startswith("{") and '"laurel_engagement"' in line]


def aggregate(client, lines: list[str]) -> dict:
    from chalicelib.adapters.event_log import awslogs_event

    return client.lambda_.invoke(AGGREGATOR, awslogs_event(lines)).payload


def today() -> date:
    from chalicelib.services import clock

    return clock.utcnow().date()


def day_counts(tenant_id: str) -> dict:
    from chalicelib.store import engagement

    days = engagement.tenant_days(tenant_id, today() - timedelta(days=1), today() + timedelta(days=1))
    return days[0][1] if days else {}


@pytest.fixture()
def accepted(client, capsys):
    """An accepted credential of a fresh issuer: (tenant id, template id, credential id)."""
    from chalicelib.services import claims

    tenant_id, key = new_issuer()
    template_id = active_template(client, key)
    res = issue(client, key, template_id, email="ada@example.com", first_name="Ada", last_name="Lovelace")
    assert res.status_code == 201, res.body
    cid = body(res)["id"]
    claims.decide(cid, claim_token_from(sent_mail()[-1]["body"], cid), "accept")
    capsys.readouterr()  # the issuance's own lines are not this test's
    return tenant_id, template_id, cid


def view(client, cid: str, ua: str | None = BROWSER, query: str = "", **headers):
    h = {"Accept": "text/html", **headers}
    if ua is not None:
        h["User-Agent"] = ua
    return client.http.get(f"/badges/{cid}{query}", headers=h)


# ------------------------------------------------------------------ counted once, people vs crawlers


def test_a_page_view_is_counted_once_however_often_its_batch_is_delivered(client, capsys, accepted):
    tenant_id, template_id, cid = accepted
    assert view(client, cid).status_code == 200
    lines = event_lines(capsys)
    assert len(lines) == 1

    first = aggregate(client, lines)
    again = aggregate(client, lines)  # CloudWatch Logs redelivers a batch whose invocation failed

    assert (first, again) == ({"events": 1, "counted": 1}, {"events": 1, "counted": 0})
    assert day_counts(tenant_id) == {"view.person": 1, "ref.direct": 1}
    from chalicelib.store import engagement

    assert engagement.credential_totals(tenant_id, [cid]) == {cid: {"view.person": 1, "ref.direct": 1}}
    assert engagement.tenant_totals(tenant_id) == {"view.person": 1, "ref.direct": 1}
    assert engagement.template_days(tenant_id, today(), today()) == [
        (today(), template_id, {"view.person": 1, "ref.direct": 1})]
    assert engagement.platform_days(today(), today()) == [(today(), {"view.person": 1, "ref.direct": 1})]


def test_a_redelivery_mixed_with_new_events_counts_only_the_new_ones(client, capsys, accepted):
    tenant_id, _, cid = accepted
    for _ in range(3):
        view(client, cid)
    old = event_lines(capsys)
    aggregate(client, old)
    view(client, cid, query="?ref=linkedin")
    new = event_lines(capsys)

    assert aggregate(client, old + new) == {"events": 4, "counted": 1}
    assert day_counts(tenant_id) == {"view.person": 4, "ref.direct": 3, "ref.linkedin": 1}


def test_a_crawlers_view_is_not_a_persons_view(client, capsys, accepted):
    tenant_id, _, cid = accepted
    for ua in (LINKEDIN_BOT, "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
               "Twitterbot/1.0", "WhatsApp/2.23.20.0 A", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
               None):
        assert view(client, cid, ua=ua, query="?ref=linkedin").status_code == 200
    aggregate(client, event_lines(capsys))

    assert day_counts(tenant_id) == {"view.crawler": 6}


@pytest.mark.parametrize(("query", "headers", "network"), [
    ("?ref=linkedin", {}, "linkedin"),
    ("?ref=email", {"Referer": "https://www.facebook.com/"}, "email"),  # Laurel's own mark wins
    ("?ref=EMBED", {}, "embed"),
    ("?ref=myspace", {}, "other"),  # unknown: other, never a 400
    ("", {"Referer": "https://m.facebook.com/story.php?id=1"}, "facebook"),
    ("", {"Referer": "https://t.co/abc"}, "x"),
    ("", {"Referer": "https://www.xing.com/"}, "xing"),
    ("", {"Referer": "https://l.instagram.com/"}, "other"),
    ("", {"Referer": "https://laurel.test/wallet"}, "direct"),  # a link inside Laurel
    ("", {}, "direct"),
])
def test_a_persons_view_is_counted_by_referring_network(client, capsys, accepted, query, headers, network):
    tenant_id, _, cid = accepted
    assert view(client, cid, query=query, **headers).status_code == 200
    aggregate(client, event_lines(capsys))
    assert day_counts(tenant_id) == {"view.person": 1, f"ref.{network}": 1}


def test_ref_given_twice_is_no_error(client, capsys, accepted):
    _, _, cid = accepted
    assert view(client, cid, query="?ref=linkedin&ref=x").status_code == 200


# ------------------------------------------------------------------ the verification path's cost


def test_the_verification_path_stays_one_read_with_tracking_on(client, capsys, accepted):
    from tests.aws_calls import recording

    _, _, cid = accepted
    view(client, cid)  # warm: imports, template compilation
    capsys.readouterr()
    with recording() as calls:
        res = view(client, cid, query="?ref=linkedin", Referer="https://www.linkedin.com/feed/")
    assert res.status_code == 200
    assert calls == ["dynamodb.GetItem"]
    assert len(event_lines(capsys)) == 1  # and the view was recorded


def test_a_hidden_credential_records_nothing(client, capsys):
    """A pending one (not public yet) answers like an id never issued, and leaves no
    view line: its counts cannot tell it apart either."""
    tenant_id, key = new_issuer()
    template_id = active_template(client, key)
    cid = body(issue(client, key, template_id))["id"]
    capsys.readouterr()
    assert view(client, cid).status_code == 404
    assert view(client, cid.replace(cid[-4:], "aaaa")).status_code == 404
    assert event_lines(capsys) == []


# ------------------------------------------------------------------ nothing personal


def test_no_personal_data_in_event_lines_or_counters(client, capsys, accepted):
    tenant_id, _, cid = accepted
    view(client, cid, query="?ref=email", Referer="https://mail.google.com/mail/u/0/#inbox?from=ada@example.com")
    view(client, cid, ua=LINKEDIN_BOT)
    lines = event_lines(capsys)
    aggregate(client, lines)

    items = [i for i in scan_table() if "ENG" in i["pk"]]
    assert items
    text = (json.dumps(lines) + json.dumps(items, default=str)).lower()
    for personal in ("ada", "lovelace", "example.com", "mozilla", "linkedinbot", "chrome", "mail.google", "127.0.0.1"):
        assert personal not in text, personal
    assert {k for line in lines for k in json.loads(line)} <= {
        "laurel_engagement", "id", "kind", "tenant_id", "template_id", "credential_id", "day", "agent", "network"}


# ------------------------------------------------------------------ the aggregator's input


def test_the_aggregator_ignores_other_log_lines_and_control_messages(client, capsys, accepted):
    import base64
    import gzip

    tenant_id, _, cid = accepted
    view(client, cid)
    lines = event_lines(capsys)
    noise = ['{"level":"INFO","message":"hello"}', "START RequestId: 1 Version: $LATEST", "{not json",
             '{"laurel_engagement":1,"id":"x","kind":"view","tenant_id":"../../etc","template_id":"t",'
             '"credential_id":"c","day":"2026-01-01","agent":"person"}']
    assert aggregate(client, noise + [f"2026-12-01T00:00:00Z\tabc\tINFO\t{lines[0]}"]) == {"events": 1, "counted": 1}
    control = {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(
        {"messageType": "CONTROL_MESSAGE", "logEvents": [{"message": lines[0]}]}).encode())).decode()}}
    assert client.lambda_.invoke(AGGREGATOR, control).payload == {"events": 0, "counted": 0}
    assert day_counts(tenant_id) == {"view.person": 1, "ref.direct": 1}


# ------------------------------------------------------------------ lifecycle events


def test_lifecycle_transitions_are_counted_by_the_services_that_make_them(client, capsys):
    """Issued (with its skills), accepted (time to accept, leaving pending), rejected,
    revoked while accepted (not leaving pending), a replaced pending one revoked, and
    an expiry from the daily sweep: one day's counters, the same at every level."""
    from chalicelib.services import claims, expiry
    from chalicelib.store import engagement

    tenant_id, key = new_issuer()
    tpl = active_template(client, key, skills=["Data quality", "Governance"])
    creds = {}
    for who in ("ada", "alan", "grace", "kay"):
        dates = {"issued_at": "2020-01-01", "expires_at": today().isoformat()} if who == "kay" else {}
        res = issue(client, key, tpl, email=f"{who}@example.com", **dates)
        assert res.status_code == 201, res.body
        creds[who] = body(res)["id"]
    tokens = {who: claim_token_from(next(m["body"] for m in sent_mail() if m["to"] == [f"{who}@example.com"]), cid)
              for who, cid in creds.items()}
    claims.decide(creds["ada"], tokens["ada"], "accept")
    claims.decide(creds["alan"], tokens["alan"], "reject")
    assert post_json(client, f"/credentials/{creds['ada']}/revoke", key, {"reason": "issued in error"}) == 200
    # grace's pending credential is replaced by a new one (the old one is revoked from pending)
    res = issue(client, key, tpl, email="grace@example.com", duplicate_policy="replace")
    assert res.status_code == 201, res.body
    # kay's expires today: the daily sweep flags it while pending
    expiry.sweep()

    assert aggregate(client, event_lines(capsys))["counted"] == 10
    counts = day_counts(tenant_id)
    accept_buckets = {k: v for k, v in counts.items() if k.startswith("accept_s.")}
    assert {k: v for k, v in counts.items() if not k.startswith("accept_s.")} == {
        "issued": 5, "accepted": 1, "rejected": 1, "revoked": 2, "expired": 1, "pending_out": 4,
        "skill.Data quality": 5, "skill.Governance": 5}
    assert sum(accept_buckets.values()) == 1
    assert engagement.template_days(tenant_id, today(), today())[0][2] == {
        "issued": 5, "accepted": 1, "rejected": 1, "revoked": 2, "expired": 1, "pending_out": 4, **accept_buckets}
    assert engagement.tenant_totals(tenant_id) == engagement.template_days(tenant_id, today(), today())[0][2]
    assert engagement.credential_totals(tenant_id, creds.values()) == {cid: {} for cid in creds.values()}


def test_a_pending_credential_that_expired_leaves_pending_once(client, capsys):
    """The sweep's "expired" takes a pending credential out of pending; revoking it (or
    accepting it) afterwards is counted, but it does not leave pending a second time."""
    from chalicelib.services import claims, expiry

    tenant_id, key = new_issuer()
    tpl = active_template(client, key)
    ids = {}
    for who in ("kay", "lin"):
        res = issue(client, key, tpl, email=f"{who}@example.com", issued_at="2020-01-01",
                    expires_at=today().isoformat())
        assert res.status_code == 201, res.body
        ids[who] = body(res)["id"]
    token = claim_token_from(next(m["body"] for m in sent_mail() if m["to"] == ["lin@example.com"]), ids["lin"])
    expiry.sweep()
    assert post_json(client, f"/credentials/{ids['kay']}/revoke", key, {"reason": "issued in error"}) == 200
    claims.decide(ids["lin"], token, "accept")

    aggregate(client, event_lines(capsys))
    counts = {k: v for k, v in day_counts(tenant_id).items() if not k.startswith(("accept_s.", "skill."))}
    assert counts == {"issued": 2, "expired": 2, "revoked": 1, "accepted": 1, "pending_out": 2}


def test_offboarding_is_confirmed_while_kept_credentials_are_still_viewed(client, capsys, accepted):
    """Counters change on their own (views of the credentials the tenant keeps): they do
    not belong to the confirmed plan, or an organization with live traffic could never
    be offboarded (409 plan_changed on every confirmation)."""
    from chalicelib.services import ops

    tenant_id, _, cid = accepted
    operator = {"Authorization": f"Bearer {ops.create_operator_key('tests')}", "Content-Type": "application/json"}
    plan = body(client.http.post(f"/ops/issuers/{tenant_id}/offboarding", headers=operator))
    view(client, cid)  # its first view: a credential item and a day item appear
    aggregate(client, event_lines(capsys))
    res = client.http.post(f"/ops/issuers/{tenant_id}/offboarding/confirm", headers=operator,
                           body=json.dumps({"token": plan["confirmation"]["token"]}))
    assert res.status_code == 200, res.body
    assert body(res)["deleted"]["engagement_counters"] == 4
    assert [i for i in scan_table() if i["pk"].startswith(f"T#{tenant_id}#ENG")] == []


def test_a_bulk_chunk_written_half_then_redelivered_counts_every_issuance_once(client, capsys, monkeypatch):
    """The first delivery's batch write stops half way (4 of 10 rows stored, no events);
    the redelivery skips the stored rows, yet all 10 issuances are counted, once each,
    even when the redelivered chunk's lines are delivered to the aggregator twice."""
    import boto3
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    from chalicelib.store import credentials as cred_store
    from tests.integration.test_bulk import QUEUE, csv_body, submit

    tenant_id, key = new_issuer()
    tpl = active_template(client, key)
    assert submit(client, key, csv_body(tpl, 10)).status_code == 202
    sqs = boto3.client("sqs", region_name="us-east-1")
    message = sqs.receive_message(QueueUrl=sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"])["Messages"][0]["Body"]
    real = cred_store.batch_put

    def half(items, *rest):
        real(items[:4], *rest)
        raise RuntimeError("the batch write stopped half way")

    monkeypatch.setattr(cred_store, "batch_put", half)
    event = client.events.generate_sqs_event(message_bodies=[message], queue_name=QUEUE)
    with pytest.raises(BatchProcessingError):
        client.lambda_.invoke("bulk_worker", event)
    monkeypatch.setattr(cred_store, "batch_put", real)
    client.lambda_.invoke("bulk_worker", event)
    lines = event_lines(capsys)
    aggregate(client, lines)
    aggregate(client, lines)
    assert day_counts(tenant_id)["issued"] == 10


def post_json(client, path: str, key: str, payload: dict) -> int:
    from tests.helpers import post

    return post(client, path, key, payload).status_code


def test_issuance_keeps_its_aws_calls_with_lifecycle_events(client, capsys):
    """Lifecycle events go out of band too: one API issuance makes the calls it made
    before (tests/integration/test_credentials.py lists them) and writes its line."""
    from tests.aws_calls import recording

    _, key = new_issuer()
    tpl = active_template(client, key)
    issue(client, key, tpl, email="first@example.com")
    capsys.readouterr()
    with recording() as calls:
        assert issue(client, key, tpl, email="second@example.com").status_code == 201
    assert calls == ["dynamodb.GetItem", "dynamodb.BatchGetItem", "kms.Sign", "dynamodb.TransactWriteItems",
                     "sesv2.SendEmail", "dynamodb.TransactWriteItems"], calls
    assert [json.loads(line)["kind"] for line in event_lines(capsys)] == ["issued"]


# ------------------------------------------------------------------ the wallet's share buttons, downloads


def wallet_of(client, email: str):
    from tests.helpers import Browser, sign_in

    b = Browser(client)
    sign_in(b, email)
    return b


def test_share_buttons_count_then_redirect_to_the_network(client, capsys, accepted):
    from urllib.parse import parse_qs, urlsplit

    tenant_id, _, cid = accepted
    b = wallet_of(client, "ada@example.com")
    page = b.text(b.get(f"/wallet/credentials/{cid}"))
    assert f'href="/wallet/credentials/{cid}/share/linkedin"' in page
    assert f'href="/wallet/credentials/{cid}/linkedin"' in page
    capsys.readouterr()

    res = b.get(f"/wallet/credentials/{cid}/share/linkedin")
    assert res.status_code == 302
    target = urlsplit(res.headers["Location"])
    assert (target.netloc, target.path) == ("www.linkedin.com", "/sharing/share-offsite/")
    # the shared page is marked, so views of the post count as LinkedIn's even without a Referer
    assert parse_qs(target.query)["url"] == [f"https://laurel.test/badges/{cid}?ref=linkedin&lang=en"]  # the sharer's language (issue 19)
    assert b.get(f"/wallet/credentials/{cid}/share/email").headers["Location"].startswith("mailto:?subject=")
    assert b.get(f"/wallet/credentials/{cid}/share/whatsapp").headers["Location"].startswith("https://wa.me/?")
    add = b.get(f"/wallet/credentials/{cid}/linkedin")
    assert add.status_code == 302 and add.headers["Location"].startswith("https://www.linkedin.com/profile/add?")
    assert b.get(f"/wallet/credentials/{cid}/share/myspace").status_code == 404
    assert b.get(f"/wallet/credentials/{cid}/download").status_code == 302
    aggregate(client, event_lines(capsys))

    expected = {"share.linkedin": 1, "share.email": 1, "share.whatsapp": 1, "linkedin_add": 1, "download": 1}
    from chalicelib.store import engagement

    assert day_counts(tenant_id) == expected
    assert engagement.credential_totals(tenant_id, [cid])[cid] == expected


def test_no_share_of_another_earners_or_a_private_credential(client, capsys, accepted):
    _, _, cid = accepted
    other = wallet_of(client, "mallory@example.com")
    assert other.get(f"/wallet/credentials/{cid}/share/linkedin").status_code == 404
    assert other.get(f"/wallet/credentials/{cid}/linkedin").status_code == 404
    assert other.get(f"/wallet/credentials/{cid}/download").status_code == 404
    from tests.helpers import Browser

    anonymous = Browser(client).get(f"/wallet/credentials/{cid}/share/linkedin")
    assert anonymous.status_code == 303 and "/signin?next=" in anonymous.headers["Location"]  # sign in first
    owner = wallet_of(client, "ada@example.com")
    from chalicelib.services import wallet
    from chalicelib.store import credentials as cred_store

    wallet.set_private(wallet.owner_of(cred_store.get(cid)), cid, True)
    page = owner.get(f"/wallet/credentials/{cid}").body.decode()
    assert "/share/" not in page and "/linkedin" not in page and 'id="embed"' not in page, "private: nothing to share"
    assert "make it public" in page
    res = owner.get(f"/wallet/credentials/{cid}/share/x")
    assert res.status_code == 409
    assert [line for line in event_lines(capsys) if '"kind":"share"' in line] == []


# ------------------------------------------------------------------ badge images from snippets, /verify runs


def test_image_loads_from_embeds_and_signatures_are_counted(client, capsys, accepted):
    tenant_id, _, cid = accepted
    b = wallet_of(client, "ada@example.com")
    import html as html_mod

    page = html_mod.unescape(html_mod.unescape(b.text(b.get(f"/wallet/credentials/{cid}"))))  # a snippet in a textarea
    # the embed card shows the share card (its live state, issue 19); the signature the badge image
    assert f"/badges/{cid}/card.png?lang=en&ref=embed" in page and f"/badges/{cid}/image?ref=signature" in page
    capsys.readouterr()
    for ref in ("embed", "signature", ""):
        assert client.http.get(f"/badges/{cid}/image" + (f"?ref={ref}" if ref else "")).status_code == 302
    assert client.http.get(f"/badges/{cid}/card.png?lang=en&ref=embed").status_code == 302
    assert client.http.get(f"/badges/{cid}/card.png?lang=en").status_code == 302  # a preview: not an embed
    aggregate(client, event_lines(capsys))
    assert day_counts(tenant_id) == {"image.embed": 2, "image.signature": 1}


def test_verify_runs_of_laurel_credentials_are_counted(client, capsys, accepted):
    tenant_id, _, cid = accepted
    res = client.http.post("/verify", headers={"Content-Type": "application/json"},
                           body=json.dumps({"url": f"https://laurel.test/badges/{cid}"}))
    assert res.status_code == 200 and body(res)["result"] == "valid", res.body
    res = client.http.post("/verify", headers={"Content-Type": "application/json"},
                           body=json.dumps({"url": f"https://laurel.test/ob/v2/assertions/{cid}"}))
    assert res.status_code == 200, res.body
    aggregate(client, event_lines(capsys))
    assert day_counts(tenant_id) == {"verify": 2}


# ------------------------------------------------------------------ offboarding


def test_offboarding_deletes_the_tenants_counters_and_keeps_the_platforms(client, capsys, accepted):
    """The tenant's counters go with its other data (listed in the dry run); the
    platform's days hold no tenant id and stay; views of a credential kept for
    verifiers after the tenant left are not counted for it any more."""
    from chalicelib.services import ops
    from chalicelib.store import engagement

    tenant_id, _, cid = accepted
    view(client, cid)
    view(client, cid, ua=LINKEDIN_BOT)
    aggregate(client, event_lines(capsys))
    assert [i for i in scan_table() if i["pk"].startswith(f"T#{tenant_id}#ENG")]
    operator = {"Authorization": f"Bearer {ops.create_operator_key('tests')}", "Content-Type": "application/json"}

    plan = body(client.http.post(f"/ops/issuers/{tenant_id}/offboarding", headers=operator))
    assert plan["delete"]["engagement_counters"]["count"] == 4  # a day, the total, a template day, a credential
    res = client.http.post(f"/ops/issuers/{tenant_id}/offboarding/confirm", headers=operator,
                           body=json.dumps({"token": plan["confirmation"]["token"]}))
    assert res.status_code == 200 and body(res)["deleted"]["engagement_counters"] == 4, res.body

    assert [i for i in scan_table() if i["pk"].startswith(f"T#{tenant_id}#ENG")] == []
    assert engagement.platform_days(today(), today()) == [(today(), {"view.person": 1, "ref.direct": 1,
                                                                     "view.crawler": 1})]
    capsys.readouterr()
    assert view(client, cid).status_code == 200  # kept: still verifiable
    assert aggregate(client, event_lines(capsys)) == {"events": 1, "counted": 0}
    assert [i for i in scan_table() if i["pk"].startswith(f"T#{tenant_id}#ENG")] == []


# ------------------------------------------------------------------ `make run`: the spool and its feeder


def test_make_runs_spool_feeds_the_same_aggregator_and_a_failed_delivery_comes_back(client, capsys, accepted,
                                                                                    tmp_path, monkeypatch):
    """The local stage appends the lines to a spool file (no CloudWatch Logs); the
    runner's feeder hands them to the EngagementAggregator handler. A delivery that
    fails is delivered again on the next tick and still counted once."""
    import dataclasses

    from app import app
    from chalicelib.adapters import event_log
    from chalicelib.config import get_settings
    from scripts import local_engagement

    tenant_id, _, cid = accepted
    spool = tmp_path / "engagement-8000.jsonl"
    local = dataclasses.replace(get_settings(), engagement_spool=str(spool))
    monkeypatch.setattr(event_log, "get_settings", lambda: local)
    view(client, cid, query="?ref=whatsapp")
    view(client, cid, query="?ref=whatsapp")
    assert event_lines(capsys) == [] and len(spool.read_text().splitlines()) == 2
    handler = app.handler_map[local_engagement.AGGREGATOR]

    def fails_after_counting(event, context):
        handler(event, context)
        raise RuntimeError("the invocation timed out after counting")

    with pytest.raises(RuntimeError):
        local_engagement.feed_once(spool, fails_after_counting)
    view(client, cid)  # a new spool starts meanwhile
    assert local_engagement.feed_once(spool, handler) == 2  # the failed delivery first, again
    assert local_engagement.feed_once(spool, handler) == 1
    assert local_engagement.feed_once(spool, handler) == 0
    assert day_counts(tenant_id) == {"view.person": 3, "ref.whatsapp": 2, "ref.direct": 1}


def test_a_day_with_hundreds_of_accept_times_is_written_in_bounded_updates(client, capsys, accepted):
    """One delivery of many acceptances: their time-to-accept buckets are hundreds of
    metrics of the same day's items; no UpdateExpression grows past the store's bound
    and every one is counted."""
    from chalicelib.domain.engagement import Event, latency_bucket
    from chalicelib.store import engagement
    from tests.aws_calls import requests

    tenant_id, template_id, cid = accepted
    lines = [json.dumps(Event(id=f"acc{i}", kind="accepted", tenant_id=tenant_id, template_id=template_id,
                              credential_id=cid, day=today().isoformat(), from_status="pending",
                              latency_s=int(1.05 ** i) + 1).line()) for i in range(300)]
    with requests() as calls:
        assert aggregate(client, lines) == {"events": 300, "counted": 300}
    updates = [u["Update"] for c in calls if c.name == "dynamodb.TransactWriteItems"
               for u in c.params["TransactItems"] if "Update" in u]
    assert max(len(u["ExpressionAttributeNames"]) for u in updates) <= engagement.MAX_METRICS_PER_UPDATE
    totals = engagement.tenant_totals(tenant_id)
    assert totals["accepted"] == 300 and totals["pending_out"] == 300
    assert sum(v for k, v in totals.items() if k.startswith("accept_s.")) == 300
    assert len({latency_bucket(int(1.05 ** i) + 1) for i in range(300)}) > 200
